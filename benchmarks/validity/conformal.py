"""Calibration of the conformal family: coverage and risk under iid, drift and covariate shift.

Every replication draws one training set, one calibration set and ONE test point, so each
coverage indicator is an exact Bernoulli draw (no dependence between test points). Three
settings, each with unit weights and with the matching weights:

* ``iid``: ``x ~ N(0, 1)``, ``y = x + (0.5 + |x|/2) e``;
* ``drift``: the noise scale grows linearly with the row index (the test point is the
  newest); weighted = ``st.weights.decay(0.99)``;
* ``covariate_shift``: calibration ``x ~ N(0, 1)``, test ``x ~ N(1, 1)``; weighted =
  the known likelihood ratio ``exp(x - 1/2)`` (Tibshirani et al. 2019).

Methods: split CP (OLS), CQR (QuantReg), CV+ and J+aB (regression, unweighted only),
LAC and APS sets (classification), CRC with the interval hinge loss (mean risk), LTT and
RCPS (failure probability, should be <= delta), ACI (long-run miscoverage on a drifting
stream). ``nominal`` values are the exact split-CP coverage ``ceil((n+1) level)/(n+1)``
where it holds; under drift/shift without weights no guarantee holds (reported only).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

import stattools as st
from stattools.core.exceptions import StattoolsWarning

LEVEL = 0.9
N_TRAIN, N_CAL = 200, 199
EXACT = math.ceil((N_CAL + 1) * LEVEL) / (N_CAL + 1)


def _frame(rng: np.random.Generator, n: int, setting: str, *, test: bool = False) -> pd.DataFrame:
    mean = 1.0 if (test and setting == "covariate_shift") else 0.0
    x = rng.normal(mean, 1.0, size=n)
    scale = 0.5 + 0.5 * np.abs(x)
    return pd.DataFrame({"x": x, "y": x + scale * rng.normal(size=n)})


def simulate_regression(design: dict, rng: np.random.Generator) -> dict[str, Any]:
    """Training, calibration and one test row for ``design['setting']``."""
    setting = str(design["setting"])
    tr = _frame(rng, N_TRAIN, setting)
    cal = _frame(rng, N_CAL, setting)
    te = _frame(rng, 1, setting, test=True)
    if setting == "drift":  # noise scale grows with time: calibration rows 0..n-1, test n
        t = np.arange(N_CAL + 1)
        grow = 1.0 + 2.0 * t / N_CAL
        cal["y"] = cal["x"] + (cal["y"] - cal["x"]) * grow[:-1]
        te["y"] = te["x"] + (te["y"] - te["x"]) * grow[-1]
        cal["time"] = t[:-1].astype(float)
        te["time"] = float(N_CAL)
    return {"train": tr, "cal": cal, "test": te, "setting": setting}


def _weights(setting: str) -> tuple[Any, dict[str, Any]]:
    if setting == "covariate_shift":
        return st.weights.likelihood_ratio(ratio=lambda x: np.exp(x[:, 0] - 0.5)), {}
    if setting == "drift":
        return st.weights.decay(0.99), {"time": "time"}
    return st.weights.decay(0.99), {}


def _covered(fit: Any, te: pd.DataFrame) -> float:
    p = fit.predict(te)
    y = float(te["y"].iloc[0])
    return float(p["lower"].iloc[0] <= y <= p["upper"].iloc[0])


def _quantile_model() -> Any:
    """Exact LP quantile regression (scikit-learn, HiGHS) when available: 30x faster than
    statsmodels' IRLS ``"quantreg"`` and the calibration does not depend on the choice."""
    try:
        from sklearn.linear_model import QuantileRegressor
    except ImportError:  # pragma: no cover - sklearn is an optional extra
        return "quantreg"
    return QuantileRegressor(alpha=0.0, solver="highs")


def analyse_regression(data: dict[str, Any]) -> dict[str, float]:
    """Coverage of split CP and CQR (unit and matching weights), CV+ and J+aB."""
    tr, cal, te, setting = data["train"], data["cal"], data["test"], data["setting"]
    w, kw = _weights(setting)
    out: dict[str, float] = {}
    qm = _quantile_model()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        for m in ("split", "cqr"):
            mk = {"model": qm} if m == "cqr" else {}
            f0 = st.conformal_regression(
                "y ~ 0 + x" if m == "cqr" and qm != "quantreg" else "y ~ x",
                tr,
                calibration=cal,
                method=m,
                level=LEVEL,
                **mk,
            )
            out[f"cover_{m}"] = _covered(f0, te)
            f1 = st.conformal_regression(
                "y ~ 0 + x" if m == "cqr" and qm != "quantreg" else "y ~ x",
                tr,
                calibration=cal,
                method=m,
                level=LEVEL,
                weights=w,
                **kw,
                **mk,
            )
            out[f"cover_{m}_weighted"] = _covered(f1, te)
        both = pd.concat([tr, cal.drop(columns="time", errors="ignore")], ignore_index=True)
        out["cover_cv_plus"] = _covered(
            st.conformal_regression("y ~ x", both, method="cv+", level=LEVEL), te
        )
        out["cover_jab_plus"] = _covered(
            st.conformal_regression(
                "y ~ x", both, method="jab+", level=LEVEL, n_resamples=20, rng=int(tr["x"].size)
            ),
            te,
        )
    return out


def simulate_classification(design: dict, rng: np.random.Generator) -> dict[str, Any]:
    """Three-class multinomial-logit data; the setting shifts x as for regression."""
    setting = str(design["setting"])

    def draw(n: int, test: bool = False) -> pd.DataFrame:
        x = rng.normal(1.0 if (test and setting == "covariate_shift") else 0.0, 1.0, size=n)
        eta = np.c_[np.zeros(n), 1.5 * x, 0.5 - x**2]
        p = np.exp(eta)
        p /= p.sum(1, keepdims=True)
        y = (rng.uniform(size=(n, 1)) > p.cumsum(1)).sum(1)
        return pd.DataFrame({"x": x, "y": np.array(["a", "b", "c"])[y]})

    return {"train": draw(N_TRAIN), "cal": draw(N_CAL), "test": draw(1, True), "setting": setting}


