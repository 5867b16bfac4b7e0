"""Representation recovery (docs/design.md §10) on constructions with known answers.

Expected values come from independent sources: the regular representation's real decomposition
(each real irreducible ψ appears dim ψ / dim End ψ times), the smallest faithful set of
bilinear.theory.hierarchy.placement for the minimal constructions, and explicitly assembled direct sums.
"""

import glob

import numpy as np
import pytest
import torch

from bilinear.constructions.build import build
from bilinear.theory.groups.parser import parse_group
from bilinear.theory.hierarchy.placement import hierarchy_level
from bilinear.theory.representations.real_irreps import real_irreducibles
from bilinear.theory.representations.matrices import real_irrep_matrices
from bilinear.verify.recover import LearnedModel, RecoverySettings, load_learned, recover, recover_one
from bilinear.verify.recover.automaton import flipflop_machine, modarith_machine
from bilinear.verify.recover.snap import snapped_matrices, snapped_weight_file
from bilinear.verify.recover.snap_file import certify_verdict

END = {"real": 1, "complex": 2, "quaternionic": 4}
FAST = RecoverySettings(words=64, length=12, seed=0, device="cpu")


def conjugated(G, level, seed=0, alphabet="all"):
    """The construction of ``G`` at ``level`` in a random basis, each symbol scaled by its own factor."""
    lv, _, method = level.partition("/")
    c = build(G, lv, alphabet=alphabet, method=method or None)
    wf = c.to_weight_file()
    A = np.transpose(wf.dense_W(), (2, 0, 1))
    H = A.shape[1]
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((H, H)) + 2 * np.eye(H)
    Minv = np.linalg.inv(M)
    A2 = np.array([rng.uniform(0.5, 2.0) * (M @ a @ Minv) for a in A])
    alph = tuple(G.element(a) for a in wf.alphabet)
    return LearnedModel(f"{G.name}-{level}", A2, M @ wf.h0, "foreign", group=G, alphabet=alph)


def multiplicities(r, G):
    out = np.zeros(len(real_irreducibles(G)), dtype=int)
    for c in r["constituents"]:
        out[c["real_irreducible"]] = c["multiplicity"]
    return out


@pytest.mark.parametrize("spec", ["S3", "Q8", "A4", "D4"])
def test_regular_construction_conjugated(spec):
    G = parse_group(spec)
    r = recover_one(conjugated(G, "full/regular"), FAST)
    expected = [ir.real_dim // END[ir.type] for ir in real_irreducibles(G)]
    assert r["is_representation"] and r["dimension"] == G.order
    assert list(multiplicities(r, G)) == expected
    assert r["multiplicity_error"] < 1e-8 and r["intertwiner"]["residual"] < 1e-8
    assert r["faithful"] and not r["minimal"]


@pytest.mark.parametrize("spec,level", [("S3", "full"), ("Q8", "full"), ("D4", "full"), ("A4", "block"),
                                        ("A5", "full")])
def test_minimal_construction_conjugated(spec, level):
    G = parse_group(spec)
    r = recover_one(conjugated(G, level, seed=3, alphabet="generators"), FAST)
    L = hierarchy_level(G)
    m = multiplicities(r, G)
    assert r["is_representation"] and r["dimension"] == L.min_faithful_dim_real
    assert sorted(np.flatnonzero(m)) == sorted(L.min_faithful_real_irreps) and set(m[m > 0]) == {1}
    assert r["faithful"] and r["minimal"] and r["intertwiner"]["residual"] < 1e-8
    assert r["residual_pairs"].startswith("elements x")


def _direct_sum(G, blocks):
    """Element-wise block-diagonal sum, by torch.block_diag (independent of the code under test)."""
    return np.stack([torch.block_diag(*[torch.tensor(b[g]) for b in blocks]).numpy() for g in range(G.order)])


def test_direct_sum_with_redundant_irreducible():
    G = parse_group("S3")
    two, sign = real_irrep_matrices(G, 2).matrices, real_irrep_matrices(G, 1).matrices
    rho = _direct_sum(G, [two, sign, two])
    A = np.transpose(rho, (0, 2, 1))                  # states move by rho(g)^T
    rng = np.random.default_rng(5)
    M = rng.standard_normal((5, 5)) + 2 * np.eye(5)
    A = np.linalg.inv(M).T[None] @ A @ M.T[None]
    h0 = np.linalg.inv(M).T @ rng.standard_normal(5)
    r = recover_one(LearnedModel("sum", A, h0, "foreign", group=G, alphabet=tuple(range(6))), FAST)
    m = multiplicities(r, G)
    assert r["is_representation"] and r["dimension"] == 5 and list(m) == [0, 1, 2]
    assert r["faithful"] and not r["minimal"] and r["intertwiner"]["residual"] < 1e-8


def test_unreached_invariant_complement():
    G = parse_group("S3")
    two = real_irrep_matrices(G, 2).matrices
    rng = np.random.default_rng(1)
    H = 6
    A = np.zeros((6, H, H))
    A[:, :2, :2] = np.transpose(two, (0, 2, 1))
    A[:, 2:, 2:] = rng.standard_normal((6, 4, 4))     # invariant complement, never reached from h0
    h0 = np.array([1.0, 0.3, 0, 0, 0, 0])
    r = recover_one(LearnedModel("complement", A, h0, "foreign", group=G, alphabet=tuple(range(6))), FAST)
    assert r["dimension"] == 2 < H and r["is_representation"] and r["minimal"]


def test_random_matrices_are_not_a_representation():
    G = parse_group("S3")
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 4, 4))
    r = recover_one(LearnedModel("random", A, rng.standard_normal(4), "foreign", group=G,
                                 alphabet=tuple(range(6))), FAST)
    assert not r["is_representation"] and not r["faithful"] and r["intertwiner"]["residual"] is None


