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


def _xm_log1p_series(e: np.ndarray) -> np.ndarray:
    """``e - log1p(e)`` for ``|e| < 0.5`` without cancellation.

    With ``u = e / (2 + e)``, ``log1p(e) = 2 atanh(u) = 2 (u + u^3/3 + u^5/5 + ...)`` and
    ``e - 2u = e u`` exactly, so ``e - log1p(e) = e u - 2 u^3 (1/3 + u^2/5 + u^4/7 + ...)``. The two
    terms are about ``e^2/2`` and ``e^3/12`` (no cancellation), and ``u^2 <= 1/9`` makes 20 terms of
    the series exact to rounding.
    """
    u = e / (2.0 + e)
    u2 = u * u
    poly = np.full_like(u, 1.0 / 41.0)
    for k in range(19, 0, -1):  # Horner: sum_{k=1..20} u^(2(k-1)) / (2k + 1)
        poly = poly * u2 + 1.0 / (2 * k + 1)
    return e * u - 2.0 * u * u2 * poly


def _r_minus_one_minus_log_r(r: np.ndarray, e: np.ndarray) -> np.ndarray:
    """``r - 1 - log r >= 0`` given ``r > 0`` and ``e = r - 1`` computed accurately by the caller.

    Near ``r = 1`` the three terms cancel to ``O(e^2)``; there it is evaluated by
    :func:`_xm_log1p_series`. Elsewhere the direct form loses at most a few digits' worth of rounding
    relative to a result >= 0.09, and using ``log r`` (not ``log1p(e)``) keeps ``r`` far below 1 exact.
    """
    out = np.empty(np.shape(r))
    small = np.abs(e) < 0.5
    out[small] = _xm_log1p_series(e[small])
    big = ~small
    out[big] = e[big] - np.log(r[big])
    return out


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

    Notes
    -----
    With ``r = std_p / std_q``, ``e = r - 1 = (std_p - std_q) / std_q`` and
    ``delta = (mean_p - mean_q) / std_q`` the divergence is the sum of three non-negative terms,
    ``(e - log1p(e)) + e^2 / 2 + delta^2 / 2``, with ``e - log1p(e)`` evaluated without cancellation
    near ``e = 0``. So nearly identical distributions keep full relative accuracy (the textbook form
    cancels terms of size ``e`` to a result of size ``e^2``), and identical ones give exactly 0.
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
    with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):
        ratio = s_p / s_q
        e = (s_p - s_q) / s_q  # s_p - s_q is exact when the two are within a factor 2
        delta = (m_p - m_q) / s_q
        out = _r_minus_one_minus_log_r(ratio, e) + 0.5 * e * e + 0.5 * delta * delta
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
    ``cov = L L^T``: the quadratic form is ``||L_q^-1 (mean_q - mean_p)||^2`` and the rest is
    ``sum_i (lambda_i - 1 - log lambda_i)`` over the eigenvalues ``lambda_i`` of ``cov_q^-1 cov_p``.

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

    Notes
    -----
    Nearly identical covariances: ``cov_q^-1 cov_p = I + M`` with the symmetric
    ``M = L_q^-1 (cov_p - cov_q) L_q^-T``, formed from the exact difference of the arguments. When
    every eigenvalue ``mu_i`` of ``M`` exceeds -1/2, the covariance part is
    ``sum_i (mu_i - log1p(mu_i))``, a sum of non-negative terms each evaluated without cancellation,
    so the divergence keeps full relative accuracy as the distributions approach each other (the
    textbook form cancels terms of size ``||M||`` to a result of size ``||M||^2``). Otherwise
    (covariances far apart, where nothing cancels badly) ``tr(cov_q^-1 cov_p) = ||L_q^-1 L_p||_F^2``
    and ``log det cov = 2 sum log diag L`` are used.
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
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        b = np.linalg.solve(l_q, m_q - m_p)
        mean_term = float(b @ b)
        # The lower triangles are what the Cholesky factors saw: take the difference from them.
        diff = np.tril(c_p - c_q)
        diff = diff + np.tril(diff, -1).T
        cov_term = None
        if np.all(np.isfinite(diff)):
            M = np.linalg.solve(l_q, np.linalg.solve(l_q, diff).T)  # L_q^-1 D L_q^-T
            if np.all(np.isfinite(M)):
                mu = np.linalg.eigvalsh(0.5 * (M + M.T))
                if mu.min() > -0.5:
                    cov_term = float(np.sum(_r_minus_one_minus_log_r(1.0 + mu, mu)))
        if cov_term is None:
            a = np.linalg.solve(l_q, l_p)
            log_det_ratio = 2.0 * (np.sum(np.log(np.diag(l_q))) - np.sum(np.log(np.diag(l_p))))
            cov_term = float(np.sum(a * a) - d + log_det_ratio)
        value = 0.5 * (cov_term + mean_term)
    _check_no_overflow(value, "means and covariances")
    return max(float(value), 0.0)
