"""emlib.derivation.check_working: verdicts per line, diagnoses of typical slips, and the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from emlib.derivation import SPD, WorkingParseError, check_working, matrix, symmetric_matrix
from emlib.derivation._diagnose import CATALOGUE

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "working_example.md"


def statuses(report):
    return [v.status for v in report.verdicts]


# ------------------------------------------------------------------ verdicts
def test_a_correct_chain_holds_with_routes():
    r = check_working([r"(x+1)^2 - 1", r"= x^2 + 2x", r"= x(x+2)"])
    assert statuses(r) == ["start", "holds", "holds"]
    assert all(v.route for v in r.verdicts[1:])
    assert r.ok and r.status == "holds" and r.exit_code == 0
    assert r.summary_line() == "2 steps: 2 holds. Every step holds."


def test_a_broken_step_has_a_counterexample_both_values_and_is_named_plainly():
    r = check_working([r"(a+b)^2", r"= a^2 + b^2", r"= a^2 + b^2"])
    assert statuses(r) == ["start", "breaks", "holds"]
    broken = r.first_broken
    assert broken.line == 2 and broken.counterexample and set(broken.counterexample) == {"a", "b"}
    assert broken.values is not None and broken.values[0] != broken.values[1]
    assert "The first broken step is line 2" in r.summary_line()
    assert r.exit_code == 1 and not r.ok


def test_sympy_lines_and_explicit_relations():
    x = sp.Symbol("x", positive=True)
    r = check_working([sp.log(x**2), ("=", 2 * sp.log(x)), ("<=", 2 * x)])
    assert statuses(r) == ["start", "holds", "holds"]


def test_inequalities_in_both_directions_and_strict():
    r = check_working([r"x^2 + 1", r"\ge 2x", r"> 2x - 1", r"< x^2 + 2"])
    assert statuses(r) == ["start", "holds", "holds", "holds"]
    r = check_working([r"x^2", r"\le 2x"])
    assert statuses(r) == ["start", "breaks"]
    assert r.verdicts[1].diagnosis is None  # x^2 >= 2x is false too: no reversed inequality


def test_a_line_with_several_relations_is_split():
    r = check_working([r"(x-1)(x+1) = x^2 - 1 \le x^2"])
    assert [(v.relation, v.status) for v in r.verdicts] == [(None, "start"), ("=", "holds"), ("<=", "holds")]
    assert {v.line for v in r.verdicts} == {1}


def test_undecided_is_never_holds():
    # log of a negative number is not real anywhere on the domain: no evidence either way
    r = check_working([r"\log(-1 - x^2)", r"= \log(-2 - x^2)"])
    assert r.verdicts[1].status in ("undecided", "breaks")
    assert r.verdicts[1].status != "holds"


def test_sums_keep_their_symbolic_sizes():
    # the engine decides the claim for every size it draws, never by expanding two sizes
    r = check_working([r"\sum_{i=1}^{n} (x_i + 1)", r"= n + \sum_{i=1}^{n} x_i"], declare="n integer")
    assert statuses(r) == ["start", "holds"]
    # proved with x_i an undefined function: for every sequence, not only for sizes tried
    assert r.verdicts[1].route.endswith("(for every sequence x_i)"), r.text()
    r = check_working([r"\sum_{i=1}^{n} 1", r"= 3"], declare="n integer")
    assert statuses(r) == ["start", "breaks"]
    # the sizes respect a declared range
    r = check_working([r"\sum_{i=1}^{n} 1", r"= n"], declare="n integer(5, 9)")
    assert statuses(r) == ["start", "holds"]
    r = check_working([r"\sum_{i=1}^{n} 1", r"= 7"], declare="n integer(5, 9)")
    assert statuses(r) == ["start", "breaks"] and r.verdicts[1].counterexample["n"] in {"5", "6", "8", "9"}


def test_declared_domains_are_used():
    assert statuses(check_working([r"\log(a b)", r"= \log a + \log b"], declare="a, b positive")) == ["start", "holds"]
    r = check_working([r"\log(a b)", r"= \log a + \log b"], declare="a, b real")
    assert r.verdicts[1].status != "holds"


def test_definitions_are_substituted():
    r = check_working([r"h_2", r"= \tanh(w h_1)"], define={"h_1": r"\tanh(x)", "h_2": r"\tanh(w\tanh(x))"})
    assert statuses(r) == ["start", "holds"]


def test_explicit_matrices_with_an_spd_domain():
    S = symmetric_matrix("S", 2)
    r = check_working([S * S.inv(), sp.eye(2)], domain=SPD(S))
    assert statuses(r) == ["start", "holds"]


# ------------------------------------------------------------------ implications
@pytest.mark.parametrize("lines, declare, expected", [
    ([r"2x = 4", r"\Rightarrow x = 2"], "", "holds"),
    ([r"x^2 = 4", r"\Rightarrow x = 2"], "x real", "breaks"),
    ([r"x^2 = 4", r"\Rightarrow x = 2"], "x positive", "holds"),
    ([r"x = 2", r"\Rightarrow x^2 = 4"], "", "holds"),
    ([r"\log x = \log y", r"\Rightarrow x = y"], "x, y positive", "holds"),
    ([r"e^{2a} = b", r"\Rightarrow a = \frac{1}{2}\log b"], "a real; b positive", "holds"),
    ([r"\sin x = 0", r"\Rightarrow x = 0"], "x real", "undecided"),
    ([r"x + y = 3", r"\Leftrightarrow y = 3 - x"], "", "holds"),
    ([r"x^2 = x", r"\Leftrightarrow x = 1"], "x real", "breaks"),
    # dividing by a coefficient that may vanish is not a proof
    ([r"a x = a", r"\Rightarrow x = 1"], "a, x real", "undecided"),
    ([r"a x = a", r"\Rightarrow x = 1"], "a positive; x real", "holds"),
    # a solution outside the declared domain is no counterexample
    ([r"x^2 = 4", r"\Rightarrow x = 2"], "x interval(0, 5)", "holds"),
])
def test_implications_are_sound(lines, declare, expected):
    r = check_working(lines, declare=declare)
    assert r.verdicts[-1].status == expected, r.text()


def test_a_broken_implication_gives_a_point_where_the_first_equation_holds():
    r = check_working([r"x^2 = 4", r"\Rightarrow x = 2"], declare="x real")
    v = r.verdicts[-1]
    assert v.counterexample == {"x": "-2.0"}


def test_a_broken_implication_is_shown_where_the_solution_lies_in_its_domain():
    # x = a solves the first equation only where a > 0 (x is positive): the engine is asked for a point with
    # the solution inside x's domain, so a simplified counterexample never leaves it (and the previous line
    # is shown as exactly 0 at a rational solution, not as a rounding residue)
    for declare in ("x positive; a real", "x interval(1/2, 3); a real", "x probability; a real"):
        r = check_working([r"x - a = 0", r"\Rightarrow x = a + a^2"], declare=declare)
        v = r.verdicts[-1]
        assert v.status == "breaks", r.text()
        x = float(v.counterexample["x"])
        assert x == float(v.counterexample["a"]) and (x > 0 if "positive" in declare else
                                                      0.5 <= x <= 3 if "interval" in declare else 0 < x < 1)
        assert v.values[0] in ("0.0 = 0.0", "0 = 0"), v.values


def test_a_derivative_set_to_zero_starts_an_implication():
    r = check_working([r"\frac{d}{dx}\left(x^2 - 6x\right) = 2x - 6 = 0", r"\Rightarrow x = 3"])
    assert statuses(r) == ["start", "holds", "condition", "holds"]


# ------------------------------------------------------------------ unparsable
@pytest.mark.parametrize("line, column", [
    (r"\log(a+b", 9),
    (r"= x + \nabla f", 7),
    (r"= \mu^T x", 7),
    (r"= \operatorname{tr}(A)", 3),
    (r"= x + * y", 5),
])
def test_unparsable_lines_name_line_and_column(line, column):
    r = check_working([r"x", line])
    bad = r.first_unparsable
    assert bad is not None and bad.line == 2
    assert bad.column == column, bad.detail
    assert f"line 2, column {column}" in bad.detail
    assert r.status == "unparsable" and r.exit_code == 2
    assert "Line 2 cannot be read" in r.summary_line()


def test_the_step_after_an_unreadable_line_is_unchecked():
    r = check_working([r"x", r"= \log(x", r"= x"])
    assert statuses(r) == ["start", "unparsable", "unchecked"]


def test_parser_conventions():
    # r_n (x_n - mu)^2 is a product, never a function call; e and pi are constants unless declared
    assert statuses(check_working([r"r (x - m)^2", r"= r x^2 - 2 r x m + r m^2"])) == ["start", "holds"]
    assert statuses(check_working([r"e^{\log 2} \pi", r"= 2\pi"])) == ["start", "holds"]
    assert statuses(check_working([r"\sigma(0)", r"= \frac{1}{2}"])) == ["start", "holds"]
    assert statuses(check_working([r"\sigma(a+b)", r"= \sigma a + \sigma b"], declare=r"\sigma real")) == ["start", "holds"]
    with pytest.raises(ValueError, match="kind"):
        check_working(["x"], declare="x wobbly")
    with pytest.raises(TypeError):
        check_working("x = 1")
    with pytest.raises(ValueError, match="empty"):
        check_working([])
    for kwargs, name in (({"declare": 3}, "declare"), ({"seed": -1}, "seed"), ({"seed": "0"}, "seed"),
                         ({"define": "h = 1"}, "define"), ({"title": 1}, "title"), ({"domain": ["x"]}, "domain")):
        with pytest.raises(TypeError, match=name):
            check_working(["x"], **kwargs)
    r = check_working([object(), "= 1"])
    assert statuses(r) == ["unparsable", "unchecked"]
    assert issubclass(WorkingParseError, ValueError)


# ------------------------------------------------------------------ reports
def test_the_report_is_stable_and_has_html():
    lines = [r"(a+b)^2", r"= a^2 + b^2"]
    one, two = check_working(lines).text(), check_working(lines).text()
    assert one == two
    r = check_working(lines)
    assert "BREAKS" in str(r) and "counterexample:" in str(r)
    html = r._repr_html_()
    assert html.startswith("<table>") and "breaks" in html


# ------------------------------------------------------------------ diagnoses
A = matrix("A", 2)
B = matrix("B", 2)
M = matrix("M", 2)

SLIPS = {
    "flipped sign": [([r"x^2 - 3x", r"= 3x - x^2"], ""), ([r"\frac{d}{dx}(x^2 - 3x)", r"= 2x + 3"], "")],
    "factor 2": [([r"\frac{d}{dx} x^2", r"= x"], ""), ([r"\frac{d}{dx}(x^2 + y^2 x)", r"= 2x + 2y^2"], "")],
    "transpose": [([A * B, (A * B).T], ""), ([matrix("G", 2, 3), matrix("G", 2, 3).T], "")],
    "missing inverse": [([r"\frac{a}{b}", r"= \frac{b}{a}"], "a, b positive"), ([M.inv(), M], "")],
    "log of a sum": [([r"\log(a+b)", r"= \log a + \log b"], "a, b positive"),
                     ([r"\log\sum_{k=1}^{K} p_k", r"= \sum_{k=1}^{K}\log p_k"], "p_k positive; K integer")],
    "dropped sum": [([r"\sum_{i=1}^{n} (x_i + 1)", r"= x_i + n"], "n integer"),
                    ([r"\sum_{i=1}^{n} x_i^2", r"= x_i^2"], "n integer")],
    "changed index": [([r"\sum_{i=1}^{n} x_i y_i", r"= \sum_{i=1}^{n} x_i y_{i+1}"], "n integer"),
                      ([r"\sum_{i=1}^{n} x_i", r"= \sum_{i=1}^{n} x_j"], "n integer")],
    "dropped constant": [([r"-\frac{1}{2}\log(2\pi) - \frac{x^2}{2}", r"= -\frac{x^2}{2}"], "")],
    "dropped term": [([r"a + b + c", r"= a + b"], "")],
    "reversed inequality": [([r"x^2 + 1", r"\le 2x"], "")],
    "strict inequality": [([r"x^2 + 1", r"> 2x"], "")],
    "swapped indices": [([r"\sum_{i=1}^{n} w_{ik} x_i", r"= \sum_{i=1}^{n} w_{ki} x_i"], "")],
    "sum limit off by one": [([r"\sum_{i=1}^{n} x_i^2", r"= \sum_{i=1}^{n-1} x_i^2"], "n integer(2, 6)")],
    "missing chain-rule factor": [([r"\frac{d}{dx}\log(1 + x^2)", r"= \frac{1}{1 + x^2}"], "")],
    "swapped KL direction": [([r"\sum_{k=1}^{K} p_k \log\frac{p_k}{q_k}", r"= \sum_{k=1}^{K} q_k \log\frac{q_k}{p_k}"],
                              "p_k, q_k positive; K integer(1, 5)")],
    "swapped symbols": [([r"\frac{a^2}{b}", r"= \frac{b^2}{a}"], "a, b positive")],
    "dropped log-determinant": [([r"-\frac{1}{2}\log v - \frac{x^2}{2v}", r"= -\frac{x^2}{2v}"], "v positive")],
}


@pytest.mark.parametrize("kind, lines, declare", [(k, lines, d) for k, cases in SLIPS.items() for lines, d in cases])
def test_each_diagnosis_fires_on_its_planted_slip(kind, lines, declare):
    r = check_working(lines, declare=declare)
    v = r.verdicts[-1]
    assert v.status == "breaks", r.text()
    assert v.diagnosis is not None and v.diagnosis.kind == kind, r.text()


def test_every_catalogue_entry_has_a_planted_slip():
    assert set(CATALOGUE) | {"reversed inequality", "strict inequality"} == set(SLIPS)


def test_each_line_shows_how_it_was_read():
    r = check_working([r"\frac{d}{dx} x^3", r"= 3x^2", r"= x \cdot 2x"])
    assert [v.read_as for v in r.verdicts] == ["3 x^{2}", "3 x^{2}", "2 x^{2}"]
    text = r.text().splitlines()
    assert text[1] == "    read as: 3 x^{2}" and text[0].startswith("line 1: ")
    assert "<th>read as</th>" in r._repr_html_() and "<td>$2 x^{2}$</td>" in r._repr_html_()
    bad = check_working([r"x", r"= \frac{1}{"])
    assert bad.verdicts[-1].status == "unparsable" and bad.verdicts[-1].read_as == ""


@pytest.mark.parametrize("lines, declare", [
    ([r"x^2 - 3x", r"= x(x - 3)"], ""),
    ([r"\log(a b)", r"= \log a + \log b"], "a, b positive"),
    ([r"\sum_{i=1}^{n} (x_i + 1)", r"= n + \sum_{i=1}^{n} x_i"], "n integer"),
    ([A * B, A * B], ""),
])
def test_right_steps_get_no_diagnosis(lines, declare):
    r = check_working(lines, declare=declare)
    assert r.ok and all(v.diagnosis is None for v in r.verdicts)


@pytest.mark.parametrize("lines, declare", [
    ([r"a + b", r"= a b + 7"], ""),
    ([r"x^2 - 3x", r"= \frac{x^3}{5} + 1"], ""),
    ([r"\log(a+b)", r"= \log a \cdot \log b"], "a, b positive"),
    ([r"\sum_{i=1}^{n} x_i", r"= n x_1^2"], "n integer"),
    ([A * B, B * A], ""),
])
def test_unrelated_wrong_steps_get_no_diagnosis(lines, declare):
    r = check_working(lines, declare=declare)
    v = r.verdicts[-1]
    assert v.status == "breaks" and v.diagnosis is None, r.text()


# ------------------------------------------------------------------ the command line
def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "emlib.derivation", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_cli_on_the_example_file():
    out = _cli("check", str(EXAMPLE.relative_to(ROOT)))
    assert out.returncode == 1, out.stdout + out.stderr
    text = out.stdout
    assert "[BREAKS]" in text and "diagnosis (factor 2)" in text
    assert "The first broken step is line 28" in text
    assert "Every step holds" in text
    assert text.rstrip().endswith("3 chains checked: 2 holds, 1 breaks")


def test_cli_exit_codes(tmp_path, capsys):
    from emlib.derivation.__main__ import main

    good = tmp_path / "good.md"
    good.write_text("Some prose with `$$ code $$`.\n\n<!-- domain: x positive -->\n$$\n\\log(x^2) \\\\\n= 2\\log x\n$$\n")
    assert main(["check", str(good)]) == 0
    assert "1 chain checked: 1 holds" in capsys.readouterr().out
    bad = tmp_path / "bad.md"
    bad.write_text("$$ x = \\log(x $$\n")
    assert main(["check", str(bad)]) == 2
    assert "line 1, column 14" in capsys.readouterr().out
    undecided = tmp_path / "undecided.md"
    undecided.write_text("<!-- domain: x real -->\n$$\n\\sin x = 0 \\Rightarrow x = 0\n$$\n")
    assert main(["check", str(undecided)]) == 0
    assert main(["check", "--strict", str(undecided)]) == 3
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["check", str(tmp_path / "missing.md")])
    assert exc.value.code == 2


def test_an_identity_before_an_implication_is_named():
    r = check_working([r"\frac{d}{dx}\left(x^2 - 6x\right) = 2x - 6", r"\Rightarrow x = 3"])
    v = r.verdicts[-1]
    assert v.status == "breaks" and "end its line with '= 0'" in v.detail


def test_cli_reads_aligned_blocks(tmp_path, capsys):
    from emlib.derivation.__main__ import main

    work = tmp_path / "aligned.md"
    work.write_text("<!-- domain: x real -->\n$$\n\\begin{aligned}\n(x+1)^2 &= x^2 + 2x + 1 \\\\\n"
                    "        &\\ge 2x + 1\n\\end{aligned}\n$$\n\n<!-- skip -->\n$$ a = b $$\n")
    assert main(["check", str(work)]) == 0
    out = capsys.readouterr().out
    assert "line 5: >= 2x + 1  [holds" in out and "skipped" in out


def test_a_working_checked_again_gets_the_same_report_and_declarations_never_leak():
    lines = [r"\sqrt{x^2}", r"= x"]
    first = check_working(lines, declare="x positive")
    again = check_working(lines, declare="x positive")
    assert first.text() == again.text() and first.status == "holds"
    real = check_working(lines, declare="x real")  # another context: decided afresh
    assert real.status == "breaks", real.text()
    assert check_working(lines, declare="x positive").status == "holds"


def test_a_derivative_set_to_zero_is_a_condition_not_an_identity():
    # "d/dp f = ... = 0" sets the derivative to zero; the steps before it are still checked both ways
    right = check_working([r"\frac{\partial}{\partial p}\left(a \log p - p\right)", r"= \frac{a}{p} - 1", r"= 0"],
                          declare="p, a positive")
    assert [v.status for v in right.verdicts] == ["start", "holds", "condition"]
    wrong = check_working([r"\frac{\partial}{\partial p}\left(a \log p - p\right)", r"= \frac{a}{p} + 1", r"= 0"],
                          declare="p, a positive")
    assert [v.status for v in wrong.verdicts] == ["start", "breaks", "condition"]
    # without a derivative at the start, "= 0" stays a claim that is checked
    assert [v.status for v in check_working([r"x + 1", r"= 0"]).verdicts] == ["start", "breaks"]


# ------------------------------------------------------------------ declared matrices, gradients, engine failures
@pytest.mark.parametrize("lines, declare, expected", [
    ([r"(A B)^T", r"B^T A^T"], "A, B matrix(2)", "holds"),
    ([r"(A B)^T", r"A^T B^T"], "A, B matrix(2)", "breaks"),
    ([r"(A^{-1})^T", r"(A^T)^{-1}"], "A matrix(2)", "holds"),
    ([r"\det(A^{-1})", r"\frac{1}{\det(A)}"], "A matrix(2)", "holds"),
    ([r"\operatorname{tr}(A B)", r"\operatorname{tr}(B A)"], "A, B matrix(2)", "holds"),
    ([r"\nabla_x x^T A x", r"(A + A^T) x"], "A matrix(2); x vector(2)", "holds"),
    ([r"\nabla_x x^T A x", r"2 A x"], "A matrix(2); x vector(2)", "breaks"),
    ([r"\nabla_x \frac{1}{2} x^T \Sigma^{-1} x", r"\Sigma^{-1} x"], r"\Sigma spd(2); x vector(2)", "holds"),
    ([r"x^T A x", r"A_{11} x_1^2 + (A_{12} + A_{21}) x_1 x_2 + A_{22} x_2^2"], "A matrix(2); x vector(2)", "holds"),
])
def test_declared_matrices_are_checked_as_explicit_matrices(lines, declare, expected):
    assert check_working(lines, declare=declare).verdicts[-1].status == expected


@pytest.mark.parametrize("declare, message", [
    ("A matrix(9)", "sizes from 1 to 4"),
    ("A_i matrix(2)", "declared by a plain name"),
    ("A vector(2, 3)", "takes one size"),
    ("A matrix", "write matrix\\(n\\)"),
])
def test_a_wrong_matrix_declaration_is_refused(declare, message):
    with pytest.raises(ValueError, match=message):
        check_working(["A", "A"], declare=declare)


def test_a_step_the_engine_fails_on_is_undecided_and_the_others_are_checked(monkeypatch):
    from emlib.derivation import _working

    real = _working._Context.engine_form
    calls = []

    def flaky(self, *exprs, **kw):
        calls.append(exprs)
        if len(calls) == 1:  # the first claim put to the engine: the step from line 1 to line 2
            raise RuntimeError("the engine broke")
        return real(self, *exprs, **kw)

    monkeypatch.setattr(_working._Context, "engine_form", flaky)
    r = check_working([r"(c+d)^2", r"c^2 + 2cd + d^2", r"(d+c)^2"], seed=7)
    assert statuses(r) == ["start", "undecided", "holds"]
    assert "the checker failed on this step (RuntimeError: the engine broke): not decided" in r.verdicts[1].detail
    monkeypatch.setattr(_working._Context, "engine_form", real)
    r2 = check_working([r"(a+b)^2", r"a^2 + 2ab + b^2"], seed=1)
    assert statuses(r2) == ["start", "holds"]


def test_a_definition_is_refused_not_split_into_a_step():
    # x := y + 1 must not become the pieces "x :" and "y + 1" (the reader refuses ":=" saying how to write it)
    r = check_working([r"x := y + 1"])
    assert statuses(r) == ["unparsable"], r.text()
    assert "a definition (:=) is not a step" in r.verdicts[0].detail
    r = check_working([r"x \coloneqq y + 1"])
    assert "define" in r.verdicts[0].detail


def test_a_remark_between_two_expressions_is_refused_and_one_at_the_end_is_ignored():
    r = check_working([r"x^2 \ge 0 \text{ for all } x"])
    assert statuses(r) == ["start", "unparsable"], r.text()
    assert "stands between two pieces of mathematics" in r.verdicts[1].detail
    r = check_working([r"(x+1)^2", r"= x^2 + 2x + 1 \quad \text{(expanding)},"])
    assert statuses(r) == ["start", "holds"], r.text()


def test_an_integer_range_from_zero_is_not_declared_positive():
    # integer(0, 6) made n positive, and every step with n was then refused by the engine (undecided)
    assert statuses(check_working([r"n + 1", r"= 1 + n"], declare="n integer(0, 6)")) == ["start", "holds"]
    r = check_working([r"\sum_{k=0}^{n} \binom{n}{k}", r"= 2^n"], declare="n integer(0, 6)")
    assert statuses(r) == ["start", "holds"], r.text()
    assert statuses(check_working([r"n^2", r"\ge n"], declare="n integer(-3, 3)")) == ["start", "holds"]
