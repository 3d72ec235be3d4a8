"""Conformal classification sets: equal to MAPIE (LAC end to end; APS given MAPIE's
uniforms), brute force for RAPS/Mondrian, seeds, bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import stattools as st
from stattools.conformal.classification import class_scores


@pytest.fixture(scope="module")
def split():
    rng = np.random.default_rng(0)
    n = 2201
    X = rng.normal(size=(n, 3))
    eta = np.c_[np.zeros(n), 1.5 * X[:, 0], X[:, 1] - X[:, 2]]
    P = np.exp(eta)
    P /= P.sum(1, keepdims=True)
    y = (rng.uniform(size=(n, 1)) > P.cumsum(1)).sum(1)
    return X, y


def _mapie(split, score, include_last_label=None):
    lm = pytest.importorskip("sklearn.linear_model")
    mc = pytest.importorskip("mapie.classification")
    X, y = split
    clf = lm.LogisticRegression().fit(X[:600], y[:600])
    m = mc.SplitConformalClassifier(
        estimator=clf, prefit=True, conformity_score=score, confidence_level=0.9, random_state=7
    )
    m.conformalize(X[600:1201], y[600:1201])
    kw = (
        {}
        if include_last_label is None
        else {"conformity_score_params": {"include_last_label": include_last_label}}
    )
    _, sets = m.predict_set(X[1201:], **kw)
    return clf, m, sets[:, :, 0]


def test_lac_sets_equal_mapie(split):
    X, y = split
    clf, _, ref = _mapie(split, "lac")
    res = st.conformal_classification(
        probs=clf.predict_proba(X[600:1201]), labels=y[600:1201], score="lac", level=0.9
    )
    np.testing.assert_array_equal(res.predict_sets(clf.predict_proba(X[1201:])), ref)


@pytest.mark.parametrize("rule", ["randomized", True])
def test_aps_scores_threshold_and_sets_equal_mapie_given_its_uniforms(split, rule):
    X, y = split
    clf, m, ref = _mapie(split, "aps", rule)
    pc, pt = clf.predict_proba(X[600:1201]), clf.predict_proba(X[1201:])
    yc = y[600:1201]
    u_cal = np.random.RandomState(7).uniform(size=yc.size)  # MAPIE's draws for seed 7
    s = class_scores(pc, "aps", u_cal)[np.arange(yc.size), yc]
    np.testing.assert_allclose(
        s, np.ravel(m._mapie_classifier.conformity_scores_), rtol=1e-12, atol=1e-14
    )
    q = st.split_conformal(s, 0.9).lambda_hat
    assert q == pytest.approx(float(m._mapie_classifier.conformity_score_function_.quantiles_[0]))
    if rule == "randomized":
        ours = class_scores(pt, "aps", np.random.RandomState(7).uniform(size=len(pt))) <= q
    else:  # non-randomised set with the crossing label kept: mass before k < q
        ours = class_scores(pt, "aps", np.zeros(len(pt))) - pt < q
    np.testing.assert_array_equal(ours, ref)


def test_raps_without_penalty_is_aps_and_penalty_matches_brute_force(split):
    X, y = split
    rng = np.random.default_rng(5)
    p = rng.dirichlet(np.ones(4), size=300)
    lab = rng.integers(0, 4, 300)
    a = st.conformal_classification(probs=p, labels=lab, score="aps", randomized=False)
    r = st.conformal_classification(
        probs=p, labels=lab, score="raps", randomized=False, lambda_reg=0.0
    )
    assert a.thresholds["all"] == r.thresholds["all"]
    # brute force of one RAPS score: sorted cumulative mass + lambda (rank - k_reg)_+
    r2 = st.conformal_classification(
        probs=p, labels=lab, score="raps", randomized=False, lambda_reg=0.1, k_reg=1
    )
    brute = []
    for i in range(300):
        order = np.argsort(-p[i], kind="stable")
        rank = int(np.flatnonzero(order == lab[i])[0]) + 1
        brute.append(p[i][order][:rank].sum() + 0.1 * max(rank - 1, 0))
    q = np.sort(brute)[math.ceil(301 * 0.9) - 1]
    assert r2.thresholds["all"] == pytest.approx(q, abs=1e-12)


def test_class_conditional_thresholds_are_per_class_split_cp():
    rng = np.random.default_rng(6)
    p = rng.dirichlet(np.ones(3), size=400)
    lab = rng.integers(0, 3, 400)
    res = st.conformal_classification(probs=p, labels=lab, score="lac", groups="class")
    for k in range(3):
        s = 1 - p[lab == k, k]
        assert res.thresholds[k] == st.split_conformal(s, 0.9).lambda_hat
    sets = res.predict_sets(p)
    np.testing.assert_array_equal(sets, (1 - p) <= res.thresholds.to_numpy()[None, :])


def test_formula_path_mondrian_groups_seed_and_summary():
    rng = np.random.default_rng(1)
    n = 1200
    df = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(["u", "v"], n)})
    df["y"] = np.where(df["x"] + rng.normal(size=n) > 0, "hi", "lo")
    res = st.conformal_classification(
        "y ~ x", df[:400], calibration=df[400:800], score="aps", groups="g", rng=11
    )
    assert set(res.thresholds.index) == {"u", "v"}
    a = res.predict(df[800:])
    b = res.predict(df[800:])
    pd.testing.assert_frame_equal(a, b)  # test uniforms derived from the recorded seed
    assert res.seed == 11
    again = st.conformal_classification(
        "y ~ x", df[:400], calibration=df[400:800], score="aps", groups="g", rng=res.seed
    )
    pd.testing.assert_series_equal(again.thresholds, res.thresholds)
    none = st.conformal_classification("y ~ x", df[:400], calibration=df[400:800], score="aps")
    redo = st.conformal_classification(
        "y ~ x", df[:400], calibration=df[400:800], score="aps", rng=none.seed
    )
    pd.testing.assert_series_equal(none.thresholds, redo.thresholds)
    assert "Seed" in res.summary().as_text()
    ev = res.evaluate(df[800:])
    assert 0.8 < ev["coverage"].iloc[0] <= 1.0


def test_bad_input_names_the_argument():
    rng = np.random.default_rng(2)
    p = rng.dirichlet(np.ones(3), size=50)
    lab = rng.integers(0, 3, 50)
    with pytest.raises(st.DataError, match="probs: rows must sum to one"):
        st.conformal_classification(probs=p * 0.9, labels=lab)
    with pytest.raises(st.DataError, match="labels has labels not seen"):
        st.conformal_classification(probs=p, labels=np.r_[lab[:-1], 7])
    with pytest.raises(st.DataError, match="fewer than 1/alpha - 1 = 99"):
        st.conformal_classification(probs=p, labels=lab, level=0.99)
    with pytest.raises(st.DataError, match="level must be a number"):
        st.conformal_classification(probs=p, labels=lab, level="0.9")
    df = pd.DataFrame({"x": rng.normal(size=60), "y": rng.choice(["a", "b"], 60)})
    cal = df.copy()
    cal.loc[0, "y"] = "zzz"
    with pytest.raises(st.DataError, match="calibration response 'y' has labels not seen"):
        st.conformal_classification("y ~ x", df, calibration=cal, level=0.8)
