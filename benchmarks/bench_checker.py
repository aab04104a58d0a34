"""The step checker against its adversarial corpus: false accepts, false rejects and time per claim.

    .venv/bin/python benchmarks/bench_checker.py            # the table (README, "How a derivation is checked")
    .venv/bin/python benchmarks/bench_checker.py --verbose  # also every wrong verdict and every slow claim

The corpus (tests/checker_corpus.py) holds false claims built to slip past random-point testing, grouped
by the failure they target, and hard true claims. A false claim counts as a false accept when the
checker lets it pass; a true claim counts as a false reject when the checker raises. Timings are wall
clock on this machine, one claim at a time, each on a fresh Derivation. It is a benchmark, not a test:
tests/test_checker_corpus.py asserts the verdicts, never the times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from checker_corpus import CASES, run_case  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list wrong verdicts and claims over 1 s")
    args = parser.parse_args(argv)
    rows: dict[tuple[bool, str], list[tuple[bool, float]]] = defaultdict(list)
    wrong, slow = [], []
    for case in CASES:
        start = time.perf_counter()
        accepted, message = run_case(case)
        elapsed = time.perf_counter() - start
        rows[(case.truth, case.group)].append((accepted == case.truth, elapsed))
        if accepted != case.truth:
            wrong.append((case, message))
        if elapsed > 1.0:
            slow.append((case, elapsed))
    print("| claims | group | n | wrong verdicts | median ms | max ms |")
    print("|---|---|---:|---:|---:|---:|")
    for (truth, group), results in sorted(rows.items(), key=lambda kv: (not kv[0][0], kv[0][1])):
        times = [t * 1000 for _, t in results]
        n_wrong = sum(not ok for ok, _ in results)
        print(f"| {'true' if truth else 'false'} | {group} | {len(results)} | {n_wrong} | "
              f"{statistics.median(times):.0f} | {max(times):.0f} |")
    n_false = sum(not c.truth for c in CASES)
    n_true = len(CASES) - n_false
    fa = sum(not c.truth for c, _ in wrong)
    fr = sum(c.truth for c, _ in wrong)
    all_times = [t for results in rows.values() for _, t in results]
    print()
    print(f"false accepts: {fa} of {n_false} false claims ({100 * fa / n_false:.1f} %)")
    print(f"false rejects: {fr} of {n_true} true claims ({100 * fr / n_true:.1f} %)")
    print(f"time per claim: median {1000 * statistics.median(all_times):.0f} ms, "
          f"90th percentile {1000 * sorted(all_times)[int(0.9 * len(all_times))]:.0f} ms, "
          f"max {1000 * max(all_times):.0f} ms, total {sum(all_times):.1f} s")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end: {load:.1f} on {os.cpu_count()} cores (other work on the machine slows "
          "every claim: the times are upper bounds)")
    if args.verbose:
        for case, message in wrong:
            print(f"WRONG [{'true' if case.truth else 'false'}] {case.id}: {message}")
        for case, elapsed in slow:
            print(f"SLOW {elapsed:.2f} s: {case.id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
