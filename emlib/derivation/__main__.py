"""``python -m emlib.derivation check WORK.md``: check the display-math chains of a Markdown file.

Syntax of WORK.md (see examples/working_example.md):

* every display block is one chain: ``$$ ... $$``, ``\\[ ... \\]``, or ``\\begin{align*} ... \\end{align*}``
  (also ``align``, ``equation``, ``gather``, ``multline``, starred or not). Its lines are separated by ``\\\\``
  (outside braces and environments: the rows of a ``bmatrix`` or ``cases`` stay in their line; ``\\\\*`` and the
  spacing of ``\\\\[4pt]`` belong to the break) or newlines; ``\\intertext{..}`` and ``\\displaybreak`` are ignored;
  ``\\stackrel{..}{=}`` / ``\\overset{..}{=}`` over a relation is that relation, except a definition
  (``\\stackrel{\\text{def}}{=}``, ``\\overset{\\Delta}{=}``), which the reader refuses as it refuses ``:=``. A line may start with its
  relation to the line before: ``=``, ``\\le``, ``\\ge``, ``<``, ``>``, ``\\Rightarrow``, ``\\Leftrightarrow``
  (none means ``=``). ``&``, ``\\nonumber`` and ``\\begin{aligned}`` inside a block are ignored. Inline math
  ``$...$`` is prose, not a chain;
* ``<!-- domain: x positive; \\pi_k simplex; n integer; f function -->`` declares the symbols (and
  functions) of the blocks after it (until the next ``domain`` comment);
* ``<!-- define: h_1 = \\tanh(w_i x_1); h_2 = \\tanh(w_i x_2 + w_h h_1) -->`` declares abbreviations
  for the blocks after it (until the next ``define`` comment); derivatives see through them. A name is
  read as in a line (``\\hat{y}`` is ``y_hat``; a name without backslash, ``y_hat``, is kept as written);
  definitions are split at ``;`` outside brackets (``\\ell = \\log N(x; \\mu, \\sigma)`` is one);
* ``<!-- skip -->`` right before a block leaves it unchecked (a statement, not working);
* a comment may span several lines; ``$$`` inside a comment opens no block; a misspelt directive
  (``<!-- domian: ... -->``) and an unclosed ``<!--`` are errors, never silently ignored;
* a fenced block opened with ```` ```math ```` (GitHub's display math) is a chain too; other code spans and
  fenced code blocks are not read.

Every step is printed with how its line was read (``read as: ...``, the typeset LaTeX of what was checked).

Exit status (the first that applies):

* 2 ``EXIT_UNREADABLE``: nothing could be checked as written: a line cannot be read, the file is empty or
  holds no chain, every chain is marked skip, the file is not UTF-8, a declaration is wrong, or the command
  line is wrong (argparse's usage errors exit 2 as well);
* 1 ``EXIT_BREAKS``: a step breaks;
* 3 ``EXIT_UNDECIDED``: with ``--strict``, a step is undecided;
* 0 ``EXIT_HOLDS``: every step holds (without ``--strict``, undecided steps are reported but do not fail).

A chain on which the checker itself fails (the engine raises) is reported with the error as undecided, line
by line, and the other chains are checked: it counts as undecided for the exit status (3 with ``--strict``).

Errors are printed as one message naming the file and line, never as a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import sympy as sp

from ._latex import SymbolTable, WorkingParseError, parse_line, read_as
from ._working import LineVerdict, WorkingReport, check_working, parse_declarations

EXIT_HOLDS, EXIT_BREAKS, EXIT_UNREADABLE, EXIT_UNDECIDED = 0, 1, 2, 3
EXIT_USAGE = EXIT_UNREADABLE  # argparse's own code for a wrong command line


class InputError(ValueError):
    """The file cannot be checked as written (the message names the line)."""


@dataclass
class Block:
    start: int  # 1-based file line of the opening delimiter
    lines: list[str] = field(default_factory=list)  # file-aligned texts (columns as in the file)
    numbers: list[int] = field(default_factory=list)  # their file line numbers
    declare: str = ""
    define: list[tuple[str, str]] = field(default_factory=list)
    skip: bool = False
    close: str = "$$"  # the delimiter that ends it


_COMMENT = re.compile(r"<!--\s*(domain|define|skip)\s*:?\s*(.*?)\s*-->", re.S)
_IGNORED = re.compile(r"\\(?:begin|end)\s*\{\s*(?:aligned|align\*?|split|gathered|equation\*?)\s*\}"
                      r"|\\(?:nonumber|notag|allowdisplaybreaks|allowbreak)\b|\\displaybreak\b(?:\s*\[\s*\d\s*\])?"
                      r"|\\(?:short)?intertext\s*\{[^{}]*\}")  # \intertext{and so}: prose between two lines
_ENVS = r"(?:align|equation|gather|multline|flalign)\*?"
_OPEN = re.compile(r"\$\$|\\\[|\\begin\s*\{\s*(" + _ENVS + r")\s*\}")


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _closer(opened: re.Match) -> str:
    token = opened.group(0)
    if token == "$$":
        return "$$"
    if token == "\\[":
        return "\\]"
    return "\\end{" + opened.group(1) + "}"


def _find_close(line: str, close: str, pos: int) -> tuple[int, int]:
    """(start, end) of the closing delimiter in ``line`` from ``pos``, or (-1, -1)."""
    if close.startswith("\\end{"):
        env = re.escape(close[5:-1])
        m = re.compile(r"\\end\s*\{\s*" + env + r"\s*\}").search(line, pos)
        return (m.start(), m.end()) if m else (-1, -1)
    k = line.find(close, pos)
    return (k, k + len(close)) if k >= 0 else (-1, -1)


def _check_declarations(body: str, number: int) -> None:
    try:
        parse_declarations(body)
    except ValueError as exc:
        raise InputError(f"line {number}: in the domain comment: {exc}") from None


def _define_name(name: str, declare: str, number: int) -> str:
    """The symbol a define comment names, as the reader names it: ``\\hat{y}`` is ``y_hat``.

    A name without backslash or braces (``h_1``, ``y_hat``, ``L_cal``) is the reader's own name, kept as is."""
    if re.fullmatch(r"[A-Za-z]+(?:_[A-Za-z0-9]+)*'*", name):
        return name
    try:
        expr = read_as(name, reading_table(declare, []), line=number).expr
    except WorkingParseError as exc:
        raise InputError(f"line {number}: in the define comment: cannot read the name {name!r}: {exc.reason}") from None
    if not isinstance(expr, sp.Symbol):
        raise InputError(f"line {number}: in the define comment: the name {name!r} is not one symbol "
                         "(write e.g. h_1 = ...)")
    return expr.name


