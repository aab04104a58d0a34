"""Finite differences for checking analytic gradients of numpy functions.

:func:`numerical_gradient` is a plain central difference; :func:`check_gradient` uses Ridders'
extrapolation (:func:`richardson_gradient`), whose error estimate sets the tolerance.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ._validation import check_array, check_real

__all__ = ["numerical_gradient", "richardson_gradient", "check_gradient", "GradientUndecided"]

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


class GradientUndecided(AssertionError):
    """Finite differences could not reach the accuracy needed to decide a gradient check."""


def _ridders(fun: Callable[[np.ndarray], float], flat_x: np.ndarray, shape: tuple, i: int) -> tuple[float, float]:
    """Ridders' extrapolation of central differences for one coordinate: (derivative, error estimate).

    The first step is large (about 5 % of the coordinate's scale) and is shrunk tenfold while the
    function is not finite there; the tableau then extrapolates h -> 0 and tracks its own error
    (Numerical Recipes' ``dfridr``).
    """
    con, con2, ntab, safe = 1.4, 1.96, 10, 2.0
    h = 0.05 * max(abs(flat_x[i]), 1e-2)

    def central(step: float) -> float | None:
        xp, xm = flat_x.copy(), flat_x.copy()
        xp[i] += step
        xm[i] -= step
        try:
            with np.errstate(all="ignore"):
                fp, fm = _scalar(fun(xp.reshape(shape))), _scalar(fun(xm.reshape(shape)))
        except ValueError:
            return None
        return (fp - fm) / (xp[i] - xm[i])

    first = None
    for _ in range(12):
        first = central(h)
        if first is not None:
            break
        h /= 10
    if first is None:
        raise ValueError(f"fun is not finite near x at any step for entry {i}")
    table = np.full((ntab, ntab), np.nan)
    table[0, 0] = first
    best, err = first, np.inf
    for col in range(1, ntab):
        h /= con
        value = central(h)
        if value is None:
            break
        table[0, col] = value
        fac = con2
        for row in range(1, col + 1):
            table[row, col] = (table[row - 1, col] * fac - table[row - 1, col - 1]) / (fac - 1)
            fac *= con2
            errt = max(abs(table[row, col] - table[row - 1, col]), abs(table[row, col] - table[row - 1, col - 1]))
            if errt <= err:
                err, best = errt, table[row, col]
        if abs(table[col, col] - table[col - 1, col - 1]) >= safe * err:
            break
    return float(best), float(err)


def richardson_gradient(fun: Callable[[np.ndarray], float], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient by Ridders' extrapolation of central differences, with an error estimate per entry.

    Returns
    -------
    grad, err : numpy.ndarray
        Arrays of the shape of ``x``: the derivative estimates and their estimated absolute errors
        (typically 1e-10 relative or better for smooth functions).
    """
    if not callable(fun):
        raise TypeError(f"fun must be callable, got {type(fun).__name__}")
    x = check_array(x, "x", min_rows=0)
    flat = x.reshape(-1).astype(float)
    grad = np.empty(flat.size)
    err = np.empty(flat.size)
    for i in range(flat.size):
        grad[i], err[i] = _ridders(fun, flat, x.shape, i)
    return grad.reshape(x.shape), err.reshape(x.shape)


#: Differences below this fraction of the gradient's scale are accepted: float64 rounding in the
#: analytic gradient (amplified by ill-conditioned solves) reaches 1e-10, while a relative slip of
#: 1e-8 or more is still detected.
RELATIVE_FLOOR = 1e-9
#: A gradient check is undecided when the finite-difference error estimate of an entry exceeds this
#: fraction of the gradient's scale: it could not tell a 1e-6 relative error from a right gradient.
MAX_FD_RELATIVE_ERROR = 1e-7


def check_gradient(
    fun: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray] | np.ndarray,
    x: np.ndarray,
    rtol: float | None = None,
    atol: float | None = None,
) -> float:
    """Assert that an analytic gradient matches finite differences, to the accuracy they achieve.

    The reference is Ridders' extrapolation of central differences (:func:`richardson_gradient`), which
    also estimates its own error ``e_i``. Entry ``i`` passes when
    ``|g_i - fd_i| <= 4 e_i + 1e-9 s``, where ``s`` is the gradient's scale (its largest entry,
    or ``|f(x)| / max(1, |x|)`` if that is larger), so a relative error of 1e-8 or more is detected.
    ``rtol``/``atol`` may only loosen the bound (``atol + rtol |fd_i|``), for functions known to be
    noisy.

    Parameters
    ----------
    fun : callable
        Scalar function of an array.
    grad : callable or array_like
        Analytic gradient: a function of ``x`` or its value at ``x``.
    x : array_like
        The point (any shape).
    rtol, atol : float, optional
        Optional looser tolerance ``atol + rtol * |fd_i|``.

    Returns
    -------
    float
        The largest absolute difference found.

    Raises
    ------
    AssertionError
        If any entry is outside the tolerance (a NaN entry always is); the message names the worst entry.
    GradientUndecided
        (an AssertionError) if the finite differences are too inaccurate to decide.
    TypeError, ValueError
        If ``fun`` is not callable, ``grad`` is not real-valued or shaped like ``x``, ``rtol``/``atol``
        are negative or not finite, or ``fun`` returns a non-scalar or non-finite value.
    """
    if not callable(fun):
        raise TypeError(f"fun must be callable, got {type(fun).__name__}")
    x = check_array(x, "x", min_rows=0)
    rtol = 0.0 if rtol is None else check_real(rtol, "rtol", low=0.0)
    atol = 0.0 if atol is None else check_real(atol, "atol", low=0.0)
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
    f0 = _scalar(fun(x))
    numeric, fd_err = richardson_gradient(fun, x)
    scale = max(float(np.max(np.abs(numeric), initial=0.0)), abs(f0) / max(1.0, float(np.max(np.abs(x), initial=0.0))))
    derived = 4 * fd_err + RELATIVE_FLOOR * scale
    bound = np.maximum(derived, atol + rtol * np.abs(numeric))
    err = np.abs(analytic - numeric)
    bad = ~(err <= bound)
    if np.any(bad):
        idx = np.unravel_index(int(np.argmax(np.where(np.isnan(err), np.inf, err - bound))), x.shape) if x.ndim else ()
        raise AssertionError(
            f"gradient mismatch at index {tuple(int(i) for i in idx)}: analytic {analytic[idx]:.12g}, "
            f"finite difference {numeric[idx]:.12g} (|diff| {err[idx]:.3g} > bound {bound[idx]:.3g}, "
            f"finite-difference error estimate {fd_err[idx]:.2g}); "
            f"{int(np.sum(bad))} of {x.size} entries out of tolerance"
        )
    unsure = fd_err > MAX_FD_RELATIVE_ERROR * np.maximum(np.abs(numeric), scale) + atol + rtol * np.abs(numeric)
    if np.any(unsure):
        idx = np.unravel_index(int(np.argmax(fd_err)), x.shape) if x.ndim else ()
        raise GradientUndecided(
            f"finite differences are too inaccurate to decide at index {tuple(int(i) for i in idx)}: "
            f"estimate {numeric[idx]:.12g} with error {fd_err[idx]:.2g}"
        )
    return float(err.max()) if err.size else 0.0

