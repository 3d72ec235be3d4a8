"""Jackknife+, CV+ and jackknife+-after-bootstrap intervals (Barber et al. 2021; Kim et al. 2020).

For every training point ``i`` a model ``mu_{-i}`` that did not see it gives the residual
``R_i = |y_i - mu_{-i}(x_i)|``; the interval at ``x`` is

``[ q^-_alpha{mu_{-i}(x) - R_i}, q^+_alpha{mu_{-i}(x) + R_i} ]``

with ``q^+`` the ``ceil((1 - alpha)(n + 1))``-th smallest value and ``q^-`` the
``floor(alpha (n + 1))``-th smallest (``-inf``/``+inf`` when the index is out of range).
Jackknife+: ``mu_{-i}`` leaves out point i (n fits); CV+: the model of i's fold (K fits);
J+aB: the mean of the bootstrap models whose resample excludes i (B fits). Coverage is
``>= 1 - 2 alpha`` (jackknife+, CV+ up to a small term; J+aB with a random B).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import DataError
from ..core.formula import Design
from ..core.plotting import figure_axes
from ..core.resampling import as_seed_sequence, check_n_jobs, parallel_map, seed_record
from ..core.results import ResultBase, readonly
from ..core.validation import check_option
from .models import augment_intervals, fit_model, model_name, predict_model

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
    """Jackknife+ / CV+ / J+aB prediction intervals (``predict`` returns a DataFrame)."""

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
    method: str = "cross-conformal regression"
    warnings: tuple[str, ...] = ()

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
        """Point prediction (mean of the fitted models) and the "+" interval."""
        X = self.design.transform(newdata).to_numpy(dtype=float)
        mu, fit = self._mu(X)
        lo, up = plus_interval(mu, np.asarray(self.resid), self.level)
        return pd.DataFrame({"fit": fit, "lower": lo, "upper": up}, index=newdata.index)

    def evaluate(self, newdata: pd.DataFrame) -> pd.DataFrame:
        """Realised coverage and mean width on labelled data."""
        pred = self.predict(newdata)
        y = newdata[self.design.response[0]].to_numpy(dtype=float)
        cov = (pred["lower"] <= y) & (y <= pred["upper"])
        return pd.DataFrame(
            {
                "coverage": [float(cov.mean())],
                "mean_width": [float((pred["upper"] - pred["lower"]).mean())],
                "n": [len(y)],
            }
        )

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
        return [
            f"Coverage >= {2 * self.level - 1:g} (= 1 - 2 alpha) in finite samples, and "
            f"typically close to {self.level:g} (Barber et al. 2021; Kim et al. 2020 for J+aB)."
        ]

    def _glance_stats(self) -> dict[str, Any]:
        return {"level": self.level, "kind": self.kind, "n_models": len(self.models)}

    def _plot(self, kind: str | None, ax, **kwargs):
        check_option(kind or "residuals", "kind", ("residuals",))
        fig, ax = figure_axes(ax)
        r = np.asarray(self.resid)
        ax.hist(r, bins=min(50, max(10, r.size // 20)), **kwargs)
        ax.set_xlabel("out-of-fold |residual|")
        return fig


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

    Returns
    -------
    CrossConformalResult

    References
    ----------
    Barber, R. F., Candès, E. J., Ramdas, A., Tibshirani, R. J. (2021). Predictive
    inference with the jackknife+. Ann. Statist. 49(1). Kim, B., Xu, C., Barber, R. F.
    (2020). Predictive inference is free with the jackknife+-after-bootstrap. NeurIPS.

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
    """
    method = check_option(method, "method", ("jackknife+", "cv+", "jab+"))
    design = Design.from_formula(formula, data, na_action=na_action)
    ycol = design.response[0]
    X = design.X.to_numpy(dtype=float)
    check_n_jobs(n_jobs)
    y = design.y[ycol].to_numpy(dtype=float)
    n = y.size
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
    )


def _kfold_labels(n: int, k: int) -> np.ndarray:
    """Contiguous folds with the sizes of scikit-learn's ``KFold`` (first n % k one larger)."""
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    return np.repeat(np.arange(k), sizes)
