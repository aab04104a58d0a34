"""Test-session set-up shared by the unit tests and the nbval notebook runs."""

from __future__ import annotations

import os
from pathlib import Path

# Kernels started by nbval inherit this process's environment: fix hash seeds and BLAS threads so the
# stored outputs (written by tools/notebooks.py with the same values) are reproduced exactly.
os.environ.update(
    {
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
)
os.environ.pop("MPLBACKEND", None)  # an inherited Agg backend would suppress every figure output

collect_ignore_glob = ["**/.ipynb_checkpoints/*"]


def pytest_configure(config):
    # nbval opens the sanitize file relative to the current directory; make it work from anywhere.
    opt = getattr(config.option, "nbval_sanitize_with", None)
    if opt and not Path(opt).is_absolute() and not Path(opt).exists():
        config.option.nbval_sanitize_with = str(Path(config.rootpath) / opt)
