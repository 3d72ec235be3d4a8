"""Contract-test factories for the conformal result classes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import stattools as st
from stattools.conformal import (
    ConformalClassificationResult,
    ConformalMultilabelResult,
    ConformalRegressionResult,
    CRCResult,
    CrossConformalResult,
    LTTResult,
    SequentialCRCResult,
)
from tests._examples import register


def _multilabel(n: int = 200, k: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=(n, k))
    y = (rng.uniform(size=(n, k)) < p).astype(int)
    y[y.sum(1) == 0, 0] = 1
    return p, y


def _regression_frame(n: int = 300, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.normal(size=n)})
    df["y"] = 0.5 * df["x"] + 0.2 * rng.normal(size=n)
    return df


@register(CRCResult)
def _crc_scores():
    s = np.random.default_rng(0).exponential(size=50)
    return st.crc(scores=s, target_risk=0.1)


@register(CRCResult)
def _crc_per_test():
    p, y = _multilabel()
    w = np.random.default_rng(2).uniform(size=(5, len(p)))
    return st.crc(st.losses.fnr(p, y), 0.2, weights=w)


@register(CRCResult)
def _crc_infeasible():
    s = np.arange(5.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", st.InfeasibleRiskWarning)
        return st.crc(scores=s, target_risk=0.1)


@register(ConformalRegressionResult)
def _regression():
    df = _regression_frame()
    return st.conformal_regression(
        "y ~ x", data=df[:150], calibration=df[150:], loss="hinge", bound=1.0, target_risk=0.05
    )


@register(ConformalMultilabelResult)
def _multilabel_result():
    p, y = _multilabel()
    return st.conformal_multilabel(p, y, target_risk=0.2)


@register(SequentialCRCResult)
def _sequential():
    df = _regression_frame(160)
    return st.conformal_sequential(
        "y ~ x", data=df, loss="hinge", bound=1.0, target_risk=0.05, warmup=100, refit_every=20
    )


@register(LTTResult)
def _ltt():
    s = np.random.default_rng(3).uniform(size=500)
    grid = np.linspace(0.5, 1.0, 26)
    return st.ltt((s[:, None] > grid).astype(float), 0.15, delta=0.1, lambdas=grid)


@register(LTTResult)
def _rcps():
    s = np.random.default_rng(3).uniform(size=500)
    grid = np.linspace(0.5, 1.0, 26)
    return st.rcps((s[:, None] > grid).astype(float), 0.15, delta=0.1, lambdas=grid)


@register(ConformalClassificationResult)
def _classification():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"x": rng.normal(size=300)})
    df["y"] = np.where(df["x"] + rng.normal(size=300) > 0, "a", "b")
    return st.conformal_classification("y ~ x", df[:150], calibration=df[150:], rng=1)


@register(ConformalRegressionResult)
def _cqr():
    df = _regression_frame()
    return st.conformal_regression(
        "y ~ x", data=df[:150], calibration=df[150:], method="cqr", level=0.8
    )


@register(CrossConformalResult)
def _cv_plus():
    df = _regression_frame(120)
    return st.conformal_regression("y ~ x", data=df, method="jab+", level=0.8, rng=2)
