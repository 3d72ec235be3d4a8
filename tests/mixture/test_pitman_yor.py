"""Pitman-Yor process prior in the blocked Gibbs sampler against exact enumeration."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln

import stattools as st
from stattools.core.exceptions import DataError
from stattools.mixture.dpmm import DEFAULT_PRIOR_1D
from tests.mixture.test_dpmm import _batch_se, _log_marginal, _set_partitions

Z_TOL = 4.0  # |estimate - exact| <= 4 batch-means standard errors (+ 1e-3 slack)


def _exact_py(y, alpha, disc):
    """P(#clusters = k | y) from the Pitman-Yor EPPF:
    p(partition) ∝ prod_{c=1}^{C-1} (alpha + c d) prod_c (1 - d)_{n_c - 1}."""
    hyp = (DEFAULT_PRIOR_1D["m0"], DEFAULT_PRIOR_1D["kappa0"], DEFAULT_PRIOR_1D["a0"],
           DEFAULT_PRIOR_1D["b0"])  # fmt: skip
    logp, sizes = [], []
    for part in _set_partitions(y.size):
        C = len(part)
        lp = sum(math.log(alpha + c * disc) for c in range(1, C))
        lp += sum(gammaln(len(c) - disc) - gammaln(1 - disc) for c in part)
        lp += sum(_log_marginal(y[c], *hyp) for c in part)
        logp.append(lp)
        sizes.append(C)
    p = np.exp(np.array(logp) - max(logp))
    return np.bincount(sizes, weights=p / p.sum())


def test_pitman_yor_matches_exact_partition_enumeration():
    y_raw = np.array([-1.3, -1.0, -0.8, 0.9, 1.4, 3.5])
    fit = st.dpmm("y ~ 1", pd.DataFrame({"y": y_raw}), truncation=80, alpha=1.0, chains=2,
                  draws=8000, tune=500, rng=21, process="pitman-yor", discount=0.4,
                  check=False)  # fmt: skip
    pk = _exact_py((y_raw - y_raw.mean()) / y_raw.std(), 1.0, 0.4)
    dp = _exact_py((y_raw - y_raw.mean()) / y_raw.std(), 1.0, 0.0)
    nc = fit.idata["posterior"]["n_clusters"].values
    for k in range(1, 7):
        ind = (nc == k).astype(float)
        z = abs(ind.mean() - pk[k]) / (_batch_se(ind) + 1e-3 / Z_TOL)
        assert z <= Z_TOL, (k, ind.mean(), pk[k])
    # the discount matters: the DP answer is far from the sampler's
    assert np.abs(pk[1:7] - dp[1:7]).max() > 0.05
    assert "Pitman-Yor" in fit.method


def test_discount_zero_is_the_dp_exactly():
    df = pd.DataFrame({"y": np.random.default_rng(0).normal(size=40)})
    kw = dict(truncation=10, chains=1, draws=50, tune=20, rng=3, check=False)
    a = st.dpmm("y ~ 1", df, **kw)
    b = st.dpmm("y ~ 1", df, process="pitman-yor", discount=0.0, **kw)
    np.testing.assert_array_equal(a._flat("weight"), b._flat("weight"))


@pytest.mark.parametrize(("kw", "match"), [
    (dict(process="py"), "process"), (dict(process="pitman-yor", discount=1.0), "discount"),
    (dict(discount=0.2), "pitman-yor"), (dict(process="pitman-yor", discount="a"), "discount"),
])  # fmt: skip
def test_pitman_yor_bad_arguments(kw, match):
    df = pd.DataFrame({"y": np.random.default_rng(0).normal(size=20)})
    with pytest.raises(DataError, match=match):
        st.dpmm("y ~ 1", df, **kw)
