"""Transition monoids: size by brute force over words, group / commutative / aperiodic by definition."""

import itertools

import pytest

from tests import catalogue
from bilinear.theory import OrderLimitError, parse_group
from bilinear.theory.automata.automaton import Automaton, random_automaton


def brute_force_monoid(A, max_len=12):
    seen = set()
    for L in range(max_len + 1):
        new = False
        for w in itertools.product(range(A.num_symbols), repeat=L):
            f = tuple(_run(A, q, w) for q in range(A.num_states))
            if f not in seen:
                seen.add(f)
                new = True
        if not new and L > 0:
            break
    return seen


def _run(A, q, w):
    for a in w:
        q = int(A.delta[q, a])
    return q


def test_size_against_words(catalogue_automaton):
    A = catalogue_automaton
    M = A.transition_monoid()
    assert M.size == len(brute_force_monoid(A))
    assert set(map(tuple, M.elements.tolist())) == brute_force_monoid(A)


def test_properties_by_definition(catalogue_automaton):
    M = catalogue_automaton.transition_monoid()
    el = [tuple(r) for r in M.elements.tolist()]
    comp = {(f, g): tuple(g[f[q]] for q in range(len(f))) for f in el for g in el}
    assert M.is_commutative == all(comp[(f, g)] == comp[(g, f)] for f in el for g in el)
    ident = el[0]
    assert M.is_group == all(any(comp[(f, g)] == ident for g in el) for f in el)

    def aperiodic(f):
        powers = [f]
        for _ in range(len(f) + 1):
            powers.append(comp[(powers[-1], f)])
        return powers[-1] == powers[-2]
    assert M.is_aperiodic == all(aperiodic(f) for f in el)


@pytest.mark.parametrize("name, size, group, comm, aper", [
    ("parity", 2, True, True, False), ("mod3", 3, True, True, False), ("flipflop", 3, False, False, True),
])
def test_known_monoids(name, size, group, comm, aper):
    A = {"parity": catalogue.parity_dfa(), "mod3": catalogue.mod3_counter(), "flipflop": catalogue.flipflop()}[name]
    M = A.transition_monoid()
    assert (M.size, M.is_group, M.is_commutative, M.is_aperiodic) == (size, group, comm, aper)


def test_group_automaton_monoid_is_the_group():
    for spec in ["S3", "Q8", "A4", "D5"]:
        G = parse_group(spec)
        M = Automaton.from_group(G).transition_monoid()
        assert M.size == G.order and M.is_group and M.is_commutative == G.is_abelian


def test_monoid_size_limit():
    with pytest.raises(OrderLimitError, match="more than 10"):
        random_automaton(6, 3, 0).transition_monoid(max_size=10)
