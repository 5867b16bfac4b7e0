"""HOUSE and MONO classifications against independent sources: ranks from explicit matrices and from
character averages, the HOUSE table from the definition (every direct sum of explicit irreducible
matrices, repeats and trivial summands included, faithful when the matrices are distinct), embeddings
into the signed permutation groups, subgroups as closed subsets."""

import itertools

import numpy as np
import pytest
import sympy

from tests import catalogue
from bilinear.theory import InputError, parse_group
from bilinear.theory.characters.build import character_table
from bilinear.theory.hierarchy.analysis import level_reports
from bilinear.theory.hierarchy.placement import hierarchy_level
from bilinear.theory.hierarchy.house import house_table, reflection_ranks
from bilinear.theory.hierarchy.mono import (abelian_monomial_degree, induced_monomial_matrices, monomial_degree,
                                            searched_monomial_degree)
from bilinear.theory.theorems.modern import signed_permutation_matrices
from bilinear.theory.representations.real_irreps import real_irreducibles
from bilinear.theory.representations.matrices import real_irrep_matrices
from bilinear.theory.groups.subgroups import members, subgroup_classes, subgroups

SMALL = ["Z1", "Z2", "Z3", "Z4", "Z5", "Z6", "Z2^2", "Z2^3", "Z2xZ4", "S3", "D4", "D5", "Q8", "A4", "S4"]


def _matrix_ranks(G):
    """rank(ρ_r(g) - I) for every real irreducible r and element g, from the (numeric) matrices."""
    out = []
    for r in range(len(real_irreducibles(G))):
        M = real_irrep_matrices(G, r).matrices
        out.append([int(np.linalg.matrix_rank(M[g] - np.eye(M.shape[1]), tol=1e-7)) for g in range(G.order)])
    return np.array(out)


@pytest.mark.parametrize("spec", SMALL + ["A5"])
def test_rank_from_characters_equals_rank_from_matrices(spec):
    G = parse_group(spec)
    by_class = reflection_ranks(G, range(G.num_classes))
    assert np.array_equal(by_class[:, G.class_of], _matrix_ranks(G))


def _ranks_by_averaging(G):
    """dim ρ - dim Fix ρ(g) with dim Fix ρ(g) = (1/|g|) Σ_k ψ(g^k), ψ the real character (χ, χ + conj χ
    or 2χ) from the numeric character values."""
    T = character_table(G)
    irr = real_irreducibles(T)
    out = np.zeros((len(irr), G.num_classes), dtype=np.int64)
    for r in range(len(irr)):
        ir = irr[r]
        psi = sum(T.values_complex[i] for i in ir.constituents) * (2 if ir.type == "quaternionic" else 1)
        for c in range(G.num_classes):
            o = int(G.class_orders[c])
            powers = G.class_of[G.power(np.full(o, int(G.class_representatives[c])), np.arange(o))]
            fixed = psi[powers].sum() / o
            assert abs(fixed - round(fixed.real)) < 1e-9
            out[r, c] = ir.real_dim - round(fixed.real)
    return out


@pytest.mark.parametrize("spec", catalogue.GROUP_SPECS + ["Z2xZ6", "D4xZ3", "Q8xZ2"])
def test_rank_from_exponents_equals_rank_from_character_averages(spec):
    G = catalogue.group(spec) if spec in catalogue.GROUP_SPECS else parse_group(spec)
    assert np.array_equal(reflection_ranks(G, range(G.num_classes)), _ranks_by_averaging(G))


def _house_by_definition(G, alphabet, top):
    """``{H: least max_σ rank(ρ(σ) - I)}`` for H = 1..top over every real representation ρ of dimension
    <= H given as a direct sum of explicit irreducible matrices (any multiset, trivial summands
    included), faithful when its |G| matrices are distinct; the rank of the assembled matrix."""
    mats = [real_irrep_matrices(G, r).matrices for r in range(len(real_irreducibles(G)))]
    best = {}
    for k in range(1, top + 1):
        for combo in itertools.combinations_with_replacement(range(len(mats)), k):
            D = sum(mats[r].shape[1] for r in combo)
            if D > top:
                continue
            rho = np.zeros((G.order, D, D))
            at = 0
            for r in combo:
                d = mats[r].shape[1]
                rho[:, at:at + d, at:at + d] = mats[r]
                at += d
            if len({np.round(M, 6).tobytes() for M in rho + 0.0}) != G.order:
                continue
            n = max(int(np.linalg.matrix_rank(rho[a] - np.eye(D), tol=1e-7)) for a in alphabet)
            best[D] = min(best.get(D, n), n)
    return {H: min((max(n, 1) for D, n in best.items() if D <= H), default=None) for H in range(1, top + 1)}


