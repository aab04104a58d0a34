"""Tests for emlib.boosting: multi-class exponential-loss boosting with exact line search."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar

from emlib.boosting import MulticlassExpBoost, code_values, multiclass_exp_loss, optimal_step
from emlib.exceptions import NotFittedError
from emlib.stumps import WeightedDecisionStump


def coded(pred: np.ndarray, K: int, coding: str) -> np.ndarray:
    """The K-vector coding of predicted classes, written out from its definition."""
    off = 0.0 if coding == "onehot" else -1.0 / (K - 1)
    return np.array([[1.0 if k == h else off for k in range(K)] for h in pred])


def naive_loss(G: np.ndarray, y: np.ndarray, s: np.ndarray | None = None) -> float:
    """The loss written as the double sum of the problem statement (plain loops)."""
    n, K = G.shape
    s = np.ones(n) if s is None else s
    total = 0.0
    for i in range(n):
        others = sum(G[i, k] for k in range(K) if k != y[i])
        total += s[i] * np.exp(others / (K - 1) - G[i, y[i]])
    return total


def blobs(n: int, K: int, p: int, seed: int, spread: float = 1.5):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(K, p))
    y = rng.integers(0, K, size=n)
    return centres[y] + spread * rng.normal(size=(n, p)), y


# ------------------------------------------------------------------- code values and step
@pytest.mark.parametrize("coding", ["onehot", "samme"])
@pytest.mark.parametrize("K", [2, 3, 4, 7])
def test_code_values_from_definition(K, coding):
    # Exponent change (1/(K-1)) sum_{k != y} f^k - f^y for a correct and a wrong prediction.
    y = 0
    for h, name in ((0, "C"), (1, "W")):
        f = coded(np.array([h]), K, coding)[0]
        value = sum(f[k] for k in range(K) if k != y) / (K - 1) - f[y]
        assert value == pytest.approx(code_values(K, coding)[name == "W"], abs=1e-14)


@pytest.mark.parametrize("coding", ["onehot", "samme"])
@pytest.mark.parametrize("K", [2, 3, 5, 10])
@pytest.mark.parametrize("err", [0.02, 0.3, 0.6, 0.85])
def test_optimal_step_matches_numeric_line_search_on_exact_loss(K, coding, err):
    # Exact loss L(g + alpha f) on random data with a weak learner of prescribed weighted error.
    rng = np.random.default_rng(K * 100 + int(err * 100))
    n = 40
    y = rng.integers(0, K, size=n)
    G = rng.normal(size=(n, K))
    wrong = np.zeros(n, bool)
    wrong[: n // 2] = True
    # Choose D-weights so that the wrong half carries exactly `err` of the mass.
    base = np.exp([(G[i].sum() - G[i, y[i]]) / (K - 1) - G[i, y[i]] for i in range(n)])
    s = rng.uniform(0.5, 1.5, size=n)
    s = np.where(wrong, s * err / (s * base)[wrong].sum(), s * (1 - err) / (s * base)[~wrong].sum())
    D = s * base / (s * base).sum()
    assert D[wrong].sum() == pytest.approx(err)
    pred = np.where(wrong, (y + rng.integers(1, K, size=n)) % K, y)
    F = coded(pred, K, coding)
    res = minimize_scalar(lambda a: naive_loss(G + a * F, y, s), bracket=(-1.0, 1.0), tol=1e-12)
    if err < (K - 1) / K:
        assert optimal_step(err, K, coding) > 0
    else:
        assert optimal_step(err, K, coding) < 0
    assert optimal_step(err, K, coding) == pytest.approx(res.x, abs=1e-6)


def test_optimal_step_scalar_in_scalar_out():
    step = optimal_step(0.25, 3)
    assert isinstance(step, float)
    assert step == pytest.approx(2 / 3 * (np.log(3.0) + np.log(2.0)))
    assert optimal_step([0.25], 3).shape == (1,)


def test_optimal_step_reduces_to_binary_adaboost_and_samme():
    err = np.array([0.05, 0.2, 0.45])
    np.testing.assert_allclose(optimal_step(err, 2), 0.5 * np.log((1 - err) / err), rtol=1e-13)
    for K in (3, 6):
        samme = np.log((1 - err) / err) + np.log(K - 1)
        np.testing.assert_allclose(optimal_step(err, K, "onehot"), (K - 1) / K * samme, rtol=1e-13)
        np.testing.assert_allclose(optimal_step(err, K, "samme"), ((K - 1) / K) ** 2 * samme, rtol=1e-13)


def test_multiclass_exp_loss_against_loops():
    rng = np.random.default_rng(1)
    G, y, s = rng.normal(size=(9, 4)), rng.integers(0, 4, size=9), rng.random(9)
    assert multiclass_exp_loss(G, y) == pytest.approx(naive_loss(G, y), rel=1e-13)
    assert multiclass_exp_loss(G, y, s) == pytest.approx(naive_loss(G, y, s), rel=1e-13)
    # Adding the same constant to every class score leaves the loss unchanged.
    assert multiclass_exp_loss(G + 3.7, y, s) == pytest.approx(naive_loss(G, y, s), rel=1e-12)


# ------------------------------------------------------------------------------ fitting
@pytest.mark.parametrize("coding", ["onehot", "samme"])
def test_loss_decreases_every_round_and_matches_recomputation(coding):
    X, y = blobs(150, 4, 3, seed=2)
    s = np.random.default_rng(3).uniform(0.5, 2.0, size=150)
    m = MulticlassExpBoost(n_estimators=40, coding=coding).fit(X, y, sample_weight=s)
    assert m.stop_reason_ == "n_estimators"
    assert len(m.estimators_) == len(m.alphas_) == len(m.errors_) == 40
    assert np.all(np.diff(m.train_loss_) < 0)
    assert m.train_loss_[0] == pytest.approx(s.sum())
    # The tracked loss equals the loss recomputed from scratch from the decision function.
    assert m.train_loss_[-1] == pytest.approx(naive_loss(m.decision_function(X), y, s), rel=1e-10)
    assert m.loss(X, y, s) == pytest.approx(m.train_loss_[-1], rel=1e-10)
    # Each round scales L by (1 - eps) exp(alpha C) + eps exp(alpha W).
    C, W = m.code_values_
    ratio = (1 - m.errors_) * np.exp(m.alphas_ * C) + m.errors_ * np.exp(m.alphas_ * W)
    np.testing.assert_allclose(m.train_loss_[1:] / m.train_loss_[:-1], ratio, rtol=1e-10)
    assert np.all(m.errors_ < 3 / 4)
    # Each stored stump carries the weighted error it had in its round.
    np.testing.assert_allclose([e.weighted_error_ for e in m.estimators_], m.errors_)


def test_each_round_is_an_exact_line_search_along_the_best_direction():
    X, y = blobs(60, 3, 2, seed=4)
    K = 3
    m = MulticlassExpBoost(n_estimators=6).fit(X, y)
    G = np.zeros((60, K))
    for alpha, stump in zip(m.alphas_, m.estimators_):
        F = coded(stump.predict(X), K, "onehot")
        res = minimize_scalar(lambda a: naive_loss(G + a * F, y), bracket=(0.0, 1.0), tol=1e-12)
        assert alpha == pytest.approx(res.x, abs=1e-6)
        # The chosen direction has the most negative directional derivative among all stumps
        # (brute force over every feature, cut and pair of side classes).
        w = np.exp([(G[i].sum() - G[i, y[i]]) / (K - 1) - G[i, y[i]] for i in range(60)])
        C, W = m.code_values_
        slopes = []
        for j in range(X.shape[1]):
            for thr in np.unique(X[:, j]):
                for cl, cr in itertools.product(range(K), repeat=2):
                    pred = np.where(X[:, j] <= thr, cl, cr)
                    slopes.append(np.sum(w * np.where(pred == y, C, W)))
        chosen = np.sum(w * np.where(stump.predict(X) == y, C, W))
        assert chosen <= min(slopes) + 1e-9
        G = G + alpha * F


def test_codings_agree_on_loss_predictions_and_probabilities():
    X, y = blobs(120, 5, 4, seed=6)
    a = MulticlassExpBoost(25, coding="onehot").fit(X, y)
    b = MulticlassExpBoost(25, coding="samme").fit(X, y)
    np.testing.assert_allclose(a.train_loss_, b.train_loss_, rtol=1e-10)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-9, atol=1e-12)
    diff = a.decision_function(X) - b.decision_function(X)  # a per-row constant
    np.testing.assert_allclose(diff - diff[:, :1], 0.0, atol=1e-10)


def test_agrees_with_scikit_learn_samme_using_the_same_stump():
    sklearn_ensemble = pytest.importorskip("sklearn.ensemble")
    X, y = blobs(120, 4, 3, seed=8)
    T = 15
    ours = MulticlassExpBoost(T).fit(X, y)
    ref = sklearn_ensemble.AdaBoostClassifier(WeightedDecisionStump(), n_estimators=T).fit(X, y)
    C, W = ours.code_values_
    # SAMME's weight is log((1-err)/err) + log(K-1) = alpha * (W - C), and the same errors.
    np.testing.assert_allclose(ref.estimator_errors_, ours.errors_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ref.estimator_weights_, ours.alphas_ * (W - C), rtol=1e-9)
    np.testing.assert_array_equal(ref.predict(X), ours.predict(X))
    # Zhu et al. (2009) eq. (15): p_k ∝ exp(f_k / (K-1)) with f = sum beta_m h_m (SAMME coding)
    # and beta_m = (K-1)^2 / K * weight_m; scikit-learn's decision_function divides by sum(weights).
    K = 4
    f = ref.decision_function(X) * ref.estimator_weights_.sum() * (K - 1) ** 2 / K
    p = np.exp(f / (K - 1) - (f / (K - 1)).max(axis=1, keepdims=True))
    np.testing.assert_allclose(ours.predict_proba(X), p / p.sum(axis=1, keepdims=True), rtol=1e-9)


def test_predict_proba_inverts_the_population_minimiser():
    # Minimise the expected loss sum_y p_y exp(E_y(g)) over g numerically; then
    # softmax(K g / (K - 1)) must give back p.
    K = 4
    p = np.array([0.1, 0.2, 0.3, 0.4])
    risk = lambda g: sum(p[c] * naive_loss(g[None, :], np.array([c])) for c in range(K))  # noqa: E731
    g = minimize(risk, np.zeros(K), method="BFGS", options={"gtol": 1e-12}).x
    q = np.exp(K * g / (K - 1))
    np.testing.assert_allclose(q / q.sum(), p, atol=1e-6)
    X, y = blobs(50, 3, 2, seed=9)
    m = MulticlassExpBoost(10).fit(X, y)
    P = m.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(m.classes_[P.argmax(axis=1)], m.predict(X))


def test_labels_sample_weights_and_duplicates():
    X, y = blobs(40, 3, 2, seed=10)
    labels = np.array(["cat", "dog", "emu"])[y]
    a = MulticlassExpBoost(8).fit(X, y)
    b = MulticlassExpBoost(8).fit(X, labels)
    np.testing.assert_array_equal(b.classes_, ["cat", "dog", "emu"])
    np.testing.assert_array_equal(b.predict(X), np.array(["cat", "dog", "emu"])[a.predict(X)])
    assert b.score(X, labels) == pytest.approx(np.mean(a.predict(X) == y))
    # Integer weights are the same as repeating rows.
    reps = np.random.default_rng(0).integers(1, 4, size=40)
    c = MulticlassExpBoost(8).fit(X, y, sample_weight=reps.astype(float))
    d = MulticlassExpBoost(8).fit(np.repeat(X, reps, axis=0), np.repeat(y, reps))
    np.testing.assert_allclose(c.alphas_, d.alphas_, rtol=1e-9)
    np.testing.assert_allclose(c.train_loss_, d.train_loss_, rtol=1e-9)
    # Zero weights are the same as dropping rows.
    w = np.ones(40)
    w[:5] = 0.0
    e = MulticlassExpBoost(8).fit(X, y, sample_weight=w)
    f = MulticlassExpBoost(8).fit(X[5:], y[5:])
    np.testing.assert_allclose(e.alphas_, f.alphas_, rtol=1e-9)
    np.testing.assert_allclose(e.train_loss_, f.train_loss_, rtol=1e-9)


def test_staged_score_ends_at_score():
    X, y = blobs(80, 3, 2, seed=11)
    m = MulticlassExpBoost(12).fit(X, y)
    staged = m.staged_score(X, y)
    assert staged.shape == (12,)
    assert staged[-1] == pytest.approx(m.score(X, y))
    assert staged[0] == pytest.approx(np.mean(m.estimators_[0].predict(X) == y))


# ------------------------------------------------------------------------------ stopping
def test_stops_on_a_perfect_weak_learner():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    m = MulticlassExpBoost(10).fit(X, y)
    assert m.stop_reason_ == "perfect"
    assert len(m.estimators_) == 1 and m.errors_[0] == 0.0
    np.testing.assert_array_equal(m.predict(X), y)
    assert m.train_loss_[1] < m.train_loss_[0]


def test_stops_when_no_weak_learner_beats_chance():
    # Only constant stumps exist; after one round both classes carry half the weight.
    X = np.full((5, 1), 2.0)
    y = np.array([0, 1, 0, 1, 1])
    m = MulticlassExpBoost(10).fit(X, y)
    assert m.stop_reason_ in ("no_better_than_chance", "no_progress")
    assert len(m.estimators_) == 1
    assert m.errors_[0] == pytest.approx(0.4)


def test_stops_when_progress_vanishes():
    X = np.array([[1.0], [1.0], [1.0], [2.0], [2.0]])
    y = np.array([0, 1, 1, 0, 1])
    m = MulticlassExpBoost(100).fit(X, y)
    assert m.stop_reason_ in ("no_better_than_chance", "no_progress")
    assert len(m.estimators_) < 100
    assert np.all(np.diff(m.train_loss_) < 0)


def test_first_round_at_chance_raises():
    X = np.zeros((6, 2))
    y = np.array([0, 1, 2, 0, 1, 2])
    with pytest.raises(ValueError, match="weak learner"):
        MulticlassExpBoost(5).fit(X, y)


# ----------------------------------------------------------------------------- bad input
def test_bad_constructor_arguments():
    X, y = blobs(20, 3, 2, seed=12)
    with pytest.raises(ValueError, match="n_estimators"):
        MulticlassExpBoost(n_estimators=0).fit(X, y)
    with pytest.raises(TypeError, match="n_estimators"):
        MulticlassExpBoost(n_estimators=2.5).fit(X, y)
    with pytest.raises(ValueError, match="coding"):
        MulticlassExpBoost(coding="binary").fit(X, y)
    with pytest.raises(ValueError, match="coding"):
        code_values(3, coding=None)
    with pytest.raises(ValueError, match="n_classes"):
        code_values(1)
    with pytest.raises(ValueError, match="invalid parameter"):
        MulticlassExpBoost().set_params(learning_rate=0.5)


def test_bad_fit_input():
    X, y = blobs(20, 3, 2, seed=13)
    with pytest.raises(ValueError, match="X"):
        MulticlassExpBoost().fit(X[:, 0], y)
    with pytest.raises(ValueError, match="X"):
        MulticlassExpBoost().fit(np.where(X > 1, np.nan, X), y)
    with pytest.raises(ValueError, match="y"):
        MulticlassExpBoost().fit(X, y[:-1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        MulticlassExpBoost().fit(X, np.zeros(20, int))
    with pytest.raises(ValueError, match="sample_weight"):
        MulticlassExpBoost().fit(X, y, sample_weight=-np.ones(20))
    with pytest.raises(ValueError, match="sample_weight"):
        MulticlassExpBoost().fit(X, y, sample_weight=np.ones(3))


def test_bad_predict_input():
    X, y = blobs(20, 3, 2, seed=14)
    with pytest.raises(NotFittedError):
        MulticlassExpBoost().predict(X)
    m = MulticlassExpBoost(3).fit(X, y)
    with pytest.raises(ValueError, match="is expecting 2 features as input"):
        m.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="labels not seen"):
        m.loss(X, np.full(20, 7))
    with pytest.raises(ValueError, match="y"):
        m.score(X, y[:3])


def test_bad_step_and_loss_arguments():
    with pytest.raises(ValueError, match="error"):
        optimal_step(0.0, 3)
    with pytest.raises(ValueError, match="error"):
        optimal_step([0.2, 1.0], 3)
    with pytest.raises(ValueError, match="error"):
        optimal_step(np.nan, 3)
    with pytest.raises(ValueError, match="n_classes"):
        optimal_step(0.2, 1)
    with pytest.raises(TypeError, match="n_classes"):
        optimal_step(0.2, 2.5)
    with pytest.raises(ValueError, match="scores"):
        multiclass_exp_loss(np.zeros((3, 1)), [0, 0, 0])
    with pytest.raises(ValueError, match="y"):
        multiclass_exp_loss(np.zeros((3, 2)), [0, 2, 1])
    with pytest.raises(ValueError, match="sample_weight"):
        multiclass_exp_loss(np.zeros((3, 2)), [0, 1, 1], sample_weight=[1.0, -1.0, 1.0])
