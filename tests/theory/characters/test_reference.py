"""Our character tables against GAP's (tests/data/character_reference.json, written by
tests/data/gap/make_character_reference.g): every group of order <= 32 in the SmallGroups library
plus A5, S5, GL(3,2), SL(2,5), each rebuilt here from GAP's permutation generators.

Columns are matched through GAP's class representatives (same permutations, so the same classes);
rows are matched as a multiset of exact value vectors (GAP's order of Irr is not stable).  The
hierarchy numbers are recomputed from GAP's data alone by brute force and compared with ours.
"""

from __future__ import annotations

import itertools
import json
import math
from functools import lru_cache

import numpy as np
import pytest

from tests.paths import DATA
import sympy

from bilinear.theory import parse_group
from bilinear.theory.characters.build import character_table
from bilinear.theory.arith.cyclotomic import reduce_counts
from bilinear.theory.hierarchy.placement import hierarchy_level
from bilinear.theory.representations.real_irreps import real_irreducibles

DATA_FILE = DATA / "character_reference.json"
GROUPS = json.loads(DATA_FILE.read_text())["groups"]
BY_NAME = {g["name"]: g for g in GROUPS}
#: The whole reference set runs in a few seconds, so nothing is marked slow.
PARAMS = [pytest.param(g["name"], id=g["name"]) for g in GROUPS]


@lru_cache(maxsize=None)
def ours(name):
    ref = BY_NAME[name]
    G = parse_group("perm:" + ref["generators"])
    return G, character_table(G)


def gap_coords(ref) -> np.ndarray:
    """(characters, classes, phi(N)) exact coordinates of GAP's values (N = exponent)."""
    n = ref["exponent"]
    counts = np.zeros((len(ref["values"]), len(ref["class_sizes"]), n), dtype=np.int64)
    for i, row in enumerate(ref["values"]):
        for c, terms in enumerate(row):
            for k, coef in terms:
                counts[i, c, k] += coef
    return reduce_counts(counts, n)


def column_map(G, ref) -> np.ndarray:
    """Our class index of each of GAP's classes, through the representatives."""
    return np.array([G.class_of[G.element(r)] for r in ref["class_representatives"]])


def row_matching(G, T, ref) -> list[int]:
    """``match[i]`` = GAP's row equal to our row ``i`` (exact values in GAP's column order)."""
    col = column_map(G, ref)
    gap = gap_coords(ref)
    keys = {gap[j].tobytes(): j for j in range(len(gap))}
    match = []
    for i in range(T.num_characters):
        mine = np.stack([T.coordinates(i)[c] for c in col])
        assert mine.tobytes() in keys, f"our character {i} is not a row of GAP's table"
        match.append(keys[mine.tobytes()])
    assert sorted(match) == list(range(len(gap)))
    return match


@pytest.mark.parametrize("name", PARAMS)
def test_classes_against_gap(name):
    ref = BY_NAME[name]
    G, T = ours(name)
    assert G.order == ref["order"] and G.exponent == ref["exponent"]
    col = column_map(G, ref)
    assert sorted(col.tolist()) == list(range(G.num_classes))
    assert G.class_sizes[col].tolist() == ref["class_sizes"]
    assert G.class_orders[col].tolist() == ref["class_orders"]


@pytest.mark.parametrize("name", PARAMS)
def test_character_values_against_gap(name):
    G, T = ours(name)
    row_matching(G, T, BY_NAME[name])
    assert T.certificate.central_characters


@pytest.mark.parametrize("name", PARAMS)
def test_degrees_indicators_kernels_against_gap(name):
    ref = BY_NAME[name]
    G, T = ours(name)
    col = column_map(G, ref)
    match = row_matching(G, T, ref)
    for i, j in enumerate(match):
        assert T.degrees[i] == ref["degrees"][j]
        assert T.indicators[i] == ref["indicators"][j]
        assert T.kernel_order(i) == ref["kernel_sizes"][j]
        assert sorted(col[np.array(ref["kernels"][j]) - 1].tolist()) == np.flatnonzero(T.kernel_mask[i]).tolist()
    # the plain multisets as well, independent of the matching
    assert sorted(zip(T.degrees, T.indicators, (T.kernel_order(i) for i in range(T.num_characters)))) == \
        sorted(zip(ref["degrees"], ref["indicators"], ref["kernel_sizes"]))


# ------------------------------------------------------------------------ hierarchy by brute force
def gap_real_irreducibles(ref):
    """(real_dim, kernel class set, complex constituents) from GAP's data alone."""
    n = ref["exponent"]
    gap = gap_coords(ref)
    conj_counts = np.zeros((len(ref["values"]), len(ref["class_sizes"]), n), dtype=np.int64)
    for i, row in enumerate(ref["values"]):
        for c, terms in enumerate(row):
            for k, coef in terms:
                conj_counts[i, c, (-k) % n] += coef
    conj = reduce_counts(conj_counts, n)
    keys = {gap[j].tobytes(): j for j in range(len(gap))}
    out, seen = [], set()
    for i, (d, ind) in enumerate(zip(ref["degrees"], ref["indicators"])):
        j = keys[conj[i].tobytes()]
        if i in seen:
            continue
        seen.update({i, j})
        out.append((d if ind == 1 else 2 * d, frozenset(ref["kernels"][i])))
    return out


def brute_force_min(items, order):
    """Minimum total dimension over faithful subsets; an optimal set is irredundant, and an
    irredundant faithful set has at most Omega(|G|) members (each shrinks a chain of subgroups)."""
    limit = sum(sympy.factorint(order).values())
    best = math.inf
    for size in range(1, limit + 1):
        for combo in itertools.combinations(items, size):
            cost = sum(d for d, _ in combo)
            if cost < best and frozenset.intersection(*[k for _, k in combo]) == {1}:
                best = cost
    return best


def brute_force_block(items):
    for B in sorted({d for d, _ in items}):
        meet = frozenset.intersection(*[k for d, k in items if d <= B])
        if meet == {1}:
            return B
    raise AssertionError("not faithful")


@pytest.mark.parametrize("name", PARAMS)
def test_hierarchy_numbers_against_gap_data(name):
    ref = BY_NAME[name]
    G, T = ours(name)
    L = hierarchy_level(G)
    real_items = gap_real_irreducibles(ref)
    complex_items = [(d, frozenset(k)) for d, k in zip(ref["degrees"], ref["kernels"])]
    if G.order == 1:
        assert (L.min_block_real, L.min_block_complex, L.min_faithful_dim_real, L.min_faithful_dim_complex) == (0, 0, 0, 0)
        return
    assert L.min_block_real == brute_force_block(real_items)
    assert L.min_block_complex == brute_force_block(complex_items)
    assert L.min_faithful_dim_real == brute_force_min(real_items, G.order)
    assert L.min_faithful_dim_complex == brute_force_min(complex_items, G.order)
    assert sorted(r.real_dim for r in real_irreducibles(G)) == sorted(d for d, _ in real_items)
