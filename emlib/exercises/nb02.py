"""Exercises for notebook 02: latent variables, the ELBO and EM."""

from __future__ import annotations

from ._base import Exercise, Slip

NB = "02_elbo_and_em"

ELBO = r"q\log\frac{a_1}{q} + (1-q)\log\frac{a_2}{1-q}"

EXERCISES = [
    Exercise(
        id="02.1", notebook=NB, title="Evidence = ELBO + KL for a two-state model",
        statement=(
            "A latent $z \\in \\{1, 2\\}$ and one observation $x$, with joint values $a_1 = p(x, z=1)$ and "
            "$a_2 = p(x, z=2)$, so the evidence is $p(x) = a_1 + a_2$. For $q(z=1) = q$ the ELBO is "
            f"${ELBO}$. Show that the evidence minus the ELBO is the KL divergence from $q$ to the "
            "posterior $(\\frac{a_1}{a_1+a_2}, \\frac{a_2}{a_1+a_2})$."
        ),
        declare="a_1, a_2 positive; q probability",
        start=r"\log(a_1 + a_2) - q\log\frac{a_1}{q} - (1-q)\log\frac{a_2}{1-q}",
        target=r"q\log\frac{q(a_1+a_2)}{a_1} + (1-q)\log\frac{(1-q)(a_1+a_2)}{a_2}",
        hints=("Write $\\log(a_1+a_2) = q\\log(a_1+a_2) + (1-q)\\log(a_1+a_2)$.",
               "Then combine the two $q$ terms and the two $(1-q)$ terms, each into one log."),
        solution=(r"= q\log(a_1+a_2) + (1-q)\log(a_1+a_2) - q\log\frac{a_1}{q} - (1-q)\log\frac{a_2}{1-q}",
                  r"= q\log\frac{q(a_1+a_2)}{a_1} + (1-q)\log\frac{(1-q)(a_1+a_2)}{a_2}"),
        slips=(Slip((r"= \log a_1 + \log a_2 - q\log\frac{a_1}{q} - (1-q)\log\frac{a_2}{1-q}",), "log of a sum"),),
    ),
    Exercise(
        id="02.2", notebook=NB, title="The E-step of a two-state model: the best q is the posterior",
        statement=(
            f"Maximise the ELBO ${ELBO}$ of exercise 02.1 over $q$: differentiate, set the derivative to zero "
            "(end the line with `= 0`) and solve with `\\Rightarrow` lines."
        ),
        declare="a_1, a_2 positive; q probability",
        start=r"\frac{\partial}{\partial q}\left(" + ELBO + r"\right)",
        target=r"q = \frac{a_1}{a_1 + a_2}",
        hints=("$\\frac{d}{dq}\\, q\\log\\frac{a_1}{q} = \\log\\frac{a_1}{q} - 1$.",
               "The $-1$ and $+1$ cancel; then $\\log\\frac{a_1}{q} = \\log\\frac{a_2}{1-q}$ means $a_1(1-q) = a_2 q$."),
        solution=(r"= \log\frac{a_1}{q} - \log\frac{a_2}{1-q} = 0", r"\Rightarrow a_1(1-q) = a_2 q",
                  r"\Rightarrow q = \frac{a_1}{a_1 + a_2}"),
        slips=(Slip((r"= \log\frac{a_1}{q} - \log\frac{a_2}{1-q} = 0", r"\Rightarrow a_1(1-q) = a_2 q",
                     r"\Rightarrow q = \frac{a_1 + a_2}{a_1}"), "missing inverse"),),
    ),
    Exercise(
        id="02.3", notebook=NB, title="The ELBO is a lower bound (Jensen for two states)",
        statement=(
            "Show $\\log(a_1 + a_2) \\ge$ the ELBO of exercise 02.1: write the evidence as a $q$-weighted "
            "average inside the log, then use the concavity of $\\log$ (a `\\ge` step)."
        ),
        declare="a_1, a_2 positive; q probability",
        start=r"\log(a_1 + a_2)",
        target=ELBO,
        hints=("$a_1 + a_2 = q\\frac{a_1}{q} + (1-q)\\frac{a_2}{1-q}$.",
               "$\\log(q u + (1-q) v) \\ge q\\log u + (1-q)\\log v$ for $0 < q < 1$."),
        solution=(r"= \log\left(q\frac{a_1}{q} + (1-q)\frac{a_2}{1-q}\right)", r"\ge " + ELBO),
        slips=(Slip((r"= \log\left(q\frac{a_1}{q} + (1-q)\frac{a_2}{1-q}\right)", r"\le " + ELBO), "reversed inequality"),),
    ),
    Exercise(
        id="02.4", notebook=NB, title="The M-step for the weight of a two-state model",
        statement=(
            "With responsibilities $r_i = q_i(z=1)$ the expected complete-data log-likelihood of the weight "
            "$\\pi = p(z=1)$ is $\\sum_{i=1}^{n} \\big(r_i\\log\\pi + (1-r_i)\\log(1-\\pi)\\big)$. Maximise it over $\\pi$."
        ),
        declare=r"\pi probability; r_i probability; n integer(1, 6)",
        start=r"\frac{\partial}{\partial \pi}\sum_{i=1}^{n}\left(r_i\log\pi + (1-r_i)\log(1-\pi)\right)",
        target=r"\pi = \frac{1}{n}\sum_{i=1}^{n} r_i",
        hints=("The derivative is $\\frac{1}{\\pi}\\sum_i r_i - \\frac{1}{1-\\pi}\\sum_i (1-r_i)$.",
               "$\\sum_{i=1}^{n}(1 - r_i) = n - \\sum_{i=1}^{n} r_i$; multiply through by $\\pi(1-\\pi)$."),
        solution=(r"= \frac{1}{\pi}\sum_{i=1}^{n} r_i - \frac{1}{1-\pi}\sum_{i=1}^{n}(1-r_i) = 0",
                  r"\Rightarrow (1-\pi)\sum_{i=1}^{n} r_i = \pi\left(n - \sum_{i=1}^{n} r_i\right)",
                  r"\Rightarrow \pi = \frac{1}{n}\sum_{i=1}^{n} r_i"),
        slips=(Slip((r"= \frac{1}{\pi}\sum_{i=1}^{n} r_i + \frac{1}{1-\pi}\sum_{i=1}^{n}(1-r_i)",), "flipped sign"),),
    ),
]
