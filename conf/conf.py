"""Sphinx configuration of the matref handbook: ``sphinx-build -c conf book _build/html``.

The reference pages are generated from the YAML catalog when the build starts (see
``matref_sphinx.py`` and ``matref_pages.py``); every code cell is executed by myst-nb, and a
failing proof is a warning, so ``-W --keep-going`` turns every wrong formula into a failed build
that names the identity.
"""

from __future__ import annotations

import sys
from pathlib import Path

CONF = Path(__file__).resolve().parent
sys.path.insert(0, str(CONF))

import matref  # noqa: E402

project = "matref"
author = "the matref authors"
copyright = "the matref authors (MIT licence)"
version = release = matref.__version__

# Formulas carry MathML for screen readers, except on these long pages, where they carry their
# TeX as an aria-label instead (MathML is a fifth of the quick reference's HTML and load time).
matref_katex_tex_labels = ["identities/quick-reference"]

extensions = ["myst_nb", "sphinx_design", "matref_sphinx", "matref_katex", "matref_search",
              "sphinx.ext.autodoc", "sphinx.ext.napoleon"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "**/.*"]
suppress_warnings = ["myst.mathjax"]

# -- MyST and notebooks ---------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "attrs_block"]
myst_heading_anchors = 3
nb_execution_mode = "cache"          # CI: -D nb_execution_mode=force
nb_execution_cache_path = ""         # set by matref_sphinx: <outdir>/../.jupyter_cache
nb_execution_timeout = 120
nb_execution_raise_on_error = False  # a failing cell is a warning: -W --keep-going lists them all
nb_execution_show_tb = True          # ... with the traceback, whose last line names the identity
nb_execution_allow_errors = False
nb_merge_streams = True
nb_output_stderr = "show"

# -- the API reference (book/api.md): numpydoc docstrings -----------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "none"           # the Parameters sections give the types, in words
napoleon_google_docstring = False
napoleon_numpy_docstring = True

# -- HTML -----------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "matref handbook"
html_short_title = "matref"
html_static_path = ["_static"]
html_css_files = ["matref.css"]
html_js_files = ["matref-quickref.js"]  # does nothing on pages without the quick reference's filter
html_last_updated_fmt = None
html_search_scorer = str(CONF / "search_scorer.js")  # identities rank first when searched by id or title
html_copy_source = True
html_show_sourcelink = True
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 1,
    "navigation_with_keys": False,
    "use_download_button": False,
    "use_fullscreen_button": False,
    # The quick reference's table needs the width of the page-contents column.
    "secondary_sidebar_items": {"**": ["page-toc"], "identities/quick-reference": []},
    # One search box (the one in the sidebar), not a second in the header bar.
    "navbar_persistent": [],
}
