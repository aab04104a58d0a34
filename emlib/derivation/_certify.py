"""Rigorous enclosures of sympy expressions at exact points (python-flint's ``acb`` ball arithmetic).

:class:`Enclosure` compiles an expression once and evaluates it at an exact point (values are ``int``
or ``fractions.Fraction``) at a given precision in bits. The result is a complex ball that is
guaranteed to contain the exact value, or one of:

* :class:`Undefined`: the expression has no value there (a pole, ``0/0``, ``log 0``, an infinity);
* :class:`NoEnclosure`: no rigorous ball could be computed (an unsupported function, an infinite sum or
  integral whose tail cannot be bounded, a sum over more terms than the budget allows).

Every cost is counted, never timed: each node evaluated costs one operation, each term of a finite sum
or product the operations of its body, each integrand evaluation of ``acb.integral`` likewise, and an
evaluation stops with :class:`NoEnclosure` when its :data:`OPERATION_BUDGET` is spent. Precision is
capped at :data:`MAX_PREC` bits; integer exponents are evaluated by ball arithmetic whatever their size
(exponent towers give wide or infinite balls, never a hang).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable, Sequence

import sympy as sp
from flint import acb, arb, ctx, fmpq, fmpz

__all__ = ["Enclosure", "Undefined", "NoEnclosure", "Unbounded", "ball", "ball_text", "PRECISIONS", "MAX_PREC",
           "OPERATION_BUDGET", "excludes_zero", "is_real", "is_nonreal"]

#: The rising precisions (bits) at which a point is evaluated.
PRECISIONS = (128, 256, 512)
#: No evaluation runs at more bits than this (claims whose written numbers need more bits than the
#: default precisions get one extra precision, up to this cap: see ``_compare.claim_precisions``).
MAX_PREC = 4096
#: Operations one evaluation of one side at one point may spend (nodes, sum terms, integrand calls).
OPERATION_BUDGET = 100_000
#: Operations all evaluations of one side of one claim may spend (then its points give no evidence).
CLAIM_BUDGET = 1_000_000
#: Integrand evaluations ``acb.integral`` may spend on one integral (its own eval_limit).
INTEGRAL_EVALS = 2_000
#: factorials and binomials of exact integers up to this size are computed exactly (fmpz), not by gamma
#: (beyond it the exact integers grow too long to be cheaper than a ball)
EXACT_INTEGER_ARG = 10_000


class Undefined(Exception):
    """The expression has no finite value at the point."""


class NoEnclosure(Exception):
    """No rigorous enclosure could be computed at the point (not evidence either way)."""


class Unbounded(NoEnclosure):
    """An infinite sum, product or integral is left at the point (its tail cannot be bounded): sympy
    evaluated it only under conditions that fail there, so the claim has no known value at that point."""


def ball(v: int | Fraction) -> acb:
    """An exact point coordinate as a complex ball at the current precision."""
    if isinstance(v, int):
        return acb(arb(fmpz(v)))
    return acb(arb(fmpq(v.numerator, v.denominator)))


def is_real(z: acb) -> bool:
    """True if the ball's imaginary part is exactly zero (the value is certainly real)."""
    return z.imag.is_zero()


def is_nonreal(z: acb) -> bool:
    """True if the ball's imaginary part certainly excludes zero."""
    return not z.imag.contains(0)


def excludes_zero(z: acb) -> bool:
    """True if the ball certainly does not contain 0."""
    return not (z.real.contains(0) and z.imag.contains(0))


def ball_text(z: acb, digits: int = 12) -> str:
    """A short deterministic text of a ball (midpoint and radius), e.g. ``[0.25 +/- 1.2e-30]``."""
    def part(x: arb) -> str:
        if x.rad() == 0:
            return x.mid().str(digits, radius=False)
        return f"[{x.mid().str(digits, radius=False)} +/- {x.rad().str(2, radius=False)}]"

    if z.imag.is_zero():
        return part(z.real)
    return f"{part(z.real)} + {part(z.imag)}*I"


class _Budget:
    __slots__ = ("left",)

    def __init__(self, ops: int) -> None:
        self.left = ops

    def spend(self, n: int = 1) -> None:
        self.left -= n
        if self.left < 0:
            raise NoEnclosure("more operations than the budget")


