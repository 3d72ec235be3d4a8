r"""Numba kernels for the kinked ACD variants (ABACD, AACD) on long series.

Two kernels serve the fit of :mod:`.kink` when the law is exponential (QML), without
regressors or groups:

* :func:`tangent2` runs the recursion once in *forward mode to second order*: beside each
  state it carries the gradient and the Hessian of ``log psi_i`` (and of the news term) in all
  ``k`` parameters, and accumulates the objective ``f = sum_i (log psi_i + eps_i)``, its
  gradient, its Hessian ``sum_i [eps_i a_i a_i' + (1 - eps_i) B_i]`` (``a_i``, ``B_i`` the
  gradient and Hessian of ``log psi_i``), the score outer product
  ``sum_i (1 - eps_i)^2 a_i a_i'`` and ``sum_i a_i a_i'``. One pass gives a Newton step and the
  three matrices of the covariances, without any ``n x k`` array (the finite-difference route
  needs ``k + 1`` forward + adjoint passes).
* :func:`tangent11` (Hessian pass) and :func:`grad11` (objective and gradient, first order)
  are the same computation for order ``(1, 1)``, the common case: the history in scalars,
  no ring of slots; ``tangent11`` keeps dense padded ``8 x 8`` blocks with branch-free loops
  (about 0.65 of the cost of :func:`tangent2`), ``grad11`` costs about one evaluation of the
  objective (the tangent arithmetic is off the serial ``log``/``exp`` chain; about 0.6 of
  the engine's adjoint pass).
* :func:`exact_multi` evaluates the objective at ``K`` parameter vectors in one pass over the
  data. The recursion is a serial chain of ``log``/``exp`` calls whose *latency* bounds a
  single pass; ``K`` independent chains interleave, so a pass with ``K`` vectors costs about
  ``K / 2`` single passes (measured at a load of about 5 on 2 cores: 62 ms for one ABACD
  evaluation at ``n = 10^6``, 32-40 ms per vector with ``K >= 2``).

The recursion is that of :mod:`.models` (``"abacd"``: news ``N = u^delta2``; ``"aacd"``:
``N = s u^delta2``; ``u = |eps - nu| + c (eps - nu)``, with ``|.|`` smoothed to
``sqrt((eps - nu)^2 + tau^2)`` when ``tau > 0``): ``s_i = omega + sum_j alpha_j N_{i-j} +
sum_j beta_j s_{i-j}``, ``psi_i = s_i^(1/delta1)``. Parameters in :func:`.models.layout`'s
order: ``omega, alpha[1..p], beta[1..q], c, nu, delta1, delta2``. Presample: ``s = b^delta1``,
``eps = 1``; with ACDm's rule (``m`` leading spells) ``s_i = b^delta1``, ``psi_i = b`` and the
news residual of those spells is 1 (``eps_one``) or ``x_i / b``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["tangent2", "tangent11", "grad11", "exact_multi", "exact_multi11"]


@numba.njit(cache=True)
def tangent2(theta, x, b, m, p, q, aug_s, tau, eps_one, want_h):  # pragma: no cover - compiled
    """Objective ``sum_i (log psi_i + eps_i)`` of the exponential QML with its gradient and
    Hessian, and the score outer product ``I`` and ``J = sum a a'`` (all sums, not means).

    Returns ``(ok, f, g, H, I, J)``; ``ok`` is False when the state leaves its domain. With
    ``want_h`` False only ``f`` and ``g`` are computed (``H``, ``I``, ``J`` are zero). The
    dense ``k x k`` updates are branch-free; the few entries of the unit directions
    (``omega``, the coefficients, ``c``, ``nu``, ``delta1``, ``delta2``) are added apart. No
    array view is taken inside the loop over spells (each costs reference counting).
    """
    n = x.shape[0]
    k = theta.shape[0]
    i_c = 1 + p + q
    i_nu = i_c + 1
    i_d1 = i_c + 2
    i_d2 = i_c + 3
    om = theta[0]
    c = theta[i_c]
    nu = theta[i_nu]
    d1 = theta[i_d1]
    d2 = theta[i_d2]
    # history slots: spell i in slot i % W (never one of the slots of i-1..i-W+1); slot W
    # holds the presample state and news
    W = max(p, q, 1) + 1
    kh = k if want_h else 1
    Sv = np.zeros(W + 1)
    Sg = np.zeros((W + 1, k))
    SH = np.zeros((W + 1, kh, kh))
    Nv = np.zeros(W + 1)
    Ng = np.zeros((W + 1, k))
    NH = np.zeros((W + 1, kh, kh))
    g = np.zeros(k)
    H = np.zeros((kh, kh))
    In = np.zeros((kh, kh))
    J = np.zeros((kh, kh))
    gl = np.zeros(k)
    Hl = np.zeros((kh, kh))
    gdv = np.zeros(k)
    gu = np.zeros(k)
    gz = np.zeros(k)
    gP = np.zeros(k)
    HP = np.zeros((kh, kh))
    lb = math.log(b)
    s0 = math.exp(d1 * lb)
    Sv[W] = s0
    Sg[W, i_d1] = s0 * lb
    if want_h:
        SH[W, i_d1, i_d1] = s0 * lb * lb
    P = _news2(1.0, gl, Hl, 1.0, nu, c, d2, tau, i_c, i_nu, i_d2, k, want_h, gdv, gu, gz, gP, HP)
    Nv[W] = _mul_state(aug_s, W, Sv, Sg, SH, P, gP, HP, k, want_h, Ng, NH)
    f = 0.0
    ri = W - 1
    for i in range(n):
        ri += 1  # i % W without an integer division
        if ri == W:
            ri = 0
        xi = x[i]
        if i < m:  # ACDm's leading spells: s = s0, psi = b (constant log psi)
            f += lb + xi / b
            Sv[ri] = s0
            for a in range(k):
                Sg[ri, a] = Sg[W, a]
            if want_h:
                for a in range(k):
                    for bb in range(k):
                        SH[ri, a, bb] = SH[W, a, bb]
            en = 1.0 if eps_one else xi / b
            P = _news2(en, gl, Hl, 1.0, nu, c, d2, tau, i_c, i_nu, i_d2, k, want_h, gdv, gu, gz,
                       gP, HP)  # fmt: skip
            Nv[ri] = _mul_state(aug_s, ri, Sv, Sg, SH, P, gP, HP, k, want_h, Ng, NH)
            continue
        # state: s = omega + sum alpha_j N_{i-j} + sum beta_j s_{i-j}
        sv = om
        for a in range(k):
            Sg[ri, a] = 0.0
        Sg[ri, 0] = 1.0
        if want_h:
            for a in range(k):
                for bb in range(k):
                    SH[ri, a, bb] = 0.0
        for j in range(1, p + q + 1):
            cf = theta[j]
            lag = j if j <= p else j - p
            rj = W
            if i - lag >= 0:
                rj = ri - lag
                if rj < 0:
                    rj += W
            if j <= p:
                sv += cf * Nv[rj]
                Sg[ri, j] += Nv[rj]
                for a in range(k):
                    Sg[ri, a] += cf * Ng[rj, a]
                if want_h:
                    for a in range(k):
                        for bb in range(a, k):
                            SH[ri, a, bb] += cf * NH[rj, a, bb]
                    for a in range(j):
                        SH[ri, a, j] += Ng[rj, a]
                    SH[ri, j, j] += 2.0 * Ng[rj, j]
                    for a in range(j + 1, k):
                        SH[ri, j, a] += Ng[rj, a]
            else:
                sv += cf * Sv[rj]
                Sg[ri, j] += Sv[rj]
                for a in range(k):
                    Sg[ri, a] += cf * Sg[rj, a]
                if want_h:
                    for a in range(k):
                        for bb in range(a, k):
                            SH[ri, a, bb] += cf * SH[rj, a, bb]
                    for a in range(j):
                        SH[ri, a, j] += Sg[rj, a]
                    SH[ri, j, j] += 2.0 * Sg[rj, j]
                    for a in range(j + 1, k):
                        SH[ri, j, a] += Sg[rj, a]
        if not (sv > 1e-300 and sv < 1e300):
            return False, 0.0, g, H, In, J
        L = math.log(sv)
        lp = L / d1
        if not (lp > -690.0 and lp < 690.0):
            return False, 0.0, g, H, In, J
        psi = math.exp(lp)
        e = xi / psi
        f += lp + e
        Sv[ri] = sv
        # a = d log psi: log psi = log(s) / d1
        inv_s = 1.0 / sv
        inv_d1 = 1.0 / d1
        for a in range(k):
            gl[a] = Sg[ri, a] * inv_s * inv_d1
        gl[i_d1] -= L * inv_d1 * inv_d1
        w = 1.0 - e
        for a in range(k):
            g[a] += w * gl[a]
        if want_h:
            # B = d2 log psi, dense part (sH / s - gL gL') / d1 with gL = d log s
            t0 = inv_s * inv_d1
            t2 = inv_s * inv_s * inv_d1
            for a in range(k):
                for bb in range(a, k):
                    Hl[a, bb] = SH[ri, a, bb] * t0 - Sg[ri, a] * Sg[ri, bb] * t2
            t1 = inv_d1 * inv_d1 * inv_s
            for a in range(i_d1):
                Hl[a, i_d1] -= Sg[ri, a] * t1
            Hl[i_d1, i_d1] -= 2.0 * Sg[ri, i_d1] * t1
            for a in range(i_d1 + 1, k):
                Hl[i_d1, a] -= Sg[ri, a] * t1
            Hl[i_d1, i_d1] += 2.0 * L * inv_d1 * inv_d1 * inv_d1
            ww = w * w
            for a in range(k):
                ga = gl[a]
                for bb in range(a, k):
                    aa = ga * gl[bb]
                    H[a, bb] += w * Hl[a, bb] + e * aa
                    In[a, bb] += ww * aa
                    J[a, bb] += aa
                    Hl[a, bb] = e * (aa - Hl[a, bb])  # now the Hessian of eps
        for a in range(k):
            gl[a] = -e * gl[a]  # now the gradient of eps
        P = _news2(e, gl, Hl, 0.0, nu, c, d2, tau, i_c, i_nu, i_d2, k, want_h, gdv, gu, gz, gP,
                   HP)  # fmt: skip
        Nv[ri] = _mul_state(aug_s, ri, Sv, Sg, SH, P, gP, HP, k, want_h, Ng, NH)
    if want_h:  # the upper triangles were accumulated
        for a in range(k):
            for bb in range(a):
                H[a, bb] = H[bb, a]
                In[a, bb] = In[bb, a]
                J[a, bb] = J[bb, a]
    return True, f, g, H, In, J


@numba.njit(cache=True, inline="always")
def _news2(e, ge, He, const, nu, c, d2, tau, i_c, i_nu, i_d2, k, want_h, gdv, gu, gz, gP, HP):
    """``P = u(e)^d2`` with its gradient (into ``gP``) and Hessian (into ``HP``), given those
    of the residual (``ge``, ``He``; ignored when ``const`` is 1: a constant residual)."""
    # pragma: no cover - compiled
    dv = e - nu
    if tau > 0.0:
        r = math.sqrt(dv * dv + tau * tau)
        sg = dv / r
        curv = tau * tau / (r * r * r)
    else:
        r = abs(dv)
        sg = 1.0 if dv > 0.0 else -1.0
        curv = 0.0
    u = r + c * dv
    if u <= 0.0:
        gP[:] = 0.0
        if want_h:
            HP[:, :] = 0.0
        return 0.0
    lu = math.log(u)
    P = math.exp(d2 * lu)
    sc = sg + c
    iu = 1.0 / u
    for a in range(k):
        gdv[a] = 0.0 if const == 1.0 else ge[a]
    gdv[i_nu] -= 1.0
    for a in range(k):
        gu[a] = sc * gdv[a]
    gu[i_c] += dv
    for a in range(k):
        gz[a] = d2 * iu * gu[a]
    gz[i_d2] += lu
    for a in range(k):
        gP[a] = P * gz[a]
    if want_h:
        q1 = P * d2 * iu
        q2 = P * d2 * iu * iu
        if const == 1.0:
            for a in range(k):
                for bb in range(a, k):
                    HP[a, bb] = (P * gz[a] * gz[bb] + q1 * curv * gdv[a] * gdv[bb]
                                 - q2 * gu[a] * gu[bb])  # fmt: skip
        else:
            for a in range(k):
                for bb in range(a, k):
                    HP[a, bb] = (P * gz[a] * gz[bb] + q1 * (sc * He[a, bb] + curv * gdv[a] * gdv[bb])
                                 - q2 * gu[a] * gu[bb])  # fmt: skip
        # sparse parts: d2 u / dc d. = d dv (in H_u), d2 z / d delta2 d. = d u / u (in H_z)
        _sym_unit(HP, i_c, gdv, q1, k)
        _sym_unit(HP, i_d2, gu, P * iu, k)
    return P


@numba.njit(cache=True, inline="always")
def _sym_unit(M, j, v, s, k):  # pragma: no cover - compiled
    """Upper triangle of ``M += s (e_j v' + v e_j')``."""
    for a in range(j):
        M[a, j] += s * v[a]
    M[j, j] += 2.0 * s * v[j]
    for a in range(j + 1, k):
        M[j, a] += s * v[a]


@numba.njit(cache=True, inline="always")
def _mul_state(aug_s, r, Sv, Sg, SH, P, gP, HP, k, want_h, Ng, NH):  # pragma: no cover
    """The news term of slot ``r``, ``P`` (ABACD) or ``s P`` (AACD, ``s`` in slot ``r``): its
    derivatives into ``Ng[r]``, ``NH[r]``; returns its value."""
    if not aug_s:
        for a in range(k):
            Ng[r, a] = gP[a]
        if want_h:
            for a in range(k):
                for bb in range(a, k):
                    NH[r, a, bb] = HP[a, bb]
        return P
    sv = Sv[r]
    for a in range(k):
        Ng[r, a] = P * Sg[r, a] + sv * gP[a]
    if want_h:
        for a in range(k):
            for bb in range(a, k):
                NH[r, a, bb] = (P * SH[r, a, bb] + Sg[r, a] * gP[bb] + gP[a] * Sg[r, bb]
                                + sv * HP[a, bb])  # fmt: skip
    return sv * P


@numba.njit(cache=True)
def exact_multi(T, x, b, m, p, q, aug_s, tau, eps_one):  # pragma: no cover - compiled
    """Objective ``sum_i (log psi_i + eps_i)`` at each row of ``T`` (``K x k``) in one pass;
    ``inf`` for a row whose state leaves its domain."""
    K = T.shape[0]
    n = x.shape[0]
    R = max(p, q, 1)
    i_c = 1 + p + q
    f = np.zeros(K)
    ok = np.ones(K, dtype=np.bool_)
    S = np.empty((K, R))
    N = np.empty((K, R))
    s0 = np.empty(K)
    N0 = np.empty(K)
    lb = math.log(b)
    for r in range(K):
        c = T[r, i_c]
        nu = T[r, i_c + 1]
        s0[r] = math.exp(T[r, i_c + 2] * lb)
        P = _news_value(1.0, nu, c, T[r, i_c + 3], tau)
        N0[r] = s0[r] * P if aug_s else P
    for i in range(n):
        ri = i % R
        xi = x[i]
        if i < m:
            for r in range(K):
                f[r] += lb + xi / b
                en = 1.0 if eps_one else xi / b
                P = _news_value(en, T[r, i_c + 1], T[r, i_c], T[r, i_c + 3], tau)
                S[r, ri] = s0[r]
                N[r, ri] = s0[r] * P if aug_s else P
            continue
        for r in range(K):
            if not ok[r]:
                continue
            sv = T[r, 0]
            for j in range(1, p + 1):
                sv += T[r, j] * (N[r, (i - j) % R] if i >= j else N0[r])
            for j in range(1, q + 1):
                sv += T[r, p + j] * (S[r, (i - j) % R] if i >= j else s0[r])
            if not (sv > 1e-300 and sv < 1e300):
                ok[r] = False
                continue
            lp = math.log(sv) / T[r, i_c + 2]
            if not (lp > -690.0 and lp < 690.0):
                ok[r] = False
                continue
            psi = math.exp(lp)
            e = xi / psi
            f[r] += lp + e
            P = _news_value(e, T[r, i_c + 1], T[r, i_c], T[r, i_c + 3], tau)
            S[r, ri] = sv
            N[r, ri] = sv * P if aug_s else P
    for r in range(K):
        if not ok[r] or not math.isfinite(f[r]):
            f[r] = np.inf
    return f


@numba.njit(cache=True, inline="always")
def _news_value(e, nu, c, d2, tau):  # pragma: no cover - compiled
    dv = e - nu
    u = (math.sqrt(dv * dv + tau * tau) if tau > 0.0 else abs(dv)) + c * dv
    if u <= 0.0:
        return 0.0
    return math.exp(d2 * math.log(u))


@numba.njit(cache=True)
def exact_multi11(T, x, b, m, aug_s, tau, eps_one):  # pragma: no cover - compiled
    """:func:`exact_multi` for order ``(1, 1)`` (no history ring: the common case; the
    rows' parameters in contiguous vectors, ``psi^-1`` by one ``exp``; equal to
    :func:`exact_multi` to rounding)."""
    K = T.shape[0]
    n = x.shape[0]
    f = np.zeros(K)
    S = np.empty(K)
    N = np.empty(K)
    lb = math.log(b)
    for r in range(K):
        S[r] = math.exp(T[r, 5] * lb)
        P = _news_value(1.0, T[r, 4], T[r, 3], T[r, 6], tau)
        N[r] = S[r] * P if aug_s else P
    bad = np.zeros(K, dtype=np.bool_)
    om = T[:, 0].copy()  # the rows' parameters in contiguous vectors
    al = T[:, 1].copy()
    be = T[:, 2].copy()
    c = T[:, 3].copy()
    nu = T[:, 4].copy()
    idl = 1.0 / T[:, 5]
    d2 = T[:, 6].copy()
    for i in range(n):
        xi = x[i]
        if i < m:
            for r in range(K):
                f[r] += lb + xi / b
                en = 1.0 if eps_one else xi / b
                P = _news_value(en, nu[r], c[r], d2[r], tau)
                S[r] = math.exp(T[r, 5] * lb)
                N[r] = S[r] * P if aug_s else P
            continue
        for r in range(K):
            sv = om[r] + al[r] * N[r] + be[r] * S[r]
            if not (sv > 1e-300 and sv < 1e300):
                bad[r] = True
                sv = 1.0
            lp = math.log(sv) * idl[r]
            if not (lp > -690.0 and lp < 690.0):
                bad[r] = True
                lp = 0.0
            e = xi * math.exp(-lp)
            f[r] += lp + e
            P = _news_value(e, nu[r], c[r], d2[r], tau)
            S[r] = sv
            N[r] = sv * P if aug_s else P
    for r in range(K):
        if bad[r] or not math.isfinite(f[r]):
            f[r] = np.inf
    return f


@numba.njit(cache=True)
def grad11(theta, x, b, m, aug_s, tau, eps_one):  # pragma: no cover - compiled
    """Objective and gradient of :func:`tangent2` (``want_h`` False) for order ``(1, 1)``:
    first-order forward mode with the history in scalars and length-7 tangents (no ring,
    no generic news routine), about the cost of one :func:`exact_multi11` vector plus the
    tangent arithmetic, which is off the serial ``log``/``exp`` chain.

    Returns ``(ok, f, g)`` (sums, not means).
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
    g = np.zeros(7)
    ds = np.zeros(7)  # d s of the previous spell
    dN = np.zeros(7)  # d N of the previous spell
    lb = math.log(b)
    s0 = math.exp(d1 * lb)
    # presample news: residual 1 (constant)
    sv = s0
    ds[5] = s0 * lb
    N, dN = _news11(1.0, ds, ds, True, sv, nu, c, d2, tau, tt, aug_s, dN)
    ds0 = ds.copy()
    f = 0.0
    de = np.zeros(7)
    for i in range(n):
        xi = x[i]
        if i < m:  # ACDm's leading spells: s = s0, psi = b
            f += lb + xi / b
            sv = s0
            for a in range(7):
                ds[a] = ds0[a]
            en = 1.0 if eps_one else xi / b
            N, dN = _news11(en, de, ds, True, sv, nu, c, d2, tau, tt, aug_s, dN)
            continue
        # s = omega + alpha N_{i-1} + beta s_{i-1}, tangents in place
        for a in range(7):
            ds[a] = al * dN[a] + be * ds[a]
        ds[0] += 1.0
        ds[1] += N
        ds[2] += sv
        sv = om + al * N + be * sv
        if not (sv > 1e-300 and sv < 1e300):
            return False, 0.0, g
        L = math.log(sv)
        lp = L * inv_d1
        if not (lp > -690.0 and lp < 690.0):
            return False, 0.0, g
        e = xi * math.exp(-lp)
        f += lp + e
        w = 1.0 - e
        t0 = inv_d1 / sv
        for a in range(7):
            gl = ds[a] * t0
            g[a] += w * gl
            de[a] = -e * gl
        gd = L * inv_d1 * inv_d1
        g[5] -= w * gd
        de[5] += e * gd
        N, dN = _news11(e, de, ds, False, sv, nu, c, d2, tau, tt, aug_s, dN)
    for a in range(7):
        if not math.isfinite(g[a]):
            return False, 0.0, g
    return math.isfinite(f), f, g


