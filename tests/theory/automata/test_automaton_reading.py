"""Automaton.from_json refuses malformed files in one line naming the file (docs/design.md §11)."""

import json

import pytest

from bilinear.cli import main
from bilinear.theory import InputError
from bilinear.theory.automata.automaton import Automaton

GOOD = {"alphabet": ["0", "1"], "states": ["e", "o"], "start": "e",
        "delta": {"e": {"0": "e", "1": "o"}, "o": {"0": "o", "1": "e"}}, "accept": ["o"]}


def _doc(**changes):
    d = json.loads(json.dumps(GOOD))
    for k, v in changes.items():
        if v is None:
            d.pop(k)
        else:
            d[k] = v
    return json.dumps(d)


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe{}", r"not UTF-8 text \(byte 0xff at offset 0\)"),
    (_doc().encode("utf-16"), r"not UTF-8 text"),
    (b"", r"invalid JSON \(Expecting value at line 1 column 1\)"),
    (b'{"alphabet": ', "invalid JSON"),
    (b"[" * 100000, r"invalid JSON \(nested too deeply\)"),
    (_doc().replace('"start": "e"', '"start": "e", "start": "o"').encode(), r"invalid JSON \(key 'start' appears twice"),
    (_doc(accept=None, output={"e": "NAN", "o": 1}).replace('"NAN"', "NaN").encode(),
     r"invalid JSON \(NaN is not a JSON number"),
    (b"[1, 2]", "automaton: expected a JSON object, got list"),
    (_doc(delta=None).encode(), r"automaton: missing field\(s\) delta"),
    (_doc(states="eo").encode(), "states: expected a non-empty list"),
    (_doc(start=True).encode(), "start: expected a string or number, got True"),
    (_doc(start="z").encode(), "start: 'z' is not a state"),
    (_doc(delta={"e": {"0": "e", "1": "o"}, "o": {"0": "o"}}).encode(),
     "delta: not total: no transition from state 'o' on symbol '1'"),
    (_doc(delta={"e": {"0": "e", "1": "q"}, "o": {"0": "o", "1": "e"}}).encode(), r"delta\['e'\]\['1'\]: unknown state 'q'"),
    (_doc(delta={"e": {"0": "e", "1": "o", "2": "e"}, "o": {"0": "o", "1": "e"}}).encode(), r"delta\['e'\]: unknown symbol '2'"),
    (_doc(delta={"e": ["e", "o"], "o": {"0": "o", "1": "e"}}).encode(), r"delta\['e'\]: expected an object"),
    (_doc(accept=[["o"]]).encode(), r"accept: expected a string or number, got \['o'\]"),
    (_doc(name={"a": 1}).encode(), "name: expected a string"),
    (_doc(colour="red").encode(), r"automaton: unknown field\(s\) colour"),
])
def test_malformed_automaton_files(tmp_path, content, message):
    path = tmp_path / "m.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=f"^automaton file {path}: {message}") as e:
        Automaton.from_json(path)
    assert "\n" not in str(e.value)


def test_good_file_reads(tmp_path):
    path = tmp_path / "parity.json"
    path.write_text(_doc())
    A = Automaton.from_json(path)
    assert A.name == "parity" and A.output_of_word([1, 1, 1]) == "1" and A.output_of_word([1, 1]) == "0"


def test_cli_non_utf8_automaton_exits_2_without_output(tmp_path, capsys):
    """A non-UTF-8 automaton file was a UnicodeDecodeError traceback in ``bilinear construct``."""
    path, out = tmp_path / "bad.json", tmp_path / "w.npz"
    path.write_bytes(b"\xff\xfe\x00{")
    assert main(["construct", "--automaton", str(path), "--level", "full", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and "not UTF-8" in err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]
