"""nbval must really compare stored outputs: a tampered copy of a notebook fails, the intact copy passes.

This is the quick control on notebook 00; ``tests/test_bite.py`` tampers with a copy of every notebook.
"""

from __future__ import annotations

import nbformat
import pytest

from nbval_helpers import ROOT, run_nbval, tamper

NOTEBOOK = ROOT / "notebooks" / "00_how_to_read.ipynb"


@pytest.mark.parametrize("tampered", [False, True], ids=["intact", "tampered"])
def test_nbval_compares_stored_outputs(tmp_path, tampered):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    if tampered:
        tamper(nb)
    copy = tmp_path / NOTEBOOK.name
    nbformat.write(nb, copy)
    result = run_nbval([copy.name], tmp_path, timeout=300)
    if tampered:
        assert result.returncode == 1, result.stdout[-2000:]
        assert "1 failed" in result.stdout, result.stdout[-2000:]
        assert "mismatch 'stdout'" in result.stdout, result.stdout[-2000:]
    else:
        assert result.returncode == 0, result.stdout[-3000:]
