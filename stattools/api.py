"""The R-style namespace: which public name lives where.

``import stattools as st`` resolves these lazily (PEP 562), so importing stattools stays
fast and each family is imported only when one of its names is first used.
Each entry maps a public name to ``"module"`` (the name is an attribute of that module)
or ``"module:"`` (the name *is* that module).
"""

from __future__ import annotations

EXPORTS: dict[str, str] = {
    # ---------------------------------------------------------------- core
    "Design": "stattools.core.formula",
    "Summary": "stattools.core.summary",
    "ResultBase": "stattools.core.results",
    "TestResult": "stattools.core.results",
    "InvalidTestResult": "stattools.core.results",
    "Estimate": "stattools.core.results",
    "parallel_map": "stattools.core.resampling",
    "simulation_study": "stattools.core.simulation",
    "SimulationResult": "stattools.core.simulation",
    "options": "stattools.core.options",
    "summary": "stattools.generics",
    "coef": "stattools.generics",
    "confint": "stattools.generics",
    "vcov": "stattools.generics",
    "tidy": "stattools.generics",
    "glance": "stattools.generics",
    "nobs": "stattools.generics",
    "predict": "stattools.generics",
    "residuals": "stattools.generics",
    "augment": "stattools.generics",
    "compare": "stattools.generics",
    "datasets": "stattools.datasets:",
    "core": "stattools.core:",
    # ---------------------------------------------------------------- duration
    "duration": "stattools.duration:",
    "acd": "stattools.duration",
    "ACD": "stattools.duration",
    "durations": "stattools.duration",
    "diurnal_adjust": "stattools.duration",
    "simulate_acd": "stattools.duration",
    "infinite_mean_test": "stattools.duration",
    # ---------------------------------------------------------------- conformal
    "conformal": "stattools.conformal:",
    "crc": "stattools.conformal",
    "split_conformal": "stattools.conformal",
    "conformal_regression": "stattools.conformal",
    "conformal_multilabel": "stattools.conformal",
    "conformal_sequential": "stattools.conformal",
    "conformal_classification": "stattools.conformal",
    "ltt": "stattools.conformal",
    "rcps": "stattools.conformal",
    "weights": "stattools.conformal.weights:",
    "losses": "stattools.conformal.losses:",
    # ---------------------------------------------------------------- nonstationary
    "nonstationary": "stattools.nonstationary:",
    "mean_test": "stattools.nonstationary",
    "cusum_test": "stattools.nonstationary",
    "trend": "stattools.nonstationary",
    "weighted_test": "stattools.nonstationary",
    "breakpoints": "stattools.nonstationary",
    "fluctuation_test": "stattools.nonstationary",
    "f_test_breaks": "stattools.nonstationary",
    "tv_regression": "stattools.nonstationary",
    # ---------------------------------------------------------------- frechet
    "frechet": "stattools.frechet:",
    "frechet_regression": "stattools.frechet",
    "frechet_jump": "stattools.frechet",
    "frechet_anova": "stattools.frechet",
    "frechet_changepoint": "stattools.frechet",
    "spaces": "stattools.frechet:",
    # ---------------------------------------------------------------- mixture
    "mixture": "stattools.mixture:",
    "dpmm": "stattools.mixture",
    "MixingMeasure": "stattools.mixture",
    "wasserstein": "stattools.mixture",
    "orlicz_wasserstein": "stattools.mixture",
    "merge_truncate_merge": "stattools.mixture",
    "contraction_study": "stattools.mixture",
    "partition_estimate": "stattools.mixture",
}
