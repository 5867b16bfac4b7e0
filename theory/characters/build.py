"""Exact character tables of finite groups, with a certificate: the one entry point, which chooses
how to compute a table from the group's structure (docs/design.md §6).

For a :class:`~bilinear.theory.groups.group.FiniteGroup` ``G`` with ``k`` conjugacy classes and
exponent ``e``, :func:`character_table` returns the ``k`` irreducible complex characters as a
:class:`~bilinear.theory.characters.table.CharacterTable` (every value held as the multiset of
eigenvalue exponents, :mod:`.table`), certified (:mod:`.certificate`).  How it is computed:

* abelian groups from their invariants (:mod:`.abelian`: dual vectors, no ``|G| x |G|`` array);
* direct products built by :func:`~bilinear.theory.groups.named.direct_product` as the tensor
  product of the factors' tables (:mod:`.product`);
* dihedral groups from their presentation (:mod:`.dihedral`);
* every other group by Dixon-Schneider modulo a prime (:mod:`.dixon_schneider`).

Example::

    >>> from bilinear.theory import alternating_group, symmetric_group
    >>> T = character_table(alternating_group(4))
    >>> T.degrees, T.method, T.certificate.row_orthogonality
    ((1, 1, 1, 3), 'dixon-schneider', True)
    >>> character_table(symmetric_group(3)).method     # S3 is dihedral: from the presentation
    'dihedral'
"""

from __future__ import annotations

import math

from bilinear.theory.characters.abelian import abelian_character_table
from bilinear.theory.characters.dihedral import dihedral_character_table, dihedral_generators
from bilinear.theory.characters.dixon_schneider import dixon_schneider_table
from bilinear.theory.characters.product import direct_factors, product_character_table
from bilinear.theory.characters.table import BaseCharacterTable, CharacterTable
from bilinear.theory.errors import expected, type_of
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.resources import check_memory

__all__ = ["character_table", "table_bytes", "table_entries_bound", "TABLE_BYTES_PER_ENTRY"]


def character_table(G: FiniteGroup, certify: bool = True) -> CharacterTable:
    """The certified character table of ``G`` (built once per group object).

    Abelian groups: from their invariants (:mod:`bilinear.theory.characters.abelian`); direct products:
    the tensor product of the factors' tables (:mod:`bilinear.theory.characters.product`); dihedral groups:
    from the presentation (:mod:`bilinear.theory.characters.dihedral`); others: Dixon-Schneider modulo a
    prime (module docstring).
    Example: ``character_table(quaternion_group()).degrees == (1, 1, 1, 1, 2)``.
    """
    if not isinstance(G, FiniteGroup):
        raise expected("G", "a FiniteGroup", type_of(G))
    table = G.memo("character_table", lambda: _build_table(G))
    if certify:
        table.certify()
    return table


#: Bytes per eigenvalue entry a table build needs at its peak (the entries, int64, and the
#: temporaries of sorting and certifying them), measured with tracemalloc: about 9 for dihedral
#: tables (D_4000, D_8000), about 17 for direct products (S3 x Z_1600) and Dixon-Schneider.
TABLE_BYTES_PER_ENTRY = {"dihedral": 10, "other": 20}


def table_entries_bound(G: FiniteGroup) -> int:
    """An upper bound on the eigenvalue entries of the character table of ``G`` (every value
    ``chi(g)`` is held as ``chi(1)`` exponents, :mod:`.table`): ``k * sum chi(1) <= k sqrt(k |G|)``
    for ``k`` classes, since ``sum chi(1)^2 = |G|`` (Cauchy-Schwarz), read from the class count
    alone, before any table is built.

    >>> from bilinear.theory import dihedral_group
    >>> G = dihedral_group(10)                      # k = 8 classes, degrees 1, 1, 1, 1, 2, 2, 2, 2
    >>> table_entries_bound(G), G.num_classes * sum(character_table(G).degrees)
    (104, 96)
    """
    k = G.num_classes
    return k * math.isqrt(k * G.order) + k


def table_bytes(G: FiniteGroup) -> int:
    """The memory a character table of the non-abelian ``G`` needs while it is built and certified,
    estimated from its order and class count (:data:`TABLE_BYTES_PER_ENTRY`); an abelian group's
    table is read off its invariants (``O(|G|)``), estimated at 0 here."""
    if G.is_abelian:
        return 0
    kind = "dihedral" if direct_factors(G) is None and dihedral_generators(G) is not None else "other"
    return TABLE_BYTES_PER_ENTRY[kind] * table_entries_bound(G)


def _build_table(G: FiniteGroup) -> BaseCharacterTable:
    if G.is_abelian:
        return abelian_character_table(G)
    check_memory(table_bytes(G), f"the character table of {G.name} ({G.num_classes} conjugacy classes)")
    factors = direct_factors(G)
    if factors:
        return product_character_table(G, tuple(character_table(F) for F in factors))
    if dihedral_generators(G) is not None:
        return dihedral_character_table(G)
    return dixon_schneider_table(G)
