"""Contract-test factories for the core result classes."""

from __future__ import annotations

import numpy as np

from stattools.core.results import InvalidTestResult, TestResult
from stattools.core.simulation import SimulationResult, simulation_study
from tests._examples import register


@register(TestResult)
def _test_result():
    draws = np.random.default_rng(0).normal(size=200)
    return TestResult(
        statistic=1.2,
        pvalue=0.23,
        method="demo z-test",
        null_hypothesis="mu = 0",
        estimate=0.5,
        std_error=0.4,
        null_distribution=draws,
        n_resamples=200,
        nobs=50,
        critical_values={"5%": 1.96},
        extra={"bandwidth": 3, "grid": [1, 2]},
    )


@register(TestResult)
def _test_result_chi2():
    return TestResult(statistic=4.0, pvalue=0.0455, method="Wald", df=1)


@register(InvalidTestResult)
def _invalid():
    return InvalidTestResult("zero variance", method="CUSUM", nobs=10)


def _sim_normal(design, rng):
    return rng.normal(design["shift"], 1.0, size=design["n"])


def _sim_ttest(x):
    t = x.mean() / (x.std(ddof=1) / np.sqrt(x.size))
    return {"reject": bool(abs(t) > 1.96), "cover": bool(abs(t) <= 1.96), "t": float(t)}


@register(SimulationResult)
def _simulation_result():
    return simulation_study(
        _sim_normal,
        _sim_ttest,
        {"n": [20, 40], "shift": [0.0, 0.5]},
        30,
        rng=3,
        nominal={"reject": 0.05, "cover": (0.95, "lower")},
        progress=False,
    )
