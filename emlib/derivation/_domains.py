"""Where the numeric route draws its points from.

A domain covers a set of symbols and yields *exact* points: every value is a Python ``int`` or a
``fractions.Fraction`` (a float drawn at random is kept as the exact binary number it is), so a point
means the same thing at every working precision and constraints such as ``q1 + q2 + q3 = 1`` hold
exactly.

Each domain gives deterministic special points (0 where allowed, +-1, tiny and huge magnitudes,
integers and half-integers, points next to the boundary) and random points that cover the whole
declared set, with magnitudes spread over many decades. A domain also states what it implies about
its symbols (for the symbolic routes), the substitutions that make its coordinates independent (for
the exact-residual rule), and whether a symbol's own sympy assumptions contradict it.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Iterable, Sequence

import numpy as np
import sympy as sp

from .errors import DomainError

__all__ = ["Domain", "Real", "Positive", "Interval", "Integer", "Simplex", "SPD", "default_domain",
           "normalise_domains"]

#: Decades covered by most random magnitudes (10**-8 .. 10**8), by the rest (10**-40 .. 10**40), and by
#: the special points (10**-40 .. 10**40).
LOG_SPAN = 8.0
WIDE_LOG_SPAN = 40.0
SPECIAL_MAGNITUDES = (1, 2, 3, Fraction(1, 2), Fraction(1, 3), 10, Fraction(1, 10), Fraction(3, 2),
                      Fraction(1, 10**6), 10**6, Fraction(1, 10**12), 10**12, Fraction(1, 10**20), 10**20,
                      Fraction(1, 10**40), 10**40)
#: Distances from the finite end of an interval at which special points sit (relative to its width or scale).
END_DISTANCES = (1, 4, 8, 12, 16, 24)
#: Special integers beyond the small ones: magnitudes users meet (counts, sizes, 64-bit limits).
LARGE_INTEGERS = (10**6, 10**12, 2**53 + 1, 10**18, 2**64 + 1)
#: The largest magnitude of a random integer (log-uniform above 1000 for 30% of the draws).
INTEGER_LOG_SPAN = 18.0


def _as_symbols(symbols: Iterable[object], cls: str) -> tuple[sp.Symbol, ...]:
    out = tuple(symbols)
    if not out:
        raise ValueError(f"{cls} needs at least one symbol")
    for s in out:
        if not isinstance(s, sp.Symbol):
            raise TypeError(f"{cls} takes sympy Symbols, got {type(s).__name__} {s!r}")
    if len(set(out)) != len(out):
        raise ValueError(f"{cls} got the same symbol twice")
    return out


def _exact(value: float | int | Fraction) -> int | Fraction:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, Fraction):
        return value
    out = Fraction(float(value))
    return int(out) if out.denominator == 1 else out


def _bound(value: float | int | Fraction | None, name: str) -> Fraction | None:
    if value is None:
        return None
    if isinstance(value, sp.Rational):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not np.isfinite(float(value)):
        raise ValueError(f"{name} must be finite, got {value}")
    if isinstance(value, (float, np.floating)):
        return Fraction(repr(float(value)))  # the decimal written: 0.1 is 1/10
    return Fraction(value) if not isinstance(value, Fraction) else value


class Domain:
    """A set of symbols and the points their values are drawn from.

    Subclasses define :meth:`special_points`, :meth:`random_point`, :attr:`assumptions` and
    :meth:`describe`; :meth:`contradiction` reports a symbol whose own assumptions the domain
    violates; :meth:`reduction` maps dependent coordinates to independent ones.
    """

    symbols: tuple[sp.Symbol, ...] = ()
    #: assumptions every point of the domain satisfies (given to the symbolic routes)
    assumptions: dict[str, bool] = {}

    def special_points(self) -> list[dict[sp.Symbol, int | Fraction]]:
        return []

    def random_point(self, rng: np.random.Generator) -> dict[sp.Symbol, int | Fraction]:
        raise NotImplementedError

    def finite_points(self) -> list[dict[sp.Symbol, int | Fraction]] | None:
        """Every point of the domain when it is finite and small (checked exhaustively), else None."""
        return None

    def reduction(self) -> dict[sp.Symbol, sp.Expr]:
        """Substitutions that express dependent coordinates through independent ones."""
        return {}

    def full_dimensional(self, expr: sp.Expr) -> bool:
        """True if a nonzero polynomial ``expr`` (after :meth:`reduction`) cannot vanish on the whole domain."""
        return True

    def implied(self, symbol: sp.Symbol) -> dict[str, bool]:
        """The sympy assumptions that every point of the domain satisfies for ``symbol``."""
        return dict(self.assumptions)

    def contradiction(self, symbol: sp.Symbol) -> str | None:
        """A message if ``symbol``'s own sympy assumptions exclude points of this domain.

        Every assumption the symbol carries (positive, integer, even, odd, nonzero, rational, prime, ...)
        must follow from what the domain guarantees (:meth:`implied`); otherwise the symbolic routes
        would use a fact that the sampled points violate.
        """
        return _assumption_contradiction(symbol, self.implied(symbol), self.describe())

    def describe(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(str, self.symbols))})"


def _assumption_contradiction(symbol: sp.Symbol, implied: dict[str, bool], where: str) -> str | None:
    """Name every assumption of ``symbol`` that the domain's guaranteed facts ``implied`` do not entail."""
    try:
        model = sp.Dummy("d", finite=True, **implied)
    except Exception:  # an inconsistent set of facts guarantees nothing
        model = sp.Dummy("d")
    problems = []
    for key, value in sorted(getattr(symbol, "_assumptions_orig", symbol.assumptions0).items()):
        if key == "commutative" or value is None:
            continue
        if getattr(model, f"is_{key}", None) is not value:
            problems.append(key if value else f"not {key}")
    if problems:
        return (f"symbol {symbol} was created {'/'.join(problems)} but is declared over {where}, which has "
                f"points outside that; create the symbol without those assumptions or declare a matching domain")
    return None


