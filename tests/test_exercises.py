"""emlib.exercises: every reference solution passes, every planted slip gets its diagnosis, and the
notebook-facing helpers print stable text without the solutions."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from emlib.exercises import EXERCISES, NOT_ATTEMPTED, exercise, exercises

ROOT = Path(__file__).resolve().parents[1]
ALL = list(EXERCISES.values())


def test_at_least_25_exercises_and_3_per_notebook():
    assert len(ALL) >= 25
    per = Counter(e.id.split(".")[0] for e in ALL)
    assert {f"{i:02d}" for i in range(1, 9)} <= set(per)
    assert all(per[f"{i:02d}"] >= 3 for i in range(1, 9)), per


def test_ids_titles_and_notebooks():
    for e in ALL:
        assert e.id == f"{e.id.split('.')[0]}.{int(e.id.split('.')[1])}"
        assert (ROOT / "notebooks" / f"{e.notebook}.ipynb").is_file(), e.notebook
        assert e.notebook.startswith(e.id.split(".")[0])
        assert e.title and e.statement and e.hints and e.solution and e.slips
    assert [e.id for e in exercises("03")] == [e.id for e in ALL if e.id.startswith("03.")]
    assert exercises("03_gmm_em_derivation") == exercises("03")


@pytest.mark.parametrize("ex", ALL, ids=[e.id for e in ALL])
def test_the_reference_solution_passes(ex):
    result = ex.run(list(ex.solution))
    assert result.solved, ex.result_text(result)
    assert "Exercise " + ex.id + ": solved." in ex.result_text(result)


@pytest.mark.parametrize("ex, k", [(e, k) for e in ALL for k in range(len(e.slips))],
                         ids=[f"{e.id}-{k}" for e in ALL for k in range(len(e.slips))])
def test_a_planted_slip_gets_the_intended_diagnosis(ex, k):
    slip = ex.slips[k]
    result = ex.run(list(slip.lines))
    assert not result.solved
    broken = [v for v in result.report.verdicts if v.status == "breaks"]
    assert broken, ex.result_text(result)
    assert broken[0].diagnosis is not None and broken[0].diagnosis.kind == slip.diagnosis, ex.result_text(result)


def test_the_unattempted_state_is_stable(capsys):
    ex = exercise("03.2")
    result = ex.check([])
    assert capsys.readouterr().out == f"Exercise 03.2: {NOT_ATTEMPTED}\n"
    assert NOT_ATTEMPTED == "not attempted yet: write your lines in the list above"
    assert not result.attempted and not result.solved
    assert result._ipython_display_() is None  # nothing more is shown under the printed text


def test_the_statement_never_reveals_the_solution(capsys):
    for ex in ALL:
        ex.show()
        shown = capsys.readouterr().out
        assert shown.startswith(f"Exercise {ex.id}: {ex.title}")
        for line in ex.solution:
            if not isinstance(line, str):
                continue
            text = re.sub(r"^\s*(=|\\Rightarrow|\\le|\\ge)\s*", "", line).strip()
            if len(text) > 25 and text != ex.target and text != ex.start:
                assert text not in shown, (ex.id, line)


def test_hint_arguments(capsys):
    ex = exercise("01.1")
    ex.hint(1)
    assert capsys.readouterr().out.startswith("Hint 1 of 3: ")
    with pytest.raises(ValueError, match="hints 1 .. 3"):
        ex.hint(4)
    with pytest.raises(TypeError):
        ex.hint("1")
    with pytest.raises(KeyError, match="no exercise"):
        exercise("99.1")


def test_check_prints_the_report_and_the_target(capsys):
    ex = exercise("04.2")
    ex.check([r"= K + 2Kd - 1"])
    out = capsys.readouterr().out
    assert "[holds:" in out and "Target: not reached yet" in out and out.rstrip().endswith("not solved yet.")
    ex.check([r"= K + 2Kd - 1", r"= K(2d+1) - 1"])
    out = capsys.readouterr().out
    assert "Target: reached" in out and out.rstrip().endswith("Exercise 04.2: solved.")


def test_in_jupyter_check_and_hint_show_typeset_markdown_with_a_stable_plain_text(monkeypatch, capsys):
    from emlib.derivation import _derivation

    shown = []
    monkeypatch.setattr(_derivation, "_kernel_display", lambda: lambda bundle, raw: shown.append(bundle))
    ex = exercise("04.2")
    result = ex.check([r"= 2K(2d+1) - 2"])
    ex.hint(1)
    assert capsys.readouterr().out == ""  # displayed, not printed
    check, hint = shown
    assert check["text/plain"] == ex.result_text(result)
    md = check["text/markdown"]
    assert r"- line 1: $= 2K(2d+1) - 2$ — **breaks**" in md
    assert r"read as $2 K \left(2 d + 1\right) - 2$" in md
    assert "diagnosis (factor 2)" in md and md.rstrip().endswith("Exercise 04.2: not solved yet.")
    assert hint["text/plain"] == "Hint 1 of 1: " + ex.hints[0]
    assert hint["text/markdown"] == "**Hint 1 of 1.** " + ex.hints[0] and "$Kd$" in hint["text/markdown"]


def test_markdown_math_in_a_diagnosis_stays_math_and_prose_is_escaped():
    from emlib.exercises._base import _md_mixed

    assert _md_mixed(r"the sign of ($x - 3$) is flipped at x_1 = 2") == r"the sign of ($x - 3$) is flipped at x\_1 = 2"
    assert _md_mixed("costs $5") == r"costs \$5"  # an unpaired $ is no math


def test_the_readme_counts_the_exercises():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`emlib.exercises` holds {len(ALL)} exercises" in readme
