"""The decision engine: every verdict is a certificate (README, "How a derivation is checked").

How ``lhs = rhs`` is decided, entry by entry:

1. Written decimals mean the decimal written (``0.1`` is 1/10; a Python float is read as its shortest
   ``repr``); bound variables of sums, products and integrals are renamed canonically; the domains'
   constraints are substituted (the last coordinate of a probability vector, the mirror entries of a
   symmetric matrix).
2. **Exact residuals.** A residual that is a rational function with rational coefficients is decided
   exactly: a zero numerator proves the claim; otherwise the residual is evaluated in exact rational
   arithmetic at points of the domain, and a nonzero value there refutes it.
3. **Cheap proofs** (direct, expand, cancel, together, expand_log) under the domains' assumptions.
4. **Certified points.** At deterministic special points and seeded random points of the domain, both
   sides are enclosed in complex balls (python-flint's ``acb``, :mod:`._certify`) at 128, 256 and 512
   bits. A ball of ``lhs - rhs`` that excludes 0, or one side certainly real and the other certainly
   not, *refutes* the claim at that exact point. A ball that contains 0 at every precision, with a
   shrinking radius, is one point of evidence. A point where a side is undefined, where neither side is
   real, or where no enclosure can be computed is no evidence; but two different complex values refute
   a claim that agreed as real numbers elsewhere (a branch cut inside the domain). Claims that write
   numbers longer than 512 bits (``10**-200``, ``exp(-1000)``) get one more precision, up to 4096 bits.
   Points include the jumps and kinks of both sides (and points beside and between them); a jumping
   function whose argument is a rational function of the point is evaluated exactly there.
5. **Expensive proofs** (simplify, logcombine, trigsimp, rewrite(exp), doit) within a size budget. A
   route that reduces the residual to a constant whose enclosure excludes 0 refutes the claim.
   Where a finite sum has too many terms to add up (``n = 10**12``), sympy's closed form of it is
   enclosed instead, for refutation only.
6. The claim *holds* on a proof or on evidence at enough certified points per entry; otherwise it is
   *undecided*. No tolerance is relative to cancelling terms, and nothing depends on the clock.
"""

from __future__ import annotations

import functools
import math

import zlib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Sequence

import mpmath
import numpy as np
import sympy as sp
from flint import acb

from ._certify import MAX_PREC, PRECISIONS, Enclosure, NoEnclosure, Unbounded, Undefined, ball_text, excludes_zero, is_nonreal, is_real
from ._domains import Domain, Integer, Interval, default_domain
from ._evaluate import canonical_bound
from ._gauss import gaussian_integrals
from .errors import DomainError

__all__ = ["Outcome", "to_sympy", "compare", "check_sign", "residual_text", "resolve_domains",
           "written_decimals", "draw_points", "enclose_constant", "DIGITS", "MIN_EVIDENCE", "RANDOM_POINTS", "PRECISIONS"]

#: Significant digits of the float-point checks of Derivation.stationary/lagrange (mpmath).
DIGITS = 50
#: Random points per claim, and the extra points drawn when too few points gave evidence.
RANDOM_POINTS = 40
EXTRA_POINTS = 24
#: Fewest certified points per entry for numeric evidence to count.
MIN_EVIDENCE = 16
#: At most this many special points per claim (taken in a fixed order).
MAX_SPECIALS = 40
#: Size budgets (sympy operation counts, largest integer exponent) for the symbolic routes.
CHEAP_OPS_LIMIT = 4000
EXPENSIVE_OPS_LIMIT = 600
POLY_OPS_LIMIT = 1500
MAX_EXPONENT = 64
#: An error message's residual is simplified only below this size.
RESIDUAL_OPS_LIMIT = 150
#: Exact rational evaluation is tried only at points whose coordinates have at most this many bits.
EXACT_POINT_BITS = 4096


@dataclass
class Outcome:
    """What the engine found.

    ``status`` is ``"holds"``, ``"fails"`` (refuted) or ``"undecided"``; ``ok`` is ``status == "holds"``.
    ``certified`` says whether a ``"fails"`` verdict is a certificate (an exact nonzero residual at an
    exact point, a rigorous enclosure that excludes 0, exact comparisons of given numbers); only
    certificates may record a printed result as refuted. ``counterexample`` maps symbols to the exact
    values of a refuting point and ``values`` gives both sides there.
    """

    ok: bool
    route: str
    category: str  # "symbolic", "numeric" or "finite-difference"
    detail: str = ""
    status: str = ""
    counterexample: dict | None = None
    values: tuple[str, str] | None = None
    measured: dict = field(default_factory=dict)  # machine-dependent numbers a route measured (not printed)
    certified: bool = True

    def __post_init__(self) -> None:
        if not self.status:
            self.status = "holds" if self.ok else "fails"
        if self.status not in ("holds", "fails", "undecided"):
            raise ValueError(f"unknown status {self.status!r}")
        self.ok = self.status == "holds"


def _decimal(f: sp.Float) -> sp.Rational:
    """The decimal number a Float was written as: a double's shortest repr, else its stated digits."""
    if f._prec <= 53:
        return sp.Rational(repr(float(f)))
    return sp.Rational(mpmath.libmp.to_str(f._mpf_, mpmath.libmp.prec_to_dps(f._prec)))


def written_decimals(expr: Any) -> Any:
    """Replace every Float by the decimal number written (``0.1`` -> 1/10, ``5.1e-2`` -> 51/1000)."""
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(written_decimals)
    floats = expr.atoms(sp.Float) if isinstance(expr, sp.Basic) else set()
    if not floats:
        return expr
    return expr.xreplace({f: _decimal(f) for f in floats})


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
            out = sp.sympify(value, strict=True) if isinstance(value, (str, bytes)) else sp.sympify(value)
        except (sp.SympifyError, TypeError) as exc:
            raise TypeError(f"{name} must be a sympy expression, matrix or number, got {type(value).__name__}") from exc
    if isinstance(out, sp.MatrixExpr) and not isinstance(out, sp.MatrixBase) or out.atoms(sp.MatrixSymbol):
        raise TypeError(
            f"{name} contains a MatrixSymbol: sympy's matrix calculus on MatrixSymbol is unreliable "
            "(in sympy 1.14 log(Determinant(S)).diff(S) silently returns 0). Use explicit matrices "
            "built with emlib.derivation.matrix(...) and check element-wise."
        )
    if isinstance(out, (sp.logic.boolalg.BooleanAtom, sp.logic.boolalg.BooleanFunction, sp.core.relational.Relational)):
        raise TypeError(f"{name} must be an expression, not a truth value or relation ({out})")
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


# ---------------------------------------------------------------- domains
def resolve_domains(symbols: set[sp.Symbol], domains: Sequence[Domain]) -> list[Domain]:
    """The declared domains that cover ``symbols`` plus a default domain for each loose symbol.

    Raises ValueError when a symbol is declared twice or its own assumptions contradict its domain.
    """
    owner: dict[sp.Symbol, Domain] = {}
    for d in domains:
        for s in d.symbols:
            if s in owner and owner[s] is not d:
                raise DomainError(f"symbol {s} is declared in two domains: {owner[s].describe()} and {d.describe()}")
            owner[s] = d
            problem = d.contradiction(s)
            if problem:
                raise DomainError(problem)
    used = [d for d in domains if set(d.symbols) & symbols]
    loose = sorted(symbols - set(owner), key=lambda s: s.name)
    return used + [default_domain(s) for s in loose]


def _assumption_map(expr: sp.Basic, domains: Sequence[Domain]) -> dict:
    mapping = {}
    for d in domains:
        for s in d.symbols:
            if d.assumptions and s in expr.free_symbols:
                merged = {**s.assumptions0, **d.implied(s)}
                try:
                    mapping[s] = sp.Dummy(s.name, **merged)
                except Exception:  # inconsistent assumptions were already refused by resolve_domains
                    mapping[s] = sp.Dummy(s.name, **d.implied(s))
    return mapping


def _with_assumptions(expr: sp.Basic, domains: Sequence[Domain]) -> sp.Basic:
    """Replace symbols by dummies carrying their domain's assumptions, so that e.g. expand_log may split
    log(a*b) only where a and b are declared positive."""
    mapping = _assumption_map(expr, domains)
    return expr.xreplace(mapping) if mapping else expr


def _infinite_range(expr: sp.Basic) -> bool:
    """True if ``expr`` has an infinite sum, product or integral, or a limit (no enclosure: evaluated
    symbolically first)."""
    if expr.has(sp.Limit):
        return True
    return any(isinstance(a, (sp.Sum, sp.Product, sp.Integral)) and any(
        lim[1:] and (lim[1].has(sp.oo, -sp.oo) or lim[-1].has(sp.oo, -sp.oo)) for lim in a.limits)
        for a in sp.preorder_traversal(expr))


def _evaluate_infinite(expr: sp.Basic, domains: Sequence[Domain]) -> tuple[sp.Basic, bool]:
    """Infinite sums and integrals have no enclosure: evaluate them symbolically with sympy's doit under
    the domains' assumptions (within the size budget); the caller's enclosures then check the result."""
    if not _infinite_range(expr) or _ops(expr) > EXPENSIVE_OPS_LIMIT:
        return expr, False
    mapping = _assumption_map(expr, domains)
    try:
        out = expr.xreplace(mapping).doit().xreplace({v: k for k, v in mapping.items()})
    except Exception:  # sympy could not evaluate it: no evidence from this route
        return expr, False
    return (out, True) if out != expr else (expr, False)


def _doit_at_point(pair: tuple, at: dict) -> tuple[str, str] | None:
    """``(residual text, enclosure text)`` when sympy's doit evaluates both sides at the exact point
    ``at`` to constants whose difference certainly differs from 0, else None (bounded by the size
    budget of the symbolic routes)."""
    try:
        sides = [side.xreplace(at) for side in pair]
        if any(_ops(side) > EXPENSIVE_OPS_LIMIT for side in sides):
            return None
        sides = [_evaluate_infinite(side, [])[0] for side in sides]
        diff = sp.sympify(sides[0] - sides[1])
    except Exception:  # sympy could not evaluate it there: no evidence
        return None
    if diff.free_symbols or _bound_nodes(diff) or diff.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        return None
    text = _nonzero_constant(diff)
    return None if text is None else (_text(diff)[:200], text)


