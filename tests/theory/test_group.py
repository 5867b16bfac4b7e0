"""The finite-group type, checked against sympy (a second implementation) and known values."""

import math

import numpy as np
import pytest
from sympy.combinatorics import Permutation, PermutationGroup
from sympy.combinatorics.named_groups import AlternatingGroup, DihedralGroup, SymmetricGroup

from theory import (MathematicalError, OrderLimitError, abelian_group, alternating_group, cyclic_group,
                    dihedral_group, direct_product, group_from_sympy, parse_group, quaternion_group,
                    symmetric_group)


def sympy_of(G) -> PermutationGroup:
    """The same group in sympy, through the permutation images of our generators (the right
    regular action for non-permutation groups)."""
    images = G.permutation_images()
    gens = [Permutation(images[g].tolist()) for g in G.generators] or [Permutation(list(range(images.shape[1])))]
    return PermutationGroup(gens)


def test_group_axioms(catalogue_group):
    catalogue_group.check_axioms() if catalogue_group.order <= 60 else catalogue_group.check_axioms(sample=20000)


def test_generators_generate(catalogue_group):
    assert len(catalogue_group.closure(catalogue_group.generators)) == catalogue_group.order


def test_identity_first_and_rows_sorted(catalogue_group):
    G = catalogue_group
    assert np.all(G.mul(0, np.arange(G.order)) == np.arange(G.order))
    assert G.element_orders[0] == 1 and np.all(G.element_orders[1:] > 1)


def test_order_and_classes_against_sympy(catalogue_group):
    G = catalogue_group
    S = sympy_of(G)
    assert S.order() == G.order
    sizes = sorted(len(c) for c in S.conjugacy_classes())
    assert sorted(G.class_sizes.tolist()) == sizes
    assert sum(G.class_sizes) == G.order


def test_element_orders_against_sympy(catalogue_group):
    G = catalogue_group
    images = G.permutation_images()
    sample = range(G.order) if G.order <= 200 else np.random.default_rng(0).integers(0, G.order, 200)
    for g in sample:
        assert G.element_orders[g] == Permutation(images[g].tolist()).order()
    assert G.exponent == math.lcm(*[Permutation(images[g].tolist()).order() for g in range(G.order)])


def test_abelian_invariants_against_sympy(catalogue_group):
    G = catalogue_group
    expected = sorted(sympy_of(G).abelian_invariants())
    assert list(G.abelian_invariants) == expected
    assert G.is_abelian == sympy_of(G).is_abelian


def test_products_against_sympy(catalogue_group):
    """Our product (first factor applied first) equals sympy's p*q on the permutation images."""
    G = catalogue_group
    images = G.permutation_images()
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, G.order, 300), rng.integers(0, G.order, 300)
    ab = G.mul(a, b)
    for x, y, z in zip(a, b, ab):
        p = Permutation(images[x].tolist()) * Permutation(images[y].tolist())
        assert p.array_form == images[z].tolist()


def test_classes_are_conjugation_orbits(catalogue_group):
    G = catalogue_group
    rng = np.random.default_rng(2)
    g, x = rng.integers(0, G.order, 500), rng.integers(0, G.order, 500)
    assert np.array_equal(G.class_of[G.conjugate(g, x)], G.class_of[g])
    assert G.class_of[0] == 0 and G.class_sizes[0] == 1
    reps = G.class_representatives
    assert np.all(np.diff(reps) > 0)


def test_power_map(catalogue_group):
    G = catalogue_group
    for k in (-1, 2, 3, G.exponent, G.exponent + 1):
        pm = G.power_map(k)
        for c, cls in enumerate(G.classes):
            g = cls[-1]
            h = 0
            for _ in range(abs(k)):
                h = G.mul(h, g)
            if k < 0:
                h = G.inverses[h]
            assert G.class_of[h] == pm[c]
    assert np.all(G.power_map(G.exponent) == 0)


