"""A group's elements as the rows of an integer array, and finding a row's index (for
:class:`~bilinear.theory.groups.group.FiniteGroup`, which keeps its elements sorted lexicographically).

    >>> import numpy as np
    >>> codes = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> RowIndex(codes, None).lookup(np.array([[1, 0], [0, 1]])).tolist()
    [2, 1]
    >>> strictly_increasing_rows(codes), lex_sorted(codes[::-1]).tolist()
    (True, [3, 2, 1, 0])
"""

from __future__ import annotations

import numpy as np

from bilinear.theory.errors import MathematicalError

__all__ = ["RowIndex", "lex_sorted", "strictly_increasing_rows"]


class RowIndex:
    """Maps rows of ``codes`` back to their indices through integer keys on a few columns."""

    def __init__(self, codes: np.ndarray, key_columns: tuple[int, ...] | None):
        self.codes = codes
        cols = tuple(range(codes.shape[1])) if key_columns is None else tuple(key_columns)
        self.cols = np.asarray(cols, dtype=np.int64)
        sub = codes[:, self.cols]
        self.radix = sub.max(axis=0) + 1 if len(codes) else np.ones(len(cols), dtype=np.int64)
        total = 1
        for r in self.radix:
            total *= int(r)
        self.dict_mode = total >= 2 ** 62
        if self.dict_mode:
            self.table = {bytes(np.ascontiguousarray(row)): i for i, row in enumerate(sub)}
            if len(self.table) != len(codes):
                raise MathematicalError("key columns do not determine the group elements")
            return
        mult = np.ones(len(cols), dtype=np.int64)
        for j in range(len(cols) - 2, -1, -1):
            mult[j] = mult[j + 1] * self.radix[j + 1]
        self.mult = mult
        keys = sub @ mult
        self.order = np.argsort(keys, kind="stable")
        self.sorted_keys = keys[self.order]
        if np.any(np.diff(self.sorted_keys) == 0):
            raise MathematicalError("key columns do not determine the group elements")

    def lookup_keys(self, sub: np.ndarray) -> np.ndarray:
        """Indices of the elements whose key columns are the rows of ``sub`` (unchecked)."""
        sub = np.asarray(sub, dtype=np.int64)
        shape = sub.shape[:-1]
        flat = sub.reshape(-1, sub.shape[-1])
        if self.dict_mode:
            return np.fromiter((self.table[bytes(np.ascontiguousarray(r))] for r in flat),
                               dtype=np.int64, count=len(flat)).reshape(shape)
        pos = np.minimum(np.searchsorted(self.sorted_keys, flat @ self.mult), len(self.sorted_keys) - 1)
        return self.order[pos].reshape(shape)

    def lookup(self, rows: np.ndarray, check: bool = True) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        shape = rows.shape[:-1]
        flat = rows.reshape(-1, rows.shape[-1])
        sub = flat[:, self.cols]
        if self.dict_mode:
            try:
                idx = np.fromiter((self.table[bytes(np.ascontiguousarray(r))] for r in sub),
                                  dtype=np.int64, count=len(sub))
            except KeyError:
                raise MathematicalError("a product is not an element of the group (not closed)") from None
        else:
            if check and (np.any(sub < 0) or np.any(sub >= self.radix)):
                raise MathematicalError("a row is not an element of the group")
            keys = sub @ self.mult
            pos = np.searchsorted(self.sorted_keys, keys)
            pos = np.minimum(pos, len(self.sorted_keys) - 1)
            if np.any(self.sorted_keys[pos] != keys):
                raise MathematicalError("a row is not an element of the group (not closed)")
            idx = self.order[pos]
        if check and not np.array_equal(self.codes[idx], flat):
            raise MathematicalError("a row is not an element of the group")
        return idx.reshape(shape)


def lex_sorted(codes: np.ndarray) -> np.ndarray:
    """Permutation that sorts the rows of ``codes`` lexicographically (column 0 most significant)."""
    return np.lexsort(codes.T[::-1])


def strictly_increasing_rows(codes: np.ndarray) -> bool:
    """Whether each row of ``codes`` is lexicographically greater than the one before."""
    if len(codes) < 2:
        return True
    d = codes[1:] - codes[:-1]
    nz = d != 0
    has = nz.any(axis=1)
    first = np.argmax(nz, axis=1)
    return bool(np.all(has) and np.all(d[np.arange(len(d)), first] > 0))
