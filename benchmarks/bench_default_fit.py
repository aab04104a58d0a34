"""Benchmark: a default ``GaussianMixture(K, random_state=s).fit(X)``, emlib against scikit-learn, end to end.

Run ``make bench`` (or ``.venv/bin/python benchmarks/bench_default_fit.py``; ``--help`` lists the options).

What a user pays for a fit with the default settings of both libraries (K-means initialisation,
``tol=1e-3``, ``max_iter=100``, ``covariance_type="full"``): the wall time of ``fit`` including input
validation, initialisation and every EM iteration, on the seeded Gaussian blobs of
``benchmarks/bench_gmm.py``. For each seed ``s`` both libraries fit with ``random_state=s``,
interleaved (their order alternates between seeds). Printed per configuration: the median time of
each, the median of the per-seed ratios scikit-learn / emlib, the median number of EM iterations,
the median over seeds of each library's final mean log-likelihood ``score(X)`` and the median of the
per-seed differences emlib - scikit-learn (negative: emlib's fit is worse). The two initialisations
differ (emlib runs K-means on a 10,000-sample subsample; scikit-learn on all the data), so a seed
can end in different local optima; the medians are what the issue's quality target is about.

This is a benchmark, not a test: nothing here asserts a timing. ``tests/test_bench_smoke.py`` runs it
on tiny data.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.mixture import GaussianMixture as SkGaussianMixture
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_gmm import make_blobs  # noqa: E402  (the same data as the per-iteration benchmark)

from emlib.mixture import GaussianMixture  # noqa: E402

# (N, d, K): the sizes of issue 17
CONFIGS = [(1_000_000, 2, 5), (100_000, 8, 8)]


@dataclass
class Row:
    label: str
    sk_s: float
    em_s: float
    ratio: float
    sk_iter: float
    em_iter: float
    sk_ll: float
    em_ll: float
    dll: float


def _fit(make, X: np.ndarray):
    est = make()
    gc.collect()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a seed that needs more than max_iter=100 iterations warns
        t0 = time.perf_counter()
        est.fit(X)
        elapsed = time.perf_counter() - t0
    return elapsed, est


def bench_default_fit(n: int, d: int, K: int, *, seeds: int) -> Row:
    X = make_blobs(n, d, K)
    t = {"sk": [], "em": []}
    it = {"sk": [], "em": []}
    ll = {"sk": [], "em": []}
    for s in range(seeds):
        order = [("sk", lambda: SkGaussianMixture(K, random_state=s)), ("em", lambda: GaussianMixture(K, random_state=s))]
        if s % 2:
            order.reverse()
        for name, make in order:
            elapsed, est = _fit(make, X)
            t[name].append(elapsed)
            it[name].append(est.n_iter_)
            ll[name].append(float(est.score(X)))
    return Row(
        f"{n:,} x {d}, K={K}",
        statistics.median(t["sk"]),
        statistics.median(t["em"]),
        statistics.median(a / b for a, b in zip(t["sk"], t["em"])),
        statistics.median(it["sk"]),
        statistics.median(it["em"]),
        statistics.median(ll["sk"]),
        statistics.median(ll["em"]),
        statistics.median(b - a for a, b in zip(ll["sk"], ll["em"])),
    )


def print_table(rows: list[Row]) -> None:
    print("| N x d, K | sklearn s | emlib s | ratio sklearn/emlib | sklearn EM iterations | emlib EM iterations "
          "| sklearn mean log-lik | emlib mean log-lik | emlib - sklearn (median per seed) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r.label} | {r.sk_s:.3f} | {r.em_s:.3f} | {r.ratio:.1f} | {r.sk_iter:g} | {r.em_iter:g} "
              f"| {r.sk_ll:.5f} | {r.em_ll:.5f} | {r.dll:+.1e} |")


def main(argv: list[str] | None = None) -> list[Row]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, nargs="+", default=[1], help="BLAS/OpenMP thread counts (default: 1)")
    p.add_argument("--seeds", type=int, default=7, help="random_state = 0 .. seeds-1 (default 7)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every N by this (e.g. 0.01 for a quick run)")
    a = p.parse_args(argv)

    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; {os.cpu_count()} CPUs")
    rows: list[Row] = []
    for threads in a.threads:
        with threadpool_limits(threads):  # BLAS of both libraries and scikit-learn's OpenMP (its K-means)
            print(f"\n### Default GaussianMixture fit end to end, BLAS/OpenMP threads = {threads}, "
                  f"seeds 0..{a.seeds - 1}\n")
            table = [bench_default_fit(max(500, int(n * a.scale)), d, K, seeds=a.seeds) for n, d, K in CONFIGS]
            print_table(table)
            rows += table
    print(f"\nload average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return rows


if __name__ == "__main__":
    main()
