"""The modern theorems fail on broken variants."""

from fractions import Fraction

import pytest
import sympy

from bilinear.theory.errors import MathematicalError
from bilinear.theory.theorems import modern as M


def test_fixed_hyperplanes_rejects_a_rank_two_update():
    def rank_two(beta, w):     # I - beta w w^T/(w^T w) plus an unrelated rank-one term
        F = M.householder_factor(beta, w)
        if len(w) >= 2:
            F = F + sympy.Matrix(len(w), len(w), lambda i, j: Fraction(1) if (i, j) == (1, 0) else 0)
        return F
    with pytest.raises(MathematicalError, match="rank"):
        M.check_fixed_hyperplanes(factor=rank_two, samples=60)


def test_cartan_dieudonne_rejects_a_wasteful_decomposition():
    from bilinear.theory.arith.cartan_dieudonne import reflection_factors
    def doubled(F, A):          # the same product with a reflection inserted twice: too many factors
        fs = reflection_factors(F, A)
        return fs + fs[-1:] * 2 if fs else fs
    with pytest.raises(MathematicalError, match="reflections"):
        M.check_cartan_dieudonne(decompose=doubled, groups=("S3",))


def test_single_factor_order_rejects_a_wrong_root_list():
    with pytest.raises(MathematicalError, match="real roots"):
        M.check_single_factor_order(max_order=6, real_roots=lambda m: [1, -1, sympy.Rational(1, 2)])


def test_mono_characterisation_rejects_the_permutation_degree():
    from bilinear.theory.hierarchy.mono import monomial_degree
    with pytest.raises(MathematicalError, match="least n"):
        M.check_mono_characterisation(degree=lambda G: monomial_degree(G).permutation_degree, groups=("Z4",))


def test_strict_containments_reject_a_wrong_monomial_degree():
    with pytest.raises(MathematicalError, match="Z3 not in MONO"):
        M.check_strict_containments(mono=lambda G: 2)
