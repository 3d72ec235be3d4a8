r"""ACD models: data checks, QMLE/MLE fitting (L-BFGS-B + Newton/BHHH polish), covariances.

Estimation never constrains ``alpha + beta < 1``: the integrated (``pi = 1``) and
infinite-mean (``pi > 1`` with ``E log(alpha eps + beta) < 0``) regions are admissible.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from ..core.exceptions import (
    BoundaryWarning,
    ConvergenceWarning,
    DataError,
    HessianWarning,
    NonStationaryWarning,
    ZeroDurationWarning,
)
from ..core.validation import as_float_array, check_option, describe_positions
from .distributions import Innovation, get_distribution
from .recursion import (
    Spec,
    negloglik_groups,
    obs_scores_groups,
    segments_from_labels,
)

__all__ = ["ACD", "acd", "FitOutput", "check_durations", "fit_engine"]

_BIG = 1e10


def check_durations(
    x: Any, name: str, dist: Innovation, log: bool, notes: list[str] | None = None
) -> np.ndarray:
    """Validate durations: finite, non-negative; zeros only for the exponential ACD QMLE."""
    x = as_float_array(x, name, ndim=1)
    bad = ~np.isfinite(x)
    if bad.any():
        raise DataError(
            f"{name} contains NaN or infinite durations: {describe_positions(bad)}. Rows "
            "are never dropped (that would change the recursion); clean the data first."
        )
    neg = x < 0
    if neg.any():
        raise DataError(
            f"{name} contains negative durations: {describe_positions(neg)}. Durations "
            "must be differences of sorted time stamps (see st.durations)."
        )
    zero = x == 0
    if zero.any():
        if dist.needs_positive or log:
            what = "the log-ACD" if log else f"the {dist.name} law"
            raise DataError(
                f"{name} has zero durations: {describe_positions(zero)}; {what} needs "
                "log(x). Aggregate same-time trades with st.durations(zeros='aggregate') "
                "or use dist='exponential'."
            )
        msg = (
            f"{name} has {int(zero.sum())} zero duration(s) (first positions: "
            f"{', '.join(map(str, np.flatnonzero(zero)[:5]))}); they are valid for the "
            "exponential QMLE, but usually come from same-time trades: consider "
            "st.durations(..., zeros='aggregate')."
        )
        warnings.warn(msg, ZeroDurationWarning, stacklevel=3)
        if notes is not None:
            notes.append(msg)
    if np.ptp(x) == 0:
        raise DataError(f"{name} is constant; alpha and beta are not identified.")
    return x


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


def _backcast(x: np.ndarray, backcast: str | float) -> float:
    if isinstance(backcast, str):
        key = check_option(backcast, "backcast", ("mean", "ewma"))
        if key == "mean":
            return float(x.mean())
        tau = min(75, x.shape[0])
        w = 0.94 ** np.arange(tau)
        return float(w @ x[:tau] / w.sum())
    b = float(backcast)
    if not (math.isfinite(b) and b > 0):
        raise DataError(f"backcast must be 'mean', 'ewma' or a positive number; got {backcast!r}.")
    return b


def _scale_map(spec: Spec, n_shape: int, xbar: float) -> tuple[np.ndarray, np.ndarray]:
    """Affine map ``theta = D theta_scaled + c`` from the x / xbar problem to the original."""
    k = spec.k + n_shape
    D = np.eye(k)
    c = np.zeros(k)
    if spec.log:
        L = math.log(xbar)
        c[0] = L
        D[0, 1 + spec.p : 1 + spec.p + spec.q] = -L  # omega = w~ + L (1 - sum beta)
    else:
        D[0, 0] = xbar
        for m in range(len(spec.exog)):
            D[1 + spec.p + spec.q + m, 1 + spec.p + spec.q + m] = xbar
    return D, c


def _bounds(spec: Spec, dist: Innovation) -> list[tuple[float | None, float | None]]:
    eps = 1e-8
    if spec.log:
        rec = [(None, None)] * (1 + spec.p) + [(-1 + eps, 1 - eps)] * spec.q
    else:
        rec = [(1e-10, None)] + [(0.0, None)] * spec.p + [(0.0, 1 - eps)] * spec.q
    return rec + [(None, None)] * len(spec.exog) + list(dist.bounds)


def _starts(spec: Spec, dist: Innovation, restricted: bool) -> list[np.ndarray]:
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
        self, x, Z, spec: Spec, dist: Innovation, b: float, restricted: bool, segments=None
    ):
        self.x, self.Z, self.spec, self.dist, self.b = x, Z, spec, dist, b
        self.segments = segments
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

    def theta(self, phi: np.ndarray) -> np.ndarray:
        return self.c + self.A @ phi

    def phi(self, theta: np.ndarray) -> np.ndarray:
        return np.linalg.lstsq(self.A, theta - self.c, rcond=None)[0]

    def feasible(self, th: np.ndarray) -> bool:
        spec = self.spec
        if self.iq is not None:
            lo, hi = self.bounds[self.iq]
            v = th[self.iq]
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                return False
        if spec.q > 1 and not spec.log:
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
        return f, self.A.T @ g

    def hessian(self, phi: np.ndarray) -> np.ndarray:
        k = phi.shape[0]
        H = np.empty((k, k))
        for j in range(k):
            h = 1e-5 * max(abs(phi[j]), 1.0)
            up, dn = phi.copy(), phi.copy()
            up[j] += h
            dn[j] -= h
            H[:, j] = (self.fg(up)[1] - self.fg(dn)[1]) / (2 * h)
        return 0.5 * (H + H.T)

    def opg(self, phi: np.ndarray) -> np.ndarray:
        th = self.theta(phi)
        sp = self.spec
        S = obs_scores_groups(
            th[: sp.k], tuple(th[sp.k :]), self.x, sp, self.dist, self.b, self.Z, self.segments
        )[0]
        S = S @ self.A
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
    prob: _Problem, phi: np.ndarray, max_iter: int = 25, gtol: float = 1e-9
) -> tuple[np.ndarray, float, np.ndarray, int]:
    """Newton steps (numerical Hessian of the analytic gradient; BHHH if not PD).

    A step is accepted when it lowers the objective or, where the objective is flat to
    rounding, the largest free score component; iteration stops at ``gtol``.
    """
    f, g = prob.fg(phi)
    it = 0
    while it < max_iter:
        it += 1
        free = ~prob.at_bound(phi, g)
        gmax = float(np.max(np.abs(g[free]))) if free.any() else 0.0
        if gmax < gtol:
            break
        H = prob.hessian(phi)[np.ix_(free, free)]
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
            break
        phi, f, g = cand, fc, gc
    return phi, f, g, it


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
    """
    xbar = float(x.mean())
    xs, bs = x / xbar, b / xbar
    n_shape = len(dist.names)
    D, c = _scale_map(spec, n_shape, xbar)
    prob = _Problem(xs, Z, spec, dist, bs, restricted, segments)
    if start is not None:
        starts = [np.linalg.solve(D, np.asarray(start, dtype=float) - c)]
    else:
        starts = _starts(spec, dist, restricted)
    cands = []
    for th0 in starts:
        phi0 = prob.clip(prob.phi(th0))
        f0, _ = prob.fg(phi0)
        cands.append((f0, phi0))
    phi0 = min(cands, key=lambda t: t[0])[1]
    res = optimize.minimize(
        prob.fg,
        phi0,
        jac=True,
        method="L-BFGS-B",
        bounds=prob.free_bounds,
        options={"maxiter": maxiter, "ftol": 1e-13, "gtol": 1e-9, "maxcor": 20},
    )
    phi, f, g, n_pol = _polish(prob, res.x)
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
    return FitOutput(theta, llf, ok, score_max, int(res.nit) + n_pol, at_b, str(res.message))


