"""Evaluate a sympy expression at an exact point, with a chosen number of significant digits.

The evaluator keeps the meaning of the expression:

* integer values stay integers, so ``Sum`` and ``Product`` with symbolic limits are summed term by term
  at the sampled limits (sympy's Karr convention for an upper limit below the lower one), within a
  fixed budget of terms; infinite sums go to ``mpmath.nsum`` and definite integrals to ``mpmath.quad``;
* 0/0, a pole, ``log 0``, an infinity or NaN is *undefined* at that point, never a number;
* a non-real value is reported as *complex* (it is not silently compared as a number).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Sequence

import mpmath
import sympy as sp

__all__ = ["Value", "Evaluator", "TERM_BUDGET", "exactify", "canonical_bound"]

#: The most terms one evaluation may add up over all its finite sums and products (a deterministic
#: cost budget: a point that needs more is "undefined" for this check, i.e. no evidence).
TERM_BUDGET = 5_000
#: What one integrand evaluation of a definite integral costs, in terms of that budget.
QUAD_COST = 3
#: The most terms all evaluations of one side of one claim may add up (then its points are undefined).
CLAIM_TERM_BUDGET = 60_000


class _OverBudget(Exception):
    pass


@dataclass(frozen=True)
class Value:
    """One side's value at one point: ``kind`` is ``"real"``, ``"complex"`` or ``"undefined"``."""

    kind: str
    value: Any = None
    reason: str = ""


def exactify(expr: sp.Basic) -> sp.Basic:
    """Replace every Float by the exact rational number it holds (its binary value)."""
    floats = expr.atoms(sp.Float)
    if not floats:
        return expr
    return expr.xreplace({f: sp.Rational(f) for f in floats})


_BOUND_TYPES = (sp.Sum, sp.Product, sp.Integral)


def canonical_bound(expr: sp.Basic) -> sp.Basic:
    """Rename the bound variables of sums, products and integrals to canonical names, so that bound
    expressions differing only in the name of the bound variable compare equal.

    The name depends only on the nesting depth (``_b1`` outermost, ``_b2`` inside it, ...), never on how
    many sums came before: two copies of the same sum get the same name, so they cancel symbolically.
    Sibling scopes may share a name (each binds its own); nested scopes never do.
    """

    def rename(e: sp.Basic, depth: int) -> sp.Basic:
        if isinstance(e, sp.MatrixBase):
            return e.applyfunc(lambda x: rename(x, depth))
        if not e.args:
            return e
        if isinstance(e, _BOUND_TYPES):
            integer = isinstance(e, (sp.Sum, sp.Product))
            limits, mapping = [], {}
            # sympy lists the innermost limit first: name from the outermost (last) inwards; a limit's
            # bounds lie in the scope of the limits outside it, not in its own
            for level, lim in enumerate(reversed(e.limits), start=depth + 1):
                name = f"_b{level}"
                new = sp.Symbol(name, integer=True) if integer else sp.Symbol(name, real=True)
                limits.append((new, *[rename(b, depth).xreplace(mapping) for b in lim[1:]]))
                mapping[lim[0]] = new
            func = rename(e.function, depth + len(e.limits))
            return type(e)(func.xreplace(mapping), *reversed(limits))
        return e.func(*[rename(a, depth) for a in e.args])

    try:
        return rename(expr, 0)
    except Exception:  # renaming is an optimisation for the direct route; never fatal
        return expr


def _outermost_bound(expr: sp.Basic) -> list[sp.Basic]:
    found: list[sp.Basic] = []

    def walk(e: sp.Basic) -> None:
        if isinstance(e, _BOUND_TYPES):
            if e not in found:
                found.append(e)
            return
        for a in e.args:
            walk(a)

    walk(expr)
    return found


def _to_mp(v: int | Fraction) -> Any:
    if isinstance(v, int):
        return mpmath.mpf(v)
    return mpmath.mpf(v.numerator) / v.denominator


