"""Helpers shared by the tests that run nbval in a subprocess (not a test module itself).

``run_nbval`` runs pytest + nbval on notebooks in a separate process (``start_nbval`` starts one
without waiting, so that two runs can share the machine's cores); ``write_project_config`` makes a
scratch directory run under the project's own pytest options and conftest; ``tamper`` changes one
digit of a compared stored output; ``junit_results`` and ``junit_failures`` read the per-cell outcome
and failure report from a JUnit XML report.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
_DIGIT = re.compile(r"\d")


class NbvalRun:
    """An nbval subprocess started by :func:`start_nbval`; :meth:`wait` returns its CompletedProcess."""

    def __init__(self, cmd: list[str], cwd: Path, env: dict[str, str], timeout: int) -> None:
        self.args, self.timeout = cmd, timeout
        self._proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._result: subprocess.CompletedProcess | None = None

    def wait(self) -> subprocess.CompletedProcess:
        if self._result is None:
            try:
                out, err = self._proc.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.communicate()
                raise
            self._result = subprocess.CompletedProcess(self.args, self._proc.returncode, out, err)
        return self._result

    def stop(self) -> None:
        """End the run if nobody waited for it (e.g. its test was deselected)."""
        if self._result is None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.communicate()


def start_nbval(
    targets: list[str],
    cwd: Path,
    *,
    isolated: bool = True,
    env: dict[str, str] | None = None,
    junitxml: Path | None = None,
    timeout: int = 600,
) -> NbvalRun:
    """Start ``pytest --nbval`` on ``targets`` (paths relative to ``cwd``) in a subprocess.

    ``isolated=True`` writes an empty ``pytest.ini`` into ``cwd`` so the project's configuration
    (and conftest) do not apply; ``isolated=False`` runs under the configuration found from ``cwd``:
    the repository root, or a directory prepared by :func:`write_project_config`. ``env`` entries
    override the inherited environment.
    """
    if isolated:
        (cwd / "pytest.ini").write_text("[pytest]\n")
        cmd = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
               "-p", "no:randomly"]
    else:
        cmd = [sys.executable, "-m", "pytest"]  # addopts from the configuration supply the nbval options
    cmd += ["--color=no", "-q", "-rf"]
    if junitxml is not None:
        cmd.append(f"--junitxml={junitxml}")
    full_env = {**os.environ, **(env or {})}
    full_env.pop("PYTEST_ADDOPTS", None)  # options meant for the outer run (e.g. -x, -k) must not leak in
    return NbvalRun(cmd + list(targets), cwd, full_env, timeout)


def run_nbval(
    targets: list[str],
    cwd: Path,
    *,
    isolated: bool = True,
    env: dict[str, str] | None = None,
    junitxml: Path | None = None,
    timeout: int = 600,
) -> subprocess.CompletedProcess:
    """Run ``pytest --nbval`` on ``targets`` and wait for it (see :func:`start_nbval`)."""
    return start_nbval(targets, cwd, isolated=isolated, env=env, junitxml=junitxml, timeout=timeout).wait()


def write_project_config(dest: Path) -> None:
    """Make ``dest`` run pytest under the project's own configuration, for notebook copies kept there.

    Writes ``dest/pytest.ini`` with the pytest options of ``pyproject.toml`` (nbval, its sanitize file
    by absolute path, the cell timeout, the disabled plugins) and copies ``conftest.py`` (the kernel
    environment: hash seed, BLAS thread defaults). Copies of the notebooks can then be run, as
    ``make test`` runs the originals, without writing anything into the repository.
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: pytest depends on tomli there
        import tomli as tomllib
    opts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    addopts = []
    for opt in opts["addopts"]:
        if opt.startswith("--nbval-sanitize-with="):
            opt = "--nbval-sanitize-with=" + str(ROOT / opt.split("=", 1)[1])
        addopts.append(opt)
    lines = ["[pytest]", "addopts = " + shlex.join(addopts)]
    if opts.get("filterwarnings"):
        lines.append("filterwarnings =\n" + "\n".join(f"    {w}" for w in opts["filterwarnings"]))
    (dest / "pytest.ini").write_text("\n".join(lines) + "\n")
    shutil.copyfile(ROOT / "conftest.py", dest / "conftest.py")


def compared_stdout_cells(nb: nbformat.NotebookNode) -> list[int]:
    """Indices (into ``nb.cells``) of code cells whose stored stdout nbval compares and that hold a digit."""
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "nbval-ignore-output" in cell.metadata.get("tags", []):
            continue
        if any(o.output_type == "stream" and o.name == "stdout" and _DIGIT.search(o.text) for o in cell.outputs):
            out.append(i)
    return out


def tamper(nb: nbformat.NotebookNode, cell_index: int | None = None) -> tuple[int, str, str]:
    """Change the last digit of the first compared stdout output (of ``cell_index`` if given).

    Returns ``(cell_index, original_line, tampered_line)``.
    """
    if cell_index is None:
        candidates = compared_stdout_cells(nb)
        if not candidates:
            raise AssertionError("no compared stdout output with a digit to tamper with")
        cell_index = candidates[0]
    for out in nb.cells[cell_index].outputs:
        if out.output_type == "stream" and out.name == "stdout" and _DIGIT.search(out.text):
            lines = out.text.split("\n")
            j = next(k for k, line in enumerate(lines) if _DIGIT.search(line))
            m = list(_DIGIT.finditer(lines[j]))[-1]
            new_digit = str((int(m.group()) + 1) % 10)
            original = lines[j]
            lines[j] = original[: m.start()] + new_digit + original[m.end():]
            out.text = "\n".join(lines)
            return cell_index, original, lines[j]
    raise AssertionError(f"cell {cell_index} has no stdout output with a digit")


def nbval_cell_name(nb: nbformat.NotebookNode, cell_index: int) -> str:
    """nbval's test name for ``nb.cells[cell_index]``: ``Cell <n>``, counting code cells only."""
    return f"Cell {sum(c.cell_type == 'code' for c in nb.cells[:cell_index])}"


def junit_failures(path: Path) -> dict[str, dict[str, str]]:
    """``{file: {test name: failure report}}`` for the failed or errored cases of a JUnit XML report."""
    out: dict[str, dict[str, str]] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        for child in case:
            if child.tag in ("failure", "error"):
                file = case.get("file") or case.get("classname", "")
                out.setdefault(file, {})[case.get("name", "")] = (child.get("message") or "") + "\n" + (child.text or "")
    return out


def junit_results(path: Path) -> dict[str, dict[str, str]]:
    """``{file: {test name: "passed" | "failed" | "error" | "skipped"}}`` from a JUnit XML report."""
    results: dict[str, dict[str, str]] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed"}.get(child.tag, child.tag)
        file = case.get("file") or case.get("classname", "")
        results.setdefault(file, {})[case.get("name", "")] = outcome
    return results
