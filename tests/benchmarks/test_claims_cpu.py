"""benchmarks/claims_cpu.py on synthetic record pairs: matched runs, summed CPU seconds, and exit 1 as
soon as a chosen learning rate or a long-length accuracy differs."""

import importlib.util
import json

from tests.paths import ROOT
_spec = importlib.util.spec_from_file_location("claims_cpu", ROOT / "benchmarks" / "claims_cpu.py")
claims_cpu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(claims_cpu)


def run(model, lr, acc500, cpus, seed=0):
    return {"task": "parity", "task_options": {}, "model": model, "variant": "", "seed": seed, "lr": lr,
            "accuracy": {"500": acc500, "1000": acc500},
            "lr_search": [{"lr": 0.01, "cpu_seconds": c} for c in cpus]}


def write(tmp_path, name, runs):
    p = tmp_path / name
    p.write_text(json.dumps(runs))
    return str(p)


def test_same_verdicts_and_the_cpu_totals(tmp_path, capsys):
    before = write(tmp_path, "b.json", [run("full", 0.01, 1.0, [30, 50]), run("rdiag", 0.01, 0.5, [20])])
    after = write(tmp_path, "a.json", [run("rdiag", 0.01, 0.5, [10]), run("full", 0.01, 1.0, [10, 10]),
                                       run("rot", 0.01, 1.0, [5])])                  # unmatched: left out
    assert claims_cpu.main([before, after]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["same_verdicts"] is True
    assert {r["model"]: r["cpu_seconds"] for r in out["rows"]} == {"full": [80.0, 20.0], "rdiag": [20.0, 10.0]}
    assert claims_cpu.main([before, after, "--markdown"]) == 0
    table = capsys.readouterr().out
    assert "| parity | full | 0.01 / 0.01 | 1.000 / 1.000 | 1.000 / 1.000 | 80 | 20 | 4.0 |" in table
    assert "**1.7 CPU-min** | **0.5 CPU-min** | 3.3 |" in table


def test_a_changed_verdict_exits_1(tmp_path):
    before = write(tmp_path, "b.json", [run("full", 0.01, 1.0, [30])])
    assert claims_cpu.main([before, write(tmp_path, "lr.json", [run("full", 0.003, 1.0, [30])])]) == 1
    assert claims_cpu.main([before, write(tmp_path, "acc.json", [run("full", 0.01, 0.99, [30])])]) == 1


def test_bad_input_exits_2(tmp_path, capsys):
    good = write(tmp_path, "b.json", [run("full", 0.01, 1.0, [30])])
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert claims_cpu.main([good, str(bad)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert claims_cpu.main([good, write(tmp_path, "other.json", [run("rot", 0.01, 1.0, [1])])]) == 2
