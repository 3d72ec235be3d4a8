"""The Bayesian ACD (one tiny PyMC fit; PyMC compilation dominates its time)."""

from __future__ import annotations

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
