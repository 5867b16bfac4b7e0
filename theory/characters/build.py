"""Exact character tables of finite groups, with a certificate: the one entry point, which chooses
how to compute a table from the group's structure.

**What is computed.**  For a :class:`~bilinear.theory.groups.group.FiniteGroup` ``G`` with ``k`` conjugacy classes
and exponent ``e``, the ``k`` irreducible complex characters.  Every value ``chi(g)`` is held as the
multiset of eigenvalues of ``rho_chi(g)``: ``eigenvalues[i][c]`` is a sorted integer row of length
``chi_i(1)`` whose entries ``a`` stand for ``zeta_e^a`` (``zeta_e = exp(2 pi i / e)``), so
``chi_i(g_c) = sum_a zeta_e^a`` -- an exact element of ``Z[zeta_e]`` (reduce it to coordinates with
:func:`bilinear.theory.arith.cyclotomic.reduce_counts`).  Kernels, indicators, conjugates and powers read off this
form directly (``g^j`` has eigenvalues ``zeta^(j a)``).

**Method (non-abelian groups): Dixon-Schneider modulo a prime.**  Take the smallest prime
``p = 1 (mod e)`` with ``p > 2 sqrt|G|``.  The class sums ``C_j`` satisfy ``C_j C_r = sum_s a_jrs C_s``
with ``a_jrs = #{x in C_j : x^-1 z_s in C_r}`` (``z_s`` a representative of class ``s``).  The
central characters ``omega_chi(C_s) = |C_s| chi(g_s) / chi(1)`` are the common eigenvectors of the
matrices ``M_j[r, s] = a_jrs`` (``M_j omega = omega(C_j) omega``).  Since ``p`` does not divide
``|G|`` and GF(p) contains the e-th roots of unity, the class algebra over GF(p) is split semisimple
and its ``k`` characters are the reductions of the ``omega_chi`` (reduction modulo a prime ``P``
above ``p``, fixed by sending ``zeta_e`` to a chosen primitive e-th root ``w`` mod p).  So
splitting GF(p)^k by the eigenspaces of ``M_j`` for ``j = 1, 2, ...`` ends in ``k`` lines.  Then
``chi(1)^2 = |G| / sum_s omega_s omega_s* / |C_s|`` (``s*`` = class of inverses; the unique root
``<= sqrt|G|`` because ``p > 2 sqrt|G|``), ``chi(g_s) = omega_s chi(1) / |C_s|`` mod p, and the
eigenvalue multiplicities ``m_t = (1/o) sum_l chi(g^l) w_o^(-t l)`` (``o`` the order of ``g``,
``w_o = w^(e/o)``) are integers in ``0..chi(1) < p``, hence recovered exactly.  (J. D. Dixon,
Numer. Math. 10 (1967); G. J. A. Schneider, J. Symb. Comput. 9 (1990).)

**Abelian groups** are built from their invariants by :mod:`bilinear.theory.characters.abelian` (an
:class:`~bilinear.theory.characters.abelian.AbelianCharacterTable`: dual vectors instead of a ``|G| x |G|``
array, with its own cheap proof); :func:`certify_character_table` below still applies to it, as
an independent (dense) check for small groups.

**Certificate** (:meth:`CharacterTable.certify`, run by :func:`character_table`): exact arithmetic
in ``Z[zeta_e]`` checks ``k`` rows for ``k`` classes, ``chi(1)`` dividing ``|G|``,
``sum chi(1)^2 = |G|``, consistency with the power maps (the multiset at ``g^q`` is ``q`` times the
multiset at ``g``, every prime ``q | |G|``), row orthogonality
``sum_c |C_c| chi_i(g_c) conj(chi_j(g_c)) = |G| delta_ij`` and column orthogonality
``sum_i chi_i(g_c) conj(chi_i(g_d)) = delta_cd |C_G(g_c)|``; and, when ``k^4 e`` is at most
:data:`CENTRAL_CHECK_LIMIT`, that every row yields a central character (an algebra homomorphism
of the class algebra), which with the rest proves the rows are exactly the irreducible
characters.  Any failure raises :class:`MathematicalError`.  For abelian groups above :data:`LITERAL_ABELIAN_LIMIT` elements the
two orthogonality relations are certified through the theorem they follow from instead: every row
is verified to be a homomorphism ``G -> <zeta_e>`` (on all elements times all generators), the
``|G|`` rows are pairwise distinct and the columns pairwise distinct; distinct homomorphisms are
orthogonal (sum of a non-trivial homomorphism over a group is 0), and a square matrix with
orthonormal rows has orthonormal columns.

Example::

    >>> from bilinear.theory import symmetric_group
    >>> T = character_table(symmetric_group(3))
    >>> T.degrees, T.certificate.row_orthogonality
    ((1, 1, 2), True)
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
