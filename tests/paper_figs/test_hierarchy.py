"""The hierarchy figure: its groups per level are the classification of docs/design.md §4, recomputed
here from the groups' multiplication alone (trivial; every element squares to e; all pairs commute),
its arrows are the containments, and the layers respect them."""

from __future__ import annotations

import numpy as np

from bilinear.constructions.theorems.block_classification import CLASSIFICATION_GROUPS, KNOWN_MIN_BLOCK
from bilinear.paper_figs import hierarchy
from bilinear.theory.groups.parser import parse_group
from bilinear.theory.hierarchy.levels import CLASSICAL_LEVEL_NAMES as LEVEL_NAMES
from bilinear.theory.hierarchy.levels import CONTAINMENTS

from .helpers import assert_written


def _expected_levels(spec: str) -> set[str]:
    """Which levels track the group, from §4's rules and brute force over the elements."""
    G = parse_group(spec)
    e = np.arange(G.order)
    a, b = np.meshgrid(e, e, indexing="ij")
    abelian = bool(np.array_equal(G.mul(a.ravel(), b.ravel()), G.mul(b.ravel(), a.ravel())))
    squares_trivial = bool(np.all(G.mul(e, e) == G.identity))
    out = {"block", "cp", "full"}
    if G.order == 1:
        out.add("pdiag")
    if squares_trivial:
        out.add("rdiag")
    if abelian:
        out |= {"rot", "cdiag"}
    return out


def test_groups_per_level_are_the_classification(tmp_path):
    res = hierarchy.build(str(tmp_path))
    assert_written(res, tmp_path, "hierarchy")
    data = res["data"]
    assert data["groups"] == list(CLASSIFICATION_GROUPS)
    expected = {spec: _expected_levels(spec) for spec in CLASSIFICATION_GROUPS}
    for level in LEVEL_NAMES:
        assert set(data["tracked"][level]) == {g for g, lv in expected.items() if level in lv}, level
    for g in CLASSIFICATION_GROUPS:       # each group is listed once, at its weakest level
        weakest = next(lv for lv in LEVEL_NAMES if lv in expected[g])
        assert [lv for lv in LEVEL_NAMES if g in data["new"][lv]] == [weakest]
    for g, b in KNOWN_MIN_BLOCK.items():
        assert data["block_size"][g] == b


def test_arrows_are_the_containments_and_point_up():
    data = hierarchy.compute(groups=("Z1", "S3"))
    assert [tuple(e) for e in data["edges"]] == [(c.smaller, c.larger, c.statement) for c in CONTAINMENTS
                                                 if {c.smaller, c.larger} <= set(LEVEL_NAMES)]
    lay = data["layers"]
    assert set(lay) == set(LEVEL_NAMES)
    for a, b, _ in data["edges"]:
        assert a == b or lay[a] < lay[b]


def test_layers_of_a_small_dag():
    assert hierarchy.layers("abcd", [("a", "b"), ("b", "c"), ("d", "c")]) == {"a": 0, "b": 1, "c": 2, "d": 1}
    assert hierarchy.layers("ab", [("a", "a")]) == {"a": 0, "b": 0}
