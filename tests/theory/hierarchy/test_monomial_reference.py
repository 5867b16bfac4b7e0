"""The MONO row against GAP: the least degree of a faithful signed-monomial representation.

``tests/data/monomial_reference.json`` is written by GAP (``tests/data/gap/make_monomial_reference.g``)
as the least n such that the group is isomorphic to a subgroup of the signed permutation matrices
C2 wr S_n (IsomorphicSubgroups), for every group of order at most 31 of the SmallGroups library with
at most three generators — an independent computation: the toolkit finds the degree as a shortest
path over conjugacy classes of subgroups (or, for abelian groups, from the invariants).  The groups
are read with the generators GAP printed for the character-table reference (same names).
"""

from __future__ import annotations

import json
from functools import lru_cache

import pytest

from bilinear.theory.groups.parser import parse_group
from bilinear.theory.hierarchy.mono import monomial_degree
from tests.paths import DATA

REFERENCE = json.loads((DATA / "monomial_reference.json").read_text())
GENERATORS = {g["name"]: g["generators"] for g in json.loads((DATA / "character_reference.json").read_text())["groups"]}


@lru_cache(maxsize=None)
def group(name: str):
    return parse_group("perm:" + GENERATORS[name])


def test_the_reference_covers_what_it_says():
    assert REFERENCE["generator"] == "tests/data/gap/make_monomial_reference.g"
    names = [g["name"] for g in REFERENCE["groups"]]
    assert len(names) == len(set(names)) >= 80 and set(names) <= set(GENERATORS)
    assert sum(g["degree"] is not None for g in REFERENCE["groups"]) >= 60


@pytest.mark.parametrize("entry", REFERENCE["groups"], ids=[g["name"] for g in REFERENCE["groups"]])
def test_the_least_signed_monomial_degree_is_gaps(entry):
    G = group(entry["name"])
    assert G.order == entry["order"]
    degree = monomial_degree(G).degree
    if entry["degree"] is None:
        assert degree > REFERENCE["max_degree"]
    else:
        assert degree == entry["degree"]
