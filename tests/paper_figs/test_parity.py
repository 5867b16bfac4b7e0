"""The frozen-parity figure: its curve is 1 - 2^-H, its points the theorem check's counts."""

from __future__ import annotations

import pytest

from bilinear.paper_figs import parity
from bilinear.theory.theorems.frozen_parity import check_frozen_parity

from .helpers import assert_written


def test_curve_points_and_intervals(tmp_path):
    data = parity.compute(hidden=(1, 2, 3), samples=300, seed=5)
    curve = data["curve"]
    assert curve["success"] == pytest.approx([1 - 0.5 ** h for h in curve["H"]], abs=1e-15)
    assert curve["H"][0] == 1 and curve["H"][-1] == 3
    check = check_frozen_parity(hidden_sizes=(1, 2, 3), samples=300, seed=5)
    assert [(r["H"], r["successes"]) for r in data["rademacher"]] == [(r["H"], r["successes"]) for r in check["per_H"]]
    for r in data["rademacher"] + data["gaussian"]:
        assert r["estimate"] == r["successes"] / r["samples"]
        lo, hi = r["interval"]
        assert lo <= r["estimate"] <= hi
    for r in data["rademacher"]:
        assert r["formula"] == 1 - 0.5 ** r["H"]
    # Gaussian entries are outside the theorem: far below 1 - 2^-3 at H = 3
    assert data["gaussian"][2]["interval"][1] < 0.8
    paths = parity.draw(data, str(tmp_path))
    assert_written({"files": paths}, tmp_path, "parity")
