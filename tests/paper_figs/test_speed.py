"""The speed figure plots the bench record's medians and spreads."""

from __future__ import annotations

import json

from bilinear.paper_figs import records, speed

from .helpers import assert_written


def test_plotted_numbers_are_the_records(tmp_path):
    bench = json.loads(records.BENCH_RECORD.read_text())
    res = speed.build(str(tmp_path), source=str(records.BENCH_RECORD))
    assert_written(res, tmp_path, "speed")
    data = res["data"]
    levels = bench["evaluation"]["levels"]
    assert [r["level"] for r in data["evaluation"]] == list(levels)
    for r in data["evaluation"]:
        for j, T in enumerate(r["T"]):
            rec = levels[r["level"]][str(T)]
            assert r["scan_median"][j] == rec["scan_tokens_per_second"]["median"]
            assert r["loop_min"][j] == rec["loop_tokens_per_second"]["min"]
    tps = bench["training"]["tokens_per_second"]
    assert {r["model"]: r["median"] for r in data["training"]} == {m: v["median"] for m, v in tps.items()}
    assert "lstm" in tps
