"""The offline web site of the notebooks (tools/build_site.py, `make site`: Sphinx + myst-nb + sphinx-book-theme).

The reader of the check records is checked against what emlib.derivation really emits: a small sample
notebook is executed in a real kernel and built into a site. The real site is built with the network
refused, then checked statically (the generated index, errata and coverage agree with the records, every
link to a cell has its anchor, no page loads anything from outside, every formula arrives typeset as SVG
and no page loads a math script), then in headless Chromium served from 127.0.0.1, at 1300 px and at
400 px: no raw TeX in the visible text, no formula cut off (a formula wider than its column scrolls), inline
math on the text's baseline, figures decoded, no request leaving localhost, and the
reader's tools: the table-of-contents sidebar, previous/next links, the in-page outline, the offline search
("responsibility" lands on notebook 03), the show/hide-code toggle, folded appendices, glossary links and
links between notebooks. Chromium is Debian's `chromium` package; without it the browser test skips locally and fails
under CI (the environment variable CI is set).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html.parser
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402
from process_helpers import end_process_group  # noqa: E402

ARTIFACTS = ROOT / "artifacts"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
RECORD_KEYS = ("label", "kind", "route", "category", "section", "sources", "status", "detail", "printed",
               "correct", "printed_latex", "correct_latex", "where", "severity")

# ------------------------------------------------------------------------------------ a sample notebook
SAMPLE_SETUP = """\
%matplotlib inline
import numpy as np
import sympy as sp
import matplotlib.pyplot as plt
from emlib.derivation import Derivation, Real
x, y = sp.symbols("x y", real=True)
d = Derivation("sample", seed=1)
d.section("Step 1: squares")
d.equal((x + y) ** 2, x**2 + 2 * x * y + y**2, "(x + y)^2 expands", source="900-01")
d.derivative(x**3, x, 3 * x**2, "d/dx x^3 = 3 x^2", source=["900-01", "900-02"])
d.close(np.sqrt(2.0), 1.4142135623730951, "sqrt 2", source="900-02")
d.gradient(lambda v: float(np.sum(v**2)), lambda v: 2 * v, np.array([0.3, -1.2]), "grad |v|^2 = 2v", source="900-03")
"""
SAMPLE_REFUTED = """\
d.section("Where the notes go wrong")
with d.expect_false(source="900-04", printed="(x + y)^2 = x^2 + y^2", correct="(x + y)^2 = x^2 + 2xy + y^2",
                    printed_latex="(x + y)^2 = x^2 + y^2", correct_latex="(x + y)^2 = x^2 + 2xy + y^2",
                    where="note 900, section 1", severity="error"):
    d.equal((x + y) ** 2, x**2 + y**2, "square as printed  (the (x + y)^2 slip)", domain=Real(x, y))
with d.expect_false(source=["900-02", "900-05"]):
    d.close(2.0, 3.0, "2 = 3 (printed)")
d.cite("900-06", "notation only")
"""
SAMPLE_FIGURE = """\
fig, ax = plt.subplots(figsize=(2, 1.5))
ax.plot([0, 1], [0, 1])
plt.show()
"""


def _sample_cells() -> list:
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    return [
        md("# Sample: a $\\frac{1}{2}$ derivation\n\nWe check that $(x+y)^2 = x^2+2xy+y^2$ and other **facts**; "
           "the responsibility of a component is explained in the glossary.\n\nSecond paragraph, not on the index."),
        code(SAMPLE_SETUP),
        md("## 2. Where the notes go wrong\n\nThe notes print $(x+y)^2 = x^2+y^2$, which the next cell refutes."),
        code(SAMPLE_REFUTED),
        code(SAMPLE_FIGURE),
        code("sp.Rational(1, 2) * x**2"),  # a sympy result: a text/latex output
        md("## Appendix: bookkeeping\n\nThe check summary and the coverage of the outline."),
        code("d.summary()"),
        code("d.coverage()"),
    ]


def _sample_records() -> tuple[list[dict], dict, list[dict]]:
    """The same derivation run here: its check records, summary data and coverage rows, as dicts."""
    import contextlib as _c
    import io

    namespace: dict = {}
    with _c.redirect_stdout(io.StringIO()):
        exec(SAMPLE_SETUP.replace("%matplotlib inline\n", ""), namespace)
        exec(SAMPLE_REFUTED, namespace)
    d = namespace["d"]
    records = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in r.as_dict().items() if k in RECORD_KEYS}
               for r in d.records]
    summary = {"total": len(d.records), "counts": d.counts(), "refuted": len(d.refuted())}
    return records, summary, [{"item": i, "where": w, "how": h} for i, w, h in d.coverage_rows()]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample notebook, executed in a real kernel (as `make notebooks` does), and its site."""
    from nbclient import NotebookClient

    src = tmp_path_factory.mktemp("nb") / "00_sample.ipynb"
    nb = nbformat.v4.new_notebook(cells=_sample_cells())
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(src.parent)}}).execute()
    nbformat.write(nb, src)
    out = tmp_path_factory.mktemp("sample_site")
    infos = build_site.build(out, notebooks=[src], notes_files=[])  # the printed chains: tests/test_notes_report.py
    return src, out, infos[0]


# ------------------------------------------------------------------------------------ reading the records
def test_the_reader_reads_what_derivation_emits(sample):
    src, _, info = sample
    records, summary, coverage = _sample_records()
    got = [{k: v for k, v in c.check.as_dict().items() if k in RECORD_KEYS} for c in info.checks]
    assert got == records
    assert [c.cell for c in info.checks] == [1] * 4 + [3] * 2
    assert {c.explanation for c in info.checks if c.cell == 3} == {2}
    assert info.checks[0].explanation == 0
    assert (info.total, info.counts, len(info.refuted)) == (summary["total"], summary["counts"], summary["refuted"])
    assert [{"item": i, "where": w, "how": h} for i, w, h in info.coverage] == coverage
    assert info.title == "Sample: a $\\frac{1}{2}$ derivation"
    assert info.intro.startswith("We check that $(x+y)^2")
    assert info.n_figures == 1


