"""Helpers shared by the tests that run nbval in a subprocess (not a test module itself).

``run_nbval`` runs pytest + nbval on notebooks in a separate process; ``tamper`` changes one digit
of a compared stored output; ``junit_results`` reads the per-cell outcome from a JUnit XML report.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
_DIGIT = re.compile(r"\d")


def run_nbval(
    targets: list[str],
    cwd: Path,
    *,
    isolated: bool = True,
    env: dict[str, str] | None = None,
    junitxml: Path | None = None,
    timeout: int = 600,
) -> subprocess.CompletedProcess:
    """Run ``pytest --nbval`` on ``targets`` (paths relative to ``cwd``) in a subprocess.

    ``isolated=True`` writes an empty ``pytest.ini`` into ``cwd`` so the project's configuration
    (and conftest) do not apply; ``isolated=False`` runs under the project's own configuration
    (``cwd`` must then be the repository root). ``env`` entries override the inherited environment.
    """
    if isolated:
        (cwd / "pytest.ini").write_text("[pytest]\n")
        cmd = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
               "-p", "no:randomly"]
    else:
        cmd = [sys.executable, "-m", "pytest"]  # addopts from pyproject.toml supply the nbval options
    cmd += ["--color=no", "-q", "-rf"]
    if junitxml is not None:
        cmd.append(f"--junitxml={junitxml}")
    full_env = {**os.environ, **(env or {})}
    full_env.pop("PYTEST_ADDOPTS", None)  # options meant for the outer run (e.g. -x, -k) must not leak in
    return subprocess.run(cmd + list(targets), cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=full_env)


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
