r"""Local long-run covariance of regression scores: two-scale default, break-adaptive option.

The bands of :func:`~stattools.nonstationary.tvreg.tv_regression` need the local long-run
covariance ``Lambda(u)`` of the scores ``s_i = x_i e_i``. The one-window estimate is a local
average (Epanechnikov window of half-width ``tau``) of the block-difference outer products
``O_j = Q_j Q_j' / (2m)``, ``Q_j = sum_{i=j-m}^{j-1} w_i - sum_{i=j}^{j+m-1} w_i`` of the
(VAR(1)-prewhitened) scores ``w``. Block differences are noisy (a window of half-width
``tau`` holds only ``2 tau n / m`` blocks), and a window that straddles an abrupt change of
the error variance averages both regimes: just after a rise the standard errors are too
small, just before it too large.

The default of ``tv_regression`` (issue 13) is the two-scale estimate
(:func:`two_scale_local_lrv`) ``Lambda(u) = D(u) R(u) D(u)``: the local root mean square
``D(u)`` of the scores, a local mean of squares (far less noisy than block differences, so
it can use the regression's own half-width ``h`` and follow a variance break), times the
long-run covariance ``R(u)`` of the standardised scores ``D^{-1} s`` over the wider
half-width ``2 tau``. It is consistent under the same local stationarity (both windows
shrink with ``n``), and when only the scale of the scores changes (stable dependence) the
wider window costs no bias. The construction is ours; no published source is claimed for
it. Its calibration and the diagnosis behind it are in the Notes of ``tv_regression``.

The adaptive window (:func:`adaptive_local_lrv`) keeps the fixed window unless the data show
a significant change of the local long-run variance, and then stops the window at the
change:

1. For every coarse grid point ``v`` the left and right one-sided local averages
   ``L_a(v)``, ``R_a(v)`` of each prewhitened diagonal element ``a`` (same kernel, same
   ``tau``) are compared on the log scale, studentised by their own sampling noise,
   ``z_a(v) = (log L_a - log R_a) / sqrt(V_L + V_R)``.
   For Gaussian, white prewhitened scores ``O_{j,aa} / Lambda_aa`` is chi-square(1) with
   correlation ``rho(j - k)^2`` between blocks (``rho`` the autocorrelation of the
   block-difference weights, :func:`block_difference_acf`), so a normalised weighted mean
   ``sum_j c_j O_{j,aa}`` has relative variance ``V = 2 sum_{j,k} c_j c_k rho(j-k)^2`` (the
   delta method puts the same ``V`` on the log). Scores ``x_i e_i`` are heavier tailed
   than that, so ``V`` is multiplied by the empirical long-run variance of the normalised
   block products over its Gaussian value (:func:`noise_inflation`, at least 1). Only
   points whose one-sided windows both hold at least half of an interior window's kernel
   mass are scanned.
2. A change is declared at the largest ``max_a |z_a(v)|`` when it exceeds ``c``, the
   ``1 - alpha / p`` quantile (``alpha = 0.05``, Bonferroni over the ``p`` diagonal
   elements) of ``sup_v |z(v)|`` for Gaussian white scores with the same ``n``, ``m``,
   ``tau`` and scan (:func:`scan_critical_value`, Monte Carlo from a fixed seed): under a
   constant ``Lambda`` the window changes with probability at most about ``alpha``. Points
   within ``tau`` of a declared change are removed from the scan and the search repeats
   (every change at least ``tau`` from the others).
3. ``Lambda_hat(v)`` is the same kernel average restricted to the segment between the
   declared changes that contains ``v``; a window cut by a change grows on its own side
   until it holds as many blocks as the uncut one (:func:`segment_weights`), so the cut
   removes the other regime without adding noise.

Without a declared change the estimate is the fixed-window one exactly. Studentising the
one-sided disagreement by its noise, rather than a fixed ratio of ``L`` to ``R``, makes the
rule scale free (no constant refers to a particular design) and lets it grow more sensitive
with ``n``. The rule is ours; no published source is claimed for it.

Status (issue 13): an option of ``tv_regression`` (``lrv_window="adaptive"``), not calibrated.
In paired pilots (the same data sets analysed with both windows, the calibration design of
``benchmarks/validity/nonstationary_tv.py``) it removed the bias of the one-window standard
errors around the variance break but not their noise, so the joint band did not gain
(n = 1000: 0.925 with either window, 200 data sets; n = 300: 0.913 against 0.930, 400); on
the scores ``x_i e_i`` of AR(1) series without any change it declares a change in 10-21 % of
series (2.5-3.5 % for the Gaussian scores its scan is calibrated for).
See the Notes of ``tv_regression``.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import ndimage

from .lrv import smoothing_matrix, var1_prewhiten
from .trend import N_COARSE

__all__ = [
    "block_difference_acf",
    "block_outer",
    "one_sided_weights",
    "segment_weights",
    "log_lrv_variance",
    "variance_changes",
    "scan_critical_value",
    "adaptive_local_lrv",
    "two_scale_local_lrv",
    "ALPHA_CHANGE",
]

ALPHA_CHANGE = 0.05
"""Family-wise level of the scan for changes in the local long-run variance."""

N_NULL = 1000
"""Monte Carlo draws behind :func:`scan_critical_value`."""


def block_difference_acf(m: int, order: int = 1) -> np.ndarray:
    """Autocorrelation ``rho(d)``, ``d = 0..len-1``, of the block-difference weights.

    First order: ``(1,...,1,-1,...,-1)`` (``m`` each), so ``rho(d) = 1 - 3d/(2m)`` for
    ``d <= m`` and ``-(1 - d/(2m))`` for ``m <= d <= 2m``; second order ``(1, -2, 1)``
    blocks.

    Examples
    --------
    >>> block_difference_acf(2).tolist()
    [1.0, 0.25, -0.5, -0.25]
    """
    one = np.ones(m)
    a = np.concatenate([one, -one]) if order == 1 else np.concatenate([one, -2 * one, one])
    full = np.correlate(a, a, mode="full")[a.size - 1 :]
    return full / full[0]


def block_outer(
    scores: np.ndarray, u: np.ndarray, m: int, prewhiten: bool = True, order: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Block-difference outer products of the (prewhitened) scores and their positions.

    Returns ``(outer, pos, D, A)``: ``outer`` of shape ``(J, p * p)`` (``Q_j Q_j' / (2m)``,
    ``/(6m)`` for second order), ``pos`` their rescaled times, the recolouring matrix ``D``
    and the VAR(1) matrix ``A`` (identity and zeros without prewhitening).

    Examples
    --------
    >>> s = np.random.default_rng(0).normal(size=(500, 1))
    >>> outer, pos, d, a = block_outer(s, np.linspace(0, 1, 500), 5)
    >>> outer.shape, bool(abs(outer.mean() - 1) < 0.15)
    ((490, 1), True)
    """
    s = np.asarray(scores, dtype=float)
    n, p = s.shape
    if prewhiten:
        w, dmat = var1_prewhiten(s)
        shift = 1
        a_mat = np.eye(p) - np.linalg.inv(dmat)
    else:
        w, dmat, shift, a_mat = s, np.eye(p), 0, np.zeros((p, p))
    nw = w.shape[0]
    cs = np.zeros((nw + 1, p))
    np.cumsum(w, axis=0, out=cs[1:])
    if order == 1:
        j = np.arange(m, nw - m + 1)
        q = (cs[j] - cs[j - m]) - (cs[j + m] - cs[j])
        outer = (q[:, :, None] * q[:, None, :]).reshape(j.size, p * p) / (2.0 * m)
        pos = np.interp(j - 0.5 + shift, np.arange(n), u)
    else:
        j = np.arange(m, nw - 2 * m + 1)
        q = (cs[j] - cs[j - m]) - 2 * (cs[j + m] - cs[j]) + (cs[j + 2 * m] - cs[j + m])
        outer = (q[:, :, None] * q[:, None, :]).reshape(j.size, p * p) / (6.0 * m)
        pos = np.interp(j + 0.5 * (m - 1) + shift, np.arange(n), u)
    return outer, pos, dmat, a_mat


