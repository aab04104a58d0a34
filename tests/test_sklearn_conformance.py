"""scikit-learn's estimator conformance checks on every emlib estimator (issue 16).

``parametrize_with_checks`` runs scikit-learn's own API checks (cloning, ``get_params``/``set_params``,
pickling, input validation, invariances, ...) on each estimator. A check that fails by design is listed
in :func:`expected_failed_checks` with the reason; it is run as a strict xfail, so a listed check that
starts to pass fails the suite and the list has to be updated; every reason is confirmed by a probe
test (here or in the estimator's own test file). scikit-learn is a test-only dependency: emlib never
imports it.

Issue 25 adds what a scikit-learn user meets beyond the checks: ``feature_names_in_`` checked as
scikit-learn's ``validate_data`` checks it, scikit-learn's exception classes, ``set_output`` and
``get_feature_names_out`` in pipelines, binary ``decision_function`` for ``roc_auc`` and calibration,
``predict_proba`` of the stump for one-vs-rest, and scikit-learn's refusal of a continuous target.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import emlib
from emlib.exceptions import ConvergenceWarning


ESTIMATORS = [
    emlib.GaussianMixture(random_state=0),
    emlib.GaussianMixture(covariance_type="diag", n_init=2, init_params="k-means++", random_state=0),
    emlib.BernoulliMixture(random_state=0),
    emlib.KMeans(n_clusters=3, random_state=0),
    emlib.KMeans(n_clusters=3, init="random", n_init=2, random_state=0),
    emlib.MulticlassExpBoost(n_estimators=10),
    emlib.WeightedDecisionStump(),
]

# ----------------------------------------------------------------------------- expected failures
# emlib's conventions (README, "Guarantees") that differ from what a check asserts:
_COMPLEX = (
    "emlib's convention: complex input is the wrong kind of value and raises TypeError naming the "
    "argument; the check wants ValueError"
)
_BINARY = (
    "BernoulliMixture models binary data and rejects any X entry other than 0 and 1 with a ValueError "
    "naming X; the check fits on continuous data (no scikit-learn tag asks for binary input)"
)
_Y_2D = (
    "emlib refuses a 2-D y (also a column vector) with 'y must be 1-D'; scikit-learn's classifiers "
    "ravel a column vector with a DataConversionWarning (a scikit-learn class emlib does not use)"
)
_Y_NONE = (
    "emlib's convention: y=None is the wrong kind of value and raises TypeError naming y (tests/"
    "test_robustness.py asks for it); the check wants scikit-learn's ValueError 'requires y to be passed'"
)
_WEAK = (
    "a single stump is a weak learner: one split cannot separate the check's three blobs, so its "
    "training accuracy stays below the check's 0.83"
)
_BOOST_TIE = (
    "two stumps are exactly tied in round 2 (weighted error 5/36 in exact arithmetic); the weighted fit "
    "and the fit on repeated rows round that error differently (one weight-k sample against k copies), "
    "so its last bit decides which stump is kept, and predict_proba differs (see "
    "test_boosting_sample_weight_failure_is_an_exact_tie)"
)
_KMEANS_SW = (
    "the seeding's random draws depend on the number of rows: weighted data and the same data with "
    "repeated rows start from different centres (scikit-learn's KMeans has the same expected failure); "
    "from the same explicit init the two fits agree (tests/test_kmeans.py::"
    "test_sample_weight_equals_repetition_from_the_same_centres)"
)


def expected_failed_checks(estimator) -> dict[str, str]:
    """Checks each estimator fails by design, with the reason."""
    name = type(estimator).__name__
    common = {"check_complex_data": _COMPLEX}
    if name == "BernoulliMixture":
        binary = [
            "check_fit_score_takes_y", "check_estimators_overwrite_params", "check_dont_overwrite_parameters",
            "check_estimators_fit_returns_self", "check_readonly_memmap_input", "check_n_features_in_after_fitting",
            "check_positive_only_tag_during_fit", "check_estimators_dtypes", "check_dtype_object",
            "check_pipeline_consistency", "check_estimators_nan_inf", "check_estimators_pickle",
            "check_f_contiguous_array_estimator", "check_methods_sample_order_invariance",
            "check_methods_subset_invariance", "check_fit2d_1sample", "check_fit2d_1feature", "check_dict_unchanged",
            "check_fit_idempotent", "check_fit_check_is_fitted", "check_n_features_in", "check_fit2d_predict1d",
        ]
        return common | dict.fromkeys(binary, _BINARY)
    if name == "KMeans":
        return common | {"check_sample_weight_equivalence_on_dense_data": _KMEANS_SW}
    if name in ("MulticlassExpBoost", "WeightedDecisionStump"):
        out = common | {"check_supervised_y_2d": _Y_2D, "check_requires_y_none": _Y_NONE}
        if name == "MulticlassExpBoost":
            out |= {
                "check_sample_weight_equivalence_on_dense_data": _BOOST_TIE,
                "check_fit2d_1sample": (
                    "one sample has one class: MulticlassExpBoost refuses it with 'y must contain at least 2 "
                    "classes', not one of the check's phrases"
                ),
            }
        else:
            out |= {"check_classifiers_train": _WEAK}
        return out
    return common


with warnings.catch_warnings():
    # emlib's estimators deliberately do not inherit sklearn.base.BaseEstimator (no runtime import of
    # scikit-learn); scikit-learn warns about that when it collects the checks.
    warnings.filterwarnings("ignore", message=r"Estimator \w+ does not inherit from `sklearn.base.BaseEstimator`")
    _sklearn_checks = parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks,
                                              xfail_strict=True)


@_sklearn_checks
def test_sklearn_estimator_checks(estimator, check):
    # The checks fit on small random data; an EM or Lloyd fit that stops at max_iter there is not a
    # conformance failure. Any other warning is turned into an error by pyproject's filterwarnings.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        check(estimator)


# ----------------------------------------------------------------------------- drop-in use
def test_clone_grid_search_and_pipeline_work():
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(40, 2)), rng.normal(size=(40, 2)) + 5.0])
    gm = emlib.GaussianMixture(2, covariance_type="diag", reg_covar=1e-4, random_state=np.random.RandomState(0))
    c = clone(gm)
    assert c is not gm and c.get_params()["covariance_type"] == "diag" and c.reg_covar == 1e-4
    search = GridSearchCV(emlib.GaussianMixture(random_state=0), {"n_components": [1, 2, 3]}, cv=3).fit(X)
    assert search.best_params_["n_components"] == 2  # GaussianMixture.score: mean log-likelihood
    search = GridSearchCV(emlib.KMeans(random_state=0), {"n_clusters": [2, 3]}, cv=2).fit(X)
    assert set(search.cv_results_["params"][0]) == {"n_clusters"}
    pipe = make_pipeline(StandardScaler(), emlib.KMeans(2, random_state=0)).fit(X)
    assert pipe.transform(X).shape == (80, 2) and pipe.predict(X).shape == (80,)
    pipe.set_params(kmeans__n_clusters=3)
    assert pipe.fit(X).named_steps["kmeans"].cluster_centers_.shape == (3, 2)
    bm = emlib.BernoulliMixture(3, alpha=0.5)
    assert clone(bm).get_params() == bm.get_params()


# ----------------------------------------------------------------------------- feature names (issue 25)
def _fitted(est, X, y):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        return est.fit(X, y) if y is not None else est.fit(X)


def _feature_name_cases():
    """(estimator, X, y, the method to call): every estimator on data it accepts."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    Xb = (X > 0).astype(float)
    return [
        (emlib.KMeans(3, random_state=0), X, None, "transform"),
        (emlib.GaussianMixture(2, random_state=0), X, None, "score_samples"),
        (emlib.BernoulliMixture(2, random_state=0), Xb, None, "predict_proba"),
        (emlib.MulticlassExpBoost(5), X, y, "predict_proba"),
        (emlib.WeightedDecisionStump(), X, y, "predict"),
    ]


