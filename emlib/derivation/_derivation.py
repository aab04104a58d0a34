"""``Derivation``: a derivation stated as a sequence of checked claims, with a record of every check."""

from __future__ import annotations

import html
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import sympy as sp

from .._validation import check_array, check_int, check_real
from ..gradcheck import check_gradient
from ._compare import Outcome, check_sign, compare, residual_text, to_sympy
from ._domains import Domain, normalise_domains

__all__ = ["Check", "Derivation", "StepError", "ExpectedFalseError"]

CATEGORIES = ("symbolic", "numeric", "finite-difference")


class StepError(AssertionError):
    """A claimed step does not hold."""


class ExpectedFalseError(AssertionError):
    """A claim recorded as expected to be false turned out to hold."""


@dataclass(frozen=True)
class Check:
    """One verified claim.

    Attributes
    ----------
    label : str
        What was claimed, in the notebook's words.
    kind : str
        ``equal``, ``derivative``, ``stationary``, ``lagrange``, ``positive``, ``close``, ``holds`` or
        ``gradient``.
    route : str
        How it was established, e.g. ``symbolic: simplify`` or ``numeric: 8 random points, rtol=1e-10``.
    category : str
        ``symbolic``, ``numeric`` or ``finite-difference``.
    section : str
        The section of the notebook it belongs to.
    sources : tuple of str
        Outline item ids (``"003-14"``) the check covers.
    refuted : bool
        True for an expected-false check: a printed result that the check refutes.
    detail : str
        For refuted checks: the evidence against the printed claim.
    printed, correct : str
        For refuted checks: the printed claim and the correct result, in plain text.
    """

    label: str
    kind: str
    route: str
    category: str
    section: str = ""
    sources: tuple[str, ...] = ()
    refuted: bool = False
    detail: str = ""
    printed: str = ""
    correct: str = ""

    def _ipython_display_(self) -> None:
        """Show nothing in Jupyter: the check already printed its line when it ran."""

    def line(self) -> str:
        """The stable one-line text printed when the check runs."""
        if self.refuted:
            text = f"[refuted as expected] {self.label}  ({self.route}: {self.detail})"
            if self.printed:
                text += f"\n    printed: {self.printed}"
            if self.correct:
                text += f"\n    correct: {self.correct}"
            return text
        return f"[ok] {self.label}  ({self.route})"


def _sources(source: str | Sequence[str] | None) -> tuple[str, ...]:
    if source is None:
        return ()
    items = [source] if isinstance(source, str) else list(source)
    out = []
    for item in items:
        out.extend(s.strip() for s in str(item).split(",") if s.strip())
    return tuple(out)


def _natural(key: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key)]


