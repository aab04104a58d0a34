"""Exercises for notebook 06: the LSTM forward pass."""

from __future__ import annotations

from ._base import Exercise, Slip

NB = "06_lstm_forward"

CELL = r"\sigma(z_o)\tanh\left(\sigma(z_i)\tanh(z) + c\,\sigma(z_f)\right)"

EXERCISES = [
    Exercise(
        id="06.1", notebook=NB, title="The memory after two steps, with tanh input activation",
        statement=(
            "Take the cell of notebook 06 with $g = \\tanh$ and write the gate values as $i_t = f(z_i^t)$, "
            "$f_t = f(z_f^t)$. The memory is $c_t = i_t\\tanh(z_t) + f_t c_{t-1}$ with $c_0 = 0$. Expand $c_2$ "
            "in terms of the gates and pre-activations of both steps."
        ),
        declare=r"i_1, i_2, f_1, f_2 probability; z_1, z_2 real",
        define=(("c_0", "0"), ("c_1", r"i_1\tanh(z_1) + f_1 c_0")),
        start=r"i_2\tanh(z_2) + f_2 c_1",
        target=r"i_2\tanh(z_2) + f_2 i_1\tanh(z_1)",
        hints=("Substitute $c_1 = i_1\\tanh(z_1) + f_1 c_0$.", "$c_0 = 0$ removes the $f_1$ term."),
        solution=(r"= i_2\tanh(z_2) + f_2\left(i_1\tanh(z_1) + f_1 c_0\right)", r"= i_2\tanh(z_2) + f_2 i_1\tanh(z_1)"),
        slips=(Slip((r"= i_2\tanh(z_2) - f_2\left(i_1\tanh(z_1) + f_1 c_0\right)",), "flipped sign"),),
    ),
    Exercise(
        id="06.2", notebook=NB, title="The LSTM table with tanh activations: the output at t = 2",
        statement=(
            "Run the table of notebook 06 again with $g = h = \\tanh$ instead of the identity. With the rounded "
            "gates, step 1 has $z^1 = 3$ and gates $(i, f, o) = (1, 1, 0)$, so $c_1 = \\tanh 3$ and $y_1 = 0$; "
            "step 2 has $z^2 = -2$ and gates $(1, 1, 1)$. Simplify $y_2 = o_2\\tanh(i_2\\tanh(z^2) + f_2 c_1)$ "
            "(the start, with the numbers in) to the target. The other two rows ($t = 3, 4$) follow the same way."
        ),
        declare="",
        start=r"1\cdot\tanh\left(1\cdot\tanh(-2) + 1\cdot\tanh(3)\right)",
        target=r"\tanh\left(\tanh 3 - \tanh 2\right)",
        hints=("$\\tanh$ is odd: $\\tanh(-2) = -\\tanh 2$.",),
        solution=(r"= \tanh\left(\tanh(-2) + \tanh(3)\right)", r"= \tanh\left(\tanh 3 - \tanh 2\right)"),
        slips=(Slip((r"= \tanh\left(\tanh 2 - \tanh 3\right)",), "flipped sign"),),
    ),
    Exercise(
        id="06.3", notebook=NB, title="How the output depends on the forget gate",
        statement=(
            "With $g = h = \\tanh$ and the logistic gates, one step maps the memory $c$ to the output "
            f"$y = {CELL}$. Differentiate $y$ with respect to the forget pre-activation $z_f$ "
            "(use $\\sigma' = \\sigma(1-\\sigma)$ and $\\tanh' = 1 - \\tanh^2$)."
        ),
        declare=r"z_o, z_i, z_f, z, c real",
        start=r"\frac{\partial}{\partial z_f}\left(" + CELL + r"\right)",
        target=r"\sigma(z_o)\left(1 - \tanh^2\left(\sigma(z_i)\tanh(z) + c\,\sigma(z_f)\right)\right) c\,\sigma(z_f)\left(1 - \sigma(z_f)\right)",
        hints=("Only the memory $c' = \\sigma(z_i)\\tanh(z) + c\\,\\sigma(z_f)$ depends on $z_f$.",
               "Chain rule: $\\frac{\\partial y}{\\partial z_f} = \\sigma(z_o)\\tanh'(c')\\,\\frac{\\partial c'}{\\partial z_f}$."),
        solution=(r"= \sigma(z_o)\left(1 - \tanh^2\left(\sigma(z_i)\tanh(z) + c\,\sigma(z_f)\right)\right) c\,\sigma(z_f)\left(1 - \sigma(z_f)\right)",),
        slips=(Slip((r"= \sigma(z_o)\left(1 + \tanh^2\left(\sigma(z_i)\tanh(z) + c\,\sigma(z_f)\right)\right) c\,\sigma(z_f)\left(1 - \sigma(z_f)\right)",),
                    "flipped sign"),),
    ),
    Exercise(
        id="06.4", notebook=NB, title="A closed gate: 1 - sigma(x) = sigma(-x)",
        statement=(
            "Notebook 06 rounds gates to 0 or 1 because $\\sigma(10) \\approx 1 - 4.5\\cdot10^{-5}$. Show the "
            "identity behind that estimate: $1 - \\sigma(x) = \\sigma(-x)$, so $1 - \\sigma(10) = \\sigma(-10)$."
        ),
        declare="x real",
        start=r"1 - \sigma(x)",
        target=r"\sigma(-x)",
        hints=("Write $\\sigma(x) = \\frac{1}{1+e^{-x}}$ and put $1 - \\sigma(x)$ over one denominator.",
               "Multiply numerator and denominator by $e^{x}$."),
        solution=(r"= 1 - \frac{1}{1+e^{-x}}", r"= \frac{e^{-x}}{1+e^{-x}}", r"= \frac{1}{e^{x}+1}", r"= \sigma(-x)"),
        slips=(Slip((r"= 1 - \frac{1}{1+e^{-x}}", r"= \frac{1 + e^{-x}}{e^{-x}}"), "missing inverse"),),
    ),
]
