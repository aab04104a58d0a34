"""Build the offline web site of the notebooks with Sphinx, from their stored outputs (nothing is re-executed).

    python tools/build_site.py [--out DIR] [NOTEBOOK ...]      # default: site/ from notebooks/*.ipynb (make site)

The site is a Sphinx project (site_src/: conf.py, the glossary, a small extension, CSS and JS) rendered by
myst-nb with the sphinx-book-theme: a table-of-contents sidebar, previous/next links, an in-page outline,
Sphinx's offline full-text search, a show/hide-code toggle, links between the notebooks and to the
glossary. This script

1. reads every notebook's check records, the structured outputs that ``emlib.derivation`` attaches to
   each check (``application/vnd.emlib.check+json``), summary (``...summary+json``) and coverage table
   (``...coverage+json``);
2. stages a copy of site_src/ with the notebooks (records shown as their printed lines only: the JSON
   is shown through the generated pages; a label ``(nbXX-cell-NN)=`` in front of each markdown cell),
   generated ``index.md``,
   ``errata.md``, ``coverage.md``, ``items.md`` and a page per notes file (``notes-003.md``: the notes'
   printed chains, notes/*.md, checked line by line by tools/notes_report.py; the errata page sets what they
   break beside what the notebooks refute, and ``notes_report.json`` is written beside the pages);
3. runs Sphinx (warnings are errors) into ``site/``; the math is typeset during the build, into SVG, by
   MathJax 4 run in Python (site_src/_ext/emlib_math.py), so the pages load no math script.

Nothing is fetched from the network at build or read time (tests/test_site.py checks both).
(The module is not called ``site.py``: that name shadows Python's own ``site`` module.)
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
SITE_SRC = ROOT / "site_src"
DEFAULT_OUT = ROOT / "site"
MARKER = ".emlib-site"  # a build directory carries it, so a rebuild may safely empty that directory
CATEGORIES = ("symbolic", "numeric", "finite-difference")
# the record schema (MIME types, reading a stored output) is emlib.derivation.records, shared with the
# hygiene test and tools/mutation.py
from emlib.derivation.records import CHECK_MIME as MIME_CHECK  # noqa: E402
from emlib.derivation.records import COVERAGE_MIME as MIME_COVERAGE  # noqa: E402
from emlib.derivation.records import RECORD_MIMES  # noqa: E402
from emlib.derivation.records import SUMMARY_MIME as MIME_SUMMARY  # noqa: E402
from emlib.derivation.records import Check  # noqa: E402
from emlib.derivation.records import record_data as _record_data  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import notes_report  # noqa: E402  (tools/notes_report.py: the notes' printed chains through the checker)
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
FENCE_RE = re.compile(r"^\s*(```|~~~)")
NOTEBOOK_NUMBER = re.compile(r"^(\d\d)_")


# ---------------------------------------------------------------------------------------------- records
@dataclass
class CheckRecord:
    """One check where the site shows it: the record (:class:`~emlib.derivation.records.Check`, the one
    schema) and its place in the notebook."""

    check: Check
    cell: int = -1  # position in the notebook of the code cell that holds the record
    explanation: int = -1  # position of the nearest non-empty markdown cell above it
    anchor: str = ""  # the stable anchor of its code cell, from the notebook and the label (check_anchor)

    @property
    def explanation_anchor(self) -> str:
        return self.anchor + "-explained"

    @classmethod
    def from_json(cls, data: dict, cell: int, explanation: int) -> "CheckRecord":
        """The check stored as ``data`` (a :data:`CHECK_MIME` output) in the cell at position ``cell``."""
        return cls(Check.from_dict(data), cell, explanation)


@dataclass
class NotebookInfo:
    path: Path
    title: str
    intro: str  # the first paragraph after the title, markdown
    checks: list[CheckRecord]
    summaries: list[dict]
    coverage: list[tuple[str, str, str]]  # (item, where, how)
    n_figures: int
    headings: list[tuple[int, str, int]] = field(default_factory=list)  # (level, text, cell)
    figure_cells: list[tuple[int, str]] = field(default_factory=list)  # (cell, first line of its source)

    @property
    def docname(self) -> str:
        return self.path.stem

    @property
    def page(self) -> str:
        return self.path.stem + ".html"

    @property
    def total(self) -> int:
        return sum(int(s.get("total", 0)) for s in self.summaries)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(CATEGORIES, 0)
        for s in self.summaries:
            for c, n in (s.get("counts") or {}).items():
                counts[c] = counts.get(c, 0) + int(n)
        return counts

    @property
    def refuted(self) -> list[CheckRecord]:
        return [c for c in self.checks if c.check.refuted]


def is_record_output(output: dict) -> bool:
    return any(m in output.get("data", {}) for m in RECORD_MIMES)


def headings(markdown: str) -> list[tuple[int, str]]:
    """(level, text) of the ATX headings of a markdown cell, skipping fenced code blocks."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if FENCE_RE.match(line):
            fenced = not fenced
        elif not fenced and (m := HEADING_RE.match(line)):
            out.append((len(m[1]), m[2]))
    return out


def title_and_intro(nb: nbformat.NotebookNode, fallback: str) -> tuple[str, str]:
    """The first markdown heading and the first paragraph after it."""
    for cell in nb.cells:
        if cell.cell_type != "markdown" or not cell.source.strip():
            continue
        blocks = re.split(r"\n\s*\n", cell.source.strip())
        title, intro = fallback, ""
        first = blocks[0].splitlines()
        m = HEADING_RE.match(first[0])
        if m:
            title = m[2]
            rest = "\n".join(first[1:]).strip()
            blocks = ([rest] if rest else []) + blocks[1:]
        for block in blocks:
            if not HEADING_RE.match(block.splitlines()[0]):
                intro = block
                break
        return title, intro
    return fallback, ""


