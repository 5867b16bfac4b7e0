"""Model classes against their formulas (numpy, written out here), step-by-step loops and weight files."""

import math

import numpy as np
import pytest
import torch

from bilinear.constructions.weightfile import WeightFile, save_weights
from bilinear.theory import InputError
from bilinear.verify.models.baselines import MambaLike
from bilinear.verify.models.classic import BILINEAR_LEVELS
from bilinear.verify.experiments.evaluate import EvalConfig, evaluate
from bilinear.verify.models.registry import MODEL_NAMES, ModelConfig, make_model, model_from_weights
from bilinear.verify.tasks import make_task

LEVELS = list(BILINEAR_LEVELS)


def np_(t):
    return t.detach().double().numpy()


def softplus(x):
    return np.log1p(np.exp(x))


def formula_A(model, x):
    """A(x) (H x H) from the model's parameters and the docs/design.md §4 formula, in numpy."""
    H = model.hidden
    lvl = model.level
    if lvl == "full":
        return np.einsum("k,kij->ij", x, np_(model.W))
    if lvl == "cp":
        return np_(model.U) @ np.diag(x @ np_(model.V)) @ np_(model.Z)
    if lvl == "block":
        blocks = np.einsum("k,knij->nij", x, np_(model.W))
        A = np.zeros((H, H))
        B = model.block
        for n, blk in enumerate(blocks):
            A[n * B:(n + 1) * B, n * B:(n + 1) * B] = blk
        return A
    A = np.zeros((H, H))
    if lvl in ("cdiag", "rot"):
        if lvl == "cdiag":
            ab = np.einsum("k,kpc->pc", x, np_(model.P))
            a, b = ab[:, 0], ab[:, 1]
        else:
            th = x @ np_(model.theta)
            a, b = np.cos(th), np.sin(th)
        for p in range(H // 2):
            A[2 * p:2 * p + 2, 2 * p:2 * p + 2] = [[a[p], -b[p]], [b[p], a[p]]]
        return A
    if lvl == "rdiag":
        return np.diag(x @ np_(model.V))
    if lvl == "pdiag":
        return np.diag(np.exp(-softplus(x @ np_(model.V))))
    if lvl == "house":                  # sum_k x_k F_{k,n_h} ... F_{k,1}, each F = I - beta k k^T
        keys, b = np_(model.keys), np_(model.b)
        out = np.zeros((H, H))
        for k in range(keys.shape[0]):
            Ak = np.eye(H)
            for j in range(keys.shape[1]):
                u = keys[k, j] / np.linalg.norm(keys[k, j])
                Ak = (np.eye(H) - 2 / (1 + np.exp(-b[k, j])) * np.outer(u, u)) @ Ak
            out += x[k] * Ak
        return out
    if lvl == "mono":                   # sum_k x_k P_k diag(d_k), P_k checked to be a permutation
        P, d = np_(model.permutations()), np_(model.d)
        assert np.array_equal(np.sort(P.reshape(-1)), np.sort(np.tile(np.eye(H).reshape(-1), P.shape[0])))
        assert (P.sum(1) == 1).all() and (P.sum(2) == 1).all()
        return sum(x[k] * P[k] @ np.diag(d[k]) for k in range(P.shape[0]))
    raise AssertionError(lvl)


def build(level, hidden=6, vocab=3, classes=3, seed=0, **kw):
    cfg = ModelConfig(level, hidden=hidden, **kw)
    return make_model(cfg, vocab, classes, seed=seed).double()


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("init", ["identity", "orthogonal", "gaussian"])
def test_one_hot_transition_matches_formula(level, init):
    model = build(level, init=init, init_scale=0.3, rank=4, block=3)
    W = model.dense_W()                  # computed by the module's own act()
    for k in range(model.vocab_size):
        np.testing.assert_allclose(W[:, :, k], formula_A(model, np.eye(3)[k]), atol=1e-12)


@pytest.mark.parametrize("level", LEVELS)
def test_embedded_transition_matches_formula(level):
    model = build(level, embedding=4, block=2, rank=5, init="gaussian")
    x = np.random.default_rng(1).normal(size=(5, 4))
    h = np.random.default_rng(2).normal(size=(5, 6))
    got = np_(model.act(torch.tensor(h), torch.tensor(x), None))
    want = np.stack([formula_A(model, xi) @ hi for xi, hi in zip(x, h)])
    np.testing.assert_allclose(got, want, atol=1e-12)


@pytest.mark.parametrize("level", LEVELS + ["full-affine", "rdiag-affine"])
@pytest.mark.parametrize("normalise", ["none", "always"])
def test_batched_recurrence_matches_numpy_loop(level, normalise):
    model = build(level, init="gaussian", normalise=normalise).eval()
    tokens = np.random.default_rng(3).integers(0, 3, size=(4, 9))
    logits = np_(model(torch.tensor(tokens)))
    A = [formula_A(model, np.eye(3)[k]) for k in range(3)]
    R, h0 = np_(model.readout), np_(model.h0)
    for n, word in enumerate(tokens):
        h = h0 / np.linalg.norm(h0) if normalise == "always" else h0.copy()
        for t, s in enumerate(word):
            h = A[s] @ h
            if model.affine:
                h = h + np_(model.in_weight)[s] + np_(model.in_bias)
            if normalise == "always":
                h = h / np.linalg.norm(h)
            np.testing.assert_allclose(logits[n, t], R @ h, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("level", LEVELS)
def test_normalisation_changes_no_prediction_of_a_pure_bilinear_model(level):
    raw = build(level, init="gaussian", normalise="none")
    normed = build(level, init="gaussian", normalise="always")
    assert all(torch.equal(a, b) for a, b in zip(raw.parameters(), normed.parameters()))
    tokens = torch.randint(0, 3, (50, 30), generator=torch.Generator().manual_seed(0))
    a, b = raw(tokens), normed(tokens)
    assert torch.isfinite(a).all()
    assert torch.equal(a.argmax(-1), b.argmax(-1))


def test_eval_normalisation_is_refused_for_affine_models():
    with pytest.raises(InputError, match="normalise"):
        build("full-affine", normalise="eval")


def test_pdiag_entries_lie_in_the_unit_interval():
    model = build("pdiag", init="orthogonal")
    d = np.stack([np.diag(model.dense_W()[:, :, k]) for k in range(3)])
    assert np.all(d > 0) and np.all(d < 1)


def test_identity_init_is_near_identity_and_orthogonal_init_is_orthogonal():
    ident = build("full", init="identity", init_scale=0.01, hidden=8)
    W = ident.dense_W()
    assert np.abs(W - np.eye(8)[:, :, None]).max() < 0.05
    orth = build("full", init="orthogonal", init_scale=0.0, hidden=8)
    W = orth.dense_W()
    for k in range(3):
        np.testing.assert_allclose(W[:, :, k].T @ W[:, :, k], np.eye(8), atol=1e-6)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_same_seed_same_model_and_global_rng_untouched(name):
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    cfg = ModelConfig(name, hidden=8, heads=2)
    a, b = make_model(cfg, 4, 3, seed=7), make_model(cfg, 4, 3, seed=7)
    assert torch.equal(torch.rand(1), before)           # building models drew nothing from the global RNG
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    c = make_model(cfg, 4, 3, seed=8)
    assert any(not torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))
    tokens = torch.randint(0, 4, (3, 5))
    assert a(tokens).shape == (3, 5, 3)


@pytest.mark.parametrize("name", ["lstm", "mamba", "transformer", "full", "cdiag-affine"])
def test_models_are_causal(name):
    model = make_model(ModelConfig(name, hidden=8, heads=2), 4, 3, seed=0).eval()
    tokens = torch.randint(0, 4, (2, 12), generator=torch.Generator().manual_seed(0))
    changed = tokens.clone()
    changed[:, 7:] = (changed[:, 7:] + 1) % 4
    with torch.no_grad():
        a, b = model(tokens), model(changed)
    torch.testing.assert_close(a[:, :7], b[:, :7])
    assert not torch.allclose(a[:, 7:], b[:, 7:])


def test_mamba_like_decays_lie_in_the_unit_interval():
    model = MambaLike(3, 2, 8)
    block = model.blocks[0]
    u = torch.randn(2, 5, block.d_inner)
    delta = torch.nn.functional.softplus(block.dt_proj(u))
    decay = torch.exp(-delta.unsqueeze(-1) * block.A_log.exp())
    assert decay.min() > 0 and decay.max() < 1


@pytest.mark.parametrize("kwargs, match", [
    ({"model": "foo"}, "model"), ({"model": "cdiag", "hidden": 5}, "even"), ({"model": "rot", "hidden": 3}, "even"),
    ({"model": "block", "hidden": 6, "block": 4}, "block"), ({"model": "full", "hidden": 0}, "hidden"),
    ({"model": "full", "normalise": "sometimes"}, "normalise"), ({"model": "full", "init": "zeros"}, "init"),
    ({"model": "transformer", "hidden": 6, "heads": 4}, "hidden"), ({"model": "cp", "rank": 0}, "rank"),
])
def test_bad_model_configs_are_input_errors(kwargs, match):
    with pytest.raises(InputError, match=match):
        ModelConfig(**kwargs)


def test_dense_w_runs_like_the_model():
    """Second method: the exported W (the weight-file convention) run by a numpy loop."""
    model = build("cp", rank=4, init="gaussian", normalise="always").eval()
    W, h0, R = model.dense_W(), np_(model.h0), np_(model.readout)
    word = [2, 0, 1, 1, 2]
    h = h0 / np.linalg.norm(h0)
    for s in word:
        h = W[:, :, s] @ h
        h /= np.linalg.norm(h)
    np.testing.assert_allclose(np_(model(torch.tensor([word])))[0, -1], R @ h, atol=1e-12)


# -- weight files -----------------------------------------------------------------------------

def rotation_weights(m):
    """Z_m by one 2x2 rotation per symbol k (angle 2 pi k / m); readout rows = the state of each class."""
    W = np.zeros((2, 2, m))
    for k in range(m):
        t = 2 * math.pi * k / m
        W[:, :, k] = [[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]]
    R = np.array([[math.cos(2 * math.pi * c / m), math.sin(2 * math.pi * c / m)] for c in range(m)])
    return WeightFile(W, np.array([1.0, 0.0]), R, tuple(str(c) for c in range(m)), tuple(str(k) for k in range(m)),
                      "rot")


def automaton_weights(task):
    """One-hot states: A_a e_q = e_{delta(q, a)}; readout = one-hot of each state's output class; the
    labels are listed in reverse order to exercise the reordering."""
    a = task.automaton
    Q, D = a.delta.shape
    W = np.zeros((Q, Q, D))
    for q in range(Q):
        for s in range(D):
            W[a.delta[q, s], q, s] = 1.0
    h0 = np.eye(Q)[a.start]
    names = list(a.output_labels)[::-1]
    R = np.array([[1.0 if a.output_labels[a.output_index[q]] == c else 0.0 for q in range(Q)] for c in names])
    return WeightFile(W, h0, R, tuple(names), tuple(str(s) for s in range(D)), "full")


def test_rotation_weight_file_scores_100_percent_on_long_words(tmp_path):
    path = save_weights(tmp_path / "z5.npz", rotation_weights(5))
    task = make_task("modadd", m=5)
    model = model_from_weights(str(path), task)
    result = evaluate(model, task, EvalConfig(lengths=(1, 7, 1000), n=100))
    assert result["accuracy"] == {"1": 1.0, "7": 1.0, "1000": 1.0}


def test_automaton_weight_file_scores_100_percent_on_long_words(tmp_path):
    task = make_task("automaton", states=5, symbols=3, automaton_seed=0)
    path = save_weights(tmp_path / "a.npz", automaton_weights(task))
    model = model_from_weights(path, task)
    result = evaluate(model, task, EvalConfig(lengths=(3, 500, 1000), n=100))
    assert result["accuracy"] == {"3": 1.0, "500": 1.0, "1000": 1.0}


def test_a_wrong_weight_file_is_caught():
    task = make_task("modadd", m=5)
    wf = rotation_weights(5)
    W = wf.W.copy()
    W[:, :, 1] = wf.W[:, :, 2]                  # symbol 1 now adds 2
    model = model_from_weights(WeightFile(W, wf.h0, wf.readout, wf.labels, wf.alphabet, "rot"), task)
    assert evaluate(model, task, EvalConfig(lengths=(50,), n=100))["accuracy"]["50"] < 0.5


def test_weight_file_must_match_the_task():
    with pytest.raises(InputError, match="alphabet"):
        model_from_weights(rotation_weights(5), make_task("modadd", m=3))
    with pytest.raises(InputError, match="labels"):
        model_from_weights(rotation_weights(5), make_task("word", group="Z5xZ1"))


def test_construction_builders_load_and_score_100_percent():
    from bilinear.constructions.build import build as build_construction
    from bilinear.theory import parse_group
    from bilinear.theory.automata.automaton import random_automaton

    long = EvalConfig(lengths=(1000,), n=100)
    task = make_task("modadd", m=5)
    wf = build_construction(parse_group("Z5"), "rot", alphabet="all").to_weight_file()
    assert evaluate(model_from_weights(wf, task), task, long)["accuracy"]["1000"] == 1.0
    task = make_task("automaton", states=5, symbols=3, automaton_seed=0)
    wf = build_construction(random_automaton(5, 3, 0), "full").to_weight_file()
    assert evaluate(model_from_weights(wf, task), task, long)["accuracy"]["1000"] == 1.0
    for spec, level in [("S5", "block"), ("A4", "full"), ("GL(3,2)", "full")]:   # GL(3,2): a numeric construction
        task = make_task("word", group=spec)
        wf = build_construction(parse_group(spec), level, alphabet="all").to_weight_file()
        assert evaluate(model_from_weights(wf, task), task, long)["accuracy"]["1000"] == 1.0, spec


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_learned_embedding_inputs(name):
    model = make_model(ModelConfig(name, hidden=8, heads=2, embedding=3), 5, 4, seed=0)
    assert model(torch.randint(0, 5, (2, 6))).shape == (2, 6, 4)


@pytest.mark.parametrize("level", ["full", "cdiag", "pdiag", "full-affine"])
def test_log_gains_match_numpy_and_ignore_normalisation(level):
    tokens = np.random.default_rng(5).integers(0, 3, size=(3, 8))
    got = {}
    for normalise in ("none", "always"):
        model = build(level, init="gaussian", normalise=normalise)
        _, g = model.forward_with_gains(torch.tensor(tokens))
        got[normalise] = np_(g)
    if not level.endswith("affine"):       # scale invariance; an affine model has none
        np.testing.assert_allclose(got["none"], got["always"], atol=1e-10)
    A = [formula_A(model, np.eye(3)[k]) for k in range(3)]
    for n, word in enumerate(tokens):
        h = np_(model.h0)
        for t, s in enumerate(word):
            new = A[s] @ h + (np_(model.in_weight)[s] + np_(model.in_bias) if model.affine else 0)
            assert got["none"][n, t] == pytest.approx(np.log(np.linalg.norm(new) / np.linalg.norm(h)), abs=1e-10)
            h = new


def test_exact_rotation_construction_has_equal_gains():
    model = model_from_weights(rotation_weights(5)).train()
    _, g = model.forward_with_gains(torch.randint(0, 5, (4, 20)))
    assert float(g.detach().abs().max()) < 1e-12


def _expand(layout, values, factors):
    """The per-symbol matrices a table stands for, read from the layout's definition (numpy, by
    hand): an independent reading of what the kernels are given."""
    D = values.shape[0]
    if layout == "dense":
        return values
    if layout == "diagonal":
        return np.stack([np.diag(values[k]) for k in range(D)])
    if layout == "cp":
        U, Z = factors
        return np.stack([U @ np.diag(values[k]) @ Z for k in range(D)])
    if layout == "pairs":
        blocks = np.stack([np.stack([np.array([[a, -b], [b, a]]) for a, b in values[k]]) for k in range(D)])
    else:
        blocks = values
    n, B = blocks.shape[1], blocks.shape[2]
    out = np.zeros((D, n * B, n * B))
    for k in range(D):
        for i in range(n):
            out[k, i * B:(i + 1) * B, i * B:(i + 1) * B] = blocks[k, i]
    return out


@pytest.mark.parametrize("level", sorted(BILINEAR_LEVELS))
def test_the_table_in_the_declared_layout_is_the_models_transitions(level):
    """Each model hands the kernels its transitions in the layout its level declares (levels.py), and
    read by that layout they are the matrices the model's own act() applies."""
    from bilinear.theory.hierarchy.levels import LEVELS as DECLARED
    model = build(level, init="gaussian", init_scale=0.3, rank=4, block=3)
    table = model.table()
    assert table.layout == DECLARED[level].layout
    with torch.no_grad():
        values = table.values.double().numpy()
        factors = tuple(f.double().numpy() for f in table.factors)
    A = _expand(table.layout, values, factors)
    np.testing.assert_allclose(A.transpose(1, 2, 0), model.dense_W(), rtol=1e-12, atol=1e-12)


# -- the rotation initialisation ------------------------------------------------------------------

@pytest.mark.parametrize("block", [2, 3, 4])
def test_rotation_init_draws_blocks_of_determinant_one(block):
    """Every block of ``init="rotation"`` is orthogonal with determinant +1 (numpy's determinant, not
    torch's); the blocks that ``"orthogonal"`` draws with determinant +1 are the same, the others
    differ in their first column's sign only."""
    rot = make_model(ModelConfig("block", hidden=4 * block, block=block, init="rotation", init_scale=0.0), 6, 2, seed=3)
    orth = make_model(ModelConfig("block", hidden=4 * block, block=block, init="orthogonal", init_scale=0.0), 6, 2,
                      seed=3)
    R, O = rot.W.detach().double().numpy(), orth.W.detach().double().numpy()
    dets = np.linalg.det(R)
    assert np.allclose(dets, 1.0, atol=1e-5)
    assert np.allclose(np.einsum("...ji,...jk->...ik", R, R), np.eye(block), atol=1e-5)
    reflections = np.linalg.det(O) < 0
    assert 0 < reflections.sum() < reflections.size              # Haar draws: both kinds occur
    assert np.array_equal(R[~reflections], O[~reflections])
    assert np.array_equal(R[reflections][..., 0], -O[reflections][..., 0])
    assert np.array_equal(R[reflections][..., 1:], O[reflections][..., 1:])


def test_auto_init_is_rotation_for_block_and_orthogonal_for_the_others():
    assert ModelConfig("block").resolved_init() == "rotation"
    assert [ModelConfig(m).resolved_init() for m in ("full", "cdiag", "rot", "rdiag", "cp")] == ["orthogonal"] * 5
    a = make_model(ModelConfig("block", hidden=8), 3, 2, seed=0)
    b = make_model(ModelConfig("block", hidden=8, init="rotation"), 3, 2, seed=0)
    assert torch.equal(a.W, b.W)
    full = make_model(ModelConfig("full", hidden=6, init="rotation", init_scale=0.0), 3, 2, seed=0)
    assert np.allclose(np.linalg.det(full.W.detach().double().numpy()), 1.0, atol=1e-5)


def test_rotation_init_is_refused_where_it_means_nothing():
    with pytest.raises(InputError, match=r"init: 'rotation' \(transitions of determinant \+1\) is for the levels .*got rdiag"):
        make_model(ModelConfig("rdiag", hidden=4, init="rotation"), 3, 2)
