"""Regression tests that bite, in two concurrent reruns.

* One nbval run over a copy of EVERY notebook, each with one digit of one compared stored output changed
  (the first compared stdout output holding a digit, an early, cheap cell) and cut after that cell, under
  the project's own configuration (pytest options, sanitizers, conftest). It must fail in every notebook
  exactly at the tampered cell, with an output mismatch, and pass at every cell before it: a changed
  stored output is noticed in any notebook (nbval compares the notebooks' own cells, and the project's
  sanitizers do not mask digits).
* Breaking one EM update rule of emlib (the Gaussian-mixture weight M-step, injected through a
  ``sitecustomize.py`` that the pytest process and the notebook kernels both import) must make the unit
  tests of the Gaussian mixture fail and make both GMM notebooks fail. Each notebook stops at its first
  failing cell (the plugin below): that it fails is the claim, not how often.

That the stored outputs reproduce on another machine is shown by the ordinary notebook run of every
``make test``: the outputs were written under a reference arithmetic (``tools/notebooks.py``: two BLAS
threads, the generic OpenBLAS kernel, numpy's SIMD paths off) and are compared against this machine's
own (``tests/test_determinism.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import nbformat
import pytest

from nbval_helpers import (
    NOTEBOOKS,
    ROOT,
    junit_failures,
    junit_results,
    nbval_cell_name,
    start_nbval,
    tamper,
    write_project_config,
)

# A pytest plugin for the broken run: after a notebook's first failing cell its other cells are skipped
# (the kernel would otherwise run the whole notebook to report more of the same failure).
_FIRST_FAILURE = textwrap.dedent(
    """
    import pytest

    _failed = set()

    def pytest_runtest_setup(item):
        if item.nodeid.endswith(".ipynb") or ".ipynb::" in item.nodeid:
            if item.nodeid.split("::")[0] in _failed:
                pytest.skip("an earlier cell of this notebook failed")

    def pytest_runtest_logreport(report):
        if report.failed and ".ipynb::" in report.nodeid:
            _failed.add(report.nodeid.split("::")[0])
    """
)

# After every M-step the weights are replaced by uniform ones: the weight update "forgets" N_k, a
# plausible slip that leaves every other update (and every shape) intact. It wraps the M-step hook of
# the shared EM loop, so it does not depend on how the Gaussian M-step is organised internally.
_BREAKAGE = textwrap.dedent(
    """
    import numpy as np
    from emlib.mixture import GaussianMixture

    _original = GaussianMixture._m_step

    def _broken_m_step(self, *args, **kwargs):
        out = _original(self, *args, **kwargs)
        self.weights_ = np.full_like(self.weights_, 1.0 / self.weights_.size)
        if hasattr(self, "_refresh_cache"):  # cached log-weights used by the E-step
            self._refresh_cache()
        return out

    GaussianMixture._m_step = _broken_m_step
    """
)

# Run in a fresh interpreter with the breakage: it must be installed and must change a fit.
_PROBE = textwrap.dedent(
    """
    import warnings
    import numpy as np
    from emlib.mixture import GaussianMixture
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(90, 1)), rng.normal(size=(10, 1)) + 8.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm = GaussianMixture(2, random_state=0).fit(X)
    print(GaussianMixture._m_step.__name__, np.round(np.sort(gm.weights_), 3).tolist())
    """
)

GMM_TARGETS = ["tests/test_gaussian_mixture.py", "notebooks/03_gmm_em_derivation.ipynb",
               "notebooks/04_gmm_in_practice.ipynb"]


@pytest.fixture(scope="module")
def reruns(tmp_path_factory):
    """Start both reruns at once (they share the two cores) and hand out their handles."""
    assert len(NOTEBOOKS) >= 9, [p.name for p in NOTEBOOKS]

    # 1. tampered copies of every notebook, cut after the tampered cell, project configuration
    tampered_dir = tmp_path_factory.mktemp("tampered")
    write_project_config(tampered_dir)
    expected = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        index, original, changed = tamper(nb)
        assert original != changed
        nb.cells = nb.cells[: index + 1]
        nbformat.write(nb, tampered_dir / path.name)
        n_code = sum(c.cell_type == "code" for c in nb.cells)
        expected[path.name] = (nbval_cell_name(nb, index), n_code)
    report = tampered_dir / "junit.xml"
    tampered = start_nbval(sorted(expected), tampered_dir, isolated=False, junitxml=report, timeout=1200)

    # 2. the broken weight update: GMM unit tests and GMM notebooks, project configuration, in place
    site = tmp_path_factory.mktemp("broken_site")
    (site / "sitecustomize.py").write_text(_BREAKAGE)
    (site / "emlib_first_failure.py").write_text(_FIRST_FAILURE)
    broken_env = {"PYTHONPATH": os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])])}
    broken_report = site / "junit.xml"
    broken_run = start_nbval(["-p", "emlib_first_failure", *GMM_TARGETS], ROOT, isolated=False, env=broken_env,
                             junitxml=broken_report, timeout=1200)
    yield {
        "tampered": (tampered, report, expected),
        "broken": (broken_run, broken_report, broken_env),
    }
    tampered.stop()
    broken_run.stop()


def test_tampered_notebooks_fail_exactly_there(reruns):
    run, report, expected = reruns["tampered"]
    result = run.wait()
    assert result.returncode == 1, result.stdout[-4000:]
    results, failures = junit_results(report), junit_failures(report)
    # every notebook really ran (a collection slip would pass vacuously)
    assert sorted(results) == sorted(expected), sorted(results)
    for name, (cell, n_code) in expected.items():
        outcomes = results[name]
        failed = sorted(k for k, v in outcomes.items() if v != "passed")
        # the bite: the tampered cell fails, by an output mismatch (not an execution error) ...
        assert failed == [cell], f"{name}: expected only {cell} to fail, got {failed}: {failures.get(name)}"
        assert "mismatch 'stdout'" in failures[name][cell], failures[name][cell][-2000:]
        # ... and every cell before it ran and passed
        assert len(outcomes) == n_code, f"{name}: {len(outcomes)} cells ran, {n_code} expected"


def test_broken_update_rule_fails_unit_tests_and_notebooks(reruns):
    run, report, env = reruns["broken"]
    # The breakage is really active in a fresh interpreter (and therefore in an ipykernel started by
    # nbval): the patched M-step is installed and turns the 90/10 weights of this fit into 50/50.
    probe = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                           env={**os.environ, **env}, timeout=120)
    assert probe.stdout.split() == ["_broken_m_step", "[0.5,", "0.5]"], probe.stdout + probe.stderr
    result = run.wait()
    assert result.returncode == 1, result.stdout[-3000:]
    results = junit_results(report)

    def failures(key):
        matches = [v for file, cases in results.items() if key in file for v in cases.values()]
        assert matches, f"no results for {key}: {sorted(results)}"
        return sum(v in ("failed", "error") for v in matches)

    # The same files pass in the normal run (they are part of the suite); here they must fail.
    assert failures("test_gaussian_mixture") > 0, result.stdout[-3000:]
    assert failures("03_gmm_em_derivation") > 0, result.stdout[-3000:]
    assert failures("04_gmm_in_practice") > 0, result.stdout[-3000:]
