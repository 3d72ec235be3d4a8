"""Conformal classification sets: LAC, APS and RAPS, randomised or not, with Mondrian groups.

Every threshold is the weighted split-conformal quantile of :func:`~stattools.conformal.crc`
(rule ★) on the calibration scores, so weights (non-exchangeable, covariate shift) apply
to every score. The set of a test point is ``{k : s(x, k) <= q_hat}`` (the inverse of the
score, hence exact coverage ``>= level``):

* ``lac``: ``s(x, k) = 1 - p_k(x)`` (Sadinle, Lei & Wasserman 2019);
* ``aps``: ``s(x, k) = sum_{j : p_j >= p_k} p_j - U p_k`` with ``U ~ U(0, 1)``
  (randomised, MAPIE's convention) or ``U = 0`` (Romano, Sesia & Candès 2020);
* ``raps``: APS plus ``lambda_reg (o_k(x) - k_reg)_+`` with ``o_k`` the 1-based rank of
  label k (Angelopoulos, Bates, Malik & Jordan 2021).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import DataError
from ..core.formula import Design
from ..core.plotting import figure_axes
from ..core.resampling import as_seed_sequence, seed_record
from ..core.results import ResultBase, readonly
from ..core.validation import check_option
from .crc import CRCResult, check_strict_level, crc
from .models import fit_model, model_name

__all__ = ["ConformalClassificationResult", "conformal_classification", "class_scores"]

_SUM_TOL = 1e-6


def check_probs(p: Any, name: str = "probs") -> np.ndarray:
    """Class probabilities: finite, in [0, 1], rows summing to one (within 1e-6)."""
    a = np.asarray(p, dtype=float)
    if a.ndim != 2 or a.shape[1] < 2:
        raise DataError(f"{name} must be an (n, K) array with K >= 2 classes, got {a.shape}.")
    if not np.isfinite(a).all() or (a < 0).any() or (a > 1).any():
        raise DataError(f"{name} must be finite probabilities in [0, 1].")
    dev = np.abs(a.sum(1) - 1.0)
    if (dev > _SUM_TOL).any():
        bad = np.flatnonzero(dev > _SUM_TOL)
        raise DataError(
            f"{name}: rows must sum to one; {bad.size} row(s) do not (first row {bad[0]}, sum "
            f"{a[bad[0]].sum():.6g}). Pass predict_proba output, not scores or logits."
        )
    return a


def class_scores(
    probs: np.ndarray, score: str, u: np.ndarray, k_reg: int = 1, lambda_reg: float = 0.0
) -> np.ndarray:
    """``(n, K)`` scores ``s(x_i, k)`` of every label (``u``: one uniform per row, or zeros)."""
    if score == "lac":
        return 1.0 - probs
    n, K = probs.shape
    order = np.argsort(-probs, axis=1, kind="stable")
    ps = np.take_along_axis(probs, order, axis=1)
    cum = np.cumsum(ps, axis=1)
    s_sorted = cum - u[:, None] * ps  # cumulative mass up to and including k, minus U p_k
    if score == "raps":
        rank = np.arange(1, K + 1)[None, :]
        s_sorted = s_sorted + lambda_reg * np.maximum(rank - k_reg, 0)
    out = np.empty_like(s_sorted)
    np.put_along_axis(out, order, s_sorted, axis=1)
    return out


@dataclass(frozen=True, repr=False)
class ConformalClassificationResult(ResultBase):
    """Conformal prediction sets for classification.

    ``predict(newdata)`` returns a boolean DataFrame (one column per class);
    ``predict_sets(probs)`` works on probabilities; ``evaluate`` gives coverage and size.
    """

    calibrations: dict
    classes: tuple
    score: str
    randomized: bool
    level: float
    groups: str | None
    design: Design | None
    fitted: Any
    model_name: str
    k_reg: int = 1
    lambda_reg: float = 0.0
    nobs: int = 0
    n_calibration: int = 0
    seed: Any = None
    method: str = "conformal classification"
    warnings: tuple[str, ...] = ()

    @property
    def thresholds(self) -> pd.Series:
        """``q_hat`` by group (``"all"`` without groups)."""
        return pd.Series({g: float(c.lambda_hat) for g, c in self.calibrations.items()})

    @property
    def params(self) -> pd.Series:
        """The thresholds ``q_hat[group]``."""
        t = self.thresholds
        return pd.Series(t.to_numpy(float), index=[f"q_hat[{g}]" for g in t.index])

    def _u(self, m: int, rng: Any) -> np.ndarray:
        if not self.randomized:
            return np.zeros(m)
        ss = as_seed_sequence(self.seed if rng is None else rng)
        return np.random.default_rng(ss.spawn(2)[1]).uniform(size=m)

    def predict_sets(
        self, probs: Any, *, groups: Any = None, rng: Any = None, include_last_label: bool = False
    ) -> np.ndarray:
        """Boolean ``(m, K)`` membership ``s(x, k) <= q_hat`` from class probabilities.

        ``groups``: the test points' groups (Mondrian by a covariate); ignored without
        groups, and not needed for class-conditional sets. ``rng``: the test uniforms of
        randomised scores (default: derived from ``result.seed``, reproducible).
        ``include_last_label=True`` (non-randomised APS/RAPS only) also keeps the label
        whose cumulative mass crosses ``q_hat`` (MAPIE's default rule, more conservative).
        """
        p = check_probs(probs)
        if p.shape[1] != len(self.classes):
            raise DataError(f"probs must have {len(self.classes)} columns, got {p.shape[1]}.")
        s = class_scores(p, self.score, self._u(p.shape[0], rng), self.k_reg, self.lambda_reg)
        if include_last_label:
            if self.randomized or self.score == "lac":
                raise DataError("include_last_label=True applies to non-randomised APS/RAPS.")
            s = s - p  # mass strictly before k: the crossing label is kept
            return self._compare(s, groups, strict=True)
        return self._compare(s, groups, strict=False)

    def _compare(self, s: np.ndarray, groups: Any, strict: bool) -> np.ndarray:
        le = np.less if strict else np.less_equal
        if self.groups is None:
            return le(s, float(self.calibrations["all"].lambda_hat))
        if self.groups is None:
            return s <= float(self.calibrations["all"].lambda_hat)
        if self.groups == "class":
            q = np.array([float(self.calibrations[c].lambda_hat) for c in self.classes])
            return le(s, q[None, :])
        if groups is None:
            raise DataError("groups= (the test points' groups) is needed for Mondrian sets.")
        g = np.asarray(groups)
        unknown = sorted(set(g.tolist()) - set(self.calibrations))
        if unknown:
            raise DataError(f"groups has values not seen in calibration: {unknown[:5]}.")
        q = np.array([float(self.calibrations[v].lambda_hat) for v in g.tolist()])
        return le(s, q[:, None])

    def _probs(self, newdata: pd.DataFrame) -> np.ndarray:
        if self.design is None:
            raise DataError("this result was calibrated from probabilities: use predict_sets.")
        X = self.design.transform(newdata).to_numpy(dtype=float)
        return check_probs(self.fitted.predict_proba(X), "predict_proba(X)")

    def predict(self, newdata: pd.DataFrame, *, rng: Any = None) -> pd.DataFrame:
        """Prediction sets for ``newdata``: a boolean DataFrame with one column per class."""
        g = newdata[self.groups] if self.groups not in (None, "class") else None
        sets = self.predict_sets(self._probs(newdata), groups=g, rng=rng)
        return pd.DataFrame(sets, columns=list(self.classes), index=newdata.index)

    def evaluate_sets(self, sets: np.ndarray, labels: Any) -> pd.DataFrame:
        """Coverage, mean size and empty-set share of given sets on the true labels."""
        lab = pd.Series(np.asarray(labels))
        pos = lab.map({c: i for i, c in enumerate(self.classes)})
        if pos.isna().any():
            raise DataError("labels contain classes not seen in training.")
        hit = sets[np.arange(len(lab)), pos.to_numpy(int)]
        return pd.DataFrame(
            {
                "coverage": [float(hit.mean())],
                "mean_set_size": [float(sets.sum(1).mean())],
                "empty_share": [float((sets.sum(1) == 0).mean())],
                "n": [len(lab)],
            }
        )

    def evaluate(self, newdata: pd.DataFrame, *, rng: Any = None) -> pd.DataFrame:
        """Realised coverage and set size on labelled data."""
        if self.design is None:
            raise DataError("this result was calibrated from probabilities: use evaluate_sets.")
        sets = self.predict(newdata, rng=rng).to_numpy()
        return self.evaluate_sets(sets, newdata[self.design.response[0]])

    def _title(self) -> str:
        return f"Conformal classification sets ({self.score.upper()})"

    def _summary_header(self) -> list[tuple[str, Any]]:
        c0 = next(iter(self.calibrations.values()))
        return [
            ("Model", self.model_name),
            ("Score", self.score + (" (randomised)" if self.randomized else "")),
            ("Coverage level", self.level),
            ("Weights", c0.weights_name),
            ("Groups", self.groups or "none (marginal)"),
            ("Classes", len(self.classes)),
            ("Training points", self.nobs),
            ("Calibration points", self.n_calibration),
            ("Seed", self.seed if self.randomized else "not random"),
        ]

    def _summary_tables(self, level: float) -> dict[str, pd.DataFrame]:
        rows = {
            g: {"q_hat": float(c.lambda_hat), "n": c.nobs, "feasible": bool(c.feasible)}
            for g, c in self.calibrations.items()
        }
        return {"Thresholds": pd.DataFrame(rows).T}

    def _summary_notes(self) -> list[str]:
        kind = {"class": "for every class", None: "marginally"}.get(self.groups, "in every group")
        return [
            f"Coverage >= {self.level:g} {kind} under exchangeability; the set is "
            "{k : s(x, k) <= q_hat}."
        ]

    def _glance_stats(self) -> dict[str, Any]:
        return {"level": self.level, "score": self.score, "n_groups": len(self.calibrations)}

    def _plot(self, kind: str | None, ax, **kwargs):
        check_option(kind or "thresholds", "kind", ("thresholds",))
        fig, ax = figure_axes(ax)
        t = self.thresholds
        ax.bar([str(i) for i in t.index], t.to_numpy(float), **kwargs)
        ax.set_ylabel("q_hat")
        ax.set_title(f"{self.score.upper()} thresholds")
        return fig


def _drop_missing(frame: pd.DataFrame, design: Design, ycol: str) -> pd.DataFrame:
    """Calibration rows without missing values in the response or the design variables."""
    import warnings as _w

    from ..core.exceptions import MissingDataWarning

    used = {str(v) for v in design.model_specs[0].required_variables}
    cols = [c for c in frame.columns if c == ycol or c in used]
    num = [c for c in cols if c != ycol and pd.api.types.is_numeric_dtype(frame[c])]
    keep = frame[cols].notna().all(axis=1) & np.isfinite(frame[num].to_numpy(float)).all(axis=1)
    if not keep.all():
        _w.warn(
            f"calibration: {int((~keep).sum())} row(s) with missing values were dropped.",
            MissingDataWarning,
            stacklevel=3,
        )
    return frame[keep]


def _encode(labels: Any, classes: tuple, name: str) -> np.ndarray:
    lab = pd.Series(np.asarray(labels))
    pos = lab.map({c: i for i, c in enumerate(classes)})
    if pos.isna().any():
        unseen = sorted(set(lab[pos.isna()].tolist()), key=str)[:5]
        raise DataError(f"{name} has labels not seen in training: {unseen}.")
    return pos.to_numpy(int)


def conformal_classification(
    formula: str | None = None,
    data: pd.DataFrame | None = None,
    *,
    calibration: pd.DataFrame | None = None,
    model: Any = "mnlogit",
    score: str = "aps",
    level: float = 0.9,
    randomized: bool = True,
    groups: str | None = None,
    weights: Any = None,
    prefit: bool = False,
    probs: Any = None,
    labels: Any = None,
    classes: Any = None,
    k_reg: int = 1,
    lambda_reg: float = 0.01,
    rng: Any = None,
    na_action: str = "raise",
) -> ConformalClassificationResult:
    """Split-conformal classification sets with coverage ``>= level`` (LAC, APS, RAPS).

    Parameters
    ----------
    formula, data : optional
        ``"y ~ x1 + x2"`` with a categorical response, and training data.
    calibration : pandas.DataFrame
        Calibration rows (formula path).
    model : "mnlogit" or estimator
        Multinomial logit (statsmodels ``MNLogit`` on the design) or any estimator with
        ``fit``/``predict_proba`` (integer-coded classes 0..K-1); with ``prefit=True`` a
        fitted one.
    score : {"lac", "aps", "raps"}
    level : float
        Coverage level in (0, 1).
    randomized : bool, default True
        Randomised APS/RAPS scores (``U ~ U(0, 1)``, exact coverage); False gives the
        conservative non-randomised score (``U = 0``). LAC ignores it.
    groups : None, "class" or str
        Mondrian conformal: ``"class"`` gives class-conditional coverage; a column name
        gives coverage within each group of that column (also needed at prediction).
    weights : None, WeightScheme or array
        Calibration weights as in :func:`~stattools.conformal.crc` (not with ``groups``).
    probs, labels, classes : optional
        Array path: calibration probabilities ``(n, K)`` and labels instead of a model.
    k_reg, lambda_reg : RAPS regularisation.
    rng : seed of the randomised scores (recorded as ``result.seed``).
    na_action : {"raise", "drop"}
        Rows with missing values (in the formula's variables) of ``data`` and
        ``calibration`` raise, or are dropped with a :class:`MissingDataWarning`.

    Returns
    -------
    ConformalClassificationResult

    Raises
    ------
    DataError
        Probabilities not summing to one; calibration labels unseen in training; fewer
        calibration points (per group) than ``1/alpha - 1``; a string level.

    References
    ----------
    Romano, Y., Sesia, M., Candès, E. J. (2020). Classification with valid and adaptive
    coverage. NeurIPS. Angelopoulos, A. N., Bates, S., Malik, J., Jordan, M. I. (2021).
    Uncertainty sets for image classifiers using conformal prediction. ICLR. Sadinle, M.,
    Lei, J., Wasserman, L. (2019). Least ambiguous set-valued classifiers. JASA.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import stattools as st
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=600)})
    >>> df["y"] = np.where(df["x"] + rng.normal(size=600) > 0, "a", "b")
    >>> res = st.conformal_classification("y ~ x", df[:300], calibration=df[300:],
    ...                                   score="lac", level=0.9)
    >>> res.predict(df[:2]).columns.tolist()
    ['a', 'b']
    """
    if formula is not None and (not isinstance(formula, str) or "~" not in formula):
        from ..core.exceptions import FormulaError  # argument validation (issue 10)

        raise FormulaError(f"formula must be a string like 'y ~ x1 + x2', got {formula!r}.")
    score = check_option(score, "score", ("lac", "aps", "raps"))
    level = check_strict_level(level)
    alpha = 1.0 - level
    ss = as_seed_sequence(rng)
    design = None
    fitted = None
    n_train = 0
    if probs is not None:
        p = check_probs(probs)
        if labels is None:
            raise DataError("probs= needs labels= (the calibration labels).")
        cls = tuple(range(p.shape[1])) if classes is None else tuple(classes)
        if len(cls) != p.shape[1]:
            raise DataError(f"classes must have {p.shape[1]} entries, got {len(cls)}.")
        y = _encode(labels, cls, "labels")
        cal_groups = None
        name = "given probabilities"
    else:
        if formula is None or calibration is None:
            raise DataError("give formula=, data= and calibration=, or probs= and labels=.")
        ycol = formula.split("~")[0].strip()
        src = calibration if prefit and data is None else data
        if not isinstance(src, pd.DataFrame) or len(src) == 0:
            raise DataError("data must be a non-empty DataFrame.")
        if not isinstance(calibration, pd.DataFrame) or len(calibration) == 0:
            raise DataError("calibration must be a non-empty DataFrame.")
        for fr, nm in ((src, "data"), (calibration, "calibration")):
            if ycol not in fr.columns:
                raise DataError(f"response column {ycol!r} is not in {nm}.")
        raw = src[ycol]
        cls = (
            tuple(
                raw.cat.categories
                if isinstance(raw.dtype, pd.CategoricalDtype)
                else sorted(raw.unique())
            )
            if classes is None
            else tuple(classes)
        )
        na_action = check_option(na_action, "na_action", ("raise", "drop"))
        tr = src.copy()
        if raw.isna().any():  # Design reports (raise) or drops them with the other NaN
            tr[ycol] = raw.map({c: float(i) for i, c in enumerate(cls)})
        else:
            tr[ycol] = _encode(raw, cls, f"response {ycol!r}").astype(float)
        design = Design.from_formula(formula, tr, na_action=na_action)
        Xtr = design.X.to_numpy(dtype=float)
        if prefit:
            fitted = fit_model(model, Xtr, None, need="predict_proba", prefit=True)
        elif isinstance(model, str):
            check_option(model, "model", ("mnlogit",))
            fitted = _MNLogit.fit(Xtr, design.y[ycol].to_numpy(int), len(cls), design.X.columns)
        else:
            fitted = fit_model(model, Xtr, design.y[ycol].to_numpy(int), need="predict_proba")
        n_train = 0 if prefit and data is None else design.nobs
        if na_action == "drop":
            calibration = _drop_missing(calibration, design, ycol)
        y = _encode(calibration[ycol], cls, f"calibration response {ycol!r}")
        Xc = design.transform(calibration).to_numpy(dtype=float)
        p = check_probs(fitted.predict_proba(Xc), "predict_proba(X)")
        if p.shape[1] != len(cls):
            raise DataError(f"predict_proba gives {p.shape[1]} columns for {len(cls)} classes.")
        cal_groups = None if groups in (None, "class") else calibration[groups].to_numpy()
        name = (
            "multinomial logit (statsmodels)"
            if isinstance(model, str)
            else model_name(model, prefit)
        )
    if groups not in (None, "class") and cal_groups is None:
        raise DataError("groups=<column> needs the formula path (a calibration column).")
    if groups is not None and weights is not None:
        raise DataError("weights= cannot be combined with groups= (Mondrian) yet.")
    u = (
        np.random.default_rng(ss.spawn(1)[0]).uniform(size=p.shape[0])
        if (randomized and score != "lac")
        else np.zeros(p.shape[0])
    )
    s_all = class_scores(p, score, u, int(k_reg), float(lambda_reg))
    s = s_all[np.arange(p.shape[0]), y]
    if groups is None:
        keys: dict[Any, np.ndarray] = {"all": np.arange(s.size)}
    elif groups == "class":
        keys = {c: np.flatnonzero(y == i) for i, c in enumerate(cls)}
    else:
        keys = {g: np.flatnonzero(cal_groups == g) for g in pd.unique(cal_groups)}
    need = math.ceil(1.0 / alpha - 1.0 - 1e-9)
    cals: dict[Any, CRCResult] = {}
    for g, idx in keys.items():
        if idx.size < need:
            where = "" if g == "all" else f" in group {g!r}"
            raise DataError(
                f"calibration has {idx.size} point(s){where}, fewer than 1/alpha - 1 = {need} "
                f"needed for level={level:g}: the sets would be all classes. Use more "
                "calibration data or a lower level."
            )
        cals[g] = crc(scores=s[idx], target_risk=alpha, weights=weights)
    msgs = tuple(m for c in cals.values() for m in c.warnings)
    return ConformalClassificationResult(
        calibrations=cals,
        classes=cls,
        score=score,
        randomized=bool(randomized and score != "lac"),
        level=level,
        groups=groups,
        design=design,
        fitted=fitted,
        model_name=name,
        k_reg=int(k_reg),
        lambda_reg=float(lambda_reg),
        nobs=n_train,
        n_calibration=int(s.size),
        seed=seed_record(ss),
        warnings=msgs,
    )


@dataclass(frozen=True)
class _MNLogit:
    """Multinomial logit coefficients (statsmodels ``MNLogit``), ``predict_proba`` only."""

    params: np.ndarray
    k: int

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, k: int, names: Any = ()) -> _MNLogit:
        import warnings as _w

        import statsmodels.api as sm

        present = np.unique(y)
        if present.size != k:
            raise DataError("every class must occur in the training data for model='mnlogit'.")
        try:
            with _w.catch_warnings():
                # statsmodels convergence/overflow chatter: the checks below decide
                _w.simplefilter("ignore")
                res = sm.MNLogit(y, X).fit(disp=0, maxiter=200)
            params = np.asarray(res.params, float)
        except (np.linalg.LinAlgError, ValueError, OverflowError) as err:
            params = np.full((X.shape[1], k - 1), np.nan)
            msg = str(err)
        else:
            msg = "non-finite coefficients"
        probe = cls(params, k).predict_proba(X[:50]) if np.isfinite(params).all() else None
        if probe is None or not np.isfinite(probe).all():
            cols = ", ".join(map(str, names)) or "the design columns"
            raise DataError(
                f"data: the multinomial logit could not be fitted ({msg}); check the scale "
                f"of the columns {cols} (standardise them) or pass another model=."
            )
        return cls(readonly(params), k)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        eta = np.column_stack([np.zeros(X.shape[0]), X @ self.params])
        eta -= eta.max(axis=1, keepdims=True)
        e = np.exp(eta)
        return e / e.sum(axis=1, keepdims=True)
