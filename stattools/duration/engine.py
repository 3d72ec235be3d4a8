r"""The estimation engine of the ACD family: likelihood problem, optimiser, covariances.

Used by :class:`~stattools.duration.model.ACD`, the infinite-mean tests and the bootstrap.
It imports nothing from the result or model modules, so the package has no import cycle
(``model -> engine``, ``inference -> engine``, ``bootstrap -> engine``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

from ..core.exceptions import DataError, NotSupportedError
from ..core.resampling import single_thread_blas
from ..core.validation import check_option
from .distributions import Innovation
from .models import hessian_jacobian_exp, smooth_tangent, tangent_exp
from .recursion import Spec, negloglik_groups, obs_scores, obs_scores_groups
from .starts import two_step_start
from .tangent_fit import fit_tangent_long

__all__ = ["FitOutput", "fit_engine", "covariances", "sandwich", "backcast_value"]

_BIG = 1e10
_SUB = 20_000  # subsample used to choose among starting values of the ACD variants
_N_EXP = 2 * _SUB  # spells of the exponential fit of the two-step start on a long series
_TWO_STEP = True  # whether shaped laws get the two-step start (False: the fixed starts only)


@dataclass(frozen=True)
class FitOutput:
    """Raw output of :func:`fit_engine` (original scale)."""

    theta: np.ndarray  # recursion + shape parameters
    llf: float
    converged: bool
    score_max: float
    n_iter: int
    at_bound: tuple[str, ...]
    message: str


def backcast_value(x: np.ndarray, backcast: str | float) -> float:
    """The presample value ``b`` of the recursion for the rule ``backcast``."""
    if isinstance(backcast, str):
        key = check_option(backcast, "backcast", ("mean", "ewma", "acdm"))
        if key in ("mean", "acdm"):
            return float(x.mean())
        tau = min(75, x.shape[0])
        w = 0.94 ** np.arange(tau)
        return float(w @ x[:tau] / w.sum())
    b = float(backcast)
    if not (math.isfinite(b) and b > 0):
        raise DataError(
            f"backcast must be 'mean', 'ewma', 'acdm' or a positive number; got {backcast!r}."
        )
    return b


def _scale_map(spec: Spec, n_shape: int, xbar: float) -> tuple[np.ndarray, np.ndarray]:
    """Affine map ``theta = D theta_scaled + c`` from the x / xbar problem to the original."""
    k = spec.k + n_shape
    D = np.eye(k)
    c = np.zeros(k)
    if spec.kind not in ("acd", "lacd1"):
        lay = spec.layout
        kr = len(lay.names)
        if lay.scale == "log":
            L = math.log(xbar)
            c[0] = L
            D[0, lay.i_beta : lay.i_beta + lay.q] = -L
        elif lay.scale == "linear":  # psi and every coefficient of a residual term scale
            D[0, 0] = xbar
            for cf, code in zip(lay.t_coef, lay.t_basis):
                if code != 0:  # not a lagged duration
                    D[cf, cf] = xbar
            for m in range(kr, spec.k):
                D[m, m] = xbar
        return D, c
    if spec.log:
        L = math.log(xbar)
        c[0] = L
        D[0, 1 + spec.p : 1 + spec.p + spec.q] = -L  # omega = w~ + L (1 - sum beta)
    else:
        D[0, 0] = xbar
        for m in range(len(spec.exog)):
            D[1 + spec.p + spec.q + m, 1 + spec.p + spec.q + m] = xbar
    return D, c


def _xbar(x: np.ndarray, spec: Spec) -> float:
    """Scale of the internal problem: mean(x), or 1 for the Box-Cox models (their parameters
    do not scale affinely with the time unit)."""
    if spec.kind not in ("acd", "lacd1") and spec.layout.scale == "none":
        return 1.0
    return float(x.mean())


def _bounds(spec: Spec, dist: Innovation) -> list[tuple[float | None, float | None]]:
    eps = 1e-8
    if spec.kind not in ("acd", "lacd1"):
        lay = spec.layout
        rec = [
            (None if math.isinf(lo) else lo, None if math.isinf(hi) else hi)
            for lo, hi in zip(lay.lower, lay.upper)
        ]
        return rec + [(None, None)] * len(spec.exog) + list(dist.bounds)
    if spec.log:
        rec = [(None, None)] * (1 + spec.p) + [(-1 + eps, 1 - eps)] * spec.q
    else:
        rec = [(1e-10, None)] + [(0.0, None)] * spec.p + [(0.0, 1 - eps)] * spec.q
    return rec + [(None, None)] * len(spec.exog) + list(dist.bounds)


def _starts(spec: Spec, dist: Innovation, restricted: bool) -> list[np.ndarray]:
    if spec.kind not in ("acd", "lacd1"):  # ACDm's default start (data of mean 1) and two
        lay = spec.layout  # with less persistence; the best starting value is used
        out = []
        for bsum in (None, 0.9, 0.7):
            th = np.r_[lay.start, np.zeros(len(spec.exog))]
            if bsum is not None:
                th[lay.i_beta : lay.i_beta + lay.q] = bsum / lay.q
                if lay.transform == 1:  # log models: omega keeps E log psi = 0
                    th[0] = 0.0
                elif lay.transform == 0:
                    th[0] = max(1.0 - bsum - 0.1, 0.02)
            out.append(np.r_[th, dist.start])
        return out
    grid = (
        [(0.05, 0.95), (0.1, 0.9), (0.2, 0.8)]
        if restricted
        else [(0.05, 0.9), (0.1, 0.8), (0.2, 0.7)]
    )
    out = []
    for a, bb in grid:
        th = np.zeros(spec.k)
        th[1] = a
        if spec.q:
            th[1 + spec.p] = bb
        th[0] = 0.0 if spec.log else max(1.0 - a - bb, 0.01)
        out.append(np.r_[th, dist.start])
    return out


class _Problem:
    """Mean negative log-likelihood on the scaled data, optionally restricted to pi = 1."""

    def __init__(
        self,
        x,
        Z,
        spec: Spec,
        dist: Innovation,
        b: float,
        restricted: bool,
        segments=None,
        log_shapes: bool = False,
    ):
        self.x, self.Z, self.spec, self.dist, self.b = x, Z, spec, dist, b
        self.segments = segments
        if restricted and spec.kind not in ("acd", "lacd1"):
            raise NotSupportedError(
                f"the restricted (alpha + beta = 1) fit is defined for the linear ACD only, "
                f"not for model={spec.kind!r}."
            )
        k = spec.k + len(dist.names)
        self.k = k
        self.bounds = _bounds(spec, dist)
        if restricted:  # beta_q = 1 - sum(alpha) - sum_{j<q} beta_j
            iq = spec.p + spec.q
            keep = [i for i in range(k) if i != iq]
            A = np.zeros((k, k - 1))
            for col, i in enumerate(keep):
                A[i, col] = 1.0
            A[iq, [keep.index(j) for j in range(1, iq)]] = -1.0
            cvec = np.zeros(k)
            cvec[iq] = 1.0
            self.iq = iq
            self.free_bounds = [self.bounds[i] for i in keep]
        else:
            A, cvec, self.iq = np.eye(k), np.zeros(k), None
            self.free_bounds = self.bounds
        self.A, self.c = A, cvec
        # shapes optimised on the log scale (issue 12 item 2): phi_j = log(shape_j)
        nfree = A.shape[1]
        self.logmask = np.zeros(nfree, dtype=bool)
        if log_shapes and dist.names:
            self.logmask[nfree - len(dist.names) :] = dist.log_scale
            nat = [b for lg, b in zip(self.logmask, self.free_bounds) if lg]
            self._lo_nat = np.array([b[0] for b in nat])
            self._hi_nat = np.array([b[1] for b in nat])
            self.free_bounds = [
                (math.log(lo), math.log(hi)) if lg else (lo, hi)
                for lg, (lo, hi) in zip(self.logmask, self.free_bounds)
            ]

    def theta(self, phi: np.ndarray) -> np.ndarray:
        if self.logmask.any():  # exp(log(bound)) may round past the bound: clip
            phi = phi.copy()
            phi[self.logmask] = np.clip(np.exp(phi[self.logmask]), self._lo_nat, self._hi_nat)
        return self.c + self.A @ phi

    def phi(self, theta: np.ndarray) -> np.ndarray:
        v = np.linalg.lstsq(self.A, theta - self.c, rcond=None)[0]
        if self.logmask.any():
            v[self.logmask] = np.log(np.maximum(v[self.logmask], 1e-300))
        return v

    def feasible(self, th: np.ndarray) -> bool:
        spec = self.spec
        if self.iq is not None:
            lo, hi = self.bounds[self.iq]
            v = th[self.iq]
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                return False
        if spec.q > 1 and not spec.log and spec.kind == "acd":
            if th[1 + spec.p : 1 + spec.p + spec.q].sum() >= 1 - 1e-8:
                return False
        return True

    def fg(self, phi: np.ndarray) -> tuple[float, np.ndarray]:
        th = self.theta(phi)
        if not self.feasible(th):
            return _BIG, np.zeros(phi.shape[0])
        sp = self.spec
        f, g = negloglik_groups(
            th[: sp.k], tuple(th[sp.k :]), self.x, sp, self.dist, self.b, self.Z, self.segments
        )
        if not np.isfinite(f) or not np.all(np.isfinite(g)):
            return _BIG, np.zeros(phi.shape[0])
        gp = self.A.T @ g
        if self.logmask.any():
            gp[self.logmask] *= np.exp(phi[self.logmask])
        return f, gp

    def hessian(self, phi: np.ndarray, one_sided: bool = False) -> np.ndarray:
        """Finite differences of the analytic gradient: central (``2k`` gradients), or
        forward (``k + 1``; relative error about ``1e-5``, used for the ACD variants)."""
        k = phi.shape[0]
        H = np.empty((k, k))
        g0 = self.fg(phi)[1] if one_sided else None
        for j in range(k):
            h = 1e-5 * max(abs(phi[j]), 1.0)
            up, dn = phi.copy(), phi.copy()
            up[j] += h
            if g0 is not None:
                H[:, j] = (self.fg(up)[1] - g0) / h
                continue
            dn[j] -= h
            H[:, j] = (self.fg(up)[1] - self.fg(dn)[1]) / (2 * h)
        return 0.5 * (H + H.T)

    def tangent_ok(self) -> bool:
        """Whether :meth:`fgh` applies: exponential QML of a generic model (or the log-ACD
        type I, whose generic layout is the same recursion) with smooth news terms (not
        the kinks of EXACD/SNIACD, where Gauss-Newton crawls on the subsample screen), no
        regressors, groups, restriction or log-scale shapes."""
        sp = self.spec
        return bool(
            (sp.generic or sp.kind == "lacd1")
            and self.Z is None
            and self.segments is None
            and self.iq is None
            and not self.logmask.any()
            and type(self.dist).__name__ == "Exponential"
            and smooth_tangent(sp.layout)
        )

    def fgh(self, phi: np.ndarray, hess: bool = True):
        """``(f, g, H, G, I, J)`` from one forward-mode pass (:func:`.models.tangent_exp`;
        ``H`` zero unless ``hess``), or ``None`` outside the parameter space; only where
        :meth:`tangent_ok`."""
        th = self.theta(phi)
        if not self.feasible(th):
            return None
        return tangent_exp(th, self.x, self.spec.layout, self.b, self.spec.acdm, hess)

    def opg(self, phi: np.ndarray) -> np.ndarray:
        th = self.theta(phi)
        sp = self.spec
        S = obs_scores_groups(
            th[: sp.k], tuple(th[sp.k :]), self.x, sp, self.dist, self.b, self.Z, self.segments
        )[0]
        S = S @ self.A
        if self.logmask.any():
            S[:, self.logmask] *= np.exp(phi[self.logmask])
        return S.T @ S / S.shape[0]

    def at_bound(self, phi: np.ndarray, g: np.ndarray) -> np.ndarray:
        out = np.zeros(phi.shape[0], dtype=bool)
        for j, (lo, hi) in enumerate(self.free_bounds):
            if lo is not None and phi[j] <= lo + 1e-9 and g[j] > 0:
                out[j] = True
            if hi is not None and phi[j] >= hi - 1e-9 and g[j] < 0:
                out[j] = True
        return out

    def clip(self, phi: np.ndarray) -> np.ndarray:
        lo = np.array([-np.inf if b[0] is None else b[0] for b in self.free_bounds])
        hi = np.array([np.inf if b[1] is None else b[1] for b in self.free_bounds])
        return np.clip(phi, lo, hi)


def _polish(
    prob: _Problem,
    phi: np.ndarray,
    max_iter: int = 25,
    gtol: float = 1e-9,
    fg0=None,
    cheap: bool | None = None,
) -> tuple[np.ndarray, float, np.ndarray, int]:
    """Newton steps (numerical Hessian of the analytic gradient; BHHH if not PD).

    A step is accepted when it lowers the objective or, where the objective is flat to
    rounding, the largest free score component; iteration stops at ``gtol``. ``fg0``: the
    objective and gradient at ``phi`` when known. ``cheap``: one-sided Hessians reused while
    the steps succeed (default: for the ACD variants).
    """
    f, g = prob.fg(phi) if fg0 is None else fg0
    it = 0
    # the ACD variants reuse the Hessian while the steps succeed and the free set is
    # unchanged (each Hessian costs 2k gradients; near the optimum it hardly changes)
    reuse = prob.spec.kind not in ("acd", "lacd1") if cheap is None else cheap
    one_sided = reuse
    H_full: np.ndarray | None = None
    last_free: np.ndarray | None = None
    while it < max_iter:
        it += 1
        free = ~prob.at_bound(phi, g)
        gmax = float(np.max(np.abs(g[free]))) if free.any() else 0.0
        if gmax < gtol:
            break
        if not (reuse and H_full is not None and np.array_equal(free, last_free)):
            H_full = prob.hessian(phi, one_sided=one_sided)
        last_free = free
        H = H_full[np.ix_(free, free)]
        try:
            np.linalg.cholesky(H)
        except np.linalg.LinAlgError:
            H = prob.opg(phi)[np.ix_(free, free)]
        try:
            step = np.linalg.solve(H, g[free])
        except np.linalg.LinAlgError:
            break
        t = 1.0
        improved = False
        for _ in range(12):
            cand = phi.copy()
            cand[free] -= t * step
            cand = prob.clip(cand)
            fc, gc = prob.fg(cand)
            if fc < _BIG and (
                fc < f - 1e-13 * abs(f)
                or (fc <= f + 1e-13 * abs(f) and np.max(np.abs(gc[free])) < gmax)
            ):
                improved = True
                break
            t /= 2
        if not improved:
            if reuse and H_full is not None and t < 1.0:  # stale Hessian: recompute once
                H_full = None
                reuse = False
                continue
            break
        phi, f, g = cand, fc, gc
    return phi, f, g, it


def _newton_fixed(
    prob: _Problem, H: np.ndarray, phi: np.ndarray, max_iter: int = 12, tol: float = 1e-9
):
    """Quasi-Newton steps on ``prob`` started with the Hessian ``H`` of a subsample (one
    gradient per step; BFGS updates of ``H`` with this problem's gradients, so the rate does
    not rest on how well the subsample's curvature matches).

    Returns ``(phi, done, H, (f, g))``; ``done`` when the largest free score is below ``tol``
    (default ``1e-9``, the tolerance of :func:`_polish`, which then has nothing left to do);
    ``(f, g)`` the objective and gradient at ``phi``.
    """
    f, g = prob.fg(phi)
    if f >= _BIG:
        return phi, False, H, (f, g)
    for _ in range(max_iter):
        free = ~prob.at_bound(phi, g)
        if np.max(np.abs(g[free]), initial=0.0) < tol:
            return phi, True, H, (f, g)
        step = np.zeros_like(phi)
        try:
            step[free] = np.linalg.solve(H[np.ix_(free, free)], g[free])
        except np.linalg.LinAlgError:
            break
        t = 1.0
        accepted = False
        gfree = float(np.max(np.abs(g[free])))
        for _ in range(8):
            cand = prob.clip(phi - t * step)
            fc, gc = prob.fg(cand)
            if fc < f or (fc <= f + 1e-13 * abs(f) and np.max(np.abs(gc[free])) < gfree):
                accepted = True
                break
            t /= 2
            if t < 0.2 and gfree < 1e-7:  # gains at rounding level: left to the polish
                break
        if not accepted:
            break
        sv, yv = cand - phi, gc - g
        sy = float(sv @ yv)
        if sy > 1e-12 * float(np.linalg.norm(sv) * np.linalg.norm(yv)):  # BFGS update
            Hs = H @ sv
            H = H + np.outer(yv, yv) / sy - np.outer(Hs, Hs) / float(sv @ Hs)
        phi, f, g = cand, fc, gc
    free = ~prob.at_bound(phi, g)
    return phi, bool(np.max(np.abs(g[free]), initial=0.0) < tol), H, (f, g)


def _fit_tangent_long(prob: _Problem, xs, spec, dist, bs, cands, tol: float = 1e-7):
    """:func:`.tangent_fit.fit_tangent_long` with this module's problems (first ``_SUB``
    spells, then ``5 _SUB``)."""

    def make(size: int) -> _Problem:
        return _Problem(xs[:size], None, spec, dist, bs, False, None, log_shapes=True)

    return fit_tangent_long(prob, make, xs.shape[0], cands, tol, _SUB, _BIG)


_TANGENT_CACHE: list = []  # (x, b, spec, theta, (H, I, J)) at the last exact-Newton fit


def _snap_shapes(prob: _Problem, phi, f, g, n_pol, opts):
    """Shapes on the log scale within ``0.1`` (10 percent; a factor 1000 when the fit has
    stalled) of a range limit with the score pointing outwards: the likelihood increases towards a limit of the family (e.g. the
    generalised gamma's log-normal limit), where L-BFGS-B crawls; they are set to the
    limit and the rest is refitted, so the fit is reported at the bound (and flagged)."""
    lo = np.array([-np.inf if b[0] is None else b[0] for b in prob.free_bounds])
    hi = np.array([np.inf if b[1] is None else b[1] for b in prob.free_bounds])
    free = ~prob.at_bound(phi, g)
    unconverged = bool(np.max(np.abs(g[free]), initial=0.0) > 1e-6)
    zone = math.log(1e3) if unconverged else 0.1  # wider when the fit has stalled
    # a stalled fit far out on a flat profile: the sign of the score is noise there, so the
    # limit is tried whatever it is (and kept only if the likelihood is at least as high)
    up = prob.logmask & (phi >= hi - zone) & (phi < hi) & ((g < 0) | unconverged)
    dn = prob.logmask & (phi <= lo + zone) & (phi > lo) & ((g > 0) | unconverged)
    if not (up.any() or dn.any()):
        return phi, f, g, n_pol
    cand = phi.copy()
    cand[up] = hi[up]
    cand[dn] = lo[dn]
    res = optimize.minimize(
        prob.fg, cand, jac=True, method="L-BFGS-B", bounds=prob.free_bounds, options=opts
    )
    phi2, f2, g2, n2 = _polish(prob, res.x)
    if f2 <= f + 1e-12 * abs(f):
        return phi2, f2, g2, n_pol + n2 + int(res.nit)
    return phi, f, g, n_pol


def fit_engine(
    x: np.ndarray,
    Z: np.ndarray | None,
    spec: Spec,
    dist: Innovation,
    b: float,
    *,
    restricted: bool = False,
    start: np.ndarray | None = None,
    maxiter: int = 500,
    segments=None,
) -> FitOutput:
    """Maximise the likelihood on ``x / mean(x)``; return parameters on the original scale.

    L-BFGS-B from the best of three starting points, then Newton/BHHH polish.
    Convergence: sup-norm of the mean score over the free parameters ``<= 1e-6``.
    Runs with BLAS limited to one thread: the problem is tiny (a handful of parameters)
    and a multi-threaded BLAS inside L-BFGS-B made fits ten times slower (0.25 s against
    0.024 s at N = 1000 on a loaded 2-core machine).
    """
    with single_thread_blas():
        return _fit_engine(x, Z, spec, dist, b, restricted, start, maxiter, segments)


def _fit_engine(x, Z, spec, dist, b, restricted, start, maxiter, segments) -> FitOutput:
    if spec.kind in ("abacd", "aacd") and spec.tau == 0.0 and not restricted:
        from .kink import fit_kinked  # smoothing path + compass search (kinked likelihood)

        return fit_kinked(x, Z, spec, dist, b, start, maxiter, segments, _fit_smooth, _Problem,
                          FitOutput)  # fmt: skip
    return _fit_smooth(x, Z, spec, dist, b, restricted, start, maxiter, segments)


def _fit_smooth(x, Z, spec, dist, b, restricted, start, maxiter, segments) -> FitOutput:
    """The gradient engine (L-BFGS-B / quasi-Newton on subsamples, Newton polish).

    A shaped law gets the two-step start (:mod:`.starts`) beside the fixed ones; where that
    fit stalls (not converged, nothing at a bound), the fit from the fixed starts only is
    also run and kept unless its log-likelihood is lower by more than 1e-9 relative (a flat
    profile towards a limit of the family, where the fixed starts reach and flag the limit).
    """
    out = _fit_one(x, Z, spec, dist, b, restricted, start, maxiter, segments, _TWO_STEP)
    if out.message.startswith("two-step") and not out.converged and not out.at_bound:
        old = _fit_one(x, Z, spec, dist, b, restricted, start, maxiter, segments, False)
        if old.llf >= out.llf - 1e-9 * abs(out.llf):
            return old
    return out


def _fit_one(x, Z, spec, dist, b, restricted, start, maxiter, segments, two_step) -> FitOutput:
    """One run of :func:`_fit_smooth` (``two_step``: with the two-step start)."""
    xbar = _xbar(x, spec)
    xs, bs = x / xbar, b / xbar
    n_shape = len(dist.names)
    D, c = _scale_map(spec, n_shape, xbar)
    prob = _Problem(xs, Z, spec, dist, bs, restricted, segments, log_shapes=True)
    if start is not None:
        starts = [np.linalg.solve(D, np.asarray(start, dtype=float) - c)]
    else:
        starts = _starts(spec, dist, restricted)
        if xbar == 1.0 and spec.kind not in ("acd", "lacd1"):  # unscaled: ACDm's omega = mean/20
            for th0 in starts:
                th0[0] *= float(x.mean())
    long = spec.kind not in ("acd", "lacd1") and segments is None and xs.shape[0] > 3 * _SUB
    long = long or (prob.tangent_ok() and xs.shape[0] > 3 * _SUB)  # LACD1 (mean backcast)
    th2 = None
    if (
        two_step
        and start is None
        and not restricted
        and spec.kind in ("acd", "lacd1")
        and dist.names
    ):
        # two-step start (duration.starts): exponential QML fit, shapes on its residuals
        def fit_exp(xx, ZZ, sp, d, bb, sg):
            return _fit_smooth(xx, ZZ, sp, d, bb, False, None, maxiter, sg)

        m = xs.shape[0] if xs.shape[0] <= 3 * _SUB else _N_EXP
        seg = segments if m == xs.shape[0] else None
        if seg is not None or segments is None:
            th2 = two_step_start(xs[:m], None if Z is None else Z[:m], spec, dist, bs, seg,
                                 fit_exp)  # fmt: skip
        if th2 is not None:
            starts = [*starts, th2]
    # a long linear/log ACD under a shaped law: the subsample path of the variants below
    law_long = th2 is not None and segments is None and xs.shape[0] > 3 * _SUB
    sub = None
    if long or law_long:  # starts screened on the subsample (full-data evaluations are the cost)
        sub = _Problem(xs[:_SUB], None if Z is None else Z[:_SUB], spec, dist, bs, False,
                       None, log_shapes=True)  # fmt: skip
    cands = []
    for th0 in starts:
        phi0 = prob.clip(prob.phi(th0))
        f0, _ = (prob if sub is None else sub).fg(phi0)
        cands.append((f0, phi0))
    opts = {"maxiter": maxiter, "ftol": 1e-13, "gtol": 1e-9, "maxcor": 20}
    done, skip, fg_best = False, False, None
    # exact Newton on growing subsamples (forward-mode passes), where the kernel applies
    tl = None
    if long and prob.tangent_ok():  # LACD1 to the tolerance of its polish (1e-9)
        tol = 1e-9 if spec.kind == "lacd1" else 1e-7
        tl = _fit_tangent_long(prob, xs, spec, dist, bs, cands, tol)
    if tl is not None:
        msg = "Gauss-Newton / Newton from subsample fits (forward-mode passes)"
        res = optimize.OptimizeResult(x=tl[0], nit=0, message=msg)
        skip, fg_best = True, (tl[1][0], tl[1][1])
    elif (spec.kind in ("acd", "lacd1") and not law_long) or (start is not None and not long):
        phi0 = min(cands, key=lambda t: t[0])[1]
        res = optimize.minimize(
            prob.fg, phi0, jac=True, method="L-BFGS-B", bounds=prob.free_bounds, options=opts
        )
    elif (long or law_long) and sub is not None:
        # long series: choose among the starts by fitting the first _SUB observations from
        # each (a shaped law: from the best start only), then start the full fit at the best
        # of those estimates
        pool = [min(cands, key=lambda t: t[0])] if law_long else cands
        runs = [
            optimize.minimize(
                sub.fg, p0, jac=True, method="L-BFGS-B", bounds=prob.free_bounds, options=opts
            )
            for f0, p0 in pool
            if f0 < _BIG
        ]
        best = min(runs, key=lambda r: r.fun).x if runs else cands[0][1]
        # quasi-Newton steps (one gradient each) on growing subsamples (x10 each), then on
        # the full data, started with the first subsample's Hessian and BFGS-updated: each
        # stage starts O(1/sqrt(size)) from its optimum, so the full data need few steps
        try:
            H = sub.hessian(best)
            np.linalg.cholesky(H)
        except (np.linalg.LinAlgError, ValueError):
            H = None
        if H is not None:
            size = 10 * _SUB
            while size * 3 < xs.shape[0]:
                mid = _Problem(xs[:size], None if Z is None else Z[:size], spec, dist, bs,
                               False, None, log_shapes=True)  # fmt: skip
                # a start for the full data, which are O(1/sqrt(size)) away: 1e-6 suffices
                best, _, H, _ = _newton_fixed(mid, H, best, tol=1e-6)
                try:  # the curvature of the largest subsample (k + 1 of its gradients)
                    Hm = mid.hessian(best, one_sided=True)
                    np.linalg.cholesky(Hm)
                    H = Hm
                except (np.linalg.LinAlgError, ValueError):
                    pass
                size *= 10
            # to the tolerance of the polish below (1e-7 for the variants: see there)
            best, done, H, fg_best = _newton_fixed(prob, H, best, tol=1e-7)
        # the polish below finishes it; L-BFGS-B would only spend line searches (also for a
        # smoothed fit of a kinked model still short of the tolerance: Newton steps finish it)
        skip = done or (spec.tau > 0 and fg_best is not None and fg_best[0] < _BIG)
        skip = skip or (law_long and fg_best is not None and fg_best[0] < _BIG)  # Newton below
        if skip:
            res = optimize.OptimizeResult(x=best, nit=0, message="Newton from a subsample fit")
        else:
            res = optimize.minimize(
                prob.fg, best, jac=True, method="L-BFGS-B", bounds=prob.free_bounds, options=opts
            )
    else:  # the variants' likelihoods can be multimodal: optimise from every start
        runs = [
            optimize.minimize(
                prob.fg, p0, jac=True, method="L-BFGS-B", bounds=prob.free_bounds, options=opts
            )
            for f0, p0 in cands
            if f0 < _BIG
        ]
        if not runs:
            runs = [
                optimize.minimize(
                    prob.fg, cands[0][1], jac=True, method="L-BFGS-B", bounds=prob.free_bounds,
                    options=opts,
                )
            ]  # fmt: skip
        res = min(runs, key=lambda r: r.fun)
    # the ACD variants: the polish stops at a score of 1e-7 (the convergence criterion is
    # 1e-6); going further costs a Hessian (k + 1 full-data gradients) for rounding-level gains
    # (also the smoothed fits of a long kinked series: they only start its compass search)
    loose = spec.kind not in ("acd", "lacd1") and (spec.tau == 0.0 or long)
    fg0 = fg_best if skip else None  # the objective at the Newton result: no recomputation
    if loose or law_long:  # (a long series under a shaped law: as the variants)
        phi, f, g, n_pol = _polish(prob, res.x, gtol=1e-7, fg0=fg0, cheap=True)
    elif fg0 is None:
        phi, f, g, n_pol = _polish(prob, res.x)
    else:  # LACD1 from fit_tangent_long, at the polish tolerance already
        phi, f, g, n_pol = _polish(prob, res.x, fg0=fg0)
    if prob.logmask.any():  # a log-shape drifting to its range limit: put it there, refit
        phi, f, g, n_pol = _snap_shapes(prob, phi, f, g, n_pol, opts)
    free = ~prob.at_bound(phi, g)
    score_max = float(np.max(np.abs(g[free]))) if free.any() else 0.0
    ok = bool(np.isfinite(f) and f < _BIG and score_max <= 1e-6)
    th_s = prob.theta(phi)
    theta = D @ th_s + c
    names = spec.names + list(dist.names)
    fb = prob.at_bound(phi, g)
    keep = [i for i in range(prob.k) if i != prob.iq]
    at_b = tuple(names[keep[j]] for j in np.flatnonzero(fb))
    llf = -float(f) * x.shape[0] - x.shape[0] * math.log(xbar)
    msg = str(res.message)
    if th2 is not None:
        msg = "two-step start; " + msg
    if not f < _BIG:  # no admissible point reached: report no log-likelihood, not -1e10 N
        llf, msg = math.nan, msg + "; psi leaves its domain (psi <= 0) at the returned point"
    entry = []  # replaced in one assignment (a fit in another thread reads whole entries)
    if tl is not None and tl[1][2].any() and np.array_equal(phi, tl[0]):  # the covariances' pass
        entry = [(x, b, spec, theta.copy(), (tl[1][2], tl[1][4], tl[1][5]))]
    _TANGENT_CACHE[:] = entry
    return FitOutput(theta, llf, ok, score_max, int(res.nit) + n_pol, at_b, msg)


def covariances(
    theta: np.ndarray, x: np.ndarray, Z, spec: Spec, dist: Innovation, b: float, segments=None
) -> dict[str, Any]:
    """Observed Hessian ``H``, score outer product ``I`` and ``J`` of ``-l/N`` (original scale).

    Computed on the scaled problem and mapped back with the affine Jacobian, so the
    finite-difference steps are well conditioned whatever the time unit of ``x``.
    """
    xbar = _xbar(x, spec)
    n_shape = len(dist.names)
    D, c = _scale_map(spec, n_shape, xbar)
    if spec.kind in ("abacd", "aacd") and spec.tau == 0.0:
        # kinked likelihood: the observed Hessian of the smoothed likelihood (tau = 1e-2) at the
        # estimate (duration.kink); the exact one is a finite-difference artefact at the cusps
        from .kink import TAUS, kinked_covariances

        mats = kinked_covariances(theta, x, Z, spec, dist, b, segments)  # QML: analytic
        if mats is not None:
            return mats
        spec = dataclasses.replace(spec, tau=TAUS[0])
    prob = _Problem(x / xbar, Z, spec, dist, b / xbar, False, segments)
    th_s = np.linalg.solve(D, theta - c)
    fused = None
    exp_plain = Z is None and segments is None and type(dist).__name__ == "Exponential"
    tan = None
    if exp_plain and (spec.generic or spec.kind == "lacd1") and smooth_tangent(spec.layout):
        # exponential QML, smooth news terms: exact Hessian, score outer product and
        # expected information from one forward-mode pass (or the fit's last pass)
        c0 = (_TANGENT_CACHE[:1] or [None])[0]
        if (
            c0 is not None
            and c0[0] is x
            and c0[1] == b
            and c0[2] == spec
            and np.array_equal(c0[3], theta)
        ):
            tan = c0[4]
        else:
            r = tangent_exp(th_s, x / xbar, spec.layout, b / xbar, spec.acdm)
            tan = None if r is None else (r[2], r[4], r[5])
    if tan is not None:
        H, In, J = tan
        Di = np.linalg.inv(D)
        return {"H": Di.T @ H @ Di, "I": Di.T @ In @ Di, "J": Di.T @ J @ Di}
    if spec.generic and exp_plain:
        # exponential QML: Hessian and per-spell Jacobian from the same k + 1 passes
        steps = 1e-5 * np.maximum(np.abs(th_s), 1.0)  # the steps of _Problem.hessian
        fused = hessian_jacobian_exp(th_s, x / xbar, spec.layout, b / xbar, spec.acdm, steps)
    if fused is not None:
        H = fused[0]
        S, s, jac = obs_scores(th_s, (), x / xbar, spec, dist, b / xbar, None, True, fused[1:])
    else:
        # forward differences (k + 1 passes) for the variants and for a long series under a
        # shaped law (relative error about 1e-5, far below the standard errors' own)
        long_law = bool(dist.names) and x.shape[0] > 3 * _SUB
        H = prob.hessian(th_s, one_sided=spec.kind not in ("acd", "lacd1") or long_law)
        S, s, jac = obs_scores_groups(
            th_s[: spec.k], tuple(th_s[spec.k :]), x / xbar, spec, dist, b / xbar, Z, segments
        )
    In = S.T @ S / x.shape[0]
    d = jac if spec.log else jac / s[:, None]
    J = np.zeros_like(H)
    J[: spec.k, : spec.k] = d.T @ d / x.shape[0]
    Di = np.linalg.inv(D)
    # theta = D th_s + c  =>  grad_th = D^{-T} grad_s, H_th = D^{-T} H_s D^{-1}
    return {"H": Di.T @ H @ Di, "I": Di.T @ In @ Di, "J": Di.T @ J @ Di}


def sandwich(
    mats: dict[str, np.ndarray], cov_type: str, n: int, qmle: bool
) -> tuple[np.ndarray, bool]:
    """Covariance of the estimates; returns ``(V, hessian_ok)``."""
    H, In, J = mats["H"], mats["I"], mats["J"]
    A = J if cov_type == "expected" else H
    if cov_type == "expected" and not qmle:
        raise DataError("cov_type='expected' is defined for the exponential ACD QMLE only.")
    try:
        np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        return np.full_like(H, np.nan), False
    Ai = np.linalg.inv(A)
    if cov_type == "classic":
        return Ai / n, True
    return Ai @ In @ Ai / n, True