def _reduce(expr: sp.Basic, domains: Sequence[Domain]) -> sp.Basic:
    subs: dict = {}
    for d in domains:
        subs.update(d.reduction())
    return expr.xreplace(subs) if subs else expr


# ---------------------------------------------------------------- budgets
def _max_exponent(expr: sp.Basic) -> int:
    """The largest integer exponent, counting the rational numbers in the argument of ``exp`` (sympy's
    trigsimp and simplify turn ``exp(-x**2 - 1000)`` into a polynomial of degree 1000 in ``E``)."""
    worst = 0
    for p in expr.atoms(sp.Pow):
        e = p.exp
        if e.is_Integer:
            worst = max(worst, abs(int(e)))
        elif e.is_Rational:
            worst = max(worst, abs(int(e.p)))
    for f in expr.atoms(sp.exp):
        for term in sp.Add.make_args(f.args[0]):
            c = term.as_coeff_Mul()[0]
            if c.is_Rational:
                worst = max(worst, abs(int(c.p)) // int(c.q))
    return worst


def literal_bits(expr: sp.Basic) -> int:
    """The most bits of a rational number written in ``expr`` (numerator plus denominator)."""
    bits = 0
    for r in expr.atoms(sp.Rational):
        bits = max(bits, int(r.p).bit_length() + int(r.q).bit_length())
    return bits


def _exp_bits(expr: sp.Basic) -> int:
    """The bits of the scale a written constant in an exponent sets: ``exp(-x**2 - 1000)`` is below
    ``2**-1442`` everywhere, so seeing it beside 1 takes more than 1442 bits."""
    bits = 0
    for f in expr.atoms(sp.exp):
        c = f.args[0].as_coeff_Add()[0]
        if c.is_Rational and c != 0:
            bits = max(bits, int(abs(c) * 1.4427) + 1)
    return bits


#: Written numbers longer than this many bits keep the claim off the expensive symbolic routes (sympy's
#: factorisation over huge coefficients runs for minutes) and add a precision (:func:`claim_precisions`).
LITERAL_BITS_LIMIT = 320


def claim_precisions(*exprs: sp.Basic) -> tuple[int, ...]:
    """The precisions at which a claim is evaluated: 128, 256, 512 bits, and one more when the claim
    writes a number of more bits than that (``10**-200`` needs more than 512 bits to be seen beside 1),
    capped at MAX_PREC."""
    bits = max((max(literal_bits(e), _exp_bits(e)) for e in exprs if isinstance(e, sp.Basic)), default=0)
    need = bits + 256
    if need <= PRECISIONS[-1]:
        return PRECISIONS
    prec = PRECISIONS[-1]
    while prec < need and prec < MAX_PREC:
        prec *= 2
    return (*PRECISIONS, prec)


def _nested_radicals(expr: sp.Basic) -> bool:
    for p in expr.atoms(sp.Pow):
        if p.exp.is_Rational and not p.exp.is_Integer and any(
            q.exp.is_Rational and not q.exp.is_Integer for q in p.base.atoms(sp.Pow)
        ):
            return True
    return False


def _ops(expr: sp.Basic) -> int:
    try:
        return int(sp.count_ops(expr))
    except Exception:
        return 10**9


# ---------------------------------------------------------------- exact evidence
def _rational_verdict(diff: sp.Basic, domains: Sequence[Domain]) -> tuple[str, str] | None:
    """Decide a residual that is a rational function with rational coefficients, exactly.

    Returns ``("holds", "cancel")`` when its cancelled numerator is zero, ``("fails", reason)`` when
    that numerator is a nonzero polynomial that cannot vanish on the domain, and None otherwise.
    """
    if diff.is_Rational:
        return ("holds", "direct") if diff == 0 else ("fails", f"left - right = {diff} exactly")
    free = sorted(diff.free_symbols, key=lambda s: s.name)
    if not free or _ops(diff) > POLY_OPS_LIMIT or _max_exponent(diff) > MAX_EXPONENT:
        return None
    if diff.atoms(sp.Function, sp.NumberSymbol) or diff.has(sp.Sum, sp.Product, sp.Integral):
        return None
    if not diff.is_rational_function(*free):
        return None
    try:
        num, _ = sp.fraction(sp.cancel(sp.together(diff)))
        poly = sp.Poly(num, *free, domain="QQ")
    except Exception:
        return None
    if poly.is_zero:
        return "holds", "expand" if diff.is_polynomial(*free) else "cancel"
    expr = poly.as_expr()
    for d in domains:
        if set(d.symbols) & set(free) and not d.full_dimensional(expr):
            return None
    text = sp.sstr(expr)
    text = text if len(text) <= 200 else text[:200] + " ..."
    return "fails", f"the numerator of left - right is the nonzero polynomial {text}"


# ---------------------------------------------------------------- symbolic routes
def _is_zero(expr: sp.Basic) -> bool:
    # sympy's assumption queries on large expressions are slow; ask them only of constants, and never of
    # an integral (sympy would evaluate it by plain quadrature, which is not a proof)
    return expr == 0 or (not expr.free_symbols and not expr.has(sp.Integral) and expr.is_zero is True)


def _together_numer(e: sp.Basic) -> sp.Basic:
    return sp.expand(sp.numer(sp.together(e)))


def _log_route(e: sp.Basic) -> sp.Basic:
    return sp.expand(sp.expand_log(sp.expand(e), deep=True))


def _logcombine_route(e: sp.Basic) -> sp.Basic:
    return sp.simplify(sp.logcombine(e))


def _exp_route(e: sp.Basic) -> sp.Basic:
    return sp.simplify(e.rewrite(sp.exp))


def _doit_route(e: sp.Basic) -> sp.Basic:
    return sp.simplify(e.doit())


CHEAP_ROUTES: list[tuple[str, Callable[[sp.Basic], sp.Basic]]] = [
    ("expand", sp.expand),
    ("cancel", sp.cancel),
    ("together", _together_numer),
    ("expand_log", _log_route),
]
EXPENSIVE_ROUTES: list[tuple[str, Callable[[sp.Basic], sp.Basic]]] = [
    ("simplify", sp.simplify),
    ("logcombine", _logcombine_route),
    ("trigsimp", sp.trigsimp),
    ("rewrite(exp)", _exp_route),
    ("doit", _doit_route),
]
ROUTE_ORDER = ["direct"] + [r[0] for r in CHEAP_ROUTES + EXPENSIVE_ROUTES]


def _bound_nodes(e: sp.Basic) -> bool:
    return any(isinstance(a, (sp.Sum, sp.Product, sp.Integral)) for a in sp.preorder_traversal(e))


def _symbolic(diff: sp.Basic, expensive: bool, want_value: bool = False, doit: bool = True) -> Any:
    """The name of the first route that reduces ``diff`` to 0 (None if none does).

    With ``want_value``: ``(name, value)`` for the first route giving 0, else for the first route giving
    a constant (which the caller may certify as nonzero), else None. Routes run only below a size budget
    (sympy has no operation counter, so the input size bounds their cost). The routes are pure functions
    of the residual, so their result is remembered: a residual met again (the same claim through the other
    front-end, a repeated step) does not repeat expensive routes already known to fail.
    """
    # the domains' assumptions come as fresh Dummies on every call: name them canonically (by name,
    # assumptions and order of creation) so that the same residual is recognised; the routes run on the
    # renamed residual, so a remembered answer is exactly the answer they give
    dummies = sorted(diff.atoms(sp.Dummy), key=lambda d: (d.name, sorted(d.assumptions0.items()), d.dummy_index))
    if dummies:
        diff = diff.xreplace({d: sp.Symbol(f"_a{i}_{d.name}", **d.assumptions0) for i, d in enumerate(dummies)})
    return _symbolic_cached(diff, expensive, want_value, doit)


@functools.lru_cache(maxsize=512)
def _symbolic_cached(diff: sp.Basic, expensive: bool, want_value: bool, doit: bool) -> Any:
    if _is_zero(diff):
        return ("direct", sp.Integer(0)) if want_value else "direct"
    ops = _ops(diff)
    if ops > CHEAP_OPS_LIMIT or _max_exponent(diff) > MAX_EXPONENT:
        return None
    routes = EXPENSIVE_ROUTES if expensive else CHEAP_ROUTES
    if expensive and (ops > EXPENSIVE_OPS_LIMIT or _nested_radicals(diff) or literal_bits(diff) > LITERAL_BITS_LIMIT):
        return None
    constant = None
    integral = diff.has(sp.Integral)
    for name, fn in routes:
        if name == "doit" and (not doit or not _bound_nodes(diff)):
            continue
        if integral and name in ("cancel", "together"):
            continue  # their sign normalisation evaluates integrals numerically (mpmath quadrature)
        try:
            out = fn(diff)
            if _is_zero(out):
                return (name, sp.Integer(0)) if want_value else name
            if constant is None and isinstance(out, sp.Expr) and not out.free_symbols and not _bound_nodes(out):
                constant = (name, out)
        except Exception:  # a route that sympy cannot apply is simply inconclusive
            continue
    return constant if want_value else None


# ---------------------------------------------------------------- points
def _text(e: Any) -> str:
    """sstr, without sympy's term ordering where an integral is present (ordering would evaluate it)."""
    if isinstance(e, (sp.Basic, sp.MatrixBase)) and e.has(sp.Integral):
        return sp.sstr(e, order="none")
    return sp.sstr(e)


def _seed(seed: int, *parts: Any) -> np.random.Generator:
    """Points depend on the claim itself (and the notebook's seed), never on its label."""
    text = "\x1f".join(_text(p) if isinstance(p, (sp.Basic, sp.MatrixBase)) else str(p) for p in parts)
    return np.random.default_rng([seed, zlib.crc32(text.encode("utf-8"))])


def draw_points(domains: Sequence[Domain], rng: np.random.Generator, n_random: int) -> tuple[list[dict], bool]:
    """Special points, then ``n_random`` random points (or every point of a small finite domain).

    Returns the points and whether they exhaust the domain.
    """
    if not domains:
        return [{}], True
    finite = [d.finite_points() for d in domains]
    if all(f is not None for f in finite):
        combos: list[dict] = [{}]
        for f in finite:
            combos = [{**c, **p} for c in combos for p in f]
            if len(combos) > 4096:
                break
        else:
            return combos, True
    specials_per = [d.special_points() or [d.random_point(rng)] for d in domains]
    width = max(len(s) for s in specials_per)
    specials = [{k: v for s in specials_per for k, v in s[i % len(s)].items()} for i in range(width)]
    specials = specials[:MAX_SPECIALS]
    randoms = [{k: v for d in domains for k, v in d.random_point(rng).items()} for _ in range(n_random)]
    # small integers first: a sum over n terms costs n, and each claim has a fixed operation budget
    return sorted(specials + randoms, key=_integer_size), False


#: Extra points per claim at and next to the jumps and kinks of its sides (bounded cost).
MAX_BREAKPOINTS = 24


def _kink_arguments(expr: sp.Basic) -> list[sp.Basic]:
    """The expressions whose sign changes make ``expr`` jump or bend: arguments of sign, Heaviside and Abs,
    the arguments of floor, ceiling, frac and Mod (quotient) and their differences with +-1, differences of the arguments of Max and Min, and the two sides of every
    Piecewise condition."""
    out: list[sp.Basic] = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.floor, sp.ceiling, sp.frac, sp.Mod)):
            # a step function jumps where its argument crosses any integer: the crossings of 0 and +-1 are
            # the first jumps away from the origin (floor(n/10**20) first jumps at n = 10**20, beyond every
            # drawn integer), and Mod(a, b) jumps where a/b crosses them
            g = node.args[0] if not isinstance(node, sp.Mod) else node.args[0] / node.args[1]
            out.extend([g, g - 1, g + 1])
        elif isinstance(node, (sp.sign, sp.Heaviside, sp.Abs)):
            out.append(node.args[0])
        elif isinstance(node, (sp.Max, sp.Min)):
            out.extend(a - b for a, b in zip(node.args, node.args[1:]))
        elif isinstance(node, sp.core.relational.Relational):
            out.append(node.lhs - node.rhs)
    return out


