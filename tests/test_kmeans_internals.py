"""The fast K-means internals (blockwise GEMM distances, branch-free argmin, incremental centre sums)
and the subsampled default initialisation of GaussianMixture.

Labels must be identical to scikit-learn's Lloyd from the same initial centres; the tests use small
data (the speed itself is measured by ``benchmarks/bench_kmeans.py``, never asserted).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.cluster import KMeans as SkKMeans

import emlib.kmeans as km
import emlib.mixture._gaussian as gaussian
from emlib.kmeans import KMeans, kmeans_plusplus
from emlib.mixture import GaussianMixture


def cloud(n, d, seed=0):
    """One Gaussian cloud: Lloyd keeps moving points for many iterations (no clear clusters)."""
    return np.random.default_rng(seed).normal(size=(n, d))


def fit_both(X, init, **kw):
    ours = KMeans(init.shape[0], init=init, **kw).fit(X)
    ref = SkKMeans(init.shape[0], init=init, n_init=1, algorithm="lloyd", **kw).fit(X)
    return ours, ref


@pytest.mark.parametrize(
    "n, d, K",
    [(600, 2, 8), (400, 16, 16), (300, 20, 5), (400, 4, 30), (500, 3, 60)],
    ids=["d2-transposed", "d16-transposed", "d20-row-major", "K30-float64-code", "K60-argmin"],
)
@pytest.mark.parametrize("tol", [0.0, 1e-4])
def test_labels_identical_to_sklearn_from_the_same_centres(n, d, K, tol):
    X = cloud(n, d, seed=n + d + K)
    init = X[np.random.default_rng(K).choice(n, K, replace=False)]
    ours, ref = fit_both(X, init, tol=tol, max_iter=20)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-12)


def test_empty_cluster_is_relocated_as_in_sklearn():
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(size=(60, 2)), rng.normal(size=(60, 2)) + 6.0])
    init = np.array([[0.0, 0.0], [6.0, 6.0], [100.0, 100.0]])  # the third centre gets no point
    ours, ref = fit_both(X, init, tol=0.0, max_iter=30)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-12, atol=1e-13)
    assert np.all(np.bincount(ours.labels_, minlength=3) > 0)


@pytest.mark.parametrize("scale, shift", [(2.0**400, 0.0), (1e-150, 0.0), (1.0, 1e9)], ids=["huge", "tiny", "shifted"])
def test_scaled_and_shifted_data_give_the_same_labels(scale, shift):
    # The prepared copy is centred and rescaled by a power of two: exact, so the labels cannot change.
    X = cloud(400, 3, seed=5)
    init = X[:6]
    base = KMeans(6, init=init, tol=0.0, max_iter=15).fit(X)
    moved = KMeans(6, init=init * scale + shift, tol=0.0, max_iter=15).fit(X * scale + shift)
    np.testing.assert_array_equal(moved.labels_, base.labels_)
    np.testing.assert_allclose(moved.cluster_centers_, base.cluster_centers_ * scale + shift, rtol=1e-9,
                               atol=1e-9 * scale)
    assert np.isfinite(moved.inertia_)


@pytest.mark.parametrize("transpose", [True, False])
def test_branch_free_argmin_takes_the_first_of_tied_centres(transpose):
    X = cloud(3000, 2, seed=1)
    data = km._prepare(X, transpose)
    centers = data.XA[:2, [0, 5, 0, 9, 5]].T.copy()  # centres 2 and 4 duplicate 0 and 1: exact ties
    labels = np.empty(X.shape[0], dtype=np.intp)
    km._assign(data.XA, centers, labels)
    # the same expansion |c|^2 - 2 c.x, reduced by np.argmin (first minimum)
    W = np.column_stack([-2.0 * centers, np.einsum("kd,kd->k", centers, centers)])
    np.testing.assert_array_equal(labels, np.argmin(W @ data.XA, axis=0))
    assert not np.isin(labels, [2, 4]).any()
    assert set(np.unique(labels)) == {0, 1, 3}


def test_incremental_sums_equal_fresh_sums():
    X = cloud(5000, 3, seed=2)
    data = km._prepare(X)
    rng = np.random.default_rng(0)
    c_old = data.XA[:3, rng.choice(5000, 7, replace=False)].T.copy()
    c_new = c_old + 0.3 * rng.normal(size=c_old.shape)
    old, new, fresh_labels = (np.empty(5000, dtype=np.intp) for _ in range(3))
    stats = np.zeros((7, 4))
    km._assign(data.XA, c_old, old, stats)
    moved = km._assign(data.XA, c_new, new, stats, old)
    fresh = np.zeros((7, 4))
    km._assign(data.XA, c_new, fresh_labels, fresh)
    np.testing.assert_array_equal(new, fresh_labels)
    assert moved == np.count_nonzero(new != old) > 0
    np.testing.assert_array_equal(stats[:, -1], np.bincount(new, minlength=7))  # counts stay exact
    np.testing.assert_allclose(stats, fresh, rtol=0, atol=1e-12)


def _float64_labels(XA, centers):
    """The float64 expansion |c|^2 - 2 c.x reduced by np.argmin (first minimum): the reference."""
    W = np.column_stack([-2.0 * centers, np.einsum("kd,kd->k", centers, centers)])
    return np.argmin(W @ XA, axis=0)


@pytest.mark.parametrize("transpose", [True, False])
@pytest.mark.parametrize("K", [5, 30])  # float32 and float64 codes
def test_float32_screen_gives_the_float64_labels(transpose, K):
    X = cloud(6000, 6, seed=11)
    data = km._prepare(X, transpose)
    screen = km._make_screen(data.XA)
    assert screen is not None
    rng = np.random.default_rng(3)
    centers = data.XA[:6, rng.choice(6000, K, replace=False)].T.copy()
    # near-ties float32 cannot resolve: centres 1e-9 and 1e-6 apart, duplicated centres (exact ties)
    centers[1] = centers[0] + 1e-9
    centers[3] = centers[2]
    centers[4] = centers[0] + 1e-6 * rng.normal(size=6)  # distinct in float32, yet within its rounding
    labels = np.empty(6000, dtype=np.intp)
    km._assign(data.XA, centers, labels, screen=screen)
    np.testing.assert_array_equal(labels, _float64_labels(data.XA, centers))
    assert not np.isin(labels, [3]).any()  # ties to the lowest index
    # with statistics: the indicator of the recomputed samples is fixed too
    stats, ref = np.zeros((K, 7)), np.zeros((K, 7))
    km._assign(data.XA, centers, labels, stats, screen=screen)
    km._assign(data.XA, centers, np.empty_like(labels), ref)
    np.testing.assert_array_equal(stats, ref)


def test_float32_screen_bound_covers_the_float32_error():
    # the bound T of _Screen is at least twice the observed float32 error (it is a worst case)
    X = cloud(20000, 16, seed=12) * 3.0 + 0.5
    data = km._prepare(X)
    screen = km._make_screen(data.XA)
    centers = data.XA[:16, :16].T.copy() * 1.7
    W = np.column_stack([-2.0 * centers, np.einsum("kd,kd->k", centers, centers)])
    err = np.abs(W.astype(np.float32) @ screen.XA32 - W @ data.XA).max(axis=0)
    T = screen.margin + screen.coef * 2.0 * W[:, -1].max()
    assert np.all(2.0 * err < T)
    assert np.median(T / err) < 1e4  # and not so loose that most samples are recomputed


def test_float32_screen_is_off_for_extreme_scales():
    X = cloud(500, 3, seed=13)
    assert km._make_screen(km._prepare(X * 1e12).XA) is None
    assert km._make_screen(km._prepare(X * 1e-12).XA) is None
    assert km._make_screen(km._prepare(X).XA) is not None
    base = KMeans(4, init=X[:4], tol=0.0, max_iter=10).fit(X)
    big = KMeans(4, init=X[:4] * 1e12, tol=0.0, max_iter=10).fit(X * 1e12)
    np.testing.assert_array_equal(big.labels_, base.labels_)


@pytest.mark.parametrize("kind", ["cloud", "binary", "grid"])
def test_lloyd_results_do_not_depend_on_the_screen(monkeypatch, kind):
    # binary and grid data are full of exact ties, which float64 rounding breaks: the screen must
    # leave them to the same product as without it (which breaks them as scikit-learn does)
    rng = np.random.default_rng(1)
    if kind == "cloud":
        X = cloud(5000, 16, seed=14)
    elif kind == "binary":
        X = (rng.random((3000, 30)) < rng.random(30)).astype(float)
    else:
        X = rng.integers(0, 3, size=(1500, 16)).astype(float)
    init = X[rng.choice(X.shape[0], 7, replace=False)]
    fast = KMeans(7, init=init, tol=0.0, max_iter=20).fit(X)
    ref = SkKMeans(7, init=init, n_init=1, tol=0.0, max_iter=20, algorithm="lloyd").fit(X)
    monkeypatch.setattr(km, "_make_screen", lambda XA: None)
    plain = KMeans(7, init=init, tol=0.0, max_iter=20).fit(X)
    np.testing.assert_array_equal(fast.labels_, plain.labels_)
    np.testing.assert_array_equal(fast.cluster_centers_, plain.cluster_centers_)
    if kind != "grid":
        np.testing.assert_array_equal(fast.labels_, ref.labels_)


def test_centres_are_the_means_of_their_clusters_after_many_moves():
    X = cloud(4000, 4, seed=9)
    fit = KMeans(12, init=X[:12], tol=0.0, max_iter=300).fit(X)
    assert fit.converged_  # stopped because no label changed
    for k in range(12):
        np.testing.assert_allclose(fit.cluster_centers_[k], X[fit.labels_ == k].mean(0), rtol=0, atol=1e-13)


def test_kmeans_plusplus_chooses_distinct_data_points():
    X = cloud(2000, 5, seed=4)
    centers, idx = kmeans_plusplus(X, 10, random_state=0)
    assert len(set(idx.tolist())) == 10
    np.testing.assert_array_equal(centers, X[idx])
    # all points identical: every potential is 0, the seeding still returns data points
    same = np.ones((50, 2))
    centers, idx = kmeans_plusplus(same, 3, random_state=0)
    np.testing.assert_array_equal(centers, same[idx])


# ----------------------------------------------------------------------------- GaussianMixture default init
def _blobs(n, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    return centres[rng.integers(3, size=n)] + rng.normal(size=(n, 2))


def _kmeans_sizes(monkeypatch):
    sizes = []
    original = KMeans.fit

    def recording_fit(self, X, y=None):
        sizes.append(np.shape(X)[0])
        return original(self, X, y)

    monkeypatch.setattr(KMeans, "fit", recording_fit)
    return sizes


def test_default_init_runs_kmeans_on_a_subsample_of_large_data(monkeypatch):
    sizes = _kmeans_sizes(monkeypatch)
    monkeypatch.setattr(gaussian, "_KMEANS_INIT_MAX_SAMPLES", 1000)
    X = _blobs(5000)
    a = GaussianMixture(3, random_state=1).fit(X)
    b = GaussianMixture(3, random_state=1).fit(X)
    assert sizes == [1000, 1000]
    np.testing.assert_array_equal(a.means_, b.means_)  # reproducible from random_state
    # Other initialisations and small data are not subsampled.
    GaussianMixture(3, random_state=1).fit(X[:1000])
    assert sizes[-1] == 1000
    # The subsampled start reaches the optimum of the full-data start.
    monkeypatch.setattr(gaussian, "_KMEANS_INIT_MAX_SAMPLES", 10**9)
    full = GaussianMixture(3, random_state=1).fit(X)
    assert sizes[-1] == 5000
    assert abs(a.score(X) - full.score(X)) < 1e-3


def test_default_init_on_less_than_the_subsample_size_uses_all_samples(monkeypatch):
    sizes = _kmeans_sizes(monkeypatch)
    X = _blobs(gaussian._KMEANS_INIT_MAX_SAMPLES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        GaussianMixture(3, random_state=0, max_iter=2).fit(X)
    assert sizes == [X.shape[0]]


@pytest.mark.parametrize("init", [[[0.0, 0.0], [4.0, 1.0]], [[1e200, 0.0], [0.0, 1.0]]])
def test_centres_far_outside_tiny_data_neither_overflow_nor_warn(init):
    # Tiny data are rescaled up (exactly, by a power of two); a user's centres far outside them would pass
    # float32's range (the screen) or float64's (the rescaling): same labels as scikit-learn, no warning.
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(12, 2)), rng.normal(size=(4, 2)) + 4.0]) * 1e-150
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = KMeans(2, init=np.array(init), n_init=1).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SkKMeans(2, init=np.array(init), n_init=1).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert np.isfinite(ours.cluster_centers_).all() and np.isfinite(ours.inertia_)
