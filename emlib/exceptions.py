"""Exceptions and warnings raised by emlib."""

from __future__ import annotations

__all__ = ["ConvergenceWarning", "NotFittedError"]


class ConvergenceWarning(UserWarning):
    """An iterative fit stopped at ``max_iter`` before meeting its tolerance."""


class NotFittedError(ValueError, AttributeError):
    """An estimator was used before ``fit`` was called."""
