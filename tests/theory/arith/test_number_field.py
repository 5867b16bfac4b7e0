"""Exact number-field arithmetic, checked against complex floats and sympy."""

import numpy as np
import pytest
import sympy

from bilinear.theory.arith.number_field import RATIONALS, NumberField
from bilinear.theory.arith.field_matrices import Columns, SparseMatrix


@pytest.mark.parametrize("F", [NumberField.cyclotomic(5), NumberField.cyclotomic(12), NumberField.cyclotomic(60),
                               NumberField.quadratic(5), NumberField.quadratic(2)], ids=lambda F: F.name)
def test_multiplication_matches_complex_values(F):
    rng = np.random.default_rng(0)
    a = rng.integers(-5, 6, size=(F.degree, 50))
    b = rng.integers(-5, 6, size=(F.degree, 50))
    prod = F.multiply(a, b)
    assert np.allclose(F.evaluate(prod, 1), F.evaluate(a, 1) * F.evaluate(b, 1), atol=1e-9)


def test_cyclotomic_relations():
    F = NumberField.cyclotomic(12)
    z = F.power_coefficients(1)
    assert list(F.power_coefficients(12)) == [1, 0, 0, 0]
    assert list(F.power_coefficients(6)) == [-1, 0, 0, 0]          # ζ^6 = -1
    conj = np.tensordot(F.conjugation, np.array(z, dtype=np.int64), axes=(1, 0))
    one = F.multiply(np.array(z, dtype=np.int64)[:, None], conj[:, None])
    assert one[:, 0].tolist() == [1, 0, 0, 0]                       # ζ * conj(ζ) = 1


def test_signs_against_sympy():
    F = NumberField.quadratic(5)
    rng = np.random.default_rng(1)
    nums = rng.integers(-9, 10, size=(2, 200))
    signs = F.signs(nums, 1)
    for (a, b), s in zip(nums.T, signs):
        assert s == sympy.sign(a + b * sympy.sqrt(5))
    G = NumberField.cyclotomic(12)                 # real elements a + b (ζ + ζ^-1) = a + b√3
    for a, b in rng.integers(-9, 10, size=(100, 2)):
        num = np.array(a, dtype=object) * np.array(G.power_coefficients(0)) + \
            b * (G.power_coefficients(1) + G.power_coefficients(11))
        assert G.signs(num.astype(np.int64)[:, None], 1)[0] == sympy.sign(a + b * sympy.sqrt(3))


def test_close_values_decided_exactly():
    """(1+√5)/2 against rational approximations closer than float resolution (sympy decides the truth)."""
    F = NumberField.quadratic(5)
    golden = (1 + sympy.sqrt(5)) / 2
    for p, q in [(1618033988749895, 10 ** 15), (1618033988749894, 10 ** 15), (7778742049, 4807526976)]:
        num = np.array([[q - 2 * p], [q]], dtype=object)   # (q - 2p + q√5) / (2q) = φ - p/q
        assert F.signs(num, 1)[0] == sympy.sign(golden - sympy.Rational(p, q)) != 0


def test_rounded_values_are_correctly_rounded():
    F = NumberField.quadratic(2)
    assert F.rounded(np.array([[0], [1]]), 1)[0] == float(sympy.N(sympy.sqrt(2), 30))
    assert RATIONALS.rounded(np.array([[1]]), 3)[0] == 1 / 3


def test_sparse_apply_and_lowest_terms():
    F = RATIONALS
    A = SparseMatrix(F, (2, 2), [0, 1, 1], [1, 0, 1], np.array([[2, 4, 6]]), 2)
    assert A.den == 1 and A.num.tolist() == [[1, 2, 3]]
    x = Columns(F, np.array([[[1, 2], [3, 4]]]), np.array([1, 2]))
    y = A.apply(x)
    assert np.allclose(y.floats(), A.dense_float() @ x.floats())
