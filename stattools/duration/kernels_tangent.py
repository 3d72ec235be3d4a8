r"""Forward-mode (tangent) kernel of the smooth ACD variants: exact Hessian in one pass.

One forward pass carries, beside the state ``s_i``, its first and second derivatives in every
recursion parameter, ``ds_i`` (``k``) and ``d^2 s_i`` (``k x k``, upper triangle), through the
news terms and the autoregression, and accumulates for the exponential quasi-likelihood
``-l_i = log psi_i + eps_i`` (``l_i = log psi_i``, ``dl = d log psi``):

* the objective ``sum_i (l_i + eps_i)`` and its gradient ``sum_i (1 - eps_i) dl_i``;
* the exact Hessian ``sum_i (1 - eps_i) d^2 l_i + eps_i dl_i dl_i'``;
* the Gauss-Newton matrix ``sum_i eps_i dl_i dl_i'`` (positive semi-definite);
* the score outer product ``sum_i (1 - eps_i)^2 dl_i dl_i'`` and ``sum_i dl_i dl_i'`` (the
  expected information of the exponential QMLE), the two other matrices of the covariances.

So one pass replaces the ``k + 1`` forward + adjoint passes of a finite-difference Hessian and
the ``n x k`` Jacobian of the scores. Memory is a ring of ``max lag + 1`` spells.

Supported: the transforms ``psi = s``, ``exp(s)``, ``s^(1/delta1)`` and the basis codes of
:mod:`.kernels` that are smooth or piecewise linear in ``eps`` (0 ``x``, 1 ``eps``, 2 ``log eps``,
3 ``|eps - 1|``, 4 ``eps^delta2``, 7 and 8 the SNIACD hinges; at a kink the derivative of the
piece ``eps`` falls in is used), without regressors. The augmented news terms of ABACD/AACD
(codes 5, 6) are not: :func:`supported` says so and the callers fall back to finite
differences.

Derivatives, with ``u = log eps = log x - l``, ``du = -dl``, ``d^2 u = -d^2 l``:
``d eps = eps du``, ``d^2 eps = eps (du du' + d^2 u)``; ``B = eps^d2 = exp(d2 u)`` gives
``dB = B w``, ``w = d2 du + u e_{d2}``, ``d^2 B = B (w w' + d2 d^2 u + du e_{d2}' + e_{d2} du')``;
``l = log(s) / d1`` gives ``dl = ds / (s d1) - log(s) / d1^2 e_{d1}`` and
``d^2 l = d^2 s / (s d1) - ds ds' / (s^2 d1) - (ds e_{d1}' + e_{d1} ds') / (s d1^2)
+ 2 log(s) / d1^3 e_{d1} e_{d1}'``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["supported", "tangent_exp"]

_CODES = (0, 1, 2, 3, 4, 7, 8)  # basis codes handled (smooth or piecewise linear in eps)


def supported(t_basis: np.ndarray) -> bool:
    """Whether every news term of a layout has a basis code this kernel handles."""
    return all(int(c) in _CODES for c in t_basis)


@numba.njit(cache=True)
def _cross(M, pos, c, v, k):  # pragma: no cover - compiled
    """``M += e_c v' + v e_c'`` on the packed upper triangle ``M`` (``pos``: pair -> index)."""
    for a in range(k):
        M[pos[c, a]] += v[a]
    M[pos[c, c]] += v[c]


@numba.njit(cache=True)
def tangent_exp(
    theta, x, logx, b, m, tr, t_coef, t_basis, t_lag, t_aux, i_beta, q, i_d1, i_d2, bps,
    eps_one, want_hess, want_info,
):  # pragma: no cover - compiled  # fmt: skip
    """Objective, gradient and the matrices of the module docstring in one pass.

    Returns ``(ok, f, g, H, G, I, J)``: sums over spells (not means), ``k x k``; ``H`` the
    exact Hessian of ``f`` (zeros unless ``want_hess``), ``G`` the Gauss-Newton matrix,
    ``I`` the score outer product, ``J = sum dl dl'`` (zeros unless ``want_info``). ``ok``
    is False when the state leaves its domain (as in :func:`.kernels.forward`). Symmetric
    matrices are carried as packed upper triangles (``K2 = k (k + 1) / 2`` entries).
    """
    n = x.shape[0]
    k = theta.shape[0]
    nt = t_coef.shape[0]
    K2 = k * (k + 1) // 2
    pa = np.empty(K2, dtype=np.int64)
    pc = np.empty(K2, dtype=np.int64)
    pos = np.empty((k, k), dtype=np.int64)
    p = 0
    for a in range(k):
        for c in range(a, k):
            pa[p] = a
            pc[p] = c
            pos[a, c] = p
            pos[c, a] = p
            p += 1
    d1 = theta[i_d1] if i_d1 >= 0 else 1.0
    d2 = theta[i_d2] if i_d2 >= 0 else 1.0
    lb = math.log(b)
    lmax = q
    for t in range(nt):
        lmax = max(lmax, t_lag[t])
    R = lmax + 1
    KH = K2 if want_hess else 0
    # ring buffers of the last R spells (state, its derivatives, residual, log residual,
    # Box-Cox power, duration, derivatives of log psi)
    rs = np.zeros(R)
    rds = np.zeros((R, k))
    rd2s = np.zeros((R, KH))
    re = np.ones(R)
    ru = np.zeros(R)
    rpw = np.ones(R)
    rx = np.full(R, b)
    rdl = np.zeros((R, k))
    rd2l = np.zeros((R, KH))
    if tr == 0:  # the constant state s0 = s(b) (a function of delta1 only)
        s0 = b
    elif tr == 1:
        s0 = lb
    else:
        s0 = math.exp(d1 * lb)
    ds0 = np.zeros(k)
    d2s0 = np.zeros(KH)
    if tr == 2:
        ds0[i_d1] = s0 * lb
        if want_hess:
            d2s0[pos[i_d1, i_d1]] = s0 * lb * lb
    for r in range(R):  # the presample: state s0, residual 1, duration b
        rs[r] = s0
        rds[r] = ds0
        rd2s[r] = d2s0
    g = np.zeros(k)
    Z2 = np.zeros((k, k))
    H = np.zeros(K2)
    G = np.zeros(K2)
    I_ = np.zeros(K2)
    J = np.zeros(K2)
    ds = np.zeros(k)
    d2s = np.zeros(KH)
    dl = np.zeros(k)
    d2l = np.zeros(KH)
    dB = np.zeros(k)
    has_lx = logx.shape[0] == n
    f = 0.0
    mant = 1.0
    expo = 0
    for i in range(n):
        cur = (i + lmax) % R
        if i < m:  # ACDm's fixed leading spells: psi = b, state s0
            rs[cur] = s0
            rds[cur] = ds0
            rd2s[cur] = d2s0
            rdl[cur] = 0.0
            rd2l[cur] = 0.0
            e = 1.0 if eps_one else x[i] / b
            rx[cur] = x[i]
            re[cur] = e
            # log eps = log x - log b as in kernels.forward (the same rounding: the Box-Cox
            # recursion can amplify a last-bit difference along the path)
            if eps_one:
                ru[cur] = 0.0
                rpw[cur] = 1.0
            elif e > 0.0:
                ru[cur] = (logx[i] if has_lx else math.log(x[i])) - lb
                rpw[cur] = math.exp(d2 * ru[cur])
            else:
                ru[cur] = 0.0
                rpw[cur] = 0.0
            f += lb + x[i] / b
            continue
        v = theta[0]
        ds[:] = 0.0
        ds[0] = 1.0
        d2s[:] = 0.0
        for t in range(nt):
            j = (i - t_lag[t] + lmax) % R
            code = t_basis[t]
            ic = t_coef[t]
            cf = theta[ic]
            if code == 0:
                v += cf * rx[j]
                ds[ic] += rx[j]
                continue
            if code == 2:  # B = u: dB = -dl, d2B = -d2l
                bv = ru[j]
                for a in range(k):
                    dB[a] = -rdl[j, a]
                for p in range(KH):
                    d2s[p] -= cf * rd2l[j, p]
            elif code == 4:  # B = exp(d2 u): dB = B w, d2B = B (w w' - d2 d2l - dl e' - e dl')
                bv = rpw[j]
                if bv == 0.0:
                    continue
                for a in range(k):
                    dB[a] = -d2 * rdl[j, a]
                dB[i_d2] += ru[j]
                cb = cf * bv
                for p in range(KH):
                    d2s[p] += cb * (dB[pa[p]] * dB[pc[p]] - d2 * rd2l[j, p])
                if want_hess:
                    for a in range(k):
                        d2s[pos[i_d2, a]] -= cb * rdl[j, a]
                    d2s[pos[i_d2, i_d2]] -= cb * rdl[j, i_d2]
                for a in range(k):
                    dB[a] *= bv
            else:  # slope sl in eps: dB = -sl e dl, d2B = sl e (dl dl' - d2l)
                e = re[j]
                if code == 1:
                    bv = e
                    sl = 1.0
                elif code == 3:
                    bv = abs(e - 1.0)
                    sl = 1.0 if e > 1.0 else -1.0
                elif code == 7:
                    bk = bps[t_aux[t]]
                    bv = e - bk if e > bk else 0.0
                    sl = 1.0 if e > bk else 0.0
                else:
                    bv = e
                    sl = 1.0
                    for kb in range(1, bps.shape[0]):
                        if e > bps[kb]:
                            bv += e - bps[kb]
                            sl += 1.0
                se = sl * e
                for a in range(k):
                    dB[a] = -se * rdl[j, a]
                cs = cf * se
                for p in range(KH):
                    d2s[p] += cs * (rdl[j, pa[p]] * rdl[j, pc[p]] - rd2l[j, p])
            v += cf * bv
            ds[ic] += bv
            for a in range(k):
                ds[a] += cf * dB[a]
            if want_hess:  # e_c dB' + dB e_c'
                _cross(d2s, pos, ic, dB, k)
        for jj in range(1, q + 1):
            j = (i - jj + lmax) % R
            ib = i_beta + jj - 1
            bj = theta[ib]
            v += bj * rs[j]
            ds[ib] += rs[j]
            for a in range(k):
                ds[a] += bj * rds[j, a]
            for p in range(KH):
                d2s[p] += bj * rd2s[j, p]
            if want_hess:
                for a in range(k):
                    dB[a] = rds[j, a]
                _cross(d2s, pos, ib, dB, k)
        # log psi and its derivatives
        if tr == 0:
            if not (v > 1e-300 and v < 1e300):
                return False, 0.0, g, Z2, Z2, Z2, Z2
            p_ = v
            lp = 0.0
            for a in range(k):
                dl[a] = ds[a] / v
            for p in range(KH):
                d2l[p] = d2s[p] / v - dl[pa[p]] * dl[pc[p]]
        elif tr == 1:
            if not (v > -700.0 and v < 700.0):
                return False, 0.0, g, Z2, Z2, Z2, Z2
            p_ = math.exp(v)
            lp = v
            for a in range(k):
                dl[a] = ds[a]
            for p in range(KH):
                d2l[p] = d2s[p]
        else:
            if not (v > 1e-300 and v < 1e300):
                return False, 0.0, g, Z2, Z2, Z2, Z2
            la = math.log(v)
            lp = la / d1
            if not (lp > -690.0 and lp < 690.0):
                return False, 0.0, g, Z2, Z2, Z2, Z2
            p_ = math.exp(lp)
            sd = v * d1
            vsd = v * sd
            for p in range(KH):
                d2l[p] = d2s[p] / sd - ds[pa[p]] * ds[pc[p]] / vsd
            if want_hess:  # -(ds e' + e ds') / (s d1^2) + 2 log(s) / d1^3 e e'
                sdd = -1.0 / (sd * d1)
                for a in range(k):
                    dB[a] = ds[a] * sdd
                _cross(d2l, pos, i_d1, dB, k)
                d2l[pos[i_d1, i_d1]] += 2.0 * la / (d1 * d1 * d1)
            for a in range(k):
                dl[a] = ds[a] / sd
            dl[i_d1] -= la / (d1 * d1)
        e = x[i] / p_
        if tr == 0:
            mant *= p_
            if (i & 7) == 7:
                mant, ex = math.frexp(mant)
                expo += ex
            f += e
        else:
            f += lp + e
        w1 = 1.0 - e
        for a in range(k):
            g[a] += w1 * dl[a]
        if want_hess:
            for p in range(K2):
                H[p] += w1 * d2l[p] + e * dl[pa[p]] * dl[pc[p]]
        if want_info:
            ww = w1 * w1
            for p in range(K2):
                pr = dl[pa[p]] * dl[pc[p]]
                G[p] += e * pr
                I_[p] += ww * pr
                J[p] += pr
        # the spell into the ring
        rs[cur] = v
        rx[cur] = x[i]
        re[cur] = e
        for a in range(k):
            rds[cur, a] = ds[a]
            rdl[cur, a] = dl[a]
        for p in range(KH):
            rd2s[cur, p] = d2s[p]
            rd2l[cur, p] = d2l[p]
        if e > 0.0:
            uu = math.log(e) if tr == 0 else (logx[i] if has_lx else math.log(x[i])) - lp
            ru[cur] = uu
            rpw[cur] = math.exp(d2 * uu) if i_d2 >= 0 else e
        else:
            ru[cur] = 0.0
            rpw[cur] = 0.0
    if tr == 0:
        f += math.log(mant) + expo * math.log(2.0)
    return True, f, g, _unpack(H, pa, pc, k), _unpack(G, pa, pc, k), _unpack(I_, pa, pc, k), \
        _unpack(J, pa, pc, k)  # fmt: skip


@numba.njit(cache=True)
def _unpack(M, pa, pc, k):  # pragma: no cover - compiled
    out = np.zeros((k, k))
    for p in range(M.shape[0]):
        out[pa[p], pc[p]] = M[p]
        out[pc[p], pa[p]] = M[p]
    return out
