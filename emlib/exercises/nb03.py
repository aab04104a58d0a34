"""Exercises for notebook 03: EM for Gaussian mixtures."""

from __future__ import annotations

from ._base import Exercise, Slip

NB = "03_gmm_em_derivation"

EXERCISES = [
    Exercise(
        id="03.1", notebook=NB, title="The diagonal-covariance M-step (one coordinate)",
        statement=(
            "With a diagonal covariance the log-density splits over coordinates. For one component and one "
            "coordinate, with responsibilities $r_n$, data $x_n$, mean $\\mu$ and variance $v$, the part of "
            "$Q$ that depends on $v$ is $\\sum_{n=1}^{N} r_n\\big(-\\frac12\\log v - \\frac{(x_n-\\mu)^2}{2v}\\big)$. "
            "Differentiate with respect to $v$, set the derivative to zero and solve for $v$."
        ),
        declare=r"v positive; r_n positive; x_n real; \mu real; N integer(1, 6)",
        start=r"\frac{\partial}{\partial v}\sum_{n=1}^{N} r_n\left(-\frac{1}{2}\log v - \frac{(x_n-\mu)^2}{2v}\right)",
        target=r"v = \frac{\sum_{n=1}^{N} r_n (x_n-\mu)^2}{\sum_{n=1}^{N} r_n}",
        hints=("$\\frac{d}{dv}\\frac{1}{2v} = -\\frac{1}{2v^2}$.",
               "Multiply the condition by $2v^2$: it becomes linear in $v$."),
        solution=(r"= \sum_{n=1}^{N} r_n\left(-\frac{1}{2v} + \frac{(x_n-\mu)^2}{2v^2}\right) = 0",
                  r"\Rightarrow v\sum_{n=1}^{N} r_n = \sum_{n=1}^{N} r_n (x_n-\mu)^2",
                  r"\Rightarrow v = \frac{\sum_{n=1}^{N} r_n (x_n-\mu)^2}{\sum_{n=1}^{N} r_n}"),
        slips=(Slip((r"= \sum_{n=1}^{N} r_n\left(-\frac{1}{2v} + \frac{(x_n-\mu)^2}{v^2}\right)",), "factor 2"),),
    ),
    Exercise(
        id="03.2", notebook=NB, title="The spherical-covariance M-step in two dimensions",
        statement=(
            "A spherical covariance $vI$ in two dimensions, data $(x_n, y_n)$, mean $(a, b)$. The part of $Q$ "
            "that depends on $v$ is $\\sum_{n=1}^{N} r_n\\big(-\\log v - \\frac{(x_n-a)^2 + (y_n-b)^2}{2v}\\big)$ "
            "(the $-\\frac{d}{2}\\log v$ with $d = 2$). Find the maximising $v$."
        ),
        declare=r"v positive; r_n positive; x_n, y_n real; a, b real; N integer(1, 6)",
        start=r"\frac{\partial}{\partial v}\sum_{n=1}^{N} r_n\left(-\log v - \frac{(x_n-a)^2 + (y_n-b)^2}{2v}\right)",
        target=r"v = \frac{\sum_{n=1}^{N} r_n\left((x_n-a)^2 + (y_n-b)^2\right)}{2\sum_{n=1}^{N} r_n}",
        hints=("The derivative of $-\\log v$ is $-\\frac{1}{v}$, not $-\\frac{1}{2v}$: $d = 2$ coordinates share $v$.",
               "The result is the average squared distance divided by the dimension $d = 2$."),
        solution=(r"= \sum_{n=1}^{N} r_n\left(-\frac{1}{v} + \frac{(x_n-a)^2 + (y_n-b)^2}{2v^2}\right) = 0",
                  r"\Rightarrow 2v\sum_{n=1}^{N} r_n = \sum_{n=1}^{N} r_n\left((x_n-a)^2 + (y_n-b)^2\right)",
                  r"\Rightarrow v = \frac{\sum_{n=1}^{N} r_n\left((x_n-a)^2 + (y_n-b)^2\right)}{2\sum_{n=1}^{N} r_n}"),
        slips=(Slip((r"= \sum_{n=1}^{N} r_n\left(-\frac{1}{v} + \frac{(x_n-a)^2 + (y_n-b)^2}{2v^2}\right) = 0",
                     r"\Rightarrow v = \frac{\sum_{n=1}^{N} r_n\left((x_n-a)^2 + (y_n-b)^2\right)}{\sum_{n=1}^{N} r_n}"),
                    "factor 2"),),
    ),
    Exercise(
        id="03.3", notebook=NB, title="Two-component responsibilities are a logistic function",
        statement=(
            "Two components with unit variances, weights $\\pi_1, \\pi_2$ and means $\\mu_1, \\mu_2$. Show that the "
            "responsibility of component 1 (the start, after cancelling the common factor "
            "$1/\\sqrt{2\\pi}$) is $\\sigma(wx + c)$ with $\\sigma(t) = 1/(1+e^{-t})$, $w = \\mu_1 - \\mu_2$ and "
            "$c = \\log\\frac{\\pi_1}{\\pi_2} - \\frac{\\mu_1^2 - \\mu_2^2}{2}$. Write $\\sigma(\\dots)$ for the logistic function."
        ),
        declare=r"\pi_1, \pi_2 positive; \mu_1, \mu_2, x real",
        start=r"\frac{\pi_1 e^{-(x-\mu_1)^2/2}}{\pi_1 e^{-(x-\mu_1)^2/2} + \pi_2 e^{-(x-\mu_2)^2/2}}",
        target=r"\sigma\left((\mu_1-\mu_2)x + \log\frac{\pi_1}{\pi_2} - \frac{\mu_1^2-\mu_2^2}{2}\right)",
        hints=("Divide numerator and denominator by the numerator.",
               "$(x-\\mu_1)^2 - (x-\\mu_2)^2 = -2(\\mu_1-\\mu_2)x + \\mu_1^2 - \\mu_2^2$.",
               "$\\frac{\\pi_2}{\\pi_1} = e^{-\\log(\\pi_1/\\pi_2)}$."),
        solution=(r"= \frac{1}{1 + \frac{\pi_2}{\pi_1} e^{((x-\mu_1)^2 - (x-\mu_2)^2)/2}}",
                  r"= \frac{1}{1 + e^{-\left((\mu_1-\mu_2)x + \log\frac{\pi_1}{\pi_2} - \frac{\mu_1^2-\mu_2^2}{2}\right)}}",
                  r"= \sigma\left((\mu_1-\mu_2)x + \log\frac{\pi_1}{\pi_2} - \frac{\mu_1^2-\mu_2^2}{2}\right)"),
        slips=(Slip((r"= \frac{1}{1 + \frac{\pi_2}{\pi_1} e^{((x-\mu_2)^2 - (x-\mu_1)^2)/2}}",), "flipped sign"),),
    ),
    Exercise(
        id="03.4", notebook=NB, title="A MAP M-step for a mean with a Gaussian prior",
        statement=(
            "Put a prior $\\mathcal N(0, t)$ on the mean of one component (one dimension, known variance $s$). "
            "The M-step maximises $-\\sum_{n=1}^{N} r_n\\frac{(x_n-\\mu)^2}{2s} - \\frac{\\mu^2}{2t}$. "
            "Find $\\mu$: it shrinks the weighted mean towards 0."
        ),
        declare=r"s, t positive; r_n positive; x_n real; \mu real; N integer(1, 6)",
        start=r"\frac{\partial}{\partial \mu}\left(-\sum_{n=1}^{N} r_n\frac{(x_n-\mu)^2}{2s} - \frac{\mu^2}{2t}\right)",
        target=r"\mu = \frac{\sum_{n=1}^{N} r_n x_n}{\sum_{n=1}^{N} r_n + \frac{s}{t}}",
        hints=("$\\frac{d}{d\\mu}\\,\\big(-\\frac{(x_n-\\mu)^2}{2s}\\big) = \\frac{x_n-\\mu}{s}$.",
               "Multiply the condition by $s$ and collect the terms in $\\mu$."),
        solution=(r"= \frac{1}{s}\sum_{n=1}^{N} r_n(x_n-\mu) - \frac{\mu}{t} = 0",
                  r"\Rightarrow \sum_{n=1}^{N} r_n x_n = \mu\left(\sum_{n=1}^{N} r_n + \frac{s}{t}\right)",
                  r"\Rightarrow \mu = \frac{\sum_{n=1}^{N} r_n x_n}{\sum_{n=1}^{N} r_n + \frac{s}{t}}"),
        slips=(Slip((r"= \frac{1}{s}\sum_{n=1}^{N} r_n(x_N-\mu) - \frac{\mu}{t}",), "changed index"),),
    ),
]
