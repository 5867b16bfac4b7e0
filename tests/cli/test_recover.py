"""``bilinear recover``, ``bilinear export`` and checkpoints in ``certify``/``simulate``: exit codes
0 (all representations), 1 (a negative verdict), 2 (bad input, one line, nothing written)."""

import glob
import json
import os

import numpy as np
import pytest
import torch

from bilinear import main
from bilinear.constructions.build import build
from bilinear.theory.groups.parser import parse_group


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from bilinear.verify.models.registry import ModelConfig
    from bilinear.verify.experiments.train import RunSpec, TrainConfig, train_model
    torch.set_num_threads(1)
    d = tmp_path_factory.mktemp("ckpt")
    spec = RunSpec("modadd", {"m": 3}, ModelConfig("rot", hidden=2), seed=0)
    train_model(spec, TrainConfig(steps=200, batch_size=16, val_every=100, val_n=16), 3e-2,
                checkpoint_dir=str(d), progress=None)
    return glob.glob(str(d / "*.pt"))[0]


def _foreign(tmp_path, A, h0=None, name="A.npz"):
    path = tmp_path / name
    arrays = {"A": A} if h0 is None else {"A": A, "h0": h0}
    np.savez(path, **arrays)
    return path


def test_recover_weight_file_and_snap(tmp_path, capsys):
    G = parse_group("S3")
    src = tmp_path / "s3.npz"
    build(G, "full", alphabet="all").save(src)
    snap = tmp_path / "snap.npz"
    code, out, _ = run(capsys, "recover", src, "--json", "--snap", snap, "--words", 32, "--horizon-max", 200)
    r = json.loads(out)[0]
    assert code == 0 and r["is_representation"] and r["dimension"] == 2 and r["minimal"]
    for key in ("homomorphism_residual", "projective_spread", "classes", "character", "constituents",
                "multiplicity_error", "faithful", "intertwiner"):
        assert key in r
    c = r["constituents"][0]
    assert {"degree", "indicator", "real_dimension", "multiplicity", "character"} <= set(c)
    assert r["snap"]["certified"] and os.path.exists(snap)
    # the exact construction decodes every word at every step: no failure, accuracy 1 up to the bound
    assert (r["snap"]["horizon_before"], r["snap"]["horizon_after"]) == (None, None)
    assert (r["snap"]["accuracy_horizon_before"], r["snap"]["accuracy_horizon_after"]) == (200, 200)
    code, out, _ = run(capsys, "recover", src, "--snap", tmp_path / "again.npz", "--words", 32, "--horizon-max", 50)
    assert code == 0 and "accuracy >= 0.95 at every length up to 50 before, 50 after" in out
    code, out, _ = run(capsys, "certify", snap)
    assert code == 0 and out.startswith("certified (numeric")


def test_recover_foreign_exit_codes(tmp_path, capsys):
    G = parse_group("D4")
    wf = build(G, "full", method="regular", alphabet="all").to_weight_file()
    A = np.transpose(wf.dense_W(), (2, 0, 1))
    path = _foreign(tmp_path, A, wf.h0)
    alph = ";".join(wf.alphabet)
    code, _, err = run(capsys, "recover", path, "--group", "D4", "--alphabet", alph)    # D = H = 8: ambiguous
    assert code == 2 and "--layout: expected D,H,H or H,H,D" in err
    code, out, _ = run(capsys, "recover", path, "--group", "D4", "--alphabet", alph, "--layout", "D,H,H")
    assert code == 0 and "a representation" in out
    code, out, _ = run(capsys, "recover", path, "--group", "Q8", "--layout", "D,H,H")   # D4's matrices declared as Q8
    assert code == 1 and "NOT a representation" in out
    rnd = _foreign(tmp_path, np.random.default_rng(0).standard_normal((6, 3, 3)), name="rnd.pt.npz")
    code, _, _ = run(capsys, "recover", rnd, "--group", "S3", "--json")
    assert code == 1


def test_recover_pt_foreign(tmp_path, capsys):
    t = 2 * np.pi / 5
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    path = tmp_path / "rot.pt"
    torch.save({"A": torch.tensor(np.array([R]))}, path)
    code, out, _ = run(capsys, "recover", path, "--group", "Z5", "--alphabet", "1", "--json")
    r = json.loads(out)[0]
    assert code == 0 and sorted(a["k"] for a in r["angles"]) == [-1, 1] and r["generates"]


@pytest.mark.parametrize("argv,needle", [
    (["--group", "S3"], "--alphabet"),               # 5 symbols, S3 has 6 elements
    ([], "--group"),                                 # a foreign file needs the group
    (["--group", "S3", "--alphabet", "(1,2);(7,8);x;y;z"], "--alphabet"),
    (["--group", "NOPE"], "group"),
])
def test_recover_bad_input(tmp_path, capsys, argv, needle):
    path = _foreign(tmp_path, np.zeros((5, 2, 2)) + np.eye(2))
    snap = tmp_path / "out.npz"
    code, out, err = run(capsys, "recover", path, *argv, "--snap", snap)
    assert code == 2 and err.count("\n") == 1 and needle in err and not snap.exists()


