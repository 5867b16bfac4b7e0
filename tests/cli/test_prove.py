"""``bilinear prove``: table, --json, --only, --list, --show, exit codes, and no docstrings at run time."""

import json
import subprocess
import sys

import pytest

from bilinear.theory.errors import MathematicalError
from bilinear.theory.theorems import CheckKind, Theorem
from bilinear.constructions.theorems import registry
from bilinear.theory.theorems.commutation import PROOF as COMMUTATION_PROOF


def run(capsys, *argv):
    from bilinear.cli import main
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_only_family(capsys):
    code, out, _ = run(capsys, "prove", "--only", "containment.pdiag_in_rdiag", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["name"] for r in rows] == ["containment.pdiag_in_rdiag"]
    assert rows[0]["status"] == "proved" and rows[0]["kind"] == "symbolic identity"
    assert "linearity" in rows[0]["details"]["lemmas"] and "checked_range" not in rows[0]["details"]
    code, out, _ = run(capsys, "prove", "--only", "containment.rdiag_in_house", "--json")
    row = json.loads(out)[0]
    assert code == 0 and row["status"] == "checked" and "scale_invariance" in row["details"]["checked_range"]
    assert "homogeneous_step" in row["details"]["remains_checked"]


def test_show_prints_the_reduction_and_where_it_is_checked(capsys):
    code, out, _ = run(capsys, "prove", "--show", "containment.cdiag_in_block2")
    flat = " ".join(out.split())
    assert code == 0 and "Reduction (lemma -> identity -> induction" in out and "Scope:" in out
    for where in ("bilinear.theory.theorems.reduction.check_lemmas",
                  "bilinear.theory.theorems.containment_units.prove_reduction",
                  "bilinear.theory.theorems.containments._cdiag_to_block", "Induction on the word length"):
        assert where in flat, where
    code, out, _ = run(capsys, "prove", "--show", "containment.rdiag_in_house")
    assert code == 0 and "Remains checked, not proved:" in " ".join(out.split())
    code, out, _ = run(capsys, "prove", "--show", "exponential_sum.pdiag_parity")
    assert code == 0 and "certificate-producing algorithm for given models" in " ".join(out.split())


def test_latex_prints_theorem_and_proof(capsys):
    code, out, _ = run(capsys, "prove", "--show", "containment.block_in_full", "--latex")
    assert code == 0 and out.startswith("\\begin{theorem}[BLOCK(H, B)") and "\\begin{proof}" in out
    assert out.rstrip().endswith("\\end{proof}") and "$x\\,W = x\\,W$" in out
    code, out, _ = run(capsys, "prove", "--show", "commutation.barrier", "--latex")
    assert code == 0 and "\\begin{proof}" in out and COMMUTATION_PROOF in out
    code, out, err = run(capsys, "prove", "--latex")
    assert code == 2 and out == "" and "--latex: expected --show NAME" in err


def test_table_and_list(capsys):
    code, out, _ = run(capsys, "prove", "--only", "finite_order")
    lines = out.strip().split("\n")
    assert code == 0 and lines[0].split()[:3] == ["theorem", "kind", "status"]
    assert "finite_order.diagonal" in lines[1] and "checked" in lines[1] and lines[2].startswith("1/1 passed")
    assert lines[-1].startswith("  finite_order.diagonal: real roots of x^m - 1 for m <= 24")
    code, out, _ = run(capsys, "prove", "--only", "affine.not_scale_invariant")
    assert code == 0 and "proved" in out.split("\n")[1] and "finite ranges" not in out
    code, out, _ = run(capsys, "prove", "--list")
    assert code == 0 and len(out.strip().split("\n")) == len(registry.all_theorems())
    code, out, _ = run(capsys, "prove", "--list", "--json")
    assert {d["name"] for d in json.loads(out)} == {t.name for t in registry.all_theorems()}


