"""All subgroups of a small finite group, as bit masks over the element indices (docs/design.md §14).

The monomial classification (:mod:`bilinear.theory.hierarchy.mono`) needs every subgroup ``N`` of ``G`` with its
core and its normaliser.  :func:`subgroups` finds them by *cyclic extension*: every subgroup is
reached from the trivial group by adjoining one element at a time, each intermediate group being a
subgroup, so the closure of ``{joins <S, g>}`` starting from ``{1}`` is the whole lattice.  Two
elements of one double coset ``S g S`` give the same join, so one per double coset is tried.

A subgroup is a :class:`Subgroup`: its mask (bit ``i`` set iff element ``i`` belongs to it), its
order and a short list of generators.  The work is ``O(#subgroups x #double cosets x |join|)``
table look-ups, so the enumeration is for catalogue-sized groups: orders above
:data:`DEFAULT_MAX_ORDER` are refused unless ``max_order`` (``--modern-max-order``) raises it.

Example::

    >>> from bilinear.theory import parse_group
    >>> len(subgroups(parse_group("S3"))), len(subgroups(parse_group("Q8")))
    (6, 6)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bilinear.theory.errors import InputError
from bilinear.theory.groups.group import FiniteGroup

__all__ = ["Subgroup", "subgroups", "subgroup_classes", "DEFAULT_MAX_ORDER", "HOUSE_MAX_SETS", "members", "core_classes", "normalises", "join_element",
           "table_lists",
           "check_subgroup_order"]

#: Groups up to this order are enumerated unless the caller raises the limit.
DEFAULT_MAX_ORDER = 120

#: The most candidate sets the HOUSE faithful-set search (:mod:`bilinear.theory.hierarchy.house`) may
#: examine unless the caller raises it (``--house-max-sets``); kept here, beside the other limit of the
#: modern rows, so that the command line reads both without loading the representation theory.
HOUSE_MAX_SETS = 500_000


@dataclass(frozen=True)
class Subgroup:
    """A subgroup of ``G``: ``mask`` (bit i = element i), ``order`` and ``generators`` (element indices)."""

    mask: int
    order: int
    generators: tuple[int, ...]

    def __post_init__(self):
        if self.mask & 1 == 0 or bin(self.mask).count("1") != self.order:
            raise InputError("subgroup: the mask must contain the identity and have `order` bits")


def table_lists(G: FiniteGroup) -> list[list[int]]:
    """The multiplication table as nested Python lists (cached on the group: bit arithmetic on masks
    needs Python integers)."""
    return G.memo("table_lists", lambda: G.table.tolist())


def members(mask: int) -> list[int]:
    """The element indices of a mask, increasing."""
    out, i = [], 0
    while mask:
        if mask & 1:
            out.append(i)
        mask >>= 1
        i += 1
    return out


def check_subgroup_order(G: FiniteGroup, max_order: int | None, option: str = "--modern-max-order") -> None:
    """Refuse (one line, exit 2) a group above the subgroup-enumeration limit, naming ``option``."""
    limit = DEFAULT_MAX_ORDER if max_order is None else max_order
    if G.order > limit:
        raise InputError(f"{option}: the subgroup enumeration of {G.name} (order {G.order}) is limited to order "
                         f"{limit}; pass {option} {G.order} to raise it")


def join_element(table, S: Subgroup, g: int) -> Subgroup:
    """``<S, g>`` (``table``: the multiplication table, an array or nested lists)."""
    gens = S.generators + (g,)
    mask = S.mask
    elems = members(S.mask)
    i = 0
    while i < len(elems):
        x = elems[i]
        i += 1
        for s in gens:
            y = table[x][s]
            if not (mask >> y) & 1:
                mask |= 1 << y
                elems.append(y)
    return Subgroup(mask, len(elems), gens)


def subgroups(G: FiniteGroup, max_order: int | None = None) -> tuple[Subgroup, ...]:
    """Every subgroup of ``G``, ordered by order then mask (the trivial group first, ``G`` last).

    Refused above ``max_order`` (default :data:`DEFAULT_MAX_ORDER`; the message names
    ``--modern-max-order``).  Cached on the group."""
    check_subgroup_order(G, max_order)
    return G.memo("subgroups", lambda: _subgroups(G))


def _subgroups(G: FiniteGroup) -> tuple[Subgroup, ...]:
    table = table_lists(G)
    n = G.order
    found: dict[int, Subgroup] = {1: Subgroup(1, 1, ())}
    layer = [found[1]]
    while layer:
        nxt = []
        for S in layer:
            for g in _double_coset_representatives(table, n, S):
                J = join_element(table, S, g)
                if J.mask not in found:
                    found[J.mask] = J
                    nxt.append(J)
        layer = nxt
    return tuple(sorted(found.values(), key=lambda s: (s.order, s.mask)))


def subgroup_classes(G: FiniteGroup, max_order: int | None = None) -> tuple[Subgroup, ...]:
    """One subgroup of each conjugacy class of subgroups of ``G``, ordered by order then mask.

    Cyclic extension run on representatives: a subgroup ``H != 1`` is ``<H', h>`` for a proper subgroup
    ``H'``, conjugate to a representative ``S`` by some ``x``, so ``x^-1 H x = <S, x^-1 h x>`` is a join
    tried from ``S``; every conjugate of each representative is recorded (the orbit of its mask under
    conjugation by the group's generators), so a class is kept once.  Refused above ``max_order`` like
    :func:`subgroups`; cached on the group.

    >>> from bilinear.theory import parse_group
    >>> len(subgroup_classes(parse_group("S4"))), len(subgroups(parse_group("S4")))
    (11, 30)
    """
    check_subgroup_order(G, max_order)
    return G.memo("subgroup_classes", lambda: _subgroup_classes(G))


def _conjugate_masks(G: FiniteGroup, mask: int) -> set[int]:
    """The masks of the conjugates of the subgroup ``mask``: its orbit under conjugation by the generators."""
    table, inv = table_lists(G), G.memo("inverse_list", lambda: G.inverses.tolist())
    gens = [int(s) for s in G.generators]
    seen, todo = {mask}, [mask]
    while todo:
        elems = members(todo.pop())
        for s in gens:
            row, si = table[s], inv[s]
            c = 0
            for x in elems:
                c |= 1 << table[row[x]][si]
            if c not in seen:
                seen.add(c)
                todo.append(c)
    return seen


def _subgroup_classes(G: FiniteGroup) -> tuple[Subgroup, ...]:
    table = table_lists(G)
    trivial = Subgroup(1, 1, ())
    known, reps, layer = {1}, [trivial], [trivial]
    while layer:
        nxt = []
        for S in layer:
            for g in _double_coset_representatives(table, G.order, S):
                J = join_element(table, S, g)
                if J.mask not in known:
                    known |= _conjugate_masks(G, J.mask)
                    reps.append(J)
                    nxt.append(J)
        layer = nxt
    return tuple(sorted(reps, key=lambda s: (s.order, s.mask)))


def _double_coset_representatives(table, n: int, S: Subgroup) -> list[int]:
    """One element of each double coset ``S g S`` outside ``S`` (two elements of one give the same join)."""
    elems = members(S.mask)
    tried, out = S.mask, []
    for g in range(n):
        if (tried >> g) & 1:
            continue
        out.append(g)
        for x in {table[s][g] for s in elems}:
            row = table[x]
            for s in elems:
                tried |= 1 << row[s]
    return out


def core_classes(G: FiniteGroup, mask: int) -> np.ndarray:
    """Boolean class mask of the core of the subgroup ``mask`` (the largest normal subgroup inside it):
    the classes lying wholly in the subgroup (their union is normal and closed, since the conjugates of
    a product are products of conjugates, and every normal subgroup inside is such a union)."""
    inside = np.array([(mask >> i) & 1 for i in range(G.order)], dtype=bool)
    return np.array([bool(inside[c].all()) for c in G.classes], dtype=bool)


def normalises(G: FiniteGroup, g: int, S: Subgroup) -> bool:
    """Whether ``g S g^{-1} = S`` (checked on the generators of ``S``)."""
    table, gi = table_lists(G), int(G.inverses[g])
    return all((S.mask >> table[table[g][s]][gi]) & 1 for s in S.generators)
