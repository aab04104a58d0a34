"""Read one line of a reader's working, written in LaTeX, into sympy.

sympy's LaTeX parser (the ANTLR backend, ``antlr4-python3-runtime`` 4.11, pinned in constraints.txt) does
the parsing. A small pre-pass in front of it fixes what would otherwise be read silently wrong:

* every symbol (``x``, ``x_n``, ``r_{nk}``, ``\\mu_k``, ``c'``) is handed to the parser as one opaque name,
  so ``r_n (x_n - \\mu)^2`` is a product (the parser alone reads ``r_n(...)`` as a function call) and
  ``r_{nk}`` keeps its two indices in order (the parser alone turns it into ``r_{k*n}``);
* ``\\frac{\\partial}{\\partial z_f}`` and ``\\frac{d}{d w_h}`` work with subscripted variables;
* commands that the parser would read as products of letters (``\\operatorname``, ``\\hat``, ``\\mathbf``,
  ...) and transposes (``x^T``) are refused with the line and column, instead of being misread;
* ``\\text{...}``, ``&``, spacing commands and a trailing ``.`` or ``,`` are ignored.

After parsing: ``e`` is Euler's number and ``\\pi`` is pi unless declared as symbols, ``\\sigma(...)`` is
the logistic function ``1/(1+e^{-x})`` unless ``\\sigma`` is declared as a symbol, derivatives are
carried out, and inside ``\\sum_{i=1}^{n}`` / ``\\prod`` every symbol whose subscript mentions ``i``
becomes an indexed family member (``x_i`` becomes ``x[i]``), so sums can be expanded for checking.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
import sympy as sp

__all__ = ["WorkingParseError", "SymbolTable", "parse_line", "canonical_name", "GREEK"]

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
    "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "varrho", "sigma", "tau", "upsilon", "phi", "varphi",
    "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi",
    "Omega", "ell",
}
#: variant letters read as the plain letter (a reader who declares \epsilon may write \varepsilon)
VARIANTS = {"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varrho": "rho"}
_WRAPPED = re.compile(r"\\(?:mathrm|text|textrm|mathit|operatorname)\s*\{([^{}]*)\}")
#: commands handed to the parser unchanged
PASS = {
    "frac", "sqrt", "log", "ln", "exp", "sin", "cos", "tan", "sinh", "cosh", "tanh", "sum", "prod", "left",
    "right", "cdot", "times", "le", "ge", "leq", "geq", "lt", "gt", "partial", "infty", "binom",
}
RENAME = {"dfrac": "frac", "tfrac": "frac", "leqslant": "le", "geqslant": "ge"}
DROP = {",", ";", "!", ":", " ", "quad", "qquad", "displaystyle", "textstyle", "limits", "nolimits", "big",
        "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr"}
DROP_WITH_ARG = {"text", "mbox", "textrm", "textnormal", "label", "tag"}
HINTS = {
    "hat": "name the symbol plainly, e.g. \\mu_{new} instead of \\hat\\mu",
    "bar": "name the symbol plainly, e.g. x_{mean} instead of \\bar x",
    "tilde": "name the symbol plainly, e.g. x_{t} instead of \\tilde x",
    "mathbf": "LaTeX lines are scalar: write vectors entry by entry, or use explicit sympy matrices",
    "boldsymbol": "LaTeX lines are scalar: write vectors entry by entry, or use explicit sympy matrices",
    "top": "transposes are not supported in LaTeX lines: use explicit sympy matrices (emlib.derivation.matrix)",
    "operatorname": "only the functions \\log, \\ln, \\exp, \\sqrt, \\tanh, \\sigma (logistic) and the "
                    "trigonometric ones are known",
    "mathrm": "\\mathrm is only understood as \\mathrm{d} in \\frac{\\mathrm{d}}{\\mathrm{d}x}",
}


class WorkingParseError(ValueError):
    """A line that cannot be read: ``line`` and ``column`` (1-based) say where."""

    def __init__(self, message: str, *, line: int, column: int, text: str) -> None:
        self.reason = message
        self.line = line
        self.column = column
        self.text = text
        caret = " " * (column - 1) + "^"
        super().__init__(f"line {line}, column {column}: {message}\n    {text}\n    {caret}")


def canonical_name(base: str, sub: str | None = None, primes: str = "") -> str:
    """``x`` + ``{n}`` -> ``x_n``; ``h`` + ``{t - 1}`` -> ``h_{t-1}``; ``\\mu`` is ``mu``."""
    base = base.lstrip("\\")
    base = VARIANTS.get(base, base)
    name = base
    if sub is not None:
        sub = _WRAPPED.sub(r"\1", sub)
        sub = re.sub(r"\s+", "", sub).replace("\\", "")
        name += f"_{sub}" if re.fullmatch(r"[A-Za-z0-9]+", sub) else "_{" + sub + "}"
    return name + primes


@dataclass
class SymbolTable:
    """What the lines of one chain share: declared symbols and the families (``x_i``) they belong to.

    ``make(name)`` returns the one Symbol used for ``name`` everywhere (with the declared assumptions), so
    ``x_1`` written by hand and ``x[1]`` from an expanded sum are the same symbol.
    """

    assumptions: dict[str, dict[str, bool]] = field(default_factory=dict)  # exact names
    families: dict[str, dict[str, bool]] = field(default_factory=dict)  # base names of x_i families
    functions_as_symbols: set[str] = field(default_factory=set)  # e.g. {"sigma"} when sigma is declared
    subscripts: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (base, subscript text)
    _cache: dict[str, sp.Symbol] = field(default_factory=dict)

    def declared(self, name: str) -> bool:
        return name in self.assumptions

    def make(self, name: str) -> sp.Symbol:
        if name in self._cache:
            return self._cache[name]
        if name in self.assumptions:
            ass = self.assumptions[name]
        else:
            base = name.split("_", 1)[0] if "_" in name else None
            ass = self.families.get(base, {"real": True}) if base else {"real": True}
        sym = sp.Symbol(name, **ass)
        self._cache[name] = sym
        return sym

    def index(self, name: str) -> sp.Symbol:
        """A summation index: an integer symbol."""
        key = "\0index:" + name
        if key not in self._cache:
            self._cache[key] = sp.Symbol(name, integer=True)
        return self._cache[key]


_SYMBOL_SUB = r"(?:_\s*(?:\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z0-9]))?"
_VAR = r"(?:\\[A-Za-z]+|[A-Za-z])" + _SYMBOL_SUB + r"'*"
_DIFF = re.compile(
    r"\\[dt]?frac\s*\{\s*(?:d|\\partial|\\mathrm\s*\{\s*d\s*\})\s*\}\s*\{\s*(?:d|\\partial|\\mathrm\s*\{\s*d\s*\})\s*("
    + _VAR + r")\s*\}"
)
_OPERATOR_LETTERS = "QWERTYUOPASDFGHJKLZXCVBNM"


class _Out:
    """The rewritten text and, for each of its characters, the column of the original it came from."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.cols: list[int] = []

    def add(self, text: str, col: int) -> None:
        self.parts.append(text)
        self.cols.extend([col] * len(text))

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(ord("a") + r) + out
    return "zq" + out


