"""EnbPI, ensemble batch prediction intervals for time series (Xu & Xie 2021).

Used by :func:`~stattools.conformal.conformal_sequential` with ``method="enbpi"``.

1. Draw ``n_bootstrap`` iid bootstrap samples of the training rows (rows before the
   warm-up) and fit the model on each: ``f_1, ..., f_B``.
2. Leave-one-out ensemble: for a training row ``i``, ``f_{-i}`` is the mean of the models
   whose bootstrap sample does not contain ``i``; residual ``e_i = |y_i - f_{-i}(x_i)|``
   (rows contained in every sample have no out-of-bag model and are dropped).
3. Test prediction ``f(x_t)`` = mean over ``i`` of ``f_{-i}(x_t)`` (the paper's
   aggregation with the mean); interval ``f(x_t) ± q_t``, ``q_t`` the
   ``ceil((n + 1)(1 - alpha))``-th smallest of the ``n`` current residuals (infinite if
   that exceeds ``n``).
4. Sliding update: after every ``batch`` steps the new residuals ``|y_t - f(x_t)|`` are
   appended and as many of the oldest removed (the window keeps its length). The models are
   never refitted.

These steps equal MAPIE's ``TimeSeriesRegressor(method="enbpi", agg_function="mean")`` with
a symmetric absolute conformity score, given the same bootstrap samples (see the tests).
The paper's optional asymmetric (beta-optimised) intervals are not implemented.

**Weights** (``lagw``): the quantile of step 3 becomes the nexCP weighted quantile
(Barber et al. 2023) of the window's residuals, each weighted by its age (the training
residual of row ``i`` has time ``i``, a sliding-update residual the step it came from),
with the test point's mass at +inf; it is recomputed at every step, since the ages change.
``lagw=None`` is the unweighted rule exactly. See
:mod:`stattools.conformal.online_weights`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .models import fit_model, predict_model
from .online_weights import LagWeights, weighted_half_width
from .weights import effective_sample_size

__all__ = ["enbpi_ensemble", "walk_enbpi"]


def enbpi_ensemble(
    model: Any, X: np.ndarray, y: np.ndarray, n_train: int, boots: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit the bootstrap ensemble; return LOO residuals, all-row predictions and kept rows.

    Parameters
    ----------
    model : "ols" or estimator
    X, y : ndarray
        All rows (the first ``n_train`` train).
    n_train : int
    boots : ndarray of int, shape (B, n_train)
        Bootstrap indices into the training rows.

    Returns
    -------
    resid : ndarray, shape (n_kept,)
        Leave-one-out ensemble residuals of the training rows with an out-of-bag model.
    pred : ndarray, shape (T,)
        Aggregated prediction ``mean_i f_{-i}(x)`` for every row.
    kept : ndarray of bool, shape (n_train,)
        Training rows with at least one out-of-bag model.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([np.ones(60), rng.normal(size=60)])
    >>> y = X[:, 1] + rng.normal(size=60)
    >>> resid, pred, kept = enbpi_ensemble("ols", X, y, 50, rng.integers(0, 50, (20, 50)))
    >>> resid.shape, pred.shape, bool(kept.all())
    ((50,), (60,), True)
    """
    P = np.vstack([predict_model(fit_model(model, X[b], y[b]), X) for b in boots])
    inbag = np.zeros((boots.shape[0], n_train), dtype=bool)
    for k, b in enumerate(boots):
        inbag[k, b] = True
    oob = ~inbag
    n_oob = oob.sum(axis=0)
    kept = n_oob > 0
    # f_{-i}(x) = sum_b oob[b, i] f_b(x) / n_oob[i]; its mean over kept i is c @ P
    A = oob[:, kept] / n_oob[kept]
    loo_train = np.einsum("bi,bi->i", A, P[:, :n_train][:, kept])
    resid = np.abs(y[:n_train][kept] - loo_train)
    c = A.mean(axis=1)
    return resid, c @ P, kept


def _half_width(resid: np.ndarray, alpha: float) -> float:
    n = resid.size
    k = math.ceil((n + 1) * (1.0 - alpha) - 1e-9)
    return math.inf if k > n or n == 0 else float(np.partition(resid, k - 1)[k - 1])


def walk_enbpi(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    alpha: float,
    warmup: int,
    stop: int,
    n_bootstrap: int,
    gen: np.random.Generator,
    batch: int = 1,
    lagw: LagWeights | None = None,
) -> tuple[dict[str, list], dict[str, Any]]:
    """Run EnbPI from ``warmup`` to ``stop``; rows as the other online walks.

    Returns the step rows (``loss`` = miscoverage, ``lambda_hat`` the half-width) and a
    dict with the bootstrap indices ``boots``, the initial residuals and ``n_dropped``
    (training rows without an out-of-bag model).
    """
    boots = gen.integers(0, warmup, size=(n_bootstrap, warmup))
    resid0, pred, kept = enbpi_ensemble(model, X, y, warmup, boots)
    window = resid0.copy()
    times = np.flatnonzero(kept)  # the time of each window residual
    rows: dict[str, list] = {
        k: [] for k in ("step", "method", "lambda_hat", "loss", "size", "feasible", "n_w", "ess")
    }
    pending: list[float] = []
    q = _half_width(window, alpha)
    w = None
    for t in range(warmup, stop):
        if lagw is not None:
            w = lagw(times, t)
            q = weighted_half_width(window, w, alpha)
        e = abs(float(y[t] - pred[t]))
        rows["step"].append(t)
        rows["method"].append("EnbPI")
        rows["lambda_hat"].append(q)
        rows["loss"].append(float(e > q))
        rows["size"].append(2.0 * q)
        rows["feasible"].append(math.isfinite(q))
        rows["n_w"].append(float(window.size) if w is None else float(w.sum()))
        rows["ess"].append(float(window.size) if w is None else float(effective_sample_size(w)))
        pending.append(e)
        if len(pending) == batch:
            s = min(batch, window.size)
            window = np.concatenate([window[s:], np.asarray(pending[-s:])])
            times = np.concatenate([times[s:], np.arange(t + 1 - batch, t + 1)[-s:]])
            pending = []
            q = _half_width(window, alpha)
    info = {"boots": boots, "residuals": resid0, "n_dropped": int((~kept).sum()), "pred": pred}
    return rows, info
