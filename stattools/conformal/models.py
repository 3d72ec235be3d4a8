"""Point and quantile models behind the conformal wrappers (composition, no inheritance).

A model argument is ``"ols"``/``"wls"`` (statsmodels on our design matrix), ``"quantreg"``
(statsmodels ``QuantReg``, for CQR), or any estimator with ``fit``/``predict`` (e.g. a
scikit-learn estimator). With ``prefit=True`` an already fitted estimator is used as it is
and never refitted.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import ConvergenceWarning, DataError
from ..core.results import augment_frame
from ..core.validation import check_option

__all__ = ["fit_model", "predict_model", "model_name", "QuantileModels", "fit_quantiles"]


@dataclass(frozen=True)
class _Linear:
    """Coefficients of a statsmodels OLS/WLS/QuantReg fit on our design matrix."""

    params: np.ndarray
    kind: str

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X, dtype=float) @ self.params


def _check_prefit(model: Any, need: str) -> Any:
    if isinstance(model, str) or not hasattr(model, need):
        raise DataError(
            f"prefit=True needs a fitted estimator with {need}(X) as model=, got "
            f"{type(model).__name__}."
        )
    return model


def fit_model(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    need: str = "predict",
    *,
    prefit: bool = False,
    fit_weights: np.ndarray | None = None,
) -> Any:
    """Fit ``"ols"``/``"wls"`` (statsmodels on our design) or an estimator with fit/``need``.

    ``prefit=True`` returns ``model`` untouched (it must already be fitted). ``"wls"``
    needs ``fit_weights`` (positive, one per training row).
    """
    if prefit:
        return _check_prefit(model, need)
    if isinstance(model, str):
        kind = check_option(model, "model", ("ols", "wls"))
        import statsmodels.api as sm

        if kind == "wls":
            if fit_weights is None:
                raise DataError("model='wls' needs fit_weights= (a column or array of weights).")
            return _Linear(np.asarray(sm.WLS(y, X, weights=fit_weights).fit().params), "wls")
        return _Linear(np.asarray(sm.OLS(y, X).fit().params, dtype=float), "ols")
    if not (hasattr(model, "fit") and hasattr(model, need)):
        raise DataError(
            f"model must be 'ols', 'wls' or an estimator with fit(X, y) and {need}(X); got "
            f"{type(model).__name__}."
        )
    if fit_weights is not None:
        fitted = model.fit(X, y, sample_weight=fit_weights)
    else:
        fitted = model.fit(X, y)
    return model if fitted is None else fitted


def predict_model(fitted: Any, X: np.ndarray) -> np.ndarray:
    """Predictions of a model returned by :func:`fit_model`."""
    return np.asarray(fitted.predict(X), dtype=float).ravel()


def model_name(model: Any, prefit: bool = False) -> str:
    """Short label for summaries."""
    if isinstance(model, str):
        return {"ols": "OLS (statsmodels)", "wls": "WLS (statsmodels)"}.get(
            model, "QuantReg (statsmodels)" if model == "quantreg" else model
        )
    if isinstance(model, tuple | list):
        return (
            "(" + ", ".join(type(m).__name__ for m in model) + ")" + (" prefit" if prefit else "")
        )
    return type(model).__name__ + (" (prefit)" if prefit else "")


@dataclass(frozen=True)
class QuantileModels:
    """Lower, upper and median quantile models of CQR."""

    lower: Any
    upper: Any
    median: Any

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(median, lower, upper)`` predictions."""
        return (
            predict_model(self.median, X),
            predict_model(self.lower, X),
            predict_model(self.upper, X),
        )


def _fit_one_quantile(model: Any, X: np.ndarray, y: np.ndarray, q: float) -> Any:
    if isinstance(model, str):
        check_option(model, "model", ("quantreg",))
        from statsmodels.regression.quantile_regression import QuantReg

        with warnings.catch_warnings(record=True) as rec:
            # statsmodels' IterationLimitWarning is re-issued as our ConvergenceWarning
            warnings.simplefilter("always")
            params = QuantReg(y, X).fit(q=q, max_iter=5000).params
        if any("iteration" in str(w.message).lower() for w in rec):
            warnings.warn(
                f"QuantReg (IRLS) did not converge for the {q:g} quantile in 5000 iterations; "
                "the CQR intervals stay valid (conformal calibration) but may be wider. "
                "Pass a scikit-learn QuantileRegressor(solver='highs') as model=.",
                ConvergenceWarning,
                stacklevel=4,
            )
        return _Linear(np.asarray(params, dtype=float), "quantreg")
    if not (hasattr(model, "fit") and hasattr(model, "predict") and hasattr(model, "set_params")):
        raise DataError(
            "model for method='cqr' must be 'quantreg', an estimator with fit/predict and a "
            "quantile parameter quantile= or alpha= set through set_params (e.g. scikit-learn "
            "GradientBoostingRegressor(loss='quantile') or QuantileRegressor), or with "
            "prefit=True a tuple (lower, upper, median) of fitted models."
        )
    est = copy.deepcopy(model)
    names = est.get_params() if hasattr(est, "get_params") else {}
    # scikit-learn QuantileRegressor: quantile=; GradientBoostingRegressor / LightGBM: alpha=
    est.set_params(**({"quantile": q} if "quantile" in names else {"alpha": q}))
    fitted = est.fit(X, y)
    return est if fitted is None else fitted


def fit_quantiles(
    model: Any, X: np.ndarray, y: np.ndarray, alpha: float, *, prefit: bool = False
) -> QuantileModels:
    """Fit the ``alpha/2``, ``1 - alpha/2`` and 0.5 quantile models of CQR.

    With ``prefit=True`` ``model`` is a tuple ``(lower, upper, median)`` of fitted models
    (the order of MAPIE's prefit CQR).
    """
    if prefit:
        if not (isinstance(model, tuple | list) and len(model) in (2, 3)):
            raise DataError(
                "method='cqr' with prefit=True needs model=(lower, upper, median) fitted models."
            )
        parts = [_check_prefit(m, "predict") for m in model]
        med = parts[2] if len(parts) == 3 else None
        if med is None:
            raise DataError("prefit CQR needs the median model as the third element of model=.")
        return QuantileModels(parts[0], parts[1], med)
    return QuantileModels(
        _fit_one_quantile(model, X, y, alpha / 2.0),
        _fit_one_quantile(model, X, y, 1.0 - alpha / 2.0),
        _fit_one_quantile(model, X, y, 0.5),
    )


def augment_intervals(result: Any, data: pd.DataFrame | None) -> pd.DataFrame:
    """broom's ``augment`` for an interval result with ``design`` and ``predict``: ``data``
    (default: the training design) plus ``.fitted``, ``.lower``, ``.upper`` and ``.resid``
    (when the response column is present). Shared by split and cross-conformal results."""
    frame = data
    if data is None:
        X = result.design.X.drop(columns="Intercept", errors="ignore")
        frame = pd.concat([result.design.y, X], axis=1)
    pred = result.predict(frame)
    ycol = result.design.response[0]
    resid = None
    if ycol in frame.columns:
        resid = frame[ycol].to_numpy(dtype=float) - pred["fit"].to_numpy()
    return augment_frame(
        data,
        pred["fit"].to_numpy(),
        resid,
        lower=pred["lower"].to_numpy(),
        upper=pred["upper"].to_numpy(),
        index=frame.index,
    )
