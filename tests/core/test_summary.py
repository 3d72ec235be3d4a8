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


# ---------------------------------------------------------------- readable numbers (issue 17.5)
def test_integral_floats_print_as_integers():
    tab = pd.DataFrame(
        {"lags": [8.0, 12.0], "coef": [1.0, 2.5], "n": [10, 20]},
        index=pd.Index([1874.0, 1875.0], name="year"),
    )
    s = Summary("T", [("lags", 8.0), ("truncation", 26.0), ("llf", -3.25)], {"A": tab})
    for text in (s.as_text(), s.as_markdown(), s.as_html(), s.as_latex()):
        assert "8.0000" not in text and "26.0000" not in text and "1874.0000" not in text
        assert "1874" in text and "26" in text and "2.5000" in text and "-3.2500" in text
    # a column with a non-integral value keeps its decimals for every row
    assert "1.0000" in s.as_text()


def test_mixed_details_column_formats_each_cell():
    details = pd.DataFrame({"value": [28.0, 0.3989, "local", 1898.0]}, index=list("abcd"))
    text = Summary("T", [], {"Details": details}).as_text()
    assert "28.0000" not in text and "1898.0000" not in text
    assert "0.3989" in text and "local" in text


def test_nan_only_columns_are_omitted_but_kept_in_csv():
    tab = pd.DataFrame(
        {"statistic": [1.93], "p-value": [0.015], "std err": [np.nan], "[0.025": [np.nan]},
        index=["CUSUM"],
    )
    s = Summary("Test", [], {"Test": tab})
    for text in (s.as_text(), s.as_markdown(), s.as_html(), s.as_latex()):
        assert "NaN" not in text and "std err" not in text
        assert "1.9300" in text
    assert "std err" in s.as_csv()  # machine-readable output keeps the full shape
    # a partly-NaN column is still shown
    tab2 = tab.assign(**{"std err": [np.nan]}, extra=[np.nan]).iloc[[0, 0]]
    tab2.iloc[1, tab2.columns.get_loc("extra")] = 0.5
    assert "extra" in Summary("T", [], {"T": tab2}).as_text()


def test_list_datasets_counts_are_integers():
    from stattools.datasets import list_datasets

    d = list_datasets()
    assert str(d["rows"].dtype) == "Int64" and str(d["columns"].dtype) == "Int64"
    faithful = d.set_index("name").loc["faithful"]
    assert faithful["rows"] == 272 and "272.0" not in d.to_string()


# ---------------------------------------------------------------- LaTeX for papers (issue 17.4)
def _paper_summary():
    coef = pd.DataFrame(
        {"coef": [0.129, 0.056], "std err": [0.048, 0.012], "P>|z|": [0.007, 1e-5]},
        index=["omega", "alpha[1]"],
    )
    dist = pd.DataFrame({"value": [1.0]}, index=["shape"])
    return Summary(
        "ACD(1,1) QMLE", [("nobs", 3534), ("H0", "alpha + beta >= 1")], {"Coef": coef, "Dist": dist}
    )


def test_latex_float_caption_label():
    s = _paper_summary()
    tex = s.as_latex(caption="IBM durations & 5% tails", label="tab:acd")
    lines = tex.splitlines()
    assert lines[0] == r"\begin{table}[htbp]" and lines[-1] == r"\end{table}"
    assert r"\caption{IBM durations \& 5\% tails}" in tex and r"\label{tab:acd}" in tex
    assert tex.index(r"\caption") < tex.index(r"\begin{tabular}")  # caption above
    plain = s.as_latex()
    assert plain.startswith(r"\begin{center}") and r"\caption" not in plain
    assert s.as_latex(float=True).count(r"\caption{ACD(1,1) QMLE}") == 1


def test_latex_booktabs_digits_columns_tables():
    s = _paper_summary()
    tex = s.as_latex(digits=2, columns=["coef", "P>|z|"], tables=["Coef"])
    assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex
    assert r"\hline" not in tex
    assert "0.13" in tex and "0.129" not in tex and "std err" not in tex
    assert r"P\textgreater{}\textbar{}z\textbar{}" in tex and "shape &" not in tex
    assert r"alpha[1]" in tex and r"\textgreater{}=" in tex
    with pytest.raises(KeyError, match="no column 'nope'"):
        s.as_latex(columns=["nope"])
    with pytest.raises(KeyError, match="no table"):
        s.as_latex(tables=["Nope"])
    with pytest.raises(TypeError):
        s.as_latex(columns="coef")


@pytest.mark.parametrize(
    ("fit", "marker"),
    [
        ("adjustbox", r"\begin{adjustbox}{max width=\linewidth}"),
        ("resizebox", r"\resizebox{\linewidth}{!}{%"),
        ("tabularx", r"\begin{tabularx}{\linewidth}"),
    ],
)
def test_latex_fit_to_width(fit, marker):
    tex = _paper_summary().as_latex(fit=fit)
    assert marker in tex
    assert r"\begin{adjustbox}" not in _paper_summary().as_latex(fit=None)
    with pytest.raises(ValueError, match="fit must be one of"):
        _paper_summary().as_latex(fit="shrink")


def test_latex_standalone_document():
    from stattools.core.summary import LATEX_PREAMBLE

    tex = _paper_summary().as_latex(standalone=True)
    assert tex.startswith(r"\documentclass{article}") and LATEX_PREAMBLE in tex
    assert tex.rstrip().endswith(r"\end{document}")
    assert r"\usepackage{booktabs}" in LATEX_PREAMBLE


def test_latex_escape_every_special():
    from stattools.core.summary import latex_escape

    assert latex_escape("P>|z|") == r"P\textgreater{}\textbar{}z\textbar{}"
    assert latex_escape("0.9613 < 1") == r"0.9613 \textless{} 1"
    assert latex_escape(">=") == r"\textgreater{}="
    assert latex_escape("%_&#$") == r"\%\_\&\#\$"
    assert latex_escape("~^\\{}") == (r"\textasciitilde{}\textasciicircum{}\textbackslash{}\{\}")
    assert (
        latex_escape("λ̂ ≥ α") == r"\ensuremath{\hat{\lambda}} \ensuremath{\geq} \ensuremath{\alpha}"
    )
    assert latex_escape("Fréchet – Wasserstein") == "Fréchet -- Wasserstein"
