"""The public API: everything exported exists, is documented, and estimators follow scikit-learn's conventions."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import emlib

ESTIMATORS = [emlib.GaussianMixture, emlib.BernoulliMixture, emlib.KMeans, emlib.MulticlassExpBoost,
              emlib.WeightedDecisionStump]


@pytest.mark.parametrize("name", emlib.__all__)
def test_exported_names_are_documented(name):
    obj = getattr(emlib, name)
    doc = inspect.getdoc(obj)
    assert doc and len(doc.split()) >= 3, f"emlib.{name} has no real docstring"
    if inspect.isfunction(obj) and inspect.signature(obj).parameters:
        assert "Parameters" in doc, f"emlib.{name}: numpy-style docstring needs a Parameters section"


def test_import_emlib_does_not_import_sympy():
    import subprocess
    import sys

    code = "import sys, emlib; print('sympy' in sys.modules, 'sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_init_stores_parameters_unchanged(cls):
    sig = inspect.signature(cls.__init__)
    params = {n: p.default for n, p in sig.parameters.items() if n != "self" and p.default is not inspect.Parameter.empty}
    est = cls(**({"n_components": 2} if "n_components" in sig.parameters and "n_components" not in params else {})
              | ({"n_clusters": 2} if "n_clusters" in sig.parameters and "n_clusters" not in params else {}))
    for name, default in params.items():
        value = getattr(est, name)
        assert value is default or (isinstance(default, float) and value == default), f"{cls.__name__}.{name} altered in __init__"
    learned = [a for a in vars(est) if a.endswith("_") and not a.startswith("_")]
    assert not learned, f"{cls.__name__} sets learned attributes before fit: {learned}"


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_predict_before_fit_raises_not_fitted(cls):
    sig = inspect.signature(cls.__init__)
    kwargs = {"n_components": 2} if "n_components" in sig.parameters else ({"n_clusters": 2} if "n_clusters" in sig.parameters else {})
    with pytest.raises(emlib.NotFittedError):
        cls(**kwargs).predict(np.zeros((3, 2)))
