#!/usr/bin/env python3
"""Mutation analysis of emlib's checks (issue 13, part 1).

A catalogue of *mutants* of emlib's core formulas -- small, plausible slips such as a flipped sign, a
dropped factor of 2, a transpose or an off-by-one -- each written as an exact source-text replacement
(file, old snippet, new snippet), so every mutant can be reviewed as a one-line diff. For each mutant the
tool

1. copies the repository's ``emlib/``, ``tests/``, ``notebooks/``, ``conftest.py``, ``pyproject.toml``
   and ``nbval_sanitize.cfg`` into a temporary directory (never touching the work tree) and applies the
   mutant there;
2. runs, in that copy, the unit tests and the notebooks (under nbval) that import the mutated module,
   with JUnit XML output, and reads which unit tests and which notebook cells fail (and, for a cell,
   which check: ``step does not hold: <label>`` in a traceback, or a changed ``[ok] <label>`` line);
3. counts a failure as a kill only if the same test or cell passes in a baseline run of the unmutated
   copy (others edit the library concurrently: a test that already fails proves nothing).

The copy's ``emlib`` is imported through ``PYTHONPATH`` (it precedes the editable install of the work
tree). A ``sitecustomize`` guard on ``PYTHONPATH`` logs, for every process that imports ``emlib`` (the
pytest process and every notebook kernel), where ``emlib`` was found and the SHA-256 of the mutated file
there; each run is checked against that log, so a mutant can never be "killed" or "survive" against the
unmutated library.

Usage::

    .venv/bin/python tools/mutation.py                       # full run (make mutation)
    .venv/bin/python tools/mutation.py --jobs 2 --only kl_normal_log_sign,mc_se_sqrt_n
    .venv/bin/python tools/mutation.py --list                # the catalogue
    .venv/bin/python tools/mutation.py --check               # do all snippets still match? (seconds)

Writes a markdown report (default ``artifacts/mutation_report.md``) and a JSON kill matrix
(default ``artifacts/mutation_matrix.json``). Exit status: 0 if every mutant is killed by at least one
notebook cell and at least one unit test, 1 if any survives either side, 2 if the catalogue is stale
(a snippet no longer matches exactly once) or the harness itself failed.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import dataclasses
import datetime as _dt
import difflib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from nbval_helpers import junit_results, run_nbval  # noqa: E402  (shared helpers: run nbval, read junit)

sys.path.insert(0, str(ROOT))
# the check records (what a check claimed and its status) are read through their schema module, never
# from printed lines or error messages
from emlib.derivation.records import (CHECK_MIME, RECORD_LOG_ENV, SUMMARY_MIME,  # noqa: E402
                                      notebook_records, read_record_log)

# notes/ holds the errata catalogue (notes/errata.json) that the notebooks read
COPY_ITEMS = ("emlib", "tests", "notebooks", "notes", "conftest.py", "pyproject.toml", "nbval_sanitize.cfg")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".hypothesis", ".pytest_cache")

# Test modules that are not unit tests of emlib's formulas: they run nbval or the site, re-execute
# notebooks, time benchmarks or check the environment (and this tool's own quick test). Any test module
# importing nbval_helpers is excluded as well.
EXCLUDED_TESTS = {
    "test_bite.py",
    "test_nbval_bites.py",
    "test_site.py",
    "test_determinism.py",
    "test_notebook_hygiene.py",
    "test_bench_smoke.py",
    "test_environment.py",
    "test_mutation_quick.py",
}
# Modules whose names imported into a notebook are tools of the derivation, not emlib values under test.
CHECKER_MODULES = {"emlib.derivation", "emlib.exceptions"}


# ----------------------------------------------------------------------------------------------------
# The catalogue
# ----------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Mutant:
    """One slip in one formula, as an exact replacement of ``old`` by ``new`` in ``file``."""

    id: str
    file: str  # path relative to the repository root
    target: str  # the formula it breaks
    old: str
    new: str
    slip: str  # what kind of slip, in words
    hint: str = ""  # a notebook check that would kill it (shown if it survives the notebooks)
    # The same slip in other versions of the formula (the library is edited concurrently): (old, new)
    # pairs tried when ``old`` is absent. Exactly one of all the pairs must match, exactly once.
    variants: tuple[tuple[str, str], ...] = ()

    @property
    def module(self) -> str:
        return _module_name(self.file)


G, B, BASE = "emlib/mixture/_gaussian.py", "emlib/mixture/_bernoulli.py", "emlib/mixture/_base.py"
CATALOGUE: tuple[Mutant, ...] = (
    # --- Gaussian mixture: E-step -------------------------------------------------------------------
    Mutant("gmm_estep_drop_log_weight", G, "GMM E-step: log pi_k + log N(x | mu_k, Sigma_k)",
           "self._const = log_w - 0.5 * d * _LOG_2PI + logdet",
           "self._const = - 0.5 * d * _LOG_2PI + logdet",
           "drops the mixing weight pi_k from the responsibilities",
           "03/04: compare predict_proba with responsibilities computed by hand (pi_k N(x|mu_k,Sigma_k) / sum)"),
    Mutant("gmm_estep_logdet_sign", G, "GMM E-step: |Sigma_k|^{-1/2} normaliser",
           "self._const = log_w - 0.5 * d * _LOG_2PI + logdet",
           "self._const = log_w - 0.5 * d * _LOG_2PI - logdet",
           "sign flip: |Sigma|^{+1/2} instead of |Sigma|^{-1/2}",
           "03/04: compare score_samples with scipy.stats.multivariate_normal mixtures"),
    Mutant("gmm_estep_full_offdiag_factor", G, "GMM E-step (full, fast path): quadratic form",
           "quad = -0.5 * P[:, iu, ju] * np.where(iu == ju, 1.0, 2.0)",
           "quad = -0.5 * P[:, iu, ju]",
           "dropped factor 2 on the off-diagonal terms y_i y_j (i < j) of the quadratic form",
           "03/04: compare score_samples of a correlated full-covariance fit with scipy's logpdf"),
    Mutant("gmm_estep_centred_half", G, "GMM E-step (centred path): -1/2 Mahalanobis",
           "maha *= -0.5",
           "maha *= -1.0",
           "dropped factor 1/2 in -1/2 (x - mu)^T Sigma^-1 (x - mu) on the centred path",
           "04: score a point far from the data (kappa > 1e5 or d > 16 selects the centred path) "
           "and compare with scipy.stats.multivariate_normal"),
    Mutant("gmm_estep_diag_quadratic_half", G, "GMM E-step (diag/spherical): quadratic form",
           "quad = -0.5 * p",
           "quad = -p",
           "dropped factor 1/2 in the diagonal quadratic form",
           "04: fit covariance_type='diag' and compare score_samples with scipy's logpdf of the fitted "
           "mixture"),
    Mutant("mixture_estep_wrong_axis", BASE, "mixture E-step: responsibilities normalised over components",
           "a *= 1.0 / s  # responsibilities r_ik = exp(a_ik - m_i) / s_i",
           "a *= 1.0 / np.sum(a, axis=1, keepdims=True)  # MUTANT: normalised over points",
           "wrong normaliser: responsibilities normalised over the points instead of the components",
           hint='03/04: after one EM iteration from fixed parameters, compare the M-step input (responsibilities) with a hand-computed posterior'),
    Mutant("mixture_predict_proba_wrong_axis", BASE, "mixture predict_proba: posterior normaliser",
           "return (e / np.sum(e, axis=0)).T",
           "return (e / np.sum(e, axis=1, keepdims=True)).T",
           "wrong normaliser: predict_proba normalised over the points instead of the components",
           "03/04/05: check that predict_proba rows sum to one / equal the posterior computed by hand"),
    # --- Gaussian mixture: M-step -------------------------------------------------------------------
    Mutant("gmm_mstep_weights_normaliser", G, "GMM M-step: pi_k = N_k / N",
           "weights = nk / nk.sum()",
           "weights = nk / nk.size",
           "wrong normaliser: N_k / K instead of N_k / N",
           "03/04: check that the fitted weights sum to one and equal N_k / N of the responsibilities"),
    Mutant("gmm_mstep_means_normaliser", G, "GMM M-step: mu_k = sum_i r_ik x_i / N_k",
           "delta = s1 / nk[:, None]",
           "delta = s1 / nk.sum()",
           "wrong normaliser: divides by N instead of N_k",
           hint='03: one M-step from given responsibilities against sum_i r_ik x_i / N_k computed by hand'),
    Mutant("gmm_mstep_cov_full_normaliser", G, "GMM M-step (full): Sigma_k = S_k / N_k",
           "cov = scatter / nk[:, None, None]",
           "cov = scatter / nk.sum()",
           "wrong normaliser: divides the scatter by N instead of N_k",
           hint='03: one M-step from given responsibilities against sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T / N_k by hand'),
    Mutant("gmm_mstep_cov_full_old_mean", G, "GMM M-step (full/tied): scatter about the new means",
           "scatter = s2 - outer - np.swapaxes(outer, 1, 2) + s0[:, None, None] * delta[:, :, None] * delta[:, None, :]",
           "scatter = s2  # MUTANT: scatter about the previous means",
           "classic EM slip: the covariance uses the previous means, not the updated ones "
           "(same fixed points, different path)",
           "03/04: compare one EM iteration (means and covariances after one M-step) with "
           "estimate_gaussian_parameters / a hand-written M-step from the same responsibilities"),
    Mutant("gmm_mstep_cov_diag_std", G, "GMM M-step (diag/spherical): variances",
           "cov = np.maximum(scatter, 0.0) / nk[:, None] + reg",
           "cov = np.sqrt(np.maximum(scatter, 0.0) / nk[:, None]) + reg",
           "standard deviation instead of variance",
           "04: fit covariance_type='diag' and compare covariances_ with the weighted variances from "
           "predict_proba (or with scikit-learn's GaussianMixture(covariance_type='diag'))"),
    Mutant("gmm_mstep_cov_diag_cross_term", G, "GMM M-step (diag/spherical): scatter about the new means",
           "scatter = s2 - 2.0 * delta * s1 + s0[:, None] * delta**2",
           "scatter = s2 - delta * s1 + s0[:, None] * delta**2",
           "dropped factor 2 in the cross term of sum r (x - mu)^2 expanded about the old means",
           "04: compare one diag EM iteration with a hand-written M-step from the same responsibilities"),
    Mutant("gmm_mstep_cov_spherical_sum", G, "GMM M-step (spherical): sigma_k^2 = mean of the diagonal",
           "cov = cov.mean(axis=1)",
           "cov = cov.sum(axis=1)",
           "wrong normaliser: sum over dimensions instead of the mean",
           hint="04: compare a spherical fit's covariances_ with the mean of the diagonal of the weighted scatter"),
    # --- Bernoulli mixture ----------------------------------------------------------------------------
    Mutant("bernoulli_mstep_pseudocount", B, "Bernoulli M-step: mu = (sum r x + a) / (N_k + 2a)",
           "(s1 + a) / (s0[:, None] + 2.0 * a)",
           "(s1 + a) / (s0[:, None] + a)",
           "dropped factor 2: one pseudo-count in the denominator instead of two",
           hint='05: one MAP M-step from given responsibilities against (sum r x + alpha) / (N_k + 2 alpha) by hand'),
    Mutant("bernoulli_estep_complement", B, "Bernoulli E-step: (1 - x) log(1 - mu)",
           "a += self._log1m_mu @ (1.0 - X).T",
           "a += self._log1m_mu @ X.T",
           "x instead of 1 - x in the log-likelihood of the zeros",
           hint='05: compare predict_proba / score_samples with the product-Bernoulli likelihood written out'),
    # --- K-means ------------------------------------------------------------------------------------
    Mutant("kmeans_centroid_count_off_by_one", "emlib/kmeans.py", "K-means update: centroid = mean of its points",
           "inv = 1.0 / counts  # multiply by the reciprocal",
           "inv = 1.0 / (counts + 1.0)  # multiply by the reciprocal",
           "off-by-one in the cluster count",
           variants=(("sums / np.maximum(counts, 1)[:, None]", "sums / (counts + 1)[:, None]"),),
           hint='04: compare KMeans centres with the mean of the points of each final label'),
    Mutant("kmeans_assign_nearest", "emlib/kmeans.py", "K-means assignment: nearest centre",
           "np.multiply(centers, -2.0, out=W[:, :d])",
           "np.multiply(centers, -1.0, out=W[:, :d])",
           "wrong centre: dropped factor 2 in |x - c|^2 = |x|^2 - 2 c.x + |c|^2 (older code: argmax "
           "instead of argmin)",
           variants=(("labels = np.argmin(d2, axis=1)\n            counts = np.bincount(labels, minlength=k)",
                      "labels = np.argmax(d2, axis=1)\n            counts = np.bincount(labels, minlength=k)"),),
           hint="04: check that every point's KMeans label is its nearest centre (brute-force distances)"),
    # --- LSTM -------------------------------------------------------------------------------------------
    Mutant("lstm_gate_sign", "emlib/lstm.py", "LSTM gates: f(z) = sigmoid(z)",
           "gate_i, gate_f, gate_o = (np.asarray(sigmoid(v)) for v in (z_i, z_f, z_o))",
           "gate_i, gate_f, gate_o = (np.asarray(sigmoid(-v)) for v in (z_i, z_f, z_o))",
           "sign flip: sigmoid(-z) for the gates",
           hint='06: compare the exact-sigmoid gates with 1 / (1 + exp(-z)) computed independently'),
    Mutant("lstm_rounded_gates_swap", "emlib/lstm.py", "LSTM gates (rounded to 0/1): which gate is which",
           "gate_i, gate_f, gate_o = (np.heaviside(v, 0.5) for v in (z_i, z_f, z_o))",
           "gate_i, gate_f, gate_o = (np.heaviside(v, 0.5) for v in (z_i, z_o, z_f))",
           "forget and output gates swapped",
           hint='06: compare each rounded gate with round(sigmoid(its own pre-activation)) by name'),
    Mutant("lstm_cell_forget_complement", "emlib/lstm.py", "LSTM cell: c' = f(z_i) g(z) + c f(z_f)",
           "memory = gate_i[t] * g_z[t] + memory * gate_f[t]",
           "memory = gate_i[t] * g_z[t] + memory * (1.0 - gate_f[t])",
           "convention slip: the memory is kept with 1 - f(z_f) instead of f(z_f)",
           hint="06: recompute c' = f(z_i) g(z) + c f(z_f) from the pre-activations (not from emlib's stored gates)"),
    Mutant("lstm_output_old_memory", "emlib/lstm.py", "LSTM output: y = f(z_o) h(c')",
           "y = gate_o * h_c",
           "y = gate_o * np.asarray(h_fun(c_prev), dtype=float)",
           "off-by-one in time: the output reads the memory before the update",
           hint="06: recompute y = f(z_o) h(c') from the pre-activations and the recomputed memory"),
    # --- RNN BPTT -------------------------------------------------------------------------------------
    Mutant("rnn_residual_sign", "emlib/rnn.py", "BPTT: dL/ds = sigmoid(s) - y",
           "return (1.0 - y) - sig_neg if logit >= 0.0 else sig_neg - y",
           "return sig_neg - (1.0 - y) if logit >= 0.0 else y - sig_neg",
           "sign flip of the output residual",
           variants=(("residual = y_hat - y  # dL/ds", "residual = y - y_hat  # dL/ds"),),
           hint="07: finite-difference check of dL/dw_0 with emlib's loss"),
    Mutant("rnn_dw0_off_by_one", "emlib/rnn.py", "BPTT: dL/dw_0 = (y_hat - y) h_T",
           "g_w0 = residual * h[-1]",
           "g_w0 = residual * h[-2]",
           "off-by-one: h_{T-1} instead of h_T",
           hint='07: finite-difference check of dL/dw_0'),
    Mutant("rnn_dhT_drop_w0", "emlib/rnn.py", "BPTT: dL/dh_T = (y_hat - y) w_0",
           "upstream = residual * v_0",
           "upstream = residual * np.ones_like(v_0)",
           "dropped factor w_0 in dL/dh_T",
           hint='07: finite-difference check of dL/dw_h and dL/dw_i'),
    Mutant("rnn_delta_off_by_one", "emlib/rnn.py", "BPTT: delta_t = dL/dh_t (1 - h_t^2)",
           "delta = upstream * tanh_prime[t]",
           "delta = upstream * tanh_prime[t - 1]",
           "off-by-one: the tanh derivative of the previous step",
           variants=(("delta = upstream * (1.0 - h[t + 1] ** 2)", "delta = upstream * (1.0 - h[t] ** 2)"),),
           hint='07: finite-difference check of dL/dw_h over a sequence of length >= 2'),
    Mutant("rnn_tanh_derivative_factor", "emlib/rnn.py", "BPTT: 1 - tanh(a)^2 = 4 e^{-2|a|} / (1 + e^{-2|a|})^2",
           "return 4.0 * t / (1.0 + t) ** 2",
           "return 2.0 * t / (1.0 + t) ** 2",
           "slip in the tanh derivative: dropped factor 2 in sech(a)^2 (older code: dropped square in 1 - h^2)",
           variants=(("delta = upstream * (1.0 - h[t + 1] ** 2)", "delta = upstream * (1.0 - h[t + 1])"),),
           hint='07: finite-difference check of dL/dw_i'),
    Mutant("rnn_dwi_off_by_one", "emlib/rnn.py", "BPTT: dL/dw_i += delta_t x_t",
           "g_wi += np.outer(delta, X[t])",
           "g_wi += np.outer(delta, X[t - 1])",
           "off-by-one: x_{t-1} instead of x_t",
           hint='07: finite-difference check of dL/dw_i with x_1 != x_2'),
    Mutant("rnn_dwh_off_by_one", "emlib/rnn.py", "BPTT: dL/dw_h += delta_t h_{t-1}",
           "g_wh += np.outer(delta, h[t])",
           "g_wh += np.outer(delta, h[t + 1])",
           "off-by-one: h_t instead of h_{t-1}",
           hint='07: finite-difference check of dL/dw_h'),
    Mutant("rnn_recursion_transpose", "emlib/rnn.py", "BPTT: dL/dh_{t-1} = W_h^T delta_t",
           "upstream = W_h.T @ delta",
           "upstream = W_h @ delta",
           "dropped transpose (invisible in scalar mode)",
           "07: repeat one gradient check in vector mode (H >= 2, non-symmetric w_h) against finite "
           "differences"),
    Mutant("rnn_recursion_skips_tanh", "emlib/rnn.py", "BPTT: dL/dh_{t-1} = W_h^T delta_t",
           "upstream = W_h.T @ delta",
           "upstream = W_h.T @ upstream",
           "the recursion skips the tanh derivative (dL/dh instead of delta)",
           hint='07: finite-difference check over T >= 2 steps'),
    Mutant("rnn_bce_abs", "emlib/rnn.py", "BCE from the logit: softplus(l) - y l",
           "np.log1p(np.exp(-np.abs(logit)))",
           "np.log1p(np.exp(-logit))",
           "dropped |.|: softplus written for positive logits only",
           hint='07: compare bce_with_logits at a negative logit with -[y log s + (1-y) log(1-s)]'),
    # --- Boosting and stumps -----------------------------------------------------------------------------
    Mutant("boost_step_drop_logK1", "emlib/boosting.py", "boosting step size in fit: SAMME's + log(K - 1)",
           "alpha = (np.log1p(-eps) - log_eps + np.log(K - 1)) / (W - C)",
           "alpha = (np.log1p(-eps) - log_eps) / (W - C)",
           "dropped log(K - 1): the two-class AdaBoost step in a K-class problem",
           hint='08: compare fitted alphas_ with optimal_step(errors_, K)'),
    Mutant("boost_optimal_step_half", "emlib/boosting.py", "optimal_step: closed-form line search",
           "alpha = (np.log1p(-err) - np.log(err) + np.log(K - 1)) / (W - C)",
           "alpha = 0.5 * (np.log1p(-err) - np.log(err) + np.log(K - 1)) / (W - C)",
           "spurious factor 1/2 (binary AdaBoost's 1/2 log-odds)",
           hint='08: check that optimal_step minimises (1 - eps) e^{aC} + eps e^{aW} (zero derivative)'),
    Mutant("boost_weight_update_swap", "emlib/boosting.py", "boosting weight update: exponent += alpha (W or C)",
           "new_exponent = exponent + alpha * np.where(wrong, W, C)",
           "new_exponent = exponent + alpha * np.where(wrong, C, W)",
           "swapped: up-weights the correctly classified samples",
           hint='08: recompute the training loss after each round from decision_function'),
    Mutant("boost_samme_code_square", "emlib/boosting.py", "SAMME coding: W = K / (K - 1)^2",
           "return -K / (K - 1), K / (K - 1) ** 2",
           "return -K / (K - 1), K / (K - 1)",
           "dropped square in the SAMME exponent change of a wrong prediction",
           hint='08: derive code_values for the SAMME coding symbolically and compare'),
    Mutant("stump_error_normaliser", "emlib/stumps.py", "stump weighted error: sum_wrong w / sum w",
           "self.weighted_error_ = float(np.clip(1.0 - correct / w.sum(), 0.0, 1.0))",
           "self.weighted_error_ = float(np.clip(1.0 - correct / w.size, 0.0, 1.0))",
           "wrong normaliser: the number of samples instead of the total weight",
           hint='08: compare weighted_error_ with sum of the weights of misclassified points / total weight, non-uniform weights'),
    Mutant("stump_right_mass_off_by_one", "emlib/stumps.py", "stump search: class masses right of the cut",
           "right = total - left",
           "right = total - left_all[jj, np.minimum(rr + 1, left_all.shape[1] - 1)]",
           "off-by-one in the rank of the cut",
           hint='08: compare the fitted stump with a brute-force search over thresholds'),
    # --- KL divergences -------------------------------------------------------------------------------
    Mutant("kl_log_term_sign", "emlib/divergence.py", "Gaussian KL: r - 1 - log r (ratios far from 1)",
           "out[big] = e[big] - np.log(r[big])",
           "out[big] = e[big] + np.log(r[big])",
           "sign flip of the log-ratio term (std or eigenvalue ratios beyond 1 +- 1/2)",
           variants=(("out = -np.log(ratio) + 0.5 * (ratio**2", "out = np.log(ratio) + 0.5 * (ratio**2"),),
           hint='01: kl_normal against quadrature for std ratios beyond 1.5 or below 0.5'),
    Mutant("kl_normal_mean_term_half", "emlib/divergence.py", "kl_normal: (m_p - m_q)^2 / (2 s_q^2)",
           "out = _r_minus_one_minus_log_r(ratio, e) + 0.5 * e * e + 0.5 * delta * delta",
           "out = _r_minus_one_minus_log_r(ratio, e) + 0.5 * e * e + delta * delta",
           "dropped factor 1/2 on the mean term",
           variants=(("0.5 * (ratio**2 + ((m_p - m_q) / s_q) ** 2) - 0.5", "0.5 * ratio**2 + ((m_p - m_q) / s_q) ** 2 - 0.5"),),
           hint='01: kl_normal against quadrature with different means'),
    Mutant("kl_normal_wrong_std", "emlib/divergence.py", "kl_normal: (m_p - m_q)^2 / (2 s_q^2)",
           "delta = (m_p - m_q) / s_q",
           "delta = (m_p - m_q) / s_p",
           "p/q swap: the mean term scaled by s_p instead of s_q",
           variants=(("((m_p - m_q) / s_q) ** 2", "((m_p - m_q) / s_p) ** 2"),),
           hint='01: kl_normal against quadrature with different means and stds'),
    Mutant("kl_mvnormal_mean_term_half", "emlib/divergence.py", "kl_mvnormal: 1/2 (... + Mahalanobis term)",
           "value = 0.5 * (cov_term + mean_term)",
           "value = 0.5 * cov_term + mean_term",
           "dropped factor 1/2 on the Mahalanobis term",
           variants=(("value = 0.5 * (np.sum(a * a) + b @ b - d + log_det_ratio)",
                      "value = 0.5 * (np.sum(a * a) - d + log_det_ratio) + b @ b"),),
           hint='01: kl_mvnormal against Monte Carlo / the textbook form with different means'),
    Mutant("kl_mvnormal_congruence_transpose", "emlib/divergence.py",
           "kl_mvnormal (near covariances): M = L_q^-1 (S_p - S_q) L_q^-T",
           "M = np.linalg.solve(l_q, np.linalg.solve(l_q, diff).T)",
           "M = np.linalg.solve(l_q, np.linalg.solve(l_q, diff))",
           "dropped transpose: L_q^-1 L_q^-1 D instead of L_q^-1 D L_q^-T (older code: L_p^T for L_p)",
           variants=(("a = np.linalg.solve(l_q, l_p)", "a = np.linalg.solve(l_q, l_p.T)"),),
           hint='01: kl_mvnormal against the textbook form for correlated, nearly equal covariances'),
    Mutant("kl_mvnormal_logdet_factor", "emlib/divergence.py", "kl_mvnormal (far covariances): log det = 2 sum log diag L",
           "log_det_ratio = 2.0 * (np.sum(np.log(np.diag(l_q))) - np.sum(np.log(np.diag(l_p))))",
           "log_det_ratio = (np.sum(np.log(np.diag(l_q))) - np.sum(np.log(np.diag(l_p))))",
           "dropped factor 2 in log det from the Cholesky factor",
           hint='01: kl_mvnormal against the textbook form with cov_q much larger than cov_p (eigenvalues of cov_q^-1 cov_p below 1/2)'),
    Mutant("kl_mvnormal_mahalanobis_wrong_cov", "emlib/divergence.py",
           "kl_mvnormal: (m_q - m_p)^T S_q^-1 (m_q - m_p)",
           "b = np.linalg.solve(l_q, m_q - m_p)",
           "b = np.linalg.solve(l_p, m_q - m_p)",
           "p/q swap: Mahalanobis distance in S_p instead of S_q",
           hint='01: kl_mvnormal against the textbook form with different covariances and means'),
    Mutant("kl_mvnormal_trace_transpose", "emlib/divergence.py", "kl_mvnormal (far covariances): tr(S_q^-1 S_p) = ||L_q^-1 L_p||_F^2",
           "a = np.linalg.solve(l_q, l_p)",
           "a = np.linalg.solve(l_q.T, l_p)",
           "transpose slip in the trace term (exact only for diagonal covariances)",
           hint='01: kl_mvnormal against the textbook form with correlated cov_p far from cov_q'),
    Mutant("kl_discrete_log2", "emlib/divergence.py", "discrete KL in nats",
           "log_ratio = np.log(np.where(support, p_arr, 1.0)) - np.log(np.where(support, q_arr, 1.0))",
           "log_ratio = np.log2(np.where(support, p_arr, 1.0)) - np.log2(np.where(support, q_arr, 1.0))",
           "wrong base: bits instead of nats",
           hint='01: kl_divergence against sum p log(p/q) written out in nats'),
    # --- Monte Carlo --------------------------------------------------------------------------------------
    Mutant("mc_se_sqrt_n", "emlib/montecarlo.py", "Monte Carlo standard error sd / sqrt(N)",
           "MonteCarloEstimate(mean, float(sd / np.sqrt(n)), n)",
           "MonteCarloEstimate(mean, float(sd / n), n)",
           "wrong normaliser: sd / N instead of sd / sqrt(N)",
           hint='01: compare std_error with np.std(values, ddof=1) / sqrt(N)'),
    Mutant("mc_se_ddof", "emlib/montecarlo.py", "Monte Carlo standard error: sample sd with ddof=1",
           "mean, sd = float(arr.mean()), float(arr.std(ddof=1))",
           "mean, sd = float(arr.mean()), float(arr.std(ddof=0))",
           "off-by-one: the biased (ddof=0) standard deviation",
           "01: compare std_error with np.std(values, ddof=1) / sqrt(N) on a small N (say 5 draws)"),
    # --- Latent-variable identities ------------------------------------------------------------------------
    Mutant("elbo_entropy_sign", "emlib/latent.py", "ELBO = sum q (log p(x, z) - log q)",
           "values = _xlogy(q_arr, arr - np.log(q_arr)).sum(axis=1)",
           "values = _xlogy(q_arr, arr + np.log(q_arr)).sum(axis=1)",
           "sign flip of the entropy term",
           hint='02: compare elbo with sum q (log p(x, z) - log q) written out'),
    Mutant("posterior_wrong_axis", "emlib/latent.py", "posterior p(z | x) = p(x, z) / sum_z p(x, z)",
           "post = e / e.sum(axis=1, keepdims=True)",
           "post = e / e.sum(axis=0, keepdims=True)",
           "wrong normaliser: over the data points instead of the latent states",
           hint='02: check that posterior rows sum to one for several data points'),
    Mutant("kl_to_posterior_max_normaliser", "emlib/latent.py", "KL(q || p(z|x)): log p(z|x) = log p(x,z) - log p(x)",
           "log_post = arr - _log_evidence(arr)[:, None]",
           "log_post = arr - arr.max(axis=1, keepdims=True)",
           "wrong normaliser: the largest joint instead of the evidence",
           hint="02: check log p(x) = ELBO + KL with emlib's kl_to_posterior"),
    Mutant("log_evidence_mean", "emlib/latent.py", "log p(x) = log sum_z p(x, z)",
           "return (top + np.log(np.exp(arr - top).sum(axis=1, keepdims=True)))[:, 0]",
           "return (top + np.log(np.exp(arr - top).mean(axis=1, keepdims=True)))[:, 0]",
           "wrong normaliser: mean over states instead of the sum (off by log K)",
           hint='02: compare log_evidence with log sum exp written out'),
    Mutant("entropy_sign", "emlib/latent.py", "entropy H(q) = -sum q log q",
           "h = -_xlogy(q_arr, np.log(q_arr)).sum(axis=-1)",
           "h = _xlogy(q_arr, np.log(q_arr)).sum(axis=-1)",
           "sign flip",
           hint='02: compare entropy(q) with -sum q log q written out'),
    Mutant("toy_mstep_sign", "emlib/latent.py", "toy mixture M-step: theta = mean((q1 - q2) x)",
           "return float(np.mean((q_arr[:, 0] - q_arr[:, 1]) * x))",
           "return float(np.mean((q_arr[:, 0] + q_arr[:, 1]) * x))",
           "sign flip of the second component's responsibility",
           hint='02: compare the toy M-step with the stationary point of Q(theta) found by sympy'),
    # --- Finite differences ----------------------------------------------------------------------------
    Mutant("gradcheck_double_step", "emlib/gradcheck.py", "central difference (f(x+h) - f(x-h)) / 2h",
           "flat_g[i] = (fp - fm) / (xp[i] - xm[i])",
           "flat_g[i] = (fp - fm) / (2.0 * (xp[i] - xm[i]))",
           "factor 2 applied twice: divides by 4h",
           hint='03: compare numerical_gradient with an analytic gradient'),
)


class StaleMutantError(RuntimeError):
    """A mutant's snippet no longer matches its file exactly once."""


