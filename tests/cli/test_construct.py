"""bilinear construct / certify / simulate from the command line."""

import json
import subprocess
import sys

import numpy as np
import pytest

import bilinear
from bilinear import main
from bilinear.constructions.weightfile import WeightFile, load_weights, save_weights
from tests import catalogue


def cli(*argv):
    r = subprocess.run([sys.executable, "-c", "import bilinear; bilinear.main()", *argv], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def test_construct_certify_round_trip(tmp_path, capsys):
    out = tmp_path / "s5.npz"
    assert main(["construct", "S5", "--level", "full", "--method", "regular", "--alphabet", "all",
                 "--out", str(out)]) == 0
    wf = load_weights(out)
    assert wf.level == wf.meta["level"] == "full" and wf.meta["method"] == "regular"
    assert wf.meta["parameters"] == {"hidden": 120}
    assert main(["certify", str(out), "--json"]) == 0
    cert = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert cert["certified"] and cert["method"] == "exact-integer" and cert["hidden_size"] == 120
    assert cert["num_symbols"] == 120


def test_construct_automaton(tmp_path, capsys):
    path = tmp_path / "flip.json"
    path.write_text(json.dumps(catalogue.redundant().to_dict()))
    out = tmp_path / "a.npz"
    assert main(["construct", "--automaton", str(path), "--level", "full", "--out", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hidden_size"] == 2
    assert main(["construct", "--automaton", str(path), "--level", "full", "--keep-states", "--out", str(out)]) == 0
    assert load_weights(out).hidden_size == 4


def test_certify_rejects_tampered_file(tmp_path):
    out = tmp_path / "z5.npz"
    assert main(["construct", "Z5", "--level", "rot", "--out", str(out)]) == 0
    wf = load_weights(out)
    W = wf.dense_W()
    W[0, 0, 0] += 1e-9
    save_weights(out, WeightFile(W, wf.h0, wf.readout, wf.labels, wf.alphabet, wf.level, wf.meta))
    code, stdout, stderr = cli("certify", str(out), "--json")
    assert code == 1 and json.loads(stdout)["certified"] is False
    assert "Traceback" not in stderr and len(stderr.strip().split("\n")) == 1


def test_simulate_command(tmp_path, capsys):
    out = tmp_path / "q8.npz"
    assert main(["construct", "Q8", "--level", "full", "--method", "permutation", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["simulate", str(out), "--n", "50", "--length", "100", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["accuracy"]["per_token"] == 1.0


@pytest.mark.parametrize("argv, fragment", [
    (["construct", "Foo", "--level", "full"], "expected a group"),
    (["construct", "--level", "full"], "exactly one of GROUP or --automaton"),
    (["construct", "S3", "--automaton", "x.json", "--level", "full"], "exactly one of"),
    (["construct", "S3", "--level", "warp"], "--level: expected one of pdiag, rdiag, rot, cdiag, block, cp, full"),
    (["construct", "S3", "--level", "regular"], "use --level full --method regular"),
    (["construct", "S3", "--level", "permutation"], "use --level full --method permutation"),
    (["construct", "S3", "--level", "block_diagonal"], "--level: expected one of"),
    (["construct", "S3", "--level", "full", "--method", "warp"], "representation, regular, permutation"),
    (["construct", "S3", "--level", "rot", "--method", "regular"], "--method: level rot"),
    (["construct", "--automaton", "/nonexistent.json", "--level", "full"], "No such file"),
    (["construct", "S3", "--level", "full", "--block", "2"], "--block applies"),
])
def test_construct_bad_input(tmp_path, argv, fragment):
    out = tmp_path / "x.npz"
    code, _, err = cli(*argv, "--out", str(out))
    assert code == 2 and "Traceback" not in err
    assert len(err.strip().split("\n")) == 1 and fragment in err, err
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, fragment", [
    (["construct", "S3", "--level", "rot"], "commutation barrier"),
    (["construct", "Z3", "--level", "rdiag"], "finite-order diagonals"),
    (["construct", "S5", "--level", "block", "--block", "3"], "block-size classification"),
])
def test_construct_at_a_level_that_cannot_track_is_a_negative_verdict(tmp_path, argv, fragment):
    """A level that cannot track the object is a mathematical "no" (exit 1, "cannot track"), not bad
    input (exit 2): a script can tell it from a typo (docs/design.md §11)."""
    out = tmp_path / "x.npz"
    code, _, err = cli(*argv, "--out", str(out))
    assert code == 1 and "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("bilinear construct: cannot track:") and fragment in err, err
    assert list(tmp_path.iterdir()) == []


def test_certify_bad_files(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    for path, fragment in [(tmp_path / "missing.npz", "no such file"), (junk, "not a .npz archive")]:
        code, _, err = cli("certify", str(path))
        assert code == 2 and fragment in err and "Traceback" not in err and "allow_pickle" not in err
    np.savez(tmp_path / "partial.npz", W=np.zeros((2, 2, 1)))
    code, _, err = cli("certify", str(tmp_path / "partial.npz"))
    assert code == 2 and "missing array" in err


def test_house_search_bound_is_an_option_of_construct(tmp_path, capsys):
    """construct --level house takes the same bound as analyze, refused before the search and before
    anything is written; it is refused for other levels."""
    out = tmp_path / "h.npz"
    alphabet = "(1,0,0,0);(0,1,0,0);(0,0,1,0);(0,0,0,1);(1,1,0,0)"        # the search may examine 1940 sets
    argv = ["construct", "Z2^4", "--level", "house", "--alphabet", alphabet, "--out", str(out)]
    assert bilinear.main(argv + ["--house-max-sets", "1939"]) == 2
    assert "--house-max-sets: expected at least 1940 (" in capsys.readouterr().err and not out.exists()
    assert bilinear.main(argv + ["--house-max-sets", "1940"]) == 0
    assert "hidden size 4, 2 Householder factor(s)" in capsys.readouterr().out and out.exists()
    assert bilinear.main(["construct", "S3", "--level", "block", "--house-max-sets", "5", "--out",
                          str(tmp_path / "b.npz")]) == 2
    assert "--house-max-sets applies to --level house only" in capsys.readouterr().err
