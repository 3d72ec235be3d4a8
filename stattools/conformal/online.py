"""Online baselines for :func:`~stattools.conformal.conformal_sequential`: ACI and RRC.

* **ACI** (Gibbs & Candès 2021): the interval at step t is the split-conformal quantile of
  the past calibration residuals at level ``1 - alpha_t``, with
  ``alpha_{t+1} = alpha_t + gamma (alpha - err_t)`` (``alpha_t <= 0`` gives an infinite
  interval, ``alpha_t >= 1`` an empty one). Long-run miscoverage -> alpha for any data.
* **RRC**, rolling risk control (Feldman, Ringel, Bates & Romano 2023): the half-width is
  updated directly, ``lambda_{t+1} = lambda_t + gamma (L_t(lambda_t) - alpha)``, for a
  loss nonincreasing in lambda; the long-run mean loss -> alpha.
* **AgACI** (Zaffran, Féron, Goude, Josse & Dieuleveut 2022): K ACI experts with step sizes
  ``gammas`` run side by side; the lower and upper bounds are aggregated separately by
  Bernstein Online Aggregation (BOA, Wintenberger 2017) with the gradient trick on the
  pinball loss at levels ``alpha/2`` (lower) and ``1 - alpha/2`` (upper), as in the paper
  (which uses the R package opera). :class:`BOA` follows opera's ``BOA`` (uniform prior,
  adaptive per-expert learning rates ``min(1/B, sqrt(log K / V))``). Infinite expert bounds
  (``alpha_t <= 0``) enter the aggregation as ``yhat_t -/+ max calibration residual`` (the
  paper replaces them by a finite value too; its exact choice was not confirmed).

**Weights.** ``lagw`` (a :class:`~stattools.conformal.online_weights.LagWeights`) replaces
the split-conformal quantile of ACI and of each AgACI expert by the nexCP weighted
quantile of the past calibration residuals (test point's mass at +inf; see
:mod:`stattools.conformal.online_weights`). ``lagw=None`` is the unweighted rule exactly.

Not confirmed from the source: the exact update forms (spec §9); both are implemented as
stated above, with ``alpha_1 = alpha`` and ``lambda_1`` the split-conformal half-width of
the warm-up calibration points.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .online_weights import LagWeights, weighted_half_width, weighted_half_widths
from .weights import effective_sample_size

__all__ = ["BOA", "walk_online", "walk_agaci", "aci_half_width", "pinball"]


def aci_half_width(resid: np.ndarray, alpha_t: float) -> float:
    """Split-conformal half-width at miscoverage ``alpha_t`` (``inf``/0 outside (0, 1))."""
    n = resid.size
    if alpha_t >= 1.0:
        return 0.0
    if alpha_t <= 0.0 or n == 0:
        return math.inf
    k = math.ceil((n + 1) * (1.0 - alpha_t) - 1e-9)
    return math.inf if k > n else float(np.partition(resid, k - 1)[k - 1])


def walk_online(
    kind: str,
    fit_predict: Callable[[np.ndarray], np.ndarray],
    y: np.ndarray,
    loss: str,
    B: float,
    alpha: float,
    is_cal: np.ndarray,
    warmup: int,
    stop: int,
    refit_every: int | None,
    gamma: float,
    lagw: LagWeights | None = None,
) -> tuple[dict[str, list], int]:
    """Run ACI (``kind="aci"``) or RRC (``"rrc"``) from ``warmup`` to ``stop``.

    ``fit_predict(train_idx)`` returns predictions for every row. Returns the step rows
    (same columns as the CRC walks) and the number of steps with an infinite interval.
    ``lagw`` (ACI only) weights the past residuals (nexCP).
    """
    idx = np.arange(y.size)
    rows: dict[str, list] = {
        k: [] for k in ("step", "method", "lambda_hat", "loss", "size", "feasible", "n_w", "ess")
    }
    pred: Any = None
    alpha_t = alpha
    lam = math.nan
    n_inf = 0
    name = "ACI" if kind == "aci" else "RRC"
    for t in range(warmup, stop):
        if pred is None or (refit_every is not None and (t - warmup) % refit_every == 0):
            pred = fit_predict(idx[:t][~is_cal[:t]])
        cal = idx[:t][is_cal[:t]]
        resid = np.abs(y[cal] - pred[cal])
        w = None if lagw is None else lagw(cal, t)
        if kind == "aci":
            lam_t = (
                aci_half_width(resid, alpha_t)
                if w is None
                else weighted_half_width(resid, w, alpha_t)
            )
        else:
            if math.isnan(lam):
                lam = aci_half_width(resid, alpha)
                lam = B if math.isinf(lam) else lam
            lam_t = max(lam, 0.0)
        dist = max(abs(float(y[t] - pred[t])) - lam_t, 0.0)
        miss = float(dist > 0)
        real = min(B, dist) if loss == "hinge" else miss
        if kind == "aci":
            alpha_t += gamma * (alpha - miss)
        else:
            lam = lam + gamma * (real - alpha)
        n_inf += math.isinf(lam_t)
        rows["step"].append(t)
        rows["method"].append(name)
        rows["lambda_hat"].append(lam_t)
        rows["loss"].append(real)
        rows["size"].append(2.0 * lam_t)
        rows["feasible"].append(math.isfinite(lam_t))
        rows["n_w"].append(float(cal.size) if w is None else float(w.sum()))
        rows["ess"].append(float(cal.size) if w is None else float(effective_sample_size(w)))
    return rows, n_inf


def pinball(y: float, q: np.ndarray, tau: float) -> np.ndarray:
    """Pinball (quantile) loss of the predictions ``q`` of the ``tau``-quantile of ``y``."""
    d = y - q
    return np.maximum(tau * d, (tau - 1.0) * d)


class BOA:
    """Bernstein Online Aggregation of K experts under the pinball loss (gradient trick).

    Follows the R package opera's ``BOA`` (Wintenberger 2017) with a uniform prior.
    :meth:`weights` gives the current weights, :meth:`update` feeds one observation.

    Examples
    --------
    >>> import numpy as np
    >>> boa = BOA(2, tau=0.9)
    >>> for y in np.random.default_rng(0).normal(size=200):
    ...     boa.update(np.array([0.0, 1.28]), y)  # the second expert is the 0.9-quantile
    >>> bool(boa.weights()[1] > 0.5)
    True
    """

    def __init__(self, K: int, tau: float) -> None:
        self.K, self.tau = K, tau
        self.log_w0 = math.log(1.0 / K)
        self.eta = np.ones(K)
        self.r_reg = np.zeros(K)
        self.V = np.zeros(K)
        self.B = np.full(K, 2.0**-20)

    def weights(self) -> np.ndarray:
        """Current aggregation weights (sum to one)."""
        a = np.log(self.eta) + self.log_w0 + self.eta * self.r_reg
        w = np.exp(a - a.max())
        return w / w.sum()

    def update(self, experts: np.ndarray, y: float) -> None:
        """Update with the experts' predictions and the observation ``y``."""
        pred = float(self.weights() @ experts)
        grad = float(y < pred) - self.tau  # pinball gradient at the aggregate
        r = grad * (pred - experts)  # instantaneous linearised regret
        self.B = np.maximum(self.B, np.abs(r))
        B2 = 2.0 ** np.ceil(np.log2(self.B))
        self.V += r * r
        with np.errstate(divide="ignore"):
            self.eta = np.minimum(1.0 / B2, np.sqrt(-self.log_w0 / self.V))
        self.r_reg += 0.5 * (r - self.eta * r * r + B2 * (self.eta * r > 0.5))


