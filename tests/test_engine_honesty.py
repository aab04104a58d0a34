"""The engine's bookkeeping: a refused check is recorded as failed before its error propagates, and
repeated bound expressions (the same sum twice) cancel symbolically."""

from __future__ import annotations

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
