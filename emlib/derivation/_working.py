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

How a claim reaches the engine (one engine for the author's ``Derivation`` and for the reader; this
module keeps no sampling, sums or domain rules of its own, and tests/test_front_ends_agree.py holds the
two front-ends to the same verdicts):

* sums and products keep their symbolic sizes: an undeclared size (``n`` in ``\\sum_{i=1}^{n}``) ranges
  over the integers from 0 (the engine's ``Integer`` domain, with the declared range when there is one);
* a family ``x_i`` inside a sum is first decided on random sequences ``x_i = a_0 + sum_r a_r cos(b_r i +
  c_r)`` (mapped into the family's declared set: positive, a probability, a simplex by softmax) whose
  parameters the engine draws, by the engine's numeric routes: a refutation is one concrete sequence.
  A claim they support is then proved for every sequence when the engine's symbolic routes prove it
  with each family an undefined function and each distinct sum an undefined function of its free
  symbols; else the route says it is evidence on random sequences. Members written outside a sum
  (``x_1``, ``x_n``, ``x_{n-1}``) are the same sequence at that index;
* declarations become the engine's domains (``_Decl.domain``), definitions are substituted first.

Undecided is never reported as holding. Counterexamples are the engine's point, with a family shown by
its first members.
"""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Sequence

import mpmath
import sympy as sp

from . import _compare
from ._diagnose import Diagnosis, diagnose
from ._domains import SPD, Domain, Integer, Interval, Simplex, default_domain, normalise_domains
from ._evaluate import Evaluator
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
    read_as : str
        How the line was read: the typeset LaTeX of what was checked ("" when it could not be read).
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
    read_as: str = ""

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
            out = [f"{head}  [condition: {self.detail or 'what the next implication starts from'}, not a step]"]
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
            lines = v.lines()
            out.append(lines[0])
            if v.read_as:  # as the command line shows it: after the head, before the evidence
                out.append(f"    read as: {v.read_as}")
            out += lines[1:]
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
                f"<td>{'$' + html.escape(v.read_as) + '$' if v.read_as else ''}</td>"
                f"<td style=\"color:{colours[v.status]};font-weight:bold\">{v.status}</td><td>{cell}</td></tr>"
            )
        caption = html.escape((self.title + ": " if self.title else "") + self.summary_line())
        return ("<table><caption>" + caption + "</caption><thead><tr><th>line</th><th></th><th>written</th>"
                "<th>read as</th><th>verdict</th><th>how / why</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")

    @property
    def exit_code(self) -> int:
        """0 every step holds or is undecided, 1 a step breaks, 2 a line is unparsable (as the command line)."""
        return {"unparsable": 2, "breaks": 1}.get(self.status, 0)


# ----------------------------------------------------------------------------------------------- declarations
_MATRIX_KINDS = ("matrix", "symmetric", "spd", "vector")
#: the largest declared matrix: explicit symbolic inverses grow fast (a 4x4 inverse has 4! terms per entry)
MAX_MATRIX_SIZE = 4
_MATRIX_RE = re.compile(r"^(matrix|symmetric|spd|vector)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$")
_KIND_RE = re.compile(r"^(real|positive|nonnegative|negative|probability|simplex|symbol|integer|interval|function)"
                      r"\s*(?:\(\s*([^,()]+)\s*,\s*([^,()]+)\s*\))?$")


@dataclass
class _Decl:
    kind: str
    low: float | None = None
    high: float | None = None
    shape: tuple[int, int] | None = None  # matrix kinds: (rows, columns)

    @property
    def assumptions(self) -> dict[str, bool]:
        if self.kind in ("positive", "probability", "simplex"):
            return {"positive": True}
        if self.kind == "nonnegative":
            return {"nonnegative": True}
        if self.kind == "negative":
            return {"negative": True}
        if self.kind == "integer":
            low = 1 if self.low is None else self.low  # "n integer" is a size from 1; integer(0, 6) holds 0
            return {"integer": True, "positive": True} if low > 0 else (
                {"integer": True, "nonnegative": True} if low == 0 else {"integer": True})
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
    ``matrix(n)`` / ``matrix(m, n)`` / ``symmetric(n)`` / ``spd(n)`` / ``vector(n)`` (an explicit matrix or column
    of real entries ``A_{12}``, ``x_1``, sizes up to :data:`MAX_MATRIX_SIZE`; ``spd`` draws symmetric
    positive-definite values: then ``A^{-1}``, ``A^T``, ``x^T A x`` and ``\\nabla_x f`` are matrix algebra),
    ``symbol`` (a plain real symbol; declare ``e``, ``\\pi``, ``\\sigma`` or ``T`` this way to use them as
    symbols instead of Euler's number, pi, the logistic function or a transpose).
    """
    out = []
    for part in re.split(r"[;\n]", text or ""):
        part = part.strip()
        if not part:
            continue
        m = re.match(r"^(.*?)\s+((?:real|positive|nonnegative|negative|probability|simplex|symbol|integer|interval|function"
                     r"|matrix|symmetric|spd|vector)\b.*)$", part)
        if not m:
            raise ValueError(f"cannot read the declaration {part!r}: write names then a kind, e.g. 'x, y positive'")
        if m.group(2).startswith(_MATRIX_KINDS):
            out += _matrix_declarations(m.group(1), m.group(2).strip(), part)
            continue
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


def _matrix_declarations(names: str, kind_text: str, part: str) -> list[tuple[str, bool, _Decl]]:
    """``A, S matrix(3)``, ``B matrix(2, 3)``, ``\\Sigma spd(2)``, ``S symmetric(3)``, ``x vector(3)``."""
    km = _MATRIX_RE.match(kind_text)
    if not km:
        raise ValueError(f"cannot read {kind_text!r} in {part!r}: write matrix(n), matrix(m, n), symmetric(n), "
                         "spd(n) or vector(n)")
    kind, rows = km.group(1), int(km.group(2))
    cols = 1 if kind == "vector" else int(km.group(3) or rows)
    if km.group(3) and kind != "matrix":
        raise ValueError(f"{kind}(n) takes one size, got {kind_text!r} in {part!r}")
    if not (1 <= rows <= MAX_MATRIX_SIZE and 1 <= cols <= MAX_MATRIX_SIZE):
        raise ValueError(f"{kind_text!r} in {part!r}: sizes from 1 to {MAX_MATRIX_SIZE} are read (the matrix is an "
                         "explicit matrix of symbols)")
    out = []
    for token in re.split(r",(?![^{}]*\})", names):
        if token.strip():
            name, family = _name_of(token)
            if family or "_" in name or "'" in name:
                raise ValueError(f"{token.strip()!r} in {part!r}: a matrix or vector is declared by a plain name "
                                 "(A, x, \\Sigma); its entries are then A_{12}, x_1")
            out.append((name, False, _Decl(kind, shape=(rows, cols))))
    return out


# ----------------------------------------------------------------------------------------------- engine calls
@dataclass
class _Decision:
    status: str  # holds / fails / undecided
    route: str = ""
    detail: str = ""
    counterexample: dict[str, Any] | None = None
    values: tuple[str, str] | None = None
    point: dict | None = None  # the engine's own point (for showing values), keyed by symbol


def _exact(value: Any) -> sp.Basic:
    try:
        return sp.Rational(str(value))
    except (TypeError, ValueError):
        return sp.sympify(value)


def _fmt(value: Any) -> str:
    try:
        if isinstance(value, str):
            return value
        if isinstance(value, Fraction):
            value = sp.Rational(value.numerator, value.denominator)
        if isinstance(value, int) or (isinstance(value, sp.Basic) and value.is_Integer):
            return str(int(value))  # sizes and integer points read as integers
        v = sp.N(value, 15)
        if v.is_real:
            return mpmath.nstr(mpmath.mpf(str(v)), 6)
        return str(sp.N(value, 6))
    except Exception:
        return str(value)


#: Prefix of the parameters of the random sequences that stand for a family x_i (never a reader's name).
_PARAM = "_seq_"
#: Cosine terms in a family's random sequence: a0 + sum_r a_r cos(b_r i + c_r).
_TERMS = 3
#: Members of a family listed when a counterexample is shown.
_SHOWN_MEMBERS = 4


@dataclass
class _Form:
    """A claim as the engine receives it: expressions, their domains, and how families were modelled."""

    exprs: list[Any]
    domains: list[Domain]
    families: dict[str, tuple[Any, tuple[sp.Symbol, ...]]]  # name -> (member(index) callable, params)
    sizes: list[sp.Symbol]
    note: str = ""
    unmodelled: tuple[str, ...] = ()


def _free(expr: Any) -> set[sp.Symbol]:
    return set(getattr(expr, "free_symbols", set()))


def _size_symbols(exprs: Sequence[Any]) -> list[sp.Symbol]:
    """Symbols in the limits of sums and products (the sizes, ``n`` in ``\\sum_{i=1}^{n}``)."""
    out: set[sp.Symbol] = set()
    for e in exprs:
        if not hasattr(e, "atoms"):
            continue
        for node in e.atoms(sp.Sum, sp.Product):
            for lim in node.limits:
                for bound in lim[1:]:
                    out |= {s for s in sp.sympify(bound).free_symbols if s not in node.variables}
    return sorted(out, key=lambda s: s.name)


_PARAM_TEXT = (
    re.compile(_PARAM + r"\w+\s*=\s*[^,();]+(?:,\s*)?"),  # a point's coordinates
    re.compile(r"(?:" + _PARAM + r"\w+,\s*)*" + _PARAM + r"\w+ in \[-2, 2\](?:;\s*)?"),  # their domain
    re.compile(r"(?:,\s*)?" + _PARAM + r"\w+"),  # any other mention
)


def _scrub(text: str) -> str:
    """The engine's text without the random sequences' parameters (the reader sees the members instead)."""
    for pattern in _PARAM_TEXT:
        text = pattern.sub("", text)
    text = re.sub(r";\s*([,;)])", r"\1", text)
    return re.sub(r"(of|at|\()\s*[;,]\s*", r"\1 ", text)


class _Context:
    """Everything one chain shares: symbols, declarations, domains, definitions, seed.

    Every verdict comes from the engine (``_compare.compare`` / ``_compare.check_sign``) on the claim as
    written: sums keep their symbolic sizes (the engine draws the sizes from an ``Integer`` domain), and
    a family ``x_i`` inside a sum becomes a random sequence ``x_i = f(i)`` whose parameters the engine
    draws (so a refutation is a concrete sequence, and agreement is evidence over many sequences).
    """

    def __init__(self, declare: str | Iterable[str], domain: Any, define: Any, seed: int) -> None:
        self.seed = int(seed)
        self.table = SymbolTable()
        self.decls: dict[str, _Decl] = {}
        self.family_decls: dict[str, _Decl] = {}
        text = declare if isinstance(declare, str) else "; ".join(declare or ())
        spd = []
        for name, family, decl in parse_declarations(text):
            if decl.kind == "function":  # f(x) is then applied, not a product (see _latex)
                self.table.functions.add(name)
                continue
            if decl.shape is not None:  # a matrix: an explicit matrix of real entries for the engine
                self.table.matrices[name] = (*decl.shape, decl.kind)
                if decl.kind == "spd":
                    spd.append(name)
                continue
            if family:
                self.family_decls[name] = decl
                self.table.families[name] = decl.assumptions
            else:
                self.decls[name] = decl
                self.table.assumptions[name] = decl.assumptions
                if name == "sigma":
                    self.table.functions_as_symbols.add("sigma")
        self.domains = normalise_domains(domain) + [SPD(self.table.explicit(name)) for name in spd]
        for d in self.domains:
            for s in d.symbols:
                self.table._cache.setdefault(s.name, s)
        self.definitions: list[tuple[sp.Symbol, Any]] = []
        for name, value in (define.items() if isinstance(define, dict) else (define or ())):
            sym = self.table.make(name) if isinstance(name, str) else name
            if isinstance(value, str):
                value = parse_line(value, self.table, line=0)
            self.definitions.append((sym, sp.sympify(value)))
            self.table.definitions[sym.name] = self.definitions[-1][1]  # derivatives see through it (_latex)

    def parse(self, text: str, **where: Any) -> Any:
        """``parse_line`` with this context's table, a line read once (``where``: line and column for errors)."""
        parsed = self.__dict__.setdefault("_parsed", {})
        if text not in parsed:
            if len(parsed) >= _MEMO_SIZE:
                parsed.pop(next(iter(parsed)))
            parsed[text] = parse_line(text, self.table, **where)  # an error is raised, never remembered
        return parsed[text]

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
        return _size_symbols([self.expand_definitions(e) for e in exprs])

    def _decl_of(self, sym: sp.Symbol) -> _Decl | None:
        decl = self.decls.get(sym.name)
        if decl is None and "_" in sym.name:
            decl = self.family_decls.get(sym.name.split("_", 1)[0])
        return decl

    def _declared_domains(self, symbols: set[sp.Symbol]) -> list[Domain]:
        """The reader's declarations as engine domains (symbols without one get the engine's default)."""
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
        for syms in groups.values():
            dom = self._decl_of(syms[0]).domain(syms)
            if dom is not None:
                out.append(dom)
        return out

    def _family_model(self, name: str, exprs: Sequence[Any], arity: int) -> tuple[Any, tuple[sp.Symbol, ...]] | None:
        """``x_i`` as a random sequence with values in the family's declared set (None: cannot model)."""
        decl = self.family_decls.get(name)
        kind = decl.kind if decl is not None else "real"
        if kind == "integer":
            return None  # an integer-valued family has no smooth random model
        params = []
        for r in range(_TERMS + 1):
            params.append(sp.Symbol(f"{_PARAM}{name}_a{r}", real=True))
        for r in range(1, _TERMS + 1):
            params += [sp.Symbol(f"{_PARAM}{name}_b{r}_{t}", real=True) for t in range(arity)]
            params.append(sp.Symbol(f"{_PARAM}{name}_c{r}", real=True))

        def raw(*idx: Any) -> Any:
            out = params[0]
            k = _TERMS + 1
            for r in range(1, _TERMS + 1):
                phase = sum((params[k + t] * idx[t] for t in range(arity)), sp.Integer(0)) + params[k + arity]
                out += params[r] * sp.cos(phase)
                k += arity + 1
            return out

        if kind in ("real", "symbol"):
            member = raw
        elif kind in ("positive", "nonnegative"):
            def member(*idx: Any) -> Any:
                return sp.exp(raw(*idx))
        elif kind == "negative":
            def member(*idx: Any) -> Any:
                return -sp.exp(raw(*idx))
        elif kind == "probability":
            def member(*idx: Any) -> Any:
                return 1 / (1 + sp.exp(-raw(*idx)))
        elif kind == "interval":
            lo, hi = sp.nsimplify(decl.low), sp.nsimplify(decl.high)

            def member(*idx: Any) -> Any:
                return lo + (hi - lo) / (1 + sp.exp(-raw(*idx)))
        elif kind == "simplex":
            # softmax over the range the sums run over; it must be one range for the whole claim
            ranges = {(lim[1], lim[2]) for e in exprs if hasattr(e, "atoms") for node in e.atoms(sp.Sum)
                      if any(str(ix.base.label) == name for ix in node.function.atoms(sp.Indexed))
                      for lim in node.limits[:1]}
            if len(ranges) != 1 or arity != 1:
                return None
            (lo, hi), = ranges
            j = sp.Dummy("j", integer=True)

            def member(*idx: Any) -> Any:
                return sp.exp(raw(*idx)) / sp.Sum(sp.exp(raw(j)), (j, lo, hi))
        else:
            return None
        return member, tuple(params)

    def engine_form(self, *exprs: Any, opaque: bool = False) -> _Form:
        """The claim as the engine receives it (definitions substituted, families modelled, sizes declared).

        ``opaque``: a family ``x_i`` becomes an undefined function ``x(i)`` instead of random sequences,
        so that a symbolic proof holds for every sequence (the engine cannot evaluate it numerically).
        """
        exprs = [self.table.to_explicit(self.expand_definitions(e)) for e in exprs]
        exprs = [e if isinstance(e, sp.MatrixBase) else sp.sympify(e) for e in exprs]
        arity: dict[str, int] = {}
        for e in exprs:
            if hasattr(e, "atoms"):
                for node in e.atoms(sp.Indexed):
                    arity.setdefault(str(node.base.label), len(node.indices))
        families: dict[str, tuple[Any, tuple[sp.Symbol, ...]]] = {}
        mapping: dict[Any, Any] = {}
        index_symbols: set[sp.Symbol] = set()
        unmodelled = []
        free = set().union(*[_free(e) for e in exprs]) if exprs else set()
        by_name = {s.name: s for s in free}
        sizes = _size_symbols(exprs)
        for name in sorted(arity):
            model = (sp.Function(name), ()) if opaque else self._family_model(name, exprs, arity[name])
            if model is None:
                unmodelled.append(name)
                continue
            families[name] = model
            member = model[0]
            for e in exprs:
                for node in (e.atoms(sp.Indexed) if hasattr(e, "atoms") else ()):
                    if str(node.base.label) == name:
                        mapping[node] = member(*node.indices)
            for s in free:  # members written outside sums: x_1, x_n, x_{n-1}, x_i
                if not s.name.startswith(name + "_") or arity[name] != 1:
                    continue
                sub = s.name[len(name) + 1:].strip("{}")
                if not re.fullmatch(r"[A-Za-z0-9+\-]+", sub):
                    continue
                local = {}
                for tok in set(re.findall(r"[A-Za-z]+", sub)):
                    sym = by_name.get(tok)
                    if sym is None:
                        sym = self.table.index(tok)
                        index_symbols.add(sym)
                    local[tok] = sym
                try:
                    index = sp.sympify(sub, locals=local)
                except (sp.SympifyError, SyntaxError, TypeError):
                    continue
                mapping[s] = member(index)
        if mapping:
            exprs = [e.xreplace(mapping) for e in exprs]
        free = set().union(*[_free(e) for e in exprs]) if exprs else set()
        params = [p for _, ps in families.values() for p in ps]
        domains = self._declared_domains(free - set(params))
        covered = {s for d in domains for s in d.symbols}
        for name, (_, ps) in families.items():
            if ps:
                domains.append(Interval(*ps, low=-2, high=2))
        loose_sizes = [s for s in sorted(set(sizes) | index_symbols, key=lambda s: s.name)
                       if s in free and s not in covered and not s.is_integer and s.is_positive is not False]
        # an undeclared size ranges over the integers from 0 (from 1 if declared positive; a free index too)
        for low in (0, 1):
            group = [s for s in loose_sizes if s not in index_symbols and bool(s.is_positive) == bool(low)]
            if group:
                domains.append(Integer(*group, low=low))
        extra = [s for s in sorted(index_symbols, key=lambda s: s.name) if s in free and s not in covered]
        if extra:
            domains.append(Integer(*extra, low=1))
        note = ""
        if families:
            names = ", ".join(f"{n}_i" for n in families)
            note = f"; {names} taken as random sequences (evidence, not a proof for every sequence)" if not opaque else ""
        return _Form(exprs, domains, families, sizes, note, tuple(unmodelled))

    # -- showing a point of the engine's to the reader
    def _shown_point(self, form: _Form, point: dict) -> dict[str, str]:
        """The engine's point in the reader's terms: ordinary symbols, sizes, and a few family members."""
        out: dict[str, str] = {}
        values = {}
        for s, v in point.items():
            values[s] = sp.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else sp.sympify(v)
            if not s.name.startswith(_PARAM):
                out[s.name] = _fmt(values[s])
        for name, (member, params) in form.families.items():
            if not all(p in values for p in params):
                continue
            sizes = [int(values[s]) for s in form.sizes if s in values and values[s].is_integer]
            count = max(1, min(max(sizes, default=_SHOWN_MEMBERS), _SHOWN_MEMBERS))
            for k in range(1, count + 1):
                try:
                    out[f"{name}_{k}"] = _fmt(member(sp.Integer(k)).xreplace(values).doit())
                except Exception:
                    break
        return dict(sorted(out.items()))

    def _values_at(self, form: _Form, exprs: Sequence[Any], point: dict) -> tuple[str, str] | None:
        """Both sides at the engine's point (shown, never used to decide)."""
        if any(isinstance(e, sp.MatrixBase) for e in exprs):
            return None
        shown = []
        for e in exprs:
            symbols = sorted(_free(e), key=lambda s: s.name)
            if not all(s in point for s in symbols):
                return None
            exact = _exact_value(e, {s: point[s] for s in symbols})
            if exact is not None:  # a rational value at a rational point: no rounding residue such as 3.9e-31
                shown.append(mpmath.nstr(mpmath.mpf(int(exact.p)) / int(exact.q), 8))
                continue
            v = Evaluator(e, symbols)({s: point[s] for s in symbols}, 30)
            shown.append(mpmath.nstr(v.value, 8) if v.kind != "undefined" else "undefined")
        return tuple(shown)  # type: ignore[return-value]

    # -- engine calls
    def _decision(self, outcome: _compare.Outcome, form: _Form) -> _Decision:
        direct = outcome.route.endswith(": direct")  # the two sides are the same expression: no model involved
        route = _scrub(outcome.route) + (form.note if outcome.status == "holds" and form.note and not direct else "")
        detail = _scrub(outcome.detail or "")
        if outcome.status == "undecided" and form.unmodelled:
            detail = (detail + "; " if detail else "") + "integer-valued families (" + ", ".join(
                f"{n}_i" for n in form.unmodelled) + ") inside sums are not evaluated"
        d = _Decision(outcome.status, route, detail, point=outcome.counterexample)
        if outcome.counterexample:
            d.counterexample = self._shown_point(form, outcome.counterexample)
            d.values = self._values_at(form, form.exprs[:2], outcome.counterexample) or (
                tuple(outcome.values) if outcome.values else None)
        return d

    def _memo(self, key: tuple, compute: Any) -> _Decision:
        """``compute()``, remembered for this context (the engine is seeded, so the same claim gets the
        same decision): a reader re-running a growing working, the target comparison and the diagnoses
        ask many claims again. A copy is returned, since callers amend a decision's text."""
        try:
            hash(key)
        except TypeError:  # explicit matrices are mutable: not remembered
            return compute()
        memo = self.__dict__.setdefault("_decisions", {})
        if key not in memo:
            if len(memo) >= _MEMO_SIZE:
                memo.pop(next(iter(memo)))
            memo[key] = compute()
        return dataclasses.replace(memo[key])

    def _compare(self, lhs: Any, rhs: Any, *, quick: bool = False) -> _Decision:
        return self._memo(("=", lhs, rhs, quick), lambda: self._compare_uncached(lhs, rhs, quick=quick))

    def _compare_uncached(self, lhs: Any, rhs: Any, *, quick: bool = False) -> _Decision:
        form = self.engine_form(lhs, rhs)
        kw: dict[str, Any] = {"points": 4, "symbolic": False} if quick else {}
        if form.families and not quick:
            # families: the engine's numeric evidence on random sequences decides (its symbolic routes
            # would only prove the claim for the model, at great cost); see _general_proof for proofs
            kw = {"symbolic": False}
        try:
            outcome = _compare.compare(form.exprs[0], form.exprs[1], form.domains, seed=self.seed, **kw)
        except ValueError as exc:
            if "shape" in str(exc) or "matrix and the other a scalar" in str(exc):
                return _Decision("fails", "shape", str(exc))
            return _Decision("undecided", "", f"the checker refused this step: {exc}")
        except Exception as exc:  # an expression the engine cannot handle
            return _Decision("undecided", "", f"the checker could not evaluate this step ({type(exc).__name__}: {exc})")
        d = self._decision(outcome, form)
        if d.status == "holds" and form.families and not quick:
            d = self._general_proof(lhs, rhs) or d
        if d.status == "fails" and not outcome.counterexample and not quick and not isinstance(form.exprs[0], sp.MatrixBase):
            # refuted exactly (no point given): ask the engine for a point where the two sides differ
            diff = sp.sympify(form.exprs[0] - form.exprs[1])
            both = sorted(diff.free_symbols, key=lambda x: x.name)
            weight = 1 + sum(x ** 2 for x in both)  # positive, and mentions every symbol so each gets a value
            try:
                probe = _compare.check_sign(-(diff ** 2) * weight, form.domains, strict=False, seed=self.seed)
            except Exception:
                probe = None
            if probe is not None and probe.status == "fails" and probe.counterexample:
                d.counterexample = self._shown_point(form, probe.counterexample)
                d.values = self._values_at(form, form.exprs[:2], probe.counterexample)
        return d

    def _general_proof(self, lhs: Any, rhs: Any) -> _Decision | None:
        """A symbolic proof by the engine that holds for every sequence: each family becomes an undefined
        function ``x(i)`` and each distinct sum an undefined function of its free symbols (a sum of a
        polynomial in its index is summed first). Asked only of claims the random sequences already
        support: the engine's symbolic routes are the costly part, and a false claim never needs them."""
        general = self.engine_form(_linear_sums(lhs), _linear_sums(rhs), opaque=True)
        if any(isinstance(e, sp.MatrixBase) for e in general.exprs):
            return None
        atoms: dict[Any, Any] = {}

        def abstract(node: Any) -> Any:
            var = node.variables
            if len(var) == 1 and node.function.is_polynomial(var[0]) and not node.function.atoms(sp.Function):
                try:
                    return node.doit()
                except Exception:
                    pass
            canon = node.xreplace({v: sp.Symbol(f"_k{k}", integer=True) for k, v in enumerate(var)})
            if canon not in atoms:
                args = sorted(node.free_symbols, key=lambda x: x.name)
                atoms[canon] = sp.Function(f"_{type(node).__name__.lower()}{len(atoms)}")(*args)
            return atoms[canon]

        try:
            left, right = (e.replace(lambda x: isinstance(x, (sp.Sum, sp.Product)), abstract) for e in general.exprs)
            outcome = _compare.compare(left, right, general.domains, seed=self.seed, points=0)
        except Exception:
            return None
        if outcome.status == "holds" and outcome.route.startswith("symbolic"):
            names = ", ".join(f"{n}_i" for n in general.families)
            return _Decision("holds", f"{outcome.route} (for every sequence {names})")
        return None

    def _sign(self, expr: Any, strict: bool, form: _Form | None = None) -> _Decision:
        """``expr > 0`` (``>= 0``); ``form``: the engine form ``expr`` was built from (its domains apply)."""
        if form is None:
            form = self.engine_form(expr)
            expr = form.exprs[0]
        try:
            outcome = _compare.check_sign(expr, form.domains, strict=strict, seed=self.seed)
        except ValueError as exc:
            return _Decision("undecided", "", f"the checker refused this step: {exc}")
        except Exception as exc:
            return _Decision("undecided", "", f"the checker could not evaluate this step ({type(exc).__name__}: {exc})")
        return self._decision(outcome, form)

    def equal(self, prev: Any, cur: Any) -> _Decision:
        return self._compare(prev, cur)

    def quick_equal(self, a: Any, b: Any) -> bool:
        """For diagnoses: True only when the engine (with fewer random points) finds ``a == b``."""
        return self._compare(a, b, quick=True).status == "holds"

    def sign(self, prev: Any, cur: Any, relation: str) -> _Decision:
        return self._memo((relation, prev, cur), lambda: self._sign_uncached(prev, cur, relation))

    def _sign_uncached(self, prev: Any, cur: Any, relation: str) -> _Decision:
        form = self.engine_form(prev, cur)
        a, b = form.exprs
        if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
            return _Decision("undecided", "", "inequalities between matrices are not checked")
        d = self._sign(b - a if relation in ("<=", "<") else a - b, relation in ("<", ">"), form)
        if d.status == "fails":
            d.detail = f"the previous line {relation} this line fails"
            d.values = self._values_at(form, [a, b], d.point) if d.point else None
        return d


# ----------------------------------------------------------------------------------------------- implications
_SOLVE_DEGREE = 4


def _implies(ctx: _Context, eq1: tuple[Any, Any], eq2: tuple[Any, Any]) -> tuple[_Decision, Any]:
    """Does ``eq1`` (lhs = rhs) imply ``eq2``?

    Sound routes only, each decided by the engine on the equations as written (sums keep their sizes):

    1. ``eq2`` holds identically;
    2. ``f2 = r * f1`` (``f = lhs - rhs``) with ``r`` a quotient whose denominator is nonzero by the
       declared assumptions: wherever ``f1 = 0``, ``f2 = 0``;
    3. ``f1`` (or, when both sides are positive, ``log lhs - log rhs``) has a numerator that is a
       polynomial of degree <= 4 in one unknown ``s``: sympy's solve then finds every solution, and
       each must satisfy ``eq2`` (engine compare). A solution that does not gives a counterexample: a
       point where the engine certifies that ``eq2`` fails and the solution lies in the domain of ``s``.

    Anything else is undecided. Also returns the single solution of ``eq1`` for the unknown on the left
    of ``eq2`` when there is one (the diagnoses compare the reader's right-hand side with it).
    """
    a1, b1 = (_linear_sums(ctx.expand_definitions(x)) for x in eq1)
    a2, b2 = (_linear_sums(ctx.expand_definitions(x)) for x in eq2)
    f1, f2 = sp.sympify(a1 - b1), sp.sympify(a2 - b2)
    same = ctx._compare(a2, b2)
    if same.status == "holds":
        return _Decision("holds", f"implication: the new equation holds identically ({same.route})"), None
    # route 2: a multiple
    if f1 != 0 and sp.count_ops(f1) + sp.count_ops(f2) < 400:
        try:
            ratio = sp.cancel(sp.together(f2 / f1))
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
                    found = _counterexample(ctx, (a1, b1, a2, b2), core, s, root)
                    if found is not None:
                        point, values = found
                        return _Decision(
                            "fails", "implication",
                            f"the previous equation holds at the point below (with {s} = {_short(sp.sstr(root), 80)}) but this one does not",
                            point, values), expected
                return _Decision("undecided", "", f"cannot decide whether {s} = {sp.sstr(root)} satisfies this equation"), expected
            route = routes[0] if routes else ""
            return _Decision("holds", f"implication: every solution of the previous equation for {s} "
                                      f"({len(roots)}) satisfies this one ({route})"), expected
    return _Decision("undecided", "", "no sound route shows that this equation follows from the previous one "
                                      "(it is not a multiple of it, and the previous one cannot be solved "
                                      "completely for one unknown)"), None


def _linear_sums(expr: Any) -> Any:
    """Sums split over the terms of their summand, with the factors that do not depend on the sum's
    indices taken out (linearity, an identity: an equation keeps its solutions), so that an unknown such
    as ``v`` in ``\\sum_n r_n (v - x_n) = 0`` can be solved for."""
    if isinstance(expr, sp.MatrixBase) or not isinstance(expr, sp.Basic) or not expr.has(sp.Sum):
        return expr

    def split(node: sp.Sum) -> Any:
        bound = set(node.variables)
        total = sp.Integer(0)
        for term in sp.Add.make_args(sp.expand(node.function)):
            inside, outside = [], []
            for f in sp.Mul.make_args(term):
                (inside if f.free_symbols & bound else outside).append(f)
            total += sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), *node.limits)
        return total

    try:
        return expr.replace(lambda e: isinstance(e, sp.Sum), split)
    except Exception:  # linearity is a convenience for solving; the claim itself is unchanged
        return expr


