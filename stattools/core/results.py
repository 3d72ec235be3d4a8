"""The result protocol shared by every family.

* :class:`ResultBase` - the one base class of model/estimator results. Subclasses are
  ``@dataclass(frozen=True, repr=False)`` and provide ``params`` (a Series by term); every
  other member has a default derived from a few hooks, so no member raises
  ``AttributeError``.
* :class:`Estimate` - a derived scalar (value, se) with ``conf_int(level)``.
* :class:`TestResult` - a frozen hypothesis-test result (scipy-style unpacking).
* :class:`InvalidTestResult` - returned, never raised, when a test is undefined for the data.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, dataclass, field, fields
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DataError
from .inference import coefficient_table, normal_conf_int, normal_pvalue
from .plotting import figure_axes as _figure_axes
from .summary import Summary
from .validation import check_level

__all__ = [
    "ResultBase",
    "Estimate",
    "TestResult",
    "InvalidTestResult",
    "default_member",
    "readonly",
    "result_classes",
    "TIDY_COLUMNS",
    "augment_frame",
]

TIDY_COLUMNS = ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]


def readonly(x: Any) -> Any:
    """Return ``x`` with its numpy buffer marked read-only (arrays, Series, DataFrames)."""
    if isinstance(x, np.ndarray):
        x = x.view()
        x.flags.writeable = False
    elif isinstance(x, pd.Series | pd.DataFrame):
        x = x.copy()
        try:
            x.to_numpy().flags.writeable = False
        except (ValueError, AttributeError):  # pragma: no cover - extension arrays
            pass
    return x


class default_member:  # noqa: N801 - used like ``property``
    """A read-only default that a subclass may replace by a dataclass field or property.

    Unlike ``property`` it is a non-data descriptor, so a frozen dataclass field of the
    same name in a subclass takes precedence.
    """

    def __init__(self, fget):
        self.fget = fget
        self.__doc__ = fget.__doc__

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return self.fget(obj)


def augment_frame(
    data: pd.DataFrame | None,
    fitted: Any,
    resid: Any = None,
    *,
    lower: Any = None,
    upper: Any = None,
    index: Any = None,
) -> pd.DataFrame:
    """broom's ``augment``: ``data`` (or an empty frame) plus ``.fitted``, ``.resid``,
    ``.lower``, ``.upper`` (the last three only when given).

    Examples
    --------
    >>> augment_frame(pd.DataFrame({"y": [1.0, 2.0]}), [1.5, 1.5], [-0.5, 0.5]).columns.tolist()
    ['y', '.fitted', '.resid']
    """
    fitted_arr = np.asarray(fitted)
    n = fitted_arr.shape[0]
    if data is None:
        out = pd.DataFrame(index=index if index is not None else pd.RangeIndex(n))
    else:
        if not isinstance(data, pd.DataFrame):
            from .exceptions import DataError

            raise DataError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
        if len(data) != n:
            from .exceptions import DataError

            raise DataError(
                f"data has {len(data)} rows but the fit has {n} fitted values; pass the rows "
                "that were used in the fit (after dropping missing values)."
            )
        out = data.copy()
    cols = {".fitted": fitted, ".resid": resid, ".lower": lower, ".upper": upper}
    for name, value in cols.items():
        if value is None:
            continue
        arr = np.asarray(value)
        out[name] = list(arr) if arr.ndim > 1 else arr
    return out


def _nan_series(index) -> pd.Series:
    return pd.Series(np.nan, index=index, dtype=float)


def _conf_frame(index, lower, upper, level: float, kind: str) -> pd.DataFrame:
    df = pd.DataFrame(
        {"lower": np.asarray(lower, dtype=float), "upper": np.asarray(upper, dtype=float)},
        index=index,
    )
    df.attrs["level"] = level
    df.attrs["kind"] = kind
    return df


class ResultBase:
    """Base class of every estimation result in stattools.

    Subclasses are frozen dataclasses that supply at least ``params`` (a Series by term)
    and ``nobs``. Everything printable is derived from the hooks ``_title``,
    ``_summary_header``, ``_summary_tables``, ``_summary_notes``, ``_glance_stats`` and
    ``_plot``; override those, not ``summary``/``tidy``/``glance``/``plot``.
    """

    method: str = ""
    _conf_int_kind: str = "wald"

    # ---------------------------------------------------------------- defaults
    @default_member
    def bse(self) -> pd.Series:
        """Standard errors by term (NaN where undefined)."""
        return _nan_series(self.params.index)

    @default_member
    def nobs(self) -> int:
        """Number of observations used."""
        return 0

    @default_member
    def warnings(self) -> tuple[str, ...]:
        """Messages of the warnings emitted while computing the result."""
        return ()

    @default_member
    def converged(self) -> bool | None:
        """Whether the optimiser/sampler converged (None if not applicable)."""
        return None

    @default_member
    def tvalues(self) -> pd.Series:
        """Estimate divided by its standard error."""
        return self.params / self.bse

    @default_member
    def pvalues(self) -> pd.Series:
        """Two-sided normal p-values of ``tvalues``."""
        z = self.tvalues.to_numpy(dtype=float)
        return pd.Series(np.atleast_1d(normal_pvalue(z)), index=self.params.index)

    def cov_params(self) -> pd.DataFrame:
        """Covariance matrix of ``params`` (NaN where undefined)."""
        idx = self.params.index
        return pd.DataFrame(np.nan, index=idx, columns=idx)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence interval with columns ``lower``, ``upper``; ``.attrs`` has level and kind."""
        level = check_level(level)
        lo, hi = normal_conf_int(
            self.params.to_numpy(dtype=float), self.bse.to_numpy(dtype=float), level
        )
        kind = self._conf_int_kind if np.isfinite(lo).any() else "not-applicable"
        return _conf_frame(self.params.index, lo, hi, level, kind)

    # ---------------------------------------------------------------- hooks
    def _title(self) -> str:
        return self.method or type(self).__name__

    def _summary_header(self) -> list[tuple[str, Any]]:
        head: list[tuple[str, Any]] = [
            ("Method", self.method or type(self).__name__),
            ("No. observations", self.nobs),
        ]
        if self.converged is not None:
            head.append(("Converged", self.converged))
        return head

    def _summary_tables(self, level: float) -> dict[str, pd.DataFrame]:
        return {"Coefficients": coefficient_table(self.params, self.bse, level)}

    def _summary_notes(self) -> list[str]:
        return []

    def _glance_stats(self) -> dict[str, Any]:
        return {}

    def _plot(self, kind: str | None, ax, **kwargs):
        """Default plot: estimates with their 95 % intervals."""
        fig, ax = _figure_axes(ax)
        ci = self.conf_int(0.95)
        y = np.arange(len(self.params))
        est = self.params.to_numpy(dtype=float)
        err = np.vstack([est - ci["lower"].to_numpy(), ci["upper"].to_numpy() - est])
        ax.errorbar(est, y, xerr=np.where(np.isfinite(err), err, 0), fmt="o", capsize=3)
        ax.set_yticks(y, [str(t) for t in self.params.index])
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_xlabel("estimate (95% interval)")
        return fig

    # ---------------------------------------------------------------- protocol
    def summary(self, level: float = 0.95) -> Summary:
        """Summary tables, exportable to text, HTML, LaTeX, Markdown and CSV."""
        level = check_level(level)
        notes = list(self._summary_notes()) + [f"Warning: {w}" for w in self.warnings]
        return Summary(self._title(), self._summary_header(), self._summary_tables(level), notes)

    def tidy(self, conf_int: bool = True, level: float = 0.95) -> pd.DataFrame:
        """broom-style table: term, estimate, std_error, statistic, p_value, conf_low, conf_high."""
        out = pd.DataFrame(
            {
                "term": [str(t) for t in self.params.index],
                "estimate": self.params.to_numpy(dtype=float),
                "std_error": self.bse.to_numpy(dtype=float),
                "statistic": self.tvalues.to_numpy(dtype=float),
                "p_value": self.pvalues.to_numpy(dtype=float),
            }
        )
        if conf_int:
            ci = self.conf_int(level)
            out["conf_low"] = ci["lower"].to_numpy()
            out["conf_high"] = ci["upper"].to_numpy()
        else:
            out["conf_low"] = np.nan
            out["conf_high"] = np.nan
        return out

    def glance(self) -> pd.DataFrame:
        """One-row model summary: nobs, method and family statistics."""
        row = {"nobs": self.nobs, "method": self.method or type(self).__name__}
        row.update(self._glance_stats())
        return pd.DataFrame([row])

    def plot(self, kind: str | None = None, ax=None, **kwargs):
        """Plot the result; returns a matplotlib Figure (``ax.figure`` when ``ax`` is given)."""
        return self._plot(kind, ax, **kwargs)

    def __str__(self) -> str:
        return self.summary().as_text()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self._title()}, nobs={self.nobs}>"

    def _repr_html_(self) -> str:
        return self.summary().as_html()


