"""Figure ``depth`` (paper_figs/depth.py): its data is the theory's depth table and the success rates of
the records it reads."""

from __future__ import annotations

import json

from bilinear.paper_figs import depth
from bilinear.theory.groups.parser import parse_group
from bilinear.theory.hierarchy.depth import least_length_by_search


def test_depth_panel_matches_the_lattice_search():
    data = depth.compute(records_path="/nonexistent/records.json")
    assert data["gap"] == {} and data["records"] is None
    for g in ("S3", "Q8", "A4", "S4", "Z2xZ4", "A5"):
        G = parse_group(g)
        for level, verbal in (("rot", "commutator"), ("rdiag", "square")):
            n = least_length_by_search(G, verbal)
            assert data["depth"][g][level] == (None if n is None else max(n, 1)), (g, level)


def test_gap_panel_reads_the_records(tmp_path):
    records = [{"group": "S3", "level": "cdiag", "init": "cascade", "noise": 0.1, "success": s} for s in (1, 0, 1)] + \
              [{"group": "S3", "level": "cdiag", "init": "random", "noise": None, "success": False}]
    path = tmp_path / "records.json"
    path.write_text(json.dumps(records))
    data = depth.compute(path)
    assert data["gap"]["S3 cdiag"]["noise"] == {"0.1": 2 / 3} and data["gap"]["S3 cdiag"]["random"] == 0.0
    records.append({"group": "S3", "level": "rot", "init": "random", "noise": None, "success": True,
                    "config": {"steps": 2000}})
    path.write_text(json.dumps(records))
    data = depth.compute(path)
    assert data["gap"]["S3 rot, 2000 steps"]["random"] == 1.0 and data["gap"]["S3 rot, 2000 steps"]["steps"] == 2000
    files = depth.draw(data, str(tmp_path))
    assert all((tmp_path / f"depth.{fmt}").stat().st_size > 1000 for fmt in ("pdf", "png")) and len(files) == 2