def _rational_near(r: sp.Basic) -> Fraction | None:
    """A rational number within about 10**-50 (relative) of the real constant ``r``, or None."""
    try:
        value = sp.N(r, 60)
        if not value.is_real or not value.is_finite:
            return None
        return Fraction(str(sp.Rational(value)))
    except Exception:  # not a number sympy can evaluate
        return None


def breakpoint_points(exprs: Sequence[sp.Basic], used: Sequence[Domain], base: dict) -> list[dict]:
    """Exact points at the jumps and kinks of a claim, between them and beside them.

    A claim may differ only on a band narrower than any random draw (``Heaviside(x - 3/7)`` against
    ``Heaviside(x - 3/7 - 10**-30)``, a Piecewise branch on ``|x - 5/7| < 10**-18``). For each kink
    argument that is a polynomial in one symbol of an interval domain, its real roots are isolated
    exactly; the rational roots, points 10**-40 beside every root, and the midpoints between consecutive
    roots are added, with the other symbols at ``base``."""
    owner = {s_: d for d in used for s_ in d.symbols}
    found: dict[sp.Symbol, set] = {}
    for expr in exprs:
        if not isinstance(expr, sp.Basic) or not expr.free_symbols:
            continue
        for g in _kink_arguments(expr):
            free = g.free_symbols
            if len(free) != 1:
                continue
            (v,) = free
            if not isinstance(owner.get(v), (Interval, Integer)) or _ops(g) > ZERO_OPS_LIMIT:
                continue
            if not g.is_polynomial(v):
                # floor(log(n + 1)/log(10**30)) first jumps at n = 10**30 - 1: sympy's solveset proposes
                # the roots, and rational points within 10**-50 of them are sampled (evaluated as usual)
                for r in _candidates(g, v):
                    approx = _rational_near(r)
                    if approx is not None:
                        found.setdefault(v, set()).add(approx)
                continue
            try:
                poly = sp.Poly(g, v, domain="QQ")
                if poly.degree() < 1 or poly.degree() > 8:
                    continue
                roots = [(Fraction(str(a)), Fraction(str(b))) for (a, b), _ in
                         sp.Poly(poly.sqf_part(), v).intervals(eps=sp.Rational(1, 10**45))]
            except Exception:
                continue
            for a, b in roots:
                found.setdefault(v, set()).update({a, b} if a == b else {a, b})
    points: list[dict] = []
    eps = Fraction(1, 10**40)
    for v, roots in found.items():
        dom = owner[v]
        ordered = sorted(roots)
        values = set(ordered)
        if isinstance(dom, Integer):  # the integers at and beside each root
            values = {int(math.floor(r)) + d for r in ordered for d in (-1, 0, 1, 2)}
        else:
            for r in ordered:
                values.update({r - eps * max(1, abs(r)), r + eps * max(1, abs(r))})
            values.update((p + q) / 2 for p, q in zip(ordered, ordered[1:]))
        for value in sorted(values, key=lambda f: (Fraction(f).numerator.bit_length() + Fraction(f).denominator.bit_length(), f)):
            open_low, open_high = getattr(dom, "open_low", False), getattr(dom, "open_high", False)
            if (dom.low is not None and (value < dom.low or (value == dom.low and open_low))) or \
                    (dom.high is not None and (value > dom.high or (value == dom.high and open_high))):
                continue
            value = int(value) if value.denominator == 1 else value
            points.append({**base, v: value})
            if len(points) >= MAX_BREAKPOINTS:
                return points
    return points


def _integer_size(point: dict) -> tuple[int, int]:
    """Cheap points first: small integers (sums cost a term per unit), then short rationals, so that
    a refutation is reported at the simplest refuting point drawn."""
    ints = max((abs(v) for v in point.values() if isinstance(v, int)), default=0).bit_length()
    bits = sum(Fraction(v).numerator.bit_length() + Fraction(v).denominator.bit_length() for v in point.values())
    return ints, bits


def _fmt_value(v: int | Fraction) -> str:
    return str(v)


def _fmt_point(point: dict, symbols: Sequence[sp.Symbol]) -> str:
    """The exact point, as written rationals (the certificate's coordinates)."""
    return ", ".join(f"{s} = {_fmt_value(point[s])}" for s in symbols)


def _sym_point(point: dict, symbols: Sequence[sp.Symbol]) -> dict:
    return {s: sp.Integer(v) if isinstance(v, int) else sp.Rational(v.numerator, v.denominator)
            for s, v in point.items() if s in symbols}


def _small_point(point: dict) -> bool:
    return all(Fraction(v).numerator.bit_length() + Fraction(v).denominator.bit_length() <= EXACT_POINT_BITS
               for v in point.values())


#: A refuting point with more bits than this (numerators plus denominators) is worth simplifying.
SIMPLE_POINT_BITS = 24
#: Denominators of the simpler nearby points tried (:func:`simpler_points`).
SIMPLER_DENOMINATORS = (1, 2, 10, 100, 1000)


def _bits(point: dict) -> int:
    return sum(Fraction(v).numerator.bit_length() + Fraction(v).denominator.bit_length() for v in point.values())


def _round_value(v: Fraction, den: int) -> Fraction:
    """The fraction with denominator ``den`` nearest to ``v``; beyond 1e6, ``v`` to two significant digits."""
    if abs(v) >= 10**6:
        scale = 10 ** (len(str(abs(int(v)))) - 2)
        return Fraction(round(v / scale) * scale)
    return Fraction(round(v * den), den)


def simpler_points(point: dict, used: Sequence[Domain]) -> list[dict]:
    """Simpler exact points near ``point`` (small integers, short fractions), simplest first, inside the
    domains; only coordinates of interval and integer domains are moved, the others stay. A refutation
    found at ``1839263384643/4096`` is re-certified at one of them when it can be, so that the
    counterexample reads well; the certificate is checked again there, never assumed."""
    if _bits(point) <= SIMPLE_POINT_BITS:
        return []
    owner = {s_: d for d in used for s_ in d.symbols}
    out: list[dict] = []
    seen = {tuple(sorted((str(k), v) for k, v in point.items()))}
    for den in SIMPLER_DENOMINATORS:
        cand = dict(point)
        for v_, value in point.items():
            dom = owner.get(v_)
            if isinstance(dom, Integer):
                new = _round_value(Fraction(value), 1)
            elif isinstance(dom, Interval):
                new = _round_value(Fraction(value), den)
            else:
                continue
            lo, hi = dom.low, dom.high
            open_low, open_high = getattr(dom, "open_low", False), getattr(dom, "open_high", False)
            if (lo is not None and (new < lo or (new == lo and open_low))) or \
                    (hi is not None and (new > hi or (new == hi and open_high))):
                continue
            cand[v_] = int(new) if new.denominator == 1 else new
        key = tuple(sorted((str(k), v) for k, v in cand.items()))
        if key in seen or _bits(cand) >= _bits(point):
            continue
        seen.add(key)
        out.append(cand)
    return out


#: Values a counterexample's coordinates are tried at, simplest first (:func:`simplest_refutation`).
SIMPLE_VALUES = tuple(Fraction(v) for v in (0, 1, -1, 2, -2, "1/2", "-1/2", 3, -3, 10, -10, "1/10", 100, -100))
#: At most this many extra evaluations are spent on making one counterexample read well.
SHRINK_TRIALS = 48


def _value_bits(v: int | Fraction) -> int:
    f = Fraction(v)
    return f.numerator.bit_length() + f.denominator.bit_length()


def _admits(dom: Domain, v: Fraction) -> bool:
    """Whether the per-symbol domain ``dom`` (an Interval or Integer) contains ``v``."""
    if isinstance(dom, Integer) and v.denominator != 1:
        return False
    lo, hi = dom.low, dom.high
    if lo is not None and (v < lo or (v == lo and getattr(dom, "open_low", False))):
        return False
    return not (hi is not None and (v > hi or (v == hi and getattr(dom, "open_high", False))))


