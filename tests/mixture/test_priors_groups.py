"""Priors on the data scale, ArviZ groups and plot types (issue 16 defects 5 and 7)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stattools as st
from stattools.core.exceptions import DataError

FAST = dict(truncation=8, chains=2, draws=80, tune=40, check=False)


@pytest.fixture(scope="module")
def y1():
    return pd.DataFrame({"y": 50 + 10 * st.MixingMeasure([0.5, 0.5], [-2.0, 2.0], scale=0.7)
                         .sample(120, rng=1)})  # fmt: skip


def test_data_scale_prior_maps_exactly_to_the_standardised_one(y1):
    c, s = float(y1["y"].mean()), float(y1["y"].std(ddof=0))
    a = st.dpmm("y ~ 1", y1, rng=4, **FAST)  # default standardised prior
    data_prior = dict(m0=c, kappa0=0.02, a0=2.0, b0=0.3 * s**2)
    b = st.dpmm("y ~ 1", y1, rng=4, prior=data_prior, prior_scale="data", **FAST)
    np.testing.assert_allclose(b._flat("loc"), a._flat("loc"), rtol=1e-9)
    assert "data scale" in b.summary().as_text()
    assert "standardised scale" in a.summary().as_text()
    # on the data scale the prior does not move with the data: shifting the data by 100
    # with the same data-scale prior changes the posterior (it would not if it adapted)
    shifted = y1.assign(y=y1["y"] + 100)
    c1 = st.dpmm("y ~ 1", shifted, rng=4, prior=data_prior, prior_scale="data", **FAST)
    c2 = st.dpmm("y ~ 1", shifted, rng=4, **FAST)
    np.testing.assert_allclose(c2._flat("loc"), a._flat("loc") + 100, rtol=1e-9)
    assert not np.allclose(c1._flat("loc"), a._flat("loc") + 100)


def test_prior_errors(y1):
    with pytest.raises(DataError, match="tau0.*scale="):
        st.dpmm("y ~ 1", y1, prior=dict(tau0=1.0), **FAST)
    with pytest.raises(DataError, match="needs .*'b0'"):
        st.dpmm("y ~ 1", y1, prior=dict(m0=50.0), prior_scale="data", **FAST)
    with pytest.raises(DataError, match="prior_scale"):
        st.dpmm("y ~ 1", y1, prior_scale="raw", **FAST)
    # tau0 with a known scale is used (data scale: tau0 and m0 in data units)
    f = st.dpmm("y ~ 1", y1, scale=7.0, prior=dict(m0=50.0, tau0=20.0), prior_scale="data",
                rng=1, **FAST)  # fmt: skip
    assert f.nobs == 120


def test_full_covariance_prior_in_2d():
    g = np.random.default_rng(0)
    df = pd.DataFrame(g.normal(size=(60, 2)) * [1.0, 20.0], columns=["a", "b"])
    a = st.dpmm("a + b ~ 1", df, rng=2, **FAST)
    b = st.dpmm("a + b ~ 1", df, rng=2, prior=dict(psi0=0.1 * np.eye(2)), **FAST)
    np.testing.assert_allclose(b._flat("scale"), a._flat("scale"), rtol=1e-9)
    sd = df.to_numpy().std(0)
    c = st.dpmm("a + b ~ 1", df, rng=2, prior=dict(m0=df.mean().to_numpy(),
                psi0=0.1 * np.diag(sd**2)), prior_scale="data", **FAST)  # fmt: skip
    np.testing.assert_allclose(c._flat("scale"), a._flat("scale"), rtol=1e-8)
    with pytest.raises(DataError, match="positive definite"):
        st.dpmm("a + b ~ 1", df, prior=dict(psi0=[[1.0, 2.0], [2.0, 1.0]]), **FAST)


def test_arviz_groups_loo_and_short_summary(y1):
    az = pytest.importorskip("arviz")
    fit = st.dpmm("y ~ 1", y1, rng=1, **FAST)
    groups = set(fit.idata.children)
    assert {"posterior", "density", "mixing_measure", "observed_data", "log_likelihood",
            "posterior_predictive"} <= groups  # fmt: skip
    assert "density" not in fit.idata["posterior"].data_vars
    ll = fit.idata["log_likelihood"]["y"].values
    assert ll.shape == (2, 80, 120)
    # pointwise log-likelihoods sum to the stored total log-likelihood of the *label-free*
    # mixture (log_lik in posterior is the complete-data one), and are finite
    assert np.isfinite(ll).all()
    G = fit.mixing_measures()[0]
    np.testing.assert_allclose(ll[0, 0], np.log(G.pdf(y1["y"].to_numpy())), rtol=1e-10)
    loo = az.loo(fit.idata)
    assert np.isfinite(float(loo.elpd))
    summ = az.summary(fit.idata)
    assert len(summ) <= 6  # alpha, n_clusters, log_lik, w_last: no density rows
    assert fit.idata["posterior_predictive"]["y"].shape == (2, 80, 120, 1)
    small = st.dpmm("y ~ 1", y1, rng=1, pointwise=False, **FAST)
    assert "log_likelihood" not in set(small.idata.children)


def test_every_plot_kind_returns_a_figure(y1):
    from matplotlib.figure import Figure

    fit = st.dpmm("y ~ 1", y1, rng=1, **FAST)
    for kind in ("density", "trace", "forest", "clusters", "coclustering", "assignment"):
        assert isinstance(fit.plot(kind), Figure), kind
    with pytest.raises(DataError, match="d >= 2"):
        fit.plot("pairs")


def test_multivariate_plots_return_figures():
    from matplotlib.figure import Figure

    g = np.random.default_rng(5)
    df = pd.DataFrame(np.vstack([g.normal(-2, 0.4, (30, 2)), g.normal(2, 0.4, (30, 2))]),
                      columns=["a", "b"])  # fmt: skip
    fit = st.dpmm("a + b ~ 1", df, rng=1, **FAST)
    for kind in ("density", "pairs", "assignment", "trace"):
        assert isinstance(fit.plot(kind), Figure), kind
    assert fit.partition().n_clusters == 2
    fig = fit.plot("pairs")
    assert len(fig.axes) == 4
