"""Smoke tests of the benchmarks (bench_gmm.py, bench_default_fit.py, bench_kmeans.py) on tiny data.

They are benchmarks, so no timing is asserted; their own correctness checks (same fit, identical
labels, every iteration run) are.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_gmm.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_gmm", _PATH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_gmm"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop("bench_gmm", None)


@pytest.mark.parametrize("cov_type", ["full", "diag", "spherical"])
def test_gaussian_row_is_complete_and_libraries_agree(bench, cov_type):
    row = bench.bench_gaussian(3000, 3, 3, cov_type, k=2, repeats=1)
    # differenced timings of tiny fits are noise (even negative on a busy machine): only finite
    assert np.isfinite([row.sk_ms, row.em_ms, row.ratio]).all()
    # same data, same start, same iterations: the same fit (the benchmark's own correctness check)
    assert row.dll < 1e-10
    assert row.em_mib > 0 and row.sk_mib > 0


def test_bernoulli_row_has_no_sklearn_columns(bench):
    row = bench.bench_bernoulli(2000, 10, 3, k=2, repeats=1)
    assert row.sk_ms is None and row.ratio is None and np.isfinite(row.em_ms)


def test_blobs_are_seeded(bench):
    np.testing.assert_array_equal(bench.make_blobs(500, 2, 3), bench.make_blobs(500, 2, 3))


def test_main_prints_tables(bench, capsys):
    bench.main(["--scale", "0.001", "--repeats", "1", "--iters", "1", "--threads", "1", "--no-memory"])
    out = capsys.readouterr().out
    assert "| N x d, K, covariance |" in out and "no Bernoulli mixture" in out
    # one table row per configuration
    n_rows = len(bench.FULL_CONFIGS) + len(bench.OTHER_CONFIGS) + len(bench.BERNOULLI_CONFIGS)
    assert sum(1 for line in out.splitlines() if line.startswith("| ") and "K=" in line.split("|")[1]) == n_rows
    assert not math.isnan(float(out.split("| 1,000 x 2, K=5, full |")[1].split("|")[1]))


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, _PATH.parent / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def bench_kmeans():
    yield _load("bench_kmeans")
    sys.modules.pop("bench_kmeans", None)


@pytest.fixture(scope="module")
def bench_fit():
    yield _load("bench_default_fit")
    sys.modules.pop("bench_default_fit", None)


def test_kmeans_rows_have_identical_labels_and_every_iteration(bench_kmeans, capsys):
    rows = bench_kmeans.main(["--scale", "0.002", "--repeats", "1", "--iters", "3"])
    out = capsys.readouterr().out
    assert len(rows) == len(bench_kmeans.CONFIGS)
    assert all(r.same_labels and r.n_iter == 3 for r in rows)  # the benchmark's own correctness check
    assert all(np.isfinite([r.sk_lloyd_ms, r.em_lloyd_ms, r.lloyd_ratio, r.sk_pp_ms, r.em_pp_ms]).all() for r in rows)
    assert sum(line.startswith("| ") and "K=" in line for line in out.splitlines()) == len(rows)


def test_default_fit_rows_are_complete(bench_fit, capsys):
    rows = bench_fit.main(["--scale", "0.002", "--seeds", "1"])
    out = capsys.readouterr().out
    assert [r.label for r in rows] == ["2,000 x 2, K=5", "500 x 8, K=8"]
    for r in rows:
        assert np.isfinite([r.sk_s, r.em_s, r.ratio, r.sk_ll, r.em_ll, r.dll]).all()
        assert r.sk_iter >= 1 and r.em_iter >= 1
    assert "emlib - sklearn (median per seed)" in out