def simplest_refutation(point: dict, used: Sequence[Domain], refutes: Callable[[dict], Any]) -> tuple[dict, Any]:
    """A simpler point at which ``refutes`` (a certified test: a verdict, or None) still refutes.

    A refutation found at an unwieldy point (``1839263384643/4096``, or ``-10^20`` beside other long
    coordinates) reads badly. First the nearby short fractions of :func:`simpler_points` are tried;
    then a shrink pass (as Hypothesis shrinks a failing example) moves one coordinate at a time to the
    simplest value of :data:`SIMPLE_VALUES` its domain admits, keeping each move only if the claim is
    refuted there too, until no coordinate moves or :data:`SHRINK_TRIALS` evaluations are spent. Only
    coordinates of interval and integer domains move. Every returned verdict is certified at the
    returned point; ``(point, None)`` when nothing simpler refutes.
    """
    if _bits(point) <= SIMPLE_POINT_BITS:
        return point, None
    best, found, trials = point, None, 0
    for simple in simpler_points(point, used):
        trials += 1
        verdict = refutes(simple)
        if verdict is not None:
            best, found = simple, verdict
            break
    owner = {s_: d for d in used if isinstance(d, (Integer, Interval)) for s_ in d.symbols}
    moved = True
    while moved and trials < SHRINK_TRIALS:
        moved = False
        for sym in sorted((s_ for s_ in best if s_ in owner), key=lambda s_: (-_value_bits(best[s_]), str(s_))):
            current = (_value_bits(best[sym]), abs(best[sym]))
            for c in SIMPLE_VALUES:
                if (_value_bits(c), abs(c)) >= current or not _admits(owner[sym], c):
                    continue
                if trials >= SHRINK_TRIALS:
                    break
                trials += 1
                cand = {**best, sym: int(c) if c.denominator == 1 else c}
                verdict = refutes(cand)
                if verdict is not None:
                    best, found, moved = cand, verdict, True
                    break
    return best, found


@dataclass
class _PointVerdict:
    kind: str  # "agree", "differ", "complex differ", "outside", "unsure"
    text: str = ""
    left: str = ""
    right: str = ""
    prec: int = 0
    unbounded: bool = False  # unsure because an infinite sum or integral is left at the point


def _rational_side(expr: sp.Basic) -> bool:
    """A rational function with rational coefficients and bounded exponents (exactly evaluable)."""
    if expr.atoms(sp.Function, sp.NumberSymbol, sp.Float) or expr.has(sp.Sum, sp.Product, sp.Integral, sp.I):
        return False
    if _max_exponent(expr) > MAX_EXPONENT:
        return False
    free = sorted(expr.free_symbols, key=lambda s: s.name)
    return expr.is_rational_function(*free) if free else expr.is_Rational


def _exact_at(expr: sp.Basic, point: dict, symbols: Sequence[sp.Symbol]) -> sp.Rational | None:
    """The exact value of a rational function at a point (None where undefined)."""
    value = expr.xreplace(_sym_point(point, symbols))
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not value.is_Rational:
        return None
    return value


def compare_point(fl: Enclosure, fr: Enclosure, point: dict, complex_claim: bool,
                  precisions: Sequence[int] = PRECISIONS) -> _PointVerdict:
    """Compare both sides at one exact point with rigorous enclosures at rising precision.

    ``differ`` is a certificate: the ball of ``left - right`` excludes 0, or (for a claim about real
    numbers) one side is certainly real and the other certainly not. ``agree``: the ball of
    ``left - right`` contains 0 at every precision and its radius shrinks (or is exactly 0).
    """
    radii: list[Any] = []
    last = ""
    unbounded = False
    for prec in precisions:
        try:
            a, b = fl(point, prec), fr(point, prec)
        except Undefined as exc:
            return _PointVerdict("outside", f"undefined ({exc})")
        except NoEnclosure as exc:
            last = str(exc)
            unbounded = unbounded or isinstance(exc, Unbounded)
            radii.append(None)
            continue
        if complex_claim:
            d = a - b
        else:
            if is_nonreal(a) and is_nonreal(b):
                # no real value to compare, but two different complex numbers still refute left = right
                # (sqrt(1/x) = 1/sqrt(x) at x = -1: -i against i)
                if excludes_zero(a - b):
                    return _PointVerdict("complex differ", f"neither side is real and left - right is "
                                         f"{ball_text(a - b)}, which excludes 0", ball_text(a), ball_text(b), prec)
                return _PointVerdict("outside", "neither side is real")
            if (is_real(a) and is_nonreal(b)) or (is_nonreal(a) and is_real(b)):
                return _PointVerdict("differ", "one side is real and the other is not", ball_text(a), ball_text(b), prec)
            # both certainly real: compare real numbers; otherwise (a side whose imaginary part is a
            # small ball around 0) compare as complex numbers, which still proves left != right
            d = acb(a.real - b.real) if is_real(a) and is_real(b) else a - b
        if excludes_zero(d):
            return _PointVerdict("differ", f"the enclosure of left - right is {ball_text(d)}, which excludes 0",
                                 ball_text(a), ball_text(b), prec)
        radii.append(max(d.real.rad(), d.imag.rad()))
    if radii and radii[0] is None and len(radii) >= 3 and all(r is not None for r in radii[1:]):
        # only the lowest precision failed: a coordinate within 2**-128 of a cancellation (a probability
        # vector 1e-40 from a face, whose last coordinate 1 - q1 - q2 is lost at 128 bits); the higher
        # precisions decide alone
        radii = radii[1:]
    if any(r is None for r in radii):
        return _PointVerdict("unsure", last, unbounded=unbounded)
    if radii[-1] == 0 or radii[-1] < radii[0]:
        return _PointVerdict("agree", prec=precisions[-1])
    return _PointVerdict("unsure", "the enclosure did not shrink with precision")


#: Agreeing points per entry that are evaluated again at MAX_PREC before a claim is accepted on evidence.
DEEP_POINTS = 2


def deep_differ(fl: Enclosure, fr: Enclosure, point: dict, complex_claim: bool) -> _PointVerdict | None:
    """The deep check: both sides at MAX_PREC bits (integrals to half of it) at a point where they agreed
    to 512 bits. ``tanh(t + 400) = 1`` differs by ``2 exp(-800)``, about ``2**-1154``, at every point, and
    no written number says so; a ball of ``left - right`` that excludes 0 here is a certificate like any
    other. None when the sides still agree or cannot be enclosed (never evidence either way)."""
    try:
        a, b = fl(point, MAX_PREC, deep=True), fr(point, MAX_PREC, deep=True)
    except (Undefined, NoEnclosure):
        return None
    if not complex_claim and ((is_real(a) and is_nonreal(b)) or (is_nonreal(a) and is_real(b))):
        return _PointVerdict("differ", "one side is real and the other is not", ball_text(a), ball_text(b), MAX_PREC)
    d = acb(a.real - b.real) if not complex_claim and is_real(a) and is_real(b) else a - b
    if excludes_zero(d):
        return _PointVerdict("differ", f"the enclosure of left - right is {ball_text(d)}, which excludes 0",
                             ball_text(a), ball_text(b), MAX_PREC)
    return None


def _finite_bound(expr: sp.Basic) -> bool:
    return any(isinstance(a, (sp.Sum, sp.Product)) for a in sp.preorder_traversal(expr))


#: The largest term (sympy operations) of a sum or product that is put in closed form (bounded cost).
CLOSED_FORM_TERM_OPS = 20


