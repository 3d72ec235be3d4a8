"""Weighted pool-adjacent-violators (isotonic regression), compiled with numba."""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["weighted_pav", "weighted_pav_rows", "decreasing_rows"]


@numba.njit(cache=True)
def _pav(y: np.ndarray, w: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    m = y.size
    val = np.empty(m)
    wt = np.empty(m)
    cnt = np.empty(m, dtype=np.int64)
    k = 0
    for i in range(m):
        val[k] = y[i]
        wt[k] = w[i]
        cnt[k] = 1
        while k > 0 and val[k - 1] > val[k]:
            tot = wt[k - 1] + wt[k]
            val[k - 1] = (wt[k - 1] * val[k - 1] + wt[k] * val[k]) / tot
            wt[k - 1] = tot
            cnt[k - 1] += cnt[k]
            k -= 1
        k += 1
    out = np.empty(m)
    pos = 0
    for b in range(k):
        for _ in range(cnt[b]):
            out[pos] = val[b]
            pos += 1
    return out


@numba.njit(cache=True)
def _pav_rows(a: np.ndarray, w: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    out = np.empty_like(a)
    for r in range(a.shape[0]):
        out[r] = _pav(a[r], w)
    return out


@numba.njit(cache=True)
def decreasing_rows(a: np.ndarray, rel: float) -> np.ndarray:  # pragma: no cover - compiled
    """Rows of ``a`` that decrease somewhere by more than ``rel`` times the row's range."""
    n, m = a.shape
    out = np.zeros(n, dtype=np.bool_)
    for r in range(n):
        lo = a[r, 0]
        hi = a[r, 0]
        worst = 0.0
        for j in range(1, m):
            v = a[r, j]
            lo = min(lo, v)
            hi = max(hi, v)
            worst = min(worst, v - a[r, j - 1])
        out[r] = worst < -rel * max(hi - lo, 1e-300)
    return out


def weighted_pav(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted isotonic (non-decreasing) least-squares fit of ``y`` with weights ``w``.

    Solves ``min_q sum_m w_m (q_m - y_m)^2`` subject to ``q_1 <= ... <= q_M`` exactly, in
    O(M) with the pool-adjacent-violators algorithm.

    Parameters
    ----------
    y : (M,) array
    w : (M,) array of positive weights

    Returns
    -------
    (M,) array

    Examples
    --------
    >>> weighted_pav(np.array([1.0, 3.0, 2.0]), np.array([1.0, 1.0, 3.0])).tolist()
    [1.0, 2.25, 2.25]
    """
    return _pav(np.ascontiguousarray(y, dtype=float), np.ascontiguousarray(w, dtype=float))


def weighted_pav_rows(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """:func:`weighted_pav` applied to every row of the 2-D array ``a``."""
    return _pav_rows(np.ascontiguousarray(a, dtype=float), np.ascontiguousarray(w, dtype=float))
