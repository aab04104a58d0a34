"""Build an offline static web site of the notebooks from their stored outputs (nothing is re-executed).

    python tools/build_site.py [--out DIR]        # default: site/   (or: make site)

Writes one HTML page per notebook in ``notebooks/`` (nbconvert's lab template, stripped of everything it
would fetch from the network), ``index.html`` (per notebook: title, first paragraph, check counts and the
outline items it covers, all parsed from the stored outputs of ``d.summary()`` and ``d.coverage()``),
``errata.html`` (every printed result of the notes that a check refutes, parsed from the stored
``[refuted as expected] ...`` lines, each linked to the cell that checks it) and a local copy of MathJax
2.7 taken from the ``jupyter-server-mathjax`` package. Figures are embedded as data URIs, so the site
works from any static file server, or straight from disk, with no network at all.

(The module is not called ``site.py``: that name shadows Python's own ``site`` module.)
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import nbformat
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "site"
MATHJAX_DIR = "mathjax"
INDEX, ERRATA = "index.html", "errata.html"
MARKER = ".emlib-site"  # a build directory carries it, so a rebuild may safely empty that directory
CATEGORIES = ("symbolic", "numeric", "finite-difference")

# ---------------------------------------------------------------------------------------------- parsing
# The formats below are printed by emlib.derivation (Check.line, Derivation.summary / .coverage).
# "14 checks passed: 9 symbolic, 3 numeric, 2 finite-difference (including 2 that refute printed results)";
# older outputs end "; 2 refute printed results" instead.
SUMMARY_RE = re.compile(r"^(?P<total>\d+) checks? passed: (?P<parts>[^;(]*?)(?P<rest>(?:;| \().*)?$")
PART_RE = re.compile(r"^(\d+) (symbolic|numeric|finite-difference)$")
REFUTED_COUNT_RE = re.compile(r"(\d+) (?:that )?refutes? ")
SUMMARY_REFUTED_RE = re.compile(r"^  refuted \[(?P<ids>[^\]]*)\] (?P<label>.*)$")
REFUTED_PREFIX = "[refuted as expected] "
REFUTED_RE = re.compile(r"^\[refuted as expected\] (?P<label>.*?)  \((?P<evidence>.*)\)$")
COVERAGE_HEADER_RE = re.compile(r"^item\s* \| where \| how checked$")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
BOILERPLATE_HEADINGS = {"check summary", "coverage"}  # every notebook ends with these: no topic
FENCE_RE = re.compile(r"^\s*(```|~~~)")


@dataclass
class Refutation:
    """A printed result of the notes that a check refutes."""

    label: str
    evidence: str  # "<route>: <detail>" as printed
    printed: str = ""
    correct: str = ""
    sources: tuple[str, ...] = ()
    cell: int = -1  # position in the notebook of the code cell whose stored output holds the check
    section: str = ""  # the nearest markdown heading above that cell


@dataclass
class Summary:
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    refuted: int = 0
    refuted_items: list[tuple[tuple[str, ...], str]] = field(default_factory=list)  # (ids, label)
    found: bool = False


@dataclass
class NotebookInfo:
    path: Path
    title: str
    intro: str  # first paragraph, markdown
    summary: Summary
    coverage: list[tuple[str, str, str]]  # (item, where, how)
    refutations: list[Refutation]
    n_figures: int
    topics: list[str] = field(default_factory=list)  # the notebook's level-2 headings

    @property
    def page(self) -> str:
        return self.path.stem + ".html"


def stdout_text(cell: nbformat.NotebookNode) -> str:
    """All stdout a code cell printed, in order (a print may be split over several stream outputs)."""
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stdout")


def parse_summary(text: str, summary: Summary | None = None) -> Summary:
    """Read ``N checks passed: ...`` lines and the ``  refuted [ids] label`` lines below them.

    Several summary lines (several Derivation objects in one notebook) add up.
    """
    summary = summary or Summary()
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = SUMMARY_RE.match(line)
        if not m:
            continue
        parts = [p.strip() for p in m["parts"].split(",") if p.strip()]
        matched = [PART_RE.match(p) for p in parts]
        if not all(matched):
            continue  # not a summary line after all
        summary.found = True
        summary.total += int(m["total"])
        for pm in matched:
            summary.counts[pm[2]] += int(pm[1])
        n_refuted = REFUTED_COUNT_RE.search(m["rest"] or "")
        summary.refuted += int(n_refuted[1]) if n_refuted else 0
        for follow in lines[i + 1:]:
            rm = SUMMARY_REFUTED_RE.match(follow)
            if not rm:
                break
            ids = tuple(s.strip() for s in rm["ids"].split(",") if s.strip() and s.strip() != "-")
            summary.refuted_items.append((ids, rm["label"]))
    return summary


def parse_coverage(text: str) -> list[tuple[str, str, str]]:
    """Rows ``item | where | how checked`` of a printed coverage table (empty if there is none)."""
    rows: list[tuple[str, str, str]] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not COVERAGE_HEADER_RE.match(line):
            continue
        for row in lines[i + 1:]:
            if " | " not in row:
                break
            item, rest = row.split(" | ", 1)
            where, sep, how = rest.rpartition(" | ")
            if not sep:
                break
            rows.append((item.strip(), where.strip(), how.strip()))
    return rows


def parse_refutations(text: str, labels: list[str] = ()) -> list[Refutation]:
    """The ``[refuted as expected] <label>  (<route>: <detail>)`` records in ``text``, with their
    optional ``    printed: ...`` and ``    correct: ...`` lines.

    ``labels`` (from the summary) resolve a label that itself contains a double space and a parenthesis.
    """
    out: list[Refutation] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith(REFUTED_PREFIX):
            continue
        rec = None
        for label in sorted(set(labels), key=len, reverse=True):
            head = f"{REFUTED_PREFIX}{label}  ("
            if line.startswith(head) and line.endswith(")"):
                rec = Refutation(label, line[len(head):-1])
                break
        if rec is None:
            m = REFUTED_RE.match(line)
            if not m:
                continue
            rec = Refutation(m["label"], m["evidence"])
        for follow in lines[i + 1:]:
            if follow.startswith("    printed: ") and not rec.printed:
                rec.printed = follow[len("    printed: "):]
            elif follow.startswith("    correct: ") and not rec.correct:
                rec.correct = follow[len("    correct: "):]
            else:
                break
        out.append(rec)
    return out


def _attach_sources(refutations: list[Refutation], items: list[tuple[tuple[str, ...], str]]) -> None:
    """Give each refutation the outline ids that the summary lists for it (matched in order by label)."""
    pending = list(items)
    for rec in refutations:
        for k, (ids, label) in enumerate(pending):
            if label == rec.label:
                rec.sources = ids
                del pending[k]
                break


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
    """Everything the index and the errata need, from ``path``'s stored outputs."""
    nb = nbformat.read(path, as_version=4)
    title, intro = title_and_intro(nb, path.stem)
    texts: list[tuple[int, str, str]] = []  # (cell index, nearest heading, stdout)
    heading = ""
    n_figures = 0
    topics: list[str] = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for level, text in headings(cell.source):
                heading = text
                if level == 2 and text.strip().lower() not in BOILERPLATE_HEADINGS:
                    topics.append(text)
        elif cell.cell_type == "code":
            texts.append((index, heading, stdout_text(cell)))
            n_figures += sum("image/png" in o.get("data", {}) or "image/jpeg" in o.get("data", {}) for o in cell.outputs)
    summary = Summary()
    coverage: list[tuple[str, str, str]] = []
    for _, _, text in texts:
        parse_summary(text, summary)
        coverage += parse_coverage(text)
    labels = [label for _, label in summary.refuted_items]
    refutations = []
    for index, section, text in texts:
        for rec in parse_refutations(text, labels):
            rec.cell, rec.section = index, section
            refutations.append(rec)
    _attach_sources(refutations, summary.refuted_items)
    return NotebookInfo(path, title, intro, summary, coverage, refutations, n_figures, topics)


