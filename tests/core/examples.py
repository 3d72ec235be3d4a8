"""Contract-test factories for the core result classes."""

from __future__ import annotations

import numpy as np

from stattools.core.results import InvalidTestResult, TestResult
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
