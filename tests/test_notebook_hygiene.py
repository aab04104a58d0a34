"""Committed notebooks must be executed, normalised and free of run-specific noise.

nbval compares stored outputs, so a notebook saved without outputs would pass vacuously, and one
holding timing metadata, memory addresses or local paths would fail on the next machine.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from notebooks import all_notebooks, dumps, normalise  # noqa: E402

from emlib.derivation.records import CHECK_MIME, COVERAGE_MIME, SUMMARY_MIME, notebook_records, record_data  # noqa: E402

NOTEBOOKS = all_notebooks()
LOCAL_PATH = re.compile(r"(/work/|/tmp/|/root/|/home/|site-packages|[A-Z]:\\\\Users)")
ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found: nbval would run nothing"
    assert NOTEBOOKS[0].name.startswith("00_")


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_normalised(path):
    text = path.read_text(encoding="utf-8")
    assert dumps(normalise(nbformat.reads(text, as_version=4))) == text, (
        f"{path.name} is not normalised: run `python tools/notebooks.py normalise notebooks/{path.name}` (metadata "
        f"only, e.g. after a JupyterLab not started by `make lab` saved it) or `make notebooks NB=notebooks/{path.name}`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_executed_top_to_bottom(path):
    cells = _code_cells(nbformat.read(path, as_version=4))
    counts = [c.execution_count for c in cells]
    assert None not in counts, f"{path.name}: a code cell has no stored execution (nbval would skip it)"
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: not executed once, top to bottom"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_outputs_are_clean(path):
    for i, cell in enumerate(_code_cells(nbformat.read(path, as_version=4))):
        where = f"{path.name}, code cell {i + 1}"
        for out in cell.outputs:
            assert out.output_type != "error", f"{where}: stored error {out.get('ename')}"
            assert not (out.output_type == "stream" and out.name == "stderr"), f"{where}: stderr output"
            data = out.get("data", {})
            assert "image/svg+xml" not in data, f"{where}: SVG output (embeds a timestamp)"
            blob = json.dumps(out.get("text", "")) + json.dumps({k: v for k, v in data.items() if not k.startswith("image/")})
            assert not ADDRESS.search(blob), f"{where}: memory address in output"
            assert not LOCAL_PATH.search(blob), f"{where}: local path in output"


def _records(cells, mime: str) -> list[dict]:
    """The structured check records (JSON outputs of emlib.derivation) of one MIME type, in order."""
    return [r.data for r in notebook_records({"cells": cells}, (mime,))]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_ends_with_a_check_summary_and_coverage(path):
    cells = _code_cells(nbformat.read(path, as_version=4))
    checks, summaries, coverage = (_records(cells, m) for m in (CHECK_MIME, SUMMARY_MIME, COVERAGE_MIME))
    # the structured records that emlib.derivation attaches to its outputs, which the site is built from
    # (tools/build_site.py), must be there and complete
    assert checks, f"{path.name}: no check records (refresh it: make notebooks NB=notebooks/{path.name})"
    assert summaries, f"{path.name}: no check summary record (d.summary())"
    assert coverage and all(c.get("rows") for c in coverage), f"{path.name}: no coverage record (d.coverage())"
    for s in summaries:
        assert int(s.get("failed", 0)) == 0 and int(s["passed"]) == int(s["total"]) > 0, f"{path.name}: {s}"
    refuted = [c for c in checks if c.get("status") == "refuted"]
    assert len(refuted) == sum(int(s.get("refuted", 0)) for s in summaries), (
        f"{path.name}: {len(refuted)} refuted check records, the summaries count "
        f"{sum(int(s.get('refuted', 0)) for s in summaries)} (the errata page is built from the records)")
    # (a failed check may be stored where a notebook shows what a failure looks like, outside any summary)
    summary_cells = [c for c in cells if "summary()" in c.source]
    assert summary_cells and "nbval-ignore-output" not in summary_cells[-1].metadata.get("tags", []), (
        f"{path.name}: the check summary must be compared by nbval"
    )


# A decimal with a fractional part in scientific notation (2.5e-11): in a passing check line that is a
# measured error, whose digits depend on the CPU, BLAS kernel and thread count. Bounds are written
# without a fractional part (1e-9), and measurements go to output metadata (Check.measured).
MEASURED = re.compile(r"\b\d\.\d+e[-+]?\d+\b")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_passing_check_lines_carry_no_measured_error(path):
    for i, cell in enumerate(_code_cells(nbformat.read(path, as_version=4))):
        if "nbval-ignore-output" in cell.metadata.get("tags", []):
            continue
        for out in cell.outputs:
            record = record_data(out, CHECK_MIME)
            if record is None:
                continue
            if record.get("status") == "ok":
                line = out.data.get("text/plain", "")
                assert not MEASURED.search(line), (
                    f"{path.name}, code cell {i + 1}: a check line prints a measured error, which another machine "
                    f"would print differently: {line[:300]}")
