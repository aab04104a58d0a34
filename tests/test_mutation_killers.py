"""Unit tests added because a mutant of ``tools/mutation.py`` survived every other unit test.

Each test names the mutant(s) it kills. They compare emlib with an independent computation (scipy, or a
formula written out here), never with emlib itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from emlib.mixture import GaussianMixture


def _scipy_log_density(X, weights, means, covs):
    parts = [np.log(w) + stats.multivariate_normal(m, c).logpdf(X) for w, m, c in zip(weights, means, covs)]
    return logsumexp(np.column_stack(parts), axis=1)


def _full_covariances(cov_type, cov, K, d):
    if cov_type == "full":
        return list(cov)
    if cov_type == "tied":
        return [cov] * K
    if cov_type == "diag":
        return [np.diag(c) for c in cov]
    return [c * np.eye(d) for c in cov]


@pytest.mark.parametrize("cov_type", ["full", "tied", "diag", "spherical"])
def test_log_density_on_the_centred_path_matches_scipy(cov_type):
    """Kills gmm_estep_centred_half: -1/2 (x - mu)^T Sigma^-1 (x - mu) on the centred E-step path.

    Narrow components far from the mixture mean make the quadratic expansion inaccurate
    (kappa = tr(P) (|mu - c|^2 + tr(Sigma)) of order 1e7 > 1e5), so emlib evaluates the
    log-densities from the whitened residuals; the other tests only reach the expansion.
    """
    rng = np.random.default_rng(0)
    K, d = 2, 2
    means = np.array([[0.0, 0.0], [300.0, 40.0]])
    cov = {
        "full": np.array([[[0.02, 0.005], [0.005, 0.01]], [[0.03, -0.01], [-0.01, 0.02]]]),
        "tied": np.array([[0.02, 0.005], [0.005, 0.01]]),
        "diag": np.array([[0.02, 0.01], [0.03, 0.015]]),
        "spherical": np.array([0.02, 0.03]),
    }[cov_type]
    weights = np.array([0.3, 0.7])
    gm = GaussianMixture.from_parameters(weights, means, cov, covariance_type=cov_type)
    if hasattr(gm, "_fast"):
        assert gm._fast is False  # the case really exercises the centred path
    X = np.vstack([means[k] + 0.2 * rng.standard_normal((20, d)) for k in range(K)])
    expected = _scipy_log_density(X, weights, means, _full_covariances(cov_type, cov, K, d))
    np.testing.assert_allclose(gm.score_samples(X), expected, rtol=1e-9, atol=1e-9)


def test_log_density_in_high_dimension_matches_scipy():
    """Kills gmm_estep_centred_half for full covariances with d > 16 (the centred path by dimension)."""
    rng = np.random.default_rng(1)
    K, d = 2, 18
    means = rng.normal(size=(K, d))
    A = rng.normal(size=(K, d, d))
    covs = A @ np.swapaxes(A, 1, 2) / d + 0.5 * np.eye(d)
    weights = np.array([0.4, 0.6])
    gm = GaussianMixture.from_parameters(weights, means, covs, covariance_type="full")
    X = rng.normal(size=(30, d))
    np.testing.assert_allclose(gm.score_samples(X), _scipy_log_density(X, weights, means, covs), rtol=1e-9, atol=1e-9)


def test_numerical_gradient_matches_analytic_derivatives():
    # the plain central difference (f(x+h) - f(x-h)) / 2h, against exact derivatives of smooth functions
    from emlib.gradcheck import numerical_gradient

    x = np.array([0.3, -1.2, 2.5])
    np.testing.assert_allclose(numerical_gradient(lambda v: float(np.sum(np.sin(v))), x), np.cos(x), rtol=1e-8)
    np.testing.assert_allclose(numerical_gradient(lambda v: float(v @ v), x), 2 * x, rtol=1e-8)
