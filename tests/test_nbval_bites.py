"""nbval must really compare stored outputs: a tampered copy of a notebook fails, the intact copy passes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "00_how_to_read.ipynb"


def _run_nbval(path: Path) -> subprocess.CompletedProcess:
    (path.parent / "pytest.ini").write_text("[pytest]\n")  # isolate from the project's configuration
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
         "-p", "no:randomly", "--color=no", "-q", path.name],
        cwd=path.parent, capture_output=True, text=True, timeout=300,
    )


def _tamper(nb: nbformat.NotebookNode) -> str:
    """Change one digit of the first compared stdout output; return the original line."""
    for cell in nb.cells:
        if cell.cell_type != "code" or "nbval-ignore-output" in cell.metadata.get("tags", []):
            continue
        for out in cell.outputs:
            if out.output_type == "stream" and out.name == "stdout" and "0.500000" in out.text:
                original = out.text
                out.text = out.text.replace("0.500000", "0.500001", 1)
                return original
    raise AssertionError("no stored output to tamper with")


@pytest.mark.parametrize("tampered", [False, True], ids=["intact", "tampered"])
def test_nbval_compares_stored_outputs(tmp_path, tampered):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    if tampered:
        _tamper(nb)
    copy = tmp_path / NOTEBOOK.name
    nbformat.write(nb, copy)
    result = _run_nbval(copy)
    if tampered:
        assert result.returncode == 1, result.stdout[-2000:]
        assert "0.500001" in result.stdout and "1 failed" in result.stdout, result.stdout[-2000:]
    else:
        assert result.returncode == 0, result.stdout[-3000:]