def _counterexample(ctx: _Context, sides: tuple[Any, Any, Any, Any], core: Any, s: sp.Symbol,
                    root: Any) -> tuple[dict[str, str], tuple[str, str]] | None:
    """A point where ``s = root`` solves the previous equation, lies in the domain of ``s``, and the new
    equation fails (the engine certifies the failure), with both equations' values there; else None."""
    a1, b1, a2, b2 = sides
    form = ctx.engine_form(a1, b1, a2, b2, root, sp.fraction(sp.together(core))[1], s)
    e_a1, e_b1, e_a2, e_b2, e_root, e_den, e_s = form.exprs
    g = sp.sympify(e_a2 - e_b2).xreplace({e_s: e_root}) if isinstance(e_s, sp.Symbol) else None
    if g is None:
        return None
    others = sorted(g.free_symbols | e_root.free_symbols, key=lambda x: x.name)
    # The point must also put the solution inside the domain of s with a nonzero denominator: asked of the
    # engine as one claim (a 0/1 factor), so that whatever point it reports, simplified or not, has both.
    inside = _membership_condition(form.domains, e_s, e_root, sp.sympify(e_den).xreplace({e_s: e_root}))
    gate = sp.Piecewise((1, inside), (0, True)) if inside is not None else sp.Integer(1)
    try:
        probe = _compare.check_sign(-(g ** 2) * (1 + sum(x ** 2 for x in others)) * gate, form.domains,
                                    strict=False, seed=ctx.seed)
    except Exception:
        return None
    if probe.status != "fails" or probe.counterexample is None:
        return None
    point = dict(probe.counterexample)
    for x in others:
        point.setdefault(x, 0)
    symbols = sorted(e_root.free_symbols, key=lambda x: x.name)
    value = Evaluator(e_root, symbols)({x: point[x] for x in symbols}, 30)
    if value.kind != "real" or not _member(form.domains, e_s, value.value):
        return None
    # a rational solution at a rational point is used exactly (the previous line is then exactly 0)
    exact = _exact_value(e_root, {x: point[x] for x in symbols})
    point[e_s] = (Fraction(int(exact.p), int(exact.q)) if exact is not None
                  else Fraction(str(mpmath.nstr(value.value, 25))))
    den = sp.sympify(e_den).xreplace({e_s: e_root})
    dsyms = sorted(den.free_symbols, key=lambda x: x.name)
    dv = Evaluator(den, dsyms)({x: point[x] for x in dsyms if x in point}, 30) if all(x in point for x in dsyms) else None
    if dv is None or dv.kind != "real" or dv.value == 0:
        return None
    shown = ctx._shown_point(form, point)
    shown[s.name] = _fmt(value.value)
    left = ctx._values_at(form, [e_a1, e_b1], point)
    right = ctx._values_at(form, [e_a2, e_b2], point)
    values = (f"{left[0]} = {left[1]}", f"{right[0]} vs {right[1]}") if left and right else None
    return dict(sorted(shown.items())), values


