"""The caches of derived data are weak in fact: once the last reference to a group is dropped and
the garbage collector runs, the group is gone, whatever was derived from it (character table,
real irreducibles, hierarchy level, normal-subgroup data, real irreducible matrices); and a cache
key holds every argument that changes the result (the seed of a numeric model)."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from bilinear.theory import parse_group
from bilinear.theory.characters.build import character_table
from bilinear.theory.hierarchy.placement import hierarchy_level, minimal_normal_subgroups
from bilinear.theory.representations.real_irreps import real_irreducibles
from bilinear.theory.representations.matrices import real_irrep_matrices


def _use_every_cache(G):
    T = character_table(G)
    real_irreducibles(G)
    real_irreducibles(T)
    hierarchy_level(G)
    minimal_normal_subgroups(G)
    for r in range(len(real_irreducibles(G))):
        real_irrep_matrices(G, r)
    return T


@pytest.mark.parametrize("spec", ["S3", "Q8", "Z6", "Z2^3", "A4", "D5"])
def test_groups_are_collected_after_every_cache_was_filled(spec):
    G = parse_group(spec)
    T = _use_every_cache(G)
    ref_g, ref_t = weakref.ref(G), weakref.ref(T)
    del G, T
    gc.collect()
    assert ref_g() is None and ref_t() is None


def test_numeric_real_irrep_cache_is_keyed_on_the_seed():
    """SL(2,5)'s real irreducible 5 (dimension 4) has a numeric model built from a random commutant
    element: another seed gives another (equally valid) orthonormal basis."""
    G = parse_group("SL(2,5)")
    r = 5
    assert not real_irrep_matrices(G, r, seed=0).exact
    a = real_irrep_matrices(G, r, seed=0)
    b = real_irrep_matrices(G, r, seed=1)
    fresh = real_irrep_matrices(parse_group("SL(2,5)"), r, seed=1)
    assert np.allclose(b.matrices, fresh.matrices)      # the same seed gives the same matrices
    assert not np.allclose(a.matrices, b.matrices)      # a cache hit must not ignore the seed
