from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_h

from stattools import DataError, FormulaError, MissingDataWarning
from stattools.core.formula import Design


@pytest.fixture
def df(rng):
    n = 30
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            "g": pd.array(rng.choice(["a", "b", "c"], n), dtype="string"),
            "flag": rng.random(n) > 0.5,
            "t": np.arange(n, dtype=float),
        }
    )


def test_basic_design_matches_manual(df):
    d = Design.from_formula("y ~ x + g", df)
    assert d.terms == ["Intercept", "x", "g[T.b]", "g[T.c]"]
    np.testing.assert_allclose(d.X["x"], df["x"])
    np.testing.assert_allclose(d.X["g[T.b]"], (df["g"] == "b").astype(float))
    np.testing.assert_allclose(d.y["y"], df["y"])
    assert d.has_intercept and d.nobs == 30


def test_transform_keeps_levels(df):
    d = Design.from_formula("y ~ x + g", df)
    new = pd.DataFrame({"x": [1.0, 2.0], "g": ["c", "a"]})
    X = d.transform(new)
    assert X.columns.tolist() == d.terms
    np.testing.assert_allclose(X.to_numpy(), [[1, 1, 0, 1], [1, 2, 0, 0]])


def test_intercept_only_and_multi_response(df):
    d = Design.from_formula("y ~ 1", df)
    assert d.terms == ["Intercept"]
    d2 = Design.from_formula("y + x ~ 1", df)
    assert d2.response == ["y", "x"]


def test_multipart(df):
    d = Design.from_formula("y ~ x | g", df)
    assert len(d.parts) == 2 and "x" in d.parts[0].columns


def test_bool_response_cast(df):
    d = Design.from_formula("flag ~ x", df)
    assert d.y["flag"].dtype.kind == "i"


def test_object_column_response_kept():
    data = pd.DataFrame({"Y": [np.arange(3.0), np.arange(3.0) + 1], "x": [0.0, 1.0]})
    d = Design.from_formula("Y ~ x", data)
    assert isinstance(d.y["Y"].iloc[0], np.ndarray)


def test_missing_column_named(df):
    with pytest.raises(KeyError, match="'z'"):
        Design.from_formula("y ~ x + z", df)


def test_bad_formula():
    with pytest.raises(FormulaError):
        Design.from_formula("y x", pd.DataFrame({"y": [1.0]}))


def test_nan_raise_and_drop(df):
    df.loc[3, "x"] = np.nan
    with pytest.raises(DataError, match="'x'"):
        Design.from_formula("y ~ x", df)
    with pytest.warns(MissingDataWarning, match="1 row"):
        d = Design.from_formula("y ~ x", df, na_action="drop")
    assert d.nobs == 29


def test_non_numeric_response():
    with pytest.raises(DataError, match="numeric"):
        Design.from_formula("y ~ 1", pd.DataFrame({"y": pd.array(["a", "b"], dtype="string")}))


def test_time_checks(df):
    d = Design.from_formula("y ~ 1", df, time="t")
    np.testing.assert_allclose(d.time_scaled, np.linspace(0, 1, 30))
    with pytest.raises(DataError, match="strictly increasing"):
        Design.from_formula("y ~ 1", df.iloc[::-1], time="t")
    d2 = Design.from_formula("y ~ 1", df.iloc[::-1], time="t", sort=True)
    assert d2.time.is_monotonic_increasing


@settings(max_examples=40, deadline=None)
@given(
    st_h.lists(st_h.floats(-1e6, 1e6), min_size=2, max_size=40),
    st_h.floats(-100, 100),
    st_h.floats(-100, 100),
)
def test_linear_design_reproduces_columns(xs, a, b):
    data = pd.DataFrame({"x": xs, "y": [a + b * v for v in xs]})
    d = Design.from_formula("y ~ x", data)
    np.testing.assert_array_equal(d.X["Intercept"], 1.0)
    np.testing.assert_array_equal(d.X["x"], np.asarray(xs))
    np.testing.assert_array_equal(d.transform(data).to_numpy(), d.X.to_numpy())


def test_missing_column_is_a_readable_keyerror_and_a_dataerror(df):
    from stattools import ColumnError

    with pytest.raises(ColumnError) as info:
        Design.from_formula("y ~ x + zz", df)
    err = info.value
    assert isinstance(err, KeyError) and isinstance(err, DataError)
    # KeyError alone would print the message in quotes
    assert str(err).startswith("formula 'y ~ x + zz' uses column(s) 'zz' that are not in data")
    with pytest.raises(ColumnError, match="time column 'when'"):
        Design.from_formula("y ~ x", df, time="when")


@pytest.mark.parametrize("formula", [123, None, ["y ~ x"]])
def test_formula_must_be_a_string(df, formula):
    with pytest.raises(FormulaError, match="formula must be a string"):
        Design.from_formula(formula, df)


def test_data_must_be_a_non_empty_frame(df):
    with pytest.raises(DataError, match="data must be a pandas DataFrame, got ndarray"):
        Design.from_formula("y ~ x", df[["y", "x"]].to_numpy())
    with pytest.raises(DataError, match="data is empty"):
        Design.from_formula("y ~ x", df.iloc[:0])
    all_nan = df.assign(x=np.nan)
    with pytest.warns(MissingDataWarning), pytest.raises(DataError, match="no rows"):
        Design.from_formula("y ~ x", all_nan, na_action="drop")


def test_string_response_names_the_column(df):
    with pytest.raises(DataError, match="response column 'g' must be numeric"):
        Design.from_formula("g ~ x", df)
    obj = df.assign(y=df["g"].astype(object))
    with pytest.raises(DataError, match="response column 'y' must be numeric"):
        Design.from_formula("y ~ x", obj)


def test_check_level_rejects_strings_and_bools():
    from stattools.core.validation import check_level

    assert check_level(np.float64(0.9)) == 0.9
    for bad in ("0.9", True, None, [0.9]):
        with pytest.raises(DataError, match="level must be a number"):
            check_level(bad)
