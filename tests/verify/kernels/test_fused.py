"""The fused training recurrence (verify/kernels/fused.py) against the reference step loop differentiated by
autograd: states, gains and the gradient of every parameter, for every level, pure and affine, each
normalisation mode, float64 and float32."""

import itertools

import pytest
import torch
import torch.nn.functional as F

from bilinear.theory.errors import InputError
from bilinear.verify.kernels import fused, paths
from bilinear.verify.models.classic import BILINEAR_LEVELS
from bilinear.verify.models.registry import ModelConfig, make_model
from bilinear.verify.tasks import make_task
from bilinear.verify.experiments.train import TrainConfig, _objective

# every test here runs through the compiled recurrence and through the torch paths
pytestmark = pytest.mark.usefixtures("recurrence_path")

# (states/gains tolerance, gradient tolerance relative to the parameter's largest entry) per dtype
TOL = {torch.float64: (1e-10, 1e-9), torch.float32: (1e-5, 1e-4)}
CASES = [(lv, aff, norm) for lv, aff, norm in itertools.product(BILINEAR_LEVELS, (False, True),
                                                                ("always", "none", "eval"))
         if not (aff and norm == "eval")]      # eval-only normalisation is refused for affine models


def build(level, affine, normalise, dtype, hidden=8):
    cfg = ModelConfig(level + ("-affine" if affine else ""), hidden=hidden, block=4, rank=5, init="gaussian",
                      init_scale=0.3, normalise=normalise)
    return make_model(cfg, 5, 3, seed=1).to(dtype).train()


def loss_of(states, gains, proj, weights):
    """A loss reaching every state entry and every gain with generic weights (able to see any error)."""
    return (states * proj).sum() + (gains * weights).sum() + gains.var()


def gradients(model, fn, tok, proj, weights):
    model.zero_grad()
    states, gains = fn(tok)
    loss_of(states, gains, proj, weights).backward()
    return states.detach(), gains.detach(), {n: p.grad.clone() for n, p in model.named_parameters()
                                             if p.grad is not None}


# every case in float64; float32 (the training default) for each level's pure and affine models with
# the default normalisation (keeps the suite fast; float32 differs only in rounding)
STATE_CASES = ([(*c, torch.float64) for c in CASES] +
               [(*c, torch.float32) for c in CASES if c[2] == "always"])


@pytest.mark.parametrize("level, affine, normalise, dtype", STATE_CASES)
def test_fused_gradients_equal_the_reference(level, affine, normalise, dtype):
    model = build(level, affine, normalise, dtype)
    g = torch.Generator().manual_seed(2)
    n, length = 6, 9
    tok = torch.randint(0, 5, (n, length), generator=g)
    proj = torch.randn(n, length, model.hidden, generator=g).to(dtype)
    weights = torch.randn(n, length, generator=g).to(dtype)
    s, gn, fast = gradients(model, lambda t: fused.states(model.system(), t), tok, proj, weights)
    rs, rg, ref = gradients(model, lambda t: model.reference_states(t, log_gains=True), tok, proj, weights)
    scale = rs.abs().amax(-1, keepdim=True)
    assert float(((s - rs).abs() / scale).max()) < TOL[dtype][0]
    assert float((gn - rg).abs().max()) < TOL[dtype][0]
    names = {name for name, _ in model.named_parameters()} - {"readout"}
    assert set(fast) == set(ref) == names
    for name in names:
        size = float(ref[name].abs().max())
        assert size > 0, name
        assert float((fast[name] - ref[name]).abs().max()) / size < TOL[dtype][1], name


@pytest.mark.parametrize("level", list(BILINEAR_LEVELS))
def test_training_forward_takes_one_autograd_node(level):
    """The default training forward (one-hot input, gradients on) goes through the fused node,
    and so does the training objective."""
    model = build(level, False, "always", torch.float64)
    tok = torch.randint(0, 5, (3, 7), generator=torch.Generator().manual_seed(0))
    states, gains = model.states(tok, log_gains=True)
    assert type(states.grad_fn).__name__ == "RecurrenceBackward"
    assert type(model.forward_with_gains(tok)[1].grad_fn).__name__ == "RecurrenceBackward"
    task = make_task("modadd", m=5)
    model = make_model(ModelConfig(level, hidden=8, block=4), task.vocab_size, task.num_classes, seed=0)
    loss = _objective(model, task.sample(3, 7, 0), TrainConfig(), False, "cpu")
    assert type(loss.grad_fn).__name__ == "ObjectiveBackward"


@pytest.mark.parametrize("level", ["rdiag", "cdiag", "block"])
def test_long_sequences_with_large_factors_agree(level):
    """Factors far from modulus 1 over 300 steps: the diagonal forward restarts from the unit vector
    many times (float32 budget), the gradients still equal the reference's."""
    model = build(level, False, "always", torch.float32, hidden=4)
    with torch.no_grad():
        getattr(model, model.transition_params[0]).mul_(4.0)
    g = torch.Generator().manual_seed(3)
    length = 300
    tok = torch.randint(0, 5, (2, length), generator=g)
    proj, weights = torch.randn(2, length, 4, generator=g), torch.randn(2, length, generator=g)
    s, gn, fast = gradients(model, lambda t: fused.states(model.system(), t), tok, proj, weights)
    rs, rg, ref = gradients(model, lambda t: model.reference_states(t, log_gains=True), tok, proj, weights)
    assert torch.isfinite(s).all()
    assert float((s - rs).abs().max()) < 1e-4
    assert float((gn - rg).abs().max()) < 1e-4
    for name in ref:
        assert float((fast[name] - ref[name]).abs().max()) / float(ref[name].abs().max()) < 1e-3, name


