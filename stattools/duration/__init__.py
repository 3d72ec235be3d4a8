"""Duration models: ACD(p, q) and log-ACD fits, infinite-mean tests, tail index.

Public names: :func:`acd` (= :meth:`ACD.from_formula` + fit), :class:`ACD`,
:func:`durations`, :func:`diurnal_adjust`, :func:`simulate_acd`,
:func:`infinite_mean_test`, the innovation laws (:class:`Exponential`, :class:`Weibull`,
:class:`Burr`, :class:`GeneralizedGamma`, :class:`GeneralizedF`, :class:`QWeibull`,
:class:`MixQWeibullExponential`) and the results (:class:`ACDResult`,
:class:`ACDBayesResult`).
"""

from __future__ import annotations

from .bayes import ACDBayesResult
from .data import diurnal_adjust, durations
from .distributions import (
    Burr,
    Exponential,
    GeneralizedF,
    GeneralizedGamma,
    Innovation,
    MixQWeibullExponential,
    QWeibull,
    Weibull,
)
from .inference import infinite_mean_test, kappa_exponential, ljung_box, tail_index
from .model import ACD, acd
from .results import ACDResult
from .simulate import simulate_acd

__all__ = [
    "acd",
    "ACD",
    "durations",
    "diurnal_adjust",
    "simulate_acd",
    "infinite_mean_test",
    "tail_index",
    "ljung_box",
    "kappa_exponential",
    "Innovation",
    "Exponential",
    "Weibull",
    "Burr",
    "GeneralizedGamma",
    "GeneralizedF",
    "QWeibull",
    "MixQWeibullExponential",
    "ACDResult",
    "ACDBayesResult",
]
