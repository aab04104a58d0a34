"""scikit-learn's estimator conformance checks on every emlib estimator (issue 16).

``parametrize_with_checks`` runs scikit-learn's own API checks (cloning, ``get_params``/``set_params``,
pickling, input validation, invariances, ...) on each estimator. A check that fails by design is listed
in :func:`expected_failed_checks` with the reason; it is run as a strict xfail, so a listed check that
starts to pass fails the suite and the list has to be updated. scikit-learn is a test-only dependency:
emlib never imports it.
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
_NOT_FITTED = (
    "emlib raises its own emlib.NotFittedError (a ValueError and AttributeError, like scikit-learn's); "
    "it cannot subclass sklearn.exceptions.NotFittedError without importing scikit-learn at runtime"
)
_BINARY = (
    "BernoulliMixture models binary data and rejects any X entry other than 0 and 1 with a ValueError "
    "naming X; the check fits on continuous data (no scikit-learn tag asks for binary input)"
)
# Boosting and stumps: behaviour of emlib.boosting / emlib.stumps, which this issue does not change.
_Y_LABELS = (
    "emlib validates y itself (any 1-D integer, string or real labels; objects and 2-D y are refused "
    "with TypeError/ValueError naming y) and does not use scikit-learn's type_of_target wording "
    "('Unknown label type', 'continuous')"
)
_N_FEATURES_BOOST = (
    "emlib.boosting/stumps word the feature-count error 'X must have d features as in fit', not "
    "scikit-learn's 'X has n features, but ... is expecting d features as input'"
)
_WEAK = (
    "a single stump is a weak learner: one split cannot separate the check's three blobs, so its "
    "training accuracy stays below the check's 0.83"
)
_DECISION_2COL = (
    "MulticlassExpBoost.decision_function returns one column per class also for two classes (the "
    "K-vector scores g^k of the multi-class derivation); scikit-learn expects a 1-D score for binary "
    "problems"
)
_SAMPLE_WEIGHT = (
    "a zero-weight sample still counts as a distinct feature value when the stump places its threshold "
    "midway between consecutive distinct values, so weight 0 is not the same as removing the sample: "
    "the threshold, and the predictions of points near it, move (positive integer weights do equal "
    "repetitions)"
)


def expected_failed_checks(estimator) -> dict[str, str]:
    """Checks each estimator fails by design, with the reason."""
    name = type(estimator).__name__
    common = {"check_complex_data": _COMPLEX, "check_estimators_unfitted": _NOT_FITTED}
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
    if name in ("MulticlassExpBoost", "WeightedDecisionStump"):
        out = common | {
            "check_n_features_in_after_fitting": _N_FEATURES_BOOST,
            "check_sample_weight_equivalence_on_dense_data": _SAMPLE_WEIGHT,
            "check_dtype_object": _Y_LABELS,
            "check_classifiers_regression_target": _Y_LABELS,
            "check_supervised_y_2d": _Y_LABELS,
            "check_requires_y_none": _Y_LABELS,
        }
        if name == "MulticlassExpBoost":
            out |= {
                "check_classifiers_train": _DECISION_2COL,
                "check_classifiers_classes": _DECISION_2COL,
                "check_decision_proba_consistency": _DECISION_2COL,
                "check_fit2d_1sample": (
                    "one sample has one class: MulticlassExpBoost refuses it with 'y must contain at least 2 "
                    "classes', not one of the check's phrases"
                ),
            }
        else:
            out |= {"check_classifiers_train": _WEAK, "check_classifiers_classes": _Y_LABELS}
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
