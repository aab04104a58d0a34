"""tools/notes_report.py and the errata page built from two sources, on small fixtures (independent of the
real notes, whose verdicts change as the reader improves): a fake notes file with a chain that holds, one
that breaks, one that the reader cannot read and a statement, and fake notebook errata."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build_site  # noqa: E402
import notes_report  # noqa: E402

FAKE = """# A fake source document

<!-- item: 900-01 -->
Expands a square.
<!-- domain: -->
<!-- define: -->
$$
(a+b)^2 = a^2 + 2ab + b^2
$$

<!-- item: 900-02 -->
Expands a square and forgets the cross term.
<!-- domain: -->
<!-- define: -->
$$
(a+b)^2 = a^2 + b^2
$$

<!-- item: 900-03 -->
A line the reader cannot read.
<!-- domain: -->
<!-- define: -->
$$
a = \\frobnicate{b}
$$

<!-- item: 900-04 -->
A definition.
<!-- domain: -->
<!-- define: -->
<!-- skip: a definition, not working -->
$$
f = a b
$$
"""
E = notes_report.NotebookErratum


@pytest.fixture(scope="module")
def fake(tmp_path_factory) -> notes_report.DocumentReport:
    path = tmp_path_factory.mktemp("notes") / "900_fake.md"
    path.write_text(FAKE, encoding="utf-8")
    return notes_report.check_document(path)


def _by_item(report):
    return {tuple(c.items): c for c in report.chains}


def test_every_line_gets_its_verdict(fake):
    assert fake.document == "900" and not fake.error
    chains = _by_item(fake)
    assert [(r.line, r.verdict) for r in chains[("900-01",)].rows] == [(8, "start"), (8, "holds")]
    broken = chains[("900-02",)].rows[-1]
    assert (broken.line, broken.relation, broken.printed, broken.verdict) == (16, "=", "a^2 + b^2", "breaks")
    assert "counterexample" in broken.evidence  # the engine's evidence, not just the word
    assert {r.verdict for r in chains[("900-03",)].rows if r.is_step} == {"unreadable"}
    assert chains[("900-04",)].skipped == "a definition, not working"
    assert [r.verdict for r in chains[("900-04",)].rows] == ["skipped"]
    assert chains[("900-02",)].summary == "Expands a square and forgets the cross term."
    counts = fake.counts()
    assert (counts["chains"], counts["checked"], counts["holds"], counts["breaks"], counts["unreadable"]) == (4, 3, 1, 1, 1)


def test_agreement_of_the_two_sources(fake):
    errata = [E("900-02", ("900-02",), "(a+b)^2 = a^2 + b^2"),  # the broken line: both agree
              E("900-01", ("900-01",), "(a+b)^2 = a^2 + 2ab + b^2"),  # the line holds: notebooks only
              E("900-03", ("900-03",), "a = b"),  # unreadable: notebooks only, never the chain's accusation
              E("900-09", ("900-09",), "x")]  # no printed chain
    got = {a.erratum or a.items: a for a in notes_report.compare([fake], errata)}
    assert got["900-02"].source == "both" and [r.line for r in got["900-02"].breaks] == [16]
    assert got["900-01"].verdict == "found only by the notebooks" and got["900-01"].chain_state == "1 holds"
    assert got["900-03"].source == "notebooks" and got["900-03"].chain_state == "1 unreadable"
    assert got["900-09"].chain_state == "no printed chain for this item"
    # without the erratum of 900-02, its broken line is found only by the printed-chain check
    alone = notes_report.compare([fake], errata[1:])
    only = [a for a in alone if a.source == "chains"]
    assert [(a.items, [r.line for r in a.breaks]) for a in only] == [(("900-02",), [16])]
    assert only[0].verdict == "found only by the printed-chain check"
    # no false accusation: only broken lines are ever matched to an erratum or listed
    for a in [*alone, *got.values()]:
        assert all(r.verdict == "breaks" for r in a.breaks)


def test_a_break_goes_to_the_closest_erratum_of_its_item(fake):
    errata = [E("900-02a", ("900-02",), r"\log x = y"), E("900-02b", ("900-02",), "(a+b)^2 = a^2+b^2")]
    got = {a.erratum: a.source for a in notes_report.compare([fake], errata)}
    assert got == {"900-02a": "notebooks", "900-02b": "both"}


def test_the_table_and_the_json(fake, tmp_path):
    agreements = notes_report.compare([fake], [E("900-02", ("900-02",), "")])
    table = notes_report.table_markdown([fake], agreements).splitlines()
    assert table[2] == "| 900 | 4 (3) | 3 | 1 | 1 | 0 | 1 | 1 | 0 | 0 |"
    assert table[3] == "| all | 4 (3) | 3 | 1 | 1 | 0 | 1 | 1 | 0 | 0 |"
    assert notes_report.table_markdown([fake], agreements) == "\n".join(table)  # deterministic
    data = json.loads(json.dumps(notes_report.report_json([fake], agreements)))
    rows = [r for c in data["documents"][0]["chains"] for r in c["rows"]]
    assert {"document", "items", "chain", "line", "printed", "verdict", "evidence", "diagnosis"} <= set(rows[0])
    assert data["agreement"] == [{"items": ["900-02"], "erratum": "900-02", "source": "both", "verdict": "both agree",
                                  "lines": [16], "files": [fake.file], "chain_state": ""}]


def test_a_file_the_checker_refuses_is_reported_not_raised(tmp_path):
    bad = tmp_path / "901_bad.md"
    bad.write_text("no chain at all\n", encoding="utf-8")
    report = notes_report.check_document(bad)
    assert report.chains == [] and "no chains found" in report.error
    assert "cannot be read" in notes_report.table_markdown([report], [])


def test_the_command_line(tmp_path, fake, capsys):
    errata = tmp_path / "errata.json"
    errata.write_text(json.dumps({"errata": [{"id": "900-01", "items": ["900-01"], "printed_latex": "x"},
                                             {"id": "123-01", "items": ["123-01"]}]}), encoding="utf-8")
    out = tmp_path / "site" / "notes.json"
    assert notes_report.main([fake.file, "--errata", str(errata), "--json", str(out), "--agreement"]) == 0
    printed = capsys.readouterr().out
    assert "| 900 | 4 (3) | 3 | 1 | 1 | 0 | 1 | 0 | 1 | 1 |" in printed
    assert "123-01" not in printed  # only the errata of the documents checked
    assert json.loads(out.read_text())["summary"][0]["only_chains"] == 1
    with pytest.raises(SystemExit):
        notes_report.main([str(tmp_path / "missing.md")])


# ------------------------------------------------------------------------------------------- the site's pages
def _notebook(records: list[dict]) -> build_site.NotebookInfo:
    checks = [build_site.CheckRecord.from_json(r, 3 + 2 * k, 2 + 2 * k) for k, r in enumerate(records)]
    seen: set[str] = set()
    for c in checks:
        c.anchor = build_site.check_anchor("01_fake", c.check.label, seen)
    return build_site.NotebookInfo(Path("01_fake.ipynb"), "Fake", "", checks, [], [], 0)


def test_the_errata_page_from_two_sources(fake):
    refuted = dict(status="refuted", severity="slip", route="refuted")
    info = _notebook([{**refuted, "label": "square as printed", "sources": ["900-02"], "erratum": "900-02",
                       "printed_latex": "(a+b)^2 = a^2 + b^2", "correct_latex": "(a+b)^2 = a^2 + 2ab + b^2"},
                      {**refuted, "label": "square again", "sources": ["900-01"], "erratum": "900-01",
                       "printed_latex": "(a+b)^2 = a^2 + 2ab + b^2"}])
    errata = build_site.collect_errata([info])
    page = build_site.errata_md([info], errata, notes=[fake])
    side = page.split("(errata-two-sources)=")[1]
    assert "1 erratum found by both, 1 found only by the notebooks, 0 found only by the printed-chain check" in side
    rows = {line.split("|")[2].strip(): line for line in side.splitlines() if line.startswith("| {ref}`900")}
    assert "both agree" in rows["{ref}`900-02 <erratum-900-02>`"]
    assert "900\\_fake.md line 16" in rows["{ref}`900-02 <erratum-900-02>`"] or "900_fake.md line 16" in rows["{ref}`900-02 <erratum-900-02>`"]
    assert "found only by the notebooks" in rows["{ref}`900-01 <erratum-900-01>`"] and "1 holds" in rows["{ref}`900-01 <erratum-900-01>`"]
    assert "line 8" not in page  # the holding line is never shown as an erratum
    # a break no notebook check names is listed on its own, as a finding to explain
    only = build_site.errata_md([info], build_site.collect_errata([_notebook([])]), notes=[fake])
    assert "found only by the printed-chain check" in only and "(errata-chain-only-0)=" in only
    assert "``= a^2 + b^2``" in only or "`= a^2 + b^2`" in only
    assert only.count("line 16") >= 1 and "line 8" not in only


def test_items_and_notes_pages_link_the_printed_chain(fake):
    info = _notebook([{"label": "900-01 square", "sources": ["900-01"], "status": "ok", "route": "symbolic"}])
    items = build_site.items_md([info], notes=[fake])
    entry = items.split("(item-900-01)=")[1].split("(item-900-02)=")[0]
    assert "{ref}`900 chain 1 <notes-900-chain-1>` (1 holds)" in entry
    assert "(item-900-04)=" in items and "not checked, a statement" in items  # items with a chain only are listed
    page = build_site.notes_md(fake)
    assert "(notes-900-chain-2)=" in page and "(notes-900-line-16)=" in page
    assert "* line 16: `= a^2 + b^2`: **breaks**" in page
    assert "* line 8: `= a^2 + 2ab + b^2`: holds" in page
    assert "unreadable (a limit of the reader)" in page


def test_code_spans_hold_any_backticks():
    assert build_site.code("a`b") == "``a`b``"
    assert build_site.code("`a") == "`` `a ``"
    assert build_site.code("  x   y ") == "`x y`"


def test_a_relative_path_is_shown_from_the_repository(monkeypatch):
    monkeypatch.chdir(ROOT)
    report = notes_report.check_document(Path("notes/001_esc_mixture_models_em.md"))
    assert report.file == "notes/001_esc_mixture_models_em.md" and report.document == "001"
    assert all(r.file == report.file for r in report.rows)


def test_a_check_cell_links_to_the_printed_chains_of_its_items(fake):
    output = build_site.printed_chains_output([c for c in fake.chains if c.items == ["900-02"]])
    assert output["data"]["text/html"] == ('<p class="emlib-printed-chains">The notes as printed: '
                                           '<a href="notes-900.html#notes-900-chain-2">900-02, chain 2 of 900</a> (1 breaks)</p>')
