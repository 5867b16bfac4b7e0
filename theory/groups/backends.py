"""How a finite group's elements are stored and multiplied.

A :class:`~bilinear.theory.groups.group.FiniteGroup` keeps its elements as the rows of an integer array ("codes")
and asks a backend to multiply and invert rows, vectorised over leading axes.  Every backend is a
small frozen dataclass:

* :class:`PermutationBackend` – a row is the image array of a permutation of ``0..d-1``; the product
  ``a*b`` applies ``a`` first (docs/design.md §3): ``(a*b)[i] = b[a[i]]``.  Names: cycle notation.
* :class:`DihedralBackend` – the symmetries ``x -> u x + c`` (``u = ±1``) of the regular ``n``-gon on
  its vertices ``0..n-1``, a row holding only the images ``(f(0), f(1))`` (two integers instead of
  ``n``; the full image array is built on demand).  Names: words in the presentation's ``r`` and
  ``s`` (``1``, ``r^k``, ``s*r^k``; docs/design.md §3), a few characters each whatever ``n``;
  cycle notation of the ``n``-gon is read as well.
* :class:`AbelianBackend` – a row is a vector of ``Z_{m_1} x ... x Z_{m_k}``, added mod ``m_i``.
* :class:`TableBackend` – a row is ``[i]``, multiplied through a validated Cayley table.
* :class:`ProductBackend` – a row is the concatenation of rows of its parts, multiplied per part.

Backends only do arithmetic on rows; the group owns ordering, indexing and all structure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bilinear.theory.errors import InputError, expected
from bilinear.theory.groups.perms import compose_images, format_cycles

__all__ = ["Backend", "PermutationBackend", "DihedralBackend", "AbelianBackend", "TableBackend", "ProductBackend"]


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

    def row_of_alias(self, name: str) -> np.ndarray | None:
        """The row of the element that ``name`` writes in a notation other than :meth:`names`
        (read on input only), or ``None`` when ``name`` is no such spelling."""
        return None

    def element_orders(self, codes: np.ndarray) -> np.ndarray | None:
        """The orders of the rows' elements when the backend knows them in closed form, else ``None``."""
        return None

    def permutation_images(self, codes: np.ndarray) -> np.ndarray | None:
        """The image arrays of the rows under the backend's own permutation action (``None`` when
        the backend has none: then the group's regular action is the one at hand)."""
        return None


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

    def permutation_images(self, codes):
        return np.asarray(codes)


@dataclass(frozen=True)
class DihedralBackend(Backend):
    """The dihedral group of order ``2n`` (``n >= 3``) acting on the vertices ``0..n-1`` of the
    regular ``n``-gon, held by its structure: the element ``f(x) = u x + c mod n`` (``u = ±1``) is
    the row ``(f(0), f(1)) = (c, c + u)``, which determines it because ``1 != -1 mod n``.

    The rows sort as the full image tuples do (two distinct affine maps first differ at 0 or 1),
    so element indices are those of the permutation group of the ``n``-gon, while a product costs
    two integers instead of ``n``: with ``a`` applied first, ``(a*b)(x) = u_b (u_a x + c_a) + c_b``.

    **Names** are words in the generators ``r: x -> x + 1`` (the rotation ``(1,2,...,n)``) and
    ``s: x -> -x`` (the reflection fixing vertex 1), products applied left to right
    (docs/design.md §3): the rotation ``x -> x + k`` is ``r^k`` and the reflection ``x -> k - x``
    is ``s*r^k`` (``s`` first), for ``0 <= k < n``, with ``r^0 = 1``, ``r^1 = r``, ``s*r^0 = s``
    and ``s*r^1 = s*r``.  A name has ``O(log n)`` characters (cycle notation has ``O(n)``).  On
    input, cycle notation of the ``n``-gon action (1-based, as ``perm:`` groups print) is read as
    well (:meth:`row_of_alias`).

    >>> B = DihedralBackend(5)
    >>> r, s = np.array([1, 2]), np.array([0, 4])      # x -> x + 1 and x -> -x
    >>> B.compose(s, r).tolist(), B.names(np.array([r, s, B.compose(s, r), B.compose(r, r)]))
    ([1, 0], ['r', 's', 's*r', 'r^2'])
    >>> B.row_of_alias("(2,5)(3,4)").tolist(), B.row_of_alias("(1,2)")
    ([0, 4], None)
    """

    n: int

    def __post_init__(self):
        if isinstance(self.n, bool) or not isinstance(self.n, (int, np.integer)) or self.n < 3:
            raise expected("n", "an integer >= 3 (the dihedral backend needs 1 != -1 mod n)", self.n)

    @property
    def width(self) -> int:
        return 2

    def _split(self, a):
        a = np.asarray(a, dtype=np.int64)
        c = a[..., 0]
        return c, (a[..., 1] - c) % self.n              # u in {1, n - 1}

    def compose(self, a, b):
        n = self.n
        ca, ua = self._split(a)
        cb, ub = self._split(b)
        c = (ub * ca + cb) % n
        return np.stack([c, (c + ua * ub) % n], axis=-1)

    def invert(self, a):
        n = self.n
        c, u = self._split(a)                           # f^-1(y) = u (y - c)
        return np.stack([(-u * c) % n, (u * (1 - c)) % n], axis=-1)

    def element_orders(self, codes) -> np.ndarray:
        """Orders in closed form: ``n / gcd(c, n)`` for the rotation ``x -> x + c``, 2 for reflections."""
        c, u = self._split(codes)
        return np.where(u == 1, self.n // np.gcd(c, self.n), 2).astype(np.int64)

    def permutation_images(self, codes):
        c, u = self._split(codes)
        return (u[..., None] * np.arange(self.n) + c[..., None]) % self.n

    def names(self, codes):
        c, u = self._split(np.asarray(codes).reshape(-1, 2))
        out = []
        for k, rotation in zip(c.tolist(), (u == 1).tolist()):
            word = "" if k == 0 else "r" if k == 1 else f"r^{k}"        # r^k: x -> x + k
            out.append((word or "1") if rotation else ("s*" + word if word else "s"))   # s*r^k: x -> k - x
        return out

    def row_of_alias(self, name):
        """The row of the element written in 1-based cycle notation, when it is one of the ``n``-gon's
        symmetries (``None`` otherwise, or when ``name`` is not cycle notation)."""
        from bilinear.theory.groups.parsing import parse_cycles
        try:
            moved = parse_cycles(name, "element")
        except InputError:
            return None
        n = self.n
        if any(p >= n for p in moved):
            return None
        images = np.arange(n, dtype=np.int64)
        images[list(moved)] = list(moved.values())
        row = images[:2].copy()
        if not np.array_equal(self.permutation_images(row), images):
            return None
        return row


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
