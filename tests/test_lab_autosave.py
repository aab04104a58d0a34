"""Reading a notebook in `make lab` leaves it normalised (issue 14, part 1).

A real Jupyter server is started with the project's jupyter_server_config.py (the file `make lab` passes
with --config), on a free localhost port, with a temporary directory as its root that holds a COPY of a
notebook: the real notebooks are never touched. The test then does what JupyterLab does when a reader
opens a notebook and it autosaves: it starts a session (a kernel), asks the kernel for its kernel_info
over the kernel's websocket, fetches the notebook through /api/contents, puts the kernel's language_info
into the notebook's metadata and saves the model back with PUT /api/contents. The saved file must pass
the hygiene test's normalisation check, and be byte-identical to the copy, since nothing was edited.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from notebooks import dumps, is_normalised, normalise  # noqa: E402
from process_helpers import end_process_group  # noqa: E402

CONFIG = ROOT / "jupyter_server_config.py"
NOTEBOOK = ROOT / "notebooks" / "00_how_to_read.ipynb"
START_TIMEOUT = 60  # s for the server to answer
KERNEL_TIMEOUT = 60  # s for the kernel to answer kernel_info


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]



class _Server:
    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 30) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read().decode()
        return json.loads(text) if text else {}


@contextlib.contextmanager
def _jupyter_server(root_dir: Path, home: Path):
    port, token = _free_port(), uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
    env.update({  # keep the reader's own Jupyter settings and runtime files out of it, both ways
        "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_DATA_DIR": str(home / "data"), "IPYTHONDIR": str(home / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
    })
    args = [sys.executable, "-m", "jupyterlab", f"--config={CONFIG}", "--no-browser", "--ip=127.0.0.1",
            f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root_dir}", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
            "jupyterlab.NeverCheckForUpdate", "--ServerApp.allow_root=True"]
    log_path = home / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root_dir,
                                start_new_session=True)
    server = _Server(f"http://127.0.0.1:{port}", token)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the Jupyter server exited ({proc.returncode}):\n{log_path.read_text()[-3000:]}")
            try:
                server.request("GET", "/api/status", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no answer from the Jupyter server in {START_TIMEOUT} s:\n"
                                       f"{log_path.read_text()[-3000:]}") from None
                time.sleep(0.2)
        server.log = log_path
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.request("POST", "/api/shutdown", timeout=5)
            proc.wait(10)
        end_process_group(proc)


def _kernel_info(server: _Server, kernel_id: str) -> dict:
    """The kernel's kernel_info_reply content, asked over its websocket as JupyterLab does on connecting."""
    import websocket

    url = server.base.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
    ws = websocket.create_connection(url, timeout=KERNEL_TIMEOUT, header=[f"Authorization: token {server.token}"],
                                     subprotocols=[])
    try:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "kernel_info_request", "username": "test", "session": uuid.uuid4().hex,
                       "date": "2026-01-01T00:00:00.000000Z", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "content": {}, "channel": "shell", "buffers": [],
        }))
        deadline = time.monotonic() + KERNEL_TIMEOUT
        while time.monotonic() < deadline:
            ws.settimeout(max(0.1, deadline - time.monotonic()))
            msg = json.loads(ws.recv())
            if msg.get("msg_type") == "kernel_info_reply" and msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg["content"]
        raise TimeoutError(f"no kernel_info_reply in {KERNEL_TIMEOUT} s")
    finally:
        ws.close()


def test_config_is_what_make_lab_uses():
    makefile = (ROOT / "Makefile").read_text()
    lab = makefile.split("\nlab:", 1)[1].split("\n\n", 1)[0]
    assert "--config=" in lab and CONFIG.name in lab, "make lab must start JupyterLab with the project's server config"


def test_autosave_through_jupyterlab_leaves_the_notebook_normalised(tmp_path):
    root, home = tmp_path / "root", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    copy = root / NOTEBOOK.name
    shutil.copyfile(NOTEBOOK, copy)
    original = copy.read_bytes()
    assert is_normalised(copy), f"{NOTEBOOK.name} itself is not normalised: refresh it first"

    with _jupyter_server(root, home) as server:
        session = server.request("POST", "/api/sessions", {
            "path": copy.name, "name": copy.name, "type": "notebook", "kernel": {"name": "python3"}})
        kernel_id = session["kernel"]["id"]
        info = _kernel_info(server, kernel_id)
        language_info = info["language_info"]
        assert language_info["name"] == "python" and "version" in language_info  # what JupyterLab stores

        model = server.request("GET", f"/api/contents/{copy.name}?type=notebook&content=1")
        nb = model["content"]
        nb["metadata"]["language_info"] = language_info  # as JupyterLab's notebook model does on connecting
        # JupyterLab also writes its own cell metadata (here: the trusted flag, which JupyterLab 4 keeps there)
        for cell in nb["cells"]:
            cell["metadata"]["trusted"] = True
        # without the pre-save hook this content would be saved unnormalised: the test would bite
        raw = nbformat.writes(nbformat.from_dict(nb)) + "\n"
        assert raw != dumps(normalise(nbformat.from_dict(json.loads(json.dumps(nb)))))

        saved = server.request("PUT", f"/api/contents/{copy.name}", {"type": "notebook", "format": "json", "content": nb})
        assert saved["path"] == copy.name
        server.request("DELETE", f"/api/sessions/{session['id']}")

    assert is_normalised(copy), (
        f"a JupyterLab autosave left {copy.name} unnormalised:\n"
        + json.dumps(json.loads(copy.read_text())["metadata"], indent=1)
    )
    # the check of tests/test_notebook_hygiene.py::test_normalised, verbatim
    text = copy.read_text(encoding="utf-8")
    assert dumps(normalise(nbformat.reads(text, as_version=4))) == text
    assert copy.read_bytes() == original, "an unedited notebook must be saved byte for byte as it was"
    assert NOTEBOOK.read_bytes() == original  # the real notebook was never touched
