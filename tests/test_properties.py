"""Property-based tests (hypothesis) of the invariants the derivations rest on.

* EM never decreases its objective (up to a relative 1e-10): GaussianMixture for every covariance type
  (log-likelihood), BernoulliMixture (the recorded MAP objective) and latent.SymmetricMixture1D.
* Responsibilities / posteriors are non-negative and sum to one.
* KL >= 0, with equality only for equal inputs (and Pinsker's bound KL >= ||p - q||_1^2 / 2 for
  discrete distributions); the ELBO never exceeds the log-evidence, with equality at the posterior.
* Permuting the data leaves a fit from the same initialisation unchanged.
* Gaussian-mixture fits are equivariant under translation and scaling of the data.

Hypothesis draws the sizes, seeds and parameters (derandomised, no example database, so every run
tries the same cases); numpy generates the arrays from the drawn seeds.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from emlib.divergence import kl_divergence, kl_mvnormal, kl_normal
from emlib.exceptions import ConvergenceWarning
from emlib.kmeans import KMeans
from emlib.latent import (
    SymmetricMixture1D,
    elbo,
    evidence_decomposition,
    kl_to_posterior,
    log_evidence,
    posterior,
)
from emlib.mixture import BernoulliMixture, GaussianMixture
from test_gaussian_mixture import init_precisions  # random valid precisions_init, per covariance type

COV_TYPES = ["full", "tied", "diag", "spherical"]
PROFILE = dict(database=None, deadline=None, derandomize=True)
MONOTONE_RTOL = 1e-10

seeds = st.integers(0, 2**32 - 1)


class _maybe_converges:
    """Ignore only a ConvergenceWarning (short max_iter in property tests); other warnings still fail."""

    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("ignore", ConvergenceWarning)
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def assert_monotone(history: np.ndarray, what: str) -> None:
    history = np.asarray(history)
    assert np.all(np.isfinite(history)), what
    drops = np.diff(history)
    allowed = -MONOTONE_RTOL * np.maximum(1.0, np.abs(history[1:]))
    assert np.all(drops >= allowed), f"{what}: largest decrease {drops.min():.3g}"


def blobs(seed: int, n: int, d: int, K: int) -> np.ndarray:
    """K Gaussian clusters with random centres, scales and correlations."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(K, d))
    labels = rng.integers(K, size=n)
    mixing = rng.normal(size=(K, d, d)) * 0.4 + np.eye(d) * rng.uniform(0.3, 2.0, size=(K, 1, 1))
    z = rng.normal(size=(n, d))
    return centres[labels] + np.einsum("nd,nde->ne", z, mixing[labels])


# --------------------------------------------------------------------------- EM is monotone
@settings(max_examples=40, **PROFILE)
@given(seed=seeds, cov_type=st.sampled_from(COV_TYPES), K=st.integers(1, 4), d=st.integers(1, 3),
       extra=st.integers(0, 60), init=st.sampled_from(["random", "kmeans", "k-means++"]))
def test_gmm_em_never_decreases_log_likelihood(seed, cov_type, K, d, extra, init):
    n = 8 * K + extra
    X = blobs(seed, n, d, K)
    # reg_covar perturbs the exact M-step by ~1e-13 relative: far below the 1e-10 allowed.
    gm = GaussianMixture(K, covariance_type=cov_type, init_params=init, tol=0.0, max_iter=25,
                         reg_covar=1e-13, random_state=seed)
    with pytest.warns(ConvergenceWarning):
        gm.fit(X)
    assert gm.log_likelihood_history_.shape == (26,)
    assert_monotone(gm.log_likelihood_history_, f"GMM {cov_type}")
    np.testing.assert_allclose(gm.score(X), gm.log_likelihood_history_[-1], rtol=1e-12)


