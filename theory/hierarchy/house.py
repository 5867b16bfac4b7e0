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

The rank is computed from the character: ``rank(ρ(g) - I) = dim ρ - dim Fix ρ(g)`` and
``dim Fix ρ(g) = (1/|g|) Σ_{k < |g|} χ(g^k)`` (the multiplicity of the trivial character of ``<g>``);
it is additive over direct sums.  A faithful sum never needs a repeated summand (repeating raises
every rank and changes no kernel) nor a trivial one, so the search runs over sets of non-trivial real
irreducibles whose kernels meet in ``{e}``, each added only when it shrinks the common kernel (every
inclusion-minimal faithful set is reached that way), keeping per common kernel the Pareto-optimal
pairs ``(dimension, rank per alphabet class)``.

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

import heapq
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from bilinear.theory.characters.table import BaseCharacterTable

from bilinear.theory.characters.build import character_table
from bilinear.theory.errors import InputError
from bilinear.theory.representations.real_irreps import real_character, real_irreducibles

__all__ = ["HouseOption", "HouseTable", "house_table", "reflection_ranks", "fixed_dimension"]


def fixed_dimension(T: BaseCharacterTable, r: int, cls: int, chi=None) -> int:
    """``dim Fix ρ_r(g)`` for ``g`` in class ``cls``: ``(1/|g|) Σ_{k<|g|} χ_r(g^k)``, exactly (``chi``:
    the values of :func:`bilinear.theory.representations.real_irreps.real_character`, if already at hand)."""
    G = T.group
    chi = real_character(T, r) if chi is None else chi
    o = int(G.class_orders[cls])
    powers = G.class_of[G.power(np.full(o, int(G.class_representatives[cls])), np.arange(o))]
    total = chi[0] * 0
    for c in powers:
        total = total + chi[int(c)]
    value = Fraction(total.rational_value()) / o
    if value.denominator != 1:
        raise InputError(f"fixed dimension {value} of real irreducible {r} on class {cls} is not an integer")
    return int(value)


def reflection_ranks(T, classes) -> np.ndarray:
    """``rank(ρ_r(g) - I)`` for every real irreducible ``r`` (rows) and every class in ``classes`` (``T``:
    a group or its character table)."""
    T = T if isinstance(T, BaseCharacterTable) else character_table(T)
    irr = real_irreducibles(T)
    out = np.zeros((len(irr), len(classes)), dtype=np.int64)
    for r, ir in enumerate(irr):
        chi = real_character(T, r)
        for j, c in enumerate(classes):
            out[r, j] = ir.real_dim - fixed_dimension(T, r, int(c), chi)
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


def _dominated(a: tuple[int, tuple[int, ...]], b: tuple[int, tuple[int, ...]]) -> bool:
    """Whether ``b`` is at least as good as ``a`` everywhere (dimension and every rank)."""
    return b[0] <= a[0] and all(y <= x for x, y in zip(a[1], b[1]))


def house_table(G, alphabet=None) -> HouseTable:
    """The HOUSE classification of ``G`` (a group or its character table) over ``alphabet`` (element
    indices; default every element).  For a generating alphabet the faithful representations are those
    of ``G``; an alphabet that does not generate ``G`` is refused (track ``<alphabet>`` instead)."""
    T = G if isinstance(G, BaseCharacterTable) else character_table(G)
    grp = T.group
    alph = tuple(range(grp.order)) if alphabet is None else tuple(int(a) for a in alphabet)
    if not alph:
        raise InputError("alphabet: expected at least one element")
    if len(grp.closure(alph)) != grp.order:
        raise InputError(f"alphabet: the elements {[grp.names[a] for a in alph]} do not generate {grp.name}; "
                         "name a generating set (or analyse the subgroup they generate)")
    key = ("house_table", alph)
    return grp.memo(key, lambda: _house_table(T, alph))


def _house_table(T: BaseCharacterTable, alph: tuple[int, ...]) -> HouseTable:
    grp = T.group
    classes = sorted({int(grp.class_of[a]) for a in alph})
    irr = real_irreducibles(T)
    ranks = reflection_ranks(T, classes)
    full = (1 << grp.num_classes) - 1
    goal = 1 << int(grp.class_of[0])
    kernels = [int(sum(1 << int(c) for c in np.flatnonzero(T.kernel_mask[r.constituents[0]]))) for r in irr]
    useful = [r for r in range(len(irr)) if kernels[r] != full]
    sizes = np.asarray(grp.class_sizes, dtype=np.int64)

    def order_of(mask: int) -> int:
        return int(sum(int(sizes[c]) for c in range(grp.num_classes) if (mask >> c) & 1))

    zero = tuple(0 for _ in classes)
    pareto: dict[int, list[tuple[int, tuple[int, ...], tuple[int, ...]]]] = {full: [(0, zero, ())]}
    heap = [(-grp.order, full)]
    done = set()
    finals: list[tuple[int, tuple[int, ...], tuple[int, ...]]] = []
    while heap:
        _, K = heapq.heappop(heap)
        if K in done:
            continue
        done.add(K)
        if K == goal:
            finals = pareto[K]
            continue
        for r in useful:
            K2 = K & kernels[r]
            if K2 == K:
                continue
            bucket = pareto.setdefault(K2, [])
            if K2 not in done and all(K2 != k for _, k in heap):
                heapq.heappush(heap, (-order_of(K2), K2))
            for dim, vec, sets in pareto[K]:
                cand = (dim + irr[r].real_dim, tuple(v + int(x) for v, x in zip(vec, ranks[r])),
                        tuple(sorted(sets + (r,))))
                if any(_dominated((cand[0], cand[1]), (b[0], b[1])) for b in bucket):
                    continue
                bucket[:] = [b for b in bucket if not _dominated((b[0], b[1]), (cand[0], cand[1]))] + [cand]
    if grp.order == 1:
        finals = [(0, zero, ())]
    options: list[HouseOption] = []
    for dim, vec, sets in sorted(finals, key=lambda f: (max(f[0], 1), max(max(f[1], default=0), 1), f[2])):
        h, n = max(dim, 1), max(max(vec, default=0), 1)
        if options and n >= options[-1].householders:
            continue
        if options and h == options[-1].hidden:
            continue
        options.append(HouseOption(h, n, sets))
    return HouseTable(grp.name, alph, tuple(options))
