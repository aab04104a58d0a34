"""The offline web site of the notebooks (tools/build_site.py, `make site`: Sphinx + myst-nb + sphinx-book-theme).

The reader of the check records is checked against what emlib.derivation really emits: a small sample
notebook is executed in a real kernel and built into a site. The real site is built with the network
refused, then checked statically (the generated index, errata and coverage agree with the records, every
link to a cell has its anchor, no page loads anything from outside), then in headless Chromium served from 127.0.0.1: math typeset by the local
MathJax and no raw TeX left in the visible text, figures decoded, no request leaving localhost, and the
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
    infos = build_site.build(out, notebooks=[src])
    return src, out, infos[0]


# ------------------------------------------------------------------------------------ reading the records
def test_the_reader_reads_what_derivation_emits(sample):
    src, _, info = sample
    records, summary, coverage = _sample_records()
    got = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(c).items() if k in RECORD_KEYS} for c in info.checks]
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
    assert "\\((x + y)^2 = x^2 + y^2\\)" in page


def test_errata_and_index_of_the_sample(sample):
    _, out, info = sample
    errata = (out / "errata.html").read_text()
    index = (out / "index.html").read_text()
    assert "Notes document 900" in errata
    assert errata.count('class="emlib-erratum') == 2
    assert "\\((x + y)^2 = x^2 + 2xy + y^2\\)" in errata, "the correct result is typeset from its LaTeX"
    assert "note 900, section 1" in errata
    assert "Errors: the printed result is wrong" in errata and "Severity not given" in errata  # grouped by severity
    for rec in info.refuted:
        assert f'href="00_sample.html#{build_site.cell_label("00_sample", rec.cell)}"' in errata
        assert f'href="00_sample.html#{build_site.cell_label("00_sample", rec.explanation)}"' in errata
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
    assert (out / "_static" / "mathjax" / "MathJax.js").is_file()
    pages = {p.name: p.read_text() for p in out.glob("*.html")}
    generated = {"index.html", "errata.html", "coverage.html", "glossary.html", "items.html", "mutation.html", "search.html", "genindex.html"}
    assert set(pages) == generated | {p.stem + ".html" for p in NOTEBOOKS}
    for name, text in pages.items():
        assert external_resources(text) == [], name
        for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', text):
            assert (out / urllib.parse.unquote(src.split("?")[0])).is_file(), f"{name} loads a missing script {src}"
    assert not list(out.glob("_sources/*.ipynb")), "the notebooks' sources are not published twice"
    for info in infos:
        name = info.path.name
        assert info.summaries, f"{name}: no check summary record (refresh the notebook: make notebooks NB=...)"
        assert info.coverage, f"{name}: no coverage record"
        # a notebook may show a failing check outside its summarised derivation (00 does), so: at least
        assert len([c for c in info.checks if c.status != "failed"]) >= info.total > 0, name
        assert len(info.refuted) == sum(int(s.get("refuted", 0)) for s in info.summaries), name
        assert all(int(s.get("failed", 0)) == 0 for s in info.summaries), f"{name}: a summary counts failed checks"
        anchors = _anchors(pages[info.page])
        nb = nbformat.read(info.path, 4)
        for k, cell in enumerate(nb.cells):
            if cell.cell_type == "code" or cell.source.strip():
                assert build_site.cell_label(info.docname, k) in anchors, f"{name}: no anchor for cell {k}"
        assert "vnd.emlib" not in pages[info.page]
    # every erratum links to its explanation and to its check, and each link has its anchor
    links = re.findall(r'href="([0-9][^"#]*\.html)#(nb\d+-cell-\d+)"', pages["errata.html"])
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
    """The text of a page outside code, math (left for MathJax), scripts and print-only parts, as
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



WAIT_FOR_MATHJAX = """new Promise(resolve => {
  if (!document.querySelector('script[src*="mathjax/MathJax.js"]')) { resolve("no MathJax"); return; }
  const timer = setTimeout(() => resolve("timeout"), 25000);
  const hook = () => {
    // the hook must not return the queued callback: MathJax's startup would wait for it (a deadlock)
    MathJax.Hub.Register.StartupHook("End", () => { MathJax.Hub.Queue(() => { clearTimeout(timer); resolve("done"); }); });
  };
  if (window.MathJax && MathJax.Hub) { hook(); return; }
  const poll = setInterval(() => { if (window.MathJax && MathJax.Hub) { clearInterval(poll); hook(); } }, 20);
})"""

