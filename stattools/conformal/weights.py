"""Weight schemes for non-exchangeable conformal risk control (``st.weights``).

A scheme turns calibration information (time stamps, features) into the weights of the
single weighted rule (★) of :func:`~stattools.conformal.crc`: calibration weights
``w_i`` (a vector, or an ``(m, n)`` matrix with one row per test point) and a test weight
``w_{n+1}`` per test point.

==========================  ==================  =========  ===============================
scheme                      w_i                 w_{n+1}    guarantee
==========================  ==================  =========  ===============================
:func:`uniform`             1                   1          exact under exchangeability
:func:`decay`               rho^(t - t_i)       1          non-X bound (fixed weights)
:func:`kernel`              ``K(|x-X_i|/h)``    1          heuristic (data-dependent)
:func:`likelihood_ratio`    w(X_i)              w(x)       exact under covariate shift
==========================  ==================  =========  ===============================

Examples
--------
>>> import stattools as st
>>> w, w_test = st.weights.decay(0.5).weights(3)
>>> w.tolist(), w_test
([0.125, 0.25, 0.5], 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from ..core.exceptions import DataError
from ..core.validation import as_float_array, check_finite, describe_positions

__all__ = [
    "WeightScheme",
    "uniform",
    "decay",
    "kernel",
    "likelihood_ratio",
    "effective_sample_size",
    "check_weights",
    "checked_weights_range",
]

Weights = tuple[np.ndarray, float | np.ndarray]


class WeightScheme:
    """Interface: ``weights(n, time=, test_time=, X=, X_test=) -> (w, w_test)``.

    Attributes
    ----------
    name : str
        Short description shown in summaries.
    guarantee : str
        ``"exchangeable"``, ``"non-exchangeable"`` (fixed weights; risk <= target +
        total-variation slack), ``"covariate shift"`` or ``"heuristic"``.
    bounded : bool
        Whether calibration weights must lie in [0, 1] (True for non-X weights).
    """

    name: str = ""
    guarantee: str = "exchangeable"
    bounded: bool = True

    def weights(
        self,
        n: int,
        *,
        time: Any = None,
        test_time: Any = None,
        X: Any = None,
        X_test: Any = None,
    ) -> Weights:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class _Uniform(WeightScheme):
    name: str = "uniform"
    guarantee: str = "exchangeable"

    def weights(self, n, *, time=None, test_time=None, X=None, X_test=None) -> Weights:
        return np.ones(n), 1.0


def uniform() -> WeightScheme:
    """Unit weights: standard (exchangeable) conformal risk control.

    Examples
    --------
    >>> uniform().weights(2)
    (array([1., 1.]), 1.0)
    """
    return _Uniform()


@dataclass(frozen=True)
class _Decay(WeightScheme):
    rho: float = 0.99
    name: str = "decay"
    guarantee: str = "non-exchangeable"

    def weights(self, n, *, time=None, test_time=None, X=None, X_test=None) -> Weights:
        if time is None:
            t = np.arange(n, dtype=float)
        else:
            t = check_finite(as_float_array(time, "time", ndim=1), "time")
            if t.size != n:
                raise DataError(f"time has {t.size} entries but there are {n} calibration points.")
        if test_time is None:
            tt: Any = (t.max() + 1.0) if time is not None else float(n)
        else:
            tt = check_finite(as_float_array(test_time, "test_time", ndim=(0, 1)), "test_time")
        tt_arr = np.asarray(tt, dtype=float)
        lag = tt_arr[..., None] - t if tt_arr.ndim else tt_arr - t
        if (lag < 0).any():
            raise DataError(
                "decay weights need calibration times <= test_time; "
                f"{describe_positions(lag < 0)} calibration point(s) lie after the test time."
            )
        w = self.rho**lag
        w_test = 1.0 if tt_arr.ndim == 0 else np.ones(tt_arr.size)
        return w, w_test


def decay(rho: float) -> WeightScheme:
    """Geometric decay with age: ``w_i = rho ** (t_test - t_i)``, test weight 1.

    Without ``time`` the calibration points are taken as equally spaced in their order
    and the test point as the next one, so ``w_i = rho ** (n + 1 - i)`` (Farinhas et al.
    2024, eq. 12). Fixed (data-independent) weights in [0, 1]: the non-exchangeable bound
    ``E L <= alpha + B * sum_i w~_i d_TV(Z, Z^i)`` holds.

    Parameters
    ----------
    rho : float
        Decay factor in (0, 1].

    Returns
    -------
    WeightScheme

    Notes
    -----
    Minimising slack minus beta times entropy under a linear drift bound gives
    ``w_i ∝ rho^(n + 1 - i)``. Not confirmed from the source: our derivation of that
    objective gives ``exp(-(B - A) d_i / beta)``, the same family with beta reparameterised;
    the API therefore exposes ``rho`` only.

    References
    ----------
    Farinhas, A., Zerva, C., Ulmer, D., Martins, A. F. T. (2024). Non-exchangeable
    conformal risk control. ICLR.

    Examples
    --------
    >>> w, _ = decay(0.9).weights(3, time=[0.0, 1.0, 2.0], test_time=[2.0, 3.0])
    >>> w.round(3).tolist()
    [[0.81, 0.9, 1.0], [0.729, 0.81, 0.9]]
    """
    if isinstance(rho, str | bytes | bool) or not isinstance(rho, int | float | np.number):
        raise DataError(f"rho must be a number in (0, 1], got {rho!r}.")  # issue 10
    r = float(rho)
    if not 0.0 < r <= 1.0:
        raise DataError(f"rho must lie in (0, 1], got {rho!r}.")
    return _Decay(rho=r, name=f"decay(rho={r:g})")


_KERNELS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "gaussian": lambda u: np.exp(-0.5 * u * u),
    "epanechnikov": lambda u: np.clip(1.0 - u * u, 0.0, None),
    "uniform": lambda u: (u <= 1.0).astype(float),
}


@dataclass(frozen=True)
class _Kernel(WeightScheme):
    bandwidth: float = 1.0
    kernel: str = "gaussian"
    name: str = "kernel"
    guarantee: str = "heuristic"

    def weights(self, n, *, time=None, test_time=None, X=None, X_test=None) -> Weights:
        if X is None or X_test is None:
            raise DataError("kernel weights need the calibration features X and the test X_test.")
        xc = check_finite(as_float_array(X, "X", ndim=(1, 2)), "X")
        xt = check_finite(as_float_array(X_test, "X_test", ndim=(1, 2)), "X_test")
        xc = xc[:, None] if xc.ndim == 1 else xc
        xt = xt[None, :] if xt.ndim == 1 and xc.shape[1] > 1 else xt
        xt = xt[:, None] if xt.ndim == 1 else xt
        if xc.shape[0] != n:
            raise DataError(f"X has {xc.shape[0]} rows but there are {n} calibration points.")
        if xt.shape[1] != xc.shape[1]:
            raise DataError(
                f"X_test has {xt.shape[1]} columns but X has {xc.shape[1]}; they must match."
            )
        code = ("gaussian", "epanechnikov", "uniform").index(self.kernel)
        w = _kernel_matrix(
            np.ascontiguousarray(xt), np.ascontiguousarray(xc), float(self.bandwidth), code
        )
        return w, np.ones(xt.shape[0])


def _kernel_matrix(xt: np.ndarray, xc: np.ndarray, h: float, code: int) -> np.ndarray:
    """``K(||xt_j - xc_i|| / h)`` for every pair: compiled squared distances, then the
    profile in place with numpy's SIMD ufuncs (no further (m, n) temporaries)."""
    out = _scaled_sq_dist(xt, np.ascontiguousarray(xc.T), 1.0 / (h * h))
    if code == 0:
        out *= -0.5
        np.exp(out, out=out)
    elif code == 1:
        np.subtract(1.0, out, out=out)
        np.maximum(out, 0.0, out=out)
    else:
        np.less_equal(out, 1.0, out=out)  # 1.0 / 0.0 written into the float array
    return out