OBJECTIVE_CASES = [(lv, aff, norm, final, penalty) for (lv, aff, norm) in CASES
                   for final, penalty in ((False, 1.0), (True, 0.5), (False, 0.0))
                   if norm == "always" or (final, penalty) == (False, 1.0)]


OBJECTIVE_DTYPE_CASES = ([(*c, torch.float64) for c in OBJECTIVE_CASES] +
                         [(*c, torch.float32) for c in OBJECTIVE_CASES if c[2:] == ("always", False, 1.0)])


@pytest.mark.parametrize("level, affine, normalise, final, penalty, dtype", OBJECTIVE_DTYPE_CASES)
def test_fused_objective_equals_the_reference_loss(level, affine, normalise, final, penalty, dtype):
    """Loss and gradients of the fused objective against cross-entropy (torch's) + penalty *
    Var(gains) (torch's) over the reference step loop, differentiated by autograd; some labels -1."""
    model = build(level, affine, normalise, dtype)
    g = torch.Generator().manual_seed(4)
    tok = torch.randint(0, 5, (6, 8), generator=g)
    labels = torch.randint(0, 3, (6, 8), generator=g)
    labels[:, ::3] = -1
    labels[:, -1] = torch.randint(0, 3, (6,), generator=g)
    model.zero_grad()
    loss = fused.objective(model.system(), model.readout, tok, labels, final, penalty)
    loss.backward()
    fast = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.zero_grad()
    states, gains = model.reference_states(tok, log_gains=True)
    logits = states @ model.readout.T
    want = (F.cross_entropy(logits[:, -1], labels[:, -1]) if final else
            F.cross_entropy(logits.reshape(-1, 3), labels.reshape(-1), ignore_index=-1))
    if penalty:
        want = want + penalty * gains.var()
    want.backward()
    got, want = float(loss.detach()), float(want.detach())
    assert abs(got - want) < TOL[dtype][0] * max(1.0, abs(want))
    for name, p in model.named_parameters():
        size = float(p.grad.abs().max())
        assert size > 0, name
        assert float((fast[name] - p.grad).abs().max()) / size < TOL[dtype][1], name


def test_embedded_input_is_not_fused():
    """Embedded input is differentiated by autograd through the torch paths, not by the fused node."""
    model = make_model(ModelConfig("full", hidden=4, embedding=3), 5, 3, seed=0)
    states = model.states(torch.randint(0, 5, (2, 4), generator=torch.Generator().manual_seed(0)))
    assert states.grad_fn is not None and type(states.grad_fn).__name__ != "RecurrenceBackward"


def test_forced_path_chooses_the_torch_paths_and_restores_the_choice(recurrence_path):
    """Inside ``forced_path("torch")`` the plan never takes the compiled recurrence; outside, the
    choice is the one forced by the fixture again (and an unknown path is refused)."""
    cpu, f64 = torch.device("cpu"), torch.float64
    with paths.forced_path("torch"):
        assert paths.plan("dense", affine=False, embedded=False, device=cpu, dtype=f64, width=64) == "loop"
        assert paths.plan("pairs", affine=False, embedded=False, device=cpu, dtype=f64, width=64) == "diagonal"
        assert paths.plan("diagonal", affine=True, embedded=False, device=cpu, dtype=f64, width=64) == "loop"
        assert paths.plan("cp", affine=False, embedded=False, device=cpu, dtype=f64, width=64) == "loop"
    with paths.forced_path("torch"):
        pass
    outside = paths.plan("dense", affine=False, embedded=False, device=cpu, dtype=f64, width=64)
    assert outside == {"grouped": "grouped", "native": "native", "torch": "loop"}[recurrence_path]
    with pytest.raises(InputError, match="path: expected 'grouped', 'native' or 'torch'"):
        with paths.forced_path("gpu"):  # type: ignore[arg-type]
            pass


def test_the_recurrence_takes_the_planned_path(recurrence_path):
    """The fused node runs the path that the plan names: the compiled one under ``native`` (its
    states are time-major views) and, for the dense layout, the grouped one under ``grouped``; the
    closed form of the diagonal layouts and the step loop otherwise."""
    tok = torch.randint(0, 5, (3, 6), generator=torch.Generator().manual_seed(0))
    for level, torch_path in (("rdiag", "diagonal"), ("block", "loop"), ("full", "loop")):
        system = build(level, False, "always", torch.float64).system()
        spec, _ = fused._spec(system, tok)
        compiled = "grouped" if recurrence_path == "grouped" and level == "full" else "native"
        assert spec[0] == (torch_path if recurrence_path == "torch" else compiled)
