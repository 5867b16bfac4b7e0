"""The CLI contract (docs/design.md §11), checked over every subcommand of ``bilinear.cli.SUBCOMMANDS``
so that a new subcommand is covered the day it is added: ``--help`` exits 0, bad input exits 2 with
one stderr line and no traceback, a negative mathematical verdict exits 1, ``--json`` exists where
the command reports, ``--out`` creates missing folders and refuses unwritable ones in one line
before any work, flags are spelled and parsed alike, versions are recorded, threads default to 1,
and errors name the user's path, never a temporary file."""

from __future__ import annotations

import argparse
import errno
import importlib.metadata
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import bilinear
from tests.paths import ROOT
import bilinear.cli as bilinear_cli
from bilinear import main
from bilinear.theory.errors import InputError, MathematicalError, check_choice, check_int, expected

#: subcommands without ``--json``, each with the reason
NO_JSON = {"task": "its output already is JSON lines (or the illusion CSV)"}

FAST_TRAIN = ["--steps", "4", "--batch-size", "8", "--val-every", "2", "--test-lengths", "4", "--test-n", "8",
              "--lr", "1e-2", "--hidden", "4", "--quiet"]


def subcommand_parsers() -> dict[str, argparse.ArgumentParser]:
    parser = bilinear_cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


NAMES = sorted(subcommand_parsers())


def options(name: str) -> set[str]:
    return {s for a in subcommand_parsers()[name]._actions for s in a.option_strings}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str, command: str) -> str:
    assert "Traceback" not in err, err
    lines = err.strip().split("\n")
    assert len(lines) == 1, err
    assert lines[0].startswith(f"bilinear {command}: "), err
    return lines[0]


def test_every_module_is_a_subcommand():
    assert len(NAMES) == len(bilinear_cli.SUBCOMMANDS) >= 7
    assert {"analyze", "task", "construct", "certify", "simulate", "prove", "train"} <= set(NAMES)


# -- every subcommand -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_help_exits_0(name, capsys):
    code, out, _ = run(capsys, name, "--help")
    assert code == 0 and out.startswith(f"usage: bilinear {name}")