@numba.njit(cache=True, fastmath=True)
def _scaled_sq_dist(xt, xct, inv):  # pragma: no cover - compiled
    """``||xt_j - xc_i||^2 * inv`` with ``xct = xc.T`` (contiguous rows: SIMD over i)."""
    m, p, n = xt.shape[0], xct.shape[0], xct.shape[1]
    out = np.zeros((m, n))
    for j in range(m):
        for k in range(p):
            a = xt[j, k]
            for i in range(n):
                d = a - xct[k, i]
                out[j, i] += d * d
        for i in range(n):
            out[j, i] *= inv
    return out


def kernel(bandwidth: float, kernel: str = "gaussian") -> WeightScheme:
    """Similarity to the test point: ``w_ji = K(||x_j - X_i|| / bandwidth)``, in [0, 1].

    Gives an ``(m, n)`` weight matrix, one row per test point, handled by the vectorised
    per-test path of :func:`~stattools.conformal.crc`.

    Parameters
    ----------
    bandwidth : float
        Kernel bandwidth in the units of the features (positive).
    kernel : {"gaussian", "epanechnikov", "uniform"}
        Kernel profile with ``K(0) = 1``.

    Returns
    -------
    WeightScheme

    Notes
    -----
    The weights depend on the data, so the fixed-weight theorem does not apply; the appeal
    to Barber et al. (2023, §4.5) is not a proof. Results carry ``guarantee="heuristic"``.

    Examples
    --------
    >>> w, _ = kernel(1.0).weights(2, X=[[0.0], [1.0]], X_test=[[0.0]])
    >>> w.round(4).tolist()
    [[1.0, 0.6065]]
    """
    if isinstance(bandwidth, str | bytes | bool) or not isinstance(
        bandwidth, int | float | np.number
    ):  # issue 10
        raise DataError(f"bandwidth must be a positive number, got {bandwidth!r}.")
    h = float(bandwidth)
    if not (math.isfinite(h) and h > 0):
        raise DataError(f"bandwidth must be a positive number, got {bandwidth!r}.")
    if kernel not in _KERNELS:
        raise DataError(f"kernel must be one of {sorted(_KERNELS)}; got {kernel!r}.")
    return _Kernel(bandwidth=h, kernel=kernel, name=f"{kernel} kernel (bandwidth={h:g})")


