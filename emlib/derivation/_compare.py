"""The equality engine: symbolic routes first, then numeric evaluation at random points."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import mpmath
import numpy as np
import sympy as sp

from ._domains import Domain, default_domain

__all__ = ["Outcome", "to_sympy", "compare", "check_sign", "residual_text"]

#: Above this operation count, skip the expensive routes (simplify, trigsimp) and go numeric.
SIMPLIFY_OPS_LIMIT = 2500
#: Above this operation count, an error message shows the residual unsimplified.
RESIDUAL_OPS_LIMIT = 300
DIGITS = 30


@dataclass
class Outcome:
    """What the engine found: ``ok`` and the route that established it (or the evidence against)."""

    ok: bool
    route: str
    category: str  # "symbolic" or "numeric"
    detail: str = ""
    evidence: list[str] = field(default_factory=list)


def to_sympy(value: Any, name: str) -> sp.Basic | sp.MatrixBase:
    """sympify ``value``; lists/tuples become explicit matrices; MatrixSymbol expressions are refused."""
    if isinstance(value, sp.MatrixBase):
        out = value
    elif isinstance(value, (list, tuple)):
        out = sp.Matrix(value)
    elif isinstance(value, np.ndarray):
        out = sp.Matrix(value.tolist()) if value.ndim else sp.sympify(value.item())
    else:
        try:
            out = sp.sympify(value)
        except (sp.SympifyError, TypeError) as exc:
            raise TypeError(f"{name} must be a sympy expression, matrix or number, got {type(value).__name__}") from exc
    if isinstance(out, sp.MatrixExpr) and not isinstance(out, sp.MatrixBase) or out.atoms(sp.MatrixSymbol):
        raise TypeError(
            f"{name} contains a MatrixSymbol: sympy's matrix calculus on MatrixSymbol is unreliable "
            "(in sympy 1.14 log(Determinant(S)).diff(S) silently returns 0). Use explicit matrices "
            "built with emlib.derivation.matrix(...) and check element-wise."
        )
    return out


def _entries(lhs: Any, rhs: Any) -> tuple[list[tuple[Any, Any]], tuple[int, int] | None]:
    lm, rm = isinstance(lhs, sp.MatrixBase), isinstance(rhs, sp.MatrixBase)
    if lm or rm:
        if not (lm and rm):
            if lm and rhs == 0:
                rhs = sp.zeros(*lhs.shape)
            elif rm and lhs == 0:
                lhs = sp.zeros(*rhs.shape)
            else:
                raise ValueError("one side is a matrix and the other a scalar")
        if lhs.shape != rhs.shape:
            raise ValueError(f"shape mismatch: left {lhs.shape}, right {rhs.shape}")
        return list(zip(list(lhs), list(rhs))), lhs.shape
    return [(lhs, rhs)], None


def _is_zero(expr: sp.Basic) -> bool:
    return expr == 0 or expr.is_zero is True


def _together_numer(e: sp.Basic) -> sp.Basic:
    return sp.expand(sp.numer(sp.together(e)))


def _log_route(e: sp.Basic) -> sp.Basic:
    return sp.expand(sp.expand_log(sp.expand(e), deep=True))


def _logcombine_route(e: sp.Basic) -> sp.Basic:
    return sp.simplify(sp.logcombine(e))


def _exp_route(e: sp.Basic) -> sp.Basic:
    return sp.simplify(e.rewrite(sp.exp))


# (name, function, expensive?) in the order they are tried: cheap and specific first.
ROUTES: list[tuple[str, Callable[[sp.Basic], sp.Basic], bool]] = [
    ("expand", sp.expand, False),
    ("cancel", sp.cancel, False),
    ("together", _together_numer, False),
    ("expand_log", _log_route, False),
    ("simplify", sp.simplify, True),
    ("logcombine", _logcombine_route, True),
    ("trigsimp", sp.trigsimp, True),
    ("rewrite(exp)", _exp_route, True),
]


def _with_assumptions(expr: sp.Basic, domains: Sequence[Domain]) -> sp.Basic:
    """Replace symbols by dummies carrying their domain's assumptions, so that e.g. expand_log may split
    log(a*b) only where a and b are declared positive."""
    mapping = {}
    for d in domains:
        for s in d.symbols:
            if d.assumptions and s in expr.free_symbols:
                merged = {**s.assumptions0, **d.assumptions}
                mapping[s] = sp.Dummy(s.name, **merged)
    return expr.xreplace(mapping) if mapping else expr


def _symbolic(diff: sp.Basic) -> str | None:
    if _is_zero(diff):
        return "direct"
    ops = sp.count_ops(diff)
    for name, fn, expensive in ROUTES:
        if expensive and ops > SIMPLIFY_OPS_LIMIT:
            continue
        try:
            if _is_zero(fn(diff)):
                return name
        except Exception:  # a route that sympy cannot apply is simply inconclusive
            continue
    return None


def _rng(seed: int, key: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(key.encode("utf-8"))])


def draw_points(symbols: set[sp.Symbol], domains: Sequence[Domain], rng: np.random.Generator, n: int) -> list[dict]:
    covered = [d for d in domains if set(d.symbols) & symbols]
    loose = sorted(symbols - {s for d in covered for s in d.symbols}, key=lambda s: s.name)
    all_domains = covered + [default_domain(s) for s in loose]
    return [{k: v for d in all_domains for k, v in d.sample(rng).items()} for _ in range(n)]


def _evaluator(expr: sp.Basic, symbols: list[sp.Symbol]) -> Callable[[dict], Any]:
    try:
        fn = sp.lambdify(symbols, expr, modules="mpmath")
    except Exception:
        fn = None

    def evaluate(point: dict) -> Any:
        with mpmath.workdps(DIGITS):
            if fn is not None:
                try:
                    return fn(*[mpmath.mpf(point[s]) for s in symbols])
                except Exception:
                    pass
            value = expr.evalf(DIGITS, subs={s: sp.Float(point[s], DIGITS) for s in symbols})
            if not value.is_number:
                raise ValueError(f"cannot evaluate {expr} numerically")
            return mpmath.mpmathify(complex(value)) if not value.is_real else mpmath.mpf(str(value))

    return evaluate


def _finite(v: Any) -> bool:
    try:
        return bool(mpmath.isfinite(v))
    except Exception:
        return False


def compare(
    lhs: Any,
    rhs: Any,
    domains: Sequence[Domain],
    *,
    seed: int,
    key: str,
    rtol: float = 1e-10,
    atol: float = 1e-12,
    points: int = 8,
    symbolic: bool = True,
) -> Outcome:
    """Decide whether ``lhs == rhs`` (element-wise for matrices).

    Order of work: entries that are identical after sympy's automatic simplification pass at once; the
    rest are evaluated at the random points first, because one counterexample settles a false claim
    quickly (symbolic routes on a false claim can run for minutes); only then are the symbolic routes
    tried, to turn numeric agreement into a proof where sympy can.
    """
    pairs, shape = _entries(lhs, rhs)
    diffs = [sp.sympify(left - right) for left, right in pairs]
    pending = [i for i, diff in enumerate(diffs) if not _is_zero(diff)]
    if not pending:
        return Outcome(True, "symbolic: direct", "symbolic")

    # both sides' symbols: one that cancels in the difference still needs a value to evaluate each side
    symbols = sorted(
        set().union(*[sp.sympify(pairs[i][0]).free_symbols | sp.sympify(pairs[i][1]).free_symbols for i in pending]),
        key=lambda s: s.name,
    )
    draws = draw_points(set(symbols), domains, _rng(seed, key), points) if symbols else [{}]
    evaluated = 0
    for idx in pending:
        left, right = pairs[idx]
        fl, fr = _evaluator(sp.sympify(left), symbols), _evaluator(sp.sympify(right), symbols)
        for point in draws:
            try:
                a, b = fl(point), fr(point)
            except Exception:
                continue
            if not (_finite(a) and _finite(b)):
                continue
            evaluated += 1
            if abs(a - b) > atol + rtol * max(abs(a), abs(b)):
                where = f"entry {tuple(int(i) for i in np.unravel_index(idx, shape))}" if shape else "the expressions"
                at = ", ".join(f"{s}={point[s]:.6g}" for s in symbols)
                return Outcome(
                    False,
                    "numeric",
                    "numeric",
                    f"{where} differ{' at ' + at if at else ''}: left {mpmath.nstr(a, 10)}, right {mpmath.nstr(b, 10)}",
                )

    routes = ["direct"] * (len(pairs) - len(pending))
    if symbolic:
        for idx in pending:
            route = _symbolic(_with_assumptions(diffs[idx], domains))
            if route is None:
                break
            routes.append(route)
        else:
            order = ["direct"] + [r[0] for r in ROUTES]
            return Outcome(True, f"symbolic: {max(set(routes), key=order.index)}", "symbolic")

    if evaluated < len(pending) * max(1, len(draws) // 2):
        return Outcome(
            False,
            "inconclusive",
            "numeric",
            f"no symbolic route proved it and only {evaluated} of {len(pending) * len(draws)} numeric evaluations "
            "were finite; declare a domain where both sides are defined",
        )
    what = f"{len(draws)} random points" if symbols else "exact constants"
    return Outcome(True, f"numeric: {what}, rtol={rtol:g}", "numeric")


def check_sign(
    expr: Any, domains: Sequence[Domain], *, strict: bool, seed: int, key: str, points: int = 64
) -> Outcome:
    """Decide ``expr > 0`` (``>= 0`` if not strict): sympy's assumptions first, then random points."""
    assumed = _with_assumptions(sp.sympify(expr), domains)
    verdict = assumed.is_positive if strict else assumed.is_nonnegative
    if verdict is True:
        return Outcome(True, "symbolic: assumptions", "symbolic")
    symbols = sorted(sp.sympify(expr).free_symbols, key=lambda s: s.name)
    if verdict is False and not symbols:
        return Outcome(False, "symbolic", "symbolic", f"{expr} is not {'positive' if strict else 'non-negative'}")
    evaluate = _evaluator(sp.sympify(expr), symbols)
    draws = draw_points(set(symbols), domains, _rng(seed, key), points)
    good = 0
    for point in draws:
        try:
            v = evaluate(point)
        except Exception:
            continue
        if not _finite(v) or isinstance(v, mpmath.mpc):
            continue
        if (v <= 0) if strict else (v < 0):
            at = ", ".join(f"{s}={point[s]:.6g}" for s in symbols)
            return Outcome(False, "numeric", "numeric", f"value {mpmath.nstr(v, 10)} at {at}")
        good += 1
    if good < len(draws) // 2:
        return Outcome(False, "inconclusive", "numeric", f"only {good} of {len(draws)} points could be evaluated")
    return Outcome(True, f"numeric: {len(draws)} random points", "numeric")


def residual_text(lhs: Any, rhs: Any, limit: int = 600) -> str:
    """A short, simplified residual for error messages (simplified only when small: it is a diagnostic)."""
    try:
        diff = sp.sympify(lhs - rhs)
        if sp.count_ops(diff) <= RESIDUAL_OPS_LIMIT:
            diff = sp.simplify(diff)
        text = sp.sstr(diff)
    except Exception as exc:  # the residual is only a diagnostic
        text = f"<residual unavailable: {exc}>"
    return text if len(text) <= limit else text[:limit] + " ..."