def covariances(
    theta: np.ndarray, x: np.ndarray, Z, spec: Spec, dist: Innovation, b: float, segments=None
) -> dict[str, Any]:
    """Observed Hessian ``H``, score outer product ``I`` and ``J`` of ``-l/N`` (original scale).

    Computed on the scaled problem and mapped back with the affine Jacobian, so the
    finite-difference steps are well conditioned whatever the time unit of ``x``.
    """
    xbar = float(x.mean())
    n_shape = len(dist.names)
    D, c = _scale_map(spec, n_shape, xbar)
    prob = _Problem(x / xbar, Z, spec, dist, b / xbar, False, segments)
    th_s = np.linalg.solve(D, theta - c)
    H = prob.hessian(th_s)
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


# ---------------------------------------------------------------------- model class
class ACD:
    """Autoregressive conditional duration model (ACD(p, q) or log-ACD).

    Parameters
    ----------
    durations : array_like
        Positive (or, for the exponential QMLE, non-negative) durations in time order.
    exog : DataFrame or array_like, optional
        Regressors entering the recursion lagged once: ``+ xi' z_{i-1}``.
    order : tuple of int, default (1, 1)
        ``(p, q)``: lags of ``x`` and of ``psi`` (arch's ``p``, ``q``; ACDm's ``order``).
    dist : str or Innovation, default "exponential"
        ``"exponential"`` (QMLE), ``"weibull"``, ``"burr"``, ``"generalized_gamma"``.
    model : {"acd", "log"}
        Linear ACD or log-ACD (type I, Bauwens and Giot 2000).
    backcast : {"mean", "ewma"} or float
        Presample value of ``x`` and ``psi`` (see :mod:`stattools.duration.recursion`).
    window : float, optional
        Length ``T`` of the observation window (default: the sum of the durations).
    name : str
        Name of the duration variable.

    Raises
    ------
    DataError
        See :func:`acd`.

    See Also
    --------
    acd : the formula interface.

    Examples
    --------
    >>> import stattools as st
    >>> x = st.simulate_acd(1500, omega=0.1, alpha=0.1, beta=0.8, rng=3)["duration"]
    >>> res = ACD(x.to_numpy(), order=(1, 1)).fit(cov_type="classic")
    >>> res.cov_type, res.converged
    ('classic', True)
    """

    def __init__(
        self,
        durations: Any,
        exog: Any = None,
        *,
        order: tuple[int, int] = (1, 1),
        dist: str | Innovation = "exponential",
        model: str = "acd",
        backcast: str | float = "mean",
        window: float | None = None,
        name: str = "duration",
        index: Any = None,
        groups: Any = None,
    ) -> None:
        model = check_option(model, "model", ("acd", "log"))
        self.dist = get_distribution(dist)
        if (
            not isinstance(order, Sequence)
            or len(order) != 2
            or not all(isinstance(o, int | np.integer) for o in order)
            or order[0] < 1
            or order[1] < 0
        ):
            raise DataError(
                f"order must be a pair (p, q) of integers with p >= 1, q >= 0; got {order!r}."
            )
        exog_names: tuple[str, ...] = ()
        Z = None
        if exog is not None:
            if isinstance(exog, pd.DataFrame):
                exog_names = tuple(str(c) for c in exog.columns)
            Z = as_float_array(exog, "exog", ndim=(1, 2))
            Z = Z[:, None] if Z.ndim == 1 else Z
            if not exog_names:
                exog_names = tuple(f"x{j}" for j in range(Z.shape[1]))
            if not np.all(np.isfinite(Z)):
                raise DataError(
                    f"exog has NaN or infinite values: {describe_positions(~np.isfinite(Z).all(axis=1))}."
                )
        self.spec = Spec(int(order[0]), int(order[1]), model == "log", exog_names)
        self.name = name
        self.notes: list[str] = []  # data warnings, copied into the result
        self.x = np.array(check_durations(durations, name, self.dist, self.spec.log, self.notes))
        self.x.flags.writeable = False  # a private copy, shared read-only with the result
        if Z is not None and Z.shape[0] != self.x.shape[0]:
            raise DataError(
                f"exog has {Z.shape[0]} rows but there are {self.x.shape[0]} durations."
            )
        if Z is not None:
            Z = np.array(Z)
            Z.flags.writeable = False
        self.Z = Z
        need = max(50, 10 * (self.spec.k + len(self.dist.names)))
        if self.x.shape[0] < need:
            raise DataError(
                f"{name} has {self.x.shape[0]} observations; ACD{order} with "
                f"{self.spec.k + len(self.dist.names)} parameters needs at least {need}."
            )
        self.backcast = backcast
        self.b = _backcast(self.x, backcast)
        self.window = float(window) if window is not None else float(self.x.sum())
        self.index = index
        self.segments = None
        self.groups_name: str | None = None
        if groups is not None:
            gname = groups.name if isinstance(groups, pd.Series) else "groups"
            labels = np.asarray(groups)
            if labels.shape != self.x.shape:
                raise DataError(
                    f"groups has {labels.size} labels but there are {self.x.size} durations."
                )
            self.segments = segments_from_labels(labels, str(gname))
            self.groups_name = str(gname)
        self.formula: str | None = None

    @classmethod
    def from_formula(cls, formula: str, data: pd.DataFrame, **kwargs: Any) -> ACD:
        """Build the model from ``"duration ~ 1"`` or ``"duration ~ volume + spread"``.

        Right-hand-side terms other than the intercept enter ``psi`` lagged once.
        ``data.attrs["window"]`` (set by :func:`durations` and :func:`simulate_acd`) is
        used as ``T`` unless ``window=`` is given or the response is not the column it
        refers to (``attrs["window_column"]``; e.g. adjusted durations), in which case
        ``T`` is the sum of the response.
        """
        from ..core.formula import Design

        if not isinstance(data, pd.DataFrame):
            raise DataError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
        lhs = formula.split("~")[0].strip() if isinstance(formula, str) else ""
        if lhs in data.columns:  # our own NaN/sign checks with counts and positions
            dist = get_distribution(kwargs.get("dist", "exponential"))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ZeroDurationWarning)  # re-emitted below
                check_durations(
                    data[lhs].to_numpy(dtype=float, na_value=np.nan),
                    repr(lhs),
                    dist,
                    kwargs.get("model", "acd") == "log",
                )
        design = Design.from_formula(formula, data)
        X = design.X.drop(columns=[c for c in design.X.columns if c == "Intercept"])
        if not design.has_intercept:
            raise DataError(
                "the ACD recursion always has omega; keep the intercept in the formula."
            )
        y = design.y.iloc[:, 0]
        groups = kwargs.pop("groups", None)
        if isinstance(groups, str):
            if groups not in data.columns:
                raise KeyError(f"groups column {groups!r} is not in data.")
            kwargs["groups"] = data.loc[design.index, groups]
        elif groups is not None:
            kwargs["groups"] = groups
        if kwargs.get("window") is None and data.attrs.get("window_column", str(y.name)) == str(
            y.name
        ):
            # T of st.durations / simulate_acd output is in the units of its duration
            # column; for another column (e.g. diurnally adjusted) T = sum of that column
            kwargs["window"] = data.attrs.get("window")
        model = cls(
            y.to_numpy(dtype=float),
            X if X.shape[1] else None,
            name=str(y.name),
            index=design.index,
            **kwargs,
        )
        model.formula = formula
        return model

    def fit(
        self,
        *,
        cov_type: str = "robust",
        start: Sequence[float] | None = None,
        maxiter: int = 500,
    ):
        """Maximum (quasi-)likelihood fit; returns an :class:`ACDResult`."""
        from .results import ACDResult

        cov_type = check_option(cov_type, "cov_type", ("robust", "classic", "expected"))
        qmle = type(self.dist).__name__ == "Exponential"
        if cov_type == "expected" and not qmle:
            raise DataError("cov_type='expected' is defined for the exponential ACD QMLE only.")
        out = fit_engine(
            self.x,
            self.Z,
            self.spec,
            self.dist,
            self.b,
            start=start,
            maxiter=maxiter,
            segments=self.segments,
        )
        msgs: list[str] = list(self.notes)
        if not out.converged:
            m = (
                f"the optimiser did not converge (max |mean score| = {out.score_max:.2g}, "
                f"{out.message}); try other start values or a simpler model."
            )
            warnings.warn(m, ConvergenceWarning, stacklevel=2)
            msgs.append(m)
        names = self.spec.names + list(self.dist.names)
        mats = covariances(out.theta, self.x, self.Z, self.spec, self.dist, self.b, self.segments)
        V, ok = sandwich(mats, cov_type, self.x.shape[0], qmle)
        if not ok:
            m = "the Hessian is not positive definite; standard errors are NaN."
            warnings.warn(m, HessianWarning, stacklevel=2)
            msgs.append(m)
        bound = [nm for nm in out.at_bound if nm.startswith(("alpha", "beta"))]
        if not self.spec.log:
            p, q = self.spec.p, self.spec.q
            bound += [
                nm
                for nm, v in zip(names[1 : 1 + p], out.theta[1 : 1 + p])
                if v == 0.0 and nm not in bound
            ]
            bound += [
                nm
                for nm, v in zip(names[1 + p : 1 + p + q], out.theta[1 + p : 1 + p + q])
                if v >= 1 - 1e-8 and nm not in bound
            ]
        if bound:
            m = (
                f"{', '.join(bound)} at the boundary of the parameter space; inference on "
                "them is non-standard (beta is not identified when alpha = 0)."
            )
            warnings.warn(m, BoundaryWarning, stacklevel=2)
            msgs.append(m)
        params = pd.Series(out.theta, index=names, dtype=float)
        cov = pd.DataFrame(V, index=names, columns=names)
        res = ACDResult.build(self, params, cov, out, cov_type, mats, tuple(msgs))
        if res.gamma >= 0:  # ACD(1,1) only (NaN otherwise)
            m = (
                f"the fitted ACD(1,1) is not strictly stationary: mean log(alpha eps + beta) = "
                f"{res.gamma:.4g} >= 0; the tail index is undefined and the asymptotics do "
                "not apply (check the data, e.g. for trends or a missing diurnal adjustment)."
            )
            warnings.warn(m, NonStationaryWarning, stacklevel=2)
            res = dataclasses.replace(res, warnings=(*res.warnings, m))
        return res


