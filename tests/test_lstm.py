"""Tests for emlib.lstm: the stable sigmoid and the scalar-memory LSTM forward pass."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.special import expit

from emlib.lstm import ACTIVATIONS, LSTMTrace, lstm_forward, sigmoid

# The homework's inputs, weights and biases.
X_HW = [[0, 1, 0, 3], [1, 0, 1, -2], [1, 1, 1, 4], [0, 1, 1, 0]]
W_HW = dict(w=[0, 0, 0, 1], w_i=[100, 100, 0, 0], w_f=[-100, -100, 0, 0], w_o=[0, 0, 100, 0])
B_HW = dict(b=0.0, b_i=-10.0, b_f=110.0, b_o=-10.0)


def _reference(X, w, w_i, w_f, w_o, b, b_i, b_f, b_o, c0=0.0, g="identity", h="identity", round_gates=False):
    """Plain-Python step-by-step LSTM written independently of the library (math module only)."""
    acts = {"identity": lambda v: v, "linear": lambda v: v, "tanh": math.tanh,
            "sigmoid": lambda v: 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))}

    def gate(v):
        if round_gates:
            return 1.0 if v > 0 else (0.0 if v < 0 else 0.5)
        return acts["sigmoid"](v)

    def dot(a, x):
        return sum(ai * xi for ai, xi in zip(a, x))

    c = c0
    rows = []
    for x in X:
        z, zi, zf, zo = dot(w, x) + b, dot(w_i, x) + b_i, dot(w_f, x) + b_f, dot(w_o, x) + b_o
        c_new = gate(zi) * acts[g](z) + c * gate(zf)
        y = gate(zo) * acts[h](c_new)
        rows.append((z, zi, zf, zo, gate(zi), gate(zf), gate(zo), c, c_new, y))
        c = c_new
    return np.array(rows)


def _as_rows(tr: LSTMTrace) -> np.ndarray:
    return np.column_stack([tr.z, tr.z_i, tr.z_f, tr.z_o, tr.gate_i, tr.gate_f, tr.gate_o, tr.c_prev, tr.c, tr.y])


# ----------------------------------------------------------------------------------------- sigmoid


def test_sigmoid_matches_scipy_expit_over_a_wide_range():
    z = np.linspace(-800, 800, 3201)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(z)
    # expit flushes some subnormal results to 0; ours keeps them, hence the tiny atol
    np.testing.assert_allclose(s, expit(z), rtol=1e-14, atol=1e-300)


def test_sigmoid_extremes_and_symmetry():
    assert sigmoid(1e6) == 1.0 and sigmoid(-1e6) == 0.0
    assert sigmoid(np.inf) == 1.0 and sigmoid(-np.inf) == 0.0
    z = np.random.default_rng(0).normal(scale=5, size=200)
    np.testing.assert_allclose(sigmoid(-z), 1.0 - sigmoid(z), atol=1e-15)
    # tiny values are kept accurately instead of underflowing through 1 - (something close to 1)
    np.testing.assert_allclose(sigmoid(-700.0), math.exp(-700.0), rtol=1e-12)


def test_sigmoid_keeps_shape_and_returns_float_for_scalars():
    assert isinstance(sigmoid(0.0), float) and sigmoid(0.0) == 0.5
    assert sigmoid(np.zeros((2, 3))).shape == (2, 3)


@pytest.mark.parametrize("bad, err", [("abc", TypeError), ([1.0, np.nan], ValueError), ([True], TypeError)])
def test_sigmoid_bad_input(bad, err):
    with pytest.raises(err, match="z"):
        sigmoid(bad)


# ------------------------------------------------------------------------------------ homework case


def test_homework_pre_activations_are_the_dot_products():
    tr = lstm_forward(X_HW, **W_HW, **B_HW)
    X = np.array(X_HW, dtype=float)
    for name, bias, got in (("w", "b", tr.z), ("w_i", "b_i", tr.z_i), ("w_f", "b_f", tr.z_f), ("w_o", "b_o", tr.z_o)):
        expected = [sum(wk * xk for wk, xk in zip(W_HW[name], row)) + B_HW[bias] for row in X_HW]
        np.testing.assert_array_equal(got, expected)
    # the values worked out by hand from the stated weights
    np.testing.assert_array_equal(tr.z_i, [90, 90, 190, 90])
    np.testing.assert_array_equal(tr.z_f, [10, 10, -90, 10])
    assert X.shape == (4, 4)


def test_homework_rounded_run_matches_hand_worked_values():
    tr = lstm_forward(X_HW, **W_HW, **B_HW, round_gates=True)
    # c' = i g + c f with 0/1 gates: 0 + 3 = 3; 3 - 2 = 1; forget closed -> 4; 4 + 0 = 4
    np.testing.assert_array_equal(tr.c, [3, 1, 4, 4])
    np.testing.assert_array_equal(tr.y, [0, 1, 4, 4])
    np.testing.assert_array_equal(tr.gate_f, [1, 1, 0, 1])
    np.testing.assert_array_equal(tr.c_prev, [0, 3, 1, 4])


def test_homework_exact_and_rounded_runs_are_close():
    exact = lstm_forward(X_HW, **W_HW, **B_HW)
    rounded = lstm_forward(X_HW, **W_HW, **B_HW, round_gates=True)
    # the least saturated gate input is |z| = 10, so each gate is within sigmoid(-10) ~ 4.5e-5 of 0/1
    np.testing.assert_allclose(exact.y, rounded.y, atol=2e-4)
    assert np.max(np.abs(exact.y - rounded.y)) > 0  # rounding does change something


@pytest.mark.parametrize("round_gates", [False, True])
@pytest.mark.parametrize("g, h", [("identity", "identity"), ("tanh", "tanh"), ("linear", "sigmoid"), ("sigmoid", "tanh")])
def test_matches_reference_on_random_sequences(g, h, round_gates):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(7, 3))
    ws = {k: rng.normal(size=3) for k in ("w", "w_i", "w_f", "w_o")}
    bs = {k: float(rng.normal()) for k in ("b", "b_i", "b_f", "b_o")}
    tr = lstm_forward(X, **ws, **bs, c0=0.4, g=g, h=h, round_gates=round_gates)
    ref = _reference(X.tolist(), **{k: v.tolist() for k, v in ws.items()}, **bs, c0=0.4, g=g, h=h,
                     round_gates=round_gates)
    np.testing.assert_allclose(_as_rows(tr), ref, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(tr.g, [ACTIVATIONS[g](np.array(v)) for v in tr.z], rtol=1e-13)


def test_round_gates_zero_input_gives_half():
    tr = lstm_forward([[0.0]], [1.0], [0.0], [0.0], [0.0], 2.0, round_gates=True)
    assert tr.gate_i[0] == 0.5 and tr.gate_f[0] == 0.5 and tr.gate_o[0] == 0.5
    assert tr.c[0] == 1.0  # 0.5 * 2 + 0 * 0.5


def test_trace_layout():
    tr = lstm_forward(X_HW, **W_HW, **B_HW)
    assert tr.n_steps == 4
    d = tr.as_dict()
    assert list(d) == ["z", "z_i", "z_f", "z_o", "g", "gate_i", "gate_f", "gate_o", "c_prev", "c", "h", "y"]
    assert all(v.shape == (4,) for v in d.values())
    np.testing.assert_array_equal(tr.c_prev[1:], tr.c[:-1])


def test_large_gate_inputs_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = lstm_forward([[1e4, -1e4]], [1, 1], [1, 0], [0, 1], [1, 1])
    assert tr.gate_i[0] == 1.0 and tr.gate_f[0] == 0.0


def test_overflow_is_reported():
    with pytest.raises(ValueError, match="overflow"):
        lstm_forward([[1e308, 1e308]], [10, 10], [0, 0], [0, 0], [0, 0])


# --------------------------------------------------------------------------------------- bad input

GOOD = dict(X=[[1.0, 2.0]], w=[1.0, 0.0], w_i=[1.0, 0.0], w_f=[1.0, 0.0], w_o=[1.0, 0.0])


@pytest.mark.parametrize(
    "name, value, err",
    [
        ("X", "abc", TypeError),
        ("X", [1.0, 2.0], ValueError),
        ("X", [[1.0, np.nan]], ValueError),
        ("X", np.zeros((0, 2)), ValueError),
        ("w", [1.0, 2.0, 3.0], ValueError),
        ("w", [[1.0, 2.0]], ValueError),
        ("w_i", [1.0], ValueError),
        ("w_f", ["a", "b"], TypeError),
        ("w_o", [np.inf, 0.0], ValueError),
        ("b", "0", TypeError),
        ("b_i", np.nan, ValueError),
        ("b_f", [1.0], TypeError),
        ("b_o", True, TypeError),
        ("c0", np.inf, ValueError),
        ("c0", None, TypeError),
        ("g", "relu", ValueError),
        ("g", np.tanh, TypeError),
        ("h", "softmax", ValueError),
        ("h", 3, TypeError),
        ("round_gates", 1, TypeError),
        ("round_gates", "yes", TypeError),
    ],
)
def test_bad_input_names_the_argument(name, value, err):
    kwargs = dict(GOOD)
    kwargs[name] = value
    with pytest.raises(err, match=name):
        lstm_forward(**kwargs)


def test_zero_dim_numpy_bias_is_accepted():
    tr = lstm_forward(**GOOD, b=np.float64(1.0), b_i=np.array(2.0))
    assert tr.z[0] == 2.0 and tr.z_i[0] == 3.0
