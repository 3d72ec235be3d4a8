"""The PyMC stick-breaking model (``sampler="pymc"``), converted to the Gibbs arrays.

PyMC and its compiler are imported lazily, only when this sampler is chosen.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.lazy import lazy_import

__all__ = ["sample_pymc_1d", "sample_pymc_nd"]


def sample_pymc_1d(y: np.ndarray, cfg: dict[str, Any], seed: int, progress: bool | None) -> dict:
    """NUTS on the truncated stick-breaking mixture (standardised 1-D data, all chains).

    Returns a dict of arrays with a leading chain axis: w, mu, var, alpha, nocc, ll, labels
    (labels and occupied counts are drawn from p(z | w, theta) after sampling), plus the
    number of divergent transitions.
    """
    pm = lazy_import("pymc")
    pt = lazy_import("pytensor.tensor")
    K = cfg["K"]
    with pm.Model():
        if cfg["learn_alpha"]:
            alpha = pm.Gamma("alpha", alpha=cfg["a_alpha"], beta=cfg["b_alpha"])
        else:
            alpha = cfg["alpha0"]
        w = pm.StickBreakingWeights("w", alpha=alpha, K=K - 1)
        if cfg["known_var"] > 0:
            mu = pm.Normal("mu", cfg["m0"], sigma=math.sqrt(cfg["tau0sq"]), shape=K)
            sigma = math.sqrt(cfg["known_var"])
        else:
            sig2 = pm.InverseGamma("sig2", alpha=cfg["a0"], beta=cfg["b0"], shape=K)
            mu = pm.Normal("mu", cfg["m0"], sigma=pt.sqrt(sig2 / cfg["k0"]), shape=K)
            sigma = pt.sqrt(sig2)
        pm.NormalMixture("y", w=w, mu=mu, sigma=sigma, observed=y)
        idata = _nuts(pm, cfg, seed, progress)
    post = idata["posterior"]
    W = np.asarray(post["w"].values, dtype=float)
    MU = np.asarray(post["mu"].values, dtype=float)
    C, S = W.shape[:2]
    if cfg["known_var"] > 0:
        VAR = np.full_like(MU, cfg["known_var"])
    else:
        VAR = np.asarray(post["sig2"].values, dtype=float)
    if cfg["learn_alpha"]:
        ALPHA = np.asarray(post["alpha"].values, dtype=float)
    else:
        ALPHA = np.full((C, S), cfg["alpha0"])
    div = int(np.asarray(idata["sample_stats"]["diverging"].values).sum())
    g = np.random.default_rng(seed)
    n = y.size
    NOCC = np.empty((C, S), dtype=np.int64)
    LL = np.empty((C, S))
    Z = np.zeros((C, S, n if cfg["keep_labels"] else 0), dtype=np.int16)
    for c in range(C):
        for s in range(S):
            lp = (
                np.log(np.maximum(W[c, s], 1e-300))
                - 0.5 * np.log(2 * np.pi * VAR[c, s])
                - 0.5 * (y[:, None] - MU[c, s]) ** 2 / VAR[c, s]
            )
            m = lp.max(1, keepdims=True)
            p = np.exp(lp - m)
            tot = p.sum(1)
            LL[c, s] = float(np.sum(m[:, 0] + np.log(tot)))
            u = g.random(n) * tot
            z = np.minimum((np.cumsum(p, 1) < u[:, None]).sum(1), K - 1)
            NOCC[c, s] = np.unique(z).size
            if cfg["keep_labels"]:
                Z[c, s] = z
    return {
        "w": W,
        "mu": MU,
        "var": VAR,
        "alpha": ALPHA,
        "nocc": NOCC,
        "ll": LL,
        "labels": Z,
        "divergences": div,
    }


def _labels_nd(y, W, MU, PREC_CHOL, seed, keep_labels):
    """Occupied counts, log-likelihoods and labels drawn from p(z | w, mu, Sigma) per draw.

    ``PREC_CHOL[c, s, k]`` is a lower-triangular P with Sigma^{-1} = P P^T.
    """
    C, S, K = W.shape
    n, d = y.shape
    g = np.random.default_rng(seed)
    NOCC = np.empty((C, S), dtype=np.int64)
    LL = np.empty((C, S))
    Z = np.zeros((C, S, n if keep_labels else 0), dtype=np.int16)
    for c in range(C):
        for s in range(S):
            P = PREC_CHOL[c, s]
            u = np.einsum("nki,kij->nkj", y[:, None, :] - MU[c, s][None], P)
            logdet = np.log(np.abs(np.diagonal(P, axis1=1, axis2=2))).sum(1)
            lp = (
                np.log(np.maximum(W[c, s], 1e-300))
                - 0.5 * d * math.log(2 * math.pi)
                + logdet
                - 0.5 * (u**2).sum(2)
            )
            m = lp.max(1, keepdims=True)
            p = np.exp(lp - m)
            tot = p.sum(1)
            LL[c, s] = float(np.sum(m[:, 0] + np.log(tot)))
            r = g.random(n) * tot
            z = np.minimum((np.cumsum(p, 1) < r[:, None]).sum(1), K - 1)
            NOCC[c, s] = np.unique(z).size
            if keep_labels:
                Z[c, s] = z
    return NOCC, LL, Z


def sample_pymc_nd(y: np.ndarray, cfg: dict[str, Any], seed: int, progress: bool | None) -> dict:
    """NUTS on the truncated stick-breaking mixture with the exact NIW base measure (d >= 2).

    PyMC has no inverse-Wishart distribution, so Sigma_k ~ IW(nu0, Psi0) is built from its
    Bartlett decomposition: Sigma_k^{-1} = P_k P_k^T with P_k = L0 A_k, L0 L0^T = Psi0^{-1},
    A_k lower triangular, (A_k)_ii^2 ~ chi^2(nu0 - i) (i = 0, ..., d - 1) and
    (A_k)_ij ~ N(0, 1) for i > j, which makes Sigma_k^{-1} ~ Wishart(nu0, Psi0^{-1}) exactly
    (Bartlett, 1933). The means are non-centred, mu_k = m0 + P_k^{-T} e_k / sqrt(kappa0) with
    e_k ~ N(0, I_d), i.e. mu_k | Sigma_k ~ N(m0, Sigma_k / kappa0): the prior is the NIW of
    the Gibbs sampler, not an approximation. The likelihood is a vectorised log-sum-exp
    ``pm.Potential`` using P_k^T (y_i - mu_k) = P_k^T (y_i - m0) - e_k / sqrt(kappa0) (no
    matrix inverse or triangular solve in the graph).

    Returns the arrays of :func:`sample_pymc_1d` with ``mu`` (C, S, K, d) and ``var`` the
    covariances (C, S, K, d, d).
    """
    pm = lazy_import("pymc")
    pt = lazy_import("pytensor.tensor")
    K = cfg["K"]
    n, d = y.shape
    m0 = np.full(d, cfg["m0"])
    L0 = np.linalg.cholesky(np.linalg.inv(cfg["psi0"]))
    rows, cols = np.tril_indices(d, -1)
    diag = np.arange(d)
    yc = y - m0
    rk0 = math.sqrt(cfg["k0"])
    with pm.Model():
        if cfg["learn_alpha"]:
            alpha = pm.Gamma("alpha", alpha=cfg["a_alpha"], beta=cfg["b_alpha"])
        else:
            alpha = cfg["alpha0"]
        w = pm.StickBreakingWeights("w", alpha=alpha, K=K - 1)
        chi2 = pm.ChiSquared("chi2", nu=cfg["nu0"] - diag, shape=(K, d))
        off = pm.Normal("off", 0.0, 1.0, shape=(K, rows.size))
        e = pm.Normal("e", 0.0, 1.0, shape=(K, d))
        A = pt.zeros((K, d, d))
        A = pt.set_subtensor(A[:, diag, diag], pt.sqrt(chi2))
        A = pt.set_subtensor(A[:, rows, cols], off)
        P = pm.Deterministic("P", pt.matmul(L0, A))
        # u[i, k] = P_k^T (y_i - mu_k);  log |Sigma_k|^{-1/2} = sum log diag P_k
        u = (yc[:, None, :, None] * P[None]).sum(2) - e[None] / rk0
        logdet = float(np.log(np.diag(L0)).sum()) + 0.5 * pt.log(chi2).sum(1)
        lp = pt.log(w)[None] - 0.5 * d * math.log(2 * math.pi) + logdet[None] - 0.5 * (u**2).sum(2)
        pm.Potential("loglik", pm.math.logsumexp(lp, axis=1).sum())
        idata = _nuts(pm, cfg, seed, progress)
    post = idata["posterior"]
    W = np.asarray(post["w"].values, dtype=float)
    PC = np.asarray(post["P"].values, dtype=float)
    E = np.asarray(post["e"].values, dtype=float)
    C, S = W.shape[:2]
    # mu_k = m0 + P_k^{-T} e_k / sqrt(kappa0);  Sigma_k = P_k^{-T} P_k^{-1}
    Pinv = np.linalg.inv(PC)
    PinvT = np.swapaxes(Pinv, -1, -2)
    MU = m0 + np.einsum("cskij,cskj->cski", PinvT, E) / rk0
    COV = PinvT @ Pinv
    COV = 0.5 * (COV + np.swapaxes(COV, -1, -2))
    if cfg["learn_alpha"]:
        ALPHA = np.asarray(post["alpha"].values, dtype=float)
    else:
        ALPHA = np.full((C, S), cfg["alpha0"])
    div = int(np.asarray(idata["sample_stats"]["diverging"].values).sum())
    NOCC, LL, Z = _labels_nd(y, W, MU, PC, seed, cfg["keep_labels"])
    return {
        "w": W,
        "mu": MU,
        "var": COV,
        "alpha": ALPHA,
        "nocc": NOCC,
        "ll": LL,
        "labels": Z,
        "divergences": div,
    }


def _nuts(pm, cfg: dict, seed: int, progress: Any):
    """NUTS inside the current model context with the settings shared by both backends."""
    return pm.sample(
        draws=cfg["n_draws"],
        tune=cfg["n_tune"],
        chains=cfg["chains"],
        cores=1,
        random_seed=seed,
        progressbar=bool(progress),
        target_accept=0.95,
        compute_convergence_checks=False,
    )
