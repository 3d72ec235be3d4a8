"""Local long-run variance profiles that ignore mean changes, and Gaussian plug-in draws.

:func:`lrv_profile` estimates ``sigma^2(u_i)`` at every observation from second-order
block differences of the AR(1)-prewhitened series (Wu and Zhao 2007; Andrews and Monahan
1992), so a change in mean - a jump or a smooth trend - barely enters it: a linear trend
cancels exactly and a single jump contaminates only the ``3m`` differences that straddle
it. :func:`ar_gaussian_draws` then simulates the null process with that variance profile
and the estimated short-range (AR(1)) dependence; :func:`gaussian_cusum_draws` does the
same for the CUSUM in one compiled pass per draw. This is the engine behind the default
``cusum_test(method="gaussian")`` and :func:`~stattools.nonstationary.weighted_test`.

Not confirmed from the source
-----------------------------
Palm and Nagler (2025) was not available in full. Gaussian plug-in draws with a local
long-run variance follow Wu and Zhao (2007) and Zhou (2013); the AR(1) colouring of the
draws, the binning for long series and all constants are ours.

References
----------
Wu, W. B. and Zhao, Z. (2007). Inference of trends in time series. *JRSSB* 69, 391-410.
Zhou, Z. (2013). Heteroscedasticity and autocorrelation robust structural change
detection. *JASA* 108, 726-740.
Andrews, D. W. K. and Monahan, J. C. (1992). *Econometrica* 60, 953-966.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..core.exceptions import DataError
from .lrv import _kernel_smooth, block_differences, default_tau

__all__ = [
    "AR_BOUND",
    "ar1_from_differences",
    "lrv_profile",
    "global_lrv",
    "column_lrv",
    "ar_paths",
    "studentiser",
    "local_q",
    "gaussian_cusum_draws",
]

AR_BOUND = 0.9
"""Bound on the prewhitening AR(1) coefficient (recolouring by ``(1 - rho)^-2``)."""

N_BINS = 4000
"""Squared block differences are averaged into at most this many bins before smoothing."""


def ar1_from_differences(y: np.ndarray, bound: float = AR_BOUND) -> float:
    """AR(1) coefficient ``rho = 1 + 2 r_1(diff y)`` from demeaned first differences, clipped.

    For an AR(1) the differences have lag-one autocorrelation ``-(1 - rho) / 2``. Smooth
    trends and single mean shifts barely move it (they add a constant or one outlier to
    the differences).

    Examples
    --------
    >>> from scipy import signal
    >>> e = signal.lfilter([1.0], [1.0, -0.5], np.random.default_rng(0).normal(size=20000))
    >>> bool(abs(ar1_from_differences(e + np.r_[np.zeros(10000), 3 * np.ones(10000)]) - 0.5) < 0.05)
    True
    """
    d = np.diff(np.asarray(y, dtype=float))
    if d.size < 3:
        return 0.0
    d = d - d.mean()
    den = float(d @ d)
    if den <= 0:
        return 0.0
    return float(np.clip(1.0 + 2.0 * float(d[1:] @ d[:-1]) / den, -bound, bound))


def _bin(x: np.ndarray, v: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    if x.size <= bins:
        return x, v
    edges = np.linspace(0, x.size, bins + 1).astype(int)
    width = np.diff(edges)
    return np.add.reduceat(x, edges[:-1]) / width, np.add.reduceat(v, edges[:-1]) / width


def lrv_profile(
    y: np.ndarray,
    u: np.ndarray | None = None,
    *,
    m: int = 1,
    tau: float | None = None,
    prewhiten: bool = True,
) -> dict:
    """Local long-run variance at every observation, robust to changes in the mean.

    With ``rho`` from :func:`ar1_from_differences` (0 if ``prewhiten=False``) and
    ``w_i = y_i - rho y_{i-1}``, the squared second-order block differences
    ``Q_j^2 / (6 m)`` of ``w`` (:func:`~stattools.nonstationary.lrv.block_differences`),
    divided by ``(1 - rho)^2``, are smoothed over rescaled time by a local-linear
    Epanechnikov smoother with bandwidth ``tau`` (local averages where that is not
    positive) and interpolated to every observation.

    Parameters
    ----------
    y : ndarray, shape (n,)
    u : ndarray, optional
        Rescaled times in [0, 1] (default equally spaced).
    m : int, default 1
        Block length; needs ``3 m < n - 1``. ``m = 1`` (second differences of the whitened
        series) has the least noise and lets a jump touch only three differences; larger
        ``m`` guards against dependence the AR(1) prewhitening leaves behind.
    tau : float, optional
        Smoothing bandwidth (default ``min(0.5, n^{-1/5})``).
    prewhiten : bool, default True

    Returns
    -------
    dict
        ``s2`` (ndarray, ``sigma^2(u_i)``), ``rho``, ``m``, ``tau``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(size=3000) + np.r_[np.zeros(1500), 5 * np.ones(1500)]
    >>> round(float(lrv_profile(y)["s2"].mean()), 2)  # the jump of 5 sd barely enters
    1.01
    """
    y = np.asarray(y, dtype=float)
    n = y.size
    m = int(m)
    tau = default_tau(n) if tau is None else float(tau)
    if m < 1 or 3 * m >= n - 1:
        raise DataError(f"m must be an integer in [1, (n - 1)/3); got m={m} with n={n}.")
    if not 0 < tau <= 1:
        raise DataError(f"tau must lie in (0, 1], got {tau!r}.")
    if u is None:
        u = np.linspace(0.0, 1.0, n)
    yc = y - y.mean()
    rho = ar1_from_differences(yc) if prewhiten else 0.0
    w = yc[1:] - rho * yc[:-1]
    q2, centre = block_differences(w, m, order=2)
    q2 = q2 / (1.0 - rho) ** 2
    uq = np.interp(centre + 1.0, np.arange(n), u)
    xb, vb = _bin(uq, q2, N_BINS)
    uc = np.linspace(0.0, 1.0, min(n, 200))
    s2c = _kernel_smooth(xb, vb, uc, tau)
    s2 = np.interp(u, uc, s2c)
    return {"s2": s2, "rho": float(rho), "m": int(m), "tau": float(tau)}


@numba.njit(cache=True)
def _ar1_diff_numba(e, bound):  # pragma: no cover - compiled
    n = e.size
    sd = 0.0
    for i in range(1, n):
        sd += e[i] - e[i - 1]
    mean = sd / (n - 1)
    den = 0.0
    num = 0.0
    prev = 0.0
    for i in range(1, n):
        d = e[i] - e[i - 1] - mean
        den += d * d
        if i > 1:
            num += d * prev
        prev = d
    if den <= 0.0:
        return 0.0
    r = 1.0 + 2.0 * num / den
    return min(max(r, -bound), bound)


@numba.njit(cache=True)
def _q2_mean(e, rho, m):  # pragma: no cover - compiled
    """Mean of ``Q_j^2 / (6 m)`` of the whitened ``e_i - rho e_{i-1}``, over ``(1 - rho)^2``."""
    n = e.size - 1
    cs = np.empty(n + 1)
    cs[0] = 0.0
    for i in range(n):
        cs[i + 1] = cs[i] + e[i + 1] - rho * e[i]
    tot = 0.0
    cnt = 0
    for j in range(m, n - 2 * m + 1):
        q = (cs[j] - cs[j - m]) - 2.0 * (cs[j + m] - cs[j]) + (cs[j + 2 * m] - cs[j + m])
        tot += q * q
        cnt += 1
    return tot / (6.0 * m * cnt) / (1.0 - rho) ** 2


@numba.njit(cache=True)
def _column_lrv(x, m, prewhiten, bound):  # pragma: no cover - compiled
    n, b = x.shape
    out = np.empty(b)
    e = np.empty(n)
    for j in range(b):
        for i in range(n):
            e[i] = x[i, j]
        r = _ar1_diff_numba(e, bound) if prewhiten else 0.0
        out[j] = _q2_mean(e, r, m)
    return out


def column_lrv(x: np.ndarray, m: int, prewhiten: bool = True) -> np.ndarray:
    """:func:`global_lrv` of every column of ``x`` (draws), prewhitened as for the data."""
    return _column_lrv(np.asarray(x, dtype=float), int(m), bool(prewhiten), AR_BOUND)


def global_lrv(y: np.ndarray, rho: float, m: int) -> float:
    """Mean of the prewhitened squared block differences of ``y - mean(y)``.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=20000)
    >>> bool(abs(global_lrv(x, 0.0, 4) - 1) < 0.05)
    True
    """
    yc = np.asarray(y, dtype=float) - float(np.mean(y))
    return float(_q2_mean(yc, float(rho), int(m)))


def ar_paths(z: np.ndarray, s: np.ndarray, rho: float) -> np.ndarray:
    """The AR(1)-coloured draws themselves, ``(n, B)`` (for general linear functionals)."""
    from scipy import signal

    e = s[:, None] * z
    e[0] /= math.sqrt(1.0 - rho * rho)
    if rho == 0:
        return e
    return signal.lfilter([1.0], [1.0, -rho], e, axis=0)


@numba.njit(cache=True)
def _studentiser(x, k, mode, m, prewhiten, bound):  # pragma: no cover - compiled
    """Long-run variance of the centred series ``x`` used to studentise a CUSUM.

    ``mode = 0``: prewhitened second-order block differences (:func:`global_lrv`, AR(1)
    coefficient from the differences). ``mode = 1``: AR(1)-prewhitened variance of the
    residuals ``r`` after removing the two segment means at ``k`` (the CUSUM argmax),
    ``sum (r_i - a r_{i-1})^2 / (n - 1) / (1 - a)^2`` with ``a`` the lag-one
    autocorrelation of ``r``, clipped to ``+/- bound``.
    """
    n = x.size
    if mode == 0:
        r = _ar1_diff_numba(x, bound) if prewhiten else 0.0
        return _q2_mean(x, r, m)
    s1 = 0.0
    s2 = 0.0
    for i in range(n):
        if i < k:
            s1 += x[i]
        else:
            s2 += x[i]
    m1 = s1 / k
    m2 = s2 / (n - k)
    prev = x[0] - m1
    c0 = prev * prev
    c1 = 0.0
    for i in range(1, n):
        cur = x[i] - (m1 if i < k else m2)
        c0 += cur * cur
        c1 += cur * prev
        prev = cur
    a = 0.0
    if prewhiten and c0 > 0:
        a = min(max(c1 / c0, -bound), bound)
    first = x[0] - m1
    # sum_{i>=1} (r_i - a r_{i-1})^2 from the moments (prev is now r_{n-1})
    v = (c0 - first * first) - 2.0 * a * c1 + a * a * (c0 - prev * prev)
    return max(v, 0.0) / (n - 1) / (1.0 - a) ** 2


def studentiser(x: np.ndarray, k: int, mode: int, m: int = 1, prewhiten: bool = True) -> float:
    """Python entry to the CUSUM studentiser (see :func:`gaussian_cusum_draws`).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=20000)
    >>> x -= x.mean()
    >>> bool(abs(studentiser(x, 10000, 1) - 1) < 0.05)
    True
    """
    x = np.ascontiguousarray(x, dtype=float)
    return float(_studentiser(x, int(k), int(mode), int(m), bool(prewhiten), AR_BOUND))


_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_LOW = np.uint64(0xFFFFFFFF)
_BYTES = np.uint64(0x01010101)
_S1 = np.uint64(1)
_S2 = np.uint64(2)
_S4 = np.uint64(4)
_S24 = np.uint64(24)
_S32 = np.uint64(32)
_FF = np.uint64(0xFF)
BINOMIAL_SCALE = 1.0 / math.sqrt(8.0)
"""``(popcount of 32 random bits - 16) / sqrt(8)``: mean 0, variance 1, kurtosis 2.94."""


@numba.njit(cache=True, inline="always")
def _binomial_pair(v):  # pragma: no cover - compiled
    """Bit counts of the low and high 32 bits of ``v`` (SWAR popcount)."""
    x = v - ((v >> _S1) & _M1)
    x = (x & _M2) + ((x >> _S2) & _M2)
    x = (x + (x >> _S4)) & _M4
    lo = (((x & _LOW) * _BYTES) & _LOW) >> _S24
    hi = (((x >> _S32) * _BYTES) & _LOW) >> _S24
    return float(lo & _FF), float(hi & _FF)


_R7 = np.uint64(7)
_R57 = np.uint64(57)
_R17 = np.uint64(17)
_R45 = np.uint64(45)
_R19 = np.uint64(19)
_X5 = np.uint64(5)
_X9 = np.uint64(9)


@numba.njit(cache=True, inline="always")
def _xoshiro_next(st):  # pragma: no cover - compiled
    """xoshiro256** (Blackman and Vigna 2018): next 64-bit word, state ``st`` updated."""
    s1 = st[1] * _X5
    result = ((s1 << _R7) | (s1 >> _R57)) * _X9
    t = st[1] << _R17
    st[2] ^= st[0]
    st[3] ^= st[1]
    st[1] ^= st[2]
    st[0] ^= st[3]
    st[2] ^= t
    st[3] = (st[3] << _R45) | (st[3] >> _R19)
    return result


def _xoshiro_state(gen: np.random.Generator) -> np.ndarray:
    """A xoshiro256** state seeded from ``gen``'s bit stream (never all zero)."""
    st = np.asarray(gen.bit_generator.random_raw(4), dtype=np.uint64).copy()
    if not st.any():
        st[0] = np.uint64(1)
    return st


