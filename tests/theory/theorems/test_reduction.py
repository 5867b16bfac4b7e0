"""The proofs for every size: every lemma and every containment's unit identity fails on a broken
variant (a sign flipped, a block transposed); the unit maps are what the global maps apply."""

import dataclasses

import pytest
import sympy
from sympy import BlockDiagMatrix, BlockMatrix, Identity, KroneckerDelta, MatrixSymbol

from bilinear.theory.errors import MathematicalError
from bilinear.theory.theorems import containments as C
from bilinear.theory.theorems import reduction as R
from bilinear.theory.theorems.affine import prove_affine_embedding
from bilinear.theory.theorems.containment_units import REDUCTIONS, cp_of_block, cp_of_full, prove_reduction


def test_every_lemma_holds_and_is_cited():
    assert set(R.check_lemmas()) == set(R.LEMMAS)
    cited = {n for red in REDUCTIONS.values() for n in red.lemmas}
    assert cited == set(R.LEMMAS)


def _broken_sides(name):
    """Each lemma's right side with one sign flipped or one block transposed."""
    def sides():
        lhs, rhs = R.LEMMAS[name].sides()
        if name == "block_product":
            A1, A2, B1, B2, _, _ = R._two_blocks()
            return lhs, BlockDiagMatrix(A1 * B1, -A2 * B2)
        if name == "block_sum":
            A1, A2, _, _, C1, C2 = R._two_blocks()
            x = sympy.Symbol("x", real=True)
            return lhs, BlockDiagMatrix(A1 + x * C1, A2 - x * C2)
        if name == "block_transpose":
            A1, A2, *_ = R._two_blocks()
            return lhs, BlockDiagMatrix(A1.T, -A2.T)
        if name == "block_grouping":
            n1, n2, n3, m1, m2, m3 = R.size_symbols("n1 n2 n3 m1 m2 m3")
            X1, X2, X3 = MatrixSymbol("X1", n1, m1), MatrixSymbol("X2", n2, m2), MatrixSymbol("X3", n3, m3)
            v1, v2, v3 = MatrixSymbol("v1", m1, 1), MatrixSymbol("v2", m2, 1), MatrixSymbol("v3", m3, 1)
            return lhs, BlockDiagMatrix(X1, -X2, X3) * BlockMatrix([[v1], [v2], [v3]])
        return lhs, -rhs
    return sides


@pytest.mark.parametrize("name", sorted(R.LEMMAS))
def test_every_lemma_fails_on_a_broken_variant(name):
    broken = dataclasses.replace(R.LEMMAS[name], sides=_broken_sides(name))
    with pytest.raises(MathematicalError, match=f"(?s)^lemma {name}, block \\d+: the residue .* is not identically 0$"):
        broken.check()


def test_is_zero_decides_and_never_samples():
    n = R.size_symbols("n")[0]
    A = MatrixSymbol("A", n, n)
    t = sympy.Symbol("t", real=True)
    assert R.is_zero(sympy.cos(t) ** 2 + sympy.sin(t) ** 2 - 1) and not R.is_zero(sympy.cos(t) ** 2 - 1)
    assert R.is_zero(A * Identity(n) - A) and not R.is_zero(A - A.T) and not R.is_zero(2 * A)


def _transposed(M):
    return M.T


#: For every containment, a broken unit map: a sign flipped or a block transposed.
BROKEN = {
    "pdiag_in_rdiag": lambda th: -sympy.exp(th),
    "rdiag_in_block": lambda v: sympy.Matrix([[-v]]),
    "rdiag_in_cdiag": lambda v: (sympy.Integer(0), v),                      # v on the imaginary part
    "rot_in_cdiag": lambda th: (sympy.cos(th), -sympy.sin(th)),
    "cdiag_in_block2": lambda a, b: sympy.Matrix([[a, -b], [b, a]]).T,
    "block_in_block": _transposed,
    "block_in_full": _transposed,
    "block_in_cp": lambda i, p, q, j, k, W: (KroneckerDelta(i, p), W(q, p, k), KroneckerDelta(q, j)),
    "full_in_cp": lambda small, a, r1, r2, b, k, W: (cp_of_full(small, a, r1, r2, b, k, W)[0],
                                                     cp_of_full(small, a, r1, r2, b, k, W)[1],
                                                     KroneckerDelta(r2, a) if small else W(b, r1, r2)),
    "rdiag_eq_cp_identity": lambda v: (sympy.Integer(1), -v, sympy.Integer(1)),
    "rdiag_in_house": lambda v: sympy.together(1 + v),
    "house_in_full": _transposed,
    "house_in_house": lambda: sympy.Integer(2),                              # a reflection, not the identity
    "mono_in_full": _transposed,
    "rdiag_in_mono": lambda v: (sympy.Integer(1), -v),
}


