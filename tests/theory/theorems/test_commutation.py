"""Commutation barrier: non-commuting families are rejected; the S_3 witness agrees with sympy."""

import numpy as np
import pytest
import sympy
from sympy.combinatorics import Permutation

from bilinear.theory.errors import MathematicalError
from bilinear.theory.theorems import commutation as CM
from bilinear.theory.theorems.model_classes import block_diagonal, symbol_vector


def reflection_family(prefix, H):
    """[[a, b], [b, -a]] blocks: 'diagonal-looking' 2x2 blocks that do not commute."""
    a, b = symbol_vector(f"{prefix}a", H // 2), symbol_vector(f"{prefix}b", H // 2)
    return block_diagonal(sympy.Matrix([[a[j], b[j]], [b[j], -a[j]]]) for j in range(H // 2))


def test_non_commuting_family_rejected():
    with pytest.raises(MathematicalError, match="does not commute"):
        CM.check_commuting_family(reflection_family, sizes=(2,))


def test_full_level_fails_word_swap():
    with pytest.raises(MathematicalError, match="01 and 10"):
        CM.check_word_swap("FULL", sizes=(2,))
    with pytest.raises(MathematicalError, match=r"^FULL\(H=3\): the states of the words 01 and 10 differ \("):
        CM.check_word_swap("FULL", sizes=(3,), D=3)
    assert CM.check_word_swap("RDIAG", sizes=(1, 3))["level"] == "RDIAG"   # diagonal levels pass


def test_cdiag_commutes_numerically():
    rng = np.random.default_rng(0)
    for H in (2, 4, 6):
        X = np.array(CM.cdiag_family("X", H).subs({s: rng.normal() for s in CM.cdiag_family("X", H).free_symbols}),
                     dtype=float)
        Y = np.array(CM.cdiag_family("Y", H).subs({s: rng.normal() for s in CM.cdiag_family("Y", H).free_symbols}),
                     dtype=float)
        assert np.allclose(X @ Y, Y @ X)
        F = rng.normal(size=(H, H))
        assert not np.allclose(X @ F, F @ X)


def test_s3_witness_matches_sympy():
    # sympy permutations act on the right as well: (p*q)(i) = q(p(i)); points 0-based
    a, b = Permutation(0, 1, size=3), Permutation(1, 2, size=3)
    ab, ba = a * b, b * a
    assert ab != ba
    d = CM._check_barrier()["s3_witness"]
    to_cycles = lambda p: "".join("(" + ",".join(str(i + 1) for i in c) + ")" for c in p.cyclic_form)  # noqa: E731
    assert d["ab"] == to_cycles(ab) and d["ba"] == to_cycles(ba)


def test_witness_needs_nonabelian_group():
    with pytest.raises(MathematicalError, match="abelian"):
        CM.noncommuting_witness("Z2xZ4")
    w = CM.noncommuting_witness("Q8")
    assert w["ab"] != w["ba"]
