"""The scikit-learn estimator protocol for emlib's estimators, without importing scikit-learn.

:class:`EstimatorMixin` gives an estimator whose ``__init__`` only stores its keyword arguments
(scikit-learn's convention) ``get_params``/``set_params`` (so ``sklearn.base.clone``,
``GridSearchCV`` and ``Pipeline`` work), a ``repr`` listing the non-default parameters, and
``__sklearn_tags__`` (scikit-learn >= 1.6 asks every estimator for its tags). scikit-learn is only
imported inside ``__sklearn_tags__``, which only scikit-learn itself calls: importing or using emlib
never imports it.
"""

from __future__ import annotations

import inspect
from typing import Any, TypeVar

__all__ = ["EstimatorMixin"]

_Self = TypeVar("_Self", bound="EstimatorMixin")


class EstimatorMixin:
    """``get_params``/``set_params``/``repr``/tags for an estimator with a scikit-learn style ``__init__``.

    A subclass's ``__init__`` must take every hyper-parameter as a named argument with a default
    and store it unchanged under the same attribute name (no ``*args``/``**kwargs``).

    Class attributes
    ----------------
    _estimator_type : str or None
        scikit-learn's estimator type: ``"clusterer"``, ``"classifier"``, ``"density_estimator"``...
    _sklearn_transformer : bool
        Whether the estimator has ``transform`` (scikit-learn then runs its transformer checks).
    """

    _estimator_type: str | None = None
    _sklearn_transformer: bool = False

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """Names of the constructor parameters, sorted (as scikit-learn's ``BaseEstimator`` does)."""
        init = cls.__init__
        if init is object.__init__:
            return []
        params = inspect.signature(init).parameters.values()
        for p in params:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(f"{cls.__name__}.__init__ must not take *args or **kwargs (got {p})")
        return sorted(p.name for p in params if p.name != "self")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Get the constructor parameters of this estimator.

        Parameters
        ----------
        deep : bool, default True
            Also return the parameters of parameters that are estimators themselves, as
            ``"<name>__<parameter>"`` (none of emlib's estimators has such a parameter today).

        Returns
        -------
        dict
            Parameter names mapped to their current values.
        """
        out: dict[str, Any] = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params(deep=True).items())
            out[name] = value
        return out

    def set_params(self: _Self, **params: Any) -> _Self:
        """Set constructor parameters (``"<name>__<parameter>"`` reaches nested estimators).

        Values are stored unchecked, as in ``__init__``; they are validated by ``fit``.

        Parameters
        ----------
        **params
            New parameter values.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For a name that is not a constructor parameter, naming it and listing the valid ones.
        """
        if not params:
            return self
        valid = self._get_param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, sep, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__}; valid parameters are {valid}"
                )
            if sep:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__).parameters
        parts = []
        for name in (n for n in sig if n != "self"):  # constructor order reads best
            value = getattr(self, name, None)
            default = sig[name].default
            try:
                same = value is default or bool(value == default)
            except (TypeError, ValueError):  # arrays compare element-wise
                same = False
            if not same:
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's estimator tags (called by scikit-learn only, which is then imported)."""
        from sklearn.utils import ClassifierTags, Tags, TargetTags, TransformerTags

        is_classifier = self._estimator_type == "classifier"
        tags = Tags(
            estimator_type=self._estimator_type,
            target_tags=TargetTags(required=is_classifier),
            transformer_tags=TransformerTags() if self._sklearn_transformer else None,
            classifier_tags=ClassifierTags() if is_classifier else None,
        )
        return self._more_sklearn_tags(tags)

    def _more_sklearn_tags(self, tags: Any) -> Any:
        """Hook for a subclass to adjust the tags built by :meth:`__sklearn_tags__`."""
        return tags
