"""Benchmark: emlib's KMeans (Lloyd) and k-means++ seeding against scikit-learn's, in one process.

Run ``make bench`` (or ``.venv/bin/python benchmarks/bench_kmeans.py``; ``--help`` lists the options).

Lloyd: both libraries fit the same seeded data (one Gaussian cloud, so that Lloyd keeps moving points
and runs every requested iteration) from the same initial centres (``n_clusters`` distinct data
points) with ``max_iter=20`` and ``tol=0``; ``n_iter_`` of both is checked, and the labels are
compared (they must be identical). The time is that of the whole ``fit`` (validation included, as a
user sees it). k-means++: ``sklearn.cluster.kmeans_plusplus`` against ``emlib.kmeans.kmeans_plusplus``
with the same default number of local trials. Fits of the two libraries are interleaved (their order
alternates between repeats); each time is the median over the repeats and each ratio the median of
the per-repeat ratios emlib / scikit-learn (below 1: emlib is faster).

This is a benchmark, not a test: nothing here asserts a timing. ``tests/test_bench_smoke.py`` runs it
on tiny data.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans as SkKMeans
from sklearn.cluster import kmeans_plusplus as sk_kmeans_plusplus
from threadpoolctl import threadpool_limits

from emlib.kmeans import KMeans, kmeans_plusplus

# (N, d, K): the sizes of issue 17
CONFIGS = [(200_000, 2, 8), (100_000, 16, 16), (50_000, 64, 10)]


def make_cloud(n: int, d: int, seed: int = 0) -> np.ndarray:
    """Seeded standard-normal data (no cluster structure: Lloyd does not converge within 20 iterations)."""
    return np.random.default_rng(seed).normal(size=(n, d))


def _timed(fun):
    gc.collect()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        out = fun()
        return time.perf_counter() - t0, out


@dataclass
class Row:
    label: str
    sk_lloyd_ms: float
    em_lloyd_ms: float
    lloyd_ratio: float
    n_iter: int
    same_labels: bool
    sk_pp_ms: float
    em_pp_ms: float
    pp_ratio: float


def bench_kmeans(n: int, d: int, K: int, *, iters: int, repeats: int) -> Row:
    X = make_cloud(n, d)
    init = X[np.random.default_rng(1).choice(n, K, replace=False)].copy()

    def sk_fit():
        return SkKMeans(K, init=init, n_init=1, max_iter=iters, tol=0.0, algorithm="lloyd").fit(X)

    def em_fit():
        return KMeans(K, init=init, n_init=1, max_iter=iters, tol=0.0).fit(X)

    times = {"sk": [], "em": [], "sk_pp": [], "em_pp": []}
    same = True
    n_iter = -1
    for r in range(repeats):
        lloyd = [("sk", sk_fit), ("em", em_fit)]
        pp = [("sk_pp", lambda: sk_kmeans_plusplus(X, K, random_state=r)),
              ("em_pp", lambda: kmeans_plusplus(X, K, random_state=r))]
        if r % 2:
            lloyd.reverse()
            pp.reverse()
        fits = {}
        for name, fun in lloyd + pp:
            elapsed, fits[name] = _timed(fun)
            times[name].append(elapsed)
        if fits["sk"].n_iter_ != fits["em"].n_iter_:
            raise RuntimeError(f"n_iter_ differs: scikit-learn {fits['sk'].n_iter_}, emlib {fits['em'].n_iter_}")
        n_iter = fits["em"].n_iter_
        same = same and bool(np.array_equal(fits["sk"].labels_, fits["em"].labels_))
    return Row(
        f"{n:,} x {d}, K={K}",
        1e3 * statistics.median(times["sk"]),
        1e3 * statistics.median(times["em"]),
        statistics.median(e / s for e, s in zip(times["em"], times["sk"])),
        n_iter,
        same,
        1e3 * statistics.median(times["sk_pp"]),
        1e3 * statistics.median(times["em_pp"]),
        statistics.median(e / s for e, s in zip(times["em_pp"], times["sk_pp"])),
    )


def print_table(rows: list[Row]) -> None:
    print("| N x d, K | sklearn Lloyd ms | emlib Lloyd ms | ratio emlib/sklearn | iterations | identical labels "
          "| sklearn k-means++ ms | emlib k-means++ ms | ratio emlib/sklearn |")
    print("|---|---:|---:|---:|---:|:---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r.label} | {r.sk_lloyd_ms:.1f} | {r.em_lloyd_ms:.1f} | {r.lloyd_ratio:.2f} | {r.n_iter} "
              f"| {'yes' if r.same_labels else 'NO'} | {r.sk_pp_ms:.1f} | {r.em_pp_ms:.1f} | {r.pp_ratio:.2f} |")


def main(argv: list[str] | None = None) -> list[Row]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, nargs="+", default=[1], help="BLAS/OpenMP thread counts (default: 1)")
    p.add_argument("--repeats", type=int, default=7, help="timed repeats per configuration (default 7)")
    p.add_argument("--iters", type=int, default=20, help="Lloyd iterations (max_iter, tol=0; default 20)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every N by this (e.g. 0.01 for a quick run)")
    a = p.parse_args(argv)

    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; {os.cpu_count()} CPUs")
    rows: list[Row] = []
    for threads in a.threads:
        with threadpool_limits(threads):  # BLAS of both libraries and scikit-learn's OpenMP
            print(f"\n### K-means, BLAS/OpenMP threads = {threads}\n")
            table = [bench_kmeans(max(200, int(n * a.scale)), d, K, iters=a.iters, repeats=a.repeats)
                     for n, d, K in CONFIGS]
            print_table(table)
            rows += table
    print(f"\nload average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return rows


if __name__ == "__main__":
    main()