def test_records_are_shown_as_text_not_json(sample):
    src, out, info = sample
    nb = nbformat.read(src, 4)
    raw = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if build_site.is_record_output(o)]
    assert len(raw) == len(info.checks) + 2, "one output per check, one summary, one coverage"
    page = (out / "00_sample.html").read_text()
    assert "vnd.emlib" not in page and '"status"' not in page
    assert "[ok] (x + y)^2 expands  (symbolic" in page.replace("&quot;", '"')
    assert "[refuted as expected] 2 = 3 (printed)" in page  # a refuted check without LaTeX: its line
    # a refuted check with LaTeX: typeset as JupyterLab shows it (its text/markdown)
    assert re.search(r"Refuted as expected.{0,400}square as printed", page, re.S)
    assert 'role="img" aria-label="(x + y)^2 = x^2 + y^2"' in page  # typeset at build time, as SVG


def test_errata_and_index_of_the_sample(sample):
    _, out, info = sample
    errata = (out / "errata.html").read_text()
    index = (out / "index.html").read_text()
    assert "Document 900" in errata
    assert errata.count('class="emlib-erratum') == 2
    assert 'aria-label="(x + y)^2 = x^2 + 2xy + y^2"' in errata, "the correct result is typeset from its LaTeX"
    assert "note 900, section 1" in errata
    assert "Errors: the printed result is wrong" in errata and "Severity not given" in errata  # grouped by severity
    page = (out / "00_sample.html").read_text()
    for rec in info.refuted:  # links to stable anchors, made from the check's label, not from cell positions
        assert rec.anchor.startswith("nb00-check-") and "-cell-" not in rec.anchor
        for anchor in (rec.anchor, rec.explanation_anchor):
            assert f'href="00_sample.html#{anchor}"' in errata
            assert f'id="{anchor}"' in page
    assert info.refuted[0].anchor == "nb00-check-square-as-printed-the-x-y-2-slip"
    # the summary table comes first: one row per erratum, linking to its entry
    summary = errata.split('id="summary"')[1].split("</table>")[0] if 'id="summary"' in errata else ""
    assert summary.count("<tr") == 1 + 2, "a header row and one row per erratum"
    assert summary.index("900-04") < summary.index("900-02, 900-05"), "errors before the rest"
    assert "Second paragraph" not in index
    assert "6 checks" in index and "refute printed results" in index


def test_errata_count_a_result_refuted_twice_once():
    rec = dict(label="as printed", sources=["901-01"], status="refuted", printed="a = b", correct="a = c")
    nb_a = build_site.NotebookInfo(Path("01_a.ipynb"), "A", "", [build_site.CheckRecord.from_json(rec, 3, 2)], [], [], 0)
    nb_b = build_site.NotebookInfo(Path("02_b.ipynb"), "B", "", [build_site.CheckRecord.from_json(rec, 5, 4),
                                   build_site.CheckRecord.from_json({**rec, "printed": "a = d"}, 7, 6)], [], [], 0)
    errata = build_site.collect_errata([nb_a, nb_b])
    assert [len(e.checks) for e in errata] == [2, 1]
    text = build_site.errata_md([nb_a, nb_b], errata)
    assert "2 results printed in the notes are refuted by 3 checks" in text
    assert "Checked in 2 places" in text
    # checks that name the same entry of notes/errata.json are one erratum, whatever they print; its id is the anchor
    named = {**rec, "erratum": "901-01b", "why": "the stated result changes"}
    nb_c = build_site.NotebookInfo(Path("03_c.ipynb"), "C", "", [build_site.CheckRecord.from_json(named, 3, 2),
                                   build_site.CheckRecord.from_json({**named, "printed": "a = e"}, 5, 4)], [], [], 0)
    (entry,) = build_site.collect_errata([nb_c])
    assert len(entry.checks) == 2 and entry.first.why == "the stated result changes"
    assert "(erratum-901-01b)=" in build_site.errata_md([nb_c], [entry])


def test_title_and_first_paragraph():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("# 03 · Title with $x$\n\n## sub\n\nFirst *paragraph*\non two lines.\n\nSecond."),
    ])
    assert build_site.title_and_intro(nb, "fallback") == ("03 · Title with $x$", "First *paragraph*\non two lines.")
    assert build_site.title_and_intro(nbformat.v4.new_notebook(), "fallback") == ("fallback", "")


def test_build_refuses_a_foreign_directory(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(RuntimeError, match="refusing"):
        build_site.build(tmp_path, notebooks=[NOTEBOOKS[0]])
    assert (tmp_path / "precious.txt").read_text() == "keep me"


# ------------------------------------------------------------------------------------ the real site
# Places where a URL is *loaded* by the browser (hyperlinks a reader may click are not requests).
_LOADING = [
    re.compile(r"""\b(?:src|srcset|data|poster|action|formaction)\s*=\s*["']?\s*(?P<url>(?:https?:)?//[^"'\s>]+)""", re.I),
    re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']?\s*(?P<url>(?:https?:)?//[^"'\s>]+)""", re.I),
    re.compile(r"""url\(\s*["']?\s*(?P<url>(?:https?:)?//[^"')\s]+)""", re.I),
    re.compile(r"""@import\s+["']\s*(?P<url>(?:https?:)?//[^"']+)""", re.I),
]


def external_resources(page: str) -> list[str]:
    """URLs outside the site that ``page`` would make the browser fetch (should be empty)."""
    return sorted({m["url"] for rx in _LOADING for m in rx.finditer(page)})


def test_the_network_guard_bites():
    import socket

    attempts: list = []
    with _no_network(attempts), pytest.raises(OSError):
        socket.create_connection(("example.org", 80), timeout=1)
    assert attempts == ["lookup example.org"]


def test_external_resources_are_detected():
    page = ('<script src="https://cdn.example.org/x.js"></script><link rel="stylesheet" href="//fonts.example/a.css">'
            '<style>@import "https://example.com/b.css"; .a{background:url(http://example.com/c.png)}</style>'
            '<a href="https://example.com/paper">a link a reader may follow</a><img src="data:image/png;base64,AA">')
    assert external_resources(page) == [
        "//fonts.example/a.css", "http://example.com/c.png", "https://cdn.example.org/x.js", "https://example.com/b.css"]


LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", None}


@contextlib.contextmanager
def _no_network(attempts: list):
    """Refuse (and record) every connection or name lookup outside this machine, made in this process."""
    import socket

    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock, address):
        host = address[0] if isinstance(address, tuple) else None
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in LOCAL_HOSTS:
            attempts.append(f"connect {address}")
            raise OSError("the site build must not use the network")
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if host not in LOCAL_HOSTS:
            attempts.append(f"lookup {host}")
            raise socket.gaierror("the site build must not use the network")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.getaddrinfo = connect, getaddrinfo
    try:
        yield attempts
    finally:
        socket.socket.connect, socket.getaddrinfo = real_connect, real_getaddrinfo


