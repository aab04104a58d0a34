"""Exercises for notebook 07: backpropagation through time, now for three steps."""

from __future__ import annotations

from ._base import Exercise, Slip

NB = "07_rnn_bptt"

H = (("h_1", r"\tanh(w_i x_1)"), ("h_2", r"\tanh(w_i x_2 + w_h h_1)"), ("h_3", r"\tanh(w_i x_3 + w_h h_2)"))
H3 = r"\tanh\left(w_i x_3 + w_h\tanh\left(w_i x_2 + w_h\tanh(w_i x_1)\right)\right)"
DECLARE = "w_i, w_h, w_0 real; x_1, x_2, x_3 real; y probability"

EXERCISES = [
    Exercise(
        id="07.1", notebook=NB, title="The output weight's gradient, through the logit",
        statement=(
            "Run the RNN of notebook 07 for three steps, $h_t = \\tanh(w_i x_t + w_h h_{t-1})$, $h_0 = 0$, and read "
            "out $\\hat y = \\sigma(w_0 h_3)$. In logit form the loss is $L = \\log(1 + e^{w_0 h_3}) - y w_0 h_3$. "
            "Show $\\partial L/\\partial w_0 = (\\hat y - y) h_3$ (treat $h_3$ as a symbol: it does not depend on $w_0$)."
        ),
        declare="w_0, h_3 real; y probability",
        start=r"\frac{\partial}{\partial w_0}\left(\log\left(1 + e^{w_0 h_3}\right) - y w_0 h_3\right)",
        target=r"\left(\sigma(w_0 h_3) - y\right) h_3",
        hints=("$\\frac{d}{ds}\\log(1+e^{s}) = \\frac{e^{s}}{1+e^{s}} = \\sigma(s)$.",),
        solution=(r"= \frac{h_3 e^{w_0 h_3}}{1 + e^{w_0 h_3}} - y h_3", r"= \left(\sigma(w_0 h_3) - y\right) h_3"),
        slips=(Slip((r"= \frac{h_3 e^{w_0 h_3}}{1 + e^{w_0 h_3}} + y h_3",), "flipped sign"),),
    ),
    Exercise(
        id="07.2", notebook=NB, title="BPTT for three steps: the recurrent weight",
        statement=(
            "With $h_1, h_2, h_3$ as in exercise 07.1, differentiate $h_3$ with respect to $w_h$ through all "
            "three steps (the start is $h_3$ written out). Express the result with the abbreviations $h_1, h_2, h_3$ "
            "(they are substituted before checking) and $\\tanh' = 1 - \\tanh^2$."
        ),
        declare=DECLARE,
        define=H,
        start=r"\frac{\partial}{\partial w_h}" + H3,
        target=r"(1 - h_3^2)\left(h_2 + w_h(1 - h_2^2) h_1\right)",
        hints=("$\\frac{\\partial h_3}{\\partial w_h} = (1 - h_3^2)\\big(h_2 + w_h\\frac{\\partial h_2}{\\partial w_h}\\big)$.",
               "$\\frac{\\partial h_2}{\\partial w_h} = (1 - h_2^2)\\big(h_1 + w_h\\frac{\\partial h_1}{\\partial w_h}\\big)$ and "
               "$\\frac{\\partial h_1}{\\partial w_h} = 0$ because $h_0 = 0$."),
        solution=(r"= (1 - h_3^2)\left(h_2 + w_h(1 - h_2^2)\left(h_1 + w_h \cdot 0\right)\right)",
                  r"= (1 - h_3^2)\left(h_2 + w_h(1 - h_2^2) h_1\right)"),
        slips=(Slip((r"= (1 + h_3^2)\left(h_2 + w_h(1 - h_2^2) h_1\right)",), "flipped sign"),),
    ),
    Exercise(
        id="07.3", notebook=NB, title="BPTT for three steps: the input weight",
        statement=(
            "As in exercise 07.2, differentiate $h_3$ with respect to the input weight $w_i$, which enters "
            "every step."
        ),
        declare=DECLARE,
        define=H,
        start=r"\frac{\partial}{\partial w_i}" + H3,
        target=r"(1 - h_3^2)\left(x_3 + w_h(1 - h_2^2)\left(x_2 + w_h(1 - h_1^2) x_1\right)\right)",
        hints=("$\\frac{\\partial h_t}{\\partial w_i} = (1 - h_t^2)\\big(x_t + w_h\\frac{\\partial h_{t-1}}{\\partial w_i}\\big)$.",),
        solution=(r"= (1 - h_3^2)\left(x_3 + w_h(1 - h_2^2)\left(x_2 + w_h(1 - h_1^2) x_1\right)\right)",),
        slips=(Slip((r"= (1 - h_3^2)\left(x_3 + w_h(1 - h_2^2)\left(x_2 - w_h(1 - h_1^2) x_1\right)\right)",), "flipped sign"),),
    ),
    Exercise(
        id="07.4", notebook=NB, title="Why gradients vanish: a bound on dh_3/dh_1",
        statement=(
            "The factor that carries a gradient from $h_3$ back to $h_1$ is "
            "$\\frac{\\partial h_3}{\\partial h_1} = w_h^2(1 - h_3^2)(1 - h_2^2)$. With $|h_t| \\le 1$, bound it by "
            "$w_h^2$ in two `\\le` steps: for $|w_h| < 1$ the gradient shrinks geometrically with the distance."
        ),
        declare="w_h real; h_2, h_3 interval(-1, 1)",
        start=r"w_h^2 (1 - h_3^2)(1 - h_2^2)",
        target=r"w_h^2",
        hints=("$0 \\le 1 - h_2^2 \\le 1$ when $|h_2| \\le 1$.",),
        solution=(r"\le w_h^2 (1 - h_3^2)", r"\le w_h^2"),
        slips=(Slip((r"\le w_h^2 (1 - h_3^2)", r"\ge w_h^2"), "reversed inequality"),),
    ),
]
