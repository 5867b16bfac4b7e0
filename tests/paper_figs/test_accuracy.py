"""The accuracy figure plots the records' numbers: per task and model, the median and range over seeds."""

from __future__ import annotations

import json
import statistics

import pytest

from bilinear.paper_figs import accuracy, records
from bilinear.theory.errors import InputError

from .helpers import assert_written, run, write_runs

RUNS = [
    run("parity", "rdiag", 0, {2: 1.0, 10: 1.0, 100: 0.9}, 0.5),
    run("parity", "rdiag", 1, {2: 1.0, 10: 0.8, 100: 0.6}, 0.5),
    run("parity", "rdiag", 2, {2: 1.0, 10: 0.7, 100: 0.55}, 0.5),
    run("parity", "pdiag", 0, {2: 1.0, 10: 0.6, 100: 0.5}, 0.5),
    run("modadd", "full", 0, {2: 1.0, 10: 1.0, 100: 1.0}, 0.2, options={"m": 5}),
    run("modadd", "full", 1, {2: 1.0, 10: 0.95, 100: 0.25}, 0.2, options={"m": 5}),
]


def test_points_are_the_records_numbers(tmp_path):
    src = write_runs(tmp_path / "runs" / "results.json", RUNS)
    res = accuracy.build(str(tmp_path / "out"), source=str(src))
    assert_written(res, tmp_path / "out", "accuracy")
    panels = {p["task"]: p for p in res["data"]["panels"]}
    assert set(panels) == {"parity", "modadd m=5"}
    assert panels["parity"]["chance"] == 0.5 and panels["modadd m=5"]["chance"] == 0.2
    for task, panel in panels.items():
        for s in panel["series"]:
            mine = [r for r in RUNS if accuracy.task_label(r) == task and r["model"] == s["model"]]
            assert s["seeds"] == [r["seed"] for r in mine]
            for j, L in enumerate(s["lengths"]):
                values = [r["accuracy"][str(L)] for r in mine]
                assert s["median"][j] == statistics.median(values)
                assert (s["min"][j], s["max"][j]) == (min(values), max(values))
    assert [s["model"] for s in panels["parity"]["series"]] == ["pdiag", "rdiag"]
    assert panels["parity"]["series"][1]["median"] == [1.0, 0.8, 0.6]


def test_a_folder_is_read_recursively_and_other_json_is_passed_over(tmp_path):
    write_runs(tmp_path / "a" / "results.json", RUNS[:3])
    write_runs(tmp_path / "b" / "c" / "results.json", RUNS[3:])
    (tmp_path / "manifest.json").write_text(json.dumps({"tables": ["a", "b"]}))
    runs, files = records.training_runs(tmp_path)
    assert len(runs) == len(RUNS) and len(files) == 2
    data = accuracy.compute(runs)
    # two files: the series key includes the file, but each model lives in one file here
    assert sorted(len(p["series"]) for p in data["panels"]) == [1, 2]


