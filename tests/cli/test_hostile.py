"""Hostile and unusual input, as a new user or a script sends it (docs/design.md §11): every case ends
with the exit status of the contract (0 success, 1 a negative mathematical verdict, 2 bad input or a
refused resource), one line on standard error, never a traceback, and — on a refusal — nothing on disk
changed.  Outputs never clobber: results merge per run, an output that is an input is refused, a
symbolic link is written through.  Numbers are checked by one validator in the CLI and the API.

The size and memory limits have their own suite (``test_hostile_resources.py``)."""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import argparse

from bilinear import main
from bilinear.cli.common import number_list, parse_int_list, parse_name_list
from bilinear.theory.errors import MAX_SEED, InputError, check_number, check_seed

FAST_TRAIN = ["--steps", "4", "--batch-size", "8", "--val-every", "2", "--test-lengths", "4", "--test-n", "8",
              "--lr", "1e-2", "--hidden", "4", "--quiet"]


def snapshot(folder: Path) -> dict:
    """Every file and link under ``folder`` with its contents' hash (links: their target)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            out[str(p)] = ("link", os.readlink(p))
        elif p.is_file():
            out[str(p)] = ("file", hashlib.sha256(p.read_bytes()).hexdigest())
        else:
            out[str(p)] = ("dir",)
    return out


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str, command: str) -> str:
    assert "Traceback" not in err and "Warning" not in err, err
    lines = err.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith(f"bilinear {command}: "), err
    return lines[0]


@pytest.fixture
def inputs(tmp_path_factory):
    """Input files made once: an exact weight file (S3, over Q(sqrt 3)), an automaton, junk files."""
    d = tmp_path_factory.mktemp("inputs")
    assert main(["construct", "S3", "--level", "full", "--out", str(d / "s3.npz")]) == 0
    assert main(["construct", "Z3", "--level", "rot", "--out", str(d / "z3.npz")]) == 0
    (d / "machine.json").write_text(json.dumps({
        "alphabet": ["a", "b"], "states": ["p", "q", "r"], "start": "p",
        "delta": {"p": {"a": "q", "b": "p"}, "q": {"a": "p", "b": "r"}, "r": {"a": "r", "b": "r"}},
        "accept": ["r"]}))
    (d / "empty.json").write_text("[]")
    import pickle
    import numpy as np
    (d / "pickle.pt").write_bytes(pickle.dumps({"A": np.zeros((2, 2, 2))}))
    return d


# -- refusals: exit 2, one line, nothing on disk changed ------------------------------------------

REFUSED = [
    # numbers: finite, in range, no repeats, no repeated keys (one validator)
    (["train", "--task", "parity", "--lr", "inf"], "--lr: expected a finite number > 0, got 'inf'"),
    (["train", "--task", "parity", "--lr", "nan"], "--lr: expected a finite number > 0, got 'nan'"),
    (["train", "--task", "parity", "--lr=-1e-3"], "--lr: expected a finite number > 0"),
    (["train", "--task", "parity", "--lr", "0"], "--lr: expected a finite number > 0, got '0'"),
    (["train", "--task", "parity", "--lr", "1e-2,1e-2"], "--lr: expected distinct values"),
    (["train", "--task", "parity", "--lr", "1e-2,"], "--lr: expected numbers separated by commas"),
    (["train", "--task", "parity", "--weight-decay", "inf"], "--weight-decay: expected a finite number >= 0"),
    (["train", "--task", "parity", "--weight-decay", "-1"], "--weight-decay: expected a finite number >= 0"),
    (["train", "--task", "parity", "--init-scale", "nan"], "--init-scale: expected a finite number >= 0"),
    (["train", "--task", "parity", "--init-scale", "11"], "--init-scale: expected a finite number >= 0 and <= 10"),
    (["train", "--task", "parity", "--final-lr", "2"], "--final-lr: expected a finite number >= 0 and <= 1"),
    (["train", "--task", "parity", "--gain-penalty=-inf"], "--gain-penalty: expected a finite number >= 0"),
    (["train", "--task", "parity", "--patience", "-1"], "--patience: expected an integer >= 0"),
    (["train", "--task", "parity", "--seed", "99999999999999999999"], "--seed: expected integers like"),
    (["task", "parity", "--n", "1", "--length", "2", "--seed", "99999999999999999999"],
     f"--seed: expected an integer in [0, {MAX_SEED}], got '99999999999999999999'"),
    (["recover", "x.npz", "--seed", "-1"], "--seed: expected an integer in [0, "),
    (["train", "--task", "parity", "--seed", "0,0"], "--seed: expected distinct values (each at most once), got 0 twice"),
    (["train", "--task", "parity", "--seed", "0-2,1"], "--seed: expected distinct values"),
    (["train", "--task", "parity", "--seed", "0-99999999"], "--seed: expected at most 10000 values"),
    (["train", "--task", "parity", "--test-lengths", "5,5"], "--test-lengths: expected distinct values"),
    (["train", "--task", "parity", "--model", "rdiag,rdiag"], "--model: expected distinct values (each at most once), got 'rdiag' twice"),
    (["train", "--task", "parity", "--model", "rdiag,,full"], "--model: expected names separated by commas, none empty"),
    (["train", "--task", "modadd:m=5,m=6"], "--task: expected each option once (NAME:key=value,...), 'm' twice"),
    (["train", "--task", "parity", "--task", "parity"], "--task: expected distinct values"),
    (["train", "--task", "modadd:m=5", "--task", "modadd:m=5"], "--task: expected distinct values"),
    (["train", "--task", "nosuch"], "--task: expected a task among"),
    (["bench", "--levels", "full,full"], "--levels: expected distinct values"),
    # task errors name the flags a user types, not internal option names
    (["task", "automaton", "--n", "1", "--length", "2", "--seed", "0", "--m", "3"],
     "option(s) --m do not apply (it takes --states, --symbols, --automaton-seed, --automaton)"),
    (["task", "modadd", "--n", "1", "--length", "2", "--seed", "0", "--m", "1"], "--m: expected an integer >= 2, got 1"),
    # output paths: empty, checked before any work
    (["train", "--task", "parity", "--out", ""], "--out: expected a file or folder path, got ''"),
    (["construct", "S3", "--level", "full", "--out", ""], "--out: expected a file or folder path, got ''"),
    (["task", "parity", "--n", "1", "--length", "2", "--seed", "0", "--out", " "], "--out: expected a file or folder path"),
    (["bench", "--out", ""], "--out: expected a file or folder path, got ''"),
    (["figs", "--out", ""], "--out: expected a file or folder path, got ''"),
]


@pytest.mark.parametrize("argv, fragment", REFUSED, ids=[" ".join(a)[:60] for a, _ in REFUSED])
def test_refused_with_exit_2_and_one_line(argv, fragment, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2, err
    line = one_line(err, argv[0])
    assert line.startswith(f"bilinear {argv[0]}: error: ") and fragment in line, line
    assert snapshot(tmp_path) == before


def test_checkpoint_dir_that_is_a_file_is_refused_before_training(tmp_path, capsys):
    blocker = tmp_path / "ckpt"
    blocker.write_text("a file")
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    code, _, err = run(capsys, "train", "--task", "parity", "--model", "rdiag", "--checkpoint-dir", blocker,
                       "--out", out, *FAST_TRAIN)
    assert code == 2 and "--checkpoint-dir: expected a folder" in one_line(err, "train")
    assert snapshot(tmp_path) == before and not out.exists()       # nothing trained, nothing written


def test_a_results_file_that_is_not_runs_is_refused_before_training(tmp_path, capsys):
    (tmp_path / "results.json").write_text('{"not": "runs"}')
    before = snapshot(tmp_path)
    code, _, err = run(capsys, "train", "--task", "parity", "--model", "rdiag", "--out", tmp_path, *FAST_TRAIN)
    assert code == 2 and "results.json holds earlier runs" in one_line(err, "train")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("damage", ["/", "ro"])
def test_an_unwritable_out_is_refused_before_any_work(tmp_path, capsys, damage):
    """Even for root (for whom ``os.access`` says yes everywhere): the folder is tried by creating a file."""
    if damage == "/":
        target = "/proc/version/x.md"                  # a path whose parent is not a folder
        fragment = "is not a folder"
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        subprocess.run(["chattr", "+i", str(ro)], capture_output=True)   # immutable even for root, if allowed
        probe = ro / "probe"
        try:
            probe.write_text("x")
            probe.unlink()
            pytest.skip("this user can write into a read-only folder (root without chattr)")
        except OSError:
            pass
        target, fragment = str(ro / "x.md"), "is not writable"
    try:
        code, out, err = run(capsys, "bench", "--quick", "--levels", "rdiag", "--out", target)
        assert code == 2 and fragment in one_line(err, "bench") and out == ""
    finally:
        if damage == "ro":
            subprocess.run(["chattr", "-i", str(tmp_path / "ro")], capture_output=True)
            (tmp_path / "ro").chmod(0o755)


# -- outputs never clobber -----------------------------------------------------------------------

def test_snap_onto_its_own_input_is_refused(inputs, tmp_path, capsys):
    f = tmp_path / "s3.npz"
    f.write_bytes((inputs / "s3.npz").read_bytes())
    before = snapshot(tmp_path)
    code, _, err = run(capsys, "recover", f, "--snap", f)
    assert code == 2 and "--snap: expected a file other than the input" in one_line(err, "recover")
    assert snapshot(tmp_path) == before
    link = tmp_path / "other.npz"                         # the same file under another name
    link.symlink_to(f)
    code, _, err = run(capsys, "recover", f, "--snap", link)
    assert code == 2 and "would replace the input" in one_line(err, "recover")


def test_export_onto_its_checkpoint_through_a_link_is_refused(tmp_path, capsys):
    assert main(["train", "--task", "parity", "--model", "rdiag", "--out", str(tmp_path / "run"), *FAST_TRAIN]) == 0
    ckpt = next((tmp_path / "run" / "checkpoints").glob("*.pt"))
    alias = tmp_path / "alias.npz"
    alias.symlink_to(ckpt)
    before = snapshot(tmp_path)
    code, _, err = run(capsys, "export", ckpt, "--out", alias)
    assert code == 2 and "expected a file other than the input" in one_line(err, "export")
    assert snapshot(tmp_path) == before


def test_out_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path, capsys):
    target = tmp_path / "store" / "z5.npz"
    target.parent.mkdir()
    target.write_bytes(b"stale")
    link = tmp_path / "latest.npz"
    link.symlink_to(target)
    assert main(["construct", "Z5", "--level", "rot", "--out", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes()[:2] == b"PK"                               # the new weight file, not "stale"
    capsys.readouterr()
    assert main(["certify", str(target)]) == 0


def _results(folder: Path) -> list[dict]:
    return json.loads((folder / "results.json").read_text())


def test_a_second_train_into_one_folder_keeps_the_first_runs(tmp_path):
    out = tmp_path / "runs"
    assert main(["train", "--task", "parity", "--model", "rdiag", "--seed", "0", "--out", str(out), *FAST_TRAIN]) == 0
    first = _results(out)
    assert main(["train", "--task", "parity", "--model", "rdiag", "--seed", "1", "--out", str(out), *FAST_TRAIN]) == 0
    runs = _results(out)
    assert [r["seed"] for r in runs] == [0, 1] and runs[0] == first[0]
    assert "| parity | rdiag | 4 | 1 |" in (out / "results.md").read_text()
    # the same run again replaces its own record in place: still two runs
    assert main(["train", "--task", "parity", "--model", "rdiag", "--seed", "0", "--out", str(out), *FAST_TRAIN]) == 0
    assert [r["seed"] for r in _results(out)] == [0, 1]


def _write_many(args):
    from bilinear.verify.experiments.results_file import write_results
    folder, who, count = args
    for k in range(count):
        write_results(folder, [{"task": "parity", "task_options": {}, "model": "rdiag", "hidden": 2, "seed": who * 1000 + k,
                                "lr": 0.01, "chance": 0.5, "accuracy": {"4": 1.0}, "accuracy_per_token": {"4": 1.0}}])


def test_concurrent_writers_into_one_folder_keep_every_run(tmp_path):
    """Two processes merging runs into one results.json at the same time: without the folder's lock
    one would drop the other's runs (read, merge, write races)."""
    with mp.get_context("spawn").Pool(2) as pool:
        pool.map(_write_many, [(str(tmp_path), 1, 25), (str(tmp_path), 2, 25)])
    seeds = sorted(r["seed"] for r in _results(tmp_path))
    assert seeds == sorted([1000 + k for k in range(25)] + [2000 + k for k in range(25)])


