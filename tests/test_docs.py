"""Documentation checks: the README examples run as shown, and the built site is offline.

* every ``pycon`` block of ``README.md`` is a doctest (one per family, run in order in one
  namespace, as a reader would paste them);
* the site builder writes API pages for every public name, the data-set page and the
  calibration page; in a built site (``build/html``, from ``make demo``) no page loads a
  script, style sheet, font or image from the network.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SITE = ROOT / "build" / "html"

# attributes that make a browser fetch something (hyperlinks in <a href> are fine)
_REMOTE = re.compile(
    r"""<(?:script|img|iframe|source|link|embed)\b[^>]*?\b(?:src|href)\s*=\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)
_CSS_REMOTE = re.compile(r"""(?:@import|url\()\s*["']?(?:https?:)?//""", re.IGNORECASE)


def readme_examples() -> str:
    text = README.read_text(encoding="utf-8")
    start, end = text.index("<!-- examples:start -->"), text.index("<!-- examples:end -->")
    blocks = re.findall(r"```pycon\n(.*?)```", text[start:end], flags=re.DOTALL)
    return "\n".join(blocks)


def test_readme_has_one_example_per_family():
    code = readme_examples()
    for entry in ("st.acd(", "st.conformal_regression(", "st.cusum_test(", "st.frechet_jump(",
                  "st.dpmm(", ".as_latex("):  # fmt: skip
        assert entry in code, entry


def test_readme_examples_run_as_shown(monkeypatch):
    monkeypatch.setenv("STATTOOLS_PROGRESS", "0")
    parser = doctest.DocTestParser()
    test = parser.get_doctest(readme_examples(), {}, "README.md", str(README), 0)
    assert len(test.examples) >= 15
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} README example(s) failed; see the output above"


def test_remote_reference_detector_can_fail():
    assert _REMOTE.search('<script src="https://cdn.jsdelivr.net/npm/mathjax@3/tex.js">')
    assert _REMOTE.search("<link rel='stylesheet' href='//fonts.googleapis.com/css'>")
    assert not _REMOTE.search('<a href="https://doi.org/10.1080/x">paper</a>')
    assert not _REMOTE.search('<script src="_static/mathjax/tex-chtml.js">')
    assert _CSS_REMOTE.search("@import url(https://fonts.googleapis.com/css2)")


def test_generated_sources(tmp_path, monkeypatch):
    """The generated API, data-set and calibration sources cover every public name."""
    import importlib.util

    import stattools

    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "tools" / "build_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "GEN", tmp_path)
    n = mod.write_api_pages()
    pages = "\n".join(p.read_text() for p in (tmp_path / "api").glob("*.rst"))
    listed = set(re.findall(r"^   (\S+)$", pages, flags=re.MULTILINE))
    listed |= {name.rpartition(".")[2] for name in listed}
    listed |= set(re.findall(r"^- ``st\.(\w+)`` is the module", pages, flags=re.MULTILINE))
    missing = [name for name in stattools.__all__ if name not in listed]
    assert not missing, f"public names without an API page: {missing}"
    assert n >= len(stattools.__all__)
    assert mod.write_datasets_page() == len(list((ROOT / "datasets").glob("*.json")))
    assert "## `faithful`" in (tmp_path / "datasets.md").read_text()
    mod.write_calibration_page()
    assert (tmp_path / "calibration.md").exists()


def _site_pages() -> list[Path]:
    if not (SITE / "index.html").exists():
        pytest.skip("no built site: run `make demo` (or STATTOOLS_DOCS_FAST=1 make demo)")
    return sorted(SITE.rglob("*.html"))


def test_site_loads_nothing_from_the_network():
    bad = []
    for page in _site_pages():
        text = page.read_text(encoding="utf-8", errors="replace")
        for m in _REMOTE.finditer(text):
            bad.append(f"{page.relative_to(SITE)}: {text[m.start() : m.end() + 60]}")
    for css in SITE.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        for m in _CSS_REMOTE.finditer(text):
            bad.append(f"{css.relative_to(SITE)}: {text[m.start() : m.end() + 60]}")
    assert not bad, "\n".join(bad[:20])


def test_site_has_api_pages_and_bundled_mathjax():
    pages = _site_pages()
    api = [p for p in pages if "/api/generated/" in p.as_posix()]
    assert len(api) >= 70
    assert (SITE / "_static" / "mathjax" / "tex-chtml.js").exists()
    assert (SITE / "datasets.html").exists() or (SITE / "_generated" / "datasets.html").exists()
