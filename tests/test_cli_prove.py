"""``bilinear prove``: table, --json, --only, --list, exit codes."""

import json

import pytest

from theory.errors import MathematicalError
from constructions.theorems import registry
from theory.theorems import CheckKind, Theorem


def run(capsys, *argv):
    from bilinear_cli import main
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_only_family(capsys):
    code, out, _ = run(capsys, "prove", "--only", "containment.pdiag_in_rdiag", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["name"] for r in rows] == ["containment.pdiag_in_rdiag"]
    assert rows[0]["status"] == "proved" and rows[0]["kind"] == "symbolic identity"
    assert rows[0]["details"]["cases"] == 18


def test_table_and_list(capsys):
    code, out, _ = run(capsys, "prove", "--only", "finite_order")
    lines = out.strip().split("\n")
    assert code == 0 and lines[0].split()[:3] == ["theorem", "kind", "status"]
    assert "finite_order.diagonal" in lines[1] and "proved" in lines[1] and lines[-1].startswith("1/1 passed")
    code, out, _ = run(capsys, "prove", "--list")
    assert code == 0 and len(out.strip().split("\n")) == len(registry.all_theorems())
    code, out, _ = run(capsys, "prove", "--list", "--json")
    assert {d["name"] for d in json.loads(out)} == {t.name for t in registry.all_theorems()}


def test_unknown_name_is_one_line_error(capsys):
    code, out, err = run(capsys, "prove", "--only", "nonexistent")
    assert code == 2 and out == "" and len(err.strip().split("\n")) == 1 and "nonexistent" in err


def test_failure_exits_nonzero(capsys, monkeypatch):
    def bad():
        raise MathematicalError("deliberately broken")
    broken = Theorem(name="broken.one", title="b", statement="s", latex="s", assumptions=("a",), proof="p",
                     kind=CheckKind.MONTE_CARLO, checker=bad)
    monkeypatch.setattr(registry, "select", lambda pattern: (broken,))
    code, out, err = run(capsys, "prove", "--json")
    assert code == 1 and json.loads(out)[0]["status"] == "failed"
    assert "broken.one FAILED: deliberately broken" in err


@pytest.mark.slow
def test_full_prove_under_five_minutes(capsys):
    import time
    t = time.perf_counter()
    code, out, _ = run(capsys, "prove", "--json")
    rows = json.loads(out)
    assert code == 0 and time.perf_counter() - t < 300
    assert {r["status"] for r in rows} <= {"proved", "checked"}
    assert {r["kind"] for r in rows} == {k.value for k in CheckKind}
