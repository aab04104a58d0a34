"""Tests for emlib.latent: evidence decomposition on discrete latents and the toy mixture's EM."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import optimize, special, stats

from emlib.exceptions import ConvergenceWarning, NotFittedError
from emlib.latent import (
    SymmetricMixture1D,
    elbo,
    entropy,
    evidence_decomposition,
    expected_log_joint,
    kl_to_posterior,
    log_evidence,
    posterior,
)


def _random_problem(seed, n=6, k=4):
    rng = np.random.default_rng(seed)
    joint = rng.dirichlet(np.ones(k), size=n) * rng.uniform(0.01, 0.5, size=(n, 1))  # p(x_n, k), unnormalised over n
    q = rng.dirichlet(np.ones(k), size=n)
    return joint, q


# --- discrete-latent quantities, compared with direct (non-log) formulas ----------------------------
def test_evidence_and_posterior_match_direct_formulas():
    joint, _ = _random_problem(0)
    np.testing.assert_allclose(log_evidence(np.log(joint)), np.log(joint.sum(axis=1)), rtol=1e-12)
    np.testing.assert_allclose(posterior(np.log(joint)), joint / joint.sum(axis=1, keepdims=True), rtol=1e-12)


def test_log_evidence_is_stable_for_extreme_values():
    lj = np.array([[-1000.0, -1001.0], [800.0, 799.0]])
    expected = lj[:, 0] + np.log1p(np.exp(-1.0))
    np.testing.assert_allclose(log_evidence(lj), expected, rtol=1e-14)
    np.testing.assert_allclose(log_evidence(lj), special.logsumexp(lj, axis=1), rtol=1e-14)


def test_elbo_kl_entropy_match_direct_formulas_and_decomposition():
    joint, q = _random_problem(1)
    lj = np.log(joint)
    post = joint / joint.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(elbo(lj, q), np.sum(q * np.log(joint / q), axis=1), rtol=1e-12)
    np.testing.assert_allclose(kl_to_posterior(lj, q), stats.entropy(q, post, axis=1), rtol=1e-10)
    np.testing.assert_allclose(entropy(q), stats.entropy(q, axis=1), rtol=1e-12)
    np.testing.assert_allclose(expected_log_joint(lj, q), np.sum(q * lj, axis=1), rtol=1e-12)
    dec = evidence_decomposition(lj, q)
    np.testing.assert_allclose(dec.elbo + dec.kl, dec.log_evidence, rtol=1e-12)
    # ELBO = E_q[log p(x, z)] + H(q)
    np.testing.assert_allclose(dec.elbo, expected_log_joint(lj, q) + entropy(q), rtol=1e-12)


@settings(max_examples=60, deadline=None, database=None)
@given(
    log_joint=arrays(np.float64, (3, 4), elements=st.floats(-30.0, 5.0)),
    raw_q=arrays(np.float64, (3, 4), elements=st.floats(0.0, 1.0)),
)
def test_decomposition_property(log_joint, raw_q):
    raw_q = raw_q + 1e-3  # keep every row a proper distribution
    q = raw_q / raw_q.sum(axis=1, keepdims=True)
    dec = evidence_decomposition(log_joint, q)
    np.testing.assert_allclose(dec.elbo + dec.kl, dec.log_evidence, rtol=1e-10, atol=1e-10)
    assert np.all(dec.kl >= 0.0)
    np.testing.assert_allclose(posterior(log_joint).sum(axis=1), 1.0, rtol=1e-12)


def test_bound_and_tightness():
    joint, q = _random_problem(2, n=50, k=3)
    lj = np.log(joint)
    assert np.all(elbo(lj, q) <= log_evidence(lj) + 1e-12)
    np.testing.assert_allclose(elbo(lj, posterior(lj)), log_evidence(lj), rtol=1e-12)
    np.testing.assert_allclose(kl_to_posterior(lj, posterior(lj)), 0.0, atol=1e-12)


def test_posterior_maximises_elbo_numerically():
    joint, _ = _random_problem(3, n=1, k=4)
    lj = np.log(joint[0])
    res = optimize.minimize(lambda a: -elbo(lj, special.softmax(a)), np.zeros(4), method="BFGS")
    np.testing.assert_allclose(special.softmax(res.x), posterior(lj), atol=1e-5)


def test_single_row_input_returns_scalars():
    lj = np.log([0.1, 0.3, 0.2])
    q = np.array([0.2, 0.5, 0.3])
    assert isinstance(log_evidence(lj), float)
    assert isinstance(elbo(lj, q), float)
    assert isinstance(kl_to_posterior(lj, q), float)
    assert posterior(lj).shape == (3,)
    np.testing.assert_allclose(log_evidence(lj), np.log(0.6))


def test_zero_probability_states():
    lj = np.array([np.log(0.2), -np.inf, np.log(0.3)])
    post = posterior(lj)
    np.testing.assert_allclose(post, [0.4, 0.0, 0.6])
    # q = 0 on the impossible state: finite, and the decomposition still holds
    q = np.array([0.5, 0.0, 0.5])
    np.testing.assert_allclose(elbo(lj, q) + kl_to_posterior(lj, q), np.log(0.5))
    # q > 0 on the impossible state: the bound is -inf and the gap +inf
    q_bad = np.array([0.4, 0.2, 0.4])
    assert elbo(lj, q_bad) == -np.inf
    assert kl_to_posterior(lj, q_bad) == np.inf


@pytest.mark.parametrize(
    "bad, match",
    [
        ([[np.nan, 0.0]], "NaN"),
        ([[np.inf, 0.0]], "inf"),
        ([[-np.inf, -np.inf]], "zero evidence"),
        (np.zeros((2, 0)), "log_joint"),
        (np.zeros((2, 2, 2)), "log_joint"),
    ],
)
def test_bad_log_joint(bad, match):
    with pytest.raises(ValueError, match=match) as info:
        log_evidence(bad)
    assert "log_joint" in str(info.value)
    with pytest.raises(ValueError, match="log_joint"):
        posterior(bad)


def test_bad_log_joint_type():
    with pytest.raises(TypeError, match="log_joint"):
        posterior("abc")


@pytest.mark.parametrize("func", [elbo, kl_to_posterior, expected_log_joint, evidence_decomposition])
def test_bad_q(func):
    lj = np.log([[0.1, 0.2], [0.3, 0.1]])
    with pytest.raises(ValueError, match="q"):
        func(lj, [[0.5, 0.6], [0.5, 0.5]])
    with pytest.raises(ValueError, match="q"):
        func(lj, [[1.5, -0.5], [0.5, 0.5]])
    with pytest.raises(ValueError, match="q must have the same shape"):
        func(lj, [[0.5, 0.5]])
    with pytest.raises(ValueError, match="q must have the same shape"):
        func(lj[0], [[0.5, 0.5]])
    with pytest.raises(ValueError, match="log_joint"):
        func([[np.nan, 0.0]], [[0.5, 0.5]])


def test_entropy_bad_q():
    with pytest.raises(ValueError, match="q"):
        entropy([0.2, 0.2])


# --- the one-parameter mixture --------------------------------------------------------------------
def test_mixture_log_joint_matches_scipy():
    model = SymmetricMixture1D(weight=0.3, scale=0.7)
    x = np.array([-1.0, 0.2, 2.5])
    lj = model.log_joint(x, 1.1)
    np.testing.assert_allclose(lj[:, 0], np.log(0.3) + stats.norm.logpdf(x, 1.1, 0.7), rtol=1e-12)
    np.testing.assert_allclose(lj[:, 1], np.log(0.7) + stats.norm.logpdf(x, -1.1, 0.7), rtol=1e-12)
    mix = 0.3 * stats.norm.pdf(x, 1.1, 0.7) + 0.7 * stats.norm.pdf(x, -1.1, 0.7)
    np.testing.assert_allclose(model.log_likelihood(x, 1.1), np.mean(np.log(mix)), rtol=1e-12)
    np.testing.assert_allclose(model.log_likelihood(x.reshape(-1, 1), 1.1), np.mean(np.log(mix)), rtol=1e-12)


def test_mixture_m_step_maximises_expected_log_joint():
    model = SymmetricMixture1D(weight=0.6, scale=1.3)
    x = model.sample(80, 1.0, random_state=0)
    q = model.e_step(x, 0.4)
    theta_new = model.m_step(x, q)
    res = optimize.minimize_scalar(lambda t: -expected_log_joint(model.log_joint(x, t), q).sum())
    np.testing.assert_allclose(theta_new, res.x, atol=1e-6)


def test_mixture_em_monotone_and_reaches_stationary_point():
    model = SymmetricMixture1D(weight=0.7, scale=1.0, theta_init=0.3, tol=1e-10)
    x = model.sample(300, 1.5, random_state=1)
    model.fit(x)
    assert model.converged_
    assert np.all(np.diff(model.log_likelihood_trace_) >= -1e-12)
    assert len(model.theta_path_) == model.n_iter_ + 1
    # a stationary point of the mean log-likelihood (central difference)
    h = 1e-5
    slope = (model.log_likelihood(x, model.theta_ + h) - model.log_likelihood(x, model.theta_ - h)) / (2 * h)
    assert abs(slope) < 1e-4
    res = optimize.minimize_scalar(lambda t: -model.log_likelihood(x, t), bounds=(0.5, 3.0), method="bounded")
    np.testing.assert_allclose(model.theta_, res.x, atol=1e-3)
    np.testing.assert_allclose(model.score(x), model.log_likelihood(x, model.theta_))
    assert model.predict(x).shape == (300,)
    np.testing.assert_allclose(model.predict_proba(x).sum(axis=1), 1.0)


def test_mixture_max_iter_warns():
    model = SymmetricMixture1D(theta_init=0.1, tol=0.0, max_iter=2)
    x = model.sample(50, 2.0, random_state=2)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        model.fit(x)
    assert model.n_iter_ == 2
    assert not model.converged_


def test_mixture_not_fitted():
    with pytest.raises(NotFittedError):
        SymmetricMixture1D().score([0.0, 1.0])


def test_mixture_params_stored_unchanged():
    model = SymmetricMixture1D(weight=0.2, scale=3, theta_init=-1, tol=1e-3, max_iter=7)
    assert (model.weight, model.scale, model.theta_init, model.tol, model.max_iter) == (0.2, 3, -1, 1e-3, 7)


@pytest.mark.parametrize(
    "param, bad, exc",
    [
        ("weight", 0.0, ValueError),
        ("weight", 1.0, ValueError),
        ("weight", "a", TypeError),
        ("scale", 0.0, ValueError),
        ("scale", np.nan, ValueError),
        ("theta_init", np.inf, ValueError),
        ("theta_init", None, TypeError),
        ("tol", -1.0, ValueError),
        ("max_iter", 0, ValueError),
        ("max_iter", 2.0, TypeError),
    ],
)
def test_mixture_bad_params_raise_in_fit(param, bad, exc):
    model = SymmetricMixture1D(**{param: bad})  # stored without validation
    with pytest.raises(exc, match=param):
        model.fit([0.0, 1.0, 2.0])


def test_mixture_bad_data_and_arguments():
    model = SymmetricMixture1D()
    with pytest.raises(ValueError, match="X"):
        model.fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="X"):
        model.fit([0.0, np.nan])
    with pytest.raises(TypeError, match="theta"):
        model.log_joint([0.0], "1")
    with pytest.raises(ValueError, match="q"):
        model.m_step([0.0, 1.0], [[0.5, 0.5]])
    with pytest.raises(ValueError, match="q"):
        model.m_step([0.0, 1.0], [[0.5, 0.6], [0.5, 0.5]])
    with pytest.raises(ValueError, match="n_samples"):
        model.sample(0, 1.0)
    with pytest.raises(TypeError, match="random_state"):
        model.sample(3, 1.0, random_state="x")


def test_convergence_warning_and_not_fitted_error_are_scikit_learns_when_it_is_imported():
    sk_exceptions = pytest.importorskip("sklearn.exceptions")
    from emlib._validation import check_is_fitted

    with pytest.raises(sk_exceptions.NotFittedError):
        check_is_fitted(SymmetricMixture1D(), "theta_")
    x = np.random.default_rng(0).normal(size=50) + 1.0
    with pytest.warns(sk_exceptions.ConvergenceWarning):
        SymmetricMixture1D(max_iter=1).fit(x)
