"""The horizon figure: it plots its record's series; the committed record is consistent (an exact
construction has no error, a series' first error is its horizon); a small fresh run (slow) works."""

from __future__ import annotations

import json

import pytest

from bilinear.paper_figs import horizon, records

from .helpers import assert_written

RECORD = records.read_json(horizon.RECORD)


def test_plotted_series_are_the_records(tmp_path):
    res = horizon.build(str(tmp_path), source=str(horizon.RECORD))
    assert_written(res, tmp_path, "horizon")
    for s, r in zip(res["data"]["series"], RECORD["series"]):
        assert (s["model"], s["dtype"], s["lengths"], s["error"], s["horizon"]) == \
            (r["model"], r["dtype"], r["lengths"], r["error"], r["horizon"])


def test_committed_record_is_consistent():
    assert RECORD["settings"] == horizon.FULL and RECORD["group"] == horizon.GROUP
    kinds = {(s["model"], s["dtype"]) for s in RECORD["series"]}
    assert kinds == {(m, d) for m in ("constructed", "trained") for d in horizon.DTYPES}
    for s in RECORD["series"]:
        assert s["lengths"] == horizon.sample_lengths(horizon.FULL["length"], horizon.FULL["points"])
        if s["model"] == "constructed":
            assert s["horizon"] is None and s["max_error"] == 0.0
        nonzero = [L for L, e in zip(s["lengths"], s["error"]) if e > 0]
        if nonzero:
            assert s["horizon"] is not None and s["horizon"] <= nonzero[0]
        if s["horizon"] is None:
            assert s["max_error"] == 0.0


def test_a_tiny_record_draws(tmp_path):
    rec = {"group": "S3", "settings": {"batch": 4}, "series": [
        {"model": "constructed", "dtype": "float32", "hidden": 2, "lengths": [1, 10], "error": [0.0, 0.0],
         "horizon": None},
        {"model": "trained", "dtype": "float64", "hidden": 4, "lengths": [1, 10], "error": [0.0, 0.5], "horizon": 7}]}
    path = tmp_path / "h.json"
    path.write_text(json.dumps(rec))
    res = horizon.build(str(tmp_path / "out"), source=str(path))
    assert_written(res, tmp_path / "out", "horizon")
    assert [s["error"] for s in res["data"]["series"]] == [[0.0, 0.0], [0.0, 0.5]]


@pytest.mark.slow
def test_a_small_fresh_computation():
    settings = {"steps": 20, "hidden": 4, "lr": 1e-2, "seed": 0, "length": 300, "batch": 8, "points": 10}
    rec = horizon.compute_record(settings)
    assert len(rec["series"]) == 4
    for s in rec["series"]:
        if s["model"] == "constructed":
            assert s["horizon"] is None
