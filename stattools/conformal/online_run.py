"""Dispatch of the online methods of :func:`~stattools.conformal.conformal_sequential`.

ACI, AgACI, EnbPI (optionally with nexCP weights on the past scores, see
:mod:`stattools.conformal.online_weights`) and RRC (unweighted only).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.exceptions import DataError, NotSupportedError
from ..core.resampling import as_seed_sequence, seed_record
from .enbpi import walk_enbpi
from .online import walk_agaci, walk_online
from .online_weights import LagWeights, resolve_online_weights

__all__ = ["online_weights_for", "run_online"]

_DEFAULT_GAMMAS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1]


def online_weights_for(method: str, weights: Any) -> LagWeights | None:
    """Resolve ``weights=`` for an online ``method`` (``None``: unweighted).

    Raises
    ------
    NotSupportedError
        ``method="rrc"`` with weights: RRC has no calibration quantile to weight.
    DataError
        Weights that are not fixed non-exchangeable weights (see
        :func:`~stattools.conformal.online_weights.resolve_online_weights`).

    Examples
    --------
    >>> online_weights_for("aci", None) is None
    True
    """
    if method == "rrc" and weights is not None:
        raise NotSupportedError(
            "weights are not supported with method='rrc': rolling risk control updates the "
            "half-width by a gradient step on the realised loss, lambda_{t+1} = lambda_t + "
            "gamma (L_t - alpha), and uses no calibration quantile that weights could act on "
            "(its long-run guarantee holds for any sequence). Use method='aci' with weights, "
            "or method='crc' with weights for non-exchangeable CRC."
        )
    return resolve_online_weights(weights)


def run_online(
    method: str,
    *,
    fit_predict: Callable[[np.ndarray], np.ndarray],
    model: Any,
    task: str,
    Xm: np.ndarray,
    y: np.ndarray,
    loss: str,
    B: float,
    alpha: float,
    is_cal: np.ndarray,
    warmup: int,
    stop: int,
    refit_every: int | None,
    gamma: float | None,
    gammas: Any,
    n_bootstrap: int,
    batch: int,
    rng: Any,
    lagw: LagWeights | None,
) -> tuple[dict[str, list], Any]:
    """Run one online method; return its step rows and the seed record (EnbPI) or None."""
    if task != "regression intervals":
        raise DataError(f"method={method!r} supports the regression task (formula) only.")
    if method == "agaci":
        gs = np.asarray(_DEFAULT_GAMMAS if gammas is None else gammas, dtype=float).ravel()
        if gs.size == 0 or not np.all(np.isfinite(gs) & (gs > 0)):
            raise DataError("gammas must be a non-empty array of positive step sizes.")
        rows, _ = walk_agaci(
            fit_predict, y, alpha, is_cal, warmup, stop, refit_every, gs, lagw=lagw
        )
        return rows, None
    if method == "enbpi":
        if int(n_bootstrap) < 2 or int(batch) < 1:
            raise DataError("n_bootstrap must be >= 2 and batch >= 1.")
        ss = as_seed_sequence(rng)
        rows, _ = walk_enbpi(
            model,
            Xm,
            y,
            alpha,
            warmup,
            stop,
            int(n_bootstrap),
            np.random.default_rng(ss),
            int(batch),
            lagw=lagw,
        )
        return rows, seed_record(ss)
    g = (0.005 if method == "aci" else 0.05) if gamma is None else float(gamma)
    if not g > 0:
        raise DataError(f"gamma must be a positive step size, got {gamma!r}.")
    rows, _ = walk_online(
        method, fit_predict, y, loss, B, alpha, is_cal, warmup, stop, refit_every, g, lagw=lagw
    )
    return rows, None
