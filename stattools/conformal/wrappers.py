"""Formula-level wrappers: conformal regression intervals and multilabel prediction sets."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import DataError
from ..core.formula import Design
from ..core.plotting import figure_axes
from ..core.results import ResultBase, readonly
from ..core.validation import as_float_array, check_level, check_option
from . import losses as _losses
from .crc import CRCResult, crc
from .weights import WeightScheme

__all__ = [
    "ConformalRegressionResult",
    "ConformalMultilabelResult",
    "conformal_regression",
    "conformal_multilabel",
    "fit_model",
    "predict_model",
]


# ----------------------------------------------------------------------------- models
def fit_model(model: Any, X: np.ndarray, y: np.ndarray, need: str = "predict") -> Any:
    """Fit ``"ols"`` (statsmodels OLS on our design) or an estimator with fit/``need``.

    Returns the OLS coefficient vector, or the fitted estimator.
    """
    if isinstance(model, str):
        check_option(model, "model", ("ols",))
        import statsmodels.api as sm

        return np.asarray(sm.OLS(y, X).fit().params, dtype=float)
    if not (hasattr(model, "fit") and hasattr(model, need)):
        raise DataError(
            f"model must be 'ols' or an estimator with fit(X, y) and {need}(X); got "
            f"{type(model).__name__}."
        )
    fitted = model.fit(X, y)
    return model if fitted is None else fitted


def predict_model(fitted: Any, X: np.ndarray) -> np.ndarray:
    """Predictions of a model returned by :func:`fit_model`."""
    if isinstance(fitted, np.ndarray):
        return X @ fitted
    return np.asarray(fitted.predict(X), dtype=float).ravel()


def _model_name(model: Any) -> str:
    return "OLS (statsmodels)" if isinstance(model, str) else type(model).__name__


def _features(X: pd.DataFrame) -> np.ndarray:
    cols = [c for c in X.columns if c != "Intercept"]
    return X[cols].to_numpy(dtype=float) if cols else np.zeros((len(X), 1))


# ----------------------------------------------------------------------------- regression
@dataclass(frozen=True, repr=False)
class ConformalRegressionResult(ResultBase):
    """Conformal prediction intervals ``yhat ± lambda_hat`` around a fitted regression.

    ``predict(newdata)`` returns ``fit``, ``lower``, ``upper``; ``evaluate(newdata)``
    reports realised coverage, hinge risk and width on labelled data.
    """

    calibration: CRCResult
    formula: str
    model_name: str
    loss: str
    design: Design
    fitted: Any
    cal_features: np.ndarray
    time_column: str | None = None
    weights_scheme: Any = None
    y_range: tuple[float, float] | None = None
    target_risk: float = math.nan
    bound: float = 1.0
    nobs: int = 0
    n_calibration: int = 0
    cal_residuals: np.ndarray | None = None
    method: str = "conformal regression"
    warnings: tuple[str, ...] = ()

    @property
    def params(self) -> pd.Series:
        """``lambda_hat`` (the interval half-width)."""
        return self.calibration.params

    @property
    def lambda_hat(self) -> Any:
        """The calibrated half-width."""
        return self.calibration.lambda_hat

    def _fit_values(self, newdata: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
        X = self.design.transform(newdata)
        fit = predict_model(self.fitted, X.to_numpy(dtype=float))
        if self.y_range is not None:
            fit = np.clip(fit, *self.y_range)
        return fit, X

    def _per_test(self) -> bool:
        s = self.weights_scheme
        return isinstance(s, WeightScheme) and (
            s.guarantee in ("heuristic", "covariate shift")
            or (self.time_column is not None and s.guarantee == "non-exchangeable")
        )

    def half_widths(self, newdata: pd.DataFrame) -> np.ndarray:
        """``lambda_hat`` for each row of ``newdata`` (recalibrated per test point when the
        weights depend on it: kernel, likelihood-ratio or time-decay weights)."""
        m = len(newdata)
        if not self._per_test():
            return np.full(m, float(np.atleast_1d(self.lambda_hat)[0]))
        X = self.design.transform(newdata)
        kw: dict[str, Any] = {"X": self.cal_features, "X_test": _features(X)}
        if self.time_column is not None:
            kw["time"] = self.calibration_times
            kw["test_time"] = newdata[self.time_column].to_numpy(dtype=float)
        res = crc(
            self._loss_object(),
            self.target_risk,
            weights=self.weights_scheme,
            **kw,
        )
        return np.broadcast_to(np.asarray(res.lambda_hat, float), (m,)).copy()

    @property
    def calibration_times(self) -> np.ndarray | None:
        """Time stamps of the calibration points (if ``time=`` was given)."""
        return None if self.cal_times_ is None else np.asarray(self.cal_times_)

    cal_times_: np.ndarray | None = None

    def _loss_object(self) -> _losses.Loss:
        if self.loss == "miscoverage":
            return _losses.miscoverage(self.cal_residuals)
        return _losses.interval_hinge(self.cal_residuals, bound=self.bound)

    def predict(self, newdata: pd.DataFrame) -> pd.DataFrame:
        """Point predictions and conformal intervals: columns ``fit``, ``lower``, ``upper``."""
        fit, _ = self._fit_values(newdata)
        h = self.half_widths(newdata)
        return pd.DataFrame({"fit": fit, "lower": fit - h, "upper": fit + h}, index=newdata.index)

    def evaluate(self, newdata: pd.DataFrame) -> pd.DataFrame:
        """Realised coverage, mean hinge loss (capped at B) and mean width on labelled data."""
        pred = self.predict(newdata)
        y = newdata[self.design.response[0]].to_numpy(dtype=float)
        dist = np.maximum(np.maximum(pred["lower"] - y, y - pred["upper"]), 0.0).to_numpy()
        width = (pred["upper"] - pred["lower"]).to_numpy()
        return pd.DataFrame(
            {
                "coverage": [float((dist == 0).mean())],
                "hinge_risk": [float(np.minimum(dist, self.bound).mean())],
                "mean_width": [float(np.mean(width))],
                "n": [len(y)],
            }
        )

    def _title(self) -> str:
        return f"Conformal regression: {self.formula}"

    def _summary_header(self) -> list[tuple[str, Any]]:
        c = self.calibration
        return [
            ("Model", self.model_name),
            ("Loss", c.loss_name),
            ("Weights", c.weights_name),
            ("Guarantee", c.guarantee),
            ("Target risk", c.target_risk),
            ("Bound B", c.bound),
            ("Training points", self.nobs),
            ("Calibration points", self.n_calibration),
        ]

    def _summary_tables(self, level: float) -> dict[str, pd.DataFrame]:
        return self.calibration._summary_tables(level)

    def _summary_notes(self) -> list[str]:
        out = self.calibration._summary_notes()
        if self._per_test():
            out.append(
                "The weights depend on the test point: predict() recalibrates lambda_hat "
                "for each new row; the table is for one representative point."
            )
        out.append(
            "Intervals are yhat ± lambda_hat"
            + (f"; predictions are clipped to y_range={self.y_range}." if self.y_range else ".")
        )
        return out

    def _glance_stats(self) -> dict[str, Any]:
        return {**self.calibration._glance_stats(), "n_calibration": self.n_calibration}

    def _plot(self, kind: str | None, ax, **kwargs):
        kind = check_option(kind or "risk", "kind", ("risk", "residuals"))
        if kind == "risk":
            return self.calibration._plot("risk", ax, **kwargs)
        fig, ax = figure_axes(ax)
        r = np.asarray(self.cal_residuals)
        ax.hist(r, bins=min(50, max(10, r.size // 20)), **kwargs)
        lam = float(np.atleast_1d(self.lambda_hat)[0])
        if math.isfinite(lam):
            ax.axvline(lam, color="C3", label=f"lambda_hat = {lam:.4g}")
            ax.legend()
        ax.set_xlabel("|residual| on the calibration set")
        return fig


def conformal_regression(
    formula: str,
    data: pd.DataFrame,
    *,
    calibration: pd.DataFrame,
    model: Any = "ols",
    loss: str = "miscoverage",
    target_risk: float | None = None,
    level: float | None = None,
    bound: float | None = None,
    y_range: tuple[float, float] | None = None,
    weights: Any = None,
    time: str | None = None,
    na_action: str = "raise",
) -> ConformalRegressionResult:
    """Fit a regression on ``data`` and calibrate conformal intervals on ``calibration``.

    Parameters
    ----------
    formula : str
        ``"y ~ x1 + x2"``.
    data, calibration : pandas.DataFrame
        Training and calibration sets (disjoint).
    model : "ols" or estimator
        ``"ols"`` fits statsmodels OLS on the formula's design matrix; any object with
        ``fit(X, y)``/``predict(X)`` (e.g. a scikit-learn estimator) is fitted on it.
    loss : {"miscoverage", "hinge"}
        ``"miscoverage"``: split conformal intervals with coverage ``>= level``.
        ``"hinge"``: the lambda-insensitive absolute loss ``min(B, (|r| - lambda)_+)``
        controlled at ``target_risk``.
    target_risk, level : float
        ``level`` (coverage) for miscoverage (or ``target_risk = 1 - level``);
        ``target_risk`` for the hinge loss.
    bound : float, optional
        ``B`` of the hinge loss (or give ``y_range``).
    y_range : (lo, hi), optional
        Known response range: predictions are clipped to it and ``B = hi - lo``.
    weights : None, WeightScheme or array (n_cal,)
        As in :func:`~stattools.conformal.crc`. Kernel and likelihood-ratio weights, and
        decay weights with ``time=``, are recomputed for each test point in ``predict``.
    time : str, optional
        Column of time stamps (calibration and new data) for decay weights.
    na_action : {"raise", "drop"}

    Returns
    -------
    ConformalRegressionResult

    Raises
    ------
    DataError
        Missing ``level``/``target_risk``, unknown loss, or invalid data.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import stattools as st
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"x": rng.normal(size=400)})
    >>> df["y"] = 2 * df["x"] + rng.normal(size=400)
    >>> fit = st.conformal_regression("y ~ x", data=df[:200], calibration=df[200:], level=0.9)
    >>> pred = fit.predict(pd.DataFrame({"x": [0.0]}))
    >>> bool(pred["upper"].iloc[0] - pred["lower"].iloc[0] > 2.5)
    True
    """
    loss = check_option(loss, "loss", ("miscoverage", "hinge"))
    design = Design.from_formula(formula, data, na_action=na_action)
    if len(design.response) != 1:
        raise DataError("conformal_regression needs exactly one response on the left of '~'.")
    cols = [c for c in ([time] if time else []) if c not in calibration.columns]
    if cols:
        raise KeyError(f"time column {time!r} is not in calibration.")
    ycol = design.response[0]
    if ycol not in calibration.columns:
        raise KeyError(f"response column {ycol!r} is not in calibration.")
    y = design.y[ycol].to_numpy(dtype=float)
    fitted = fit_model(model, design.X.to_numpy(dtype=float), y)
    Xc = design.transform(calibration)
    yc = as_float_array(calibration[ycol], ycol, ndim=1)
    if np.isnan(yc).any():
        raise DataError(f"response column {ycol!r} has NaN values in calibration.")
    fit_c = predict_model(fitted, Xc.to_numpy(dtype=float))
    if y_range is not None:
        lo, hi = (float(v) for v in y_range)
        if not hi > lo:
            raise DataError(f"y_range must be (lo, hi) with lo < hi, got {y_range!r}.")
        fit_c = np.clip(fit_c, lo, hi)
        y_range = (lo, hi)
        if bound is None:
            bound = hi - lo
    resid = np.abs(yc - fit_c)
    if loss == "miscoverage":
        if level is None and target_risk is None:
            raise DataError("loss='miscoverage' needs level= (coverage) or target_risk=.")
        alpha = 1.0 - check_level(level) if level is not None else float(target_risk)
        loss_obj: _losses.Loss = _losses.miscoverage(resid)
    else:
        if target_risk is None:
            raise DataError("loss='hinge' needs target_risk= (and bound= or y_range=).")
        alpha = float(target_risk)
        loss_obj = _losses.interval_hinge(resid, bound=bound)
    kw: dict[str, Any] = {"X": _features(Xc)}
    tcal = None
    if time is not None:
        tcal = calibration[time].to_numpy(dtype=float)
        kw["time"] = tcal
    per_test = isinstance(weights, WeightScheme) and weights.guarantee in (
        "heuristic",
        "covariate shift",
    )
    if per_test:
        kw["X_test"] = kw["X"][:1]  # calibration summary for a representative point
    cal = crc(loss_obj, alpha, weights=weights, **kw)
    return ConformalRegressionResult(
        calibration=cal,
        formula=formula,
        model_name=_model_name(model),
        loss=loss,
        design=design,
        fitted=fitted,
        cal_features=readonly(kw["X"]),
        time_column=time,
        weights_scheme=weights if isinstance(weights, WeightScheme) else None,
        y_range=y_range,
        target_risk=alpha,
        bound=float(loss_obj.bound),
        nobs=design.nobs,
        n_calibration=len(resid),
        cal_residuals=readonly(resid),
        cal_times_=None if tcal is None else readonly(tcal),
        warnings=cal.warnings,
    )


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
