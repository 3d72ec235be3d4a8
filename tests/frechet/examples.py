"""Contract-test factories for the Fréchet family's result classes."""

from __future__ import annotations

import numpy as np

from stattools.frechet import (
    SPD,
    FrechetJumpResult,
    FrechetRegressionResult,
    Wasserstein,
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
