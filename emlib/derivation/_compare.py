"""The decision engine: exact evidence, symbolic proofs and high-precision numeric evidence.

How ``lhs = rhs`` is decided, entry by entry (see README, "How a derivation is checked"):

1. Floats in a claim stand for the exact binary numbers they hold; bound variables of sums, products
   and integrals are renamed canonically; the domains' constraints are substituted (the last
   coordinate of a probability vector, the mirror entries of a symmetric matrix).
2. **Exact refutation.** A residual ``lhs - rhs`` that is a nonzero rational number, or whose
   cancelled numerator is a nonzero polynomial with rational coefficients, proves the claim false
   (such a polynomial cannot vanish on a domain with interior, nor on an integer grid wider than its
   degree).
3. **Cheap proofs** (direct, expand, cancel, together, expand_log) under the domains' assumptions.
4. **Numeric search** at deterministic special points and seeded random points that cover the declared
   domain. Each side is evaluated with 50 significant digits; a disagreement, or an agreement closer
   than 10**-38 relative that is not exact, is re-evaluated with 100 and 200 digits. A point is a
   counterexample only when the difference is reproduced at two precisions, or when one side is real
   and the other not. A point where a side is undefined (0/0, a pole, log 0) or where neither side is
   real is outside the claim: no evidence either way.
5. **Expensive proofs** (simplify, logcombine, trigsimp, rewrite(exp)) within a size budget.
6. **Numeric agreement** at enough points, per entry, or else the claim is *undecided*.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import mpmath
import numpy as np
import sympy as sp

from ._domains import Domain, default_domain
from ._evaluate import Evaluator, Value, canonical_bound, exactify

__all__ = ["Outcome", "to_sympy", "compare", "check_sign", "residual_text", "resolve_domains",
           "DIGITS", "MIN_EVIDENCE", "RANDOM_POINTS"]

#: Working precision (significant digits) and the escalation used to confirm a (near-)disagreement.
DIGITS = 50
ESCALATE = (100, 200)
#: Headroom kept for cancellation inside an expression: agreement means a relative difference below
#: 10**-(digits - HEADROOM).
HEADROOM = 12
#: Random points per claim, and the extra points drawn when some point needed escalation.
RANDOM_POINTS = 40
EXTRA_POINTS = 24
#: Fewest points per entry at which both sides must be real for numeric agreement to count.
MIN_EVIDENCE = 16
#: At most this many special points per claim (taken in a fixed order).
MAX_SPECIALS = 24
#: Size budgets (sympy operation counts, largest integer exponent) for the symbolic routes.
CHEAP_OPS_LIMIT = 4000
EXPENSIVE_OPS_LIMIT = 600
POLY_OPS_LIMIT = 1500
MAX_EXPONENT = 64
#: An error message's residual is simplified only below this size.
RESIDUAL_OPS_LIMIT = 150


@dataclass
class Outcome:
    """What the engine found.

    ``status`` is ``"holds"``, ``"fails"`` (definitive: an exact residual or a confirmed counterexample)
    or ``"undecided"``; ``ok`` is ``status == "holds"``. ``counterexample`` maps symbols to the values
    of a refuting point and ``values`` gives both sides there.
    """

    ok: bool
    route: str
    category: str  # "symbolic", "numeric" or "finite-difference"
    detail: str = ""
    status: str = ""
    counterexample: dict | None = None
    values: tuple[str, str] | None = None
    measured: dict = field(default_factory=dict)  # machine-dependent numbers a route measured (not printed)

    def __post_init__(self) -> None:
        if not self.status:
            self.status = "holds" if self.ok else "fails"
        if self.status not in ("holds", "fails", "undecided"):
            raise ValueError(f"unknown status {self.status!r}")
        self.ok = self.status == "holds"


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
                raise ValueError(f"symbol {s} is declared in two domains: {owner[s].describe()} and {d.describe()}")
            owner[s] = d
            problem = d.contradiction(s)
            if problem:
                raise ValueError(problem)
    used = [d for d in domains if set(d.symbols) & symbols]
    loose = sorted(symbols - set(owner), key=lambda s: s.name)
    return used + [default_domain(s) for s in loose]


def _with_assumptions(expr: sp.Basic, domains: Sequence[Domain]) -> sp.Basic:
    """Replace symbols by dummies carrying their domain's assumptions, so that e.g. expand_log may split
    log(a*b) only where a and b are declared positive."""
    mapping = {}
    for d in domains:
        for s in d.symbols:
            if d.assumptions and s in expr.free_symbols:
                merged = {**s.assumptions0, **d.assumptions}
                try:
                    mapping[s] = sp.Dummy(s.name, **merged)
                except Exception:  # inconsistent assumptions were already refused by resolve_domains
                    mapping[s] = sp.Dummy(s.name, **d.assumptions)
    return expr.xreplace(mapping) if mapping else expr


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
    # sympy's assumption queries on large expressions are slow; ask them only of constants
    return expr == 0 or (not expr.free_symbols and expr.is_zero is True)


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


def _symbolic(diff: sp.Basic, expensive: bool) -> str | None:
    if _is_zero(diff):
        return "direct"
    ops = _ops(diff)
    if ops > CHEAP_OPS_LIMIT or _max_exponent(diff) > MAX_EXPONENT:
        return None
    routes = EXPENSIVE_ROUTES if expensive else CHEAP_ROUTES
    if expensive and (ops > EXPENSIVE_OPS_LIMIT or _nested_radicals(diff)):
        return None
    for name, fn in routes:
        if name == "doit" and not any(isinstance(a, (sp.Sum, sp.Product, sp.Integral)) for a in sp.preorder_traversal(diff)):
            continue
        try:
            if _is_zero(fn(diff)):
                return name
        except Exception:  # a route that sympy cannot apply is simply inconclusive
            continue
    return None


# ---------------------------------------------------------------- numeric evidence
def _seed(seed: int, *parts: Any) -> np.random.Generator:
    """Points depend on the claim itself (and the notebook's seed), never on its label."""
    text = "\x1f".join(sp.sstr(p) if isinstance(p, (sp.Basic, sp.MatrixBase)) else str(p) for p in parts)
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
    return specials + randoms, False


def _fmt_point(point: dict, symbols: Sequence[sp.Symbol]) -> str:
    parts = []
    for s in symbols:
        v = point[s]
        parts.append(f"{s}={v}" if isinstance(v, int) else f"{s}={float(v):.10g}")
    return ", ".join(parts)


def _nstr(v: Any, other: Any = None) -> str:
    """Enough digits to show where ``v`` and ``other`` differ (at least 12)."""
    if v is None:
        return "undefined"
    digits = 12
    try:
        if other is not None and not isinstance(v, mpmath.mpc) and not isinstance(other, mpmath.mpc) and v != other:
            rel = abs(v - other) / max(abs(v), abs(other))
            digits = int(min(60, max(12, 4 - mpmath.log10(rel))))
    except Exception:
        pass
    return mpmath.nstr(v, digits)


@dataclass
class _PointVerdict:
    kind: str  # "agree", "differ", "outside", "unsure"
    escalated: bool = False
    left: Any = None
    right: Any = None
    digits: int = DIGITS
    why: str = ""


def _tol(dps: int) -> Any:
    return mpmath.mpf(10) ** (-(dps - HEADROOM))


def compare_point(fl: Evaluator, fr: Evaluator, point: dict) -> _PointVerdict:
    """Compare both sides at one exact point, escalating the precision before deciding.

    Agreement: a relative difference below 10**-(digits - 12), measured against the larger of the two
    values and of their cancellation scales (what the terms that cancel inside each side add up to).
    Disagreement: a difference above that bound that is reproduced at a higher precision, or one side
    real and the other not at two precisions.
    """
    prev_diff = None
    prev_kinds = None
    for dps in (DIGITS, *ESCALATE):
        a, b = fl(point, dps), fr(point, dps)
        if a.kind == "undefined" or b.kind == "undefined":
            return _PointVerdict("outside", dps > DIGITS, why=a.reason or b.reason)
        if a.kind == "complex" and b.kind == "complex":
            return _PointVerdict("outside", dps > DIGITS, why="neither side is real")
        if a.kind != b.kind:  # one side real, the other not: confirm at a second precision
            if prev_kinds == (a.kind, b.kind):
                return _PointVerdict("differ", True, a.value, b.value, dps, "one side is real and the other is not")
            prev_kinds = (a.kind, b.kind)
            continue
        with mpmath.workdps(dps + 10):
            d = abs(a.value - b.value)
            mag = max(abs(a.value), abs(b.value))
            if d == 0 or d <= _tol(dps) * mag:
                return _PointVerdict("agree", dps > DIGITS, a.value, b.value, dps)
            scale = max(mag, fl.scale(point, dps), fr.scale(point, dps))
            if d <= _tol(dps) * scale:
                return _PointVerdict("agree", dps > DIGITS, a.value, b.value, dps)
            if prev_diff is not None and abs(d - prev_diff) <= mpmath.mpf("1e-6") * d:
                return _PointVerdict("differ", True, a.value, b.value, dps, "the difference is reproduced")
            prev_diff = d
    return _PointVerdict("unsure", True, why="the values did not settle at 200 digits")


def _proved(routes: dict[int, str]) -> Outcome:
    """Every entry proved: the route named is the most general one any entry needed."""
    return Outcome(True, f"symbolic: {max(set(routes.values()), key=ROUTE_ORDER.index)}", "symbolic")


def _domain_text(domains: Sequence[Domain]) -> str:
    return "; ".join(d.describe() for d in domains) or "no free symbols"


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

    Returns an :class:`Outcome` whose ``status`` is ``holds``, ``fails`` (with exact evidence or a
    confirmed counterexample) or ``undecided``.
    """
    pairs, shape = _entries(lhs, rhs)
    pairs = [(canonical_bound(exactify(sp.sympify(a))), canonical_bound(exactify(sp.sympify(b)))) for a, b in pairs]
    diffs = [sp.sympify(a - b) for a, b in pairs]
    resolve_domains(set().union(*[a.free_symbols | b.free_symbols for a, b in pairs]), domains)  # contradictions
    pending = [i for i, diff in enumerate(diffs) if not _is_zero(diff)]
    if not pending:
        return Outcome(True, "symbolic: direct", "symbolic")

    symbols_set = set().union(*[pairs[i][0].free_symbols | pairs[i][1].free_symbols for i in pending])
    used = resolve_domains(symbols_set, domains)
    symbols = sorted(symbols_set, key=lambda s: s.name)

    def where(idx: int) -> str:
        return f"entry {tuple(int(i) for i in np.unravel_index(idx, shape))}" if shape else "the two sides"

    reduced = {i: _reduce(diffs[i], used) for i in pending}
    # 1. exact verdicts on rational residuals: a zero numerator proves, a nonzero polynomial refutes
    routes: dict[int, str] = {}
    for i in pending:
        verdict = _rational_verdict(reduced[i], used)
        if verdict is None:
            continue
        status, text = verdict
        if status == "fails":
            return Outcome(False, "symbolic: exact residual", "symbolic", f"{where(i)}: {text}" if shape else text)
        if symbolic:
            routes[i] = text

    # 2. cheap proofs
    assumed = {i: _with_assumptions(reduced[i], used) for i in pending if i not in routes}
    if symbolic:
        for i in assumed:
            r = _symbolic(assumed[i], expensive=False)
            if r is not None:
                routes[i] = r
        if len(routes) == len(pending):
            return _proved(routes)

    # 3. numeric search
    rng = _seed(seed, shape, *[x for i in pending for x in pairs[i]], _domain_text(used))
    draws, exhaustive = draw_points(used, rng, points)
    todo = [i for i in pending if i not in routes]
    evidence = {i: 0 for i in todo}
    escalated = 0
    evals = {i: (Evaluator(pairs[i][0], symbols), Evaluator(pairs[i][1], symbols)) for i in todo}
    unsure: list[str] = []
    extended = False
    k = 0
    while k < len(draws):
        point = draws[k]
        k += 1
        for i in todo:
            v = compare_point(*evals[i], point)
            escalated += v.escalated
            if v.kind == "differ":
                at = _fmt_point(point, symbols)
                return Outcome(
                    False, "numeric", "numeric",
                    f"{where(i)} differ{' at ' + at if at else ''}: left {_nstr(v.left, v.right)}, right {_nstr(v.right, v.left)}"
                    f" ({v.why}, confirmed with {v.digits} digits)",
                    counterexample={s: point[s] for s in symbols},
                    values=(_nstr(v.left, v.right), _nstr(v.right, v.left)),
                )
            if v.kind == "agree":
                evidence[i] += 1
            elif v.kind == "unsure":
                unsure.append(_fmt_point(point, symbols))
        if k == len(draws) and not exhaustive and not extended and (escalated or min(evidence.values()) < MIN_EVIDENCE):
            extended = True  # near-agreements or too little evidence: look harder before deciding
            draws += [{kk: vv for d in used for kk, vv in d.random_point(rng).items()} for _ in range(EXTRA_POINTS)]

    # 4. expensive proofs
    if symbolic:
        for i in todo:
            if i not in assumed:
                continue
            if symbols:  # constants are decided at 200 digits instead (no open-ended simplification)
                r = _symbolic(assumed[i], expensive=True)
                if r is not None:
                    routes[i] = r
        if len(routes) == len(pending):
            return _proved(routes)

    # 5. numeric agreement
    open_entries = [i for i in todo if i not in routes]
    need = len(draws) if exhaustive else MIN_EVIDENCE
    short = [i for i in open_entries if evidence[i] < min(need, MIN_EVIDENCE) or (exhaustive and evidence[i] == 0)]
    if not symbols:
        short = [i for i in open_entries if evidence[i] < 1]
    if short:
        i = short[0]
        return Outcome(
            False, "undecided", "numeric",
            f"{where(i)}: no symbolic route proved it and both sides were real and comparable at only "
            f"{evidence[i]} of {len(draws)} points of {_domain_text(used)}"
            + (f" (values unsettled at {len(unsure)} points)" if unsure else "")
            + "; declare a domain on which both sides are defined",
            status="undecided",
        )
    if not symbols:
        what = f"exact constants agree to {DIGITS - HEADROOM} digits"
        if escalated:
            what = f"exact constants agree when evaluated with {ESCALATE[-1]} digits"
    elif exhaustive:
        what = f"exhaustive over all {len(draws)} points of {_domain_text(used)}"
    else:
        n_min = min(evidence[i] for i in open_entries)
        what = f"{len(draws)} points of {_domain_text(used)}, at least {n_min} comparable per entry"
    suffix = "" if not symbols else f", {DIGITS} digits"
    return Outcome(True, f"numeric: {what}{suffix}", "numeric")


def _sign_at(evaluate: Evaluator, point: dict) -> tuple[str, Any]:
    """The sign of a value at an exact point: positive, zero, negative, complex, undefined or unsure.

    A value that is clearly nonzero against its cancellation scale decides (a negative one is first
    confirmed at a second precision); a value within the resolution is decided by sympy's exact
    evaluation at the point when that gives a rational number, else by more precision, else unsure.
    """
    exact = evaluate.exact(point)
    if exact is not None:
        return ("positive" if exact > 0 else "negative" if exact < 0 else "zero"), mpmath.mpf(exact.p) / exact.q
    prev: Any = None
    prev_kind = None
    for dps in (DIGITS, *ESCALATE):
        v = evaluate(point, dps)
        if v.kind == "undefined":
            return "undefined", None
        if v.kind == "complex":
            if prev_kind == "complex":
                return "complex", v.value
            prev_kind, prev = "complex", None
            continue
        x = v.value
        resolved = abs(x) > _tol(dps) * evaluate.scale(point, dps) and x != 0
        if resolved and x > 0:
            return "positive", x
        if resolved and prev is not None and abs(x - prev) <= mpmath.mpf("1e-6") * abs(x):
            return "negative", x
        prev, prev_kind = (x if resolved else None), "real"
    return "unsure", None


def check_sign(expr: Any, domains: Sequence[Domain], *, strict: bool, seed: int = 0,
               points: int = RANDOM_POINTS) -> Outcome:
    """Decide ``expr > 0`` (``>= 0`` if not strict): sympy's assumptions first, then exact points.

    A point where the value is not real is a counterexample (the claim is about a real number); a point
    where it is undefined is no evidence.
    """
    expr = canonical_bound(exactify(sp.sympify(expr)))
    used = resolve_domains(expr.free_symbols, domains)
    assumed = _with_assumptions(_reduce(expr, used), used)
    verdict = assumed.is_positive if strict else assumed.is_nonnegative
    if verdict is True:
        return Outcome(True, "symbolic: assumptions", "symbolic")
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    rel = ">" if strict else ">="
    if verdict is False and not symbols:
        return Outcome(False, "symbolic", "symbolic", f"{expr} {rel} 0 is false")
    evaluate = Evaluator(expr, symbols)
    rng = _seed(seed, "sign", expr, _domain_text(used))
    draws, exhaustive = draw_points(used, rng, points)
    good = 0
    for point in draws:
        kind, value = _sign_at(evaluate, point)
        if kind in ("undefined", "unsure"):
            continue
        if kind == "positive" or (kind == "zero" and not strict):
            good += 1
            continue
        why = {"complex": "the value is not real", "zero": "zero", "negative": "negative"}[kind]
        at = _fmt_point(point, symbols)
        return Outcome(False, "numeric", "numeric", f"value {_nstr(value)} ({why}){' at ' + at if at else ''}",
                       counterexample={s: point[s] for s in symbols}, values=(_nstr(value), "0"))
    need = len(draws) if exhaustive else MIN_EVIDENCE
    if good < min(need, MIN_EVIDENCE) or good == 0:
        return Outcome(False, "undecided", "numeric",
                       f"only {good} of {len(draws)} points of {_domain_text(used)} gave a real value",
                       status="undecided")
    what = (f"exhaustive over all {len(draws)} points" if exhaustive else f"{len(draws)} points") + f" of {_domain_text(used)}"
    return Outcome(True, f"numeric: {what}, {DIGITS} digits", "numeric")


def residual_text(lhs: Any, rhs: Any, limit: int = 600) -> str:
    """A short residual for error messages: simplified only when small (bounded cost)."""
    try:
        diff = sp.sympify(lhs - rhs)
        if isinstance(diff, sp.MatrixBase):
            ops = sum(_ops(e) for e in diff)
            exps = max((_max_exponent(e) for e in diff), default=0)
        else:
            ops, exps = _ops(diff), _max_exponent(diff)
        if ops <= RESIDUAL_OPS_LIMIT and exps <= MAX_EXPONENT and not (
            not isinstance(diff, sp.MatrixBase) and _nested_radicals(diff)
        ):
            diff = sp.simplify(diff)
        text = sp.sstr(diff)
    except Exception as exc:  # the residual is only a diagnostic
        text = f"<residual unavailable: {exc}>"
    return text if len(text) <= limit else text[:limit] + " ..."
