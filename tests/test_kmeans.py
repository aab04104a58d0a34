"""Tests for emlib.kmeans (compared with scikit-learn's KMeans and brute force)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.cluster import KMeans as SkKMeans

from emlib.exceptions import ConvergenceWarning, NotFittedError
from emlib.kmeans import KMeans, kmeans_plusplus


def blobs(seed=0, n=300):
    rng = np.random.default_rng(seed)
    centers = np.array([[0, 0], [5, 1], [1, 6], [6, 6]], dtype=float)
    return np.vstack([rng.normal(size=(n // 4, 2)) * 0.8 + c for c in centers])


@pytest.mark.parametrize("tol", [0.0, 1e-4])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_sklearn_from_same_initial_centres(tol, seed):
    X = blobs(seed)
    rng = np.random.default_rng(seed + 10)
    init = X[rng.choice(len(X), 4, replace=False)]
    ours = KMeans(4, init=init, tol=tol, max_iter=300).fit(X)
    ref = SkKMeans(4, init=init, n_init=1, tol=tol, max_iter=300, algorithm="lloyd").fit(X)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-12)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_array_equal(ours.predict(X[:50]), ref.predict(X[:50]))
    np.testing.assert_allclose(ours.score(X), ref.score(X), rtol=1e-12)
    np.testing.assert_allclose(ours.transform(X[:10]), ref.transform(X[:10]), rtol=1e-12)


def test_matches_sklearn_with_max_iter_cut():
    X = blobs(3)
    init = X[:4]
    ours = KMeans(4, init=init, tol=0.0, max_iter=2).fit(X)
    ref = SkKMeans(4, init=init, n_init=1, tol=0.0, max_iter=2, algorithm="lloyd").fit(X)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-12)
    assert ours.n_iter_ == 2 and not ours.converged_


def test_lloyd_fixed_point_and_brute_force_inertia():
    X = blobs(4)
    km = KMeans(4, random_state=0).fit(X)
    d2 = ((X[:, None, :] - km.cluster_centers_[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(km.labels_, np.argmin(d2, axis=1))
    np.testing.assert_allclose(km.inertia_, d2.min(1).sum(), rtol=1e-12)
    for k in range(4):  # converged with tol=1e-4: centres are (almost) the means of their clusters
        np.testing.assert_allclose(km.cluster_centers_[k], X[km.labels_ == k].mean(0), atol=1e-2)


def test_kmeans_plusplus_properties():
    X = blobs(5)
    centers, idx = kmeans_plusplus(X, 4, random_state=3)
    np.testing.assert_array_equal(centers, X[idx])
    assert len(set(idx.tolist())) == 4
    c2, idx2 = kmeans_plusplus(X, 4, random_state=3)
    np.testing.assert_array_equal(idx, idx2)
    # well-separated blobs: the seeds land in four different blobs on most seeds
    hits = 0
    for s in range(20):
        _, ii = kmeans_plusplus(X, 4, random_state=s)
        hits += len(set((ii // 75).tolist())) == 4
    assert hits >= 15
    # one centre: a data point
    c1, i1 = kmeans_plusplus(X, 1, random_state=0)
    np.testing.assert_array_equal(c1[0], X[i1[0]])


def test_n_init_keeps_lowest_inertia():
    X = blobs(6)
    shared = np.random.default_rng(8)
    singles = [KMeans(4, init="random", random_state=shared).fit(X).inertia_ for _ in range(5)]
    multi = KMeans(4, init="random", n_init=5, random_state=np.random.default_rng(8)).fit(X)
    np.testing.assert_allclose(multi.inertia_, min(singles), rtol=1e-12)


def test_duplicate_points_and_empty_clusters_no_nan():
    X = np.repeat([[1.0, 1.0], [3.0, 3.0]], 10, axis=0)
    # two distinct points, four clusters: a finite fit and scikit-learn's ConvergenceWarning
    with pytest.warns(ConvergenceWarning, match=r"distinct clusters \(2\) found smaller than n_clusters \(4\)"):
        km = KMeans(4, random_state=0).fit(X)
    assert np.all(np.isfinite(km.cluster_centers_))
    np.testing.assert_allclose(km.inertia_, 0.0, atol=1e-12)
    with pytest.warns(ConvergenceWarning, match="duplicate points"):
        km = KMeans(3, init=np.array([[1.0, 1.0], [3.0, 3.0], [100.0, 100.0]])).fit(X)
    assert np.all(np.isfinite(km.cluster_centers_))
    np.testing.assert_allclose(km.inertia_, 0.0, atol=1e-12)


X_OK = blobs(n=40)


@pytest.mark.parametrize(
    "params, err, match",
    [
        ({"n_clusters": 0}, ValueError, "n_clusters"),
        ({"n_clusters": 41}, ValueError, "n_clusters"),
        ({"n_clusters": 2.0}, TypeError, "n_clusters"),
        ({"init": "kmeans"}, ValueError, "init"),
        ({"init": np.zeros((3, 2))}, ValueError, "init"),
        ({"init": np.full((2, 2), np.nan)}, ValueError, "init"),
        ({"n_init": 0}, ValueError, "n_init"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"tol": -1.0}, ValueError, "tol"),
        ({"tol": "x"}, TypeError, "tol"),
        ({"random_state": "x"}, TypeError, "random_state"),
    ],
)
def test_bad_parameters(params, err, match):
    with pytest.raises(err, match=match):
        KMeans(**{"n_clusters": 2, **params}).fit(X_OK)


@pytest.mark.parametrize("X", [np.array([[np.nan, 1.0]]), np.arange(4.0), np.zeros((0, 2))])
def test_bad_X(X):
    with pytest.raises(ValueError, match="X"):
        KMeans(1).fit(X)


def test_kmeans_plusplus_bad_input():
    with pytest.raises(ValueError, match="n_clusters"):
        kmeans_plusplus(X_OK, 0)
    with pytest.raises(ValueError, match="n_clusters"):
        kmeans_plusplus(X_OK, 41)
    with pytest.raises(ValueError, match="X"):
        kmeans_plusplus(np.array([[np.inf, 0.0]]), 1)
    with pytest.raises(ValueError, match="n_local_trials"):
        kmeans_plusplus(X_OK, 2, n_local_trials=0)
    with pytest.raises(TypeError, match="random_state"):
        kmeans_plusplus(X_OK, 2, random_state=0.5)


def test_predict_requires_fit_and_matching_features():
    km = KMeans(2)
    with pytest.raises(NotFittedError):
        km.predict(X_OK)
    km.fit(X_OK)
    with pytest.raises(ValueError, match="features"):
        km.predict(X_OK[:, :1])


# ----------------------------------------------------------------------------- scikit-learn API (issue 16)
@pytest.mark.parametrize("make_rs", [lambda: None, lambda: 5, lambda: np.random.RandomState(5),
                                     lambda: np.random.default_rng(5)],
                         ids=["None", "int", "RandomState", "Generator"])
def test_random_state_accepts_what_sklearn_accepts(make_rs):
    km = KMeans(4, random_state=make_rs()).fit(blobs())
    assert km.cluster_centers_.shape == (4, 2)
    centers, _ = kmeans_plusplus(blobs(), 4, random_state=make_rs())
    assert centers.shape == (4, 2)


def test_random_state_instance_is_advanced_int_is_not():
    X = blobs(7)
    a = KMeans(4, init="random", max_iter=1, random_state=11).fit(X).cluster_centers_
    np.testing.assert_array_equal(a, KMeans(4, init="random", max_iter=1, random_state=11).fit(X).cluster_centers_)
    rs = np.random.RandomState(11)
    km = KMeans(4, init="random", max_iter=1, random_state=rs)
    first = km.fit(X).cluster_centers_.copy()
    assert not np.array_equal(first, km.fit(X).cluster_centers_)
    np.testing.assert_array_equal(
        first, KMeans(4, init="random", max_iter=1, random_state=np.random.RandomState(11)).fit(X).cluster_centers_)


def test_transform_fit_transform_and_score():
    X = blobs(8)
    km = KMeans(4, random_state=0)
    D = km.fit_transform(X)
    assert D.shape == (len(X), 4)
    np.testing.assert_allclose(D, np.sqrt(((X[:, None] - km.cluster_centers_[None]) ** 2).sum(-1)), rtol=1e-12)
    np.testing.assert_array_equal(D, km.transform(X))
    np.testing.assert_array_equal(np.argmin(D, axis=1), km.labels_)
    np.testing.assert_allclose(km.score(X), -km.inertia_, rtol=1e-12)  # scikit-learn's score: minus the inertia
    np.testing.assert_allclose(km.score(X[:10]), -np.sum(D[:10].min(1) ** 2), rtol=1e-12)


def test_array_init_with_n_init_warns_and_runs_once():
    X = blobs(9)
    init = X[:4].copy()
    with pytest.warns(RuntimeWarning, match="n_init=3"):
        km = KMeans(4, init=init, n_init=3).fit(X)
    ref = KMeans(4, init=init, n_init=1).fit(X)
    np.testing.assert_array_equal(km.cluster_centers_, ref.cluster_centers_)
    with pytest.warns(RuntimeWarning):  # scikit-learn warns too (its wording differs)
        SkKMeans(4, init=init, n_init=3).fit(X)


def test_fewer_distinct_points_than_clusters_warns_like_sklearn():
    X = np.repeat([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]], 4, axis=0)
    with pytest.warns(ConvergenceWarning, match=r"Number of distinct clusters \(3\) found smaller than n_clusters \(5\)"):
        km = KMeans(5, random_state=0).fit(X)
    assert np.unique(km.labels_).size == 3 and km.inertia_ == 0.0
    with pytest.warns(Warning, match=r"Number of distinct clusters \(3\) found smaller than n_clusters \(5\)"):
        SkKMeans(5, n_init=1, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as many distinct points as clusters: no warning
        KMeans(3, random_state=0).fit(X)


def test_get_params_set_params_clone_and_pipeline():
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    km = KMeans(3, init="random", n_init=2, random_state=4)
    assert km.get_params() == dict(n_clusters=3, init="random", n_init=2, max_iter=300, tol=1e-4, verbose=0, random_state=4, algorithm="lloyd")
    c = clone(km)
    assert c.get_params() == km.get_params() and c is not km
    assert km.set_params(n_clusters=4) is km and km.n_clusters == 4
    with pytest.raises(ValueError, match="n_components"):
        km.set_params(n_components=2)
    assert repr(km) == "KMeans(n_clusters=4, init='random', n_init=2, random_state=4)"
    pipe = make_pipeline(StandardScaler(), KMeans(4, random_state=0))
    Z = pipe.fit_transform(blobs())
    assert Z.shape == (300, 4)


def test_float32_input_is_clustered_in_float64():
    X = blobs(10).astype(np.float32)
    km32 = KMeans(4, random_state=0).fit(X)
    km64 = KMeans(4, random_state=0).fit(X.astype(np.float64))
    assert km32.cluster_centers_.dtype == np.float64 and km32.transform(X).dtype == np.float64
    np.testing.assert_array_equal(km32.cluster_centers_, km64.cluster_centers_)
    np.testing.assert_array_equal(km32.labels_, km64.labels_)


def test_feature_count_error_wording():
    km = KMeans(2, random_state=0).fit(X_OK)
    for method in (km.predict, km.transform, km.score):
        with pytest.raises(ValueError, match="X has 1 features, but KMeans is expecting 2 features as input"):
            method(X_OK[:, :1])


# ----------------------------------------------------------------------------- issue 25: sklearn's parameters
@pytest.mark.parametrize("tol", [0.0, 1e-4])
@pytest.mark.parametrize("seed", [0, 1])
def test_sample_weight_matches_sklearn_from_same_initial_centres(tol, seed):
    X = blobs(seed)
    rng = np.random.default_rng(seed + 20)
    w = rng.uniform(0.1, 3.0, size=len(X))
    w[rng.choice(len(X), 20, replace=False)] = 0.0
    init = X[rng.choice(len(X), 4, replace=False)]
    ours = KMeans(4, init=init, tol=tol).fit(X, sample_weight=w)
    ref = SkKMeans(4, init=init, n_init=1, tol=tol, algorithm="lloyd").fit(X, sample_weight=w)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-12)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.score(X, sample_weight=w), ref.score(X, sample_weight=w), rtol=1e-12)
    # the weighted centres are the weighted means of their clusters (independent of both libraries)
    for k in range(4):
        m = ours.labels_ == k
        np.testing.assert_allclose(ours.cluster_centers_[k], w[m] @ X[m] / w[m].sum(), rtol=1e-12, atol=1e-12)


def test_sample_weight_equals_repetition_from_the_same_centres():
    """Integer weights are repeated rows and weight 0 is a removed row, from one explicit start.

    (The probe behind the expected failure of scikit-learn's check_sample_weight_equivalence: there
    the seeding draws differ between the weighted and the repeated data, here the start is shared.)
    """
    rng = np.random.RandomState(42)
    X = rng.rand(15, 30)
    sw = rng.randint(0, 5, size=15)
    init = X[np.flatnonzero(sw)[:3]]
    rep = KMeans(3, init=init).fit(X.repeat(sw, axis=0))
    wtd = KMeans(3, init=init).fit(X, sample_weight=sw)
    np.testing.assert_allclose(wtd.cluster_centers_, rep.cluster_centers_, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(wtd.predict(X), rep.predict(X))
    np.testing.assert_allclose(wtd.inertia_, rep.inertia_, rtol=1e-12)
    # with random seedings they differ, as the check reports (and as scikit-learn's KMeans does)
    a = KMeans(3, random_state=0).fit(X.repeat(sw, axis=0))
    b = KMeans(3, random_state=0).fit(X, sample_weight=sw)
    assert not np.allclose(np.sort(a.cluster_centers_, axis=0), np.sort(b.cluster_centers_, axis=0))


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_weighted_seeding_never_picks_a_zero_weight_sample(init):
    X = blobs(5)
    w = np.zeros(len(X))
    keep = np.arange(0, len(X), 7)
    w[keep] = 1.0
    for seed in range(5):
        km = KMeans(4, init=init, max_iter=1, random_state=seed).fit(X, sample_weight=w)
        # one iteration from seeds in `keep`: every centre is a weighted mean of kept points only
        assert all(np.any(km.labels_[keep] == k) for k in range(4))
    _, idx = kmeans_plusplus(X, 4, random_state=0, sample_weight=w)
    assert set(idx) <= set(keep)


def test_sample_weight_validation():
    X = blobs(0)
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        KMeans(2).fit(X, sample_weight=-np.ones(len(X)))
    with pytest.raises(ValueError, match="sample_weight must have a positive sum"):
        KMeans(2).fit(X, sample_weight=np.zeros(len(X)))
    with pytest.raises(ValueError, match="sample_weight must have shape"):
        KMeans(2).fit(X, sample_weight=np.ones(3))
    a = KMeans(2, random_state=0).fit(X, sample_weight=2.5)  # a scalar weighs all samples alike
    b = KMeans(2, random_state=0).fit(X, sample_weight=np.full(len(X), 2.5))
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    np.testing.assert_array_equal(KMeans(2, init=X[:2]).fit_predict(X, sample_weight=np.ones(len(X))),
                                  KMeans(2, init=X[:2]).fit_predict(X))


def test_n_init_auto_and_algorithm():
    X = blobs(1)
    for init, runs in (("random", 10), ("k-means++", 1)):
        a = KMeans(4, init=init, n_init="auto", random_state=3).fit(X)
        b = KMeans(4, init=init, n_init=runs, random_state=3).fit(X)
        np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "auto" with an array init is one run, without a warning
        KMeans(4, init=X[:4], n_init="auto").fit(X)
    assert KMeans(4, algorithm="lloyd", init=X[:4]).fit(X).n_iter_ == KMeans(4, init=X[:4]).fit(X).n_iter_
    with pytest.raises(ValueError, match="algorithm must be 'lloyd'"):
        KMeans(4, algorithm="elkan").fit(X)
    with pytest.raises(TypeError, match="n_init must be a positive int or 'auto'"):
        KMeans(4, n_init="many").fit(X)


@pytest.mark.parametrize("tol", [0.0, 1e-2])
def test_verbose_prints_sklearns_lines(tol, capsys):
    X = blobs(2)
    init = X[[0, 80, 160, 240]]
    KMeans(4, init=init, tol=tol, verbose=1).fit(X)
    ours = capsys.readouterr().out.splitlines()
    SkKMeans(4, init=init, n_init=1, tol=tol, verbose=1, algorithm="lloyd").fit(X)
    theirs = capsys.readouterr().out.splitlines()
    assert len(ours) == len(theirs) and ours[0] == theirs[0] == "Initialization complete"

    def parts(line):
        import re

        return re.sub(r"-?\d+\.\d*(e-?\d+)?", "#", line), [float(v) for v in re.findall(r"-?\d+\.\d*(?:e-?\d+)?", line)]

    for a, b in zip(ours[1:], theirs[1:]):
        (ta, va), (tb, vb) = parts(a), parts(b)
        assert ta == tb
        np.testing.assert_allclose(va, vb, rtol=1e-9, atol=1e-12)
    KMeans(4, init=init).fit(X)
    assert capsys.readouterr().out == ""