def one_sided_weights(pos: np.ndarray, at: np.ndarray, tau: float, side: str) -> np.ndarray:
    """Unnormalised Epanechnikov weights ``K((pos - at) / tau)`` on one side of ``at``.

    ``side="left"`` keeps ``pos <= at``, ``"right"`` keeps ``pos >= at``; shape
    ``(len(at), len(pos))``.

    Examples
    --------
    >>> one_sided_weights(np.array([0.0, 0.5, 1.0]), np.array([0.5]), 1.0, "left").tolist()
    [[0.5625, 0.75, 0.0]]
    """
    d = pos[None, :] - at[:, None]
    z = d / tau
    k = np.where(np.abs(z) < 1, 0.75 * (1 - z * z), 0.0)
    return k * (d <= 0) if side == "left" else k * (d >= 0)


def log_lrv_variance(weights: np.ndarray, acf: np.ndarray) -> np.ndarray:
    """Relative variance ``2 sum_{j,k} c_j c_k rho(j-k)^2`` of normalised local averages.

    ``weights`` are rows of (unnormalised) weights over consecutive blocks; ``acf`` is
    :func:`block_difference_acf`. Exact for Gaussian white prewhitened scores.

    Examples
    --------
    >>> acf = block_difference_acf(1)
    >>> float(log_lrv_variance(np.array([[1.0, 1.0]]), acf)[0])  # 2 * (1 + 0.25) / 2
    1.25
    """
    tot = weights.sum(axis=1)
    c = weights / np.where(tot > 0, tot, 1.0)[:, None]
    r2 = acf**2
    kern = np.concatenate([r2[:0:-1], r2])
    conv = ndimage.convolve1d(c, kern, axis=1, mode="constant", cval=0.0)
    return 2.0 * np.sum(c * conv, axis=1)