@dataclass(frozen=True)
class _LikelihoodRatio(WeightScheme):
    ratio: Callable[[np.ndarray], Any] | None = None
    name: str = "likelihood ratio"
    guarantee: str = "covariate shift"
    bounded: bool = False
    n_features: int | None = None
    feature_names: tuple[str, ...] | None = None

    def check_features(self, names: list[str]) -> None:
        """Check the contract: the ratio is evaluated on exactly these feature columns.

        Raises
        ------
        DataError
            The classifier was trained on a different number of columns, or on columns
            with other names.
        """
        if self.feature_names is not None and list(self.feature_names) != list(names):
            raise DataError(
                "weights: the likelihood-ratio classifier was trained on columns "
                f"{list(self.feature_names)}, but the formula's design columns (without the "
                f"intercept) are {list(names)}. Train it on fit.design_features(frame) "
                "(or on a DataFrame with those columns)."
            )
        if self.n_features is not None and self.n_features != len(names):
            raise DataError(
                f"weights: the likelihood-ratio classifier was trained on {self.n_features} "
                f"column(s), but the formula's design has {len(names)} ({list(names)}). "
                "Train it on the design columns without the intercept."
            )

    def weights(self, n, *, time=None, test_time=None, X=None, X_test=None) -> Weights:
        if X is None or X_test is None:
            raise DataError(
                "likelihood-ratio weights need the calibration features X and the test X_test."
            )
        w = _ratio_values(self.ratio, X, "likelihood ratio at X")
        if w.size != n:
            raise DataError(f"X gives {w.size} weights but there are {n} calibration points.")
        return w, _ratio_values(self.ratio, X_test, "likelihood ratio at X_test")