def _exact_value(expr: Any, point: dict) -> sp.Rational | None:
    """``expr`` at a rational ``point`` when it is a small rational function there (else None)."""
    if not isinstance(expr, sp.Basic) or sp.count_ops(expr) > 200 or expr.has(sp.Sum, sp.Product, sp.Integral):
        return None
    if not all(isinstance(v, (int, Fraction)) for v in point.values()):
        return None
    value = _compare._exact_value_at(expr, point, list(point))
    return value if value is not None and value.is_Rational else None


def _membership_condition(domains: Sequence[Domain], s: sp.Symbol, root: Any, den: Any) -> sp.Basic | None:
    """The condition (a sympy relation) that ``root`` lies in the domain of ``s`` (as :func:`_member`
    decides it) and ``den`` is nonzero; None where the domain has no such description (integers, matrices)."""
    owner = next((d for d in domains if s in d.symbols), None) or default_domain(s)
    conds = [sp.Ne(den, 0)]
    if isinstance(owner, Simplex):
        conds += [root > 0, root < 1]
    elif isinstance(owner, Interval):
        low, high = owner.low, owner.high
        strict_low = getattr(owner, "open_low", False) or bool(owner.assumptions.get("positive"))
        strict_high = getattr(owner, "open_high", False) or bool(owner.assumptions.get("negative"))
        if low is not None:
            conds.append(root > sp.Rational(low) if strict_low else root >= sp.Rational(low))
        elif strict_low:
            conds.append(root > 0)
        if high is not None:
            conds.append(root < sp.Rational(high) if strict_high else root <= sp.Rational(high))
        elif strict_high:
            conds.append(root < 0)
    else:
        return None
    return sp.And(*conds)


