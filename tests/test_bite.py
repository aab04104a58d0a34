"""Regression tests that bite, and the any-machine determinism check, in two concurrent reruns.

One nbval rerun over a copy of EVERY notebook, each with one digit of one compared stored output
changed, under the project's own configuration (pytest options, sanitizers, conftest) and as if on
another machine (``nbval_helpers.other_machine_env``): two BLAS threads although the stored outputs were
written with one, a different OpenBLAS kernel (Prescott, the most generic x86-64 one) and numpy's
runtime-dispatched SIMD code paths switched off (the copies are split between two concurrent nbval
processes, so that two kernels run at once). It must fail in every notebook exactly at the tampered
cell, with an output mismatch, and pass at every other cell. That proves both

* the bite: a changed stored output is noticed in any notebook (nbval compares the notebooks' own
  cells, and the project's sanitizers do not mask digits), and
* determinism: every other compared cell reproduces its stored output on a machine that rounds
  differently (another BLAS kernel, SIMD level and thread count).

The one cell per notebook that is tampered with (the first compared stdout output holding a digit,
an early, cheap cell) is the only one not checked on "another machine" here; ``EMLIB_FULL_RERUNS=1``
adds the run of the intact notebooks under the same overrides (``tests/test_determinism.py``), which checks
it too. The one-thread run of every notebook is part of every ``make test``.

Concurrently, breaking one EM update rule of emlib (the Gaussian-mixture weight
M-step, injected through a ``sitecustomize.py`` that the pytest process and the notebook kernels both
import) must make the unit tests of the Gaussian mixture fail and make the GMM notebooks fail.

These two reruns replace four sequential ones (all notebooks with two threads, the tampered copies,
an intact and a tampered copy of notebook 00) and the former broken-update-rule run; with the other
rerun tests, 131 s before and 74 s after, back to back at a load average of about 3 (README,
"Notebook and test-suite times").
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
    other_machine_env,
    probe_machine,
    start_nbval,
    tamper,
    write_project_config,
)

# The tampered copies are run by this many concurrent nbval processes (kernels in parallel).
TAMPERED_GROUPS = 2

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

    # 1. tampered copies of every notebook, project configuration, another machine's arithmetic
    other_machine = other_machine_env()
    tampered_dir = tmp_path_factory.mktemp("tampered")
    write_project_config(tampered_dir)
    expected = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        index, original, changed = tamper(nb)
        assert original != changed
        nbformat.write(nb, tampered_dir / path.name)
        n_code = sum(c.cell_type == "code" for c in nb.cells)
        expected[path.name] = (nbval_cell_name(nb, index), n_code)
    # Two interleaved halves in two processes: kernels in parallel, one per core on an idle machine.
    names = sorted(expected)
    tampered = [(start_nbval(names[g::TAMPERED_GROUPS], tampered_dir, isolated=False, env=other_machine,
                             junitxml=tampered_dir / f"junit{g}.xml", timeout=1200), tampered_dir / f"junit{g}.xml")
                for g in range(TAMPERED_GROUPS)]

    # 2. the broken weight update: GMM unit tests and GMM notebooks, project configuration, in place
    site = tmp_path_factory.mktemp("broken_site")
    (site / "sitecustomize.py").write_text(_BREAKAGE)
    broken_env = {"PYTHONPATH": os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])])}
    broken_report = site / "junit.xml"
    broken_run = start_nbval(GMM_TARGETS, ROOT, isolated=False, env=broken_env, junitxml=broken_report,
                             timeout=1200)
    yield {
        "tampered": (tampered, expected),
        "other_machine": other_machine,
        "broken": (broken_run, broken_report, broken_env),
    }
    for run, _ in tampered:
        run.stop()
    broken_run.stop()


def test_the_rerun_really_computes_like_another_machine(reruns):
    # The overrides take effect in a fresh interpreter (as in the kernels nbval starts): otherwise the
    # rerun below would only repeat this machine's arithmetic and prove nothing about another CPU.
    here, there = probe_machine(), probe_machine(reruns["other_machine"])
    assert there["threads"] == 2, there
    if "OPENBLAS_CORETYPE" in reruns["other_machine"]:
        assert there["kernel"] != here["kernel"], (here, there)
    assert there["simd"] == [] and (here["simd"] == [] or "NPY_DISABLE_CPU_FEATURES" in reruns["other_machine"]), there


def test_tampered_notebooks_fail_exactly_there_and_pass_elsewhere_on_another_machine(reruns):
    runs, expected = reruns["tampered"]
    results, failures = {}, {}
    for run, report in runs:
        result = run.wait()
        assert result.returncode == 1, result.stdout[-4000:]
        results.update(junit_results(report))
        failures.update(junit_failures(report))
    # every notebook really ran (a collection slip would pass vacuously)
    assert sorted(results) == sorted(expected), sorted(results)
    for name, (cell, n_code) in expected.items():
        outcomes = results[name]
        failed = sorted(k for k, v in outcomes.items() if v != "passed")
        # the bite: the tampered cell fails, by an output mismatch (not an execution error) ...
        assert failed == [cell], f"{name}: expected only {cell} to fail, got {failed}: {failures.get(name)}"
        assert "mismatch 'stdout'" in failures[name][cell], failures[name][cell][-2000:]
        # ... and determinism: every other cell ran and reproduced its stored output on "another machine"
        assert len(outcomes) == n_code, f"{name}: {len(outcomes)} cells ran, {n_code} expected"
    assert sum(len(cases) for cases in results.values()) >= 9 * 5


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
