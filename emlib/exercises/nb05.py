"""Exercises for notebook 05: mixtures of Bernoulli distributions."""

from __future__ import annotations

from ._base import Exercise, Slip

NB = "05_bernoulli_mixture"

LAGRANGIAN = r"N_1\log\pi_1 + N_2\log\pi_2 + N_3\log\pi_3 - \lambda(\pi_1 + \pi_2 + \pi_3 - 1)"

EXERCISES = [
    Exercise(
        id="05.1", notebook=NB, title="The weight update by a Lagrange multiplier: stationarity",
        statement=(
            "The M-step for the weights maximises $\\sum_k N_k\\log\\pi_k$ (with $N_k = \\sum_n r_{nk}$) subject "
            f"to $\\sum_k \\pi_k = 1$. For $K = 3$, differentiate the Lagrangian ${LAGRANGIAN}$ with respect to "
            "$\\pi_1$, set the derivative to zero and solve for $\\pi_1$."
        ),
        declare=r"\pi_1, \pi_2, \pi_3 positive; N_1, N_2, N_3 positive; \lambda positive",
        start=r"\frac{\partial}{\partial \pi_1}\left(" + LAGRANGIAN + r"\right)",
        target=r"\pi_1 = \frac{N_1}{\lambda}",
        hints=("Only $N_1\\log\\pi_1 - \\lambda\\pi_1$ depends on $\\pi_1$.",),
        solution=(r"= \frac{N_1}{\pi_1} - \lambda = 0", r"\Rightarrow \pi_1 = \frac{N_1}{\lambda}"),
        slips=(Slip((r"= \frac{N_1}{\pi_1} - \lambda = 0", r"\Rightarrow \pi_1 = \frac{\lambda}{N_1}"), "missing inverse"),),
    ),
    Exercise(
        id="05.2", notebook=NB, title="The weight update by a Lagrange multiplier: the multiplier",
        statement=(
            "Exercise 05.1 gives $\\pi_k = N_k/\\lambda$ for every $k$. Put these into the constraint "
            "$\\pi_1 + \\pi_2 + \\pi_3 = 1$ (the start) and solve for $\\lambda$; then $\\pi_k = N_k / N$."
        ),
        declare=r"N_1, N_2, N_3 positive; \lambda positive",
        start=r"\frac{N_1}{\lambda} + \frac{N_2}{\lambda} + \frac{N_3}{\lambda} = 1",
        target=r"\lambda = N_1 + N_2 + N_3",
        hints=("Multiply both sides by $\\lambda$.",),
        solution=(r"\Rightarrow N_1 + N_2 + N_3 = \lambda", r"\Rightarrow \lambda = N_1 + N_2 + N_3"),
        slips=(Slip((r"\Rightarrow \lambda = N_1 + N_2",), "dropped term"),),
    ),
    Exercise(
        id="05.3", notebook=NB, title="The M-step for a Bernoulli mean",
        statement=(
            "For one component and one pixel, with responsibilities $r_n$ and binary data $x_n$, the M-step "
            "maximises $\\sum_{n=1}^{N} r_n\\big(x_n\\log\\mu + (1-x_n)\\log(1-\\mu)\\big)$ over $\\mu$. Derive the "
            "update (it holds for any $x_n \\in [0, 1]$)."
        ),
        declare=r"\mu probability; r_n positive; x_n probability; N integer(1, 6)",
        start=r"\frac{\partial}{\partial \mu}\sum_{n=1}^{N} r_n\left(x_n\log\mu + (1-x_n)\log(1-\mu)\right)",
        target=r"\mu = \frac{\sum_{n=1}^{N} r_n x_n}{\sum_{n=1}^{N} r_n}",
        hints=("$\\frac{d}{d\\mu}\\log(1-\\mu) = -\\frac{1}{1-\\mu}$.",
               "Multiply the condition by $\\mu(1-\\mu)$; the terms $\\mu r_n x_n$ cancel."),
        solution=(r"= \sum_{n=1}^{N} r_n\left(\frac{x_n}{\mu} - \frac{1-x_n}{1-\mu}\right) = 0",
                  r"\Rightarrow (1-\mu)\sum_{n=1}^{N} r_n x_n = \mu\sum_{n=1}^{N} r_n (1-x_n)",
                  r"\Rightarrow \mu = \frac{\sum_{n=1}^{N} r_n x_n}{\sum_{n=1}^{N} r_n}"),
        slips=(Slip((r"= \sum_{n=1}^{N} r_n\left(\frac{x_n}{\mu} + \frac{1-x_n}{1-\mu}\right)",), "flipped sign"),),
    ),
    Exercise(
        id="05.4", notebook=NB, title="The log-sum-exp shift of the E-step in log space",
        statement=(
            "Notebook 05 computes responsibilities in log space. Show that for any shift $m$ (in practice "
            "$m = \\max(a, b)$) $\\log(e^a + e^b) = m + \\log(e^{a-m} + e^{b-m})$, so no exponential overflows."
        ),
        declare="a, b, m real",
        start=r"\log\left(e^{a} + e^{b}\right)",
        target=r"m + \log\left(e^{a-m} + e^{b-m}\right)",
        hints=("Factor $e^m$ out of the sum: $e^a = e^m e^{a-m}$.", "$\\log(e^m u) = m + \\log u$ for $u > 0$."),
        solution=(r"= \log\left(e^{m}\left(e^{a-m} + e^{b-m}\right)\right)", r"= m + \log\left(e^{a-m} + e^{b-m}\right)"),
        slips=(Slip((r"= a + b",), "log of a sum"),),
    ),
    Exercise(
        id="05.5", notebook=NB, title="Keeping the means inside (0, 1): the Beta-prior M-step",
        statement=(
            "A $\\mathrm{Beta}(\\alpha, \\alpha)$ prior on a Bernoulli mean adds $(\\alpha-1)\\log\\mu + "
            "(\\alpha-1)\\log(1-\\mu)$ to the M-step objective. With $S = \\sum_n r_n x_n$ and $R = \\sum_n r_n$ "
            "the objective is $S\\log\\mu + (R - S)\\log(1-\\mu) + (\\alpha-1)\\log\\mu + (\\alpha-1)\\log(1-\\mu)$. "
            "Find the maximiser: for $\\alpha > 1$ it stays strictly inside $(0, 1)$."
        ),
        declare=r"\mu probability; S, R positive; \alpha interval(1, 5)",
        start=r"\frac{\partial}{\partial \mu}\left(S\log\mu + (R-S)\log(1-\mu) + (\alpha-1)\log\mu + (\alpha-1)\log(1-\mu)\right)",
        target=r"\mu = \frac{S + \alpha - 1}{R + 2\alpha - 2}",
        hints=("Collect the $\\log\\mu$ terms: $(S + \\alpha - 1)\\log\\mu$.",
               "The same steps as exercise 05.3 with $S + \\alpha - 1$ and $R - S + \\alpha - 1$."),
        solution=(r"= \frac{S + \alpha - 1}{\mu} - \frac{R - S + \alpha - 1}{1-\mu} = 0",
                  r"\Rightarrow (1-\mu)(S + \alpha - 1) = \mu(R - S + \alpha - 1)",
                  r"\Rightarrow \mu = \frac{S + \alpha - 1}{R + 2\alpha - 2}"),
        slips=(Slip((r"= \frac{S + \alpha - 1}{\mu} - \frac{R - S + \alpha - 1}{1-\mu} = 0",
                     r"\Rightarrow \mu = \frac{S + \alpha - 1}{R + 2\alpha + 2}"), "flipped sign"),),
    ),
]
