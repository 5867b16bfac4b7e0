"""Certificates must reject tampered files and wrong constructions (they must be able to fail)."""

import dataclasses
import json

import numpy as np
import pytest

from bilinear.constructions.certificate import certify_file, certify_weights
from bilinear.theory.arith.field_matrices import SparseMatrix
from bilinear.constructions.weightfile import WeightFile, load_weights, save_weights
from tests import catalogue
from tests.constructions.helpers import build_as, relabel
from bilinear.theory import MathematicalError, parse_group
from bilinear.theory.automata.automaton import random_automaton


def with_W(wf, W):
    return WeightFile(W, wf.h0, wf.readout, wf.labels, wf.alphabet, wf.level, wf.meta)


@pytest.mark.parametrize("spec, level", [("S3", "full/regular"), ("A4xZ5", "full/permutation"), ("Z5", "rot"),
                                         ("Z2^3", "rdiag"), ("Z12", "cdiag")])
def test_edited_W_is_rejected(tmp_path, spec, level):
    c = build_as(parse_group(spec), level)
    path = tmp_path / "c.npz"
    c.save(path)
    assert certify_file(path).certified
    wf = load_weights(path)
    W = wf.dense_W()
    i, j, k = np.argwhere(W != 0)[0]
    for delta in (1e-3, 1e-12):
        W2 = W.copy()
        W2[i, j, k] += delta
        save_weights(path, with_W(wf, W2))
        with pytest.raises(MathematicalError, match="edited|rounded"):
            certify_file(path)
    W3 = W.copy()
    W3[(i + 1) % W.shape[0], j, k] = 0.5          # a new non-zero entry
    save_weights(path, with_W(wf, W3))
    with pytest.raises(MathematicalError, match=r"^W: the float weights are not the rounded exact values in meta"):
        certify_file(path)


def test_edited_readout_and_h0_rejected():
    """Over Z the exact values are the rounded floats: a non-integer edit is caught as an edit, an
    integer edit is a different construction, judged (and here rejected) by the certificate itself."""
    wf = build_as(parse_group("S4"), "full/permutation").to_weight_file()

    def with_R(R):
        return WeightFile(None, wf.h0, R, wf.labels, wf.alphabet, wf.level, wf.meta, wf.W_sparse)
    R = wf.readout.copy()
    R[0, 0] += 0.25
    with pytest.raises(MathematicalError, match="readout"):
        certify_weights(with_R(R))
    R[0, 0] += 0.75
    with pytest.raises(MathematicalError, match="decoding fails"):
        certify_weights(with_R(R))
    h0 = wf.h0.copy()
    h0[0] = 1.5
    with pytest.raises(MathematicalError, match="h0"):
        certify_weights(WeightFile(None, h0, wf.readout, wf.labels, wf.alphabet, wf.level, wf.meta, wf.W_sparse))


def test_wrong_construction_fails_one_step_check():
    """A consistent file (floats = exact values) whose matrices do not track the group."""
    c = build_as(parse_group("S3"), "full/regular")
    A0, A1 = c.transitions
    wrong = dataclasses.replace(c, transitions=(A0, A0))   # second generator acts like the first
    with pytest.raises(MathematicalError, match="one-step check fails"):
        certify_weights(wrong.to_weight_file())


def test_non_injective_or_bad_readout_fails():
    c = build_as(parse_group("Z4"), "full/permutation")
    R = c.readout
    bad = SparseMatrix(R.field, R.shape, R.rows, R.cols, np.zeros_like(R.num) + 1)   # all-ones rows: ties
    with pytest.raises(MathematicalError, match="decoding fails"):
        certify_weights(dataclasses.replace(c, readout=bad).to_weight_file())


def test_wrong_level_structure_rejected():
    c = build_as(parse_group("S3"), "full/permutation")
    for level in ("rdiag", "cdiag", "rot"):
        with pytest.raises(MathematicalError, match=f"level {level}"):
            certify_weights(relabel(c.to_weight_file(), level))
    c2 = build_as(parse_group("Z5"), "cdiag")
    with pytest.raises(MathematicalError, match="not a permutation matrix"):
        certify_weights(relabel(c2.to_weight_file(), "full", "regular"))