def analyse(path: Path) -> NotebookInfo:
    """Everything the generated pages need, read from the structured records in ``path``'s outputs."""
    nb = nbformat.read(path, as_version=4)
    title, intro = title_and_intro(nb, path.stem)
    checks: list[CheckRecord] = []
    summaries: list[dict] = []
    coverage: list[tuple[str, str, str]] = []
    found_headings: list[tuple[int, str, int]] = []
    n_figures = 0
    figure_cells: list[tuple[int, str]] = []
    explanation = -1
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            if cell.source.strip():
                explanation = index
            found_headings += [(level, text, index) for level, text in headings(cell.source)]
            continue
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if (data := _record_data(output, MIME_CHECK)) is not None:
                checks.append(CheckRecord.from_json(data, index, explanation))
            if (data := _record_data(output, MIME_SUMMARY)) is not None:
                summaries.append(data)
            if (data := _record_data(output, MIME_COVERAGE)) is not None:
                coverage += [(str(r.get("item", "")), str(r.get("where", "")), str(r.get("how", ""))) for r in data.get("rows", [])]
            if not is_record_output(output) and any(k in output.get("data", {}) for k in ("image/png", "image/jpeg")):
                n_figures += 1
                if not figure_cells or figure_cells[-1][0] != index:
                    figure_cells.append((index, first_line(cell.source)))
    seen: set[str] = set()
    for rec in checks:
        rec.anchor = check_anchor(path.stem, rec.check.label, seen)
    return NotebookInfo(path, title, intro, checks, summaries, coverage, n_figures, found_headings, figure_cells)


# ---------------------------------------------------------------------------------------------- staging
def cell_label(docname: str, index: int) -> str:
    """The anchor and Sphinx label of a notebook cell (site_src/_ext/emlib_sphinx.py uses the same)."""
    m = NOTEBOOK_NUMBER.match(docname)
    stem = m[1] if m else re.sub(r"[^a-z0-9]+", "-", docname.lower()).strip("-")
    return f"nb{stem}-cell-{index:02d}"


def slug(text: str, limit: int = 60) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")


def unique_anchor(base: str, seen: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3``... if taken; recorded in ``seen``."""
    anchor, n = base, 1
    while anchor in seen:
        n += 1
        anchor = f"{base}-{n}"
    seen.add(anchor)
    return anchor


def check_anchor(docname: str, label: str, seen: set[str]) -> str:
    """The anchor of a check's cell, made from the notebook's number and the check's label (not from the
    cell's position, so links to it survive cells moving); the second check of the same label gets ``-2``."""
    m = NOTEBOOK_NUMBER.match(docname)
    stem = m[1] if m else slug(docname)
    base = f"nb{stem}-check-{slug(label) or 'unnamed'}"
    return unique_anchor(base, seen)


def shown_outputs(outputs: list) -> list:
    """A code cell's outputs as the site shows them.

    A check record's output carries its printed line as text/plain next to the JSON; the JSON is dropped
    (the generated pages show it) and the line becomes ordinary stdout, joined with the neighbouring
    stdout, so that the checks of a cell read as one block of text, as in JupyterLab. A record that also
    carries a richer form (text/markdown: a refuted result typeset) keeps it, as JupyterLab shows it.
    """
    shown: list = []
    for out in outputs:
        if is_record_output(out):
            data = {k: v for k, v in out.get("data", {}).items() if k not in RECORD_MIMES}
            if set(data) - {"text/plain"}:
                out = nbformat.v4.new_output("display_data", data=data)
            else:
                text = data.get("text/plain", "")
                text = "".join(text) if isinstance(text, list) else str(text)
                if not text:
                    continue
                out = nbformat.v4.new_output("stream", name="stdout", text=text if text.endswith("\n") else text + "\n")
        if (out.get("output_type") == "stream" and shown and shown[-1].get("output_type") == "stream"
                and shown[-1].get("name") == out.get("name")):
            shown[-1] = nbformat.v4.new_output("stream", name=out["name"], text=shown[-1]["text"] + out["text"])
        else:
            shown.append(out)
    return shown


def first_line(source: str) -> str:
    return next((line.strip() for line in source.splitlines() if line.strip()), "")


#: Caption and alt text of each figure: site_src/figures.json, keyed by notebook and the first line of the
#: code cell that draws the figure (cells move; their first lines rarely change).
FIGURES = SITE_SRC / "figures.json"


def figure_texts(path: Path = FIGURES) -> dict[tuple[str, str], dict]:
    """(notebook, first line of the cell) -> {"caption", "alt", "wide"?}."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {(f["notebook"], f["cell_starts"].strip()): f for f in data.get("figures", [])}


def figure_metadata(docname: str, index: int, figure: dict) -> dict:
    """myst-nb's cell metadata for a figure: a caption, an anchor and alt text; a wide one at full size."""
    wide = ["emlib-wide-figure"] if figure.get("wide") else []
    stem = cell_label(docname, index).rsplit("-cell-", 1)[0]
    return {"figure": {"caption": figure["caption"], "name": f"{stem}-figure-{slug(figure['caption'], 40)}",
                       "classes": " ".join(["emlib-figure", *wide])},
            "image": {"alt": " ".join(figure["alt"].split()), **({"classes": "emlib-full-size"} if wide else {})}}


def staged_notebook(path: Path, checks: list[CheckRecord] = (), figures: dict | None = None,
                    chains: dict[str, list["notes_report.Chain"]] | None = None) -> nbformat.NotebookNode:
    """The notebook as the site renders it: check records as text, labels in front of each markdown cell.

    Every markdown cell gets its position label (``nbXX-cell-NN``) and, when it explains checks, their
    ``...-explained`` labels; every code cell that runs checks lists their anchors in its metadata
    (``emlib_anchors``, which site_src/_ext/emlib_sphinx.py turns into anchors and labels). A code cell
    whose checks name outline items with printed chains (``chains``: item -> chains) ends with links to them.
    """
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and cell.source.strip():
            labels = [cell_label(path.stem, index)]
            labels += list(dict.fromkeys(c.explanation_anchor for c in checks if c.explanation == index))
            cell.source = "".join(f"({label})=\n" for label in labels) + cell.source
        elif cell.cell_type == "code":
            cell.outputs = shown_outputs(cell.outputs)
            anchors = [c.anchor for c in checks if c.cell == index]
            if anchors:
                cell.metadata["emlib_anchors"] = anchors
            mine = {ch.anchor: ch for c in checks if c.cell == index for i in c.check.sources for ch in (chains or {}).get(i, [])}
            if mine:
                cell.outputs.append(printed_chains_output(list(mine.values())))
            figure = (figures or {}).get((path.stem, first_line(cell.source)))
            if figure and any("image/png" in o.get("data", {}) for o in cell.outputs):
                cell.metadata["mystnb"] = figure_metadata(path.stem, index, figure)
    return nb


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|$~^&:=\"'])")


