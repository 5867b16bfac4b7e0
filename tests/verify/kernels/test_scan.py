"""The fast paths of verify/kernels/scan.py against the reference step loop (and numpy at length 10^5)."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from bilinear.verify.kernels import paths, scan, table
from bilinear.verify.models.classic import BILINEAR_LEVELS
from bilinear.verify.models.registry import ModelConfig, make_model

# every test here runs through the compiled recurrence and through the torch paths
pytestmark = pytest.mark.usefixtures("recurrence_path")

LEVELS = list(BILINEAR_LEVELS)
# (states/gains tolerance, gradient tolerance relative to the largest entry) per dtype
TOL = {torch.float64: (1e-9, 1e-8), torch.float32: (1e-4, 1e-3)}


def build(name, dtype, **kw):
    cfg = ModelConfig(name, hidden=8, block=4, rank=5, init="gaussian", **kw)
    return make_model(cfg, 5, 3, seed=1).to(dtype)


def tokens(n=4, length=25, seed=0):
    return torch.randint(0, 5, (n, length), generator=torch.Generator().manual_seed(seed))


CASES = list(itertools.product(LEVELS, (False, True), (None, 3)))


# eval-only normalisation is refused for affine models (they are not scale invariant), so not a case
STATE_CASES = [(*case, normalise) for case in CASES for normalise in ("none", "always", "eval")
               if not (case[1] and normalise == "eval")]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("level, affine, embedding, normalise", STATE_CASES)
def test_states_and_gains_equal_the_step_loop(level, affine, embedding, normalise, dtype):
    model = build(level + ("-affine" if affine else ""), dtype, embedding=embedding, normalise=normalise)
    for mode in (model.train, model.eval):
        mode()
        tok = tokens()
        with torch.no_grad():
            got, gains = model.states(tok, log_gains=True)
            want, want_gains = model.reference_states(tok, log_gains=True)
        scale = want.abs().amax(-1, keepdim=True).clamp_min(1e-300)      # raw states may grow
        assert float(((got - want).abs() / scale).max()) < TOL[dtype][0]
        assert float((gains - want_gains).abs().max()) < TOL[dtype][0]
        with torch.no_grad():
            logits, want_logits = model(tok), want @ model.readout.T
        scale = want_logits.abs().amax(-1, keepdim=True).clamp_min(1.0)
        assert float(((logits - want_logits).abs() / scale).max()) < TOL[dtype][0]


def _loss(model, states_fn, tok, labels):
    states, gains = states_fn(tok, log_gains=True)
    logits = states @ model.readout.T
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1)) + gains.var()


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("level, affine, embedding", CASES)
def test_training_gradients_equal_the_step_loop(level, affine, embedding, dtype):
    model = build(level + ("-affine" if affine else ""), dtype, embedding=embedding).train()
    tok, labels = tokens(6, 10, 1), tokens(6, 10, 2) % 3
    grads = []
    for fn in (model.states, model.reference_states):
        model.zero_grad()
        _loss(model, fn, tok, labels).backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters()})
    fast, ref = grads
    assert set(fast) == set(ref)
    for name in ref:
        size = float(ref[name].abs().max()) or 1.0
        assert float((fast[name] - ref[name]).abs().max()) / size < TOL[dtype][1], name


@pytest.mark.parametrize("level, length", [("rdiag", 100_000), ("cdiag", 100_000), ("pdiag", 20_000),
                                           ("rot", 20_000)])
def test_diagonal_scan_at_length_1e5_matches_numpy_log_space(level, length):
    """No overflow at length 10^5 (real and complex paths; 2 10^4 for the other two) with factors far from modulus 1 (|w| in about [0.3, 3]), and the
    direction of the state equals a float64 numpy computation (log-moduli and angles summed)."""
    model = make_model(ModelConfig(level, hidden=4, init="gaussian"), 3, 2, seed=3).double().eval()
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(3.0) if level != "rot" else None
    tok = torch.randint(0, 3, (2, length), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        h = model.states(tok)[:, [999, length // 2 - 1, length - 1]].numpy()
    assert np.isfinite(h).all()
    np.testing.assert_allclose(np.linalg.norm(h, axis=-1), 1.0, atol=1e-12)
    # numpy: per-symbol log-moduli and angles (or signs), summed along the word
    W = model.dense_W()                                        # (H, H, D), independent of the scan
    h0 = model.h0.detach().numpy()
    t = tok.numpy()
    for i, T in enumerate((1000, length // 2, length)):
        for n in range(2):
            if level in ("cdiag", "rot"):
                z = W[0::2, 0::2, :].diagonal() + 1j * W[1::2, 0::2, :].diagonal()      # (D, H/2): a + ib
                lm = np.log(np.abs(z))[t[n, :T]].sum(0) + np.log(np.abs(h0[0::2] + 1j * h0[1::2]))
                ang = np.angle(z)[t[n, :T]].sum(0) + np.angle(h0[0::2] + 1j * h0[1::2])
                mag = np.exp(lm - lm.max())
                want = np.stack((mag * np.cos(ang), mag * np.sin(ang)), -1).reshape(-1)
            else:
                d = W.diagonal()                                                             # (D, H)
                lm = np.log(np.abs(d))[t[n, :T]].sum(0) + np.log(np.abs(h0))
                neg = (d < 0)[t[n, :T]].sum(0) + (h0 < 0)
                want = np.exp(lm - lm.max()) * np.where(neg % 2, -1.0, 1.0)
            want /= np.linalg.norm(want)
            np.testing.assert_allclose(h[n, i], want, atol=1e-6)


def test_evaluation_paths_by_layout():
    """Without the compiled recurrence, the pure diagonal layouts take the products, everything else
    (affine, CP, dense, blocks) the step loop; CP and embedded inputs never take the compiled path."""
    names = ("rdiag", "pdiag", "cdiag", "rot", "full", "house", "mono", "cp", "block", "rdiag-affine")
    with paths.forced_path("torch"):
        kinds = {name: scan.path_of(make_model(ModelConfig(name, hidden=4), 3, 2).system(), False) for name in names}
    assert kinds == {"rdiag": "diagonal", "pdiag": "diagonal", "cdiag": "diagonal", "rot": "diagonal",
                     "full": "loop", "house": "loop", "mono": "loop", "cp": "loop", "block": "loop",
                     "rdiag-affine": "loop"}
    assert scan.path_of(make_model(ModelConfig("cp", hidden=4), 3, 2).system(), False) == "loop"
    assert scan.path_of(make_model(ModelConfig("full", hidden=4), 3, 2).system(), True) == "loop"


def test_symbol_groups_place_every_row_once():
    tok = np.random.default_rng(0).integers(0, 4, size=(6, 11))
    M, src, pos = table.symbol_groups(tok, 4)
    for t in range(6):
        assert sorted(pos[t]) == sorted(set(pos[t]))                  # distinct slots
        assert np.array_equal(src[t][pos[t]], np.arange(11))          # slot -> its row
        assert np.array_equal(pos[t] // M, tok[t])                    # each row in its symbol's group


def test_long_evaluation_predictions_equal_the_step_loop():
    """What bilinear.verify.experiments.evaluate uses (model(tokens), chunked) predicts what the step loop predicts."""
    for level in LEVELS:
        model = make_model(ModelConfig(level, hidden=8, block=4), 5, 5, seed=2).double().eval()
        tok = tokens(8, 700, 3)
        with torch.no_grad():
            fast = model(tok).argmax(-1)
            ref = (model.reference_states(tok) @ model.readout.T).argmax(-1)
        assert torch.equal(fast, ref), level


@pytest.mark.parametrize("name", LEVELS + [f"{k}-affine" for k in LEVELS])
@pytest.mark.parametrize("normalise", ["none", "always"])
def test_evaluation_leaves_the_parameters_alone(name, normalise):
    """One sequence without normalisation: the start states handed to the compiled recurrence (which
    writes the last states into them) were h0 itself, so each evaluation overwrote h0 and the next
    one started elsewhere; found by automaton extraction's one-word-at-a-time check."""
    model = build(name, torch.float64, normalise=normalise).eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    tok = tokens(1, 9, 4)
    with torch.no_grad():
        first, second = model(tok), model(tok)
        ref = model.reference_states(tok) @ model.readout.T
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert torch.equal(first, second) and torch.allclose(first, ref, atol=1e-9)


