"""Re-execute notebooks in place and normalise them, or check that they are normalised.

    python tools/notebooks.py refresh   [NOTEBOOK ...]   # execute under the reference arithmetic + normalise (default: all)
    python tools/notebooks.py check     [NOTEBOOK ...]   # exit 1 if a file would change
    python tools/notebooks.py normalise [NOTEBOOK ...]   # normalise only, without executing (outputs kept)

Normalising keeps outputs and execution counts (nbval compares them) and drops what differs from
run to run or machine to machine: timing metadata, language_info versions, random cell ids,
jupytext and widget metadata. A second refresh is byte-identical to the first.

`make lab` applies ``normalise`` to every notebook JupyterLab saves (the pre-save hook in
jupyter_server_config.py), so an autosave of a notebook nobody edited writes it back byte for byte,
whatever the kernel put in ``language_info`` (tests/test_lab_autosave.py).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
EMLIB_MIME_PREFIX = "application/vnd.emlib."
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

# Every kernel inherits these, here and under pytest (conftest.py sets the same): set ordering, and with
# it printed output, depends on the hash seed.
KERNEL_ENV = {
    "PYTHONHASHSEED": "0",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}

# The stored outputs are written under a *reference arithmetic* that differs from the one `make test`
# uses on the same machine (one BLAS thread, the CPU's own OpenBLAS kernel and numpy SIMD paths; see
# conftest.py), so that every test run compares two arithmetics cell by cell: two BLAS threads, the most
# generic x86-64 OpenBLAS kernel (Prescott, SSE3; Nehalem where Prescott is already the default) and
# numpy's runtime-dispatched SIMD paths switched off.
_PROBE = (
    "import json, numpy, threadpoolctl\n"
    "from numpy._core._multiarray_umath import __cpu_features__ as f, __cpu_dispatch__ as d\n"
    "blas = [i for i in threadpoolctl.threadpool_info() if i['internal_api'] == 'openblas']\n"
    "print(json.dumps({'kernel': blas[0]['architecture'] if blas else None, "
    "'simd': [k for k in d if f.get(k)], 'threads': blas[0]['num_threads'] if blas else None}))\n"
)


_ARITHMETIC_VARS = ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                    "MKL_NUM_THREADS")


def probe_arithmetic(env: dict[str, str] | None = None) -> dict:
    """The OpenBLAS kernel, numpy's enabled dispatched SIMD levels and the BLAS threads of a fresh
    interpreter (as a kernel starts) under ``env``, on top of this process's environment without any
    arithmetic setting (so ``probe_arithmetic()`` is what the machine does by default)."""
    import json
    import subprocess

    base = {k: v for k, v in os.environ.items() if k not in _ARITHMETIC_VARS}
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, check=True,
                         env={**base, **(env or {})})
    return json.loads(out.stdout)


@functools.lru_cache(maxsize=1)
def reference_arithmetic() -> dict[str, str]:
    """Environment overrides that give this machine the reference arithmetic (see above)."""
    import platform

    here = probe_arithmetic()  # the defaults: what a plain run of this machine computes with
    env = {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}
    if platform.machine().lower() in ("x86_64", "amd64") and here["kernel"] is not None:
        env["OPENBLAS_CORETYPE"] = "Nehalem" if here["kernel"].lower() == "prescott" else "Prescott"
    if here["simd"]:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(here["simd"])
    there = probe_arithmetic(env)
    changed = there["simd"] == [] and (there["threads"] in (2, None))
    if "OPENBLAS_CORETYPE" in env:
        changed = changed and there["kernel"] != here["kernel"]
    if not changed:
        raise RuntimeError(f"the reference arithmetic did not take effect: {here} -> {there} under {env}")
    return env


def all_notebooks() -> list[Path]:
    return sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb"))


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return ``nb`` with run- and machine-specific metadata removed (outputs are kept)."""
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = nbformat.from_dict({"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}})
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:02d}"
        tags = list(cell.get("metadata", {}).get("tags", []))
        cell.metadata = nbformat.from_dict({"tags": tags} if tags else {})
        if "attachments" in cell and not cell.attachments:
            del cell["attachments"]
        if cell.cell_type == "code":
            cell.outputs = _merge_streams(cell.outputs)
            for output in cell.outputs:
                if "metadata" in output:
                    # emlib's check records keep what a route measured here (nbval does not compare
                    # metadata: those numbers depend on the machine); everything else is noise.
                    kept = {k: v for k, v in output.metadata.items() if k.startswith(EMLIB_MIME_PREFIX)}
                    output.metadata = nbformat.from_dict(kept)
    return nb


def _merge_streams(outputs: list) -> list:
    """Join consecutive chunks of the same stream: how a kernel splits its output depends on timing."""
    merged: list = []
    for out in outputs:
        if (out.output_type == "stream" and merged and merged[-1].output_type == "stream"
                and merged[-1].name == out.name):
            merged[-1].text += out.text
        else:
            merged.append(out)
    return merged


def dumps(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def is_normalised(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    return dumps(normalise(nb)) == text


def refresh(path: Path, timeout: int = 600) -> float:
    """Execute ``path`` top to bottom in a fresh kernel under the reference arithmetic, normalise it and
    write it back (this sets the kernel environment in ``os.environ``)."""
    from nbclient import NotebookClient

    os.environ.update(KERNEL_ENV)
    os.environ.update(reference_arithmetic())
    os.environ.pop("MPLBACKEND", None)  # ipykernel must pick the inline backend
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    path.write_text(dumps(normalise(nb)), encoding="utf-8")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["refresh", "check", "normalise"])
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or all_notebooks()
    if args.command == "check":
        bad = [p for p in paths if not is_normalised(p)]
        for p in bad:
            shown = p.relative_to(ROOT) if p.is_relative_to(ROOT) else p
            print(f"not normalised: {shown} (run: python tools/notebooks.py normalise {shown}, "
                  "or refresh it if it was edited)")
        return 1 if bad else 0
    if args.command == "normalise":
        for p in paths:
            text = p.read_text(encoding="utf-8")
            new = dumps(normalise(nbformat.reads(text, as_version=4)))
            if new != text:
                p.write_text(new, encoding="utf-8")
                print(f"normalised {p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}")
        return 0
    for p in paths:
        elapsed = refresh(p)
        print(f"{p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}: executed in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
