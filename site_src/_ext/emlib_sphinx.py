"""Sphinx extension of the emlib site: anchors on notebook cells, links between notebooks, glossary links.

* Every code cell of notebook XX gets the anchor and label ``nbXX-cell-NN`` (NN its position in the
  notebook), as the markdown cells do through the ``(nbXX-cell-NN)=`` labels that tools/build_site.py
  puts in front of them; a code cell that runs checks also gets the stable anchors that build_site.py
  made from the checks' labels (``nbXX-check-<label>``, in the cell's metadata ``emlib_anchors``), which
  the errata and the items pages link to, so that their links survive cells moving.
* "notebook 03", "notebooks 03 and 04" in the prose of a page become links to those notebooks.
* The first mention of a glossary term in a page's prose links to the glossary (``NOTATION`` below lists
  the words it looks for), and every notebook page opens with a box "Notation on this page" that links
  each symbol it uses (found in the page's math) to its glossary entry.

The terms must exist in glossary.md; the build runs with warnings as errors, so a missing one fails it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform


@dataclass(frozen=True)
class Notation:
    term: str  # the glossary term, as glossary.md spells it
    symbol: str  # TeX shown in the notation box ("" for a word-only term)
    tex: str  # regex over a page's math sources: the page uses the symbol
    words: str  # regex over the prose: the first match links to the glossary


NOTATION = [
    Notation("parameters", r"\theta", r"\\theta(?![_^]\s*\{?\\?(?:text|mathrm)?\{?old)|\\boldsymbol\{\\theta\}", r"\bparameters\b"),
    Notation("old parameters", r"\theta^{\text{old}}", r"\\theta\s*[_^]\s*\{?\s*(?:\\text\{|\\mathrm\{)?old|\\theta\s*[_^]\s*\{?\s*\(?t\)?\}?", r"\bold parameters\b"),
    Notation("latent variable", r"z", r"(?<![\\a-zA-Z])z(?:_\{?[ik]|\b)", r"\blatent variables?\b"),
    Notation("responsibility", r"r_{ik}", r"(?<![\\a-zA-Z])r_\{?i\s*k|\\gamma\s*\(\s*z_\{?i\s*k|(?<![\\a-zA-Z])r_\{?(?:nk|k)\b|\\gamma_\{?i\s*k", r"\bresponsibilit(?:y|ies)\b"),
    Notation("mixing weights", r"\pi_k", r"\\pi_\{?k|\\pi_\{?j|\\pi_\{?1", r"\bmixing (?:weights?|proportions?|coefficients?)\b"),
    Notation("Q function", r"Q(\theta, \theta^{\text{old}})", r"(?<![\\a-zA-Z])Q\s*\(|\\mathcal\{Q\}|(?<![\\a-zA-Z])Q_\{?k", r"\bQ[- ]function\b|\bexpected complete-data log-likelihood\b"),
    Notation("ELBO", r"\mathrm{ELBO}(q, \theta)", r"ELBO|\\mathcal\{L\}\s*\(\s*q", r"\bELBO\b|\bevidence lower bound\b"),
    Notation("KL divergence", r"D_{KL}(p \,\|\, q)", r"D_\{?\s*\\?(?:mathrm\{)?KL|\\mathrm\{KL\}|\\operatorname\{KL\}", r"\bKL divergences?\b|\bKullback[- ]Leibler\b"),
    Notation("log-likelihood", r"\log p_\theta(x)", r"\\log\s*p_\{?\\theta|\\ell\s*\(\s*\\theta", r"\blog-likelihoods?\b"),
    Notation("posterior", r"p(z \mid x, \theta)", r"p\s*\(\s*z\s*(?:\\mid|\|)", r"\bposteriors?\b"),
    Notation("E-step", "", r"$^", r"\bE-steps?\b"),
    Notation("M-step", "", r"$^", r"\bM-steps?\b"),
    Notation("EM algorithm", "", r"$^", r"\bEM algorithm\b"),
    Notation("Gaussian mixture", r"\mathcal{N}(x \mid \mu_k, \Sigma_k)", r"\\mathcal\{N\}|\\Sigma_\{?k|\\mu_\{?k", r"\bGaussian mixtures?\b"),
    Notation("Lagrange multiplier", r"\lambda", r"\\lambda", r"\bLagrange multipliers?\b|\bLagrangian\b"),
    Notation("Jensen's inequality", "", r"$^", r"\bJensen(?:'s)? inequality\b"),
    Notation("BPTT", "", r"$^", r"\bBPTT\b|\bbackpropagation through time\b"),
    Notation("LSTM", "", r"$^", r"\bLSTM\b"),
    Notation("sigmoid", r"\sigma(a)", r"\\sigma\s*\(", r"\bsigmoids?\b"),
    Notation("exponential loss", "", r"$^", r"\bexponential loss\b"),
    Notation("check", "", r"$^", r"\bchecks?\b"),
    Notation("outline item", "", r"$^", r"\boutline items?\b"),
    Notation("refuted", "", r"$^", r"\brefuted\b"),
    Notation("finite difference", "", r"$^", r"\bfinite[- ]differences?\b"),
]

NOTEBOOK_MENTION = re.compile(r"\b[Nn]otebooks?\s+(\d\d)((?:(?:,\s*|\s+and\s+|\s+or\s+|\s*(?:-|–|\.\.|to)\s*)\d\d)*)\b")
NUMBER = re.compile(r"\d\d")
NOTEBOOK_DOC = re.compile(r"^(\d\d)_")
# prose only: never inside these
SKIP = (nodes.FixedTextElement, nodes.literal, nodes.math, nodes.math_block, nodes.reference, nodes.title,
        nodes.raw, nodes.term, nodes.target, addnodes.pending_xref, nodes.rubric, nodes.field_name, nodes.caption)


def _in_prose(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, SKIP):
            return False
        if isinstance(parent, nodes.container) and parent.get("nb_element", "").startswith("cell_code"):
            return False  # code and its outputs
        if "emlib-notation" in parent.get("classes", []) if isinstance(parent, nodes.Element) else False:
            return False
        parent = parent.parent
    return True


def _xref(docname: str, reftype: str, target: str, text: str) -> addnodes.pending_xref:
    if reftype == "term":
        target = target.lower()  # as the :term: role looks terms up
    ref = addnodes.pending_xref("", refdomain="std", reftype=reftype, reftarget=target, refexplicit=True,
                                refwarn=True, refdoc=docname)
    ref += nodes.inline(text, text, classes=["xref", "std", f"std-{reftype}", f"emlib-auto-{reftype}"])
    return ref


def _notebooks(env) -> dict[str, str]:
    """'03' -> '03_gmm_em_derivation' for the notebook pages of the project."""
    out = {}
    for doc in env.found_docs:
        m = NOTEBOOK_DOC.match(doc)
        if m:
            out[m[1]] = doc
    return out


def _split_text(text_node: nodes.Text, pieces: list[nodes.Node]) -> None:
    text_node.parent.replace(text_node, pieces)


def cell_label(docname: str, index: int) -> str:
    """The anchor (and Sphinx label) of cell ``index`` of a notebook page: ``nb03-cell-07``.

    tools/build_site.py writes the same labels in front of the markdown cells.
    """
    m = NOTEBOOK_DOC.match(docname)
    stem = m[1] if m else re.sub(r"[^a-z0-9]+", "-", docname.lower()).strip("-")
    return f"nb{stem}-cell-{index:02d}"


class CellAnchors(SphinxTransform):
    """The anchor ``nbXX-cell-NN`` on every code cell of a notebook page, registered as a Sphinx label
    (NN: the cell's position in the notebook), as the markdown cells have through their labels."""

    default_priority = 500

    def apply(self) -> None:
        if not self.document.get("source", "").endswith(".ipynb"):
            return
        std = self.env.domains.standard_domain
        docname = self.env.docname
        for node in self.document.findall(nodes.container):
            if node.get("nb_element") == "cell_code" and "cell_index" in node:
                # its position label, and the stable anchors of the checks it runs (from their labels)
                stable = (node.get("cell_metadata") or {}).get("emlib_anchors", [])
                for label in [cell_label(docname, node["cell_index"]), *stable]:
                    node["ids"].append(label)
                    std.anonlabels[label] = (docname, label)
                    std.labels[label] = (docname, label, f"code cell {node['cell_index']}")


class AnchorsBeforeRawHTML(SphinxTransform):
    """A label in front of a markdown cell that opens with HTML (a folded ``<details>`` box) lands on a raw
    node, whose HTML is written verbatim, without its ids: put the ids on an empty element before it."""

    default_priority = 505

    def apply(self) -> None:
        for node in list(self.document.findall(nodes.raw)):
            if node.get("ids") and node.parent is not None:
                holder = nodes.container(classes=["emlib-anchor"])
                holder["ids"], node["ids"] = node["ids"], []
                for label in holder["ids"]:
                    self.document.ids[label] = holder
                node.parent.insert(node.parent.index(node), holder)


class NotebookLinks(SphinxTransform):
    """'notebook 03' -> a link to 03_gmm_em_derivation (not on that page itself)."""

    default_priority = 510

    def apply(self) -> None:
        books = _notebooks(self.env)
        here = self.env.docname
        for text_node in list(self.document.findall(nodes.Text)):
            if not _in_prose(text_node):
                continue
            text = str(text_node)
            matches = list(NOTEBOOK_MENTION.finditer(text))
            if not matches:
                continue
            pieces: list[nodes.Node] = []
            pos = 0
            for m in matches:
                numbers = [n for n in NUMBER.finditer(m[0])]
                for k, n in enumerate(numbers):
                    doc = books.get(n[0])
                    if doc is None or doc == here:
                        continue
                    # a single "notebook 03" links the whole phrase; a list links each number
                    start, end = (m.start(), m.end()) if len(numbers) == 1 else (m.start() + n.start(), m.start() + n.end())
                    if start < pos:
                        continue
                    pieces.append(nodes.Text(text[pos:start]))
                    pieces.append(_xref(here, "doc", "/" + doc, text[start:end]))
                    pos = end
            if pieces:
                pieces.append(nodes.Text(text[pos:]))
                _split_text(text_node, pieces)


class GlossaryLinks(SphinxTransform):
    """Link the first mention of each glossary term in a page's prose; add the notation box."""

    default_priority = 520

    def apply(self) -> None:
        here = self.env.docname
        if here in ("glossary", "search", "genindex", "errata", "items", "coverage"):
            return  # (the generated lists: a link inside a document's title or a table cell misleads)
        words = [(n.term, re.compile(n.words)) for n in NOTATION]
        linked: set[str] = set()
        for text_node in list(self.document.findall(nodes.Text)):
            if len(linked) == len(words) or not _in_prose(text_node):
                continue
            text = str(text_node)
            hits = []
            for term, rx in words:
                if term in linked:
                    continue
                m = rx.search(text)
                if m:
                    hits.append((m.start(), m.end(), term))
            if not hits:
                continue
            hits.sort()
            pieces: list[nodes.Node] = []
            pos = 0
            for start, end, term in hits:
                if start < pos or term in linked:
                    continue
                pieces.append(nodes.Text(text[pos:start]))
                pieces.append(_xref(here, "term", term, text[start:end]))
                linked.add(term)
                pos = end
            pieces.append(nodes.Text(text[pos:]))
            _split_text(text_node, pieces)
        if self.document.get("source", "").endswith(".ipynb"):
            self._notation_box(here)

    def _notation_box(self, here: str) -> None:
        tex = "\n".join(n.astext() for n in self.document.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block))))
        used = [n for n in NOTATION if n.symbol and re.search(n.tex, tex)]
        section = next(iter(self.document.findall(nodes.section)), None)
        if not used or section is None:
            return
        para = nodes.paragraph()
        para += nodes.strong("Notation on this page: ", "Notation on this page: ")
        for k, n in enumerate(used):
            if k:
                para += nodes.Text(" · ")
            para += nodes.math(n.symbol, n.symbol)
            para += nodes.Text(" ")
            para += _xref(here, "term", n.term, n.term)
        box = nodes.container("", para, classes=["emlib-notation"])
        title_index = next((i for i, child in enumerate(section.children) if isinstance(child, nodes.title)), -1)
        section.insert(title_index + 1, box)


def setup(app: Sphinx) -> dict:
    app.add_transform(CellAnchors)
    app.add_transform(AnchorsBeforeRawHTML)
    app.add_transform(NotebookLinks)
    app.add_transform(GlossaryLinks)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
