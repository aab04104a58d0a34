"""Sphinx configuration of the offline site (built by tools/build_site.py, `make site`).

tools/build_site.py copies this directory and the notebooks into a staging directory, generates the
index, errata and coverage pages from the notebooks' check records, and runs Sphinx on it. Notebooks are
rendered by myst-nb from their stored outputs (nothing is executed), with the sphinx-book-theme, and the
math is typeset at build time into SVG by MathJax 4 run in Python (_ext/emlib_math.py, the quickjax
package): nothing is fetched from the network, at build or at read time, and no page typesets in the browser.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "emlib"
author = "emlib contributors"
copyright = "emlib contributors (MIT licence)"
html_title = "emlib: derivations you can run"
language = "en"

extensions = ["myst_nb", "emlib_math", "emlib_search", "emlib_sphinx"]
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

# --- math: typeset at build time into SVG by MathJax 4 (_ext/emlib_math.py); the pages load no math script
html_math_renderer = "emlib_svg"

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
