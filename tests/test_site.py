"""The offline web site of the notebooks (tools/build_site.py, `make site`).

Parsing is checked against emlib.derivation's own records; the built site is checked statically (every
page links to the index, every erratum links to an existing cell anchor, nothing is fetched from outside)
and then in headless Chromium served from 127.0.0.1: math typeset by MathJax, figures decoded, no request
leaving localhost, a working link back to the index. Chromium is Debian's `chromium` package; without it
the browser test skips locally and fails under CI (the environment variable CI is set).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import nbformat
import numpy as np
import pytest
import sympy as sp
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from emlib.derivation import Derivation, Real

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402

ARTIFACTS = ROOT / "artifacts"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


# ------------------------------------------------------------------------------------ a sample derivation
def _sample_derivation() -> tuple[Derivation, str, str, str]:
    """Run a small derivation; return it and what its checks, summary() and coverage() printed."""
    x, y = sp.symbols("x y", real=True)
    d = Derivation("sample", seed=1)
    checks = io.StringIO()
    with contextlib.redirect_stdout(checks):
        d.section("Step 1: squares")
        d.equal((x + y) ** 2, x**2 + 2 * x * y + y**2, "(x + y)^2 expands", source="900-01")
        d.derivative(x**3, x, 3 * x**2, "d/dx x^3 = 3 x^2", source=["900-01", "900-02"])
        d.close(np.sqrt(2.0), 1.4142135623730951, "sqrt 2", source="900-02")
        d.gradient(lambda v: float(np.sum(v**2)), lambda v: 2 * v, np.array([0.3, -1.2]), "grad |v|^2 = 2v", source="900-03")
        d.section("Where the notes go wrong")
        with d.expect_false(source="900-04", printed="(x + y)^2 = x^2 + y^2", correct="(x + y)^2 = x^2 + 2xy + y^2"):
            d.equal((x + y) ** 2, x**2 + y**2, "square as printed  (the (x + y)^2 slip)", domain=Real(x, y))
        with d.expect_false(source=["900-02", "900-05"]):
            d.close(2.0, 3.0, "2 = 3 (printed)")
        d.cite("900-06", "notation only")
    summary = io.StringIO()
    with contextlib.redirect_stdout(summary):
        d.summary()
    coverage = io.StringIO()
    with contextlib.redirect_stdout(coverage):
        d.coverage()
    return d, checks.getvalue(), summary.getvalue(), coverage.getvalue()


def _stream(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def _png() -> str:
    fig = Figure(figsize=(2, 1.5))  # no pyplot: leaves the process's backend alone
    FigureCanvasAgg(fig)
    fig.add_subplot().plot([0, 1], [0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode()


def _sample_notebook(path: Path) -> Derivation:
    d, checks, summary, coverage = _sample_derivation()
    # split the check output over two cells and over two stream outputs, as real notebooks do
    lines = checks.splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if line.startswith("[refuted"))
    cells = [
        nbformat.v4.new_markdown_cell("# Sample: a $\\frac{1}{2}$ derivation\n\nWe check that $(x+y)^2 = x^2+2xy+y^2$ "
                                      "and other **facts**.\n\nSecond paragraph, not on the index."),
        nbformat.v4.new_code_cell("...", outputs=[_stream("".join(lines[:2])), _stream("".join(lines[2:cut]))]),
        nbformat.v4.new_markdown_cell("## 2. Where the notes go wrong"),
        nbformat.v4.new_code_cell("...", outputs=[_stream("".join(lines[cut:]))]),
        nbformat.v4.new_code_cell("...", outputs=[nbformat.v4.new_output(
            "display_data", data={"image/png": _png(), "text/plain": "<Figure>"})]),
        nbformat.v4.new_code_cell("x**2 / 2", outputs=[nbformat.v4.new_output(  # how IPython shows a sympy result
            "execute_result", data={"text/latex": "$\\displaystyle \\frac{x^{2}}{2}$", "text/plain": "x**2/2"},
            execution_count=1)]),
        nbformat.v4.new_code_cell("d.summary()", outputs=[_stream(summary)]),
        nbformat.v4.new_code_cell("d.coverage()", outputs=[_stream(coverage)]),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(nb, path)
    return d


# ------------------------------------------------------------------------------------ parsing
def test_parsers_reproduce_the_derivation_records():
    d, checks, summary_text, coverage_text = _sample_derivation()
    summary = build_site.parse_summary(summary_text)
    assert summary.found
    assert summary.total == len(d.records) == 6
    assert summary.counts == d.counts()
    assert summary.refuted == len(d.refuted()) == 2
    assert summary.refuted_items == [(r.sources, r.label) for r in d.refuted()]
    assert build_site.parse_coverage(coverage_text) == d.coverage_rows()
    labels = [label for _, label in summary.refuted_items]
    refutations = build_site.parse_refutations(checks, labels)
    assert [r.label for r in refutations] == [r.label for r in d.refuted()]
    for parsed, record in zip(refutations, d.refuted()):
        assert (parsed.printed, parsed.correct) == (record.printed, record.correct)
        assert parsed.evidence == f"{record.route}: {record.detail}"


def test_summary_parser_reads_the_older_format_too():
    old = "14 checks passed: 9 symbolic, 3 numeric, 2 finite-difference; 2 refute printed results\n  refuted [1-2] a\n"
    summary = build_site.parse_summary(old)
    assert (summary.total, summary.refuted, summary.refuted_items) == (14, 2, [(("1-2",), "a")])
    assert summary.counts == {"symbolic": 9, "numeric": 3, "finite-difference": 2}


def test_parsers_ignore_lookalike_lines():
    assert not build_site.parse_summary("3 checks passed: 2 guesses\nthe summary: 4 checks passed").found
    assert build_site.parse_coverage("item | value\na | b | c\n") == []
    assert build_site.parse_refutations("  [refuted as expected] indented\n[ok] fine  (symbolic: direct)") == []


def test_title_and_first_paragraph():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("# 03 · Title with $x$\n\n## sub\n\nFirst *paragraph*\non two lines.\n\nSecond."),
    ])
    assert build_site.title_and_intro(nb, "fallback") == ("03 · Title with $x$", "First *paragraph*\non two lines.")
    assert build_site.title_and_intro(nbformat.v4.new_notebook(), "fallback") == ("fallback", "")


def test_external_resources_are_detected():
    page = ('<script src="https://cdn.example.org/x.js"></script><link rel="stylesheet" href="//fonts.example/a.css">'
            '<style>@import "https://example.com/b.css"; .a{background:url(http://example.com/c.png)}</style>'
            '<a href="https://example.com/paper">a link a reader may follow</a><img src="data:image/png;base64,AA">')
    assert build_site.external_resources(page) == [
        "//fonts.example/a.css", "http://example.com/c.png", "https://cdn.example.org/x.js", "https://example.com/b.css"]
    assert build_site.external_resources('<script src="mathjax/MathJax.js"></script><a href="index.html">i</a>') == []


def test_build_refuses_a_foreign_directory(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(RuntimeError, match="refusing"):
        build_site.build(tmp_path, notebooks=[ROOT / "notebooks" / "00_how_to_read.ipynb"])
    assert (tmp_path / "precious.txt").read_text() == "keep me"


# ------------------------------------------------------------------------------------ the built site
@pytest.fixture(scope="module")
def sample_site(tmp_path_factory):
    src = tmp_path_factory.mktemp("nb") / "00_sample.ipynb"
    d = _sample_notebook(src)
    out = tmp_path_factory.mktemp("sample_site")
    infos = build_site.build(out, notebooks=[src])
    return out, infos, d


def _anchors(html_text: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html_text))


def test_sample_site_index_and_errata(sample_site):
    out, (info,), d = sample_site
    index = (out / "index.html").read_text()
    assert '<a href="00_sample.html">Sample: a $\\frac{1}{2}$ derivation</a>' in index
    assert "We check that $(x+y)^2 = x^2+2xy+y^2$ and other <strong>facts</strong>" in index
    assert "Second paragraph" not in index
    for category, n in d.counts().items():
        assert f"{n} {category}</span>" in index
    for item, _, _ in d.coverage_rows():
        assert f">{item}</span>" in index
    errata = (out / "errata.html").read_text()
    page = (out / "00_sample.html").read_text()
    assert len(info.refutations) == 2
    for rec, record in zip(info.refutations, d.refuted()):
        assert rec.sources == record.sources
        assert rec.cell == 3 and rec.section == "2. Where the notes go wrong"
        assert '<a href="00_sample.html#cell-03">' in errata
    assert "cell-03" in _anchors(page)
    assert "(x + y)^2 = x^2 + 2xy + y^2" in errata and "900-02, 900-05" in errata
    assert info.n_figures == 1 and page.count('src="data:image/png;base64,') == 1


def _pages(out: Path) -> list[Path]:
    return sorted(out.glob("*.html"))


@pytest.fixture(scope="module")
def real_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    return out, build_site.build(out)


def test_real_site_is_self_contained_and_consistent(real_site):
    out, infos = real_site
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert [i.path for i in infos] == notebooks
    assert (out / "mathjax" / "MathJax.js").is_file()
    pages = {p.name: p.read_text() for p in _pages(out)}
    assert set(pages) == {"index.html", "errata.html", *(p.stem + ".html" for p in notebooks)}
    for name, text in pages.items():
        assert build_site.external_resources(text) == [], name
        assert re.search(r'<a href="index.html"[^>]*>', text), f"{name} has no link back to the index"
        for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', text):
            assert (out / src.split("?")[0]).is_file(), f"{name} loads a missing script {src}"
    for info in infos:
        assert len(info.refutations) == info.summary.refuted, info.path.name  # every refuted check found
        assert info.summary.total == sum(info.summary.counts.values())
        anchors = _anchors(pages[info.page])
        for rec in info.refutations:
            assert f"cell-{rec.cell:02d}" in anchors
    links = re.findall(r'href="([^"#]+)#(cell-\d+)"', pages["errata.html"])
    assert len(links) == sum(len(i.refutations) for i in infos)
    for target, anchor in links:
        assert anchor in _anchors(pages[target])


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

    def close(self) -> None:
        self.ws.close()

    def _recv(self, deadline: float) -> dict:
        self.ws.settimeout(max(0.05, deadline - time.monotonic()))
        return json.loads(self.ws.recv())

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
                "--remote-debugging-port=0", "--window-size=1200,1500", "about:blank"]
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
            _end_group(proc)


def _end_group(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


WAIT_FOR_MATHJAX = """new Promise(resolve => {
  if (!window.MathJax || !MathJax.Hub) { resolve("no MathJax"); return; }
  const timer = setTimeout(() => resolve("timeout"), 25000);
  // the hook must not return the queued callback: MathJax's startup would wait for it (a deadlock)
  MathJax.Hub.Register.StartupHook("End", () => { MathJax.Hub.Queue(() => { clearTimeout(timer); resolve("done"); }); });
})"""

INSPECT = """(() => {
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll("pre, code, script, style, .jp-InputArea, .MathJax_Preview, .tex2jax_ignore")
       .forEach(e => e.remove());
  const text = clone.textContent;
  return {
    raw: ["$$", "\\\\frac", "\\\\begin{"].filter(s => text.includes(s)).concat(text.match(/\\$[^$\\n]+\\$/g) || []),
    typeset: document.querySelectorAll(".MathJax, .MathJax_Display").length,
    sources: document.querySelectorAll('script[type^="math/tex"]').length,
    // MathJax 2 puts each rendered formula right before the script holding its TeX source
    untypeset: Array.from(document.querySelectorAll('script[type^="math/tex"]')).filter(s => {
      const r = s.previousElementSibling;
      return !(r && /\\bMathJax(_Display)?\\b/.test(r.className) && r.querySelector(".math, .MathJax_SVG, nobr"));
    }).length,
    errors: document.querySelectorAll(".MathJax_Error, merror").length + (text.includes("Math Processing Error") ? 1 : 0),
    images: Array.from(document.images).map(i => [i.complete, i.naturalWidth]),
    latex: Array.from(document.querySelectorAll(".jp-RenderedLatex")).map(e => e.querySelectorAll(".MathJax, .MathJax_Display").length),
    backLinks: Array.from(document.querySelectorAll("a[href]")).filter(a => a.href === new URL("index.html", location.href).href).length,
  };
})()"""


def _has_math(text: str) -> bool:
    return bool(re.search(r"\$[^$\n]+\$|\\\[|\\begin\{", text))


@pytest.fixture(scope="module")
def chromium() -> str:
    return _chromium()


def test_site_in_headless_chromium(chromium, real_site, sample_site):  # chromium first: skip before building
    out, infos = real_site
    sample_out, sample_infos, _ = sample_site
    root = Path(os.path.commonpath([out, sample_out]))  # one server for both sites
    # the real pages, then the sample notebook's page (it has a sympy text/latex output)
    pages = [p.relative_to(root).as_posix() for p in [*_pages(out), sample_out / sample_infos[0].page]]
    expected = {f"{d.relative_to(root).as_posix()}/{i.page}": i for d, ii in ((out, infos), (sample_out, sample_infos)) for i in ii}
    math_pages = {name for name, i in expected.items()
                  if any(c.cell_type == "markdown" and _has_math(c.source) for c in nbformat.read(i.path, 4).cells)}
    if any(_has_math(i.intro + i.title) for i in infos):
        math_pages.add(f"{out.relative_to(root).as_posix()}/index.html")
    shot = next((i.page for i in infos if not i.path.name.startswith("00_")), infos[0].page)
    shots = {f"{out.relative_to(root).as_posix()}/{p}" for p in (shot, "index.html", "errata.html")}
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with _serve(root) as base, _browser(chromium) as cdp:
        cdp.call("Emulation.setDeviceMetricsOverride", {"width": 1200, "height": 1500, "deviceScaleFactor": 1, "mobile": False})
        for name in pages:
            cdp.navigate(base + name)
            state = cdp.evaluate(WAIT_FOR_MATHJAX, timeout=40)
            if state != "done":
                problems.append(f"{name}: MathJax did not finish ({state})")
            info = cdp.evaluate(INSPECT)
            for url, status in cdp.requests():
                if not (url.startswith(base) or url.startswith(("data:", "about:", "blob:"))):
                    problems.append(f"{name}: request leaves localhost: {url}")
                elif url.startswith(base) and (status is None or status >= 400):
                    problems.append(f"{name}: {url} answered {status}")
            if info["raw"]:
                problems.append(f"{name}: raw TeX left in the visible text: {info['raw']}")
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
            if not info["backLinks"]:
                problems.append(f"{name}: no link back to the index")
            if not all(info["latex"]):
                problems.append(f"{name}: text/latex outputs not typeset: {info['latex']}")
            if name.endswith("00_sample.html") and not info["latex"]:
                problems.append(f"{name}: the sample's sympy output is missing")
            if name in shots:
                data = cdp.call("Page.captureScreenshot", {"format": "png"})["data"]
                (ARTIFACTS / f"site-{Path(name).stem}.png").write_bytes(base64.b64decode(data))
            if name.endswith("errata.html") and info["backLinks"]:
                # follow the link once as a reader would (on the other pages it resolves to the same URL)
                cdp.events.clear()
                cdp.evaluate('document.querySelector("nav a[href=\'index.html\']").click()')
                cdp.wait_for("Page.loadEventFired", 30)
                landed = cdp.evaluate("location.pathname + ' ' + document.title")
                if landed != f"/{Path(name).parent.as_posix()}/index.html emlib notebooks: index":
                    problems.append(f"{name}: the index link led to {landed!r}")
    assert not problems, "\n".join(problems)
    assert (ARTIFACTS / f"site-{Path(shot).stem}.png").stat().st_size > 10_000
