"""Tests for emlib.mixture.BernoulliMixture (against a brute-force EM written here)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from scipy.stats import beta as beta_dist

from emlib.exceptions import ConvergenceWarning, NotFittedError
from emlib.mixture import BernoulliMixture


def binary_data(seed: int = 0, n: int = 200, d: int = 6, K: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    mu = rng.uniform(0.05, 0.95, size=(K, d))
    z = rng.choice(K, size=n, p=np.full(K, 1 / K))
    return (rng.uniform(size=(n, d)) < mu[z]).astype(float), mu


def brute_log_density(X, w, mu):
    """log p(x) by multiplying probabilities directly (fine for small d)."""
    dens = np.zeros(len(X))
    for k in range(len(w)):
        dens += w[k] * np.prod(np.where(X == 1, mu[k], 1 - mu[k]), axis=1)
    return np.log(dens)


def brute_em(X, w, mu, alpha, n_iter):
    """Textbook MAP-EM with explicit loops; returns the final parameters and the objective trace."""
    n, d = X.shape
    K = len(w)

    def objective(w, mu):
        return (brute_log_density(X, w, mu).sum() + beta_dist(1 + alpha, 1 + alpha).logpdf(mu).sum()) / n

    trace = [objective(w, mu)]
    for _ in range(n_iter):
        lik = np.array([[w[k] * np.prod([mu[k, j] if X[i, j] else 1 - mu[k, j] for j in range(d)])
                         for k in range(K)] for i in range(n)])
        r = lik / lik.sum(axis=1, keepdims=True)
        nk = r.sum(axis=0)
        w = nk / n
        mu = np.array([[(sum(r[i, k] * X[i, j] for i in range(n)) + alpha) / (nk[k] + 2 * alpha)
                        for j in range(d)] for k in range(K)])
        trace.append(objective(w, mu))
    return w, mu, np.array(trace)


@pytest.mark.parametrize("alpha", [1e-3, 1.0, 5.0])
def test_matches_brute_force_em(alpha):
    X, _ = binary_data(seed=1, n=40, d=5, K=3)
    rng = np.random.default_rng(2)
    w0 = np.array([0.3, 0.3, 0.4])
    mu0 = rng.uniform(0.2, 0.8, size=(3, 5))
    bm = BernoulliMixture(3, alpha=alpha, weights_init=w0, means_init=mu0, tol=0.0, max_iter=6)
    with pytest.warns(ConvergenceWarning):
        bm.fit(X)
    w, mu, trace = brute_em(X, w0, mu0, alpha, 6)
    np.testing.assert_allclose(bm.weights_, w, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bm.means_, mu, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bm.objective_history_, trace, rtol=1e-10)
    # the plain log-likelihood trace, also brute force
    ll = [brute_log_density(X, w0, mu0).mean(), brute_log_density(X, w, mu).mean()]
    np.testing.assert_allclose(bm.log_likelihood_history_[[0, -1]], ll, rtol=1e-10)
    np.testing.assert_allclose(bm.lower_bound_, trace[-1], rtol=1e-10)


def test_objective_is_monotone_on_random_problems():
    master = np.random.default_rng(99)
    for trial in range(20):
        K = int(master.integers(1, 6))
        d = int(master.integers(1, 12))
        n = int(master.integers(K, 120))
        X = (master.uniform(size=(n, d)) < master.uniform(size=d)).astype(float)
        alpha = float(master.choice([1e-6, 0.5, 2.0]))
        init = ["random", "kmeans"][trial % 2]
        bm = BernoulliMixture(K, alpha=alpha, init_params=init, tol=0.0, max_iter=30,
                              random_state=int(master.integers(1000)))
        with pytest.warns(ConvergenceWarning):
            bm.fit(X)
        h = bm.objective_history_
        assert h.shape == (31,) and np.all(np.isfinite(h))
        assert np.all(np.diff(h) >= -1e-12 * max(1.0, abs(h[-1]))), (trial, np.diff(h).min())
        assert np.all((bm.means_ > 0) & (bm.means_ < 1))


def test_score_predict_proba_against_enumeration():
    X, _ = binary_data(seed=3, n=150, d=4)
    bm = BernoulliMixture(3, random_state=0, max_iter=200).fit(X)
    allx = np.array(list(itertools.product([0.0, 1.0], repeat=4)))
    # the density sums to one over {0,1}^4
    np.testing.assert_allclose(np.exp(bm.score_samples(allx)).sum(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(bm.score_samples(allx), brute_log_density(allx, bm.weights_, bm.means_), rtol=1e-12)
    comp = np.column_stack([bm.weights_[k] * np.prod(np.where(allx == 1, bm.means_[k], 1 - bm.means_[k]), axis=1)
                            for k in range(3)])
    np.testing.assert_allclose(bm.predict_proba(allx), comp / comp.sum(1, keepdims=True), atol=1e-12)
    np.testing.assert_array_equal(bm.predict(allx), np.argmax(comp, axis=1))
    np.testing.assert_allclose(bm.score(X), brute_log_density(X, bm.weights_, bm.means_).mean(), rtol=1e-12)
    n, p = X.shape[0], 3 * 4 + 2
    np.testing.assert_allclose(bm.bic(X), -2 * bm.score(X) * n + p * np.log(n), rtol=1e-12)
    np.testing.assert_allclose(bm.aic(X), -2 * bm.score(X) * n + 2 * p, rtol=1e-12)


def test_recovers_means_from_large_sample():
    rng = np.random.default_rng(5)
    mu = np.array([[0.9, 0.9, 0.1, 0.1, 0.8, 0.2], [0.1, 0.2, 0.9, 0.8, 0.3, 0.7]])
    z = rng.choice(2, size=20000, p=[0.6, 0.4])
    X = (rng.uniform(size=(20000, 6)) < mu[z]).astype(float)
    bm = BernoulliMixture(2, random_state=0, tol=1e-10, max_iter=500).fit(X)
    order = np.argsort(-bm.means_[:, 0])
    np.testing.assert_allclose(bm.means_[order], mu, atol=0.02)
    np.testing.assert_allclose(bm.weights_[order], [0.6, 0.4], atol=0.02)


def test_sample_reproducible_binary_and_matching_means():
    X, _ = binary_data(seed=4)
    bm = BernoulliMixture(3, random_state=7, max_iter=300).fit(X)
    S, lab = bm.sample(30000)
    S2, lab2 = bm.sample(30000)
    np.testing.assert_array_equal(S, S2)
    np.testing.assert_array_equal(lab, lab2)
    assert S.shape == (30000, 6) and set(np.unique(S)) <= {0.0, 1.0}
    np.testing.assert_allclose(S.mean(0), bm.weights_ @ bm.means_, atol=0.02)
    for k in range(3):
        np.testing.assert_allclose(S[lab == k].mean(0), bm.means_[k], atol=0.05)


def test_degenerate_data_no_nan():
    X = np.zeros((20, 4))
    X[:, 1] = 1.0  # constant columns: all-zero and all-one
    bm = BernoulliMixture(3, random_state=0, alpha=0.5).fit(X)
    assert np.all(np.isfinite(bm.means_)) and np.all((bm.means_ > 0) & (bm.means_ < 1))
    assert np.all(np.isfinite(bm.predict_proba(X)))
    # an empty component (means_init nowhere near the data) stays finite, mean -> 1/2 by the prior
    X, _ = binary_data(seed=6, n=60, d=8, K=1)
    X[:, :] = 0.0
    mu0 = np.vstack([np.full(8, 0.05), np.full(8, 0.999)])
    bm = BernoulliMixture(2, alpha=1.0, means_init=mu0, weights_init=[0.999, 0.001], tol=0.0, max_iter=5)
    with pytest.warns(ConvergenceWarning):
        bm.fit(X)
    assert np.all(np.isfinite(bm.objective_history_)) and np.all(np.isfinite(bm.means_))
    np.testing.assert_allclose(bm.means_[1], 0.5, atol=1e-6)


def test_bool_input_accepted():
    X, _ = binary_data(seed=8, n=50)
    a = BernoulliMixture(2, random_state=1).fit(X)
    b = BernoulliMixture(2, random_state=1).fit(X.astype(bool))
    np.testing.assert_array_equal(a.means_, b.means_)


X_OK = binary_data(n=30, d=4)[0]

BAD = [
    ({"n_components": 0}, ValueError, "n_components"),
    ({"n_components": 31}, ValueError, "n_components"),
    ({"n_components": "3"}, TypeError, "n_components"),
    ({"alpha": 0.0}, ValueError, "alpha"),
    ({"alpha": -1.0}, ValueError, "alpha"),
    ({"alpha": None}, TypeError, "alpha"),
    ({"tol": -1.0}, ValueError, "tol"),
    ({"max_iter": -1}, ValueError, "max_iter"),
    ({"n_init": 0}, ValueError, "n_init"),
    ({"init_params": "kmeans++"}, ValueError, "init_params"),
    ({"random_state": 1.5}, TypeError, "random_state"),
    ({"weights_init": [0.5, 0.5]}, ValueError, "weights_init"),
    ({"weights_init": [0.5, 0.5, 0.5]}, ValueError, "weights_init"),
    ({"means_init": np.full((3, 3), 0.5)}, ValueError, "means_init"),
    ({"means_init": np.full((3, 4), 1.0)}, ValueError, "means_init"),
    ({"means_init": np.full((3, 4), 0.0)}, ValueError, "means_init"),
    ({"means_init": np.full((3, 4), np.nan)}, ValueError, "means_init"),
]


@pytest.mark.parametrize("params, err, match", BAD)
def test_bad_parameters(params, err, match):
    with pytest.raises(err, match=match):
        BernoulliMixture(**{"n_components": 3, **params}).fit(X_OK)


@pytest.mark.parametrize(
    "X, err, match",
    [
        (np.array([[0.0, 0.5], [1.0, 0.0]]), ValueError, "binary"),
        (np.array([[0.0, 2.0], [1.0, 0.0]]), ValueError, "binary"),
        (np.array([[0.0, np.nan], [1.0, 0.0]]), ValueError, "X"),
        (np.array([0.0, 1.0, 1.0]), ValueError, "X"),
        (np.zeros((2, 2, 2)), ValueError, "X"),
        ("0101", TypeError, "X"),
    ],
)
def test_bad_X(X, err, match):
    with pytest.raises(err, match=match):
        BernoulliMixture(1).fit(X)


def test_methods_check_fitted_and_input():
    bm = BernoulliMixture(2)
    with pytest.raises(NotFittedError):
        bm.predict(X_OK)
    with pytest.raises(NotFittedError):
        bm.sample(2)
    bm.fit(X_OK)
    with pytest.raises(ValueError, match="features"):
        bm.predict_proba(X_OK[:, :3])
    with pytest.raises(ValueError, match="binary"):
        bm.score_samples(X_OK + 0.5)
    with pytest.raises(ValueError, match="n_samples"):
        bm.sample(-1)


def test_from_parameters():
    w, mu = np.array([0.4, 0.6]), np.array([[0.2, 0.7, 0.5], [0.9, 0.1, 0.3]])
    bm = BernoulliMixture.from_parameters(w, mu)
    allx = np.array(list(itertools.product([0.0, 1.0], repeat=3)))
    np.testing.assert_allclose(bm.score_samples(allx), brute_log_density(allx, w, mu), rtol=1e-12)
    with pytest.raises(ValueError, match="means"):
        BernoulliMixture.from_parameters(w, np.array([[0.0, 0.5, 0.5], [0.5, 0.5, 0.5]]))
    with pytest.raises(ValueError, match="weights"):
        BernoulliMixture.from_parameters([0.5, 0.6], mu)


# ----------------------------------------------------------------------------- scikit-learn API (issue 16)
@pytest.mark.parametrize("make_rs", [lambda: None, lambda: 3, lambda: np.random.RandomState(3),
                                     lambda: np.random.default_rng(3)],
                         ids=["None", "int", "RandomState", "Generator"])
def test_random_state_accepts_what_sklearn_accepts(make_rs):
    X, _ = binary_data()
    bm = BernoulliMixture(3, random_state=make_rs()).fit(X)
    assert np.all((bm.means_ > 0) & (bm.means_ < 1))
    Xs, _ = bm.sample(4)
    assert Xs.shape == (4, 6)
    a = BernoulliMixture(3, init_params="random", random_state=np.random.RandomState(1)).fit(X)
    b = BernoulliMixture(3, init_params="random", random_state=np.random.RandomState(1)).fit(X)
    np.testing.assert_array_equal(a.means_, b.means_)


def test_max_iter_zero_and_lower_bounds():
    X, _ = binary_data(seed=4)
    mu0 = np.full((3, 6), 0.3) + np.arange(3)[:, None] * 0.2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bm = BernoulliMixture(3, max_iter=0, weights_init=[0.2, 0.3, 0.5], means_init=mu0).fit(X)
    np.testing.assert_array_equal(bm.means_, mu0)
    assert bm.n_iter_ == 0 and not bm.converged_ and bm.lower_bounds_.shape == (0,)
    np.testing.assert_allclose(bm.lower_bound_, bm.objective_history_[0], rtol=1e-15)
    with pytest.warns(ConvergenceWarning):
        bm = BernoulliMixture(3, max_iter=3, tol=0.0, means_init=mu0, weights_init=[0.2, 0.3, 0.5]).fit(X)
    np.testing.assert_array_equal(bm.lower_bounds_, bm.objective_history_[:-1])
    assert bm.lower_bounds_.shape == (bm.n_iter_,) == (3,)


def test_get_params_set_params_clone():
    from sklearn.base import clone

    bm = BernoulliMixture(3, alpha=0.5, random_state=2)
    assert bm.get_params() == dict(n_components=3, alpha=0.5, tol=1e-3, max_iter=100, n_init=1, init_params="kmeans",
                                   weights_init=None, means_init=None, random_state=2, warm_start=False,
                                   verbose=0, verbose_interval=10)
    c = clone(bm.set_params(alpha=2.0))
    assert c.alpha == 2.0 and c is not bm
    with pytest.raises(ValueError, match="beta"):
        bm.set_params(beta=1.0)
    assert repr(bm) == "BernoulliMixture(n_components=3, alpha=2.0, random_state=2)"


def test_float32_and_bool_input_fit_in_float64():
    X, _ = binary_data()
    ref = BernoulliMixture(3, random_state=0).fit(X)
    for Xc in (X.astype(np.float32), X.astype(bool), X.astype(np.int8)):
        bm = BernoulliMixture(3, random_state=0).fit(Xc)
        assert bm.means_.dtype == np.float64 and bm.predict_proba(Xc).dtype == np.float64
        np.testing.assert_array_equal(bm.means_, ref.means_)


# ----------------------------------------------------------------------------- issue 25: sklearn's parameters
def test_warm_start_continues_em():
    X, _ = binary_data(seed=3)
    kw = dict(n_components=3, tol=0.0, random_state=0)
    warm = BernoulliMixture(max_iter=4, warm_start=True, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm.fit(X)
        warm.fit(X)
        once = BernoulliMixture(max_iter=8, **kw).fit(X)
    np.testing.assert_allclose(warm.means_, once.means_, rtol=1e-12)
    np.testing.assert_allclose(warm.weights_, once.weights_, rtol=1e-12)
    assert warm.n_iter_ == 4


def test_init_params_random_from_data():
    X, _ = binary_data(seed=4)
    alpha = 0.5
    bm = BernoulliMixture(3, alpha=alpha, init_params="random_from_data", max_iter=0, random_state=1).fit(X)
    # each component starts from one sample x, its MAP mean (x + alpha) / (1 + 2 alpha)
    starts = bm.means_ * (1 + 2 * alpha) - alpha
    np.testing.assert_allclose(starts, np.round(starts), atol=1e-9)
    rows = [np.flatnonzero(np.all(X == np.round(s), axis=1)) for s in starts]
    assert all(r.size >= 1 for r in rows)
    np.testing.assert_allclose(bm.weights_, 1 / 3, rtol=1e-12)


def test_verbose_prints_progress(capsys):
    X, _ = binary_data(seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        BernoulliMixture(2, verbose=1, verbose_interval=1, tol=0.0, max_iter=3, random_state=0).fit(X)
    assert capsys.readouterr().out.splitlines() == [
        "Initialization 0", "  Iteration 1", "  Iteration 2", "  Iteration 3", "Initialization did not converge."
    ]


def test_default_init_runs_kmeans_on_a_subsample_of_large_data():
    from emlib.kmeans import KMeans

    rng = np.random.default_rng(9)
    mu = rng.uniform(0.1, 0.9, size=(3, 8))
    z = rng.integers(3, size=25_000)
    X = (rng.uniform(size=(25_000, 8)) < mu[z]).astype(float)
    bm = BernoulliMixture(3, alpha=0.5, max_iter=0, random_state=4).fit(X)
    # the same draws by hand: a sorted subsample of 10,000 rows, k-means on it, one MAP M-step
    r = np.random.default_rng(4)
    sub = X[np.sort(r.choice(len(X), 10_000, replace=False))]
    labels = KMeans(3, n_init=1, random_state=r).fit(sub).labels_
    counts = np.bincount(labels, minlength=3)
    ones = np.array([sub[labels == k].sum(axis=0) for k in range(3)])
    np.testing.assert_allclose(bm.means_, (ones + 0.5) / (counts[:, None] + 1.0), rtol=1e-13)
    np.testing.assert_allclose(bm.weights_, counts / 10_000, rtol=1e-12)
    # up to 10,000 samples k-means runs on all of them (the default fits of the notebooks)
    small = X[:10_000]
    a = BernoulliMixture(3, max_iter=0, random_state=4).fit(small)
    labels = KMeans(3, n_init=1, random_state=np.random.default_rng(4)).fit(small).labels_
    np.testing.assert_allclose(a.weights_, np.bincount(labels, minlength=3) / 10_000, rtol=1e-12)
