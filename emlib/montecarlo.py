"""Plain Monte Carlo estimation of an expectation, with its standard error.

``E_p[f(x)] ~ (1/N) sum_n f(x_n)`` with ``x_n ~ p`` i.i.d. The estimator is unbiased and its
standard error ``sd(f(x)) / sqrt(N)`` shrinks like ``N^(-1/2)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ._validation import check_array, check_int, check_random_state

__all__ = ["MonteCarloEstimate", "monte_carlo_estimate", "monte_carlo_expectation"]


@dataclass(frozen=True)
class MonteCarloEstimate:
    """Result of a Monte Carlo estimate.

    Attributes
    ----------
    estimate : float
        The sample mean of ``f(x_n)``.
    std_error : float
        Estimated standard error of ``estimate``: the sample standard deviation (``ddof=1``)
        divided by ``sqrt(n_samples)``.
    n_samples : int
        Number of draws ``N``.
    """

    estimate: float
    std_error: float
    n_samples: int


def monte_carlo_estimate(values: Any) -> MonteCarloEstimate:
    """Monte Carlo estimate from already evaluated draws ``f(x_1), ..., f(x_N)``.

    Parameters
    ----------
    values : array_like of shape (N,)
        Finite values of the integrand at i.i.d. draws, ``N >= 2`` (the standard error needs
        two draws).

    Returns
    -------
    MonteCarloEstimate
        Finite for any finite ``values`` (sums that would overflow are computed on rescaled values).

    Raises
    ------
    ValueError
        If fewer than two values are given, a value is NaN or infinite, or the spread of the values is
        so large (of order 1e308) that the standard deviation itself exceeds the float range.
    """
    arr = check_array(values, "values", ndim=1, min_rows=2)
    n = arr.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        mean, sd = float(arr.mean()), float(arr.std(ddof=1))
    if not (np.isfinite(mean) and np.isfinite(sd)):
        # Sums of values near the float maximum overflow: redo it on values scaled by a power of two
        # (exact), then scale back. The mean is always representable; the standard error may not be.
        exponent = int(np.frexp(np.max(np.abs(arr)))[1])
        scaled = np.ldexp(arr, -exponent)
        mean = float(np.ldexp(scaled.mean(), exponent))
        with np.errstate(over="ignore"):
            sd = float(np.ldexp(scaled.std(ddof=1), exponent))
        if not np.isfinite(sd):
            raise ValueError("values spread beyond the float range: their standard deviation overflows; rescale them")
    return MonteCarloEstimate(mean, float(sd / np.sqrt(n)), n)


def monte_carlo_expectation(
    func: Callable[[np.ndarray], Any],
    sampler: Callable[[np.random.Generator, int], Any],
    n_samples: int,
    *,
    random_state: None | int | np.random.Generator = None,
) -> MonteCarloEstimate:
    """Estimate ``E_p[func(x)]`` by averaging ``func`` over ``n_samples`` draws from ``p``.

    Parameters
    ----------
    func : callable
        Vectorised integrand: ``func(samples)`` returns one finite real value per draw
        (shape ``(n_samples,)``).
    sampler : callable
        ``sampler(rng, n)`` returns ``n`` i.i.d. draws from ``p`` stacked along the first axis.
    n_samples : int
        Number of draws, at least 2.
    random_state : None, int or numpy.random.Generator
        Seed or generator passed to ``sampler``.

    Returns
    -------
    MonteCarloEstimate
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    if not callable(sampler):
        raise TypeError(f"sampler must be callable, got {type(sampler).__name__}")
    n = check_int(n_samples, "n_samples", minimum=2)
    rng = check_random_state(random_state)
    try:
        samples = np.asarray(sampler(rng, n))
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise ValueError(f"sampler must return an array of {n} draws ({exc})") from None
    if samples.ndim == 0 or samples.shape[0] != n:
        raise ValueError(f"sampler must return {n} draws along the first axis, got shape {samples.shape}")
    values = check_array(func(samples), "func(samples)", shape=(n,))
    return monte_carlo_estimate(values)
