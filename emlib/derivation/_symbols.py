"""Explicit symbolic matrices and vectors (sympy's MatrixSymbol calculus is not trusted here)."""

from __future__ import annotations

import sympy as sp

__all__ = ["matrix", "symmetric_matrix", "vector"]


def _name(base: str, *idx: int, wide: bool) -> str:
    return f"{base}_{'_'.join(str(i) for i in idx)}" if wide else base + "".join(str(i) for i in idx)


def matrix(name: str, rows: int, cols: int | None = None, **assumptions: bool) -> sp.Matrix:
    """An explicit ``rows x cols`` Matrix of distinct symbols ``name11, name12, ...`` (real by default)."""
    cols = rows if cols is None else cols
    if rows < 1 or cols < 1:
        raise ValueError(f"rows and cols must be >= 1, got {rows}, {cols}")
    assumptions = {"real": True, **assumptions}
    wide = max(rows, cols) > 9
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(_name(name, i + 1, j + 1, wide=wide), **assumptions))


def symmetric_matrix(name: str, n: int, **assumptions: bool) -> sp.Matrix:
    """An explicit symmetric ``n x n`` Matrix: entry (i, j) and (j, i) are the same symbol."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    assumptions = {"real": True, **assumptions}
    wide = n > 9
    return sp.Matrix(n, n, lambda i, j: sp.Symbol(_name(name, min(i, j) + 1, max(i, j) + 1, wide=wide), **assumptions))


def vector(name: str, n: int, **assumptions: bool) -> sp.Matrix:
    """An explicit column vector of symbols ``name1 .. namen`` (real by default)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    assumptions = {"real": True, **assumptions}
    wide = n > 9
    return sp.Matrix(n, 1, lambda i, _: sp.Symbol(_name(name, i + 1, wide=wide), **assumptions))
