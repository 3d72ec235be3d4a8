"""st.breakpoints against R strucchange 1.5.3 (tests/reference/nonstationary/strucchange_*)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import stattools as st
from stattools.core.exceptions import DataError
from stattools.nonstationary.breakpoints import segment_rss_dp

REF = Path(__file__).parents[1] / "reference" / "nonstationary"
TOL = {
    "rss": dict(rtol=1e-10),
    "bic": dict(rtol=0, atol=1e-6),
    # continuous interval offsets: strucchange's formula solved to 1e-13 in R and here
    "ci_raw": dict(rtol=0, atol=1e-6),
}


@pytest.fixture(scope="module")
def ref() -> dict:
    with open(REF / "strucchange_breaks.json") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def nile() -> pd.DataFrame:
    return st.datasets.load_dataset("nile")


@pytest.fixture(scope="module")
def reg() -> pd.DataFrame:
    return pd.read_csv(REF / "strucchange_regression.csv")


def _cases(ref, nile, reg):
    return [
        (st.breakpoints("volume ~ 1", data=nile, h=0.15, time="year"), ref["nile"]["breakpoints"]),
        (st.breakpoints("y ~ x + z", data=reg, h=0.15, time="t"), ref["regression"]["breakpoints"]),
        (
            st.breakpoints("y ~ x", data=reg, h=0.2, max_breaks=2, time="t"),
            ref["regression"]["breakpoints_h20"],
        ),
    ]


@pytest.fixture(scope="module")
def cases(ref, nile, reg):
    return _cases(ref, nile, reg)


def test_partitions_equal_strucchange(cases):
    for bp, r in cases:
        assert bp.max_breaks == r["max_breaks"]
        assert bp.h_obs == r["h_obs"]
        assert [list(p) for p in bp.partitions] == r["partitions"]


def test_rss_equal_strucchange(cases):
    for bp, r in cases:
        np.testing.assert_allclose(bp.rss, r["RSS"], **TOL["rss"])
        np.testing.assert_allclose(bp.rss_table()["RSS"], r["summary_RSS"], **TOL["rss"])


def test_bic_equal_strucchange(cases):
    for bp, r in cases:
        np.testing.assert_allclose(bp.bic, r["BIC"], **TOL["bic"])
        np.testing.assert_allclose(bp.rss_table()["BIC"], r["summary_BIC"], **TOL["bic"])
        assert bp.n_breaks == r["n_bic"]
        assert bp.breakpoints().tolist() == r["bic_breakpoints"]


def test_lwz_closed_form(cases):
    for bp, r in cases:
        n, k = bp.X.shape
        m = np.arange(len(r["RSS"]))
        p = (m + 1) * k + m
        lwz = np.log(np.array(r["RSS"]) / (n - p)) + p * 0.299 * np.log(n) ** 2.1 / n
        np.testing.assert_allclose(bp.lwz, lwz, rtol=1e-10)
        assert bp.n_breaks_lwz == int(np.argmin(lwz))


def test_nile_break_is_1898(cases):
    bp = cases[0][0]
    assert bp.n_breaks == 1
    assert bp.break_dates().tolist() == [1898]
    ci = bp.break_conf_int()
    assert ci[["time_lower", "time", "time_upper"]].iloc[0].tolist() == [1895, 1898, 1902]


def test_confint_equal_strucchange(cases):
    for bp, r in cases:
        for c in r["confint"]:
            ci = bp.break_conf_int(
                c["breaks"],
                het_reg=c["het_reg"],
                het_err=c["het_err"],
                cov_type="hac" if c["hac"] else "ols",
                lags=3,
            )
            assert ci["lower"].tolist() == list(np.atleast_1d(c["lower"]))
            assert ci["breakpoint"].tolist() == list(np.atleast_1d(c["breakpoints"]))
            assert ci["upper"].tolist() == list(np.atleast_1d(c["upper"]))
            np.testing.assert_allclose(
                ci["lower_raw"], np.atleast_1d(c["lower_raw"]), **TOL["ci_raw"]
            )
            np.testing.assert_allclose(
                ci["upper_raw"], np.atleast_1d(c["upper_raw"]), **TOL["ci_raw"]
            )


def _brute(y, X, h, m):
    n = y.size
    best, arg = np.inf, None
    for bps in itertools.combinations(range(h, n - h + 1), m):
        edges = [0, *bps, n]
        if any(b - a < h for a, b in zip(edges[:-1], edges[1:], strict=True)):
            continue
        tot = 0.0
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            beta, *_ = np.linalg.lstsq(X[a:b], y[a:b], rcond=None)
            tot += float(np.sum((y[a:b] - X[a:b] @ beta) ** 2))
        if arg is None or tot < best - 1e-9 * max(1.0, best):
            best, arg = tot, bps
    return best, arg


@settings(max_examples=15, deadline=None)
@given(seed=hst.integers(0, 10_000), k=hst.sampled_from([1, 2]), m=hst.sampled_from([1, 2]))
def test_dp_equals_brute_force(seed, k, m):
    rng = np.random.default_rng(seed)
    n, h = 24, 5
    X = np.ones((n, 1)) if k == 1 else np.column_stack([np.ones(n), rng.normal(size=n)])
    y = rng.normal(size=n) + (np.arange(n) > rng.integers(6, 18)) * rng.normal(0, 2)
    rss, parts, _ = segment_rss_dp(y, X, h, m)
    best, arg = _brute(y, X, h, m)
    assert rss[m] == pytest.approx(best, rel=1e-9)
    assert parts[m] == tuple(arg)


def test_time_order_and_index_units(nile):
    shuffled = nile.sample(frac=1.0, random_state=1)
    bp = st.breakpoints("volume ~ 1", data=shuffled, time="year")
    assert bp.break_dates().tolist() == [1898]
    bp0 = st.breakpoints("volume ~ 1", data=nile)
    assert bp0.break_dates().tolist() == [28]
    assert bp0.time_name == "index"


def test_hac_interval_differs_and_is_labelled(cases):
    bp = cases[1][0]
    a = bp.break_conf_int(cov_type="ols")
    b = bp.break_conf_int(cov_type="hac", lags=3)
    assert b.attrs["cov_type"] == "hac" and a.attrs["cov_type"] == "ols"
    assert not np.allclose(a["lower_raw"], b["lower_raw"])


def test_sequential_test_nile(cases):
    bp = cases[0][0]
    tab = bp.sequential_test()
    assert tab["pvalue"].iloc[0] < 1e-6  # a break exists
    assert tab.attrs["n_breaks"] == 1  # and no second one
    assert tab["pvalue"].iloc[1] > 0.05
    hac = bp.sequential_test(cov_type="hac", lags=3)
    assert hac.attrs["cov_type"] == "hac"
    assert hac.attrs["n_breaks"] == 1


def test_sequential_test_first_step_is_sup_f(cases):
    # with l = 0 the segment is the sample: sup-F(1|0) equals the sup-F of Fstats
    bp = cases[0][0]
    tab = bp.sequential_test()
    f = st.f_test_breaks("volume ~ 1", data=pd.DataFrame({"volume": bp.y}), from_=0.15)
    assert tab["statistic"].iloc[0] == pytest.approx(f.statistic, rel=1e-10)
    assert tab["pvalue"].iloc[0] == pytest.approx(f.pvalue, rel=1e-8, abs=1e-300)


def test_summary_tidy_glance_plot(cases):
    bp = cases[0][0]
    txt = str(bp.summary())
    assert "Breaks (BIC)" in txt and "1898" in txt and "1898.0000" not in txt
    td = bp.tidy()
    assert td["term"].tolist() == ["Intercept [1871, 1898]", "Intercept [1899, 1970]"]
    np.testing.assert_allclose(td["estimate"], [1097.75, 849.9722222222222], rtol=1e-10)
    g = bp.glance()
    assert g["n_breaks"].iloc[0] == 1 and len(g) == 1
    import matplotlib.pyplot as plt

    for kind in (None, "fit", "criteria"):
        plt.close(bp.plot(kind=kind))
    with pytest.raises(DataError, match="kind"):
        bp.plot(kind="bogus")


@pytest.mark.parametrize("h", [0.0, 0.5, 0.7, -0.1, "a", True])
def test_bad_h(nile, h):
    with pytest.raises(DataError, match="h"):
        st.breakpoints("volume ~ 1", data=nile, h=h)


def test_max_breaks_too_large(nile):
    with pytest.raises(DataError, match="max_breaks = 9 is too large"):
        st.breakpoints("volume ~ 1", data=nile, h=0.15, max_breaks=9)
    with pytest.raises(DataError, match="max_breaks"):
        st.breakpoints("volume ~ 1", data=nile, max_breaks=0)


def test_too_few_per_segment(reg):
    with pytest.raises(DataError, match="too few for the 3 regression coefficients"):
        st.breakpoints("y ~ x + z", data=reg.iloc[:20], h=0.1)


def test_singular_segment(reg):
    d = reg.copy()
    d["d"] = (np.arange(len(d)) >= 100).astype(float)  # constant (0) in all early segments
    with pytest.raises(DataError, match="singular"):
        st.breakpoints("y ~ x + d", data=d, h=0.15)


def test_bad_breaks_argument(cases):
    bp = cases[0][0]
    with pytest.raises(DataError, match="breaks"):
        bp.breakpoints(99)
    with pytest.raises(DataError, match="breaks = 0"):
        bp.break_conf_int(0)
    with pytest.raises(DataError, match="cov_type"):
        bp.break_conf_int(cov_type="nw")
