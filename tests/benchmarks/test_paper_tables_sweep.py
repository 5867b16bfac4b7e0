"""benchmarks/paper_tables_sweep.py --copy-records: only finished steps are copied (a resumed step's
results.json holds the current invocation's runs alone), with their extractions, never checkpoints."""

from __future__ import annotations

import importlib.util
import json

from tests.paths import ROOT

_spec = importlib.util.spec_from_file_location("paper_tables_sweep", ROOT / "benchmarks" / "paper_tables_sweep.py")
sweep = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sweep)


def _step(folder, runs: int, extraction: bool = False):
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps([{"seed": i} for i in range(runs)]))
    (folder / "results.md").write_text(f"{runs} runs\n")
    (folder / "checkpoints").mkdir()
    (folder / "checkpoints" / "run.pt").write_bytes(b"not copied")
    if extraction:
        (folder / "extraction").mkdir()
        (folder / "extraction" / "run.json").write_text("{}")


def test_only_finished_steps_are_copied_and_earlier_copies_of_the_others_stay(tmp_path):
    runs, dest = tmp_path / "runs", tmp_path / "records"
    _step(runs / "done", 3, extraction=True)
    _step(runs / "going", 1)                                   # resumed: 1 of 4 runs in its results.json
    (runs / "sweep_times.jsonl").write_text('{"step": "done"}\n')
    (dest / "going").mkdir(parents=True)
    (dest / "going" / "results.json").write_text(json.dumps([{"seed": 0}, {"seed": 1}]))   # copied earlier
    plan = [{"name": "done", "runs": 3}, {"name": "going", "runs": 4}, {"name": "never", "runs": 2}]
    lines = sweep.copy_records(runs, dest, plan)
    assert lines == ["done: 3 runs copied, 1 extractions", "going: 1/4 runs, not finished: not copied",
                     "never: 0/2 runs, not finished: not copied"]
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) == [
        "done/extraction/run.json", "done/results.json", "done/results.md", "going/results.json",
        "sweep_times.jsonl"]
    assert len(json.loads((dest / "going" / "results.json").read_text())) == 2
    assert (dest / "done" / "results.md").read_text() == "3 runs\n"


def test_a_finished_automaton_step_without_extractions_says_how_to_make_them(tmp_path):
    runs = tmp_path / "runs"
    _step(runs / "automaton_s9", 2)
    (line,) = sweep.copy_records(runs, tmp_path / "records", [{"name": "automaton_s9", "runs": 2}])
    assert line == (f"automaton_s9: 2 runs copied, no extractions yet: python benchmarks/extract_automata.py "
                    f"{runs / 'automaton_s9'} --max-states 64, then again")
