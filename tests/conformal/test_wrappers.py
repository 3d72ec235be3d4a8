"""Weights, loss objects, results, formula wrappers and sequential evaluation."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import stattools as st


def _frame(n=400, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.uniform(size=n)})
    df["y"] = 1.0 + 0.5 * df["x1"] - df["x2"] + 0.3 * rng.normal(size=n)
    df["t"] = np.arange(n, dtype=float)
    return df


# ----------------------------------------------------------------------------- weights
def test_decay_weights_closed_form_and_diagnostics():
    w, wt = st.weights.decay(0.9).weights(4)
    np.testing.assert_allclose(w, 0.9 ** np.array([4, 3, 2, 1]))
    assert wt == 1.0
    res = st.crc(scores=np.arange(100.0), target_risk=0.2, weights=st.weights.decay(0.99))
    w = 0.99 ** np.arange(100, 0, -1)
    np.testing.assert_allclose(res.n_w, w.sum())
    np.testing.assert_allclose(res.ess, w.sum() ** 2 / (w**2).sum())
    assert res.guarantee == "non-exchangeable" and res.method == "weighted split conformal"


def test_kernel_weights_brute_force():
    rng = np.random.default_rng(1)
    X, Xt = rng.normal(size=(30, 2)), rng.normal(size=(4, 2))
    w, _ = st.weights.kernel(0.7).weights(30, X=X, X_test=Xt)
    ref = np.exp(-0.5 * ((Xt[:, None, :] - X[None, :, :]) ** 2).sum(-1) / 0.49)
    np.testing.assert_allclose(w, ref, rtol=1e-10, atol=1e-12)
    res = st.crc(
        scores=rng.normal(size=30), target_risk=0.3, weights=st.weights.kernel(2.0), X=X, X_test=Xt
    )
    assert res.guarantee == "heuristic" and np.shape(res.lambda_hat) == (4,)


def test_likelihood_ratio_from_logistic_regression():
    lm = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(2)
    src = rng.normal(size=(500, 1))
    tgt = rng.normal(0.5, 1.0, size=(300, 1))
    scheme = st.weights.likelihood_ratio(lm.LogisticRegression(), source=src, target=tgt)
    w, wt = scheme.weights(500, X=src, X_test=tgt[:3])
    # the true ratio of N(0.5, 1) to N(0, 1) is exp(0.5 x - 0.125): estimated within 25 %
    true = np.exp(0.5 * src[:, 0] - 0.125)
    mid = np.abs(src[:, 0]) < 1.5
    assert np.median(np.abs(w[mid] / true[mid] - 1)) < 0.25
    assert scheme.guarantee == "covariate shift" and wt.shape == (3,)


def test_effective_sample_size():
    assert float(st.weights.effective_sample_size(np.ones(10))) == 10.0
    np.testing.assert_allclose(st.weights.effective_sample_size(np.eye(3)), [1, 1, 1])


# ----------------------------------------------------------------------------- losses
def test_loss_values_match_definitions():
    rng = np.random.default_rng(3)
    p = rng.uniform(size=(20, 4))
    y = (rng.uniform(size=(20, 4)) < 0.5).astype(int)
    y[y.sum(1) == 0, 0] = 1
    lam = np.linspace(0, 1, 37)
    ref = np.array(
        [[1 - ((p[i] >= 1 - t) & (y[i] == 1)).sum() / y[i].sum() for t in lam] for i in range(20)]
    )
    np.testing.assert_allclose(st.losses.fnr(p, y).values(lam), ref, atol=1e-12)
    f1 = rng.uniform(size=(20, 4))
    ref = np.array(
        [
            [1 - max([f1[i, k] for k in range(4) if p[i, k] >= 1 - t], default=0.0) for t in lam]
            for i in range(20)
        ]
    )
    np.testing.assert_allclose(st.losses.best_f1(p, f1).values(lam), ref, atol=1e-12)
    r = rng.normal(size=20)
    ref = np.minimum(0.8, np.maximum(np.abs(r)[:, None] - lam, 0))
    np.testing.assert_allclose(st.losses.interval_hinge(r, bound=0.8).values(lam), ref)


# ----------------------------------------------------------------------------- result
def test_result_members_and_plots():
    rng = np.random.default_rng(4)
    res = st.crc(scores=rng.normal(size=200), target_risk=0.1)
    curve = res.risk_curve
    assert list(curve.columns) == ["lambda", "risk_bound"]
    assert (np.diff(curve["risk_bound"]) <= 1e-15).all()  # nonincreasing
    at = curve.loc[curve["lambda"] == res.lambda_hat, "risk_bound"].iloc[0]
    assert at <= 0.1
    # brute force: the bound at every knot from the loss values there
    p = rng.uniform(size=(80, 4))
    y = (rng.uniform(size=(80, 4)) < p).astype(int)
    y[y.sum(1) == 0, 0] = 1
    w = rng.uniform(size=80)
    loss = st.losses.fnr(p, y)
    c = st.crc(loss, 0.3, weights=w).risk_curve
    ref = (w @ loss.values(c["lambda"].to_numpy()) + 1.0) / (w.sum() + 1.0)
    np.testing.assert_allclose(c["risk_bound"], ref, atol=1e-12)
    h = st.losses.interval_hinge(rng.normal(size=80), bound=1.0)
    with pytest.warns(st.BoundViolationWarning):
        c = st.crc(h, 0.1, weights=w).risk_curve
    ref = (w @ h.values(c["lambda"].to_numpy()) + 1.0) / (w.sum() + 1.0)
    np.testing.assert_allclose(c["risk_bound"], ref, atol=1e-12)
    assert res.params.index.tolist() == ["lambda_hat"] and np.isnan(res.bse.iloc[0])
    assert res.needed_n_w == pytest.approx(9.0)
    assert res.plot(kind="risk") is not None and res.plot(kind="lambda") is not None
    text = res.summary().as_text()
    assert "exchangeability" in text and "Needed N_w" in text
    g = res.glance()
    assert g.loc[0, "lambda_hat"] == res.lambda_hat and g.loc[0, "feasible_share"] == 1.0


# ----------------------------------------------------------------------------- regression
def test_conformal_regression_ols_matches_manual_split_conformal():
    import statsmodels.api as sm

    df = _frame()
    tr, cal, te = df[:200], df[200:350], df[350:]
    fit = st.conformal_regression("y ~ x1 + x2", data=tr, calibration=cal, level=0.9)
    X = sm.add_constant(tr[["x1", "x2"]])
    beta = sm.OLS(tr["y"], X).fit().params.to_numpy()
    r = np.abs(cal["y"] - sm.add_constant(cal[["x1", "x2"]]).to_numpy() @ beta)
    k = int(np.ceil(151 * 0.9))
    np.testing.assert_allclose(fit.lambda_hat, np.sort(r)[k - 1], rtol=1e-10)
    pred = fit.predict(te)
    yhat = sm.add_constant(te[["x1", "x2"]]).to_numpy() @ beta
    np.testing.assert_allclose(pred["fit"], yhat, rtol=1e-10)
    np.testing.assert_allclose(pred["upper"] - pred["lower"], 2 * fit.lambda_hat)
    ev = fit.evaluate(te)
    assert 0.7 < ev.loc[0, "coverage"] <= 1.0
    assert fit.plot(kind="residuals") is not None


def test_conformal_regression_sklearn_estimator_equals_ols():
    lm = pytest.importorskip("sklearn.linear_model")
    df = _frame(seed=1)
    a = st.conformal_regression("y ~ x1 + x2", data=df[:200], calibration=df[200:], level=0.8)
    b = st.conformal_regression(
        "y ~ x1 + x2",
        data=df[:200],
        calibration=df[200:],
        level=0.8,
        model=lm.LinearRegression(),
    )
    np.testing.assert_allclose(a.lambda_hat, b.lambda_hat, rtol=1e-8)
    assert b.model_name == "LinearRegression"


def test_conformal_regression_hinge_y_range_and_per_test_weights():
    df = _frame(seed=2)
    fit = st.conformal_regression(
        "y ~ x1",
        data=df[:200],
        calibration=df[200:300],
        loss="hinge",
        target_risk=0.1,
        y_range=(-3.0, 4.0),
    )
    assert fit.bound == 7.0 and fit.calibration.guarantee == "exchangeable"
    # per-test kernel weights: predict recalibrates for each row
    kfit = st.conformal_regression(
        "y ~ x1",
        data=df[:200],
        calibration=df[200:300],
        level=0.8,
        weights=st.weights.kernel(1.0),
    )
    new = df[300:305]
    h = kfit.half_widths(new)
    Xc = df[200:300][["x1"]].to_numpy()
    ref = st.crc(
        scores=kfit.cal_residuals,
        target_risk=0.2,
        weights=st.weights.kernel(1.0),
        X=Xc,
        X_test=new[["x1"]].to_numpy(),
    ).lambda_hat
    np.testing.assert_allclose(h, ref)
    # decay weights with a time column: one row of the weight matrix per test time
    tfit = st.conformal_regression(
        "y ~ x1",
        data=df[:200],
        calibration=df[200:300],
        level=0.8,
        weights=st.weights.decay(0.98),
        time="t",
    )
    h = tfit.half_widths(df[300:303])
    ref = [
        st.crc(
            scores=tfit.cal_residuals,
            target_risk=0.2,
            weights=0.98 ** (t - df["t"][200:300].to_numpy()),
        ).lambda_hat
        for t in df["t"][300:303]
    ]
    np.testing.assert_allclose(h, ref)


def test_conformal_regression_errors():
    df = _frame()
    with pytest.raises(st.DataError, match="level="):
        st.conformal_regression("y ~ x1", data=df[:100], calibration=df[100:])
    with pytest.raises(st.DataError, match="bound"):
        st.conformal_regression(
            "y ~ x1", data=df[:100], calibration=df[100:], loss="hinge", target_risk=0.1
        )
    with pytest.raises(st.DataError, match="model must be"):
        st.conformal_regression(
            "y ~ x1", data=df[:100], calibration=df[100:], level=0.9, model=object()
        )
    with pytest.raises(KeyError, match="zz"):
        st.conformal_regression("y ~ zz", data=df[:100], calibration=df[100:], level=0.9)


# ----------------------------------------------------------------------------- multilabel
def test_conformal_multilabel_sets_and_evaluate():
    rng = np.random.default_rng(5)
    p = rng.uniform(size=(600, 5))
    y = (rng.uniform(size=(600, 5)) < p).astype(int)
    y[y.sum(1) == 0, 0] = 1
    res = st.conformal_multilabel(p[:400], y[:400], target_risk=0.15)
    sets = res.predict_sets(p[400:])
    np.testing.assert_array_equal(sets, p[400:] >= 1 - res.lambda_hat - 1e-12)
    ev = res.evaluate(p[400:], y[400:])
    assert 0.0 <= ev.loc[0, "fnr"] < 0.3
    # calibration points: the realised FNR at lambda_hat is within the CRC bound
    cal = res.evaluate(p[:400], y[:400]).loc[0, "fnr"]
    assert (cal * 400 + 1) / 401 <= 0.15 + 1e-12


# ----------------------------------------------------------------------------- sequential
def test_sequential_matches_manual_loop():
    df = _frame(140, seed=6)
    run = st.conformal_sequential(
        "y ~ x1 + x2",
        data=df,
        loss="hinge",
        bound=1.0,
        target_risk=0.1,
        weights=st.weights.decay(0.95),
        warmup=100,
        calibrate_every=2,
        refit_every=10,
    )
    import statsmodels.api as sm

    X = sm.add_constant(df[["x1", "x2"]]).to_numpy()
    y = df["y"].to_numpy()
    idx = np.arange(len(df))
    for t in (100, 109, 110, 139):
        t_fit = 100 + 10 * ((t - 100) // 10)
        tr = idx[:t_fit][idx[:t_fit] % 2 == 0]
        beta = sm.OLS(y[tr], X[tr]).fit().params
        cal = idx[:t][idx[:t] % 2 == 1]
        r = np.abs(y[cal] - X[cal] @ beta)
        loss = st.losses.interval_hinge(r, bound=1.0)
        for name, w in (("CRC", None), ("non-X CRC", 0.95 ** (t - cal))):
            lam = st.crc(loss, 0.1, weights=w).lambda_hat
            row = run.frame[(run.frame["step"] == t) & (run.frame["method"] == name)].iloc[0]
            np.testing.assert_allclose(row["lambda_hat"], lam, rtol=1e-10)
            dist = max(abs(y[t] - X[t] @ beta) - lam, 0.0)
            np.testing.assert_allclose(row["loss"], min(1.0, dist), rtol=1e-10, atol=1e-12)
    assert run.rolling_risk(10).shape == (40, 2)
    assert set(run.table().index) == {"CRC", "non-X CRC"}
    for kind in ("risk", "lambda", "size"):
        assert run.plot(kind=kind) is not None


def test_sequential_multilabel_with_estimator_and_infeasible_warning():
    class Prob:  # a tiny probabilistic multilabel model: label frequencies
        def fit(self, X, Y):
            self.p_ = Y.mean(0)
            return self

        def predict_proba(self, X):
            return np.tile(self.p_, (len(X), 1))

    rng = np.random.default_rng(7)
    X = rng.normal(size=(80, 2))
    Y = (rng.uniform(size=(80, 3)) < 0.5).astype(int)
    with pytest.warns(st.InfeasibleRiskWarning, match="infeasible at"):
        run = st.conformal_sequential(
            X=X, labels=Y, model=Prob(), target_risk=0.1, weights=st.weights.decay(0.5), warmup=40
        )
    assert run.task == "multilabel sets"
    nx = run.frame[run.frame["method"] == "non-X CRC"]
    assert (~nx["feasible"]).all() and (nx["lambda_hat"] == 1.0).all()


def test_sequential_errors():
    df = _frame(50)
    with pytest.raises(st.DataError, match="calibrate_every"):
        st.conformal_sequential("y ~ x1", data=df, bound=1.0, calibrate_every=1, warmup=10)
    with pytest.raises(st.DataError, match="warmup"):
        st.conformal_sequential("y ~ x1", data=df, bound=1.0, warmup=60)
    with pytest.raises(st.DataError, match="bound"):
        st.conformal_sequential("y ~ x1", data=df, warmup=10)


def test_import_stays_light():
    code = (
        "import sys, stattools as st; st.crc; "
        "bad = [m for m in ('sklearn', 'matplotlib', 'mapie', 'statsmodels.api') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_warnings_in_normal_use():
    df = _frame()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        st.conformal_regression("y ~ x1", data=df[:200], calibration=df[200:], level=0.9)
        st.crc(scores=np.arange(50.0), target_risk=0.1, weights=st.weights.decay(0.99))


def test_best_f1_exact_equals_grid_and_multilabel_wrapper():
    rng = np.random.default_rng(8)
    p = rng.uniform(size=(120, 6))
    q = rng.uniform(size=(120, 6))
    q[:, 0] = 1.0  # some candidate is always perfect: L(lambda_max) = 0
    loss = st.losses.best_f1(p, q)
    grid = np.unique(np.r_[0.0, loss.loc, 1.0])
    w = rng.uniform(size=120)
    a = st.crc(loss, 0.2, weights=w)
    b = st.crc(loss.values(grid), 0.2, weights=w, lambdas=grid)
    assert a.feasible and a.lambda_hat == b.lambda_hat
    res = st.conformal_multilabel(p, q, loss="best_f1", target_risk=0.2)
    assert res.calibration.loss_name == "1 - best F1"
    assert res.lambda_hat == st.crc(loss.values(grid), 0.2, lambdas=grid).lambda_hat


def test_sequential_miscoverage_without_comparison():
    df = _frame(150, seed=9)
    run = st.conformal_sequential(
        "y ~ x1",
        data=df,
        loss="miscoverage",
        target_risk=0.2,
        warmup=100,
        compare=False,
        refit_every=25,
        progress=False,
    )
    assert run.methods == ["non-X CRC"]
    fr = run.frame
    assert set(fr["loss"].unique()) <= {0.0, 1.0}
    np.testing.assert_allclose(fr["size"], 2 * fr["lambda_hat"])
    # miscoverage lambda is the weighted quantile of past calibration residuals
    import statsmodels.api as sm

    t = 120
    tr = np.arange(100)[np.arange(100) % 2 == 0]
    X = sm.add_constant(df[["x1"]]).to_numpy()
    beta = sm.OLS(df["y"].to_numpy()[tr], X[tr]).fit().params
    cal = np.arange(t)[np.arange(t) % 2 == 1]
    r = np.abs(df["y"].to_numpy()[cal] - X[cal] @ beta)
    lam = st.split_conformal(r, level=0.8, weights=0.99 ** (t - cal)).lambda_hat
    assert fr.loc[fr["step"] == t, "lambda_hat"].iloc[0] == pytest.approx(lam, rel=1e-10)


def test_sequential_fixed_model_recursive_grid_equals_per_step_crc():
    df = _frame(260, seed=10)
    grid = np.linspace(0, 1, 51)
    run = st.conformal_sequential(
        "y ~ x1 + x2",
        data=df,
        loss="hinge",
        bound=1.0,
        target_risk=0.1,
        weights=st.weights.decay(0.97),
        warmup=100,
        refit_every=None,
        lambdas=grid,
    )
    import statsmodels.api as sm

    X = sm.add_constant(df[["x1", "x2"]]).to_numpy()
    y = df["y"].to_numpy()
    idx = np.arange(len(df))
    tr = idx[:100][idx[:100] % 2 == 0]
    beta = sm.OLS(y[tr], X[tr]).fit().params
    table = st.losses.interval_hinge(y - X @ beta, bound=1.0).values(grid)
    for t in (100, 101, 180, 259):
        cal = idx[:t][idx[:t] % 2 == 1]
        for name, w in (("CRC", None), ("non-X CRC", 0.97 ** (t - cal))):
            ref = st.crc(table[cal], 0.1, weights=w, lambdas=grid)
            row = run.frame[(run.frame["step"] == t) & (run.frame["method"] == name)].iloc[0]
            assert row["lambda_hat"] == ref.lambda_hat
            np.testing.assert_allclose(row["n_w"], ref.n_w, rtol=1e-10)
            np.testing.assert_allclose(row["ess"], ref.ess, rtol=1e-10)
    assert run.refit_every == 0
    with pytest.raises(st.DataError, match="uniform and decay"):
        st.conformal_sequential(
            "y ~ x1",
            data=df,
            bound=1.0,
            warmup=100,
            refit_every=None,
            weights=st.weights.kernel(1.0),
        )
    with pytest.raises(st.DataError, match="needs lambdas"):
        st.conformal_sequential("y ~ x1", data=df, loss="miscoverage", warmup=100, refit_every=None)