@pytest.mark.parametrize("spec", SMALL + ["S3xZ2", "A4xZ2"])
@pytest.mark.parametrize("which", ["all", "generators"])
def test_house_table_against_the_definition(spec, which):
    G = parse_group(spec)
    alphabet = list(range(G.order)) if which == "all" else (list(G.generators) or [0])
    t = house_table(G, alphabet)
    top = t.options[-1].hidden + 1
    assert {H: t.householders_at(H) for H in range(1, top + 1)} == _house_by_definition(G, alphabet, top)
    assert t.min_hidden == max(hierarchy_level(G).min_faithful_dim_real, 1)


@pytest.mark.parametrize("spec", ["Z12", "Z30", "Z2xZ6", "Z4xZ4", "Z3xZ3", "Z2^4", "Z2xZ34", "perm:(1,2);(3,4,5);(6,7)"])
def test_abelian_groups_over_every_element_equal_the_search(spec):
    """The invariants' one option (H_0, H_0) against the faithful-set search run anyway."""
    from bilinear.theory.hierarchy import house
    G = parse_group(spec)
    found, _ = house.run_search(house.house_search(G))
    h = max(hierarchy_level(G).min_faithful_dim_real, 1)
    assert [(o.hidden, o.householders) for o in house_table(G).options] == [(h, h)] == [(d, n) for d, n, _ in found]


def test_the_definition_sees_a_two_point_frontier():
    """A4 x Z2 over its generators: (3, 3) and (4, 2), so the comparison above can fail on a frontier."""
    G = parse_group("A4xZ2")
    assert [(o.hidden, o.householders) for o in house_table(G, list(G.generators)).options] == [(3, 3), (4, 2)]


def test_house_lookups_and_known_cases():
    S3 = parse_group("S3")
    t = house_table(S3, [S3.element("(1,2)"), S3.element("(1,2,3)")])
    assert (t.householders_at(1), t.householders_at(2), t.hidden_at(1), t.hidden_at(2)) == (None, 2, None, 2)
    S4 = parse_group("S4")
    transpositions = [S4.element(f"({i},{i + 1})") for i in (1, 2, 3)]
    assert house_table(S4, transpositions).options[0].householders == 1     # a Coxeter group: reflections
    Z2 = parse_group("Z2^3")
    assert house_table(Z2).householders_at(3) == 3 and house_table(Z2, list(Z2.generators)).householders_at(3) == 1
    with pytest.raises(InputError, match="do not generate"):
        house_table(S3, [S3.element("(1,2)")])


def test_d4_and_q8_are_told_apart():
    """Same character table, different levels: D4 is a reflection group in the plane, Q8's -1 is -I_4."""
    D4, Q8 = parse_group("D4"), parse_group("Q8")
    assert (house_table(D4).min_hidden, house_table(D4).max_householders) == (2, 2)
    assert (house_table(Q8).min_hidden, house_table(Q8).max_householders) == (4, 4)
    assert house_table(D4, list(D4.generators)).max_householders <= 2
    assert (monomial_degree(D4).degree, monomial_degree(Q8).degree) == (2, 4)
    assert monomial_degree(D4).complex_degree == monomial_degree(Q8).complex_degree == 2


# ------------------------------------------------------------------------------------------ MONO
def _closed_subsets(G):
    """Every subset containing e and closed under multiplication (a subgroup, G finite)."""
    count = 0
    others = list(range(1, G.order))
    for k in range(len(others) + 1):
        for S in itertools.combinations(others, k):
            s = {0, *S}
            if all(int(G.mul(a, b)) in s for a in s for b in s):
                count += 1
    return count


