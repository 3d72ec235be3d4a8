"""Build the documentation site into ``build/html`` (``make demo``).

Steps
-----
1. Copy ``docs/`` to ``build/docs_src/`` and generate there the Sphinx sources that depend
   on the code and data (``build/docs_src/_generated/``; nothing generated enters the tree): the
   API pages (every name of ``stattools.__all__``, grouped by family, plus the result
   classes with their members), the data-set page (from ``datasets/*.json``), the
   calibration page (``benchmarks/VALIDITY.md`` and its figures, whatever exists now) and
   the vignette notebooks.
2. Execute every ``vignettes/*.py`` (jupytext percent format) in a Jupyter kernel, two at a
   time, with progress bars off; exported tables go to ``build/tables/<vignette>/`` and are
   linked from the site.
3. ``sphinx-build -W --keep-going`` with the pydata theme, numpydoc, myst-nb and bundled
   MathJax (no page loads anything from the network), then ``build/index.html`` points to
   ``build/html/index.html``.

Modes (environment variables or options)
----------------------------------------
* default: vignettes run with ``STATTOOLS_FAST=1`` (their reduced sizes, stated in each
  vignette) so that ``make demo`` stays under 10 minutes on 2 cores;
* ``STATTOOLS_DOCS_FULL=1`` / ``--full``: vignettes at full size (about 20 minutes);
* ``STATTOOLS_DOCS_FAST=1`` / ``--fast``: vignettes are not executed (their pages show the
  code only); the API, data-set and calibration pages are built as usual. Used in CI.

Usage: ``python tools/build_docs.py [--fast|--full] [--jobs N] [VIGNETTE ...]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
DOCS = ROOT / "docs"  # hand-written pages, conf.py and templates
SRC = BUILD / "docs_src"  # what Sphinx reads: docs/ plus the generated pages
GEN = SRC / "_generated"

FAMILIES = {
    "core": "Core: results, summaries, generics, data",
    "duration": "Duration models (ACD)",
    "conformal": "Conformal risk control",
    "nonstationary": "Inference under non-stationarity",
    "frechet": "Fréchet regression",
    "mixture": "Dirichlet-process mixtures",
}
ERRORS_PAGE = "Warnings and errors"
UNRESOLVED: list[str] = []  # public names that failed to import (the build then fails)
FAILED: list[str] = []  # vignettes that raised (their pages show the error; the build fails)


# ------------------------------------------------------------------------- API pages
def _family_of(target: str) -> str:
    mod = target.rstrip(":")
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FAMILIES else "core"


def api_groups() -> dict[str, dict[str, list[str]]]:
    """Public names by family and kind (functions/classes/modules/objects)."""
    import importlib
    import inspect
    import types

    import stattools
    from stattools.api import EXPORTS

    groups: dict[str, dict[str, list[str]]] = {f: {} for f in FAMILIES}
    groups[ERRORS_PAGE] = {}
    seen_modules: set[str] = set()
    for name in stattools.__all__:
        try:
            obj = getattr(stattools, name)
        except AttributeError as exc:  # a public name that does not resolve is a defect
            UNRESOLVED.append(f"{name}: {exc}")
            continue
        if name in EXPORTS:
            fam = _family_of(EXPORTS[name])
        elif isinstance(obj, type) and issubclass(obj, Exception | Warning):
            fam = ERRORS_PAGE
        else:
            fam = "core"
        if isinstance(obj, types.ModuleType):
            kind = "Modules"
        elif inspect.isclass(obj):
            kind = "Exceptions and warnings" if fam == ERRORS_PAGE else "Classes"
        elif callable(obj):
            kind = "Functions"
        else:
            kind = "Objects"
        # modules are documented under their real dotted path (st.weights is a module of
        # stattools.conformal); everything else under the name users type, st.NAME
        if kind == "Modules":
            if obj.__name__ in seen_modules:  # st.spaces is st.frechet: one page, an alias
                groups[fam].setdefault("Aliases", []).append(f"{name}={obj.__name__}")
                continue
            seen_modules.add(obj.__name__)
        groups[fam].setdefault(kind, []).append(obj.__name__ if kind == "Modules" else name)
    # result classes (with their members), found wherever the families define them
    from stattools.core.results import result_classes

    for mod in _walk():
        importlib.import_module(mod)
    for cls in result_classes():
        fam = _family_of(cls.__module__)
        groups[fam].setdefault("Result classes", []).append(f"{cls.__module__}.{cls.__name__}")
    return groups


def _walk() -> list[str]:
    import pkgutil

    import stattools

    return [
        m.name
        for m in pkgutil.walk_packages(stattools.__path__, "stattools.")
        if not m.name.startswith("stattools._data")
    ]


_TEMPLATE = {
    "Classes": "result_class",
    "Result classes": "result_class",
    "Exceptions and warnings": "plain_class",
    "Modules": "api_module",
}
_ORDER = [
    "Functions",
    "Classes",
    "Result classes",
    "Modules",
    "Aliases",
    "Objects",
    "Exceptions and warnings",
]


def _templates(kind: str, mod: str, shorts: list[str]) -> dict[str | None, list[str]]:
    """The autosummary template of each item: family packages show their docstring only
    (their functions and classes have their own ``st.NAME`` pages)."""
    if kind != "Modules":
        return {_TEMPLATE.get(kind): shorts}
    out: dict[str | None, list[str]] = {}
    for s in shorts:
        family = mod == "stattools" and s in FAMILIES
        out.setdefault("family_module" if family else "api_module", []).append(s)
    return out


def write_api_pages() -> int:
    """Write ``docs/_generated/api/*.rst``; return the number of documented names."""
    out = GEN / "api"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    n, toc = 0, []
    for fam, kinds in api_groups().items():
        if not kinds:
            continue
        slug = fam if fam in FAMILIES else "errors"
        title = FAMILIES.get(fam, fam)
        lines = [title, "=" * len(title), ""]
        if fam in FAMILIES and fam != "core":
            lines += [f"The ``stattools.{fam}`` family; every name is also ``st.NAME``.", ""]
        for kind in _ORDER:
            names = kinds.get(kind, [])
            if not names:
                continue
            if kind == "Aliases":
                lines += [kind, "-" * len(kind), ""]
                for pair in names:
                    alias, target = pair.split("=")
                    lines.append(f"- ``st.{alias}`` is the module :mod:`{target}`.")
                lines.append("")
                n += len(names)
                continue
            lines += [kind, "-" * len(kind), ""]
            by_module: dict[str, list[str]] = {}
            for name in names:
                mod, _, short = name.rpartition(".")
                by_module.setdefault(mod or "stattools", []).append(short)
            for mod, shorts in by_module.items():
                for template, items in _templates(kind, mod, shorts).items():
                    lines += [f".. currentmodule:: {mod}", "", ".. autosummary::"]
                    lines.append("   :toctree: generated")
                    if template:
                        lines.append(f"   :template: {template}")
                    lines += ["", *(f"   {s}" for s in items), ""]
            n += len(names)
        (out / f"{slug}.rst").write_text("\n".join(lines), encoding="utf-8")
        toc.append(slug)
    index = ["API reference", "=============", "", "Every public name of ``stattools``"]
    index += ["(``import stattools as st``), grouped by family.", "", ".. toctree::"]
    index += ["   :maxdepth: 2", "", *(f"   {s}" for s in toc), ""]
    (out / "index.rst").write_text("\n".join(index), encoding="utf-8")
    return n


# ------------------------------------------------------------------------- data sets
def _md_cell(x: object) -> str:
    return str(x).replace("|", "\\|").replace("\n", " ")


def write_datasets_page() -> int:
    files = sorted((ROOT / "datasets").glob("*.json"))
    lines = [
        "# Data sets",
        "",
        "Every data set below ships in the wheel (`st.datasets.load_dataset(name)`), with its",
        "origin and licence as recorded in `datasets/<name>.json`. Generated from that metadata.",
        "",
        "| name | title | rows | variables | licence |",
        "|---|---|---:|---:|---|",
    ]
    metas = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    for m in metas:
        lic = _md_cell(m.get("licence", "")).split(". ")[0]
        lines.append(
            f"| [{m['name']}](#data-{m['name'].replace('_', '-')}) | {_md_cell(m.get('title', ''))} "
            f"| {m.get('rows', '')} | {len(m.get('variables', {}))} | {lic} |"
        )
    lines.append("")
    for m in metas:
        lines += [f"(data-{m['name'].replace('_', '-')})=", f"## `{m['name']}`", ""]
        lines += [f"**{_md_cell(m.get('title', ''))}**", ""]
        lines += [_md_cell(m.get("description", "")), ""]
        for key in ("source", "licence", "citation"):
            if m.get(key):
                lines += [f"{key.capitalize()}\n: {_md_cell(m[key])}", ""]
        lines += [f"Rows\n: {m.get('rows', 'unknown')}", ""]
        variables = m.get("variables", {})
        if variables:
            lines += ["| variable | unit | description |", "|---|---|---|"]
            for v, d in variables.items():
                d = d if isinstance(d, dict) else {"description": d}
                lines.append(
                    f"| `{v}` | {_md_cell(d.get('unit', ''))} | {_md_cell(d.get('description', ''))} |"
                )
            lines.append("")
    (GEN / "datasets.md").write_text("\n".join(lines), encoding="utf-8")
    return len(metas)


# ------------------------------------------------------------------------- calibration
def write_calibration_page() -> bool:
    """Copy ``benchmarks/VALIDITY.md`` and the figures it references into the sources."""
    src = ROOT / "benchmarks" / "VALIDITY.md"
    dest = GEN / "calibration"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    lines = ["# Calibration", ""]
    lines += [
        "Size, power and coverage of every family's defaults, from the simulation studies in",
        "`benchmarks/validity/<family>.py` (`python -m benchmarks validity`). The tables and",
        "figures below are those present in `benchmarks/` when this site was built.",
        "",
    ]
    found = src.exists()
    if found:
        for d in ("validity", "figures", "validity_figures"):
            for f in (
                (ROOT / "benchmarks" / d).rglob("*") if (ROOT / "benchmarks" / d).is_dir() else []
            ):
                if f.suffix.lower() in {".png", ".svg", ".jpg", ".jpeg"}:
                    target = dest / f.relative_to(ROOT / "benchmarks")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(f, target)
        shutil.copy2(src, dest / "VALIDITY.md")
        lines += [
            "```{include} calibration/VALIDITY.md",
            ":relative-images:",
            ":heading-offset: 1",
            "```",
        ]
    else:
        lines += [
            "```{note}",
            "`benchmarks/VALIDITY.md` did not exist when this site was built: run",
            "`python -m benchmarks validity` and rebuild.",
            "```",
        ]
    (GEN / "calibration.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return found


# ------------------------------------------------------------------------- vignettes
def _notebook(py: Path):
    import jupytext

    nb = jupytext.read(py)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata.pop("jupytext", None)
    return nb


def execute_vignette(py: Path, *, full: bool) -> tuple[Path, float]:
    """Execute one vignette into ``build/docs_src/_generated/vignettes/NAME.ipynb``."""
    import nbformat
    from nbclient import NotebookClient

    out_tables = BUILD / "tables" / py.stem
    shutil.rmtree(out_tables, ignore_errors=True)
    out_tables.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        STATTOOLS_OUTPUT=str(out_tables),
        STATTOOLS_PROGRESS="0",
        MPLBACKEND="module://matplotlib_inline.backend_inline",
    )
    env.pop("STATTOOLS_FAST", None)
    if not full:
        env["STATTOOLS_FAST"] = "1"
    nb = _notebook(py)
    t0 = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=3600,
        kernel_name="python3",
        resources={"metadata": {"path": str(py.parent)}},
    )
    try:
        # the kernel gets its own environment (two vignettes run concurrently)
        client.execute(env=env)
    except Exception as exc:  # keep the outputs up to the failing cell; the build fails
        name = getattr(exc, "ename", type(exc).__name__)
        FAILED.append(f"{py.stem}: {name}: {getattr(exc, 'evalue', '') or exc!r:.300}")
    dt = time.perf_counter() - t0
    dest = GEN / "vignettes" / f"{py.stem}.ipynb"
    nbformat.write(nb, dest)
    return dest, dt


def write_unexecuted(py: Path) -> Path:
    import nbformat

    dest = GEN / "vignettes" / f"{py.stem}.ipynb"
    nbformat.write(_notebook(py), dest)
    return dest


def write_vignette_index(files: list[Path], timings: dict[str, float], mode: str) -> None:
    lines = ["# Vignettes", ""]
    if mode == "fast":
        lines += [
            "```{note}",
            "This build skipped executing the vignettes (`STATTOOLS_DOCS_FAST=1`): the pages show",
            "their code without outputs. `make demo` executes them.",
            "```",
            "",
        ]
    elif mode == "reduced":
        lines += [
            "The vignettes were executed for this site with `STATTOOLS_FAST=1`: the smaller",
            "draw counts and repetitions each vignette states, so that the site builds in a",
            "few minutes. `STATTOOLS_DOCS_FULL=1 make demo` runs them at full size.",
            "",
        ]
    lines += [
        "```{toctree}",
        ":maxdepth: 1",
        "",
        *(f"vignettes/{p.stem}" for p in files),
        "```",
        "",
    ]
    lines += ["## Exported tables", ""]
    for p in files:
        tables = sorted((BUILD / "tables" / p.stem).glob("*"))
        if not tables:
            continue
        dest = GEN / "tables" / p.stem
        dest.mkdir(parents=True, exist_ok=True)
        links = []
        for t in tables:
            shutil.copy2(t, dest / t.name)
            links.append(f"{{download}}`{t.name} <tables/{p.stem}/{t.name}>`")
        took = f" (executed in {timings[p.stem]:.0f} s)" if p.stem in timings else ""
        lines += [f"- **{p.stem}**{took}: " + ", ".join(links)]
    (GEN / "vignettes.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


# ------------------------------------------------------------------------- main
def sphinx(fast: bool) -> int:
    env = dict(os.environ, STATTOOLS_PROGRESS="0")
    if fast:
        env["STATTOOLS_DOCS_FAST"] = "1"
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-b", "html", "-q"]
    cmd += ["-c", str(DOCS), "-d", str(BUILD / "doctrees"), str(SRC), str(BUILD / "html")]
    return subprocess.call(cmd, cwd=ROOT, env=env)


def write_redirect() -> Path:
    doc = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta http-equiv='refresh' content='0; url=html/index.html'>"
        "<title>stattools documentation</title></head><body>"
        "<p><a href='html/index.html'>stattools documentation</a></p></body></html>"
    )
    path = BUILD / "index.html"
    path.write_text(doc, encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--fast", action="store_true", default=bool(os.environ.get("STATTOOLS_DOCS_FAST"))
    )
    ap.add_argument(
        "--full", action="store_true", default=bool(os.environ.get("STATTOOLS_DOCS_FULL"))
    )
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("STATTOOLS_DOCS_JOBS", "2")))
    ap.add_argument("vignettes", nargs="*", help="only these vignettes (default all)")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    BUILD.mkdir(exist_ok=True)
    shutil.rmtree(SRC, ignore_errors=True)
    shutil.copytree(DOCS, SRC, ignore=shutil.ignore_patterns("conf.py"))
    (GEN / "vignettes").mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "README.md", GEN / "README.md")  # the landing page includes parts

    n_api = write_api_pages()
    n_data = write_datasets_page()
    calib = write_calibration_page()
    print(f"API pages: {n_api} names; data sets: {n_data}; calibration: {calib}", flush=True)

    files = sorted((ROOT / "vignettes").glob("*.py"))
    if args.vignettes:
        files = [p for p in files if p.stem in set(args.vignettes)]
    timings: dict[str, float] = {}
    if args.fast:
        mode = "fast"
        for py in files:
            write_unexecuted(py)
    else:
        mode = "full" if args.full else "reduced"
        # the heaviest first, so two kernels finish at about the same time
        order = sorted(files, key=lambda p: -p.stat().st_size)

        def run(py: Path) -> tuple[str, float]:
            print(f"executing {py.name} ({mode}) ...", flush=True)
            _, dt = execute_vignette(py, full=args.full)
            print(f"  {py.stem}: {dt:.0f} s", flush=True)
            return py.stem, dt

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            timings = dict(pool.map(run, order))
    write_vignette_index(files, timings, mode)

    rc = sphinx(args.fast)
    if UNRESOLVED:
        print("public names that do not resolve:\n  " + "\n  ".join(UNRESOLVED), flush=True)
        rc = rc or 1
    if FAILED:
        print("vignettes that failed:\n  " + "\n  ".join(FAILED), flush=True)
        rc = rc or 1
    write_redirect()
    total = time.perf_counter() - t_start
    status = "ok" if rc == 0 else f"FAILED (sphinx exit {rc})"
    print(f"docs: build/html/index.html, {status}, {total:.0f} s", flush=True)
    (BUILD / "docs_build.json").write_text(
        json.dumps(
            {
                "mode": mode,
                "seconds": round(total, 1),
                "vignettes": {k: round(v, 1) for k, v in timings.items()},
                "api_names": n_api,
                "exit": rc,
                "failed_vignettes": FAILED,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
