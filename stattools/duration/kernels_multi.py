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

__all__ = ["tangent2", "exact_multi"]


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
    """:func:`exact_multi` for order ``(1, 1)`` (no history ring: the common case)."""
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
    for i in range(n):
        xi = x[i]
        if i < m:
            for r in range(K):
                f[r] += lb + xi / b
                en = 1.0 if eps_one else xi / b
                P = _news_value(en, T[r, 4], T[r, 3], T[r, 6], tau)
                S[r] = math.exp(T[r, 5] * lb)
                N[r] = S[r] * P if aug_s else P
            continue
        for r in range(K):
            sv = T[r, 0] + T[r, 1] * N[r] + T[r, 2] * S[r]
            if not (sv > 1e-300 and sv < 1e300):
                bad[r] = True
                sv = 1.0
            lp = math.log(sv) / T[r, 5]
            if not (lp > -690.0 and lp < 690.0):
                bad[r] = True
                lp = 0.0
            e = xi / math.exp(lp)
            f[r] += lp + e
            P = _news_value(e, T[r, 4], T[r, 3], T[r, 6], tau)
            S[r] = sv
            N[r] = sv * P if aug_s else P
    for r in range(K):
        if bad[r] or not math.isfinite(f[r]):
            f[r] = np.inf
    return f
