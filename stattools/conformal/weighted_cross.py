"""Weighted jackknife+, CV+ and J+aB: weighted quantiles of the "+" values.

With calibration weights ``w_i >= 0`` on the training points and a test weight
``w_{n+1} > 0`` (possibly ``+inf``), the interval at ``x`` is

``[ Q^-_alpha( sum_i w~_i delta_{mu_{-i}(x) - R_i} + w~_{n+1} delta_{-inf} ),
    Q_{1-alpha}( sum_i w~_i delta_{mu_{-i}(x) + R_i} + w~_{n+1} delta_{+inf} ) ]``

with ``w~_i = w_i / (sum_j w_j + w_{n+1})``, ``Q_tau`` the lower tau-quantile of a
distribution and ``Q^-_alpha(P) = -Q_{1-alpha}(P(-.))``. So the upper end is the smallest
``v_(k) = (mu_{-i}(x) + R_i)_(k)`` whose cumulative weight reaches
``(1 - alpha)(N_w + w_{n+1})`` (``N_w = sum_i w_i``), and ``+inf`` when the calibration
weights alone cannot reach it; the lower end mirrors it. With unit weights these are the
``ceil((1-alpha)(n+1))``-th smallest and the ``floor(alpha(n+1))``-th smallest values of
:func:`~stattools.conformal.cross.plus_interval` (the same ``1e-9`` snapping is used, in
units of the mean weight, so equal weights reproduce it exactly).

Guarantees: fixed (data-independent) weights with ``w_{n+1} = 1`` give the nonexchangeable
jackknife+ of Barber, Candès, Ramdas and Tibshirani (2023), coverage
``>= 1 - 2 alpha - sum_i w~_i d_TV(R(Z), R(Z^i))``; likelihood-ratio weights
``w_i = w(X_i)``, ``w_{n+1} = w(x)`` give JAW (Prinster, Liu and Saria 2022), coverage
``>= 1 - 2 alpha`` under covariate shift. Not confirmed from the source: the exact
section/theorem numbers of the nexCP jackknife+ result (the formula above is the weighted
analogue of the split rule ★ that the papers describe; their full text was not available
here); and the guarantees of the weighted CV+ and J+aB, which apply the same weighted
quantile to out-of-fold and out-of-bag values by analogy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.exceptions import ArgumentTypeError, DataError
from ..core.validation import as_float_array, check_finite
from .weights import WeightScheme, _LikelihoodRatio, checked_weights_range

__all__ = [
    "CrossWeights",
    "fixed_unbounded",
    "guarantee_note",
    "resolve_cross_weights",
    "time_stamps",
    "weighted_plus_interval",
]

_CHUNK_ENTRIES = 2**22  # (test rows x training points) sorted at once: 32 MB of float64

GUARANTEE_NOTES = {
    "exchangeable": "coverage >= {lo:g} (= 1 - 2 alpha) under exchangeability.",
    "non-exchangeable": (
        "coverage >= {lo:g} - sum_i w~_i d_TV(R(Z), R(Z^i)) for fixed weights (nonexchangeable "
        "jackknife+, Barber et al. 2023); the CV+/J+aB analogue is not confirmed from a source."
    ),
    "covariate shift": (
        "coverage >= {lo:g} under covariate shift with the true likelihood ratio (JAW, "
        "Prinster et al. 2022, for jackknife+); the CV+/J+aB analogue is not confirmed from "
        "a source."
    ),
    "heuristic": "data-dependent weights: no proven coverage guarantee.",
}


def _upper_ends(v: np.ndarray, w: np.ndarray, thr: np.ndarray) -> np.ndarray:
    """Smallest ``v[j, (k)]`` whose cumulative weight reaches ``thr[j]`` (``+inf`` if none)."""
    m = v.shape[0]
    order = np.argsort(v, axis=1, kind="stable")
    vs = np.take_along_axis(v, order, axis=1)
    ws = w[order] if w.ndim == 1 else np.take_along_axis(w, order, axis=1)
    hit = np.cumsum(ws, axis=1) >= thr[:, None]
    k = hit.argmax(axis=1)
    rows = np.arange(m)
    return np.where(hit[rows, k], vs[rows, k], np.inf)


def weighted_plus_interval(
    mu: np.ndarray, resid: np.ndarray, level: float, w: np.ndarray, w_test: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(lower, upper, unbounded)`` of the weighted "+" interval.

    Parameters
    ----------
    mu : ndarray, shape (m, n)
        ``mu[j, i] = mu_{-i}(x_j)``.
    resid : ndarray, shape (n,)
        ``R_i``.
    level : float
        ``1 - alpha``.
    w : ndarray, shape (n,) or (m, n)
        Calibration weights (shared, or one row per test point), ``>= 0``.
    w_test : ndarray, shape (m,)
        Test weights ``> 0`` or ``+inf`` (an infinite test weight gives ``(-inf, inf)``).

    Returns
    -------
    lower, upper : ndarray, shape (m,)
    unbounded : ndarray of bool, shape (m,)
        Rows where either end is infinite.

    Examples
    --------
    >>> mu, r = np.zeros((1, 19)), np.arange(1.0, 20.0)
    >>> lo, hi, unb = weighted_plus_interval(mu, r, 0.9, np.ones(19), np.ones(1))
    >>> float(lo[0]), float(hi[0]), bool(unb[0])
    (-18.0, 18.0, False)
    >>> lo, hi, unb = weighted_plus_interval(mu, r, 0.9, np.ones(19), np.array([3.0]))
    >>> float(hi[0]), bool(unb[0])
    (inf, True)
    """
    mu = np.asarray(mu, dtype=float)
    resid = np.asarray(resid, dtype=float)
    w = np.asarray(w, dtype=float)
    m, n = mu.shape
    wt = np.broadcast_to(np.asarray(w_test, dtype=float), (m,))
    inf = np.isinf(wt)
    wt_f = np.where(inf, 0.0, wt)
    n_w = w.sum(axis=-1) * np.ones(m)
    total = n_w + wt_f
    q = 1.0 - (1.0 - float(level))  # the expression plus_interval uses
    thr = q * total - 1e-9 * total / (n + 1)  # snapping in units of the mean weight
    lo = np.empty(m)
    up = np.empty(m)
    step = max(1, _CHUNK_ENTRIES // max(n, 1))
    for a in range(0, m, step):
        b = min(m, a + step)
        wc = w if w.ndim == 1 else w[a:b]
        up[a:b] = _upper_ends(mu[a:b] + resid[None, :], wc, thr[a:b])
        lo[a:b] = -_upper_ends(-(mu[a:b] - resid[None, :]), wc, thr[a:b])
    up[inf] = np.inf
    lo[inf] = -np.inf
    unbounded = ~(np.isfinite(lo) & np.isfinite(up))
    return lo, up, unbounded


@dataclass(frozen=True)
class CrossWeights:
    """Resolved weights of a weighted cross-conformal fit.

    ``w``/``w_test`` hold fixed weights; ``per_test`` schemes (kernel, likelihood ratio,
    decay with time stamps) are re-evaluated for every test point by :meth:`for_test`.
    """

    name: str
    guarantee: str
    per_test: bool
    n: int = 0
    w: np.ndarray | None = None
    w_test: float = 1.0
    scheme: Any = None
    features: np.ndarray | None = None
    times: np.ndarray | None = None

    def for_test(self, X_test: np.ndarray, test_time: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """``(w, w_test)`` for ``m`` test rows: ``w`` of shape (n,) or (m, n), ``w_test`` (m,)."""
        m = X_test.shape[0]
        if not self.per_test:
            return np.asarray(self.w), np.full(m, self.w_test)
        n = self.n
        w, wt = self.scheme.weights(
            n, time=self.times, test_time=test_time, X=self.features, X_test=X_test
        )
        w = checked_weights_range(w, n, bounded=self.scheme.bounded, name="weights")[0]
        wt = np.broadcast_to(np.asarray(wt, dtype=float), (m,)).copy()
        if np.isnan(wt).any() or (wt < 0).any():
            raise DataError("weights: the test weights must be >= 0 without NaN.")
        return w, wt


def _check_total(w: np.ndarray, what: str) -> None:
    if not (np.asarray(w).sum(axis=-1) > 0).all():
        raise DataError(
            f"weights: {what} are all zero; at least one training point needs a positive "
            "weight (every interval would be (-inf, inf))."
        )


def resolve_cross_weights(
    weights: Any,
    n: int,
    *,
    features: np.ndarray,
    feature_names: list[str],
    times: np.ndarray | None = None,
) -> CrossWeights | None:
    """Validate ``weights`` for ``n`` training points (``None`` stays unweighted).

    Accepts a :class:`~stattools.conformal.weights.WeightScheme` (as for split CP) or a
    fixed vector of ``n`` weights in [0, 1] with test weight 1 (nexCP). Likelihood ratios
    are evaluated on the design columns without the intercept (``features``).

    Raises
    ------
    ArgumentTypeError
        ``weights`` is neither a scheme nor numeric.
    DataError
        Wrong length, NaN, negative, above 1 (fixed vectors), infinite or all-zero weights.

    Examples
    --------
    >>> cw = resolve_cross_weights([0.5, 1.0], 2, features=np.zeros((2, 1)),
    ...                            feature_names=["x"])
    >>> cw.guarantee, cw.w.tolist(), cw.w_test
    ('non-exchangeable', [0.5, 1.0], 1.0)
    """
    if weights is None:
        return None
    if isinstance(weights, str | bytes | bool | dict) or callable(weights):
        raise ArgumentTypeError(
            "weights must be None, a weight scheme from st.weights or an array of one "
            f"weight per training row; got {type(weights).__name__}. A likelihood-ratio "
            "function goes in st.weights.likelihood_ratio(ratio=f)."
        )
    if isinstance(weights, WeightScheme):
        if isinstance(weights, _LikelihoodRatio):
            weights.check_features(feature_names)
        per_test = weights.guarantee in ("heuristic", "covariate shift") or (
            times is not None and weights.guarantee == "non-exchangeable"
        )
        cw = CrossWeights(
            name=weights.name,
            guarantee=weights.guarantee,
            per_test=per_test,
            n=n,
            scheme=weights,
            features=features,
            times=times,
        )
        if per_test:  # validate the training weights now, at a representative test point
            w, _ = cw.for_test(features[:1], None if times is None else times[-1:])
            _check_total(w if w.ndim == 1 else w[0], "the training weights")
            return cw
        w, wt = weights.weights(n, time=times, X=features, X_test=features[:1])
        w = checked_weights_range(w, n, bounded=weights.bounded, name="weights")[0]
        _check_total(w, "the training weights")
        return CrossWeights(
            name=weights.name,
            guarantee=weights.guarantee,
            per_test=False,
            n=n,
            w=w,
            w_test=float(np.asarray(wt).ravel()[0]),
        )
    a = as_float_array(weights, "weights", ndim=(1, 2))
    if a.ndim != 1 or a.size != n:
        raise DataError(
            f"weights must have one entry per training row ({n}); got shape {a.shape}. "
            "Per-test weight matrices are not supported by the cross methods: use a scheme "
            "from st.weights (kernel, likelihood_ratio, decay with time=)."
        )
    w = checked_weights_range(a, n, bounded=True, name="weights")[0]
    _check_total(w, "the weights")
    unit = bool((w == 1.0).all())
    return CrossWeights(
        name="uniform" if unit else "fixed vector",
        guarantee="exchangeable" if unit else "non-exchangeable",
        per_test=False,
        n=n,
        w=w,
        w_test=1.0,
    )


def fixed_unbounded(cw: CrossWeights, n: int, level: float) -> bool:
    """Whether fixed weights make every interval infinite (the weights cannot reach
    ``(1 - alpha)(N_w + w_{n+1})``); per-test weights are checked at prediction.

    Examples
    --------
    >>> cw = CrossWeights("fixed vector", "non-exchangeable", False, n=5, w=np.full(5, 0.1))
    >>> fixed_unbounded(cw, 5, 0.9)
    True
    """
    if cw.per_test:
        return False
    w = np.asarray(cw.w)
    _, _, unb = weighted_plus_interval(
        np.zeros((1, n)), np.zeros(n), level, w, np.array([cw.w_test])
    )
    return bool(unb[0])


def time_stamps(frame: Any, column: str | None) -> np.ndarray | None:
    """Time stamps of ``frame[column]`` (finite), or ``None``.

    Examples
    --------
    >>> import pandas as pd
    >>> time_stamps(pd.DataFrame({"t": [1, 2]}), "t").tolist()
    [1.0, 2.0]
    """
    if column is None:
        return None
    return check_finite(as_float_array(frame[column], column, ndim=1), column)


def guarantee_note(guarantee: str, level: float) -> str:
    """The coverage statement of the weighted methods (``1 - 2 alpha`` based).

    Examples
    --------
    >>> guarantee_note("exchangeable", 0.9)
    'coverage >= 0.8 (= 1 - 2 alpha) under exchangeability.'
    """
    return GUARANTEE_NOTES[guarantee].format(lo=max(0.0, 2.0 * level - 1.0))
