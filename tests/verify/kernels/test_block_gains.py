"""The per-block gain penalty (verify/kernels/block_gains.py and its compiled kernel): the per-block
log-gains against each block's own gain computed from the model's blocks; zero penalty when every
block has the same gain; the fused objective's value and gradient against autograd of the plain
torch formula on the reference step loop, through the compiled recurrence and the torch paths, with
fewer and more sequences than the penalty reads; the compiled kernel against the torch formula."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from bilinear.theory.errors import InputError
from bilinear.verify.kernels import block_gains, fused, native
from bilinear.verify.models.registry import ModelConfig, make_model

pytestmark = pytest.mark.usefixtures("recurrence_path")


def test_block_log_gains_are_each_blocks_own_gain():
    """b_{t,j} = log ||A^j x^j_{t-1}|| - log ||x^j_{t-1}||, computed here from the blocks themselves."""
    model = make_model(ModelConfig("block", hidden=6, block=3, init="gaussian"), 4, 2, seed=3).double()
    tok = torch.randint(0, 4, (5, 7), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        states, gains = model.reference_states(tok, log_gains=True)
        b = block_gains.block_log_gains(states, gains, 3)
    W = model.W.detach().numpy()
    x = states.numpy()
    for i in range(5):
        for t in range(1, 7):
            for j in range(2):
                prev = x[i, t - 1, 3 * j:3 * j + 3]
                own = np.log(np.linalg.norm(W[tok[i, t], j] @ prev)) - np.log(np.linalg.norm(prev))
                assert abs(float(b[i, t - 1, j]) - own) < 1e-12


@pytest.mark.parametrize("level", ["block", "cdiag"])
def test_the_penalty_is_zero_when_every_block_has_the_same_gain(level):
    """Every block a rotation times one common factor c: all per-block gains are log c."""
    model = make_model(ModelConfig(level, hidden=8, init="orthogonal", init_scale=0.0), 3, 2, seed=1).double()
    with torch.no_grad():
        if level == "block":
            model.W.copy_(1.7 * model.W / torch.linalg.det(model.W).abs().sqrt()[..., None, None])
        else:
            model.P.mul_(1.7 / model.P.norm(dim=-1, keepdim=True))
    tok = torch.randint(0, 3, (20, 9), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        states, gains = model.reference_states(tok, log_gains=True)
        assert float(block_gains.penalty(states, gains, 2, 1.0)) < 1e-12     # float32 blocks: equal to 1e-7
        assert float(gains.mean()) == pytest.approx(math.log(1.7), abs=1e-6)
        (model.W if level == "block" else model.P)[0, 1] *= 2     # one block of symbol 0 twice as large
        states, gains = model.reference_states(tok, log_gains=True)
        assert float(block_gains.penalty(states, gains, 2, 1.0)) > 1e-3


def _reference(model, tok, lab, final, weight, block_weight):
    states, gains = model.reference_states(tok, log_gains=True)
    logits = states @ model.readout.T
    ce = (F.cross_entropy(logits[:, -1], lab[:, -1]) if final
          else F.cross_entropy(logits.reshape(-1, logits.shape[-1]), lab.reshape(-1)))
    width = block_gains.block_width(model.layout, model.table().source)
    return ce + weight * gains.var() + block_gains.penalty(states, gains, width, block_weight)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("n", [5, 40])            # fewer and more sequences than ROWS
@pytest.mark.parametrize("level, normalise, final", [("block", "always", False), ("block", "none", True),
                                                     ("cdiag", "always", True), ("cdiag", "none", False),
                                                     ("block-affine", "always", False),      # with input terms
                                                     ("cdiag-affine", "none", True)])
def test_the_fused_objective_equals_autograd_of_the_reference(level, normalise, final, n, dtype):
    model = make_model(ModelConfig(level, hidden=8, block=2, normalise=normalise, init="gaussian"), 3, 3,
                       seed=1).to(dtype)
    g = torch.Generator().manual_seed(4)
    tok, lab = torch.randint(0, 3, (n, 7), generator=g), torch.randint(0, 3, (n, 7), generator=g)
    loss = fused.objective(model.system(), model.readout, tok, lab, final, 0.5, 0.7)
    got = torch.autograd.grad(loss, list(model.parameters()))
    ref = _reference(model, tok, lab, final, 0.5, 0.7)
    want = torch.autograd.grad(ref, list(model.parameters()))
    tol = 1e-10 if dtype == torch.float64 else 2e-5
    assert abs(float((loss - ref).detach())) < tol * max(1.0, abs(float(ref.detach())))
    assert float(block_gains.penalty(*model.reference_states(tok, log_gains=True), 2, 0.7).detach()) > 1e-3
    for a, b in zip(got, want):
        assert float((a - b).abs().max()) <= tol * 10 * float(b.abs().max())


def test_the_penalty_reads_the_first_rows_only():
    model = make_model(ModelConfig("block", hidden=8, init="gaussian"), 3, 3, seed=1).double()
    tok = torch.randint(0, 3, (block_gains.ROWS + 8, 6), generator=torch.Generator().manual_seed(0))
    states, gains = (t.detach() for t in model.reference_states(tok, log_gains=True))
    whole = block_gains.penalty(states, gains, 2, 1.0)
    first = block_gains.block_log_gains(states[:block_gains.ROWS], gains[:block_gains.ROWS], 2).var()
    assert float(whole) == pytest.approx(float(first), rel=1e-12)


@pytest.mark.skipif(not native.available(), reason="no compiled recurrence")
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("norm", [True, False])
@pytest.mark.parametrize("w", [2, 3, 4])       # 2 and 4: the kernel has a written-out path for each
def test_the_compiled_kernel_equals_the_torch_formula(dtype, norm, w):
    g = torch.Generator().manual_seed(5)
    L, N, rows = 6, 9, 4
    scales = torch.exp(torch.empty(L, N, 4, 1).uniform_(-40, 40, generator=g))     # block norms e^-40 .. e^40
    X = (torch.randn(L, N, 4, w, generator=g) * scales).reshape(L, N, 4 * w).to(dtype)
    X[0, 0, :w] = 0                                                                  # one zero block: floored
    S = torch.exp(torch.randn(L, N, generator=g)).to(dtype)                        # the sizes s_t, time-major
    ss, b, G, GL = native.block_gains(X, S, w, norm, rows)
    states = X.transpose(0, 1)[:rows].double().requires_grad_(True)
    logs = torch.log(S.T[:rows].double())                                          # the total log-gains from them
    gains = (logs if norm else logs - F.pad(logs[:, :-1], (1, 0))).detach().requires_grad_(True)
    sq = (states.reshape(rows, L, 4, w) ** 2).sum(-1).clamp_min(torch.finfo(dtype).tiny)   # the kernel's floor
    r = 0.5 * torch.log(sq)
    if not norm:       # the kernel drops log ||x_t|| when normalising (the states then have norm 1)
        r = r - 0.5 * torch.log(sq.sum(-1, keepdim=True))
    ref = gains[:, 1:, None] + r[:, 1:] - r[:, :-1]
    dev = ref - ref.mean()
    tol = 1e-9 if dtype == torch.float64 else 1e-4
    assert torch.allclose(b.double().transpose(0, 1), dev.detach(), atol=tol * 100, rtol=tol)
    assert ss == pytest.approx(float((dev ** 2).sum().detach()), rel=tol)
    ws, wl = torch.autograd.grad((dev ** 2).sum() / 2, (states, gains))          # the kernel's G and GL
    assert torch.allclose(G.transpose(0, 1).double(), ws, rtol=tol * 10, atol=tol * float(ws.abs().max()))
    assert torch.allclose(GL.T[:rows].double(), wl, rtol=tol * 10, atol=tol * float(wl.abs().max()))
    assert not GL.T[rows:].any()                                                 # the other sequences: none


@pytest.mark.parametrize("call, message", [
    (lambda: native.block_gains(torch.ones(3, 2, 4), torch.ones(3, 2), 3, True, 2),
     r"native\.block_gains\(w\): expected a block width >= 1 dividing H = 4, got 3"),
    (lambda: native.block_gains(torch.ones(3, 2, 4), torch.ones(3, 2), 2, True, 3),
     r"native\.block_gains\(rows\): expected a number of sequences in \[1, 2\], got 3"),
    (lambda: native.block_gains(torch.ones(1, 2, 4), torch.ones(1, 2), 2, True, 2),
     r"native\.block_gains\(X\): expected states of at least 2 steps, got 1"),
    (lambda: native.block_gains(torch.ones(3, 2, 4), torch.ones(2, 3), 2, True, 2),
     r"native\.block_gains\(S\): expected a contiguous CPU float32 tensor of shape \(L, N\) = \(3, 2\), .*"),
    (lambda: native.forward_block_gains(torch.zeros(1, 2).long(), torch.ones(1, 2, 2, 2), torch.ones(2, 4), None,
                                        True, 2, 2),
     r"native\.forward_block_gains\(tokens\): expected states of at least 2 steps, got 1"),
    (lambda: native.forward_block_gains(torch.zeros(3, 2).long(), torch.ones(1, 2, 2, 2), torch.ones(2, 4), None,
                                        True, 3, 2),
     r"native\.forward_block_gains\(w\): expected a block width >= 1 dividing H = 4, got 3"),
])
def test_bad_arguments_of_the_block_gains_are_refused(call, message):
    with pytest.raises(InputError, match=message):
        call()


@pytest.mark.skipif(not native.available(), reason="no compiled recurrence")
@pytest.mark.parametrize("norm", [True, False])
@pytest.mark.parametrize("layout", ["blocks", "pairs"])
def test_the_recurrence_with_block_gains_is_the_recurrence_then_the_block_gains(layout, norm):
    """forward_block_gains computed two ways: forward, then block_gains of the states and sizes it returned."""
    g = torch.Generator().manual_seed(7)
    D, N, L = 3, 20, 6
    Tt = torch.randn(D, 4, 2, 2, generator=g) if layout == "blocks" else torch.randn(D, 4, 2, generator=g)
    tokens = torch.randint(0, D, (L, N), generator=g)
    x0 = torch.randn(N, 8, generator=g)
    X, S, got = native.forward_block_gains(tokens, Tt, x0, None, norm, 2, block_gains.ROWS)
    X2, S2 = native.forward(tokens, Tt, x0, None, norm)
    want = native.block_gains(X2[1:], S2, 2, norm, block_gains.ROWS)
    assert torch.equal(X, X2) and torch.equal(S, S2)
    assert got.ss == want.ss
    for a, b in zip(got[1:], want[1:]):
        assert torch.equal(a, b)
