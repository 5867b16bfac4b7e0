"""The angle and decomposition figures plot the recovery records' fields."""

from __future__ import annotations

import json
import math

import pytest

from bilinear.paper_figs import angles, decomposition, records
from bilinear.theory.errors import InputError

from .helpers import assert_written


def _record(group, order, model, seed, rep, dim, angles_=None, constituents=None, min_dim=2, hidden=64):
    rv = {"group": group, "order": order, "dimension": dim, "is_representation": rep,
          "min_faithful_dimension": min_dim, "constituents": constituents or []}
    if angles_ is not None:
        rv["angles"] = [{"angle": a, "k": k, "error": abs(a - 2 * math.pi * k / order), "modulus": 1.0}
                        for a, k in angles_]
    return {"run": f"word-{group}-{model}-s{seed}-h{hidden}", "training": {"model": model, "seed": seed, "hidden": hidden},
            "recovery": rv}


def _c(i, d, m):
    return {"real_irreducible": i, "real_dimension": d, "multiplicity": m, "multiplicity_float": m + 0.01}


RECS = [
    _record("Z5", 5, "rot", 0, True, 4, [(-2.51, -2), (-1.26, -1), (1.26, 1), (2.51, 2)], [_c(1, 2, 1), _c(2, 2, 1)]),
    _record("Z5", 5, "cdiag", 1, False, 6, [(-0.4, 0), (1.0, 1)], [_c(0, 1, 2), _c(1, 2, 2)]),
    _record("S3", 6, "full", 0, True, 5, None, [_c(1, 1, 1), _c(2, 2, 2)]),
    _record("Z5", 5, "rot", 0, True, 2, [(1.26, 1), (-1.26, -1)], [_c(1, 2, 1)], hidden=8),
]


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "rec"
    d.mkdir()
    for r in RECS:
        (d / f"{r['run']}.json").write_text(json.dumps(r))
    return d


def test_angles_are_the_records_in_units_of_two_pi_over_m(folder, tmp_path):
    res = angles.build(str(tmp_path / "out"), source=str(folder))
    assert_written(res, tmp_path / "out", "angles")
    (g,) = res["data"]["groups"]                         # S3 has no angles
    assert (g["group"], g["m"]) == ("Z5", 5)
    by_label = {r["label"]: r for r in g["runs"]}
    assert set(by_label) == {"ROT s0", "ROT H8 s0", "CDIAG s1"}     # one row per run, H named when not 64
    assert by_label["ROT H8 s0"]["units"] == pytest.approx([a * 5 / (2 * math.pi) for a in (1.26, -1.26)])
    rot = by_label["ROT s0"]
    assert rot["units"] == pytest.approx([a * 5 / (2 * math.pi) for a in (-2.51, -1.26, 1.26, 2.51)])
    assert rot["k"] == [-2, -1, 1, 2] and rot["representation"] is True
    assert rot["error"] == pytest.approx([abs(a - 2 * math.pi * k / 5) for a, k in
                                          [(-2.51, -2), (-1.26, -1), (1.26, 1), (2.51, 2)]])
    assert by_label["CDIAG s1"]["representation"] is False


def test_decomposition_bars_are_the_representations(folder, tmp_path):
    res = decomposition.build(str(tmp_path / "out"), source=str(folder))
    assert_written(res, tmp_path / "out", "decomposition")
    bars, others = res["data"]["bars"], res["data"]["others"]
    assert [b["label"] for b in bars] == ["Z5 ROT s0", "Z5 ROT H8 s0", "S3 FULL s0"]   # by group order, then H down
    assert [o["label"] for o in others] == ["Z5 CDIAG s1"]
    assert bars[1]["dimension"] == 2 and bars[1]["hidden"] == 8
    s3 = bars[2]
    assert [(c["real_irreducible"], c["real_dimension"], c["multiplicity"]) for c in s3["constituents"]] == \
        [(1, 1, 1), (2, 2, 2)]
    assert sum(c["real_dimension"] * c["multiplicity"] for c in s3["constituents"]) == s3["dimension"] == 5
    assert decomposition.decomposition_text(s3["constituents"]) == "ψ1 + 2ψ2"


def test_committed_recovery_records_decompose_to_their_dimension():
    data = decomposition.compute(records.recovery_records())
    assert len(data["bars"]) >= 10
    for b in data["bars"]:
        assert sum(c["real_dimension"] * c["multiplicity"] for c in b["constituents"]) == b["dimension"], b["label"]


def test_a_folder_without_records_is_refused(tmp_path):
    with pytest.raises(InputError, match="expected at least one record"):
        records.recovery_records(tmp_path)
    (tmp_path / "x.json").write_text("[]")
    with pytest.raises(InputError, match="expected a recovery record"):
        records.recovery_records(tmp_path)
