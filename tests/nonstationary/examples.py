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
