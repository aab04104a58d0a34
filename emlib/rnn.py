"""A tanh RNN read out by a sigmoid, trained with binary cross-entropy: forward pass and BPTT.

Model (no biases, as in the exercise), for a sequence ``x_1 .. x_T``:

.. math::

    h_t = \\tanh(W_i x_t + W_h h_{t-1}), \\qquad s = w_0^\\top h_T, \\qquad \\hat y = \\sigma(s),

    L(y, \\hat y) = -[y \\log \\hat y + (1 - y) \\log(1 - \\hat y)] = \\operatorname{softplus}(s) - y s.

Two shapes are supported. *Scalar mode*: ``w_i``, ``w_h``, ``w_0`` and ``h0`` are real numbers and
``x`` is a 1-D sequence (the homework set-up). *Vector mode*: a hidden state of size ``H`` and inputs
of size ``D``, with ``w_i`` of shape (H, D), ``w_h`` (H, H), ``w_0`` (H,), ``h0`` (H,) and ``x``
(T, D). Scalar mode is vector mode with H = D = 1, and results come back as floats.

The loss is computed from the logit ``s`` (never from ``log`` of a rounded ``y_hat``), so it stays
finite and accurate when the sigmoid saturates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import check_array, check_real
from .lstm import _real_array, _real_scalar, sigmoid

__all__ = ["bce_with_logits", "RNNForward", "RNNGradients", "rnn_forward", "rnn_loss", "rnn_backward"]


def _bce_residual(y: float, logit: float) -> float:
    """``dL/ds = sigmoid(s) - y`` of the binary cross-entropy, evaluated stably from the logit ``s``.

    For ``s >= 0`` it is ``(1 - y) - sigmoid(-s)`` with ``sigmoid(-s) = e^-s / (1 + e^-s)``: for a
    label of 1 and a large positive logit the residual is ``-sigmoid(-s)`` to full relative accuracy
    (``sigmoid(s) - 1`` rounds to 0 once ``s > 37`` although the loss, about ``e^-s``, is still
    positive). For ``s < 0`` it is ``e^s / (1 + e^s) - y``, accurate for a label of 0. No exponential
    overflows.
    """
    t = math.exp(-abs(logit))  # in (0, 1]; underflows to 0 only where the loss does too
    sig_neg = t / (1.0 + t)  # sigmoid(-|s|)
    return (1.0 - y) - sig_neg if logit >= 0.0 else sig_neg - y


def _tanh_derivative(a: np.ndarray) -> np.ndarray:
    """``d tanh(a) / da = 1 - tanh(a)^2 = sech(a)^2``, evaluated stably from the pre-activation.

    ``sech(a)^2 = 4 e^{-2|a|} / (1 + e^{-2|a|})^2`` keeps full relative accuracy for every ``a``,
    whereas ``1 - h^2`` with ``h = tanh(a)`` rounds to exactly 0 once ``|a| > 19`` (``h`` rounds to
    +-1) and loses relative accuracy well before.
    """
    t = np.exp(-2.0 * np.abs(a))
    return 4.0 * t / (1.0 + t) ** 2


def bce_with_logits(y: Any, logit: Any) -> np.ndarray | float:
    """Binary cross-entropy ``-[y log s(l) + (1-y) log(1-s(l))]`` evaluated stably from the logit.

    Parameters
    ----------
    y : array_like
        Targets in [0, 1] (hard 0/1 labels or soft labels).
    logit : array_like
        Logits ``l``; broadcast against ``y``.

    Returns
    -------
    numpy.ndarray or float
        The loss, ``log(1 + exp(l)) - y l``, element-wise (a float for scalar input).

    Notes
    -----
    Evaluated as ``max(l, 0) - y l + log1p(exp(-|l|))``, which neither overflows for large ``|l|``
    nor loses the small loss of a confident correct prediction to cancellation.
    """
    y = _real_array(y, "y")
    if np.any((y < 0) | (y > 1)):
        raise ValueError("y must lie in [0, 1]")
    logit = _real_array(logit, "logit")
    try:
        # log(1 + e^l) - y l = max(l, 0) - y l + log1p(e^-|l|): the exponential never overflows and,
        # for hard labels, the first two terms cancel exactly, so tiny losses keep their digits.
        out = np.maximum(logit, 0.0) - y * logit + np.log1p(np.exp(-np.abs(logit)))
    except ValueError:
        raise ValueError(f"y and logit must broadcast, got shapes {y.shape} and {logit.shape}") from None
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class RNNForward:
    """Forward pass of the RNN.

    Attributes
    ----------
    h : numpy.ndarray of shape (T + 1,) or (T + 1, H)
        Hidden states ``h_0 .. h_T`` (row 0 is the initial state).
    a : numpy.ndarray of shape (T,) or (T, H)
        Pre-activations ``a_t = w_i x_t + w_h h_{t-1}``, so ``h_t = tanh(a_t)``.
    logit : float
        ``s = w_0 h_T``.
    y_hat : float
        ``sigmoid(s)``.
    """

    h: np.ndarray
    a: np.ndarray
    logit: float
    y_hat: float


@dataclass(frozen=True)
class RNNGradients:
    """Loss and its gradients from back-propagation through time.

    Attributes
    ----------
    loss : float
        Binary cross-entropy of the prediction.
    y_hat : float
        The prediction ``sigmoid(w_0 h_T)``.
    d_w_0, d_w_h, d_w_i : float or numpy.ndarray
        ``dL/dw_0``, ``dL/dw_h``, ``dL/dw_i``, shaped like the weights.
    d_h : numpy.ndarray of shape (T,) or (T, H)
        Total derivatives ``dL/dh_t`` for ``t = 1 .. T`` (through all later steps).
    d_h0 : float or numpy.ndarray
        ``dL/dh_0``.
    """

    loss: float
    y_hat: float
    d_w_0: float | np.ndarray
    d_w_h: float | np.ndarray
    d_w_i: float | np.ndarray
    d_h: np.ndarray
    d_h0: float | np.ndarray


def _check_mode_scalar(value: Any, name: str) -> float:
    if np.ndim(value) != 0 and not isinstance(value, str):
        raise ValueError(f"{name} must be a number because w_h is a number (scalar mode), "
                         f"got shape {np.shape(value)}")
    return _real_scalar(value, name)


def _validate(x: Any, w_i: Any, w_h: Any, w_0: Any, h0: Any):
    """Return (scalar_mode, x (T, D), W_i (H, D), W_h (H, H), w_0 (H,), h0 (H,))."""
    try:
        scalar = np.ndim(w_h) == 0
    except ValueError:  # ragged nested lists: let check_array report it below
        scalar = False
    if scalar:
        # Scalar mode: every weight is a number and x is a plain sequence of numbers.
        W_h = np.array([[_real_scalar(w_h, "w_h")]])
        W_i = np.array([[_check_mode_scalar(w_i, "w_i")]])
        v_0 = np.array([_check_mode_scalar(w_0, "w_0")])
        X = check_array(x, "x", ndim=1).reshape(-1, 1)
        v_h0 = np.zeros(1) if h0 is None else np.array([_check_mode_scalar(h0, "h0")])
        return True, X, W_i, W_h, v_0, v_h0
    W_h = check_array(w_h, "w_h", ndim=2)
    n_hidden = W_h.shape[0]
    if W_h.shape != (n_hidden, n_hidden):
        raise ValueError(f"w_h must be square (n_hidden, n_hidden) in vector mode, got shape {W_h.shape}")
    W_i = check_array(w_i, "w_i", ndim=2)
    if W_i.shape[0] != n_hidden:
        raise ValueError(f"w_i must have shape ({n_hidden}, n_inputs) to match w_h, got {W_i.shape}")
    n_inputs = W_i.shape[1]
    v_0 = check_array(w_0, "w_0", shape=(n_hidden,))
    X = check_array(x, "x", shape=(None, n_inputs))
    v_h0 = np.zeros(n_hidden) if h0 is None else check_array(h0, "h0", shape=(n_hidden,))
    return False, X, W_i, W_h, v_0, v_h0


def _forward(X, W_i, W_h, v_0, v_h0):
    n_steps, n_hidden = X.shape[0], W_h.shape[0]
    h = np.empty((n_steps + 1, n_hidden))
    a = np.empty((n_steps, n_hidden))
    h[0] = v_h0
    with np.errstate(over="ignore", invalid="ignore"):
        drive = X @ W_i.T  # the input part of every pre-activation, all steps at once
        for t in range(n_steps):  # bounded by the sequence length
            a[t] = drive[t] + W_h @ h[t]
            h[t + 1] = np.tanh(a[t])
        logit = float(v_0 @ h[-1])
    if not (np.all(np.isfinite(a)) and np.isfinite(logit)):
        raise ValueError("the pre-activations overflowed; rescale x or the weights")
    return h, a, logit


def rnn_forward(x: Any, w_i: Any, w_h: Any, w_0: Any, *, h0: Any = None) -> RNNForward:
    """Run the tanh RNN over ``x`` and read out ``y_hat = sigmoid(w_0 h_T)``.

    Parameters
    ----------
    x : array_like of shape (T,) in scalar mode, (T, D) in vector mode
        The input sequence (T >= 1).
    w_i : float or array_like of shape (H, D)
        Input-to-hidden weight.
    w_h : float or array_like of shape (H, H)
        Hidden-to-hidden weight; a scalar selects scalar mode.
    w_0 : float or array_like of shape (H,)
        Read-out weight.
    h0 : float or array_like of shape (H,), optional
        Initial hidden state; zero by default (the exercise's ``h_0 = 0``).

    Returns
    -------
    RNNForward
        Hidden states, pre-activations, logit and prediction.
    """
    scalar, X, W_i, W_h, v_0, v_h0 = _validate(x, w_i, w_h, w_0, h0)
    h, a, logit = _forward(X, W_i, W_h, v_0, v_h0)
    if scalar:
        h, a = h[:, 0], a[:, 0]
    return RNNForward(h=h, a=a, logit=logit, y_hat=float(sigmoid(logit)))


def rnn_loss(x: Any, y: float, w_i: Any, w_h: Any, w_0: Any, *, h0: Any = None) -> float:
    """Binary cross-entropy of the RNN's prediction for label ``y`` (see :func:`rnn_forward`).

    Parameters
    ----------
    x, w_i, w_h, w_0, h0
        As in :func:`rnn_forward`.
    y : float
        Label in [0, 1].

    Returns
    -------
    float
        ``-[y log y_hat + (1 - y) log(1 - y_hat)]``, computed from the logit.
    """
    y = check_real(_real_scalar(y, "y"), "y", low=0.0, high=1.0)
    fwd = rnn_forward(x, w_i, w_h, w_0, h0=h0)
    return float(bce_with_logits(y, fwd.logit))


def rnn_backward(x: Any, y: float, w_i: Any, w_h: Any, w_0: Any, *, h0: Any = None) -> RNNGradients:
    """Loss and gradients of the tanh RNN by back-propagation through time.

    Parameters
    ----------
    x, w_i, w_h, w_0, h0
        As in :func:`rnn_forward`.
    y : float
        Label in [0, 1].

    Returns
    -------
    RNNGradients
        The loss, the prediction, ``dL/dw_0``, ``dL/dw_h``, ``dL/dw_i`` (shaped like the weights),
        and the total derivatives ``dL/dh_t``.

    Notes
    -----
    With ``r = y_hat - y`` (the derivative of the loss with respect to the logit),
    ``dL/dw_0 = r h_T`` and ``dL/dh_T = r w_0``. Going back in time, with
    ``delta_t = dL/dh_t * (1 - h_t^2)`` (the tanh derivative), each step adds
    ``delta_t x_t^T`` to ``dL/dw_i`` and ``delta_t h_{t-1}^T`` to ``dL/dw_h``, and passes
    ``dL/dh_{t-1} = w_h^T delta_t`` to the step before.

    Saturation: ``r`` is computed from the logit (for ``y = 1`` and a large logit ``s`` it is
    ``-e^-s / (1 + e^-s)``, not ``sigmoid(s) - 1``, which rounds to 0 while the loss is still
    positive), and ``1 - h_t^2`` from the pre-activation as ``sech(a_t)^2 = 4 e^{-2|a_t|} /
    (1 + e^{-2|a_t|})^2`` (not from ``h_t``, which rounds to +-1 once ``|a_t| > 19``). Gradients of a
    saturated network are therefore tiny but not zero, and accurate to rounding.
    """
    y = check_real(_real_scalar(y, "y"), "y", low=0.0, high=1.0)
    scalar, X, W_i, W_h, v_0, v_h0 = _validate(x, w_i, w_h, w_0, h0)
    h, a, logit = _forward(X, W_i, W_h, v_0, v_h0)
    y_hat = float(sigmoid(logit))
    residual = _bce_residual(y, logit)  # dL/ds = sigmoid(s) - y, from the logit
    tanh_prime = _tanh_derivative(a)  # 1 - h_t^2 for t = 1 .. T, from the pre-activations
    g_w0 = residual * h[-1]
    g_wi = np.zeros_like(W_i)
    g_wh = np.zeros_like(W_h)
    n_steps = X.shape[0]
    d_h = np.empty((n_steps, W_h.shape[0]))
    upstream = residual * v_0
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(n_steps - 1, -1, -1):  # bounded by the sequence length
            d_h[t] = upstream
            delta = upstream * tanh_prime[t]
            g_wi += np.outer(delta, X[t])
            g_wh += np.outer(delta, h[t])
            upstream = W_h.T @ delta
    if not all(np.all(np.isfinite(g)) for g in (g_w0, g_wi, g_wh, d_h, upstream)):
        raise ValueError("the gradients overflow the float range; rescale x or the weights")
    loss = float(bce_with_logits(y, logit))
    if scalar:
        return RNNGradients(loss=loss, y_hat=y_hat, d_w_0=float(g_w0[0]), d_w_h=float(g_wh[0, 0]),
                            d_w_i=float(g_wi[0, 0]), d_h=d_h[:, 0], d_h0=float(upstream[0]))
    return RNNGradients(loss=loss, y_hat=y_hat, d_w_0=g_w0, d_w_h=g_wh, d_w_i=g_wi, d_h=d_h, d_h0=upstream)
