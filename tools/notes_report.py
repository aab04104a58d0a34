"""The notes' printed chains (notes/*.md) through the reader's checker, line by line, and their agreement
with the notebooks' errata.

    python tools/notes_report.py                 # the per-document table (Markdown) on stdout
    python tools/notes_report.py --json FILE     # also every line's verdict as JSON (the site writes its own)
    python tools/notes_report.py --agreement     # also the agreement with notes/errata.json, entry by entry

Two sources of errata are compared, matched by outline item id (and, within an item, by the printed line):

* the notebooks: every result their checks refute (``notes/errata.json``; each refuted check record names
  its entry), each entry with its outline items;
* the printed chains: every step of a chain in ``notes/*.md`` that the checker finds broken.

A broken step is matched to the erratum of the same outline item whose printed LaTeX is closest to the
step's line; an erratum that gets a broken step *agrees*. An erratum that gets none is "found only by the
notebooks" (the printed chain there holds, is undecided, unreadable, skipped or absent: a finding to
explain, or a limit of the reader); a broken step with no erratum of its items is "found only by the
printed-chain check" (a finding to explain, or a misreading to fix). A step that holds, is undecided or is
unreadable is never an erratum.

The checker is used through its Python API (``emlib.derivation.__main__``: ``read_text``, ``read_blocks``,
``iter_checks``), exactly as ``python -m emlib.derivation check`` reads a file.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

ROOT = Path(__file__).resolve().parents[1]
NOTES_DIR = ROOT / "notes"
ERRATA_JSON = NOTES_DIR / "errata.json"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from emlib.derivation.__main__ import InputError, iter_checks, read_blocks, read_text  # noqa: E402

#: the checker's line statuses -> the four verdicts of a step (start/condition lines are not steps)
VERDICTS = {"holds": "holds", "breaks": "breaks", "undecided": "undecided",
            "unparsable": "unreadable", "unchecked": "unreadable"}
COUNTED = ("holds", "breaks", "undecided", "unreadable")
_ITEM = re.compile(r"<!--\s*item:\s*(.*?)\s*-->", re.S)
_SOURCE_FILE = re.compile(r"^(\d{3})_.*\.md$")


@dataclass
class LineResult:
    """One row of a printed chain: a step (or the chain's first line) and its verdict."""

    document: str  # "003"
    file: str  # "notes/003_expectation_maximization.md"
    chain: int  # 1-based index of the chain in its file
    chain_line: int  # file line of the chain's opening $$
    items: list[str]  # outline item ids of the chain
    line: int  # file line of the printed line
    relation: str  # its relation to the line before ('' for the first line)
    printed: str  # the printed LaTeX of this part of the line
    verdict: str  # holds | breaks | undecided | unreadable | start | condition | skipped
    evidence: str = ""  # the route (holds), why it breaks/is undecided/cannot be read, the counterexample
    diagnosis: str = ""  # the typical slip that explains a broken step

    @property
    def is_step(self) -> bool:
        return self.verdict in COUNTED


@dataclass
class Chain:
    """A printed chain of a notes file: its items, our one-line summary, and its rows."""

    document: str
    file: str
    index: int
    start: int
    items: list[str]
    summary: str
    skipped: str = ""  # the reason of a skip comment ('' when checked)
    rows: list[LineResult] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"notes-{self.document}-chain-{self.index}"


@dataclass
class DocumentReport:
    document: str
    file: str
    chains: list[Chain]
    error: str = ""  # the file cannot be checked as written (the checker's message)

    @property
    def rows(self) -> list[LineResult]:
        return [r for c in self.chains for r in c.rows]

    def counts(self) -> dict[str, int]:
        steps = [r for r in self.rows if r.is_step]
        out = {"chains": len(self.chains), "checked": sum(not c.skipped for c in self.chains),
               "steps": len(steps)}
        out.update({v: sum(r.verdict == v for r in steps) for v in COUNTED})
        return out


# ------------------------------------------------------------------------------------------- reading
def _annotations(text: str) -> list[tuple[int, list[str], str, str]]:
    """(file line, item ids, our summary line, skip reason) of every item comment, in file order."""
    lines = text.replace("\r\n", "\n").split("\n")
    out = []
    for m in _ITEM.finditer(text):
        number = text.count("\n", 0, m.start()) + 1
        items = [i for i in re.split(r"[,\s]+", m.group(1)) if i]
        summary, skip = "", ""
        for after in lines[number:]:  # the lines up to the chain: our words and the directives
            s = after.strip()
            if s.startswith(("$$", "\\[", "\\begin", "```")) or _ITEM.search(s):
                break
            if k := re.match(r"<!--\s*skip\s*:?\s*(.*?)\s*-->", s):
                skip = k.group(1) or "a statement, not working"
            elif s and not s.startswith("<!--") and not summary:
                summary = s
        out.append((number, items, summary, skip))
    return out


def _evidence(v) -> str:
    if v.status == "holds":
        return v.route
    parts = [v.detail] if v.detail else []
    if v.status == "unchecked" and not v.detail:
        parts.append("a neighbouring line cannot be read")
    if v.counterexample:
        parts.append("counterexample: " + ", ".join(f"{k} = {x}" for k, x in v.counterexample.items()))
    if v.values:
        parts.append(f"there the previous line is {v.values[0]} and this line is {v.values[1]}")
    return "; ".join(" ".join(p.split()) for p in parts)


def check_document(path: str | Path, *, seed: int = 0, root: Path = ROOT) -> DocumentReport:
    """Every chain of one notes file, checked line by line (a file the checker refuses is reported, not raised)."""
    path = Path(path)
    m = _SOURCE_FILE.match(path.name)
    document = m.group(1) if m else path.stem
    shown = str(path.resolve().relative_to(root)) if path.resolve().is_relative_to(root) else str(path)
    report = DocumentReport(document, shown, [])
    try:
        text = read_text(path)
        notes = _annotations(text)
        for index, (block, checked) in enumerate(iter_checks(path, seed=seed), start=1):
            before = [n for n in notes if n[0] < block.start]
            _, items, summary, skip = before[-1] if before else (0, [], "", "")
            chain = Chain(document, shown, index, block.start, items, summary)
            if checked is None:
                chain.skipped = skip or "marked skip"
                chain.rows = [LineResult(document, shown, index, block.start, items, n, "", " ".join(t.split()),
                                         "skipped") for t, n in zip(block.lines, block.numbers)]
            else:
                for v in checked.verdicts:
                    verdict = VERDICTS.get(v.status, v.status)  # start / condition stay as they are
                    chain.rows.append(LineResult(document, shown, index, block.start, items, v.line, v.relation or "",
                                                 " ".join(v.text.split()), verdict, _evidence(v),
                                                 v.diagnosis.line() if v.diagnosis else ""))
            report.chains.append(chain)
    except InputError as exc:
        report.error = str(exc)
    return report


def notes_files(directory: Path = NOTES_DIR) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.md") if _SOURCE_FILE.match(p.name))


def check_notes(paths: Iterable[str | Path] | None = None, *, seed: int = 0) -> list[DocumentReport]:
    """Check every notes file; the documents are independent, so they are checked in parallel processes
    (one per core), each with the same seed: the result does not depend on the number of processes."""
    import concurrent.futures
    import functools
    import os

    paths = list(notes_files() if paths is None else paths)
    workers = min(len(paths), os.cpu_count() or 1)
    if workers <= 1:
        return [check_document(p, seed=seed) for p in paths]
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(functools.partial(check_document, seed=seed), paths))


