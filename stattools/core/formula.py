"""R-style formulas, parsed once with formulaic into a reusable :class:`Design`.

This is the only module of stattools that imports formulaic. Responses that are plain
column names are taken from the data as they are (so a column may hold arrays, matrices
or other per-row objects, as Fréchet regression needs); right-hand sides are built by
formulaic and can be re-applied to new data with the same factor levels.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import (
    ColumnError,
    DataError,
    FormulaError,
    IrregularTimeWarning,
    MissingDataWarning,
)
from .validation import check_frame, check_option

__all__ = ["Design"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def _parse(formula: str):
    import formulaic

    if not isinstance(formula, str) or "~" not in formula:
        raise FormulaError(f"formula must be a string like 'y ~ x1 + x2', got {formula!r}.")
    try:
        return formulaic.Formula(formula)
    except Exception as exc:  # formulaic raises several parser exception types
        raise FormulaError(f"could not parse formula {formula!r}: {exc}") from None


def _required(parsed, data: pd.DataFrame) -> list[str]:
    names = sorted(str(v) for v in parsed.required_variables)
    # names that are not columns may be environment names (np, C, ...): formulaic resolves
    # those; a name that is neither is reported below with the available columns.
    return names


def _missing_column_error(formula: str, missing: list[str], data: pd.DataFrame) -> ColumnError:
    avail = ", ".join(map(str, list(data.columns)[:25]))
    return ColumnError(
        f"formula {formula!r} uses column(s) {', '.join(map(repr, missing))} "
        f"that are not in data; available columns: {avail}."
    )


@dataclass(frozen=True, repr=False)
class Design:
    """A formula applied to data: response, design matrix, terms and a reusable spec.

    Build with :meth:`from_formula`; re-apply to new data with :meth:`transform`.

    Attributes
    ----------
    formula : str
    y : pandas.DataFrame
        Response column(s); plain column names keep their dtype (objects allowed).
    X : pandas.DataFrame
        Right-hand-side design matrix with named columns (the first part for ``y ~ x | z``).
    parts : tuple of DataFrame
        All right-hand-side parts (``y ~ x | z`` gives two).
    terms : list of str
        Column names of ``X``.
    response : list of str
        Response names.
    time : pandas.Series or None
        The time column (original values), if ``time=`` was given.
    time_scaled : numpy.ndarray or None
        Time rescaled to [0, 1].
    index : pandas.Index
        Row labels of the data used (after NA handling).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 4.0], "x": [0.0, 1.0, 2.0], "g": ["a", "b", "a"]})
    >>> d = Design.from_formula("y ~ x + g", df)
    >>> d.terms
    ['Intercept', 'x', 'g[T.b]']
    >>> d.transform(pd.DataFrame({"x": [5.0], "g": ["b"]})).to_numpy().tolist()
    [[1.0, 5.0, 1.0]]
    """

    formula: str
    y: pd.DataFrame
    X: pd.DataFrame
    parts: tuple[pd.DataFrame, ...]
    response: list[str]
    model_specs: tuple[Any, ...] = field(default=())
    time: pd.Series | None = None
    time_scaled: np.ndarray | None = None
    index: pd.Index | None = None

    @property
    def terms(self) -> list[str]:
        """Names of the design-matrix columns."""
        return [str(c) for c in self.X.columns]

    @property
    def model_spec(self):
        """formulaic ModelSpec of the first right-hand-side part."""
        return self.model_specs[0] if self.model_specs else None

    @property
    def has_intercept(self) -> bool:
        """Whether the design contains an intercept column."""
        return "Intercept" in self.X.columns

    @property
    def nobs(self) -> int:
        """Number of rows."""
        return len(self.X)

    def __repr__(self) -> str:
        return f"Design({self.formula!r}, nobs={self.nobs}, terms={self.terms})"

    # ------------------------------------------------------------------ build
    @classmethod
    def from_formula(
        cls,
        formula: str,
        data: pd.DataFrame,
        *,
        na_action: str = "raise",
        time: str | None = None,
        sort: bool = False,
    ) -> Design:
        """Parse ``formula`` and evaluate it on ``data``.

        Parameters
        ----------
        formula : str
            R-style formula: ``"y ~ x1 + x2"``, ``"y ~ 1"``, ``"y1 + y2 ~ 1"``,
            ``"y ~ x | z"`` (multi-part), with formulaic transforms (``C(g)``, ``np.log(x)``).
        data : pandas.DataFrame
        na_action : {"raise", "drop"}
            ``"raise"`` (default) errors on NaN in a used column, naming it; ``"drop"``
            drops those rows with a :class:`MissingDataWarning` giving the count.
        time : str, optional
            Column holding time stamps. They must be strictly increasing (or pass
            ``sort=True``); irregular spacing gives an :class:`IrregularTimeWarning`.
        sort : bool, default False
            Sort rows by ``time`` first.

        Raises
        ------
        FormulaError
            Unparseable formula or a term formulaic cannot evaluate.
        ColumnError
            A column named in the formula (or ``time``) is not in ``data`` (a ``DataError``
            that is also a ``KeyError``).
        DataError
            ``data`` is not a non-empty DataFrame, NaN in a used column with
            ``na_action="raise"``, a non-numeric response, or bad time stamps.
        """
        if not isinstance(formula, str):
            raise FormulaError(
                f"formula must be a string like 'y ~ x1 + x2', got {type(formula).__name__} "
                f"{formula!r}."
            )
        check_frame(data, "data")
        na_action = check_option(na_action, "na_action", ("raise", "drop"))
        parsed = _parse(formula)
        needed = _required(parsed, data)
        missing = [v for v in needed if v not in data.columns and not _is_env_name(v)]
        if missing:
            raise _missing_column_error(formula, missing, data)
        used = [v for v in needed if v in data.columns]
        if time is not None:
            if not isinstance(time, str):
                raise DataError(f"time must be a column name (str), got {time!r}.")
            if time not in data.columns:
                raise ColumnError(
                    f"time column {time!r} is not in data; available columns: "
                    f"{', '.join(map(str, list(data.columns)[:25]))}."
                )
            used.append(time)
        frame = data
        if sort and time is not None:
            frame = frame.sort_values(time, kind="stable")
        frame = _handle_na(frame, used, na_action)
        if len(frame) == 0:
            raise DataError(f"no rows of data are left after dropping missing values in {used}.")
        # bool responses become int; string columns become categories
        frame = frame.copy()
        for c in used:
            if pd.api.types.is_bool_dtype(frame[c]):
                frame[c] = frame[c].astype(int)
            elif pd.api.types.is_string_dtype(frame[c]) and not _is_object_payload(frame[c]):
                frame[c] = frame[c].astype("category")

        lhs_terms = [str(t) for t in parsed.lhs] if hasattr(parsed, "lhs") else []
        y = _evaluate_lhs(formula, parsed, lhs_terms, frame)
        rhs = parsed.rhs
        rhs_parts = list(rhs) if isinstance(rhs, tuple) else [rhs]
        mats, specs = [], []
        for part in rhs_parts:
            mm = _evaluate(formula, part, frame)
            mats.append(
                pd.DataFrame(
                    np.asarray(mm, dtype=float),
                    index=frame.index,
                    columns=[str(c) for c in mm.columns],
                )
            )
            specs.append(mm.model_spec)

        t_raw = t_scaled = None
        if time is not None:
            t_raw = frame[time]
            t_scaled = _check_time(t_raw, time)
        return cls(
            formula=formula,
            y=y,
            X=mats[0],
            parts=tuple(mats),
            response=list(y.columns),
            model_specs=tuple(specs),
            time=t_raw,
            time_scaled=t_scaled,
            index=frame.index,
        )

    def transform(self, newdata: pd.DataFrame, part: int = 0) -> pd.DataFrame:
        """Re-apply the right-hand side to ``newdata`` with the original factor levels."""
        if not isinstance(newdata, pd.DataFrame):
            raise DataError(f"newdata must be a pandas DataFrame, got {type(newdata).__name__}.")
        spec = self.model_specs[part]
        needed = sorted(str(v) for v in spec.required_variables)
        missing = [v for v in needed if v not in newdata.columns and not _is_env_name(v)]
        if missing:
            raise _missing_column_error(self.formula, missing, newdata)
        _handle_na(newdata, [v for v in needed if v in newdata.columns], "raise")
        try:
            mm = spec.get_model_matrix(newdata)
        except Exception as exc:
            raise FormulaError(
                f"could not apply formula {self.formula!r} to newdata: {exc}"
            ) from None
        return pd.DataFrame(
            np.asarray(mm, dtype=float), index=newdata.index, columns=[str(c) for c in mm.columns]
        )


def _is_env_name(name: str) -> bool:
    import builtins

    return name in {
        "np",
        "numpy",
        "C",
        "I",
        "Q",
        "poly",
        "scale",
        "center",
        "bs",
        "standardize",
        "log",
        "exp",
        "sqrt",
    } or hasattr(builtins, name)


def _is_object_payload(s: pd.Series) -> bool:
    if s.dtype != object or len(s) == 0:
        return False
    return not isinstance(s.iloc[0], str)


def _handle_na(frame: pd.DataFrame, cols: list[str], na_action: str) -> pd.DataFrame:
    bad = pd.Series(False, index=frame.index)
    counts = {}
    for c in cols:
        col = frame[c]
        if _is_object_payload(col):
            m = col.isna()
        else:
            m = col.isna()
            if pd.api.types.is_numeric_dtype(col):
                m = m | ~np.isfinite(col.to_numpy(dtype=float, na_value=np.nan))
        if m.any():
            counts[c] = int(m.sum())
            bad |= m
    if not counts:
        return frame
    desc = ", ".join(f"{c!r} ({k})" for c, k in counts.items())
    if na_action == "raise":
        raise DataError(
            f"missing or non-finite values in column(s) {desc}; drop or impute them, "
            "or pass na_action='drop'."
        )
    warnings.warn(
        f"dropped {int(bad.sum())} row(s) with missing values in {desc}.",
        MissingDataWarning,
        stacklevel=4,
    )
    return frame.loc[~bad]


def _evaluate(formula: str, part, frame: pd.DataFrame):
    import formulaic

    try:
        return formulaic.model_matrix(part, frame, na_action="raise")
    except Exception as exc:
        raise FormulaError(f"could not evaluate the terms of {formula!r}: {exc}") from None


def _evaluate_lhs(formula: str, parsed, lhs_terms: list[str], frame: pd.DataFrame) -> pd.DataFrame:
    if not lhs_terms:
        return pd.DataFrame(index=frame.index)
    if all(_NAME.match(t) and t in frame.columns for t in lhs_terms):
        y = frame[lhs_terms].copy()
        for c in lhs_terms:
            if not _is_object_payload(y[c]) and not pd.api.types.is_numeric_dtype(y[c]):
                raise DataError(f"response column {c!r} must be numeric (got dtype {y[c].dtype}).")
        return y
    mm = _evaluate(formula, parsed.lhs, frame)
    return pd.DataFrame(
        np.asarray(mm, dtype=float), index=frame.index, columns=[str(c) for c in mm.columns]
    )


def _check_time(t: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(t):
        tv = (t - t.iloc[0]).dt.total_seconds().to_numpy(dtype=float)
    else:
        try:
            tv = t.to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"time column {name!r} must be numeric or datetime.") from None
    d = np.diff(tv)
    if (d <= 0).any():
        i = int(np.flatnonzero(d <= 0)[0]) + 1
        raise DataError(
            f"time column {name!r} must be strictly increasing; position {i} "
            f"({t.iloc[i - 1]!r} then {t.iloc[i]!r}). Sort the data or pass sort=True."
        )
    if d.size > 1 and (d.max() - d.min()) > 0.25 * np.median(d):
        warnings.warn(
            f"time column {name!r} is irregularly spaced (steps from {d.min():.4g} "
            f"to {d.max():.4g}); methods that assume equal spacing use the index.",
            IrregularTimeWarning,
            stacklevel=4,
        )
    span = tv[-1] - tv[0] if tv.size > 1 else 1.0
    return (tv - tv[0]) / (span if span > 0 else 1.0)