def _closable(expr: sp.Basic) -> bool:
    """True if every sum and product in ``expr`` is small and its terms depend only on the index and the
    symbols of its limits (``sum 2**k``, ``prod (1 + 1/k)``, ``sum binomial(n, k)``): sympy's summation is
    open-ended in cost, and a term with other symbols (data ``x_i``, parameters) is seldom summable."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Sum, sp.Product)):
            if node.has(sp.Indexed, sp.Integral) or _ops(node.function) > CLOSED_FORM_TERM_OPS:
                return False
            bound = {lim[0] for lim in node.limits}
            limits = set().union(*[sp.sympify(e).free_symbols for lim in node.limits for e in lim[1:]])
            if not node.function.free_symbols <= bound | limits:
                return False
            if node.function.atoms(sp.core.function.AppliedUndef):
                return False
    return True


def _closed_form_point(i: int, pair: tuple, symbols: Sequence[sp.Symbol], closed: dict, point: dict,
                       complex_claim: bool, precs: Sequence[int]) -> _PointVerdict | None:
    """Compare the sides with their finite sums and products in sympy's closed form (``doit``) at a point
    where the sums themselves have too many terms to add up (``n = 10**12``); None if there is no closed
    form. A claim false only for huge ``n`` is then refuted; evidence never comes from this route."""
    if i not in closed:
        closed[i] = None
        if any(_finite_bound(side) for side in pair) and max(_ops(side) for side in pair) <= EXPENSIVE_OPS_LIMIT \
                and all(_closable(side) for side in pair):
            try:
                done = [side.doit() if _finite_bound(side) else side for side in pair]
            except Exception:  # sympy could not sum it: no closed form
                done = None
            if done is not None and not any(_bound_nodes(side) for side in done) and \
                    all(side.free_symbols <= set(symbols) for side in done):
                # the residual, expanded: the closed forms' huge common terms (2**n) cancel exactly
                try:
                    residual = sp.expand(done[0] - done[1])
                except Exception:
                    residual = done[0] - done[1]
                closed[i] = (Enclosure(residual, symbols), Enclosure(sp.Integer(0), symbols))
    if closed[i] is None:
        return None
    return compare_point(*closed[i], point, complex_claim, precs)


def _proved(routes: dict[int, str]) -> Outcome:
    """Every entry proved: the route named is the most general one any entry needed."""
    return Outcome(True, f"symbolic: {max(set(routes.values()), key=ROUTE_ORDER.index)}", "symbolic")


def _domain_text(domains: Sequence[Domain]) -> str:
    return "; ".join(d.describe() for d in domains) or "no free symbols"


def _nonzero_constant(value: sp.Basic) -> str | None:
    """The enclosure text of a constant that is certainly nonzero, else None."""
    if value.free_symbols or value == 0:
        return None
    try:
        z = Enclosure(value, [])({}, claim_precisions(value)[-1])
    except (Undefined, NoEnclosure):
        return None
    return ball_text(z) if excludes_zero(z) else None


def enclose_constant(expr: sp.Basic) -> acb | None:
    """A rigorous ball of a constant expression (the first finite one at 128, 256, 512 bits), or None."""
    if expr.free_symbols:
        raise ValueError(f"enclose_constant takes a constant, got free symbols {sorted(map(str, expr.free_symbols))}")
    enc = Enclosure(written_decimals(expr), [])
    for prec in PRECISIONS:
        try:
            return enc({}, prec)
        except Undefined:
            return None
        except NoEnclosure:
            continue
    return None


def _has_i(expr: sp.Basic) -> bool:
    return expr.has(sp.I)


def compare(
    lhs: Any,
    rhs: Any,
    domains: Sequence[Domain],
    *,
    seed: int = 0,
    points: int = RANDOM_POINTS,
    symbolic: bool = True,
) -> Outcome:
    """Decide whether ``lhs == rhs`` (element-wise for matrices) on the declared domains.

    Returns an :class:`Outcome` whose ``status`` is ``holds`` (a proof, or certified evidence at enough
    points), ``fails`` (a certificate: an exact nonzero residual or an enclosure that excludes 0 at an
    exact point) or ``undecided``.
    """
    pairs, shape = _entries(lhs, rhs)
    pairs = [(canonical_bound(written_decimals(sp.sympify(a))), canonical_bound(written_decimals(sp.sympify(b))))
             for a, b in pairs]
    diffs = [sp.sympify(a - b) for a, b in pairs]
    resolve_domains(set().union(*[a.free_symbols | b.free_symbols for a, b in pairs]), domains)  # contradictions
    pending = [i for i, diff in enumerate(diffs) if not _is_zero(diff)]
    if not pending:
        return Outcome(True, "symbolic: direct", "symbolic")

    symbols_set = set().union(*[pairs[i][0].free_symbols | pairs[i][1].free_symbols for i in pending])
    used = resolve_domains(symbols_set, domains)

    # Gaussian integrals over the real line in closed form (an exact rewrite; README)
    def positive(e: sp.Expr) -> bool:
        return _with_assumptions(e, used).is_positive is True

    def rewrite(step: Callable[[sp.Basic], tuple[sp.Basic, bool]]) -> bool:
        """Apply an exact rewrite to both sides of every pending entry; True if it changed any."""
        changed = False
        for i in pending:
            sides = [step(side) for side in pairs[i]]
            if sides[0][1] or sides[1][1]:
                changed = True
                pairs[i] = (sides[0][0], sides[1][0])
                diffs[i] = sp.sympify(pairs[i][0] - pairs[i][1])
        return changed

    rewritten = rewrite(lambda side: gaussian_integrals(side, positive))
    evaluated = rewrite(lambda side: _evaluate_infinite(side, used))
    outcome = _decide(pairs, diffs, pending, shape, used, seed, points, symbolic)
    notes = [note for flag, note in ((rewritten, "Gaussian integrals over R in closed form"),
                                     (evaluated, "infinite sums and integrals evaluated by sympy's doit")) if flag]
    if notes:
        outcome.route += f" ({'; '.join(notes)})"
    return outcome


def _decide(pairs: list, diffs: list, pending: list[int], shape: tuple[int, int] | None, used: list[Domain],
            seed: int, points: int, symbolic: bool) -> Outcome:
    """Steps 1-6 of the module docstring for the entries ``pending`` of a claim."""
    symbols_set = set().union(*[pairs[i][0].free_symbols | pairs[i][1].free_symbols for i in pending])
    symbols = sorted(symbols_set, key=lambda s: s.name)

    def where(idx: int) -> str:
        return f"entry {tuple(int(i) for i in np.unravel_index(idx, shape))}: " if shape else ""

    rng = _seed(seed, shape, *[x for i in pending for x in pairs[i]], _domain_text(used))
    draws, exhaustive = draw_points(used, rng, points)
    if not exhaustive and draws:
        draws += breakpoint_points([x for i in pending for x in pairs[i]], used, draws[0])
    reduced = {i: _reduce(diffs[i], used) for i in pending}

    # 1. exact verdicts on rational residuals: a zero numerator proves, a nonzero value at a point refutes
    routes: dict[int, str] = {}
    for i in pending:
        if reduced[i].is_Rational:
            if reduced[i] == 0:
                routes[i] = "direct"
                continue
            return Outcome(False, "refuted: exact residual", "symbolic", f"{where(i)}left - right = {reduced[i]} exactly")
        verdict = _rational_verdict(reduced[i], used)
        if verdict is None:
            continue
        if verdict[0] == "holds":
            routes[i] = verdict[1]
            continue
        lhs_i, rhs_i = pairs[i]
        for point in draws:
            if not _small_point(point):
                continue
            a, b = _exact_at(lhs_i, point, symbols), _exact_at(rhs_i, point, symbols)
            if a is not None and b is not None and a != b:
                at = _fmt_point(point, symbols)
                return Outcome(False, "refuted: exact residual", "symbolic",
                               f"{where(i)}left - right = {sp.sstr(a - b)} exactly at {at}",
                               counterexample={s: point[s] for s in symbols}, values=(sp.sstr(a), sp.sstr(b)))
    if not symbolic:
        routes = {}

    # 2. cheap proofs
    assumed = {i: _with_assumptions(reduced[i], used) for i in pending if i not in routes}
    if symbolic:
        for i in assumed:
            r = _symbolic(assumed[i], expensive=False)
            if r is not None:
                routes[i] = r
        if len(routes) == len(pending):
            return _proved(routes)

    # 3. certified points
    todo = [i for i in pending if i not in routes]
    evidence = {i: 0 for i in todo}
    encs = {i: (Enclosure(pairs[i][0], symbols), Enclosure(pairs[i][1], symbols)) for i in todo}
    complex_claim = {i: _has_i(pairs[i][0]) or _has_i(pairs[i][1]) for i in todo}
    precs = claim_precisions(*[side for i in todo for side in pairs[i]])
    closed: dict[int, tuple[Enclosure, Enclosure] | None] = {}
    complex_differ: dict[int, tuple[_PointVerdict, dict]] = {}
    reasons: dict[str, int] = {}
    agreed: dict[int, list[dict]] = {}
    wide: dict[int, list[dict]] = {}
    unbounded: dict[int, dict] = {}
    extended = False
    k = 0
    while k < len(draws):
        point = draws[k]
        k += 1
        for i in todo:
            v = compare_point(*encs[i], point, complex_claim[i], precs)
            if v.kind == "differ":
                def refutes(p: dict, i: int = i) -> _PointVerdict | None:
                    w = compare_point(*encs[i], p, complex_claim[i], precs)
                    return w if w.kind == "differ" else None

                simple, w = simplest_refutation(point, used, refutes)  # a counterexample that reads well
                if w is not None:
                    point, v = simple, w
                at = _fmt_point(point, symbols)
                return Outcome(
                    False, "refuted: enclosure", "numeric",
                    f"{where(i)}{v.text}{' at ' + at if at else ''} ({v.prec} bits)",
                    counterexample={s: point[s] for s in symbols}, values=(v.left, v.right),
                )
            if v.kind == "agree":
                evidence[i] += 1
                if len(agreed.setdefault(i, [])) < DEEP_POINTS:
                    agreed[i].append(point)
            else:
                if v.kind == "complex differ":
                    complex_differ.setdefault(i, (v, point))
                reasons[v.text] = reasons.get(v.text, 0) + 1
                if v.unbounded:
                    unbounded.setdefault(i, point)
                if v.kind == "unsure" and len(wide.setdefault(i, [])) < DEEP_POINTS:
                    wide[i].append(point)  # a ball that did not shrink: erf(30) - 1 at 128 to 512 bits
                if v.kind == "unsure":
                    w = _closed_form_point(i, pairs[i], symbols, closed, point, complex_claim[i], precs)
                    if w is not None and w.kind == "differ":
                        at = _fmt_point(point, symbols)
                        return Outcome(
                            False, "refuted: enclosure (finite sums and products in closed form by sympy's doit)",
                            "numeric", f"{where(i)}{w.text}{' at ' + at if at else ''} ({w.prec} bits), where the "
                            "sums have too many terms to add up and sympy's closed form of them was enclosed",
                            counterexample={s: point[s] for s in symbols}, values=(w.left, w.right))
        if k == len(draws) and not exhaustive and not extended and min(evidence.values()) < MIN_EVIDENCE:
            extended = True  # too little evidence: look harder before deciding
            draws += [{kk: vv for d in used for kk, vv in d.random_point(rng).items()} for _ in range(EXTRA_POINTS)]

    # a claim whose sides are real and agree at some points but are two different complex numbers at
    # others (sqrt(1/x) = 1/sqrt(x) at x = -1: -i against i) is refuted there; where neither side is
    # ever real, the claim is not about real numbers and stays without evidence
    for i, (v, point) in complex_differ.items():
        if evidence[i] > 0:
            at = _fmt_point(point, symbols)
            return Outcome(False, "refuted: enclosure", "numeric", f"{where(i)}{v.text}{' at ' + at if at else ''} "
                           f"({v.prec} bits)", counterexample={s: point[s] for s in symbols}, values=(v.left, v.right))

    # 4. expensive proofs; a residual reduced to a certainly nonzero constant refutes
    if symbolic:
        for i in todo:
            if i not in assumed or (not symbols and evidence[i] > 0):
                continue  # a constant with certified evidence needs no open-ended simplification
            if evidence[i] >= MIN_EVIDENCE and assumed[i].has(sp.Integral):
                continue  # simplify would integrate symbolically (open-ended); the evidence is certified
            # with enough certified evidence, sympy's open-ended integration (doit) is not attempted
            r = _symbolic(assumed[i], expensive=True, want_value=True, doit=evidence[i] < MIN_EVIDENCE)
            if r is None:
                continue
            name, value = r
            if value == 0:
                routes[i] = name
                continue
            text = _nonzero_constant(value)
            if text is not None:
                return Outcome(False, f"refuted: symbolic {name}", "symbolic",
                               f"{where(i)}{name} reduces left - right to the constant {_text(value)[:200]}, "
                               f"whose enclosure {text} excludes 0")
        if len(routes) == len(pending):
            return _proved(routes)

    # 5. certified evidence, or undecided
    open_entries = [i for i in todo if i not in routes]
    need = 1 if not symbols else (len(draws) if exhaustive else MIN_EVIDENCE)
    # the deep check: the first agreeing points (and points whose ball did not shrink) once more at
    # MAX_PREC, for refutation only: differences below 2**-512 that no written number announces, such as
    # exp(-800) or an integral's exponentially small tail
    for i in open_entries:
        for point in agreed.get(i, []) + wide.get(i, []):
            v = deep_differ(*encs[i], point, complex_claim[i])
            if v is not None:
                at = _fmt_point(point, symbols)
                return Outcome(False, "refuted: enclosure", "numeric",
                               f"{where(i)}{v.text}{' at ' + at if at else ''} ({v.prec} bits)",
                               counterexample={s: point[s] for s in symbols}, values=(v.left, v.right))
    # an infinite sum or integral that sympy evaluated only under conditions (sum x^k = 1/(1 - x) where
    # |x| < 1) and that is left as it was at a point of the domain: the claim has no known value there,
    # so agreement elsewhere does not establish it on the declared domain
    for i in open_entries:
        if i in unbounded:
            at = _fmt_point(unbounded[i], symbols)
            # at that exact point sympy may still evaluate what it could not in general
            # (int_0^oo sin(a u)/u du at a = -1 is -pi/2): a certainly nonzero constant refutes
            refuted = _doit_at_point(pairs[i], _sym_point(unbounded[i], symbols))
            if refuted is not None:
                return Outcome(False, "refuted: symbolic doit at the point", "symbolic",
                               f"{where(i)}at {at} sympy's doit gives left - right = {refuted[0]}, whose enclosure "
                               f"{refuted[1]} excludes 0", counterexample={s: unbounded[i][s] for s in symbols})
            return Outcome(False, "undecided", "numeric",
                           f"{where(i)}at {at} an infinite sum or integral has no closed form (sympy evaluated it "
                           f"only under conditions that fail there) and no enclosure, so the claim is not "
                           f"established on {_domain_text(used)}; declare a domain on which it converges",
                           status="undecided", certified=False)
    short = [i for i in open_entries if evidence[i] < min(need, MIN_EVIDENCE) or evidence[i] == 0]
    for i in short:  # infinite sums and integrals left unevaluated: sympy's doit at the exact points
        if any(_infinite_range(side) for side in pairs[i]):
            for point in wide.get(i, []):
                refuted = _doit_at_point(pairs[i], _sym_point(point, symbols))
                if refuted is not None:
                    at = _fmt_point(point, symbols)
                    return Outcome(False, "refuted: symbolic doit at the point", "symbolic",
                                   f"{where(i)}at {at} sympy's doit gives left - right = {refuted[0]}, whose "
                                   f"enclosure {refuted[1]} excludes 0", counterexample={s: point[s] for s in symbols})
    if short:
        i = short[0]
        why = max(reasons, key=reasons.get) if reasons else ""
        return Outcome(
            False, "undecided", "numeric",
            f"{where(i)}no symbolic route proved it and the enclosure of left - right contained 0 at only "
            f"{evidence[i]} of {len(draws)} exact points of {_domain_text(used)}"
            + (f" (most often: {why})" if why else "")
            + "; declare a domain on which both sides are defined, or prove it symbolically",
            status="undecided", certified=False,
        )
    bits = f"{precs[0]} to {precs[-1]} bits"
    if not symbols:
        what = f"enclosure of left - right contains 0 at {bits}"
    elif exhaustive:
        what = f"enclosure of left - right contains 0 at all {len(draws)} points of {_domain_text(used)}, {bits}"
    else:
        n_min = min(evidence[i] for i in open_entries)
        what = (f"enclosure of left - right contains 0 at {n_min} of {len(draws)} exact points of "
                f"{_domain_text(used)}, {bits}")
    return Outcome(True, f"certified: {what}", "numeric")


# ---------------------------------------------------------------- signs
def _sign_at(enc: Enclosure, expr: sp.Basic, exact: bool, point: dict,
             symbols: Sequence[sp.Symbol], precisions: Sequence[int] = PRECISIONS) -> tuple[str, str]:
    """The certified sign of a value at an exact point: positive, zero, negative, complex (certainly not
    real), undefined or unsure, with the evidence text."""
    if exact and _small_point(point):
        value = _exact_at(expr, point, symbols)
        if value is None:
            return "undefined", ""
        return ("positive" if value > 0 else "negative" if value < 0 else "zero"), f"{sp.sstr(value)} exactly"
    for prec in precisions:
        try:
            z = enc(point, prec)
        except Undefined:
            return "undefined", ""
        except NoEnclosure:
            continue
        if is_nonreal(z):
            return "complex", f"the enclosure {ball_text(z)} is not real"
        if not is_real(z):
            continue
        x = z.real
        if x > 0:
            return "positive", ball_text(z)
        if x < 0:
            return "negative", f"the enclosure {ball_text(z)} is negative"
        if x.is_zero():
            return "zero", "0 exactly (an exact enclosure)"
    return "unsure", ""


def _exact_value_at(expr: sp.Basic, point: dict, symbols: Sequence[sp.Symbol]) -> sp.Basic | None:
    """``expr`` at an exact rational point, as sympy evaluates it (None where that fails)."""
    subs = {s: sp.Rational(point[s].numerator, point[s].denominator) if isinstance(point[s], Fraction)
            else sp.Integer(point[s]) for s in symbols}
    try:
        value = expr.xreplace(subs)
    except Exception:  # noqa: BLE001 - sympy raises many kinds on odd inputs; then there is no exact value
        return None
    return None if value.has(sp.nan, sp.zoo) else value


#: Size limits for looking up an exact root of a strict sign claim in one variable (bounded cost).
ZERO_OPS_LIMIT = 40
ZERO_CANDIDATES = 8


def _exact_zero(expr: sp.Basic, used: Sequence[Domain]) -> dict | None:
    """An exact point of the domain where ``expr`` is exactly 0, for one real variable, or None.

    Sampling at rational points never meets the zeros of ``sin(x) + 1`` (they are irrational), so a strict
    claim ``expr > 0`` needs its roots looked up: sympy's solveset proposes them, and a root counts only
    when substituting it simplifies to exactly 0 and it lies in the declared interval (decided exactly).
    """
    free = list(expr.free_symbols)
    if len(free) != 1 or len(used) != 1 or not isinstance(used[0], Interval):
        return None
    if _ops(expr) > ZERO_OPS_LIMIT or _max_exponent(expr) > MAX_EXPONENT:
        return None
    x, dom = free[0], used[0]
    real = sp.Dummy("x", real=True)
    try:
        roots = sp.solveset(expr.xreplace({x: real}), real, domain=sp.S.Reals)
    except Exception:  # solveset cannot handle it: no evidence either way
        return None
    candidates: list[sp.Basic] = []
    parts = roots.args if isinstance(roots, sp.Union) else (roots,)
    for part in parts:
        if isinstance(part, sp.FiniteSet):
            candidates.extend(part.args)
        elif isinstance(part, sp.ImageSet) and len(part.lamda.variables) == 1:
            n = part.lamda.variables[0]
            candidates.extend(part.lamda.expr.xreplace({n: k}) for k in (0, 1, -1, 2, -2))
    for point in candidates[:ZERO_CANDIDATES]:
        if point.free_symbols or point.is_real is not True:
            continue
        try:  # strictly inside (never at an end: conservative), decided exactly or not at all
            inside = all(bound is None or bool((sp.Rational(bound.numerator, bound.denominator) < point) if side == "low"
                                               else (point < sp.Rational(bound.numerator, bound.denominator))) is True
                         for side, bound in (("low", dom.low), ("high", dom.high)))
        except TypeError:  # sympy could not decide the comparison
            continue
        if not inside:
            continue
        try:
            if sp.simplify(expr.xreplace({x: point})) == 0:
                return {x: point}
        except Exception:
            continue
    return None


def _rational_point(point: dict) -> dict | None:
    """A symbolic refuting point as the engine's exact coordinates (int or Fraction), or None when a
    coordinate is irrational (sqrt(2), pi): such a point is named in the verdict's text only, since the
    front-ends evaluate counterexamples at rational coordinates."""
    out: dict = {}
    for s_, v in point.items():
        v = sp.sympify(v)
        if not v.is_Rational:
            return None
        out[s_] = int(v) if v.is_Integer else Fraction(int(v.p), int(v.q))
    return out


#: Values the other coordinates take on the lines along which a strict multivariate claim's exact roots
#: are looked up (:func:`_zero_on_lines`).
LINE_FILLS = (0, 1)


def _zero_on_lines(expr: sp.Basic, used: Sequence[Domain]) -> Outcome | None:
    """A counterexample to a strict claim ``expr > 0`` in two or three real variables: an exact root on
    a coordinate line, or None.

    ``(sin x - sin y)^2 + (cos x + cos y)^2 > 0`` fails on the whole curve ``x + y = pi`` and at no
    rational point; its gradient system has no finite solution set to enclose. Along the lines where
    every other coordinate is 0 (then 1) the claim has one variable, whose exact roots sympy's solveset
    proposes (:func:`_exact_zero`, within its size limit): a root that simplifies back to exactly 0 inside
    the domain refutes the claim."""
    free = sorted(expr.free_symbols, key=lambda s_: s_.name)
    if not 2 <= len(free) <= 3 or not all(isinstance(d, Interval) for d in used):
        return None
    owner = {s_: d for d in used for s_ in d.symbols}
    if any(s_ not in owner for s_ in free):
        return None
    for v in free:
        for fill in LINE_FILLS:
            others = {w: sp.Integer(fill) for w in free if w != v}
            if not all(_inside_interval(owner[w], c) for w, c in others.items()):
                continue
            line = expr.xreplace(others)
            zero = _exact_zero(line, [owner[v]])
            if zero is None:
                continue
            point = {**others, **zero}
            at = ", ".join(f"{w} = {sp.sstr(point[w])}" for w in free)
            return Outcome(False, "refuted: exact zero", "symbolic",
                           f"the value is exactly 0 at {at} (a root sympy solved for on the line where the other "
                           f"coordinates are {fill}, simplified back to 0), so > 0 fails",
                           counterexample=_rational_point(point), values=("0", "0"))
    return None


def _poly_sign(expr: sp.Basic, used: Sequence[Domain], strict: bool) -> Outcome | None:
    """Decide ``p > 0`` (``>= 0``) exactly for a univariate polynomial with rational coefficients on an
    interval domain, by real-root isolation: ``None`` when that does not apply."""
    free = list(expr.free_symbols)
    if len(free) != 1 or len(used) != 1 or not isinstance(used[0], Interval):
        return None
    x = free[0]
    if _ops(expr) > POLY_OPS_LIMIT or _max_exponent(expr) > MAX_EXPONENT or not expr.is_polynomial(x):
        return None
    try:
        poly = sp.Poly(expr, x, domain="QQ")
    except Exception:
        return None
    if poly.degree() > MAX_EXPONENT or poly.is_zero:
        return None
    dom = used[0]
    lo, hi = dom.low, dom.high
    lo_open, hi_open = dom.open_low, dom.open_high

    def inside(v: Fraction) -> bool:
        return ((lo is None or v > lo or (v == lo and not lo_open))
                and (hi is None or v < hi or (v == hi and not hi_open)))

    def value(v: Fraction) -> Fraction:
        return Fraction(str(poly.eval(sp.Rational(v.numerator, v.denominator))))

    sqf = sp.Poly(poly.sqf_part(), x)
    intervals = [(Fraction(str(a)), Fraction(str(b))) for (a, b), _ in sqf.intervals()]
    for _ in range(200):  # refine until no isolating interval straddles a finite end of the domain
        bad = [j for j, (a, b) in enumerate(intervals)
               if any(e is not None and a < e < b and value(Fraction(e)) != 0 for e in (lo, hi))]
        if not bad:
            break
        for j in bad:
            a, b = intervals[j]
            na, nb = sqf.refine_root(sp.Rational(a.numerator, a.denominator), sp.Rational(b.numerator, b.denominator),
                                     steps=8)
            intervals[j] = (Fraction(str(na)), Fraction(str(nb)))
    else:
        return None
    tests: list[Fraction] = [v for v in (lo, hi) if v is not None and inside(v)]
    ends = sorted({e for ab in intervals for e in ab})
    tests += [e for e in ends if inside(e)]
    tests += [(p + q) / 2 for p, q in zip(ends, ends[1:]) if inside((p + q) / 2)]
    far = [e for e in ends] + [v for v in (lo, hi) if v is not None] + [Fraction(0)]
    tests += [v for v in (min(far) - 1, max(far) + 1) if inside(v)]
    if lo is not None and hi is not None:
        tests.append((lo + hi) / 2)
    elif lo is not None:
        tests.append(lo + 1)
    elif hi is not None:
        tests.append(hi - 1)
    for v in sorted(set(tests)):
        val = value(v)
        if val < 0 or (strict and val == 0):
            return Outcome(False, "refuted: exact value", "symbolic", f"the polynomial is {val} at {x} = {v}",
                           counterexample={x: v}, values=(str(val), "0"))
    if strict:
        for a, b in intervals:
            if a == b and inside(a):
                return Outcome(False, "refuted: real-root isolation", "symbolic", f"the polynomial vanishes at {x} = {a}")
            if (lo is None or a >= lo) and (hi is None or b <= hi) and inside(a) and inside(b):
                return Outcome(False, "refuted: real-root isolation", "symbolic",
                               f"the polynomial has a real root in [{a}, {b}], inside {dom.describe()}")
    return Outcome(True, "symbolic: real-root isolation", "symbolic")


def _integer_neighbours(point: dict, owner: dict) -> list[dict]:
    """A critical point with its integer-domain coordinates replaced by the integers next to them (every
    combination of floor and ceiling): the minimum of ``(j - 37)^2 + (k - 41)^2`` over the integers sits
    at or beside the real one. The values there are certified as at any other point."""
    out: list[dict] = [{}]
    for v, c in point.items():
        if not isinstance(owner[v], Integer):
            out = [{**o, v: c} for o in out]
            continue
        near = _rational_near(c)
        if near is None:
            return []
        ints = sorted({math.floor(near), math.ceil(near)})
        out = [{**o, v: sp.Integer(i)} for o in out for i in ints]
    return out


def _inside_interval(dom: Domain, v: sp.Basic) -> bool:
    """True if the real number ``v`` certainly lies in the interval domain (strictly inside, or exactly at
    a closed end), decided by sympy's exact comparisons; False when that cannot be decided. For an
    integer domain, ``v`` must be an integer in its range."""
    if v.free_symbols or v.is_real is not True:
        return False
    if isinstance(dom, Integer):
        return bool(v.is_Integer) and (dom.low is None or int(v) >= dom.low) and (dom.high is None or int(v) <= dom.high)
    for side, bound, is_open in (("low", dom.low, dom.open_low), ("high", dom.high, dom.open_high)):
        if bound is None:
            continue
        b = sp.Rational(bound.numerator, bound.denominator)
        try:
            if v.is_Rational and v == b:
                if is_open:
                    return False
                continue
            if bool((b < v) if side == "low" else (v < b)) is not True:
                return False
        except TypeError:  # sympy could not decide the comparison
            return False
    return True


def _value_sign(value: sp.Basic, strict: bool) -> str | None:
    """A certified ``"negative"`` (or, for a strict claim, ``"zero"``) for a constant, else None."""
    if value.free_symbols:
        return None
    if strict:
        try:
            # (simplify would doit a sum or integral: direct summation of up to 10^18 terms has no budget)
            if value == 0 or (_ops(value) <= ZERO_OPS_LIMIT * 4 and not _bound_nodes(value)
                              and sp.simplify(value) == 0):
                return "zero"
        except Exception:
            pass
    z = None
    for prec in claim_precisions(value):
        try:
            z = Enclosure(value, [])({}, prec)
        except (Undefined, NoEnclosure):
            continue
        if is_real(z) and z.real < 0:
            return "negative"
        if is_nonreal(z) or (is_real(z) and z.real > 0):
            return None
    return None


def _candidates(expr: sp.Basic, x: sp.Symbol) -> list[sp.Basic]:
    """Real solutions of ``expr = 0`` that sympy's solveset gives (a few members of each family)."""
    real = sp.Dummy("x", real=True)
    try:
        roots = sp.solveset(expr.xreplace({x: real}), real, domain=sp.S.Reals)
    except Exception:  # solveset cannot handle it: no candidates
        return []
    out: list[sp.Basic] = []
    parts = roots.args if isinstance(roots, sp.Union) else (roots,)
    for part in parts:
        if isinstance(part, sp.FiniteSet):
            out.extend(part.args)
        elif isinstance(part, sp.ImageSet) and len(part.lamda.variables) == 1:
            n = part.lamda.variables[0]
            out.extend(part.lamda.expr.xreplace({n: k}) for k in (0, 1, -1, 2, -2))
    return out[:ZERO_CANDIDATES]


