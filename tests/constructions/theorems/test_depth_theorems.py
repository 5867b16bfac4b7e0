"""The depth theorems (constructions/theorems/depth.py) and broken variants they must reject."""

from __future__ import annotations

import pytest

from bilinear.constructions.cascade import Cascade, cascade_construction
from bilinear.constructions.theorems.depth import check_cascade_construction, check_depth_lower_bound
from bilinear.theory.errors import MathematicalError
from bilinear.theory.hierarchy.depth import LevelDepth, least_depth


def test_lower_bound_passes_on_a_few_groups():
    out = check_depth_lower_bound(groups=("S3", "Q8", "A5"))
    assert out["depths"]["S3"] == {"pdiag": None, "rdiag": None, "rot": 2, "cdiag": 2}


def test_lower_bound_rejects_a_depth_that_is_too_small():
    def optimistic(G, level):
        d = least_depth(G, level)
        return LevelDepth(level, 1 if d.depth else None, d.series, d.reason)
    with pytest.raises(MathematicalError, match="S3 at rot: the series gives depth 1"):
        check_depth_lower_bound(groups=("Z3", "S3"), depth_of=optimistic)


def test_lower_bound_rejects_the_wrong_verbal_subgroup():
    # using the square series for rot: Z3 would get no depth, but one rotation layer tracks it
    def squares(G, level):
        return least_depth(G, "rdiag" if level == "rot" else level)
    with pytest.raises(MathematicalError, match="Z3 at rot"):
        check_depth_lower_bound(groups=("Z3",), depth_of=squares)


def test_upper_bound_passes_on_a_few_groups():
    out = check_cascade_construction(groups=("S3", "A5"))
    # refused: S3 at pdiag and rdiag (exponent 6, not a 2-group), A5 at all four (perfect)
    assert out["refused"] == 6 and out["certified"] == 2 and out["hidden_sizes"]["S3 cdiag"] == [2, 2]


def test_upper_bound_rejects_a_broken_builder():
    def swapped(target, level):                  # the lookup table of the top layer scrambled
        c = cascade_construction(target, level)
        top = c.layers[-1]
        table = (top.inputs + 1) % len(top.construction.alphabet)
        from bilinear.constructions.cascade import CascadeLayer
        return Cascade(c.level, c.target, c.layers[:-1] + (CascadeLayer(top.construction, table),), c.output,
                       c.series)
    with pytest.raises(MathematicalError, match="S3 at (rot|cdiag): cascade|the cascade outputs"):
        check_cascade_construction(groups=("S3",), builder=swapped)


def test_upper_bound_rejects_a_builder_that_tracks_an_untrackable_group():
    def never_refuses(target, level):
        if target.group.name == "A5":
            return cascade_construction(type(target).resolve(__import__("bilinear").theory.parse_group("S3")), level)
        return cascade_construction(target, level)
    with pytest.raises(MathematicalError, match="A5 at (rot|cdiag): a cascade was built, but no depth works"):
        check_cascade_construction(groups=("A5",), builder=never_refuses)
