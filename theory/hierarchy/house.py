"""HOUSE(H, n_h): which (hidden size, number of Householder factors) track a group (docs/design.md §14).

A model of HOUSE(H, n_h) has per-symbol transitions ``A_σ = ∏_{j < n_h} (I - β_j k_j k_jᵀ)`` with
``|k_j| = 1`` and ``β_j ∈ [0, 2]`` (DeltaNet: one factor; DeltaProduct: several).  The
classification (the theorems ``house.fixed_hyperplanes`` and ``house.cartan_dieudonne``):

  the word problem of ``G`` over the alphabet Σ is tracked exactly by HOUSE(H, n_h) iff some faithful
  real representation ρ of ``G`` with ``dim ρ <= H`` has ``rank(ρ(σ) - I) <= n_h`` for every σ ∈ Σ.

*Necessity*: each factor fixes the hyperplane ``k_j^⊥`` pointwise, so ``A_σ`` fixes their
intersection and ``rank(A_σ - I) <= n_h``; on the span ``V`` of the states ``A_σ`` acts as ``c_σ ρ(σ)``
with ``ρ`` a faithful representation (docs/design.md §3), and ``rank(c_σ ρ(σ) - I_V) <= n_h``.  If
``dim V > n_h`` then ``1/c_σ`` is an eigenvalue of ``ρ(σ)``, which has finite order, so ``c_σ = 1``;
either way ``rank(ρ(σ) - I) <= n_h``.  *Sufficiency*: conjugate ρ to an orthogonal representation (the
rank is basis-invariant); an orthogonal map is a product of exactly ``rank(A - I)`` reflections
(Cartan–Dieudonné), each a factor with ``β = 2``; pad with ``β = 0`` factors and fixed coordinates.

The rank is read off the character table, which holds every ``ρ_χ(g)`` as the exponents ``a`` of its
eigenvalues ``ζ_e^a``: ``dim Fix ρ_χ(g)`` is the number of zero exponents.  A real irreducible is
``χ`` (indicator +1), the realification of ``χ`` (indicator 0; complexified it is ``χ + conj χ``, and
``conj χ`` fixes as much as ``χ``) or ``2χ`` (indicator -1), so ``rank(ρ(g) - I) = (dim ρ / χ(1)) x``
(the number of non-zero exponents of ``χ(g)``), and ranks add over direct sums.

**The search** (:class:`HouseSearch`).  A faithful sum never needs a repeated summand (repeating raises
every rank and changes no kernel) nor one that is not needed for faithfulness: only *minimal* faithful
sets of non-trivial real irreducibles matter.  A normal subgroup is trivial iff it contains no minimal
normal subgroup, so a set is faithful iff every minimal normal subgroup ``N`` lies outside the kernel
of one of its members (the member *covers* ``N``).  In a minimal faithful set every member covers some
``N_r`` that no other member covers; the product of the others lies in ``ker r``, so ``N_r`` meets it
trivially: the ``N_r`` are independent and a minimal faithful set has at most ``ℓ`` members, ``ℓ`` the
number of minimal normal subgroups in a direct decomposition of the socle.  A candidate that another
one dominates (covers no more, larger or equal dimension and every rank) is dropped: swapping it for its
dominator keeps a set faithful and raises neither its dimension nor any rank.  The search visits, in a fixed order, the sets of at
most ``ℓ`` candidates in which every member covers something the others do not, so it examines at most
``sum_{j <= ℓ} C(m, j)`` sets (``m`` candidates).  Finer, when few families need counting: such a set
maps one-to-one to its members' privates (one each, chosen by index), an independent family ``F``,
and the member assigned to each ``N ∈ F``, which covers ``N`` and no other member of ``F``; so at most
``Σ_F Π_{N ∈ F} c_F(N)`` sets, ``c_F(N)`` the candidates covering ``N`` and nothing else in ``F``.  The
smaller is :attr:`HouseSearch.bound`, known before the search starts and refused above ``max_sets``
(the option ``--house-max-sets``).  A set is not extended once a faithful set
found earlier is at least as good in dimension and rank (neither decreases when a member is added).

**Abelian groups over every element** need no search: the least faithful real dimension ``H_0`` (from
the invariants) with ``n_h = H_0`` is the only option.  A set ``S`` of real irreducibles (characters
``χ``, of rank ``dim`` where ``χ(g) != 1``, else 0) is faithful iff its characters generate the dual
group.  For every prime ``p`` pick ``M_p ⊆ S`` whose p-parts form a minimal generating set of the dual
p-group, a basis modulo ``p``; duality gives ``g_p`` of order ``p`` on which each of those p-parts is
``ζ_p``.  At ``g = Π g_p`` every character of ``T = ∪ M_p`` is ``!= 1`` (its p-part is, and p-parts of
different primes do not cancel), and ``T`` is faithful (its p-parts generate each dual p-group), so
``rank_S(g) >= dim T >= H_0``; a least faithful set has every rank ``<= H_0``.

**Z_2^k over a basis** (``k`` non-identity elements that generate it, perhaps with the identity) needs
no search either: the dual basis of ±1 characters has dimension ``k``, the least, and every rank
``<= 1``, the least.

Example (S3 over all its elements: the 2-dimensional reflection representation needs two factors for a
3-cycle; over its transpositions one is enough)::

    >>> from bilinear.theory import parse_group
    >>> G = parse_group("S3")
    >>> t = house_table(G); (t.min_hidden, t.householders_at(2))
    (2, 2)
    >>> house_table(G, [G.element("(1,2)"), G.element("(2,3)")]).householders_at(2)
    1
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bilinear.theory.characters.table import BaseCharacterTable

from bilinear.theory.characters.build import character_table
from bilinear.theory.errors import InputError, MathematicalError, expected
from bilinear.theory.groups.subgroups import HOUSE_MAX_SETS
from bilinear.theory.representations.real_irreps import real_irreducibles

__all__ = ["HouseOption", "HouseTable", "HouseSearch", "house_table", "house_search", "run_search", "reflection_ranks",
           "fixed_dimension", "HOUSE_MAX_SETS"]

#: Above this many rank comparisons (candidates² x alphabet classes) the dominance pass is skipped.
_DOMINANCE_WORK = 20_000_000
#: The finer bound (families of privates) is computed when at most this many families can exist.
_FAMILY_WORK = 20_000


def _table(G) -> BaseCharacterTable:
    return G if isinstance(G, BaseCharacterTable) else character_table(G)


def fixed_dimension(T, r: int, cls: int) -> int:
    """``dim Fix ρ_r(g)`` for ``g`` in class ``cls`` (``T``: a group or its character table): the zero
    eigenvalue exponents of the first complex constituent, times ``dim ρ_r / χ(1)`` (module docstring).

    >>> from bilinear.theory import parse_group
    >>> [fixed_dimension(parse_group("Z3"), 1, c) for c in range(3)]
    [2, 0, 0]
    """
    T = _table(T)
    irr = real_irreducibles(T)
    if not 0 <= r < len(irr):
        raise expected("r", f"a real irreducible index in 0..{len(irr) - 1}", r)
    E = T.eigenvalues[int(irr.characters[r])][int(cls)]
    return int(irr.real_dims[r] // irr.degrees[r]) * int(np.count_nonzero(E == 0))


def reflection_ranks(T, classes) -> np.ndarray:
    """``rank(ρ_r(g) - I)`` for every real irreducible ``r`` (rows) and every class in ``classes`` (``T``:
    a group or its character table), from the eigenvalue exponents (module docstring).

    >>> from bilinear.theory import parse_group
    >>> reflection_ranks(parse_group("S3"), range(3)).tolist()     # trivial, sign, plane; e, (1,2), (1,2,3)
    [[0, 0, 0], [0, 1, 0], [0, 1, 2]]
    """
    T = _table(T)
    irr = real_irreducibles(T)
    cols = np.asarray(list(classes), dtype=np.int64)
    out = np.zeros((len(irr), len(cols)), dtype=np.int64)
    for r, (i, mult) in enumerate(zip(irr.characters.tolist(), (irr.real_dims // irr.degrees).tolist())):
        out[r] = mult * np.count_nonzero(T.eigenvalues[i][cols] != 0, axis=1)
    return out


@dataclass(frozen=True)
class HouseOption:
    """A faithful set of real irreducibles (``irreps``), its dimension ``hidden`` (at least 1) and the
    least number of factors it needs, ``householders`` = max over the alphabet of ``rank(ρ(σ) - I)``
    (at least 1)."""

    hidden: int
    householders: int
    irreps: tuple[int, ...]


@dataclass(frozen=True)
class HouseTable:
    """The HOUSE classification of a group over an alphabet: ``options`` is the Pareto frontier of
    ``(hidden, householders)`` over faithful sets, ``hidden`` increasing and ``householders``
    decreasing."""

    group: str
    alphabet: tuple[int, ...]
    options: tuple[HouseOption, ...]

    def __post_init__(self):
        if not self.options:
            raise InputError("options: a group always has a faithful real representation")
        pairs = [(o.hidden, o.householders) for o in self.options]
        if any(a[0] >= b[0] or a[1] <= b[1] for a, b in zip(pairs, pairs[1:])):
            raise InputError("options: expected hidden increasing and householders decreasing")

    @property
    def min_hidden(self) -> int:
        """The smallest hidden size at which HOUSE tracks the group (= the least faithful real dimension)."""
        return self.options[0].hidden

    @property
    def max_householders(self) -> int:
        """The number of factors needed at the smallest hidden size."""
        return self.options[0].householders

    @property
    def min_householders(self) -> int:
        """The fewest factors at any hidden size."""
        return self.options[-1].householders

    def option_at_hidden(self, H: int) -> HouseOption | None:
        """The option with the fewest factors among those of dimension ``<= H`` (``None`` below min_hidden)."""
        ok = [o for o in self.options if o.hidden <= H]
        return ok[-1] if ok else None

    def householders_at(self, H: int) -> int | None:
        """The smallest n_h with HOUSE(H, n_h) tracking the group (``None`` when no n_h works at ``H``)."""
        o = self.option_at_hidden(H)
        return None if o is None else o.householders

    def option_at_householders(self, n: int) -> HouseOption | None:
        """The option of least dimension with at most ``n`` factors (``None``: no hidden size works)."""
        ok = [o for o in self.options if o.householders <= n]
        return ok[0] if ok else None

    def hidden_at(self, n: int) -> int | None:
        """The smallest H with HOUSE(H, n) tracking the group (``None``: none, at any H)."""
        o = self.option_at_householders(n)
        return None if o is None else o.hidden

    def to_json(self) -> dict:
        return {"alphabet": list(self.alphabet),
                "options": [{"hidden": o.hidden, "householders": o.householders, "irreps": list(o.irreps)}
                            for o in self.options]}


def _class_ints(masks: np.ndarray) -> list[int]:
    """Rows of a boolean ``(n, num_classes)`` array as Python integers (bit ``c`` = class ``c``)."""
    if not len(masks):
        return []
    packed = np.packbits(np.asarray(masks, dtype=bool), axis=1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def _class_bools(x: int, k: int) -> np.ndarray:
    """The ``k`` low bits of ``x`` as a boolean array."""
    raw = np.frombuffer(x.to_bytes((k + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:k].astype(bool)


@dataclass(frozen=True, eq=False)
class HouseSearch:
    """The faithful-set search of one group over one alphabet, prepared (module docstring): the
    ``candidates`` (real irreducible indices, in the order searched) with their ``dims``, ``ranks`` (one
    row per candidate, one column per alphabet class) and ``covers`` (bit ``j``: the candidate's kernel
    misses minimal normal subgroup ``j``); ``universe`` (every such bit), ``length`` (the most members a
    minimal faithful set has) and ``bound``, the most sets the search examines."""

    group: str
    candidates: tuple[int, ...]
    dims: tuple[int, ...]
    ranks: np.ndarray
    covers: tuple[int, ...]
    universe: int
    length: int
    bound: int


def _minimal_normal(T: BaseCharacterTable) -> list[int]:
    """Class masks of the minimal normal subgroups."""
    from bilinear.theory.hierarchy.placement import minimal_normal_subgroups
    G = T.group
    return [sum(1 << int(c) for c in np.unique(G.class_of[N])) for N in minimal_normal_subgroups(G)]


def _kernel_ints(T: BaseCharacterTable) -> list[int]:
    return _class_ints(np.asarray([T.kernel_mask[i] for i in range(T.num_characters)]))


def _product(kernels: list[int], union: int) -> int:
    """The normal closure of a union of classes: the meet of the kernels containing it."""
    out = -1
    for K in kernels:
        if union & ~K == 0:
            out &= K
    return out


def _socle_length(kernels: list[int], minimal: list[int]) -> int:
    """The number of minimal normal subgroups in a direct decomposition of the socle: greedily take
    each one not inside the product of those taken (the normal closure of their union, the meet of
    the kernels containing it); the product of all taken is then the socle."""
    product, length = 1, 0
    for N in minimal:
        if N & ~product:
            length += 1
            product = _product(kernels, product | N)
    return length


def _assignment_bound(kernels: list[int], minimal: list[int], covers: list[int], length: int) -> int:
    """``Σ_F Π_{N ∈ F} c_F(N)`` over the independent families ``F`` of at most ``length`` minimal normal
    subgroups, ``c_F(N)`` the candidates that cover ``N`` and no other member of ``F``: a set examined by
    the search maps one-to-one to a family of privates (one per member, independent) and the members
    assigned to them (module docstring)."""
    total = 0

    def extend(start: int, family: int, product: int, size: int):
        nonlocal total
        for j in range(start, len(minimal)):
            if minimal[j] & ~product == 0:
                continue                       # N_j lies in the product: not independent of the family
            fam = family | (1 << j)
            count = [0] * len(minimal)
            for c in covers:
                hit = c & fam
                if hit and hit & (hit - 1) == 0:
                    count[hit.bit_length() - 1] += 1
            total += math.prod(count[i] for i in range(len(minimal)) if (fam >> i) & 1)
            if size + 1 < length:
                extend(j + 1, fam, _product(kernels, product | minimal[j]), size + 1)

    extend(0, 0, 1, 0)
    return total


def _undominated(order: list[int], dims, ranks: np.ndarray, covers) -> list[int]:
    """The members of ``order`` (sorted so that a dominator comes before what it dominates) that no
    earlier kept member dominates: covers at least as much, dimension and every rank at most as large."""
    kept: list[int] = []
    dim_of = np.asarray(dims)
    for r in order:
        if kept:
            ks = np.asarray(kept)
            at_most = np.flatnonzero((ranks[ks] <= ranks[r]).all(axis=1) & (dim_of[ks] <= dims[r]))
            if any(covers[r] & ~covers[int(ks[j])] == 0 for j in at_most):
                continue
        kept.append(r)
    return kept


def house_search(G, alphabet=None) -> HouseSearch:
    """The prepared search for ``G`` (a group or its character table) over ``alphabet`` (element indices;
    default every element): candidates, covers and the bound on the sets it examines.

    >>> from bilinear.theory import parse_group
    >>> s = house_search(parse_group("S3"))
    >>> s.candidates, s.length, s.bound
    ((2,), 1, 1)
    """
    T = _table(G)
    grp = T.group
    alph = tuple(range(grp.order)) if alphabet is None else tuple(int(a) for a in alphabet)
    return grp.memo(("house_search", alph), lambda: _prepare(T, alph))


def _prepare(T: BaseCharacterTable, alph: tuple[int, ...]) -> HouseSearch:
    grp = T.group
    classes = sorted({int(grp.class_of[a]) for a in alph})
    irr = real_irreducibles(T)
    ranks = reflection_ranks(T, classes)
    dims = irr.real_dims.tolist()
    minimal = _minimal_normal(T)
    if minimal:
        inside = np.stack([_class_bools(N, grp.num_classes) for N in minimal]).astype(np.int64)
        kernels = np.asarray([T.kernel_mask[i] for i in irr.characters.tolist()], dtype=np.int64)
        missed = (inside @ (1 - kernels).T) > 0          # [j, r]: N_j does not lie in ker r
        covers = _class_ints(missed.T)
    else:
        covers = [0] * len(irr)
    order = sorted((r for r in range(len(irr)) if covers[r]),
                   key=lambda r: (dims[r], int(ranks[r].sum()), -bin(covers[r]).count("1"), r))
    if len(order) ** 2 * max(len(classes), 1) <= _DOMINANCE_WORK:
        order = _undominated(order, dims, ranks, covers)
    kernel_ints = _kernel_ints(T)
    length = _socle_length(kernel_ints, minimal)
    bound = sum(math.comb(len(order), j) for j in range(1, min(length, len(order)) + 1))
    families = sum(math.comb(len(minimal), j) for j in range(1, min(length, len(minimal)) + 1))
    if families <= _FAMILY_WORK < bound:
        bound = min(bound, _assignment_bound(kernel_ints, minimal, [covers[r] for r in order], length))
    return HouseSearch(grp.name, tuple(order), tuple(dims[r] for r in order), ranks[order],
                       tuple(covers[r] for r in order), (1 << len(minimal)) - 1, length, bound)


def _refuse(search: HouseSearch, limit: int, order: int):
    return expected("--house-max-sets", f"at least {search.bound} (the sets the house search of {search.group} "
                    f"over this alphabet may examine; analyze --modern-max-order {order - 1} leaves the house and mono "
                    "rows out)", limit)


def house_table(G, alphabet=None, max_sets: int | None = None) -> HouseTable:
    """The HOUSE classification of ``G`` (a group or its character table) over ``alphabet`` (element
    indices; default every element).  For a generating alphabet the faithful representations are those
    of ``G``; an alphabet that does not generate ``G`` is refused (track ``<alphabet>`` instead).  An
    abelian group over every element is read off its invariants; otherwise the search is refused when
    its :attr:`HouseSearch.bound` exceeds ``max_sets`` (default :data:`HOUSE_MAX_SETS`)."""
    T = _table(G)
    grp = T.group
    alph = tuple(range(grp.order)) if alphabet is None else tuple(int(a) for a in alphabet)
    if not alph:
        raise InputError("alphabet: expected at least one element")
    if len(grp.closure(alph)) != grp.order:
        raise InputError(f"alphabet: the elements {[grp.names[a] for a in alph]} do not generate {grp.name}; "
                         "name a generating set (or analyse the subgroup they generate)")
    if grp.is_abelian and len({int(c) for c in grp.class_of[list(alph)]}) == grp.num_classes:
        return grp.memo(("house_table", alph), lambda: _abelian_table(T, alph))
    if grp.exponent == 2 and 1 << len(set(alph) - {0}) == grp.order:
        return grp.memo(("house_table", alph), lambda: _dual_basis_table(T, alph))
    search = house_search(T, alph)
    limit = HOUSE_MAX_SETS if max_sets is None else max_sets
    if search.bound > limit:
        raise _refuse(search, limit, grp.order)
    return grp.memo(("house_table", alph), lambda: _options_table(grp.name, alph, run_search(search)[0]))


def _abelian_table(T: BaseCharacterTable, alph: tuple[int, ...]) -> HouseTable:
    """An abelian group over every element: the one option (H_0, H_0) (module docstring)."""
    from bilinear.theory.hierarchy.placement import hierarchy_level
    L = hierarchy_level(T)
    h = max(L.min_faithful_dim_real, 1)
    return HouseTable(T.group.name, alph, (HouseOption(h, h, tuple(L.min_faithful_real_irreps)),))


def _dual_basis_table(T: BaseCharacterTable, alph: tuple[int, ...]) -> HouseTable:
    """``Z_2^k`` over ``k`` generators (and perhaps the identity), a basis: the dual basis of ±1 characters
    (each ``-1`` on one generator) is faithful of dimension ``k = H_0`` with every rank ``<= 1``, so
    ``(k, 1)`` is the only option (no faithful set is smaller, and ``n_h >= 1``)."""
    grp = T.group
    gens = sorted(set(alph) - {0})
    ranks = reflection_ranks(T, [int(grp.class_of[a]) for a in gens])
    unit = np.eye(len(gens), dtype=np.int64)
    irreps = tuple(sorted(int(np.flatnonzero((ranks == unit[i]).all(axis=1))[0]) for i in range(len(gens))))
    return HouseTable(grp.name, alph, (HouseOption(max(len(gens), 1), 1, irreps),))


def run_search(search: HouseSearch) -> tuple[list[tuple[int, int, tuple[int, ...]]], int]:
    """``(found, examined)``: the faithful sets found that no other found set beats in both dimension
    and largest rank, as ``(hidden, householders, irreps)`` (each at least 1), and the number of sets
    examined (at most ``search.bound``; :func:`house_table` checks the bound against its limit first).

    >>> from bilinear.theory import parse_group
    >>> G = parse_group("Z2^3")
    >>> run_search(house_search(G, G.generators))     # 7 candidates, at most 3 members: <= 63 sets
    ([(3, 1, (1, 2, 4))], 56)
    """
    if search.universe == 0:
        return [(1, 1, ())], 0
    found: list[tuple[int, int, tuple[int, ...]]] = []
    examined = 0
    covers, dims, ranks, cands = search.covers, search.dims, search.ranks, search.candidates

    def beaten(d: int, n: int) -> bool:
        return any(fd <= d and fn <= n for fd, fn, _ in found)

    def extend(start: int, chosen: tuple[int, ...], covered: int, private: tuple[int, ...], dim: int, vec):
        nonlocal examined
        for j in range(start, len(cands)):
            new = covers[j] & ~covered
            if not new:
                continue                 # j covers nothing new: the set would not be minimal
            kept = tuple(p & ~covers[j] for p in private)
            if not all(kept):
                continue                 # an earlier member would cover nothing of its own
            examined += 1
            d, v = dim + dims[j], vec + ranks[j]
            n = max(int(v.max(initial=0)), 1)
            if beaten(max(d, 1), n):
                continue
            now = chosen + (j,)
            if covered | new == search.universe:
                found[:] = [f for f in found if not (max(d, 1) <= f[0] and n <= f[1])]
                found.append((max(d, 1), n, tuple(sorted(cands[i] for i in now))))
            elif len(now) < search.length:
                extend(j + 1, now, covered | new, kept + (new,), d, v)

    extend(0, (), 0, (), 0, np.zeros(ranks.shape[1], dtype=np.int64))
    if examined > search.bound:
        raise MathematicalError(f"house search examined {examined} sets, above its bound {search.bound}")
    return found, examined


def _options_table(name: str, alph: tuple[int, ...], found) -> HouseTable:
    options: list[HouseOption] = []
    for h, n, sets in sorted(found):
        if options and (n >= options[-1].householders or h == options[-1].hidden):
            continue
        options.append(HouseOption(h, n, sets))
    return HouseTable(name, alph, tuple(options))
