"""Contract-test factories for the Fréchet family's result classes."""

from __future__ import annotations

import warnings

import numpy as np

from stattools.core.exceptions import TuningWarning
from stattools.frechet import (
    SPD,
    FrechetAnovaResult,
    FrechetChangePointResult,
    FrechetJumpResult,
    FrechetRegressionResult,
    Wasserstein,
    frechet_anova,
    frechet_changepoint,
    frechet_jump,
    frechet_regression,
)
from tests._examples import register


@register(FrechetJumpResult)
def _jump_wasserstein():
    gen = np.random.default_rng(0)
    x = gen.uniform(-1, 1, 200)
    Q = np.sort(gen.normal(size=(200, 20)), axis=1) + 0.5 * (x >= 0)[:, None]
    return frechet_jump(y=Q, x=x, cutoff=0.0, space=Wasserstein(n_grid=20), bandwidth=0.6)


@register(FrechetJumpResult)
def _jump_spd():
    gen = np.random.default_rng(1)
    x = gen.uniform(-1, 1, 150)
    A = gen.normal(size=(150, 2, 4))
    S = A @ A.transpose(0, 2, 1) / 4 + np.eye(2) * (1 + (x >= 0))[:, None, None]
    return frechet_jump(y=S, x=x, cutoff=0.0, space=SPD(metric="log_cholesky"), bandwidth=0.7)


@register(FrechetRegressionResult)
def _regression_local():
    gen = np.random.default_rng(2)
    x = np.linspace(0, 1, 80)
    y = np.sin(3 * x) + gen.normal(0, 0.2, 80)
    return frechet_regression(y=y, x=x, bandwidth=0.3)


@register(FrechetRegressionResult)
def _regression_global_wasserstein():
    gen = np.random.default_rng(3)
    x = gen.uniform(0, 1, 60)
    Q = x[:, None] + np.sort(gen.normal(size=(60, 15)), axis=1)
    return frechet_regression(y=Q, x=x, space=Wasserstein(n_grid=15), method="global")


@register(FrechetAnovaResult)
def _anova_asymptotic():
    gen = np.random.default_rng(4)
    y = np.r_[gen.normal(0, 1, 60), gen.normal(0.3, 1.2, 60)]
    return frechet_anova(y=y, groups=np.repeat(["a", "b"], 60))


@register(FrechetAnovaResult)
def _anova_permutation():
    gen = np.random.default_rng(5)
    Q = np.sort(gen.normal(size=(30, 10)), axis=1) * np.repeat([1.0, 1.5], 15)[:, None]
    return frechet_anova(
        y=Q, groups=np.repeat([0, 1], 15), space=Wasserstein(n_grid=10), n_resamples=99, rng=3
    )


@register(FrechetJumpResult)
def _jump_cv_cluster():
    gen = np.random.default_rng(6)
    x = gen.uniform(-1, 1, 240)
    y = 0.4 * x + 0.8 * (x >= 0) + gen.normal(0, 0.5, 240)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TuningWarning)  # a linear mean: the CV loss is flat
        return frechet_jump(y=y, x=x, cutoff=0.0, cluster=np.arange(240) // 2, rng=1)


@register(FrechetChangePointResult)
def _changepoint_wasserstein():
    gen = np.random.default_rng(7)
    Q = np.sort(gen.normal(size=(40, 10)), axis=1) * np.r_[np.ones(25), 1.6 * np.ones(15)][:, None]
    return frechet_changepoint(Q, space=Wasserstein(n_grid=10), n_resamples=49, rng=2)
