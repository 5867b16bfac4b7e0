"""Exact cyclotomic arithmetic against sympy (minimal polynomials) and complex floating point."""

from __future__ import annotations

import cmath
import math

import numpy as np
import pytest
import sympy

from bilinear.theory.arith.cyclotomic import Cyclotomic, cyclotomic_polynomial, euler_phi, reduce_counts, reduction_matrix


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 8, 12, 15, 30, 105])
def test_reduction_matrix_rows_are_the_same_numbers(n):
    """Row k of R_n, read on the power basis, equals zeta_n^k numerically; Phi_n matches sympy."""
    x = sympy.Symbol("x")
    assert list(cyclotomic_polynomial(n)) == [int(c) for c in reversed(sympy.Poly(sympy.cyclotomic_poly(n, x), x).all_coeffs())]
    R = reduction_matrix(n)
    z = cmath.exp(2j * math.pi / n)
    basis = np.array([z ** j for j in range(euler_phi(n))])
    for k in range(n):
        assert abs(R[k] @ basis - z ** k) < 1e-9


def test_sum_of_all_roots_is_zero_and_reduce_counts():
    for n in (3, 5, 12):
        assert not reduce_counts(np.ones(n, dtype=np.int64), n).any()
    assert reduce_counts(np.array([[1, 1, 1], [2, 0, 0]]), 3).tolist() == [[0, 0], [2, 0]]


def test_arithmetic_and_equality_across_fields():
    z5 = Cyclotomic.root_of_unity(5)
    golden = -(z5 ** 2 + z5.conjugate() ** 2)   # -(zeta^2 + zeta^-2) = (1+sqrt5)/2
    assert abs(complex(golden) - (1 + math.sqrt(5)) / 2) < 1e-12
    assert golden * golden == golden + 1                           # x^2 = x + 1
    i = Cyclotomic.root_of_unity(4)
    assert i * i == -1 and i.embed(12) == i and Cyclotomic.root_of_unity(6) ** 2 == Cyclotomic.root_of_unity(3)
    assert Cyclotomic.root_of_unity(3) + Cyclotomic.root_of_unity(3, 2) == -1
    assert Cyclotomic.rational(2) != Cyclotomic.root_of_unity(8)


def test_galois_orbit_and_minimal_polynomial():
    z7 = Cyclotomic.root_of_unity(7)
    gauss = z7 + z7.galois(2) + z7.galois(4)                       # (-1 + sqrt(-7))/2
    orbit = gauss.galois_orbit()
    assert len(orbit) == 2
    t = sympy.Symbol("t")
    assert sympy.minimal_polynomial(gauss.to_sympy(), t) == t ** 2 + t + 2


@pytest.mark.parametrize("n,k", [(5, 1), (8, 1), (12, 1), (7, 3), (9, 2)])
def test_to_sympy_and_str_are_the_same_number(n, k):
    z = Cyclotomic.root_of_unity(n, k)
    for v in (z, z + z.conjugate(), 2 * z - 1):
        assert abs(complex(sympy.N(v.to_sympy(), 30)) - complex(v)) < 1e-12
        s = str(v)
        assert s and "None" not in s


def test_readable_strings():
    z5 = Cyclotomic.root_of_unity(5)
    assert str(Cyclotomic.rational(-3)) == "-3"
    assert str(z5 + z5.conjugate()) == "-1/2 + sqrt(5)/2"
    assert str(Cyclotomic.root_of_unity(7, 3)) == "E(7)^3"


@pytest.mark.parametrize("n", [6, 12, 30, 60, 105, 2 * 9 * 19])
def test_tensor_coordinates_decide_equality_like_the_power_basis(n):
    """Random count vectors and their differences: zero on the tensor basis iff zero on the
    power basis (two independent reductions), and an integer is (c, 0, ..., 0)."""
    from bilinear.theory.arith.cyclotomic import tensor_coordinates
    rng = np.random.default_rng(n)
    for _ in range(20):
        a = rng.integers(-3, 4, size=n)
        # a vanishing sum: a multiple of 1 + zeta^(n/p) + ... (p-1 terms) for a prime p | n
        p = int(sympy.primefactors(n)[-1])
        z = np.zeros(n, dtype=np.int64)
        z[(np.arange(p) * (n // p) + rng.integers(n)) % n] = rng.integers(1, 4)
        for v in (a, z, a + z):
            assert (tensor_coordinates(v, n) == 0).all() == (reduce_counts(v, n) == 0).all()
        assert np.array_equal(tensor_coordinates(a + z, n), tensor_coordinates(a, n))
    c = np.zeros(n, dtype=np.int64)
    c[0] = 7
    assert tensor_coordinates(c, n).tolist() == [7] + [0] * (euler_phi(n) - 1)


@pytest.mark.parametrize("n", [1, 2, 12, 105, 210, 385, 1009, 2018])
def test_cyclotomic_polynomial_against_sympy(n):
    x = sympy.Symbol("x")
    assert cyclotomic_polynomial(n) == tuple(int(c) for c in reversed(sympy.Poly(sympy.cyclotomic_poly(n, x), x).all_coeffs()))