def _check_definitions(define: list[tuple[str, str]], declare: str, number: int) -> None:
    table = reading_table(declare, [])
    for name, value in define:
        if not re.fullmatch(r"[A-Za-z]+(?:_(?:\{[^{}]*\}|[A-Za-z0-9]+))?(?:\^\([^()]*\))?'*", name):
            raise InputError(f"line {number}: in the define comment: cannot read the name {name!r} "
                             "(write e.g. h_1 = ...)")
        try:
            parse_line(value, table, line=number)
        except WorkingParseError as exc:
            raise InputError(f"line {number}: in the define comment, the value of {name}: {exc.reason}") from None


def read_blocks(text: str) -> list[Block]:
    """The display blocks of a Markdown text, with the declarations in force for each.

    Raises
    ------
    InputError
        A block is not closed, or a ``domain`` / ``define`` comment cannot be read (the message names the line).
    """
    blocks: list[Block] = []
    declare, define, skip = "", [], False
    current: Block | None = None
    file_lines = text.replace("\r\n", "\n").split("\n")  # not splitlines: a form feed (\\f) is no line break
    fenced = False
    comment: tuple[int, list[str]] | None = None  # an HTML comment over several lines: (first line, texts)

    def directives(line: str, number: int) -> None:
        nonlocal declare, define, skip
        for m in _COMMENT.finditer(line):
            kind, body = m.group(1), m.group(2)
            if kind == "domain":
                _check_declarations(body, number)
                declare = body
            elif kind == "define":
                define = []
                cuts = [m.start() for m in _top_level(body, r"(?<!\\);", "()[]")] + [len(body)]
                starts = [0] + [c + 1 for c in cuts[:-1]]
                for part in (body[a:b] for a, b in zip(starts, cuts)):  # ; inside N(x; \mu) is no separator
                    if part.strip():
                        if "=" not in part:
                            raise InputError(f"line {number}: a definition needs name = value, got {part.strip()!r}")
                        name, value = part.split("=", 1)
                        define.append((_define_name(name.strip(), declare, number), value.strip()))
                _check_definitions(define, declare, number)
            else:
                skip = True
        for m in re.finditer(r"<!--\s*([A-Za-z]+)\s*:", line):  # a misspelt directive would be ignored silently
            word = m.group(1)
            close = difflib.get_close_matches(word.lower(), ["domain", "define", "skip"], n=1, cutoff=0.7)
            if word not in ("domain", "define", "skip") and close:
                raise InputError(f"line {number}: unknown directive {word!r} in a comment: did you mean {close[0]!r}?")

    for number, raw in enumerate(file_lines, start=1):
        if comment is not None:
            end = raw.find("-->")
            if end < 0:
                comment[1].append(raw)
                continue
            comment[1].append(raw[: end + 3])
            directives(" ".join(comment[1]), comment[0])
            raw = " " * (end + 3) + raw[end + 3 :]
            comment = None
        if current is not None and current.close == "```":  # a ```math block (GitHub's display math)
            if raw.strip().startswith("```"):
                blocks.append(current)
                current = None
            else:
                _add(current, raw, number)
            continue
        if current is None and not fenced and re.match(r"\s*```\s*math\s*$", raw):
            current = Block(number, declare=declare, define=list(define), skip=skip, close="```")
            skip = False
            continue
        if current is None and raw.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            continue
        line = re.sub(r"`[^`]*`", lambda m: " " * len(m.group(0)), raw) if current is None else raw
        if current is None:
            directives(line, number)
            line = _COMMENT.sub(lambda m: " " * len(m.group(0)), line)
            line = re.sub(r"<!--.*?-->", lambda m: " " * len(m.group(0)), line)
            k = line.find("<!--")
            if k >= 0:
                comment = (number, [line[k:]])
                line = line[:k]
        pos = 0
        while True:
            if current is None:
                opened = _OPEN.search(line, pos)
                if opened is None:
                    break
                current = Block(number, declare=declare, define=list(define), skip=skip, close=_closer(opened))
                skip = False
                line = _blank(line, 0, opened.end())
                pos = opened.end()
                continue
            a, b = _find_close(line, current.close, pos)
            segment = line if a < 0 else _blank(line, a, len(line))
            _add(current, segment, number)
            if a < 0:
                break
            blocks.append(current)
            current = None
            line = _blank(line, 0, b)
            pos = b
    if current is not None:
        raise InputError(f"line {current.start}: a display block is not closed (expected {current.close})")
    if comment is not None:
        raise InputError(f"line {comment[0]}: an HTML comment <!-- is not closed with -->")
    return blocks


