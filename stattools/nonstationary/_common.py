"""Shared input handling of the nonstationary family (designs, time, warnings)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.exceptions import DataError
from ..core.formula import Design

RECONSTRUCTED = "reconstructed (Palm & Nagler 2025 full text unavailable)"
NOTE = (
    "Theory reconstructed: Palm & Nagler (2025, arXiv:2505.02197) was not available in "
    "full; the procedure follows Wu & Zhao (2007), Zhou (2013) and Buecher & Kojadinovic "
    "(2016)."
)


@dataclass(frozen=True)
class Series:
    """A time-sorted response with its design, time stamps and rescaled time."""

    design: Design
    y: np.ndarray
    X: np.ndarray
    time: np.ndarray
    time_name: str
    u: np.ndarray

    @property
    def n(self) -> int:
        return int(self.y.size)


def prepare(
    formula: str,
    data: pd.DataFrame,
    *,
    time: str | None,
    na_action: str,
    sort: bool = False,
) -> Series:
    """Build the design (NaN, time order and column checks happen in ``Design``)."""
    design = Design.from_formula(formula, data, na_action=na_action, time=time, sort=sort)
    if design.y.shape[1] != 1:
        raise DataError(f"formula {formula!r} must have exactly one response column.")
    y = design.y.iloc[:, 0].to_numpy(dtype=float)
    X = design.X.to_numpy(dtype=float)
    n = y.size
    if time is not None:
        t = design.time
        tv = t.to_numpy() if pd.api.types.is_datetime64_any_dtype(t) else t.to_numpy(float)
        u = np.asarray(design.time_scaled, dtype=float)
        name = time
    else:
        tv = np.arange(n, dtype=float)
        u = np.linspace(0.0, 1.0, n) if n > 1 else np.zeros(n)
        name = "index"
    return Series(design, y, X, np.asarray(tv), name, u)


def emit(msg: str, cls: type[Warning], store: list[str], stacklevel: int = 3) -> None:
    """Warn with ``cls`` and record the message for ``result.warnings``."""
    warnings.warn(msg, cls, stacklevel=stacklevel)
    store.append(msg)


def check_int(value: Any, name: str, minimum: int = 1) -> int:
    """An integer argument ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise DataError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    if value < minimum:
        raise DataError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def zero_variance(y: np.ndarray) -> bool:
    """True when ``y`` is constant up to a few units in the last place.

    ``1e10 + 1e-3 * noise`` is not constant (the noise is 500 float steps wide).

    Examples
    --------
    >>> zero_variance(np.full(5, 3.0)), zero_variance(1e10 + 1e-3 * np.arange(5.0))
    (True, False)
    """
    y = np.asarray(y, dtype=float)
    scale = float(np.max(np.abs(y)))
    return bool(np.ptp(y) <= 8 * np.finfo(float).eps * scale)


def scaled(y: np.ndarray, name: str) -> np.ndarray:
    """``(y - median(y)) * 2^-e``, rescaled by a power of two to order one.

    For location- and scale-invariant statistics (CUSUM): values like ``1e-200`` or
    ``1e200`` would underflow or overflow when squared. The power-of-two factor is exact.

    Examples
    --------
    >>> scaled(np.array([1e200, 2e200, 4e200]), "y").tolist()
    [-0.3266050441575651, 0.0, 0.6532100883151302]
    """
    y = np.asarray(y, dtype=float)
    c = y - np.median(y)
    top = float(np.max(np.abs(c)))
    if not np.isfinite(top):
        raise DataError(f"{name} has values too large to centre in floating point.")
    if top == 0:
        return c
    return np.ldexp(c, -np.frexp(top)[1])


def as_scalar(x: Any) -> Any:
    """Python scalar for display: integral floats become ``int``, numpy scalars unwrap.

    Examples
    --------
    >>> as_scalar(np.float64(1898.0)), as_scalar(0.5), as_scalar(None)
    (1898, 0.5, None)
    """
    if isinstance(x, np.datetime64):
        return pd.Timestamp(x)
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and np.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return int(x)
    return x


# ---------------------------------------------------------------- shared by trend and
# tv_regression: argument checks and pieces of their result objects


