r"""Vectorised numba kernels for the long-series fit of the kinked ACD variants (order (1, 1)).

The sequential kernels of :mod:`.kernels_multi` are bound by the *latency* of the serial
chain ``log s -> exp(-log psi) -> log u -> exp(delta2 log u) -> s`` of every spell: the CPU's
vector units idle, and numba (without Intel's SVML) calls the C library's scalar ``log``
and ``exp``, which no loop can vectorise. The two kernels here run many independent chains
side by side in SIMD registers, with ``log`` and ``exp`` written out as branch-free
polynomial code (:func:`vlog`, :func:`vexp`: the Cephes rational approximations of S. L.
Moshier, within 1.5 units in the last place of the C library's results, so the objectives
equal those of the sequential kernels to about ``1e-16`` relative):

* :func:`exact_multi11_simd`: the exact (kinked) objective at ``K`` parameter vectors in one
  pass, the vectors in the SIMD lanes (:func:`.kernels_multi.exact_multi11` with the
  vectors padded to a multiple of 8; the certificate of :func:`.kink.stencil_certificate`
  costs about a quarter of the sequential pass).
* :func:`grad11_lanes`: objective and gradient of one parameter vector with the *series*
  cut into ``L`` consecutive pieces run side by side. Each piece but the first starts
  ``W`` spells early, from the presample state; those warm-up spells are not counted. The
  recursion forgets its start geometrically (the state and its gradient contract by the
  persistence, about ``alpha + beta`` per spell), so after the warm-up each lane carries the
  state of the sequential pass; the kernel *checks* this at every seam (the state of a
  lane's last spell against that of the next lane's last warm-up spell) and returns the
  largest relative difference, measured exactly 0 on the benchmark series with
  ``W = 2000``. The caller uses the sequential kernel whenever that difference is not at
  rounding level (a nearly integrated series) or a lane leaves the domain, so the result is
  always the sequential one to rounding (sums in another order: about ``1e-14`` relative).

Parameters in :func:`.models.layout`'s order for order (1, 1): ``omega, alpha, beta, c, nu,
delta1, delta2``; ``aug_s`` selects AACD (news ``s u^delta2``) over ABACD (``u^delta2``).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

__all__ = ["vexp", "vlog", "exact_multi11_simd", "grad11_lanes", "LANES", "WARM"]

LANES = 16  # pieces of the series side by side in grad11_lanes (two AVX-512 registers)
WARM = 2000  # warm-up spells of each piece after the first


@intrinsic
def _bits(typingctx, x):  # pragma: no cover - compile-time
    """The IEEE-754 bits of a float64 as an int64 (a bit cast)."""

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _float(typingctx, i):  # pragma: no cover - compile-time
    """The float64 with the IEEE-754 bits of an int64 (a bit cast)."""

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


_LN2_HI = 6.93145751953125e-1
_LN2_LO = 1.42860682030941723212e-6
_LOG2E = 1.4426950408889634073599
_SQRTH = 0.70710678118654752440


@numba.njit(cache=True, inline="always", error_model="numpy")
def vexp(x):  # pragma: no cover - compiled
    """``exp(x)`` without a library call (vectorisable): ``x = k log 2 + r``, ``|r| <= log(2) /
    2``, ``exp(r) = 1 + 2 r P(r^2) / (Q(r^2) - r P(r^2))`` (Cephes' coefficients), times
    ``2^k`` built in the exponent bits. 0 below -708.39 (no subnormal results), ``inf``
    above 709.78; within 1.5 ulp of the C library elsewhere.

    Examples
    --------
    >>> import math
    >>> abs(vexp(1.0) - math.e) <= 2 * 2.3e-16 * math.e, vexp(-800.0), vexp(800.0)
    (True, 0.0, inf)
    """
    inside = x > -708.39 and x < 709.78
    xc = x if inside else 0.0
    k = math.floor(_LOG2E * xc + 0.5)
    r = xc - k * _LN2_HI
    r = r - k * _LN2_LO
    rr = r * r
    px = r * ((1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr
              + 9.99999999999999999910e-1)  # fmt: skip
    qx = ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr
          + 2.27265548208155028766e-1) * rr + 2.0  # fmt: skip
    y = (1.0 + 2.0 * px / (qx - px)) * _float((np.int64(k) + 1023) << 52)
    # outside: 0 below, inf above, nan for nan
    return y if inside else (0.0 if x <= -708.39 else (math.inf if x >= 709.78 else x))


@numba.njit(cache=True, inline="always", error_model="numpy")
def vlog(x):  # pragma: no cover - compiled
    """``log(x)`` for finite ``x > 0`` without a library call (vectorisable): ``x = 2^e m``
    (exponent bits; subnormal ``x`` scaled by ``2^54`` first), ``m`` in ``[sqrt(1/2),
    sqrt(2))``, ``log(m) = z - z^2 / 2 + z^3 P(z) / Q(z)`` with ``z = m - 1`` (Cephes'
    coefficients); within 1 ulp of the C library; ``log(0) = -inf``, ``log(inf) = inf``,
    ``nan`` for ``x < 0`` or ``nan``.

    Examples
    --------
    >>> import math
    >>> [abs(vlog(v) - math.log(v)) <= 2 * 2.3e-16 * abs(math.log(v)) for v in (0.3, 2.0, 5e-320)]
    [True, True, True]
    """
    sub = x < 2.2250738585072014e-308
    xs = x * 18014398509481984.0 if sub else x
    bits = _bits(xs)
    e = ((bits >> 52) & 0x7FF) - 1022
    e = e - 54 if sub else e
    m = _float((bits & 0x000FFFFFFFFFFFFF) | 0x3FE0000000000000)  # in [0.5, 1)
    lt = m < _SQRTH
    e = e - 1 if lt else e
    z = (m + m - 1.0) if lt else (m - 1.0)
    zz = z * z
    p = ((((1.01875663804580931796e-4 * z + 4.97494994976747001425e-1) * z
           + 4.70579119878881725854e0) * z + 1.44989225341610930846e1) * z
         + 1.79368678507819816313e1) * z + 7.70838733755885391666e0  # fmt: skip
    q = ((((z + 1.12873587189167450590e1) * z + 4.52279145837532221105e1) * z
          + 8.29875266912776603211e1) * z + 7.11544750618563894466e1) * z \
        + 2.31251620126765340583e1  # fmt: skip
    fe = float(e)
    y = z * (zz * p / q) - fe * 2.121944400546905827679e-4
    y = y - 0.5 * zz
    y = z + y + fe * 0.693359375
    # inf for inf, -inf for 0, nan for nan or x < 0
    ok = x > 0.0 and x < math.inf
    return y if ok else (x if x > 0.0 else (-math.inf if x == 0.0 else math.nan))


@numba.njit(cache=True, inline="always", error_model="numpy")
def _news_v(e, nu, c, d2, tau):  # pragma: no cover - compiled
    dv = e - nu
    u = (math.sqrt(dv * dv + tau * tau) if tau > 0.0 else abs(dv)) + c * dv
    P = vexp(d2 * vlog(u if u > 0.0 else 1.0))
    return P if u > 0.0 else (0.0 if u <= 0.0 else u)  # nan stays nan


@numba.njit(cache=True, error_model="numpy")
def exact_multi11_simd(T, x, b, m, aug_s, tau, eps_one):  # pragma: no cover - compiled
    """:func:`.kernels_multi.exact_multi11` (objective ``sum_i (log psi_i + eps_i)`` at each
    row of ``T``, ``K x 7``, ``inf`` where the state leaves its domain) with the rows in SIMD
    lanes (padded to a multiple of 8 with copies of the last row) and :func:`vlog`,
    :func:`vexp`; equal to it to about ``1e-16`` relative."""
    K = T.shape[0]
    n = x.shape[0]
    Kp = ((K + 7) // 8) * 8
    om = np.empty(Kp)
    al = np.empty(Kp)
    be = np.empty(Kp)
    c = np.empty(Kp)
    nu = np.empty(Kp)
    idl = np.empty(Kp)
    d2 = np.empty(Kp)
    s0 = np.empty(Kp)
    lb = math.log(b)
    for r in range(Kp):
        rr = min(r, K - 1)
        om[r] = T[rr, 0]
        al[r] = T[rr, 1]
        be[r] = T[rr, 2]
        c[r] = T[rr, 3]
        nu[r] = T[rr, 4]
        idl[r] = 1.0 / T[rr, 5]
        d2[r] = T[rr, 6]
        s0[r] = math.exp(T[rr, 5] * lb)
    f = np.zeros(Kp)
    S = np.empty(Kp)
    N = np.empty(Kp)
    bad = np.zeros(Kp)
    for r in range(Kp):
        S[r] = s0[r]
        P = _news_v(1.0, nu[r], c[r], d2[r], tau)
        N[r] = S[r] * P if aug_s else P
    for i in range(n):
        xi = x[i]
        if i < m:  # ACDm's leading spells: s = s0, psi = b
            en = 1.0 if eps_one else xi / b
            for r in range(Kp):
                f[r] += lb + xi / b
                P = _news_v(en, nu[r], c[r], d2[r], tau)
                S[r] = s0[r]
                N[r] = s0[r] * P if aug_s else P
            continue
        for r in range(Kp):
            sv = om[r] + al[r] * N[r] + be[r] * S[r]
            ok = sv > 1e-300 and sv < 1e300
            sv = sv if ok else 1.0
            lp = vlog(sv) * idl[r]
            ok2 = lp > -690.0 and lp < 690.0
            lp = lp if ok2 else 0.0
            bad[r] = bad[r] if (ok and ok2) else 1.0
            e = xi * vexp(-lp)
            f[r] += lp + e
            dv = e - nu[r]
            u = (math.sqrt(dv * dv + tau * tau) if tau > 0.0 else abs(dv)) + c[r] * dv
            P = vexp(d2[r] * vlog(u if u > 0.0 else 1.0))
            P = P if u > 0.0 else (0.0 if u <= 0.0 else u)
            S[r] = sv
            N[r] = sv * P if aug_s else P
    out = np.empty(K)
    for r in range(K):
        out[r] = np.inf if (bad[r] != 0.0 or not math.isfinite(f[r])) else f[r]
    return out


@numba.njit(cache=True, error_model="numpy")
def grad11_lanes(theta, x, b, aug_s, tau, L, W):  # pragma: no cover - compiled
    """Objective and gradient of :func:`.kernels_multi.grad11` (presample rule
    ``backcast``, no ACDm leading spells) with the series cut into ``L`` lanes run side by
    side (module docstring); each lane after the first starts ``W`` spells early from the
    presample state, and those warm-up spells are not counted.

    Returns ``(ok, f, g, seam)``: ``ok`` False when any lane (or its warm-up) leaves the
    domain; ``seam`` is the largest relative difference, at the lanes' seams, between the
    state (``s``, news, and their gradients) of a lane's last spell and that of the next
    lane's last warm-up spell. The result equals the sequential pass to rounding when
    ``seam`` is at rounding level (measured: exactly 0); otherwise use the sequential pass.
    """
    n = x.shape[0]
    om = theta[0]
    al = theta[1]
    be = theta[2]
    c = theta[3]
    nu = theta[4]
    d1 = theta[5]
    d2 = theta[6]
    tt = tau * tau
    inv_d1 = 1.0 / d1
    C = (n - W) // L
    S = C + W
    xl = np.empty(S * L)
    for ln in range(L):
        o = ln * C
        for s in range(S):
            xl[s * L + ln] = x[o + s]
    lb = math.log(b)
    s0 = math.exp(d1 * lb)
    dv0 = 1.0 - nu
    r0 = math.sqrt(dv0 * dv0 + tt) if tau > 0.0 else abs(dv0)
    u0 = r0 + c * dv0
    P0 = math.exp(d2 * math.log(u0)) if u0 > 0.0 else 0.0
    sv = np.full(L, s0)
    N = np.empty(L)
    ds = np.zeros(7 * L)
    dN = np.zeros(7 * L)
    for ln in range(L):
        ds[5 * L + ln] = s0 * lb
        if u0 > 0.0:
            lu0 = math.log(u0)
            sg0 = dv0 / r0 if tau > 0.0 else (1.0 if dv0 > 0.0 else -1.0)
            q0 = P0 * d2 * (sg0 + c) / u0
            if aug_s:
                N[ln] = s0 * P0
                for a in range(7):
                    dN[a * L + ln] = P0 * ds[a * L + ln]
                dN[4 * L + ln] -= s0 * q0
                dN[3 * L + ln] += s0 * P0 * d2 * dv0 / u0
                dN[6 * L + ln] += s0 * P0 * lu0
            else:
                N[ln] = P0
                dN[4 * L + ln] -= q0
                dN[3 * L + ln] += P0 * d2 * dv0 / u0
                dN[6 * L + ln] += P0 * lu0
        else:
            N[ln] = 0.0
    f = np.zeros(L)
    g = np.zeros(7 * L)
    de = np.zeros(7 * L)
    bad = np.zeros(L)
    wt = np.zeros(L)
    wt[0] = 1.0
    chk = np.zeros(16 * L)
    e_ = np.empty(L)
    ww_ = np.empty(L)
    t0_ = np.empty(L)
    gd_ = np.empty(L)
    P_ = np.empty(L)
    q_ = np.empty(L)
    c3_ = np.empty(L)
    c6_ = np.empty(L)
    for s in range(S):
        if s == W:
            for ln in range(L):
                chk[0 * L + ln] = sv[ln]
                chk[1 * L + ln] = N[ln]
                for a in range(7):
                    chk[(2 + a) * L + ln] = ds[a * L + ln]
                    chk[(9 + a) * L + ln] = dN[a * L + ln]
                wt[ln] = 1.0
        for a in range(7):
            for ln in range(L):
                ds[a * L + ln] = al * dN[a * L + ln] + be * ds[a * L + ln]
        for ln in range(L):
            ds[ln] += 1.0
        for ln in range(L):
            ds[L + ln] += N[ln]
        for ln in range(L):
            ds[2 * L + ln] += sv[ln]
        for ln in range(L):
            xi = xl[s * L + ln]
            Nl = N[ln]
            so = sv[ln]
            svn = om + al * Nl + be * so
            ok = svn > 1e-300 and svn < 1e300
            svn = svn if ok else 1.0
            Lg = vlog(svn)
            lp = Lg * inv_d1
            ok2 = lp > -690.0 and lp < 690.0
            lp = lp if ok2 else 0.0
            bad[ln] = bad[ln] if (ok and ok2) else 1.0
            e = xi * vexp(-lp)
            w = wt[ln]
            f[ln] += w * (lp + e)
            e_[ln] = e
            ww_[ln] = w * (1.0 - e)
            t0_[ln] = inv_d1 / svn
            gd_[ln] = Lg * inv_d1 * inv_d1
            dv = e - nu
            if tau > 0.0:
                r = math.sqrt(dv * dv + tt)
                sg = dv / r
            else:
                r = abs(dv)
                sg = 1.0 if dv > 0.0 else -1.0
            u = r + c * dv
            pos = u > 0.0
            us = u if pos else 1.0
            lu = vlog(us)
            P = vexp(d2 * lu)
            P = P if pos else (0.0 if u <= 0.0 else u)
            iu = 1.0 / us
            q = P * d2 * (sg + c) * iu
            if aug_s:
                P_[ln] = P
                q_[ln] = svn * q
                c3_[ln] = svn * P * d2 * dv * iu
                c6_[ln] = svn * P * lu
                N[ln] = svn * P
            else:
                P_[ln] = 0.0
                q_[ln] = q
                c3_[ln] = P * d2 * dv * iu
                c6_[ln] = P * lu
                N[ln] = P
            sv[ln] = svn
        for a in range(7):
            for ln in range(L):
                gl = ds[a * L + ln] * t0_[ln]
                g[a * L + ln] += ww_[ln] * gl
                de[a * L + ln] = -e_[ln] * gl
        for ln in range(L):
            g[5 * L + ln] -= ww_[ln] * gd_[ln]
        for ln in range(L):
            de[5 * L + ln] += e_[ln] * gd_[ln]
        for a in range(7):
            for ln in range(L):
                dN[a * L + ln] = P_[ln] * ds[a * L + ln] + q_[ln] * de[a * L + ln]
        for ln in range(L):
            dN[4 * L + ln] -= q_[ln]
        for ln in range(L):
            dN[3 * L + ln] += c3_[ln]
        for ln in range(L):
            dN[6 * L + ln] += c6_[ln]
    # lanes agree at the seams: lane ln-1's final state = lane ln's state after its warm-up
    dmax = 0.0
    for ln in range(1, L):
        for j in range(16):
            if j == 0:
                a_ = sv[ln - 1]
            elif j == 1:
                a_ = N[ln - 1]
            elif j < 9:
                a_ = ds[(j - 2) * L + ln - 1]
            else:
                a_ = dN[(j - 9) * L + ln - 1]
            b_ = chk[j * L + ln]
            d = abs(a_ - b_) / (abs(a_) + abs(b_) + 1e-300)
            if d > dmax:
                dmax = d
    # tail spells after the last lane (sequential, lane L-1's state)
    ft = 0.0
    gt = np.zeros(7)
    ln = L - 1
    dsl = np.array([ds[a * L + ln] for a in range(7)])
    dNl = np.array([dN[a * L + ln] for a in range(7)])
    Nl = N[ln]
    so = sv[ln]
    det = np.zeros(7)
    badt = False
    for i in range(W + L * C, n):
        xi = x[i]
        for a in range(7):
            dsl[a] = al * dNl[a] + be * dsl[a]
        dsl[0] += 1.0
        dsl[1] += Nl
        dsl[2] += so
        svn = om + al * Nl + be * so
        if not (svn > 1e-300 and svn < 1e300):
            badt = True
            break
        Lg = math.log(svn)
        lp = Lg * inv_d1
        if not (lp > -690.0 and lp < 690.0):
            badt = True
            break
        e = xi * math.exp(-lp)
        ft += lp + e
        w1 = 1.0 - e
        t0 = inv_d1 / svn
        for a in range(7):
            gl = dsl[a] * t0
            gt[a] += w1 * gl
            det[a] = -e * gl
        gd = Lg * inv_d1 * inv_d1
        gt[5] -= w1 * gd
        det[5] += e * gd
        dv = e - nu
        if tau > 0.0:
            r = math.sqrt(dv * dv + tt)
            sg = dv / r
        else:
            r = abs(dv)
            sg = 1.0 if dv > 0.0 else -1.0
        u = r + c * dv
        if u > 0.0:
            lu = math.log(u)
            P = math.exp(d2 * lu)
            q = P * d2 * (sg + c) / u
        else:
            lu = 0.0
            P = 0.0 if u <= 0.0 else u  # nan stays nan
            q = P
        if aug_s:
            sq = svn * q
            for a in range(7):
                dNl[a] = P * dsl[a] + sq * det[a]
            dNl[4] -= sq
            dNl[3] += (svn * P * d2 * dv / u) if u > 0.0 else 0.0
            dNl[6] += svn * P * lu
            Nl = svn * P
        else:
            for a in range(7):
                dNl[a] = q * det[a]
            dNl[4] -= q
            dNl[3] += (P * d2 * dv / u) if u > 0.0 else 0.0
            dNl[6] += P * lu
            Nl = P
        so = svn
    gs = np.zeros(7)
    ftot = ft
    for a in range(7):
        gs[a] = gt[a]
    for ln in range(L):
        ftot += f[ln]
        for a in range(7):
            gs[a] += g[a * L + ln]
    if badt or np.any(bad != 0.0):
        return False, 0.0, gs, dmax
    return math.isfinite(ftot), ftot, gs, dmax