def _member(domains: Sequence[Domain], s: sp.Symbol, value: Any, unknown: bool = False) -> bool:
    """Whether ``value`` of the solved-for symbol lies in the engine's domain for it (its declared
    domain, else the default from its assumptions). Other kinds of domain answer ``unknown``."""
    owner = next((d for d in domains if s in d.symbols), None) or default_domain(s)
    v = mpmath.mpf(str(value))
    if isinstance(owner, Simplex):
        return 0 < v < 1
    if isinstance(owner, (Interval, Integer)):
        if isinstance(owner, Integer) and v != mpmath.nint(v):
            return False
        low, high = owner.low, owner.high
        if low is not None and (v < mpmath.mpf(low.numerator) / low.denominator if isinstance(low, Fraction) else v < low):
            return False
        if high is not None and (v > mpmath.mpf(high.numerator) / high.denominator if isinstance(high, Fraction) else v > high):
            return False
        if owner.assumptions.get("positive") and not v > 0:
            return False
        if owner.assumptions.get("negative") and not v < 0:
            return False
        return True
    return unknown


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
        # sums and products in the coefficients stand for numbers: solve with placeholders (sympy's solve
        # trips over sums), then put them back
        holders = {node: sp.Dummy(f"c{k}") for k, node in enumerate(sorted(num.atoms(sp.Sum, sp.Product), key=sp.srepr))}
        back = {d: node for node, d in holders.items()}
        plain = num.xreplace(holders)
        try:
            roots = sp.solve(plain, s, dict=False)
        except Exception:
            found = sp.roots(sp.Poly(plain, s))
            if sum(found.values()) != poly.degree():
                return None
            roots = list(found)
        roots = [r.xreplace(back) for r in roots]
    except Exception:
        return None
    out = []
    for r in roots:
        if not r.free_symbols and r.is_real and not _member(ctx._declared_domains({s}), s, sp.N(r, 30), True):
            continue  # a number outside the unknown's domain is no solution there
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
            if m and m.group(0) == "=" and text[:i].rstrip().endswith(":"):
                m = None  # x := y is a definition, not a step: the reader refuses it with how to write it
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
                    piece.value = ctx.parse(text.strip(), line=number, column_offset=offset + lead, full_text=item)
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
    ctx = _context(declare, domain, define, seed)
    pieces = _pieces(lines, ctx, line_numbers)
    report = _check_pieces(pieces, ctx, diagnose_slips, title)
    report.verdicts = _with_readings(report.verdicts, pieces, ctx)
    return report


