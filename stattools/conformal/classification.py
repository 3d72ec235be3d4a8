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

Per-test weights (covariate shift): with ``weights=st.weights.likelihood_ratio(...)``
(or kernel weights) the threshold of each test point ``x`` is the weighted quantile
``Q_level(sum_i p_i delta_{s_i} + p_{n+1} delta_{+inf})``, ``p_i = w(X_i) / (sum_j w(X_j)
+ w(x))``, ``p_{n+1} = w(x) / (...)`` (Tibshirani, Barber, Candès & Ramdas 2019): one
shared sort of the calibration scores, then one ``searchsorted`` per test point.
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
from .weights import WeightScheme, _LikelihoodRatio

__all__ = ["ConformalClassificationResult", "conformal_classification", "class_scores"]

_SUM_TOL = 1e-6


def _q(cal: CRCResult) -> float:
    """The (first) threshold of a calibration (per-test weights: the representative one)."""
    return float(np.atleast_1d(cal.lambda_hat)[0])


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
    weights_scheme: WeightScheme | None = None
    cal_scores: np.ndarray | None = None
    cal_features: np.ndarray | None = None
    feature_names: tuple[str, ...] = ()
    method: str = "conformal classification"
    warnings: tuple[str, ...] = ()

    @property
    def per_test(self) -> bool:
        """Whether the threshold depends on the test point (likelihood-ratio or kernel
        weights): then :attr:`thresholds` is that of the first calibration point."""
        return self.weights_scheme is not None

    def design_features(self, newdata: pd.DataFrame) -> pd.DataFrame:
        """The formula's design columns without the intercept: what likelihood-ratio
        weights see (train the ratio's classifier on these)."""
        if self.design is None:
            raise DataError("this result was calibrated from probabilities: it has no design.")
        return self.design.transform(newdata)[list(self.feature_names)]

    def test_thresholds(self, X_test: Any) -> np.ndarray:
        """``q_hat(x)`` for each test point (per-test weights; rule ★ with ``w(x)`` on
        ``+inf``). ``X_test``: the test features (design columns without the intercept on
        the formula path, the ``X=`` columns on the array path)."""
        if not self.per_test:
            return np.full(len(np.asarray(X_test)), _q(self.calibrations["all"]))
        xt = np.asarray(X_test, dtype=float)
        xt = xt[:, None] if xt.ndim == 1 else xt
        if xt.ndim != 2 or xt.shape[1] != np.asarray(self.cal_features).shape[1]:
            raise DataError(
                f"X_test must have {np.asarray(self.cal_features).shape[1]} column(s) (the "
                f"calibration features), got shape {xt.shape}."
            )
        res = crc(
            scores=self.cal_scores,
            target_risk=1.0 - self.level,
            weights=self.weights_scheme,
            X=self.cal_features,
            X_test=xt,
        )
        return np.broadcast_to(np.asarray(res.lambda_hat, float), (xt.shape[0],)).copy()

    @property
    def thresholds(self) -> pd.Series:
        """``q_hat`` by group (``"all"`` without groups)."""
        return pd.Series({g: _q(c) for g, c in self.calibrations.items()})

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
        self,
        probs: Any,
        *,
        groups: Any = None,
        rng: Any = None,
        include_last_label: bool = False,
        X_test: Any = None,
    ) -> np.ndarray:
        """Boolean ``(m, K)`` membership ``s(x, k) <= q_hat`` from class probabilities.

        ``groups``: the test points' groups (Mondrian by a covariate); ignored without
        groups, and not needed for class-conditional sets. ``rng``: the test uniforms of
        randomised scores (default: derived from ``result.seed``, reproducible).
        ``include_last_label=True`` (non-randomised APS/RAPS only) also keeps the label
        whose cumulative mass crosses ``q_hat`` (MAPIE's default rule, more conservative).
        ``X_test``: test features, required with per-test (likelihood-ratio or kernel)
        weights; each row gets its own threshold ``q_hat(x)``.
        """
        p = check_probs(probs)
        if p.shape[1] != len(self.classes):
            raise DataError(f"probs must have {len(self.classes)} columns, got {p.shape[1]}.")
        q = None
        if self.per_test:
            if X_test is None:
                raise DataError(
                    "X_test is needed: the weights depend on the test point (likelihood-ratio "
                    "or kernel weights); give the test features."
                )
            q = self.test_thresholds(X_test)
            if q.size != p.shape[0]:
                raise DataError(f"X_test has {q.size} rows but probs has {p.shape[0]}.")
        s = class_scores(p, self.score, self._u(p.shape[0], rng), self.k_reg, self.lambda_reg)
        if include_last_label:
            if self.randomized or self.score == "lac":
                raise DataError("include_last_label=True applies to non-randomised APS/RAPS.")
            s = s - p  # mass strictly before k: the crossing label is kept
            return self._compare(s, groups, strict=True, q=q)
        return self._compare(s, groups, strict=False, q=q)

    def _compare(
        self, s: np.ndarray, groups: Any, strict: bool, q: np.ndarray | None = None
    ) -> np.ndarray:
        le = np.less if strict else np.less_equal
        if q is not None:  # per-test thresholds (no groups with per-test weights)
            return le(s, q[:, None])
        if self.groups is None:
            return le(s, _q(self.calibrations["all"]))
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
        xt = self.design_features(newdata).to_numpy(float) if self.per_test else None
        sets = self.predict_sets(self._probs(newdata), groups=g, rng=rng, X_test=xt)
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
            g: {"q_hat": _q(c), "n": c.nobs, "feasible": bool(np.atleast_1d(c.feasible)[0])}
            for g, c in self.calibrations.items()
        }
        return {"Thresholds": pd.DataFrame(rows).T}

    def _summary_notes(self) -> list[str]:
        kind = {"class": "for every class", None: "marginally"}.get(self.groups, "in every group")
        if self.per_test:
            c0 = self.calibrations["all"]
            return [
                f"Coverage >= {self.level:g} under covariate shift when the weights are the "
                f"true likelihood ratio ({c0.weights_name}; guarantee: {c0.guarantee}). Each "
                "test point x gets its own q_hat(x), the weighted quantile with w(x) on "
                "+inf; the threshold shown is that of the first calibration point."
            ]
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
    X: Any = None,
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
        Per-test weights, ``st.weights.likelihood_ratio(...)`` (covariate shift,
        Tibshirani et al. 2019) or ``st.weights.kernel(...)``, give each test point its
        own threshold: the ratio is evaluated on the formula's design columns without the
        intercept (``result.design_features(frame)``; a classifier trained on other
        columns raises) or, on the array path, on ``X``.
    probs, labels, classes : optional
        Array path: calibration probabilities ``(n, K)`` and labels instead of a model.
    X : array_like (n, p), optional
        Array path with per-test weights: the calibration features the weights see
        (give the test features to ``predict_sets(..., X_test=)``).
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
        calibration points (per group) than ``1/alpha - 1``; a string level; per-test
        weights without features (``X``) or with ``groups``; a likelihood-ratio
        classifier trained on other columns than the design's.

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
        feats = None if X is None else as_features(X, p.shape[0])
        feat_names: tuple[str, ...] = ()
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
        feat_names = tuple(str(c) for c in design.X.columns if c != "Intercept")
        feats = design.transform(calibration)[list(feat_names)].to_numpy(dtype=float)
        name = (
            "multinomial logit (statsmodels)"
            if isinstance(model, str)
            else model_name(model, prefit)
        )
    if groups not in (None, "class") and cal_groups is None:
        raise DataError("groups=<column> needs the formula path (a calibration column).")
    if groups is not None and weights is not None:
        raise DataError("weights= cannot be combined with groups= (Mondrian) yet.")
    per_test = isinstance(weights, WeightScheme) and weights.guarantee in (
        "covariate shift",
        "heuristic",
    )
    if per_test:
        if feats is None:
            raise DataError(
                "X is needed: per-test weights (likelihood ratio, kernel) are evaluated on the "
                "calibration features X (and on X_test in predict_sets)."
            )
        if isinstance(weights, _LikelihoodRatio) and design is not None:
            weights.check_features(list(feat_names))
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
        if per_test:  # summary calibration at a representative point (the first one)
            cals[g] = crc(scores=s, target_risk=alpha, weights=weights, X=feats, X_test=feats[:1])
        else:
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
        weights_scheme=weights if per_test else None,
        cal_scores=readonly(s) if per_test else None,
        cal_features=readonly(feats) if per_test and feats is not None else None,
        feature_names=feat_names,
        warnings=msgs,
    )


def as_features(X: Any, n: int) -> np.ndarray:
    """Calibration features of the array path: finite, ``(n, p)``."""
    a = np.asarray(X, dtype=float)
    a = a[:, None] if a.ndim == 1 else a
    if a.ndim != 2 or a.shape[0] != n:
        raise DataError(f"X must have one row per calibration point ({n}), got shape {a.shape}.")
    if not np.isfinite(a).all():
        raise DataError("X must be finite.")
    return a


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
