"""Benchmark: emlib's mixture EM against scikit-learn's, per EM iteration, in one process.

Run ``make bench`` (or ``.venv/bin/python benchmarks/bench_gmm.py``; ``--help`` lists the options).

For each configuration both libraries fit the same seeded data from the same initial parameters
(``weights_init``, ``means_init``, ``precisions_init``) with ``tol=0``, so neither stops early
(``n_iter_`` of both is checked). The time of one EM iteration is ``(t(2k) - t(k)) / k`` with ``t(j)``
the wall time of a fit with ``max_iter=j``: initialisation and input validation cancel. The fits of the
two libraries are interleaved (their order alternates between repeats) so that a change of machine load
hits both. Printed per configuration: the median ms per iteration of each, the median of the per-repeat
ratios scikit-learn / emlib, the absolute difference of the final mean log-likelihoods (each library's
``score(X)`` after ``2k`` iterations) and, in a separate untimed run under ``tracemalloc`` (which sees
numpy's allocations), the peak memory increase of one fit with the data already in memory.

This is a benchmark, not a test: nothing here asserts a timing. ``tests/test_bench_smoke.py`` runs it
on tiny data.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
import tracemalloc
import warnings
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits
from sklearn.mixture import GaussianMixture as SkGaussianMixture

from emlib.mixture import BernoulliMixture, GaussianMixture

# (N, d, K, covariance_type): the issue's targets, then the diag/spherical rows
FULL_CONFIGS = [(1_000_000, 2, 5, "full"), (100_000, 8, 8, "full"), (200_000, 32, 4, "full")]
OTHER_CONFIGS = [
    (1_000_000, 2, 5, "diag"),
    (1_000_000, 8, 5, "diag"),
    (1_000_000, 2, 5, "spherical"),
    (1_000_000, 8, 5, "spherical"),
]
BERNOULLI_CONFIGS = [(200_000, 50, 10)]


def make_blobs(n: int, d: int, K: int, seed: int = 0) -> np.ndarray:
    """Seeded Gaussian blobs: centres N(0, 4^2 I), covariances Q diag(U(0.5, 2)) Q^T (Q random orthogonal)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(K, d))
    factors = []
    for _ in range(K):
        Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        factors.append(Q * np.sqrt(rng.uniform(0.5, 2.0, size=d)))  # Sigma = Q diag(lam) Q^T
    z = rng.integers(K, size=n)
    X = np.empty((n, d))
    for k in range(K):
        idx = np.flatnonzero(z == k)
        X[idx] = centres[k] + rng.normal(size=(idx.size, d)) @ factors[k].T
    return X


def initial_parameters(X: np.ndarray, K: int, cov_type: str, seed: int = 1) -> dict:
    """The same starting point for both libraries: uniform weights, K data points, unit precisions."""
    rng = np.random.default_rng(seed)
    d = X.shape[1]
    prec = {"full": np.tile(np.eye(d), (K, 1, 1)), "tied": np.eye(d), "diag": np.ones((K, d)), "spherical": np.ones(K)}
    return dict(
        weights_init=np.full(K, 1.0 / K),
        means_init=X[rng.choice(X.shape[0], K, replace=False)].copy(),
        precisions_init=prec[cov_type],
    )


def _fit(make, X: np.ndarray, n_iter: int):
    est = make(n_iter)
    gc.collect()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both libraries warn that tol=0 was not reached
        t0 = time.perf_counter()
        est.fit(X)
        elapsed = time.perf_counter() - t0
    if est.n_iter_ != n_iter:
        raise RuntimeError(f"{type(est).__module__}: n_iter_={est.n_iter_}, expected {n_iter}")
    return elapsed, est