# -- exit statuses of the contract ---------------------------------------------------------------

NEGATIVE = [
    (["construct", "S3", "--level", "rot", "--out", "x.npz"], "cannot track: S3 is not abelian"),
    (["construct", "S5", "--level", "block", "--block", "3", "--out", "x.npz"], "cannot track: S5 needs blocks of size >= 4"),
    (["construct", "A5", "--level", "house", "--householders", "1", "--out", "x.npz"], "cannot track: "),
    (["construct", "--automaton", "{machine}", "--level", "rdiag", "--out", "x.npz"], "cannot track: "),
]


@pytest.mark.parametrize("argv, fragment", NEGATIVE, ids=[" ".join(a)[:50] for a, _ in NEGATIVE])
def test_a_level_that_cannot_track_is_exit_1(argv, fragment, inputs, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *[a.format(machine=inputs / "machine.json") for a in argv])
    assert code == 1 and fragment in one_line(err, "construct")
    assert list(tmp_path.iterdir()) == []


def test_a_bug_is_one_line_and_exit_3(capsys, monkeypatch):
    from bilinear.cli import analyze

    def broken(args):
        raise TypeError("unsupported operand")
    monkeypatch.setattr(analyze, "run", broken)
    monkeypatch.delenv("BILINEAR_TRACEBACK", raising=False)
    code, _, err = run(capsys, "analyze", "S3")
    assert code == 3 and "internal error" in one_line(err, "analyze") and "TypeError: unsupported operand" in err
    monkeypatch.setenv("BILINEAR_TRACEBACK", "1")
    with pytest.raises(TypeError, match="unsupported operand"):
        main(["analyze", "S3"])


