"""Read one line of a reader's working, written in LaTeX, into sympy; show back how it was read.

sympy's LaTeX parser (the ANTLR backend, ``antlr4-python3-runtime`` 4.11, pinned in constraints.txt) does
the parsing. A pre-pass in front of it decides everything the parser would otherwise guess, so that a line
is read as a mathematician means it or refused with a message saying how to write it. The grammar:

TeX's shorthands
    Written out first, as TeX reads them: ``\\frac12``, ``\\frac a b``, ``\\frac\\pi2``, ``\\sqrt x``,
    ``\\binom n k``, ``\\mathrm dx`` take single tokens as arguments; ``x^2_1`` is ``x_1^2`` and
    ``\\sum^{N}_{n=1}`` is ``\\sum_{n=1}^{N}``; ``\\limits``, ``{}`` are dropped. What TeX typesets otherwise
    than typed is refused: ``x^10`` (typeset x^1 0: write ``x^{10}``), ``x_10``, ``x^-1``, double scripts
    ``x^a^b``, ``2e-3`` (Euler's number: write ``2 \\cdot 10^{-3}``), a ``%`` comment, and two numbers separated
    only by space (``1 2``: the parser joins them into 12); a one-digit script ends at its digit
    (``\\int_0^1 2x \\, dx``, ``x^2 3``, which the parser read as ``\\int_0^{12}`` and ``x^{23}``).
Symbols
    ``x``, ``x_n``, ``r_{nk}``, ``\\mu_k``, ``c'``, ``μ`` (Unicode Greek is its LaTeX name) are each one
    symbol. ``\\hat{x}``, ``\\bar x``, ``\\tilde\\mu_k`` are the symbols ``x_hat``, ``x_bar``,
    ``mu_tilde_k``; ``\\mathcal{L}`` is ``L_cal``; ``\\mathit{loss}`` / ``\\mathrm{loss}`` is one symbol
    ``loss``. ``e`` and ``\\mathrm{e}`` are Euler's number, ``\\pi`` is pi (unless ``e`` / ``\\pi`` are
    declared as symbols).
Juxtaposed letters
    ``ab`` is the product ``a*b`` (shown as read: ``a b``). A run of letters spelling a function
    (``sin``, ``log``, ``exp``, ``max``, ...) is refused ("write \\log"), and so is a run of four or more
    letters (a word: write ``\\mathit{loss}`` for one symbol, or spaces / ``\\cdot`` for a product).
    ``dx`` outside an integral is refused too (``d \\cdot x`` for a product). A slash divides by the one
    factor after it; ``1/2 x``, ``a/bc``, ``(a+b)/2\\pi`` (a factor juxtaposed after the denominator) are
    refused as ambiguous with both rewrites (``\\frac{...}{2} x`` or ``\\frac{...}{2 x}``).
Functions
    Applied only when known or declared (see :data:`KNOWN_FUNCTIONS`): the commands ``\\sin``, ``\\log``,
    ``\\exp``, ``\\sqrt``, ``\\max``, ... , ``\\Gamma(x)`` (the gamma function), ``\\Phi(x)`` (the standard
    normal CDF), ``\\sigma(x)`` (the logistic function), ``\\operatorname{erf}``, ``\\operatorname{sech}`` (also
    ``\\operatorname{sech}^2(x)``), ``|x|`` / ``\\left| x \\right|``, ``\\lfloor x \\rfloor``, ``\\lceil x
    \\rceil``; and names declared with the kind ``function`` (``f, g function``). ``f'(x)``, ``\\sigma''(x)``,
    ``\\tanh'(z)`` are derivatives of such functions.
    A letter declared as a symbol followed by ``(`` is a product (``\\sigma real`` makes ``\\sigma(a+b)``
    a product). Undeclared, a name followed by ``(`` is refused as ambiguous, with both rewrites, when
    it is one of the conventional function names :data:`FUNCTION_LETTERS` (``f``, ``g``, ``h``, ``F``,
    ``G``, ``H``, ``\\phi``, ``\\psi``, ``\\ell``, with or without a subscript), a primed name
    (``y'(x)``), a multi-letter name (``\\mathcal{L}(\\theta)``, ``\\mathrm{KL}(p, q)``), or when the
    parentheses hold what reads as an argument: one symbol, a list or a condition (``p(x)``, ``a(b, c)``,
    ``p(x \\mid z)``; nobody writes the product a*b as a(b)). Every other letter followed by ``(`` is a
    product (``x(x+2)``, ``q(1-q)``, ``k(k+1)``), shown as read.
Arguments of a declared function
    ``,`` separates arguments; ``\\|`` and ``\\parallel`` too (``D(p \\| q)`` is ``D(p, q)``). A conditioning
    bar (``|``, ``\\mid``, ``\\vert``) and a semicolon keep what follows them apart, up to the next bar or
    semicolon: ``p(z | x, \\theta)`` is ``p(z, given(x, theta))``, ``p(x; \\mu, \\Sigma)`` is
    ``p(x, param(mu, Sigma))``; an event ``z = j`` in an argument is ``event(z, j)``. So ``p(z | x)`` is never
    ``p(z, x)`` nor ``p(x | z)``. Such functions are opaque to the engine: a step between them holds when it
    is an identity of the written applications, and is otherwise undecided (Bayes' rule is not known).
    Two bars in one argument list are absolute-value bars (``p(|x|)``).
Superscript labels
    ``x^{(n)}``, ``\\theta^{(t+1)}``, ``\\mu_k^{(t)}``, ``\\theta^{old}``, ``\\theta^{\\text{old}}`` are names
    (``x^(n)``, ``mu_k^(t)``), never powers, and so are ``\\theta^*`` (``\\theta^{*}``, ``\\theta^\\ast``:
    ``theta^(*)``) and ``x^{\\max}``: inside a sum over ``n``, ``x^{(n)}`` is the member ``x[n]``, and
    ``\\mu_k^{(t)}`` the member ``k`` of the family ``mu__t``. On a declared function, any superscript
    followed by ``(`` is part of the name (``q^{(n)}(k)``, ``g_t^{\\hat{y}_t}(x)``), except a number:
    ``f^2(x)`` is refused (``f(x)^2`` or ``f^{(2)}(x)``). The upper limit of a sum or product is only that
    (``\\sum_{n=1}^N (a_n)`` never multiplies N by the bracket). One family is written with one number
    of indices in a chain (``z_i`` and ``z_{ik}`` together are refused).
Annotations
    ``\\underbrace{X}_{label}``, ``\\overbrace{X}^{label}`` and ``\\underline{X}`` are ``(X)``; the CLI reads
    ``\\stackrel{..}{=}`` / ``\\overset{..}{=}`` over a relation as the relation.
Derivatives
    ``\\frac{d}{dx} F``, ``\\frac{\\partial^2}{\\partial x^2} F``, the Leibniz fractions ``\\frac{dy}{dx}``,
    ``\\frac{\\partial x^3}{\\partial x}``, ``\\frac{\\partial^2 F}{\\partial x \\partial y}`` (``d``,
    ``\\partial``, ``\\mathrm{d}``) are carried out, after substituting the abbreviations of
    ``SymbolTable.definitions``. The derivative of a plain symbol with respect to another (``\\frac{d
    h_2}{d w_h}`` with ``h_2`` not defined) is refused: it would silently be 0. The derivative by a member
    ``w_j`` of a family summed over (``\\sum_{i} w_i x_i``) carries out the Kronecker delta (``x_j``, the
    index taken inside the sum's range); an index that is also the summation index is refused. A derivative
    that would silently be 0 is refused: by a variable that neither the expression nor any definition
    mentions (``\\frac{\\partial L}{\\partial w_x}`` with L in w_i), and of an applied function whose
    arguments do not mention the component it is taken in while a plain argument may hold it
    (``\\frac{\\partial}{\\partial \\pi_k} Q(\\theta)``); ``g(x_i)`` in ``\\alpha`` and ``q^{(n)}(j)`` (indices
    only) are constants. ``\\hat{y}`` may be a variable (``\\frac{\\partial L}{\\partial \\hat{y}}``), and
    ``\\frac{\\partial -F}{\\partial x}`` is the derivative of ``-F``; ``\\partial`` elsewhere is refused. An
    operator's operand without brackets ends at ``+`` / ``-`` (``\\frac{d}{dx} x^2 + 1`` is ``2x + 1``, as
    ``\\sin x + 1`` is ``sin(x) + 1``); an explicit ``\\cdot`` / ``/`` after it is refused with both readings,
    and so is an operand starting with ``-`` (write ``\\frac{d}{dx}\\left(-x^2\\right)``).
Integrals, sums
    ``\\int_a^b f \\, dx`` (``dx`` or ``\\mathrm{d}x``; nested integrals take their differentials inside out);
    an integral without bounds is refused, and so is a sum without limits (``\\sum_z``, ``\\sum``). Inside
    ``\\sum_{i=1}^{n}`` / ``\\prod`` every symbol whose subscript mentions ``i`` becomes an indexed family
    member (``x_i`` becomes ``x[i]``).
Ignored
    ``\\text{...}``, ``&``, spacing commands, ``\\nonumber``, ``\\notag``, ``\\label{}``, a trailing ``.``,
    ``,`` or spacing. A remark between two pieces of mathematics (``x^2 \\ge 0 \\text{ for all } x``) is
    refused: without it they would be read as one expression. ``\\text{d}x`` / ``\\mathrm dx`` is a differential,
    ``\\text{e}`` / ``\\operatorname{e}`` Euler's number.
Matrices and vectors
    A name declared ``matrix(n)`` / ``matrix(m, n)`` / ``symmetric(n)`` / ``spd(n)`` / ``vector(n)`` is a sympy
    ``MatrixSymbol``: ``A B`` (in the written order), ``A + B``, ``A^{-1}``, ``A^T`` / ``A^\\top`` /
    ``A^{\\mathsf T}``, ``A^2``, ``\\det(A)``, ``\\operatorname{tr}(A)`` are matrix algebra, a 1x1 product
    ``x^T A x`` is its scalar, and ``\\nabla_{x} f`` (or ``\\frac{\\partial f}{\\partial x}``) by a declared
    vector is the column of partial derivatives by the entries ``x_1, ..., x_n``. The engine sees explicit
    matrices of the entries ``A_{12}`` (:meth:`SymbolTable.to_explicit`). A matrix where a scalar is needed
    (``\\log \\Sigma``, ``\\frac{1}{A}``, ``A + 1``, ``|A|``, ``f(A)``) is refused ("matrix treated as a
    scalar"), and so is a transpose of anything not declared a matrix.
Juxtaposed functions
    A function without parentheses whose argument runs into an applied function (``\\log \\pi_k N(x)``,
    ``\\tanh x \\sigma(y)``) is refused with both readings (``\\log(\\pi_k) N(x)``, ``\\log(\\pi_k N(x))``);
    a built-in command ends the argument (``\\sin x \\cos x``). A declared function written without an
    argument before an applied one (``f g(x)``) is refused too (``f(g(x))`` or a product). An explicit
    operator after such an argument (``\\sin x \\cdot y``, ``\\sin x / 2``, ``\\log \\frac{a}{b} \\times c``) is
    refused with both readings, unless another function follows it: ``\\log x \\cdot \\log y`` is
    ``log(x) log(y)``. ``\\exp^2 x`` is refused (``\\exp(x)^2`` or ``e^{2x}``); ``\\sin^{-1} x`` is ``asin(x)``.
Roots
    ``\\sqrt[3]{u}`` (an odd index) is the real root: ``\\sqrt[3]{-8}`` is -2.
Absolute values
    ``\\left| x \\right|``, ``\\lvert x \\rvert``, ``\\bigl| x \\bigr|`` pair as written; plain bars pair as a
    reader pairs them (a bar after an operand closes: ``|x| \\cdot |y| + |x||y|``, ``||x| - |y||``), and bars
    that pair in two ways (``|x|y|z|``) are refused.
Refused with guidance
    ``\\mathbb{E}_{q}[..]``, ``\\operatorname{E}[..]``, ``\\mathrm{E}[..]`` and ``E_{..}[..]`` / ``E_z(..)``
    (write the expectation out, or declare E), ``\\arg\\max_{x}``, ``\\operatorname{argmax}``,
    ``\\underset{x}{\\arg\\max}`` (a point, not a value: check the condition the optimiser satisfies),
    ``\\max_{x}`` / ``\\min_{k}`` (an optimum over a variable; ``\\max(a, b)`` is read), ``\\operatorname{Var}``,
    ``\\delta_{ij}`` (the Kronecker delta, not carried out; ``\\delta_{ik}^{(t)}`` with a label is a family),
    ``\\underset``, ``\\approx``, ``\\simeq``, ``\\sim``, ``\\pm``, definitions (``:=``, ``\\coloneqq``,
    ``\\triangleq``, ``\\stackrel{\\text{def}}{=}``), evaluation bars (``F \\Big|_{x=0}``: the parser would
    substitute into the last factor only), ``\\int_0^1 dx \\, f`` (the differential first), ``n!!``, ``\\text{ELBO}(..)`` (a multi-letter name applied), ``\\nabla`` without a
    declared vector (write the partial derivatives), ``\\mathbf``, transposes of undeclared symbols, unknown commands, brackets nested more than
    :data:`MAX_DEPTH` deep, lines longer than :data:`MAX_LENGTH` characters, exact numbers of more than
    :data:`MAX_DIGITS` digits (``10^{10^{10}}``), and the control characters a Python string without ``r"..."``
    makes of ``\\f``, ``\\b``, ``\\t``, ...

:func:`read_as` returns the expression and its typeset LaTeX (what a report prints as "read as").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

import sympy as sp
from sympy.matrices.exceptions import ShapeError

__all__ = ["WorkingParseError", "SymbolTable", "Reading", "parse_line", "read_as", "typeset", "canonical_name",
           "GREEK", "KNOWN_FUNCTIONS", "FUNCTION_LETTERS", "MAX_DIGITS", "MAX_DEPTH", "MAX_LENGTH"]

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
    "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "varrho", "sigma", "tau", "upsilon", "phi", "varphi",
    "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi",
    "Omega", "ell",
}
#: variant letters read as the plain letter (a reader who declares \epsilon may write \varepsilon)
VARIANTS = {"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varrho": "rho"}
#: Unicode letters read as their LaTeX names
UNICODE_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ϑ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "µ": "mu",
    "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi",
    "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda",
    "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega", "ℓ": "ell",
}
UNICODE_OPERATORS = {"−": "-", "·": r"\cdot ", "⋅": r"\cdot ", "×": r"\cdot ", "∞": r"\infty "}
UNICODE_REFUSED = {"≤": r"\le", "≥": r"\ge", "≠": r"\ne", "∑": r"\sum", "∏": r"\prod", "∫": r"\int",
                   "√": r"\sqrt", "∂": r"\partial", "∇": r"\frac{\partial}{\partial x}",
                   "–": "- (a minus sign; the dash of a range is not read)", "∗": r"\cdot", "′": "' (x', f'(x))",
                   "÷": r"\frac{a}{b}", "²": "^2", "³": "^3", "¹": "^1", "½": r"\frac{1}{2}",
                   "≈": r"\approx (which is not checked: an approximation is not an identity)",
                   "…": r"\sum_{i=1}^{n} (an ellipsis is not read)", "∈": r"a declaration (x positive)"}

#: Functions a line may apply. Commands handed to the parser, and Greek letters / operator names read as
#: functions when a parenthesis follows them (``\\sigma`` is the logistic function, ``\\Phi`` the
#: standard normal CDF, ``\\Gamma`` the gamma function).
KNOWN_FUNCTIONS = {
    "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "log",
    "ln", "exp", "sqrt", "max", "min", "Gamma", "Phi", "sigma", "erf", "erfc", "sgn", "sech",
}
_GREEK_FUNCTIONS = {"Gamma", "Phi", "sigma"}
_OPERATOR_NAMES = {"erf", "erfc", "sgn", "sech"}
#: commands whose derivative may be written with primes, \tanh'(x)
_PRIMABLE = {"sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "ln", "arctan"}
#: Undeclared names that conventionally denote functions: ``f(x+y)`` with one of them is refused as ambiguous.
FUNCTION_LETTERS = {"f", "g", "h", "F", "G", "H", "phi", "psi", "ell"}
#: Letter runs that spell a function written without its backslash (``log x``): refused.
_FUNCTION_WORDS = ("arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "sqrt", "sin", "cos", "tan", "log",
                   "exp", "max", "min", "det", "lim", "sup", "erf", "ln")
MAX_DIGITS = 10_000  #: an exact number met while reading may have at most this many digits
MAX_DEPTH = 30  #: brackets, braces and \left( may nest at most this deep in one line
MAX_LENGTH = 3_000  #: characters in one line

_WRAPPED = re.compile(r"\\(?:mathrm|text|textrm|mathit|operatorname)\s*\{([^{}]*)\}")
#: commands handed to the parser unchanged
PASS = {
    "frac", "sqrt", "log", "ln", "exp", "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "tanh", "sum", "prod", "left", "right", "cdot", "times", "le", "ge", "leq", "geq", "lt",
    "gt", "infty", "binom", "max", "min", "lfloor", "rfloor", "lceil", "rceil", "int",
}
RENAME = {"dfrac": "frac", "tfrac": "frac", "cfrac": "frac", "leqslant": "le", "geqslant": "ge", "dbinom": "binom",
          "ast": "cdot"}
DROP = {",", ";", "!", ":", " ", "quad", "qquad", "displaystyle", "textstyle", "limits", "nolimits", "big",
        "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl", "Biggr", "nonumber",
        "notag", "displaybreak", "allowbreak"}
DROP_WITH_ARG = {"text", "mbox", "textrm", "textnormal", "label", "tag"}
_BARS = {"lvert", "rvert", "vert"}
_DECORATIONS = {"hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar", "tilde": "tilde",
                "widetilde": "tilde", "mathcal": "cal"}
HINTS = {
    "mathbf": "LaTeX lines are scalar: write vectors entry by entry, or use explicit sympy matrices",
    "boldsymbol": "LaTeX lines are scalar: write vectors entry by entry, or use explicit sympy matrices",
    "vec": "LaTeX lines are scalar: write vectors entry by entry, or use explicit sympy matrices",
    "top": "a transpose A^T is read only when a symbol is declared a matrix or a vector (<!-- domain: A matrix(3); "
           "x vector(3) --> in a file, declare=\"A matrix(3)\" in Python; also symmetric(n), spd(n)); otherwise "
           "use explicit sympy matrices (emlib.derivation.matrix)",
    "operatorname": "the operator names known are \\operatorname{erf}, \\operatorname{erfc}, "
                    "\\operatorname{sgn} and \\operatorname{sech}; for another function declare a letter as a function "
                    "(e.g. 'f function') and write f(x)",
    "mathbb": "\\mathbb{E} (an expectation) is not read: write it out as a sum \\sum_{k} p_k x_k or an "
              "integral \\int_a^b x p(x)\\,dx, or name the value a symbol (e.g. m); sets such as \\mathbb{R} "
              "belong in the declarations (x real), not in a line",
    "begin": "environments (bmatrix, pmatrix, cases) are not read in a line: write a matrix product out entry by "
             "entry, or use explicit sympy matrices (emlib.derivation.matrix); write each case as its own chain",
    "partial": "\\partial is read only in a derivative: \\frac{\\partial F}{\\partial x} or "
               "\\frac{\\partial}{\\partial x} \\left( F \\right)",
    "nabla": "\\nabla (a gradient) is not read: write each partial derivative as \\frac{\\partial f}{\\partial x}",
    "dot": "\\dot x is not read: write the derivative as \\frac{dx}{dt}, or name the symbol plainly (x_dot)",
    "mid": "conditional bars are not read: name the quantity a symbol, or write the density out",
    "|": "norms \\| x \\| are not read in scalar lines: write the sum of squares out",
    "ne": "\\ne is not a step of a chain: lines are joined by =, \\le, \\ge, <, >, \\Rightarrow",
    "neq": "\\neq is not a step of a chain: lines are joined by =, \\le, \\ge, <, >, \\Rightarrow",
    "approx": "\\approx is not checked: an approximation is not an identity",
    "to": "limits are not read: write the limit's value",
    "lim": "limits are not read: write the limit's value",
    "mathrm": "\\mathrm{d} is read only in derivatives and integrals",
    "dots": "an ellipsis is not read: write the sum or product with its limits, \\sum_{i=1}^{n} x_i",
    "cdots": "an ellipsis is not read: write the sum or product with its limits, \\sum_{i=1}^{n} x_i",
    "ldots": "an ellipsis is not read: write the sum or product with its limits, \\sum_{i=1}^{n} x_i",
    "in": "conditions such as x \\in (0, 1) belong in the declarations (x interval(0, 1)), not in a line",
    "forall": "conditions belong in the declarations (e.g. x positive), not in a line",
    "propto": "\\propto is not checked: write the constant out",
    "equiv": "\\equiv is not a step of a chain: write = (or define an abbreviation)",
    "det": "LaTeX lines are scalar: use explicit sympy matrices for determinants",
    "operatorname*": "use \\max or \\min; \\arg\\max is not read",
    "underset": "\\underset{..}{..} is not read: for \\underset{\\theta}{\\arg\\max} write the condition the "
                "maximiser satisfies; otherwise write the expression without the annotation",
    "overset": "\\overset{..}{..} is read only over a relation (\\overset{(a)}{=}): write the expression "
               "without the annotation",
    "stackrel": "\\stackrel{..}{..} is read only over a relation (\\stackrel{(a)}{=})",
    "parallel": "\\parallel is read only between the arguments of a declared function, D(p \\parallel q)",
    "arg": "\\arg\\max / \\arg\\min are not read: write the condition the maximiser satisfies",
    "simeq": "\\simeq is not checked: an approximation is not an identity",
    "sim": "\\sim (distributed as) is not read: write the density out, e.g. p(x) = ..., with p declared a function",
    "coloneqq": "a definition (\\coloneqq) is not a step of a chain: give it as an abbreviation (<!-- define: y = ... --> "
                "in a file, define={\"y\": ...} in Python), or write = for a claimed identity",
    "triangleq": "a definition (\\triangleq) is not a step of a chain: give it as an abbreviation (<!-- define: y = ... "
                 "--> in a file, define={\"y\": ...} in Python), or write = for a claimed identity",
    "doteq": "\\doteq is not a step of a chain: write = for a claimed identity, or define an abbreviation",
    "pm": "\\pm (two values at once) is not read: write one line (or chain) for each sign",
    "mp": "\\mp (two values at once) is not read: write one line (or chain) for each sign",
    "over": "{a \\over b} is not read: write \\frac{a}{b}",
    "choose": "{n \\choose k} is not read: write \\binom{n}{k}",
    "atop": "\\atop is not read: write the two quantities on separate lines",
    "div": "\\div is not read: write \\frac{a}{b} (or a / b with one factor after the slash)",
    "Vert": "norms \\Vert x \\Vert are not read in scalar lines: write the sum of squares out",
    "bm": "LaTeX lines are scalar: write vectors entry by entry, or use explicit sympy matrices",
    "prime": "write the prime as ' (x', f'(x)), not ^\\prime",
    "rightarrow": "limits are not read: write the limit's value; between lines write \\Rightarrow for an implication",
    "cap": "sets are not read: conditions belong in the declarations",
    "Pr": "\\Pr (a probability) is not read: declare P as a function (P function) and write P(x)",
    "exists": "quantifiers are not read: conditions belong in the declarations (e.g. x positive), not in a line",
    "%": "\\% (a percentage) is not read: write it as a fraction, \\frac{50}{100}",
    "lVert": "norms \\lVert x \\rVert are not read in scalar lines: write the sum of squares out",
    "langle": "inner products \\langle x, y \\rangle are not read in scalar lines: write the sum of products out",
    "bmod": "modular arithmetic is not read",
    "pmod": "modular arithmetic is not read",
    "mod": "modular arithmetic is not read",
    "rm": "{\\rm d} is old TeX: write \\mathrm{d} (and \\mathrm{e} for Euler's number)",
    "iint": "multiple integrals are written as nested integrals with bounds: \\int_a^b \\int_c^d f \\, dx \\, dy",
    "cup": "sets are not read: conditions belong in the declarations",
}
_EXPECTATION = ("{0} (an expectation) is not read: write it out as a sum over the values with their "
                "probabilities, \\sum_{{k=1}}^{{K}} p_k x_k, or an integral \\int_a^b x p(x) \\, dx, or name its "
                "value a symbol (e.g. m); declare E (E function) if it is not an expectation")
_ARGMAX = ("{0} (an arg max / arg min) is not read: it is the point where the optimum is attained, not a value, "
           "so a step through it is not an identity the checker can decide; check the condition the optimiser "
           "satisfies instead (the derivative set to zero: \\frac{{\\partial f}}{{\\partial \\theta}} = 0 "
           "\\Rightarrow \\theta = ...)")
_OPTIMUM = ("{0} (a maximum or minimum over a variable) is not read: the value of an optimisation is not an "
            "expression of its variables; write the optimum's value, or check the condition the optimiser "
            "satisfies (\\max(a, b) of given values is read)")
_MOMENT = ("{0} (a variance or covariance) is not read: write it out, E[x^2] - E[x]^2 as sums or integrals, or "
           "name its value a symbol")
#: operator names refused with a message of their own (\operatorname{..}, \mathrm{..}, \mathbb{..}, \..)
_NAMED_OPERATORS = {"E": _EXPECTATION, "argmax": _ARGMAX, "argmin": _ARGMAX, "Var": _MOMENT, "Cov": _MOMENT,
                    "var": _MOMENT, "cov": _MOMENT, "V": _MOMENT}
_EVALUATION_BAR = ("evaluation bars (\\left. F \\right|_{x=a}, F \\Big|_{0}^{1}) are not read: write the expression "
                   "with the value substituted (F(a), or F(1) - F(0))")
#: the annotation of a definition over =: \stackrel{\text{def}}{=}, \overset{\Delta}{=}
_DEFINITION_ANNOTATION = (r"\s*\{\s*(?:\\(?:text|mathrm|textrm|rm|scriptscriptstyle|scriptstyle)\s*\{?\s*)?"
                          r"(?:def|\\triangle|\\Delta|:)\.?\s*\}?\s*\}\s*\{\s*=\s*\}")
_GENERIC_HINT = ("use plain symbols, +, -, \\cdot, \\frac, ^, \\log, \\exp, \\sqrt, \\tanh, \\sigma, \\sum, \\prod, "
                 "\\int and \\frac{d}{dx}")
#: control characters that a Python string without r"..." makes of a backslash command
_CONTROL = [
    (re.compile("\x0c"), r"\f", r"\frac"), (re.compile("\x08"), r"\b", r"\beta, \bar, \binom"),
    (re.compile("\x07"), r"\a", r"\alpha"), (re.compile("\x0b"), r"\v", r"\varepsilon, \vert"),
    (re.compile(r"\t(?=(?:au|heta|imes|anh|an|ext|ilde|op|extrm)(?![A-Za-z]))"), r"\t", r"\tau, \theta, \times, \tanh"),
    (re.compile(r"\r(?=(?:ight|ho|angle|floor|ceil|vert)(?![A-Za-z]))"), r"\r", r"\right, \rho"),
    (re.compile(r"\n(?=(?:abla|u|eq|ot|onumber|otag|eg)(?![A-Za-z]))"), r"\n", r"\nu, \nabla, \neq"),
]


class WorkingParseError(ValueError):
    """A line that cannot be read: ``line`` and ``column`` (1-based) say where."""

    def __init__(self, message: str, *, line: int, column: int, text: str) -> None:
        self.reason = message
        self.line = line
        self.column = column
        self.text = text
        shown = text.translate({c: " " for c in range(32)})
        caret = " " * (column - 1) + "^"
        super().__init__(f"line {line}, column {column}: {message}\n    {shown}\n    {caret}")


def canonical_name(base: str, sub: str | None = None, primes: str = "") -> str:
    """``x`` + ``{n}`` -> ``x_n``; ``h`` + ``{t - 1}`` -> ``h_{t-1}``; ``\\mu`` is ``mu``."""
    base = base.lstrip("\\")
    base = VARIANTS.get(base, base)
    name = base
    if sub is not None:
        sub = _WRAPPED.sub(r"\1", sub)
        sub = re.sub(r"\s+", "", sub).replace("\\", "")
        name += f"_{sub}" if re.fullmatch(r"[A-Za-z0-9]+", sub) else "_{" + sub + "}"
    return name + primes


def _base_of(name: str) -> str | None:
    """``x_n`` -> ``x``, ``q^(n)`` -> ``q``; None for a bare name."""
    parts = re.split(r"[_^]", name, maxsplit=1)
    return parts[0] if len(parts) > 1 else None


#: a superscript that labels a name instead of raising it to a power: ``x^{(n)}``, ``\theta^{(t+1)}``,
#: ``\theta^{old}``, ``\theta^{\text{old}}`` (a power is never written in parentheses inside braces)
_LABEL = re.compile(r"\s*\^\s*\{\s*(?:\(\s*([A-Za-z]+(?:\s*[+-]\s*\d+)?|\d+)\s*\)"
                    r"|(?:\\(?:text|mathrm|textrm)\s*\{\s*([A-Za-z]+)\s*\}|(old|new)|\\(max|min)(?![A-Za-z]))"
                    r")\s*\}")
#: an optimum's star, part of the name: \theta^*, \theta^{*}, \theta^\ast, \theta^\star
_STAR = re.compile(r"\s*\^\s*(?:\{\s*(?:\*|\\ast|\\star)\s*\}|\*|\\ast(?![A-Za-z])|\\star(?![A-Za-z]))")
#: argument separators of an applied function: p(x | z), p(x; \theta), D(p \| q)
_SEPARATOR = re.compile(r"\\mid\b|\\parallel\b|\\\||\\vert\b|(?<![\\])\||(?<!\\);|(?<![\\<>!])=(?!=)")
#: marker functions that keep a condition / parameters apart from the other arguments
SEPARATOR_FUNCTIONS = {"|": "given", ";": "param"}


@dataclass
class SymbolTable:
    """What the lines of one chain share: declared symbols, functions, abbreviations and families.

    ``make(name)`` returns the one Symbol used for ``name`` everywhere (with the declared assumptions), so
    ``x_1`` written by hand and ``x[1]`` from an expanded sum are the same symbol.
    """

    assumptions: dict[str, dict[str, bool]] = field(default_factory=dict)  # exact names
    families: dict[str, dict[str, bool]] = field(default_factory=dict)  # base names of x_i families
    functions_as_symbols: set[str] = field(default_factory=set)  # e.g. {"sigma"} when sigma is declared
    functions: set[str] = field(default_factory=set)  # names (or family bases) declared as functions
    definitions: dict[str, sp.Basic] = field(default_factory=dict)  # abbreviations: name -> value
    subscripts: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (base, subscript text)
    display: dict[str, str] = field(default_factory=dict)  # name -> LaTeX as written (\hat{x})
    _cache: dict[str, sp.Symbol] = field(default_factory=dict)
    arities: dict[str, int] = field(default_factory=dict)  # family -> number of indices (one per chain)
    matrices: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # name -> (rows, cols, kind)

    def matrix_symbol(self, name: str) -> sp.MatrixSymbol:
        """The matrix (or column vector) declared as ``name``, as a sympy MatrixSymbol (typesets as written)."""
        rows, cols, _ = self.matrices[name]
        key = "\0matrix:" + name
        if key not in self._cache:
            self._cache[key] = sp.MatrixSymbol(name, rows, cols)
        return self._cache[key]

    def explicit(self, name: str) -> sp.ImmutableMatrix:
        """The explicit matrix of entry symbols of a declared matrix: ``A_12`` (``A_{12}`` as written), a
        vector's ``x_1``; a symmetric matrix shares ``A_12`` between (1, 2) and (2, 1)."""
        rows, cols, kind = self.matrices[name]

        def entry(i: int, j: int) -> sp.Symbol:
            if cols == 1:
                return self.make(canonical_name(name, str(i + 1)))
            if kind in ("symmetric", "spd") and j < i:
                i, j = j, i
            return self.make(canonical_name(name, f"{i + 1}{j + 1}"))

        return sp.ImmutableMatrix(rows, cols, lambda i, j: entry(i, j))

    def to_explicit(self, expr: sp.Basic) -> sp.Basic:
        """``expr`` with every declared matrix replaced by its explicit matrix of entries and the matrix
        algebra carried out (inverse, transpose, products); a 1x1 product (``x^T A x``) is its entry."""
        if not isinstance(expr, sp.Basic) or not expr.has(sp.MatrixSymbol):
            return expr
        mapping = {self.matrix_symbol(n): self.explicit(n) for n in self.matrices}

        def explicit(e: sp.Basic) -> sp.Basic:
            if isinstance(e, OneByOne):
                return explicit(e.arg)[0, 0]
            if isinstance(e, sp.Determinant):
                return explicit(e.arg).det()
            if isinstance(e, sp.Trace):
                return explicit(e.arg).trace()
            if isinstance(e, sp.MatrixExpr):
                out = e.xreplace(mapping).doit()
                return sp.ImmutableMatrix(out.as_explicit() if isinstance(out, sp.MatrixExpr) else out)
            if not e.args or not e.has(sp.MatrixSymbol):
                return e
            return e.func(*[explicit(a) for a in e.args])

        return explicit(expr)

    def member(self, base: str, idx: list[sp.Basic]) -> sp.Indexed:
        """The member ``base[idx]`` of a family; a family met with another number of indices is refused."""
        known = self.arities.setdefault(base, len(idx))
        if known != len(idx):
            raise ValueError(f"the family {base} is written with {known} and with {len(idx)} indices in one chain "
                             f"(e.g. {base}_i and {base}_{{ik}}): name the two quantities differently")
        return sp.IndexedBase(base)[tuple(idx)]

    def declared(self, name: str) -> bool:
        return name in self.assumptions

    def declared_symbol(self, name: str) -> bool:
        """Declared with a symbol kind (itself or its family): ``name(...)`` is then a product."""
        base = _base_of(name)
        return name in self.assumptions or name in self.functions_as_symbols or (base in self.families)

    def declared_function(self, name: str) -> bool:
        base = _base_of(name)
        return name in self.functions or (base is not None and base in self.functions)

    def make(self, name: str) -> sp.Symbol:
        if name in self._cache:
            return self._cache[name]
        if name in self.assumptions:
            ass = self.assumptions[name]
        else:
            base = name.split("_", 1)[0] if "_" in name else None
            ass = self.families.get(base, {"real": True}) if base else {"real": True}
        sym = sp.Symbol(name, **ass)
        self._cache[name] = sym
        return sym

    def index(self, name: str) -> sp.Symbol:
        """A summation index: an integer symbol."""
        key = "\0index:" + name
        if key not in self._cache:
            self._cache[key] = sp.Symbol(name, integer=True)
        return self._cache[key]