def esc(text: str) -> str:
    """Plain text made safe for MyST markdown (every ASCII punctuation mark that could start markup escaped)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def math_or_text(latex: str, text: str) -> str:
    if latex.strip():
        tex = latex.strip()
        if tex.startswith("$"):
            return tex
        return f"${tex}$"
    return f"``{text}``" if "`" not in text else esc(text)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def counts_line(info: NotebookInfo) -> str:
    if not info.summaries:
        return "**No check summary in the stored outputs.**"
    parts = ", ".join(f"{info.counts.get(c, 0)} {c}" for c in CATEGORIES)
    line = f"**{plural(info.total, 'check')}**: {parts}"
    if info.refuted:
        line += f"; [{plural(len(info.refuted), 'refutes a printed result', 'refute printed results')}](errata-{info.docname})"
    failed = sum(int(s.get("failed", 0)) for s in info.summaries)
    if failed:
        line += f"; **{failed} FAILED** (the stored outputs record failing checks)"
    return line


def index_md(infos: list[NotebookInfo], errata: list["Erratum"],
             notes: list["notes_report.DocumentReport"] = ()) -> str:
    total = sum(i.total for i in infos)
    counts = Counter()
    for i in infos:
        counts.update(i.counts)
    items = sorted({row[0] for i in infos for row in i.coverage})
    out = [
        "# emlib: derivations you can run",
        "",
        "Every notebook re-derives part of the study notes, one checked step at a time. These pages show the",
        "stored outputs of each notebook exactly as the tests compare them; nothing is re-run to build them.",
        "Use the sidebar, the previous/next links at the bottom of each page, or search; the",
        "[glossary](glossary.md) explains the notation, the [errata](errata.md) list every printed result of",
        "the notes that a check refutes, the [coverage](coverage.md) page says which notebook checks each",
        "outline item of the notes, and the [outline items](items.md) page lists, for each item, its checks and",
        "what the notes print where a check refutes it. For maintainers: [how a derivation is checked](checker.md),",
        "the [guarantees](guarantees.md) of the library, its [performance](performance.md) and the",
        "[mutation analysis](mutation.md), which shows which checks and tests catch deliberate slips in emlib.",
        "",
        *notes_intro(NotesOutline.load()),
        f"{plural(len(infos), 'notebook')}, {plural(total, 'check')} ("
        + ", ".join(f"{counts.get(c, 0)} {c}" for c in CATEGORIES)
        + f"), {plural(len(items), 'outline item')} covered, "
        + f"[{plural(len(errata), 'printed result')} of the notes refuted](errata.md).",
        "",
    ]
    if notes:
        out += ["The notes' own derivation chains, as printed, checked line by line: "
                + ", ".join(f"[{esc(r.document)}]({notes_page(r.document)}.md)" for r in notes) + ".", ""]
    for info in infos:
        out += [
            f"## [{info.title}]({info.path.name})",
            "",
            info.intro,
            "",
            f"{{.emlib-checks}}\n{counts_line(info)}",
            "",
        ]
        if info.coverage:
            codes = " ".join(f"`{esc_code(item)}`" for item, _, _ in info.coverage)
            out += [f"{{.emlib-items}}\nOutline items covered ([{len(info.coverage)}](coverage-{info.docname})): {codes}", ""]
    out += [
        "```{toctree}",
        ":hidden:",
        ":maxdepth: 1",
        ":caption: Notebooks",
        "",
        *[info.docname for info in infos],
        "```",
        "",
        "```{toctree}",
        ":hidden:",
        ":maxdepth: 1",
        ":caption: Reference",
        "",
        "errata",
        "coverage",
        "items",
        "glossary",
        "```",
        "",
        *(["```{toctree}", ":hidden:", ":maxdepth: 1", ":caption: The notes as printed", "",
           *[notes_page(r.document) for r in notes], "```", ""] if notes else []),
        "```{toctree}",
        ":hidden:",
        ":maxdepth: 1",
        ":caption: For maintainers",
        "",
        *MAINTAINER_PAGES,
        "```",
        "",
    ]
    return "\n".join(out)


def esc_code(text: str) -> str:
    return str(text).replace("`", "'")


@dataclass
class Erratum:
    """A printed result of the notes that one or more checks refute (the same result counted once)."""

    key: tuple
    checks: list[tuple[NotebookInfo, CheckRecord]]

    @property
    def first(self) -> Check:
        """The record of its first check (the fields the entry shows)."""
        return self.checks[0][1].check

    @property
    def document(self) -> str:
        sources = self.first.sources
        return sources[0].split("-")[0] if sources and "-" in sources[0] else ""


def collect_errata(infos: list[NotebookInfo]) -> list[Erratum]:
    """Refuted checks, de-duplicated: checks of the same erratum entry (notes/errata.json), or else of the same
    outline items and the same printed result, are one erratum."""
    by_key: dict[tuple, Erratum] = {}
    for info in infos:
        for rec in info.refuted:
            check = rec.check
            what = " ".join((check.printed_latex or check.printed or check.label).split())
            key = ("erratum", check.erratum) if check.erratum else (check.sources, what)
            by_key.setdefault(key, Erratum(key, [])).checks.append((info, rec))
    return list(by_key.values())


def _doc_sort(doc: str) -> tuple:
    return (doc == "", doc)


SEVERITIES = {  # expect_false(severity=...): the order and the headings of the errata within a document
    "error": "Errors: the printed result is wrong",
    "slip": "Slips: an intermediate line is wrong, the final result stands",
}


def _severity_sort(severity: str) -> tuple:
    order = list(SEVERITIES)
    return (severity not in order, order.index(severity) if severity in order else 0, severity == "", severity)


def severity_title(severity: str) -> str:
    if not severity:
        return "Severity not given"
    return SEVERITIES.get(severity, esc(severity.capitalize()))


def ordered_errata(errata: list[Erratum]) -> list[tuple[str, str, list[Erratum]]]:
    """(notes document, severity, entries) in page order: by document, then severity, then outline id."""
    groups: dict[str, list[Erratum]] = {}
    for e in errata:
        groups.setdefault(e.document, []).append(e)
    out = []
    for doc in sorted(groups, key=_doc_sort):
        for severity in sorted({e.first.severity for e in groups[doc]}, key=_severity_sort):
            entries = [e for e in groups[doc] if e.first.severity == severity]
            out.append((doc, severity, sorted(entries, key=lambda e: (e.first.sources, e.first.label))))
    return out


# ---------------------------------------------------------------------------------------------- the notes
#: The five study documents ("the notes") and the titles of their outline items: site_src/notes_outline.json,
#: taken from the headings of the outline of the notes (shared/source-notes/OUTLINE.md).
NOTES_OUTLINE = SITE_SRC / "notes_outline.json"


@dataclass(frozen=True)
class NotesOutline:
    documents: dict[str, dict]  # "003" -> {"id", "title", "about"}
    items: dict[str, dict]  # "003-12" -> {"id", "type", "title", "part"?}

    @classmethod
    def load(cls, path: Path = NOTES_OUTLINE) -> "NotesOutline":
        if not path.is_file():
            return cls({}, {})
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls({d["id"]: d for d in data.get("documents", [])}, {i["id"]: i for i in data.get("items", [])})

    def document(self, doc: str) -> str:
        """'003' -> 'document 003, “Expectation Maximization” (English, typed)', as markdown."""
        d = self.documents.get(doc)
        if d is None:
            return f"document {esc(doc)}" if doc else "not tied to an outline item"
        return f"document {esc(doc)}, “{esc(d['title'])}” ({esc(d['about'])})"

    def item_title(self, item: str) -> str:
        """The item's title from the outline, as markdown with its math ('' when the outline lacks it)."""
        it = self.items.get(item)
        if it is None:
            return ""
        title = md_with_math(it["title"])
        return f"{title} ({esc(it['part'])})" if it.get("part") else title


