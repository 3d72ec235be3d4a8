"""Numerical core of conformal risk control: the single weighted rule (★), solved exactly.

For calibration weights ``w_i >= 0``, a test weight ``w_{n+1} > 0`` and losses bounded by
``B``, every method of the family (CRC, split conformal, non-X CRC, nexCP, covariate
shift) chooses

    lambda_hat = inf{ lambda : S(lambda) <= c },  S(lambda) = sum_i w_i L_i(lambda),
    c = alpha (N_w + w_{n+1}) - w_{n+1} B,

and ``lambda_max`` when no lambda qualifies. ``S`` is nonincreasing, so the answer is the
first point of its (step, piecewise-linear or grid) curve at or below ``c``:

* step losses: sort the breakpoints, merge ties, cumulative sums, ``searchsorted`` -
  ``O(N log N)`` once, then ``O(log N)`` per test point with scalar test weights; when
  every weighted jump is equal (unit-weight split conformal) a selection
  (``np.partition``, ``O(N)``) finds the same breakpoint;
* hinge losses: the same on the kinks, then a linear solve on the bracketing segment;
* grid losses: ``S = w @ L``;
* a per-test weight matrix ``W (m x n)``: one shared sort, then a compiled row loop
  (step/hinge), or for a monotone grid table a compiled bisection over the grid per row
  (``ceil(log2 G) + 1`` dot products of length ``n`` instead of ``G``; row-chunked BLAS
  products otherwise); rows with no feasible lambda get ``lambda_max`` explicitly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from .losses import GridLoss, HingeLoss, Loss, StepLoss

__all__ = ["Solution", "solve", "risk_curve", "final_losses"]

_CHUNK = 4_000_000  # entries per row chunk of a dense product


@dataclass(frozen=True)
class Solution:
    """Raw solver output, one entry per test point."""

    lambda_hat: np.ndarray
    feasible: np.ndarray
    n_w: np.ndarray
    threshold: np.ndarray


def _tolerance(n_w: np.ndarray, bound: float) -> np.ndarray:
    # floating-point slack for S <= c: sums of many jumps carry rounding of order
    # N * eps * S; 1e-10 relative to the total weight covers it and is far below any
    # meaningful change of risk.
    return 1e-10 * np.maximum(1.0, n_w * bound)


def thresholds(
    n_w: np.ndarray, w_test: np.ndarray, target: float, bound: float, unit: bool
) -> np.ndarray:
    """``c = alpha (N_w + w_test) - w_test B``; with unit weights snapped to integers."""
    c = target * (n_w + w_test) - w_test * bound
    if unit:
        r = np.round(c)
        c = np.where(np.abs(c - r) < 1e-9, r, c)
    return c


# ----------------------------------------------------------------------------- curves
def _merge_sorted(loc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique values of a sorted array and the index of each one's first occurrence."""
    if loc.size == 0:
        return loc, np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.r_[True, loc[1:] != loc[:-1]])
    return loc[first], first