class OneByOne(sp.Trace):
    """A 1x1 matrix product (``x^T A x``, ``x^T y``) read as the scalar it holds; typesets as written."""

    def _latex(self, printer: object) -> str:
        return printer._print(self.arg)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Reading:
    """How one line was read: the sympy expression and its typeset LaTeX."""

    expr: sp.Basic
    latex: str

    def __str__(self) -> str:
        return self.latex


#: an upright d: \mathrm{d}, \mathrm d (TeX's one-token argument), \text{d}, \operatorname{d}
_UPRIGHT_D = r"\\(?:mathrm|text|textrm|operatorname)\s*\{\s*d\s*\}|\\mathrm\s+d(?![A-Za-z]{2})"
_D = r"(?:d|\\partial|" + _UPRIGHT_D + r")"
_ORDER = r"(?:\^\s*(?:\{\s*(\d+)\s*\}|(\d)))?"
_SYMBOL_SUB = r"(?:_\s*(?:\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z0-9]))?"
_DECORATED = r"\\(?:hat|widehat|bar|overline|tilde|widetilde)\s*\{\s*\\?[A-Za-z]+\s*\}"
_VAR = r"(?:" + _DECORATED + r"|\\[A-Za-z]+|[A-Za-z])" + _SYMBOL_SUB + r"'*"
_NUM_DIFF = re.compile(r"\s*" + _D + r"\s*" + _ORDER + r"(.*)", re.S)
_DEN_DIFF = re.compile(r"\s*" + _D + r"\s*(" + _VAR + r")\s*" + _ORDER)
#: a transpose written as a superscript: A^T, A^{T}, A^\top, A^{\mathsf T}, A^{\intercal}
_TRANSPOSE = re.compile(r"\^\s*(?:T|\\top\b|\\intercal\b|\{\s*(?:T|\\top|\\intercal|\\(?:mathsf|mathrm|mathit)\s*"
                        r"(?:\{\s*T\s*\}|T))\s*\})")
