"""Discrete latent-variable models: evidence, posterior, ELBO and the evidence decomposition.

Everything is expressed through the log joint ``log p(x_n, z = k)`` as an (N, K) array (one row
per data point, one column per latent state; a single data point may be passed as a (K,) vector).
For any distribution ``q`` over the latent states

    log p(x_n) = ELBO(q_n) + KL(q_n || p(z | x_n)),
    ELBO(q_n)  = sum_k q_nk log(p(x_n, k) / q_nk)
               = sum_k q_nk log p(x_n, k) + H(q_n)       (expected complete-data term + entropy).

The module also holds the one-parameter toy mixture used to draw EM step by step.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import (
    check_array,
    check_int,
    check_is_fitted,
    check_probabilities,
    check_random_state,
    check_real,
)
from .exceptions import convergence_warning

__all__ = [
    "log_evidence",
    "posterior",
    "elbo",
    "kl_to_posterior",
    "expected_log_joint",
    "entropy",
    "EvidenceDecomposition",
    "evidence_decomposition",
    "SymmetricMixture1D",
]


def _check_log_joint(log_joint: Any) -> tuple[np.ndarray, bool]:
    """Return ``log_joint`` as 2-D float array and whether the input was a single (K,) row."""
    arr = check_array(log_joint, "log_joint", ndim=(1, 2), finite=False)
    single = arr.ndim == 1
    arr = arr.reshape(1, -1) if single else arr
    if arr.shape[1] == 0:
        raise ValueError(f"log_joint must have at least one latent state (column), got shape {arr.shape}")
    # -inf is a legitimate log probability (a latent state the model rules out); NaN and +inf are not.
    if np.any(np.isnan(arr)) or np.any(arr == np.inf):
        raise ValueError("log_joint must not contain NaN or +inf (-inf is allowed: a zero-probability state)")
    if np.any(np.all(arr == -np.inf, axis=1)):
        raise ValueError("log_joint has a row where every entry is -inf: that data point has zero evidence")
    return arr, single


def _check_q(q: Any, shape: tuple[int, int], single: bool) -> np.ndarray:
    q_arr = check_probabilities(q, "q")
    expected = shape[1:] if single else shape
    if q_arr.shape != expected:
        raise ValueError(f"q must have the same shape as log_joint {expected}, got {q_arr.shape}")
    return q_arr.reshape(shape)


def _out(values: np.ndarray, single: bool) -> float | np.ndarray:
    return float(values[0]) if single else values


def _log_evidence(arr: np.ndarray) -> np.ndarray:
    # log-sum-exp with the row maximum factored out: no overflow, no underflow to log(0).
    top = arr.max(axis=1, keepdims=True)
    return (top + np.log(np.exp(arr - top).sum(axis=1, keepdims=True)))[:, 0]


def _xlogy(x: np.ndarray, log_y: np.ndarray) -> np.ndarray:
    """``x * log_y`` with the convention ``0 * log 0 = 0`` (terms with x = 0 vanish)."""
    return np.where(x > 0, x * np.where(x > 0, log_y, 0.0), 0.0)


def log_evidence(log_joint: Any) -> float | np.ndarray:
    """``log p(x_n) = log sum_k p(x_n, k)``, computed with log-sum-exp.

    Parameters
    ----------
    log_joint : array_like of shape (N, K) or (K,)
        ``log p(x_n, z = k)``; ``-inf`` entries are allowed, NaN and ``+inf`` are not.

    Returns
    -------
    numpy.ndarray of shape (N,), or float for a single (K,) row
    """
    arr, single = _check_log_joint(log_joint)
    return _out(_log_evidence(arr), single)


def posterior(log_joint: Any) -> np.ndarray:
    """Posterior ``p(z = k | x_n) = p(x_n, k) / sum_j p(x_n, j)``; rows sum to 1.

    Parameters
    ----------
    log_joint : array_like of shape (N, K) or (K,)

    Returns
    -------
    numpy.ndarray of the same shape as ``log_joint``
    """
    arr, single = _check_log_joint(log_joint)
    # Normalise exp(a - max) by its row sum rather than subtracting log_evidence: for log-joints of
    # large magnitude (|a| >> 1e16) ``top + log(sum)`` rounds back to ``top`` and rows would sum to > 1.
    e = np.exp(arr - arr.max(axis=1, keepdims=True))
    post = e / e.sum(axis=1, keepdims=True)
    return post[0] if single else post


def expected_log_joint(log_joint: Any, q: Any) -> float | np.ndarray:
    """``sum_k q_nk log p(x_n, k)``: the expected complete-data log-likelihood per data point.

    With ``q`` the posterior at ``theta_old`` and the sum taken over n, this is
    ``Q(theta, theta_old)``. Terms with ``q_nk = 0`` contribute 0.

    Parameters
    ----------
    log_joint : array_like of shape (N, K) or (K,)
    q : array_like of the same shape
        A distribution over the K states for every data point.

    Returns
    -------
    numpy.ndarray of shape (N,), or float for a single row
    """
    arr, single = _check_log_joint(log_joint)
    q_arr = _check_q(q, arr.shape, single)
    with np.errstate(invalid="ignore"):
        return _out(_xlogy(q_arr, arr).sum(axis=1), single)


def entropy(q: Any) -> float | np.ndarray:
    """Shannon entropy ``-sum_k q_k log q_k`` (nats) of each row of ``q``.

    Parameters
    ----------
    q : array_like of shape (N, K) or (K,)
        Probability vectors.

    Returns
    -------
    numpy.ndarray of shape (N,), or float for a single vector
    """
    q_arr = check_probabilities(q, "q")
    with np.errstate(divide="ignore"):
        h = -_xlogy(q_arr, np.log(q_arr)).sum(axis=-1)
    return float(h) if h.ndim == 0 else h


def elbo(log_joint: Any, q: Any) -> float | np.ndarray:
    """Evidence lower bound ``ELBO(q_n) = sum_k q_nk log(p(x_n, k) / q_nk)`` per data point.

    Parameters
    ----------
    log_joint : array_like of shape (N, K) or (K,)
    q : array_like of the same shape
        Any distribution over the latent states for each data point. States with ``q = 0``
        contribute 0; ``q > 0`` on a state with ``log_joint = -inf`` gives ``-inf``.

    Returns
    -------
    numpy.ndarray of shape (N,), or float for a single row. Sum over rows for a data set.
    """
    arr, single = _check_log_joint(log_joint)
    q_arr = _check_q(q, arr.shape, single)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = _xlogy(q_arr, arr - np.log(q_arr)).sum(axis=1)
    return _out(values, single)


def kl_to_posterior(log_joint: Any, q: Any) -> float | np.ndarray:
    """``KL(q_n || p(z | x_n))`` per data point (the gap between evidence and ELBO).

    Parameters
    ----------
    log_joint : array_like of shape (N, K) or (K,)
    q : array_like of the same shape

    Returns
    -------
    numpy.ndarray of shape (N,), or float for a single row. ``inf`` where ``q`` puts mass on a
    state the posterior rules out.
    """
    arr, single = _check_log_joint(log_joint)
    q_arr = _check_q(q, arr.shape, single)
    log_post = arr - _log_evidence(arr)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        values = _xlogy(q_arr, np.log(q_arr) - log_post).sum(axis=1)
    # Gibbs: the exact value is >= 0; clip rounding noise of order 1e-16.
    return _out(np.maximum(values, 0.0), single)


@dataclass(frozen=True)
class EvidenceDecomposition:
    """``log_evidence = elbo + kl`` for each data point (arrays of shape (N,), or floats)."""

    log_evidence: float | np.ndarray
    elbo: float | np.ndarray
    kl: float | np.ndarray


def evidence_decomposition(log_joint: Any, q: Any) -> EvidenceDecomposition:
    """Return ``log p(x_n)``, ``ELBO(q_n)`` and ``KL(q_n || p(z|x_n))`` together.

    The three are computed independently (log-sum-exp; the ELBO sum; the KL sum), so
    ``log_evidence - (elbo + kl)`` is a genuine check of the identity, zero up to rounding.

    Parameters
    ----------
    log_joint : array_like of shape (N, K) or (K,)
    q : array_like of the same shape

    Returns
    -------
    EvidenceDecomposition
    """
    return EvidenceDecomposition(log_evidence(log_joint), elbo(log_joint, q), kl_to_posterior(log_joint, q))


class SymmetricMixture1D:
    """Two 1-D Gaussians with means ``+theta`` and ``-theta``: a mixture with one free parameter.

    ``p(x | theta) = w N(x; theta, s^2) + (1 - w) N(x; -theta, s^2)`` with the weight ``w`` and
    the scale ``s`` fixed. Only ``theta`` is learned, so the log-likelihood, the ELBO and every
    EM step can be drawn as curves over one axis. The M-step has the closed form
    ``theta = (1/N) sum_n (q_n1 - q_n2) x_n`` (setting ``d/dtheta Q = 0``).

    Parameters
    ----------
    weight : float, default 0.5
        Weight ``w`` of the component centred at ``+theta``, in (0, 1).
    scale : float, default 1.0
        Common standard deviation ``s`` > 0.
    theta_init : float, default 1.0
        Starting value of ``theta`` for :meth:`fit`.
    tol : float, default 1e-8
        Stop when the mean log-likelihood increases by less than ``tol`` in one iteration.
    max_iter : int, default 500
        Maximum number of EM iterations; reaching it emits a ``ConvergenceWarning``.

    Attributes
    ----------
    theta_ : float
        Fitted parameter.
    theta_path_ : numpy.ndarray of shape (n_iter_ + 1,)
        ``theta`` before the first and after every EM iteration.
    log_likelihood_trace_ : numpy.ndarray of shape (n_iter_ + 1,)
        Mean log-likelihood at each entry of ``theta_path_``.
    n_iter_ : int
        Number of EM iterations performed.
    converged_ : bool
        Whether the ``tol`` rule stopped the iterations.
    """

    def __init__(
        self, weight: float = 0.5, scale: float = 1.0, theta_init: float = 1.0, tol: float = 1e-8, max_iter: int = 500
    ) -> None:
        self.weight = weight
        self.scale = scale
        self.theta_init = theta_init
        self.tol = tol
        self.max_iter = max_iter

    # --- validation -------------------------------------------------------------------------
    def _check_params(self) -> None:
        check_real(self.weight, "weight", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
        check_real(self.scale, "scale", low=0.0, low_inclusive=False)
        check_real(self.theta_init, "theta_init")
        check_real(self.tol, "tol", low=0.0)
        check_int(self.max_iter, "max_iter", minimum=1)

    @staticmethod
    def _check_x(X: Any) -> np.ndarray:
        arr = check_array(X, "X", ndim=(1, 2))
        if arr.ndim == 2:
            if arr.shape[1] != 1:
                raise ValueError(f"X must be 1-D or have one column, got shape {arr.shape}")
            arr = arr[:, 0]
        return arr

    # --- the model at an explicit theta ---------------------------------------------------------
    def log_joint(self, X: Any, theta: float) -> np.ndarray:
        """``log p(x_n, z = k | theta)`` as an (N, 2) array (k = 0: mean +theta, k = 1: mean -theta).

        Raises ``ValueError`` when ``|x - theta| / scale`` is so large (beyond ~1e154) that the
        log-density is below the float range, instead of returning ``-inf``.
        """
        self._check_params()
        x = self._check_x(X)
        theta = check_real(theta, "theta")
        s = float(self.scale)
        means = np.array([theta, -theta])
        log_w = np.log([self.weight, 1.0 - self.weight])
        # log(s) rather than log(s * s): s * s under- or overflows for scales beyond 1e+-154.
        with np.errstate(over="ignore"):
            out = log_w - 0.5 * np.log(2.0 * np.pi) - np.log(s) - 0.5 * ((x[:, None] - means) / s) ** 2
        if not np.all(np.isfinite(out)):
            raise ValueError(
                "X, theta and scale give a log-density below the float range (|x -+ theta| / scale > ~1e154); "
                "rescale X and theta"
            )
        return out

    def log_likelihood(self, X: Any, theta: float) -> float:
        """Mean log-likelihood ``(1/N) sum_n log p(x_n | theta)``."""
        return float(np.mean(log_evidence(self.log_joint(X, theta))))

    def e_step(self, X: Any, theta: float) -> np.ndarray:
        """Posterior ``q_nk = p(z = k | x_n, theta)`` as an (N, 2) array."""
        return posterior(self.log_joint(X, theta))

    def m_step(self, X: Any, q: Any) -> float:
        """Closed-form maximiser over theta of ``sum_n sum_k q_nk log p(x_n, k | theta)``."""
        x = self._check_x(X)
        q_arr = check_probabilities(q, "q")
        if q_arr.shape != (x.shape[0], 2):
            raise ValueError(f"q must have shape ({x.shape[0]}, 2), got {q_arr.shape}")
        # Both components have the same scale, so the weighted normal equations collapse to a mean.
        return float(np.mean((q_arr[:, 0] - q_arr[:, 1]) * x))

    def sample(self, n_samples: int, theta: float, random_state: None | int | np.random.Generator = None) -> np.ndarray:
        """Ancestral sampling: ``z ~ Bernoulli(w)``, then ``x | z ~ N(+-theta, s^2)``."""
        self._check_params()
        n = check_int(n_samples, "n_samples", minimum=1)
        theta = check_real(theta, "theta")
        rng = check_random_state(random_state)
        sign = np.where(rng.random(n) < self.weight, 1.0, -1.0)
        return sign * theta + self.scale * rng.standard_normal(n)

    # --- estimator interface -----------------------------------------------------------------
    def fit(self, X: Any, y: None = None) -> "SymmetricMixture1D":
        """Run EM from ``theta_init`` until the mean log-likelihood gain is below ``tol``."""
        self._check_params()
        x = self._check_x(X)
        theta = float(self.theta_init)
        path = [theta]
        trace = [self.log_likelihood(x, theta)]
        converged = False
        for _ in range(self.max_iter):
            theta = self.m_step(x, self.e_step(x, theta))
            path.append(theta)
            trace.append(self.log_likelihood(x, theta))
            if trace[-1] - trace[-2] < self.tol:
                converged = True
                break
        if not converged:
            warnings.warn(
                f"EM stopped at max_iter={self.max_iter} before the log-likelihood gain fell below tol={self.tol}",
                convergence_warning(),
                stacklevel=2,
            )
        self.theta_ = theta
        self.theta_path_ = np.array(path)
        self.log_likelihood_trace_ = np.array(trace)
        self.n_iter_ = len(path) - 1
        self.converged_ = converged
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Posterior responsibilities at the fitted ``theta_``."""
        check_is_fitted(self, "theta_")
        return self.e_step(X, self.theta_)

    def predict(self, X: Any) -> np.ndarray:
        """Most probable component (0: mean +theta_, 1: mean -theta_)."""
        return np.argmax(self.predict_proba(X), axis=1)

    def score(self, X: Any, y: None = None) -> float:
        """Mean log-likelihood at the fitted ``theta_``."""
        check_is_fitted(self, "theta_")
        return self.log_likelihood(X, self.theta_)
