"""Exact matrices and column vectors over a :class:`~bilinear.theory.arith.number_field.NumberField`.

Arrays of elements carry the coefficient axis first:

* :class:`SparseMatrix` – ``rows``, ``cols`` and ``num`` (``d x nnz``) over one denominator; it is
  how transition matrices and readouts are held (permutation and one-hot constructions are sparse);
* :class:`Columns` – a batch of column vectors, ``num`` (``d x H x m``) with one denominator per
  column, reduced by the gcd after every product so the numbers stay small.

Example::

    >>> from bilinear.theory.arith.number_field import RATIONALS
    >>> A = SparseMatrix.from_dense_ints(RATIONALS, [[0, 1], [1, 0]], den=2)     # swap / 2
    >>> x = Columns.from_fractions(RATIONALS, [[[1], [3]]])                     # the column (1, 3)
    >>> y = A.apply(x); y.num[0, :, 0].tolist(), int(y.den[0])
    ([3, 1], 2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np

from bilinear.theory.errors import InputError
from bilinear.theory.resources import check_memory
from bilinear.theory.arith.number_field import NumberField, as_int_array, mul_ints

__all__ = ["SparseMatrix", "Columns"]


@dataclass(frozen=True, eq=False)
class SparseMatrix:
    """An exact ``shape`` matrix: entries ``num[:, e] / den`` at ``(rows[e], cols[e])``."""

    field: NumberField
    shape: tuple[int, int]
    rows: np.ndarray
    cols: np.ndarray
    num: np.ndarray
    den: int = 1

    def __post_init__(self):
        rows = np.asarray(self.rows, dtype=np.int64).reshape(-1)
        cols = np.asarray(self.cols, dtype=np.int64).reshape(-1)
        num = as_int_array(np.asarray(self.num).reshape(self.field.degree, -1))
        if not (len(rows) == len(cols) == num.shape[1]):
            raise InputError("sparse matrix: rows, cols and num disagree in length")
        if int(self.den) < 1:
            raise InputError("sparse matrix: the denominator must be positive")
        keep = np.any(num != 0, axis=0)
        rows, cols, num = rows[keep], cols[keep], num[:, keep]
        if len(rows) and (rows.min() < 0 or cols.min() < 0 or rows.max() >= self.shape[0]
                          or cols.max() >= self.shape[1]):
            raise InputError(f"sparse matrix: an index lies outside the shape {self.shape}")
        den = int(self.den)
        if num.size:   # lowest terms: divide numerators and denominator by their gcd
            g = math.gcd(den, *[int(v) for v in np.unique(num)])
            if g > 1:
                num, den = as_int_array(num.astype(object) // g), den // g
        object.__setattr__(self, "den", den)
        key = rows * self.shape[1] + cols
        order = np.argsort(key, kind="stable")
        if len(np.unique(key)) != len(key):
            raise InputError("sparse matrix: repeated (row, col) entry")
        object.__setattr__(self, "rows", rows[order])
        object.__setattr__(self, "cols", cols[order])
        object.__setattr__(self, "num", num[:, order])

    @classmethod
    def from_dense_ints(cls, F: NumberField, dense, den: int = 1) -> "SparseMatrix":
        """From a rational dense matrix of integers (``F`` any field; coefficient 0 only)."""
        dense = np.asarray(dense)
        r, c = np.nonzero(dense)
        num = np.zeros((F.degree, len(r)), dtype=object)
        num[0] = [int(v) for v in dense[r, c]]
        return cls(F, dense.shape, r, c, num, den)

    @classmethod
    def from_fractions(cls, F: NumberField, entries: dict, shape) -> "SparseMatrix":
        """From ``{(i, j): coefficient list of Fractions}`` (the common denominator is found)."""
        items = sorted(entries.items())
        den = 1
        for _, coeffs in items:
            for c in coeffs:
                den = den * Fraction(c).denominator // math.gcd(den, Fraction(c).denominator)
        num = np.zeros((F.degree, len(items)), dtype=object)
        for e, (_, coeffs) in enumerate(items):
            for j, c in enumerate(coeffs):
                num[j, e] = int(Fraction(c) * den)
        rows = [i for (i, _), _ in items]
        cols = [j for (_, j), _ in items]
        return cls(F, tuple(shape), np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), num, den)

    def dense_float(self) -> np.ndarray:
        """Correctly rounded float64 dense matrix (the values stored in a weight file); its size is
        checked against the memory limit first (:func:`bilinear.theory.resources.check_memory`)."""
        check_memory(8 * self.shape[0] * self.shape[1], f"a dense {self.shape[0]} x {self.shape[1]} float64 matrix")
        out = np.zeros(self.shape, dtype=np.float64)
        if len(self.rows):
            out[self.rows, self.cols] = self.field.rounded(self.num, self.den)
        return out

    def apply(self, x: "Columns") -> "Columns":
        """``self @ x`` exactly (columns reduced by their gcd)."""
        d = self.field.degree
        m = x.num.shape[2]
        rows, order, starts = self._row_segments
        gathered = x.num[:, self.cols[order], :]                         # d x nnz x m, sorted by row
        prod = self.field.multiply(self.num[:, order, None], gathered)   # d x nnz x m
        out = np.zeros((d, self.shape[0], m), dtype=prod.dtype)
        if len(self.rows):
            if len(starts) == len(rows):          # one entry per row (permutation-like)
                out[:, rows, :] = prod
            else:
                for j in range(d):
                    out[j, rows[starts], :] = np.add.reduceat(prod[j], starts, axis=0)
        return Columns(self.field, out, mul_ints(np.asarray(x.den), np.asarray(self.den)))

    @cached_property
    def _row_segments(self):
        order = np.argsort(self.rows, kind="stable")
        rows = self.rows[order]
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        return rows, order, starts

    def transpose(self) -> "SparseMatrix":
        return SparseMatrix(self.field, (self.shape[1], self.shape[0]), self.cols, self.rows, self.num, self.den)

    def equals(self, other: "SparseMatrix") -> bool:
        return (self.shape == other.shape and np.array_equal(self.rows, other.rows)
                and np.array_equal(self.cols, other.cols)
                and np.array_equal(mul_ints(self.num, np.asarray(other.den)),
                                   mul_ints(other.num, np.asarray(self.den))))


@dataclass(frozen=True, eq=False)
class Columns:
    """A batch of exact column vectors: ``num`` (``d x H x m``), ``den`` (``m``) positive."""

    field: NumberField
    num: np.ndarray
    den: np.ndarray

    def __post_init__(self):
        num = np.asarray(self.num)
        den = np.broadcast_to(np.asarray(self.den), (num.shape[2],))
        num, den = _reduce_columns(num, den)
        object.__setattr__(self, "num", num)
        object.__setattr__(self, "den", den)

    @classmethod
    def _reduced(cls, F: NumberField, num: np.ndarray, den: np.ndarray) -> "Columns":
        """Wrap columns already in lowest terms (no gcd pass)."""
        obj = object.__new__(cls)
        object.__setattr__(obj, "field", F)
        object.__setattr__(obj, "num", num)
        object.__setattr__(obj, "den", den)
        return obj

    @classmethod
    def from_fractions(cls, F: NumberField, vectors) -> "Columns":
        """From a list of vectors whose entries are coefficient lists (Fractions/ints) of length ``d``."""
        vectors = list(vectors)
        H = len(vectors[0]) if vectors else 0
        num = np.zeros((F.degree, H, len(vectors)), dtype=object)
        den = np.ones(len(vectors), dtype=object)
        for k, v in enumerate(vectors):
            dk = 1
            for entry in v:
                for c in entry:
                    q = Fraction(c).denominator
                    dk = dk * q // math.gcd(dk, q)
            den[k] = dk
            for i, entry in enumerate(v):
                for j, c in enumerate(entry):
                    num[j, i, k] = int(Fraction(c) * dk)
        return cls(F, as_int_array(num), as_int_array(den))

    @property
    def size(self) -> int:
        return int(self.num.shape[2])

    def take(self, idx) -> "Columns":
        idx = np.asarray(idx, dtype=np.int64)
        return Columns._reduced(self.field, self.num[:, :, idx], self.den[idx])

    def concat(self, other: "Columns") -> "Columns":
        num = _stack_last(self.num, other.num)
        den = np.concatenate([np.asarray(self.den, dtype=object), np.asarray(other.den, dtype=object)])
        return Columns._reduced(self.field, num, as_int_array(den))

    def column_equal(self, other: "Columns") -> np.ndarray:
        """Exact columnwise equality ``self[:, k] == other[:, k]`` (both reduced, so compare directly)."""
        return np.all(self.num == other.num, axis=(0, 1)) & (np.asarray(self.den) == np.asarray(other.den))

    def distinct(self) -> bool:
        """Whether all columns are different vectors (columns are in lowest terms, so compare keys)."""
        keys = {(self.num[:, :, k].tobytes() if self.num.dtype != object else repr(self.num[:, :, k].tolist()),
                 int(self.den[k])) for k in range(self.size)}
        return len(keys) == self.size

    def floats(self) -> np.ndarray:
        """Complex float values, ``H x m``."""
        return self.field.evaluate(self.num, self.den[None, :])


def _stack_last(a, b):
    if a.dtype == object or b.dtype == object:
        return np.concatenate([a.astype(object), b.astype(object)], axis=2)
    return np.concatenate([a, b], axis=2)


def _reduce_columns(num: np.ndarray, den: np.ndarray):
    """Divide each column and its denominator by their gcd; keep int64 where possible."""
    num = as_int_array(num) if num.dtype == object else num.astype(np.int64)
    den = as_int_array(den) if np.asarray(den).dtype == object else np.asarray(den, dtype=np.int64)
    if num.shape[2] == 0 or (den.dtype != object and np.all(den == 1)):
        return num, den      # integer columns over denominator 1 are already in lowest terms
    if num.dtype == object or den.dtype == object:
        num, den = num.astype(object), den.astype(object)
        g = np.array([math.gcd(int(den[k]), *[int(v) for v in num[:, :, k].reshape(-1)]) for k in range(num.shape[2])],
                     dtype=object)
        return as_int_array(num // g[None, None, :]), as_int_array(den // g)
    g = np.gcd(np.gcd.reduce(num.reshape(-1, num.shape[2]), axis=0), den)
    g = np.where(g == 0, 1, g)
    return num // g[None, None, :], den // g