def _top_level(text: str, pattern: str, brackets: str = "") -> Iterator[re.Match]:
    """The matches of ``pattern`` outside braces, environments (a matrix's rows are not lines) and ``brackets``
    (e.g. ``"()"``: the ; of N(x; \\mu) in a define comment)."""
    depth = 0
    extra = "|[" + re.escape(brackets) + "]" if brackets else ""
    for m in re.finditer(r"\\begin\s*\{[^{}]*\}|\\end\s*\{[^{}]*\}|\\[{}]|[{}]" + extra + "|" + pattern, text):
        token = m.group(0)
        if token.startswith("\\begin") or token == "{" or (token and token in brackets[::2]):
            depth += 1
        elif token.startswith("\\end") or token == "}" or (token and token in brackets[1::2]):
            depth -= 1
        elif token not in ("\\{", "\\}") and depth == 0:
            yield m


_ANNOTATED = re.compile(r"\\(?:stackrel|overset)\s*\{")
#: the annotation of a definition, \stackrel{\text{def}}{=}, \overset{\Delta}{=}
_DEFINITION = re.compile(r"\s*(?:\\(?:text|mathrm|textrm|rm|scriptscriptstyle|scriptstyle)\s*\{?\s*)?"
                         r"(?:def|\\triangle|\\Delta|:)\.?\s*\}?\s*")
