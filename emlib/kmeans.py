"""Plain K-means: k-means++ seeding and Lloyd iterations.

Used on its own and to initialise :class:`emlib.mixture.GaussianMixture`. The algorithm follows
scikit-learn's ``KMeans(algorithm="lloyd")``: the tolerance is relative to the mean per-feature
variance of the data, iteration stops early when the labels no longer change, and empty clusters are
moved to the points farthest from their centres. From the same initial centres both usually give the
same centres; they can differ where a point is (to rounding) equidistant from two centres or where
an empty cluster is relocated, since the two break those ties differently.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._base_estimator import EstimatorMixin
from ._validation import RandomStateLike, check_array, check_int, check_is_fitted, check_random_state, check_real
from .exceptions import ConvergenceWarning

__all__ = ["KMeans", "kmeans_plusplus"]

# Budget (in float64 entries) for the temporary (rows x n_clusters x n_features) distance arrays.
_BLOCK_ENTRIES = 1 << 22


def _block_rows(n_clusters: int, n_features: int) -> int:
    return max(1, _BLOCK_ENTRIES // max(1, n_clusters * n_features))


def _sq_distances(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances (n, k), computed blockwise from differences (no cancellation)."""
    rows = _block_rows(centers.shape[0], X.shape[1])
    out = np.empty((X.shape[0], centers.shape[0]))
    for s in range(0, X.shape[0], rows):
        diff = X[s : s + rows, None, :] - centers[None, :, :]
        out[s : s + rows] = np.einsum("nkd,nkd->nk", diff, diff)
    return out


