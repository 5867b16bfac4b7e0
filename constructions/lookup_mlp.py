"""An exact ReLU MLP decoder between the layers of a cascade (docs/design.md §7): integer weights that
realise a lookup table on one-hot inputs, evaluated in exact integer arithmetic.

The input is the concatenation of one-hot blocks of sizes ``blocks`` (a cascade layer's: the token,
then the label decoded from each layer below); the MLP is ``y = W2 relu(W1 z + b1) + b2`` and its
decision is the index of the unique largest entry of ``y``.  :func:`lookup_mlp` builds the MLP of a
table ``T`` indexed by the blocks: one hidden unit per cell ``c`` with weight 1 on each of its
``n = len(blocks)`` indicators and bias ``-(n - 1)``, so on the one-hot input of cell ``c'`` the unit is
``relu(#{j: c_j = c'_j} - (n - 1))`` — 1 when ``c' = c``, else 0 — and ``W2`` sends unit ``c`` to output
``T[c]``, so ``y`` is the one-hot of ``T[c']``: the decision is ``T[c']`` with margin 1.

    >>> import numpy as np
    >>> table = np.array([[0, 1], [1, 2]])          # two blocks of size 2, outputs 0..2
    >>> mlp = lookup_mlp(table, 3)
    >>> [mlp.decide(cell) for cell in [(0, 0), (0, 1), (1, 0), (1, 1)]]
    [0, 1, 1, 2]
    >>> mlp.outputs((1, 1))
    (0, 0, 1)

:meth:`LookupMLP.outputs` is exact: the weights are int64 in the file, and the arithmetic is Python's
integers (no overflow whatever a file holds).  The stack of trainable layers
(``bilinear.verify.models.stack``) loads these weights, the second layer scaled, as its decoders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bilinear.theory.errors import MathematicalError, expected, shown
from bilinear.theory.resources import check_memory

__all__ = ["LookupMLP", "lookup_mlp", "MLP_MEMBERS"]

#: the arrays of one MLP in a file, in order: ``w1`` (M, sum(blocks)), ``b1`` (M,), ``w2`` (outputs, M), ``b2`` (outputs,)
MLP_MEMBERS = ("w1", "b1", "w2", "b2")


@dataclass(frozen=True, eq=False)
class LookupMLP:
    """``y = w2 relu(w1 z + b1) + b2`` on concatenated one-hot blocks of sizes ``blocks`` (module docstring);
    every array int64."""

    blocks: tuple[int, ...]
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    def __post_init__(self):
        if not self.blocks or any(isinstance(b, bool) or not isinstance(b, int) or b < 1 for b in self.blocks):
            raise expected("blocks", "positive block sizes", shown(str(self.blocks)))
        for name in MLP_MEMBERS:
            arr = getattr(self, name)
            if not isinstance(arr, np.ndarray) or arr.dtype != np.int64:
                raise expected(name, "an int64 array", shown(f"{getattr(arr, 'dtype', type(arr).__name__)}"))
        n_in = sum(self.blocks)
        if self.w1.ndim != 2 or self.w1.shape[1] != n_in or self.w1.shape[0] < 1:
            raise expected("w1", f"shape (M, {n_in})", shown(str(self.w1.shape)))
        m = self.w1.shape[0]
        if self.b1.shape != (m,):
            raise expected("b1", f"shape ({m},)", shown(str(self.b1.shape)))
        if self.w2.ndim != 2 or self.w2.shape[1] != m or self.w2.shape[0] < 1:
            raise expected("w2", f"shape (outputs, {m})", shown(str(self.w2.shape)))
        if self.b2.shape != (self.w2.shape[0],):
            raise expected("b2", f"shape ({self.w2.shape[0]},)", shown(str(self.b2.shape)))

    @property
    def width(self) -> int:
        """The number of hidden units ``M``."""
        return int(self.w1.shape[0])

    @property
    def num_outputs(self) -> int:
        return int(self.w2.shape[0])

    @property
    def decision_cost(self) -> int:
        """Integer operations of one :meth:`outputs` (the hidden layer from the hot columns, then the output layer)."""
        return self.width * (len(self.blocks) + self.num_outputs)

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in MLP_MEMBERS}

    def outputs(self, cell) -> tuple[int, ...]:
        """``y`` on the one-hot input of ``cell`` (one index per block), in exact integers."""
        if len(cell) != len(self.blocks) or any(not 0 <= int(c) < b for c, b in zip(cell, self.blocks)):
            raise expected("cell", f"one index per block of sizes {list(self.blocks)}", shown(str(tuple(cell))))
        offsets = np.concatenate([[0], np.cumsum(self.blocks)[:-1]])
        hot = [int(o + c) for o, c in zip(offsets, cell)]
        pre = [int(b) + sum(int(v) for v in row) for b, row in zip(self.b1.tolist(), self.w1[:, hot].tolist())]
        u = [max(0, v) for v in pre]
        return tuple(int(b) + sum(int(w) * x for w, x in zip(row, u) if x) for b, row in zip(self.b2.tolist(),
                                                                                            self.w2.tolist()))

    def decide(self, cell) -> int:
        """The index of the unique largest output on ``cell``; :class:`MathematicalError` when the largest is
        not unique (no decision)."""
        y = self.outputs(cell)
        top = max(y)
        winners = [i for i, v in enumerate(y) if v == top]
        if len(winners) != 1:
            raise MathematicalError(f"the MLP has no unique largest output at {tuple(int(c) for c in cell)} "
                                    f"(outputs {list(winners)} tie at {top})")
        return winners[0]


def lookup_mlp(table: np.ndarray, num_outputs: int) -> LookupMLP:
    """The MLP that decides ``table[c]`` on the one-hot input of every cell ``c`` (module docstring);
    ``table`` holds integers in ``0..num_outputs-1``, its axes are the blocks."""
    table = np.asarray(table)
    if table.ndim < 1 or table.size == 0 or table.dtype.kind not in "iu":
        raise expected("table", "a non-empty integer table", shown(f"{table.dtype} of shape {table.shape}"))
    if table.min() < 0 or table.max() >= num_outputs:
        raise expected("table", f"entries in 0..{num_outputs - 1}", shown(f"{table.min()}..{table.max()}"))
    blocks = tuple(int(b) for b in table.shape)
    check_memory(8 * table.size * (sum(blocks) + num_outputs + 1),
                 f"the exact MLP of a lookup table of shape {blocks} ({table.size} hidden units, int64)")
    offsets = np.concatenate([[0], np.cumsum(blocks)[:-1]]).astype(np.int64)
    cells = list(np.ndindex(*blocks))
    w1 = np.zeros((len(cells), sum(blocks)), dtype=np.int64)
    w2 = np.zeros((num_outputs, len(cells)), dtype=np.int64)
    for unit, cell in enumerate(cells):
        w1[unit, offsets + np.asarray(cell, dtype=np.int64)] = 1
        w2[int(table[cell]), unit] = 1
    b1 = np.full(len(cells), -(len(blocks) - 1), dtype=np.int64)
    return LookupMLP(blocks, w1, b1, w2, np.zeros(num_outputs, dtype=np.int64))