def _with_readings(verdicts: list[LineVerdict], pieces: list[_Piece], ctx: _Context) -> list[LineVerdict]:
    """Each verdict with the typeset LaTeX of how its line was read (an equation: both sides)."""
    from ._latex import typeset

    def shown(value: Any) -> str:
        try:
            return typeset(value, ctx.table)
        except Exception:  # pragma: no cover - typesetting is only shown, never decides
            return ""

    readings: dict[tuple[int, str], str] = {}
    for k, p in enumerate(pieces):
        if p.error is not None or p.value is None:
            continue
        readings.setdefault((p.line, p.text), shown(p.value))
        if k and pieces[k - 1].error is None and pieces[k - 1].value is not None:
            eq = f"{shown(pieces[k - 1].value)} = {readings[(p.line, p.text)]}"
            text = f"{pieces[k - 1].text} = {p.text}"
            readings.setdefault((p.line, text), eq)
            readings.setdefault((pieces[k - 1].line, text), eq)
    out = []
    for v in verdicts:
        found = readings.get((v.line, v.text), "") if v.status not in ("unparsable", "unchecked") else ""
        out.append(dataclasses.replace(v, read_as=found) if found else v)
    return out


_MEMO_SIZE = 2048  # decisions (and parsed lines) one context remembers
_CONTEXTS: dict[tuple, _Context] = {}  # the last few contexts, by their declarations