@pytest.mark.parametrize("est, X, y, method", _feature_name_cases(), ids=lambda v: type(v).__name__ if hasattr(v, "fit") else "")
def test_feature_names_are_set_and_checked_as_scikit_learn_does(est, X, y, method):
    import pandas as pd
    from sklearn.preprocessing import StandardScaler  # the reference: sklearn's own validate_data

    cols = ["a", "b", "c"]
    df = pd.DataFrame(X, columns=cols)
    ref = StandardScaler().fit(df)
    est = _fitted(est, df, y)
    assert list(est.feature_names_in_) == cols and est.feature_names_in_.dtype == object
    assert est.n_features_in_ == 3
    call = getattr(est, method)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same names: no warning
        call(df)
    for bad in (df[["b", "a", "c"]], df.rename(columns={"c": "z"}), df[["a", "b"]]):
        with pytest.raises(ValueError) as theirs:
            ref.transform(bad)
        with pytest.raises(ValueError) as ours:
            call(bad)
        assert str(ours.value) == str(theirs.value)
    # every public method that takes X checks the names once (no warning from a nested call)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for other in ("predict", "score", "bic", "aic", "transform", "predict_proba", "score_samples"):
            if hasattr(est, other):
                getattr(est, other)(df) if other not in ("score",) or y is None else est.score(df, y)
    # fitted with names, called with an array: scikit-learn's warning, with the class name in it
    with pytest.warns(UserWarning, match=f"X does not have valid feature names, but {type(est).__name__} was fitted with"):
        call(X)
    # refitted on an array: the names are dropped, and a data frame now warns the other way
    est = _fitted(est, X, y)
    assert not hasattr(est, "feature_names_in_")
    with pytest.warns(UserWarning, match=f"X has feature names, but {type(est).__name__} was fitted without"):
        getattr(est, method)(df)
    # non-string column names are no feature names; mixed ones are scikit-learn's TypeError
    est = _fitted(est, pd.DataFrame(X), y)
    assert not hasattr(est, "feature_names_in_")
    with pytest.raises(TypeError, match="Feature names are only supported if all input features have string names"):
        est.fit(pd.DataFrame(X, columns=["a", 1, "c"]), *(() if y is None else (y,)))


