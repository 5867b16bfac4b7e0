"""parse_group, cycle notation and Cayley-table validation: good and bad input."""

import numpy as np
import pytest

from theory import InputError, group_from_cayley_table, parse_group
from theory.perms import format_cycles, parse_cycles, parse_generators


@pytest.mark.parametrize("spec, order", [
    ("Z12", 12), ("C7", 7), ("Z2xZ4", 8), ("A4xZ5", 60), ("D5", 10), ("Q8", 8), ("A5", 60), ("S5", 120),
    ("GL(3,2)", 168), ("SL(2,5)", 120), ("AGL(1,7)", 42), ("Z2^3", 8), ("1", 1), (" S3 x Z2 ", 12),
    ("perm:(1,2,3)(4,5);(1,2)", 12), ("perm:(1,2,4,6)(3,8,7,5);(1,3,4,7)(2,5,6,8)", 8), ("perm:()", 1),
    ("GL(2,3)xZ2", 96),
])
def test_parse_group_forms(spec, order):
    assert parse_group(spec).order == order


@pytest.mark.parametrize("spec, message", [
    ("", "expected a group name"),
    ("Foo", "unknown group 'Foo'"),
    ("Z", "unknown group 'Z'"),
    ("Z0", "expected an integer >= 1"),
    ("S0", "expected an integer >= 1"),
    ("GL(2,6)", "not a prime power"),
    ("GL(0,2)", "matrix size"),
    ("Z2x", "empty factor"),
    ("Z2^0", "bad power"),
    ("Z2^a", "bad power"),
    ("perm:(1,2", "bad cycle syntax"),
    ("perm:(1,2)(2,3)", "point 2 is repeated"),
    ("perm:(1,2,2)", "point 2 is repeated"),
    ("perm:(0,1)", "not positive"),
    ("perm:(1,a)", "bad point"),
    ("perm:(1,2);", "empty generator"),
    ("perm:1,2", "bad cycle syntax"),
])
def test_parse_group_errors(spec, message):
    with pytest.raises(InputError, match=message):
        parse_group(spec)


def test_error_messages_are_one_line():
    for spec in ["Foo", "perm:(1,2", "GL(2,6)"]:
        with pytest.raises(InputError) as e:
            parse_group(spec)
        assert "\n" not in str(e.value)


def test_cycles_round_trip():
    rng = np.random.default_rng(0)
    for _ in range(200):
        p = rng.permutation(9)
        text = format_cycles(p)
        back = np.arange(9)
        for a, b in parse_cycles(text).items():
            back[a] = b
        assert np.array_equal(back, p)
    assert format_cycles([0, 1, 2]) == "()"
    assert format_cycles([1, 2, 0, 4, 3]) == "(1,2,3)(4,5)"
    assert format_cycles([2, 0, 1]) == "(1,3,2)"  # each cycle starts at its smallest point


def test_parse_generators_common_degree():
    a, b = parse_generators("(1,2);(3,4,5)")
    assert len(a) == len(b) == 5


# ------------------------------------------------------------------ Cayley tables
def z3_table():
    return [[(a + b) % 3 for b in range(3)] for a in range(3)]


def test_cayley_table_group():
    G = group_from_cayley_table(z3_table())
    assert G.order == 3 and G.is_abelian and G.names == ("g0", "g1", "g2")


def test_cayley_table_identity_moved_first_and_named():
    # Z3 with the identity at index 2: a*b = (a + b + 1) mod 3
    t = [[(a + b + 1) % 3 for b in range(3)] for a in range(3)]
    G = group_from_cayley_table(t, names=["x", "y", "e"])
    assert G.names[0] == "e" and G.exponent == 3
    s4 = parse_group("S4")
    H = group_from_cayley_table(s4.table.tolist(), name="S4copy")
    assert H.num_classes == 5 and H.abelian_invariants == (2,)


def test_cayley_table_with_names():
    t = [["e", "a"], ["a", "e"]]
    assert group_from_cayley_table(t, names=["e", "a"]).order == 2


@pytest.mark.parametrize("table, message", [
    ([[0, 1], [1]], "square"),
    ([[0, 1, 2], [1, 2]], "square"),
    ([[0, 1], [1, 2]], "not closed"),
    ([[0, 1], [1, -1]], "not closed"),
    ([[1, 0], [0, 0]], "no identity"),
    ([[0, 1], [1, 1]], "has no inverse"),
    ([], "non-empty square"),
])
def test_cayley_table_errors(table, message):
    with pytest.raises(InputError, match=message):
        group_from_cayley_table(table)


def test_cayley_table_not_associative():
    # a loop of order 5 (Latin square with identity 0, every element self-inverse) that is not a group
    t = [[0, 1, 2, 3, 4],
         [1, 0, 3, 4, 2],
         [2, 4, 0, 1, 3],
         [3, 2, 4, 0, 1],
         [4, 3, 1, 2, 0]]
    with pytest.raises(InputError, match="not associative"):
        group_from_cayley_table(t)


def test_cayley_table_unknown_name_and_limit():
    with pytest.raises(InputError, match="not closed"):
        group_from_cayley_table([["e", "b"], ["b", "e"]], names=["e", "a"])
    with pytest.raises(InputError, match="above the limit"):
        group_from_cayley_table(z3_table(), max_order=2)
