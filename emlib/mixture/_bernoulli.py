"""Mixture of multivariate Bernoulli distributions fitted by MAP-EM."""

from __future__ import annotations

from math import lgamma
from typing import Any

import numpy as np

from .._validation import RandomStateLike, check_array, check_probabilities, check_random_state, check_real
from ..kmeans import KMeans
from ._base import BaseMixture
from ._gaussian import _KMEANS_INIT_MAX_SAMPLES, _check_finite_blockwise

__all__ = ["BernoulliMixture"]

_NK_FLOOR = 10 * np.finfo(np.float64).eps
# Smallest and largest float64 strictly inside (0, 1).
_MEAN_MIN = float(np.finfo(np.float64).tiny)
_MEAN_MAX = float(1.0 - np.finfo(np.float64).epsneg)


class BernoulliMixture(BaseMixture):
    """Mixture of product-Bernoulli distributions for binary data.

    ``p(x) = sum_k pi_k prod_j mu_kj^x_j (1 - mu_kj)^(1 - x_j)`` for ``x`` in ``{0, 1}^d``.

    Keeping the means away from 0 and 1 (the rule)
        Every mean ``mu_kj`` gets an independent ``Beta(1 + alpha, 1 + alpha)`` prior. EM then
        maximises the log posterior, and its M-step is
        ``mu_kj = (sum_i r_ik x_ij + alpha) / (sum_i r_ik + 2 alpha)``:
        ``alpha`` pseudo-observations of 0 and of 1 are added to every component. With ``alpha > 0``
        the means stay in ``[alpha / (N_k + 2 alpha), (N_k + alpha) / (N_k + 2 alpha)]``, strictly
        inside (0, 1), so ``log mu`` and ``log(1 - mu)`` are finite and an empty component gets
        ``mu = 1/2`` instead of 0/0. (When ``alpha`` is so small that a bound rounds to exactly 0 or 1
        in float64, the mean is clipped to the nearest float strictly inside (0, 1).) The weights are
        maximum-likelihood, ``pi_k = N_k / N``.

    Quantities recorded per iteration
        ``objective_history_`` holds ``(log p(X | theta) + log p(theta)) / N`` (log prior including
        its normalising constant), which MAP-EM provably never decreases; ``tol``, ``n_init``
        selection and ``lower_bound_`` use it. ``log_likelihood_history_`` holds the mean
        log-likelihood ``log p(X | theta) / N`` alone, which need not be monotone when ``alpha > 0``.

    Parameters
    ----------
    n_components : int, default 1
        Number of components.
    alpha : float, default 1.0
        Pseudo-count (> 0) of the Beta prior described above.
    tol : float, default 1e-3
        Convergence threshold on the change of the per-sample MAP objective.
    max_iter : int, default 100
        Maximum number of EM iterations (M-steps) per initialisation; 0 returns the initial
        parameters (``n_iter_ = 0``, ``converged_ = False``, no ``ConvergenceWarning``).
    n_init : int, default 1
        Number of initialisations; the highest final objective is kept.
    init_params : {"kmeans", "random", "random_from_data"}, default "kmeans"
        Initial responsibilities: hard labels of :class:`emlib.kmeans.KMeans` (with more than
        10,000 samples, of k-means on a uniform random subsample of 10,000, from which the initial
        parameters are then estimated, as :class:`GaussianMixture` does), random rows
        (uniform draws, normalised), or ``n_components`` distinct random samples each alone in its
        component (scikit-learn's ``"random_from_data"``: the initial means are those samples
        pulled towards 1/2 by the prior, ``(x + alpha) / (1 + 2 alpha)``); followed by one M-step.
    weights_init : array_like of shape (n_components,), optional
        Initial weights (non-negative, summing to 1).
    means_init : array_like of shape (n_components, n_features), optional
        Initial means, strictly between 0 and 1.
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        Source of randomness for initialisation and :meth:`sample`. An int gives the same result on
        every call; a ``Generator`` or ``RandomState`` is advanced by each call.
    warm_start : bool, default False
        If True, a ``fit`` after the first continues EM from the fitted parameters (a single run:
        ``n_init`` and the initialisation are skipped), as in scikit-learn.
    verbose : int, default 0
        Progress lines as scikit-learn prints them: 1 per initialisation and every
        ``verbose_interval`` iterations, 2 with times and objective changes.
    verbose_interval : int, default 10
        Iterations between two progress lines.

    Attributes
    ----------
    weights_ : numpy.ndarray of shape (n_components,)
    means_ : numpy.ndarray of shape (n_components, n_features)
    converged_, n_iter_, lower_bound_, log_likelihood_history_, objective_history_
        See :class:`emlib.mixture.BaseMixture`. ``lower_bound_`` is the MAP objective of the
        returned parameters.
    lower_bounds_ : numpy.ndarray of shape (n_iter_,)
        The MAP objective before each M-step, ``objective_history_[:-1]`` (scikit-learn's layout).
    n_features_in_ : int
        Number of features seen in ``fit``.

    Notes
    -----
    ``X`` may be of any real or boolean dtype (entries 0 and 1); it is converted to float64 and every
    fitted attribute and result is float64.
    """

    _init_choices = ("kmeans", "random", "random_from_data")

    def __init__(
        self,
        n_components: int = 1,
        *,
        alpha: float = 1.0,
        tol: float = 1e-3,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init: Any = None,
        means_init: Any = None,
        random_state: RandomStateLike = None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
    ) -> None:
        super().__init__(
            n_components,
            tol=tol,
            max_iter=max_iter,
            n_init=n_init,
            init_params=init_params,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
            verbose_interval=verbose_interval,
        )
        self.alpha = alpha
        self.weights_init = weights_init
        self.means_init = means_init

    @classmethod
    def from_parameters(
        cls,
        weights: Any,
        means: Any,
        *,
        alpha: float = 1.0,
        random_state: RandomStateLike = None,
    ) -> "BernoulliMixture":
        """A mixture with the given parameters, ready for predict/score/sample (no fitting).

        Parameters
        ----------
        weights : array_like of shape (n_components,)
            Mixing weights (non-negative, summing to 1).
        means : array_like of shape (n_components, n_features)
            Bernoulli means, strictly between 0 and 1.
        alpha : float, default 1.0
            Stored as the estimator's prior pseudo-count (used only by a later ``fit``).
        random_state : None, int, numpy.random.Generator or numpy.random.RandomState
            Used by :meth:`sample`.

        Returns
        -------
        BernoulliMixture
        """
        m = check_array(means, "means", ndim=2)
        if np.any(m <= 0.0) or np.any(m >= 1.0):
            raise ValueError("means must lie strictly between 0 and 1")
        K, d = m.shape
        w = check_array(weights, "weights", shape=(K,))
        bm = cls(K, alpha=alpha, random_state=random_state)
        bm.weights_ = check_probabilities(w, "weights", atol=1e-10) / w.sum()
        bm.means_ = m
        bm.n_features_in_ = d
        bm._refresh_cache()
        return bm

    def _validate_X(self, X: Any, name: str = "X") -> np.ndarray:
        X = _check_finite_blockwise(check_array(X, name, ndim=2, allow_bool=True, finite=False), name)
        # a block of rows at a time: no boolean temporaries of the data's size
        step = max(1, (1 << 16) // max(1, X.shape[1]))
        for start in range(0, X.shape[0], step):
            b = X[start : start + step]
            if not np.all((b == 0.0) | (b == 1.0)):
                raise ValueError(f"{name} must be binary (every entry 0 or 1)")
        return X

    def _check_parameters(self, X: np.ndarray) -> None:
        K, d = self.n_components, X.shape[1]
        check_real(self.alpha, "alpha", low=0.0, low_inclusive=False)
        self._weights_init = None
        self._means_init = None
        if self.weights_init is not None:
            w = check_array(self.weights_init, "weights_init", shape=(K,))
            self._weights_init = check_probabilities(w, "weights_init", atol=1e-6) / w.sum()
        if self.means_init is not None:
            m = check_array(self.means_init, "means_init", shape=(K, d))
            if np.any(m <= 0.0) or np.any(m >= 1.0):
                raise ValueError("means_init must lie strictly between 0 and 1")
            self._means_init = m

    def _initialize(self, X: np.ndarray, rng: np.random.Generator) -> None:
        if self._weights_init is None or self._means_init is None:
            n, K = X.shape[0], self.n_components
            if self.init_params == "random":
                resp = rng.uniform(size=(n, K))
                resp /= resp.sum(axis=1, keepdims=True)
            elif self.init_params == "random_from_data":
                resp = np.zeros((n, K))
                resp[rng.choice(n, size=K, replace=False), np.arange(K)] = 1.0
            else:
                if n > _KMEANS_INIT_MAX_SAMPLES:
                    # As GaussianMixture does: k-means on a uniform subsample (kept in data order) and
                    # the initial parameters from it; EM then runs on all the data.
                    X = X[np.sort(rng.choice(n, _KMEANS_INIT_MAX_SAMPLES, replace=False))]
                    n = X.shape[0]
                labels = KMeans(K, n_init=1, random_state=rng).fit(X).labels_
                resp = np.zeros((n, K))
                resp[np.arange(n), labels] = 1.0
            stats = self._new_stats(X.shape[1])
            self._accumulate_stats(stats, X, resp)
            self.means_ = np.zeros((K, X.shape[1]))
            self._m_step(stats, n)
        if self._weights_init is not None:
            self.weights_ = self._weights_init.copy()
        if self._means_init is not None:
            self.means_ = self._means_init.copy()
        self._refresh_cache()

    def _refresh_cache(self) -> None:
        with np.errstate(divide="ignore"):
            self._log_w = np.log(self.weights_)
        self._log_mu = np.log(self.means_)
        self._log1m_mu = np.log1p(-self.means_)

    def _block_features(self, X: np.ndarray) -> np.ndarray:
        return X

    def _block_log_prob(self, X: np.ndarray) -> np.ndarray:
        # log p(x | k) = sum_j x_j log mu_kj + (1 - x_j) log(1 - mu_kj): two matrix products,
        # component-major (K, n) for the shared E-pass.
        a = self._log_mu @ X.T
        a += self._log1m_mu @ (1.0 - X).T
        a += self._log_w[:, None]
        return a

    def _new_stats(self, n_features: int) -> dict[str, np.ndarray]:
        return {"s0": np.zeros(self.n_components), "s1": np.zeros((self.n_components, n_features))}

    def _accumulate_stats(self, stats: dict[str, np.ndarray], X: np.ndarray, resp: np.ndarray) -> None:
        """Statistics from (n, K) responsibilities (the initialisation)."""
        self._accumulate_block_stats(stats, X, resp.T)

    def _accumulate_block_stats(self, stats: dict[str, np.ndarray], X: np.ndarray, resp_t: np.ndarray) -> None:
        stats["s0"] += resp_t.sum(axis=1)
        stats["s1"] += resp_t @ X

    def _m_step(self, stats: dict[str, np.ndarray], n_samples: int) -> None:
        s0, s1, a = stats["s0"], stats["s1"], float(self.alpha)
        nk = s0 + _NK_FLOOR  # an empty component keeps a tiny positive weight (finite log)
        self.weights_ = nk / nk.sum()
        # With a tiny alpha the MAP mean of an all-ones (all-zeros) column rounds to exactly 1 (0);
        # keep it inside the open interval so both log mu and log(1 - mu) stay finite.
        self.means_ = np.clip((s1 + a) / (s0[:, None] + 2.0 * a), _MEAN_MIN, _MEAN_MAX)
        self._refresh_cache()

    def _log_prior(self) -> float:
        a = float(self.alpha)
        log_norm = lgamma(2.0 + 2.0 * a) - 2.0 * lgamma(1.0 + a)  # -log B(1 + a, 1 + a)
        return float(self.means_.size * log_norm + a * np.sum(self._log_mu + self._log1m_mu))

    def _get_parameters(self) -> tuple:
        return (self.weights_.copy(), self.means_.copy())

    def _set_parameters(self, params: tuple) -> None:
        self.weights_, self.means_ = params
        self._refresh_cache()

    def _n_parameters(self) -> int:
        K, d = self.means_.shape
        return int(K * d + K - 1)

    def sample(self, n_samples: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Draw binary samples from the fitted mixture.

        Uses ``random_state`` (an int seed gives the same samples on every call).

        Parameters
        ----------
        n_samples : int, default 1

        Returns
        -------
        X : numpy.ndarray of shape (n_samples, n_features), entries 0.0 or 1.0
        labels : numpy.ndarray of shape (n_samples,)
        """
        n_samples = self._check_n_samples(n_samples)
        rng = check_random_state(self.random_state)
        counts = rng.multinomial(n_samples, self.weights_ / self.weights_.sum())
        labels = np.repeat(np.arange(self.n_components), counts)
        X = (rng.uniform(size=(n_samples, self.means_.shape[1])) < self.means_[labels]).astype(float)
        return X, labels
