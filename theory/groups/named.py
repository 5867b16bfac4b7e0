"""Constructors of finite groups, named after the groups (in the style of sympy.combinatorics).

Every constructor checks the order against ``max_order`` (default
:data:`bilinear.theory.groups.group.DEFAULT_MAX_ORDER`) *before* enumerating anything of that size.

Element orders are canonical: permutation groups list their elements by the lexicographic order of
their image tuples (so ``S_n`` and ``A_n`` are indexed as in the "Illusion of State" benchmark),
``Z_n`` by its integers, and a direct product ``G x H`` by ``i_G * |H| + i_H``.
"""

from __future__ import annotations

import itertools
import math

from typing import TYPE_CHECKING

import numpy as np

from bilinear.theory.groups.backends import AbelianBackend, DihedralBackend, PermutationBackend, ProductBackend, TableBackend
from bilinear.theory.errors import InputError, OrderLimitError, expected, shown, type_of
from bilinear.theory.groups.group import FiniteGroup, group_from_rows
from bilinear.theory.groups.limits import MAX_PERMUTATION_ENTRIES, check_order_limit
from bilinear.theory.groups.perms import compose_images, parse_generators

if TYPE_CHECKING:
    from sympy.combinatorics import PermutationGroup

__all__ = [
    "cyclic_group", "abelian_group", "trivial_group", "direct_product", "dihedral_group",
    "quaternion_group", "symmetric_group", "alternating_group", "permutation_group",
    "group_from_generator_string", "group_from_sympy", "group_from_cayley_table",
]


