# ruff: noqa: NPY002
# numba kernels use numba's own (per-thread) legacy np.random state, seeded inside each
# kernel from a SeedSequence child of the user's ``rng``: one chain, one seed.
"""Blocked Gibbs samplers (Ishwaran and James, 2001) for truncated DP Gaussian mixtures.

One single-threaded numba kernel per chain. Data are standardised by the caller; the kernels
work on the standardised scale and return every kept draw of the mixing measure.

Sweep (one per iteration): labels z given (w, theta) by inverse-CDF sampling from the
log-sum-exp normalised probabilities (the log-likelihood of the current state and the
sufficient statistics of the new partition are accumulated in the same O(nK) pass);
Metropolis swaps of adjacent labels (Papaspiliopoulos and Roberts, 2008); sticks
V_k ~ Beta(1 + n_k, alpha + sum_{l>k} n_l) sampled in log space through two gamma variates;
atoms from their conjugate posteriors (NIG in 1-D, NIW in d dimensions, or a normal mean
when the scale is known). The block (alpha, V) is drawn as alpha | z (sticks integrated out,
one slice-sampling step in log alpha) then V | alpha, z: drawing alpha from
Gamma(a + K - 1, b - sum log(1 - V_k)) instead ties alpha to the K - 1 sticks, most of them
empty, and mixes far more slowly (R-hat 1.1 after 4 x 1000 sweeps on the galaxy data).
A kept draw is the state (z_new, w, theta, alpha) right after the label update, which is a
draw from the joint posterior under stationarity.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["gibbs_1d", "gibbs_nd"]

_LOG2PI = math.log(2.0 * math.pi)


@numba.njit(cache=True)
def _log_gamma_rv(shape: float) -> float:
    """log of a Gamma(shape, 1) variate, stable for tiny shapes (G = G' U^(1/shape))."""
    if shape >= 1.0:
        return math.log(np.random.gamma(shape, 1.0))
    return math.log(np.random.gamma(shape + 1.0, 1.0)) + math.log(np.random.random()) / shape


@numba.njit(cache=True)
def _sticks(cnt, alpha, logw, disc):
    """Update log-weights in place from the counts; return sum_{k<K} log(1 - V_k).

    V_k ~ Beta(1 - disc + n_k, alpha + (k + 1) disc + N_{>k}) (Pitman-Yor; disc = 0 is the DP).
    """
    K = cnt.size
    rest = 0
    for k in range(K):
        rest += cnt[k]
    acc = 0.0
    for k in range(K - 1):
        rest -= cnt[k]
        lg1 = _log_gamma_rv((1.0 - disc) + cnt[k])
        lg2 = _log_gamma_rv(alpha + (k + 1) * disc + rest)
        mx = max(lg1, lg2)
        lse = mx + math.log(math.exp(lg1 - mx) + math.exp(lg2 - mx))
        logw[k] = acc + lg1 - lse
        acc += lg2 - lse
    logw[K - 1] = acc
    return acc


@numba.njit(cache=True)
def _log_post_alpha(u, cnt, a_alpha, b_alpha, disc):
    """log p(log alpha = u | z) with the sticks integrated out (truncated stick-breaking).

    p(z | alpha) = prod_{k<K} alpha Gamma(1 + n_k) Gamma(alpha + N_{>k}) / Gamma(1 + alpha + N_{>=k})
    for the DP; for Pitman-Yor the product of Beta-function ratios in :func:`_py_term`.
    """
    if disc > 0.0:
        return _log_post_alpha_py(u, cnt, a_alpha, b_alpha, disc)
    alpha = math.exp(u)
    K = cnt.size
    rest = 0
    for k in range(K):
        rest += cnt[k]
    lp = a_alpha * u - b_alpha * alpha  # Gamma(a, b) prior with the Jacobian of u = log alpha
    for k in range(K - 1):
        after = rest - cnt[k]
        lp += u + math.lgamma(alpha + after) - math.lgamma(1.0 + alpha + rest)
        rest = after
    return lp


@numba.njit(cache=True)
def _py_term(k, nk, after, alpha, disc):
    """log B(1 - d + n_k, alpha + (k + 1) d + N_{>k}) / B(1 - d, alpha + (k + 1) d)."""
    b = alpha + (k + 1) * disc
    return (
        math.lgamma(1.0 - disc + nk) + math.lgamma(b + after) - math.lgamma(1.0 + alpha + k * disc + nk + after)
        - math.lgamma(1.0 - disc) - math.lgamma(b) + math.lgamma(1.0 + alpha + k * disc)
    )  # fmt: skip


@numba.njit(cache=True)
def _log_post_alpha_py(u, cnt, a_alpha, b_alpha, disc):
    alpha = math.exp(u)
    K = cnt.size
    rest = 0
    for k in range(K):
        rest += cnt[k]
    lp = a_alpha * u - b_alpha * alpha
    for k in range(K - 1):
        after = rest - cnt[k]
        lp += _py_term(k, cnt[k], after, alpha, disc)
        rest = after
    return lp


@numba.njit(cache=True)
def _slice_alpha(alpha, cnt, a_alpha, b_alpha, disc):
    """One slice-sampling update (stepping out, shrinkage) of log alpha given the labels."""
    u0 = math.log(alpha)
    f0 = _log_post_alpha(u0, cnt, a_alpha, b_alpha, disc)
    level = f0 + math.log(np.random.random())
    left = u0 - np.random.random()
    right = left + 1.0
    for _ in range(50):
        if _log_post_alpha(left, cnt, a_alpha, b_alpha, disc) <= level:
            break
        left -= 1.0
    for _ in range(50):
        if _log_post_alpha(right, cnt, a_alpha, b_alpha, disc) <= level:
            break
        right += 1.0
    for _ in range(200):
        u = left + np.random.random() * (right - left)
        if _log_post_alpha(u, cnt, a_alpha, b_alpha, disc) > level:
            return math.exp(u)
        if u < u0:
            left = u
        else:
            right = u
    return alpha


@numba.njit(cache=True)
def _swap_moves(cnt, alpha, perm, disc):
    """Metropolis label swaps of adjacent components (Papaspiliopoulos and Roberts, 2008).

    Swapping the labels of components j and j + 1 leaves the likelihood and the iid atom
    prior unchanged; it is accepted with probability min(1, p(z' | alpha) / p(z | alpha)),
    where p(z | alpha) = prod_{k<K} alpha Gamma(1 + n_k) Gamma(alpha + N_{>k}) /
    Gamma(1 + alpha + N_{>=k}) has the sticks integrated out; only the terms k = j, j + 1
    change. ``perm`` records the new order (perm[k] = old index now at position k).
    """
    K = cnt.size
    R = 0
    for k in range(K):
        R += cnt[k]
    for j in range(K - 1):
        nj, nj1 = cnt[j], cnt[j + 1]
        if nj != nj1 and disc > 0.0:  # Pitman-Yor: the two affected Beta-ratio terms
            R2 = R - nj - nj1
            delta = _py_term(j, nj1, R - nj1, alpha, disc) - _py_term(j, nj, R - nj, alpha, disc)
            if j + 1 < K - 1:
                delta += _py_term(j + 1, nj, R2, alpha, disc) - _py_term(
                    j + 1, nj1, R2, alpha, disc
                )
            if math.log(np.random.random()) < delta:
                cnt[j], cnt[j + 1] = nj1, nj
                perm[j], perm[j + 1] = perm[j + 1], perm[j]
        elif nj != nj1:
            delta = math.lgamma(alpha + R - nj1) - math.lgamma(alpha + R - nj)
            if j + 1 < K - 1:
                delta += math.lgamma(1.0 + alpha + R - nj) - math.lgamma(1.0 + alpha + R - nj1)
            if math.log(np.random.random()) < delta:
                cnt[j], cnt[j + 1] = nj1, nj
                perm[j], perm[j + 1] = perm[j + 1], perm[j]
        R -= cnt[j]


@numba.njit(cache=True)
def _draw_label(lp, K):
    """Sample an index with probabilities proportional to exp(lp); return (k, log-sum-exp)."""
    m = -np.inf
    for k in range(K):
        if lp[k] > m:
            m = lp[k]
    tot = 0.0
    for k in range(K):
        v = lp[k] - m
        # exp(-36) < 2.4e-16: below double precision relative to the largest term (1)
        lp[k] = math.exp(v) if v > -36.0 else 0.0
        tot += lp[k]
    u = np.random.random() * tot
    c = 0.0
    kk = K - 1
    for k in range(K):
        c += lp[k]
        if u < c:
            kk = k
            break
    return kk, m + math.log(tot)


@numba.njit(cache=True)
def _store_draw(
    s, logw, mu, spread, cnt, alpha, ll, z, keep_labels, W, MU, SPREAD, ALPHA, NOCC, LL, Z
):
    """Write one kept sweep into the output arrays (1-D: spread = variances; d-D: covariances)."""
    nocc = 0
    for k in range(logw.size):
        W[s, k] = math.exp(logw[k])
        MU[s, k] = mu[k]
        SPREAD[s, k] = spread[k]
        if cnt[k] > 0:
            nocc += 1
    ALPHA[s] = alpha
    NOCC[s] = nocc
    LL[s] = ll
    if keep_labels:
        for i in range(z.size):
            Z[s, i] = z[i]


@numba.njit(cache=True)
def _update_weights(alpha, cnt, perm, s1, s2, logw, learn_alpha, a_alpha, b_alpha, disc):
    """Shared end of a sweep: alpha | labels, label swaps (permuting the sufficient
    statistics with the counts), then the sticks. Returns (alpha, s1, s2)."""
    if learn_alpha:
        alpha = _slice_alpha(alpha, cnt, a_alpha, b_alpha, disc)
    for k in range(cnt.size):
        perm[k] = k
    _swap_moves(cnt, alpha, perm, disc)
    s1 = s1[perm].copy()
    s2 = s2[perm].copy()
    _sticks(cnt, alpha, logw, disc)
    return alpha, s1, s2


@numba.njit(cache=True)
def gibbs_1d(
    y,
    K,
    n_tune,
    n_draws,
    thin,
    m0,
    k0,
    a0,
    b0,
    known_var,
    tau0sq,
    alpha0,
    a_alpha,
    b_alpha,
    learn_alpha,
    seed,
    keep_labels,
    disc=0.0,
):
    """Blocked Gibbs for a 1-D DP Gaussian mixture truncated at ``K`` components.

    ``known_var > 0`` fixes every component variance (mu_k ~ N(m0, tau0sq)); otherwise the
    base measure is NIG(m0, k0, a0, b0). Returns (w, mu, var, alpha, n_occupied, log_lik,
    labels) for the kept draws.
    """
    np.random.seed(seed)
    n = y.size
    W = np.empty((n_draws, K))
    MU = np.empty((n_draws, K))
    VAR = np.empty((n_draws, K))
    ALPHA = np.empty(n_draws)
    NOCC = np.empty(n_draws, dtype=np.int64)
    LL = np.empty(n_draws)
    Z = np.zeros((n_draws if keep_labels else 0, n), dtype=np.int16)

    logw = np.empty(K)
    _sticks(np.zeros(K, dtype=np.int64), alpha0, logw, disc)  # initial weights: prior sticks
    mu = np.empty(K)
    var = np.empty(K)
    for k in range(K):
        mu[k] = y[np.random.randint(0, n)]
        var[k] = known_var if known_var > 0 else 0.25
    alpha = alpha0
    cnt = np.zeros(K, dtype=np.int64)
    s1 = np.zeros(K)
    s2 = np.zeros(K)
    lp = np.empty(K)
    const = np.empty(K)
    inv2v = np.empty(K)
    z = np.zeros(n, dtype=np.int64)
    perm = np.arange(K)
    total = n_tune + n_draws * thin
    for it in range(total):
        for k in range(K):
            const[k] = logw[k] - 0.5 * (_LOG2PI + math.log(var[k]))
            inv2v[k] = 0.5 / var[k]
            cnt[k] = 0
            s1[k] = 0.0
            s2[k] = 0.0
        ll = 0.0
        for i in range(n):
            yi = y[i]
            for k in range(K):
                d = yi - mu[k]
                lp[k] = const[k] - d * d * inv2v[k]
            kk, lse = _draw_label(lp, K)
            ll += lse
            z[i] = kk
            cnt[kk] += 1
            s1[kk] += yi
            s2[kk] += yi * yi
        j = it - n_tune
        if j >= 0 and j % thin == 0:
            _store_draw(
                j // thin,
                logw,
                mu,
                var,
                cnt,
                alpha,
                ll,
                z,
                keep_labels,
                W,
                MU,
                VAR,
                ALPHA,
                NOCC,
                LL,
                Z,
            )
        alpha, s1, s2 = _update_weights(
            alpha, cnt, perm, s1, s2, logw, learn_alpha, a_alpha, b_alpha, disc
        )
        for k in range(K):
            c = cnt[k]
            if known_var > 0:
                prec = 1.0 / tau0sq + c / known_var
                mean = (m0 / tau0sq + s1[k] / known_var) / prec
                mu[k] = mean + np.random.normal() / math.sqrt(prec)
            else:
                kn = k0 + c
                ybar = s1[k] / c if c > 0 else m0
                S = max(s2[k] - c * ybar * ybar, 0.0)
                mn = (k0 * m0 + s1[k]) / kn
                an = a0 + 0.5 * c
                bn = b0 + 0.5 * S + k0 * c * (ybar - m0) ** 2 / (2.0 * kn)
                var[k] = bn / np.random.gamma(an, 1.0)
                mu[k] = mn + math.sqrt(var[k] / kn) * np.random.normal()
    return W, MU, VAR, ALPHA, NOCC, LL, Z


@numba.njit(cache=True)
def _sample_niw(mn, kn, nun, psin):
    """Draw (mu, Sigma) from NIW(mn, kn, nun, psin) via the Bartlett decomposition."""
    d = mn.size
    Lw = np.linalg.cholesky(np.linalg.inv(psin))
    A = np.zeros((d, d))
    for i in range(d):
        A[i, i] = math.sqrt(2.0 * np.random.gamma(0.5 * (nun - i), 1.0))
        for j in range(i):
            A[i, j] = np.random.normal()
    LA = Lw @ A
    sigma = np.linalg.inv(LA @ LA.T)
    sigma = 0.5 * (sigma + sigma.T)
    Ls = np.linalg.cholesky(sigma)
    e = np.empty(d)
    for i in range(d):
        e[i] = np.random.normal()
    mu = mn + (Ls @ e) / math.sqrt(kn)
    return mu, sigma


@numba.njit(cache=True)
def gibbs_nd(
    y,
    K,
    n_tune,
    n_draws,
    thin,
    m0,
    k0,
    nu0,
    psi0,
    alpha0,
    a_alpha,
    b_alpha,
    learn_alpha,
    seed,
    keep_labels,
    disc=0.0,
):
    """Blocked Gibbs for a d-dimensional DP Gaussian mixture with an NIW base measure.

    Returns (w, mu, cov, alpha, n_occupied, log_lik, labels) for the kept draws.
    """
    np.random.seed(seed)
    n, d = y.shape
    W = np.empty((n_draws, K))
    MU = np.empty((n_draws, K, d))
    COV = np.empty((n_draws, K, d, d))
    ALPHA = np.empty(n_draws)
    NOCC = np.empty(n_draws, dtype=np.int64)
    LL = np.empty(n_draws)
    Z = np.zeros((n_draws if keep_labels else 0, n), dtype=np.int16)

    logw = np.empty(K)
    _sticks(np.zeros(K, dtype=np.int64), alpha0, logw, disc)  # initial weights: prior sticks
    mu = np.empty((K, d))
    cov = np.zeros((K, d, d))
    for k in range(K):
        mu[k] = y[np.random.randint(0, n)]
        for a in range(d):
            cov[k, a, a] = 0.25
    alpha = alpha0
    cnt = np.zeros(K, dtype=np.int64)
    s1 = np.zeros((K, d))
    s2 = np.zeros((K, d, d))
    chol = np.zeros((K, d, d))
    const = np.empty(K)
    lp = np.empty(K)
    v = np.empty(d)
    z = np.zeros(n, dtype=np.int64)
    perm = np.arange(K)
    total = n_tune + n_draws * thin
    for it in range(total):
        for k in range(K):
            chol[k] = np.linalg.cholesky(cov[k])
            logdet = 0.0
            for a in range(d):
                logdet += 2.0 * math.log(chol[k, a, a])
            const[k] = logw[k] - 0.5 * (d * _LOG2PI + logdet)
        cnt[:] = 0
        s1[:] = 0.0
        s2[:] = 0.0
        ll = 0.0
        for i in range(n):
            for k in range(K):
                quad = 0.0
                for a in range(d):  # forward substitution L v = y - mu
                    acc = y[i, a] - mu[k, a]
                    for b in range(a):
                        acc -= chol[k, a, b] * v[b]
                    v[a] = acc / chol[k, a, a]
                    quad += v[a] * v[a]
                lp[k] = const[k] - 0.5 * quad
            kk, lse = _draw_label(lp, K)
            ll += lse
            z[i] = kk
            cnt[kk] += 1
            for a in range(d):
                s1[kk, a] += y[i, a]
                for b in range(d):
                    s2[kk, a, b] += y[i, a] * y[i, b]
        j = it - n_tune
        if j >= 0 and j % thin == 0:
            _store_draw(
                j // thin,
                logw,
                mu,
                cov,
                cnt,
                alpha,
                ll,
                z,
                keep_labels,
                W,
                MU,
                COV,
                ALPHA,
                NOCC,
                LL,
                Z,
            )
        alpha, s1, s2 = _update_weights(
            alpha, cnt, perm, s1, s2, logw, learn_alpha, a_alpha, b_alpha, disc
        )
        for k in range(K):
            c = cnt[k]
            kn = k0 + c
            nun = nu0 + c
            ybar = s1[k] / c if c > 0 else m0.copy()
            dm = ybar - m0
            psin = psi0.copy()
            for a in range(d):
                for b in range(d):
                    psin[a, b] += s2[k, a, b] - c * ybar[a] * ybar[b]
                    psin[a, b] += k0 * c / kn * dm[a] * dm[b]
            psin = 0.5 * (psin + psin.T)
            mn = (k0 * m0 + s1[k]) / kn
            mu[k], cov[k] = _sample_niw(mn, kn, nun, psin)
    return W, MU, COV, ALPHA, NOCC, LL, Z


@numba.njit(cache=True)
def mixture_density_1d(x, w, mu, var, tol):
    """Density draws sum_k w_k N(x | mu_k, var_k) for (S, K) draws on points x -> (S, G).

    Components whose largest possible contribution w_k / sqrt(2 pi var_k) is below ``tol``
    are skipped (absolute error at most K * tol).
    """
    S, K = w.shape
    G = x.size
    out = np.zeros((S, G))
    for s in range(S):
        for k in range(K):
            c = w[s, k] / math.sqrt(2.0 * math.pi * var[s, k])
            if c < tol:
                continue
            h = 0.5 / var[s, k]
            for g in range(G):
                d = x[g] - mu[s, k]
                out[s, g] += c * math.exp(-d * d * h)
    return out
