"""``bilinear figs``: --only checks its names before any work, --out writes into a folder, --json
reports the files and data; the gallery page is the registry's text and every figure is committed."""

from __future__ import annotations

import json
from pathlib import Path

from bilinear import main
from bilinear.paper_figs import records
from bilinear.paper_figs.gallery import readme_text
from bilinear.paper_figs.registry import FIGURES

ROOT = Path(__file__).resolve().parents[2]


def test_only_with_an_unknown_name_is_one_line_exit_2(tmp_path, capsys):
    code = main(["figs", "--only", "hierarchy,nope", "--out", str(tmp_path / "f")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    lines = err.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith("bilinear figs: error: --only: expected figure names among ")
    assert all(name in lines[0] for name in FIGURES) and lines[0].endswith("got hierarchy,nope")
    assert not (tmp_path / "f").exists()


def test_out_into_a_folder_with_json(tmp_path, capsys):
    out_dir = tmp_path / "a" / "figs"
    code = main(["figs", "--only", "hierarchy,speed", "--out", str(out_dir), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    assert [f["name"] for f in report["figures"]] == ["hierarchy", "speed"]
    assert sorted(p.name for p in out_dir.iterdir()) == ["README.md", "hierarchy.pdf", "hierarchy.png",
                                                          "speed.pdf", "speed.png"]
    assert "figs: [1/2] hierarchy" in err and "figs: [2/2] speed" in err
    assert report["figures"][1]["sources"] == [str(records.BENCH_RECORD)]


def test_training_records_from_a_path(tmp_path, capsys):
    from tests.paper_figs.helpers import run, write_runs
    src = write_runs(tmp_path / "r" / "results.json", [run("parity", "full", 0, {2: 1.0, 5: 0.5}, 0.5)])
    assert main(["figs", "--only", "accuracy", "--out", str(tmp_path / "o"), "--training", str(src), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["figures"][0]["data"]["panels"][0]["series"][0]["median"] == [1.0, 0.5]
    code = main(["figs", "--only", "accuracy", "--out", str(tmp_path / "p"), "--training", str(tmp_path / "none")])
    err = capsys.readouterr().err
    assert code == 2 and "--training: expected a results.json file or a folder of them" in err
    assert not (tmp_path / "p").exists()


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    blocker = tmp_path / "x"
    blocker.write_text("keep")
    assert main(["figs", "--only", "hierarchy", "--out", str(blocker)]) == 2
    assert "--out: expected a folder" in capsys.readouterr().err and blocker.read_text() == "keep"


def test_the_gallery_is_committed_and_current():
    gallery = ROOT / "docs" / "figures"
    assert (gallery / "README.md").read_text(encoding="utf-8") == readme_text()
    for name in FIGURES:
        for fmt, magic in (("pdf", b"%PDF"), ("png", b"\x89PNG")):
            data = (gallery / f"{name}.{fmt}").read_bytes()
            assert data.startswith(magic) and 1000 < len(data) < 400_000, (name, fmt, len(data))
    assert "docs/figures/README.md" in (ROOT / "README.md").read_text(encoding="utf-8")
