"""Clustering read-outs of a DPMM fit: point-estimate partition, relabelled cluster summary,
cluster probabilities of new points (used by :class:`~stattools.mixture.DPMMResult`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import DataError
from .partition import PartitionEstimate, partition_estimate

__all__ = ["partition", "cluster_summary", "predict_proba"]


def _labels(res: Any) -> np.ndarray:
    if res.labels is None:
        raise DataError(
            "cluster labels were not kept (default only for n <= 2000): refit with "
            "keep_labels=True."
        )
    return np.asarray(res.labels).reshape(-1, res.nobs)


def partition(res: Any, loss: str = "binder", level: float = 0.95) -> PartitionEstimate:
    """Point-estimate partition of the observations (see :func:`partition_estimate`)."""
    key = (loss, float(level))
    cache = res.__dict__.setdefault("_partition_cache", {})
    if key not in cache:
        cache[key] = partition_estimate(_labels(res), loss=loss, level=level)
    return cache[key]


def cluster_summary(res: Any, loss: str = "binder", level: float = 0.95) -> pd.DataFrame:
    """One row per cluster of the point estimate (label-free, so no label switching).

    ``size`` and ``weight`` (share of observations); the posterior mean and ``level`` ETI of
    the cluster's location (per draw: the average component mean mu_{z_i} over its members)
    and the posterior mean of its component sd (1-D) or of the trace of its covariance / d.
    """
    est = partition(res, loss, level)
    z = _labels(res)
    mu = res._flat("loc")
    sc = res._flat("scale")
    S = z.shape[0]
    rows = np.arange(S)[:, None]
    q = [(1 - level) / 2, (1 + level) / 2]
    out = []
    for c in range(1, est.n_clusters + 1):
        members = np.nonzero(est.labels == c)[0]
        loc = mu[rows, z[:, members]]  # (S, m[, d])
        spread = sc[rows, z[:, members]]
        if res.dim == 1:
            spread = spread.mean(1)
        else:
            spread = np.sqrt(np.trace(spread, axis1=-2, axis2=-1) / res.dim).mean(1)
        loc = loc.mean(1)
        loc = loc[:, None] if loc.ndim == 1 else loc
        for j, name in enumerate(res.response):
            lo, hi = np.quantile(loc[:, j], q)
            out.append({"cluster": c, "variable": name, "size": members.size,
                        "weight": members.size / res.nobs, "mean": float(loc[:, j].mean()),
                        "lower": float(lo), "upper": float(hi),
                        "sd": float(spread.mean())})  # fmt: skip
    df = pd.DataFrame(out)
    df.attrs.update(level=level, loss=loss)
    return df


def _newdata(res: Any, newdata: Any) -> np.ndarray:
    if isinstance(newdata, pd.DataFrame):
        missing = [c for c in res.response if c not in newdata.columns]
        if missing:
            raise DataError(f"newdata lacks the column(s) {missing}.")
        x = newdata[list(res.response)].to_numpy(dtype=float)
    else:
        x = np.asarray(newdata, dtype=float)
        x = x.reshape(-1, 1) if res.dim == 1 and x.ndim <= 1 else np.atleast_2d(x)
    if x.ndim != 2 or x.shape[1] != res.dim:
        raise DataError(f"newdata must have {res.dim} column(s); got shape {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise DataError("newdata must contain finite values only.")
    return x


def predict_proba(res: Any, newdata: Any, loss: str = "binder", chunk: int = 500) -> pd.DataFrame:
    """P(new point joins cluster c of the point estimate | data), plus a ``new`` column.

    Per draw s, the point's component responsibilities r_k = w_k N(x | theta_k) / sum are
    mapped to the point-estimate clusters through the share of component k's members in
    each cluster; mass on components without members goes to ``new`` (a cluster not seen in
    the data). Averaged over draws; rows sum to 1.
    """
    x = _newdata(res, newdata)
    est = partition(res, loss)
    z = _labels(res)
    w, mu, sc = res._flat("weight"), res._flat("loc"), res._flat("scale")
    S, K = w.shape
    d, C = res.dim, est.n_clusters
    cov = (sc**2)[..., None, None] if d == 1 else sc
    mu = mu[..., None] if d == 1 else mu
    L = np.linalg.cholesky(cov)
    logdet = 2 * np.log(np.diagonal(L, axis1=-2, axis2=-1)).sum(-1)
    prob = np.zeros((x.shape[0], C + 1))
    for a in range(0, S, chunk):
        b = min(S, a + chunk)
        diff = x[None, None, :, :] - mu[a:b, :, None, :]  # (s, K, m, d)
        v = np.linalg.solve(L[a:b, :, None], diff[..., None])[..., 0]
        lp = np.log(np.maximum(w[a:b], 1e-300))[..., None] - 0.5 * (
            (v * v).sum(-1) + logdet[a:b, :, None] + d * math.log(2 * math.pi)
        )
        lp -= lp.max(1, keepdims=True)
        r = np.exp(lp)
        r /= r.sum(1, keepdims=True)  # (s, K, m)
        share = np.zeros((b - a, K, C + 1))
        for s in range(a, b):
            np.add.at(share[s - a], (z[s], est.labels - 1), 1.0)
        nk = share.sum(2, keepdims=True)
        share = np.where(nk > 0, share / np.maximum(nk, 1), 0.0)
        share[..., C] = (nk[..., 0] == 0).astype(float)
        prob += np.einsum("skm,skc->mc", r, share)
    prob /= S
    cols = [*range(1, C + 1), "new"]
    return pd.DataFrame(prob, columns=pd.Index(cols, dtype=object))
