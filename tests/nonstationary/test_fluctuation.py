"""st.fluctuation_test against R strucchange 1.5.3 efp + sctest + boundary."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stattools as st
from stattools.core.exceptions import DataError
from stattools.nonstationary.strucchange_pvalues import boundary_level, pvalue_efp

REF = Path(__file__).parents[1] / "reference" / "nonstationary"
TOL = {
    "process": dict(rtol=0, atol=1e-10),
    "statistic": dict(rel=1e-10),
    "pvalue": dict(rel=1e-8, abs=1e-12),
    # strucchange solves the boundary with uniroot's default tolerance (~1.2e-4); ours
    # is solved to 1e-12, so the R boundary is the less accurate of the two.
    "boundary": dict(rtol=0, atol=2e-5),
}


@pytest.fixture(scope="module")
def ref() -> dict:
    with open(REF / "strucchange_breaks.json") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def data() -> dict:
    nile = st.datasets.load_dataset("nile")
    return {
        "nile": (nile, "volume ~ 1"),
        "regression": (pd.read_csv(REF / "strucchange_regression.csv"), "y ~ x + z"),
        "nile_post": (nile[nile["year"] >= 1899].reset_index(drop=True), "volume ~ 1"),
    }


def _all(ref, data):
    for key in ("nile", "regression", "nile_post"):
        d, f = data[key]
        for e in ref[key]["efp"]:
            yield st.fluctuation_test(f, data=d, type=e["type"], h=e["h"]), e
    d, f = data["regression"]
    e = ref["regression"]["efp_h25"]
    yield st.fluctuation_test(f, data=d, type=e["type"], h=e["h"]), e


def test_process_equals_strucchange(ref, data):
    for r, e in _all(ref, data):
        np.testing.assert_allclose(r.process, e["process"], **TOL["process"])


def test_statistic_equals_strucchange(ref, data):
    for r, e in _all(ref, data):
        assert r.statistic == pytest.approx(e["statistic"], **TOL["statistic"])


def test_pvalue_equals_strucchange(ref, data):
    for r, e in _all(ref, data):
        assert r.pvalue == pytest.approx(e["pvalue"], **TOL["pvalue"]), e["type"]


def test_boundary_equals_strucchange(ref, data):
    for r, e in _all(ref, data):
        np.testing.assert_allclose(r.boundary, e["boundary"], **TOL["boundary"])


def test_boundary_level_solves_pvalue():
    for limit, h in [
        ("Brownian bridge", None),
        ("Brownian motion", None),
        ("Brownian bridge increments", 0.15),
    ]:
        b = boundary_level(limit, 0.05, h=h)
        assert float(pvalue_efp(b, limit, h=h)) == pytest.approx(0.05, abs=1e-10)


def test_kolmogorov_limit_matches_scipy():
    from scipy import stats

    x = np.array([0.5, 1.0, 1.358, 2.0])
    np.testing.assert_allclose(pvalue_efp(x, "Brownian bridge"), stats.kstwobign.sf(x), rtol=1e-10)


def test_ols_cusum_equals_statsmodels(data):
    from statsmodels.stats.diagnostic import breaks_cusumolsresid

    d, f = data["regression"]
    r = st.fluctuation_test(f, data=d, type="OLS-CUSUM")
    X = np.column_stack([np.ones(len(d)), d["x"], d["z"]])
    e = d["y"] - X @ np.linalg.lstsq(X, d["y"], rcond=None)[0]
    stat, p, _ = breaks_cusumolsresid(e.to_numpy(), ddof=3)
    assert r.statistic == pytest.approx(stat, rel=1e-10)
    assert r.pvalue == pytest.approx(p, rel=1e-6)


def test_time_axis_and_plot(data):
    import matplotlib.pyplot as plt

    d, f = data["nile"]
    r = st.fluctuation_test(f, data=d, type="OLS-MOSUM", time="year")
    t = np.asarray(r.process_time)
    assert t.size == r.process.size and 1871 < t[0] < t[-1] < 1970
    plt.close(r.plot())
    assert "OLS-based MOSUM test" in str(r.summary())


def test_hac_studentised_is_labelled(data):
    d, f = data["nile"]
    r = st.fluctuation_test(f, data=d, lrv=True, lags=4)
    assert "HAC" in r.method and r.lrv and r.lags == 4
    r0 = st.fluctuation_test(f, data=d)
    assert r.statistic < r0.statistic  # positive dependence inflates the long-run sd


@pytest.mark.parametrize("h", [0.0, 0.5, -1, "x"])
def test_bad_h(data, h):
    d, f = data["nile"]
    with pytest.raises(DataError, match="h"):
        st.fluctuation_test(f, data=d, type="OLS-MOSUM", h=h)


def test_bad_type(data):
    d, f = data["nile"]
    with pytest.raises(DataError, match="type"):
        st.fluctuation_test(f, data=d, type="RE")


def test_case_insensitive_type(data):
    d, f = data["nile"]
    assert st.fluctuation_test(f, data=d, type="rec-cusum").type == "Rec-CUSUM"


def test_too_few_rows():
    d = pd.DataFrame({"y": [1.0, 2.0, 3.0], "x": [0.0, 1.0, 3.0]})
    with pytest.raises(DataError, match="too few"):
        st.fluctuation_test("y ~ x", data=d)
