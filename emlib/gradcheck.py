"""Central finite differences for checking analytic gradients of numpy functions."""

from __future__ import annotations

from typing import Callable

import numpy as np

from ._validation import check_array, check_real

__all__ = ["numerical_gradient", "check_gradient"]

#: Default relative step: the cube root of machine epsilon balances the O(h^2) truncation error of
#: central differences against the O(eps/h) rounding error.
DEFAULT_EPS = float(np.finfo(np.float64).eps ** (1.0 / 3.0))


def numerical_gradient(
    fun: Callable[[np.ndarray], float], x: np.ndarray, eps: float | None = None
) -> np.ndarray:
    """Central-difference gradient of a scalar function at ``x``.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> float`` for an array ``x`` of the same shape as the point.
    x : array_like
        The point; any shape (a scalar, a vector, a matrix, ...).
    eps : float, optional
        Relative step. Entry ``i`` is perturbed by ``eps * max(1, |x_i|)``.

    Returns
    -------
    numpy.ndarray
        Array of the shape of ``x``.
    """
    if not callable(fun):
        raise TypeError(f"fun must be callable, got {type(fun).__name__}")
    x = check_array(x, "x", min_rows=0)
    eps = DEFAULT_EPS if eps is None else check_real(eps, "eps", low=0.0, low_inclusive=False)
    grad = np.empty_like(x)
    flat_x = x.reshape(-1)
    flat_g = grad.reshape(-1)
    for i in range(flat_x.size):
        h = eps * max(1.0, abs(flat_x[i]))
        xp = flat_x.copy()
        xm = flat_x.copy()
        xp[i] += h
        xm[i] -= h
        fp = _scalar(fun(xp.reshape(x.shape)))
        fm = _scalar(fun(xm.reshape(x.shape)))
        flat_g[i] = (fp - fm) / (xp[i] - xm[i])  # the representable step, not the nominal 2h
    return grad


def _scalar(value: object) -> float:
    if isinstance(value, (str, bytes)) or np.iscomplexobj(value):
        raise TypeError(f"fun must return a real number, got {type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=float)  # also accepts sympy/Decimal/Fraction scalars
    except (TypeError, ValueError) as exc:
        raise TypeError(f"fun must return a real number ({exc})") from None
    if arr.size != 1:
        raise ValueError(f"fun must return a scalar, got shape {arr.shape}")
    out = float(arr.reshape(()))
    if not np.isfinite(out):
        raise ValueError("fun returned a non-finite value near x")
    return out


def check_gradient(
    fun: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray] | np.ndarray,
    x: np.ndarray,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    eps: float | None = None,
) -> float:
    """Assert that an analytic gradient matches central finite differences.

    Parameters
    ----------
    fun : callable
        Scalar function of an array.
    grad : callable or array_like
        Analytic gradient: a function of ``x`` or its value at ``x``.
    x : array_like
        The point (any shape).
    rtol, atol : float
        Entry-wise tolerance ``|g - g_fd| <= atol + rtol * |g_fd|``.
    eps : float, optional
        Relative finite-difference step (see :func:`numerical_gradient`).

    Returns
    -------
    float
        The largest absolute difference found.

    Raises
    ------
    AssertionError
        If any entry is outside the tolerance (a NaN entry always is); the message names the worst entry.
    TypeError, ValueError
        If ``fun`` is not callable, ``grad`` is not real-valued or shaped like ``x``, ``rtol``/``atol``
        are negative or not finite, or ``fun`` returns a non-scalar or non-finite value.
    """
    if not callable(fun):
        raise TypeError(f"fun must be callable, got {type(fun).__name__}")
    x = check_array(x, "x", min_rows=0)
    rtol = check_real(rtol, "rtol", low=0.0)
    atol = check_real(atol, "atol", low=0.0)
    analytic = grad(x) if callable(grad) else grad
    if isinstance(analytic, (str, bytes)) or np.iscomplexobj(analytic):
        raise TypeError(f"grad must be real-valued, got {type(analytic).__name__}")
    try:
        # NaN in the analytic gradient is reported as a mismatch (AssertionError), not rejected here.
        analytic = np.asarray(analytic, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"grad must be an array of real numbers ({exc})") from None
    if analytic.shape != x.shape:
        raise ValueError(f"grad must have the shape of x {x.shape}, got {analytic.shape}")
    numeric = numerical_gradient(fun, x, eps)
    err = np.abs(analytic - numeric)
    bound = atol + rtol * np.abs(numeric)
    if np.any(~(err <= bound)):
        idx = np.unravel_index(int(np.argmax(err - bound)), x.shape) if x.ndim else ()
        raise AssertionError(
            f"gradient mismatch at index {tuple(int(i) for i in idx)}: analytic {analytic[idx]:.10g}, "
            f"finite difference {numeric[idx]:.10g} (|diff| {err[idx]:.3g} > {bound[idx]:.3g}); "
            f"{int(np.sum(~(err <= bound)))} of {x.size} entries out of tolerance"
        )
    return float(err.max()) if err.size else 0.0
