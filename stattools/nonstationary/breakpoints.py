"""Multiple structural breaks in a linear regression (Bai & Perron 1998, 2003).

:func:`breakpoints` finds, for every number of breaks ``m = 0..max_breaks``, the partition
of the sample into ``m + 1`` segments of at least ``h`` observations that minimises the
residual sum of squares, by dynamic programming over the segment RSS "triangle" exactly as
R strucchange's ``breakpoints`` does (segment RSS from cumulated squared recursive
residuals; ties resolved towards the earliest break, as R's ``which.min``). The number of
breaks is chosen by BIC (default, as strucchange) or LWZ, or by sequential
sup-F(l+1|l) tests; break dates get Bai's (1997) confidence intervals as in strucchange's
``confint.breakpointsfull``.

The triangle is never stored: a single pass over segment start points computes each
column of segment RSS values by recursive least squares (numba) and updates the dynamic
programme for all ``m`` at once, so memory is ``O(n max_breaks)`` and time
``O(n^2 (k^2 + max_breaks))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import pandas as pd

from ..core.exceptions import DataError
from ._common import prepare
from .results_breaks import BreakpointsResult

__all__ = ["breakpoints", "segment_rss_dp", "hac_meat", "BreakData", "break_data"]


# ----------------------------------------------------------------------------- kernels
@numba.njit(cache=True)
def _rss_column(y, X, s, intercept_only, out):  # pragma: no cover - numba
    """out[e] = RSS of observations s..e-1 (e > s); NaN while X[s:e] is rank deficient.

    Returns the first ``e`` at which the segment design has full column rank.
    """
    n, k = X.shape
    for e in range(s, n + 1):
        out[e] = np.nan
    if intercept_only:
        acc = 0.0
        csum = y[s]
        out[s + 1] = 0.0
        for t in range(s + 1, n):
            j = t - s + 1  # observations so far, including t
            csum += y[t]
            w = (y[t] - csum / j) * math.sqrt(1.0 + 1.0 / (j - 1))
            acc += w * w
            out[t + 1] = acc
        return s + 1
    # accumulate until the segment design has full rank, then recursive least squares
    xtx = np.zeros((k, k))
    xty = np.zeros(k)
    L = np.zeros((k, k))
    P = np.zeros((k, k))
    beta = np.zeros(k)
    px = np.zeros(k)
    first = -1
    acc = 0.0
    for t in range(s, n):
        if first < 0:
            for a in range(k):
                xty[a] += X[t, a] * y[t]
                for b in range(k):
                    xtx[a, b] += X[t, a] * X[t, b]
            if t - s + 1 < k:
                continue
            scale = 0.0
            for a in range(k):
                scale = max(scale, xtx[a, a])
            ok = scale > 0.0
            for a in range(k):  # Cholesky xtx = L L' (pivots double as a rank check)
                if not ok:
                    break
                d = xtx[a, a]
                for c in range(a):
                    d -= L[a, c] * L[a, c]
                if d <= 1e-10 * scale:
                    ok = False
                    break
                L[a, a] = math.sqrt(d)
                for b in range(a + 1, k):
                    v = xtx[b, a]
                    for c in range(a):
                        v -= L[b, c] * L[a, c]
                    L[b, a] = v / L[a, a]
            if not ok:
                continue
            for col in range(k):  # P = (L L')^{-1}, column by column
                for a in range(k):
                    v = 1.0 if a == col else 0.0
                    for c in range(a):
                        v -= L[a, c] * px[c]
                    px[a] = v / L[a, a]
                for a in range(k - 1, -1, -1):
                    v = px[a]
                    for c in range(a + 1, k):
                        v -= L[c, a] * P[c, col]
                    P[a, col] = v / L[a, a]
            for a in range(k):
                v = 0.0
                for b in range(k):
                    v += P[a, b] * xty[b]
                beta[a] = v
            acc = 0.0
            for r in range(s, t + 1):
                rr = y[r]
                for a in range(k):
                    rr -= X[r, a] * beta[a]
                acc += rr * rr
            out[t + 1] = acc
            first = t + 1
            continue
        f = 1.0
        resid = y[t]
        for a in range(k):
            v = 0.0
            for b in range(k):
                v += P[a, b] * X[t, b]
            px[a] = v
            f += X[t, a] * v
            resid -= X[t, a] * beta[a]
        acc += resid * resid / f
        out[t + 1] = acc
        for a in range(k):
            beta[a] += px[a] / f * resid
            for b in range(k):
                P[a, b] -= px[a] * px[b] / f
    return first if first >= 0 else n + 1


@numba.njit(cache=True)
def _dp_kernel(y, X, h, M, intercept_only):  # pragma: no cover - numba
    n = y.size
    best = np.full((M + 1, n + 1), np.inf)
    arg = np.full((M + 1, n + 1), -1, dtype=np.int64)
    first_full = np.empty(n - h + 1, dtype=np.int64)
    col = np.empty(n + 1)
    for s in range(0, n - h + 1):
        first_full[s] = _rss_column(y, X, s, intercept_only, col)
        if s == 0:
            for e in range(h, n + 1):
                best[0, e] = col[e]
            continue
        for m in range(1, M + 1):
            prev = best[m - 1, s]
            if not prev < np.inf:
                continue
            for e in range(s + h, n + 1):
                v = prev + col[e]
                if v < best[m, e]:
                    best[m, e] = v
                    arg[m, e] = s
    return best, arg, first_full


def segment_rss_dp(
    y: np.ndarray, X: np.ndarray, h: int, max_breaks: int
) -> tuple[np.ndarray, list[tuple[int, ...]], np.ndarray]:
    """Optimal partitions for ``m = 0..max_breaks`` breaks with segments of >= ``h`` rows.

    Returns the minimal RSS per ``m`` (dynamic-programme values), the break positions
    (1-based ends of segments, as strucchange) and, per start point, the first end at
    which the segment design has full rank.

    Examples
    --------
    >>> y = np.r_[np.zeros(20), np.ones(20)] + np.tile([0.1, -0.1], 20)
    >>> rss, parts, _ = segment_rss_dp(y, np.ones((40, 1)), 5, 2)
    >>> parts[1]
    (20,)
    """
    y = np.ascontiguousarray(y, dtype=float)
    X = np.ascontiguousarray(X, dtype=float)
    intercept_only = bool(X.shape[1] == 1 and np.all(X == 1.0))
    best, arg, first_full = _dp_kernel(y, X, int(h), int(max_breaks), intercept_only)
    n = y.size
    parts: list[tuple[int, ...]] = []
    for m in range(max_breaks + 1):
        e, bps = n, []
        for level in range(m, 0, -1):
            e = int(arg[level, e])
            bps.append(e)
        parts.append(tuple(sorted(bps)))
    return best[:, n].copy(), parts, first_full


def hac_meat(psi: np.ndarray, lags: int) -> np.ndarray:
    """Bartlett long-run sum ``sum_l (1 - l/(lags+1)) (G_l + G_l')`` of score rows.

    Equals ``n`` times sandwich's ``meatHAC`` with ``NeweyWest(lag = lags, prewhite =
    FALSE, adjust = FALSE)`` weights (no division by ``n``).

    Examples
    --------
    >>> e = np.array([[1.0], [-1.0], [2.0]])
    >>> hac_meat(e, 0).item(), hac_meat(e, 1).item()
    (6.0, 3.0)
    """
    psi = np.asarray(psi, dtype=float)
    if psi.ndim == 1:
        psi = psi[:, None]
    S = psi.T @ psi
    for lag in range(1, min(int(lags), psi.shape[0] - 1) + 1):
        G = psi[lag:].T @ psi[:-lag]
        S = S + (1.0 - lag / (lags + 1.0)) * (G + G.T)
    return S


# ----------------------------------------------------------------------------- input
@dataclass(frozen=True)
class BreakData:
    """Response, design, terms and time stamps of a break analysis."""

    y: np.ndarray
    X: np.ndarray
    terms: list[str]
    time: np.ndarray
    time_name: str
    formula: str


def break_data(formula: str, data: pd.DataFrame, time: str | None, na_action: str) -> BreakData:
    """Parse ``formula`` (rows kept in data order, or sorted by ``time``)."""
    s = prepare(formula, data, time=time, na_action=na_action, sort=time is not None)
    if not np.all(np.isfinite(s.y)):
        raise DataError(f"the response of {formula!r} has non-finite values.")
    if not np.all(np.isfinite(s.X)):
        raise DataError(f"the design of {formula!r} has non-finite values.")
    if time is None:
        tv = np.arange(1, s.n + 1, dtype=float)
        name = "index"
    else:
        tv, name = np.asarray(s.time), s.time_name
    return BreakData(s.y, s.X, s.design.terms, tv, name, formula)


def segment_size(h: Any, n: int, k: int, name: str = "h") -> int:
    """Minimal segment size in observations from a fraction in (0, 0.5) or an integer."""
    if isinstance(h, bool) or not isinstance(h, int | float | np.integer | np.floating):
        raise DataError(f"{name} must be a fraction in (0, 0.5) or an integer, got {h!r}.")
    if isinstance(h, int | np.integer):
        hh = int(h)
        if hh < 1 or hh > n // 2:
            raise DataError(f"{name} = {hh} observations must lie in [1, n/2] = [1, {n // 2}].")
    else:
        if not (0.0 < float(h) < 0.5):
            raise DataError(f"{name} must be a fraction in (0, 0.5), got {h!r}.")
        hh = int(math.floor(n * float(h)))
    if hh <= k:
        raise DataError(
            f"{name} = {h!r} gives segments of {hh} observations, too few for the {k} "
            f"regression coefficients (n = {n}); need more than {k} per segment."
        )
    return hh


def breakpoints(
    formula: str,
    data: pd.DataFrame,
    h: float | int = 0.15,
    max_breaks: int | None = None,
    time: str | None = None,
    *,
    na_action: str = "raise",
) -> BreakpointsResult:
    """Multiple structural breaks in ``y ~ x`` by dynamic programming (Bai-Perron).

    Parameters
    ----------
    formula : str
        ``"y ~ 1"`` for breaks in the mean, ``"y ~ x"`` for breaks in all coefficients.
    data : pandas.DataFrame
    h : float or int, default 0.15
        Minimal segment size: a fraction of ``n`` in (0, 0.5) (``floor(n h)``
        observations, as strucchange) or a number of observations.
    max_breaks : int, optional
        Largest number of breaks considered; default ``ceiling(n / h_obs) - 2`` (the
        most that fit, as strucchange).
    time : str, optional
        Column with the time stamps in which break dates and intervals are reported
        (rows are sorted by it); default the observation number 1..n.
    na_action : {"raise", "drop"}

    Returns
    -------
    BreakpointsResult
        ``n_breaks`` (BIC), ``n_breaks_lwz``, ``breakpoints(m)``, ``break_dates(m)``,
        ``break_conf_int(m, ...)``, ``rss_table()``, ``sequential_test()``, ``plot()``.

    Raises
    ------
    DataError
        ``h`` outside (0, 0.5), ``max_breaks`` larger than fits ``h``, segments with no
        more observations than coefficients, or a segment whose design is singular.

    Notes
    -----
    For each ``m`` the estimated break dates minimise the total RSS over all partitions
    with segments of at least ``h`` observations (Bai & Perron 2003). BIC is strucchange's
    ``n (log(RSS/n) + 1 + log(2 pi)) + log(n) (k + 1)(m + 1)``; LWZ is Liu, Wu & Zidek
    (1997) as in Bai & Perron (2003): ``log(RSS/(n - p)) + p 0.299 log(n)^2.1 / n`` with
    ``p = (m + 1) k + m``. Results equal strucchange 1.5.3 (breaks exactly; RSS and BIC
    to 1e-6; see ``tests/nonstationary/test_breakpoints.py``).

    References
    ----------
    Bai, J. & Perron, P. (1998, 2003). Econometrica 66; J. Appl. Econometrics 18.
    Zeileis, A., Kleiber, C., Kraemer, W. & Hornik, K. (2003). Comput. Stat. Data Anal. 44.

    Examples
    --------
    >>> import stattools as st
    >>> nile = st.datasets.load_dataset("nile")
    >>> bp = st.breakpoints("volume ~ 1", data=nile, time="year")
    >>> bp.n_breaks, bp.break_dates().tolist()
    (1, [1898])
    """
    bd = break_data(formula, data, time, na_action)
    n, k = bd.X.shape
    hh = segment_size(h, n, k)
    most = math.ceil(n / hh) - 2
    if max_breaks is None:
        mb = most
    else:
        if isinstance(max_breaks, bool) or not isinstance(max_breaks, int | np.integer):
            raise DataError(f"max_breaks must be an integer >= 1, got {max_breaks!r}.")
        mb = int(max_breaks)
        if mb < 1:
            raise DataError(f"max_breaks must be an integer >= 1, got {max_breaks!r}.")
        if mb > most:
            raise DataError(
                f"max_breaks = {mb} is too large for h = {h!r} ({hh} observations per "
                f"segment, n = {n}): at most {most}."
            )
    if most < 1:
        raise DataError(f"h = {h!r} leaves no room for a break with n = {n} observations.")
    _, parts, first_full = segment_rss_dp(bd.y, bd.X, hh, mb)
    starts = np.arange(first_full.size)
    bad = np.nonzero(((starts == 0) | (starts >= hh)) & (first_full - starts > hh))[0]
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"the design of {formula!r} is singular in the segment of h = {hh} observations "
            f"starting at observation {i + 1}: a term ({', '.join(bd.terms)}) is constant or "
            "collinear there; increase h or drop the term."
        )
    rss = np.array([_partition_rss(bd.y, bd.X, p) for p in parts])
    return BreakpointsResult(
        formula=formula,
        terms=tuple(bd.terms),
        y=bd.y,
        X=bd.X,
        time=bd.time,
        time_name=bd.time_name,
        h=float(h) if isinstance(h, float) else hh / n,
        h_obs=hh,
        max_breaks=mb,
        partitions=tuple(parts),
        rss=rss,
    )


def _partition_rss(y: np.ndarray, X: np.ndarray, bps: tuple[int, ...]) -> float:
    edges = [0, *bps, y.size]
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        beta, *_ = np.linalg.lstsq(X[a:b], y[a:b], rcond=None)
        r = y[a:b] - X[a:b] @ beta
        total += float(r @ r)
    return total


# ----------------------------------------------------------------------------- intervals
def _ols(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    return beta, y - X @ beta


def _omega(X: np.ndarray, resid: np.ndarray, lags: int | None, sigma2: float) -> np.ndarray:
    """Per-observation long-run covariance of the scores (``sigma2 Q`` without HAC)."""
    n = X.shape[0]
    if lags is None:
        return sigma2 * (X.T @ X) / n
    return hac_meat(X * resid[:, None], lags) / n


def break_intervals(
    y: np.ndarray,
    X: np.ndarray,
    bps: tuple[int, ...],
    level: float = 0.95,
    het_reg: bool = True,
    het_err: bool = True,
    lags: int | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Bai (1997) intervals for break positions, as strucchange's ``confint``.

    ``lags=None`` is strucchange's default; an integer ``lags`` is its ``vcov. =
    NeweyWest(lag = lags, prewhite = FALSE, adjust = FALSE)`` (HAC) version. Returns the
    continuous lower and upper offsets (``bp - upper`` ... ``bp - lower`` in strucchange's
    convention) and warnings for intervals that cannot be computed (NaN).
    """
    from scipy import optimize

    from .strucchange_pvalues import pargmax_v

    n = y.size
    a2 = (1.0 - level) / 2.0
    edges = [0, *bps, n]
    res = np.concatenate(
        [_ols(X[a:b], y[a:b])[1] for a, b in zip(edges[:-1], edges[1:], strict=True)]
    )
    sigma2 = float(res @ res) / n
    Q = X.T @ X / n
    if lags is None:
        Om = sigma2 * Q
    else:
        _, r_nb = _ols(X, X.sum(axis=1) + res)
        Om = _omega(X, r_nb, lags, sigma2)
    segs = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        Xs = X[a:b]
        beta, r = _ols(Xs, y[a:b])
        Qs = Xs.T @ Xs / (b - a) if het_reg else Q
        s2 = float(r @ r) / (b - a) if het_err else sigma2
        Os = (_omega(Xs, r, lags, s2) if lags is not None else s2 * Qs) if het_err else Om
        segs.append((beta, Qs, s2, Os))
    lower = np.full(len(bps), np.nan)
    upper = np.full(len(bps), np.nan)
    notes: list[str] = []
    for i in range(1, len(segs)):
        beta1, Q1, s1, O1 = segs[i - 1]
        beta2, Q2, s2, O2 = segs[i]
        d = beta2 - beta1
        q1, q2 = float(d @ Q1 @ d), float(d @ Q2 @ d)
        xi = q2 / q1 if het_reg else 1.0
        if lags is None:
            phi1, phi2 = math.sqrt(s1), math.sqrt(s2)
        else:
            phi1, phi2 = math.sqrt(float(d @ O1 @ d) / q1), math.sqrt(float(d @ O2 @ d) / q2)

        def cdf(x: float, xi: float = xi, phi1: float = phi1, phi2: float = phi2) -> float:
            return float(pargmax_v(x, xi=xi, phi1=phi1, phi2=phi2))

        p0 = cdf(0.0)
        if not (a2 <= p0 <= 1 - a2):
            notes.append(
                f"confidence interval {i} cannot be computed: P(argmax V <= 0) = {p0:.4g}."
            )
            continue
        ub, lb = 0.0, 0.0
        while cdf(ub) < 1 - a2:
            ub += 1000.0
        while cdf(lb) > a2:
            lb -= 1000.0
        tol = dict(xtol=1e-13, rtol=4 * np.finfo(float).eps)
        up = optimize.brentq(lambda x: cdf(x) - (1 - a2), 0.0, ub, **tol)
        lo = optimize.brentq(lambda x: cdf(x) - a2, lb, 0.0, **tol)
        upper[i - 1] = up * phi1**2 / q1
        lower[i - 1] = lo * phi1**2 / q1
    return lower, upper, notes


