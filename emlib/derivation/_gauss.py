"""Exact Gaussian integrals over the real line (a sound symbolic rewrite, bounded in size).

An ``Integral(f, (u, -oo, oo))`` whose integrand expands to a finite sum of terms
``c * u**j * exp(-a u**2 + b u + k)`` with ``a`` provably positive is replaced by its closed form

    c * exp(k + b**2 / (4 a)) * sum_i binomial(j, i) * mu**(j - i) * M_i,    mu = b / (2 a),

where ``M_i = Gamma((i + 1) / 2) / a**((i + 1) / 2)`` for even ``i`` and 0 for odd ``i`` (the moments of
``exp(-a v**2)``). Each term converges absolutely, so the sum of the closed forms is the integral.
``log`` of a Gaussian density is first expanded (``log(exp(q)) = q`` for real ``q``), which covers
normalisation, moments, entropies and KL divergences of Gaussians. Anything else is left unchanged.
"""

from __future__ import annotations

from typing import Callable

import sympy as sp

__all__ = ["gaussian_integrals"]

#: Integrands larger than this (sympy operations after expansion) are left alone.
MAX_OPS = 3000
#: The largest power of the integration variable handled.
MAX_POWER = 32


def _term_closed_form(term: sp.Expr, u: sp.Symbol, positive: Callable[[sp.Expr], bool]) -> sp.Expr | None:
    power = 0
    exponent = sp.Integer(0)
    coeff = []
    for fac in sp.Mul.make_args(term):
        if not fac.has(u):
            coeff.append(fac)
        elif isinstance(fac, sp.exp):
            exponent += fac.args[0]
        elif fac == u:
            power += 1
        elif isinstance(fac, sp.Pow) and fac.base == u and fac.exp.is_Integer and fac.exp > 0:
            power += int(fac.exp)
        elif isinstance(fac, sp.Pow) and isinstance(fac.base, sp.exp) and fac.exp.is_Integer:
            exponent += fac.base.args[0] * fac.exp
        else:
            return None
    if power > MAX_POWER:
        return None
    try:
        poly = sp.Poly(sp.expand(exponent), u)
    except sp.PolynomialError:
        return None
    if poly.degree() != 2:
        return None
    a = -poly.coeff_monomial(u**2)
    b = poly.coeff_monomial(u)
    k = poly.coeff_monomial(1)
    if not positive(a):
        return None
    mu = b / (2 * a)
    moments = sum(sp.binomial(power, i) * mu ** (power - i) * sp.gamma(sp.Rational(i + 1, 2)) / a ** sp.Rational(i + 1, 2)
                  for i in range(0, power + 1, 2))
    return sp.Mul(*coeff) * sp.exp(k + b**2 / (4 * a)) * moments


def _closed_form(node: sp.Integral, positive: Callable[[sp.Expr], bool]) -> sp.Expr | None:
    if len(node.limits) != 1 or len(node.limits[0]) != 3:
        return None
    var, lo, hi = node.limits[0]
    if not (lo == -sp.oo and hi == sp.oo) or node.function.has(sp.Integral, sp.Sum, sp.Product):
        return None
    u = sp.Dummy("u", real=True)
    f = node.function.xreplace({var: u})
    try:
        if sp.count_ops(f) > MAX_OPS:
            return None
        f = sp.expand(sp.expand_log(f, deep=True))
        if sp.count_ops(f) > MAX_OPS:
            return None
    except Exception:
        return None
    total = sp.Integer(0)
    for term in sp.Add.make_args(f):
        closed = _term_closed_form(term, u, positive)
        if closed is None:
            return None
        total += closed
    return total


def gaussian_integrals(expr: sp.Basic, positive: Callable[[sp.Expr], bool]) -> tuple[sp.Basic, bool]:
    """``expr`` with every Gaussian integral over the real line in closed form, and whether any was.

    ``positive(a)`` must return True only when ``a`` is provably positive on the domain.
    """
    if not expr.has(sp.Integral):
        return expr, False
    done = [False]

    def rewrite(node: sp.Integral) -> sp.Basic:
        closed = _closed_form(node, positive)
        if closed is None:
            return node
        done[0] = True
        return closed

    out = expr.replace(lambda e: isinstance(e, sp.Integral), rewrite)
    return out, done[0]
