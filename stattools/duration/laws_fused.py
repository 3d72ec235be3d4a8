r"""Log densities of the innovation laws with analytic derivatives, fused with the ACD.

For each law with shape parameters, the per-point log density ``log f(e)``, the score
``e d log f / d e`` and the derivatives ``d log f / d shape_j`` are computed in closed form.
Everything that depends on the shape only (the log unit-mean scale ``L`` and its
derivatives, which need the digamma function) is computed once per call in Python by the
law (``Innovation._consts``) and passed as the constant vector ``c``. Per point, the
transcendental parts (``log e``, one exponential term ``z`` and its ``log1p``) are
vectorised numpy calls into reused buffers (:func:`_prelude`; numpy's SIMD ``exp``/``log``
are ~10x faster than the scalar C library here, and fresh 8 MB temporaries cost page
faults), the remaining algebra is compiled (:func:`_rest`, :func:`_el`).

:func:`law_arrays` returns the per-point values (the laws' ``loglik_parts``);
:func:`acd_law_fg` fuses them with the linear ACD(p, q) recursion and its adjoint pass: one
objective-and-gradient evaluation costs about what the exponential QMLE's ``_acd_exp_fg``
costs.

Derivations, with ``le = log e``, ``t = le - L`` and ``' = d/d shape``:

* Weibull(k): ``log f = log k - L + (k-1) t - z``, ``z = e^(k t)``,
  ``d/dk = 1/k + t - k L' - z (t - k L')``, ``L = -lgamma(1 + 1/k)``.
* Generalised gamma(k, nu): ``log f = log k - L - lgamma(nu) + (k nu - 1) t - z``.
* Burr(kappa, s2): ``log f = log kappa - L + (kappa-1) t - (1/s2 + 1) log1p(s2 z)``,
  ``z = e^(kappa t)``; the ``s2`` derivative uses ``h(w) = log1p(w) - w / (1 + w)``
  (a series for small ``w``) to avoid the cancellation of its ``1/s2^2`` terms.
* q-Weibull(a, q): ``log f = log a + log(2-q) - a L + (a-1) le - log1p(w) / (q-1)``,
  ``w = (q-1) z``, ``z = e^(a t)``; ``d/dq`` again through ``h(w) / (q-1)^2``.
* Generalised F(kappa, eta, gamma): ``log f = const + kappa gamma t - le - (eta + kappa)
  log1p(y)``, ``y = e^(gamma t) / eta``.
* Log-normal(sigma): ``log f = -le - log sigma - log(2 pi)/2 - u^2/2``,
  ``u = (le + sigma^2/2) / sigma``.
* Mixture (p, a, q, lambda): ``log f = logaddexp(log p + log f_q, log(1-p) - log lambda -
  e/lambda)``; each derivative is the posterior-weighted one of its component, the
  q-Weibull part's log scale ``LB = L_q(a, q) + log(1 - (1-p) lambda) - log p``.

The tests (``tests/duration/test_distributions_analytic.py``) check every derivative
against central differences of ``logpdf`` and the fused objective against the unfused one.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Iterator

import numba
import numpy as np
from scipy import special

__all__ = ["law_arrays", "law_scores", "acd_law_fg", "h_stable", "work_buffers"]

WEIBULL, GENGAMMA, BURR, LOGNORMAL, QWEIBULL, GENF, MIXQWE = 1, 2, 3, 4, 5, 6, 7
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def law_arrays(code: int, c: np.ndarray, e: np.ndarray, nsh: int):
    """Log density, score and shape derivatives (n x nsh) over the array ``e`` (the
    vectorised parts into reused buffers, then the compiled algebra).

    Examples
    --------
    >>> from stattools.duration.distributions import Weibull
    >>> law, e = Weibull(0.8), np.array([0.5, 1.0, 2.0])
    >>> lf, sc, d = law_arrays(law._code, law.kernel_consts((0.8,)), e, 1)
    >>> bool(np.allclose(lf, law.logpdf(e))), d.shape
    (True, (3, 1))
    """
    n = e.shape[0]
    _, le, ex, l1, a1, a2, tmp, _, tmp2 = _buffers(n)
    out = (np.empty(n), np.empty(n), np.empty((n, nsh)))
    with np.errstate(all="ignore"):
        np.log(e, out=le)
        _prelude(code, c, e, le, ex, l1, a1, a2, tmp, tmp2)
        _rest_store(code, c, e, le, ex, l1, a1, a2, out)
    return out


def law_scores(code: int, c: np.ndarray, x: np.ndarray, psi: np.ndarray, jac, log: bool, nsh: int):
    """Per-observation gradients of ``-log f(x_i / psi_i) + log psi_i`` (n x (k + nsh)):
    ``(1 + score) ds/dtheta`` (divided by ``psi`` unless the state is ``log psi``) and
    ``-d log f / d shape``, the law's per-point values computed into the work buffers and
    the shape block written straight into the result (``recursion.obs_scores`` computes
    the same with fresh temporaries, whose first-touch page faults cost more than the
    arithmetic at n = 10^6).

    Examples
    --------
    >>> from stattools.duration.distributions import Weibull
    >>> law = Weibull(0.8)
    >>> x, psi = np.array([0.5, 1.5, 1.0]), np.array([1.0, 1.2, 0.9])
    >>> jac = np.ones((3, 3))  # d psi / d theta, here constant
    >>> s = law_scores(law._code, law.kernel_consts((0.8,)), x, psi, jac, False, 1)
    >>> e = x / psi
    >>> bool(np.allclose(s[:, 0], (1 + law.score_eps(e)) / psi)), s.shape
    (True, (3, 4))
    >>> bool(np.allclose(s[:, 3], -law.dlogpdf_shape(e)[:, 0]))
    True
    """
    n, k = jac.shape
    e, le, ex, l1, a1, a2, tmp, sc, tmp2 = _buffers(n)
    out = np.empty((n, k + nsh))
    dsh = out[:, k:]
    with np.errstate(all="ignore"):
        np.divide(x, psi, out=e)
        np.log(e, out=le)
        _prelude(code, c, e, le, ex, l1, a1, a2, tmp, tmp2)
        _rest_store(code, c, e, le, ex, l1, a1, a2, (tmp, sc, dsh))
        np.negative(dsh, out=dsh)
        sc += 1.0
        if not log:
            sc /= psi
        np.multiply(jac, sc[:, None], out=out[:, :k])
    return out


@numba.njit(cache=True, error_model="numpy")
def _acd_psi(omega, alpha, beta, x, b, psi, e):  # pragma: no cover - compiled
    """Linear ACD(p, q) conditional durations into ``psi`` and ``e = x / psi``; returns
    ``sum(log psi)`` (a running product renormalised by frexp, as ``_acd_exp_fg``), or
    ``nan`` on a state outside (1e-300, 1e300)."""
    n = x.shape[0]
    p = alpha.shape[0]
    q = beta.shape[0]
    mant = 1.0
    expo = 0
    if p == 1 and q == 1:  # ACD(1,1): the lags carried in registers (2x faster, same sums)
        a1, b1 = alpha[0], beta[0]
        xp = pp = b
        for i in range(n):
            v = omega
            v += a1 * xp
            v += b1 * pp
            if not (v > 1e-300) or not (v < 1e300):
                return math.nan
            psi[i] = v
            xp = x[i]
            pp = v
            e[i] = xp / v
            mant *= v
            if (i & 7) == 7:
                mant, ex = math.frexp(mant)
                expo += ex
        return math.log(mant) + expo * math.log(2.0)
    for i in range(n):
        v = omega
        for j in range(1, p + 1):
            v += alpha[j - 1] * (x[i - j] if i >= j else b)
        for j in range(1, q + 1):
            v += beta[j - 1] * (psi[i - j] if i >= j else b)
        if not (v > 1e-300) or not (v < 1e300):
            return math.nan
        psi[i] = v
        e[i] = x[i] / v
        mant *= v
        if (i & 7) == 7:
            mant, ex = math.frexp(mant)
            expo += ex
    return math.log(mant) + expo * math.log(2.0)


@numba.njit(cache=True, error_model="numpy")
def _hs(w, l1):  # pragma: no cover - compiled
    """Scalar ``log1p(w) - w / (1 + w)`` given ``l1 = log1p(w)`` (series for small ``w``)."""
    if w < 1e-2:
        return w * w * (0.5 - w * (2 / 3 - w * (0.75 - w * (0.8 - w * (5 / 6 - w * 6 / 7)))))
    return l1 - w / (1.0 + w)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _el(code, c, e, le, z, l1, a1, a2):  # pragma: no cover - compiled
    """``(log f, score, d log f / d shape_0..3)`` at one point from the vectorised parts:
    ``le = log e``, ``z`` the law's exponential term, ``l1`` its ``log1p``; for the mixture
    ``a1 = log f`` and ``a2`` the q-Weibull posterior weight (formulas of the module docstring)."""
    d1 = d2 = d3 = 0.0
    if code == WEIBULL:
        k, L, Lk = c[0], c[1], c[2]
        t = le - L
        u = t - k * Lk
        return (
            math.log(k) - L + (k - 1.0) * t - z,
            (k - 1.0) - k * z,
            1.0 / k + u - z * u,
            d1,
            d2,
            d3,
        )
    if code == GENGAMMA:
        k, nu, L, Lk, Ln = c[0], c[1], c[2], c[3], c[4]
        t = le - L
        u = t - k * Lk
        d1 = (k * Ln) * z + k * t - (c[6] + k * nu * Ln)
        return (
            c[5] + (k * nu - 1.0) * t - z,
            (k * nu - 1.0) - k * z,
            1.0 / k + nu * u - z * u,
            d1,
            d2,
            d3,
        )
    if code == BURR:
        kap, s2, L, Lk, Ls = c[0], c[1], c[2], c[3], c[4]
        t = le - L
        w = s2 * z
        r = z / (1.0 + w)
        u = t - kap * Lk
        lf = math.log(kap) - L + (kap - 1.0) * t - (1.0 / s2 + 1.0) * l1
        d1 = _hs(w, l1) / (s2 * s2) + ((1.0 + s2) * kap * Ls - 1.0) * r - kap * Ls
        return (
            lf,
            (kap - 1.0) - (1.0 + s2) * kap * r,
            1.0 / kap + u - (1.0 + s2) * r * u,
            d1,
            d2,
            d3,
        )
    if code == LOGNORMAL:
        sig = c[0]
        y = (le + 0.5 * sig * sig) / sig
        return c[1] - le - 0.5 * y * y, -1.0 - y / sig, y * (y / sig - 1.0) - 1.0 / sig, d1, d2, d3
    if code == QWEIBULL:
        a, q, L, La, Lq, m = c[0], c[1], c[2], c[3], c[4], c[6]
        t = le - L
        w = (q - 1.0) * z
        r = z / (1.0 + w)
        u = t - a * La
        d1 = (m * m) * _hs(w, l1) + (a * Lq) * r - (1.0 / (2.0 - q) + a * Lq)
        return c[5] + (a - 1.0) * le - m * l1, (a - 1.0) - a * r, 1.0 / a + u - r * u, d1, d2, d3
    if code == GENF:
        k, eta, g, L = c[0], c[1], c[2], c[3]
        t = le - L
        r = 1.0 / (1.0 + 1.0 / z) if z > 0.0 else 0.0
        A = k - (eta + k) * r
        lf = c[7] + (k * g) * t - le - (eta + k) * l1
        d0 = c[8] + g * t - l1 - (g * c[4]) * A
        d1 = c[9] - l1 - (g * c[5]) * A + ((eta + k) / eta) * r
        d2 = 1.0 / g + (t - g * c[6]) * A
        return lf, (k * g - 1.0) - (eta + k) * g * r, d0, d1, d2, d3
    p, a, q, lam, LB, m = c[0], c[1], c[2], c[3], c[4], c[10]  # MIXQWE
    t = le - LB
    w = (q - 1.0) * z
    rv = z / (1.0 + w)
    D = -a * (1.0 - rv)
    s = a2 * ((a - 1.0) - a * rv) - (1.0 - a2) * e / lam
    d0 = a2 * (1.0 / p + D * c[7]) - (1.0 - a2) / (1.0 - p)
    d1 = a2 * (1.0 / a + t - rv * t + D * c[5])
    d2 = a2 * ((m * m) * _hs(w, l1) - 1.0 / (2.0 - q) + D * c[6])
    d3 = a2 * D * c[8] + (1.0 - a2) * (e / lam - 1.0) / lam
    return a1, s, d0, d1, d2, d3


@numba.njit(cache=True, error_model="numpy", inline="always")
def _put(out, i, r):  # pragma: no cover - compiled
    lf, sc, D = out
    lf[i] = r[0]
    sc[i] = r[1]
    for j in range(D.shape[1]):
        D[i, j] = r[2 + j]


@numba.njit(cache=True, error_model="numpy")
def _rest_store(code, c, e, le, ex, l1, a1, a2, out):  # pragma: no cover - compiled
    """Per point ``(log f, score, d log f / d shape)`` into ``out = (lf, sc, D)``; one loop
    per law (``_el`` inlined with a constant law code, so its switch folds away)."""
    n = e.shape[0]
    if code == WEIBULL:
        for i in range(n):
            _put(out, i, _el(WEIBULL, c, e[i], le[i], ex[i], l1[i], a1[i], a2[i]))
    elif code == GENGAMMA:
        for i in range(n):
            _put(out, i, _el(GENGAMMA, c, e[i], le[i], ex[i], l1[i], a1[i], a2[i]))
    elif code == BURR:
        for i in range(n):
            _put(out, i, _el(BURR, c, e[i], le[i], ex[i], l1[i], a1[i], a2[i]))
    elif code == LOGNORMAL:
        for i in range(n):
            _put(out, i, _el(LOGNORMAL, c, e[i], le[i], ex[i], l1[i], a1[i], a2[i]))
    elif code == QWEIBULL:
        for i in range(n):
            _put(out, i, _el(QWEIBULL, c, e[i], le[i], ex[i], l1[i], a1[i], a2[i]))
    elif code == GENF:
        for i in range(n):
            _put(out, i, _el(GENF, c, e[i], le[i], ex[i], l1[i], a1[i], a2[i]))
    else:
        for i in range(n):
            _put(out, i, _el(MIXQWE, c, e[i], le[i], ex[i], l1[i], a1[i], a2[i]))


@numba.njit(cache=True, error_model="numpy")
def _rest(code, c, e, le, ex, l1, aux1, aux2, psi, gs):  # pragma: no cover - compiled
    """The law's algebra after the vectorised parts, summed: writes ``gs = (1 + score) /
    psi`` and returns ``(sum log f, sum d log f / d shape_0..3)``. The same formulas as
    :func:`_el`, written out per law so that each loop is compiled on its own (a shared
    per-point function with the law switch inside the loop ran 10x slower); the tests
    check the two against each other."""
    n = e.shape[0]
    slf = 0.0
    d0 = d1 = d2 = d3 = 0.0
    if code == WEIBULL:
        k, L, Lk = c[0], c[1], c[2]
        c0 = math.log(k) - L
        for i in range(n):
            t = le[i] - L
            z = ex[i]
            slf += c0 + (k - 1.0) * t - z
            gs[i] = (k - k * z) / psi[i]
            u = t - k * Lk
            d0 += 1.0 / k + u - z * u
    elif code == GENGAMMA:
        k, nu, L, Lk, Ln = c[0], c[1], c[2], c[3], c[4]
        for i in range(n):
            t = le[i] - L
            z = ex[i]
            slf += c[5] + (k * nu - 1.0) * t - z
            gs[i] = (k * nu - k * z) / psi[i]
            u = t - k * Lk
            d0 += 1.0 / k + nu * u - z * u
            d1 += (k * Ln) * z + k * t - (c[6] + k * nu * Ln)
    elif code == BURR:
        kap, s2, L, Lk, Ls = c[0], c[1], c[2], c[3], c[4]
        c0 = math.log(kap) - L
        for i in range(n):
            t = le[i] - L
            z = ex[i]
            w = s2 * z
            r = z / (1.0 + w)
            slf += c0 + (kap - 1.0) * t - (1.0 / s2 + 1.0) * l1[i]
            gs[i] = (kap - (1.0 + s2) * kap * r) / psi[i]
            u = t - kap * Lk
            d0 += 1.0 / kap + u - (1.0 + s2) * r * u
            d1 += _hs(w, l1[i]) / (s2 * s2) + ((1.0 + s2) * kap * Ls - 1.0) * r - kap * Ls
    elif code == LOGNORMAL:
        sig = c[0]
        for i in range(n):
            z = (le[i] + 0.5 * sig * sig) / sig
            slf += c[1] - le[i] - 0.5 * z * z
            gs[i] = -z / sig / psi[i]
            d0 += z * (z / sig - 1.0) - 1.0 / sig
    elif code == QWEIBULL:
        a, q, L, La, Lq, m = c[0], c[1], c[2], c[3], c[4], c[6]
        for i in range(n):
            t = le[i] - L
            v = ex[i]
            w = (q - 1.0) * v
            r = v / (1.0 + w)
            slf += c[5] + (a - 1.0) * le[i] - m * l1[i]
            gs[i] = (a - a * r) / psi[i]
            u = t - a * La
            d0 += 1.0 / a + u - r * u
            d1 += (m * m) * _hs(w, l1[i]) + (a * Lq) * r - (1.0 / (2.0 - q) + a * Lq)
    elif code == GENF:
        k, eta, g, L = c[0], c[1], c[2], c[3]
        for i in range(n):
            t = le[i] - L
            y = ex[i]
            r = 1.0 / (1.0 + 1.0 / y) if y > 0.0 else 0.0
            A = k - (eta + k) * r
            slf += c[7] + (k * g) * t - le[i] - (eta + k) * l1[i]
            gs[i] = (k * g - (eta + k) * g * r) / psi[i]
            d0 += c[8] + g * t - l1[i] - (g * c[4]) * A
            d1 += c[9] - l1[i] - (g * c[5]) * A + ((eta + k) / eta) * r
            d2 += 1.0 / g + (t - g * c[6]) * A
    else:  # MIXQWE
        # the per-point terms first (no running sums, so the loop vectorises: five
        # divisions per point), into the inputs they replace; then the sums in the same
        # order (the same results to the last bit; ``e, le, ex, l1`` are overwritten)
        p, a, q, lam, LB, m = c[0], c[1], c[2], c[3], c[4], c[10]
        for i in range(n):
            t = le[i] - LB
            v = ex[i]
            w = (q - 1.0) * v
            rv = v / (1.0 + w)
            r = aux2[i]
            ei = e[i]
            gs[i] = (1.0 + r * ((a - 1.0) - a * rv) - (1.0 - r) * ei / lam) / psi[i]
            D = -a * (1.0 - rv)
            le[i] = r * (1.0 / p + D * c[7]) - (1.0 - r) / (1.0 - p)
            ex[i] = r * (1.0 / a + t - rv * t + D * c[5])
            l1[i] = r * ((m * m) * _hs(w, l1[i]) - 1.0 / (2.0 - q) + D * c[6])
            e[i] = r * D * c[8] + (1.0 - r) * (ei / lam - 1.0) / lam
        for i in range(n):
            slf += aux1[i]
            d0 += le[i]
            d1 += ex[i]
            d2 += l1[i]
            d3 += e[i]
    return slf, d0, d1, d2, d3


@numba.njit(cache=True, error_model="numpy")
def _acd_adjoint(gs, psi, x, alpha, beta, b, lam):  # pragma: no cover - compiled
    """``sum_i lambda_i z_i`` of the linear ACD(p, q), ``lambda`` the adjoint of ``gs``."""
    n = x.shape[0]
    p = alpha.shape[0]
    q = beta.shape[0]
    grad = np.zeros(1 + p + q)
    if p == 1 and q == 1:  # ACD(1,1): sums and the next adjoint in registers (same order)
        b1 = beta[0]
        g0 = g1 = g2 = nxt = 0.0
        for i in range(n - 1, -1, -1):
            li = gs[i]
            if i + 1 < n:
                li += b1 * nxt
            lam[i] = li
            nxt = li
            g0 += li
            g1 += li * (x[i - 1] if i >= 1 else b)
            g2 += li * (psi[i - 1] if i >= 1 else b)
        grad[0] = g0
        grad[1] = g1
        grad[2] = g2
        return grad
    for i in range(n - 1, -1, -1):
        li = gs[i]
        for j in range(1, q + 1):
            if i + j < n:
                li += beta[j - 1] * lam[i + j]
        lam[i] = li
        grad[0] += li
        for j in range(1, p + 1):
            grad[j] += li * (x[i - j] if i >= j else b)
        for j in range(1, q + 1):
            grad[p + j] += li * (psi[i - j] if i >= j else b)
    return grad


_WORK = threading.local()
# positions in ``c`` of (the power, the log scale) of each law's exponential term
_EXP_TERM = {
    WEIBULL: (0, 1),
    GENGAMMA: (0, 2),
    BURR: (0, 2),
    QWEIBULL: (0, 2),
    GENF: (2, 3),
    MIXQWE: (1, 4),
}


@contextlib.contextmanager
def work_buffers() -> Iterator[None]:
    """Reuse the work arrays of :func:`_buffers` inside the block (one fit), free them after.

    ``ACD.fit`` runs inside it; outside, every call allocates fresh arrays, so no memory is
    held between fits (at n = 10^6 the nine arrays take 72 MB per series length).

    Examples
    --------
    >>> with work_buffers():
    ...     a = _buffers(10)
    ...     a is _buffers(10)
    True
    >>> _buffers(10) is _buffers(10)
    False
    """
    depth = getattr(_WORK, "depth", 0)
    _WORK.depth = depth + 1
    try:
        yield
    finally:
        _WORK.depth = depth
        if depth == 0:
            _WORK.cache = {}


def _buffers(n: int) -> list[np.ndarray]:
    """Nine work arrays of length ``n``: reused (per thread, the two latest lengths) inside
    :func:`work_buffers`, fresh outside it.

    Fresh 8 MB temporaries cost page faults on every objective evaluation (np.exp of a
    new temporary ran 4x slower than into a reused buffer at n = 10^6)."""
    if not getattr(_WORK, "depth", 0):
        return [np.empty(n) for _ in range(9)]
    cache = getattr(_WORK, "cache", None)
    if cache is None:
        cache = _WORK.cache = {}
    if n not in cache:
        if len(cache) >= 2:
            cache.pop(next(iter(cache)))
        cache[n] = [np.empty(n) for _ in range(9)]
    return cache[n]


def _prelude(code, c, e, le, ex, l1, a1, a2, tmp, tmp2) -> None:
    """The vectorised transcendental parts of :func:`_el` into the buffers (``tmp`` and
    ``tmp2`` are scratch); ``le = log e`` must be filled."""
    if code != LOGNORMAL:
        ish, iL = _EXP_TERM[code]  # ex = exp(shape * (le - L))
        L, sh = c[iL], c[ish]
        np.subtract(le, L, out=ex)
        np.multiply(ex, sh, out=ex)
        np.exp(ex, out=ex)
        if code == GENF:
            np.divide(ex, c[1], out=ex)  # y = e^(g t) / eta
            np.log1p(ex, out=l1)
        elif code == BURR:
            np.multiply(ex, c[1], out=l1)
            np.log1p(l1, out=l1)
        elif code in (QWEIBULL, MIXQWE):
            np.multiply(ex, c[2] - 1.0 if code == MIXQWE else c[1] - 1.0, out=l1)
            np.log1p(l1, out=l1)
        if code == MIXQWE:  # log f = logaddexp(l1c, l2c), weight exp(l1c - log f)
            # the algebra between the transcendental calls in two compiled passes (the
            # same operations in the same order as the numpy passes they replaced)
            _mix_pre(c, e, le, l1, a2, tmp, a1)  # l1c, d = l2c - l1c, -|d|
            np.exp(a1, out=a1)  # exp(-|d|)
            np.log1p(a1, out=tmp2)
            _mix_post(a2, tmp, a1, tmp2)  # a1 = log f, a2 = q-Weibull weight


@numba.njit(cache=True, error_model="numpy")
def _mix_pre(c, e, le, l1, l1c, d, nad):  # pragma: no cover - compiled
    """The mixture's log q-Weibull part ``l1c``, ``d = l2c - l1c`` and ``-|d|`` (``l1 =
    log1p(w)``; ``l2c`` the log exponential part)."""
    am1, k1, m, nl, k2 = c[1] - 1.0, c[11] + c[9], c[10], -1.0 / c[3], c[12]
    for i in range(e.shape[0]):
        u = le[i] * am1 + k1 - l1[i] * m
        v = e[i] * nl + k2 - u
        l1c[i] = u
        d[i] = v
        nad[i] = -abs(v)


@numba.njit(cache=True, error_model="numpy")
def _mix_post(l1c, d, ex, lp):  # pragma: no cover - compiled
    """``log f = l1c + max(d, 0) + log1p(exp(-|d|))`` into ``ex`` and the weight ``1 / (1 +
    exp(d)) = 1/2 + copysign(1 / (1 + exp(-|d|)) - 1/2, -d)`` into ``l1c`` (``ex = exp(-|d|)``,
    ``lp`` its ``log1p``; np.logaddexp and masked operations were 3x slower)."""
    for i in range(d.shape[0]):
        v = d[i]
        mx = 0.0 if v <= 0.0 else v
        w = 1.0 / (ex[i] + 1.0) - 0.5
        ex[i] = mx + l1c[i] + lp[i]
        l1c[i] = math.copysign(w, -v) + 0.5


def acd_law_fg(omega, alpha, beta, x, b, code, c, nsh):
    """Mean negative log-likelihood of the linear ACD(p, q) under a shaped law and its
    gradient in ``(omega, alpha, beta, shape)``: the recursion and the adjoint pass
    (compiled), the law's transcendental parts vectorised into reused buffers, its algebra
    compiled (:func:`_rest`); the counterpart of ``recursion._acd_exp_fg``.

    Examples
    --------
    >>> from stattools.duration.distributions import Weibull
    >>> law = Weibull(0.8)
    >>> x = np.random.default_rng(0).exponential(size=200)
    >>> f, g = acd_law_fg(0.1, np.array([0.1]), np.array([0.8]), x, 1.0, law._code,
    ...                   law.kernel_consts((0.8,)), 1)
    >>> psi = np.empty(200)
    >>> psi[0] = 0.1 + 0.1 * 1.0 + 0.8 * 1.0
    >>> for i in range(1, 200):
    ...     psi[i] = 0.1 + 0.1 * x[i - 1] + 0.8 * psi[i - 1]
    >>> ref = -np.mean(law.logpdf(x / psi) - np.log(psi))
    >>> bool(abs(f - ref) < 1e-12), g.shape
    (True, (4,))
    """
    n = x.shape[0]
    k = 1 + alpha.shape[0] + beta.shape[0]
    psi, e, le, ex, l1, a1, a2, gs, tmp2 = _buffers(n)
    slp = _acd_psi(omega, alpha, beta, x, b, psi, e)
    if not math.isfinite(slp):
        return np.inf, np.full(k + nsh, np.nan)
    with np.errstate(all="ignore"):
        np.log(e, out=le)
        _prelude(code, c, e, le, ex, l1, a1, a2, gs, tmp2)
        slf, s0, s1, s2, s3 = _rest(code, c, e, le, ex, l1, a1, a2, psi, gs)
        f = (slp - slf) / n
        if not math.isfinite(f):
            return np.inf, np.full(k + nsh, np.nan)
        grad = np.empty(k + nsh)
        grad[:k] = _acd_adjoint(gs, psi, x, alpha, beta, b, e) / n
        grad[k:] = -np.array([s0, s1, s2, s3])[:nsh] / n
    if not np.all(np.isfinite(grad)):
        return np.inf, np.full(k + nsh, np.nan)
    return f, grad


def h_stable(w: float) -> float:
    """The stable ``log1p(w) - w / (1 + w)`` at a scalar (for tests).

    Examples
    --------
    >>> round(h_stable(1e-8) / 0.5e-16, 6)
    1.0
    """
    return float(_hs(float(w), math.log1p(float(w))))


def _qweibull_logscale(a: float, q: float) -> tuple[float, float, float]:
    """``log b`` of ACDm's unit-mean q-Weibull scale and its derivatives in ``a`` and ``q``.

    NaN outside ``a > 0``, ``1 < q < 2`` (the formula's domain), never an exception.
    """
    if not (a > 0.0 and 1.0 < q < 2.0):
        return math.nan, math.nan, math.nan
    m = 1.0 / (q - 1.0)
    c = m - 1.0 / a - 1.0
    lb = special.gammaln(m) - special.gammaln(1.0 / a) - special.gammaln(c)
    lb = float(lb) + math.log(a) + (1.0 + a) / a * math.log(q - 1.0) - math.log(2.0 - q)
    pm, pa, pc = (float(v) for v in special.digamma([m, 1.0 / a, c]))
    la = (pa - pc - math.log(q - 1.0)) / (a * a) + 1.0 / a
    lq = m * m * (pc - pm) + (1.0 + a) / a * m + 1.0 / (2.0 - q)
    return lb, la, lq


def _qweibull_scale(a: float, q: float) -> float:
    """ACDm's unit-mean q-Weibull scale ``b`` (``.returnFixedMeanPara``, distCode 6); NaN
    outside the domain ``a > 0``, ``1 < q < 2``."""
    return math.exp(_qweibull_logscale(a, q)[0])


def _qweibull_parts(e: np.ndarray, a: float, q: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """``log f`` of the q-Weibull with scale ``b`` and ``w = (q - 1) (e/b)^a``."""
    e = np.asarray(e, dtype=float)
    if not (a > 0.0 and 1.0 < q < 2.0 and b > 0.0):  # outside the domain (b NaN there)
        nan = np.full(e.shape, np.nan)
        return nan, nan
    with np.errstate(divide="ignore"):
        le = np.log(e)
    w = (q - 1.0) * np.exp(a * (le - math.log(b)))
    lf = math.log(a * (2.0 - q)) - a * math.log(b) + (a - 1.0) * le - np.log1p(w) / (q - 1.0)
    return lf, w
