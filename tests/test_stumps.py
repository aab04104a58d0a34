"""Tests for emlib.stumps: the weighted multi-class decision stump."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from emlib.exceptions import NotFittedError
from emlib.stumps import WeightedDecisionStump


def brute_force_error(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Smallest weighted error over every (feature, cut, left class, right class), by enumeration."""
    classes = np.unique(y)
    best = min(np.sum(w * (y != c)) for c in classes)  # constant classifiers
    for j in range(X.shape[1]):
        values = np.unique(X[:, j])
        for lo, hi in zip(values[:-1], values[1:]):
            go_left = X[:, j] <= lo  # every cut between lo and hi splits the same way
            for cl, cr in itertools.product(classes, repeat=2):
                pred = np.where(go_left, cl, cr)
                best = min(best, np.sum(w * (pred != y)))
    return best / w.sum()


@pytest.mark.parametrize("seed", range(12))
def test_matches_brute_force_search(seed):
    rng = np.random.default_rng(seed)
    n, p, K = rng.integers(2, 14), rng.integers(1, 4), rng.integers(2, 5)
    # Small integer features create many ties, which the cut enumeration must handle.
    X = rng.integers(0, 4, size=(n, p)).astype(float) if seed % 2 else rng.normal(size=(n, p))
    y = rng.integers(0, K, size=n)
    w = rng.random(n) + 0.01
    stump = WeightedDecisionStump().fit(X, y, sample_weight=w)
    expected = brute_force_error(X, y, w)
    assert stump.weighted_error_ == pytest.approx(expected, abs=1e-12)
    # The reported error is the error of what the stump actually predicts.
    realised = np.sum(w * (stump.predict(X) != y)) / w.sum()
    assert realised == pytest.approx(expected, abs=1e-12)
    assert stump.score(X, y, sample_weight=w) == pytest.approx(1 - expected, abs=1e-12)


def test_uniform_weights_default_and_string_labels():
    X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    y = np.array(["a", "a", "b", "b", "c", "c"])
    stump = WeightedDecisionStump().fit(X, y)
    np.testing.assert_array_equal(stump.classes_, ["a", "b", "c"])
    # One cut can get at most two of the three pairs right.
    assert stump.weighted_error_ == pytest.approx(brute_force_error(X, y, np.ones(6)))
    assert stump.weighted_error_ == pytest.approx(2 / 6)
    assert stump.predict(X).dtype.kind == "U"


def test_weights_change_the_chosen_split():
    X = np.arange(6.0)[:, None]
    y = np.array([0, 1, 0, 1, 1, 1])
    heavy_first = np.array([100.0, 1, 1, 1, 1, 1])
    stump = WeightedDecisionStump().fit(X, y, sample_weight=heavy_first)
    assert stump.predict(X[:1])[0] == 0  # the heavy sample must be right
    assert stump.weighted_error_ == pytest.approx(brute_force_error(X, y, heavy_first))


def test_zero_weight_equals_dropping_samples():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(15, 2)), rng.integers(0, 3, size=15)
    w = rng.random(15)
    w[[2, 7, 11]] = 0.0
    keep = w > 0
    a = WeightedDecisionStump().fit(X, y, sample_weight=w)
    b = WeightedDecisionStump().fit(X[keep], y[keep], sample_weight=w[keep])
    assert a.weighted_error_ == pytest.approx(b.weighted_error_, abs=1e-12)


def test_constant_feature_gives_constant_stump():
    X = np.ones((5, 2))
    y = np.array([0, 1, 1, 2, 1])
    stump = WeightedDecisionStump().fit(X, y)
    assert stump.threshold_ == -np.inf
    np.testing.assert_array_equal(stump.predict(X), np.ones(5))
    assert stump.weighted_error_ == pytest.approx(2 / 5)


def test_single_sample_gives_constant_stump():
    stump = WeightedDecisionStump().fit([[3.0, 1.0]], ["z"])
    assert stump.threshold_ == -np.inf and stump.weighted_error_ == 0.0
    np.testing.assert_array_equal(stump.predict([[0.0, 0.0], [9.0, 9.0]]), ["z", "z"])


def test_threshold_between_adjacent_floats():
    lo = 1.0
    hi = np.nextafter(lo, 2.0)
    X = np.array([[lo], [hi]])
    y = np.array([0, 1])
    stump = WeightedDecisionStump().fit(X, y)
    assert stump.weighted_error_ == 0.0
    np.testing.assert_array_equal(stump.predict(X), y)


def test_many_features_processed_in_blocks(monkeypatch):
    import emlib.stumps as stumps

    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(20, 9)), rng.integers(0, 3, size=20)
    w = rng.random(20)
    full = WeightedDecisionStump().fit(X, y, sample_weight=w)
    monkeypatch.setattr(stumps, "_MAX_BLOCK_ENTRIES", 20 * 3 * 2)  # two features per block (20 values each)
    blocked = WeightedDecisionStump().fit(X, y, sample_weight=w)
    assert blocked.weighted_error_ == pytest.approx(brute_force_error(X, y, w), abs=1e-12)
    assert (blocked.feature_, blocked.threshold_) == (full.feature_, full.threshold_)


# ----------------------------------------------------------------------------- bad input
def test_bad_X():
    with pytest.raises(ValueError, match="X"):
        WeightedDecisionStump().fit(np.ones(4), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="X"):
        WeightedDecisionStump().fit([[0.0], [np.nan]], [0, 1])
    with pytest.raises(TypeError, match="X"):
        WeightedDecisionStump().fit([["a"], ["b"]], [0, 1])


def test_bad_y():
    X = np.zeros((3, 1))
    with pytest.raises(ValueError, match="y"):
        WeightedDecisionStump().fit(X, [0, 1])
    with pytest.raises(ValueError, match="y"):
        WeightedDecisionStump().fit(X, [[0], [1], [0]])
    with pytest.raises(ValueError, match="y"):
        WeightedDecisionStump().fit(X, [0.0, np.nan, 1.0])
    with pytest.raises(TypeError, match="y"):
        WeightedDecisionStump().fit(X, np.array([1j, 2j, 3j]))


def test_bad_sample_weight():
    X, y = np.zeros((3, 1)), [0, 1, 0]
    with pytest.raises(ValueError, match="sample_weight"):
        WeightedDecisionStump().fit(X, y, sample_weight=[1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match="sample_weight"):
        WeightedDecisionStump().fit(X, y, sample_weight=[1.0, 1.0])
    with pytest.raises(ValueError, match="sample_weight"):
        WeightedDecisionStump().fit(X, y, sample_weight=[0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="sample_weight"):
        WeightedDecisionStump().fit(X, y, sample_weight=[1.0, np.inf, 1.0])


def test_predict_before_fit_and_wrong_width():
    with pytest.raises(NotFittedError):
        WeightedDecisionStump().predict(np.zeros((2, 1)))
    stump = WeightedDecisionStump().fit(np.arange(4.0).reshape(2, 2), [0, 1])
    with pytest.raises(ValueError, match="is expecting 2 features as input"):
        stump.predict(np.zeros((3, 3)))


def test_set_params_rejects_unknown():
    with pytest.raises(ValueError, match="invalid parameter 'depth'"):
        WeightedDecisionStump().set_params(depth=2)
    assert WeightedDecisionStump().get_params() == {}