@pytest.mark.parametrize("spec", ["Z1", "Z2", "Z4", "Z2^2", "S3", "Z6", "D4", "Q8"])
def test_subgroups_against_closed_subsets(spec):
    G = parse_group(spec)
    subs = subgroups(G)
    assert len(subs) == _closed_subsets(G) == len({s.mask for s in subs})
    for s in subs:
        m = set(members(s.mask))
        assert all(int(G.mul(a, b)) in m for a in m for b in m)




@pytest.mark.parametrize("spec", ["Z1", "Z6", "S3", "D4", "Q8", "A4", "S4", "A5", "D6", "Z2^3", "S3xZ2^2", "GL(3,2)"])
def test_subgroup_classes_partition_every_subgroup(spec):
    """One representative per conjugacy class: the conjugates x S x^-1 (every x in G, by the
    multiplication table) of the representatives are every subgroup, and no two are conjugate."""
    G = parse_group(spec)
    table, inv = G.table, G.inverses

    def conjugates(S):
        elems = np.asarray(members(S.mask))
        return {sum(1 << int(y) for y in table[table[x, elems], inv[x]]) for x in range(G.order)}

    reps = subgroup_classes(G, G.order)
    classes = [conjugates(S) for S in reps]
    assert set().union(*classes) == {S.mask for S in subgroups(G, G.order)}
    assert sum(len(c) for c in classes) == len(subgroups(G, G.order))


def _embeds(G, n):
    """Whether some injective homomorphism G -> B_n (signed n x n permutation matrices) exists: assign
    every generator, extend along the Cayley graph, check consistency and injectivity."""
    gens = list(G.generators)
    if not gens:
        return True
    def order(M):
        k, P = 1, M
        while not np.array_equal(P, np.eye(n, dtype=np.int64)):
            P, k = P @ M, k + 1
        return k
    cands = signed_permutation_matrices(n)
    orders = [order(M) for M in cands]
    per_gen = [[M for M, o in zip(cands, orders) if o == int(G.element_orders[s])] for s in gens]
    for images in itertools.product(*per_gen):
        rho = {0: np.eye(n, dtype=np.int64)}
        frontier, ok = [0], True
        while frontier and ok:
            nxt = []
            for g in frontier:
                for s, M in zip(gens, images):
                    h, P = int(G.mul(g, s)), rho[g] @ M
                    if h in rho:
                        if not np.array_equal(rho[h], P):
                            ok = False
                            break
                    else:
                        rho[h] = P
                        nxt.append(h)
                if not ok:
                    break
            frontier = nxt
        if ok and len({M.tobytes() for M in rho.values()}) == G.order:
            return True
    return False


@pytest.mark.parametrize("spec", ["Z1", "Z2", "Z3", "Z4", "Z2^2", "S3", "Z6", "D4", "Q8"])
def test_monomial_degree_against_signed_permutation_groups(spec):
    G = parse_group(spec)
    d = monomial_degree(G).degree
    assert _embeds(G, d) and (d == 1 or not _embeds(G, d - 1))


def _cyclic_permutation_degree(n):
    return max(sum(p ** k for p, k in sympy.factorint(n).items()), 1)


@pytest.mark.parametrize("spec", catalogue.GROUP_SPECS)
def test_monomial_bounds(spec):
    G = catalogue.group(spec)
    if G.order > 120:
        pytest.skip("above the default subgroup-enumeration limit")
    d = monomial_degree(G)
    L = hierarchy_level(G)
    assert max(L.min_faithful_dim_real, 1) <= d.degree <= d.permutation_degree
    assert max(L.min_faithful_dim_complex, 1) <= d.complex_degree <= d.degree
    assert sum(s.degree for s in d.summands) == (d.degree if G.order > 1 else 0)
    if G.order == 1:
        return
    # the signed summands really give a faithful representation by signed permutation matrices
    mats = induced_monomial_matrices(G, d.summands, range(G.order))
    assert len({M.tobytes() for M in mats}) == G.order
    a, b = 1 % G.order, (G.order - 1)
    assert np.array_equal(mats[int(G.mul(a, b))], mats[a] @ mats[b])
    assert all(np.array_equal(np.abs(M).sum(axis=0), np.ones(d.degree)) for M in mats)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 8, 12])
