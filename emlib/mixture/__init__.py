"""Mixture models fitted by EM: Gaussian and Bernoulli mixtures sharing one EM loop."""

from ._base import BaseMixture
from ._bernoulli import BernoulliMixture
from ._gaussian import GaussianMixture, estimate_gaussian_parameters

__all__ = ["BaseMixture", "BernoulliMixture", "GaussianMixture", "estimate_gaussian_parameters"]