@pytest.fixture(scope="module")
def real_site(tmp_path_factory):
    """The site of the real notebooks, built with the network refused (it must not need it)."""
    out = tmp_path_factory.mktemp("site")
    attempts: list = []
    with _no_network(attempts):
        infos = build_site.build(out)
    assert not attempts, f"the site build tried to use the network: {attempts}"
    return out, infos


def _anchors(html_text: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html_text))


def test_real_site_is_complete_self_contained_and_consistent(real_site):
    out, infos = real_site
    assert [i.path for i in infos] == NOTEBOOKS
    assert not (out / "_static" / "mathjax").exists(), "the math is typeset at build time: no MathJax to ship"
    pages = {p.name: p.read_text() for p in out.glob("*.html")}
    generated = {"index.html", "errata.html", "coverage.html", "glossary.html", "items.html", "search.html", "genindex.html",
                 *(f"{name}.html" for name in build_site.MAINTAINER_PAGES),
                 *(f"{build_site.notes_page(p.name[:3])}.html" for p in (ROOT / "notes").glob("[0-9][0-9][0-9]_*.md"))}
    assert set(pages) == generated | {p.stem + ".html" for p in NOTEBOOKS}
    for name, text in pages.items():
        assert external_resources(text) == [], name
        # every formula arrives typeset (no TeX source waits for a script: nothing raw shows while a page loads)
        untypeset = re.findall(r'<(?:span|div) class="math[^"]*"[^>]*>(?!\s*<svg)(.{0,60})', text)
        assert not untypeset, f"{name}: formulas not typeset at build time: {untypeset[:3]}"
        assert not re.search(r"<script[^>]*mathjax", text, re.I), f"{name} loads MathJax"
        for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', text):
            assert (out / urllib.parse.unquote(src.split("?")[0])).is_file(), f"{name} loads a missing script {src}"
    assert not list(out.glob("_sources/*.ipynb")), "the notebooks' sources are not published twice"
    for info in infos:
        name = info.path.name
        assert info.summaries, f"{name}: no check summary record (refresh the notebook: make notebooks NB=...)"
        assert info.coverage, f"{name}: no coverage record"
        # a notebook may show a failing check outside its summarised derivation (00 does), so: at least
        assert len([c for c in info.checks if not c.check.failed]) >= info.total > 0, name
        assert len(info.refuted) == sum(int(s.get("refuted", 0)) for s in info.summaries), name
        assert all(int(s.get("failed", 0)) == 0 for s in info.summaries), f"{name}: a summary counts failed checks"
        anchors = _anchors(pages[info.page])
        nb = nbformat.read(info.path, 4)
        for k, cell in enumerate(nb.cells):
            if cell.cell_type == "code" or cell.source.strip():
                assert build_site.cell_label(info.docname, k) in anchors, f"{name}: no anchor for cell {k}"
        assert "vnd.emlib" not in pages[info.page]
    # every erratum links to its explanation and to its check, and each link has its anchor
    links = re.findall(r'href="([0-9][^"#]*\.html)#(nb\d+-check-[a-z0-9-]+)"', pages["errata.html"])
    assert not re.search(r'href="[0-9][^"#]*\.html#nb\d+-cell-', pages["errata.html"]), "links to cell positions break"
    n_refuted = sum(len(i.refuted) for i in infos)
    assert len({(t, a) for t, a in links}) >= n_refuted
    for target, anchor in links:
        assert anchor in _anchors(pages[target]), (target, anchor)
    errata = build_site.collect_errata(infos)
    assert pages["errata.html"].count('class="emlib-erratum') == len(errata)
    index = pages["index.html"]
    for info in infos:
        assert f'href="{info.page}"' in index


class _ProseText(html.parser.HTMLParser):
    """The text of a page outside code, math (typeset SVG), scripts and print-only parts, as
    (nearest cell anchor, text) pieces: what a reader sees as prose."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    SKIP_TAGS = {"pre", "code", "script", "style", "head", "title", "svg", "math", "textarea"}
    SKIP_CLASSES = {"math", "onlyprint", "cell_input", "highlight"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: whether it hides its content
        self.anchor = ""
        self.pieces: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if re.fullmatch(r"nb\w+-cell-\d+", attrs.get("id") or ""):
            self.anchor = attrs["id"]
        if tag in self.VOID:
            return
        classes = set((attrs.get("class") or "").split())
        self.stack.append(tag in self.SKIP_TAGS or bool(classes & self.SKIP_CLASSES))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if data.strip() and not any(self.stack):
            self.pieces.append((self.anchor, data))


def raw_tex(page: str) -> list[str]:
    """TeX commands and dollar signs in a page's prose: math that escaped the markdown parser."""
    parser = _ProseText()
    parser.feed(page)
    found = []
    for anchor, text in parser.pieces:
        m = re.search(r"\\[A-Za-z]+|\$", text)
        if m:
            found.append(f"{anchor or '(no cell)'}: {text[max(0, m.start() - 30):m.start() + 50]!r}")
    return found


def test_raw_tex_is_found():
    page = ('<p id="nb07-cell-14">The form $\\frac{a}{b}</p><ul><li><p>+ \\frac{c}{d}$ ends.</p></li></ul>'
            '<p>Fine: <span class="math notranslate">\\(\\frac{a}{b}\\)</span> and <code>$x$</code>.</p>'
            '<div class="onlyprint"><h1>\\frac{1}{2}</h1></div><br><p>costs 5 $</p>')
    assert [f.split(":")[0] for f in raw_tex(page)] == ["nb07-cell-14", "nb07-cell-14", "nb07-cell-14"]


def test_no_raw_tex_in_the_prose_of_any_page(real_site, sample):
    """A static twin of the browser check (runs without Chromium): no TeX outside math in any page."""
    out, _ = real_site
    _, sample_out, sample_info = sample
    found = {p.name: raw_tex(p.read_text()) for p in [*out.glob("*.html"), sample_out / sample_info.page]}
    found = {name: f for name, f in found.items() if f}
    assert not found, "raw TeX in the text of the pages (nbXX-cell-NN: notebook XX, cell NN):\n" + "\n".join(
        f"{name}: {f}" for name, fs in found.items() for f in fs)