class HarnessError(RuntimeError):
    """The harness could not produce a trustworthy result (wrong emlib imported, missing results, ...)."""


class DirtyBaselineError(HarnessError):
    """Tests or notebook cells fail in the unmutated copy (the run was stopped early)."""

    def __init__(self, failures: list[str]):
        super().__init__(f"{len(failures)} tests/cells fail in the unmutated copy: {failures[:30]}")
        self.failures = failures


def _module_name(path: str) -> str:
    parts = Path(path).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def locate(mutant: Mutant, root: Path) -> tuple[str, int, str, str]:
    """Return (source text, index, old, new) of the one matching snippet, or raise StaleMutantError."""
    path = root / mutant.file
    if not path.is_file():
        raise StaleMutantError(f"{mutant.id}: {mutant.file} does not exist")
    text = path.read_text().replace("\r\n", "\n")
    pairs = [(mutant.old, mutant.new), *mutant.variants]
    counts = [text.count(old) for old, _ in pairs]
    if counts[0]:  # the primary snippet takes precedence; variants stand in only when it is absent
        pairs, counts = pairs[:1], counts[:1]
    found = [(pair, c) for pair, c in zip(pairs, counts) if c]
    if len(found) == 1 and found[0][1] == 1:
        old, new = found[0][0]
        return text, text.index(old), old, new
    if len(found) > 1:
        raise StaleMutantError(f"{mutant.id}: {len(found)} of its snippet variants match {mutant.file}; "
                               f"make them distinct: {[p[0] for p, _ in found]}")
    if found:
        (old, _), count = found[0]
        lines, start = [], 0
        for _ in range(count):
            start = text.index(old, start)
            lines.append(_line_of(text, start))
            start += 1
        raise StaleMutantError(f"{mutant.id}: snippet matches {count} times in {mutant.file} (lines {lines}); "
                               f"extend it to make it unique:\n    {old!r}")
    # Not found: say whether it moved only in whitespace, and show the nearest lines.
    msgs = []
    for old, _ in pairs:
        pattern = r"\s+".join(re.escape(tok) for tok in old.split())
        loose = [m.start() for m in re.finditer(pattern, text)]
        hint = ""
        if loose:
            hint = f" (matches {len(loose)} time(s) up to whitespace, at line(s) {[_line_of(text, i) for i in loose]})"
        first = old.strip().splitlines()[0].strip()
        near = difflib.get_close_matches(first, [ln.strip() for ln in text.splitlines()], n=2, cutoff=0.5)
        msgs.append(f"\n    snippet: {old!r}{hint}" + "".join(f"\n      nearest line now: {n!r}" for n in near))
    raise StaleMutantError(f"{mutant.id}: snippet not found in {mutant.file}; the formula was edited, "
                           f"update the catalogue:{''.join(msgs)}")


