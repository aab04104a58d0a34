"""``python -m emlib.derivation check``: every exit code, run as a user runs it (a subprocess), never a traceback.

Exit codes (emlib/derivation/__main__.py): 0 every step holds, 1 a step breaks, 2 unreadable input or a
usage error, 3 a step is undecided under --strict.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from emlib.derivation.__main__ import EXIT_BREAKS, EXIT_HOLDS, EXIT_UNDECIDED, EXIT_UNREADABLE, main

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    """The command as a user runs it."""
    out = subprocess.run([sys.executable, "-m", "emlib.derivation", *args], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert "Traceback" not in out.stdout + out.stderr, out.stdout + out.stderr
    return out


def run_here(capsys, *args: str) -> subprocess.CompletedProcess:
    """The same entry point in this process (the variants of one exit code; a subprocess costs seconds)."""
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_codes_are_distinct_and_documented():
    codes = (EXIT_HOLDS, EXIT_BREAKS, EXIT_UNREADABLE, EXIT_UNDECIDED)
    assert codes == (0, 1, 2, 3)
    from emlib.derivation import __main__ as cli

    for code in codes:
        assert f"* {code} " in cli.__doc__


def test_every_step_holds_exits_0_and_shows_how_each_line_was_read(tmp_path):
    f = write(tmp_path, "good.md", "<!-- domain: x positive; f function -->\n"
                                   "$$\n\\log(x^2) \\\\\n= 2\\log x\n$$\n\n"
                                   "\\[ f(x) + x(x+2) = x^2 + 2x + f(x) \\]\n\n"
                                   "\\begin{align*}\n\\frac{\\partial x^3}{\\partial x} &= 3x^2 \\nonumber \\\\\n"
                                   "&= 3 x \\cdot x\n\\end{align*}\n")
    out = run("check", f)
    assert out.returncode == EXIT_HOLDS, out.stdout + out.stderr
    assert "3 chains checked: 3 holds" in out.stdout
    assert r"read as: 2 \log{\left(x \right)}" in out.stdout
    assert r"read as: x \left(x + 2\right) + f{\left(x \right)}" in out.stdout
    assert "read as: 3 x^{2}" in out.stdout  # the Leibniz fraction, carried out


def test_a_broken_step_exits_1(tmp_path):
    out = run("check", write(tmp_path, "breaks.md", "$$ (a+b)^2 = a^2 + b^2 $$\n"))
    assert out.returncode == EXIT_BREAKS, out.stdout + out.stderr
    assert "[BREAKS]" in out.stdout and "read as: a^{2} + b^{2}" in out.stdout


def test_undecided_exits_3_only_under_strict(tmp_path):
    f = write(tmp_path, "undecided.md", "<!-- domain: x real -->\n$$\n\\sin x = 0 \\Rightarrow x = 0\n$$\n")
    assert run("check", f).returncode == EXIT_HOLDS
    out = run("check", "--strict", f)
    assert out.returncode == EXIT_UNDECIDED, out.stdout + out.stderr
    assert "undecided" in out.stdout


@pytest.mark.parametrize("name, content, message", [
    ("unreadable.md", "$$ x = \\log(x $$\n", "line 1, column 14"),
    ("ambiguous.md", "$$ f(x + y) = f(x) + f(y) $$\n", r"write f \cdot (x + y) for a product"),
    ("deep.md", "$$ " + "\\left(" * 150 + "x" + "\\right)" * 150 + " = x $$\n", "deep"),
    ("tower.md", "$$ 10^{10^{10}} = 1 $$\n", "digits"),
    ("formfeed.md", "$$ \x0crac{1}{2} = 0.5 $$\n", 'raw string r"..."'),
])
def test_an_unreadable_line_exits_2_with_line_and_column(tmp_path, capsys, name, content, message):
    out = (run if name in ("unreadable.md", "deep.md") else lambda *a: run_here(capsys, *a))(
        "check", write(tmp_path, name, content))
    assert out.returncode == EXIT_UNREADABLE, out.stdout + out.stderr
    assert message in out.stdout
    assert "cannot be read" in out.stdout


@pytest.mark.parametrize("name, content, message", [
    ("empty.md", "", "no chains found"),
    ("prose.md", "Only prose and inline math $x + 1$.\n", "inline math"),
    ("skipped.md", "<!-- skip -->\n$$ a = b $$\n", "every block is marked skip"),
    ("fenced.md", "```\n$$ x = x $$\n```\n", "no chains found"),
    ("unclosed.md", "text\n\n$$ x \\\\\n= x\n", "line 3: a display block is not closed"),
    ("unclosed_align.md", "\\begin{align*}\nx &= x\n",
     "line 1: a display block is not closed (expected \\end{align*})"),
    ("latin1.md", "$$ x = x $$\n\ncaf\xe9 $$ y $$\n".encode("latin-1"), "line 3, column 4: the file is not UTF-8"),
    ("declaration.md", "prose\n<!-- domain: x positve -->\n$$ x = x $$\n", "line 2: in the domain comment"),
    ("definition.md", "<!-- define: h = \\log( -->\n$$ h = h $$\n", "line 1: in the define comment, the value of h"),
    ("definition_form.md", "<!-- define: h \\tanh(x) -->\n$$ h = h $$\n", "line 1: a definition needs name = value"),
    ("misspelt.md", "text\n<!-- domian: x positive -->\n$$ x = x $$\n", "line 2: unknown directive 'domian'"),
    ("open_comment.md", "$$ x = x $$\n<!-- domain: x positive\n", "line 2: an HTML comment <!-- is not closed"),
])
def test_a_file_that_cannot_be_checked_exits_2_naming_the_line(tmp_path, capsys, name, content, message):
    out = (run if name in ("empty.md", "latin1.md") else lambda *a: run_here(capsys, *a))(
        "check", write(tmp_path, name, content))
    assert out.returncode == EXIT_UNREADABLE, out.stdout + out.stderr
    assert message in out.stderr, out.stderr


@pytest.mark.parametrize("args", [(), ("check",), ("check", "no/such/file.md"), ("check", "--seed", "x", "f.md"),
                                  ("frobnicate", "f.md")])
def test_usage_errors_exit_2(capsys, args):
    out = run(*args) if args == ("check", "no/such/file.md") else run_here(capsys, *args)
    assert out.returncode == EXIT_UNREADABLE
    assert "usage:" in out.stderr


def test_a_directory_is_a_usage_error(tmp_path, capsys):
    out = run_here(capsys, "check", str(tmp_path))
    assert out.returncode == EXIT_UNREADABLE and "no such file" in out.stderr


def test_an_unreadable_chain_wins_over_a_broken_one(tmp_path, capsys):
    f = write(tmp_path, "both.md", "$$ (a+b)^2 = a^2 + b^2 $$\n\n$$ x = \\log(x $$\n")
    out = run_here(capsys, "check", f)
    assert out.returncode == EXIT_UNREADABLE
    assert "2 chains checked: 1 breaks, 1 unparsable" in out.stdout


def test_a_reader_that_stops_reading_changes_neither_the_code_nor_prints_a_traceback(tmp_path):
    f = write(tmp_path, "two.md", "$$ (a+b)^2 = a^2 + b^2 $$\n\n$$ x = x $$\n")
    with subprocess.Popen([sys.executable, "-m", "emlib.derivation", "check", f], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        first = proc.stdout.readline()  # like `| head -1`
        proc.stdout.close()
        err = proc.stderr.read()
        code = proc.wait(timeout=600)
    assert code == EXIT_BREAKS
    assert "block at line 1" in first and "Traceback" not in err, err


def test_a_domain_comment_may_span_lines_and_comments_hide_their_dollars(tmp_path, capsys):
    f = write(tmp_path, "multiline.md", "<!-- domain:\n     x positive -->\n$$ \\log(x^2) = 2 \\log x $$\n"
                                        "<!-- an aside with $$ x = y $$ in it -->\n")
    out = run_here(capsys, "check", f)
    assert out.returncode == EXIT_HOLDS, out.stdout + out.stderr  # log(x^2) = 2 log x needs x > 0
    assert "1 chain checked: 1 holds" in out.stdout


def test_github_math_fences_are_chains_and_other_fences_are_not(tmp_path, capsys):
    f = write(tmp_path, "fences.md", "```python\n$$ x = y $$\n```\n\n```math\n(x+1)^2 \\\\\n= x^2 + 2x + 1\n```\n")
    out = run_here(capsys, "check", f)
    assert out.returncode == EXIT_HOLDS, out.stdout + out.stderr
    assert "block at line 5" in out.stdout and "1 chain checked: 1 holds" in out.stdout


def test_a_matrix_row_break_is_not_a_line_break():
    from emlib.derivation.__main__ import read_blocks

    blocks = read_blocks("$$\na = \\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix} \\\\\n= b \\\\ = c\n$$\n")
    assert [line.strip() for line in blocks[0].lines] == [
        "a = \\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}", "= b", "= c"]
    cases = read_blocks("$$\nf = \\begin{cases} 1 & x > 0 \\\\ 0 \\end{cases}\n$$\n")
    assert len(cases[0].lines) == 1  # the rows of cases stay in their line
    braced = read_blocks("$$\nx = {a \\\\ b}\n$$\n")
    assert len(braced[0].lines) == 1


def test_define_names_are_read_as_the_reader_names_them_and_split_only_at_top_level():
    from emlib.derivation.__main__ import read_blocks

    blocks = read_blocks("<!-- domain: N function -->\n"
                         "<!-- define: \\hat{y} = 2 x; \\ell = \\log N(x; \\mu, \\sigma); h_1 = y_hat + 1 -->\n"
                         "$$\n\\hat{y} = 2x\n$$\n")
    assert blocks[0].define == [("y_hat", "2 x"), ("ell", "\\log N(x; \\mu, \\sigma)"), ("h_1", "y_hat + 1")]


def test_a_relation_with_an_annotation_over_it_is_the_relation(tmp_path, capsys):
    f = write(tmp_path, "annotated.md", "$$\n(x+1)^2 \\stackrel{\\text{expand}}{=} x^2 + 2x + 1 "
                                        "\\overset{(a)}{=} x(x+2) + 1\n$$\n")
    out = run_here(capsys, "check", f)
    assert out.returncode == EXIT_HOLDS, out.stdout + out.stderr
    assert "2 holds" in out.stdout or "1 holds" in out.stdout


def test_a_define_name_that_is_not_one_symbol_is_refused_naming_the_line(tmp_path, capsys):
    f = write(tmp_path, "badname.md", "\n<!-- define: x + y = 2 -->\n$$\nx = x\n$$\n")
    out = run_here(capsys, "check", f)
    assert out.returncode == EXIT_UNREADABLE
    assert "line 2" in out.stderr and "define comment" in out.stderr


def test_the_notes_notation_reads_end_to_end(tmp_path, capsys):
    f = write(tmp_path, "notes.md", "<!-- domain: p, N function; K integer -->\n"
                                    "$$\np(x; \\theta) = \\sum_{j=1}^{K} p(x, z=j; \\theta)\n$$\n")
    out = run_here(capsys, "check", f)
    assert "UNPARSABLE" not in out.stdout, out.stdout
    assert "BREAKS" not in out.stdout  # opaque densities: undecided, never a false accusation
    assert r"\operatorname{param}" in out.stdout and r"\operatorname{event}" in out.stdout


def test_a_chain_the_engine_fails_on_is_reported_and_the_others_are_checked(tmp_path, capsys, monkeypatch):
    from emlib.derivation import __main__ as cli

    real = cli.check_working

    def flaky(lines, **kw):
        if any("boom" in t for t in lines):
            raise RuntimeError("the engine broke")
        return real(lines, **kw)

    monkeypatch.setattr(cli, "check_working", flaky)
    path = write(tmp_path, "w.md", "$$\n(a+b)^2 = a^2 + 2ab + b^2\n$$\n\n$$\n\\mathit{boom} = 1\n$$\n\n"
                                    "$$\n(a+b)^2 = a^2 + b^2\n$$\n")
    out = run_here(capsys, "check", path)
    assert "the checker failed on this chain (RuntimeError: the engine broke): not decided" in out.stdout
    assert "3 chains checked: 1 holds, 1 breaks, 1 undecided" in out.stdout
    assert out.returncode == EXIT_BREAKS
    path = write(tmp_path, "v.md", "$$\n(a+b)^2 = a^2 + 2ab + b^2\n$$\n\n$$\n\\mathit{boom} = 1\n$$\n")
    assert run_here(capsys, "check", path).returncode == EXIT_HOLDS
    assert run_here(capsys, "check", "--strict", path).returncode == EXIT_UNDECIDED


def test_a_declared_matrix_reads_end_to_end(tmp_path, capsys):
    path = write(tmp_path, "m.md", "<!-- domain: A matrix(2); x vector(2) -->\n$$\n\\nabla_{x} x^T A x = (A + A^\\top) x\n$$\n")
    out = run_here(capsys, "check", path)
    assert out.returncode == EXIT_HOLDS, out.stdout
    assert "read as: \\left(A + A^{T}\\right) x" in out.stdout


def test_a_definition_annotated_over_equals_is_refused_not_checked_as_a_step(tmp_path, capsys):
    f = write(tmp_path, "def.md", "$$\nL \\stackrel{\\text{def}}{=} a + b\n$$\n\n$$\nL \\overset{\\Delta}{=} a + b\n$$\n"
                                  "\n$$\nx := y + 1\n$$\n")
    out = run_here(capsys, "check", f)
    assert out.returncode == EXIT_UNREADABLE, out.stdout
    assert "BREAKS" not in out.stdout
    assert out.stdout.count("a definition (") == 3, out.stdout


def test_textbook_alignment_sizes_and_remarks_read_end_to_end(tmp_path, capsys):
    f = write(tmp_path, "aligned.md",
              "<!-- domain: a, b positive -->\n$$\n\\begin{aligned}\n\\log(ab) &= \\log a + \\log b \\\\\n"
              "&= \\ln a + \\ln b \\quad \\text{(by the product rule)},\n\\end{aligned}\n$$\n\n"
              "\\begin{align*}\n\\frac{\\mathrm d}{\\mathrm dx}\\Bigl( x^2 + 1 \\Bigr) &= 2x \\nonumber \\\\\n"
              "&\\leqslant x^2 + 1 .\n\\end{align*}\n\n$$\n\\sin x \\cdot \\cos x = \\frac12 \\sin 2x\n$$\n\n"
              "$$\n\\sum\\limits_{k=1}^{K} \\pi_k x_k = \\sum_{k=1}^K x_k \\pi_k\n$$\n\n$$\nx^2_1 - 2π x = x_1^2 − 2 \\pi x\n$$\n")
    out = run_here(capsys, "check", f)
    assert out.returncode == EXIT_HOLDS, out.stdout
    assert "UNPARSABLE" not in out.stdout and "5 chains checked: 5 holds" in out.stdout, out.stdout


def test_line_break_spacing_a_starred_break_and_intertext_are_not_lines(tmp_path, capsys):
    # \\[4pt] was read as a line "[4pt]" (4 p t) that broke the chain
    f = write(tmp_path, "breaks.md",
              "\\begin{align*}\n(x+1)^2 &= x^2 + 2x + 1 \\\\[4pt]\n&= x(x + 2) + 1 \\\\*\n&= 1 + x(2 + x) \\\\[1ex]\n"
              "\\intertext{and so} \\displaybreak\n&= (1 + x)^2\n\\end{align*}\n")
    out = run_here(capsys, "check", f)
    assert out.returncode == EXIT_HOLDS, out.stdout
    assert "4 steps: 4 holds" in out.stdout and "[4pt]" not in out.stdout.replace("\\\\[4pt]", ""), out.stdout
