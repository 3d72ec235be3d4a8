"""backcast="acdm" against R ACDm 1.1.0 (values and script in tests/reference/duration/)."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
from scipy import optimize

import stattools as st
from stattools.duration import ACD
from stattools.duration.distributions import Exponential
from stattools.duration.recursion import Spec, filter_state, negloglik

REF = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "reference" / "duration" / "acdm_backcast.json"
    ).read_text()
)


def _acdm_loop(theta, x, p, q):
    """ACDm's getLL_ACDcall recursion, transcribed: mu_i = mean(x) for i < max(p, q)."""
    m = max(p, q)
    mu = np.empty_like(x)
    mu[:m] = x.mean()
    for i in range(m, x.size):
        v = theta[0]
        for j in range(1, p + 1):
            v += theta[j] * x[i - j]
        for j in range(1, q + 1):
            v += theta[p + j] * mu[i - j]
        mu[i] = v
    return mu


@pytest.mark.parametrize("order", [(1, 1), (1, 2), (2, 2)])
def test_acdm_recursion_and_gradient(order):
    x = st.simulate_acd(400, omega=0.1, alpha=0.1, beta=0.8, rng=3)["duration"].to_numpy()
    p, q = order
    theta = np.r_[0.1, [0.08] * p, [0.8 / q] * q]
    spec = Spec(p, q, acdm=True)
    np.testing.assert_allclose(
        filter_state(theta, x, spec, x.mean()), _acdm_loop(theta, x, p, q), rtol=1e-12
    )
    f = lambda th: negloglik(th, (), x, spec, Exponential(), x.mean(), grad=False)[0]  # noqa: E731
    g = lambda th: negloglik(th, (), x, spec, Exponential(), x.mean())[1]  # noqa: E731
    assert optimize.check_grad(f, g, theta) < 1e-6
    mu = _acdm_loop(theta, x, p, q)
    assert f(theta) == pytest.approx(np.mean(np.log(mu) + x / mu), rel=1e-12)


@pytest.mark.needs_data
@pytest.mark.parametrize("key", sorted(REF["fits"]))
def test_matches_acdm(key):
    ref = REF["fits"][key]
    x = st.datasets.load_dataset("acdm_durations")["adjDur"].to_numpy()[:3000]
    mod = ACD(x, order=tuple(ref["order"]), backcast="acdm")
    res = mod.fit(cov_type="expected")
    assert res.converged
    np.testing.assert_allclose(res.params.to_numpy(), ref["params"], rtol=1e-4)
    assert res.llf == pytest.approx(ref["llf"], abs=1e-4)
    # ACDm's robustSE is the expected-information sandwich (issue 12 item 6)
    np.testing.assert_allclose(res.bse.to_numpy(), ref["robust_se"], rtol=1e-4)
    np.testing.assert_allclose(mod.fit(cov_type="classic").bse.to_numpy(), ref["se"], rtol=2e-3)
    assert "acdm" in res.summary().as_text()


def test_acdm_backcast_restarts_per_group_and_rejects_log():
    x = st.simulate_acd(600, omega=0.1, alpha=0.1, beta=0.8, rng=1)["duration"].to_numpy()
    res = ACD(x, backcast="acdm", groups=np.repeat([1, 2], 300)).fit()
    psi = res.fittedvalues.to_numpy()
    assert psi[0] == pytest.approx(x.mean()) and psi[300] == pytest.approx(x.mean())
    # the log-ACD takes ACDm's start too (issue 12: ACDm's LACD1 is checked against it in
    # tests/duration/test_models_acdm.py): the leading psi equals mean(x)
    lres = ACD(x, backcast="acdm", model="log").fit()
    assert lres.fittedvalues.iloc[0] == pytest.approx(x.mean())