@numba.njit(cache=True)
def binomial_innovations(st, n):  # pragma: no cover - compiled
    """The first ``n`` innovations the kernel draws from xoshiro state ``st`` (a copy)."""
    st = st.copy()
    out = np.empty(n)
    for i in range(0, n, 2):
        lo, hi = _binomial_pair(_xoshiro_next(st))
        out[i] = (lo - 16.0) * BINOMIAL_SCALE
        if i + 1 < n:
            out[i + 1] = (hi - 16.0) * BINOMIAL_SCALE
    return out


@numba.njit(cache=True)
def _gaussian_cusum_kernel(st, size, s, rho, w, m, prewhiten, mode, bound):  # pragma: no cover
    n = s.size
    out = np.empty((2, size))
    x = np.empty(n)
    sc = np.empty(n)
    sw = 0.0
    for i in range(n):
        sw += w[i]
        sc[i] = s[i] * BINOMIAL_SCALE
    sc[0] /= math.sqrt(1.0 - rho * rho)
    for j in range(size):
        e = 0.0
        tot = 0.0
        for i in range(0, n, 2):
            lo, hi = _binomial_pair(_xoshiro_next(st))
            e = rho * e + sc[i] * (lo - 16.0)
            x[i] = e
            tot += e
            if i + 1 < n:
                e = rho * e + sc[i + 1] * (hi - 16.0)
                x[i + 1] = e
                tot += e
        c = tot / sw
        acc = 0.0
        mx = 0.0
        ss = 0.0
        k = 1
        for i in range(n - 1):
            xi = x[i] - w[i] * c
            x[i] = xi
            acc += xi
            a = abs(acc)
            if a > mx:
                mx = a
                k = i + 1
            ss += acc * acc
        x[n - 1] -= w[n - 1] * c
        s2 = _studentiser(x, k, mode, m, prewhiten, bound)
        out[0, j] = mx / math.sqrt(n * s2)
        out[1, j] = ss / (n * (n - 1.0)) / s2
    return out


