"""Where the numeric route draws its random points from."""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import sympy as sp

__all__ = ["Domain", "Real", "Positive", "Interval", "Integer", "Simplex", "SPD", "default_domain"]


def _as_symbols(symbols: Iterable[object], cls: str) -> tuple[sp.Symbol, ...]:
    out = tuple(symbols)
    if not out:
        raise ValueError(f"{cls} needs at least one symbol")
    for s in out:
        if not isinstance(s, sp.Symbol):
            raise TypeError(f"{cls} takes sympy Symbols, got {type(s).__name__} {s!r}")
    return out


class Domain:
    """A set of symbols and the distribution their values are drawn from."""

    symbols: tuple[sp.Symbol, ...] = ()
    #: assumptions the symbols may be given for the symbolic routes (e.g. ``{"positive": True}``)
    assumptions: dict[str, bool] = {}

    def sample(self, rng: np.random.Generator) -> dict[sp.Symbol, float]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(str, self.symbols))})"


class Interval(Domain):
    """Independent uniform draws from ``[low, high]`` for each symbol."""

    def __init__(self, *symbols: sp.Symbol, low: float, high: float) -> None:
        if not np.isfinite(low) or not np.isfinite(high) or not low < high:
            raise ValueError(f"Interval needs finite low < high, got low={low}, high={high}")
        self.symbols = _as_symbols(symbols, type(self).__name__)
        self.low, self.high = float(low), float(high)
        self.assumptions = {"positive": True} if low > 0 else ({"nonnegative": True} if low >= 0 else {"real": True})

    def sample(self, rng: np.random.Generator) -> dict[sp.Symbol, float]:
        values = rng.uniform(self.low, self.high, size=len(self.symbols))
        return dict(zip(self.symbols, values.tolist()))


class Real(Interval):
    """Real symbols, drawn uniformly from ``[low, high]`` (default ``[-2, 2]``)."""

    def __init__(self, *symbols: sp.Symbol, low: float = -2.0, high: float = 2.0) -> None:
        super().__init__(*symbols, low=low, high=high)
        self.assumptions = {"real": True}


class Positive(Interval):
    """Positive symbols, drawn uniformly from ``[low, high]`` (default ``[0.1, 3]``)."""

    def __init__(self, *symbols: sp.Symbol, low: float = 0.1, high: float = 3.0) -> None:
        if low <= 0:
            raise ValueError(f"Positive needs low > 0, got {low}")
        super().__init__(*symbols, low=low, high=high)


class Integer(Domain):
    """Integer symbols drawn uniformly from ``low..high`` (inclusive)."""

    def __init__(self, *symbols: sp.Symbol, low: int = 1, high: int = 6) -> None:
        if not low <= high:
            raise ValueError(f"Integer needs low <= high, got low={low}, high={high}")
        self.symbols = _as_symbols(symbols, "Integer")
        self.low, self.high = int(low), int(high)
        self.assumptions = {"integer": True, "positive": True} if low > 0 else {"integer": True}

    def sample(self, rng: np.random.Generator) -> dict[sp.Symbol, float]:
        values = rng.integers(self.low, self.high + 1, size=len(self.symbols))
        return {s: int(v) for s, v in zip(self.symbols, values)}


class Simplex(Domain):
    """Symbols that together form a probability vector.

    With ``partial=True`` the symbols are all but the last coordinate (their sum is below one and the
    last coordinate is written as ``1 - sum`` in the expressions).
    """

    def __init__(self, *symbols: sp.Symbol, partial: bool = False) -> None:
        self.symbols = _as_symbols(symbols, "Simplex")
        self.partial = bool(partial)
        self.assumptions = {"positive": True}

    def sample(self, rng: np.random.Generator) -> dict[sp.Symbol, float]:
        n = len(self.symbols) + (1 if self.partial else 0)
        # Dirichlet(2, ..., 2) keeps coordinates away from 0 where logs blow up.
        values = rng.dirichlet(np.full(n, 2.0))[: len(self.symbols)]
        return dict(zip(self.symbols, values.tolist()))


class SPD(Domain):
    """An explicit symbolic matrix whose entries get a random symmetric positive-definite value.

    Works for a symmetric matrix of symbols (``S12`` used twice) and for a general one (``S12`` and
    ``S21`` distinct): both get the same symmetric value.
    """

    def __init__(self, matrix: sp.MatrixBase, *, min_eigenvalue: float = 0.5) -> None:
        if not isinstance(matrix, sp.MatrixBase) or matrix.rows != matrix.cols:
            raise TypeError("SPD takes an explicit square sympy Matrix of symbols")
        self.matrix = matrix
        self.positions: list[tuple[sp.Symbol, int, int]] = []
        seen: dict[sp.Symbol, tuple[int, int]] = {}
        for i in range(matrix.rows):
            for j in range(matrix.cols):
                entry = matrix[i, j]
                if isinstance(entry, sp.Symbol):
                    if entry in seen and seen[entry] not in {(i, j), (j, i)}:
                        raise ValueError(f"SPD: symbol {entry} appears at non-mirror positions")
                    seen.setdefault(entry, (i, j))
                    self.positions.append((entry, i, j))
        self.symbols = tuple(seen)
        self.min_eigenvalue = float(min_eigenvalue)
        self.assumptions = {"real": True}

    def sample(self, rng: np.random.Generator) -> dict[sp.Symbol, float]:
        n = self.matrix.rows
        g = rng.standard_normal((n, n))
        value = g @ g.T / n + self.min_eigenvalue * np.eye(n)
        return {s: float(value[i, j]) for s, i, j in self.positions}


def default_domain(symbol: sp.Symbol) -> Domain:
    """The domain used for a symbol that no declared domain covers, from its assumptions."""
    if symbol.is_integer:
        return Integer(symbol, low=1 if symbol.is_positive else -3, high=6)
    if symbol.is_positive:
        return Positive(symbol)
    if symbol.is_nonnegative:
        return Interval(symbol, low=0.0, high=3.0)
    if symbol.is_negative:
        return Interval(symbol, low=-3.0, high=-0.1)
    return Real(symbol)


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
