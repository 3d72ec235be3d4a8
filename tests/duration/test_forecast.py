"""Density forecasts, PITs and Cox-Snell residuals of ACD fits (issue 12, "What to add").

References: closed forms (exponential and Weibull laws, the ACD(1,1) recursion) and scipy's
distributions; the KS statistic against scipy.stats.kstest.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import stattools as st
from stattools.core.exceptions import DataError, NotSupportedError
from stattools.duration import forecast as F
from stattools.duration.distributions import Weibull


@pytest.fixture(scope="module")
def weib():
    sim = st.simulate_acd(1200, omega=0.1, alpha=0.1, beta=0.8, dist="weibull", rng=11)
    return st.acd("duration ~ 1", sim, dist="weibull")


@pytest.fixture(scope="module")
def expo():
    sim = st.simulate_acd(1200, omega=0.1, alpha=0.15, beta=0.75, rng=12)
    return st.acd("duration ~ 1", sim)


def test_next_psi_is_the_recursion(expo):
    om, a, b = expo.params[["omega", "alpha[1]", "beta[1]"]]
    want = om + a * expo.x[-1] + b * expo.psi[-1]
    assert math.isclose(F.next_psi(expo), want, rel_tol=1e-12)
    assert math.isclose(F.next_psi(expo), expo.forecast(1).iloc[0], rel_tol=1e-12)


def test_next_psi_continues_the_last_group():
    sims = [st.simulate_acd(400, omega=0.1, alpha=0.15, beta=0.75, rng=s) for s in (5, 6, 7)]
    df = pd.concat([d.assign(day=i) for i, d in enumerate(sims)], ignore_index=True)
    res = st.acd("duration ~ 1", df, groups="day")
    om, a, b = res.params[["omega", "alpha[1]", "beta[1]"]]
    assert math.isclose(F.next_psi(res), om + a * res.x[-1] + b * res.psi[-1], rel_tol=1e-12)


def test_density_forecast_equals_scipy_weibull(weib):
    psi, k = F.next_psi(weib), float(weib.params["k"])
    law = stats.weibull_min(k, scale=psi / special.gamma(1 + 1 / k))
    d = weib.predict(1, kind="density")
    np.testing.assert_allclose(d["pdf"], law.pdf(d["x"]), rtol=1e-10)
    np.testing.assert_allclose(d["cdf"], law.cdf(d["x"]), rtol=1e-10)
    np.testing.assert_allclose(d["hazard"], law.pdf(d["x"]) / law.sf(d["x"]), rtol=1e-9)
    assert d.attrs["psi"] == psi
    assert abs(np.trapezoid(d["pdf"], d["x"]) - 0.998) < 5e-3  # 0.1%..99.9% quantiles
    q = weib.predict(1, kind="quantile", probs=[0.1, 0.5, 0.9])
    np.testing.assert_allclose(q, law.ppf([0.1, 0.5, 0.9]), rtol=1e-10)
    at = weib.predict(1, kind="density", x=[0.5, 1.0])
    np.testing.assert_allclose(at["pdf"], law.pdf([0.5, 1.0]), rtol=1e-10)


def test_pit_and_cox_snell_closed_forms(expo, weib):
    e = expo.resid.to_numpy()
    np.testing.assert_allclose(expo.pit(), 1 - np.exp(-e), rtol=1e-12)
    np.testing.assert_allclose(expo.cox_snell(), e, rtol=1e-12)
    k = float(weib.params["k"])
    ew = weib.resid.to_numpy() * special.gamma(1 + 1 / k)
    np.testing.assert_allclose(weib.cox_snell(), ew**k, rtol=1e-10)
    np.testing.assert_allclose(weib.pit(), 1 - np.exp(-(ew**k)), rtol=1e-10)
    assert weib.pit().index.equals(weib.resid.index)


def test_pit_test_ks_equals_scipy_and_detects_a_wrong_law():
    sim = st.simulate_acd(1500, omega=0.1, alpha=0.1, beta=0.8, dist=Weibull(0.6), rng=4)
    wrong = st.acd("duration ~ 1", sim)  # exponential law for Weibull(0.6) errors
    r = wrong.pit_test(method="ks")
    ks = stats.kstest(wrong.pit().to_numpy(), "uniform")
    assert math.isclose(r.statistic, ks.statistic) and math.isclose(r.pvalue, ks.pvalue)
    assert r.pvalue < 1e-6
    right = st.acd("duration ~ 1", sim, dist="weibull")
    assert right.pit_test(method="ks").pvalue > 0.01


def test_pit_test_bootstrap_seed_on_the_record(weib):
    r = weib.pit_test(n_resamples=19, rng=3)
    assert r.n_resamples == 19 and 0 < r.pvalue <= 1
    assert r.null_distribution.shape == (19,)
    again = weib.pit_test(n_resamples=19, rng=r.extra["seed"])
    np.testing.assert_array_equal(r.null_distribution, again.null_distribution)
    assert "Seed" in str(r.summary())
    free = weib.pit_test(n_resamples=19)
    assert free.extra["seed"] is not None


def test_forecast_bad_input(weib):
    with pytest.raises(NotSupportedError, match="one-step"):
        weib.predict(2, kind="density")
    with pytest.raises(DataError, match="kind"):
        weib.predict(1, kind="median")
    with pytest.raises(DataError, match="probs"):
        weib.predict(1, kind="quantile", probs=[0.5, 1.0])
    with pytest.raises(DataError, match="x must be finite"):
        weib.predict(1, kind="density", x=[-1.0])
    with pytest.raises(DataError, match="n_resamples"):
        weib.pit_test(n_resamples=5)
    with pytest.raises(DataError, match="method"):
        weib.pit_test(method="ad")
    with pytest.raises(DataError, match="bins"):
        weib.plot("pit", bins=1)


def test_forecast_plots(weib):
    for kind in ("pit", "cox-snell"):
        fig = weib.plot(kind)
        assert isinstance(fig, matplotlib.figure.Figure)
        matplotlib.pyplot.close(fig)