class Interval(Domain):
    """Real symbols in the closed interval ``[low, high]`` (either end may be None for unbounded).

    Points: the ends, points at relative distances 1e-1 .. 1e-24 from each finite end, 0, +-1 and
    magnitudes 1e+-6 .. 1e+-40 when inside, and random points: uniform inside a bounded interval or at
    log-spaced distances (down to 1e-24) from an end; on an unbounded side, magnitudes spread over
    16 decades, and over 80 decades for 15% of the draws. A float bound means the decimal written.
    """

    #: whether an end that is given is excluded (only the defaults of Positive and negative symbols)
    open_low = False
    open_high = False

    def __init__(self, *symbols: sp.Symbol, low: float | None, high: float | None) -> None:
        self.symbols = _as_symbols(symbols, type(self).__name__)
        self.low, self.high = _bound(low, "low"), _bound(high, "high")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"{type(self).__name__} needs low < high, got low={low}, high={high}")
        if self.low is not None and self.low > 0:
            self.assumptions = {"positive": True}
        elif self.low is not None and self.low == 0:
            self.assumptions = {"nonnegative": True}
        elif self.high is not None and self.high < 0:
            self.assumptions = {"negative": True}
        elif self.high is not None and self.high == 0:
            self.assumptions = {"nonpositive": True}
        else:
            self.assumptions = {"real": True}
        self._specials = self._special_values()

    def _inside(self, v: Fraction | int) -> bool:
        return (self.low is None or v >= self.low) and (self.high is None or v <= self.high)

    def _special_values(self) -> list[int | Fraction]:
        out: list[Fraction | int] = []
        lo, hi = self.low, self.high
        if lo is not None:
            out.append(lo)
        if hi is not None:
            out.append(hi)
        if lo is not None and hi is not None:
            width = hi - lo
            out.append(lo + width / 2)
            for k in END_DISTANCES:
                out += [lo + width / 10**k, hi - width / 10**k]
        else:
            for k in END_DISTANCES:
                if lo is not None:
                    out.append(lo + max(abs(lo), 1) / 10**k)
                if hi is not None:
                    out.append(hi - max(abs(hi), 1) / 10**k)
        for m in (0,) + SPECIAL_MAGNITUDES:
            for v in ((m,) if m == 0 else (m, -m)):
                if self._inside(v):
                    out.append(v)
        seen: list[int | Fraction] = []
        for v in out:
            v = _exact(Fraction(v))
            if v not in seen:
                seen.append(v)
        return seen

    def special_points(self) -> list[dict[sp.Symbol, int | Fraction]]:
        # every symbol at the same special value: cheap, and it hits coincidences such as x = y
        return [{s: v for s in self.symbols} for v in self._specials]

    def _draw(self, rng: np.random.Generator) -> int | Fraction:
        lo, hi = self.low, self.high
        u = rng.random()
        if u < 0.2:
            return self._specials[int(rng.integers(len(self._specials)))]
        if lo is not None and hi is not None:
            if u < 0.7:
                return _exact(lo + (hi - lo) * Fraction(rng.random()))
            d = _grid(10.0 ** rng.uniform(-END_DISTANCES[-1], 0)) * (hi - lo)  # log-spaced distance from one end
            return _exact(lo + d if rng.random() < 0.5 else hi - d)
        if u < 0.45:
            magnitude = Fraction(rng.uniform(0, 4))
        elif u < 0.85:
            magnitude = _grid(10.0 ** rng.uniform(-LOG_SPAN, LOG_SPAN))
        else:  # the far decades: tiny and huge reals are where cancellation and overflow hide
            magnitude = _grid(10.0 ** rng.uniform(-WIDE_LOG_SPAN, WIDE_LOG_SPAN))
        if lo is None and hi is None:
            return _exact(magnitude if rng.random() < 0.5 else -magnitude)
        return _exact(lo + magnitude if lo is not None else hi - magnitude)

    def random_point(self, rng: np.random.Generator) -> dict[sp.Symbol, int | Fraction]:
        return {s: self._draw(rng) for s in self.symbols}

    def describe(self) -> str:
        lo = "-inf" if self.low is None else _fmt(self.low)
        hi = "inf" if self.high is None else _fmt(self.high)
        left = "(" if self.low is None else "["
        right = ")" if self.high is None else "]"
        return f"{', '.join(map(str, self.symbols))} in {left}{lo}, {hi}{right}"