def test_d4_matrices_declared_as_q8():
    D4, Q8 = parse_group("D4"), parse_group("Q8")
    c = build(D4, "full", method="regular", alphabet="all").to_weight_file()
    A = np.transpose(c.dense_W(), (2, 0, 1))
    r = recover_one(LearnedModel("d4-as-q8", A, c.h0, "foreign", group=Q8, alphabet=tuple(range(8))), FAST)
    assert not r["is_representation"] and r["homomorphism_residual"] > 0.5
    # the same matrices as D4 are the regular representation
    ok = recover_one(LearnedModel("d4", A, c.h0, "foreign", group=D4,
                                  alphabet=tuple(D4.element(a) for a in c.alphabet)), FAST)
    assert ok["is_representation"] and ok["dimension"] == 8


@pytest.mark.parametrize("m", [5, 7, 10])
def test_angles_of_rotation_construction(m):
    G = parse_group(f"Z{m}")
    c = build(G, "rot", alphabet="all").to_weight_file()
    A = np.transpose(c.dense_W(), (2, 0, 1))
    r = recover_one(LearnedModel("rot", A, c.h0, "foreign", group=G, alphabet=tuple(range(m))), FAST)
    # independent expectation: the rotation of the generator's matrix, read from its entries
    gen = A[1]
    theta = np.arctan2(gen[1, 0], gen[0, 0])         # states turn by theta; rho = A^T turns by -theta
    k = round(theta * m / (2 * np.pi))
    assert sorted(a["k"] for a in r["angles"]) == sorted([k, -k])
    assert max(a["error"] for a in r["angles"]) < 1e-10 and r["generates"] and r["minimal"]


def test_angles_not_generating():
    G = parse_group("Z6")
    t = 2 * np.pi * 2 / 6                             # k = 2: the kernel is {0, 3}
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    A = np.array([np.linalg.matrix_power(R, j) for j in range(6)])
    r = recover_one(LearnedModel("z6", A, np.array([1.0, 0]), "foreign", group=G, alphabet=tuple(range(6))), FAST)
    assert r["is_representation"] and not r["generates"] and not r["faithful"]
    assert sorted(abs(a["k"]) for a in r["angles"]) == [2, 2]


def test_batched_equals_one_by_one():
    G = parse_group("S3")
    models = [conjugated(G, "full/regular", seed=s) for s in (0, 1, 2)] + [conjugated(parse_group("Q8"), "full")]
    batch = recover(models, FAST)
    for m, b in zip(models, batch):
        one = recover_one(m, FAST)
        for key in ("dimension", "is_representation", "faithful", "minimal", "classes"):
            assert one[key] == b[key]
        for key in ("homomorphism_residual", "projective_spread", "multiplicity_error"):
            assert one[key] == pytest.approx(b[key], abs=1e-12)
        assert np.allclose(one["character"], b["character"], atol=1e-10)
        assert np.allclose(one["singular_values"], b["singular_values"], atol=1e-10)


