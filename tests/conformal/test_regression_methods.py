"""CQR, jackknife+, CV+ and J+aB intervals equal MAPIE 1.x on the same split/folds/resamples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stattools as st
from stattools.conformal.cross import cross_conformal, plus_interval

TOL = {"interval": dict(rtol=0, atol=1e-10)}


@pytest.fixture(scope="module")
def hetero():
    rng = np.random.default_rng(0)
    n = 900
    df = pd.DataFrame({"x": rng.uniform(0, 4, size=n)})
    df["y"] = np.sin(df["x"]) + (0.2 + 0.3 * df["x"]) * rng.normal(size=n)
    return df[:400], df[400:701], df[701:]


@pytest.fixture(scope="module")
def linear():
    rng = np.random.default_rng(1)
    n = 123
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    df["y"] = df["x1"] - 2 * df["x2"] + rng.standard_t(3, size=n)
    test = pd.DataFrame({"x1": rng.normal(size=50), "x2": rng.normal(size=50)})
    return df, test


def test_cqr_prefit_equals_mapie_symmetric(hetero):
    ens = pytest.importorskip("sklearn.ensemble")
    mr = pytest.importorskip("mapie.regression")
    tr, cal, te = hetero

    def gb(a):
        return ens.GradientBoostingRegressor(
            loss="quantile", alpha=a, n_estimators=50, random_state=0
        ).fit(tr[["x"]].to_numpy(), tr["y"].to_numpy())

    models = [gb(0.05), gb(0.95), gb(0.5)]
    m = mr.ConformalizedQuantileRegressor(models, confidence_level=0.9, prefit=True)
    m.conformalize(cal[["x"]].to_numpy(), cal["y"].to_numpy())
    yp, iv = m.predict_interval(te[["x"]].to_numpy(), symmetric_correction=True)
    ours = st.conformal_regression(
        "y ~ 0 + x",
        None,
        calibration=cal,
        method="cqr",
        model=tuple(models),
        prefit=True,
        level=0.9,
    ).predict(te)
    np.testing.assert_allclose(ours["lower"], iv[:, 0, 0], **TOL["interval"])
    np.testing.assert_allclose(ours["upper"], iv[:, 1, 0], **TOL["interval"])
    np.testing.assert_allclose(ours["fit"], yp, **TOL["interval"])


def test_cqr_unfitted_estimator_equals_mapie_fit(hetero):
    ens = pytest.importorskip("sklearn.ensemble")
    mr = pytest.importorskip("mapie.regression")
    tr, cal, te = hetero
    est = ens.GradientBoostingRegressor(loss="quantile", n_estimators=50, random_state=0)
    m = mr.ConformalizedQuantileRegressor(est, confidence_level=0.9)
    m.fit(tr[["x"]].to_numpy(), tr["y"].to_numpy())
    m.conformalize(cal[["x"]].to_numpy(), cal["y"].to_numpy())
    _, iv = m.predict_interval(te[["x"]].to_numpy(), symmetric_correction=True)
    ours = st.conformal_regression(
        "y ~ 0 + x", tr, calibration=cal, method="cqr", model=est, level=0.9
    ).predict(te)
    np.testing.assert_allclose(ours["lower"], iv[:, 0, 0], **TOL["interval"])
    np.testing.assert_allclose(ours["upper"], iv[:, 1, 0], **TOL["interval"])


def test_cqr_quantreg_default_is_brute_force(hetero):
    from statsmodels.regression.quantile_regression import QuantReg

    tr, cal, te = hetero
    fit = st.conformal_regression("y ~ x", tr, calibration=cal, method="cqr", level=0.9)
    X = np.c_[np.ones(len(tr)), tr["x"]]
    b_lo = QuantReg(tr["y"].to_numpy(), X).fit(q=0.05).params
    b_hi = QuantReg(tr["y"].to_numpy(), X).fit(q=0.95).params
    Xc = np.c_[np.ones(len(cal)), cal["x"]]
    s = np.maximum(Xc @ b_lo - cal["y"], cal["y"] - Xc @ b_hi).to_numpy()
    q = np.sort(s)[int(np.ceil(0.9 * (len(s) + 1))) - 1]
    assert fit.lambda_hat == pytest.approx(q, abs=1e-12)
    Xt = np.c_[np.ones(len(te)), te["x"]]
    np.testing.assert_allclose(fit.predict(te)["upper"], Xt @ b_hi + q, atol=1e-10)
    assert "CQR" in fit.summary().as_text()


@pytest.mark.parametrize("method", ["cv+", "jackknife+"])
def test_cv_plus_and_jackknife_plus_equal_mapie(linear, method):
    lm = pytest.importorskip("sklearn.linear_model")
    ms = pytest.importorskip("sklearn.model_selection")
    mr = pytest.importorskip("mapie.regression")
    df, test = linear
    cv = ms.KFold(5) if method == "cv+" else ms.LeaveOneOut()
    m = mr.CrossConformalRegressor(
        lm.LinearRegression(), confidence_level=0.9, method="plus", cv=cv
    ).fit_conformalize(df[["x1", "x2"]].to_numpy(), df["y"].to_numpy())
    _, iv = m.predict_interval(test.to_numpy())
    ours = st.conformal_regression(
        "y ~ x1 + x2", df, method=method, level=0.9, model=lm.LinearRegression()
    ).predict(test)
    np.testing.assert_allclose(ours["lower"], iv[:, 0, 0], **TOL["interval"])
    np.testing.assert_allclose(ours["upper"], iv[:, 1, 0], **TOL["interval"])


def test_jackknife_plus_after_bootstrap_equals_mapie_on_its_resamples(linear):
    lm = pytest.importorskip("sklearn.linear_model")
    mr = pytest.importorskip("mapie.regression")
    sub = pytest.importorskip("mapie.subsample")
    df, test = linear
    X, y = df[["x1", "x2"]].to_numpy(), df["y"].to_numpy()
    res = [tr for tr, _ in sub.Subsample(n_resamplings=20, random_state=0).split(X)]
    m = mr.JackknifeAfterBootstrapRegressor(
        lm.LinearRegression(),
        confidence_level=0.9,
        resampling=sub.Subsample(n_resamplings=20, random_state=0),
    ).fit_conformalize(X, y)
    _, iv = m.predict_interval(test.to_numpy())
    ours = cross_conformal(
        "y ~ x1 + x2", df, method="jab+", level=0.9, model=lm.LinearRegression(), resamples=res
    ).predict(test)
    np.testing.assert_allclose(ours["lower"], iv[:, 0, 0], **TOL["interval"])
    np.testing.assert_allclose(ours["upper"], iv[:, 1, 0], **TOL["interval"])


def test_jab_seed_on_the_record_and_ols_default(linear):
    df, test = linear
    # rng=None draws a fresh seed; 60 resamples make "a row in every resample" (an error)
    # negligible (below 1e-8 for these data), so the test cannot flake
    a = st.conformal_regression("y ~ x1 + x2", df, method="jab+", level=0.9, n_resamples=60)
    b = st.conformal_regression(
        "y ~ x1 + x2", df, method="jab+", level=0.9, n_resamples=60, rng=a.seed
    )
    pd.testing.assert_frame_equal(a.predict(test), b.predict(test))
    assert "Seed" in a.summary().as_text()
    aug = st.augment(a)
    assert list(aug.columns) == [".fitted", ".resid", ".lower", ".upper"]


def test_plus_interval_brute_force():
    rng = np.random.default_rng(9)
    mu = rng.normal(size=(4, 30))
    r = rng.exponential(size=30)
    lo, hi = plus_interval(mu, r, 0.8)
    for j in range(4):
        assert hi[j] == np.sort(mu[j] + r)[int(np.ceil(0.8 * 31)) - 1]
        assert lo[j] == np.sort(mu[j] - r)[int(np.floor(0.2 * 31)) - 1]


def test_cross_methods_bad_input(linear):
    df, _ = linear
    with pytest.raises(st.DataError, match="cv must be"):
        st.conformal_regression("y ~ x1 + x2", df, method="cv+", level=0.9, cv=1)
    with pytest.raises(st.DataError, match="miscoverage"):
        st.conformal_regression(
            "y ~ x1 + x2", df, method="cv+", loss="hinge", target_risk=0.1, bound=1.0
        )
    with pytest.raises(st.DataError, match="weights must have one entry per training row"):
        st.conformal_regression(
            "y ~ x1 + x2", df, method="cv+", level=0.9, weights=np.ones(len(df) - 1)
        )


@pytest.mark.numerics
@pytest.mark.parametrize("method", ["cv+", "jab+"])
def test_cross_methods_identical_for_any_n_jobs(linear, method, n_jobs):
    df, test = linear
    kw = dict(method=method, level=0.9, n_resamples=12, rng=3, progress=False)
    a = st.conformal_regression("y ~ x1 + x2", df, **kw)
    b = st.conformal_regression("y ~ x1 + x2", df, n_jobs=n_jobs, **kw)
    pd.testing.assert_frame_equal(a.predict(test), b.predict(test))
    with pytest.raises(st.DataError, match="n_jobs"):
        st.conformal_regression("y ~ x1 + x2", df, n_jobs=0, **kw)