def outline_from_markdown(text: str) -> dict:
    """The documents and item titles of the outline of the notes (shared/source-notes/OUTLINE.md), in the form
    of site_src/notes_outline.json, which was written from it (tests/test_site.py keeps the two in step)."""
    documents, items, part = [], [], ""
    for line in text.splitlines():
        if m := re.match(r"^## (\d{3})_[0-9a-f]+\.txt — (.*)$", line):
            mm = re.match(r'^"?(.*?)"?\s*\(([^()]*)\)$', m[2].strip())
            documents.append({"id": m[1], "title": (mm[1] if mm else m[2]).strip(), "about": mm[2] if mm else ""})
            part = ""
        elif m := re.match(r"^### (.*)$", line):
            part = m[1].strip()
        elif m := re.match(r"^\*\*(\d{3}-\d{2}) \[([^\]]+)\] (.*?)\*\*", line):
            items.append({"id": m[1], "type": m[2], "title": m[3].strip().rstrip(".").strip(), **({"part": part} if part else {})})
    return {"documents": documents, "items": items}


def md_with_math(text: str) -> str:
    """Text with ``$...$`` math: the text between the formulas escaped for MyST, the formulas kept."""
    def text_piece(piece: str) -> str:  # esc() trims; the spaces next to a formula stay
        return (" " if piece[:1].isspace() else "") + esc(piece) + (" " if piece[-1:].isspace() and piece.strip() else "")

    pieces = re.split(r"(\$[^$]+\$)", text)
    return "".join(piece if piece.startswith("$") and piece.endswith("$") and len(piece) > 1 else text_piece(piece)
                   for piece in pieces).strip()


def notes_intro(outline: NotesOutline) -> list[str]:
    """What "the notes" are: the five study documents, with their titles and languages."""
    if not outline.documents:
        return []
    out = ["“The notes” are the five study documents these notebooks re-derive; their outline numbers each",
           "topic, definition, derivation and exercise `<document>-<item>` (`003-12` is item 12 of document 003):", ""]
    out += [f"* **{esc(d['id'])}**: “{esc(d['title'])}” ({esc(d['about'])})" for d in outline.documents.values()]
    return out + [""]


def erratum_anchor(e: "Erratum", seen: set[str]) -> str:
    """A stable anchor for an erratum: its outline items and its check's label, not its place in the list."""
    rec = e.first
    if rec.erratum:  # its id in notes/errata.json
        base = "erratum-" + slug(rec.erratum)
    else:
        base = "erratum-" + (slug("-".join(rec.sources), 30) + "-" if rec.sources else "") + (slug(_short_label(rec)) or "entry")
    return unique_anchor(base, seen)


def _short_label(rec: Check) -> str:
    label = rec.label
    if rec.sources and label.startswith(rec.sources[0] + " "):
        label = label[len(rec.sources[0]) + 1:]  # labels often begin with their outline id
    return label


def _severity_line(rec: Check) -> str:
    if not rec.severity:
        return ""
    meaning = {"error": "the printed result is wrong", "slip": "an intermediate line is wrong, the final result stands"}
    line = f"**{esc(rec.severity)}**" + (f": {meaning[rec.severity]}" if rec.severity in meaning else "")
    return line + (f". Why: {esc(rec.why)}" if rec.why else "")


