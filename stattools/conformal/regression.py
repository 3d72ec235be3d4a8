"""Formula-level conformal regression: split CP, CQR, and the cross-conformal family.

:func:`conformal_regression` fits a model on ``data`` and calibrates on ``calibration``
(split methods: ``"split"`` intervals ``yhat ± lambda_hat`` and ``"cqr"`` intervals
``[q_lo - lambda_hat, q_hi + lambda_hat]``), all through the weighted rule (★) of
:func:`~stattools.conformal.crc`; ``"jackknife+"``, ``"cv+"`` and ``"jab+"`` are
delegated to :mod:`stattools.conformal.cross`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import BoundViolationWarning, DataError, InfeasibleRiskWarning
from ..core.formula import Design
from ..core.plotting import figure_axes
from ..core.resampling import check_n_jobs
from ..core.results import ResultBase, readonly
from ..core.validation import as_float_array, check_option
from . import losses as _losses
from .crc import CRCResult, check_strict_level, crc
from .models import augment_intervals, fit_model, fit_quantiles, model_name, predict_model
from .weights import WeightScheme, _LikelihoodRatio

__all__ = ["ConformalRegressionResult", "conformal_regression", "resolve_alpha"]


def _features(X: pd.DataFrame) -> np.ndarray:
    cols = [c for c in X.columns if c != "Intercept"]
    return X[cols].to_numpy(dtype=float) if cols else np.zeros((len(X), 1))


def resolve_alpha(level: Any, target_risk: Any, loss: str = "miscoverage") -> float:
    """``alpha`` from ``level`` (coverage) or ``target_risk``; both together raise."""
    if level is not None and target_risk is not None:
        raise DataError(
            "give level= (coverage) or target_risk= (risk), not both: level=0.9 means "
            "target_risk=0.1 for the miscoverage loss."
        )
    if loss == "hinge":
        if target_risk is None:
            raise DataError("loss='hinge' needs target_risk= (and bound= or y_range=).")
        if isinstance(target_risk, str | bool):
            raise DataError(f"target_risk must be a number, got {target_risk!r}.")
        return float(target_risk)
    if level is None and target_risk is None:
        raise DataError("loss='miscoverage' needs level= (coverage) or target_risk=.")
    if level is not None:
        return 1.0 - check_strict_level(level)
    return 1.0 - check_strict_level(1.0 - float(target_risk), "target_risk (as 1 - level)")


def _interval_bases(fitted: Any, interval: str, y_range: Any, X: np.ndarray) -> tuple:
    """``(fit, base_lower, base_upper)``: the point prediction and the interval base."""
    if interval == "cqr":
        fit, lo, hi = fitted.predict(X)
    else:
        fit = predict_model(fitted, X)
        lo = hi = fit
    if y_range is not None:
        fit, lo, hi = (np.clip(v, *y_range) for v in (fit, lo, hi))
    return fit, lo, hi


def _check_frame(df: Any, name: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{name} must be a pandas DataFrame, got {type(df).__name__}.")
    if len(df) == 0:
        raise DataError(f"{name} is empty (0 rows): conformal regression needs data.")
    return df


@dataclass(frozen=True, repr=False)
class ConformalRegressionResult(ResultBase):
    """Conformal prediction intervals around a fitted regression (split CP or CQR).

    ``predict(newdata)`` returns a DataFrame ``fit, lower, upper``; ``evaluate(newdata)``
    reports realised coverage, hinge risk and width on labelled data; ``augment(data)``
    adds ``.fitted, .lower, .upper, .resid`` to the data (broom).
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
    cal_times_: np.ndarray | None = None
    interval: str = "split"
    prefit: bool = False
    method: str = "conformal regression"
    warnings: tuple[str, ...] = ()

    @property
    def params(self) -> pd.Series:
        """``lambda_hat`` (the half-width, or the CQR correction)."""
        return self.calibration.params

    @property
    def lambda_hat(self) -> Any:
        """The calibrated half-width (split) or quantile correction (CQR)."""
        return self.calibration.lambda_hat

    @property
    def feature_names(self) -> list[str]:
        """Design columns without the intercept: what likelihood-ratio weights see."""
        return [c for c in self.design.X.columns if c != "Intercept"]

    def design_features(self, newdata: pd.DataFrame) -> pd.DataFrame:
        """The formula's design columns (without intercept) for ``newdata``: train a
        likelihood-ratio classifier on these (the contract of :func:`st.weights.likelihood_ratio
        <stattools.conformal.weights.likelihood_ratio>`)."""
        X = self.design.transform(newdata)
        return X[self.feature_names]

    def _bases(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _interval_bases(self.fitted, self.interval, self.y_range, X)

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
        res = crc(self._loss_object(), self.target_risk, weights=self.weights_scheme, **kw)
        return np.broadcast_to(np.asarray(res.lambda_hat, float), (m,)).copy()

    @property
    def calibration_times(self) -> np.ndarray | None:
        """Time stamps of the calibration points (if ``time=`` was given)."""
        return None if self.cal_times_ is None else np.asarray(self.cal_times_)

    def _loss_object(self) -> _losses.Loss:
        if self.loss == "miscoverage":
            return _losses.miscoverage(self.cal_residuals)
        return _losses.HingeLoss(a=np.asarray(self.cal_residuals), bound=self.bound)

    def predict(self, newdata: pd.DataFrame) -> pd.DataFrame:
        """Point predictions and conformal intervals: a DataFrame ``fit, lower, upper``.

        With ``y_range`` the intervals (also infinite ones) are intersected with it.
        """
        X = self.design.transform(newdata).to_numpy(dtype=float)
        fit, lo, hi = self._bases(X)
        h = self.half_widths(newdata)
        lower, upper = lo - h, hi + h
        if self.y_range is not None:
            lower = np.maximum(lower, self.y_range[0])
            upper = np.minimum(upper, self.y_range[1])
        return pd.DataFrame({"fit": fit, "lower": lower, "upper": upper}, index=newdata.index)

    def evaluate(self, newdata: pd.DataFrame) -> pd.DataFrame:
        """Realised coverage, mean hinge loss (capped at B) and mean width on labelled data.

        Infeasible test points are not warned about again (``predict`` and the fit do);
        their share is the column ``infinite share``.
        """
        with warnings.catch_warnings():
            # the infeasibility was already reported at fit/predict time (one warning)
            warnings.simplefilter("ignore", InfeasibleRiskWarning)
            pred = self.predict(newdata)
        y = newdata[self.design.response[0]].to_numpy(dtype=float)
        dist = np.maximum(np.maximum(pred["lower"] - y, y - pred["upper"]), 0.0).to_numpy()
        width = (pred["upper"] - pred["lower"]).to_numpy()
        return pd.DataFrame(
            {
                "coverage": [float((dist == 0).mean())],
                "hinge_risk": [float(np.minimum(dist, self.bound).mean())],
                "mean_width": [float(np.mean(width))],
                "infinite share": [float(np.mean(~np.isfinite(width)))],
                "n": [len(y)],
            }
        )

    def augment(self, data: pd.DataFrame | None = None) -> pd.DataFrame:
        """broom's ``augment``: ``data`` (default: the training rows' design) plus
        ``.fitted``, ``.lower``, ``.upper`` and ``.resid`` (when the response is present)."""
        return augment_intervals(self, data)

    def _title(self) -> str:
        kind = "CQR" if self.interval == "cqr" else "split"
        return f"Conformal regression ({kind}): {self.formula}"

    def _summary_header(self) -> list[tuple[str, Any]]:
        c = self.calibration
        return [
            ("Model", self.model_name),
            ("Interval", "CQR [q_lo - l, q_hi + l]" if self.interval == "cqr" else "yhat ± l"),
            ("Loss", c.loss_name),
            ("Weights", c.weights_name),
            ("Guarantee", c.guarantee),
            *c._target_rows(),
            ("Training points", self.nobs if not self.prefit else "prefit (not refitted)"),
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
        base = (
            "[q_lo - lambda_hat, q_hi + lambda_hat]"
            if self.interval == "cqr"
            else "yhat ± lambda_hat"
        )
        out.append(
            f"Intervals are {base}"
            + (
                f"; predictions and intervals are intersected with y_range={self.y_range}."
                if self.y_range
                else "."
            )
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
        ax.set_xlabel("conformity score on the calibration set")
        return fig


def conformal_regression(
    formula: str,
    data: pd.DataFrame | None = None,
    *,
    calibration: pd.DataFrame | None = None,
    model: Any = "ols",
    method: str = "split",
    loss: str = "miscoverage",
    target_risk: float | None = None,
    level: float | None = None,
    bound: float | None = None,
    y_range: tuple[float, float] | None = None,
    weights: Any = None,
    time: str | None = None,
    na_action: str = "raise",
    prefit: bool = False,
    fit_weights: Any = None,
    cv: int = 5,
    n_resamples: int = 30,
    rng: Any = None,
    n_jobs: int = 1,
    progress: bool | None = None,
) -> Any:
    """Fit a regression on ``data`` and calibrate conformal intervals on ``calibration``.

    Parameters
    ----------
    formula : str
        ``"y ~ x1 + x2"``.
    data, calibration : pandas.DataFrame
        Training and calibration sets (disjoint). With ``prefit=True`` ``data`` may be
        ``None`` (nothing is fitted). The cross methods use ``data`` only.
    model : "ols", "wls", "quantreg" or estimator
        ``"ols"``/``"wls"`` fit statsmodels on the formula's design matrix; any object with
        ``fit(X, y)``/``predict(X)`` is fitted on it. For ``method="cqr"``: ``"quantreg"``
        (statsmodels ``QuantReg``, the default there) or an estimator whose quantile is set
        by ``set_params(alpha=q)`` (e.g. scikit-learn ``GradientBoostingRegressor(
        loss="quantile")``).
    method : {"split", "cqr", "jackknife+", "cv+", "jab+"}
        Split conformal intervals ``yhat ± lambda_hat``; conformalized quantile regression
        (Romano, Patterson & Candès 2019) ``[q_lo - lambda_hat, q_hi + lambda_hat]`` with
        scores ``max(q_lo - y, y - q_hi)``; or the cross-conformal methods of Barber et al.
        (2021) and Kim, Xu & Barber (2020), see :func:`~stattools.conformal.cross.cross_conformal`.
    loss : {"miscoverage", "hinge"}
        ``"miscoverage"``: coverage ``>= level``. ``"hinge"``: the loss ``min(B, (s -
        lambda)_+)`` of the score ``s``, controlled at ``target_risk``.
    target_risk, level : float
        ``level`` (coverage) for miscoverage, or ``target_risk = 1 - level``;
        ``target_risk`` for the hinge loss. Giving both raises.
    bound : float, optional
        ``B`` of the hinge loss (or give ``y_range``).
    y_range : (lo, hi), optional
        Known response range: predictions are clipped to it, intervals (also infinite
        ones) are intersected with it and ``B = hi - lo``. Calibration responses outside
        it raise a :class:`BoundViolationWarning` with the count.
    weights : None, WeightScheme or array (n_cal,)
        As in :func:`~stattools.conformal.crc`. Kernel and likelihood-ratio weights, and
        decay weights with ``time=``, are recomputed for each test point in ``predict``.
        Likelihood ratios are evaluated on the design columns without the intercept
        (``fit.design_features(frame)``); the classifier's columns are checked. For the
        cross methods: weights of the ``data`` rows (weighted jackknife+/CV+/J+aB, see
        :func:`~stattools.conformal.cross.cross_conformal`).
    time : str, optional
        Column of time stamps (calibration and new data) for decay weights.
    na_action : {"raise", "drop"}
    prefit : bool, default False
        ``model`` is already fitted (for CQR: a tuple ``(lower, upper, median)``); it is
        used as it is and never refitted.
    fit_weights : str or array, optional
        Column of ``data`` (or array) of WLS weights for ``model="wls"`` (or
        ``sample_weight`` of an estimator).
    cv, n_resamples, rng :
        Folds of ``"cv+"``; bootstrap resamples and seed of ``"jab+"``.
    n_jobs, progress :
        For the cross methods: the leave-out models are fitted through
        :func:`stattools.parallel_map` (identical intervals whatever ``n_jobs``), with a
        progress bar counting fitted models. The split methods fit one model.

    Returns
    -------
    ConformalRegressionResult or CrossConformalResult

    Raises
    ------
    DataError
        Empty frames; ``level`` and ``target_risk`` together; missing ``level``/
        ``target_risk``; a string level; unknown loss or method; a likelihood-ratio
        classifier trained on other columns than the design.

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
    >>> cqr = st.conformal_regression("y ~ x", data=df[:200], calibration=df[200:],
    ...                               method="cqr", model="quantreg", level=0.9)
    >>> cqr.predict(pd.DataFrame({"x": [0.0]})).columns.tolist()
    ['fit', 'lower', 'upper']
    """
    method = check_option(method, "method", ("split", "cqr", "jackknife+", "cv+", "jab+"))
    check_n_jobs(n_jobs)
    loss = check_option(loss, "loss", ("miscoverage", "hinge"))
    alpha = resolve_alpha(level, target_risk, loss)
    if method in ("jackknife+", "cv+", "jab+"):
        from .cross import cross_conformal

        if loss != "miscoverage":
            raise DataError(f"method={method!r} supports loss='miscoverage' only.")
        return cross_conformal(
            formula,
            _check_frame(data, "data"),
            model=model,
            method=method,
            level=1.0 - alpha,
            cv=cv,
            n_resamples=n_resamples,
            rng=rng,
            na_action=na_action,
            n_jobs=n_jobs,
            progress=progress,
            weights=weights,
            time=time,
        )
    calibration = _check_frame(calibration, "calibration")
    if prefit and data is None:
        design = Design.from_formula(formula, calibration, na_action=na_action)
        n_train = 0
    else:
        design = Design.from_formula(formula, _check_frame(data, "data"), na_action=na_action)
        n_train = design.nobs
    if len(design.response) != 1:
        raise DataError("conformal_regression needs exactly one response on the left of '~'.")
    from ..core.exceptions import ColumnError  # a DataError and a KeyError (issue 10)

    if time and time not in calibration.columns:
        raise ColumnError(f"time column {time!r} is not in calibration.")
    ycol = design.response[0]
    if ycol not in calibration.columns:
        raise ColumnError(f"response column {ycol!r} is not in calibration.")
    Xtr = design.X.to_numpy(dtype=float)
    ytr = design.y[ycol].to_numpy(dtype=float)
    if method == "cqr":
        qmodel = "quantreg" if isinstance(model, str) and model == "ols" else model
        fitted: Any = fit_quantiles(qmodel, Xtr, ytr, alpha, prefit=prefit)
        name = model_name(qmodel, prefit)
    else:
        fw = None
        if fit_weights is not None:
            fw = (
                data[fit_weights].to_numpy(dtype=float)
                if isinstance(fit_weights, str) and data is not None
                else as_float_array(fit_weights, "fit_weights", ndim=1)
            )
            if fw.shape != ytr.shape or np.isnan(fw).any() or (fw <= 0).any():
                raise DataError("fit_weights must be positive, one per training row.")
        fitted = fit_model(model, Xtr, ytr, prefit=prefit, fit_weights=fw)
        name = model_name(model, prefit)
    Xc = design.transform(calibration)
    yc = as_float_array(calibration[ycol], ycol, ndim=1)
    if np.isnan(yc).any():
        raise DataError(f"response column {ycol!r} has NaN values in calibration.")
    need = math.ceil(1.0 / alpha - 1.0 - 1e-9)
    if loss == "miscoverage" and yc.size < need:  # issue 15, "bad input"
        raise DataError(
            f"calibration has {yc.size} row(s), fewer than 1/alpha - 1 = {need} needed for "
            f"level={1.0 - alpha:g}: every interval would be infinite. Use more calibration "
            "data or a lower level."
        )
    msgs: list[str] = []
    if y_range is not None:
        lo, hi = (float(v) for v in y_range)
        if not hi > lo:
            raise DataError(f"y_range must be (lo, hi) with lo < hi, got {y_range!r}.")
        y_range = (lo, hi)
        out = int(((yc < lo) | (yc > hi)).sum())
        if out:
            msg = (
                f"{out} of {yc.size} calibration responses lie outside y_range=({lo:g}, {hi:g}); "
                "the bound B = hi - lo may not hold for them. Widen y_range."
            )
            warnings.warn(msg, BoundViolationWarning, stacklevel=2)
            msgs.append(msg)
        if bound is None:
            bound = hi - lo
    interval = "cqr" if method == "cqr" else "split"
    _, qlo, qhi = _interval_bases(fitted, interval, y_range, Xc.to_numpy(dtype=float))
    scores = np.maximum(qlo - yc, yc - qhi)
    if loss == "miscoverage":
        loss_obj: _losses.Loss = _losses.miscoverage(scores)
    else:
        if bound is None:
            raise DataError("loss='hinge' needs bound= or y_range=.")
        loss_obj = _losses.HingeLoss(a=scores, bound=float(bound))
    feats = [c for c in Xc.columns if c != "Intercept"]
    if isinstance(weights, _LikelihoodRatio):
        weights.check_features(feats)
    kw: dict[str, Any] = {"X": _features(Xc)}
    tcal = None
    if time is not None:
        tcal = calibration[time].to_numpy(dtype=float)
        kw["time"] = tcal
    if isinstance(weights, WeightScheme) and weights.guarantee in ("heuristic", "covariate shift"):
        kw["X_test"] = kw["X"][:1]  # calibration summary for a representative point
    cal = crc(loss_obj, alpha, weights=weights, bound=bound if loss == "hinge" else None, **kw)
    return ConformalRegressionResult(
        calibration=cal,
        formula=formula,
        model_name=name,
        loss=loss,
        design=design,
        fitted=fitted,
        cal_features=readonly(kw["X"]),
        time_column=time,
        weights_scheme=weights if isinstance(weights, WeightScheme) else None,
        y_range=y_range,
        target_risk=alpha,
        bound=float(loss_obj.bound),
        nobs=n_train,
        n_calibration=len(scores),
        cal_residuals=readonly(scores),
        cal_times_=None if tcal is None else readonly(tcal),
        interval=interval,
        prefit=bool(prefit),
        warnings=tuple(msgs) + cal.warnings,
    )