# The visible text of the page (code, typeset math and hidden parts left out) must hold no TeX command and
# no dollar sign: either is math that escaped the markdown parser. Each finding names the nearest cell
# anchor before it (nbXX-cell-NN: notebook XX, cell NN), so the offending notebook cell can be found.
INSPECT = r"""(() => {
  const SKIP = "pre, code, script, style, svg, math, .MathJax, .MathJax_Display, .MathJax_Preview, .MathJax_CHTML, " +
               ".MJX_Assistive_MathML, .cell_input, [hidden], [aria-hidden='true'], head";
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
    typeset: document.querySelectorAll(".MathJax, .MathJax_Display").length,
    sources: document.querySelectorAll('script[type^="math/tex"]').length,
    // MathJax 2 puts each rendered formula right before the script holding its TeX source
    untypeset: Array.from(document.querySelectorAll('script[type^="math/tex"]')).filter(s => {
      const r = s.previousElementSibling;
      return !(r && /\bMathJax(_Display)?\b/.test(r.className) && r.querySelector(".math, .MathJax_SVG, nobr"));
    }).length,
    mathSpans: document.querySelectorAll("span.math, div.math").length,
    errors: document.querySelectorAll(".MathJax_Error, merror").length + (document.body.textContent.includes("Math Processing Error") ? 1 : 0),
    images: Array.from(document.querySelectorAll("article img, .bd-article img")).map(i => [i.complete, i.naturalWidth]),
    latex: Array.from(document.querySelectorAll(".output div.math, .cell_output div.math")).map(e => e.querySelectorAll(".MathJax, .MathJax_Display").length),
    home: Array.from(document.querySelectorAll("a[href]")).filter(a => a.href === new URL("index.html", location.href).href).length,
    sidebar: document.querySelectorAll(".bd-sidebar-primary nav a[href]").length,
    outline: Array.from(document.querySelectorAll(".bd-sidebar-secondary nav a[href^='#']")).map(a => a.getAttribute("href")),
    next: (document.querySelector("a.right-next") || {}).href || "",
    prev: (document.querySelector("a.left-prev") || {}).href || "",
    toggle: !!document.querySelector("#emlib-code-toggle"),
  };
})()"""


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
    with _serve(root) as base, _browser(chromium) as cdp:
        cdp.call("Emulation.setDeviceMetricsOverride", {"width": 1300, "height": 1500, "deviceScaleFactor": 1, "mobile": False})

        def load(name: str) -> dict:
            cdp.navigate(base + name)
            state = cdp.evaluate(WAIT_FOR_MATHJAX, timeout=40)
            if state not in ("done", "no MathJax"):
                problems.append(f"{name}: MathJax did not finish ({state})")
            # inspect folded appendices too
            cdp.evaluate("document.querySelectorAll('.emlib-folded').forEach(s => s.classList.remove('emlib-folded'))")
            return cdp.evaluate(INSPECT)

        def goto(name: str) -> None:  # the reader's tools below need no typeset math: do not wait for it
            cdp.navigate(base + name)

        # every page: math, raw TeX, figures, requests, navigation chrome
        for name in pages:
            info = load(name)
            for url, status in cdp.requests():
                if not (url.startswith(base) or url.startswith(("data:", "about:", "blob:"))):
                    problems.append(f"{name}: request leaves localhost: {url}")
                elif url.startswith(base) and (status is None or status >= 400):
                    problems.append(f"{name}: {url} answered {status}")
            if info["raw"]:
                problems.append(f"{name}: raw TeX in the visible text (TeX command or $):\n    " + "\n    ".join(info["raw"]))
            if info["errors"]:
                problems.append(f"{name}: {info['errors']} MathJax errors")
            if name in math_pages and not (info["typeset"] > 0 and info["sources"] > 0):
                problems.append(f"{name}: no math typeset ({info['typeset']} rendered, {info['sources']} sources)")
            if info["untypeset"]:
                problems.append(f"{name}: {info['untypeset']} of {info['sources']} formulas not typeset")
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
        href = cdp.evaluate("(document.querySelector('.emlib-erratum a[href*=\"-cell-\"]:last-of-type') || {}).href || ''")
        landed = cdp.click_and_wait(".emlib-erratum a[href*='-cell-']:last-of-type") if href else ""
        anchor = landed.partition("#")[2]
        if not anchor or not cdp.evaluate(f"!!document.getElementById({json.dumps(anchor)})"):
            problems.append(f"errata.html: the link to a check led to {landed!r}")

        # offline full-text search: "responsibility" finds notebook 03, and its result leads there
        cdp.navigate(base + f"{site}/search.html?q=responsibility")
        results: list = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not results:
            time.sleep(0.2)
            results = cdp.evaluate("Array.from(document.querySelectorAll('#search-results li a')).map(a => a.getAttribute('href'))")
        if not any(r.split("?")[0].split("#")[0] == "03_gmm_em_derivation.html" for r in results):
            problems.append(f"search for 'responsibility' did not find notebook 03: {results}")
        else:
            # the math in the text around the hits is typeset too
            time.sleep(0.5)  # the results come in batches; the last one is typeset after it arrives
            state = cdp.evaluate(WAIT_FOR_MATHJAX, timeout=40)
            raw = cdp.evaluate(INSPECT)["raw"]
            if state != "done" or raw:
                problems.append(f"search results: MathJax {state}, raw TeX in the visible text: {raw}")
            landed = cdp.click_and_wait("#search-results li a[href^='03_gmm_em_derivation.html']")
            if not landed.startswith(f"/{nb03}"):
                problems.append(f"the search result for notebook 03 led to {landed!r}")

        outside = [u for u in cdp.all_requests if not u.startswith((base, "data:", "about:", "blob:"))]
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
