"""The step checker on its adversarial corpus (tests/checker_corpus.py).

Every false claim must be rejected (refuted with a certificate, or refused as malformed) except the
documented known false accepts (claims that no finite set of points can refute, such as a strict
inequality that fails only at irrational points of a transcendental function); every true claim must
be accepted: neither rejected nor undecided. ``test_corpus_table`` prints the table per class (run
with ``-rP`` or ``-s`` to see it); benchmarks/bench_checker.py prints the timings.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

import pytest
from checker_corpus import CASES, FALSE_CASES, TRUE_CASES, verdict_of

#: False claims that certified points cannot refute, counted as false accepts by the table. None today:
#: a strict sign claim whose value reaches zero only at irrational points (sin x = -1 at x = 3 pi / 2) is
#: refuted by an exact root that sympy solves for and simplifies back to 0.
KNOWN_FALSE_ACCEPTS: set[str] = set()
BY_ID = {c.id: c for c in CASES}


@lru_cache(maxsize=None)
def verdict(case_id: str) -> tuple[str, str]:
    """Each case runs once per session (the table and the per-case tests share the verdicts)."""
    return verdict_of(BY_ID[case_id])


def corpus_table() -> tuple[list[str], dict[str, dict[str, int]]]:
    """Lines of the table per class, and the counts behind them."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in CASES:
        v, _ = verdict(c.id)
        row = counts[c.group or c.kind]
        row["true" if c.truth else "false"] += 1
        if c.truth and v == "rejected":
            row["true rejected"] += 1
        if not c.truth and v == "accepted":
            row["false accepted"] += 1
        if v == "undecided":
            row[("true" if c.truth else "false") + " undecided"] += 1
    cols = ["false", "false accepted", "false undecided", "true", "true rejected", "true undecided"]
    width = max(len(g) for g in counts) + 2
    lines = [f"{'class':<{width}}" + " | ".join(f"{c:>15}" for c in cols)]
    total: dict[str, int] = defaultdict(int)
    for group, row in counts.items():
        lines.append(f"{group:<{width}}" + " | ".join(f"{row[c]:>15}" for c in cols))
        for c in cols:
            total[c] += row[c]
    lines.append(f"{'all':<{width}}" + " | ".join(f"{total[c]:>15}" for c in cols))
    return lines, counts


def test_corpus_size_and_coverage():
    assert len(FALSE_CASES) >= 150 and len(TRUE_CASES) >= 100
    kinds = {c.kind for c in FALSE_CASES}
    assert kinds >= {"equal", "derivative", "stationary", "lagrange", "positive", "close", "holds", "gradient"}
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"
    assert len(KNOWN_FALSE_ACCEPTS) <= 0.02 * len(FALSE_CASES)  # noqa: PLR2004
    classes = {c.group for c in CASES}
    for group in ("cancellation", "constants", "integrals and series", "edges", "polynomial inequalities",
                  "assumptions", "written decimals", "bounded cost", "branch cuts", "beyond 512 bits",
                  "jumps and narrow bands", "hidden minima", "large n", "off by one", "special-function identities",
                  "partial domains", "exponentially small", "parametric integrals", "matrix identities", "simplex faces",
                  "integer edges", "irrational minima", "kinks", "limits", "magnitudes", "matrix derivatives",
                  "stationary points", "numeric inputs", "finite differences", "expect_false", "simplex and SPD"):
        assert group in classes
        members = [c for c in CASES if c.group == group]
        assert sum(c.truth for c in members) >= 1 and sum(not c.truth for c in members) >= 3, group


def test_corpus_table():
    lines, counts = corpus_table()
    print("\n" + "\n".join(lines))
    false_accepted = {c.id for c in FALSE_CASES if verdict(c.id)[0] == "accepted"}
    assert false_accepted <= KNOWN_FALSE_ACCEPTS
    assert sum(row["true rejected"] for row in counts.values()) == 0
    assert sum(row["true undecided"] for row in counts.values()) == 0


@pytest.mark.parametrize("case", FALSE_CASES, ids=lambda c: c.id)
def test_false_claim_is_rejected(case):
    v, message = verdict(case.id)
    if case.id in KNOWN_FALSE_ACCEPTS:
        assert v == "accepted", f"{case.id} is now rejected: remove it from KNOWN_FALSE_ACCEPTS"
        return
    assert v != "accepted", f"false claim accepted: {case.id} ({message})"


@pytest.mark.parametrize("case", TRUE_CASES, ids=lambda c: c.id)
def test_true_claim_is_accepted(case):
    v, message = verdict(case.id)
    assert v == "accepted", f"true claim {v}: {case.id} ({message})"
