"""Tests for emlib.mixture.GaussianMixture (compared with scikit-learn, scipy and closed forms)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.mixture import GaussianMixture as SkGaussianMixture

from emlib.exceptions import ConvergenceWarning, NotFittedError
from emlib.mixture import GaussianMixture

COV_TYPES = ["full", "tied", "diag", "spherical"]


def three_blobs(seed: int = 0, n: int = 240) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n // 3, 3)) @ np.array([[1.0, 0.3, 0.0], [0.0, 0.7, 0.2], [0.0, 0.0, 0.5]]) + [3, 0, 0]
    b = rng.normal(size=(n // 3, 3)) * [1.0, 0.5, 2.0]
    c = rng.normal(size=(n - 2 * (n // 3), 3)) * 0.6 - [0, 3, 1]
    return np.vstack([a, b, c])


def init_precisions(cov_type: str, K: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """Random valid precisions_init in scikit-learn's layout for cov_type."""
    if cov_type == "full":
        A = rng.normal(size=(K, d, d))
        return A @ np.swapaxes(A, 1, 2) + d * np.eye(d)
    if cov_type == "tied":
        A = rng.normal(size=(d, d))
        return A @ A.T + d * np.eye(d)
    if cov_type == "diag":
        return rng.uniform(0.5, 2.0, size=(K, d))
    return rng.uniform(0.5, 2.0, size=K)


def fit_quiet(est, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", category=Warning)  # sklearn's own ConvergenceWarning
        return est.fit(X)


def true_log_density(X, weights, means, covs):
    """Brute-force log p(x) with scipy densities (covs as full matrices)."""
    dens = sum(w * multivariate_normal(m, c).pdf(X) for w, m, c in zip(weights, means, covs))
    return np.log(dens)


def full_covs(gm: GaussianMixture) -> np.ndarray:
    K, d = gm.means_.shape
    c = gm.covariances_
    if gm.covariance_type == "full":
        return c
    if gm.covariance_type == "tied":
        return np.repeat(c[None], K, axis=0)
    if gm.covariance_type == "diag":
        return np.array([np.diag(v) for v in c])
    return np.array([v * np.eye(d) for v in c])


# ----------------------------------------------------------------------------- agreement with sklearn
@pytest.mark.parametrize("cov_type", COV_TYPES)
@pytest.mark.parametrize("n_iter", [1, 9])
def test_matches_sklearn_from_same_initial_parameters(cov_type, n_iter):
    X = three_blobs()
    rng = np.random.default_rng(1)
    K, d = 3, X.shape[1]
    kw = dict(
        n_components=K,
        covariance_type=cov_type,
        tol=0.0,
        max_iter=n_iter,
        reg_covar=1e-6,
        weights_init=np.array([0.2, 0.5, 0.3]),
        means_init=X[rng.choice(len(X), K, replace=False)] + 0.1,
        precisions_init=init_precisions(cov_type, K, d, rng),
    )
    ours = GaussianMixture(**kw)
    with pytest.warns(ConvergenceWarning):
        ours.fit(X)
    ref = fit_quiet(SkGaussianMixture(**kw), X)
    for name in ["weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_"]:
        np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-9, atol=1e-10, err_msg=name)
    assert ours.n_iter_ == ref.n_iter_ == n_iter
    np.testing.assert_allclose(ours.score(X), ref.score(X), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.score_samples(X), ref.score_samples(X), rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-9)
    # sklearn records the log-likelihood before each M-step: our entries 0 .. n_iter-1.
    np.testing.assert_allclose(ours.log_likelihood_history_[:-1], ref.lower_bounds_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.log_likelihood_history_[-1], ref.score(X), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.lower_bound_, ref.score(X), rtol=0, atol=1e-10)


@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_converged_fit_matches_sklearn_kmeans_free_start(cov_type):
    """Run both to tight convergence from the same start: same local optimum."""
    X = three_blobs(seed=3)
    K = 3
    means0 = np.array([[3.0, 0, 0], [0, 0, 0], [0, -3, -1]])
    kw = dict(n_components=K, covariance_type=cov_type, tol=1e-12, max_iter=2000, means_init=means0,
              weights_init=np.full(K, 1 / 3), precisions_init=init_precisions(cov_type, K, 3, np.random.default_rng(0)))
    ours = GaussianMixture(**kw).fit(X)
    ref = fit_quiet(SkGaussianMixture(**kw), X)
    assert ours.converged_
    np.testing.assert_allclose(ours.means_, ref.means_, atol=1e-5)
    np.testing.assert_allclose(ours.score(X), ref.score(X), atol=1e-9)


