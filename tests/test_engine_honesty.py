"""The engine's bookkeeping: a refused check is recorded as failed before its error propagates, repeated
bound expressions (the same sum twice) cancel symbolically, counterexamples are reported at simple points,
and differences below 512 bits are seen by the deep check."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp

from emlib.derivation import Derivation, Interval, Positive
from emlib.derivation._evaluate import canonical_bound
from emlib.derivation.errors import CheckError, DomainError

x = sp.Symbol("x", real=True)
k, j = sp.symbols("k j", integer=True)
n = sp.Symbol("n", integer=True, positive=True)
neg = sp.Symbol("a", negative=True)


@pytest.mark.parametrize("state", [
    lambda d: d.equal(neg + 1, 1 + neg, "a refused equal", domain=Positive(neg)),
    lambda d: d.positive(neg**2 + 1, "a refused positive", domain=Positive(neg)),
    lambda d: d.derivative(neg**2, neg, 2 * neg, "a refused derivative", domain=Positive(neg)),
], ids=["equal", "positive", "derivative"])
def test_a_refused_check_that_the_notebook_catches_still_fails_the_summary(state):
    d = Derivation("refusals", verbose=False)
    d.equal(x + x, 2 * x, "a step that holds")
    with pytest.raises(DomainError):
        state(d)
    # the notebook caught the error; the refusal is on the record all the same
    assert len(d.records) == 2
    refused = d.records[-1]
    assert refused.status == "failed" and refused.route == "refused"
    assert "DomainError" in refused.detail
    assert len(d.failed()) == 1
    with pytest.raises(AssertionError):
        d.summary()


def test_a_refusal_is_recorded_once():
    # a StepError raised by the engine after it recorded the check is not recorded a second time
    d = Derivation("refusals", verbose=False)
    with pytest.raises(CheckError):
        d.equal(x + 1, x + 2, "a false step")
    assert len(d.records) == 1 and d.records[0].route != "refused"


def test_copies_of_the_same_sum_get_the_same_bound_names():
    s = sp.Sum(sp.log(k + x**2 + 1), (k, 1, n))
    t = sp.Sum(sp.log(j + x**2 + 1), (j, 1, n))
    assert canonical_bound(s + x * t) == canonical_bound((1 + x) * s).expand()
    # nested scopes never share a name; the inner limit may use the outer variable
    nested = canonical_bound(sp.Sum(sp.Sum(k * j, (j, 1, k)), (k, 1, n)))
    assert nested.doit().expand() == sp.Sum(sp.Sum(k * j, (j, 1, k)), (k, 1, n)).doit().expand()


def test_a_claim_whose_sides_repeat_the_same_sum_cancels_symbolically():
    s = sp.Sum(sp.log(k + x**2 + 1), (k, 1, n))
    t = sp.Sum(sp.log(j + x**2 + 1), (j, 1, n))
    d = Derivation("sums", verbose=False)
    check = d.equal(s + x * t, (1 + x) * s, "the same sum twice", domain=Interval(x, low=-3, high=3))
    assert check.status == "ok" and check.route.startswith("symbolic"), check.route
    with pytest.raises(AssertionError):
        d.equal(s + x * t, (2 + x) * s, "one copy too many", domain=Interval(x, low=-3, high=3))


def test_a_refutation_at_an_unwieldy_point_is_reported_at_a_simpler_one():
    # exp(-100 (x - 5/2 - 1/7)^2) > 1/2 only on a band that random draws meet at long binary fractions;
    # the refutation is certified again at a short nearby fraction and reported there
    from emlib.derivation._compare import check_sign, compare, simpler_points

    x = sp.Symbol("x", real=True)
    band = sp.exp(-100 * (x - sp.Rational(5, 2) - sp.Rational(1, 7)) ** 2)
    out = check_sign(sp.Rational(1, 2) - band, [Interval(x, low=2, high=3)], strict=True)
    assert out.status == "fails" and out.counterexample == {x: Fraction(13, 5)}, out.detail
    out = compare(sp.Max(sp.sin(50 * x), sp.Rational(9, 10)), sp.Rational(9, 10), [Interval(x, low=0, high=1000)])
    assert out.status == "fails" and Fraction(out.counterexample[x]).denominator <= 1000, out.detail
    # candidates stay inside the domain and are simpler than the point
    dom = Interval(x, low=2, high=3)
    for p in simpler_points({x: Fraction(11715297160235737, 4503599627370496)}, [dom]):
        assert 2 <= p[x] <= 3 and Fraction(p[x]).denominator <= 1000


def test_the_shrink_pass_moves_each_coordinate_to_the_simplest_value_that_still_refutes():
    # a synthetic certified test (refutes wherever x > 0 and n is odd): from an unwieldy point, each
    # coordinate goes to the simplest value its domain admits that keeps the refutation; a coordinate
    # whose simple values all fail the test, or outside interval/integer domains, stays
    from emlib.derivation import Integer, Positive
    from emlib.derivation._compare import simplest_refutation

    x, y, w = sp.symbols("x y w", real=True)
    t = sp.Symbol("t", positive=True)
    n = sp.Symbol("n", integer=True)
    used = [Interval(x, y, low=-5, high=5), Positive(t), Integer(n, low=5, high=None)]
    point = {x: Fraction(1839263384643, 4096 * 10**8), y: Fraction(-3, 7 * 2**40), t: Fraction(10**20 + 1, 3),
             n: 10**18 + 1, w: Fraction(12345678901, 2**40)}
    calls = []

    def refutes(p):
        calls.append(p)
        return "refuted" if p[x] > 0 and p[n] % 2 == 1 else None

    best, verdict = simplest_refutation(point, used, refutes)
    assert verdict == "refuted"
    assert best[x] == 1 and best[y] == 0 and best[t] == 1  # t > 0: 0 is not admitted
    assert best[n] == 10**18 + 1  # 10 and 100 are even: no simple value keeps the refutation
    assert best[w] == point[w]  # no declared interval or integer domain: never moved
    assert len(calls) <= 48
    # a point that already reads well is left alone, at no cost
    calls.clear()
    assert simplest_refutation({x: 3, n: 7}, used, refutes) == ({x: 3, n: 7}, None) and not calls


def test_the_deep_check_refutes_differences_below_512_bits():
    # tanh(t + 400) - 1 is about -2 exp(-800) at every point: no written number announces it, and only the
    # deep check at 4096 bits (integrals to half of it) sees it
    from emlib.derivation import StepError

    t, u = sp.Symbol("t", positive=True), sp.Symbol("u", real=True)
    d = Derivation("deep", verbose=False)
    for lhs, rhs in ((sp.tanh(t + 400), 1), (sp.erf(30), 1), (sp.Integral(sp.exp(-u), (u, 0, 1000)), 1)):
        with pytest.raises(StepError):
            d.equal(lhs, rhs, "exponentially small")
    d.equal(sp.Integral(sp.exp(-u), (u, 0, 1000)), 1 - sp.exp(-1000), "exact")


def test_mod_and_expint_have_enclosures():
    from emlib.derivation import StepError

    k, t = sp.Symbol("k", integer=True), sp.Symbol("t", positive=True)
    d = Derivation("mod", verbose=False)
    d.equal(sp.Mod(k**2, 4), sp.Mod(k, 2), "squares mod 4")
    d.equal(sp.expint(1, t), -sp.Ei(-t), "E1")
    with pytest.raises(StepError):
        d.equal(sp.Mod(k**2, 8), sp.Mod(k, 2), "squares mod 8")


def test_a_sum_that_sympy_sums_only_under_a_condition_is_not_accepted_where_it_fails():
    from emlib.derivation import UndecidedError

    x, k = sp.Symbol("x", real=True), sp.Symbol("k", integer=True, nonnegative=True)
    d = Derivation("divergent", verbose=False)
    with pytest.raises(UndecidedError):
        d.equal(sp.Sum(x**k, (k, 0, sp.oo)), 1 / (1 - x), "geometric series on the reals")


def test_points_lost_only_at_128_bits_still_give_evidence():
    # 1e-40 from a face, the last coordinate 1 - q1 - q2 of a probability vector is lost at 128 bits; the
    # point counts when 256 and 512 bits decide
    import re

    from emlib.derivation import Simplex
    from emlib.derivation._compare import compare

    q1, q2 = sp.symbols("q1 q2", positive=True)
    out = compare(sp.log(2 * (1 - q1 - q2)), sp.log(2) + sp.log(1 - q1 - q2), [Simplex(q1, q2, partial=True)],
                  symbolic=False)
    n, m = map(int, re.search(r"at (\d+) of (\d+) exact points", out.route).groups())
    assert out.status == "holds" and n == m, out.route


def test_an_integral_sympy_evaluates_only_for_some_parameters_is_evaluated_at_the_point():
    from emlib.derivation import StepError

    a, u = sp.symbols("a u", real=True)
    d = Derivation("doit at a point", verbose=False)
    with pytest.raises(StepError, match="doit at the point"):
        d.equal(sp.Integral(sp.sin(a * u) / u, (u, 0, sp.oo)), sp.pi / 2, "Dirichlet integral for real a")


def test_an_exact_zero_test_never_sums_a_long_sum_directly(monkeypatch):
    # the exact-zero test of a strict sign claim simplifies a constant value; simplify would doit a Sum
    # with numeric bounds, which sympy may add up term by term (the notes' chains hung for minutes on one
    # with 10^18 terms): values with sums, products or integrals are left to the enclosures
    from emlib.derivation import _compare

    k = sp.Symbol("k", integer=True)
    calls = []
    monkeypatch.setattr(_compare.sp, "simplify", lambda e, *a, **kw: calls.append(e) or e)
    value = sp.Sum(1 / (k**2 + 1), (k, 1, 10**18)) - sp.Sum(1 / (k**2 + 1), (k, 1, 10**18 - 1))
    _compare._value_sign(value, True)
    assert not calls
    _compare._value_sign(sp.sin(1) ** 2 + sp.cos(1) ** 2 - 1, True)
    assert len(calls) == 1  # the exact test still runs where it is cheap
