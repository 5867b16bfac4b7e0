"""Real irreducible representations of a finite group, read off its character table.

Every real irreducible representation ``psi`` of ``G`` comes from exactly one complex irreducible
``chi`` (up to conjugation), classified by the Frobenius-Schur indicator
``nu(chi) = (1/|G|) sum_g chi(g^2)`` (Frobenius-Schur theorem):

* ``nu = +1`` (real type): ``chi`` is afforded by a real representation; ``psi = chi``, real
  dimension ``chi(1)``;
* ``nu = 0`` (complex type): ``chi != conj(chi)``; ``psi = chi + conj(chi)`` (the realification),
  real dimension ``2 chi(1)``;
* ``nu = -1`` (quaternionic type): ``chi`` is real-valued but not realisable over R;
  ``psi = 2 chi``, real dimension ``2 chi(1)``.

``ker psi = ker chi`` in all three cases (``ker conj(chi) = ker chi``).  A set of representations is
faithful iff the intersection of their kernels is ``{e}``; kernels are normal, so they are unions of
conjugacy classes and all work is done on class masks.

Example::

    >>> from bilinear.theory import quaternion_group
    >>> [(r.real_dim, r.type) for r in real_irreducibles(quaternion_group())]
    [(1, 'real'), (1, 'real'), (1, 'real'), (1, 'real'), (4, 'quaternionic')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from bilinear.theory.characters.table import BaseCharacterTable

from bilinear.theory.characters.build import character_table
from bilinear.theory.arith.cyclotomic import Cyclotomic
from bilinear.theory.errors import InputError, expected, type_of
from bilinear.theory.groups.group import FiniteGroup

__all__ = ["RealIrreducible", "RealIrreducibles", "real_irreducibles", "real_character", "kernel_classes", "is_faithful",
           "kernel_intersection", "TYPE_OF_INDICATOR"]

TYPE_OF_INDICATOR = {1: "real", 0: "complex", -1: "quaternionic"}


@dataclass(frozen=True, eq=False)
class RealIrreducible:
    """One real irreducible representation of a group.

    ``index`` (position in :func:`real_irreducibles`), ``real_dim``, ``type`` ("real", "complex",
    "quaternionic"), ``indicator`` (+1, 0, -1), ``constituents`` (indices of the complex
    irreducibles in the character table: ``(i,)`` or ``(i, j)`` with ``chi_j = conj(chi_i)``),
    ``degree`` (the complex degree ``chi(1)``), ``kernel_order``, ``faithful``; and, computed on
    first use from the table (so that ``|G|`` irreducibles of a large abelian group do not store
    ``|G|`` kernels each), ``kernel_classes`` (class indices) and ``kernel`` (sorted element
    indices, a read-only int array).
    """

    index: int
    real_dim: int
    type: str
    indicator: int
    constituents: tuple[int, ...]
    degree: int
    kernel_order: int
    faithful: bool
    table: BaseCharacterTable = field(repr=False)

    @cached_property
    def kernel_classes(self) -> tuple[int, ...]:
        return tuple(np.flatnonzero(self.table.kernel_mask[self.constituents[0]]).tolist())

    @cached_property
    def kernel(self) -> np.ndarray:
        kernel = self.table.kernel(self.constituents[0])
        kernel.setflags(write=False)
        return kernel


def _table(G_or_T) -> BaseCharacterTable:
    if isinstance(G_or_T, BaseCharacterTable):
        return G_or_T
    if isinstance(G_or_T, FiniteGroup):
        return character_table(G_or_T)
    raise expected("G", "a FiniteGroup or CharacterTable", type_of(G_or_T))


class RealIrreducibles(Sequence):
    """The real irreducibles of a group as a read-only sequence whose items
    (:class:`RealIrreducible`) are built on first access, with the per-item data also as integer
    arrays (so that the ``|G|/2`` real irreducibles of a large abelian group cost a few arrays,
    not ``|G|/2`` Python objects, until they are asked for one by one).

    Arrays, one entry per real irreducible in order: ``real_dims``, ``indicators``, ``characters``
    (the first complex constituent), ``partners`` (the second constituent, ``-1`` when there is
    one), ``degrees``, ``kernel_orders``; and ``real_dim_of_character`` (per complex character, the
    dimension of the real irreducible it belongs to)."""

    def __init__(self, T: BaseCharacterTable):
        self.table = T
        ind = np.asarray(T.indicators, dtype=np.int64)
        conj = np.asarray(T.conjugates, dtype=np.int64)
        idx = np.arange(len(ind), dtype=np.int64)
        degrees = np.asarray(T.degrees, dtype=np.int64)
        keep = (ind != 0) | (conj > idx)                 # a complex pair is taken at its smaller index
        dims = np.where(ind == 1, degrees, 2 * degrees)
        order = np.lexsort((idx[keep], dims[keep]))      # by real dimension, then first constituent
        self.characters = idx[keep][order]
        self.real_dims = dims[keep][order]
        self.indicators = ind[keep][order]
        self.partners = np.where(self.indicators == 0, conj[self.characters], -1)
        self.degrees = degrees[self.characters]
        self.kernel_orders = np.asarray(T.kernel_orders, dtype=np.int64)[self.characters]
        self.real_dim_of_character = dims
        for a in (self.characters, self.real_dims, self.indicators, self.partners, self.degrees,
                  self.kernel_orders, self.real_dim_of_character):
            a.setflags(write=False)
        self._items: dict[int, RealIrreducible] = {}

    def __len__(self) -> int:
        return len(self.characters)

    def _item(self, pos: int) -> RealIrreducible:
        if pos not in self._items:
            i, j, ind = int(self.characters[pos]), int(self.partners[pos]), int(self.indicators[pos])
            k = int(self.kernel_orders[pos])
            self._items[pos] = RealIrreducible(pos, int(self.real_dims[pos]), TYPE_OF_INDICATOR[ind], ind,
                                               (i, j) if j >= 0 else (i,), int(self.degrees[pos]), k, k == 1,
                                               self.table)
        return self._items[pos]

    def __getitem__(self, pos):
        if isinstance(pos, slice):
            return tuple(self._item(p) for p in range(*pos.indices(len(self))))
        pos = int(pos)
        if not -len(self) <= pos < len(self):
            raise IndexError(f"real irreducible index {pos} out of range 0..{len(self) - 1}")
        return self._item(pos % len(self))

    def __repr__(self) -> str:
        return f"RealIrreducibles({self.table.group.name}, {len(self)} items)"


def real_irreducibles(G) -> RealIrreducibles:
    """The real irreducible representations of ``G`` (a group or its character table), ordered by
    real dimension, then by their first complex constituent (a :class:`RealIrreducibles` sequence).

    Example: ``[r.real_dim for r in real_irreducibles(cyclic_group(4))] == [1, 1, 2]``.
    """
    T = _table(G)
    return T.group.memo("real_irreducibles", lambda: RealIrreducibles(T))


def real_character(G, r: int) -> list[Cyclotomic]:
    """Exact values on the classes of the character of real irreducible ``r``: ``chi``,
    ``chi + conj(chi)`` or ``2 chi``.  Example: the 2-dim real irreducible of ``Z_3`` has values
    ``[2, -1, -1]``."""
    T = _table(G)
    irr = real_irreducibles(T)
    if not 0 <= r < len(irr):
        raise expected("r", f"a real irreducible index in 0..{len(irr) - 1}", r)
    ir = irr[r]
    rows = [T.row(i) for i in ir.constituents]
    if ir.type == "complex":
        return [a + b for a, b in zip(*rows)]
    if ir.type == "quaternionic":
        return [2 * a for a in rows[0]]
    return rows[0]


def kernel_classes(G, characters, real: bool = True) -> np.ndarray:
    """Boolean class mask of the intersection of the kernels of the given irreducibles
    (real irreducible indices if ``real`` else complex character indices)."""
    T = _table(G)
    mask = np.ones(T.group.num_classes, dtype=bool)
    irr = real_irreducibles(T) if real else None
    for x in characters:
        i = irr[int(x)].constituents[0] if irr is not None else int(x)
        if not 0 <= i < T.num_characters:
            raise InputError(f"characters: index {x} out of range")
        mask &= T.kernel_mask[i]
    return mask


def kernel_intersection(G, characters, real: bool = True) -> np.ndarray:
    """Sorted element indices of the intersection of kernels (see :func:`kernel_classes`)."""
    T = _table(G)
    return np.flatnonzero(kernel_classes(T, characters, real)[T.group.class_of])


def is_faithful(G, characters, real: bool = True) -> bool:
    """Whether the direct sum of the given irreducibles is faithful (kernels meet in ``{e}``).
    Example: ``is_faithful(symmetric_group(3), [2])`` is True (the 2-dim real irreducible)."""
    mask = kernel_classes(G, characters, real)
    return bool(mask.sum() == 1)
