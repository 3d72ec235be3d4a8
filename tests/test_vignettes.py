"""Every vignette executes as a notebook (STATTOOLS_FAST=1 shrinks draws and repetitions).

Each ``vignettes/*.py`` (jupytext percent format) runs in a Jupyter kernel through nbclient,
with the inline backend the documentation uses, and then:

* it exports at least one table, and every exported ``.tex`` compiles with pdflatex without
  errors or overfull boxes (``tests/test_latex_compile.py``);
* every figure is displayed exactly once: no cell shows the same image twice, and every cell
  that draws (``.plot(``, ``plt.subplots``) shows at least one image;
* no cell prints tqdm's "IProgress not found" warning (or any TqdmWarning).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VIGNETTES = sorted((ROOT / "vignettes").glob("*.py"))

pytestmark = pytest.mark.xdist_group("vignettes")


def execute_vignette(path: Path, out: Path, *, fast: bool = True, timeout: int = 1200):
    """Execute one jupytext vignette in a kernel; return the executed notebook."""
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    env = {
        "STATTOOLS_OUTPUT": str(out),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    if fast:
        env["STATTOOLS_FAST"] = "1"
    saved = {k: os.environ.get(k) for k in [*env, "STATTOOLS_FAST"]}
    os.environ.pop("STATTOOLS_FAST", None)
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        nb = jupytext.read(path)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        nbclient.NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb


def images(cell) -> list[str]:
    """Hashes of the images a code cell displays (one per display)."""
    out = []
    for o in cell.get("outputs", []):
        data = o.get("data", {})
        for mime in ("image/png", "image/svg+xml", "image/jpeg"):
            if mime in data:
                out.append(hashlib.sha256(str(data[mime]).encode()).hexdigest())
    return out


def stream_text(cell) -> str:
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        elif o.get("output_type") == "error":
            parts.append("\n".join(o.get("traceback", [])))
    return "".join(parts)


@pytest.fixture(scope="module", params=VIGNETTES, ids=[p.stem for p in VIGNETTES])
def executed(request, tmp_path_factory):
    path = request.param
    out = tmp_path_factory.mktemp(path.stem)
    return path, execute_vignette(path, out), out


def test_vignette_runs_and_exports(executed):
    path, nb, out = executed
    assert any(c.cell_type == "code" for c in nb.cells)
    assert any(out.iterdir()), f"{path.stem} should export at least one table"


def test_every_figure_is_displayed_once(executed):
    path, nb, _ = executed
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        imgs = images(cell)
        if len(imgs) != len(set(imgs)):
            problems.append(f"cell {i}: the same figure is displayed {len(imgs)} times")
        draws = ".plot(" in cell.source or "plt.subplots" in cell.source
        if draws and not imgs:
            problems.append(f"cell {i}: draws a figure but displays none:\n{cell.source}")
    assert not problems, f"{path.stem}:\n" + "\n".join(problems)


def test_no_progress_bar_warnings(executed):
    path, nb, _ = executed
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            text = stream_text(cell)
            assert "TqdmWarning" not in text and "IProgress not found" not in text, (
                f"{path.stem} cell {i}: {text[:500]}"
            )


def test_exported_latex_compiles(executed, tmp_path):
    from tests.test_latex_compile import compile_tables

    path, _, out = executed
    tex = {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in out.rglob("*.tex")}
    if not tex:
        pytest.skip(f"{path.stem} exports no LaTeX table")
    problems = compile_tables(tex, tmp_path)
    assert not problems, "\n".join(problems)
