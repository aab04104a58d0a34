"""The notebooks' stored outputs do not depend on the run or on the number of BLAS threads.

* Another machine: every compared cell of every notebook but one per notebook is rerun with two BLAS
  threads, another OpenBLAS kernel and numpy's dispatched SIMD paths off (``nbval_helpers.other_machine_env``;
  the stored outputs were written with one thread; conftest.py only sets the thread variables by
  default, so they can be overridden) by the combined rerun in ``tests/test_bite.py``, which also shows
  that a tampered output is noticed. With ``EMLIB_FULL_RERUNS=1`` (``EMLIB_FULL_RERUNS=1 make test``) the
  intact notebooks are also all run that way here, which covers the cell per notebook that the combined
  rerun tampers with.
* The project's configuration collects every code cell of every notebook in ``notebooks/`` (the
  reruns run named copies, so this is checked on its own, without running a kernel).
* A refresh (re-execute and normalise) of a copy of a notebook reproduces the committed notebook byte
  for byte. The committed notebook is itself the output of an earlier refresh, so this is also the
  check that a second refresh changes nothing (refreshing the copy again would start from the same
  bytes as the first refresh did).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from nbval_helpers import NOTEBOOKS, ROOT, junit_results, other_machine_env, run_nbval

sys.path.insert(0, str(ROOT / "tools"))
import notebooks as nbtool  # noqa: E402

SMALL_NOTEBOOK = ROOT / "notebooks" / "00_how_to_read.ipynb"


FULL_RERUNS = os.environ.get("EMLIB_FULL_RERUNS") == "1"


@pytest.mark.skipif(not FULL_RERUNS, reason="set EMLIB_FULL_RERUNS=1 (tests/test_bite.py reruns all but one cell "
                                            "per notebook on another machine in every run)")
def test_all_notebooks_pass_nbval_on_another_machine(tmp_path):
    report = tmp_path / "junit.xml"
    env = other_machine_env()
    result = run_nbval(["notebooks"], ROOT, isolated=False, env=env, junitxml=report)
    assert result.returncode == 0, result.stdout[-4000:]
    results = junit_results(report)
    # every notebook really ran (a collection slip would pass vacuously)
    ran = sorted(re.sub(r"^notebooks[./]", "", k) for k in results)  # JUnit names them notebooks.<file>
    assert ran == sorted(p.name for p in NOTEBOOKS), sorted(results)
    assert all(v == "passed" for cases in results.values() for v in cases.values())
    assert sum(len(cases) for cases in results.values()) >= 9 * 5


def test_project_configuration_collects_every_cell_of_every_notebook():
    # The reruns in tests/test_bite.py name the notebook copies explicitly; this keeps the check that
    # the project's own configuration collects the whole notebooks/ directory (cheap: no kernel runs).
    import nbformat

    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "notebooks"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300,
                         env={k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"})
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    items = [line for line in out.stdout.splitlines() if "::Cell " in line]
    for path in NOTEBOOKS:
        n_code = sum(c.cell_type == "code" for c in nbformat.read(path, as_version=4).cells)
        cells = [line for line in items if line.startswith(f"notebooks/{path.name}::")]
        assert len(cells) == n_code, (path.name, len(cells), n_code)
    assert {line.split("::")[0] for line in items} == {f"notebooks/{p.name}" for p in NOTEBOOKS}


def test_refreshing_reproduces_the_committed_notebook_byte_for_byte(tmp_path, monkeypatch):
    # refresh() sets the kernel environment in os.environ; monkeypatch restores it afterwards.
    for key, value in nbtool.KERNEL_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("MPLBACKEND", raising=False)
    copy = tmp_path / SMALL_NOTEBOOK.name
    shutil.copyfile(SMALL_NOTEBOOK, copy)
    nbtool.refresh(copy)
    # == the input bytes: a further refresh would start from the same bytes (see the module docstring)
    assert copy.read_bytes() == SMALL_NOTEBOOK.read_bytes(), "refreshing reproduces the committed notebook byte for byte"
    assert nbtool.is_normalised(copy)


def test_conftest_keeps_thread_overrides_but_forces_the_hash_seed():
    # the two-thread run above relies on conftest.py only *defaulting* the BLAS thread counts
    code = ("import os, runpy; os.environ.update(OPENBLAS_NUM_THREADS='2', OMP_NUM_THREADS='2', PYTHONHASHSEED='7'); "
            "os.environ.pop('MKL_NUM_THREADS', None); runpy.run_path('conftest.py'); "
            "print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'], "
            "os.environ['MKL_NUM_THREADS'], os.environ['PYTHONHASHSEED'])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["2", "2", "1", "0"], out.stdout + out.stderr