def _read_group(text: str, pos: int) -> tuple[str, int]:
    """``text[pos] == '{'``: the group's content and the position after its closing brace."""
    depth = 0
    for j in range(pos, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[pos + 1 : j], j + 1
    raise IndexError(pos)


def _rewrite(text: str, line: int, table: SymbolTable) -> tuple[str, list[int], dict[str, str], dict[str, str]]:
    """Rewrite ``text`` for the ANTLR parser (see the module docstring).

    Returns the new text, the original column of each of its characters, placeholder -> symbol name, and
    derivative-operator letter -> symbol name.
    """
    out = _Out()
    names: dict[str, str] = {}
    by_name: dict[str, str] = {}
    operators: dict[str, str] = {}
    pos, n = 0, len(text.rstrip().rstrip(".,;").rstrip())  # a trailing full stop or comma is prose

    def fail(message: str, at: int) -> None:
        raise WorkingParseError(message, line=line, column=at + 1, text=text)

    def placeholder(name: str) -> str:
        if name not in by_name:
            by_name[name] = _letters(len(by_name))
            names[by_name[name]] = name
        return by_name[name]

    def read_symbol(start: int, base: str, after: int) -> tuple[str, int]:
        j = after
        sub = None
        k = j
        while k < n and text[k] == " ":
            k += 1
        if k < n and text[k] == "_":
            k += 1
            while k < n and text[k] == " ":
                k += 1
            if k >= n:
                fail("a subscript is missing after _", k - 1)
            if text[k] == "{":
                try:
                    sub, k = _read_group(text, k)
                except IndexError:
                    fail("unbalanced { in a subscript", k)
            elif text[k] == "\\":
                m = re.match(r"\\([A-Za-z]+)", text[k:])
                if not m or m.group(1) not in GREEK:
                    fail("a subscript must be a letter, a digit, a Greek letter or a {group}", k)
                sub, k = m.group(1), k + len(m.group(0))
            else:
                sub, k = text[k], k + 1
            j = k
        primes = ""
        while j < n and text[j] == "'":
            primes += "'"
            j += 1
        name = canonical_name(base, sub, primes)
        if sub is not None:
            table.subscripts[name] = (canonical_name(base), re.sub(r"\s+", "", _WRAPPED.sub(r"\1", sub)).replace("\\", ""))
        return name, j

    while pos < n:
        ch = text[pos]
        if ch.isspace():
            out.add(" ", pos)
            pos += 1
            continue
        if ch == "&":
            pos += 1
            continue
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", text[pos:])
            if not m:
                fail("a lone backslash", pos)
            cmd = m.group(1)
            end = pos + len(m.group(0))
            if cmd == "\\":
                fail("a line break \\\\ inside a line: give each line separately", pos)
            if cmd in ("{", "}"):
                out.add("(" if cmd == "{" else ")", pos)  # \{ ... \} used as brackets
                pos = end
                continue
            if cmd in ("frac", "dfrac", "tfrac"):
                dm = _DIFF.match(text, pos)
                if dm:
                    var_text = dm.group(1)
                    vm = re.match(r"\\?([A-Za-z]+)", var_text)
                    name, _ = read_symbol(pos, vm.group(1), dm.start(1) + len(vm.group(0)))
                    used = set(operators) | set(re.findall(r"[A-Z]", text))
                    letter = next((c for c in _OPERATOR_LETTERS if c not in used), None)
                    if letter is None:
                        fail("too many derivative operators in one line", pos)
                    operators[letter] = name
                    out.add(r"\frac{d}{d" + letter + "}", pos)
                    pos = dm.end()
                    continue
            if cmd in DROP:
                pos = end
                continue
            if cmd in DROP_WITH_ARG:
                k = end
                while k < n and text[k] == " ":
                    k += 1
                if k < n and text[k] == "{":
                    try:
                        _, end = _read_group(text, k)
                    except IndexError:
                        fail(f"unbalanced {{ after \\{cmd}", k)
                pos = end
                continue
            if cmd in GREEK:
                name, j = read_symbol(pos, cmd, end)
                k = j
                while k < n and text[k] == " ":
                    k += 1
                is_call = text.startswith("(", k) or text.startswith("\\left(", k)
                if name == "sigma" and is_call and "sigma" not in table.functions_as_symbols:
                    out.add(r"\sigma", pos)  # the logistic function, applied
                else:
                    out.add(r"\mathit{" + placeholder(name) + "}", pos)
                    if is_call:
                        out.add(r" \cdot ", j)
                pos = j
                continue
            if cmd in PASS or cmd in RENAME:
                out.add("\\" + RENAME.get(cmd, cmd) + (" " if cmd not in ("left", "right") else ""), pos)
                pos = end
                continue
            hint = HINTS.get(cmd, "use plain symbols, +, -, \\cdot, \\frac, ^, \\log, \\exp, \\sqrt, \\tanh, "
                                  "\\sigma, \\sum and \\prod")
            fail(f"unsupported command \\{cmd}: {hint}", pos)
        if ch.isalpha():
            name, j = read_symbol(pos, ch, pos + 1)
            out.add(r"\mathit{" + placeholder(name) + "}", pos)
            k = j
            while k < n and text[k] == " ":
                k += 1
            if text.startswith("(", k) or text.startswith("\\left(", k):
                out.add(r" \cdot ", j)  # x(a+b) is a product, never a function call
            pos = j
            continue
        if ch == "^":
            m = re.match(r"\^\s*(?:T\b|\{\s*T\s*\}|\\top\b|\{\s*\\top\s*\})", text[pos:])
            limits = re.search(r"\\(?:sum|prod)\s*_\s*(?:\{[^{}]*\}|\S)\s*$", text[:pos])
            if m and not limits and not table.declared("T"):
                fail(HINTS["top"], pos + 1)
        if ch == "'":
            fail("a prime must follow a symbol", pos)
        out.add(ch, pos)
        pos += 1
    return out.text, out.cols, names, operators


@functools.lru_cache(maxsize=2048)
def _antlr(src: str) -> tuple[sp.Basic | None, int | None, str]:
    """Parse with sympy's ANTLR backend; on failure return (None, column in src, message).

    Cached: the result depends only on ``src`` (symbols are still placeholders without assumptions), and
    the ANTLR Python runtime takes about 0.2 s per line."""
    from importlib.metadata import version

    import antlr4  # noqa: F401  (a clear ImportError if the pinned runtime is missing)
    from sympy.parsing.latex import _parse_latex_antlr as backend
    from sympy.parsing.latex.errors import LaTeXParsingError

    if not version("antlr4-python3-runtime").startswith("4.11"):
        raise ImportError("emlib's LaTeX reading needs antlr4-python3-runtime 4.11 (pinned in constraints.txt)")
    listener = backend.MathErrorListener(src)
    lexer = backend.LaTeXLexer(antlr4.InputStream(src))
    lexer.removeErrorListeners()
    lexer.addErrorListener(listener)
    parser = backend.LaTeXParser(antlr4.CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(listener)
    try:
        relation = parser.math().relation()
    except LaTeXParsingError as exc:
        lines = str(exc).splitlines()
        marker = lines[-1] if lines and lines[-1].endswith("^") else ""
        col = len(marker) - 1 if marker else 0
        reason = lines[0] if lines else "cannot parse"
        if reason == "I don't understand this":
            reason = "unexpected character"
        elif reason == "I expected something else here":
            reason = "unexpected input here"
        return None, col, reason
    if relation.stop is None or relation.stop.stop != len(src) - 1:
        col = (relation.stop.stop + 1) if relation.stop is not None else 0
        while col < len(src) - 1 and src[col] == " ":
            col += 1
        return None, col, "unexpected text here (the line was read only up to this point)"
    try:
        return backend.convert_relation(relation), None, ""
    except LaTeXParsingError as exc:
        return None, 0, str(exc).splitlines()[0]


def logistic(x: sp.Basic) -> sp.Basic:
    return 1 / (1 + sp.exp(-x))


def parse_line(text: str, table: SymbolTable, *, line: int = 1, column_offset: int = 0,
               full_text: str | None = None) -> sp.Basic:
    """Parse one piece of a line (an expression, or an equation ``a = b`` as ``sp.Eq``).

    ``column_offset`` and ``full_text`` make error columns refer to the whole line the piece came from.
    """
    shown = full_text if full_text is not None else text
    try:
        src, cols, names, operators = _rewrite(text, line, table)
    except WorkingParseError as exc:
        raise WorkingParseError(exc.reason, line=line, column=exc.column + column_offset, text=shown) from None
    stripped = src.strip()
    if not stripped:
        raise WorkingParseError("the line is empty", line=line, column=column_offset + 1, text=shown)
    lead = len(src) - len(src.lstrip())
    expr, col, reason = _antlr(stripped)
    if expr is None:
        at = col + lead
        orig = cols[at] if at < len(cols) else (len(text) if text else 0)
        raise WorkingParseError(reason, line=line, column=orig + 1 + column_offset, text=shown)
    try:
        return _convert(expr, names, operators, table)
    except WorkingParseError:
        raise
    except ValueError as exc:
        raise WorkingParseError(str(exc), line=line, column=column_offset + 1, text=shown) from None


def _indices(sub: str, bound: dict[str, sp.Symbol], table: SymbolTable) -> list[sp.Basic] | None:
    """The index expressions of subscript ``sub`` if it mentions a bound index, else None."""
    if re.fullmatch(r"[A-Za-z0-9]+", sub):
        if sub in bound:
            return [bound[sub]]
        if len(sub) > 1 and any(c in bound for c in sub):
            return [bound[c] if c in bound else (sp.Integer(int(c)) if c.isdigit() else table.index(c)) for c in sub]
        return None
    parts = [p for p in re.split(r",", sub) if p]
    out = []
    hit = False
    for p in parts:
        syms = set(re.findall(r"[A-Za-z]+", p))
        local = {s: bound.get(s, table.index(s)) for s in syms}
        hit = hit or bool(syms & set(bound))
        try:
            out.append(sp.sympify(p, locals=local))
        except (sp.SympifyError, SyntaxError, TypeError):
            return None
    return out if hit else None


def _convert(expr: sp.Basic, names: dict[str, str], operators: dict[str, str], table: SymbolTable) -> sp.Basic:
    """Map placeholders back to symbols and apply the conventions of the module docstring."""

    def symbol_for(name: str) -> sp.Basic:
        if name == "e" and not table.declared("e"):
            return sp.E
        if name == "pi" and not table.declared("pi"):
            return sp.pi
        return table.make(name)

    def walk(e: sp.Basic, bound: dict[str, sp.Symbol]) -> sp.Basic:
        if isinstance(e, sp.Symbol):
            if e.name in names:
                name = names[e.name]
                if name in bound:
                    return bound[name]
                if name in table.subscripts and bound:
                    base, sub = table.subscripts[name]
                    idx = _indices(sub, bound, table)
                    if idx is not None:
                        return sp.IndexedBase(base)[tuple(idx)]
                return symbol_for(name)
            if e.name in operators:
                return symbol_for(operators[e.name])
            if e.name in ("T",):
                raise ValueError(HINTS["top"])
            return symbol_for(e.name)
        if isinstance(e, (sp.Sum, sp.Product)):
            if any(len(lim) != 3 for lim in e.limits):
                raise ValueError("give a sum or product its limits, e.g. \\sum_{i=1}^{n}")
            inner = dict(bound)
            new_limits = []
            for k, (var, low, high) in enumerate(e.limits):
                outer = dict(bound)
                for ovar, _, _ in e.limits[k + 1:]:
                    oname = names.get(ovar.name, ovar.name)
                    outer[oname] = table.index(oname)
                vname = names.get(var.name, var.name)
                inner[vname] = table.index(vname)
                new_limits.append((inner[vname], walk(low, outer), walk(high, outer)))
            return type(e)(walk(e.function, inner), *new_limits)
        if isinstance(e, sp.Derivative):
            body = walk(e.expr, bound)
            variables = [walk(v, bound) for v, count in e.variable_count for _ in range(int(count))]
            out = body
            for v in variables:
                out = sp.diff(out, v)
            return out
        if isinstance(e, sp.core.function.AppliedUndef):
            if e.func.__name__ == "sigma" and len(e.args) == 1:
                return logistic(walk(e.args[0], bound))
            raise ValueError(f"unknown function {e.func.__name__}")
        if isinstance(e, sp.log) and len(e.args) == 2:
            return sp.log(walk(e.args[0], bound), walk(e.args[1], bound))
        if not e.args:
            return e
        args = [walk(a, bound) for a in e.args]
        if isinstance(e, sp.core.relational.Relational):
            return type(e)(*args)
        return e.func(*args)

    out = walk(expr, {})
    return out