def _finite(z: acb) -> acb:
    if not z.is_finite():
        raise Undefined("not finite")
    return z


def _nan() -> acb:
    return acb(arb.nan())


def _log(z: acb, an: bool) -> acb:
    if z.is_zero():
        raise Undefined("log 0")
    return z.log(analytic=an)


def _sign(z: acb, an: bool) -> acb:
    if an or is_real(z):
        return z.real_sgn(analytic=an)
    return _nan() if an else z.sgn()


def _abs(z: acb, an: bool) -> acb:
    if an or is_real(z):
        return z.real_abs(analytic=an)
    return _nan() if an else acb(abs(z))


#: The key of an evaluation environment that holds the exact point (symbol -> int or Fraction; None for
#: a variable of integration, whose value is a ball).
_EXACT = "__exact__"
#: Environment key of a deep evaluation (integrals enclosed to half the working precision).
_DEEP = "__deep__"
#: Functions that jump: where the ball of their argument touches the jump, the ball cannot decide the
#: value (a wide or non-shrinking ball), so an argument that is a rational function of the point is
#: evaluated exactly instead (floor(n/3) at n = 5, Heaviside(x - 1/3) at x = 1/3).
_JUMPS = (sp.floor, sp.ceiling, sp.sign, sp.Heaviside, sp.frac)


def _rational_evaluator(e: sp.Basic) -> Callable[[dict], Fraction | None] | None:
    """An exact evaluator of a rational function with rational coefficients (at an exact point), or None.

    The evaluator returns None where a coordinate is not exact (a variable of integration) and raises
    :class:`Undefined` at a pole."""
    if isinstance(e, sp.Rational):
        value = Fraction(int(e.p), int(e.q))
        return lambda ex: value
    if isinstance(e, sp.Float):
        r = sp.Rational(e)
        value = Fraction(int(r.p), int(r.q))
        return lambda ex: value
    if isinstance(e, sp.Symbol):
        return lambda ex: None if ex.get(e) is None else Fraction(ex[e])
    if isinstance(e, (sp.Add, sp.Mul)):
        parts = [_rational_evaluator(a) for a in e.args]
        if any(p is None for p in parts):
            return None
        is_add = isinstance(e, sp.Add)

        def fold(ex: dict) -> Fraction | None:
            total = Fraction(0) if is_add else Fraction(1)
            for p in parts:
                v = p(ex)
                if v is None:
                    return None
                total = total + v if is_add else total * v
            return total
        return fold
    if isinstance(e, sp.Pow) and isinstance(e.exp, sp.Integer) and abs(int(e.exp)) <= 64:
        base, n = _rational_evaluator(e.base), int(e.exp)
        if base is None:
            return None

        def power(ex: dict) -> Fraction | None:
            v = base(ex)
            if v is None:
                return None
            if v == 0 and n < 0:
                raise Undefined("division by zero")
            return v**n
        return power
    return None