def acd(
    formula: str,
    data: pd.DataFrame,
    *,
    order: tuple[int, int] = (1, 1),
    dist: str | Innovation = "exponential",
    model: str = "acd",
    backcast: str | float = "mean",
    cov_type: str = "robust",
    window: float | None = None,
    groups: str | None = None,
    method: str = "mle",
    start: Sequence[float] | None = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 2,
    rng: Any = None,
    progress: bool | None = None,
):
    r"""Fit an ACD(p, q) or log-ACD model by (quasi-)maximum likelihood or Bayes.

    Parameters
    ----------
    formula : str
        ``"duration ~ 1"``, or ``"duration ~ volume + spread"`` (regressors enter
        ``psi_i`` through ``xi' z_{i-1}``; in the linear ACD they must keep ``psi`` positive,
        ACDm's convention; the log-ACD takes regressors of any sign).
    data : DataFrame
        Durations in time order (see :func:`durations`). ``data.attrs["window"]`` is used
        as the window length ``T``.
    order : (p, q), default (1, 1)
        Lags of ``x`` (alpha) and of ``psi`` (beta).
    dist : str or Innovation
        ``"exponential"`` (QMLE, default), ``"weibull"``, ``"burr"``,
        ``"generalized_gamma"`` (full MLE), each with ``E eps = 1``.
    model : {"acd", "log"}
        Linear ACD or log-ACD (type I).
    backcast : {"mean", "ewma"} or float
        Presample ``x`` and ``psi``; ``"mean"`` gives ``psi_1 = omega + pi * mean(x)``,
        exactly arch's GARCH recursion with ``backcast=mean(x)``.
    cov_type : {"robust", "classic", "expected"}
        Sandwich ``H^-1 I H^-1 / N`` (default), ``H^-1 / N`` (valid only if
        ``Var eps = 1`` for the QMLE), or the sandwich with ``J = mean(d d')`` for ``H``.
    window : float, optional
        Observation window ``T`` (default ``data.attrs["window"]`` or the sum of durations).
    groups : str, optional
        Column of contiguous group labels (e.g. trading days): the recursion restarts from
        the backcast at the start of every group (``st.durations`` output has ``date``).
    method : {"mle", "bayes"}
        ``"bayes"`` samples the posterior with PyMC (see :func:`stattools.duration.bayes.fit_bayes`).
    start : sequence of float, optional
        Start values on the original scale (recursion then shape parameters).
    draws, tune, chains, rng, progress
        Sampler settings for ``method="bayes"``.

    Returns
    -------
    ACDResult or ACDBayesResult

    Raises
    ------
    DataError
        NaN/inf/negative durations (with count and positions), zero durations with a
        law that needs ``log x``, constant durations, too few observations, bad options.
    KeyError
        A column of the formula is not in ``data``.

    Warns
    -----
    ZeroDurationWarning, ConvergenceWarning, HessianWarning, BoundaryWarning

    Notes
    -----
    Model: ``x_i = psi_i eps_i``, ``psi_i = omega + sum alpha_j x_{i-j} + sum beta_j
    psi_{i-j}``. The exponential QMLE maximises ``-sum(log psi_i + x_i / psi_i)``; it is
    consistent for any unit-mean law. Estimation is unconstrained in
    ``pi = sum alpha + sum beta``, so integrated (``pi = 1``) and infinite-mean
    (``pi > 1``, ``E log(alpha eps + beta) < 0``) fits are possible: Cavaliere, Mikosch,
    Rahbek and Vilandt (2025) show the QMLE stays asymptotically normal there, with a
    random number of events ``N(T)`` in a fixed window.

    Fitting: the data are divided by their mean, L-BFGS-B runs with ``omega > 0``,
    ``alpha >= 0``, ``0 <= beta < 1`` (no bound on ``pi``) from the best of three starting
    points, then Newton steps on the analytic gradient (BHHH when the Hessian is not
    positive definite) polish the optimum. The Hessian is the central difference of the
    analytic (adjoint) gradient.

    Relation to arch: with ``y = sqrt(x)`` and ``sigma^2 = psi`` the Gaussian GARCH(1,1)
    log-likelihood is ``-(N/2) log(2 pi) + llf / 2``: same maximiser, scores and Hessian
    halved, so the robust sandwich is identical while arch's classic covariance (inverse
    Hessian of *its* likelihood) is twice ours, i.e. its classic SEs are ``sqrt(2)`` times ours.

    Not confirmed from the source: the paper's full text could not be read; its
    normalisations, presample rule and treatment of the censored last spell are our
    reconstruction (the last, censored spell is simply not part of the data).

    References
    ----------
    Engle, R. F. and Russell, J. R. (1998). Autoregressive conditional duration.
    Econometrica 66, 1127-1162.

    Cavaliere, G., Mikosch, T., Rahbek, A. and Vilandt, F. (2025). Beyond the mean: limit
    theory and tests for infinite-mean autoregressive conditional durations.
    arXiv:2505.06190.

    Examples
    --------
    >>> import stattools as st
    >>> sim = st.simulate_acd(2000, omega=0.1, alpha=0.1, beta=0.8, rng=1)
    >>> fit = st.acd("duration ~ 1", data=sim)
    >>> fit.params.round(2).tolist()
    [0.09, 0.12, 0.79]
    """
    method = check_option(method, "method", ("mle", "bayes"))
    mod = ACD.from_formula(
        formula,
        data,
        order=order,
        dist=dist,
        model=model,
        backcast=backcast,
        window=window,
        groups=groups,
    )
    if method == "bayes":
        from .bayes import fit_bayes

        return fit_bayes(mod, draws=draws, tune=tune, chains=chains, rng=rng, progress=progress)
    return mod.fit(cov_type=cov_type, start=start)
