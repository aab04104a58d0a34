"""Tests for emlib.divergence against independent computations (scipy, quadrature, sampling)."""

import numpy as np
import pytest
from scipy import integrate, stats

from emlib.divergence import kl_divergence, kl_mvnormal, kl_normal


def _random_spd(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T + d * np.eye(d)


# --- discrete -----------------------------------------------------------------------------------
def test_discrete_matches_scipy_entropy():
    rng = np.random.default_rng(0)
    for k in (2, 3, 7):
        p, q = rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k))
        np.testing.assert_allclose(kl_divergence(p, q), stats.entropy(p, q), rtol=1e-12)


def test_discrete_rows_are_independent_divergences():
    rng = np.random.default_rng(1)
    p, q = rng.dirichlet(np.ones(4), size=6), rng.dirichlet(np.ones(4), size=6)
    out = kl_divergence(p, q)
    assert out.shape == (6,)
    np.testing.assert_allclose(out, [stats.entropy(a, b) for a, b in zip(p, q)], rtol=1e-12)


def test_discrete_hand_value():
    # KL([1/2, 1/2] || [1/4, 3/4]) = 1/2 log 2 + 1/2 log(2/3)
    np.testing.assert_allclose(kl_divergence([0.5, 0.5], [0.25, 0.75]), 0.5 * np.log(2) + 0.5 * np.log(2 / 3))


def test_discrete_zero_on_equal_and_nonnegative_and_asymmetric():
    rng = np.random.default_rng(2)
    p = rng.dirichlet(np.ones(5), size=2000)
    q = rng.dirichlet(np.ones(5), size=2000)
    assert np.all(kl_divergence(p, p) == 0.0)
    forward, backward = kl_divergence(p, q), kl_divergence(q, p)
    assert np.all(forward >= 0.0)
    assert np.max(np.abs(forward - backward)) > 0.1


def test_discrete_zero_p_terms_vanish_and_zero_q_gives_inf():
    # p = 0 terms contribute 0: the result equals the divergence on the support of p.
    np.testing.assert_allclose(kl_divergence([0.0, 0.4, 0.6], [0.5, 0.2, 0.3]), 0.4 * np.log(2) + 0.6 * np.log(2))
    assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf
    assert kl_divergence([1.0, 0.0], [1.0, 0.0]) == 0.0


@pytest.mark.parametrize("name", ["p", "q"])
@pytest.mark.parametrize(
    "bad, match",
    [([0.5, 0.6], "sum to 1"), ([1.2, -0.2], "non-negative"), ([0.5, np.nan], "finite"), ([[[0.5, 0.5]]], "1-D or 2-D")],
)
def test_discrete_bad_values(name, bad, match):
    good = [0.5, 0.5]
    args = {"p": good, "q": good, name: bad}
    with pytest.raises(ValueError, match=name) as info:
        kl_divergence(**args)
    assert match in str(info.value)


def test_discrete_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])


def test_discrete_bad_atol():
    with pytest.raises(ValueError, match="atol"):
        kl_divergence([0.5, 0.5], [0.5, 0.5], atol=-1.0)
    with pytest.raises(TypeError, match="atol"):
        kl_divergence([0.5, 0.5], [0.5, 0.5], atol="tiny")
    # a looser tolerance accepts a vector that the default rejects
    assert kl_divergence([0.5, 0.5001], [0.5, 0.5001], atol=1e-3) == 0.0


def test_discrete_type_errors():
    with pytest.raises(TypeError, match="p"):
        kl_divergence("abc", [0.5, 0.5])
    with pytest.raises(TypeError, match="q"):
        kl_divergence([0.5, 0.5], [True, False])


# --- univariate Gaussian ------------------------------------------------------------------------
@pytest.mark.parametrize("m1, s1, m2, s2", [(0.0, 1.0, 1.0, 2.0), (1.5, 0.4, -0.3, 1.1), (2.0, 3.0, 2.0, 3.0)])
def test_normal_matches_quadrature(m1, s1, m2, s2):
    def integrand(x):
        return stats.norm.pdf(x, m1, s1) * (stats.norm.logpdf(x, m1, s1) - stats.norm.logpdf(x, m2, s2))

    exact, _ = integrate.quad(integrand, m1 - 12 * s1, m1 + 12 * s1)
    np.testing.assert_allclose(kl_normal(m1, s1, m2, s2), exact, rtol=1e-8, atol=1e-12)


def test_normal_broadcasts_and_returns_float_for_scalars():
    assert isinstance(kl_normal(0.0, 1.0, 1.0, 2.0), float)
    out = kl_normal(np.array([0.0, 1.0]), 1.0, 0.0, np.array([[1.0], [2.0]]))
    assert out.shape == (2, 2)
    np.testing.assert_allclose(out[0, 0], 0.0)
    np.testing.assert_allclose(out[1, 1], kl_normal(1.0, 1.0, 0.0, 2.0))


