"""Quick subset of the mutation analysis (``tools/mutation.py``; the full run is ``make mutation``).

* The catalogue still matches the library: every mutant's snippet occurs exactly once (a formula edited
  without updating the catalogue fails here, loudly, instead of being skipped by the full run).
* A stale snippet is reported with the reason, not skipped.
* Two fast mutants run end to end in temporary copies of the repository: each must fail at least one unit
  test and at least one notebook cell, while the unmutated copy passes the same selection (so a broken
  harness cannot pass). The harness itself asserts that every process imported the copy's emlib with the
  mutated file in place.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import mutation  # noqa: E402

# Mutant -> (unit test files, notebooks): each pair runs in well under 20 s.
QUICK = {
    "lstm_cell_forget_complement": (["tests/test_lstm.py"], ["notebooks/06_lstm_forward.ipynb"]),
    "rnn_dwh_off_by_one": (["tests/test_rnn.py"], ["notebooks/07_rnn_bptt.ipynb"]),
}
REQUIRED_MODULES = {
    "emlib.mixture._gaussian", "emlib.mixture._bernoulli", "emlib.kmeans", "emlib.lstm", "emlib.rnn",
    "emlib.boosting", "emlib.stumps", "emlib.divergence", "emlib.montecarlo", "emlib.latent",
}


def test_catalogue_matches_the_library_exactly_once():
    problems = mutation.validate(mutation.CATALOGUE, ROOT)
    assert not problems, "stale mutants (update tools/mutation.py):\n" + "\n".join(problems)
    assert REQUIRED_MODULES <= {m.module for m in mutation.CATALOGUE}


def test_stale_snippets_are_reported_not_skipped():
    good = next(m for m in mutation.CATALOGUE if m.id == "mc_se_sqrt_n")
    gone = dataclasses.replace(good, id="gone", old=good.old.replace("sqrt", "cbrt"), variants=())
    twice = dataclasses.replace(good, id="twice", old="import", variants=())
    problems = mutation.validate([gone, twice], ROOT)
    assert len(problems) == 2, problems
    assert "snippet not found" in problems[0] and "update the catalogue" in problems[0]
    assert "matches" in problems[1] and "times" in problems[1]
    with pytest.raises(mutation.StaleMutantError):
        mutation.locate(gone, ROOT)


def test_quick_mutants_are_killed_and_the_unmutated_copy_passes():
    mutants = [m for m in mutation.CATALOGUE if m.id in QUICK]
    assert len(mutants) == len(QUICK)
    # EMLIB_MUTATION_QUICK_REV=<commit> runs the same on a committed revision instead of the work tree.
    out = mutation.run_mutants(mutants, jobs=2, selection=QUICK, timeout=300, log=lambda s: None,
                               rev=os.environ.get("EMLIB_MUTATION_QUICK_REV") or None)
    base = out["baseline"]
    failing = sorted(k for k, v in base.outcomes.items() if v in ("failed", "error"))
    assert not failing, f"the unmutated copy fails the quick selection: {failing}"
    assert sum(k.startswith("notebooks.") for k in base.outcomes) >= 20  # both notebooks' cells ran
    results, _, _ = mutation.analyse(mutants, out)
    for r in results:
        assert r["killed_by_unit_tests"], f"{r['id']}: no unit test fails"
        assert r["killed_by_notebooks"], f"{r['id']}: no notebook cell fails"
    for run in [base, *out["runs"].values()]:  # the copies' emlib was imported, never the work tree's
        assert run.guard and all(not r["origin"].startswith(str(ROOT / "emlib")) for r in run.guard)


def test_cell_failures_are_classified_from_records_not_messages():
    ok = {"label": "KL >= 0", "status": "ok", "route": "numeric: 5 of 5 cases"}
    failed = {"label": "d/dx x^2 = 2x", "status": "failed", "route": "symbolic: exact residual", "detail": "x"}
    # the label comes from the logged record, whatever the exception text says
    step = "Cell 3: Cell execution caused an exception\nStepError: something unrelated to any label"
    assert mutation.classify_cell_failure(step, [failed], [dict(failed, status="ok")]) == {
        "kind": "check", "labels": ["d/dx x^2 = 2x"], "evidence": ["x"]}
    assert mutation.classify_cell_failure(step, [], [])["kind"] == "error"
    # a failure the stored notebook already shows (on purpose) is not the mutant's kill
    assert mutation.classify_cell_failure(step, [failed], [failed])["kind"] == "error"
    diff = "Cell 5: Cell outputs differ\n  + total 3.25\n"
    info = mutation.classify_cell_failure(diff, [dict(ok, route="numeric: 4 of 5 cases")], [ok])
    assert info["kind"] == "check-line" and info["labels"] == ["KL >= 0"]
    assert mutation.classify_cell_failure(diff, [ok], [ok])["kind"] == "output"


def test_a_derivation_logs_its_records_for_the_tool(tmp_path, monkeypatch):
    import sympy as sp

    from emlib.derivation import Derivation, StepError
    from emlib.derivation.records import RECORD_LOG_ENV, Check, read_record_log

    log = tmp_path / "records.jsonl"
    monkeypatch.setenv(RECORD_LOG_ENV, str(log))
    x = sp.Symbol("x", real=True)
    d = Derivation("logged", verbose=True)
    d.equal((x + 1) ** 2, x**2 + 2 * x + 1, "square")
    with pytest.raises(StepError):
        d.equal(x**2, 2 * x, "wrong")
    entries = read_record_log(log)
    assert [(e["title"], e["record"]["label"], e["record"]["status"]) for e in entries] == [
        ("logged", "square", "ok"), ("logged", "wrong", "failed")]
    assert [Check.from_dict(e["record"]) for e in entries] == [r for r in d.records]
    by_cell = mutation.logged_records(entries, tmp_path, [])
    assert by_cell == {}  # outside a kernel there is no cell to attribute a record to


def test_logged_records_are_attributed_to_cells_by_their_stored_labels(tmp_path):
    import nbformat

    from emlib.derivation.records import CHECK_MIME, SUMMARY_MIME

    def out(mime, data):
        return nbformat.v4.new_output("display_data", data={"text/plain": "", mime: data})

    nb = nbformat.v4.new_notebook()
    cells = [nbformat.v4.new_code_cell("a"), nbformat.v4.new_markdown_cell("m"), nbformat.v4.new_code_cell("b"),
             nbformat.v4.new_code_cell("c")]
    cells[0].outputs = [out(CHECK_MIME, {"label": "one", "status": "ok"}), out(CHECK_MIME, {"label": "same", "status": "ok"})]
    cells[2].outputs = [out(CHECK_MIME, {"label": "same", "status": "ok"})]
    cells[3].outputs = [out(SUMMARY_MIME, {"title": "T", "passed": 3, "total": 3})]
    nb.cells = cells
    (tmp_path / "nb").mkdir()
    nbformat.write(nb, tmp_path / "nb" / "x.ipynb")
    entries = [{"mime": CHECK_MIME, "title": "T", "execution_count": 1, "record": {"label": lab, "status": st}}
               for lab, st in [("one", "ok"), ("same", "ok"), ("new", "ok"), ("same", "failed")]]
    got = mutation.logged_records(entries, tmp_path, ["nb/x.ipynb"])
    # code cells count from 0 (the markdown cell is skipped); a repeated label goes to the next cell
    # that stored it; an unknown label stays with the record before it
    assert {k: [r["label"] + ":" + r["status"] for r in v] for k, v in got.items()} == {
        ("x.ipynb", 0): ["one:ok", "same:ok", "new:ok"], ("x.ipynb", 1): ["same:failed"]}
