"""st.durations and st.diurnal_adjust."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stattools as st
from stattools.core.exceptions import DataError


@pytest.fixture
def trades():
    return pd.DataFrame(
        {
            "day": [1, 1, 1, 1, 1, 2, 2, 2],
            "t": [34000, 34300, 34310, 34310, 34400, 34250, 34260, 58000],
            "volume": [5, 1, 2, 3, 4, 1, 1, 9],
        }
    )


def test_durations_aggregate_ties_and_drop_overnight(trades):
    d = st.durations(trades, time="t", by="day", sum_columns=["volume"])
    # 34000 and 58000 lie outside 09:30-16:00; ties at 34310 merged; no spell across days
    assert d["duration"].tolist() == [10, 90, 10]
    assert d["n_merged"].tolist() == [2, 1, 1]
    assert d["volume"].tolist() == [5, 4, 1]
    assert d["start"].tolist() == [34300, 34310, 34250]
    assert d.attrs["window"] == 110.0 and d.attrs["windows"] == {"1": 100.0, "2": 10.0}


def test_durations_zero_options(trades):
    keep = st.durations(trades, time="t", by="day", zeros="keep")
    assert keep["duration"].tolist() == [10, 0, 90, 10]
    drop = st.durations(trades, time="t", by="day", zeros="drop")
    assert drop["duration"].tolist() == [10, 90, 10]
    with pytest.raises(DataError, match="1 tied time stamps"):
        st.durations(trades, time="t", by="day", zeros="error")
    with pytest.raises(DataError, match="zeros"):
        st.durations(trades, time="t", by="day", zeros="raise!")
    none = st.durations(trades, time="t", by="day", session=None)
    assert none["duration"].tolist() == [300, 10, 90, 10, 23740]


def test_durations_unsorted_and_missing(trades):
    bad = trades.iloc[[0, 2, 1, 3, 4, 5, 6, 7]]
    with pytest.raises(DataError, match="not sorted in group 1.*sort=True"):
        st.durations(bad, time="t", by="day")
    ok = st.durations(bad, time="t", by="day", sort=True)
    assert ok["duration"].tolist() == [10, 90, 10]
    with pytest.raises(KeyError, match="clock"):
        st.durations(trades, time="clock")


def test_durations_from_datetimes():
    ts = pd.to_datetime(
        [
            "2024-01-02 09:31:00",
            "2024-01-02 09:31:05",
            "2024-01-02 09:32:00",
            "2024-01-03 10:00:00",
            "2024-01-03 10:00:30",
        ]
    )
    d = st.durations(pd.DataFrame({"ts": ts}), time="ts")
    assert d["duration"].tolist() == [5.0, 55.0, 30.0]
    assert d["date"].nunique() == 2


def test_diurnal_adjust_recovers_known_factor():
    g = np.random.default_rng(0)
    t = np.sort(g.uniform(34200, 57600, 20_000))
    phi = 1 + ((t - 45900) / 11700) ** 2
    x = g.exponential(size=t.size) * phi
    # noiseless: the cubic spline space contains the quadratic factor exactly
    exact = st.diurnal_adjust(pd.DataFrame({"start": t, "duration": phi}))
    np.testing.assert_allclose(exact["diurnal"], phi, rtol=1e-9)
    inner = (t > np.quantile(t, 0.05)) & (t < np.quantile(t, 0.95))
    for method, tol in (("spline", 0.06), ("fourier", 0.08)):
        adj = st.diurnal_adjust(pd.DataFrame({"start": t, "duration": x}), method=method)
        assert np.max(np.abs(adj["diurnal"] / phi - 1)[inner]) < tol
        assert adj["adj_duration"].mean() == pytest.approx(1.0, abs=0.03)
    # the spline is a least-squares fit: residuals orthogonal to the basis
    from stattools.duration.data import _basis

    B = _basis(t, "spline", t.min(), t.max(), 6, 2)
    adj = st.diurnal_adjust(pd.DataFrame({"start": t, "duration": x}))
    assert np.abs(B.T @ (x - adj["diurnal"].to_numpy())).max() < 1e-6 * np.abs(B.T @ x).max()


def test_diurnal_adjust_errors():
    with pytest.raises(DataError, match="constant"):
        st.diurnal_adjust(pd.DataFrame({"start": [1.0, 1.0, 1.0], "duration": [1.0, 2.0, 3.0]}))
    with pytest.raises(DataError, match="method"):
        st.diurnal_adjust(
            pd.DataFrame({"start": [1.0, 2.0], "duration": [1.0, 2.0]}), method="loess"
        )


@pytest.mark.needs_data
def test_ibm_trades_pipeline():
    tr = st.datasets.load_dataset("ibm_trades")
    d = st.durations(tr, time="seconds_of_day", by="date", diurnal="spline")
    assert (d["duration"] > 0).all() and d["date"].nunique() == 63
    assert d.attrs["window"] == pytest.approx(d.groupby("date")["duration"].sum().sum())
    res = st.acd("adj_duration ~ 1", data=d, groups="date")
    assert res.converged and 0.95 < res.persistence.value < 1.0
    # T of adjusted durations is in adjusted units; raw durations use the session time
    assert res.window == pytest.approx(d["adj_duration"].sum())
    raw = st.acd("duration ~ 1", data=d.assign(duration=d["duration"] + 0.0), groups="date")
    assert raw.window == pytest.approx(d.attrs["window"])


@pytest.mark.needs_data
def test_acdm_sample_weibull_fit():
    d = st.datasets.load_dataset("acdm_durations")
    res = st.acd("adjDur ~ 1", data=d.iloc[:5000], dist="weibull")
    assert res.converged and 0 < res.params["k"] < 2