@pytest.mark.parametrize("name", ["std_p", "std_q"])
@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_normal_bad_std(name, bad):
    args = {"mean_p": 0.0, "std_p": 1.0, "mean_q": 0.0, "std_q": 1.0, name: bad}
    with pytest.raises(ValueError, match=name):
        kl_normal(**args)


@pytest.mark.parametrize("name", ["mean_p", "mean_q", "std_p", "std_q"])
def test_normal_non_finite_and_type(name):
    args = {"mean_p": 0.0, "std_p": 1.0, "mean_q": 0.0, "std_q": 1.0}
    with pytest.raises(ValueError, match=name):
        kl_normal(**{**args, name: np.nan})
    with pytest.raises(TypeError, match=name):
        kl_normal(**{**args, name: "x"})


def test_normal_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match="broadcast"):
        kl_normal([0.0, 1.0], 1.0, [0.0, 1.0, 2.0], 1.0)


# --- multivariate Gaussian ----------------------------------------------------------------------
def _kl_mvn_reference(m0, s0, m1, s1):
    """Textbook formula with explicit inverses and determinants (fine for a small test)."""
    d = len(m0)
    inv1 = np.linalg.inv(s1)
    diff = m1 - m0
    return 0.5 * (np.trace(inv1 @ s0) + diff @ inv1 @ diff - d + np.log(np.linalg.det(s1) / np.linalg.det(s0)))


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_mvnormal_matches_reference_formula(d):
    rng = np.random.default_rng(d)
    m0, m1 = rng.normal(size=d), rng.normal(size=d)
    s0, s1 = _random_spd(rng, d), _random_spd(rng, d)
    np.testing.assert_allclose(kl_mvnormal(m0, s0, m1, s1), _kl_mvn_reference(m0, s0, m1, s1), rtol=1e-10)


def test_mvnormal_matches_monte_carlo():
    rng = np.random.default_rng(7)
    m0, m1 = np.array([0.0, 1.0]), np.array([0.5, -0.5])
    s0, s1 = np.array([[1.0, 0.3], [0.3, 0.5]]), np.array([[2.0, -0.4], [-0.4, 1.0]])
    x = rng.multivariate_normal(m0, s0, size=200_000)
    log_ratio = stats.multivariate_normal(m0, s0).logpdf(x) - stats.multivariate_normal(m1, s1).logpdf(x)
    se = log_ratio.std() / np.sqrt(len(x))
    assert abs(kl_mvnormal(m0, s0, m1, s1) - log_ratio.mean()) < 5 * se


def test_mvnormal_diagonal_is_sum_of_univariate():
    m0, m1 = np.array([0.0, 1.0, -1.0]), np.array([1.0, 1.0, 0.5])
    v0, v1 = np.array([1.0, 2.0, 0.5]), np.array([0.3, 1.0, 4.0])
    expected = sum(kl_normal(a, np.sqrt(b), c, np.sqrt(e)) for a, b, c, e in zip(m0, v0, m1, v1))
    np.testing.assert_allclose(kl_mvnormal(m0, np.diag(v0), m1, np.diag(v1)), expected, rtol=1e-12)


def test_mvnormal_equal_is_zero():
    rng = np.random.default_rng(3)
    s = _random_spd(rng, 4)
    m = rng.normal(size=4)
    assert abs(kl_mvnormal(m, s, m, s)) < 1e-12


@pytest.mark.parametrize("name", ["cov_p", "cov_q"])
def test_mvnormal_bad_covariances(name):
    args = {"mean_p": np.zeros(2), "cov_p": np.eye(2), "mean_q": np.zeros(2), "cov_q": np.eye(2)}
    with pytest.raises(ValueError, match=f"{name} must be symmetric"):
        kl_mvnormal(**{**args, name: np.array([[1.0, 0.5], [0.0, 1.0]])})
    with pytest.raises(ValueError, match=f"{name} must be positive definite"):
        kl_mvnormal(**{**args, name: np.array([[1.0, 2.0], [2.0, 1.0]])})
    with pytest.raises(ValueError, match=name):
        kl_mvnormal(**{**args, name: np.eye(3)})


@pytest.mark.parametrize("name", ["mean_p", "mean_q"])
def test_mvnormal_bad_means(name):
    args = {"mean_p": np.zeros(2), "cov_p": np.eye(2), "mean_q": np.zeros(2), "cov_q": np.eye(2)}
    bad = np.zeros(3) if name == "mean_q" else np.zeros((2, 2))
    with pytest.raises(ValueError, match=name):
        kl_mvnormal(**{**args, name: bad})
    with pytest.raises(ValueError, match=name):
        kl_mvnormal(**{**args, name: np.array([np.inf, 0.0])})


# --- nearly identical and extreme Gaussians against mpmath (issue 16) ----------------------------
def _mp_kl_normal(m_p, s_p, m_q, s_q):
    import mpmath as mp

    with mp.workdps(80):  # the textbook form cancels up to ~32 digits in these cases
        m_p, s_p, m_q, s_q = (mp.mpf(float(v)) for v in (m_p, s_p, m_q, s_q))
        return mp.log(s_q / s_p) + (s_p**2 + (m_p - m_q) ** 2) / (2 * s_q**2) - mp.mpf(1) / 2


