"""Execute every vignette, render HTML and collect exported tables under build/.

Used by ``make demo``. Each ``vignettes/*.py`` (jupytext percent format) is converted to a
notebook, executed with the project's kernel, and rendered to ``build/vignettes/NAME.html``.
Vignettes write exported tables to ``$STATTOOLS_OUTPUT`` (``build/tables/NAME/``).
``build/index.html`` links everything.
"""

from __future__ import annotations

import html
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"


def render(py: Path) -> tuple[Path, float]:
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    out_tables = BUILD / "tables" / py.stem
    out_tables.mkdir(parents=True, exist_ok=True)
    os.environ["STATTOOLS_OUTPUT"] = str(out_tables)
    # the kernel inherits our environment: figures must render inline, not to Agg
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.environ.pop("STATTOOLS_FAST", None)
    nb = jupytext.read(py)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    t0 = time.perf_counter()
    NotebookClient(
        nb,
        timeout=1800,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "vignettes")}},
    ).execute()
    dt = time.perf_counter() - t0
    (BUILD / "notebooks").mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, BUILD / "notebooks" / f"{py.stem}.ipynb")
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    out = BUILD / "vignettes" / f"{py.stem}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")
    return out, dt


def index(rendered: list[tuple[Path, float]]) -> Path:
    items = []
    for page, dt in rendered:
        tables = sorted((BUILD / "tables" / page.stem).glob("*"))
        links = " ".join(
            f'<a href="tables/{page.stem}/{html.escape(t.name)}">{html.escape(t.name)}</a>'
            for t in tables
        )
        items.append(
            f'<li><a href="vignettes/{page.name}">{html.escape(page.stem)}</a> '
            f"({dt:.0f} s)<br><small>tables: {links or 'none'}</small></li>"
        )
    doc = (
        "<!doctype html><html><head><meta charset='utf-8'><title>stattools vignettes</title>"
        "</head><body><h1>stattools vignettes</h1><ul>" + "\n".join(items) + "</ul></body></html>"
    )
    path = BUILD / "index.html"
    path.write_text(doc, encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    names = set(argv)
    files = sorted(p for p in (ROOT / "vignettes").glob("*.py") if not names or p.stem in names)
    rendered = []
    for py in files:
        print(f"executing {py.name} ...", flush=True)
        rendered.append(render(py))
        print(f"  -> {rendered[-1][0].relative_to(ROOT)} ({rendered[-1][1]:.0f} s)", flush=True)
    print(f"index: {index(rendered).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
