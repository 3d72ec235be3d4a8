"""Local-linear Fréchet regression with two predictors (R ``LocDenReg`` with 2-D x).

Product kernel ``K(u_1 / h_1) K(u_2 / h_2)`` with ``h_j = h * sd(X_j)`` (``h`` in standard
deviation units); at each point the weights are the intercept row of the weighted least
squares fit on ``(1, X - x)``, ``s = K A (A' K A)^{-1} e_1``, and the prediction is the
weighted Fréchet mean ``argmin sum s_i d^2(Y_i, w)`` (a projection of the linear average
in Hilbert spaces).
"""

from __future__ import annotations

import numpy as np

from ._common import kernel_values
from .spaces import MetricSpace

__all__ = ["local_weights_2d", "predict_local_2d", "cv_bandwidth_2d", "CANDIDATES_2D"]

CANDIDATES_2D = np.geomspace(0.15, 1.5, 10)
"""Candidate bandwidths (in standard deviations of each predictor) of ``cv_bandwidth_2d``."""


def local_weights_2d(
    Xs: np.ndarray, x0: np.ndarray, h: float, kernel: str, exclude: int = -1
) -> np.ndarray | None:
    """Local-linear intercept weights at ``x0`` (scaled predictors), None if degenerate."""
    U = Xs - x0
    k = np.prod(kernel_values(U / h, kernel), axis=1)
    if exclude >= 0:
        k[exclude] = 0.0
    on = np.flatnonzero(k > 0)
    if on.size < Xs.shape[1] + 2:
        return None
    A = np.column_stack([np.ones(on.size), U[on]])
    M = A.T @ (k[on, None] * A)
    if np.linalg.cond(M) > 1e12:
        return None
    c = np.linalg.solve(M, np.eye(M.shape[0])[0])
    s = np.zeros(Xs.shape[0])
    s[on] = k[on] * (A @ c)
    return s


def predict_local_2d(
    Xs: np.ndarray,
    Z: np.ndarray,
    x0s: np.ndarray,
    h: float,
    kernel: str,
    space: MetricSpace,
    exclude: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Predictions at the rows of ``x0s`` (scaled like ``Xs``) and whether each is defined."""
    m = x0s.shape[0]
    preds = np.full((m, *Z.shape[1:]), np.nan)
    ok = np.zeros(m, dtype=bool)
    flat = Z.reshape(Z.shape[0], -1)
    for j in range(m):
        s = local_weights_2d(Xs, x0s[j], h, kernel, -1 if exclude is None else int(exclude[j]))
        if s is None:
            continue
        nz = s != 0
        if space.hilbert:
            preds[j] = space.project((s[nz] @ flat[nz]).reshape(Z.shape[1:]))
        else:
            preds[j] = space.weighted_mean(Z[nz], s[nz])
        ok[j] = True
    return preds, ok


def cv_bandwidth_2d(
    Xs: np.ndarray, Z: np.ndarray, kernel: str, space: MetricSpace, max_validation: int = 250
) -> tuple[float, np.ndarray]:
    """Leave-one-out bandwidth (sd units) over ``CANDIDATES_2D`` at up to ``max_validation``
    validation points (every ``n // max_validation``-th row, deterministic); ties within a
    relative 1e-6 go to the larger candidate. Returns the bandwidth and the scores."""
    from .bandwidth import choose_candidate

    n = Xs.shape[0]
    va = np.arange(n)[:: max(1, n // max_validation)][:max_validation]
    scores = np.full(CANDIDATES_2D.size, np.inf)
    for i, h in enumerate(CANDIDATES_2D):
        preds, ok = predict_local_2d(Xs, Z, Xs[va], h, kernel, space, exclude=va)
        if ok.all():  # a candidate must give a fit at every validation point
            scores[i] = float(space.dist2_pairs(Z[va][ok], preds[ok]).mean())
    if not np.isfinite(scores).any():
        return float(CANDIDATES_2D[-1]), scores
    scale = float(np.mean(space.dist2(Z, Z[n // 2])))
    return float(CANDIDATES_2D[choose_candidate(scores, scale)]), scores
