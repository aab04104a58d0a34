"""Input validation shared by every public emlib function and estimator.

Every check raises ``TypeError`` (wrong kind of object) or ``ValueError`` (right kind, bad value)
with a message that names the argument and says what was expected.
"""

from __future__ import annotations

import numbers
from typing import Any, Union

import numpy as np

__all__ = [
    "RandomStateLike",
    "check_array",
    "check_int",
    "check_real",
    "check_probabilities",
    "check_random_state",
    "check_is_fitted",
]


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    return f"{type(value).__name__} {value!r}" if np.ndim(value) == 0 else type(value).__name__


def _is_sparse(value: Any) -> bool:
    """Whether ``value`` is a scipy.sparse matrix or array (without importing scipy)."""
    return type(value).__module__.startswith("scipy.sparse") and hasattr(value, "toarray")


def _object_to_float(arr: np.ndarray, name: str) -> np.ndarray:
    """An object array whose entries are all real numbers as float64 (as scikit-learn converts them).

    Strings, booleans, ``None`` and other objects are refused with a ``TypeError`` naming ``name``.
    """
    for v in arr.flat:
        if isinstance(v, (str, bytes)):
            raise TypeError(f"{name} must hold real numbers, found the string {v!r:.40}")
        if isinstance(v, (bool, np.bool_)):
            raise TypeError(f"{name} must hold real numbers, found the boolean {v!r}")
        if not isinstance(v, numbers.Real):
            try:
                float(v)  # for the interpreter's own wording of the refusal
                reason = f"not {type(v).__name__}"
            except (TypeError, ValueError) as exc:
                reason = str(exc)
            raise TypeError(f"{name} must hold real numbers ({reason})")
    return arr.astype(np.float64)


def check_array(
    value: Any,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    shape: tuple[int | None, ...] | None = None,
    min_rows: int = 1,
    finite: bool = True,
    allow_bool: bool = False,
) -> np.ndarray:
    """Return ``value`` as a C-contiguous float64 array after validating it.

    Parameters
    ----------
    value : array_like
        Lists, tuples and arrays of real numbers are accepted, and object arrays whose entries are
        all real numbers (as scikit-learn accepts them). Strings, other objects, complex numbers and
        scipy.sparse matrices raise ``TypeError``.
    name : str
        Argument name used in error messages.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    shape : tuple, optional
        Required shape; ``None`` entries match any length.
    min_rows : int, default 1
        Minimum length of the first axis (0 allows empty input).
    finite : bool, default True
        Reject NaN and infinity.
    allow_bool : bool, default False
        Accept boolean arrays (converted to 0.0/1.0).

    Returns
    -------
    numpy.ndarray
        A float64 array.
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an array of real numbers, got a string")
    if _is_sparse(value):
        raise TypeError(
            f"{name} must be a dense array: sparse input ({type(value).__name__}) is not supported; "
            f"convert it with {name}.toarray()"
        )
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of real numbers ({exc})") from None
    if arr.dtype == object:
        arr = _object_to_float(arr, name)
    if arr.dtype == bool and not allow_bool:
        raise TypeError(f"{name} must hold real numbers, got booleans")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got {_describe(arr)}")
    arr = np.asarray(arr, dtype=np.float64, order="C")  # ascontiguousarray would turn a scalar into 1-D
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            hint = ""
            if allowed == (2,) and arr.ndim == 1:  # scikit-learn's hint, which its estimator checks look for
                hint = (
                    f". Reshape your data: {name}.reshape(-1, 1) if it holds a single feature, "
                    f"{name}.reshape(1, -1) if it holds a single sample"
                )
            raise ValueError(f"{name} must be {want}, got shape {arr.shape}{hint}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if arr.ndim >= 1 and arr.shape[0] < min_rows:
        raise ValueError(f"{name} must have at least {min_rows} row(s), got shape {arr.shape}")
    if arr.ndim == 2 and arr.shape[1] == 0 and min_rows > 0:
        # scikit-learn's wording, which its estimator checks look for
        raise ValueError(f"{name} has 0 feature(s) (shape={arr.shape}) while a minimum of 1 is required.")
    if arr.ndim >= 2 and arr.size == 0 and min_rows > 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, found NaN or infinity")
    return arr


def check_int(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Validate an integer argument (booleans are rejected)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {_describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_real(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Validate a finite real scalar within optional bounds (booleans are rejected)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_describe(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (not low_inclusive and value == low)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low}, got {value}")
    if high is not None and (value > high or (not high_inclusive and value == high)):
        op = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {op} {high}, got {value}")
    return value


def check_probabilities(value: Any, name: str, *, axis: int = -1, atol: float = 1e-8) -> np.ndarray:
    """Validate non-negative entries that sum to one along ``axis``."""
    arr = check_array(value, name, ndim=(1, 2))
    if arr.shape[axis] == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative, found {arr.min():.3g}")
    sums = arr.sum(axis=axis)
    if not np.allclose(sums, 1.0, rtol=0.0, atol=atol):
        worst = float(np.max(np.abs(sums - 1.0)))
        raise ValueError(f"{name} must sum to 1 along axis {axis}, off by up to {worst:.3g}")
    return arr


#: What every ``random_state`` argument accepts (see :func:`check_random_state`).
RandomStateLike = Union[None, int, np.integer, np.random.Generator, np.random.RandomState]


def check_random_state(random_state: Any, name: str = "random_state") -> np.random.Generator:
    """Turn any accepted ``random_state`` into a ``numpy.random.Generator``.

    One helper for every emlib estimator and function that draws random numbers, accepting what
    scikit-learn accepts.

    Parameters
    ----------
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        * ``None``: fresh, unpredictable entropy from the operating system;
        * a non-negative int: ``numpy.random.default_rng(seed)``, so the same seed gives the same
          draws on every call;
        * a ``Generator``: used as is (its state advances, so repeated calls give new draws);
        * a legacy ``RandomState`` (scikit-learn's convention): a ``Generator`` is seeded from 128
          bits drawn from it, so the ``RandomState`` advances by those draws, repeated calls give new
          draws, and the result is reproducible from the ``RandomState``'s state. The numbers drawn
          are not those ``RandomState``'s own methods would give.

        ``numpy.random.SeedSequence`` and ``numpy.random.BitGenerator`` instances are accepted as
        well (passed to ``default_rng`` / wrapped in a ``Generator``).
    name : str, default "random_state"
        Argument name used in error messages.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    TypeError
        For anything else (floats, strings, booleans, ...), naming the argument.
    ValueError
        For a negative int seed.
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, (numbers.Integral, np.integer)) and not isinstance(random_state, (bool, np.bool_)):
        if random_state < 0:
            raise ValueError(f"{name} must be a non-negative int, got {random_state}")
        return np.random.default_rng(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        # randint with dtype uint32 over [0, 2**32) is exactly one 32-bit word of the stream each.
        return np.random.default_rng(random_state.randint(0, 2**32, size=4, dtype=np.uint32))
    if isinstance(random_state, np.random.SeedSequence):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.BitGenerator):
        return np.random.Generator(random_state)
    raise TypeError(
        f"{name} must be None, an int, a numpy.random.Generator or a numpy.random.RandomState, "
        f"got {_describe(random_state)}"
    )


def check_is_fitted(estimator: Any, attribute: str) -> None:
    """Raise ``NotFittedError`` if ``estimator`` has no ``attribute`` yet."""
    from .exceptions import not_fitted_error

    if not hasattr(estimator, attribute):
        raise not_fitted_error(f"this {type(estimator).__name__} is not fitted yet; call fit first")