def test_glossary_covers_the_notation(real_site):
    out, _ = real_site
    glossary = (out / "glossary.html").read_text()
    sys.path.insert(0, str(ROOT / "site_src" / "_ext"))
    import emlib_sphinx

    for notation in emlib_sphinx.NOTATION:
        anchor = "term-" + re.sub(r"[^A-Za-z0-9]+", "-", notation.term).strip("-")
        assert re.search(rf'id="{re.escape(anchor)}"', glossary, re.I), f"no glossary entry for {notation.term}"
    for word in ("theta", "responsibility", "ELBO", "Q function", "old parameters"):
        assert word.lower() in glossary.lower()
    page = (out / "03_gmm_em_derivation.html").read_text()
    assert 'href="glossary.html#term-responsibility"' in page
    assert "Notation on this page" in page


# ------------------------------------------------------------------------------------ headless Chromium
def _chromium() -> str:
    for name in [os.environ.get("CHROMIUM", ""), *CHROMIUM_NAMES]:
        if name and shutil.which(name):
            return shutil.which(name)
    reason = "Chromium is not installed (Debian: apt-get install chromium); the browser checks of the site need it"
    if os.environ.get("CI"):
        pytest.fail(reason + " and CI is set, so this is a failure, not a skip")
    pytest.skip(reason)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - keep the test output clean
        pass


@contextlib.contextmanager
def _serve(directory: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


class _CDP:
    """A minimal Chrome DevTools Protocol client over one page target's websocket."""

    def __init__(self, ws_url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True, enable_multithread=False)
        self.next_id = 0
        self.events: list[dict] = []
        self.all_requests: list[str] = []  # every URL requested since the browser started

    def close(self) -> None:
        self.ws.close()

    def _recv(self, deadline: float) -> dict:
        self.ws.settimeout(max(0.05, deadline - time.monotonic()))
        msg = json.loads(self.ws.recv())
        if msg.get("method") == "Network.requestWillBeSent":
            self.all_requests.append(msg["params"]["request"]["url"])
        return msg

    def call(self, method: str, params: dict | None = None, timeout: float = 30) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            msg = self._recv(deadline)
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, event: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for k, msg in enumerate(self.events):
                if msg["method"] == event:
                    return self.events.pop(k)
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {event} within {timeout} s")
            msg = self._recv(deadline)
            if "method" in msg:
                self.events.append(msg)

    def evaluate(self, expression: str, timeout: float = 30) -> object:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, timeout=timeout)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def navigate(self, url: str, timeout: float = 30) -> None:
        self.events.clear()
        self.call("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired", timeout)

    def click_and_wait(self, selector: str, timeout: float = 30) -> str:
        """Click the first element matching ``selector`` as a reader would; return where the page lands."""
        self.events.clear()
        found = self.evaluate(f"(() => {{ const a = document.querySelector({json.dumps(selector)});"
                              "if (!a) return false; a.click(); return true; })()")
        if not found:
            raise AssertionError(f"nothing matches {selector!r} on {self.evaluate('location.href')}")
        self.wait_for("Page.loadEventFired", timeout)
        return self.evaluate("location.pathname + location.hash")

    def requests(self) -> list[tuple[str, int | None]]:
        """(url, status) of every request seen since the last navigation."""
        sent = {e["params"]["requestId"]: e["params"]["request"]["url"] for e in self.events
                if e["method"] == "Network.requestWillBeSent"}
        status = {e["params"]["requestId"]: e["params"]["response"]["status"] for e in self.events
                  if e["method"] == "Network.responseReceived"}
        return [(url, status.get(rid)) for rid, url in sent.items()]