# ----------------------------------------------------------------------------- EM properties
def test_log_likelihood_is_monotone_on_random_problems():
    master = np.random.default_rng(2024)
    for trial in range(24):
        cov_type = COV_TYPES[trial % 4]
        K = int(master.integers(1, 5))
        d = int(master.integers(1, 4))
        n = int(master.integers(20, 80))
        X = master.normal(size=(n, d)) * master.uniform(0.2, 3, size=d) + master.normal(scale=3, size=(n, 1))
        gm = GaussianMixture(K, covariance_type=cov_type, init_params="random", tol=0.0, max_iter=40,
                             reg_covar=1e-10, random_state=int(master.integers(1000)))
        with pytest.warns(ConvergenceWarning):
            gm.fit(X)
        h = gm.log_likelihood_history_
        assert h.shape == (41,)
        assert np.all(np.isfinite(h))
        # EM never decreases the likelihood; reg_covar=1e-10 perturbs the M-step by far less than 1e-8.
        assert np.all(np.diff(h) >= -1e-8 * max(1.0, abs(h[-1]))), (trial, np.diff(h).min())


def test_recovers_known_parameters_from_large_sample():
    rng = np.random.default_rng(7)
    weights = np.array([0.5, 0.3, 0.2])
    means = np.array([[0.0, 0.0], [6.0, 1.0], [1.0, 7.0]])
    covs = np.array([[[1.0, 0.5], [0.5, 1.5]], [[0.6, -0.2], [-0.2, 0.4]], [[2.0, 0.0], [0.0, 0.5]]])
    n = 30000
    z = rng.choice(3, size=n, p=weights)
    X = np.empty((n, 2))
    for k in range(3):
        idx = z == k
        X[idx] = rng.multivariate_normal(means[k], covs[k], size=idx.sum())
    gm = GaussianMixture(3, tol=1e-8, max_iter=500, random_state=0).fit(X)
    order = np.argsort(gm.means_[:, 0] + 10 * gm.means_[:, 1])  # sort recovered components like the truth
    truth = np.argsort(means[:, 0] + 10 * means[:, 1])
    np.testing.assert_allclose(gm.weights_[order], weights[truth], atol=0.015)
    np.testing.assert_allclose(gm.means_[order], means[truth], atol=0.06)
    np.testing.assert_allclose(gm.covariances_[order], covs[truth], atol=0.08)


def test_n_init_keeps_the_best_initialisation():
    X = three_blobs(seed=5)
    singles = []
    shared = np.random.default_rng(11)
    for _ in range(4):  # the same generator, consumed run after run, reproduces the n_init draws
        gm = GaussianMixture(3, init_params="random", tol=1e-6, max_iter=300, random_state=shared).fit(X)
        singles.append(gm.lower_bound_)
    multi = GaussianMixture(3, init_params="random", tol=1e-6, max_iter=300, n_init=4,
                            random_state=np.random.default_rng(11)).fit(X)
    np.testing.assert_allclose(multi.lower_bound_, max(singles), rtol=0, atol=1e-12)
    np.testing.assert_allclose(multi.score(X), multi.lower_bound_, atol=1e-12)