@settings(max_examples=40, **PROFILE)
@given(seed=seeds, K=st.integers(1, 5), d=st.integers(1, 10), extra=st.integers(0, 80),
       alpha=st.sampled_from([1e-6, 0.01, 0.5, 1.0, 3.0]), init=st.sampled_from(["random", "kmeans"]))
def test_bernoulli_em_never_decreases_map_objective(seed, K, d, extra, alpha, init):
    rng = np.random.default_rng(seed)
    n = K + extra
    X = (rng.uniform(size=(n, d)) < rng.uniform(size=d)).astype(float)
    bm = BernoulliMixture(K, alpha=alpha, init_params=init, tol=0.0, max_iter=25, random_state=seed)
    with pytest.warns(ConvergenceWarning):
        bm.fit(X)
    assert_monotone(bm.objective_history_, "BernoulliMixture objective")
    assert np.all((bm.means_ > 0) & (bm.means_ < 1))


@settings(max_examples=40, **PROFILE)
@given(seed=seeds, n=st.integers(1, 200), theta=st.floats(-4, 4), theta_init=st.floats(-5, 5),
       weight=st.floats(0.05, 0.95), scale=st.floats(0.2, 3.0))
def test_toy_mixture_em_never_decreases_log_likelihood(seed, n, theta, theta_init, weight, scale):
    model = SymmetricMixture1D(weight=weight, scale=scale, theta_init=theta_init, tol=0.0, max_iter=30)
    x = model.sample(n, theta, random_state=seed)
    with _maybe_converges():  # the toy model stops early once the gain is not positive (tol=0)
        model.fit(x)
    assert_monotone(model.log_likelihood_trace_, "SymmetricMixture1D")
    # the trace is the log-likelihood of the recorded path (checked independently of fit's bookkeeping)
    for t in (0, len(model.theta_path_) // 2, -1):
        np.testing.assert_allclose(model.log_likelihood_trace_[t], model.log_likelihood(x, model.theta_path_[t]),
                                   rtol=1e-12)


# --------------------------------------------------------------------------- responsibilities
def assert_distribution_rows(R: np.ndarray, what: str) -> None:
    assert np.all(np.isfinite(R)), what
    assert np.all(R >= 0.0), what
    np.testing.assert_allclose(R.sum(axis=1), 1.0, rtol=0, atol=1e-12, err_msg=what)


@settings(max_examples=60, **PROFILE)
@given(log_joint=arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 5)),
                        elements=st.floats(-1e300, 1e300) | st.floats(-50, 50) | st.just(-np.inf)))
def test_posterior_rows_are_distributions(log_joint):
    # a row of only -inf has zero evidence and is rejected; keep one finite entry per row
    log_joint[:, 0] = np.where(np.isinf(log_joint[:, 0]), 0.0, log_joint[:, 0])
    R = posterior(log_joint)
    assert_distribution_rows(R, "posterior")
    assert np.all(R[np.isneginf(log_joint)] == 0.0)  # a ruled-out state gets exactly zero mass


@settings(max_examples=30, **PROFILE)
@given(seed=seeds, cov_type=st.sampled_from(COV_TYPES), K=st.integers(1, 4), d=st.integers(1, 3),
       spread=st.floats(0.1, 10.0))
def test_gmm_and_bernoulli_responsibilities_are_distributions(seed, cov_type, K, d, spread):
    X = blobs(seed, 10 * K, d, K)
    gm = GaussianMixture(K, covariance_type=cov_type, max_iter=10, tol=1e-3, random_state=seed)
    with _maybe_converges():
        gm.fit(X)
    queries = np.random.default_rng(seed + 1).normal(scale=spread, size=(50, d))
    assert_distribution_rows(gm.predict_proba(queries), f"GMM {cov_type}")
    assert_distribution_rows(gm.predict_proba(X), f"GMM {cov_type}")
    B = (np.random.default_rng(seed).uniform(size=(10 * K, d + 2)) < 0.4).astype(float)
    bm = BernoulliMixture(K, max_iter=10, random_state=seed)
    with _maybe_converges():
        bm.fit(B)
    assert_distribution_rows(bm.predict_proba(B), "BernoulliMixture")