def _fmt(v: Fraction | int) -> str:
    v = Fraction(v)
    return str(v.numerator) if v.denominator == 1 else f"{float(v):.6g}"


class Real(Interval):
    """Real symbols: the whole line by default, or ``[low, high]``."""

    def __init__(self, *symbols: sp.Symbol, low: float | None = None, high: float | None = None) -> None:
        super().__init__(*symbols, low=low, high=high)


class Positive(Interval):
    """Positive symbols: ``(0, inf)`` by default, or ``[low, high]`` with ``low > 0``."""

    def __init__(self, *symbols: sp.Symbol, low: float | None = None, high: float | None = None) -> None:
        if low is not None and not low > 0:
            raise ValueError(f"Positive needs low > 0, got {low}")
        super().__init__(*symbols, low=low, high=high)
        self._open_at_zero = self.open_low = low is None
        if self._open_at_zero:
            self.low = Fraction(0)
            self.assumptions = {"positive": True}
            self._specials = [v for v in self._special_values() if v != 0]

    def _draw(self, rng: np.random.Generator) -> int | Fraction:
        v = super()._draw(rng)
        return v if v != 0 else Fraction(1, 10**12)


    def describe(self) -> str:
        if self._open_at_zero:
            hi = "inf" if self.high is None else _fmt(self.high)
            return f"{', '.join(map(str, self.symbols))} in (0, {hi}{')' if self.high is None else ']'}"
        return super().describe()


