"""st.f_test_breaks against R strucchange 1.5.3 Fstats + sctest (incl. vcov. = NeweyWest)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stattools as st
from stattools.core.exceptions import ApproximationWarning, DataError
from stattools.nonstationary.strucchange_pvalues import pargmax_v, pvalue_fstats

REF = Path(__file__).parents[1] / "reference" / "nonstationary"
TOL = {
    "fstats": dict(rtol=1e-10, atol=1e-10),
    "statistic": dict(rel=1e-10),
    "pvalue": dict(rel=1e-8, abs=1e-12),
}


@pytest.fixture(scope="module")
def ref() -> dict:
    with open(REF / "strucchange_breaks.json") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def data() -> dict:
    nile = st.datasets.load_dataset("nile")
    reg = pd.read_csv(REF / "strucchange_regression.csv")
    return {"nile": nile, "regression": reg, "nile_post": nile[nile["year"] >= 1899]}


CASES = [
    ("nile", "volume ~ 1", "fstats"),
    ("nile", "volume ~ 1", "fstats_hac"),
    ("nile_post", "volume ~ 1", "fstats"),
    ("nile_post", "volume ~ 1", "fstats_hac"),
    ("regression", "y ~ x + z", "fstats"),
    ("regression", "y ~ x + z", "fstats_hac"),
    ("regression", "y ~ x", "fstats_10"),
]


def _run(ref, data, key, f, case, type):
    c = ref[key][case]
    with __import__("warnings").catch_warnings():
        # the response surface clips far in the tail (tested separately below)
        __import__("warnings").simplefilter("ignore", ApproximationWarning)
        r = st.f_test_breaks(
            f,
            data=data[key],
            from_=c["from"],
            type=type,
            cov_type="hac" if c["hac"] else "ols",
            lags=3,
        )
    return r, c


@pytest.mark.parametrize(("key", "f", "case"), CASES)
def test_sequence_equals_strucchange(ref, data, key, f, case):
    r, c = _run(ref, data, key, f, case, "supF")
    np.testing.assert_allclose(r.fstats, c["Fstats"], **TOL["fstats"])
    assert r.breakpoint == c["breakpoint"]
    assert r.extra["lambda"] == pytest.approx(c["lambda"], rel=1e-12)


@pytest.mark.parametrize(("key", "f", "case"), CASES)
@pytest.mark.parametrize("type", ["supF", "aveF", "expF"])
def test_statistic_and_pvalue_equal_strucchange(ref, data, key, f, case, type):
    r, c = _run(ref, data, key, f, case, type)
    assert r.statistic == pytest.approx(c[type]["statistic"], **TOL["statistic"])
    assert r.pvalue == pytest.approx(c[type]["pvalue"], **TOL["pvalue"])


def test_pvalue_function_grid(ref):
    for g in ref["pvalue_fstats"]:
        for t, x in (("supF", g["x"]), ("aveF", g["x"] / 3), ("expF", g["x"] / 2.5)):
            assert pvalue_fstats(x, t, g["k"], g["lambda"]) == pytest.approx(g[t], abs=1e-12)


def test_pargmax_v(ref):
    for g in ref["pargmaxV"]:
        assert pargmax_v(g["x"], g["xi"], g["phi1"], g["phi2"]) == pytest.approx(g["p"], abs=1e-12)


def test_response_surface_clipping_warns(data):
    with pytest.warns(ApproximationWarning, match="response surface"):
        r = st.f_test_breaks("y ~ x + z", data=data["regression"], type="expF")
    assert r.pvalue == 1.0 and r.warnings


def test_nile_break_time_and_plot(data):
    import matplotlib.pyplot as plt

    r = st.f_test_breaks("volume ~ 1", data=data["nile"], time="year")
    assert r.break_time == 1898
    assert "HAC" not in r.method and r.extra["cov_type"].startswith("ols")
    plt.close(r.plot())
    rh = st.f_test_breaks("volume ~ 1", data=data["nile"], time="year", cov_type="hac")
    assert "HAC" in rh.method and rh.lags == 4


@pytest.mark.parametrize("bad", [0.0, 0.5, 0.9, -0.2, "a"])
def test_bad_from(data, bad):
    with pytest.raises(DataError, match="from_"):
        st.f_test_breaks("volume ~ 1", data=data["nile"], from_=bad)


def test_bad_type_and_cov(data):
    with pytest.raises(DataError, match="type"):
        st.f_test_breaks("volume ~ 1", data=data["nile"], type="meanF")
    with pytest.raises(DataError, match="cov_type"):
        st.f_test_breaks("volume ~ 1", data=data["nile"], cov_type="hc3")