@pytest.mark.parametrize("name", ["full-affine", "rdiag-affine", "block", "rot"])
def test_spans_of_a_long_sequence_join_up(name, monkeypatch):
    """States, gains and logits computed span by span (the memory bound of evaluation, forced here to
    a few steps per span) equal one pass of the step loop."""
    monkeypatch.setattr(scan, "_GATHER_FLOATS", 3 * 4 * 8)         # 3 steps per span at N=4, H=8
    model = build(name, torch.float64, normalise="none").eval()
    tok = torch.randint(0, 5, (4, 23), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        got, gains = model.states(tok, log_gains=True)
        want, want_gains = model.reference_states(tok, log_gains=True)
        logits, want_logits = model(tok), want @ model.readout.T
    scale = want.abs().amax(-1, keepdim=True).clamp_min(1e-300)
    assert float(((got - want).abs() / scale).max()) < 1e-10
    assert float((gains - want_gains).abs().max()) < 1e-10
    assert float(((logits - want_logits).abs() / want_logits.abs().amax(-1, keepdim=True)).max()) < 1e-10


@pytest.mark.parametrize("name", ["rdiag", "cdiag"])
def test_embedded_gradients_over_several_chunks_equal_the_step_loop(name):
    """Learned embeddings, gradients on, a sequence longer than one chunk of the diagonal products:
    the logits and every parameter's gradient equal the step loop's (autograd through both)."""
    model = build(name, torch.float64, embedding=3, normalise="none").train()
    tok = tokens(2, 300, 5)
    grads = []
    for logits_of in (model, lambda t: model.reference_states(t) @ model.readout.T):
        model.zero_grad()
        logits = logits_of(tok)
        (logits * torch.linspace(-1, 1, logits.numel(), dtype=logits.dtype).view(logits.shape)).sum().backward()
        grads.append((logits.detach(), {n: p.grad.clone() for n, p in model.named_parameters()}))
    (got, fast), (want, ref) = grads
    assert float(((got - want).abs() / want.abs().amax(-1, keepdim=True)).max()) < 1e-9
    for name_, g in ref.items():
        assert float((fast[name_] - g).abs().max()) / float(g.abs().max()) < 1e-8, name_


@pytest.mark.parametrize("name", ["rdiag", "cdiag"])
def test_contracting_factors_keep_unit_states_in_float64(name):
    """Factors of modulus about 0.2 (log-modulus 1.6 per step), gradients on, float64, normalised: a
    chunk of the diagonal products may not let the raw norm sink below the floor ``TINY`` every
    normalisation divides by (a chunk budget of e^300 did, from about step 45 on); the states stay unit
    vectors and equal the step loop's."""
    model = build(name, torch.float64, embedding=3, normalise="always").train()
    with torch.no_grad():
        for pname in model.transition_params:
            p = getattr(model, pname)
            p.mul_(0.2 / p.abs().max())
    tok = tokens(2, 300, 5)
    got = model.states(tok).detach()
    want = model.reference_states(tok).detach()
    assert float((got.norm(dim=-1) - 1).abs().max()) < 1e-12
    assert float((got - want).abs().max()) < 1e-9
