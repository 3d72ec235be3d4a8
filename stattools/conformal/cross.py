"""Jackknife+, CV+ and jackknife+-after-bootstrap intervals (Barber et al. 2021; Kim et al. 2020).

For every training point ``i`` a model ``mu_{-i}`` that did not see it gives the residual
``R_i = |y_i - mu_{-i}(x_i)|``; the interval at ``x`` is

``[ q^-_alpha{mu_{-i}(x) - R_i}, q^+_alpha{mu_{-i}(x) + R_i} ]``

with ``q^+`` the ``ceil((1 - alpha)(n + 1))``-th smallest value and ``q^-`` the
``floor(alpha (n + 1))``-th smallest (``-inf``/``+inf`` when the index is out of range).
Jackknife+: ``mu_{-i}`` leaves out point i (n fits); CV+: the model of i's fold (K fits);
J+aB: the mean of the bootstrap models whose resample excludes i (B fits). Coverage is
``>= 1 - 2 alpha`` (jackknife+, CV+ up to a small term; J+aB with a random B).

With ``weights=`` the quantiles become weighted quantiles with the test point's mass at
``+-inf`` (nonexchangeable jackknife+, Barber et al. 2023; JAW under covariate shift,
Prinster et al. 2022), see :mod:`stattools.conformal.weighted_cross`.
"""

from __future__ import annotations

import copy
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import ColumnError, DataError, InfeasibleRiskWarning
from ..core.formula import Design
from ..core.plotting import figure_axes
from ..core.resampling import as_seed_sequence, check_n_jobs, parallel_map, seed_record
from ..core.results import ResultBase, readonly
from ..core.validation import check_option
from .models import augment_intervals, fit_model, model_name, predict_model
from .weighted_cross import (
    CrossWeights,
    fixed_unbounded,
    guarantee_note,
    resolve_cross_weights,
    time_stamps,
    weighted_plus_interval,
)

__all__ = ["CrossConformalResult", "cross_conformal", "plus_interval"]


