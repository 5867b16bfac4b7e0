"""parse_group, cycle notation and Cayley-table validation: good and bad input."""

import numpy as np
import pytest

from bilinear.theory import InputError, group_from_cayley_table, group_from_generator_string, parse_group
from bilinear.theory.groups.perms import format_cycles, parse_cycles, parse_generators


@pytest.mark.parametrize("spec, order", [
    ("Z12", 12), ("C7", 7), ("Z2xZ4", 8), ("A4xZ5", 60), ("D5", 10), ("Q8", 8), ("A5", 60), ("S5", 120),
    ("GL(3,2)", 168), ("SL(2,5)", 120), ("AGL(1,7)", 42), ("Z2^3", 8), ("1", 1), (" S3 x Z2 ", 12),
    ("perm:(1,2,3)(4,5);(1,2)", 12), ("perm:(1,2,4,6)(3,8,7,5);(1,3,4,7)(2,5,6,8)", 8), ("perm:()", 1),
    ("GL(2,3)xZ2", 96),
])
def test_parse_group_forms(spec, order):
    assert parse_group(spec).order == order


@pytest.mark.parametrize("spec, message", [
    ("", "at character 1 of '': expected a group name"),
    ("Foo", "at character 1 of 'Foo': expected a group .*found 'F'"),
    ("Z", "at character 2 of 'Z': expected the number n of Z<n>, found end of input"),
    ("Z0", "at character 2 of 'Z0': expected n >= 1 in Z<n>, found 0"),
    ("S0", "at character 2 of 'S0': expected n >= 1 in S<n>, found 0"),
    ("Z012", "at character 2 of 'Z012': expected the number n of Z<n> without leading zeros"),
    ("Z1 2", "at character 4 of 'Z1 2': expected 'x' between factors, '\\^' or the end, found '2'"),
    ("S 5", "at character 2 of 'S 5': expected the number n of S<n>, found ' '"),
    ("Z" + "9" * 19, "at character 2 .* of at most 18 digits"),
    ("GL(2 ,3)", "at character 5 of 'GL\\(2 ,3\\)': expected ',' after the matrix size"),
    ("AGL(2,3)", "at character 1 of 'AGL\\(2,3\\)': AGL\\(n,q\\) is available for n = 1 only"),
    ("Z2x", "at character 4 of 'Z2x': expected a group .*found end of input"),
    ("Z2^0", "at character 4 of 'Z2\\^0': expected a power k >= 1, found 0"),
    ("Z2^a", "at character 4 of 'Z2\\^a': expected a power k >= 1, found 'a'"),
    ("Z2^65", "at character 1 of .*: more than 64 direct factors"),
    ("Z1^40xZ1^30", "at character 7 of .*more than 64 direct factors"),
    ("perm:(1,2", "at character 10 of 'perm:\\(1,2': expected ',' or '\\)' after point 2, found end of input"),
    ("perm:(1,2)(2,3)", "at character 12 of .*point 2 is repeated"),
    ("perm:(1,2,2)", "at character 11 of .*point 2 is repeated"),
    ("perm:(0,1)", "at character 7 of .*point 0 is not positive"),
    ("perm:(1,a)", "at character 9 of .*expected a point \\(positive integer\\), found 'a'"),
    ("perm:(1,2);", "at character 12 of .*expected a permutation such as .*found end of input"),
    ("perm:(1,2);;(2,3)", "at character 12 of .*expected a permutation such as .*found ';'"),
    ("perm:1,2", "at character 6 of 'perm:1,2': expected a permutation such as"),
    ("perm:(1 2 3);(1 2)", "at character 8 of 'perm:\\(1 2 3\\);\\(1 2\\)': expected ',' or '\\)' after point 1, found ' '"),
    ("perm:(1,2) (3,4)", "at character 12 of .*expected ';' between generators or the end, found '\\('"),
    ("perm:( 1,2)", "at character 7 of .*expected a point \\(positive integer\\), found ' '"),
    ("perm:(1 ,2)", "at character 8 of .*expected ',' or '\\)' after point 1, found ' '"),
    ("perm:(3)", "at character 6 of .*the cycle \\(3\\) has one point"),
    ("perm:()(1,2)", "at character 8 of .*expected ';' between generators or the end"),
    ("perm:(1,2)()", "at character 12 of .*expected a point"),
    ("perm:(1,\n2)", "at character 9 of 'perm:\\(1,\\\\n2\\)': expected a point"),
    ("Z2xperm:(1,2)", "at character 4 of .*expected a group"),
])
def test_parse_group_errors(spec, message):
    """Each refusal names the 1-based position (counted by hand) and what was expected there."""
    with pytest.raises(InputError, match="^GROUP: " + message):
        parse_group(spec)