def test_names_are_unique_and_round_trip(catalogue_group):
    G = catalogue_group
    assert len(set(G.names)) == G.order
    for g in [0, G.order - 1, G.order // 2]:
        assert G.element(G.names[g]) == g


@pytest.mark.parametrize("spec, order, classes, exponent", [
    ("Z1", 1, 1, 1), ("Z2", 2, 2, 2), ("D4", 8, 5, 4), ("Q8", 8, 5, 4), ("GL(3,2)", 168, 6, 84),
    ("SL(2,5)", 120, 9, 60), ("A4xZ5", 60, 20, 30), ("S5", 120, 7, 60), ("A5", 60, 5, 30), ("D5", 10, 4, 10),
    ("AGL(1,7)", 42, 7, 42), ("Z2^3", 8, 8, 2), ("GL(2,4)", 180, 15, 15 * 2), ("AGL(1,8)", 56, 8, 14),
])
def test_known_values(spec, order, classes, exponent):
    G = parse_group(spec)
    assert (G.order, G.num_classes, G.exponent) == (order, classes, exponent)


def test_named_groups_against_sympy_named_groups():
    for n in range(1, 7):
        assert symmetric_group(n).num_classes == len(SymmetricGroup(n).conjugacy_classes())
        assert alternating_group(n).order == (AlternatingGroup(n).order() if n > 1 else 1)
    for n in range(3, 9):
        assert dihedral_group(n).num_classes == len(DihedralGroup(n).conjugacy_classes())
        assert dihedral_group(n).order == 2 * n


def test_right_action_convention():
    """docs/design.md §3: i^(g*h) = (i^g)^h, so (1,2)*(2,3) = (1,3,2) (GAP and sympy agree)."""
    S3 = symmetric_group(3)
    assert S3.names[S3.mul(S3.element("(1,2)"), S3.element("(2,3)"))] == "(1,3,2)"
    assert (Permutation(0, 1) * Permutation(1, 2)).cyclic_form == [[0, 2, 1]]


def test_symmetric_group_lexicographic_indexing():
    """S_n's element i is the i-th permutation tuple of (1..n) in lexicographic order."""
    import itertools
    S4 = symmetric_group(4)
    for i, p in enumerate(itertools.permutations(range(4))):
        assert S4.codes[i].tolist() == list(p)
    S5, A5 = symmetric_group(5), alternating_group(5)
    assert S5.names[1] == "(4,5)" and S5.names[2] == "(3,4)" and S5.names[119] == "(1,5)(2,4)"
    assert A5.names[1] == "(3,4,5)" and A5.names[2] == "(3,5,4)"


def test_direct_product_indexing():
    G = direct_product(alternating_group(4), cyclic_group(5))
    for i in range(12):
        for j in range(5):
            assert G.names[i * 5 + j] == f"({alternating_group(4).names[i]},{j})"


def test_quaternion_relations():
    Q = quaternion_group()
    i, j, k, m1 = (Q.element(s) for s in ("i", "j", "k", "-1"))
    assert Q.mul(i, i) == m1 and Q.mul(j, j) == m1 and Q.mul(k, k) == m1
    assert Q.mul(Q.mul(i, j), k) == m1
    assert Q.names[Q.mul(j, i)] == "-k"
    assert sorted(Q.element_orders.tolist()) == [1, 2, 4, 4, 4, 4, 4, 4]


@pytest.mark.parametrize("n, q", [(2, 3), (3, 2), (2, 5), (2, 4)])
def test_matrix_names_multiply_as_matrices(n, q):
    """Names of GL(n,q) elements are matrices; the name of g*h is the matrix product (computed with galois)."""
    import galois
    F = galois.GF(q)
    G = parse_group(f"GL({n},{q})")
    rng = np.random.default_rng(3)
    for a, b in rng.integers(0, G.order, size=(40, 2)):
        M = F(np.array(eval(G.names[a])))
        N = F(np.array(eval(G.names[b])))
        assert np.array_equal(np.asarray(M @ N), np.array(eval(G.names[G.mul(a, b)])))


def test_special_linear_determinant_one():
    import galois
    F = galois.GF(5)
    G = parse_group("SL(2,5)")
    dets = {int(np.linalg.det(F(np.array(eval(s))))) for s in G.names}
    assert dets == {1}


def test_affine_names_compose():
    G = parse_group("AGL(1,7)")

    def parse(s):
        a, _, b = s.partition("x")
        return (int(a) if a else 1, int(b[1:]) if b else 0)

    for g in range(G.order):
        for h in range(0, G.order, 5):
            (a1, b1), (a2, b2) = parse(G.names[g]), parse(G.names[h])
            assert parse(G.names[G.mul(g, h)]) == ((a2 * a1) % 7, (a2 * b1 + b2) % 7)


def test_from_sympy_and_generator_string_agree():
    pg = PermutationGroup([Permutation(0, 1, 2, 3, 4), Permutation(0, 1)])
    G = group_from_sympy(pg)
    H = parse_group("perm:(1,2,3,4,5);(1,2)")
    assert G.order == H.order == 120
    assert np.array_equal(G.codes, H.codes)
    assert np.array_equal(G.codes, symmetric_group(5).codes)


def test_order_limit_refused_before_enumeration():
    with pytest.raises(OrderLimitError, match="above the limit"):
        symmetric_group(9)
    with pytest.raises(OrderLimitError):
        parse_group("S6", max_order=100)
    with pytest.raises(OrderLimitError):
        parse_group("GL(4,3)")
    with pytest.raises(OrderLimitError):
        parse_group("Z1000x Z1000")
    with pytest.raises(OrderLimitError):
        parse_group("perm:(1,2,3,4,5,6,7,8,9,10);(1,2)")
    assert parse_group("S6", max_order=720).order == 720  # the limit is configurable
    with pytest.raises(OrderLimitError):
        parse_group("S6", max_order=719)


def test_table_limit():
    G = cyclic_group(20000)
    with pytest.raises(OrderLimitError):
        _ = G.table


def test_abelian_invariants_of_abelian_groups():
    assert cyclic_group(12).abelian_invariants == (3, 4)
    assert abelian_group((4, 6, 9)).abelian_invariants == (2, 3, 4, 9)
    assert cyclic_group(1).abelian_invariants == ()


def test_corrupted_group_fails_axioms():
    """check_axioms must be able to fail: a group whose backend is not the group law."""
    from theory.backends import AbelianBackend
    from theory.group import FiniteGroup

    class Broken(AbelianBackend):
        def compose(self, a, b):  # x*y = x - y is not associative and has no two-sided identity
            return (np.asarray(a) - np.asarray(b)) % 5

    with pytest.raises(MathematicalError):
        FiniteGroup("broken", np.arange(5)[:, None], Broken((5,)), (1,)).check_axioms()


# ------------------------------------------------------------------------ degree limit
def test_huge_permutation_degree_is_refused_before_allocating():
    """perm:(1,100000000) (a group of order 2) once hung allocating 10^8-point image arrays; it is
    refused in one line naming the option, and a raised limit admits a large degree."""
    import tracemalloc
    from theory.errors import OrderLimitError
    tracemalloc.start()
    with pytest.raises(OrderLimitError, match="--max-degree"):
        parse_group("perm:(1,100000000)")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10 * 2 ** 20
    G = parse_group("perm:(1,3000)", max_degree=3000)
    assert G.order == 2 and G.names[1] == "(1,3000)"


def test_permutation_rows_above_the_entry_limit_are_refused(monkeypatch):
    """The order x degree check runs after Schreier-Sims and before the enumeration (a lowered
    limit stands in for a large group)."""
    from theory import named_groups
    from theory.errors import OrderLimitError
    monkeypatch.setattr(named_groups, "MAX_PERMUTATION_ENTRIES", 500)
    with pytest.raises(OrderLimitError, match="image entries"):          # 120 elements on 5 points
        parse_group("perm:(1,2,3,4,5);(1,2)")
