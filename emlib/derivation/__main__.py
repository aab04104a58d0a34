"""``python -m emlib.derivation check WORK.md``: check the display-math chains of a Markdown file.

Syntax of WORK.md (see examples/working_example.md):

* every ``$$ ... $$`` block is one chain; its lines are separated by ``\\\\`` or newlines, and a line may
  start with its relation to the line before: ``=``, ``\\le``, ``\\ge``, ``<``, ``>``, ``\\Rightarrow``,
  ``\\Leftrightarrow`` (none means ``=``). ``&`` and ``\\begin{aligned}`` are ignored;
* ``<!-- domain: x positive; \\pi_k simplex; n integer -->`` declares the symbols of the blocks after it
  (until the next ``domain`` comment);
* ``<!-- define: h_1 = \\tanh(w_i x_1); h_2 = \\tanh(w_i x_2 + w_h h_1) -->`` declares abbreviations
  for the blocks after it (until the next ``define`` comment);
* ``<!-- skip -->`` right before a block leaves it unchecked (a statement, not working);
* code spans and fenced code blocks are not read.

Exit status: 0 every step holds (or is undecided), 1 a step breaks, 3 a line cannot be read (4 with
``--strict`` when a step is undecided and nothing breaks), 2 bad command-line arguments.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ._working import WorkingReport, check_working

EXIT_BREAKS, EXIT_USAGE, EXIT_UNPARSABLE, EXIT_UNDECIDED = 1, 2, 3, 4


@dataclass
class Block:
    start: int  # 1-based file line of the opening $$
    lines: list[str] = field(default_factory=list)  # file-aligned texts (columns as in the file)
    numbers: list[int] = field(default_factory=list)  # their file line numbers
    declare: str = ""
    define: list[tuple[str, str]] = field(default_factory=list)
    skip: bool = False


_COMMENT = re.compile(r"<!--\s*(domain|define|skip)\s*:?\s*(.*?)\s*-->", re.S)
_IGNORED = re.compile(r"\\(?:begin|end)\s*\{\s*(?:aligned|align\*?|split|gathered|equation\*?)\s*\}")


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def read_blocks(text: str) -> list[Block]:
    """The ``$$`` blocks of a Markdown text, with the declarations in force for each."""
    blocks: list[Block] = []
    declare, define, skip = "", [], False
    current: Block | None = None
    file_lines = text.splitlines()
    fenced = False
    for number, raw in enumerate(file_lines, start=1):
        if current is None and raw.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            continue
        line = re.sub(r"`[^`]*`", lambda m: " " * len(m.group(0)), raw) if current is None else raw
        if current is None:
            for m in _COMMENT.finditer(line):
                kind, body = m.group(1), m.group(2)
                if kind == "domain":
                    declare = body
                elif kind == "define":
                    define = []
                    for part in re.split(r";", body):
                        if part.strip():
                            if "=" not in part:
                                raise ValueError(f"line {number}: a definition needs name = value, got {part.strip()!r}")
                            name, value = part.split("=", 1)
                            define.append((name.strip(), value.strip()))
                else:
                    skip = True
        pos = 0
        while True:
            if current is None:
                k = line.find("$$", pos)
                if k < 0:
                    break
                current = Block(number, declare=declare, define=list(define), skip=skip)
                skip = False
                line = _blank(line, 0, k + 2)
                pos = k + 2
                continue
            k = line.find("$$", pos)
            segment = line if k < 0 else _blank(line, k, len(line))
            _add(current, segment, number)
            if k < 0:
                break
            blocks.append(current)
            current = None
            line = _blank(line, 0, k + 2)
            pos = k + 2
        if current is not None and number == len(file_lines):
            raise ValueError(f"line {current.start}: a $$ block is not closed")
    return blocks


def _add(block: Block, segment: str, number: int) -> None:
    segment = _IGNORED.sub(lambda m: " " * len(m.group(0)), segment)
    # split at \\ (a LaTeX line break), keeping the file's columns
    bounds, start = [], 0
    for m in re.finditer(r"\\\\", segment):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(segment)))
    for a, b in bounds:
        part = " " * a + segment[a:b]
        if part.strip():
            block.lines.append(part.rstrip())
            block.numbers.append(number)


def check_file(path: str | Path, *, seed: int = 0, diagnose: bool = True) -> list[tuple[Block, WorkingReport | None]]:
    text = Path(path).read_text(encoding="utf-8")
    out = []
    for block in read_blocks(text):
        if block.skip or not block.lines:
            out.append((block, None))
            continue
        report = check_working(block.lines, declare=block.declare, define=block.define or None, seed=seed,
                               diagnose_slips=diagnose, line_numbers=block.numbers)
        out.append((block, report))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emlib.derivation",
                                     description="Check the working in a Markdown file, line by line.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check every $$ ... $$ chain of a Markdown file")
    check.add_argument("file", help="a Markdown file (see examples/working_example.md)")
    check.add_argument("--seed", type=int, default=0, help="seed of the checker's random points (default 0)")
    check.add_argument("--no-diagnose", action="store_true", help="do not look for typical slips")
    check.add_argument("--strict", action="store_true", help=f"exit {EXIT_UNDECIDED} when a step is undecided")
    args = parser.parse_args(argv)
    path = Path(args.file)
    if not path.is_file():
        parser.error(f"no such file: {args.file}")
    try:
        results = check_file(path, seed=args.seed, diagnose=not args.no_diagnose)
    except ValueError as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return EXIT_UNPARSABLE
    statuses = []
    for block, report in results:
        if report is None:
            print(f"{args.file}: block at line {block.start}: skipped")
            print()
            continue
        print(f"{args.file}: block at line {block.start}")
        for v in report.verdicts:
            for t in v.lines():
                print("  " + t)
        print("  " + report.summary_line())
        print()
        statuses.append(report.status)
    counts = {s: statuses.count(s) for s in ("holds", "breaks", "undecided", "unparsable")}
    print(f"{len(statuses)} chain{'s' if len(statuses) != 1 else ''} checked: "
          + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    if counts["unparsable"]:
        return EXIT_UNPARSABLE
    if counts["breaks"]:
        return EXIT_BREAKS
    if counts["undecided"] and args.strict:
        return EXIT_UNDECIDED
    return 0


if __name__ == "__main__":
    sys.exit(main())
