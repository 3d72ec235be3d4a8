"""ACD fitting: bad input, warnings, unconstrained persistence, regressors, forecasts."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import stattools as st
from stattools.core.exceptions import (
    BoundaryWarning,
    ConvergenceWarning,
    DataError,
    HessianWarning,
    NonStationaryWarning,
    ZeroDurationWarning,
)
from stattools.duration import ACD, ACDResult
from stattools.duration.engine import fit_engine


@pytest.fixture(scope="module")
def sim():
    return st.simulate_acd(3000, omega=0.1, alpha=0.1, beta=0.8, rng=7)


@pytest.fixture(scope="module")
def fit(sim):
    return st.acd("duration ~ 1", data=sim)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "bad,pattern",
    [
        (np.nan, "NaN or infinite durations: 2 \\(first positions: 5, 17\\)"),
        (np.inf, "NaN or infinite"),
        (-1.0, "negative durations: 2 \\(first positions: 5, 17\\)"),
    ],
)
def test_invalid_durations_raise_with_count_and_positions(sim, bad, pattern):
    df = sim.copy()
    df.loc[[5, 17], "duration"] = bad
    with pytest.raises(ValueError, match=pattern):
        st.acd("duration ~ 1", data=df)


def test_zero_durations_warn_for_exponential_and_raise_for_weibull(sim):
    df = sim.copy()
    df.loc[[3, 9, 40], "duration"] = 0.0
    with pytest.warns(ZeroDurationWarning, match="3 zero duration.*zeros='aggregate'"):
        res = st.acd("duration ~ 1", data=df)
    assert any("3 zero duration" in w for w in res.warnings) and res.converged
    for dist in ("weibull", "burr", "generalized_gamma"):
        with pytest.raises(DataError, match="zero durations: 3 .*log"):
            st.acd("duration ~ 1", data=df, dist=dist)
    with pytest.raises(DataError, match="log-ACD"):
        st.acd("duration ~ 1", data=df, model="log")


def test_too_few_observations_and_constant_data():
    df = pd.DataFrame({"duration": np.random.default_rng(0).exponential(size=40)})
    with pytest.raises(DataError, match="40 observations.*at least 50"):
        st.acd("duration ~ 1", data=df)
    with pytest.raises(DataError, match="at least 70"):
        ACD(np.random.default_rng(0).exponential(size=60), order=(3, 3))
    with pytest.raises(DataError, match="constant"):
        st.acd("duration ~ 1", data=pd.DataFrame({"duration": np.ones(100)}))


def test_bad_options(sim):
    with pytest.raises(DataError, match="order"):
        st.acd("duration ~ 1", data=sim, order=(0, 1))
    with pytest.raises(DataError, match="dist"):
        st.acd("duration ~ 1", data=sim, dist="cauchy")
    with pytest.raises(DataError, match="cov_type"):
        st.acd("duration ~ 1", data=sim, cov_type="hac")
    with pytest.raises(DataError, match="expected"):
        st.acd("duration ~ 1", data=sim, dist="weibull", cov_type="expected")
    with pytest.raises(DataError, match="backcast"):
        st.acd("duration ~ 1", data=sim, backcast=-1.0)
    with pytest.raises(KeyError, match="volume"):
        st.acd("duration ~ volume", data=sim)


def test_optimiser_failure_is_flagged(monkeypatch, sim):
    import stattools.duration.engine as model_mod

    real = model_mod._polish
    monkeypatch.setattr(
        model_mod, "_polish", lambda prob, phi, max_iter=25: real(prob, phi, max_iter=0)
    )
    mod = ACD(sim["duration"].to_numpy())
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        # start far away, one L-BFGS-B iteration and no Newton polish
        res = mod.fit(start=[5.0, 0.9, 0.05], maxiter=1)
    assert ConvergenceWarning in {w.category for w in rec}
    assert res.converged is False
    assert any("did not converge" in w for w in res.warnings)
    assert "did not converge" in res.summary().as_text()


# ------------------------------------------------------------------ estimation
def test_result_members(fit, sim):
    assert isinstance(fit, ACDResult) and fit.converged
    assert list(fit.params.index) == ["omega", "alpha[1]", "beta[1]"]
    np.testing.assert_allclose(fit.resid * fit.fittedvalues, sim["duration"], rtol=1e-12)
    assert fit.aic == pytest.approx(-2 * fit.llf + 6)
    assert fit.bic == pytest.approx(-2 * fit.llf + 3 * math.log(3000))
    g = fit.glance()
    assert {"window", "llf", "persistence", "persistence_se", "converged"} <= set(g.columns)
    assert g["window"].iloc[0] == pytest.approx(sim.attrs["window"])
    text = fit.summary().as_text()
    for s in ("Recursion", "Persistence", "Strictly stationary: yes", "mean duration is finite"):
        assert s in text


def test_score_is_zero_at_the_optimum(fit):
    from stattools.duration.recursion import negloglik

    m = fit._model
    _, g = negloglik(fit.params.to_numpy(), (), m.x, m.spec, m.dist, m.b)
    assert np.max(np.abs(g * np.array([m.x.mean(), 1, 1]))) < 1e-6


def test_scale_equivariance(sim):
    a = st.acd("duration ~ 1", data=sim)
    b = st.acd("duration ~ 1", data=sim.assign(duration=sim["duration"] * 60.0))
    np.testing.assert_allclose(b.params.to_numpy() / [60, 1, 1], a.params.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(b.bse.to_numpy() / [60, 1, 1], a.bse.to_numpy(), rtol=1e-4)


def test_no_cap_on_persistence():
    # kappa = 0.737 < 1: alpha + beta = 1.01, stationary with infinite mean
    sim = st.simulate_acd(window=20_000.0, omega=0.05, alpha=0.3, beta=0.71, rng=3)
    res = st.acd("duration ~ 1", data=sim)
    assert res.converged and res.persistence.value > 1
    assert res.gamma < 0
    text = res.summary().as_text()
    assert "mean duration is infinite" in text and "Strictly stationary: yes" in text
    assert res.glance()["window"].iloc[0] == 20_000.0


def test_restricted_fit_has_unit_persistence(fit):
    m = fit._model
    out = fit_engine(m.x, None, m.spec, m.dist, m.b, restricted=True)
    assert out.theta[1] + out.theta[2] == pytest.approx(1.0, abs=1e-14)
    assert out.llf <= fit.llf + 1e-8


def test_simulate_and_refit_within_4_se():
    true = np.array([0.05, 0.1, 0.85])
    sim = st.simulate_acd(100_000, omega=0.05, alpha=0.1, beta=0.85, rng=12)
    res = st.acd("duration ~ 1", data=sim)
    z = (res.params.to_numpy() - true) / res.bse.to_numpy()
    assert np.all(np.abs(z) < 4), z


@pytest.mark.parametrize("dist", ["weibull", "burr", "generalized_gamma"])
def test_full_mle_recovers_shape(dist):
    law = {
        "weibull": st.duration.Weibull(0.7),
        "burr": st.duration.Burr(1.4, 0.3),
        "generalized_gamma": st.duration.GeneralizedGamma(0.8, 1.6),
    }[dist]
    sim = st.simulate_acd(8000, omega=0.1, alpha=0.1, beta=0.8, dist=law, rng=5)
    res = st.acd("duration ~ 1", data=sim, dist=dist)
    true = np.r_[0.1, 0.1, 0.8, law.params]
    z = (res.params.to_numpy() - true) / res.bse.to_numpy()
    assert res.converged and np.all(np.abs(z) < 4.5), z
    assert "Distribution" in res.summary().as_text()


def test_log_acd_and_regressors():
    g = np.random.default_rng(2)
    n = 4000
    z = g.normal(size=n)
    # log-ACD type I with a lagged regressor, simulated by a plain loop
    x = np.empty(n)
    s, le = 0.0, 0.0
    for i in range(n):
        s = 0.02 + 0.1 * le + 0.85 * s + 0.2 * (z[i - 1] if i else 0.0)
        e = g.exponential()
        x[i] = math.exp(s) * e
        le = math.log(e)
    df = pd.DataFrame({"duration": x, "z": z})
    res = st.acd("duration ~ z", data=df, model="log")
    assert list(res.params.index) == ["omega", "alpha[1]", "beta[1]", "z"]
    zt = (res.params.to_numpy() - [0.02, 0.1, 0.85, 0.2]) / res.bse.to_numpy()
    assert np.all(np.abs(zt) < 4), zt
    assert isinstance(res.test_infinite_mean(), st.InvalidTestResult)
    with pytest.raises(NotImplementedError):
        res.tail_index()
    f = res.forecast(3, n_paths=20_000, rng=1)
    assert f.iloc[0] == pytest.approx(math.exp(0.0) * 0 + res.forecast(1).iloc[0])


def test_linear_acd_regressor_names_and_positive_psi():
    g = np.random.default_rng(8)
    sim = st.simulate_acd(3000, omega=0.1, alpha=0.1, beta=0.8, rng=8)
    df = sim.assign(volume=g.exponential(size=3000))
    res = st.acd("duration ~ volume", data=df)
    assert list(res.params.index)[-1] == "volume"
    assert (res.fittedvalues > 0).all()


def test_forecast_closed_form(fit):
    w, a, b = fit.params
    f = fit.forecast(5)
    psi_next = w + a * fit.x[-1] + b * fit.psi[-1]
    ref = [psi_next]
    for _ in range(4):
        ref.append(w + (a + b) * ref[-1])
    np.testing.assert_allclose(f.to_numpy(), ref, rtol=1e-12)
    pd.testing.assert_series_equal(fit.predict(5), f)


def test_simulate_from_fit_uses_window(fit):
    s = fit.simulate(rng=1)
    assert s["time"].iloc[-1] <= fit.window
    s2 = fit.simulate(rng=1)
    pd.testing.assert_frame_equal(s, s2)
    assert len(fit.simulate(100, rng=2)) == 100


def test_simulate_acd_validation():
    with pytest.raises(DataError, match="exactly one"):
        st.simulate_acd(omega=0.1, alpha=0.1, beta=0.8)
    with pytest.raises(DataError, match="omega must be positive"):
        st.simulate_acd(10, omega=-0.1, alpha=0.1, beta=0.8)


def test_simulate_matches_recursion():
    from stattools.duration.recursion import Spec, filter_state

    sim = st.simulate_acd(
        500, omega=0.2, alpha=[0.1, 0.05], beta=[0.6, 0.1], burn=0, start=1.0, rng=0
    )
    psi = filter_state(
        np.array([0.2, 0.1, 0.05, 0.6, 0.1]), sim["duration"].to_numpy(), Spec(2, 2), 1.0
    )
    np.testing.assert_allclose(sim["psi"], psi, rtol=1e-12)


def test_plots(fit):
    fig = fit.plot()
    assert len(fig.axes) == 4
    for kind in ("qq", "acf", "hazard", "psi"):
        assert fit.plot(kind) is not None
    with pytest.raises(DataError):
        fit.plot("nope")


def test_boundary_and_hessian_warnings_when_alpha_is_zero():
    # negatively dependent durations: the best alpha is 0, where beta is unidentified
    e = np.random.default_rng(0).exponential(size=3001)
    x = e[1:] * np.exp(-0.6 * (e[:-1] - 1))
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = st.acd("duration ~ 1", data=pd.DataFrame({"duration": x}))
    assert {BoundaryWarning, HessianWarning} <= {w.category for w in rec}
    assert res.params["alpha[1]"] == 0.0
    assert np.isnan(res.bse).all()
    assert any("boundary" in w for w in res.warnings)
    assert "Warning: alpha[1] at the boundary" in res.summary().as_text()


def test_groups_restart_the_recursion():
    a = st.simulate_acd(800, omega=0.1, alpha=0.1, beta=0.8, rng=31)
    b = st.simulate_acd(700, omega=0.1, alpha=0.1, beta=0.8, rng=32)
    df = pd.concat([a.assign(day=1), b.assign(day=2)], ignore_index=True)
    res = st.acd("duration ~ 1", data=df, groups="day")
    # brute force: the likelihood is the sum of the two per-day likelihoods with the same
    # backcast (the overall mean), each recursion starting afresh
    from stattools.duration.recursion import Spec, negloglik

    th = res.params.to_numpy()
    bb = df["duration"].mean()
    llf = -sum(
        negloglik(
            th, (), d["duration"].to_numpy(), Spec(), st.duration.Exponential(), bb, grad=False
        )[0]
        * len(d)
        for d in (a, b)
    )
    assert res.llf == pytest.approx(llf, rel=1e-12)
    psi_b = st.duration.recursion.filter_state(th, b["duration"].to_numpy(), Spec(), bb)
    np.testing.assert_allclose(res.fittedvalues.to_numpy()[800:], psi_b, rtol=1e-12)
    assert "2 groups (day)" in res.summary().as_text()
    t = res.test_infinite_mean(method="qlr")
    assert np.isfinite(t.statistic)
    with pytest.raises(DataError, match="contiguous"):
        st.acd("duration ~ 1", data=df.assign(day=np.tile([1, 2], 750)), groups="day")


def test_nonstationary_estimate_warns(monkeypatch, sim):
    import stattools.duration.model as model_mod

    real = model_mod.fit_engine

    def fake(*args, **kwargs):  # an estimate in the explosive region E log A > 0
        out = real(*args, **kwargs)
        return dataclasses.replace(out, theta=np.array([1e-6, 5.0, 0.9]))

    monkeypatch.setattr(model_mod, "fit_engine", fake)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = ACD(sim["duration"].to_numpy()).fit()
    assert NonStationaryWarning in {w.category for w in rec}
    assert res.gamma > 0 and any("not strictly stationary" in w for w in res.warnings)


def test_arch_type_order_1_0():
    sim = st.simulate_acd(3000, omega=0.3, alpha=0.5, beta=(), rng=1)
    res = st.acd("duration ~ 1", data=sim, order=(1, 0))
    assert list(res.params.index) == ["omega", "alpha[1]"]
    assert np.all(np.abs((res.params.to_numpy() - [0.3, 0.5]) / res.bse.to_numpy()) < 4)
    out = fit_engine(res.x, None, res._model.spec, res.dist, res._model.b, restricted=True)
    assert out.theta[1] == pytest.approx(1.0, abs=1e-14)
    assert res.test_infinite_mean(method="qlr").statistic < -5
