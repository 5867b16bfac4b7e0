"""``bilinear analyze``: the representation-theory keys of --json and the text table."""

import json

import pytest

from bilinear import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_keys_q8_from_gap_generators(capsys):
    code, out, _ = run(capsys, "analyze", "perm:(1,2,4,6)(3,8,7,5);(1,3,4,7)(2,5,6,8)", "--json")
    info = json.loads(out)
    assert code == 0 and info["order"] == 8 and info["num_classes"] == 5        # old keys kept
    assert sorted((r["degree"], r["indicator"], r["real_dim"], r["faithful"], r["kernel_order"]) for r in info["irreps"]) == \
        [(1, 1, 1, False, 4)] * 3 + [(1, 1, 1, False, 8), (2, -1, 4, True, 1)]
    assert (info["min_block_real"], info["min_block_complex"]) == (4, 2)
    assert (info["min_faithful_dim_real"], info["min_faithful_dim_complex"]) == (4, 2)
    assert info["lowest_level"] == "block" and info["lowest_level_block"] == 4
    rows = {r["level"]: r for r in info["levels"]}
    assert [r["level"] for r in info["levels"]] == ["pdiag", "rdiag", "rot", "cdiag", "block", "cp", "full",
                                                    "house", "mono"]
    assert (rows["house"]["hidden"], rows["house"]["householders"], rows["mono"]["hidden"]) == (4, 4, 4)
    assert rows["house"]["hidden_at_householders"] == {"1": None, "2": None, "4": 4}
    assert [rows[lv]["tracks"] for lv in ("pdiag", "rdiag", "rot", "cdiag")] == [False] * 4
    assert (rows["block"]["hidden"], rows["block"]["block"]) == (4, 4)
    assert (rows["full"]["hidden"], rows["cp"]["hidden"], rows["cp"]["rank"]) == (4, 4, 8)   # min(16, 4 x 2)
    assert all(r["upper"] and r["lower"] for r in info["levels"])


@pytest.mark.parametrize("spec,level,block,hidden", [("Z1", "pdiag", None, 1), ("Z2^2", "rdiag", None, 2),
                                                     ("Z6", "rot", None, 2), ("S5", "block", 4, 4),
                                                     ("A4xZ5", "block", 3, 6)])
def test_json_levels(capsys, spec, level, block, hidden):
    """``lowest_level`` is the first row that tracks, in the one vocabulary of levels."""
    code, out, _ = run(capsys, "analyze", spec, "--json")
    info = json.loads(out)
    assert code == 0 and info["lowest_level"] == level and info["lowest_level_block"] == block
    first = next(r for r in info["levels"] if r["tracks"])
    assert first["level"] == level and first["hidden"] == info["lowest_level_hidden_size"] == hidden


def test_text_prints_table_and_classification(capsys):
    code, out, _ = run(capsys, "analyze", "A5")
    assert code == 0
    assert "character table of A5" in out and "1/2+sqrt(5)/2" in out
    assert "min block size: real 3, complex 3" in out and "lowest level: block with blocks of size 3" in out
    table = out[out.index("levels (weakest first"):].splitlines()[2:]
    rows = [line.split()[:5] for line in table if line.split()[0] in ("pdiag", "rdiag", "rot", "cdiag", "block", "cp", "full")]
    assert rows == [["pdiag", "no", "-", "-", "-"], ["rdiag", "no", "-", "-", "-"], ["rot", "no", "-", "-", "-"],
                    ["cdiag", "no", "-", "-", "-"], ["block", "yes", "3", "3", "-"], ["cp", "yes", "3", "-", "6"],
                    ["full", "yes", "3", "-", "-"]]


def test_bad_group_is_one_line(capsys):
    code, out, err = run(capsys, "analyze", "perm:(1,2,x)")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_max_degree_is_a_flag_of_analyze_and_construct(capsys, tmp_path):
    """The degree limit's message names --max-degree, and that flag raises it."""
    import bilinear
    assert bilinear.main(["analyze", "perm:(1,3000)"]) == 2
    err = capsys.readouterr().err
    assert "--max-degree" in err and len(err.strip().splitlines()) == 1
    assert bilinear.main(["analyze", "perm:(1,3000)", "--max-degree", "4000", "--json"]) == 0
    assert '"order": 2' in capsys.readouterr().out
    out = tmp_path / "z2.npz"
    assert bilinear.main(["construct", "perm:(1,3000)", "--level", "rdiag", "--out", str(out)]) == 2
    assert not out.exists()
    assert bilinear.main(["construct", "perm:(1,3000)", "--max-degree", "3000", "--level", "rdiag",
                          "--out", str(out)]) == 0 and out.exists()


