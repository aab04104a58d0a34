"""The scikit-learn estimator protocol for emlib's estimators, without importing scikit-learn.

:class:`EstimatorMixin` gives an estimator whose ``__init__`` only stores its keyword arguments
(scikit-learn's convention) ``get_params``/``set_params`` (so ``sklearn.base.clone``,
``GridSearchCV`` and ``Pipeline`` work), a ``repr`` listing the non-default parameters, and
``__sklearn_tags__`` (scikit-learn >= 1.6 asks every estimator for its tags), and scikit-learn's
bookkeeping of the input features: ``n_features_in_`` and ``feature_names_in_`` set by ``fit`` and
checked by every later method exactly as ``sklearn.utils.validation.validate_data`` checks them (same
errors, same warnings, same wording). scikit-learn is only imported inside ``__sklearn_tags__``, which
only scikit-learn itself calls: importing or using emlib never imports it. pandas is never imported
either: a data frame is recognised by its ``columns`` attribute.
"""

from __future__ import annotations

import inspect
import sys
import warnings
from typing import Any, TypeVar

import numpy as np

from .exceptions import not_fitted_error

__all__ = ["EstimatorMixin", "TransformerOutputMixin", "get_feature_names"]

_Self = TypeVar("_Self", bound="EstimatorMixin")


def get_feature_names(X: Any) -> np.ndarray | None:
    """The column names of a data frame ``X`` if they are all strings (scikit-learn's rule), else None.

    A data frame is anything 2-D with a ``columns`` attribute (pandas, and others with that
    interface); arrays and lists have no feature names.

    Parameters
    ----------
    X : array_like or data frame

    Returns
    -------
    numpy.ndarray of object or None
        The names, or None when ``X`` has no columns or none of its column names is a string.

    Raises
    ------
    TypeError
        When some column names are strings and others are not (scikit-learn's error and wording).
    """
    columns = getattr(X, "columns", None)
    if columns is None or isinstance(X, np.ndarray) or not hasattr(X, "shape") or len(X.shape) != 2:
        return None
    names = np.asarray(list(columns), dtype=object)
    if names.size == 0:
        return None
    types = sorted(t.__qualname__ for t in {type(v) for v in names})
    if len(types) > 1 and "str" in types:
        raise TypeError(
            "Feature names are only supported if all input features have string names, "
            f"but your input has {types} as feature name / column name types. "
            "If you want feature names to be stored and validated, you must convert "
            "them all to strings, by using X.columns = X.columns.astype(str) for "
            "example. Otherwise you can remove feature / column names from your input "
            "data, or convert them all to a non-string data type."
        )
    if types == ["str"]:
        return names
    return None


def _list_names(names: list) -> str:
    out = ""
    for i, name in enumerate(names):
        if i >= 5:
            out += "- ...\n"
            break
        out += f"- {name}\n"
    return out


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

    # ------------------------------------------------------------------ input features
    def _check_fitted(self, attribute: str) -> None:
        """Raise :class:`~emlib.exceptions.NotFittedError` (scikit-learn's too, see there) before ``fit``."""
        if not hasattr(self, attribute):
            raise not_fitted_error(f"this {type(self).__name__} is not fitted yet; call fit first")

    def _check_feature_names(self, X: Any, *, reset: bool) -> None:
        """Set (``reset``, in ``fit``) or check ``feature_names_in_`` as scikit-learn does.

        Called with the input as the user gave it, before it is converted to an array.

        Raises
        ------
        ValueError
            When ``X`` has other column names than in ``fit``, or the same in another order.

        Warns
        -----
        UserWarning
            When only one of ``fit``'s input and ``X`` has feature names.
        """
        names = get_feature_names(X)
        if reset:
            if names is not None:
                self.feature_names_in_ = names
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_  # refitted on data without names
            return
        fitted = getattr(self, "feature_names_in_", None)
        if fitted is None and names is None:
            return
        cls = type(self).__name__
        if fitted is None:
            warnings.warn(f"X has feature names, but {cls} was fitted without feature names", UserWarning, stacklevel=3)
            return
        if names is None:
            warnings.warn(
                f"X does not have valid feature names, but {cls} was fitted with feature names", UserWarning, stacklevel=3
            )
            return
        if len(fitted) != len(names) or np.any(fitted != names):
            message = "The feature names should match those that were passed during fit.\n"
            unexpected = sorted(set(names) - set(fitted))
            missing = sorted(set(fitted) - set(names))
            if unexpected:
                message += "Feature names unseen at fit time:\n" + _list_names(unexpected)
            if missing:
                message += "Feature names seen at fit time, yet now missing:\n" + _list_names(missing)
            if not unexpected and not missing:
                message += "Feature names must be in the same order as they were in fit.\n"
            raise ValueError(message)

    def _check_n_features(self, X: np.ndarray, *, reset: bool) -> None:
        """Set (``reset``) or check ``n_features_in_`` against a validated 2-D ``X`` (scikit-learn's wording)."""
        if reset:
            self.n_features_in_ = int(X.shape[1])
            return
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )

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