def validate(mutants, root: Path) -> list[str]:
    """Messages for every stale mutant (empty when every snippet matches exactly once)."""
    problems, seen = [], set()
    for m in mutants:
        if m.id in seen:
            problems.append(f"{m.id}: duplicate mutant id")
        seen.add(m.id)
        if m.old == m.new:
            problems.append(f"{m.id}: old and new snippets are identical")
        try:
            text, i, old, new = locate(m, root)
        except StaleMutantError as exc:
            problems.append(str(exc))
            continue
        mutated = text[:i] + new + text[i + len(old):]
        try:
            compile(mutated, m.file, "exec")
        except SyntaxError as exc:
            problems.append(f"{m.id}: the mutated {m.file} does not compile: {exc}")
    return problems


def apply_mutant(mutant: Mutant, root: Path) -> tuple[str, str, str]:
    """Apply ``mutant`` to the copy at ``root``; return (SHA-256 of the mutated file, old, new)."""
    text, i, old, new = locate(mutant, root)
    path = root / mutant.file
    path.write_text(text[:i] + new + text[i + len(old):])
    return _sha(path), old, new


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------------------------------------------
# Which notebooks and unit tests exercise a module (static imports, closed over emlib's own imports)
# ----------------------------------------------------------------------------------------------------
def _code_of_notebook_cell(source: str) -> str:
    # IPython magics and shell escapes are not Python: blank them (keeping line numbers).
    return "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines())