def test_alphabet_and_modern_limit(capsys):
    code, out, _ = run(capsys, "analyze", "S3", "--alphabet", "(1,2);(2,3)", "--json")
    house = next(r for r in json.loads(out)["levels"] if r["level"] == "house")
    assert code == 0 and (house["hidden"], house["householders"], house["alphabet_size"]) == (2, 1, 2)
    code, _, err = run(capsys, "analyze", "S3", "--alphabet", "(1,2)")
    assert code == 2 and err.strip().endswith("--alphabet: expected elements that generate S3, got '(1,2)'")
    code, _, err = run(capsys, "analyze", "S3", "--alphabet", "(1,4)")
    assert code == 2 and "--alphabet: '(1,4)' is not an element of S3" in err
    code, out, _ = run(capsys, "analyze", "Z2^2", "--modern-max-order", "2", "--json")
    info = json.loads(out)
    assert code == 0 and [r["level"] for r in info["levels"]][-1] == "full"
    assert "pass --modern-max-order 4" in info["modern_levels"]


#: Every subcommand that parses a group, from its arguments or from a file.
GROUP_PARSING = ["analyze", "construct", "task", "train", "recover", "certify", "simulate", "export"]


@pytest.mark.parametrize("command", GROUP_PARSING)
def test_every_group_parsing_subcommand_declares_the_limits(command):
    """--max-order and --max-degree come from one helper, on every subcommand that parses a group."""
    from bilinear.cli import _subparsers, build_parser
    p = _subparsers(build_parser())[command]
    flags = {s for a in p._actions for s in a.option_strings}
    assert {"--max-order", "--max-degree"} <= flags


def test_max_degree_reaches_the_group_of_a_weight_file_and_a_task(capsys, tmp_path):
    """A weight file of a group on 3000 points: certify refuses it in one line naming --max-degree,
    and certifies it with the flag; the word task takes the flag as well."""
    import bilinear
    out = tmp_path / "z2.npz"
    assert bilinear.main(["construct", "perm:(1,3000)", "--max-degree", "3000", "--level", "rdiag",
                          "--out", str(out)]) == 0
    capsys.readouterr()
    assert bilinear.main(["certify", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--max-degree" in err and len(err.strip().splitlines()) == 1
    assert bilinear.main(["certify", str(out), "--max-degree", "3000"]) == 0
    capsys.readouterr()
    argv = ["task", "word", "--group", "perm:(1,3000)", "--n", "1", "--length", "2", "--seed", "0"]
    assert bilinear.main(argv) == 2 and "--max-degree" in capsys.readouterr().err
    assert bilinear.main(argv + ["--max-degree", "3000"]) == 0
    word = json.loads(capsys.readouterr().out)
    assert len(word["tokens"]) == 2 and set(word["tokens"]) <= {0, 1}          # Z2 on the points 1 and 3000


def test_house_search_bound_is_an_option(capsys):
    """A house search whose bound exceeds --house-max-sets is refused in one line before it runs; the
    flag raises the bound."""
    basis = ";".join(f"({','.join('1' if j == i else '0' for j in range(6))})" for i in range(6))
    code, out, err = run(capsys, "analyze", "Z2^6", "--alphabet", basis + ";(1,1,0,0,0,0)")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert err.strip().endswith("analyze --modern-max-order 63 leaves the house and mono rows out), got 500000")
    assert "--house-max-sets: expected at least 75611760 (" in err
    alphabet = "(1,0,0,0);(0,1,0,0);(0,0,1,0);(0,0,0,1);(1,1,0,0)"        # C(15,1) + ... + C(15,4) = 1940 sets
    code, out, _ = run(capsys, "analyze", "Z2^4", "--alphabet", alphabet, "--house-max-sets", "1939")
    assert code == 2
    code, out, _ = run(capsys, "analyze", "Z2^4", "--alphabet", alphabet, "--house-max-sets", "1940", "--json")
    house = next(r for r in json.loads(out)["levels"] if r["level"] == "house")
    assert code == 0 and (house["hidden"], house["householders"]) == (4, 2)
    code, out, _ = run(capsys, "analyze", "Z2^6", "--alphabet", "generators", "--json")     # a basis: no search
    house = next(r for r in json.loads(out)["levels"] if r["level"] == "house")
    assert code == 0 and (house["hidden"], house["householders"]) == (6, 1)


@pytest.mark.parametrize("spec,hidden,householders,mono", [
    ("perm:(1,2);(3,4);(5,6);(7,8);(9,10);(11,12)", 6, 6, 6), ("Z2^6", 6, 6, 6), ("Z67", 2, 2, 67)])
def test_modern_rows_of_abelian_groups_from_invariants(capsys, spec, hidden, householders, mono):
    """Z2^6 given either way and Z67 (the searches that ran for minutes): HOUSE (H_0, H_0), MONO from the
    primary invariants."""
    code, out, _ = run(capsys, "analyze", spec, "--json")
    rows = {r["level"]: r for r in json.loads(out)["levels"]}
    assert code == 0 and (rows["house"]["hidden"], rows["house"]["householders"]) == (hidden, householders)
    assert rows["mono"]["hidden"] == mono and "primary invariants" in rows["mono"]["lower"]