def _scan_setup(pos: np.ndarray, at: np.ndarray, tau: float, acf: np.ndarray) -> tuple:
    """One-sided weights on the scan set and the studentising variance of ``log L - log R``."""
    wl = one_sided_weights(pos, at, tau, "left")
    wr = one_sided_weights(pos, at, tau, "right")
    ml, mr = wl.sum(axis=1), wr.sum(axis=1)
    full = max(float(ml.max()), float(mr.max()))
    scan = (ml >= 0.5 * full) & (mr >= 0.5 * full)
    wl, wr, ml, mr = wl[scan], wr[scan], ml[scan], mr[scan]
    sd = np.sqrt(log_lrv_variance(wl, acf) + log_lrv_variance(wr, acf))
    return scan, wl / ml[:, None], wr / mr[:, None], sd


def _scan_stat(diag: np.ndarray, cl: np.ndarray, cr: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """``|log L - log R| / sd`` for every column of ``diag`` at every scanned point."""
    tiny = 1e-300
    left = np.log(np.maximum(cl @ diag, tiny))
    right = np.log(np.maximum(cr @ diag, tiny))
    return np.abs(left - right) / sd[:, None]


@functools.lru_cache(maxsize=32)
def scan_critical_value(
    n: int, m: int, tau: float, n_at: int, prewhiten: bool, order: int, level: float
) -> float:
    """Monte Carlo ``level`` quantile of ``sup_v |z(v)|`` for one coordinate under no change.

    Gaussian white scores (what prewhitening aims at), the same block differences,
    positions, window and scan set as the data (``n`` rescaled times ``i / (n - 1)``,
    ``n_at`` coarse points), :data:`N_NULL` draws from a fixed seed, so the value is
    deterministic. The sup runs over a continuum of one-sided windows whose kernels jump
    at ``v``, so it is far above a Bonferroni count of ``1 / tau`` windows (with that
    count a 5 % rule fired in 31 % of white-noise series).

    Examples
    --------
    >>> c = scan_critical_value(1000, 10, 0.25, 200, True, 1, 0.975)
    >>> bool(2.5 < c < 4.5)
    True
    """
    u = np.linspace(0.0, 1.0, n)
    at = np.linspace(0.0, 1.0, n_at)
    shift = 1 if prewhiten else 0
    rng = np.random.default_rng(20261206)
    j = np.arange(m, n - shift - (m if order == 1 else 2 * m) + 1)
    if order == 1:
        pos = np.interp(j - 0.5 + shift, np.arange(n), u)
    else:
        pos = np.interp(j + 0.5 * (m - 1) + shift, np.arange(n), u)
    scan, cl, cr, sd = _scan_setup(pos, at, tau, block_difference_acf(m, order))
    if not scan.any():
        return math.inf
    batch = max(1, min(N_NULL, 2_000_000 // n))
    sups = []
    for start in range(0, N_NULL, batch):
        w = rng.standard_normal((n - shift, min(batch, N_NULL - start)))
        cs = np.zeros((n - shift + 1, w.shape[1]))
        np.cumsum(w, axis=0, out=cs[1:])
        if order == 1:
            q = (cs[j] - cs[j - m]) - (cs[j + m] - cs[j])
            diag = q * q / (2.0 * m)
        else:
            q = (cs[j] - cs[j - m]) - 2 * (cs[j + m] - cs[j]) + (cs[j + 2 * m] - cs[j + m])
            diag = q * q / (6.0 * m)
        sups.append(_scan_stat(diag, cl, cr, sd).max(axis=0))
    return float(np.quantile(np.concatenate(sups), level))


def variance_changes(
    diag: np.ndarray,
    pos: np.ndarray,
    at: np.ndarray,
    tau: float,
    acf: np.ndarray,
    crit: float,
    inflation: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Declared changes of the local long-run variance (steps 1-2 of the module docstring).

    ``diag`` holds the block outer products' diagonal elements, shape ``(J, p)``; ``crit``
    the critical value of the scan (:func:`scan_critical_value`). Returns
    ``(changes, z)``: the declared change points (sorted) and the scan statistic
    ``max_a |z_a(v)|`` at ``at`` (NaN off the scan).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> pos = np.linspace(0, 1, 2000)
    >>> diag = (np.where(pos < 0.5, 1.0, 3.0) * rng.chisquare(1, 2000))[:, None]
    >>> ch, z = variance_changes(diag, pos, np.linspace(0, 1, 101), 0.2, np.ones(1), 4.0)
    >>> [round(float(x), 2) for x in ch]
    [0.5]
    """
    z = np.full(at.size, np.nan)
    scan, cl, cr, sd = _scan_setup(pos, at, tau, acf)
    if not scan.any():
        return np.empty(0), z
    zs = _scan_stat(diag, cl, cr, sd)
    if inflation is not None:
        zs = zs / np.sqrt(np.asarray(inflation, dtype=float))[None, :]
    z[scan] = zs.max(axis=1)
    live = z.copy()
    found: list[float] = []
    while np.any(np.isfinite(live)):
        i = int(np.nanargmax(live))
        if live[i] <= crit:
            break
        found.append(float(at[i]))
        live[np.abs(at - at[i]) < tau] = np.nan
    return np.sort(np.asarray(found)), z


def noise_inflation(diag: np.ndarray, level: np.ndarray, acf: np.ndarray) -> np.ndarray:
    """Long-run variance of ``O_{j,aa} / level_j`` relative to its Gaussian value, floored at 1.

    ``r_j = O_{j,aa} / level_{j,a}`` (the fixed-window local average at the block) has, for
    Gaussian white scores, long-run variance ``sum_{|d| < len(acf)} 2 rho(d)^2``. Products
    ``x_i e_i`` are heavy tailed and their squares dependent beyond the blocks, so the
    empirical long-run variance (flat kernel to lag ``1.5 len(acf)``, i.e. ``3m`` for first
    differences) over the Gaussian one scales the studentising variance ``V`` (one factor
    per diagonal element; never below 1).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> diag = rng.chisquare(1, (20000, 1))
    >>> bool(abs(noise_inflation(diag, np.ones((20000, 1)), np.ones(1))[0] - 1) < 0.1)
    True
    """
    r = diag / np.maximum(level, 1e-300)
    r = r - r.mean(axis=0)
    lags = int(math.ceil(1.5 * acf.size))
    jn = r.shape[0]
    gauss = 2.0 * (acf[0] ** 2 + 2.0 * np.sum(acf[1:] ** 2))
    out = np.empty(r.shape[1])
    for a in range(r.shape[1]):
        g0 = np.dot(r[:, a], r[:, a]) / jn
        tot = g0 + 2.0 * sum(
            np.dot(r[: jn - d, a], r[d:, a]) / jn for d in range(1, min(lags, jn - 1) + 1)
        )
        out[a] = max(1.0, tot / gauss)
    return out


def _epa(z: np.ndarray) -> np.ndarray:
    return np.where(np.abs(z) < 1, 0.75 * (1 - z * z), 0.0)


def _n_eff(k: np.ndarray) -> np.ndarray:
    s1, s2 = k.sum(axis=1), (k * k).sum(axis=1)
    return s1 * s1 / np.where(s2 > 0, s2, 1.0)


def segment_weights(
    pos: np.ndarray, at: np.ndarray, tau: float, changes: np.ndarray, widen: bool = True
) -> np.ndarray:
    """Unnormalised kernel weights of the blocks at ``pos`` for the points ``at``, restricted
    to the segment between ``changes`` that holds each point (step 3).

    With ``widen=True`` a window cut by a change grows on its own side, half-width ``t`` in
    ``[tau, 2 tau]`` (the smallest of 11 equally spaced values), until its effective number
    of blocks ``(sum k)^2 / sum k^2`` is that of the uncut window (a one-sided window of
    half-width ``2 tau`` holds as many blocks as a two-sided one of ``tau``), so the cut
    adds no noise; rows away from every change are the fixed window's weights.

    Examples
    --------
    >>> pos = np.linspace(0, 1, 11)
    >>> w = segment_weights(pos, np.array([0.5]), 0.3, np.array([0.45]), widen=False)
    >>> (w[0] > 0).nonzero()[0].tolist()
    [5, 6, 7]
    """
    same = (
        np.searchsorted(changes, pos, side="right")[None, :]
        == np.searchsorted(changes, at, side="right")[:, None]
    )
    d = pos[None, :] - at[:, None]
    k = _epa(d / tau) * same
    if not widen:
        return k
    target = _n_eff(_epa(d / tau))
    done = _n_eff(k) >= target * (1 - 1e-12)
    for t in tau * np.linspace(1.1, 2.0, 10):
        kt = _epa(d / t) * same
        take = ~done & (_n_eff(kt) >= target * (1 - 1e-12))
        k[take] = kt[take]
        done |= take
    k[~done] = (_epa(d / (2 * tau)) * same)[~done]
    return k


def adaptive_local_lrv(
    scores: np.ndarray,
    u: np.ndarray,
    m: int,
    tau: float,
    prewhiten: bool = True,
    adaptive: bool = True,
    order: int = 1,
    alpha: float = ALPHA_CHANGE,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local long-run covariance ``Lambda(u_i)``, ``(n, p, p)``, with a break-adaptive window.

    ``adaptive=False`` (or no declared change) gives the fixed-window local average of
    :func:`~stattools.nonstationary.tvreg.local_lrv_matrix` exactly; otherwise the window
    stops at the declared changes (module docstring). Returns ``(Lambda, A, changes)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 2000
    >>> u = np.linspace(0, 1, n)
    >>> s = rng.normal(size=(n, 1)) * np.where(u < 0.5, 1.0, 3.0)[:, None]
    >>> lam, _, changes = adaptive_local_lrv(s, u, 8, 0.25)
    >>> changes.round(2).tolist(), bool(abs(lam[1100, 0, 0] - 9) < 2.5)
    ([0.5], True)
    """
    s = np.asarray(scores, dtype=float)
    n, p = s.shape
    outer, pos, dmat, a_mat = block_outer(s, u, m, prewhiten, order)
    uc = np.linspace(0.0, 1.0, min(n, N_COARSE))
    changes = np.empty(0)
    kc = smoothing_matrix(pos, uc, tau, linear=False)
    if adaptive:
        diag = outer[:, [a * p + a for a in range(p)]]
        crit = scan_critical_value(n, m, float(tau), uc.size, bool(prewhiten), order, 1 - alpha / p)
        acf = block_difference_acf(m, order)
        level = np.column_stack([np.interp(pos, uc, kc @ diag[:, a]) for a in range(p)])
        infl = noise_inflation(diag, level, acf)
        changes, _ = variance_changes(diag, pos, uc, tau, acf, crit, infl)
    if changes.size:
        k = segment_weights(pos, uc, tau, changes, widen=True)
        tot = k.sum(axis=1)
        kc = np.where(tot[:, None] > 0, k / np.where(tot > 0, tot, 1.0)[:, None], kc)
    lc = (kc @ outer).reshape(-1, p, p)
    lc = dmat[None] @ lc @ dmat.T[None]
    lam = np.empty((n, p, p))
    for a in range(p):
        for b in range(p):
            lam[:, a, b] = np.interp(u, uc, lc[:, a, b])
    return lam, a_mat, changes


def two_scale_local_lrv(
    scores: np.ndarray,
    u: np.ndarray,
    m: int,
    tau_var: float,
    tau_cor: float,
    prewhiten: bool = True,
    order: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Two-scale local long-run covariance ``Lambda(u) = D(u) R(u) D(u)``, ``(n, p, p)``.

    ``D(u)`` is the diagonal of local root-mean-square scores, an Epanechnikov local average
    of ``s_ia^2`` with half-width ``tau_var``; ``R(u)`` is the local long-run covariance of
    the standardised scores ``w_i = D(u_i)^{-1} s_i`` (block differences, VAR(1)
    prewhitened, :func:`adaptive_local_lrv` without change detection) with the wider
    half-width ``tau_cor``. The scale of the scores can then follow a fast change (an abrupt
    variance break) while the dependence part, whose block-difference estimate is much
    noisier than a local mean of squares, is averaged over more blocks. With
    ``tau_var = tau_cor`` and constant scale this is the one-window estimate up to the
    standardisation. Returns ``(Lambda, A)`` with ``A`` the VAR(1) matrix of ``w``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 2000
    >>> u = np.linspace(0, 1, n)
    >>> s = rng.normal(size=(n, 1)) * np.where(u < 0.5, 1.0, 3.0)[:, None]
    >>> lam, _ = two_scale_local_lrv(s, u, 8, 0.05, 0.5)
    >>> ratio = lam[1100, 0, 0] / lam[900, 0, 0]  # 10 % of the span apart, across the break
    >>> bool(6 < ratio < 13)  # the variance ratio is 9
    True
    """
    s = np.asarray(scores, dtype=float)
    n, p = s.shape
    uc = np.linspace(0.0, 1.0, min(n, N_COARSE))
    level = smoothing_matrix(u, uc, tau_var, linear=False) @ (s * s)  # (nc, p)
    d = np.sqrt(np.column_stack([np.interp(u, uc, level[:, a]) for a in range(p)]))
    w = s / np.where(d > 0, d, 1.0)
    lam_w, a_mat, _ = adaptive_local_lrv(w, u, m, tau_cor, prewhiten, adaptive=False, order=order)
    return d[:, :, None] * lam_w * d[:, None, :], a_mat
