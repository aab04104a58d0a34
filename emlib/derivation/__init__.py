"""State a derivation as a sequence of checked claims.

Every notebook creates one :class:`Derivation` and runs each step through it. A step is proved
symbolically where sympy can (the route is recorded), otherwise by rigorous enclosures (ball arithmetic)
at exact points of the declared domain, or by finite differences. A verdict is a certificate: a wrong
step raises :class:`StepError` only with an exact nonzero residual or an enclosure of ``lhs - rhs`` that
excludes 0 at an exact point; a claim that can be neither proved nor refuted raises
:class:`UndecidedError` (not an AssertionError). Printed results that a check refutes are recorded with
:meth:`Derivation.expect_false`, which accepts only certificates.

Readers check their own working, a chain of LaTeX or sympy lines, with :func:`check_working` (one
verdict per line, diagnoses of typical slips) or ``python -m emlib.derivation check WORK.md``.
"""

from ._derivation import Check, Derivation
from ._domains import SPD, Domain, Integer, Interval, Positive, Real, Simplex
from ._symbols import matrix, symmetric_matrix, vector
from ._working import LineVerdict, WorkingParseError, WorkingReport, check_working
from .records import CHECK_MIME, COVERAGE_MIME, SUMMARY_MIME
from .errors import CheckError, DomainError, ExpectedFalseError, NotACertificateError, StepError, UndecidedError

__all__ = [
    "CHECK_MIME",
    "COVERAGE_MIME",
    "Check",
    "CheckError",
    "Derivation",
    "Domain",
    "DomainError",
    "ExpectedFalseError",
    "Integer",
    "Interval",
    "LineVerdict",
    "NotACertificateError",
    "Positive",
    "Real",
    "SPD",
    "SUMMARY_MIME",
    "Simplex",
    "StepError",
    "UndecidedError",
    "WorkingParseError",
    "WorkingReport",
    "check_working",
    "matrix",
    "symmetric_matrix",
    "vector",
]