def _emlib_modules(root: Path) -> dict[str, Path]:
    out = {}
    for path in sorted((root / "emlib").rglob("*.py")):
        out[_module_name(str(path.relative_to(root)))] = path
    return out


def _resolve(module: str | None, level: int, current: str, is_package: bool) -> str:
    if level == 0:
        return module or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def import_graph(root: Path) -> dict[str, set[str]]:
    """``{emlib module: emlib modules it imports}`` (package re-exports resolved to their modules)."""
    mods = _emlib_modules(root)
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        deps: set[str] = set()
        tree = ast.parse(path.read_text())
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _resolve(node.module, node.level, name, is_pkg)
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    deps.add(sub if sub in mods else target)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        graph[name] = {d for d in deps if d in mods and d != name}
    return graph


def _reexport_map(root: Path, package: str) -> dict[str, str]:
    """Names a package ``__init__`` re-exports, mapped to the module that defines them."""
    mods = _emlib_modules(root)
    path = mods.get(package)
    out: dict[str, str] = {}
    if path is None or path.name != "__init__.py":
        return out
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            target = _resolve(node.module, node.level, package, True)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out[alias.asname or alias.name] = sub if sub in mods else target
    return out


def _direct_emlib_imports(tree: ast.AST, root: Path) -> set[str]:
    """emlib modules a notebook or test imports; names re-exported by a package resolve to their module."""
    mods = _emlib_modules(root)
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.split(".")[0] == "emlib":
            reexp = _reexport_map(root, node.module)
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if sub in mods:
                    out.add(sub)
                elif alias.name in reexp:
                    out.add(reexp[alias.name])
                elif alias.name == "*":
                    out.update(reexp.values())
                else:
                    out.add(node.module)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "emlib":
                    out.add(alias.name)
                    if alias.name in ("emlib",) or alias.name in mods and mods[alias.name].name == "__init__.py":
                        out.update(_reexport_map(root, alias.name).values())  # attribute use: all of it
    return {m for m in out if m in mods}


def _closure(start: set[str], graph: dict[str, set[str]]) -> set[str]:
    seen, todo = set(), list(start)
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        todo.extend(graph.get(m, ()))
    return seen


def notebook_dependencies(root: Path) -> dict[str, set[str]]:
    """``{notebook file name: emlib modules it uses (closed over emlib's imports)}``."""
    import nbformat

    graph = import_graph(root)
    out = {}
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        direct: set[str] = set()
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            try:
                direct |= _direct_emlib_imports(ast.parse(_code_of_notebook_cell(cell.source)), root)
            except SyntaxError:
                continue
        out[path.name] = _closure(direct, graph)
    return out


def unit_test_dependencies(root: Path) -> dict[str, set[str]]:
    """``{test file name: emlib modules it uses}`` for the unit-test modules (integration tests excluded)."""
    graph = import_graph(root)
    tests = sorted((root / "tests").glob("test_*.py"))
    trees = {p.name: ast.parse(p.read_text()) for p in tests}
    direct, siblings, harness = {}, {}, set()
    for name, tree in trees.items():
        direct[name] = _direct_emlib_imports(tree, root)
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(a.name for a in node.names)
        if "nbval_helpers" in imported:
            harness.add(name)
        siblings[name] = {f"{n}.py" for n in imported if f"{n}.py" in trees}
    out = {}
    for name in trees:
        if name in EXCLUDED_TESTS or name in harness:
            continue
        mods = set(direct[name])
        for sib in siblings[name]:
            mods |= direct.get(sib, set())
        out[name] = _closure(mods, graph)
    return out


def selection_for(mutant: Mutant, nb_deps: dict[str, set[str]], test_deps: dict[str, set[str]]) -> tuple[list[str], list[str]]:
    """(unit test files, notebooks) that import the mutated module, as paths relative to the root."""
    tests = [f"tests/{t}" for t, mods in sorted(test_deps.items()) if mutant.module in mods]
    notebooks = [f"notebooks/{n}" for n, mods in sorted(nb_deps.items()) if mutant.module in mods]
    return tests, notebooks


def mutated_definition(mutant: Mutant, root: Path) -> str:
    """``module.TopLevelName`` of the function or class whose source the mutant changes."""
    text, i, _, _ = locate(mutant, root)
    line = _line_of(text, i)
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.lineno <= line <= node.end_lineno:
            return f"{mutant.module}.{node.name}"
    return f"{mutant.module}.<module>"


def definition_graph(root: Path) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Which top-level emlib definitions each one refers to, and where re-exported names are defined.

    Nodes are ``module.name`` for every top-level function and class; an edge means the body refers to
    the other definition by name (same module, or imported from another emlib module). A class refers
    to its bases and to everything its methods refer to.
    """
    mods = _emlib_modules(root)
    graph: dict[str, set[str]] = {}
    alias: dict[str, str] = {}  # "emlib.mixture.GaussianMixture" -> "emlib.mixture._gaussian.GaussianMixture"
    for name, path in mods.items():
        tree = ast.parse(path.read_text())
        is_pkg = path.name == "__init__.py"
        local: dict[str, str] = {}
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                local[node.name] = f"{name}.{node.name}"
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(node.module, node.level, name, is_pkg)
                if target.split(".")[0] != "emlib":
                    continue
                for a in node.names:
                    local[a.asname or a.name] = f"{target}.{a.name}"
        for short, full in local.items():
            if not full.startswith(name + "." + short) or full != f"{name}.{short}":
                alias[f"{name}.{short}"] = full
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                refs = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                refs |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
                graph[f"{name}.{node.name}"] = {local[r] for r in refs if r in local and r != node.name}
    return graph, alias


def _canonical(name: str, alias: dict[str, str]) -> str:
    seen = set()
    while name in alias and name not in seen:
        seen.add(name)
        name = alias[name]
    return name


def reached_definitions(names, graph: dict[str, set[str]], alias: dict[str, str]) -> set[str]:
    """Every emlib definition reachable from ``names`` (``module.name`` as a notebook imports them)."""
    todo = [_canonical(n, alias) for n in names]
    seen: set[str] = set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        todo.extend(_canonical(m, alias) for m in graph.get(n, ()))
    return seen


# ----------------------------------------------------------------------------------------------------
# Copies, the import guard and one pytest run
# ----------------------------------------------------------------------------------------------------
_GUARD = textwrap.dedent(
    '''
    """Written by tools/mutation.py: log where every process finds emlib (see verify_guard_log)."""
    import hashlib, json, os, sys
    from importlib.machinery import PathFinder

    class _EmlibImportGuard:
        @classmethod
        def find_spec(cls, name, path=None, target=None):
            log = os.environ.get("EMLIB_MUTATION_LOG")
            if name != "emlib" or not log:
                return None
            spec = PathFinder.find_spec(name)  # what the normal sys.path search finds next
            origin = getattr(spec, "origin", None)
            digest = None
            rel = os.environ.get("EMLIB_MUTATION_FILE")
            if origin and rel:
                try:
                    with open(os.path.join(os.path.dirname(os.path.dirname(origin)), rel), "rb") as fh:
                        digest = hashlib.sha256(fh.read()).hexdigest()
                except OSError:
                    digest = None
            rec = {"pid": os.getpid(), "argv0": (sys.argv or [""])[0], "origin": origin, "sha256": digest}
            with open(log, "a") as fh:
                fh.write(json.dumps(rec) + "\\n")
            return None  # observe only: the normal machinery imports what PathFinder found

        @classmethod
        def invalidate_caches(cls):
            pass

    sys.meta_path.insert(0, _EmlibImportGuard)
    '''
)


def write_guard(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sitecustomize.py").write_text(_GUARD)
    return directory


def make_snapshot(dest: Path, rev: str | None = None) -> Path:
    """Copy the files a run needs from the work tree (or from git revision ``rev``) to ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    if rev:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, *COPY_ITEMS], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    else:
        for item in COPY_ITEMS:
            src = ROOT / item
            if src.is_dir():
                shutil.copytree(src, dest / item, ignore=_IGNORE)
            else:
                shutil.copy2(src, dest / item)
    return dest