# ---------------------------------------------------------------------------------------------- HTML
# The hidden MathML that MathJax adds for screen readers (AssistiveMML, via the NativeMML jax) names
# MathJax's TeX web fonts, which jupyter-server-mathjax does not ship: point it at ordinary fonts so the
# browser asks for no missing file.
_NATIVE_MML_FONTS = ", ".join(
    f"'{selector}': {{'font-family': 'serif'}}"
    for selector in ['[class="MJX-tex-oldstyle"]', '[class="MJX-tex-oldstyle-bold"]', '[class="MJX-tex-caligraphic"]',
                     '[class="MJX-tex-caligraphic-bold"]', '[mathvariant="double-struck"]', '[mathvariant="script"]',
                     '[mathvariant="fraktur"]', '[mathvariant="bold-script"]', '[mathvariant="bold-fraktur"]']
)


def mathjax_head(prefix: str = "") -> str:
    """MathJax 2.7 from the local copy; STIX-Web is the one web font jupyter-server-mathjax ships."""
    return f"""<link rel="icon" href="data:,">
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{
  tex2jax: {{inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]], displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]],
            processEscapes: true, processEnvironments: true}},
  TeX: {{equationNumbers: {{autoNumber: "AMS", useLabelIds: true}}}},
  "HTML-CSS": {{availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null}},
  NativeMML: {{styles: {{{_NATIVE_MML_FONTS}}}}},
  displayAlign: "center",
  messageStyle: "none"
}});
</script>
<script src="{prefix}{MATHJAX_DIR}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"></script>"""