def analyse_classification(data: dict[str, Any]) -> dict[str, float]:
    """Coverage of LAC and randomised APS sets, unit weights and fixed decay(0.99) weights
    (classification takes fixed weights; per-test likelihood ratios are not offered)."""
    tr, cal, te = data["train"], data["cal"], data["test"]
    out: dict[str, float] = {}
    seed = int(abs(float(tr["x"].iloc[0])) * 1e6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        for score in ("lac", "aps"):
            for suffix, w in (("", None), ("_weighted", st.weights.decay(0.99))):
                res = st.conformal_classification(
                    "y ~ x + I(x**2)",
                    tr,
                    calibration=cal,
                    score=score,
                    level=LEVEL,
                    weights=w,
                    rng=seed,
                )
                out[f"cover_{score}{suffix}"] = float(res.evaluate(te)["coverage"].iloc[0])
    return out


def simulate_ltt(design: dict, rng: np.random.Generator) -> np.ndarray:
    """Scores ``s ~ U(0, 1)``: the risk of ``L = 1{s > lambda}`` is ``1 - lambda``."""
    return rng.uniform(size=int(design["n"]))


def analyse_ltt(s: np.ndarray) -> dict[str, float]:
    """Failure indicators (a valid lambda with risk > target): must have rate <= delta."""
    grid = np.linspace(0.5, 1.0, 51)
    L = (s[:, None] > grid).astype(float)
    out: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        for k in ("hb", "wsr"):
            r = st.ltt(L, 0.1, delta=0.1, lambdas=grid, pvalues=k, binary=True)
            out[f"reject_fail_ltt_{k}"] = float((1.0 - r.valid_lambdas > 0.1 + 1e-12).any())
        for k in ("hoeffding", "wsr"):
            r = st.rcps(L, 0.1, delta=0.1, lambdas=grid, ucb=k)
            out[f"reject_fail_rcps_{k}"] = float(1.0 - r.lambda_hat > 0.1 + 1e-12)
    return out


def simulate_crc(design: dict, rng: np.random.Generator) -> dict[str, Any]:
    """Same data as :func:`simulate_regression` (the hinge loss with ``y_range``)."""
    return simulate_regression(design, rng)


def analyse_crc(data: dict[str, Any]) -> dict[str, float]:
    """CRC hinge loss at the test point (its mean must be <= target 0.1), B = 4."""
    tr, cal, te, setting = data["train"], data["cal"], data["test"], data["setting"]
    w, kw = _weights(setting)
    out: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StattoolsWarning)
        for name, ww in (("crc", None), ("crc_weighted", w)):
            fit = st.conformal_regression(
                "y ~ x",
                tr,
                calibration=cal,
                loss="hinge",
                target_risk=0.1,
                bound=4.0,
                weights=ww,
                **(kw if ww is not None else {}),
            )
            p = fit.predict(te)
            y = float(te["y"].iloc[0])
            d = max(p["lower"].iloc[0] - y, y - p["upper"].iloc[0], 0.0)
            out[f"risk_{name}"] = min(4.0, d)
    return out


def studies() -> list[dict]:
    """The family's calibration designs (see the module docstring)."""
    settings = {"setting": ["iid", "drift", "covariate_shift"]}
    return [
        dict(
            name="conformal_regression_coverage",
            title="Regression intervals: split CP, CQR, CV+, J+aB",
            description=(
                f"n_train = {N_TRAIN}, n_cal = {N_CAL}, one test point per replication; "
                "level 0.9. Weighted = decay(0.99) (iid, drift) or the true likelihood ratio "
                "(covariate shift). Exact split-CP coverage under exchangeability is "
                f"{EXACT:.4f}."
            ),
            simulate=simulate_regression,
            analyse=analyse_regression,
            grid=settings,
            reps=1000,
            reps_ci=40,
            nominal={"cover_split": EXACT, "cover_cqr": EXACT},
            kind="coverage",
        ),
        dict(
            name="conformal_classification_coverage",
            title="Classification sets: LAC and randomised APS",
            description=(
                "Three classes, multinomial logit with x and x^2, level 0.9; one test point."
            ),
            simulate=simulate_classification,
            analyse=analyse_classification,
            grid={"setting": ["iid", "covariate_shift"]},  # no drift generator for labels
            reps=1000,
            reps_ci=40,
            nominal={"cover_lac": EXACT, "cover_aps": EXACT},
            kind="coverage",
        ),
        dict(
            name="conformal_crc_hinge_risk",
            title="CRC interval hinge loss (target 0.1, B = 4)",
            description="Mean hinge loss at one test point; must be <= 0.1 when guaranteed.",
            simulate=simulate_crc,
            analyse=analyse_crc,
            grid=settings,
            reps=1000,
            reps_ci=40,
            nominal={},
            kind="coverage",
        ),
        dict(
            name="conformal_ltt_failure",
            title="LTT and RCPS failure probability (delta = 0.1)",
            description=(
                "L = 1{s > lambda}, s ~ U(0,1), grid 0.5..1 (51 points), target 0.1; "
                "a failure is a certified lambda with true risk above 0.1; rate <= 0.1."
            ),
            simulate=simulate_ltt,
            analyse=analyse_ltt,
            grid={"n": [200, 1000]},
            reps=1000,
            reps_ci=40,
            nominal={},
            kind="size",
        ),
    ]
