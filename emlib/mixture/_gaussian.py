"""Gaussian mixture model fitted by EM (scikit-learn compatible parameters and attributes)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.linalg import LinAlgError

from .._validation import RandomStateLike, check_array, check_probabilities, check_random_state, check_real
from ..kmeans import KMeans, kmeans_plusplus
from ._base import _BLOCK_ENTRIES, _BLOCK_ROWS, BaseMixture

__all__ = ["GaussianMixture", "estimate_gaussian_parameters"]

_COV_TYPES = ("full", "tied", "diag", "spherical")
# scikit-learn adds this to every component's effective count so that an empty component gives a
# finite mean and weight instead of 0/0.
_NK_FLOOR = 10 * np.finfo(np.float64).eps
_LOG_2PI = np.log(2.0 * np.pi)
# The fast E-step expands the quadratic form about a fixed centre c (the training-data mean); its
# rounding error in log p(x | k) is about eps * kappa_k with
# kappa_k = tr(P_k) (|mu_k - c|^2 + tr(Sigma_k)). Above this bound the centred (slower) path is used,
# which keeps the error at the level of scikit-learn's own computation.
_FAST_KAPPA = 1e5
# The expansion has 1 + d + d(d+1)/2 features for full/tied covariances; beyond this dimension
# building them costs more than the centred path's matrix products.
_FAST_MAX_DIM_FULL = 16
# The default initialisation (init_params="kmeans") runs k-means on a uniform random subsample of
# this many samples when there are more; EM then runs on all the data (see GaussianMixture's notes).
_KMEANS_INIT_MAX_SAMPLES = 10_000
# Block working set of the centred path (a few (K*d, n) arrays): larger blocks make its matrix
# products efficient.
_BLOCK_ENTRIES_CENTRED = 1 << 20


def _solve_lower(L: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Solve ``L Y = B`` for lower-triangular L (forward substitution via numpy's LAPACK solve)."""
    # numpy has no triangular solver; ``solve`` on a triangular matrix is exact in the same way and
    # only d x d sized here (once per component and iteration).
    return np.linalg.solve(L, B)


def _precision_cholesky_from_cov(cov: np.ndarray, covariance_type: str) -> np.ndarray:
    """Upper-triangular U with precision = U U^T (full/tied) or 1/sqrt(var) (diag/spherical)."""
    # scikit-learn's wording (so code written against it recognises the error), naming reg_covar
    msg = (
        "Fitting the mixture model failed because some components have ill-defined empirical "
        "covariance (for instance caused by singleton or collapsed samples). Try to decrease the "
        "number of components, increase reg_covar, or scale the input data."
    )
    if covariance_type in ("full", "tied"):
        covs = cov[None] if covariance_type == "tied" else cov
        d = covs.shape[-1]
        try:
            L = np.linalg.cholesky(covs)  # batched over components
        except LinAlgError:
            raise ValueError(msg) from None
        # cov = L L^T  =>  precision = L^-T L^-1 = U U^T with U = (L^-1)^T upper triangular.
        out = np.swapaxes(_solve_lower(L, np.broadcast_to(np.eye(d), L.shape)), 1, 2).copy()
        return out[0] if covariance_type == "tied" else out
    if np.any(cov <= 0.0):
        raise ValueError(msg)
    return 1.0 / np.sqrt(cov)


