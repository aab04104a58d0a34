"""Regression tests that bite: the notebook and library checks must fail when something is wrong.

* A copy of EVERY notebook with one digit of one compared stored output changed fails under nbval,
  exactly at the tampered cell, while the untampered cells before it pass (one nbval run for all).
* Breaking one EM update rule of emlib (the Gaussian-mixture weight M-step, injected through a
  ``sitecustomize.py`` that the pytest process and the notebook kernels both import) makes the unit
  tests of the Gaussian mixture fail and makes the GMM notebooks fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import nbformat
import pytest

from nbval_helpers import NOTEBOOKS, ROOT, junit_results, run_nbval, tamper


def test_every_notebook_fails_when_a_stored_output_is_tampered(tmp_path):
    assert len(NOTEBOOKS) >= 9, [p.name for p in NOTEBOOKS]
    expected = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        index, original, changed = tamper(nb)
        assert original != changed
        # nbval names code cells "Cell <n>", counting code cells only.
        code_index = sum(c.cell_type == "code" for c in nb.cells[:index])
        nb.cells = nb.cells[: index + 1]  # later cells cannot matter to the verdict: skip running them
        nbformat.write(nb, tmp_path / path.name)
        expected[path.name] = f"Cell {code_index}"
    report = tmp_path / "junit.xml"
    result = run_nbval(sorted(expected), tmp_path, junitxml=report)
    assert result.returncode == 1, result.stdout[-3000:]
    results = junit_results(report)
    assert sorted(results) == sorted(expected), (sorted(results), result.stdout[-3000:])
    for name, cell in expected.items():
        outcomes = results[name]
        failed = sorted(k for k, v in outcomes.items() if v != "passed")
        assert failed == [cell], f"{name}: expected only {cell} to fail, got {outcomes}"
        assert len(outcomes) == int(cell.split()[1]) + 1, outcomes  # every earlier cell ran and passed


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


@pytest.fixture(scope="module")
def broken_env(tmp_path_factory):
    site = tmp_path_factory.mktemp("broken_site")
    (site / "sitecustomize.py").write_text(_BREAKAGE)
    env = {"PYTHONPATH": str(site)}
    # The breakage is really active in a fresh interpreter (and therefore in an ipykernel started by
    # nbval): the patched M-step is installed and turns the 90/10 weights of this fit into 50/50.
    probe = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                           env={**os.environ, **env}, timeout=120)
    assert probe.stdout.split() == ["_broken_m_step", "[0.5,", "0.5]"], probe.stdout + probe.stderr
    return env


def test_broken_update_rule_fails_unit_tests_and_notebooks(tmp_path, broken_env):
    targets = ["tests/test_gaussian_mixture.py", "notebooks/03_gmm_em_derivation.ipynb",
               "notebooks/04_gmm_in_practice.ipynb"]
    report = tmp_path / "junit.xml"
    result = run_nbval(targets, ROOT, isolated=False, env=broken_env, junitxml=report)
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
