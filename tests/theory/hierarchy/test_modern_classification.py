"""HOUSE and MONO classifications against brute force: ranks from matrices, faithful sets by
exhaustion, embeddings into the signed permutation groups, subgroups as closed subsets."""

import itertools

import numpy as np
import pytest
import sympy

from tests import catalogue
from bilinear.theory import InputError, parse_group
from bilinear.theory.hierarchy.analysis import level_reports
from bilinear.theory.hierarchy.placement import hierarchy_level
from bilinear.theory.hierarchy.house import house_table, reflection_ranks
from bilinear.theory.hierarchy.mono import induced_monomial_matrices, monomial_degree
from bilinear.theory.theorems.modern import signed_permutation_matrices
from bilinear.theory.representations.real_irreps import real_irreducibles
from bilinear.theory.representations.matrices import real_irrep_matrices
from bilinear.theory.groups.subgroups import members, subgroups

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


def _brute_house(G, alphabet):
    """The Pareto frontier (hidden, least n_h) over every faithful subset of real irreducibles."""
    irr = real_irreducibles(G)
    ranks = _matrix_ranks(G)
    best = {}
    for k in range(0, min(len(irr), 5) + 1):
        for S in itertools.combinations(range(len(irr)), k):
            common = np.ones(G.order, dtype=bool)
            for r in S:
                m = np.zeros(G.order, dtype=bool)
                m[irr[r].kernel] = True
                common &= m
            if common.sum() != 1:
                continue
            dim = max(sum(irr[r].real_dim for r in S), 1)
            n = max(max((sum(ranks[r][a] for r in S) for a in alphabet), default=0), 1)
            best[dim] = min(best.get(dim, n), n)
    frontier, last = [], None
    for dim in sorted(best):
        if last is None or best[dim] < last:
            frontier.append((dim, best[dim]))
            last = best[dim]
    return frontier


@pytest.mark.parametrize("spec", SMALL)
@pytest.mark.parametrize("which", ["all", "generators"])
def test_house_table_against_brute_force(spec, which):
    G = parse_group(spec)
    alphabet = list(range(G.order)) if which == "all" else (list(G.generators) or [0])
    t = house_table(G, alphabet)
    assert [(o.hidden, o.householders) for o in t.options] == _brute_house(G, alphabet)
    assert t.min_hidden == max(hierarchy_level(G).min_faithful_dim_real, 1)


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
    signed degree 6 for Z2^7)."""
    d = monomial_degree(parse_group("Z67"))
    assert (d.degree, d.complex_degree, d.permutation_degree) == (67, 1, 67)
    # Z2xZ34 = Z2^2 x Z17: Z17 acts faithfully only on a summand induced from K inside Z2^2, of degree
    # >= 17; with K = Z2^2 and a sign character the core is an order-2 subgroup, which one more sign
    # character of the whole group (degree 1) removes: 18.  Permutations: 2 + 2 + 17.
    d = monomial_degree(parse_group("Z2xZ34"))
    assert (d.degree, d.permutation_degree) == (18, 2 + 2 + 17)
    assert house_table(parse_group("Z67")).options[0].householders == 2


def test_subgroup_limit_names_the_option():
    with pytest.raises(InputError, match="--modern-max-order 720"):
        monomial_degree(parse_group("S6"))


def test_analysis_rows():
    rows = {r.level: r for r in level_reports(parse_group("Q8"))}
    assert (rows["house"].hidden, rows["house"].householders, rows["mono"].hidden) == (4, 4, 4)
    assert dict(rows["mono"].extra)["complex_degree"] == 2
    assert dict(rows["house"].extra)["hidden_at_householders"] == {"1": None, "2": None, "4": 4}
    assert [r.level for r in level_reports(parse_group("S6"))][-1] == "full"