def errata_md(infos: list[NotebookInfo], errata: list[Erratum], outline: NotesOutline | None = None,
              notes: list["notes_report.DocumentReport"] | None = None) -> str:
    """The errata page: what the notebooks' checks refute and, given the printed chains of the notes
    (``notes``), what those chains break, side by side (tools/notes_report.py matches the two)."""
    outline = outline if outline is not None else NotesOutline.load()
    agreements = notes_report.compare(notes, notebook_errata(errata)) if notes else []
    by_key = {a.erratum: a for a in agreements if a.erratum}
    by_item = chains_by_item(notes or [])
    n_checks = sum(len(e.checks) for e in errata)
    out = [
        "# Errata: where the notes go wrong",
        "",
        *notes_intro(outline),
        f"{plural(len(errata), 'result')} printed in the notes {'is' if len(errata) == 1 else 'are'} refuted by "
        f"{plural(n_checks, 'check')} (a result that several checks refute is listed once). The table says",
        "where each one is; below it, grouped by document and severity, each entry gives the printed result,",
        "the correct one and the evidence, and links to the notebook cell that explains it and to the cell that",
        "runs the check. Severity follows the notebooks' rule: an *error* changes a result the notes state, a",
        "*slip* is a wrong intermediate line whose final result stands. The list is generated from the check",
        "records stored in the notebooks.",
        "",
    ]
    if not errata:
        out.append("No check refutes a printed result.")
    ordered = ordered_errata(errata)
    anchors: dict[int, str] = {}  # id(erratum) -> its anchor
    seen: set[str] = set()
    for _, _, entries in ordered:
        for e in entries:
            anchors[id(e)] = erratum_anchor(e, seen)
    if errata:
        out += ["(errata-summary)=", "## Summary", "",
                "| document | item | severity | what the check refutes |", "|---|---|---|---|"]
        for doc, severity, entries in ordered:
            for e in entries:
                rec = e.first
                items = ", ".join(rec.sources)
                title = " · ".join(t for t in (outline.item_title(i) for i in rec.sources) if t)
                item = f"{{ref}}`{esc_ref(items or 'entry')} <{anchors[id(e)]}>`" + (f" {title}" if title else "")
                out.append(f"| {esc(doc) or '—'} | {item} | {esc(severity) or '—'} | {esc(_short_label(rec))} |")
        out.append("")
    if agreements:
        out += agreement_section(agreements, by_item, {erratum_key(e): anchors[id(e)] for e in errata})
    current_doc = None
    for doc, severity, entries in ordered:
        if doc != current_doc:
            current_doc = doc
            heading = outline.document(doc) if doc else "Not tied to an outline item"
            out += [f"(errata-doc-{doc or 'none'})=", f"## {heading[0].upper() + heading[1:]}", ""]
        out += [f"### {severity_title(severity)}", ""]
        for e in entries:
            rec = e.first
            ids = ", ".join(rec.sources)
            titles = " · ".join(t for t in (outline.item_title(i) for i in rec.sources) if t)
            heading = " · ".join(x for x in (esc(ids), titles) if x) or esc(_short_label(rec))
            out += [f"({anchors[id(e)]})=", f"#### {heading}", ""]
            if rec.sources:
                out += ["Outline " + ("items " if len(rec.sources) > 1 else "item ")
                        + ", ".join(item_ref(i) for i in rec.sources) + f"; the check: {esc(_short_label(rec))}", ""]
            out.append(":::{container} emlib-erratum")
            if rec.printed or rec.printed_latex:
                out += ["The notes print", f":  {math_or_text(rec.printed_latex, rec.printed)}", ""]
            if rec.correct or rec.correct_latex:
                out += ["Correct", f":  {math_or_text(rec.correct_latex, rec.correct)}", ""]
            if rec.severity:
                out += ["Severity", f":  {_severity_line(rec)}", ""]
            out += ["Refuted by", f":  {esc(rec.route)}{': ' + esc(rec.detail) if rec.detail else ''}", ""]
            if rec.where:
                out += ["Where", f":  {esc(rec.where)}", ""]
            if (a := by_key.get(erratum_key(e))) is not None:
                out += ["The printed chain", f":  {agreement_line(a, by_item)}", ""]
            places = []
            for info, r in e.checks:
                links = []
                if r.explanation >= 0:
                    links.append(f"{{ref}}`explanation <{r.explanation_anchor}>`")
                links.append(f"{{ref}}`the check <{r.anchor}>`")
                section = f", in “{esc(r.check.section)}”" if r.check.section else ""
                places.append(f"{{doc}}`{info.docname}`{section}: " + " and ".join(links))
            label = f"Checked in {len(places)} places" if len(places) > 1 else "Checked in"
            out += [label, f":  {'; '.join(places)}", "", ":::", ""]
    refuting = [i for i in infos if i.refuted]
    if refuting:
        out += ["## By notebook", ""]
        for info in refuting:
            mine = [e for _, _, entries in ordered for e in entries if any(i is info for i, _ in e.checks)]
            links = ", ".join(f"{{ref}}`{esc_ref(', '.join(e.first.sources) or e.first.label)} <{anchors[id(e)]}>`"
                              for e in mine)
            out += [f"(errata-{info.docname})=", f"### {md_with_math(info.title)}", "",
                    f"{plural(len(info.refuted), 'refuted check')}, {plural(len(mine), 'erratum', 'errata')}: {links}", ""]
    return "\n".join(out)


def esc_ref(text: str) -> str:
    return text.replace("<", "‹").replace(">", "›").replace("`", "'")


def _natural(key: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key)]


def item_ref(item: str) -> str:
    """A link to an outline item's entry on the items page."""
    return f"{{ref}}`{esc_ref(item)} <item-{item}>`"