def _ratio_values(fn, x, what: str) -> np.ndarray:
    v = as_float_array(fn(np.asarray(x, dtype=float)), what, ndim=(0, 1))
    v = np.atleast_1d(v)
    if np.isnan(v).any():
        raise DataError(f"{what} contains NaN values: {describe_positions(np.isnan(v))}.")
    if (v < 0).any():
        raise DataError(
            f"{what} has negative values: {describe_positions(v < 0)}; likelihood ratios "
            "dP_test/dP_train must be >= 0."
        )
    return v


def likelihood_ratio(
    classifier: Any = None,
    *,
    source: Any = None,
    target: Any = None,
    ratio: Callable[[np.ndarray], Any] | None = None,
    eps: float = 1e-6,
) -> WeightScheme:
    """Covariate-shift weights ``w(x) = dP_test/dP_train (x)`` (Tibshirani et al. 2019).

    Either give the ratio function (``ratio=``) or estimate it with a probabilistic
    classifier (anything with ``fit``/``predict_proba``, e.g. scikit-learn's
    ``LogisticRegression()``) trained to tell ``target`` (label 1) from ``source``
    (label 0): ``w(x) = p(x) / (1 - p(x)) * n_source / n_target`` with ``p`` clipped to
    ``[eps, 1 - eps]``.

    **Feature contract.** The ratio is evaluated on the same columns the classifier was
    trained on. :func:`~stattools.conformal.conformal_regression` evaluates it on the
    formula's design columns without the intercept (``fit.design_features(frame)``), so
    train the classifier on those: with DataFrames, the column names are recorded and
    checked; with arrays, the number of columns is checked. A mismatch raises
    :class:`~stattools.core.exceptions.DataError`. A ``ratio=`` callable receives the same
    design-column array and is the user's responsibility.

    Parameters
    ----------
    classifier : estimator, optional
        Unfitted classifier; fitted here on ``source`` and ``target``.
    source, target : array_like, shape (n_s, p) and (n_t, p)
        Features of the training/calibration and of the test distribution.
    ratio : callable, optional
        Known ratio ``ratio(X) -> (k,)`` of non-negative values.
    eps : float, default 1e-6
        Probability clipping.

    Returns
    -------
    WeightScheme
        Calibration weights ``w(X_i)`` (any positive scale) and test weights ``w(x)``.

    Raises
    ------
    DataError
        Neither ``ratio`` nor ``classifier`` with both samples; negative ratios.

    Examples
    --------
    >>> lr = likelihood_ratio(ratio=lambda x: np.exp(x[:, 0]))
    >>> w, w_test = lr.weights(2, X=[[0.0], [1.0]], X_test=[[0.5]])
    >>> w.round(3).tolist(), w_test.round(3).tolist()
    ([1.0, 2.718], [1.649])
    """
    if ratio is not None:
        if not callable(ratio):
            raise DataError("ratio must be a callable ratio(X) -> array of non-negative values.")
        return _LikelihoodRatio(ratio=ratio, name="likelihood ratio (given)")
    if classifier is None or source is None or target is None:
        raise DataError(
            "likelihood_ratio needs ratio=, or a classifier with source= and target= samples."
        )
    xs = check_finite(as_float_array(source, "source", ndim=2), "source")
    xt = check_finite(as_float_array(target, "target", ndim=2), "target")
    if xs.shape[1] != xt.shape[1]:
        raise DataError(
            f"source and target must have the same columns ({xs.shape[1]} vs {xt.shape[1]})."
        )
    if not (hasattr(classifier, "fit") and hasattr(classifier, "predict_proba")):
        raise DataError("classifier must have fit(X, y) and predict_proba(X).")
    names = _column_names(source, target)
    both: Any = np.vstack([xs, xt])
    if names is not None:
        import pandas as pd

        both = pd.DataFrame(both, columns=list(names))
    clf = classifier.fit(both, np.r_[np.zeros(len(xs)), np.ones(len(xt))])
    fitted = clf if clf is not None else classifier
    ratio_fn = _ClassifierRatio(fitted, len(xs) / len(xt), float(eps), names)
    return _LikelihoodRatio(
        ratio=ratio_fn,
        name=f"likelihood ratio ({type(classifier).__name__})",
        n_features=int(xs.shape[1]),
        feature_names=names,
    )