class Integer(Domain):
    """Integer symbols in ``low..high`` (inclusive; either end may be None for unbounded).

    A small box (at most 4096 points in all) is checked exhaustively. Otherwise the points are the
    special integers 0, +-1, +-2, +-3, +-10, +-100, +-1000 and :data:`LARGE_INTEGERS` (1e6 to 2^64 + 1)
    that lie inside, the ends, and random integers: magnitudes up to 1000, and log-uniform up to
    10^:data:`INTEGER_LOG_SPAN` for 30% of the draws.
    """

    EXHAUSTIVE = 4096

    def __init__(self, *symbols: sp.Symbol, low: int | None = None, high: int | None = None) -> None:
        self.symbols = _as_symbols(symbols, "Integer")
        for name, v in (("low", low), ("high", high)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))):
                raise TypeError(f"Integer {name} must be an int or None, got {type(v).__name__}")
        self.low = None if low is None else int(low)
        self.high = None if high is None else int(high)
        if self.low is not None and self.high is not None and not self.low <= self.high:
            raise ValueError(f"Integer needs low <= high, got low={low}, high={high}")
        self.assumptions = {"integer": True}
        if self.low is not None and self.low > 0:
            self.assumptions["positive"] = True
        elif self.low is not None and self.low == 0:
            self.assumptions["nonnegative"] = True
        elif self.high is not None and self.high < 0:
            self.assumptions["negative"] = True
        elif self.high is not None and self.high == 0:
            self.assumptions["nonpositive"] = True
        specials = [0, 1, -1, 2, -2, 3, -3, 10, -10, 100, -100, 1000, -1000]
        specials += [v for v in (self.low, self.high) if v is not None]
        for big in LARGE_INTEGERS:
            specials += [big, -big]
            specials += [v + big for v in (self.low,) if v is not None] + [v - big for v in (self.high,) if v is not None]
        self._specials = list(dict.fromkeys(v for v in specials if self._inside(v)))

    def _inside(self, v: int) -> bool:
        return (self.low is None or v >= self.low) and (self.high is None or v <= self.high)

    def size(self) -> int | None:
        if self.low is None or self.high is None:
            return None
        return self.high - self.low + 1

    def finite_points(self) -> list[dict[sp.Symbol, int | Fraction]] | None:
        n = self.size()
        if n is None or n ** len(self.symbols) > self.EXHAUSTIVE:
            return None
        values = range(self.low, self.high + 1)
        return [dict(zip(self.symbols, combo)) for combo in itertools.product(values, repeat=len(self.symbols))]

    def special_points(self) -> list[dict[sp.Symbol, int | Fraction]]:
        return [{s: v for s in self.symbols} for v in self._specials]

    def _draw(self, rng: np.random.Generator) -> int:
        if rng.random() < 0.3 and self._specials:
            return self._specials[int(rng.integers(len(self._specials)))]
        if self.low is not None and self.high is not None and self.high - self.low <= 2000:
            return int(rng.integers(self.low, self.high + 1))
        if rng.random() < 0.7:
            magnitude = int(round(10.0 ** rng.uniform(0, 3)))
        else:  # far beyond 1000: exact integers of up to 18 digits
            magnitude = int(_grid(10.0 ** rng.uniform(3, INTEGER_LOG_SPAN)))
        if self.low is None and self.high is None:
            return magnitude if rng.random() < 0.5 else -magnitude
        if self.low is not None:
            v = self.low + magnitude - 1
            return v if self.high is None else min(v, self.high)
        return self.high - magnitude + 1

    def random_point(self, rng: np.random.Generator) -> dict[sp.Symbol, int | Fraction]:
        return {s: self._draw(rng) for s in self.symbols}

    def full_dimensional(self, expr: sp.Expr) -> bool:
        # a nonzero polynomial whose degree in each variable is below the number of values that
        # variable takes cannot vanish on the whole grid (the combinatorial Nullstellensatz)
        n = self.size()
        if n is None:
            return True
        try:
            return all(sp.degree(expr, s) < n for s in self.symbols if s in expr.free_symbols)
        except sp.PolynomialError:
            return False

    def describe(self) -> str:
        lo = "-inf" if self.low is None else str(self.low)
        hi = "inf" if self.high is None else str(self.high)
        return f"integers {', '.join(map(str, self.symbols))} in {lo}..{hi}"