def _series(term: Callable[[Any], Any], start: int, budget: list) -> Any:
    """Sum an infinite series term by term until 8 consecutive terms are below the working precision
    relative to the partial sum; a series that does not settle within the term budget is undefined."""
    total = mpmath.mpf(0)
    small = 0
    k = start
    threshold = mpmath.mpf(10) ** (-(mpmath.mp.dps + 5))
    while True:
        budget[0] -= 1
        if budget[0] < 0:
            raise _OverBudget
        t = term(mpmath.mpf(k))
        total += t
        small = small + 1 if abs(t) <= threshold * abs(total) else 0
        if small >= 8:
            return total
        k += 1


class _Compiled:
    """A callable ``f(args, budget) -> mp value`` for an expression in the given symbols."""

    def __init__(self, expr: sp.Basic, symbols: Sequence[sp.Symbol]) -> None:
        self.symbols = list(symbols)
        nodes = originals = _outermost_bound(expr)
        self.holes = [sp.Dummy(f"h{i}") for i in range(len(nodes))]
        outer = expr.xreplace(dict(zip(originals, self.holes))) if nodes else expr
        self.parts = [self._compile_node(n) for n in nodes]
        self.outer = sp.lambdify(self.symbols + self.holes, outer, modules="mpmath")

    def _compile_node(self, node: sp.Basic) -> Callable[[list, list], Any]:
        # sympy flattens Sum(Sum(f, L1), L2) into Sum(f, L1, L2): the last limit is the outermost
        *inner_limits, last = node.limits
        if len(last) != 3:
            raise ValueError("an indefinite integral or sum cannot be evaluated at a point")
        var, lo, hi = last
        inner = type(node)(node.function, *inner_limits) if inner_limits else node.function
        body = _Compiled(inner, self.symbols + [var])
        low = _Compiled(lo, self.symbols)
        high = _Compiled(hi, self.symbols)
        kind = type(node)

        def run(args: list, budget: list) -> Any:
            a, b = low(args, budget), high(args, budget)
            if kind is sp.Integral:
                def integrand(t: Any) -> Any:
                    budget[0] -= QUAD_COST
                    if budget[0] < 0:
                        raise _OverBudget
                    return body(args + [t], budget)

                return mpmath.quad(integrand, [a, b])
            if mpmath.isinf(b) or mpmath.isinf(a):
                if kind is sp.Product or not (mpmath.isint(a) and b == mpmath.inf):
                    raise ValueError("only sums from an integer to +oo are evaluated")
                return _series(lambda k: body(args + [k], budget), int(a), budget)
            if not (mpmath.isint(a) and mpmath.isint(b)):
                raise ValueError("a sum or product with non-integer limits")
            a, b = int(a), int(b)
            if b >= a:
                rng, invert = range(a, b + 1), False
            elif b == a - 1:
                return mpmath.mpf(0) if kind is sp.Sum else mpmath.mpf(1)
            else:  # Karr's convention: sum_{a}^{b} = -sum_{b+1}^{a-1}
                rng, invert = range(b + 1, a), True
            budget[0] -= len(rng)
            if budget[0] < 0:
                raise _OverBudget
            if kind is sp.Sum:
                total = mpmath.fsum(body(args + [mpmath.mpf(k)], budget) for k in rng)
                return -total if invert else total
            total = mpmath.fprod(body(args + [mpmath.mpf(k)], budget) for k in rng)
            return 1 / total if invert else total

        return run

    def __call__(self, args: list, budget: list) -> Any:
        holes = [part(args, budget) for part in self.parts]
        return self.outer(*args, *holes)


def absolute_version(expr: sp.Basic) -> sp.Basic:
    """``expr`` with every sum replaced by the sum of the absolute values of its terms.

    Its value bounds the size of what cancels when ``expr`` is evaluated: a difference smaller than
    the working precision times this scale cannot be told from zero at that precision.
    """
    return expr.replace(lambda e: e.is_Add, lambda e: sp.Add(*[sp.Abs(a) for a in e.args]))


