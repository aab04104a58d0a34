"""Exercises for notebook 01: KL divergence, maximum likelihood and Monte Carlo."""

from __future__ import annotations

import sympy as sp

from ..derivation import SPD, symmetric_matrix, vector
from ._base import Exercise, Slip

NB = "01_kl_mle_monte_carlo"


def _kl_mvn() -> Exercise:
    """KL(N(m1, S1) || N(m2, S2)) in two dimensions, with explicit symbolic matrices (sympy lines)."""
    A, B = symmetric_matrix("A", 2), symmetric_matrix("B", 2)
    m1, m2 = vector("m", 2), vector("n", 2)
    d = m1 - m2
    Binv = B.inv()
    quad = (d.T * Binv * d)[0, 0]
    start = (sp.log(B.det()) - sp.log(A.det())) / 2 - (A.inv() * A).trace() / 2 + ((Binv * A).trace() + quad) / 2
    step1 = (sp.log(B.det()) - sp.log(A.det())) / 2 - 1 + ((Binv * A).trace() + quad) / 2
    target = ((Binv * A).trace() + quad - 2 + sp.log(B.det() / A.det())) / 2
    wrong = sp.log(A.det() / B.det()) / 2 - 1 + ((Binv * A).trace() + quad) / 2
    return Exercise(
        id="01.4", notebook=NB, title="KL divergence between two bivariate Gaussians",
        statement=(
            "For $p = \\mathcal N(m, A)$ and $q = \\mathcal N(n, B)$ in two dimensions, "
            "$\\mathrm{KL}(p\\|q) = \\mathbb E_p[\\log p - \\log q]$. With "
            "$\\mathbb E_p[(x-c)^\\top M (x-c)] = \\mathrm{tr}(MA) + (m-c)^\\top M (m-c)$ the expectation is "
            "$\\tfrac12(\\log|B| - \\log|A|) - \\tfrac12\\mathrm{tr}(A^{-1}A) "
            "+ \\tfrac12\\big(\\mathrm{tr}(B^{-1}A) + (m-n)^\\top B^{-1}(m-n)\\big)$: make that your first line "
            "and simplify it to the closed form "
            "$\\tfrac12\\big(\\mathrm{tr}(B^{-1}A) + (m-n)^\\top B^{-1}(m-n) - 2 + \\log\\tfrac{|B|}{|A|}\\big)$. "
            "Write your lines as sympy expressions of the explicit matrices "
            "`A = symmetric_matrix('A', 2)`, `B = symmetric_matrix('B', 2)`, `m = vector('m', 2)`, "
            "`n = vector('n', 2)` (from `emlib.derivation`)."
        ),
        declare="", start=None, target=target,
        shown_target=r"\tfrac12\big(\mathrm{tr}(B^{-1}A) + (m-n)^\top B^{-1}(m-n) - 2 + \log\tfrac{|B|}{|A|}\big)",
        hints=("$\\mathrm{tr}(A^{-1}A) = \\mathrm{tr}(I) = 2$ in two dimensions.",
               "Combine the two log-determinants into one log of a ratio."),
        solution=(start, step1, target),
        slips=(Slip((start, wrong), "flipped sign"),),
        domain=(SPD(A), SPD(B)),
    )