class Simplex(Domain):
    """Symbols that together form a probability vector (every coordinate > 0, sum 1).

    With ``partial=True`` the symbols are all but the last coordinate (their sum is below one and the
    last coordinate is written as ``1 - sum`` in the expressions). Points: Dirichlet draws with
    concentrations from 0.05 to 20, the centre, and points 1e-3, 1e-9, 1e-16 and 1e-40 from every vertex
    and face.
    """

    def __init__(self, *symbols: sp.Symbol, partial: bool = False) -> None:
        self.symbols = _as_symbols(symbols, "Simplex")
        self.partial = bool(partial)
        self.n = len(self.symbols) + (1 if self.partial else 0)
        if self.n < 2:
            raise ValueError("Simplex needs at least two coordinates (one symbol with partial=True)")
        self.assumptions = {"positive": True}

    def _point(self, probs: Sequence[Fraction]) -> dict[sp.Symbol, int | Fraction]:
        return {s: _exact(p) for s, p in zip(self.symbols, probs)}

    @staticmethod
    def _complete(head: Sequence[Fraction]) -> list[Fraction]:
        return [*head, 1 - sum(head)]

    def special_points(self) -> list[dict[sp.Symbol, int | Fraction]]:
        n = self.n
        out = [self._complete([Fraction(1, n)] * (n - 1))]
        # down to 10**-40 from a vertex or face, like the reals' smallest magnitudes: log q1 > -40 fails only
        # where q1 < 4e-18, and the entropy exceeds 10**-30 everywhere but within 10**-32 of a vertex
        # (four distances, as before, so that the number of points of every claim stays the same)
        for eps in (Fraction(1, 10**3), Fraction(1, 10**9), Fraction(1, 10**16), Fraction(1, 10**40)):
            for vertex in range(n):
                head = [eps / (n - 1) if i != vertex else 1 - eps for i in range(n)]
                out.append(self._complete(head[:-1]))
            for face in range(n):  # one coordinate tiny, the rest equal
                head = [eps if i == face else (1 - eps) / (n - 1) for i in range(n)]
                out.append(self._complete(head[:-1]))
        return [self._point(p) for p in out]

    def random_point(self, rng: np.random.Generator) -> dict[sp.Symbol, int | Fraction]:
        alpha = 10.0 ** rng.uniform(np.log10(0.05), np.log10(20))
        while True:
            draw = rng.dirichlet(np.full(self.n, alpha))
            head = [_grid(float(v)) for v in draw[:-1]]
            last = 1 - sum(head)
            if all(v > 0 for v in head) and last > 0:
                return self._point([*head, last])

    def reduction(self) -> dict[sp.Symbol, sp.Expr]:
        if self.partial:
            return {}
        *head, last = self.symbols
        return {last: 1 - sp.Add(*head)}

    def describe(self) -> str:
        kind = "the first coordinates of a probability vector" if self.partial else "a probability vector"
        return f"{', '.join(map(str, self.symbols))} {kind}"


def _positive_definite(m: list[list[Fraction]]) -> bool:
    """Exact test: a symmetric rational matrix is positive definite iff every LDL^T pivot is > 0."""
    n = len(m)
    a = [row[:] for row in m]
    for k in range(n):
        if a[k][k] <= 0:
            return False
        for i in range(k + 1, n):
            f = a[i][k] / a[k][k]
            for j in range(k, n):
                a[i][j] -= f * a[k][j]
    return True


def _grid(v: float, bits: int = 40) -> Fraction:
    """A float rounded to a binary grid relative to its size: short exact rationals, and the same on every
    machine although libm's pow/exp/log may differ in the last bits (points are printed in refutations)."""
    if v == 0:
        return Fraction(0)
    e = int(np.floor(np.log2(abs(v))))
    return Fraction(round(v * 2.0 ** (bits - e))) / Fraction(2) ** (bits - e)


