"""Depth per level (theory/groups/series.py, theory/hierarchy/depth.py) against GAP's DerivedSeries /
DerivedLength and square series (tests/data/depth_reference.json, written by
tests/data/gap/make_depth_reference.g), and the greedy series against a search over every subnormal
series of the subgroup lattice."""

from __future__ import annotations

import json

import pytest

from bilinear.theory.errors import InputError
from bilinear.theory.groups.parser import parse_group
from bilinear.theory.groups.series import derived_series, quotient_invariants, series_of, square_series
from bilinear.theory.hierarchy.analysis import analysis, analysis_lines
from bilinear.theory.hierarchy.depth import INFINITY, depth_reports, least_depth, least_length_by_search
from bilinear.theory.hierarchy.levels import LEVEL_NAMES, LEVELS

from tests.paths import DATA

REFERENCE = json.loads((DATA / "depth_reference.json").read_text())
ROWS = REFERENCE["groups"]
FAST_MAX_ORDER = 40


def _order(row) -> int:
    return row[3][0]


def _check_row(row) -> None:
    name, gens, dl, ds, inv, sq = row
    G = parse_group("perm:" + gens)
    d, s = derived_series(G), square_series(G)
    assert list(d.orders) == ds, name
    assert [list(f) for f in d.factor_invariants] == inv, name
    assert (-1 if d.length is None else d.length) == dl, name
    assert list(s.orders) == sq, name
    # the depth column, read off GAP's numbers
    depths = {r.level: r.depth for r in depth_reports(G)}
    assert depths["rot"] == depths["cdiag"] == (None if dl < 0 else max(dl, 1)), name
    assert depths["rdiag"] == (max(len(sq) - 1, 1) if sq[-1] == 1 else None), name
    assert depths["pdiag"] == (1 if G.order == 1 else None), name
    assert all(depths[lv] == 1 for lv in LEVEL_NAMES if LEVELS[lv].one_layer_verbal is None), name


def test_reference_covers_every_group_of_order_at_most_100():
    # SmallGroups: 1048 groups of order <= 100; and S5, GL(3,2), SL(2,5)
    assert len(ROWS) == 1048 + 3 and REFERENCE["gap_version"].startswith("4.")
    assert sorted({_order(r) for r in ROWS if r[0][0].isdigit()}) == list(range(1, 101))


@pytest.mark.parametrize("row", [r for r in ROWS if _order(r) <= FAST_MAX_ORDER], ids=lambda r: r[0])
def test_series_agree_with_gap_small(row):
    _check_row(row)


@pytest.mark.slow
def test_series_agree_with_gap_every_group_of_order_at_most_100():
    for row in ROWS:
        _check_row(row)


@pytest.mark.parametrize("row", [r for r in ROWS if _order(r) <= 24 or r[0] in ("S5", "GL(3,2)")], ids=lambda r: r[0])
def test_greedy_series_is_the_shortest_subnormal_series(row):
    """The greedy series against a breadth-first search over every subnormal series (subgroup lattice)."""
    G = parse_group("perm:" + row[1])
    for verbal in ("whole", "square", "commutator"):
        assert least_length_by_search(G, verbal, max_order=G.order) == series_of(G, verbal).length, (row[0], verbal)


def test_search_sees_a_deliberately_slow_series_as_too_long():
    # the search is a real second method: a descending series that takes a detour is longer than the least
    G = parse_group("perm:(1,2,3,4);(1,2)")                  # S4: 24 > 12 > 4 > 1
    assert least_length_by_search(G, "commutator") == 3
    assert least_length_by_search(G, "square") is None and least_length_by_search(G, "whole") is None


def test_quotient_invariants_refuse_a_non_abelian_section():
    G = parse_group("S3")
    with pytest.raises(Exception, match="is not abelian"):
        quotient_invariants(G, list(range(6)), [0])


def test_unknown_verbal_and_level_are_refused():
    with pytest.raises(InputError, match="verbal: expected one of"):
        series_of(parse_group("S3"), "cube")
    with pytest.raises(InputError, match="level"):
        least_depth(parse_group("S3"), "warp")


@pytest.mark.parametrize("spec", ["S3", "Q8", "S4", "A5", "Z2^3", "SL(2,3)"])
def test_analyze_reports_the_depth_of_every_level(spec):
    G = parse_group(spec)
    info = analysis(G)
    rows = {r["level"]: r for r in info["levels"]}
    assert set(rows) == set(LEVEL_NAMES)
    dl = derived_series(G).length
    assert rows["cdiag"]["depth"] == rows["rot"]["depth"] == (None if dl is None else max(dl, 1))
    assert rows["cdiag"]["depth_series"]["orders"] == list(derived_series(G).orders)
    for lv in ("block", "full", "cp", "house", "mono"):
        assert rows[lv]["depth"] == 1 and rows[lv]["depth_series"] is None
    text = "\n".join(analysis_lines(G, info))
    assert " depth " in text.splitlines()[[i for i, s in enumerate(text.splitlines()) if s.startswith("level ")][0]]
    assert (INFINITY in text) == any(r["depth"] is None for r in rows.values())
