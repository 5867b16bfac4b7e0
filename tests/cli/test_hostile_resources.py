"""Hostile sizes: every entry point refuses, before the work, what would not fit the memory or work
limits (docs/design.md §11).  Each CLI case asserts exit 2, one stderr line naming the option that
raises the limit, and that nothing on disk changed; the limits are lowered (``--max-memory 1K``)
so that a refusal is triggered cheaply instead of by a real large allocation.  The estimators are
checked against the sizes they predict (an estimate must be at least the bytes actually allocated)."""

from __future__ import annotations

import json
import os
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from bilinear import main
from bilinear.theory.errors import InputError, ResourceLimitError
from bilinear.theory.resources import (DEFAULT_MAX_MEMORY, check_memory, check_work, current_memory_limit,
                                       format_bytes, memory_limit, parse_memory)


def snapshot(folder) -> dict:
    """Every file under ``folder`` with its size and modification time (to see that nothing changed)."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            st_ = os.lstat(path)
            out[os.path.relpath(path, folder)] = (st_.st_size, st_.st_mtime_ns)
    return out


def refused(capsys, folder, argv, option: str) -> str:
    """Run ``bilinear argv`` in ``folder``: exit 2, one line naming ``option``, nothing on disk changed."""
    before = snapshot(folder)
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"bilinear {argv[0]}: error: ") and option in err, err
    assert snapshot(folder) == before
    return err


# ------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def z5(tmp_path_factory):
    """A small exact weight file (regular representation of Z5)."""
    path = tmp_path_factory.mktemp("z5") / "z5.npz"
    assert main(["construct", "Z5", "--level", "full", "--method", "regular", "--out", str(path)]) == 0
    return path


def sparse_file(folder, z5, H: int, monomial: bool = True):
    """A small sparse weight file declaring hidden size ``H`` (its dense W would be 8 H^2 bytes)."""
    d = dict(np.load(z5))
    i = np.arange(H)
    rows = [np.stack([i, (i + 1) % H, 0 * i], 1)]
    if not monomial:
        rows.append(np.stack([i, (i + 2) % H, 0 * i], 1))
    idx = np.concatenate(rows).astype(np.int64)
    readout = np.zeros((5, H))
    readout[np.arange(5), np.arange(5)] = 1
    path = os.path.join(folder, f"sparse{H}.npz")
    np.savez(path, W_index=idx, W_value=np.ones(len(idx)), W_shape=np.array([H, H, 1], dtype=np.int64),
             h0=np.eye(1, H)[0], readout=readout, labels=d["labels"], alphabet=d["alphabet"], level=d["level"],
             meta=d["meta"])
    return path


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    import glob
    import torch
    from bilinear.verify.experiments.train import RunSpec, TrainConfig, train_model
    from bilinear.verify.models.registry import ModelConfig
    torch.set_num_threads(1)
    d = tmp_path_factory.mktemp("ckpt")
    spec = RunSpec("modadd", {"m": 3}, ModelConfig("full", hidden=3), seed=0)
    train_model(spec, TrainConfig(steps=4, batch_size=8, val_every=2, val_n=8, warmup=1), 1e-2,
                checkpoint_dir=str(d), progress=None)
    return glob.glob(str(d / "*.pt"))[0]


def with_hidden(checkpoint, folder, hidden: int) -> str:
    import torch
    state = torch.load(checkpoint, weights_only=True)
    identity = json.loads(state["identity"])
    identity["model"]["hidden"] = hidden
    state["identity"] = json.dumps(identity)
    path = os.path.join(folder, f"h{hidden}.pt")
    torch.save(state, path)
    return path


# ------------------------------------------------------------------------------------ item 1: groups
@pytest.mark.parametrize("group", ["D200", "Q8xZ2^3", "S3xZ50", "A5"])
def test_analyze_refuses_a_character_table_above_the_memory_limit(group, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, tmp_path, ["analyze", group, "--max-memory", "1K"], "--max-memory")
    assert f"the character table of {group}" in err


@pytest.mark.slow
def test_analyze_refuses_d50000_by_the_estimate(tmp_path, capsys, monkeypatch):
    """The group of the report: order 100000 (inside --max-order), 25003 classes: its table needs
    about 11.6 GiB and is refused before it is built; with the limit raised enough it is not."""
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, tmp_path, ["analyze", "D50000"], "--max-memory")
    assert "25003 conjugacy classes" in err and "GiB" in err


def test_the_raised_limit_lets_the_same_group_through(tmp_path, capsys):
    refused(capsys, tmp_path, ["analyze", "D20", "--max-memory", "1K"], "--max-memory")
    assert main(["analyze", "D20", "--max-memory", "1G"]) == 0
    assert "group D20" in capsys.readouterr().out


def test_analyze_bounds_the_exponential_faithful_set_search(tmp_path, capsys, monkeypatch):
    """Q8 x Z2^n has ever more normal subgroups: the search's work is counted as it goes."""
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, tmp_path, ["analyze", "Q8xZ2^5", "--max-work", "1e6"], "--max-work")
    assert "the faithful-set search of Q8xZ2^5" in err


