"""Where a finite group sits in the hierarchy (docs/design.md §4): block sizes, faithful dimensions, level.

Definitions (``psi`` ranges over real irreducibles, ``chi`` over complex irreducibles):

* ``min_block_real`` = the smallest ``B`` with ``∩{ker psi : dim psi <= B} = {e}``; BLOCK(B) tracks
  ``G`` exactly iff ``B >= min_block_real`` (docs/design.md §4).  ``min_block_complex``: the same over
  complex irreducibles and their degrees.
* ``min_faithful_dim_real`` / ``_complex`` = the smallest total dimension of a faithful direct sum
  of irreducibles.  A faithful sum never needs a repeated summand (repeating does not change the
  kernel), so it is a minimum over *sets*.
* ``lowest_level``: the weakest level of :data:`bilinear.theory.hierarchy.levels.LEVEL_NAMES` that tracks the group
  exactly: ``pdiag`` (trivial group), ``rdiag`` (``Z_2^k``, k >= 1), ``rot`` (other abelian groups),
  ``block`` (non-abelian; block size ``min_block_real``); with ``lowest_level_hidden_size`` = the
  smallest hidden size H at that level (a model has H >= 1):
  - ``rdiag``: H = k = the number of ±1 characters in a faithful set (= min faithful real dim);
  - ``rot``: every 2x2 block is a rotation ``[[a,-b],[b,a]]`` that carries one real irreducible
    of the abelian group (a rotation pair ``chi + conj chi``, or a ±1 character as ``a I_2``), so
    H = 2 x (smallest number of real irreducibles in a faithful set) = 2 x rank(G) (a faithful set
    of linear characters generates the dual group);
  - ``block``: BLOCK(H, B) has ``H/B`` blocks of size ``B = min_block_real``, each carrying a real
    representation of dimension <= B, so H = B x the least number of bins of capacity B that hold
    a faithful set of real irreducibles of dimension <= B (:func:`block_packing`, exact);
  - ``pdiag``: H = 1 (the one state needs one coordinate in a model).

**Exact minimum faithful sets (A* search).**  Kernels are normal subgroups, so intersections of
kernels are normal; a normal subgroup ``K != 1`` contains a minimal normal subgroup ``N``.  Let
``f(K)`` be the least cost of a set ``S`` with ``K ∩ ⋂_S ker psi = 1``.  Any such ``S`` contains some
``psi`` with ``N ⊄ ker psi`` (otherwise ``N`` survives), and then ``S \\ {psi}`` solves
``K ∩ ker psi``; conversely ``psi`` plus a solution of ``K ∩ ker psi`` solves ``K``.  Hence
``f(1) = 0`` and ``f(K) = min_{psi : N ⊄ ker psi} cost(psi) + f(K ∩ ker psi)``: a shortest path from
``G`` to ``1`` in the graph of normal subgroups.  We run A* with the lower bound
``h(K) = max_p rank_p(K ∩ A_p)``, ``A_p`` the product of the abelian minimal normal p-subgroups
(elementary abelian).  It is consistent: by Clifford's theorem ``chi|_A`` is a multiple of a sum of
``t <= chi(1)`` linear characters of ``A``, so ``A/(A ∩ ker chi)`` has p-rank ``<= chi(1) <= cost``.
With a consistent heuristic, A* returns an optimal path; the set of its edges attains the minimum.

Minimal normal subgroups are the minimal members of ``{normal closure of g : g of prime order}``
(every minimal normal subgroup contains an element of prime order).  All sets are bit masks over
conjugacy classes.

Example::

    >>> from bilinear.theory import quaternion_group
    >>> L = hierarchy_level(quaternion_group())
    >>> L.min_block_real, L.min_block_complex, L.lowest_level
    (4, 2, 'block')
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from bilinear.theory.characters.table import BaseCharacterTable

from bilinear.theory.characters.build import character_table
from bilinear.theory.resources import check_work
from bilinear.theory.errors import MathematicalError, NotRealizableError, expected, type_of
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.arith.integers import factorint, isprime, primefactors
from bilinear.theory.representations.real_irreps import real_irreducibles

__all__ = ["HierarchyLevel", "hierarchy_level", "minimum_faithful_set", "minimal_normal_subgroups",
           "block_packing", "BlockPacking"]


@dataclass(frozen=True)
class HierarchyLevel:
    """The hierarchy data of one group; ``*_irreps`` are indices into
    :func:`bilinear.theory.representations.real_irreps.real_irreducibles`, ``*_characters`` into the character table."""

    group: str
    order: int
    min_block_real: int
    min_block_real_irreps: tuple[int, ...]
    min_block_complex: int
    min_block_complex_characters: tuple[int, ...]
    min_faithful_dim_real: int
    min_faithful_real_irreps: tuple[int, ...]
    min_faithful_dim_complex: int
    min_faithful_complex_characters: tuple[int, ...]
    lowest_level: str
    lowest_level_block: int | None
    lowest_level_hidden_size: int
    lowest_level_irreps: tuple[int, ...]


# ------------------------------------------------------------------------------------ masks
def _to_int(mask: np.ndarray) -> int:
    return int.from_bytes(np.packbits(np.asarray(mask, dtype=bool), bitorder="little").tobytes(), "little")


def _to_ints(masks) -> list[int]:
    """:func:`_to_int` of each mask (one packing for all of them)."""
    if not len(masks):
        return []
    packed = np.packbits(np.asarray(np.stack(masks), dtype=bool), axis=1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def _to_bool(x: int, k: int) -> np.ndarray:
    raw = np.frombuffer(x.to_bytes((k + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:k].astype(bool)


@dataclass(frozen=True)
class _Normal:
    """Minimal normal subgroups (class masks) and the abelian socle layers ``A_p``."""

    minimal: tuple[int, ...]
    layers: tuple[tuple[int, np.ndarray], ...]   # (p, class mask of A_p as bool array)


def _normal_closures(T: BaseCharacterTable, classes) -> np.ndarray:
    """Class masks of the normal closures of the given classes: the normal closure of ``g`` is
    the intersection of the kernels of the irreducibles whose kernel contains ``g``."""
    K = T.kernel_mask
    return np.array([K[K[:, c]].all(axis=0) for c in classes], dtype=bool).reshape(len(classes), -1)


def _abelian_prime_subgroups(G: FiniteGroup) -> list[tuple[int, int]]:
    """``(mask, p)`` for the subgroups of prime order of an abelian group (classes = elements)."""
    out = {}
    for p in primefactors(G.order):
        cands = np.flatnonzero(G.element_orders == p)
        if cands.size == 0:
            continue
        pw = G.power(np.repeat(cands, p), np.tile(np.arange(p), len(cands))).reshape(len(cands), p)
        pw.sort(axis=1)
        for row in np.unique(pw, axis=0):
            out[sum(1 << int(x) for x in row)] = p
    return list(out.items())


def _normal_data(T: BaseCharacterTable) -> _Normal:
    return T.group.memo("normal_data", lambda: _build_normal_data(T))


def _build_normal_data(T: BaseCharacterTable) -> _Normal:
    G = T.group
    k = G.num_classes
    if G.is_abelian:
        found = _abelian_prime_subgroups(G)
        minimal = [m for m, _ in found]
        order_of = {m: p for m, p in found}
        layers = [(p, (G.element_orders == p) | (np.arange(k) == 0)) for p in primefactors(G.order)]
    else:
        prime_classes = [c for c in range(1, k) if isprime(int(G.class_orders[c]))]
        closures = _normal_closures(T, prime_classes)
        order_of = {}
        for row in closures:
            order_of[_to_int(row)] = int(G.class_sizes[row].sum())
        minimal = [m for m, s in order_of.items()
                   if isprime(s) or not any(n != m and n & m == n for n in order_of)]
        layers = []
        for p in primefactors(G.order):
            abelian_p = [m for m in minimal if primefactors(order_of[m]) == [p]]
            if abelian_p:
                union = np.zeros(k, dtype=bool)
                for m in abelian_p:
                    union |= _to_bool(m, k)
                K = T.kernel_mask
                layers.append((p, K[np.all(K[:, union], axis=1)].all(axis=0)))
    minimal.sort(key=lambda m: (order_of[m], m))
    return _Normal(tuple(minimal), tuple(layers))


def minimal_normal_subgroups(G: FiniteGroup) -> list[np.ndarray]:
    """The minimal normal subgroups of ``G`` as sorted element-index arrays.
    Example: ``len(minimal_normal_subgroups(abelian_group((2, 2))))`` is 3."""
    k = G.num_classes
    return [np.flatnonzero(_to_bool(m, k)[G.class_of]) for m in _normal_data(character_table(G)).minimal]


# ------------------------------------------------------------------------------------ search
def minimum_faithful_set(G: FiniteGroup, costs, kernel_masks, min_cost_bound: bool = True):
    """Exact minimum of ``sum cost`` over sets of items whose kernels meet in ``{e}`` (A* search,
    module docstring).  ``costs[i]`` must be ``>=`` the complex degree of a constituent of item
    ``i`` (true for real and complex dimensions); ``kernel_masks[i]`` is a boolean class mask.
    Returns ``(cost, indices)``, or ``None`` when even all items together are not faithful."""
    k = G.num_classes
    kers = _to_ints(kernel_masks)
    costs = [int(c) for c in costs]
    goal = 1
    everything = (1 << k) - 1
    meet = everything
    for x in kers:
        meet &= x
    if meet != goal:
        return None
    if k == 1:
        return 0, ()
    data = _normal_data(character_table(G))
    sizes = G.class_sizes
    layer_w = [(p, sizes * m) for p, m in data.layers]
    floor = min(costs) if (costs and min_cost_bound) else 0

    def h(K: int) -> int:
        if K == goal:
            return 0
        bits = _to_bool(K, k)
        best = floor
        for p, w in layer_w:
            best = max(best, round(math.log(int(w[bits].sum()), p)))
        return best

    best_g = {everything: 0}
    parent: dict[int, tuple[int, int] | None] = {everything: None}
    heap = [(h(everything), 0, 0, everything)]
    counter = 0
    # each expansion meets k-bit kernels with every item and evaluates the bound per layer: the
    # search is exponential for some groups (Q8 x Z2^n), so its work is bounded as it goes
    per_expansion = (len(kers) + len(layer_w) + 1) * k
    expanded = 0
    while heap:
        f, neg_g, _, K = heapq.heappop(heap)
        g = -neg_g
        if g > best_g[K]:
            continue
        expanded += 1
        if expanded % 1024 == 0:
            check_work(expanded * per_expansion, f"the faithful-set search of {G.name} ({len(kers)} irreducibles, "
                                                 f"{k} classes; {expanded} kernels examined without finishing)")
        if K == goal:
            chosen = []
            step = parent[K]
            while step is not None:
                K, i = step
                chosen.append(i)
                step = parent[K]
            return g, tuple(sorted(chosen))
        N = next(m for m in data.minimal if m & K == m)
        for i, ker in enumerate(kers):
            if N & ~ker == 0:
                continue
            K2 = K & ker
            g2 = g + costs[i]
            if g2 < best_g.get(K2, math.inf):
                best_g[K2] = g2
                parent[K2] = (K, i)
                counter += 1
                heapq.heappush(heap, (g2 + h(K2), -g2, counter, K2))
    raise MathematicalError(f"{G.name}: the faithful-set search ended without reaching the trivial subgroup")


# ------------------------------------------------------------------------------------ level
def _min_block(dims, masks, k) -> int:
    for B in sorted(set(dims)):
        meet = np.ones(k, dtype=bool)
        for d, m in zip(dims, masks):
            if d <= B:
                meet &= m
        if meet.sum() == 1:
            return int(B)
    raise MathematicalError("the irreducible representations together are not faithful")


def _search(G, dims, masks, allowed, cost_of=None, memo=None):
    idx = [i for i in range(len(dims)) if allowed(dims[i])]
    costs = [dims[i] if cost_of is None else cost_of(dims[i]) for i in idx]
    key = (id(masks), tuple(idx), tuple(costs))
    if memo is not None and key in memo:
        return memo[key]
    res = minimum_faithful_set(G, costs, [masks[i] for i in idx])
    if res is None:
        raise MathematicalError(f"{G.name}: no faithful set among the allowed irreducibles")
    cost, chosen = res
    out = cost, tuple(idx[j] for j in chosen)
    if memo is not None:
        memo[key] = out
    return out


def hierarchy_level(G) -> HierarchyLevel:
    """The :class:`HierarchyLevel` of a group (or of its character table).

    Example: ``hierarchy_level(symmetric_group(5)).min_block_real == 4``.
    """
    T = G if isinstance(G, BaseCharacterTable) else None
    if T is None:
        if not isinstance(G, FiniteGroup):
            raise expected("G", "a FiniteGroup or CharacterTable", type_of(G))
        T = character_table(G)
    return T.group.memo("hierarchy_level", lambda: _build_level(T))


def _build_level(T: BaseCharacterTable) -> HierarchyLevel:
    grp = T.group
    if grp.order == 1:
        return HierarchyLevel(grp.name, 1, 0, (), 0, (), 0, (), 0, (), "pdiag", None, 1, ())
    from bilinear.theory.characters.abelian import AbelianCharacterTable
    if isinstance(T, AbelianCharacterTable):
        return _abelian_level(T)
    return _general_level(T)


def _primary_generators(moduli: tuple[int, ...]) -> dict[int, list[np.ndarray]]:
    """Per prime ``p``, generators of the cyclic p-primary factors of ``Z_{m_1} x ... x Z_{m_r}``
    (``(m_j / p^a) e_j`` for ``p^a || m_j``), by decreasing order."""
    out: dict[int, list[tuple[int, np.ndarray]]] = {}
    for j, m in enumerate(moduli):
        for p, a in factorint(m).items():
            u = np.zeros(len(moduli), dtype=np.int64)
            u[j] = m // p ** a
            out.setdefault(int(p), []).append((int(p) ** int(a), u))
    return {p: [u for _, u in sorted(us, key=lambda t: -t[0])] for p, us in out.items()}


def _abelian_level(T) -> HierarchyLevel:
    """The hierarchy of an abelian group from its invariants (no search, no kernel masks).

    Characters are the dual vectors ``y``; a set is faithful iff it generates the dual group
    ``Z_{m_1} x ... x Z_{m_r}``, i.e. iff for every prime ``p`` its image spans the dual modulo
    ``p`` (rank ``r_p`` = number of ``m_j`` divisible by ``p``).  So the fewest characters are
    ``d = max_p r_p`` (sums ``sum_p u_{p,t}`` of the t-th primary generators), which gives
    ``min_faithful_dim_complex = d`` and, at ``complex_diagonal``, ``H = 2 d``.  Real
    irreducibles: ``±1`` characters (``2y = 0``, dimension 1) and pairs ``{y, -y}`` (dimension
    2).  A ``±1`` character is 0 modulo every odd ``p`` and modulo 2 lies in the span of the
    ``a`` factors ``Z_2`` (the order-2 elements of ``Z_{2^k}``, ``k >= 2``, are doubles); with
    ``b`` factors ``Z_{2^k}`` (``k >= 2``) and ``M = max(b, max_{p odd} r_p)`` a faithful set needs
    ``m >= M`` pairs and ``s >= a + b - m`` signs, so ``min_faithful_dim_real =
    2 M + max(0, a + b - M)``, attained by the construction in the code.  ``min_block_real`` is 1
    for ``Z_2^k`` and 2 otherwise (all real irreducibles have dimension <= 2), so the block
    witness is the real faithful one."""
    G = T.group
    gens = _primary_generators(T.moduli)
    d = max(len(us) for us in gens.values())
    two = gens.get(2, [])
    b = sum(1 for u in two if int(np.lcm.reduce(np.asarray(T.moduli) // np.gcd(u, T.moduli))) >= 4)
    odd = max([len(us) for p, us in gens.items() if p != 2], default=0)
    M = max(b, odd)
    irr = real_irreducibles(T)
    real_of = np.empty(T.num_characters, dtype=np.int64)       # character -> its real irreducible
    real_of[irr.characters] = np.arange(len(irr))
    paired = irr.partners >= 0
    real_of[irr.partners[paired]] = np.flatnonzero(paired)

    def combined(t: int, primes) -> np.ndarray:
        return sum((gens[p][t] for p in primes if t < len(gens[p])), np.zeros(len(T.moduli), dtype=np.int64))

    complex_set = tuple(sorted(T.index_of_dual(combined(t, gens)) for t in range(d)))
    pairs = [T.index_of_dual(combined(t, gens)) for t in range(M)]
    signs = [T.index_of_dual(two[t]) for t in range(M, len(two))]
    real_set = tuple(sorted(int(real_of[i]) for i in pairs + signs))
    real_cost = 2 * M + len(signs)
    if int(irr.real_dims[list(real_set)].sum()) != real_cost:
        raise MathematicalError(f"{G.name}: the faithful real set does not have the dimension of its construction")
    elementary = T.exponent == 2
    b_real = 1 if elementary else 2
    if elementary:
        level, hidden, witness = "rdiag", real_cost, real_set
    else:
        level, hidden, witness = "rot", 2 * d, tuple(sorted(int(real_of[i]) for i in complex_set))
    return HierarchyLevel(G.name, G.order, b_real, real_set, 1, complex_set, real_cost, real_set, d, complex_set,
                          level, None, hidden, witness)


def _general_level(T: BaseCharacterTable) -> HierarchyLevel:
    grp = T.group
    k = grp.num_classes
    irr = real_irreducibles(T)
    rdims = irr.real_dims.tolist()
    rmasks = [T.kernel_mask[i] for i in irr.characters.tolist()]
    cdims = list(T.degrees)
    cmasks = list(T.kernel_mask)
    b_real = _min_block(rdims, rmasks, k)
    b_complex = _min_block(cdims, cmasks, k)
    memo: dict = {}
    blk_real_cost, blk_real = _search(grp, rdims, rmasks, lambda d: d <= b_real, memo=memo)
    _, blk_complex = _search(grp, cdims, cmasks, lambda d: d <= b_complex, memo=memo)
    fr_cost, fr = _search(grp, rdims, rmasks, lambda d: True, memo=memo)
    fc_cost, fc = _search(grp, cdims, cmasks, lambda d: True, memo=memo)
    if not grp.is_abelian:
        packing = block_packing(T, b_real)
        level, block, hidden, witness = "block", b_real, packing.hidden, packing.irreps
    elif grp.exponent == 2:
        level, block, hidden, witness = "rdiag", None, fr_cost, fr
    else:
        hidden, witness = _search(grp, rdims, rmasks, lambda d: True, cost_of=lambda d: 2)
        level, block = "rot", None
    return HierarchyLevel(grp.name, grp.order, b_real, blk_real, b_complex, blk_complex, fr_cost, fr, fc_cost, fc,
                          level, block, int(hidden), witness)


# ------------------------------------------------------------------------------------ block packing
@dataclass(frozen=True)
class BlockPacking:
    """A least BLOCK(H, B) layout: ``irreps`` (indices into ``real_irreducibles``) form a faithful
    set of real irreducibles of dimension <= ``block``, packed into ``blocks`` (tuples of positions
    in ``irreps``, each of total dimension <= ``block``); ``hidden = block * len(blocks)``."""

    block: int
    irreps: tuple[int, ...]
    dims: tuple[int, ...]
    blocks: tuple[tuple[int, ...], ...]

    @property
    def hidden(self) -> int:
        return self.block * len(self.blocks)


def _least_bins(dims, B: int) -> list[list[int]]:
    """An optimal packing of items of sizes ``dims`` into bins of capacity ``B`` (depth-first search
    with the first-fit-decreasing packing as the starting bound; the sets are small)."""
    order = sorted(range(len(dims)), key=lambda i: -dims[i])
    best: list[list[int]] = []
    for i in order:                                    # first fit decreasing
        for b in best:
            if sum(dims[j] for j in b) + dims[i] <= B:
                b.append(i)
                break
        else:
            best.append([i])
    floor = -(-sum(dims) // B)

    def rec(pos, bins, room):
        nonlocal best
        if len(best) == floor or len(bins) >= len(best):
            return
        if pos == len(order):
            best = [list(b) for b in bins]
            return
        i = order[pos]
        seen = set()
        for b in range(len(bins)):
            if room[b] >= dims[i] and room[b] not in seen:
                seen.add(room[b])
                bins[b].append(i)
                room[b] -= dims[i]
                rec(pos + 1, bins, room)
                room[b] += dims[i]
                bins[b].pop()
        bins.append([i])
        room.append(B - dims[i])
        rec(pos + 1, bins, room)
        bins.pop()
        room.pop()

    rec(0, [], [])
    return best


def block_packing(G, B: int) -> BlockPacking:
    """The least hidden size of BLOCK(H, B) on ``G`` and a layout attaining it (exact).

    Each B x B block of an exact tracker carries a real representation of dimension <= B (block-size
    classification), i.e. real irreducibles of total dimension <= B, and the blocks together must be
    faithful; so the least ``H/B`` is the least number of bins of capacity ``B`` holding a faithful set
    of real irreducibles of dimension <= B.  A faithful set of total dimension ``t`` needs at least
    ``ceil(t/B)`` bins: start from a set of least total dimension (A* search) packed optimally; if it
    misses its own floor, search every faithful set whose total could need fewer bins.  Raises
    :class:`NotRealizableError` when ``B < min_block_real``.

    Example: ``block_packing(abelian_group((5,)) , 3).hidden`` is 3 (one rotation pair in one block);
    for ``A4xZ5`` and ``B = 3`` the 3-dimensional and the 2-dimensional irreducibles need two blocks, H = 6.
    """
    T = G if isinstance(G, BaseCharacterTable) else character_table(G)
    grp = T.group
    B = int(B)
    if grp.order == 1:
        return BlockPacking(max(B, 1), (), (), ((),))
    irr = real_irreducibles(T)
    from bilinear.theory.characters.abelian import AbelianCharacterTable
    L = hierarchy_level(T) if isinstance(T, AbelianCharacterTable) else None   # (no search: no recursion)
    if L is not None and L.min_block_real <= B <= 2:
        # Abelian, B <= 2: m >= M pairs and s >= a + b - m signs (see _abelian_level) fill
        # m + ceil(s / B') bins; one more pair saves at most one bin, so the least real faithful
        # set, pairs alone and signs B at a time, is a least packing.
        chosen = L.min_faithful_real_irreps
        chosen_dims = tuple(irr[i].real_dim for i in chosen)
        pos_pairs = [j for j, d in enumerate(chosen_dims) if d == 2]
        pos_signs = [j for j, d in enumerate(chosen_dims) if d == 1]
        bins = [(j,) for j in pos_pairs] + [tuple(pos_signs[t:t + B]) for t in range(0, len(pos_signs), B)]
        return BlockPacking(B, tuple(chosen), chosen_dims, tuple(bins))
    allowed = np.flatnonzero(irr.real_dims <= B).tolist()
    dims = irr.real_dims[allowed].tolist()
    masks = [T.kernel_mask[i] for i in irr.characters[allowed].tolist()]
    found = minimum_faithful_set(grp, dims, masks)
    if found is None:
        raise NotRealizableError(f"{grp.name}: the real irreducibles of dimension <= {B} are not faithful together "
                                 "(block-size classification)")
    total, chosen = found
    best_set = tuple(chosen)
    best_bins = _least_bins([dims[i] for i in chosen], B)
    if len(best_bins) > -(-total // B):
        kers = [_to_int(m) for m in masks]
        minimal = _normal_data(T).minimal
        seen: set[frozenset] = set()

        def rec(K, cost, picked):
            nonlocal best_set, best_bins
            if K == 1:
                key = frozenset(picked)
                if key not in seen:
                    seen.add(key)
                    bins = _least_bins([dims[i] for i in picked], B)
                    if len(bins) < len(best_bins):
                        best_set, best_bins = tuple(picked), bins
                return
            N = next(m for m in minimal if m & K == m)
            for i, ker in enumerate(kers):
                if N & ~ker and i not in picked and cost + dims[i] <= B * (len(best_bins) - 1):
                    rec(K & ker, cost + dims[i], picked + (i,))

        rec((1 << grp.num_classes) - 1, 0, ())
    order = sorted(range(len(best_set)), key=lambda j: best_set[j])
    pos = {j: n for n, j in enumerate(order)}
    irreps = tuple(allowed[best_set[j]] for j in order)
    blocks = tuple(sorted(tuple(sorted(pos[j] for j in b)) for b in best_bins))
    return BlockPacking(B, irreps, tuple(irr[i].real_dim for i in irreps), blocks)
