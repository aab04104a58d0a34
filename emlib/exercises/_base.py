"""The exercise object: statement, hints on demand, and ``check(lines)`` with the working checker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import sympy as sp

from ..derivation._working import WorkingReport, _split, check_working

__all__ = ["Exercise", "ExerciseResult", "NOT_ATTEMPTED"]

NOT_ATTEMPTED = "not attempted yet: write your lines in the list above"


@dataclass(frozen=True)
class Slip:
    """A planted wrong solution and the diagnosis it must get (used by the tests)."""

    lines: tuple[Any, ...]
    diagnosis: str


@dataclass
class ExerciseResult:
    """What ``Exercise.check`` found. It has already been printed; Jupyter shows nothing more."""

    exercise_id: str
    attempted: bool
    report: WorkingReport | None = None
    target_reached: bool = False
    target_report: WorkingReport | None = None

    @property
    def solved(self) -> bool:
        return self.attempted and self.report is not None and self.report.ok and self.target_reached

    def _ipython_display_(self) -> None:
        """Show nothing in Jupyter: the check already printed its report."""

    def __repr__(self) -> str:
        return f"ExerciseResult({self.exercise_id!r}, solved={self.solved})"


@dataclass(frozen=True)
class Exercise:
    """A derivation for the reader, checked line by line.

    Attributes
    ----------
    id : str
        ``"03.2"``: notebook 03, exercise 2.
    notebook : str
        The notebook whose method it uses (file stem).
    title, statement : str
        The statement is Markdown with ``$...$`` math.
    declare : str
        Domains of the symbols (the syntax of ``check_working``'s ``declare``).
    start : str or None
        The line the working starts from (LaTeX); it is line 0 of the checked chain.
    target : str
        What the last line must equal (an expression, or an equation ``v = ...``).
    hints : tuple of str
        Shown one at a time by ``hint(k)``.
    solution : tuple
        A reference solution (lines after ``start``); kept in emlib, never shown by the notebooks.
    define : tuple of (name, LaTeX)
        Abbreviations (``h_1 = \\tanh(w_i x_1)``) substituted before checking.
    slips : tuple of Slip
        Planted wrong solutions with the diagnosis each must get (tests).
    """

    id: str
    notebook: str
    title: str
    statement: str
    declare: str
    start: str | None
    target: str
    hints: tuple[str, ...]
    solution: tuple[Any, ...]
    define: tuple[tuple[str, str], ...] = ()
    slips: tuple[Slip, ...] = field(default=())
    domain: tuple[Any, ...] = ()
    shown_target: str = ""  # LaTeX of the target when ``target`` is a sympy object

    # ------------------------------------------------------------------ display
    def statement_text(self) -> str:
        out = [f"Exercise {self.id}: {self.title}", "", self.statement.strip(), ""]
        if self.start is not None:
            out.append(f"Start from: ${self.start}$")
        out.append(f"Reach: ${self.shown_target or self.target}$")
        if self.declare:
            out.append(f"Symbols: {self.declare}")
        if self.define:
            out.append("Abbreviations: " + "; ".join(f"${n} = {v}$" for n, v in self.define))
        out.append(f"Hints: {len(self.hints)} (ex.hint(1) .. ex.hint({len(self.hints)}))")
        first = "the start" if self.start is not None else "your first line"
        if isinstance(self.target, str):
            out.append(f"Check your working: ex.check([...]) with one LaTeX string per line after {first}, "
                       "each beginning with its relation (=, \\le, \\ge, \\Rightarrow)")
        else:
            out.append("Check your working: ex.check([...]) with one sympy expression per line")
        return "\n".join(out)

    def statement_markdown(self) -> str:
        """The statement as Markdown: math typeset, hints folded (``<details>``), never the solution."""
        out = [f"**Exercise {self.id}: {self.title}**", "", self.statement.strip(), ""]
        if self.start is not None:
            out += [f"Start from: ${self.start}$", ""]
        out += [f"Reach: ${self.shown_target or self.target}$", ""]
        if self.declare:
            out += [f"Symbols: `{self.declare}`", ""]
        if self.define:
            out += ["Abbreviations: " + "; ".join(f"${n} = {v}$" for n, v in self.define), ""]
        for k, hint in enumerate(self.hints, 1):
            out += [f"<details><summary>Hint {k} of {len(self.hints)}</summary>", "", hint, "", "</details>", ""]
        out.append(f"Check your working with `exercise(\"{self.id}\").check([...])` in the cell below.")
        return "\n".join(out)

    def show(self) -> None:
        """Show the statement: typeset Markdown with folded hints in Jupyter, plain text elsewhere.

        The plain text (what nbval compares) is :meth:`statement_text`.
        """
        from ..derivation._derivation import _kernel_display

        display = _kernel_display()
        if display is None:
            print(self.statement_text())
        else:
            display({"text/plain": self.statement_text(), "text/markdown": self.statement_markdown()}, raw=True)

    def _repr_markdown_(self) -> str:
        return self.statement_markdown()

    def hint(self, k: int = 1) -> None:
        """Show hint ``k`` (1-based): typeset Markdown in Jupyter, the plain text elsewhere."""
        if isinstance(k, bool) or not isinstance(k, int):
            raise TypeError(f"k must be an int, got {type(k).__name__}")
        if not 1 <= k <= len(self.hints):
            raise ValueError(f"exercise {self.id} has hints 1 .. {len(self.hints)}, got {k}")
        text = f"Hint {k} of {len(self.hints)}: {self.hints[k - 1]}"
        _show(text, f"**Hint {k} of {len(self.hints)}.** {self.hints[k - 1]}")

    # ------------------------------------------------------------------ checking
    def _chain(self, lines: Sequence[Any]) -> tuple[list[Any], list[int]]:
        items = ([self.start] if self.start is not None else []) + list(lines)
        numbers = ([0] if self.start is not None else []) + list(range(1, len(lines) + 1))
        return items, numbers

    def run(self, lines: Sequence[Any]) -> ExerciseResult:
        """Check ``lines`` without printing."""
        if lines is None or (isinstance(lines, (list, tuple)) and len(lines) == 0):
            return ExerciseResult(self.id, False)
        if isinstance(lines, str) or not isinstance(lines, (list, tuple)):
            raise TypeError("lines must be a list of lines (LaTeX strings or sympy expressions)")
        items, numbers = self._chain(lines)
        report = check_working(items, declare=self.declare, define=dict(self.define) or None, domain=self.domain,
                               line_numbers=numbers, title=f"Exercise {self.id}: {self.title} (line 0 is the start)")
        target_report = None
        reached = False
        if report.first_unparsable is None:
            equation = _is_equation(self.target)
            last = _last_statement(lines[-1], equation)
            if last is not None:
                relation = "<=>" if equation else "="
                # the target first: the reader's last line is then "this line", so a diagnosis says what is
                # wrong with the reader's line (the other order named the target's slip, reversed)
                target_report = check_working([self.target, (relation, last)], declare=self.declare,
                                              define=dict(self.define) or None, domain=self.domain)
                reached = target_report.status == "holds" and self._in_target_form(last, equation)
        return ExerciseResult(self.id, True, report, reached, target_report)

    def _in_target_form(self, last: Any, equation: bool) -> bool:
        """An equal last line must also be written in the target's form: for an equation, solved for the
        target's left-hand side (the right-hand sides are equal by the check); for an expression, the
        same expression as the target after sympy's automatic canonical ordering."""
        from ..derivation._working import _context

        ctx = _context(self.declare, self.domain, dict(self.define) or None, 0)

        def read(x: Any) -> Any:
            return ctx.parse(x, line=0) if isinstance(x, str) else x

        try:
            if equation:
                lhs_last = read(_split(last)[0][1]) if isinstance(last, str) else last.lhs
                lhs_target = read(_split(self.target)[0][1]) if isinstance(self.target, str) else self.target.lhs
                return lhs_last == lhs_target
            return read(last) == read(self.target)
        except Exception:
            return False

    def check(self, lines: Sequence[Any]) -> ExerciseResult:
        """Check the reader's lines (after ``start``), print the report and whether the target is reached.

        ``check([])`` prints the unattempted state: ``not attempted yet: ...``.
        """
        result = self.run(lines)
        _show(self.result_text(result), self.result_markdown(result))
        return result

    def result_markdown(self, result: ExerciseResult) -> str:
        """What :meth:`result_text` says, as Markdown with the lines and their readings typeset."""
        if not result.attempted:
            return f"**Exercise {self.id}:** {NOT_ATTEMPTED}"
        out = [f"**{_md(result.report.title)}**", ""] if result.report.title else []
        for v in result.report.verdicts:
            out.append(_verdict_markdown(v))
        out += ["", _md(result.report.summary_line()), ""]
        for line in self.result_text(result).splitlines()[-2:]:
            out += [_md_mixed(line), ""]
        return "\n".join(out).rstrip() + "\n"

    def result_text(self, result: ExerciseResult) -> str:
        if not result.attempted:
            return f"Exercise {self.id}: {NOT_ATTEMPTED}"
        out = [result.report.text()]
        if result.report.first_unparsable is not None:
            out.append("Target: not compared (a line cannot be read).")
        elif result.target_reached:
            out.append("Target: reached (the last line equals the target).")
        else:
            why = ""
            if result.target_report is not None and result.target_report.verdicts:
                v = result.target_report.verdicts[-1]
                if v.status == "breaks" and v.diagnosis is not None:
                    why = f" Your last line against the target: {v.diagnosis.line()}"
                elif v.status == "undecided":
                    why = " (the checker could not decide whether it does)"
            equal = result.target_report is not None and result.target_report.status == "holds"
            if equal:
                out.append("Target: not reached yet (the last line equals the target but is not yet written in its form).")
            else:
                out.append("Target: not reached yet (the last line does not equal the target)." + why)
        out.append(f"Exercise {self.id}: " + ("solved." if result.solved else "not solved yet."))
        return "\n".join(out)


_MATH_REL = {"=": "=", "<=": "\\le", ">=": "\\ge", "<": "<", ">": ">", "=>": "\\Rightarrow", "<=>": "\\Leftrightarrow"}


def _show(text: str, markdown: str) -> None:
    """Display typeset Markdown in Jupyter (with ``text`` as its plain form, what nbval compares), else
    print ``text``."""
    from ..derivation._derivation import _kernel_display

    display = _kernel_display()
    if display is None:
        print(text)
    else:
        display({"text/plain": text, "text/markdown": markdown}, raw=True)


def _md(text: str) -> str:
    """Engine prose for Markdown: the characters Markdown would read as emphasis or HTML escaped."""
    text = text.replace("\\", "\\\\")
    for ch in "*_[]`$|":
        text = text.replace(ch, "\\" + ch)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _md_mixed(text: str) -> str:
    """Prose with ``$...$`` math (a diagnosis): the prose escaped, the math kept for typesetting."""
    parts = text.split("$")
    if len(parts) % 2 == 0:  # an unpaired $: no math at all
        return _md(text)
    return "".join(_md(p) if k % 2 == 0 else f"${p}$" for k, p in enumerate(parts))


def _verdict_markdown(v: Any) -> str:
    rel = _MATH_REL.get(v.relation or "", "")
    if v.status in ("unparsable",):
        shown = f"`{v.text}`"
    else:
        shown = f"${rel + ' ' if rel else ''}{v.text}$"
    head = f"- line {v.line}: {shown} — **{v.status}**"
    if v.status == "holds" and v.route:
        head += f" ({_md(v.route)})"
    out = [head]
    if v.read_as and v.read_as.replace(" ", "") != v.text.replace(" ", ""):
        out.append(f"  - read as ${v.read_as}$")
    if v.status != "holds" and v.detail:
        out += [f"  - {_md(t)}" for t in v.detail.splitlines() if t.strip()]
    if v.counterexample:
        out.append("  - counterexample: " + _md(", ".join(f"{k} = {x}" for k, x in v.counterexample.items())))
    if v.values:
        out.append(f"  - there the previous line is {_md(v.values[0])} and this line is {_md(v.values[1])}")
    if v.diagnosis:
        out.append(f"  - {_md_mixed(v.diagnosis.line())}")
    return "\n".join(out)


def _is_equation(text: Any) -> bool:
    if isinstance(text, sp.Equality):
        return True
    if not isinstance(text, str):
        return False
    return any(rel == "=" for rel, _, _ in _split(text)[1:])


def _last_statement(line: Any, equation: bool) -> Any:
    """The last expression or equation of a line, without its leading relation."""
    if isinstance(line, tuple) and len(line) == 2 and isinstance(line[0], str):
        line = line[1]
    if not isinstance(line, str):
        return line
    parts = [(rel, text) for rel, text, _ in _split(line) if text.strip()]
    if not parts:
        return None
    if equation and len(parts) >= 2 and parts[-1][0] == "=":
        return f"{parts[-2][1].strip()} = {parts[-1][1].strip()}"
    return parts[-1][1].strip()