def plus_interval(mu: np.ndarray, resid: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """``(lower, upper)`` of the "+" interval from ``mu[j, i] = mu_{-i}(x_j)`` and ``R_i``.

    Examples
    --------
    >>> lo, hi = plus_interval(np.zeros((1, 19)), np.arange(1.0, 20.0), 0.9)
    >>> float(lo[0]), float(hi[0])
    (-18.0, 18.0)
    """
    n = resid.size
    alpha = 1.0 - level
    k_hi = math.ceil((1.0 - alpha) * (n + 1) - 1e-9)
    k_lo = math.floor(alpha * (n + 1) + 1e-9)
    m = mu.shape[0]
    up = np.full(m, np.inf)
    lo = np.full(m, -np.inf)
    if k_hi <= n:
        up = np.partition(mu + resid[None, :], k_hi - 1, axis=1)[:, k_hi - 1]
    if k_lo >= 1:
        lo = np.partition(mu - resid[None, :], k_lo - 1, axis=1)[:, k_lo - 1]
    return lo, up


@dataclass(frozen=True, repr=False)
class CrossConformalResult(ResultBase):
    """Jackknife+ / CV+ / J+aB prediction intervals (``predict`` returns a DataFrame).

    Weighted fits (``weighting`` set) add a boolean column ``unbounded`` to ``predict``
    (an end at ``+-inf``); ``unbounded`` on the result flags fixed weights that make every
    interval infinite.
    """

    formula: str
    design: Design
    models: tuple
    owner: np.ndarray  # (n, n_models) bool: model b may be used for point i
    resid: np.ndarray
    level: float
    kind: str
    model_name: str
    nobs: int = 0
    seed: Any = None
    weighting: CrossWeights | None = None
    time_column: str | None = None
    unbounded: bool = False
    method: str = "cross-conformal regression"
    warnings: tuple[str, ...] = ()

    @property
    def guarantee(self) -> str:
        """``"exchangeable"``, ``"non-exchangeable"``, ``"covariate shift"`` or ``"heuristic"``."""
        return "exchangeable" if self.weighting is None else self.weighting.guarantee

    @property
    def params(self) -> pd.Series:
        """Median out-of-fold absolute residual (the intervals have no single width)."""
        return pd.Series([float(np.median(self.resid))], index=["median |R_i|"])

    def _mu(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        preds = np.column_stack([predict_model(m, X) for m in self.models])  # (m, B)
        own = np.asarray(self.owner, float)
        mu = preds @ own.T / own.sum(1)[None, :]  # mean of the models allowed for each i
        return mu, preds.mean(1)

    def predict(self, newdata: pd.DataFrame) -> pd.DataFrame:
        """Point prediction (mean of the fitted models) and the "+" interval.

        Weighted fits use the weighted quantiles (recomputed per test point for kernel,
        likelihood-ratio and time-decay weights) and add the column ``unbounded``; an
        infinite end raises an :class:`InfeasibleRiskWarning` (once: at fit time for fixed
        weights, here for per-test weights).
        """
        Xd = self.design.transform(newdata)
        X = Xd.to_numpy(dtype=float)
        mu, fit = self._mu(X)
        cw = self.weighting
        if cw is None:
            lo, up = plus_interval(mu, np.asarray(self.resid), self.level)
            return pd.DataFrame({"fit": fit, "lower": lo, "upper": up}, index=newdata.index)
        tt = None
        if cw.per_test and self.time_column is not None:
            if self.time_column not in newdata.columns:
                raise ColumnError(f"time column {self.time_column!r} is not in newdata.")
            tt = time_stamps(newdata, self.time_column)
        w, wt = cw.for_test(_features(Xd), tt)
        lo, up, unb = weighted_plus_interval(mu, np.asarray(self.resid), self.level, w, wt)
        if unb.any() and cw.per_test:
            warnings.warn(
                f"{int(unb.sum())} of {unb.size} interval(s) are unbounded: the training "
                f"weights cannot reach level {self.level:g} against the test point's weight "
                "(a large likelihood ratio w(x), or no similar training points). Column "
                "'unbounded' flags them.",
                InfeasibleRiskWarning,
                stacklevel=2,
            )
        return pd.DataFrame(
            {"fit": fit, "lower": lo, "upper": up, "unbounded": unb}, index=newdata.index
        )

    def evaluate(self, newdata: pd.DataFrame) -> pd.DataFrame:
        """Realised coverage and mean width on labelled data (weighted fits also report
        the ``infinite share`` of unbounded intervals; ``predict`` warns about them)."""
        pred = self.predict(newdata)
        y = newdata[self.design.response[0]].to_numpy(dtype=float)
        cov = (pred["lower"] <= y) & (y <= pred["upper"])
        out = {
            "coverage": [float(cov.mean())],
            "mean_width": [float((pred["upper"] - pred["lower"]).mean())],
            "n": [len(y)],
        }
        if self.weighting is not None:
            out["infinite share"] = [float(pred["unbounded"].mean())]
        return pd.DataFrame(out)

    def augment(self, data: pd.DataFrame | None = None) -> pd.DataFrame:
        """broom's ``augment``: data (default: training design) + .fitted/.lower/.upper/.resid."""
        return augment_intervals(self, data)

    def _title(self) -> str:
        return f"{self.kind} intervals: {self.formula}"

    def _summary_header(self) -> list[tuple[str, Any]]:
        return [
            ("Method", self.kind),
            ("Model", self.model_name),
            ("Coverage level", self.level),
            ("Training points", self.nobs),
            ("Models fitted", len(self.models)),
            ("Weights", "none" if self.weighting is None else self.weighting.name),
            ("Guarantee", self.guarantee),
            ("Seed", self.seed if self.seed is not None else "not random"),
        ]

    def _summary_tables(self, level: float) -> dict[str, pd.DataFrame]:
        r = np.asarray(self.resid)
        q = np.quantile(r, [0.5, 0.9, 1.0])
        return {
            "Out-of-fold residuals": pd.DataFrame(
                {"median": [q[0]], "90%": [q[1]], "max": [q[2]]}, index=["|R_i|"]
            )
        }

    def _summary_notes(self) -> list[str]:
        if self.weighting is not None:
            out = [
                "Weighted quantiles of mu_{-i}(x) -/+ R_i with the test point's weight at "
                "-/+inf: " + guarantee_note(self.weighting.guarantee, self.level)
            ]
            if self.weighting.per_test:
                out.append("The weights depend on the test point: predict() reweights per row.")
            if self.unbounded:
                out.append("Every interval is unbounded: the weights cannot reach the level.")
            return out
        return [
            f"Coverage >= {2 * self.level - 1:g} (= 1 - 2 alpha) in finite samples, and "
            f"typically close to {self.level:g} (Barber et al. 2021; Kim et al. 2020 for J+aB)."
        ]

    def _glance_stats(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "kind": self.kind,
            "n_models": len(self.models),
            "guarantee": self.guarantee,
        }

    def _plot(self, kind: str | None, ax, **kwargs):
        check_option(kind or "residuals", "kind", ("residuals",))
        fig, ax = figure_axes(ax)
        r = np.asarray(self.resid)
        ax.hist(r, bins=min(50, max(10, r.size // 20)), **kwargs)
        ax.set_xlabel("out-of-fold |residual|")
        return fig


def _features(X: pd.DataFrame) -> np.ndarray:
    """Design columns without the intercept (what likelihood-ratio/kernel weights see)."""
    cols = [c for c in X.columns if c != "Intercept"]
    return X[cols].to_numpy(dtype=float) if cols else np.zeros((len(X), 1))


def _fit(model: Any, X: np.ndarray, y: np.ndarray) -> Any:
    return fit_model(model if isinstance(model, str) else copy.deepcopy(model), X, y)


def _fit_task(task: tuple[Any, np.ndarray, np.ndarray]) -> Any:
    return _fit(*task)


def _fit_all(model, X, y, rows, n_jobs: int, progress: bool | None, desc: str) -> tuple:
    """One model per row subset, in order (serially or through ``parallel_map``)."""
    tasks = [(model, X[r], y[r]) for r in rows]
    return tuple(parallel_map(_fit_task, tasks, n_jobs=n_jobs, progress=progress, desc=desc))


def cross_conformal(
    formula: str,
    data: pd.DataFrame,
    *,
    model: Any = "ols",
    method: str = "cv+",
    level: float = 0.9,
    cv: int = 5,
    folds: Any = None,
    n_resamples: int = 30,
    resamples: Any = None,
    rng: Any = None,
    na_action: str = "raise",
    n_jobs: int = 1,
    progress: bool | None = None,
    weights: Any = None,
    time: str | None = None,
) -> CrossConformalResult:
    """Jackknife+, CV+ or jackknife+-after-bootstrap intervals (also via
    ``conformal_regression(method=...)``).

    Parameters
    ----------
    formula, data : the regression and its training data (no calibration split).
    model : "ols", "wls" or estimator with fit/predict (copied for every fit).
    method : {"jackknife+", "cv+", "jab+"}
    level : float
        Target coverage ``1 - alpha``.
    cv : int, default 5
        Number of contiguous folds for CV+ (rows in their order, as scikit-learn ``KFold``).
    folds : array (n,), optional
        Fold label of every row (overrides ``cv``; shuffle the rows yourself).
    n_resamples : int, default 30
        Bootstrap models of J+aB.
    resamples : list of index arrays, optional
        Explicit bootstrap resamples for J+aB (overrides ``n_resamples``/``rng``).
    rng : seed of the bootstrap (recorded as ``result.seed``).
    n_jobs, progress :
        The leave-out models are fitted through :func:`stattools.parallel_map` (same
        intervals whatever ``n_jobs``); ``progress`` shows a bar counting fitted models.
    weights : None, WeightScheme or array (n,)
        Weights of the training points, with the contract of split CP
        (:func:`~stattools.conformal.crc`): a fixed vector in [0, 1] with test weight 1
        (nonexchangeable jackknife+/CV+), ``st.weights.decay(rho)`` (rows in time order,
        the test point next; or per test row with ``time=``), ``st.weights.likelihood_ratio``
        (covariate shift: ``w(X_i)`` and the test weight ``w(x)``, evaluated on the design
        columns without the intercept; JAW) or ``st.weights.kernel`` (heuristic). The
        interval ends are weighted quantiles of ``mu_{-i}(x) -/+ R_i`` with the test
        point's mass at ``-/+inf``; see :mod:`stattools.conformal.weighted_cross`.
        ``None`` (default) is the unweighted method (equal to MAPIE).
    time : str, optional
        Column of time stamps (in ``data`` and in new data) for decay weights.

    Returns
    -------
    CrossConformalResult

    Raises
    ------
    ArgumentTypeError
        ``weights`` of a wrong type.
    DataError
        Bad ``cv``/``folds``; weights of the wrong length, negative, NaN, above 1 (fixed
        vectors) or all zero.

    Warns
    -----
    InfeasibleRiskWarning
        Weights too concentrated for the level: the interval is unbounded (flagged in
        ``result.unbounded`` for fixed weights, in the ``unbounded`` column per test row).

    References
    ----------
    Barber, R. F., Candès, E. J., Ramdas, A., Tibshirani, R. J. (2021). Predictive
    inference with the jackknife+. Ann. Statist. 49(1). Kim, B., Xu, C., Barber, R. F.
    (2020). Predictive inference is free with the jackknife+-after-bootstrap. NeurIPS.
    Barber, R. F., Candès, E. J., Ramdas, A., Tibshirani, R. J. (2023). Conformal prediction
    beyond exchangeability. Ann. Statist. 51(2). Prinster, D., Liu, A., Saria, S. (2022).
    JAWS: auditing predictive uncertainty under covariate shift. NeurIPS.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import stattools as st
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=100)})
    >>> df["y"] = df["x"] + rng.normal(size=100)
    >>> fit = st.conformal_regression("y ~ x", df, method="cv+", level=0.8)
    >>> fit.predict(df[:1]).columns.tolist()
    ['fit', 'lower', 'upper']

    Weighted CV+ for a drifting series (more weight on recent rows):

    >>> wfit = st.conformal_regression("y ~ x", df, method="cv+", level=0.8,
    ...                                weights=st.weights.decay(0.99))
    >>> p = wfit.predict(df[:1])
    >>> p.columns.tolist(), bool(p["unbounded"].iloc[0])
    (['fit', 'lower', 'upper', 'unbounded'], False)
    """
    method = check_option(method, "method", ("jackknife+", "cv+", "jab+"))
    design = Design.from_formula(formula, data, na_action=na_action)
    ycol = design.response[0]
    X = design.X.to_numpy(dtype=float)
    check_n_jobs(n_jobs)
    y = design.y[ycol].to_numpy(dtype=float)
    n = y.size
    if time is not None and time not in data.columns:
        raise ColumnError(f"time column {time!r} is not in data.")
    if (
        isinstance(weights, np.ndarray | list | tuple | pd.Series)
        and np.ndim(weights) == 1
        and len(weights) == len(data) != n
    ):  # na_action="drop": keep the weights of the rows kept
        weights = np.asarray(weights)[data.index.get_indexer(design.X.index)]
    cw = resolve_cross_weights(
        weights,
        n,
        features=_features(design.X),
        feature_names=[c for c in design.X.columns if c != "Intercept"],
        times=None if time is None else time_stamps(data.loc[design.X.index], time),
    )
    seed = None
    if method == "jab+":
        if resamples is None:
            ss = as_seed_sequence(rng)
            seed = seed_record(ss)
            g = np.random.default_rng(ss)
            resamples = [g.integers(0, n, n) for _ in range(int(n_resamples))]
        idx = [np.asarray(r, dtype=int) for r in resamples]
        owner = np.ones((n, len(idx)), bool)
        for b, r in enumerate(idx):
            owner[np.unique(r), b] = False
        empty = ~owner.any(1)
        if empty.any():
            raise DataError(
                f"n_resamples: {int(empty.sum())} point(s) are in every bootstrap resample; "
                "use more resamples."
            )
        models = _fit_all(model, X, y, idx, n_jobs, progress, "J+aB models")
    else:
        if method == "jackknife+":
            lab = np.arange(n)
        elif folds is not None:
            lab = np.asarray(folds)
            if lab.shape != (n,):
                raise DataError(f"folds must have one label per row ({n}).")
        else:
            k = int(cv)
            if not 2 <= k <= n:
                raise DataError(f"cv must be an integer in [2, {n}], got {cv!r}.")
            lab = _kfold_labels(n, k)
        keys = np.unique(lab)
        owner = lab[:, None] == keys[None, :]
        rows = [lab != key for key in keys]
        models = _fit_all(model, X, y, rows, n_jobs, progress, f"{method} models")
    if n < math.ceil(1.0 / (1.0 - float(level)) - 1.0 - 1e-9):
        raise DataError(f"data has {n} rows, fewer than 1/alpha - 1 for level={level:g}.")
    preds = np.column_stack([predict_model(m, X) for m in models])
    own = owner.astype(float)
    mu_self = (preds * own).sum(1) / own.sum(1)
    resid = np.abs(y - mu_self)
    kind = {"jackknife+": "jackknife+", "cv+": "CV+", "jab+": "jackknife+-after-bootstrap"}
    unbounded = cw is not None and fixed_unbounded(cw, n, float(level))
    msgs: tuple[str, ...] = ()
    if unbounded:
        msg = (
            f"weights: every interval is unbounded - the training weights (sum "
            f"{float(np.sum(cw.w)):.4g}) cannot reach level {float(level):g} against the test "
            f"weight {cw.w_test:g}. Use slower decay, more data or a lower level."
        )
        warnings.warn(msg, InfeasibleRiskWarning, stacklevel=2)
        msgs = (msg,)
    return CrossConformalResult(
        formula=formula,
        design=design,
        models=models,
        owner=readonly(owner),
        resid=readonly(resid),
        level=float(level),
        kind=kind[method],
        model_name=model_name(model),
        nobs=n,
        seed=seed,
        weighting=cw,
        time_column=time,
        unbounded=bool(unbounded),
        warnings=msgs,
    )


def _kfold_labels(n: int, k: int) -> np.ndarray:
    """Contiguous folds with the sizes of scikit-learn's ``KFold`` (first n % k one larger)."""
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    return np.repeat(np.arange(k), sizes)
