"""The hierarchy level of a group: the values the issue requires, and that every attaining set is
faithful with the claimed total dimension (the minimum itself is checked by brute force against
GAP's data in test_character_reference.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests import catalogue
from bilinear.theory import abelian_group, parse_group
from bilinear.theory.characters.build import character_table
from bilinear.theory.hierarchy.placement import _general_level, hierarchy_level, minimal_normal_subgroups
from bilinear.theory.representations.real_irreps import is_faithful, real_irreducibles

REQUIRED_MIN_BLOCK_REAL = {"S3": 2, "D4": 2, "Q8": 4, "A4": 3, "S4": 3, "A5": 3, "S5": 4, "Z3": 2, "Z5": 2, "Z12": 2,
                           "Z7": 2, "Z2": 1, "Z2^3": 1, "Z2^5": 1}


@pytest.mark.parametrize("spec,value", sorted(REQUIRED_MIN_BLOCK_REAL.items()))
def test_required_min_block_real(spec, value):
    assert hierarchy_level(parse_group(spec)).min_block_real == value


def test_quaternion_min_block_complex():
    L = hierarchy_level(catalogue.group("Q8"))
    assert L.min_block_complex == 2 and L.min_faithful_dim_complex == 2 and L.min_faithful_dim_real == 4


def test_trivial_group():
    L = hierarchy_level(catalogue.group("Z1"))
    assert (L.min_block_real, L.min_block_complex, L.min_faithful_dim_real, L.min_faithful_dim_complex) == (0, 0, 0, 0)
    assert L.lowest_level == "pdiag" and L.lowest_level_hidden_size == 1      # a model has H >= 1


@pytest.mark.parametrize("spec,level,hidden", [
    ("Z2", "rdiag", 1), ("Z2^3", "rdiag", 3), ("Z3", "rot", 2),
    ("Z12", "rot", 2), ("Z2xZ4", "rot", 4), ("Z3xZ3", "rot", 4),
    ("S3", "block", 2), ("Q8", "block", 4),
    ("A4xZ5", "block", 6)])     # B = 3: the 3-dim irreducible of A4 and a 2-dim one of Z5 need two 3x3 blocks
def test_lowest_level(spec, level, hidden):
    L = hierarchy_level(parse_group(spec))
    assert L.lowest_level == level and L.lowest_level_hidden_size == hidden
    assert (L.lowest_level_block is None) == (level != "block")


def test_attaining_sets_are_faithful(catalogue_group):
    G = catalogue_group
    if G.order == 1:
        return
    L = hierarchy_level(G)
    irr = real_irreducibles(G)
    T = character_table(G)
    for idx, total in [(L.min_faithful_real_irreps, L.min_faithful_dim_real),
                       (L.min_block_real_irreps, None)]:
        assert is_faithful(G, idx)
        if total is not None:
            assert sum(irr[i].real_dim for i in idx) == total
    assert all(irr[i].real_dim <= L.min_block_real for i in L.min_block_real_irreps)
    assert is_faithful(T, L.min_faithful_complex_characters, real=False)
    assert sum(T.degrees[i] for i in L.min_faithful_complex_characters) == L.min_faithful_dim_complex
    assert is_faithful(T, L.min_block_complex_characters, real=False)
    assert is_faithful(G, L.lowest_level_irreps)
    if L.lowest_level == "block":
        assert L.lowest_level_block == L.min_block_real
        assert L.lowest_level_hidden_size % L.lowest_level_block == 0
        assert sum(irr[i].real_dim for i in L.lowest_level_irreps) <= L.lowest_level_hidden_size


def test_min_block_is_minimal(catalogue_group):
    """Below min_block_real the small real irreducibles are not faithful."""
    G = catalogue_group
    L = hierarchy_level(G)
    small = [r.index for r in real_irreducibles(G) if r.real_dim < L.min_block_real]
    if G.order > 1:
        assert not is_faithful(G, small) if small else True


def test_minimal_normal_subgroups():
    assert len(minimal_normal_subgroups(parse_group("Z2^2"))) == 3
    assert [len(N) for N in minimal_normal_subgroups(parse_group("S4"))] == [4]
    assert [len(N) for N in minimal_normal_subgroups(parse_group("A5"))] == [60]
    assert sorted(len(N) for N in minimal_normal_subgroups(parse_group("Z6"))) == [2, 3]


def test_large_elementary_abelian_is_fast():
    L = hierarchy_level(parse_group("Z2^8"))
    assert L.min_faithful_dim_real == 8 and L.lowest_level_hidden_size == 8


# ------------------------------------------------------------------------ abelian groups two ways
def _check_level_is_attained(G, L):
    """Every witness set is faithful and has the claimed cost (recomputed from the kernels)."""
    T = character_table(G)
    irr = real_irreducibles(T)

    def faithful(masks):
        meet = np.ones(G.order, dtype=bool)
        for m in masks:
            meet &= m
        return meet.sum() == 1

    assert faithful([T.kernel_mask[irr[r].constituents[0]] for r in L.min_faithful_real_irreps])
    assert sum(irr[r].real_dim for r in L.min_faithful_real_irreps) == L.min_faithful_dim_real
    assert faithful([T.kernel_mask[i] for i in L.min_faithful_complex_characters])
    assert sum(T.degrees[i] for i in L.min_faithful_complex_characters) == L.min_faithful_dim_complex
    assert faithful([T.kernel_mask[irr[r].constituents[0]] for r in L.min_block_real_irreps])
    assert max(irr[r].real_dim for r in L.min_block_real_irreps) <= L.min_block_real
    assert faithful([T.kernel_mask[irr[r].constituents[0]] for r in L.lowest_level_irreps])


def _random_moduli(rng):
    return tuple(int(x) for x in rng.choice([2, 3, 4, 5, 6, 8, 9, 12], size=rng.integers(1, 4)))


@pytest.mark.parametrize("seed", range(12))
def test_abelian_level_from_invariants_agrees_with_the_search(seed):
    """The closed form from the invariants against the general A* search on the same table."""
    moduli = _random_moduli(np.random.default_rng(seed))
    if math.prod(moduli) > 600:
        moduli = moduli[:2]
    G = abelian_group(moduli)
    T = character_table(G)
    fast, general = hierarchy_level(G), _general_level(T)
    numbers = ("min_block_real", "min_block_complex", "min_faithful_dim_real", "min_faithful_dim_complex",
               "lowest_level", "lowest_level_block", "lowest_level_hidden_size")
    assert {f: getattr(fast, f) for f in numbers} == {f: getattr(general, f) for f in numbers}, moduli
    _check_level_is_attained(G, fast)


@pytest.mark.parametrize("spec", ["perm:(1,2,3)(4,5)", "perm:(1,2)(3,4,5,6);(7,8)", "Z2xZ4xZ3"])
def test_abelian_level_of_permutation_and_product_groups(spec):
    """Abelian groups not given by coordinates go through their invariant factors."""
    G = parse_group(spec)
    T = character_table(G)
    fast, general = hierarchy_level(G), _general_level(T)
    assert (fast.min_faithful_dim_real, fast.min_faithful_dim_complex, fast.lowest_level_hidden_size) == \
        (general.min_faithful_dim_real, general.min_faithful_dim_complex, general.lowest_level_hidden_size)
    _check_level_is_attained(G, fast)


@pytest.mark.parametrize("moduli", [(2, 2, 2), (2, 4), (3, 6), (2, 2, 3), (4, 4, 3), (2, 2, 2, 9), (5,)])
def test_abelian_block_packing_agrees_with_the_search(moduli):
    """The closed-form packing of abelian groups (B <= 2) has as many blocks as the general search
    (run on the same rows held densely)."""
    from bilinear.theory.hierarchy.placement import block_packing
    G = abelian_group(moduli)
    T = character_table(G)
    L = hierarchy_level(G)
    B = L.min_block_real
    fast, general = block_packing(T, B), block_packing(T.dense(), B)
    assert fast.hidden == general.hidden and len(fast.blocks) == len(general.blocks)
    assert all(sum(fast.dims[j] for j in blk) <= B for blk in fast.blocks)
    _check_level_is_attained(G, L)
