"""Sphinx extension of the emlib site: the math is typeset at build time, into SVG, by MathJax 4.

MathJax 4 (its SVG output) runs inside Python through ``quickjax`` (the JavaScript engine QuickJS; no Node,
no network). The pages then carry finished SVG: no script typesets anything in the browser, so no TeX source
is ever visible, not even for a moment while a page loads, and the site reads the same from ``file://``.

* Inline math is an ``<svg>`` inside ``<span class="math emlib-math">``; the span is an inline block that
  scrolls horizontally when the formula is wider than the column, placed on the text's baseline (the
  ``vertical-align`` MathJax computes for the formula's depth goes on the span, see emlib.css).
* Display math is an ``<svg>`` inside ``<div class="math emlib-math-display">``, which scrolls horizontally.
* The glyph shapes (``<path>`` outlines) are written once per page, in a hidden ``<svg>`` at the end of the
  page body, and each formula refers to them by ``<use>``; a page with 500 formulas would otherwise repeat
  the outline of every "x" in each of them.
* A TeX error (an unknown macro, a missing brace) is a Sphinx warning, so the build, which runs with
  warnings as errors, fails and names the formula: MathJax would otherwise show the TeX source in red.
* Each formula carries its TeX source as its accessible name (``aria-label``) for screen readers.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

GLYPH = re.compile(r'<path id="MJX-\d+-([^"]+)" d="([^"]*)"\s*/>')
GLYPH_REF = re.compile(r'xlink:href="#MJX-\d+-([^"]+)"')
DEFS = re.compile(r"<defs>.*?</defs>|<defs/>", re.S)
# attributes MathJax leaves for its own scripts; nothing reads them in a static page
NOISE = re.compile(r'\s(?:data-latex|data-mml-node|data-c|data-mjx-texclass|data-semantic-[a-z-]+)="[^"]*"')
ERROR = re.compile(r'data-mjx-error="([^"]*)"')
UNDEFINED = re.compile(r'<g[^>]*\bfill="red"[^>]*>')  # MathJax's noundefined package shows an unknown macro in red
VALIGN = re.compile(r'^<svg style="vertical-align:\s*([-0-9.]+ex);"')
GLYPH_PREFIX = "emlib-glyph-"


class TeXError(ValueError):
    """MathJax could not typeset a formula."""


@lru_cache(maxsize=1)
def _renderer():
    import quickjax

    return quickjax.MathJaxRenderer()


@lru_cache(maxsize=None)
def typeset(tex: str, display: bool) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``tex`` as an SVG whose glyphs are ``<use>`` references, and the glyphs it uses as (key, path data).

    Raises TeXError (with MathJax's message) when the TeX does not typeset.
    """
    import quickjax

    try:
        svg = _renderer().render(tex, display=display)
    except quickjax.MathJaxRenderError as exc:
        raise TeXError(str(exc)) from None
    if m := ERROR.search(svg):
        raise TeXError(html.unescape(m[1]))
    if UNDEFINED.search(svg):
        raise TeXError("undefined control sequence (shown in red by MathJax)")
    glyphs = tuple(dict.fromkeys(GLYPH.findall(svg)))
    svg = DEFS.sub("", svg, count=1)
    svg = GLYPH_REF.sub(lambda m: f'xlink:href="#{GLYPH_PREFIX}{m[1]}"', svg)
    svg = NOISE.sub("", svg)
    label = html.escape(" ".join(tex.split()), quote=True)
    svg = svg.replace('role="img"', f'role="img" aria-label="{label}"', 1)
    return svg, glyphs


def _strip_delimiters(tex: str) -> str:
    tex = tex.strip()
    for left, right in (("$$", "$$"), ("$", "$"), ("\\[", "\\]"), ("\\(", "\\)")):
        if tex.startswith(left) and tex.endswith(right) and len(tex) >= len(left) + len(right):
            return tex[len(left):len(tex) - len(right)].strip()
    return tex


def _page_glyphs(translator) -> dict[str, str]:
    store = translator.builder.__dict__.setdefault("emlib_glyphs", {})
    return store.setdefault(translator.builder.current_docname, {})


def _emit(translator, node: nodes.Element, tex: str, display: bool) -> str | None:
    try:
        svg, glyphs = typeset(tex, display)
    except TeXError as exc:
        logger.warning("math does not typeset (%s): %s", exc, tex, location=node)
        return None
    page = _page_glyphs(translator)
    for key, path in glyphs:
        if page.setdefault(key, path) != path:  # a key names one glyph outline; never expected to differ
            logger.warning("two outlines for the glyph %s", key, location=node)
    return svg


def visit_math(translator, node: nodes.math) -> None:
    tex = _strip_delimiters(node.astext())
    svg = _emit(translator, node, tex, display=False)
    if svg is None:
        translator.body.append(translator.starttag(node, "code", "", CLASS="math-error"))
        translator.body.append(translator.encode(tex) + "</code>")
        raise nodes.SkipNode
    m = VALIGN.match(svg)
    style = f"vertical-align: {m[1]}" if m else ""
    translator.body.append(translator.starttag(node, "span", "", CLASS="math notranslate nohighlight emlib-math",
                                               style=style))
    translator.body.append(svg + "</span>")
    raise nodes.SkipNode


def visit_displaymath(translator, node: nodes.math_block) -> None:
    tex = _strip_delimiters(node.astext())
    if not node.get("nowrap", node.get("no-wrap", False)):
        # as sphinx.ext.mathjax: blank-line separated equations are aligned, a line break asks for split
        parts = [p.strip() for p in tex.split("\n\n") if p.strip()]
        parts = [f"\\begin{{split}}{p}\\end{{split}}" if "\\\\" in p and "\\begin" not in p else p for p in parts]
        tex = parts[0] if len(parts) == 1 else "\\begin{aligned}" + "\\\\".join(parts) + "\\end{aligned}"
    svg = _emit(translator, node, tex, display=True)
    translator.body.append(translator.starttag(node, "div", CLASS="math notranslate nohighlight emlib-math-display"))
    if svg is None:
        translator.body.append(f'<code class="math-error">{translator.encode(tex)}</code></div>\n')
        raise nodes.SkipNode
    translator.body.append(svg + "</div>\n")
    raise nodes.SkipNode


def glyph_sheet(glyphs: dict[str, str]) -> str:
    """The hidden SVG that holds the outlines of a page's glyphs, for the formulas' ``<use>`` references."""
    paths = "".join(f'<path id="{GLYPH_PREFIX}{key}" d="{path}"/>' for key, path in sorted(glyphs.items()))
    return ('<svg class="emlib-glyphs" xmlns="http://www.w3.org/2000/svg" aria-hidden="true" focusable="false" '
            f'width="0" height="0" style="position:absolute;width:0;height:0;overflow:hidden"><defs>{paths}</defs></svg>')


def _add_glyphs(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    glyphs = app.builder.__dict__.get("emlib_glyphs", {}).pop(pagename, None)
    if glyphs and "body" in context:
        context["body"] += glyph_sheet(glyphs)


def setup(app: Sphinx) -> dict:
    app.add_html_math_renderer("emlib_svg", inline_renderers=(visit_math, None),
                               block_renderers=(visit_displaymath, None))
    app.connect("html-page-context", _add_glyphs)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": False}