def _positive_int(value, argument: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < minimum:
        raise expected(argument, f"an integer >= {minimum}", value)
    return int(value)


# ------------------------------------------------------------------------------------ abelian
def abelian_group(moduli, name: str | None = None, max_order: int | None = None) -> FiniteGroup:
    """``Z_{m_1} x ... x Z_{m_k}`` with elements the vectors ``(x_1, ..., x_k)``, added mod ``m_i``.

    Example: ``abelian_group((2, 4)).names[5] == "(1,1)"``.
    """
    moduli = tuple(_positive_int(m, "moduli") for m in moduli)
    if not moduli:
        raise InputError("moduli: expected at least one modulus")
    order = math.prod(moduli)
    name = name or "x".join(f"Z{m}" for m in moduli)
    check_order_limit(order, max_order, name)
    grids = np.meshgrid(*[np.arange(m) for m in moduli], indexing="ij")
    rows = np.stack([g.ravel() for g in grids], axis=1).astype(np.int64)
    gens = []
    for i, m in enumerate(moduli):
        if m > 1:
            g = np.zeros(len(moduli), dtype=np.int64)
            g[i] = 1
            gens.append(g)
    return group_from_rows(name, rows, AbelianBackend(moduli), np.array(gens).reshape(-1, len(moduli)))


def cyclic_group(n: int, max_order: int | None = None) -> FiniteGroup:
    """``Z_n = {0, ..., n-1}`` under addition mod ``n``; element names are the integers."""
    n = _positive_int(n, "n")
    return abelian_group((n,), name=f"Z{n}", max_order=max_order)


def trivial_group() -> FiniteGroup:
    """The group of order 1 (``Z1``)."""
    return cyclic_group(1)


# ------------------------------------------------------------------------------------ products
def direct_product(*groups: FiniteGroup, name: str | None = None, max_order: int | None = None) -> FiniteGroup:
    """``G_1 x ... x G_k``; the element ``(g_1, ..., g_k)`` has index ``((i_1 |G_2| + i_2) |G_3| + ...)``
    and the name ``(name_1,...,name_k)``."""
    if len(groups) < 1 or not all(isinstance(g, FiniteGroup) for g in groups):
        raise InputError("groups: expected one or more FiniteGroup objects")
    if len(groups) == 1:
        return groups[0]
    if any(g.labels is not None for g in groups):
        raise InputError("groups: direct products of groups with explicit labels are not supported")
    name = name or "x".join(g.name for g in groups)
    check_order_limit(math.prod(g.order for g in groups), max_order, name)
    parts: list = []
    keys: list = []
    offset = 0
    for g in groups:
        sub = g.backend.parts if isinstance(g.backend, ProductBackend) else (g.backend,)
        parts.extend(sub)
        cols = range(g.codes.shape[1]) if g.key_columns is None else g.key_columns
        keys.extend(offset + c for c in cols)
        offset += g.codes.shape[1]
    rows = groups[0].codes
    for g in groups[1:]:
        rows = np.concatenate([np.repeat(rows, g.order, axis=0), np.tile(g.codes, (len(rows), 1))], axis=1)
    gens = []
    for k, g in enumerate(groups):
        for s in g.generators:
            gens.append(np.concatenate([h.codes[s] if j == k else h.codes[0] for j, h in enumerate(groups)]))
    G = group_from_rows(name, rows, ProductBackend(tuple(parts)), np.array(gens).reshape(-1, rows.shape[1]),
                        key_columns=tuple(keys))
    G.memo("direct_factors", lambda: tuple(groups))   # the factors (bilinear.theory.characters.product reads them)
    return G


# ------------------------------------------------------------------------------------ permutations
def permutation_group(generators, name: str = "G", max_order: int | None = None,
                      backend: PermutationBackend | None = None) -> FiniteGroup:
    """The permutation group generated by image arrays (0-based, all of one degree).

    The order is computed by Schreier-Sims (sympy) and checked against ``max_order`` first; the
    elements are then enumerated as products ``u_{b-1} * ... * u_0`` of coset representatives of the
    stabiliser chain, and sorted by their image tuples.
    """
    gens = [np.asarray(g, dtype=np.int64) for g in generators]
    if not gens:
        raise InputError("generators: expected at least one permutation")
    degree = len(gens[0])
    for g in gens:
        if g.ndim != 1 or len(g) != degree or sorted(g.tolist()) != list(range(degree)):
            raise InputError(f"generators: {g.tolist()} is not a permutation of 0..{degree - 1}")
    from sympy.combinatorics import Permutation, PermutationGroup   # slow to import: on first use
    pg = PermutationGroup([Permutation(g.tolist()) for g in gens])
    order = int(pg.order())
    check_order_limit(order, max_order, name)
    if order * degree > MAX_PERMUTATION_ENTRIES:
        raise OrderLimitError(f"{name}: {order} elements on {degree} points are {order * degree} image entries, "
                              f"above {MAX_PERMUTATION_ENTRIES} (lower --max-degree or --max-order, or give the "
                              "group by a smaller action)")
    pg.schreier_sims()
    rows = np.arange(degree, dtype=np.int64)[None, :]
    for transversal in reversed(pg.basic_transversals):
        t = np.array([u.array_form for u in transversal.values()], dtype=np.int64)
        rows = compose_images(rows[:, None, :], t[None, :, :]).reshape(-1, degree)
    if len(rows) != pg.order():
        raise InputError(f"{name}: stabiliser-chain enumeration gave {len(rows)} elements, expected {pg.order()}")
    return group_from_rows(name, rows, backend or PermutationBackend(degree), np.array(gens),
                           key_columns=tuple(int(b) for b in pg.base))


def group_from_generator_string(text: str, name: str | None = None, max_order: int | None = None) -> FiniteGroup:
    """The permutation group generated by ``"(1,2,3)(4,5);(1,2)"`` (1-based cycles, ``;`` between
    generators; ``""``, no generators, is the trivial group)."""
    if not isinstance(text, str):
        raise expected("generators", "a string of cycles", type_of(text))
    gens = parse_generators(text) or [np.zeros(1, dtype=np.int64)]
    return permutation_group(gens, name=name or f"perm:{text}", max_order=max_order)


def group_from_sympy(group: PermutationGroup, name: str | None = None, max_order: int | None = None) -> FiniteGroup:
    """A :class:`FiniteGroup` from a sympy ``PermutationGroup`` (same right-action convention)."""
    from sympy.combinatorics import PermutationGroup
    if not isinstance(group, PermutationGroup):
        raise expected("group", "a sympy PermutationGroup", type_of(group))
    degree = group.degree
    gens = [np.asarray(g.array_form + list(range(g.size, degree)), dtype=np.int64) for g in group.generators]
    return permutation_group(gens or [np.arange(degree)], name=name or "G", max_order=max_order)


def symmetric_group(n: int, max_order: int | None = None) -> FiniteGroup:
    """``S_n`` on the points ``1..n``, elements in lexicographic order of their image tuples,
    generated by ``(1,2)`` and ``(1,2,...,n)``."""
    n = _positive_int(n, "n")
    check_order_limit(math.factorial(n), max_order, f"S{n}")
    rows = np.array(list(itertools.permutations(range(n))), dtype=np.int64).reshape(-1, n)
    gens = []
    if n >= 2:
        gens = [np.r_[[1, 0], np.arange(2, n)], np.r_[np.arange(1, n), [0]]]
    return group_from_rows(f"S{n}", rows, PermutationBackend(n), np.array(gens, dtype=np.int64).reshape(-1, n),
                           key_columns=tuple(range(max(n - 1, 0))) or (0,))


def _even(rows: np.ndarray) -> np.ndarray:
    n = rows.shape[1]
    inv = np.zeros(len(rows), dtype=np.int64)
    for i in range(n):
        for j in range(i + 1, n):
            inv += rows[:, i] > rows[:, j]
    return inv % 2 == 0


def alternating_group(n: int, max_order: int | None = None) -> FiniteGroup:
    """``A_n``: the even permutations of ``S_n`` in the same (lexicographic) order; generated by
    ``(1,2,3)`` and ``(1,...,n)`` for odd ``n`` or ``(2,...,n)`` for even ``n``."""
    n = _positive_int(n, "n")
    check_order_limit(max(1, math.factorial(n) // 2), max_order, f"A{n}")
    rows = np.array(list(itertools.permutations(range(n))), dtype=np.int64).reshape(-1, n)
    rows = rows[_even(rows)]
    gens = []
    if n >= 3:
        gens.append(np.r_[[1, 2, 0], np.arange(3, n)])
        if n > 3:
            gens.append(np.r_[np.arange(1, n), [0]] if n % 2 else np.r_[[0], np.arange(2, n), [1]])
    return group_from_rows(f"A{n}", rows, PermutationBackend(n), np.array(gens, dtype=np.int64).reshape(-1, n),
                           key_columns=tuple(range(max(n - 2, 0))) or (0,))


def dihedral_group(n: int, max_order: int | None = None) -> FiniteGroup:
    """``D_n`` of order ``2n``: the symmetries of the regular ``n``-gon on its vertices ``1..n``
    (rotation ``r = (1,2,...,n)``, reflection ``s`` fixing 1), held for ``n >= 3`` by a
    :class:`~bilinear.theory.groups.backends.DihedralBackend` (two integers per element, never the ``n`` images;
    the indices of the permutation group, names ``1``, ``r^k``, ``s*r^k`` in the presentation,
    cycle notation read on input).  ``D_1`` is ``<(1,2)>`` and ``D_2`` is ``<(1,2),(3,4)>`` (no
    faithful action on ``n`` points exists there; they keep cycle-notation names).

    >>> G = dihedral_group(5)
    >>> G.codes.shape, G.names[1], G.permutation_images()[1].tolist(), G.element("(2,5)(3,4)")
    ((10, 2), 's', [0, 4, 3, 2, 1], 1)
    """
    n = _positive_int(n, "n")
    check_order_limit(2 * n, max_order, f"D{n}")
    if n == 1:
        return permutation_group([[1, 0]], name="D1")
    if n == 2:
        return permutation_group([[1, 0, 2, 3], [0, 1, 3, 2]], name="D2")
    c = np.arange(n, dtype=np.int64)
    rows = np.concatenate([np.stack([c, (c + 1) % n], axis=1), np.stack([c, (c - 1) % n], axis=1)])
    gens = np.array([[1, 2 % n], [0, n - 1]], dtype=np.int64)     # x -> x + 1 and x -> -x
    return group_from_rows(f"D{n}", rows, DihedralBackend(n), gens)


# ------------------------------------------------------------------------------------ tables
_QUATERNION_NAMES = ("1", "i", "j", "k", "-1", "-i", "-j", "-k")


def quaternion_group() -> FiniteGroup:
    """``Q_8 = {±1, ±i, ±j, ±k}`` with ``i^2 = j^2 = k^2 = ijk = -1``; elements in the order
    ``1, i, j, k, -1, -i, -j, -k`` and named so."""
    # unit products: unit[a][b] = (sign, unit) for a, b in {1, i, j, k}
    unit = [[(1, 0), (1, 1), (1, 2), (1, 3)],
            [(1, 1), (-1, 0), (1, 3), (-1, 2)],
            [(1, 2), (-1, 3), (-1, 0), (1, 1)],
            [(1, 3), (1, 2), (-1, 1), (-1, 0)]]
    table = np.zeros((8, 8), dtype=np.int64)
    for a in range(8):
        for b in range(8):
            sign, u = unit[a % 4][b % 4]
            sign *= (-1) ** (a // 4 + b // 4)
            table[a, b] = u + (0 if sign > 0 else 4)
    return group_from_cayley_table(table, names=_QUATERNION_NAMES, name="Q8")


def group_from_cayley_table(table, names=None, name: str = "G", max_order: int | None = None) -> FiniteGroup:
    """A group from its Cayley table ``table[a][b] = a*b``.

    ``table`` holds integers ``0..n-1`` or, when ``names`` is given, those names.  The table is
    validated (square, closed, associative, with an identity and inverses), each failure with its
    own message; the identity is moved to index 0 and the other elements keep their order.
    Element names default to ``g0, g1, ...`` (the indices of the given table).
    """
    if isinstance(table, (list, tuple)):
        for i, row in enumerate(table):
            if not isinstance(row, (list, tuple, np.ndarray)) or len(row) != len(table):
                got = f"{len(row)} entries" if isinstance(row, (list, tuple, np.ndarray)) else type(row).__name__
                raise InputError(f"table: row {i} has {got}, expected {len(table)} (a square array)")
    try:
        raw = np.asarray(table, dtype=object)
    except Exception:  # ragged input
        raise InputError("table: expected a square array (list of equal-length rows)") from None
    if raw.ndim != 2 or raw.shape[0] != raw.shape[1] or raw.shape[0] < 1:
        raise expected("table", "a non-empty square array", shown(f"shape {raw.shape}"))
    n = raw.shape[0]
    check_order_limit(n, max_order, name)
    if names is not None:
        if not isinstance(names, (list, tuple, np.ndarray)):
            raise expected("names", f"a list of {n} names", type_of(names))
        names = [str(x) for x in names]
        if len(names) != n or len(set(names)) != n:
            raise InputError(f"names: expected {n} distinct names")
        lookup = {s: i for i, s in enumerate(names)}
    else:
        names = [f"g{i}" for i in range(n)]
        lookup = None
    t = np.empty((n, n), dtype=np.int64)
    for a in range(n):
        for b in range(n):
            v = raw[a, b]
            if lookup is not None and isinstance(v, str):
                if v not in lookup:
                    raise InputError(f"table: not closed: entry [{a}][{b}] = {v!r} is not an element")
                t[a, b] = lookup[v]
            elif isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= int(v) < n:
                t[a, b] = int(v)
            else:
                raise InputError(f"table: not closed: entry [{a}][{b}] = {v!r} is not an element 0..{n - 1}")
    ar = np.arange(n)
    ids = [e for e in range(n) if np.array_equal(t[e], ar) and np.array_equal(t[:, e], ar)]
    if not ids:
        raise InputError("table: no identity element (no row and column both equal to the index order)")
    e = ids[0]
    for a in range(n):
        if not np.any((t[a] == e) & (t[:, a] == e)):
            raise InputError(f"table: element {names[a]!r} has no inverse")
    for a in range(n):
        lhs = t[t[a]]            # (a*b)*c  as [b, c]
        rhs = t[a][t]            # a*(b*c)  as [b, c]
        bad = np.argwhere(lhs != rhs)
        if len(bad):
            b, c = bad[0]
            raise InputError(f"table: not associative: ({names[a]}*{names[b]})*{names[c]} != "
                             f"{names[a]}*({names[b]}*{names[c]})")
    order = [e] + [i for i in range(n) if i != e]
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    new = pos[t[np.ix_(order, order)]]
    inverse = np.array([int(np.flatnonzero(new[a] == 0)[0]) for a in range(n)], dtype=np.int64)
    new.setflags(write=False)
    inverse.setflags(write=False)
    backend = TableBackend(new, inverse, tuple(names[i] for i in order))
    gens: list[int] = []
    members = np.zeros(n, dtype=bool)
    members[0] = True
    for cand in range(1, n):  # greedy generating set: add any element outside the current subgroup
        if members[cand]:
            continue
        gens.append(cand)
        members[:] = False
        members[0] = True
        frontier = np.array([0])
        while frontier.size:
            prods = new[frontier[:, None], np.array(gens)[None, :]].ravel()
            fresh = np.unique(prods[~members[prods]])
            members[fresh] = True
            frontier = fresh
    rows = np.arange(n, dtype=np.int64)[:, None]
    return group_from_rows(name, rows, backend, np.array(gens, dtype=np.int64).reshape(-1, 1))
