"""The block-size classification theorem: passes on the catalogue, and rejects broken inputs."""

import dataclasses

import numpy as np
import pytest

from bilinear.constructions.theorems.block_classification import (CLASSIFICATION_GROUPS, THEOREMS, check_block_classification)
from tests import catalogue
from bilinear.theory.errors import MathematicalError
from bilinear.theory.hierarchy.placement import hierarchy_level
from bilinear.theory.representations.real_irreps import real_irreducibles


def test_classification_groups_are_the_catalogue():
    assert set(CLASSIFICATION_GROUPS) == set(catalogue.GROUP_SPECS)


def test_theorem_passes():
    r = THEOREMS[0].check()
    assert r.details["groups"] == len(CLASSIFICATION_GROUPS) and all(g in r.details["checked_range"]
                                                                      for g in CLASSIFICATION_GROUPS)
    rows = {row["group"]: row for row in r.details["results"]}
    assert r.status == "checked" and rows["S5"]["min_block_real"] == 4 and rows["Q8"]["witnesses"]["3"] == "-1"


def test_wrong_kernels_rejected():
    """A wrong character table: pretend D5's 2-dimensional irreducibles contain the rotations in their kernels."""
    def broken(G):
        rotations = np.array([G.element(s) for s in ("()", "(1,2,3,4,5)", "(1,3,5,2,4)", "(1,4,2,5,3)",
                                                     "(1,5,4,3,2)")])
        def with_kernel(r, kernel):           # the kernel is computed on first use: preset it
            out = dataclasses.replace(r)
            out.__dict__["kernel"] = kernel
            return out
        return tuple(with_kernel(r, np.sort(rotations)) if r.real_dim == 2 else r
                     for r in real_irreducibles(G))

    def claims_three(G):
        return dataclasses.replace(hierarchy_level(G), min_block_real=3)

    with pytest.raises(MathematicalError, match="acts non-trivially"):
        check_block_classification(("D5",), level_fn=claims_three, irreps_fn=broken)


def test_too_small_claim_rejected():
    def claims_one(G):
        return dataclasses.replace(hierarchy_level(G), min_block_real=1)
    with pytest.raises(MathematicalError, match="no block construction|known value"):
        check_block_classification(("A4",), level_fn=claims_one)
    with pytest.raises(MathematicalError, match="no block construction"):
        check_block_classification(("AGL(1,7)",), level_fn=lambda G: dataclasses.replace(hierarchy_level(G),
                                                                                            min_block_real=2))


def test_too_large_claim_rejected():
    def claims_more(G):
        return dataclasses.replace(hierarchy_level(G), min_block_real=hierarchy_level(G).min_block_real + 1)
    with pytest.raises(MathematicalError, match="are faithful"):
        check_block_classification(("D5",), level_fn=claims_more)
