r"""Time-varying coefficient regression with simultaneous bands (Zhou and Wu 2010).

Model ``y_i = x_i' beta(u_i) + e_i`` with ``u_i`` the rescaled time and covariates and
errors that are locally stationary: their variance and dependence may drift, and
``E(x_i e_i) = 0``. ``beta(u)`` is estimated by local-linear least squares at every grid
point (boundary-adapted, so the estimate and the band reach both ends of the sample) with
the jackknife ``2 beta_{h/sqrt 2} - beta_h`` (Wu and Zhao 2007; Zhou and Wu 2010) that
removes the ``h^2`` bias term. The estimation error is linear in the scores
``s_i = x_i e_i``,

``beta_tilde(u) - beta(u) ~ sum_i G_i(u) s_i``,  ``G_i(u) = K_i (C_11 + (u_i - u) C_12)``,

with ``C`` the inverse of the local design moment matrix (jackknife-combined over the two
bandwidths), so ``Cov = sum_i G_i Lambda(u_i) G_i'`` with the local long-run covariance
``Lambda(u)`` of ``s``. The simultaneous band uses Gaussian draws
``s*_i = Lambda_hat(u_i)^{1/2} Z_i`` pushed through the same linear map.

Not confirmed from the source
-----------------------------
Zhou and Wu (2010, JRSSB 72, 513-531) could not be read in full with the search tool:
that they construct simultaneous confidence tubes for local-linear time-varying
coefficients with a jackknife bias correction, a difference-based local long-run
covariance of ``x_i e_i`` and a Gaussian approximation is how the paper is cited by R mlrv
and later work; the exact estimator normalisations, the tuning constants and the
constancy test used here (sup-distance from the full-sample OLS fit, calibrated by the
same Gaussian draws) are our reconstruction, calibrated in ``benchmarks/VALIDITY.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Any

import numba
import numpy as np

from ..core.exceptions import DataError, TuningWarning
from ..core.resampling import RngLike, as_seed_sequence, seed_record
from ..core.validation import check_option
from ._common import check_call, check_lrv_window, emit, fixed_bandwidth, prepare, zero_variance
from .lrv import default_m
from .multipliers import MovingAverageMultiplier, resample
from .trend import _grid, _mc_quantile
from .tv_covariance import adaptive_local_lrv, two_scale_local_lrv

__all__ = ["tv_regression", "local_linear_regression", "tv_cv_bandwidth", "KERNELS"]

KERNELS = {"epanechnikov": 0, "biweight": 1, "triweight": 2, "uniform": 3}
"""Kernels on ``[-1, 1]`` (R tvReg's ``"Epa"``, ``"Triweight"``; ``"biweight"`` is the
quartic kernel)."""

MAX_GRID = 400
CHUNK_GRID = 16
PILOT_FACTOR = 2.0
"""Bandwidth of the pilot fit behind the long-run covariance, as a multiple of ``h``."""


def band_block_length(n: int) -> int:
    """Default block length of the local long-run covariance of the scores,
    ``m = ceil(n^{1/3})``: half the trend's ``ceil(2 n^{1/3})``.

    The sup over time of a band is far more sensitive to noise in the standard error than a
    pointwise interval: with ``ceil(2 n^{1/3})`` the estimated standard error had a
    relative spread of 22 % (intercept) and 29 % (slope) across repetitions at n = 300,
    and the joint band covered 92.7 %, although the estimate's smoothing bias was
    negligible (removing it left the coverage unchanged). Halving the block doubles the
    number of block differences in each local window (joint coverage 94.6 % at n = 300;
    at n = 1000 it stayed at 92 % until the two-scale LRV of issue 13); the ``O(1/m)``
    bias that a short block has under positive dependence is removed by the VAR(1)
    prewhitening. See :func:`tv_regression`,
    Notes.

    Examples
    --------
    >>> band_block_length(300), band_block_length(1000)
    (7, 10)
    """
    return int(math.ceil(n ** (1 / 3) - 1e-9))


@numba.njit(cache=True)
def _kern(z, kind):  # pragma: no cover - compiled
    a = abs(z)
    if a >= 1.0:
        return 0.0
    if kind == 0:
        return 0.75 * (1.0 - z * z)
    if kind == 1:
        return 0.9375 * (1.0 - z * z) ** 2
    if kind == 2:
        return 1.09375 * (1.0 - z * z) ** 3
    return 0.5


def kernel_values(z: np.ndarray, kernel: str = "epanechnikov") -> np.ndarray:
    """Kernel ``K(z)`` on ``[-1, 1]`` (zero outside).

    Examples
    --------
    >>> kernel_values(np.array([0.0, 0.5, 1.0]))
    array([0.75  , 0.5625, 0.    ])
    """
    z = np.asarray(z, dtype=float)
    inside = np.abs(z) < 1
    kind = KERNELS[kernel]
    if kind == 0:
        k = 0.75 * (1 - z * z)
    elif kind == 1:
        k = 0.9375 * (1 - z * z) ** 2
    elif kind == 2:
        k = 1.09375 * (1 - z * z) ** 3
    else:
        k = np.full_like(z, 0.5)
    return np.where(inside, k, 0.0)


@numba.njit(cache=True)
def _spd_solve(M, r):  # pragma: no cover - compiled
    """Solve ``M c = r`` for symmetric PSD ``M`` by a diagonally scaled Cholesky; NaN when a
    scaled pivot falls below 1e-12 (condition number above about 1e12)."""
    q = r.size
    c = np.full(q, np.nan)
    d = np.empty(q)
    for a in range(q):
        if M[a, a] <= 0.0:
            return c
        d[a] = math.sqrt(M[a, a])
    L = np.zeros((q, q))
    for a in range(q):
        for b in range(a + 1):
            acc = M[a, b] / (d[a] * d[b])
            for k in range(b):
                acc -= L[a, k] * L[b, k]
            if a == b:
                if acc <= 1e-12:
                    return c
                L[a, a] = math.sqrt(acc)
            else:
                L[a, b] = acc / L[b, b]
    z = np.empty(q)
    for a in range(q):
        acc = r[a] / d[a]
        for k in range(a):
            acc -= L[a, k] * z[k]
        z[a] = acc / L[a, a]
    for a in range(q - 1, -1, -1):
        acc = z[a]
        for k in range(a + 1, q):
            acc -= L[k, a] * c[k]
        c[a] = acc / L[a, a]
    for a in range(q):
        c[a] /= d[a]
    return c


@numba.njit(cache=True)
def _llreg_all(y, X, u, h, leave, kind):  # pragma: no cover - compiled
    n, p = X.shape
    q = 2 * p
    out = np.full((n, p), np.nan)
    lo = 0
    hi = 0
    for i in range(n):
        while lo < n and u[lo] <= u[i] - h:
            lo += 1
        while hi < n and u[hi] < u[i] + h:
            hi += 1
        M = np.zeros((q, q))
        r = np.zeros(q)
        z = np.empty(q)
        cnt = 0
        for j in range(lo, hi):
            if leave >= 0 and abs(j - i) <= leave:
                continue
            d = u[j] - u[i]
            k = _kern(d / h, kind)
            if k <= 0.0:
                continue
            cnt += 1
            for a in range(p):
                z[a] = X[j, a]
                z[p + a] = X[j, a] * d
            for a in range(q):
                r[a] += k * z[a] * y[j]
                for b in range(q):
                    M[a, b] += k * z[a] * z[b]
        if cnt < q:
            continue
        c = _spd_solve(M, r)
        if c[0] == c[0]:  # not NaN
            for a in range(p):
                out[i, a] = c[a]
    return out


def local_linear_regression(
    y: np.ndarray,
    X: np.ndarray,
    u: np.ndarray,
    h: float,
    *,
    kernel: str = "epanechnikov",
    leave_out: int = -1,
) -> np.ndarray:
    """Local-linear coefficients ``beta_h(u_i)`` at every observation, shape ``(n, p)``.

    Weighted least squares of ``y`` on ``[x_i, x_i (u_i - u)]`` with kernel weights
    ``K((u_i - u) / h)`` at each ``u = u_i``; ``leave_out=k`` drops ``|j - i| <= k`` (for
    cross-validation). Rows whose window is singular are NaN.

    Examples
    --------
    >>> u = np.linspace(0, 1, 200)
    >>> X = np.column_stack([np.ones(200), np.cos(7 * u)])
    >>> y = 1 + u + (2 - u) * X[:, 1]
    >>> b = local_linear_regression(y, X, u, 0.2)
    >>> np.allclose(b, np.column_stack([1 + u, 2 - u]))
    True
    """
    return _llreg_all(
        np.ascontiguousarray(y, dtype=float),
        np.ascontiguousarray(X, dtype=float),
        np.ascontiguousarray(u, dtype=float),
        float(h),
        int(leave_out),
        KERNELS[kernel],
    )


def tv_cv_bandwidth(
    y: np.ndarray,
    X: np.ndarray,
    u: np.ndarray,
    leave_out: int,
    grid: np.ndarray,
    kernel: str = "epanechnikov",
) -> tuple[float, np.ndarray, np.ndarray]:
    """Leave-``(2k+1)``-out cross-validated bandwidth of a local-linear regression.

    Minimises the mean squared leave-out prediction error over ``grid`` (fractions of
    the time span), ignoring 10 % of the points at each end (Chu and Marron 1991; as
    :func:`~stattools.nonstationary.smoothing.cv_bandwidth` for the trend).

    Returns
    -------
    (h, grid, scores)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> u = np.linspace(0, 1, 300)
    >>> X = np.column_stack([np.ones(300), rng.normal(size=300)])
    >>> y = np.sin(6 * u) + X[:, 1] * u + rng.normal(0, 0.3, 300)
    >>> h, _, _ = tv_cv_bandwidth(y, X, u, 2, np.geomspace(0.08, 0.35, 8))
    >>> bool(0.08 <= h <= 0.35)
    True
    """
    n = y.size
    inner = slice(int(0.1 * n), n - int(0.1 * n))
    scores = np.empty(len(grid))
    for j, h in enumerate(grid):
        b = local_linear_regression(y, X, u, float(h), kernel=kernel, leave_out=leave_out)
        r = (y - np.sum(X * b, axis=1))[inner]
        scores[j] = np.nanmean(r**2) if np.isfinite(r).any() else np.inf
    return float(grid[int(np.argmin(scores))]), np.asarray(grid), scores


@dataclass(frozen=True)
class _Chunk:
    """Local-linear operator pieces for a block of grid points (both bandwidths)."""

    a: int
    b: int
    k: tuple[np.ndarray, ...]  # kernel weights (g, b - a), per bandwidth
    kd: tuple[np.ndarray, ...]  # kernel times (u_i - u)
    c11: tuple[np.ndarray, ...]  # (g, p, p)
    c12: tuple[np.ndarray, ...]
    coef: tuple[float, ...]  # combination weights (2, -1) for the jackknife, (1,) without


def _operator(
    X: np.ndarray, u: np.ndarray, gu: np.ndarray, hs: tuple[float, ...], coef: tuple[float, ...],
    kernel: str,
) -> list[_Chunk]:  # fmt: skip
    """Chunks of the linear map ``s -> sum_i G_i(u) s_i`` at the grid points ``gu``."""
    n, p = X.shape
    hmax = max(hs)
    xx = (X[:, :, None] * X[:, None, :]).reshape(n, p * p)
    chunks = []
    for start in range(0, gu.size, CHUNK_GRID):
        g = gu[start : start + CHUNK_GRID]
        a = int(np.searchsorted(u, g.min() - hmax, side="left"))
        b = int(np.searchsorted(u, g.max() + hmax, side="right"))
        d = u[None, a:b] - g[:, None]
        ks, kds, c11s, c12s = [], [], [], []
        for h in hs:
            k = kernel_values(d / h, kernel)
            kd = k * d
            s0 = (k @ xx[a:b]).reshape(-1, p, p)
            s1 = (kd @ xx[a:b]).reshape(-1, p, p)
            s2 = ((kd * d) @ xx[a:b]).reshape(-1, p, p)
            m = np.block([[s0, s1], [s1, s2]])
            cond = np.linalg.cond(m)
            if np.any(~np.isfinite(cond)) or np.any(cond > 1e12):
                bad = float(g[int(np.argmax(np.where(np.isfinite(cond), cond, np.inf)))])
                raise DataError(
                    f"bandwidth {h:.4g} (fraction of the time span): the local design is "
                    f"singular near u = {bad:.3g} (too few distinct points, or a covariate "
                    "that is locally constant); use a larger bandwidth."
                )
            c = np.linalg.inv(m)
            ks.append(k)
            kds.append(kd)
            c11s.append(c[:, :p, :p])
            c12s.append(c[:, :p, p:])
        chunks.append(_Chunk(a, b, tuple(ks), tuple(kds), tuple(c11s), tuple(c12s), coef))
    return chunks


def _apply(chunks: list[_Chunk], s: np.ndarray) -> np.ndarray:
    """``sum_i G_i(u) s_i`` for ``s`` of shape ``(n, p, B)``; returns ``(G, p, B)``."""
    p, nb = s.shape[1], s.shape[2]
    out = []
    for ch in chunks:
        flat = s[ch.a : ch.b].reshape(ch.b - ch.a, p * nb)
        acc = None
        for w, k, kd, c11, c12 in zip(ch.coef, ch.k, ch.kd, ch.c11, ch.c12, strict=True):
            a0 = (k @ flat).reshape(-1, p, nb)
            a1 = (kd @ flat).reshape(-1, p, nb)
            term = w * (c11 @ a0 + c12 @ a1)
            acc = term if acc is None else acc + term
        out.append(acc)
    return np.concatenate(out, axis=0)


def _covariance(chunks: list[_Chunk], lam: np.ndarray) -> np.ndarray:
    """``sum_i G_i Lambda_i G_i'`` at each grid point; ``lam`` is ``(n, p, p)``."""
    out = []
    for ch in chunks:
        g = None
        for w, k, kd, c11, c12 in zip(ch.coef, ch.k, ch.kd, ch.c11, ch.c12, strict=True):
            term = w * (k[:, :, None, None] * c11[:, None] + kd[:, :, None, None] * c12[:, None])
            g = term if g is None else g + term
        out.append(np.einsum("gijk,ikl,giml->gjm", g, lam[ch.a : ch.b], g, optimize=True))
    return np.concatenate(out, axis=0)