_OUTPUTS = ("default", "pandas", "polars")


class TransformerOutputMixin:
    """``get_feature_names_out`` and ``set_output`` for a transformer, as scikit-learn's mixins give them.

    The output names are the lower-cased class name followed by the output index (``kmeans0``,
    ``kmeans1``, ...), as ``sklearn.base.ClassNamePrefixFeaturesOutMixin`` makes them; the subclass
    sets ``_n_features_out`` in ``fit`` and passes its transform results through
    :meth:`_wrap_output`. ``set_output(transform="pandas")`` (or scikit-learn's global
    ``transform_output`` setting, read only when scikit-learn is already imported) makes
    ``transform`` and ``fit_transform`` return a data frame with those column names and, for a data
    frame input, its index; pandas (or polars) is imported only then.
    """

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns: ``<class name in lower case><index>``.

        Parameters
        ----------
        input_features : array_like of str, optional
            Checked against ``feature_names_in_`` / ``n_features_in_`` as scikit-learn does; the
            output names do not depend on them.

        Returns
        -------
        numpy.ndarray of object, shape (n_features_out,)
        """
        self._check_fitted("_n_features_out")  # type: ignore[attr-defined]
        if input_features is not None:
            given = np.asarray(input_features, dtype=object)
            fitted = getattr(self, "feature_names_in_", None)
            if fitted is not None and not np.array_equal(fitted, given):
                raise ValueError("input_features is not equal to feature_names_in_")
            if len(given) != self.n_features_in_:  # type: ignore[attr-defined]
                raise ValueError(
                    f"input_features should have length equal to number of features "
                    f"({self.n_features_in_}), got {len(given)}"  # type: ignore[attr-defined]
                )
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(self._n_features_out)], dtype=object)  # type: ignore[attr-defined]

    def set_output(self, *, transform: str | None = None) -> Any:
        """Choose the container ``transform`` and ``fit_transform`` return (scikit-learn's API).

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default None
            ``"default"``: numpy arrays; ``"pandas"``/``"polars"``: a data frame with the columns of
            :meth:`get_feature_names_out`; None: leave the setting unchanged.

        Returns
        -------
        self
        """
        if transform is None:
            return self
        if not isinstance(transform, str) or transform not in _OUTPUTS:
            raise ValueError(f"transform must be one of {_OUTPUTS} or None, got {transform!r}")
        config = dict(getattr(self, "_sklearn_output_config", {}))
        config["transform"] = transform
        self._sklearn_output_config = config  # the attribute sklearn.base.clone copies
        return self

    def _output_container(self) -> str:
        config = getattr(self, "_sklearn_output_config", {})
        if "transform" in config:
            return config["transform"]
        sklearn = sys.modules.get("sklearn")
        if sklearn is not None and hasattr(sklearn, "get_config"):  # scikit-learn's global setting
            return sklearn.get_config().get("transform_output", "default")
        return "default"

    def _wrap_output(self, data: np.ndarray, X: Any) -> Any:
        """``data`` in the container chosen by :meth:`set_output` (index from a data frame ``X``)."""
        container = self._output_container()
        if container == "default":
            return data
        columns = self.get_feature_names_out()
        if container == "pandas":
            import pandas as pd

            index = getattr(X, "index", None) if hasattr(X, "columns") else None
            return pd.DataFrame(data, index=index, columns=columns, copy=False)
        if container == "polars":
            import polars as pl

            return pl.DataFrame(data, schema=[str(c) for c in columns], orient="row")
        raise ValueError(f"transform output must be one of {_OUTPUTS}, got {container!r}")
