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
relations and the ``2n`` distinct elements, rebuilds the table from the formulas and requires it
to equal the given one; then the cheap general checks (``k`` rows, degrees, power maps) run as
well.  Orthogonality holds by the theorem (``orthogonality_method = "dihedral presentation"``).

Example::

    >>> from theory import dihedral_group
    >>> T = dihedral_character_table(dihedral_group(5))
    >>> T.degrees, T.certificate.orthogonality_method
    ((1, 1, 2, 2), 'dihedral presentation')
"""

from __future__ import annotations

import math

import numpy as np

from .errors import MathematicalError
from .group import FiniteGroup

__all__ = ["dihedral_generators", "dihedral_character_table", "certify_dihedral_table"]


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


def _formula_rows(G: FiniteGroup, r: int, s: int) -> tuple[int, list[int], list[np.ndarray]]:
    n = G.order // 2
    e = math.lcm(n, 2)
    a, eps = _coordinates(G, r, s)
    reps = G.class_representatives
    ca, ce = a[reps], eps[reps]
    half, u = e // 2, e // n
    degrees, rows = [1, 1], [np.zeros((len(reps), 1), np.int64), (ce * half)[:, None]]
    if n % 2 == 0:
        degrees += [1, 1]
        rows += [((ca * half) % e)[:, None], (((ca + ce) * half) % e)[:, None]]
    for j in range(1, (n + 1) // 2):
        rot = np.sort(np.stack([(j * ca * u) % e, (-j * ca * u) % e], axis=1), axis=1)
        rows.append(np.where(ce[:, None] == 1, np.array([[0, half]]), rot))
        degrees.append(2)
    return e, degrees, rows


def dihedral_character_table(G: FiniteGroup):
    """The (uncertified) table of a dihedral group (raises if ``G`` is not dihedral)."""
    from .characters import _sorted_table
    gens = dihedral_generators(G)
    if gens is None:
        raise MathematicalError(f"{G.name}: not a dihedral group")
    e, degrees, rows = _formula_rows(G, *gens)
    if e != G.exponent:
        raise MathematicalError(f"{G.name}: the exponent is not lcm(n, 2)")
    dtype = np.int16 if e < 2 ** 15 else np.int32
    return _sorted_table(G, e, degrees, [x.astype(dtype) for x in rows], 0, "dihedral")


def certify_dihedral_table(T):
    """The proof of the module docstring; raises :class:`MathematicalError` when a step fails."""
    from .characters import TableCertificate, _check_power_maps, _check_shape_and_degrees
    G = T.group
    gens = dihedral_generators(G)
    if gens is None:
        raise MathematicalError(f"{G.name}: the table claims a dihedral group, but r, s are not found")
    r, s = gens
    n = G.order // 2
    if not (G.power(r, n) == 0 and G.mul(s, s) == 0 and G.mul(G.mul(s, r), s) == G.inverses[r]):
        raise MathematicalError(f"{G.name}: the dihedral relations fail")
    _check_shape_and_degrees(T)
    _check_power_maps(T)
    rebuilt = dihedral_character_table(G)
    if rebuilt.degrees != T.degrees or any(not np.array_equal(x, y) for x, y in zip(rebuilt.eigenvalues,
                                                                                    T.eigenvalues)):
        raise MathematicalError(f"{G.name}: the table is not the dihedral table of the presentation")
    return TableCertificate(G.order, G.num_classes, True, True, True, True, True, "dihedral presentation", True)
