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


# ------------------------------------------------------------------ the fast paths against the step loop
def _logits_and_grads(m, tok, path):
    m.zero_grad()
    logits = m(tok, path=path)
    (logits * torch.linspace(-1, 1, logits.numel(), dtype=logits.dtype).view(logits.shape)).sum().backward()
    return logits.detach(), {n: p.grad.clone() for n, p in m.named_parameters()}


@pytest.mark.parametrize("level", ["cdiag", "rot", "rdiag"])
def test_fast_paths_equal_the_step_loop_with_gradients(level):
    """float64, a random stack, length 150 (strongly contracting mixed factors: several chunks of the
    products): the logits and every parameter's gradient by each fast path equal those of the step loop."""
    m = BilinearStack(level, 3, 6, [4, 4], [3, 5], [2, 3], [6, 8], 10, seed=1)
    tok = torch.randint(0, 3, (2, 150), generator=torch.Generator().manual_seed(0))
    want, ref = _logits_and_grads(m, tok, "loop")
    for path in ("polar", "chunks"):
        got, fast = _logits_and_grads(m, tok, path)
        assert float((got - want).abs().max()) < 1e-9 * float(want.abs().max()), path
        for name, g in ref.items():
            assert float((fast[name] - g).abs().max()) <= 1e-8 * float(g.abs().max()), (path, name)


def test_polar_path_in_float32_and_at_length_10000():
    """float32 (the training dtype): the polar path's states equal the float64 step loop's to float32
    rounding; at length 10 000 (far past any chunk) they stay unit vectors, equal to the chunked products."""
    m = BilinearStack("cdiag", 3, 6, [4], [3], [2], [6], 10, seed=2)
    tok = torch.randint(0, 3, (2, 300), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        x = m.layer_inputs(0, torch.nn.functional.one_hot(tok, 3).double(), [])
        want = m.layer_states(0, tok, x, "loop")
        got = m.float().layer_states(0, tok, x.float(), "polar")
        assert got.dtype == torch.float32 and float((got.double() - want).abs().max()) < 1e-5
        m.double()
        long = torch.randint(0, 3, (1, 10_000), generator=torch.Generator().manual_seed(2))
        x = m.layer_inputs(0, torch.nn.functional.one_hot(long, 3).double(), [])
        polar, chunks = m.layer_states(0, long, x, "polar"), m.layer_states(0, long, x, "chunks")
    assert float((polar.norm(dim=-1) - 1).abs().max()) < 1e-12
    assert float((polar - chunks).abs().max()) < 1e-7


def test_fast_paths_are_not_the_step_loop():
    """The fast paths do not call the per-step update (so the equivalence above compares two methods)."""
    m = BilinearStack("cdiag", 2, 3, [2, 2], [2, 2], [2, 3], [2, 4], 6, seed=0)
    calls = []
    step = m._step
    m._step = lambda *a: calls.append(1) or step(*a)                       # type: ignore[method-assign]
    m(torch.zeros(1, 7, dtype=torch.long))
    m(torch.zeros(1, 7, dtype=torch.long), path="chunks")
    assert not calls
    m(torch.zeros(1, 7, dtype=torch.long), path="loop")
    assert len(calls) == 2 * 7
    with pytest.raises(InputError, match="path: expected one of"):
        m(torch.zeros(1, 7, dtype=torch.long), path="scan")


# ------------------------------------------------------------------ through the registry
def test_registry_builds_a_stack_for_layers_two_or_more():
    from bilinear.verify.models.registry import ModelConfig, make_model, parameter_bound, parameter_count
    one = make_model(ModelConfig("cdiag", hidden=4), 6, 6)
    assert not isinstance(one, BilinearStack)
    cfg = ModelConfig("rot", hidden=4, layers=3)
    m = make_model(cfg, 6, 6, seed=2)
    assert isinstance(m, BilinearStack) and m.k == 3 and m.hidden == [4, 4, 4] and m.level == "rot"
    assert cfg.is_stack and not cfg.is_bilinear and cfg.variant() == "layers=3"
    assert all(p.dtype == torch.float32 for p in m.parameters())
    n = sum(p.numel() for p in m.parameters())
    assert parameter_count(cfg, 6, 6) == n <= parameter_bound(cfg, 6, 6)
    assert m.no_decay_parameters() == {f"{kind}.{i}" for kind in ("trans", "h0") for i in range(3)}
    assert m(torch.zeros(2, 5, dtype=torch.long)).shape == (2, 5, 6)


@pytest.mark.parametrize("kw, message", [
    ({"model": "full", "layers": 2}, "0 or 1 for full"),
    ({"model": "cdiag-affine", "layers": 2}, "0 or 1 for cdiag-affine"),
    ({"model": "cdiag", "layers": 2, "embedding": 3}, "embedding: expected its default"),
    ({"model": "rdiag", "layers": 2, "init": "gaussian"}, "init: expected its default"),
])
def test_stack_configurations_that_do_not_exist_are_refused(kw, message):
    from bilinear.verify.models.registry import ModelConfig
    with pytest.raises(InputError, match=message):
        ModelConfig(hidden=4, **kw)
