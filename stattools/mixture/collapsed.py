# ruff: noqa: NPY002
# numba kernels use numba's own (per-thread) legacy np.random state, seeded inside the
# kernel from a SeedSequence child of the user's ``rng``: one chain, one seed.
"""Collapsed Gibbs sampler (Neal, 2000, Algorithm 3) for a 1-D DP Gaussian mixture.

The atoms and weights are integrated out: each sweep reassigns every observation given the
others with probabilities n_c p(y_i | y_c) (existing cluster c) and alpha p(y_i) (a new
cluster), where p(. | y_c) is the Student-t posterior predictive of the NIG base measure
(or a normal one when the component sd is known); alpha is updated by Escobar and West's
(1995) auxiliary-variable step. For every kept sweep a draw of G is built from the partition
(spec: G = sum_c W_c delta_theta_c + W_0 G', (W_1..W_C, W_0) ~ Dir(n_1..n_C, alpha), theta_c
from its cluster posterior, G' ~ DP(alpha, G_0) stick-broken into the remaining K - C slots,
until the remaining mass is below 1e-8 (as in the spec), the next slot taking the rest and
later slots weight 0), so the output has the blocked sampler's layout.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["collapsed_1d"]

_LOGPI = math.log(math.pi)


@numba.njit(cache=True)
def _pred_params(c, s1, s2, m0, k0, a0, b0, known_var, tau0sq, out, k):
    """Cache of the predictive of cluster k: out[k] = (location, log-constant, (nu + 1) / 2,
    nu * scale^2) of the Student-t (normal when the sd is known: nu = inf, stored as -1)."""
    if known_var > 0.0:
        prec = 1.0 / tau0sq + c / known_var
        v = known_var + 1.0 / prec
        out[k, 0] = (m0 / tau0sq + s1 / known_var) / prec
        out[k, 1] = -0.5 * math.log(2.0 * math.pi * v)
        out[k, 2] = -1.0
        out[k, 3] = v
        return
    kn = k0 + c
    ybar = s1 / c if c > 0 else m0
    S = max(s2 - c * ybar * ybar, 0.0) if c > 0 else 0.0
    an = a0 + 0.5 * c
    bn = b0 + 0.5 * S + k0 * c * (ybar - m0) ** 2 / (2.0 * kn)
    nu = 2.0 * an
    sc2 = bn * (kn + 1.0) / (an * kn)
    out[k, 0] = (k0 * m0 + s1) / kn
    out[k, 1] = (
        math.lgamma(0.5 * (nu + 1.0)) - math.lgamma(0.5 * nu) - 0.5 * (math.log(nu * sc2) + _LOGPI)
    )
    out[k, 2] = 0.5 * (nu + 1.0)
    out[k, 3] = nu * sc2


@numba.njit(cache=True)
def _cached_log_pred(y, out, k):
    d = y - out[k, 0]
    if out[k, 2] < 0.0:
        return out[k, 1] - 0.5 * d * d / out[k, 3]
    return out[k, 1] - out[k, 2] * math.log1p(d * d / out[k, 3])


@numba.njit(cache=True)
def _draw_atom(c, s1, s2, m0, k0, a0, b0, known_var, tau0sq):
    """(mu, var) from the cluster posterior (c = 0: from the base measure)."""
    if known_var > 0.0:
        prec = 1.0 / tau0sq + c / known_var
        mn = (m0 / tau0sq + s1 / known_var) / prec
        return mn + np.random.normal() / math.sqrt(prec), known_var
    kn = k0 + c
    ybar = s1 / c if c > 0 else m0
    S = max(s2 - c * ybar * ybar, 0.0) if c > 0 else 0.0
    mn = (k0 * m0 + s1) / kn
    an = a0 + 0.5 * c
    bn = b0 + 0.5 * S + k0 * c * (ybar - m0) ** 2 / (2.0 * kn)
    var = bn / np.random.gamma(an, 1.0)
    return mn + math.sqrt(var / kn) * np.random.normal(), var


@numba.njit(cache=True)
def collapsed_1d(
    y, K, n_tune, n_draws, thin, m0, k0, a0, b0, known_var, tau0sq, alpha0, a_alpha, b_alpha,
    learn_alpha, seed, keep_labels,
):  # fmt: skip
    """Collapsed Gibbs chain; returns (w, mu, var, alpha, n_occupied, log_lik, labels,
    n_overflow) with the blocked sampler's shapes (K slots per draw of G)."""
    np.random.seed(seed)
    n = y.size
    W = np.zeros((n_draws, K))
    MU = np.zeros((n_draws, K))
    VAR = np.ones((n_draws, K))
    ALPHA = np.empty(n_draws)
    NOCC = np.empty(n_draws, dtype=np.int64)
    LL = np.empty(n_draws)
    Z = np.zeros((n_draws if keep_labels else 0, n), dtype=np.int16)
    z = np.zeros(n, dtype=np.int64)  # start: one cluster
    cnt = np.zeros(n + 1)
    s1 = np.zeros(n + 1)
    s2 = np.zeros(n + 1)
    for i in range(n):
        cnt[0] += 1.0
        s1[0] += y[i]
        s2[0] += y[i] * y[i]
    C = 1
    active = np.zeros(n + 1, dtype=np.int64)  # slots of the C clusters (slot 0 at the start)
    pos = np.zeros(n + 1, dtype=np.int64)  # position of a slot in ``active``
    free = np.arange(n, 0, -1).astype(np.int64)  # stack of unused slots
    nfree = n
    alpha = alpha0
    pp = np.empty((n + 2, 4))  # predictive cache: clusters 0..C-1, prior at row n + 1
    _pred_params(0.0, 0.0, 0.0, m0, k0, a0, b0, known_var, tau0sq, pp, n + 1)
    _pred_params(cnt[0], s1[0], s2[0], m0, k0, a0, b0, known_var, tau0sq, pp, 0)
    lp = np.empty(max(n + 1, K))
    lpk = np.empty(K)
    overflow = 0
    total = n_tune + n_draws * thin
    for it in range(total):
        for i in range(n):
            c = z[i]
            yi = y[i]
            cnt[c] -= 1.0
            s1[c] -= yi
            s2[c] -= yi * yi
            if cnt[c] == 0.0:  # retire the empty cluster's slot (O(1): swap-remove)
                p = pos[c]
                active[p] = active[C - 1]
                pos[active[p]] = p
                C -= 1
                s1[c] = 0.0
                s2[c] = 0.0
                free[nfree] = c
                nfree += 1
            else:
                _pred_params(cnt[c], s1[c], s2[c], m0, k0, a0, b0, known_var, tau0sq, pp, c)
            mx = -np.inf
            for p in range(C):
                k = active[p]
                lp[p] = math.log(cnt[k]) + _cached_log_pred(yi, pp, k)
                mx = max(mx, lp[p])
            lp[C] = math.log(alpha) + _cached_log_pred(yi, pp, n + 1)
            mx = max(mx, lp[C])
            tot = 0.0
            for p in range(C + 1):
                lp[p] = math.exp(lp[p] - mx)
                tot += lp[p]
            u = np.random.random() * tot
            acc = 0.0
            pick = C
            for p in range(C + 1):
                acc += lp[p]
                if u < acc:
                    pick = p
                    break
            if pick == C:  # open a new cluster in a free slot
                nfree -= 1
                new = free[nfree]
                active[C] = new
                pos[new] = C
                C += 1
            else:
                new = active[pick]
            z[i] = new
            cnt[new] += 1.0
            s1[new] += yi
            s2[new] += yi * yi
            _pred_params(cnt[new], s1[new], s2[new], m0, k0, a0, b0, known_var, tau0sq, pp, new)
        if learn_alpha:  # Escobar and West (1995)
            eta = np.random.beta(alpha + 1.0, n)
            rate = b_alpha - math.log(eta)
            odds = (a_alpha + C - 1.0) / (n * rate)
            shape = a_alpha + C if np.random.random() < odds / (1.0 + odds) else a_alpha + C - 1.0
            alpha = np.random.gamma(shape, 1.0) / rate
        j = it - n_tune
        if j < 0 or j % thin != 0:
            continue
        s = j // thin
        # G from the partition: Dirichlet weights, posterior atoms, stick-broken remainder
        kept = min(C, K - 1)
        if C > K - 1:
            overflow += 1
        g = np.empty(C + 1)
        for p in range(C):
            g[p] = np.random.gamma(cnt[active[p]], 1.0)
        g[C] = np.random.gamma(alpha, 1.0)
        gs = g.sum()
        rest = g[C] / gs
        for p in range(kept):
            k = active[p]
            W[s, p] = g[p] / gs
            MU[s, p], VAR[s, p] = _draw_atom(
                cnt[k], s1[k], s2[k], m0, k0, a0, b0, known_var, tau0sq
            )
        for k in range(kept, C):  # overflow clusters (flagged): their mass joins the rest
            rest += g[k] / gs
        for k in range(kept, K):  # G' stick-broken until the remaining mass is below 1e-8
            if k < K - 1 and rest >= 1e-8:
                v = np.random.beta(1.0, alpha)
                W[s, k] = rest * v
                rest *= 1.0 - v
            else:
                W[s, k] = rest
                rest = 0.0
            MU[s, k], VAR[s, k] = _draw_atom(0.0, 0.0, 0.0, m0, k0, a0, b0, known_var, tau0sq)
        # label-free log-likelihood of the drawn G (slots below 1e-12 in weight skipped:
        # relative error < K * 1e-12 on every term)
        ll = 0.0
        for k in range(K):
            lpk[k] = (
                math.log(W[s, k]) - 0.5 * math.log(2.0 * math.pi * VAR[s, k])
                if W[s, k] > 1e-12
                else -np.inf
            )
        for i in range(n):
            mxl = -np.inf
            for k in range(K):
                if lpk[k] == -np.inf:
                    lp[k] = -np.inf
                    continue
                d = y[i] - MU[s, k]
                lp[k] = lpk[k] - 0.5 * d * d / VAR[s, k]
                mxl = max(mxl, lp[k])
            tl = 0.0
            for k in range(K):
                if lp[k] > -np.inf:
                    tl += math.exp(lp[k] - mxl)
            ll += mxl + math.log(tl)
        ALPHA[s] = alpha
        NOCC[s] = C
        LL[s] = ll
        if keep_labels:
            for i in range(n):
                Z[s, i] = min(pos[z[i]], K - 1)
    return W, MU, VAR, ALPHA, NOCC, LL, Z, overflow
