"""The mod-3 refuter's bound cannot be 2H+2: an explicit RDIAG model right on 1^1..1^8 with H = 3.

The witness was found by a linear-programming search over readouts (bases fixed) and is checked here
in exact rational arithmetic by two evaluations; the proven bound 2 floor(3m/2) + 1 (<= 3H + 1 without
bias) still holds for it.
"""

from fractions import Fraction as Fr

from bilinear.theory.theorems.exponential_sum import exact_outputs, refute_rdiag_mod3

A = [Fr(-3, 4), Fr(-1, 4), Fr(-2)]
H0 = [1, 1, 1]
R = [[999514, 970661, 999999], [1000000, 968828, 999996], [998651, 1000000, 1000000]]


def direct(n):
    h = [x ** n for x in A]
    scores = [sum(Fr(r) * v for r, v in zip(row, h)) for row in R]
    return max(range(3), key=lambda k: (scores[k], -k))


def test_witness_right_beyond_2H_plus_2():
    H = len(A)
    outs = exact_outputs(A, [Fr(v) for v in H0], [[Fr(v) for v in row] for row in R], (Fr(0),) * 3, 2 * H + 2)
    assert outs == [n % 3 for n in range(1, 2 * H + 3)]
    assert [direct(n) for n in range(1, 2 * H + 3)] == [n % 3 for n in range(1, 2 * H + 3)]


def test_refuter_still_finds_an_error_within_its_bound():
    r = refute_rdiag_mod3(A, H0, R)
    assert 2 * len(A) + 2 < r.n <= r.bound <= 3 * len(A) + 1
    assert direct(r.n) != r.n % 3
