"""Public functions: results, protocol, bands, shape tests, bad input and warnings."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import stattools as st
from stattools.core.exceptions import DataError, MissingDataWarning, TuningWarning
from stattools.core.results import TIDY_COLUMNS, InvalidTestResult
from stattools.nonstationary import CusumTestResult, TrendResult
from stattools.nonstationary.windows import ewma, mosum
from tests.nonstationary import examples


def _df(n=200, seed=0, shift=0.0):
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    y = rng.normal(size=n) + shift * (t >= n / 2)
    return pd.DataFrame({"t": t, "y": y})


@pytest.mark.parametrize("factory", [examples._cusum, examples._cusum_classical, examples._trend])
def test_protocol_of_family_results(factory, tmp_path):
    res = factory()
    assert isinstance(res, CusumTestResult | TrendResult)
    assert list(res.bse.index) == list(res.params.index)
    ci = res.conf_int(0.9)
    assert list(ci.columns) == ["lower", "upper"] and ci.attrs["level"] == 0.9
    s = res.summary()
    for text in (s.as_text(), s.as_html(), s.as_latex(), s.as_markdown(), s.as_csv()):
        assert len(text) > 20
    assert list(res.tidy().columns[: len(TIDY_COLUMNS)]) == TIDY_COLUMNS
    assert len(res.glance()) == 1
    assert res.plot() is not None
    back = pickle.loads(pickle.dumps(res))
    assert back.statistic == res.statistic if hasattr(res, "statistic") else back.crit == res.crit
    with pytest.raises(AttributeError):
        res.nobs = 3  # frozen


def test_cusum_detects_a_shift_and_locates_it():
    res = st.cusum_test("y ~ 1", data=_df(400, shift=1.0), time="t", n_resamples=199, rng=1)
    assert res.pvalue < 0.01 and abs(res.k_hat - 200) < 20
    assert res.break_time == res.k_hat - 1
    assert res.null_distribution.shape == (199,)
    assert res.m == 1 and res.seed == 1
    assert res.plot_process() is not None


def test_cusum_cvm_and_weighted_variants_run():
    d = _df(300, shift=1.2)
    cvm = st.cusum_test("y ~ 1", data=d, statistic="cvm", n_resamples=99, rng=1)
    assert cvm.pvalue <= 0.05 and np.isnan(cvm.classical_pvalue)
    for w in (None, mosum(0.1), ewma(0.2), np.eye(300)[::10]):
        r = st.nonstationary.weighted_test("y ~ 1", data=d, weights=w, n_resamples=99, rng=2)
        assert isinstance(r, CusumTestResult) and 0 < r.pvalue <= 1


def test_mean_test_multiplier_pvalue_and_contrast():
    d = _df(300, seed=3)
    d["era"] = np.where(d["t"] < 150, "a", "b")
    r = st.mean_test("y ~ 1", data=d, n_resamples=199, rng=1)
    assert r.n_resamples == 199 and r.null_distribution.size == 199 and 0 < r.pvalue <= 1
    c = st.mean_test("y ~ C(era)", data=d, lags=3)
    assert c.null_hypothesis == "C(era)[T.b] = 0" and np.isfinite(c.std_error)
    sm = st.mean_test("y ~ 1", data=d, center="smooth", bandwidth=0.2, lags=3)
    assert sm.extra["bandwidth"] == 0.2 and sm.std_error > 0


def test_trend_band_and_shape():
    rng = np.random.default_rng(5)
    t = np.arange(400.0)
    d = pd.DataFrame({"t": t, "y": 0.01 * t + rng.normal(0, 0.5, 400)})
    fit = st.trend("y ~ t", data=d, n_resamples=300, rng=1)
    sim, pw = fit.band("simultaneous"), fit.band("pointwise")
    assert list(sim.columns) == ["time", "estimate", "lower", "upper"]
    assert (sim["upper"] - sim["lower"] > pw["upper"] - pw["lower"]).all()
    assert fit.test_shape("linear").pvalue > 0.05
    assert fit.test_shape("constant").pvalue < 0.01
    assert fit.plot("lrv") is not None and fit.plot("residuals") is not None
    g = st.trend("y ~ t", data=d, bandwidth=0.2, grid=25, n_resamples=99, rng=1)
    assert len(g.band()) == 25


# ----------------------------------------------------------------------------- bad input
def test_nan_raises_naming_the_column_or_drops_with_warning():
    d = _df(100)
    d.loc[5, "y"] = np.nan
    with pytest.raises(DataError, match="'y'"):
        st.cusum_test("y ~ 1", data=d)
    with pytest.warns(MissingDataWarning):
        r = st.cusum_test("y ~ 1", data=d, na_action="drop", n_resamples=49, rng=1)
    assert r.nobs == 99


def test_non_increasing_time_raises():
    d = _df(100)
    d.loc[10, "t"] = 3.0
    for call in (
        lambda: st.cusum_test("y ~ 1", data=d, time="t"),
        lambda: st.mean_test("y ~ 1", data=d, time="t"),
        lambda: st.trend("y ~ t", data=d),
    ):
        with pytest.raises(DataError, match="strictly increasing"):
            call()


def test_constant_and_short_series():
    const = pd.DataFrame({"y": np.ones(50), "t": np.arange(50.0)})
    for res in (st.cusum_test("y ~ 1", data=const), st.mean_test("y ~ 1", data=const)):
        assert isinstance(res, InvalidTestResult) and "zero variance" in res.reason
    short = _df(12)
    assert "at least 20" in st.cusum_test("y ~ 1", data=short).reason
    assert not st.mean_test("y ~ 1", data=short).is_valid
    with pytest.raises(DataError, match="at least 50"):
        st.trend("y ~ t", data=_df(40))
    with pytest.raises(DataError, match="constant"):
        st.trend("y ~ t", data=pd.DataFrame({"y": np.ones(80), "t": np.arange(80.0)}))


def test_block_and_window_longer_than_the_data():
    d = _df(60)
    with pytest.raises(DataError, match="exceeds the number of observations"):
        st.cusum_test("y ~ 1", data=d, block=100, method="multiplier")
    with pytest.warns(TuningWarning, match="n/4"):
        r = st.cusum_test("y ~ 1", data=d, block=30, n_resamples=49, rng=1, method="multiplier")
    assert r.block == 15 and r.warnings
    with pytest.raises(DataError, match="n/2"):
        st.mean_test("y ~ 1", data=d, lags=40)
    with pytest.raises(DataError, match="m must be below n/3"):
        st.trend("y ~ t", data=d, m=40)
    with pytest.raises(DataError, match="local window|tau"):
        st.trend("y ~ t", data=_df(60), m=16)
    with pytest.warns(TuningWarning, match="clamped"):
        fit = st.trend("y ~ t", data=_df(200), bandwidth=0.01, n_resamples=49, rng=1)
    assert fit.bandwidth > 0.01 and fit.warnings
    with pytest.raises(DataError, match="window"):
        st.nonstationary.weighted_test("y ~ 1", data=_df(30), weights=mosum(0.1))


def test_bad_options_are_named():
    d = _df(100)
    with pytest.raises(DataError, match="center"):
        st.cusum_test("y ~ 1", data=d, center="median")
    with pytest.raises(DataError, match="multiplier"):
        st.cusum_test("y ~ 1", data=d, multiplier="wild", method="multiplier")
    with pytest.raises(DataError, match="block applies to method='multiplier'"):
        st.cusum_test("y ~ 1", data=d, block=5)
    with pytest.raises(DataError, match="cusum_test tests a constant mean"):
        st.cusum_test("y ~ t", data=d)
    with pytest.raises(DataError, match="hypothesis"):
        st.mean_test("y ~ t", data=d, hypothesis="z = 0")
    with pytest.raises(DataError, match="kernel"):
        st.mean_test("y ~ 1", data=d, kernel="cosine")
    with pytest.raises(KeyError, match="time column"):
        st.trend("y ~ year", data=d)
    with pytest.raises(DataError, match="n_resamples"):
        st.cusum_test("y ~ 1", data=d, n_resamples=0)


def test_trend_multiplier_bands_and_full_region():
    d = _df(300, seed=7)
    d["y"] += np.sin(d["t"] / 40)
    fit = st.trend("y ~ t", data=d, method="multiplier", bandwidth=0.15, n_resamples=199, rng=1)
    assert fit.band_method == "multiplier" and fit.block >= 1 and fit.crit > 1.96
    full = st.trend("y ~ t", data=d, bandwidth=0.15, n_resamples=49, rng=1)  # full by default
    assert full.band()["time"].iloc[0] == 0.0 and not full.warnings
    inner = st.trend("y ~ t", data=d, region="interior", bandwidth=0.15, n_resamples=49, rng=1)
    assert inner.band()["time"].iloc[0] >= 0.15 * 299 - 1e-9


def test_wald_multiplier_pvalue_agrees_with_chi2():
    rng = np.random.default_rng(8)
    n = 400
    d = pd.DataFrame({"y": rng.normal(size=n), "g": np.repeat(["a", "b", "c", "d"], n // 4)})
    r = st.mean_test("y ~ C(g)", data=d, lags=2, n_resamples=999, rng=3, block=1, multiplier="flat")
    assert r.df == 3 and abs(r.pvalue - r.pvalue_normal) < 0.08


def test_datetime_time_columns():
    rng = np.random.default_rng(0)
    d = pd.DataFrame(
        {"date": pd.date_range("2000-01-01", periods=120, freq="D"), "y": rng.normal(size=120)}
    )
    fit = st.trend("y ~ date", data=d, bandwidth=0.3, n_resamples=49, rng=1)
    band = fit.band()
    assert np.issubdtype(band["time"].dtype, np.datetime64)
    assert fit.bandwidth_time == pytest.approx(0.3 * 119)
    assert fit.params.index[0].startswith("mu(2000-")
    r = st.cusum_test("y ~ 1", data=d, time="date", n_resamples=49, rng=1)
    assert isinstance(r.break_time, np.datetime64 | pd.Timestamp)


def test_cusum_plot_kinds():
    import stattools as st

    nile = st.datasets.load_dataset("nile")
    res = st.cusum_test("volume ~ 1", nile, n_resamples=99, rng=3)
    assert len(res.plot().axes) == 2
    assert len(res.plot(kind="process").axes) == 1
    assert len(res.plot(kind="null").axes) == 1
    with pytest.raises(ValueError, match="kind"):
        res.plot(kind="bars")