def make_copy(snapshot: Path, dest: Path, mutant: Mutant | None) -> tuple[Path, str, str, tuple[str, str]]:
    """A fresh copy of ``snapshot`` with ``mutant`` applied: (root, guarded file, its SHA-256, (old, new))."""
    shutil.copytree(snapshot, dest, ignore=_IGNORE)
    if mutant is None:
        rel = "emlib/__init__.py"
        return dest, rel, _sha(dest / rel), ("", "")
    sha, old, new = apply_mutant(mutant, dest)
    return dest, mutant.file, sha, (old, new)


@dataclasses.dataclass
class RunResult:
    outcomes: dict[str, str]  # "classname::name" -> passed / failed / error / skipped
    texts: dict[str, str]  # failure text of failed tests and cells
    seconds: float
    returncode: int
    tail: str
    guard: list[dict]
    applied: tuple[str, str] = ("", "")  # the (old, new) snippet pair that was applied
    records: dict = dataclasses.field(default_factory=dict)  # (notebook, cell) -> check records emitted there


def _junit_texts(path: Path) -> dict[str, str]:
    out = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        for child in case:
            if child.tag in ("failure", "error"):
                key = f"{case.get('classname', '')}::{case.get('name', '')}"
                out[key] = (child.get("message") or "") + "\n" + (child.text or "")
    return out


def _kill_own_kernels(records: list[dict]) -> None:
    """After a timeout: end the notebook kernels this run started (pids from the guard log)."""
    for rec in records:
        pid = rec.get("pid")
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "ipykernel" in cmdline:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def _read_guard(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def run_selection(copy_root: Path, guarded_file: str, guarded_sha: str, tests: list[str], notebooks: list[str],
                  guard_dir: Path, *, timeout: int = 1200, cell_timeout: int = 240) -> RunResult:
    """Run ``tests`` and ``notebooks`` (paths relative to ``copy_root``) under pytest + nbval in the copy."""
    log = copy_root / ".emlib_import_log.jsonl"
    junit = copy_root / ".junit.xml"
    record_log = copy_root / ".emlib_records.jsonl"
    env = {
        "PYTHONPATH": f"{guard_dir}{os.pathsep}{copy_root}",
        "EMLIB_MUTATION_LOG": str(log),
        "EMLIB_MUTATION_FILE": guarded_file,
        "PYTHONDONTWRITEBYTECODE": "1",
        RECORD_LOG_ENV: str(record_log),  # every check record the notebooks emit, as JSON lines
    }
    # -vvv (on top of the helper's -q) makes pytest print nbval's output diffs in full, so that the
    # changed check lines can be read from the junit failure text.
    opts = [f"--nbval-cell-timeout={cell_timeout}", "-vvv", "-p", "no:cacheprovider"]
    t0 = time.monotonic()
    try:
        proc = run_nbval(opts + tests + notebooks, copy_root, isolated=False, env=env, junitxml=junit, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_own_kernels(_read_guard(log))
        raise HarnessError(f"pytest did not finish within {timeout} s in {copy_root}") from None
    seconds = time.monotonic() - t0
    guard = _read_guard(log)
    tail = (proc.stdout or "")[-4000:] + (proc.stderr or "")[-2000:]
    if not junit.exists():
        raise HarnessError(f"no junit report from pytest (exit {proc.returncode}) in {copy_root}:\n{tail}")
    results = junit_results(junit)
    outcomes = {f"{cls}::{name}": v for cls, cases in results.items() for name, v in cases.items()}
    verify_guard(guard, copy_root, guarded_file, guarded_sha, tests, notebooks)
    texts = _junit_texts(junit)
    # Every selected file must have results. A test module that fails to import under a mutant has none
    # (pytest reports a collection error): record that as an error of the module.
    for target in tests + notebooks:
        prefix = target.replace("/", ".", 1) if target.endswith(".ipynb") else target[: -len(".py")].replace("/", ".")
        if not any(k == prefix or k.startswith((prefix + "::", prefix + ".")) for k in outcomes):
            key = f"{prefix}::<no results: collection failed>"
            outcomes[key] = "error"
            texts[key] = tail
    records = logged_records(read_record_log(record_log), copy_root, notebooks)
    return RunResult(outcomes, texts, seconds, proc.returncode, tail, guard, records=records)


def logged_records(entries: list[dict], copy_root: Path, notebooks: list[str]) -> dict[tuple[str, int], list[dict]]:
    """The check records a run logged, by (notebook, code cell).

    A record names its Derivation's title, which the notebook's stored summary record names too. Its
    cell is found by aligning, in order, the logged labels with the labels of the records stored in the
    notebook (nbval runs the cells top to bottom; the kernel's execution count does not advance under
    nbval): a record goes to the first cell at or after the previous one that stored its label, and a
    record with a label the notebook never stored goes to the cell of the record before it.
    """
    titles: dict[str, str] = {}
    stored: dict[str, list[tuple[int, str]]] = {}
    for nb in notebooks:
        name = Path(nb).name
        for r in notebook_records(copy_root / nb):
            if r.mime == SUMMARY_MIME:
                titles.setdefault(str(r.data.get("title", "")), name)
            elif r.mime == CHECK_MIME:
                stored.setdefault(name, []).append((r.code_cell, str(r.data.get("label", ""))))
    out: dict[tuple[str, int], list[dict]] = {}
    position: dict[str, tuple[int, int]] = {}  # notebook -> (index into its stored records, cell)
    for e in entries:
        if e.get("mime") != CHECK_MIME:
            continue
        name = titles.get(str(e.get("title", "")))
        if name is None and len(notebooks) == 1:
            name = Path(notebooks[0]).name
        if name is None:
            continue
        record = dict(e.get("record") or {})
        label = str(record.get("label", ""))
        seq = stored.get(name, [])
        start, cell = position.get(name, (0, -1))
        hit = next((j for j in range(start, len(seq)) if seq[j][1] == label), None)
        if hit is not None:
            start, cell = hit + 1, seq[hit][0]
        position[name] = (start, cell)
        if cell >= 0:
            out.setdefault((name, cell), []).append(record)
    return out


def verify_guard(records: list[dict], copy_root: Path, guarded_file: str, guarded_sha: str,
                 tests: list[str], notebooks: list[str]) -> None:
    """Every process that imported emlib found the copy's emlib, with the expected (mutated) file."""
    expected_origin = str((copy_root / "emlib" / "__init__.py").resolve())
    bad = [r for r in records if r.get("origin") is None or str(Path(r["origin"]).resolve()) != expected_origin]
    if bad:
        raise HarnessError(f"emlib was imported from outside the copy {copy_root}: {bad[:3]}")
    wrong = [r for r in records if r.get("sha256") != guarded_sha]
    if wrong:
        raise HarnessError(f"{guarded_file} in the imported emlib is not the expected version: {wrong[:3]}")
    kernels = [r for r in records if "ipykernel" in r.get("argv0", "")]
    if len(kernels) < len(notebooks):
        raise HarnessError(f"only {len(kernels)} notebook kernel(s) reported importing emlib for "
                           f"{len(notebooks)} notebook(s): {records}")
    if tests and not any("pytest" in r.get("argv0", "") for r in records):
        raise HarnessError(f"the pytest process did not report importing emlib: {records}")


# ----------------------------------------------------------------------------------------------------
# Reading the failures: which notebook cells and checks, which unit tests
# ----------------------------------------------------------------------------------------------------
_ANSI = re.compile(r"(\x1b|#x1B)\[[0-9;]*m")
_EXC_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Warning|Interrupt|Exit))\b:?(.*)$")
_SUMMARY_SOURCE = re.compile(r"^\s*\w+\.(summary|coverage|table)\(\)\s*$")


def _notebook_key(cls: str) -> str | None:
    return cls.split(".", 1)[1] if cls.endswith(".ipynb") and "." in cls else None


def _record_key(r: dict) -> tuple[str, str, str]:
    return str(r.get("label", "")), str(r.get("status", "")), str(r.get("route", ""))


def classify_cell_failure(text: str, logged: list[dict] | tuple = (), stored: list[dict] | tuple = ()) -> dict:
    """Kind of a failing cell and the checks involved, read from check records.

    ``logged``: the check records the run emitted in this cell (``EMLIB_RECORD_LOG``); ``stored``: the
    records stored in the notebook for it. Kinds: ``check`` (a check failed that passed in the stored
    run: its record says so), ``check-line`` (nbval found the outputs changed and a check's record, its
    status or route, changed or vanished), ``output`` (outputs changed, every check record the same),
    ``error`` (the cell raised without a failed check). Only nbval's own failure kind ("Cell outputs
    differ") and the exception's name are read from ``text``, never a label.
    """
    t = _ANSI.sub("", text)
    failed_before = {str(r.get("label", "")) for r in stored if r.get("status") == "failed"}
    failed = [r for r in logged if r.get("status") == "failed" and str(r.get("label", "")) not in failed_before]
    if failed:
        labels = list(dict.fromkeys(str(r.get("label", "")) for r in failed))
        return {"kind": "check", "labels": labels, "evidence": [str(failed[0].get("detail", ""))[:300]]}
    if "Cell outputs differ" in t:
        now, before = {_record_key(r) for r in logged}, {_record_key(r) for r in stored}
        changed = [str(r.get("label", "")) for r in stored if _record_key(r) not in now]
        changed += [str(r.get("label", "")) for r in logged if _record_key(r) not in before]
        changed = list(dict.fromkeys(changed))
        stored_lines = [ln.strip()[2:] for ln in t.splitlines() if re.match(r"^\s*\+ ", ln)]
        return {"kind": "check-line" if changed else "output", "labels": changed,
                "evidence": [ln for ln in stored_lines if ln.strip()][:3]}
    exc = ""
    for ln in t.splitlines():
        m = _EXC_LINE.match(ln.strip())
        if m:
            exc = ln.strip()
    return {"kind": "error", "labels": [], "evidence": [exc[:300]] if exc else []}


