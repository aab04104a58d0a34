"""Tests for emlib.rnn: forward pass, stable BCE and BPTT gradients of the tanh RNN."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sympy as sp
from scipy.special import log_expit

from emlib.gradcheck import check_gradient
from emlib.rnn import RNNForward, RNNGradients, bce_with_logits, rnn_backward, rnn_forward, rnn_loss

POINT = dict(w_0=0.8, w_i=-0.6, w_h=1.1)
X2 = [0.7, -1.3]


# ------------------------------------------------------------------------------------------- BCE


def test_bce_with_logits_matches_the_probability_form_at_moderate_logits():
    rng = np.random.default_rng(0)
    logit = rng.normal(scale=3, size=50)
    y = rng.uniform(size=50)
    p = 1.0 / (1.0 + np.exp(-logit))
    naive = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(bce_with_logits(y, logit), naive, rtol=1e-10)


def test_bce_with_logits_is_stable_when_the_sigmoid_saturates():
    logit = np.array([-1000.0, -40.0, 40.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pos = bce_with_logits(np.ones(4), logit)
        neg = bce_with_logits(np.zeros(4), logit)
    np.testing.assert_allclose(pos, -log_expit(logit), rtol=1e-14)
    np.testing.assert_allclose(neg, -log_expit(-logit), rtol=1e-14)
    assert isinstance(bce_with_logits(1, 0.0), float)
    np.testing.assert_allclose(bce_with_logits(1, 0.0), math.log(2), rtol=1e-15)


@pytest.mark.parametrize(
    "kwargs, err, name",
    [
        (dict(y=1.5, logit=0.0), ValueError, "y"),
        (dict(y=-0.1, logit=0.0), ValueError, "y"),
        (dict(y="1", logit=0.0), TypeError, "y"),
        (dict(y=1.0, logit=np.nan), ValueError, "logit"),
        (dict(y=1.0, logit="big"), TypeError, "logit"),
        (dict(y=[1.0, 0.0, 1.0], logit=[0.0, 1.0]), ValueError, "logit"),
    ],
)
def test_bce_bad_input(kwargs, err, name):
    with pytest.raises(err, match=name):
        bce_with_logits(**kwargs)


# --------------------------------------------------------------------------------------- forward


def test_forward_two_steps_matches_the_closed_form():
    fwd = rnn_forward(X2, **POINT)
    assert isinstance(fwd, RNNForward)
    h1 = math.tanh(-0.6 * 0.7)
    h2 = math.tanh(-0.6 * -1.3 + 1.1 * h1)
    np.testing.assert_allclose(fwd.h, [0.0, h1, h2], rtol=1e-15)
    np.testing.assert_allclose(fwd.a, [-0.6 * 0.7, -0.6 * -1.3 + 1.1 * h1], rtol=1e-15)
    np.testing.assert_allclose(fwd.logit, 0.8 * h2, rtol=1e-15)
    np.testing.assert_allclose(fwd.y_hat, 1 / (1 + math.exp(-0.8 * h2)), rtol=1e-15)
    np.testing.assert_allclose(rnn_loss(X2, 1, **POINT), -math.log(fwd.y_hat), rtol=1e-14)
    np.testing.assert_allclose(rnn_loss(X2, 0, **POINT), -math.log(1 - fwd.y_hat), rtol=1e-14)


def test_vector_mode_forward_matches_a_plain_loop():
    rng = np.random.default_rng(2)
    W_i, W_h, w_0 = rng.normal(size=(3, 2)), rng.normal(size=(3, 3)), rng.normal(size=3)
    x, h0 = rng.normal(size=(5, 2)), rng.uniform(-1, 1, size=3)
    fwd = rnn_forward(x, W_i, W_h, w_0, h0=h0)
    h = h0.tolist()
    for t in range(5):
        h = [math.tanh(sum(W_i[j, k] * x[t, k] for k in range(2)) + sum(W_h[j, k] * h[k] for k in range(3)))
             for j in range(3)]
    np.testing.assert_allclose(fwd.h[-1], h, rtol=1e-13)
    np.testing.assert_allclose(fwd.logit, sum(w_0[j] * h[j] for j in range(3)), rtol=1e-13)
    assert fwd.h.shape == (6, 3) and fwd.a.shape == (5, 3)


# ------------------------------------------------------------------------- gradients: finite diff


def _scalar_loss(theta, x, y, h0=None):
    w_0, w_i, w_h = theta
    return rnn_loss(x, y, w_i, w_h, w_0, h0=h0)


def _scalar_grad(theta, x, y, h0=None):
    w_0, w_i, w_h = theta
    g = rnn_backward(x, y, w_i, w_h, w_0, h0=h0)
    return np.array([g.d_w_0, g.d_w_i, g.d_w_h])


@pytest.mark.parametrize("n_steps", [1, 2, 3, 8])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_scalar_gradients_match_finite_differences(n_steps, y):
    rng = np.random.default_rng(10 + n_steps)
    x = rng.normal(size=n_steps)
    theta = rng.normal(size=3)
    h0 = float(rng.uniform(-0.5, 0.5))
    check_gradient(lambda th: _scalar_loss(th, x, y, h0), lambda th: _scalar_grad(th, x, y, h0), theta,
                   rtol=1e-6, atol=1e-9)


def test_gradient_with_respect_to_h0_and_hidden_states():
    x = np.array([0.3, -0.8, 1.2, 0.1])
    g = rnn_backward(x, 1.0, 0.9, -0.7, 1.3, h0=0.2)
    check_gradient(lambda v: rnn_loss(x, 1.0, 0.9, -0.7, 1.3, h0=float(v[0])), np.array([g.d_h0]),
                   np.array([0.2]), rtol=1e-6, atol=1e-10)
    # dL/dh_T is direct: (y_hat - y) w_0
    np.testing.assert_allclose(g.d_h[-1], (g.y_hat - 1.0) * 1.3, rtol=1e-14)
    assert g.d_h.shape == (4,)


def test_vector_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    H, D, T = 3, 2, 6
    W_i, W_h, w_0 = rng.normal(size=(H, D)), 0.7 * rng.normal(size=(H, H)), rng.normal(size=H)
    x, h0 = rng.normal(size=(T, D)), rng.uniform(-1, 1, size=H)
    g = rnn_backward(x, 0.0, W_i, W_h, w_0, h0=h0)
    assert isinstance(g, RNNGradients)
    check_gradient(lambda v: rnn_loss(x, 0.0, v, W_h, w_0, h0=h0), g.d_w_i, W_i)
    check_gradient(lambda v: rnn_loss(x, 0.0, W_i, v, w_0, h0=h0), g.d_w_h, W_h)
    check_gradient(lambda v: rnn_loss(x, 0.0, W_i, W_h, v, h0=h0), g.d_w_0, w_0)
    check_gradient(lambda v: rnn_loss(x, 0.0, W_i, W_h, w_0, h0=v), g.d_h0, h0)


def test_scalar_mode_equals_vector_mode_with_one_unit():
    x = [0.5, -1.0, 2.0]
    s = rnn_backward(x, 1.0, 0.4, -0.9, 1.7, h0=0.1)
    v = rnn_backward(np.reshape(x, (3, 1)), 1.0, [[0.4]], [[-0.9]], [1.7], h0=[0.1])
    for name in ("loss", "y_hat", "d_w_0", "d_w_h", "d_w_i", "d_h0"):
        np.testing.assert_allclose(np.ravel(getattr(v, name)), getattr(s, name), rtol=1e-15)
    assert isinstance(s.d_w_h, float) and np.shape(v.d_w_h) == (1, 1)


def test_saturated_network_gives_finite_loss_and_gradients_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = rnn_backward([50.0, -80.0], 1.0, 3.0, 2.0, 900.0)  # h_2 = -1, logit -900
    assert np.isfinite(g.loss) and g.loss > 800  # the prediction is confidently wrong
    np.testing.assert_allclose(g.loss, 900.0, rtol=1e-15)  # -log sigmoid(-900) = 900 + log1p(e^-900)
    assert g.y_hat == 0.0 and g.d_w_0 == pytest.approx(1.0)  # (y_hat - y) h_2 = (0 - 1)(-1)
    assert all(np.isfinite(v) for v in (g.d_w_0, g.d_w_h, g.d_w_i))


# --------------------------------------------------------------------------- gradients: sympy


def _sympy_gradients():
    w0, wi, wh, x1, x2, y = sp.symbols("w_0 w_i w_h x_1 x_2 y", real=True)
    h1 = sp.tanh(wi * x1)
    h2 = sp.tanh(wi * x2 + wh * h1)
    y_hat = 1 / (1 + sp.exp(-w0 * h2))
    L = -(y * sp.log(y_hat) + (1 - y) * sp.log(1 - y_hat))
    args = (w0, wi, wh, x1, x2, y)
    return [sp.lambdify(args, sp.diff(L, v), "mpmath") for v in (w0, wi, wh)]


def test_two_step_gradients_match_sympy():
    d_w0, d_wi, d_wh = _sympy_gradients()
    rng = np.random.default_rng(4)
    for _ in range(5):
        w0, wi, wh, x1, x2 = rng.uniform(-1.5, 1.5, size=5)
        for y in (0.0, 1.0):
            g = rnn_backward([x1, x2], y, wi, wh, w0)
            expected = [float(f(w0, wi, wh, x1, x2, y)) for f in (d_w0, d_wi, d_wh)]
            np.testing.assert_allclose([g.d_w_0, g.d_w_i, g.d_w_h], expected, rtol=1e-11, atol=1e-14)


# ------------------------------------------------------------------------------------- bad input

GOOD = dict(x=[0.7, -1.3], y=1.0, w_i=-0.6, w_h=1.1, w_0=0.8)
VEC = dict(x=np.zeros((3, 2)), y=1.0, w_i=np.zeros((4, 2)), w_h=np.zeros((4, 4)), w_0=np.zeros(4))


@pytest.mark.parametrize(
    "base, name, value, err",
    [
        (GOOD, "x", "abc", TypeError),
        (GOOD, "x", [[0.7, -1.3]], ValueError),
        (GOOD, "x", [], ValueError),
        (GOOD, "x", [0.1, np.nan], ValueError),
        (GOOD, "y", 1.5, ValueError),
        (GOOD, "y", np.nan, ValueError),
        (GOOD, "y", "1", TypeError),
        (GOOD, "y", True, TypeError),
        (GOOD, "w_i", [1.0, 2.0], ValueError),
        (GOOD, "w_i", np.inf, ValueError),
        (GOOD, "w_h", "1", TypeError),
        (GOOD, "w_h", np.nan, ValueError),
        (GOOD, "w_0", [0.8], ValueError),
        (GOOD, "w_0", None, TypeError),
        (GOOD, "h0", [0.0], ValueError),
        (GOOD, "h0", np.nan, ValueError),
        (VEC, "x", np.zeros((3, 3)), ValueError),
        (VEC, "w_i", np.zeros((3, 2)), ValueError),
        (VEC, "w_h", np.zeros((4, 3)), ValueError),
        (VEC, "w_h", np.zeros(4), ValueError),
        (VEC, "w_0", np.zeros(3), ValueError),
        (VEC, "h0", np.zeros(3), ValueError),
    ],
)
def test_bad_input_names_the_argument(base, name, value, err):
    kwargs = dict(base)
    kwargs[name] = value
    with pytest.raises(err, match=name):
        rnn_backward(**kwargs)
    if name != "y":
        kwargs.pop("y")
        with pytest.raises(err, match=name):
            rnn_forward(**kwargs)


def test_overflow_is_reported():
    with pytest.raises(ValueError, match="overflow"):
        rnn_forward([1e308, 1.0], 10.0, 1.0, 1.0)


def test_rnn_loss_rejects_bad_label():
    with pytest.raises(ValueError, match="y"):
        rnn_loss(X2, 2.0, **POINT)


# ------------------------------------------------- saturation: against an mpmath reference (issue 16)


def _mp_rnn_backward(x, y, W_i, W_h, w_0, h0):
    """Loss and BPTT gradients of the vector-mode RNN in 250-digit arithmetic from the float inputs.

    250 digits: the reference uses the textbook forms, and ``sigmoid(s) - 1`` at ``s = 200`` cancels
    87 digits.
    """
    import mpmath as mp

    with mp.workdps(250):
        X, Wi, Wh = (mp.matrix(np.asarray(a, dtype=float).tolist()) for a in (x, W_i, W_h))
        w0, h = mp.matrix(np.asarray(w_0, dtype=float).tolist()), mp.matrix(np.asarray(h0, dtype=float).tolist())
        T, H, D = X.rows, Wh.rows, Wi.cols
        hs, a_s = [h], []
        for t in range(T):
            a = Wi * X[t, :].T + Wh * hs[-1]
            a_s.append(a)
            hs.append(a.apply(mp.tanh))
        s = (w0.T * hs[-1])[0]
        y = mp.mpf(float(y))
        loss = mp.log1p(mp.exp(s)) - y * s if s < 0 else s - y * s + mp.log1p(mp.exp(-s))
        r = 1 / (1 + mp.exp(-s)) - y
        g_w0, g_wi, g_wh = r * hs[-1], mp.zeros(H, D), mp.zeros(H, H)
        up = r * w0
        for t in range(T - 1, -1, -1):
            delta = mp.matrix([up[i] * mp.sech(a_s[t][i]) ** 2 for i in range(H)])
            g_wi += delta * X[t, :]
            g_wh += delta * hs[t].T
            up = Wh.T * delta
        as_np = lambda m: np.array(m.tolist(), dtype=object)  # noqa: E731
        return loss, as_np(g_w0).ravel(), as_np(g_wi), as_np(g_wh), as_np(up).ravel()


def _assert_rel(actual, expected, rtol=1e-12):
    import mpmath as mp

    actual, expected = np.ravel(actual), np.ravel(expected)
    for a, e in zip(actual, expected):
        assert e != 0, "the reference has an exact zero; choose another case"
        assert abs(mp.mpf(float(a)) - e) <= rtol * abs(e), f"{a!r} vs {mp.nstr(e, 20)}"


SATURATED_CASES = {
    # label 1, logit about 43: sigmoid(s) - 1 rounds to 0 in float64 while the loss is about 2e-19
    "confident-correct": dict(x=[[2.0], [1.5]], y=1.0, W_i=[[1.0]], W_h=[[0.5]], w_0=[45.0], h0=[0.0]),
    # pre-activations 30 and 40: tanh rounds to 1 and 1 - h^2 to 0, sech^2 is about 1e-26 and 1e-35
    "saturated-tanh": dict(x=[[30.0], [25.0]], y=0.0, W_i=[[1.0]], W_h=[[15.0]], w_0=[0.7], h0=[0.2]),
    # both at once, logit about 200 (residual about 1e-87)
    "both": dict(x=[[25.0], [30.0], [0.0]], y=1.0, W_i=[[1.0]], W_h=[[21.0]], w_0=[200.0], h0=[0.0]),
    "vector": dict(x=[[20.0, -3.0], [1.0, 24.0]], y=1.0, W_i=[[1.0, 0.5], [-0.8, 1.1]],
                   W_h=[[0.3, -0.2], [0.1, 0.4]], w_0=[30.0, 25.0], h0=[0.1, -0.3]),
    "moderate": dict(x=[[0.3, -0.7], [1.1, 0.4], [-0.5, 0.9]], y=0.3, W_i=[[0.6, -0.4], [0.2, 0.9]],
                     W_h=[[0.5, -0.3], [0.4, 0.2]], w_0=[1.3, -0.8], h0=[0.05, -0.1]),
}


@pytest.mark.parametrize("case", SATURATED_CASES, ids=list(SATURATED_CASES))
def test_saturated_gradients_match_mpmath(case):
    kw = SATURATED_CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = rnn_backward(kw["x"], kw["y"], kw["W_i"], kw["W_h"], kw["w_0"], h0=kw["h0"])
    loss, g_w0, g_wi, g_wh, g_h0 = _mp_rnn_backward(**kw)
    _assert_rel(g.loss, loss)
    assert g.loss > 0
    for actual, expected in ((g.d_w_0, g_w0), (g.d_w_i, g_wi), (g.d_w_h, g_wh), (g.d_h0, g_h0)):
        assert np.all(np.asarray(actual) != 0), "a positive loss must not give exactly zero gradients"
        _assert_rel(actual, expected)


def test_confident_correct_prediction_keeps_a_gradient_in_scalar_mode():
    # y = 1, logit = 40 * tanh(3) ~ 39.8: sigmoid(s) rounds to 1.0 exactly
    g = rnn_backward([3.0], 1.0, 1.0, 0.0, 40.0)
    assert g.y_hat == 1.0 and g.loss > 0
    assert g.d_w_0 < 0 and g.d_w_i < 0  # pushing the logit further up still lowers the loss
    np.testing.assert_allclose(-g.d_w_0 / math.tanh(3.0), g.loss, rtol=1e-12)  # |dL/ds| ~ L ~ e^-s


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_bce_residual_and_tanh_derivative_match_mpmath(y):
    import mpmath as mp

    from emlib.rnn import _bce_residual, _tanh_derivative

    for s in (-700.0, -40.0, -3.0, -1e-9, 0.0, 1e-9, 0.5, 3.0, 37.0, 40.0, 700.0):
        ref = 1 / (1 + mp.exp(-mp.mpf(s))) - mp.mpf(y)
        if ref == 0:
            continue
        with mp.workdps(60):
            ref = 1 / (1 + mp.exp(-mp.mpf(s))) - mp.mpf(y)
            got = mp.mpf(_bce_residual(y, s))
            assert abs(got - ref) <= 1e-12 * abs(ref), (s, got, ref)
    a = np.array([-350.0, -40.0, -19.5, -1.0, -1e-8, 0.0, 1e-8, 0.3, 2.0, 19.5, 30.0, 354.0])
    d = _tanh_derivative(a)
    with mp.workdps(60):
        for ai, di in zip(a, d):
            ref = mp.sech(mp.mpf(ai)) ** 2
            assert abs(mp.mpf(di) - ref) <= 1e-12 * ref, (ai, di, ref)