def test_convergence_warning_and_attributes():
    X = three_blobs()
    gm = GaussianMixture(3, max_iter=2, tol=1e-12, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        gm.fit(X)
    assert gm.converged_ is False and gm.n_iter_ == 2 and gm.log_likelihood_history_.shape == (3,)
    gm = GaussianMixture(3, max_iter=500, tol=1e-4, random_state=0).fit(X)
    assert gm.converged_ and gm.n_iter_ < 500
    assert abs(gm.log_likelihood_history_[-1] - gm.log_likelihood_history_[-2]) < 1e-4
    np.testing.assert_allclose(gm.lower_bound_, gm.score(X), atol=1e-12)


@pytest.mark.parametrize("init", ["kmeans", "k-means++", "random"])
def test_initialisations_reproducible_and_finite(init):
    X = three_blobs()
    a = GaussianMixture(3, init_params=init, random_state=3, max_iter=300).fit(X)
    b = GaussianMixture(3, init_params=init, random_state=3, max_iter=300).fit(X)
    np.testing.assert_array_equal(a.means_, b.means_)
    assert np.isfinite(a.score(X))
    np.testing.assert_allclose(a.weights_.sum(), 1.0)


# ----------------------------------------------------------------------------- densities vs scipy
@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_score_and_proba_against_scipy(cov_type):
    X = three_blobs(seed=1)
    gm = GaussianMixture(3, covariance_type=cov_type, random_state=0, max_iter=300).fit(X)
    covs = full_covs(gm)
    Xt = np.vstack([X[:25], [[40.0, -30.0, 25.0]]])
    comp = np.column_stack([w * multivariate_normal(m, c).pdf(Xt[:-1]) for w, m, c in zip(gm.weights_, gm.means_, covs)])
    np.testing.assert_allclose(gm.score_samples(Xt[:-1]), np.log(comp.sum(1)), rtol=1e-10)
    np.testing.assert_allclose(gm.predict_proba(Xt[:-1]), comp / comp.sum(1, keepdims=True), atol=1e-12)
    np.testing.assert_array_equal(gm.predict(Xt[:-1]), np.argmax(comp, axis=1))
    np.testing.assert_allclose(gm.score(Xt[:-1]), np.mean(np.log(comp.sum(1))), rtol=1e-10)
    # A far-away point: densities underflow to 0, the log-space E-step does not.
    logc = np.array([np.log(w) + multivariate_normal(m, c).logpdf(Xt[-1]) for w, m, c in zip(gm.weights_, gm.means_, covs)])
    assert np.all(np.exp(logc) == 0.0)
    ref = logc.max() + np.log(np.sum(np.exp(logc - logc.max())))
    np.testing.assert_allclose(gm.score_samples(Xt[-1:])[0], ref, rtol=1e-10)
    p = gm.predict_proba(Xt[-1:])
    assert np.all(np.isfinite(p)) and abs(p.sum() - 1) < 1e-12


@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_bic_aic_formula(cov_type):
    X = three_blobs(seed=2)
    gm = GaussianMixture(2, covariance_type=cov_type, random_state=0, max_iter=200).fit(X)
    sk = SkGaussianMixture(2, covariance_type=cov_type, random_state=0)
    sk.means_ = gm.means_  # sklearn's parameter count only needs means_ for the shapes
    p = sk._n_parameters()
    n = X.shape[0]
    ll = gm.score(X) * n
    np.testing.assert_allclose(gm.bic(X), -2 * ll + p * np.log(n), rtol=1e-12)
    np.testing.assert_allclose(gm.aic(X), -2 * ll + 2 * p, rtol=1e-12)


@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_sample_shapes_reproducibility_and_moments(cov_type):
    X = three_blobs()
    gm = GaussianMixture(3, covariance_type=cov_type, random_state=4, max_iter=300).fit(X)
    S, labels = gm.sample(20000)
    assert S.shape == (20000, 3) and labels.shape == (20000,)
    S2, labels2 = gm.sample(20000)
    np.testing.assert_array_equal(S, S2)
    np.testing.assert_array_equal(labels, labels2)
    np.testing.assert_allclose(np.bincount(labels, minlength=3) / 20000, gm.weights_, atol=0.015)
    covs = full_covs(gm)
    for k in range(3):
        Sk = S[labels == k]
        np.testing.assert_allclose(Sk.mean(0), gm.means_[k], atol=6 * np.sqrt(np.diag(covs[k]).max() / len(Sk)))
    mix_mean = gm.weights_ @ gm.means_
    np.testing.assert_allclose(S.mean(0), mix_mean, atol=0.1)
    assert gm.sample(1)[0].shape == (1, 3)


# ----------------------------------------------------------------------------- degenerate data
def test_duplicate_points_no_nan():
    X = np.repeat([[1.0, 2.0]], 30, axis=0)
    gm = GaussianMixture(2, random_state=0, max_iter=20).fit(X)
    for a in (gm.weights_, gm.means_, gm.covariances_, gm.precisions_):
        assert np.all(np.isfinite(a))
    np.testing.assert_allclose(gm.means_, [[1.0, 2.0]] * 2, atol=1e-12)
    assert np.all(np.isfinite(gm.score_samples(X)))


def test_component_collapsing_onto_one_point():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(50, 2)), [[100.0, 100.0]]])
    gm = GaussianMixture(2, means_init=[[0, 0], [100, 100]], reg_covar=1e-6, tol=1e-10, max_iter=100).fit(X)
    k = int(np.argmax(gm.means_[:, 0]))
    np.testing.assert_allclose(gm.means_[k], [100, 100], atol=1e-9)
    # the lone point's component has zero scatter: covariance = reg_covar * I, still SPD
    np.testing.assert_allclose(gm.covariances_[k], 1e-6 * np.eye(2), rtol=1e-6, atol=1e-12)
    assert np.all(np.isfinite(gm.precisions_)) and np.isfinite(gm.score(X))


def test_constant_feature():
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(size=60), np.full(60, 5.0)])
    for cov_type in COV_TYPES:
        gm = GaussianMixture(2, covariance_type=cov_type, random_state=0, max_iter=200).fit(X)
        assert np.all(np.isfinite(gm.precisions_)) and np.isfinite(gm.score(X))


def test_empty_component_gives_no_nan():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 2))
    gm = GaussianMixture(2, means_init=[[0.0, 0.0], [1e4, 1e4]], precisions_init=np.array([np.eye(2)] * 2),
                         weights_init=[0.5, 0.5], tol=0.0, max_iter=3)
    with pytest.warns(ConvergenceWarning):
        gm.fit(X)
    for a in (gm.weights_, gm.means_, gm.covariances_, gm.precisions_cholesky_, gm.log_likelihood_history_):
        assert np.all(np.isfinite(a))
    assert gm.weights_[1] < 1e-12
    assert np.all(np.isfinite(gm.predict_proba(X)))