def _peak_mib(make, X: np.ndarray, n_iter: int) -> float:
    """Peak traced memory increase (MiB) of one fit, the data already allocated."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make(n_iter).fit(X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - base) / 2**20


@dataclass
class Row:
    label: str
    sk_ms: float | None
    em_ms: float
    ratio: float | None
    dll: float | None
    sk_mib: float | None
    em_mib: float


def bench_gaussian(n: int, d: int, K: int, cov_type: str, *, k: int, repeats: int, memory: bool = True) -> Row:
    X = make_blobs(n, d, K)
    init = initial_parameters(X, K, cov_type)
    common = dict(n_components=K, covariance_type=cov_type, tol=0.0, reg_covar=1e-6, **init)

    def sk(j):
        return SkGaussianMixture(max_iter=j, **common)

    def em(j):
        return GaussianMixture(max_iter=j, **common)

    per_iter = {"sk": [], "em": []}
    final = {}
    for r in range(repeats):
        order = [("sk", sk), ("em", em)] if r % 2 == 0 else [("em", em), ("sk", sk)]
        for name, make in order:
            t1, _ = _fit(make, X, k)
            t2, est = _fit(make, X, 2 * k)
            per_iter[name].append((t2 - t1) / k)
            final[name] = est
    ratios = [s / e for s, e in zip(per_iter["sk"], per_iter["em"])]
    dll = abs(final["em"].score(X) - final["sk"].score(X))
    sk_mib = _peak_mib(sk, X, 2) if memory else float("nan")
    em_mib = _peak_mib(em, X, 2) if memory else float("nan")
    return Row(
        f"{n:,} x {d}, K={K}, {cov_type}",
        1e3 * statistics.median(per_iter["sk"]),
        1e3 * statistics.median(per_iter["em"]),
        statistics.median(ratios),
        dll,
        sk_mib,
        em_mib,
    )


def bench_bernoulli(n: int, d: int, K: int, *, k: int, repeats: int, memory: bool = True) -> Row:
    rng = np.random.default_rng(0)
    means = rng.uniform(0.1, 0.9, size=(K, d))
    X = (rng.uniform(size=(n, d)) < means[rng.integers(K, size=n)]).astype(float)
    init = dict(weights_init=np.full(K, 1.0 / K), means_init=rng.uniform(0.3, 0.7, size=(K, d)))

    def em(j):
        return BernoulliMixture(K, tol=0.0, max_iter=j, **init)

    times = []
    for _ in range(repeats):
        t1, _ = _fit(em, X, k)
        t2, _ = _fit(em, X, 2 * k)
        times.append((t2 - t1) / k)
    em_mib = _peak_mib(em, X, 2) if memory else float("nan")
    return Row(f"{n:,} x {d}, K={K}, Bernoulli", None, 1e3 * statistics.median(times), None, None, None, em_mib)


def _fmt(v: float | None, spec: str) -> str:
    return "n/a" if v is None else format(v, spec)


def print_table(rows: list[Row]) -> None:
    print("| N x d, K, covariance | sklearn ms/iter | emlib ms/iter | ratio sklearn/emlib | abs diff mean log-lik "
          "| sklearn peak MiB | emlib peak MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r.label} | {_fmt(r.sk_ms, '.1f')} | {r.em_ms:.1f} | {_fmt(r.ratio, '.1f')} | {_fmt(r.dll, '.1e')} "
              f"| {_fmt(r.sk_mib, '.1f')} | {r.em_mib:.1f} |")


def memory_scaling(sizes: list[int], d: int = 2, K: int = 5) -> None:
    """emlib's peak memory increase of a fit against N (constant beyond one block)."""
    print(f"| N (d={d}, K={K}, full) | data MiB | emlib peak increase MiB |")
    print("|---:|---:|---:|")
    for n in sizes:
        X = make_blobs(n, d, K)
        init = initial_parameters(X, K, "full")
        mib = _peak_mib(lambda j: GaussianMixture(K, tol=0.0, max_iter=j, **init), X, 2)
        print(f"| {n:,} | {X.nbytes / 2**20:.0f} | {mib:.1f} |")
        del X
        gc.collect()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="BLAS thread counts to run (default: 1 2)")
    p.add_argument("--repeats", type=int, default=5, help="timed repeats per configuration (default 5)")
    p.add_argument("--iters", type=int, default=5, help="k: per-iteration time = (t(2k) - t(k)) / k (default 5)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every N by this (e.g. 0.01 for a quick run)")
    p.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs (memory columns: nan)")
    p.add_argument("--no-memory-scaling", action="store_true", help="skip the N = 1e6 vs 1e7 memory run")
    a = p.parse_args(argv)

    def n_of(n):
        return max(200, int(n * a.scale))

    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; {os.cpu_count()} CPUs")
    for threads in a.threads:
        with threadpool_limits(threads):
            print(f"\n### BLAS threads = {threads}\n")
            rows = [bench_gaussian(n_of(n), d, K, ct, k=a.iters, repeats=a.repeats, memory=not a.no_memory)
                    for n, d, K, ct in FULL_CONFIGS + OTHER_CONFIGS]
            rows += [bench_bernoulli(n_of(n), d, K, k=a.iters, repeats=a.repeats, memory=not a.no_memory)
                     for n, d, K in BERNOULLI_CONFIGS]
            print_table(rows)
    print("\nBernoulliMixture: scikit-learn has no Bernoulli mixture, so there is no ratio.")
    if not (a.no_memory_scaling or a.no_memory):
        print()
        memory_scaling([n_of(1_000_000), n_of(10_000_000)])
    print(f"\nload average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