def test_a_named_file_must_hold_runs(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text(json.dumps({"not": "runs"}))
    with pytest.raises(InputError, match="expected a non-empty list of training runs"):
        records.training_runs(bad)
    with pytest.raises(InputError, match="expected a results.json file or a folder"):
        records.training_runs(tmp_path / "missing")
    (tmp_path / "broken.json").write_text("[{")
    with pytest.raises(InputError, match="expected JSON"):
        records.training_runs(tmp_path / "broken.json")


def test_default_source_prefers_the_paper_tables(tmp_path, monkeypatch):
    tables = tmp_path / "results_paper_tables"
    monkeypatch.setattr(records, "PAPER_TABLES", tables)
    assert records.default_training_source() == records.TRAINING_DEFAULT_FILE
    write_runs(tables / "t1" / "results.json", RUNS)
    assert records.default_training_source() == tables


def test_committed_default_records_are_plotted_as_recorded():
    runs, files = records.training_runs(records.TRAINING_DEFAULT_FILE)
    data = accuracy.compute(runs)
    raw = json.loads(records.TRAINING_DEFAULT_FILE.read_text())
    parity_rdiag = [r for r in raw if r["task"] == "parity" and r["model"] == "rdiag"]
    s = next(s for p in data["panels"] if p["task"] == "parity" for s in p["series"] if s["model"] == "rdiag")
    j = s["lengths"].index(500)
    assert s["median"][j] == statistics.median(r["accuracy"]["500"] for r in parity_rdiag)


def test_runs_of_two_tables_stay_two_series(tmp_path):
    same = [run("parity", "full", 0, {2: 1.0}, 0.5)]
    write_runs(tmp_path / "t1" / "results.json", same)
    write_runs(tmp_path / "t2" / "results.json", [run("parity", "full", 0, {2: 0.5}, 0.5)])
    data = accuracy.compute(records.training_runs(tmp_path)[0])
    (panel,) = data["panels"]
    assert sorted((s["label"], s["median"][0]) for s in panel["series"]) == [("full (t1)", 1.0), ("full (t2)", 0.5)]


def test_panels_are_in_numeric_order_and_lines_carry_their_horizon(tmp_path):
    """m = 2, 3, 10, 25 (not 10, 2, 25, 3); the horizon of each line is that of its median, which
    differs from reading the last length alone (a line right again at 100 after failing at 10)."""
    runs = [run("modadd", "block", 0, {2: 1.0, 10: 0.2, 100: 1.0}, 1 / m, options={"m": m}) for m in (10, 2, 25, 3)]
    runs += [dict(run("modadd", "mamba", 0, {2: 1.0, 10: 0.97, 100: 0.1}, 0.1, options={"m": 10},
                      variant=f"layers={n}"), model_config={"layers": n}) for n in (1, 4)]
    src = write_runs(tmp_path / "r" / "results.json", runs)
    res = accuracy.build(str(tmp_path / "out"), source=str(src))
    assert [p["task"] for p in res["data"]["panels"]] == ["modadd m=2", "modadd m=3", "modadd m=10", "modadd m=25"]
    ten = {s["label"]: s for s in res["data"]["panels"][2]["series"]}
    assert ten["block"]["horizon"] == 2 and ten["block"]["median"][-1] == 1.0
    assert sorted((s["layers"], s["horizon"]) for s in ten.values() if s["model"] == "mamba") == [(1, 10), (4, 10)]
    assert res["data"]["panels"][0]["train_lengths"] == [[2, 10]]


@pytest.mark.parametrize("models, layers", [
    (["block", "full"], ()),                                                  # a short legend: in the empty slot
    (["full", "cp", "block", "rot", "cdiag", "rdiag", "pdiag", "lstm"], (1,)),  # 16 entries: below the panels
    (["full", "cp", "block", "rot", "cdiag", "rdiag", "pdiag", "lstm"], (1, 2, 4)),
])
def test_every_panel_keeps_its_width_whatever_the_legend(tmp_path, monkeypatch, models, layers):
    """Three panels (one slot left empty): every panel is at least a third of the figure wide once drawn
    (a 16-entry legend squeezed into the empty slot made them a tenth)."""
    runs = [run("modadd", mdl, 0, {2: 1.0, 10: 0.5, 100: 0.3}, 1 / m, options={"m": m})
            for m in (2, 3, 5) for mdl in models]
    runs += [dict(run("modadd", base, 0, {2: 1.0, 10: 0.3, 100: 0.2}, 1 / m, options={"m": m},
                      variant=f"layers={n}"), model_config={"layers": n})
             for m in (2, 3, 5) for base in ("mamba", "transformer") for n in layers]
    src = write_runs(tmp_path / "r" / "results.json", runs)
    widths = []
    save = accuracy.style.save

    def measuring_save(fig, out_dir, name):
        fig.canvas.draw()                                 # the layout engine places the axes when drawn
        widths.extend(ax.get_position().width for ax in fig.axes if ax.get_visible() and ax.has_data())
        return save(fig, out_dir, name)

    monkeypatch.setattr(accuracy.style, "save", measuring_save)
    accuracy.build(str(tmp_path / "out"), source=str(src))
    assert len(widths) == 3 and min(widths) > 1 / 3
