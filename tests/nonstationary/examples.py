"""Contract-test factories for the nonstationary result classes."""

from __future__ import annotations

import numpy as np
import pandas as pd

import stattools as st
from stattools.nonstationary import CusumTestResult, TrendResult
from tests._examples import register


def _series(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    return pd.DataFrame({"t": t, "y": np.sin(t / 20) + rng.normal(0, 0.5, n)})


@register(CusumTestResult)
def _cusum():
    return st.cusum_test("y ~ 1", data=_series(), n_resamples=99, rng=1)


@register(CusumTestResult)
def _cusum_classical():
    return st.cusum_test("y ~ 1", data=_series(), method="classical")


@register(TrendResult)
def _trend():
    return st.trend("y ~ t", data=_series(), bandwidth=0.3, n_resamples=99, rng=1)


# ---------------------------------------------------------------- structural breaks
def _breaks_frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 80
    x = rng.normal(size=n)
    y = 1 + 0.5 * x + (np.arange(n) >= 40) * 2.0 + rng.normal(0, 0.5, n)
    return pd.DataFrame({"t": 1950 + np.arange(n), "y": y, "x": x})


@register(st.nonstationary.BreakpointsResult)
def _breakpoints():
    return st.breakpoints("y ~ x", data=_breaks_frame(), h=0.2, time="t")


@register(st.nonstationary.FluctuationTestResult)
def _fluctuation():
    return st.fluctuation_test("y ~ x", data=_breaks_frame(), type="OLS-MOSUM", time="t")


@register(st.nonstationary.FStatsTestResult)
def _fstats():
    d = _breaks_frame()
    d["y"] = d["y"] - (d["t"] >= 1990) * 1.6  # a moderate break (0.4)
    return st.f_test_breaks("y ~ x", data=d, time="t")


# ---------------------------------------------------------------- time-varying coefficients
@register(st.nonstationary.TVRegressionResult)
def _tv_regression():
    rng = np.random.default_rng(5)
    n = 120
    x = rng.normal(size=n)
    u = np.linspace(0, 1, n)
    df = pd.DataFrame({"t": 1900 + np.arange(n), "x": x,
                       "y": 1 + (1 + u) * x + rng.normal(0, 0.5, n)})  # fmt: skip
    return st.tv_regression("y ~ x", df, time="t", bandwidth=0.3, n_resamples=99, rng=1)