# ----------------------------------------------------------------------------- bad input
X_OK = three_blobs(n=30)

BAD_PARAMS = [
    ({"n_components": 0}, ValueError, "n_components"),
    ({"n_components": 31}, ValueError, "n_components"),
    ({"n_components": 2.0}, TypeError, "n_components"),
    ({"covariance_type": "banana"}, ValueError, "covariance_type"),
    ({"covariance_type": 1}, TypeError, "covariance_type"),
    ({"tol": -1e-3}, ValueError, "tol"),
    ({"tol": "small"}, TypeError, "tol"),
    ({"reg_covar": -1e-6}, ValueError, "reg_covar"),
    ({"reg_covar": float("nan")}, ValueError, "reg_covar"),
    ({"max_iter": -1}, ValueError, "max_iter"),
    ({"max_iter": 1.5}, TypeError, "max_iter"),
    ({"n_init": 0}, ValueError, "n_init"),
    ({"n_init": True}, TypeError, "n_init"),
    ({"init_params": "kmeans+"}, ValueError, "init_params"),
    ({"init_params": None}, TypeError, "init_params"),
    ({"random_state": -3}, ValueError, "random_state"),
    ({"random_state": "seed"}, TypeError, "random_state"),
    ({"random_state": 1.5}, TypeError, "random_state"),
    ({"weights_init": [0.5, 0.5]}, ValueError, "weights_init"),
    ({"weights_init": [0.5, 0.4, 0.3]}, ValueError, "weights_init"),
    ({"weights_init": [1.2, -0.1, -0.1]}, ValueError, "weights_init"),
    ({"weights_init": [np.nan, 0.5, 0.5]}, ValueError, "weights_init"),
    ({"means_init": np.zeros((3, 2))}, ValueError, "means_init"),
    ({"means_init": np.zeros((2, 3))}, ValueError, "means_init"),
    ({"means_init": np.full((3, 3), np.inf)}, ValueError, "means_init"),
    ({"precisions_init": np.ones((3, 2, 2))}, ValueError, "precisions_init"),
    ({"precisions_init": np.array([[[1, 0.5, 0], [0, 1, 0], [0, 0, 1]]] * 3)}, ValueError, "symmetric"),
    ({"precisions_init": np.array([np.diag([1.0, -1.0, 1.0])] * 3)}, ValueError, "positive definite"),
    ({"covariance_type": "tied", "precisions_init": np.ones((3, 3, 3))}, ValueError, "precisions_init"),
    ({"covariance_type": "tied", "precisions_init": np.ones((3, 3))}, ValueError, "precisions_init"),
    ({"covariance_type": "diag", "precisions_init": np.ones((3, 2))}, ValueError, "precisions_init"),
    ({"covariance_type": "diag", "precisions_init": -np.ones((3, 3))}, ValueError, "precisions_init"),
    ({"covariance_type": "spherical", "precisions_init": np.ones(2)}, ValueError, "precisions_init"),
    ({"covariance_type": "spherical", "precisions_init": np.array([1.0, 0.0, 1.0])}, ValueError, "precisions_init"),
]


@pytest.mark.parametrize("params, err, match", BAD_PARAMS)
def test_bad_parameters(params, err, match):
    kw = {"n_components": 3, **params}
    with pytest.raises(err, match=match):
        GaussianMixture(**kw).fit(X_OK)


@pytest.mark.parametrize(
    "X, err",
    [
        (np.array([[0.0, np.nan], [1.0, 2.0]]), ValueError),
        (np.array([[0.0, np.inf], [1.0, 2.0]]), ValueError),
        (np.arange(5.0), ValueError),
        (np.zeros((4, 2, 2)), ValueError),
        (np.zeros((0, 2)), ValueError),
        ([["a", "b"], ["c", "d"]], TypeError),
        ("data", TypeError),
        (np.ones((3, 2), dtype=complex), TypeError),
    ],
)
def test_bad_X(X, err):
    with pytest.raises(err, match="X"):
        GaussianMixture(1).fit(X)


def test_methods_check_fitted_and_shapes():
    gm = GaussianMixture(2)
    for method in ("predict", "predict_proba", "score", "score_samples", "bic", "aic"):
        with pytest.raises(NotFittedError):
            getattr(gm, method)(X_OK)
    with pytest.raises(NotFittedError):
        gm.sample(3)
    gm.fit(X_OK)
    for method in ("predict", "predict_proba", "score", "score_samples", "bic", "aic"):
        with pytest.raises(ValueError, match="features"):
            getattr(gm, method)(X_OK[:, :2])
        with pytest.raises(ValueError, match="X"):
            getattr(gm, method)(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="n_samples"):
        gm.sample(0)
    with pytest.raises(TypeError, match="n_samples"):
        gm.sample(2.5)


