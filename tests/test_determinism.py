"""The notebooks' stored outputs do not depend on the machine, the run or the number of BLAS threads.

* Another machine, in every run: the stored outputs are written by ``tools/notebooks.py refresh`` under a
  reference arithmetic (two BLAS threads, the generic OpenBLAS kernel, numpy's dispatched SIMD paths off)
  and compared by ``make test`` under this machine's own (one thread, its CPU's kernel and SIMD level:
  conftest.py). The test below shows, with a probe in a fresh interpreter (as a kernel starts), that the
  two arithmetics really differ here, so every compared cell of every notebook is checked across two.
* A refresh (re-execute under the reference arithmetic, then normalise) of a copy of a notebook
  reproduces the committed notebook byte for byte: the committed outputs are the reference arithmetic's.
  The committed notebook is itself the output of an earlier refresh, so this is also the check that a
  second refresh changes nothing.
* The project's configuration collects every code cell of every notebook in ``notebooks/`` (the
  reruns of ``tests/test_bite.py`` run named copies, so this is checked on its own, without a kernel).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from nbval_helpers import NOTEBOOKS, ROOT

sys.path.insert(0, str(ROOT / "tools"))
import notebooks as nbtool  # noqa: E402

SMALL_NOTEBOOK = ROOT / "notebooks" / "00_how_to_read.ipynb"


def test_stored_outputs_are_compared_under_another_arithmetic():
    # this run's kernels: conftest.py's environment (one BLAS thread, the machine's own kernel and SIMD)
    here = nbtool.probe_arithmetic({k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
                                    if k in os.environ})
    reference = nbtool.reference_arithmetic()
    there = nbtool.probe_arithmetic(reference)
    assert here["threads"] in (1, None) and there["threads"] in (2, None), (here, there)
    assert there["simd"] == [], there
    if "OPENBLAS_CORETYPE" in reference:
        assert there["kernel"] != here["kernel"], (here, there)


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
    for key, value in {**nbtool.KERNEL_ENV, **nbtool.reference_arithmetic()}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("MPLBACKEND", raising=False)
    copy = tmp_path / SMALL_NOTEBOOK.name
    shutil.copyfile(SMALL_NOTEBOOK, copy)
    nbtool.refresh(copy)
    # == the input bytes: a further refresh would start from the same bytes (see the module docstring)
    assert copy.read_bytes() == SMALL_NOTEBOOK.read_bytes(), "refreshing reproduces the committed notebook byte for byte"
    assert nbtool.is_normalised(copy)


def test_conftest_keeps_thread_overrides_but_forces_the_hash_seed():
    # the BLAS thread counts are only defaults (a reader may set others); the hash seed is forced
    code = ("import os, runpy; os.environ.update(OPENBLAS_NUM_THREADS='2', OMP_NUM_THREADS='2', PYTHONHASHSEED='7'); "
            "os.environ.pop('MKL_NUM_THREADS', None); runpy.run_path('conftest.py'); "
            "print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'], "
            "os.environ['MKL_NUM_THREADS'], os.environ['PYTHONHASHSEED'])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["2", "2", "1", "0"], out.stdout + out.stderr