@settings(max_examples=30, **PROFILE)
@given(cov_type=st.sampled_from(COV_TYPES), d=st.integers(2, 4), distance=st.floats(1e3, 1e150),
       var=st.floats(0.1, 10.0))
def test_gmm_responsibilities_sum_to_one_far_from_the_data(cov_type, d, distance, var):
    # Two equal components at -e1 and +e1; points on the bisecting hyperplane x1 = 0 are equally
    # likely under both, so the exact responsibilities are (1/2, 1/2) at any distance.
    means = np.zeros((2, d))
    means[:, 0] = [-1.0, 1.0]
    cov = {"full": np.array([var * np.eye(d)] * 2), "tied": var * np.eye(d),
           "diag": np.full((2, d), var), "spherical": np.full(2, var)}[cov_type]
    gm = GaussianMixture.from_parameters([0.5, 0.5], means, cov, covariance_type=cov_type)
    query = np.zeros((1, d))
    query[0, -1] = distance
    R = gm.predict_proba(query)
    assert_distribution_rows(R, f"GMM {cov_type} at distance {distance:.3g}")
    np.testing.assert_allclose(R, 0.5, rtol=1e-12)


# --------------------------------------------------------------------------- KL and ELBO
prob_rows = arrays(np.float64, st.integers(1, 8), elements=st.floats(0.0, 1.0)) \
    .filter(lambda a: a.sum() > 1e-3).map(lambda a: a / a.sum())


@settings(max_examples=80, **PROFILE)
@given(p=prob_rows, q_raw=arrays(np.float64, 8, elements=st.floats(1e-12, 1.0)), mix=st.floats(0.0, 1.0))
def test_discrete_kl_nonnegative_zero_only_for_equal_inputs(p, q_raw, mix):
    q = q_raw[: p.size] / q_raw[: p.size].sum()
    q = mix * p + (1 - mix) * q  # also probes q close to p
    q = q / q.sum()
    kl = kl_divergence(p, q)
    assert kl >= 0.0
    assert kl_divergence(p, p) == 0.0
    l1 = np.abs(p - q).sum()
    assert kl >= 0.5 * l1**2 - 1e-12  # Pinsker
    if l1 > 1e-6:
        assert kl > 0.0


@settings(max_examples=80, **PROFILE)
@given(m1=st.floats(-1e3, 1e3), s1=st.floats(1e-3, 1e3), m2=st.floats(-1e3, 1e3), s2=st.floats(1e-3, 1e3))
def test_gaussian_kl_nonnegative_zero_only_for_equal_inputs(m1, s1, m2, s2):
    kl = kl_normal(m1, s1, m2, s2)
    assert kl >= 0.0
    assert kl_normal(m1, s1, m1, s1) == 0.0
    if abs(m1 - m2) / s2 > 1e-4 or abs(np.log(s1 / s2)) > 1e-4:
        assert kl > 0.0
    # the multivariate closed form agrees with the univariate one (d = 1) and is additive over
    # independent coordinates
    np.testing.assert_allclose(kl_mvnormal([m1], [[s1**2]], [m2], [[s2**2]]), kl, rtol=1e-9, atol=1e-12)
    two = kl_mvnormal([m1, m2], np.diag([s1**2, s2**2]), [m2, m1], np.diag([s2**2, s1**2]))
    np.testing.assert_allclose(two, kl + kl_normal(m2, s2, m1, s1), rtol=1e-9, atol=1e-12)


@settings(max_examples=40, **PROFILE)
@given(seed=seeds, d=st.integers(1, 4))
def test_mvnormal_kl_zero_for_equal_inputs_positive_otherwise(seed, d):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    S = A @ A.T + 0.1 * np.eye(d)
    m = rng.normal(size=d)
    assert kl_mvnormal(m, S, m, S) <= 1e-12 * d
    assert kl_mvnormal(m, S, m + 0.01, S) > 0.0
    assert kl_mvnormal(m, S, m, 1.1 * S) > 0.0