def test_wrong_feature_count_is_worded_as_in_scikit_learn():
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 3))
    ref = StandardScaler().fit(X)
    with pytest.raises(ValueError) as theirs:
        ref.transform(X[:, :2])
    for est, y in ((emlib.KMeans(2, random_state=0), None), (emlib.GaussianMixture(2, random_state=0), None),
                   (emlib.MulticlassExpBoost(3), (X[:, 0] > 0).astype(int)), (emlib.WeightedDecisionStump(), (X[:, 0] > 0).astype(int))):
        est = _fitted(est, X, y)
        with pytest.raises(ValueError) as ours:
            est.predict(X[:, :2])
        assert str(ours.value) == str(theirs.value).replace("StandardScaler", type(est).__name__)


# ----------------------------------------------------------------------------- exceptions (issue 25)
def test_emlib_errors_and_warnings_are_scikit_learns_when_it_is_imported():
    import sklearn.exceptions as ske

    for est in (emlib.KMeans(2), emlib.GaussianMixture(2), emlib.BernoulliMixture(2), emlib.MulticlassExpBoost(),
                emlib.WeightedDecisionStump()):
        with pytest.raises(ske.NotFittedError) as info:
            est.predict(np.zeros((3, 2)))
        assert isinstance(info.value, emlib.NotFittedError) and isinstance(info.value, (ValueError, AttributeError))
    import pickle

    err = pickle.loads(pickle.dumps(info.value))
    assert isinstance(err, ske.NotFittedError) and isinstance(err, emlib.NotFittedError) and err.args == info.value.args
    X = np.random.default_rng(0).normal(size=(200, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=ske.ConvergenceWarning)  # scikit-learn's category silences emlib's
        emlib.GaussianMixture(3, max_iter=1, tol=0.0, random_state=0).fit(X)
        emlib.KMeans(3, random_state=0).fit(np.zeros((10, 2)))  # fewer distinct points than clusters
    with pytest.warns(ske.ConvergenceWarning) as rec:
        emlib.GaussianMixture(3, max_iter=1, tol=0.0, random_state=0).fit(X)
    assert all(issubclass(r.category, emlib.ConvergenceWarning) for r in rec)


def test_emlib_errors_and_warnings_without_scikit_learn():
    """With scikit-learn blocked, emlib's classes have scikit-learn's bases and nothing imports it."""
    import subprocess
    import sys

    code = """
import sys, warnings
sys.modules["sklearn"] = None  # import sklearn now raises ImportError
import numpy as np, emlib
assert emlib.NotFittedError.__mro__[1:] == (ValueError, AttributeError, Exception, BaseException, object)
assert emlib.ConvergenceWarning.__mro__[1:] == (UserWarning, Warning, Exception, BaseException, object)
try:
    emlib.KMeans(2).predict(np.zeros((2, 2)))
except emlib.NotFittedError as exc:
    assert type(exc) is emlib.NotFittedError, type(exc)
with warnings.catch_warnings(record=True) as rec:
    warnings.simplefilter("always")
    emlib.GaussianMixture(3, max_iter=1, tol=0.0, random_state=0).fit(np.random.default_rng(0).normal(size=(50, 2)))
assert [r.category for r in rec] == [emlib.ConvergenceWarning], rec
import pickle
err = pickle.loads(pickle.dumps(emlib.NotFittedError("x")))
assert type(err) is emlib.NotFittedError
assert sys.modules["sklearn"] is None and "sklearn.exceptions" not in sys.modules
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.split() == ["ok"], out.stderr


# ----------------------------------------------------------------------------- set_output, feature names out
def test_kmeans_set_output_and_feature_names_out_in_pipelines():
    import pandas as pd
    from sklearn import config_context
    from sklearn.cluster import KMeans as SkKMeans
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(2)
    df = pd.DataFrame(rng.normal(size=(50, 3)), columns=["a", "b", "c"], index=np.arange(100, 150))
    km = emlib.KMeans(4, random_state=0).fit(df)
    sk = SkKMeans(4, n_init=1, random_state=0).fit(df)
    np.testing.assert_array_equal(km.get_feature_names_out(), sk.get_feature_names_out())
    assert km.get_feature_names_out().dtype == sk.get_feature_names_out().dtype
    np.testing.assert_array_equal(km.get_feature_names_out(["a", "b", "c"]), sk.get_feature_names_out(["a", "b", "c"]))
    for bad in (["a", "b", "z"], ["a", "b"]):
        with pytest.raises(ValueError) as theirs:
            sk.get_feature_names_out(bad)
        with pytest.raises(ValueError) as ours:
            km.get_feature_names_out(bad)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(emlib.NotFittedError):
        emlib.KMeans(2).get_feature_names_out()

    out = emlib.KMeans(4, random_state=0).set_output(transform="pandas").fit(df).transform(df)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == [f"kmeans{i}" for i in range(4)]
    assert out.index.equals(df.index)
    np.testing.assert_array_equal(out.to_numpy(), km.transform(df))
    out = emlib.KMeans(4, random_state=0).set_output(transform="pandas").fit_transform(df)
    assert isinstance(out, pd.DataFrame) and out.index.equals(df.index)
    assert isinstance(km.set_output(transform="default").transform(df), np.ndarray)

    pipe = make_pipeline(StandardScaler(), emlib.KMeans(3, random_state=0)).set_output(transform="pandas")
    out = pipe.fit_transform(df)
    assert list(out.columns) == ["kmeans0", "kmeans1", "kmeans2"] and out.index.equals(df.index)
    union = FeatureUnion([("km", emlib.KMeans(2, random_state=0)), ("sc", StandardScaler())]).fit(df)
    assert list(union.get_feature_names_out()) == ["km__kmeans0", "km__kmeans1", "sc__a", "sc__b", "sc__c"]
    ct = ColumnTransformer([("km", emlib.KMeans(2, random_state=0), ["a", "b"])]).fit(df)
    assert list(ct.get_feature_names_out()) == ["km__kmeans0", "km__kmeans1"]
    with config_context(transform_output="pandas"):
        out = emlib.KMeans(2, random_state=0).fit(df).transform(df)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["kmeans0", "kmeans1"]
    with pytest.raises(ValueError, match="transform must be one of"):
        emlib.KMeans(2).set_output(transform="xml")
    from sklearn.base import clone

    assert clone(emlib.KMeans(2).set_output(transform="pandas"))._sklearn_output_config == {"transform": "pandas"}


# ----------------------------------------------------------------------------- boosting in scikit-learn tools
def _binary_data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y


def test_binary_decision_function_is_one_column_and_works_with_roc_auc_and_calibration():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import cross_val_score

    X, y = _binary_data()
    m = emlib.MulticlassExpBoost(20).fit(X, y)
    d = m.decision_function(X)
    G = m._scores(X)
    assert d.shape == (120,) and G.shape == (120, 2)
    np.testing.assert_array_equal(d, G[:, 1] - G[:, 0])
    np.testing.assert_array_equal(m.predict(X), m.classes_[(d > 0).astype(int)])
    staged = list(m.staged_decision_function(X))
    assert staged[-1].shape == (120,) and np.array_equal(staged[-1], d)
    assert roc_auc_score(y, d) > 0.8
    assert cross_val_score(emlib.MulticlassExpBoost(20), X, y, scoring="roc_auc", cv=3).min() > 0.7
    cal = CalibratedClassifierCV(emlib.MulticlassExpBoost(20), cv=3).fit(X, y)
    P = cal.predict_proba(X)
    assert P.shape == (120, 2) and np.allclose(P.sum(axis=1), 1.0)
    # three classes keep the (n, K) scores of the derivation
    y3 = y + (X[:, 2] > 1)
    assert emlib.MulticlassExpBoost(5).fit(X, y3).decision_function(X).shape == (120, 3)


def test_stump_predict_proba_and_one_vs_rest():
    from sklearn.multiclass import OneVsRestClassifier

    X, y = _binary_data(seed=3)
    y3 = y + (X[:, 2] > 0.8)
    w = np.random.default_rng(4).uniform(0.5, 2.0, size=y.size)
    s = emlib.WeightedDecisionStump().fit(X, y3, sample_weight=w)
    P = s.predict_proba(X)
    assert P.shape == (120, 3) and np.allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(s.classes_[np.argmax(P, axis=1)], s.predict(X))
    # independent count: the weighted class fractions of the left side
    left = X[:, s.feature_] <= s.threshold_
    expect = np.array([w[left & (y3 == c)].sum() for c in s.classes_]) / w[left].sum()
    np.testing.assert_allclose(P[np.flatnonzero(left)[0]], expect, rtol=1e-14)
    ovr = OneVsRestClassifier(emlib.WeightedDecisionStump()).fit(X, y3)
    assert ovr.predict_proba(X).shape == (120, 3) and ovr.predict(X).shape == (120,)


@pytest.mark.parametrize("cls", [emlib.MulticlassExpBoost, emlib.WeightedDecisionStump])
def test_continuous_target_is_refused_as_scikit_learn_does(cls):
    from sklearn.tree import DecisionTreeClassifier

    X, _ = _binary_data()
    y = X[:, 0] * 1.5  # continuous
    with pytest.raises(ValueError) as theirs:
        DecisionTreeClassifier().fit(X, y)
    with pytest.raises(ValueError) as ours:
        cls().fit(X, y)
    assert str(ours.value) == str(theirs.value)
    cls().fit(X, np.round(y))  # integral floats are classes


@pytest.mark.parametrize("cls", [emlib.MulticlassExpBoost, emlib.WeightedDecisionStump])
def test_string_object_and_categorical_labels_give_classes_as_given(cls):
    import pandas as pd
    from sklearn.tree import DecisionTreeClassifier

    X, y = _binary_data()
    y3 = y + (X[:, 2] > 0.8)
    names = np.array(["cat", "dog", "emu"])[y3]
    for labels in (names, names.astype(object), pd.Series(names), pd.Series(names, dtype="category"),
                   pd.Series(names, dtype="string")):
        m = cls().fit(X, labels)
        ref = DecisionTreeClassifier().fit(X, labels)
        np.testing.assert_array_equal(m.classes_, ref.classes_)
        assert set(m.predict(X)) <= {"cat", "dog", "emu"}
    # a mix of strings and numbers: scikit-learn's unique_labels wording (sklearn 1.9's tree fails
    # earlier, sorting the labels, with a bare TypeError)
    with pytest.raises(ValueError, match="Mix of label input types \\(string and number\\)"):
        cls().fit(X, np.array(["a", 1] * 60, dtype=object))


# ----------------------------------------------------------------------------- probes of the expected failures
def test_boosting_sample_weight_failure_is_an_exact_tie():
    """The check's data: round 2's two candidate stumps have the same weighted error to rounding."""
    from sklearn.utils import shuffle

    rng = np.random.RandomState(42)
    X = rng.rand(15, 30)
    y = rng.randint(0, 3, size=15)
    sw = rng.randint(0, 5, size=15)
    Xw, yw, sww = shuffle(X, y, sw, random_state=0)
    rep = emlib.MulticlassExpBoost(10).fit(X.repeat(sw, axis=0), y.repeat(sw))
    wtd = emlib.MulticlassExpBoost(10).fit(Xw, yw, sample_weight=sww)
    a, b = rep.estimators_[1], wtd.estimators_[1]
    assert (a.feature_, a.threshold_) != (b.feature_, b.threshold_)  # they keep different stumps ...
    # ... whose errors are 5/36 up to the last bits, each under its own fit's weights
    assert abs(rep.errors_[1] - 5 / 36) < 4e-16 and abs(wtd.errors_[1] - 5 / 36) < 4e-16
    assert rep.errors_[1] != wtd.errors_[1]
    # and under one set of weights (the weighted fit's round-2 weights) both stumps err equally
    G = wtd._coded(wtd.estimators_[0]._index(Xw)) * wtd.alphas_[0]
    from emlib.boosting import _exponents

    D = sww * np.exp(_exponents(G, np.searchsorted(wtd.classes_, yw)))
    err = [D[s._index(Xw) != np.searchsorted(wtd.classes_, yw)].sum() / D.sum() for s in (a, b)]
    assert abs(err[0] - err[1]) < 4e-16
    # every other round keeps the same stump in both fits; the stump alone passes the check
    assert all((s.feature_, s.threshold_) == (t.feature_, t.threshold_)
               for i, (s, t) in enumerate(zip(rep.estimators_, wtd.estimators_)) if i != 1)


def test_boosting_column_vector_y_is_refused():
    X, y = _binary_data()
    for cls in (emlib.MulticlassExpBoost, emlib.WeightedDecisionStump):
        with pytest.raises(ValueError, match="y must be 1-D"):
            cls().fit(X, y[:, None])
        with pytest.raises(TypeError, match="y must"):
            cls().fit(X, None)


def test_stump_is_too_weak_for_the_three_blob_check_and_boosting_refuses_one_sample():
    from sklearn.datasets import make_blobs
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils import shuffle

    X, y = make_blobs(n_samples=300, random_state=0)  # check_classifiers_train's data
    X, y = shuffle(X, y, random_state=7)
    X = StandardScaler().fit_transform(X)
    acc = np.mean(emlib.WeightedDecisionStump().fit(X, y).predict(X) == y)
    assert acc < 0.83  # one split leaves one of the three blobs to the wrong side
    assert np.mean(emlib.MulticlassExpBoost(10).fit(X, y).predict(X) == y) > 0.83  # boosting it passes
    with pytest.raises(ValueError, match="y must contain at least 2 classes"):
        emlib.MulticlassExpBoost().fit(X[:1], y[:1])
