"""Classification sets with per-test (likelihood-ratio, kernel) weights: equal to a brute-force
weighted quantile per test point (Tibshirani et al. 2019, the test weight on +inf), the
feature contract of likelihood-ratio weights, and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import stattools as st
from stattools.conformal.classification import class_scores


def _data(seed: int, n: int = 250, k: int = 4):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(k), size=n)
    y = (rng.uniform(size=(n, 1)) > p.cumsum(1)).sum(1)
    X = rng.normal(size=(n, 2))
    return rng, p, y, X


def _brute_threshold(s, w, w_test, level):
    """conformalInference's weighted.quantile: +inf carries the test weight; the first
    cumulative normalised weight >= level (one test point at a time, no shared sort)."""
    v = np.r_[s, np.inf]
    ww = np.r_[w, w_test]
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(ww[order]) / ww.sum()
    return v[order][np.argmax(cum >= level - 1e-12)]


def _ratio(x):
    return np.exp(x[:, 0] - 0.5 + 0.3 * x[:, 1])


@pytest.mark.parametrize("score", ["lac", "aps", "raps"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_likelihood_ratio_sets_equal_brute_force(score, seed):
    rng, p, y, X = _data(seed)
    level = float(rng.choice([0.8, 0.9]))
    res = st.conformal_classification(
        probs=p,
        labels=y,
        score=score,
        level=level,
        randomized=False,
        weights=st.weights.likelihood_ratio(ratio=_ratio),
        X=X,
    )
    m = 60
    pt = rng.dirichlet(np.ones(p.shape[1]), size=m)
    Xt = rng.normal(0.8, 1.0, size=(m, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", st.StattoolsWarning)  # large w(x): infinite q_hat
        got = res.predict_sets(pt, X_test=Xt)
    s_cal = class_scores(p, score, np.zeros(len(p)), 1, 0.01)[np.arange(len(p)), y]
    s_test = class_scores(pt, score, np.zeros(m), 1, 0.01)
    q = np.array([_brute_threshold(s_cal, _ratio(X), w, level) for w in _ratio(Xt)])
    np.testing.assert_array_equal(res.test_thresholds(Xt), q)
    np.testing.assert_array_equal(got, s_test <= q[:, None])
    assert len(set(q.tolist())) > 3  # the thresholds really vary with the test point


def test_kernel_weights_give_per_test_thresholds_equal_to_brute_force():
    rng, p, y, X = _data(5, n=120)
    res = st.conformal_classification(
        probs=p, labels=y, score="lac", weights=st.weights.kernel(2.0), X=X
    )
    Xt = rng.normal(size=(15, 2))
    s_cal = 1.0 - p[np.arange(len(p)), y]
    W = np.exp(-0.5 * ((Xt[:, None, :] - X[None]) ** 2).sum(-1) / 4.0)
    q = [_brute_threshold(s_cal, W[j], 1.0, 0.9) for j in range(len(Xt))]
    np.testing.assert_allclose(res.test_thresholds(Xt), q, rtol=0, atol=0)


def test_infinite_test_weight_gives_the_full_set():
    _, p, y, X = _data(3)
    res = st.conformal_classification(
        probs=p,
        labels=y,
        score="lac",
        weights=st.weights.likelihood_ratio(ratio=lambda x: np.where(x[:, 0] > 5, np.inf, 1.0)),
        X=X,
    )
    with pytest.warns(st.InfeasibleRiskWarning):
        sets = res.predict_sets(
            np.tile([0.97, 0.01, 0.01, 0.01], (2, 1)), X_test=[[9.0, 0.0], [0.0, 0.0]]
        )
    assert sets[0].all() and not sets[1].all()


def test_formula_path_uses_design_features_and_checks_the_classifier():
    lm = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(11)
    n = 900
    df = pd.DataFrame({"x": rng.normal(size=n)})
    df["y"] = np.where(df["x"] + rng.normal(size=n) > 0, "a", "b")
    test = pd.DataFrame({"x": rng.normal(1.0, 1.0, size=300)})
    test["y"] = np.where(test["x"] + rng.normal(size=300) > 0, "a", "b")
    tr, cal = df[:400], df[400:]
    base = st.conformal_classification("y ~ x + I(x**2)", tr, calibration=cal, score="lac")
    src, tgt = base.design_features(cal), base.design_features(test)
    assert list(src.columns) == ["x", "I(x ** 2)"]
    lr = st.weights.likelihood_ratio(lm.LogisticRegression(), source=src, target=tgt)
    res = st.conformal_classification(
        "y ~ x + I(x**2)", tr, calibration=cal, score="lac", weights=lr
    )
    assert res.per_test and "covariate shift" in str(res.summary())
    sets = res.predict(test).to_numpy()
    # the same sets from probabilities + features (array of the design columns)
    p_test = res.fitted.predict_proba(res.design.transform(test).to_numpy(float))
    again = res.predict_sets(p_test, X_test=tgt.to_numpy())
    np.testing.assert_array_equal(sets, again)
    q = res.test_thresholds(tgt.to_numpy())
    assert np.unique(q).size > 5
    # a classifier trained on the raw column only: the contract is enforced
    raw = st.weights.likelihood_ratio(
        lm.LogisticRegression(), source=cal[["x"]], target=test[["x"]]
    )
    with pytest.raises(st.DataError, match="design columns"):
        st.conformal_classification("y ~ x + I(x**2)", tr, calibration=cal, weights=raw)


def test_per_test_weights_bad_input():
    _, p, y, X = _data(4)
    lr = st.weights.likelihood_ratio(ratio=_ratio)
    with pytest.raises(st.DataError, match="X is needed"):
        st.conformal_classification(probs=p, labels=y, weights=lr)
    with pytest.raises(st.DataError, match="one row per calibration point"):
        st.conformal_classification(probs=p, labels=y, weights=lr, X=X[:-1])
    with pytest.raises(st.DataError, match="finite"):
        st.conformal_classification(probs=p, labels=y, weights=lr, X=np.where(X > 2, np.nan, X))
    with pytest.raises(st.DataError, match="groups"):
        st.conformal_classification(probs=p, labels=y, weights=lr, X=X, groups="class")
    res = st.conformal_classification(probs=p, labels=y, weights=lr, X=X)
    with pytest.raises(st.DataError, match="X_test is needed"):
        res.predict_sets(p[:3])
    with pytest.raises(st.DataError, match="column"):
        res.predict_sets(p[:3], X_test=np.zeros((3, 3)))
    with pytest.raises(st.DataError, match="rows"):
        res.predict_sets(p[:3], X_test=np.zeros((2, 2)))
