"""The foreign models of :mod:`tests.verify.recover.foreign_models` get the right graded verdict from
``bilinear recover`` without any hand conversion (the expected grades come from how each model is
built)."""

import json

import numpy as np
import pytest

from bilinear import main

from tests.verify.recover import foreign_models as fm


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", list(fm.FIXTURES))
def test_graded_verdict_of_each_foreign_model(name, tmp_path, capsys):
    path, args, grade, needle = fm.FIXTURES[name](tmp_path, np.random.default_rng(0))
    code, out, _ = run(capsys, "recover", path, *args, "--horizon-max", 2000)
    first = out.splitlines()[0]
    assert first.startswith(f"{path}: {grade.upper()}:"), out
    assert needle in out and code == (1 if grade == "not a representation" else 0), out
    code, js, _ = run(capsys, "recover", path, *args, "--horizon-max", 2000, "--json")
    r = json.loads(js)[0]
    assert r["grade"] == grade
    for key in ("homomorphism_residual", "projective_spread", "horizon", "burn_in", "burn_in_distance", "closest",
                "singular_symbols", "symbol_conditioning", "candidates", "orientation", "reasons"):
        assert key in r


def test_dead_block_is_dropped_by_the_burn_in(tmp_path, capsys):
    path, args, _, _ = fm.dead_block(tmp_path, np.random.default_rng(0))
    _, js, _ = run(capsys, "recover", path, *args, "--json", "--horizon-max", 500)
    r = json.loads(js)[0]
    d = r["burn_in_distance"]
    assert r["dimension"] == 3 and r["burn_in"] > 1 and r["grade"] == "exact"
    assert d[0] > 0.1 and max(d[r["burn_in"] - 1:]) <= max(0.01, 2 * r["burn_in_floor"])


@pytest.mark.parametrize("eps", [0.025, 0.06])
def test_near_miss_is_approximate_on_both_sides_of_the_old_cliff(eps, tmp_path, capsys):
    path, args, _, _ = fm.near_miss(tmp_path, np.random.default_rng(0), eps=eps)
    _, js, _ = run(capsys, "recover", path, *args, "--json", "--horizon-max", 2000)
    r = json.loads(js)[0]
    assert r["grade"] == "approximate" and r["dimension"] == 3
    assert [c["real_irreducible"] for c in r["constituents"]] == [1, 2]
    assert r["horizon"]["horizon"] is not None                      # beta = 2 - eps: it drifts, and says when


def test_singular_pdssm_names_the_symbols(tmp_path, capsys):
    path, args, _, _ = fm.singular_pdssm(tmp_path, None)
    _, js, _ = run(capsys, "recover", path, *args, "--json", "--horizon-max", 0)
    r = json.loads(js)[0]
    assert r["singular_symbols"] == ["2 ((1,2))", "5 ((1,3))"] and r["grade"] == "not a representation"


def test_row_vectors_are_detected_and_can_be_declared(tmp_path, capsys):
    path, args, _, _ = fm.row_vectors(tmp_path, np.random.default_rng(0))
    _, js, _ = run(capsys, "recover", path, *args, "--json", "--horizon-max", 200)
    r = json.loads(js)[0]
    assert r["orientation"].startswith("row vectors") and r["column_reading"]["grade"] == "not a representation"
    _, js, _ = run(capsys, "recover", path, *args, "--row-vectors", "--json", "--horizon-max", 200)
    r = json.loads(js)[0]
    assert r["grade"] == "exact" and r["orientation"].startswith("column")
    assert any("row vectors" in n for n in r["info"]["source"])


def test_ambiguous_layout_is_refused_in_one_line(tmp_path, capsys):
    path, _, _, _ = fm.ambiguous_layout(tmp_path, np.random.default_rng(0))
    code, _, err = run(capsys, "recover", path, "--group", "S3")
    assert code == 2 and err.count("\n") == 1 and "--layout: expected D,H,H or H,H,D" in err


def test_foreign_options_on_a_weight_file_are_refused(tmp_path, capsys):
    wf = tmp_path / "s3.npz"
    assert run(capsys, "construct", "S3", "--level", "full", "--out", wf)[0] == 0
    code, _, err = run(capsys, "recover", wf, "--layout", "D,H,H")
    assert code == 2 and "--layout: applies to foreign files" in err
