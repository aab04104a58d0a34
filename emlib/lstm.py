"""Forward pass of a single-cell LSTM with a scalar memory cell, keeping every intermediate.

The conventions follow the classic "one memory cell, four gate inputs" exercise:

.. math::

    z = w^\\top x + b, \\quad z_i = w_i^\\top x + b_i, \\quad z_f = w_f^\\top x + b_f,
    \\quad z_o = w_o^\\top x + b_o,

    c' = f(z_i)\\, g(z) + c\\, f(z_f), \\qquad y = f(z_o)\\, h(c'),

where ``f`` is the logistic sigmoid (the gates) and ``g``, ``h`` are the input and output activations
(the identity in the exercise). The whole sequence is run and every intermediate is returned, so a
worked table can be rebuilt from code rather than copied.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Callable

import numpy as np

from ._validation import check_array, check_real

__all__ = ["sigmoid", "LSTMTrace", "lstm_forward", "ACTIVATIONS"]


def _real_array(value: Any, name: str, *, finite: bool = True) -> np.ndarray:
    """``check_array`` that keeps 0-d input 0-d.

    ``_validation.check_array`` returns shape (1,) for a scalar (``np.ascontiguousarray`` promotes
    0-d arrays), so the scalar shape is restored here.
    """
    arr = check_array(value, name, min_rows=0, finite=finite)
    return arr.reshape(()) if arr.size == 1 and np.ndim(value) == 0 else arr


def _real_scalar(value: Any, name: str) -> float:
    """A finite real number; also accepts 0-d numpy arrays (booleans are rejected)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    return check_real(value, name)


def sigmoid(z: Any) -> np.ndarray | float:
    """Logistic sigmoid ``1 / (1 + exp(-z))`` without overflow for large ``|z|``.

    Parameters
    ----------
    z : array_like
        Real input of any shape.

    Returns
    -------
    numpy.ndarray or float
        Values in [0, 1], same shape as ``z`` (a float for scalar input).

    Notes
    -----
    ``exp`` is only ever applied to ``-|z|``, which cannot overflow; for ``z >= 0`` the usual form is
    used and for ``z < 0`` the algebraically equal ``exp(z) / (1 + exp(z))``.
    """
    arr = _real_array(z, "z", finite=False)
    if np.any(np.isnan(arr)):
        raise ValueError("z must not contain NaN")
    e = np.exp(-np.abs(arr))  # in (0, 1]: never overflows
    out = np.where(arr >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return float(out) if out.ndim == 0 else out


def _identity(v: np.ndarray) -> np.ndarray:
    return v


#: Activations selectable by name for ``g`` and ``h``. "linear" is an alias of "identity".
ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": _identity,
    "linear": _identity,
    "tanh": np.tanh,
    "sigmoid": lambda v: np.asarray(sigmoid(v)),
}


def _check_activation(value: Any, name: str) -> Callable[[np.ndarray], np.ndarray]:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {sorted(ACTIVATIONS)} (a str), got {type(value).__name__}")
    if value not in ACTIVATIONS:
        raise ValueError(f"{name} must be one of {sorted(ACTIVATIONS)}, got {value!r}")
    return ACTIVATIONS[value]