@dataclasses.dataclass
class CheckRecord:
    notebook: str
    cell: int  # nbval's "Cell <n>" (code cells only, from 0)
    label: str
    refuted: bool
    depends_on: list[str]  # emlib names whose values reach the cell (empty: independent of emlib)


def check_inventory(root: Path) -> tuple[list[CheckRecord], dict[tuple[str, int], dict]]:
    """Every stored check line of every notebook, and per code cell its source facts."""
    import nbformat

    checks, cells = [], {}
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        statements: list = []
        deps = _cell_emlib_dependencies(nb, statements)
        code = [c for c in nb.cells if c.cell_type == "code"]
        for i, cell in enumerate(code):
            cells[(path.name, i)] = {"summary": bool(_SUMMARY_SOURCE.match(cell.source.strip().splitlines()[-1]))
                                     if cell.source.strip() else False, "depends_on": sorted(deps[i]),
                                     "records": []}
        for rec in notebook_records(nb, (CHECK_MIME,)):
            i = rec.code_cell
            cells[(path.name, i)]["records"].append(rec.data)
            if rec.data.get("status") not in ("ok", "refuted"):
                continue  # a failure a notebook shows on purpose is no check that holds
            label = str(rec.data.get("label", ""))
            own = _statement_deps(label, statements[i] if i < len(statements) else [])
            checks.append(CheckRecord(path.name, i, label, rec.data.get("status") == "refuted",
                                      sorted(deps[i] if own is None else own)))
    return checks, cells


_MUTATING_METHODS = {"append", "extend", "update", "add", "insert", "setdefault", "fill", "sort", "put",
                     "appendleft", "__setitem__"}


def _statement_deps(label: str, stmts: list[tuple[set[str], list[str]]]) -> set[str] | None:
    """Dependencies of the statement that printed ``label``: the one whose string literals cover most of it.

    None if no statement's literals cover at least half of the label (then the whole cell counts).
    """
    best, best_score = None, 0
    for deps, frags in stmts:
        score = sum(len(f) for f in set(frags) if f in label)
        if score > best_score:
            best, best_score = deps, score
    if best is None or best_score < 0.5 * len(label.strip()):
        return None
    return best