def _psd_sqrt(lam: np.ndarray, floor: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Symmetric square roots of ``(n, p, p)`` matrices, eigenvalues floored at ``floor``.

    Returns the roots, the floored matrices and whether any eigenvalue was floored.
    """
    sym = 0.5 * (lam + np.swapaxes(lam, 1, 2))
    vals, vecs = np.linalg.eigh(sym)
    clipped = bool(np.any(vals < floor[None, :]))
    vals = np.maximum(vals, floor[None, :])
    root = (vecs * np.sqrt(vals)[:, None, :]) @ np.swapaxes(vecs, 1, 2)
    fixed = (vecs * vals[:, None, :]) @ np.swapaxes(vecs, 1, 2)
    return root, fixed, clipped


def local_lrv_matrix(
    scores: np.ndarray,
    u: np.ndarray,
    m: int,
    tau: float,
    prewhiten: bool = True,
    order: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Local long-run covariance ``Lambda(u_i)`` of score rows ``s_i = x_i e_i``, ``(n, p, p)``.

    First-order block differences ``Q_j = sum_{i=j-m}^{j-1} s_i - sum_{i=j}^{j+m-1} s_i``
    give ``Q_j Q_j' / (2m)``, averaged with an Epanechnikov window of half-width ``tau``
    (local averages, so every estimate is positive semi-definite) on a coarse grid of at
    most 200 points and interpolated linearly. With ``prewhiten=True`` the differences
    are taken of the VAR(1) residuals of ``s`` and recoloured by ``D = (I - A)^{-1}``
    (Andrews and Monahan 1992), which removes most of the ``O(1/m)`` downward bias under
    positive dependence. Returns ``(Lambda, A)``.

    Examples
    --------
    >>> s = np.random.default_rng(0).normal(size=(3000, 2))
    >>> lam, _ = local_lrv_matrix(s, np.linspace(0, 1, 3000), 8, 0.3)
    >>> bool(np.allclose(lam.mean(axis=0), np.eye(2), atol=0.1))
    True
    """
    lam, a_mat, _ = adaptive_local_lrv(scores, u, m, tau, prewhiten, adaptive=False, order=order)
    return lam, a_mat


def _draw_stats(
    v: np.ndarray,
    root: np.ndarray,
    chunks: list[_Chunk],
    se: np.ndarray,
    xtx_inv: np.ndarray,
) -> np.ndarray:
    """Band and constancy-test sup-statistics of each draw: ``(2, p, size)``."""
    n, p = root.shape[0], root.shape[1]
    z = v.reshape(n, p, -1)
    s = root @ z  # (n, p, size)
    d = _apply(chunks, s)  # (G, p, size)
    band = np.max(np.abs(d) / se[:, :, None], axis=0)
    ols = xtx_inv @ s.sum(axis=0)  # (p, size)
    test = np.max(np.abs(d - ols[None]) / se[:, :, None], axis=0)
    return np.stack([band, test])


def tv_regression(
    formula: str,
    data: Any,
    *,
    time: str | None = None,
    bandwidth: float | str = "cv",
    level: float = 0.95,
    n_resamples: int = 1000,
    rng: RngLike = None,
    kernel: str = "epanechnikov",
    bias_correction: bool = True,
    grid: int | np.ndarray | None = None,
    m: int | None = None,
    tau: float | None = None,
    prewhiten: bool = True,
    lrv_window: str = "two_scale",
    na_action: str = "raise",
    sort: bool = False,
    n_jobs: int = 1,
    backend: str | None = None,
    progress: bool | None = None,
):
    r"""Time-varying coefficient regression with simultaneous bands under non-stationarity.

    Fits ``y_i = x_i' beta(u_i) + e_i`` (``u_i`` rescaled time) by local-linear least
    squares with kernel ``K`` and half-width ``h`` (a fraction of the time span), with the
    jackknife bias correction ``beta_tilde = 2 beta_{h/sqrt 2} - beta_h`` (Zhou and Wu
    2010). Local-linear fits adapt to the boundary, so estimates and bands cover the
    whole sample. Standard errors use the local long-run covariance ``Lambda(u)`` of the
    scores ``x_i e_i`` (block differences of the local-linear residual scores, VAR(1)
    prewhitened); simultaneous bands per coefficient use the ``level`` quantile of
    ``max_u |D*_j(u)| / se_j(u)`` over Gaussian draws
    ``D*(u) = sum_i G_i(u) Lambda_hat(u_i)^{1/2} Z_i`` - valid when the errors (and
    covariates) are locally stationary, heteroskedastic and autocorrelated.

    Parameters
    ----------
    formula : str
        ``"y ~ x1 + x2"`` (intercept included unless ``- 1``); every coefficient varies.
    data : pandas.DataFrame
    time : str, optional
        Time column (numeric or datetime, strictly increasing unless ``sort=True``);
        default the row order.
    bandwidth : float, "cv" or "mv"
        Kernel half-width as a fraction of the time span, in ``(0, 0.5]``. ``"cv"``
        (default): leave-``(2k+1)``-out cross-validation, ``k = ceil(n^{1/3})``, on 20
        log-spaced values from the smallest admissible one to 0.35. ``"mv"``: minimum
        volatility of ``beta_tilde`` over the same grid
        (:func:`~stattools.nonstationary.bandwidth_mv.mv_bandwidth`). Values leaving fewer
        than ``max(20, 2m, 10p)`` observations per half-window are raised to that with a
        ``TuningWarning``.
    level : float, default 0.95
    n_resamples : int, default 1000
        Gaussian draws for the critical values and the constancy test (at least
        ``level / (1 - level)``).
    rng : None, int, Generator or SeedSequence
        Recorded as ``result.seed``; ``rng=result.seed`` reproduces the result exactly.
    kernel : {"epanechnikov", "biweight", "triweight", "uniform"}
    bias_correction : bool, default True
        Jackknife correction; ``False`` reports the plain local-linear estimate (R
        tvReg's ``tvLM(est="ll")``), whose band is centred at a biased estimate.
    grid : int or array_like, optional
        Evaluation times: default the observation times (at most 400, else 400 equally
        spaced points); an int (>= 10) gives that many equally spaced points; an array gives times.
    m, tau : int, float, optional
        Block length and smoothing half-width of the local long-run covariance. Defaults
        ``m = ceil(n^{1/3})`` (:func:`band_block_length`; half the block of
        :func:`trend`, see Notes) and ``tau = min(0.5, n^{-1/5})`` (the two-scale
        default averages the dependence part over ``min(1, 2 tau)``). The smallest
        admissible bandwidth (and so the CV grid) uses ``max(m, ceil(2 n^{1/3}))``.
    prewhiten : bool, default True
        VAR(1) prewhitening of the scores before the block differences.
    lrv_window : {"two_scale", "fixed", "adaptive"}, default "two_scale"
        Local long-run covariance of the scores (see Notes). ``"two_scale"``: local scale
        of the scores over the half-width ``h`` times the long-run covariance of the
        standardised scores over ``min(1, 2 tau)``. ``"fixed"``: block differences
        averaged over ``tau`` everywhere (the default before issue 13). ``"adaptive"``
        (experimental, not calibrated): ``"fixed"`` with the window stopped at changes of
        the local long-run variance declared by a studentised scan
        (:func:`~stattools.nonstationary.tv_covariance.adaptive_local_lrv`); declared
        changes are in ``extra["lrv_changes"]`` (time units). Point estimates and the
        bandwidth do not depend on it.
    na_action : {"raise", "drop"}
    sort : bool, default False
    n_jobs, backend, progress
        Parallel execution over fixed chunks of draws (results do not depend on them).

    Returns
    -------
    TVRegressionResult
        ``coefficients()``, ``band(term, kind)``, ``test_constancy(term)``,
        ``predict``, ``augment``, ``plot``, ``summary``, ``tidy``, ``glance``.

    Raises
    ------
    DataError
        Fewer than 50 observations, a constant response, a rank-deficient design, a
        locally singular design at the chosen bandwidth, or an invalid option.

    Warns
    -----
    TuningWarning
        Bandwidth clamped, or a local long-run covariance that needed eigenvalue flooring.

    Notes
    -----
    *Constancy test.* ``T_j = max_u |beta_tilde_j(u) - beta_hat_j| / se_j(u)`` with
    ``beta_hat`` the full-sample OLS fit; each draw gives ``max_u |D*_j(u) - b*_j| / se_j``
    with ``b* = (X'X)^{-1} sum_i s*_i`` its OLS counterpart, so the null distribution
    accounts for estimating the constant. ``term=None`` tests all coefficients jointly
    (max over ``j``). The p-value is ``(1 + #{draws >= T}) / (1 + B)``.

    *Critical values* are the ``ceil(level (B + 1))``-th smallest draws (exact Monte Carlo
    quantile, as in :func:`trend`).

    *Long-run covariance* (``lrv_window="two_scale"``, the default since issue 13).
    ``Lambda_hat(u) = D(u) R(u) D(u)``
    (:func:`~stattools.nonstationary.tv_covariance.two_scale_local_lrv`): ``D(u)`` is the
    local root mean square of the residual scores ``x_i e_i`` (Epanechnikov average of
    their squares with the estimate's own half-width ``h``), ``R(u)`` the local long-run
    covariance of the standardised scores ``D(u_i)^{-1} x_i e_i`` (first-order block
    differences, VAR(1) prewhitened, half-width ``min(1, 2 tau)``). Both windows shrink
    with ``n``. Residuals come from a pilot local-linear fit at ``2h``: the fit at ``h``
    absorbs part of each block's noise (bands covered 75-82 % in a pilot at n = 300) and
    leave-block-out residuals overshoot. ``lrv_window="fixed"`` (the default before) is
    the one-window estimate: block differences of the scores averaged with half-width
    ``tau`` (:func:`local_lrv_matrix`). The block ``m = ceil(n^{1/3})``
    (:func:`band_block_length`, half the trend's) doubled the block differences per
    window: joint coverage 94.7 % instead of 93.0 % at n = 300 (300 paired data sets).

    *Why two scales* (issue 13; the calibration design below at n = 1000, 400 data sets,
    one window). The joint band covered 0.920. On the noise part alone of the linear
    estimate (smoothing bias removed exactly) it also covered 0.920. With the exact
    conditional standard errors ``sqrt(diag(A Sigma A'))`` of the estimate given ``X``
    (``A`` the linear map from the errors, ``Sigma`` their true covariance) and their
    Gaussian critical value it covered 0.958; with the estimated standard errors and the
    critical value that is right for them (sup of ``|A e*| / se_hat`` under the true
    error law) 0.958; with the exact standard errors and the estimated critical value
    0.962 (mean joint critical values 3.36 estimated, 3.35 exact, 3.45 right for the
    estimated SEs). So the estimated standard errors were the cause, not the smoothing
    bias or the critical value: their ratio to the exact ones was 1.16 / 0.96 / 1.01
    (intercept; slope 1.24 / 1.01 / 1.06) before u = 0.45 / on [0.55, 0.7) / after, and
    varied by 10-20 % between data sets (block differences are noisy). In 27 of the 32
    joint misses it was below 1 where the band was left (0.57-0.88 in 20); 23 of the
    32 were covered with the exact SEs (at the estimated critical value). The misses
    were spread (6 / 9 / 5 / 7 / 5 at u < h, before the break, within 0.05 of it, after
    it, u > 1 - h), not at the boundaries. Nor
    was the CV bandwidth (median 0.18 at n = 1000, 0.23 at n = 300) the cause: fixed
    bandwidths 0.06 / 0.10 / 0.14 / 0.20 covered 0.945 / 0.945 / 0.938 / 0.932. At
    n = 300 the estimated SEs are conservative (ratio 1.27 / 0.98 / 1.02, slope 1.44 /
    1.08 / 1.14), which hid their noise (there even the exact SEs covered only 0.927,
    300 data sets). A local mean of squares is far less noisy than
    block differences and can follow the break at the resolution ``h``; the dependence
    factor, the noisy part, gets twice the window. On 150 of the same data sets the
    two-scale SEs had ratio 1.09 / 0.97 / 1.00 to the exact ones (before / after / late,
    intercept) and a spread between data sets of 8-12 % instead of 9-13 % (slope 10-16 %
    instead of 13-18 %). On the 1000 data sets of each calibration study (the same seeds
    as the one-window tables, so paired) the joint band moved 0.920 -> 0.935 at n = 1000
    with the break, 0.946 -> 0.940 at n = 300; without a break 0.941 -> 0.935 / 0.951 ->
    0.957 (constant sd, n = 300 / 1000) and 0.940 -> 0.942 / 0.936 -> 0.947 (sd rising).
    Paired pilots had promised more (0.925 -> 0.955 at n = 1000, 200 data sets), partly
    because five variants were compared on them: a whole-sample ``R`` (0.965 there) sat
    at the top of the band at n = 300 with constant sd (0.970; 0.977 with ``D`` over
    ``tau``), ``D`` over ``tau`` kept the shortfall (0.932), ``tau / 2`` gave
    0.945-0.955. The band at n = 1000 now covers 0.935, inside its Monte Carlo band but
    below the 0.958 of the exact SEs: the remaining shortfall is the SEs' noise. On
    1000 data sets from an independent master seed (1313,
    ``benchmarks.validity.nonstationary_tv.coverage_with_seed``): 93.6 / 94.0 / 93.3 % at
    n = 1000 and 93.9 / 96.4 / 94.0 % at n = 300 (intercept / slope / joint), inside the
    Monte Carlo band [92.6, 97.1] but in its lower half.

    *Other attempts* (issue 13, not adopted). A break-adaptive window
    (``lrv_window="adaptive"``: the window stops at changes of the long-run variance
    declared by a studentised left/right scan, :mod:`~stattools.nonstationary.tv_covariance`)
    removed the SE bias at the break but not the noise (joint 0.925 with either window at
    n = 1000, 200 data sets; 0.913 against 0.930 at n = 300) and declares spurious changes
    in 10-21 % of series without a break. A Satterthwaite t critical value over-covered
    (0.965-0.985); a bootstrap-t sup critical value gave 0.925 / 0.967 at n = 1000 / 300;
    a 40 % narrower ``tau`` 0.915.

    *Calibration* (``benchmarks/VALIDITY.md``, study ``nonstationary_tv``; AR(1) 0.5
    errors whose standard deviation doubles at mid-sample, AR(1) covariate, defaults,
    B = 199, 1000 replications, two-scale LRV). 95 % simultaneous bands for
    ``beta_0 = sin(2 pi u)``, ``beta_1 = 1 + 0.5 cos(2 pi u)``, intercept / slope /
    joint: 95.5 / 95.9 / 94.0 % at n = 300, 94.9 / 94.8 / 93.5 % at n = 1000 (one-window
    LRV: 94.9 / 96.3 / 94.6 and 93.8 / 94.6 / 92.0 %, the last below its Monte Carlo
    band [92.6, 97.1]). Without a variance break (constant sd / sd rising linearly from 1
    to 2): 95.0 / 95.5 / 93.5 % and 94.3 / 95.6 / 94.2 % at n = 300, 95.4 / 96.3 / 95.7 %
    and 94.7 / 94.6 / 94.7 % at n = 1000. All inside their Monte Carlo bands.
    Constancy tests at 5 %, slope / all coefficients: 5.4 / 6.4 % at n = 300, 4.9 /
    5.4 % at n = 1000 (inside their Monte Carlo bands). Power against a slope change of
    0.5, smooth (``sin(pi u)``) / abrupt (at mid-sample), slope test: 15 / 31 % at
    n = 300, 42 / 77 % at n = 1000 (one-window LRV 39 / 74 %).

    **Not confirmed from the source.** Zhou and Wu (2010) was not available in full;
    the procedure above (jackknife local-linear estimate, difference-based local
    long-run covariance of ``x_i e_i``, Gaussian draws) follows the paper's description as
    cited by R mlrv and Bai and Wu (2024); the VAR(1) prewhitening, the constancy
    statistic and all tuning constants are our choices, calibrated in
    ``benchmarks/VALIDITY.md`` (study ``nonstationary_tv``).

    References
    ----------
    Zhou, Z. and Wu, W. B. (2010). Simultaneous inference of linear models with time
    varying coefficients. *JRSSB* 72, 513-531.
    Wu, W. B. and Zhao, Z. (2007). Inference of trends in time series. *JRSSB* 69, 391-410.
    Andrews, D. W. K. and Monahan, J. C. (1992). An improved heteroskedasticity and
    autocorrelation consistent covariance matrix estimator. *Econometrica* 60, 953-966.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import stattools as st
    >>> rng = np.random.default_rng(0)
    >>> n = 300
    >>> u = np.linspace(0, 1, n)
    >>> x = rng.normal(size=n)
    >>> df = pd.DataFrame({"t": 2000 + np.arange(n), "x": x,
    ...                    "y": 1 + (1 + np.sin(2 * np.pi * u)) * x + rng.normal(0, 0.5, n)})
    >>> fit = st.tv_regression("y ~ x", df, time="t", bandwidth=0.2, n_resamples=199, rng=1)
    >>> list(fit.band("x").columns)
    ['time', 'estimate', 'lower', 'upper']
    >>> bool(fit.test_constancy("x").pvalue < 0.05)
    True
    """
    from .bandwidth_mv import mv_bandwidth
    from .results_tv import TVRegressionResult, time_axis

    level, b = check_call(
        formula, data, example="y ~ x", level=level, n_resamples=n_resamples, n_jobs=n_jobs
    )
    kernel = check_option(kernel, "kernel", tuple(KERNELS))
    lrv_window = check_option(lrv_window, "lrv_window", ("two_scale", "fixed", "adaptive"))
    s = prepare(formula, data, time=time, na_action=na_action, sort=sort)
    n, p = s.X.shape
    terms = list(s.design.X.columns)
    if n < 50:
        raise DataError(f"tv_regression needs at least 50 observations; got {n}.")
    if p == 0:
        raise DataError(f"formula {formula!r} has no regressors; add a term or '1'.")
    if zero_variance(s.y):
        raise DataError(
            f"the response {s.design.y.columns[0]!r} is constant: there is nothing to regress."
        )
    # work with y scaled by a power of two (exact), so 1e300 or 1e-300 data neither
    # overflow nor underflow when squared; results are scaled back below
    top = float(np.max(np.abs(s.y)))
    if not np.isfinite(top):
        raise DataError(f"the response {s.design.y.columns[0]!r} has non-finite values.")
    yexp = int(np.frexp(top)[1])
    y = np.ldexp(s.y, -yexp)
    if np.linalg.matrix_rank(s.X) < p:
        raise DataError(f"the design of {formula!r} is rank deficient (collinear terms {terms}).")
    store: list[str] = []
    m, tau = check_lrv_window(band_block_length(n) if m is None else m, tau, n)
    # the smallest bandwidth (so the CV grid) uses the trend's block, max(m, ceil(2 n^(1/3)))
    m_win = max(m, default_m(n))
    h_min = max(20, 2 * m_win, 10 * p) / n
    if h_min > 0.5:
        raise DataError(
            f"the local window needs at least max(20, 2m, 10p) = {max(20, 2 * m_win, 10 * p)} "
            f"observations per half-window but n = {n}; use more data or fewer terms."
        )
    bw_grid = np.geomspace(h_min, max(0.35, h_min), 20)
    bw_scores = None
    if isinstance(bandwidth, str):
        rule = check_option(bandwidth, "bandwidth", ("cv", "mv"))
        if h_min >= 0.35:
            h = h_min
        elif rule == "cv":
            k = int(math.ceil(n ** (1 / 3)))
            h, _, bw_scores = tv_cv_bandwidth(y, s.X, s.u, k, bw_grid, kernel)
        else:
            fits = [_jk_fit(y, s.X, s.u, float(g), kernel, bias_correction) for g in bw_grid]
            h, bw_scores = mv_bandwidth(bw_grid, np.stack(fits))
    else:
        h = fixed_bandwidth(bandwidth)
    if h < h_min:
        emit(
            f"bandwidth {h:.3g} leaves n*h = {n * h:.1f} < max(20, 2m, 10p) = "
            f"{max(20, 2 * m_win, 10 * p)} observations per half-window; clamped to {h_min:.3g}.",
            TuningWarning,
            store,
        )
        h = h_min
    gu = _grid(grid, s.u, s.time, 0.0, 1.0)
    if gu.size > MAX_GRID and grid is None:
        gu = np.linspace(0.0, 1.0, MAX_GRID)
    if gu.size < 2:
        raise DataError("grid must hold at least 2 time points.")
    hs, coef = ((h / math.sqrt(2.0), h), (2.0, -1.0)) if bias_correction else ((h,), (1.0,))
    chunks = _operator(s.X, s.u, gu, hs, coef, kernel)
    xy = (s.X * y[:, None])[:, :, None]
    est = _apply(chunks, xy)[:, :, 0]
    # residual scores from the local-linear fit at every observation
    fit_obs = _jk_fit(y, s.X, s.u, h, kernel, bias_correction)
    if np.isnan(fit_obs).any():
        raise DataError(
            f"bandwidth {h:.4g}: the local design is singular at some observations; use a "
            "larger bandwidth."
        )
    fitted = np.sum(s.X * fit_obs, axis=1)
    # residual scores for the long-run covariance come from a pilot fit at 2h: the fit at
    # h absorbs part of each block's noise and biases the block sums downwards (see Notes)
    h_pilot = min(0.5, PILOT_FACTOR * h)
    pilot = local_linear_regression(y, s.X, s.u, h_pilot, kernel=kernel)
    if np.isnan(pilot).any():
        pilot = fit_obs
    scores = s.X * (y - np.sum(s.X * pilot, axis=1))[:, None]
    if lrv_window == "two_scale":
        # local scale at the estimate's own half-width h, dependence over 2 tau (see Notes)
        lam, a_mat = two_scale_local_lrv(scores, s.u, m, h, min(1.0, 2.0 * tau), prewhiten)
        changes = np.empty(0)
    else:
        lam, a_mat, changes = adaptive_local_lrv(
            scores, s.u, m, tau, prewhiten=prewhiten, adaptive=lrv_window == "adaptive"
        )
    floor = 1e-10 * np.maximum(np.var(scores, axis=0).max(), 1e-300) * np.ones(p)
    root, lam, clipped = _psd_sqrt(lam, floor)
    if clipped:
        emit(
            "the local long-run covariance of the scores was not positive definite "
            "somewhere; its eigenvalues were floored. Check for locally constant covariates.",
            TuningWarning,
            store,
        )
    cov = _covariance(chunks, lam)
    se = np.sqrt(np.maximum(np.diagonal(cov, axis1=1, axis2=2), 0.0))
    if np.any(se <= 0):
        raise DataError("a coefficient has zero standard error; check for constant covariates.")
    xtx_inv = np.linalg.inv(s.X.T @ s.X)
    ols = xtx_inv @ (s.X.T @ y)
    ss = as_seed_sequence(rng)
    seed = seed_record(ss)
    fn = partial(_draw_stats, root=root, chunks=chunks, se=se, xtx_inv=xtx_inv)
    scheme = MovingAverageMultiplier(1, taper="flat")
    draws = resample(
        fn, n * p, b, scheme, ss, n_jobs=n_jobs, backend=backend, progress=progress
    )  # (2, p, B)
    crit = np.array([_mc_quantile(draws[0, j], level) for j in range(p)])
    crit_joint = _mc_quantile(np.max(draws[0], axis=0), level)
    grid_t, h_time = time_axis(s.time, gu, h)
    if gu.size == n and np.array_equal(gu, s.u):  # the observation times themselves
        grid_t = np.asarray(s.time)
    with np.errstate(over="ignore"):  # a covariance of 1e300 data is not representable

        def back(x: np.ndarray, power: int = 1) -> np.ndarray:
            return np.ldexp(x, power * yexp)

        cov, lam = back(cov, 2), back(lam, 2)
    return TVRegressionResult(
        terms=tuple(terms), grid=np.asarray(grid_t), grid_u=gu, estimate=back(est), se=back(se),
        cov=cov,
        crit=crit, crit_joint=float(crit_joint), level=level, bandwidth=float(h),
        bandwidth_time=float(h_time), kernel=kernel, bias_correction=bool(bias_correction),
        m=int(m), tau=float(tau), band_draws=draws[0], test_draws=draws[1],
        n_resamples=b, ols=back(ols), time=np.asarray(s.time), u=s.u, y=s.y, X=s.X,
        fitted=back(fitted), coef_obs=back(fit_obs), time_name=s.time_name,
        response=s.design.y.columns[0], formula=formula, nobs=n, warnings=tuple(store),
        extra={
            "seed": seed, "prewhiten_A": a_mat, "bandwidth_rule": bandwidth
            if isinstance(bandwidth, str) else "fixed", "bandwidth_grid": bw_grid
            if bw_scores is not None else None, "bandwidth_scores": bw_scores,
            "lrv_obs": lam, "lrv_window": lrv_window, "lrv_changes_u": changes,
            "lrv_changes": time_axis(s.time, changes, h)[0] if changes.size else changes,
        },
    )  # fmt: skip


def _jk_fit(
    y: np.ndarray, X: np.ndarray, u: np.ndarray, h: float, kernel: str, jackknife: bool
) -> np.ndarray:
    """(Jackknifed) local-linear coefficients at every observation, ``(n, p)``."""
    b1 = local_linear_regression(y, X, u, h, kernel=kernel)
    if not jackknife:
        return b1
    return 2.0 * local_linear_regression(y, X, u, h / math.sqrt(2.0), kernel=kernel) - b1
