"""Check a reader's own working, line by line: :func:`check_working`.

A chain of lines (sympy expressions, or LaTeX strings) with a relation between consecutive lines. Every
step is decided by the checker's engine (``_compare.compare`` for ``=``, ``_compare.check_sign`` for
``<=``, ``>=``, ``<``, ``>``), never by a second engine; implications between equations are reduced to
calls of the same engine (see :func:`_implies`). Each line gets a verdict: holds (with the route), breaks
(with a counterexample and both values, and a diagnosis of the slip when one of the catalogue in
``_diagnose`` explains it), undecided, or unparsable (with line and column).

Syntax of a chain (the same for the Python API and for ``python -m emlib.derivation check``):

* a line may start with its relation to the previous line: ``=``, ``\\le`` (``<=``), ``\\ge`` (``>=``),
  ``<``, ``>``, ``\\Rightarrow`` (``=>``, ``\\implies``) or ``\\Leftrightarrow`` (``<=>``, ``\\iff``);
  without one, the relation is ``=``;
* a line may itself hold several relations (``A = B \\le C``): each part is a line of its own;
* implications join equations ``lhs = rhs``. A run of ``=`` steps may end in a condition that the next
  implication starts from: in ``dQ/dv = G = 0 \\Rightarrow v = ...`` the step ``dQ/dv = G`` is checked,
  ``G = 0`` is the condition (not a step), and ``v = ...`` must follow from it;
* after an implication, each line is one equation ``lhs = rhs`` (``\\Leftrightarrow`` checks both
  directions); in a chain without implications every ``=`` separates expressions.

Undecided is never reported as holding. Counterexamples are shown at a short point (two decimals) when
one is found where the two sides clearly differ; otherwise at the engine's point.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import mpmath
import sympy as sp

from . import _compare
from ._diagnose import Diagnosis, diagnose
from ._domains import Domain, Integer, Interval, Simplex, normalise_domains
from ._latex import GREEK, VARIANTS, SymbolTable, WorkingParseError, canonical_name, parse_line

__all__ = ["check_working", "WorkingReport", "LineVerdict", "WorkingParseError", "parse_declarations",
           "RELATIONS"]

#: relation spellings -> canonical relation
RELATIONS = {
    "=": "=", "<=": "<=", ">=": ">=", "<": "<", ">": ">", "=>": "=>", "<=>": "<=>",
    r"\le": "<=", r"\leq": "<=", r"\leqslant": "<=", r"\ge": ">=", r"\geq": ">=", r"\geqslant": ">=",
    r"\lt": "<", r"\gt": ">", r"\Rightarrow": "=>", r"\implies": "=>", r"\Longrightarrow": "=>",
    r"\Leftrightarrow": "<=>", r"\iff": "<=>", r"\Longleftrightarrow": "<=>",
}
SHOWN = {"=": "=", "<=": "<=", ">=": ">=", "<": "<", ">": ">", "=>": "=>", "<=>": "<=>"}
_REL_RE = re.compile(
    r"\\(?:Longleftrightarrow|Leftrightarrow|Longrightarrow|Rightarrow|implies|iff|leqslant|geqslant|leq|geq|le|ge|lt|gt)"
    r"(?![A-Za-z])|<=>|=>|<=|>=|<|>|="
)
SIZES = (2, 3)  # values given to the sizes of sums (n in \sum_{i=1}^{n}) when they are expanded
STATUSES = ("start", "holds", "breaks", "undecided", "unparsable", "unchecked", "condition")


# ----------------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class LineVerdict:
    """The verdict on one line of a chain.

    Attributes
    ----------
    line : int
        The reader's line number (1-based; several verdicts share it when a line holds several relations).
    text : str
        What the reader wrote for this part of the line.
    relation : str or None
        Its relation to the previous part (``=``, ``<=``, ``>=``, ``<``, ``>``, ``=>``, ``<=>``).
    status : str
        ``start`` (the first line), ``holds``, ``breaks``, ``undecided``, ``unparsable``, ``unchecked`` (a
        neighbour could not be read) or ``condition`` (``G = 0`` that an implication starts from).
    route : str
        How the step was decided (the engine's route).
    detail : str
        Why it breaks or is undecided, or the parse error.
    counterexample : dict or None
        ``{symbol name: value}`` where the step fails.
    values : tuple of str or None
        The previous line and this line evaluated at the counterexample.
    diagnosis : Diagnosis or None
        The typical slip that explains a broken step, when one does.
    column : int or None
        For ``unparsable``: the 1-based column in the reader's line.
    """

    line: int
    text: str
    relation: str | None
    status: str
    route: str = ""
    detail: str = ""
    counterexample: dict[str, str] | None = None
    values: tuple[str, str] | None = None
    diagnosis: Diagnosis | None = None
    column: int | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("start", "holds", "condition")

    def lines(self) -> list[str]:
        """The stable plain-text lines of this verdict."""
        rel = f"{SHOWN[self.relation]} " if self.relation else ""
        head = f"line {self.line}: {rel}{self.text}"
        if self.status == "start":
            out = [f"{head}  [start]"]
        elif self.status == "holds":
            out = [f"{head}  [holds: {self.route}]"]
        elif self.status == "condition":
            out = [f"{head}  [condition: what the next implication starts from, not a step]"]
        elif self.status == "breaks":
            out = [f"{head}  [BREAKS]"]
            if self.detail:
                out.append(f"    {self.detail}")
            if self.counterexample:
                at = ", ".join(f"{k} = {v}" for k, v in self.counterexample.items())
                out.append(f"    counterexample: {at}")
            if self.values:
                out.append(f"    there the previous line is {self.values[0]} and this line is {self.values[1]}")
            if self.diagnosis:
                out.append(f"    {self.diagnosis.line()}")
        elif self.status == "undecided":
            out = [f"{head}  [undecided]", f"    {self.detail}"]
        elif self.status == "unparsable":
            out = [f"line {self.line}: {self.text}  [UNPARSABLE]"]
            out += [f"    {t}" for t in self.detail.splitlines()]
        else:
            out = [f"{head}  [unchecked: {self.detail}]"]
        return out


@dataclass
class WorkingReport:
    """Verdicts on a chain of lines; prints as a stable plain-text report, displays as HTML in Jupyter."""

    verdicts: list[LineVerdict]
    title: str = ""

    @property
    def steps(self) -> list[LineVerdict]:
        return [v for v in self.verdicts if v.status not in ("start", "condition")]

    @property
    def first_broken(self) -> LineVerdict | None:
        return next((v for v in self.verdicts if v.status == "breaks"), None)

    @property
    def first_unparsable(self) -> LineVerdict | None:
        return next((v for v in self.verdicts if v.status == "unparsable"), None)

    @property
    def ok(self) -> bool:
        """True when every step holds (nothing breaks, nothing is undecided or unparsable)."""
        return bool(self.verdicts) and all(v.ok for v in self.verdicts)

    @property
    def status(self) -> str:
        """``holds``, ``breaks``, ``unparsable`` or ``undecided`` for the chain as a whole."""
        if self.first_unparsable:
            return "unparsable"
        if self.first_broken:
            return "breaks"
        if any(v.status in ("undecided", "unchecked") for v in self.verdicts):
            return "undecided"
        return "holds"

    def summary_line(self) -> str:
        steps = self.steps
        counts = {s: sum(v.status == s for v in steps) for s in ("holds", "breaks", "undecided", "unparsable", "unchecked")}
        parts = [f"{n} {s}" for s, n in counts.items() if n]
        n = len(steps)
        head = f"{n} step{'s' if n != 1 else ''}: " + (", ".join(parts) if parts else "none")
        broken = self.first_broken
        bad = self.first_unparsable
        if bad is not None:
            head += f". Line {bad.line} cannot be read (column {bad.column})"
        if broken is not None:
            head += f". The first broken step is line {broken.line}: it does not follow from the line before"
        elif bad is None and self.status == "holds":
            head += ". Every step holds"
        return head + "."

    def text(self) -> str:
        out = [self.title] if self.title else []
        for v in self.verdicts:
            out += v.lines()
        out.append(self.summary_line())
        return "\n".join(out)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()

    def print(self) -> None:
        print(self.text())

    def _repr_html_(self) -> str:
        colours = {"holds": "#1a7f37", "breaks": "#cf222e", "unparsable": "#cf222e", "undecided": "#9a6700",
                   "unchecked": "#9a6700", "start": "#57606a", "condition": "#57606a"}
        rows = []
        for v in self.verdicts:
            info = v.route if v.status == "holds" else v.detail
            extra = []
            if v.counterexample:
                extra.append("counterexample: " + ", ".join(f"{k} = {x}" for k, x in v.counterexample.items()))
            if v.values:
                extra.append(f"previous line {v.values[0]}, this line {v.values[1]}")
            if v.diagnosis:
                extra.append(v.diagnosis.line())
            cell = "<br>".join(html.escape(t) for t in [info, *extra] if t)
            rows.append(
                f"<tr><td>{v.line}</td><td>{html.escape(SHOWN.get(v.relation or '', ''))}</td>"
                f"<td><code>{html.escape(v.text)}</code></td>"
                f"<td style=\"color:{colours[v.status]};font-weight:bold\">{v.status}</td><td>{cell}</td></tr>"
            )
        caption = html.escape((self.title + ": " if self.title else "") + self.summary_line())
        return ("<table><caption>" + caption + "</caption><thead><tr><th>line</th><th></th><th>written</th>"
                "<th>verdict</th><th>how / why</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")

    @property
    def exit_code(self) -> int:
        """0 every step holds or is undecided, 1 a step breaks, 3 a line is unparsable."""
        return {"unparsable": 3, "breaks": 1}.get(self.status, 0)


# ----------------------------------------------------------------------------------------------- declarations
_KIND_RE = re.compile(r"^(real|positive|nonnegative|negative|probability|simplex|symbol|integer|interval)"
                      r"\s*(?:\(\s*([^,()]+)\s*,\s*([^,()]+)\s*\))?$")


@dataclass
class _Decl:
    kind: str
    low: float | None = None
    high: float | None = None

    @property
    def assumptions(self) -> dict[str, bool]:
        if self.kind in ("positive", "probability", "simplex"):
            return {"positive": True}
        if self.kind == "nonnegative":
            return {"nonnegative": True}
        if self.kind == "negative":
            return {"negative": True}
        if self.kind == "integer":
            return {"integer": True, "positive": True} if (self.low or 1) > 0 else {"integer": True}
        if self.kind == "interval":
            return {"positive": True} if self.low > 0 else ({"nonnegative": True} if self.low >= 0 else {"real": True})
        return {"real": True}

    def domain(self, symbols: Sequence[sp.Symbol]) -> Domain | None:
        """The engine's domain for these symbols (None: the engine's default from the assumptions)."""
        k = self.kind
        if k == "probability":
            return Interval(*symbols, low=0.001, high=0.999)
        if k == "simplex":
            return Simplex(*symbols)
        if k == "integer" and (self.low is not None or self.high is not None):
            return Integer(*symbols, low=None if self.low is None else int(self.low),
                           high=None if self.high is None else int(self.high))
        if k == "interval":
            return Interval(*symbols, low=self.low, high=self.high)
        return None


def _name_of(token: str) -> tuple[str, bool]:
    """``x`` -> (``x``, False); ``x_i`` / ``\\pi_k`` -> (``x`` / ``pi``, True): a family; ``x_1`` -> (``x_1``, False)."""
    token = token.strip()
    m = re.fullmatch(r"\\?([A-Za-z]+)\s*(?:_\s*(\{[^{}]*\}|\\?[A-Za-z0-9]+))?\s*('*)", token)
    if not m or (token.startswith("\\") and m.group(1) not in GREEK) or (not token.startswith("\\") and len(m.group(1)) > 1):
        raise ValueError(f"cannot read the symbol name {token!r} (write e.g. x, x_i, \\sigma, \\pi_k)")
    base, sub, primes = VARIANTS.get(m.group(1), m.group(1)), m.group(2), m.group(3)
    if sub is None:
        return base + primes, False
    sub = sub.strip("{}").strip().lstrip("\\")
    if re.fullmatch(r"[A-Za-z]+", sub) and not primes:
        return base, True
    return canonical_name(base, sub, primes), False


def parse_declarations(text: str) -> list[tuple[str, bool, _Decl]]:
    """``"x, y positive; \\pi_k simplex; n integer(1, 5)"`` -> [(name, is_family, declaration)].

    Kinds: ``real``, ``positive``, ``nonnegative``, ``negative``, ``probability`` (inside (0, 1)),
    ``simplex`` (the family's members sum to one), ``integer`` or ``integer(a, b)``, ``interval(a, b)``,
    ``symbol`` (a plain real symbol; declare ``e``, ``\\pi``, ``\\sigma`` or ``T`` this way to use them as
    symbols instead of Euler's number, pi, the logistic function or a transpose).
    """
    out = []
    for part in re.split(r"[;\n]", text or ""):
        part = part.strip()
        if not part:
            continue
        m = re.match(r"^(.*?)\s+((?:real|positive|nonnegative|negative|probability|simplex|symbol|integer|interval)\b.*)$", part)
        if not m:
            raise ValueError(f"cannot read the declaration {part!r}: write names then a kind, e.g. 'x, y positive'")
        km = _KIND_RE.match(m.group(2).strip())
        if not km:
            raise ValueError(f"unknown kind {m.group(2)!r} in {part!r}")
        kind = km.group(1)
        low = high = None
        if km.group(2) is not None:
            try:
                low, high = float(sp.sympify(km.group(2))), float(sp.sympify(km.group(3)))
            except (sp.SympifyError, TypeError, ValueError):
                raise ValueError(f"cannot read the bounds in {part!r}") from None
        elif kind == "interval":
            raise ValueError(f"interval needs bounds, e.g. 'x interval(0, 1)': {part!r}")
        for token in re.split(r",(?![^{}]*\})", m.group(1)):
            if token.strip():
                name, family = _name_of(token)
                out.append((name, family, _Decl(kind, low, high)))
    return out


# ----------------------------------------------------------------------------------------------- engine calls
@dataclass
class _Decision:
    status: str  # holds / fails / undecided
    route: str = ""
    detail: str = ""
    counterexample: dict[str, Any] | None = None
    values: tuple[str, str] | None = None


def _normalise(outcome: _compare.Outcome) -> _Decision:
    """The engine's Outcome as a decision (counterexample keys by symbol name)."""
    cex = {str(k): v for k, v in outcome.counterexample.items()} if outcome.counterexample is not None else None
    values = tuple(outcome.values) if outcome.values is not None else None
    return _Decision(outcome.status, outcome.route, outcome.detail or "", cex, values)


def _exact(value: Any) -> sp.Basic:
    try:
        return sp.Rational(str(value))
    except (TypeError, ValueError):
        return sp.sympify(value)


def _fmt(value: Any) -> str:
    try:
        if isinstance(value, str):
            return value
        v = sp.N(value, 15)
        if v.is_real:
            return mpmath.nstr(mpmath.mpf(str(v)), 6)
        return str(sp.N(value, 6))
    except Exception:
        return str(value)


class _Context:
    """Everything one chain shares: symbols, declarations, domains, definitions, seed."""

    def __init__(self, declare: str | Iterable[str], domain: Any, define: Any, seed: int) -> None:
        self.seed = int(seed)
        self.table = SymbolTable()
        self.decls: dict[str, _Decl] = {}
        self.family_decls: dict[str, _Decl] = {}
        text = declare if isinstance(declare, str) else "; ".join(declare or ())
        for name, family, decl in parse_declarations(text):
            if family:
                self.family_decls[name] = decl
                self.table.families[name] = decl.assumptions
            else:
                self.decls[name] = decl
                self.table.assumptions[name] = decl.assumptions
                if name == "sigma":
                    self.table.functions_as_symbols.add("sigma")
        self.domains = normalise_domains(domain)
        self._points: dict[tuple, list] = {}
        for d in self.domains:
            for s in d.symbols:
                self.table._cache.setdefault(s.name, s)
        self.definitions: list[tuple[sp.Symbol, Any]] = []
        for name, value in (define.items() if isinstance(define, dict) else (define or ())):
            sym = self.table.make(name) if isinstance(name, str) else name
            if isinstance(value, str):
                value = parse_line(value, self.table, line=0)
            self.definitions.append((sym, sp.sympify(value)))

    # -- preparing expressions for the engine
    def expand_definitions(self, expr: Any) -> Any:
        for _ in range(len(self.definitions) + 1):
            new = expr
            for sym, value in self.definitions:
                new = new.xreplace({sym: value}) if hasattr(new, "xreplace") else new
            if new == expr:
                break
            expr = new
        return expr

    def sizes(self, *exprs: Any) -> list[sp.Symbol]:
        out = set()
        for e in exprs:
            if not hasattr(e, "atoms"):
                continue
            for node in e.atoms(sp.Sum, sp.Product):
                for lim in node.limits:
                    for bound in lim[1:]:
                        out |= {s for s in sp.sympify(bound).free_symbols if s not in node.variables}
        return sorted(out, key=lambda s: s.name)

    def instances(self, *exprs: Any) -> list[dict[sp.Symbol, int]]:
        sizes = self.sizes(*exprs)
        if not sizes:
            return [{}]
        values = {}
        for s in sizes:
            decl = self.decls.get(s.name)
            low = int(decl.low) if decl is not None and decl.low is not None else None
            high = int(decl.high) if decl is not None and decl.high is not None else None
            allowed = [v for v in range(max(SIZES[0], low if low is not None else SIZES[0]), (high if high is not None else 10**6) + 1)][:len(SIZES)]
            if not allowed and low is not None:
                allowed = list(range(low, (high if high is not None else low) + 1))[:len(SIZES)]
            values[s] = allowed or list(SIZES)
        k = max(len(v) for v in values.values())
        return [{s: v[min(i, len(v) - 1)] for s, v in values.items()} for i in range(k)]

    def concrete(self, expr: Any, inst: dict) -> Any:
        """Sizes substituted, sums and products expanded, indexed entries turned into symbols."""
        if not hasattr(expr, "xreplace"):
            return expr
        if inst:
            names = {s.name: sp.Integer(v) for s, v in inst.items()}
            expr = expr.xreplace({s: names[s.name] for s in expr.free_symbols if getattr(s, "name", None) in names})
        if isinstance(expr, sp.MatrixBase):
            return expr.applyfunc(lambda e: self.concrete(e, {}))
        if expr.has(sp.Sum, sp.Product):
            expr = expr.replace(lambda e: isinstance(e, (sp.Sum, sp.Product)), lambda e: e.doit())
        if expr.has(sp.Indexed):
            mapping = {}
            for node in expr.atoms(sp.Indexed):
                idx = [sp.sstr(i).replace(" ", "") for i in node.indices]
                sub = "".join(idx) if all(len(i) == 1 for i in idx) else ",".join(idx)
                mapping[node] = self.table.make(canonical_name(str(node.base.label), sub))
            expr = expr.xreplace(mapping)
        return expr

    def engine_domains(self, *exprs: Any) -> list[Domain]:
        symbols: set[sp.Symbol] = set()
        for e in exprs:
            symbols |= getattr(e, "free_symbols", set())
        covered = {s for d in self.domains for s in d.symbols}
        groups: dict[tuple, list[sp.Symbol]] = {}
        for s in sorted(symbols - covered, key=lambda s: s.name):
            decl = self.decls.get(s.name)
            key: tuple
            if decl is not None:
                key = (decl.kind, decl.low, decl.high, "exact" if decl.kind != "simplex" else s.name)
            else:
                base = s.name.split("_", 1)[0] if "_" in s.name else None
                decl = self.family_decls.get(base) if base else None
                if decl is None:
                    continue
                key = (decl.kind, decl.low, decl.high, base if decl.kind == "simplex" else "family")
            groups.setdefault(key + (id(decl),), []).append(s)
        out = list(self.domains)
        for key, syms in groups.items():
            decl = self.decls.get(syms[0].name) or self.family_decls.get(syms[0].name.split("_", 1)[0])
            dom = decl.domain(syms)
            if dom is not None:
                out.append(dom)
        return out

    # -- engine calls
    def _compare(self, lhs: Any, rhs: Any, *, quick: bool = False) -> _Decision:
        domains = self.engine_domains(lhs, rhs)
        kw: dict[str, Any] = {"points": 4, "symbolic": False} if quick else {}
        try:
            outcome = _compare.compare(lhs, rhs, domains, seed=self.seed, **kw)
        except ValueError as exc:
            if "shape" in str(exc) or "matrix and the other a scalar" in str(exc):
                return _Decision("fails", "shape", str(exc))
            return _Decision("undecided", "", f"the checker refused this step: {exc}")
        except Exception as exc:  # an expression the engine cannot handle
            return _Decision("undecided", "", f"the checker could not evaluate this step ({type(exc).__name__}: {exc})")
        d = _normalise(outcome)
        if d.status == "fails" and not d.counterexample and not quick and not isinstance(lhs, sp.MatrixBase):
            # refuted exactly (no point given): ask the engine for a point where the two sides differ
            both = sorted(sp.sympify(lhs).free_symbols | sp.sympify(rhs).free_symbols, key=lambda x: x.name)
            weight = 1 + sum(x ** 2 for x in both)  # positive, and mentions every symbol so each gets a value
            probe = self._sign(-((sp.sympify(lhs) - sp.sympify(rhs)) ** 2) * weight, strict=False)
            if probe.status == "fails" and probe.counterexample:
                d.counterexample = probe.counterexample
                d.values = None
        return d

    def _sign(self, expr: Any, strict: bool) -> _Decision:
        domains = self.engine_domains(expr)
        try:
            outcome = _compare.check_sign(expr, domains, strict=strict, seed=self.seed)
        except Exception as exc:
            return _Decision("undecided", "", f"the checker could not evaluate this step ({type(exc).__name__}: {exc})")
        return _normalise(outcome)

    def value_at(self, expr: Any, point: dict[str, Any]) -> str:
        """``expr`` at ``point`` (for showing a counterexample, never for deciding)."""
        try:
            subs = {s: _exact(point[s.name]) for s in expr.free_symbols if s.name in point}
            value = expr.xreplace(subs)
            if isinstance(expr, sp.MatrixBase):
                return sp.sstr(value.evalf(8, chop=True))
            return _fmt(sp.N(value, 30, chop=True))
        except Exception:
            return "?"

    def equal(self, prev: Any, cur: Any) -> _Decision:
        prev, cur = self.expand_definitions(prev), self.expand_definitions(cur)
        insts = self.instances(prev, cur)
        routes = []
        for inst in insts:
            a, b = self.concrete(prev, inst), self.concrete(cur, inst)
            d = self._compare(a, b)
            if d.status != "holds":
                if d.status == "fails":
                    d.counterexample = self._readable(a, b, _differ) or d.counterexample
                if d.status == "fails" and d.counterexample:
                    d.counterexample = {**{s.name: str(v) for s, v in inst.items()}, **d.counterexample}
                    d.values = (self.value_at(a, d.counterexample), self.value_at(b, d.counterexample))
                if inst:
                    d.detail = (d.detail + "; " if d.detail else "") + _sizes_text(inst)
                return d
            routes.append(d.route)
        return _Decision("holds", _combine(routes, insts))

    def _readable(self, a: Any, b: Any, bad: Any) -> dict[str, Any] | None:
        """A counterexample with short numbers for showing (the engine has already refuted the step):
        a moderate point rounded to two decimals where ``bad(left, right)`` is clearly true, or None."""
        if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
            return None
        try:
            symbols = sorted(sp.sympify(a).free_symbols | sp.sympify(b).free_symbols, key=lambda x: x.name)
            if any(self._kind(x) == "simplex" for x in symbols):
                return None
            for pt in self._screen_points(symbols):
                exact = {x: sp.Rational(round(pt[x], 2)).limit_denominator(100) if not x.is_integer else sp.Integer(round(pt[x]))
                         for x in symbols}
                if any(v == 0 and (x.is_positive or x.is_nonzero) for x, v in exact.items()):
                    continue
                va, vb = sp.N(sp.sympify(a).xreplace(exact), 30), sp.N(sp.sympify(b).xreplace(exact), 30)
                if not (va.is_real and vb.is_real and va.is_finite and vb.is_finite):
                    continue
                if bad(float(va), float(vb)):
                    return {x.name: v for x, v in exact.items()}
        except Exception:
            return None
        return None

    def _kind(self, sym: sp.Symbol) -> str | None:
        decl = self.decls.get(sym.name)
        if decl is None and "_" in sym.name:
            decl = self.family_decls.get(sym.name.split("_", 1)[0])
        return decl.kind if decl is not None else None

    def quick_equal(self, a: Any, b: Any) -> bool:
        """For diagnoses: True only when the engine finds ``a == b``. Candidates that clearly differ at
        two random points (plain floats) are dismissed before the engine is asked."""
        a, b = self.expand_definitions(a), self.expand_definitions(b)
        inst = self.instances(a, b)[-1]
        a, b = self.concrete(a, inst), self.concrete(b, inst)
        if self._clearly_differ(a, b):
            return False
        return self._compare(a, b, quick=True).status == "holds"

    def _screen_points(self, symbols: list[sp.Symbol], n: int = 2) -> list[dict[sp.Symbol, float]]:
        """``n`` moderate points (no extreme values, where everything saturates) for screening candidates
        and for short counterexamples."""
        key = (tuple(symbols), n)
        if key not in self._points:
            import numpy as np

            rng = np.random.default_rng([self.seed, 2024])
            pts = []
            for _ in range(n):
                pt: dict[sp.Symbol, float] = {}
                for d in self.domains:
                    if set(d.symbols) & set(symbols):
                        try:
                            pt.update({k: float(v) for k, v in d.random_point(rng).items()})
                        except Exception:
                            pass
                families: dict[str, list[sp.Symbol]] = {}
                for sym in symbols:
                    if sym in pt:
                        continue
                    decl = self.decls.get(sym.name)
                    if decl is None and "_" in sym.name:
                        decl = self.family_decls.get(sym.name.split("_", 1)[0])
                    kind = decl.kind if decl is not None else None
                    if kind == "simplex":
                        families.setdefault(sym.name.split("_", 1)[0] if sym.name not in self.decls else sym.name, []).append(sym)
                    elif kind == "probability":
                        pt[sym] = rng.uniform(0.2, 0.8)
                    elif kind in ("interval", "integer") and decl.low is not None and decl.high is not None:
                        lo, hi = decl.low, decl.high
                        pt[sym] = float(rng.integers(int(lo), int(hi) + 1)) if kind == "integer" else rng.uniform(
                            lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo))
                    elif sym.is_integer:
                        pt[sym] = 3.0
                    elif sym.is_positive or sym.is_nonnegative:
                        pt[sym] = rng.uniform(0.3, 2.0)
                    elif sym.is_negative:
                        pt[sym] = -rng.uniform(0.3, 2.0)
                    else:
                        pt[sym] = rng.uniform(-1.5, 1.5)
                for members in families.values():
                    w = rng.dirichlet(np.full(len(members), 2.0))
                    pt.update({m: float(x) for m, x in zip(members, w)})
                pts.append(pt)
            self._points[key] = pts
        return self._points[key]

    def _clearly_differ(self, a: Any, b: Any) -> bool:
        try:
            diff = sp.sympify(a - b)
            entries = list(diff) if isinstance(diff, sp.MatrixBase) else [diff]
            symbols = sorted(set().union(*[e.free_symbols for e in entries]), key=lambda x: x.name)
            points = self._screen_points(symbols)
            if not points:
                return False
            scale = [sp.sympify(x) for x in ((list(a) if isinstance(a, sp.MatrixBase) else [a]))]
            fns = [(sp.lambdify(symbols, e, modules="mpmath"), sp.lambdify(symbols, sc, modules="mpmath"))
                   for e, sc in zip(entries, scale)]
            with mpmath.workdps(15):
                for pt in points:
                    args = [mpmath.mpf(pt[x]) for x in symbols]
                    for fe, fs in fns:
                        try:
                            v, w = complex(fe(*args)), complex(fs(*args))
                        except Exception:
                            continue
                        if abs(v) > 1e-6 * (1 + abs(w)) and abs(v) == abs(v) and abs(v) != float("inf"):
                            return True
        except Exception:
            return False
        return False

    def sign(self, prev: Any, cur: Any, relation: str) -> _Decision:
        prev, cur = self.expand_definitions(prev), self.expand_definitions(cur)
        insts = self.instances(prev, cur)
        routes = []
        for inst in insts:
            a, b = self.concrete(prev, inst), self.concrete(cur, inst)
            diff = b - a if relation in ("<=", "<") else a - b
            d = self._sign(diff, strict=relation in ("<", ">"))
            if d.status != "holds":
                if d.status == "fails":
                    strict = relation in ("<", ">")
                    violated = (lambda x, y: (y - x if relation in ("<=", "<") else x - y) < (1e-9 if strict else -1e-9))
                    d.counterexample = self._readable(a, b, violated) or d.counterexample
                if d.status == "fails" and d.counterexample:
                    d.counterexample = {**{s.name: str(v) for s, v in inst.items()}, **d.counterexample}
                    d.values = (self.value_at(a, d.counterexample), self.value_at(b, d.counterexample))
                    d.detail = f"the previous line {'<=' if relation == '<=' else relation} this line fails"
                if inst:
                    d.detail = (d.detail + "; " if d.detail else "") + _sizes_text(inst)
                return d
            routes.append(d.route)
        return _Decision("holds", _combine(routes, insts))


def _differ(x: float, y: float) -> bool:
    return abs(x - y) > 1e-6 * (1 + abs(x) + abs(y))


def _sizes_text(inst: dict) -> str:
    return "sums expanded with " + ", ".join(f"{s} = {v}" for s, v in inst.items())


def _combine(routes: list[str], insts: list[dict]) -> str:
    numeric = [r for r in routes if not r.startswith("symbolic")]
    route = numeric[0] if numeric else (routes[0] if routes else "")
    if insts and insts[0]:
        names = ", ".join(str(s) for s in insts[0])
        route += f"; sums expanded with {names} = " + " and ".join(str(i[next(iter(i))]) for i in insts)
    return route


# ----------------------------------------------------------------------------------------------- implications
_SOLVE_DEGREE = 4


def _implies(ctx: _Context, eq1: tuple[Any, Any], eq2: tuple[Any, Any]) -> tuple[_Decision, Any, dict]:
    """Does ``eq1`` (lhs = rhs) imply ``eq2``?

    Sound routes only, each decided by the engine (after sums are expanded as for ``=`` steps):

    1. ``eq2`` holds identically;
    2. ``f2 = r * f1`` (``f = lhs - rhs``) with ``r`` a quotient whose denominator is nonzero by the
       declared assumptions: wherever ``f1 = 0``, ``f2 = 0``;
    3. ``f1`` (or, when both sides are positive, ``log lhs - log rhs``) has a numerator that is a
       polynomial of degree <= 4 in one unknown ``s``: sympy's solve then finds every solution, and
       each must satisfy ``eq2`` (engine compare). A solution that does not gives a counterexample,
       checked by evaluating both equations there.

    Anything else is undecided. Also returns the single solution of ``eq1`` for the unknown on the left
    of ``eq2`` when there is one (the diagnoses compare the reader's right-hand side with it).
    """
    l1, r1 = (ctx.expand_definitions(x) for x in eq1)
    l2, r2 = (ctx.expand_definitions(x) for x in eq2)
    insts = ctx.instances(l1, r1, l2, r2)
    routes, expected = [], None
    for inst in insts:
        a1, b1, a2, b2 = (ctx.concrete(x, inst) for x in (l1, r1, l2, r2))
        d, expected = _implies_concrete(ctx, a1, b1, a2, b2)
        if d.status != "holds":
            if d.status == "fails" and inst and d.counterexample:
                d.counterexample = {**{s.name: str(v) for s, v in inst.items()}, **d.counterexample}
            if inst:
                d.detail = (d.detail + "; " if d.detail else "") + _sizes_text(inst)
            return d, expected, inst
        routes.append(d.route)
    return _Decision("holds", _combine(routes, insts)), None, {}


def _implies_concrete(ctx: _Context, a1: Any, b1: Any, a2: Any, b2: Any) -> tuple[_Decision, Any]:
    f1, f2 = sp.sympify(a1 - b1), sp.sympify(a2 - b2)
    same = ctx._compare(a2, b2)
    if same.status == "holds":
        return _Decision("holds", f"implication: the new equation holds identically ({same.route})"), None
    # route 2: a multiple
    if f1 != 0 and sp.count_ops(f1) + sp.count_ops(f2) < 400:
        try:
            ratio = sp.cancel(sp.together(f2 / f1))
            num, den = sp.fraction(sp.together(ratio))
        except Exception:
            ratio = None
        if ratio is not None and ratio != 0 and _finite_everywhere(ratio):
            d = ctx._compare(f2, ratio * f1)
            if d.status == "holds":
                return _Decision("holds", f"implication: the new equation is ({sp.sstr(ratio)}) times the previous one ({d.route})"), None
    # route 3: solve for one unknown
    unknowns = sorted(f1.free_symbols, key=lambda s: (s not in f2.free_symbols, s != a2, s.name))
    if isinstance(a2, sp.Symbol) and a2 in unknowns:
        unknowns.remove(a2)
        unknowns.insert(0, a2)
    cores = [f1] + _log_cores(ctx, a1, b1)
    for s in unknowns:
        for core in cores:
            roots = _roots(ctx, core, s)
            if roots is None:
                continue
            expected = roots[0] if len(roots) == 1 else None
            if not roots:
                return _Decision("undecided", "", f"the previous equation has no solution for {s}"), None
            routes = []
            for root in roots:
                g = f2.xreplace({s: root})
                d = ctx._compare(g, 0)
                if d.status == "holds":
                    routes.append(d.route)
                    continue
                if d.status == "fails":
                    others = sorted((f1.free_symbols | f2.free_symbols | root.free_symbols) - {s}, key=lambda x: x.name)
                    probe = ctx._sign(-(g ** 2) * (1 + sum(x ** 2 for x in others)), strict=False)
                    point = dict(probe.counterexample or d.counterexample or {})
                    full = _verify_counterexample(ctx, f1, f2, s, root, point)
                    for extra in ([] if full is not None else ctx._screen_points(others, 8)):
                        full = _verify_counterexample(ctx, f1, f2, s, root, {x.name: v for x, v in extra.items()})
                        if full is not None:
                            break
                    if full is not None:
                        return _Decision(
                            "fails", "implication",
                            f"the previous equation holds at the point below (with {s} = {_short(sp.sstr(root), 80)}) but this one does not",
                            full, (ctx.value_at(a1, full) + " = " + ctx.value_at(b1, full),
                                   ctx.value_at(a2, full) + " vs " + ctx.value_at(b2, full)),
                        ), expected
                return _Decision("undecided", "", f"cannot decide whether {s} = {sp.sstr(root)} satisfies this equation"), expected
            route = routes[0] if routes else ""
            return _Decision("holds", f"implication: every solution of the previous equation for {s} "
                                      f"({len(roots)}) satisfies this one ({route})"), expected
    return _Decision("undecided", "", "no sound route shows that this equation follows from the previous one "
                                      "(it is not a multiple of it, and the previous one cannot be solved "
                                      "completely for one unknown)"), None


_ENTIRE = (sp.exp, sp.sin, sp.cos, sp.sinh, sp.cosh, sp.tanh)


def _finite_everywhere(expr: Any) -> bool:
    """True when ``expr`` is finite wherever its symbols take values allowed by their assumptions:
    only entire functions, logs of positive arguments, and negative or fractional powers of bases
    known to be nonzero (positive for fractional powers). Conservative: False when unsure."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow):
            e, b = node.exp, node.base
            if b.is_number and b != 0:
                continue
            if e.is_Integer and e >= 0:
                continue
            if e.is_Integer and b.is_nonzero:
                continue
            if b.is_positive:
                continue
            if b == sp.E:
                continue
            return False
        elif isinstance(node, sp.log):
            if not node.args[0].is_positive:
                return False
        elif isinstance(node, sp.Function) and not isinstance(node, _ENTIRE):
            return False
    return True


def _log_cores(ctx: _Context, a1: Any, b1: Any) -> list[Any]:
    """Equations equivalent to ``a1 = b1`` with logs taken, for solving: ``log A - log B = 0`` when
    ``A = B`` with both sides positive (also ``t1 + t2 = 0`` read as ``t1 = -t2``), and ``R - 1 = 0`` when
    the equation is ``log R = 0`` after combining logs. Logs of products are split into sums of logs, which
    assumes the factors are positive on the declared domains."""
    out = []
    pairs = []
    f = sp.sympify(a1 - b1)
    if b1 == 0 and isinstance(f, sp.Add) and len(f.args) == 2:
        t1, t2 = f.args
        pairs.append((t1, -t2))
    pairs.append((a1, b1))
    for left, right in pairs:
        if left == 0 or right == 0:
            continue
        try:
            if _positive(ctx, left) and _positive(ctx, right):
                out.append(sp.expand_log(sp.log(left) - sp.log(right), force=True))
        except Exception:
            continue
    if f.has(sp.log):
        try:
            combined = sp.logcombine(f, force=True)
            if isinstance(combined, sp.log):
                out.append(combined.args[0] - 1)
        except Exception:
            pass
    return out


def _positive(ctx: _Context, expr: Any) -> bool:
    expr = sp.sympify(expr)
    if expr.is_positive:
        return True
    if not expr.free_symbols:
        return False
    return ctx._sign(expr, strict=True).status == "holds"


def _roots(ctx: _Context, core: Any, s: sp.Symbol) -> list | None:
    """Every solution of ``core = 0`` for ``s`` when its numerator is a polynomial in ``s`` of degree at
    most 4 whose leading coefficient cannot vanish on the domain (else None: where it vanishes the
    equation may hold for every ``s``)."""
    try:
        num, den = sp.fraction(sp.together(core))
        num = sp.expand(num)
        if not num.has(s):
            return None
        poly = sp.Poly(num, s)
        if poly.degree() > _SOLVE_DEGREE or any(c.has(s) for c in poly.coeffs()):
            return None
        lead = poly.LC()
        if not (lead.is_number and lead != 0) and lead.is_nonzero is not True:
            if ctx._sign(lead ** 2, strict=True).status != "holds":
                return None
        roots = sp.solve(num, s, dict=False)
    except Exception:
        return None
    out = []
    for r in roots:
        if den.has(s):
            try:
                if sp.simplify(den.xreplace({s: r})) == 0:
                    continue
            except Exception:
                pass
        if r.is_real is False:
            continue
        out.append(r)
    return out


def _in_domain(ctx: _Context, s: sp.Symbol, value: float) -> bool:
    """Whether a value of the solved-for symbol lies in its declared domain (or its assumptions)."""
    if (s.is_positive and value <= 0) or (s.is_nonnegative and value < 0) or (s.is_negative and value >= 0):
        return False
    if s.is_integer and value != int(value):
        return False
    for d in ctx.domains:
        if s in d.symbols:
            low, high = getattr(d, "low", None), getattr(d, "high", None)
            if (low is not None and value < float(low)) or (high is not None and value > float(high)):
                return False
    kind = ctx._kind(s)
    decl = ctx.decls.get(s.name) or (ctx.family_decls.get(s.name.split("_", 1)[0]) if "_" in s.name else None)
    if kind == "probability" and not 0 < value < 1:
        return False
    if kind in ("interval", "integer") and decl is not None:
        if (decl.low is not None and value < decl.low) or (decl.high is not None and value > decl.high):
            return False
    if kind == "simplex" and not 0 < value < 1:
        return False
    return True


def _verify_counterexample(ctx: _Context, f1: Any, f2: Any, s: sp.Symbol, root: Any, point: dict) -> dict | None:
    """Evaluate both equations at the point (with s = root): the first must hold, the second not."""
    try:
        subs = {x: _exact(point[x.name]) for x in (f1.free_symbols | f2.free_symbols | root.free_symbols) - {s}
                if x.name in point}
        missing = (f1.free_symbols | f2.free_symbols | root.free_symbols) - {s} - set(subs)
        if missing:
            return None
        sval = sp.N(root.xreplace(subs), 30)
        if not sval.is_real or not _in_domain(ctx, s, float(sval)):
            return None
        subs[s] = sval
        v1, v2 = sp.N(f1.xreplace(subs), 30), sp.N(f2.xreplace(subs), 30)
        if not (v1.is_real and v2.is_real):
            return None
        if abs(v1) > 1e-12 or abs(v2) < 1e-9:
            return None
        out = {x.name: v for x, v in subs.items()}
        return dict(sorted(out.items()))
    except Exception:
        return None


# ----------------------------------------------------------------------------------------------- chains
@dataclass
class _Piece:
    line: int
    text: str
    relation: str | None  # relation to the previous piece
    value: Any = None
    error: WorkingParseError | None = None


def _split(text: str) -> list[tuple[str | None, str, int]]:
    """Split a line at top-level relation symbols: [(relation before, text, column offset)].

    ``&`` (alignment) counts as a space; columns are kept."""
    text = text.replace("&", " ")
    out: list[tuple[str | None, str, int]] = []
    depth = 0
    start = 0
    rel = None
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        if depth == 0:
            m = _REL_RE.match(text, i)  # \le matches neither \left nor \leq's prefix (whole names only)
            if m:
                out.append((rel, text[start:i], start))
                rel = RELATIONS[m.group(0)]
                i = m.end()
                start = i
                continue
        if ch == "\\":
            m = re.match(r"\\[A-Za-z]+|\\.", text[i:])
            i += len(m.group(0)) if m else 1
            continue
        i += 1
    out.append((rel, text[start:], start))
    return out


def _pieces(lines: Sequence[Any], ctx: _Context, numbers: Sequence[int] | None = None) -> list[_Piece]:
    pieces: list[_Piece] = []
    for k_item, item in enumerate(lines):
        number = numbers[k_item] if numbers is not None else k_item + 1
        relation = None
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) and item[0].strip() in RELATIONS:
            relation, item = RELATIONS[item[0].strip()], item[1]
        if isinstance(item, str):
            parts = _split(item)
            for k, (rel, text, offset) in enumerate(parts):
                if k == 0:
                    if not text.strip():
                        if rel is None and len(parts) == 1:
                            pieces.append(_Piece(number, item.strip(), relation or "=",
                                                 error=WorkingParseError("the line is empty", line=number, column=1, text=item)))
                        continue
                    rel = relation
                lead = len(text) - len(text.lstrip())
                piece = _Piece(number, text.strip(), rel)
                try:
                    piece.value = parse_line(text.strip(), ctx.table, line=number, column_offset=offset + lead,
                                             full_text=item)
                    if isinstance(piece.value, sp.core.relational.Relational):
                        raise WorkingParseError("a relation inside a group: write relations at the top level",
                                                line=number, column=offset + lead + 1, text=item)
                except WorkingParseError as exc:
                    piece.error = exc
                pieces.append(piece)
            continue
        if isinstance(item, sp.Equality):
            pieces.append(_Piece(number, sp.sstr(item.lhs), relation, item.lhs))
            pieces.append(_Piece(number, sp.sstr(item.rhs), "=", item.rhs))
            continue
        try:
            value = _compare.to_sympy(item, f"line {number}")
            pieces.append(_Piece(number, _short(sp.sstr(value)), relation, value))
        except TypeError as exc:
            pieces.append(_Piece(number, repr(item)[:60], relation,
                                 error=WorkingParseError(str(exc), line=number, column=1, text=repr(item)[:60])))
    for k, p in enumerate(pieces):
        if k == 0:
            p.relation = None
        elif p.relation is None:
            p.relation = "="
    return pieces


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 4] + " ..."


def check_working(lines: Sequence[Any], *, declare: str | Iterable[str] = "", domain: Any = (),
                  define: Any = None, seed: int = 0, diagnose_slips: bool = True, title: str = "",
                  line_numbers: Sequence[int] | None = None) -> WorkingReport:
    """Check a chain of lines and return a :class:`WorkingReport` with one verdict per line.

    Parameters
    ----------
    lines : sequence
        Each item a LaTeX string (it may start with its relation: ``"= ..."``, ``"\\le ..."``,
        ``"\\Rightarrow v = ..."``), a sympy expression or explicit matrix, a ``sympy.Eq`` (an equation),
        or a tuple ``(relation, expression)`` with relation one of ``= <= >= < > => <=>``.
    declare : str
        Domains of symbols: ``"x, y positive; \\pi_k simplex; n integer; \\mu_k real"``. A subscripted
        name with a letter subscript (``x_i``) declares the whole family (``x_1``, ``x_n``, ...). Undeclared
        symbols are real (drawn from [-2, 2] when the engine evaluates).
    domain : Domain or sequence of Domain
        emlib.derivation domains for sympy symbols (for example ``SPD(S)`` of an explicit matrix).
    define : dict or sequence of (name, value)
        Abbreviations substituted before checking, e.g. ``{"h_1": r"\\tanh(w_i x_1)"}``.
    seed : int
        Seeds the engine's random points (the same chain always gets the same verdicts).
    diagnose_slips : bool
        Try the catalogue of typical slips on each broken ``=`` step.
    title : str
        Printed above the report.
    line_numbers : sequence of int, optional
        The number to report for each item (default 1, 2, ...), e.g. line numbers in a file.
    """
    if isinstance(lines, (str, bytes)) or not isinstance(lines, Sequence):
        raise TypeError("lines must be a list of lines (LaTeX strings, sympy expressions or (relation, line) tuples)")
    if len(lines) == 0:
        raise ValueError("lines is empty: give at least one line")
    if not isinstance(declare, str) and not (isinstance(declare, (list, tuple)) and all(isinstance(d, str) for d in declare)):
        raise TypeError(f"declare must be a string like 'x positive; n integer', got {type(declare).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise TypeError(f"seed must be a non-negative int, got {seed!r}")
    if define is not None and not isinstance(define, (dict, list, tuple)):
        raise TypeError(f"define must be a dict {{name: value}} or a list of (name, value), got {type(define).__name__}")
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {type(title).__name__}")
    if line_numbers is not None and len(line_numbers) != len(lines):
        raise ValueError("line_numbers must give one number per line")
    ctx = _Context(declare, domain, define, seed)
    pieces = _pieces(lines, ctx, line_numbers)
    return _check_pieces(pieces, ctx, diagnose_slips, title)


def _check_pieces(pieces: list[_Piece], ctx: _Context, diagnose_slips: bool, title: str) -> WorkingReport:
    verdicts: list[LineVerdict] = []
    # group pieces into statements separated by implications
    statements: list[list[_Piece]] = [[]]
    for p in pieces:
        if p.relation in ("=>", "<=>") and statements[-1]:
            statements.append([])
        statements[-1].append(p)
    has_implication = len(statements) > 1
    prev_eq: tuple[Any, Any] | None = None
    prev_eq_ok = True
    for si, stmt in enumerate(statements):
        preceded = si > 0
        followed = si < len(statements) - 1
        chain = stmt
        eq_pieces: list[_Piece] = []
        if has_implication:
            if preceded:
                if len(stmt) != 2 or stmt[1].relation != "=":
                    for p in stmt:
                        verdicts.append(_unparsable_or(p, "after an implication write one equation lhs = rhs"))
                    prev_eq, prev_eq_ok = None, False
                    continue
                chain, eq_pieces = [], stmt
            else:
                if len(stmt) < 2 or stmt[-1].relation != "=":
                    for p in stmt:
                        verdicts.append(_unparsable_or(p, "an implication starts from an equation lhs = rhs"))
                    prev_eq, prev_eq_ok = None, False
                    continue
                chain, eq_pieces = stmt[:-1], stmt[-2:]
        # expression steps
        for k, p in enumerate(chain):
            verdicts.append(_expression_step(chain[k - 1] if k else None, p, ctx, diagnose_slips))
        if not eq_pieces:
            continue
        lhs_p, rhs_p = eq_pieces
        if not preceded:
            last = stmt[-1]
            if last.error:
                verdicts.append(_unparsable(last))
                prev_eq, prev_eq_ok = None, False
            else:
                verdicts.append(LineVerdict(last.line, f"{lhs_p.text} = {last.text}", "=", "condition"))
                prev_eq, prev_eq_ok = (lhs_p.value, rhs_p.value), lhs_p.error is None
            continue
        text = f"{lhs_p.text} = {rhs_p.text}"
        rel = lhs_p.relation
        if lhs_p.error or rhs_p.error:
            verdicts.append(_unparsable(lhs_p if lhs_p.error else rhs_p, text))
            prev_eq, prev_eq_ok = None, False
            continue
        eq = (lhs_p.value, rhs_p.value)
        if prev_eq is None or not prev_eq_ok:
            verdicts.append(LineVerdict(lhs_p.line, text, rel, "unchecked", detail="the equation before it could not be read"))
        else:
            verdicts.append(_implication_step(prev_eq, eq, lhs_p, text, rel, ctx, diagnose_slips))
        prev_eq, prev_eq_ok = eq, True
    return WorkingReport(verdicts, title)


def _unparsable(p: _Piece, text: str | None = None) -> LineVerdict:
    e = p.error
    return LineVerdict(p.line, text or p.text, p.relation, "unparsable", detail=str(e), column=e.column)


def _unparsable_or(p: _Piece, message: str) -> LineVerdict:
    if p.error:
        return _unparsable(p)
    return LineVerdict(p.line, p.text, p.relation, "unparsable", detail=f"line {p.line}: {message}", column=1)


def _expression_step(prev: _Piece | None, p: _Piece, ctx: _Context, diagnose_slips: bool) -> LineVerdict:
    if p.error:
        return _unparsable(p)
    if prev is None:
        return LineVerdict(p.line, p.text, None, "start")
    if prev.error:
        return LineVerdict(p.line, p.text, p.relation, "unchecked", detail="the line before it could not be read")
    rel = p.relation
    if rel in ("=>", "<=>"):
        return LineVerdict(p.line, p.text, rel, "unparsable", detail=f"line {p.line}: an implication joins equations lhs = rhs", column=1)
    if rel == "=":
        d = ctx.equal(prev.value, p.value)
    else:
        if isinstance(prev.value, sp.MatrixBase) or isinstance(p.value, sp.MatrixBase):
            return LineVerdict(p.line, p.text, rel, "undecided", detail="inequalities between matrices are not checked")
        d = ctx.sign(prev.value, p.value, rel)
    return _verdict(d, p.line, p.text, rel, ctx, prev.value, p.value, diagnose_slips)


def _verdict(d: _Decision, line: int, text: str, rel: str, ctx: _Context, expected: Any, written: Any,
             diagnose_slips: bool) -> LineVerdict:
    if d.status == "holds":
        return LineVerdict(line, text, rel, "holds", route=d.route)
    if d.status == "undecided":
        detail = d.detail or "no symbolic route proved it and the numeric evidence is insufficient"
        return LineVerdict(line, text, rel, "undecided", detail=detail)
    diag = None
    if diagnose_slips and expected is not None:
        diag = _diagnose_step(ctx, expected, written, rel)
    cex = {k: _fmt(v) for k, v in (d.counterexample or {}).items()} or None
    detail = d.detail
    if cex and re.search(r"differ( at .*)?: left", detail or ""):
        detail = ""
    if not detail:
        detail = "this line does not equal the previous line" if rel == "=" else ""
    return LineVerdict(line, text, rel, "breaks", route=d.route, detail=detail, counterexample=cex,
                       values=d.values, diagnosis=diag)


def _diagnose_step(ctx: _Context, expected: Any, written: Any, rel: str) -> Diagnosis | None:
    sizes = {s.name for s in ctx.sizes(expected, written)}
    if rel == "=":
        return diagnose(ctx.expand_definitions(expected), ctx.expand_definitions(written), ctx.quick_equal,
                        make=ctx.table.make, sizes=sizes)
    if rel in ("<=", ">=", "<", ">"):
        flipped = {"<=": ">=", ">=": "<=", "<": ">", ">": "<"}[rel]
        if ctx.sign(expected, written, flipped).status == "holds":
            return Diagnosis("reversed inequality", f"the inequality points the wrong way: the previous line {flipped} this line holds")
    return None


def _implication_step(prev_eq: tuple[Any, Any], eq: tuple[Any, Any], p: _Piece, text: str, rel: str,
                      ctx: _Context, diagnose_slips: bool) -> LineVerdict:
    d, expected, inst = _implies(ctx, prev_eq, eq)
    if d.status != "holds" and ctx.equal(*prev_eq).status == "holds" and ctx.equal(*eq).status != "holds":
        return LineVerdict(p.line, text, rel, "breaks", route="implication",
                           detail="the equation before it holds for every value (it is a step, not a condition), "
                                  "so nothing can be solved from it; to set an expression to zero, end its line "
                                  "with '= 0'")
    if rel == "<=>" and d.status == "holds":
        back, _, _ = _implies(ctx, eq, prev_eq)
        if back.status != "holds":
            back.detail = "the converse fails: " + (back.detail or "the previous equation does not follow from this one")
            d = back
            expected = None
        else:
            d = _Decision("holds", d.route + " and conversely")
    diag = None
    if d.status == "fails" and diagnose_slips and expected is not None:
        found = _diagnose_step(ctx, expected, ctx.concrete(ctx.expand_definitions(eq[1]), inst), "=")
        if found is not None:
            diag = Diagnosis(found.kind, f"against {sp.sstr(eq[0])} = {_short(sp.sstr(expected), 80)}, the solution of the "
                                         f"previous equation: {found.message}")
    v = _verdict(d, p.line, text, rel, ctx, None, None, False)
    if diag is not None:
        v = LineVerdict(v.line, v.text, v.relation, v.status, v.route, v.detail, v.counterexample, v.values, diag, v.column)
    return v