_RELATION_GROUP = re.compile(r"\s*\{\s*(=|<|>|\\le(?:q)?|\\ge(?:q)?|\\Rightarrow|\\Leftrightarrow)\s*\}")


def _annotations(segment: str) -> str:
    """``\\stackrel{(a)}{=}`` / ``\\overset{\\text{...}}{=}`` over a relation is the relation (columns kept)."""
    pos = 0
    while True:
        m = _ANNOTATED.search(segment, pos)
        if m is None:
            return segment
        depth, k = 0, m.end() - 1
        for k in range(m.end() - 1, len(segment)):
            depth += {"{": 1, "}": -1}.get(segment[k], 0)
            if depth == 0:
                break
        rel = _RELATION_GROUP.match(segment, k + 1)
        if depth != 0 or rel is None:
            return segment  # not over a relation: the reader refuses it with a message
        if _DEFINITION.fullmatch(segment[m.end():k]):
            pos = rel.end()  # \stackrel{\text{def}}{=} is a definition, not a step: the reader refuses it
            continue
        shown = rel.group(1)
        segment = segment[: m.start()] + " " * (rel.end() - m.start() - len(shown)) + shown + segment[rel.end():]
        pos = rel.end()


#: a LaTeX line break with its optional star and spacing: \\\\, \\\\*, \\\\[4pt] (the spacing is no line of its own)
_LINE_BREAK = r"\\\\\*?(?:\s*\[\s*-?[\d.]*\s*(?:pt|em|ex|mm|cm|in|bp|mu|\\jot)\s*\])?"


def _add(block: Block, segment: str, number: int) -> None:
    segment = _IGNORED.sub(lambda m: " " * len(m.group(0)), segment)
    segment = _annotations(segment)
    # split at a top-level \\ (a LaTeX line break; not a matrix row), keeping the file's columns
    bounds, start = [], 0
    for m in _top_level(segment, _LINE_BREAK):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(segment)))
    for a, b in bounds:
        part = " " * a + segment[a:b]
        if part.strip():
            block.lines.append(part.rstrip())
            block.numbers.append(number)


def reading_table(declare: str, define: list[tuple[str, str]]) -> SymbolTable:
    """A symbol table with a block's declarations and abbreviations, as the checker reads its lines."""
    table = SymbolTable()
    for name, family, decl in parse_declarations(declare):
        if decl.kind == "function":
            table.functions.add(name)
        elif decl.shape is not None:
            table.matrices[name] = (*decl.shape, decl.kind)
        elif family:
            table.families[name] = decl.assumptions
        else:
            table.assumptions[name] = decl.assumptions
            if name == "sigma":
                table.functions_as_symbols.add("sigma")
    for name, value in define:
        try:
            table.definitions[name] = parse_line(value, table, line=0)
        except WorkingParseError:
            pass  # reported by the checker
    return table


