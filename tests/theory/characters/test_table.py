"""Exact character tables: the certificate (and that it rejects broken tables), two independent
constructions agreeing, S_n degrees from the hook length formula, modular linear algebra against
galois."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import sympy
from sympy.combinatorics.partitions import IntegerPartition
from sympy.utilities.iterables import partitions

from tests import catalogue
from bilinear.theory import MathematicalError, cyclic_group, parse_group, symmetric_group
from bilinear.theory.characters.build import character_table
from bilinear.theory.characters.certificate import LITERAL_ABELIAN_LIMIT, _check_central_characters, certify_character_table
from bilinear.theory.characters.dixon_schneider import dixon_schneider_table
from bilinear.theory.characters.dihedral import certify_dihedral_table
from bilinear.theory.arith.modular import charpoly_mod, choose_prime, eigenspaces_mod, nullspace_mod, rref_mod


def test_certificate_holds(catalogue_group):
    T = character_table(catalogue_group)
    cert = T.certificate
    assert cert.num_classes == catalogue_group.num_classes == T.num_characters
    assert cert.row_orthogonality and cert.column_orthogonality and cert.power_maps_consistent
    assert cert.central_characters                      # small enough for the full proof
    assert sum(d * d for d in T.degrees) == catalogue_group.order


def test_numeric_values_are_orthonormal(catalogue_group):
    """A floating-point cross-check of the exact certificate."""
    G, T = catalogue_group, character_table(catalogue_group)
    X = T.values_complex
    gram = (X * G.class_sizes) @ X.conj().T / G.order
    assert np.allclose(gram, np.eye(len(X)), atol=1e-9)
    assert np.allclose(X[:, 0].real, T.degrees)


def hook_degrees(n):
    """Degrees of the irreducibles of S_n by the hook length formula (an independent source)."""
    out = []
    for p in partitions(n):
        lam = sorted(IntegerPartition([k for k, m in p.items() for _ in range(m)]).partition, reverse=True)
        conj = [sum(1 for x in lam if x > j) for j in range(lam[0])]
        hooks = math.prod(lam[i] - j + conj[j] - i - 1 for i in range(len(lam)) for j in range(lam[i]))
        out.append(math.factorial(n) // hooks)
    return sorted(out)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_symmetric_group_degrees_hook_formula(n):
    T = character_table(symmetric_group(n))
    assert sorted(T.degrees) == hook_degrees(n)
    assert set(T.indicators) == {1}            # every character of S_n is rational, of real type


def test_s7_degrees_hook_formula():
    T = character_table(symmetric_group(7))
    assert sorted(T.degrees) == hook_degrees(7) and T.certificate.orthogonality_method == "literal"


@pytest.mark.parametrize("spec", ["Z1", "Z2", "Z6", "Z12", "Z2^3", "Z2xZ4", "Z3xZ3"])
def test_abelian_construction_agrees_with_dixon_schneider(spec):
    """The same table two ways: the direct abelian construction and Dixon-Schneider mod p."""
    G = parse_group(spec)
    direct = character_table(G)
    modular = dixon_schneider_table(G)
    certify_character_table(modular)
    assert direct.method == "abelian" and modular.method == "dixon-schneider"
    assert sorted(E.tobytes() for E in direct.eigenvalues) == sorted(E.tobytes() for E in modular.eigenvalues)


def test_cyclic_group_values_are_the_powers_of_a_root_of_unity():
    n = 12
    T = character_table(cyclic_group(n))
    rows = sorted(tuple(E[:, 0].tolist()) for E in T.eigenvalues)
    expected = sorted(tuple((a * g) % n for g in range(n)) for a in range(n))   # chi_a(g) = zeta^(a g)
    assert rows == expected


def test_large_abelian_uses_the_homomorphism_certificate():
    """The structured table carries its proof from the invariants; the general (dense) certificate,
    run on the same rows, certifies orthogonality through the homomorphism theorem."""
    T = character_table(cyclic_group(2 * LITERAL_ABELIAN_LIMIT))
    assert T.certificate.orthogonality_method == "invariants"
    assert certify_character_table(T).orthogonality_method == "homomorphisms"


# ------------------------------------------------------------------------ broken tables are rejected
def broken(T, i, c, new_row):
    eig = list(T.eigenvalues)
    E = np.array(eig[i], copy=True)
    E[c] = new_row
    eig[i] = E
    return dataclasses.replace(T, eigenvalues=tuple(eig))


def test_certificate_rejects_a_changed_value():
    T = character_table(parse_group("S4"))
    i = T.degrees.index(2)
    c = int(np.flatnonzero(T.group.class_orders == 3)[0])        # chi(3-cycle) = -1 for the 2-dim
    with pytest.raises(MathematicalError, match=r"^S4: row orthogonality fails for character \d+$"):
        certify_character_table(broken(T, i, c, [0, 0]))         # claim chi = 2 there instead


def test_certificate_rejects_a_swapped_pair_of_values():
    """Swapping the values of two Galois-conjugate classes in one row keeps the power maps and the
    norms of that row but breaks orthogonality with the conjugate row."""
    T = character_table(parse_group("A5"))
    i = T.degrees.index(3)
    c5 = np.flatnonzero(T.group.class_orders == 5)
    eig = list(T.eigenvalues)
    E = np.array(eig[i], copy=True)
    E[c5[0]], E[c5[1]] = T.eigenvalues[i][c5[1]].copy(), T.eigenvalues[i][c5[0]].copy()
    eig[i] = E
    bad = dataclasses.replace(T, eigenvalues=tuple(eig))
    with pytest.raises(MathematicalError, match=r"^A5: row orthogonality fails for character \d+$"):
        certify_character_table(bad)


def test_central_character_check_rejects_a_wrong_row():
    """A 3-dim row of A5 changed on the 3-cycles (0 -> 3, eigenvalues all 1) is not a central
    character; swapping the two 5-cycle values instead gives the other (genuine) 3-dim character."""
    T = character_table(parse_group("A5"))
    assert _check_central_characters(T)
    i = T.degrees.index(3)
    c5 = np.flatnonzero(T.group.class_orders == 5)
    swapped = broken(broken(T, i, c5[0], T.eigenvalues[i][c5[1]]), i, c5[1], T.eigenvalues[i][c5[0]])
    assert _check_central_characters(swapped)
    c3 = int(np.flatnonzero(T.group.class_orders == 3)[0])
    with pytest.raises(MathematicalError, match=f"^A5: character {i} does not give a central character$"):
        _check_central_characters(broken(T, i, c3, [0, 0, 0]))


def test_certificate_rejects_a_duplicated_row():
    T = character_table(parse_group("S3"))
    eig = list(T.eigenvalues)
    eig[1] = eig[0]
    with pytest.raises(MathematicalError, match=r"^S3: row orthogonality fails for character \d+$"):
        certify_character_table(dataclasses.replace(T, eigenvalues=tuple(eig)))


def test_certificate_rejects_wrong_degree():
    T = character_table(parse_group("Q8"))
    with pytest.raises(MathematicalError, match="^Q8: eigenvalue data of a character has the wrong shape or range$"):
        certify_character_table(dataclasses.replace(T, degrees=(1, 1, 1, 1, 3)))


def test_certificate_rejects_a_broken_large_abelian_table():
    T = character_table(cyclic_group(2 * LITERAL_ABELIAN_LIMIT)).dense()
    with pytest.raises(MathematicalError,
                       match=f"^Z{2 * LITERAL_ABELIAN_LIMIT}: a character is inconsistent with the 2-th power map$"):
        certify_character_table(broken(T, 3, 5, [(int(T.eigenvalues[3][5, 0]) + 1) % T.exponent]))


def test_certificate_rejects_inconsistent_power_maps():
    """Change an order-4 class of Z4's faithful character to the other primitive root: the square
    of that element no longer matches."""
    T = character_table(cyclic_group(4)).dense()
    i = next(i for i, E in enumerate(T.eigenvalues) if E[1, 0] == 1)
    with pytest.raises(MathematicalError, match="^Z4: a character is inconsistent with the 2-th power map$"):
        certify_character_table(broken(T, i, 1, [2]))


# ------------------------------------------------------------------------ modular linear algebra
P = 13


@pytest.fixture(scope="module")
def GF():
    import galois
    return galois.GF(P, compile="python-calculate")


@pytest.mark.parametrize("seed", range(6))
def test_charpoly_against_galois(GF, seed):
    A = np.random.default_rng(seed).integers(0, P, (5, 5))
    ours = charpoly_mod(A, P)
    theirs = GF(A).characteristic_poly().coeffs[::-1]
    assert ours.tolist() == [int(x) for x in theirs]


@pytest.mark.parametrize("seed", range(6))
def test_nullspace_and_rref_against_galois(GF, seed):
    rng = np.random.default_rng(seed)
    A = rng.integers(0, P, (4, 6)) @ rng.integers(0, P, (6, 6)) % P
    A[2] = (A[0] + 3 * A[1]) % P
    R, piv = rref_mod(A, P)
    assert np.array_equal(R, np.asarray(GF(A).row_reduce())[:len(piv)])
    N = nullspace_mod(A, P)
    assert N.shape[1] == 6 - np.linalg.matrix_rank(GF(A))
    assert np.all((A @ N) % P == 0)


def test_eigenspaces_of_a_diagonalisable_matrix():
    S = np.array([[1, 2, 0], [0, 1, 5], [3, 0, 1]])
    Sinv = np.array(np.linalg.inv(__import__("galois").GF(P)(S)), dtype=np.int64)
    A = S @ np.diag([2, 2, 7]) @ Sinv % P
    spaces = dict((lam, N.shape[1]) for lam, N in eigenspaces_mod(A, P))
    assert spaces == {2: 2, 7: 1}
    with pytest.raises(MathematicalError, match=rf"^a 2x2 matrix over GF\({P}\) is not diagonalisable"):
        eigenspaces_mod(np.array([[1, 1], [0, 1]]), P)        # a Jordan block


def test_choose_prime():
    for e, n in [(1, 1), (2, 6), (60, 120), (420, 5040)]:
        p = choose_prime(e, n)
        assert sympy.isprime(p) and (p - 1) % e == 0 and p * p > 4 * n


def test_cached_per_group():
    G = catalogue.group("S4")
    assert character_table(G) is character_table(G)


# ------------------------------------------------------------------------ memory proportional to |G|
def test_large_abelian_table_and_level_use_memory_proportional_to_the_order():
    """Z20000 once asked for a 20000 x 20000 array (800 MB as int16): the table, its certificate,
    the real irreducibles and the hierarchy level now stay within a few hundred bytes per element."""
    import tracemalloc
    from bilinear.theory.hierarchy.placement import hierarchy_level
    from bilinear.theory.representations.real_irreps import real_irreducibles
    n = 20000
    G = cyclic_group(n)
    tracemalloc.start()
    T = character_table(G)
    L = hierarchy_level(G)
    irr = real_irreducibles(G)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2000 * n, f"peak {peak / 2**20:.0f} MiB"
    assert T.num_characters == n and len(irr) == n // 2 + 1
    assert (L.min_faithful_dim_complex, L.min_faithful_dim_real, L.lowest_level_hidden_size) == (1, 2, 2)


@pytest.mark.parametrize("spec", ["Z12", "Z2xZ4", "Z3xZ3", "Z2^4", "perm:(1,2,3)(4,5);(6,7)"])
def test_abelian_rows_on_demand_equal_the_dense_rows(spec):
    """The structured table's rows, built one at a time, pass the general (dense, literal)
    certificate and equal Dixon-Schneider's rows in the same order."""
    G = parse_group(spec)
    T = character_table(G)
    dense = T.dense()
    assert certify_character_table(dense).orthogonality_method == "literal"
    modular = dixon_schneider_table(G)
    assert [E.tobytes() for E in dense.eigenvalues] == [E.tobytes() for E in modular.eigenvalues]
    assert T.conjugates == dense.conjugates and T.indicators == dense.indicators
    assert [T.kernel_order(i) for i in range(G.order)] == [dense.kernel_order(i) for i in range(G.order)]


