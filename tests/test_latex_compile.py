"""Every exported LaTeX table compiles with pdflatex: no errors, no overfull boxes.

The tables are the ``summary()`` of every registered result example (``tests/_examples.py``,
which covers every public result class), rendered with the defaults and with the
paper options (``float``, ``caption``, ``label``, ``fit="tabularx"``/``"resizebox"``).
``tests/test_vignettes.py`` compiles the ``.tex`` files the vignettes export with
:func:`compile_tables` too.

pdflatex is required in CI (``CI=true``); elsewhere the tests skip when it is absent.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from stattools.core.summary import LATEX_PREAMBLE, Summary

PDFLATEX = shutil.which("pdflatex")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_pdflatex() -> str:
    """The pdflatex path; skip (outside CI) or fail (in CI) when TeX Live is missing."""
    if PDFLATEX is None:
        msg = (
            "pdflatex not found: install TeX Live (apt-get install texlive-latex-base "
            "texlive-latex-recommended texlive-latex-extra)"
        )
        if IN_CI:
            pytest.fail(msg + " - required in CI")
        pytest.skip(msg)
    return PDFLATEX


def compile_tables(tables: dict[str, str], workdir: Path) -> list[str]:
    """Compile LaTeX fragments in one ``article`` document; return the problems found.

    Each fragment is announced in the log (``\\typeout``), so every error or overfull box
    is attributed to the table that caused it.
    """
    exe = require_pdflatex()
    body = []
    for name, tex in tables.items():
        body += [rf"\typeout{{@@TABLE {name}@@}}", tex, r"\clearpage"]
    doc = "\n".join(
        [
            r"\documentclass{article}",
            r"\usepackage[a4paper,margin=25mm]{geometry}",
            LATEX_PREAMBLE,
            r"\begin{document}",
            *body,
            r"\typeout{@@TABLE end@@}",
            r"\end{document}",
        ]
    )
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "tables.tex").write_text(doc, encoding="utf-8")
    proc = subprocess.run(
        [exe, "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", "tables.tex"],
        cwd=workdir,
        capture_output=True,
        timeout=300,
    )
    log = (workdir / "tables.log").read_text(encoding="latin-1")
    problems, current = [], "preamble"
    for line in log.splitlines():
        m = re.search(r"@@TABLE (.*)@@", line)
        if m:
            current = m.group(1)
        elif line.startswith("!") or re.search(r":\d+: ", line):
            problems.append(f"{current}: {line.strip()}")
        elif line.startswith(("Overfull \\hbox", "Overfull \\vbox")):
            problems.append(f"{current}: {line.strip()}")
        elif "Unicode character" in line or "Missing character" in line:
            problems.append(f"{current}: {line.strip()}")
    if proc.returncode != 0 and not problems:
        problems.append(f"pdflatex exited with {proc.returncode}")
    if "@@TABLE end@@" not in log and not problems:
        problems.append("pdflatex stopped before the end of the document")
    return problems


def _summaries() -> dict[str, Summary]:
    from tests.test_result_contract import EXAMPLES  # imports every module and registry

    out = {}
    for cls, fns in EXAMPLES.items():
        for i, fn in enumerate(fns):
            out[f"{cls.__name__}-{i}"] = fn().summary()
    return out


@pytest.fixture(scope="module")
def summaries() -> dict[str, Summary]:
    require_pdflatex()
    return _summaries()


def test_every_result_summary_compiles(summaries, tmp_path):
    assert len(summaries) >= 10
    tables = {}
    for name, s in summaries.items():
        tables[f"{name} default"] = s.as_latex()
        tables[f"{name} float"] = s.as_latex(caption=f"{name}: {s.title}", label=f"tab:{name}")
        tables[f"{name} tabularx"] = s.as_latex(float=True, fit="tabularx", digits=3)
    problems = compile_tables(tables, tmp_path)
    assert not problems, "\n".join(problems)


def test_resizebox_and_standalone(summaries, tmp_path):
    name, s = max(
        summaries.items(), key=lambda kv: sum(df.shape[1] for df in kv[1].tables.values())
    )
    problems = compile_tables({name: s.as_latex(fit="resizebox", float=True)}, tmp_path / "a")
    assert not problems, "\n".join(problems)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "doc.tex").write_text(s.as_latex(standalone=True), encoding="utf-8")
    proc = subprocess.run(
        [require_pdflatex(), "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path / "b",
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0 and (tmp_path / "b" / "doc.pdf").exists()


def test_overfull_tables_are_detected(tmp_path):
    """The checker itself can fail: a too-wide table without fitting is reported."""
    import pandas as pd

    wide = pd.DataFrame({f"column number {i}": [123456.789] for i in range(14)}, index=["x"])
    s = Summary("Wide", [], {"T": wide})
    problems = compile_tables({"wide": s.as_latex(fit=None)}, tmp_path / "bad")
    assert any("Overfull" in p for p in problems)
    assert not compile_tables({"wide": s.as_latex()}, tmp_path / "good")


def test_special_characters_survive(tmp_path):
    """The characters that garbled the old export are escaped and set in the right glyphs."""
    import pandas as pd

    tab = pd.DataFrame(
        {"P>|z|": [0.01], "<": [1.0], ">=": [2.0], "%": [3.0], "a_b & #1": [4.0], "~^\\": [5.0]},
        index=["λ̂ ≥ 0.9613 < 1"],
    )
    s = Summary("50% & more_stuff #1", [("H0", "rate <= 0.1 | x > 2")], {"T": tab}, ["σ² ~ 1"])
    tex = s.as_latex(float=True)
    text_rows = [ln for ln in tex.splitlines() if not ln.startswith("\\")]
    for raw in (">", "<", "|"):
        assert all(raw not in ln for ln in text_rows), raw
    for escaped in (
        r"50\%",
        r"a\_b \& \#1",
        r"\textasciitilde{}\textasciicircum{}\textbackslash{}",
    ):
        assert escaped in tex
    assert r"P\textgreater{}\textbar{}z\textbar{}" in tex and r"0.9613 \textless{} 1" in tex
    assert not compile_tables({"specials": tex}, tmp_path)