def _critical_refutation(expr: sp.Basic, used: Sequence[Domain], strict: bool) -> Outcome | None:
    """A counterexample to ``expr > 0`` (``>= 0``) at an exact critical point, or None.

    Sampling never meets a minimum that sits at an irrational point or inside a narrow dip
    (``1 - cos(x - 2/7) - 10**-30 >= 0`` fails only within 10**-15 of 2/7 + 2 pi k). Where the claim
    fails and the value has a minimum there, it is at a zero of the gradient: for one variable sympy's
    solveset proposes them, for a polynomial in up to three variables (or a small expression in two)
    sympy's solve; the value at each
    candidate inside the domain is enclosed (a certified negative value refutes), and for a strict
    claim a value that simplifies to exactly 0 refutes too.
    """
    free = sorted(expr.free_symbols, key=lambda s: s.name)
    if not free or not all(isinstance(d, (Interval, Integer)) for d in used):
        return None
    owner = {s: d for d in used for s in d.symbols}
    if any(s not in owner for s in free) or _max_exponent(expr) > MAX_EXPONENT:
        return None
    if len(free) == 1 and isinstance(owner[free[0]], Integer):
        return None  # one integer variable: decided exactly by _int_poly_sign where that applies
    points: list[dict] = []
    if len(free) == 1:
        if _ops(expr) > ZERO_OPS_LIMIT:
            return None
        x = free[0]
        try:
            grad = sp.diff(expr, x)
        except Exception:
            return None
        found = _candidates(grad, x) if _ops(grad) <= ZERO_OPS_LIMIT * 2 else []
        points = [{x: v} for v in found]
    else:
        if expr.is_polynomial(*free):
            if len(free) > 3 or _ops(expr) > POLY_CRITICAL_OPS:
                return None
            try:  # rational coefficients, or constant ones such as pi ((x - pi)^2 + y^2 > 0)
                poly = sp.Poly(expr, *free)
            except Exception:
                return None
            if poly.total_degree() > POLY_CRITICAL_DEGREE:
                return None
        elif len(free) > 2 or _ops(expr) > ZERO_OPS_LIMIT or _bound_nodes(expr):
            return None  # sympy's solve of a transcendental system is kept to small ones
        try:
            sols = sp.solve([sp.diff(expr, v) for v in free], free, dict=True)
        except Exception:
            return None
        points += _solution_points(sols, free)  # a family of critical points: any member will do
    points = [q for p_ in points for q in _integer_neighbours(p_, owner)]
    return _refuted_at(expr, points, owner, strict, "refuted: critical point", "the critical point",
                       "a zero of the gradient")


