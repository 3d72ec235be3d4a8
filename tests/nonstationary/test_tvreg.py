"""tv_regression: point estimates against R tvReg and brute-force WLS, covariance algebra,
the result protocol, seeds, bad input."""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import stattools as st
from stattools.core.exceptions import DataError, TuningWarning
from stattools.nonstationary.tvreg import (
    _apply,
    _covariance,
    _operator,
    kernel_values,
    local_linear_regression,
    local_lrv_matrix,
)

REF = Path(__file__).parents[1] / "reference" / "nonstationary"
TOL = {
    "tvreg": dict(rtol=1e-10, atol=1e-12),  # R tvReg tvLM(est="ll"), same kernel/bandwidth
    "wls": dict(rtol=1e-10, atol=1e-12),  # statsmodels WLS at each time point
    "cov": dict(rtol=1e-10, atol=1e-14),  # explicit sum_i G_i Lambda_i G_i'
}
KERNEL = {"Epa": "epanechnikov", "Triweight": "triweight"}


def _frame(n: int = 200, seed: int = 0, dates: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    u = np.linspace(0, 1, n)
    x = rng.normal(size=n)
    y = 1 + np.sin(2 * np.pi * u) + (1 + u) * x + rng.normal(0, 0.5, n)
    t = pd.date_range("2000-01-01", periods=n, freq="D") if dates else 1900.0 + np.arange(n)
    return pd.DataFrame({"t": t, "x": x, "y": y})


# ---------------------------------------------------------------- references
def _tvreg_cases():
    ref = json.loads((REF / "tvreg_tvlm.json").read_text())
    for case in ref["cases"]:
        for key in ("ll", "jackknife"):
            yield pytest.param(ref, case, key, id=f"{case['name']}-{key}")


@pytest.mark.parametrize(("ref", "case", "key"), list(_tvreg_cases()))
def test_matches_r_tvreg(ref, case, key):
    """tvLM(est = "ll") of R tvReg 0.5.9 on the same data, kernel and bandwidth."""
    sim = case["name"].startswith("sim")
    df = pd.DataFrame(ref["data"]["sim" if sim else "gistemp"])
    time = "t" if sim else "Year"
    fit = st.tv_regression(
        case["formula"], df, time=time, bandwidth=case["bandwidth"],
        kernel=KERNEL[case["kernel"]], bias_correction=key == "jackknife",
        grid=df[time].to_numpy(), n_resamples=19, rng=1,
    )  # fmt: skip
    assert list(fit.terms) == [t.strip("()") for t in case["terms"]]
    np.testing.assert_allclose(fit.estimate, np.array(case[key]), **TOL["tvreg"])


@pytest.mark.parametrize("kernel", ["epanechnikov", "biweight", "uniform"])
def test_brute_force_wls(kernel):
    """Weighted least squares of y on [x, x (u_i - u)] at each grid point (statsmodels)."""
    import statsmodels.api as sm

    df = _frame(150, seed=3)
    h = 0.25
    fit = st.tv_regression("y ~ x", df, time="t", bandwidth=h, kernel=kernel,
                           bias_correction=False, grid=12, n_resamples=19, rng=1)  # fmt: skip
    u = np.linspace(0, 1, 150)
    X = np.column_stack([np.ones(150), df["x"]])
    for g, est in zip(fit.grid_u, fit.estimate, strict=True):
        w = kernel_values((u - g) / h, kernel)
        keep = w > 0
        Z = np.column_stack([X, X * (u - g)[:, None]])[keep]
        res = sm.WLS(df["y"].to_numpy()[keep], Z, weights=w[keep]).fit()
        np.testing.assert_allclose(est, res.params[:2], **TOL["wls"])
    # all-observation fits (numba path) equal the grid operator at the observations
    b = local_linear_regression(df["y"].to_numpy(), X, u, h, kernel=kernel)
    fit2 = st.tv_regression("y ~ x", df, time="t", bandwidth=h, kernel=kernel,
                            bias_correction=False, grid=df["t"].to_numpy(), n_resamples=19,
                            rng=1)  # fmt: skip
    np.testing.assert_allclose(b, fit2.estimate, **TOL["wls"])


def test_covariance_equals_explicit_sum():
    """``_covariance`` = sum_i G_i Lambda_i G_i' with G_i from the WLS algebra."""
    rng = np.random.default_rng(4)
    n, h = 120, 0.3
    u = np.linspace(0, 1, n)
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    lam = np.einsum("ij,ik->ijk", rng.normal(size=(n, 2)), rng.normal(size=(n, 2)))
    lam = lam @ np.swapaxes(lam, 1, 2) + np.eye(2)
    gu = np.array([0.0, 0.37, 1.0])
    chunks = _operator(X, u, gu, (h,), (1.0,), "epanechnikov")
    got = _covariance(chunks, lam)
    for a, g in enumerate(gu):
        k = kernel_values((u - g) / h)
        Z = np.column_stack([X, X * (u - g)[:, None]])
        c = np.linalg.inv(Z.T @ (k[:, None] * Z))
        G = k[:, None, None] * (c[None, :2, :2] + (u - g)[:, None, None] * c[None, :2, 2:])
        want = np.einsum("ijk,ikl,iml->jm", G, lam, G)
        np.testing.assert_allclose(got[a], want, **TOL["cov"])
        # and beta_hat = sum_i G_i x_i y_i
        y = rng.normal(size=n)
        est = _apply(chunks, (X * y[:, None])[:, :, None])[a, :, 0]
        np.testing.assert_allclose(est, np.einsum("ijk,ik->j", G, X * y[:, None]), **TOL["cov"])


@settings(max_examples=15, deadline=None)
@given(
    a=hst.floats(-5, 5), b=hst.floats(-5, 5), c=hst.floats(-5, 5), d=hst.floats(-5, 5),
    h=hst.floats(0.1, 0.5),
)  # fmt: skip
def test_linear_coefficients_reproduced_exactly(a, b, c, d, h):
    """Local-linear fits (and the jackknife) reproduce linear coefficient paths exactly."""
    n = 80
    u = np.linspace(0, 1, n)
    x = np.cos(np.arange(n) * 1.7)
    X = np.column_stack([np.ones(n), x])
    y = (a + b * u) + (c + d * u) * x
    for hs, coef in (((h,), (1.0,)), ((h / math.sqrt(2), h), (2.0, -1.0))):
        ch = _operator(X, u, np.array([0.0, 0.5, 1.0]), hs, coef, "epanechnikov")
        est = _apply(ch, (X * y[:, None])[:, :, None])[:, :, 0]
        want = np.column_stack([a + b * np.array([0, 0.5, 1]), c + d * np.array([0, 0.5, 1])])
        np.testing.assert_allclose(est, want, atol=1e-9 * (1 + abs(a) + abs(b) + abs(c) + abs(d)))


def test_local_lrv_matrix_iid_and_ar1():
    rng = np.random.default_rng(0)
    n = 4000
    u = np.linspace(0, 1, n)
    s = rng.normal(size=(n, 2)) * np.array([1.0, 2.0])
    lam, _ = local_lrv_matrix(s, u, 8, 0.3, prewhiten=False)
    np.testing.assert_allclose(lam.mean(axis=0) / np.array([1.0, 2.0]) ** 2, np.ones((2, 2)) * np.eye(2),
                               atol=0.1)  # fmt: skip
    # AR(1) 0.5, unit innovations: long-run variance 1 / (1 - 0.5)^2 = 4
    from scipy import signal

    e = signal.lfilter([1.0], [1.0, -0.5], rng.normal(size=n))[:, None]
    lam1, a = local_lrv_matrix(e, u, 30, 0.3)
    assert abs(float(np.median(lam1)) - 4.0) < 0.8
    assert abs(float(a[0, 0]) - 0.5) < 0.06


# ---------------------------------------------------------------- behaviour
@pytest.fixture(scope="module")
def fit():
    return st.tv_regression("y ~ x", _frame(), time="t", bandwidth=0.2, n_resamples=199, rng=7)


def test_seed_reproduces(fit):
    again = st.tv_regression("y ~ x", _frame(), time="t", bandwidth=0.2, n_resamples=199,
                             rng=fit.seed)  # fmt: skip
    np.testing.assert_array_equal(again.band_draws, fit.band_draws)
    assert again.crit.tolist() == fit.crit.tolist()
    assert "Seed" in fit.summary().as_text()
    assert st.tv_regression("y ~ x", _frame(), time="t", bandwidth=0.2, n_resamples=199).seed


def test_constancy_detects_varying_slope_and_not_constant():
    rng = np.random.default_rng(11)
    df = _frame()
    u = np.linspace(0, 1, len(df))
    df["y"] = 1 + (1 + 2 * u) * df["x"] + rng.normal(0, 0.5, len(df))
    vary = st.tv_regression("y ~ x", df, time="t", bandwidth=0.2, n_resamples=199, rng=1)
    assert vary.test_constancy("x").pvalue <= 0.01
    assert vary.test_constancy().pvalue <= 0.01
    assert vary.test_constancy("Intercept").pvalue > 0.01
    df["y"] = 2 + 0.5 * df["x"] + rng.normal(0, 0.5, len(df))
    flat = st.tv_regression("y ~ x", df, time="t", bandwidth=0.2, n_resamples=199, rng=1)
    assert flat.test_constancy("x").pvalue > 0.05
    t = flat.test_constancy("x")
    assert isinstance(t, st.TestResult) and t.null_distribution.size == 199


def test_bands_and_tables(fit):
    sim = fit.band("x")
    pw = fit.band(1, "pointwise")
    joint = fit.band("x", "joint")
    assert (sim["upper"] - sim["lower"] > pw["upper"] - pw["lower"]).all()
    assert (joint["upper"] - joint["lower"] >= sim["upper"] - sim["lower"] - 1e-12).all()
    assert sim["time"].iloc[0] == 1900 and sim["time"].iloc[-1] == 1900 + 199  # whole span
    tidy = fit.tidy()
    assert {"term", "estimate", "std_error", "conf_low", "simult_low", "coefficient",
            "time"} <= set(tidy.columns)  # fmt: skip
    assert len(tidy) == 2 * len(fit.grid)
    g = fit.glance()
    assert len(g) == 1 and 0 <= float(g["constancy_pvalue"].iloc[0]) <= 1
    text = fit.summary().as_text()
    assert "1900" in text and "1900.0" not in text
    assert "\\begin{tabular}" in fit.summary().as_latex()
    assert fit.coefficients().shape == (len(fit.grid), 2)


def test_predict_augment(fit):
    df = _frame()
    np.testing.assert_allclose(fit.predict(df).to_numpy(), fit.fitted, rtol=1e-10)
    part = df.iloc[[0, 50, 199]]
    beta = fit.coef_at(part["t"].to_numpy()).to_numpy()
    np.testing.assert_allclose(fit.predict(part).to_numpy(),
                               beta[:, 0] + beta[:, 1] * part["x"].to_numpy())  # fmt: skip
    np.testing.assert_allclose(fit.coef_at(fit.grid).to_numpy(), fit.estimate, rtol=1e-10)
    aug = fit.augment(df)
    np.testing.assert_allclose(aug[".fitted"] + aug[".resid"], df["y"])
    with pytest.raises(DataError, match="time"):
        fit.predict(pd.DataFrame({"t": [2500.0], "x": [0.0]}))


def test_pickle_and_immutable(fit):
    back = pickle.loads(pickle.dumps(fit))
    np.testing.assert_array_equal(back.estimate, fit.estimate)
    with pytest.raises(ValueError):
        fit.estimate[0, 0] = 1.0


def test_datetime_time_prints_dates():
    r = st.tv_regression("y ~ x", _frame(dates=True), time="t", bandwidth=0.25,
                         n_resamples=99, rng=1)  # fmt: skip
    text = r.summary().as_text()
    assert "2000-01-01" in text and "[days]" in text
    assert r.bandwidth_time == pytest.approx(0.25 * 199)
    assert r.band("x")["time"].iloc[0] == pd.Timestamp("2000-01-01")


def test_row_order_and_plots(fit):
    import matplotlib.pyplot as plt

    r = st.tv_regression("y ~ x", _frame(), bandwidth=0.2, n_resamples=99, rng=1)
    assert r.time_name == "index"
    np.testing.assert_allclose(r.estimate, fit.estimate, rtol=1e-10)  # same u grid
    for kind in (None, "residuals"):
        plt.close(fit.plot(kind))


def test_bandwidth_rules():
    df = _frame(200, seed=5)
    cv = st.tv_regression("y ~ x", df, time="t", n_resamples=99, rng=1)
    mv = st.tv_regression("y ~ x", df, time="t", bandwidth="mv", n_resamples=99, rng=1)
    grid = cv.extra["bandwidth_grid"]
    assert cv.bandwidth in grid and mv.bandwidth in grid
    assert mv.extra["bandwidth_rule"] == "mv"
    assert np.isfinite(mv.extra["bandwidth_scores"]).sum() == grid.size - 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"bandwidth": -1}, "bandwidth"),
        ({"bandwidth": 0.9}, "bandwidth"),
        ({"bandwidth": "silverman"}, "bandwidth"),
        ({"bandwidth": True}, "bandwidth"),
        ({"n_resamples": 5}, "n_resamples"),
        ({"kernel": "gaussian"}, "kernel"),
        ({"level": 1.5}, "level"),
        ({"m": 100}, "m must"),
        ({"tau": 0.01}, "tau"),
    ],
)
def test_bad_arguments(kwargs, match):
    args = {"bandwidth": 0.2, "n_resamples": 99, "rng": 1} | kwargs
    with pytest.raises(DataError, match=match):
        st.tv_regression("y ~ x", _frame(), time="t", **args)


def test_bad_data():
    df = _frame()
    with pytest.raises(DataError, match="at least 50"):
        st.tv_regression("y ~ x", df.iloc[:30], time="t", bandwidth=0.3)
    with pytest.raises(DataError, match="constant"):
        st.tv_regression("y ~ x", df.assign(y=1.0), time="t", bandwidth=0.3)
    with pytest.raises(DataError, match="rank deficient"):
        st.tv_regression("y ~ x + z", df.assign(z=2 * df["x"]), time="t", bandwidth=0.3)
    with pytest.raises(DataError, match="singular"):
        step = df.assign(x=np.where(np.arange(200) < 100, 0.0, df["x"]))
        st.tv_regression("y ~ x", step, time="t", bandwidth=0.15, n_resamples=99)
    with pytest.warns(TuningWarning, match="clamped"):
        r = st.tv_regression("y ~ x", df, time="t", bandwidth=0.02, n_resamples=99, rng=1)
    assert r.warnings and r.bandwidth > 0.02
    with pytest.raises(DataError, match="not a coefficient"):
        r.band("z")