def items_md(infos: list[NotebookInfo], outline: NotesOutline | None = None,
             notes: list["notes_report.DocumentReport"] | None = None) -> str:
    """One entry per outline item: its title, its coverage, every check that names it, where it runs, and
    what the notes print where a check refutes it."""
    outline = outline if outline is not None else NotesOutline.load()
    checks: dict[str, list[tuple[NotebookInfo, CheckRecord]]] = {}
    prose: dict[str, list[tuple[NotebookInfo, str, str]]] = {}
    for info in infos:
        for rec in info.checks:
            for item in rec.check.sources:
                checks.setdefault(item, []).append((info, rec))
        for item, where, how in info.coverage:
            if "prose:" in how:
                prose.setdefault(item, []).append((info, where, how))
    by_item = chains_by_item(notes or [])
    items = sorted(set(checks) | set(prose) | set(by_item), key=_natural)
    out = [
        "# Outline items",
        "",
        *notes_intro(outline),
        "Each entry below gives the item's title in the outline, how many checks name it and in which",
        "notebooks, then every check (its verdict and a link to the cell that runs it) and, where a check refutes",
        "what the notes print, the printed and the correct result. Generated from the check records stored in",
        "the notebooks.",
        "",
    ]
    current_doc = None
    for item in items:
        doc = item.split("-")[0] if "-" in item else ""
        if doc != current_doc:
            current_doc = doc
            heading = outline.document(doc) if doc else "Other"
            out += [f"(items-doc-{doc or 'none'})=", f"## {heading[0].upper() + heading[1:]}", ""]
        title = outline.item_title(item)
        out += [f"(item-{item})=", f"### {esc(item)}{' · ' + title if title else ''}", ""]
        mine = checks.get(item, [])
        kind = outline.items.get(item, {}).get("type", "")
        books = sorted({info.docname for info, _ in mine} | {info.docname for info, _, _ in prose.get(item, [])})
        refuted = sum(rec.check.refuted for _, rec in mine)
        coverage = (f"{'*' + esc(kind) + '*. ' if kind else ''}{plural(len(mine), 'check')}"
                    + (f" ({refuted} refuting what the notes print)" if refuted else "")
                    + (" in " + ", ".join(f"{{doc}}`{b}`" for b in books) if books else "") + ".")
        out += [coverage, ""]
        if by_item.get(item):
            out += [printed_chains_line(by_item[item]), ""]
        for info, rec in mine:
            check = rec.check
            verdict = {"refuted": "refutes what the notes print", "failed": "FAILED"}.get(check.status, "holds")
            section = f" ({esc(check.section)})" if check.section else ""
            out.append(f"* {notebook_link(info)}{section}: {esc(check.label)}: {verdict}, "
                       f"{{ref}}`{esc_ref(check.route)} <{rec.anchor}>`")
            if check.refuted:
                if check.printed or check.printed_latex:
                    out.append(f"  * the notes print {math_or_text(check.printed_latex, check.printed)}")
                if check.correct or check.correct_latex:
                    out.append(f"  * correct: {math_or_text(check.correct_latex, check.correct)}")
        for info, where, how in prose.get(item, []):
            out.append(f"* {notebook_link(info)} ({esc(where)}): {esc(how)}")
        out.append("")
    return "\n".join(out)


def printed_chains_line(chains: list["notes_report.Chain"]) -> str:
    """The item's printed chains (links to the pages of the notes as printed) with their steps' verdicts."""
    parts = []
    for c in chains:
        steps = [r for r in c.rows if r.is_step]
        counts = ", ".join(f"{n} {v}" for v in notes_report.COUNTED if (n := sum(r.verdict == v for r in steps)))
        what = "not checked, a statement" if c.skipped else (counts or "no step")
        parts.append(f"{chain_ref(c)} ({what})")
    return f"The notes as printed: {'; '.join(parts)}."


def printed_chains_output(chains: list["notes_report.Chain"]) -> nbformat.NotebookNode:
    """An output with links from a notebook's check cell to the printed chains of the items its checks name."""
    import html

    links, plain = [], []
    for c in chains:
        steps = [r for r in c.rows if r.is_step]
        what = "a statement" if c.skipped else (", ".join(
            f"{n} {v}" for v in notes_report.COUNTED if (n := sum(r.verdict == v for r in steps))) or "no step")
        name = f"{', '.join(c.items)}, chain {c.index} of {c.document}"
        links.append(f'<a href="{notes_page(c.document)}.html#{c.anchor}">{html.escape(name)}</a> ({html.escape(what)})')
        plain.append(f"{name} ({what})")
    return nbformat.v4.new_output("display_data", data={
        "text/html": '<p class="emlib-printed-chains">The notes as printed: ' + "; ".join(links) + "</p>",
        "text/plain": "The notes as printed: " + "; ".join(plain)})


def notebook_link(info: NotebookInfo) -> str:
    """A short link to a notebook: "notebook 03" (its title for a notebook without a number)."""
    m = NOTEBOOK_NUMBER.match(info.docname)
    return f"{{doc}}`notebook {m[1]} <{info.docname}>`" if m else f"{{doc}}`{info.docname}`"


def coverage_md(infos: list[NotebookInfo]) -> str:
    items = sorted({row[0] for i in infos for row in i.coverage})
    out = [
        "# Coverage of the notes' outline",
        "",
        f"The notebooks cover {plural(len(items), 'outline item')} of the notes. For each notebook: the items its",
        "checks and citations name, where in the notebook, and how each is checked (generated from the",
        "coverage records stored in the notebooks).",
        "",
    ]
    for info in infos:
        out += [f"(coverage-{info.docname})=", f"## {esc(info.title)}", "", f"{{doc}}`Open the notebook <{info.docname}>`", ""]
        if not info.coverage:
            out += ["No coverage record in the stored outputs.", ""]
            continue
        out += ["| outline item | where | how checked |", "|---|---|---|"]
        out += [f"| {item_ref(i)} | {esc(w)} | {esc(h)} |" for i, w, h in info.coverage]
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------- printed chains
#: Verdicts of a printed line as the notes pages show them (never "wrong" for a line that does not break).
VERDICT_TEXT = {"holds": "holds", "breaks": "**breaks**", "undecided": "undecided", "unreadable": "unreadable (a limit of the reader)",
                "start": "first line", "condition": "condition", "skipped": "not checked (a statement)"}


def notes_page(document: str) -> str:
    """The docname of the page of a notes file's printed chains."""
    return f"notes-{slug(document) or 'x'}"


def code(text: str) -> str:
    """Text as an inline code span whatever backticks it holds (printed LaTeX is shown as written)."""
    text = " ".join(str(text).split())
    if not text:
        return "(empty)"
    ticks = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def chain_ref(chain: "notes_report.Chain", text: str = "") -> str:
    return f"{{ref}}`{esc_ref(text or f'{chain.document} chain {chain.index}')} <{chain.anchor}>`"


def line_ref(row: "notes_report.LineResult") -> str:
    return f"{{ref}}`{esc_ref(f'{Path(row.file).name} line {row.line}')} <{row_anchor(row)}>`"


def row_anchor(row: "notes_report.LineResult") -> str:
    return f"notes-{slug(row.document)}-line-{row.line}"


def chains_by_item(notes: list["notes_report.DocumentReport"]) -> dict[str, list["notes_report.Chain"]]:
    out: dict[str, list] = {}
    for report in notes:
        for chain in report.chains:
            for item in chain.items:
                out.setdefault(item, []).append(chain)
    return out


