"""State a derivation as a sequence of checked claims.

Every notebook creates one :class:`Derivation` and runs each step through it. A step is proved
symbolically where sympy can (the route is recorded), otherwise checked numerically at reproducible
random points or by finite differences, and a wrong step raises :class:`StepError` with both sides and
the residual. Printed results that a check refutes are recorded with :meth:`Derivation.expect_false`.

Readers check their own working, a chain of LaTeX or sympy lines, with :func:`check_working` (one
verdict per line, diagnoses of typical slips) or ``python -m emlib.derivation check WORK.md``.
"""

from ._derivation import Check, Derivation, ExpectedFalseError, StepError
from ._domains import SPD, Domain, Integer, Interval, Positive, Real, Simplex
from ._symbols import matrix, symmetric_matrix, vector
from ._working import LineVerdict, WorkingParseError, WorkingReport, check_working

__all__ = [
    "Check",
    "Derivation",
    "Domain",
    "ExpectedFalseError",
    "Integer",
    "Interval",
    "LineVerdict",
    "Positive",
    "Real",
    "SPD",
    "Simplex",
    "StepError",
    "WorkingParseError",
    "WorkingReport",
    "check_working",
    "matrix",
    "symmetric_matrix",
    "vector",
]
