"""Torch simulation of constructions: 1000 random words of length 1000 agree with the reference."""

import numpy as np
import pytest
import torch

from tests import catalogue
from tests.constructions.helpers import build_as
from bilinear.theory import parse_group
from bilinear.verify.experiments.simulate import Simulator, exactness_horizon, simulate_accuracy

FAST = [("S5", "full/permutation"), ("A4xZ5", "full/permutation"), ("Z5", "rot"), ("Z2^3", "rdiag"), ("Q8", "full/regular")]


@pytest.mark.parametrize("spec, level", FAST)
def test_long_words(spec, level):
    wf = build_as(parse_group(spec), level).to_weight_file()
    res = simulate_accuracy(wf, n=1000, length=1000, seed=1)
    assert res["per_token"] == 1.0 and res["final"] == 1.0


def test_automaton_long_words():
    for A in catalogue.automata():
        res = simulate_accuracy(build_as(A, "full").to_weight_file(), n=1000, length=1000, seed=2)
        assert res["per_token"] == 1.0


@pytest.mark.slow
def test_long_words_whole_catalogue(catalogue_group):
    G = catalogue_group
    levels = ["full/regular", "full/permutation", "full", "block"] + (["rot"] if G.is_abelian else [])
    for level in levels:
        res = simulate_accuracy(build_as(G, level).to_weight_file(), n=1000, length=1000, seed=3)
        assert res["per_token"] == 1.0, (G.name, level)


def test_simulator_matches_dense_numpy():
    """The gather path and the dense path give the states of the plain matrix recurrence."""
    for spec, level in [("S4", "full/permutation"), ("Z7", "rot")]:
        wf = build_as(parse_group(spec), level).to_weight_file()
        W = wf.dense_W()
        tokens = np.random.default_rng(0).integers(0, wf.shape[2], size=(5, 30))
        sim = Simulator(wf, normalize=False)
        h = sim.h0.expand(5, -1).clone()
        ref = np.tile(wf.h0, (5, 1))
        for t in range(30):
            h = sim.step(h, torch.as_tensor(tokens[:, t]))
            ref = np.stack([W[:, :, k] @ r for k, r in zip(tokens[:, t], ref)])
        assert np.allclose(h.numpy(), ref, atol=1e-12)


def test_a_wrong_construction_is_detected():
    """Simulation is an independent check: a construction with the generators swapped fails."""
    import dataclasses
    c = build_as(parse_group("S3"), "full/permutation")
    wrong = dataclasses.replace(c, transitions=c.transitions[::-1])
    assert simulate_accuracy(wrong.to_weight_file(), n=200, length=20, seed=0)["per_token"] < 0.9


def test_exactness_horizon_finds_failures():
    wf = build_as(parse_group("S3"), "full/permutation").to_weight_file()
    assert exactness_horizon(wf, dtype=torch.float32, max_length=3000, batch=8)["horizon"] is None
    # Z100 by a rotation whose angle is off by delta: after t steps of the generator the angle is off by
    # t*delta, and decoding fails once that exceeds half the gap pi/100 (all words are powers of 1).
    from bilinear.constructions.weightfile import WeightFile
    wf = build_as(parse_group("Z100"), "rot").to_weight_file()
    delta = 1e-4
    theta = -2 * np.pi / 100 - delta
    W = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])[:, :, None]
    bad = WeightFile(W, wf.h0, wf.readout, wf.labels, wf.alphabet, "rot", dict(wf.meta, exact=None))
    expected = int(np.floor((np.pi / 100) / delta)) + 1
    h = exactness_horizon(bad, dtype=torch.float64, max_length=2000, batch=2)
    assert abs(h["horizon"] - expected) <= 1


def test_decoding_errors_per_step_and_the_horizon_agree():
    """The error curve of the horizon figure: zero before the horizon, on the same words as
    exactness_horizon (so its first error is the horizon), and exact at the predicted length."""
    from bilinear.constructions.weightfile import WeightFile
    from bilinear.verify.experiments.simulate import decoding_errors
    wf = build_as(parse_group("Z100"), "rot").to_weight_file()
    delta = 1e-4
    theta = -2 * np.pi / 100 - delta
    W = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])[:, :, None]
    bad = WeightFile(W, wf.h0, wf.readout, wf.labels, wf.alphabet, "rot", dict(wf.meta, exact=None))
    err = decoding_errors(bad, dtype=torch.float64, length=1500, batch=3, seed=4)
    h = exactness_horizon(bad, dtype=torch.float64, max_length=1500, batch=3, seed=4)["horizon"]
    assert err.shape == (1500,) and np.flatnonzero(err)[0] + 1 == h
    assert abs(h - (int(np.floor((np.pi / 100) / delta)) + 1)) <= 1
    assert np.all(err[:h - 1] == 0) and np.all(err[h - 1:] == 1)       # one symbol: every word is 1^t
    # a construction with two symbols: no error in float32 on 16 words of 2000 steps
    good = build_as(parse_group("S3"), "full/permutation").to_weight_file()
    assert not decoding_errors(good, dtype=torch.float32, length=2000, batch=16).any()