@dataclass(frozen=True)
class LSTMTrace:
    """Every intermediate of an LSTM forward pass; each field has one entry per time step.

    Attributes
    ----------
    z, z_i, z_f, z_o : numpy.ndarray
        Pre-activations of the cell input and of the input, forget and output gates.
    g : numpy.ndarray
        ``g(z)``, the activated cell input.
    gate_i, gate_f, gate_o : numpy.ndarray
        Gate values ``f(z_i)``, ``f(z_f)``, ``f(z_o)`` (rounded to 0/1 if requested).
    c_prev : numpy.ndarray
        Memory ``c`` entering the step.
    c : numpy.ndarray
        Updated memory ``c' = f(z_i) g(z) + c f(z_f)``.
    h : numpy.ndarray
        ``h(c')``.
    y : numpy.ndarray
        Output ``f(z_o) h(c')``.
    """

    z: np.ndarray
    z_i: np.ndarray
    z_f: np.ndarray
    z_o: np.ndarray
    g: np.ndarray
    gate_i: np.ndarray
    gate_f: np.ndarray
    gate_o: np.ndarray
    c_prev: np.ndarray
    c: np.ndarray
    h: np.ndarray
    y: np.ndarray

    @property
    def n_steps(self) -> int:
        """Number of time steps."""
        return int(self.y.shape[0])

    def as_dict(self) -> dict[str, np.ndarray]:
        """Return the fields as ``{name: array}`` in declaration order (for building tables)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def lstm_forward(
    X: Any,
    w: Any,
    w_i: Any,
    w_f: Any,
    w_o: Any,
    b: float = 0.0,
    b_i: float = 0.0,
    b_f: float = 0.0,
    b_o: float = 0.0,
    *,
    c0: float = 0.0,
    g: str = "identity",
    h: str = "identity",
    round_gates: bool = False,
) -> LSTMTrace:
    """Run a scalar-memory LSTM cell over a sequence and return every intermediate.

    Parameters
    ----------
    X : array_like of shape (n_steps, n_features)
        The input sequence, one row per time step.
    w, w_i, w_f, w_o : array_like of shape (n_features,)
        Weights of the cell input and of the input, forget and output gates.
    b, b_i, b_f, b_o : float, default 0.0
        The matching biases.
    c0 : float, default 0.0
        Memory before the first step.
    g, h : {"identity", "linear", "tanh", "sigmoid"}, default "identity"
        Input activation ``g`` and output activation ``h``.
    round_gates : bool, default False
        Replace each gate value ``sigmoid(z)`` by its rounding to 0 or 1, as hand-worked exercises do
        (a gate input of exactly 0 keeps the value 0.5, where rounding is undecided).

    Returns
    -------
    LSTMTrace
        All pre-activations, gate values, memories and outputs, one entry per step.

    Raises
    ------
    ValueError
        On shape mismatches, non-finite values or an unknown activation name.
    TypeError
        On non-numeric arrays, non-real biases or a non-bool ``round_gates``.
    """
    X = check_array(X, "X", ndim=2)
    n_features = X.shape[1]
    weights = [check_array(v, name, shape=(n_features,)) for v, name in
               ((w, "w"), (w_i, "w_i"), (w_f, "w_f"), (w_o, "w_o"))]
    biases = [_real_scalar(v, name) for v, name in ((b, "b"), (b_i, "b_i"), (b_f, "b_f"), (b_o, "b_o"))]
    c0 = _real_scalar(c0, "c0")
    g_fun = _check_activation(g, "g")
    h_fun = _check_activation(h, "h")
    if not isinstance(round_gates, (bool, np.bool_)):
        raise TypeError(f"round_gates must be a bool, got {type(round_gates).__name__}")

    # Overflow (only possible for inputs near the float range) is reported below as a ValueError
    # instead of a RuntimeWarning followed by silent infinities.
    with np.errstate(over="ignore", invalid="ignore"):
        # Pre-activations do not depend on the memory, so they are computed for all steps at once.
        z, z_i, z_f, z_o = (X @ wt + bt for wt, bt in zip(weights, biases))
        if not all(np.all(np.isfinite(v)) for v in (z, z_i, z_f, z_o)):
            raise ValueError("X and the weights overflow the gate inputs; rescale them")
        if round_gates:
            gate_i, gate_f, gate_o = (np.heaviside(v, 0.5) for v in (z_i, z_f, z_o))
        else:
            gate_i, gate_f, gate_o = (np.asarray(sigmoid(v)) for v in (z_i, z_f, z_o))
        g_z = np.asarray(g_fun(z), dtype=float)

        # The memory recursion c_t = f(z_i) g(z) + c_{t-1} f(z_f) is the only sequential part.
        n_steps = X.shape[0]
        c_prev = np.empty(n_steps)
        c = np.empty(n_steps)
        memory = c0
        for t in range(n_steps):  # bounded by the sequence length
            c_prev[t] = memory
            memory = gate_i[t] * g_z[t] + memory * gate_f[t]
            c[t] = memory
        h_c = np.asarray(h_fun(c), dtype=float)
        y = gate_o * h_c
    if not (np.all(np.isfinite(c)) and np.all(np.isfinite(y))):
        raise ValueError("the memory overflowed to infinity; rescale X, the weights or c0")
    return LSTMTrace(z=z, z_i=z_i, z_f=z_f, z_o=z_o, g=g_z, gate_i=gate_i, gate_f=gate_f, gate_o=gate_o,
                     c_prev=c_prev, c=c, h=h_c, y=y)