def _column_names(source: Any, target: Any) -> tuple[str, ...] | None:
    cs, ct = getattr(source, "columns", None), getattr(target, "columns", None)
    if cs is None and ct is None:
        return None
    if cs is None or ct is None or list(cs) != list(ct):
        raise DataError(
            "source and target must both be DataFrames with the same columns, or both arrays."
        )
    return tuple(str(c) for c in cs)


@dataclass(frozen=True)
class _ClassifierRatio:
    """``p / (1 - p) * n_source / n_target`` from a fitted probabilistic classifier."""

    classifier: Any
    scale: float
    eps: float
    feature_names: tuple[str, ...] | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.feature_names is not None:
            import pandas as pd

            x = pd.DataFrame(np.asarray(x, dtype=float), columns=list(self.feature_names))
        p = np.asarray(self.classifier.predict_proba(x))[:, 1]
        p = np.clip(p, self.eps, 1.0 - self.eps)
        return p / (1.0 - p) * self.scale


def effective_sample_size(w: Any) -> np.ndarray | float:
    """Kish effective sample size ``(sum w)^2 / sum w^2`` (per row for a matrix).

    Examples
    --------
    >>> float(effective_sample_size([1.0, 1.0, 0.0]))
    2.0
    """
    a = np.asarray(w, dtype=float)
    s2 = np.einsum("...i,...i->...", a, a)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(s2 > 0, a.sum(axis=-1) ** 2 / np.where(s2 > 0, s2, 1.0), 0.0)
    return out


def check_weights(w: Any, n: int, *, bounded: bool = True, name: str = "weights") -> np.ndarray:
    """Validate calibration weights: shape (n,) or (m, n), no NaN, >= 0, <= 1 if ``bounded``.

    Examples
    --------
    >>> check_weights([0.5, 1.0], 2).tolist()
    [0.5, 1.0]
    """
    return checked_weights_range(w, n, bounded=bounded, name=name)[0]


def checked_weights_range(
    w: Any, n: int, *, bounded: bool = True, name: str = "weights"
) -> tuple[np.ndarray, float, float]:
    """:func:`check_weights` that also returns the smallest and largest weight."""
    a = as_float_array(w, name, ndim=(1, 2))
    if a.shape[-1] != n:
        raise DataError(
            f"{name} must have {n} entries per row (one per calibration point); got shape "
            f"{a.shape}."
        )
    lo, hi = float(a.min()), float(a.max())  # two passes, no temporaries; NaN propagates
    if math.isnan(lo) or math.isnan(hi):
        raise DataError(f"{name} contain NaN values: {describe_positions(np.isnan(a))}.")
    if lo < 0:
        raise DataError(f"{name} must be >= 0; negative values: {describe_positions(a < 0)}.")
    if bounded and hi > 1:
        raise DataError(
            f"{name} must lie in [0, 1] for non-exchangeable CRC (the test point has weight "
            f"1); values above 1: {describe_positions(a > 1)}. Divide by their maximum, or use "
            "st.weights.likelihood_ratio for covariate-shift weights of any scale."
        )
    if not math.isfinite(hi):
        raise DataError(f"{name} must be finite.")
    return a, lo, hi
