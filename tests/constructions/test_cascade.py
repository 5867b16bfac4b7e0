"""Cascade constructions (constructions/cascade.py), their file (constructions/cascade_file.py), the
certificate, the float simulation and the command line."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from bilinear import main
from bilinear.constructions.cascade import cascade_construction
from bilinear.constructions.cascade_file import (FORMAT, certify_cascade, certify_cascade_file, load_cascade,
                                                 save_cascade)
from bilinear.constructions.construction import GroupTarget
from bilinear.constructions.source import read_source
from bilinear.theory.errors import InputError, MathematicalError, NotRealizableError
from bilinear.theory.groups.parser import parse_group
from bilinear.theory.hierarchy.analysis import level_reports
from bilinear.theory.hierarchy.depth import least_length_by_search

CASES = [(g, lv) for g in ("S3", "D4", "Q8", "A4", "S4", "SL(2,3)") for lv in ("cdiag", "rot")] + \
        [(g, "rdiag") for g in ("D4", "Q8", "D4xZ2", "Z2xQ8")]


def _save(tmp_path, spec, level, name="c.npz"):
    path = tmp_path / name
    save_cascade(path, cascade_construction(GroupTarget.resolve(parse_group(spec)), level))
    return path


@pytest.mark.parametrize("spec,level", CASES)
def test_cascade_certifies_with_the_least_depth_and_least_hidden_sizes(tmp_path, spec, level):
    G = parse_group(spec)
    cert = certify_cascade_file(_save(tmp_path, spec, level))
    verbal = {"cdiag": "commutator", "rot": "commutator", "rdiag": "square"}[level]
    assert cert.layers == least_length_by_search(G, verbal)        # the lattice search, a second method
    assert cert.product_states == G.order and cert.num_labels == G.order
    cf = load_cascade(tmp_path / "c.npz")
    for wf, size in zip(cf.layers, cert.hidden_sizes):
        Q = read_source(wf.meta["source"]).group
        assert Q is not None
        row = next(r for r in level_reports(Q) if r.level == level)
        assert row.tracks and size == row.hidden       # each layer at the level's smallest size for its factor


@pytest.mark.parametrize("spec,level", [("S4", "cdiag"), ("Q8", "rdiag"), ("SL(2,3)", "rot")])
def test_simulation_tracks_random_words(tmp_path, spec, level):
    import torch
    from bilinear.verify.experiments.cascade import simulate_cascade
    path = _save(tmp_path, spec, level)
    for dtype in (torch.float64, torch.float32):
        acc = simulate_cascade(str(path), n=4, length=300, seed=1, dtype=dtype)
        assert acc["per_token"] == 1.0 and acc["final"] == 1.0


@pytest.mark.slow
@pytest.mark.parametrize("spec,level", CASES)
def test_simulation_tracks_words_of_length_10000(tmp_path, spec, level):
    import torch
    from bilinear.verify.experiments.cascade import simulate_cascade
    acc = simulate_cascade(str(_save(tmp_path, spec, level)), n=16, length=10_000, seed=2, dtype=torch.float32)
    assert acc["per_token"] == 1.0 and acc["final"] == 1.0


def test_a_wrong_cascade_is_simulated_wrong(tmp_path):
    # the simulation can fail: swap two rows of the output table
    import torch
    from bilinear.verify.experiments.cascade import simulate_cascade
    cf = load_cascade(_save(tmp_path, "S3", "cdiag"))
    cf.output[...] = np.roll(cf.output, 1, axis=0)
    assert simulate_cascade(cf, n=4, length=50, dtype=torch.float64)["per_token"] < 1.0


def _rewrite(path, member, edit):
    """Rewrite one member of the .npz at ``path`` with ``edit(array)``."""
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays[member] = edit(arrays[member])
    np.savez(path, **arrays)


@pytest.mark.parametrize("member,edit,message", [
    ("layer2_W", lambda a: a * 1.0000001, "layer 2: W: the float weights are not the rounded exact values"),
    ("layer1_inputs", lambda a: a[::-1].copy(), "layer1_decoder: the MLP decides 1 at"),
    ("output", lambda a: np.roll(a, 1), "output_decoder: the MLP decides"),
    ("layer2_decoder_w2", lambda a: a[::-1].copy(), "layer2_decoder: the MLP decides"),
    ("layer2_decoder_b2", lambda a: a + 2 * np.arange(len(a)), "layer2_decoder: the MLP decides"),
    ("output_decoder_w2", lambda a: np.vstack([a[:1] + a[1:2], a[1:]]), "output_decoder: the MLP has no unique largest"),
])
def test_a_tampered_file_is_refused(tmp_path, member, edit, message):
    path = _save(tmp_path, "S3", "cdiag")
    _rewrite(path, member, edit)
    with pytest.raises(MathematicalError, match=message):
        certify_cascade_file(path)
    assert main(["certify", str(path)]) == 1


def _as_version_1(path):
    """Rewrite the file at ``path`` as a version 1 file: the MLP decoders dropped."""
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files if "decoder_" not in k}
    arrays["meta"] = np.array(json.dumps({**json.loads(str(arrays["meta"])), "format_version": 1}))
    np.savez(path, **arrays)


def test_version_1_files_are_read_and_certified_from_their_tables(tmp_path):
    path = _save(tmp_path, "S4", "cdiag")
    assert certify_cascade_file(path).decoders == "mlp"
    _as_version_1(path)
    cf = load_cascade(path)
    assert cf.decoders == () and cf.version == 1
    assert certify_cascade_file(path).decoders == "tables"
    _rewrite(path, "output", lambda a: np.roll(a, 1))                     # tables alone are still checked
    with pytest.raises(MathematicalError, match="the cascade outputs"):
        certify_cascade_file(path)
    path = _save(tmp_path, "S3", "cdiag", "d.npz")
    _rewrite(path, "meta", lambda a: np.array(json.dumps({**json.loads(str(a)), "format_version": 1})))
    with pytest.raises(InputError, match="layer 1: decoder_w1: unknown array"):        # version 1 has no MLPs
        load_cascade(path)
    path = _save(tmp_path, "S3", "cdiag", "e.npz")
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files if k != "output_decoder_b2"}
    np.savez(path, **arrays)
    with pytest.raises(InputError, match="output_decoder_b2: missing"):
        load_cascade(path)


def test_a_table_and_its_mlp_edited_alike_still_fail_the_group_check(tmp_path):
    """The MLP decides what the (edited) table holds, so only the search over (element, states) can
    refuse it: an output table and output MLP rolled together."""
    from bilinear.constructions.cascade_file import CascadeFile, cascade_file
    from bilinear.constructions.lookup_mlp import lookup_mlp
    cf = cascade_file(cascade_construction(GroupTarget.resolve(parse_group("A4")), "rot"))
    rolled = np.roll(cf.output, 1, axis=1)
    bad = CascadeFile(cf.level, cf.labels, cf.alphabet, cf.layers, cf.inputs, rolled, cf.meta,
                      cf.decoders[:-1] + (lookup_mlp(rolled, len(cf.labels)),))
    with pytest.raises(MathematicalError, match="the cascade outputs"):
        certify_cascade(bad)


def test_a_cascade_missing_a_layer_is_refused(tmp_path):
    # a broken builder: the last layer of S4's cascade dropped, the output read from the layers left
    c = cascade_construction(GroupTarget.resolve(parse_group("S4")), "cdiag")
    from bilinear.constructions.cascade import Cascade
    short = Cascade(c.level, c.target, c.layers[:2], c.output[:, :, 0].copy(), c.series)
    from bilinear.constructions.cascade_file import cascade_file
    with pytest.raises(MathematicalError, match="the cascade outputs"):
        certify_cascade(cascade_file(short))


def test_reader_refuses_malformed_files(tmp_path):
    path = _save(tmp_path, "S3", "cdiag")
    _rewrite(path, "meta", lambda a: np.array(json.dumps({**json.loads(str(a)), "format_version": 3})))
    with pytest.raises(InputError, match="meta.format_version: expected one of 1, 2"):
        load_cascade(path)
    path = _save(tmp_path, "S3", "cdiag", "d.npz")
    _rewrite(path, "layer2_inputs", lambda a: a.astype(np.float64))
    with pytest.raises(InputError, match="layer2_inputs: expected an int64 table"):
        load_cascade(path)
    path = _save(tmp_path, "S3", "cdiag", "f.npz")
    _rewrite(path, "layer1_decoder_w1", lambda a: a[:, :1].copy())
    with pytest.raises(InputError, match="layer1_decoder: w1: expected shape"):
        load_cascade(path)
    path = _save(tmp_path, "S3", "cdiag", "e.npz")
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    np.savez(path, extra=np.zeros(1), **arrays)
    with pytest.raises(InputError, match="extra: unknown array"):
        load_cascade(path)
    assert main(["certify", str(path)]) == 2


def test_file_declares_its_format(tmp_path):
    path = _save(tmp_path, "A4", "rot")
    with zipfile.ZipFile(path) as z:
        assert {"format.npy", "output.npy", "layer1_inputs.npy", "layer2_W.npy"} <= set(z.namelist())
    cf = load_cascade(path)
    assert cf.meta["format"] == FORMAT and cf.meta["format_version"] == 2 and cf.meta["layers"] == 2
    assert len(cf.decoders) == 3 and [d.blocks for d in cf.decoders] == [(2,), (2, 3), (3, 4)]


@pytest.mark.parametrize("spec,level", [("A5", "cdiag"), ("A5", "rot"), ("S3", "rdiag"), ("S3", "pdiag")])
def test_groups_of_infinite_depth_are_refused(spec, level):
    with pytest.raises(NotRealizableError, match="no cascade of any depth tracks it"):
        cascade_construction(GroupTarget.resolve(parse_group(spec)), level)


def test_cli_construct_certify_simulate(tmp_path, capsys):
    out = tmp_path / "s4.npz"
    assert main(["construct", "S4", "--level", "cdiag", "--layers", "auto", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["layers"] == 3 and summary["series"]["orders"] == [24, 12, 4, 1]
    assert main(["certify", str(out), "--json"]) == 0
    cert = json.loads(capsys.readouterr().out)
    assert cert["certified"] and cert["product_states"] == 24 and len(cert["layer_certificates"]) == 3
    assert main(["simulate", str(out), "--n", "2", "--length", "200", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["accuracy"]["per_token"] == 1.0
    assert main(["construct", "S4", "--level", "cdiag", "--layers", "2", "--out", str(out)]) == 1
    assert "cannot track" in capsys.readouterr().err
    assert main(["construct", "A5", "--level", "cdiag", "--layers", "auto", "--out", str(out)]) == 1
    assert "cannot track: A5" in capsys.readouterr().err
    assert main(["construct", "S4", "--level", "full", "--layers", "auto", "--out", str(out)]) == 2


def test_the_decoders_are_checked_against_the_resource_limits(tmp_path):
    from bilinear.constructions.lookup_mlp import lookup_mlp
    from bilinear.theory.errors import ResourceLimitError
    from bilinear.theory.resources import memory_limit
    table = np.zeros((10, 10, 10), dtype=np.int64)
    with memory_limit(8 * 1000 * 30):                     # below 1000 units x (30 inputs + 1 output + 1)
        with pytest.raises(ResourceLimitError, match=r"the exact MLP of a lookup table of shape \(10, 10, 10\)"):
            lookup_mlp(table, 1)
    assert lookup_mlp(table, 1).width == 1000
    cf = load_cascade(_save(tmp_path, "S4", "cdiag"))
    # 24 pairs x (2 tokens x (2*2 + 4*5 + 12*6) + 24*27) integer operations: hidden units x (blocks + outputs)
    assert [(m.width, len(m.blocks), m.num_outputs) for m in cf.decoders] == [(2, 1, 1), (4, 2, 3), (12, 3, 3),
                                                                                (24, 3, 24)]
    with memory_limit(max_work=24 * (2 * 96 + 648) - 1):
        with pytest.raises(ResourceLimitError, match="the MLP decoders' check"):
            certify_cascade(cf)
    with memory_limit(max_work=24 * (2 * 96 + 648)):
        assert certify_cascade(cf).decoders == "mlp"


def test_lookup_mlp_refuses_a_cell_outside_its_blocks():
    from bilinear.constructions.lookup_mlp import lookup_mlp
    mlp = lookup_mlp(np.array([[0, 1], [1, 0]]), 2)
    with pytest.raises(InputError, match=r"cell: expected one index per block of sizes \[2, 2\], got \(0, 2\)"):
        mlp.outputs((0, 2))