@pytest.mark.parametrize("argv", [("--only", "nonexistent"), ("--show", "nonexistent"), ("--show", "containment"),
                                  ("--show", "affine.as_bilinear", "--list")])
def test_bad_input_is_one_line_error(capsys, argv):
    code, out, err = run(capsys, "prove", *argv)
    assert code == 2 and out == "" and len(err.strip().split("\n")) == 1 and argv[1] in err


def test_show_prints_statement_assumptions_and_proof(capsys):
    t = registry.get_theorem("commutation.barrier")
    code, out, _ = run(capsys, "prove", "--show", "commutation.barrier")
    flat = " ".join(out.split())
    assert code == 0 and out.startswith("commutation.barrier: ")
    assert " ".join(t.statement.split()) in flat and " ".join(COMMUTATION_PROOF.split()) in flat
    assert all(" ".join(a.split()) in flat for a in t.assumptions)
    assert "Statement:" in out and "Assumptions:" in out and "Proof:" in out and t.checked_range in flat
    code, out, _ = run(capsys, "prove", "--show", "commutation.barrier", "--json")
    d = json.loads(out)
    assert code == 0 and d["proof"] == COMMUTATION_PROOF and d["status"] == "checked"
    assert d["checked_range"] == t.checked_range and d["assumptions"] == list(t.assumptions)


@pytest.mark.parametrize("name", [t.name for t in registry.all_theorems()])
def test_show_carries_every_part_of_every_theorem(capsys, name):
    t = registry.get_theorem(name)
    code, out, _ = run(capsys, "prove", "--show", name)
    flat = " ".join(out.split())
    parts = ((t.statement, t.proof, t.latex, t.scope, *t.assumptions, *t.steps)
             + ((t.checked_range,) if t.checked_range else ()))
    assert code == 0 and all(" ".join(p.split()) in flat for p in parts)
    assert f"status '{t.passing_status}'" in flat


def _under_OO(*argv):
    code = f"import sys, bilinear; sys.exit(bilinear.main({list(argv)!r}))"
    return subprocess.run([sys.executable, "-OO", "-c", code], capture_output=True, text=True, timeout=300)


def test_prove_runs_without_docstrings():
    """Under ``python -OO`` docstrings are None; statements and proofs are explicit strings."""
    p = _under_OO("prove", "--only", "affine", "--json")
    assert p.returncode == 0, p.stderr
    assert [r["status"] for r in json.loads(p.stdout)] == ["proved", "proved"]
    p = _under_OO("prove", "--show", "exponential_sum.rdiag_mod3")
    assert p.returncode == 0, p.stderr
    assert "Lemma (sign alternation)" in p.stdout and "Theorem B." in p.stdout
    p = _under_OO("prove", "--list", "--json")
    assert p.returncode == 0, p.stderr
    assert [d["name"] for d in json.loads(p.stdout)] == [t.name for t in registry.all_theorems()]
    assert all(len(d["proof"]) > 40 for d in json.loads(p.stdout))


def test_failure_exits_nonzero(capsys, monkeypatch):
    def bad():
        raise MathematicalError("deliberately broken")
    broken = Theorem(name="broken.one", title="b", statement="s", latex="s", assumptions=("a",), proof="p",
                     kind=CheckKind.MONTE_CARLO, checker=bad, checked_range="10 samples")
    monkeypatch.setattr(registry, "select", lambda pattern: (broken,))
    code, out, err = run(capsys, "prove", "--json")
    assert code == 1 and json.loads(out)[0]["status"] == "failed"
    assert "broken.one FAILED: deliberately broken" in err


@pytest.mark.slow
def test_full_prove_runs_every_theorem(capsys):
    """The whole registry through the command (its time is measured in docs, not asserted here)."""
    code, out, _ = run(capsys, "prove", "--json")
    rows = json.loads(out)
    assert code == 0
    assert {r["status"] for r in rows} == {"proved", "checked", "estimated"}
    assert {r["kind"] for r in rows} == {k.value for k in CheckKind}