def gaussian_cusum_draws(
    size: int,
    gen: np.random.Generator,
    s: np.ndarray,
    rho: float,
    w: np.ndarray,
    m: int,
    prewhiten: bool,
    mode: int,
    row: int,
) -> np.ndarray:
    """``size`` studentised (weighted) CUSUM statistics of AR(1)-coloured near-Gaussian draws.

    The draw is ``e_i = rho e_{i-1} + s_i z_i`` (stationary start), centred as the data
    are, ``x_i = e_i - w_i sum_k e_k / sum_k w_k``, and studentised by
    :func:`studentiser` of ``x`` with ``k`` its own CUSUM argmax (``mode`` as there).
    Row 0: sup, row 1: Cramer-von Mises.

    The innovations ``z_i`` are standardised Binomial(32, 1/2) variables,
    ``(popcount of 32 random bits - 16) / sqrt(8)`` (mean 0, variance 1, kurtosis 2.94,
    support ``|z| <= 5.66``), two per 64-bit word of a xoshiro256** stream (Blackman and
    Vigna 2018) seeded from ``gen``: several times cheaper than N(0, 1) draws, and the
    partial sums and variance estimates the statistic is made of are Gaussian to the
    same order. Integer bit counts make every draw exactly reproducible on any CPU. The
    compiled kernel makes three passes over one ``n``-vector per draw and builds no
    ``(n, B)`` matrix.
    """
    s = np.ascontiguousarray(s, dtype=float)
    w = np.ascontiguousarray(w, dtype=float)
    res = _gaussian_cusum_kernel(
        _xoshiro_state(gen), int(size), s, float(rho), w, int(m), bool(prewhiten), int(mode),
        AR_BOUND,
    )  # fmt: skip
    return res[row]