SITE_CSS = """
.site-nav { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 15px;
  padding: 8px 16px; background: #f3f5f8; border-bottom: 1px solid #d8dde5; }
.site-nav.bottom { border-top: 1px solid #d8dde5; border-bottom: none; margin-top: 24px; }
.site-nav a { color: #1a5fb4; text-decoration: none; margin-right: 18px; }
.site-nav a:hover { text-decoration: underline; }
.jp-Cell { scroll-margin-top: 16px; }
.jp-Cell:target { outline: 3px solid #e5a50a; outline-offset: 2px; }
"""

PAGE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2328;
  line-height: 1.5; }
main { max-width: 1100px; margin: 0 auto; padding: 8px 24px 32px; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; }
.lead { color: #57606a; margin-top: 0; }
.nb { border: 1px solid #d8dde5; border-radius: 8px; padding: 12px 18px; margin: 18px 0; }
.nb h2 { margin: 0 0 6px; font-size: 1.3em; }
h2 a { color: #1a5fb4; text-decoration: none; }
h2 a:hover { text-decoration: underline; }
.topics { font-size: 0.9em; color: #3d444d; margin: 4px 0; }
.file { font-family: ui-monospace, monospace; font-size: 0.85em; color: #57606a; }
.checks { margin: 6px 0; }
.badge { display: inline-block; border-radius: 10px; padding: 1px 9px; margin: 2px 4px 2px 0; font-size: 0.85em;
  background: #eef1f5; border: 1px solid #d0d7de; }
.badge.refuted { background: #fff1e5; border-color: #f0b37e; }
.badge.missing { background: #ffebe9; border-color: #ff8182; }
.items { font-size: 0.9em; }
.item { font-family: ui-monospace, monospace; display: inline-block; margin: 1px 6px 1px 0; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.9em; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
details summary { cursor: pointer; color: #1a5fb4; }
.erratum { border-left: 4px solid #e5a50a; padding: 6px 14px; margin: 14px 0; background: #fffaf2; }
.erratum .label { font-weight: 600; }
.erratum dl { margin: 6px 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
.erratum dt { color: #57606a; }
.erratum dd { margin: 0; font-family: ui-monospace, monospace; white-space: pre-wrap; }
.totals { font-size: 0.95em; }
"""

# Template for the notebook pages: nbconvert's lab template without require.js, widgets, mermaid and
# the MathJax CDN, with a navigation bar and cell anchors id="cell-NN" (NN = position in the notebook).
NOTEBOOK_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}{{ resources.site.mathjax }}{%- endblock html_head_js_mathjax -%}
{%- block extra_css -%}<style type="text/css">{{ resources.site.css }}</style>{%- endblock extra_css -%}
{%- block body_header -%}{{ super() }}{{ resources.site.nav_top }}{%- endblock body_header -%}
{%- block body_footer -%}{{ resources.site.nav_bottom }}{{ super() }}{%- endblock body_footer -%}
"""
CELL_ANCHOR_TEMPLATE = """{%- macro cell_id_anchor(cell) -%}
    {% if cell.id | length > 0 -%} id="{{ cell.id | escape_html }}" {%- endif %}
{%- endmacro %}
"""


def nav(current: str, bottom: bool = False) -> str:
    links = [(INDEX, "&larr; Index of the notebooks"), (ERRATA, "Errata: where the notes go wrong")]
    cls = "site-nav bottom" if bottom else "site-nav"
    body = "".join(f'<a href="{href}"{" aria-current=page" if href == current else ""}>{text}</a>' for href, text in links)
    return f'<nav class="{cls}">{body}</nav>'


def make_exporter() -> HTMLExporter:
    loader = jinja2.DictLoader({"emlib_site.html.j2": NOTEBOOK_TEMPLATE, "cell_id_anchor.j2": CELL_ANCHOR_TEMPLATE})
    exporter = HTMLExporter(template_name="lab", extra_loaders=[loader])
    exporter.template_file = "emlib_site.html.j2"
    exporter.exclude_anchor_links = False
    return exporter


def render_notebook(exporter: HTMLExporter, info: NotebookInfo) -> str:
    nb = nbformat.read(info.path, as_version=4)
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:02d}"  # the errata link to these anchors
    resources = {
        "metadata": {"name": strip_markdown(info.title)},
        "site": {"mathjax": mathjax_head(), "css": SITE_CSS, "nav_top": nav(info.page), "nav_bottom": nav(info.page, True)},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return clean_css_comments(body)


def clean_css_comments(page: str) -> str:
    """Drop comments inside <style> blocks (the lab CSS cites web pages in them; nothing loads them,
    but a page with no URL in it is easier to audit)."""
    def strip(m: re.Match) -> str:
        return m[1] + re.sub(r"/\*.*?\*/", "", m[2], flags=re.S) + m[3]
    return re.sub(r"(<style[^>]*>)(.*?)(</style>)", strip, page, flags=re.S | re.I)


# Places where a URL is *loaded* by the browser (hyperlinks a reader may click are not requests).
_LOADING = [
    re.compile(r"""\b(?:src|srcset|data|poster|action|formaction)\s*=\s*["']?\s*(?P<url>(?:https?:)?//[^"'\s>]+)""", re.I),
    re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']?\s*(?P<url>(?:https?:)?//[^"'\s>]+)""", re.I),
    re.compile(r"""url\(\s*["']?\s*(?P<url>(?:https?:)?//[^"')\s]+)""", re.I),
    re.compile(r"""@import\s+["']\s*(?P<url>(?:https?:)?//[^"']+)""", re.I),
    re.compile(r"""\bimport\s*\(\s*["'](?P<url>(?:https?:)?//[^"']+)""", re.I),
    re.compile(r"""\bfrom\s+["'](?P<url>(?:https?:)?//[^"']+)""", re.I),
]


def external_resources(page: str) -> list[str]:
    """URLs outside the site that ``page`` would make the browser fetch (should be empty)."""
    return sorted({m["url"] for rx in _LOADING for m in rx.finditer(page)})


def strip_markdown(text: str) -> str:
    return re.sub(r"[*_`]", "", text)


def md(text: str) -> str:
    """Markdown (with $math$ left for MathJax) to HTML."""
    return markdown2html_mistune(text)


def md_inline(text: str) -> str:
    """A heading's text as inline HTML ("5. Title" must not become a numbered list)."""
    text = re.sub(r"^(\s*)(\d+)([.)])(\s)", r"\1\2\\\3\4", text)
    text = re.sub(r"^(\s*)([-+*#>])(\s)", r"\1\\\2\3", text)
    out = md(text).strip()
    m = re.fullmatch(r"<p>(.*)</p>", out, flags=re.S)
    return m[1] if m else out


def plain(text: str) -> str:
    """Plain text (labels, printed/correct results) that MathJax must leave alone."""
    return f'<span class="tex2jax_ignore">{html.escape(text)}</span>'


def page(title: str, current: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}</title>
<style type="text/css">{SITE_CSS}{PAGE_CSS}</style>
{mathjax_head()}
</head>
<body>
{nav(current)}
<main>
{body}
</main>
{nav(current, True)}
</body>
</html>
"""


def check_badges(s: Summary) -> str:
    if not s.found:
        return '<span class="badge missing">no check summary in the stored outputs</span>'
    parts = [f'<span class="badge"><b>{s.total}</b> checks</span>']
    parts += [f'<span class="badge">{s.counts[c]} {c}</span>' for c in CATEGORIES]
    if s.refuted:
        parts.append(f'<span class="badge refuted">{s.refuted} refute{"s" if s.refuted == 1 else ""} '
                     f'{"a printed result" if s.refuted == 1 else "printed results"}</span>')
    return " ".join(parts)


def coverage_table(rows: list[tuple[str, str, str]]) -> str:
    body = "".join(f"<tr><td class=item>{html.escape(i)}</td><td>{plain(w)}</td><td>{plain(h)}</td></tr>" for i, w, h in rows)
    return f"<table><thead><tr><th>outline item</th><th>where</th><th>how checked</th></tr></thead><tbody>{body}</tbody></table>"


def index_page(infos: list[NotebookInfo]) -> str:
    cards = []
    for info in infos:
        s = info.summary
        items = " ".join(f'<span class="item" title="{html.escape(w + " | " + h)}">{html.escape(i)}</span>'
                          for i, w, h in info.coverage)
        cover = (f'<div class="items">Outline items covered ({len(info.coverage)}): {items}'
                 f"<details><summary>where and how each is checked</summary>{coverage_table(info.coverage)}</details></div>"
                 if info.coverage else '<div class="items">No coverage table in the stored outputs.</div>')
        errata = (f' &middot; <a href="{ERRATA}#{info.path.stem}">{len(info.refutations)} in the errata</a>'
                  if info.refutations else "")
        topics = (f'<div class="topics">Topics: {" &middot; ".join(md_inline(x) for x in info.topics)}</div>'
                  if info.topics else "")
        cards.append(f"""<section class="nb" id="{html.escape(info.path.stem)}">
<h2><a href="{info.page}">{md_inline(info.title)}</a></h2>
<div class="file">{html.escape(info.path.name)}{errata}</div>
<div class="intro">{md(info.intro) if info.intro else ""}</div>
{topics}
<div class="checks">{check_badges(s)}</div>
{cover}
</section>""")
    total = sum(i.summary.total for i in infos)
    counts = {c: sum(i.summary.counts[c] for i in infos) for c in CATEGORIES}
    n_err = sum(len(i.refutations) for i in infos)
    items = sorted({row[0] for i in infos for row in i.coverage})
    totals = (f'<p class="totals">{len(infos)} notebooks, {total} checks ('
              + ", ".join(f"{n} {c}" for c, n in counts.items()) + f"), {len(items)} outline items covered, "
              f'<a href="{ERRATA}">{n_err} printed results refuted</a>.</p>')
    body = f"""<h1>emlib: derivations you can run</h1>
<p class="lead">Every notebook re-derives part of the study notes, one checked step at a time. These pages show
the stored outputs of each notebook exactly as the tests compare them; nothing is re-run to build them.</p>
{totals}
{"".join(cards)}"""
    return page("emlib notebooks: index", INDEX, body)


def errata_page(infos: list[NotebookInfo]) -> str:
    sections = []
    for info in infos:
        if not info.refutations:
            continue
        entries = []
        for k, rec in enumerate(info.refutations, 1):
            ids = ", ".join(rec.sources) or "(no outline item)"
            rows = [("outline item", html.escape(ids))]
            if rec.printed:
                rows.append(("the notes print", plain(rec.printed)))
            if rec.correct:
                rows.append(("correct", plain(rec.correct)))
            rows.append(("refuted by", plain(rec.evidence)))
            dl = "".join(f"<dt>{a}</dt><dd>{b}</dd>" for a, b in rows)
            where = f" in <em>{md_inline(rec.section)}</em>" if rec.section else ""
            entries.append(f"""<div class="erratum" id="{info.path.stem}-{k}">
<div class="label">{plain(rec.label)}</div>
<dl>{dl}</dl>
<a href="{info.page}#cell-{rec.cell:02d}">the check, cell {rec.cell}{where}</a>
</div>""")
        sections.append(f"""<section id="{html.escape(info.path.stem)}">
<h2><a href="{info.page}">{md_inline(info.title)}</a></h2>
{"".join(entries)}
</section>""")
    n = sum(len(i.refutations) for i in infos)
    body = f"""<h1>Errata: where the notes go wrong</h1>
<p class="lead">{n} results printed in the notes are refuted by a check. Each entry gives the printed result, the
correct one and the evidence, and links to the notebook cell that runs the check. The list is generated from
the notebooks' stored outputs.</p>
{"".join(sections) if sections else "<p>No check refutes a printed result.</p>"}"""
    return page("emlib notebooks: errata", ERRATA, body)


# ---------------------------------------------------------------------------------------------- build
def mathjax_source() -> Path:
    spec = importlib.util.find_spec("jupyter_server_mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the package jupyter-server-mathjax is missing (it ships MathJax): run `make env`")
    static = Path(list(spec.submodule_search_locations)[0]) / "static"
    if not (static / "MathJax.js").is_file():
        raise RuntimeError(f"no MathJax.js in {static}")
    return static


def prepare_out(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise RuntimeError(f"{out} is not empty and was not made by this tool; refusing to overwrite it")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("built by tools/build_site.py; the whole directory is rebuilt each time\n")


def build(out: Path = DEFAULT_OUT, notebooks: list[Path] | None = None) -> list[NotebookInfo]:
    """Build the site into ``out`` and return what was parsed from each notebook."""
    notebooks = sorted(notebooks if notebooks is not None else NOTEBOOK_DIR.glob("*.ipynb"))
    if not notebooks:
        raise RuntimeError("no notebooks to build")
    out = Path(out)
    prepare_out(out)
    shutil.copytree(mathjax_source(), out / MATHJAX_DIR)
    infos = [analyse(p) for p in notebooks]
    exporter = make_exporter()
    pages = {info.page: render_notebook(exporter, info) for info in infos}
    pages[INDEX] = index_page(infos)
    pages[ERRATA] = errata_page(infos)
    for name, text in pages.items():
        bad = external_resources(text)
        if bad:
            raise RuntimeError(f"{name} would load from the network: {bad}")
        (out / name).write_text(text, encoding="utf-8")
    return infos


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: site/)")
    args = parser.parse_args(argv)
    infos = build(args.out)
    for info in infos:
        s = info.summary
        note = "" if s.found else "  (no check summary found)"
        print(f"{info.page}: {s.total} checks, {len(info.coverage)} outline items, {len(info.refutations)} errata{note}")
    where = args.out.resolve()
    shown = where.relative_to(Path.cwd()) if where.is_relative_to(Path.cwd()) else where
    print(f"site written to {shown}/ ; open {shown}/{INDEX} in a browser")
    return 0


if __name__ == "__main__":
    sys.exit(main())
