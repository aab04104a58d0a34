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
    "dropped constant",
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
    try:
        return sp.latex(e)
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
    if isinstance(expected, sp.Add):
        for term in expected.args[:MAX_NODES]:
            kind = "dropped constant" if {s.name for s in term.free_symbols} <= sizes else "dropped term"
            why = "; it matters here because '=' claims equality" if kind == "dropped constant" else ""
            yield kind, written, expected - term, f"the term {_tex(term)} of the previous line was dropped{why}"


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
