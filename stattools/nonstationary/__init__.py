"""Inference under non-stationarity: relative-CLT mean tests, robust CUSUM, trend bands."""

from .cusum import CusumTestResult, cusum_test, weighted_test
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
from .trend import TrendResult, trend

__all__ = [
    "mean_test",
    "trend",
    "TrendResult",
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
]
