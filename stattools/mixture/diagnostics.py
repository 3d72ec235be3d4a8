"""Rank-normalised R-hat and bulk/tail effective sample sizes (numpy and scipy only).

Vehtari, Gelman, Simpson, Carpenter and Buerkner (2021), "Rank-normalization, folding, and
localization: an improved R-hat for assessing convergence of MCMC", Bayesian Analysis 16,
667-718. The formulas follow ArviZ (``arviz_stats`` 1.3) step by step, so that the
Dirichlet-process mixture runs and checks its mixing on the core install (no ArviZ); the
tests check equality with ArviZ.
"""

from __future__ import annotations

import numpy as np
from scipy import fft, stats

__all__ = ["ess_bulk", "ess_tail", "rhat_rank"]


def _split(a: np.ndarray) -> np.ndarray:
    half = a.shape[1] // 2
    return np.vstack((a[:, :half], a[:, -half:]))


def _z_scale(a: np.ndarray) -> np.ndarray:
    r = stats.rankdata(a, method="average").reshape(a.shape)
    return stats.norm.ppf((r - 0.375) / (a.size + 0.25))


def _autocov(a: np.ndarray) -> np.ndarray:
    n = a.shape[1]
    m = fft.next_fast_len(2 * n)
    c = a - a.mean(1, keepdims=True)
    f = np.fft.rfft(c, n=m, axis=1)
    f *= np.conjugate(f)
    return np.fft.irfft(f, n=m, axis=1)[:, :n] / n


def _ess(a: np.ndarray) -> float:
    """ESS of a (chains, draws) array: Geyer's initial monotone sequence estimator."""
    a = np.asarray(a, dtype=float)
    if a.max() - a.min() < np.finfo(float).resolution:
        return float(a.size)
    n_chain, n_draw = a.shape
    acov = _autocov(a)
    mean_var = acov[:, 0].mean() * n_draw / (n_draw - 1.0)
    var_plus = mean_var * (n_draw - 1.0) / n_draw
    if n_chain > 1:
        var_plus += np.var(a.mean(1), ddof=1)
    rho = np.zeros(n_draw)
    even = rho[0] = 1.0
    odd = rho[1] = 1.0 - (mean_var - acov[:, 1].mean()) / var_plus
    t = 1
    while t < n_draw - 3 and even + odd > 0.0:
        even = 1.0 - (mean_var - acov[:, t + 1].mean()) / var_plus
        odd = 1.0 - (mean_var - acov[:, t + 2].mean()) / var_plus
        if even + odd >= 0:
            rho[t + 1], rho[t + 2] = even, odd
        t += 2
    max_t = t - 2
    if even > 0:
        rho[max_t + 1] = even
    t = 1
    while t <= max_t - 2:
        if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]:
            rho[t + 1] = rho[t + 2] = (rho[t - 1] + rho[t]) / 2.0
        t += 2
    size = n_chain * n_draw
    tau = -1.0 + 2.0 * rho[: max_t + 1].sum() + rho[max_t + 1 : max_t + 2].sum()
    tau = max(tau, 1.0 / np.log10(size))
    return float(np.nan if np.isnan(rho).any() else size / tau)


def _valid(a: np.ndarray, min_chains: int) -> bool:
    return a.ndim == 2 and a.shape[0] >= min_chains and a.shape[1] >= 4 and np.isfinite(a).all()


def ess_bulk(a: np.ndarray) -> float:
    """Bulk ESS of draws shaped (chains, draws): ESS of the rank-normalised split chains.

    Independent draws have an ESS close to their number (here 2 x 500):

    >>> import numpy as np
    >>> 900 < ess_bulk(np.random.default_rng(0).normal(size=(2, 500))) < 1100
    True
    """
    a = np.asarray(a, dtype=float)
    return _ess(_z_scale(_split(a))) if _valid(a, 1) else np.nan


def ess_tail(a: np.ndarray, prob: float = 0.05) -> float:
    """Tail ESS: the smaller ESS of the indicators of the ``prob`` and ``1 - prob``
    quantiles (split chains)."""
    a = np.asarray(a, dtype=float)
    if not _valid(a, 1):
        return np.nan
    lo, hi = np.quantile(a, [prob, 1 - prob])
    return min(_ess(_split(a <= lo)), _ess(_split(a <= hi)))


def rhat_rank(a: np.ndarray) -> float:
    """Rank-normalised split R-hat: the larger of the bulk and folded (tail) values; NaN
    with fewer than 2 chains or 4 draws."""
    a = np.asarray(a, dtype=float)
    if not _valid(a, 2):
        return np.nan
    s = _split(a)

    def rhat(x: np.ndarray) -> float:
        m = x.shape[1]
        between = m * np.var(x.mean(1), ddof=1)
        within = np.var(x, axis=1, ddof=1).mean()
        return float(np.sqrt((between / within + m - 1) / m))

    return max(rhat(_z_scale(s)), rhat(_z_scale(np.abs(s - np.median(s)))))
