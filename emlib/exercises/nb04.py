"""Exercises for notebook 04: Gaussian mixtures in practice (BIC, K-means versus EM)."""

from __future__ import annotations

from ._base import Exercise, Slip

NB = "04_gmm_in_practice"

EXERCISES = [
    Exercise(
        id="04.1", notebook=NB, title="BIC: free parameters of a full-covariance mixture",
        statement=(
            "A mixture of $K$ Gaussians in $d$ dimensions with full covariances has $K-1$ free weights, $Kd$ "
            "mean entries and $K\\frac{d(d+1)}{2}$ covariance entries (each covariance is symmetric). Show that "
            "the total is $\\frac{K(d+1)(d+2)}{2} - 1$, the count BIC charges for."
        ),
        declare="K, d integer(1, 6)",
        start=r"(K-1) + Kd + K\frac{d(d+1)}{2}",
        target=r"\frac{K(d+1)(d+2)}{2} - 1",
        hints=("Collect everything that multiplies $K$: $1 + d + \\frac{d(d+1)}{2}$.",
               "$2 + 2d + d^2 + d = (d+1)(d+2)$."),
        solution=(r"= K\left(1 + d + \frac{d(d+1)}{2}\right) - 1", r"= \frac{K(d^2 + 3d + 2)}{2} - 1",
                  r"= \frac{K(d+1)(d+2)}{2} - 1"),
        slips=(Slip((r"= K\left(1 + d + \frac{d(d+1)}{2}\right)",), "dropped constant"),),
    ),
    Exercise(
        id="04.2", notebook=NB, title="BIC: free parameters of a diagonal-covariance mixture",
        statement=(
            "With diagonal covariances each component has $d$ variances instead of $\\frac{d(d+1)}{2}$ "
            "covariance entries. Simplify the count $(K-1) + Kd + Kd$."
        ),
        declare="K, d integer(1, 6)",
        start=r"(K-1) + Kd + Kd",
        target=r"K(2d+1) - 1",
        hints=("There are two groups of $Kd$ parameters: the means and the variances.",),
        solution=(r"= K + 2Kd - 1", r"= K(2d+1) - 1"),
        slips=(Slip((r"= K + Kd - 1",), "factor 2"),),
    ),
    Exercise(
        id="04.3", notebook=NB, title="K-means as the small-variance limit of EM",
        statement=(
            "Two spherical components with common variance $\\epsilon$, weights $\\pi_1, \\pi_2$, and a point at "
            "squared distances $a$ and $b$ from the two means. Rewrite its responsibility for component 1 so "
            "that the limit $\\epsilon \\to 0$ is visible: it tends to 1 if $a < b$ and to 0 if $a > b$ (the "
            "hard assignment of K-means)."
        ),
        declare=r"\pi_1, \pi_2, \epsilon positive; a, b positive",
        start=r"\frac{\pi_1 e^{-a/(2\epsilon)}}{\pi_1 e^{-a/(2\epsilon)} + \pi_2 e^{-b/(2\epsilon)}}",
        target=r"\frac{1}{1 + \frac{\pi_2}{\pi_1} e^{(a-b)/(2\epsilon)}}",
        hints=("Divide numerator and denominator by $\\pi_1 e^{-a/(2\\epsilon)}$.",
               "$e^{-b/(2\\epsilon)} / e^{-a/(2\\epsilon)} = e^{(a-b)/(2\\epsilon)}$."),
        solution=(r"= \frac{1}{1 + \frac{\pi_2 e^{-b/(2\epsilon)}}{\pi_1 e^{-a/(2\epsilon)}}}",
                  r"= \frac{1}{1 + \frac{\pi_2}{\pi_1} e^{(a-b)/(2\epsilon)}}"),
        slips=(Slip((r"= \frac{1}{1 + \frac{\pi_2}{\pi_1} e^{(b-a)/(2\epsilon)}}",), "flipped sign"),),
    ),
    Exercise(
        id="04.4", notebook=NB, title="The K-means centre update",
        statement=(
            "With hard assignments $z_n \\in \\{0, 1\\}$ (here any weights $z_n > 0$), K-means moves a centre "
            "$m$ to the minimiser of $\\sum_{n=1}^{N} z_n (x_n - m)^2$ (one coordinate). Derive it."
        ),
        declare=r"z_n positive; x_n real; m real; N integer(1, 6)",
        start=r"\frac{\partial}{\partial m}\sum_{n=1}^{N} z_n (x_n - m)^2",
        target=r"m = \frac{\sum_{n=1}^{N} z_n x_n}{\sum_{n=1}^{N} z_n}",
        hints=("$\\frac{d}{dm}(x_n - m)^2 = -2(x_n - m)$.",),
        solution=(r"= -2\sum_{n=1}^{N} z_n (x_n - m) = 0", r"\Rightarrow \sum_{n=1}^{N} z_n x_n = m\sum_{n=1}^{N} z_n",
                  r"\Rightarrow m = \frac{\sum_{n=1}^{N} z_n x_n}{\sum_{n=1}^{N} z_n}"),
        slips=(Slip((r"= -2 z_n (x_n - m)",), "dropped sum"),),
    ),
]
