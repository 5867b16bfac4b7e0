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
    assert info["lowest_level"] == "block_diagonal" and info["lowest_level_block"] == 4


@pytest.mark.parametrize("spec,level,block", [("Z1", "positive_diagonal", None), ("Z2^2", "real_diagonal", None),
                                              ("Z6", "complex_diagonal", None), ("S5", "block_diagonal", 4)])
def test_json_levels(capsys, spec, level, block):
    code, out, _ = run(capsys, "analyze", spec, "--json")
    info = json.loads(out)
    assert code == 0 and info["lowest_level"] == level and info["lowest_level_block"] == block


def test_text_prints_table_and_classification(capsys):
    code, out, _ = run(capsys, "analyze", "A5")
    assert code == 0
    assert "character table of A5" in out and "1/2+sqrt(5)/2" in out
    assert "min block size: real 3, complex 3" in out and "lowest level: block_diagonal" in out


def test_bad_group_is_one_line(capsys):
    code, out, err = run(capsys, "analyze", "perm:(1,2,x)")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
