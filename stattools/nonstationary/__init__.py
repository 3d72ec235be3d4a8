"""Inference under non-stationarity: relative-CLT mean tests, robust CUSUM, trend bands.

Public functions: :func:`mean_test` (HAC-studentised means and contrasts),
:func:`cusum_test` (change in mean with dependent-multiplier critical values),
:func:`weighted_test` (MOSUM, EWMA and user-weighted sup-tests through the same engine)
and :func:`trend` (local-linear trend with pointwise and simultaneous bands). The engine
objects are multiplier schemes (:mod:`.multipliers`), lag kernels (:mod:`.kernels`),
long-run variances and tuning rules (:mod:`.lrv`), smoothing (:mod:`.smoothing`) and
linear functionals (:mod:`.windows`).

Not confirmed from the source
-----------------------------
The motivating paper, Palm and Nagler (2025, arXiv:2505.02197), was available only as
abstracts and a table of contents. Its confirmed message - statistics can be compared
with an evolving sequence of Gaussian processes, so studentised statistics and suitable
bootstraps remain valid under drifting variance and dependence - is what these tools
implement; the specific procedures, conditions and tuning constants are reconstructions
from Wu and Zhao (2007), Zhou (2013) and Buecher and Kojadinovic (2016).
"""

from . import windows
from .breakpoints import breakpoints
from .cusum import CusumTestResult, cusum_test, weighted_test
from .fluctuation import fluctuation_test, recursive_residuals
from .fstats import f_test_breaks
from .kernels import Bartlett, Epanechnikov, LagKernel, Parzen, QuadraticSpectral
from .lrv import auto_lags, hac, local_lrv, politis_white, select_block
from .mean import mean_test
from .multipliers import (
    ARMultiplier,
    BlockMultiplier,
    MovingAverageMultiplier,
    MultiplierScheme,
    multipliers,
)
from .results_breaks import BreakpointsResult, FluctuationTestResult, FStatsTestResult
from .results_tv import TVRegressionResult
from .smoothing import cv_bandwidth, local_linear_fit
from .trend import TrendResult, trend
from .tvreg import tv_regression
from .windows import EWMA, LinearFunctional, MovingSums, PartialSums, WeightMatrix, ewma, mosum

__all__ = [
    "breakpoints",
    "fluctuation_test",
    "f_test_breaks",
    "recursive_residuals",
    "BreakpointsResult",
    "FluctuationTestResult",
    "FStatsTestResult",
    "mean_test",
    "trend",
    "TrendResult",
    "tv_regression",
    "TVRegressionResult",
    "cusum_test",
    "weighted_test",
    "CusumTestResult",
    "multipliers",
    "MultiplierScheme",
    "MovingAverageMultiplier",
    "BlockMultiplier",
    "ARMultiplier",
    "LagKernel",
    "Bartlett",
    "Parzen",
    "QuadraticSpectral",
    "Epanechnikov",
    "hac",
    "auto_lags",
    "local_lrv",
    "politis_white",
    "select_block",
    "cv_bandwidth",
    "local_linear_fit",
    "windows",
    "LinearFunctional",
    "PartialSums",
    "MovingSums",
    "EWMA",
    "WeightMatrix",
    "mosum",
    "ewma",
]
