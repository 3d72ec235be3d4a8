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
