r"""Fitting the ACD variants with a kinked news term: ABACD and AACD (Hautsch, 2012).

Their news term ``(|eps - nu| + c (eps - nu))^delta2`` has a kink at ``eps = nu`` (a cusp with
infinite slope when ``delta2 < 1``), so the log-likelihood is not differentiable wherever a
residual equals ``nu``: the score is a sum of spikes, a gradient optimiser crawls (and R ACDm's
``nlminb`` stops unconverged, code 1), and a score criterion cannot certify a maximum.

The fit here follows a *smoothing path*: ``|eps - nu|`` is replaced by
``sqrt((eps - nu)^2 + tau^2)``, a smooth likelihood on which the gradient engine converges in the
usual sense, for ``tau = 1e-2, 1e-3, 1e-4``, each fit started at the previous one. The last
estimate is then polished on the exact likelihood (``tau = 0``) by a compass search: every
parameter is moved by ``+-h`` (relative steps ``1e-3`` down to ``1e-6``), improvements are
accepted, and the step is refined when no move improves. The fit is reported converged when
every smoothed fit converged and the compass search ends with no improving move at the finest
step within its budget: a local maximum of the exact likelihood in every coordinate direction.
On a long series (more than 60 000 spells, one group) the ``tau = 1e-2`` stage is the screen
of starts on the first 20 000 spells, the full data are fitted at ``tau = 1e-3`` only, and the
compass search first runs along the eigenvectors of the smoothed Hessian (of the first 200 000
spells; steps of 0.03, 0.003 and 0.0003 standard errors): the exact maximum lies along the
ridge of the correlated parameters, where moves along the axes zig-zag. The certifying search
along the axes then runs at the finest step (``1e-6``) only.
A parameter at its bound (``|c| = 1``) is not an interior maximum and is flagged.

Above 250 000 spells with the exponential (QML) law, no regressors and one series
(:func:`fit_long`) the kernels of :mod:`.kernels_multi` take over: Newton steps with exact
Hessians of the smoothed likelihood (one forward-mode pass each) on the first 5 000 spells
from the default start and a ``(c, nu)`` grid (each start inside those spells' admissible
region), then on the first 20 000 from the best two of those points (the distinct optima
are carried on: :func:`_screen_long`), quasi-Newton steps (gradient passes, from the last
Newton Hessian) on the first 200 000 and then, from the best of those optima on the full
data's smoothed likelihood, on the full data at ``tau = 1e-3`` (restarted once from the
exact Hessian when its budget runs out short of the optimum), and a
*certificate* on the exact likelihood that costs one data pass (:func:`stencil_certificate`):
along each eigenvector of the smoothed Hessian (of the Gauss-Newton matrix where that is
indefinite), scaled to one standard error, the exact log-likelihood is evaluated at
``+-0.25`` standard errors; the parabola through the three values must be concave and the
gains they predict (summed over the conjugate axes) and every probed improvement must stay
within ``CERT_TOL = 0.05`` log-likelihood units. Otherwise the estimate moves to the
parabolas' maximum (or, where a parabola is not concave, to the best probed point), a step
that does not raise the exact likelihood is halved, and the check is repeated, five passes at
most (:func:`_certify`); a fit that still fails goes to the general path (smoothing path and
compass search) started
at its estimate, and is reported unconverged if that fails too. What is certified is the
maximum of the exact likelihood at the scale of a fraction of a standard error: with a
million spells the exact likelihood also has a micro-structure (a cusp wherever a residual
crosses ``nu``, about one per ``1e-6`` relative change of a parameter), on which a
coordinate search at steps of ``1e-6`` can climb a few hundredths of a unit further
(measured: up to 0.043 units on 20 simulated series of 300 000 and 10^6 spells,
benchmarks/RESULTS.md); those gains are far below what any
test or interval can resolve (a likelihood-ratio statistic changes by twice that), and the
parameters move by a small fraction of a standard error. Every kinked exponential fit
without regressors or groups (any length) takes its covariances from one forward-mode pass at
``tau = 1e-2`` (:func:`kinked_covariances`; on the fast path, the certificate's own pass): the
analytic Hessian of the smoothed likelihood, equal to central differences to about ``1e-10``
(the forward differences used before were off by up to a third in the weakest combination).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .kink_compass import _LEVELS, _compass, _directions, _fval, compass

__all__ = ["KINKED", "TAUS", "fit_kinked", "compass", "stencil_certificate", "kinked_covariances"]

KINKED = ("abacd", "aacd")
TAUS = (1e-2, 1e-3, 1e-4)
# a long series (more than 3 * _SCREEN spells): first a compass search along the eigenvectors
# of the smoothed Hessian (steps of _LEVELS_SE standard errors; the exact likelihood has its
# maximum up to a few 1e-3 (relative) along the ridge from the smoothed one, where steps along
# the axes zig-zag), then the certifying search along the axes at the finest step only
_LEVELS_LONG = (1e-6,)
_LEVELS_SE = (3e-2, 3e-3, 3e-4)
_LONG = 250_000  # above: fit_long (exponential QML, one series, no regressors)


def fit_kinked(x, Z, spec, dist, b, start, maxiter, segments, fit, problem, output):
    """Smoothing path plus compass polish (module docstring). ``fit`` is the engine's gradient fit
    (``_fit_smooth``), ``problem`` its ``_Problem`` and ``output`` its ``FitOutput`` class (passed
    in: no import cycle).
    The Box-Cox models are fitted unscaled (``x`` as given)."""
    fast = None
    if long_qml(x, spec, dist, Z, segments, start):
        fast = fit_long(x, spec, dist, b, start, output)
        if fast is not None and (fast.converged or fast.at_bound):
            return fast
        if fast is not None:  # not certified: the general path below, from its estimate
            start = fast.theta
    out = _fit_general(x, Z, spec, dist, b, start, maxiter, segments, fit, problem, output)
    if fast is not None and not out.converged and fast.llf > out.llf:
        return fast
    return out


def _fit_general(x, Z, spec, dist, b, start, maxiter, segments, fit, problem, output):
    """The smoothing path and compass search of the module docstring (every case)."""
    theta = None if start is None else np.asarray(start, dtype=float)
    if theta is None:
        theta = _screen(x, Z, spec, dist, b, maxiter, segments, fit)
    outs = []
    # a long series stops at the middle smoothing level (with a million spells the
    # tau = 1e-4 likelihood is nearly as rough as the exact one and its fit crawls; the
    # compass search on the exact likelihood certifies the result either way); when its
    # tau = 1e-2 stage was the screen on the first spells, the full data start at tau = 1e-3
    # (the gradient engine refits a subsample from the start it is given anyway)
    long = x.shape[0] > 3 * _SCREEN
    screened = long and start is None and segments is None and theta is not None
    taus = (TAUS[1],) if screened else TAUS[:2] if long else TAUS
    for tau in taus:
        out = fit(x, Z, dataclasses.replace(spec, tau=tau), dist, b, False, theta, maxiter,
                  segments)  # fmt: skip
        if not np.all(np.isfinite(out.theta)) or not math.isfinite(out.llf):
            break
        outs.append(out)
        theta = out.theta
    if not outs:  # the smoothed fit failed outright: report the exact-likelihood fit
        return fit(x, Z, spec, dist, b, False, start, maxiter, segments)
    prob = problem(x, Z, spec, dist, b, False, segments, log_shapes=True)
    # the smoothed optimum may lie where the exact recursion is undefined (e.g. |c| -> 1 with
    # omega < 0: the news term vanishes below nu); back off along the path, else refit exactly
    while outs and not math.isfinite(_fval(prob, prob.clip(prob.phi(outs[-1].theta)))):
        outs.pop()
    if not outs:
        return fit(x, Z, spec, dist, b, False, start, maxiter, segments)
    last = outs[-1]
    phi0 = prob.clip(prob.phi(last.theta))
    levels = _LEVELS
    n_dir = 0
    if long and segments is None:  # a long series: most of the way along the ridge directions
        dirs = _directions(problem, x, Z, spec, dist, b, phi0, TAUS[1])
        if dirs is not None:
            phi0, _, _, n_dir = _compass(prob, phi0, _LEVELS_SE, 40, lambda p: _fval(prob, p),
                                         dirs)  # fmt: skip
            levels = _LEVELS_LONG
    phi, f, certified, n_eval = _compass(prob, phi0, levels, 40, lambda p: _fval(prob, p))
    n_eval += n_dir
    theta = prob.theta(phi)
    smooth_ok = len(outs) == len(taus) and all(o.converged for o in outs)
    bound = [nm for nm in last.at_bound]
    names = spec.names + list(dist.names)
    for j, nm in enumerate(names):  # |c| = 1 reached by the compass search
        lo, hi = prob.bounds[j]
        if (lo is not None and theta[j] <= lo + 1e-9) or (hi is not None and theta[j] >= hi - 1e-9):
            if nm not in bound:
                bound.append(nm)
    ok = smooth_ok and certified and not bound
    if ok:
        msg = (
            f"smoothed fits (tau = {', '.join(f'{t:g}' for t in taus)}) converged; compass "
            f"search on the exact likelihood certified a local maximum ({n_eval} evaluations)"
        )
    elif bound:
        why = " (|c| <= 1 keeps the news term defined)" if "c" in bound else ""
        msg = (
            f"{', '.join(bound)} at the bound of the parameter range{why}: not an interior maximum"
        )
    elif not smooth_ok:
        msg = "a smoothed fit on the way to the kinked likelihood did not converge"
    else:
        msg = (
            "the compass search on the exact (kinked) likelihood still improved when its "
            f"budget ran out ({n_eval} evaluations)"
        )
    llf = -f * x.shape[0]
    n_iter = sum(o.n_iter for o in outs) + n_eval
    return output(theta, llf, ok, last.score_max, n_iter, tuple(bound), msg)


_GRID_C = (-0.5, 0.0, 0.5)
_GRID_NU = (0.25, 0.5, 1.0)
_SCREEN = 20_000


def _screen(x, Z, spec, dist, b, maxiter, segments, fit):
    """Start of the smoothing path: the likelihood is multimodal in the kink parameters
    ``(c, nu)``, so the first smoothed fit (``tau = TAUS[0]``) is run from the default start
    and from a 3 x 3 grid of ``(c, nu)`` (on the first 20 000 spells of a long series);
    the best of them starts the path. Returns ``None`` (the engine's own starts) on failure."""
    sp = dataclasses.replace(spec, tau=TAUS[0])
    long = x.shape[0] > 3 * _SCREEN and segments is None
    xs = x[:_SCREEN] if long else x
    zs = None if Z is None else (Z[:_SCREEN] if long else Z)
    seg = None if long else segments
    base = fit(xs, zs, sp, dist, b, False, None, maxiter, seg)
    if not np.all(np.isfinite(base.theta)):
        return None
    best = base
    lay = spec.layout
    for c in _GRID_C:
        for nu in _GRID_NU:
            th = base.theta.copy()
            th[lay.i_c], th[lay.i_nu] = c, nu
            out = fit(xs, zs, sp, dist, b, False, th, maxiter, seg)
            if np.all(np.isfinite(out.theta)) and out.llf > best.llf:
                best = out
    return best.theta


# ---------------------------------------------------------------------- long series, QML
# Exponential QML without regressors or groups on more than 3 * _SCREEN spells (the case that
# costs): second-order forward-mode passes (duration.kernels_multi.tangent2) give Newton steps
# and the covariances, and the exact likelihood is probed at many parameter vectors per pass
# (exact_multi). See fit_long.
_SUB_N = (20_000, 200_000)  # Newton stages on the first spells (tau = 1e-2)
_STENCIL_SE = 0.25  # stencil half-width along each principal axis, in standard errors
_QN_PASSES = 16  # most full-data passes of the quasi-Newton stage
_ROUNDS = 5  # most stencil passes (each after the first follows a step: _certify)
CERT_TOL = 0.05  # log-likelihood units: largest gain the certificate leaves unclaimed


def _kin(spec):
    """``(m, p, q, aacd, eps_one)`` of the kernels for ``spec``."""
    m = max(spec.p, spec.q) if spec.acdm else 0
    return m, spec.p, spec.q, spec.kind == "aacd", bool(spec.acdm)


def _t2(th, x, b, spec, tau, want_h):
    from .kernels_multi import tangent2, tangent11

    m, p, q, aug, one = _kin(spec)
    with np.errstate(all="ignore"):
        if p == 1 and q == 1 and want_h:  # the common order: the specialised kernel
            return tangent11(np.ascontiguousarray(th, dtype=float), x, float(b), m, aug,
                             float(tau), one)  # fmt: skip
        return tangent2(np.ascontiguousarray(th, dtype=float), x, float(b), m, p, q, aug,
                        float(tau), one, want_h)  # fmt: skip


def exact_values(T, x, b, spec, tau: float = 0.0, simd: bool = False) -> np.ndarray:
    """Mean negative log-likelihood (exponential QML) at each row of ``T``, one data pass
    (``inf`` where the recursion leaves its domain); ``simd``: for order ``(1, 1)`` the rows
    in SIMD lanes (:func:`.kernels_simd.exact_multi11_simd`, equal to about ``1e-16``)."""
    from .kernels_multi import exact_multi, exact_multi11

    m, p, q, aug, one = _kin(spec)
    T = np.ascontiguousarray(np.atleast_2d(T), dtype=float)
    with np.errstate(all="ignore"):
        if p == 1 and q == 1 and simd:
            from .kernels_simd import exact_multi11_simd

            return exact_multi11_simd(T, x, float(b), m, aug, float(tau), one) / x.shape[0]
        if p == 1 and q == 1:
            return exact_multi11(T, x, float(b), m, aug, float(tau), one) / x.shape[0]
        return exact_multi(T, x, float(b), m, p, q, aug, float(tau), one) / x.shape[0]


def _box(spec):
    lay = spec.layout
    return np.array(lay.lower, dtype=float), np.array(lay.upper, dtype=float)


def _free(th, g, lo, hi):
    return ~(((th <= lo + 1e-9) & (g > 0)) | ((th >= hi - 1e-9) & (g < 0)))


def _newton(x, b, spec, tau, th, iters=12, gtol=1e-7, final=True, near=()):
    """Newton steps with the exact Hessian of the smoothed likelihood (one forward-mode pass
    each; line search on the value). Returns ``(theta, H, converged)`` (``H`` of the mean at
    the returned ``theta``, ``None`` when a pass leaves the parameter space; without the
    ``final`` pass at the last step, ``H`` is ``None`` and ``converged`` False unless the
    gradient criterion held within ``iters``). ``near``: optima ``(theta, H)`` found
    already; an iterate within one log-likelihood unit of one of them in its quadratic
    model (``n (t - theta)' H (t - theta) / 2 < 1``, ``H`` positive definite) is in its
    basin at this sample's resolution, and that optimum is returned."""
    lo, hi = _box(spec)
    n = x.shape[0]
    H = None
    near = [(t, M) for t, M in near if np.all(np.linalg.eigvalsh(M) > 0)]
    for _ in range(iters):
        for t_o, H_o in near:
            if 0.5 * n * float((th - t_o) @ H_o @ (th - t_o)) < 1.0:
                return t_o, H_o, True
        ok, f, g, H, _, J = _t2(th, x, b, spec, tau, True)
        if not ok or not math.isfinite(f):
            return th, None, False
        f, g, H, J = f / n, g / n, H / n, J / n
        free = _free(th, g, lo, hi)
        if np.max(np.abs(g[free]), initial=0.0) < gtol:
            return th, H, True
        Hf, Jf = H[np.ix_(free, free)], J[np.ix_(free, free)]
        try:  # Newton; Fisher scoring (J = mean a a') where H is not positive definite
            np.linalg.cholesky(Hf)
            M = Hf
        except np.linalg.LinAlgError:
            M = Jf
        scale = float(np.mean(np.abs(np.diag(M)))) or 1.0
        moved = False
        # Levenberg-Marquardt damping when the (scoring) step is too long
        for mu in (0.0, 1e-6, 1e-4, 1e-2, 1.0, 100.0):
            try:
                d = np.linalg.solve(M + mu * scale * np.eye(M.shape[0]), g[free])
            except np.linalg.LinAlgError:
                continue
            for t in (1.0, 0.5, 0.25):
                cand = th.copy()
                cand[free] -= t * d
                cand = np.clip(cand, lo, hi)
                if exact_values(cand, x, b, spec, tau)[0] < f:
                    th, moved = cand, True
                    break
            if moved:
                break
        if not moved:
            break
    if not final:
        return th, None, False
    ok, f, g, H, _, _ = _t2(th, x, b, spec, tau, True)
    if not ok:
        return th, None, False
    g, H = g / n, H / n
    free = _free(th, g, lo, hi)
    return th, H, bool(np.max(np.abs(g[free]), initial=0.0) < max(gtol, 1e-6))


def _fg(th, x, b, spec, dist, lanes: bool = False):
    """Mean objective and gradient of the smoothed exponential QML at ``th`` (``inf``, ``nan``
    outside the domain): :func:`.kernels_multi.grad11` for order ``(1, 1)``, else the
    engine's adjoint pass. With ``lanes`` (order ``(1, 1)``, no ACDm start, a long series)
    first :func:`.kernels_simd.grad11_lanes`, kept only when its seams agree to ``1e-12``
    (else the sequential pass)."""
    if spec.p == 1 and spec.q == 1:
        from .kernels_multi import grad11

        m, _, _, aug, one = _kin(spec)
        if lanes and m == 0:
            from .kernels_simd import LANES, WARM, grad11_lanes

            if x.shape[0] >= 4 * LANES * WARM:  # warm-up spells at most a quarter
                with np.errstate(all="ignore"):
                    ok, f, g, seam = grad11_lanes(np.ascontiguousarray(th, dtype=float), x,
                                                  float(b), aug, float(spec.tau), LANES, WARM)  # fmt: skip
                if ok and seam <= 1e-12 and np.all(np.isfinite(g)):
                    return f / x.shape[0], g / x.shape[0]
        with np.errstate(all="ignore"):
            ok, f, g = grad11(np.ascontiguousarray(th, dtype=float), x, float(b), m, aug,
                              float(spec.tau), one)  # fmt: skip
        n = x.shape[0]
        return (f / n, g / n) if ok else (math.inf, np.full(th.shape[0], np.nan))
    from .recursion import negloglik

    return negloglik(th, (), x, spec, dist, b)


_COV_CACHE: dict = {}  # the last certified fit's (theta, x id, n) -> covariance matrices


def _quasi_newton(x, b, spt, tau, dist, th, H, max_pass, dec_tol, lanes=False):
    """BFGS steps on the full data (smoothed likelihood ``spt``) from the Hessian ``H`` of a
    subsample: one gradient pass per accepted step; a rejected unit step is halved (up to four
    times, one pass each); when none is better, the updates start
    again from ``H`` (once). Stops when the Newton decrement
    ``g' H^-1 g / 2`` is below ``dec_tol`` log-likelihood units. Returns
    ``(theta, H, f, g, passes)``; ``lanes``: the gradient passes of :func:`_fg` with ``lanes``."""
    n = x.shape[0]
    lo, hi = _box(spt)
    f, g = _fg(th, x, b, spt, dist, lanes)
    used = 1
    H0, reset = H, False
    while used < max_pass and math.isfinite(f):
        free = _free(th, g, lo, hi)
        step = np.zeros_like(th)
        try:
            step[free] = np.linalg.solve(H[np.ix_(free, free)], g[free])
        except np.linalg.LinAlgError:
            break
        if 0.5 * float(g[free] @ step[free]) * n < dec_tol:
            break
        cand = np.clip(th - step, lo, hi)
        fc, gc = _fg(cand, x, b, spt, dist, lanes)
        used += 1
        for t in (0.5, 0.25, 0.125, 0.0625):  # backtracking, one gradient pass per trial
            if fc < f:
                break
            cand = np.clip(th - t * step, lo, hi)
            fc, gc = _fg(cand, x, b, spt, dist, lanes)
            used += 1
        if not fc < f:
            if reset:
                break
            H, reset = H0, True  # the BFGS updates went astray: back to the subsample's
            continue
        sv, yv = cand - th, gc - g
        sy = float(sv @ yv)
        if sy > 1e-12 * float(np.linalg.norm(sv) * np.linalg.norm(yv)):
            Hv = H @ sv
            H = H + np.outer(yv, yv) / sy - np.outer(Hv, Hv) / float(sv @ Hv)
        th, f, g = cand, fc, gc
    return th, H, f, g, used


def stencil_certificate(theta, x, b, spec, H, h: float = _STENCIL_SE, tol: float = CERT_TOL):
    """Check that ``theta`` maximises the exact (kinked) log-likelihood to within ``tol`` units.

    ``H``: the Hessian of the mean negative smoothed log-likelihood at ``theta``. Along each of
    its eigenvectors, scaled to one standard error ``d_j`` (a quadratic model with curvature 1
    per unit), the exact log-likelihood ``L`` is evaluated at ``theta +- h d_j`` (all ``2k + 1``
    points in one data pass; order ``(1, 1)``: in SIMD lanes,
    :func:`.kernels_simd.exact_multi11_simd`). Per axis, the parabola through the three
    values has curvature
    ``kappa_j`` and slope ``s_j``; its maximum lies ``s_j^2 / (2 kappa_j)`` above ``L(theta)``.
    Certified when every ``kappa_j >= 0.25`` (the exact likelihood is concave at that scale,
    as the smoothed one) and the sum of those gains (the axes are conjugate) and every probed
    improvement is at most ``tol``.

    Returns ``(certified, gain, step, L0)``: the predicted total gain, the step to the
    parabolas' maximum (parameters; where a parabola is not concave, the step to the best
    probed point when that is higher: the exact likelihood can be flat or rough at the
    stencil's scale, and a step along every axis at once then overshoots) and the exact
    log-likelihood at ``theta``.
    """
    n = x.shape[0]
    k = theta.shape[0]
    lo, hi = _box(spec)
    lam, V = np.linalg.eigh(H)
    if not (np.all(np.isfinite(lam)) and lam[0] > 0):
        return False, math.inf, np.zeros(k), math.nan
    D = V / np.sqrt(lam * n)  # columns: one standard error along each axis
    hs = np.full(k, float(h))
    for j in range(k):  # stay inside the parameter box
        d = np.abs(D[:, j])
        room = np.min(np.where(d > 0, np.minimum(theta - lo, hi - theta) / np.where(d > 0, d, 1),
                               np.inf))  # fmt: skip
        hs[j] = min(hs[j], 0.999 * room)
    if np.min(hs) < 0.1 * h:  # within a tenth of a standard error of a bound: no certificate
        return False, math.inf, np.zeros(k), math.nan
    T = np.vstack([theta] + [theta + sg * hs[j] * D[:, j] for j in range(k) for sg in (1.0, -1.0)])
    L = -exact_values(T, x, b, spec, simd=True) * n
    L0 = float(L[0])
    if not np.all(np.isfinite(L)):
        return False, math.inf, np.zeros(k), L0
    up, dn = L[1::2] - L0, L[2::2] - L0
    kappa = -(up + dn) / hs**2
    slope = (up - dn) / (2 * hs)
    if np.any(kappa < 0.25):  # no parabola model: to the best probed point if it is higher
        i = int(np.argmax(L[1:])) + 1
        return False, math.inf, T[i] - theta if L[i] > L0 else D @ (np.sign(slope) * hs), L0
    gain = float(np.sum(slope**2 / (2 * kappa)))
    step = D @ (slope / kappa)
    ok = gain <= tol and float(max(up.max(), dn.max())) <= tol
    return ok, gain, step, L0


def long_qml(x, spec, dist, Z, segments, start) -> bool:
    """Whether :func:`fit_long` applies (exponential QML, one series, no regressors)."""
    return (
        type(dist).__name__ == "Exponential"
        and Z is None
        and segments is None
        and x.shape[0] > _LONG
        and (start is None or len(start) == spec.k)
    )


_CARRY = 2  # the best starts (on the first 20 000 spells) refined there


def _screen_long(x, b, spec, lo, hi):
    """Starts of :func:`fit_long`: the best ``_CARRY`` distinct points of :func:`_starts_long`
    on the first 20 000 spells, refined there by Newton steps. Returns the distinct
    20 000-spell optima as ``(theta, H)`` pairs (``H`` the mean Hessian there), best first.

    Why more than one: the first 5 000 spells barely identify ``(c, nu)``, and their best
    point can lie in another basin than the full series' maximum. AACD at the benchmark's
    truth, ``n = 10^6``: with rng 1 the best point on 20 000 spells leads to an optimum of
    those spells 5.4 log-likelihood units below the one reached from the second best (490
    units below it on the full data); with rng 3 every grid start but one was outside the
    recursion's domain, and the fit ended 600 units below the likelihood at the truth."""
    sp2 = dataclasses.replace(spec, tau=TAUS[0])
    xs = x[: _SUB_N[0]]
    F, fg = _starts_long(x, b, spec, lo, hi)
    runs: list = []
    for j in _ranked(fg, F)[:_CARRY]:  # a later start stops in the basin of an earlier one
        t, H, _ = _newton(xs, b, sp2, TAUS[0], F[j], 20, 1e-6, near=[r[1:] for r in runs])
        if H is not None and all(np.max(np.abs(t - r[1])) > _GAP for r in runs):
            runs.append((exact_values(t, xs, b, spec, TAUS[0])[0], t, H))
    return [(t, H) for _, t, H in sorted(runs, key=lambda r: r[0])]


def _starts_long(x, b, spec, lo, hi):
    """Newton steps on the first 5 000 spells from the best default start (to convergence)
    and from a 3 x 3 grid of ``(c, nu)`` (5 steps each), every start _inside those spells'
    admissible region (:func:`_inside`). Returns the points (rows) and their mean negative
    smoothed log-likelihoods on the first 20 000 spells."""
    lay = spec.layout
    sp2 = dataclasses.replace(spec, tau=TAUS[0])
    xs, x5 = x[: _SUB_N[0]], x[: _SUB_N[0] // 4]
    cands = []
    for bsum in (None, 0.9, 0.7):  # the engine's starts: ACDm's, and less persistent ones
        th0 = np.array(lay.start, dtype=float)
        if bsum is not None:
            th0[lay.i_beta : lay.i_beta + lay.q] = bsum / lay.q
        th0[0] *= float(x.mean())  # unscaled Box-Cox models: ACDm's omega = mean / 20
        cands.append(np.clip(th0, lo, hi))
    fv = exact_values(np.array(cands), xs, b, spec, TAUS[0])
    home = cands[int(np.argmin(fv))]
    th, _, _ = _newton(x5, b, sp2, TAUS[0], home, 40)
    # the likelihood is multimodal in (c, nu): Newton steps from each point of a grid too,
    # moved towards the default start with the same (c, nu) where the recursion leaves its
    # domain (the other parameters of th can make a grid point explosive)
    found = [th]
    for c in _GRID_C:
        for nu in _GRID_NU:
            t, h = th.copy(), home.copy()
            t[[lay.i_c, lay.i_nu]] = h[[lay.i_c, lay.i_nu]] = (c, nu)
            if (t := _inside(t, h, x5, b, spec, lo, hi)) is not None:
                found.append(_newton(x5, b, sp2, TAUS[0], t, 5, 1e-6, final=False)[0])
    F = np.array(found)
    return F, exact_values(F, xs, b, spec, TAUS[0])


_GAP = 1e-3  # sup-norm distance below which two optima are the same


def _ranked(f, T) -> list:
    """Indices of the rows of ``T`` with finite ``f``, best (smallest) ``f`` first, without
    those within ``_GAP`` (sup norm) of a better one."""
    out: list = []
    for j in np.argsort(f, kind="stable"):
        if math.isfinite(f[j]) and all(np.max(np.abs(T[j] - T[i])) > _GAP for i in out):
            out.append(int(j))
    return out


def _inside(t, home, xs, b, spec, lo, hi, halvings: int = 12):
    """``t`` moved back towards ``home`` (``home + s (t - home)``, ``s = 1, 1/2, ...``, then
    ``home``) until the recursion on ``xs`` stays in its domain (one pass for ``t``, one
    multi-vector pass for the others); ``None`` when even ``home`` leaves it."""
    if math.isfinite(exact_values(t, xs, b, spec, TAUS[0])[0]):
        return t
    s = 0.5 ** np.arange(1, halvings)
    T = np.vstack([np.clip(home + si * (t - home), lo, hi) for si in s] + [home])
    ok = np.isfinite(exact_values(T, xs, b, spec, TAUS[0]))
    return T[int(np.argmax(ok))] if ok.any() else None


def _mid_stage(x2, b, spec, dist, th, H20):
    """The stage on the first 200 000 spells (``x2``) from ``th``: quasi-Newton passes from
    the 20 000-spell Hessian ``H20``, or (``H20`` None: a given start) Newton steps.
    Returns ``(theta, H)`` with ``H`` positive definite (the full-data quasi-Newton start),
    or ``None`` when the stage leaves the parameter space."""
    sp2 = dataclasses.replace(spec, tau=TAUS[0])
    if H20 is not None:  # close already: quasi-Newton (gradient) passes
        Hs = _positive_definite(H20, th, x2, b, spec)
        if Hs is None:
            return None
        th, _, f2, _, _ = _quasi_newton(x2, b, sp2, TAUS[0], dist, th, Hs.copy(), _QN_PASSES,
                                        2e-3, lanes=True)  # fmt: skip
        if not math.isfinite(f2):
            return None
        ok, _, _, Hs, _, _ = _t2(th, x2, b, spec, TAUS[0], True)  # at the subsample's optimum
        if not ok:
            return None
        Hs = Hs / x2.shape[0]
    else:
        th, Hs, _ = _newton(x2, b, sp2, TAUS[0], th, 8, 1e-5)
        if Hs is None:
            return None
    Hs = _positive_definite(Hs, th, x2, b, spec)
    return None if Hs is None else (th, Hs)


def _restart_qn(x, b, spt, dist, th, Hq, f, g):
    """The full-data quasi-Newton stage restarted from the exact Hessian of the smoothed
    likelihood at ``th`` (one forward-mode pass) when its budget ran out with a Newton
    decrement (BFGS matrix ``Hq``) above ``0.002`` units; ``(theta, f, g, passes)``.

    Why: where the full series' optimum lies far along a weak direction from the 200 000-spell
    one, the BFGS updates from that sample's Hessian crawl. AACD at the benchmark's truth,
    ``n = 10^6``, rng 3: 16 passes brought the smoothed log-likelihood from 33 units below the
    optimum to 1.3 units below it (``delta1`` from 0.39 to 0.80, on its way to 0.81)."""
    n = x.shape[0]
    lo, hi = _box(spt)
    free = _free(th, g, lo, hi)
    try:
        dec = 0.5 * float(g[free] @ np.linalg.solve(Hq[np.ix_(free, free)], g[free])) * n
    except np.linalg.LinAlgError:
        dec = math.inf
    if not dec > 2e-3:
        return th, f, g, 0
    ok, _, _, H, _, _ = _t2(th, x, b, spt, spt.tau, True)
    H = _positive_definite(H / n, th, x, b, spt) if ok else None
    if H is None:
        return th, f, g, 1
    th2, _, f2, g2, used = _quasi_newton(x, b, spt, spt.tau, dist, th, H, _QN_PASSES, 2e-3,
                                         lanes=True)  # fmt: skip
    return (th2, f2, g2, used + 1) if f2 <= f else (th, f, g, used + 1)


def _certify(th, x, b, spec, H, lo, hi):
    """The certificate of :func:`stencil_certificate` at ``th``, and while it fails (at most
    ``_ROUNDS`` stencil passes) at the point its step leads to (the parabolas' maximum, or
    the best probed point); a step that does not raise the exact likelihood is halved (from
    the best point so far). Kept: the best point if it is certified, else the best certified
    point at most ``CERT_TOL`` below it, else the best point. Returns ``(theta, certified,
    gain, L, passes)``.

    Why more than one step: the exact likelihood is far from the smoothed one's quadratic
    model along its weakest axes (curvatures of 100 instead of 1 per squared standard
    error, measured on AACD, ``n = 300,000``, rng 7), and flat or rough along others at the
    stencil's scale (``n = 10^6``, rng 3): a parabola step can overshoot and one probe can
    be the better move; with one step these fits went to the general path (10-40 s)."""
    best, low, cur, shrink, passes = None, None, th, 1.0, 0
    while passes < _ROUNDS:
        cert, gain, step, L = stencil_certificate(cur, x, b, spec, H)
        passes += 1
        if best is None or L > best[4]:
            best, shrink = (cur, cert, gain, step, L), 1.0
            if cert or not (np.all(np.isfinite(step)) and np.any(step)):
                break
        else:  # the step from the best point overshot: a shorter one
            if cert and best[4] - L <= CERT_TOL and (low is None or L > low[4]):
                low = (cur, cert, gain, step, L)
            shrink *= 0.5
        cur = np.clip(best[0] + shrink * best[3], lo, hi)
    out = best if best[1] or low is None else low
    return out[0], out[1], out[2], out[4], passes


def fit_long(x, spec, dist, b, start, output):
    """The kinked fit of a long series (:func:`long_qml`; module docstring): Newton steps on
    the smoothed likelihood (``tau = 1e-2``, exact Hessians from :func:`tangent2`) on the first
    5 000 and 20 000 spells from the best default start and a ``(c, nu)`` grid
    (:func:`_screen_long`: the distinct optima of the best two starts); from each,
    quasi-Newton steps from the 20 000-spell Hessian on the first 200 000 (Newton steps
    there when ``start`` is given) and, from the optimum with the best smoothed full-data
    likelihood and the Hessian there, on the full data at ``tau = 1e-3`` (restarted from
    the exact Hessian by :func:`_restart_qn` when the budget runs out); for order
    ``(1, 1)`` the gradient passes run in :func:`.kernels_multi.grad11` (on the full data in
    :func:`.kernels_simd.grad11_lanes`: the series in SIMD lanes, checked at the seams, the
    same numbers at a third of the cost) and the Hessian passes in
    :func:`.kernels_multi.tangent11`; the observed (``tau = 1e-2``) Hessian at the estimate in
    one forward-mode pass (kept for the covariances); the certificate of
    :func:`stencil_certificate` on the exact likelihood, with up to four steps when it
    fails (:func:`_certify`). Returns the engine's ``FitOutput``, or ``None``
    when a stage leaves the parameter space (the caller then runs the general path)."""
    n = x.shape[0]
    lo, hi = _box(spec)
    sp3 = dataclasses.replace(spec, tau=TAUS[1])
    n_pass = 0
    if start is None:  # the distinct optima of the first 20 000 spells (best two starts)
        runs = _screen_long(x, b, spec, lo, hi)
    else:
        runs = [(np.clip(np.asarray(start, dtype=float), lo, hi), None)]
    x2 = x[: _SUB_N[1]]
    mids = [m for th, H20 in runs if (m := _mid_stage(x2, b, spec, dist, th, H20)) is not None]
    if not mids:
        return None
    th, Hs = mids[0]
    if len(mids) > 1:  # several basins on the way: the full data's smoothed likelihood decides
        fv = exact_values(np.array([m[0] for m in mids]), x, b, spec, TAUS[1])
        n_pass += 1
        th, Hs = mids[int(np.argmin(fv))]
    # full data, tau = 1e-3: quasi-Newton passes from the subsample's Hessian (BFGS updates)
    # to a Newton decrement of 0.002 units; they bring the start of the certificate close,
    # and the certificate decides
    th, Hq, f, g, used = _quasi_newton(x, b, sp3, TAUS[1], dist, th, Hs.copy(), _QN_PASSES, 2e-3,
                                       lanes=True)  # fmt: skip
    n_pass += used
    if not math.isfinite(f):
        return None
    if used >= _QN_PASSES:  # budget spent short of the optimum: once more, from the exact Hessian
        th, f, g, used = _restart_qn(x, b, sp3, dist, th, Hq, f, g)
        n_pass += used
    free = _free(th, g, lo, hi)
    score_max = float(np.max(np.abs(g[free]), initial=0.0))
    # the certificate on the exact likelihood along the axes of the observed (tau = 1e-2)
    # Hessian at its start; that pass also gives the covariances (again at a moved estimate)
    ok, _, _, H, In, J = _t2(th, x, b, spec, TAUS[0], True)
    n_pass += 1
    if not ok:
        return None
    H, In, J = H / n, In / n, J / n
    th_h = th.copy()
    try:  # the axes: the smoothed Hessian, or the Gauss-Newton matrix where it is indefinite
        np.linalg.cholesky(H)
        Hc, axes = H, "smoothed Hessian"
    except np.linalg.LinAlgError:  # (AACD, n = 300 000, rng 7, from the truth)
        Hc, axes = J, "Gauss-Newton matrix (the smoothed Hessian is indefinite)"
    th, certified, gain, L0, rounds = _certify(th, x, b, spec, Hc, lo, hi)
    n_pass += rounds
    if not np.array_equal(th, th_h):
        ok, _, _, H, In, J = _t2(th, x, b, spec, TAUS[0], True)
        n_pass += 1
        if not ok:
            return None
        H, In, J = H / n, In / n, J / n
    _COV_CACHE.clear()
    _COV_CACHE["key"] = (id(x), n, float(b), spec.kind, th.tobytes())
    _COV_CACHE["mats"] = {"H": H, "I": In, "J": J}
    bound = [
        nm for j, nm in enumerate(spec.names) if th[j] <= lo[j] + 1e-9 or th[j] >= hi[j] - 1e-9
    ]
    llf = float(L0) if math.isfinite(L0) else -exact_values(th, x, b, spec)[0] * n
    ok = certified and not bound
    if ok:
        msg = (
            f"the exact (kinked) likelihood is certified within {CERT_TOL:g} of its maximum "
            f"along the principal axes of the {axes} (parabolas through +-"
            f"{_STENCIL_SE:g} standard errors predict a gain of {gain:.2g}; {rounds} stencil "
            f"pass{'es' if rounds > 1 else ''})"
        )
    elif bound:
        why = " (|c| <= 1 keeps the news term defined)" if "c" in bound else ""
        msg = (
            f"{', '.join(bound)} at the bound of the parameter range{why}: not an interior maximum"
        )
    else:
        msg = (
            "the exact (kinked) likelihood is not certified: a parabola through it along a "
            f"principal axis predicts a gain of {gain:.3g} (tolerance {CERT_TOL:g})"
        )
    return output(th, llf, ok, score_max, n_pass, tuple(bound), msg)


def kinked_covariances(theta, x, Z, spec, dist, b, segments):
    """``H``, ``I``, ``J`` of the exponential QML of a kinked model without regressors or
    groups (any length), from one forward-mode pass at ``tau = 1e-2`` (or the pass that
    :func:`fit_long` made with its certificate); ``None`` otherwise (then the engine's
    finite-difference route applies). The analytic Hessian equals central differences of the
    adjoint gradient to about ``1e-10``; the forward differences (step ``1e-5``) of the
    general route are off by up to a third in the standard errors of the weakest
    combination (AACD, ``n = 10^6``: 0.34 against 0.25 for ``delta1``), because the smoothed
    kink has third derivatives of order ``1 / tau^2``."""
    if not (type(dist).__name__ == "Exponential" and Z is None and segments is None):
        return None
    key = (id(x), x.shape[0], float(b), spec.kind, np.asarray(theta, dtype=float).tobytes())
    if _COV_CACHE.get("key") == key:
        return {k: v.copy() for k, v in _COV_CACHE["mats"].items()}
    ok, _, _, H, In, J = _t2(np.asarray(theta, dtype=float), x, b, spec, TAUS[0], True)
    if not ok:
        return None
    n = x.shape[0]
    return {"H": H / n, "I": In / n, "J": J / n}


def _positive_definite(H, th, xs, b, spec):
    """``H`` if it is positive definite, else the Gauss-Newton matrix at ``th`` on ``xs``
    (``None`` if that pass fails)."""
    try:
        np.linalg.cholesky(H)
        return H
    except np.linalg.LinAlgError:
        ok, _, _, _, _, Js = _t2(th, xs, b, spec, TAUS[0], True)
        return Js / xs.shape[0] if ok else None
