"""Regression tests for the defects of issue 15 (items 7-11) and issue 10/17 items."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import stattools as st


def _frame(n=400, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.uniform(0, 1, size=n)})
    df["y"] = np.clip(df["x"] + 0.1 * rng.normal(size=n), 0.0, 1.0)
    return df


# ------------------------------------------------------------------ item 7
def test_hinge_residual_above_bound_warns_with_count_and_is_recorded():
    r = np.r_[50.0, np.linspace(-0.5, 0.5, 99)]
    with pytest.warns(st.BoundViolationWarning, match=r"1 of 100 calibration residual"):
        res = st.crc(st.losses.interval_hinge(r, bound=1.0), 0.1)
    assert res.n_clipped == 1
    text = res.summary().as_text()
    assert "Clipped losses" in text and "exceeded the bound B = 1" in text


def test_sequential_hinge_residual_above_bound_warns_once():
    df = _frame(200)
    df.loc[150, "y"] = 50.0
    with pytest.warns(
        st.BoundViolationWarning, match=r"evaluated step\(s\) have a residual"
    ) as rec:
        st.conformal_sequential(
            "y ~ x", data=df, bound=1.0, target_risk=0.2, warmup=100, refit_every=50
        )
    assert sum(issubclass(w.category, st.BoundViolationWarning) for w in rec) == 1


# ------------------------------------------------------------------ item 8
def test_sequential_table_reports_size_over_feasible_and_all_steps():
    df = _frame(200)
    with pytest.warns(st.InfeasibleRiskWarning, match="infeasible at"):
        run = st.conformal_sequential(
            "y ~ x", data=df, bound=1.0, target_risk=0.02, warmup=100, refit_every=50
        )
    tab = run.table()
    assert {"mean size (feasible steps)", "mean size (all steps)", "mean risk (all steps)"} <= set(
        tab.columns
    )
    fr = run.frame[run.frame["method"] == "CRC"]
    feas = fr["size"][fr["feasible"]]
    expect = feas.mean() if len(feas) else np.nan
    np.testing.assert_allclose(tab.loc["CRC", "mean size (feasible steps)"], expect)
    np.testing.assert_allclose(tab.loc["CRC", "mean size (all steps)"], fr["size"].mean())


# ------------------------------------------------------------------ item 9
def test_per_test_summary_with_infinite_lambda_has_no_nan_and_no_runtime_warning():
    s = np.random.default_rng(1).exponential(size=30)
    w = np.ones((4, 30))
    w[:2] = 0.01  # N_w = 0.3: infeasible, lambda_hat = +inf for two test points
    with pytest.warns(st.InfeasibleRiskWarning):
        res = st.crc(scores=s, target_risk=0.1, weights=w)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        tab = res.summary().tables["Calibration over test points"]
    lam = tab["lambda_hat"]
    assert not lam.isna().any()
    assert np.isinf(lam["max"]) and np.isfinite(lam["min"])
    assert lam["median"] == np.inf  # two of four infinite: the midpoint of (finite, inf)


# ------------------------------------------------------------------ item 10
def test_level_and_target_risk_together_raise():
    df = _frame()
    with pytest.raises(st.DataError, match="not both"):
        st.conformal_regression(
            "y ~ x", data=df[:200], calibration=df[200:], level=0.9, target_risk=0.1
        )
    with pytest.raises(st.DataError, match="not both"):
        st.split_conformal(np.arange(20.0), level=0.9, target_risk=0.1)


def test_y_range_responses_outside_warn_and_infinite_intervals_are_intersected():
    df = _frame()
    cal = df[200:220].copy()
    cal.loc[cal.index[0], "y"] = 3.0
    # down-weighted calibration (N_w = 20 x 0.2 = 4 < 1/alpha - 1): infeasible, infinite
    with pytest.warns(st.BoundViolationWarning, match="1 of 20 calibration responses lie outside"):
        with pytest.warns(st.InfeasibleRiskWarning):
            fit = st.conformal_regression(
                "y ~ x",
                data=df[:200],
                calibration=cal,
                level=0.9,
                y_range=(0.0, 1.0),
                weights=np.full(20, 0.2),
            )
    assert np.isinf(fit.lambda_hat)
    pred = fit.predict(df[:5])
    assert (pred["lower"] == 0.0).all() and (pred["upper"] == 1.0).all()


def test_infeasibility_warns_once_not_again_in_evaluate():
    df = _frame()
    lr = st.weights.likelihood_ratio(ratio=lambda x: np.exp(8 * x[:, 0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", st.InfeasibleRiskWarning)
        warnings.simplefilter("ignore", st.SmallSampleWarning)
        fit = st.conformal_regression(
            "y ~ x", data=df[:200], calibration=df[200:230], level=0.9, weights=lr
        )
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ev = fit.evaluate(df[300:])
    assert not [w for w in rec if issubclass(w.category, st.InfeasibleRiskWarning)]
    assert ev["infinite share"].iloc[0] > 0
    with pytest.warns(st.InfeasibleRiskWarning) as rec:
        fit.predict(df[300:])
    assert sum(issubclass(w.category, st.InfeasibleRiskWarning) for w in rec) == 1


def test_non_monotone_error_points_to_ltt():
    t = np.array([[1.0, 0.0, 1.0]] * 5)
    with pytest.raises(st.DataError, match=r"st\.ltt"):
        st.crc(t, 0.2, lambdas=[0.0, 0.5, 1.0])


def test_split_cp_summary_speaks_of_coverage():
    res = st.split_conformal(np.arange(1.0, 100.0), level=0.9)
    text = res.summary().as_text()
    assert "Coverage level" in text and "coverage >= 0.9" in text
    assert "Target risk" not in text and "E[L" not in text


# ------------------------------------------------------------------ item 11
def test_likelihood_ratio_contract_is_checked_against_the_design():
    sk = pytest.importorskip("sklearn.linear_model")
    df = _frame()
    test = df[300:].copy()
    test["x"] = test["x"] ** 0.5
    formula = "y ~ x + I(x**2)"
    raw = st.weights.likelihood_ratio(
        sk.LogisticRegression(), source=df[200:300][["x"]], target=test[["x"]]
    )
    with pytest.raises(st.DataError, match=r"trained on columns \['x'\].*design columns"):
        st.conformal_regression(
            formula, data=df[:200], calibration=df[200:300], level=0.8, weights=raw
        )
    base = st.conformal_regression(formula, data=df[:200], calibration=df[200:300], level=0.8)
    good = st.weights.likelihood_ratio(
        sk.LogisticRegression(),
        source=base.design_features(df[200:300]),
        target=base.design_features(test),
    )
    fit = st.conformal_regression(
        formula, data=df[:200], calibration=df[200:300], level=0.8, weights=good
    )
    assert fit.feature_names == ["x", "I(x ** 2)"] or len(fit.feature_names) == 2
    assert np.isfinite(fit.predict(test)["upper"]).all()


# ------------------------------------------------------------------ issue 10 bad input
def test_bad_input_names_the_argument():
    df = _frame()
    with pytest.raises(st.DataError, match="data is empty"):
        st.conformal_regression("y ~ x", data=df.iloc[:0], calibration=df, level=0.9)
    with pytest.raises(st.DataError, match="calibration is empty"):
        st.conformal_regression("y ~ x", data=df, calibration=df.iloc[:0], level=0.9)
    with pytest.raises(st.DataError, match="level must be a number"):
        st.split_conformal(np.arange(20.0), level="0.9")
    with pytest.raises(st.DataError, match="level must be a number"):
        st.conformal_regression("y ~ x", data=df[:200], calibration=df[200:], level="0.9")
    with pytest.raises(st.DataError, match="na_action"):
        st.conformal_sequential("y ~ x", data=df, bound=1.0, na_action="omit")


def test_sequential_na_action_drop():
    df = _frame(220)
    df.loc[5, "x"] = np.nan
    with pytest.warns(st.MissingDataWarning):
        run = st.conformal_sequential(
            "y ~ x",
            data=df,
            bound=1.0,
            target_risk=0.1,
            warmup=100,
            refit_every=50,
            na_action="drop",
        )
    assert run.frame["step"].max() == 218


def test_sequential_calibration_rows_choice():
    df = _frame(200)
    kw = dict(data=df, bound=1.0, target_risk=0.1, warmup=100, refit_every=50, compare=False)
    odd = st.conformal_sequential("y ~ x", **kw)
    even = st.conformal_sequential("y ~ x", calibration_rows="paper", **kw)
    assert not np.array_equal(odd.frame["lambda_hat"], even.frame["lambda_hat"])
    mask = np.arange(200) % 2 == 0
    mask[0] = False
    same = st.conformal_sequential("y ~ x", calibration_rows=mask, **kw)
    np.testing.assert_array_equal(same.frame["lambda_hat"], even.frame["lambda_hat"])
    with pytest.raises(st.DataError, match="calibration_rows"):
        st.conformal_sequential("y ~ x", calibration_rows=[1, 0], **kw)


# ------------------------------------------------------------------ issue 17 item 6
def test_augment_and_predict_frame():
    df = _frame()
    fit = st.conformal_regression("y ~ x", data=df[:200], calibration=df[200:300], level=0.9)
    aug = st.augment(fit)
    assert list(aug.columns) == [".fitted", ".resid", ".lower", ".upper"]
    assert len(aug) == 200
    np.testing.assert_allclose(aug[".fitted"] + aug[".resid"], df["y"][:200].to_numpy())
    np.testing.assert_allclose(aug[".upper"] - aug[".fitted"], fit.lambda_hat)
    aug2 = st.augment(fit, df[300:310])
    assert list(aug2.columns) == ["x", "y", ".fitted", ".resid", ".lower", ".upper"]
    assert isinstance(fit.predict(df[300:310]), pd.DataFrame)


def test_prefit_and_wls_models():
    sm = pytest.importorskip("statsmodels.api")
    df = _frame()
    df["w"] = np.linspace(0.5, 2.0, len(df))
    ols = st.conformal_regression("y ~ x", data=df[:200], calibration=df[200:300], level=0.9)
    wls = st.conformal_regression(
        "y ~ x", data=df[:200], calibration=df[200:300], level=0.9, model="wls", fit_weights="w"
    )
    X = sm.add_constant(df["x"][:200].to_numpy())
    ref = sm.WLS(df["y"][:200].to_numpy(), X, weights=df["w"][:200].to_numpy()).fit().params
    np.testing.assert_allclose(wls.fitted.params, ref, rtol=1e-10)
    assert not np.allclose(wls.fitted.params, ols.fitted.params)
    with pytest.raises(st.DataError, match="fit_weights"):
        st.conformal_regression(
            "y ~ x", data=df[:200], calibration=df[200:], level=0.9, model="wls"
        )

    class Fixed:  # a fitted model that must never be refitted
        def fit(self, X, y):
            raise AssertionError("refitted")

        def predict(self, X):
            return X[:, 1] * 1.0

    pre = st.conformal_regression(
        "y ~ x", data=None, calibration=df[200:300], level=0.9, model=Fixed(), prefit=True
    )
    s = np.abs(df["y"][200:300] - df["x"][200:300]).to_numpy()
    assert pre.lambda_hat == np.sort(s)[int(np.ceil(101 * 0.9)) - 1]
    assert "prefit" in pre.summary().as_text()


# ------------------------------------------------------------------ online: ACI and RRC
def _drift(n=700, seed=3):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.normal(size=n)})
    scale = np.linspace(0.2, 1.5, n)  # the noise grows: a fixed quantile would undercover
    df["y"] = df["x"] + scale * rng.normal(size=n)
    return df


def test_aci_long_run_miscoverage_meets_the_deterministic_bound():
    df = _drift()
    gamma, alpha = 0.01, 0.1
    run = st.conformal_sequential(
        "y ~ x",
        data=df,
        method="aci",
        target_risk=alpha,
        gamma=gamma,
        warmup=100,
        refit_every=None,
        lambdas=np.linspace(0, 5, 51),
        compare=False,
    )
    fr = run.frame
    T = len(fr)
    # Gibbs & Candès (2021, Prop. 4.1): |mean err - alpha| <= (max(a1, 1 - a1) + gamma)/(gamma T)
    assert abs(fr["loss"].mean() - alpha) <= (0.9 + gamma) / (gamma * T)
    assert run.methods == ["ACI"]
    assert "ACI (Gibbs" in run.summary().as_text()


def test_aci_steps_equal_a_brute_force_loop():
    df = _drift(260)
    run = st.conformal_sequential(
        "y ~ x",
        data=df,
        method="aci",
        target_risk=0.2,
        gamma=0.05,
        warmup=100,
        refit_every=None,
        lambdas=np.linspace(0, 5, 51),
        compare=False,
    )
    import statsmodels.api as sm

    X = sm.add_constant(df["x"].to_numpy())
    y = df["y"].to_numpy()
    idx = np.arange(260)
    cal = idx % 2 == 1
    b = sm.OLS(y[:100][~cal[:100]], X[:100][~cal[:100]]).fit().params
    pred = X @ b
    a_t, lam_ref = 0.2, []
    for t in range(100, 260):
        r = np.sort(np.abs(y - pred)[:t][cal[:t]])
        k = int(np.ceil((r.size + 1) * (1 - a_t)))
        lam = np.inf if a_t <= 0 or k > r.size else (0.0 if a_t >= 1 else r[k - 1])
        lam_ref.append(lam)
        a_t += 0.05 * (0.2 - float(abs(y[t] - pred[t]) > lam))
    np.testing.assert_allclose(run.frame["lambda_hat"], lam_ref)


def test_rrc_long_run_risk_near_target_and_compare_with_crc():
    df = _drift()
    run = st.conformal_sequential(
        "y ~ x",
        data=df,
        method="rrc",
        loss="hinge",
        bound=3.0,
        target_risk=0.1,
        gamma=0.05,
        warmup=100,
        refit_every=None,
    )
    assert run.methods == ["CRC", "RRC"]
    rrc = run.frame[run.frame["method"] == "RRC"]
    lam = rrc["lambda_hat"].to_numpy()
    T = len(rrc)
    # telescoping: mean(L_t) - alpha = (lambda_{T+1} - lambda_1) / (gamma T), |.| bounded
    assert abs(rrc["loss"].mean() - 0.1) <= (lam.max() + 0.05 * 3.0) / (0.05 * T)
    assert abs(rrc["loss"].mean() - 0.1) < 0.05
    tab = run.table()
    assert list(tab.index) == ["CRC", "RRC"]