class Derivation:
    """A notebook's record of checked derivation steps.

    Parameters
    ----------
    title : str
        Shown in the table.
    seed : int, default 0
        Seeds the random points of numeric checks (combined with each check's label, so adding a check
        does not move the points of the others).
    verbose : bool, default True
        Print one line per check as it runs.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> d = Derivation("demo", verbose=False)
    >>> d.equal(sp.log(x**2), 2 * sp.log(x), "log of a square").route
    'symbolic: expand_log'
    """

    def __init__(self, title: str, seed: int = 0, verbose: bool = True) -> None:
        if not isinstance(title, str) or not title:
            raise TypeError("title must be a non-empty string")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be a non-negative int, got {seed!r}")
        if seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed}")
        self.title = title
        self.seed = int(seed)
        self.verbose = bool(verbose)
        self.records: list[Check] = []
        self.citations: list[tuple[tuple[str, ...], str, str]] = []
        self._section = ""
        self._expect: dict[str, str] | None = None
        self._expect_used = 0

    # ------------------------------------------------------------------ structure
    def section(self, title: str) -> None:
        """Start a section: following checks are listed under ``title`` in the coverage table."""
        self._section = str(title)

    def cite(self, source: str | Sequence[str], how: str) -> None:
        """Record coverage of an outline item that has no code check (notation, pure concept, ...)."""
        self.citations.append((_sources(source), self._section, str(how)))

    @contextmanager
    def expect_false(self, source: str | Sequence[str] | None = None, printed: str = "", correct: str = "") -> Iterator[None]:
        """Wrap exactly one check that must fail: it records a printed result that the check refutes.

        Parameters
        ----------
        source : str, optional
            Outline id(s) of the printed result.
        printed : str
            The printed claim, in plain text.
        correct : str
            The correct result, in plain text.
        """
        if self._expect is not None:
            raise RuntimeError("expect_false blocks cannot be nested")
        self._expect = {"source": source, "printed": printed, "correct": correct}
        self._expect_used = 0
        try:
            yield
        finally:
            used, self._expect = self._expect_used, None
        if used != 1:
            raise ValueError(f"an expect_false block must contain exactly one check, it contained {used}")

    # ------------------------------------------------------------------ engine
    def _finish(self, kind: str, label: str, source: Any, outcome: Outcome, failure: Callable[[], str]) -> Check:
        if not isinstance(label, str) or not label:
            raise TypeError("label must be a non-empty string")
        expect = self._expect
        if expect is not None:
            self._expect_used += 1
            if self._expect_used > 1:
                raise ValueError("an expect_false block must contain exactly one check")
            if outcome.ok:
                raise ExpectedFalseError(
                    f"expected to be false but it holds ({outcome.route}): {label}\n"
                    "The printed result is right after all; record it as an ordinary check."
                )
            src = _sources(expect["source"]) or _sources(source)
            record = Check(
                label, kind, outcome.route if outcome.route != "inconclusive" else "numeric", outcome.category,
                self._section, src, True, outcome.detail or "differs", expect["printed"], expect["correct"],
            )
            if outcome.route == "inconclusive":
                raise StepError(f"{label}: cannot refute a claim on inconclusive evidence: {outcome.detail}")
        else:
            if not outcome.ok:
                raise StepError(failure())
            record = Check(label, kind, outcome.route, outcome.category, self._section, _sources(source))
        self.records.append(record)
        if self.verbose:
            print(record.line())
        return record

    def _equal_outcome(self, lhs, rhs, label, domain, rtol, atol, points, kind) -> tuple[Outcome, Callable[[], str]]:
        rtol, atol = check_real(rtol, "rtol", low=0.0), check_real(atol, "atol", low=0.0)
        points = check_int(points, "points", minimum=1)
        lhs, rhs = to_sympy(lhs, "lhs"), to_sympy(rhs, "rhs")
        outcome = compare(lhs, rhs, normalise_domains(domain), seed=self.seed, key=f"{kind}:{label}",
                          rtol=rtol, atol=atol, points=points)

        def failure() -> str:
            return (
                f"step does not hold: {label}\n"
                f"  left : {sp.sstr(lhs)[:600]}\n"
                f"  right: {sp.sstr(rhs)[:600]}\n"
                f"  left - right simplifies to: {residual_text(lhs, rhs)}\n"
                f"  evidence: {outcome.detail or 'no symbolic route reduced the difference to zero'}"
            )

        return outcome, failure

    # ------------------------------------------------------------------ symbolic claims
    def equal(self, lhs: Any, rhs: Any, label: str, *, source: Any = None, domain: Domain | Sequence[Domain] = (),
              rtol: float = 1e-10, atol: float = 1e-12, points: int = 8) -> Check:
        """Check the step ``lhs = rhs`` (element-wise for explicit matrices).

        Symbolic routes are tried first (expand, cancel, together, expand_log, simplify, logcombine,
        trigsimp, rewrite(exp)) with the assumptions of the declared domains; if none reduces the
        difference to zero, both sides are evaluated with 30-digit mpmath at ``points`` reproducible
        random points drawn from ``domain`` and must agree to ``atol + rtol * max(|lhs|, |rhs|)``.
        """
        outcome, failure = self._equal_outcome(lhs, rhs, label, domain, rtol, atol, points, "equal")
        return self._finish("equal", label, source, outcome, failure)

    def derivative(self, expr: Any, wrt: Any, claimed: Any, label: str, *, source: Any = None,
                   domain: Domain | Sequence[Domain] = (), rtol: float = 1e-10, atol: float = 1e-12) -> Check:
        """Check ``d expr / d wrt = claimed``.

        ``wrt`` is a Symbol or an explicit Matrix of distinct symbols (the derivative is taken entry by
        entry and has the shape of ``wrt``). A matrix with a repeated symbol (a symmetric matrix) is
        refused: differentiating by the shared symbol adds the (i, j) and (j, i) partials, the classic
        factor-of-2 slip. Differentiate with respect to a general matrix and substitute symmetric values.
        """
        expr = to_sympy(expr, "expr")
        if isinstance(wrt, sp.MatrixBase):
            syms = list(wrt)
            if not all(isinstance(s, sp.Symbol) for s in syms):
                raise TypeError("wrt must be a Symbol or a Matrix of Symbols")
            if len(set(syms)) != len(syms):
                raise ValueError(
                    "wrt has repeated symbols (a symmetric matrix?): the entry-wise derivative would count "
                    "each off-diagonal symbol twice. Differentiate with respect to a general matrix "
                    "(emlib.derivation.matrix) and substitute symmetric values afterwards."
                )
            if isinstance(expr, sp.MatrixBase):
                raise TypeError("the derivative of a matrix by a matrix is not supported; differentiate entries")
            computed = wrt.applyfunc(lambda s: sp.diff(expr, s))
        elif isinstance(wrt, sp.Symbol):
            computed = expr.applyfunc(lambda e: sp.diff(e, wrt)) if isinstance(expr, sp.MatrixBase) else sp.diff(expr, wrt)
        else:
            raise TypeError(f"wrt must be a sympy Symbol or an explicit Matrix of Symbols, got {type(wrt).__name__}")
        outcome, failure = self._equal_outcome(computed, claimed, label, domain, rtol, atol, 8, "derivative")
        return self._finish("derivative", label, source, outcome, failure)

    def stationary(self, expr: Any, wrt: Any, point: dict, label: str, *, source: Any = None,
                   domain: Domain | Sequence[Domain] = ()) -> Check:
        """Check that the gradient of ``expr`` with respect to the symbols ``wrt`` vanishes at ``point``."""
        expr = to_sympy(expr, "expr")
        syms = list(wrt) if isinstance(wrt, (sp.MatrixBase, list, tuple)) else [wrt]
        if not syms or not all(isinstance(s, sp.Symbol) for s in syms):
            raise TypeError("wrt must be a Symbol or a sequence/Matrix of Symbols")
        if not isinstance(point, dict):
            raise TypeError("point must be a dict {symbol: value}")
        grad = sp.Matrix([sp.diff(expr, s) for s in syms]).subs(point)
        outcome, failure = self._equal_outcome(grad, sp.zeros(len(syms), 1), label, domain, 1e-10, 1e-12, 8, "stationary")
        return self._finish("stationary", label, source, outcome, failure)

    def lagrange(self, objective: Any, constraints: Sequence[Any], variables: Sequence[sp.Symbol], solution: dict,
                 label: str, *, multipliers: Sequence[sp.Symbol], sign: int = -1, source: Any = None,
                 domain: Domain | Sequence[Domain] = ()) -> Check:
        """Check a Lagrange-multiplier solution of ``extremise objective subject to g_i = 0``.

        With ``L = objective + sign * sum_i m_i g_i`` (``sign=-1`` is ``f - lambda g``; ``sign=+1`` is
        ``f + beta g``), checks that ``dL/dv = 0`` for every ``v`` in ``variables`` and ``g_i = 0`` at
        ``solution``, a dict giving the variables and the multipliers.
        """
        if sign not in (-1, 1):
            raise ValueError(f"sign must be -1 or +1, got {sign!r}")
        constraints = [to_sympy(g, "constraints") for g in constraints]
        multipliers = list(multipliers)
        if len(constraints) != len(multipliers) or not constraints:
            raise ValueError("give one multiplier per constraint (at least one)")
        missing = [str(s) for s in [*variables, *multipliers] if s not in solution]
        if missing:
            raise ValueError(f"solution has no value for {', '.join(missing)}")
        lagrangian = to_sympy(objective, "objective") + sign * sum(m * g for m, g in zip(multipliers, constraints))
        conditions = sp.Matrix([sp.diff(lagrangian, v) for v in variables] + constraints).subs(solution)
        outcome, failure = self._equal_outcome(conditions, sp.zeros(conditions.rows, 1), label, domain, 1e-10, 1e-12, 8, "lagrange")
        return self._finish("lagrange", label, source, outcome, failure)

    def positive(self, expr: Any, label: str, *, strict: bool = True, source: Any = None,
                 domain: Domain | Sequence[Domain] = ()) -> Check:
        """Check ``expr > 0`` (``>= 0`` with ``strict=False``) on the declared domain."""
        expr = to_sympy(expr, "expr")
        outcome = check_sign(expr, normalise_domains(domain), strict=strict, seed=self.seed, key=f"positive:{label}")
        rel = ">" if strict else ">="
        return self._finish("positive", label, source, outcome,
                            lambda: f"claim does not hold: {label}\n  {sp.sstr(expr)[:600]} {rel} 0 fails: {outcome.detail}")

    # ------------------------------------------------------------------ numeric claims
    def close(self, actual: Any, expected: Any, label: str, *, rtol: float = 1e-7, atol: float = 0.0,
              source: Any = None) -> Check:
        """Check that numbers or arrays agree: ``|actual - expected| <= atol + rtol * |expected|``."""
        rtol, atol = check_real(rtol, "rtol", low=0.0), check_real(atol, "atol", low=0.0)
        a = check_array(actual, "actual", min_rows=0, finite=False, allow_bool=True)
        e = check_array(expected, "expected", min_rows=0, finite=False, allow_bool=True)
        try:
            shape = np.broadcast_shapes(a.shape, e.shape)
        except ValueError:
            raise ValueError(f"shapes do not match: actual {a.shape}, expected {e.shape}") from None
        if 0 in shape:
            raise ValueError("actual and expected are empty: a comparison of no values proves nothing")
        # np.isclose treats equal infinities as equal and NaN as different from everything
        bad = ~np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=False)
        detail = ""
        if np.any(bad):
            with np.errstate(invalid="ignore"):
                diff = np.abs(a - e)
            worst = float(np.max(np.where(np.isnan(diff), np.inf, diff)))
            detail = f"{int(np.sum(bad))} of {bad.size} entries differ, max |diff| {worst:.3g}"
        outcome = Outcome(not np.any(bad), f"numeric: rtol={rtol:g}, atol={atol:g}", "numeric", detail)
        return self._finish("close", label, source, outcome,
                            lambda: f"values differ: {label}\n  actual  : {np.array2string(a, precision=8)[:600]}\n"
                                    f"  expected: {np.array2string(e, precision=8)[:600]}\n  {detail}")

    def holds(self, condition: Any, label: str, *, source: Any = None, detail: str = "") -> Check:
        """Check that every entry of a boolean array is True (a property over many cases)."""
        c = np.asarray(condition)
        if c.size == 0:
            raise ValueError("condition is empty: a property checked on no cases proves nothing")
        if c.dtype != bool:
            raise TypeError(f"condition must be boolean, got dtype {c.dtype}")
        n_bad = int(np.sum(~c))
        outcome = Outcome(n_bad == 0, f"numeric: {c.size} of {c.size} cases" if n_bad == 0 else "numeric",
                          "numeric", f"fails in {n_bad} of {c.size} cases")
        return self._finish("holds", label, source, outcome,
                            lambda: f"property does not hold: {label}\n  fails in {n_bad} of {c.size} cases. {detail}")

    def gradient(self, fun: Callable[[np.ndarray], float], grad: Callable[[np.ndarray], np.ndarray] | np.ndarray,
                 x: Any, label: str, *, eps: float | None = None, rtol: float = 1e-6, atol: float = 1e-8,
                 source: Any = None) -> Check:
        """Check an analytic gradient against central finite differences at ``x`` (any shape)."""
        try:
            check_gradient(fun, grad, x, rtol=rtol, atol=atol, eps=eps)
            outcome = Outcome(True, "finite differences", "finite-difference")
        except AssertionError as exc:
            outcome = Outcome(False, "finite differences", "finite-difference", str(exc))
        return self._finish("gradient", label, source, outcome, lambda: f"gradient check failed: {label}\n  {outcome.detail}")

    # ------------------------------------------------------------------ reports
    def counts(self) -> dict[str, int]:
        """Number of checks per category."""
        return {c: sum(r.category == c for r in self.records) for c in CATEGORIES}

    def refuted(self) -> list[Check]:
        """The expected-false checks: printed results the checks refute."""
        return [r for r in self.records if r.refuted]

    def summary_line(self) -> str:
        if not self.records:
            raise ValueError("no checks were recorded")
        parts = [f"{n} {c}" for c, n in self.counts().items() if n]
        line = f"{len(self.records)} checks passed: {', '.join(parts)}"
        n_ref = len(self.refuted())
        if n_ref:
            line += f" (including {n_ref} that refute{'s' if n_ref == 1 else ''} {'a printed result' if n_ref == 1 else 'printed results'})"
        return line

    def summary(self) -> None:
        """Print the stable plain-text summary, e.g. ``12 checks passed: 9 symbolic, 3 numeric``."""
        print(self.summary_line())
        for r in self.refuted():
            src = ",".join(r.sources) or "-"
            print(f"  refuted [{src}] {r.label}")

    def coverage_rows(self) -> list[tuple[str, str, str]]:
        """(item, where, how) for every outline item that a check or a citation covers."""
        items: dict[str, dict[str, list[str]]] = {}
        for r in self.records:
            for s in r.sources:
                entry = items.setdefault(s, {"where": [], "how": []})
                if r.section and r.section not in entry["where"]:
                    entry["where"].append(r.section)
                entry["how"].append("refuted (" + r.category + ")" if r.refuted else r.category)
        for sources, section, how in self.citations:
            for s in sources:
                entry = items.setdefault(s, {"where": [], "how": []})
                if section and section not in entry["where"]:
                    entry["where"].append(section)
                entry["how"].append("prose: " + how)
        rows = []
        for item in sorted(items, key=_natural):
            hows = items[item]["how"]
            counted = []
            for h in dict.fromkeys(hows):
                n = hows.count(h)
                counted.append(f"{n} {h}" if not h.startswith("prose") else h)
            rows.append((item, "; ".join(items[item]["where"]) or "-", ", ".join(counted)))
        return rows

    def coverage(self) -> None:
        """Print the coverage table: outline item | where | how it is checked."""
        rows = self.coverage_rows()
        if not rows:
            raise ValueError("no check or citation names an outline item (pass source=...)")
        w_item = max(4, *(len(r[0]) for r in rows))
        print(f"{'item':<{w_item}} | where | how checked")
        for item, where, how in rows:
            print(f"{item:<{w_item}} | {where} | {how}")

    def table(self) -> "CheckTable":
        """A table of every check (HTML in Jupyter, text elsewhere); its output is not meant for nbval."""
        return CheckTable(self)


class CheckTable:
    """Rich display of a Derivation's records."""

    def __init__(self, derivation: Derivation) -> None:
        self.derivation = derivation

    def _rows(self) -> list[list[str]]:
        return [[str(i + 1), r.section, r.label, ",".join(r.sources), "refuted" if r.refuted else "ok", r.route]
                for i, r in enumerate(self.derivation.records)]

    def __repr__(self) -> str:
        lines = [f"{self.derivation.title}: {self.derivation.summary_line()}"]
        lines += [" | ".join(row) for row in self._rows()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ["#", "section", "claim", "notes item", "result", "how"])
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in self._rows())
        caption = html.escape(f"{self.derivation.title}: {self.derivation.summary_line()}")
        return f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
