"""Issue 15, "Bad input": each case raises a DataError that names the argument.

Probabilities not summing to one, labels unseen in calibration, delta outside (0, 1), an
empty lambda grid, and fewer calibration points than 1/alpha - 1 (the split-conformal
wrappers; the array-level ``st.crc`` keeps the spec's infeasibility warning and lambda_max).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stattools as st


@pytest.fixture(scope="module")
def cls_data():
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.ones(3), size=60)
    lab = (rng.uniform(size=(60, 1)) > p.cumsum(1)).sum(1)
    return p, lab


def test_probabilities_not_summing_to_one(cls_data):
    p, lab = cls_data
    with pytest.raises(st.DataError, match="probs: rows must sum to one"):
        st.conformal_classification(probs=p * 0.9, labels=lab)
    res = st.conformal_classification(probs=p, labels=lab, level=0.8)
    with pytest.raises(st.DataError, match="probs: rows must sum to one"):
        res.predict_sets(p[:4] + 0.1)
    with pytest.raises(st.DataError, match="probs must be finite probabilities"):
        st.conformal_classification(probs=np.c_[p[:, :2], -p[:, 2]], labels=lab)


def test_labels_unseen_in_calibration(cls_data):
    p, lab = cls_data
    with pytest.raises(st.DataError, match="labels has labels not seen"):
        st.conformal_classification(probs=p, labels=np.r_[lab[:-1], 5])
    res = st.conformal_classification(probs=p, labels=lab, level=0.8)
    with pytest.raises(st.DataError, match="labels contain classes not seen"):
        res.evaluate_sets(res.predict_sets(p[:3]), [0, 1, 7])
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"x": rng.normal(size=80), "y": rng.choice(["a", "b"], 80)})
    cal = df[40:].copy()
    cal.loc[cal.index[0], "y"] = "c"
    with pytest.raises(st.DataError, match="calibration response 'y' has labels not seen"):
        st.conformal_classification("y ~ x", df[:40], calibration=cal, level=0.8)


@pytest.mark.parametrize("delta", [-0.1, 0.0, 1.0, 1.5, float("nan"), "0.1"])
def test_delta_outside_the_unit_interval(delta):
    L = (np.random.default_rng(0).uniform(size=(30, 1)) > np.linspace(0, 1, 5)).astype(float)
    with pytest.raises(st.DataError, match="delta must lie strictly between 0 and 1"):
        st.ltt(L, 0.1, delta=delta, lambdas=np.linspace(0, 1, 5))
    with pytest.raises(st.DataError, match="delta must lie strictly between 0 and 1"):
        st.rcps(L, 0.1, delta=delta, lambdas=np.linspace(0, 1, 5))


def test_empty_lambda_grid():
    L = np.zeros((10, 0))
    with pytest.raises(st.DataError, match="lambdas"):
        st.ltt(L, 0.1, delta=0.1, lambdas=[])
    with pytest.raises(st.DataError, match="lambdas is empty"):
        st.rcps(L, 0.1, delta=0.1, lambdas=[])
    with pytest.raises(st.DataError, match="lambdas is empty"):
        st.crc(L, 0.1, lambdas=[])


def test_fewer_calibration_points_than_one_over_alpha(cls_data):
    p, lab = cls_data
    with pytest.raises(st.DataError, match=r"calibration has 60 point\(s\), fewer than 1/alpha"):
        st.conformal_classification(probs=p, labels=lab, level=0.99)
    with pytest.raises(st.DataError, match=r"calibration has \d+ point\(s\) in group"):
        st.conformal_classification(probs=p, labels=lab, groups="class", level=0.97)
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"x": rng.normal(size=60)})
    df["y"] = df["x"] + rng.normal(size=60)
    for method in ("split", "cqr"):
        with pytest.raises(st.DataError, match=r"calibration has 9 row\(s\), fewer than 1/alpha"):
            st.conformal_regression(
                "y ~ x", df[:40], calibration=df[40:49], level=0.95, method=method
            )
    with pytest.raises(st.DataError, match="data has 9 rows, fewer than 1/alpha"):
        st.conformal_regression("y ~ x", df[:9], method="cv+", level=0.95)
    # exactly 1/alpha - 1 = 19 points is enough (finite intervals)
    ok = st.conformal_regression("y ~ x", df[:40], calibration=df[40:59], level=0.95)
    assert np.isfinite(ok.lambda_hat)
