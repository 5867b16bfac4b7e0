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

from bilinear.theory.characters.abelian import abelian_character_table
from bilinear.theory.characters.dihedral import dihedral_character_table, dihedral_generators
from bilinear.theory.characters.dixon_schneider import dixon_schneider_table
from bilinear.theory.characters.product import direct_factors, product_character_table
from bilinear.theory.characters.table import BaseCharacterTable, CharacterTable
from bilinear.theory.errors import expected, type_of
from bilinear.theory.groups.group import FiniteGroup

__all__ = ["character_table"]


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


def _build_table(G: FiniteGroup) -> BaseCharacterTable:
    if G.is_abelian:
        return abelian_character_table(G)
    factors = direct_factors(G)
    if factors:
        return product_character_table(G, tuple(character_table(F) for F in factors))
    if dihedral_generators(G) is not None:
        return dihedral_character_table(G)
    return dixon_schneider_table(G)