def test_recover_missing_and_malformed(tmp_path, capsys):
    code, _, err = run(capsys, "recover", tmp_path / "none.npz")
    assert code == 2 and "no such file" in err
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    code, _, err = run(capsys, "recover", bad, "--group", "S3")
    assert code == 2 and err.count("\n") == 1
    code, _, err = run(capsys, "recover", _foreign(tmp_path, np.zeros((2, 3))), "--group", "Z2")
    assert code == 2 and "A:" in err


def test_checkpoint_recover_export_certify_simulate(checkpoint, tmp_path, capsys):
    code, out, _ = run(capsys, "recover", checkpoint, "--json", "--words", 32)
    r = json.loads(out)[0]
    assert code == 0 and r["group"] == "Z3" and r["kind"] == "checkpoint" and r["generates"]
    out_file = tmp_path / "exported.npz"
    code, _, _ = run(capsys, "export", checkpoint, "--out", out_file)
    assert code == 0 and out_file.exists()
    # a trained model is not exact: certify says so, with the reason, exit 1 (file or checkpoint)
    for target in (out_file, checkpoint):
        code, _, err = run(capsys, "certify", target)
        assert code == 1 and "not certified" in err and "residual" in err
    code, out, _ = run(capsys, "simulate", checkpoint, "--n", 20, "--length", 30, "--json")
    assert code == 0 and json.loads(out)["accuracy"]["n"] == 20


def test_export_refuses_bad_output(checkpoint, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, _, err = run(capsys, "export", checkpoint, "--out", blocker / "x.npz")   # a parent that is a file
    assert code == 2 and "--out" in err
    code, _, err = run(capsys, "export", checkpoint, "--out", tmp_path / "x.txt")
    assert code == 2 and "--out" in err


def test_recover_refuses_malformed_arrays_in_one_line(tmp_path, capsys):
    """An empty or truncated .npz, an object member, NaN or a string h0 ended in a traceback
    (EOFError, numpy's allow_pickle advice, ValueError) or were read."""
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    good = _foreign(tmp_path, np.eye(2)[None].repeat(2, axis=0), name="good.npz")
    half = tmp_path / "half.npz"
    half.write_bytes(good.read_bytes()[:60])
    obj = tmp_path / "obj.npz"
    np.savez(obj, A=np.array([object()], dtype=object), allow_pickle=True)
    nan = _foreign(tmp_path, np.full((2, 2, 2), np.nan), name="nan.npz")
    text = tmp_path / "text.npz"
    np.savez(text, A=np.eye(2)[None], h0=np.array(["a", "b"]))
    for path, needle in [(empty, "empty file"), (half, "not readable"), (obj, "holds Python objects"),
                         (nan, "non-finite"), (text, "h0: expected a float array")]:
        code, _, err = run(capsys, "recover", path, "--group", "Z2")
        assert code == 2 and err.count("\n") == 1 and needle in err and str(path) in err, err
        assert "allow_pickle" not in err


def test_recover_automaton_weight_file_and_foreign(tmp_path, capsys):
    from bilinear.theory.automata.automaton import Automaton
    machine = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "machine.json")
    wf_path = tmp_path / "machine.npz"
    code, _, _ = run(capsys, "construct", "--automaton", machine, "--level", "full", "--out", wf_path)
    assert code == 0
    code, out, _ = run(capsys, "recover", wf_path, "--json", "--words", 32)
    r = json.loads(out)[0]
    target = Automaton.from_json(machine).minimize()
    assert code == 0 and r["isomorphic"] and r["clusters"] == target.num_states and r["mismatches"] == 0
    from bilinear.constructions.weightfile import load_weights
    wf = load_weights(wf_path)
    A = np.transpose(wf.dense_W(), (2, 0, 1))
    foreign = _foreign(tmp_path, A, wf.h0, name="m.npz")
    code, out, _ = run(capsys, "recover", foreign, "--automaton", machine, "--words", 32)
    assert code == 0 and "isomorphic" in out and "NOT" not in out
    # a machine that forgets everything (all symbols reset to the start) is not isomorphic
    code, out, _ = run(capsys, "recover", _foreign(tmp_path, np.repeat(A[:1] * 0 + np.outer(wf.h0, wf.h0)[None],
                                                                       A.shape[0], axis=0), wf.h0, name="f.npz"),
                       "--automaton", machine, "--words", 32)
    assert code == 1 and "NOT isomorphic" in out