@pytest.mark.parametrize("spec, message", [("GL(2,6)", "not a prime power"), ("GL(0,2)", "matrix size")])
def test_builder_refusals(spec, message):
    with pytest.raises(InputError, match=message):
        parse_group(spec)


@pytest.mark.parametrize("spec, images", [
    ("perm:(1,2,3)(4,5);(1,2)", [[1, 2, 0, 4, 3], [1, 0, 2, 3, 4]]),
    ("perm:(1, 2, 3)(4, 5);(1, 2)", [[1, 2, 0, 4, 3], [1, 0, 2, 3, 4]]),
    ("perm:(1,2,3)(4,5) ; (1,2)", [[1, 2, 0, 4, 3], [1, 0, 2, 3, 4]]),
    (" perm: (1,2)", [[1, 0]]),
])
def test_gap_printing_is_read(spec, images):
    """GAP's printing, with or without a space after each comma, gives the generators it names (the
    image lists written out by hand) and the group they generate (orders 12 and 2)."""
    G = parse_group(spec)
    assert sorted(map(list, parse_generators(spec.split(":", 1)[1]))) == sorted(images)
    assert G.order == (12 if len(images) == 2 else 2)
    assert parse_group(G.name).order == G.order         # the name is a spec that reads back


def test_perm_with_no_generators_is_the_trivial_group():
    """``perm:`` is how GAP prints the trivial group's (empty) generator list."""
    for spec in ("perm:", "perm: ", " perm:"):
        G = parse_group(spec)
        assert G.order == 1 and G.num_classes == 1
    assert parse_generators("") == [] and parse_generators("  ") == []
    assert group_from_generator_string("").order == 1


def test_error_messages_are_one_line():
    for spec, message in [("Foo", r"^GROUP: at character 1 of 'Foo': expected a group \(Z<n>, .*, found 'F'$"),
                          ("perm:(1,2", r"^GROUP: at character 10 of 'perm:\(1,2': expected ',' or '\)' after point 2, "
                                        "found end of input$"),
                          ("GL(2,6)", "^q: 6 is not a prime power; finite fields have prime-power order$"),
                          ("perm:(1,\n2)", r"^GROUP: at character 9 of 'perm:\(1,\\n2\)': expected a point "
                                           r"\(positive integer\), found '\\n'$"),
                          ("Z" + "x" * 500, r"^GROUP: at character 2 of 'Zx+'\.\.\.: expected the number n of Z<n>, "
                                            "found 'x'$")]:
        with pytest.raises(InputError, match=message) as e:
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
    ([[0, 1], [1]], r"^table: row 1 has 1 entries, expected 2 \(a square array\)"),
    ([[0, 1, 2], [1, 2]], "^table: row 0 has 3 entries, expected 2"),
    ([[0, 1], 5], "^table: row 1 has int, expected 2"),
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


def test_cayley_table_names_must_be_a_list():
    """A string of names was split into characters ("ab" read as the names a, b)."""
    with pytest.raises(InputError, match="names: expected a list of 2 names, got str"):
        group_from_cayley_table([[0, 1], [1, 0]], names="ab")


def test_cayley_table_unknown_name_and_limit():
    with pytest.raises(InputError, match="not closed"):
        group_from_cayley_table([["e", "b"], ["b", "e"]], names=["e", "a"])
    with pytest.raises(InputError, match="above the limit"):
        group_from_cayley_table(z3_table(), max_order=2)