def kmeans_plusplus(
    X: Any,
    n_clusters: int,
    *,
    random_state: RandomStateLike = None,
    n_local_trials: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy k-means++ seeding (Arthur & Vassilvitskii, 2007).

    The first centre is a uniformly drawn sample; each further centre is the best (lowest resulting
    potential) of ``n_local_trials`` candidates drawn with probability proportional to the squared
    distance to the nearest centre chosen so far.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        Data; must be finite.
    n_clusters : int
        Number of centres, ``1 <= n_clusters <= n_samples``.
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState, optional
        Source of randomness.
    n_local_trials : int, optional
        Candidates per step (>= 1); default ``2 + int(log(n_clusters))`` as in scikit-learn.

    Returns
    -------
    centers : numpy.ndarray of shape (n_clusters, n_features)
    indices : numpy.ndarray of shape (n_clusters,)
        Row indices of X that were chosen as centres.
    """
    X = check_array(X, "X", ndim=2)
    n_samples = X.shape[0]
    n_clusters = check_int(n_clusters, "n_clusters", minimum=1)
    if n_clusters > n_samples:
        raise ValueError(f"n_clusters must be <= n_samples={n_samples}, got {n_clusters}")
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(n_clusters))
    n_local_trials = check_int(n_local_trials, "n_local_trials", minimum=1)
    rng = check_random_state(random_state)

    indices = np.empty(n_clusters, dtype=np.intp)
    indices[0] = rng.integers(n_samples)
    closest = _sq_distances(X, X[indices[0]][None, :])[:, 0]
    for c in range(1, n_clusters):
        pot = float(closest.sum())
        if pot <= 0.0:
            # Every point coincides with a chosen centre: any further choice is as good as another.
            cand = rng.integers(n_samples, size=n_local_trials)
        else:
            cand = np.searchsorted(np.cumsum(closest), rng.uniform(size=n_local_trials) * pot)
            np.clip(cand, None, n_samples - 1, out=cand)
        d_cand = np.minimum(closest[None, :], _sq_distances(X, X[cand]).T)
        best = int(np.argmin(d_cand.sum(axis=1)))
        indices[c] = cand[best]
        closest = d_cand[best]
    return X[indices].copy(), indices


class KMeans(EstimatorMixin):
    """K-means clustering by Lloyd's algorithm.

    A scikit-learn compatible clusterer and transformer: ``get_params``/``set_params`` (so
    ``sklearn.base.clone``, ``GridSearchCV`` and ``Pipeline`` work), ``fit``, ``predict``,
    ``fit_predict``, ``transform``, ``fit_transform`` and ``score``; scikit-learn is never imported.

    Parameters
    ----------
    n_clusters : int, default 8
        Number of clusters.
    init : {"k-means++", "random"} or array_like of shape (n_clusters, n_features), default "k-means++"
        Seeding: greedy k-means++, ``n_clusters`` distinct random samples, or explicit centres
        (then a single run is made; ``n_init > 1`` gives a ``RuntimeWarning``, as in scikit-learn).
    n_init : int, default 1
        Number of seedings; the run with the lowest inertia is kept.
    max_iter : int, default 300
        Maximum number of Lloyd iterations per run.
    tol : float, default 1e-4
        Stop when the squared shift of all centres is <= ``tol * mean(var(X, axis=0))``
        (scikit-learn's convention), or earlier when the labels stop changing.
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        Source of randomness for the seeding. An int gives the same result on every call; a
        ``Generator`` or ``RandomState`` is advanced by each call.

    Attributes
    ----------
    cluster_centers_ : numpy.ndarray of shape (n_clusters, n_features)
    labels_ : numpy.ndarray of shape (n_samples,)
        Index of the nearest final centre for each training sample.
    inertia_ : float
        Sum of squared distances of the training samples to their nearest centre.
    n_iter_ : int
        Lloyd iterations run in the kept run.
    converged_ : bool
        Whether the kept run stopped before ``max_iter``.
    n_features_in_ : int
        Number of features seen in ``fit``.

    Warns
    -----
    ConvergenceWarning
        When the fit ends with fewer distinct clusters than ``n_clusters`` (the data hold fewer
        distinct points than clusters, so some centres coincide), as scikit-learn does.
    RuntimeWarning
        When ``init`` is an array and ``n_init > 1`` (only one run is made).

    Notes
    -----
    ``X`` may be of any real dtype; it is converted to float64 and ``cluster_centers_``,
    :meth:`transform` and :meth:`score` are float64 (scikit-learn keeps float32 for float32 input).
    ``sample_weight`` is not supported.
    """

    _estimator_type = "clusterer"
    _sklearn_transformer = True

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str | Any = "k-means++",
        n_init: int = 1,
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state: RandomStateLike = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _validate(self, X: Any) -> tuple[np.ndarray, np.ndarray | None]:
        X = check_array(X, "X", ndim=2)
        k = check_int(self.n_clusters, "n_clusters", minimum=1)
        if k > X.shape[0]:
            raise ValueError(f"n_clusters must be <= n_samples={X.shape[0]}, got {k}")
        n_init = check_int(self.n_init, "n_init", minimum=1)
        check_int(self.max_iter, "max_iter", minimum=1)
        check_real(self.tol, "tol", low=0.0)
        check_random_state(self.random_state)
        init_centers = None
        if isinstance(self.init, str):
            if self.init not in ("k-means++", "random"):
                raise ValueError(f"init must be 'k-means++', 'random' or an array, got {self.init!r}")
        else:
            init_centers = check_array(self.init, "init", shape=(k, X.shape[1]))
            if n_init != 1:
                warnings.warn(
                    f"init is an array of centres: making one run instead of n_init={n_init} "
                    "(explicit initial centres give the same run every time)",
                    RuntimeWarning,
                    stacklevel=3,
                )
        return X, init_centers

    def _lloyd(self, X: np.ndarray, centers: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray, float, int, bool]:
        k = centers.shape[0]
        labels_old = None
        converged = False
        n_iter = 0
        for n_iter in range(1, self.max_iter + 1):
            d2 = _sq_distances(X, centers)
            labels = np.argmin(d2, axis=1)
            counts = np.bincount(labels, minlength=k).astype(float)
            # per-cluster sums of the points (bincount per feature: much faster than np.add.at)
            sums = np.stack([np.bincount(labels, weights=X[:, j], minlength=k) for j in range(X.shape[1])], axis=1)
            empty = np.flatnonzero(counts == 0)
            if empty.size:
                # Move each empty cluster onto one of the points farthest from its current centre.
                far = np.argsort(-d2[np.arange(X.shape[0]), labels], kind="stable")[: empty.size]
                for e, i in zip(empty, far):
                    old = labels[i]
                    if counts[old] > 1:
                        counts[old] -= 1
                        sums[old] -= X[i]
                    counts[e] = 1
                    sums[e] = X[i]
            new_centers = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centers)
            shift = float(np.sum((new_centers - centers) ** 2))
            centers = new_centers
            if labels_old is not None and np.array_equal(labels, labels_old):
                converged = True
                break
            if shift <= tol:
                converged = True
                break
            labels_old = labels
        d2 = _sq_distances(X, centers)
        labels = np.argmin(d2, axis=1)
        inertia = float(np.sum(d2[np.arange(X.shape[0]), labels]))
        return centers, labels, inertia, n_iter, converged

    def fit(self, X: Any, y: Any = None) -> "KMeans":
        """Cluster X.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        X, init_centers = self._validate(X)
        rng = check_random_state(self.random_state)
        tol = float(np.mean(np.var(X, axis=0))) * self.tol
        best = None
        for _ in range(1 if init_centers is not None else self.n_init):
            if init_centers is not None:
                centers = init_centers.copy()
            elif self.init == "k-means++":
                centers, _ = kmeans_plusplus(X, self.n_clusters, random_state=rng)
            else:
                centers = X[rng.choice(X.shape[0], size=self.n_clusters, replace=False)].copy()
            run = self._lloyd(X, centers, tol)
            if best is None or run[2] < best[2]:
                best = run
        self.cluster_centers_, self.labels_, self.inertia_, self.n_iter_, self.converged_ = best
        self.n_features_in_ = X.shape[1]
        n_distinct = int(np.unique(self.labels_).size)
        if n_distinct < self.n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({n_distinct}) found smaller than n_clusters "
                f"({self.n_clusters}). Possibly due to duplicate points in X.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _check_X(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "cluster_centers_")
        X = check_array(X, "X", ndim=2)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but KMeans is expecting {self.n_features_in_} features "
                "as input (as in fit)"
            )
        return X

    def transform(self, X: Any) -> np.ndarray:
        """Euclidean distances from each sample to each centre (cluster-distance space).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_clusters)
        """
        return np.sqrt(_sq_distances(self._check_X(X), self.cluster_centers_))

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit, then return :meth:`transform` of the same data.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_clusters)
        """
        return self.fit(X).transform(X)

    def predict(self, X: Any) -> np.ndarray:
        """Index of the nearest centre for each sample."""
        return np.argmin(_sq_distances(self._check_X(X), self.cluster_centers_), axis=1)

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit and return ``labels_``."""
        return self.fit(X).labels_

    def score(self, X: Any, y: Any = None) -> float:
        """Minus the inertia of X with respect to the fitted centres (higher is better).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        float
            ``-sum_i min_k |x_i - c_k|^2``, scikit-learn's ``KMeans.score``.
        """
        d2 = _sq_distances(self._check_X(X), self.cluster_centers_)
        return -float(np.sum(np.min(d2, axis=1)))