def _mp_kl_mvnormal(m_p, c_p, m_q, c_q):
    import mpmath as mp

    with mp.workdps(80):
        C_p, C_q = mp.matrix(c_p.tolist()), mp.matrix(c_q.tolist())
        diff = mp.matrix(m_q.tolist()) - mp.matrix(m_p.tolist())
        P = mp.inverse(C_q)
        d = len(m_p)
        tr = sum((P * C_p)[i, i] for i in range(d))
        return (tr + (diff.T * P * diff)[0] - d + mp.log(mp.det(C_q)) - mp.log(mp.det(C_p))) / 2


def _assert_rel_mp(value, ref, rtol=1e-12):
    import mpmath as mp

    assert ref > 0 and abs(mp.mpf(value) - ref) <= rtol * ref, (value, mp.nstr(ref, 20))


NORMAL_CASES = [
    (0.0, 1.0, 0.0, 1.0 + 1e-8),  # ratio 1 - 1e-8: the textbook form keeps ~0 correct digits
    (0.0, 1.0 + 2**-40, 0.0, 1.0),
    (0.0, 1.0, 0.0, 1.0 - 1e-15),
    (1e-9, 1.0, 0.0, 1.0),  # means only
    (0.3, 0.7, 0.3 + 1e-7, 0.7000001),
    (5.0, 2.0, 5.0, 2.0 * (1 + 3e-5)),
    (0.0, 1e-20, 0.0, 1.0),  # extreme ratios
    (0.0, 1e20, 0.0, 1.0),
    (1e150, 3e149, -2e150, 1e150),
    (0.0, 1.0, 0.0, 1.4999),  # both sides of the switch between the two evaluations (|r - 1| = 1/2)
    (0.0, 1.0, 0.0, 1.5001),
    (0.0, 0.5 - 1e-12, 0.0, 1.0),
    (0.0, 0.5 + 1e-12, 0.0, 1.0),
    (1.5, 0.4, -0.3, 1.1),
]


@pytest.mark.parametrize("m_p, s_p, m_q, s_q", NORMAL_CASES)
def test_normal_matches_mpmath_to_1e12_relative(m_p, s_p, m_q, s_q):
    _assert_rel_mp(kl_normal(m_p, s_p, m_q, s_q), _mp_kl_normal(m_p, s_p, m_q, s_q))


def test_normal_vectorised_near_identical():
    s_q = 1.0 + np.array([1e-14, -1e-12, 1e-10, -1e-8, 1e-6, 1e-4, -0.3, 0.49, -0.49])
    out = kl_normal(0.0, 1.0, 0.0, s_q)
    for v, s in zip(out, s_q):
        _assert_rel_mp(v, _mp_kl_normal(0.0, 1.0, 0.0, s))
    assert kl_normal(0.25, 0.75, 0.25, 0.75) == 0.0


def _sym(a):
    """Exactly symmetric copy (from the lower triangle, which is what the Cholesky factor reads)."""
    return np.tril(a) + np.tril(a, -1).T


@pytest.mark.parametrize("d", [1, 2, 4])
@pytest.mark.parametrize("eps", [1e-15, 1e-12, 1e-9, 1e-6, 1e-3, 0.3, 3.0, -0.9])
def test_mvnormal_matches_mpmath_to_1e12_relative(d, eps):
    rng = np.random.default_rng(d * 100 + int(abs(np.log10(abs(eps)))))
    c_q = _sym(_random_spd(rng, d))
    if eps > -0.5:
        e = rng.normal(size=(d, d))
        c_p = _sym(c_q + eps * (e @ e.T) / d)  # a positive semi-definite perturbation: c_p stays SPD
    else:
        c_p = _sym(c_q * 0.05)  # far smaller: the eigenvalues of cov_q^-1 cov_p are 0.05
    m_q = rng.normal(size=d)
    for m_p in (m_q, m_q + 1e-9, m_q + 1.0):
        _assert_rel_mp(kl_mvnormal(m_p, c_p, m_q, c_q), _mp_kl_mvnormal(m_p, c_p, m_q, c_q))


def test_mvnormal_extreme_scales_match_mpmath():
    c = _sym(np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]]))
    for scale_p, scale_q in ((1e-150, 1e-150), (1e150, 1e150), (1e-100, 1e100), (1.0, 1e-20)):
        c_p, c_q = _sym(c * scale_p), _sym(c * (1 + 1e-10) * scale_q)
        m_p, m_q = np.zeros(3), np.sqrt(scale_q) * np.array([1e-6, 0.0, 0.0])
        _assert_rel_mp(kl_mvnormal(m_p, c_p, m_q, c_q), _mp_kl_mvnormal(m_p, c_p, m_q, c_q))
    assert kl_mvnormal(np.ones(3), c, np.ones(3), c) == 0.0
