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

After each scan, ``n_sm`` sequentially-allocated merge-split proposals (Dahl, 2003; the
"SAMS" sampler, a cheaper relative of Jain and Neal's (2004) restricted-Gibbs split-merge)
move whole groups of observations at once, which single-observation updates do only
through improbable intermediate states: at n = 10^4 this multiplies the effective sample
size of the number of clusters per sweep by ~15. Merges are rejected as soon as the
partial acceptance ratio falls below the uniform draw (exact: the log proposal probability
only decreases), so proposals to merge two large clusters cost O(1). The sweep's
predictive cache folds log n_c into the Student-t constant and reads lgamma and log of
counts from tables.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["collapsed_1d"]

_LOGPI = math.log(math.pi)


@numba.njit(cache=True)
def _lgamma_table(n, a0):
    """Row c = 0..n + 1: lgamma((nu + 1) / 2) - lgamma(nu / 2) for nu = 2 a0 + c (the
    Student-t constant of a cluster of c observations) and log(c) (0 for c = 0): no lgamma
    or log of a count inside the sweeps."""
    out = np.zeros((n + 2, 2))
    for c in range(n + 2):
        nu = 2.0 * a0 + c
        out[c, 0] = math.lgamma(0.5 * (nu + 1.0)) - math.lgamma(0.5 * nu)
        out[c, 1] = math.log(c) if c > 0 else 0.0
    return out


@numba.njit(cache=True)
def _pred_params(c, s1, s2, m0, k0, a0, b0, known_var, tau0sq, out, k, lgt):
    """Cache of the predictive of cluster k: out[k] = (location, log-constant + log(c),
    (nu + 1) / 2, nu * scale^2) of the Student-t (normal when the sd is known: nu = inf,
    stored as -1); log(c) is dropped for c = 0 (the base measure's predictive)."""
    logc = lgt[int(c), 1]
    if known_var > 0.0:
        prec = 1.0 / tau0sq + c / known_var
        v = known_var + 1.0 / prec
        out[k, 0] = (m0 / tau0sq + s1 / known_var) / prec
        out[k, 1] = -0.5 * math.log(2.0 * math.pi * v) + logc
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
    out[k, 1] = lgt[int(c), 0] - 0.5 * (math.log(nu * sc2) + _LOGPI) + logc
    out[k, 2] = 0.5 * (nu + 1.0)
    out[k, 3] = nu * sc2


@numba.njit(cache=True)
def _cached_log_pred(y, out, k):
    d = y - out[k, 0]
    if out[k, 2] < 0.0:
        return out[k, 1] - 0.5 * d * d / out[k, 3]
    return out[k, 1] - out[k, 2] * math.log1p(d * d / out[k, 3])


@numba.njit(cache=True)
def _log_marginal(c, s1, s2, m0, k0, a0, b0, known_var, tau0sq):
    """log m(y_S): marginal likelihood of the c observations of a cluster (sums s1, s2)."""
    if c == 0.0:
        return 0.0
    if known_var > 0.0:
        prec = 1.0 / tau0sq + c / known_var
        mn = (m0 / tau0sq + s1 / known_var) / prec
        quad = s2 / known_var + m0 * m0 / tau0sq - mn * mn * prec
        return (
            -0.5 * c * math.log(2.0 * math.pi * known_var)
            - 0.5 * math.log(tau0sq * prec)
            - 0.5 * max(quad, 0.0)
        )
    kn = k0 + c
    ybar = s1 / c
    S = max(s2 - c * ybar * ybar, 0.0)
    an = a0 + 0.5 * c
    bn = b0 + 0.5 * S + k0 * c * (ybar - m0) ** 2 / (2.0 * kn)
    return (
        -0.5 * c * math.log(2.0 * math.pi) + 0.5 * math.log(k0 / kn) + a0 * math.log(b0)
        - an * math.log(bn) + math.lgamma(an) - math.lgamma(a0)
    )  # fmt: skip


@numba.njit(cache=True)
def _split_merge(
    y, z, cnt, s1, s2, state, active, pos, free, pp, alpha, m0, k0, a0, b0, known_var,
    tau0sq, lgt, buf, side, tmp,
):  # fmt: skip
    """One sequentially-allocated merge-split proposal (Dahl, 2003); returns 1 if accepted.

    Two distinct observations i, j are drawn uniformly. If they share a cluster S, the
    other members of S are allocated in random order to S_i = {i, ...} or S_j = {j, ...}
    with probabilities proportional to |S_x| p(y_k | y_{S_x}) (the product of the chosen
    probabilities is q); the split is accepted with probability
    min(1, alpha Gamma(n_i) Gamma(n_j) / Gamma(n_i + n_j) m(S_i) m(S_j) / (m(S) q)).
    Otherwise the merge of their two clusters is proposed, with the reverse of that ratio,
    q being the probability that the same allocation (random order) recreates the current
    pair of clusters. ``state`` = [C, nfree].
    """
    n = y.size
    i = np.random.randint(n)
    j = np.random.randint(n - 1)
    if j >= i:
        j += 1
    ci = z[i]
    cj = z[j]
    split = ci == cj
    log_u = math.log(np.random.random())
    lr0 = 0.0
    if not split:
        # merge: log acceptance ratio = lr0 + log q with log q <= 0 accumulated below, so
        # the proposal is rejected as soon as lr0 + (partial log q) < log u (exact, and
        # most merges of two large clusters stop here without allocating anything)
        ni, nj = cnt[ci], cnt[cj]
        lr0 = -(
            math.log(alpha) + math.lgamma(ni) + math.lgamma(nj) - math.lgamma(ni + nj)
            + _log_marginal(ni, s1[ci], s2[ci], m0, k0, a0, b0, known_var, tau0sq)
            + _log_marginal(nj, s1[cj], s2[cj], m0, k0, a0, b0, known_var, tau0sq)
            - _log_marginal(ni + nj, s1[ci] + s1[cj], s2[ci] + s2[cj], m0, k0, a0, b0,
                            known_var, tau0sq)
        )  # fmt: skip
        if lr0 < log_u:
            return 0
    m = 0
    for k in range(n):
        zk = z[k]
        if (zk == ci or zk == cj) and k != i and k != j:
            buf[m] = k
            m += 1
    for t in range(m - 1, 0, -1):  # random allocation order (Fisher-Yates)
        u = np.random.randint(t + 1)
        b = buf[t]
        buf[t] = buf[u]
        buf[u] = b
    # running sufficient statistics of the two sides: tmp rows 0 (side i) and 1 (side j)
    ni, ti1, ti2 = 1.0, y[i], y[i] * y[i]
    nj, tj1, tj2 = 1.0, y[j], y[j] * y[j]
    _pred_params(ni, ti1, ti2, m0, k0, a0, b0, known_var, tau0sq, tmp, 0, lgt)
    _pred_params(nj, tj1, tj2, m0, k0, a0, b0, known_var, tau0sq, tmp, 1, lgt)
    logq = 0.0
    for t in range(m):
        k = buf[t]
        yk = y[k]
        li = _cached_log_pred(yk, tmp, 0)
        lj = _cached_log_pred(yk, tmp, 1)
        # P(side i) and the log-probabilities of both sides, stably
        if li >= lj:
            e = math.exp(lj - li)
            pi = 1.0 / (1.0 + e)
            lpi = -math.log1p(e)
            lpj = lj - li + lpi
        else:
            e = math.exp(li - lj)
            pi = e / (1.0 + e)
            lpj = -math.log1p(e)
            lpi = li - lj + lpj
        if split:
            to_i = np.random.random() < pi
        else:
            to_i = z[k] == ci
            if lr0 + logq + (lpi if to_i else lpj) < log_u:
                return 0
        side[t] = to_i
        if to_i:
            logq += lpi
            ni += 1.0
            ti1 += yk
            ti2 += yk * yk
            _pred_params(ni, ti1, ti2, m0, k0, a0, b0, known_var, tau0sq, tmp, 0, lgt)
        else:
            logq += lpj
            nj += 1.0
            tj1 += yk
            tj2 += yk * yk
            _pred_params(nj, tj1, tj2, m0, k0, a0, b0, known_var, tau0sq, tmp, 1, lgt)
    if split:
        lr = (
            math.log(alpha) + math.lgamma(ni) + math.lgamma(nj) - math.lgamma(ni + nj)
            + _log_marginal(ni, ti1, ti2, m0, k0, a0, b0, known_var, tau0sq)
            + _log_marginal(nj, tj1, tj2, m0, k0, a0, b0, known_var, tau0sq)
            - _log_marginal(ni + nj, ti1 + tj1, ti2 + tj2, m0, k0, a0, b0, known_var, tau0sq)
            - logq
        )  # fmt: skip
    else:
        lr = lr0 + logq
    if not log_u < lr:
        return 0
    C = state[0]
    if split:  # side j moves to a new cluster
        nfree = state[1] - 1
        new = free[nfree]
        state[1] = nfree
        active[C] = new
        pos[new] = C
        state[0] = C + 1
        z[j] = new
        for t in range(m):
            if not side[t]:
                z[buf[t]] = new
        cnt[ci], s1[ci], s2[ci] = ni, ti1, ti2
        cnt[new], s1[new], s2[new] = nj, tj1, tj2
        _pred_params(ni, ti1, ti2, m0, k0, a0, b0, known_var, tau0sq, pp, ci, lgt)
        _pred_params(nj, tj1, tj2, m0, k0, a0, b0, known_var, tau0sq, pp, new, lgt)
    else:  # cluster cj joins ci; cj's slot is retired
        z[j] = ci
        for t in range(m):
            if not side[t]:
                z[buf[t]] = ci
        cnt[ci], s1[ci], s2[ci] = ni + nj, ti1 + tj1, ti2 + tj2
        cnt[cj], s1[cj], s2[cj] = 0.0, 0.0, 0.0
        p = pos[cj]
        active[p] = active[C - 1]
        pos[active[p]] = p
        state[0] = C - 1
        free[state[1]] = cj
        state[1] += 1
        _pred_params(cnt[ci], s1[ci], s2[ci], m0, k0, a0, b0, known_var, tau0sq, pp, ci, lgt)
    return 1


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
    learn_alpha, seed, keep_labels, n_sm=0, scan=True,
):  # fmt: skip
    """Collapsed Gibbs chain; returns (w, mu, var, alpha, n_occupied, log_lik, labels,
    n_overflow, n_sm_accepted) with the blocked sampler's shapes (K slots per draw of G).

    Each sweep: one Gibbs scan over the observations (skipped with ``scan=False``, for
    tests of the split-merge move alone), ``n_sm`` merge-split proposals, then alpha."""
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
    lgt = _lgamma_table(n, a0)
    pp = np.empty((n + 2, 4))  # predictive cache: clusters 0..C-1, prior at row n + 1
    _pred_params(0.0, 0.0, 0.0, m0, k0, a0, b0, known_var, tau0sq, pp, n + 1, lgt)
    _pred_params(cnt[0], s1[0], s2[0], m0, k0, a0, b0, known_var, tau0sq, pp, 0, lgt)
    buf = np.empty(n, dtype=np.int64)  # split-merge work arrays
    side = np.empty(n, dtype=np.bool_)
    tmp = np.empty((2, 4))
    state = np.zeros(2, dtype=np.int64)
    n_acc = 0
    lp = np.empty(max(n + 1, K))
    lpk = np.empty(K)
    overflow = 0
    total = n_tune + n_draws * thin
    for it in range(total):
        log_alpha = math.log(alpha)
        for i in range(n if scan else 0):
            c = z[i]
            yi = y[i]
            # saved state of the cluster: restored as is when y_i returns to it
            o1, o2, r0, r1, r2, r3 = s1[c], s2[c], pp[c, 0], pp[c, 1], pp[c, 2], pp[c, 3]
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
                _pred_params(cnt[c], s1[c], s2[c], m0, k0, a0, b0, known_var, tau0sq, pp, c, lgt)
            mx = -np.inf
            for p in range(C):
                lp[p] = _cached_log_pred(yi, pp, active[p])  # log n_c + log p(y_i | y_c)
                mx = max(mx, lp[p])
            lp[C] = log_alpha + _cached_log_pred(yi, pp, n + 1)
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
            if new == c:
                s1[c], s2[c], pp[c, 0], pp[c, 1], pp[c, 2], pp[c, 3] = o1, o2, r0, r1, r2, r3
                continue
            s1[new] += yi
            s2[new] += yi * yi
            _pred_params(
                cnt[new], s1[new], s2[new], m0, k0, a0, b0, known_var, tau0sq, pp, new, lgt
            )
        if n_sm > 0 and n > 1:
            state[0] = C
            state[1] = nfree
            for _ in range(n_sm):
                n_acc += _split_merge(
                    y, z, cnt, s1, s2, state, active, pos, free, pp, alpha, m0, k0, a0, b0,
                    known_var, tau0sq, lgt, buf, side, tmp,
                )  # fmt: skip
            C = state[0]
            nfree = state[1]
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
        # relative error < K * 1e-12 on every term; terms below e^-40 times the largest
        # one are not exponentiated: relative error < K * 4e-18)
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
            cut = mxl - 40.0
            for k in range(K):
                if lp[k] > cut:
                    tl += math.exp(lp[k] - mxl)
            ll += mxl + math.log(tl)
        ALPHA[s] = alpha
        NOCC[s] = C
        LL[s] = ll
        if keep_labels:
            for i in range(n):
                Z[s, i] = min(pos[z[i]], K - 1)
    return W, MU, VAR, ALPHA, NOCC, LL, Z, overflow, n_acc
