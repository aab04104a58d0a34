"""``Derivation``: a derivation stated as a sequence of checked claims, with a record of every check."""

from __future__ import annotations

import html
import re
from contextlib import contextmanager
from fractions import Fraction
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import sympy as sp

from .._validation import check_array, check_int, check_real
from ..gradcheck import RELATIVE_FLOOR, GradientUndecided, check_gradient
from ._compare import (RANDOM_POINTS, Outcome, check_sign, compare, enclose_constant, resolve_domains, residual_text,
                       to_sympy)
from ._domains import Domain, normalise_domains
from .errata import erratum as lookup_erratum
from .errors import CheckError, ExpectedFalseError, NotACertificateError, StepError, UndecidedError
from .records import CHECK_MIME, COVERAGE_MIME, SEVERITIES, SUMMARY_MIME, Check, log_record

__all__ = ["Check", "Derivation", "StepError", "ExpectedFalseError"]

CATEGORIES = ("symbolic", "numeric", "finite-difference")


def _kernel_display():
    """IPython's display function when running inside a Jupyter kernel, else None."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    shell = get_ipython()
    return display if shell is not None and getattr(shell, "kernel", None) is not None else None


def _emit(text: str, mime: str, data: dict, markdown: str = "", measured: dict | None = None) -> None:
    """Print ``text``, or display it in Jupyter with the structured record ``data`` beside it.

    ``measured`` (e.g. the largest difference a finite-difference check found) travels in the output's
    metadata, which nbval does not compare: such numbers depend on the CPU, BLAS kernel and thread count,
    so they must never reach a compared output (README, "Notebooks as regression tests").
    """
    display = _kernel_display()
    if display is None:
        print(text)
    else:
        bundle = {"text/plain": text, mime: data}
        if markdown:
            bundle["text/markdown"] = markdown
        display(bundle, raw=True, metadata={mime: {"measured": measured}} if measured else None)







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
    def expect_false(self, erratum: str | None = None, *, source: str | Sequence[str] | None = None,
                     printed: str = "", correct: str = "", printed_latex: str = "", correct_latex: str = "",
                     where: str = "", severity: str = "") -> Iterator[None]:
        """Wrap exactly one check that must fail: it records a printed result that the check refutes.

        The refutation is recorded only on definitive evidence: an exact nonzero residual, or a
        counterexample confirmed at a higher precision (for ``close``/``holds``/``gradient``: values
        that differ beyond the tolerance, never NaN). A claim that holds raises
        :class:`ExpectedFalseError`; a claim that cannot be decided raises :class:`StepError`. Both are
        recorded as failed checks.

        Parameters
        ----------
        erratum : str, optional
            The id of an entry of the errata catalogue (``notes/errata.json``, see
            :mod:`emlib.derivation.errata`), e.g. ``"002-06e"``: the entry gives the outline items,
            ``printed``, ``correct``, their LaTeX, ``where``, ``severity`` and why that severity, so none
            of the keywords below may be given with it. The notebooks use this form.
        source : str, optional
            Outline id(s) of the printed result (keyword form, without a catalogue entry).
        printed, correct : str
            The printed claim and the correct result, in plain text (compared by nbval).
        printed_latex, correct_latex : str, optional
            The same in LaTeX, without dollar signs (typeset in the notebook and on the site).
        where : str, optional
            Where the printed result appears in the notes, e.g. ``"note 002, section 3 (page 4)"``.
        severity : {"", "error", "slip"}, optional
            ``"error"``: the printed result is wrong; ``"slip"``: a wrong intermediate line whose final
            result stands. Used to group the errata.
        """
        if erratum is not None:
            given = [k for k, v in (("source", source), ("printed", printed), ("correct", correct),
                                    ("printed_latex", printed_latex), ("correct_latex", correct_latex),
                                    ("where", where), ("severity", severity)) if v]
            if given:
                raise TypeError(f"expect_false({erratum!r}) takes its fields from the errata catalogue; "
                                f"do not also give {', '.join(given)}")
            entry = lookup_erratum(erratum)
            source, printed, correct, severity = list(entry.items), entry.printed, entry.correct, entry.severity
            printed_latex, correct_latex, where = entry.printed_latex, entry.correct_latex, entry.where
        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {sorted(SEVERITIES)}, got {severity!r}")
        if self._expect is not None:
            raise RuntimeError("expect_false blocks cannot be nested")
        self._expect = {"source": source, "printed": str(printed), "correct": str(correct),
                        "printed_latex": str(printed_latex), "correct_latex": str(correct_latex),
                        "where": str(where), "severity": severity,
                        "erratum": erratum or "", "why": entry.why if erratum is not None else ""}
        self._expect_used = 0
        try:
            yield
        finally:
            used, self._expect = self._expect_used, None
        if used != 1:
            raise ValueError(f"an expect_false block must contain exactly one check, it contained {used}")

    # ------------------------------------------------------------------ engine
    @contextmanager
    def _refusals(self, kind: str, label: Any, source: Any) -> Iterator[None]:
        """Record a check the engine refuses (a CheckError such as a DomainError raised before any
        record) as failed before the error propagates: a notebook that catches it still fails its summary."""
        before = len(self.records)
        try:
            yield
        except CheckError as exc:
            if len(self.records) == before:
                name = label if isinstance(label, str) and label else f"unlabelled {kind} check"
                self._record(Check(name, kind, "refused", "symbolic", self._section, _sources(source), "failed",
                                   f"refused: {type(exc).__name__}: {exc}"))
            raise

    def _record(self, record: Check) -> Check:
        self.records.append(record)
        if self.verbose:
            _emit(record.line(), CHECK_MIME, record.as_dict(), record.markdown(), record.measured)
        log_record(CHECK_MIME, record.as_dict(), self.title)
        return record

    def _finish(self, kind: str, label: str, source: Any, outcome: Outcome, failure: Callable[[], str]) -> Check:
        if not isinstance(label, str) or not label:
            raise TypeError("label must be a non-empty string")
        expect = self._expect
        if expect is not None:
            self._expect_used += 1
            if self._expect_used > 1:
                raise ValueError("an expect_false block must contain exactly one check")
            src = _sources(expect["source"]) or _sources(source)
            extra = {k: expect[k] for k in ("printed", "correct", "printed_latex", "correct_latex", "where", "severity",
                                            "erratum", "why")}
            if outcome.status == "holds":
                self._record(Check(label, kind, outcome.route, outcome.category, self._section, src, "failed",
                                   "expected to be false but it holds", **extra))
                raise ExpectedFalseError(
                    f"expected to be false but it holds ({outcome.route}): {label}\n"
                    "The printed result is right after all; record it as an ordinary check."
                )
            if outcome.status == "undecided" or not outcome.certified:
                # only a certificate records a printed result as refuted (README, "How a derivation is checked")
                self._record(Check(label, kind, "undecided", outcome.category, self._section, src, "failed",
                                   outcome.detail, **extra))
                error = UndecidedError if outcome.status == "undecided" else NotACertificateError
                raise error(f"{label}: cannot refute a claim without a certificate: {outcome.detail}")
            return self._record(Check(label, kind, outcome.route, outcome.category, self._section, src,
                                      "refuted", outcome.detail or "differs", **extra))
        if outcome.status != "holds":
            route = "undecided" if outcome.status == "undecided" else outcome.route
            self._record(Check(label, kind, route, outcome.category, self._section, _sources(source), "failed",
                               outcome.detail or "does not hold"))
            if outcome.status == "undecided":
                raise UndecidedError(f"cannot decide: {label}\n  {outcome.detail}")
            raise StepError(failure())
        return self._record(Check(label, kind, outcome.route, outcome.category, self._section, _sources(source),
                                  measured=outcome.measured))

    def _equal_outcome(self, lhs, rhs, label, domain, points, kind) -> tuple[Outcome, Callable[[], str]]:
        points = check_int(points, "points", minimum=1)
        lhs, rhs = to_sympy(lhs, "lhs"), to_sympy(rhs, "rhs")
        outcome = compare(lhs, rhs, normalise_domains(domain), seed=self.seed, points=points)

        def failure() -> str:
            return (
                f"step does not hold: {label}\n"
                f"  left : {sp.sstr(lhs)[:600]}\n"
                f"  right: {sp.sstr(rhs)[:600]}\n"
                f"  left - right simplifies to: {residual_text(lhs, rhs)}\n"
                f"  evidence ({outcome.route}): {outcome.detail or 'no symbolic route reduced the difference to zero'}"
            )

        return outcome, failure

    # ------------------------------------------------------------------ symbolic claims
    def equal(self, lhs: Any, rhs: Any, label: str, *, source: Any = None, domain: Domain | Sequence[Domain] = (),
              points: int = RANDOM_POINTS) -> Check:
        """Check the step ``lhs = rhs`` (element-wise for explicit matrices) on the declared domain.

        Exact evidence first (a residual that is a nonzero rational number or polynomial refutes the
        claim), then symbolic proofs under the domain's assumptions (expand, cancel, together,
        expand_log; then simplify, logcombine, trigsimp, rewrite(exp) within a size budget), and
        high-precision evaluation at special and random points of the domain (``points`` random points,
        more where values come close). Floats in a claim stand for their exact binary values: compare
        rounded numbers with :meth:`close`. Symbols without a declared domain range over the reals (or
        what their own assumptions say). See the README, "How a derivation is checked".
        """
        with self._refusals("equal", label, source):
            outcome, failure = self._equal_outcome(lhs, rhs, label, domain, points, "equal")
        return self._finish("equal", label, source, outcome, failure)

    def derivative(self, expr: Any, wrt: Any, claimed: Any, label: str, *, source: Any = None,
                   domain: Domain | Sequence[Domain] = ()) -> Check:
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
        with self._refusals("derivative", label, source):
            outcome, failure = self._equal_outcome(computed, claimed, label, domain, RANDOM_POINTS, "derivative")
        return self._finish("derivative", label, source, outcome, failure)

    def _vanishes(self, conditions: sp.Matrix, variables: Sequence[sp.Symbol], point: dict, label: str,
                  domain: Domain | Sequence[Domain], kind: str) -> tuple[Outcome, Callable[[], str]]:
        """Decide that every entry of ``conditions`` vanishes at ``point``.

        With exact point values the entries must be exactly zero (decided like :meth:`equal`). With
        floats in the point, an entry must be zero to within what rounding the point's coordinates can
        cause: ``|c| <= 64 eps (sum of |terms of c| + sum_j |dc/dv_j| |v_j|)``, evaluated with 50 digits.
        """
        floats = [k for k, v in point.items() if _is_float(v)]
        if not floats:
            exact = {k: _exact_value(v) for k, v in point.items()}
            at = conditions.subs(exact)
            outcome, failure = self._equal_outcome(at, sp.zeros(*at.shape), label, domain, RANDOM_POINTS, kind)
            return outcome, failure
        subs = {k: _exact_value(v) for k, v in point.items()}
        at = conditions.xreplace(subs)
        left = set().union(*[e.free_symbols for e in at])
        if left:
            raise ValueError(f"a point with floats must give every symbol a value; missing {sorted(map(str, left))}")
        resolve_domains(set().union(*[e.free_symbols for e in conditions]), normalise_domains(domain))
        eps = float(np.finfo(np.float64).eps)
        worst, worst_ratio = None, 0.0
        bound = 64 * eps
        undecided = []
        for idx, c in enumerate(conditions):
            # rigorous enclosures at the exact point (the floats' binary values), never a bare float
            terms = sp.Add.make_args(sp.expand(c)) if sp.count_ops(c) <= 2000 else (c,)
            sens = [sp.Abs(t) for t in terms] + [sp.Abs(sp.diff(c, v)) * sp.Abs(v) for v in variables]
            value, scale_b = enclose_constant(c.xreplace(subs)), enclose_constant(sp.Add(*sens).xreplace(subs))
            if value is None or scale_b is None or not (value.imag.is_zero() and scale_b.imag.is_zero()):
                return (Outcome(False, "undecided", "numeric", f"condition {idx} is not certainly a real number at "
                                "the point", status="undecided", certified=False), lambda: "")
            v_lo, v_hi = abs(value.real).lower(), abs(value.real).upper()
            s_lo, s_hi = scale_b.real.lower(), scale_b.real.upper()
            v, scale = float(value.real.mid()), float(scale_b.real.mid())
            ratio = abs(v) / scale if scale > 0 else (0.0 if v == 0 else np.inf)
            if v_lo > bound * s_hi:  # certainly beyond the bound
                if ratio > worst_ratio or worst is None:
                    worst_ratio, worst = ratio, (idx, abs(v), scale)
            elif not v_hi <= bound * s_lo:
                undecided.append(idx)
            elif worst is None:
                worst_ratio = max(worst_ratio, ratio)
        if worst is not None:
            idx, v, scale = worst
            detail = (f"condition {idx} is {v:.6g} at the point, {worst_ratio:.3g} of its scale {scale:.3g} "
                      f"(allowed: {bound:.2g}, what rounding the point's coordinates can cause; certified enclosures)")
            outcome = Outcome(False, "refuted: enclosure", "numeric", detail, values=(f"{v:.6g}", "0"))
            return outcome, lambda: f"condition does not hold: {label}\n  {detail}"
        if undecided:
            return (Outcome(False, "undecided", "numeric", f"the enclosure of condition {undecided[0]} straddles the "
                            "bound 64 eps x its scale", status="undecided", certified=False), lambda: "")
        # The route states the bound it was held to; the ratio reached depends on the point's last bits.
        return (Outcome(True, "certified: zero within 64 eps of the terms' scale at a float point (enclosures)",
                        "numeric", measured={"max_ratio_to_scale": worst_ratio}), lambda: "")

    def stationary(self, expr: Any, wrt: Any, point: dict, label: str, *, source: Any = None,
                   domain: Domain | Sequence[Domain] = ()) -> Check:
        """Check that the gradient of ``expr`` with respect to the symbols ``wrt`` vanishes at ``point``.

        Exact point values (integers, rationals, sympy expressions) must give an exactly zero gradient;
        float values must give a gradient that is zero relative to the scale of its terms (see
        :meth:`_vanishes`), whatever the scale of ``expr``.
        """
        expr = to_sympy(expr, "expr")
        if isinstance(expr, sp.MatrixBase):
            raise TypeError("stationary takes a scalar expression (the gradient of each entry is a separate claim)")
        syms = list(wrt) if isinstance(wrt, (sp.MatrixBase, list, tuple)) else [wrt]
        if not syms or not all(isinstance(s, sp.Symbol) for s in syms):
            raise TypeError("wrt must be a Symbol or a sequence/Matrix of Symbols")
        _distinct(syms, "wrt")
        if not isinstance(point, dict):
            raise TypeError("point must be a dict {symbol: value}")
        grad = sp.Matrix([sp.diff(expr, s) for s in syms])
        with self._refusals("stationary", label, source):
            outcome, failure = self._vanishes(grad, syms, point, label, domain, "stationary")
        return self._finish("stationary", label, source, outcome, failure)

    def lagrange(self, objective: Any, constraints: Sequence[Any], variables: Sequence[sp.Symbol], solution: dict,
                 label: str, *, multipliers: Sequence[sp.Symbol], sign: int = -1, source: Any = None,
                 domain: Domain | Sequence[Domain] = ()) -> Check:
        """Check a Lagrange-multiplier solution of ``extremise objective subject to g_i = 0``.

        With ``L = objective + sign * sum_i m_i g_i`` (``sign=-1`` is ``f - lambda g``; ``sign=+1`` is
        ``f + beta g``), checks that ``dL/dv = 0`` for every ``v`` in ``variables`` and ``g_i = 0`` at
        ``solution``, a dict giving the variables and the multipliers (exactly, or relative to the
        terms' scale for float values, as in :meth:`stationary`).
        """
        if sign not in (-1, 1):
            raise ValueError(f"sign must be -1 or +1, got {sign!r}")
        constraints = [to_sympy(g, "constraints") for g in constraints]
        multipliers = list(multipliers)
        if len(constraints) != len(multipliers) or not constraints:
            raise ValueError("give one multiplier per constraint (at least one)")
        variables = list(variables)
        for name, group in (("variables", variables), ("multipliers", multipliers)):
            if not group and name == "variables" or not all(isinstance(v, sp.Symbol) for v in group):
                raise TypeError(f"{name} must be a non-empty sequence of sympy Symbols")
        _distinct([*variables, *multipliers], "variables and multipliers")
        if not isinstance(solution, dict):
            raise TypeError("solution must be a dict {symbol: value}")
        missing = [str(s) for s in [*variables, *multipliers] if s not in solution]
        if missing:
            raise ValueError(f"solution has no value for {', '.join(missing)}")
        objective = to_sympy(objective, "objective")
        if isinstance(objective, sp.MatrixBase) or any(isinstance(g, sp.MatrixBase) for g in constraints):
            raise TypeError("lagrange takes a scalar objective and scalar constraints")
        lagrangian = objective + sign * sum(m * g for m, g in zip(multipliers, constraints))
        conditions = sp.Matrix([sp.diff(lagrangian, v) for v in variables] + constraints)
        with self._refusals("lagrange", label, source):
            outcome, failure = self._vanishes(conditions, [*variables, *multipliers], solution, label, domain,
                                              "lagrange")
        return self._finish("lagrange", label, source, outcome, failure)

    def positive(self, expr: Any, label: str, *, strict: bool = True, source: Any = None,
                 domain: Domain | Sequence[Domain] = ()) -> Check:
        """Check ``expr > 0`` (``>= 0`` with ``strict=False``) on the declared domain.

        A point where ``expr`` is not a real number is a counterexample; a point where it is undefined
        is no evidence.
        """
        expr = to_sympy(expr, "expr")
        if isinstance(expr, sp.MatrixBase):
            raise TypeError("positive takes a scalar expression")
        with self._refusals("positive", label, source):
            outcome = check_sign(expr, normalise_domains(domain), strict=strict, seed=self.seed)
        rel = ">" if strict else ">="
        return self._finish("positive", label, source, outcome,
                            lambda: f"claim does not hold: {label}\n  {sp.sstr(expr)[:600]} {rel} 0 fails: {outcome.detail}")

    # ------------------------------------------------------------------ numeric claims
    def close(self, actual: Any, expected: Any, label: str, *, rtol: float = 1e-7, atol: float = 0.0,
              source: Any = None) -> Check:
        """Check that numbers or arrays of the same shape agree: ``|actual - expected| <= atol + rtol * |expected|``.

        Shapes must match exactly (no broadcasting). Equal infinities agree; a NaN on either side makes
        the check undecided (a NaN is never evidence either way).
        """
        rtol, atol = check_real(rtol, "rtol", low=0.0), check_real(atol, "atol", low=0.0)
        # integers beyond 2**53, fractions and long doubles are compared exactly: float64 would round
        # 2**62 + 1 to 2**62 and accept a difference that is there
        exact_a, exact_e = _exact_entries(actual), _exact_entries(expected)
        a = exact_a if exact_a is not None else check_array(actual, "actual", min_rows=0, finite=False, allow_bool=True)
        e = exact_e if exact_e is not None else check_array(expected, "expected", min_rows=0, finite=False, allow_bool=True)
        if a.shape != e.shape:
            raise ValueError(f"shapes do not match: actual {a.shape}, expected {e.shape} (close does not broadcast)")
        if a.size == 0:
            raise ValueError("actual and expected are empty: a comparison of no values proves nothing")
        route = f"numeric: rtol={rtol:g}, atol={atol:g}"
        if exact_a is not None or exact_e is not None:
            outcome = _close_exact(_as_exact(a), _as_exact(e), Fraction(rtol), Fraction(atol), route)
        elif np.any(np.isnan(a)) or np.any(np.isnan(e)):
            n_nan = int(np.sum(np.isnan(a) | np.isnan(e)))
            outcome = Outcome(False, "undecided", "numeric", f"{n_nan} of {a.size} entries are NaN", status="undecided")
        else:
            bad = ~np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=False)
            detail = ""
            if np.any(bad):
                with np.errstate(invalid="ignore"):
                    diff = np.abs(a - e)
                worst = float(np.max(np.where(np.isnan(diff), np.inf, diff)))
                detail = f"{int(np.sum(bad))} of {bad.size} entries differ, max |diff| {worst:.3g}"
            outcome = Outcome(not np.any(bad), route, "numeric", detail)
        return self._finish("close", label, source, outcome,
                            lambda: f"values differ: {label}\n  actual  : {np.array2string(a, precision=8)[:600]}\n"
                                    f"  expected: {np.array2string(e, precision=8)[:600]}\n  {outcome.detail}")

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
                 x: Any, label: str, *, rtol: float | None = None, atol: float | None = None,
                 source: Any = None) -> Check:
        """Check an analytic gradient against finite differences at ``x`` (any shape).

        The reference is Ridders' extrapolation of central differences along several step sequences; an
        entry is decided only when at least two of them reach the accuracy needed and all that converged
        agree, and its tolerance comes from their error estimates and the entry's own scale (see
        :func:`emlib.gradcheck.check_gradient`); ``rtol``/``atol`` can only loosen it. Kinks, quantisers
        and oscillations at ``x`` leave the check undecided. The route states the bound; the largest
        difference found (rounding noise that depends on the machine) is kept in :attr:`Check.measured`.
        """
        try:
            worst = check_gradient(fun, grad, x, rtol=rtol, atol=atol)
            bound = f"4 x its error estimate + {RELATIVE_FLOOR:g} x its own scale"
            if rtol is not None or atol is not None:
                bound += f" or rtol={rtol or 0:g}, atol={atol or 0:g}"
            outcome = Outcome(True, f"finite differences (Ridders, agreeing step sequences): every entry within {bound}",
                              "finite-difference", measured={"max_abs_diff": worst})
        except GradientUndecided as exc:
            outcome = Outcome(False, "undecided", "finite-difference", str(exc), status="undecided")
        except AssertionError as exc:
            # robust across step sequences, but an extrapolated limit is evidence, not a certificate
            outcome = Outcome(False, "finite differences (Ridders)", "finite-difference", str(exc), certified=False)
        return self._finish("gradient", label, source, outcome, lambda: f"gradient check failed: {label}\n  {outcome.detail}")

    # ------------------------------------------------------------------ reports
    def counts(self) -> dict[str, int]:
        """Number of passed checks (ok or refuted as expected) per category."""
        return {c: sum(r.category == c and not r.failed for r in self.records) for c in CATEGORIES}

    def refuted(self) -> list[Check]:
        """The expected-false checks: printed results the checks refute."""
        return [r for r in self.records if r.refuted]

    def failed(self) -> list[Check]:
        """Checks that did not pass (including undecided ones)."""
        return [r for r in self.records if r.failed]

    def summary_line(self) -> str:
        if not self.records:
            raise ValueError("no checks were recorded")
        parts = [f"{n} {c}" for c, n in self.counts().items() if n]
        n_failed = len(self.failed())
        n_passed = len(self.records) - n_failed
        head = f"{n_passed} of {len(self.records)} checks passed" if n_failed else f"{len(self.records)} checks passed"
        line = f"{head}: {', '.join(parts) or 'none'}"
        n_ref = len(self.refuted())
        if n_ref:
            line += f" (including {n_ref} that refute{'s' if n_ref == 1 else ''} {'a printed result' if n_ref == 1 else 'printed results'})"
        if n_failed:
            line += f"; {n_failed} FAILED"
        return line

    def summary(self) -> None:
        """Print the stable plain-text summary, e.g. ``12 checks passed: 9 symbolic, 3 numeric``.

        Raises
        ------
        StepError
            If any recorded check failed (even one whose error was caught): the summary then reads
            ``N of M checks passed`` and lists the failures, and the notebook's run fails.
        """
        lines = [self.summary_line()]
        for r in self.refuted():
            lines.append(f"  refuted [{','.join(r.sources) or '-'}] {r.label}")
        for r in self.failed():
            lines.append(f"  FAILED [{','.join(r.sources) or '-'}] {r.label}: {r.detail}")
        data = {
            "title": self.title, "passed": len(self.records) - len(self.failed()), "total": len(self.records),
            "counts": self.counts(), "refuted": len(self.refuted()), "failed": len(self.failed()),
            "refuted_items": [{"sources": list(r.sources), "label": r.label} for r in self.refuted()],
        }
        _emit("\n".join(lines), SUMMARY_MIME, data)
        if self.failed():
            raise StepError(f"{len(self.failed())} of {len(self.records)} checks failed: "
                            + "; ".join(r.label for r in self.failed()))

    def coverage_rows(self) -> list[tuple[str, str, str]]:
        """(item, where, how) for every outline item that a check or a citation covers."""
        items: dict[str, dict[str, list[str]]] = {}
        for r in self.records:
            for s in r.sources:
                entry = items.setdefault(s, {"where": [], "how": []})
                if r.section and r.section not in entry["where"]:
                    entry["where"].append(r.section)
                entry["how"].append({"refuted": f"refuted ({r.category})", "failed": f"FAILED ({r.category})"}.get(r.status, r.category))
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
        lines = [f"{'item':<{w_item}} | where | how checked"]
        lines += [f"{item:<{w_item}} | {where} | {how}" for item, where, how in rows]
        _emit("\n".join(lines), COVERAGE_MIME,
              {"title": self.title, "rows": [{"item": i, "where": w, "how": h} for i, w, h in rows]})

    def table(self) -> "CheckTable":
        """A table of every check (HTML in Jupyter, text elsewhere); its output is not meant for nbval."""
        return CheckTable(self)


class CheckTable:
    """Rich display of a Derivation's records."""

    def __init__(self, derivation: Derivation) -> None:
        self.derivation = derivation

    def _rows(self) -> list[list[str]]:
        return [[str(i + 1), r.section, r.label, ",".join(r.sources), r.status, r.route]
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


def _is_float(v: Any) -> bool:
    if isinstance(v, (float, np.floating)):
        return True
    if isinstance(v, sp.Basic):
        return bool(v.atoms(sp.Float))
    return False


def _exact_value(v: Any) -> sp.Basic:
    """A point value as an exact sympy number (a float becomes the binary number it holds)."""
    if isinstance(v, (bool, np.bool_, str, bytes, complex, np.complexfloating)):
        raise TypeError(f"point values must be real numbers, got {type(v).__name__} {v!r:.40}")
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            raise ValueError(f"point values must be finite, got {v!r}")
        if isinstance(v, np.floating) and np.finfo(v.dtype).bits > 64:
            return sp.Rational(*(int(i) for i in v.as_integer_ratio()))  # a long double's exact value
        return sp.Rational(float(v))
    if isinstance(v, (int, np.integer)):
        return sp.Integer(int(v))
    try:
        out = sp.sympify(v, strict=True)
    except (sp.SympifyError, TypeError):
        raise TypeError(f"point values must be numbers or sympy expressions, got {type(v).__name__}") from None
    if not isinstance(out, sp.Expr) or out.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or out.is_extended_real is False:
        raise ValueError(f"point values must be finite real numbers, got {out}")
    floats = out.atoms(sp.Float)
    return out.xreplace({f: sp.Rational(f) for f in floats}) if floats else out


def _exact_entry(v: Any) -> Fraction | float | None:
    """One entry as an exact rational (a non-finite float stays a float); None for anything else."""
    if isinstance(v, (bool, np.bool_)):
        return Fraction(int(v))
    if isinstance(v, (int, np.integer)):
        return Fraction(int(v))
    if isinstance(v, Fraction):
        return v
    if isinstance(v, sp.Rational):
        return Fraction(int(v.p), int(v.q))
    if isinstance(v, sp.Float):
        return Fraction(str(sp.Rational(v))) if v.is_finite else float(v)
    if isinstance(v, (float, np.floating)):
        return Fraction(*v.as_integer_ratio()) if np.isfinite(v) else float(v)
    return None


def _exact_entries(value: Any) -> np.ndarray | None:
    """The entries of ``value`` as exact rationals (an object array) when float64 would round one of them
    (integers beyond 2**53, fractions, long doubles, sympy numbers); None when float64 holds them all,
    or when ``value`` is not an array of numbers (check_array then says why)."""
    if isinstance(value, (float, bool, np.float64, np.float32, np.float16, np.bool_)):
        return None
    if isinstance(value, np.ndarray) and (value.dtype.kind == "b" or value.dtype.kind == "f" and value.dtype.itemsize <= 8):
        return None
    try:
        arr = value if isinstance(value, np.ndarray) else np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if arr.dtype.kind == "b" or arr.dtype.kind == "f" and arr.dtype.itemsize <= 8:
        return None  # a list of floats: nothing to round, and no per-entry pass over a long list
    if arr.dtype.kind in "iu" and (arr.size == 0 or (int(arr.min()) >= -(2**53) and int(arr.max()) <= 2**53)):
        return None
    if arr.dtype.kind not in "iufO":
        return None
    flat = [_exact_entry(v) for v in arr.astype(object).flat]
    if any(v is None for v in flat):
        return None

    def rounds(v: Fraction | float) -> bool:
        try:
            return isinstance(v, Fraction) and Fraction(float(v)) != v
        except OverflowError:
            return True

    if not any(rounds(v) for v in flat):
        return None
    return np.array(flat, dtype=object).reshape(arr.shape)


def _as_exact(arr: np.ndarray) -> np.ndarray:
    """A float or exact array as an object array of exact rationals (non-finite entries stay floats)."""
    if arr.dtype == object:
        return arr
    return np.array([_exact_entry(v) for v in arr.flat], dtype=object).reshape(arr.shape)


def _close_exact(a: np.ndarray, e: np.ndarray, rtol: Fraction, atol: Fraction, route: str) -> Outcome:
    """``close`` in exact rational arithmetic: ``|a - e| <= atol + rtol |e|`` entry by entry."""
    n_nan, bad, worst = 0, 0, Fraction(0)
    for av, ev in zip(a.flat, e.flat):
        if isinstance(av, float) and np.isnan(av) or isinstance(ev, float) and np.isnan(ev):
            n_nan += 1
        elif isinstance(av, float) or isinstance(ev, float):  # an infinity agrees only with itself
            bad += av != ev
        elif abs(av - ev) > atol + rtol * abs(ev):
            bad += 1
            worst = max(worst, abs(av - ev))
    if n_nan:
        return Outcome(False, "undecided", "numeric", f"{n_nan} of {a.size} entries are NaN", status="undecided")
    if not bad:
        return Outcome(True, route + " (exact)", "numeric")
    try:
        size = f"{float(worst):.3g}"
    except OverflowError:
        size = f"about 10^{len(str(worst.numerator)) - len(str(worst.denominator))}"
    return Outcome(False, route + " (exact)", "numeric", f"{bad} of {a.size} entries differ, max |diff| {size}")


def _distinct(symbols: Sequence[sp.Symbol], name: str) -> None:
    """Refuse a repeated symbol: the claim would test one partial derivative twice and another never."""
    repeated = sorted({str(v) for v in symbols if list(symbols).count(v) > 1})
    if repeated:
        raise ValueError(f"{name} repeat {', '.join(repeated)}: each symbol must appear once")
