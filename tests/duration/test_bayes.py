"""The Bayesian ACD (one tiny PyMC fit; PyMC compilation dominates its time)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import stattools as st
from stattools.duration import ACDBayesResult


@pytest.mark.mcmc
def test_bayes_acd_tiny_posterior_is_near_the_qmle():
    sim = st.simulate_acd(1500, omega=0.1, alpha=0.15, beta=0.8, rng=4)
    mle = st.acd("duration ~ 1", data=sim, dist="exponential")
    res = st.acd("duration ~ 1", data=sim, method="bayes", draws=150, tune=150, chains=1, rng=0)
    assert isinstance(res, ACDBayesResult)
    post = res.idata.posterior
    assert set(post.data_vars) >= {"omega", "alpha[1]", "beta[1]", "persistence"}
    np.testing.assert_allclose(
        post["persistence"].values, post["alpha[1]"].values + post["beta[1]"].values, rtol=1e-12
    )
    # flat-ish priors, n = 1500: posterior means within 3 posterior sd of the MLE
    z = (res.params - mle.params) / res.bse
    assert np.all(np.abs(z) < 3), z
    assert 0.0 <= res.prob_infinite_mean <= 0.2
    ci = res.conf_int(0.9)
    assert ci.attrs["kind"] == "ETI" and (ci["lower"] < res.params).all()
    assert "P(alpha + beta >= 1 | data)" in res.summary().as_text()
    # issue 12 item 7: the DataTree keeps every group, az.loo works, tidy has no z / p
    assert set(res.idata.children) >= {
        "posterior", "sample_stats", "log_likelihood", "observed_data", "posterior_predictive"
    }  # fmt: skip
    assert "diverging" in res.idata.sample_stats and "energy" in res.idata.sample_stats
    ll = res.idata.log_likelihood["duration"].values
    assert ll.shape == (1, 150, 1500)
    th = np.array([post[nm].values[0, 0] for nm in ["omega", "alpha[1]", "beta[1]"]])
    assert np.isfinite(ll).all()
    import arviz as az

    with warnings.catch_warnings():  # arviz's Pareto-k notice for 150 draws is expected
        warnings.simplefilter("ignore", UserWarning)
        assert np.isfinite(float(az.loo(res.idata).elpd))
    tid = res.tidy()
    assert tid["statistic"].isna().all() and tid["p_value"].isna().all()
    assert (tid["interval"] == "ETI").all()
    hdi = res.conf_int(0.9, interval="HDI")
    assert hdi.attrs["kind"] == "HDI"
    for nm in hdi.index:  # brute force: the shortest interval holding 90% of the draws
        d = np.sort(res.idata.posterior[nm].values.ravel())
        m = int(np.floor(0.9 * d.size))
        inside = np.mean((d >= hdi.loc[nm, "lower"]) & (d <= hdi.loc[nm, "upper"]))
        assert inside >= 0.9
        best = min(d[i + m] - d[i] for i in range(d.size - m))
        assert hdi.loc[nm, "upper"] - hdi.loc[nm, "lower"] == pytest.approx(best)
    txt = res.summary().as_text()
    assert "ETI" in txt and "P>|z|" not in txt and "Seed" in txt
    assert res.seed == 0
    # exponential likelihood by hand for the first draw
    from stattools.duration.recursion import filter_state

    m = st.duration.ACD(sim["duration"].to_numpy())
    psi = filter_state(th, m.x, m.spec, m.b)
    np.testing.assert_allclose(ll[0, 0], -np.log(psi) - m.x / psi, rtol=1e-10)
    # issue 17 item 6: augment with the posterior mean of psi_i
    aug = st.augment(res)
    assert aug.columns.tolist() == ["duration", ".fitted", ".resid"] and len(aug) == 1500
    mle_psi = mle.augment()[".fitted"].to_numpy()
    assert np.median(np.abs(aug[".fitted"].to_numpy() / mle_psi - 1)) < 0.05
    np.testing.assert_allclose(aug[".resid"] * aug[".fitted"], sim["duration"], rtol=1e-12)
    assert res.plot() is not None
    pc = res.plot("persistence")
    assert "P(alpha + beta >= 1 | data)" in pc.get_target("persistence", {}).get_title()


def test_mixing_warning_for_disagreeing_chains():
    import arviz as az

    from stattools.core.exceptions import MixingWarning
    from stattools.duration.bayes import mixing_messages

    g = np.random.default_rng(1)
    bad = az.from_dict({"posterior": {"a": g.normal(size=(2, 200)) + np.array([[0.0], [3.0]])}})
    with pytest.warns(MixingWarning, match="R-hat"):
        msgs = mixing_messages(bad, ["a"], 2)
    assert len(msgs) == 1
    assert mixing_messages(bad, ["a"], 1) == []


@pytest.mark.mcmc
def test_bayes_weibull_likelihood():
    # P(alpha + beta >= 1 | data) need not rest on the exponential likelihood alone
    sim = st.simulate_acd(800, omega=0.1, alpha=0.1, beta=0.8, dist=st.duration.Weibull(0.8), rng=2)
    res = st.acd(
        "duration ~ 1", data=sim, dist="weibull", method="bayes", draws=60, tune=60, chains=1, rng=1
    )
    assert "k" in res.params.index and 0.6 < res.params["k"] < 1.0
    assert res.dist_name == "weibull" and "weibull likelihood" in res.summary().as_text()
    ll = res.idata.log_likelihood["duration"].values
    assert ll.shape == (1, 60, 800) and np.isfinite(ll).all()


def test_shape_priors_follow_the_admissible_range():
    # issue 12 item 7: priors for the new laws (q-Weibull q in (1, 2), mixture weight
    # p in (0, 1)) stay inside the admissible range; unbounded shapes get LogNormal(0, 1)
    pm = pytest.importorskip("pymc")
    from stattools.duration.bayes import _shape_prior
    from stattools.duration.distributions import get_distribution

    for name in ("qweibull", "mixqwe", "genf"):
        law = get_distribution(name)
        with pm.Model() as m:
            rvs = [_shape_prior(pm, j, lo, hi) for j, (lo, hi) in enumerate(law.bounds)]
        draws = pm.draw(rvs, draws=400, random_seed=1)
        for (lo, hi), d, rv in zip(law.bounds, draws, rvs):
            assert np.all((d > lo) & (d < hi)) or hi > 10, (name, rv.name)
            kind = type(rv.owner.op).__name__.lower()
            assert ("uniform" in kind) == (hi <= 10), (name, kind)
        assert len(m.free_RVs) == len(law.names)


@pytest.mark.mcmc
def test_bayes_qweibull_likelihood_runs():
    law = st.duration.distributions.get_distribution("qweibull")
    sim = st.simulate_acd(600, omega=0.1, alpha=0.1, beta=0.8, rng=3)
    res = st.acd(
        "duration ~ 1", data=sim, dist=law, method="bayes", draws=40, tune=40, chains=1, rng=1
    )
    assert {"a", "q"} <= set(res.params.index)
    q = res.idata.posterior["q"].values
    assert np.all((q > 1) & (q < 2))
