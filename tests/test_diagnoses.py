"""Diagnoses of typical slips: each names the slip that exactly explains a broken step (the engine
confirms the line with the slip undone equals the previous line), the same on every run, and a step
that no slip explains gets none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emlib.derivation import check_working
from emlib.derivation import _diagnose
from emlib.exercises import exercise

CASES = [
    # (kind, previous line, written line, declarations)
    ("swapped indices", r"\sum_{i=1}^{n} w_{ik} x_i", r"= \sum_{i=1}^{n} w_{ki} x_i", ""),
    ("sum limit off by one", r"\sum_{i=1}^{n} x_i^2", r"= \sum_{i=1}^{n-1} x_i^2", "n integer(2, 6)"),
    ("sum limit off by one", r"\sum_{i=1}^{n} x_i^2", r"= \sum_{i=0}^{n} x_i^2", "n integer(2, 6)"),
    ("missing chain-rule factor", r"\frac{d}{dx}\log(1 + x^2)", r"= \frac{1}{1 + x^2}", "x real"),
    ("missing chain-rule factor", r"\frac{d}{dx}\tanh(w x)", r"= 1 - \tanh^2(w x)", "x, w real"),
    ("dropped log-determinant", r"-\frac{1}{2}\log v - \frac{x^2}{2v}", r"= -\frac{x^2}{2v}", "v positive; x real"),
    ("swapped KL direction", r"\sum_{k=1}^{K} p_k \log\frac{p_k}{q_k}",
     r"= \sum_{k=1}^{K} q_k \log\frac{q_k}{p_k}", "p_k, q_k positive; K integer(1, 5)"),
    ("strict inequality", r"x^2 + 1", r"> 2x", "x real"),
    ("reversed inequality", r"x^2 + 1", r"\le 2x", "x real"),
    ("flipped sign", r"(a - b)^2", r"= -(a - b)^2", "a, b real"),
]


@pytest.mark.parametrize("kind, before, after, declare", CASES, ids=[c[0] + f"-{k}" for k, c in enumerate(CASES)])
def test_a_slip_gets_its_diagnosis(kind, before, after, declare):
    report = check_working([before, after], declare=declare)
    step = report.verdicts[-1]
    assert step.status == "breaks", report.text()
    assert step.diagnosis is not None and step.diagnosis.kind == kind, report.text()
    # deterministic: the same working gets the same diagnosis again
    again = check_working([before, after], declare=declare).verdicts[-1]
    assert again.diagnosis == step.diagnosis


def test_no_diagnosis_when_no_slip_explains_the_step():
    report = check_working([r"x^3 + 1", r"= \sin(x) + 7"], declare="x real")
    step = report.verdicts[-1]
    assert step.status == "breaks" and step.diagnosis is None, report.text()


def test_the_candidate_count_is_a_count_not_a_clock():
    source = Path(_diagnose.__file__).read_text(encoding="utf-8")
    assert not re.search(r"\btime\.|perf_counter|monotonic", source)
    calls = []

    def never_equal(a, b):
        calls.append((a, b))
        return False

    import sympy as sp
    x, y = sp.symbols("x y", real=True)
    assert _diagnose.diagnose(x ** 2 + 3 * y + sp.log(x + y), x * y, never_equal, budget=5) is None
    assert len(calls) == 5


def test_the_target_diagnosis_is_said_of_the_readers_line():
    ex = exercise("04.2")  # target K(2d+1) - 1
    result = ex.run([r"= 2K(2d+1) - 2"])
    text = ex.result_text(result)
    target_line = next(t for t in text.splitlines() if t.startswith("Target:"))
    # the reader's line is twice the target: a factor 2 too many, not "a factor 2 is lost"
    assert "twice what it should be" in target_line, text
    assert "half of what it should be" not in target_line, text