def _split_wald(Xs: np.ndarray, ys: np.ndarray, hs: int, lags: int | None) -> np.ndarray:
    """Chow (lags=None) or HAC Wald statistics for one break at every admissible point.

    Chow: ``(RSS - RSS_1 - RSS_2) / (RSS_split / (n - 2k))`` (strucchange ``Fstats``); HAC:
    strucchange's ``vcov.`` version, the Wald statistic of the coefficient shift in
    ``y ~ 0 + [X, X 1(t > tau)]`` with a Bartlett (``NeweyWest``) covariance.
    """
    n, k = Xs.shape
    pts = np.arange(hs, n - hs + 1)
    out = np.empty(pts.size)
    _, e = _ols(Xs, ys)
    sume2 = float(e @ e)
    if lags is None:
        # RSS of every prefix and suffix from forward / backward recursive residuals, O(n k^2)
        io = bool(k == 1 and np.all(Xs == 1.0))
        fwd = np.empty(n + 1)
        bwd = np.empty(n + 1)
        _rss_column(np.ascontiguousarray(ys), np.ascontiguousarray(Xs), 0, io, fwd)
        _rss_column(np.ascontiguousarray(ys[::-1]), np.ascontiguousarray(Xs[::-1]), 0, io, bwd)
        u2 = fwd[pts] + bwd[n - pts]
        return (sume2 - u2) / (u2 / (n - 2 * k))
    for j, tau in enumerate(pts):
        Z = np.hstack([Xs, Xs * (np.arange(n) >= tau)[:, None]])
        b, r = _ols(Z, ys)
        bread = np.linalg.inv(Z.T @ Z)
        V = bread @ hac_meat(Z * r[:, None], lags) @ bread
        d = b[k:]
        out[j] = float(d @ np.linalg.solve(V[k:, k:], d))
    return out