def _cell_emlib_dependencies(nb, statements: list | None = None) -> list[set[str]]:
    """Per code cell, the emlib functions and classes whose values reach it (a simple taint analysis).

    Names imported from emlib (except the checker, :mod:`emlib.derivation`, and the exceptions) are
    tainted; a statement that reads a tainted name taints every name it binds or mutates (assignment
    targets, the object of ``x.append(...)`` or ``x[i] = ...``). A cell depends on the emlib names that
    reach any statement in it.
    """
    prov: dict[str, set[str]] = {}
    checker: set[str] = set()
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        dep: set[str] = set()
        stmts: list[tuple[set[str], list[str]]] = []  # per top-level statement: (deps, string fragments)
        if statements is not None:
            statements.append(stmts)
        try:
            tree = ast.parse(_code_of_notebook_cell(cell.source))
        except SyntaxError:
            out.append({"<unparsable cell>"})
            continue
        for stmt in tree.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.module.split(".")[0] == "emlib":
                for a in stmt.names:
                    name = a.asname or a.name
                    if stmt.module in CHECKER_MODULES:
                        checker.add(name)
                    else:
                        prov[name] = {f"{stmt.module}.{a.name}"}
                continue
            reads = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            d = set().union(*(prov.get(r, set()) for r in reads)) if reads else set()
            # names bound from the checker (d = Derivation(...)) stay untainted
            calls_checker = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in checker
                                for n in ast.walk(stmt))
            writes = set()
            for n in ast.walk(stmt):
                if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
                    writes.add(n.id)
                elif isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                    writes.add(n.name)
                elif isinstance(n, (ast.Attribute, ast.Subscript)) and isinstance(n.ctx, ast.Store):
                    base = n.value
                    while isinstance(base, (ast.Attribute, ast.Subscript)):
                        base = base.value
                    if isinstance(base, ast.Name):
                        writes.add(base.id)
                elif (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)
                      and n.func.attr in _MUTATING_METHODS):
                    writes.add(n.func.value.id)  # x.append(...), x.update(...): x changes
            if calls_checker and isinstance(stmt, ast.Assign):
                checker.update(w for w in writes)
            writes -= checker
            if d:
                for w in writes:
                    prov[w] = prov.get(w, set()) | d
            dep |= d
            frags = [n.value for n in ast.walk(stmt) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            stmts.append((set(d), [f for f in frags if len(f.strip()) >= 4]))
        out.append(dep)
    return out


def _match_label(label: str, candidates: list[str]) -> str | None:
    if label in candidates:
        return label
    close = difflib.get_close_matches(label, candidates, n=1, cutoff=0.6)
    return close[0] if close else None


# ----------------------------------------------------------------------------------------------------
# The analysis
# ----------------------------------------------------------------------------------------------------
def analyse_mutant(mutant: Mutant, run: RunResult, baseline: RunResult, tests: list[str], notebooks: list[str],
                   cells: dict, checks_by_cell: dict) -> dict:
    unit_kills, cell_kills, pre_existing = [], [], []
    for key, outcome in sorted(run.outcomes.items()):
        if outcome not in ("failed", "error"):
            continue
        if baseline.outcomes.get(key, "passed") in ("failed", "error"):
            pre_existing.append(key)
            continue
        cls, name = key.split("::", 1)
        nb = _notebook_key(cls)
        if nb is None:
            unit_kills.append(key)
            continue
        cell = int(name.split()[-1]) if name.startswith("Cell ") else -1
        facts = cells.get((nb, cell), {})
        info = classify_cell_failure(run.texts.get(key, ""), run.records.get((nb, cell), []), facts.get("records", []))
        if facts.get("summary"):
            info["kind"] = "summary"
        stored = checks_by_cell.get((nb, cell), [])
        matched = []
        for lab in info["labels"]:
            hit = _match_label(lab, stored)
            matched.append(hit or lab)
        info.update(notebook=nb, cell=cell, checks=[m for m in matched if m in stored], labels=matched)
        cell_kills.append(info)
    cell_kills.sort(key=lambda k: (k["notebook"], k["cell"]))
    by_check = [c for c in cell_kills if c["kind"] in ("check", "check-line")]
    return {
        "id": mutant.id,
        "file": mutant.file,
        "module": mutant.module,
        "target": mutant.target,
        "slip": mutant.slip,
        "old": run.applied[0] or mutant.old,
        "new": run.applied[1] or mutant.new,
        "variant": run.applied[0] != mutant.old,
        "hint": mutant.hint,
        "tests_run": tests,
        "notebooks_run": notebooks,
        "unit_test_kills": unit_kills,
        "notebook_cell_kills": cell_kills,
        "killed_by_unit_tests": bool(unit_kills),
        "killed_by_notebooks": bool(cell_kills),
        "killed_by_notebook_check": bool(by_check),
        "ignored_pre_existing_failures": pre_existing,
        "seconds": round(run.seconds, 1),
    }


def _fmt_cells(kills: list[dict], limit: int = 6) -> str:
    parts = []
    for k in kills[:limit]:
        labels = k.get("checks") or k.get("labels") or []
        lab = f": {labels[0][:70]}" if labels else ""
        parts.append(f"{k['notebook'][:2]} cell {k['cell']} ({k['kind']}{lab})")
    more = f" and {len(kills) - limit} more" if len(kills) > limit else ""
    return "; ".join(parts) + more if parts else "**none**"


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", "\\n")


def write_report(results: list[dict], stale: list[str], checks: list[CheckRecord], kill_of_check: dict,
                 meta: dict, report: Path, matrix: Path, reach: dict | None = None) -> tuple[int, int]:
    M = len(results) + len(stale)
    both = [r for r in results if r["killed_by_notebooks"] and r["killed_by_unit_tests"]]
    nb_surv = [r for r in results if not r["killed_by_notebooks"]]
    ut_surv = [r for r in results if not r["killed_by_unit_tests"]]
    by_check = [r for r in results if r["killed_by_notebook_check"]]
    K = len(both)
    lines = ["# Mutation analysis of emlib's checks", ""]
    lines += [f"Generated {meta['finished']} by `{meta['command']}` on {meta['source']}; "
              f"{meta['jobs']} worker(s), wall time {meta['wall_seconds']:.0f} s "
              f"(baseline run {meta['baseline_seconds']:.0f} s).", ""]
    lines += [f"**{K} of {M} mutants killed by notebooks and unit tests.**", ""]
    if meta["baseline_failures"]:
        nb_fail = [k for k in meta["baseline_failures"] if _notebook_key(k.split("::")[0])]
        lines += [f"**BASELINE NOT CLEAN: {len(meta['baseline_failures'])} tests/cells fail without any mutant "
                  f"({len(nb_fail)} notebook cells).** A mutant cannot be seen there; the kills below are a lower "
                  "bound. Refresh the notebooks (make notebooks) or run on a committed revision (--rev HEAD).", ""]
    lines += [f"* killed by at least one notebook cell: {M - len(nb_surv) - len(stale)} of {M} "
              f"(by a named check -- a failing or changed check line -- {len(by_check)} of {M})",
              f"* killed by at least one unit test: {M - len(ut_surv) - len(stale)} of {M}", ""]
    if stale:
        lines += ["## STALE MUTANTS (not run: the library changed under them)", ""]
        lines += [f"* `{s}`" for s in stale] + [""]
    if nb_surv or ut_surv:
        lines += ["## SURVIVORS", ""]
        for r in results:
            sides = [s for s, ok in (("notebooks", r["killed_by_notebooks"]), ("unit tests", r["killed_by_unit_tests"])) if not ok]
            if sides:
                lines.append(f"* **`{r['id']}` survives the {' and the '.join(sides)}** -- {r['target']}: {r['slip']}")
                if "notebooks" in sides:
                    nbs = ", ".join(n.split("/")[-1] for n in r["notebooks_run"]) or "none import the module"
                    lines.append(f"  * notebooks run: {nbs}")
                    if r["hint"]:
                        lines.append(f"  * suggested killer check: {r['hint']}")
        lines.append("")
    else:
        lines += ["No survivors: every mutant fails at least one notebook cell and at least one unit test.", ""]
    weak = [r for r in results if r["killed_by_notebooks"] and not r["killed_by_notebook_check"]]
    if weak:
        lines += ["## Killed by the notebooks only through printed values or errors, not by a check", "",
                  "nbval catches these (a stored number, table or summary count changes, or a cell raises), but no "
                  "check fails and no check line changes:", ""]
        for r in weak:
            kinds = sorted({k["kind"] for k in r["notebook_cell_kills"]})
            lines.append(f"* `{r['id']}` ({r['target']}): {', '.join(kinds)} -- {_fmt_cells(r['notebook_cell_kills'], 3)}"
                         + (f"; a check that would name it: {r['hint']}" if r["hint"] else ""))
        lines.append("")
    lines += ["## Kill matrix", "",
              "Kinds of notebook kills: `check` = a check failed (its record, logged by the run, names it), `check-line` = "
              "a stored check record (status or route) changed, `output` = another printed value changed, `error` = "
              "another exception, `summary` = the summary/coverage cell (its counts changed). Failures that "
              "also occur in the baseline run of the unmutated copy are not counted.", "",
              "| mutant | formula | slip | notebook cells failing | unit tests failing | s |",
              "|---|---|---|---|---|---:|"]
    for r in results:
        ut = f"{len(r['unit_test_kills'])}: " + ", ".join(k.split("::")[-1][:50] for k in r["unit_test_kills"][:2]) \
            if r["unit_test_kills"] else "**none**"
        nbk = f"{len(r['notebook_cell_kills'])}: " + _fmt_cells(r["notebook_cell_kills"], 3) if r["notebook_cell_kills"] else "**none**"
        lines.append(f"| `{r['id']}` | {_md_escape(r['target'])} | {_md_escape(r['slip'])} | {_md_escape(nbk)} | "
                     f"{_md_escape(ut)} | {r['seconds']:.0f} |")
    lines += ["", "## Per mutant", ""]
    for r in results:
        lines += [f"### `{r['id']}` ({r['file']})", "", f"{r['target']} -- {r['slip']}.", "", "```diff",
                  *[f"- {ln}" for ln in r["old"].splitlines()], *[f"+ {ln}" for ln in r["new"].splitlines()], "```", "",
                  f"* notebooks run: {', '.join(n.split('/')[-1] for n in r['notebooks_run']) or 'none'}",
                  f"* unit test files run: {', '.join(t.split('/')[-1] for t in r['tests_run']) or 'none'}"]
        if r["notebook_cell_kills"]:
            lines.append(f"* notebook cells failing ({len(r['notebook_cell_kills'])}):")
            for k in r["notebook_cell_kills"]:
                what = "; ".join(f"`{_md_escape(x[:110])}`" for x in (k["checks"] or k["labels"])[:4])
                ev = "; ".join(_md_escape(e[:110]) for e in k.get("evidence", [])[:1])
                lines.append(f"  * {k['notebook']} Cell {k['cell']} ({k['kind']}) {what} {('-- ' + ev) if ev and not what else ''}".rstrip())
        else:
            lines.append("* notebook cells failing: **none**")
        if r["unit_test_kills"]:
            lines.append(f"* unit tests failing ({len(r['unit_test_kills'])}): "
                         + ", ".join(f"`{k}`" for k in r["unit_test_kills"][:12])
                         + (f" and {len(r['unit_test_kills']) - 12} more" if len(r["unit_test_kills"]) > 12 else ""))
        else:
            lines.append("* unit tests failing: **none**")
        if r["ignored_pre_existing_failures"]:
            lines.append(f"* ignored (fail in the baseline too): {len(r['ignored_pre_existing_failures'])}")
        lines.append("")
    # checks no mutant kills
    reach = reach or {"mutated": {}, "cells": {}, "checks": {}}
    cell_reach = reach["cells"]

    def reached(c: CheckRecord) -> list[str]:  # mutants whose function reaches the statement of the check
        return reach.get("checks", {}).get(f"{c.notebook}|{c.cell}|{c.label}", cell_reach.get(f"{c.notebook}|{c.cell}", []))

    unkilled = [c for c in checks if not kill_of_check.get((c.notebook, c.cell, c.label))]
    pure = [c for c in unkilled if not c.depends_on]
    unmutated = [c for c in unkilled if c.depends_on and not reached(c)]
    needs = [c for c in unkilled if c.depends_on and reached(c)]
    lines += ["## Notebook checks that no mutant kills", "",
              f"{len(checks)} stored checks ({sum(c.refuted for c in checks)} of them refutations); "
              f"{len(checks) - len(unkilled)} are killed by name by at least one mutant (the check raises, or its "
              f"printed line changes); {len(unkilled)} are not. Classified from the cell sources (a static "
              "data-flow analysis: which names imported from emlib reach the statement that runs the check -- "
              "found by its label's string literals, else the whole cell -- and which emlib definitions those "
              "call):",
              f"* {len(pure)} are independent of emlib: no value computed by emlib reaches their cell "
              "(pure sympy/numpy claims; emlib.derivation, the checker, does not count);",
              f"* {len(unmutated)} use emlib only through functions that no mutant changes (listed);",
              f"* {len(needs)} use an emlib function that some mutant changes, yet no mutant fails them: these "
              "need a justification (listed with the mutants whose function reaches the cell: those mutants "
              "leave the check true, or fail the cell before the check runs).", ""]
    lines += ["### Independent of emlib (pure sympy claims)", ""]
    for nb in sorted({c.notebook for c in pure}):
        cs = [c for c in pure if c.notebook == nb]
        lines.append(f"* {nb} ({len(cs)}): " + "; ".join(f"cell {c.cell} `{_md_escape(c.label[:80])}`" for c in cs))
    lines += ["", "### Use emlib only through functions no mutant changes", ""]
    for nb in sorted({c.notebook for c in unmutated}):
        cs = [c for c in unmutated if c.notebook == nb]
        lines.append(f"* {nb} ({len(cs)}): " + "; ".join(
            f"cell {c.cell} `{_md_escape(c.label[:70])}` (uses {', '.join(sorted({d.split('.')[-1] for d in c.depends_on}))})"
            for c in cs))
    lines += ["", "### Use a mutated emlib function, killed by no mutant: need justification", ""]
    for nb in sorted({c.notebook for c in needs}):
        cs = [c for c in needs if c.notebook == nb]
        lines.append(f"* **{nb}** ({len(cs)}):")
        for c in cs:
            ms = reached(c)
            lines.append(f"  * cell {c.cell}{' (refutation)' if c.refuted else ''}: `{_md_escape(c.label[:110])}` -- "
                         f"reached by {len(ms)} mutant(s): {', '.join(ms[:6])}{' ...' if len(ms) > 6 else ''}")
    lines += ["", "## Baseline", "",
              f"The unmutated copy ran {meta['baseline_tests']} unit tests and {meta['baseline_cells']} notebook cells; "
              f"{len(meta['baseline_failures'])} of them failed there and are ignored in every mutant run"
              + (":" if meta["baseline_failures"] else "."), ""]
    lines += [f"* `{k}`" for k in meta["baseline_failures"][:40]]
    lines += ["", "## Which notebooks and unit tests run for which module", ""]
    for mod, (tests, nbs) in sorted(meta["selection"].items()):
        lines.append(f"* `{mod}`: notebooks {', '.join(n.split('/')[-1][:2] for n in nbs) or 'none'}; "
                     f"tests {', '.join(t.split('/')[-1] for t in tests) or 'none'}")
    lines.append("")
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(lines))
    matrix.parent.mkdir(parents=True, exist_ok=True)
    matrix.write_text(json.dumps({
        "summary": {"mutants": M, "killed_by_both": K, "survive_notebooks": [r["id"] for r in nb_surv],
                    "survive_unit_tests": [r["id"] for r in ut_surv], "stale": stale,
                    "killed_by_notebook_check": len(by_check)},
        "meta": meta,
        "matrix": {r["id"]: {
            "target": r["target"],
            "module": r["module"],
            "notebook_cells": {nb: sorted(k["cell"] for k in r["notebook_cell_kills"] if k["notebook"] == nb)
                               for nb in sorted({k["notebook"] for k in r["notebook_cell_kills"]})},
            "notebook_checks": sorted({c for k in r["notebook_cell_kills"] for c in k["checks"]}),
            "unit_tests": sorted({k.split("::")[0] for k in r["unit_test_kills"]}),
            "killed_by_notebooks": r["killed_by_notebooks"],
            "killed_by_notebook_check": r["killed_by_notebook_check"],
            "killed_by_unit_tests": r["killed_by_unit_tests"],
        } for r in results},
        "mutants": results,
        "checks": [dict(dataclasses.asdict(c), killed_by=kill_of_check.get((c.notebook, c.cell, c.label), []),
                        reached_by=reached(c))
                   for c in checks],
        "reach": reach,
    }, indent=1))
    return K, M


# ----------------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------------
def run_mutants(mutants: list[Mutant], *, jobs: int = 2, rev: str | None = None, workdir: Path | None = None,
                selection: dict[str, tuple[list[str], list[str]]] | None = None,
                timeout: int = 1200, log=print, stop_on_dirty_baseline: bool = False) -> dict:
    """Baseline + one run per mutant. Returns {"baseline", "runs", "selection", ...}; raises on stale mutants."""
    own = workdir is None
    work = Path(tempfile.mkdtemp(prefix="emlib-mutation-")) if own else workdir
    try:
        snapshot = make_snapshot(work / "snapshot", rev)
        problems = validate(mutants, snapshot)
        if problems:
            raise StaleMutantError("\n".join(problems))
        guard = write_guard(work / "guard")
        nb_deps, test_deps = notebook_dependencies(snapshot), unit_test_dependencies(snapshot)
        chosen = dict(selection or {})  # explicit (tests, notebooks) per mutant id, e.g. for the quick test
        selection = {m.id: chosen.get(m.id) or selection_for(m, nb_deps, test_deps) for m in mutants}
        all_tests = sorted({t for t, _ in selection.values() for t in t})
        all_nbs = sorted({n for _, n in selection.values() for n in n})

        def one(index: int, mutant: Mutant | None, tests: list[str], nbs: list[str]) -> RunResult:
            name = mutant.id if mutant else "baseline"
            root, rel, sha, applied = make_copy(snapshot, work / f"{index:02d}_{name}", mutant)
            res = run_selection(root, rel, sha, tests, nbs, guard, timeout=timeout)
            res.applied = applied
            if mutant is not None and not os.environ.get("EMLIB_MUTATION_KEEP"):
                shutil.rmtree(root, ignore_errors=True)
            return res

        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(one, 0, None, all_tests, all_nbs): None}
            for i, m in enumerate(mutants, start=1):
                futures[pool.submit(one, i, m, *selection[m.id])] = m
            runs, baseline = {}, None
            for fut in concurrent.futures.as_completed(futures):
                m = futures[fut]
                res = fut.result()  # a HarnessError propagates: no result is better than a wrong one
                if m is None:
                    baseline = res
                    log(f"[baseline] {len(res.outcomes)} results in {res.seconds:.0f} s")
                    dirty = sorted(k for k, v in res.outcomes.items() if v in ("failed", "error"))
                    if dirty and stop_on_dirty_baseline:
                        for f in futures:
                            f.cancel()  # runs not yet started; the running ones finish
                        raise DirtyBaselineError(dirty)
                else:
                    runs[m.id] = res
                    failed = sum(v in ("failed", "error") for v in res.outcomes.values())
                    log(f"[{len(runs)}/{len(mutants)}] {m.id}: {failed} failing in {res.seconds:.0f} s")
        return {"baseline": baseline, "runs": runs, "selection": selection, "snapshot_checks": check_inventory(snapshot),
                "wall": time.monotonic() - t0, "nb_deps": nb_deps, "test_deps": test_deps,
                "reach": reach_table(mutants, snapshot)}
    finally:
        if own and not os.environ.get("EMLIB_MUTATION_KEEP"):
            shutil.rmtree(work, ignore_errors=True)


