"""Reading a student's LaTeX (emlib.derivation._latex): read as meant, or refused with how to write it.

A corpus in both directions. Each line that is read is compared with a sympy expression built here by hand
(independently of the reader); each line that is refused must say how to write it instead.
"""

from __future__ import annotations

import pytest
import sympy as sp

from emlib.derivation import check_working
from emlib.derivation._latex import MAX_DEPTH, SymbolTable, WorkingParseError, read_as


def R(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


x, y, a, b, q, r, d, n, k = (R(s) for s in "x y a b q r d n k".split())
mu, sigma, theta = R("mu"), R("sigma"), R("theta")
h_1, h_2, w_h = R("h_1"), R("h_2"), R("w_h")


def logistic(z):
    return 1 / (1 + sp.exp(-z))


def table(functions=(), symbols=(), definitions=None) -> SymbolTable:
    t = SymbolTable()
    t.functions.update(functions)
    for s in symbols:
        t.assumptions[s] = {"real": True}
        if s == "sigma":
            t.functions_as_symbols.add("sigma")
    for name, value in (definitions or {}).items():
        t.definitions[name] = value
    return t


def same(got: sp.Basic, want: sp.Basic) -> bool:
    if got == want:
        return True
    return sp.simplify(sp.expand(got - want)) == 0


F = sp.Function("f", real=True)
_t = sp.Dummy("t", real=True)

# (written, expected expression, symbol table): read as a mathematician means it
READ_RIGHT = [
    # products and juxtaposition (shown as read)
    (r"x(x+2)", x * (x + 2), None),
    (r"q(1-q)", q * (1 - q), None),
    (r"r (x - a)^2", r * (x - a) ** 2, None),
    (r"x_n(1-x_n)", R("x_n") * (1 - R("x_n")), None),
    (r"ab", a * b, None),
    (r"2ab", 2 * a * b, None),
    (r"w_h(1 - h_2^2) h_1", w_h * (1 - h_2**2) * h_1, None),
    (r"k(k+1)", k * (k + 1), None),
    (r"x\left(x + 1\right)", x * (x + 1), None),
    (r"2(x)", 2 * x, None),
    (r"p(x)", sp.Function("p", real=True)(x), table(functions={"p"})),
    (r"p_k(x)", sp.Function("p_k", real=True)(x), table(functions={"p"})),  # a declared family p_k
    # known functions
    (r"\Gamma(x)", sp.gamma(x), None),
    (r"\Phi(x)", (1 + sp.erf(x / sp.sqrt(2))) / 2, None),
    (r"\Phi(x) + \Phi(-x)", sp.Integer(1), None),
    (r"\sigma(x)", logistic(x), None),
    (r"\sigma'(x)", logistic(x) * (1 - logistic(x)), None),
    (r"\sigma''(0)", sp.Integer(0), None),
    (r"\tanh'(x)", 1 - sp.tanh(x) ** 2, None),
    # a built-in command after an argument without parentheses ends that argument (\sin x \cos x); an applied
    # function there is ambiguous (refused, see test_a_function_without_parentheses_before_an_applied_one)
    (r"\tanh(x) \sigma(y)", sp.tanh(x) * logistic(y), None),
    (r"\log(x) \Phi(y)", sp.log(x) * (1 + sp.erf(y / sp.sqrt(2))) / 2, None),
    (r"\sin x \cos x", sp.sin(x) * sp.cos(x), None),
    (r"\sigma(\sigma(x))", logistic(logistic(x)), None),
    (r"\sigma\left(x\right)^2", logistic(x) ** 2, None),
    (r"\sigma(x)(1-\sigma(x))", logistic(x) * (1 - logistic(x)), None),
    (r"\sin''(x) + \log'(y)", -sp.sin(x) + 1 / y, None),
    (r"\sigma^2", sigma**2, None),
    (r"\operatorname{erf}(x)", sp.erf(x), None),
    (r"\max(a, b)", sp.Max(a, b), None),
    (r"\min(a, b) + 1", sp.Min(a, b) + 1, None),
    (r"\lfloor x \rfloor", sp.floor(x), None),
    (r"\lceil x \rceil", sp.ceiling(x), None),
    (r"\left| x \right|", sp.Abs(x), None),
    (r"\lvert x - y \rvert", sp.Abs(x - y), None),
    (r"\exp(x) \log(y)", sp.exp(x) * sp.log(y), None),
    # declared functions and symbols
    (r"f(x + y)", F(x + y), table(functions={"f"})),
    (r"f(x) + f(y)", F(x) + F(y), table(functions={"f"})),
    (r"f'(x)", sp.diff(F(_t), _t).subs(_t, x), table(functions={"f"})),
    (r"f(x + y)", R("f") * (x + y), table(symbols={"f"})),
    (r"\sigma(a+b)", sigma * (a + b), table(symbols={"sigma"})),
    # derivatives: operators and Leibniz fractions
    (r"\frac{\partial x^3}{\partial x}", 3 * x**2, None),
    (r"\frac{d x^3}{d x}", 3 * x**2, None),
    (r"\frac{d}{dx} x^3", 3 * x**2, None),
    (r"\frac{d}{dx}\left(x^2 - 6x\right)", 2 * x - 6, None),
    (r"\frac{\partial^2}{\partial x^2} x^4", 12 * x**2, None),
    (r"\frac{\mathrm{d}^2}{\mathrm{d}x^2} \sin x", -sp.sin(x), None),
    (r"\frac{\partial^2 (x^2 y^3)}{\partial x \partial y}", 6 * x * y**2, None),
    (r"\frac{\partial}{\partial \mu} (x - \mu)^2", -2 * (x - mu), None),
    (r"\frac{dy}{dx}", sp.cos(x), table(definitions={"y": sp.sin(x)})),
    (r"\frac{\partial h_2}{\partial w_h}", (1 - sp.tanh(w_h * h_1) ** 2) * h_1,
     table(definitions={"h_2": sp.tanh(w_h * h_1)})),
    (r"\frac{d}{2}", d / 2, None),  # not a derivative: the denominator is no differential
    # a derivative by a member of a summed family: the Kronecker delta is carried out
    (r"\frac{\partial}{\partial w_j} \sum_{i=1}^{n} w_i x_i", R("x_j"), None),
    (r"\frac{\partial \sum_{i=1}^{n} w_i x_i}{\partial w_j}", R("x_j"), None),
    (r"\frac{\partial}{\partial w_1} \sum_{i=1}^{n} w_i^2", 2 * R("w_1"), None),
    (r"\frac{\partial}{\partial w_j} \left(w_j^2 + \sum_{i=1}^{n} w_i x_i\right)", 2 * R("w_j") + R("x_j"), None),
    (r"\frac{\partial}{\partial x_{jk}} \sum_{i=1}^{n} \sum_{l=1}^{m} x_{il}^2", 2 * R("x_jk"), None),
    # integrals
    (r"\int_0^1 x^2 \, dx", sp.Integral(x**2, (x, 0, 1)), None),
    (r"\int_a^b x \,\mathrm{d}x", sp.Integral(x, (x, a, b)), None),
    (r"\int_{0}^{1} \int_{0}^{2} x y \, dx \, dy", sp.Integral(x * y, (x, 0, 2), (y, 0, 1)), None),
    # constants, decorations, names
    (r"\mathrm{e}^{x}", sp.exp(x), None),
    (r"e^{\log 2} \pi", 2 * sp.pi, None),
    (r"\hat{x} + 1", R("x_hat") + 1, None),
    (r"\hat\mu_k", R("mu_hat_k"), None),
    (r"\bar{x} - \tilde{x}", R("x_bar") - R("x_tilde"), None),
    (r"\mathcal{L} + 1", R("L_cal") + 1, None),
    (r"\mathit{loss}_t", R("loss_t"), None),
    ("μ + σ^2", mu + sigma**2, None),
    ("θ − 1", theta - 1, None),
    ("π r^2", sp.pi * r**2, None),
    # ignored markup
    (r"x + 1 \nonumber", x + 1, None),
    (r"x + 1 \notag", x + 1, None),
    (r"\displaystyle \frac{x}{2} \quad \text{(by symmetry)}", x / 2, None),
    (r"x + 1.", x + 1, None),
    # a slash divides by the one factor after it when nothing is juxtaposed to that factor
    (r"x/2 + 1", x / 2 + 1, None),
    (r"a/b \cdot c", a * R("c") / b, None),
    (r"x/\sigma^2", x / sigma**2, None),
    (r"a/\log x", a / sp.log(x), None),
    # sums, numbers
    (r"\sum_{i=1}^{n} x_i", sp.Sum(sp.IndexedBase("x")[sp.Symbol("i", integer=True)],
                                   (sp.Symbol("i", integer=True), 1, n)), None),
    (r"2^{10}", sp.Integer(1024), None),
    (r"10^{10^{3}} / 10^{1000}", sp.Integer(1), None),
]


@pytest.mark.parametrize("written, want, tab", READ_RIGHT, ids=[c[0] for c in READ_RIGHT])
def test_read_as_meant(written, want, tab):
    got = read_as(written, tab).expr
    assert same(got, want), f"{written!r} read as {got!r}, meant {want!r}"


# (written, symbol table, fragments the message must hold): refused, saying how to write it
REFUSED = [
    # implicit function application
    (r"f(x + y)", None, [r"write f \cdot (x + y) for a product", "f function"]),
    (r"a + g(x)", None, [r"g \cdot (x)", "declare g as a function"]),
    (r"h_2(1 - h_2)", None, [r"h_2 \cdot (1 - h_2)", "h_2 function"]),
    (r"F(x)", None, ["F function"]),
    (r"\phi(x)", None, [r"\phi \cdot (x)"]),
    (r"\ell(\theta)", None, ["ambiguous"]),
    (r"f'(x)", None, ["declare f as a function"]),
    (r"y'(x)", None, ["ambiguous"]),
    (r"\mathcal{L}(\theta)", None, ["ambiguous", "formula out"]),
    (r"\mathrm{KL}(a, b)", None, ["function applied to arguments"]),
    (r"\log p(x)", None, [r"p \cdot (x)", "p function"]),  # a density, not p times x
    (r"L(\theta)", None, ["L function"]),
    (r"a(b, c)", None, ["function applied to arguments", "a function"]),
    (r"p(x \mid z)", None, ["function applied to arguments"]),
    (r"a\left(b\right)", None, ["ambiguous"]),
    # derivatives that would silently be 0 or are malformed
    (r"\frac{\partial h_2}{\partial w_h}", None, ["would be 0", "define"]),
    (r"\frac{dy}{dx}", None, ["would be 0"]),
    (r"\frac{d}{dx} y", None, ["would be 0"]),
    (r"\frac{d^2 y}{d x}", None, ["order"]),
    (r"\frac{\partial}{\partial \pi_k} \sum_{k=1}^{K} r_k \log \pi_k", None, ["also a summation index"]),
    # notation outside the grammar
    (r"\mathbb{E}[x]", None, ["expectation", r"\sum"]),
    (r"\nabla f", None, ["partial derivative"]),
    (r"\int x \, dx", None, ["bounds"]),
    (r"\int_0^1 x^2", None, ["differential", "dx"]),
    (r"\operatorname{tr}(A)", None, ["operator"]),
    (r"\mathrm{d} x", None, ["derivatives and integrals"]),
    (r"\mu^T x", None, ["transpose"]),
    (r"\mathbf{x}", None, ["scalar"]),
    (r"\| x \|", None, ["norm"]),
    (r"\dot x", None, [r"\frac{dx}{dt}"]),
    ("x ≤ y", None, [r"\le"]),
    (r"\tanh' x", None, [r"\tanh'(x)"]),
    (r"x \, dx", None, [r"d \cdot x", r"\int_a^b"]),
    # a slash followed by juxtaposed factors: which ones are divided by?
    (r"1/2 x", None, [r"\frac{...}{2} x", r"\frac{...}{2 x}"]),
    (r"a/bc", None, [r"\frac{...}{b} c", r"\frac{...}{b c}"]),
    (r"(a+b)/2\pi", None, [r"\frac{...}{2 \pi}"]),
    (r"1/(1+x) y", None, ["ambiguous"]),
    (r"\left. x^2 \right|_{x=0}", None, ["value substituted"]),
    ("x²", None, ["write ^2"]),
    ("∑ x", None, [r"\sum"]),
    (r"x_1 + \cdots + x_n", None, ["ellipsis", r"\sum_{i=1}^{n}"]),
    (r"x \in (0, 1)", None, ["declarations"]),
    # function names and words without a backslash
    (r"sin x", None, [r"write \sin"]),
    (r"2 log(x)", None, [r"write \log"]),
    (r"xexp(y)", None, [r"write \exp"]),
    (r"ln x", None, [r"write \ln"]),
    (r"loss + 1", None, [r"\mathit{loss}", "product of 4"]),
    # sizes and nesting
    (r"10^{10^{10}}", None, ["digits"]),
    (r"e^{10^{10}}", None, ["digits"]),
    (r"2^{100000}", None, ["digits"]),
    (r"(10^{5})!", None, ["factorial"]),
    ("\\left(" * 150 + "x" + "\\right)" * 150, None, [f"more than {MAX_DEPTH} deep"]),
    ("(" * 40 + "x" + ")" * 40, None, ["deep"]),
    ("{" * 200 + "x" + "}" * 200, None, ["deep"]),
    # Python strings without r"..."
    ("\frac{1}{2}", None, ["form feed", 'r"..."']),
    ("x + \theta", None, ["tab", 'r"..."']),
    ("\beta + 1", None, ["backspace", 'r"..."']),
    ("\alpha + 1", None, ["bell", 'r"..."']),
    ("\varepsilon", None, ["vertical tab", 'r"..."']),
    ("x \right)", None, ["carriage return", 'r"..."']),
    ("x + \nu", None, ["newline", 'r"..."']),
]


@pytest.mark.parametrize("written, tab, fragments", REFUSED, ids=[repr(c[0])[:40] for c in REFUSED])
def test_refused_with_how_to_write_it(written, tab, fragments):
    with pytest.raises(WorkingParseError) as info:
        read_as(written, tab)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert message.startswith("line 1, column ")


@pytest.mark.parametrize("written, column", [
    (r"f(x + y)", 1),
    (r"a + f(x)", 5),
    (r"x + \nabla f", 5),
    (r"x + sin y", 5),
    (r"1 + 10^{10^{10}}", 1),
    ("x + \frac{1}{2}", 5),
])
def test_refusals_name_the_column(written, column):
    with pytest.raises(WorkingParseError) as info:
        read_as(written, line=7)
    assert (info.value.line, info.value.column) == (7, column), str(info.value)


# ------------------------------------------------------------------ shown as read
@pytest.mark.parametrize("written, shown", [
    (r"x(x+2)", r"x \left(x + 2\right)"),
    (r"ab", r"a b"),
    (r"\hat{x} + 1", r"\hat{x} + 1"),
    (r"\frac{\partial x^3}{\partial x}", r"3 x^{2}"),
    (r"\left| x \right|", r"\left|{x}\right|"),
    (r"\mathit{loss}_t", r"\mathit{loss}_t"),
    (r"x = 2", r"x = 2"),
])
def test_read_as_gives_the_typeset_reading(written, shown):
    reading = read_as(written)
    assert reading.latex == shown
    assert str(reading) == shown
    assert reading.expr == read_as(written).expr


def test_read_as_refuses_non_strings():
    with pytest.raises(TypeError, match="text"):
        read_as(3)


# ------------------------------------------------------------------ through the checker
def statuses(report):
    return [v.status for v in report.verdicts]


def test_function_application_is_not_a_product_in_the_checker():
    # f(x + y) = f(x) + f(y) is not an identity: it must never hold
    r = check_working([r"f(x + y)", r"= f(x) + f(y)"], declare="f function")
    assert r.verdicts[-1].status in ("breaks", "undecided"), r.text()
    assert statuses(check_working([r"f(x) + f(y)", r"= f(y) + f(x)"], declare="f function")) == ["start", "holds"]
    r = check_working([r"f(x + y)", r"= f(x) + f(y)"])
    assert r.status == "unparsable" and "f function" in r.first_unparsable.detail


def test_leibniz_fractions_and_known_functions_in_the_checker():
    assert statuses(check_working([r"\frac{\partial x^3}{\partial x}", r"= x^2"]))[-1] == "breaks"
    assert statuses(check_working([r"\frac{\partial x^3}{\partial x}", r"= 3x^2"]))[-1] == "holds"
    assert statuses(check_working([r"\Phi(x) + \Phi(-x)", r"= 1"]))[-1] == "holds"
    assert statuses(check_working([r"\sigma'(x)", r"= \sigma(x)(1 - \sigma(x))"]))[-1] == "holds"


def test_softmax_gradients_need_the_kronecker_delta():
    lse = r"\frac{\partial}{\partial w_j} \log \sum_{i=1}^{n} e^{w_i}"
    r = check_working([lse, r"= \frac{e^{w_j}}{\sum_{i=1}^{n} e^{w_i}}"], declare="n integer")
    assert statuses(r) == ["start", "holds"], r.text()
    # the forgotten delta (every term differentiated as if it were w_j) must break
    r = check_working([r"\frac{\partial}{\partial w_j} \sum_{i=1}^{n} w_i x_i", r"= \sum_{i=1}^{n} x_i"],
                      declare="n integer")
    assert statuses(r) == ["start", "breaks"], r.text()


def test_the_hint_of_exercise_07_2_holds_with_its_abbreviations():
    # Leibniz fractions of abbreviations are taken after substituting them (the exercise's own hint)
    from emlib.exercises.nb07 import DECLARE, H

    r = check_working([r"\frac{\partial h_3}{\partial w_h}",
                       r"= (1 - h_3^2)\big(h_2 + w_h\frac{\partial h_2}{\partial w_h}\big)",
                       r"= (1 - h_3^2)\left(h_2 + w_h(1 - h_2^2) h_1\right)"], declare=DECLARE, define=H)
    assert statuses(r) == ["start", "holds", "holds"], r.text()


def test_a_derivative_of_a_defined_abbreviation_sees_through_it():
    r = check_working([r"\frac{\partial h_2}{\partial w_h}", r"= (1 - h_2^2) h_1"],
                      define={"h_2": r"\tanh(w_h h_1)"})
    assert statuses(r) == ["start", "holds"], r.text()
    r = check_working([r"\frac{\partial h_2}{\partial w_h}", r"= (1 - h_2^2)"], define={"h_2": r"\tanh(w_h h_1)"})
    assert statuses(r) == ["start", "breaks"], r.text()


# ------------------------------------------------------------------ never a crash
_TOKENS = [r"\frac", "{", "}", "(", ")", "x", "y", "d", r"\partial", "^", "_", "2", "+", "-", r"\cdot", r"\int",
           r"\sum", r"\left(", r"\right)", r"\left|", r"\right|", "|", "f", r"\sigma", "'", r"\hat", r"\mathrm{d}",
           r"\mathrm{e}", "e", r"\log", r"\max", ",", "=", "μ", r"\sqrt", "!", r"\lfloor", r"\rfloor", " ", r"\,",
           "dx", "10", "^{10^{10}}", r"\Gamma", r"\frac{d}{dx}", r"\frac{\partial}{\partial x}", "\\", "&",
           r"\text{ok}", r"\mathit{ab}", r"\binom", "[", "]", r"\{", r"\}", "1.5", "\t", "/", "/2", "p(", "(x)",
           r"\tanh'", r"\left.", r"\mathcal{L}"]


def test_random_token_soup_is_read_or_refused_never_crashes():
    import random

    rng = random.Random(20261204)
    for _ in range(300):
        text = "".join(rng.choice(_TOKENS) for _ in range(rng.randint(1, 12)))
        try:
            read_as(text)
        except WorkingParseError as exc:
            assert exc.line == 1 and exc.column >= 1


# -- the notes' own notation (issues 22, 23): conditions, parameters, labels, annotations ----------------

def F(name: str):
    return sp.Function(name, real=True)


z, j = R("z"), R("j")
given, param, event = F("given"), F("param"), F("event")


@pytest.mark.parametrize("line, expected", [
    (r"p(x | z)", lambda: F("p")(x, given(z))),
    (r"p\left(x \mid z\right)", lambda: F("p")(x, given(z))),
    (r"p(x; \theta)", lambda: F("p")(x, param(theta))),
    (r"p(x, z | \theta)", lambda: F("p")(x, z, given(theta))),
    (r"p(z | x; \theta)", lambda: F("p")(z, given(x), param(theta))),
    (r"p(x, z=j; \theta)", lambda: F("p")(x, event(z, j), param(theta))),
    (r"p(x | z = j)", lambda: F("p")(x, given(event(z, j)))),
    (r"N(x; \mu, \sigma)", lambda: F("N")(x, param(mu, sigma))),
    (r"D(p \| q)", lambda: F("D")(R("p"), q)),
    (r"D(p \parallel q)", lambda: F("D")(R("p"), q)),
    (r"p(|x|)", lambda: F("p")(sp.Abs(x))),
])
def test_a_declared_function_keeps_its_condition_and_parameters_apart(line, expected):
    t = table(functions={"p", "N", "D"}, symbols={"sigma"})
    assert read_as(line, t).expr == expected()


def test_a_condition_is_never_read_as_one_more_argument():
    t = table(functions={"p"})
    assert read_as(r"p(z | x)", t).expr != read_as(r"p(z, x)", t).expr
    assert read_as(r"p(z | x)", t).expr != read_as(r"p(x | z)", t).expr
    assert read_as(r"p(x; \theta)", t).expr != read_as(r"p(x | \theta)", t).expr


@pytest.mark.parametrize("line, message", [
    (r"p(x | z)", "declare p as a function"),
    (r"N(x; \mu, \Sigma)", "declare N as a function"),
    (r"p(x, z = j = k)", "two = in one argument"),
    (r"p(= j)", "needs a variable and a value"),
])
def test_conditions_of_undeclared_or_malformed_applications_are_refused(line, message):
    t = table(functions={"p"}) if "=" in line else table()
    with pytest.raises(WorkingParseError, match=message):
        read_as(line, t)


def test_a_parenthesised_superscript_is_a_label_of_the_name():
    t = table(functions={"q"})
    assert read_as(r"q^{(n)}(k)", t).expr == F("q^(n)")(k)
    assert read_as(r"q^{(n)}(k)", t).expr != q ** n * k
    assert read_as(r"x^{(n)} + \theta^{(t+1)} + \theta^{old}", t).expr == R("x^(n)") + R("theta^(t+1)") + R("theta^(old)")
    assert read_as(r"x^{n}", t).expr == x ** n  # a power stays a power
    # inside a sum over n, x^{(n)} is the n-th member of the family x (as x_n is)
    N = sp.Symbol("N", real=True)
    i = sp.Symbol("n", integer=True)
    assert read_as(r"\sum_{n=1}^{N} x^{(n)}", t).expr == sp.Sum(sp.IndexedBase("x")[i], (i, 1, N))
    with pytest.raises(WorkingParseError, match="declare q as a function"):
        read_as(r"q^{(n)}(k)", table())


def test_a_superscript_of_a_declared_function_is_part_of_its_name_or_refused():
    t = table(functions={"g", "f"})
    assert read_as(r"g_t^{\hat{y}_t}(x)", t).expr == F(r"g_t^{\hat{y}_t}")(x)
    with pytest.raises(WorkingParseError, match=r"f\(\.\.\.\)\^\{2\} for a power"):
        read_as(r"f^2(x)", t)


@pytest.mark.parametrize("line, expected", [
    (r"\underbrace{x + y}_{=1} + a", lambda: x + y + a),
    (r"\underbrace{x + y}_1 a", lambda: (x + y) * a),
    (r"\underline{x + 1} y", lambda: (x + 1) * y),
    (r"\operatorname{sech}(x)", lambda: sp.sech(x)),
    (r"a \operatorname{sech}^2(x + y)", lambda: a * sp.sech(x + y) ** 2),
    (r"\frac{\partial -[y \log \hat{y}]}{\partial \hat{y}}", lambda: -y / R("y_hat")),
])
def test_annotations_are_read_as_what_they_annotate(line, expected):
    assert read_as(line).expr == expected()


@pytest.mark.parametrize("line, message", [
    (r"\underset{\theta}{\arg\max} x", r"\\arg\\max\} \(an arg max / arg min\) is not read"),
    (r"\arg\max_\theta x", "arg"),
    (r"\sum_z q_z", r"has no limits: write them"),
    (r"E_z[x]", "reads as an expectation"),
    (r"E_{p(z)} \left[ x \right]", "reads as an expectation"),
    (r"\mathbb{E}[x]", "expectation"),
    (r"\partial x", r"read only in a derivative"),
    (r"a \approx b", "approximation"),
    (r"x^T y", "a transpose A\\^T is read only when a symbol is declared a matrix"),
    (r"a \parallel b", "between the arguments of a declared function"),
    (r"\frac{\partial}{\partial y} x^2", "nothing differentiated mentions y"),
])
def test_notation_the_reader_does_not_read_is_refused_with_how_to_write_it(line, message):
    with pytest.raises(WorkingParseError, match=message):
        read_as(line)


def test_a_derivative_never_silently_drops_a_function_that_may_hold_the_variable():
    t = table(functions={"Q", "g"})
    with pytest.raises(WorkingParseError, match="does not mention pi_k"):
        read_as(r"\frac{\partial}{\partial \pi_k} (Q(\theta | \theta^{(t)}) - \lambda \pi_k)", t)
    # a function of the data is a constant of the step size; a definition may drop the variable
    assert read_as(r"\frac{\partial}{\partial \alpha} (g(x_i) + \alpha)", t).expr == 1
    h0 = table(definitions={"h_1": sp.tanh(R("w_i") * R("x_1") + w_h * R("h_0")), "h_0": sp.Integer(0)})
    assert read_as(r"\frac{\partial h_1}{\partial w_h}", h0).expr == 0


def test_the_upper_limit_of_a_sum_never_multiplies_what_follows():
    N = sp.Symbol("N", real=True)
    i = sp.Symbol("n", integer=True)
    expected = sp.Sum(sp.IndexedBase("x")[i] + 1, (i, 1, N))
    assert read_as(r"\sum_{n=1}^N (x_n + 1)").expr == expected
    assert read_as(r"\sum_{n=1}^{N} (x_n + 1)").expr == expected


@pytest.mark.parametrize("line, message", [
    (r"\sum q_z", r"\\sum without limits is not read"),
    (r"\text{ELBO}(x; q)", r"\\text\{ELBO\}\(x; q\) reads as a function applied to arguments"),
    (r"\sum_{i=1}^{n} z_i + \sum_{i=1}^{n} \sum_{k=1}^{n} z_{ik}", "written with 1 and with 2 indices"),
])
def test_more_notation_refused_with_how_to_write_it(line, message):
    with pytest.raises(WorkingParseError, match=message):
        read_as(line)


def test_a_matrix_environment_in_a_line_is_refused_with_how_to_write_it():
    with pytest.raises(WorkingParseError, match="environments .bmatrix, pmatrix, cases. are not read"):
        read_as(r"[1, 2] \begin{bmatrix} 3 \\ 4 \end{bmatrix}")


# ------------------------------------------------------------------ matrices, gradients, operators, juxtaposition
def matrices(declare: str) -> SymbolTable:
    """The table a chain with these declarations reads its lines with."""
    from emlib.derivation._working import _Context

    return _Context(declare, (), None, 0).table


@pytest.mark.parametrize("declare, line, expected", [
    (r"\Sigma matrix(2)", r"\Sigma^{-1}", lambda S, A, x: sp.Inverse(S)),
    ("A matrix(2)", r"A^T", lambda S, A, x: A.T),
    ("A matrix(2)", r"A^\top", lambda S, A, x: A.T),
    ("A matrix(2)", r"A^{\mathsf T}", lambda S, A, x: A.T),
    ("A matrix(2)", r"A^{\intercal} A", lambda S, A, x: A.T * A),
    ("A matrix(2)", r"A^2", lambda S, A, x: A ** 2),
    ("A matrix(2); x vector(2)", r"(A + A^T) x", lambda S, A, x: (A + A.T) * x),
    ("A matrix(2); x vector(2)", r"A x - 2 x", lambda S, A, x: A * x - 2 * x),
])
def test_a_declared_matrix_is_read_with_matrix_algebra(declare, line, expected):
    S, A, x = sp.MatrixSymbol("Sigma", 2, 2), sp.MatrixSymbol("A", 2, 2), sp.MatrixSymbol("x", 2, 1)
    assert read_as(line, matrices(declare)).expr == expected(S, A, x)


def test_a_one_by_one_product_is_a_scalar_and_the_gradient_is_the_column_of_partials():
    t = matrices("A matrix(2); x vector(2)")
    quad = read_as(r"x^T A x + 1", t)
    assert quad.latex == "x^{T} A x + 1"
    x1, x2 = R("x_1"), R("x_2")
    A11, A12, A21, A22 = (R(f"A_{s}") for s in ("11", "12", "21", "22"))
    explicit = A11 * x1**2 + (A12 + A21) * x1 * x2 + A22 * x2**2
    assert sp.expand(t.to_explicit(quad.expr) - explicit - 1) == 0
    grad = read_as(r"\nabla_{x} x^T A x", t).expr
    assert sp.simplify(grad - sp.Matrix([sp.diff(explicit, x1), sp.diff(explicit, x2)])) == sp.zeros(2, 1)
    assert read_as(r"\frac{\partial}{\partial x} x^T A x", t).expr == grad


@pytest.mark.parametrize("declare, line, message", [
    (r"\Sigma matrix(2)", r"\log \Sigma", r"matrix treated as a scalar: Sigma .* inside a log"),
    (r"\Sigma matrix(2)", r"\frac{1}{\Sigma}", r"matrix treated as a scalar: .*for the inverse write Sigma\^\{-1\}"),
    (r"\Sigma matrix(2)", r"\Sigma + 1", r"matrix treated as a scalar: Sigma .* in a sum with scalars"),
    (r"\Sigma matrix(2)", r"\sigma(\Sigma)", r"matrix treated as a scalar: .*argument of the function sigma"),
    ("A matrix(2)", r"|A|", r"matrix treated as a scalar: .*for a determinant write \\det\(A\)"),
    ("A matrix(2)", r"A^{1/2}", r"matrix treated as a scalar: A .* with the power 1/2"),
    ("A matrix(2); x vector(2)", r"x A", "the matrix product x times A does not fit"),
    ("A matrix(2, 3)", r"A^{-1}", "a 2x3 matrix: only a square matrix has one"),
    ("A matrix(2)", r"x^T", "a transpose of x, which is not declared a matrix or a vector"),
    ("", r"A^T", r"a transpose A\^T is read only when a symbol is declared a matrix"),
    ("", r"\nabla_{x} f", r"\\nabla_\{x\} \(a gradient\) is read only by a variable declared a vector: declare x"),
    ("x real", r"\nabla f", r"\\nabla without a subscript"),
    ("x vector(2)", r"\nabla_x^2 f", r"a Hessian or Laplacian"),
    ("", r"\det(A)", r"\\det \(a determinant or trace\) is read only of a symbol declared a matrix"),
])
def test_matrix_misuse_is_refused_naming_the_construct(declare, line, message):
    with pytest.raises(WorkingParseError, match=message):
        read_as(line, matrices(declare))


@pytest.mark.parametrize("line, message", [
    (r"\mathbb{E}_{q}[x]", r"\\mathbb\{E\}_\{q\}\[...\] \(an expectation\) is not read"),
    (r"\mathbb{E}[x]", r"\\mathbb\{E\}\[...\] \(an expectation\) is not read"),
    (r"\operatorname{E}[x]", r"\\operatorname\{E\}\[...\] \(an expectation\)"),
    (r"\operatorname{E}_{z}\left[x\right]", r"\\operatorname\{E\}_\{z\}\[...\] \(an expectation\)"),
    (r"\mathrm{E}[x]", r"\\mathrm\{E\}\[...\] \(an expectation\)"),  # was read as the product E x
    (r"\mathrm{E}(x)", r"\\mathrm\{E\}\(...\) \(an expectation\)"),
    (r"\arg\max_{x} f(x)", r"\\arg\\max_\{x\} \(an arg max / arg min\) is not read"),
    (r"\arg\min_\theta x", r"\\arg\\min_\\theta \(an arg max"),
    (r"\operatorname{argmax}_{x} x", r"\\operatorname\{argmax\}_\{x\} \(an arg max"),
    (r"\operatorname*{argmax}_{x} x", r"\\operatorname\*\{argmax\}_\{x\} \(an arg max"),
    (r"\operatorname{arg\,max}_{x} x", r"\(an arg max"),
    (r"\mathrm{argmin}_{x} x", r"\(an arg max"),
    (r"\underset{\theta}{\operatorname{argmax}} x", r"\(an arg max"),
    (r"\max_{x} x^2", r"\\max_\{x\} \(a maximum or minimum over a variable\) is not read"),  # was max * x^2
    (r"\min_k a_k", r"\\min_k \(a maximum or minimum"),
    (r"\underset{x}{\max} x", r"\(a maximum or minimum"),
    (r"\operatorname{Var}(x)", r"\\operatorname\{Var\}\(...\) \(a variance or covariance\)"),
    (r"\mathrm{Cov}[x, y]", r"\(a variance or covariance\)"),
    (r"\mathbb{R}", r"sets such as \\mathbb\{R\} belong in the declarations"),
])
def test_expectations_optima_and_arg_max_are_refused_naming_the_construct(line, message):
    with pytest.raises(WorkingParseError, match=message):
        read_as(line)


def test_max_and_min_of_given_values_and_a_declared_e_are_still_read():
    assert read_as(r"\max(a, b)").expr == sp.Max(a, b)
    t = table(functions={"E"})
    assert read_as(r"E(x)", t).expr == sp.Function("E", real=True)(x)


@pytest.mark.parametrize("line, functions, message", [
    (r"\log \pi_k N(x)", {"N"}, r"'\\log \\pi_k N\(x\)' is ambiguous: write \\log\(\\pi_k\) N\(x\) for the product "
                                r".* or \\log\(\\pi_k N\(x\)\) for the log of the product"),
    (r"\log P_z N(x \mid \mu)", {"P", "N"}, r"'\\log P_z N\(x \\mid \\mu\)' is ambiguous"),
    (r"\sum_{k=1}^{K} q(k) \log \phi_k N(x)", {"q", "N"}, r"'\\log \\phi_k N\(x\)' is ambiguous"),
    (r"\log 2 \pi N(x)", {"N"}, r"'\\log 2 \\pi N\(x\)' is ambiguous"),
    (r"\tanh x \sigma(y)", set(), r"'\\tanh x \\sigma\(y\)' is ambiguous"),
    (r"\log x \Phi(y)", set(), r"'\\log x \\Phi\(y\)' is ambiguous"),
    (r"f g(x)", {"f", "g"}, r"'f g\(x\)' is ambiguous: f is declared a function but has no argument: write f\(g\(x\)\)"),
])
def test_a_function_without_parentheses_before_an_applied_one_is_refused_with_both_readings(line, functions, message):
    with pytest.raises(WorkingParseError, match=message):
        read_as(line, table(functions=functions))


def test_the_unambiguous_juxtapositions_are_still_read():
    N = sp.Function("N", real=True)
    t = table(functions={"N"})
    pk = R("pi_k")
    assert read_as(r"\log(\pi_k) N(x)", t).expr == sp.log(pk) * N(x)
    assert read_as(r"\log(\pi_k N(x))", t).expr == sp.log(pk * N(x))
    assert read_as(r"\log N(x)", t).expr == sp.log(N(x))
    assert read_as(r"a N(x)", t).expr == a * N(x)
    assert read_as(r"\sin x \cos x").expr == sp.sin(x) * sp.cos(x)  # a built-in command ends the argument


# -- red-team round on ordinary textbook LaTeX (PRML, lecture notes, StackExchange answers) --------------
# Each line is read as a mathematician reads it, or refused naming the construct and how to write it.
_i, _k, _n = (sp.Symbol(s, integer=True) for s in "ikn")
K, N, t = R("K"), R("N"), R("t")
x_1, x_2, pi_k = R("x_1"), R("x_2"), R("pi_k")
X, PI, RR = sp.IndexedBase("x"), sp.IndexedBase("pi"), sp.IndexedBase("r")

TEXTBOOK_READ = [
    # delimiter sizes
    (r"\left( x + 1 \right)^2", (x + 1) ** 2),
    (r"\bigl( x + 1 \bigr)^2", (x + 1) ** 2),
    (r"\Big( x + 1 \Big) y", (x + 1) * y),
    (r"\biggl[ x - y \biggr]^2", (x - y) ** 2),
    (r"\Bigl\{ x + 1 \Bigr\}^2", (x + 1) ** 2),
    (r"\log\left( x \right)^2", sp.log(x) ** 2),
    (r"\tanh\Big(x\Big)", sp.tanh(x)),
    (r"\log\Bigl(\frac{a}{b}\Bigr)", sp.log(a / b)),
    (r"\Bigl|x\Bigr|", sp.Abs(x)),
    (r"\bigl\lvert x \bigr\rvert", sp.Abs(x)),
    (r"{}x + x{}^2", x + x**2),
    # bars paired as written (the parser re-paired \left| x \right| y \left| z \right| as |x |y| z|)
    (r"\left|x\right| y \left|z\right|", sp.Abs(x) * y * sp.Abs(z)),
    (r"\lvert x \rvert y \lvert z \rvert", sp.Abs(x) * y * sp.Abs(z)),
    (r"\bigl| x \bigr| y \bigl| z \bigr|", sp.Abs(x) * y * sp.Abs(z)),
    (r"|x| \cdot |y| + |x||y| + |a + |b||", 2 * sp.Abs(x) * sp.Abs(y) + sp.Abs(a + sp.Abs(b))),
    (r"|x|^2 |y|", x**2 * sp.Abs(y)),
    # a one-digit script ends at its digit (the parser joined ^1 2 into ^12)
    (r"\int_0^1 2x \, dx", sp.Integral(2 * x, (x, 0, 1))),
    (r"x^2 3", 3 * x**2),
    (r"2^1 2", sp.Integer(4)),
    (r"x_1 2", 2 * x_1),
    (r"\int_0^1 \, 2 \, dx + x_1 \, 2", sp.Integral(2, (x, 0, 1)) + 2 * x_1),
    # fractions, TeX's one-token arguments
    (r"\dfrac{x}{2}", x / 2),
    (r"\tfrac{1}{2} x", x / 2),
    (r"\cfrac{1}{1 + x}", 1 / (1 + x)),
    (r"\frac12 x^2", x**2 / 2),
    (r"\frac a b", a / b),
    (r"\frac1x", 1 / x),
    (r"\frac\pi2", sp.pi / 2),
    (r"\frac{\pi}2", sp.pi / 2),
    (r"\frac 1 {2}", sp.Rational(1, 2)),
    (r"\frac{a+b}{c} d", (a + b) * d / R("c")),
    (r"\dfrac{\partial x^2}{\partial x}", 2 * x),
    (r"\cfrac{d}{dx} x^2", 2 * x),
    # roots: an odd root of a negative number is the real one
    (r"\sqrt x", sp.sqrt(x)),
    (r"\sqrt2 x", sp.sqrt(2) * x),
    (r"\sqrt{\sqrt x}", x ** sp.Rational(1, 4)),
    (r"\sqrt[3]{8}", sp.Integer(2)),
    (r"\sqrt[3]{-8}", sp.Integer(-2)),
    (r"\sqrt[3]{x}", sp.real_root(x, 3)),
    (r"\sqrt[3]x", sp.real_root(x, 3)),
    (r"\sqrt[4]{16}", sp.Integer(2)),
    # the exponential
    (r"\exp\{ -x^2 \}", sp.exp(-x**2)),
    (r"\exp\left\{ -\frac{(x-\mu)^2}{2\sigma^2} \right\}", sp.exp(-(x - mu) ** 2 / (2 * sigma**2))),
    (r"\exp(x)^2", sp.exp(x) ** 2),
    (r"\exp\{x\}/2", sp.exp(x) / 2),
    (r"e^{-x^2/2}", sp.exp(-x**2 / 2)),
    (r"\mathrm e^x", sp.exp(x)),
    (r"\operatorname{e}^x", sp.exp(x)),
    (r"\text{e}^x", sp.exp(x)),
    # logs
    (r"\ln|x|", sp.log(sp.Abs(x))),
    (r"\log_2 x", sp.log(x) / sp.log(2)),
    (r"\log_2 8", sp.Integer(3)),
    (r"\log^2 x", sp.log(x) ** 2),
    (r"\log \frac{a}{b}", sp.log(a / b)),
    (r"\frac{1}{2}\log 2\pi\sigma^2", sp.log(2 * sp.pi * sigma**2) / 2),
    (r"\log(x)/2", sp.log(x) / 2),
    # trigonometry: an explicit operator ends the argument only before another function
    (r"\sin^2 x + \cos^2 x", sp.Integer(1)),
    (r"\sin x^2", sp.sin(x**2)),
    (r"\sin 2x", sp.sin(2 * x)),
    (r"\cos^{-1} x", sp.acos(x)),
    (r"\sinh^{-1} x", sp.asinh(x)),
    (r"\log_e x", sp.log(x)),
    (r"\sin\theta\cos\theta", sp.sin(theta) * sp.cos(theta)),
    (r"\log x \cdot \log y", sp.log(x) * sp.log(y)),
    (r"\sin x / \cos x", sp.tan(x)),
    (r"\sin^2 x \cdot \cos x", sp.sin(x) ** 2 * sp.cos(x)),
    (r"\log_2 x \cdot \log_2 y", sp.log(x) * sp.log(y) / sp.log(2) ** 2),
    (r"\tanh x \cdot \tanh y", sp.tanh(x) * sp.tanh(y)),
    (r"\ln(x) \cdot y", sp.log(x) * y),
    (r"x \cdot \sin x", x * sp.sin(x)),
    # products and spacing
    (r"x \times y", x * y),
    (r"x \ast y", x * y),
    (r"x\!y", x * y),
    (r"x\ y", x * y),
    (r"x_1x_2", x_1 * x_2),
    (r"2x^2y", 2 * x**2 * y),
    (r"0.5x", x / 2),
    # scripts in either order (TeX attaches both to the same base)
    (r"x^2_1", x_1**2),
    (r"x^{2}_{i}", R("x_i") ** 2),
    (r"x^2_1 + x^2_2", x_1**2 + x_2**2),
    (r"\sum^{N}_{n=1} x_n", sp.Sum(X[_n], (_n, 1, N))),
    (r"\int^1_0 x \, dx", sp.Integral(x, (x, 0, 1))),
    # derivatives with an upright d
    (r"\frac{\mathrm d}{\mathrm dx} x^3", 3 * x**2),
    (r"\frac{\text{d}}{\text{d}x} x^2", 2 * x),
    (r"\frac{\mathrm{d}}{\mathrm{d}t} t^2", 2 * t),
    (r"\frac{\partial}{\partial x}\Bigl( x y \Bigr)", y),
    (r"\frac{\partial^2}{\partial x \, \partial y} x^2 y^2", 4 * x * y),  # a thin space between differentials
    (r"\frac{\partial^2 (x^2y^2)}{\partial x\,\partial y}", 4 * x * y),
    (r"\frac{d\, x^3}{dx}", 3 * x**2),
    # + and - end an operator's operand, as they end \sin x + 1 (the notes rely on it)
    (r"\frac{d}{dx} x^2 + 1", 2 * x + 1),
    (r"\frac{d}{dx}(x^2) + 1", 2 * x + 1),
    (r"\frac{d}{dx}\Bigl[ x^2 \Bigr] - x", x),
    (r"\frac{d}{dx}\sin x \cos x", sp.cos(2 * x)),
    # combinatorics
    (r"\binom n k", sp.binomial(n, k)),
    (r"\binom{5}{2}", sp.Integer(10)),
    (r"\frac{n!}{k!(n-k)!}", sp.factorial(n) / (sp.factorial(k) * sp.factorial(n - k))),
    (r"(n+1)!", sp.factorial(n + 1)),
    # sums and products
    (r"\sum\limits_{k=1}^{K} \pi_k", sp.Sum(PI[_k], (_k, 1, K))),
    (r"\sum\nolimits_{i=1}^{n} x_i", sp.Sum(X[_i], (_i, 1, n))),
    (r"\sum_{k=1}^K \pi_k x_k", sp.Sum(PI[_k] * X[_k], (_k, 1, K))),
    (r"\sum_{n=1}^{N}\sum_{k=1}^{K} r_{nk}", sp.Sum(RR[_n, _k], (_k, 1, K), (_n, 1, N))),
    (r"\prod_{i=1}^{n}{(1+x_i)}", sp.Product(1 + X[_i], (_i, 1, n))),
    # integrals
    (r"\int_0^1 x \, \text{d}x", sp.Integral(x, (x, 0, 1))),
    (r"\int_0^1 x \, \textrm{d}x", sp.Integral(x, (x, 0, 1))),
    (r"\int_0^1 x^2 \,\mathrm dx", sp.Integral(x**2, (x, 0, 1))),
    (r"\int_{-\infty}^{\infty} e^{-x^2} \mathrm{d}x", sp.Integral(sp.exp(-x**2), (x, -sp.oo, sp.oo))),
    # bars and braces
    (r"|x - y|^2", sp.Abs(x - y) ** 2),
    (r"\vert x \vert", sp.Abs(x)),
    (r"\max\{a, b\}", sp.Max(a, b)),
    (r"\max(1, 234) + \max(x,100) + \max(1,2)", 236 + sp.Max(x, 100)),
    (r"\lfloor x/2 \rfloor", sp.floor(x / 2)),
    # remarks and punctuation that end a line
    (r"x^2 + 1 \quad\text{(by Bayes)}", x**2 + 1),
    (r"\text{so } x + 1", x + 1),
    (r"\frac{1}{2} \sigma^2 \quad \text{(variance)}, \quad", sigma**2 / 2),
    (r"x + 1,", x + 1),
    (r"x + 1;", x + 1),
    (r"x + 1 \,.", x + 1),
    (r"x + 1 \;", x + 1),
    # an optimum's star and the labels max / min are part of a name, never a power or a product
    (r"\theta^* + \theta^{*} + \theta^\ast", 3 * R("theta^(*)")),
    (r"x_k^\star", R("x_k^(*)")),
    (r"x^{\max} - x^{\min}", R("x^(max)") - R("x^(min)")),
    (r"\delta_{ik}^{(t)}", R("delta_ik^(t)")),  # a labelled family (responsibilities), not the Kronecker delta
    # Unicode pasted from a PDF
    ("2π r", 2 * sp.pi * r),
    ("x × y", x * y),
    ("x · y", x * y),
    ("\U0001d465 + \U0001d707_k", x + R("mu_k")),  # mathematical italic letters copied from a PDF
]


@pytest.mark.parametrize("written, want", TEXTBOOK_READ, ids=[c[0] for c in TEXTBOOK_READ])
def test_textbook_latex_is_read_as_meant(written, want):
    got = read_as(written).expr
    assert same(got, want), f"{written!r} read as {got!r}, meant {want!r}"


TEXTBOOK_REFUSED = [
    # a function without parentheses before an explicit operator: which factors are its argument?
    (r"\sin x \cdot y", r"write \sin(x) \cdot y to apply \sin to x only, or \sin(x \cdot y)"),
    (r"\log x \times y", r"\log(x) \times y"),
    (r"\sin x / 2", r"\sin(x) / 2"),
    (r"\log x/y", r"\log(x) / y"),
    (r"\sin{x}/2", "is ambiguous"),
    (r"2\sin x/2", r"\sin(x) / 2"),
    (r"\sin \frac{x}{2} \cdot y", "is ambiguous"),
    (r"\exp^2 x", r"\exp(x)^2"),
    (r"\exp^{2}(x)", r"\exp(x)^2"),
    # remarks between two pieces of mathematics
    (r"x^2 \ge 0 \text{ for all } x", r"\text{ for all } stands between two pieces of mathematics"),
    (r"x^2 + 1 \text{ where } x", "stands between two pieces of mathematics"),
    (r"x + 1 \qquad \text{for } x > 0", "put conditions in the declarations"),
    # evaluation bars
    (r"x^2 \bigg|_{x=0}", "evaluation bars"),
    (r"x + x^2|_{x=0}", "evaluation bars"),
    (r"\frac{d}{dx} x^2 \Big|_{x=1}", "with the value substituted"),
    (r"\left( x^2 \right|_{0}^{1}", "evaluation bars"),
    # an integral's differential first
    (r"\int_0^1 dx \, x^2", r"write it after, \int_a^b f(x) \, dx"),
    # definitions and other relations
    (r"x := y", "a definition (:=) is not a step"),
    (r"x \coloneqq y", r"define: y = ..."),
    (r"x \triangleq y", "a definition"),
    (r"L \stackrel{\text{def}}{=} a + b", r"a definition (\stackrel{def}{=})"),
    (r"L \overset{\Delta}{=} a + b", "a definition"),
    (r"x \simeq y", "approximation"),
    (r"x \sim y", "distributed as"),
    (r"x \equiv y", "write ="),
    (r"x \propto y", "constant"),
    (r"\pm x", "one line (or chain) for each sign"),
    (r"x \mp y", "each sign"),
    # TeX that typesets something else than was typed
    (r"x^10", "'^10' is typeset as ^1 followed by 0: write ^{10}"),
    (r"x_10", "write _{10}"),
    (r"x^-1", "write ^{-1}"),
    (r"e^-x", "needs braces"),
    (r"2^3^2", "double superscript"),
    (r"x^{2}^{3}", "double superscript"),
    (r"x_1_2", "double subscript"),
    (r"2e-3", r"write 2 \cdot 10^{-3}"),
    (r"1.5e-3", r"write 1.5 \cdot 10^{-3}"),
    (r"x + 1 % a remark", "TeX comment"),
    (r"50\%", "percentage"),
    (r"n!!", "double factorial"),
    (r"|x|y|z|", r"these bars pair in two ways"),
    (r"1 2", r"joined into one number (12): write 12 for that number, or 1 \cdot 2"),
    (r"2 \, 3", r"2 \cdot 3"),
    (r"3.5 2", r"3.5 \cdot 2"),
    (r"1,000", "a thousands separator, or two arguments?"),
    (r"\min(0,125, 3)", r"write 0125 for the number, or 0, 125 for two values"),
    # constructs with their own guidance
    (r"{a \over b}", r"\frac{a}{b}"),
    (r"{n \choose k}", r"\binom{n}{k}"),
    (r"a \div b", r"\frac{a}{b}"),
    (r"\Vert x \Vert", "norms"),
    (r"\lVert x \rVert", "norms"),
    (r"\langle x, y \rangle", "inner products"),
    (r"\bm{x}", "scalar"),
    (r"x^\prime", "write the prime as '"),
    (r"{\rm d}x", r"\mathrm{d}"),
    (r"\iint x", "nested integrals"),
    (r"x \bmod 2", "modular"),
    ("x – 1", "a minus sign"),
    ("x ∗ y", r"write \cdot"),
    ("x ≈ y", "not checked"),
    ("½ x", r"\frac{1}{2}"),
    ("x′", "write '"),
    ("\U0001d431 + 1", "bold letter"),
    # derivative operators: an explicit operator after an unbracketed operand
    (r"\frac{d}{dx} x^2 \cdot x", r"\frac{d}{dx}\left(x^2 \cdot x\right) to differentiate the whole"),
    (r"\frac{\partial}{\partial x} x^2 / y", "for the first term only"),
    (r"\frac{d}{dx} -x^2", r"\frac{d}{dx}\left(-...\right)"),
    (r"\int_0^1 \frac{dx}{x+1}", "a differential inside a fraction"),
    (r"\partial_x x^2", r"write \frac{\partial}{\partial x} f"),
    (r"\frac{\partial}{\partial \sigma^2}\left(-\frac{1}{2}\log \sigma^2\right)", r"a derivative by \sigma^2 (a power"),
    (r"\frac{d L}{d x^3}", r"for the third derivative write \frac{d^3}{d x^3}"),
    # the Kronecker delta is not carried out
    (r"\delta_{ij}", "Kronecker delta"),
    (r"\sum_{j=1}^{n} \delta_{ij} x_j", "Kronecker delta"),
    (r"\Pr(x)", "P function"),
    (r"\exists x", "quantifiers"),
    (r"\operatorname{sech}^2 x", r"\operatorname{sech}^2(x)"),
]


@pytest.mark.parametrize("written, fragment", TEXTBOOK_REFUSED, ids=[c[0] for c in TEXTBOOK_REFUSED])
def test_textbook_latex_that_cannot_be_read_as_meant_is_refused_with_how_to_write_it(written, fragment):
    with pytest.raises(WorkingParseError) as info:
        read_as(written)
    assert fragment in info.value.reason, info.value.reason


@pytest.mark.parametrize("written, column", [
    (r"1 + \sin x \cdot y", 5),
    (r"\frac12 + x^10", 12),  # the column in the line as written, not in the braced \frac{1}{2}
    (r"x^2_1 + y_10", 10),
    (r"a + 1.5e-3", 5),
])
def test_refusals_after_a_tex_shorthand_name_the_column_as_written(written, column):
    with pytest.raises(WorkingParseError) as info:
        read_as(written)
    assert info.value.column == column, str(info.value)


@pytest.mark.parametrize("chain", [
    [r"\sqrt[3]{x^3}", r"= x"],
    [r"\sqrt[3]{-8}", r"= -2"],
    [r"\sin x \cdot \cos x", r"= \frac12 \sin 2x"],
    [r"\log x \cdot \log y", r"= \log(x) \log(y)"],
    [r"\int_0^1 x \, \text{d}x", r"= \frac{1}{2}"],
])
def test_textbook_chains_hold_as_read(chain):
    r = check_working(chain)
    assert statuses(r) == ["start", "holds"], r.text()


_TEX_TOKENS = [r"\frac", r"\frac12", r"\sqrt", r"\sqrt[3]", "^", "_", "{", "}", "{}", "x", "2", "10", "e", "2e", "-",
               r"\limits", r"\sum", r"\int", "d", r"\mathrm", r"\text{ for }", r"\cdot", "/", r"\sin", r"\log",
               r"\exp", "|", r"\Big|", ":", "=", "!", "%", r"\,", " ", "(", ")", r"\left(", r"\right)", r"\{",
               r"\}", r"\\", "\\", r"\stackrel{def}{=}", r"\times", "a", r"\pi", "'", r"\text{d}", r"\binom"]


def test_tex_shorthand_soup_is_read_or_refused_never_crashes():
    import random

    for text in [r"\frac{\partial}{\partial x}a//_", r"\sin x / _"]:  # a message quoting past the line's end
        with pytest.raises(WorkingParseError):
            read_as(text)
    rng = random.Random(20261205)
    for _ in range(400):
        text = "".join(rng.choice(_TEX_TOKENS) for _ in range(rng.randint(1, 10)))
        try:
            read_as(text)
        except WorkingParseError as exc:
            assert exc.line == 1 and 1 <= exc.column <= len(text) + 1, (text, str(exc))


def test_a_star_is_shown_as_written_and_a_kronecker_delta_never_breaks_a_true_step():
    assert read_as(r"\theta^* + 1").latex == r"\theta^{*} + 1"
    r = check_working([r"\sum_{j=1}^{n} \delta_{ij} x_j", r"= x_i"], declare="n integer(1, 5)")
    assert statuses(r)[0] == "unparsable" and "Kronecker delta" in r.verdicts[0].detail, r.text()
