"""Fréchet regression (local/global) and Fréchet ANOVA against brute force and closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from stattools.core.exceptions import DataError
from stattools.core.results import InvalidTestResult
from stattools.frechet import (
    SPD,
    Sphere,
    Wasserstein,
    frechet_anova,
    frechet_regression,
    simulate_jump_design,
)
from stattools.frechet._common import kernel_values, local_linear_weights
from stattools.frechet.bandwidth import predict_local

TOL = {"fit": dict(rtol=1e-9, atol=1e-10)}


def test_local_regression_equals_weighted_least_squares(rng):
    x = np.sort(rng.uniform(0, 1, 120))
    y = np.sin(4 * x) + rng.normal(0, 0.2, 120)
    h = 0.25
    fit = frechet_regression(y=y, x=x, bandwidth=h)
    for x0 in (0.0, 0.37, 1.0):
        w = kernel_values((x - x0) / h, "epanechnikov")
        A = np.c_[np.ones_like(x), x - x0] * np.sqrt(w)[:, None]
        beta = np.linalg.lstsq(A, y * np.sqrt(w), rcond=None)[0]
        np.testing.assert_allclose(fit.predict([x0])[0], beta[0], **TOL["fit"])


def test_global_regression_equals_ols_and_r2():
    import statsmodels.api as sm

    gen = np.random.default_rng(0)
    df = pd.DataFrame({"x1": gen.normal(size=80), "x2": gen.normal(size=80)})
    df["y"] = 1 + df.x1 - 0.5 * df.x2 + gen.normal(0, 0.5, 80)
    fit = frechet_regression("y ~ x1 + x2", data=df, method="global")
    ols = sm.OLS(df.y, sm.add_constant(df[["x1", "x2"]])).fit()
    np.testing.assert_allclose(fit.fittedvalues, ols.fittedvalues, **TOL["fit"])
    np.testing.assert_allclose(fit.r2, ols.rsquared, **TOL["fit"])
    new = pd.DataFrame({"x1": [0.3], "x2": [-1.0]})
    np.testing.assert_allclose(
        fit.predict(new)[0], ols.predict(sm.add_constant(new, has_constant="add"))[0], **TOL["fit"]
    )
    np.testing.assert_allclose(fit.resid, np.abs(ols.resid), **TOL["fit"])


def test_global_wasserstein_is_pav_of_ols(rng):
    sp = Wasserstein(n_grid=12)
    x = rng.uniform(0, 1, 50)
    Q = np.sort(rng.normal(size=(50, 12)), axis=1) * (0.2 + x)[:, None] + 3 * x[:, None]
    fit = frechet_regression(y=Q, x=x, space=sp, method="global")
    X = np.c_[np.ones(50), x]
    B = np.linalg.lstsq(X, Q, rcond=None)[0]
    ref = sp.project_rows(np.array([[1, -0.4]]) @ B)
    np.testing.assert_allclose(fit.predict([-0.4]), ref, **TOL["fit"])
    assert 0 < fit.r2 < 1


def test_local_spd_regression_with_formula_and_cv():
    gen = np.random.default_rng(1)
    x = gen.uniform(0, 1, 80)
    S = np.array([np.diag([np.exp(xi), np.exp(1 - xi)]) for xi in x])  # linear in the chart
    df = pd.DataFrame({"x": x, "S": pd.Series(list(S), dtype=object)})
    from stattools.core.exceptions import TuningWarning

    # An exact fit: every candidate's CV loss is 0 up to rounding (~1e-30), far inside the
    # documented tolerance, so the tie rule (largest candidate within 1e-6 relative of the
    # minimum) picks the largest candidate, range / 3, on every CPU and BLAS; no tie of
    # floating-point noise decides it.
    with pytest.warns(TuningWarning, match="largest candidate bandwidth"):
        fit = frechet_regression("S ~ x", data=df, space=SPD(metric="log_cholesky"), rng=0)
    assert fit.bandwidth_rule == "cv" and fit.seed is None  # leave-one-out: no seed
    assert any("largest candidate" in w for w in fit.warnings)
    np.testing.assert_allclose(fit.bandwidth, (x.max() - x.min()) / 3, rtol=1e-12)
    pred = fit.predict(pd.DataFrame({"x": [0.5]}, index=[7]))
    assert isinstance(pred, pd.Series) and pred.index.tolist() == [7]
    np.testing.assert_allclose(pred[7], np.exp(0.5) * np.eye(2), atol=1e-10)
    np.testing.assert_allclose(fit.r2, 1.0, atol=1e-12)
    assert len(fit.plot().axes) >= 3


def test_regression_bad_input(rng):
    x = rng.uniform(0, 1, 30)
    with pytest.raises(DataError, match="one or two predictors"):
        frechet_regression(y=x, x=np.c_[x, x**2, x**3], method="local", bandwidth=0.3)
    with pytest.raises(DataError, match="too small"):
        frechet_regression(y=x, x=x, bandwidth=1e-4)
    with pytest.raises(DataError, match="method"):
        frechet_regression(y=x, x=x, method="spline")


def test_anova_two_group_closed_form():
    gen = np.random.default_rng(2)
    y = np.r_[gen.normal(0, 1, 60), gen.normal(0.5, 1.3, 40)]
    g = np.repeat(["a", "b"], [60, 40])
    res = frechet_anova(y=y, groups=g)
    l1, l2 = 0.6, 0.4
    np.testing.assert_allclose(res.F_n, l1 * l2 * (y[:60].mean() - y[60:].mean()) ** 2, rtol=1e-12)
    v = [y[:60].var(), y[60:].var()]
    s2 = [np.var((y[:60] - y[:60].mean()) ** 2), np.var((y[60:] - y[60:].mean()) ** 2)]
    U = l1 * l2 * (v[0] - v[1]) ** 2 / (s2[0] * s2[1])
    T = 100 * U / (l1 / s2[0] + l2 / s2[1]) + 100 * res.F_n**2 / (l1**2 * s2[0] + l2**2 * s2[1])
    np.testing.assert_allclose(res.statistic, T, rtol=1e-12)
    assert res.df == 1


def test_anova_permutation_reproducible_and_formula():
    gen = np.random.default_rng(3)
    sp = Wasserstein(n_grid=10)
    Q = np.sort(gen.normal(size=(45, 10)), axis=1)
    Q[30:] *= 2.0
    df = pd.DataFrame({"Q": pd.Series(list(Q), dtype=object), "g": np.repeat(list("abc"), 15)})
    a = frechet_anova("Q ~ g", data=df, space=sp, method="permutation", n_resamples=99, rng=5)
    b = frechet_anova(
        "Q ~ g", data=df, space=sp, method="permutation", n_resamples=99, rng=5, n_jobs=2
    )
    assert a.pvalue == b.pvalue and a.df == 2
    np.testing.assert_array_equal(a.null_distribution, b.null_distribution)
    assert a.pvalue == pytest.approx(0.01)
    assert "V[c]" in a.extra


def test_anova_invalid_and_bad_input():
    res = frechet_anova(y=np.r_[np.ones(5), np.arange(5.0)], groups=np.repeat([0, 1], 5))
    assert isinstance(res, InvalidTestResult) and "zero" in res.reason
    with pytest.raises(DataError, match="at least 2 groups"):
        frechet_anova(y=np.arange(5.0), groups=np.zeros(5))
    with pytest.raises(DataError, match="at least 2 observations"):
        frechet_anova(y=np.arange(5.0), groups=[0, 0, 0, 0, 1])
    with pytest.raises(DataError, match="unit norm"):
        frechet_anova(y=np.ones((6, 2)), groups=[0, 0, 0, 1, 1, 1], space=Sphere())


@settings(deadline=None, max_examples=15)
@given(hst.integers(0, 2**31 - 1), hst.floats(0.15, 0.6))
def test_blocked_predictions_equal_pointwise_means(seed, h):
    """Vectorised block predictions == one weighted Fréchet mean per point (Wasserstein)."""
    gen = np.random.default_rng(seed)
    sp = Wasserstein(n_grid=6)
    x = np.sort(gen.uniform(0, 1, 40))
    Q = np.sort(gen.normal(size=(40, 6)), axis=1) + 2 * x[:, None]
    x0 = gen.uniform(0, 1, 7)
    preds, ok = predict_local(x, Q, x0, h, "epanechnikov", sp, block=3)
    for j in np.flatnonzero(ok):
        s, det, _ = local_linear_weights(x - x0[j], h, "epanechnikov")
        np.testing.assert_allclose(preds[j], sp.weighted_mean(Q[s != 0], s[s != 0]), atol=1e-10)


def test_local_sphere_regression_intrinsic(rng):
    x = np.sort(rng.uniform(0, 1, 40))
    ang = 0.8 * x + rng.normal(0, 0.05, 40)
    Y = np.c_[np.cos(ang), np.sin(ang), np.zeros(40)]
    fit = frechet_regression(y=Y, x=x, space=Sphere(), bandwidth=0.3)
    pred = fit.predict([0.5]).to_numpy()[0]
    np.testing.assert_allclose(np.linalg.norm(pred), 1.0)
    np.testing.assert_allclose(np.arctan2(pred[1], pred[0]), 0.4, atol=0.05)


def test_cv_fallback_warns_with_few_points():
    from stattools.core.exceptions import TuningWarning

    x = np.linspace(0, 1, 8)
    with pytest.warns(TuningWarning, match="Silverman"):
        fit = frechet_regression(y=x**2, x=x)
    assert fit.bandwidth_rule == "cv" and fit.warnings


def test_simulated_designs_live_in_their_spaces():
    for design in ("density", "covariance", "network"):
        x, Y, sp = simulate_jump_design(design, n=30, jump=0.3, rng=1)
        assert sp.validate(Y).shape[0] == 30 and x.shape == (30,)
    with pytest.raises(DataError, match="design"):
        simulate_jump_design("tree")


def test_correlation_mean_negative_weights_is_correlation(rng):
    from stattools.frechet import Correlation

    sp = Correlation()
    Cs = []
    for _ in range(5):
        A = rng.normal(size=(3, 6))
        S = np.cov(A)
        d = np.sqrt(np.diag(S))
        Cs.append(S / np.outer(d, d))
    Z = sp.validate(Cs)
    m = sp.weighted_mean(Z, np.array([3.0, -1.0, -1.0, 0.5, -0.5]))
    np.testing.assert_allclose(np.diag(m), 1.0, atol=1e-10)
    assert np.linalg.eigvalsh(m).min() > -1e-8


def test_anova_bootstrap_pvalue():
    gen = np.random.default_rng(4)
    y = np.r_[gen.normal(0, 1, 40), gen.normal(0, 1, 40)]
    res = frechet_anova(
        y=y, groups=np.repeat([0, 1], 40), method="bootstrap", n_resamples=199, rng=2
    )
    asym = frechet_anova(y=y, groups=np.repeat([0, 1], 40))
    assert res.n_resamples == 199 and "bootstrap" in res.method
    assert res.statistic == asym.statistic
    assert abs(res.pvalue - asym.pvalue) < 0.25


def test_global_weights_form_equals_closed_form(rng):
    """The explicit weights s_in (non-Hilbert path) equal the closed-form OLS-type path."""
    from stattools.frechet import Euclidean
    from stattools.frechet.regression import _global_predict, global_weights

    X = rng.normal(size=(30, 2))
    Z = rng.normal(size=(30, 3))
    x0 = rng.normal(size=(4, 2))
    W = global_weights(X, x0)
    np.testing.assert_allclose(W.mean(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(_global_predict(X, Z, x0, Euclidean()), W @ Z / 30, rtol=1e-10)


def test_global_sphere_regression(rng):
    x = rng.uniform(0, 1, 40)
    ang = 0.6 * x + rng.normal(0, 0.05, 40)
    Y = np.c_[np.cos(ang), np.sin(ang)]
    fit = frechet_regression(y=Y, x=x, space=Sphere(), method="global")
    pred = fit.predict([0.0, 1.0]).to_numpy()
    np.testing.assert_allclose(np.linalg.norm(pred, axis=1), 1.0)
    np.testing.assert_allclose(np.arctan2(pred[:, 1], pred[:, 0]), [0.0, 0.6], atol=0.06)
    assert 0.5 < fit.r2 < 1