def _exact_jump(kind: type, q: Fraction) -> acb:
    """The exact value of a jumping function at an exact rational argument."""
    if kind is sp.floor:
        return acb(arb(fmpz(q.numerator // q.denominator)))
    if kind is sp.ceiling:
        return acb(arb(fmpz(-((-q.numerator) // q.denominator))))
    if kind is sp.frac:
        r = q - q.numerator // q.denominator
        return acb(arb(fmpq(r.numerator, r.denominator)))
    if kind is sp.sign:
        return acb((q > 0) - (q < 0))
    if kind is sp.Heaviside:  # one argument: sympy's Heaviside(0) is 1/2
        return acb(arb(fmpq(1, 2))) if q == 0 else acb(int(q > 0))
    raise NoEnclosure(str(kind))


def _heaviside(z: acb, an: bool) -> acb:
    if not (an or is_real(z)):
        raise NoEnclosure("Heaviside of a value that is not certainly real")
    return z.real_heaviside(analytic=an)


def _floor(z: acb, an: bool) -> acb:
    if not (an or is_real(z)):
        raise NoEnclosure("floor of a value that is not certainly real")
    return z.real_floor(analytic=an)


def _ceiling(z: acb, an: bool) -> acb:
    if not (an or is_real(z)):
        raise NoEnclosure("ceiling of a value that is not certainly real")
    return -((-z).real_floor(analytic=an))


def _asin(z: acb, an: bool) -> acb:
    if an and not (z.real.abs_upper() < 1):
        return _nan()
    return z.asin()


def _acos(z: acb, an: bool) -> acb:
    if an and not (z.real.abs_upper() < 1):
        return _nan()
    return z.acos()


def _atanh(z: acb, an: bool) -> acb:
    if an and not (z.real.abs_upper() < 1):
        return _nan()
    return z.atanh()


def _acosh(z: acb, an: bool) -> acb:
    if an and not (z.real.lower() > 1):
        return _nan()
    return z.acosh()


def _atan(z: acb, an: bool) -> acb:
    if an and not (z.imag.abs_upper() < 1):
        return _nan()
    return z.atan()


def _asinh(z: acb, an: bool) -> acb:
    if an and not (z.imag.abs_upper() < 1):
        return _nan()
    return z.asinh()


def _lgamma(z: acb, an: bool) -> acb:
    if an and not (z.real.lower() > 0):
        return _nan()
    return z.lgamma()


def _re(z: acb, an: bool) -> acb:
    return _nan() if an else acb(z.real)


def _im(z: acb, an: bool) -> acb:
    return _nan() if an else acb(z.imag)


def _conj(z: acb, an: bool) -> acb:
    return _nan() if an else z.conjugate()


UNARY: dict[type, Callable[[acb, bool], acb]] = {
    sp.exp: lambda z, an: z.exp(),
    sp.log: _log,
    sp.sin: lambda z, an: z.sin(),
    sp.cos: lambda z, an: z.cos(),
    sp.tan: lambda z, an: z.tan(),
    sp.cot: lambda z, an: z.cot(),
    sp.sec: lambda z, an: z.sec(),
    sp.csc: lambda z, an: z.csc(),
    sp.sinh: lambda z, an: z.sinh(),
    sp.cosh: lambda z, an: z.cosh(),
    sp.tanh: lambda z, an: z.tanh(),
    sp.coth: lambda z, an: z.coth(),
    sp.sech: lambda z, an: z.sech(),
    sp.csch: lambda z, an: z.csch(),
    sp.asin: _asin,
    sp.acos: _acos,
    sp.atan: _atan,
    sp.asinh: _asinh,
    sp.acosh: _acosh,
    sp.atanh: _atanh,
    sp.erf: lambda z, an: z.erf(),
    sp.erfc: lambda z, an: z.erfc(),
    sp.erfi: lambda z, an: z.erfi(),
    sp.gamma: lambda z, an: z.gamma(),
    sp.loggamma: _lgamma,
    sp.digamma: lambda z, an: z.digamma(),
    sp.Abs: _abs,
    sp.sign: _sign,
    sp.Heaviside: _heaviside,
    sp.floor: _floor,
    sp.ceiling: _ceiling,
    sp.frac: lambda z, an: z - _floor(z, an),
    sp.re: _re,
    sp.im: _im,
    sp.conjugate: _conj,
    sp.sinc: lambda z, an: z.sinc(),
    sp.Si: lambda z, an: z.si(),
    sp.Ci: lambda z, an: _nan() if an else z.ci(),
    sp.Ei: lambda z, an: _nan() if an else z.ei(),
    sp.LambertW: lambda z, an: _nan() if an else z.lambertw(),
    sp.harmonic: lambda z, an: (z + 1).digamma() + acb(arb.const_euler()),
    sp.acot: lambda z, an: acb(arb.pi()) / 2 if z.is_zero() else _atan(1 / z, an),
    sp.erfinv: lambda z, an: _erfinv(z),
}


def _erfinv(z: acb) -> acb:
    if not is_real(z):
        raise NoEnclosure("erfinv of a value that is not certainly real")
    return acb(z.real.erfinv())


def _constant(e: sp.Basic) -> Callable[[], acb] | None:
    if e is sp.pi:
        return lambda: acb(arb.pi())
    if e is sp.E:
        return lambda: acb(arb.const_e())
    if e is sp.EulerGamma:
        return lambda: acb(arb.const_euler())
    if e is sp.Catalan:
        return lambda: acb(arb.const_catalan())
    if e is sp.I:
        return lambda: acb(0, 1)
    if isinstance(e, sp.Integer):
        p = int(e)
        return lambda: acb(arb(fmpz(p)))
    if isinstance(e, sp.Rational):
        p, q = int(e.p), int(e.q)
        return lambda: acb(arb(fmpq(p, q)))
    if isinstance(e, sp.Float):
        r = sp.Rational(e)
        p, q = int(r.p), int(r.q)
        return lambda: acb(arb(fmpq(p, q)))
    if e is sp.GoldenRatio:
        return lambda: (1 + acb(5).sqrt()) / 2
    return None


_Fn = Callable[[dict, bool, _Budget], acb]

_SPECIAL = (sp.factorial, sp.binomial, sp.beta, sp.polygamma, sp.besselj, sp.bessely, sp.besseli, sp.besselk,
            sp.zeta, sp.uppergamma, sp.lowergamma, sp.RisingFactorial, sp.atan2, sp.polylog, sp.expint)


def _min_cost(e: sp.Basic) -> int:
    """A lower bound on the operations one evaluation of ``e`` spends (mirrors ``Enclosure._compile``;
    parts that may not run, Piecewise branches and inner sums or integrals, count 0)."""
    if _constant(e) is not None or isinstance(e, sp.Symbol) or not e.args:
        return 0
    if isinstance(e, (sp.Add, sp.Mul, sp.Max, sp.Min)) or isinstance(e, _SPECIAL):
        return len(e.args) + sum(_min_cost(a) for a in e.args)
    if isinstance(e, sp.Pow) or isinstance(e, sp.Heaviside) or type(e) in UNARY or e.func in UNARY:
        return 1 + sum(_min_cost(a) for a in e.args[:1 if isinstance(e, sp.Heaviside) else None])
    return 0


def _exact_integer(z: acb) -> int | None:
    if not is_real(z):
        return None
    n = z.real.unique_fmpz()
    return None if n is None else int(n)


class Enclosure:
    """``Enclosure(expr, symbols)(point, prec) -> acb``: a ball certainly containing ``expr`` at ``point``.

    Raises :class:`Undefined` where the expression has no finite value and :class:`NoEnclosure` where
    no rigorous ball can be computed (including an unsupported construct, found at compile time).
    """

    def __init__(self, expr: sp.Basic, symbols: Sequence[sp.Symbol]) -> None:
        self.expr = expr
        self.symbols = list(symbols)
        self.spent = 0
        try:
            self._fn: _Fn | None = self._compile(expr)
            self.problem = ""
        except NoEnclosure as exc:
            self._fn, self.problem = None, str(exc)

    # ------------------------------------------------------------ compilation
    def _compile(self, e: sp.Basic) -> _Fn:
        const = _constant(e)
        if const is not None:
            return lambda env, an, b: const()
        if isinstance(e, sp.Symbol):
            return lambda env, an, b: env[e]
        if e in (sp.nan, sp.zoo, sp.oo, -sp.oo):
            def undefined(env: dict, an: bool, b: _Budget) -> acb:
                raise Undefined(str(e))
            return undefined
        if isinstance(e, sp.Add):
            parts = [self._compile(a) for a in e.args]

            def add(env: dict, an: bool, b: _Budget) -> acb:
                b.spend(len(parts))
                total = parts[0](env, an, b)
                for p in parts[1:]:
                    total = total + p(env, an, b)
                return total
            return add
        if isinstance(e, sp.Mul):
            parts = [self._compile(a) for a in e.args]

            def mul(env: dict, an: bool, b: _Budget) -> acb:
                b.spend(len(parts))
                total = parts[0](env, an, b)
                for p in parts[1:]:
                    total = total * p(env, an, b)
                return total
            return mul
        if isinstance(e, sp.Pow):
            return self._compile_pow(e)
        if isinstance(e, (sp.Max, sp.Min)):
            parts = [self._compile(a) for a in e.args]
            is_max = isinstance(e, sp.Max)

            def extremum(env: dict, an: bool, b: _Budget) -> acb:
                b.spend(len(parts))
                vals = [p(env, an, b) for p in parts]
                if not an and not all(is_real(v) for v in vals):
                    raise NoEnclosure("Max/Min of a value that is not certainly real")
                out = vals[0]
                for v in vals[1:]:
                    out = out.real_max(v, analytic=an) if is_max else out.real_min(v, analytic=an)
                return out
            return extremum
        if isinstance(e, sp.Heaviside) and len(e.args) == 2:  # Heaviside(x, H0): H0 is its value at 0
            arg, at_zero = self._compile(e.args[0]), self._compile(e.args[1])
            exact = _rational_evaluator(e.args[0])

            def heaviside(env: dict, an: bool, b: _Budget) -> acb:
                b.spend()
                z = arg(env, an, b)
                if not an and exact is not None and z.real.contains(0) and not z.is_zero():
                    q = exact(env.get(_EXACT, {}))
                    if q is not None:
                        return at_zero(env, an, b) if q == 0 else acb(int(q > 0))
                if z.is_zero():
                    return at_zero(env, an, b)
                return _heaviside(z, an)
            return heaviside
        if type(e) in UNARY or e.func in UNARY:
            fn = UNARY.get(type(e)) or UNARY[e.func]
            if len(e.args) != 1:
                raise NoEnclosure(f"{e.func} with {len(e.args)} arguments")
            arg = self._compile(e.args[0])
            exact = _rational_evaluator(e.args[0]) if isinstance(e, _JUMPS) else None
            if exact is not None:
                kind = type(e)

                def jump(env: dict, an: bool, b: _Budget) -> acb:
                    b.spend()
                    z = arg(env, an, b)
                    if not an and is_real(z):
                        # the ball may touch the jump (an integer, or 0): decide exactly where it can
                        q = exact(env.get(_EXACT, {}))
                        if q is not None:
                            return _exact_jump(kind, q)
                    return fn(z, an)
                return jump

            def unary(env: dict, an: bool, b: _Budget) -> acb:
                b.spend()
                return fn(arg(env, an, b), an)
            return unary
        if isinstance(e, sp.Mod):
            return self._compile_mod(e)
        if isinstance(e, _SPECIAL):
            return self._compile_special(e)
        if isinstance(e, sp.Piecewise):
            return self._compile_piecewise(e)
        if isinstance(e, (sp.Sum, sp.Product)):
            return self._compile_sum(e)
        if isinstance(e, sp.Integral):
            return self._compile_integral(e)
        raise NoEnclosure(f"no rigorous enclosure for {type(e).__name__}")

    def _compile_pow(self, e: sp.Pow) -> _Fn:
        base = self._compile(e.base)
        ex = e.exp
        if isinstance(ex, sp.Integer):
            n = int(ex)

            def ipow(env: dict, an: bool, b: _Budget) -> acb:
                b.spend()
                z = base(env, an, b)
                if n < 0 and z.is_zero():
                    raise Undefined("division by zero")
                return z ** n
            return ipow
        if isinstance(ex, sp.Rational) and ex.q == 2:
            p = int(ex.p)

            def half(env: dict, an: bool, b: _Budget) -> acb:
                b.spend()
                z = base(env, an, b)
                if p < 0 and z.is_zero():
                    raise Undefined("division by zero")
                return z.sqrt(analytic=an) ** p
            return half
        if e.base is sp.E:
            ex_fn = self._compile(ex)
            return lambda env, an, b: (b.spend(), ex_fn(env, an, b).exp())[1]
        ex_fn = self._compile(ex)

        def gpow(env: dict, an: bool, b: _Budget) -> acb:
            b.spend()
            z, w = base(env, an, b), ex_fn(env, an, b)
            if z.is_zero():
                if is_real(w) and w.real > 0:
                    return acb(0)
                raise Undefined("0 to a power that is not positive")
            if not an and z.real.contains(0) and z.imag.contains(0) and is_real(w) and w.real > 0:
                # a ball around 0 (an end of an integral): |z^w| = |z|^w <= U^w for |z| <= U
                upper = arb(abs(z).upper())
                bound = upper ** (w.real.lower() if upper <= 1 else w.real.upper())
                return acb(arb(0, bound.upper()), arb(0, bound.upper()))
            return z.pow(w, analytic=an)
        return gpow

    def _compile_mod(self, e: sp.Mod) -> _Fn:
        """sympy's ``Mod(a, b) = a - b floor(a/b)`` for real values: exact at a point where both are
        rational functions of it (the ball of a/b may touch a jump), else by ball arithmetic."""
        num, den = self._compile(e.args[0]), self._compile(e.args[1])
        exact_num, exact_den = _rational_evaluator(e.args[0]), _rational_evaluator(e.args[1])

        def mod(env: dict, an: bool, b: _Budget) -> acb:
            b.spend(2)
            if an:
                return _nan()
            if exact_num is not None and exact_den is not None:
                ex = env.get(_EXACT, {})
                p, q = exact_num(ex), exact_den(ex)
                if p is not None and q is not None:
                    if q == 0:
                        raise Undefined("Mod by zero")
                    r = p - q * (p // q)
                    return acb(arb(fmpq(r.numerator, r.denominator)))
            z, w = num(env, an, b), den(env, an, b)
            if not (is_real(z) and is_real(w)):
                raise NoEnclosure("Mod of values that are not certainly real")
            if w.is_zero():
                raise Undefined("Mod by zero")
            return z - w * _floor(z / w, False)
        return mod

    def _compile_special(self, e: sp.Basic) -> _Fn:
        args = [self._compile(a) for a in e.args]
        kind = type(e)

        def special(env: dict, an: bool, b: _Budget) -> acb:
            b.spend(len(args))
            v = [a(env, an, b) for a in args]
            if kind is sp.factorial:
                nk = _exact_integer(v[0])
                if nk is not None and 0 <= nk <= EXACT_INTEGER_ARG:  # exact: cheaper than gamma at high precision
                    return acb(fmpz.fac_ui(nk))
                return (v[0] + 1).gamma()
            if kind is sp.binomial:
                n, k = v
                nk, kk = _exact_integer(n), _exact_integer(k)
                if nk is not None and kk is not None and nk < 0:
                    raise NoEnclosure("binomial with a negative integer top")
                if nk is not None and kk is not None and nk <= EXACT_INTEGER_ARG:
                    # exact integers: the exact binomial (0 outside 0..n, as sympy and the gamma form say)
                    return acb(fmpz.bin_uiui(nk, kk)) if 0 <= kk <= nk else acb(0)
                return (n + 1).gamma() * (k + 1).rgamma() * (n - k + 1).rgamma()
            if kind is sp.beta:
                if len(v) != 2:
                    raise NoEnclosure("beta with one argument")
                return v[0].gamma() * v[1].gamma() * (v[0] + v[1]).rgamma()
            if kind is sp.polygamma:
                return v[1].polygamma(v[0])
            if kind is sp.besselj:
                return v[1].bessel_j(v[0])
            if kind is sp.bessely:
                return v[1].bessel_y(v[0])
            if kind is sp.besseli:
                return v[1].bessel_i(v[0])
            if kind is sp.besselk:
                return v[1].bessel_k(v[0])
            if kind is sp.zeta:
                return v[0].zeta() if len(v) == 1 else v[0].zeta(v[1])
            if kind is sp.uppergamma:
                return v[1].gamma_upper(v[0])
            if kind is sp.lowergamma:
                return v[1].gamma_lower(v[0])
            if kind is sp.RisingFactorial:
                return v[0].rising(v[1])
            if kind is sp.atan2:
                if not (is_real(v[0]) and is_real(v[1])):
                    raise NoEnclosure("atan2 of values that are not certainly real")
                if v[0].is_zero() and v[1].is_zero():
                    raise Undefined("atan2(0, 0)")
                return acb(arb.atan2(v[0].real, v[1].real))
            if kind is sp.polylog:
                return v[1].polylog(v[0])
            if kind is sp.expint:  # the generalised exponential integral E_nu(z)
                return v[1].expint(v[0])
            raise NoEnclosure(str(kind))
        return special

    def _compile_condition(self, c: sp.Basic) -> Callable[[dict, _Budget], bool]:
        """A condition decided with certainty at the point, or NoEnclosure when the balls cannot tell."""
        if c is sp.true or c is True:
            return lambda env, b: True
        if c is sp.false or c is False:
            return lambda env, b: False
        if isinstance(c, (sp.And, sp.Or)):
            parts = [self._compile_condition(a) for a in c.args]
            if isinstance(c, sp.And):
                return lambda env, b: all(p(env, b) for p in parts)
            return lambda env, b: any(p(env, b) for p in parts)
        if isinstance(c, sp.Not):
            inner = self._compile_condition(c.args[0])
            return lambda env, b: not inner(env, b)
        if isinstance(c, (sp.StrictLessThan, sp.LessThan, sp.StrictGreaterThan, sp.GreaterThan, sp.Eq, sp.Ne)):
            diff = self._compile(c.lhs - c.rhs)
            exact = _rational_evaluator(c.lhs - c.rhs)
            kind = type(c)

            def rel(env: dict, b: _Budget) -> bool:
                z = diff(env, False, b)
                if not is_real(z):
                    raise NoEnclosure("a condition on a value that is not certainly real")
                x = z.real
                q = exact(env.get(_EXACT, {})) if exact is not None and x.contains(0) else None
                if q is not None:  # the ball touches 0: an exact rational difference decides
                    sign = (q > 0) - (q < 0)
                elif x.is_zero():
                    sign = 0
                elif x > 0:
                    sign = 1
                elif x < 0:
                    sign = -1
                else:
                    raise NoEnclosure("a condition that the enclosure cannot decide")
                return {sp.StrictLessThan: sign < 0, sp.LessThan: sign <= 0, sp.StrictGreaterThan: sign > 0,
                        sp.GreaterThan: sign >= 0, sp.Eq: sign == 0, sp.Ne: sign != 0}[kind]
            return rel
        raise NoEnclosure(f"no rigorous decision of the condition {type(c).__name__}")

    def _lazy(self, expr: sp.Basic) -> _Fn:
        """Compile on first use: a branch that is never taken may hold what has no enclosure."""
        compiled: list[_Fn] = []

        def run(env: dict, an: bool, b: _Budget) -> acb:
            if not compiled:
                compiled.append(self._compile(expr))
            return compiled[0](env, an, b)
        return run

    def _compile_piecewise(self, e: sp.Piecewise) -> _Fn:
        branches = [(self._lazy(expr), self._compile_condition(cond)) for expr, cond in e.args]

        def piecewise(env: dict, an: bool, b: _Budget) -> acb:
            if an:
                return _nan()
            b.spend(len(branches))
            for value, cond in branches:
                if cond(env, b):
                    return value(env, an, b)
            raise Undefined("no branch of the Piecewise applies")
        return piecewise

    def _compile_sum(self, node: sp.Basic) -> _Fn:
        *inner_limits, last = node.limits
        if len(last) != 3:
            raise NoEnclosure("an indefinite sum has no value at a point")
        var, lo, hi = last
        if lo.has(sp.oo, -sp.oo) or hi.has(sp.oo, -sp.oo):
            raise Unbounded("an infinite sum or product (its tail cannot be bounded in general)")
        inner = type(node)(node.function, *inner_limits) if inner_limits else node.function
        body, low, high = self._compile(inner), self._compile(lo), self._compile(hi)
        is_sum = isinstance(node, sp.Sum)
        per_term = _min_cost(inner)

        def run(env: dict, an: bool, b: _Budget) -> acb:
            if an:
                return _nan()
            a, c = _exact_integer(low(env, an, b)), _exact_integer(high(env, an, b))
            if a is None or c is None:
                # an infinite sum: its tail cannot be bounded in general, so no enclosure
                raise NoEnclosure("an infinite or non-integer range of summation")
            if c == a - 1:
                return acb(0) if is_sum else acb(1)
            if c >= a:
                rng, invert = range(a, c + 1), False
            else:  # Karr's convention: sum_{a}^{c} = -sum_{c+1}^{a-1}
                rng, invert = range(c + 1, a), True
            b.spend(len(rng))
            if len(rng) * per_term > b.left:
                # every term spends at least per_term operations: the sum would surely overrun the budget,
                # so refuse it now instead of after evaluating the terms that fit
                raise NoEnclosure("more operations than the budget")
            total = acb(0) if is_sum else acb(1)
            exact = env.get(_EXACT, {})
            for k in rng:
                term = body({**env, var: acb(k), _EXACT: {**exact, var: k}}, an, b)
                total = total + term if is_sum else total * term
            if invert:
                return -total if is_sum else 1 / total
            return total
        return run

    def _compile_integral(self, node: sp.Integral) -> _Fn:
        *inner_limits, last = node.limits
        if len(last) != 3:
            raise NoEnclosure("an indefinite integral has no value at a point")
        var, lo, hi = last
        if lo.has(sp.oo, -sp.oo) or hi.has(sp.oo, -sp.oo):
            raise Unbounded("an integral over an infinite range (its tails cannot be bounded in general)")
        inner = sp.Integral(node.function, *inner_limits) if inner_limits else node.function
        body, low, high = self._compile(inner), self._compile(lo), self._compile(hi)

        def run(env: dict, an: bool, b: _Budget) -> acb:
            if an:
                return _nan()
            a, c = low(env, an, b), high(env, an, b)
            if not (is_real(a) and is_real(c)):
                raise NoEnclosure("complex limits of integration")
            calls = [0]

            def f(z: acb, analytic: bool) -> acb:
                calls[0] += 1
                try:
                    return body({**env, var: z, _EXACT: {**env.get(_EXACT, {}), var: None}}, bool(analytic), b)
                except (Undefined, NoEnclosure):  # a non-finite value makes acb.integral subdivide or give up
                    return _nan()

            if b.left <= 0:
                raise NoEnclosure("more operations than the budget")
            am, cm = acb(a.real.mid()), acb(c.real.mid())
            # the goal is a quarter of the working precision: enough for a radius that shrinks as the
            # precision rises, without an evaluation count that explodes at kinks; the deep check before
            # a claim is accepted asks for half (int_0^1000 exp(-u) du differs from 1 by 2**-1443)
            goal = arb(2) ** (-(ctx.prec // (2 if env.get(_DEEP) else 4)))
            try:
                value = acb.integral(f, am, cm, rel_tol=goal, abs_tol=goal, eval_limit=INTEGRAL_EVALS,
                                     depth_limit=ctx.prec)
            except SystemError as exc:  # an exception inside the integrand (e.g. the budget ran out)
                raise NoEnclosure("the integral could not be enclosed") from exc
            if b.left < 0:
                raise NoEnclosure("more operations than the budget")
            if not value.is_finite():
                raise NoEnclosure("the integral could not be enclosed")
            # a real integrand on the real segment has a real integral: drop the imaginary noise
            segment = acb(a.real.union(c.real))
            try:
                if is_real(body({**env, var: segment}, False, b)):
                    value = acb(value.real)
            except (Undefined, NoEnclosure):
                pass
            # the limits are balls: add |f| on each limit's ball times its radius
            for end in (a, c):
                r = end.real.rad()
                if r != 0:
                    bound = body({**env, var: end}, False, b)
                    value = value + acb(arb(0, abs(bound).upper() * r))
            return value
        return run

    # ------------------------------------------------------------ evaluation
    def __call__(self, point: dict, prec: int, budget: int = OPERATION_BUDGET, deep: bool = False) -> acb:
        if self._fn is None:
            raise NoEnclosure(self.problem)
        if self.spent >= CLAIM_BUDGET:
            raise NoEnclosure(f"the claim used up its budget of {CLAIM_BUDGET} operations")
        if prec > MAX_PREC:
            raise ValueError(f"precision {prec} bits is above the cap of {MAX_PREC}")
        allowed = min(budget, CLAIM_BUDGET - self.spent)
        meter = _Budget(allowed)
        old = ctx.prec
        ctx.prec = prec
        try:
            env = {s: ball(point[s]) for s in self.symbols}
            env[_EXACT] = {s: point[s] for s in self.symbols}
            if deep:
                env[_DEEP] = True
            value = self._fn(env, False, meter)
        except (ZeroDivisionError, OverflowError) as exc:
            raise Undefined(str(exc)) from exc
        except (Undefined, NoEnclosure):
            raise
        except (ValueError, TypeError, AssertionError, NotImplementedError, KeyError) as exc:
            raise NoEnclosure(f"{type(exc).__name__}: {exc}") from exc
        finally:
            ctx.prec = old
            self.spent += allowed - max(meter.left, 0)
        if not value.is_finite():
            raise NoEnclosure("the enclosure is not finite (a pole, or not enough precision)")
        return value
