"""Exponential-sum refuters: the guarantee on many seeded random models (independent of the
theorem's own run), answers re-checked with sympy rationals, bounds against hand counts, tightness,
bad input, and a loud failure when the bound is wrong."""

from fractions import Fraction

import numpy as np
import pytest
import sympy

from bilinear.theory.errors import InputError, MathematicalError
from bilinear.theory.theorems import exponential_sum as ES

F = Fraction


def sympy_output(a, h0, R, bias, n):
    """Independent evaluation with sympy Rationals (floats read exactly)."""
    Q = lambda v: sympy.Rational(F(v)) if not isinstance(v, F) else sympy.Rational(v.numerator, v.denominator)  # noqa: E731
    scores = [sum(Q(R[k][i]) * Q(h0[i]) * Q(a[i]) ** n for i in range(len(a))) + (Q(bias[k]) if bias is not None else 0)
              for k in range(len(R))]
    best = max(scores)
    return min(k for k, s in enumerate(scores) if s == best)


@pytest.mark.parametrize("family", ES.PARITY_FAMILIES)
def test_parity_guarantee_random(family):
    rng = np.random.default_rng(12345)
    for _ in range(150):
        a, h0, R, bias = ES._random_parity_model(rng, family)
        r = ES.refute_pdiag_parity(a, h0, R, bias)
        H = len(a)
        assert 1 <= r.n <= r.bound <= H + 2
        assert sympy_output(a, h0, R, bias, r.n) == r.output != r.n % 2
        assert all(sympy_output(a, h0, R, bias, n) == n % 2 for n in range(1, r.n))   # first wrong n


@pytest.mark.parametrize("family", ES.MOD3_FAMILIES)
def test_mod3_guarantee_random(family):
    rng = np.random.default_rng(54321)
    for _ in range(150):
        a, h0, R, bias = ES._random_mod3_model(rng, family)
        r = ES.refute_rdiag_mod3(a, h0, R, bias)
        H = len(a)
        assert 1 <= r.n <= r.bound <= 3 * H + 4
        assert sympy_output(a, h0, R, bias, r.n) == r.output != r.n % 3


def test_parity_bound_is_tight():
    import random
    rng = random.Random(7)
    for _ in range(60):
        a, h0, R, bias, m = ES._interpolant_parity(rng)
        assert all(sympy_output(a, h0, R, bias, n) == n % 2 for n in range(1, m + 1))
        assert ES.refute_pdiag_parity(a, h0, R, bias).n == m + 1


def test_hand_examples():
    # h_n = 2 (1/2)^n > 0: threshold 0 says "odd" always, wrong at n = 2
    r = ES.refute_parity_threshold([0.5], [2], [1], 0)
    assert (r.n, r.label, r.output, r.distinct_bases, r.bound) == (2, 0, 1, 1, 2)
    # threshold 1 with h_n = 3^n: 3 > 1 (right at n=1), 9 > 1 (wrong at n=2)
    assert ES.refute_parity_threshold([3], [1], [1], 1).n == 2
    # equal readout rows: the scores tie, argmax picks class 0, wrong at n = 1
    assert ES.refute_pdiag_parity([2, 3], [1, 1], [[1, 1], [1, 1]]).n == 1


def test_bases_are_combined_and_counted():
    model = ES._model([F(2), F(2), F(1), F(3)], [1, 1, 1, 1], [[0, 0, 0, 0], [1, -1, 1, 5]], [F(1), F(0)], 2, True)
    # bases: 2 (coefficient 1 - 1 = 0, dropped), 1 (1 from a_3 plus bias -1: 0, dropped), 3 (5): m = 1
    assert ES.parity_bound(*model) == (1, 2)
    model3 = ES._model([F(-2), F(2), F(0), F(1)], [1, 1, 1, 1], [[0] * 4, [1, 1, 7, 1], [0] * 4], None, 3, False)
    # odd n: a_i (a_i^2)^j: bases 4 (coefficients -2 + 2 = 0, dropped), 1 (1): m = 1, bound 2*1 + 1 = 3
    assert ES.mod3_bound(*model3) == (1, 3)


def test_bad_input():
    with pytest.raises(InputError, match="positive"):
        ES.refute_pdiag_parity([0.5, -1.0], [1, 1], [[0, 0], [1, 1]])
    with pytest.raises(InputError, match="shape"):
        ES.refute_pdiag_parity([0.5], [1], [[1, 1]])
    with pytest.raises(InputError, match="finite"):
        ES.refute_rdiag_mod3([float("nan")], [1], [[1], [1], [1]])
    with pytest.raises(InputError, match=r"^h0\[0\]: expected a real number, got 'x'$"):
        ES.refute_rdiag_mod3([1], ["x"], [[1], [1], [1]])


def test_wrong_bound_or_model_outside_the_theorem_fails_loudly():
    # an RDIAG model with a = -1 *does* solve parity: outside Theorem A, the scan finds nothing
    model = ES._model([F(-1)], [1], [[0], [-1]], None, 2, False)
    with pytest.raises(MathematicalError, match="contradicting"):
        ES._refute("parity", 2, model, (1, 50))
    # a bound that is too small (m instead of m + 1) is caught on an exact interpolant
    import random
    a, h0, R, bias, m = ES._interpolant_parity(random.Random(3))
    model = ES._model(a, h0, R, bias, 2, True)
    with pytest.raises(MathematicalError, match=rf"^parity: the model is correct on 1\^n for every n <= {m} \(m = {m}\), "
                                                "contradicting the exponential-sum theorem$"):
        ES._refute("parity", 2, model, (m, m))


def test_generalised_vandermonde_lemma():
    assert ES.generalised_vandermonde_minors_positive([F(1, 2), F(2), F(3)], [0, 1, 4, 9])
    # with a negative base the matrix is not totally positive: the lemma needs positive bases
    assert not ES.generalised_vandermonde_minors_positive([F(-2), F(1)], [1, 2, 3])
