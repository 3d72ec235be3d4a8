r"""Numba kernels of the ACD variants (:mod:`.models`): forward recursion and adjoint gradient.

One forward pass fills the state ``s_i``, ``psi_i``, the residual ``eps_i = x_i / psi_i`` and,
for the Box-Cox news terms, a per-spell cache of ``u_i^delta2`` and ``log u_i`` (``u_i`` is
``eps_i`` or ``|eps_i - nu| + c (eps_i - nu)``), so that no power or logarithm is evaluated
twice. The adjoint pass runs backwards in *pull* form: at spell ``i`` it collects
``lambda_i = dL/ds_i`` from the already known ``lambda_{i+l}`` of the states that read
spell ``i`` through a news term or the autoregression, and adds every parameter's
contribution in the same sweep. Its only work array is ``lambda`` (needed for regressors).

:func:`fg_exp` runs both passes in one call for the exponential (QML) law, with the
per-spell score of the law computed inline; :func:`adjoint` takes the score arrays of any
other law (``g = dl/ds``, ``h = dl/dpsi``).

Basis codes (see :mod:`.models`): 0 ``x``, 1 ``eps``, 2 ``log eps``, 3 ``|eps - 1|``,
4 ``eps^d2``, 5 ``(|eps - nu| + c (eps - nu))^d2``, 6 the same times ``s``, 7 the hinge
``(eps - b_k)_+``, 8 ``eps + sum_k (eps - b_k)_+``. For codes 5 and 6, ``bps[0] = tau > 0``
replaces ``|eps - nu|`` by ``sqrt((eps - nu)^2 + tau^2)`` (the smoothed likelihood that the
fit of ABACD/AACD follows towards ``tau = 0``; see :mod:`.engine`).
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["basis", "forward", "adjoint", "fg_exp"]


@numba.njit(cache=True, inline="always")
def basis(code, e, s, xv, aux, d2, nu, c, bps):  # pragma: no cover - compiled
    """``(B, dB/de, dB/ds, dB/dd2, dB/dnu, dB/dc)`` of basis ``code`` (no cache)."""
    if code == 0:  # x
        return xv, 0.0, 0.0, 0.0, 0.0, 0.0
    if code == 1:  # eps
        return e, 1.0, 0.0, 0.0, 0.0, 0.0
    if code == 2:  # log eps
        return math.log(e), 1.0 / e, 0.0, 0.0, 0.0, 0.0
    if code == 3:  # |eps - 1|
        return abs(e - 1.0), (1.0 if e > 1.0 else -1.0), 0.0, 0.0, 0.0, 0.0
    if code == 4:  # eps^d2
        if e <= 0.0:
            return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
        lg = math.log(e)
        v = math.exp(d2 * lg)
        return v, d2 * v / e, 0.0, v * lg, 0.0, 0.0
    if code == 5 or code == 6:
        dv = e - nu
        u = _absm(dv, bps[0]) + c * dv
        if u <= 0.0:
            return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
        lg = math.log(u)
        return _aug(code, e, s, d2, nu, c, math.exp(d2 * lg), lg, bps[0])
    return _hinge(code, e, aux, bps)


@numba.njit(cache=True, inline="always")
def _absm(dv, tau):  # pragma: no cover - compiled
    """``|dv|``, or its smooth version ``sqrt(dv^2 + tau^2)`` when ``tau > 0``."""
    return math.sqrt(dv * dv + tau * tau) if tau > 0.0 else abs(dv)


@numba.njit(cache=True, inline="always")
def _aug(code, e, s, d2, nu, c, v, lg, tau):  # pragma: no cover - compiled
    """Augmented (ABACD/AACD) basis from ``v = u^d2`` and ``lg = log u`` (``u > 0``)."""
    dv = e - nu
    r = _absm(dv, tau)
    u = r + c * dv
    if tau > 0.0:
        sg = dv / r
    else:
        sg = 1.0 if dv > 0.0 else -1.0
    du = d2 * v / u
    if code == 5:
        return v, du * (sg + c), 0.0, v * lg, -du * (sg + c), du * dv
    return s * v, s * du * (sg + c), v, s * v * lg, -s * du * (sg + c), s * du * dv


@numba.njit(cache=True, inline="always")
def _hinge(code, e, aux, bps):  # pragma: no cover - compiled
    if code == 7:  # hinge (eps - b_k)_+
        bk = bps[aux]
        if e > bk:
            return e - bk, 1.0, 0.0, 0.0, 0.0, 0.0
        return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    # code 8: eps + sum_k (eps - b_k)_+ over the breakpoints b_1..b_M
    v = e
    d = 1.0
    for k in range(1, bps.shape[0]):
        if e > bps[k]:
            v += e - bps[k]
            d += 1.0
    return v, d, 0.0, 0.0, 0.0, 0.0


@numba.njit(cache=True, inline="always")
def _cached(code, e, s, xv, aux, d2, nu, c, bps, pw, lu):  # pragma: no cover - compiled
    """:func:`basis` with the cached power ``pw = u^d2`` and ``lu = log u`` of the spell."""
    if code == 2:
        return lu, 1.0 / e, 0.0, 0.0, 0.0, 0.0
    if code == 4:
        if e <= 0.0:
            return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
        return pw, d2 * pw / e, 0.0, pw * lu, 0.0, 0.0
    if code == 5 or code == 6:
        if pw == 0.0:  # u <= 0 (or underflow: then every derivative is 0 too)
            return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
        return _aug(code, e, s, d2, nu, c, pw, lu, bps[0])
    return basis(code, e, s, xv, aux, d2, nu, c, bps)


@numba.njit(cache=True, inline="always")
def _value(code, e, s, xv, aux, c, nu, bps, pw, lu):  # pragma: no cover - compiled
    """Value of basis ``code`` (cached power and log where they apply)."""
    if code == 0:
        return xv
    if code == 1:
        return e
    if code == 2:
        return lu
    if code == 3:
        return abs(e - 1.0)
    if code == 4 or code == 5:
        return pw
    if code == 6:
        return s * pw
    if code == 7:
        bk = bps[aux]
        return e - bk if e > bk else 0.0
    v = e
    for k in range(1, bps.shape[0]):
        if e > bps[k]:
            v += e - bps[k]
    return v


@numba.njit(cache=True, inline="always")
def _power(code, e, logx, logpsi, d2, nu, c, tau):  # pragma: no cover - compiled
    """Cache entries ``(u^d2, log u)`` of a spell for the basis ``code`` (``(0, 0)`` if none)."""
    if code == 2:
        return 0.0, logx - logpsi
    if code == 4:
        if e <= 0.0:
            return 0.0, 0.0
        lg = logx - logpsi
        return math.exp(d2 * lg), lg
    if code == 5 or code == 6:
        dv = e - nu
        u = _absm(dv, tau) + c * dv
        if u <= 0.0:
            return 0.0, 0.0
        lg = math.log(u)
        return math.exp(d2 * lg), lg
    return 0.0, 0.0


@numba.njit(cache=True)
def forward(
    theta, x, logx, b, m, tr, t_coef, t_basis, t_lag, t_aux, i_beta, q, i_d1, i_d2, i_nu, i_c,
    bps, zl, eps_one, s, psi, eps, lpsi, pw, lu,
):  # pragma: no cover - compiled  # fmt: skip
    """Fill ``s, psi, eps, log psi, pw, lu``; return ``(ok, sum(log psi + eps))``.

    ``ok`` is False when the state leaves its domain. ``pw``/``lu`` may have length 0 when
    no term needs them (``code`` of the first term not in 2, 4, 5, 6).
    """
    n = x.shape[0]
    d1 = theta[i_d1] if i_d1 >= 0 else 1.0
    d2 = theta[i_d2] if i_d2 >= 0 else 1.0
    nu = theta[i_nu] if i_nu >= 0 else 0.0
    c = theta[i_c] if i_c >= 0 else 0.0
    lb = math.log(b)
    if tr == 0:
        s0 = b
    elif tr == 1:
        s0 = lb
    else:
        s0 = math.exp(d1 * lb)
    nt = t_coef.shape[0]
    has_z = zl.shape[0] == n
    cache = pw.shape[0] == n
    code0 = t_basis[0] if nt > 0 else 0
    # presample power cache (residual 1)
    pw0, lu0 = _power(code0, 1.0, 0.0, 0.0, d2, nu, c, bps[0])
    has_lx = logx.shape[0] == n
    f = 0.0
    mant = 1.0  # sum(log psi) of the linear models as the log of a renormalised product
    expo = 0
    for i in range(n):
        if i < m:
            v = s0
            p_ = b
            lp = lb
        else:
            v = theta[0]
            if has_z:
                v += zl[i]
            for t in range(nt):
                j = i - t_lag[t]
                if j >= 0:
                    if cache:
                        bv = _value(t_basis[t], eps[j], s[j], x[j], t_aux[t], c, nu, bps,
                                    pw[j], lu[j])  # fmt: skip
                    else:
                        bv = _value(t_basis[t], eps[j], s[j], x[j], t_aux[t], c, nu, bps, 0.0, 0.0)
                else:
                    bv = _value(t_basis[t], 1.0, s0, b, t_aux[t], c, nu, bps, pw0, lu0)
                v += theta[t_coef[t]] * bv
            for j in range(1, q + 1):
                v += theta[i_beta + j - 1] * (s[i - j] if i >= j else s0)
            if tr == 0:
                if not (v > 1e-300 and v < 1e300):
                    return False, 0.0
                p_ = v
                lp = 0.0
            elif tr == 1:
                if not (v > -700.0 and v < 700.0):
                    return False, 0.0
                p_ = math.exp(v)
                lp = v
            else:
                if not (v > 1e-300 and v < 1e300):
                    return False, 0.0
                lp = math.log(v) / d1
                if not (lp > -690.0 and lp < 690.0):
                    return False, 0.0
                p_ = math.exp(lp)
        s[i] = v
        psi[i] = p_
        e = 1.0 if (i < m and eps_one) else x[i] / p_
        eps[i] = e
        if tr == 2:
            lpsi[i] = lp
        if tr == 0 and i >= m:
            mant *= p_
            if (i & 7) == 7:
                mant, ex = math.frexp(mant)
                expo += ex
            f += x[i] / p_
        else:
            f += lp + x[i] / p_
        if cache:
            if i < m and eps_one:
                pw[i], lu[i] = pw0, lu0
            else:
                lxi = logx[i] if has_lx else 0.0
                pw[i], lu[i] = _power(code0, e, lxi, lp, d2, nu, c, bps[0])
    if tr == 0:
        f += math.log(mant) + expo * math.log(2.0)
    return True, f


@numba.njit(cache=True)
def adjoint(
    theta, x, b, m, tr, t_coef, t_basis, t_lag, t_aux, i_beta, q, i_d1, i_d2, i_nu, i_c, bps,
    s, psi, eps, lpsi, pw, lu, g, h, law_exp, lam,
):  # pragma: no cover - compiled  # fmt: skip
    """Gradient of ``sum_i l_i`` in the recursion parameters; fills ``lam`` (``dL/ds_i``).

    With ``law_exp`` the exponential law's ``g = dl/ds`` and ``h = dl/dpsi`` are computed
    inline (``g``, ``h`` unused), else they are read from the arrays.
    """
    n = x.shape[0]
    k = theta.shape[0]
    grad = np.zeros(k)
    d1 = theta[i_d1] if i_d1 >= 0 else 1.0
    d2 = theta[i_d2] if i_d2 >= 0 else 1.0
    nu = theta[i_nu] if i_nu >= 0 else 0.0
    c = theta[i_c] if i_c >= 0 else 0.0
    lb = math.log(b)
    if tr == 0:
        s0 = b
    elif tr == 1:
        s0 = lb
    else:
        s0 = math.exp(d1 * lb)
    ds0 = s0 * lb if tr == 2 else 0.0  # d s0 / d delta1
    nt = t_coef.shape[0]
    cache = pw.shape[0] == n
    code0 = t_basis[0] if nt > 0 else 0
    if tr == 2 or code0 == 4 or code0 == 5 or code0 == 6:
        gd1 = _sweep_pow(theta, x, m, tr, t_coef, t_basis, t_lag, t_aux, i_beta, q, i_d2, i_nu,
                         i_c, bps, s, psi, eps, lpsi, pw, lu, g, h, law_exp, lam, grad, d1, d2,
                         nu, c)  # fmt: skip
    else:
        gd1 = _sweep_plain(theta, x, m, tr, t_coef, t_basis, t_lag, t_aux, i_beta, q, bps, s,
                           psi, eps, lu, g, h, law_exp, lam, grad)  # fmt: skip
    # constant states read by the recursion: ACDm's leading spells (0 <= i < m) and the
    # presample (i < 0; residual 1, duration b); they depend on delta1 only, through s0
    lmax = 0
    for t in range(nt):
        lmax = max(lmax, t_lag[t])
    lmax = max(lmax, q)
    pw0, lu0 = _power(code0, 1.0, 0.0, 0.0, d2, nu, c, bps[0])
    for i in range(-lmax, m):
        if i >= n:
            break
        if i < 0:
            e, xv, pwi, lui = 1.0, b, pw0, lu0
        else:
            e, xv = eps[i], x[i]
            pwi = pw[i] if cache else 0.0
            lui = lu[i] if cache else 0.0
        for t in range(nt):
            kk = i + t_lag[t]
            if kk < m or kk >= n:
                continue
            L = lam[kk]
            cf = theta[t_coef[t]]
            if cache:
                bv, dbe, dbs, dbd2, dbnu, dbc = _cached(t_basis[t], e, s0, xv, t_aux[t], d2, nu,
                                                        c, bps, pwi, lui)  # fmt: skip
            else:
                bv, dbe, dbs, dbd2, dbnu, dbc = basis(t_basis[t], e, s0, xv, t_aux[t], d2, nu,
                                                      c, bps)  # fmt: skip
            grad[t_coef[t]] += L * bv
            if i_d2 >= 0:
                grad[i_d2] += L * cf * dbd2
            if i_nu >= 0:
                grad[i_nu] += L * cf * dbnu
            if i_c >= 0:
                grad[i_c] += L * cf * dbc
            gd1 += L * cf * dbs * ds0
        for jj in range(1, q + 1):
            kk = i + jj
            if kk < m or kk >= n:
                continue
            grad[i_beta + jj - 1] += lam[kk] * s0
            gd1 += lam[kk] * theta[i_beta + jj - 1] * ds0
    if i_d1 >= 0:
        grad[i_d1] += gd1
    return grad


@numba.njit(cache=True, inline="always")
def _state_terms(i, tr, e, ps, sv, d1, g, h, law_exp):  # pragma: no cover - compiled
    """``(g_i = dl/ds, h_i = dl/dpsi, d eps_i / d s_i)`` of spell ``i``."""
    hi = (1.0 - e) / ps if law_exp else h[i]
    if tr == 0:
        return (hi if law_exp else g[i]), hi, -e / ps
    if tr == 1:
        return ((1.0 - e) if law_exp else g[i]), hi, -e
    return ((1.0 - e) / (d1 * sv) if law_exp else g[i]), hi, -e / (d1 * sv)


@numba.njit(cache=True)
def _sweep_plain(
    theta, x, m, tr, t_coef, t_basis, t_lag, t_aux, i_beta, q, bps, s, psi, eps, lu, g, h,
    law_exp, lam, grad,
):  # pragma: no cover - compiled  # fmt: skip
    """Backward sweep for news terms without powers (codes 0-3, 7, 8); the codes are inline
    (a generic basis call in this loop made the pass four times slower)."""
    n = x.shape[0]
    nt = t_coef.shape[0]
    for i in range(n - 1, m - 1, -1):
        e = eps[i]
        ps = psi[i]
        sv = s[i]
        mu = 0.0  # dL/d eps_i through later states
        direct = 0.0  # dL/d s_i through later states, eps_i held fixed
        for t in range(nt):
            kk = i + t_lag[t]
            if kk >= n:
                continue
            L = lam[kk]
            ic = t_coef[t]
            cf = theta[ic]
            code = t_basis[t]
            if code == 0:
                grad[ic] += L * x[i]
            elif code == 1:
                grad[ic] += L * e
                mu += L * cf
            elif code == 2:
                grad[ic] += L * lu[i]
                mu += L * cf / e
            elif code == 3:
                grad[ic] += L * abs(e - 1.0)
                mu += L * cf * (1.0 if e > 1.0 else -1.0)
            elif code == 7:
                bk = bps[t_aux[t]]
                if e > bk:
                    grad[ic] += L * (e - bk)
                    mu += L * cf
            else:
                v = e
                d = 1.0
                for kb in range(1, bps.shape[0]):
                    if e > bps[kb]:
                        v += e - bps[kb]
                        d += 1.0
                grad[ic] += L * v
                mu += L * cf * d
        for jj in range(1, q + 1):
            kk = i + jj
            if kk < n:
                direct += theta[i_beta + jj - 1] * lam[kk]
                grad[i_beta + jj - 1] += lam[kk] * sv
        gi, hi, deds = _state_terms(i, tr, e, ps, sv, 1.0, g, h, law_exp)
        li = gi + direct + mu * deds
        lam[i] = li
        grad[0] += li
    return 0.0


@numba.njit(cache=True)
def _sweep_pow(
    theta, x, m, tr, t_coef, t_basis, t_lag, t_aux, i_beta, q, i_d2, i_nu, i_c, bps, s, psi,
    eps, lpsi, pw, lu, g, h, law_exp, lam, grad, d1, d2, nu, c,
):  # pragma: no cover - compiled  # fmt: skip
    """Backward sweep for the Box-Cox news terms (codes 4-6, cached powers); returns the
    delta1 part of the gradient that runs through ``psi = s^(1/delta1)``."""
    n = x.shape[0]
    nt = t_coef.shape[0]
    gd1 = 0.0
    for i in range(n - 1, m - 1, -1):
        e = eps[i]
        ps = psi[i]
        sv = s[i]
        mu = 0.0
        direct = 0.0
        for t in range(nt):
            kk = i + t_lag[t]
            if kk >= n:
                continue
            L = lam[kk]
            cf = theta[t_coef[t]]
            bv, dbe, dbs, dbd2, dbnu, dbc = _cached(t_basis[t], e, sv, x[i], t_aux[t], d2, nu, c,
                                                    bps, pw[i], lu[i])  # fmt: skip
            grad[t_coef[t]] += L * bv
            if i_d2 >= 0:
                grad[i_d2] += L * cf * dbd2
            if i_nu >= 0:
                grad[i_nu] += L * cf * dbnu
            if i_c >= 0:
                grad[i_c] += L * cf * dbc
            mu += L * cf * dbe
            direct += L * cf * dbs
        for jj in range(1, q + 1):
            kk = i + jj
            if kk < n:
                direct += theta[i_beta + jj - 1] * lam[kk]
                grad[i_beta + jj - 1] += lam[kk] * sv
        gi, hi, deds = _state_terms(i, tr, e, ps, sv, d1, g, h, law_exp)
        if tr == 2:
            lp = lpsi[i]
            gd1 += hi * (-ps * lp / d1) + mu * e * lp / d1
        li = gi + direct + mu * deds
        lam[i] = li
        grad[0] += li
    return gd1


@numba.njit(cache=True)
def fg_exp(
    theta, x, logx, b, m, tr, t_coef, t_basis, t_lag, t_aux, i_beta, q, i_d1, i_d2, i_nu, i_c,
    bps, zl, eps_one, want_grad,
):  # pragma: no cover - compiled  # fmt: skip
    """Exponential QML objective ``sum(log psi + eps)`` and its gradient in one call.

    Returns ``(ok, f, grad, lam)``.
    """
    n = x.shape[0]
    s = np.empty(n)
    psi = np.empty(n)
    eps = np.empty(n)
    lpsi = np.empty(n if tr == 2 else 0)
    code0 = t_basis[0] if t_basis.shape[0] > 0 else 0
    nc = n if (code0 == 2 or code0 == 4 or code0 == 5 or code0 == 6) else 0
    pw = np.empty(nc)
    lu = np.empty(nc)
    ok, f = forward(theta, x, logx, b, m, tr, t_coef, t_basis, t_lag, t_aux, i_beta, q, i_d1,
                    i_d2, i_nu, i_c, bps, zl, eps_one, s, psi, eps, lpsi, pw, lu)  # fmt: skip
    lam = np.zeros(n if want_grad else 0)
    if not ok or not want_grad:
        return ok, f, np.zeros(theta.shape[0]), lam
    e0 = np.empty(0)
    grad = adjoint(theta, x, b, m, tr, t_coef, t_basis, t_lag, t_aux, i_beta, q, i_d1, i_d2,
                   i_nu, i_c, bps, s, psi, eps, lpsi, pw, lu, e0, e0, True, lam)  # fmt: skip
    return ok, f, grad, lam
