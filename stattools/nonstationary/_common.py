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
    """True when ``y`` is constant (up to rounding)."""
    scale = max(float(np.max(np.abs(y))), 1e-300)
    return bool(np.ptp(y) <= 1e-12 * scale)