def test_cyclic_permutation_degree_formula(n):
    assert monomial_degree(parse_group(f"Z{n}")).permutation_degree == _cyclic_permutation_degree(n)


@pytest.mark.parametrize("n", [3, 4, 5])
def test_symmetric_groups_permutation_degree(n):
    assert monomial_degree(parse_group(f"S{n}")).permutation_degree == n


def test_wide_groups_use_python_integers():
    """Z67 and Z2xZ34 have more than 64 classes: masks above bit 63 must not wrap (found as a wrong
    signed degree 6 for Z2^7).  The subgroup search and the house search (over the generators) run on
    such masks; the invariants give the same degrees."""
    Z67, Z2xZ34 = parse_group("Z67"), parse_group("Z2xZ34")
    for d in (searched_monomial_degree(Z67), abelian_monomial_degree(Z67)):
        assert (d.degree, d.complex_degree, d.permutation_degree) == (67, 1, 67)
    # Z2xZ34 = Z2^2 x Z17: Z17 acts faithfully only on a summand induced from K inside Z2^2, of degree
    # >= 17; with K = Z2^2 and a sign character the core is an order-2 subgroup, which one more sign
    # character of the whole group (degree 1) removes: 18.  Permutations: 2 + 2 + 17.
    for d in (searched_monomial_degree(Z2xZ34), abelian_monomial_degree(Z2xZ34)):
        assert (d.degree, d.permutation_degree) == (18, 2 + 2 + 17)
    assert house_table(Z67).options[0].householders == 2
    assert [(o.hidden, o.householders) for o in house_table(Z67, [1]).options] == [(2, 2)]
    assert [(o.hidden, o.householders) for o in house_table(Z2xZ34, list(Z2xZ34.generators)).options] == [(3, 2)]


ABELIAN = ["Z1", "Z2", "Z3", "Z4", "Z6", "Z8", "Z12", "Z2^2", "Z2^3", "Z2xZ4", "Z4xZ4", "Z3xZ3", "Z2xZ6", "Z30",
           "Z2^2xZ3xZ3", "Z4xZ12", "Z2xZ2xZ15", "Z60", "Z2^4xZ4", "Z8xZ2", "Z9xZ3", "Z2xZ10", "Z2xZ4xZ8",
           "perm:(1,2);(3,4,5);(6,7)", "perm:(1,2,3,4);(5,6)"]


@pytest.mark.parametrize("spec", ABELIAN)
def test_abelian_degrees_from_invariants_equal_the_subgroup_search(spec):
    """The primary-invariant formulas against the search over every subgroup, and the summands they name
    give a faithful signed monomial representation of the formula's degree."""
    G = parse_group(spec)
    a, b = abelian_monomial_degree(G), searched_monomial_degree(G, G.order)
    assert a is not b and a.num_subgroup_classes is None and b.num_subgroup_classes == len(subgroup_classes(G, G.order))
    assert (a.degree, a.complex_degree, a.permutation_degree) == (b.degree, b.complex_degree, b.permutation_degree)
    if G.order == 1:
        return
    for summands, total in ((a.summands, a.degree), (a.permutation_summands, a.permutation_degree)):
        mats = induced_monomial_matrices(G, summands, range(G.order))
        assert mats[0].shape == (total, total) and len({M.tobytes() for M in mats}) == G.order
        assert all(np.array_equal(mats[int(G.mul(x, y))], mats[x] @ mats[y]) for x in G.generators
                   for y in range(G.order))
    assert sum(s.degree for s in a.complex_summands) == a.complex_degree


def test_subgroup_limit_names_the_option():
    with pytest.raises(InputError, match="--modern-max-order 720"):
        monomial_degree(parse_group("S6"))


def test_analysis_rows():
    rows = {r.level: r for r in level_reports(parse_group("Q8"))}
    assert (rows["house"].hidden, rows["house"].householders, rows["mono"].hidden) == (4, 4, 4)
    assert dict(rows["mono"].extra)["complex_degree"] == 2
    assert dict(rows["house"].extra)["hidden_at_householders"] == {"1": None, "2": None, "4": 4}
    assert [r.level for r in level_reports(parse_group("S6"))][-1] == "full"
