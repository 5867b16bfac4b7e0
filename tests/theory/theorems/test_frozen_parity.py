"""Frozen random parity: the Monte-Carlo check rejects a wrong formula and a distribution outside
the theorem; hand-computed readouts; Clopper-Pearson against closed forms."""

import numpy as np
import pytest

from bilinear.theory.errors import InputError, MathematicalError
from bilinear.theory.theorems import frozen_parity as FP
from bilinear.theory.theorems.stats import binomial_tail, clopper_pearson


def test_wrong_formula_rejected():
    with pytest.raises(MathematicalError, match="excludes the formula"):
        FP.check_frozen_parity(hidden_sizes=(1, 2), samples=800, seed=3, formula=lambda H: 1 - 2.0 ** -(H + 1))


def test_gaussian_magnitudes_are_not_covered():
    with pytest.raises(MathematicalError, match="excludes the formula"):
        FP.check_frozen_parity(hidden_sizes=(3,), samples=600, seed=4, distribution="gaussian")


def test_formula_passes_other_seed():
    d = FP.check_frozen_parity(hidden_sizes=(1, 3), samples=1000, seed=11)
    for row in d["per_H"]:
        lo, hi = row["interval"]
        assert lo <= 1 - 2.0 ** -row["H"] <= hi


def test_trained_readouts_by_hand():
    # H = 2, alpha = beta = 1, eps = (-1, 1): u = (1, 1), v = (-1, 1); exact fit gives r = (-1, 0)
    r = FP.train_readout(np.array([1.0]), np.array([1.0]), np.array([[-1.0, 1.0]]))
    assert np.allclose(r, [[-1.0, 0.0]])
    # H = 1, eps = -1, alpha = 1, beta = 2: v = -2u, least squares t = r.u = -(1 + 2)/(1 + 4)
    r = FP.train_readout(np.array([1.0]), np.array([2.0]), np.array([[-1.0]]))
    assert np.isclose(r[0, 0], -0.6)
    # eps = 1: both training states are positive multiples of h0, same sign: one training word wrong
    r = FP.train_readout(np.array([1.0]), np.array([1.5]), np.array([[1.0, 1.0]]))
    assert np.sign(r[0] @ [1.0, 1.0]) == np.sign(r[0] @ [1.5, 1.5])


def test_evaluate_detects_wrong_readout():
    rng = np.random.default_rng(0)
    alpha, beta, w = np.ones(4), np.ones(4), np.array([[-1.0, 1.0]] * 4)
    good = np.array([[-1.0, 0.0]] * 4)
    assert FP.evaluate(rng, alpha, beta, w, good, lengths=(1, 2, 3, 50)).all()
    assert not FP.evaluate(rng, alpha, beta, w, -good, lengths=(1, 2, 3, 50)).any()


def test_bad_distribution():
    with pytest.raises(InputError, match="^distribution: expected 'rademacher' or 'gaussian', got 'uniform'$"):
        FP.sample_models(np.random.default_rng(0), 2, 2, "uniform")


def test_clopper_pearson_closed_forms():
    # k = 0: upper = 1 - (alpha/2)^(1/n); k = n: lower = (alpha/2)^(1/n)
    lo, hi = clopper_pearson(0, 20, 0.99)
    assert lo == 0.0 and abs(hi - (1 - 0.005 ** (1 / 20))) < 1e-9
    lo, hi = clopper_pearson(20, 20, 0.99)
    assert hi == 1.0 and abs(lo - 0.005 ** (1 / 20)) < 1e-9
    # tails at the interval ends equal alpha/2
    lo, hi = clopper_pearson(37, 100, 0.95)
    assert abs(binomial_tail(37, 100, lo, upper=True) - 0.025) < 1e-6
    assert abs(binomial_tail(37, 100, hi, upper=False) - 0.025) < 1e-6
    with pytest.raises(InputError, match="^clopper_pearson: need 0 <= successes <= trials, trials >= 1; got 5, 3$"):
        clopper_pearson(5, 3)
