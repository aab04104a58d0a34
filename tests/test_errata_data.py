"""The errata of the notes are written once, as data (notes/errata.json), and the notebooks use them.

Every entry has all its fields and a reason for its severity; every refuted check stored in a notebook
names an entry and carries that entry's fields; every entry is refuted by exactly one notebook check;
and every ``expect_false`` in a notebook is the id form (the printed and correct results are written in
the catalogue, not in the notebook).
"""

from __future__ import annotations

import ast
import json
from collections import Counter
from pathlib import Path

import nbformat
import pytest
import sympy as sp

from emlib.derivation import Derivation
from emlib.derivation.errata import FIELDS, Erratum, errata_markdown, erratum, load_errata
from emlib.derivation.records import CHECK_MIME, notebook_records

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CATALOGUE = load_errata()


def _refuted_records() -> list[tuple[str, dict]]:
    out = []
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for rec in notebook_records(nb, (CHECK_MIME,)):
            if rec.data.get("status") == "refuted":
                out.append((path.name, rec.data))
    return out


def test_every_entry_has_all_fields_and_a_reason():
    assert CATALOGUE, "the errata catalogue is empty"
    for e in CATALOGUE.values():
        assert isinstance(e, Erratum)
        for name in FIELDS:
            assert getattr(e, name), f"{e.id}: empty {name}"
        assert e.severity in ("error", "slip"), e.id
        assert len(e.why.split()) >= 8, f"{e.id}: the reason for its severity is too short: {e.why!r}"
        assert e.items[0] == e.id[:6] and e.document == e.id[:3], e.id


def test_every_refuted_check_names_an_entry_with_its_fields():
    refuted = _refuted_records()
    assert refuted, "no refuted check records stored in the notebooks"
    for name, data in refuted:
        eid = data.get("erratum", "")
        assert eid in CATALOGUE, f"{name}: refuted check {data['label']!r} names no errata entry ({eid!r})"
        e = CATALOGUE[eid]
        for key in ("printed", "correct", "printed_latex", "correct_latex", "where", "severity", "why"):
            assert data.get(key, "") == getattr(e, key), f"{name}: {eid}: the stored record's {key} is not the entry's"
        assert tuple(data["sources"]) == e.items, f"{name}: {eid}: sources {data['sources']} are not the entry's items"


def test_every_entry_is_refuted_by_exactly_one_check():
    counts = Counter(data.get("erratum", "") for _, data in _refuted_records())
    unused = [k for k in CATALOGUE if counts[k] == 0]
    twice = {k: n for k, n in counts.items() if n > 1}
    assert not unused, f"errata entries no notebook check refutes: {unused}"
    assert not twice, f"errata entries refuted by more than one check: {twice}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_use_the_id_form(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "expect_false" not in cell.source:
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "expect_false":
                assert len(node.args) == 1 and not node.keywords, (
                    f"{path.name} cell {i}: expect_false must take one erratum id and nothing else")
                arg = node.args[0]
                if isinstance(arg, ast.Constant):
                    assert arg.value in CATALOGUE, f"{path.name} cell {i}: unknown erratum {arg.value!r}"


def test_expect_false_fills_the_record_from_the_entry():
    e = next(iter(CATALOGUE.values()))
    x = sp.Symbol("x", real=True)
    d = Derivation("errata", verbose=False)
    with d.expect_false(e.id):
        d.equal(x + 1, x, "x + 1 = x")
    rec = d.records[-1]
    assert rec.status == "refuted" and rec.erratum == e.id and rec.why == e.why
    assert (rec.printed, rec.correct, rec.where, rec.severity, rec.sources) == (e.printed, e.correct, e.where,
                                                                                 e.severity, e.items)
    assert rec.as_dict()["erratum"] == e.id
    d.equal(x, x, "x = x")
    assert "erratum" not in d.records[-1].as_dict()  # ordinary records keep their stored form


def test_expect_false_refuses_an_id_with_fields_and_unknown_ids():
    d = Derivation("errata", verbose=False)
    e = next(iter(CATALOGUE))
    with pytest.raises(TypeError, match="printed"):
        with d.expect_false(e, printed="something"):
            pass
    with pytest.raises(ValueError, match="no erratum '999-99'"):
        with d.expect_false("999-99"):
            pass
    with pytest.raises(TypeError, match="string"):
        erratum(3)


def _write(tmp_path, entries) -> Path:
    p = tmp_path / "errata.json"
    p.write_text(json.dumps({"errata": entries}), encoding="utf-8")
    return p


def test_malformed_catalogues_are_refused_naming_the_entry(tmp_path):
    good = {k: getattr(next(iter(CATALOGUE.values())), k) for k in FIELDS}
    good["items"] = list(good["items"])
    assert list(load_errata(_write(tmp_path, [good]))) == [good["id"]]
    for change, message in (({"why": ""}, "'why' must be non-empty"), ({"severity": "typo"}, "severity"),
                            ({"id": "2-6"}, "an id is"), ({"items": []}, "'items'"), ({"colour": "red"}, "unknown")):
        with pytest.raises(ValueError, match=message):
            load_errata(_write(tmp_path, [{**good, **change}]))
    missing = {k: v for k, v in good.items() if k != "where"}
    with pytest.raises(ValueError, match=f"{good['id']}.*missing fields \\['where'\\]"):
        load_errata(_write(tmp_path, [missing]))
    with pytest.raises(ValueError, match="appears twice"):
        load_errata(_write(tmp_path, [good, good]))
    with pytest.raises(ValueError, match="no errata catalogue"):
        load_errata(tmp_path / "absent.json")


def test_errata_markdown_lists_the_entries_typeset():
    ids = list(CATALOGUE)[:2]
    text = errata_markdown(ids + ids[:1])
    assert text.count("* **") == 2  # each entry once
    for i in ids:
        e = CATALOGUE[i]
        assert f"**{i}** ({e.severity})" in text and f"${e.printed_latex}$" in text and f"${e.correct_latex}$" in text
    folded = errata_markdown(ids, fold="What the notes print")
    assert folded.startswith("<details") and "<summary>What the notes print</summary>" in folded
    assert folded.rstrip().endswith("</details>")
    with pytest.raises(ValueError, match="999-99"):
        errata_markdown(["999-99"])
    with pytest.raises(TypeError, match="list"):
        errata_markdown(ids[0])
