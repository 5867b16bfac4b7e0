"""The character-table type: what every table holds and derives, and how its characters are ordered.

A leaf of the character-table subject: the specialised tables (abelian, dihedral, direct products),
the Dixon-Schneider computation and the certificate all import this module, and it imports none of
them.  How a table is computed, and how it is certified, is told in :mod:`.build`,
:mod:`.dixon_schneider` and :mod:`.certificate`.

Every value ``chi(g)`` is held as the multiset of eigenvalues of ``rho_chi(g)``: ``eigenvalues[i][c]``
is a sorted integer row of length ``chi_i(1)`` whose entries ``a`` stand for ``zeta_e^a``
(``zeta_e = exp(2 pi i / e)``), so ``chi_i(g_c) = sum_a zeta_e^a`` -- an exact element of ``Z[zeta_e]``
(reduce it to coordinates with :func:`bilinear.theory.arith.cyclotomic.reduce_counts`).  Kernels,
indicators, conjugates and powers read off this form directly (``g^j`` has eigenvalues ``zeta^(j a)``).

Example::

    >>> from bilinear.theory import symmetric_group
    >>> from bilinear.theory.characters.build import character_table
    >>> T = character_table(symmetric_group(3))
    >>> T.degrees, T.kernel_orders.tolist(), T.indicators
    ((1, 1, 2), [6, 3, 1], (1, 1, 1))
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

from bilinear.theory.arith.cyclotomic import Cyclotomic, reduction_matrix, tensor_coordinates
from bilinear.theory.characters.certificate import TableCertificate, certify_character_table
from bilinear.theory.errors import MathematicalError, expected
from bilinear.theory.groups.group import FiniteGroup

__all__ = ["BaseCharacterTable", "CharacterTable", "lexicographic_order", "sorted_table"]


class _ByCharacter(Protocol):
    """Indexable by character: a ``(k, ...)`` array or rows built on demand."""

    def __len__(self) -> int: ...

    def __getitem__(self, i: Any) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


class BaseCharacterTable:
    """What every character-table type derives from its ``group``, ``exponent``, ``degrees``,
    ``eigenvalues`` (indexable by character) and ``kernel_mask`` (indexable by character)."""

    # declared for the type checker only (this base is no dataclass, so these make no fields): each
    # subclass provides them as dataclass fields or cached properties
    group: FiniteGroup
    exponent: int

    if TYPE_CHECKING:
        @property
        def degrees(self) -> tuple[int, ...]: ...

        @property
        def eigenvalues(self) -> _ByCharacter: ...

        @property
        def kernel_mask(self) -> _ByCharacter: ...

        @property
        def certificate(self) -> TableCertificate: ...

        @property
        def conjugates(self) -> tuple[int, ...]: ...

        @property
        def indicators(self) -> tuple[int, ...]: ...

    # ---------------------------------------------------------------- basics
    @property
    def num_characters(self) -> int:
        return len(self.degrees)

    @property
    def class_sizes(self) -> np.ndarray:
        return self.group.class_sizes

    def value(self, i: int, c: int) -> Cyclotomic:
        """``chi_i(g_c)`` as an exact :class:`Cyclotomic` (in ``Q(zeta_o)``, ``o`` the element order)."""
        o = int(self.group.class_orders[c])
        return Cyclotomic.from_exponents(o, self.eigenvalues[i][c] // (self.exponent // o))

    def row(self, i: int) -> list[Cyclotomic]:
        return [self.value(i, c) for c in range(self.group.num_classes)]

    def counts(self, i: int) -> np.ndarray:
        """``(num_classes, e)`` integer counts: ``chi_i(g_c) = sum_t counts[c, t] zeta_e^t``."""
        E = self.eigenvalues[i]
        k = E.shape[0]
        idx = (np.arange(k)[:, None] * self.exponent + E).ravel()
        return np.bincount(idx, minlength=k * self.exponent).reshape(k, self.exponent)

    def coordinates(self, i: int) -> np.ndarray:
        """``(num_classes, phi(e))`` integer coordinates of row ``i`` on the power basis of ``Q(zeta_e)``."""
        return self.counts(i) @ reduction_matrix(self.exponent)

    def row_complex(self, i: int) -> np.ndarray:
        """Floating-point values of character ``i`` on the classes (complex128, numerics only)."""
        roots = np.exp(2j * np.pi * np.arange(self.exponent) / self.exponent)
        return roots[self.eigenvalues[i]].sum(axis=1)

    @cached_property
    def values_complex(self) -> np.ndarray:
        """Floating-point values ``(num_characters, num_classes)`` complex128 (numerics only)."""
        return np.array([self.row_complex(i) for i in range(self.num_characters)])

    def kernel(self, i: int) -> np.ndarray:
        """Sorted element indices of ``ker chi_i = {g : chi_i(g) = chi_i(1)}``."""
        return np.flatnonzero(self.kernel_mask[i][self.group.class_of])

    def kernel_order(self, i: int) -> int:
        return int(self.class_sizes[self.kernel_mask[i]].sum())

    @property
    def kernel_orders(self) -> np.ndarray:
        """``|ker chi_i|`` for every character (int64)."""
        return np.array([self.kernel_order(i) for i in range(self.num_characters)], dtype=np.int64)

    def certify(self) -> TableCertificate:
        """Run (or return) the exact certificate; raises :class:`MathematicalError` on failure."""
        return self.certificate

    def format(self, max_classes: int = 24) -> str:
        """The table as text: one column per class (size, order), values exact (E(n) notation,
        sqrt for quadratic irrationalities)."""
        from bilinear.theory.characters.format import format_table
        return format_table(self, max_classes)


@dataclass(frozen=True, eq=False)
class CharacterTable(BaseCharacterTable):
    """The irreducible characters of ``group`` (rows) on its conjugacy classes (columns, in the
    group's class order).  Build with :func:`character_table`.

    Fields: ``group``; ``exponent`` e; ``degrees``; ``eigenvalues`` (per character an int array
    ``(num_classes, degree)`` of exponents of ``zeta_e``, each row sorted); ``prime`` (the
    Dixon-Schneider prime, 0 for the abelian construction); ``method``.
    """

    group: FiniteGroup
    exponent: int
    degrees: tuple[int, ...]
    eigenvalues: tuple[np.ndarray, ...]
    prime: int
    method: str

    @cached_property
    def kernel_mask(self) -> np.ndarray:
        """``kernel_mask[i, c]``: class ``c`` lies in ``ker chi_i`` (all eigenvalues 1): the rows
        are sorted and non-negative, so this is their last (largest) exponent being 0."""
        m = np.stack([E[:, -1] for E in self.eigenvalues]) == 0
        m.setflags(write=False)
        return m

    @cached_property
    def kernel_orders(self) -> np.ndarray:
        """``|ker chi_i|`` for every character (int64): the class sizes on the kernel mask, summed."""
        out = self.kernel_mask.astype(np.int64) @ self.class_sizes.astype(np.int64)
        out.setflags(write=False)
        return out

    @cached_property
    def conjugates(self) -> tuple[int, ...]:
        """``conjugates[i]`` = index of ``conj(chi_i)``, i.e. ``g -> chi_i(g^-1)``."""
        G = self.group
        inv_class = G.class_of[G.inverses[G.class_representatives]]
        keys = {E.tobytes(): i for i, E in enumerate(self.eigenvalues)}
        out = []
        for E in self.eigenvalues:
            k = E[inv_class].tobytes()
            if k not in keys:
                raise MathematicalError(f"{G.name}: the complex conjugate of a character is not in the table")
            out.append(keys[k])
        return tuple(out)

    @cached_property
    def indicators(self) -> tuple[int, ...]:
        """Frobenius-Schur indicators ``(1/|G|) sum_g chi(g^2)``, exactly: 0 when ``chi`` is not
        real-valued (Frobenius-Schur); otherwise ``chi(g^2)`` has eigenvalue exponents ``2a``, the
        sum is reduced in ``Z[zeta_e]`` and must be the integer ``+-|G|``."""
        G, e = self.group, self.exponent
        real = [i for i in range(self.num_characters) if self.conjugates[i] == i]   # nu = 0 iff not real-valued
        counts = np.zeros((len(real), e), dtype=np.int64)
        for row, i in enumerate(real):
            E = self.eigenvalues[i]
            w = np.repeat(self.class_sizes, E.shape[1]).astype(np.float64)
            counts[row] = np.rint(np.bincount(((2 * E.astype(np.int64)) % e).ravel(), weights=w, minlength=e))
        coords = tensor_coordinates(counts, e)
        out = [0] * self.num_characters
        for row, i in enumerate(real):
            total, rest = int(coords[row, 0]), coords[row, 1:]
            if np.any(rest != 0) or total % G.order or total // G.order not in (-1, 0, 1):
                raise MathematicalError(f"{G.name}: a Frobenius-Schur indicator is not -1, 0 or 1")
            out[i] = total // G.order
        return tuple(out)

    @cached_property
    def certificate(self) -> TableCertificate:
        """The exact certificate (computed once; raises :class:`MathematicalError` on failure):
        :func:`~bilinear.theory.characters.certificate.certify_character_table` (subclasses built
        from a structure prove it their way)."""
        return certify_character_table(self)


def lexicographic_order(rows: np.ndarray) -> np.ndarray:
    """The stable permutation sorting the rows of a non-negative integer matrix lexicographically
    (column 0 first), in one vectorised sort: each row is read as one big-endian byte string.

    >>> lexicographic_order(np.array([[1, 0], [0, 300], [0, 2]])).tolist()
    [2, 1, 0]
    """
    rows = np.asarray(rows)
    if rows.ndim != 2:
        raise expected("rows", "a 2-dimensional integer array", rows.shape)
    if rows.size and rows.min() < 0:
        raise expected("rows", "non-negative entries", int(rows.min()))
    wide = ">u2" if not rows.size or rows.max() < 2 ** 16 else ">u8"
    if rows.shape[1] == 0:
        return np.arange(len(rows))
    keys = np.ascontiguousarray(rows.astype(wide)).view(np.dtype((np.void, rows.shape[1] * np.dtype(wide).itemsize)))
    return np.argsort(keys.ravel(), kind="stable")


_T = TypeVar("_T", bound="CharacterTable")


def sorted_table(G, e, degrees, eig, prime, method, order=None, cls: type[_T] | None = None, **extra) -> _T:
    """Order the characters by degree, then lexicographically by their eigenvalue data (the
    trivial character first); ``order`` may be given when already known.  ``cls`` is the table
    type (default :class:`CharacterTable`); ``extra`` are its further fields."""
    if order is None:
        order = []
        for d in sorted(set(int(x) for x in degrees)):
            idx = np.array([i for i, x in enumerate(degrees) if x == d])
            flat = np.stack([np.asarray(eig[i]).ravel() for i in idx])
            order += idx[lexicographic_order(flat)].tolist()
    eig_sorted = []
    for i in order:
        a = np.ascontiguousarray(eig[i])
        a.setflags(write=False)
        eig_sorted.append(a)
    make = CharacterTable if cls is None else cls
    return make(G, e, tuple(int(degrees[i]) for i in order), tuple(eig_sorted), prime, method, **extra)  # type: ignore[return-value]
