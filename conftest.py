"""Test-session set-up shared by the unit tests and the nbval notebook runs."""

from __future__ import annotations

import os
from pathlib import Path

# Kernels started by nbval inherit this process's environment. The hash seed is forced (set ordering
# and hence printed output depend on it); the BLAS thread counts default to 1 but may be overridden from
# outside. Nothing else is set: the kernels compute with this machine's own OpenBLAS kernel and SIMD
# level, while the stored outputs were written under tools/notebooks.py's reference arithmetic (two
# threads, generic kernel, no SIMD), so every run compares two arithmetics (tests/test_determinism.py).
os.environ["PYTHONHASHSEED"] = "0"
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
os.environ.pop("MPLBACKEND", None)  # an inherited Agg backend would suppress every figure output

collect_ignore_glob = ["**/.ipynb_checkpoints/*"]


def pytest_configure(config):
    # nbval opens the sanitize file relative to the current directory; make it work from anywhere.
    opt = getattr(config.option, "nbval_sanitize_with", None)
    if opt and not Path(opt).is_absolute() and not Path(opt).exists():
        config.option.nbval_sanitize_with = str(Path(config.rootpath) / opt)


# The longest test modules first: pytest-xdist (--dist loadfile) hands out whole files in collection order,
# so a long file collected last would start when the other worker is already idle.
_LONGEST_FIRST = ("tests/test_site.py", "tests/test_bite.py", "tests/test_mutation_quick.py")


def pytest_collection_modifyitems(session, config, items):
    def rank(item):
        path = item.nodeid.split("::", 1)[0]
        return _LONGEST_FIRST.index(path) if path in _LONGEST_FIRST else len(_LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a file, and of the other files, is kept
