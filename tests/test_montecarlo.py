"""Tests for emlib.montecarlo: exact moments, unbiasedness, error law and bad input."""

import numpy as np
import pytest

from emlib.montecarlo import MonteCarloEstimate, monte_carlo_estimate, monte_carlo_expectation


def _normal_sampler(mean, std):
    return lambda rng, n: rng.normal(mean, std, size=n)


def test_estimate_matches_numpy_mean_and_standard_error():
    values = np.array([1.0, 2.0, 4.0, 7.0])
    res = monte_carlo_estimate(values)
    assert isinstance(res, MonteCarloEstimate)
    assert res.n_samples == 4
    np.testing.assert_allclose(res.estimate, 3.5)
    # sample sd with ddof=1: sqrt(((2.5^2 + 1.5^2 + 0.5^2 + 3.5^2)) / 3) / 2
    np.testing.assert_allclose(res.std_error, np.sqrt((6.25 + 2.25 + 0.25 + 12.25) / 3) / 2)


def test_second_moment_of_normal_within_standard_errors():
    # E[x^2] under N(1, 2^2) is 1 + 4 = 5.
    res = monte_carlo_expectation(lambda x: x**2, _normal_sampler(1.0, 2.0), 40_000, random_state=0)
    assert abs(res.estimate - 5.0) < 4 * res.std_error
    # the true sd of x^2 is sqrt(Var x^2) = sqrt(2 s^4 + 4 m^2 s^2) = sqrt(48)
    np.testing.assert_allclose(res.std_error, np.sqrt(48.0) / np.sqrt(40_000), rtol=0.05)


def test_unbiased_over_repetitions():
    # The mean of many independent estimates with small N converges to the exact value.
    rng = np.random.default_rng(1)
    estimates = [monte_carlo_expectation(np.exp, _normal_sampler(0.0, 1.0), 5, random_state=rng).estimate for _ in range(4000)]
    exact = np.exp(0.5)
    se = np.std(estimates, ddof=1) / np.sqrt(len(estimates))
    assert abs(np.mean(estimates) - exact) < 4 * se


def test_error_shrinks_like_inverse_sqrt_n():
    rng = np.random.default_rng(2)
    ns = np.array([100, 400, 1600, 6400])
    rmse = []
    for n in ns:
        errs = [monte_carlo_expectation(lambda x: x, _normal_sampler(0.0, 1.0), int(n), random_state=rng).estimate for _ in range(200)]
        rmse.append(np.sqrt(np.mean(np.square(errs))))
    slope = np.polyfit(np.log(ns), np.log(rmse), 1)[0]
    assert abs(slope + 0.5) < 0.1


def test_reproducible_with_seed():
    a = monte_carlo_expectation(np.sin, _normal_sampler(0.0, 1.0), 50, random_state=3)
    b = monte_carlo_expectation(np.sin, _normal_sampler(0.0, 1.0), 50, random_state=3)
    assert a == b


def test_multivariate_samples():
    sampler = lambda rng, n: rng.normal(size=(n, 3))  # noqa: E731
    res = monte_carlo_expectation(lambda x: np.sum(x**2, axis=1), sampler, 20_000, random_state=4)
    assert abs(res.estimate - 3.0) < 4 * res.std_error


@pytest.mark.parametrize("bad", [1, 0, -5])
def test_bad_n_samples_value(bad):
    with pytest.raises(ValueError, match="n_samples"):
        monte_carlo_expectation(np.sin, _normal_sampler(0, 1), bad)


@pytest.mark.parametrize("bad", [2.5, "10", True])
def test_bad_n_samples_type(bad):
    with pytest.raises(TypeError, match="n_samples"):
        monte_carlo_expectation(np.sin, _normal_sampler(0, 1), bad)


def test_bad_callables_and_random_state():
    with pytest.raises(TypeError, match="func"):
        monte_carlo_expectation(3.0, _normal_sampler(0, 1), 10)
    with pytest.raises(TypeError, match="sampler"):
        monte_carlo_expectation(np.sin, "normal", 10)
    with pytest.raises(TypeError, match="random_state"):
        monte_carlo_expectation(np.sin, _normal_sampler(0, 1), 10, random_state="seed")
    with pytest.raises(ValueError, match="random_state"):
        monte_carlo_expectation(np.sin, _normal_sampler(0, 1), 10, random_state=-1)


def test_sampler_and_func_output_checked():
    with pytest.raises(ValueError, match="sampler"):
        monte_carlo_expectation(np.sin, lambda rng, n: rng.normal(size=n + 1), 10)
    with pytest.raises(ValueError, match="func"):
        monte_carlo_expectation(lambda x: x[:3], _normal_sampler(0, 1), 10)
    with pytest.raises(ValueError, match="func"):
        monte_carlo_expectation(lambda x: np.where(x > 0, np.nan, x), _normal_sampler(0, 1), 50, random_state=0)


@pytest.mark.parametrize("bad, exc", [([1.0], ValueError), ([[1.0, 2.0]], ValueError), ([1.0, np.nan], ValueError), ("ab", TypeError)])
def test_estimate_bad_values(bad, exc):
    with pytest.raises(exc, match="values"):
        monte_carlo_estimate(bad)
