"""Non-exchangeable (nexCP) weights for the online methods ACI, AgACI and EnbPI.

Barber, Candès, Ramdas & Tibshirani (2023, "Conformal prediction beyond
exchangeability", Ann. Statist.) replace the split-conformal quantile by the
``1 - alpha`` quantile of the weighted distribution

    sum_i w~_i delta_{R_i} + w~_{n+1} delta_{+inf},   w~_i = w_i / (sum_j w_j + 1),

with fixed (data-independent) weights ``w_i in [0, 1]`` on the past scores and weight 1 on
the test point. The half-width is the smallest past score ``R_(k)`` with
``sum_{R_i <= R_(k)} w_i >= (1 - alpha) (sum_i w_i + 1)``, and ``+inf`` if none. With unit
weights this is the ``ceil((n + 1)(1 - alpha))``-th smallest score, today's rule, and the
code takes the unweighted path exactly. Coverage loses at most
``sum_i w~_i d_TV(Z, Z^i)`` (their coverage bound for fixed weights; the theorem number was
not re-checked against the paper), so weights that fall with the age of a score protect
against drift.

ACI keeps its deterministic long-run guarantee with any weights: the proof of Gibbs & Candès
(2021, Prop. 4.1) only needs the interval to be infinite for ``alpha_t <= 0`` and empty for
``alpha_t >= 1``, which the weighted quantile keeps (the test point's mass makes the level
``1 - alpha_t >= 1`` unreachable). Rolling risk control (RRC) has no calibration quantile
(it updates the half-width by a gradient step on the realised loss), so calibration weights
have nothing to act on; ``conformal_sequential(method="rrc", weights=...)`` raises.

Weights are given as

* a fixed scheme with weights in [0, 1], e.g. ``st.weights.decay(0.99)``
  (``w_i = rho^(t - t_i)``, evaluated with the row index as time);
* a callable of the lags ``f(lag) -> w`` with ``lag = t - t_i >= 1``, values in [0, 1];
* an array ``v`` of lag weights: a score ``k`` steps old has weight ``v[k - 1]``, older
  scores weight 0 (``np.ones(W)`` is a sliding window of the last ``W`` steps).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.exceptions import DataError
from ..core.validation import describe_positions
from .weights import WeightScheme, _Uniform

__all__ = ["LagWeights", "resolve_online_weights", "weighted_half_width", "weighted_half_widths"]


class LagWeights:
    """Weights of past scores as a function of their times and the test time.

    ``LagWeights(fn, name)(times, t)`` returns the checked weights in [0, 1].

    Examples
    --------
    >>> lw = resolve_online_weights(np.array([1.0, 0.5]))
    >>> lw(np.array([0, 3, 4]), 5).tolist()
    [0.0, 0.5, 1.0]
    """

    def __init__(self, fn: Callable[[np.ndarray, int], Any], name: str) -> None:
        self.fn, self.name = fn, name

    def __call__(self, times: np.ndarray, t: int) -> np.ndarray:
        w = np.asarray(self.fn(np.asarray(times), int(t)), dtype=float)
        if w.shape != np.shape(times):
            raise DataError(
                f"weights gave {w.shape} values for {np.size(times)} past scores; give one "
                "weight per lag."
            )
        bad = ~np.isfinite(w) | (w < 0) | (w > 1)
        if bad.any():
            raise DataError(
                "weights of past scores must lie in [0, 1] (the test point has weight 1); "
                f"invalid at {describe_positions(bad)}."
            )
        return w


def resolve_online_weights(weights: Any) -> LagWeights | None:
    """Turn ``weights=`` of an online method into :class:`LagWeights` (``None``: uniform).

    Raises
    ------
    DataError
        Anything but ``None``, a fixed (bounded) weight scheme, a callable of lags or a
        1-D array of lag weights in [0, 1]; covariate-shift or kernel schemes (they need
        features and have no online guarantee).

    Examples
    --------
    >>> import stattools as st
    >>> lw = resolve_online_weights(st.weights.decay(0.5))
    >>> lw(np.array([0, 1]), 2).tolist()
    [0.25, 0.5]
    >>> resolve_online_weights(st.weights.uniform()) is None
    True
    """
    if weights is None or isinstance(weights, _Uniform):
        return None
    if isinstance(weights, WeightScheme):
        if not weights.bounded or weights.guarantee != "non-exchangeable":
            raise DataError(
                f"weights={weights.name!r} cannot weight the past scores of an online method: "
                "give fixed non-exchangeable weights (st.weights.decay(rho), a callable of the "
                "lag, or an array of lag weights); covariate-shift and kernel weights need "
                "features of a test point and have no online guarantee."
            )
        scheme = weights

        def from_scheme(times: np.ndarray, t: int) -> np.ndarray:
            if times.size == 0:
                return np.zeros(0)
            return np.asarray(
                scheme.weights(times.size, time=times.astype(float), test_time=float(t))[0]
            )

        return LagWeights(from_scheme, scheme.name)
    if callable(weights):
        fn = weights

        def from_callable(times: np.ndarray, t: int) -> np.ndarray:
            return np.asarray(fn(t - np.asarray(times, dtype=float)), dtype=float)

        return LagWeights(from_callable, f"lag function {getattr(fn, '__name__', 'callable')}")
    if isinstance(weights, str | bytes | bool):
        raise DataError(
            f"weights must be a weight scheme (st.weights.decay(rho)), a callable of the lag "
            f"or an array of lag weights; got {weights!r}."
        )
    try:
        v = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise DataError("weights must be an array of lag weights in [0, 1].") from None
    if v.ndim != 1 or v.size == 0:
        raise DataError(f"weights as lag weights must be a non-empty 1-D array; got {v.shape}.")
    bad = ~np.isfinite(v) | (v < 0) | (v > 1)
    if bad.any():
        raise DataError(
            f"weights (lag weights) must lie in [0, 1]; invalid at {describe_positions(bad)}."
        )
    lagv = v.copy()

    def from_array(times: np.ndarray, t: int) -> np.ndarray:
        lag = t - np.asarray(times, dtype=np.int64)
        inside = (lag >= 1) & (lag <= lagv.size)
        return np.where(inside, lagv[np.clip(lag - 1, 0, lagv.size - 1)], 0.0)

    return LagWeights(from_array, f"lag weights ({v.size} lags)")


def weighted_half_widths(resid: np.ndarray, w: np.ndarray, alphas: Any) -> np.ndarray:
    """nexCP half-widths at miscoverage levels ``alphas`` (one sort, test mass at +inf).

    ``inf`` for ``alpha <= 0`` or when the level is not reached, 0 for ``alpha >= 1``.

    Examples
    --------
    >>> weighted_half_widths(np.array([3.0, 1.0, 2.0]), np.ones(3), [0.5, 0.2]).tolist()
    [2.0, inf]
    """
    a = np.atleast_1d(np.asarray(alphas, dtype=float))
    out = np.full(a.shape, math.inf)
    out[a >= 1.0] = 0.0
    live = (a > 0.0) & (a < 1.0)
    if resid.size == 0 or not live.any():
        return out
    order = np.argsort(resid, kind="stable")
    cw = np.cumsum(w[order])
    total = float(cw[-1]) + 1.0
    tol = 1e-9 + 4.0 * np.finfo(float).eps * total
    k = np.searchsorted(cw, total * (1.0 - a[live]) - tol, side="left")
    s = resid[order]
    out[live] = np.where(k < s.size, s[np.minimum(k, s.size - 1)], math.inf)
    return out


def weighted_half_width(resid: np.ndarray, w: np.ndarray, alpha_t: float) -> float:
    """Scalar :func:`weighted_half_widths`.

    Examples
    --------
    >>> weighted_half_width(np.arange(1.0, 20.0), np.ones(19), 0.1)
    18.0
    """
    return float(weighted_half_widths(resid, w, [alpha_t])[0])