# ------------------------------------------------------------------------------------------- agreement
@dataclass(frozen=True)
class NotebookErratum:
    """What the notebooks' checks refute: an erratum id, its outline items and its printed LaTeX."""

    id: str
    items: tuple[str, ...]
    printed: str = ""

    @classmethod
    def from_json(cls, data: dict) -> "NotebookErratum":
        return cls(str(data["id"]), tuple(str(i) for i in data.get("items", ())),
                   str(data.get("printed_latex") or data.get("printed") or ""))


def load_notebook_errata(path: Path = ERRATA_JSON) -> list[NotebookErratum]:
    return [NotebookErratum.from_json(e) for e in json.loads(Path(path).read_text(encoding="utf-8"))["errata"]]


@dataclass
class Agreement:
    """One entry of the side-by-side errata: an erratum, the broken steps that match it, or both."""

    items: tuple[str, ...]
    erratum: str = ""  # its id ('' when only the printed-chain check finds it)
    breaks: list[LineResult] = field(default_factory=list)
    chain_state: str = ""  # for an erratum without a broken step: what the printed chains of its items say

    @property
    def source(self) -> str:
        if self.erratum and self.breaks:
            return "both"
        return "notebooks" if self.erratum else "chains"

    @property
    def verdict(self) -> str:
        return {"both": "both agree", "notebooks": "found only by the notebooks",
                "chains": "found only by the printed-chain check"}[self.source]

    def as_dict(self) -> dict:
        return {"items": list(self.items), "erratum": self.erratum, "source": self.source, "verdict": self.verdict,
                "lines": [r.line for r in self.breaks], "files": sorted({r.file for r in self.breaks}),
                "chain_state": self.chain_state}


