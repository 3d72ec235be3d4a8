"""Validation helpers shared by every family.

Each helper names the argument it checks, says what was wrong and, where useful,
what to do; all raise :class:`~stattools.core.exceptions.DataError` (a ``ValueError``).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import ColumnError, DataError

__all__ = [
    "as_float_array",
    "check_finite",
    "check_positive",
    "check_in_unit_interval",
    "check_level",
    "check_option",
    "check_increasing",
    "check_columns",
    "check_frame",
    "check_alternative",
    "describe_positions",
]


def describe_positions(mask: np.ndarray, limit: int = 5) -> str:
    """Return ``"k (first positions: i, j, ...)"`` for a boolean mask."""
    idx = np.flatnonzero(np.asarray(mask).ravel())
    shown = ", ".join(str(i) for i in idx[:limit])
    more = ", ..." if idx.size > limit else ""
    return f"{idx.size} (first positions: {shown}{more})"


def as_float_array(
    x: Any, name: str, *, ndim: int | Sequence[int] | None = None, allow_empty: bool = False
) -> np.ndarray:
    """Convert ``x`` to a float64 array, with clear errors for non-numeric input.

    Parameters
    ----------
    x : array_like
        The input.
    name : str
        Argument or column name used in error messages.
    ndim : int or sequence of int, optional
        Allowed number of dimensions.
    allow_empty : bool, default False
        Whether a zero-size array is acceptable.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> as_float_array([1, 2, 3], "x")
    array([1., 2., 3.])
    """
    if isinstance(x, pd.DataFrame | pd.Series):
        x = x.to_numpy()
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{name} must be numeric; could not convert it to numbers ({exc})."
        ) from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise DataError(
                f"{name} must have {' or '.join(map(str, allowed))} dimension(s), "
                f"got shape {arr.shape}."
            )
    if arr.size == 0 and not allow_empty:
        raise DataError(f"{name} is empty.")
    return arr


def check_finite(x: np.ndarray, name: str) -> np.ndarray:
    """Raise if ``x`` contains NaN or infinite values, giving their count and positions."""
    bad = ~np.isfinite(x)
    if bad.any():
        nan = np.isnan(x)
        kind = "NaN" if nan.all() == bad.all() and nan[bad].all() else "NaN or infinite"
        raise DataError(
            f"{name} contains {kind} values: {describe_positions(bad)}. "
            "Remove or impute them first."
        )
    return x


def check_positive(x: np.ndarray, name: str, *, strict: bool = True) -> np.ndarray:
    """Raise if ``x`` has negative (or, with ``strict``, zero) values."""
    bad = x <= 0 if strict else x < 0
    if bad.any():
        what = "non-positive" if strict else "negative"
        raise DataError(f"{name} has {what} values: {describe_positions(bad)}.")
    return x


def check_in_unit_interval(x: np.ndarray, name: str) -> np.ndarray:
    """Raise if any value of ``x`` lies outside [0, 1] (or is NaN)."""
    x = np.asarray(x, dtype=float)
    bad = ~((x >= 0) & (x <= 1))
    if bad.any():
        raise DataError(f"{name} must lie in [0, 1]; values outside: {describe_positions(bad)}.")
    return x


def check_level(level: float, name: str = "level") -> float:
    """Check a confidence/coverage/credible level in (0, 1)."""
    if isinstance(level, str | bytes | bool) or not isinstance(level, numbers.Real):
        raise DataError(f"{name} must be a number in (0, 1), got {level!r}.")
    lv = float(level)
    if not 0.0 < lv < 1.0:
        raise DataError(
            f"{name} must lie strictly between 0 and 1, got {level!r} "
            "(use e.g. level=0.95 for 95 %)."
        )
    return lv


def check_option(value: Any, name: str, options: Iterable[str]) -> str:
    """Check that ``value`` is one of ``options`` (lower-case strings)."""
    opts = tuple(options)
    if not isinstance(value, str) or value.lower() not in opts:
        raise DataError(f"{name} must be one of {', '.join(map(repr, opts))}; got {value!r}.")
    return value.lower()


def check_alternative(alternative: str) -> str:
    """Check ``alternative`` in {'two-sided', 'less', 'greater'}."""
    return check_option(alternative, "alternative", ("two-sided", "less", "greater"))


def check_increasing(t: np.ndarray, name: str, *, strict: bool = True) -> np.ndarray:
    """Raise if ``t`` is not (strictly) increasing, naming the first offending position."""
    d = np.diff(np.asarray(t, dtype=float))
    bad = d <= 0 if strict else d < 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0]) + 1
        what = "strictly increasing" if strict else "sorted (non-decreasing)"
        raise DataError(
            f"{name} must be {what}; first violation at position {i} "
            f"({t[i - 1]!r} followed by {t[i]!r}). Sort the data by {name} first."
        )
    return t


def check_frame(data: Any, name: str = "data", *, min_rows: int = 1) -> pd.DataFrame:
    """Raise unless ``data`` is a DataFrame with at least ``min_rows`` rows.

    Examples
    --------
    >>> check_frame(pd.DataFrame({"x": [1.0]})).shape
    (1, 1)
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(
            f"{name} must be a pandas DataFrame, got {type(data).__name__}"
            + (
                " (wrap an array with pandas.DataFrame(array, columns=[...]))."
                if isinstance(data, np.ndarray)
                else "."
            )
        )
    if len(data) < min_rows:
        raise DataError(
            f"{name} has {len(data)} row(s); at least {min_rows} needed."
            if len(data)
            else f"{name} is empty (0 rows)."
        )
    return data


def check_columns(data: pd.DataFrame, columns: Iterable[str], what: str = "data") -> None:
    """Raise :class:`ColumnError` (a ``DataError`` and a ``KeyError``) naming missing columns.

    Examples
    --------
    >>> check_columns(pd.DataFrame({"x": [1.0]}), ["z"])
    Traceback (most recent call last):
    ...
    stattools.core.exceptions.ColumnError: column(s) 'z' not found in data; available columns: x.
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"{what} must be a pandas DataFrame, got {type(data).__name__}.")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        avail = ", ".join(map(str, list(data.columns)[:20]))
        raise ColumnError(
            f"column(s) {', '.join(map(repr, missing))} not found in {what}; "
            f"available columns: {avail}."
        )