EXERCISES = [
    Exercise(
        id="01.1", notebook=NB, title="The derivative of the KL divergence between two Bernoullis",
        statement=(
            "$\\mathrm{KL}(\\mathrm{Ber}(p)\\,\\|\\,\\mathrm{Ber}(q)) = p\\log\\frac{p}{q} + (1-p)\\log\\frac{1-p}{1-q}$. "
            "Differentiate it with respect to $q$ and bring the result to one fraction. Where is it zero, "
            "and why does that agree with notebook 01 (minimising KL to the truth)?"
        ),
        declare="p, q probability",
        start=r"\frac{\partial}{\partial q}\left(p\log\frac{p}{q} + (1-p)\log\frac{1-p}{1-q}\right)",
        target=r"\frac{q-p}{q(1-q)}",
        hints=("Only $-p\\log q - (1-p)\\log(1-q)$ depends on $q$.",
               "$\\frac{d}{dq}\\log(1-q) = -\\frac{1}{1-q}$.",
               "Put $-\\frac{p}{q} + \\frac{1-p}{1-q}$ over the common denominator $q(1-q)$."),
        solution=(r"= -\frac{p}{q} + \frac{1-p}{1-q}", r"= \frac{-p(1-q) + q(1-p)}{q(1-q)}", r"= \frac{q-p}{q(1-q)}"),
        slips=(Slip((r"= -\frac{p}{q} + \frac{1-p}{1-q}", r"= \frac{p-q}{q(1-q)}"), "flipped sign"),),
    ),
    Exercise(
        id="01.2", notebook=NB, title="Maximum likelihood for the rate of an exponential distribution",
        statement=(
            "Data $x_1, \\dots, x_n > 0$ from $p(x\\mid\\lambda) = \\lambda e^{-\\lambda x}$. The log-likelihood is "
            "$\\sum_{i=1}^{n} (\\log\\lambda - \\lambda x_i)$. Differentiate, set the derivative to zero and "
            "solve for $\\lambda$ (write `= 0` at the end of the derivative line, then `\\Rightarrow` lines)."
        ),
        declare=r"\lambda positive; x_i positive; n integer(1, 6)",
        start=r"\frac{\partial}{\partial \lambda}\sum_{i=1}^{n}\left(\log\lambda - \lambda x_i\right)",
        target=r"\lambda = \frac{n}{\sum_{i=1}^{n} x_i}",
        hints=("The derivative of each term is $\\frac{1}{\\lambda} - x_i$.",
               "$\\sum_{i=1}^{n} \\frac{1}{\\lambda} = \\frac{n}{\\lambda}$."),
        solution=(r"= \frac{n}{\lambda} - \sum_{i=1}^{n} x_i = 0", r"\Rightarrow \lambda = \frac{n}{\sum_{i=1}^{n} x_i}"),
        slips=(Slip((r"= \frac{n}{\lambda} - x_i = 0", r"\Rightarrow \lambda = \frac{n}{x_i}"), "dropped sum"),),
    ),
    Exercise(
        id="01.3", notebook=NB, title="KL divergence between two exponential distributions",
        statement=(
            "For $p(x) = \\lambda_1 e^{-\\lambda_1 x}$ and $q(x) = \\lambda_2 e^{-\\lambda_2 x}$, "
            "$\\log p(x) - \\log q(x) = \\log\\frac{\\lambda_1}{\\lambda_2} - (\\lambda_1 - \\lambda_2)x$ is linear in "
            "$x$, so $\\mathrm{KL}(p\\|q)$ is this expression at $x = \\mathbb E_p[x] = 1/\\lambda_1$ (the start). "
            "Simplify it to the form of the target, which is $\\ge 0$ because $u - 1 - \\log u \\ge 0$."
        ),
        declare=r"\lambda_1, \lambda_2 positive",
        start=r"\log\frac{\lambda_1}{\lambda_2} - \frac{\lambda_1 - \lambda_2}{\lambda_1}",
        target=r"\frac{\lambda_2}{\lambda_1} - 1 - \log\frac{\lambda_2}{\lambda_1}",
        hints=("Split the fraction: $\\frac{\\lambda_1 - \\lambda_2}{\\lambda_1} = 1 - \\frac{\\lambda_2}{\\lambda_1}$.",
               "$\\log\\frac{\\lambda_1}{\\lambda_2} = -\\log\\frac{\\lambda_2}{\\lambda_1}$."),
        solution=(r"= \log\lambda_1 - \log\lambda_2 - 1 + \frac{\lambda_2}{\lambda_1}",
                  r"= \frac{\lambda_2}{\lambda_1} - 1 - \log\frac{\lambda_2}{\lambda_1}"),
        slips=(Slip((r"= \log\lambda_1 - \log\lambda_2 + \frac{\lambda_2}{\lambda_1}",), "dropped constant"),),
    ),
    _kl_mvn(),
]