@contextlib.contextmanager
def _browser(binary: str):
    with tempfile.TemporaryDirectory(prefix="emlib-chromium-", ignore_cleanup_errors=True) as profile:
        args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}",
                # a guard, not the check: no host name other than 127.0.0.1 resolves
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--remote-debugging-port=0", "--window-size=1300,1500", "about:blank"]
        with open(Path(profile) / "stderr.log", "wb") as log:
            # its own process group, so that the browser's helper processes end with it
            proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + 30
            while not (port_file.is_file() and port_file.read_text().strip()):
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = (Path(profile) / "stderr.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"Chromium did not start (exit code {proc.poll()}):\n{err}")
                time.sleep(0.05)
            port = int(port_file.read_text().split()[0])
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
                targets = json.load(resp)
            page = next(t for t in targets if t.get("type") == "page")
            cdp = _CDP(page["webSocketDebuggerUrl"])
            try:
                cdp.call("Page.enable")
                cdp.call("Network.enable")
                cdp.call("Runtime.enable")
                yield cdp
            finally:
                cdp.close()
        finally:
            end_process_group(proc)



# The visible text of the page (code, typeset math and hidden parts left out) must hold no TeX command and
# no dollar sign: either is math that escaped the markdown parser. Each finding names the nearest cell
# anchor before it (nbXX-cell-NN: notebook XX, cell NN), so the offending notebook cell can be found.
INSPECT = r"""(() => {
  const SKIP = "pre, code, script, style, svg, math, .emlib-math, .emlib-math-display, .cell_input, [hidden], " +
               "[aria-hidden='true'], head";
  const anchors = Array.from(document.querySelectorAll("[id]")).filter(e => /^nb\w+-cell-\d+$/.test(e.id));
  const near = node => {
    let best = "";
    for (const a of anchors) {
      if (a === node || a.contains(node) || (a.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING)) best = a.id;
      else break;
    }
    return best;
  };
  const raw = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(SKIP) || !el.getClientRects().length) continue;  // not rendered (print-only, folded)
    const text = node.textContent;
    const m = text.match(/\\[A-Za-z]+|\$/);
    if (m) raw.push(`${near(node) || "(no cell)"}: ${JSON.stringify(text.slice(Math.max(0, m.index - 30), m.index + 50))}`);
  }
  return {
    raw: raw,
    typeset: document.querySelectorAll(".emlib-math > svg, .emlib-math-display > svg").length,
    // a formula is typeset when its SVG is drawn with a size; each glyph it uses is on the page
    untypeset: Array.from(document.querySelectorAll("span.math, div.math")).filter(m => {
      const svg = m.querySelector(":scope > svg");
      return !svg || !(svg.getBoundingClientRect().width > 0 || !m.getClientRects().length);
    }).length,
    missingGlyphs: Array.from(document.querySelectorAll(".emlib-math use, .emlib-math-display use"))
      .filter(u => !document.getElementById((u.getAttribute("xlink:href") || u.getAttribute("href") || "#").slice(1))).length,
    errors: document.querySelectorAll("code.math-error, [data-mjx-error]").length,
    images: Array.from(document.querySelectorAll("article img, .bd-article img")).map(i => [i.complete, i.naturalWidth]),
    latex: Array.from(document.querySelectorAll(".output div.math, .cell_output div.math")).map(e => e.querySelectorAll("svg").length),
    home: Array.from(document.querySelectorAll("a[href]")).filter(a => a.href === new URL("index.html", location.href).href).length,
    sidebar: document.querySelectorAll(".bd-sidebar-primary nav a[href]").length,
    outline: Array.from(document.querySelectorAll(".bd-sidebar-secondary nav a[href^='#']")).map(a => a.getAttribute("href")),
    next: (document.querySelector("a.right-next") || {}).href || "",
    prev: (document.querySelector("a.left-prev") || {}).href || "",
    toggle: !!document.querySelector("#emlib-code-toggle"),
  };
})()"""


# The layout of the math: no formula cut off, inline formulas on the text's baseline, and how long the page took.
# A formula is cut off when it is wider than its box (or reaches past the window) and no box around it scrolls
# horizontally; a box that hides its overflow (overflow-x hidden or clip) and is narrower than the formula cuts it,
# and so does a box that scrolls when the formula sticks out on its left (a scroll bar reaches the right only).
# The baseline of an inline formula is the bottom of its SVG less the formula's depth (MathJax's vertical-align of
# the SVG, in ex); the baseline of the text is the bottom of an empty inline block put right after the formula.
MATH_LAYOUT = r"""(() => {
  const SCROLLS = new Set(["auto", "scroll"]), HIDES = new Set(["hidden", "clip"]);
  const clipped = [], offBaseline = [];
  const where = el => {
    const a = el.closest("[id]"), svg = el.querySelector("svg[aria-label]");
    return (a ? "#" + a.id : "(page)") + " " + JSON.stringify(((svg && svg.getAttribute("aria-label")) || el.textContent || "").slice(0, 60));
  };
  const viewport = document.documentElement.clientWidth;
  const formulas = Array.from(document.querySelectorAll("span.math > svg, div.math > svg")).filter(s => s.getClientRects().length);
  for (const svg of formulas) {
    const r = svg.getBoundingClientRect();
    let scrolls = false, cut = false;
    for (let el = svg.parentElement; el && el !== document.documentElement; el = el.parentElement) {
      const ox = getComputedStyle(el).overflowX, box = el.getBoundingClientRect();
      // a box scrolls to the right only: a formula sticking out on its left (centred) cannot be reached
      if (SCROLLS.has(ox)) { scrolls = true; cut = r.left < box.left - 1 - el.scrollLeft; break; }
      if (HIDES.has(ox) && (r.right > box.right + 1 || r.left < box.left - 1)) { cut = true; break; }
    }
    if (cut || (!scrolls && (r.right > viewport + 1 || r.left < -1))) clipped.push(where(svg.parentElement));
    const box = svg.parentElement;
    if (!scrolls && box.scrollWidth > box.clientWidth + 1) clipped.push(where(box));
  }
  const inline = formulas.filter(s => s.parentElement.matches("p span.math, li span.math, dd span.math, td span.math"));
  const probe = document.createElement("span");
  probe.style.cssText = "display:inline-block;width:0;height:0;padding:0;margin:0;border:0";
  const ex = document.createElement("span");
  ex.style.cssText = "display:inline-block;width:0;height:10ex;padding:0;margin:0;border:0;vertical-align:top";
  for (const svg of inline.slice(0, 400)) {
    const math = svg.parentElement, depth = parseFloat((svg.getAttribute("style") || "").replace(/.*vertical-align:\s*/, "")) || 0;
    math.after(probe);
    math.after(ex);
    const exPx = ex.getBoundingClientRect().height / 10;
    const text = probe.getBoundingClientRect().bottom, formula = svg.getBoundingClientRect().bottom + depth * exPx;
    if (Math.abs(text - formula) > 1) offBaseline.push(`${where(math)}: ${(text - formula).toFixed(1)} px`);
  }
  probe.remove(); ex.remove();
  const nav = performance.getEntriesByType("navigation")[0] || {};
  return {clipped: clipped, offBaseline: offBaseline, inline: Math.min(inline.length, 400), formulas: formulas.length,
          domContentLoaded: Math.round(nav.domContentLoadedEventEnd || 0), load: Math.round(nav.loadEventEnd || 0),
          mathScripts: Array.from(document.scripts).filter(s => /mathjax|katex/i.test(s.src || "")).length};
})()"""


# A search is done when Sphinx reports it, with results ("Search finished, ...") or none ("did not match"):
# waiting for the first alone cost a 30 s timeout on every search without results.
SEARCH_RESULTS = """(() => ({
  done: /finished|did not match/i.test((document.querySelector("#search-results .search-summary, #search-results p") || {}).textContent || ""),
  hrefs: Array.from(document.querySelectorAll("#search-results li > a")).map(a => a.getAttribute("href")),
  excerpts: Array.from(document.querySelectorAll("#search-results li > p.context")).filter(p => p.textContent.trim().length > 40).length,
}))()"""


def _has_math(text: str) -> bool:
    return bool(re.search(r"\$[^$\n]+\$|\\\[|\\begin\{", text))


def _visible(cdp: _CDP, selector: str, unfolded_only: bool = False) -> list[bool]:
    """Whether each element matching ``selector`` is shown (optionally: of those outside folded appendices)."""
    keep = "e => !e.closest('.emlib-folded')" if unfolded_only else "e => true"
    return cdp.evaluate(f"Array.from(document.querySelectorAll({json.dumps(selector)})).filter({keep})"
                        ".map(e => e.offsetParent !== null)")


@pytest.fixture(scope="module")
def chromium() -> str:
    return _chromium()


def test_site_in_headless_chromium(chromium, real_site, sample):  # chromium first: skip before building
    out, infos = real_site
    _, sample_out, sample_info = sample
    root = Path(os.path.commonpath([out, sample_out]))  # one server for both sites
    site = out.relative_to(root).as_posix()
    pages = [p.relative_to(root).as_posix() for p in sorted(out.glob("*.html")) if p.name != "genindex.html"]
    pages.append(f"{sample_out.relative_to(root).as_posix()}/{sample_info.page}")
    expected = {f"{site}/{i.page}": i for i in infos}
    expected[pages[-1]] = sample_info
    math_pages = {name for name, i in expected.items()
                  if any(c.cell_type == "markdown" and _has_math(c.source) for c in nbformat.read(i.path, 4).cells)}
    math_pages |= {f"{site}/glossary.html"}
    shots = {f"{site}/{p}" for p in ("03_gmm_em_derivation.html", "index.html", "errata.html")}
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    timings: dict[str, dict] = {}  # reported in artifacts/site-math-layout.json, not asserted (no timed assertions)
    with _serve(root) as base, _browser(chromium) as cdp:
        def width(px: int) -> None:
            cdp.call("Emulation.setDeviceMetricsOverride", {"width": px, "height": 1500, "deviceScaleFactor": 1, "mobile": False})

        def load(name: str) -> dict:
            cdp.navigate(base + name)
            # inspect folded appendices too
            cdp.evaluate("document.querySelectorAll('.emlib-folded').forEach(s => s.classList.remove('emlib-folded'))")
            return cdp.evaluate(INSPECT)

        def goto(name: str) -> None:
            cdp.navigate(base + name)

        def inspect(name: str, info: dict) -> None:
            """Math, raw TeX, figures, requests and navigation chrome of the page just loaded."""
            for url, status in cdp.requests():
                if not (url.startswith(base) or url.startswith(("data:", "about:", "blob:"))):
                    problems.append(f"{name}: request leaves localhost: {url}")
                elif url.startswith(base) and (status is None or status >= 400):
                    problems.append(f"{name}: {url} answered {status}")
            if info["raw"]:
                problems.append(f"{name}: raw TeX in the visible text (TeX command or $):\n    " + "\n    ".join(info["raw"]))
            if info["errors"]:
                problems.append(f"{name}: {info['errors']} formulas that MathJax could not typeset")
            if name in math_pages and not info["typeset"]:
                problems.append(f"{name}: no math typeset")
            if info["untypeset"]:
                problems.append(f"{name}: {info['untypeset']} formulas not drawn")
            if info["missingGlyphs"]:
                problems.append(f"{name}: {info['missingGlyphs']} glyph references without their outline")
            bad_images = [k for k, (complete, width) in enumerate(info["images"]) if not (complete and width > 0)]
            if bad_images:
                problems.append(f"{name}: images {bad_images} did not load")
            if name in expected and len(info["images"]) < expected[name].n_figures:
                problems.append(f"{name}: {len(info['images'])} images shown, {expected[name].n_figures} stored")
            if not all(info["latex"]):
                problems.append(f"{name}: text/latex outputs not typeset: {info['latex']}")
            if name.endswith("00_sample.html") and not info["latex"]:
                problems.append(f"{name}: the sample's sympy output is missing")
            if (not info["home"] and not name.endswith("/index.html")) or not info["sidebar"]:
                problems.append(f"{name}: no link to the index ({info['home']}) or no sidebar ({info['sidebar']} links)")
            if name in expected and not info["toggle"]:
                problems.append(f"{name}: no show/hide-code toggle")
            if name in expected and name.startswith(site) and len(info["outline"]) < 2:
                problems.append(f"{name}: no in-page outline ({info['outline']})")
            if name in shots:
                data = cdp.call("Page.captureScreenshot", {"format": "png"})["data"]
                (ARTIFACTS / f"site-{Path(name).stem}.png").write_bytes(base64.b64decode(data))

        # the math of every page at a phone's width and at a desktop's: nothing cut off, on the baseline; at the
        # desktop width the same load is also inspected for raw TeX, figures, requests and navigation
        for px in (400, 1300):
            width(px)
            for name in pages:
                info = load(name)
                if px == 1300:
                    inspect(name, info)
                layout = cdp.evaluate(MATH_LAYOUT, timeout=60)
                timings[f"{name} @ {px}px"] = {k: layout[k] for k in ("formulas", "inline", "domContentLoaded", "load")}
                if layout["clipped"]:
                    problems.append(f"{name} at {px} px: {len(layout['clipped'])} formulas cut off:\n    "
                                    + "\n    ".join(layout["clipped"][:20]))
                if layout["offBaseline"]:
                    problems.append(f"{name} at {px} px: {len(layout['offBaseline'])} of {layout['inline']} inline formulas off "
                                    "the baseline:\n    " + "\n    ".join(layout["offBaseline"][:10]))
                if layout["mathScripts"]:
                    problems.append(f"{name}: loads a math script (the math is typeset at build time)")
                if px == 400 and name.endswith("03_gmm_em_derivation.html"):
                    data = cdp.call("Page.captureScreenshot", {"format": "png"})["data"]
                    (ARTIFACTS / "site-03_gmm_em_derivation-400px.png").write_bytes(base64.b64decode(data))
        (ARTIFACTS / "site-math-layout.json").write_text(json.dumps(timings, indent=1))
        # the layout check bites: math that does not scroll and sits on its box's bottom is reported
        width(400)
        load(f"{site}/03_gmm_em_derivation.html")
        cdp.evaluate("document.head.insertAdjacentHTML('beforeend', '<style>span.emlib-math, div.emlib-math-display "
                     "{ overflow: visible !important; vertical-align: baseline !important }</style>')")
        broken = cdp.evaluate(MATH_LAYOUT, timeout=60)
        if not (broken["clipped"] and broken["offBaseline"]):
            problems.append(f"the math layout check does not notice broken math: {len(broken['clipped'])} cut off, "
                            f"{len(broken['offBaseline'])} off the baseline")
        width(1300)

        nb02, nb03 = f"{site}/02_elbo_and_em.html", f"{site}/03_gmm_em_derivation.html"
        # the in-page outline leads to headings of the page
        goto(nb03)
        missing = cdp.evaluate("Array.from(document.querySelectorAll(\".bd-sidebar-secondary nav a[href^='#']\"))"
                               ".filter(a => !document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1))))"
                               ".map(a => a.getAttribute('href'))")
        if missing:
            problems.append(f"{nb03}: outline entries without a target: {missing}")
        # glossary: the first mention of a term links to its entry, which exists
        landed = cdp.click_and_wait("a[href='glossary.html#term-responsibility']")
        if landed != f"/{site}/glossary.html#term-responsibility" or not cdp.evaluate("!!document.getElementById('term-responsibility')"):
            problems.append(f"{nb03}: the glossary link led to {landed!r}")

        # the code toggle hides every code cell (not its outputs), holds across pages, and shows them again
        goto(nb03)
        before = _visible(cdp, "div.cell_input", True)
        cdp.evaluate("document.querySelector('#emlib-code-toggle').click()")
        hidden, outputs = _visible(cdp, "div.cell_input", True), _visible(cdp, "div.cell_output", True)
        if not (before and all(before) and not any(hidden) and outputs and all(outputs)):
            problems.append(f"{nb03}: the code toggle did not hide the code ({sum(before)} shown, then {sum(hidden)}; "
                            f"{sum(outputs)} of {len(outputs)} outputs visible)")
        goto(nb02)
        if any(_visible(cdp, "div.cell_input", True)):
            problems.append(f"{nb02}: hidden code did not stay hidden on the next page")
        cdp.evaluate("document.querySelector('#emlib-code-toggle').click()")
        if not all(_visible(cdp, "div.cell_input", True)):
            problems.append(f"{nb02}: the code toggle did not show the code again")

        # an appendix is folded by default; its button unfolds it; a link to a cell inside it unfolds it too
        sample_page = pages[-1]
        summary_cell = build_site.cell_label("00_sample", 7)
        goto(sample_page)
        folded = _visible(cdp, f"#{summary_cell}")
        cdp.evaluate("document.querySelector('.emlib-fold-toggle').click()")
        unfolded = _visible(cdp, f"#{summary_cell}")
        goto(f"{site}/index.html")  # (from the same page, a link to an anchor fires no load event)
        goto(f"{sample_page}#{summary_cell}")
        linked = _visible(cdp, f"#{summary_cell}")
        if folded != [False] or unfolded != [True] or linked != [True]:
            problems.append(f"{sample_page}: appendix folding: folded {folded}, after the button {unfolded}, "
                            f"opened by a link {linked}")

        # previous/next links: 02 -> 03 and back
        goto(nb02)
        landed = cdp.click_and_wait("a.right-next")
        if landed != f"/{nb03}":
            problems.append(f"{nb02}: the next link led to {landed!r}")
        landed = cdp.click_and_wait("a.left-prev")
        if landed != f"/{nb02}":
            problems.append(f"{nb03}: the previous link led to {landed!r}")
        # links between notebooks: 02's prose names notebook 01, and the name is a link to it
        landed = cdp.click_and_wait("article a.reference.internal[href='01_kl_mle_monte_carlo.html']")
        if landed != f"/{site}/01_kl_mle_monte_carlo.html":
            problems.append(f"{nb02}: the link to notebook 01 led to {landed!r}")

        # the table-of-contents sidebar: from the index to notebook 03
        goto(f"{site}/index.html")
        landed = cdp.click_and_wait(".bd-sidebar-primary nav a[href='03_gmm_em_derivation.html']")
        if landed != f"/{nb03}":
            problems.append(f"index.html: the sidebar entry of notebook 03 led to {landed!r}")

        # an erratum's link lands on the cell that runs the check
        goto(f"{site}/errata.html")
        href = cdp.evaluate("(document.querySelector('.emlib-erratum a[href*=\"-check-\"]:last-of-type') || {}).href || ''")
        landed = cdp.click_and_wait(".emlib-erratum a[href*='-check-']:last-of-type") if href else ""
        anchor = landed.partition("#")[2]
        if not anchor or not cdp.evaluate(f"!!document.getElementById({json.dumps(anchor)})"):
            problems.append(f"errata.html: the link to a check led to {landed!r}")

        # offline full-text search: "responsibility" finds notebook 03 with the text around the hit (also from
        # file://, where the browser refuses Sphinx's fetch of the page), and its result leads there
        def search(url: str) -> dict:
            cdp.navigate(url)
            found: dict = {}
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not found.get("done"):
                time.sleep(0.2)
                found = cdp.evaluate(SEARCH_RESULTS)
            time.sleep(0.3)  # the excerpts arrive after the titles
            return cdp.evaluate(SEARCH_RESULTS)

        for url in (base + f"{site}/search.html?q=responsibility", out.as_uri() + "/search.html?q=responsibility"):
            found = search(url)
            pages_found = [h.split("?")[0].split("#")[0] for h in found["hrefs"]]
            if "03_gmm_em_derivation.html" not in pages_found:
                problems.append(f"{url}: the search for 'responsibility' did not find notebook 03: {found}")
            if not found["hrefs"] or found["excerpts"] < len(found["hrefs"]):
                problems.append(f"{url}: {found['excerpts']} excerpts for {len(found['hrefs'])} results")
            raw = cdp.evaluate(INSPECT)["raw"]
            if raw:
                problems.append(f"{url}: raw TeX in the search excerpts: {raw}")
        landed = cdp.click_and_wait("#search-results li a[href^='03_gmm_em_derivation.html']")
        if not landed.startswith(f"{out.as_posix()}/03_gmm_em_derivation.html"):
            problems.append(f"the search result for notebook 03 led to {landed!r}")
        # the developer pages (mutation analysis, benchmarks) are not among the results
        for word in ("mutant", "benchmark"):
            found = search(base + f"{site}/search.html?q={word}")
            developer = [h for h in found["hrefs"] if h.split("#")[0].removesuffix(".html") in build_site.DEVELOPER_PAGES]
            if developer:
                problems.append(f"the search for {word!r} lists developer pages: {developer}")

        outside = [u for u in cdp.all_requests if not u.startswith((base, out.as_uri(), "data:", "about:", "blob:"))]
        if outside:
            problems.append(f"requests that left localhost: {sorted(set(outside))}")
    assert not problems, "\n".join(problems)
    assert (ARTIFACTS / "site-03_gmm_em_derivation.png").stat().st_size > 10_000


def test_outline_ids_link_to_their_item_entries(real_site):
    # a click on an outline id (coverage table, errata) shows its entry: the checks and what the notes print
    out, _ = real_site
    anchors = set(re.findall(r'id="(item-[^"]+)"', (out / "items.html").read_text()))
    assert "item-003-14" in anchors
    for page in ("coverage.html", "errata.html"):
        links = set(re.findall(r'href="items.html#(item-[^"]+)"', (out / page).read_text()))
        assert links and links <= anchors, (page, sorted(links - anchors))


def test_items_and_errata_link_the_printed_chains(real_site):
    """Each outline item with a printed chain links to it (a page of notes/*.md with each line's verdict);
    the errata page sets the two sources side by side, and shows as an erratum only lines that break."""
    out, infos = real_site
    report = json.loads((out / build_site.NOTES_REPORT_JSON).read_text())
    pages = {p.name: p.read_text() for p in out.glob("*.html")}
    anchors = {name: _anchors(text) for name, text in pages.items()}
    items, errata = pages["items.html"], pages["errata.html"]
    for doc in report["documents"]:
        for chain in doc["chains"]:
            for item in chain["items"]:
                entry = items.split(f'id="item-{item}"')[1].split('<section id="item-')[0]
                assert f'href="{build_site.notes_page(doc["document"])}.html#{chain["anchor"]}"' in entry, (item, chain["anchor"])
    for name, text in pages.items():  # every link into a notes page has its anchor
        for target, anchor in re.findall(r'href="(notes-[0-9a-z-]+\.html)#([^"]+)"', text):
            assert anchor in anchors[target], (name, target, anchor)
    # a notebook's check that names an item links to that item's printed chains, from the cell that runs it
    chains = {}
    for doc in report["documents"]:
        for chain in doc["chains"]:
            for item in chain["items"]:
                chains.setdefault(item, []).append(f'href="{build_site.notes_page(doc["document"])}.html#{chain["anchor"]}"')
    named = [(info, rec, item) for info in infos for rec in info.checks for item in rec.check.sources if item in chains]
    assert named, "no check names an item with a printed chain"
    for info, rec, item in named:
        cell = pages[info.page].split(f'id="{rec.anchor}"')[1].split('class="cell docutils container"')[0]
        assert all(link in cell for link in chains[item]), (info.page, rec.anchor, item)
    assert 'id="errata-two-sources"' in errata
    rows = {(Path(r["file"]).name, r["line"]): r["verdict"] for d in report["documents"] for c in d["chains"] for r in c["rows"]}
    broken = {k for k, v in rows.items() if v == "breaks"}
    shown = set(re.findall(r'href="notes-[0-9a-z-]+\.html#notes-([0-9a-z]+)-line-(\d+)"', errata))
    assert shown == {(name[:3], str(line)) for name, line in broken}, "errata show exactly the broken lines"
    assert sum(a["source"] == "both" for a in report["agreement"]) == len(re.findall(r">both agree<", errata))


def test_the_readme_shows_the_notes_table_of_this_build(real_site):
    # the README's table of the notes checked as printed is the one this build computed (not a stale copy)
    import notes_report

    out, _ = real_site
    report = json.loads((out / build_site.NOTES_REPORT_JSON).read_text())
    table = notes_report.summary_table(report["summary"])
    assert table in (ROOT / "README.md").read_text(encoding="utf-8"), (
        "README.md's table of the notes is stale; this build computes (python tools/notes_report.py prints it):\n"
        + table)


def test_the_notes_outline_agrees_with_the_outline_of_the_notes():
    outline = ROOT.parent / "shared" / "source-notes" / "OUTLINE.md"
    stored = json.loads(build_site.NOTES_OUTLINE.read_text(encoding="utf-8"))
    assert len(stored["documents"]) == 5 and len(stored["items"]) > 80
    if not outline.is_file():
        pytest.skip(f"{outline} is not here: the stored outline cannot be compared with it")
    fresh = build_site.outline_from_markdown(outline.read_text(encoding="utf-8"))
    assert {k: stored[k] for k in fresh} == fresh, "site_src/notes_outline.json is out of date with OUTLINE.md"


def test_errata_and_items_pages_say_what_the_notes_are(real_site):
    out, infos = real_site
    errata, items = (out / "errata.html").read_text(), (out / "items.html").read_text()
    outline = build_site.NotesOutline.load()
    for doc in outline.documents.values():  # the five documents, with their titles and languages
        for page in (errata, items):
            assert html.escape(doc["title"], quote=False) in page and html.escape(doc["about"], quote=False) in page
    # items with their titles, the math in titles typeset
    entry = items.split('id="item-003-12"')[1][:3000]
    assert "Gaussian density and expanded Lagrangian" in entry
    entry = items.split('id="item-003-13"')[1][:3000]
    assert re.search(r"<h3>003-13 · <span class=\"math[^>]*><svg", entry), "the title $\\mu_k$ is typeset in the heading"
    assert re.search(r"\d+ checks? (?:\(\d+ refuting what the notes print\) )?in ", entry), "coverage per item"
    # the headings of the errata are typeset or words, never ASCII math
    for heading in re.findall(r"<h4>(.*?)</h4>", errata, re.S):
        text = re.sub(r"<svg.*?</svg>|<[^>]+>", "", heading, flags=re.S)
        assert not re.search(r"[_^]|\b(?:sum|theta|sigma|mu|pi)\b", text), text


def test_formulas_in_search_excerpts_are_plain_characters():
    sys.path.insert(0, str(ROOT / "site_src" / "_ext"))
    from emlib_search import tex_to_text

    assert tex_to_text(r"\gamma_{ik}=\frac{\pi_k N(x_i|\mu_k)}{\sum_{j=1}^K\pi_j}") == "γ_ik=(π_k N(x_i|μ_k))/(∑_j=1^Kπ_j)"
    assert tex_to_text(r"\frac{1}{2}\log|\Sigma| + \dfrac{a}{\frac{b}{c}}") == "(1)/(2) log |Σ| + (a)/((b)/(c))"
    assert tex_to_text(r"\theta^{\text{old}} \mathbb{E}_{q}\left[\log p\right]") == "θ^old E_q[ log p]"
    assert tex_to_text(r"\begin{aligned} a &= \frac{x}{y} \\ \unknownmacro{z} \end{aligned}") == "a = (x)/(y) unknownmacro z"


def test_every_figure_has_a_caption_and_alt_text(real_site):
    out, infos = real_site
    texts = build_site.figure_texts()
    missing = [f"{i.docname} cell {cell}: {line!r}" for i in infos for cell, line in i.figure_cells
               if (i.docname, line) not in texts]
    assert not missing, "figures without caption and alt text in site_src/figures.json:\n" + "\n".join(missing)
    stale = sorted(set(texts) - {(i.docname, line) for i in infos for _, line in i.figure_cells})
    assert not stale, f"site_src/figures.json names figures no notebook draws: {stale}"
    for info in infos:
        page = (out / info.page).read_text()
        figures = re.findall(r"<figure\b.*?</figure>", page, re.S)
        assert len(figures) == len(info.figure_cells), info.page
        for figure in figures:
            assert re.search(r'<img alt="[^"]{20,}"', figure), (info.page, figure[:300])
            assert "<figcaption" in figure, (info.page, figure[:300])
    em = (out / "03_gmm_em_derivation.html").read_text()
    assert re.search(r'<figure class="[^"]*emlib-wide-figure[^"]*".*?class="[^"]*emlib-full-size', em, re.S), \
        "the EM frames are shown at full size"

