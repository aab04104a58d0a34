"""The step checker on its adversarial corpus (tests/checker_corpus.py).

Every false claim must be rejected except the documented known false accepts (claims that no
finite set of points can refute, such as a strict inequality that fails only at irrational points);
every hard true claim must be accepted. benchmarks/bench_checker.py prints the rates and timings.
"""

from __future__ import annotations

import pytest
from checker_corpus import CASES, FALSE_CASES, TRUE_CASES, run_case

#: False claims that random and special points cannot refute: the value reaches zero only at
#: irrational points (sin x = -1 at x = -pi/2 + 2 pi k). Counted as false accepts by the benchmark.
KNOWN_FALSE_ACCEPTS = {"sin(x) + 1 > 0 (strict)"}


def test_corpus_size_and_coverage():
    assert len(FALSE_CASES) >= 100 and len(TRUE_CASES) >= 60
    kinds = {c.kind for c in FALSE_CASES}
    assert kinds >= {"equal", "derivative", "stationary", "lagrange", "positive", "close", "holds", "gradient"}
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"
    assert len(KNOWN_FALSE_ACCEPTS) <= 0.02 * len(FALSE_CASES)


@pytest.mark.parametrize("case", FALSE_CASES, ids=lambda c: c.id)
def test_false_claim_is_rejected(case):
    accepted, message = run_case(case)
    if case.id in KNOWN_FALSE_ACCEPTS:
        assert accepted, f"{case.id} is now rejected: remove it from KNOWN_FALSE_ACCEPTS"
        return
    assert not accepted, f"false claim accepted: {case.id} ({message})"


@pytest.mark.parametrize("case", TRUE_CASES, ids=lambda c: c.id)
def test_true_claim_is_accepted(case):
    accepted, message = run_case(case)
    assert accepted, f"true claim rejected: {case.id} ({message})"
