"""The reader front-end on every exercise: per-line latency and the planted slips' diagnoses.

    .venv/bin/python benchmarks/bench_reader.py             # the latency table and the diagnosis counts
    .venv/bin/python benchmarks/bench_reader.py --verbose   # also every line over 1 s and every missed slip

Each exercise's reference solution and each planted slip is checked with ``Exercise.run`` (as
``ex.check`` does in a notebook). The time of one line is the wall clock of deciding its step (the
engine's routes and, for a broken step, the diagnosis search); the comparison of the last line with the
target counts as one more step, and a line holding several relations as one step per relation. Parsing
a whole working is timed once and shared out over its steps.
A slip counts as *right* when the first broken step's diagnosis is the one the exercise names, *wrong*
when it names another, *none* when there is none. It is a benchmark, not a test: the machine may be
shared, so read the numbers as an upper bound; tests/test_exercises.py asserts the verdicts, never the
times.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emlib.derivation import _working  # noqa: E402
from emlib.exercises import EXERCISES  # noqa: E402

_TIMES: list[float] = []


def _timed(fn):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _TIMES.append(time.perf_counter() - start)
    return wrapper


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list lines over 1 s and slips not diagnosed right")
    parser.add_argument("--only", default="", help="comma-separated exercise ids (default: all)")
    args = parser.parse_args(argv)
    # time each step where the checker decides it (the same functions check_working calls)
    _working._expression_step = _timed(_working._expression_step)
    _working._implication_step = _timed(_working._implication_step)
    wanted = {s.strip() for s in args.only.split(",") if s.strip()}
    rows: dict[str, list[tuple[str, float]]] = {"reference": [], "slip": []}
    counts = {"right": 0, "wrong": 0, "none": 0}
    missed = []
    total_start = time.perf_counter()
    for ex in EXERCISES.values():
        if wanted and ex.id not in wanted:
            continue
        runs = [("reference", ex.solution, None)] + [("slip", s.lines, s) for s in ex.slips]
        for kind, lines, slip in runs:
            _TIMES.clear()
            start = time.perf_counter()
            result = ex.run(list(lines))
            whole = time.perf_counter() - start
            steps = list(_TIMES)
            # the target comparison's step is timed like the others; parsing is shared out over the steps
            rest = max(0.0, whole - sum(steps))
            per_line = [t + rest / max(1, len(steps)) for t in steps]
            rows[kind] += [(ex.id, t) for t in per_line]
            if slip is not None:
                broken = [v for v in result.report.verdicts if v.status == "breaks"]
                got = broken[0].diagnosis.kind if broken and broken[0].diagnosis else None
                verdict = "right" if got == slip.diagnosis else ("none" if got is None else "wrong")
                counts[verdict] += 1
                if verdict != "right":
                    missed.append((ex.id, slip.diagnosis, got))
    total = time.perf_counter() - total_start
    print("| solutions | steps | median ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    everything = []
    for kind, values in rows.items():
        times = [t * 1000 for _, t in values]
        everything += times
        if times:
            print(f"| {kind} | {len(times)} | {statistics.median(times):.0f} | {_percentile(times, 0.95):.0f} | "
                  f"{max(times):.0f} |")
    if everything:
        print(f"| all | {len(everything)} | {statistics.median(everything):.0f} | "
              f"{_percentile(everything, 0.95):.0f} | {max(everything):.0f} |")
    print()
    n_slips = sum(counts.values())
    print(f"planted slips: {n_slips}; diagnosis right {counts['right']}, wrong {counts['wrong']}, "
          f"none {counts['none']}")
    print(f"total wall clock {total:.1f} s")
    if args.verbose:
        for kind, values in rows.items():
            for ex_id, t in values:
                if t > 1.0:
                    print(f"slow: {kind} {ex_id} {1000 * t:.0f} ms")
        for ex_id, want, got in missed:
            print(f"slip {ex_id}: wanted {want!r}, got {got!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
