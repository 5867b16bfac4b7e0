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
  Core and cost are the same for conjugate subgroups, so one ``N`` per conjugacy class is searched
  (:func:`bilinear.theory.groups.subgroups.subgroup_classes`).

**Abelian groups** are read off their invariants (no subgroup enumeration).  Every subgroup is normal,
so a summand's kernel is ``N = ker λ`` itself and its cost depends on ``A = G/N`` only: ``c(A) = |A| /
m`` with ``m`` the exponent of ``A`` (complex), 2 or 1 as ``|A|`` is even or odd (signed), 1
(permutation).  A summand with ``A`` not cyclic is never needed: split ``A = C x B`` with ``C`` cyclic of
the least invariant factor ``a`` (``a`` divides every other, so ``|B| >= a`` and ``|B| >= 2a`` when ``a``
is odd and ``|B|`` even); the two summands with quotients ``C`` and ``B`` have the same joint kernel
and ``c(C) + c(B) <= c(A)``.  A summand with cyclic quotient is a character ``χ`` (``N = ker χ``,
``A ≅ Z_n``, ``n`` the order of ``χ``), a family is faithful iff its characters generate the dual
group ``Ĝ``, and ``c = 1`` (complex), ``n/2`` or ``n`` (signed, ``n`` even or odd), ``n``
(permutation).  Replacing ``χ`` by its primary parts (powers of ``χ`` that generate it back) does not
raise the cost, except for signed ``n = 2m`` with ``m`` odd: ``c(2m) = m < 1 + m``.  For each prime
``p`` the p-parts generate ``Ĝ_p ≅ Π_j Z_{p^{b_j}}`` (``b_1 >= b_2 >= ...``), and at least ``j`` of
them have order ``>= p^{b_j}`` (``p^{b_j - 1} Ĝ_p`` has rank ``>= j``).  So the least degrees are
``rank G`` (complex), ``Σ p^b`` over the primary invariants (permutation: Johnson's theorem) and,
signed, ``Σ_{p odd} p^b + Σ_{b >= 2} 2^{b-1} + max(0, t - s)``, ``t`` the number of primary factors
``Z_2``, ``s`` the number of odd ones: each odd character may carry one order-2 character (order
``2 p^b``, cost ``p^b``), an extra odd character costs ``>= 3`` and saves at most 1.  Each bound is
attained by the primary basis of ``Ĝ``, merged as said (:func:`abelian_monomial_degree`).

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
import math
from dataclasses import dataclass

import numpy as np

from bilinear.theory.errors import InputError, expected, shown
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.groups.subgroups import Subgroup, core_classes, join_element, normalises, subgroup_classes, table_lists

__all__ = ["MonomialSummand", "MonomialDegree", "monomial_degree", "abelian_monomial_degree", "searched_monomial_degree",
           "induced_monomial_matrices"]


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
    summands attaining each; ``num_subgroup_classes``: the conjugacy classes of subgroups searched
    (``None``: an abelian group, read off its invariants)."""

    group: str
    order: int
    degree: int
    summands: tuple[MonomialSummand, ...]
    complex_degree: int
    complex_summands: tuple[MonomialSummand, ...]
    permutation_degree: int
    permutation_summands: tuple[MonomialSummand, ...]
    num_subgroup_classes: int | None

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
    ``G`` (module docstring): an abelian group from its invariants (:func:`abelian_monomial_degree`),
    any other by the subgroup search (:func:`searched_monomial_degree`, refused above the
    subgroup-enumeration limit ``max_order``, the option ``--modern-max-order``)."""
    if G.is_abelian:
        return abelian_monomial_degree(G)
    return searched_monomial_degree(G, max_order)


def searched_monomial_degree(G: FiniteGroup, max_order: int | None = None) -> MonomialDegree:
    """:func:`monomial_degree` by the search over the classes of subgroups (for any group; refused above
    ``max_order``, default the subgroup-enumeration limit, before anything is enumerated)."""
    subs = subgroup_classes(G, max_order)

    def build():
        deg, summ = _solve(G, subs, "signed")
        cdeg, csumm = _solve(G, subs, "complex")
        pdeg, psumm = _solve(G, subs, "permutation")
        return MonomialDegree(G.name, G.order, deg, summ, cdeg, csumm, pdeg, psumm, len(subs))
    return G.memo("monomial_degree_search", build)


def _primary_duals(G: FiniteGroup) -> tuple[np.ndarray, int, list[tuple[int, int, np.ndarray]]]:
    """``(values, e, basis)``: ``values[g, j]`` = ``x_j(g) e / m_j`` for coordinates
    ``x: G -> Z_{m_1} x ... x Z_{m_r}`` (so ``χ_y(g) = ζ_e^{values[g] . y}``), the exponent ``e``, and
    the primary basis of the dual: ``(p, p^b, y)`` for each ``p^b || m_j``, ``y = (m_j / p^b) e_j``."""
    from bilinear.theory.arith.integers import factorint
    from bilinear.theory.characters.abelian import abelian_coordinates
    moduli, coords = abelian_coordinates(G)
    e = int(np.lcm.reduce(np.asarray(moduli, dtype=np.int64))) if moduli else 1
    values = np.asarray(coords, dtype=np.int64) * np.asarray([e // m for m in moduli], dtype=np.int64)
    basis = []
    for j, m in enumerate(moduli):
        for p, b in sorted(factorint(m).items()):
            y = np.zeros(len(moduli), dtype=np.int64)
            y[j] = m // int(p) ** int(b)
            basis.append((int(p), int(p) ** int(b), y))
    return values, e, basis


def _summand(values: np.ndarray, e: int, y: np.ndarray, n: int, k: int) -> MonomialSummand:
    """``Ind_K^G λ`` for the character ``χ_y`` of order ``n``: ``ker λ = ker χ_y``, ``K`` = where ``χ_y`` is a
    ``k``-th root of unity (``[K : ker χ_y] = k``), degree ``n / k``."""
    a = (values @ y) % e
    kernel = _element_bits(a == 0)
    K = _element_bits((a * k) % e == 0)
    return MonomialSummand(K, kernel, n // k, k)


def _element_bits(mask: np.ndarray) -> int:
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


def abelian_monomial_degree(G: FiniteGroup) -> MonomialDegree:
    """:func:`monomial_degree` of an abelian group from its primary invariants (module docstring).

    >>> from bilinear.theory import parse_group
    >>> d = abelian_monomial_degree(parse_group("Z2xZ34"))     # Z2^2 x Z17: one Z2 rides on Z17
    >>> d.degree, d.complex_degree, d.permutation_degree, [s.degree for s in d.summands]
    (18, 2, 21, [17, 1])
    """
    if not G.is_abelian:
        raise expected("G", "an abelian group", shown(G.name))
    return G.memo("monomial_degree_invariants", lambda: _abelian_degree(G))


def _abelian_degree(G: FiniteGroup) -> MonomialDegree:
    if G.order == 1:
        return MonomialDegree(G.name, 1, 1, (), 1, (), 1, (), None)
    values, e, basis = _primary_duals(G)
    odd = [(q, y) for p, q, y in basis if p != 2]
    signs = [y for p, q, y in basis if q == 2]
    signed = [_summand(values, e, y, q, 2) for p, q, y in basis if p == 2 and q > 2]
    signed += [_summand(values, e, y + z, 2 * q, 2) for (q, y), z in zip(odd, signs)]
    signed += [_summand(values, e, y, q, 1) for q, y in odd[len(signs):]]
    signed += [_summand(values, e, z, 2, 2) for z in signs[len(odd):]]
    per_prime: dict[int, list[tuple[int, np.ndarray]]] = {}
    for p, q, y in basis:
        per_prime.setdefault(p, []).append((q, y))
    rank = max(len(v) for v in per_prime.values())
    complex_ = []
    for t in range(rank):
        parts = [sorted(v, key=lambda qy: -qy[0])[t] for v in per_prime.values() if t < len(v)]
        n = math.prod(q for q, _ in parts)
        complex_.append(_summand(values, e, sum((y for _, y in parts), np.zeros_like(parts[0][1])), n, n))
    perm = [_summand(values, e, y, q, 1) for p, q, y in basis]
    total = lambda items: sum(s.degree for s in items)  # noqa: E731
    return MonomialDegree(G.name, G.order, total(signed), tuple(signed), total(complex_), tuple(complex_),
                          total(perm), tuple(perm), None)


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
