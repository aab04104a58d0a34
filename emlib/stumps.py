"""Weighted multi-class decision stumps: the weak learner for :mod:`emlib.boosting`.

A stump splits on one feature at one threshold and predicts one class on each side. Given sample
weights it is chosen to minimise the weighted misclassification rate

    err = sum_i w_i [h(x_i) != y_i] / sum_i w_i,

which is exactly the quantity the boosting derivation asks the weak learner to minimise. The search
is exhaustive and vectorised: each feature's values are ranked once, the weighted class masses of all
(feature, rank) cells come from one ``bincount``, a cumulative sum over ranks gives the masses left of
every cut between two distinct consecutive values, and all cuts are scored at once (each side
predicts its weighted majority class). Boosting reuses the ranking across rounds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base_estimator import EstimatorMixin
from ._validation import check_array

__all__ = ["WeightedDecisionStump"]

# Upper bound on the number of float64 entries of the (samples, features, classes) cumulative-mass
# array built at once; features are processed in blocks so memory stays bounded on wide data.
_MAX_BLOCK_ENTRIES = 1 << 22


def _validate_labels(y: Any, n_samples: int, name: str = "y") -> np.ndarray:
    """Return ``y`` as a 1-D array of labels of length ``n_samples``.

    Integer, real, boolean and string arrays are accepted, and object arrays (pandas string and
    categorical columns arrive as such) whose entries are all strings or all real numbers; a mix of
    the two is refused with scikit-learn's ValueError, other objects (None, ...) with a TypeError.
    """
    if isinstance(y, (str, bytes)):
        raise TypeError(f"{name} must be a 1-D array of class labels, got a string")
    try:
        arr = np.asarray(y)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise ValueError(f"{name} must be a 1-D array of class labels ({exc})") from None
    if arr.dtype == object:
        kinds = {"str" if isinstance(v, str) else "number" if _is_number(v) else type(v).__name__ for v in arr.flat}
        if kinds == {"str", "number"}:
            raise ValueError(f"Mix of label input types (string and number) in {name}")
        if not kinds <= {"str", "number"}:
            bad = sorted(kinds - {"str", "number"})
            raise TypeError(f"{name} must hold integer, string or real class labels, found objects of type {bad}")
        if kinds == {"number"}:
            arr = np.asarray(arr.tolist())  # numbers in an object array: their own numeric dtype
    # the kind of labels first: other objects are a TypeError whatever their shape
    if arr.dtype.kind not in "biufUSO":
        raise TypeError(f"{name} must hold integer, string or real class labels, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise ValueError(f"{name} must have one label per row of X ({n_samples}), got {arr.shape[0]}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must not contain NaN or infinity")
    return arr


def _is_number(v: Any) -> bool:
    import numbers

    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _check_classification_target(y: np.ndarray) -> None:
    """Refuse a continuous target as scikit-learn's ``check_classification_targets`` does."""
    if y.dtype.kind == "f" and np.any(y != np.round(y)):
        raise ValueError(
            "Unknown label type: continuous. Maybe you are trying to fit a classifier, which expects "
            "discrete classes on a regression target with continuous values."
        )


def _leaf_proba(left: np.ndarray, y_enc: np.ndarray, w: np.ndarray, n_classes: int, classes: tuple[int, int]) -> np.ndarray:
    """(2, K) weighted class fractions of the training samples on each side of a stump.

    A side without training weight (the constant stump's left side) gets all its probability on the
    class it predicts, so ``argmax`` of each row is the side's predicted class.
    """
    out = np.zeros((2, n_classes))
    for side, mask in enumerate((left, ~left)):
        mass = np.bincount(y_enc[mask], weights=w[mask], minlength=n_classes)
        total = mass.sum()
        if total > 0:
            out[side] = mass / total
        else:
            out[side, classes[side]] = 1.0
    return out


def _validate_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray:
    """Return non-negative finite weights of length ``n_samples`` with a positive sum."""
    if sample_weight is None:
        return np.ones(n_samples)
    w = check_array(sample_weight, "sample_weight", ndim=1)
    if w.shape[0] != n_samples:
        raise ValueError(f"sample_weight must have one entry per row of X ({n_samples}), got {w.shape[0]}")
    if np.any(w < 0):
        raise ValueError(f"sample_weight must be non-negative, found {w.min():.3g}")
    if not np.any(w > 0):  # not w.sum(): that overflows for weights near the float maximum
        raise ValueError("sample_weight must have a positive sum, got all zeros")
    return w


