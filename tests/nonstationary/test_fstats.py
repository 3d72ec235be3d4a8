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
            cov_type="neweywest" if c["hac"] else "ols",
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
    rh = st.f_test_breaks("volume ~ 1", data=data["nile"], time="year", cov_type="neweywest")
    assert "Newey-West" in rh.method and rh.lags == 4
    lm = st.f_test_breaks("volume ~ 1", data=data["nile"], time="year", cov_type="hac")
    assert "HAC LM" in lm.method and lm.break_time == 1898 and lm.pvalue < 0.01
    with pytest.raises(DataError, match="lags"):
        st.f_test_breaks("volume ~ 1", data=data["nile"], cov_type="hac", lags=3)


def test_hac_lm_equals_chow_scale_identity_and_brute_force():
    """LM_i from the closed form equals a direct computation at every break point, and
    with Omega = s^2 Q / n (iid) the Wald-scale map reproduces the Chow F exactly."""
    from stattools.nonstationary import fstats as fs

    rng = np.random.default_rng(3)
    n = 120
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    y = X @ [1.0, 0.5] + rng.normal(size=n)
    pts, f = fs.lm_hac_sequence(y, X, 20)
    e = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    om = fs.null_omega(X * e[:, None], weights=np.array([0.0, 1.0]))
    for j, tau in enumerate(pts[::17]):
        Z = np.hstack([X, X * (np.arange(n) >= tau)[:, None]])
        s = Z[:, 2:].T @ e
        a = (Z[:, 2:].T @ Z[:, 2:]) @ np.linalg.inv(X.T @ X)
        n2 = n - tau
        vv = n2 * om - n2 * (om @ a.T + a @ om) + n * a @ om @ a.T
        lm = float(s @ np.linalg.solve(vv, s))
        np.testing.assert_allclose(f[17 * j], (n - 4) * lm / (n - lm), rtol=1e-10)
    # iid identity: intercept only and Omega = e'e / n (the restricted variance), the
    # Wald-scale LM equals the Chow F exactly
    yi = rng.normal(size=n)
    ei = yi - yi.mean()
    orig = fs.null_omega
    try:
        fs.null_omega = lambda g, weights=None: np.array([[ei @ ei / n]])
        _, f_lm = fs.lm_hac_sequence(yi, np.ones((n, 1)), 20)
    finally:
        fs.null_omega = orig
    _, f_chow = fs.fstats_sequence(yi, np.ones((n, 1)), 20)
    np.testing.assert_allclose(f_lm, f_chow, rtol=1e-10)


@pytest.mark.parametrize("bad", [0.0, 0.5, 0.9, -0.2, "a"])
def test_bad_from(data, bad):
    with pytest.raises(DataError, match="from_"):
        st.f_test_breaks("volume ~ 1", data=data["nile"], from_=bad)


def test_bad_type_and_cov(data):
    with pytest.raises(DataError, match="type"):
        st.f_test_breaks("volume ~ 1", data=data["nile"], type="meanF")
    with pytest.raises(DataError, match="cov_type"):
        st.f_test_breaks("volume ~ 1", data=data["nile"], cov_type="hc3")


def test_null_omega_equals_sandwich_kernhac_prewhitened_qs():
    """null_omega is R sandwich kernHAC(prewhite = 1, "Quadratic Spectral", adjust = FALSE)
    with bwAndrews, for y ~ 1 and y ~ x (reference: sandwich_andrews.json)."""
    import json
    from pathlib import Path

    from stattools.nonstationary.lrv import null_omega

    ref = json.loads(
        (Path(__file__).parents[1] / "reference/nonstationary/sandwich_andrews.json").read_text()
    )
    d = ref["data"]
    pick = {c["model"]: c["se"] for c in ref["cases"] if c["kernel"] == "qs" and c["prewhite"] == 1}
    y = np.asarray(d["y"])
    n = y.size
    e = y - y.mean()
    np.testing.assert_allclose(np.sqrt(null_omega(e[:, None])[0, 0] / n), pick["mean"], rtol=1e-12)
    X = np.column_stack([np.ones(n), d["x"]])
    y2 = np.asarray(d["y2"])
    r = y2 - X @ np.linalg.lstsq(X, y2, rcond=None)[0]
    om = null_omega(X * r[:, None], weights=np.array([0.0, 1.0]))
    qi = np.linalg.inv(X.T @ X / n)
    np.testing.assert_allclose(np.sqrt(np.diag(qi @ om @ qi / n)), pick["regression"], rtol=1e-12)
