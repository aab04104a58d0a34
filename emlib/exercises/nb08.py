"""Exercises for notebook 08: multi-class boosting with the exponential loss."""

from __future__ import annotations

from ._base import Exercise, Slip

NB = "08_multiclass_boosting"

EXERCISES = [
    Exercise(
        id="08.1", notebook=NB, title="Two classes: the step size is AdaBoost's alpha",
        statement=(
            "For $K = 2$ the exponential loss of a round is, up to a positive factor, "
            "$(1-\\epsilon)e^{-\\alpha} + \\epsilon e^{\\alpha}$, where $\\epsilon$ is the weighted error of the weak "
            "learner. Minimise over $\\alpha$: differentiate, set to zero (end the line with `= 0`), and solve."
        ),
        declare=r"\epsilon probability; \alpha real",
        start=r"\frac{d}{d\alpha}\left((1-\epsilon)e^{-\alpha} + \epsilon e^{\alpha}\right)",
        target=r"\alpha = \frac{1}{2}\log\frac{1-\epsilon}{\epsilon}",
        hints=("Multiply the condition by $e^{\\alpha}/\\epsilon$.", "$e^{2\\alpha} = u$ gives $\\alpha = \\frac12\\log u$."),
        solution=(r"= -(1-\epsilon)e^{-\alpha} + \epsilon e^{\alpha} = 0", r"\Rightarrow e^{2\alpha} = \frac{1-\epsilon}{\epsilon}",
                  r"\Rightarrow \alpha = \frac{1}{2}\log\frac{1-\epsilon}{\epsilon}"),
        slips=(Slip((r"= -(1-\epsilon)e^{-\alpha} + \epsilon e^{\alpha} = 0", r"\Rightarrow e^{2\alpha} = \frac{1-\epsilon}{\epsilon}",
                     r"\Rightarrow \alpha = \log\frac{1-\epsilon}{\epsilon}"), "factor 2"),),
    ),
    Exercise(
        id="08.2", notebook=NB, title="SAMME coding: the exponent for a correct prediction",
        statement=(
            "With SAMME's coding ($f^k = 1$ for the predicted class, $-\\frac{1}{K-1}$ for the others) and a "
            "correct prediction $h(x_i) = y_i$, the exponent per unit step is "
            "$E_i = \\frac{1}{K-1}\\sum_{k\\ne y_i} f^k - f^{y_i}$: $K-1$ terms equal to $-\\frac{1}{K-1}$, minus 1 "
            "(the start). Simplify."
        ),
        declare="K integer(3, 10)",
        start=r"\frac{1}{K-1}(K-1)\left(-\frac{1}{K-1}\right) - 1",
        target=r"-\frac{K}{K-1}",
        hints=("$\\frac{1}{K-1}(K-1) = 1$.",),
        solution=(r"= -\frac{1}{K-1} - 1", r"= -\frac{K}{K-1}"),
        slips=(Slip((r"= \frac{1}{K-1} - 1",), "flipped sign"),),
    ),
    Exercise(
        id="08.3", notebook=NB, title="SAMME coding: the exponent for a wrong prediction",
        statement=(
            "For a wrong prediction $h(x_i) \\ne y_i$: among the classes $k \\ne y_i$ one gets $f^k = 1$ and $K-2$ "
            "get $-\\frac{1}{K-1}$, and $f^{y_i} = -\\frac{1}{K-1}$. So $E_i$ is the start. Simplify."
        ),
        declare="K integer(3, 10)",
        start=r"\frac{1}{K-1}\left(1 + (K-2)\left(-\frac{1}{K-1}\right)\right) + \frac{1}{K-1}",
        target=r"\frac{K}{(K-1)^2}",
        hints=("$1 - \\frac{K-2}{K-1} = \\frac{1}{K-1}$.",),
        solution=(r"= \frac{1}{K-1}\cdot\frac{1}{K-1} + \frac{1}{K-1}", r"= \frac{1 + K - 1}{(K-1)^2}", r"= \frac{K}{(K-1)^2}"),
        slips=(Slip((r"= \frac{1}{K-1}\cdot\frac{1}{K-1} + \frac{1}{K-1}", r"= \frac{1}{(K-1)^2}"), "dropped term"),),
    ),
    Exercise(
        id="08.4", notebook=NB, title="The SAMME step size from the two exponents",
        statement=(
            "With the exponents of exercises 08.2 and 08.3, the loss of a round is proportional to "
            "$(1-\\epsilon)e^{-\\alpha K/(K-1)} + \\epsilon e^{\\alpha K/(K-1)^2}$. Minimise over $\\alpha$. The result "
            "is SAMME's $\\log\\frac{1-\\epsilon}{\\epsilon} + \\log(K-1)$ up to the factor $\\frac{(K-1)^2}{K^2}$ "
            "(SAMME's scale of the coding)."
        ),
        declare=r"\epsilon probability; \alpha real; K integer(3, 10)",
        start=r"\frac{d}{d\alpha}\left((1-\epsilon)e^{-\alpha K/(K-1)} + \epsilon e^{\alpha K/(K-1)^2}\right)",
        target=r"\alpha = \frac{(K-1)^2}{K^2}\log\frac{(K-1)(1-\epsilon)}{\epsilon}",
        hints=("Set the derivative to zero and move one term to the other side; both sides are positive.",
               "$\\frac{K}{K-1} + \\frac{K}{(K-1)^2} = \\frac{K^2}{(K-1)^2}$."),
        solution=(r"= -\frac{K}{K-1}(1-\epsilon)e^{-\alpha K/(K-1)} + \frac{K}{(K-1)^2}\epsilon e^{\alpha K/(K-1)^2} = 0",
                  r"\Rightarrow e^{\alpha K^2/(K-1)^2} = \frac{(K-1)(1-\epsilon)}{\epsilon}",
                  r"\Rightarrow \alpha = \frac{(K-1)^2}{K^2}\log\frac{(K-1)(1-\epsilon)}{\epsilon}"),
        slips=(Slip((r"= \frac{K}{K-1}(1-\epsilon)e^{-\alpha K/(K-1)} + \frac{K}{(K-1)^2}\epsilon e^{\alpha K/(K-1)^2}",),
                    "flipped sign"),),
    ),
]
