"""Minimum-volatility selection: mlrv reproduction and the bandwidth rule in trend,
mean_test and tv_regression."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import stattools as st
from stattools.core.exceptions import DataError
from stattools.nonstationary.bandwidth_mv import (
    min_volatility,
    mlrv_grids,
    mv_bandwidth,
    mv_lrv_parameters,
    plugin_local_lrv,
)
from stattools.nonstationary.smoothing import local_linear_fit

REF = json.loads((Path(__file__).parents[1] / "reference" / "nonstationary" / "mlrv_mv.json")
                 .read_text())  # fmt: skip
TOL = {
    "lrv": dict(rtol=1e-12, atol=0.0),  # mlrv MV_cov_heter(lrv_method = 0), same e and X
    "grid": dict(rtol=1e-14, atol=0.0),
    "volatility": dict(rtol=1e-10, atol=0.0),  # MV_ise_heter's min_ise
}
CASES = {c["name"]: c for c in REF["cases"]}


def _data(case):
    e = np.asarray(case["e"], dtype=float)
    return e, np.asarray(case["X"], dtype=float).reshape(e.size, -1)


@pytest.mark.parametrize("name", list(CASES))
def test_plugin_lrv_matches_mlrv(name):
    case = CASES[name]
    e, X = _data(case)
    gm, gt = mlrv_grids(e.size, case["neighbour"])
    np.testing.assert_array_equal(gm, case["gridm"])
    np.testing.assert_allclose(gt, case["gridtau"], **TOL["grid"])
    lrv = plugin_local_lrv(e, X, int(gm[0]), float(gt[0]))
    # mlrv stores the p x p matrix of each observation column-major
    np.testing.assert_allclose(
        lrv.transpose(0, 2, 1).reshape(-1), np.asarray(case["lrv_first_pair"]), **TOL["lrv"]
    )


@pytest.mark.parametrize("name", [n for n in CASES if n != "regression_p2"])
def test_mv_choice_matches_mlrv(name):
    case = CASES[name]
    e, X = _data(case)
    out = mv_lrv_parameters(e, X, neighbour=case["neighbour"])
    assert out["m"] == case["m"]
    assert out["tau"] == pytest.approx(case["tau"], rel=1e-14)
    np.testing.assert_allclose(np.min(out["volatility"]), case["min_ise"], **TOL["volatility"])


def test_mv_choice_p2_needs_mlrv_layout():
    """mlrv groups p > 1 neighbourhoods entry-major; ``mlrv_layout=True`` reproduces it."""
    case = CASES["regression_p2"]
    e, X = _data(case)
    out = mv_lrv_parameters(e, X, mlrv_layout=True)
    assert (out["m"], out["tau"]) == (case["m"], pytest.approx(case["tau"], rel=1e-14))
    np.testing.assert_allclose(np.min(out["volatility"]), case["min_ise"], **TOL["volatility"])
    ours = mv_lrv_parameters(e, X)
    assert np.min(ours["volatility"]) < case["min_ise"]  # matrices kept whole: other table


def test_min_volatility_brute_force_1d():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(9, 30, 2)).cumsum(axis=0)
    (p, q), vol = min_volatility(v[:, None], neighbour=2)
    assert q == 0 and np.isinf(vol[:2, 0]).all() and np.isinf(vol[-2:, 0]).all()
    want = [
        max(np.sqrt(np.sum(np.var(v[k - 2 : k + 3, t], axis=0, ddof=1))) for t in range(30))
        for k in range(2, 7)
    ]
    np.testing.assert_allclose(vol[2:7, 0], want, rtol=1e-12)
    assert p == 2 + int(np.argmin(want))


@settings(max_examples=20, deadline=None)
@given(shift=hst.floats(-1e3, 1e3), scale=hst.floats(1e-3, 1e3), seed=hst.integers(0, 99))
def test_min_volatility_invariances(shift, scale, seed):
    """The choice does not change when every estimate is shifted or rescaled."""
    v = np.random.default_rng(seed).normal(size=(7, 3, 20, 1))
    base = min_volatility(v)[0]
    assert min_volatility(v * scale + shift)[0] == base


def test_mv_bandwidth_interior_choice_and_errors():
    rng = np.random.default_rng(2)
    u = np.linspace(0, 1, 300)
    y = np.sin(2 * np.pi * u) + rng.normal(0, 0.3, 300)
    grid = np.geomspace(0.03, 0.4, 15)
    h, vol = mv_bandwidth(grid, np.stack([local_linear_fit(y, u, g) for g in grid]))
    assert grid[0] < h < grid[-1] and h == grid[int(np.nanargmin(vol))]
    with pytest.raises(DataError, match="curves"):
        mv_bandwidth(grid[:3], np.zeros((4, 10)))
    with pytest.raises(DataError, match="neighbour"):
        min_volatility(np.zeros((2, 1, 5)), neighbour=1)
    with pytest.raises(DataError, match="finite"):
        mv_bandwidth(grid[:3], np.full((3, 10), np.nan))


def _series(n=200, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    return pd.DataFrame({"t": t, "y": np.sin(t / 30) + rng.normal(0, 0.3, n)})


def test_trend_and_mean_test_accept_mv():
    df = _series()
    tr = st.trend("y ~ t", data=df, bandwidth="mv", n_resamples=99, rng=1)
    assert 0 < tr.bandwidth <= 0.35
    mt = st.mean_test("y ~ 1", data=df, center="smooth", bandwidth="mv")
    mt_cv = st.mean_test("y ~ 1", data=df, center="smooth", bandwidth="cv")
    mt_none = st.mean_test("y ~ 1", data=df, center="smooth")
    assert 0 < mt.extra["bandwidth"] <= 0.35
    assert mt_cv.statistic == mt_none.statistic
    with pytest.raises(DataError, match="bandwidth"):
        st.mean_test("y ~ 1", data=df, center="smooth", bandwidth="silverman")
    with pytest.raises(DataError, match="bandwidth"):
        st.trend("y ~ t", data=df, bandwidth="silverman")