def reach_table(mutants: list[Mutant], root: Path) -> dict:
    """``{"mutated": {mutant id: definition}, "cells": {"nb|cell": [mutant ids whose definition it reaches]}}``."""
    graph, alias = definition_graph(root)
    mutated = {m.id: mutated_definition(m, root) for m in mutants}
    checks, cells = check_inventory(root)
    def mutants_reaching(names) -> list[str]:
        hit = reached_definitions(names, graph, alias)
        return sorted(mid for mid, d in mutated.items() if d in hit)

    reach = {f"{nb}|{cell}": mutants_reaching(facts["depends_on"]) for (nb, cell), facts in cells.items()}
    per_check = {f"{c.notebook}|{c.cell}|{c.label}": mutants_reaching(c.depends_on) for c in checks}
    return {"mutated": mutated, "cells": reach, "checks": per_check}


def analyse(mutants: list[Mutant], out: dict) -> tuple[list[dict], list[CheckRecord], dict]:
    checks, cells = out["snapshot_checks"]
    checks_by_cell: dict[tuple[str, int], list[str]] = {}
    for c in checks:
        checks_by_cell.setdefault((c.notebook, c.cell), []).append(c.label)
    results = []
    for m in mutants:
        tests, nbs = out["selection"][m.id]
        results.append(analyse_mutant(m, out["runs"][m.id], out["baseline"], tests, nbs, cells, checks_by_cell))
    kill_of_check: dict[tuple[str, int, str], list[str]] = {}
    for r in results:
        for k in r["notebook_cell_kills"]:
            for lab in k["checks"]:
                kill_of_check.setdefault((k["notebook"], k["cell"], lab), []).append(r["id"])
    return results, checks, kill_of_check


def rewrite_report(source: Path, report: Path, matrix: Path, rev: str | None) -> int:
    """Write the report (and matrix) again from a saved matrix, re-deriving the cell classification."""
    data = json.loads(source.read_text())
    results, meta = data["mutants"], data["meta"]
    rev = rev or meta.get("rev")
    kill_of_check = {(c["notebook"], c["cell"], c["label"]): c["killed_by"] for c in data["checks"] if c["killed_by"]}
    work = Path(tempfile.mkdtemp(prefix="emlib-mutation-rewrite-"))
    try:
        snapshot = make_snapshot(work / "snapshot", rev)
        checks = check_inventory(snapshot)[0]  # the stored checks of that revision, classified afresh
        by_id = {m.id: m for m in CATALOGUE}
        reach = reach_table([by_id[r["id"]] for r in results if r["id"] in by_id], snapshot)
        for r in results:  # descriptions and hints as the catalogue has them now
            if r["id"] in by_id:
                m = by_id[r["id"]]
                r.update(target=m.target, slip=m.slip, hint=m.hint)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # kills by name, matched again against the fresh inventory (a label a failing cell names)
    known = {(c.notebook, c.cell, c.label) for c in checks}
    for r in results:
        for k in r["notebook_cell_kills"]:
            for lab in dict.fromkeys([*k.get("labels", []), *k.get("checks", [])]):
                key = (k["notebook"], k["cell"], lab)
                if key in known and r["id"] not in kill_of_check.setdefault(key, []):
                    kill_of_check[key].append(r["id"])
    meta["selection"] = {k: tuple(v) for k, v in meta["selection"].items()}
    for r in results:
        r["notebook_cell_kills"].sort(key=lambda k: (k["notebook"], k["cell"]))
    K, M = write_report(results, data["summary"].get("stale", []), checks, kill_of_check, meta, report, matrix, reach)
    print(f"{K} of {M} mutants killed by notebooks and unit tests (report: {report}, matrix: {matrix})")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("report", nargs="?", default="artifacts/mutation_report.md", help="markdown report path")
    p.add_argument("--matrix", default="artifacts/mutation_matrix.json", help="JSON kill matrix path")
    p.add_argument("--jobs", type=int, default=2, help="parallel pytest runs (default 2; at most 2 on a shared 2-core machine)")
    p.add_argument("--only", default="", help="comma-separated mutant ids (default: the whole catalogue)")
    p.add_argument("--rev", default=None, help="take the code from this git revision instead of the work tree")
    p.add_argument("--timeout", type=int, default=1200, help="seconds per pytest run")
    p.add_argument("--allow-dirty-baseline", action="store_true",
                   help="exit 0/1 even if tests or cells fail in the unmutated copy (default: exit 2)")
    p.add_argument("--rewrite-from", metavar="MATRIX", default=None,
                   help="rewrite the report from a kill matrix written earlier (no mutant is run)")
    p.add_argument("--list", action="store_true", help="print the catalogue and exit")
    p.add_argument("--check", action="store_true", help="only check that every snippet matches exactly once")
    args = p.parse_args(argv)

    mutants = list(CATALOGUE)
    if args.only:
        wanted = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = sorted(set(wanted) - {m.id for m in mutants})
        if unknown:
            p.error(f"unknown mutant id(s): {unknown}")
        mutants = [m for m in mutants if m.id in wanted]
    if args.list:
        for m in mutants:
            print(f"{m.id:38s} {m.file:30s} {m.target}\n{'':38s} - {m.old}\n{'':38s} + {m.new}")
        return 0
    if args.rev:  # resolve once: HEAD may move while the mutants run
        full = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", args.rev + "^{commit}"],
                              capture_output=True, text=True)
        if full.returncode:
            p.error(f"unknown git revision {args.rev!r}")
        args.rev = full.stdout.strip()
    if args.rewrite_from:
        return rewrite_report(Path(args.rewrite_from), Path(args.report), Path(args.matrix), args.rev)
    check_root = ROOT
    if args.rev:  # validate against that revision, not the work tree
        check_root = make_snapshot(Path(tempfile.mkdtemp(prefix="emlib-mutation-check-")), args.rev)
    problems = validate(mutants, check_root)
    if args.rev:
        shutil.rmtree(check_root, ignore_errors=True)
    if problems:
        print("STALE MUTANTS: the library changed under these snippets; update the catalogue in tools/mutation.py\n"
              + "\n".join(f"  * {s}" for s in problems), file=sys.stderr)
        return 2
    if args.check:
        print(f"all {len(mutants)} mutants match exactly once")
        return 0

    started = _dt.datetime.now(_dt.timezone.utc)
    try:
        out = run_mutants(mutants, jobs=args.jobs, rev=args.rev, timeout=args.timeout,
                          log=lambda s: print(s, file=sys.stderr, flush=True),
                          stop_on_dirty_baseline=not args.allow_dirty_baseline)
    except StaleMutantError as exc:
        print(f"STALE MUTANTS in the snapshot:\n{exc}", file=sys.stderr)
        return 2
    except DirtyBaselineError as exc:
        print("BASELINE NOT CLEAN: these tests/cells fail in the unmutated copy, so a mutant could not be seen "
              "there. Refresh the notebooks (make notebooks), analyse a committed revision (--rev), or pass "
              "--allow-dirty-baseline for a lower bound:\n" + "\n".join(f"  {k}" for k in exc.failures),
              file=sys.stderr)
        return 2
    except HarnessError as exc:
        print(f"HARNESS ERROR (no trustworthy result): {exc}", file=sys.stderr)
        return 2
    results, checks, kill_of_check = analyse(mutants, out)
    base = out["baseline"]
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    selection_by_module = {}
    for m in mutants:
        selection_by_module[m.module] = out["selection"][m.id]
    meta = {
        "started": started.isoformat(timespec="seconds"),
        "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": "python tools/mutation.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "source": (f"git revision {args.rev[:12]}" if args.rev
                   else f"the work tree (HEAD {head}, with uncommitted changes if any)"),
        "rev": args.rev,
        "jobs": args.jobs,
        "wall_seconds": out["wall"],
        "baseline_seconds": base.seconds,
        "baseline_tests": sum(_notebook_key(k.split("::")[0]) is None for k in base.outcomes),
        "baseline_cells": sum(_notebook_key(k.split("::")[0]) is not None for k in base.outcomes),
        "baseline_failures": sorted(k for k, v in base.outcomes.items() if v in ("failed", "error")),
        "selection": selection_by_module,
    }
    K, M = write_report(results, [], checks, kill_of_check, meta, Path(args.report), Path(args.matrix), out["reach"])
    print(f"{K} of {M} mutants killed by notebooks and unit tests (report: {args.report}, matrix: {args.matrix})")
    survivors = [r for r in results if not (r["killed_by_notebooks"] and r["killed_by_unit_tests"])]
    for r in survivors:
        sides = [s for s, ok in (("notebooks", r["killed_by_notebooks"]), ("unit tests", r["killed_by_unit_tests"])) if not ok]
        print(f"SURVIVOR {r['id']}: not killed by the {' or the '.join(sides)}", file=sys.stderr)
    if meta["baseline_failures"] and not args.allow_dirty_baseline:
        print(f"BASELINE NOT CLEAN: {len(meta['baseline_failures'])} tests/cells fail in the unmutated copy "
              "(see the report); the result is only a lower bound", file=sys.stderr)
        return 2
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