def read_text(path: Path) -> str:
    """The file's text; a file that is not UTF-8 is refused with the line of the first bad byte."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(f"line {line}, column {column}: the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                         "save it as UTF-8") from None


def iter_checks(path: str | Path, *, seed: int = 0, diagnose: bool = True
                ) -> Iterator[tuple[Block, WorkingReport | None]]:
    """Check the chains of a Markdown file one by one: (block, report or None when skipped).

    Raises
    ------
    InputError
        Before the first chain: the file cannot be read as UTF-8, holds no chain, only skipped ones, or a
        block or declaration is malformed. Later: the checker refuses a chain's declarations.
    """
    text = read_text(Path(path))
    blocks = read_blocks(text)
    if not blocks:
        inline = " (inline math $...$ is prose, not a chain)" if "$" in text else ""
        raise InputError("no chains found: write each chain in a $$ ... $$, \\[ ... \\], "
                         f"\\begin{{align*}} ... \\end{{align*}} or ```math block{inline}")
    if all(block.skip or not block.lines for block in blocks):
        raise InputError("nothing to check: every block is marked skip or empty")
    for block in blocks:
        if block.skip or not block.lines:
            yield block, None
            continue
        try:
            report = check_working(block.lines, declare=block.declare, define=block.define or None, seed=seed,
                                   diagnose_slips=diagnose, line_numbers=block.numbers)
        except RecursionError:
            report = _failed(block, "the expression nests too deeply")
        except Exception as exc:  # noqa: BLE001  (the engine failed on this chain: report it, check the others)
            report = _failed(block, f"{type(exc).__name__}: {str(exc)[:200]}")
        yield block, report


def _failed(block: Block, message: str) -> WorkingReport:
    """The report of a chain on which the checker itself failed: every line undecided, with the message."""
    detail = f"the checker failed on this chain ({message}): not decided"
    verdicts = [LineVerdict(number, text.strip(), None if k == 0 else "=", "undecided", detail=detail)
                for k, (number, text) in enumerate(zip(block.numbers, block.lines))]
    return WorkingReport(verdicts)


def check_file(path: str | Path, *, seed: int = 0, diagnose: bool = True) -> list[tuple[Block, WorkingReport | None]]:
    """Check every chain of a Markdown file: [(block, report or None when skipped)] (see :func:`iter_checks`)."""
    return list(iter_checks(path, seed=seed, diagnose=diagnose))


def _emit(text: str = "") -> None:
    """Print to stdout; a reader that stops reading (``| head``) ends the output, not the check."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # later output (and exit's flush) vanish


def _print_report(report: WorkingReport, block: Block) -> None:
    try:
        table = reading_table(block.declare, block.define)
    except ValueError:
        table = None
    for v in report.verdicts:
        lines = v.lines()
        _emit("  " + lines[0])
        if table is not None and v.status not in ("unparsable", "unchecked"):
            try:
                _emit("      read as: " + read_as(v.text, table, line=v.line).latex)
            except (ValueError, TypeError, RecursionError):
                pass  # the verdict itself says why the line was not read
        for t in lines[1:]:
            _emit("  " + t)
    _emit("  " + report.summary_line())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m emlib.derivation",
        description="Check the working in a Markdown file, line by line.",
        epilog=f"exit status: {EXIT_HOLDS} every step holds, {EXIT_BREAKS} a step breaks, {EXIT_UNREADABLE} "
               f"unreadable input or usage error, {EXIT_UNDECIDED} a step is undecided (with --strict)")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check every display-math chain of a Markdown file")
    check.add_argument("file", help="a Markdown file (see examples/working_example.md)")
    check.add_argument("--seed", type=int, default=0, help="seed of the checker's random points (default 0)")
    check.add_argument("--no-diagnose", action="store_true", help="do not look for typical slips")
    check.add_argument("--strict", action="store_true", help=f"exit {EXIT_UNDECIDED} when a step is undecided")
    args = parser.parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")  # a terminal without UTF-8 never raises
    path = Path(args.file)
    if not path.is_file():
        parser.error(f"no such file: {args.file}")
    if args.seed < 0:
        parser.error(f"--seed must be non-negative, got {args.seed}")
    statuses = []
    try:
        for block, report in iter_checks(path, seed=args.seed, diagnose=not args.no_diagnose):
            if report is None:
                _emit(f"{args.file}: block at line {block.start}: skipped")
                _emit()
                continue
            _emit(f"{args.file}: block at line {block.start}")  # each chain as soon as it is checked
            _print_report(report, block)
            _emit()
            statuses.append(report.status)
    except InputError as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except Exception as exc:  # noqa: BLE001  (an engine failure is reported in one line, never a traceback)
        print(f"{args.file}: cannot be checked: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    counts = {s: statuses.count(s) for s in ("holds", "breaks", "undecided", "unparsable")}
    _emit(f"{len(statuses)} chain{'s' if len(statuses) != 1 else ''} checked: "
          + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    if counts["unparsable"]:
        return EXIT_UNREADABLE
    if counts["breaks"]:
        return EXIT_BREAKS
    if counts["undecided"] and args.strict:
        return EXIT_UNDECIDED
    return EXIT_HOLDS


if __name__ == "__main__":
    sys.exit(main())