def local_q(x: np.ndarray, half: int, bound: float = AR_BOUND) -> np.ndarray:
    """Local long-run variances of every column of ``x`` (``(n, B)``), robust to mean shifts.

    Per column: the AR(1) coefficient ``r`` from the first differences
    (:func:`ar1_from_differences`), the whitened ``w_i = x_i - r x_{i-1}``, the squared
    second differences ``(w_j - 2 w_{j+1} + w_{j+2})^2 / 6 / (1 - r)^2`` placed at the
    middle observation (the ends take the nearest value), then a centred moving average
    over ``2 half + 1`` observations (truncated at the ends).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(20000, 1)) * np.r_[np.ones(10000), 3 * np.ones(10000)][:, None]
    >>> q = local_q(x, 50)[:, 0]
    >>> bool(abs(q[:9000].mean() - 1) < 0.1 and abs(q[11000:].mean() / 9 - 1) < 0.1)
    True
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    d = np.diff(x, axis=0)
    d = d - d.mean(axis=0, keepdims=True)
    den = np.sum(d * d, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(den > 0, 1.0 + 2.0 * np.sum(d[1:] * d[:-1], axis=0) / den, 0.0)
    r = np.clip(r, -bound, bound)
    w = x[1:] - r * x[:-1]
    q = (w[:-2] - 2.0 * w[1:-1] + w[2:]) ** 2 / 6.0 / (1.0 - r) ** 2
    q = np.concatenate([q[:1], q[:1], q, q[-1:]], axis=0)  # centres 2..n-2 -> 0..n-1
    cs = np.concatenate([np.zeros((1, x.shape[1])), np.cumsum(q, axis=0)])
    i = np.arange(n)
    lo = np.maximum(i - half, 0)
    hi = np.minimum(i + half + 1, n)
    return (cs[hi] - cs[lo]) / (hi - lo)[:, None]
