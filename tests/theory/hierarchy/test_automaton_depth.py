"""The depth column for automata (theory/hierarchy/automaton_depth.py) and analyze --automaton."""

from __future__ import annotations

import json

import pytest

from bilinear import main
from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import InputError
from bilinear.theory.groups.parser import parse_group
from bilinear.theory.hierarchy.automaton_depth import AutomatonDepth, automaton_depths
from bilinear.theory.hierarchy.depth import least_depth
from bilinear.theory.hierarchy.levels import LEVEL_NAMES


def _permutation_machine(perms: list[list[int]], name: str) -> Automaton:
    """States 0..n-1, one letter per permutation (image lists), output = the state."""
    n = len(perms[0])
    states = [str(i) for i in range(n)]
    letters = [f"p{j}" for j in range(len(perms))]
    delta = {str(q): {a: str(p[q]) for a, p in zip(letters, perms)} for q in range(n)}
    return Automaton.from_dict({"alphabet": letters, "states": states, "start": "0", "delta": delta,
                                "output": {s: s for s in states}}, name=name)


@pytest.mark.parametrize("perms,spec", [
    ([[1, 2, 3, 0], [1, 0, 2, 3]], "perm:(1,2,3,4);(1,2)"),            # S4 on 4 points
    ([[1, 2, 0, 3, 4], [0, 1, 3, 4, 2], [1, 0, 3, 2, 4]], "A5"),         # 3-cycles and a double transposition: A5
    ([[1, 0, 2, 3], [0, 1, 3, 2]], "Z2^2"),
    ([[1, 2, 0]], "Z3"),
])
def test_a_permutation_machine_has_the_depth_of_its_group(perms, spec):
    rows = {r.level: r for r in automaton_depths(_permutation_machine(perms, spec))}
    G = parse_group(spec)
    for level in LEVEL_NAMES:
        assert rows[level].depth == least_depth(G, level).depth, level
        assert rows[level].status in ("exact", "infinite")


def test_a_cayley_machine_has_the_depth_of_its_group():
    for spec in ("S3", "Q8"):
        G = parse_group(spec)
        rows = automaton_depths(Automaton.from_group(G))
        assert [r.depth for r in rows] == [least_depth(G, lv).depth for lv in LEVEL_NAMES]


def test_a_machine_with_resets_is_unknown_at_the_diagonal_levels():
    ff = Automaton.from_dict({"alphabet": ["r", "s0", "s1"], "states": ["0", "1"], "start": "0",
                              "delta": {"0": {"r": "0", "s0": "0", "s1": "1"}, "1": {"r": "1", "s0": "0", "s1": "1"}},
                              "output": {"0": "0", "1": "1"}}, name="flipflop")
    rows = {r.level: r for r in automaton_depths(ff)}
    for lv in ("pdiag", "rdiag", "rot", "cdiag"):
        assert rows[lv].status == "unknown" and rows[lv].cell == "?" and "affine" in rows[lv].reason
    assert all(rows[lv].depth == 1 for lv in ("block", "cp", "full"))


def test_row_refuses_inconsistent_status():
    with pytest.raises(InputError, match="a depth is given exactly when the status is exact"):
        AutomatonDepth("rot", 2, "unknown", "x")


def test_analyze_automaton_cli(tmp_path, capsys):
    path = tmp_path / "s3.json"
    path.write_text(json.dumps(Automaton.from_group(parse_group("S3")).to_dict()))
    assert main(["analyze", "--automaton", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["transition_monoid"]["is_group"] and info["transition_monoid"]["size"] == 6
    assert {r["level"]: r["depth"] for r in info["levels"]}["cdiag"] == 2
    assert main(["analyze", "--automaton", str(path)]) == 0
    assert "cdiag      2" in capsys.readouterr().out