def test_parameters_stored_unchanged_and_fit_returns_self():
    w = [0.5, 0.5]
    gm = GaussianMixture(2, weights_init=w, reg_covar=1e-4, random_state=1)
    assert gm.weights_init is w and gm.reg_covar == 1e-4
    assert gm.fit(X_OK) is gm
    assert gm.weights_init is w


# ----------------------------------------------------------------------------- functional helpers
@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_estimate_gaussian_parameters_matches_sklearn(cov_type):
    from sklearn.mixture._gaussian_mixture import _estimate_gaussian_parameters

    from emlib.mixture import estimate_gaussian_parameters

    X = three_blobs(seed=9)
    resp = np.random.default_rng(0).dirichlet(np.ones(3), size=len(X))
    w, m, c = estimate_gaussian_parameters(X, resp, covariance_type=cov_type, reg_covar=1e-3)
    nk, m_ref, c_ref = _estimate_gaussian_parameters(X, resp, 1e-3, cov_type)
    np.testing.assert_allclose(w, nk / len(X), rtol=1e-12)
    np.testing.assert_allclose(m, m_ref, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(c, c_ref, rtol=1e-10, atol=1e-12)


def test_estimate_gaussian_parameters_bad_input():
    from emlib.mixture import estimate_gaussian_parameters

    X = three_blobs(n=30)
    r = np.full((30, 2), 0.5)
    with pytest.raises(ValueError, match="resp"):
        estimate_gaussian_parameters(X, np.full((30, 2), 0.4))
    with pytest.raises(ValueError, match="resp"):
        estimate_gaussian_parameters(X, r[:10])
    with pytest.raises(ValueError, match="reg_covar"):
        estimate_gaussian_parameters(X, r, reg_covar=-1.0)
    with pytest.raises(ValueError, match="covariance_type"):
        estimate_gaussian_parameters(X, r, covariance_type="nope")
    with pytest.raises(ValueError, match="X"):
        estimate_gaussian_parameters(X[:, 0], r)


@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_from_parameters_density_against_scipy(cov_type):
    rng = np.random.default_rng(3)
    K, d = 3, 2
    covs = {"full": init_precisions("full", K, d, rng), "tied": init_precisions("tied", K, d, rng),
            "diag": rng.uniform(0.5, 2, (K, d)), "spherical": rng.uniform(0.5, 2, K)}[cov_type]
    w, m = np.array([0.2, 0.3, 0.5]), rng.normal(size=(K, d))
    gm = GaussianMixture.from_parameters(w, m, covs, covariance_type=cov_type)
    X = rng.normal(size=(20, d)) * 2
    np.testing.assert_allclose(gm.score_samples(X), true_log_density(X, w, m, full_covs(gm)), rtol=1e-12)


def test_from_parameters_bad_input():
    eye = np.array([np.eye(2)] * 2)
    with pytest.raises(ValueError, match="weights"):
        GaussianMixture.from_parameters([0.5, 0.6], np.zeros((2, 2)), eye)
    with pytest.raises(ValueError, match="covariances"):
        GaussianMixture.from_parameters([0.5, 0.5], np.zeros((2, 2)), eye[:, :1])
    with pytest.raises(ValueError, match="positive definite"):
        GaussianMixture.from_parameters([0.5, 0.5], np.zeros((2, 2)), -eye)
    with pytest.raises(ValueError, match="symmetric"):
        GaussianMixture.from_parameters([0.5, 0.5], np.zeros((2, 2)), np.array([[[1, 0.5], [0, 1]]] * 2))
    with pytest.raises(ValueError, match="covariance_type"):
        GaussianMixture.from_parameters([0.5, 0.5], np.zeros((2, 2)), eye, covariance_type="x")
    with pytest.raises(ValueError, match="means"):
        GaussianMixture.from_parameters([0.5, 0.5], np.zeros(2), eye)


# ----------------------------------------------------------------------------- scikit-learn API (issue 16)
@pytest.mark.parametrize("make_rs", [lambda: None, lambda: 7, lambda: np.int64(7), lambda: np.random.RandomState(7),
                                     lambda: np.random.default_rng(7)],
                         ids=["None", "int", "numpy-int", "RandomState", "Generator"])
def test_random_state_accepts_what_sklearn_accepts(make_rs):
    X = three_blobs()
    gm = GaussianMixture(3, random_state=make_rs()).fit(X)
    assert gm.converged_ and np.all(np.isfinite(gm.means_))
    gm.sample(5)


def test_random_state_semantics():
    X = three_blobs()
    # an int: the same fit every time; a RandomState in the same state: the same fit
    a = GaussianMixture(3, init_params="random", random_state=3).fit(X)
    b = GaussianMixture(3, init_params="random", random_state=3).fit(X)
    np.testing.assert_array_equal(a.means_, b.means_)
    c = GaussianMixture(3, init_params="random", max_iter=0, random_state=np.random.RandomState(5)).fit(X)
    d = GaussianMixture(3, init_params="random", max_iter=0, random_state=np.random.RandomState(5)).fit(X)
    np.testing.assert_array_equal(c.means_, d.means_)
    # one RandomState instance is advanced by each fit (as in scikit-learn): two fits start differently
    rs = np.random.RandomState(5)
    e = GaussianMixture(3, init_params="random", max_iter=0, random_state=rs)
    first = e.fit(X).means_.copy()
    assert not np.array_equal(first, e.fit(X).means_)
    np.testing.assert_array_equal(first, c.means_)


def test_reg_covar_zero_gives_the_exact_m_step_and_matches_sklearn():
    X = three_blobs()
    rng = np.random.default_rng(1)
    kw = dict(n_components=3, tol=0.0, max_iter=5, reg_covar=0.0, weights_init=np.array([0.2, 0.5, 0.3]),
              means_init=X[rng.choice(len(X), 3, replace=False)], precisions_init=init_precisions("full", 3, 3, rng))
    with pytest.warns(ConvergenceWarning):
        ours = GaussianMixture(**kw).fit(X)
    ref = fit_quiet(SkGaussianMixture(**kw), X)
    np.testing.assert_allclose(ours.covariances_, ref.covariances_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.lower_bounds_, ref.lower_bounds_, rtol=0, atol=1e-10)
    # one M-step from hard labels with reg_covar=0 is the (biased) sample covariance of each cluster
    labels = np.repeat([0, 1, 2], 80)
    resp = np.eye(3)[labels]
    from emlib.mixture import estimate_gaussian_parameters

    _, _, cov = estimate_gaussian_parameters(X, resp, reg_covar=0.0)
    for k in range(3):
        np.testing.assert_allclose(cov[k], np.cov(X[labels == k].T, bias=True), rtol=1e-12)


def test_reg_covar_zero_on_singular_data_raises_naming_reg_covar():
    X = np.repeat(np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 0.5]]), 5, axis=0)  # three distinct points
    # scikit-learn's wording, which names reg_covar
    with pytest.raises(ValueError, match=r"ill-defined empirical covariance .* increase reg_covar"):
        GaussianMixture(3, reg_covar=0.0, random_state=0).fit(X)
    GaussianMixture(3, reg_covar=1e-6, random_state=0).fit(X)  # the default floor handles it


