"""The helpers of the nbval reruns do what the reruns rely on (no notebook is run here).

``tests/test_bite.py`` runs tampered copies of every notebook under the project's configuration and
expects each to fail exactly at the tampered cell; that run replaces the former control here (an
intact and a tampered copy of notebook 00 under a bare nbval configuration). These tests check the
pieces it depends on: ``tamper`` changes exactly one digit of one compared output of every notebook,
the expected nbval cell names, the JUnit parsing, and the scratch configuration that equals the
project's.
"""

from __future__ import annotations

import copy
import shlex

import nbformat
import pytest

from nbval_helpers import (
    NOTEBOOKS,
    ROOT,
    compared_stdout_cells,
    junit_failures,
    junit_results,
    nbval_cell_name,
    tamper,
    write_project_config,
)


def _stream_texts(nb):
    return [[o.get("text") for o in c.get("outputs", [])] for c in nb.cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_tamper_changes_one_digit_of_one_compared_output(path):
    nb = nbformat.read(path, as_version=4)
    tampered = copy.deepcopy(nb)
    index, original, changed = tamper(tampered)
    assert index in compared_stdout_cells(nb)
    assert "nbval-ignore-output" not in nb.cells[index].metadata.get("tags", [])
    before, after = _stream_texts(nb), _stream_texts(tampered)
    differing = [(i, j) for i, (a, b) in enumerate(zip(before, after)) for j, (x, y) in enumerate(zip(a, b)) if x != y]
    assert [i for i, _ in differing] == [index]  # one output of one cell, nothing else
    assert len(original) == len(changed)
    diff = [(x, y) for x, y in zip(original, changed) if x != y]
    assert len(diff) == 1 and diff[0][0].isdigit() and diff[0][1].isdigit()
    assert original in nb.cells[index].outputs[differing[0][1]].text


def test_nbval_cell_names_count_code_cells_only():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# title"),
        nbformat.v4.new_code_cell("1"),
        nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell("2"),
    ])
    assert [nbval_cell_name(nb, i) for i in (1, 3)] == ["Cell 0", "Cell 1"]


def test_junit_parsing(tmp_path):
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite>'
        '<testcase file="a.ipynb" name="Cell 0"/>'
        '<testcase file="a.ipynb" name="Cell 1"><failure message="Cell outputs differ">mismatch \'stdout\'</failure></testcase>'
        '<testcase file="b.ipynb" name="Cell 0"><error message="boom">trace</error></testcase>'
        '<testcase file="b.ipynb" name="Cell 1"><skipped/></testcase>'
        '</testsuite></testsuites>'
    )
    assert junit_results(report) == {"a.ipynb": {"Cell 0": "passed", "Cell 1": "failed"},
                                     "b.ipynb": {"Cell 0": "error", "Cell 1": "skipped"}}
    failures = junit_failures(report)
    assert "mismatch 'stdout'" in failures["a.ipynb"]["Cell 1"] and "boom" in failures["b.ipynb"]["Cell 0"]


def test_scratch_configuration_is_the_projects(tmp_path):
    try:
        import tomllib
    except ModuleNotFoundError:
        import tomli as tomllib
    write_project_config(tmp_path)
    ini = (tmp_path / "pytest.ini").read_text()
    addopts = shlex.split(next(line for line in ini.splitlines() if line.startswith("addopts = "))[len("addopts = "):])
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    assert len(addopts) == len(project)
    for ours, theirs in zip(addopts, project):
        if theirs.startswith("--nbval-sanitize-with="):
            path = ours.split("=", 1)[1]
            assert path == str(ROOT / theirs.split("=", 1)[1]) and (ROOT / theirs.split("=", 1)[1]).exists()
        else:
            assert ours == theirs
    assert (tmp_path / "conftest.py").read_bytes() == (ROOT / "conftest.py").read_bytes()