def test_memory_exhausted_is_a_refused_resource(capsys, monkeypatch):
    from bilinear.cli import analyze

    def hungry(args):
        raise MemoryError
    monkeypatch.setattr(analyze, "run", hungry)
    code, _, err = run(capsys, "analyze", "S3")
    assert code == 2 and "out of memory" in one_line(err, "analyze")


# -- files a user may hand over ------------------------------------------------------------------

def test_a_plain_pickle_is_one_line_without_torch_warnings(inputs, capsys):
    for command in ("recover", "certify"):
        code, _, err = run(capsys, command, inputs / "pickle.pt")
        assert code == 2 and "never pickled objects" in one_line(err, command)


def test_figs_training_on_an_empty_list_says_so_before_drawing(inputs, tmp_path, capsys):
    out = tmp_path / "figs"
    code, _, err = run(capsys, "figs", "--training", inputs / "empty.json", "--only", "accuracy", "--out", out)
    assert code == 2 and "got an empty list" in one_line(err, "figs") and not out.exists()


def test_recover_with_a_group_the_checkpoint_does_not_have_is_refused(tmp_path, capsys):
    assert main(["train", "--task", "word", "--group", "Z6", "--model", "full", "--out", str(tmp_path / "run"),
                 *FAST_TRAIN]) == 0
    ckpt = next((tmp_path / "run" / "checkpoints").glob("*.pt"))
    capsys.readouterr()
    code, _, err = run(capsys, "recover", ckpt, "--group", "S3")
    line = one_line(err, "recover")
    assert code == 2 and "own group Z6" in line and "equal in Z6 but not in S3" in line
    code, out, err = run(capsys, "recover", ckpt, "--group", "Z6", "--json")    # its own group: fine
    assert code in (0, 1) and "Traceback" not in err and json.loads(out)