def walk_agaci(
    fit_predict: Callable[[np.ndarray], np.ndarray],
    y: np.ndarray,
    alpha: float,
    is_cal: np.ndarray,
    warmup: int,
    stop: int,
    refit_every: int | None,
    gammas: np.ndarray,
    lagw: LagWeights | None = None,
) -> tuple[dict[str, list], dict[str, Any]]:
    """Run AgACI from ``warmup`` to ``stop`` (see the module docstring).

    Returns the step rows (``loss`` = miscoverage of the aggregated interval,
    ``lambda_hat`` its half-width, ``size`` its width) and a dict with the final expert
    weights (``weights_lower``/``weights_upper``) and the experts' ``alpha_t``.
    """
    idx = np.arange(y.size)
    gammas = np.asarray(gammas, dtype=float)
    K = gammas.size
    rows: dict[str, list] = {
        k: [] for k in ("step", "method", "lambda_hat", "loss", "size", "feasible", "n_w", "ess")
    }
    alpha_t = np.full(K, float(alpha))
    agg_lo, agg_hi = BOA(K, alpha / 2.0), BOA(K, 1.0 - alpha / 2.0)
    pred: Any = None
    for t in range(warmup, stop):
        if pred is None or (refit_every is not None and (t - warmup) % refit_every == 0):
            pred = fit_predict(idx[:t][~is_cal[:t]])
        cal = idx[:t][is_cal[:t]]
        resid = np.abs(y[cal] - pred[cal])
        if lagw is None:
            w = None
            rmax = float(resid.max()) if resid.size else 0.0
            h = np.array([aci_half_width(resid, a) for a in alpha_t])
        else:
            w = lagw(cal, t)
            pos = resid[w > 0]
            rmax = float(pos.max()) if pos.size else 0.0
            h = weighted_half_widths(resid, w, alpha_t)
        h_agg = np.where(np.isinf(h), rmax, h)
        lo_k, hi_k = pred[t] - h_agg, pred[t] + h_agg
        lo, hi = float(agg_lo.weights() @ lo_k), float(agg_hi.weights() @ hi_k)
        yt = float(y[t])
        miss = float(not lo <= yt <= hi)
        # the experts' own ACI updates use their own (possibly infinite) intervals
        alpha_t = alpha_t + gammas * (alpha - (np.abs(yt - pred[t]) > h))
        agg_lo.update(lo_k, yt)
        agg_hi.update(hi_k, yt)
        rows["step"].append(t)
        rows["method"].append("AgACI")
        rows["lambda_hat"].append((hi - lo) / 2.0)
        rows["loss"].append(miss)
        rows["size"].append(hi - lo)
        rows["feasible"].append(True)
        rows["n_w"].append(float(cal.size) if w is None else float(w.sum()))
        rows["ess"].append(float(cal.size) if w is None else float(effective_sample_size(w)))
    info = {
        "weights_lower": agg_lo.weights(),
        "weights_upper": agg_hi.weights(),
        "alpha_t": alpha_t,
    }
    return rows, info