def _solution_points(sols: list[dict], free: Sequence[sp.Symbol]) -> list[dict]:
    """Points of sympy ``solve`` solutions; a family of solutions gives two members (its free coordinates
    at 0, then at 1)."""
    points = []
    for sol in sols[:ZERO_CANDIDATES]:
        for fill in (0, 1):
            point = {v: sol.get(v, v) for v in free}
            rest = set().union(*[sp.sympify(c).free_symbols for c in point.values()])
            points.append({v: sp.sympify(sp.sympify(c).xreplace({r: sp.Integer(fill) for r in rest}))
                           for v, c in point.items()})
    return points


def _refuted_at(expr: sp.Basic, points: list[dict], owner: dict, strict: bool, route: str, what_point: str,
                why: str) -> Outcome | None:
    """A refutation of ``expr > 0`` (``>= 0``) at the first exact point inside the domains where the
    value is certainly negative (or, for a strict claim, exactly 0), or None."""
    for point in points:
        if not all(_inside_interval(owner[v], c) for v, c in point.items()):
            continue
        try:
            value = expr.xreplace(point)
        except Exception:
            continue
        kind = _value_sign(value, strict)
        if kind is None:
            continue
        at = ", ".join(f"{v} = {sp.sstr(c)}" for v, c in point.items())
        rel = ">" if strict else ">="
        what = "exactly 0" if kind == "zero" else f"certainly negative (the enclosure of {_text(value)[:120]})"
        return Outcome(False, route, "symbolic", f"at {what_point} {at} ({why}) the value is {what}, so {rel} 0 fails",
                       counterexample=_rational_point(point), values=("0" if kind == "zero" else "< 0", "0"))
    return None


#: A sum of squares is solved for its common zeros only within these sizes (sympy's solve of a
#: polynomial system; the bases are usually linear or quadratic).
SQUARES_MAX_VARS = 8
SQUARES_MAX_DEGREE = 4


