"""Conformal prediction and risk control, exchangeable and non-exchangeable.

Public functions: :func:`crc` (the single weighted rule, solved exactly),
:func:`split_conformal`, :func:`conformal_regression`, :func:`conformal_multilabel` and
:func:`conformal_sequential`; loss objects in :mod:`stattools.conformal.losses`
(``st.losses``) and weight schemes in :mod:`stattools.conformal.weights` (``st.weights``).
"""

from __future__ import annotations

from . import losses, weights
from .classification import ConformalClassificationResult, conformal_classification
from .crc import CRCResult, crc, split_conformal
from .cross import CrossConformalResult
from .highprob import LTTResult, ltt, rcps
from .regression import ConformalRegressionResult, conformal_regression
from .sequential import SequentialCRCResult, conformal_sequential
from .wrappers import ConformalMultilabelResult, conformal_multilabel

__all__ = [
    "crc",
    "split_conformal",
    "conformal_regression",
    "conformal_multilabel",
    "conformal_sequential",
    "ltt",
    "rcps",
    "conformal_classification",
    "ConformalClassificationResult",
    "CrossConformalResult",
    "LTTResult",
    "CRCResult",
    "ConformalRegressionResult",
    "ConformalMultilabelResult",
    "SequentialCRCResult",
    "losses",
    "weights",
]
