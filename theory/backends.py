"""How a finite group's elements are stored and multiplied.

A :class:`~theory.group.FiniteGroup` keeps its elements as the rows of an integer array ("codes")
and asks a backend to multiply and invert rows, vectorised over leading axes.  Every backend is a
small frozen dataclass:

* :class:`PermutationBackend` – a row is the image array of a permutation of ``0..d-1``; the product
  ``a*b`` applies ``a`` first (docs/design.md §3): ``(a*b)[i] = b[a[i]]``.  Names: cycle notation.
* :class:`AbelianBackend` – a row is a vector of ``Z_{m_1} x ... x Z_{m_k}``, added mod ``m_i``.
* :class:`TableBackend` – a row is ``[i]``, multiplied through a validated Cayley table.
* :class:`ProductBackend` – a row is the concatenation of rows of its parts, multiplied per part.

Backends only do arithmetic on rows; the group owns ordering, indexing and all structure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .perms import compose_images, format_cycles

__all__ = ["Backend", "PermutationBackend", "AbelianBackend", "TableBackend", "ProductBackend"]


class Backend:
    """Interface: ``width`` columns per row, ``compose``, ``invert`` and ``names`` on row arrays."""

    @property
    def width(self) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def additive_moduli(self) -> tuple[int, ...] | None:
        """``(m_1, ..., m_r)`` when a row is a vector of ``Z_{m_1} x ... x Z_{m_r}`` added
        componentwise (then the rows are the group's coordinates), else ``None``."""
        return None

    def compose(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def invert(self, a: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def names(self, codes: np.ndarray) -> list[str]:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class PermutationBackend(Backend):
    """Permutations of ``degree`` points acting on the right."""

    degree: int

    @property
    def width(self) -> int:
        return self.degree

    def compose(self, a, b):
        return compose_images(a, b)

    def invert(self, a):
        a = np.asarray(a)
        out = np.empty_like(a)
        np.put_along_axis(out, a, np.broadcast_to(np.arange(a.shape[-1]), a.shape), axis=-1)
        return out

    def names(self, codes):
        return [format_cycles(row) for row in np.asarray(codes)]


@dataclass(frozen=True)
class AbelianBackend(Backend):
    """The additive group ``Z_{m_1} x ... x Z_{m_k}``; a single modulus prints as ``"k"``."""

    moduli: tuple[int, ...]

    @property
    def width(self) -> int:
        return len(self.moduli)

    @property
    def additive_moduli(self) -> tuple[int, ...]:
        return self.moduli

    def compose(self, a, b):
        return (np.asarray(a) + np.asarray(b)) % np.asarray(self.moduli, dtype=np.int64)

    def invert(self, a):
        return (-np.asarray(a)) % np.asarray(self.moduli, dtype=np.int64)

    def names(self, codes):
        rows = np.asarray(codes).tolist()
        if len(self.moduli) == 1:
            return [str(r[0]) for r in rows]
        return ["(" + ",".join(map(str, r)) + ")" for r in rows]


@dataclass(frozen=True, eq=False)
class TableBackend(Backend):
    """Elements ``0..n-1`` multiplied by a Cayley table (already validated as a group)."""

    table: np.ndarray
    inverse: np.ndarray
    labels: tuple[str, ...]

    @property
    def width(self) -> int:
        return 1

    def compose(self, a, b):
        a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
        return self.table[a[..., 0], b[..., 0]][..., None]

    def invert(self, a):
        a = np.asarray(a)
        return self.inverse[a[..., 0]][..., None]

    def names(self, codes):
        return [self.labels[int(r[0])] for r in np.asarray(codes)]


@dataclass(frozen=True, eq=False)
class ProductBackend(Backend):
    """Direct product: rows are concatenated rows of the parts, multiplied componentwise."""

    parts: tuple[Backend, ...]

    @property
    def width(self) -> int:
        return sum(p.width for p in self.parts)

    @property
    def additive_moduli(self) -> tuple[int, ...] | None:
        out: list[int] = []
        for p in self.parts:
            m = p.additive_moduli
            if m is None:
                return None
            out.extend(m)
        return tuple(out)

    def _split(self, a):
        a = np.asarray(a)
        out, start = [], 0
        for p in self.parts:
            out.append(a[..., start:start + p.width])
            start += p.width
        return out

    def compose(self, a, b):
        mods = self.additive_moduli
        if mods is not None:                        # one vectorised addition for all the parts
            return (np.asarray(a) + np.asarray(b)) % np.asarray(mods, dtype=np.int64)
        a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
        return np.concatenate([p.compose(x, y) for p, x, y in zip(self.parts, self._split(a), self._split(b))],
                              axis=-1)

    def invert(self, a):
        mods = self.additive_moduli
        if mods is not None:
            return (-np.asarray(a)) % np.asarray(mods, dtype=np.int64)
        return np.concatenate([p.invert(x) for p, x in zip(self.parts, self._split(a))], axis=-1)

    def names(self, codes):
        if all(isinstance(p, AbelianBackend) and p.width == 1 for p in self.parts):
            return AbelianBackend(tuple(p.moduli[0] for p in self.parts)).names(codes)
        cols = [p.names(x) for p, x in zip(self.parts, self._split(codes))]
        return ["(" + ",".join(t) + ")" for t in zip(*cols)]
