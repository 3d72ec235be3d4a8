"""sampler="collapsed" (Neal's algorithm 3) against exact enumeration of set partitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stattools as st
from stattools.core.exceptions import TruncationWarning
from tests.mixture.test_dpmm import TOL, _batch_se, _exact_alpha_mean, _exact_posterior


def test_collapsed_matches_exact_partition_enumeration():
    y_raw = np.array([-1.3, -1.0, -0.8, 0.9, 1.4, 3.5])
    x_raw = np.array([-1.0, 0.5, 3.0])
    fit = st.dpmm("y ~ 1", pd.DataFrame({"y": y_raw}), truncation=30, alpha=1.0, chains=2,
                  draws=10_000, tune=500, grid=x_raw, rng=31, sampler="collapsed",
                  check=False)  # fmt: skip
    center, sd = y_raw.mean(), y_raw.std()
    pk, dens = _exact_posterior((y_raw - center) / sd, 1.0, (x_raw - center) / sd)
    nc = fit.idata["posterior"]["n_clusters"].values
    for k in range(1, 7):
        ind = (nc == k).astype(float)
        z = abs(ind.mean() - pk[k]) / (_batch_se(ind) + 1e-3 / TOL["enumeration_z"])
        assert z <= TOL["enumeration_z"], (k, ind.mean(), pk[k])
    d = fit.idata["density"]["density"].values
    for g in range(x_raw.size):
        est, se = d[..., g].mean(), _batch_se(d[..., g])
        assert abs(est - dens[g] / sd) <= TOL["enumeration_z"] * se + 1e-4, (g, est, dens[g])
    fit_a = st.dpmm("y ~ 1", pd.DataFrame({"y": y_raw}), truncation=30, chains=2, draws=10_000,
                    tune=500, grid=[0.0], rng=32, sampler="collapsed", check=False)  # fmt: skip
    al = fit_a.idata["posterior"]["alpha"].values
    exact = _exact_alpha_mean((y_raw - center) / sd)
    assert abs(al.mean() - exact) <= TOL["enumeration_z"] * _batch_se(al) + 1e-3
    assert "collapsed" in fit.method


def test_collapsed_flags_a_truncation_below_the_cluster_count():
    y = np.linspace(-30, 30, 40)  # spread-out data: many clusters
    with pytest.warns(TruncationWarning, match="collapsed"):
        st.dpmm("y ~ 1", pd.DataFrame({"y": y}), truncation=2, alpha=5.0, chains=1, draws=30,
                tune=10, rng=1, sampler="collapsed", check=False)  # fmt: skip


def test_collapsed_is_1d_only():
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(20, 2)), columns=["a", "b"])
    with pytest.raises(NotImplementedError, match="1-D"):
        st.dpmm("a + b ~ 1", df, sampler="collapsed")