def test_cp_factors_checked():
    c = build_as(catalogue.parity_dfa(), "cp")
    wf = c.to_weight_file()
    meta = json.loads(json.dumps(wf.meta))
    meta["info"]["cp"]["V"]["num"][0] = [2]
    with pytest.raises(MathematicalError, match="level cp"):
        certify_weights(WeightFile(None, wf.h0, wf.readout, wf.labels, wf.alphabet, wf.level, meta, wf.W_sparse))


def test_wrong_source_alphabet_rejected():
    wf = build_as(parse_group("S3"), "full/regular").to_weight_file()
    meta = json.loads(json.dumps(wf.meta))
    meta["source"]["alphabet"] = meta["source"]["alphabet"][::-1]
    with pytest.raises(MathematicalError, match=r"^alphabet: the file's alphabet .* is not the source's"):
        certify_weights(WeightFile(None, wf.h0, wf.readout, wf.labels, wf.alphabet, wf.level, meta, wf.W_sparse))


def test_sparse_file_form(tmp_path):
    c = build_as(random_automaton(300, 4, 3), "full")
    path = tmp_path / "big.npz"
    wf = c.to_weight_file()
    save_weights(path, wf, dense_limit=1000)
    with np.load(path) as data:
        assert "W" not in data.files and "W_index" in data.files
    cert = certify_file(path)
    assert cert.hidden_size == c.hidden_size and cert.method == "exact-integer"


def test_numeric_certificate_accepts_and_rejects():
    """A numeric file (no exact meta): rotation by 2π/7 in floats."""
    c = build_as(parse_group("Z7"), "rot")
    wf = c.to_weight_file()
    meta = dict(wf.meta, exact=None)
    num = WeightFile(wf.dense_W(), wf.h0, wf.readout, wf.labels, wf.alphabet, wf.level, meta)
    cert = certify_weights(num)
    assert not cert.exact and cert.method == "numeric" and cert.guaranteed_length >= 10 ** 6
    assert cert.residual < 1e-14
    W = wf.dense_W() * 1.0001                      # a slightly expanding map: residual and L grow
    with pytest.raises(MathematicalError, match="with a\\^2\\+b\\^2=1"):   # not a rotation any more
        certify_weights(WeightFile(W, wf.h0, wf.readout, wf.labels, wf.alphabet, wf.level, meta))
    meta = dict(meta, level="cdiag")               # as a complex-diagonal map the structure holds ...
    with pytest.raises(MathematicalError, match="numeric certificate fails"):   # ... but the error grows
        certify_weights(WeightFile(W, wf.h0, wf.readout, wf.labels, wf.alphabet, "cdiag", meta))


def _orbit_both_ways(c):
    from bilinear.constructions.certificate import _exact_parts, reference_machine
    from bilinear.theory.automata.one_step import exact_orbit
    wf = c.to_weight_file()
    F, mats, h0, _ = _exact_parts(wf)
    ref = reference_machine(wf)
    return [exact_orbit(F, mats, h0, ref, one_hot_path=flag) for flag in (True, False)]


@pytest.mark.parametrize("source", ["S3", "Q8", "A4xZ5", "automata"])
def test_one_hot_orbit_agrees_with_general_arithmetic(source):
    """The index-only orbit (unit-vector states) and the exact column arithmetic: same reachable
    states in the same order, same hidden states."""
    builds = ([build_as(a, "full") for a in catalogue.automata()] + [build_as(random_automaton(200, 5, 1), "full")]
              if source == "automata" else [build_as(parse_group(source), "full/regular", alphabet="all")])
    for c in builds:
        (o1, s1), (o2, s2) = _orbit_both_ways(c)
        assert o1 == o2
        assert np.array_equal(s1.num.astype(object), s2.num.astype(object))
        assert np.array_equal(np.asarray(s1.den, dtype=object), np.asarray(s2.den, dtype=object))


def test_one_hot_orbit_rejects_what_the_general_path_rejects():
    c = build_as(parse_group("S3"), "full/regular")
    A0, _ = c.transitions
    wrong = dataclasses.replace(c, transitions=(A0, A0))
    from bilinear.constructions.certificate import _exact_parts, reference_machine
    from bilinear.theory.automata.one_step import exact_orbit
    wf = wrong.to_weight_file()
    F, mats, h0, _ = _exact_parts(wf)
    messages = []
    for flag in (True, False):
        with pytest.raises(MathematicalError, match="one-step check fails") as err:
            exact_orbit(F, mats, h0, reference_machine(wf), one_hot_path=flag)
        messages.append(str(err.value))
    assert messages[0] == messages[1]
