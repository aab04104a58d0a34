"""Sphinx extension of the emlib site: search results with the text around each hit, also from ``file://``.

Sphinx's search page fetches every hit's page to cut the text around the search words out of it; a browser
refuses that fetch for a site opened from ``file://`` (as the README suggests), so the hits come as titles
alone. Here the build writes the text of every searchable page, section by section, into
``_static/emlib_search_text.js``, which the search page loads with a ``<script>`` tag (allowed from
``file://``); site_src/_static/emlib.js answers Sphinx's fetch of a page from it. In that text a formula
is written in plain characters (``π_k``, ``∑_k``: :func:`tex_to_text`), never as TeX source.

A page whose metadata says ``nosearch`` (the developer pages: the mutation analysis, the benchmarks) is
left out of the search index by Sphinx and out of this text too.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

TEXT_FILE = "emlib_search_text.js"

_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "sum": "∑", "prod": "∏", "int": "∫",
    "partial": "∂", "nabla": "∇", "infty": "∞", "cdot": "·", "cdots": "⋯", "ldots": "…", "dots": "…",
    "times": "×", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈",
    "propto": "∝", "in": "∈", "mid": "|", "to": "→", "rightarrow": "→", "leftarrow": "←", "mapsto": "↦",
    "Rightarrow": "⇒", "iff": "⇔", "forall": "∀", "exists": "∃", "odot": "⊙", "otimes": "⊗", "circ": "∘",
    "top": "⊤", "pm": "±", "sqrt": "√", "ell": "ℓ", "log": "log", "exp": "exp", "max": "max", "min": "min",
    "arg": "arg", "det": "det", "tanh": "tanh", "langle": "⟨", "rangle": "⟩", "lvert": "|", "rvert": "|",
    "Vert": "‖", "|": "‖", "{": "{", "}": "}", "%": "%", "_": "_", "&": "&", "#": "#", ",": " ", ";": " ",
    ":": " ", "!": "", " ": " ", "quad": " ", "qquad": " ", "equiv": "≡", "sim": "∼", "setminus": "∖",
    "cup": "∪", "cap": "∩", "subseteq": "⊆", "emptyset": "∅", "star": "⋆", "ast": "∗", "prime": "′",
    "lim": "lim", "sin": "sin", "cos": "cos", "operatorname": "",
}
_DROP = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "displaystyle",
         "textstyle", "mathrm", "mathbf", "mathit", "mathcal", "mathbb", "boldsymbol", "bm", "text", "textbf",
         "textit", "mathsf", "mathtt", "hat", "tilde", "bar", "overline", "vec", "widehat", "underbrace",
         "overbrace", "underset", "overset", "limits", "nolimits", "begin", "end", "tag", "label", "nonumber",
         "color", "phantom", "hphantom", "vphantom", "mathop", "mathbin", "mathrel"}
_FRAC_START = re.compile(r"\\[dt]?frac(?![A-Za-z])")
_ENV = re.compile(r"\\(?:begin|end)\{[a-z*]+\}(?:\{[^{}]*\})?")
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")


def _group(text: str, start: int) -> tuple[str, int] | None:
    """The balanced ``{...}`` group at ``start`` (spaces before it skipped): its content and the end."""
    i = start
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text) or text[i] != "{":
        return None
    depth = 0
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i + 1:j], j + 1
    return None


def _fractions(text: str) -> str:
    """``\\frac{a}{b}`` -> ``(a)/(b)``, nested ones too."""
    while m := _FRAC_START.search(text):
        num = _group(text, m.end())
        den = num and _group(text, num[1])
        if not den:
            text = text[:m.start()] + text[m.end():]  # a fraction without its two groups: drop the command
            continue
        text = text[:m.start()] + f"({_fractions(num[0])})/({_fractions(den[0])})" + text[den[1]:]
    return text


def _command(m: re.Match) -> str:
    if m[1] in _DROP:
        return ""
    word = _SYMBOLS.get(m[1], m[1])
    return f" {word} " if len(word) > 1 and word.isalpha() else word  # log, exp, ...: a word of its own


def tex_to_text(tex: str) -> str:
    """A formula in plain characters for the search excerpts: Greek letters and operators as Unicode,
    fractions as a/b, sizing and font commands dropped; never a backslash."""
    text = _fractions(_ENV.sub(" ", tex))
    text = _COMMAND.sub(_command, text)
    text = text.replace("{", "").replace("}", "").replace("&", " ").replace("~", " ")
    text = text.replace("\\", " ").replace("$", "")
    return " ".join(text.split())


class _Text(nodes.GenericNodeVisitor):
    """The text of a page as nested ``<section id=...>`` elements, which Sphinx's search page looks a hit's
    section up in (``[role=main] #id``), with formulas as plain characters."""

    def __init__(self, document: nodes.document) -> None:
        super().__init__(document)
        self.parts: list[str] = []

    def default_visit(self, node: nodes.Node) -> None:
        if isinstance(node, (nodes.math, nodes.math_block)):
            self.parts.append(html.escape(" " + tex_to_text(node.astext()) + " "))
            raise nodes.SkipNode
        if isinstance(node, nodes.literal) and re.search(r"\\[A-Za-z]", node.astext()):
            # inline code that holds TeX (the notes' printed lines on their pages): plain characters too
            self.parts.append(html.escape(" " + tex_to_text(node.astext()) + " "))
            raise nodes.SkipNode
        if isinstance(node, (nodes.raw, nodes.comment, nodes.system_message, nodes.image)):
            raise nodes.SkipNode
        if isinstance(node, nodes.Text):
            self.parts.append(html.escape(str(node)))
        elif isinstance(node, nodes.section) and node["ids"]:
            self.parts.append(f'<section id="{html.escape(node["ids"][0])}">')
        elif isinstance(node, (nodes.paragraph, nodes.title, nodes.term, nodes.literal_block, nodes.table)):
            self.parts.append(" ")

    def default_departure(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.section) and node["ids"]:
            self.parts.append("</section>")
        elif isinstance(node, (nodes.paragraph, nodes.title, nodes.term, nodes.entry)):
            self.parts.append(" ")


def page_text(doctree: nodes.document) -> str:
    visitor = _Text(doctree)
    doctree.walkabout(visitor)
    return '<div role="main">' + re.sub(r"[ \t\r\n]+", " ", "".join(visitor.parts)) + "</div>"


def _collect(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "html" or app.env.metadata.get(docname, {}).get("nosearch") is not None:
        return
    app.builder.__dict__.setdefault("emlib_search_text", {})[docname] = page_text(doctree)


def _load_on_search_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if pagename == "search":
        app.builder.add_js_file(TEXT_FILE)


def _write(app: Sphinx, exception: Exception | None) -> None:
    texts = app.builder.__dict__.get("emlib_search_text")
    if exception is None and texts is not None:
        static = Path(app.builder.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        data = json.dumps(dict(sorted(texts.items())), ensure_ascii=False)
        (static / TEXT_FILE).write_text(f"window.EMLIB_SEARCH_TEXT = {data};\n", encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.connect("doctree-resolved", _collect)
    app.connect("html-page-context", _load_on_search_page)
    app.connect("build-finished", _write)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": False}