@settings(max_examples=80, **PROFILE)
@given(log_joint=arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)), elements=st.floats(-40, 10)),
       q_raw=arrays(np.float64, 25, elements=st.floats(0.0, 1.0)))
def test_elbo_never_exceeds_log_evidence(log_joint, q_raw):
    n, k = log_joint.shape
    q = q_raw[: n * k].reshape(n, k) + 1e-9
    q = q / q.sum(axis=1, keepdims=True)
    ev = log_evidence(log_joint)
    tol = 1e-12 * np.maximum(1.0, np.abs(ev))
    assert np.all(elbo(log_joint, q) <= ev + tol)
    assert np.all(kl_to_posterior(log_joint, q) >= 0.0)
    # equality exactly at the posterior
    post = posterior(log_joint)
    np.testing.assert_allclose(elbo(log_joint, post), ev, rtol=1e-12, atol=1e-12)
    dec = evidence_decomposition(log_joint, q)
    np.testing.assert_allclose(dec.elbo + dec.kl, dec.log_evidence, rtol=1e-10, atol=1e-10)


@settings(max_examples=30, **PROFILE)
@given(seed=seeds, theta=st.floats(-3, 3), q_raw=arrays(np.float64, (20, 2), elements=st.floats(0.0, 1.0)))
def test_toy_model_elbo_below_log_likelihood(seed, theta, q_raw):
    model = SymmetricMixture1D(weight=0.3, scale=1.2)
    x = model.sample(20, 1.0, random_state=seed)
    q = (q_raw + 1e-9) / (q_raw + 1e-9).sum(axis=1, keepdims=True)
    lj = model.log_joint(x, theta)
    total_ll = model.log_likelihood(x, theta) * x.size
    assert elbo(lj, q).sum() <= total_ll + 1e-10 * max(1.0, abs(total_ll))