def _step_curve(loss: StepLoss, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points ``(lambda_k, S(lambda_k))`` of the step curve, ``lambda_min`` first."""
    s0 = float(loss.start @ w)
    if loss.loc.size == 0:
        return np.array([loss.lambda_min]), np.array([s0])
    if w.min() == w.max() and loss.jump.min() == loss.jump.max():
        # equal weighted jumps (e.g. unit-weight miscoverage): sorting the locations suffices
        loc = np.sort(loss.loc)
        jumps = np.full(loc.size, w[0] * loss.jump[0])
    else:
        order = np.argsort(loss.loc)  # ties are merged below, so their order is irrelevant
        loc = loss.loc[order]
        jumps = w[loss.owner[order]] * loss.jump[order]
    uniq, first = _merge_sorted(loc)
    merged = np.add.reduceat(jumps, first)
    s = s0 - np.cumsum(merged)
    if uniq[0] > loss.lambda_min:
        uniq = np.r_[loss.lambda_min, uniq]
        s = np.r_[s0, s]
    return uniq, s


def _hinge_curve(loss: HingeLoss, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kinks ``lambda_k`` (``lambda_min`` first), ``S`` there and the slope to the right."""
    lo, b, a = loss.lambda_min, loss.bound, loss.a
    s0 = float(w @ np.minimum(b, np.maximum(a - lo, 0.0)))
    active = (a - b <= lo) & (lo < a)
    slope0 = -float(w[active].sum())
    loc = np.r_[a - b, a]
    ds = np.r_[-w, w]
    keep = loc > lo
    loc, ds = loc[keep], ds[keep]
    order = np.argsort(loc, kind="stable")
    loc, ds = loc[order], ds[order]
    uniq, first = _merge_sorted(loc)
    dsm = np.add.reduceat(ds, first) if loc.size else ds
    pts = np.r_[lo, uniq]
    slopes = slope0 + np.r_[0.0, np.cumsum(dsm)]
    seg = np.diff(pts) * slopes[:-1]
    s = s0 + np.r_[0.0, np.cumsum(seg)]
    return pts, s, slopes


def _first_below(s: np.ndarray, c: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """Index of the first entry of the nonincreasing ``s`` with ``s <= c + tol``."""
    return np.searchsorted(-s, -(c + tol), side="left")


# ----------------------------------------------------------------------------- compiled rows
@numba.njit(cache=True)
def _step_rows(
    W, s0, s_end, c, tol, owner, jump, loc, group_end, lam_min, lam_max
):  # pragma: no cover
    m = W.shape[0]
    out = np.empty(m)
    feas = np.zeros(m, dtype=np.bool_)
    for j in range(m):
        cj = c[j] + tol[j]
        out[j] = lam_max
        if s_end[j] > cj:  # even lambda_max misses the target
            continue
        feas[j] = True
        if s0[j] <= cj:
            out[j] = lam_min
            continue
        if (c[j] - s_end[j]) < 0.5 * (s0[j] - s_end[j]):
            # the answer lies in the upper part of the curve: walk down from lambda_max
            s = s_end[j]
            for k in range(owner.size - 1, -1, -1):
                if group_end[k]:
                    if s <= cj:
                        out[j] = loc[k]
                    else:
                        break
                s += W[j, owner[k]] * jump[k]
        else:
            s = s0[j]
            out[j] = loc[owner.size - 1]  # S(lambda_max) <= c: the last knot at worst
            for k in range(owner.size):
                s -= W[j, owner[k]] * jump[k]
                if group_end[k] and s <= cj:
                    out[j] = loc[k]
                    break
    return out, feas


@numba.njit(cache=True)
def _hinge_rows(W, s0, slope0, c, tol, owner, sign, loc, lam_min, lam_max):  # pragma: no cover
    m = W.shape[0]
    out = np.empty(m)
    feas = np.zeros(m, dtype=np.bool_)
    for j in range(m):
        s = s0[j]
        slope = slope0[j]
        lam = lam_min
        if s <= c[j] + tol[j]:
            out[j] = lam_min
            feas[j] = True
            continue
        out[j] = lam_max
        for k in range(owner.size):
            s_next = s + slope * (loc[k] - lam)
            if s_next <= c[j] + tol[j]:
                x = lam + (s - c[j]) / (-slope) if slope < 0 else loc[k]
                out[j] = min(max(x, lam), loc[k])
                feas[j] = True
                break
            lam = loc[k]
            s = s_next
            slope += sign[k] * W[j, owner[k]]
    return out, feas


@numba.njit(cache=True)
def _row_dot(W, j, LT, g):  # pragma: no cover - compiled
    """``W[j] @ LT[g]`` in one fixed summation order (four interleaved accumulators, no
    fastmath reassociation): the same order for every column ``g``, so the sums inherit
    the elementwise order of the columns exactly."""
    n = LT.shape[1]
    n4 = n - n % 4
    s0 = s1 = s2 = s3 = 0.0
    for i in range(0, n4, 4):
        s0 += W[j, i] * LT[g, i]
        s1 += W[j, i + 1] * LT[g, i + 1]
        s2 += W[j, i + 2] * LT[g, i + 2]
        s3 += W[j, i + 3] * LT[g, i + 3]
    for i in range(n4, n):
        s0 += W[j, i] * LT[g, i]
    return (s0 + s1) + (s2 + s3)


@numba.njit(cache=True)
def _grid_rows(W, LT, c, tol):  # pragma: no cover - compiled
    """First grid column with ``W[j] @ L[:, g] <= c_j`` per row, by bisection.

    ``S_j(g) = W[j] @ L[:, g]`` is nonincreasing in ``g`` (monotone table, weights >= 0),
    also in floating point (the same summation order for every column, and rounding is
    monotone), so bisection finds the first feasible column with ``ceil(log2 G) + 1`` dot
    products per row instead of ``G``. Returns ``G`` for rows with no feasible column.
    """
    m, G = W.shape[0], LT.shape[0]
    out = np.empty(m, dtype=np.int64)
    for j in range(m):
        cj = c[j] + tol[j]
        if _row_dot(W, j, LT, G - 1) > cj:
            out[j] = G
            continue
        lo, hi = 0, G - 1  # S(hi) <= cj; the answer lies in [lo, hi]
        while lo < hi:
            mid = (lo + hi) // 2
            if _row_dot(W, j, LT, mid) <= cj:
                hi = mid
            else:
                lo = mid + 1
        out[j] = lo
    return out


# ----------------------------------------------------------------------------- solve
def final_losses(loss: Loss) -> np.ndarray:
    """``L_i(lambda_max)`` for each calibration point."""
    if isinstance(loss, StepLoss):
        if loss.name == "miscoverage" and math.isinf(loss.lambda_max):
            return np.zeros(loss.n)  # every score lies below lambda_max = +inf
        return loss.start - np.bincount(loss.owner, weights=loss.jump, minlength=loss.n)
    if isinstance(loss, HingeLoss):
        return np.minimum(loss.bound, np.maximum(loss.a - loss.lambda_max, 0.0))
    return np.asarray(loss.values())[:, -1]


def _equal_jumps(loss: StepLoss, w: np.ndarray) -> bool:
    """Whether every breakpoint carries the same weighted jump (e.g. unit-weight scores)."""
    return bool(
        loss.loc.size
        and w.min() == w.max()
        and loss.jump.min() == loss.jump.max()
        and loss.jump[0] > 0
        and w[0] > 0
    )


def _select_equal_jumps(loss: StepLoss, w0: float, c: np.ndarray, tol: np.ndarray) -> tuple:
    """Rule (★) by selection when all weighted jumps equal ``J``: ``O(N)`` per threshold.

    ``S`` after the ``k + 1`` smallest breakpoints is ``S0 - (k + 1) J``, so the answer is
    the ``k``-th smallest location with ``k = ceil((S0 - c) / J) - 1`` (ties need no
    merging: the tied group ends at or after position ``k``, with ``S <= c`` there).
    """
    jump = w0 * float(loss.jump[0])
    s0 = w0 * float(loss.start.sum())
    need = s0 - (c + tol)
    k = np.ceil(need / jump).astype(np.int64) - 1
    lam = np.full(c.shape, loss.lambda_max)
    feas = k < loss.loc.size
    lam[need <= 0] = loss.lambda_min
    sel = (need > 0) & feas
    if sel.any():
        ks = np.unique(k[sel])
        part = np.partition(loss.loc, ks)
        lam[sel] = part[k[sel]]
    return lam, feas


_SELECT_ABOVE = 200_000  # breakpoints: above this, bin-and-select beats a full sort
_N_BINS = 4096


def _select_binned(loss: StepLoss, w: np.ndarray, c: np.ndarray, tol: np.ndarray) -> tuple:
    """Rule (★) for one threshold without sorting every breakpoint: ``O(N)``.

    The weighted jumps are summed into equal-width bins of the locations; the first bin in
    which the running drop reaches ``S0 - c`` is the only one sorted (ties merged), which
    gives the same knot as the full sort of :func:`_step_curve`.
    """
    s0 = float(loss.start @ w)
    cj = float(c[0] + tol[0])
    if s0 <= cj:
        return np.array([loss.lambda_min]), np.array([True])
    jumps = w[loss.owner] * loss.jump
    loc = loss.loc
    lo, hi = float(loc.min()), float(loc.max())
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        pts, s = _step_curve(loss, w)
        k = _first_below(s, c, tol)
        lam = np.where(k < pts.size, pts[np.minimum(k, pts.size - 1)], loss.lambda_max)
        return lam, k < pts.size
    scale = (_N_BINS - 1) / (hi - lo)
    idx = ((loc - lo) * scale).astype(np.int64)
    binsum = np.bincount(idx, weights=jumps, minlength=_N_BINS)
    drop = np.cumsum(binsum)
    need = s0 - cj
    if s0 - float(drop[-1]) > cj:  # even lambda_max misses the target
        return np.array([loss.lambda_max]), np.array([False])
    b0 = int(np.searchsorted(drop, need - 1e-9 * max(1.0, s0), side="left"))
    b = max(0, b0 - 1)  # one bin of slack either way for rounding in the bin sums
    before = float(drop[b - 1]) if b > 0 else 0.0
    sel = (idx >= b) & (idx <= b0 + 1)
    lsel, jsel = loc[sel], jumps[sel]
    order = np.argsort(lsel, kind="stable")
    lsel, jsel = lsel[order], jsel[order]
    uniq, first = _merge_sorted(lsel)
    svals = s0 - before - np.cumsum(np.add.reduceat(jsel, first)) if lsel.size else lsel
    k = int(np.searchsorted(-svals, -cj, side="left"))
    if k >= uniq.size:  # not in the window (rounding): fall back to the full curve
        pts, s_all = _step_curve(loss, w)
        kk = _first_below(s_all, c, tol)
        lam = np.where(kk < pts.size, pts[np.minimum(kk, pts.size - 1)], loss.lambda_max)
        return lam, kk < pts.size
    return np.array([uniq[k]]), np.array([True])


def _solve_shared(loss: Loss, w: np.ndarray, c: np.ndarray, tol: np.ndarray) -> tuple:
    if isinstance(loss, HingeLoss):
        pts, s, slopes = _hinge_curve(loss, w)
        k = _first_below(s, c, tol)
        lam = np.full(c.shape, loss.lambda_max)
        lam[k == 0] = loss.lambda_min
        mid = (k > 0) & (k < pts.size)
        if mid.any():
            km = k[mid] - 1
            sl = slopes[km]
            x = pts[km] + (s[km] - c[mid]) / np.where(sl < 0, -sl, 1.0)
            lam[mid] = np.clip(x, pts[km], pts[km + 1])
        return lam, k < pts.size
    if isinstance(loss, StepLoss):
        if c.size <= 8 and _equal_jumps(loss, w):
            return _select_equal_jumps(loss, float(w[0]), c, tol)
        if c.size == 1 and loss.loc.size > _SELECT_ABOVE:
            return _select_binned(loss, w, c, tol)
        pts, s = _step_curve(loss, w)
    else:
        pts, s = loss.lambdas, np.asarray(loss.values()).T @ w
    k = _first_below(s, c, tol)
    lam = np.where(k < pts.size, pts[np.minimum(k, pts.size - 1)], loss.lambda_max)
    return lam, k < pts.size


def _solve_matrix(loss: Loss, W: np.ndarray, c: np.ndarray, tol: np.ndarray) -> tuple:
    if isinstance(loss, StepLoss):
        order = np.argsort(loss.loc)
        loc = loss.loc[order]
        group_end = np.r_[loc[1:] != loc[:-1], True] if loc.size else np.zeros(0, bool)
        return _step_rows(
            W,
            W @ loss.start,
            W @ final_losses(loss),
            c,
            tol,
            loss.owner[order],
            loss.jump[order],
            loc,
            group_end,
            float(loss.lambda_min),
            float(loss.lambda_max),
        )
    if isinstance(loss, HingeLoss):
        lo, b, a = loss.lambda_min, loss.bound, loss.a
        s0 = W @ np.minimum(b, np.maximum(a - lo, 0.0))
        slope0 = -(W @ ((a - b <= lo) & (lo < a)).astype(float))
        loc = np.r_[a - b, a]
        owner = np.r_[np.arange(a.size), np.arange(a.size)]
        sign = np.r_[-np.ones(a.size), np.ones(a.size)]
        keep = loc > lo
        order = np.argsort(loc[keep], kind="stable")
        return _hinge_rows(
            W,
            s0,
            slope0,
            c,
            tol,
            owner[keep][order],
            sign[keep][order],
            loc[keep][order],
            float(lo),
            float(loss.lambda_max),
        )
    assert isinstance(loss, GridLoss)
    table = np.asarray(loss.values())
    m, g = W.shape[0], table.shape[1]
    if g > 8 and W.min(initial=0.0) >= 0.0 and bool(np.all(table[:, :-1] >= table[:, 1:])):
        # monotone table: bisection per row (O(m n log G)) instead of the O(m n G) product
        k = _grid_rows(W, np.ascontiguousarray(table.T), c, tol)
        feas = k < g
        return np.where(feas, loss.lambdas[np.minimum(k, g - 1)], loss.lambda_max), feas
    lam = np.empty(m)
    feas = np.empty(m, dtype=bool)
    step = max(1, _CHUNK // max(g, W.shape[1]))
    for r0 in range(0, m, step):
        r1 = min(m, r0 + step)
        ok = (W[r0:r1] @ table) <= (c[r0:r1] + tol[r0:r1])[:, None]
        any_ok = ok.any(axis=1)
        j = ok.argmax(axis=1)
        # rows with no feasible column: argmax returns 0, the wrong end - use lambda_max
        lam[r0:r1] = np.where(any_ok, loss.lambdas[j], loss.lambda_max)
        feas[r0:r1] = any_ok
    return lam, feas


def solve(
    loss: Loss, w: np.ndarray, w_test: np.ndarray, target: float, unit: bool = False
) -> Solution:
    """Solve rule (★) for every test point.

    Parameters
    ----------
    loss : Loss
    w : ndarray, shape (n,) or (m, n)
        Calibration weights (shared, or one row per test point).
    w_test : ndarray, shape (m,)
        Test weights.
    target : float
        ``alpha``.
    unit : bool
        All weights are 1 (thresholds snapped to integers).

    Returns
    -------
    Solution
    """
    w_test = np.atleast_1d(np.asarray(w_test, dtype=float))
    inf = ~np.isfinite(w_test)
    w_test = np.where(inf, 1.0, w_test)
    n_w = w.sum(axis=-1) * np.ones(w_test.shape)
    c = thresholds(n_w, w_test, target, loss.bound, unit)
    tol = _tolerance(n_w, loss.bound)
    if w.ndim == 1:
        lam, feas = _solve_shared(loss, w, c, tol)
    else:
        lam, feas = _solve_matrix(loss, np.ascontiguousarray(w), c, tol)
    # an infinite test weight (covariate shift, w(x) = inf) forces lambda_max
    if inf.any():
        lam = np.where(inf, loss.lambda_max, lam)
        feas = feas & ~inf
    return Solution(np.asarray(lam, float), np.asarray(feas, bool), n_w, c)


def risk_curve(loss: Loss, w: np.ndarray, w_test: float) -> tuple[np.ndarray, np.ndarray]:
    """The weighted risk bound ``(S(lambda) + w_test B) / (N_w + w_test)`` at its knots."""
    if isinstance(loss, HingeLoss):
        pts, s, _ = _hinge_curve(loss, w)
    elif isinstance(loss, StepLoss):
        pts, s = _step_curve(loss, w)
    else:
        pts, s = loss.lambdas, np.asarray(loss.values()).T @ w
    n_w = float(w.sum())
    return pts, (s + w_test * loss.bound) / (n_w + w_test)
