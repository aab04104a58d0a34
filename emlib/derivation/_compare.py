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
   real, or where no enclosure can be computed is no evidence.
5. **Expensive proofs** (simplify, logcombine, trigsimp, rewrite(exp), doit) within a size budget. A
   route that reduces the residual to a constant whose enclosure excludes 0 refutes the claim.
6. The claim *holds* on a proof or on evidence at enough certified points per entry; otherwise it is
   *undecided*. No tolerance is relative to cancelling terms, and nothing depends on the clock.
"""

from __future__ import annotations

import functools

import zlib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Sequence

import mpmath
import numpy as np
import sympy as sp
from flint import acb

from ._certify import PRECISIONS, Enclosure, NoEnclosure, Undefined, ball_text, excludes_zero, is_nonreal, is_real
from ._domains import Domain, Interval, default_domain
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


def _reduce(expr: sp.Basic, domains: Sequence[Domain]) -> sp.Basic:
    subs: dict = {}
    for d in domains:
        subs.update(d.reduction())
    return expr.xreplace(subs) if subs else expr


# ---------------------------------------------------------------- budgets
def _max_exponent(expr: sp.Basic) -> int:
    worst = 0
    for p in expr.atoms(sp.Pow):
        e = p.exp
        if e.is_Integer:
            worst = max(worst, abs(int(e)))
        elif e.is_Rational:
            worst = max(worst, abs(int(e.p)))
    return worst


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
    if expensive and (ops > EXPENSIVE_OPS_LIMIT or _nested_radicals(diff)):
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


@dataclass
class _PointVerdict:
    kind: str  # "agree", "differ", "outside", "unsure"
    text: str = ""
    left: str = ""
    right: str = ""
    prec: int = 0


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
    for prec in precisions:
        try:
            a, b = fl(point, prec), fr(point, prec)
        except Undefined as exc:
            return _PointVerdict("outside", f"undefined ({exc})")
        except NoEnclosure as exc:
            last = str(exc)
            radii.append(None)
            continue
        if complex_claim:
            d = a - b
        else:
            if is_nonreal(a) and is_nonreal(b):
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
    if any(r is None for r in radii):
        return _PointVerdict("unsure", last)
    if radii[-1] == 0 or radii[-1] < radii[0]:
        return _PointVerdict("agree", prec=precisions[-1])
    return _PointVerdict("unsure", "the enclosure did not shrink with precision")


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
        z = Enclosure(value, [])({}, PRECISIONS[-1])
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
    reasons: dict[str, int] = {}
    extended = False
    k = 0
    while k < len(draws):
        point = draws[k]
        k += 1
        for i in todo:
            v = compare_point(*encs[i], point, complex_claim[i])
            if v.kind == "differ":
                at = _fmt_point(point, symbols)
                return Outcome(
                    False, "refuted: enclosure", "numeric",
                    f"{where(i)}{v.text}{' at ' + at if at else ''} ({v.prec} bits)",
                    counterexample={s: point[s] for s in symbols}, values=(v.left, v.right),
                )
            if v.kind == "agree":
                evidence[i] += 1
            else:
                reasons[v.text] = reasons.get(v.text, 0) + 1
        if k == len(draws) and not exhaustive and not extended and min(evidence.values()) < MIN_EVIDENCE:
            extended = True  # too little evidence: look harder before deciding
            draws += [{kk: vv for d in used for kk, vv in d.random_point(rng).items()} for _ in range(EXTRA_POINTS)]

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
    short = [i for i in open_entries if evidence[i] < min(need, MIN_EVIDENCE) or evidence[i] == 0]
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
    bits = f"{PRECISIONS[0]} to {PRECISIONS[-1]} bits"
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
             symbols: Sequence[sp.Symbol]) -> tuple[str, str]:
    """The certified sign of a value at an exact point: positive, zero, negative, complex (certainly not
    real), undefined or unsure, with the evidence text."""
    if exact and _small_point(point):
        value = _exact_at(expr, point, symbols)
        if value is None:
            return "undefined", ""
        return ("positive" if value > 0 else "negative" if value < 0 else "zero"), f"{sp.sstr(value)} exactly"
    for prec in PRECISIONS:
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


def check_sign(expr: Any, domains: Sequence[Domain], *, strict: bool, seed: int = 0,
               points: int = RANDOM_POINTS) -> Outcome:
    """Decide ``expr > 0`` (``>= 0`` if not strict): sympy's assumptions, exact root isolation for a
    univariate polynomial, then certified signs at exact points.

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
    exact_poly = _poly_sign(reduced, used, strict)
    if exact_poly is not None:
        return exact_poly
    if strict:
        zero = _exact_zero(reduced, used)
        if zero is not None:
            (x, point), = zero.items()
            return Outcome(False, "refuted: exact zero", "symbolic",
                           f"the value is exactly 0 at {x} = {sp.sstr(point)} (a root sympy solved for and "
                           f"simplified back to 0), so > 0 fails", counterexample=zero, values=("0", "0"))
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    enc = Enclosure(expr, symbols)
    exact = _rational_side(expr)
    rng = _seed(seed, "sign", expr, _domain_text(used))
    draws, exhaustive = draw_points(used, rng, points)
    good = 0
    for point in draws:
        kind, text = _sign_at(enc, expr, exact, point, symbols)
        if kind in ("undefined", "unsure"):
            continue
        if kind == "positive" or (kind == "zero" and not strict):
            good += 1
            continue
        at = _fmt_point(point, symbols)
        return Outcome(False, "refuted: exact value" if exact else "refuted: enclosure", "numeric",
                       f"the value is {text}{' at ' + at if at else ''}, so {rel} 0 fails",
                       counterexample={s: point[s] for s in symbols}, values=(text, "0"))
    need = 1 if not symbols else (len(draws) if exhaustive else MIN_EVIDENCE)
    if good < min(need, MIN_EVIDENCE) or good == 0:
        return Outcome(False, "undecided", "numeric",
                       f"only {good} of {len(draws)} exact points of {_domain_text(used)} gave a certified sign",
                       status="undecided", certified=False)
    how = "exact values" if exact else f"enclosures up to {PRECISIONS[-1]} bits"
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
        if ops <= RESIDUAL_OPS_LIMIT and exps <= MAX_EXPONENT and not (
            not isinstance(diff, sp.MatrixBase) and (_nested_radicals(diff) or _bound_nodes(diff))
        ):
            diff = sp.simplify(diff)
        text = _text(diff)
    except Exception as exc:  # the residual is only a diagnostic
        text = f"<residual unavailable: {exc}>"
    return text if len(text) <= limit else text[:limit] + " ..."
