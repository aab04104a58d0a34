"""emlib: the library behind the checked derivations of EM, mixtures and recurrent-net gradients."""

__version__ = "0.1.0"