@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_max_iter_zero_returns_the_initialisation_without_warning(cov_type):
    X = three_blobs()
    rng = np.random.default_rng(4)
    means0 = X[rng.choice(len(X), 3, replace=False)]
    prec0 = init_precisions(cov_type, 3, 3, rng)
    kw = dict(n_components=3, covariance_type=cov_type, max_iter=0, means_init=means0, weights_init=[0.2, 0.3, 0.5],
              precisions_init=prec0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning for max_iter=0, as in scikit-learn
        gm = GaussianMixture(**kw).fit(X)
    np.testing.assert_array_equal(gm.means_, means0)
    np.testing.assert_allclose(gm.precisions_, prec0, rtol=1e-12)
    assert gm.n_iter_ == 0 and not gm.converged_ and gm.lower_bounds_.shape == (0,)
    np.testing.assert_allclose(gm.lower_bound_, gm.score(X), rtol=1e-12)  # emlib: log-likelihood of the result
    np.testing.assert_allclose(gm.weights_, [0.2, 0.3, 0.5], rtol=1e-15)
    # (scikit-learn 1.9.1 itself fails here: with every parameter initialised and max_iter=0 it never
    # sets covariances_ and raises AttributeError.)


def test_max_iter_zero_with_kmeans_init_matches_one_initialisation():
    X = three_blobs()
    gm0 = GaussianMixture(3, max_iter=0, random_state=2).fit(X)
    gm = GaussianMixture(3, max_iter=100, random_state=2).fit(X)
    np.testing.assert_allclose(gm.log_likelihood_history_[0], gm0.lower_bound_, rtol=1e-12)


@pytest.mark.parametrize("n_iter", [1, 4])
def test_lower_bounds_are_sklearns(n_iter):
    X = three_blobs(seed=5)
    rng = np.random.default_rng(6)
    kw = dict(n_components=3, covariance_type="diag", tol=0.0, max_iter=n_iter,
              means_init=X[rng.choice(len(X), 3, replace=False)], weights_init=np.full(3, 1 / 3),
              precisions_init=init_precisions("diag", 3, 3, rng))
    with pytest.warns(ConvergenceWarning):
        ours = GaussianMixture(**kw).fit(X)
    ref = fit_quiet(SkGaussianMixture(**kw), X)
    assert ours.lower_bounds_.shape == (ours.n_iter_,) == (n_iter,)
    np.testing.assert_allclose(ours.lower_bounds_, ref.lower_bounds_, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(ours.lower_bounds_, ours.log_likelihood_history_[:-1])


def test_get_params_set_params_clone_and_repr():
    from sklearn.base import clone

    w = np.array([0.3, 0.3, 0.4])
    gm = GaussianMixture(3, covariance_type="tied", reg_covar=1e-4, weights_init=w, random_state=1)
    params = gm.get_params()
    assert sorted(params) == sorted(["n_components", "covariance_type", "tol", "reg_covar", "max_iter", "n_init",
                                     "init_params", "weights_init", "means_init", "precisions_init", "random_state",
                                     "warm_start", "verbose", "verbose_interval"])
    assert params["weights_init"] is w and params["reg_covar"] == 1e-4
    assert gm.set_params(n_components=2, tol=1e-5) is gm and gm.n_components == 2 and gm.tol == 1e-5
    with pytest.raises(ValueError, match="banana"):
        gm.set_params(banana=1)
    c = clone(gm)
    assert type(c) is GaussianMixture and c.get_params()["covariance_type"] == "tied"
    assert repr(GaussianMixture()) == "GaussianMixture()"
    assert repr(GaussianMixture(2, tol=0.1)) == "GaussianMixture(n_components=2, tol=0.1)"
    fitted = GaussianMixture(3, random_state=0).fit(three_blobs())
    assert not hasattr(clone(fitted), "means_")


def test_float32_input_is_fitted_in_float64():
    X = three_blobs()
    gm32 = GaussianMixture(3, random_state=0).fit(X.astype(np.float32))
    gm64 = GaussianMixture(3, random_state=0).fit(X.astype(np.float32).astype(np.float64))
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        assert getattr(gm32, name).dtype == np.float64
        np.testing.assert_array_equal(getattr(gm32, name), getattr(gm64, name))
    assert gm32.predict_proba(X.astype(np.float32)).dtype == np.float64
    assert gm32.score_samples(X[:5].astype(np.float32)).dtype == np.float64


def test_sparse_and_object_input():
    from scipy import sparse

    X = three_blobs()
    with pytest.raises(TypeError, match="X must be a dense array: sparse input"):
        GaussianMixture(3).fit(sparse.csr_matrix(X))
    a = GaussianMixture(3, random_state=0).fit(X.astype(object))  # numbers in an object array, as in sklearn
    np.testing.assert_array_equal(a.means_, GaussianMixture(3, random_state=0).fit(X).means_)
    bad = X.astype(object)
    bad[0, 0] = {"a": 1}
    with pytest.raises(TypeError, match="X must hold real numbers"):
        GaussianMixture(3).fit(bad)


def test_feature_count_error_wording():
    gm = GaussianMixture(2, random_state=0).fit(three_blobs())
    with pytest.raises(ValueError, match="X has 2 features, but GaussianMixture is expecting 3 features as input"):
        gm.predict(np.zeros((4, 2)))


def test_kmeans_init_warning_about_distinct_clusters_is_not_passed_on():
    X = np.repeat([[0.0, 0.0], [3.0, 1.0]], 10, axis=0)  # two distinct points, three components
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gm = GaussianMixture(3, random_state=0).fit(X)
    assert not [w for w in caught if "distinct clusters" in str(w.message)]
    assert np.all(np.isfinite(gm.means_)) and np.all(np.isfinite(gm.score_samples(X)))


# ----------------------------------------------------------------------------- issue 25: sklearn's parameters
def _same_start(cov_type, X, K=3, seed=1):
    rng = np.random.default_rng(seed)
    return dict(
        n_components=K,
        covariance_type=cov_type,
        tol=0.0,
        weights_init=np.array([0.2, 0.5, 0.3]),
        means_init=X[rng.choice(len(X), K, replace=False)] + 0.1,
        precisions_init=init_precisions(cov_type, K, X.shape[1], rng),
    )


@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_warm_start_continues_em_as_sklearn_does(cov_type):
    X = three_blobs(seed=4)
    kw = _same_start(cov_type, X)
    ours = GaussianMixture(max_iter=3, warm_start=True, **kw)
    ref = SkGaussianMixture(max_iter=3, warm_start=True, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(3):
            ours.fit(X)
            fit_quiet(ref, X)
            for name in ["weights_", "means_", "covariances_"]:
                np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-9, atol=1e-10, err_msg=name)
        # three warm fits of 3 M-steps are one fit of 9 (independent of scikit-learn)
        once = GaussianMixture(max_iter=9, **kw).fit(X)
    for name in ["weights_", "means_", "covariances_"]:
        np.testing.assert_allclose(getattr(ours, name), getattr(once, name), rtol=1e-12, atol=1e-13, err_msg=name)
    assert ours.n_iter_ == 3
    with pytest.raises(ValueError, match=f"X has 1 features, but GaussianMixture is expecting {X.shape[1]}"):
        ours.fit(X[:, :1])


def test_warm_start_false_or_unfitted_initialises():
    X = three_blobs(seed=5)
    a = GaussianMixture(3, warm_start=True, random_state=0).fit(X)  # first fit: initialised as usual
    b = GaussianMixture(3, random_state=0).fit(X)
    np.testing.assert_array_equal(a.means_, b.means_)
    c = GaussianMixture(3, random_state=0, max_iter=1)
    with pytest.warns(ConvergenceWarning):
        b.set_params(max_iter=1).fit(X)  # warm_start=False: starts again from the initialisation
    with pytest.warns(ConvergenceWarning):
        c.fit(X)
    np.testing.assert_array_equal(b.means_, c.means_)


@pytest.mark.parametrize("verbose", [1, 2])
def test_verbose_prints_sklearns_lines(verbose, capsys):
    X = three_blobs(seed=6)
    kw = _same_start("full", X) | dict(max_iter=12, verbose=verbose, verbose_interval=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        GaussianMixture(**kw).fit(X)
        ours = capsys.readouterr().out.splitlines()
        fit_quiet(SkGaussianMixture(**kw), X)
        theirs = capsys.readouterr().out.splitlines()
    import re

    def shape(line):  # numbers (times, changes, bounds) differ; the text must not
        return re.sub(r"-?\d+\.\d+", "#", line)

    assert [shape(v) for v in ours] == [shape(v) for v in theirs]
    assert ours[0] == "Initialization 0" and ours[1].startswith("  Iteration 5")
    # (with verbose=2 the printed lower bound is each library's lower_bound_, which differ by design:
    # scikit-learn's is taken before its last M-step, emlib's after it; see the class Notes)


@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_init_params_random_from_data(cov_type):
    X = three_blobs(seed=7)
    gm = GaussianMixture(3, covariance_type=cov_type, init_params="random_from_data", max_iter=0, random_state=0).fit(X)
    ref = SkGaussianMixture(3, covariance_type=cov_type, init_params="random_from_data", max_iter=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(X)
    for est in (gm, ref):  # scikit-learn's start: K distinct samples, covariances reg_covar * I
        rows = [np.flatnonzero(np.all(np.abs(X - m) <= 1e-12 * (1 + np.abs(m)), axis=1)) for m in est.means_]
        assert all(r.size == 1 for r in rows) and len({int(r[0]) for r in rows}) == 3
    # equal weights: emlib's sum to one; scikit-learn's initial ones are 1/n_samples each (sum K/n)
    np.testing.assert_allclose(gm.weights_, 1 / 3, rtol=1e-12)
    np.testing.assert_allclose(ref.weights_, 1 / len(X), rtol=1e-12)
    if cov_type == "tied":
        # scikit-learn's tied estimate sums x x^T over every sample whatever its responsibility
        # (right only when each row of resp sums to one, which random_from_data's rows do not)
        np.testing.assert_allclose(gm.covariances_, 1e-6 * np.eye(X.shape[1]), rtol=1e-6, atol=1e-20)
    else:
        np.testing.assert_allclose(gm.covariances_, ref.covariances_, rtol=1e-6, atol=1e-20)
    a = GaussianMixture(3, covariance_type=cov_type, init_params="random_from_data", random_state=2).fit(X)
    b = GaussianMixture(3, covariance_type=cov_type, init_params="random_from_data", random_state=2).fit(X)
    np.testing.assert_array_equal(a.means_, b.means_)
    assert np.all(np.isfinite(a.covariances_))


def test_warm_start_on_other_data_equals_a_fresh_fit_from_the_same_parameters():
    """A warm fit on other data (shifted, rescaled, at extreme scale) equals a fresh fit from the same parameters."""
    X = three_blobs(seed=8)
    kw = dict(n_components=3, tol=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm = GaussianMixture(max_iter=30, warm_start=True, **kw).fit(X)
        start = (gm.weights_.copy(), gm.means_.copy(), gm.precisions_.copy())
        for other in (X * 1.5 + 4.0, X * 40.0 + 1e5, X * 1e140):
            gm.set_params(max_iter=5).fit(other)
            fresh = GaussianMixture(weights_init=start[0], means_init=start[1], precisions_init=start[2],
                                    max_iter=5, **kw).fit(other)
            np.testing.assert_allclose(gm.means_, fresh.means_, rtol=1e-12)
            np.testing.assert_allclose(gm.covariances_, fresh.covariances_, rtol=1e-10)
            assert np.all(np.isfinite(gm.covariances_))
            start = (fresh.weights_, fresh.means_, fresh.precisions_)