def test_every_containment_has_a_reduction_and_a_broken_variant():
    assert set(BROKEN) == set(REDUCTIONS) == set(C.MAPS)


@pytest.mark.parametrize("key", sorted(REDUCTIONS))
def test_every_reduction_proves_its_map(key):
    details = prove_reduction(REDUCTIONS[key])
    assert details["unit_identity"] and set(details["lemmas"]) <= set(R.LEMMAS)


@pytest.mark.parametrize("key", sorted(BROKEN))
def test_every_reduction_fails_on_a_broken_unit_map(key):
    with pytest.raises(MathematicalError, match=r"(?s)^unit (identity|constraint) ['\"].+['\"]: .+ (is not identically 0|is not "
                                                r"provably (positive|nonnegative))$"):
        C.prove_containment(C.MAPS[key], unit_map=BROKEN[key])


@pytest.mark.parametrize("key", sorted(BROKEN))
def test_the_global_map_applies_the_unit_map(monkeypatch, key):
    """The code's assembled map is built from the proved unit map: breaking the unit breaks the map on the
    grid (check_parameter_map, an independent expansion of the whole matrices)."""
    monkeypatch.setitem(REDUCTIONS, key, dataclasses.replace(REDUCTIONS[key], unit_map=BROKEN[key]))
    pm = C.MAPS[key]
    grid = [s for s in pm.grid() if s["H"] >= 2 and s.get("B", 2) >= 2][:3]     # 1x1 blocks are their transposes
    with pytest.raises(MathematicalError, match=r"(?s)(of A'\(x\)E - E A\(x\) is .+, not 0|not provably in|"
                                                r"is not a permutation matrix)$"):
        C.check_parameter_map(pm, grid=grid)


def test_block_cp_formula_needs_every_index_in_range():
    """The entrywise CP identity is decided under i, j < B only: a formula that reads outside the block
    (W at p + 1) is not proved."""
    shifted = lambda i, p, q, j, k, W: (KroneckerDelta(i, p), W(p + 1, q, k), KroneckerDelta(q, j))  # noqa: E731
    with pytest.raises(MathematicalError, match="unit identity"):
        prove_reduction(REDUCTIONS["block_in_cp"], shifted)
    assert prove_reduction(REDUCTIONS["block_in_cp"], cp_of_block)["unit_identity"]


def test_only_the_scaled_containment_is_partial():
    partial = {k for k, red in REDUCTIONS.items() if red.remains is not None}
    assert partial == {"rdiag_in_house"}
    t = {t.name: t for t in C.THEOREMS}
    assert t["containment.rdiag_in_house"].passing_status == "checked"
    assert all(t[f"containment.{k}"].passing_status == "proved" for k in set(REDUCTIONS) - partial)


def test_affine_proof_fails_on_a_broken_block():
    def transposed(W, c):
        return BlockMatrix([[W.T, c], [sympy.ZeroMatrix(1, W.shape[1]), Identity(1)]])

    def flipped(W, c):
        return BlockMatrix([[W, -c], [sympy.ZeroMatrix(1, W.shape[1]), Identity(1)]])
    for broken in (transposed, flipped):
        with pytest.raises(MathematicalError, match=r"^block\(W, c\) \(h, 1\) - \(W h \+ c, 1\): the residue"):
            prove_affine_embedding(broken)
