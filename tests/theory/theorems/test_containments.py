"""Containment maps: broken maps are rejected; the identities agree with an independent numeric
evaluation; the grids cover the sizes the issue asks for."""

import dataclasses

import numpy as np
import pytest
import sympy

from bilinear.theory.errors import MathematicalError
from bilinear.theory.theorems import containments as C
from bilinear.theory.theorems.model_classes import LEVELS, symbol_vector


#: The failure of the identity ``A'(x) E = E A(x)`` (an entry of the difference is not zero).
NOT_INTERTWINED = r"of A'\(x\)E - E A\(x\) is .+, not 0$"


def _reject(key, match, **changes):
    pm = dataclasses.replace(C.MAPS[key], **changes)
    with pytest.raises(MathematicalError, match=match):
        C.check_parameter_map(pm, grid=pm.grid()[:12] if "grid" not in changes else None)


def test_wrong_full_to_cp_map_rejected():
    def transposed(p, s):
        return C._full_to_cp({"W": [W.T for W in p["W"]]}, s)
    _reject("full_in_cp", NOT_INTERTWINED, apply=transposed)


def test_too_large_rank_rejected():
    # the same map but claiming R = H^2 always: the parameter budget is part of the check
    _reject("full_in_cp", r"parameter U has shape .*, CP\{.*\} needs ", target_sizes=lambda s: {"H": s["H"], "R": s["H"] ** 2 + 1, "D": s["D"]})


def test_map_with_foreign_symbols_rejected():
    def stray(p, s):
        out = C._pdiag_to_rdiag(p, s)
        out["V"][0, 0] = out["V"][0, 0] + sympy.Symbol("z")
        return out
    with pytest.raises(MathematicalError, match="not source parameters"):
        C.check_parameter_map(dataclasses.replace(C.MAPS["pdiag_in_rdiag"], apply=stray), grid=[{"H": 1, "D": 1}])


def test_wrong_cdiag_sign_rejected():
    def wrong(p, s):
        a, b = p["a"], p["b"]
        return {"blocks": [[sympy.Matrix([[a[j, k], b[j, k]], [b[j, k], a[j, k]]]) for k in range(s["D"])]
                           for j in range(a.rows)]}
    _reject("cdiag_in_block2", NOT_INTERTWINED, apply=wrong)


def test_embedding_must_be_isometric_and_present():
    _reject("rdiag_in_cdiag", r"target matrix is \(2, 2\), source \(1, 1\), no embedding$", embedding=None)
    _reject("rdiag_in_cdiag", "state embedding E does not have orthonormal columns$", embedding=lambda s: 2 * C._interleave_embedding(s))


def test_block_grouping_off_by_one_rejected():
    def shifted(p, s):
        out = C._block_to_block(p, s)
        blocks = out["blocks"]
        return {"blocks": blocks[1:] + blocks[:1]}
    with pytest.raises(MathematicalError, match=NOT_INTERTWINED):
        C.check_parameter_map(dataclasses.replace(C.MAPS["block_in_block"], apply=shifted),
                              grid=[{"H": 4, "B": 1, "B2": 2, "D": 1}])


def test_source_constraints_are_checked(monkeypatch):
    # a "PDIAG" whose entries are not positive, and a "ROT" whose blocks are not rotations
    bad_p = dataclasses.replace(LEVELS["PDIAG"], matrix=lambda p, x, s: sympy.diag(*(p["theta"] * x)))
    monkeypatch.setitem(LEVELS, "PDIAG", bad_p)
    with pytest.raises(MathematicalError, match="PDIAG"):
        C.check_parameter_map(C.MAPS["pdiag_in_rdiag"], grid=[{"H": 2, "D": 1}])
    monkeypatch.undo()
    scaled = dataclasses.replace(LEVELS["ROT"], matrix=lambda p, x, s: 2 * C.LEVELS["CDIAG"].matrix(
        {"a": p["theta"].applyfunc(sympy.cos), "b": p["theta"].applyfunc(sympy.sin)}, x, s))
    monkeypatch.setitem(LEVELS, "ROT", scaled)
    with pytest.raises(MathematicalError, match="rotation"):
        C.check_parameter_map(C.MAPS["rot_in_cdiag"], grid=[{"H": 2, "D": 1}])


