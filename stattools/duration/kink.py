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
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .recursion import negloglik_groups

__all__ = ["KINKED", "TAUS", "fit_kinked", "compass"]

KINKED = ("abacd", "aacd")
TAUS = (1e-2, 1e-3, 1e-4)
_LEVELS = (1e-3, 1e-4, 1e-5, 1e-6)
# a long series (more than 3 * _SCREEN spells): first a compass search along the eigenvectors
# of the smoothed Hessian (steps of _LEVELS_SE standard errors; the exact likelihood has its
# maximum up to a few 1e-3 (relative) along the ridge from the smoothed one, where steps along
# the axes zig-zag), then the certifying search along the axes at the finest step only
_LEVELS_LONG = (1e-6,)
_LEVELS_SE = (3e-2, 3e-3, 3e-4)
_HESS = 200_000


def _fval(prob, phi: np.ndarray) -> float:
    """Exact objective (mean negative log-likelihood) at ``phi``; ``inf`` when undefined."""
    th = prob.theta(phi)
    if not prob.feasible(th):
        return math.inf
    sp = prob.spec
    f, _ = negloglik_groups(th[: sp.k], tuple(th[sp.k :]), prob.x, sp, prob.dist, prob.b,
                            prob.Z, prob.segments, grad=False)  # fmt: skip
    return float(f) if math.isfinite(f) else math.inf


def compass(
    prob, phi: np.ndarray, fval=None, levels=_LEVELS, max_sweeps: int = 40, dirs=None
) -> tuple[np.ndarray, float, bool, int]:
    """Compass search from ``phi`` on ``fval`` (default: ``prob``'s exact objective); ``prob``
    provides ``clip`` (the box of the parameters).

    Returns ``(phi, f, certified, n_eval)``; ``certified`` when, at every step level, a sweep
    over all coordinates found no improving move before ``max_sweeps`` sweeps. With ``dirs``
    (a ``k x k`` matrix) the moves are ``+-level * dirs[:, j]`` instead of relative steps along
    the axes.

    Examples
    --------
    >>> class Box:  # no bounds
    ...     def clip(self, p):
    ...         return p
    >>> kinked = lambda p: abs(p[0] - 0.2) + 2 * abs(p[1] - 1.0)  # minimum at (0.2, 1)
    >>> phi, f, ok, _ = compass(Box(), np.array([0.198, 0.998]), kinked)
    >>> np.round(phi, 6).tolist(), ok
    ([0.2, 1.0], True)

    On a kinked ridge, moves along the axes stall where moves along the ridge do not:

    >>> ridge = lambda p: abs(p[0] - p[1]) * 100 + abs(p[0] + p[1] - 2)  # minimum at (1, 1)
    >>> d = np.array([[1.0, 1.0], [-1.0, 1.0]]) / np.sqrt(2)
    >>> along = compass(Box(), np.array([0.5, 0.5]), ridge, levels=(0.1, 0.01, 1e-3), dirs=d)
    >>> axes = compass(Box(), np.array([0.5, 0.5]), ridge, levels=(0.1, 0.01, 1e-3))
    >>> np.round(along[0], 3).tolist(), axes[0].tolist()
    ([1.0, 1.0], [0.5, 0.5])
    """
    fv = fval if fval is not None else (lambda p: _fval(prob, p))
    return _compass(prob, phi, levels, max_sweeps, fv, dirs)


def _directions(problem, x, Z, spec, dist, b, phi):
    """Search directions of a long series: the eigenvectors of the smoothed (``tau = 1e-3``)
    Hessian on its first ``_HESS`` spells at ``phi``, each scaled to one standard error of
    the full series (columns); ``None`` when that Hessian is not positive definite."""
    sub = problem(x[:_HESS], None if Z is None else Z[:_HESS], dataclasses.replace(spec, tau=TAUS[1]),
                  dist, b, False, None, log_shapes=True)  # fmt: skip
    H = sub.hessian(phi)
    if not np.all(np.isfinite(H)):
        return None
    lam, V = np.linalg.eigh(H)
    if lam[0] <= 0:
        return None
    return V / np.sqrt(lam * x.shape[0])


def _compass(prob, phi, levels, max_sweeps, fval, dirs=None):
    phi = np.asarray(phi, dtype=float).copy()
    f = fval(phi)
    n_eval = 1
    k = phi.shape[0]
    certified = True
    for rel in levels:
        for _ in range(max_sweeps):
            improved = False
            for j in range(k):
                h = rel * max(abs(phi[j]), 0.1)
                for sgn in (1.0, -1.0):
                    cand = phi.copy()
                    if dirs is None:
                        cand[j] += sgn * h
                    else:  # along column j of dirs, rel in its units
                        cand += sgn * rel * dirs[:, j]
                    cand = prob.clip(cand)
                    if np.array_equal(cand, phi):
                        continue
                    fc = fval(cand)
                    n_eval += 1
                    if fc < f:
                        phi, f, improved = cand, fc, True
                        break
            if not improved:
                break
        else:
            certified = False  # still improving at this step size when the budget ran out
    return phi, f, certified, n_eval


def fit_kinked(x, Z, spec, dist, b, start, maxiter, segments, fit, problem, output):
    """Smoothing path plus compass polish (module docstring). ``fit`` is the engine's gradient fit
    (``_fit_smooth``), ``problem`` its ``_Problem`` and ``output`` its ``FitOutput`` class (passed
    in: no import cycle).
    The Box-Cox models are fitted unscaled (``x`` as given)."""
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
        dirs = _directions(problem, x, Z, spec, dist, b, phi0)
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
