"""``bilinear task`` and the task options of ``bilinear train``: valid lengths, the size limit,
seed invariance across --n, and the jsonl / illusion-csv relation."""

import json
import subprocess
import sys

import pytest

from bilinear import main
from bilinear.verify.tasks import DEFAULT_MAX_TOKENS, make_task


def one_line_error(*argv):
    r = subprocess.run([sys.executable, "-c", "import bilinear; bilinear.main()", *argv],
                       capture_output=True, text=True, timeout=120)
    lines = r.stderr.strip().split("\n")
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(lines) == 1, r.stderr
    return lines[0]


def in_process_error(capsys, *argv):
    code = main(list(argv))
    err = capsys.readouterr().err.strip().split("\n")
    assert code == 2 and len(err) == 1, err
    return err[0]


def rows(capsys, *argv):
    assert main(list(argv)) == 0
    return capsys.readouterr().out.strip().split("\n")


def test_task_even_modarith_length_refused():
    line = one_line_error("task", "modarith", "--n", "2", "--length", "4", "--seed", "0")
    assert line.endswith("--length: modarith accepts odd lengths only (1, 3, 5, ...), got 4")


@pytest.mark.parametrize("lengths, bad", [("4", "4"), ("3,4,5,100", "4, 100")])
def test_train_even_modarith_test_length_refused(capsys, tmp_path, lengths, bad):
    out = tmp_path / "run"
    line = in_process_error(capsys, "train", "--task", "modarith", "--test-lengths", lengths, "--steps", "1",
                          "--out", str(out))
    assert line.endswith(f"--test-lengths: modarith accepts odd lengths only (1, 3, 5, ...), got {bad}")
    assert not out.exists()


def test_task_size_limit_refused_before_allocating(tmp_path):
    path = tmp_path / "huge.jsonl"
    line = one_line_error("task", "parity", "--n", "1000000", "--length", "1000000", "--seed", "0", "--out", str(path))
    assert f"above the limit {DEFAULT_MAX_TOKENS}" in line and "--max-tokens" in line
    assert list(tmp_path.iterdir()) == []
    line = one_line_error("task", "word", "--group", "S4", "--format", "illusion-csv", "--n", "4", "--length", "5",
                          "--seed", "0", "--max-tokens", "19")
    assert "4 x 5 = 20 tokens, above the limit 19" in line


def test_max_tokens_raises_the_limit(capsys):
    assert len(rows(capsys, "task", "parity", "--n", "4", "--length", "5", "--seed", "0", "--max-tokens", "20")) == 4


def test_train_test_set_size_refused_before_training(capsys, tmp_path):
    line = in_process_error(capsys, "train", "--task", "parity", "--test-n", str(DEFAULT_MAX_TOKENS), "--test-lengths", "2",
                          "--steps", "1", "--out", str(tmp_path / "run"))
    assert "--test-n x test length" in line and "above the limit" in line


@pytest.mark.parametrize("argv", [["modarith"], ["modarith", "--m", "7"], ["parity"], ["word", "--group", "A4"],
                                  ["automaton", "--states", "4", "--symbols", "3"], ["flipflop", "--m", "3"]])
def test_task_lines_do_not_depend_on_n(capsys, argv):
    first = rows(capsys, "task", *argv, "--n", "1", "--length", "9", "--seed", "5")
    more = rows(capsys, "task", *argv, "--n", "6", "--length", "9", "--seed", "5")
    assert more[:1] == first and len(set(more)) > 1


def test_jsonl_and_illusion_csv_agree_on_inputs(capsys):
    """Same seed: the CSV's input is the jsonl tokens; its target is the jsonl word label of the
    reversed prefix (function composition, docs in --help)."""
    common = ["--group", "S4", "--n", "5", "--length", "4", "--seed", "3"]
    jsonl = [json.loads(r) for r in rows(capsys, "task", "word", *common)]
    csv = [r.split(",") for r in rows(capsys, "task", "word", *common, "--format", "illusion-csv")[1:]]
    word = make_task("word", group="S4")
    for rec, (seed, inp, tgt) in zip(jsonl, csv, strict=True):
        tokens = list(map(int, inp.split()))
        assert seed == "3" and tokens == rec["tokens"]
        assert rec["labels"] == [int(word.batch(tokens[:t + 1]).label[0]) for t in range(4)]
        assert list(map(int, tgt.split())) == [int(word.batch(tokens[t::-1]).label[0]) for t in range(4)]


def test_help_documents_the_csv_product_convention():
    r = subprocess.run([sys.executable, "-c", "import bilinear; bilinear.main()", "task", "--help"],
                       capture_output=True, text=True)
    text = " ".join(r.stdout.split())
    assert "composes as functions" in text and "g_t*...*g_1" in text and "g_1*...*g_t" in text
    assert "--max-tokens" in text and "odd lengths only" in text
