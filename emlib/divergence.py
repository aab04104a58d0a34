"""Kullback-Leibler divergences: discrete distributions and Gaussians in closed form.

``KL(p || q) = sum_x p(x) log(p(x) / q(x))`` (discrete) or ``int p log(p / q) dx`` (continuous).
The Gaussian forms are the closed-form integrals; the multivariate one works through Cholesky
factors and triangular solves, never an explicit inverse.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import check_array, check_probabilities, check_real

__all__ = ["kl_divergence", "kl_normal", "kl_mvnormal"]


def kl_divergence(p: Any, q: Any, *, atol: float = 1e-8) -> float | np.ndarray:
    """Discrete Kullback-Leibler divergence ``KL(p || q)`` in nats.

    Parameters
    ----------
    p, q : array_like of shape (K,) or (N, K)
        Probability vectors (one per row for 2-D input): non-negative entries that sum to 1
        along the last axis (within ``atol``). Both must have the same shape.
    atol : float, default 1e-8
        Tolerance on the row sums.

    Returns
    -------
    float or numpy.ndarray of shape (N,)
        The divergence (one per row for 2-D input). Terms with ``p = 0`` contribute 0
        (the limit of ``t log t``); if ``q = 0`` where ``p > 0`` the divergence is ``inf``.

    Raises
    ------
    ValueError
        If an argument is not a probability vector (negative entry, wrong sum, NaN), or if the
        shapes of ``p`` and ``q`` differ.

    Notes
    -----
    By Gibbs' inequality the exact value is >= 0 with equality iff ``p == q``; a negative total
    can only come from rounding (order 1e-16), so the result is clipped at 0.
    """
    atol = check_real(atol, "atol", low=0.0)
    p_arr = check_probabilities(p, "p", atol=atol)
    q_arr = check_probabilities(q, "q", atol=atol)
    if p_arr.shape != q_arr.shape:
        raise ValueError(f"p and q must have the same shape, got p {p_arr.shape} and q {q_arr.shape}")
    support = p_arr > 0
    # Evaluate the log only where p > 0; q = 0 there gives log(0) = -inf and an infinite term,
    # which is the documented result, so the divide warning is silenced deliberately.
    with np.errstate(divide="ignore"):
        log_ratio = np.log(np.where(support, p_arr, 1.0)) - np.log(np.where(support, q_arr, 1.0))
    terms = np.where(support, p_arr * log_ratio, 0.0)
    total = np.maximum(terms.sum(axis=-1), 0.0)
    return float(total) if total.ndim == 0 else total


def _real_array(value: Any, name: str) -> np.ndarray:
    # check_array returns at least 1-D (np.ascontiguousarray promotes scalars); restore the shape
    # so that scalar arguments give a scalar result.
    return check_array(value, name, ndim=(0, 1, 2), min_rows=0).reshape(np.shape(value))


def _positive_array(value: Any, name: str) -> np.ndarray:
    arr = _real_array(value, name)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be strictly positive (a standard deviation), found {arr.min():.3g}")
    return arr


def kl_normal(mean_p: Any, std_p: Any, mean_q: Any, std_q: Any) -> float | np.ndarray:
    """``KL(N(mean_p, std_p^2) || N(mean_q, std_q^2))`` for univariate Gaussians, in closed form.

    ``log(std_q / std_p) + (std_p^2 + (mean_p - mean_q)^2) / (2 std_q^2) - 1/2``.

    Parameters
    ----------
    mean_p, std_p, mean_q, std_q : float or array_like
        Means and (strictly positive) standard deviations; arrays broadcast against each other.

    Returns
    -------
    float or numpy.ndarray
        The divergence, broadcast over the inputs (empty inputs give an empty array).

    Raises
    ------
    ValueError
        On a non-positive standard deviation, shapes that do not broadcast, or a divergence beyond
        the float range (std ratios or mean gaps of order 1e154 and more).
    """
    m_p = _real_array(mean_p, "mean_p")
    m_q = _real_array(mean_q, "mean_q")
    s_p = _positive_array(std_p, "std_p")
    s_q = _positive_array(std_q, "std_q")
    try:
        m_p, s_p, m_q, s_q = np.broadcast_arrays(m_p, s_p, m_q, s_q)
    except ValueError:
        raise ValueError(
            "mean_p, std_p, mean_q and std_q must broadcast together, got shapes "
            f"{np.shape(m_p)}, {np.shape(s_p)}, {np.shape(m_q)}, {np.shape(s_q)}"
        ) from None
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ratio = s_p / s_q
        # Written with the ratio so that identical arguments give exactly 0.
        out = -np.log(ratio) + 0.5 * (ratio**2 + ((m_p - m_q) / s_q) ** 2) - 0.5
    _check_no_overflow(out, "mean_p, std_p, mean_q and std_q")
    return float(out) if out.ndim == 0 else out


def _check_no_overflow(value: np.ndarray | float, names: str) -> None:
    # Finite, valid inputs can still give a divergence beyond the float range (e.g. std ratios of
    # 1e300); say so instead of returning inf with a RuntimeWarning.
    if not np.all(np.isfinite(value)):
        raise ValueError(f"the divergence overflows the float range for these {names}; rescale them")


def _cholesky(cov: np.ndarray, name: str) -> np.ndarray:
    if not np.allclose(cov, cov.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(cov).max()))):
        raise ValueError(f"{name} must be symmetric")
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError(f"{name} must be positive definite (its Cholesky factorisation failed)") from None


def kl_mvnormal(mean_p: Any, cov_p: Any, mean_q: Any, cov_q: Any) -> float:
    """``KL(N(mean_p, cov_p) || N(mean_q, cov_q))`` for d-dimensional Gaussians, in closed form.

    ``(tr(cov_q^-1 cov_p) + (mean_q - mean_p)^T cov_q^-1 (mean_q - mean_p) - d
    + log det cov_q - log det cov_p) / 2``, evaluated with Cholesky factors
    ``cov = L L^T``: ``tr(cov_q^-1 cov_p) = ||L_q^-1 L_p||_F^2``, the quadratic form is
    ``||L_q^-1 (mean_q - mean_p)||^2`` and ``log det cov = 2 sum log diag L``.

    Parameters
    ----------
    mean_p, mean_q : array_like of shape (d,)
    cov_p, cov_q : array_like of shape (d, d)
        Symmetric positive-definite covariance matrices.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On shape mismatches, covariances that are not symmetric positive definite, or a divergence
        beyond the float range.
    """
    m_p = check_array(mean_p, "mean_p", ndim=1)
    d = m_p.shape[0]
    m_q = check_array(mean_q, "mean_q", shape=(d,))
    c_p = check_array(cov_p, "cov_p", shape=(d, d))
    c_q = check_array(cov_q, "cov_q", shape=(d, d))
    l_p = _cholesky(c_p, "cov_p")
    l_q = _cholesky(c_q, "cov_q")
    # Triangular systems solved with a general solver: numpy has no triangular solve and
    # scipy is not a runtime dependency; d is small in every use here.
    with np.errstate(over="ignore", invalid="ignore"):
        a = np.linalg.solve(l_q, l_p)
        b = np.linalg.solve(l_q, m_q - m_p)
        log_det_ratio = 2.0 * (np.sum(np.log(np.diag(l_q))) - np.sum(np.log(np.diag(l_p))))
        value = 0.5 * (np.sum(a * a) + b @ b - d + log_det_ratio)
    _check_no_overflow(value, "means and covariances")
    return max(float(value), 0.0)
