"""MONO's compiled Sinkhorn normalisation, hard permutation and table (verify/kernels/sinkhorn.py,
``sinkhorn_*`` and ``hard_permutation_*`` in recurrence.c) against the torch code of
verify/models/modern.py differentiated by autograd, and the greedy picks one at a time: both dtypes,
widths 1 to 37, one and eight steps, logits spread far enough that the exponentials underflow."""

import pytest
import torch

from bilinear.verify.kernels import forced_path, native, sinkhorn as compiled
from bilinear.verify.models.modern import MonoRNN, greedy_permutation, hard_permutation, sinkhorn

pytestmark = pytest.mark.skipif(not native.available(), reason="no compiled library")

#: (value tolerance, gradient tolerance relative to the largest entry) per dtype
TOL = {torch.float64: (1e-12, 1e-11), torch.float32: (2e-6, 2e-5)}


def logits(D, H, scale, seed, dtype):
    g = torch.Generator().manual_seed(seed)
    return (scale * torch.randn(D, H, H, generator=g, dtype=torch.float64)).to(dtype)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("H, steps, scale", [(1, 8, 1.0), (3, 1, 2.0), (16, 8, 3.0), (37, 8, 3.0), (8, 8, 40.0)])
def test_sinkhorn_and_its_gradient_equal_the_torch_code(dtype, H, steps, scale):
    L = logits(4, H, scale, H, dtype).requires_grad_(True)
    G = logits(4, H, 1.0, H + 1, dtype)
    want = sinkhorn(L, steps)
    gwant, = torch.autograd.grad(want, L, G)
    got = compiled.sinkhorn(L, steps)
    ggot, = torch.autograd.grad(got, L, G)
    got, want = got.detach(), want.detach()
    vt, gt = TOL[dtype]
    assert float((got - want).abs().max()) <= vt
    assert float((ggot - gwant).abs().max()) <= gt * float(gwant.abs().max())
    assert float((got.sum(-2) - 1).abs().max()) <= 10 * vt          # the columns sum to one


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("low", [-60.0, -100.0, -800.0])
def test_a_column_the_first_step_leaves_tiny_is_normalised_as_in_log_space(dtype, low):
    """A column ``low`` below the rest in every row: after the row step its sum is below 1e-20 (or
    nothing at all: exp underflows), where dividing the exponentials by their sums would lose it (or
    give 0 / 0) — the compiled code normalises such a matrix in log space, as the torch code does."""
    L = logits(3, 6, 1.0, 7, dtype)
    L[1, :, 2] += low
    L = L.requires_grad_(True)
    G = logits(3, 6, 1.0, 8, dtype)
    want = sinkhorn(L)
    gwant, = torch.autograd.grad(want, L, G)
    got = compiled.sinkhorn(L, 8)
    ggot, = torch.autograd.grad(got, L, G)
    got, want = got.detach(), want.detach()
    assert bool(torch.isfinite(got).all()) and float(got[1, :, 2].sum()) == pytest.approx(1.0, abs=1e-5)
    assert float((got - want).abs().max()) <= TOL[dtype][0]
    assert float((ggot - gwant).abs().max()) <= TOL[dtype][1] * float(gwant.abs().max())


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_the_hard_permutation_equals_the_greedy_picks(dtype):
    """Near permutations as Sinkhorn gives them, plain random scores and integer scores full of ties
    (broken by position alike); a NaN leaves it to the caller."""
    g = torch.Generator().manual_seed(5)
    scores = torch.cat([sinkhorn(3 * torch.randn(30, 9, 9, generator=g, dtype=torch.float64)
                                 + 4 * torch.eye(9, dtype=torch.float64)[torch.randperm(9, generator=g)]),
                        torch.randn(30, 9, 9, generator=g, dtype=torch.float64),
                        torch.randint(0, 3, (100, 9, 9), generator=g).double()]).to(dtype)
    got = compiled.hard_permutation(scores)
    assert got is not None and got.dtype == dtype
    assert torch.equal(got, greedy_permutation(scores))
    assert torch.equal(got, hard_permutation(scores))
    scores[3, 2, 1] = float("nan")
    assert compiled.hard_permutation(scores) is None


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_monos_table_and_its_gradients_equal_the_torch_code(dtype):
    model = MonoRNN(4, 3, 7, init="gaussian", seed=3).to(dtype)
    G = logits(4, 7, 1.0, 9, dtype)
    got = model.transitions()
    got.backward(G)
    grads = (model.logits.grad.clone(), model.d.grad.clone())
    model.zero_grad()
    with forced_path("torch"):
        want = model.transitions()
        want.backward(G)
    assert torch.equal(got, want)                                   # the same permutations, times d exactly
    for a, b in zip(grads, (model.logits.grad, model.d.grad)):
        assert float((a - b).abs().max()) <= TOL[dtype][1] * float(b.abs().max())


def test_the_path_is_torchs_where_the_compiled_code_is_forced_off():
    L = logits(2, 5, 1.0, 0, torch.float64)
    assert compiled.applies(L)
    with forced_path("torch"):
        assert not compiled.applies(L)
    assert not compiled.applies(L.float().to(torch.bfloat16))