# --------------------------------------------------------------------------- permutation invariance
@settings(max_examples=30, **PROFILE)
@given(seed=seeds, cov_type=st.sampled_from(COV_TYPES), K=st.integers(1, 3), d=st.integers(1, 3))
def test_gmm_fit_from_fixed_init_is_permutation_invariant(seed, cov_type, K, d):
    rng = np.random.default_rng(seed)
    X = blobs(seed, 12 * K, d, K)
    kw = dict(covariance_type=cov_type, tol=0.0, max_iter=8,
              weights_init=rng.dirichlet(np.ones(K) * 3), means_init=X[rng.choice(len(X), K, replace=False)],
              precisions_init=init_precisions(cov_type, K, d, rng))
    perm = rng.permutation(len(X))
    with pytest.warns(ConvergenceWarning):
        a = GaussianMixture(K, **kw).fit(X)
    with pytest.warns(ConvergenceWarning):
        b = GaussianMixture(K, **kw).fit(X[perm])
    np.testing.assert_allclose(b.weights_, a.weights_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b.means_, a.means_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(b.covariances_, a.covariances_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(b.predict_proba(X), a.predict_proba(X), rtol=1e-7, atol=1e-9)


@settings(max_examples=30, **PROFILE)
@given(seed=seeds, K=st.integers(1, 3), d=st.integers(1, 8))
def test_bernoulli_and_kmeans_fits_from_fixed_init_are_permutation_invariant(seed, K, d):
    rng = np.random.default_rng(seed)
    B = (rng.uniform(size=(15 * K, d)) < rng.uniform(size=d)).astype(float)
    kw = dict(tol=0.0, max_iter=8, weights_init=rng.dirichlet(np.ones(K) * 3),
              means_init=rng.uniform(0.1, 0.9, size=(K, d)))
    perm = rng.permutation(len(B))
    with pytest.warns(ConvergenceWarning):
        a = BernoulliMixture(K, **kw).fit(B)
    with pytest.warns(ConvergenceWarning):
        b = BernoulliMixture(K, **kw).fit(B[perm])
    np.testing.assert_allclose(b.weights_, a.weights_, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(b.means_, a.means_, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(b.objective_history_, a.objective_history_, rtol=1e-12)

    X = blobs(seed, 12 * K, min(d, 3), K)
    init = X[rng.choice(len(X), K, replace=False)]
    perm = rng.permutation(len(X))
    ka = KMeans(K, init=init).fit(X)
    kb = KMeans(K, init=init).fit(X[perm])
    np.testing.assert_allclose(kb.cluster_centers_, ka.cluster_centers_, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(kb.labels_, ka.labels_[perm])


@settings(max_examples=30, **PROFILE)
@given(seed=seeds, theta_init=st.floats(-3, 3))
def test_toy_mixture_fit_is_permutation_invariant(seed, theta_init):
    model = SymmetricMixture1D(weight=0.6, theta_init=theta_init, tol=1e-10)
    x = model.sample(80, 1.3, random_state=seed)
    perm = np.random.default_rng(seed).permutation(x.size)
    a = SymmetricMixture1D(weight=0.6, theta_init=theta_init, tol=1e-10).fit(x)
    b = SymmetricMixture1D(weight=0.6, theta_init=theta_init, tol=1e-10).fit(x[perm])
    np.testing.assert_allclose(b.theta_path_, a.theta_path_, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- GMM equivariance
@settings(max_examples=40, **PROFILE)
@given(seed=seeds, cov_type=st.sampled_from(COV_TYPES), K=st.integers(1, 3), d=st.integers(1, 3),
       scale=st.floats(1e-3, 1e3), shift=st.floats(-100, 100))
def test_gmm_fit_is_equivariant_under_translation_and_scaling(seed, cov_type, K, d, scale, shift):
    rng = np.random.default_rng(seed)
    X = blobs(seed, 12 * K, d, K)
    b = shift * rng.uniform(-1, 1, size=d)
    weights0 = rng.dirichlet(np.ones(K) * 3)
    means0 = X[rng.choice(len(X), K, replace=False)]
    prec0 = init_precisions(cov_type, K, d, rng)
    reg = 1e-6
    common = dict(covariance_type=cov_type, tol=0.0, max_iter=10, weights_init=weights0)
    with pytest.warns(ConvergenceWarning):
        ref = GaussianMixture(K, means_init=means0, precisions_init=prec0, reg_covar=reg, **common).fit(X)
    Y = scale * X + b
    # The transformed problem: means move with the data, precisions scale by 1/scale^2 and the
    # (absolute) regularisation by scale^2, so that every EM iterate is the transformed iterate.
    with pytest.warns(ConvergenceWarning):
        fit = GaussianMixture(K, means_init=scale * means0 + b, precisions_init=prec0 / scale**2,
                              reg_covar=reg * scale**2, **common).fit(Y)
    np.testing.assert_allclose(fit.weights_, ref.weights_, rtol=1e-6, atol=1e-9)
    size = scale * (np.abs(X).max() + 1.0)
    np.testing.assert_allclose(fit.means_, scale * ref.means_ + b, rtol=1e-6, atol=1e-8 * size + 1e-10 * np.abs(b).max())
    np.testing.assert_allclose(fit.covariances_, scale**2 * ref.covariances_, rtol=1e-6,
                               atol=1e-8 * scale**2 * np.abs(ref.covariances_).max())
    # log-densities shift by -d log(scale): the mean log-likelihood history moves by that constant
    np.testing.assert_allclose(fit.log_likelihood_history_, ref.log_likelihood_history_ - d * np.log(scale),
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(fit.predict_proba(Y), ref.predict_proba(X), atol=1e-6)