def _squash(latex: str) -> str:
    """LaTeX without spacing and sizing commands, for comparing a printed line with an erratum's text."""
    latex = re.sub(r"\\(?:left|right|big|Big|bigg|Bigg|[,;:! ]|quad|qquad|mathrm|text|operatorname)(?![A-Za-z])", "", latex)
    return re.sub(r"[\s{}]", "", latex)


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _squash(a), _squash(b), autojunk=False).ratio()


def _state(chains: list[Chain]) -> str:
    """What the printed chains of an item say when none of their steps breaks (never an accusation)."""
    if not chains:
        return "no printed chain for this item"
    rows = [r for c in chains for r in c.rows if r.is_step]
    counts = {v: sum(r.verdict == v for r in rows) for v in COUNTED}
    skipped = sum(bool(c.skipped) for c in chains)
    parts = [f"{n} {v}" for v, n in counts.items() if n]
    if skipped:
        parts.append(f"{skipped} chain{'s' if skipped != 1 else ''} skipped (a statement, not working)")
    return ", ".join(parts) or "no step"


def compare(reports: Sequence[DocumentReport], errata: Sequence[NotebookErratum]) -> list[Agreement]:
    """The two sources side by side, one entry per erratum and per broken step that no erratum explains.

    A broken step goes to the erratum of one of its chain's items whose printed LaTeX is closest to the
    step's line (ties: the first in ``errata``'s order); only broken steps are ever matched or listed.
    """
    chains = [c for r in reports for c in r.chains]
    by_item: dict[str, list[int]] = {}
    for k, e in enumerate(errata):
        for item in e.items:
            by_item.setdefault(item, []).append(k)
    matched: dict[int, list[LineResult]] = {}
    alone: dict[tuple[str, ...], list[LineResult]] = {}
    for chain in chains:
        for row in chain.rows:
            if row.verdict != "breaks":
                continue
            candidates = sorted({k for item in chain.items for k in by_item.get(item, [])})
            if candidates:
                best = max(candidates, key=lambda k: (_similarity(errata[k].printed, row.printed), -k))
                matched.setdefault(best, []).append(row)
            else:
                alone.setdefault(tuple(chain.items), []).append(row)
    out = []
    for k, e in enumerate(errata):
        entry = Agreement(e.items, e.id, matched.get(k, []))
        if not entry.breaks:
            entry.chain_state = _state([c for c in chains if set(c.items) & set(e.items)])
        out.append(entry)
    out += [Agreement(items, "", rows) for items, rows in alone.items()]
    return sorted(out, key=lambda a: (_natural(a.items[0]) if a.items else [], a.erratum == "", a.erratum))


def _natural(key: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key)]