@numba.njit(cache=True, inline="always")
def _news11(e, de, ds, const, sv, nu, c, d2, tau, tt, aug_s, dN):  # pragma: no cover
    """News term ``N`` of :func:`grad11` and its gradient (into ``dN``, returned)."""
    dv = e - nu
    if tau > 0.0:
        r = math.sqrt(dv * dv + tt)
        sg = dv / r
    else:
        r = abs(dv)
        sg = 1.0 if dv > 0.0 else -1.0
    u = r + c * dv
    if u <= 0.0:
        for a in range(7):
            dN[a] = 0.0
        return 0.0, dN
    lu = math.log(u)
    P = math.exp(d2 * lu)
    q = P * d2 * (sg + c) / u  # dP / d dv
    if aug_s:
        for a in range(7):
            dN[a] = P * ds[a] + sv * (0.0 if const else q * de[a])
        dN[4] -= sv * q
        dN[3] += sv * P * d2 * dv / u
        dN[6] += sv * P * lu
        return sv * P, dN
    for a in range(7):
        dN[a] = 0.0 if const else q * de[a]
    dN[4] -= q
    dN[3] += P * d2 * dv / u
    dN[6] += P * lu
    return P, dN


@numba.njit(cache=True)
def tangent11(theta, x, b, m, aug_s, tau, eps_one):  # pragma: no cover - compiled
    """:func:`tangent2` (with ``want_h``) for order ``(1, 1)``: the history in scalars and
    dense ``8 x 8`` blocks (7 parameters, padded), whose branch-free loops the compiler
    vectorises; the symmetric unit-direction terms are added as rows and columns.

    Returns ``(ok, f, g, H, I, J)`` (sums, not means; ``7 x 7`` matrices).
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
    g = np.zeros(8)
    H = np.zeros((8, 8))
    In = np.zeros((8, 8))
    J = np.zeros((8, 8))
    gs = np.zeros(8)
    HS = np.zeros((8, 8))
    gN = np.zeros(8)
    HN = np.zeros((8, 8))
    a = np.zeros(8)
    B = np.zeros((8, 8))
    ge = np.zeros(8)
    gdv = np.zeros(8)
    gu = np.zeros(8)
    gz = np.zeros(8)
    HP = np.zeros((8, 8))
    lb = math.log(b)
    s0 = math.exp(d1 * lb)
    gs0 = np.zeros(8)
    gs0[5] = s0 * lb
    HS0 = np.zeros((8, 8))
    HS0[5, 5] = s0 * lb * lb
    sv = s0
    gs[:] = gs0
    HS[:, :] = HS0
    N = _news11h(1.0, ge, B, True, sv, gs, HS, nu, c, d2, tau, tt, aug_s, gdv, gu, gz, HP, gN, HN)
    f = 0.0
    for i in range(n):
        xi = x[i]
        if i < m:  # ACDm's leading spells: s = s0, psi = b
            f += lb + xi / b
            sv = s0
            gs[:] = gs0
            HS[:, :] = HS0
            en = 1.0 if eps_one else xi / b
            N = _news11h(en, ge, B, True, sv, gs, HS, nu, c, d2, tau, tt, aug_s, gdv, gu, gz,
                         HP, gN, HN)  # fmt: skip
            continue
        # s = omega + alpha N + beta s (previous spell): Hessian first (it needs the old
        # gradients), then the gradient
        for r in range(8):
            for q in range(8):
                HS[r, q] = al * HN[r, q] + be * HS[r, q]
        for q in range(8):
            HS[1, q] += gN[q]
            HS[q, 1] += gN[q]
            HS[2, q] += gs[q]
            HS[q, 2] += gs[q]
        for q in range(8):
            gs[q] = al * gN[q] + be * gs[q]
        gs[0] += 1.0
        gs[1] += N
        gs[2] += sv
        sv = om + al * N + be * sv
        if not (sv > 1e-300 and sv < 1e300):
            return False, 0.0, g[:7], H[:7, :7], In[:7, :7], J[:7, :7]
        L = math.log(sv)
        lp = L * inv_d1
        if not (lp > -690.0 and lp < 690.0):
            return False, 0.0, g[:7], H[:7, :7], In[:7, :7], J[:7, :7]
        e = xi * math.exp(-lp)
        f += lp + e
        w = 1.0 - e
        ww = w * w
        t0 = inv_d1 / sv
        t2 = t0 / sv
        t1 = inv_d1 * t0
        for q in range(8):
            a[q] = gs[q] * t0
        a[5] -= L * inv_d1 * inv_d1
        # B = d2 log psi
        for r in range(8):
            gr = gs[r] * t2
            for q in range(8):
                B[r, q] = HS[r, q] * t0 - gr * gs[q]
        for q in range(8):
            B[5, q] -= gs[q] * t1
            B[q, 5] -= gs[q] * t1
        B[5, 5] += 2.0 * L * inv_d1 * inv_d1 * inv_d1
        for r in range(8):
            ar = a[r]
            for q in range(8):
                aa = ar * a[q]
                H[r, q] += w * B[r, q] + e * aa
                In[r, q] += ww * aa
                J[r, q] += aa
                B[r, q] = e * (aa - B[r, q])  # now the Hessian of eps
        for q in range(8):
            g[q] += w * a[q]
            ge[q] = -e * a[q]
        N = _news11h(e, ge, B, False, sv, gs, HS, nu, c, d2, tau, tt, aug_s, gdv, gu, gz, HP,
                     gN, HN)  # fmt: skip
    ok = math.isfinite(f)
    for r in range(7):
        ok = ok and math.isfinite(g[r])
    return ok, f, g[:7].copy(), H[:7, :7].copy(), In[:7, :7].copy(), J[:7, :7].copy()


@numba.njit(cache=True, inline="always")
def _news11h(e, ge, He, const, sv, gs, HS, nu, c, d2, tau, tt, aug_s, gdv, gu, gz, HP, gN, HN):
    """News term of :func:`tangent11` with its gradient and Hessian (into ``gN``, ``HN``);
    ``ge``, ``He`` (gradient, Hessian of the residual) are ignored when ``const``."""
    # pragma: no cover - compiled
    dv = e - nu
    if tau > 0.0:
        r = math.sqrt(dv * dv + tt)
        sg = dv / r
        curv = tt / (r * r * r)
    else:
        r = abs(dv)
        sg = 1.0 if dv > 0.0 else -1.0
        curv = 0.0
    u = r + c * dv
    if u <= 0.0:
        gN[:] = 0.0
        HN[:, :] = 0.0
        return 0.0
    lu = math.log(u)
    P = math.exp(d2 * lu)
    sc = sg + c
    iu = 1.0 / u
    for q in range(8):
        gdv[q] = 0.0 if const else ge[q]
    gdv[4] -= 1.0
    for q in range(8):
        gu[q] = sc * gdv[q]
    gu[3] += dv
    for q in range(8):
        gz[q] = d2 * iu * gu[q]
    gz[6] += lu
    q1 = P * d2 * iu
    q2 = q1 * iu
    ksc = 0.0 if const else q1 * sc
    kc = q1 * curv
    for r_ in range(8):
        pr = P * gz[r_]
        cr = kc * gdv[r_]
        ur = q2 * gu[r_]
        for q in range(8):
            HP[r_, q] = pr * gz[q] + cr * gdv[q] - ur * gu[q] + ksc * He[r_, q]
    pu = P * iu
    for q in range(8):
        HP[3, q] += q1 * gdv[q]
        HP[q, 3] += q1 * gdv[q]
        HP[6, q] += pu * gu[q]
        HP[q, 6] += pu * gu[q]
    if aug_s:
        for r_ in range(8):
            gr = gs[r_]
            pr = P * gz[r_]
            for q in range(8):
                HN[r_, q] = P * HS[r_, q] + gr * P * gz[q] + pr * gs[q] + sv * HP[r_, q]
        for q in range(8):
            gN[q] = P * gs[q] + sv * P * gz[q]
        return sv * P
    for r_ in range(8):
        for q in range(8):
            HN[r_, q] = HP[r_, q]
    for q in range(8):
        gN[q] = P * gz[q]
    return P