def test_structured_abelian_certificate_rejects_broken_data():
    T = character_table(parse_group("Z2xZ6"))
    duals = np.array(T.duals)
    duals[3] = duals[2]
    with pytest.raises(MathematicalError, match="distinct"):
        dataclasses.replace(T, duals=duals).certify()
    coords = np.array(T.coords)
    coords[[1, 2]] = coords[[2, 1]]
    with pytest.raises(MathematicalError, match="homomorphism"):
        dataclasses.replace(T, coords=coords).certify()


# ------------------------------------------------------------------------ dihedral groups two ways
@pytest.mark.parametrize("n", [3, 4, 5, 6, 8, 9, 12, 15])
def test_dihedral_table_agrees_with_dixon_schneider(n):
    """The table from the presentation equals Dixon-Schneider's (same rows, same order), and the
    general literal certificate accepts it."""
    from bilinear.theory import dihedral_group
    G = dihedral_group(n)
    T = character_table(G)
    assert T.method == "dihedral" and T.certificate.orthogonality_method == "dihedral presentation"
    modular = dixon_schneider_table(G)
    assert T.degrees == modular.degrees
    assert [E.tobytes() for E in T.eigenvalues] == [E.tobytes() for E in modular.eigenvalues]
    assert certify_character_table(T).central_characters


