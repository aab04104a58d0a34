"""emlib: the library behind the checked derivations of EM, mixtures and recurrent-net gradients.

Estimators and functions are importable from the top level; the derivation step checker lives in
:mod:`emlib.derivation` (imported on its own because it pulls in sympy).
"""

from .boosting import MulticlassExpBoost
from .divergence import kl_divergence, kl_mvnormal, kl_normal
from .exceptions import ConvergenceWarning, NotFittedError
from .kmeans import KMeans, kmeans_plusplus
from .latent import (
    SymmetricMixture1D,
    elbo,
    entropy,
    evidence_decomposition,
    expected_log_joint,
    kl_to_posterior,
    log_evidence,
    posterior,
)
from .lstm import LSTMTrace, lstm_forward, sigmoid
from .mixture import BernoulliMixture, GaussianMixture
from .montecarlo import MonteCarloEstimate, monte_carlo_estimate, monte_carlo_expectation
from .rnn import RNNForward, RNNGradients, bce_with_logits, rnn_backward, rnn_forward, rnn_loss
from .stumps import WeightedDecisionStump

__version__ = "0.1.0"

__all__ = [
    "BernoulliMixture",
    "ConvergenceWarning",
    "GaussianMixture",
    "KMeans",
    "LSTMTrace",
    "MonteCarloEstimate",
    "MulticlassExpBoost",
    "NotFittedError",
    "RNNForward",
    "RNNGradients",
    "SymmetricMixture1D",
    "WeightedDecisionStump",
    "bce_with_logits",
    "elbo",
    "entropy",
    "evidence_decomposition",
    "expected_log_joint",
    "kl_divergence",
    "kl_mvnormal",
    "kl_normal",
    "kl_to_posterior",
    "kmeans_plusplus",
    "log_evidence",
    "lstm_forward",
    "monte_carlo_estimate",
    "monte_carlo_expectation",
    "posterior",
    "rnn_backward",
    "rnn_forward",
    "rnn_loss",
    "sigmoid",
]
