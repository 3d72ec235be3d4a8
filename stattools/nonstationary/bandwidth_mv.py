r"""Minimum-volatility selection of smoothing parameters (as in R mlrv).

The minimum-volatility (MV) rule (Politis, Romano and Wolf 1999, ch. 9) picks, from a
grid of tuning values, the one around which the estimate changes least. R mlrv
(Bai and Wu 2024; ``MV_ise_heter``) applies it to the window ``m`` and smoothing
fraction ``tau`` of its local long-run covariance: on a two-dimensional grid
``(m_p, tau_q)`` the volatility of the candidate ``(p, q)`` is

``max_t  sd{ Sigma_hat_{m_k, tau_q}(t), |k - p| <= N;  Sigma_hat_{m_p, tau_l}(t), 0 < |l - q| <= N }``

(the cross-shaped neighbourhood of ``N = neighbour`` steps, ``sd`` the square root of the
summed entry-wise sample variances, mlrv's ``Mat_std``), candidates ``p`` run over
``N, ..., M - N - 1`` (the grid's interior in ``m``), every ``q``, and the first minimiser
(``p`` outer, ``q`` inner) is chosen. :func:`min_volatility` implements exactly this rule;
:func:`mv_lrv_parameters` applies it to mlrv's plug-in local LRV (``lrv_method = 0``)
with mlrv's default grids and reproduces mlrv's choice (``tests/reference/nonstationary/
mlrv_mv.R``).

For a *smoothing bandwidth* mlrv itself uses generalised cross-validation; here
``bandwidth="mv"`` applies the same rule on a one-dimensional bandwidth grid to the
fitted curve (:func:`mv_bandwidth`): the bandwidth whose fit changes least, uniformly over
time, when the bandwidth moves ``N`` grid steps either way. This is the MV principle
transferred to the bandwidth, not an mlrv routine (mlrv's code does not handle a
one-dimensional grid).

Differences from mlrv: for ``p > 1`` mlrv vectorises the neighbourhood of ``p x p``
matrices entry by entry across neighbours before grouping entries into matrices (an
Armadillo ``vectorise`` of a sub-cube), so its "matrices" mix neighbours; by default we
group each neighbour's own matrix, and ``mlrv_layout=True`` reproduces mlrv's grouping
(and its choice) exactly. The two agree for ``p = 1``.

References
----------
Politis, D. N., Romano, J. P. and Wolf, M. (1999). *Subsampling*. Springer, ch. 9.
Bai, L. and Wu, W. (2024). Difference-based covariance matrix estimation in time series
nonparametric regression with application to specification tests. *Biometrika* 111.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.exceptions import DataError

__all__ = [
    "min_volatility",
    "mv_bandwidth",
    "mv_lrv_parameters",
    "plugin_local_lrv",
    "mlrv_grids",
]


def _mat_std(block: np.ndarray) -> np.ndarray:
    """mlrv ``Mat_std``: ``sqrt(sum_entries var_neighbours)`` for ``(K, T, d)`` blocks."""
    k = block.shape[0]
    ss = np.sum(block**2, axis=(0, 2)) - np.sum(np.sum(block, axis=0) ** 2, axis=1) / k
    return np.sqrt(np.maximum(ss, 0.0) / (k - 1))


def min_volatility(
    values: np.ndarray, neighbour: int = 1, *, mlrv_layout: bool = False
) -> tuple[tuple[int, int], np.ndarray]:
    """mlrv's minimum-volatility rule on a ``(M, Tau, T, d)`` array of estimates.

    ``values[p, q, t]`` is the (flattened) estimate at time ``t`` for the tuning pair
    ``(p, q)``. A one-dimensional grid is ``Tau = 1``; then the neighbourhood is the
    ``2N + 1`` values ``p - N, ..., p + N``. ``mlrv_layout=True`` groups the entries of
    the neighbourhood as mlrv's Armadillo code does (entry-major across neighbours, which
    mixes matrices when ``d > 1``; identical for ``d = 1``) - use it only to reproduce mlrv.

    Returns
    -------
    ((p, q), volatility)
        The chosen indices and the ``(M, Tau)`` volatility table (``inf`` where the
        candidate is not eligible).

    Examples
    --------
    >>> v = np.array([5.0, 3.0, 2.9, 2.95, 1.0])[:, None, None, None] * np.ones((5, 1, 4, 1))
    >>> min_volatility(v)[0]
    (2, 0)
    """
    v = np.asarray(values, dtype=float)
    if v.ndim == 3:
        v = v[..., None]
    if v.ndim != 4:
        raise DataError(f"values must have shape (M, Tau, T[, d]); got {v.shape}.")
    big_m, tau_n = v.shape[:2]
    n_ = int(neighbour)
    if n_ < 1 or big_m < 2 * n_ + 1:
        raise DataError(
            f"neighbour must be >= 1 and the grid needs at least 2*neighbour + 1 = "
            f"{2 * n_ + 1} values; got neighbour={neighbour}, grid size {big_m}."
        )
    vol = np.full((big_m, tau_n), np.inf)
    for p in range(n_, big_m - n_):
        for q in range(tau_n):
            parts = [v[p - n_ : p + n_ + 1, q]]
            lo, hi = max(q - n_, 0), min(q + n_, tau_n - 1)
            if lo <= q - 1:
                parts.append(v[p, lo:q])
            if hi >= q + 1:
                parts.append(v[p, q + 1 : hi + 1])
            if mlrv_layout:
                t_n, d = v.shape[2], v.shape[3]
                flat = np.concatenate(
                    [np.transpose(x, (1, 2, 0)).reshape(t_n, -1) for x in parts], axis=1
                )
                block = np.transpose(flat.reshape(t_n, -1, d), (1, 0, 2))
            else:
                block = np.concatenate(parts, axis=0)
            vol[p, q] = float(np.max(_mat_std(block)))
    flat = int(np.argmin(vol))  # first minimiser in (p outer, q inner) order, as mlrv
    return (flat // tau_n, flat % tau_n), vol


def mv_bandwidth(
    grid: np.ndarray, fits: np.ndarray, neighbour: int = 1
) -> tuple[float, np.ndarray]:
    """Minimum-volatility bandwidth: ``fits[k]`` is the curve (``(T,)`` or ``(T, d)``) at
    ``grid[k]``; returns the chosen bandwidth and the volatility of every grid value.

    Curves are put on a common scale first (each column divided by its overall standard
    deviation across bandwidths and times), so coefficients in different units count
    equally; this does not change the choice for a single curve.

    Examples
    --------
    >>> u = np.linspace(0, 1, 200)
    >>> grid = np.geomspace(0.05, 0.4, 12)
    >>> rng = np.random.default_rng(0)
    >>> y = np.sin(2 * np.pi * u) + rng.normal(0, 0.3, 200)
    >>> from stattools.nonstationary.smoothing import local_linear_fit
    >>> h, vol = mv_bandwidth(grid, np.stack([local_linear_fit(y, u, g) for g in grid]))
    >>> bool(grid[0] < h < grid[-1])
    True
    """
    grid = np.asarray(grid, dtype=float)
    f = np.asarray(fits, dtype=float)
    if f.ndim == 2:
        f = f[..., None]
    if f.shape[0] != grid.size:
        raise DataError(f"fits has {f.shape[0]} curves for {grid.size} bandwidths.")
    if not np.all(np.isfinite(f)):
        raise DataError("some fitted curves are not finite; use a larger smallest bandwidth.")
    scale = f.reshape(-1, f.shape[-1]).std(axis=0)
    f = f / np.where(scale > 0, scale, 1.0)
    (p, _), vol = min_volatility(f[:, None], neighbour)
    return float(grid[p]), vol[:, 0]


def mlrv_grids(n: int, neighbour: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """mlrv's default grids (``heter_covariate``): ``m`` in ``lb:ub`` with
    ``lb = max(floor(3/7 n^{4/15}) - N, 1)``, ``ub = max(floor(11/7 n^{4/15}) + N, lb + N + 1)``,
    and ``tau = seq(12/15 n^{-2/15}, n^{-2/15}, by = 0.05)``.

    Examples
    --------
    >>> gm, gt = mlrv_grids(300)
    >>> gm.tolist(), np.round(gt, 4).tolist()
    ([1, 2, 3, 4, 5, 6, 7, 8], [0.3739, 0.4239])
    """
    lb = max(math.floor(3 / 7 * n ** (4 / 15)) - neighbour, 1)
    ub = max(math.floor(11 / 7 * n ** (4 / 15)) + neighbour, lb + neighbour + 1)
    hi = n ** (-2 / 15)
    lo = hi * 12 / 15
    k = int(math.floor((hi - lo) / 0.05 + 1e-10))
    return np.arange(lb, min(n, ub) + 1), lo + 0.05 * np.arange(k + 1)


def plugin_local_lrv(e: np.ndarray, X: np.ndarray, m: int, tau: float) -> np.ndarray:
    """mlrv's plug-in local long-run covariance (``Heter_LRV``, ``lrv_method = 0``).

    ``Delta_j = sum_{i=j-m}^{j+m} x_i e_i`` (``m <= j < n - m``, 0-based; zero elsewhere),
    ``Sigma(i) = sum_j Delta_j Delta_j' K(|j - i| / (n tau)) / ((2m + 1) sum_j K(...))``
    over ``0 < j < n``, ``|j - i| <= n tau``, with the Epanechnikov ``K``; the first and
    last ``m`` rows copy their neighbours. Returns ``(n, p, p)``.

    Examples
    --------
    >>> e = np.random.default_rng(0).normal(size=400)
    >>> s = plugin_local_lrv(e, np.ones((400, 1)), 5, 0.3)
    >>> s.shape, bool(0.6 < s[200, 0, 0] < 1.4)
    ((400, 1, 1), True)
    """
    e = np.asarray(e, dtype=float)
    X = np.asarray(X, dtype=float).reshape(e.size, -1)
    n, p = X.shape
    if not 1 <= m or 2 * m + 1 > n:
        raise DataError(f"m must be in [1, (n - 1)/2]; got {m} with n = {n}.")
    s = X * e[:, None]
    cs = np.zeros((n + 1, p))
    np.cumsum(s, axis=0, out=cs[1:])
    delta = np.zeros((n, p, p))
    j = np.arange(m, n - m)
    lsum = cs[j + m + 1] - cs[j - m]
    delta[j] = lsum[:, :, None] * lsum[:, None, :] / (2 * m + 1)
    nt = n * tau
    kv = np.zeros(n)
    i_k = np.arange(n)
    inside = i_k < nt
    z = (i_k / n) / tau
    kv[inside] = np.where(np.abs(z[inside]) <= 1, 0.75 * (1 - z[inside] ** 2), 0.0)
    sigma = np.zeros((n, p, p))
    for i in range(m, n - m):
        j0 = int(i - nt)  # C++ double -> int truncation
        js = np.arange(j0, int(math.floor(i + nt)) + 1)
        js = js[(js > 0) & (js < n) & (js <= i + nt)]
        w = kv[np.abs(js - i)]
        sigma[i] = np.tensordot(w, delta[js], axes=1) / w.sum()
    sigma[:m] = sigma[m]
    sigma[n - m :] = sigma[n - m - 1]
    return sigma


def mv_lrv_parameters(
    e: np.ndarray,
    X: np.ndarray | None = None,
    *,
    gridm: np.ndarray | None = None,
    gridtau: np.ndarray | None = None,
    neighbour: int = 1,
    mlrv_layout: bool = False,
) -> dict[str, object]:
    """Choose the local-LRV window ``m`` and smoothing ``tau`` by minimum volatility.

    mlrv's ``MV_cov_heter(e, X, gridm, gridtau, lrv_method = 0)`` followed by
    ``MV_ise_heter``: :func:`plugin_local_lrv` on every grid pair, then
    :func:`min_volatility`. Defaults are mlrv's grids (:func:`mlrv_grids`). The
    ``(p, p)`` matrices enter column-major; ``mlrv_layout=True`` reproduces mlrv's choice
    also for ``p > 1`` (see :func:`min_volatility`).

    Returns
    -------
    dict
        ``m``, ``tau``, ``volatility`` (the ``(M, Tau)`` table), ``gridm``, ``gridtau``.

    Examples
    --------
    >>> e = np.random.default_rng(1).normal(size=300)
    >>> out = mv_lrv_parameters(e)
    >>> int(out["m"]) in out["gridm"], float(out["tau"]) in out["gridtau"]
    (True, True)
    """
    e = np.asarray(e, dtype=float)
    n = e.size
    X = np.ones((n, 1)) if X is None else np.asarray(X, dtype=float).reshape(n, -1)
    dm, dt = mlrv_grids(n, neighbour)
    gm = dm if gridm is None else np.asarray(gridm, dtype=int)
    gt = dt if gridtau is None else np.asarray(gridtau, dtype=float)
    p = X.shape[1]
    cube = np.empty((gm.size, gt.size, n, p * p))
    for a, m in enumerate(gm):
        for b, tau in enumerate(gt):
            cube[a, b] = (
                plugin_local_lrv(e, X, int(m), float(tau)).transpose(0, 2, 1).reshape(n, p * p)
            )
    (pi, qi), vol = min_volatility(cube, neighbour, mlrv_layout=mlrv_layout)
    return {"m": int(gm[pi]), "tau": float(gt[qi]), "volatility": vol, "gridm": gm,
            "gridtau": gt}  # fmt: skip
