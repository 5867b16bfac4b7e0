"""Finite-order diagonals: wrong claims are rejected; characters and trackers against known facts."""

import pytest

from bilinear.theory.errors import MathematicalError
from bilinear.theory.groups.parser import parse_group
from bilinear.theory.theorems import finite_order_diagonal as FO


def test_wrong_root_sets_rejected():
    with pytest.raises(MathematicalError, match="x\\^2"):
        FO.check_real_roots_of_unity(4, allowed=(1,))
    with pytest.raises(MathematicalError, match="positive"):
        FO.check_real_roots_of_unity(3, positive_allowed=())


def test_real_roots_known_values():
    roots = FO.check_real_roots_of_unity(12)["roots"]
    assert all(roots[str(m)] == ([-1, 1] if m % 2 == 0 else [1]) for m in range(1, 13))


@pytest.mark.parametrize("spec, count", [("Z1", 1), ("Z2", 2), ("Z2^3", 8), ("Z3", 1), ("Z4", 2), ("S3", 2),
                                         ("Q8", 4), ("D4", 4), ("A4", 1), ("Z2xZ4", 4)])
def test_number_of_sign_characters(spec, count):
    # |Hom(G, Z2)| = 2^(number of even abelian invariants of G)
    G = parse_group(spec)
    assert len(FO.sign_characters(G)) == count
    assert count == 2 ** sum(1 for d in G.abelian_invariants if d % 2 == 0)


def test_wrong_trackers_rejected():
    Z4, Z3 = parse_group("Z4"), parse_group("Z3")
    with pytest.raises(MathematicalError, match="not injective"):
        FO.certify_diagonal_group_tracker(Z4, {Z4.generators[0]: [-1]}, [1])
    with pytest.raises(MathematicalError, match=r"^Z3: one-step check fails: A\[0\] phi\(2\) != phi\(0\) for symbol '1'$"):
        FO.certify_diagonal_group_tracker(Z3, {Z3.generators[0]: [-1]}, [1])     # (-1)^3 != 1
    Z2 = parse_group("Z2")
    cert = FO.certify_diagonal_group_tracker(Z2, {Z2.generators[0]: [-1]}, [1])
    assert cert["states"] == 2 and cert["margin"] == "2"


def test_consequence_rows():
    rows = {r["group"]: r for r in FO.check_group_consequences(("Z2^3", "Z4", "Q8"))["groups"]}
    assert rows["Z2^3"]["RDIAG"]["tracked"] and not rows["Z2^3"]["PDIAG"]["tracked"]
    assert not rows["Z4"]["RDIAG"]["tracked"] and not rows["Q8"]["RDIAG"]["tracked"]
    Q8 = parse_group("Q8")
    g = Q8.element(rows["Q8"]["witness_g_squared_not_e"])
    assert Q8.mul(g, g) != Q8.identity