_INVERSE = re.compile(r"\^\s*\{\s*-\s*1\s*\}")
_GREEK_ALT = "|".join(sorted(GREEK, key=len, reverse=True))
#: a factor written without parentheses: 2, x, x_n, \pi_k, \phi_j^{(t)}, x'
_FACTOR = (r"(?:\d+(?:\.\d+)?|(?:\\(?:" + _GREEK_ALT + r")(?![A-Za-z])|[A-Za-z])"
           r"(?:\s*_\s*(?:\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z0-9]))?(?:\s*\^\s*(?:\{[^{}]*\}|[A-Za-z0-9]))?'*)")
#: a function written without parentheses and its argument so far, right before an applied function:
#: \log \pi_k N(x) (the log of the product, or the log times N(x)?)
_NOPAREN_ARGUMENT = re.compile(r"(\\(?:log|ln|exp|sinh|cosh|tanh|sin|cos|tan|sec|csc|cot|arcsin|arccos|arctan)"
                               r"(?![A-Za-z])(?:\s*\^\s*(?:\{[^{}]*\}|\d))?)((?:\s*" + _FACTOR + r")+)\s*$")
#: a bare name right before an applied function: f g(x)
_BARE_NAME = re.compile(r"(?<![A-Za-z\\])(\\[A-Za-z]+|[A-Za-z])\s*(_\s*(?:\{[^{}]*\}|\\?[A-Za-z0-9]+))?\s*$")
#: what may end a line without being read: a full stop, a comma, spacing (``x + 1, \quad``)
_TRAILING = re.compile(r"(?:\s|\\[,;:! ]|\\q?quad(?![A-Za-z])|(?<!\\)[.,;])*$")
#: what may follow a remark \text{...} in a line: spacing, punctuation and more remarks
_AFTER_REMARK = re.compile(r"(?:\s|\\[,;:! ]|\\q?quad(?![A-Za-z])|[.,;]|\\(?:text|mbox|textrm|textnormal|label|tag)"
                           r"\s*\{[^{}]*\}|\\(?:nonumber|notag)(?![A-Za-z]))*")
_PAREN_AFTER = re.compile(r"\s*(?:\\(?:left|bigl|Bigl|biggl|Biggl|big|Big)\s*)?\(")


#: built-in functions that may be written without parentheses (\sin x, \log 2\pi): their argument's extent
_NOPAREN_FUNCTIONS = {"sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
                      "log", "ln", "exp"}
#: commands that end such an argument, as the parser ends it: another function, a relation, a bracket's end
_ARGUMENT_ENDS = (_NOPAREN_FUNCTIONS | {"sqrt", "max", "min", "sum", "prod", "int", "right", "quad", "qquad", "text",
                                        "le", "ge", "leq", "geq", "lt", "gt", "ne", "neq", "approx", "Rightarrow",
                                        "Leftrightarrow", "implies", "iff", "to", "label", "nonumber", "notag", "det"})
_EXPLICIT_OPERATORS = {"cdot", "times", "div", "ast"}


def _token_end(text: str, q: int, n: int) -> int:
    """The end of the TeX token or group at ``q``: ``{...}``, ``\\name``, ``\\,`` or one character."""
    if q >= n:
        return n
    if text[q] == "{":
        try:
            return min(_read_group(text, q)[1], n)
        except IndexError:
            return n
    if text[q] == "\\":
        m = re.match(r"\\(?:[A-Za-z]+|.)", text[q:n])
        return q + (len(m.group(0)) if m else 1)
    return q + 1


#: commands whose arguments may be single tokens (\frac12, \frac\pi2, \sqrt x), and how many they take
_TOKEN_ARGUMENTS = {"frac": 2, "dfrac": 2, "tfrac": 2, "cfrac": 2, "binom": 2, "dbinom": 2, "sqrt": 1}
#: ... and those whose one argument may be a single letter (\mathrm e, \mathrm dx)
_LETTER_ARGUMENTS = {"mathrm": 1, "mathit": 1, "mathcal": 1, "operatorname": 1}


def _normalise(text: str) -> tuple[str, list[int]]:
    """TeX's own shorthands written out, so that the reader sees one spelling; with each character's column.

    ``\\frac12``, ``\\frac a b``, ``\\sqrt x``, ``\\binom n k`` take single tokens as arguments (braces added);
    ``x^2_1`` is ``x_1^2`` and ``\\sum^{N}_{n=1}`` is ``\\sum_{n=1}^{N}`` (TeX attaches both scripts to the
    same base in either order); ``\\limits`` / ``\\nolimits`` only place the limits (dropped)."""
    # letters copied from a PDF in mathematical italic (𝑥, 𝜇) are the plain letters (one character each)
    chars = [unicodedata.normalize("NFKC", ch) if ord(ch) > 0x2000 and unicodedata.name(ch, "").startswith(
        ("MATHEMATICAL ITALIC", "PLANCK CONSTANT")) else ch for ch in text]
    cols = list(range(len(text)))
    q = 0
    while q < len(chars):
        if (chars[q] == "{" and q + 1 < len(chars) and chars[q + 1] == "}"
                and not re.search(r"\\[A-Za-z]+\s*$", "".join(chars[max(0, q - 40):q]))):
            del chars[q:q + 2], cols[q:q + 2]  # {}x, x{}^2: an empty group typesets nothing
            continue
        if chars[q] not in "\\^_":
            q += 1
            continue
        s = "".join(chars)
        n = len(s)
        if chars[q] in "^_":  # x^2 3, \int_0^1 2x: a one-digit script in braces (the parser joins 1 2 into 12)
            a = q + 1
            while a < n and s[a] == " ":
                a += 1
            if a < n and s[a].isdigit() and re.compile(r"(?:\s|\\[,;:! ]|\\q?quad(?![A-Za-z]))+\d").match(s, a + 1):
                chars[a:a + 1] = ["{", s[a], "}"]
                cols[a:a + 1] = [cols[a]] * 3
                s = "".join(chars)
                n = len(s)
        if chars[q] == "_":
            q += 1
            continue
        if chars[q] == "^":  # ^X_Y -> _Y^X
            a = q + 1
            while a < n and s[a] == " ":
                a += 1
            if a >= n:
                break
            x_end = _token_end(s, a, n)
            b = x_end
            while b < n and s[b] == " ":
                b += 1
            if b < n and s[b] == "_":
                c = b + 1
                while c < n and s[c] == " ":
                    c += 1
                if c < n:
                    y_end = _token_end(s, c, n)
                    sup, sub = (chars[q:x_end], cols[q:x_end]), (chars[b:y_end], cols[b:y_end])
                    chars[q:y_end] = sub[0] + sup[0]
                    cols[q:y_end] = sub[1] + sup[1]
                    continue  # the subscript now comes first; look at this position again
            q += 1
            continue
        m = re.match(r"\\([A-Za-z]+|.)", s[q:])
        if m is None:  # a lone backslash at the end: the reader refuses it
            break
        word = m.group(1)
        end = q + len(m.group(0))
        if word in ("limits", "nolimits"):
            del chars[q:end], cols[q:end]
            continue
        count = _TOKEN_ARGUMENTS.get(word, _LETTER_ARGUMENTS.get(word, 0))
        k = end
        if word == "sqrt":
            k2 = k
            while k2 < n and s[k2] == " ":
                k2 += 1
            if k2 < n and s[k2] == "[":
                close = s.find("]", k2)
                k = close + 1 if close > 0 else n
        for _ in range(count):
            while k < n and s[k] == " ":
                k += 1
            if k >= n or not (s[k] == "{" or s[k].isalnum() or (s[k] == "\\" and word in _TOKEN_ARGUMENTS)):
                break  # \operatorname*{argmax}, \frac-: not a TeX shorthand the reader reads
            t_end = _token_end(s, k, n)
            if s[k] != "{":  # one token: braces around it, at its column
                chars[k:t_end] = ["{"] + chars[k:t_end] + ["}"]
                cols[k:t_end] = [cols[k]] + cols[k:t_end] + [cols[t_end - 1]]
                s = "".join(chars)
                n = len(s)
                t_end += 2
            k = t_end
        q = end
    return "".join(chars), cols


def _noparen_operator(text: str, start: int, n: int) -> tuple[int, int, bool] | None:
    """An explicit operator (``\\cdot``, ``\\times``, ``/``, ``*``, ``\\div``) inside the argument of a function
    written without parentheses whose argument starts at ``start`` (``\\sin x / 2``, ``\\log x \\cdot y``).

    The parser's argument runs over such operators (``\\log x \\cdot \\log y`` would be ``log(x log y)``).
    Returns (position of the operator, its end, whether a built-in function follows it), or None when the
    argument is parenthesised or holds no such operator."""
    q = start
    while q < n and text[q] == " ":
        q += 1
    if q >= n or text[q] == "(" or re.match(r"\\(?:left|bigl|Bigl|biggl|Biggl|big|Big|bigg|Bigg)\s*[(\[]|\\\{",
                                            text[q:n]):
        return None
    first = True
    while q < n:
        ch = text[q]
        if ch == " ":
            q += 1
            continue
        if ch in "([{" or (ch == "|" and first):
            if ch == "|":
                close = text.find("|", q + 1, n)
                end = close + 1 if close > 0 else n
            elif ch == "{":
                end = _token_end(text, q, n)
            else:
                depth, end = 0, n
                for p in range(q, n):
                    depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(text[p], 0)
                    if depth == 0:
                        end = p + 1
                        break
            q, first = end, False
            continue
        if ch in ")]}+=<>,;&|" or (ch == "-" and not first):
            return None
        if ch in "/*":
            return q, q + 1, _function_follows(text, q + 1, n)
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", text[q:n])
            word = m.group(1) if m else ""
            end = q + (len(m.group(0)) if m else 1)
            if word in _EXPLICIT_OPERATORS:
                return q, end, _function_follows(text, end, n)
            if word in _ARGUMENT_ENDS or word in ("}", "\\"):
                return None
            if word in _GREEK_FUNCTIONS and re.compile(r"\s*\(").match(text, end, n):
                return None  # \tanh x \sigma(y): the juxtaposition check refuses it
            q, first = end, False
            continue
        q, first = q + 1, False
    return None


def _pair_bars(text: str, n: int, bars: list[int]) -> dict[int, str]:
    """Plain absolute-value bars paired as a reader pairs them: ``{position: "{|" or "|}"}``.

    A bar after an operand (a letter, a digit, ``)``, a closing bar) closes the open one, any other opens;
    the parser, left alone, pairs ``|x| \\cdot |y| + |x||y|`` otherwise. Bars inside the parentheses of a
    possible function application (``p(x | z)``, ``p(|x|)``) are left to the argument rules; when the
    pairing does not close, nothing is paired (the parser reports it)."""
    pairs: dict[int, str] = {}
    stack: list[int] = []
    for b in bars:
        depth, k = 0, b - 1
        while k >= 0:  # the innermost open parenthesis before the bar
            depth += {")": 1, "(": -1}.get(text[k], 0)
            if depth < 0:
                break
            k -= 1
        if k >= 0 and re.search(r"[A-Za-z}'\]]\s*$", text[:k]):
            continue
        before = text[:b].rstrip()
        operand = bool(re.search(r"(?:(?<![\\A-Za-z])[A-Za-z]+|[0-9)}'!])$", before)) or (
            before.endswith("|") and pairs.get(len(before) - 1) == "|}")
        if stack and operand:
            pairs[b] = "|}"
            stack.pop()
        else:
            pairs[b] = "{|"
            stack.append(b)
    return {} if stack else pairs


def _next_factor(text: str, q: int, n: int) -> str:
    """The factor written at ``q`` (a token with its groups and scripts: ``\\frac{a}{b}``, ``x_n``), as shown in
    a message; ``...`` when it is long."""
    while q < n and text[q] == " ":
        q += 1
    if q >= n:
        return "..."
    start = q
    if text[q] == "(":
        close = _matching_paren(text, q, n)
        q = n if close is None else close + 1
    else:
        q = _token_end(text, q, n)
    while True:
        m = re.compile(r"\s*(?:[_^]\s*)?\{").match(text, q, n) if text[start] == "\\" else None
        m = m or re.compile(r"\s*[_^]\s*").match(text, q, n)
        if not m:
            break
        q = _token_end(text, m.end() - (1 if text[m.end() - 1] == "{" else 0), n)
    shown = re.sub(r"\s+", " ", text[start:q].strip())
    return shown if 0 < len(shown) <= 40 else "..."


def _function_follows(text: str, q: int, n: int) -> bool:
    m = re.compile(r"\s*\\([A-Za-z]+)").match(text, q, n)
    return bool(m) and m.group(1) in _NOPAREN_FUNCTIONS | {"sqrt", "max", "min"}