@pytest.mark.parametrize("name", NAMES)
def test_unknown_option_is_one_line_exit_2(name, capsys):
    code, out, err = run(capsys, name, "--no-such-option")
    assert code == 2 and out == ""
    line = one_error_line(err, name)
    assert "unrecognized arguments: --no-such-option" in line or "arguments are required" in line, line


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_subprocess_exit_2_without_traceback(name):
    """As a user runs it: a fresh process, a value of the wrong type for the first typed option."""
    p = subcommand_parsers()[name]
    typed = [a for a in p._actions if a.option_strings and a.type in (int, float) or
             getattr(a.type, "__name__", "") in ("positive_int", "nonnegative_int", "seed", "seed_list")]
    argv = [name, typed[0].option_strings[0], "not-a-number"] if typed else [name, "--no-such-option"]
    r = subprocess.run([sys.executable, "-c", "import bilinear; bilinear.main()", *argv],
                       capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == ""
    assert "Traceback" not in r.stderr and len(r.stderr.strip().split("\n")) == 1, r.stderr


@pytest.mark.parametrize("name", NAMES)
def test_reporting_subcommands_have_json(name):
    assert "--json" in options(name) or name in NO_JSON, (
        f"bilinear {name}: add --json (or list it in NO_JSON with the reason)")


@pytest.mark.parametrize("name", NAMES)
def test_a_mathematical_error_is_exit_1(name, capsys, monkeypatch):
    """Whatever the subcommand, a MathematicalError escaping it is a negative verdict: exit 1, one line."""
    def fail(args):
        raise MathematicalError("the check does not hold")
    module = next(m for m in bilinear_cli.SUBCOMMANDS if subcommand_parsers()[name].get_default("run").__module__
                  == m.__name__)
    monkeypatch.setattr(module, "run", fail)
    argv = {"analyze": ["S3"], "task": ["parity", "--n", "1", "--length", "1", "--seed", "0"],
            "construct": ["S3", "--level", "full", "--out", "x.npz"], "certify": ["x.npz"],
            "simulate": ["x.npz"], "train": ["--task", "parity"], "recover": ["x.npz"],
            "export": ["x.pt", "--out", "x.npz"]}.get(name, [])
    code, _, err = run(capsys, name, *argv)
    if code == 2:                                  # a new subcommand with required arguments unknown here
        pytest.skip(f"bilinear {name} needs arguments this test does not know")
    assert code == 1 and "the check does not hold" in one_error_line(err, name)


# -- named bad inputs and negative verdicts -------------------------------------------------------

@pytest.mark.parametrize("argv, fragment", [
    (["analyze"], "GROUP: expected exactly one of GROUP or --automaton FILE.json, got neither"),
    (["analyze", "S3", "--group", "S4"], "--group: expected the group once"),
    (["analyze", "--max-order", "0", "S3"], "--max-order: expected an integer >= 1, got '0'"),
    (["construct", "S3", "--level", "warp", "--out", "x.npz"], "--level: expected one of pdiag, rdiag, rot, cdiag, block, cp, full, house, mono, got "),
    (["construct", "S3", "--level", "full", "--out", "x.txt"], "--out: expected a .npz file name, got 'x.txt'"),
    (["certify", "/nonexistent/x.npz"], "/nonexistent/x.npz"),
    (["simulate", "/nonexistent/x.npz"], "/nonexistent/x.npz"),
    (["simulate", "x.npz", "--dtype", "float16"], "--dtype: expected one of float32, float64, got 'float16'"),
    (["prove", "--only", "no-such-theorem*"], "no-such-theorem*"),
    (["task", "parity", "--n", "2", "--length", "3", "--seed", "0-2"], "--seed: expected an integer in [0, 9223372036854775807], got '0-2'"),
    (["task", "automaton", "--automaton", "/nonexistent.json", "--n", "2", "--length", "3", "--seed", "0"],
     "/nonexistent.json"),
    (["train", "--task", "parity", "--model", "rdiag", "--rank", "3"], "--rank: expected a --model that uses it (cp), got 'rdiag'"),
    (["train", "--task", "parity", "--model", "full,mono", "--householders", "2"],
     "--householders: expected a --model that uses it (house), got 'full,mono'"),
    (["train", "--task", "parity", "--model", "house", "--householders", "0"], "--householders: expected an integer >= 1"),
    (["train", "--task", "parity", "--model", "lstm", "--normalise", "eval"], "--normalise: expected a --model that uses it (full, "),
    (["train", "--task", "parity", "--model", "full", "--heads", "2"], "--heads: expected a --model that uses it (transformer), got 'full'"),
    (["train", "--task", "parity", "--seed", "2-1"], "--seed: expected integers like"),
    (["train", "--task", "parity", "--test-lengths", "0,4"], "--test-lengths: expected integers"),
    (["train", "--task", "parity", "--threads", "0"], "--threads: expected an integer >= 1, got '0'"),
    (["construct", "S3", "--level", "full", "--keep-states", "--out", "x.npz"],
     "--keep-states: expected --automaton FILE.json (a group has no states to keep), got 'S3'"),
    (["train", "--task", "parity", "--automaton", "a.json"], "--automaton: expected a plain --task that takes it (automaton), got 'parity'"),
])
def test_bad_input_messages_follow_the_template(argv, fragment, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2, err
    line = one_error_line(err, argv[0])
    assert line.startswith(f"bilinear {argv[0]}: error: ") and fragment in line, line
    assert list(tmp_path.iterdir()) == []


def test_certify_a_tampered_file_exits_1(tmp_path, capsys):
    from bilinear.constructions.weightfile import WeightFile, load_weights, save_weights
    out = tmp_path / "z5.npz"
    assert main(["construct", "Z5", "--level", "rot", "--out", str(out)]) == 0
    assert main(["certify", str(out)]) == 0
    wf = load_weights(out)
    W = wf.dense_W()
    W[0, 0, 0] += 1e-9
    save_weights(out, WeightFile(W, wf.h0, wf.readout, wf.labels, wf.alphabet, wf.level, wf.meta))
    capsys.readouterr()
    code, out_text, err = run(capsys, "certify", str(out), "--json")
    assert code == 1 and json.loads(out_text)["certified"] is False
    assert "not certified" in one_error_line(err, "certify")


def test_prove_with_a_failing_theorem_exits_1(capsys, monkeypatch):
    from bilinear.theory.theorems import CheckKind, Theorem
    from bilinear.constructions.theorems import registry

    def broken():
        raise MathematicalError("broken on purpose")
    theorem = Theorem(name="demo.broken", title="t", statement="s", latex="s", assumptions=("a",), proof="p",
                      kind=CheckKind.SYMBOLIC, checker=broken)
    monkeypatch.setattr(registry, "select", lambda only=None: [theorem])
    code, _, err = run(capsys, "prove")
    assert code == 1 and "broken on purpose" in err and "Traceback" not in err


# -- --out ----------------------------------------------------------------------------------------

def test_out_creates_missing_folders(tmp_path, capsys):
    npz = tmp_path / "runs" / "a" / "s3.npz"
    assert main(["construct", "S3", "--level", "full", "--out", str(npz)]) == 0 and npz.is_file()
    data = tmp_path / "data" / "b" / "parity.jsonl"
    assert main(["task", "parity", "--n", "3", "--length", "2", "--seed", "0", "--out", str(data)]) == 0
    assert len(data.read_text().splitlines()) == 3
    run_dir = tmp_path / "train" / "c"
    assert main(["train", "--task", "parity", "--model", "rdiag", "--out", str(run_dir)] + FAST_TRAIN) == 0
    assert (run_dir / "results.json").is_file() and (run_dir / "results.md").is_file()
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".tmp-")]
    assert leftovers == []