def notes_md(report: "notes_report.DocumentReport", outline: NotesOutline | None = None) -> str:
    """The page of one notes file: every printed chain, each line with the checker's verdict and evidence."""
    outline = outline if outline is not None else NotesOutline.load()
    c = report.counts()
    title = outline.documents.get(report.document, {}).get("title", "")
    out = [f"# The notes as printed: {esc(report.document)}{' · ' + esc(title) if title else ''}", "",
           f"The derivation chains of {outline.document(report.document)}, as printed (their LaTeX, with only the",
           f"listed OCR repairs, in {code(report.file)}), checked line by line by the reader's checker",
           "(`python -m emlib.derivation check`). A step that **breaks** is a candidate erratum, compared with the",
           "notebooks' checks on the [errata](errata.md) page; a step that is undecided or unreadable is a limit of",
           "the checker or of its reader, never a verdict on the notes.", "",
           f"{plural(c['chains'], 'chain')} ({c['checked']} checked, the others statements), {plural(c['steps'], 'step')}: "
           f"{c['holds']} hold, {c['breaks']} break, {c['undecided']} undecided, {c['unreadable']} unreadable.", ""]
    if report.error:
        out += [f"**The file cannot be checked as written**: {code(report.error)}", ""]
    seen: set[str] = set()
    for chain in report.chains:
        items = ", ".join(item_ref(i) for i in chain.items) or "no outline item"
        titles = " · ".join(t for t in (outline.item_title(i) for i in chain.items) if t)
        out += [f"({chain.anchor})=", f"## Chain {chain.index}: {esc(', '.join(chain.items)) or 'no item'}"
                + (f" · {titles}" if titles else ""), "",
                f"Outline {'items' if len(chain.items) > 1 else 'item'} {items}; the block at line {chain.start} of "
                f"{code(report.file)}." + (f" {esc(chain.summary)}" if chain.summary else ""), ""]
        if chain.skipped:
            out += [f"Not checked: {esc(chain.skipped)}.", ""]
        for row in chain.rows:
            anchor = row_anchor(row)
            label = f"({anchor})=\n" if anchor not in seen else ""
            seen.add(anchor)
            printed = code((row.relation + " " if row.relation else "") + row.printed)
            out.append(f"{label}* line {row.line}: {printed}: {VERDICT_TEXT.get(row.verdict, esc(row.verdict))}")
            if row.evidence and row.verdict not in ("start", "skipped"):
                out.append(f"  * {'how' if row.verdict == 'holds' else 'evidence'}: {code(row.evidence)}")
            if row.diagnosis:
                out.append(f"  * {code(row.diagnosis)}")
            if label:
                out.append("")  # a label needs its own paragraph: the next item starts a new list
        out.append("")
    return "\n".join(out)


def notebook_errata(errata: list[Erratum]) -> list["notes_report.NotebookErratum"]:
    """What the notebooks' checks refute, in the form the comparison takes (one per erratum on the page)."""
    return [notes_report.NotebookErratum(erratum_key(e), tuple(e.first.sources), e.first.printed_latex or e.first.printed)
            for e in errata]


def erratum_key(e: Erratum) -> str:
    return e.first.erratum or (" ".join(e.first.sources) + ": " + _short_label(e.first))


def agreement_line(a: "notes_report.Agreement", by_item: dict) -> str:
    """What the printed chains say about an erratum, for its entry on the errata page."""
    if a.breaks:
        return "both agree: the printed chain breaks at " + ", ".join(line_ref(r) for r in a.breaks)
    chains = list({c.anchor: c for i in a.items for c in by_item.get(i, [])}.values())
    where = (" (" + ", ".join(chain_ref(c) for c in chains) + ")") if chains else ""
    return f"**found only by the notebooks**: the printed chains of this item: {esc(a.chain_state)}{where}"


def agreement_section(agreements: list["notes_report.Agreement"], by_item: dict, anchors: dict[str, str]) -> list[str]:
    """The two sources side by side (a table), then the steps only the printed-chain check finds."""
    n = {s: sum(a.source == s for a in agreements) for s in ("both", "notebooks", "chains")}
    out = ["(errata-two-sources)=", "## Two sources side by side", "",
           "Each erratum is found by the notebooks' checks, by the check of the notes' own printed chains",
           "(their LaTeX through the reader's checker, see the pages of the notes as printed), or by both; the two",
           "are matched by outline item and, within an item, by the printed line. An entry found by one source only is",
           "a finding to explain, or a misreading to fix. A printed line that holds, is undecided or cannot be read",
           "is never listed as an erratum.", "",
           f"{plural(n['both'], 'erratum', 'errata')} found by both, {n['notebooks']} found only by the notebooks, "
           f"{n['chains']} found only by the printed-chain check.", "",
           "| items | erratum (notebooks) | printed chain | agreement |", "|---|---|---|---|"]
    for k, a in enumerate(agreements):
        items = ", ".join(item_ref(i) for i in a.items) or "—"
        if a.erratum:
            entry = f"{{ref}}`{esc_ref(a.erratum)} <{anchors[a.erratum]}>`" if a.erratum in anchors else esc(a.erratum)
        else:
            entry = "—"
        if a.breaks:
            chain = "breaks at " + ", ".join(line_ref(r) for r in a.breaks)
        else:
            chain = esc(a.chain_state)
        verdict = a.verdict if a.source == "both" else f"**{a.verdict}**"
        if a.source == "chains":
            verdict = f"{{ref}}`{esc_ref(a.verdict)} <errata-chain-only-{k}>`"
        out.append(f"| {items} | {entry} | {chain} | {verdict} |")
    out.append("")
    only = [(k, a) for k, a in enumerate(agreements) if a.source == "chains"]
    if only:
        out += ["(errata-chain-only)=", "### Found only by the printed-chain check", "",
                "Steps of the printed chains that break where no notebook check refutes the notes: each is a candidate",
                "erratum to confirm in a notebook, or a misreading by the checker to fix.", ""]
        for k, a in only:
            out += [f"(errata-chain-only-{k})=", f"#### {esc(', '.join(a.items)) or 'No outline item'}", "",
                    ":::{container} emlib-chain-finding"]
            for r in a.breaks:
                out += [f"{line_ref(r)}", f":  the notes print {code((r.relation + ' ' if r.relation else '') + r.printed)}",
                        f":  evidence: {code(r.evidence) if r.evidence else 'none given'}"
                        + (f"; {code(r.diagnosis)}" if r.diagnosis else ""), ""]
            out += [":::", ""]
    return out


