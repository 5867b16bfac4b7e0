"""The work of the HOUSE and MONO rows, counted (not timed): Python calls under a profiler budget, exact
cyclotomic additions, and the sets the house search examines against the bound it states before it
starts.  The budgets are far below what the pre-bound code spent (more than 3 000 000 calls for each of
the first four cases; the search summed cyclotomic numbers for every rank)."""

import sys

import pytest

from bilinear.theory import InputError, parse_group
from bilinear.theory.arith.cyclotomic import Cyclotomic
from bilinear.theory.characters.build import character_table
from bilinear.theory.hierarchy import house
from bilinear.theory.hierarchy.house import house_table
from bilinear.theory.hierarchy.mono import monomial_degree
from bilinear.theory.hierarchy.placement import hierarchy_level, minimal_normal_subgroups
from bilinear.theory.representations.real_irreps import real_irreducibles


class _OverBudget(Exception):
    pass


def _calls(fn, budget: int) -> int:
    """The Python and builtin function calls ``fn()`` makes; raises once they pass ``budget``."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1
            if count > budget:
                raise _OverBudget(f"more than {budget} calls")

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


def _prepared(spec: str):
    """The group with what the classical rows already computed (table, levels, minimal normal subgroups)."""
    G = parse_group(spec)
    T = character_table(G)
    hierarchy_level(T)
    real_irreducibles(T)
    minimal_normal_subgroups(G)
    return G, T


def _perm_z2(k: int) -> str:
    return "perm:" + ";".join(f"({2 * i + 1},{2 * i + 2})" for i in range(k))


@pytest.mark.parametrize("spec,budget", [(_perm_z2(5), 20_000), ("Z67", 20_000), ("S3xZ2^3", 200_000)])
def test_house_table_work_is_bounded(spec, budget):
    G, T = _prepared(spec)
    assert _calls(lambda: house_table(T), budget) <= budget


def test_mono_of_an_elementary_abelian_permutation_group_enumerates_nothing():
    G, _ = _prepared(_perm_z2(6))
    assert _calls(lambda: monomial_degree(G), 100_000) <= 100_000
    assert monomial_degree(G).num_subgroup_classes is None and monomial_degree(G).degree == 6


@pytest.mark.parametrize("spec", ["S4", "Z67", "A4xZ5"])
def test_ranks_need_no_cyclotomic_arithmetic(spec, monkeypatch):
    G, T = _prepared(spec)
    added = []
    original = Cyclotomic.__add__

    def spy(self, other):
        added.append(1)
        return original(self, other)

    monkeypatch.setattr(Cyclotomic, "__add__", spy)
    house_table(T, list(G.generators))
    assert added == []


@pytest.mark.parametrize("spec,which", [("S3xZ2^3", "all"), ("D4xZ2^2", "generators"), ("Z2^4", "generators"),
                                        ("A4xZ2^2", "generators"), ("Q8xZ3xZ2^2", "all"), ("D4xZ2^3", "all")])
def test_the_search_examines_at_most_its_bound(spec, which):
    G, T = _prepared(spec)
    alphabet = list(range(G.order)) if which == "all" else list(G.generators)
    s = house.house_search(T, alphabet)
    found, examined = house.run_search(s)
    assert 0 < examined <= s.bound
    assert [(h, n) for h, n, _ in sorted(found)] == [(o.hidden, o.householders)
                                                      for o in house_table(T, alphabet).options]


def test_the_bound_counts_sets_of_at_most_the_socle_length():
    """Z2^4 over its generators: 15 candidates, socle length 4: C(15,1) + ... + C(15,4) = 1940."""
    s = house.house_search(parse_group("Z2^4"), list(parse_group("Z2^4").generators))
    assert (len(s.candidates), s.length, s.bound) == (15, 4, 1940)


def test_the_finer_bound_counts_families_of_privates():
    """S3 x Z2^4 over every element: 46 candidates and socle length 5 give C(46,1) + ... + C(46,5) =
    1550200 sets; counting the independent families of privates gives 270256, under the default limit,
    and the search examines fewer still."""
    G, T = _prepared("S3xZ2^4")
    s = house.house_search(T)
    assert (len(s.candidates), s.length, s.bound) == (46, 5, 270256)
    found, examined = house.run_search(s)
    assert examined <= s.bound and [(h, n) for h, n, _ in found] == [(5, 5)]


def test_a_search_over_its_bound_is_refused_before_it_starts(monkeypatch):
    G = parse_group("Z2^6")
    alphabet = list(G.generators) + [int(G.mul(G.generators[0], G.generators[1]))]     # not a basis: a search

    def no_search(search):
        raise AssertionError("the search ran")

    monkeypatch.setattr(house, "run_search", no_search)
    with pytest.raises(InputError, match=r"^--house-max-sets: expected at least 75611760 .*, got 500000$"):
        house_table(G, alphabet)
    with pytest.raises(InputError, match=r"^--house-max-sets: expected at least 75611760 .*, got 1000$"):
        house_table(G, alphabet, max_sets=1000)
    assert [(o.hidden, o.householders) for o in house_table(G, list(G.generators)).options] == [(6, 1)]


@pytest.mark.parametrize("spec", ["Z2", "Z2^3", "Z2^5", _perm_z2(4)])
def test_a_basis_of_z2k_is_read_off_the_dual_basis(spec):
    """Z2^k over its k generators: (k, 1) without a search, as the search finds it."""
    G = parse_group(spec)
    t = house_table(G, list(G.generators))
    k = len(G.generators)
    assert [(o.hidden, o.householders) for o in t.options] == [(k, 1)]
    found, _ = house.run_search(house.house_search(G, list(G.generators)))
    assert [(h, n) for h, n, _ in found] == [(k, 1)]
    assert sorted(int(x) for x in house.reflection_ranks(G, [int(G.class_of[a]) for a in G.generators])[
        list(t.options[0].irreps)].sum(axis=0)) == [1] * k
