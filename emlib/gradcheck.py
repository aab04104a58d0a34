"""Finite differences for checking analytic gradients of numpy functions.

:func:`numerical_gradient` is a plain central difference; :func:`check_gradient` uses Ridders'
extrapolation (:func:`richardson_gradient`) along several independent step sequences, whose own error
estimates set the tolerance, and decides only when they agree (see :func:`check_gradient`).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

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
    x = _point(x)
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


def _point(x: object) -> np.ndarray:
    """The point as a private float64 array (a copy), refusing values beyond the float range by name."""
    try:
        return check_array(x, "x", min_rows=0).copy()
    except OverflowError:
        raise ValueError("x must hold finite float64 values; an entry is beyond the float range") from None


class GradientUndecided(Exception):
    """Finite differences could not decide a gradient check: too inaccurate, a kink at ``x``, or step
    sequences that disagree. Not an ``AssertionError``: undecided is neither a pass nor a refutation."""


_MACHINE_EPS = float(np.finfo(np.float64).eps)

#: Ridders step sequences: (first step as a fraction of the coordinate's scale ``max(|x_i|, 1e-2)``,
#: shrink factor). The first is Numerical Recipes' ``dfridr`` (:func:`richardson_gradient`); the next
#: three start 10, 125 and 3000 times smaller with other shrink factors. The last two are probes at 512 and
#: 8 ulps of the scale, too noisy to decide alone but fine enough to resolve the steps of a quantiser
#: or a fast oscillation that the others straddle.
STEP_SEQUENCES = ((0.05, 1.4), (5e-3, 1.6), (4e-4, 1.5), (1.5e-5, 1.3), (512 * _MACHINE_EPS, 2.0), (8 * _MACHINE_EPS, 2.0))
#: A sequence is trusted when its tableau converged: its error estimate is within this fraction of its
#: value or within ``TRUST_NOISE`` times the rounding resolution of its smallest step. Kinks, jumps and
#: oscillations inside the steps leave differences far above both.
TRUST_RELATIVE = 1e-7
TRUST_NOISE = 64.0
#: The probes' differences are dominated by rounding, which cancellation inside ``fun`` (``log(cosh x)``
#: at small ``x``) raises far above ``eps |f|``; a quantiser's jumps raise them far more.
TRUST_NOISE_PROBE = 4096.0
#: The sequences that must converge (the coarse ones); the others are probes.
N_CONVERGING = 4
#: One-sided differences are compared at this fraction of the coordinate's scale (and 4, 16 times closer):
#: a slope jump at ``x``, or within rounding of it, makes every central difference the average of the
#: two one-sided slopes, with no error any step sequence could see.
KINK_STEP = 1e-6
KINK_MARGIN = 16.0
#: Differences below this fraction of an entry's own scale (its finite difference, or a hundredth of its
#: curvature times ``|x_i|``, the size of terms that cancel near a stationary point) are accepted: float64
#: rounding in the analytic gradient, amplified by a solve of condition up to about 1e6, stays well
#: below it, while a relative slip of 1e-8 is detected.
RELATIVE_FLOOR = 2e-9
CURVATURE_WEIGHT = 0.01
#: A mismatch below this fraction of the gradient's largest entry is left undecided, not refuted: a
#: solve spreads its rounding over all entries (``eps cond |g|``, here up to a condition of about 500).
AMBIGUOUS_FRACTION = 1e-13
#: A sequence is decisive when it is trusted and its error is below this fraction of the gradient's
#: scale (or of its own value, if larger): it can tell a 1e-6 relative error from a right gradient.
MAX_FD_RELATIVE_ERROR = 1e-7


class _Estimate(NamedTuple):
    """One Ridders extrapolation along one step sequence, for one coordinate."""

    value: float  # the derivative estimate
    error: float  # the tableau's own error estimate
    noise: float  # rounding error of the estimate: eps max|f| / h at the smallest step it draws on
    curvature: float  # |f(x+h) + f(x-h) - 2 f(x)| / h^2 at the first finite step, less rounding (0 without f(x))
    smallest: float  # the smallest half-step the estimate draws on
    flat: bool  # f(x+h) == f(x-h) exactly at every step: |f'| is below the noise, a bound not an estimate


class _Probe:
    """Evaluates ``fun`` at ``x +- h e_i`` (counting the evaluations)."""

    def __init__(self, fun: Callable[[np.ndarray], float], flat_x: np.ndarray, shape: tuple) -> None:
        self.fun, self.flat_x, self.shape, self.evals = fun, flat_x, shape, 0

    def pair(self, i: int, step: float) -> tuple[float, float, float] | None:
        """``(f(x+h), f(x-h), 2h)`` with the representable step, or None where fun is not finite."""
        xp, xm = self.flat_x.copy(), self.flat_x.copy()
        xp[i] += step
        xm[i] -= step
        if not xp[i] > xm[i]:  # the step is below the resolution of x_i
            return None
        self.evals += 2
        try:
            with np.errstate(all="ignore"):
                fp, fm = _scalar(self.fun(xp.reshape(self.shape))), _scalar(self.fun(xm.reshape(self.shape)))
        except ValueError:
            return None
        return fp, fm, float(xp[i] - xm[i])


def _ridders(probe: _Probe, i: int, first: float = 0.05, con: float = 1.4, f0: float | None = None) -> _Estimate:
    """Ridders' extrapolation of central differences for one coordinate along one step sequence.

    The first step is ``first`` times the coordinate's scale and is shrunk tenfold while the function is
    not finite there; the tableau then extrapolates h -> 0 with steps shrinking by ``con`` and tracks its
    own error (Numerical Recipes' ``dfridr``).
    """
    con2, ntab, safe = con * con, 10, 2.0
    h = first * max(abs(probe.flat_x[i]), 1e-2)
    seen = [abs(f0) if f0 is not None else 0.0, False]  # max |f|, whether f moved

    def central(step: float) -> tuple[float, float, float] | None:
        got = probe.pair(i, step)
        if got is None:
            return None
        fp, fm, width = got
        seen[0], seen[1] = max(seen[0], abs(fp), abs(fm)), seen[1] or fp != fm
        return (fp - fm) / width, fp + fm, width

    got = None
    for _ in range(12):
        got = central(h)
        if got is not None:
            break
        h /= 10
    if got is None:
        raise ValueError(f"fun is not finite near x at any step for entry {i}")
    start, pair_sum, width = got
    used = width  # the smallest step the best estimate draws on: its rounding error is eps max|f| / used
    # the second difference less its rounding error (4 eps max|f|): 0 where rounding is all it shows
    curvature = max(abs(pair_sum - 2 * f0) - 8 * _MACHINE_EPS * seen[0], 0.0) / (width / 2) ** 2 if f0 is not None else 0.0
    table = np.full((ntab, ntab), np.nan)
    table[0, 0] = start
    best, err = start, np.inf
    for col in range(1, ntab):
        h /= con
        got = central(h)
        if got is None:
            break
        table[0, col] = got[0]
        width = got[2]
        fac = con2
        for row in range(1, col + 1):
            table[row, col] = (table[row - 1, col] * fac - table[row - 1, col - 1]) / (fac - 1)
            fac *= con2
            errt = max(abs(table[row, col] - table[row - 1, col]), abs(table[row, col] - table[row - 1, col - 1]))
            if errt <= err:
                err, best, used = errt, table[row, col], width
        if abs(table[col, col] - table[col - 1, col - 1]) >= safe * err:
            break
    smallest = used / 2
    # f that never moved may be flat, or its changes may be absorbed by intermediates as large as x_i
    # (logsumexp(z) - z_0 at z near 1000 is a multiple of ulp(1000)): no resolution finer than that
    magnitude = seen[0] if seen[1] else max(seen[0], abs(probe.flat_x[i]))
    return _Estimate(float(best), float(err), _MACHINE_EPS * magnitude / smallest, float(curvature), float(smallest),
                     not seen[1])


def _slope_jump(probe: _Probe, i: int, f0: float, f_noise: float) -> bool:
    """Whether one-sided differences at ``x`` resolve a slope jump (a kink at ``x`` or within rounding).

    ``Q(h) = f(x+h) + f(x-h) - 2 f(x)`` is ``K h^2 + O(h^4)`` for a smooth function and ``J h + K h^2``
    with a slope jump ``J``. Each pair of the steps ``h, h/4, h/16`` separates the two terms; a jump is
    seen when the finer pair resolves it above rounding and the coarser pair finds the same ``J`` (the
    ``h^4`` term of a smooth function shrinks 64-fold between the pairs). ``f_noise`` is the rounding
    error of one evaluation of ``fun``.
    """
    h = KINK_STEP * max(abs(probe.flat_x[i]), 1e-2)
    for _ in range(6):
        pairs = [probe.pair(i, h / 4**k) for k in range(3)]
        if all(p is not None for p in pairs):
            break
        h /= 10
    else:
        return False  # no finite one-sided differences: the step sequences must decide alone
    halves = [p[2] / 2 for p in pairs]
    qs = [p[0] + p[1] - 2 * f0 for p in pairs]

    def jump(k: int) -> tuple[float, float]:
        (h1, h2), (q1, q2) = halves[k:k + 2], qs[k:k + 2]
        denom = h1 * h2 * (h1 - h2)
        return (q2 * h1 * h1 - q1 * h2 * h2) / denom, 4 * f_noise * (h1 * h1 + h2 * h2) / denom

    (coarse, res_coarse), (fine, res_fine) = jump(0), jump(1)
    return abs(fine) > KINK_MARGIN * res_fine and abs(coarse - fine) <= 0.25 * abs(fine) + res_coarse + res_fine


def richardson_gradient(fun: Callable[[np.ndarray], float], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient by Ridders' extrapolation of central differences, with an error estimate per entry.

    This is the first of the step sequences :func:`check_gradient` uses (Numerical Recipes' ``dfridr``).

    Returns
    -------
    grad, err : numpy.ndarray
        Arrays of the shape of ``x``: the derivative estimates and their estimated absolute errors
        (typically 1e-10 relative or better for smooth functions).
    """
    if not callable(fun):
        raise TypeError(f"fun must be callable, got {type(fun).__name__}")
    x = _point(x)
    probe = _Probe(fun, x.reshape(-1).astype(float), x.shape)
    estimates = [_ridders(probe, i) for i in range(x.size)]
    grad = np.array([e.value for e in estimates], dtype=float)
    err = np.array([e.error for e in estimates], dtype=float)
    return grad.reshape(x.shape), err.reshape(x.shape)


class _Verdicts(NamedTuple):
    passed: np.ndarray
    refuted: np.ndarray
    reason: list[str]  # why an entry is undecided ("" where decided)
    best: np.ndarray  # the first decisive sequence's estimate (else the first sequence's)
    evals: int


def _entry_verdicts(fun: Callable[[np.ndarray], float], analytic: np.ndarray, x: np.ndarray, f0: float,
                    rtol: float, atol: float) -> _Verdicts:
    """Pass, refute or leave undecided every entry, from all step sequences and the kink test."""
    flat_x, g = x.reshape(-1).astype(float), analytic.reshape(-1)
    n, n_seq = flat_x.size, len(STEP_SEQUENCES)
    probe = _Probe(fun, flat_x, x.shape)
    est = [[_ridders(probe, i, first, con, f0) for i in range(n)] for first, con in STEP_SEQUENCES]
    value, error, noise, curvature, smallest, flat = (np.array([[getattr(e, k) for e in row] for row in est],
                                                                dtype=float).reshape(n_seq, n) for k in _Estimate._fields)
    flat = flat.astype(bool)
    # f that never moved bounds |f'| only by the resolution of the terms it sums: their size is about
    # sum_j |x_j f'_j| (the first sequence's f'), which cancellation can make far larger than |f|
    terms = float(np.sum(np.abs(flat_x * value[0])))
    noise = np.where(flat, np.maximum(noise, _MACHINE_EPS * terms / smallest), noise)
    allowance = np.where(np.arange(n_seq)[:, None] < N_CONVERGING, TRUST_NOISE, TRUST_NOISE_PROBE)
    trusted = error <= np.maximum(TRUST_RELATIVE * np.abs(value), allowance * noise)
    u = np.maximum(error, noise)
    loose = atol + rtol * np.abs(value)
    trusted_values = np.where(trusted, np.abs(value), 0.0)
    scale = max(float(np.max(trusted_values, initial=0.0)), abs(f0) / max(1.0, float(np.max(np.abs(flat_x), initial=0.0))))
    with np.errstate(invalid="ignore"):
        target = np.maximum(np.maximum(np.abs(value), np.nan_to_num(np.abs(g), nan=0.0, posinf=0.0)), scale)
    decisive = trusted & (u <= MAX_FD_RELATIVE_ERROR * target + loose)
    first_decisive = np.argmax(decisive, axis=0)  # 0 where none is: the first sequence
    best = value[first_decisive, np.arange(n)]
    # the entry's own scale: its value, or a hundredth of its curvature times |x_i| (the size of terms
    # that cancel in a gradient entry near a stationary point); never the largest entry's
    own = np.maximum(np.abs(best), CURVATURE_WEIGHT * np.max(np.where(decisive, curvature, 0.0), axis=0, initial=0.0)
                     * np.abs(flat_x))
    # a flat sequence bounds |f'| by the noise itself; an extrapolation is held to 4 error estimates, and
    # a probe, whose estimate is mostly rounding noise, to 16 (it is a veto, it must contradict clearly)
    factor = np.where(flat, 1.0, np.where(np.arange(n_seq)[:, None] < N_CONVERGING, 4.0, 16.0))
    bound = np.maximum(factor * u + RELATIVE_FLOOR * own, loose)
    with np.errstate(invalid="ignore"):
        inside = np.abs(g - value) <= bound
    consistent = np.ones(n, dtype=bool)
    for k in range(n_seq):
        for m in range(k + 1, n_seq):
            agree = np.abs(value[k] - value[m]) <= bound[k] + bound[m]
            consistent &= ~(trusted[k] & trusted[m]) | agree
    # the rounding error of one evaluation of fun: nominal, or as the 512-ulp probe measured it
    f_noise = max(_MACHINE_EPS * abs(f0), float(np.max(np.where(trusted[-2], error[-2] * smallest[-2], 0.0), initial=0.0)))
    # a finer sequence that fails to converge where a coarser one did sees structure below the coarse
    # steps (a staircase, a kink, an oscillation): the coarse agreement is then no evidence
    finer_fails = np.zeros(n, dtype=bool)
    for k in range(n_seq):
        finer_fails |= trusted[k] & np.any(~trusted[k + 1:], axis=0)
    enough = decisive.sum(axis=0) >= 2
    candidate = consistent & ~finer_fails & enough
    kink = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(candidate):
        top = max(abs(f0), float(np.max(noise[:, i] * smallest[:, i] / _MACHINE_EPS)))
        kink[i] = _slope_jump(probe, i, f0, max(f_noise, _MACHINE_EPS * top))
    decided = candidate & ~kink
    passed = decided & np.all(inside | ~trusted, axis=0)
    # two decisive sequences exclude g_i and no trusted one contradicts them (a wider one may include it)
    refuted = decided & (np.sum(~inside & decisive, axis=0) >= 2)
    # a mismatch this far below the largest entry may be rounding spread over the entries by a solve
    # in the analytic gradient: no evidence either way
    with np.errstate(invalid="ignore"):
        faint = refuted & (np.abs(g - best) <= AMBIGUOUS_FRACTION * float(np.max(trusted_values, initial=0.0)))
    refuted = (refuted & ~faint) | ~np.isfinite(g)
    passed &= ~refuted & ~faint
    reason = ["" if passed[i] or refuted[i] else
              "the step sequences disagree beyond their error estimates" if not consistent[i] else
              "a finer step sequence does not converge where a coarser one does" if finer_fails[i] else
              "fewer than two step sequences reached the accuracy needed" if not enough[i] else
              "one-sided differences show a kink at x" if kink[i] else
              "the mismatch is below 1e-13 of the largest entry (rounding in the analytic gradient?)" if faint[i] else
              "the analytic value agrees with some step sequences but not with others"
              for i in range(n)]
    return _Verdicts(passed, refuted, reason, best, probe.evals)


def check_gradient(
    fun: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray] | np.ndarray,
    x: np.ndarray,
    rtol: float | None = None,
    atol: float | None = None,
) -> float:
    """Assert that an analytic gradient matches finite differences, to the accuracy they achieve.

    Every entry ``i`` is estimated by Ridders' extrapolation of central differences along six step
    sequences (:data:`STEP_SEQUENCES`: four with first steps from 5 % of the coordinate's scale down to
    1.5e-5 of it, and two probes a few hundred and a few ulps wide), each with its own error estimate
    ``e`` (at least the rounding error of its steps). A sequence is *trusted* when its tableau converged
    (``e`` within 1e-7 of its value, or within 64 times its rounding error; 4096 for the probes) and
    *decisive* when it is trusted and ``e`` is below 1e-7 of the gradient's scale ``s`` (its largest entry,
    or ``|f(x)| / max(1, |x|)``, or ``|g_i|``, if larger). The sequence agrees with the analytic ``g_i``
    when ``|g_i - fd_i| <= 4 e + 2e-9 s_i``, where ``s_i`` is the entry's *own* scale (``|fd_i|``, or a hundredth
    of its curvature times ``|x_i|`` if larger), so a wrong entry of scale 1e-9 beside entries of scale 1 is
    caught. An entry

    * passes when at least two sequences are decisive, all trusted sequences agree with each other and
      with ``g_i``, every finer sequence converged where a coarser one did, and one-sided differences
      show no kink at ``x``;
    * is refuted under the same conditions when at least two decisive sequences exclude ``g_i`` and the
      mismatch exceeds 1e-13 of the largest entry (a NaN or infinite entry always is);
    * is undecided otherwise: kinks near ``x``, quantisers, fast oscillations and saturated functions give
      unconverged or disagreeing sequences, never a definitive verdict from one lucky step size.

    Limits: entries below the rounding of ``fun``'s intermediate terms (a softmax probability of 1e-13
    at logits near 1000) and quanta of fewer than about a thousand ulps of ``x_i`` are beyond finite
    differences. The cost is about 40 to 70 evaluations of ``fun`` per entry.

    ``rtol``/``atol`` may only loosen the bound (``atol + rtol |fd_i|``), for functions known to be noisy.

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
        The largest absolute difference from the finite differences (the first decisive sequence's).

    Raises
    ------
    AssertionError
        If any entry is refuted; the message names the worst one.
    GradientUndecided
        If no entry is refuted but some cannot be decided (not an ``AssertionError``).
    TypeError, ValueError
        If ``fun`` is not callable, ``grad`` is not real-valued or shaped like ``x``, ``rtol``/``atol``
        are negative or not finite, or ``fun`` returns a non-scalar or non-finite value.
    """
    if not callable(fun):
        raise TypeError(f"fun must be callable, got {type(fun).__name__}")
    x = _point(x)
    rtol = 0.0 if rtol is None else check_real(rtol, "rtol", low=0.0)
    atol = 0.0 if atol is None else check_real(atol, "atol", low=0.0)
    # fun and grad get copies: one that scales its argument in place would move the point that the
    # finite differences are taken at, and a wrong gradient could then agree with them
    analytic = grad(x.copy()) if callable(grad) else grad
    if isinstance(analytic, (str, bytes)) or np.iscomplexobj(analytic):
        raise TypeError(f"grad must be real-valued, got {type(analytic).__name__}")
    try:
        # NaN in the analytic gradient is reported as a mismatch (AssertionError), not rejected here.
        analytic = np.asarray(analytic, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"grad must be an array of real numbers ({exc})") from None
    if analytic.shape != x.shape:
        raise ValueError(f"grad must have the shape of x {x.shape}, got {analytic.shape}")
    f0 = _scalar(fun(x.copy()))
    v = _entry_verdicts(fun, analytic, x, f0, rtol, atol)
    g = analytic.reshape(-1)

    def index(i: int) -> tuple[int, ...]:
        return tuple(int(j) for j in np.unravel_index(i, x.shape)) if x.ndim else ()

    if np.any(v.refuted):
        with np.errstate(invalid="ignore"):
            size = np.where(np.isfinite(g), np.abs(g - v.best) / np.maximum(np.abs(v.best), np.abs(g)), np.inf)
        i = int(np.flatnonzero(v.refuted)[np.argmax(np.nan_to_num(size[v.refuted], nan=np.inf))])
        raise AssertionError(
            f"gradient mismatch at index {index(i)}: analytic {g[i]:.12g}, finite differences {v.best[i]:.12g} "
            f"(excluded by at least two step sequences that agree with every other converged one); "
            f"{int(np.sum(v.refuted))} of {x.size} entries refuted"
        )
    if not np.all(v.passed):
        i = int(np.flatnonzero(~v.passed)[0])
        raise GradientUndecided(
            f"finite differences cannot decide the entry at index {index(i)}: {v.reason[i]}; "
            f"{int(np.sum(~v.passed))} of {x.size} entries undecided"
        )
    return float(np.max(np.abs(g - v.best))) if g.size else 0.0