# ------------------------------------------------------------------------------------ item 2: files
def test_certify_refuses_a_checkpoint_declaring_a_huge_hidden_size(checkpoint, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = with_hidden(checkpoint, tmp_path, 10 ** 8)
    for command in ("certify", "simulate", "recover", "export"):
        extra = ["--out", tmp_path / "x.npz"] if command == "export" else []
        err = refused(capsys, tmp_path, [command, bad, *extra], "identity.model.hidden")
        assert "100000000" in err


def test_recover_and_simulate_refuse_a_sparse_file_declaring_a_dense_w_above_the_limit(z5, tmp_path, capsys,
                                                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = sparse_file(tmp_path, z5, 400, monomial=False)     # dense W: 1.2 MiB
    err = refused(capsys, tmp_path, ["recover", path, "--max-memory", "1M"], "--max-memory")
    assert "the dense W of this weight file (400 x 400 x 1 float64)" in err
    refused(capsys, tmp_path, ["simulate", path, "--max-memory", "1M", "--n", "2", "--length", "2"], "--max-memory")


def test_automaton_files_are_read_with_a_size_cap(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, tmp_path, ["construct", "--automaton", "/dev/zero", "--level", "full", "--out",
                                     tmp_path / "x.npz", "--max-memory", "16M"], "--max-memory")
    assert "more than 1 MiB of JSON" in err
    from bilinear.theory.automata.automaton import random_automaton
    small = tmp_path / "a.json"
    small.write_text(json.dumps(random_automaton(30, 2, 0).to_dict()))
    refused(capsys, tmp_path, ["task", "automaton", "--automaton", small, "--n", "1", "--length", "2",
                               "--seed", "0", "--max-memory", "1K"], "--max-memory")


def test_the_size_cap_reads_no_more_than_it_allows(tmp_path):
    """The reader stops at the cap: a file one byte over it is refused, one at it is parsed."""
    from bilinear.theory.automata.automaton import JSON_BYTES_PER_CHARACTER, Automaton, random_automaton
    text = json.dumps(random_automaton(5, 2, 0).to_dict())
    path = tmp_path / "a.json"
    path.write_text(text)
    with memory_limit(JSON_BYTES_PER_CHARACTER * len(text)):
        assert Automaton.from_json(str(path)).num_states == 5
    with memory_limit(JSON_BYTES_PER_CHARACTER * (len(text) - 1)), \
            pytest.raises(ResourceLimitError, match="of JSON, the most read under the memory limit"):
        Automaton.from_json(str(path))


# ------------------------------------------------------------------------------------ item 3: sizes
def test_train_refuses_a_model_above_the_limit_before_any_output(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, tmp_path, ["train", "--task", "parity", "--model", "full", "--hidden", "4",
                                     "--max-memory", "100", "--out", tmp_path / "run"], "--max-memory")
    assert "the model full with hidden size 4" in err
    assert not (tmp_path / "run").exists()


def test_bench_refuses_its_models_before_measuring(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(capsys, tmp_path, ["bench", "--quick", "--hidden", "8", "--max-memory", "1K",
                               "--out", tmp_path / "speed.md"], "--max-memory")


@pytest.mark.parametrize("n, length", [(100000, 100000), (1, 10 ** 8)])
def test_simulate_refuses_too_many_tokens(z5, tmp_path, capsys, monkeypatch, n, length):
    monkeypatch.chdir(tmp_path)
    refused(capsys, tmp_path, ["simulate", z5, "--n", n, "--length", length], "--max-tokens")


def test_simulate_refuses_words_above_the_memory_limit_and_reports_progress(z5, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(capsys, tmp_path, ["simulate", z5, "--n", "100", "--length", "100", "--max-memory", "100K"], "--max-memory")
    from bilinear.verify.experiments import simulate
    monkeypatch.setattr(simulate, "PROGRESS_STEPS", 4)
    assert main(["simulate", str(z5), "--n", "2", "--length", "9"]) == 0
    err = capsys.readouterr().err
    assert err.splitlines() == ["  simulate: step 4 of 9", "  simulate: step 8 of 9"]


def test_construct_refuses_a_dense_readout_above_the_limit(tmp_path, capsys, monkeypatch):
    """The weight file holds the readout dense (labels x states): a 400-state machine whose every
    state has its own output needs 1.2 MiB for it."""
    from bilinear.theory.automata.automaton import random_automaton
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "a.json"
    path.write_text(json.dumps(random_automaton(400, 3, 0).to_dict()))
    err = refused(capsys, tmp_path, ["construct", "--automaton", path, "--level", "full", "--out", tmp_path / "a.npz",
                                     "--max-memory", "1M"], "--max-memory")
    assert "the dense readout of" in err


def test_construct_refuses_an_exact_check_above_the_work_limit(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, tmp_path, ["construct", "S4", "--level", "full", "--alphabet", "all", "--out",
                                     tmp_path / "s4.npz", "--max-work", "1000"], "--max-work")
    assert "24 states x 24 symbols" in err


# ------------------------------------------------------------------------------------ the limits
def test_parse_memory():
    assert parse_memory("2G") == parse_memory("2GiB") == parse_memory("2gb") == 2 * 2 ** 30
    assert parse_memory("1.5M") == 3 * 2 ** 19 and parse_memory("123") == 123
    for bad in ("", "G", "-1", "0", "2X", "nan", "inf"):
        with pytest.raises(InputError, match="--max-memory: expected a size in bytes"):
            parse_memory(bad)


@given(st.integers(1, 2 ** 50), st.sampled_from(["", "K", "M", "G", "KiB", "mb"]))
def test_parse_memory_reads_every_size(n, unit):
    scale = {"": 1, "K": 2 ** 10, "M": 2 ** 20, "G": 2 ** 30, "KiB": 2 ** 10, "mb": 2 ** 20}[unit]
    assert parse_memory(f"{n}{unit}") == n * scale


@given(st.integers(0, 2 ** 45))
def test_format_bytes_is_within_a_rounding_of_the_size(n):
    number, unit = format_bytes(n).split()
    scale = {"bytes": 1, "KiB": 2 ** 10, "MiB": 2 ** 20, "GiB": 2 ** 30, "TiB": 2 ** 40}[unit]
    assert abs(float(number) * scale - n) <= 0.005 * n + 1


def test_the_limit_in_force():
    assert current_memory_limit() == DEFAULT_MAX_MEMORY
    with memory_limit(10):
        assert current_memory_limit() == 10 and current_memory_limit(20) == 20
        check_memory(10, "ten bytes")
        with pytest.raises(ResourceLimitError, match=r"eleven bytes needs about 11 bytes, above the memory limit "
                                                     r"10 bytes \(raise it with --max-memory or memory_limit\(\)\)"):
            check_memory(11, "eleven bytes")
    with memory_limit(max_work=5), pytest.raises(ResourceLimitError, match="--max-work"):
        check_work(6, "six operations")
    assert current_memory_limit() == DEFAULT_MAX_MEMORY


def test_the_cli_declares_the_limits_once_for_every_subcommand():
    """--max-memory everywhere work follows from sizes the user gives; --max-tokens where words are made."""
    from tests.cli.test_contract import options
    for name in ("analyze", "task", "construct", "certify", "simulate", "train", "recover", "export", "bench"):
        assert {"--max-memory", "--max-work"} <= options(name), name
    for name in ("task", "simulate"):
        assert "--max-tokens" in options(name), name


# ------------------------------------------------------------------------------------ estimators
@pytest.mark.parametrize("spec", ["D1000", "S3xZ200", "Q8xZ2^4", "A4xZ30", "S4", "D9xD6"])
def test_the_table_estimate_is_at_least_what_the_build_allocates(spec):
    """Measured: tracemalloc's peak while the (certified) table is built, on a fresh group object."""
    from bilinear.theory import parse_group
    from bilinear.theory.characters.build import character_table, table_bytes, table_entries_bound
    G = parse_group(spec)
    G.num_classes, G.element_orders, G.class_sizes            # the group's own arrays: not the table's
    tracemalloc.start()
    try:
        T = character_table(G)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert table_entries_bound(G) >= G.num_classes * sum(T.degrees)
    assert table_bytes(G) + 2 ** 20 >= peak               # 1 MiB of interpreter objects aside


@settings(max_examples=25, deadline=None)
@given(st.integers(3, 60))
def test_the_entry_bound_holds_for_dihedral_groups(n):
    from bilinear.theory import dihedral_group
    from bilinear.theory.characters.build import character_table, table_entries_bound
    G = dihedral_group(n)
    assert table_entries_bound(G) >= G.num_classes * sum(character_table(G).degrees)


def test_the_dense_w_estimate_is_its_size(z5, tmp_path):
    from bilinear.constructions.weightfile import load_weights
    wf = load_weights(sparse_file(tmp_path, z5, 50, monomial=False))
    with memory_limit(8 * 50 * 50 - 1), pytest.raises(ResourceLimitError, match=r"dense W .*50 x 50 x 1"):
        wf.dense_W()
    with memory_limit(8 * 50 * 50):
        assert wf.dense_W().nbytes == 8 * 50 * 50


def test_the_simulation_step_estimate_covers_the_gathered_transitions(z5, tmp_path):
    import torch
    from bilinear.constructions.weightfile import load_weights
    from bilinear.verify.experiments.simulate import Simulator
    sim = Simulator(load_weights(sparse_file(tmp_path, z5, 30, monomial=False)), dtype=torch.float32)
    x = torch.zeros(7, dtype=torch.long)
    assert not sim.monomial and sim.step_bytes(7) >= sim.A[x].nbytes + sim.step(sim.h0.expand(7, -1), x).nbytes


@pytest.mark.slow
def test_model_bounds_bracket_the_exact_count():
    """parameter_floor <= parameter_count <= parameter_bound for every model, counted on the meta device."""
    from bilinear.verify.models.registry import (MODEL_NAMES, ModelConfig, make_model, parameter_bound,
                                                 parameter_count, parameter_floor)
    for name in MODEL_NAMES:
        for hidden, vocab, classes in ((4, 2, 2), (8, 10, 5), (64, 3, 120)):
            cfg = ModelConfig(name, hidden=hidden)
            n = parameter_count(cfg, vocab, classes)
            assert parameter_floor(cfg, vocab, classes) <= n <= parameter_bound(cfg, vocab, classes), name
            if hidden == 8:
                assert n == sum(p.numel() for p in make_model(cfg, vocab, classes).parameters())


@pytest.mark.slow
def test_train_refuses_the_reported_hidden_size_by_the_exact_count(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, tmp_path, ["train", "--task", "parity", "--model", "full", "--hidden", "100000",
                                     "--out", tmp_path / "run"], "--max-memory")
    assert "20000300000 parameters" in err


# ------------------------------------------------------------------------------------ structural fixes
@settings(max_examples=30, deadline=None)
@given(st.integers(1, 12), st.integers(1, 4), st.integers(0, 2 ** 31), st.integers(1, 64))
def test_min_distance_by_blocks_is_the_brute_force_minimum(n, H, seed, chunk):
    from bilinear.constructions.representation import _min_distance
    x = np.random.default_rng(seed).integers(-2, 3, size=(n, H)).astype(float)
    d = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=2) + np.diag(np.full(n, np.inf))
    assert _min_distance(x, chunk_bytes=chunk) == d.min()


@pytest.mark.parametrize("spec", ["S3", "Z5", "Q8", "A4"])
def test_the_decoding_check_by_blocks_gives_the_whole_check(spec, tmp_path, monkeypatch):
    from bilinear.constructions.certificate import certify_file
    from bilinear.theory.automata import one_step
    path = tmp_path / "w.npz"
    assert main(["construct", spec, "--level", "full", "--out", str(path)]) == 0
    whole = certify_file(str(path))
    monkeypatch.setattr(one_step, "DECODING_CHUNK_BYTES", 1)        # one state at a time
    blocks = certify_file(str(path))
    assert (blocks.margin, blocks.margin_exact, blocks.num_states) == (whole.margin, whole.margin_exact,
                                                                       whole.num_states)


def test_minimize_of_many_states_merges_like_the_definition():
    """Minimisation names each class after its first state in breadth-first order (the position map
    that replaced list.index): compared with classes computed from the definition on a small machine."""
    from bilinear.theory.automata.automaton import Automaton
    delta = np.array([[1, 2], [0, 3], [3, 0], [2, 1]])
    A = Automaton(("a", "b", "c", "d"), ("x", "y"), delta, 0, ("0", "1", "1", "0"))
    M = A.minimize()
    # a ~ d and b ~ c (swap a<->d, b<->c with x<->y symmetric outputs): two classes
    words = [(), (0,), (1,), (0, 0), (0, 1), (1, 0), (1, 1), (0, 0, 0), (1, 1, 1)]

    def behaviour(q):
        out = []
        for w in words:
            s = q
            for k in w:
                s = int(delta[s, k])
            out.append(A.outputs[s])
        return tuple(out)
    assert M.num_states == len({behaviour(q) for q in range(4)})