# -- output encodings ----------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [["analyze", "A5"], ["prove", "--list"]])
def test_an_ascii_stream_gets_ascii_not_a_traceback(argv):
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    r = subprocess.run([sys.executable, "-c", "import bilinear; raise SystemExit(bilinear.main())", *argv],
                       capture_output=True, env=env)
    assert r.returncode == 0 and b"Traceback" not in r.stderr, r.stderr
    r.stdout.decode("ascii")                                     # every byte ASCII
    utf8 = subprocess.run([sys.executable, "-c", "import bilinear; raise SystemExit(bilinear.main())", *argv],
                          capture_output=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    from bilinear.cli.encoding import ascii_text
    assert r.stdout.decode("ascii") == ascii_text(utf8.stdout.decode("utf-8"))   # the same text, spelled in ASCII


# -- one validator: the argument types are the API's rules ---------------------------------------

@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=30))
def test_number_lists_accept_exactly_finite_distinct_positive_numbers(text):
    parse = number_list("--lr", minimum=0, open_min=True)
    try:
        values = parse(text)
    except argparse.ArgumentTypeError:
        return
    assert values and len(set(values)) == len(values)
    assert all(check_number("--lr", v, minimum=0, open_min=True) == v for v in values)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(alphabet="0123456789-, x", max_size=20))
def test_int_lists_either_parse_to_distinct_seeds_or_refuse_with_the_flag(text):
    try:
        values = parse_int_list(text, "--seed")
    except InputError as e:
        assert str(e).startswith("--seed: expected ")
        return
    assert values and len(set(values)) == len(values) and all(check_seed("--seed", v) == v for v in values)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(["full", "rdiag", "cp", " ", ""]), min_size=1, max_size=5))
def test_name_lists_refuse_empty_names_and_repeats(names):
    text = ",".join(names)
    stripped = [n.strip() for n in names]
    try:
        assert parse_name_list(text, "--model") == stripped
    except InputError as e:
        assert not all(stripped) or len(set(stripped)) < len(stripped), e


@pytest.mark.parametrize("value", [float("inf"), float("nan"), -1.0, True, "1e-3"])
def test_the_api_applies_the_same_number_rule(value):
    from bilinear.verify.experiments.train import TrainConfig
    with pytest.raises(InputError, match="^--weight-decay: expected a finite number >= 0"):
        TrainConfig(weight_decay=value)


def test_the_api_applies_the_same_seed_rule():
    from bilinear.verify.experiments.train import RunSpec
    from bilinear.verify.tasks import make_task
    with pytest.raises(InputError, match=r"^--seed: expected an integer in \[0, 9223372036854775807\]"):
        RunSpec("parity", {}, seed=2**63)
    with pytest.raises(InputError, match=r"^--seed: expected an integer in \[0, "):
        make_task("parity").sample(1, 2, seed=-1)