# ====================================================================== Estimate
@dataclass(frozen=True)
class Estimate:
    """A derived scalar with a standard error, e.g. persistence ``alpha + beta``.

    Examples
    --------
    >>> e = Estimate(0.95, 0.01, name="persistence")
    >>> [round(v, 4) for v in e.conf_int(0.95)]
    [0.9304, 0.9696]
    """

    value: float
    se: float = math.nan
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _real_field(self.value, "value"))
        se = _real_field(self.se, "se")
        if se < 0:
            raise DataError(f"se must be non-negative (or NaN), got {self.se!r}.")
        object.__setattr__(self, "se", se)

    def conf_int(self, level: float = 0.95) -> tuple[float, float]:
        """Wald interval ``value -/+ z * se``."""
        lo, hi = normal_conf_int(self.value, self.se, level)
        return float(lo), float(hi)

    def __float__(self) -> float:
        return float(self.value)


# ====================================================================== tests
def _real_field(value: Any, name: str) -> float:
    """``float(value)`` for a real scalar (NaN allowed), else a DataError naming the field."""
    if isinstance(value, str | bytes | bool) or not isinstance(value, int | float | np.number):
        if not (isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf"):
            raise DataError(f"{name} must be a real number, got {type(value).__name__} {value!r}.")
    return float(value)


def _pvalue_field(value: Any) -> float:
    """A p-value in [0, 1] (NaN allowed for undefined tests; rounding by 1e-12 is clipped)."""
    p = _real_field(value, "pvalue")
    if math.isnan(p):
        return p
    if not -1e-12 <= p <= 1 + 1e-12:
        raise DataError(f"pvalue must lie in [0, 1] (or be NaN), got {value!r}.")
    return min(max(p, 0.0), 1.0)


def _is_scalar(v: Any) -> bool:
    return isinstance(v, int | float | str | bool | np.integer | np.floating | np.bool_)


@dataclass(frozen=True, repr=False)
class TestResult:
    """Result of a hypothesis test (immutable).

    Unpacks like scipy's results: ``statistic, pvalue = st.some_test(...)``.
    Entries of ``extra`` are also readable as attributes (``res.k_hat``).

    Examples
    --------
    >>> r = TestResult(statistic=2.0, pvalue=0.0455, method="z-test", null_hypothesis="mu = 0")
    >>> stat, p = r
    >>> r.tidy()[["statistic", "p_value"]].iloc[0].tolist()
    [2.0, 0.0455]
    """

    __test__ = False  # not a pytest test class

    statistic: float
    pvalue: float
    method: str = ""
    null_hypothesis: str = ""
    alternative: str = "two-sided"
    df: float | None = None
    estimate: float | None = None
    std_error: float | None = None
    critical_values: Mapping[str, float] | None = None
    null_distribution: np.ndarray | None = None
    n_resamples: int | None = None
    nobs: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "statistic", _real_field(self.statistic, "statistic"))
        object.__setattr__(self, "pvalue", _pvalue_field(self.pvalue))
        if self.df is not None and not _real_field(self.df, "df") >= 0:
            raise DataError(f"df must be non-negative, got {self.df!r}.")
        for name in ("n_resamples", "nobs"):
            v = getattr(self, name)
            if v is not None and (
                isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0
            ):
                raise DataError(f"{name} must be a non-negative integer or None, got {v!r}.")
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra or {})))
        object.__setattr__(self, "warnings", tuple(self.warnings))
        if self.critical_values is not None:
            object.__setattr__(
                self, "critical_values", MappingProxyType(dict(self.critical_values))
            )
        if self.null_distribution is not None:
            object.__setattr__(
                self, "null_distribution", readonly(np.asarray(self.null_distribution, dtype=float))
            )

    def __reduce__(self):
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        state["extra"] = dict(self.extra)
        if self.critical_values is not None:
            state["critical_values"] = dict(self.critical_values)
        return (_rebuild_test, (type(self), state))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("extra",):
            raise AttributeError(name)
        extra = self.__dict__.get("extra")
        if extra is not None and name in extra:
            return extra[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __iter__(self) -> Iterator[float]:
        yield self.statistic
        yield self.pvalue

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(method={self.method!r}, statistic={self.statistic:.6g}, "
            f"pvalue={self.pvalue:.6g})"
        )

    @property
    def is_valid(self) -> bool:
        """True: the test is defined for these data (see :class:`InvalidTestResult`)."""
        return True

    # --------------------------------------------------------------- protocol
    @property
    def params(self) -> pd.Series:
        """The estimate if the test has one, else the statistic."""
        if self.estimate is not None and _is_scalar(self.estimate):
            return pd.Series([float(self.estimate)], index=["estimate"])
        return pd.Series([self.statistic], index=["statistic"])

    @property
    def bse(self) -> pd.Series:
        """Standard error of ``params`` (NaN if not available)."""
        se = (
            self.std_error
            if (self.std_error is not None and self.estimate is not None)
            else math.nan
        )
        return pd.Series([float(se)], index=self.params.index)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Wald interval for the estimate when estimate and std_error are known, else NaN."""
        level = check_level(level)
        se = float(self.bse.iloc[0])
        if math.isfinite(se):
            lo, hi = normal_conf_int(float(self.params.iloc[0]), se, level)
            return _conf_frame(self.params.index, [lo], [hi], level, "wald")
        return _conf_frame(self.params.index, [math.nan], [math.nan], level, "not-applicable")

    def _details(self) -> pd.DataFrame:
        rows = {
            k: v
            for k, v in self.extra.items()
            if _is_scalar(v) and not k.startswith("_") and k != "seed"  # seed: header row
        }
        return pd.DataFrame({"value": list(rows.values())}, index=list(rows.keys()), dtype=object)

    def _summary_notes(self) -> list[str]:
        return []

    def summary(self, level: float = 0.95) -> Summary:
        """Summary of the test, exportable like every other summary."""
        head: list[tuple[str, Any]] = [
            ("Test", self.method),
            ("H0", self.null_hypothesis),
            ("Alternative", self.alternative),
        ]
        if self.nobs is not None:
            head.append(("No. observations", self.nobs))
        if self.n_resamples is not None:
            head.append(("Resamples", self.n_resamples))
        if self.extra.get("seed") is not None:  # stochastic tests: rng=<seed> reproduces them
            head.append(("Seed", self.extra["seed"]))
        test = {"statistic": [self.statistic], "p-value": [self.pvalue]}
        if self.df is not None:
            test["df"] = [self.df]
        if self.estimate is not None and _is_scalar(self.estimate):
            test["estimate"] = [float(self.estimate)]
            test["std err"] = [float(self.bse.iloc[0])]
            ci = self.conf_int(level)
            test[f"[{100 * level:g}%"] = [ci["lower"].iloc[0]]
            test[f"{100 * level:g}%]"] = [ci["upper"].iloc[0]]
        tables = {"Test": pd.DataFrame(test, index=[self.method or "test"])}
        if self.critical_values:
            tables["Critical values"] = pd.DataFrame(
                {"critical value": list(self.critical_values.values())},
                index=list(self.critical_values.keys()),
            )
        details = self._details()
        if len(details):
            tables["Details"] = details
        notes = list(self._summary_notes()) + [f"Warning: {w}" for w in self.warnings]
        return Summary(self.method or "Hypothesis test", head, tables, notes)

    def tidy(self, conf_int: bool = True, level: float = 0.95) -> pd.DataFrame:
        """One-row broom-style table plus df, method and alternative."""
        ci = self.conf_int(level) if conf_int else None
        return pd.DataFrame(
            {
                "term": [self.method or "test"],
                "estimate": [float(self.params.iloc[0]) if self.estimate is not None else math.nan],
                "std_error": [float(self.bse.iloc[0])],
                "statistic": [self.statistic],
                "p_value": [self.pvalue],
                "conf_low": [ci["lower"].iloc[0] if ci is not None else math.nan],
                "conf_high": [ci["upper"].iloc[0] if ci is not None else math.nan],
                "df": [math.nan if self.df is None else float(self.df)],
                "method": [self.method],
                "alternative": [self.alternative],
            }
        )

    def glance(self) -> pd.DataFrame:
        """One-row table: nobs, method, statistic, p_value, df, alternative, n_resamples."""
        return pd.DataFrame(
            [
                {
                    "nobs": self.nobs,
                    "method": self.method,
                    "statistic": self.statistic,
                    "p_value": self.pvalue,
                    "df": self.df,
                    "alternative": self.alternative,
                    "n_resamples": self.n_resamples,
                    "is_valid": self.is_valid,
                }
            ]
        )

    def plot(self, kind: str | None = None, ax=None, **kwargs):
        """Null distribution (resampled histogram or asymptotic density) with the statistic."""
        from scipy import stats

        fig, ax = _figure_axes(ax)
        if self.null_distribution is not None and np.isfinite(self.null_distribution).any():
            d = self.null_distribution[np.isfinite(self.null_distribution)]
            ax.hist(
                d,
                bins=min(50, max(10, d.size // 20)),
                density=True,
                alpha=0.6,
                label="resampled null",
            )
        else:
            if self.df is not None:
                dist = stats.chi2(self.df)
                lo, hi = (
                    0.0,
                    max(dist.ppf(0.999), self.statistic if math.isfinite(self.statistic) else 0),
                )
            else:
                dist = stats.norm()
                s = abs(self.statistic) if math.isfinite(self.statistic) else 0
                lo, hi = -max(4, s + 0.5), max(4, s + 0.5)
            xs = np.linspace(lo, hi * 1.05 + 1e-9, 400)
            ax.plot(xs, dist.pdf(xs), label="asymptotic null")
        if math.isfinite(self.statistic):
            ax.axvline(self.statistic, color="C3", label=f"statistic = {self.statistic:.3g}")
        ax.set_title(
            f"{self.method} (p = {self.pvalue:.3g})" if self.is_valid else f"{self.method}: invalid"
        )
        ax.legend()
        return fig

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def _rebuild_test(cls, state):
    obj = cls.__new__(cls)
    for k, v in state.items():
        object.__setattr__(obj, k, v)
    object.__setattr__(obj, "extra", MappingProxyType(dict(state.get("extra") or {})))
    if state.get("critical_values") is not None:
        object.__setattr__(obj, "critical_values", MappingProxyType(dict(state["critical_values"])))
    return obj


@dataclass(frozen=True, repr=False, init=False)
class InvalidTestResult(TestResult):
    """A test that is undefined for the data: NaN statistic and p-value plus the reason.

    Returned, never raised (like linearmodels' ``InvalidTestStatistic``).

    Examples
    --------
    >>> r = InvalidTestResult("zero variance", method="CUSUM")
    >>> r.is_valid, r.reason
    (False, 'zero variance')
    """

    reason: str = ""

    def __init__(
        self,
        reason: str,
        method: str = "",
        null_hypothesis: str = "",
        alternative: str = "two-sided",
        nobs: int | None = None,
        extra: Mapping[str, Any] | None = None,
        warnings: tuple[str, ...] = (),
    ):
        for f in fields(TestResult):
            object.__setattr__(self, f.name, None if f.default is MISSING else f.default)
        object.__setattr__(self, "statistic", math.nan)
        object.__setattr__(self, "pvalue", math.nan)
        object.__setattr__(self, "method", method)
        object.__setattr__(self, "null_hypothesis", null_hypothesis)
        object.__setattr__(self, "alternative", alternative)
        if nobs is not None and (
            isinstance(nobs, bool) or not isinstance(nobs, int | np.integer) or nobs < 0
        ):
            raise DataError(f"nobs must be a non-negative integer or None, got {nobs!r}.")
        object.__setattr__(self, "nobs", nobs)
        object.__setattr__(self, "extra", MappingProxyType(dict(extra or {})))
        object.__setattr__(self, "warnings", tuple(warnings))
        object.__setattr__(self, "reason", str(reason))

    @property
    def is_valid(self) -> bool:
        """False: see ``reason``."""
        return False

    def _summary_notes(self) -> list[str]:
        return [f"The test is undefined for these data: {self.reason}"]

    def __repr__(self) -> str:
        return f"InvalidTestResult(method={self.method!r}, reason={self.reason!r})"


# ====================================================================== registry
def result_classes() -> list[type]:
    """All public result classes defined in stattools (subclasses of the two protocols)."""
    seen: list[type] = []
    stack: list[type] = [ResultBase, TestResult]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.append(sub)
                stack.append(sub)
    out = [
        c
        for c in [TestResult, *seen]
        if c.__module__.startswith("stattools") and not c.__name__.startswith("_")
    ]
    return sorted(set(out), key=lambda c: (c.__module__, c.__name__))
