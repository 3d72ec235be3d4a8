"""Contract-test factories for the mixture result classes (small, fast, seeded)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import stattools as st
from stattools.mixture import ContractionStudyResult, DPMMResult
from tests._examples import register


def small_data(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """Two well-separated normal clusters."""
    rng = np.random.default_rng(seed)
    y = np.concatenate([rng.normal(-2.0, 0.6, n // 2), rng.normal(2.0, 0.6, n - n // 2)])
    return pd.DataFrame({"y": y})


@register(DPMMResult)
def _dpmm_1d():
    return st.dpmm("y ~ 1", small_data(), truncation=10, chains=2, draws=200, tune=100, rng=1,
                   check=False)  # fmt: skip


@register(DPMMResult)
def _dpmm_2d():
    rng = np.random.default_rng(2)
    y = np.vstack([rng.normal(-2, 0.5, (40, 2)), rng.normal(2, 0.5, (40, 2))])
    df = pd.DataFrame(y, columns=["a", "b"])
    return st.dpmm("a + b ~ 1", df, truncation=8, chains=2, draws=100, tune=50, rng=1,
                   check=False)  # fmt: skip


@register(ContractionStudyResult)
def _study():
    G0 = st.MixingMeasure([0.6, 0.4], [-2.0, 2.0], scale=1.0)
    return st.contraction_study(G0, [40, 80, 160], reps=1, metrics=["w1", "orlicz"],
                                fit=dict(truncation=10, draws=30, tune=30), rng=3)  # fmt: skip


@register(DPMMResult)
def _dpmm_collapsed():
    df = small_data(60, seed=4)
    return st.dpmm("y ~ 1", df, truncation=12, chains=2, draws=80, tune=40, rng=2,
                   sampler="collapsed", check=False)  # fmt: skip
