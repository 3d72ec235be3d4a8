"""Multilabel prediction sets with controlled FNR / 1 - best F1 (:func:`conformal_multilabel`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import DataError
from ..core.results import ResultBase
from ..core.validation import check_option
from . import losses as _losses
from .crc import CRCResult, crc

__all__ = ["ConformalMultilabelResult", "conformal_multilabel"]


# ----------------------------------------------------------------------------- multilabel
@dataclass(frozen=True, repr=False)
class ConformalMultilabelResult(ResultBase):
    """Multilabel prediction sets ``{k : f_k(x) >= 1 - lambda_hat}`` with controlled FNR."""

    calibration: CRCResult
    loss: str
    n_labels: int
    nobs: int = 0
    method: str = "conformal multilabel"
    warnings: tuple[str, ...] = ()

    @property
    def params(self) -> pd.Series:
        """``lambda_hat``."""
        return self.calibration.params

    @property
    def lambda_hat(self) -> Any:
        """The calibrated parameter (``1 - threshold``)."""
        return self.calibration.lambda_hat

    def predict_sets(self, probs: Any) -> np.ndarray:
        """Boolean ``(m, K)`` membership: label k is in the set if ``f_k >= 1 - lambda_hat``."""
        p = _losses._probs(probs, "probs")
        if p.shape[1] != self.n_labels:
            raise DataError(f"probs must have {self.n_labels} columns, got {p.shape[1]}.")
        lam = np.asarray(self.lambda_hat, float)
        lam = lam[:, None] if lam.ndim else lam
        # a tiny slack so that lambda_hat = 1 - f_k (a breakpoint) includes label k
        return p >= (1.0 - lam) - 1e-12

    def evaluate(self, probs: Any, labels: Any) -> pd.DataFrame:
        """Realised false-negative rate and mean set size on labelled test data."""
        sets = self.predict_sets(probs)
        y = _losses._labels(labels, sets.shape)
        card = y.sum(1)
        hit = (sets & y).sum(1)
        fnr = np.where(card > 0, 1.0 - hit / np.maximum(card, 1), 0.0)
        return pd.DataFrame(
            {
                "fnr": [float(fnr.mean())],
                "mean_set_size": [float(sets.sum(1).mean())],
                "n": [len(y)],
            }
        )

    def _title(self) -> str:
        return f"Conformal multilabel sets ({self.calibration.loss_name})"

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [("Labels", self.n_labels), *self.calibration._summary_header()]

    def _summary_tables(self, level: float) -> dict[str, pd.DataFrame]:
        return self.calibration._summary_tables(level)

    def _summary_notes(self) -> list[str]:
        return self.calibration._summary_notes()

    def _glance_stats(self) -> dict[str, Any]:
        return {**self.calibration._glance_stats(), "n_labels": self.n_labels}

    def _plot(self, kind: str | None, ax, **kwargs):
        return self.calibration._plot(kind, ax, **kwargs)


def conformal_multilabel(
    probs: Any,
    labels: Any,
    *,
    loss: str = "fnr",
    target_risk: float = 0.1,
    weights: Any = None,
    **kwargs: Any,
) -> ConformalMultilabelResult:
    """Calibrate multilabel prediction sets from a score matrix (FNR or 1 - best F1).

    Parameters
    ----------
    probs : array_like (n, K)
        Calibration scores in [0, 1].
    labels : array_like (n, K)
        0/1 label indicators (``loss="fnr"``), or candidate qualities in [0, 1]
        (``loss="best_f1"``).
    loss : {"fnr", "best_f1"}
    target_risk : float
    weights : None, WeightScheme or array
        As in :func:`~stattools.conformal.crc`.
    **kwargs
        Further arguments of :func:`~stattools.conformal.crc`.

    Returns
    -------
    ConformalMultilabelResult

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=(300, 4))
    >>> y = (rng.uniform(size=(300, 4)) < p).astype(int)
    >>> y[y.sum(1) == 0, 0] = 1
    >>> res = conformal_multilabel(p, y, target_risk=0.2)
    >>> res.predict_sets([[0.9, 0.1, 0.5, 0.3]]).tolist()
    [[True, False, True, False]]
    """
    loss = check_option(loss, "loss", ("fnr", "best_f1"))
    obj = _losses.fnr(probs, labels) if loss == "fnr" else _losses.best_f1(probs, labels)
    cal = crc(obj, target_risk, weights=weights, **kwargs)
    k = int(np.shape(probs)[1])
    return ConformalMultilabelResult(
        calibration=cal, loss=loss, n_labels=k, nobs=cal.nobs, warnings=cal.warnings
    )