class _Out:
    """The rewritten text and, for each of its characters, the column of the original it came from."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.cols: list[int] = []
        self.resume = 0  # where the main loop continues after a derivative operator

    def add(self, text: str, col: int) -> None:
        self.parts.append(text)
        self.cols.extend([col] * len(text))

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _letters(i: int, prefix: str = "zq") -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(ord("a") + r) + out
    return prefix + out


def _read_group(text: str, pos: int) -> tuple[str, int]:
    """``text[pos] == '{'``: the group's content and the position after its closing brace."""
    depth = 0
    for j in range(pos, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[pos + 1 : j], j + 1
    raise IndexError(pos)


def _var_name(var_text: str, table: SymbolTable) -> str:
    """The canonical name of a variable written in a differential (``w_h``, ``\\mu_{k}``, ``x'``)."""
    text = var_text.strip()
    dm = re.match(r"\\([A-Za-z]+)\s*\{\s*\\?([A-Za-z]+)\s*\}", text)
    if dm and dm.group(1) in _DECORATIONS:  # \hat{y} is y_hat, as the reader names it
        letter = VARIANTS.get(dm.group(2), dm.group(2))
        text = f"{letter}_{_DECORATIONS[dm.group(1)]}" + text[dm.end():]
        m = re.fullmatch(r"([A-Za-z]+_[a-z]+)\s*(?:_\s*(\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z0-9]))?('*)", text)
    else:
        m = re.fullmatch(r"\\?([A-Za-z]+)\s*(?:_\s*(\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z0-9]))?('*)", text)
    sub = m.group(2)
    if sub is not None:
        sub = sub[1:-1] if sub.startswith("{") else sub
    name = canonical_name(m.group(1), sub, m.group(3))
    if sub is not None:  # as read_symbol does: inside a sum over j, w_j is the family member w[j]
        clean = re.sub(r"\s+", "", _WRAPPED.sub(r"\1", sub)).replace("\\", "")
        table.subscripts[name] = (canonical_name(m.group(1)), clean)
    return name


def _plain_var(var_text: str) -> bool:
    """A differential's variable is a letter or a Greek letter (never a command such as \\cdot)."""
    m = re.match(r"\\([A-Za-z]+)", var_text)
    return m is None or m.group(1) in GREEK or (m.group(1) in _DECORATIONS and m.group(1) != "mathcal")


_ONE_SYMBOL = re.compile(r"\s*(?:\\[A-Za-z]+|[A-Za-z])\s*(?:_\s*(?:\{[^{}]*\}|\\?[A-Za-z0-9]+))?'*\s*")


def _looks_applied(text: str, j: int, n: int) -> bool:
    """``p(x)``, ``L(\\theta)``, ``g(x, y)``, ``p(x | z)``: parentheses around one symbol, a list or a
    condition read as an argument, never as a factor (nobody writes the product a*b as a(b))."""
    k = text.index("(", j)
    depth = 0
    for q in range(k, n):
        depth += {"(": 1, ")": -1}.get(text[q], 0)
        if depth == 0:
            inner = re.sub(r"\\right\s*$", "", text[k + 1 : q])
            top = re.sub(r"\([^()]*\)|\{[^{}]*\}", "", inner)
            if re.search(r",|\||\\mid\b|\\parallel\b|;", top):
                return True
            m = _ONE_SYMBOL.fullmatch(inner)
            return bool(m) and not re.fullmatch(r"\s*\\(?:infty|pi)\s*", inner)
    return False


_ATOM = re.compile(r"\s*(?:\d+(?:\.\d+)?|(?:\\[A-Za-z]+|[A-Za-z])\s*(?:_\s*(?:\{[^{}]*\}|\\?[A-Za-z0-9]+))?'*)"
                   r"(?:\s*\^\s*(?:\{[^{}]*\}|[A-Za-z0-9]))?")
_EXPLICIT = {"cdot", "times", "le", "ge", "leq", "geq", "lt", "gt", "right", "quad", "qquad", "text", "nonumber",
             "notag", "Rightarrow", "Leftrightarrow", "implies", "iff", "to", "approx", "ne", "neq", "label",
             "rfloor", "rceil", "rvert", "bigr", "Bigr", "biggr", "Biggr", "big", "Big", "bigg", "Bigg", "ast"}


def _implicit_denominator(text: str, start: int, n: int) -> tuple[str, str] | None:
    """``1/2 x``, ``a/bc``: (the denominator, the juxtaposed factor after it), or None when none follows."""
    k = start
    while k < n and text[k] == " ":
        k += 1
    if k < n and text[k] in "({":
        depth, end = 0, n
        for q in range(k, n):
            depth += {"(": 1, "{": 1, ")": -1, "}": -1}.get(text[q], 0)
            if depth == 0:
                end = q + 1
                break
        m = re.compile(r"\s*\^\s*(?:\{[^{}]*\}|[A-Za-z0-9])").match(text, end)
        end = m.end() if m else end
    else:
        m = _ATOM.match(text, k)
        if not m or m.end() == k:
            return None
        word = re.match(r"\s*\\([A-Za-z]+)", m.group(0))
        if word and word.group(1) not in GREEK:
            return None  # a/\log x, a/\sqrt{b}: the function's argument belongs to it
        end = m.end()
    nxt = re.match(r"\s*(\\[A-Za-z]+|[A-Za-z0-9(]|\\\{)", text[end:n])
    if not nxt or (nxt.group(1).startswith("\\") and nxt.group(1)[1:] in _EXPLICIT):
        return None
    fm = re.match(r"\s*(\\[A-Za-z]+|[A-Za-z0-9]+|\([^()]{0,20}\)|\()", text[end:n])
    return text[k:end].strip(), fm.group(1) if fm else text[end:n].strip()[:12]


def _matching_paren(text: str, k: int, n: int) -> int | None:
    """The position of the ``)`` that closes the ``(`` at ``k`` (None when it is not closed)."""
    depth = 0
    for q in range(k, n):
        depth += {"(": 1, ")": -1}.get(text[q], 0)
        if depth == 0:
            return q
    return None


def _separators(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """The top-level separators of the arguments ``text[start:end]``: (start, end, kind), kind one of
    ``,``, ``|`` (``|``, ``\\mid``, ``\\vert``), ``;``, ``‖`` (``\\|``, ``\\parallel``) and ``=`` (an event)."""
    found, depth, q = [], 0, start
    while q < end:
        ch = text[q]
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", text[q:end])
            word = m.group(1) if m else ""
            step = len(m.group(0)) if m else 1
            lr = re.match(r"\\(left|right)\s*(\||\\vert\b|\\lvert\b|\\rvert\b)", text[q:end])
            if lr:
                depth += 1 if lr.group(1) == "left" else -1
                step = len(lr.group(0))
            elif depth == 0 and word in ("mid", "vert"):
                found.append((q, q + step, "|"))
            elif depth == 0 and word in ("|", "parallel"):
                found.append((q, q + step, "‖"))
            q += step
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and ch in ",|;":
            found.append((q, q + 1, ch))
        elif depth == 0 and ch == "=":
            found.append((q, q + 1, "="))
        q += 1
    return found


def _check_text(text: str, line: int) -> None:
    """Refuse what a reader cannot mean: control characters, over-long lines, over-deep nesting."""
    for pattern, escape, commands in _CONTROL:
        m = pattern.search(text)
        if m:
            name = {"\x0c": "form feed", "\x08": "backspace", "\x07": "bell", "\x0b": "vertical tab",
                    "\t": "tab", "\r": "carriage return", "\n": "newline"}[m.group(0)]
            raise WorkingParseError(
                f"a {name} character where {escape} was meant ({commands}): a Python string without r\"...\" "
                f"turns {escape} into a control character; write the line as a raw string r\"...\"",
                line=line, column=m.start() + 1, text=text)
    if len(text) > MAX_LENGTH:
        raise WorkingParseError(f"the line is {len(text)} characters long (at most {MAX_LENGTH} are read): "
                                "split it into several lines", line=line, column=MAX_LENGTH + 1, text=text)
    depth = 0
    for k, ch in enumerate(text):
        if ch in "({[":
            depth += 1
            if depth > MAX_DEPTH:
                raise WorkingParseError(f"brackets nest more than {MAX_DEPTH} deep: the line is unreadable",
                                        line=line, column=k + 1, text=text)
        elif ch in ")}]":
            depth -= 1


def _find_differential(text: str, start: int, n: int, table: SymbolTable) -> tuple[int, int, str] | None:
    """The differential (``dx``, ``\\mathrm{d}x``) of the integral whose integrand starts at ``start``.

    Returns (position of the d, position after the variable, variable name); nested integrals take theirs
    first (inside out)."""
    depth, nested, i = 0, 0, start
    dm = re.compile(r"(?:" + _UPRIGHT_D + r"|d)\s*(" + _VAR + r")")
    while i < n:
        ch = text[i]
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
            if depth < 0:
                return None
        elif ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", text[i:])
            word = m.group(1) if m else ""
            if depth == 0 and word == "int":
                nested += 1
            if depth == 0 and word in ("mathrm", "text", "textrm", "operatorname"):
                found = dm.match(text, i)
                if found and _plain_var(found.group(1)):
                    if nested:
                        nested -= 1
                    else:
                        return i, found.end(), _var_name(found.group(1), table)
                    i = found.end()
                    continue
            i += len(m.group(0)) if m else 1
            continue
        elif depth == 0 and ch == "d":
            found = dm.match(text, i)
            if found and found.end() <= n and _plain_var(found.group(1)):
                if nested:
                    nested -= 1
                else:
                    return i, found.end(), _var_name(found.group(1), table)
                i = found.end()
                continue
        i += 1
    return None


def _rewrite(text: str, line: int, table: SymbolTable
             ) -> tuple[str, list[int], dict[str, str], dict[str, tuple[str, int]]]:
    """Rewrite ``text`` for the ANTLR parser (see the module docstring).

    Returns the new text, the original column of each of its characters, placeholder -> symbol name, and
    function placeholder -> (function name, order of derivative).
    """
    out = _Out()
    names: dict[str, str] = {}
    by_name: dict[str, str] = {}
    funcs: dict[str, tuple[str, int]] = {}
    closers: list[tuple[int, str, int]] = []  # (at position, emit, continue at)
    differentials: dict[int, tuple[int, str]] = {}  # position of an integral's d -> (end, variable)
    inserts: dict[int, tuple[int, str]] = {}  # position -> (continue at, text to emit): argument separators
    pos, n = 0, _TRAILING.search(text).start()  # a trailing full stop, comma or spacing is prose

    def fail(message: str, at: int) -> None:
        raise WorkingParseError(message, line=line, column=at + 1, text=text)

    def placeholder(name: str) -> str:
        if name not in by_name:
            by_name[name] = _letters(len(by_name))
            names[by_name[name]] = name
        return by_name[name]

    def function(name: str, order: int) -> str:
        key = _letters(len(funcs), "zf")
        funcs[key] = (name, order)
        return key

    def paren_after(j: int) -> bool:
        return bool(_PAREN_AFTER.match(text, j)) and j < n

    def after_subscript(j: int) -> int:
        """The end of a subscript ``_x`` / ``_{...}`` / ``_\\theta`` at ``j`` (``j`` when there is none)."""
        sm = re.compile(r"\s*_\s*").match(text, j, n)
        if not sm or sm.end() >= n:
            return j
        if text[sm.end()] == "{":
            try:
                return _read_group(text, sm.end())[1]
            except IndexError:
                return n
        wm = re.match(r"\\[A-Za-z]+|\S", text[sm.end():n])
        return sm.end() + len(wm.group(0))

    def read_symbol(base: str, after: int) -> tuple[str, int, str, str]:
        """Name, end, subscript text (or ''), primes of the symbol whose base ends at ``after``."""
        j = after
        sub = None
        k = j
        while k < n and text[k] == " ":
            k += 1
        if k < n and text[k] == "_":
            k += 1
            while k < n and text[k] == " ":
                k += 1
            if k >= n:
                fail("a subscript is missing after _", k - 1)
            if text[k] == "{":
                try:
                    sub, k = _read_group(text, k)
                except IndexError:
                    fail("unbalanced { in a subscript", k)
            elif text[k] == "\\":
                m = re.match(r"\\([A-Za-z]+)", text[k:])
                if not m or m.group(1) not in GREEK:
                    fail("a subscript must be a letter, a digit, a Greek letter or a {group}", k)
                sub, k = m.group(1), k + len(m.group(0))
            else:
                if text[k].isdigit() and k + 1 < n and text[k + 1].isdigit():  # x_10 is typeset x_1 0
                    digits = re.match(r"\d+", text[k:n]).group(0)
                    fail(f"'_{digits}' is typeset as _{digits[0]} followed by {digits[1:]}: write _{{{digits}}} for the "
                         f"subscript {digits}", k - 1)
                sub, k = text[k], k + 1
            j = k
        label = superscript = None
        lm = _LABEL.match(text, j, n) if (base != "e" or table.declared("e")) else None
        star = _STAR.match(text, j, n) if not lm else None
        if lm:  # x^{(n)}, \mu_k^{(t)}, \theta^{old}: a superscript label, part of the name
            label = re.sub(r"\s+", "", next(g for g in lm.groups() if g))
            j = lm.end()
        elif star:  # \theta^*: the optimum's name, never a power
            label = "*"
            j = star.end()
            if re.fullmatch(r"[A-Za-z]|" + _GREEK_ALT, base):
                shown = ("\\" if base in GREEK else "") + base + (f"_{{{sub}}}" if sub is not None else "") + "^{*}"
                table.display.setdefault(canonical_name(base, sub) + "^(*)", shown)
        elif table.declared_function(canonical_name(base, sub)):
            sm = re.compile(r"\s*\^\s*").match(text, j, n)
            if sm and sm.end() < n:
                q = sm.end()
                try:
                    if text[q] == "{":
                        sup, after = _read_group(text, q)
                    else:
                        sup = re.match(r"\\[A-Za-z]+|.", text[q:n]).group(0)
                        after = q + len(sup)
                except IndexError:
                    fail("unbalanced { in a superscript", q)
                if paren_after(after):  # g_t^{\hat{y}_t}(x): the superscript is part of the function's name
                    if re.fullmatch(r"\s*-?\d+\s*", sup):
                        written = text[sm.start():after].strip()
                        fail(f"{canonical_name(base, sub)}{written}(...) is ambiguous: write "
                             f"{canonical_name(base, sub)}(...)^{{{sup.strip()}}} for a power, or "
                             f"{canonical_name(base, sub)}^{{({sup.strip()})}}(...) for a function named so", j)
                    superscript = re.sub(r"\s+", "", sup)  # the name keeps it as written: g_t^{\hat{y}_t}
                    j = after
        primes = ""
        while j < n and text[j] == "'":
            primes += "'"
            j += 1
        name = canonical_name(base, sub) + (f"^({label})" if label else "") + primes
        if superscript is not None:
            name = canonical_name(base, sub) + "^{" + superscript + "}" + primes
        clean = ""
        if sub is not None:
            clean = re.sub(r"\s+", "", _WRAPPED.sub(r"\1", sub)).replace("\\", "")
            # the family of \mu_k^{(t)} is mu__t (a word: the engine names its random models after it)
            family = canonical_name(base) + ("__" + re.sub(r"\W", "", label.replace("+", "p").replace("-", "m").replace("*", "star"))
                                             if label else "")
            table.subscripts[name] = (family, clean)
        elif label and re.fullmatch(r"[A-Za-z]", label):  # x^{(n)} inside a sum over n: the member x[n]
            table.subscripts[name] = (canonical_name(base), label)
        return name, j, clean, primes

    def ambiguous(shown: str, at: int, j: int) -> None:
        k = text.index("(", j)
        depth, close = 0, None
        for q in range(k, n):
            depth += {"(": 1, ")": -1}.get(text[q], 0)
            if depth == 0:
                close = q
                break
        group = text[k : close + 1] if close is not None and close - k <= 40 else "(...)"
        group = re.sub(r"\\right\s*\)$", ")", group)
        bare = shown.rstrip("'")
        declarable = re.match(r"\\?[A-Za-z]+(?:_\{?[A-Za-z0-9]+\}?)?(?=(?:\^\{?\(?[A-Za-z0-9+-]*\)?\}?)?$)", bare)
        bare = re.sub(r"\^.*$", "", bare)  # q^{(n)}(k): declare q
        how = (f"declare {bare} as a function to apply it (<!-- domain: {bare} function --> in a file, "
               f"declare=\"{bare} function\" in Python)" if declarable else
               "write the function's formula out instead")
        if re.search(r",|\||\\mid\b|\\parallel\b|;", group):
            fail(f"{shown}{group} reads as a function applied to arguments: {how}", at)
        fail(f"{shown}{group} is ambiguous: write {shown} \\cdot {group} for a product, or {how}", at)

    def insert(at: int, end: int, emit: str) -> None:
        old_end, old = inserts.get(at, (at, ""))
        inserts[at] = (max(end, old_end), old + emit)

    def separate(fname: str, k: int, close: int) -> bool:
        """Plan the argument separators of ``fname(...)`` (parentheses at ``k`` and ``close``); True if any.

        ``p(x | z, \\theta)`` is ``p(x, given(z, \\theta))``, ``p(x; \\theta)`` is ``p(x, param(\\theta))``, an
        event ``p(z = j)`` is ``p(event(z, j))``, ``D(p \\| q)`` is ``D(p, q)``: the condition, the parameters
        and the event stay apart from the other arguments, so ``p(z | x)`` is never ``p(z, x)``."""
        end = close
        rm = re.search(r"\\(?:right|bigr|Bigr|biggr|Biggr|big|Big|bigg|Bigg)\s*$", text[k + 1 : close])
        if rm:
            end = k + 1 + rm.start()
        found = _separators(text, k + 1, end)
        if not any(kind != "," for _, _, kind in found):
            return False
        bars = [f for f in found if f[2] == "|" and text[f[0]] == "|"]
        if len(bars) > 1:  # |x| inside the arguments: absolute-value bars, not a condition
            found = [f for f in found if f not in bars]
            if not any(kind != "," for _, _, kind in found):
                return False
        bounds = [f for f in found if f[2] != "="]
        closing: list[tuple[int, int]] = []  # (position, 1 for an inner marker) of the ")" to emit
        group_open = False
        for a, b, kind in found:
            if kind == "‖":
                insert(a, b, ",")
            elif kind in SEPARATOR_FUNCTIONS:
                if group_open:
                    closing.append((a, 0))
                insert(a, b, ", \\" + function(SEPARATOR_FUNCTIONS[kind], 0) + "(")
                group_open = True
            elif kind == "=":
                left = max((bb for _, bb, kk in bounds if bb <= a), default=k + 1)
                right = min((aa for aa, _, kk in bounds if aa > a), default=end)
                if any(kk == "=" and left <= aa < right and aa != a for aa, _, kk in found):
                    fail(f"two = in one argument of {fname}: write one event per argument", a)
                if not text[left:a].strip() or not text[b:right].strip():
                    fail(f"an event in the arguments of {fname} needs a variable and a value: {fname}(z = j)", a)
                insert(left, left, "\\" + function("event", 0) + "(")
                insert(a, b, ",")
                closing.append((right, 1))
        if group_open:
            closing.append((end, 0))
        for at, _ in sorted(closing, key=lambda c: (-c[0], c[1])):
            closers.append((at, ")", at))
        return True

    def juxtaposed(start: int, j: int) -> None:
        """Refuse ``\\log \\pi_k N(x)`` (the log of the product, or the log times N(x)?) and ``f g(x)`` with f a
        declared function (f applied to g(x), or a product?): both readings are common."""
        before = text[max(0, start - 300):start]
        k = text.index("(", j)
        close = _matching_paren(text, k, n)
        applied = text[start:close + 1].strip() if close is not None and close - k <= 30 else text[start:j].strip() + "(...)"
        m = _NOPAREN_ARGUMENT.search(before)
        if m and m.group(2).strip():
            fn, arg = m.group(1).strip(), re.sub(r"\s+", " ", m.group(2).strip())
            fail(f"'{fn} {arg} {applied}' is ambiguous: write {fn}({arg}) {applied} for the product of "
                 f"{fn}({arg}) and {applied}, or {fn}({arg} {applied}) for the {fn.lstrip(chr(92))} of the product",
                 before.rfind(m.group(1)) + max(0, start - 300))
        m = _BARE_NAME.search(before)
        if m and not m.group(0).strip().startswith(("\\cdot", "\\times")):
            word = m.group(1).lstrip("\\")
            if (word in GREEK or len(word) == 1) and not m.group(2):
                name = VARIANTS.get(word, word)
                if table.declared_function(name) and not table.declared_symbol(name):
                    fail(f"'{m.group(0).strip()} {applied}' is ambiguous: {m.group(0).strip()} is declared a function "
                         f"but has no argument: write {m.group(0).strip()}({applied}) to apply it to {applied}, or "
                         f"{m.group(0).strip()}(x) \\cdot {applied} for a product", m.start(1) + max(0, start - 300))

    def call(fname: str, order: int, start: int, j: int) -> None:
        """Emit ``fname`` (its ``order``-th derivative) applied to the parenthesised group after ``j``.

        One argument is handed over as ``\\arccot(\\mathit{zf..} + (arg))`` (no reader writes \\arccot: it is
        refused): a built-in function of the parser, so that ``\\tanh z_f \\sigma(z_o)`` stops the argument
        of \\tanh before \\sigma as it does before \\sin. Several arguments use the parser's f(x, y)."""
        juxtaposed(start, j)
        key = function(fname, order)
        k = text.index("(", j)
        depth, close = 0, None
        for q in range(k, n):
            depth += {"(": 1, ")": -1}.get(text[q], 0)
            if depth == 0:
                close = q
                break
        inner = text[k + 1 : close] if close is not None else ","
        if close is not None and separate(fname, k, close):
            out.add("\\" + key + " ", start)
            return
        if re.search(r",", re.sub(r"\([^()]*\)|\{[^{}]*\}", "", inner)):
            out.add("\\" + key + " ", start)
            return
        out.add(r"\arccot(\mathit{" + key + "} + ", start)
        closers.append((close + 1, ")", close + 1))

    def symbol_or_call(name: str, base: str, primes: str, start: int, j: int, shown: str,
                       function_like: bool | None = None) -> None:
        """Emit the symbol ``name`` read at ``start``..``j``, or a function call when one is meant."""
        if re.search(r"\\(?:sum|prod)\s*_\s*(?:\{[^{}]*\}|\S)\s*\^\s*$", text[:start]):
            out.add(r"{\mathit{" + placeholder(name) + "}}", start)  # \sum_{n=1}^N (...): N is the limit only
            return
        if function_like is None:
            function_like = base in FUNCTION_LETTERS
        bare = name[: len(name) - len(primes)] if primes else name
        if paren_after(j) and not function_like:
            function_like = _looks_applied(text, j, n)
        if paren_after(j):
            if table.declared_function(bare):
                call(bare, len(primes), start, j)
                return
            if not table.declared_symbol(bare):
                if bare in _GREEK_FUNCTIONS:
                    call(bare, len(primes), start, j)
                    return
                if primes or function_like:
                    ambiguous(shown if not shown.isalpha() or shown.startswith("\\") else text[start:j].strip(),
                              start, j)
        out.add(r"\mathit{" + placeholder(name) + "}", start)
        if paren_after(j):
            out.add(r" \cdot ", j)  # x(a+b) is a product (shown as read)

    # a plain bar between two operands, with bars on both sides, may close one absolute value or open another
    bars = [m.start() for m in re.finditer(r"(?<![\\])\|", text[:n])
            if not re.search(r"\\(?:left|right|big|Big|bigg|Bigg|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr)\s*$",
                             text[:m.start()])]
    ambiguous_bars = {b for b in bars[1:-1]
                      if re.search(r"(?:(?<![\\A-Za-z])[A-Za-z]+|[0-9)}'])\s*$", text[:b])
                      and not re.search(r"[_^]\s*(?:\{[^{}]*\}|\\?[A-Za-z0-9]+)\s*$", text[:b]) and re.match(r"\s*(?:[A-Za-z0-9({]|\\[A-Za-z])",
                                                                                   text[b + 1:n])
                      and not re.match(r"\s*\\(?:cdot|times|le|ge|leq|geq|quad|qquad|text|right)(?![A-Za-z])",
                                       text[b + 1:n])}
    paired = _pair_bars(text, n, bars)
    while pos < n:
        if closers and pos >= closers[-1][0]:
            at, emit, pos = closers.pop()
            out.add(emit, at)
            continue
        if pos in inserts:
            end, emit = inserts.pop(pos)
            out.add(emit, pos)
            pos = end
            continue
        if pos in differentials:
            end, var = differentials.pop(pos)
            out.add(" d\\" + placeholder(var) + " ", pos)
            pos = end
            continue
        ch = text[pos]
        if ch.isspace():
            out.add(" ", pos)
            pos += 1
            continue
        if ch == "&":
            pos += 1
            continue
        if ch in UNICODE_OPERATORS:
            out.add(UNICODE_OPERATORS[ch], pos)
            pos += 1
            continue
        if ch in UNICODE_REFUSED:
            fail(f"write {UNICODE_REFUSED[ch]} instead of the character {ch}", pos)
        if ch in UNICODE_GREEK:
            cmd = UNICODE_GREEK[ch]
            name, j, _, primes = read_symbol(cmd, pos + 1)
            symbol_or_call(name, cmd, primes, pos, j, "\\" + cmd)
            pos = j
            continue
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", text[pos:])
            if not m:
                fail("a lone backslash", pos)
            cmd = m.group(1)
            end = pos + len(m.group(0))
            if cmd == "\\":
                fail("a line break \\\\ inside a line: give each line separately", pos)
            if cmd == "nabla":
                gm = re.compile(r"\s*_\s*(?:\{\s*(" + _VAR + r")\s*\}|(" + _VAR + r"))").match(text, end, n)
                if gm is None:
                    fail("\\nabla without a subscript (a gradient by which variable?) is not read: write "
                         "\\nabla_{x} f with x declared a vector (x vector(3)), or each partial derivative "
                         "\\frac{\\partial f}{\\partial x_1}", pos)
                var = (gm.group(1) or gm.group(2)).strip()
                vname = _var_name(var, table)
                if "_" in vname and vname not in table.matrices:
                    fail(f"\\nabla_{{{var}}} (a gradient) is read only by a vector declared with a plain name (<!-- "
                         "domain: x vector(3) -->, then \\nabla_{x} f): write each partial derivative by the "
                         f"entries of {var}, \\frac{{\\partial f}}{{\\partial {var}}} for one entry", pos)
                if vname not in table.matrices or table.matrices[vname][1] != 1:
                    fail(f"\\nabla_{{{var}}} (a gradient) is read only by a variable declared a vector: declare "
                         f"{vname} a vector (<!-- domain: {vname} vector(3) --> in a file, declare=\"{vname} "
                         f"vector(3)\" in Python), or write each partial derivative "
                         f"\\frac{{\\partial f}}{{\\partial {var}_1}}", pos)
                if re.compile(r"\s*\^").match(text, gm.end(), n):
                    fail(f"\\nabla_{{{var}}}^... (a Hessian or Laplacian) is not read: write the second partial "
                         "derivatives by the entries", pos)
                out.add("\\frac{d}{d\\" + placeholder(vname) + "} ", pos)
                pos = gm.end()
                continue
            if cmd == "det" or (cmd in ("operatorname", "mathrm", "text") and re.compile(
                    r"\s*\{\s*(?:tr|Tr|trace)\s*\}").match(text, end, n)):
                tm = re.compile(r"\s*\{[^{}]*\}").match(text, end, n) if cmd != "det" else None
                after = tm.end() if tm else end
                shown = text[pos:after].strip()
                if not table.matrices:
                    fail(f"{shown} (a determinant or trace) is read only of a symbol declared a matrix (<!-- domain: "
                         "A matrix(3) --> in a file, declare=\"A matrix(3)\" in Python); otherwise use explicit "
                         "sympy matrices", pos)
                if not paren_after(after):
                    fail(f"write the argument of {shown} in parentheses: {shown}(A)", pos)
                call("det" if cmd == "det" else "tr", 0, pos, after)
                pos = after
                continue
            if cmd == "underset":
                um = re.compile(r"\s*\{([^{}]*)\}\s*\{((?:[^{}]|\{[^{}]*\})*)\}").match(text, end, n)
                if um and re.search(r"\\arg|arg\s*max|arg\s*min", um.group(2)):
                    fail(_ARGMAX.format(text[pos:um.end()].strip()), pos)
                if um and re.search(r"\\(?:max|min|sup|inf)(?![A-Za-z])", um.group(2)):
                    fail(_OPTIMUM.format(text[pos:um.end()].strip()), pos)
            if cmd in ("stackrel", "overset") and re.compile(_DEFINITION_ANNOTATION).match(text, end, n):
                fail(HINTS["coloneqq"].replace("(\\coloneqq)", f"(\\{cmd}{{def}}{{=}})"), pos)
            if cmd == "operatorname" and text.startswith("*", end):
                end += 1  # \operatorname*{argmax}: the star only places the limits
            if cmd == "arg" or cmd in ("argmax", "argmin"):
                am = re.compile(r"\s*\\(max|min)(?![A-Za-z])").match(text, end, n) if cmd == "arg" else None
                fail(_ARGMAX.format(text[pos:after_subscript(am.end() if am else end)].strip()), pos)
            if cmd in ("max", "min", "sup", "inf") and re.compile(r"\s*_").match(text, end, n):
                fail(_OPTIMUM.format(text[pos:after_subscript(end)].strip()), pos)
            if cmd in ("mathbb", "mathbf", "mathsf", "mathcal", "mathrm", "mathit", "operatorname", "text"):
                om = re.compile(r"\s*\{\s*([A-Za-z\\,\s!]+?)\s*\}").match(text, end, n)
                word = re.sub(r"\\[,!;: ]|\s", "", om.group(1)) if om else ""
                applied = om is not None and re.compile(
                    r"\s*(?:_|\^|\[|\(|\\(?:left|bigl?|Bigl?|biggl?|Biggl?)\b)").match(text, om.end(), n)
                word = "argmax" if word == "argmax" or word == "arg" and re.compile(r"\s*\\max").match(text, om.end(), n) else word
                if word in _NAMED_OPERATORS and (cmd in ("mathbb", "operatorname") or applied
                                                 or word in ("argmax", "argmin")):
                    if not (word in ("E", "V") and (table.declared(word) or table.declared_function(word))):
                        tail = after_subscript(om.end())
                        shown = text[pos:tail].strip()
                        bracket = re.compile(r"\s*(\[|\(|\\left\s*[\[(])").match(text, tail, n)
                        shown += ("[...]" if "[" in bracket.group(1) else "(...)") if bracket else ""
                        fail(_NAMED_OPERATORS[word].format(shown), pos)
                if cmd == "mathbb":
                    fail(f"\\mathbb{{{word}}} is not read: sets such as \\mathbb{{R}} belong in the declarations "
                         "(x real, n integer), not in a line; a probability \\mathbb{P}(...) is not read (declare "
                         "P as a function: P function)", pos)
            if cmd in ("{", "}"):
                out.add("(" if cmd == "{" else ")", pos)  # \{ ... \} used as brackets
                pos = end
                continue
            if cmd in ("left", "right") and re.match(r"\\(?:left|right)\s*\.", text[pos:]):
                fail("evaluation bars \\left. ... \\right|_{x=a} are not read: write the expression with the "
                     "value substituted", pos)
            if cmd in ("left", "right"):
                bm = re.match(r"\\(?:left|right)\s*(\||\\vert\b|\\lvert\b|\\rvert\b)", text[pos:])
                if bm and re.compile(r"\s*_").match(text, pos + len(bm.group(0)), n):
                    fail(_EVALUATION_BAR, pos)
                if bm:  # \left| x \right| is |x|, paired as written (in braces: the parser pairs bare bars anew)
                    out.add("{|" if cmd == "left" else "|}", pos)
                    pos += len(bm.group(0))
                    continue
            if cmd in ("bigl", "Bigl", "biggl", "Biggl", "bigr", "Bigr", "biggr", "Biggr"):
                bm = re.compile(r"\s*(\||\\vert\b|\\lvert\b|\\rvert\b)").match(text, end, n)
                if bm:  # \bigl| x \bigr|: paired as written
                    if re.compile(r"\s*_").match(text, bm.end(), n):
                        fail(_EVALUATION_BAR, pos)
                    out.add("{|" if cmd.endswith("l") else "|}", pos)
                    pos = bm.end()
                    continue
            if cmd in _BARS:
                if re.compile(r"\s*_").match(text, end, n):
                    fail(_EVALUATION_BAR, pos)
                out.add({"lvert": "{|", "rvert": "|}"}.get(cmd, "|"), pos)  # \lvert x \rvert: paired as written
                pos = end
                continue
            if cmd in ("frac", "dfrac", "tfrac", "cfrac") and _leibniz(text, pos, end, n, out, closers, placeholder, fail,
                                                              table):
                pos = out.resume
                continue
            if cmd == "int":
                found = _find_differential(text, end, n, table)
                if found is None and re.search(r"\\frac\s*\{\s*(?:d|\\mathrm\s*\{\s*d\s*\})\s*[A-Za-z\\]", text[end:n]):
                    fail("a differential inside a fraction (\\int_a^b \\frac{dx}{x+1}) is not read: write it after the "
                         "integrand, \\int_a^b \\frac{1}{x+1} \\, dx", pos)
                if found is None:
                    fail("an integral needs its differential: write \\int_a^b f(x) \\, dx", pos)
                lim = re.compile(r"(?:\s|\\[,;:! ]|[_^]\s*(?:\{[^{}]*\}|\\[A-Za-z]+|[^\s{}]))*").match(text, end, n)
                if lim.end() >= found[0]:  # \int_0^1 dx \, x^2: where does the integrand end?
                    fail("the differential is written before the integrand: write it after, "
                         "\\int_a^b f(x) \\, dx", found[0])
                differentials[found[0]] = (found[1], found[2])
                out.add(r"\int ", pos)
                pos = end
                continue
            if cmd in ("underbrace", "overbrace", "underline"):  # \underbrace{X}_{label} is X
                k = end
                while k < n and text[k] == " ":
                    k += 1
                if k >= n or text[k] != "{":
                    fail(f"\\{cmd} needs a {{group}}", pos)
                try:
                    _, after = _read_group(text, k)
                except IndexError:
                    fail(f"unbalanced {{ after \\{cmd}", k)
                resume = after
                lm = re.compile(r"\s*[_^]\s*").match(text, after, n) if cmd != "underline" else None
                if lm:  # the label under the brace is a remark, not a factor
                    q = lm.end()
                    if q < n and text[q] == "{":
                        try:
                            _, resume = _read_group(text, q)
                        except IndexError:
                            fail(f"unbalanced {{ in the label of \\{cmd}", q)
                    else:
                        tm = re.match(r"\\[A-Za-z]+|.", text[q:n])
                        resume = q + (len(tm.group(0)) if tm else 0)
                out.add("(", pos)
                closers.append((after - 1, ")", resume))
                pos = k + 1
                continue
            if cmd in ("sum", "prod"):
                lm = re.compile(r"\s*_\s*").match(text, end, n)
                if not lm and not re.compile(r"\s*\^").match(text, end, n):
                    fail(f"\\{cmd} without limits is not read: write them, \\{cmd}_{{z=1}}^{{K}}", pos)
                if lm:
                    q = lm.end()
                    try:
                        sub, after = _read_group(text, q) if q < n and text[q] == "{" else (text[q:q + 1], q + 1)
                    except IndexError:
                        fail(f"unbalanced {{ after \\{cmd}_", q)
                    if "=" not in sub and not re.match(r"\s*\^", text[after:n]):
                        fail(f"\\{cmd}_{{{sub.strip()}}} has no limits: write them, \\{cmd}_{{{sub.strip()}=1}}^{{K}} "
                             f"(a sum over every value of {sub.strip()} is not read)", pos)
            if cmd in DROP:
                pos = end
                continue
            if cmd in ("text", "textrm") and re.compile(r"\s*\{\s*[A-Za-z]+\s*\}").match(text, end, n):
                tm = re.compile(r"\s*\{\s*([A-Za-z]+)\s*\}").match(text, end, n)
                if tm.group(1) == "e":  # \text{e}^x, as \mathrm{e}^x: Euler's number
                    out.add(r"\mathit{zzeuler}", pos)
                    pos = tm.end()
                    continue
                if paren_after(tm.end()):  # \text{ELBO}(x; q): a name applied, as \mathrm{ELBO}(x; q)
                    word = tm.group(1)
                    if word in _FUNCTION_WORDS:
                        fail(f"write \\{word} for the function {word}", pos)
                    name, j, _, primes = read_symbol(word, tm.end())
                    if len(word) > 1:
                        table.display.setdefault(name, _display(f"\\mathrm{{{word}}}", name, word))
                    symbol_or_call(name, word, primes, pos, j, f"\\text{{{word}}}", len(word) > 1 or None)
                    pos = j
                    continue
            if cmd in DROP_WITH_ARG:
                k = end
                while k < n and text[k] == " ":
                    k += 1
                remark = ""
                if k < n and text[k] == "{":
                    try:
                        remark, end = _read_group(text, k)
                    except IndexError:
                        fail(f"unbalanced {{ after \\{cmd}", k)
                if (cmd not in ("label", "tag") and remark.strip() and out.text.strip()
                        and _AFTER_REMARK.match(text, end, n).end() < n):
                    # x^2 \ge 0 \text{ for all } x: dropping the words would join the math on both sides
                    fail(f"\\{cmd}{{{remark}}} stands between two pieces of mathematics, which would be read as "
                         "one expression without it (a condition such as 'for all x' is not read): end the line "
                         "at the remark, put conditions in the declarations (x positive), or write each "
                         "expression on its own line", pos)
                pos = end
                continue
            if cmd in ("mathrm", "mathit", "operatorname"):
                k = end
                while k < n and text[k] == " ":
                    k += 1
                if k >= n or text[k] != "{":
                    fail(f"\\{cmd} needs a {{name}}", pos)
                try:
                    word, after = _read_group(text, k)
                except IndexError:
                    fail(f"unbalanced {{ after \\{cmd}", k)
                word = word.strip()
                if cmd == "operatorname":
                    pm = re.compile(r"\s*\^\s*(\{[^{}]*\}|\d)").match(text, after, n)
                    if word in _OPERATOR_NAMES and pm and paren_after(pm.end()):
                        # \operatorname{sech}^2(x) is sech(x)^2, as \tanh^2(x) is
                        power = pm.group(1)
                        close = _matching_paren(text, text.index("(", pm.end()), n)
                        if close is None:
                            fail(f"unbalanced ( after \\operatorname{{{word}}}", pm.end())
                        out.add("(", pos)
                        closers.append((close + 1, ")^{" + power.strip("{}") + "}", close + 1))
                        call(word, 0, pos, pm.end())
                        pos = pm.end()
                        continue
                    if word in _OPERATOR_NAMES and paren_after(after):
                        call(word, 0, pos, after)
                        pos = after
                        continue
                    if word in _OPERATOR_NAMES:
                        fail(f"write the argument of \\operatorname{{{word}}} in parentheses: \\operatorname{{{word}}}(x), "
                             f"\\operatorname{{{word}}}^2(x)", pos)
                    if word != "e":  # \operatorname{e}, as \mathrm{e}, is Euler's number
                        fail(f"unsupported operator \\operatorname{{{word}}}: {HINTS['operatorname']}", pos)
                if word == "e":
                    out.add(r"\mathit{zzeuler}", pos)  # \mathrm{e} is Euler's number
                    pos = after
                    continue
                if word == "d":
                    fail(HINTS["mathrm"], pos)
                if not re.fullmatch(r"[A-Za-z]+", word):
                    fail(f"\\{cmd}{{{word}}}: only a name of letters can be written this way", pos)
                if word in _FUNCTION_WORDS:
                    fail(f"write \\{word} for the function {word}", pos)
                name, j, _, primes = read_symbol(word, after)
                if len(word) > 1:
                    table.display.setdefault(name, _display(f"\\{cmd}{{{word}}}", name, word))
                symbol_or_call(name, word, primes, pos, j, f"\\{cmd}{{{word}}}", len(word) > 1 or None)
                pos = j
                continue
            if cmd in _DECORATIONS:
                k = end
                while k < n and text[k] == " ":
                    k += 1
                if k < n and text[k] == "{":
                    try:
                        inner, after = _read_group(text, k)
                    except IndexError:
                        fail(f"unbalanced {{ after \\{cmd}", k)
                else:
                    im = re.match(r"\\[A-Za-z]+|[A-Za-z]", text[k:n])
                    if not im:
                        fail(f"\\{cmd} needs a letter, e.g. \\{cmd}{{x}}", pos)
                    inner, after = im.group(0), k + len(im.group(0))
                inner = inner.strip()
                letter = inner.lstrip("\\")
                if not (re.fullmatch(r"[A-Za-z]", inner) or (inner.startswith("\\") and letter in GREEK)):
                    fail(f"\\{cmd} is read on one letter only (\\{cmd}{{x}}, \\{cmd}{{\\mu}}): name this "
                         "quantity a symbol", pos)
                letter = VARIANTS.get(letter, letter)
                base = f"{letter}_{_DECORATIONS[cmd]}"
                name, j, sub, primes = read_symbol(base, after)
                table.display.setdefault(name, f"\\{cmd}{{{inner}}}" + (f"_{{{sub}}}" if sub else "") + primes)
                symbol_or_call(name, letter, primes, pos, j, f"\\{cmd}{{{inner}}}", cmd == "mathcal" or None)
                pos = j
                continue
            if cmd in GREEK:
                name, j, sub, primes = read_symbol(cmd, end)
                if (cmd == "delta" and re.fullmatch(r"[A-Za-z0-9],?[A-Za-z0-9]", sub) and "^" not in name
                        and not table.declared_symbol(name) and not table.declared_function(name)):
                    fail(f"\\delta_{{{sub}}} reads as the Kronecker delta, which is not carried out: write the sum with "
                         f"the term where the indices agree taken out (\\sum_j \\delta_{{ij}} x_j is x_i), or declare "
                         "\\delta_i a family of numbers (<!-- domain: \\delta_i real -->, declare=\"\\delta_i real\")", pos)
                base = VARIANTS.get(cmd, cmd)
                symbol_or_call(name, base, primes, pos, j, "\\" + cmd)
                pos = j
                continue
            if cmd in _PRIMABLE and text.startswith("'", end):
                primes = re.match(r"'+", text[end:]).group(0)
                if not paren_after(end + len(primes)):
                    fail(f"write the argument of \\{cmd}{primes} in parentheses: \\{cmd}{primes}(x)", pos)
                call(cmd, len(primes), pos, end + len(primes))  # \tanh'(x): the derivative, applied
                pos = end + len(primes)
                continue
            if cmd == "exp" and re.compile(r"\s*\^").match(text, end, n):
                fail("\\exp^{..} is ambiguous: write \\exp(x)^2 for a power of the exponential, or e^{2x}", pos)
            if cmd in _NOPAREN_FUNCTIONS:
                sm = re.compile(r"(?:\s*[_^]\s*(?:\{[^{}]*\}|\\[A-Za-z]+|[^\s{}]))*").match(text, end, n)
                found = _noparen_operator(text, sm.end(), n)
                if found is not None:
                    op_at, op_end, function_next = found
                    if not function_next:  # \sin x / 2: (\sin x)/2 or \sin(x/2)?
                        fn, arg = text[pos:sm.end()].strip(), re.sub(r"\s+", " ", text[sm.end():op_at].strip())
                        op = text[op_at:op_end]
                        nxt = _next_factor(text, op_end, n)
                        fail(f"'{fn} {arg} {op} {nxt}' is ambiguous: write {fn}({arg}) {op} {nxt} to apply "
                             f"{fn} to {arg} only, or {fn}({arg} {op} {nxt}) to apply it to the whole", pos)
                    # \log x \cdot \log y: another function ends the argument (the parser would nest it)
                    insert(sm.end(), sm.end(), "(")
                    closers.append((op_at, ")", op_at))
            if cmd == "sqrt":
                rm = re.compile(r"\s*\[\s*(\d+)\s*\]\s*(?=\{)").match(text, end, n)
                if rm and int(rm.group(1)) % 2 == 1 and int(rm.group(1)) > 1:
                    try:
                        _, after = _read_group(text, rm.end())
                    except IndexError:
                        fail("unbalanced { after \\sqrt[..]", rm.end())
                    # an odd root of a negative number is the real one: \sqrt[3]{-8} = -2
                    key = function(f"root:{rm.group(1)}", 0)
                    out.add(r"\arccot(\mathit{" + key + "} + ", pos)
                    closers.append((after, ")", after))
                    pos = rm.end()
                    continue
            if cmd in PASS or cmd in RENAME:
                out.add("\\" + RENAME.get(cmd, cmd) + (" " if cmd not in ("left", "right") else ""), pos)
                pos = end
                continue
            if cmd == "partial" and re.compile(r"\s*_").match(text, end, n):
                fail("\\partial_x f (a partial derivative written with a subscript) is not read: write "
                     "\\frac{\\partial}{\\partial x} f or \\frac{\\partial f}{\\partial x}", pos)
            fail(f"unsupported command \\{cmd}: {HINTS.get(cmd, _GENERIC_HINT)}", pos)
        if ch.isalpha() and ch.isascii():
            if ch in "eE" and pos and text[pos - 1].isdigit() and re.compile(r"[-+]?\d").match(text, pos + 1, n):
                sm = re.compile(r"[-+]?\d+").match(text, pos + 1, n)
                mant = re.search(r"\d+(?:\.\d+)?$", text[:pos])
                fail(f"'{mant.group(0)}{ch}{sm.group(0)}' (a number in scientific notation?) would be read with Euler's "
                     f"number e: write {mant.group(0)} \\cdot 10^{{{sm.group(0).lstrip('+')}}}", mant.start())
            if pos == 0 or not text[pos - 1].isalpha():
                run = re.match(r"[A-Za-z]+", text[pos:n]).group(0)
                if len(run) >= 2:
                    for word in _FUNCTION_WORDS:
                        if (word in run) if len(word) > 2 else (run == word):
                            fail(f"'{word}' without a backslash is read as letters multiplied together: "
                                 f"write \\{word}", pos + run.index(word))
                    if len(run) == 2 and run[0] == "d" and not differentials:
                        fail(f"'{run}' outside an integral would be read as d times {run[1]}: write "
                             f"d \\cdot {run[1]} for a product, or give the integral, \\int_a^b ... \\, {run}", pos)
                    if len(run) >= 4:
                        fail(f"'{run}' would be read as a product of {len(run)} one-letter symbols: write "
                             f"\\mathit{{{run}}} for one symbol named {run}, or separate the factors with "
                             "spaces or \\cdot", pos)
            name, j, _, primes = read_symbol(ch, pos + 1)
            if (ch == "E" and not table.declared(name) and not table.declared_function(name)
                    and re.compile(r"\s*(?:\[|\(|\\(?:left|bigl?|Bigl?|biggl?|Biggl?)\b)").match(text, j, n)):
                fail("E" + text[pos + 1:j].strip() + "[...] reads as an expectation, which is not read: write it "
                     "out as a sum \\sum_{k=1}^{K} p_k x_k or an integral, or name the value a symbol; declare E "
                     "(E real, or E function) if it is not an expectation", pos)
            symbol_or_call(name, ch, primes, pos, j, ch)
            pos = j
            continue
        if ord(ch) > 127:
            if unicodedata.name(ch, "").startswith("MATHEMATICAL BOLD"):
                fail(f"the bold letter {ch} (a vector?) is not read: {HINTS['mathbf']}", pos)
            fail(f"the character {ch} is not read: write it in LaTeX", pos)
        if ch == "^":
            m = _TRANSPOSE.match(text, pos)
            limits = re.search(r"\\(?:sum|prod)\s*_\s*(?:\{[^{}]*\}|\S)\s*$", text[:pos])
            if m and not limits and not table.declared("T"):
                if not table.matrices:
                    fail(HINTS["top"], pos + 1)
                out.add(r"^{\mathit{zztranspose}}", pos)  # walk: the transpose of a matrix, refused on a scalar
                pos = m.end()
                continue
            m = _INVERSE.match(text, pos)
            if m and table.matrices:
                out.add(r"^{\mathit{zzinverse}}", pos)  # walk: a matrix's inverse, a scalar's reciprocal
                pos = m.end()
                continue
        if ch == "'":
            fail("a prime must follow a symbol", pos)
        if ch in "^_":
            script = "superscript" if ch == "^" else "subscript"
            if re.search("\\" + ch + r"\s*(?:\{[^{}]*\}|\\[A-Za-z]+|[^\s{}])\s*$", text[:pos]):
                fail(f"a double {script} (x{ch}a{ch}b) is not valid LaTeX: write x{ch}{{a{ch}b}}"
                     + (", or (x^a)^b" if ch == "^" else ""), pos)
            dm = re.compile(r"\s*(\d\d+)").match(text, pos + 1, n)
            if dm:  # x^10 is typeset x^1 0, x_10 is x_1 0
                fail(f"'{ch}{dm.group(1)}' is typeset as {ch}{dm.group(1)[0]} followed by {dm.group(1)[1:]}: write "
                     f"{ch}{{{dm.group(1)}}} for the {script} {dm.group(1)}", pos)
            if re.compile(r"\s*[-+]").match(text, pos + 1, n):
                fail(f"a signed {script} needs braces: write {ch}{{-1}}, not {ch}-1 (typeset as {ch}{{-}}1)", pos)
        if ch.isdigit():
            dm = re.search(r"(\d+(?:\.\d*)?)((?:\s|\\[,;:! ]|\\q?quad(?![A-Za-z]))+)$", text[:pos])
            if dm:  # "1 2": the parser joins the digits into 12, a reader of the page may see a product
                nm = re.match(r"\d+(?:\.\d+)?", text[pos:n])
                a_, b_ = dm.group(1), nm.group(0)
                fail(f"'{a_}{dm.group(2)}{b_}': two numbers separated only by space are joined into one number "
                     f"({a_}{b_}): write {a_}{b_} for that number, or {a_} \\cdot {b_} for a product", dm.start(1))
        if ch == "," and pos and text[pos - 1].isdigit() and re.compile(r"\d{3}").match(text, pos + 1, n):
            # the parser's numbers take thousands separators: 1,000 is 1000, and f(1,000) would be f(1000)
            lm_ = re.search(r"\d+$", text[:pos])
            rm_ = re.match(r"\d+", text[pos + 1:n])
            fail(f"'{lm_.group(0)},{rm_.group(0)}' is ambiguous (a thousands separator, or two arguments?): write "
                 f"{lm_.group(0)}{rm_.group(0)} for the number, or {lm_.group(0)}, {rm_.group(0)} for two values", lm_.start())
        if ch == "%":
            fail("% starts a TeX comment (the rest of the line would not be typeset): remove the comment; a percentage "
                 "is written as a fraction, \\frac{50}{100}", pos)
        if ch == "|" and pos in ambiguous_bars:
            fail("these bars pair in two ways (|x|y|z| is |x| y |z| or |x |y| z|): write \\lvert ... \\rvert or "
                 "\\left| ... \\right| for each absolute value", pos)
        if ch == "|" and re.compile(r"\s*_").match(text, pos + 1, n):
            fail(_EVALUATION_BAR, pos)  # x + x^2 |_{x=0}: the parser would substitute into x^2 alone
        if ch == "|" and pos in paired:
            out.add(paired[pos], pos)  # |x| \cdot |y|: paired as a reader pairs them, in braces
            pos += 1
            continue
        if ch == ":" and re.compile(r"\s*=").match(text, pos + 1, n):
            fail(HINTS["coloneqq"].replace("(\\coloneqq)", "(:=)"), pos)
        if ch == "!" and text.startswith("!", pos + 1):
            fail("n!! (a double factorial) is not read: write the product out, \\prod_{k=1}^{m} (2k - 1) for (2m-1)!!",
                 pos)
        if ch == "/":
            split = _implicit_denominator(text, pos + 1, n)
            if split:
                den, factor = split
                fail(f"'/{den} {factor}' is ambiguous: write \\frac{{...}}{{{den}}} {factor} to divide by {den} "
                     f"only, or \\frac{{...}}{{{den} {factor}}} to divide by the product", pos)
        out.add(ch, pos)
        pos += 1
    while closers:
        _, emit, _ = closers.pop()
        out.add(emit, n - 1)
    if differentials:
        fail("the differential of an integral must come at the same level as its \\int", min(differentials))
    return out.text, out.cols, names, funcs


def _display(written: str, name: str, word: str) -> str:
    """The LaTeX shown for a multi-letter name (subscripts and primes kept)."""
    return written + name[len(word):]


def _leibniz(text: str, pos: int, end: int, n: int, out: _Out, closers: list, placeholder, fail,
             table: SymbolTable) -> bool:
    """``\\frac{d^k F}{dx^k}``, ``\\frac{\\partial}{\\partial x}``: emit derivative operators.

    Returns False when the fraction is not a derivative (then nothing is emitted); on True, ``out.resume``
    is where the main loop continues (inside the numerator when it holds the differentiated expression)."""
    k = end
    while k < n and text[k] == " ":
        k += 1
    if k >= n or text[k] != "{":
        return False
    try:
        num, k2 = _read_group(text, k)
        k3 = k2
        while k3 < len(text) and text[k3] == " ":
            k3 += 1
        if k3 >= len(text) or text[k3] != "{":
            return False
        den, k4 = _read_group(text, k3)
    except IndexError:
        return False
    # thin spaces between differentials (\partial x \, \partial y) are typography: blanked, positions kept
    num, den = (re.sub(r"\\[,;:! ]", "  ", part) for part in (num, den))
    nm = _NUM_DIFF.fullmatch(num)
    if not nm:
        return False
    rest = nm.group(3)
    if rest.strip()[:1] in ("+", "=", "*", "/", ")", "}", "^", "_", "'", "<", ">") or re.match(r"\s*-\s*\d", rest):
        return False  # \frac{\partial -F}{\partial x} is the derivative of -F; \frac{d - 1}{dx} is no derivative
        return False
    variables: list[tuple[str, int]] = []
    j = 0
    while j < len(den):
        dm = _DEN_DIFF.match(den, j)
        if not dm or dm.end() == j or not _plain_var(dm.group(1)):
            if den[j:].strip():
                return False
            break
        variables.append((_var_name(dm.group(1), table), int(dm.group(2) or dm.group(3) or 1)))
        j = dm.end()
    if not variables:
        return False
    order = int(nm.group(1) or nm.group(2) or 1)
    total = sum(k for _, k in variables)
    if order == 1 and len(variables) == 1 and total > 1:  # \frac{\partial}{\partial \sigma^2}: by a power
        nth = {2: "second", 3: "third"}.get(total, f"{total}th")
        written, d = den.strip(), nm.group(0).strip()[:1] if nm.group(0).strip()[:1] == "d" else "\\partial"
        fail(f"a derivative by {written[len(d):].strip() if written.startswith(d) else written} (a power of a variable, "
             f"such as a variance \\sigma^2) is not read: name it a symbol (v for \\sigma^2, written as v throughout) "
             f"and write \\frac{{{d}}}{{{d} v}}; for the {nth} derivative write \\frac{{{d}^{total}}}{{{written}}}", pos)
    if order != total:
        fail(f"the derivative's order in the numerator ({order}) differs from the denominator's ({total})", pos)
    for var, count in variables:
        for _ in range(count):
            out.add("\\frac{d}{d\\" + placeholder(var) + "} ", pos)
    if rest.strip():
        out.add(r"\left(", pos)
        closers.append((k2 - 1, r"\right)", k4))
        out.resume = k + 1 + nm.start(3)
    else:
        if re.compile(r"\s*-").match(text, k4, n):
            fail(f"write the operand of {text[pos:k4].strip()} in brackets when it starts with a minus sign: "
                 f"{text[pos:k4].strip()}\\left(-...\\right)", pos)
        found = _operand_operator(text, k4, n)
        if found is not None:  # \frac{d}{dx} x^2 \cdot x: the derivative of x^3, or x times that of x^2?
            op, operand = text[pos:k4].strip(), re.sub(r"\s+", " ", text[k4:found[0]].strip())
            sign = text[found[0]:found[1]]
            after = _next_factor(text, found[1], n)
            fail(f"'{op} {operand} {sign} {after}' is ambiguous: write {op}\\left({operand} {sign} {after}\\right) to "
                 f"differentiate the whole, or {op}\\left({operand}\\right) {sign} {after} for the first term only", pos)
        out.resume = k4
    return True


_STOPS = {"le", "ge", "leq", "geq", "lt", "gt", "ne", "neq", "approx", "Rightarrow", "Leftrightarrow", "implies", "iff",
          "quad", "qquad", "text", "label", "nonumber", "notag", "right", "to", "equiv", "propto", "simeq", "sim"}


def _operand_operator(text: str, start: int, n: int) -> tuple[int, int] | None:
    """The ``\\cdot``, ``\\times``, ``/`` after the operand of a derivative operator written without brackets
    around it (``\\frac{d}{dx} x^2 \\cdot x``: the derivative of x^3, or x times that of x^2?), as (start, end);
    None when the operand is bracketed or ends at ``+``, ``-``, a relation, a closing bracket or the end of the
    line (``\\frac{d}{dx} x^2 + 1`` is ``2x + 1``, as ``\\sin x + 1`` is ``sin(x) + 1``)."""
    q, first = start, True
    while q < n:
        ch = text[q]
        if ch == " ":
            q += 1
            continue
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", text[q:n])
            word = m.group(1) if m else ""
            end = q + (len(m.group(0)) if m else 1)
            if word in ("left", "bigl", "Bigl", "biggl", "Biggl", "big", "Big", "bigg", "Bigg") or word == "{":
                depth, p = 0, q  # a bracket: skip to its match (\left( ... \right), \{ ... \})
                while p < n:
                    if text.startswith("\\{", p) or (text[p] in "([" and not text.startswith("\\", p - 1)):
                        depth += 1
                    elif text.startswith("\\}", p) or text[p] in ")]":
                        depth -= 1
                        if depth == 0:
                            p += 1
                            break
                    p += 1
                if depth > 0:
                    return None
                if first and _bracket_ends_operand(text, p, n):
                    return None
                q, first = p, False
                continue
            if word in _EXPLICIT_OPERATORS:
                return None if first else (q, end)
            if word in _STOPS or word in ("}", "\\", ",", ";", "!", ":", " "):
                if word in (",", ";", "!", ":", " "):
                    q = end
                    continue
                return None
            q, first = end, False
            continue
        if ch in "([{":
            close = {"(": ")", "[": "]", "{": "}"}[ch]
            depth, p = 0, q
            while p < n:
                depth += 1 if text[p] == ch else -1 if text[p] == close else 0
                p += 1
                if depth == 0:
                    break
            if depth > 0:
                return None
            if first and ch != "{" and _bracket_ends_operand(text, p, n):
                return None
            q, first = p, False
            continue
        if ch == "|":
            close = text.find("|", q + 1, n)
            q, first = (close + 1 if close > 0 else n), False
            continue
        if ch in ")]}=<>,;&":
            return None
        if ch in "+-":
            if first:
                q, first = q + 1, False
                continue
            return None  # + and - end the operand, as they end \\sin x + 1: (d/dx x^2) + 1
        if ch in "/*":
            return None if first else (q, q + 1)
        q, first = q + 1, False
    return None


def _bracket_ends_operand(text: str, p: int, n: int) -> bool:
    """After a bracketed operand at the start (\\frac{d}{dx}(x^2) + 1): True when no factor is juxtaposed to it."""
    m = re.compile(r"\s*(?:\^\s*(?:\{[^{}]*\}|\S))?\s*").match(text, p, n)
    rest = text[m.end():n]
    return not rest or rest[0] in "+-=<>,;&)]}/*" or bool(re.match(r"\\(?:cdot|times|div|right|le|ge|leq|geq|quad|"
                                                               r"qquad|text|ne|neq|approx)(?![A-Za-z])", rest))


@functools.lru_cache(maxsize=2048)
def _antlr(src: str) -> tuple[sp.Basic | None, int | None, str]:
    """Parse with sympy's ANTLR backend; on failure return (None, column in src, message).

    Cached: the result depends only on ``src`` (symbols are still placeholders without assumptions), and
    the ANTLR Python runtime takes about 0.2 s per line."""
    from importlib.metadata import version

    import antlr4  # noqa: F401  (a clear ImportError if the pinned runtime is missing)
    from sympy.parsing.latex import _parse_latex_antlr as backend
    from sympy.parsing.latex.errors import LaTeXParsingError

    if not version("antlr4-python3-runtime").startswith("4.11"):
        raise ImportError("emlib's LaTeX reading needs antlr4-python3-runtime 4.11 (pinned in constraints.txt)")
    listener = backend.MathErrorListener(src)
    lexer = backend.LaTeXLexer(antlr4.InputStream(src))
    lexer.removeErrorListeners()
    lexer.addErrorListener(listener)
    parser = backend.LaTeXParser(antlr4.CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(listener)
    try:
        relation = parser.math().relation()
    except LaTeXParsingError as exc:
        lines = str(exc).splitlines()
        marker = lines[-1] if lines and lines[-1].endswith("^") else ""
        col = len(marker) - 1 if marker else 0
        reason = lines[0] if lines else "cannot parse"
        if reason == "I don't understand this":
            reason = "unexpected character"
        elif reason == "I expected something else here":
            reason = "unexpected input here"
        return None, col, reason
    if relation.stop is None or relation.stop.stop != len(src) - 1:
        col = (relation.stop.stop + 1) if relation.stop is not None else 0
        while col < len(src) - 1 and src[col] == " ":
            col += 1
        return None, col, "unexpected text here (the line was read only up to this point)"
    try:
        return backend.convert_relation(relation), None, ""
    except LaTeXParsingError as exc:
        return None, 0, str(exc).splitlines()[0]
    except RecursionError:
        raise
    except Exception as exc:  # noqa: BLE001  (the backend's conversion raises sympy's own errors too)
        return None, 0, f"cannot read this line ({type(exc).__name__}: {str(exc)[:80]})"


def logistic(x: sp.Basic) -> sp.Basic:
    return 1 / (1 + sp.exp(-x))


def normal_cdf(x: sp.Basic) -> sp.Basic:
    return (1 + sp.erf(x / sp.sqrt(2))) / 2


_KNOWN_APPLIED = {"sigma": logistic, "Phi": normal_cdf, "Gamma": sp.gamma, "erf": sp.erf, "erfc": sp.erfc,
                  "sgn": sp.sign, "sech": sp.sech, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sinh": sp.sinh,
                  "cosh": sp.cosh, "tanh": sp.tanh, "exp": sp.exp, "log": sp.log, "ln": sp.log, "arctan": sp.atan}


def parse_line(text: str, table: SymbolTable, *, line: int = 1, column_offset: int = 0,
               full_text: str | None = None) -> sp.Basic:
    """Parse one piece of a line (an expression, or an equation ``a = b`` as ``sp.Eq``).

    ``column_offset`` and ``full_text`` make error columns refer to the whole line the piece came from.
    Raises :class:`WorkingParseError` (a ValueError) for every line it cannot read, never another error.
    """
    shown = full_text if full_text is not None else text
    _check_text(shown, line)  # the whole line: a caller's strip() must not hide a leading form feed
    normal, colmap = _normalise(text)

    def original(col: int) -> int:  # a 0-based column of the normalised text, in the text as written
        return colmap[col] if 0 <= col < len(colmap) else len(text)

    try:
        src, cols, names, funcs = _rewrite(normal, line, table)
    except WorkingParseError as exc:
        raise WorkingParseError(exc.reason, line=line, column=original(exc.column - 1) + 1 + column_offset,
                                text=shown) from None
    except RecursionError:
        raise WorkingParseError("the line nests too deeply to be read", line=line, column=column_offset + 1,
                                text=shown) from None
    stripped = src.strip()
    if not stripped:
        raise WorkingParseError("the line is empty", line=line, column=column_offset + 1, text=shown)
    lead = len(src) - len(src.lstrip())
    try:
        expr, col, reason = _antlr(stripped)
    except RecursionError:
        raise WorkingParseError("the line nests too deeply to be read", line=line, column=column_offset + 1,
                                text=shown) from None
    if expr is None:
        at = col + lead
        orig = original(cols[at]) if at < len(cols) else (len(text) if text else 0)
        raise WorkingParseError(reason, line=line, column=orig + 1 + column_offset, text=shown)
    try:
        return _convert(expr, names, funcs, table)
    except WorkingParseError:
        raise
    except RecursionError:
        raise WorkingParseError("the line nests too deeply to be read", line=line, column=column_offset + 1,
                                text=shown) from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise WorkingParseError(str(exc), line=line, column=column_offset + 1, text=shown) from None
    except Exception as exc:  # noqa: BLE001  (sympy may refuse an operation: the line is unreadable, not a crash)
        raise WorkingParseError(f"cannot read this line ({type(exc).__name__}: {str(exc)[:80]})", line=line,
                                column=column_offset + 1, text=shown) from None


def typeset(expr: sp.Basic, table: SymbolTable | None = None) -> str:
    """The LaTeX of ``expr`` (``sympy.latex``), with decorated names shown as written (``\\hat{x}``)."""
    shown = {}
    if table is not None and hasattr(expr, "free_symbols"):
        shown = {s: table.display[s.name] for s in expr.free_symbols
                 if isinstance(s, sp.Symbol) and s.name in table.display}
    return sp.latex(expr, symbol_names=shown)


def read_as(text: str, table: SymbolTable | None = None, *, line: int = 1) -> Reading:
    """How one line is read: the sympy expression and its typeset LaTeX ("read as ...").

    Parameters
    ----------
    text : str
        One piece of a line (an expression, or ``lhs = rhs``).
    table : SymbolTable, optional
        The chain's declarations; a fresh table (no declarations) by default.
    line : int
        The line number that errors name.

    Raises
    ------
    WorkingParseError
        When the line cannot be read; the message says where and how to write it.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a LaTeX string, got {type(text).__name__}")
    table = SymbolTable() if table is None else table
    expr = parse_line(text, table, line=line)
    return Reading(expr, typeset(expr, table))


def _indices(sub: str, bound: dict[str, sp.Symbol], table: SymbolTable) -> list[sp.Basic] | None:
    """The index expressions of subscript ``sub`` if it mentions a bound index, else None."""
    if re.fullmatch(r"[A-Za-z0-9]+", sub):
        if sub in bound:
            return [bound[sub]]
        if len(sub) > 1 and any(c in bound for c in sub):
            return [bound[c] if c in bound else (sp.Integer(int(c)) if c.isdigit() else table.index(c)) for c in sub]
        return None
    parts = [p for p in re.split(r",", sub) if p]
    out = []
    hit = False
    for p in parts:
        syms = set(re.findall(r"[A-Za-z]+", p))
        local = {s: bound.get(s, table.index(s)) for s in syms}
        hit = hit or bool(syms & set(bound))
        try:
            out.append(sp.sympify(p, locals=local))
        except (sp.SympifyError, SyntaxError, TypeError):
            return None
    return out if hit else None


def _digits(base: sp.Basic, exponent: sp.Basic) -> float:
    """About how many digits ``base ** exponent`` has (0 when it is not an exact number)."""
    if not (base.is_number and exponent.is_number) or base.is_zero:
        return 0.0
    try:
        size = abs(complex(sp.N(exponent, 15)))
        scale = abs(complex(sp.N(sp.log(sp.Abs(base), 10), 15)))
    except (TypeError, ValueError, OverflowError):
        return float("inf")
    return size * scale


def _size_guard(e: sp.Basic, args: list[sp.Basic]) -> None:
    """Refuse exact numbers beyond MAX_DIGITS digits before sympy computes them (10^{10^{10}} hangs)."""
    if isinstance(e, sp.Pow):
        digits = _digits(args[0], args[1])
        if digits > MAX_DIGITS:
            raise ValueError(f"a power with about {digits:.3g} digits: at most {MAX_DIGITS} digits are read "
                             "(write a smaller number, or keep the tower as a symbol)")
    elif isinstance(e, (sp.factorial, sp.gamma)) and args[0].is_number:
        try:
            value = abs(complex(sp.N(args[0], 15)))
        except (TypeError, ValueError, OverflowError):
            value = float("inf")
        if value > 3000:  # 3000! has 9131 digits
            raise ValueError(f"a factorial of {value:.3g}: at most {MAX_DIGITS} digits are read")


def _as_member(v: sp.Basic, body: sp.Basic, table: SymbolTable) -> sp.Indexed | None:
    """``w_j`` as the family member ``w[j]`` when ``body`` holds the family ``w`` (a sum over ``w_i``)."""
    if not isinstance(v, sp.Symbol) or v.name not in table.subscripts:
        return None
    base, sub = table.subscripts[v.name]
    if not any(str(ib.label) == base for ib in body.atoms(sp.IndexedBase)):
        return None
    bound_vars = set().union(*(set(node.variables) for node in body.atoms(sp.Sum, sp.Product)))
    letters = {c for c in sub if c.isalpha()} if sub.isalnum() else set(re.findall(r"[A-Za-z]+", sub))
    if any(table.index(c) in bound_vars for c in letters):
        raise ValueError(f"the index of the derivative's variable {v.name} is also a summation index: rename "
                         f"the summation index (e.g. \\sum_{{i'}} becomes \\sum_{{l}})")
    if re.fullmatch(r"\d+", sub):
        idx = [sp.Integer(int(sub))]
    else:
        idx = _indices(sub, {c: table.index(c) for c in letters}, table)
    return table.member(base, idx) if idx else None


def _constant_parts(full: sp.Basic, variables: list[sp.Basic], table: SymbolTable, body: sp.Basic) -> None:
    """Refuse a derivative that would silently be 0 because of how a line names things.

    ``\\frac{\\partial}{\\partial w_x} L`` where neither L nor any definition mentions w_x, and
    ``\\frac{\\partial}{\\partial \\pi_k} Q(\\theta)`` where an applied function does not show its dependence
    on the component pi_k (the plain theta may be the parameter vector holding it), are refused. A function of
    summation indices only (``q^{(n)}(j)``) or of symbols that name no vector (``g(x_i)`` in alpha) is a
    constant of the derivative; so is a definition that drops the variable (``h_1`` with ``h_0 = 0``)."""
    if not getattr(full, "free_symbols", None):
        return
    free = set(full.free_symbols) | set(body.free_symbols)
    for value in table.definitions.values():
        free |= getattr(value, "free_symbols", set())
    markers = set(SEPARATOR_FUNCTIONS.values()) | {"event"}
    for v in variables:
        if not isinstance(v, sp.Symbol):
            continue
        in_family = v.name in table.subscripts and any(
            str(ib.label) == table.subscripts[v.name][0] for ib in full.atoms(sp.IndexedBase))
        if v not in free and not in_family:
            raise ValueError(f"nothing differentiated mentions {v} (its definitions substituted): the derivative "
                             f"would be 0; check the name of the variable, or define what depends on it "
                             f"(<!-- define: ... -->)")
        for node in full.atoms(sp.core.function.AppliedUndef):
            if node.func.__name__ in markers or v in node.free_symbols:
                continue
            if all(s.is_integer for s in node.free_symbols):
                continue  # q^{(n)}(j): a number for each index, constant in v
            if v.name not in table.subscripts or not any(
                    not s.is_integer and not re.search(r"[_^]", s.name) for s in node.free_symbols):
                continue  # g(x_i) in alpha: no argument can hold v
            raise ValueError(f"{sp.sstr(node)} does not mention {v}: its derivative would be taken as 0; if it "
                             f"depends on {v}, write it out or define it (<!-- define: ... -->), if not, take it "
                             "out of the derivative")


def _settle_deltas(expr: sp.Basic, table: SymbolTable, bound: dict[str, sp.Symbol]) -> sp.Basic:
    """Carry out the Kronecker deltas of a derivative by a family member, then name free members again.

    ``d/dw_j sum_i w_i x_i`` is ``sum_i delta_ij x_i = x_j``: the derivative's index is taken to lie in the
    sum's range (as the reader means it); members left outside any sum become the symbols ``x_j``."""
    expr = expr.replace(lambda e: isinstance(e, sp.Sum) and e.has(sp.KroneckerDelta), lambda e: e.doit())


    def in_range(e: sp.Basic) -> bool:  # Piecewise((x_j, 1 <= j <= n), (0, True)): only a delta makes these
        return (isinstance(e, sp.Piecewise) and len(e.args) == 2 and e.args[1].cond == sp.true
                and e.args[1].expr == 0)

    expr = expr.replace(in_range, lambda e: e.args[0].expr)
    if bound:
        return expr
    summed = set().union(*(set(node.variables) for node in expr.atoms(sp.Sum, sp.Product)))
    mapping = {}
    for node in expr.atoms(sp.Indexed):
        if set().union(*(i.free_symbols for i in node.indices)) & summed:
            continue
        idx = [sp.sstr(i).replace(" ", "") for i in node.indices]
        sub = "".join(idx) if all(len(i) == 1 for i in idx) else ",".join(idx)
        mapping[node] = table.make(canonical_name(str(node.base.label), sub))
    return expr.xreplace(mapping)


_MATRIX_FUNCTIONS = {"det": sp.Determinant, "tr": sp.Trace}


def _is_matrix(e: object) -> bool:
    return isinstance(e, (sp.MatrixExpr, sp.MatrixBase))


def _scalar_misuse(what: str, matrices: list[sp.Basic]) -> ValueError:
    names = ", ".join(sorted({sp.sstr(m) for m in matrices}))
    return ValueError(f"matrix treated as a scalar: {names} (a matrix) is written {what}, where a scalar is "
                      "needed; write the matrix algebra (A B, A^{-1}, A^T, x^T A x), or declare the symbol a "
                      "scalar")


def _matrix_node(e: sp.Basic, args: list[sp.Basic]) -> sp.Basic:
    """The node ``e`` with arguments of which some are matrices: sums, products (in the written order) and
    integer powers of matrices are matrix algebra; a 1x1 product is its scalar; anything else (``\\log A``,
    ``\\frac{1}{A}``, ``A + 1``) treats a matrix as a scalar and is refused."""
    mats = [a for a in args if _is_matrix(a)]
    if isinstance(e, sp.Mul):
        out, product = args[0], False
        for a in args[1:]:
            product = product or (_is_matrix(out) and _is_matrix(a))
            try:
                out = out * a
            except (ShapeError, ValueError, TypeError) as exc:
                raise ValueError(f"the matrix product {sp.sstr(out)} times {sp.sstr(a)} does not fit: {exc}") from None
        if _is_matrix(out) and out.shape == (1, 1) and product:
            return OneByOne(out)  # x^T A x: the scalar
        return out
    if isinstance(e, sp.Add):
        if all(_is_matrix(a) for a in args):
            try:
                return sp.MatAdd(*args).doit() if not all(isinstance(a, sp.MatrixBase) for a in args) else sum(args[1:], args[0])
            except (ShapeError, ValueError, TypeError) as exc:
                raise ValueError(f"matrices of different shapes added: {exc}") from None
        raise _scalar_misuse("in a sum with scalars", mats)
    if isinstance(e, sp.Pow) and _is_matrix(args[0]) and not _is_matrix(args[1]):
        k = args[1]
        if k.is_Integer and k > 0 and args[0].shape[0] == args[0].shape[1]:
            return args[0] ** k
        if k.is_Integer and k < 0:
            raise _scalar_misuse(f"in a division or a power {sp.sstr(k)} (for the inverse write "
                                 f"{sp.sstr(args[0])}^{{-1}})", mats)
        raise _scalar_misuse(f"with the power {sp.sstr(k)}", mats)
    what = {sp.Abs: "between bars |...| (for a determinant write \\det(A))", sp.log: "inside a log",
            sp.exp: "inside an exponential"}.get(type(e), f"inside {type(e).__name__}")
    raise _scalar_misuse(what, mats)


def _gradient(body: sp.Basic, variables: list[sp.Basic], table: SymbolTable) -> sp.Basic:
    """``\\nabla_x f`` / ``\\frac{\\partial f}{\\partial x}`` with ``x`` a declared vector: the column of the
    partial derivatives of ``f`` by the entries ``x_1, ..., x_n`` (``f`` written with the matrix algebra or
    with the entries). One vector variable, of a scalar; the derivative of a matrix is refused."""
    if _is_matrix(body):
        raise ValueError(f"the derivative of {sp.sstr(body)}, a matrix, is not read: differentiate a scalar "
                         "(a gradient \\nabla_x f of a scalar f by a vector x)")
    if len(variables) != 1 or not isinstance(variables[0], sp.MatrixSymbol) or variables[0].shape[1] != 1:
        raise ValueError("a derivative by a matrix, or by a vector together with other variables, is not read: "
                         "write the gradient \\nabla_x f by one declared vector x (x vector(3)), or the partial "
                         "derivatives by the entries \\frac{\\partial f}{\\partial x_1}")
    x = variables[0]
    f = table.to_explicit(body)
    entries = list(table.explicit(x.name))
    return sp.ImmutableMatrix(len(entries), 1, [sp.diff(f, v) for v in entries])


def _convert(expr: sp.Basic, names: dict[str, str], funcs: dict[str, tuple[str, int]],
             table: SymbolTable) -> sp.Basic:
    """Map placeholders back to symbols and functions, and apply the conventions of the module docstring."""

    def symbol_for(name: str) -> sp.Basic:
        if name == "e" and not table.declared("e"):
            return sp.E
        if name == "pi" and not table.declared("pi"):
            return sp.pi
        if name in table.matrices:
            return table.matrix_symbol(name)
        return table.make(name)

    def expand(e: sp.Basic) -> sp.Basic:
        for _ in range(len(table.definitions) + 1):
            new = e.xreplace({table.make(k): v for k, v in table.definitions.items()})
            if new == e:
                break
            e = new
        return e

    def apply(name: str, order: int, args: list[sp.Basic]) -> sp.Basic:
        if name in _MATRIX_FUNCTIONS and order == 0 and not table.declared_function(name):
            if len(args) != 1 or not _is_matrix(args[0]) or args[0].shape[0] != args[0].shape[1]:
                raise ValueError(f"\\{'det' if name == 'det' else 'operatorname{tr}'}(...) is read of one square "
                                 "matrix declared as such (A matrix(3))")
            return _MATRIX_FUNCTIONS[name](args[0])
        if any(_is_matrix(a) for a in args):
            raise _scalar_misuse(f"as an argument of the function {name}", [a for a in args if _is_matrix(a)])
        if name.startswith("root:"):  # \sqrt[3]{u}: the real root, negative for a negative u
            return sp.real_root(args[0], int(name[5:]))
        known = _KNOWN_APPLIED.get(name) if not table.declared_function(name) else None
        if known is not None and len(args) != 1:
            raise ValueError(f"{name} takes one argument, got {len(args)}")
        if order == 0:
            return known(args[0]) if known is not None else sp.Function(name, real=True)(*args)
        if len(args) != 1:
            raise ValueError(f"{name}{chr(39) * order} of several arguments: write the partial derivative "
                             "\\frac{\\partial}{\\partial x} instead")
        t = sp.Dummy("t", real=True)
        body = known(t) if known is not None else sp.Function(name, real=True)(t)
        return sp.diff(body, t, order).subs(t, args[0])

    def walk(e: sp.Basic, bound: dict[str, sp.Symbol]) -> sp.Basic:
        if isinstance(e, sp.Symbol):
            if e.name == "zzeuler":
                return sp.E
            if e.name in names:
                name = names[e.name]
                if name in bound:
                    return bound[name]
                if name in table.subscripts and bound:
                    base, sub = table.subscripts[name]
                    idx = _indices(sub, bound, table)
                    if idx is not None:
                        return table.member(base, idx)
                return symbol_for(name)
            if e.name in ("T",):
                raise ValueError(HINTS["top"])
            return symbol_for(e.name)
        if isinstance(e, (sp.Sum, sp.Product)):
            if any(len(lim) != 3 for lim in e.limits):
                raise ValueError("give a sum or product its limits, e.g. \\sum_{i=1}^{n}")
            inner = dict(bound)
            new_limits = []
            for k, (var, low, high) in enumerate(e.limits):
                outer = dict(bound)
                for ovar, _, _ in e.limits[k + 1:]:
                    oname = names.get(ovar.name, ovar.name)
                    outer[oname] = table.index(oname)
                vname = names.get(var.name, var.name)
                inner[vname] = table.index(vname)
                new_limits.append((inner[vname], walk(low, outer), walk(high, outer)))
            body = walk(e.function, inner)
            if _is_matrix(body) or any(_is_matrix(b) for lim in new_limits for b in lim[1:]):
                raise _scalar_misuse("in a sum or product (sums of matrices are not read: write the terms out)",
                                     [x for x in [body] + [b for lim in new_limits for b in lim[1:]] if _is_matrix(x)])
            return type(e)(body, *new_limits)
        if isinstance(e, sp.Integral):
            if any(len(lim) != 3 for lim in e.limits):
                raise ValueError("an integral without bounds is defined only up to a constant: give its bounds, "
                                 "\\int_a^b f(x) \\, dx")
        if isinstance(e, sp.Derivative):
            body = walk(e.expr, bound)
            variables = [walk(v, bound) for v, count in e.variable_count for _ in range(int(count))]
            full = expand(body)
            if any(_is_matrix(v) for v in variables) or _is_matrix(full):
                return _gradient(full, variables, table)
            if isinstance(full, sp.Symbol) and any(v != full for v in variables):
                raise ValueError(f"the derivative of the plain symbol {full} with respect to "
                                 f"{', '.join(str(v) for v in variables)} would be 0: write out what {full} "
                                 f"stands for, or define it (<!-- define: {full} = ... -->)")
            _constant_parts(full, variables, table, body)
            out, members = full, []
            for v in variables:
                member = _as_member(v, out, table)
                if member is not None:  # d/dw_j of a sum over w_i: differentiate the family member w[j]
                    out, v = out.xreplace({v: member}), member
                if isinstance(v, sp.Indexed):
                    members.append(v)
                out = sp.diff(out, v)
            return _settle_deltas(out, table, bound) if members else out
        if isinstance(e, sp.acot) and isinstance(e.args[0], sp.Add):
            marks = [a for a in e.args[0].args if isinstance(a, sp.Symbol) and a.name in funcs]
            if len(marks) == 1:  # a function call handed over as \arccot(marker + (arg)), see _rewrite
                rest = [a for a in e.args[0].args if a is not marks[0]]
                return apply(*funcs[marks[0].name], [walk(sp.Add(*rest, evaluate=False), bound)])
        if isinstance(e, sp.core.function.AppliedUndef):
            args = [walk(a, bound) for a in e.args]
            fname = e.func.__name__
            if fname in funcs:
                return apply(*funcs[fname], args)
            if fname in ("max", "min"):
                return (sp.Max if fname == "max" else sp.Min)(*args)
            raise ValueError(f"unknown function {fname}")
        if isinstance(e, sp.log) and len(e.args) == 2:
            args = [walk(e.args[0], bound), walk(e.args[1], bound)]
            if any(_is_matrix(a) for a in args):
                raise _scalar_misuse("inside a log (for the log-determinant write \\log \\det(A))",
                                     [a for a in args if _is_matrix(a)])
            return sp.log(*args)
        if not e.args:
            return e
        if isinstance(e, sp.Pow) and isinstance(e.exp, sp.Symbol) and e.exp.name in ("zztranspose", "zzinverse"):
            base = walk(e.base, bound)
            if _is_matrix(base):
                if e.exp.name == "zzinverse":
                    if base.shape[0] != base.shape[1]:
                        raise ValueError(f"the inverse of {sp.sstr(base)}, a {base.shape[0]}x{base.shape[1]} "
                                         "matrix: only a square matrix has one")
                    return sp.Inverse(base)
                return base.T
            if e.exp.name == "zzinverse":
                return base ** -1
            raise ValueError(f"a transpose of {sp.sstr(base)}, which is not declared a matrix or a vector: "
                             + HINTS["top"])
        args = [walk(a, bound) for a in e.args]
        if any(_is_matrix(a) for a in args):
            return _matrix_node(e, args)
        _size_guard(e, args)
        if isinstance(e, sp.core.relational.Relational):
            return type(e)(*args)
        return e.func(*args)

    return walk(expr, {})
