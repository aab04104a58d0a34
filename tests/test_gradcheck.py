"""Finite-difference gradient checks (emlib.gradcheck): per-entry tolerances, and no wrong definitive
verdict where finite differences are fooled (kinks, quantisers, fast oscillations, logits near 1000).

Every case compares an analytic gradient written out by hand with the check's finite differences; a
right gradient must never be refuted and a wrong one must never pass. Where the finite differences
cannot tell, the check must say so (GradientUndecided), not guess.
"""

from __future__ import annotations

import numpy as np
import pytest

from emlib.derivation import Derivation, StepError
from emlib.derivation.errors import UndecidedError
from emlib.gradcheck import GradientUndecided, check_gradient, numerical_gradient, richardson_gradient


def verdict(fun, grad, x, **kw) -> str:
    """'pass', 'refuted' or 'undecided'."""
    try:
        check_gradient(fun, grad, np.asarray(x, dtype=float), **kw)
    except GradientUndecided:
        return "undecided"
    except AssertionError:
        return "refuted"
    return "pass"


def lse(z: np.ndarray) -> float:
    m = float(np.max(z))
    return m + float(np.log(np.sum(np.exp(z - m))))


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - np.max(z))
    return e / e.sum()


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# ------------------------------------------------------------------------------------- smooth gradients
SMOOTH = {
    "sum sin": (lambda w: float(np.sum(np.sin(w))), np.cos),
    "exp dot": (lambda w: float(np.exp(0.1 * np.sum(w * np.arange(1, w.size + 1)))),
                lambda w: 0.1 * np.arange(1, w.size + 1) * np.exp(0.1 * np.sum(w * np.arange(1, w.size + 1)))),
    "softplus": (lambda w: float(np.sum(np.logaddexp(0.0, w))), sigmoid),
    "log cosh": (lambda w: float(np.sum(np.log(np.cosh(w)))), np.tanh),
    "quartic": (lambda w: float(np.sum(w**4) - np.sum(w) ** 2), lambda w: 4 * w**3 - 2 * np.sum(w)),
    "logsumexp": (lse, softmax),
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
@pytest.mark.parametrize("d", [1, 3, 12, 36])
def test_right_smooth_gradients_pass_and_slips_of_1e7_are_caught(name, d):
    fun, grad = SMOOTH[name]
    x = np.random.default_rng(d).uniform(-1.5, 1.5, size=d)
    assert verdict(fun, grad, x) == "pass"
    assert verdict(fun, lambda w: grad(w) * (1 + 1e-6), x) == "refuted"
    g = grad(x)
    worst = int(np.argmax(np.abs(g)))
    slipped = g.copy()
    slipped[worst] *= 1 + 1e-7
    assert verdict(fun, slipped, x) == "refuted"


def test_matrix_gradients_in_36_entries():
    rng = np.random.default_rng(5)
    B = rng.normal(size=(6, 6))
    S = B @ B.T / 6 + np.eye(6)
    C = rng.normal(size=(6, 6))
    C = C @ C.T
    fun = lambda M: float(np.linalg.slogdet(M)[1] - np.trace(np.linalg.solve(M, C)))  # noqa: E731
    right = lambda M: np.linalg.inv(M).T + np.linalg.inv(M).T @ C.T @ np.linalg.inv(M).T  # noqa: E731
    assert verdict(fun, right, S) == "pass"
    assert verdict(fun, lambda M: right(M).T + 1e-3 * np.eye(6), S) == "refuted"
    assert verdict(fun, lambda M: np.linalg.inv(M) + np.linalg.inv(M) @ C @ np.linalg.inv(M), S) == "pass"  # symmetric


@pytest.mark.parametrize("scale_x, scale_f", [(1e-6, 1.0), (1e6, 1.0), (1.0, 1e-10), (1.0, 1e10), (1e4, 1e-8)])
def test_right_gradients_of_ill_scaled_functions_pass(scale_x, scale_f):
    rng = np.random.default_rng(2)
    x = scale_x * rng.uniform(0.5, 2.0, size=8) * rng.choice([-1, 1], size=8)
    fun = lambda w: float(scale_f * np.sum(np.sin(w / scale_x) + (w / scale_x) ** 2))  # noqa: E731
    grad = lambda w: scale_f * (np.cos(w / scale_x) + 2 * w / scale_x) / scale_x  # noqa: E731
    assert verdict(fun, grad, x) == "pass"
    assert verdict(fun, lambda w: grad(w) * (1 + 1e-5), x) == "refuted"


def test_coordinates_of_very_different_scales_in_one_gradient():
    x = np.array([3e-7, 2.0, 5e5, -4e-3])
    fun = lambda w: float(np.cos(w[0] * 1e6) + w[1] ** 3 + np.log(w[2]) - np.exp(w[3] * 100))  # noqa: E731
    grad = lambda w: np.array([-1e6 * np.sin(w[0] * 1e6), 3 * w[1] ** 2, 1 / w[2], -100 * np.exp(w[3] * 100)])  # noqa: E731
    assert verdict(fun, grad, x) == "pass"
    for i in range(4):
        wrong = grad(x)
        wrong[i] *= 1.1  # entry 2 is 1e-11 of entry 0
        assert verdict(fun, wrong, x) == "refuted", i


# -------------------------------------------------------------------------- per-entry scale (tiny entries)
TINY = {
    "sin": (lambda w: 1e-9 * np.sin(w[0]), lambda w: 1e-9 * np.cos(w[0])),
    "exp": (lambda w: 1e-9 * np.exp(w[0] / 3), lambda w: 1e-9 / 3 * np.exp(w[0] / 3)),
    "product": (lambda w: 1e-9 * w[0] * w[1], lambda w: 1e-9 * w[1]),
    "square": (lambda w: 3e-10 * w[0] ** 2, lambda w: 6e-10 * w[0]),
}


@pytest.mark.parametrize("name", sorted(TINY))
@pytest.mark.parametrize("d", [2, 9, 36])
def test_a_wrong_entry_of_scale_1e9_beside_entries_of_scale_1_is_caught(name, d):
    tiny_f, tiny_g = TINY[name]
    rng = np.random.default_rng(d)
    x = rng.uniform(0.5, 1.5, size=d) * rng.choice([-1, 1], size=d)
    fun = lambda w: float(np.sum(np.sin(w[1:]) * w[1:]) + tiny_f(w))  # noqa: E731

    def grad(w):
        g = np.r_[0.0, np.sin(w[1:]) + w[1:] * np.cos(w[1:])]
        g[0] = tiny_g(w)
        if name == "product":
            g[1] += 1e-9 * w[0]
        return g

    right = grad(x)
    assert abs(right[0]) < 1e-8 < np.max(np.abs(right[1:]))
    assert verdict(fun, right, x) == "pass"
    for wrong_entry in (2 * right[0], -right[0], 0.0, right[0] * 1.5):
        wrong = right.copy()
        wrong[0] = wrong_entry
        assert verdict(fun, wrong, x) == "refuted", wrong_entry


def test_an_entry_that_should_be_zero_is_caught():
    x = np.array([0.7, -1.1, 2.0])
    fun = lambda w: float(np.sin(w[0]) + w[2] ** 2)  # noqa: E731 (does not depend on w[1])
    assert verdict(fun, np.array([np.cos(0.7), 0.0, 4.0]), x) == "pass"
    assert verdict(fun, np.array([np.cos(0.7), 1e-9, 4.0]), x) == "refuted"


# ------------------------------------------------------------------------------- kinks near 0
KINKED = {
    "abs": (lambda w: float(np.sum(np.abs(w)) + 1.0), lambda w: np.sign(w)),
    "relu": (lambda w: float(np.sum(np.maximum(w, 0.0) * np.arange(1, w.size + 1))),
             lambda w: (w > 0) * np.arange(1, w.size + 1.0)),
    "leaky relu": (lambda w: float(np.sum(np.where(w > 0, w, 0.01 * w) ** 1)), lambda w: np.where(w > 0, 1.0, 0.01)),
    "hinge": (lambda w: float(np.sum(np.maximum(0.0, 1.0 - (1.0 - w)))) + float(np.sum(w**2)),
              lambda w: (w > 0) + 2 * w),
    "abs times cos": (lambda w: float(np.sum(np.abs(w) * np.cos(w))), lambda w: np.sign(w) * np.cos(w) - np.abs(w) * np.sin(w)),
}
KINK_OFFSETS = [1e-300, 1e-200, 1e-15, 1e-12, 1e-9, 1e-7, 1e-5, 1e-4, 2e-3]


@pytest.mark.parametrize("name", sorted(KINKED))
@pytest.mark.parametrize("sign", [1, -1])
def test_kinks_near_0_never_give_a_wrong_verdict(name, sign):
    fun, grad = KINKED[name]
    rng = np.random.default_rng(len(name))
    for offset in KINK_OFFSETS:
        x = np.r_[sign * offset, rng.uniform(0.3, 1.5, size=3)]
        right = grad(x).astype(float)
        assert verdict(fun, right, x) in ("pass", "undecided"), offset
        for wrong_entry in (-right[0], right[0] + 0.5, 0.5 * right[0] + 0.25):
            if wrong_entry == right[0]:
                continue
            wrong = right.copy()
            wrong[0] = wrong_entry
            assert verdict(fun, wrong, x) in ("refuted", "undecided"), (offset, wrong_entry)


@pytest.mark.parametrize("name", sorted(KINKED))
def test_at_the_kink_itself_no_gradient_passes(name):
    # x_0 = 0: not differentiable; one-sided slopes differ, so no value may pass
    fun, grad = KINKED[name]
    x = np.array([0.0, 0.4, -0.9])
    for value in (-1.0, 0.0, 0.01, 0.5, 1.0, 0.505):
        g = grad(x).astype(float)
        g[0] = value
        assert verdict(fun, g, x) != "pass", value


def test_max_of_nearly_tied_entries():
    rng = np.random.default_rng(11)
    fun = lambda w: float(np.max(w) + 0.1 * np.sum(w**2))  # noqa: E731
    for gap in (0.0, 1e-300, 1e-14, 1e-10, 1e-6, 1e-3):
        x = rng.normal(size=5)
        x[3] = np.max(x) + 0.5
        x[0] = x[3] + gap
        right = (x == x.max()).astype(float) + 0.2 * x
        if gap > 0:
            assert verdict(fun, right, x) in ("pass", "undecided"), gap
        swapped = right.copy()
        swapped[0], swapped[3] = right[3], right[0]
        assert verdict(fun, swapped, x) in ("refuted", "undecided"), gap


def test_a_kink_far_from_x_does_not_prevent_a_verdict():
    x = np.array([0.3, -0.7])
    fun = lambda w: float(np.sum(np.abs(w)))  # noqa: E731
    assert verdict(fun, np.sign(x), x) == "pass"
    assert verdict(fun, -np.sign(x), x) == "refuted"


# ------------------------------------------------------------------------------------ quantisers
QUANTISERS = {  # name: (function, quantum)
    "floor": (lambda w: np.floor(w), 1.0),
    "round": (lambda w: np.round(w), 1.0),
    "ceil of 37 x": (lambda w: np.ceil(37 * w) / 37, 1 / 37),
    "round to cents": (lambda w: np.round(w, 2), 0.01),
    "rint of 1e4 x": (lambda w: np.rint(1e4 * w) / 1e4, 1e-4),
}
# The finest probe steps are a few hundred ulps of x and of f: a quantum of fewer than about a thousand
# ulps (cents at 1e12) is beyond what finite differences can resolve, and is left out.
QUANTISER_CASES = [(name, magnitude) for name in sorted(QUANTISERS) for magnitude in (1.0, 1e3, 1e8, 1e12)
                   if QUANTISERS[name][1] >= 1e3 * np.finfo(float).eps * 3 * magnitude]


@pytest.mark.parametrize("name, magnitude", QUANTISER_CASES)
def test_quantisers_never_give_a_wrong_verdict(name, magnitude):
    q = QUANTISERS[name][0]
    rng = np.random.default_rng(int(np.log10(magnitude)) + len(name))
    fun = lambda w: float(np.sum(q(w)) + np.sum(np.cos(w / magnitude)))  # noqa: E731
    smooth = lambda w: -np.sin(w / magnitude) / magnitude  # noqa: E731 (the derivative where q is flat)
    for _ in range(4):
        x = magnitude * rng.uniform(0.5, 3.0, size=3) * rng.choice([-1, 1], size=3)
        assert verdict(fun, smooth(x), x) in ("pass", "undecided")
        assert verdict(fun, smooth(x) + 1.0, x) in ("refuted", "undecided")  # slope 1: the staircase's trend
        assert verdict(fun, smooth(x) + np.r_[0.0, 0.0, 1e-3], x) in ("refuted", "undecided")


def test_quantiser_cases_cover_large_magnitudes():
    assert ("floor", 1e12) in QUANTISER_CASES and ("rint of 1e4 x", 1e8) in QUANTISER_CASES


def test_a_quantiser_on_a_flat_step_is_decided():
    x = np.array([2.3, -0.6])
    fun = lambda w: float(np.sum(np.round(w) * w[::-1]))  # noqa: E731
    right = np.round(x)[::-1].astype(float)  # d/dw_0 of round(w_0) w_1 + round(w_1) w_0
    assert verdict(fun, right, x) == "pass"
    assert verdict(fun, right + np.r_[1.0, 0.0], x) == "refuted"


# ---------------------------------------------------------------------------------- fast oscillation
OSCILLATING = {
    "sin 1e6 x": (lambda w: float(np.sum(np.sin(1e6 * w)) + np.sum(w**2)), lambda w: 1e6 * np.cos(1e6 * w) + 2 * w),
    "x cos 3e5 x": (lambda w: float(np.sum(w * np.cos(3e5 * w))), lambda w: np.cos(3e5 * w) - 3e5 * w * np.sin(3e5 * w)),
    "sin 1e4 x squared": (lambda w: float(np.sum(np.sin(1e4 * w**2))), lambda w: 2e4 * w * np.cos(1e4 * w**2)),
    "chirp": (lambda w: float(np.sum(np.cos(np.exp(12 + w)))), lambda w: -np.sin(np.exp(12 + w)) * np.exp(12 + w)),
}


@pytest.mark.parametrize("name", sorted(OSCILLATING))
def test_fast_oscillation_never_gives_a_wrong_verdict(name):
    fun, grad = OSCILLATING[name]
    rng = np.random.default_rng(len(name))
    for _ in range(5):
        x = rng.uniform(-2.0, 2.0, size=int(rng.integers(1, 5)))
        right = grad(x)
        assert verdict(fun, right, x) in ("pass", "undecided")
        forgot_chain = right / 1e3  # the inner derivative dropped (or mis-scaled)
        assert verdict(fun, forgot_chain, x) in ("refuted", "undecided")
        assert verdict(fun, right + 1e-2 * np.abs(right).max(), x) in ("refuted", "undecided")


# ---------------------------------------------------------------------------------- logits near 1000
LOGIT_FUNS = {
    "logsumexp": (lse, softmax),
    "cross-entropy": (lambda z: lse(z) - float(z[0]), lambda z: softmax(z) - np.eye(z.size)[0]),
    "log-sigmoid": (lambda z: float(np.sum(-np.logaddexp(0.0, -z))), lambda z: sigmoid(-z)),
    "softmax entropy": (lambda z: float(-np.sum(softmax(z) * (z - lse(z)))),
                        lambda z: -softmax(z) * ((z - lse(z)) - np.sum(softmax(z) * (z - lse(z))))),
}


@pytest.mark.parametrize("name", sorted(LOGIT_FUNS))
@pytest.mark.parametrize("spread", [0.1, 1.0, 3.0, 8.0])
def test_logits_near_1000_never_give_a_wrong_verdict(name, spread):
    fun, grad = LOGIT_FUNS[name]
    rng = np.random.default_rng(int(spread * 10) + len(name))
    for sign in (1, -1):
        z = sign * 1000 + spread * rng.normal(size=int(rng.integers(2, 7)))
        right = grad(z)
        assert verdict(fun, right, z) in ("pass", "undecided")
        for wrong in (right * 1.01, right + 0.01, np.roll(right, 1), right - np.eye(z.size)[0]):
            if np.max(np.abs(wrong - right)) > 1e-6:
                assert verdict(fun, wrong, z) in ("refuted", "undecided")


def test_logsumexp_at_1000_is_decided_where_the_logits_are_spread_over_order_one():
    z = 1000 + np.random.default_rng(0).normal(size=5)
    assert verdict(lse, softmax, z) == "pass"
    assert verdict(lse, lambda w: softmax(w) * np.r_[1.01, 1, 1, 1, 1], z) == "refuted"


# ------------------------------------------------------------------------------ verdicts and records
def test_nan_and_infinite_analytic_entries_are_refuted():
    x = np.array([0.2, 0.4])
    fun = lambda w: float(np.sum(w**2))  # noqa: E731
    assert verdict(fun, np.array([0.4, np.nan]), x) == "refuted"
    assert verdict(fun, np.array([np.inf, 0.8]), x) == "refuted"


def test_undecided_is_not_an_assertion_error():
    assert not issubclass(GradientUndecided, AssertionError)
    fun = lambda w: float(np.sum(np.abs(w)))  # noqa: E731
    with pytest.raises(GradientUndecided, match="kink"):
        check_gradient(fun, np.array([1.0, 1.0]), np.array([0.0, 1.0]))


def test_derivation_records_undecided_and_refuted_gradients():
    d = Derivation("gradcheck", seed=0)
    with pytest.raises(UndecidedError):
        d.gradient(lambda w: float(np.sum(np.maximum(w, 0.0))), lambda w: (w > 0).astype(float), np.array([1e-12, 0.5]),
                   "relu just right of its kink")
    assert d.records[-1].route == "undecided"
    with pytest.raises(StepError, match="gradient mismatch"):
        d.gradient(lambda w: float(np.sum(w**3)), lambda w: 2 * w**2, np.array([0.5, -1.0]), "wrong power rule")
    rec = d.gradient(lambda w: float(np.sum(w**3)), lambda w: 3 * w**2, np.array([0.5, -1.0]), "power rule")
    assert "its own scale" in rec.route
    assert rec.measured["max_abs_diff"] <= 1e-9


def test_loosened_tolerances_still_decide_only_with_agreeing_sequences():
    x = np.array([0.1, 0.2])
    fun = lambda w: float(np.sum(np.sin(w)))  # noqa: E731
    assert verdict(fun, np.cos(x) * (1 + 1e-7), x, rtol=1e-6) == "pass"
    assert verdict(fun, np.cos(x) * (1 + 1e-4), x, rtol=1e-6) == "refuted"
    assert verdict(lambda w: float(np.sum(np.abs(w))), np.array([0.5, 1.0]), np.array([0.0, 1.0]), atol=1e-3) == "undecided"


def test_richardson_gradient_and_numerical_gradient_agree_with_the_analytic_derivative():
    x = np.array([[0.3, -1.2], [2.5, 0.0]])
    fd, err = richardson_gradient(lambda w: float(np.sum(np.sin(w))), x)
    np.testing.assert_allclose(fd, np.cos(x), rtol=1e-10)
    assert fd.shape == err.shape == x.shape and np.all(err < 1e-9)
    np.testing.assert_allclose(numerical_gradient(lambda w: float(np.sum(np.sin(w))), x), np.cos(x), rtol=1e-8)


def test_empty_and_scalar_points():
    assert check_gradient(lambda w: 0.0, np.zeros(0), np.zeros(0)) == 0.0
    assert verdict(lambda w: float(np.sin(w)), lambda w: np.cos(w), np.float64(0.4)) == "pass"


@pytest.mark.parametrize("seed", range(4))
def test_right_gradients_through_ill_conditioned_solves_are_not_refuted(seed):
    # condition up to 1e6, a point of scale 1e-3 to 1e3: the analytic gradient's rounding is spread
    # over all entries by the solve, and small entries must not be refuted for it
    rng = np.random.default_rng(seed)
    d = 36
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = (Q * 10.0 ** rng.uniform(-3, 3, size=d)) @ Q.T
    b = rng.normal(size=d)
    fun = lambda w: float(0.5 * w @ np.linalg.solve(A, w) - b @ w)  # noqa: E731
    grad = lambda w: np.linalg.solve(A, w) - b  # noqa: E731
    x = rng.normal(size=d) * 10.0 ** rng.uniform(-3, 3)
    assert verdict(fun, grad, x) in ("pass", "undecided")
    g = grad(x)
    g[int(np.argmax(np.abs(g)))] *= 1 + 1e-6
    assert verdict(fun, g, x) in ("refuted", "undecided")


def test_fun_and_grad_cannot_move_the_point():
    """fun and grad get copies of x: a grad that scales its argument in place used to move the point of the
    finite differences, so a wrong gradient passed and a right one was refuted (red-team round 5)."""
    x0 = np.array([0.3, -1.2, 2.0])

    def halve(v):
        g = v.copy()
        v *= 0.5
        return g

    def double(v):
        v *= 2.0
        return v

    with pytest.raises(AssertionError):
        check_gradient(lambda v: float(v @ v), halve, x0)
    check_gradient(lambda v: float(v @ v), double, x0)
    with pytest.raises(AssertionError):
        check_gradient(lambda v: (v.__itruediv__(2.0), float(4 * v @ v))[1], lambda v: 2 * v, x0)
    np.testing.assert_array_equal(x0, [0.3, -1.2, 2.0])


def test_a_point_beyond_the_float_range_is_refused_by_name():
    with pytest.raises(ValueError, match="x must hold finite"):
        check_gradient(lambda v: float(v @ v), lambda v: 2 * v, [10**400])
