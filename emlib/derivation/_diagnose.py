"""Targeted feedback on a broken step: which typical slip explains the difference?

In the spirit of STACK's response trees. When ``written`` (this line) does not equal ``expected`` (the
previous line), each diagnosis in :data:`CATALOGUE` builds a candidate from one typical slip, either the
written line with the slip undone (the candidate must then equal the previous line) or the previous line
with the slip made (the candidate must then equal the written line), and asks the checker's engine
whether the two are equal. The first diagnosis the engine confirms is reported; if none is confirmed,
nothing is said. A diagnosis is therefore never a guess: it names a slip that exactly explains the step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

import sympy as sp

__all__ = ["Diagnosis", "diagnose", "CATALOGUE"]

#: the diagnoses, in the order they are tried
CATALOGUE = (
    "flipped sign",
    "factor 2",
    "transpose",
    "missing inverse",
    "log of a sum",
    "dropped sum",
    "changed index",
    "swapped indices",
    "sum limit off by one",
    "missing chain-rule factor",
    "swapped KL direction",
    "swapped symbols",
    "dropped constant",
    "dropped log-determinant",
    "dropped term",
)
MAX_NODES = 12  # sub-expressions of one kind looked at
#: Distinct candidates put to the engine for one step: a count, never a clock, so that the same working
#: gets the same diagnoses on any machine and under any load.
MAX_CANDIDATES = 80


@dataclass(frozen=True)
class Diagnosis:
    """A slip that explains a broken step: ``kind`` (one of :data:`CATALOGUE`, or ``reversed inequality``)
    and a sentence for the reader."""

    kind: str
    message: str

    def line(self) -> str:
        return f"diagnosis ({self.kind}): {self.message}"


def _tex(e: Any) -> str:
    """``$latex$``: the plain text stays readable and Markdown (Jupyter, the site) typesets it."""
    try:
        return f"${sp.latex(e)}$"
    except Exception:  # pragma: no cover - printing is only cosmetic
        return sp.sstr(e)


def _nodes(expr: Any, cls: type | tuple[type, ...]) -> list[sp.Basic]:
    if isinstance(expr, sp.MatrixBase):
        return []
    out = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, cls) and node not in out:
            out.append(node)
            if len(out) >= MAX_NODES:
                break
    return out


def _free_index(summand: sp.Basic, var: sp.Symbol, make: Callable[[str], sp.Symbol]) -> sp.Basic:
    """The summand with its bound index freed: ``x[i]`` becomes the symbol ``x_i``."""
    mapping = {}
    for node in summand.atoms(sp.Indexed):
        if var in node.free_symbols:
            idx = "".join(sp.sstr(i).replace(" ", "") for i in node.indices)
            name = f"{node.base.label}_{idx}" if len(idx) == 1 or idx.isalnum() else f"{node.base.label}_{{{idx}}}"
            mapping[node] = make(name)
    return summand.xreplace(mapping).xreplace({var: make(var.name)})


def _candidates(expected: Any, written: Any, make: Callable[[str], sp.Symbol],
                sizes: set[str]) -> Iterator[tuple[str, Any, Any, str]]:
    """(kind, left, right, message): the diagnosis holds when the engine finds left == right."""
    matrix = isinstance(written, sp.MatrixBase)
    # whole-line slips
    yield "flipped sign", -written, expected, "the whole line has the wrong sign (it is minus the previous line)"
    yield "factor 2", 2 * written, expected, "a factor 2 is lost: the line is half of what it should be"
    yield "factor 2", written / 2, expected, "a factor 2 too many (or a 1/2 lost): the line is twice what it should be"
    if matrix:
        if isinstance(expected, sp.MatrixBase) and written.shape != expected.shape and written.T.shape == expected.shape:
            yield "transpose", written.T, expected, "the line is the transpose of what it should be (a row for a column?)"
        if written.rows == written.cols and written.T != written:
            yield "transpose", written.T, expected, "the line is the transpose of what it should be"
        if written.rows == written.cols and written.rows <= 3:
            try:
                inv = written.inv()
            except Exception:
                inv = None
            if inv is not None:
                yield "missing inverse", inv, expected, "the line is the inverse of what it should be (an inverse lost or added)"
        return
    yield "missing inverse", 1 / written, expected, "the line is the reciprocal of what it should be (an inverse lost or added)"
    # the previous line with a slip made
    for node in _nodes(expected, sp.log):
        arg = node.args[0]
        if isinstance(arg, sp.Add):
            split = sp.Add(*[sp.log(t) for t in arg.args])
            yield ("log of a sum", written, expected.xreplace({node: split}),
                   f"the log of a sum was split into a sum of logs: {_tex(node)} is not {_tex(split)}")
        elif isinstance(arg, sp.Sum):
            split = sp.Sum(sp.log(arg.function), *arg.limits)
            yield ("log of a sum", written, expected.xreplace({node: split}),
                   f"the log of a sum was split into a sum of logs: {_tex(node)} is not {_tex(split)}")
    for node in _nodes(expected, sp.Sum):
        var = node.limits[0][0]
        if len(node.limits) == 1 and isinstance(node.function, sp.Add):
            terms = node.function.args
            for j, term in enumerate(terms[:6]):
                if var not in term.free_symbols and not term.has(sp.Indexed):
                    continue
                rest = sp.Add(*[sp.Sum(t, *node.limits).doit() if var not in t.free_symbols else sp.Sum(t, *node.limits)
                                for k, t in enumerate(terms) if k != j])
                freed = _free_index(term, var, make)
                yield ("dropped sum", written, expected.xreplace({node: rest + freed}),
                       f"the sum over {var} was dropped from the term {_tex(freed)}")
        inner = node.function if len(node.limits) == 1 else sp.Sum(node.function, *node.limits[1:])
        dropped = _free_index(inner, var, make)
        yield ("dropped sum", written, expected.xreplace({node: dropped}),
               f"the sum over {var} was dropped: {_tex(node)} became {_tex(dropped)}")
    # the written line with a changed index put back
    for node in _nodes(written, sp.Sum):
        bound = [lim[0] for lim in node.limits]
        for ind in _nodes(node.function, sp.Indexed):
            for var in bound:
                for idx_pos, idx in enumerate(ind.indices):
                    for good in (var, var - 1, var + 1):
                        if idx == good:
                            continue
                        new = list(ind.indices)
                        new[idx_pos] = good
                        fixed = ind.base[tuple(new)]
                        yield ("changed index", written.xreplace({ind: fixed}), expected,
                               f"an index is changed: {_tex(ind)} should be {_tex(fixed)}")
        for sym in node.function.free_symbols:
            name = getattr(sym, "name", "")
            if "_" in name and isinstance(sym, sp.Symbol):
                base = name.split("_", 1)[0]
                for var in bound:
                    fixed = sp.IndexedBase(base)[var]
                    yield ("changed index", written.xreplace({sym: fixed}), expected,
                           f"an index is changed: {name} inside the sum over {var} should be {_tex(fixed)}")
    yield from _swaps_and_limits(expected, written)
    # one term of the written line with a slip undone
    adds = _nodes(written, sp.Add)
    for node in adds[1:] if adds and adds[0] == written else adds:
        yield ("flipped sign", written.xreplace({node: -node}), expected,
               f"the sign of ({_tex(node)}) is flipped")
    for node in adds:
        for term in node.args[:8]:
            yield ("flipped sign", written.xreplace({node: node - 2 * term}), expected,
                   f"the sign of the term {_tex(term)} is flipped")
    for node in adds:
        for term in node.args[:8]:
            yield ("factor 2", written.xreplace({node: node + term}), expected,
                   f"a factor 2 is lost in the term {_tex(term)} (it should be {_tex(2 * term)})")
            yield ("factor 2", written.xreplace({node: node - term / 2}), expected,
                   f"a factor 2 too many in the term {_tex(term)} (it should be {_tex(term / 2)})")
    for node in _nodes(written, (sp.Mul, sp.Pow)):
        factors = node.args if isinstance(node, sp.Mul) else (node,)
        for f in factors[:6]:
            if f.is_number:
                continue
            inv = 1 / f
            yield ("missing inverse", written.xreplace({node: node / f ** 2}), expected,
                   f"{_tex(f)} should be {_tex(inv)} (an inverse is lost or added)")
    yield from _swaps_and_limits(expected, written, plain=True)
    # a constant dropped
    try:
        diff = sp.expand(sp.expand_log(sp.expand(expected - written), force=False))
    except Exception:
        diff = None
    if diff is not None and diff != 0 and not diff.has(sp.Sum, sp.Indexed):
        if {s.name for s in diff.free_symbols} <= sizes:
            yield ("dropped constant", written + diff, expected,
                   f"the constant {_tex(diff)} is lost; it matters here because '=' claims equality "
                   "(keep it, or write the line as equal up to a constant)")
    try:
        ratio = sp.cancel(sp.together(expected / written))
    except Exception:
        ratio = None
    if ratio is not None and ratio.is_number and ratio not in (1, -1, 2, sp.Rational(1, 2), -2, -sp.Rational(1, 2)):
        yield ("dropped constant", written * ratio, expected,
               f"the constant factor {_tex(ratio)} is lost")
    # a factor of the previous line lost (the inner derivative of the chain rule)
    for node in _nodes(expected, sp.Mul):
        coeff = sp.Mul(*[f for f in node.args if f.is_number])
        for f in [f for f in node.args if not f.is_number][:6]:
            for g in ((f, coeff * f) if coeff != 1 else (f,)):  # 2x is one inner derivative, not 2 and x
                yield ("missing chain-rule factor", written, expected.xreplace({node: node / g}),
                       f"the factor {_tex(g)} of the previous line is lost (the inner derivative of the chain rule?)")
    if isinstance(expected, sp.Add):
        for term in expected.args[:MAX_NODES]:
            if term.has(sp.log) and not {s.name for s in term.free_symbols} <= sizes and _is_log_term(term):
                yield ("dropped log-determinant", written, expected - term,
                       f"the log term {_tex(term)} of the previous line was dropped (a log-determinant or "
                       "log-normaliser depends on the parameters: it is not a constant)")
        for term in expected.args[:MAX_NODES]:
            kind = "dropped constant" if {s.name for s in term.free_symbols} <= sizes else "dropped term"
            why = "; it matters here because '=' claims equality" if kind == "dropped constant" else ""
            yield kind, written, expected - term, f"the term {_tex(term)} of the previous line was dropped{why}"


def _is_log_term(term: sp.Basic) -> bool:
    """``c * log(u)`` (a number times one log): how a log-determinant or log-normaliser reads."""
    logs = [f for f in sp.Mul.make_args(term) if not f.is_number]
    return len(logs) == 1 and isinstance(logs[0], sp.log)


def _index_symbols(expr: sp.Basic) -> list[sp.Symbol]:
    """Symbols used as indices (of ``x[i, k]`` or bound by a sum), in a stable order."""
    out: list[sp.Symbol] = []
    for node in sp.preorder_traversal(expr):
        found = []
        if isinstance(node, sp.Indexed):
            found = [i for i in node.indices if isinstance(i, sp.Symbol)]
        elif isinstance(node, (sp.Sum, sp.Product)):
            found = [lim[0] for lim in node.limits]
        for sym in found:
            if sym not in out:
                out.append(sym)
    return out[:6]


def _swaps_and_limits(expected: Any, written: Any, plain: bool = False) -> Iterator[tuple[str, Any, Any, str]]:
    """Two indices swapped, a sum's limit off by one, two families swapped (a KL divergence's direction);
    with ``plain``, only two plain symbols swapped (tried late: a flipped sign often explains it more
    precisely)."""
    if plain:
        idx = _index_symbols(written)
        symbols = sorted((s for s in getattr(written, "free_symbols", set()) if s not in idx),
                         key=sp.default_sort_key)[:6] if not isinstance(written, sp.MatrixBase) else []
        yield from _swapped(expected, written, symbols)
        return
    # the indices of one member swapped (w_{ik} for w_{ki})
    for ind in _nodes(written, sp.Indexed):
        if len(ind.indices) == 2 and ind.indices[0] != ind.indices[1]:
            fixed = ind.base[ind.indices[::-1]]
            yield ("swapped indices", written.xreplace({ind: fixed}), expected,
                   f"the indices are swapped: {_tex(ind)} should be {_tex(fixed)}")
    # two index names exchanged throughout the line (i and k)
    idx = _index_symbols(written)
    for a_pos, a in enumerate(idx):
        for b in idx[a_pos + 1:]:
            tmp = sp.Dummy()
            swapped = written.xreplace({a: tmp}).xreplace({b: a}).xreplace({tmp: b})
            if swapped != written:
                yield ("swapped indices", swapped, expected, f"the indices {a} and {b} are swapped")
    # a limit of a sum off by one
    for node in _nodes(written, sp.Sum):
        for pos, (var, lo, hi) in enumerate(node.limits):
            for which, bound in (("upper", hi), ("lower", lo)):
                for shift in (1, -1):
                    new_lim = (var, lo, hi + shift) if which == "upper" else (var, lo + shift, hi)
                    limits = list(node.limits)
                    limits[pos] = new_lim
                    fixed = sp.Sum(node.function, *limits)
                    good = new_lim[2] if which == "upper" else new_lim[1]
                    yield ("sum limit off by one", written.xreplace({node: fixed}), expected,
                           f"the {which} limit of the sum over {var} is off by one: it should be {_tex(good)}, "
                           f"not {_tex(bound)}")
    # two families exchanged throughout the line: p and q in a KL divergence
    if not isinstance(written, sp.MatrixBase):
        yield from _swapped(expected, written, sorted({i.base for i in written.atoms(sp.Indexed)},
                                                      key=sp.default_sort_key)[:4])


def _swapped(expected: Any, written: Any, group: list[Any]) -> Iterator[tuple[str, Any, Any, str]]:
    for a_pos, a in enumerate(group):
        for b in group[a_pos + 1:]:
            tmp = sp.Dummy()
            swapped = written.xreplace({a: tmp}).xreplace({b: a}).xreplace({tmp: b})
            if swapped == written:
                continue
            if written.has(sp.log):
                yield ("swapped KL direction", swapped, expected,
                       f"{_tex(a)} and {_tex(b)} are exchanged: the divergence is taken the other way round "
                       "(KL(p||q) weights log(p/q) by p, not by q)")
            else:
                yield ("swapped symbols", swapped, expected, f"{_tex(a)} and {_tex(b)} are exchanged")


def diagnose(expected: Any, written: Any, equal: Callable[[Any, Any], bool], *,
             make: Callable[[str], sp.Symbol] | None = None, sizes: set[str] = frozenset(),
             budget: int = MAX_CANDIDATES) -> Diagnosis | None:
    """The first slip of :data:`CATALOGUE` that the engine confirms explains ``expected -> written``.

    ``equal(a, b)`` must return True only when the checker's engine finds ``a == b``. ``make`` turns a
    name into the symbol the lines use (for a freed summation index). ``sizes`` names the symbols that
    count as constants for "dropped constant" (sizes of sums such as ``n``). ``budget`` caps the
    number of distinct candidates asked (deterministic: the catalogue order decides which are asked).
    """
    make = make or (lambda name: sp.Symbol(name, real=True))
    seen: set[tuple[str, str]] = set()
    try:
        for kind, left, right, message in _candidates(expected, written, make, set(sizes)):
            key = (sp.srepr(left), sp.srepr(right))
            if key in seen:
                continue
            if len(seen) >= budget:
                return None
            seen.add(key)
            try:
                if equal(left, right):
                    return Diagnosis(kind, message)
            except Exception:
                continue
    except Exception:
        return None
    return None