def _check_finite_blockwise(X: np.ndarray, name: str) -> np.ndarray:
    """``check_array``'s finiteness check, a block of rows at a time (no (n, d) boolean temporary)."""
    step = max(1, (1 << 16) // max(1, X.shape[1]))
    for start in range(0, X.shape[0], step):
        if not np.isfinite(X[start : start + step]).all():
            raise ValueError(f"{name} must be finite, found NaN or infinity")
    return X


class GaussianMixture(BaseMixture):
    """Gaussian mixture model ``p(x) = sum_k pi_k N(x | mu_k, Sigma_k)`` fitted by EM.

    Parameters and attributes follow :class:`sklearn.mixture.GaussianMixture`. Responsibilities are
    computed in log space through Cholesky factors of the precision matrices (no matrix inverses, no
    underflow for points far from every component), and the M-step is computed from sufficient
    statistics accumulated over blocks of samples: a fit allocates nothing of the size of the data.
    For d <= 16 (any d for diag/spherical) each block's E-step and statistics are two matrix products
    of a quadratic expansion about the data mean, used only while its rounding error stays about
    ``1e-11`` or below; otherwise the log-densities come from the whitened residuals, as in
    scikit-learn (see the README section "Performance").

    Parameters
    ----------
    n_components : int, default 1
        Number of components.
    covariance_type : {"full", "tied", "diag", "spherical"}, default "full"
        ``full``: one (d, d) covariance per component; ``tied``: one shared (d, d) covariance;
        ``diag``: per-component diagonal (K, d); ``spherical``: per-component variance (K,).
    tol : float, default 1e-3
        Convergence threshold on the change of the mean log-likelihood after an M-step.
    reg_covar : float, default 1e-6
        Non-negative value added to the diagonal of every covariance estimate; keeps covariances
        positive definite for duplicate points, constant features and collapsing components.
        ``reg_covar=0`` gives the exact maximum-likelihood M-step (as in scikit-learn); a fit whose
        covariance then becomes singular raises a ``ValueError`` that says to increase it.
    max_iter : int, default 100
        Maximum number of EM iterations (M-steps) per initialisation. ``max_iter=0`` returns the
        initial parameters (scikit-learn's meaning): ``n_iter_ = 0``, ``converged_ = False``,
        ``lower_bounds_`` empty, and no ``ConvergenceWarning``.
    n_init : int, default 1
        Number of initialisations; the best final log-likelihood is kept.
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}, default "kmeans"
        How to get initial responsibilities when parameters are not all given: hard labels of a
        K-means fit (k-means++ seeding + Lloyd), hard labels of the nearest k-means++ seed, random
        responsibilities (rows of uniform draws, normalised), or (scikit-learn's
        ``"random_from_data"``) ``n_components`` distinct random samples, each the only member of
        its component (initial means at those samples, covariances ``reg_covar * I`` and equal
        weights ``1/K``; scikit-learn's initial weights are ``1/n_samples`` each, which do not sum to
        one, so after ``max_iter=0`` the two differ in ``weights_``). With ``"kmeans"`` and more than 10,000
        samples, K-means and the initial parameters use a random subsample of 10,000 of them; EM then
        runs on all the data (see Notes).
    weights_init : array_like of shape (n_components,), optional
        Initial mixing weights (non-negative, summing to 1).
    means_init : array_like of shape (n_components, n_features), optional
        Initial means.
    precisions_init : array_like, optional
        Initial precisions (inverse covariances): shape (K,) for spherical, (K, d) for diag,
        (d, d) for tied, (K, d, d) for full; positive / symmetric positive definite.
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        Source of randomness for initialisation and :meth:`sample`. An int gives the same result on
        every call; a ``Generator`` or ``RandomState`` is advanced by each call (see
        :func:`emlib._validation.check_random_state`).
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
    weights_, means_, covariances_, precisions_, precisions_cholesky_ : numpy.ndarray
        As in scikit-learn; ``precisions_cholesky_`` is an upper-triangular U with
        ``precisions_ = U U^T`` for full/tied.
    converged_ : bool
    n_iter_ : int
        Number of M-steps run in the kept initialisation.
    lower_bound_ : float
        Mean log-likelihood of the final parameters (see Notes for scikit-learn's meaning).
    lower_bounds_ : numpy.ndarray of shape (n_iter_,)
        scikit-learn's ``lower_bounds_``: the mean log-likelihood before each M-step of the kept
        initialisation, ``log_likelihood_history_[:-1]`` (empty for ``max_iter=0``).
    n_features_in_ : int
        Number of features seen in ``fit``.
    log_likelihood_history_ : numpy.ndarray of shape (n_iter_ + 1,)
        Mean log-likelihood after 0, 1, ..., n_iter_ M-steps (EM never decreases it, up to the
        ``reg_covar`` perturbation).
    objective_history_ : numpy.ndarray
        Equal to ``log_likelihood_history_`` (no prior).

    Notes
    -----
    A component that receives (numerically) no responsibility keeps a tiny weight (scikit-learn's
    ``10 * eps`` floor on the counts), keeps its previous mean (its initial mean is the data mean) and
    gets the covariance ``reg_covar * I``: no NaN appears.

    Differences from scikit-learn's ``GaussianMixture``:

    * ``lower_bound_``: scikit-learn's is the log-likelihood *before* its last M-step (``-inf`` for
      ``max_iter=0``); here it is the log-likelihood of the returned parameters, so it is finite for
      ``max_iter=0`` too, and with ``n_init > 1`` and ``max_iter=0`` the initialisation with the
      highest log-likelihood is kept (scikit-learn keeps the last one). ``lower_bounds_`` has
      scikit-learn's meaning.
    * dtype: input of any real dtype, float32 included, is converted to float64 and every fitted
      attribute and result is float64. scikit-learn keeps float32 (``means_``, ``covariances_``,
      ``predict_proba`` ... come back float32 for float32 input). emlib does not, because the fast
      E-step's quadratic expansion and the sufficient statistics summed over all samples need
      float64 to stay within ``tol`` of the exact EM update; the price is a float64 copy of float32
      data.
    * The default initialisation (``init_params="kmeans"``) runs K-means on a uniform random
      subsample of 10,000 samples (drawn without replacement) when there are more, and estimates the
      initial weights, means and covariances from that subsample's K-means labels; scikit-learn runs
      K-means on all the data. On large data K-means on everything costs more than the EM fit
      itself, while the start only has to lead EM to a good optimum: EM on all the data removes the
      subsample's sampling error in its first iterations. On the benchmark problems of the README
      (1e6 x 2 with K = 5, 1e5 x 8 with K = 8) the final mean log-likelihood, median over seeds, is
      within 1e-3 of scikit-learn's default fit (see the README section "Performance"). Up to 10,000
      samples the initialisation is K-means on all of them, as before.

    Agreement with scikit-learn: from the same initial parameters (``weights_init``,
    ``means_init``, ``precisions_init``), the same ``max_iter`` and ``tol=0``, both libraries run
    the same EM updates, and on well-separated, well-populated components they return the same
    parameters to rounding (``log_likelihood_history_[:-1]`` equals scikit-learn's
    ``lower_bounds_``). Where a component nearly empties (its responsibilities sum to a few units of
    rounding), its mean and covariance are ratios of rounding-level sums: the two libraries'
    different (equally valid) orders of summation then give results that differ by O(1) in that
    component, and later iterations can carry the difference to the others. Neither library is
    systematically the more accurate one there: compared with a high-precision computation of the
    same update, emlib's result is sometimes the closer one.
    """

    _init_choices = ("kmeans", "k-means++", "random", "random_from_data")

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init: Any = None,
        means_init: Any = None,
        precisions_init: Any = None,
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
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init

    @classmethod
    def from_parameters(
        cls,
        weights: Any,
        means: Any,
        covariances: Any,
        *,
        covariance_type: str = "full",
        random_state: RandomStateLike = None,
    ) -> "GaussianMixture":
        """A mixture with the given parameters, ready for predict/score/sample (no fitting).

        Parameters
        ----------
        weights : array_like of shape (n_components,)
            Mixing weights (non-negative, summing to 1).
        means : array_like of shape (n_components, n_features)
        covariances : array_like
            Shape (K, d, d) full, (d, d) tied, (K, d) diag or (K,) spherical; symmetric positive
            definite / positive.
        covariance_type : {"full", "tied", "diag", "spherical"}, default "full"
        random_state : None, int, numpy.random.Generator or numpy.random.RandomState
            Used by :meth:`sample`.

        Returns
        -------
        GaussianMixture
        """
        means = check_array(means, "means", ndim=2)
        K, d = means.shape
        gm = cls(K, covariance_type=covariance_type, random_state=random_state)
        if not isinstance(covariance_type, str) or covariance_type not in _COV_TYPES:
            raise ValueError(f"covariance_type must be one of {_COV_TYPES}, got {covariance_type!r}")
        w = check_array(weights, "weights", shape=(K,))
        gm.weights_ = check_probabilities(w, "weights", atol=1e-10) / w.sum()
        shape = {"full": (K, d, d), "tied": (d, d), "diag": (K, d), "spherical": (K,)}[covariance_type]
        cov = check_array(covariances, "covariances", shape=shape)
        if covariance_type in ("full", "tied"):
            mats = cov[None] if covariance_type == "tied" else cov
            if not all(np.allclose(m, m.T, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(m).max())) for m in mats):
                raise ValueError("covariances must be symmetric")
        try:
            gm.precisions_cholesky_ = _precision_cholesky_from_cov(cov, covariance_type)
        except ValueError:
            raise ValueError("covariances must be positive definite") from None
        gm.means_ = means
        gm.covariances_ = cov
        gm.n_features_in_ = d
        gm._center = gm.weights_ @ means  # centre of the fast E-step (see _refresh_cache)
        gm._refresh_cache()
        return gm

    # ------------------------------------------------------------------ validation
    def _validate_X(self, X: Any, name: str = "X") -> np.ndarray:
        return _check_finite_blockwise(check_array(X, name, ndim=2, finite=False), name)

    def _check_parameters(self, X: np.ndarray) -> None:
        K, d = self.n_components, X.shape[1]
        if not isinstance(self.covariance_type, str):
            raise TypeError(f"covariance_type must be one of {_COV_TYPES}, got {type(self.covariance_type).__name__}")
        if self.covariance_type not in _COV_TYPES:
            raise ValueError(f"covariance_type must be one of {_COV_TYPES}, got {self.covariance_type!r}")
        check_real(self.reg_covar, "reg_covar", low=0.0)
        self._weights_init = None
        self._means_init = None
        self._prec_chol_init = None
        if self.weights_init is not None:
            w = check_array(self.weights_init, "weights_init", shape=(K,))
            self._weights_init = check_probabilities(w, "weights_init", atol=1e-6) / w.sum()
        if self.means_init is not None:
            self._means_init = check_array(self.means_init, "means_init", shape=(K, d))
        if self.precisions_init is not None:
            self._prec_chol_init = self._check_precisions(self.precisions_init, K, d)

    def _check_precisions(self, value: Any, K: int, d: int) -> np.ndarray:
        """Validate precisions_init and return the matching precision Cholesky factors."""
        shape = {"full": (K, d, d), "tied": (d, d), "diag": (K, d), "spherical": (K,)}[self.covariance_type]
        P = check_array(value, "precisions_init", shape=shape)
        if self.covariance_type in ("diag", "spherical"):
            if np.any(P <= 0.0):
                raise ValueError(f"precisions_init must be positive for covariance_type={self.covariance_type!r}")
            return np.sqrt(P)
        mats = P[None] if self.covariance_type == "tied" else P
        out = np.empty_like(mats)
        for k, m in enumerate(mats):
            if not np.allclose(m, m.T, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(m).max())):
                raise ValueError(f"precisions_init must be symmetric; matrix {k} is not")
            try:
                # precision = L L^T with L lower triangular: any factor with P = F F^T serves the E-step.
                out[k] = np.linalg.cholesky(m)
            except LinAlgError:
                raise ValueError(f"precisions_init must be positive definite; matrix {k} is not") from None
        return out[0] if self.covariance_type == "tied" else out

    # ------------------------------------------------------------------ initialisation
    def _initial_resp(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, K = X.shape[0], self.n_components
        if self.init_params == "random":
            resp = rng.uniform(size=(n, K))
            return resp / resp.sum(axis=1, keepdims=True)
        if self.init_params == "random_from_data":  # scikit-learn's: K distinct samples, one per component
            resp = np.zeros((n, K))
            resp[rng.choice(n, size=K, replace=False), np.arange(K)] = 1.0
            return resp
        if self.init_params == "kmeans":
            labels = KMeans(K, n_init=1, random_state=rng).fit(X).labels_
        else:  # "k-means++": nearest seed
            centers, _ = kmeans_plusplus(X, K, random_state=rng)
            diff = X[:, None, :] - centers[None]
            labels = np.argmin(np.einsum("nkd,nkd->nk", diff, diff), axis=1)
        resp = np.zeros((n, K))
        resp[np.arange(n), labels] = 1.0
        return resp

    def _initial_parameters(self, X: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weights, means and covariances estimated from the initial responsibilities.

        With ``init_params="kmeans"`` and more than ``_KMEANS_INIT_MAX_SAMPLES`` samples, k-means and
        these estimates use a subsample of that size drawn without replacement (kept in data order):
        k-means on all the data would cost more than the EM fit itself, and EM on all the data
        corrects the small sampling error of the start within its first iterations.
        """
        n = X.shape[0]
        if self.init_params == "kmeans" and n > _KMEANS_INIT_MAX_SAMPLES:
            X = X[np.sort(rng.choice(n, _KMEANS_INIT_MAX_SAMPLES, replace=False))]
        return self._estimate_from_resp(X, self._initial_resp(X, rng))

    def _estimate_from_resp(self, X: np.ndarray, resp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weights, means and covariances from responsibilities (two passes: means, then scatter)."""
        nk = resp.sum(axis=0) + _NK_FLOOR
        # Taken about the data mean, so a component with no responsibility starts at the data mean.
        xbar = X.mean(axis=0)
        means = xbar + (resp.T @ (X - xbar)) / nk[:, None]
        stats = self._zero_stats(means)
        self._accumulate_stats(stats, X, resp)
        return self._params_from_stats(stats)

    def _set_expansion_centre(self, X: np.ndarray) -> None:
        """Centre of the fast E-step's expansion (the data mean) and the training data's span about it."""
        # One column at a time: numpy reduces a C-ordered (n, d) array along axis 0 10-50x more slowly
        # than it reduces a strided column (X.max(axis=0) alone took 34 ms at n = 1e6, d = 2).
        cols = [X[:, j] for j in range(X.shape[1])]
        self._center = np.array([col.mean() for col in cols])
        # d * max_ij |x_ij - c_j|^2 over the training data (reductions only, no (n, d) temporary): the
        # same bound _fast_features checks per block, so no training block leaves the fast path.
        span = np.array([max(col.max() - c, c - col.min()) for col, c in zip(cols, self._center)])
        self._span2 = float(X.shape[1] * np.max(span) ** 2)

    def _prepare_warm_start(self, X: np.ndarray) -> None:
        # The new data may lie elsewhere: re-centre the expansion on them (as a fresh fit does).
        self._set_expansion_centre(X)
        self._refresh_cache()

    def _initialize(self, X: np.ndarray, rng: np.random.Generator) -> None:
        self._set_expansion_centre(X)
        need_resp = self._weights_init is None or self._means_init is None or self._prec_chol_init is None
        if need_resp:
            w, m, c = self._initial_parameters(X, rng)
        self.weights_ = self._weights_init.copy() if self._weights_init is not None else w
        self.means_ = self._means_init.copy() if self._means_init is not None else m
        if self._prec_chol_init is not None:
            self.precisions_cholesky_ = self._prec_chol_init.copy()
            self.covariances_ = self._cov_from_prec_chol(self.precisions_cholesky_)
        else:
            self.covariances_ = c
            self.precisions_cholesky_ = _precision_cholesky_from_cov(c, self.covariance_type)
        self._refresh_cache()

    def _cov_from_prec_chol(self, pc: np.ndarray) -> np.ndarray:
        if self.covariance_type in ("diag", "spherical"):
            return 1.0 / pc**2
        mats = pc[None] if self.covariance_type == "tied" else pc
        eye = np.eye(mats.shape[-1])
        covs = np.array([np.linalg.solve(F @ F.T, eye) for F in mats])
        covs = 0.5 * (covs + np.swapaxes(covs, -1, -2))
        return covs[0] if self.covariance_type == "tied" else covs

    # ------------------------------------------------------------------ E-step
    def _refresh_cache(self) -> None:
        """Per-iteration constants of the E-step (computed once per M-step, not per block).

        * ``_const[k] = log pi_k - d/2 log(2 pi) + log|U_k|`` (``|Sigma_k|^{-1/2} = |U_k|`` since
          ``Sigma_k^{-1} = U_k U_k^T``);
        * fast path: with ``y = x - c`` and ``phi(y) = (1, y, [y_i y_j]_{i <= j})`` (``[y_j^2]`` for
          diag/spherical), ``log pi_k + log N(x | mu_k, Sigma_k) = W[k] . phi(y)``: the E-step of a
          block is one matrix product ``W @ Phi`` and its statistics one more, ``R @ Phi^T``;
        * centred path (used when the expansion would lose precision, see ``_FAST_KAPPA``):
          ``|U_k^T (x - mu_k)|^2`` from the differences themselves.
        """
        pc, K, ct = self.precisions_cholesky_, self.n_components, self.covariance_type
        d = self.means_.shape[1]
        if ct == "full":
            logdet = np.sum(np.log(np.diagonal(pc, axis1=1, axis2=2)), axis=1)
        elif ct == "tied":
            logdet = np.full(K, np.sum(np.log(np.diag(pc))))
        elif ct == "diag":
            logdet = np.sum(np.log(pc), axis=1)
        else:
            logdet = d * np.log(pc)
        with np.errstate(divide="ignore"):
            log_w = np.log(self.weights_)  # an exactly-zero weight gives -inf: that component is never chosen
        self._const = log_w - 0.5 * d * _LOG_2PI + logdet
        self._zero_weight = np.isneginf(log_w)

        c = getattr(self, "_center", None)
        if c is None:  # parameters set by hand on an unfitted estimator: centre on the mixture mean
            c = self._center = self.weights_ @ self.means_
        # At extreme scales the expansion's constants can overflow: then the centred path is used.
        with np.errstate(over="ignore", invalid="ignore"):
            dm = self.means_ - c
            if ct in ("full", "tied"):
                F = np.broadcast_to(pc, (K, d, d)) if ct == "tied" else pc
                P = F @ np.swapaxes(F, 1, 2)
                tr_p = np.einsum("kij,kij->k", F, F)
                cov = np.broadcast_to(self.covariances_, (K, d, d))
                tr_s = np.trace(cov, axis1=1, axis2=2)
                v = np.einsum("kij,ki->kj", F, dm)  # F^T (mu - c): |v|^2 = (mu - c)^T P (mu - c)
                iu, ju = np.triu_indices(d)
                quad = -0.5 * P[:, iu, ju] * np.where(iu == ju, 1.0, 2.0)
                lin = np.einsum("kij,kj->ki", P, dm)
                # Centred path: rows k*d .. k*d+d-1 of _Ut are [F_k^T, -F_k^T (mu_k - c)], so
                # _Ut @ [x - c; 1] = F_k^T (x - mu_k) (the subtraction of the means rides in the product).
                self._Ut = np.ascontiguousarray(np.column_stack([np.swapaxes(F, 1, 2).reshape(K * d, d), -v.reshape(K * d)]))
                self._factor = F
            else:
                s = pc if ct == "diag" else np.repeat(pc[:, None], d, axis=1)
                p = s**2
                tr_p = p.sum(axis=1)
                tr_s = np.sum(1.0 / p, axis=1)
                v = s * dm
                quad = -0.5 * p
                lin = p * dm
                self._scale = s
            # A zero weight's row gets a finite placeholder (no inf inside BLAS); _block_log_prob sets it to -inf.
            w0 = np.where(self._zero_weight, 0.0, self._const) - 0.5 * np.sum(v**2, axis=1)
            self._W = np.ascontiguousarray(np.column_stack([w0, lin, quad]))
            kappa = tr_p * (np.sum(dm**2, axis=1) + tr_s)
        small = ct in ("diag", "spherical") or d <= _FAST_MAX_DIM_FULL
        self._p_max = float(np.max(tr_p))
        span2 = getattr(self, "_span2", 0.0)
        self._fast = bool(
            small
            and np.all(np.isfinite(kappa))
            and kappa.max() <= _FAST_KAPPA
            and np.all(np.isfinite(self._W))
            and not self._overflows(span2)
        )

    def _overflows(self, y2: float) -> bool:
        """Whether features with |x - c|^2 <= y2 (products y_i y_j, and their terms in W @ Phi) could overflow."""
        return not (y2 * max(1.0, self._p_max) < 1e300)

    def _block_rows(self, n_features: int) -> int:
        d, K = n_features, self.n_components
        if getattr(self, "_fast", True):
            per_row = 2 * K + 1 + d + (d * (d + 1) // 2 if self.covariance_type in ("full", "tied") else d)
            return int(min(_BLOCK_ROWS, max(256, _BLOCK_ENTRIES // per_row)))
        return int(min(_BLOCK_ROWS, max(256, _BLOCK_ENTRIES_CENTRED // (2 * K + 3 * K * d))))

    def _block_features(self, X: np.ndarray) -> tuple[str, np.ndarray]:
        if self._fast:
            F = self._fast_features(X)
            if F is not None:
                return F
        return self._centred_features(X)

    def _centred_features(self, X: np.ndarray) -> tuple[str, np.ndarray]:
        n, d = X.shape
        if self.covariance_type in ("full", "tied"):
            xc = np.empty((n, d + 1))  # row-major like X: no transposing copy (BLAS takes xc.T as is)
            np.subtract(X, self._center, out=xc[:, :d])
            xc[:, d] = 1.0
            # (K*d, n) whitened residuals F_k^T (x - mu_k): one matrix product for all components
            return "white", self._Ut @ xc.T
        # (K, d, n) differences x - mu_k, formed directly (no cancellation)
        return "diff", X.T[None, :, :] - self.means_[:, :, None]

    def _fast_features(self, X: np.ndarray) -> tuple[str, np.ndarray] | None:
        """The (m, n) feature matrix Phi of the expansion, or None if its products could overflow."""
        n, d = X.shape
        full = self.covariance_type in ("full", "tied")
        m = 1 + d + (d * (d + 1) // 2 if full else d)
        phi = np.empty((m, n))
        phi[0] = 1.0
        y = phi[1 : 1 + d]
        np.subtract(X.T, self._center[:, None], out=y)
        span = max(float(np.max(y)), -float(np.min(y))) if n else 0.0
        if n and (span > 1e150 or self._overflows(d * span * span)):  # span**2 itself may overflow
            return None  # data far beyond the training range (score/predict on new data): centred path
        if full:
            row = 1 + d
            for i in range(d):  # y_i * y_j for j >= i, in np.triu_indices order
                np.multiply(y[i], y[i:], out=phi[row : row + d - i])
                row += d - i
        else:
            np.square(y, out=phi[1 + d :])
        return "phi", phi

    def _block_log_prob(self, F: tuple[str, np.ndarray]) -> np.ndarray:
        kind, A = F
        if kind == "phi":
            a = self._W @ A
            if self._zero_weight.any():
                a[self._zero_weight] = -np.inf
            return a
        K = self.n_components
        y = A.reshape(K, -1, A.shape[-1]) if kind == "white" else A * self._scale[:, :, None]
        maha = np.einsum("kdn,kdn->kn", y, y)  # squared Mahalanobis distances (K, n)
        maha *= -0.5
        maha += self._const[:, None]
        return maha

    # ------------------------------------------------------------------ M-step
    def _new_stats(self, n_features: int) -> dict[str, np.ndarray]:
        K, d = self.means_.shape
        if not self._fast:
            stats = self._zero_stats(self.means_)
            if self.covariance_type in ("full", "tied"):
                stats["white"] = np.ones(1)  # s1, s2 are in whitened coordinates until _unpack_stats
            return stats
        stats = self._zero_stats(np.broadcast_to(self._center, (K, d)))
        stats["G"] = np.zeros_like(self._W)  # R @ Phi^T, unpacked into s0, s1, s2 by _unpack_stats
        return stats

    def _accumulate_block_stats(self, stats: dict[str, np.ndarray], F: tuple[str, np.ndarray], resp_t: np.ndarray) -> None:
        kind, A = F
        if kind == "phi":
            stats["G"] += resp_t @ A.T
            return
        stats["s0"] += resp_t.sum(axis=1)
        if kind == "white":
            # sum_i r_ik y_ik y_ik^T = Z_k Z_k^T with Z_k = y_k * sqrt(r_k): a symmetric rank-n update
            K = resp_t.shape[0]
            sr = np.sqrt(resp_t)
            Z = A.reshape(K, -1, A.shape[-1]) * sr[:, None, :]
            stats["s1"] += np.matmul(Z, sr[:, :, None])[:, :, 0]
            stats["s2"] += np.matmul(Z, np.swapaxes(Z, 1, 2))
            return
        R = A * resp_t[:, None, :]
        stats["s1"] += R.sum(axis=2)
        R *= A
        stats["s2"] += R.sum(axis=2)

    def _unpack_stats(self, stats: dict[str, np.ndarray]) -> None:
        """Bring block statistics to the form _params_from_stats expects (moments about ``shift``)."""
        if stats.pop("white", None) is not None:
            # y = F^T (x - mu)  =>  x - mu = L y with L = F^-T (a triangular solve, no inverse)
            F = self._factor
            L = np.linalg.solve(np.swapaxes(F, 1, 2), np.broadcast_to(np.eye(F.shape[-1]), F.shape))
            stats["s1"] = np.einsum("kij,kj->ki", L, stats["s1"])
            stats["s2"] = L @ stats["s2"] @ np.swapaxes(L, 1, 2)
            return
        G = stats.pop("G", None)
        if G is None:
            return
        K, d = stats["s1"].shape
        s0, s1 = G[:, 0].copy(), G[:, 1 : 1 + d].copy()
        if self.covariance_type in ("full", "tied"):
            iu, ju = np.triu_indices(d)
            s2 = np.empty((K, d, d))
            s2[:, iu, ju] = G[:, 1 + d :]
            s2[:, ju, iu] = G[:, 1 + d :]
        else:
            s2 = G[:, 1 + d :].copy()
        # Re-express the moments about the current means (as the centred path has them), so that a
        # component with no responsibility keeps its mean, as documented.
        dm = self.means_ - stats["shift"]
        s1 = s1 - s0[:, None] * dm
        if s2.ndim == 3:
            t = dm[:, :, None] * (s1 + 0.5 * s0[:, None] * dm)[:, None, :]
            s2 = s2 - t - np.swapaxes(t, 1, 2)  # = s2 - s1' dm^T - dm s1'^T - s0 dm dm^T
        else:
            s2 = s2 - 2.0 * dm * s1 - s0[:, None] * dm**2
        stats.update(shift=self.means_.copy(), s0=s0, s1=s1, s2=s2)

    def _zero_stats(self, shift: np.ndarray) -> dict[str, np.ndarray]:
        K, d = shift.shape
        full = self.covariance_type in ("full", "tied")
        return {
            # Statistics are taken about a shift c: sum r (x - c) and sum r (x - c)(x - c)^T; the
            # scatter about the new means is formed from them in _params_from_stats. The centred path
            # and the initialisation use c = the current means (close to the new ones: no precision
            # lost); the fast path uses the fixed centre of the expansion (see _FAST_KAPPA).
            "shift": np.array(shift, dtype=float),
            "s0": np.zeros(K),
            "s1": np.zeros((K, d)),
            "s2": np.zeros((K, d, d)) if full else np.zeros((K, d)),
        }

    def _accumulate_stats(self, stats: dict[str, np.ndarray], X: np.ndarray, resp: np.ndarray) -> None:
        c = stats["shift"]
        stats["s0"] += resp.sum(axis=0)
        if self.covariance_type in ("full", "tied"):
            for k in range(resp.shape[1]):
                diff = X - c[k]
                rd = diff * resp[:, k : k + 1]
                stats["s1"][k] += rd.sum(axis=0)
                stats["s2"][k] += rd.T @ diff
        else:
            diff = X[:, None, :] - c[None]
            rd = diff * resp[:, :, None]
            stats["s1"] += rd.sum(axis=0)
            stats["s2"] += np.einsum("nkd,nkd->kd", rd, diff)

    def _params_from_stats(self, stats: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._unpack_stats(stats)
        c, s0, s1, s2 = stats["shift"], stats["s0"], stats["s1"], stats["s2"]
        nk = s0 + _NK_FLOOR
        delta = s1 / nk[:, None]
        means = c + delta
        weights = nk / nk.sum()
        reg = self.reg_covar
        if self.covariance_type in ("full", "tied"):
            # sum r (x - mu)(x - mu)^T with mu = c + delta, expanded about c.
            outer = delta[:, :, None] * s1[:, None, :]
            scatter = s2 - outer - np.swapaxes(outer, 1, 2) + s0[:, None, None] * delta[:, :, None] * delta[:, None, :]
            scatter = 0.5 * (scatter + np.swapaxes(scatter, 1, 2))
            d = means.shape[1]
            if self.covariance_type == "full":
                cov = scatter / nk[:, None, None]
                cov[:, np.arange(d), np.arange(d)] += reg
            else:
                cov = scatter.sum(axis=0) / nk.sum()
                cov[np.arange(d), np.arange(d)] += reg
        else:
            scatter = s2 - 2.0 * delta * s1 + s0[:, None] * delta**2
            cov = np.maximum(scatter, 0.0) / nk[:, None] + reg
            if self.covariance_type == "spherical":
                cov = cov.mean(axis=1)
        return weights, means, cov

    def _m_step(self, stats: dict[str, np.ndarray], n_samples: int) -> None:
        self.weights_, self.means_, self.covariances_ = self._params_from_stats(stats)
        self.precisions_cholesky_ = _precision_cholesky_from_cov(self.covariances_, self.covariance_type)
        self._refresh_cache()

    # ------------------------------------------------------------------ parameters
    @property
    def precisions_(self) -> np.ndarray:
        """Precision matrices (inverse covariances), same layout as ``covariances_``."""
        pc = self.precisions_cholesky_
        if self.covariance_type == "full":
            return np.einsum("kij,klj->kil", pc, pc)
        if self.covariance_type == "tied":
            return pc @ pc.T
        return pc**2

    def _get_parameters(self) -> tuple:
        return (self.weights_.copy(), self.means_.copy(), self.covariances_.copy(), self.precisions_cholesky_.copy())

    def _set_parameters(self, params: tuple) -> None:
        self.weights_, self.means_, self.covariances_, self.precisions_cholesky_ = params
        self._refresh_cache()

    def _n_parameters(self) -> int:
        K, d = self.means_.shape
        cov = {"full": K * d * (d + 1) / 2, "diag": K * d, "tied": d * (d + 1) / 2, "spherical": K}
        return int(cov[self.covariance_type] + K * d + K - 1)

    def sample(self, n_samples: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Draw samples from the fitted mixture (ancestral sampling).

        Uses ``random_state`` (an int seed gives the same samples on every call).

        Parameters
        ----------
        n_samples : int, default 1

        Returns
        -------
        X : numpy.ndarray of shape (n_samples, n_features)
        labels : numpy.ndarray of shape (n_samples,)
            Component of each sample (samples are grouped by component).
        """
        n_samples = self._check_n_samples(n_samples)
        rng = check_random_state(self.random_state)
        K, d = self.means_.shape
        counts = rng.multinomial(n_samples, self.weights_ / self.weights_.sum())
        X = np.empty((n_samples, d))
        labels = np.repeat(np.arange(K), counts)
        start = 0
        for k, m in enumerate(counts):
            z = rng.standard_normal((m, d))
            ct = self.covariance_type
            if ct in ("full", "tied"):
                cov = self.covariances_ if ct == "tied" else self.covariances_[k]
                X[start : start + m] = self.means_[k] + z @ np.linalg.cholesky(cov).T
            else:
                sd = np.sqrt(self.covariances_[k])
                X[start : start + m] = self.means_[k] + z * sd
            start += m
        return X, labels


def estimate_gaussian_parameters(
    X: Any, resp: Any, *, covariance_type: str = "full", reg_covar: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The EM M-step: weights, means and covariances from responsibilities.

    ``N_k = sum_i r_ik``, ``pi_k = N_k / N``, ``mu_k = sum_i r_ik x_i / N_k`` and
    ``Sigma_k = sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T / N_k + reg_covar I`` (``tied``: the scatter summed
    over components and divided by N; ``diag``: its diagonal; ``spherical``: the mean of the diagonal).
    This is the code path :class:`GaussianMixture` uses.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    resp : array_like of shape (n_samples, n_components)
        Responsibilities: non-negative rows summing to one.
    covariance_type : {"full", "tied", "diag", "spherical"}, default "full"
    reg_covar : float, default 0.0
        Non-negative value added to the covariance diagonals (0 gives the exact maximiser of Q).

    Returns
    -------
    weights, means, covariances : numpy.ndarray
    """
    X = check_array(X, "X", ndim=2)
    resp = check_probabilities(check_array(resp, "resp", ndim=2), "resp", axis=1)
    if resp.shape[0] != X.shape[0]:
        raise ValueError(f"resp must have one row per sample of X ({X.shape[0]}), got {resp.shape[0]}")
    if not isinstance(covariance_type, str) or covariance_type not in _COV_TYPES:
        raise ValueError(f"covariance_type must be one of {_COV_TYPES}, got {covariance_type!r}")
    reg = check_real(reg_covar, "reg_covar", low=0.0)
    gm = GaussianMixture(resp.shape[1], covariance_type=covariance_type, reg_covar=reg)
    return gm._estimate_from_resp(X, resp)