def sequential_sup_f(
    y: np.ndarray,
    X: np.ndarray,
    parts: tuple[tuple[int, ...], ...],
    h_frac: float,
    lags: int | None = None,
) -> pd.DataFrame:
    """Bai-Perron sup-F(l+1|l) statistics for ``l = 0..len(parts)-2``.

    Within each segment of the ``l``-break partition the break is searched over points
    at least ``max(k + 1, floor(h_frac * segment length))`` from its ends (Bai & Perron
    1998, Lambda_{i,eta}); the statistic is the maximum over segments. The p-value is
    ``1 - (1 - p_supF)^(l+1)`` with Hansen's (1997) approximation of the sup-F
    distribution for trimming ``h_frac`` (Bai & Perron 1998, Proposition 9).
    """
    from .strucchange_pvalues import pvalue_fstats

    n, k = X.shape
    lam = ((1.0 - h_frac) / h_frac) ** 2
    rows = []
    for l_, bps in enumerate(parts[:-1]):
        edges = [0, *bps, n]
        stat, where = -np.inf, -1
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            hs = max(k + 1, int(math.floor(h_frac * (b - a))))
            if b - a < 2 * hs:
                continue
            w = _split_wald(X[a:b], y[a:b], hs, lags)
            j = int(np.argmax(w))
            if w[j] > stat:
                stat, where = float(w[j]), a + hs + j
        if not np.isfinite(stat):
            rows.append((l_, l_ + 1, np.nan, np.nan, -1))
            continue
        p1 = pvalue_fstats(stat, "supF", k, lam)
        rows.append((l_, l_ + 1, stat, -math.expm1((l_ + 1) * math.log1p(-p1)), where))
    return pd.DataFrame(rows, columns=["breaks", "alternative", "statistic", "pvalue", "at"])
