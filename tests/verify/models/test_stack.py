"""Trainable stacks (verify/models/stack.py): set to a certified cascade they track the group exactly;
noise and random initialisation move them away; the learnability-gap run records what it measured."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bilinear.constructions.cascade import cascade_construction
from bilinear.constructions.cascade_file import cascade_file
from bilinear.constructions.construction import GroupTarget
from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import InputError
from bilinear.theory.groups.parser import parse_group
from bilinear.verify.experiments.depth_gap import GapConfig, gap_run
from bilinear.verify.models.stack import BilinearStack


def _case(spec, level):
    G = parse_group(spec)
    c = cascade_construction(GroupTarget.resolve(G), level)
    cf = cascade_file(c)
    ref = Automaton.from_group(G, list(c.target.alphabet))
    pos = {s: i for i, s in enumerate(cf.labels)}
    tok = np.random.default_rng(3).integers(0, len(cf.alphabet), size=(4, 120))
    target = np.array([pos[y] for y in ref.outputs])[ref.run(tok)]
    return cf, tok, target


@pytest.mark.parametrize("spec,level", [("S3", "cdiag"), ("A4", "rot"), ("D4", "rdiag")])
def test_a_stack_set_to_the_cascade_tracks_the_group(spec, level):
    cf, tok, target = _case(spec, level)
    pred = BilinearStack.from_cascade(cf)(torch.as_tensor(tok)).argmax(-1).numpy()
    assert np.array_equal(pred, target)                       # the reference machine, a second method


def test_noise_and_random_initialisation_move_the_stack_away():
    cf, tok, target = _case("S3", "cdiag")
    noisy = BilinearStack.from_cascade(cf, noise=3.0, seed=0)(torch.as_tensor(tok)).argmax(-1).numpy()
    assert np.mean(noisy == target) < 1.0
    exact, rnd = BilinearStack.from_cascade(cf), BilinearStack.from_cascade(cf, noise=0.1, seed=1)
    assert any(not torch.equal(p, q) for p, q in zip(exact.parameters(), rnd.parameters()))


def test_stack_refuses_bad_sizes():
    with pytest.raises(InputError, match="needs even hidden sizes"):
        BilinearStack("cdiag", 2, 6, [3], [2], [2], [2], 2)
    with pytest.raises(InputError, match="one entry per layer"):
        BilinearStack("rdiag", 2, 6, [1, 1], [2], [2], [2], 2)


def test_gap_run_records_before_and_after():
    r = gap_run("S3", "cdiag", "cascade", 0.0, 0, GapConfig(steps=2, batch=4, train_length=4, eval_n=4,
                                                           eval_length=16))
    assert r["accuracy_before"] == 1.0 and r["layers"] == 2 and r["hidden_sizes"] == [2, 2]
    assert set(r) >= {"accuracy_after", "accuracy_after_train_length", "success", "final_loss", "config"}
