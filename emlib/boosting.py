"""Multi-class boosting by stagewise minimisation of the exponential loss

    L(g) = sum_i s_i exp( (1/(K-1)) sum_{k != y_i} g^k(x_i) - g^{y_i}(x_i) ),

with ``g = sum_t alpha_t f_t`` built one weak learner at a time (``s_i`` are sample weights).

A weak learner that predicts class ``h(x)`` is turned into a K-vector ``f(x)`` by a *coding*:

* ``"onehot"``: ``f^k = 1`` if ``k = h`` else ``0``;
* ``"samme"``:  ``f^k = 1`` if ``k = h`` else ``-1/(K-1)`` (Zhu, Zou, Rosset and Hastie, 2009).

For either coding the per-sample exponent moves by ``alpha * C`` when ``h(x_i) = y_i`` and by
``alpha * W`` otherwise (:func:`code_values`), so with the weighted error ``eps`` of ``f``

    L(g + alpha f) = L(g) [ (1 - eps) exp(alpha C) + eps exp(alpha W) ],

the direction that decreases L fastest is the weak learner with the smallest weighted error, and the
exact line search has the closed form (:func:`optimal_step`)

    alpha = [ log((1 - eps) / eps) + log(K - 1) ] / (W - C).

The bracket is SAMME's step size; ``W - C`` is ``K/(K-1)`` (one-hot) or ``K^2/(K-1)^2`` (SAMME
coding). Both codings give the same sample re-weighting, the same loss after every round and the
same predictions (the loss is unchanged when the same constant is added to every ``g^k``).
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from ._base_estimator import EstimatorMixin
from ._validation import check_array, check_int
from .stumps import (
    WeightedDecisionStump,
    _check_classification_target,
    _leaf_proba,
    _rescaled,
    _StumpSearch,
    _validate_labels,
    _validate_sample_weight,
)

__all__ = ["MulticlassExpBoost", "code_values", "optimal_step", "multiclass_exp_loss", "CODINGS"]

CODINGS = ("onehot", "samme")

# A round must lower log L by more than this (a relative loss decrease of ~1e-12, far above
# rounding of the log-sum-exp); otherwise the weak learner is within rounding of chance level.
_MIN_LOG_DECREASE = 1e-12
# log of the largest float: a loss whose log exceeds it is not representable.
_LOG_MAX = float(np.log(np.finfo(np.float64).max))


def _check_coding(coding: Any) -> str:
    if not isinstance(coding, str) or coding not in CODINGS:
        raise ValueError(f"coding must be one of {CODINGS}, got {coding!r}")
    return coding


def _check_n_classes(n_classes: Any) -> int:
    return check_int(n_classes, "n_classes", minimum=2)


def code_values(n_classes: int, coding: str = "onehot") -> tuple[float, float]:
    """Per-sample exponent change per unit step for a correct (C) and a wrong (W) weak prediction.

    The exponent of sample i is ``(1/(K-1)) sum_{k != y_i} g^k - g^{y_i}``; adding ``alpha f``
    changes it by ``alpha * ((1/(K-1)) sum_{k != y_i} f^k - f^{y_i})``, which takes only two values.

    Parameters
    ----------
    n_classes : int
        Number of classes K >= 2.
    coding : {"onehot", "samme"}
        How the weak learner's predicted class is coded as a K-vector.

    Returns
    -------
    (C, W) : tuple of float
        ``onehot``: ``(-1, 1/(K-1))``; ``samme``: ``(-K/(K-1), K/(K-1)^2)``.
    """
    K = _check_n_classes(n_classes)
    if _check_coding(coding) == "onehot":
        return -1.0, 1.0 / (K - 1)
    return -K / (K - 1), K / (K - 1) ** 2


def optimal_step(error: Any, n_classes: int, coding: str = "onehot") -> float | np.ndarray:
    """Closed-form minimiser over alpha of ``(1 - error) exp(alpha C) + error exp(alpha W)``.

    Parameters
    ----------
    error : float or array_like
        Weighted error rate(s) of the weak learner, strictly between 0 and 1.
    n_classes : int
        Number of classes K >= 2.
    coding : {"onehot", "samme"}
        Weak-learner coding (see :func:`code_values`).

    Returns
    -------
    float or ndarray
        ``(log((1 - error) / error) + log(K - 1)) / (W - C)``; positive exactly when
        ``error < (K - 1) / K``.
    """
    K = _check_n_classes(n_classes)
    C, W = code_values(K, coding)
    scalar = np.ndim(error) == 0
    # check_array may hand a scalar back as 0-D or 1-D, so remember whether a scalar came in.
    err = check_array(error, "error", ndim=(0, 1), min_rows=0)
    if np.any((err <= 0) | (err >= 1)):
        raise ValueError("error must lie strictly between 0 and 1 (the step is infinite at 0 and 1)")
    alpha = (np.log1p(-err) - np.log(err) + np.log(K - 1)) / (W - C)
    return float(np.ravel(alpha)[0]) if scalar else np.asarray(alpha)


def _exponents(scores: np.ndarray, y_enc: np.ndarray) -> np.ndarray:
    """Per-sample exponent (1/(K-1)) sum_{k != y} g^k - g^y."""
    K = scores.shape[1]
    own = scores[np.arange(scores.shape[0]), y_enc]
    return (scores.sum(axis=1) - own) / (K - 1) - own


def _logsumexp(a: np.ndarray) -> float:
    m = float(np.max(a))
    return m + float(np.log(np.sum(np.exp(a - m))))


def multiclass_exp_loss(scores: Any, y: Any, sample_weight: Any = None) -> float:
    """The loss ``sum_i s_i exp((1/(K-1)) sum_{k != y_i} g^k(x_i) - g^{y_i}(x_i))``.

    Parameters
    ----------
    scores : array_like of shape (n_samples, K)
        ``g^k(x_i)``, e.g. from :meth:`MulticlassExpBoost.decision_function`. K >= 2.
    y : array_like of shape (n_samples,)
        Integer class indices in ``0 .. K-1`` (column indices of ``scores``).
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights ``s_i``; all ones if omitted.

    Returns
    -------
    float
        The loss (computed with a log-sum-exp shift).

    Raises
    ------
    ValueError
        On invalid input, or if the loss exceeds the float range (scores of order 700 and more).
    """
    G = check_array(scores, "scores", ndim=2)
    if G.shape[1] < 2:
        raise ValueError(f"scores must have at least 2 columns (classes), got {G.shape[1]}")
    y = _validate_labels(y, G.shape[0])
    if y.dtype.kind not in "iu" or np.any(y < 0) or np.any(y >= G.shape[1]):
        raise ValueError(f"y must hold integer class indices in 0..{G.shape[1] - 1}")
    s = _validate_sample_weight(sample_weight, G.shape[0])
    pos = s > 0
    with np.errstate(over="ignore", invalid="ignore"):
        log_loss = _logsumexp(np.log(s[pos]) + _exponents(G[pos], y[pos].astype(np.intp)))
    if not log_loss < _LOG_MAX:
        raise ValueError("the loss overflows the float range for these scores and sample_weight; rescale them")
    return float(np.exp(log_loss))


class MulticlassExpBoost(EstimatorMixin):
    """Multi-class boosting of decision stumps with exact line search on the exponential loss.

    Each round fits the :class:`~emlib.stumps.WeightedDecisionStump` with the smallest weighted
    error under ``D_t(i) ∝ s_i exp(exponent_i)`` and adds it with the closed-form step
    :func:`optimal_step`. The fit is deterministic (no ``random_state``).

    Parameters
    ----------
    n_estimators : int, default 50
        Maximum number of boosting rounds.
    coding : {"onehot", "samme"}, default "onehot"
        Coding of the weak learner's class as a K-vector; it rescales ``decision_function`` but
        leaves the loss, the weights and the predictions unchanged.

    Attributes
    ----------
    classes_ : ndarray of shape (K,)
        Sorted class labels (integers, reals, strings or objects as given: pandas string and
        categorical columns are accepted).
    n_classes_ : int
        K.
    n_features_in_ : int
        Number of features seen in ``fit``.
    estimators_ : list of WeightedDecisionStump
        The weak learners; their ``classes_`` are the indices ``0 .. K-1`` and their ``leaf_proba_``
        the class fractions under the round's weights ``D_t``.
    alphas_ : ndarray of shape (n_rounds,)
        Step sizes alpha_t.
    errors_ : ndarray of shape (n_rounds,)
        Weighted training errors eps_t of the weak learners.
    train_loss_ : ndarray of shape (n_rounds + 1,)
        The training loss L before the first round (``sum_i s_i``) and after each round.
    code_values_ : tuple of float
        ``(C, W)`` of :func:`code_values`.
    stop_reason_ : str
        ``"n_estimators"`` (all rounds ran), ``"perfect"`` (a weak learner made no weighted error;
        the exact step would be infinite, so it is kept with unit step and boosting stops) or
        ``"no_better_than_chance"`` (the best weak learner had eps >= (K-1)/K, so no step
        decreases the loss; it is not added) or ``"no_progress"`` (eps is so close to (K-1)/K that
        the exact step lowers the loss by less than a relative 1e-12; it is not added).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``fit``'s data frame (only if all are strings), as in scikit-learn.

    Notes
    -----
    For two classes :meth:`decision_function` is one column, ``g^1 - g^0`` (positive for
    ``classes_[1]``), as scikit-learn's binary classifiers give it, so ``scoring="roc_auc"`` and
    ``CalibratedClassifierCV`` work; with K >= 3 classes it is the (n_samples, K) array of the
    scores ``g^k``.
    """

    _estimator_type = "classifier"

    def __init__(self, n_estimators: int = 50, coding: str = "onehot") -> None:
        self.n_estimators = n_estimators
        self.coding = coding

    def __repr__(self) -> str:
        return f"MulticlassExpBoost(n_estimators={self.n_estimators!r}, coding={self.coding!r})"

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MulticlassExpBoost:
        """Run up to ``n_estimators`` boosting rounds.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Finite real features.
        y : array_like of shape (n_samples,)
            Class labels; at least two distinct classes.
        sample_weight : array_like of shape (n_samples,), optional
            Non-negative weights ``s_i`` with a positive sum; all ones if omitted.

        Returns
        -------
        MulticlassExpBoost
            ``self``.

        Raises
        ------
        ValueError
            On invalid input, or when already the first weak learner is no better than chance
            (weighted error >= (K-1)/K), so no ensemble can be built.
        """
        n_rounds = check_int(self.n_estimators, "n_estimators", minimum=1)
        coding = _check_coding(self.coding)
        self._check_feature_names(X, reset=True)
        X = check_array(X, "X", ndim=2)
        y = _validate_labels(y, X.shape[0])
        _check_classification_target(y)
        s = _validate_sample_weight(sample_weight, X.shape[0])
        classes, y_enc = np.unique(y, return_inverse=True)
        K = len(classes)
        if K < 2:
            raise ValueError(f"y must contain at least 2 classes, got {K}")
        C, W = code_values(K, coding)
        chance = (K - 1) / K

        # Zero-weight samples contribute nothing to the loss or to any weighted error.
        pos = s > 0
        Xp, yp, log_s = X[pos], y_enc[pos], np.log(s[pos])
        exponent = np.zeros(Xp.shape[0])
        log_loss = _logsumexp(log_s)
        if not log_loss < _LOG_MAX:
            raise ValueError("sample_weight sums beyond the float range, so the loss overflows; rescale it")
        estimators, alphas, errors, losses = [], [], [], [float(np.exp(log_loss))]
        stop = "n_estimators"
        search = _StumpSearch(Xp, yp, K)  # weight-independent part of the stump search, done once
        for _ in range(n_rounds):
            log_w = log_s + exponent
            D = np.exp(log_w - log_loss)  # D_t(i) = s_i exp(exponent_i) / Z_t
            feat, thr, left, right, _ = search.best(D)
            pred = np.where(Xp[:, feat] <= thr, left, right)
            wrong = pred != yp
            leaves = _leaf_proba(Xp[:, feat] <= thr, yp, D, K, (left, right))
            if not wrong.any():
                # L(alpha) = Z exp(alpha C) -> 0 as alpha -> inf: no finite minimiser.
                estimators.append(self._make_stump(feat, thr, left, right, K, X.shape[1], 0.0, leaves))
                alphas.append(1.0)
                errors.append(0.0)
                exponent = exponent + C
                log_loss = _logsumexp(log_s + exponent)
                losses.append(float(np.exp(log_loss)))
                stop = "perfect"
                break
            # eps in the log domain so tiny errors keep full relative precision.
            log_eps = _logsumexp(log_w[wrong]) - log_loss
            eps = float(np.exp(log_eps))
            if eps >= chance * (1.0 - 1e-12):
                if not estimators:
                    raise ValueError(
                        f"the best weak learner has weighted error {eps:.6f} >= (K-1)/K = "
                        f"{chance:.6f} on the first round; no step decreases the loss "
                        "(are the features informative?)"
                    )
                stop = "no_better_than_chance"
                break
            alpha = (np.log1p(-eps) - log_eps + np.log(K - 1)) / (W - C)
            new_exponent = exponent + alpha * np.where(wrong, W, C)
            new_log_loss = _logsumexp(log_s + new_exponent)
            if not new_log_loss < log_loss - _MIN_LOG_DECREASE:
                # eps is within rounding of (K-1)/K: the exact step gains nothing measurable.
                if not estimators:
                    raise ValueError(
                        f"the best weak learner (weighted error {eps:.6f}) does not decrease the "
                        "loss on the first round (are the features informative?)"
                    )
                stop = "no_progress"
                break
            exponent, log_loss = new_exponent, new_log_loss
            estimators.append(self._make_stump(feat, thr, left, right, K, X.shape[1], eps, leaves))
            alphas.append(float(alpha))
            errors.append(eps)
            losses.append(float(np.exp(log_loss)))

        self.classes_ = classes
        self.n_classes_ = K
        self._check_n_features(X, reset=True)
        self.code_values_ = (C, W)
        self._fitted_coding = coding  # set_params after fit must not change the fitted model
        self.estimators_ = estimators
        self.alphas_ = np.asarray(alphas)
        self.errors_ = np.asarray(errors)
        self.train_loss_ = np.asarray(losses)
        self.stop_reason_ = stop
        return self

    @staticmethod
    def _make_stump(
        feat: int, thr: float, left: int, right: int, K: int, p: int, error: float, leaves: np.ndarray
    ) -> WeightedDecisionStump:
        stump = WeightedDecisionStump()
        stump.weighted_error_ = error
        stump.classes_ = np.arange(K)
        stump.n_features_in_ = p
        stump.feature_, stump.threshold_ = feat, thr
        stump.left_class_, stump.right_class_ = left, right
        stump.leaf_proba_ = leaves
        return stump

    # -------------------------------------------------------------- predict
    def _check_X(self, X: Any) -> np.ndarray:
        self._check_fitted("estimators_")
        self._check_feature_names(X, reset=False)
        X = check_array(X, "X", ndim=2)
        self._check_n_features(X, reset=False)
        return X

    def _coded(self, idx: np.ndarray) -> np.ndarray:
        """The K-vector f(x) of predicted class indices ``idx`` under ``coding``."""
        K = self.n_classes_
        off = 0.0 if self._fitted_coding == "onehot" else -1.0 / (K - 1)
        F = np.full((idx.shape[0], K), off)
        F[np.arange(idx.shape[0]), idx] = 1.0
        return F

    def _staged_scores(self, X: np.ndarray) -> Iterator[np.ndarray]:
        """``g_{t+1}(X)`` of shape (n_samples, K) after each round t, for a validated X."""
        G = np.zeros((X.shape[0], self.n_classes_))
        for alpha, stump in zip(self.alphas_, self.estimators_):
            G = G + alpha * self._coded(stump._index(X))
            yield G

    def _scores(self, X: Any) -> np.ndarray:
        """The (n_samples, K) scores ``g^k(x)`` (also for two classes)."""
        X = self._check_X(X)
        G = np.zeros((X.shape[0], self.n_classes_))
        for G in self._staged_scores(X):
            pass
        return G

    def _binary_1d(self, G: np.ndarray) -> np.ndarray:
        return G[:, 1] - G[:, 0] if self.n_classes_ == 2 else G

    def staged_decision_function(self, X: Any) -> Iterator[np.ndarray]:
        """Yield :meth:`decision_function` after each round: ``g_{t+1}(X)``, shape (n_samples, K).

        For two classes each is ``g^1 - g^0`` of shape (n_samples,), as :meth:`decision_function`.
        """
        for G in self._staged_scores(self._check_X(X)):
            yield self._binary_1d(G)

    def decision_function(self, X: Any) -> np.ndarray:
        """Scores ``g^k(x) = sum_t alpha_t f_t^k(x)``, shape (n_samples, K).

        For two classes, scikit-learn's binary convention: ``g^1(x) - g^0(x)`` of shape
        (n_samples,), positive where ``classes_[1]`` is predicted.
        """
        return self._binary_1d(self._scores(X))

    def predict(self, X: Any) -> np.ndarray:
        """Class with the largest score ``g^k(x)``."""
        G = self._scores(X)  # checks fitted-ness before classes_ is touched
        return self.classes_[np.argmax(G, axis=1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``p_k ∝ exp(K g^k / (K-1))``.

        This inverts the population minimiser of the loss, ``g^k = ((K-1)/K) log p_k + const``.
        """
        G = self._scores(X) * (self.n_classes_ / (self.n_classes_ - 1))
        G -= G.max(axis=1, keepdims=True)
        P = np.exp(G)
        return P / P.sum(axis=1, keepdims=True)

    def loss(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The exponential loss of the fitted ensemble on ``(X, y)`` (labels from ``classes_``)."""
        G = self._scores(X)
        y = _validate_labels(y, G.shape[0])
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, self.n_classes_ - 1)
        if np.any(self.classes_[idx] != y):
            raise ValueError("y contains labels not seen in fit")
        return multiclass_exp_loss(G, idx, sample_weight)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """(Weighted) accuracy of :meth:`predict` on ``(X, y)``."""
        pred = self.predict(X)
        y = _validate_labels(y, pred.shape[0])
        s = _rescaled(_validate_sample_weight(sample_weight, pred.shape[0]))
        return float(np.sum(s * (pred == y)) / s.sum())

    def staged_score(self, X: Any, y: Any) -> np.ndarray:
        """Accuracy after each round, shape (n_rounds,)."""
        X = self._check_X(X)
        y = _validate_labels(y, X.shape[0])
        return np.array([np.mean(self.classes_[np.argmax(G, axis=1)] == y) for G in self._staged_scores(X)])
