"""The checker's errors: one hierarchy with one root, :class:`CheckError`.

* :class:`StepError`: a claimed step is refuted (a certificate shows it false). It is also an
  ``AssertionError``, so a refuted step fails a test or a notebook cell like a failed ``assert``.
* :class:`UndecidedError`: the checker could neither prove nor refute the claim. It is *not* an
  ``AssertionError``: undecided is not "false", and it is never a pass.
* :class:`ExpectedFalseError`: a claim recorded as a refuted printed result turned out to hold.
* :class:`NotACertificateError`: ``expect_false`` was given a refutation that is not a certificate
  (e.g. a finite-difference mismatch), so the printed result cannot be recorded as refuted.
* :class:`DomainError`: a symbol's own assumptions contradict its declared domain (also a ``ValueError``).
"""

from __future__ import annotations

__all__ = ["CheckError", "StepError", "UndecidedError", "ExpectedFalseError", "NotACertificateError", "DomainError"]


class CheckError(Exception):
    """The root of every error the checker raises about a claim."""


class StepError(CheckError, AssertionError):
    """A claimed step does not hold (refuted with a certificate), or a check failed."""


class UndecidedError(CheckError):
    """Neither a proof nor a certificate of falsity was found: the claim is undecided."""


class ExpectedFalseError(CheckError, AssertionError):
    """A claim recorded as expected to be false turned out to hold."""


class NotACertificateError(UndecidedError):
    """An expected-false claim was rejected without a certificate (not a refutation)."""


class DomainError(CheckError, ValueError):
    """A symbol's own sympy assumptions contradict its declared domain, or a domain is malformed."""
