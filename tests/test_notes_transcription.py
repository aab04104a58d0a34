"""notes/ holds the source notes' derivation chains as printed: nothing in a chain is re-typed.

Each ``$$`` block of a ``notes/NNN_*.md`` file must be the printed LaTeX of its source document after
undoing the block's listed OCR repairs (``<!-- repair: "OLD" -> "NEW" (reason) -->``): every line of the
block, whitespace normalised, occurs in the source text, the lines in the printed order, and two lines
taken from the same display are separated there only by whitespace or by a declared elision
(``<!-- elide: "TEXT" (reason) -->``). Every derivation and worked example of the outline has a chain (or
an explicit exclusion with its reason), every block names its outline item(s), says in its own words what
it derives, and declares its symbols and abbreviations, and the checker's own reader sees the same blocks.
The source notes live outside the repository: set EMLIB_SOURCE_NOTES to their folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from emlib.derivation.__main__ import read_blocks

ROOT = Path(__file__).resolve().parents[1]
NOTES = ROOT / "notes"
# the source notes live outside the repository: in shared/ beside the checkout (as CI lays it out)
SOURCE_DIR = Path(os.environ.get("EMLIB_SOURCE_NOTES") or next(
    (p for p in (ROOT.parent / "shared" / "source-notes", Path("/work/shared/source-notes")) if p.is_dir()),
    ROOT.parent / "shared" / "source-notes"))

#: outline items with a tag that asks for a chain, but nothing printed to transcribe as one
EXCLUDED = {
    "004-01": "exercise set-up: the LSTM's conventions, inputs, weights and biases, no derivation lines",
    "004-06": "exercise summary table of the four steps (a table, not LaTeX lines); 004-02..05 hold the lines",
    "004-07": "exercise set-up: the loss, the network and the dependency list, no derivation lines",
    "004-11": "exercise set-up: the boosting objective is stated, no derivation lines",
    "004-14": "exercise set-up: the EM definitions (E-step Q and M-step argmax) are stated, not derived",
}

_REPAIR = re.compile(r'<!--\s*repair:\s*"([^"]*)"\s*->\s*"([^"]*)"\s*\((.+)\)\s*-->\s*$')
_ELIDE = re.compile(r'<!--\s*elide:\s*"([^"]+)"\s*\((.+)\)\s*-->\s*$')
_ITEM = re.compile(r"<!--\s*item:\s*(\d{3}-\d{2}(?:\s*,\s*\d{3}-\d{2})*)\s*-->\s*$")
_SOURCE = re.compile(r"<!--\s*source:\s*(\S+)\s*-->")
_OUTLINE_ITEM = re.compile(r"^\*\*(\d{3}-\d{2}) \[([a-z /]+)\]", re.M)


@dataclass
class NoteBlock:
    start: int  # 1-based line of the opening $$
    items: list[str]
    words: list[str]  # the own-words lines above the block
    repairs: list[tuple[str, str, str]]
    elides: list[tuple[str, str]]
    declared: set[str]  # "domain" / "define" comments seen since the previous block
    skip: bool
    lines: list[str] = field(default_factory=list)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _note_files() -> list[Path]:
    return sorted(p for p in NOTES.glob("[0-9][0-9][0-9]_*.md"))


def _parse(path: Path) -> tuple[str, list[NoteBlock]]:
    text = path.read_text(encoding="utf-8")
    m = _SOURCE.search(text)
    assert m, f"{path.name}: no <!-- source: FILE --> comment"
    blocks: list[NoteBlock] = []
    pending = dict(items=[], words=[], repairs=[], elides=[], declared=set(), skip=False)
    current: NoteBlock | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if current is not None:
            if line == "$$":
                blocks.append(current)
                current = None
                pending = dict(items=[], words=[], repairs=[], elides=[], declared=set(), skip=False)
            else:
                assert "$$" not in line, f"{path.name}:{number}: write $$ alone on its line"
                current.lines.append(raw)
            continue
        if line == "$$":
            current = NoteBlock(number, **pending)
            continue
        assert "$$" not in line, f"{path.name}:{number}: write $$ alone on its line"
        if (r := _REPAIR.match(line)) is not None:
            pending["repairs"].append((r.group(1), r.group(2), r.group(3)))
        elif line.startswith("<!-- repair"):
            pytest.fail(f"{path.name}:{number}: cannot read the repair (write <!-- repair: \"OLD\" -> \"NEW\" (reason) -->)")
        elif (e := _ELIDE.match(line)) is not None:
            pending["elides"].append((e.group(1), e.group(2)))
        elif line.startswith("<!-- elide"):
            pytest.fail(f"{path.name}:{number}: cannot read the elision (write <!-- elide: \"TEXT\" (reason) -->)")
        elif (i := _ITEM.match(line)) is not None:
            pending["items"].extend(x.strip() for x in i.group(1).split(","))
        elif re.match(r"<!--\s*(domain|define)\s*:", line):
            pending["declared"].add(re.match(r"<!--\s*(domain|define)", line).group(1))
        elif re.match(r"<!--\s*skip\s*:\s*\S", line):
            pending["skip"] = True
        elif line.startswith("<!-- skip"):
            pytest.fail(f"{path.name}:{number}: a skip needs its reason: <!-- skip: reason -->")
        elif line and not line.startswith(("#", "<!--")) and pending["items"]:
            pending["words"].append(line)
    assert current is None, f"{path.name}: a $$ block is not closed"
    return m.group(1), blocks


def _all() -> list[tuple[Path, str, list[NoteBlock]]]:
    if not SOURCE_DIR.is_dir():
        pytest.skip(f"the source notes are not here: {SOURCE_DIR} (set EMLIB_SOURCE_NOTES)")
    out = []
    for path in _note_files():
        source, blocks = _parse(path)
        out.append((path, source, blocks))
    return out


def _undo(line: str, repairs: list[tuple[str, str, str]]) -> str:
    for old, new, _ in reversed(repairs):
        line = line.replace(new, old)
    return line


def _outline_items() -> dict[str, str]:
    text = (SOURCE_DIR / "OUTLINE.md").read_text(encoding="utf-8")
    return {m.group(1): m.group(2) for m in _OUTLINE_ITEM.finditer(text)}


def test_five_documents_each_with_chains():
    found = _all()
    sources = sorted(p.name for p in SOURCE_DIR.glob("[0-9][0-9][0-9]_*.txt"))
    assert sorted(s for _, s, _ in found) == sources, "one notes file per source document"
    for path, source, blocks in found:
        assert path.name[:3] == source[:3], f"{path.name} transcribes {source}"
        assert blocks, f"{path.name} has no chains"


def test_every_block_is_the_printed_latex_after_its_repairs():
    problems = []
    for path, source, blocks in _all():
        printed = _norm((SOURCE_DIR / source).read_text(encoding="utf-8"))
        for b in blocks:
            where = f"{path.name}:{b.start}"
            if not [ln for ln in b.lines if ln.strip()]:
                problems.append(f"{where}: empty block")
                continue
            for old, new, reason in b.repairs:
                if old == new or not new:
                    problems.append(f"{where}: repair {old!r} -> {new!r} changes nothing or deletes (use elide)")
                if not any(new in ln for ln in b.lines):
                    problems.append(f"{where}: repair {old!r} -> {new!r} ({reason}) is not used in the block")
            elides = [_norm(t) for t, _ in b.elides]
            used: set[str] = set()
            pos, prev_end = 0, None
            for ln in b.lines:
                if not ln.strip():
                    continue
                want = _norm(_undo(ln, b.repairs))
                k = printed.find(want, pos)
                if k < 0:
                    hint = " (it is printed, but before the line above)" if printed.find(want) >= 0 else ""
                    problems.append(f"{where}: not printed as written{hint}: {ln.strip()[:100]}")
                    continue
                if prev_end is not None:
                    gap = printed[prev_end:k]
                    if "$" not in gap:  # both lines come from one display: nothing may be left out silently
                        for e in elides:
                            if e in gap:
                                gap = gap.replace(e, "", 1)
                                used.add(e)
                        if gap.strip():
                            problems.append(f"{where}: printed text left out between two lines: {gap.strip()[:80]!r}"
                                            " (declare it with <!-- elide: \"TEXT\" (reason) -->)")
                pos = prev_end = k + len(want)
            for e in elides:
                if e not in used:
                    problems.append(f"{where}: elision {e[:60]!r} is not between two lines of the block")
    assert not problems, "\n".join(problems)


def test_every_block_has_items_own_words_and_declarations():
    outline = _outline_items()
    problems = []
    for path, source, blocks in _all():
        printed = _norm((SOURCE_DIR / source).read_text(encoding="utf-8"))
        for b in blocks:
            where = f"{path.name}:{b.start}"
            if not b.items:
                problems.append(f"{where}: no <!-- item: NNN-NN --> above the block")
            for item in b.items:
                if item not in outline:
                    problems.append(f"{where}: {item} is not an outline item")
                elif item[:3] != source[:3]:
                    problems.append(f"{where}: {item} belongs to another document")
            if len(b.words) != 1:
                problems.append(f"{where}: say in one line of your own words what the chain derives (found {len(b.words)})")
            elif len(_norm(b.words[0])) > 30 and _norm(b.words[0]) in printed:
                problems.append(f"{where}: the description is copied from the notes")
            if b.declared != {"domain", "define"}:
                problems.append(f"{where}: declare both <!-- domain: ... --> and <!-- define: ... --> (empty if none),"
                                " so that no declaration leaks from the block above")
    assert not problems, "\n".join(problems)


def test_every_derivation_of_the_outline_has_a_chain():
    outline = _outline_items()
    wanted = {i for i, tag in outline.items() if "derivation" in tag or "worked example" in tag or "exercise" in tag}
    assert len([i for i, t in outline.items() if t == "derivation"]) == 41, "the outline's own count of derivations"
    covered = {item for _, _, blocks in _all() for b in blocks for item in b.items}
    missing = sorted(wanted - covered - set(EXCLUDED))
    assert not missing, f"outline items without a chain in notes/: {missing}"
    stale = sorted(set(EXCLUDED) & covered)
    assert not stale, f"excluded but transcribed: {stale}"
    assert set(EXCLUDED) <= wanted, "an exclusion that is not a derivation, worked example or exercise"


def test_the_checker_reads_the_same_blocks():
    for path, _, blocks in _all():
        theirs = read_blocks(path.read_text(encoding="utf-8"))
        assert [b.start for b in theirs] == [b.start for b in blocks], path.name
        assert [b.skip for b in theirs] == [b.skip for b in blocks], path.name
        for mine, their in zip(blocks, theirs):
            if not mine.skip:
                assert their.lines, f"{path.name}:{mine.start}: the checker sees no line in the block"