def _rescaled(w: np.ndarray) -> np.ndarray:
    """``w`` divided by a power of two near its maximum: exact, and sums can no longer overflow."""
    return np.ldexp(w, -int(np.frexp(w.max())[1]))


class _StumpSearch:
    """Exhaustive weighted-error-minimising stump search on fixed, already validated data.

    Everything that does not depend on the weights is computed once: each feature's values are
    replaced by their rank among the feature's distinct values, so a cut is "rank <= r". For given
    weights, one ``bincount`` gives the class mass of every (feature, rank) cell, a cumulative sum
    over ranks gives the class masses left of every cut, and each side predicts its weighted
    majority. Boosting reuses one search object across rounds.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite float features.
    y_encoded : ndarray of shape (n_samples,)
        Integer class codes in ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes K (codes that never occur simply get zero mass).
    """

    def __init__(self, X: np.ndarray, y_encoded: np.ndarray, n_classes: int) -> None:
        n, p = X.shape
        self.n_classes = n_classes
        self.y = y_encoded
        order = np.argsort(X.T, axis=1, kind="stable")  # (p, n)
        xs = np.take_along_axis(X.T, order, axis=1)
        rank_sorted = np.zeros((p, n), dtype=np.intp)
        np.cumsum(xs[:, 1:] > xs[:, :-1], axis=1, out=rank_sorted[:, 1:])
        self.n_values = rank_sorted[:, -1] + 1  # distinct values per feature
        R = int(self.n_values.max())
        self.R = R
        ranks = np.empty((p, n), dtype=np.intp)
        np.put_along_axis(ranks, order, rank_sorted, axis=1)
        # values[j, r]: the r-th smallest distinct value of feature j (inf-padded).
        self.values = np.full((p, R), np.inf)
        self.values[np.arange(p)[:, None], rank_sorted] = xs
        # Flat (feature, rank, class) cell of every (feature, sample) pair, for bincount.
        self.cells = ((np.arange(p)[:, None] * R + ranks) * n_classes + y_encoded).ravel()
        self.p = p
        # Features are processed in blocks so the (features, ranks, classes) array stays bounded.
        self.block = max(1, _MAX_BLOCK_ENTRIES // (R * n_classes))

    def best(self, weights: np.ndarray) -> tuple[int, float, int, int, float]:
        """Best stump for ``weights`` (non-negative, positive sum).

        Returns
        -------
        feature : int
            Split feature (0 for the constant stump).
        threshold : float
            Samples with ``x[feature] <= threshold`` go left; ``-inf`` means the constant stump
            (everything goes right).
        left_class, right_class : int
            Predicted class codes on each side.
        correct_mass : float
            Total weight of the correctly classified samples.

        Notes
        -----
        Ties are broken deterministically: the constant stump wins over any split with the same
        correct mass, then the lowest feature index, then the lowest threshold, then the lowest
        class.
        """
        K, R, n = self.n_classes, self.R, self.y.shape[0]
        total = np.bincount(self.y, weights=weights, minlength=K)
        best = (0, -np.inf, int(np.argmax(total)), int(np.argmax(total)), float(total.max()))
        if R < 2:
            return best
        for start in range(0, self.p, self.block):
            stop = min(self.p, start + self.block)
            cells = self.cells[start * n : stop * n] - start * R * K
            mass = np.bincount(cells, weights=np.tile(weights, stop - start), minlength=(stop - start) * R * K)
            mass = mass.reshape(stop - start, R, K)
            left_all = np.cumsum(mass, axis=1)
            # Cut after rank r is realisable for r < n_values - 1; row-major nonzero keeps ties going
            # to the lowest feature, then the lowest threshold.
            jj, rr = np.nonzero(np.arange(R - 1) < (self.n_values[start:stop, None] - 1))
            if jj.size == 0:
                continue
            left = left_all[jj, rr]  # class masses left of each cut, (m, K)
            right = total - left
            score = left.max(axis=1) + right.max(axis=1)  # correct mass of each cut
            k = int(np.argmax(score))
            if score[k] > best[4]:
                j, r = start + jj[k], rr[k]
                # The threshold lies midway to the next value that carries weight: a zero-weight
                # sample then moves no threshold, so weight 0 is the same as removing the sample.
                # (The chosen cut is the lowest of its tie group, so rank r itself carries weight,
                # and a cut with no weight on its right side ties with the constant stump and
                # loses to it, so such a value exists.)
                heavy = np.flatnonzero(mass[j - start, r + 1 :].sum(axis=1) > 0)
                hi_rank = r + 1 + (int(heavy[0]) if heavy.size else 0)
                lo, hi = self.values[j, r], self.values[j, hi_rank]
                thr = 0.5 * lo + 0.5 * hi  # not 0.5 * (lo + hi): lo + hi overflows near the float maximum
                if not lo <= thr < hi:  # midpoint rounded onto hi for adjacent floats
                    thr = lo
                best = (int(j), float(thr), int(np.argmax(left[k])), int(np.argmax(right[k])), float(score[k]))
        return best


class WeightedDecisionStump(EstimatorMixin):
    """Multi-class decision stump minimising the weighted misclassification rate.

    The stump has no hyper-parameters and no randomness: ``fit`` searches every feature and every
    cut between distinct consecutive values (plus the constant classifier) and keeps the one with the
    smallest weighted error.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Sorted class labels seen in ``fit``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_ : int
        Index of the split feature.
    threshold_ : float
        ``x[feature_] <= threshold_`` goes left; ``-inf`` for the constant stump.
    left_class_, right_class_ : int
        Indices into ``classes_`` predicted on each side.
    weighted_error_ : float
        Weighted misclassification rate on the training data, in [0, 1].
    leaf_proba_ : ndarray of shape (2, n_classes)
        Weighted class fractions of the training samples on the left and right side (rows), the
        probabilities :meth:`predict_proba` returns.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``fit``'s data frame (only if all are strings), as in scikit-learn.
    """

    _estimator_type = "classifier"

    def __init__(self) -> None:
        pass

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> WeightedDecisionStump:
        """Find the stump with the smallest weighted error.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Finite real features.
        y : array_like of shape (n_samples,)
            Class labels (at least one class).
        sample_weight : array_like of shape (n_samples,), optional
            Non-negative weights with a positive sum; uniform if omitted.

        Returns
        -------
        WeightedDecisionStump
            ``self``.
        """
        self._check_feature_names(X, reset=True)
        X = check_array(X, "X", ndim=2)
        y = _validate_labels(y, X.shape[0])
        _check_classification_target(y)
        w = _rescaled(_validate_sample_weight(sample_weight, X.shape[0]))  # the error is scale-free
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        self._check_n_features(X, reset=True)
        search = _StumpSearch(X, y_enc, len(self.classes_))
        f, thr, left, right, correct = search.best(w)
        self.feature_, self.threshold_, self.left_class_, self.right_class_ = f, thr, left, right
        self.weighted_error_ = float(np.clip(1.0 - correct / w.sum(), 0.0, 1.0))
        self.leaf_proba_ = _leaf_proba(X[:, f] <= thr, y_enc, w, len(self.classes_), (left, right))
        return self

    def _check_X(self, X: Any) -> np.ndarray:
        self._check_fitted("feature_")
        self._check_feature_names(X, reset=False)
        X = check_array(X, "X", ndim=2)
        self._check_n_features(X, reset=False)
        return X

    def _index(self, X: np.ndarray) -> np.ndarray:
        return np.where(X[:, self.feature_] <= self.threshold_, self.left_class_, self.right_class_)

    def predict_index(self, X: Any) -> np.ndarray:
        """Predicted class indices (into ``classes_``) of shape (n_samples,)."""
        return self._index(self._check_X(X))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels of shape (n_samples,)."""
        idx = self.predict_index(X)  # checks fitted-ness before classes_ is touched
        return self.classes_[idx]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities: the weighted class fractions of the training samples on x's side.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Rows of :attr:`leaf_proba_`; columns in the order of ``classes_``. The largest entry
            of each row is the class :meth:`predict` returns (up to rounding where two classes
            hold the same weight on a side).
        """
        X = self._check_X(X)
        return self.leaf_proba_[(X[:, self.feature_] > self.threshold_).astype(np.intp)]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Weighted accuracy ``1 - weighted error`` on ``(X, y)``."""
        X = self._check_X(X)
        y = _validate_labels(y, X.shape[0])
        w = _rescaled(_validate_sample_weight(sample_weight, X.shape[0]))
        return float(np.sum(w * (self.classes_[self._index(X)] == y)) / w.sum())

    def __repr__(self) -> str:
        return "WeightedDecisionStump()"