def test_grids_cover_required_sizes():
    full_cp = C.MAPS["full_in_cp"]
    assert {(s["H"], s["D"]) for s in full_cp.grid()} == {(H, D) for H in range(1, 7) for D in range(1, 4)}
    assert full_cp.target_sizes({"H": 6, "D": 3})["R"] == 18 and full_cp.target_sizes({"H": 2, "D": 3})["R"] == 4
    assert {"H": 6, "B": 6, "D": 3} in C.MAPS["block_in_cp"].grid()
    pairs = {(s["H"], s["B"], s["B2"]) for s in C.MAPS["block_in_block"].grid()}
    assert {(4, 2, 4), (6, 2, 6), (6, 1, 3), (2, 1, 2)} <= pairs
    assert {(s["H"]) for s in C.MAPS["rot_in_cdiag"].grid()} == {2, 4, 6}


@pytest.mark.parametrize("key", sorted(C.MAPS))
def test_maps_agree_numerically(key):
    """Independent of sympy's expansion: substitute random numbers and compare with numpy."""
    pm = C.MAPS[key]
    rng = np.random.default_rng(abs(hash(key)) % 2 ** 32)
    sizes = [s for s in pm.grid() if s["H"] <= 4][-1]
    src, tgt = LEVELS[pm.source], LEVELS[pm.target]
    sp = src.params(sizes)
    x = symbol_vector("x", sizes["D"])
    A, At = src.matrix(sp, x, sizes), tgt.matrix(pm.apply(sp, sizes), x, pm.target_sizes(sizes))
    syms = sorted(A.free_symbols | At.free_symbols, key=str)
    vals = rng.normal(size=len(syms))
    An = np.array(sympy.lambdify(syms, A, "numpy")(*vals), dtype=float)
    Atn = np.array(sympy.lambdify(syms, At, "numpy")(*vals), dtype=float)
    E = np.eye(An.shape[0]) if pm.embedding is None else np.array(pm.embedding(sizes), dtype=float)
    assert np.allclose(Atn @ E, E @ An, atol=1e-10)
    # and the map really changes representation (the target is not literally the source object)
    assert pm.source != pm.target or pm.key in ("block_in_block", "house_in_house")


def test_house_map_needs_the_normalised_diagonal():
    """Unbounded RDIAG entries give betas that are not in [0, 2]; a wrong beta breaks the identity; a
    non-unit direction is refused."""
    def unbounded(p, s):
        H, D = s["H"], s["D"]
        return {"u": [[C._unit_vector(H, i) for i in range(H)] for _k in range(D)],
                "beta": sympy.Matrix(H, D, lambda i, k: 1 - sympy.Symbol(f"V_{i}_{k}", real=True))}
    with pytest.raises(MathematicalError, match="not provably in"):
        C.check_parameter_map(dataclasses.replace(C.MAPS["rdiag_in_house"], source="RDIAG", apply=unbounded),
                              grid=[{"H": 1, "D": 1}])
    def flipped(p, s):
        out = C._rdiag1_to_house(p, s)
        out["beta"] = out["beta"].applyfunc(lambda b: sympy.together(2 - b))
        return out
    _reject("rdiag_in_house", NOT_INTERTWINED, apply=flipped)
    def long_u(p, s):
        out = C._rdiag1_to_house(p, s)
        out["u"][0][0] = 2 * out["u"][0][0]
        return out
    with pytest.raises(MathematicalError, match="unit vector"):
        C.check_parameter_map(dataclasses.replace(C.MAPS["rdiag_in_house"], apply=long_u), grid=[{"H": 2, "D": 1}])


def test_mono_map_needs_permutations_and_the_right_order():
    def transposed(p, s):      # diag(d) P instead of P diag(d)
        return {"W": [sympy.diag(*p["d"][:, k]) * P for k, P in enumerate(p["P"])]}
    with pytest.raises(MathematicalError, match=NOT_INTERTWINED):
        C.check_parameter_map(dataclasses.replace(C.MAPS["mono_in_full"], apply=transposed),
                              grid=[{"H": 3, "D": 1, "perms": ((1, 2, 0),)}])
    def doubled(p, s):
        out = C._rdiag_to_mono(p, s)
        out["P"] = [2 * P for P in out["P"]]
        return out
    with pytest.raises(MathematicalError, match="permutation matrix"):
        C.check_parameter_map(dataclasses.replace(C.MAPS["rdiag_in_mono"], apply=doubled), grid=[{"H": 2, "D": 1}])


def test_padding_with_nonzero_beta_rejected():
    def padded(p, s):
        out = C._house_to_house(p, s)
        out["beta"][s["N"], 0] = sympy.Integer(1)
        return out
    with pytest.raises(MathematicalError, match=NOT_INTERTWINED):
        C.check_parameter_map(dataclasses.replace(C.MAPS["house_in_house"], apply=padded),
                              grid=[{"H": 2, "N": 1, "N2": 2, "D": 1}])
