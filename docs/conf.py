"""Sphinx configuration of the stattools documentation (built by ``tools/build_docs.py``).

Sphinx runs with ``-c docs`` on ``build/docs_src`` (a copy of ``docs/`` plus the generated
pages). Everything is offline: MathJax is bundled (sphinx-mathjax-offline), no intersphinx,
and no widget JavaScript from a CDN. Vignettes are notebooks executed by
``tools/build_docs.py`` and rendered by myst-nb without re-execution.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import stattools  # noqa: E402

project = "stattools"
author = "stattools developers"
copyright = "stattools developers, BSD-3-Clause"  # noqa: A001 - Sphinx's name
version = release = stattools.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",
    "numpydoc",
    "myst_nb",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    "_generated/tables/**",
    "_generated/README.md",  # included piecewise by index.md and install.md
    "_generated/calibration/**",  # VALIDITY.md is included by calibration.md
]
root_doc = "index"

# API reference -----------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc sections carry the types
autodoc_member_order = "groupwise"
autodoc_use_type_comments = False  # real annotations only; parsing sources for comments
# fails on some methods (a SyntaxError on dedented source) and is not needed
numpydoc_show_class_members = False  # the class template lists members itself
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# Notebooks ---------------------------------------------------------------------------
nb_execution_mode = "off"  # tools/build_docs.py executes the vignettes beforehand
nb_ipywidgets_js: dict = {}  # no require.js / widget manager from a CDN
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = [
    "myst.header",  # included Markdown (VALIDITY.md) may skip heading levels
    "mystnb.unknown_mime_type",  # e.g. widget views in a notebook output
    "misc.highlighting_failure",  # tracebacks or pseudo-code in a code cell
]

# HTML --------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"stattools {version}"
html_static_path = ["_static"]
html_css_files = ["stattools.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_end": ["navbar-icon-links"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_show_sourcelink = False
html_copy_source = False

if os.environ.get("STATTOOLS_DOCS_FAST"):
    # CI builds the API pages and the site; vignettes appear unexecuted
    nb_execution_mode = "off"
