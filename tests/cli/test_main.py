"""The bilinear command: help, analyze, task, and one-line errors for bad input."""

import json
import subprocess
import sys

import pytest

from bilinear import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_console_script_help():
    for args in ([], ["analyze"], ["task"]):
        r = subprocess.run([sys.executable, "-c", "import bilinear; bilinear.main()", *args, "--help"],
                           capture_output=True, text=True)
        assert r.returncode == 0 and "usage: bilinear" in r.stdout


def test_analyze_json_s5_from_generators(capsys):
    code, out, _ = run(capsys, "analyze", "perm:(1,2,3,4,5);(1,2)", "--json")
    info = json.loads(out)
    assert code == 0 and info["order"] == 120 and info["num_classes"] == 7
    assert info["exponent"] == 60 and info["is_abelian"] is False and info["abelian_invariants"] == [2]


def test_analyze_text(capsys):
    code, out, _ = run(capsys, "analyze", "D4")
    assert code == 0 and "order 8, 5 conjugacy classes" in out


def test_task_jsonl(capsys):
    code, out, _ = run(capsys, "task", "modadd", "--m", "5", "--n", "3", "--length", "4", "--seed", "7")
    rows = [json.loads(line) for line in out.strip().split("\n")]
    assert code == 0 and len(rows) == 3
    for r in rows:
        assert r["label"] == sum(r["tokens"]) % 5 and r["labels"][-1] == r["label"] and len(r["labels"]) == 4
    code2, out2, _ = run(capsys, "task", "modadd", "--m", "5", "--n", "3", "--length", "4", "--seed", "7")
    assert out2 == out


def test_task_illusion_csv(capsys):
    code, out, _ = run(capsys, "task", "word", "--group", "A5", "--n", "2", "--length", "3", "--seed", "0",
                       "--format", "illusion-csv")
    assert code == 0 and out.split("\n")[0] == "seed,input,target"


def test_task_out_file(tmp_path, capsys):
    path = tmp_path / "d.jsonl"
    code, out, _ = run(capsys, "task", "automaton", "--states", "4", "--symbols", "2", "--n", "5", "--length", "6",
                       "--seed", "0", "--out", str(path))
    assert code == 0 and out == "" and len(path.read_text().strip().split("\n")) == 5


@pytest.mark.parametrize("argv, fragment", [
    (["analyze", "Foo"], "at character 1 of 'Foo': expected a group"),
    (["analyze", "perm:(1,2,2)"], "point 2 is repeated"),
    (["analyze", "perm:(1,2"], "at character 10 of 'perm:(1,2': expected ',' or ')'"),
    (["analyze", "perm:(1 2 3);(1 2)"], "at character 8 of 'perm:(1 2 3);(1 2)': expected ',' or ')'"),
    (["analyze", "S12"], "above the limit"),
    (["analyze", "GL(2,6)"], "not a prime power"),
    (["task", "parity", "--n", "2", "--length", "3", "--seed", "0", "--m", "3"], "do not apply"),
    (["task", "modarith", "--n", "2", "--length", "4", "--seed", "0"], "odd length"),
    (["task", "word", "--n", "2", "--length", "4", "--seed", "0"], "group is required"),
    (["task", "parity", "--n", "2", "--length", "3", "--seed", "0", "--format", "illusion-csv"], "word task only"),
    (["task", "automaton", "--file", "/nonexistent.json", "--n", "2", "--length", "3", "--seed", "0"], "No such file"),
    (["task", "nope", "--n", "2", "--length", "3", "--seed", "0"], "NAME: expected one of parity, "),
    (["task", "parity", "--n", "0", "--length", "3", "--seed", "0"], ">= 1"),
    (["frobnicate"], "COMMAND: expected one of analyze, "),
])
def test_bad_input_one_line(argv, fragment):
    r = subprocess.run([sys.executable, "-c", "import bilinear; bilinear.main()", *argv],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().split("\n")
    assert len(lines) == 1 and fragment in lines[0], r.stderr


def test_bad_input_writes_nothing(tmp_path):
    path = tmp_path / "out.jsonl"
    code = main(["task", "modarith", "--n", "2", "--length", "4", "--seed", "0", "--out", str(path)])
    assert code == 2 and not path.exists() and list(tmp_path.iterdir()) == []
