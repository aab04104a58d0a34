"""Time each notebook's execution in a fresh kernel, without writing anything back.

    .venv/bin/python benchmarks/time_notebooks.py [NOTEBOOK ...]   # default: every notebook

The kernel gets the environment `make test` runs the notebooks in (conftest.py: PYTHONHASHSEED=0, one
BLAS thread, this machine's own arithmetic), not the reference arithmetic the stored outputs are written
under (tools/notebooks.py). Prints a Markdown table of wall times (kernel start-up excluded) and the
load average before and after, since other work on the machine inflates the times.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from notebooks import KERNEL_ENV, KERNELSPEC, all_notebooks  # noqa: E402


def time_notebook(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        return time.perf_counter() - start


def main(argv: list[str]) -> int:
    os.environ.update(KERNEL_ENV)
    # as make test runs them (conftest.py): one BLAS thread, this machine's own arithmetic
    os.environ.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    os.environ.pop("MPLBACKEND", None)
    paths = [Path(p).resolve() for p in argv] or all_notebooks()
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("| notebook | execution time (s) |")
    print("|---|---:|")
    for path in paths:
        print(f"| {path.name} | {time_notebook(path):.1f} |", flush=True)
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
