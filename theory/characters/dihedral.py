"""Character tables of dihedral groups from the presentation, in time ``O(|G| + k^2)``.

**Recognition.**  A non-abelian group of order ``2n`` (``n >= 3``) is dihedral iff it has an
element ``r`` of order ``n`` and an element ``s`` outside ``<r>`` with ``s^2 = 1`` and
``s r s = r^-1``: then ``(a, eps) -> r^a s^eps`` is onto (``2n`` distinct elements), the relations
``r^n = s^2 = (s r)^2 = 1`` define ``D_n`` of order ``2n``, so it is an isomorphism.

**Table** (J.-P. Serre, *Linear Representations of Finite Groups*, §5.3), eigenvalue exponents in
units of ``zeta_e``, ``e = lcm(n, 2)``: the trivial character and the sign ``r -> 1, s -> -1``;
for even ``n`` also ``r -> -1, s -> ±1``; and the ``floor((n-1)/2)`` characters of degree 2,
``rho_j(r^a) = diag(zeta_n^(ja), zeta_n^(-ja))``, ``rho_j(r^a s)`` with eigenvalues ``1, -1``.

**Certificate (a proof).**  :func:`certify_dihedral_table` re-derives ``r`` and ``s``, checks the
relations and the ``2n`` distinct elements, and requires the given table -- its exponent, its
``k`` degrees and every one of its ``k^2`` eigenvalue entries -- to equal the table of the
formulas for that ``r`` and ``s`` (built once per group and kept read-only on it, so the table
and its certificate compute the formulas once).  By the theorem that table is the character
table, so orthogonality, the power maps, the row ranges and the indicators (all ``+1``: every
irreducible is afforded by real matrices) hold without being summed over the group
(``orthogonality_method = "dihedral presentation"``).  All of it is a few array operations over
the characters: ``O(|G| + k^2)`` numpy work and ``O(1)`` Python steps per character type, for
``k`` classes.

Example::

    >>> from bilinear.theory import dihedral_group
    >>> T = dihedral_character_table(dihedral_group(5))
    >>> T.degrees, T.certificate.orthogonality_method
    ((1, 1, 2, 2), 'dihedral presentation')
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np

from bilinear.theory.characters.certificate import TableCertificate

from bilinear.theory.characters.table import CharacterTable, lexicographic_order, sorted_table
from bilinear.theory.errors import MathematicalError
from bilinear.theory.groups.group import FiniteGroup

__all__ = ["dihedral_generators", "dihedral_character_table", "certify_dihedral_table", "DihedralCharacterTable"]


def dihedral_generators(G: FiniteGroup) -> tuple[int, int] | None:
    """``(r, s)`` with ``G = <r, s | r^n, s^2, (s r)^2>`` and ``|G| = 2n``, or ``None`` when ``G``
    is not dihedral of order ``>= 6``."""
    n = G.order // 2
    if G.order % 2 or n < 3 or G.is_abelian:
        return None
    rots = np.flatnonzero(G.element_orders == n)
    if rots.size == 0:
        return None
    r = int(rots[0])
    powers = G.power(np.full(n, r), np.arange(n))
    inside = np.zeros(G.order, dtype=bool)
    inside[powers] = True
    cands = np.flatnonzero(~inside & (G.element_orders == 2))
    if cands.size == 0:
        return None
    ok = G.mul(G.mul(cands, r), cands) == G.inverses[r]
    if not np.any(ok):
        return None
    return r, int(cands[np.argmax(ok)])


def _coordinates(G: FiniteGroup, r: int, s: int) -> tuple[np.ndarray, np.ndarray]:
    """``(a, eps)`` per element index with ``g = r^a s^eps``; raises if the map is not a bijection."""
    n = G.order // 2
    rot = G.power(np.full(n, r), np.arange(n))
    refl = G.mul(rot, s)
    a = np.full(G.order, -1, dtype=np.int64)
    eps = np.full(G.order, -1, dtype=np.int64)
    a[rot], eps[rot] = np.arange(n), 0
    a[refl], eps[refl] = np.arange(n), 1
    if np.any(a < 0) or len(np.unique(np.concatenate([rot, refl]))) != G.order:
        raise MathematicalError(f"{G.name}: r^a s^eps do not list the group once each")
    return a, eps


def _formula_rows(G: FiniteGroup, r: int, s: int) -> tuple[int, np.ndarray, np.ndarray]:
    """The characters from the formulas of the module docstring, in table order (by degree, then
    lexicographically): ``(e, linear, two)`` with the eigenvalue exponents of the linear characters
    ``(2 or 4, k, 1)`` and of the ``floor((n-1)/2)`` characters of degree 2 ``(m, k, 2)``, in the
    table's integer type, vectorised over the characters; built once per ``(G, r, s)`` and
    read-only."""
    return G.memo(("dihedral formula rows", r, s), lambda: _build_formula_rows(G, r, s))


def _build_formula_rows(G: FiniteGroup, r: int, s: int) -> tuple[int, np.ndarray, np.ndarray]:
    n = G.order // 2
    e = math.lcm(n, 2)
    dtype = np.int16 if e < 2 ** 15 else np.int32
    a, eps = _coordinates(G, r, s)
    reps = G.class_representatives
    ca, ce = a[reps], eps[reps]
    half, u = e // 2, e // n
    linear = [np.zeros(len(reps), np.int64), ce * half]
    if n % 2 == 0:
        linear += [(ca * half) % e, ((ca + ce) * half) % e]
    lin = np.stack(linear)
    lin = lin[lexicographic_order(lin)][:, :, None].astype(dtype)              # (linear, k, 1)
    small = np.int32 if n * e < 2 ** 31 else np.int64
    x = np.multiply.outer(np.arange(1, (n + 1) // 2, dtype=small), ((ca * u) % e).astype(small))
    x %= e                                                                # rho_j(r^a): zeta_e^(+-x), x = j a u
    high = e - x
    low = np.minimum(x, high, out=x)                                      # the sorted pair (low, e - low) ...
    np.subtract(e, low, out=high)
    high[high == e] = 0                                                   # ... and (0, 0) where x = 0
    two = np.empty(x.shape + (2,), dtype=dtype)
    two[:, :, 0] = low
    two[:, :, 1] = high
    two[:, ce == 1] = (0, half)                                           # rho_j(r^a s): eigenvalues 1, -1
    order = lexicographic_order(two.reshape(len(two), -1))
    if not np.array_equal(order, np.arange(len(order))):                  # (already sorted: by j)
        two = two[order]
    for arr in (lin, two):
        arr.setflags(write=False)
    return e, lin, two


class DihedralCharacterTable(CharacterTable):
    """The table of a dihedral group from its presentation (:func:`dihedral_character_table`).

    Every irreducible representation of ``D_n`` is afforded by real matrices (``±1``, and the
    rotation ``rho_j(r)`` and reflection ``rho_j(s) = diag(1, -1)`` in a real basis), so every
    character is real-valued (its own conjugate) with Frobenius-Schur indicator ``+1``; these are
    read off the theorem instead of being summed over the group.  The certificate is
    :func:`certify_dihedral_table`."""

    @cached_property
    def conjugates(self) -> tuple[int, ...]:
        return tuple(range(self.num_characters))

    @cached_property
    def indicators(self) -> tuple[int, ...]:
        return (1,) * self.num_characters

    @cached_property
    def certificate(self) -> TableCertificate:
        return certify_dihedral_table(self)


def dihedral_character_table(G: FiniteGroup) -> DihedralCharacterTable:
    """The (uncertified) table of a dihedral group (raises if ``G`` is not dihedral).  Its rows are
    copies of the formula arrays, so the certificate compares two independent copies."""
    gens = dihedral_generators(G)
    if gens is None:
        raise MathematicalError(f"{G.name}: not a dihedral group")
    e, lin, two = _formula_rows(G, *gens)
    if e != G.exponent:
        raise MathematicalError(f"{G.name}: the exponent is not lcm(n, 2)")
    rows = list(lin.copy()) + list(two.copy())                      # views of one copy of each array
    return sorted_table(G, e, [1] * len(lin) + [2] * len(two), rows, 0, "dihedral",
                         order=range(len(rows)), cls=DihedralCharacterTable)


def certify_dihedral_table(T) -> TableCertificate:
    """The proof of the module docstring; raises :class:`MathematicalError` when a step fails."""
    G = T.group
    gens = dihedral_generators(G)
    if gens is None:
        raise MathematicalError(f"{G.name}: the table claims a dihedral group, but r, s are not found")
    r, s = gens
    n = G.order // 2
    if not (G.power(r, n) == 0 and G.mul(s, s) == 0 and G.mul(G.mul(s, r), s) == G.inverses[r]):
        raise MathematicalError(f"{G.name}: the dihedral relations fail")
    e, lin, two = _formula_rows(G, r, s)
    formula = (1,) * len(lin) + (2,) * len(two)
    if T.exponent != e or tuple(T.degrees) != formula or len(T.eigenvalues) != len(formula) or \
            not _rows_equal(T.eigenvalues[:len(lin)], lin) or not _rows_equal(T.eigenvalues[len(lin):], two):
        raise MathematicalError(f"{G.name}: the table is not the dihedral table of the presentation")
    return TableCertificate(G.order, G.num_classes, True, True, True, True, True, "dihedral presentation", True)


def _rows_equal(rows, formula: np.ndarray) -> bool:
    """Whether the given rows are, entry for entry, the ``(m, k, d)`` formula array (shapes included)."""
    if len(rows) != len(formula):
        return False
    if not len(rows):
        return True
    if any(np.shape(E) != formula.shape[1:] for E in rows):
        return False
    return bool(np.array_equal(np.stack(rows), formula))
