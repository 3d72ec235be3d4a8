"""The PyMC stick-breaking model (``sampler="pymc"``), converted to the Gibbs arrays.

PyMC and its compiler are imported lazily, only when this sampler is chosen.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.lazy import lazy_import

__all__ = ["sample_pymc_1d"]


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
        idata = pm.sample(
            draws=cfg["n_draws"],
            tune=cfg["n_tune"],
            chains=cfg["chains"],
            cores=1,
            random_seed=seed,
            progressbar=bool(progress),
            target_accept=0.95,
            compute_convergence_checks=False,
        )
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
