"""Price and volume durations and the per-weekday diurnal factor (issue 12, "What to add").

References: R ACDm 1.1.0 ``computeDurations`` on the IBM trades
(``tests/reference/duration/acdm_durations.{R,json}``), and a brute-force re-implementation
of the spell rule checked by hypothesis.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from scipy.interpolate import make_lsq_spline

import stattools as st
from stattools.core.exceptions import ColumnError, DataError
from stattools.duration.events import thin_day

REF = Path(__file__).parents[1] / "reference" / "duration" / "acdm_durations.json"
OPEN, CLOSE = 9.5 * 3600, 16 * 3600


def _acdm_input() -> pd.DataFrame:
    """The IBM trades exactly as the R script prepares them (see its header)."""
    d = st.datasets.load_dataset("ibm_trades")
    d = d[(d["seconds_of_day"] >= OPEN) & (d["seconds_of_day"] <= CLOSE)]
    first = d.groupby("date")["seconds_of_day"].transform("min")
    dup = (d["seconds_of_day"] == first) & (first > OPEN) & d.duplicated(["date", "seconds_of_day"])
    return d[~dup].reset_index(drop=True)


@pytest.mark.needs_data
@pytest.mark.parametrize("run", range(3))
def test_price_and_volume_durations_equal_acdm(run):
    ref = json.loads(REF.read_text())
    r = ref["runs"][run]
    thr = r["priceDiff"] if r["type"] == "price" else r["cumVol"]
    out = st.durations(
        _acdm_input(), time="seconds_of_day", by="date", kind=r["type"], threshold=thr
    )
    assert len(out) == len(r["duration"])
    np.testing.assert_array_equal(out["duration"], r["duration"])
    np.testing.assert_array_equal(out["n_merged"], r["n_trans"])
    np.testing.assert_array_equal(out["volume"], r["volume"])
    np.testing.assert_array_equal(out["price"], r["price"])
    np.testing.assert_array_equal(out["time"], r["end_seconds"])
    np.testing.assert_array_equal(out["date"].astype(str), r["date"])
    assert out.attrs["kind"] == r["type"] and out.attrs["threshold"] == thr


def _brute(t, p, v, kind, thr, allow_zero):
    """The spell rule written out directly (no shared code with thin_day)."""
    first = 0
    while first + 1 < len(t) and t[first + 1] == t[0]:
        first += 1
    ends, ref, start_t, acc = [], p[first] if p is not None else 0.0, t[0], 0.0
    for i in range(first + 1, len(t)):
        acc += v[i] if v is not None else 0.0
        if t[i] == start_t and not allow_zero:
            continue
        moved = abs(p[i] - ref) >= thr - 1e-9 * max(abs(ref), 1) if kind == "price" else acc >= thr
        if moved:
            ends.append(i)
            start_t, acc = t[i], 0.0
            if kind == "price":
                ref = p[i]
    return ends


@settings(max_examples=60, deadline=None)
@given(
    steps=hs.lists(hs.integers(0, 3), min_size=2, max_size=40),
    moves=hs.lists(hs.integers(-3, 3), min_size=40, max_size=40),
    vols=hs.lists(hs.integers(1, 500), min_size=40, max_size=40),
    kind=hs.sampled_from(["price", "volume"]),
    thr=hs.sampled_from([1, 2, 3, 700]),
    allow_zero=hs.booleans(),
)
def test_thin_day_equals_brute_force(steps, moves, vols, kind, thr, allow_zero):
    n = len(steps)
    t = np.cumsum(steps).astype(float)
    p = 100 + 0.125 * np.cumsum(moves[:n])
    v = np.asarray(vols[:n], dtype=float)
    threshold = 0.125 * thr if kind == "price" else 100.0 * thr
    s, e, vol = thin_day(t, p, v, kind=kind, threshold=threshold, allow_zero=allow_zero)
    assert e.tolist() == _brute(t, p, v, kind, threshold, allow_zero)
    if e.size:
        assert np.all(np.diff(np.r_[s[0], e]) > 0) and np.array_equal(s[1:], e[:-1])
        assert np.allclose(vol, [v[a + 1 : b + 1].sum() for a, b in zip(s, e)])
        if not allow_zero:
            assert np.all(t[e] > t[s])


def test_decimal_prices_move_by_the_threshold():
    ticks = pd.DataFrame({"t": [1.0, 2.0, 3.0], "price": [10.0, 10.1, 10.2]})
    out = st.durations(ticks, time="t", session=None, kind="price", threshold=0.1)
    assert out["time"].tolist() == [2.0, 3.0]  # 10.1 - 10.0 < 0.1 in binary floats


def test_zero_length_spells_only_with_keep():
    ticks = pd.DataFrame({"t": [1.0, 2.0, 2.0, 3.0], "price": [10.0, 10.5, 11.0, 11.0]})
    agg = st.durations(ticks, time="t", session=None, kind="price", threshold=0.5)
    # aggregated: 11.0 at t=2 cannot end a spell started at t=2; the move is seen at t=3
    assert agg["duration"].tolist() == [1.0, 1.0]
    keep = st.durations(ticks, time="t", session=None, kind="price", threshold=0.5, zeros="keep")
    assert keep["duration"].tolist() == [1.0, 0.0]


def test_event_duration_bad_input():
    ticks = pd.DataFrame({"t": [1.0, 2.0, 3.0], "price": [10.0, 10.5, 11.0], "s": ["a"] * 3})
    with pytest.raises(DataError, match="needs threshold="):
        st.durations(ticks, time="t", session=None, kind="price")
    with pytest.raises(DataError, match="threshold must be a positive number"):
        st.durations(ticks, time="t", session=None, kind="price", threshold=-1)
    with pytest.raises(ColumnError, match="volume"):
        st.durations(ticks, time="t", session=None, kind="volume", threshold=10)
    with pytest.raises(DataError, match="column 's' must be numeric"):
        st.durations(ticks, time="t", session=None, kind="price", threshold=1, price="s")
    with pytest.raises(DataError, match="kind"):
        st.durations(ticks, time="t", session=None, kind="quote", threshold=1)
    with pytest.raises(DataError, match="complete price spell"):
        st.durations(ticks, time="t", session=None, kind="price", threshold=5)


@pytest.mark.needs_data
def test_weekday_diurnal_factor_on_ibm():
    trades = st.datasets.load_dataset("ibm_trades")
    pooled = st.durations(trades, time="seconds_of_day", by="date", diurnal="spline")
    week = st.durations(
        trades, time="seconds_of_day", by="date", diurnal="spline", diurnal_by="weekday"
    )
    assert set(week["diurnal_group"]) == {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}
    # each weekday's factor is the least-squares cubic spline of that weekday alone, on
    # knots over the whole range (scipy's make_lsq_spline as the independent reference)
    t, x = week["start"].to_numpy(), week["duration"].to_numpy()
    lo, hi = t.min(), t.max()
    knots = np.r_[[0.0] * 3, np.linspace(0, 1, 8), [1.0] * 3]
    for day in ("Monday", "Friday"):
        m = (week["diurnal_group"] == day).to_numpy()
        u = np.clip((t[m] - lo) / (hi - lo), 0, 1 - 1e-12)
        order = np.argsort(u, kind="stable")
        spl = make_lsq_spline(u[order], x[m][order], knots, k=3)
        np.testing.assert_allclose(week["diurnal"].to_numpy()[m], spl(u), rtol=1e-8)
    assert not np.allclose(week["diurnal"], pooled["diurnal"])
    # per group means of the adjusted durations are ~1 for every weekday
    means = week.groupby("diurnal_group")["adj_duration"].mean()
    assert np.allclose(means, 1.0, atol=0.02)


def test_diurnal_by_errors():
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {"start": rng.uniform(34200, 57600, 300), "duration": rng.exponential(size=300)}
    )
    with pytest.raises(ColumnError, match="date"):
        st.diurnal_adjust(df, by="weekday")
    with pytest.raises(DataError, match="could not be read as dates"):
        st.diurnal_adjust(df.assign(date="x"), by="weekday")
    with pytest.raises(DataError, match="group 'b' has 3 durations"):
        st.diurnal_adjust(df.assign(g=["a"] * 297 + ["b"] * 3), by="g")
    trades = pd.DataFrame({"t": [34300.0, 34400, 34500], "d": [1, 1, 1]})
    with pytest.raises(DataError, match="diurnal_by= needs diurnal="):
        st.durations(trades, time="t", by="d", diurnal_by="weekday")
