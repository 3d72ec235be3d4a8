r"""The conditional-duration recursion as a linear filter, with an adjoint gradient.

ACD(p, q) (Engle and Russell, 1998)::

    psi_i = omega + sum_j alpha_j x_{i-j} + sum_j beta_j psi_{i-j} + xi' z_{i-1}

Log-ACD (type I of Bauwens and Giot, 2000; ACDm's ``LACD1``), on ``s_i = log psi_i``::

    s_i = omega + sum_j alpha_j log eps_{i-j} + sum_j beta_j s_{i-j} + xi' z_{i-1}
        = omega + sum_j alpha_j log x_{i-j} + sum_j (beta_j - alpha_j) s_{i-j} + xi' z_{i-1}

Both are ``C(L) s = u``: one ``scipy.signal.lfilter`` pass gives the state. The gradient
of the mean negative log-likelihood costs one more, anti-causal pass (the adjoint): with
``g_i = d(-l_i)/d s_i`` and ``lambda = reverse(lfilter(1, C, reverse(g)))``,
``d(-l)/d theta_k = sum_i lambda_i z_{k,i}`` where ``z_k = d u / d theta_k`` holding the
lagged state fixed (``z = (1, x_{i-j}, psi_{i-j}, z_{i-1})`` for the ACD).

Initialisation (``backcast``): every presample duration and conditional duration equals
``b`` (default ``b = mean(x)``, so ``psi_1 = omega + (sum alpha + sum beta) b``; this is
arch's GARCH recursion with ``backcast=b``). Presample regressors equal their column
means. Presample values are constants with zero derivative.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd
from scipy.signal import lfilter, lfiltic

from . import models as _gm
from .distributions import Innovation
from .laws_fused import acd_law_fg, law_scores

__all__ = ["Spec", "filter_state", "psi_loop", "negloglik", "obs_scores", "state_jacobian"]


@dataclass(frozen=True)
class Spec:
    """Layout of the recursion: orders, log form and regressor names."""

    p: int = 1
    q: int = 1
    log: bool = False
    exog: tuple[str, ...] = ()
    acdm: bool = False  # ACDm's start: psi_1..psi_m fixed at b, m = max(p, q)
    model: str = "acd"  # ACDm's model name (see stattools.duration.models)
    r: int = 0  # AMACD: lags of eps
    bp: tuple[float, ...] = (1.0,)  # SNIACD: breakpoints of the news impact curve
    tau: float = 0.0  # ABACD/AACD: smoothing of |eps - nu| used on the way to the fit

    @property
    def kind(self) -> str:
        """Canonical model name: ``"acd"``, ``"lacd1"`` (``log=True``), ``"lacd2"``, ..."""
        return "lacd1" if self.model == "acd" and self.log else self.model

    @property
    def generic(self) -> bool:
        """Whether the model runs on the generic kernel of :mod:`.models` (every model except
        the linear ACD and the log-ACD type I with a mean backcast, which use ``lfilter``)."""
        return self.kind != "acd" and not (self.kind == "lacd1" and not self.acdm)

    @property
    def layout(self):
        """The :class:`~stattools.duration.models.Layout` of the model."""
        return _layout(self.kind, self.order, self.bp, self.tau)

    @property
    def order(self) -> tuple[int, ...]:
        """ACDm's ``order``: ``(p, q)``, AMACD ``(p, r, q)``."""
        return (self.p, self.r, self.q) if self.kind == "amacd" else (self.p, self.q)

    @property
    def label(self) -> str:
        """Model label for summaries, e.g. ``"EXACD(1,1)"``."""
        from .models import LABELS

        return f"{LABELS[self.kind]}({','.join(map(str, self.order))})"

    @property
    def persistence_index(self) -> tuple[int, ...]:
        """Indices of the parameters whose sum is the persistence of the state."""
        if self.kind in ("acd", "lacd1"):
            lo = 1 + self.p if self.log else 1
            return tuple(range(lo, 1 + self.p + self.q))
        return self.layout.persistence

    @property
    def m(self) -> int:
        """Number of leading conditional durations fixed at ``b`` (ACDm's rule), else 0."""
        if not self.acdm:
            return 0
        return self.layout.m if self.generic else max(self.p, self.q)

    @property
    def k(self) -> int:
        """Number of recursion parameters (omega, alphas, betas, regressors)."""
        return len(self.names)

    @property
    def names(self) -> list[str]:
        """Parameter names in arch's style."""
        if self.kind not in ("acd", "lacd1"):
            return list(self.layout.names) + list(self.exog)
        return (
            ["omega"]
            + [f"alpha[{j}]" for j in range(1, self.p + 1)]
            + [f"beta[{j}]" for j in range(1, self.q + 1)]
            + list(self.exog)
        )

    def split(self, theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """``(omega, alpha, beta, xi)`` from a recursion parameter vector."""
        p, q = self.p, self.q
        return float(theta[0]), theta[1 : 1 + p], theta[1 + p : 1 + p + q], theta[1 + p + q :]

    def ar(self, theta: np.ndarray) -> np.ndarray:
        """AR coefficients ``c_1..c_r`` of ``C(L) = 1 - sum c_j L^j`` acting on the state."""
        _, alpha, beta, _ = self.split(theta)
        r = max(self.p, self.q) if self.log else self.q
        c = np.zeros(r)
        c[: self.q] += beta
        if self.log:
            c[: self.p] -= alpha
        return c


@functools.lru_cache(maxsize=64)
def _layout(kind: str, order: tuple[int, ...], bp: tuple[float, ...], tau: float = 0.0):
    from .models import layout

    return layout(kind, order, bp, tau)


def _lag(v: np.ndarray, j: int, fill: float | np.ndarray) -> np.ndarray:
    """``v`` shifted down by ``j`` rows, the first ``j`` rows set to ``fill``."""
    out = np.empty_like(v)
    out[:j] = fill
    out[j:] = v[: v.shape[0] - j]
    return out


def _drive(
    theta: np.ndarray, x: np.ndarray, spec: Spec, b: float, Z: np.ndarray | None
) -> np.ndarray:
    """The input ``u`` of the filter."""
    omega, alpha, _, xi = spec.split(theta)
    xs = np.log(x) if spec.log else x
    fill = np.log(b) if spec.log else b
    u = np.full(x.shape[0], omega)
    for j, a in enumerate(alpha, start=1):
        if a != 0.0:
            u[j:] += a * xs[:-j]
            u[:j] += a * fill
    if Z is not None and Z.shape[1]:
        zl = _lag(Z @ xi, 1, float(Z.mean(axis=0) @ xi))
        u += zl
    return u


def filter_state(
    theta: np.ndarray, x: np.ndarray, spec: Spec, b: float, Z: np.ndarray | None = None
) -> np.ndarray:
    """The state path: ``psi`` for the ACD, ``log psi`` for the log-ACD.

    Parameters
    ----------
    theta : ndarray
        Recursion parameters ``(omega, alpha_1..p, beta_1..q, xi)``.
    x : ndarray
        Durations.
    spec : Spec
    b : float
        Presample value of durations and conditional durations.
    Z : ndarray, optional
        Regressors (n x m); they enter lagged once.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 0.5])
    >>> filter_state(np.array([0.1, 0.2, 0.7]), x, Spec(), b=1.0).round(4).tolist()
    [1.0, 1.0, 1.2]
    """
    if spec.generic:  # log psi (the state of the generic kernel may be psi^delta1)
        _, psi, _, ok = _gm.forward(np.asarray(theta, dtype=float), x, spec.layout, b, spec.acdm, Z)
        with np.errstate(all="ignore"):
            return np.log(psi) if ok else np.full(x.shape[0], np.nan)
    u = _drive(theta, x, spec, b, Z)
    c = spec.ar(theta)
    m = spec.m
    if m:  # ACDm: psi_i = b for i < m, the recursion (with in-sample lags) afterwards
        y = np.empty_like(u)
        y[:m] = b
        if c.size == 0:
            y[m:] = u[m:]
        else:
            zi = lfiltic([1.0], np.r_[1.0, -c], np.full(c.size, b))
            y[m:] = lfilter([1.0], np.r_[1.0, -c], u[m:], zi=zi)[0]
        return y
    if c.size == 0:
        return u
    s0 = np.log(b) if spec.log else b
    zi = lfiltic([1.0], np.r_[1.0, -c], np.full(c.size, s0))
    y, _ = lfilter([1.0], np.r_[1.0, -c], u, zi=zi)
    return y


@numba.njit(cache=True)
def _psi_loop(omega, alpha, beta, x, b):  # pragma: no cover - compiled
    n = x.shape[0]
    p = alpha.shape[0]
    q = beta.shape[0]
    psi = np.empty(n)
    for i in range(n):
        v = omega
        for j in range(1, p + 1):
            v += alpha[j - 1] * (x[i - j] if i - j >= 0 else b)
        for j in range(1, q + 1):
            v += beta[j - 1] * (psi[i - j] if i - j >= 0 else b)
        psi[i] = v
    return psi


def psi_loop(theta: np.ndarray, x: np.ndarray, spec: Spec, b: float) -> np.ndarray:
    """Plain (numba) loop for the ACD recursion without regressors (reference for tests)."""
    omega, alpha, beta, _ = spec.split(np.asarray(theta, dtype=float))
    return _psi_loop(omega, np.ascontiguousarray(alpha), np.ascontiguousarray(beta), x, b)


@numba.njit(cache=True)
def _acd_exp_fg(omega, alpha, beta, x, b):  # pragma: no cover - compiled
    """Fused exponential-QMLE objective and adjoint gradient of the linear ACD(p, q)."""
    n = x.shape[0]
    p = alpha.shape[0]
    q = beta.shape[0]
    psi = np.empty(n)
    f = 0.0
    # sum(log psi) as log(prod psi): a running product renormalised by frexp every 8
    # steps (log is the bottleneck of the loop; exponents are summed exactly)
    mant = 1.0
    expo = 0
    for i in range(n):
        v = omega
        for j in range(1, p + 1):
            v += alpha[j - 1] * (x[i - j] if i >= j else b)
        for j in range(1, q + 1):
            v += beta[j - 1] * (psi[i - j] if i >= j else b)
        if not (v > 1e-300) or not (v < 1e300):
            return np.inf, np.full(1 + p + q, np.nan)
        psi[i] = v
        f += x[i] / v
        mant *= v
        if (i & 7) == 7:
            mant, e = math.frexp(mant)
            expo += e
    f += math.log(mant) + expo * math.log(2.0)
    grad = np.zeros(1 + p + q)
    lam = np.empty(n)
    for i in range(n - 1, -1, -1):
        li = (1.0 - x[i] / psi[i]) / psi[i]
        for j in range(1, q + 1):
            if i + j < n:
                li += beta[j - 1] * lam[i + j]
        lam[i] = li
        grad[0] += li
        for j in range(1, p + 1):
            grad[j] += li * (x[i - j] if i >= j else b)
        for j in range(1, q + 1):
            grad[p + j] += li * (psi[i - j] if i >= j else b)
    return f / n, grad / n


def _zcol_dot(
    k: int, w: np.ndarray, theta, x, s, spec: Spec, b: float, Z: np.ndarray | None
) -> float:
    """``sum_i w_i z_{k,i}`` without materialising the column ``z_k``."""
    p, q = spec.p, spec.q
    if k == 0:
        return float(w.sum())
    if k <= p:
        j = k
        if spec.log:  # log eps lag, presample log eps = 0
            le = np.log(x[:-j]) - s[:-j]
            return float(w[j:] @ le)
        return float(w[j:] @ x[:-j] + b * w[:j].sum())
    if k <= p + q:
        j = k - p
        fill = np.log(b) if spec.log else b
        return float(w[j:] @ s[:-j] + fill * w[:j].sum())
    m = k - 1 - p - q
    zc = Z[:, m]
    return float(w[1:] @ zc[:-1] + zc.mean() * w[0])


def _neg_terms(s: np.ndarray, x: np.ndarray, spec: Spec, dist: Innovation, shape):
    """Per-observation ``-l_i``, ``eps_i``, ``psi_i``."""
    psi = np.exp(s) if spec.log else s
    eps = x / psi
    logpsi = s if spec.log else np.log(psi)
    return logpsi - dist.logpdf(eps, shape), eps, psi


def _state_ok(s: np.ndarray, spec: Spec) -> bool:
    if spec.log:
        return bool(np.all(np.isfinite(s)) and s.max() < 700 and s.min() > -700)
    return bool(np.all(np.isfinite(s)) and s.min() > 0)


def negloglik(
    theta: np.ndarray,
    shape: Sequence[float],
    x: np.ndarray,
    spec: Spec,
    dist: Innovation,
    b: float,
    Z: np.ndarray | None = None,
    grad: bool = True,
    fused: bool = True,
) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood and its gradient in ``(theta, shape)``.

    The exponential QMLE of the linear ACD without regressors runs in one fused numba
    kernel (forward recursion plus adjoint pass); ``fused=False`` forces the
    ``lfilter`` path (the two agree to rounding, see the tests).

    The recursion block of the gradient is analytic (adjoint filter); the shape block is
    analytic too (the law's ``loglik_parts``). A linear ACD without regressors under a law
    with shapes runs in one fused pass (``laws_fused.acd_law_fg``). A non-positive or
    non-finite state, or a non-finite value, gives ``(inf, nan)``: overflow at trial
    points far from the optimum is expected, so floating-point warnings are silenced
    here and the result is checked instead.
    """
    if spec.generic:
        return _gm.negloglik_generic(
            np.asarray(theta, dtype=float),
            tuple(shape),
            x,
            spec.layout,
            dist,
            b,
            spec.acdm,
            Z,
            grad,
        )
    with np.errstate(all="ignore"):
        f, g = _negloglik(theta, shape, x, spec, dist, b, Z, grad, fused)
    if not np.isfinite(f) or (grad and not np.all(np.isfinite(g))):
        return np.inf, np.full(spec.k + len(shape), np.nan)
    return f, g


def _negloglik(
    theta: np.ndarray,
    shape: Sequence[float],
    x: np.ndarray,
    spec: Spec,
    dist: Innovation,
    b: float,
    Z: np.ndarray | None = None,
    grad: bool = True,
    fused: bool = True,
) -> tuple[float, np.ndarray]:
    """Body of :func:`negloglik` (floating-point warnings not silenced)."""
    n = x.shape[0]
    kk = spec.k + len(shape)
    if (
        fused
        and not spec.acdm
        and not spec.log
        and not spec.exog
        and not shape
        and type(dist).__name__ == "Exponential"
    ):
        omega, alpha, beta, _ = spec.split(np.asarray(theta, dtype=float))
        f, g = _acd_exp_fg(
            omega, np.ascontiguousarray(alpha), np.ascontiguousarray(beta), x, float(b)
        )
        return (float(f), g) if np.isfinite(f) else (np.inf, np.full(kk, np.nan))
    if not dist.valid(shape):
        return np.inf, np.full(kk, np.nan)
    if fused and grad and shape and dist._code and not (spec.acdm or spec.log or spec.exog):
        # shaped law: recursion, analytic law derivatives and adjoint in one compiled pass
        consts = dist.kernel_consts(shape)
        if consts is None:
            return np.inf, np.full(kk, np.nan)
        omega, alpha, beta, _ = spec.split(np.asarray(theta, dtype=float))
        f, g = acd_law_fg(
            omega,
            np.ascontiguousarray(alpha),
            np.ascontiguousarray(beta),
            x,
            float(b),
            dist._code,
            consts,
            len(shape),
        )
        return (float(f), g) if np.isfinite(f) else (np.inf, np.full(kk, np.nan))
    s = filter_state(theta, x, spec, b, Z)
    if not _state_ok(s, spec):
        return np.inf, np.full(kk, np.nan)
    psi = np.exp(s) if spec.log else s
    eps = x / psi
    lf, sc, dsh = dist.loglik_parts(eps, shape)
    f = float(((s if spec.log else np.log(psi)) - lf).sum() / n)
    if not np.isfinite(f):
        return np.inf, np.full(kk, np.nan)
    if not grad:
        return f, np.empty(0)
    g = 1.0 + sc
    if not spec.log:
        g = g / psi
    c = spec.ar(theta)
    if spec.m:  # the first m conditional durations are constants
        g = g.copy()
        g[: spec.m] = 0.0
    lam = lfilter([1.0], np.r_[1.0, -c], g[::-1])[::-1] if c.size else g
    if spec.m:
        lam[: spec.m] = 0.0
    out = np.empty(kk)
    for k in range(spec.k):
        out[k] = _zcol_dot(k, lam, theta, x, s, spec, b, Z) / n
    if shape:
        out[spec.k :] = -dsh.sum(axis=0) / n
    return f, out


def state_jacobian(
    theta: np.ndarray, x: np.ndarray, spec: Spec, b: float, Z: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The state ``s`` and ``ds/dtheta`` (n x k) by one forward filter on the stacked ``z``.

    Generic models (:mod:`.models`): ``s = log psi`` and its Jacobian by forward differences.
    """
    if spec.generic:
        return _generic_jacobian(np.asarray(theta, dtype=float), x, spec, b, Z)
    s = filter_state(theta, x, spec, b, Z)
    n = x.shape[0]
    cols = np.empty((n, spec.k))
    cols[:, 0] = 1.0
    p, q = spec.p, spec.q
    fill_s = np.log(b) if spec.log else b
    for j in range(1, p + 1):
        if spec.log:
            cols[:, j] = _lag(np.log(x) - s, j, 0.0)
        else:
            cols[:, j] = _lag(x, j, b)
    for j in range(1, q + 1):
        cols[:, p + j] = _lag(s, j, fill_s)
    for m in range(len(spec.exog)):
        cols[:, 1 + p + q + m] = _lag(Z[:, m], 1, Z[:, m].mean())
    if spec.m:  # constant leading conditional durations (ACDm's start)
        cols[: spec.m] = 0.0
    c = spec.ar(theta)
    jac = lfilter([1.0], np.r_[1.0, -c], cols, axis=0) if c.size else cols
    return s, jac


def _generic_jacobian(theta, x, spec: Spec, b: float, Z) -> tuple[np.ndarray, np.ndarray]:
    """``log psi`` and ``d log psi / d theta`` by forward differences (generic models; one
    forward pass per parameter, relative error about ``1e-6``)."""
    s = filter_state(theta, x, spec, b, Z)
    jac = np.empty((x.shape[0], spec.k))
    for j in range(spec.k):
        h = 1e-6 * max(abs(theta[j]), 1e-2)
        up = theta.copy()
        up[j] += h
        jac[:, j] = filter_state(up, x, spec, b, Z)
        jac[:, j] -= s
        jac[:, j] /= h
    return s, jac


def obs_scores(
    theta: np.ndarray,
    shape: Sequence[float],
    x: np.ndarray,
    spec: Spec,
    dist: Innovation,
    b: float,
    Z: np.ndarray | None = None,
    full: bool = False,
    sj: tuple[np.ndarray, np.ndarray] | None = None,
):
    """Per-observation gradients of ``-l_i`` (n x (k + n_shape)).

    With ``full=True`` also returns the state and its Jacobian: ``(scores, s, ds/dtheta)``;
    ``sj``: that state and Jacobian when already computed.
    """
    s, jac = state_jacobian(theta, x, spec, b, Z) if sj is None else sj
    psi = np.exp(s) if spec.log else s
    c = dist.kernel_consts(shape) if len(shape) and dist._code else None
    if c is not None:  # the law's compiled kernel, into the work buffers
        out = law_scores(dist._code, c, x, psi, jac, spec.log, len(shape))
        return (out, s, jac) if full else out
    _, sc, dsh = dist.loglik_parts(x / psi, shape)
    g = 1.0 + sc
    if not spec.log:
        g = g / psi
    out = np.empty((x.shape[0], spec.k + len(shape)))
    out[:, : spec.k] = g[:, None] * jac
    if shape:
        out[:, spec.k :] = -dsh
    return (out, s, jac) if full else out


# ---------------------------------------------------------------------- groups
Segments = tuple[tuple[int, int], ...] | None


def _zpart(Z: np.ndarray | None, s: int, e: int) -> np.ndarray | None:
    return None if Z is None else Z[s:e]


def negloglik_groups(
    theta,
    shape,
    x,
    spec: Spec,
    dist: Innovation,
    b: float,
    Z=None,
    segments: Segments = None,
    grad: bool = True,
) -> tuple[float, np.ndarray]:
    """:func:`negloglik` with the recursion restarted (from ``b``) at every segment."""
    if segments is None:
        return negloglik(theta, shape, x, spec, dist, b, Z, grad)
    n = x.shape[0]
    f, g = 0.0, 0.0
    for s, e in segments:
        fi, gi = negloglik(theta, shape, x[s:e], spec, dist, b, _zpart(Z, s, e), grad)
        if not np.isfinite(fi):
            return np.inf, np.full(spec.k + len(shape), np.nan)
        f += fi * (e - s) / n
        g = g + gi * (e - s) / n
    return f, np.asarray(g)


def filter_state_groups(
    theta, x, spec: Spec, b: float, Z=None, segments: Segments = None
) -> np.ndarray:
    """:func:`filter_state` restarted at every segment."""
    if segments is None:
        return filter_state(theta, x, spec, b, Z)
    return np.concatenate(
        [filter_state(theta, x[s:e], spec, b, _zpart(Z, s, e)) for s, e in segments]
    )


def obs_scores_groups(
    theta, shape, x, spec: Spec, dist: Innovation, b: float, Z=None, segments: Segments = None
):
    """:func:`obs_scores` (``full=True``) restarted at every segment."""
    if segments is None:
        return obs_scores(theta, shape, x, spec, dist, b, Z, full=True)
    parts = [
        obs_scores(theta, shape, x[s:e], spec, dist, b, _zpart(Z, s, e), full=True)
        for s, e in segments
    ]
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))


def segments_from_labels(labels: np.ndarray, name: str) -> tuple[tuple[int, int], ...]:
    """Contiguous runs of equal labels as ``(start, stop)`` pairs; a label may not recur.

    Examples
    --------
    >>> segments_from_labels(np.array([1, 1, 2, 2, 2, 3]), "day")
    ((0, 2), (2, 5), (5, 6))
    """
    from ..core.exceptions import DataError

    lab = pd.Series(labels).to_numpy()
    change = np.r_[True, lab[1:] != lab[:-1]]
    starts = np.flatnonzero(change)
    runs = lab[starts]
    if len(pd.unique(runs)) != runs.size:
        raise DataError(
            f"groups column {name!r}: the rows of each group must be contiguous; sort by {name!r} first."
        )
    stops = np.r_[starts[1:], lab.size]
    return tuple((int(s), int(e)) for s, e in zip(starts, stops))