def _context(declare: Any, domain: Any, define: Any, seed: int) -> _Context:
    """The context for these declarations, reused while they are the same (an exercise checked again
    reads its start once and decides a step it decided before at once). Explicit domains are never
    shared: they hold sympy objects whose identity matters."""
    try:
        key = ("; ".join(declare) if not isinstance(declare, str) else declare,
               tuple((sp.srepr(n) if not isinstance(n, str) else n, sp.srepr(v) if not isinstance(v, str) else v)
                     for n, v in (define.items() if isinstance(define, dict) else (define or ()))),
               int(seed))
        hash(key)
    except Exception:
        key = None
    if key is None or normalise_domains(domain):
        return _Context(declare, domain, define, seed)
    if key not in _CONTEXTS:
        if len(_CONTEXTS) >= 16:
            _CONTEXTS.pop(next(iter(_CONTEXTS)))
        _CONTEXTS[key] = _Context(declare, domain, define, seed)
    return _CONTEXTS[key]


_DERIVATIVE_START = re.compile(r"^\s*(\\frac\s*\{\s*(\\partial|d)\b|\\partial|\\nabla|\\frac\s*\{\s*d)")


def _sets_a_derivative_to_zero(stmt: list[_Piece]) -> bool:
    """A chain that starts from a derivative and ends in ``= 0``, with at least one step between."""
    return (len(stmt) >= 3 and stmt[-1].relation == "=" and stmt[-1].text.strip() == "0"
            and bool(_DERIVATIVE_START.match(stmt[0].text)))


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
        elif _sets_a_derivative_to_zero(stmt):
            # "d/dx f = ... = 0" without an implication: the derivative is being set to zero (a stationarity
            # condition to solve), not claimed to vanish identically; the steps before it are still checked.
            chain, last = stmt[:-1], stmt[-1]
            for k, p in enumerate(chain):
                verdicts.append(_guarded(lambda: _expression_step(chain[k - 1] if k else None, p, ctx, diagnose_slips), p))
            verdicts.append(LineVerdict(last.line, last.text, "=", "condition",
                                        detail="the derivative is set to zero (a stationarity condition)"))
            continue
        # expression steps
        for k, p in enumerate(chain):
            verdicts.append(_guarded(lambda: _expression_step(chain[k - 1] if k else None, p, ctx, diagnose_slips), p))
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
            verdicts.append(_guarded(lambda: _implication_step(prev_eq, eq, lhs_p, text, rel, ctx, diagnose_slips),
                                     dataclasses.replace(lhs_p, relation=rel), text))
        prev_eq, prev_eq_ok = eq, True
    return WorkingReport(verdicts, title)


