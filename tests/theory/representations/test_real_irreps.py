"""Real irreducibles: Frobenius-Schur types, real dimensions (checked by the real Wedderburn
dimension count), kernels (normal subgroups of the right order), faithfulness."""

from __future__ import annotations

import numpy as np
import pytest

from tests import catalogue
from bilinear.theory import InputError
from bilinear.theory.characters.build import character_table
from bilinear.theory.representations.real_irreps import is_faithful, kernel_intersection, real_character, real_irreducibles


def test_real_wedderburn_dimension_count(catalogue_group):
    """R[G] = sum of matrix algebras over R, C, H: sum real_dim^2 / dim_R End(psi) = |G|."""
    end_dim = {"real": 1, "complex": 2, "quaternionic": 4}
    total = sum(r.real_dim ** 2 // end_dim[r.type] for r in real_irreducibles(catalogue_group))
    assert total == catalogue_group.order


def test_every_complex_character_is_used_once(catalogue_group):
    used = sorted(i for r in real_irreducibles(catalogue_group) for i in r.constituents)
    assert used == list(range(catalogue_group.num_classes))


def test_kernels_are_normal_subgroups(catalogue_group):
    G = catalogue_group
    rng = np.random.default_rng(0)
    for r in real_irreducibles(G):
        K = r.kernel
        assert K[0] == 0 and len(K) == r.kernel_order and G.order % len(K) == 0
        assert np.array_equal(G.closure(K), K)                       # a subgroup
        x = rng.integers(0, G.order, len(K))
        assert np.isin(G.conjugate(K, x), K).all()                   # normal
        assert r.faithful == (len(K) == 1)


def test_real_character_values(catalogue_group):
    """The real character at the identity is the real dimension; it is real-valued."""
    G = catalogue_group
    for r in real_irreducibles(G)[:6]:
        vals = real_character(G, r.index)
        assert vals[0] == r.real_dim and all(v.is_real() for v in vals)


def test_quaternion_group_types():
    irr = real_irreducibles(catalogue.group("Q8"))
    assert [(r.real_dim, r.type, r.faithful) for r in irr] == [(1, "real", False)] * 4 + [(4, "quaternionic", True)]


def test_cyclic_group_types():
    irr = real_irreducibles(catalogue.group("Z5"))
    assert [(r.real_dim, r.type) for r in irr] == [(1, "real"), (2, "complex"), (2, "complex")]
    assert all(r.faithful for r in irr[1:])


def test_faithfulness_of_sets():
    G = catalogue.group("Z2^3")
    irr = real_irreducibles(G)
    assert not is_faithful(G, [1, 2])
    assert is_faithful(G, [r.index for r in irr])
    assert len(kernel_intersection(G, [1])) == 4
    assert is_faithful(catalogue.group("S3"), [2]) and not is_faithful(catalogue.group("S3"), [1])
    T = character_table(catalogue.group("Q8"))
    assert is_faithful(T, [4], real=False)
    with pytest.raises(InputError, match=r"^r: expected a real irreducible index in 0\.\.7, got 99$"):
        real_character(G, 99)