class Evaluator:
    """Evaluate ``expr`` at exact points: ``evaluator(point, dps) -> Value``; ``evaluator.scale(point, dps)``
    evaluates :func:`absolute_version` of it."""

    def __init__(self, expr: sp.Basic, symbols: Sequence[sp.Symbol]) -> None:
        self.expr = expr
        self.symbols = list(symbols)
        try:
            self._compiled: _Compiled | None = _Compiled(expr, self.symbols)
        except Exception:
            self._compiled = None
        self._claim_budget = CLAIM_TERM_BUDGET
        self._abs: Evaluator | None = None

    def scale(self, point: dict, dps: int) -> Any:
        """The cancellation scale at ``point`` (0 where it cannot be evaluated)."""
        if not self.expr.has(sp.Add):
            return mpmath.mpf(0)
        if self._abs is None:
            try:
                self._abs = Evaluator(absolute_version(self.expr), self.symbols)
            except Exception:
                return mpmath.mpf(0)
        v = self._abs(point, dps)
        return abs(v.value) if v.kind == "real" else mpmath.mpf(0)

    def exact(self, point: dict) -> sp.Basic | None:
        """The exact value at ``point`` when sympy's automatic evaluation yields a rational number.

        Only tried at points with small coordinates (numerators and denominators up to 1000), where
        sympy's automatic evaluation is cheap (``gamma(10**12)`` would be evaluated exactly otherwise).
        """
        if any(abs(Fraction(v).numerator) > 1000 or Fraction(v).denominator > 1000 for v in point.values()):
            return None
        try:
            subs = {s: sp.Integer(v) if isinstance(v, int) else sp.Rational(v.numerator, v.denominator)
                    for s, v in point.items() if s in self.expr.free_symbols}
            value = self.expr.xreplace(subs)
        except Exception:
            return None
        return value if value.is_Rational else None

    def _fallback(self, point: dict, dps: int) -> Any:
        # small integers stay exact (sum limits); anything else is a Float carrying the exact binary
        # value, so that sympy never evaluates, say, gamma(10**12) exactly
        subs = {s: sp.Integer(v) if isinstance(v, int) and abs(v) <= 10**4 else sp.Float(_to_mp(v), dps)
                for s, v in point.items() if s in self.expr.free_symbols}
        value = self.expr.xreplace(subs)
        if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            raise ValueError("undefined")
        value = value.evalf(dps)
        if not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            raise ValueError("undefined")
        re, im = value.as_real_imag()
        re, im = re.evalf(dps), im.evalf(dps)
        if not (re.is_Number and im.is_Number):
            raise ValueError("not a number")
        return mpmath.mpc(mpmath.mpf(re._to_mpmath(mpmath.mp.prec)), mpmath.mpf(im._to_mpmath(mpmath.mp.prec)))

    def __call__(self, point: dict, dps: int) -> Value:
        if self._claim_budget <= 0:
            return Value("undefined", reason=f"the claim used up its budget of {CLAIM_TERM_BUDGET} terms")
        with mpmath.workdps(dps):
            raw = None
            if self._compiled is not None:
                args = [_to_mp(point[s]) for s in self.symbols]
                start = min(TERM_BUDGET, self._claim_budget)
                budget = [start]
                try:
                    raw = self._compiled(args, budget)
                except _OverBudget:
                    return Value("undefined", reason=f"more terms than the budget of {start}")
                except (ZeroDivisionError, OverflowError, ValueError, ArithmeticError):
                    return Value("undefined", reason="not defined here")
                except Exception:
                    raw = None  # an unsupported function: evaluate through sympy instead
                finally:
                    self._claim_budget -= start - max(budget[0], 0)
            if raw is None:
                try:
                    raw = self._fallback(point, dps)
                except Exception:
                    return Value("undefined", reason="cannot be evaluated here")
            return classify(raw, dps)


def classify(raw: Any, dps: int) -> Value:
    """Sort a raw value into real, complex or undefined."""
    if isinstance(raw, (bool, sp.logic.boolalg.BooleanAtom, sp.logic.boolalg.BooleanFunction)):
        raise TypeError("a side of the claim is a truth value, not a number")
    try:
        v = mpmath.mpmathify(raw)
    except Exception:
        return Value("undefined", reason="not a number")
    if isinstance(v, mpmath.mpc):
        if not (mpmath.isfinite(v.real) and mpmath.isfinite(v.imag)):
            return Value("undefined", reason="infinite or NaN")
        if v.imag == 0 or abs(v.imag) <= mpmath.mpf(10) ** (-(dps - 10)) * abs(v):
            return Value("real", v.real)
        return Value("complex", v)
    if not mpmath.isfinite(v):
        return Value("undefined", reason="infinite or NaN")
    return Value("real", v)