@pytest.mark.parametrize("argv", [
    ["construct", "S3", "--level", "full", "--out", "{file}/x.npz"],
    ["task", "parity", "--n", "3", "--length", "2", "--seed", "0", "--out", "{file}/sub/x.jsonl"],
    ["train", "--task", "parity", "--model", "rdiag", "--out", "{file}/run"] + FAST_TRAIN,
    ["construct", "S3", "--level", "full", "--out", "{dir}"],
])
def test_out_that_cannot_be_written_is_refused_in_one_line_before_work(argv, tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("keep")
    (tmp_path / "d.npz").mkdir()
    argv = [a.format(file=blocker, dir=tmp_path / "d.npz") for a in argv]
    import bilinear.verify.experiments.train as train
    monkeypatch.setattr(train, "run_sweep", lambda *a, **k: pytest.fail("training started"))
    code, _, err = run(capsys, *argv)
    assert code == 2 and "--out: expected" in one_error_line(err, argv[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "d.npz"] and blocker.read_text() == "keep"
    assert list((tmp_path / "d.npz").iterdir()) == []


# -- errors name the user's path ------------------------------------------------------------------

def _no_space(path, *args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fspath(path))


def test_atomic_write_error_names_the_target_and_cleans_up(tmp_path, monkeypatch):
    from bilinear.theory import files
    target = tmp_path / "new" / "deeper" / "out.txt"
    monkeypatch.setattr(files.os, "chmod", _no_space)       # fails after the temporary file exists
    with pytest.raises(OSError, match=re.escape(f"{os.strerror(errno.ENOSPC)}: '{target}'")) as info:
        files.write_text_atomically(target, "x")
    assert info.value.filename == str(target) and info.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []                    # no temporary file, no created folders


def test_cli_write_error_names_the_users_path(tmp_path, capsys, monkeypatch):
    import numpy
    target = tmp_path / "runs" / "s3.npz"
    monkeypatch.setattr(numpy, "savez", _no_space)           # the temporary file is what numpy writes
    code, _, err = run(capsys, "construct", "S3", "--level", "full", "--out", str(target))
    line = one_error_line(err, "construct")
    assert code == 2 and str(target) in line and ".tmp-" not in line and "No space" in line
    assert list(tmp_path.iterdir()) == []


def test_no_other_atomic_writer():
    """theory/files.py is the only module that writes through temporary files."""
    root = str(ROOT)
    offenders = []
    for package in ("theory", "constructions", "verify", "bilinear_cli", "paper_figs"):
        for folder, _, names in os.walk(os.path.join(root, package)):
            for n in names:
                if n.endswith(".py"):
                    path = os.path.join(folder, n)
                    text = open(path, encoding="utf-8").read()
                    if re.search(r"mkstemp|NamedTemporaryFile|os\.replace\(|os\.rename\(", text):
                        offenders.append(os.path.relpath(path, root))
    assert offenders == [os.path.join("theory", "files.py")]


# -- one spelling, one parser ---------------------------------------------------------------------

def test_seed_syntax_is_one_parser():
    from bilinear.cli.common import parse_int_list
    for text, want in [("3", [3]), ("0,1,2", [0, 1, 2]), ("0-2", [0, 1, 2]), ("0-2,5", [0, 1, 2, 5]),
                       (" 1 , 4-5", [1, 4, 5])]:
        assert parse_int_list(text, "--seed") == want
    for bad in ["", "a", "2-1", "-1", "1,,2", "0-x"]:
        with pytest.raises(InputError, match=r"^--seed: expected integers like"):
            parse_int_list(bad, "--seed")


def _plan(argv):
    from bilinear.cli.train import _plan
    return _plan(bilinear_cli.build_parser().parse_args(["train"] + argv))


def test_train_seeds_ranges_equal_lists():
    seeds = [[s.seed for s in _plan(["--task", "parity", "--seed", text])[0]] for text in ("0-2", "0,1,2", "0,1-2")]
    assert seeds == [[0, 1, 2]] * 3
    assert [s.seed for s in _plan(["--task", "parity", "--seed", "4"])[0]] == [4]


def test_model_options_go_only_to_the_models_that_use_them():
    specs = _plan(["--task", "parity", "--model", "full,cp,transformer", "--rank", "3", "--heads", "2",
                   "--hidden", "8"])[0]
    by = {s.model.model: s.model for s in specs}
    assert by["cp"].rank == 3 and by["full"].rank is None and by["transformer"].rank is None
    assert by["transformer"].heads == 2 and by["full"].heads == by["cp"].heads   # default untouched
    assert by["full"].variant() == ""


def test_normalise_is_the_spelling_and_normalize_an_alias(capsys):
    a = _plan(["--task", "parity", "--normalise", "eval"])[0][0].model
    b = _plan(["--task", "parity", "--normalize", "eval"])[0][0].model
    assert a.normalise == b.normalise == "eval"
    assert "--normalise" in main_help("train") and "--normalize" not in main_help("train")
    parse = bilinear_cli.build_parser().parse_args
    assert parse(["simulate", "x.npz", "--no-normalize"]).no_normalise is True
    assert parse(["simulate", "x.npz", "--no-normalise"]).no_normalise is True
    assert "--no-normalise" in main_help("simulate") and "--no-normalize" not in main_help("simulate")


def main_help(name: str) -> str:
    return subcommand_parsers()[name].format_help()


def test_a_group_is_given_the_same_way_everywhere(tmp_path, capsys):
    a = run(capsys, "analyze", "S3", "--json")
    b = run(capsys, "analyze", "--group", "S3", "--json")
    assert a[0] == b[0] == 0 and json.loads(a[1]) == json.loads(b[1])
    from bilinear.constructions.weightfile import load_weights
    assert main(["construct", "A4", "--level", "full", "--out", str(tmp_path / "p.npz")]) == 0
    assert main(["construct", "--group", "A4", "--level", "full", "--out", str(tmp_path / "g.npz")]) == 0
    p, g = load_weights(tmp_path / "p.npz"), load_weights(tmp_path / "g.npz")
    assert np.array_equal(p.dense_W(), g.dense_W()) and p.meta["source"] == g.meta["source"]
    for name in ("analyze", "construct", "task", "train"):
        assert "--group" in options(name)
    for name in ("construct", "task", "train"):
        assert "--automaton" in options(name)


def test_an_automaton_is_given_the_same_way_everywhere(tmp_path, capsys):
    from tests import catalogue
    path = tmp_path / "a.json"
    path.write_text(json.dumps(catalogue.redundant().to_dict()))
    common = ["task", "automaton", "--n", "4", "--length", "5", "--seed", "1"]
    new = run(capsys, *common, "--automaton", str(path))
    old = run(capsys, *common, "--file", str(path))
    assert new[0] == old[0] == 0 and new[1] == old[1] and new[1].count("\n") == 4
    spec = _plan(["--task", "automaton", "--automaton", str(path)])[0][0]
    assert spec.task_options == {"file": str(path)}
    assert main(["construct", "--automaton", str(path), "--level", "full", "--out", str(tmp_path / "a.npz")]) == 0


# -- validator ------------------------------------------------------------------------------------

def test_one_message_template():
    assert str(expected("--hidden", "an even integer", 5)) == "--hidden: expected an even integer, got 5"
    assert check_int("n", 4, minimum=1, maximum=4) == 4
    for bad, what in [(0, "an integer >= 1"), (True, "an integer >= 1"), ("3", "an integer >= 1")]:
        with pytest.raises(InputError, match=f"^n: expected {re.escape(what)}, got {re.escape(repr(bad))}$"):
            check_int("n", bad, minimum=1)
    with pytest.raises(InputError, match=r"^n: expected an integer in \[1, 4\], got 5$"):
        check_int("n", 5, minimum=1, maximum=4)
    assert check_choice("dtype", "float32", ("float32", "float64")) == "float32"


def test_argparse_messages_are_rewritten_to_the_template():
    from bilinear.cli import usage_message
    assert usage_message("argument --level: invalid choice: 'warp' (choose from 'full', 'rot')") == \
        "--level: expected one of full, rot, got 'warp'"
    assert usage_message("argument --x: invalid float value: 'a'") == "--x: expected a number, got 'a'"
    assert usage_message("argument --n: expected an integer >= 1, got '0'") == "--n: expected an integer >= 1, got '0'"


# -- versions and threads -------------------------------------------------------------------------

def _pyproject_version() -> str:
    root = str(ROOT)
    try:
        import tomllib
    except ModuleNotFoundError:                               # Python 3.10
        return re.search(r'(?m)^version\s*=\s*"([^"]+)"', open(os.path.join(root, "pyproject.toml")).read())[1]
    with open(os.path.join(root, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["project"]["version"]


def test_version_flag_and_attribute(capsys):
    assert bilinear.__version__ == importlib.metadata.version("bilinear-states") == _pyproject_version()
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"bilinear-states {bilinear.__version__}"


def test_version_without_package_metadata_reads_pyproject(monkeypatch):
    from bilinear.theory import version

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)
    monkeypatch.setattr(version.importlib.metadata, "version", missing)
    version.package_version.cache_clear()
    try:
        assert version.package_version() == _pyproject_version()
    finally:
        version.package_version.cache_clear()


def _expected_versions() -> dict:
    import torch
    return {"bilinear_states": bilinear.__version__, "numpy": np.__version__,
            "torch": torch.__version__, "python": ".".join(map(str, sys.version_info[:3]))}


def test_weight_files_record_versions(tmp_path, capsys):
    out = tmp_path / "z3.npz"
    assert main(["construct", "Z3", "--level", "rot", "--out", str(out)]) == 0
    from bilinear.constructions.weightfile import load_weights
    assert load_weights(out).meta["versions"] == _expected_versions()


def test_results_json_records_versions_and_json_output(tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, _ = run(capsys, "train", "--task", "parity", "--model", "rdiag", "--seed", "0-1", "--json",
                          "--out", str(out), *FAST_TRAIN)
    records = json.load(open(out / "results.json"))
    assert code == 0 and json.loads(stdout) == records and len(records) == 2
    assert all(r["versions"] == _expected_versions() for r in records)


def test_threads_default_to_one_and_help_says_why(capsys, monkeypatch):
    import torch
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        assert main(["train", "--task", "parity", "--model", "rdiag"] + FAST_TRAIN) == 0
        assert torch.get_num_threads() == 1
        assert main(["train", "--task", "parity", "--model", "rdiag", "--threads", "2"] + FAST_TRAIN) == 0
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    help_text = " ".join(main_help("train").split())
    assert "default 1" in help_text and "21x longer" in help_text


def test_one_device_helper():
    import bilinear.verify.device as device
    import bilinear.verify.experiments.simulate as simulate
    assert simulate.default_device is device.default_device


# -- typed public API -----------------------------------------------------------------------------

def _pyproject() -> str:
    return open(os.path.join(str(ROOT), "pyproject.toml")).read()


def test_the_package_ships_py_typed():
    """PEP 561: one marker at the top of the one ``bilinear`` package covers every layer."""
    import bilinear as package
    assert os.path.isfile(os.path.join(os.path.dirname(package.__file__), "py.typed"))
    assert re.search(r'(?m)^bilinear = \["py.typed"\]$', _pyproject())


def test_ci_runs_mypy_over_the_whole_package():
    ci = open(os.path.join(str(ROOT), ".ci", "run")).read()
    assert re.search(r"(?m)^bash .ci/typecheck$", ci)
    assert re.search(r"(?m)^mypy .* -p bilinear", open(os.path.join(str(ROOT), ".ci", "typecheck")).read())
    assert "[tool.mypy]" in _pyproject() and '"mypy>=' in _pyproject()
    assert "exclude" not in _pyproject().split("[tool.mypy]")[1].split("[tool.pytest")[0]


def test_ci_runs_the_fla_checks_last():
    """The adapters' checks against fla run in CI: the extra installed after the slow step, then the
    fla-marked tests (the marker registered, carried by every test module that imports fla)."""
    ci = open(os.path.join(str(ROOT), ".ci", "run")).read()
    slow, fla = ci.rindex("python -m pytest -q -m slow"), ci.rindex("python -m pytest -q -m fla")
    assert slow < ci.rindex('pip install -q -e ".[fla]"') < fla
    assert re.search(r'(?m)^\s*"fla: ', _pyproject())
    tests = os.path.join(str(ROOT), "tests")
    for folder, _, files in os.walk(tests):
        for n in files:
            if n.endswith(".py"):
                text = open(os.path.join(folder, n), encoding="utf-8").read()
                if 'importorskip("fla"' in text:
                    assert "pytestmark = pytest.mark.fla" in text, n


def test_cli_input_errors_follow_the_template():
    """Every InputError raised in bilinear/cli/ reads 'NAME: expected ..., got ...' (or uses expected())."""
    root = os.path.join(str(ROOT), "bilinear", "cli")
    bad = []
    for n in sorted(os.listdir(root)):
        if n.endswith(".py"):
            text = open(os.path.join(root, n), encoding="utf-8").read()
            for m in re.finditer(r"InputError\(f?\"([^\"]*)\"", text):
                if not re.match(r"^[^ :]+: expected .*, got ", m[1]):
                    bad.append(f"{n}: {m[1]}")
    assert bad == []
