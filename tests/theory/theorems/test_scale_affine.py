"""Scale invariance and affine-as-bilinear: affine steps and non-linear readouts are rejected;
the counterexample matches a hand computation."""

from fractions import Fraction

import pytest
import sympy

from bilinear.theory.errors import MathematicalError
from bilinear.theory.theorems import affine as AF
from bilinear.theory.theorems import scale_invariance as SI
from bilinear.theory.theorems.model_classes import symbol_matrix, symbol_vector


def affine_step(H, D):
    p, step = SI.linear_step(H, D)
    b = symbol_vector("b", H)
    return p, lambda x, h: step(x, h) + b


def test_affine_step_is_not_scale_invariant():
    with pytest.raises(MathematicalError, match="not scale invariant"):
        SI.check_homogeneous_step(affine_step, sizes=[(2, 1)])


@pytest.mark.parametrize("readout", [
    lambda H, K: (lambda h, R=symbol_matrix("R", K, H), b=symbol_vector("beta", K): R * h + b),     # bias
    lambda H, K: (lambda h, R=symbol_matrix("R", K, H): (R * h).applyfunc(lambda e: e ** 2)),       # squares
])
def test_nonlinear_readouts_rejected(readout):
    with pytest.raises(MathematicalError, match="not linear"):
        SI.check_readout_invariance(readout, sizes=[(2, 2)])


def test_readout_with_bias_really_changes_argmax():
    # independent illustration: h = (1, 0), R = I, bias (0, 1/2): argmax 0 at scale 1, 1 at scale 1/4
    h, bias = [Fraction(1), Fraction(0)], [Fraction(0), Fraction(1, 2)]
    scores = lambda c: [c * h[0] + bias[0], c * h[1] + bias[1]]  # noqa: E731
    assert SI.argmax_first(scores(1)) == 0 and SI.argmax_first(scores(Fraction(1, 4))) == 1


def test_exact_run_detects_nonpositive_scaling():
    # a "normaliser" that flips sign is not a positive rescaling
    with pytest.raises(MathematicalError, match="^step 2: normalised state is not a positive multiple of h_t$"):
        SI.exact_normalised_run([[[Fraction(1)]]], [0, 0], [Fraction(1)], [[Fraction(1)], [Fraction(-1)]],
                                norm=lambda h: -abs(h[0]))


def test_normalised_trajectory_symbolic_small():
    assert SI.check_normalised_trajectory(max_steps=2, max_h=2)["cases"] == 4


def test_wrong_affine_embedding_rejected():
    def no_bias(p, H, D):
        return AF.affine_to_full({"W": p["W"], "B": p["B"], "b": sympy.zeros(H, 1)}, H, D)
    with pytest.raises(MathematicalError, match="coordinate"):
        AF.check_affine_embedding(no_bias, max_h=2, max_d=2)

    def bias_in_wrong_row(p, H, D):
        out = AF.affine_to_full(p, H, D)
        for W in out["W"]:
            W[H, :H] = p["b"].T
        return out
    with pytest.raises(MathematicalError, match=r"^H=1, D=1: coordinate 1 of A'\(x\)\(h,1\) - \(A\(x\)h\+Bx\+b, 1\) is "):
        AF.check_affine_embedding(bias_in_wrong_row, max_h=2, max_d=1)


def test_counterexample_matches_hand_computation():
    d = AF.scale_counterexample(AF.AFFINE_EXAMPLE)
    # plain state 3 - t/2 is negative exactly for t >= 7; normalised state is 1 for every t >= 1
    assert d["first_disagreement"] == min(t for t in range(1, 13) if 3 - Fraction(t, 2) < 0) == 7
    assert d["labels_normalised"] == [0] * 12


def test_bilinear_model_gives_no_counterexample():
    F = Fraction
    bilinear = AF.AffineModel(W=(((F(1, 2),),),), B=((F(0),),), b=(F(0),), h0=(F(3),), R=((F(1),), (F(-1),)))
    with pytest.raises(MathematicalError, match="no counterexample"):
        AF.scale_counterexample(bilinear)
