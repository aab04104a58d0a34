"""Exceptions and warnings raised by emlib, which are scikit-learn's own where scikit-learn is in use.

:class:`NotFittedError` (a ``ValueError`` and ``AttributeError``) and :class:`ConvergenceWarning`
(a ``UserWarning``) have scikit-learn's bases, so they exist and behave the same without
scikit-learn. Where scikit-learn is in use, what emlib raises or warns is *also* an instance of
``sklearn.exceptions.NotFittedError`` / ``ConvergenceWarning``, so ``except
sklearn.exceptions.NotFittedError`` and ``warnings.filterwarnings(category=sklearn.exceptions.
ConvergenceWarning)`` catch it: emlib raises a class that derives from both its own and
scikit-learn's (:func:`not_fitted_error`, :func:`convergence_warning`).

"In use" means imported: the combined class is made when scikit-learn is already in
``sys.modules``, so importing or using emlib never imports scikit-learn (about 2 s and 1,200
modules), while any code that names ``sklearn.exceptions`` has necessarily imported it before the
exception is raised. ``except emlib.NotFittedError`` catches the error in every case.
"""

from __future__ import annotations

import sys
__all__ = ["ConvergenceWarning", "NotFittedError", "convergence_warning", "not_fitted_error"]


class NotFittedError(ValueError, AttributeError):
    """An estimator was used before ``fit`` was called.

    Raised as an instance of ``sklearn.exceptions.NotFittedError`` too when scikit-learn is imported
    (see the module docstring).
    """

    def __reduce__(self) -> tuple:
        # The combined class is made at run time: pickle by the name of emlib's class and rebuild
        # the combined one on load (joblib workers send exceptions back pickled).
        return (_rebuild, ("NotFittedError", self.args))


class ConvergenceWarning(UserWarning):
    """An iterative fit stopped at ``max_iter`` before meeting its tolerance.

    Warned as a subclass of ``sklearn.exceptions.ConvergenceWarning`` too when scikit-learn is
    imported (see the module docstring).
    """

    def __reduce__(self) -> tuple:
        return (_rebuild, ("ConvergenceWarning", self.args))


_OWN = {"NotFittedError": NotFittedError, "ConvergenceWarning": ConvergenceWarning}
_COMBINED: dict[tuple[str, int], type] = {}


def _flavoured(name: str) -> type:
    """emlib's class ``name``, combined with scikit-learn's class of that name if sklearn is imported."""
    own = _OWN[name]
    if sys.modules.get("sklearn") is None:  # not imported (or blocked with sys.modules["sklearn"] = None)
        return own
    try:
        from sklearn import exceptions as sk_exceptions  # already loaded with sklearn: cheap
    except ImportError:
        return own
    theirs = getattr(sk_exceptions, name, None)
    if not isinstance(theirs, type) or issubclass(own, theirs):
        return own
    key = (name, id(theirs))
    cls = _COMBINED.get(key)
    if cls is None:
        cls = type(name, (own, theirs), {"__module__": __name__, "__doc__": own.__doc__, "__qualname__": name})
        _COMBINED[key] = cls
    return cls


def _rebuild(name: str, args: tuple) -> BaseException:
    return _flavoured(name)(*args)


def not_fitted_error(message: str) -> NotFittedError:
    """A :class:`NotFittedError` carrying ``message``: also scikit-learn's where sklearn is imported.

    Parameters
    ----------
    message : str
        The error message.

    Returns
    -------
    NotFittedError
        An instance to raise.
    """
    return _flavoured("NotFittedError")(message)


def convergence_warning() -> type[ConvergenceWarning]:
    """The category to warn with: :class:`ConvergenceWarning`, also scikit-learn's where sklearn is imported.

    Returns
    -------
    type
        A subclass of :class:`ConvergenceWarning` (itself where scikit-learn is not imported).
    """
    return _flavoured("ConvergenceWarning")