def test_snap_is_certified_and_orthogonal():
    G = parse_group("S3")
    m = conjugated(G, "full", seed=2, alphabet="generators")
    r, ext = recover_one(m, FAST, details=True)
    rho_o, W = snapped_matrices(ext["tw"].T, ext["tw"].reference)
    assert np.allclose(np.einsum("gji,gjk->gik", rho_o, rho_o), np.eye(2), atol=1e-10)
    wf = snapped_weight_file(m, ext["sub"], rho_o, W)
    assert certify_verdict(wf) == (True, None)


def test_automaton_clustering():
    F = flipflop_machine(3)
    c = build(F, "full").to_weight_file()
    A = np.transpose(c.dense_W(), (2, 0, 1))
    rng = np.random.default_rng(0)
    M = rng.standard_normal((A.shape[1],) * 2) + 2 * np.eye(A.shape[1])
    A2 = M[None] @ A @ np.linalg.inv(M)[None]
    m = LearnedModel("ff", A2, M @ c.h0, "foreign", automaton=F)
    r = recover_one(m, FAST)
    assert r["isomorphic"] and r["clusters"] == 3 and r["mismatches"] == 0
    # a model that forgets: every symbol maps to one state
    bad = LearnedModel("const", np.repeat(A[:1], 4, axis=0), c.h0, "foreign", automaton=F)
    rb = recover_one(bad, FAST)
    assert not rb["isomorphic"] and rb["mismatches"] > 0


def test_modarith_machine_matches_the_task():
    from bilinear.verify.tasks import make_task
    task = make_task("modarith", m=3)
    b = task.sample(50, 9, 1)
    M = modarith_machine(3)
    out = np.array(M.outputs)[M.run(b.tokens)]
    digits = b.labels >= 0
    assert np.array_equal(out[digits], b.labels[digits].astype(str)) and np.all(out[~digits] == "-")


def test_tiny_trained_model(tmp_path):
    from bilinear.verify.models.registry import ModelConfig
    from bilinear.verify.experiments.train import RunSpec, TrainConfig, train_model
    torch.set_num_threads(1)
    spec = RunSpec("modadd", {"m": 3}, ModelConfig("rot", hidden=2), seed=0)
    train_model(spec, TrainConfig(steps=200, batch_size=16, val_every=100, val_n=16), 3e-2,
                checkpoint_dir=str(tmp_path), progress=None)
    m = load_learned(glob.glob(str(tmp_path / "*.pt"))[0])
    assert m.group.name == "Z3" and m.alphabet == (0, 1, 2) and m.kind == "checkpoint"
    r = recover_one(m, FAST)
    assert r["is_representation"] and r["dimension"] == 2 and r["generates"]
    assert sorted(a["k"] for a in r["angles"]) == [-1, 1] and max(a["error"] for a in r["angles"]) < 0.05


def test_dimension_follows_the_stated_tolerance():
    """A representation whose states have tiny (1e-3) components in one invariant summand: at the
    default rank tolerance 0.1 the states lie within tolerance of the other, 3-dimensional,
    summand and V is that; at rank tolerance 1e-5 V is all of it."""
    G = parse_group("S3")
    two = real_irrep_matrices(G, 2).matrices
    rho = _direct_sum(G, [two, two, real_irrep_matrices(G, 1).matrices])
    scale = np.diag([1, 1, 1e-3, 1e-3, 1])           # the second copy nearly invisible in the states
    A = scale[None] @ np.transpose(rho, (0, 2, 1)) @ np.linalg.inv(scale)[None]
    h0 = scale @ np.array([1.0, 0.2, 0.7, -0.4, 0.5])
    m = LearnedModel("scaled", A, h0, "foreign", group=G, alphabet=tuple(range(6)))
    r = recover_one(m, FAST)
    assert r["dimension"] == 3 and r["is_representation"] and list(multiplicities(r, G)) == [0, 1, 1]
    fine = RecoverySettings(words=64, length=12, seed=0, device="cpu", rank_tol=1e-5)
    r = recover_one(m, fine)
    assert r["dimension"] == 5 and r["is_representation"] and list(multiplicities(r, G)) == [0, 1, 2]
