from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_h

from stattools.core.summary import Summary, format_value


def _summary(values):
    tab = pd.DataFrame(
        {"coef": values, "se": np.abs(values)}, index=[f"b{i}" for i in range(len(values))]
    )
    return Summary("Test model", [("nobs", 10), ("llf", -3.5)], {"Coefficients": tab}, ["a note"])


def test_formats_contain_everything():
    s = _summary([1.0, -2.5])
    for text in (s.as_text(), s.as_html(), s.as_latex(), s.as_markdown()):
        assert "Test model" in text or "Test model" in text.replace("\\", "")
        assert "b1" in text and "-2.5000" in text and "a note" in text
    assert s._repr_html_() == s.as_html()
    assert str(s) == s.as_text()


def test_latex_escapes_specials():
    s = Summary("50% & more_stuff", [("a_b", "x#y")], {"T": pd.DataFrame({"p$": [1.0]})})
    tex = s.as_latex()
    assert r"50\% \& more\_stuff" in tex and r"a\_b" in tex and r"x\#y" in tex and r"p\$" in tex


def test_save_by_extension(tmp_path):
    s = _summary([1.0])
    for ext, marker in [
        ("txt", "====="),
        ("html", "<table"),
        ("tex", r"\begin{tabular}"),
        ("md", "|"),
        ("csv", "table,"),
    ]:
        p = s.save(tmp_path / f"out.{ext}")
        assert marker in p.read_text()
    with pytest.raises(ValueError, match="extension"):
        s.save(tmp_path / "out.docx")


def test_csv_single_table_and_unknown():
    s = _summary([1.0, 2.0])
    df = pd.read_csv(io.StringIO(s.as_csv("Coefficients")), index_col=0)
    assert df["coef"].tolist() == [1.0, 2.0]
    with pytest.raises(KeyError):
        s.as_csv("nope")


def test_format_value():
    assert format_value(float("nan")) == "NaN"
    assert format_value(math.inf) == "inf"
    assert format_value(1e-9) == "1.000e-09"
    assert format_value(True) == "True"


@settings(max_examples=60, deadline=None)
@given(
    st_h.lists(st_h.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=8)
)
def test_csv_round_trips_full_precision(values):
    s = _summary(values)
    back = pd.read_csv(io.StringIO(s.as_csv()))
    coef = back.loc[back["table"] == "Coefficients", "coef"].to_numpy(dtype=float)
    np.testing.assert_array_equal(coef, np.asarray(values, dtype=float))
    # every renderer survives any finite input
    for text in (s.as_text(), s.as_html(), s.as_latex(), s.as_markdown()):
        assert "b0" in text
