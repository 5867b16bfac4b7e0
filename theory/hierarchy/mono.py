"""MONO(H): the least degree of a faithful monomial representation (docs/design.md §14).

A *monomial* representation sends every element to a permutation matrix times a diagonal matrix.
With real entries of finite order the diagonal is ±1 (*signed*: the level ``mono``, H real
coordinates); with complex entries it is any root of unity (PD-SSM's complex diagonal: ``n`` complex
coordinates, ``2n`` real numbers).  The classification:

* every monomial representation is a direct sum of *transitive* ones (the orbits of the group on the
  coordinate axes), and a transitive one is induced, ``Ind_K^G λ``, from a linear character ``λ`` of
  the stabiliser ``K`` of one axis (``λ`` is the scalar by which ``K`` acts on it; ±1 for signed);
  its degree is ``[G : K]``;
* ``ker Ind_K^G λ = core_G(ker λ)``: ``g`` acts trivially iff it fixes every coset ``xK`` and acts by
  ``1`` on each line, i.e. ``x^{-1} g x ∈ ker λ`` for all ``x``;
* so the least degree of a faithful monomial representation is the least total index of a family
  ``(K_i, N_i = ker λ_i)`` whose cores meet in ``{e}``.  For a subgroup ``N`` the cheapest ``K`` is an
  overgroup with ``K/N`` cyclic (``λ`` then exists with kernel exactly ``N``): ``K = <N, g>`` with
  ``g`` normalising ``N``; signed needs ``[K : N] <= 2``.  Hence ``cost(N) = [G : N] / m(N)`` with
  ``m(N)`` = the largest order of ``gN`` in ``N_G(N)/N`` (complex), or ``2`` if some ``g`` outside
  ``N`` normalises it with ``g^2 ∈ N`` and ``1`` otherwise (signed);
* the minimum over families is a shortest path in the lattice of normal subgroups: from ``G``, each
  step intersects with the core of one chosen ``N`` at cost ``cost(N)``, until ``{e}`` (Dijkstra).

Bounds: a faithful permutation action is the case ``λ = 1`` (so the degree is at most the least
faithful permutation degree, :attr:`MonomialDegree.permutation_degree`), and a monomial
representation is a representation (so at least the least faithful real — signed — or complex
dimension).  Necessity for tracking (docs/design.md §14, ``mono.characterisation``): the coordinate
functionals of an exact MONO(H) tracker restricted to the span of its states are permuted, up to
scalars, by the group, so the dual of the tracked representation is a quotient of a monomial
representation of degree ``<= H`` — which is then faithful.

Example::

    >>> from bilinear.theory import parse_group
    >>> d = monomial_degree(parse_group("Q8"))
    >>> d.degree, d.complex_degree, d.permutation_degree
    (4, 2, 8)
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from bilinear.theory.errors import InputError
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.groups.subgroups import Subgroup, core_classes, join_element, normalises, subgroups, table_lists

__all__ = ["MonomialSummand", "MonomialDegree", "monomial_degree", "induced_monomial_matrices"]


@dataclass(frozen=True)
class MonomialSummand:
    """One transitive summand ``Ind_K^G λ``: ``K`` (subgroup mask), ``kernel`` = ``ker λ`` (mask), its
    ``degree`` ``[G : K]`` and ``character_order`` ``[K : ker λ]`` (1, 2 for signed; any for complex)."""

    K: int
    kernel: int
    degree: int
    character_order: int


@dataclass(frozen=True)
class MonomialDegree:
    """The least degrees of faithful monomial representations of ``group`` (every one at least 1):
    ``degree`` (signed, real ±1 entries: MONO's hidden size), ``complex_degree`` (roots of unity), and
    ``permutation_degree`` (plain permutations, the least faithful permutation degree), with the
    summands attaining each."""

    group: str
    order: int
    degree: int
    summands: tuple[MonomialSummand, ...]
    complex_degree: int
    complex_summands: tuple[MonomialSummand, ...]
    permutation_degree: int
    permutation_summands: tuple[MonomialSummand, ...]
    num_subgroups: int

    def __post_init__(self):
        for name in ("degree", "complex_degree", "permutation_degree"):
            if getattr(self, name) < 1:
                raise InputError(f"{name}: expected >= 1")
        if not self.complex_degree <= self.degree <= self.permutation_degree:
            raise InputError("degrees: expected complex <= signed <= permutation")


def _class_bits(mask: np.ndarray) -> int:
    return sum(1 << int(i) for i in np.flatnonzero(mask))


def _coset_order(G: FiniteGroup, g: int, N: Subgroup) -> int:
    """The order of ``gN`` (``g`` normalising ``N``)."""
    table = table_lists(G)
    k, x = 1, g
    while not (N.mask >> x) & 1:
        x = table[x][g]
        k += 1
    return k


def _best_overgroup(G: FiniteGroup, N: Subgroup, kind: str) -> tuple[int, int]:
    """``(m, g)``: the largest usable ``[K : N]`` and an element ``g`` with ``K = <N, g>`` (``g = 0`` for
    ``K = N``)."""
    if kind == "permutation":
        return 1, 0
    best, arg = 1, 0
    for g in range(G.order):
        if (N.mask >> g) & 1 or not normalises(G, g, N):
            continue
        m = _coset_order(G, g, N)
        if kind == "signed" and m != 2:
            continue
        if m > best:
            best, arg = m, g
            if kind == "signed":
                break
    return best, arg


def _solve(G: FiniteGroup, subs: tuple[Subgroup, ...], kind: str) -> tuple[int, tuple[MonomialSummand, ...]]:
    """Least total degree and the summands, by Dijkstra over intersections of cores (class masks)."""
    best_for_core: dict[int, tuple[int, MonomialSummand]] = {}
    for N in subs:
        core = _class_bits(core_classes(G, N.mask))
        if core == (1 << G.num_classes) - 1:
            continue                     # N = G as a kernel: the trivial character, useless for faithfulness
        m, g = _best_overgroup(G, N, kind)
        over = N if g == 0 else join_element(table_lists(G), N, g)
        item = MonomialSummand(over.mask, N.mask, G.order // over.order, m)
        if core not in best_for_core or item.degree < best_for_core[core][0]:
            best_for_core[core] = (item.degree, item)
    start, goal = (1 << G.num_classes) - 1, 1 << int(G.class_of[0])
    if G.order == 1:
        return 1, ()
    dist: dict[int, int] = {start: 0}
    back: dict[int, tuple[int, MonomialSummand]] = {}
    heap = [(0, start)]
    while heap:
        d, K = heapq.heappop(heap)
        if d > dist.get(K, d):
            continue
        if K == goal:
            break
        for core, (c, item) in best_for_core.items():
            K2 = K & core
            if K2 == K:
                continue
            if d + c < dist.get(K2, 1 << 62):
                dist[K2] = d + c
                back[K2] = (K, item)
                heapq.heappush(heap, (d + c, K2))
    items = []
    K = goal
    while K != start:
        K, item = back[K]
        items.append(item)
    return dist[goal], tuple(reversed(items))


def monomial_degree(G: FiniteGroup, max_order: int | None = None) -> MonomialDegree:
    """The least degrees of faithful signed, complex and permutation (monomial) representations of
    ``G`` (module docstring).  Refused above the subgroup-enumeration limit (``max_order``, the
    option ``--modern-max-order``)."""
    subs = subgroups(G, max_order)

    def build():
        deg, summ = _solve(G, subs, "signed")
        cdeg, csumm = _solve(G, subs, "complex")
        pdeg, psumm = _solve(G, subs, "permutation")
        return MonomialDegree(G.name, G.order, deg, summ, cdeg, csumm, pdeg, psumm, len(subs))
    return G.memo("monomial_degree", build)


def induced_monomial_matrices(G: FiniteGroup, summands, elements) -> list[np.ndarray]:
    """Integer ±1 monomial matrices ``ρ(g)`` of ``⊕ Ind_K^G λ`` (signed summands) for ``g`` in
    ``elements``, with ``ρ(gh) = ρ(g) ρ(h)`` in the group's multiplication (``G.mul(g, h)``).

    For a summand with left transversal ``x_1, ..., x_m`` of ``K``: ``g x_i = x_j k`` with ``k ∈ K``
    gives ``ρ(g) e_i = λ(k) e_j``, ``λ(k) = 1`` on ``ker λ`` and ``-1`` on the other coset.

    >>> from bilinear.theory import parse_group
    >>> G = parse_group("Z4"); d = monomial_degree(G)
    >>> induced_monomial_matrices(G, d.summands, [1])[0].tolist()
    [[0, -1], [1, 0]]
    """
    table, inv = G.table, G.inverses
    blocks = []
    for s in summands:
        if s.character_order not in (1, 2):
            raise InputError("summands: expected signed summands (characters of order 1 or 2)")
        cosets: list[int] = []
        covered = 0
        for x in range(G.order):
            if (covered >> x) & 1:
                continue
            cosets.append(x)
            for k in range(G.order):
                if (s.K >> k) & 1:
                    covered |= 1 << int(table[x, k])
        blocks.append(cosets)
    H = sum(len(c) for c in blocks)
    out = []
    for g in elements:
        M = np.zeros((H, H), dtype=np.int64)
        off = 0
        for s, cosets in zip(summands, blocks):
            for i, x in enumerate(cosets):
                y = int(table[g, x])
                for j, xj in enumerate(cosets):
                    k = int(table[inv[xj], y])
                    if (s.K >> k) & 1:
                        M[off + j, off + i] = 1 if (s.kernel >> k) & 1 else -1
                        break
            off += len(cosets)
        out.append(M)
    return out
