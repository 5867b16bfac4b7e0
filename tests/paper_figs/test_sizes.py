"""The minimal-size figure: its committed record covers the catalogue, agrees with a fresh computation
on a sample, and its block sizes agree with GAP's own (paper_figs/data/small_groups.g); the plotted
points are the record's."""

from __future__ import annotations

import json

from bilinear.paper_figs import records, sizes
from bilinear.theory.groups.parser import parse_group

from .helpers import assert_written

RECORD = records.read_json(sizes.RECORD)
ROWS = RECORD["groups"]
GAP = sizes.small_groups()


def test_the_gap_export_is_every_group_of_order_up_to_32():
    # the number of groups of each order n <= 32 (OEIS A000001), independent of GAP's file
    counts = [1, 1, 1, 2, 1, 2, 1, 5, 2, 2, 1, 5, 1, 2, 1, 14, 1, 5, 1, 5, 2, 2, 1, 15, 2, 2, 5, 4, 1, 4, 1, 51]
    assert [g["id"] for g in GAP] == [[n, i] for n in range(1, 33) for i in range(1, counts[n - 1] + 1)]


def test_the_record_covers_the_catalogue_in_order():
    assert [(r["name"], r["spec"], r["structure"]) for r in ROWS] == sizes.catalogue()
    assert RECORD["command"] == sizes.RECORD_COMMAND


def test_block_sizes_agree_with_gap():
    by_name = {r["name"]: r for r in ROWS}
    for g in GAP:
        row = by_name[f"SmallGroup({g['id'][0]},{g['id'][1]})"]
        assert row["min_block_real"] == g["gap_min_block_real"], row["name"]
        assert row["order"] == g["id"][0]


def test_a_sample_of_the_record_agrees_with_a_fresh_computation():
    sample = ROWS[::13] + [r for r in ROWS if r["name"] in ("SmallGroup(8,4)", "SmallGroup(32,8)", "A5", "S5")]
    assert len(sample) >= 15
    for r in sample:
        fresh = sizes.group_row(r["name"], parse_group(r["spec"]), r["spec"], r["structure"])
        assert fresh == r, r["name"]


def test_plotted_points_are_the_records_and_the_figure_is_written(tmp_path):
    tiny = {"command": sizes.RECORD_COMMAND, "groups": [sizes.group_row(s, parse_group(s)) for s in
                                                         ("Z1", "Z2", "Z4", "S3", "Q8", "A5")]}
    path = tmp_path / "sizes.json"
    path.write_text(json.dumps(tiny))
    res = sizes.build(str(tmp_path / "out"), source=str(path))
    assert_written(res, tmp_path / "out", "sizes")
    pts = res["data"]["points"]
    assert [(p["name"], p["order"], p["B"], p["level"], p["hidden"]) for p in pts] == [
        (r["name"], r["order"], r["min_block_real"], r["lowest_level"], r["lowest_level_hidden_size"])
        for r in tiny["groups"]]
    # the smallest group that needs each block size: B = 0 trivial, 1 Z2, 2 Z4, 3 A5 (S3 needs 2), 4 Q8
    assert res["data"]["first_with_block"] == {"0": "Z1", "1": "Z2", "2": "Z4", "3": "A5", "4": "Q8"}
