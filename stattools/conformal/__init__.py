"""Conformal prediction and risk control, exchangeable and non-exchangeable.

Public functions: :func:`crc` (the single weighted rule, solved exactly),
:func:`split_conformal`, :func:`conformal_regression`, :func:`conformal_multilabel` and
:func:`conformal_sequential`; loss objects in :mod:`stattools.conformal.losses`
(``st.losses``) and weight schemes in :mod:`stattools.conformal.weights` (``st.weights``).
"""

from __future__ import annotations

from . import losses, weights
from .crc import CRCResult, crc, split_conformal
from .sequential import SequentialCRCResult, conformal_sequential
from .wrappers import (
    ConformalMultilabelResult,
    ConformalRegressionResult,
    conformal_multilabel,
    conformal_regression,
)

__all__ = [
    "crc",
    "split_conformal",
    "conformal_regression",
    "conformal_multilabel",
    "conformal_sequential",
    "CRCResult",
    "ConformalRegressionResult",
    "ConformalMultilabelResult",
    "SequentialCRCResult",
    "losses",
    "weights",
]