def _guarded(step: Any, p: _Piece, text: str | None = None) -> LineVerdict:
    """``step()``, or an undecided verdict naming the failure when the engine raises on this step: one step
    the checker cannot handle never stops the other steps (nor a file's other chains)."""
    try:
        return step()
    except RecursionError:
        detail = "the checker failed on this step (the expression nests too deeply): not decided"
    except Exception as exc:  # noqa: BLE001  (any engine failure is this step's verdict, never a traceback)
        detail = f"the checker failed on this step ({type(exc).__name__}: {_short(str(exc), 160)}): not decided"
    return LineVerdict(p.line, text or p.text, p.relation, "undecided", detail=detail)


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
        if rel in ("<", ">") and ctx.sign(expected, written, rel + "=").status == "holds":
            shown = {"<": "\\le", ">": "\\ge"}[rel]
            return Diagnosis("strict inequality", f"the step holds with {shown} but not strictly: the two lines "
                                                  f"are equal somewhere (write {shown}, not {rel})")
        if ctx.sign(expected, written, flipped).status == "holds":
            return Diagnosis("reversed inequality", f"the inequality points the wrong way: the previous line {flipped} this line holds")
    return None


def _implication_step(prev_eq: tuple[Any, Any], eq: tuple[Any, Any], p: _Piece, text: str, rel: str,
                      ctx: _Context, diagnose_slips: bool) -> LineVerdict:
    d, expected = _implies(ctx, prev_eq, eq)
    if d.status != "holds" and ctx.equal(*prev_eq).status == "holds" and ctx.equal(*eq).status != "holds":
        return LineVerdict(p.line, text, rel, "breaks", route="implication",
                           detail="the equation before it holds for every value (it is a step, not a condition), "
                                  "so nothing can be solved from it; to set an expression to zero, end its line "
                                  "with '= 0'")
    if rel == "<=>" and d.status == "holds":
        back, _ = _implies(ctx, eq, prev_eq)
        if back.status != "holds":
            back.detail = "the converse fails: " + (back.detail or "the previous equation does not follow from this one")
            d = back
            expected = None
        else:
            d = _Decision("holds", d.route + " and conversely")
    diag = None
    if d.status == "fails" and diagnose_slips and expected is not None:
        found = _diagnose_step(ctx, expected, ctx.expand_definitions(eq[1]), "=")
        if found is not None:
            diag = Diagnosis(found.kind, f"against {sp.sstr(eq[0])} = {_short(sp.sstr(expected), 80)}, the solution of the "
                                         f"previous equation: {found.message}")
    v = _verdict(d, p.line, text, rel, ctx, None, None, False)
    if diag is not None:
        v = dataclasses.replace(v, diagnosis=diag)
    return v
