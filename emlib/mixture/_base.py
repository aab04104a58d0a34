"""The EM loop shared by every mixture model in :mod:`emlib.mixture`.

One loop, several models: a subclass supplies the initialisation, the per-component weighted
log-probabilities ``log pi_k + log p(x | z = k)`` (the E-step) and an M-step that works from
sufficient statistics accumulated over blocks of samples. The loop never holds more than one block
of responsibilities in memory, so memory is bounded in the number of samples.

Speed: inside a block everything is *component-major*: the weighted log-probabilities of a block of
``n`` samples are a ``(n_components, n)`` array, so the log-sum-exp over components reduces over the
first axis (contiguous rows, vectorised by numpy) instead of over short rows of length
``n_components``; the responsibilities are ``exp(a - max) / sum`` from the exponentials the
log-sum-exp already computed (one ``exp`` per entry, not two); and a subclass gets the block's
"features" once (:meth:`BaseMixture._block_features`) and uses them both for the log-probabilities
and for the sufficient statistics, ideally as two matrix products. The block length is chosen so
that one block's working set stays in the CPU cache.

Bookkeeping per iteration (``t`` = number of M-steps done so far):

* ``log_likelihood_history_[t]`` is the mean log-likelihood ``(1/N) sum_i log p(x_i | theta_t)`` of the
  parameters after ``t`` M-steps (entry 0: the initial parameters);
* ``objective_history_[t]`` is the quantity EM provably does not decrease: the mean log-likelihood
  plus ``log prior(theta_t) / N`` for a model with a prior (MAP-EM), otherwise the same number.

The loop stops when the objective changes by less than ``tol`` after an M-step, or after
``max_iter`` M-steps (then a :class:`~emlib.exceptions.ConvergenceWarning` is emitted).
``max_iter=0`` means initialisation only (scikit-learn's meaning): the initial parameters are
returned, ``converged_`` is False and no warning is emitted.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from time import perf_counter
from typing import Any

import numpy as np

from .._base_estimator import EstimatorMixin
from .._validation import RandomStateLike, check_int, check_random_state, check_real
from ..exceptions import ConvergenceWarning, convergence_warning

__all__ = ["BaseMixture", "logsumexp_rows"]

# Rows per block in the E-pass: bounds the temporary (block x n_components [x n_features]) arrays.
# A subclass's _block_rows picks the length for its per-row footprint; this is the upper bound.
_BLOCK_ROWS = 16384
# Target number of float64 entries in one block's largest temporaries (~1 MiB: fits in L2 cache).
_BLOCK_ENTRIES = 1 << 17


def logsumexp_rows(a: np.ndarray) -> np.ndarray:
    """Row-wise ``log(sum(exp(a), axis=1))`` without overflow or underflow.

    Parameters
    ----------
    a : numpy.ndarray of shape (n, k)
        Finite log-values (entries equal to ``-inf`` are allowed if every row has a finite entry).

    Returns
    -------
    numpy.ndarray of shape (n,)
    """
    m = np.max(a, axis=1)
    # Subtracting the row maximum puts the largest term at exp(0) = 1: no overflow, and the sum is >= 1.
    return m + np.log(np.sum(np.exp(a - m[:, None]), axis=1))


def _logsumexp_cols(a: np.ndarray) -> np.ndarray:
    """Column-wise log-sum-exp of a (K, n) array (see :func:`logsumexp_rows`)."""
    m = np.max(a, axis=0)
    return m + np.log(np.sum(np.exp(a - m), axis=0))


def _check_init_params_choice(value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise TypeError(f"init_params must be one of {allowed}, got {type(value).__name__}")
    if value not in allowed:
        raise ValueError(f"init_params must be one of {allowed}, got {value!r}")
    return value


class BaseMixture(EstimatorMixin, ABC):
    """Abstract mixture model fitted by (MAP-)EM.

    scikit-learn compatible: ``get_params``/``set_params`` (so ``sklearn.base.clone``,
    ``GridSearchCV`` and ``Pipeline`` work) and scikit-learn's ``density_estimator`` tags come from
    :class:`emlib._base_estimator.EstimatorMixin`; scikit-learn itself is never imported.

    Parameters
    ----------
    n_components : int
        Number of mixture components, ``1 <= n_components <= n_samples``.
    tol : float
        Convergence threshold (>= 0) on the change of the per-sample objective after an M-step.
    max_iter : int
        Maximum number of M-steps per initialisation (>= 0; 0 returns the initial parameters).
    n_init : int
        Number of initialisations; the one with the highest final objective is kept.
    init_params : str
        Initialisation method (subclass specific).
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        Source of randomness for the initialisation and for :meth:`sample` (see
        :func:`emlib._validation.check_random_state`).
    warm_start : bool
        If True and the estimator is fitted, ``fit`` continues EM from the fitted parameters (one
        run; ``n_init`` and the initialisation are skipped), as in scikit-learn.
    verbose : int
        0: silent; 1: scikit-learn's progress lines per initialisation and every
        ``verbose_interval`` iterations; 2: also the time and the change of the objective.
    verbose_interval : int
        Iterations between two progress lines.
    """

    _init_choices: tuple[str, ...] = ("random",)
    _estimator_type = "density_estimator"

    def __init__(
        self,
        n_components: int,
        *,
        tol: float,
        max_iter: int,
        n_init: int,
        init_params: str,
        random_state: RandomStateLike,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
    ) -> None:
        self.n_components = n_components
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval

    # ------------------------------------------------------------------ subclass hooks
    @abstractmethod
    def _validate_X(self, X: Any, name: str = "X") -> np.ndarray:
        """Return X as a float64 (n_samples, n_features) array or raise."""

    @abstractmethod
    def _check_parameters(self, X: np.ndarray) -> None:
        """Validate the subclass hyper-parameters against the training data."""

    @abstractmethod
    def _initialize(self, X: np.ndarray, rng: np.random.Generator) -> None:
        """Set the initial parameters (and the cached quantities the E-step needs)."""

    @abstractmethod
    def _block_features(self, X: np.ndarray) -> Any:
        """Per-block quantities shared by the E-step and the statistics (e.g. a feature matrix)."""

    @abstractmethod
    def _block_log_prob(self, F: Any) -> np.ndarray:
        """``log pi_k + log p(x_i | z_i = k)`` as a fresh (n_components, n_block) array (component-major)."""

    @abstractmethod
    def _new_stats(self, n_features: int) -> dict[str, np.ndarray]:
        """Zeroed sufficient statistics for one M-step."""

    @abstractmethod
    def _accumulate_block_stats(self, stats: dict[str, np.ndarray], F: Any, resp_t: np.ndarray) -> None:
        """Add one block's contribution to ``stats`` in place; ``resp_t`` is (n_components, n_block)."""

    @abstractmethod
    def _m_step(self, stats: dict[str, np.ndarray], n_samples: int) -> None:
        """Update the parameters from the accumulated statistics (and refresh cached quantities)."""

    @abstractmethod
    def _get_parameters(self) -> tuple:
        """The learned parameters (for keeping the best initialisation)."""

    @abstractmethod
    def _set_parameters(self, params: tuple) -> None:
        """Restore parameters returned by :meth:`_get_parameters`."""

    @abstractmethod
    def _n_parameters(self) -> int:
        """Number of free parameters of the model (for BIC/AIC)."""

    def _prepare_warm_start(self, X: np.ndarray) -> None:
        """Refresh data-dependent caches before a warm-started fit on ``X`` (none by default)."""

    def _log_prior(self) -> float:
        """Log prior density of the current parameters (0 for maximum likelihood)."""
        return 0.0

    def _block_rows(self, n_features: int) -> int:
        """Samples per block: about ``_BLOCK_ENTRIES`` float64 entries of per-row temporaries."""
        per_row = 2 * self.n_components + n_features + 1
        return int(min(_BLOCK_ROWS, max(256, _BLOCK_ENTRIES // per_row)))

    def _estimate_weighted_log_prob(self, X: np.ndarray) -> np.ndarray:
        """``log pi_k + log p(x_i | z_i = k)`` as an (n_samples, n_components) array (one block)."""
        return self._block_log_prob(self._block_features(X)).T

    # ------------------------------------------------------------------ shared machinery
    def _check_common_parameters(self, X: np.ndarray) -> None:
        n_samples = X.shape[0]
        check_int(self.n_components, "n_components", minimum=1)
        if self.n_components > n_samples:
            raise ValueError(
                f"n_components must be <= n_samples, got n_components={self.n_components} "
                f"and n_samples={n_samples}"
            )
        check_real(self.tol, "tol", low=0.0)
        check_int(self.max_iter, "max_iter", minimum=0)
        check_int(self.n_init, "n_init", minimum=1)
        _check_init_params_choice(self.init_params, self._init_choices)
        check_random_state(self.random_state)  # type check only; the generator is created in fit
        if not isinstance(self.warm_start, (bool, np.bool_)):
            raise TypeError(f"warm_start must be a bool, got {type(self.warm_start).__name__}")
        check_int(int(self.verbose) if isinstance(self.verbose, (bool, np.bool_)) else self.verbose, "verbose", minimum=0)
        check_int(self.verbose_interval, "verbose_interval", minimum=1)

    def _e_pass(self, X: np.ndarray, with_stats: bool = True) -> tuple[float, dict[str, np.ndarray] | None]:
        """One pass over X in blocks: total log-likelihood and the statistics for the next M-step."""
        stats = self._new_stats(X.shape[1]) if with_stats else None
        total = 0.0
        rows = self._block_rows(X.shape[1])
        for start in range(0, X.shape[0], rows):
            F = self._block_features(X[start : start + rows])
            a = self._block_log_prob(F)  # (K, n), ours to overwrite
            # log-sum-exp over components (axis 0), keeping exp(a - max) for the responsibilities.
            m = np.max(a, axis=0)
            a -= m
            # exp is 10-20x slower on arguments whose result underflows; below -700 the term is
            # < 1e-304 next to the row's largest term 1, so it changes neither the sum nor the statistics.
            np.maximum(a, -700.0, out=a)
            np.exp(a, out=a)
            s = np.sum(a, axis=0)
            total += float(np.sum(np.log(s))) + float(np.sum(m))
            if stats is not None:
                a *= 1.0 / s  # responsibilities r_ik = exp(a_ik - m_i) / s_i
                self._accumulate_block_stats(stats, F, a)
        return total, stats

    def fit(self, X: Any, y: Any = None) -> "BaseMixture":
        """Fit the mixture by EM (best of ``n_init`` initialisations).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
            Training data (any real dtype; computed and stored in float64).
        y : ignored
            Present for scikit-learn API compatibility.

        Returns
        -------
        self

        Warns
        -----
        ConvergenceWarning
            If the kept initialisation ran ``max_iter >= 1`` M-steps without meeting ``tol``
            (``max_iter=0`` asks for the initial parameters and does not warn, as in scikit-learn).
        """
        # scikit-learn's warm start: continue from the fitted parameters, one run, no initialisation.
        warm = bool(self.warm_start) and hasattr(self, "converged_")
        Xin = X
        X = self._validate_X(X)
        if warm:
            self._check_n_features(X, reset=False)
        self._check_common_parameters(X)
        self._check_parameters(X)
        self._check_feature_names(Xin, reset=True)
        self._check_n_features(X, reset=True)
        rng = check_random_state(self.random_state)
        n = X.shape[0]
        verbose = int(self.verbose)

        best = None
        for init in range(1 if warm else self.n_init):
            if verbose:
                print(f"Initialization {init}")
                t_init = t_iter = perf_counter()
            if warm:
                self._prepare_warm_start(X)
            else:
                with warnings.catch_warnings():
                    # A k-means initialisation warns when the data have fewer distinct points than
                    # components; EM handles that (such components keep a tiny weight), so the
                    # warning, worded for KMeans's n_clusters, is not passed on.
                    warnings.filterwarnings("ignore", message="Number of distinct clusters", category=ConvergenceWarning)
                    self._initialize(X, rng)
            total, stats = self._e_pass(X)
            ll = total / n
            obj = ll + self._log_prior() / n
            ll_hist, obj_hist = [ll], [obj]
            converged = False
            n_iter = 0
            for n_iter in range(1, self.max_iter + 1):
                self._m_step(stats, n)
                total, stats = self._e_pass(X)
                ll = total / n
                new_obj = ll + self._log_prior() / n
                ll_hist.append(ll)
                obj_hist.append(new_obj)
                change = new_obj - obj
                obj = new_obj
                if verbose and n_iter % self.verbose_interval == 0:
                    if verbose == 1:
                        print(f"  Iteration {n_iter}")
                    else:
                        now = perf_counter()
                        print(f"  Iteration {n_iter}\t time lapse {now - t_iter:.5f}s\t ll change {change:.5f}")
                        t_iter = now
                if abs(change) < self.tol:
                    converged = True
                    break
            if verbose:
                msg = "converged" if converged else "did not converge"
                if verbose == 1:
                    print(f"Initialization {msg}.")
                else:
                    print(f"Initialization {msg}. time lapse {perf_counter() - t_init:.5f}s\t lower bound {obj:.5f}.")
            if best is None or obj > best[0]:
                best = (obj, self._get_parameters(), n_iter, converged, ll_hist, obj_hist)

        obj, params, n_iter, converged, ll_hist, obj_hist = best
        self._set_parameters(params)
        self.n_iter_ = n_iter
        self.converged_ = converged
        self.lower_bound_ = obj
        self.log_likelihood_history_ = np.asarray(ll_hist)
        self.objective_history_ = np.asarray(obj_hist)
        # scikit-learn's lower_bounds_: the objective *before* each M-step, one entry per iteration.
        self.lower_bounds_ = self.objective_history_[:-1].copy()
        if not converged and self.max_iter > 0:
            warnings.warn(
                f"{type(self).__name__}: the best initialisation did not converge within "
                f"max_iter={self.max_iter} iterations (tol={self.tol}); increase max_iter or tol, "
                "or check the data for degeneracies.",
                convergence_warning(),
                stacklevel=2,
            )
        return self

    def _check_fitted_X(self, X: Any) -> np.ndarray:
        self._check_fitted("n_features_in_")
        self._check_feature_names(X, reset=False)
        X = self._validate_X(X)
        self._check_n_features(X, reset=False)
        return X

    def _blockwise(self, X: np.ndarray, fun) -> np.ndarray:
        """Concatenate ``fun(a)`` over blocks, ``a`` the (K, n_block) weighted log-probabilities."""
        rows = self._block_rows(X.shape[1])
        out = []
        for start in range(0, X.shape[0], rows):
            # A finite point far beyond the fitted components (|x| ~ 1e300) overflows the quadratic
            # form: refuse it by name rather than warn and return NaN.
            with np.errstate(over="ignore", invalid="ignore"):
                a = self._block_log_prob(self._block_features(X[start : start + rows]))
            if np.any(np.isnan(a) | (a == np.inf)) or np.any(np.all(a == -np.inf, axis=0)):
                raise ValueError(
                    "X holds points so far from every component that their log-density overflows "
                    "the float range; rescale the data"
                )
            out.append(fun(a))
        return np.concatenate(out, axis=0)

    def score_samples(self, X: Any) -> np.ndarray:
        """Log-density ``log p(x_i)`` of each sample under the fitted mixture.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
        """
        X = self._check_fitted_X(X)
        return self._blockwise(X, _logsumexp_cols)

    def score(self, X: Any, y: Any = None) -> float:
        """Mean log-likelihood ``(1/N) sum_i log p(x_i)`` of X under the fitted mixture."""
        return float(np.mean(self.score_samples(X)))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Responsibilities ``p(z_i = k | x_i)`` (rows sum to one).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_components)
        """
        X = self._check_fitted_X(X)

        def proba(a: np.ndarray) -> np.ndarray:
            # exp(a - max) / sum rather than exp(a - logsumexp): far from every component
            # logsumexp = max + log(sum) loses log(sum) to rounding and rows would not sum to one.
            e = np.exp(a - np.max(a, axis=0))
            return (e / np.sum(e, axis=0)).T

        return self._blockwise(X, proba)

    def predict(self, X: Any) -> np.ndarray:
        """Most probable component of each sample (ties go to the lowest index)."""
        X = self._check_fitted_X(X)
        return self._blockwise(X, lambda a: np.argmax(a, axis=0))

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit, then return :meth:`predict` on the same data."""
        return self.fit(X).predict(X)

    def bic(self, X: Any) -> float:
        """Bayesian information criterion ``-2 log L + p log N`` (lower is better)."""
        X = self._check_fitted_X(X)
        n = X.shape[0]
        return float(-2.0 * self._total_log_likelihood(X) + self._n_parameters() * np.log(n))

    def aic(self, X: Any) -> float:
        """Akaike information criterion ``-2 log L + 2 p`` (lower is better)."""
        X = self._check_fitted_X(X)
        return float(-2.0 * self._total_log_likelihood(X) + 2 * self._n_parameters())

    def _total_log_likelihood(self, X: np.ndarray) -> float:
        """``N * score(X)`` for an already checked X (checked once: no second feature-name check)."""
        return float(np.mean(self._blockwise(X, _logsumexp_cols))) * X.shape[0]

    def _check_n_samples(self, n_samples: Any) -> int:
        self._check_fitted("n_features_in_")
        return check_int(n_samples, "n_samples", minimum=1)
