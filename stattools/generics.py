"""R-style generic functions: ``st.summary(fit)``, ``st.coef(fit)``, ``st.tidy(fit)``, ...

Each is a :func:`functools.singledispatch` function registered for stattools' two result
protocols (:class:`~stattools.core.results.ResultBase` and
:class:`~stattools.core.results.TestResult`). The fallback adapts any object with
statsmodels-like attributes (``params``, ``bse``, ``conf_int``) by duck typing, so
``st.tidy(smf.ols("y ~ x", df).fit())`` works without stattools importing statsmodels.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

import numpy as np
import pandas as pd

from .core.exceptions import ArgumentTypeError, DataError
from .core.inference import coefficient_table
from .core.results import TIDY_COLUMNS, ResultBase, TestResult
from .core.summary import Summary
from .core.validation import check_level

__all__ = [
    "summary",
    "coef",
    "confint",
    "vcov",
    "tidy",
    "glance",
    "nobs",
    "predict",
    "residuals",
    "compare",
]

_PROTOCOLS = (ResultBase, TestResult)


def _not_supported(name: str, obj: Any) -> ArgumentTypeError:
    return ArgumentTypeError(
        f"st.{name}(result): result must be a stattools result or a statsmodels-like "
        f"result with params/bse/conf_int; got a {type(obj).__name__}."
    )


def _sm_conf_int(res: Any, level: float) -> pd.DataFrame:
    ci = res.conf_int(alpha=1 - level)
    ci = pd.DataFrame(
        np.asarray(ci, dtype=float), index=_params(res).index, columns=["lower", "upper"]
    )
    ci.attrs.update(level=level, kind="wald")
    return ci


def _params(res: Any) -> pd.Series:
    p = res.params
    if isinstance(p, pd.Series):
        return p.astype(float)
    names = getattr(getattr(res, "model", None), "exog_names", None)
    return pd.Series(np.asarray(p, dtype=float), index=names)


def _bse(res: Any) -> pd.Series:
    b = getattr(res, "bse", None)
    p = _params(res)
    if b is None:
        return pd.Series(np.nan, index=p.index)
    return pd.Series(np.asarray(b, dtype=float), index=p.index)


# --------------------------------------------------------------------------- coef
@singledispatch
def coef(result: Any) -> pd.Series:
    """Estimated coefficients (``params``) as a Series.

    Examples
    --------
    >>> import stattools as st
    >>> st.coef(st.TestResult(statistic=1.5, pvalue=0.13)).tolist()
    [1.5]
    """
    if hasattr(result, "params"):
        return _params(result)
    raise _not_supported("coef", result)


@coef.register(ResultBase)
@coef.register(TestResult)
def _(result) -> pd.Series:
    return result.params


# --------------------------------------------------------------------------- confint
@singledispatch
def confint(result: Any, level: float = 0.95) -> pd.DataFrame:
    """Confidence intervals with columns ``lower`` and ``upper``."""
    level = check_level(level)
    if hasattr(result, "conf_int") and hasattr(result, "params"):
        return _sm_conf_int(result, level)
    raise _not_supported("confint", result)


@confint.register(ResultBase)
@confint.register(TestResult)
def _(result, level: float = 0.95) -> pd.DataFrame:
    return result.conf_int(level)


# --------------------------------------------------------------------------- vcov
@singledispatch
def vcov(result: Any) -> pd.DataFrame:
    """Covariance matrix of the estimates."""
    if hasattr(result, "cov_params"):
        p = _params(result)
        return pd.DataFrame(
            np.asarray(result.cov_params(), dtype=float), index=p.index, columns=p.index
        )
    raise _not_supported("vcov", result)


@vcov.register(ResultBase)
def _(result) -> pd.DataFrame:
    return result.cov_params()


@vcov.register(TestResult)
def _(result) -> pd.DataFrame:
    se = float(result.bse.iloc[0])
    return pd.DataFrame([[se * se]], index=result.params.index, columns=result.params.index)


# --------------------------------------------------------------------------- tidy
@singledispatch
def tidy(result: Any, conf_int: bool = True, level: float = 0.95) -> pd.DataFrame:
    """broom-style table: term, estimate, std_error, statistic, p_value, conf_low, conf_high.

    Examples
    --------
    >>> import numpy as np, pandas as pd, statsmodels.api as sm, stattools as st
    >>> rng = np.random.default_rng(0)
    >>> X = sm.add_constant(rng.normal(size=50))
    >>> fit = sm.OLS(X @ [1.0, 2.0] + rng.normal(size=50), X).fit()
    >>> list(st.tidy(fit).columns) == st.core.results.TIDY_COLUMNS
    True
    """
    if not hasattr(result, "params"):
        raise _not_supported("tidy", result)
    p, b = _params(result), _bse(result)
    stat = getattr(result, "tvalues", p / b)
    pv = getattr(result, "pvalues", None)
    out = pd.DataFrame(
        {
            "term": [str(t) for t in p.index],
            "estimate": p.to_numpy(),
            "std_error": b.to_numpy(),
            "statistic": np.asarray(stat, dtype=float),
            "p_value": np.asarray(pv, dtype=float) if pv is not None else np.nan,
        }
    )
    if conf_int and hasattr(result, "conf_int"):
        ci = _sm_conf_int(result, check_level(level))
        out["conf_low"], out["conf_high"] = ci["lower"].to_numpy(), ci["upper"].to_numpy()
    else:
        out["conf_low"], out["conf_high"] = np.nan, np.nan
    return out[TIDY_COLUMNS]


@tidy.register(ResultBase)
@tidy.register(TestResult)
def _(result, conf_int: bool = True, level: float = 0.95) -> pd.DataFrame:
    return result.tidy(conf_int=conf_int, level=level)


# --------------------------------------------------------------------------- glance
_GLANCE_ATTRS = (
    "rsquared",
    "rsquared_adj",
    "llf",
    "aic",
    "bic",
    "df_model",
    "df_resid",
    "fvalue",
    "f_pvalue",
    "scale",
)


@singledispatch
def glance(result: Any) -> pd.DataFrame:
    """One-row model summary (nobs, method and fit statistics)."""
    if not hasattr(result, "params"):
        raise _not_supported("glance", result)
    model = getattr(result, "model", None)
    row: dict[str, Any] = {
        "nobs": int(getattr(result, "nobs", len(_params(result)))),
        "method": type(model).__name__ if model is not None else type(result).__name__,
    }
    for a in _GLANCE_ATTRS:
        try:
            v = getattr(result, a)
        except Exception:  # statsmodels raises for undefined statistics
            continue
        if np.isscalar(v):
            row[a] = int(v) if a.startswith("df_") and float(v).is_integer() else float(v)
    return pd.DataFrame([row])


@glance.register(ResultBase)
@glance.register(TestResult)
def _(result) -> pd.DataFrame:
    return result.glance()


# --------------------------------------------------------------------------- nobs
@singledispatch
def nobs(result: Any) -> int:
    """Number of observations."""
    if hasattr(result, "nobs"):
        if result.nobs is None:
            raise DataError(
                f"st.nobs(result): this {type(result).__name__} does not record the number "
                "of observations (its nobs is None)."
            )
        return int(result.nobs)
    raise _not_supported("nobs", result)


# --------------------------------------------------------------------------- summary
@singledispatch
def summary(result: Any, level: float = 0.95) -> Summary:
    """A :class:`~stattools.core.summary.Summary` (text, HTML, LaTeX, Markdown, CSV).

    For statsmodels results the summary is rebuilt from ``params``/``bse`` so that it
    exports like any stattools summary.
    """
    level = check_level(level)
    if not hasattr(result, "params"):
        raise _not_supported("summary", result)
    g = glance(result).iloc[0]
    header = [(k, v) for k, v in g.items()]
    stat_name = "t" if getattr(result, "use_t", False) else "z"
    table = coefficient_table(_params(result), _bse(result), level, stat_name=stat_name)
    if hasattr(result, "conf_int"):
        ci = _sm_conf_int(result, level)
        table.iloc[:, -2], table.iloc[:, -1] = ci["lower"].to_numpy(), ci["upper"].to_numpy()
    if hasattr(result, "pvalues") and hasattr(result, "tvalues"):
        table.iloc[:, 2] = np.asarray(result.tvalues, dtype=float)
        table.iloc[:, 3] = np.asarray(result.pvalues, dtype=float)
    notes = []
    cov = getattr(result, "cov_type", None)
    if cov:
        notes.append(f"Covariance type: {cov}.")
    return Summary(f"{g['method']} results", header, {"Coefficients": table}, notes)


@summary.register(ResultBase)
@summary.register(TestResult)
def _(result, level: float = 0.95) -> Summary:
    return result.summary(level=level)


# --------------------------------------------------------------------------- predict / resid
@singledispatch
def predict(result: Any, newdata: Any = None, **kwargs: Any) -> Any:
    """Predictions from a fitted model (``result.predict``)."""
    if hasattr(result, "predict"):
        return (
            result.predict(newdata, **kwargs) if newdata is not None else result.predict(**kwargs)
        )
    raise _not_supported("predict", result)


@singledispatch
def augment(result: Any, data: Any = None, **kwargs: Any) -> pd.DataFrame:
    """broom's ``augment``: the data plus ``.fitted``, ``.resid`` (and ``.lower``/``.upper``).

    Works on every stattools regression-type result that has an ``augment`` method and on
    statsmodels results (``fittedvalues``/``resid``).

    Examples
    --------
    >>> import stattools as st
    >>> sim = st.simulate_acd(300, omega=0.1, alpha=0.1, beta=0.8, rng=0)
    >>> st.augment(st.acd("duration ~ 1", data=sim)).columns.tolist()
    ['duration', '.fitted', '.resid']
    """
    if hasattr(result, "augment"):
        return result.augment(data, **kwargs)
    if hasattr(result, "fittedvalues") and hasattr(result, "resid"):
        from .core.results import augment_frame

        return augment_frame(data, np.asarray(result.fittedvalues), np.asarray(result.resid))
    raise _not_supported("augment", result)


@singledispatch
def residuals(result: Any) -> Any:
    """Residuals of a fitted model (``result.resid``)."""
    if hasattr(result, "resid"):
        return result.resid
    raise _not_supported("residuals", result)


# --------------------------------------------------------------------------- compare
def compare(*results: Any, names: list[str] | None = None) -> Summary:
    """Side-by-side comparison of several results (estimates, standard errors, glance).

    Parameters
    ----------
    *results
        stattools or statsmodels-like results.
    names : list of str, optional
        Column labels (default ``model 1``, ``model 2``, ...).
    """
    if not results:
        raise DataError("compare() needs at least one result in *results.")
    for i, r in enumerate(results):
        if not isinstance(r, _PROTOCOLS) and not hasattr(r, "params"):
            raise ArgumentTypeError(
                f"compare(*results): results[{i}] must be a stattools result or a "
                f"statsmodels-like result with params; got a {type(r).__name__}."
            )
    names = names or [f"model {i}" for i in range(1, len(results) + 1)]
    if isinstance(names, str) or len(names) != len(results):
        raise DataError(
            f"names must be a list with one label per result ({len(results)}); got {names!r}."
        )
    est = pd.concat(
        [tidy(r, conf_int=False).set_index("term")["estimate"] for r in results], axis=1, keys=names
    )
    se = pd.concat(
        [tidy(r, conf_int=False).set_index("term")["std_error"] for r in results],
        axis=1,
        keys=names,
    )
    stats = pd.concat([glance(r).iloc[0] for r in results], axis=1, keys=names)
    return Summary(
        "Model comparison",
        [("Models", len(results))],
        {"Estimates": est, "Standard errors": se, "Fit statistics": stats},
    )