def test_dihedral_recognised_in_another_presentation():
    """D6 as the symmetries of a hexagon given by other generators, and D6 = S3 x Z2."""
    from bilinear.theory.characters.dihedral import dihedral_generators
    for spec in ["perm:(1,2,3,4,5,6);(1,6)(2,5)(3,4)", "S3xZ2", "S3"]:
        G = parse_group(spec)
        assert dihedral_generators(G) is not None
        T = character_table(G)
        assert sorted(E.tobytes() for E in T.eigenvalues) == \
            sorted(E.tobytes() for E in dixon_schneider_table(G).eigenvalues)
    for spec in ["Q8", "A4", "S4", "Z2xZ4"]:
        assert dihedral_generators(parse_group(spec)) is None


@pytest.mark.parametrize("n", [100, 101])
def test_dihedral_certificate_rejects_one_plausible_wrong_entry(n):
    """One entry changed to a value that passes every shape test (a sorted pair in range, taken
    from another character at the same class, or a sign flipped in a linear character), or two
    rows swapped: the certificate refuses each; the unchanged table passes."""
    T = character_table(parse_group(f"D{n}"))
    assert certify_dihedral_table(T).orthogonality_method == "dihedral presentation"
    lin = T.degrees.count(1)
    c = int(np.flatnonzero(T.group.class_orders == n)[0])              # the class of r
    other = np.asarray(T.eigenvalues[lin + 1][c])
    assert not np.array_equal(other, T.eigenvalues[lin][c])
    e = T.exponent
    sign = [(int(T.eigenvalues[1][c, 0]) + e // 2) % e]
    swapped = list(T.eigenvalues)
    swapped[lin], swapped[lin + 1] = swapped[lin + 1], swapped[lin]
    for bad in (broken(T, lin, c, other), broken(T, 1, c, sign), dataclasses.replace(T, eigenvalues=tuple(swapped))):
        with pytest.raises(MathematicalError, match="not the dihedral table of the presentation"):
            certify_dihedral_table(bad)


def test_dihedral_certificate_rejects_a_changed_row():
    T = character_table(parse_group("D7"))
    i = T.degrees.index(2)
    c = int(np.flatnonzero(T.group.class_orders == 7)[0])
    with pytest.raises(MathematicalError, match="^D7: the table is not the dihedral table of the presentation$"):
        certify_dihedral_table(broken(T, i, c, [0, 0]))
