"""HOUSE and MONO (verify/models/modern.py): their matrices against numpy, their structure, gradients
against finite differences, a training run that must learn parity, checkpoints, export and recovery."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.func import functional_call

from bilinear.cli import main
from bilinear.verify.models.modern import HouseRNN, MonoRNN, greedy_permutation, hard_permutation, sinkhorn
from bilinear.verify.models.registry import ModelConfig, make_model
from bilinear.verify.experiments.train import RunSpec, TrainConfig, checkpoint_path, train_model


def np_(t):
    return t.detach().double().numpy()


def numpy_house(keys, b):
    """The product F_{n_h} ... F_1 per symbol, written out in numpy (factor 1 applied first)."""
    D, nh, H = keys.shape
    out = []
    for k in range(D):
        A = np.eye(H)
        for j in range(nh):
            u = keys[k, j] / np.linalg.norm(keys[k, j])
            beta = 2.0 / (1.0 + np.exp(-b[k, j]))
            A = (np.eye(H) - beta * np.outer(u, u)) @ A
        out.append(A)
    return np.stack(out)


@pytest.mark.parametrize("nh", [1, 2, 3, 7])
@pytest.mark.parametrize("init", ["identity", "orthogonal", "gaussian"])
def test_house_matrices_are_the_product_of_their_factors(nh, init):
    model = HouseRNN(4, 3, 6, householders=nh, init=init, init_scale=0.5, seed=nh).double()
    want = numpy_house(np_(model.keys), np_(model.b))
    np.testing.assert_allclose(np_(model.transitions()), want, atol=1e-12)          # the fast path's matrices
    np.testing.assert_allclose(np.transpose(model.dense_W(), (2, 0, 1)), want, atol=1e-12)   # act(), factor by factor


@pytest.mark.parametrize("nh", [1, 2, 3, 5])
def test_house_moves_at_most_n_h_dimensions(nh):
    model = HouseRNN(5, 2, 8, householders=nh, init="gaussian", seed=3).double()
    for A in np_(model.transitions()):
        s = np.linalg.svd(A - np.eye(8), compute_uv=False)
        assert s[nh - 1] > 1e-3                 # generic keys: exactly n_h dimensions move
        assert np.all(s[nh:] < 1e-12)


def test_house_with_beta_two_is_an_orthogonal_reflection():
    model = HouseRNN(3, 2, 5, householders=1, seed=0).double()
    with torch.no_grad():
        model.b.fill_(40.0)                     # 2 sigmoid(40) = 2 in float64
    assert bool((2 * torch.sigmoid(model.b) == 2).all())
    k = np_(model.keys)[:, 0]
    for A, key in zip(np_(model.transitions()), k):
        u = key / np.linalg.norm(key)
        np.testing.assert_allclose(A @ A.T, np.eye(5), atol=1e-14)
        np.testing.assert_allclose(A @ A, np.eye(5), atol=1e-14)
        np.testing.assert_allclose(A @ u, -u, atol=1e-14)
        assert np.linalg.det(A) == pytest.approx(-1.0)


def _is_permutation(P):
    return bool(((P == 0) | (P == 1)).all() and (P.sum(-1) == 1).all() and (P.sum(-2) == 1).all())


@pytest.mark.parametrize("init", ["identity", "orthogonal", "gaussian"])
def test_mono_matrices_are_exactly_permutation_times_diagonal(init):
    model = MonoRNN(4, 3, 6, init=init, seed=2)
    opt = torch.optim.Adam(model.parameters(), lr=0.5)          # large steps: the permutations change
    tokens = torch.randint(0, 4, (8, 7), generator=torch.Generator().manual_seed(0))
    seen = set()
    for _ in range(6):
        A, d = model.transitions().detach(), model.d.detach()
        for k in range(4):
            nz = A[k] != 0
            assert bool((nz.sum(0) == 1).all()) and bool((nz.sum(1) == 1).all())     # one entry per row, column
            rows = nz.float().argmax(0)                                                # column j -> row pi(j)
            assert torch.equal(A[k][rows, torch.arange(6)], d[k])                      # bit-exact d_j
            assert sorted(rows.tolist()) == list(range(6))
            seen.add((k, tuple(rows.tolist())))
        opt.zero_grad()
        F.cross_entropy(model(tokens).reshape(-1, 3), (tokens % 3).reshape(-1)).backward()
        opt.step()
    assert len(seen) > 4                           # the training steps did move permutations


def test_hard_permutation_is_a_permutation_and_optimal_when_the_column_maxima_differ_in_rows():
    g = torch.Generator().manual_seed(0)
    scores = torch.randn(60, 5, 5, generator=g, dtype=torch.float64)
    assert _is_permutation(hard_permutation(scores))
    perms = list(itertools.permutations(range(5)))
    checked = 0
    for L in (scores * 3):
        S = sinkhorn(L)
        assert torch.allclose(S.sum(0), torch.ones(5, dtype=S.dtype), atol=1e-12)
        if len(set(S.argmax(0).tolist())) < 5:
            continue
        checked += 1
        best = max(perms, key=lambda p: sum(float(S[p[j], j]) for j in range(5)))     # brute force
        want = torch.zeros(5, 5, dtype=S.dtype)
        want[list(best), list(range(5))] = 1
        assert torch.equal(hard_permutation(S.unsqueeze(0))[0], want)
    assert checked >= 10


def test_hard_permutation_equals_the_greedy_picks_one_at_a_time():
    """The assignment in rounds equals the H greedy picks (the definition), matrix by matrix: near
    permutations as Sinkhorn gives them, plain random scores, integer scores full of ties (broken by
    position alike), and a matrix with a NaN (the picks themselves)."""
    g = torch.Generator().manual_seed(3)
    scores = torch.cat([torch.randn(40, 6, 6, generator=g, dtype=torch.float64),
                        sinkhorn(3 * torch.randn(40, 6, 6, generator=g, dtype=torch.float64)
                                 + 4 * torch.eye(6, dtype=torch.float64)[torch.randperm(6, generator=g)]),
                        torch.randint(0, 3, (200, 6, 6), generator=g).double()])
    assert _is_permutation(hard_permutation(scores))
    assert torch.equal(hard_permutation(scores), greedy_permutation(scores))
    scores[0, 2, 3] = float("nan")
    assert torch.equal(hard_permutation(scores), greedy_permutation(scores))


def _loss_of(model, names, tokens, labels):
    def f(*values):
        out = functional_call(model, dict(zip(names, values)), (tokens,))
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), labels.reshape(-1))
    return f


@pytest.mark.parametrize("nh", [1, 3])
def test_house_gradients_equal_finite_differences(nh):
    model = HouseRNN(3, 2, 4, householders=nh, init="gaussian", seed=1).double().train()
    tokens = torch.randint(0, 3, (3, 6), generator=torch.Generator().manual_seed(1))
    labels = tokens % 2
    names = ["keys", "b", "h0", "readout"]
    values = tuple(getattr(model, n).detach().clone().requires_grad_(True) for n in names)
    assert torch.autograd.gradcheck(_loss_of(model, names, tokens, labels), values, eps=1e-6, atol=1e-7)


def test_mono_gradients_equal_finite_differences_and_the_straight_through_rule():
    model = MonoRNN(3, 2, 4, init="gaussian", seed=1).double().train()
    tokens = torch.randint(0, 3, (3, 6), generator=torch.Generator().manual_seed(1))
    labels = tokens % 2
    names = ["d", "h0", "readout"]                  # the permutation is piecewise constant in the logits
    values = tuple(getattr(model, n).detach().clone().requires_grad_(True) for n in names)
    assert torch.autograd.gradcheck(_loss_of(model, names, tokens, labels), values, eps=1e-6, atol=1e-7)
    # the logits' gradient is the Sinkhorn matrix's chain rule applied to dL/dP at P = the hard permutation
    model.zero_grad()
    _loss_of(model, [], tokens, labels)().backward()
    A = model.transitions().detach().requires_grad_(True)
    full = make_model(ModelConfig("full", hidden=4), 3, 2).double().train()
    with torch.no_grad():
        full.h0.copy_(model.h0)
        full.readout.copy_(model.readout)
    out = functional_call(full, {"W": A}, (tokens,))
    gA, = torch.autograd.grad(F.cross_entropy(out.reshape(-1, 2), labels.reshape(-1)), A)
    logits = model.logits.detach().clone().requires_grad_(True)
    want, = torch.autograd.grad(sinkhorn(logits), logits, grad_outputs=gA * model.d.detach().unsqueeze(1))
    assert torch.allclose(model.logits.grad, want, atol=1e-12)


TINY = TrainConfig(steps=300, batch_size=32, val_every=100, val_n=32, warmup=10)


def test_house_with_one_factor_learns_parity():
    """A smoke run that can fail: DeltaNet-like HOUSE(4, 1) on parity, accuracy at training length 10."""
    from bilinear.verify.experiments.evaluate import EvalConfig, evaluate
    spec = RunSpec("parity", {}, ModelConfig("house", hidden=4), seed=0)
    out = train_model(spec, TINY, 1e-2, progress=None)
    acc = evaluate(out.model, spec.make_task(), EvalConfig(n=200, lengths=(10,)))["accuracy"]["10"]
    assert acc >= 0.99
    assert float((2 * torch.sigmoid(out.model.b.detach())).max()) > 1.5          # it uses a negative eigenvalue


@pytest.mark.parametrize("model, extra", [("house", {"householders": 2}), ("mono", {})])
def test_checkpoint_export_and_recover_read_the_product_matrices(tmp_path, model, extra):
    from bilinear.constructions.weightfile import load_weights
    from bilinear.verify.recover.source import load_learned
    cfg = TrainConfig(steps=20, batch_size=8, val_every=10, val_n=8, warmup=2)
    spec = RunSpec("word", {"group": "S3"}, ModelConfig(model, hidden=5, **extra), seed=0)
    out = train_model(spec, cfg, 1e-2, checkpoint_dir=str(tmp_path), progress=None)
    ckpt = checkpoint_path(str(tmp_path), spec, cfg, 1e-2)
    learned = load_learned(ckpt)
    want = np_(out.model.double().transitions())
    np.testing.assert_allclose(learned.A, want, atol=1e-12)
    assert learned.level == model and learned.group.name == "S3"
    wfile = tmp_path / "w.npz"
    assert main(["export", ckpt, "--out", str(wfile)]) == 0
    np.testing.assert_allclose(np.transpose(load_weights(str(wfile)).dense_W(), (2, 0, 1)), want, atol=1e-12)


def test_householders_is_recorded_only_for_house():
    assert "householders" not in ModelConfig("full").to_dict()
    assert ModelConfig("house", householders=3).to_dict()["householders"] == 3
    assert ModelConfig.from_dict(ModelConfig("house", householders=3).to_dict()).householders == 3
    assert make_model(ModelConfig("house", hidden=4, householders=3), 2, 2).keys.shape == (2, 3, 4)