# ---------------------------------------------------------------------------------------------- build
#: Pages for maintainers, written in site_src/ (moved there from the README); the last two are developer
#: pages, left out of the search (their metadata says ``nosearch``; tests/test_site.py checks it).
MAINTAINER_PAGES = ("checker", "guarantees", "performance", "mutation")
DEVELOPER_PAGES = ("performance", "mutation")
#: The report of the last full mutation run (tools/mutation.py), published as the site's kill matrix.
MUTATION_REPORT = Path(__file__).resolve().parent / "mutation_report.md"
#: The structured result of the notes' printed chains (tools/notes_report.py), written beside the pages.
NOTES_REPORT_JSON = "notes_report.json"


def prepare_out(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise RuntimeError(f"{out} is not empty and was not made by this tool; refusing to overwrite it")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def stage(stage_dir: Path, infos: list[NotebookInfo], notes: list["notes_report.DocumentReport"] | None = None) -> None:
    """Write the Sphinx source tree: site_src/, the notebooks, the generated pages (with ``notes``, the printed
    chains of the notes: a page per notes file, and the errata and items pages link to them)."""
    notes = notes or []
    shutil.copytree(SITE_SRC, stage_dir, ignore=shutil.ignore_patterns("__pycache__", "_build"))
    figures = figure_texts()
    for info in infos:
        nbformat.write(staged_notebook(info.path, info.checks, figures, chains_by_item(notes)), stage_dir / info.path.name)
    errata = collect_errata(infos)
    (stage_dir / "index.md").write_text(index_md(infos, errata, notes), encoding="utf-8")
    (stage_dir / "errata.md").write_text(errata_md(infos, errata, notes=notes), encoding="utf-8")
    (stage_dir / "coverage.md").write_text(coverage_md(infos), encoding="utf-8")
    (stage_dir / "items.md").write_text(items_md(infos, notes=notes), encoding="utf-8")
    for report in notes:
        (stage_dir / f"{notes_page(report.document)}.md").write_text(notes_md(report), encoding="utf-8")
    if MUTATION_REPORT.exists():  # the kill matrix of the last full `make mutation` run, after the page's text
        intro = (SITE_SRC / "mutation.md").read_text(encoding="utf-8")
        (stage_dir / "mutation.md").write_text(intro.rstrip() + "\n\n" + demoted(MUTATION_REPORT.read_text(encoding="utf-8")),
                                               encoding="utf-8")


def demoted(markdown: str) -> str:
    """``markdown`` with every ATX heading one level lower (outside code fences): a page appended to another."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if FENCE_RE.match(line):
            fenced = not fenced
        elif not fenced and HEADING_RE.match(line) and not line.startswith("######"):
            line = "#" + line
        out.append(line)
    return "\n".join(out) + "\n"


def run_sphinx(src: Path, out: Path, doctrees: Path, quiet: bool = True) -> None:
    from sphinx.cmd.build import build_main

    args = ["-b", "html", "-E", "-W", "--keep-going", "-d", str(doctrees), str(src), str(out)]
    if quiet:
        args.insert(0, "-q")
    with warnings.catch_warnings():
        # Python-level deprecation notices of the theme and extensions are not problems of the site
        # (pytest turns warnings into errors); Sphinx's own warnings about the documents still fail (-W)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        status = build_main(args)
    if status:
        raise RuntimeError(f"Sphinx failed (exit status {status}); see the messages above")


def build(out: Path = DEFAULT_OUT, notebooks: list[Path] | None = None, quiet: bool = True,
          notes_files: list[Path] | None = None) -> list[NotebookInfo]:
    """Build the site into ``out`` and return what was read from each notebook (``notes_files``: the printed
    chains to check, default notes/[0-9][0-9][0-9]_*.md; ``[]`` for none)."""
    notebooks = sorted(notebooks if notebooks is not None else NOTEBOOK_DIR.glob("*.ipynb"), key=lambda p: p.name)
    if not notebooks:
        raise RuntimeError("no notebooks to build")
    out = Path(out)
    prepare_out(out)
    (out / MARKER).write_text("built by tools/build_site.py; the whole directory is rebuilt each time\n")
    infos = [analyse(Path(p)) for p in notebooks]
    notes = notes_report.check_notes(notes_files) if notes_files is not None else notes_report.check_notes()
    with tempfile.TemporaryDirectory(prefix="emlib-site-") as tmp:
        src, html = Path(tmp) / "src", Path(tmp) / "html"
        stage(src, infos, notes)
        # Sphinx writes into the temporary directory (myst-nb keeps files in a folder beside its output
        # directory, which must not be the repository), then the pages are copied to ``out``
        run_sphinx(src, html, Path(tmp) / "doctrees", quiet=quiet)
        shutil.copytree(html, out, dirs_exist_ok=True)
    # every printed line's verdict and the agreement with the notebooks' errata, for other tools (not committed)
    agreements = notes_report.compare(notes, notebook_errata(collect_errata(infos)))
    (out / NOTES_REPORT_JSON).write_text(json.dumps(notes_report.report_json(notes, agreements), indent=1,
                                                    ensure_ascii=False) + "\n", encoding="utf-8")
    return infos


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: site/)")
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to build (default: notebooks/*.ipynb)")
    args = parser.parse_args(argv)
    infos = build(args.out, args.notebooks or None)
    for info in infos:
        note = "" if info.summaries else "  (no check records found: refresh the notebook)"
        print(f"{info.page}: {info.total} checks, {len(info.coverage)} outline items, {len(info.refuted)} refuted{note}")
    where = args.out.resolve()
    shown = where.relative_to(Path.cwd()) if where.is_relative_to(Path.cwd()) else where
    print(f"site written to {shown}/ ; open {shown}/index.html in a browser")
    return 0


if __name__ == "__main__":
    sys.exit(main())
