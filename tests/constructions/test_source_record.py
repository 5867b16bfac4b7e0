"""``meta.source`` is written and read in one module (constructions/source.py)."""

import re
from pathlib import Path

import pytest

from bilinear.constructions.source import (automaton_source, check_source, group_source, read_source,
                                           source_kind)
from bilinear.theory import InputError, parse_group
from bilinear.theory.groups.named import group_from_cayley_table
from tests import catalogue

PACKAGE = Path(__file__).resolve().parents[2]


def test_a_group_round_trips_by_its_spec_or_its_table():
    G = parse_group("S3")
    src = group_source(G, [1, 2])
    assert "cayley_table" not in src and source_kind(src) == "group"
    target = read_source(src)
    assert target.group.names == G.names and target.alphabet == (1, 2) and target.automaton is None
    H = group_from_cayley_table(G.table.tolist(), names=[f"g{i}" for i in range(G.order)], name="mine")
    src = group_source(H, [0, 3])
    assert src["cayley_table"] == G.table.tolist() and src["names"][3] == "g3"
    check_source(src)
    again = read_source(src)
    assert again.group.names == H.names and again.alphabet == (0, 3)


def test_an_automaton_is_read_minimised_or_trimmed():
    A = catalogue.parity_dfa()
    for minimize in (True, False):
        src = automaton_source(A, minimize)
        check_source(src)
        target = read_source(src)
        want = A.minimize() if minimize else A.trim()
        assert target.group is None and target.automaton.num_states == want.num_states
        assert source_kind(src) == "automaton"


@pytest.mark.parametrize("src, message", [
    (None, r"meta.source: expected \{kind: group\|automaton, ...\}"),
    ({"kind": "monoid"}, r"meta.source: expected \{kind: group\|automaton, ...\}"),
    ({"kind": "automaton", "automaton": [], "minimize": True}, r"minimize: true\|false"),
    ({"kind": "group", "group": "S3", "alphabet": [True]}, "meta.source.alphabet: expected a list of element names"),
    ({"kind": "group", "alphabet": ["e"]}, "meta.source.group: expected a group spec"),
    ({"kind": "group", "alphabet": [], "cayley_table": [[0]] * 2001, "names": []}, "2001 rows, more than 2000"),
])
def test_malformed_records_are_refused(src, message):
    with pytest.raises(InputError, match=message):
        check_source(src)


def test_read_refuses_what_names_nothing():
    with pytest.raises(InputError, match=r"meta.source: expected \{kind"):
        read_source({"kind": "monoid"})


def test_the_record_is_written_only_here():
    """The record's kinds are spelled out in constructions/source.py and nowhere else in the package."""
    kind = re.compile(r"\"kind\": \"(group|automaton)\"")
    spelled = {p.relative_to(PACKAGE).as_posix() for folder in ("theory", "constructions", "verify", "bilinear")
               for p in (PACKAGE / folder).rglob("*.py") if kind.search(p.read_text())}
    assert spelled == {"constructions/source.py"}
