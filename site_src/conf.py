"""Sphinx configuration of the offline site (built by tools/build_site.py, `make site`).

tools/build_site.py copies this directory and the notebooks into a staging directory, generates the
index, errata and coverage pages from the notebooks' check records, and runs Sphinx on it. Notebooks are
rendered by myst-nb from their stored outputs (nothing is executed), with the sphinx-book-theme, and the
math is typeset by the local copy of MathJax 2.7 that build_site.py puts in _static/mathjax (taken from
the jupyter-server-mathjax package): nothing is fetched from the network, at build or at read time.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "emlib"
author = "emlib contributors"
copyright = "emlib contributors (MIT licence)"
html_title = "emlib: derivations you can run"
language = "en"

extensions = ["myst_nb", "sphinx.ext.mathjax", "emlib_sphinx"]
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "README.md"]

# --- notebooks: stored outputs only
nb_execution_mode = "off"
nb_output_stderr = "show"  # the hygiene test keeps stderr out of the notebooks; show it if it ever appears
nb_merge_streams = True
nb_render_markdown_format = "myst"  # text/markdown outputs (refuted results typeset) get $math$ as the cells do
nb_code_prompt_show = "Show code cell {type}"
myst_enable_extensions = ["dollarmath", "amsmath", "deflist", "colon_fence", "attrs_block"]
myst_dmath_double_inline = True
myst_heading_anchors = 3
# the build runs with warnings as errors; a notebook may well go from its title (H1) to H3 sub-headings
suppress_warnings = ["myst.header"]
# the machine-readable check records are read by build_site.py, not shown (it also strips them)
nb_mime_priority_overrides = [
    ("html", "application/vnd.emlib.check+json", None),
    ("html", "application/vnd.emlib.summary+json", None),
    ("html", "application/vnd.emlib.coverage+json", None),
]

# --- math: MathJax 2.7 from _static/mathjax, typesetting only Sphinx's math elements, so that TeX
# that escaped the markdown parser stays visible (and tests/test_site.py notices it)
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
_MML_FONTS = ['[class="MJX-tex-oldstyle"]', '[class="MJX-tex-oldstyle-bold"]', '[class="MJX-tex-caligraphic"]',
              '[class="MJX-tex-caligraphic-bold"]', '[mathvariant="double-struck"]', '[mathvariant="script"]',
              '[mathvariant="fraktur"]', '[mathvariant="bold-script"]', '[mathvariant="bold-fraktur"]']
mathjax2_config = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]], "processEscapes": False,
                "processEnvironments": True, "processRefs": False,
                "ignoreClass": "tex2jax_ignore|mathjax_ignore|bd-container",
                "processClass": "tex2jax_process|mathjax_process|math"},
    "TeX": {"equationNumbers": {"autoNumber": "none"}},
    # STIX-Web is the one web font jupyter-server-mathjax ships; the hidden MathML for screen readers
    # names MathJax's TeX fonts, which it does not ship: point those at ordinary fonts
    # typeset in larger chunks with short pauses (the defaults, 50 formulas and 100 ms, are slow on long pages)
    "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web", "imageFont": None,
                 "EqnChunk": 100, "EqnChunkFactor": 2, "EqnChunkDelay": 10},
    "NativeMML": {"styles": {sel: {"font-family": "serif"} for sel in _MML_FONTS}},
    "displayAlign": "center",
    "messageStyle": "none",
    "fast-preview": {"disabled": True},
    "menuSettings": {"CHTMLpreview": False},
}

# --- HTML
html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_css_files = ["emlib.css"]
html_js_files = ["emlib.js"]
html_copy_source = False
html_show_sourcelink = False
html_show_sphinx = False
html_last_updated_fmt = None
html_favicon = "_static/favicon.png"
html_permalinks_icon = "#"
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "show_navbar_depth": 1,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "use_source_button": False,
    "use_issues_button": False,
    "use_edit_page_button": False,
    "navigation_with_keys": False,
    "show_prev_next": True,
    "search_bar_text": "Search the notebooks...",
}