# ------------------------------------------------------------------------------------------- output
def summary_rows(reports: Sequence[DocumentReport], agreements: Sequence[Agreement]) -> list[dict]:
    """Per document: the counts of chains and steps, and the agreement with the notebooks' errata."""
    out = []
    for r in reports:
        row = {"document": r.document, **r.counts()}
        mine = [a for a in agreements if any(i.split("-")[0] == r.document for i in a.items)]
        row.update({AGREEMENT_KEYS[s]: sum(a.source == s for a in mine) for s in AGREEMENT_KEYS})
        row["error"] = r.error
        out.append(row)
    return out


AGREEMENT_KEYS = {"both": "agree", "notebooks": "only_notebooks", "chains": "only_chains"}
_TABLE = ("chains", "checked", "steps", *COUNTED, *AGREEMENT_KEYS.values())


def table_markdown(reports: Sequence[DocumentReport], agreements: Sequence[Agreement]) -> str:
    """The deterministic Markdown table of the README: one row per notes file and a total."""
    return summary_table(summary_rows(reports, agreements))


def summary_table(rows: Sequence[dict]) -> str:
    """The README's table from :func:`summary_rows` (also stored as ``summary`` by :func:`report_json`)."""
    lines = ["| notes | chains (checked) | steps | hold | break | undecided | unreadable "
             "| errata both find | found only by the notebooks | found only by the printed chains |",
             "|" + "---|" * 10]
    total = dict.fromkeys(_TABLE, 0)

    def line(name: str, row: dict) -> str:
        return (f"| {name} | {row['chains']} ({row['checked']}) | {row['steps']} | {row['holds']} | {row['breaks']} "
                f"| {row['undecided']} | {row['unreadable']} | {row['agree']} | {row['only_notebooks']} "
                f"| {row['only_chains']} |")

    for row in rows:
        error = " (cannot be read: " + row["error"].replace("|", "/") + ")" if row["error"] else ""
        lines.append(line(row["document"] + error, row))
        for k in _TABLE:
            total[k] += row[k]
    lines.append(line("all", total))
    return "\n".join(lines)


def agreement_markdown(agreements: Sequence[Agreement]) -> str:
    lines = ["| items | erratum | lines | agreement | printed chains there |", "|---|---|---|---|---|"]
    for a in agreements:
        where = ", ".join(f"{Path(r.file).name}:{r.line}" for r in a.breaks)
        lines.append(f"| {', '.join(a.items)} | {a.erratum or '—'} | {where or '—'} | {a.verdict} "
                     f"| {a.chain_state or 'breaks'} |")
    return "\n".join(lines)


def report_json(reports: Sequence[DocumentReport], agreements: Sequence[Agreement]) -> dict:
    return {"documents": [{"document": r.document, "file": r.file, "error": r.error, "counts": r.counts(),
                           "chains": [{**{k: v for k, v in asdict(c).items() if k != "rows"}, "anchor": c.anchor,
                                       "rows": [asdict(x) for x in c.rows]} for c in r.chains]}
                          for r in reports],
            "agreement": [a.as_dict() for a in agreements],
            "summary": summary_rows(reports, agreements)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path, help="notes files (default: notes/[0-9][0-9][0-9]_*.md)")
    parser.add_argument("--errata", type=Path, default=ERRATA_JSON, help="the notebooks' errata (notes/errata.json)")
    parser.add_argument("--json", type=Path, help="write every line's verdict and the agreement as JSON here")
    parser.add_argument("--agreement", action="store_true", help="also print the agreement entry by entry")
    parser.add_argument("--seed", type=int, default=0, help="seed of the checker's random points (default 0)")
    args = parser.parse_args(argv)
    for f in args.files:
        if not f.is_file():
            parser.error(f"no such file: {f}")
    if not args.errata.is_file():
        parser.error(f"no such file: {args.errata}")
    reports = check_notes(args.files or None, seed=args.seed)
    errata = load_notebook_errata(args.errata)
    if args.files:  # only the errata of the documents checked
        documents = {r.document for r in reports}
        errata = [e for e in errata if any(i.split("-")[0] in documents for i in e.items)]
    agreements = compare(reports, errata)
    print(table_markdown(reports, agreements))
    if args.agreement:
        print()
        print(agreement_markdown(agreements))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report_json(reports, agreements), indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