def _square_bases(expr: sp.Basic, free: Sequence[sp.Symbol]) -> list[sp.Basic] | None:
    """The bases ``b_i`` when ``expr`` is a sum of terms ``c_i b_i^(2 m_i)`` or ``c_i |b_i|^p_i`` with
    positive constants ``c_i``, ``p_i`` and real polynomial bases; None otherwise."""
    bases = []
    for term in sp.Add.make_args(expr):
        coeff, rest = term.as_coeff_Mul()
        if not (coeff.is_positive and coeff.is_Number):
            return None
        if isinstance(rest, sp.Pow) and rest.exp.is_Integer and rest.exp.is_even and rest.exp > 0:
            base = rest.base
        elif isinstance(rest, sp.Pow) and isinstance(rest.base, sp.Abs) and rest.exp.is_positive:
            base = rest.base.args[0]
        elif isinstance(rest, sp.Abs):
            base = rest.args[0]
        else:
            return None
        if not base.is_polynomial(*free) or base.is_real is False or base.has(sp.I):
            return None
        try:
            if sp.Poly(base, *free).total_degree() > SQUARES_MAX_DEGREE:
                return None
        except Exception:
            return None
        bases.append(base)
    return bases


def _common_zero_refutation(expr: sp.Basic, used: Sequence[Domain]) -> Outcome | None:
    """A counterexample to ``expr > 0`` where ``expr`` is a sum of squares (or absolute values): it is 0
    exactly where every base is, so the common real zeros of the bases, solved exactly by sympy, are
    the only candidates. Unlike the critical points of the whole value (solved in up to three
    variables), the bases' system is small in any number of variables:
    ``(w - x)^2 + (x - y)^2 + (y - z)^2 + (z^2 - 2)^2 > 0`` fails at ``w = x = y = z = sqrt 2``."""
    free = sorted(expr.free_symbols, key=lambda s: s.name)
    if not free or len(free) > SQUARES_MAX_VARS or not all(isinstance(d, (Interval, Integer)) for d in used):
        return None
    owner = {s: d for d in used for s in d.symbols}
    if any(s not in owner for s in free) or _ops(expr) > 2 * POLY_CRITICAL_OPS:
        return None
    bases = _square_bases(expr, free)
    if not bases or len(bases) < 2:
        return None  # one square: its zeros are the roots on coordinate lines and critical points
    try:
        sols = sp.solve(bases, free, dict=True)
    except Exception:
        return None
    points = [p_ for p_ in _solution_points(sols, free) if all(c.is_real for c in p_.values())]
    return _refuted_at(expr, points, owner, True, "refuted: common zero", "the common zero",
                       "every square in the sum vanishes")


#: Multivariate polynomial sign claims get their critical points solved for only below these sizes.
POLY_CRITICAL_OPS = 80
POLY_CRITICAL_DEGREE = 4


def _int_poly_sign(expr: sp.Basic, used: Sequence[Domain], strict: bool) -> Outcome | None:
    """Decide ``p > 0`` (``>= 0``) exactly for a univariate polynomial with rational coefficients on an
    integer range: between consecutive real roots the sign is constant, so the integers next to each
    isolated root and one integer in each gap decide it. None when that does not apply."""
    free = list(expr.free_symbols)
    if len(free) != 1 or len(used) != 1 or not isinstance(used[0], Integer):
        return None
    x, dom = free[0], used[0]
    if _ops(expr) > POLY_OPS_LIMIT or _max_exponent(expr) > MAX_EXPONENT or not expr.is_polynomial(x):
        return None
    try:
        poly = sp.Poly(expr, x, domain="QQ")
    except Exception:
        return None
    if poly.is_zero or poly.degree() > MAX_EXPONENT:
        return None
    sqf = sp.Poly(poly.sqf_part(), x)
    try:
        intervals = [(a, b) for (a, b), _ in sqf.intervals(eps=sp.Rational(1, 4))]
    except Exception:
        return None
    tests: set[int] = set()
    for a, b in intervals:
        tests.update(range(int(sp.floor(a)) - 1, int(sp.ceiling(b)) + 2))
    ends = sorted(int(v) for v in tests)
    # one integer in every gap between the tested integers (and beyond both), where the sign is constant
    if ends:
        tests.update({ends[0] - 1, ends[-1] + 1})
    else:
        tests.add(0)
    for lo_, hi_ in zip(ends, ends[1:]):
        if hi_ - lo_ > 1:
            tests.add(lo_ + 1)
    lo, hi = dom.low, dom.high
    tests.update(v for v in (lo, hi) if v is not None)
    tests = {v for v in tests if (lo is None or v >= lo) and (hi is None or v <= hi)}
    # a gap clipped by an end of the range: that end is a member of the gap and was added above
    for v in sorted(tests):
        val = poly.eval(v)
        if val < 0 or (strict and val == 0):
            return Outcome(False, "refuted: exact value", "symbolic", f"the polynomial is {val} at {x} = {v}",
                           counterexample={x: v}, values=(str(val), "0"))
    return Outcome(True, "symbolic: real-root isolation over the integers", "symbolic")


def check_sign(expr: Any, domains: Sequence[Domain], *, strict: bool, seed: int = 0,
               points: int = RANDOM_POINTS) -> Outcome:
    """Decide ``expr > 0`` (``>= 0`` if not strict): sympy's assumptions, exact root isolation for a
    univariate polynomial (over an interval or the integers), then certified signs at exact points, and
    before a claim is accepted, certified values at its exact critical points (:func:`_critical_refutation`).

    A point where the value is certainly not real is a counterexample (the claim is about a real
    number); a point where it is undefined, or where the enclosure cannot decide the sign, is no evidence.
    """
    expr = canonical_bound(written_decimals(sp.sympify(expr)))
    used = resolve_domains(expr.free_symbols, domains)
    expr, _ = gaussian_integrals(expr, lambda e: _with_assumptions(e, used).is_positive is True)
    expr, _ = _evaluate_infinite(expr, used)
    reduced = _reduce(expr, used)
    assumed = _with_assumptions(reduced, used)
    verdict = assumed.is_positive if strict else assumed.is_nonnegative
    if verdict is True:
        return Outcome(True, "symbolic: assumptions", "symbolic")
    rel = ">" if strict else ">="
    exact_poly = _poly_sign(reduced, used, strict) or _int_poly_sign(reduced, used, strict)
    if exact_poly is not None:
        return exact_poly
    if strict:
        zero = _exact_zero(reduced, used)
        if zero is not None:
            (x, point), = zero.items()
            return Outcome(False, "refuted: exact zero", "symbolic",
                           f"the value is exactly 0 at {x} = {sp.sstr(point)} (a root sympy solved for and "
                           f"simplified back to 0), so > 0 fails", counterexample=_rational_point(zero), values=("0", "0"))
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    enc = Enclosure(expr, symbols)
    exact = _rational_side(expr)
    precs = claim_precisions(expr)
    rng = _seed(seed, "sign", expr, _domain_text(used))
    draws, exhaustive = draw_points(used, rng, points)
    if not exhaustive and draws:
        draws += breakpoint_points([expr], used, draws[0])
    good = 0
    for point in draws:
        kind, text = _sign_at(enc, expr, exact, point, symbols, precs)
        if kind == "unsure" and strict:
            # enclosures that straddle 0 at every precision may hide an exact zero (KL(q || u) at the
            # uniform q, max(q) - 1/3 at the centre of the simplex): the exact value settles it
            value = _exact_value_at(expr, point, symbols)
            if value is not None and _value_sign(value, True) == "zero":
                at = _fmt_point(point, symbols)
                return Outcome(False, "refuted: exact zero", "symbolic",
                               f"the value is exactly 0 at {at} (its enclosures straddle 0; the exact value "
                               f"simplifies to 0), so > 0 fails", counterexample={s: point[s] for s in symbols},
                               values=("0", "0"))
        if kind in ("undefined", "unsure"):
            continue
        if kind == "positive" or (kind == "zero" and not strict):
            good += 1
            continue
        def refutes(p: dict) -> str | None:
            kind2, text2 = _sign_at(enc, expr, exact, p, symbols, precs)
            return text2 if kind2 in ("negative", "complex") or (kind2 == "zero" and strict) else None

        simple, text2 = simplest_refutation(point, used, refutes)  # a counterexample that reads well
        if text2 is not None:
            point, text = simple, text2
        at = _fmt_point(point, symbols)
        return Outcome(False, "refuted: exact value" if exact else "refuted: enclosure", "numeric",
                       f"the value is {text}{' at ' + at if at else ''}, so {rel} 0 fails",
                       counterexample={s: point[s] for s in symbols}, values=(text, "0"))
    if symbols and not exhaustive:
        critical = _critical_refutation(reduced, used, strict)
        if critical is None and strict:
            critical = _zero_on_lines(reduced, used)
        if critical is None and strict:
            critical = _common_zero_refutation(reduced, used)
        if critical is not None:
            return critical
    need = 1 if not symbols else (len(draws) if exhaustive else MIN_EVIDENCE)
    if good < min(need, MIN_EVIDENCE) or good == 0:
        return Outcome(False, "undecided", "numeric",
                       f"only {good} of {len(draws)} exact points of {_domain_text(used)} gave a certified sign",
                       status="undecided", certified=False)
    how = "exact values" if exact else f"enclosures up to {precs[-1]} bits"
    if not symbols:
        return Outcome(True, f"certified: {how}", "numeric")
    what = (f"all {len(draws)} points" if exhaustive else f"{good} of {len(draws)} exact points") + f" of {_domain_text(used)}"
    return Outcome(True, f"certified: {how} at {what}", "numeric")


def residual_text(lhs: Any, rhs: Any, limit: int = 600) -> str:
    """A short residual for error messages: simplified only when small (bounded cost)."""
    try:
        diff = sp.sympify(written_decimals(sp.sympify(lhs)) - written_decimals(sp.sympify(rhs)))
        if isinstance(diff, sp.MatrixBase):
            ops = sum(_ops(e) for e in diff)
            exps = max((_max_exponent(e) for e in diff), default=0)
        else:
            ops, exps = _ops(diff), _max_exponent(diff)
        bits = max((literal_bits(e) for e in diff), default=0) if isinstance(diff, sp.MatrixBase) else literal_bits(diff)
        if ops <= RESIDUAL_OPS_LIMIT and exps <= MAX_EXPONENT and bits <= LITERAL_BITS_LIMIT and not (
            not isinstance(diff, sp.MatrixBase) and (_nested_radicals(diff) or _bound_nodes(diff))
        ):
            diff = sp.simplify(diff)
        text = _text(diff)
    except Exception as exc:  # the residual is only a diagnostic
        text = f"<residual unavailable: {exc}>"
    return text if len(text) <= limit else text[:limit] + " ..."