def check_call(
    formula: Any, data: Any, *, example: str, level: float, n_resamples: Any, n_jobs: int
) -> tuple[float, int]:
    """Checks shared by the band functions: formula, frame, ``n_jobs``, ``level`` and
    ``n_resamples`` (enough draws for a ``level`` quantile). Returns ``(level, B)``.

    Examples
    --------
    >>> check_call("y ~ x", pd.DataFrame({"y": [1.0]}), example="y ~ x", level=0.95,
    ...            n_resamples=199, n_jobs=1)
    (0.95, 199)
    """
    import math

    from ..core.exceptions import FormulaError
    from ..core.resampling import check_n_jobs
    from ..core.validation import check_frame, check_level

    if not isinstance(formula, str) or "~" not in formula:
        raise FormulaError(f"formula must be a string like '{example}', got {formula!r}.")
    check_frame(data, "data")
    check_n_jobs(n_jobs)
    level = check_level(level)
    b = check_int(n_resamples, "n_resamples", 1)
    if b < math.ceil(level / (1 - level)):
        raise DataError(
            f"n_resamples = {b} is too small for a {100 * level:g}% band; use at least "
            f"{math.ceil(level / (1 - level))} (ideally 1000 or more)."
        )
    return level, b


def check_lrv_window(m: Any, tau: Any, n: int) -> tuple[int, float]:
    """Block length ``m`` and smoothing fraction ``tau`` of the local long-run variance
    (defaults :func:`~stattools.nonstationary.lrv.default_m` and ``default_tau``).

    Examples
    --------
    >>> m, tau = check_lrv_window(None, None, 300)
    >>> m, round(tau, 4)
    (14, 0.3196)
    """
    from .lrv import default_m, default_tau

    m = default_m(n) if m is None else check_int(m, "m", 1)
    tau = default_tau(n) if tau is None else float(tau)
    if 3 * m >= n:
        raise DataError(f"m must be below n/3 = {n / 3:g}; got {m}.")
    if not 0 < tau <= 1:
        raise DataError(f"tau must lie in (0, 1], got {tau!r}.")
    if tau * n < max(10, 3 * m):
        raise DataError(
            f"tau = {tau:g} gives the local long-run variance a window of n*tau = "
            f"{tau * n:.3g} observations; it needs at least max(10, 3m) = {max(10, 3 * m)}. "
            "Use a larger tau."
        )
    return m, tau


def fixed_bandwidth(bandwidth: Any) -> float:
    """A numeric bandwidth: a fraction of the time span in ``(0, 0.5]``.

    Examples
    --------
    >>> fixed_bandwidth(0.2)
    0.2
    """
    if isinstance(bandwidth, bool):
        raise DataError(f"bandwidth must be 'cv', 'mv' or a fraction, got {bandwidth!r}.")
    try:
        h = float(bandwidth)
    except (TypeError, ValueError):
        raise DataError(
            f"bandwidth must be 'cv', 'mv' or a fraction in (0, 0.5], got {bandwidth!r}."
        ) from None
    if not 0 < h <= 0.5:
        raise DataError(
            f"bandwidth must be a fraction of the time span in (0, 0.5], got {bandwidth!r}."
        )
    return h


def rescaled_time(time: np.ndarray, times: Any) -> np.ndarray:
    """``times`` as fractions of the span of the observed ``time`` (numbers or datetimes).

    Examples
    --------
    >>> rescaled_time(np.array([2000.0, 2010.0]), [2005])
    array([0.5])
    """
    t = np.asarray(time)
    if np.issubdtype(t.dtype, np.datetime64):
        x = pd.to_datetime(np.asarray(times))
        span = float((t[-1] - t[0]) / np.timedelta64(1, "s"))
        return np.asarray((x - pd.Timestamp(t[0])).total_seconds(), dtype=float) / span
    return (np.asarray(times, dtype=float) - float(t[0])) / float(t[-1] - t[0])


def not_reported(doc: str) -> property:
    """A result property of NaNs over the result's ``_labels()`` (quantities such as
    pointwise ``t``-values that the method does not report)."""
    return property(lambda self: pd.Series(np.nan, index=self._labels()), doc=doc)


def seed_property(doc: str) -> property:
    """``result.seed`` read from ``extra["seed"]``."""
    return property(lambda self: self.extra.get("seed"), doc=doc)


def plot_residuals(ax: Any, time: np.ndarray, resid: np.ndarray, time_name: str) -> None:
    """Residuals against time with a zero line."""
    ax.plot(time, resid, ".", ms=3)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylabel("residual")
    ax.set_xlabel(time_name)
