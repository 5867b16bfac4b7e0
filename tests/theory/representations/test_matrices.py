"""Real irreducible representations as matrices: characters against the table for every catalogue
group, exactness of the exact models checked independently in sympy, the required exact models,
and rejection of broken models."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from tests import catalogue
from bilinear.theory import InputError, MathematicalError, parse_group
from bilinear.theory.characters.build import character_table
from bilinear.theory.representations.exact_models import _check_integer_rep, _multiquadratic_basis
from bilinear.theory.representations.real_irreps import real_character, real_irreducibles
from bilinear.theory.representations.matrices import all_real_irrep_matrices, real_irrep_matrices

X = sympy.Symbol("x")


def is_zero(expr) -> bool:
    """Exact zero test for an algebraic number: its minimal polynomial is x."""
    expr = sympy.expand(expr)
    return expr == 0 or sympy.minimal_polynomial(expr, X) == X


def test_every_catalogue_representation_has_the_table_character(catalogue_group):
    """Float matrices: orthogonal homomorphisms whose traces equal the table's real character
    (1e-9); exact ones: the sympy trace equals the exact table value to 50 digits."""
    G = catalogue_group
    T = character_table(G)
    n = G.order
    pairs = np.arange(n) if n <= 60 else np.asarray(G.generators)
    for R in all_real_irrep_matrices(G):
        ir = real_irreducibles(G)[R.real_irrep]
        rho = R.matrices
        assert rho.shape == (n, ir.real_dim, ir.real_dim)
        psi = T.values_complex[ir.constituents[0]].real * (1 if ir.type == "real" else 2)
        assert np.abs(np.trace(rho, axis1=1, axis2=2) - psi[G.class_of]).max() < 1e-9
        assert np.abs(np.transpose(rho, (0, 2, 1)) @ rho - np.eye(ir.real_dim)).max() < 1e-9
        for h in pairs:
            assert np.abs(rho @ rho[h] - rho[G.mul(np.arange(n), h)]).max() < 1e-9
        assert R.residual < 1e-9 and R.character_error < 1e-9
        if R.exact:
            vals = real_character(G, R.real_irrep)
            for c, g in enumerate(G.class_representatives):
                diff = R.exact_matrix(int(g)).trace() - vals[c].to_sympy()
                assert abs(complex(sympy.N(diff, 60))) < 1e-45


SMALL_EXACT = ["Z3", "Z12", "S3", "D4", "D5", "Q8", "A4", "S4", "A5", "S5", "SL(2,5)"]


@pytest.mark.parametrize("spec", SMALL_EXACT)
def test_exact_models_are_exact_in_sympy(spec):
    """rho(g) rho(h) = rho(gh) on generator pairs, rho(g)^T rho(g) = I and trace = table value,
    all decided exactly (minimal polynomial of the difference is x)."""
    G = catalogue.group(spec) if spec in catalogue.GROUP_SPECS else parse_group(spec)
    for R in all_real_irrep_matrices(G):
        if not R.exact:
            continue
        gens = list(G.generators)
        for g in gens:
            A = R.exact_matrix(g)
            assert all(is_zero(v) for v in A.T * A - sympy.eye(R.dim))
            for h in gens:
                assert all(is_zero(v) for v in A * R.exact_matrix(h) - R.exact_matrix(int(G.mul(g, h))))
        vals = real_character(G, R.real_irrep)
        for c, g in enumerate(G.class_representatives):
            assert is_zero(R.exact_matrix(int(g)).trace() - vals[c].to_sympy())
        if R.primitive_element is None:
            assert R.field in ("Z", "Q")
            assert all(v.is_rational for g in gens for v in R.exact_matrix(g))


def model_of(spec, real_dim, **kw):
    G = catalogue.group(spec) if spec in catalogue.GROUP_SPECS else parse_group(spec)
    out = [R for R in all_real_irrep_matrices(G) if R.dim == real_dim]
    return G, out


def test_required_exact_models():
    _, q8 = model_of("Q8", 4)
    assert len(q8) == 1 and q8[0].exact and q8[0].field == "Z" and q8[0].type == "quaternionic"
    _, a5 = model_of("A5", 3)
    assert len(a5) == 2 and all(R.exact and R.field == "Q(sqrt(5))" and R.model == "icosahedral rotation group" for R in a5)
    for n in (3, 4, 5, 6):
        _, std = model_of(f"S{n}", n - 1)                     # the standard rep and its sign twist
        assert sum(R.exact for R in std) >= min(2, len(std)) >= 1  # (S6 has two more 5-dims, numeric)
    _, s5 = model_of("S5", 4)
    assert all(R.model.startswith("deleted permutation") and R.field == "Q(sqrt(2), sqrt(3), sqrt(5))" for R in s5)
    for spec in ("Z5", "Z12", "D5", "S3"):
        _, two = model_of(spec, 2)
        assert two and all(R.exact for R in two)
    _, d5 = model_of("D5", 2)
    assert all(R.model == "rotation-reflection" for R in d5)
    _, sl = model_of("SL(2,5)", 4)
    assert sum(R.exact and R.model == "binary icosahedral group" for R in sl) == 2


def test_rotation_matrices_of_cyclic_group():
    G = catalogue.group("Z5")
    R = real_irrep_matrices(G, 1)
    angle = np.arctan2(R.matrices[1][1, 0], R.matrices[1][0, 0])
    assert np.isclose(abs(angle) * 5 / (2 * np.pi), round(abs(angle) * 5 / (2 * np.pi)))
    assert sympy.simplify(R.exact_matrix(1)[0, 0] - sympy.cos(2 * sympy.pi / 5)) == 0 or \
        sympy.simplify(R.exact_matrix(1)[0, 0] - sympy.cos(4 * sympy.pi / 5)) == 0


def test_numeric_models_are_labelled():
    G = catalogue.group("A5")
    R = real_irrep_matrices(G, 4)
    assert R.dim == 5 and not R.exact and R.matrices_exact is None and R.field.startswith("R (numeric")
    with pytest.raises(InputError, match="^real irreducible 4: the model is numeric, no exact matrices$"):
        R.exact_matrix(0)


def test_matrices_exact_tuple():
    G = catalogue.group("S3")
    R = real_irrep_matrices(G, 2)
    mats = R.matrices_exact
    assert len(mats) == 6 and all(isinstance(m, sympy.ImmutableMatrix) for m in mats)
    assert np.allclose(np.array([[float(v) for v in m] for m in mats]).reshape(6, 2, 2), R.matrices)


def test_bad_arguments():
    G = catalogue.group("S3")
    with pytest.raises(InputError, match=r"^r: expected a real irreducible index in 0\.\.2, got 7$"):
        real_irrep_matrices(G, 7)
    with pytest.raises(InputError, match="^G: expected a FiniteGroup, got str$"):
        real_irrep_matrices("S3", 0)


def test_broken_integer_model_is_rejected():
    G = catalogue.group("Q8")
    R = real_irrep_matrices(G, 4)
    rho = np.rint(R.matrices).astype(np.int8)
    psi = np.rint(np.trace(rho[G.class_representatives], axis1=1, axis2=2)).astype(np.int64)
    _check_integer_rep(G, rho, psi, "test")                 # the genuine one passes
    bad = rho.copy()
    bad[3] = -bad[3]
    with pytest.raises(MathematicalError, match="^Q8: the test model is not a homomorphism$"):
        _check_integer_rep(G, bad, psi, "test")


def test_multiquadratic_basis():
    assert _multiquadratic_basis([2, 6, 12, 20, 30, 42]) == [2, 3, 5, 7]
    assert _multiquadratic_basis([6, 24]) == [6] and _multiquadratic_basis([4, 9]) == []
