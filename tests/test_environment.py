"""The three places that name dependencies must agree: constraints.txt, environment.yml, pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^\s*(?:-\s*)?([A-Za-z0-9_.\-]+)\s*==\s*([0-9][^\s#]*)\s*(?:#.*)?$")

# Versions that decide stored notebook outputs must be pinned exactly.
MUST_PIN = {"sympy", "numpy", "matplotlib", "ipykernel", "nbval", "pytest", "jupyter-client", "scikit-learn", "scipy"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        m = PIN.match(line)
        if m:
            pins[_norm(m.group(1))] = m.group(2)
    return pins


def test_constraints_pin_the_output_deciding_versions():
    pins = _pins(ROOT / "constraints.txt")
    assert MUST_PIN <= set(pins), f"not pinned: {sorted(MUST_PIN - set(pins))}"


def test_environment_yml_agrees_with_constraints():
    constraints = _pins(ROOT / "constraints.txt")
    conda = _pins(ROOT / "environment.yml")
    assert conda == constraints, {
        "only in constraints.txt": sorted(set(constraints) - set(conda)),
        "only in environment.yml": sorted(set(conda) - set(constraints)),
        "different versions": {k: (constraints[k], conda[k]) for k in set(conda) & set(constraints) if conda[k] != constraints[k]},
    }
    text = (ROOT / "environment.yml").read_text()
    assert "conda-forge" in text and "-e ." in text, "environment.yml must use conda-forge and install emlib"


def test_pyproject_ranges_admit_the_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]
    pins = _pins(ROOT / "constraints.txt")
    declared = {_norm(r.name) for r in requirements}
    for req in requirements:
        name = _norm(req.name)
        assert name in pins, f"{req.name} is a dependency but constraints.txt does not pin it"
        assert req.specifier.contains(Version(pins[name])), f"pyproject range {req} excludes the pin {pins[name]}"
    transitive = {"mpmath", "ipython", "nbclient", "nbconvert", "nbformat"}  # pinned because they shape outputs
    assert set(pins) - declared <= transitive, f"pinned but undeclared: {sorted(set(pins) - declared - transitive)}"