class SPD(Domain):
    """An explicit symbolic matrix whose entries take the values of a random symmetric positive-definite matrix.

    Works for a symmetric matrix of symbols (``S12`` used twice) and for a general one (``S12`` and
    ``S21`` distinct): both get the same symmetric value. Constant entries are kept: the constants must
    be symmetric numbers, and every drawn point is a completion of them that is exactly positive
    definite (checked in rational arithmetic). Points are exact: ``S = Q diag(l) Q^T`` with ``Q`` the
    Cayley transform of a random rational skew-symmetric matrix (exactly orthogonal, no BLAS involved)
    and rational eigenvalues spread over up to
    ``log10(max_condition)`` decades (default 1e24) at overall scales from 1e-6 to 1e6, so determinants
    and condition numbers range far beyond 1e8; the identity, a diagonal matrix with the full spread, a
    matrix of ones plus the identity, one within 1e-40 of singular and the identity scaled by 1e+-12 and
    1e+-40 are the special points.
    """

    #: Draws tried for a completion of the constant entries before giving up (deterministic).
    ATTEMPTS = 64

    def __init__(self, matrix: sp.MatrixBase, *, max_condition: float = 1e24) -> None:
        if not isinstance(matrix, sp.MatrixBase) or matrix.rows != matrix.cols:
            raise TypeError("SPD takes an explicit square sympy Matrix of symbols")
        self.matrix = matrix
        self.positions: list[tuple[sp.Symbol, int, int]] = []
        self.constants: dict[tuple[int, int], Fraction] = {}
        seen: dict[sp.Symbol, tuple[int, int]] = {}
        self._mirror: dict[sp.Symbol, sp.Symbol] = {}
        for i in range(matrix.rows):
            for j in range(matrix.cols):
                entry = matrix[i, j]
                if not isinstance(entry, sp.Symbol):
                    if not (isinstance(entry, sp.Expr) and entry.is_Rational or isinstance(entry, sp.Float)):
                        raise DomainError(f"SPD: entry ({i}, {j}) is {entry}, neither a symbol nor a rational number")
                    value = Fraction(str(sp.Rational(entry)))
                    if isinstance(matrix[j, i], sp.Symbol) or Fraction(str(sp.Rational(matrix[j, i]))) != value:
                        raise DomainError(f"SPD: the constant entry ({i}, {j}) = {entry} has no equal mirror entry ({j}, {i})")
                    self.constants[(i, j)] = value
                    continue
                if entry in seen and seen[entry] not in {(i, j), (j, i)}:
                    raise DomainError(f"SPD: symbol {entry} appears at non-mirror positions")
                seen.setdefault(entry, (i, j))
                self.positions.append((entry, i, j))
                other = matrix[j, i]
                if i > j and isinstance(other, sp.Symbol) and other != entry:
                    self._mirror[entry] = other
        self.symbols = tuple(seen)
        if not self.symbols:
            raise DomainError("SPD needs a matrix with at least one symbol")
        if any(i == j and v <= 0 for (i, j), v in self.constants.items()):
            raise DomainError("SPD: a constant diagonal entry is not positive, so no completion is positive definite")
        if not (max_condition >= 1 and np.isfinite(max_condition)):
            raise ValueError(f"max_condition must be a finite number >= 1, got {max_condition}")
        self.max_condition = float(max_condition)
        self.assumptions = {"real": True}
        if self.constants and self.random_point(np.random.default_rng(0)) is None:
            raise DomainError("SPD: no positive-definite completion of the constant entries was found")

    def _values(self, value: list[list[Fraction]]) -> dict[sp.Symbol, int | Fraction] | None:
        n = self.matrix.rows
        m = [[value[i][j] for j in range(n)] for i in range(n)]
        for (i, j), c in self.constants.items():
            m[i][j] = c
        if self.constants and not _positive_definite(m):
            return None
        return {s: _exact(m[i][j]) for s, i, j in self.positions}

    @staticmethod
    def _cayley(a: list[list[Fraction]]) -> list[list[Fraction]]:
        """The exactly orthogonal ``(I - A)(I + A)^-1`` of a skew-symmetric rational ``A`` (no BLAS)."""
        n = len(a)
        left = [[Fraction(int(i == j)) - a[i][j] for j in range(n)] for i in range(n)]
        # solve (I + A)^T X^T = (I - A)^T by Gauss-Jordan in rationals: X = (I - A)(I + A)^-1
        m = [[Fraction(int(i == j)) + a[j][i] for j in range(n)] + [left[k][i] for k in range(n)] for i in range(n)]
        for c in range(n):
            piv = next(r for r in range(c, n) if m[r][c] != 0)  # I + A is invertible for skew-symmetric A
            m[c], m[piv] = m[piv], m[c]
            m[c] = [v / m[c][c] for v in m[c]]
            for r in range(n):
                if r != c and m[r][c] != 0:
                    f = m[r][c]
                    m[r] = [x - f * y for x, y in zip(m[r], m[c])]
        xt = [row[n:] for row in m]
        return [[xt[j][i] for j in range(n)] for i in range(n)]

    def _exact_spd(self, v: list[list[Fraction]], eig: Sequence[Fraction]) -> list[list[Fraction]]:
        n = self.matrix.rows
        return [[sum(v[i][k] * eig[k] * v[j][k] for k in range(n)) for j in range(n)] for i in range(n)]

    def special_points(self) -> list[dict[sp.Symbol, int | Fraction]]:
        n = self.matrix.rows
        eye = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
        decades = int(np.log10(self.max_condition))
        diag = [[Fraction(1, 10 ** (decades * i // max(n - 1, 1))) if i == j else Fraction(0) for j in range(n)]
                for i in range(n)] if n > 1 else [[Fraction(3)]]
        ones = [[Fraction(1) if i == j else Fraction(1, 2) for j in range(n)] for i in range(n)]
        # all off-diagonal entries 1 - 10^-40: eigenvalue 10^-40 (n - 1 times), as close to singular as the
        # simplex's points come to its faces
        near = [[Fraction(1) if i == j else 1 - Fraction(1, 10**40) for j in range(n)] for i in range(n)]
        mats = [eye, diag, ones] + ([near] if n > 1 else [])
        for scale in (Fraction(10**12), Fraction(1, 10**12)):  # determinants far beyond 1e+-8
            mats += [[[v * scale for v in row] for row in m] for m in (eye, ones)]
        # the cone's far ends, like the reals' smallest and largest magnitudes: det S > 10^-30 fails there
        mats += [[[v * scale for v in row] for row in eye] for scale in (Fraction(1, 10**40), Fraction(10**40))]
        points = [self._values(m) for m in mats]
        return [p for p in points if p is not None]

    def random_point(self, rng: np.random.Generator) -> dict[sp.Symbol, int | Fraction]:
        n = self.matrix.rows
        for _ in range(self.ATTEMPTS):
            g = rng.standard_normal((n, n))
            skew = [[_grid(float(g[i, j] - g[j, i]), 20) if i != j else Fraction(0) for j in range(n)] for i in range(n)]
            q = self._cayley(skew)
            log_cond = rng.uniform(0, np.log10(self.max_condition))
            centre = rng.uniform(-6, 6) if rng.random() < 0.3 else rng.uniform(-2, 2)
            logs = centre + rng.uniform(-log_cond / 2, log_cond / 2, size=n)
            if n > 1:  # make the spread exactly the drawn condition number
                logs[0], logs[-1] = centre + log_cond / 2, centre - log_cond / 2
            eig = [_grid(10.0 ** v) for v in logs]
            # Q is exactly orthogonal and every eigenvalue is > 0: Q diag Q^T is exactly SPD
            m = self._exact_spd(q, eig)
            if self.constants:  # put the free entries on the scale of the constants, then near the boundary
                size = max(abs(c) for c in self.constants.values()) or Fraction(1)
                factor = size * _grid(10.0 ** rng.uniform(-3, 1)) / max(abs(m[0][0]), Fraction(1, 10**30))
                m = [[v * factor for v in row] for row in m]
            point = self._values(m)
            if point is not None:
                return self._towards_boundary(point, rng) if self.constants and rng.random() < 0.5 else point
        return None  # type: ignore[return-value]  # only with constants that leave no completion

    def _towards_boundary(self, point: dict[sp.Symbol, int | Fraction], rng: np.random.Generator) -> dict:
        """Scale the free entries of a positive-definite completion towards the boundary of the set of
        completions (bisection in exact arithmetic), stopping at a random relative distance 1e-1..1e-12."""
        def at(scale: Fraction) -> dict | None:
            n = self.matrix.rows
            m = [[Fraction(0)] * n for _ in range(n)]
            for s_, i, j in self.positions:
                m[i][j] = m[j][i] = Fraction(point[s_]) * scale
            return self._values(m)

        lo, hi = Fraction(1), Fraction(2)
        for _ in range(60):
            if at(hi) is None:
                break
            lo, hi = hi, hi * 2
        else:
            return point
        for _ in range(48):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if at(mid) is not None else (lo, mid)
        target = lo * (1 - _grid(10.0 ** -rng.uniform(1, 12)))
        return at(target) or point

    def reduction(self) -> dict[sp.Symbol, sp.Expr]:
        return dict(self._mirror)

    def describe(self) -> str:
        n = self.matrix.rows
        return f"{n}x{n} symmetric positive-definite {self.matrix[0, 0]}.. (condition up to {self.max_condition:.0e})"

    def implied(self, symbol: sp.Symbol) -> dict[str, bool]:
        # a diagonal entry of an SPD matrix is positive; an off-diagonal one takes both signs
        off = any(s == symbol and i != j for s, i, j in self.positions)
        return {"real": True} if off else {"positive": True}


class _Assumed(Domain):
    """A loose symbol's domain: points of ``base`` that satisfy every assumption the symbol was created
    with (even, odd, prime, nonzero, ...), so that points and symbolic routes agree."""

    TRIES = 200

    def __init__(self, base: Domain, symbol: sp.Symbol, facts: dict[str, bool]) -> None:
        self.base, self.symbols, self.facts = base, (symbol,), facts
        self.assumptions = dict(base.assumptions)

    def _ok(self, point: dict) -> bool:
        v = point[self.symbols[0]]
        value = sp.Integer(v) if isinstance(v, int) else sp.Rational(v.numerator, v.denominator)
        return all(getattr(value, f"is_{k}") is want for k, want in self.facts.items())

    def special_points(self) -> list[dict[sp.Symbol, int | Fraction]]:
        found = [p for p in self.base.special_points() if self._ok(p)]
        if not found:  # e.g. odd or prime integers: walk up from the base's points
            found = [p for p in (self.random_point(np.random.default_rng(k)) for k in range(4)) if p]
        return found

    def random_point(self, rng: np.random.Generator) -> dict[sp.Symbol, int | Fraction]:
        for _ in range(self.TRIES):
            p = self.base.random_point(rng)
            if self._ok(p):
                return p
        for p in self.base.special_points():  # deterministic fallback: the first special point that fits
            if self._ok(p):
                return p
        raise DomainError(f"no point of {self.base.describe()} satisfies the assumptions of {self.symbols[0]} "
                          f"({', '.join(sorted(self.facts))}); declare a domain")

    def implied(self, symbol: sp.Symbol) -> dict[str, bool]:
        return {**self.base.implied(symbol), **self.facts}

    def describe(self) -> str:
        return f"{self.base.describe()} ({', '.join(k if v else 'not ' + k for k, v in sorted(self.facts.items()))})"


def default_domain(symbol: sp.Symbol) -> Domain:
    """The domain of a symbol that no declared domain covers, from its own assumptions (real by default).

    Assumptions that the interval or integer range does not express (even, odd, prime, nonzero, ...)
    filter its points.
    """
    base = _default_range(symbol)
    extra = {k: v for k, v in getattr(symbol, "_assumptions_orig", {}).items()
             if k != "commutative" and v is not None and base.contradiction(symbol) is not None
             and _assumption_contradiction(sp.Symbol(symbol.name, **{k: v}), base.implied(symbol), "") is not None}
    return _Assumed(base, symbol, extra) if extra else base


def _default_range(symbol: sp.Symbol) -> Domain:
    if symbol.is_integer:
        if symbol.is_positive:
            return Integer(symbol, low=1)
        if symbol.is_nonnegative:
            return Integer(symbol, low=0)
        if symbol.is_negative:
            return Integer(symbol, high=-1)
        return Integer(symbol)
    if symbol.is_positive:
        return Positive(symbol)
    if symbol.is_nonnegative:
        return Interval(symbol, low=0, high=None)
    if symbol.is_negative:
        return _Negative(symbol)
    if symbol.is_nonpositive:
        return Interval(symbol, low=None, high=0)
    return Real(symbol)


class _Negative(Interval):
    open_high = True

    def __init__(self, *symbols: sp.Symbol) -> None:
        super().__init__(*symbols, low=None, high=0)
        self.assumptions = {"negative": True}
        self._specials = [v for v in self._specials if v != 0]

    def _draw(self, rng: np.random.Generator) -> int | Fraction:
        v = super()._draw(rng)
        return v if v != 0 else Fraction(-1, 10**12)


def normalise_domains(domain: Domain | Sequence[Domain] | None) -> list[Domain]:
    if domain is None:
        return []
    if isinstance(domain, Domain):
        return [domain]
    out = list(domain)
    for d in out:
        if not isinstance(d, Domain):
            raise TypeError(f"domain must be a Domain or a sequence of Domains, got {type(d).__name__}")
    return out
