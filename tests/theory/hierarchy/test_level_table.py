"""The per-level table of ``bilinear analyze`` against brute force, and the one vocabulary of levels."""

import itertools
import math

import numpy as np
import pytest
import sympy

from tests import catalogue
from bilinear.theory import InputError, parse_group
from bilinear.theory.hierarchy.analysis import alphabet_size, analysis, level_reports
from bilinear.theory.hierarchy.levels import (CLASSICAL_LEVEL_NAMES, CONTAINMENTS, LEVEL_NAMES, LEVELS, MODERN_LEVEL_NAMES, Block, CDiag, House, Rot, check_level_name, level_class)
from bilinear.theory.representations.real_irreps import real_irreducibles


def _is_abelian(G):
    return bool(np.array_equal(G.table, G.table.T))


def _p_rank(G, p):
    """log_p |{g : g^p = e}| for an abelian group (the number of Z_{p^k} factors)."""
    n = sum(1 for g in range(G.order) if G.mul_word([g] * p) == 0)
    return round(math.log(n, p))


def _faithful(G, irreps):
    common = np.ones(G.order, dtype=bool)
    for r in irreps:
        m = np.zeros(G.order, dtype=bool)
        m[r.kernel] = True
        common &= m
    return int(common.sum()) == 1


def _bins(dims, B):
    """Least number of bins of capacity B for the items ``dims`` (every assignment)."""
    for n in range(1, len(dims) + 1):
        for assign in itertools.product(range(n), repeat=len(dims)):
            if all(sum(d for d, a in zip(dims, assign) if a == b) <= B for b in range(n)):
                return n
    return 0


def brute_force_table(G):
    """(tracks, hidden, block, rank) per level, from the definitions by exhaustive search."""
    irr = real_irreducibles(G)
    faithful_sets = []        # irredundant faithful sets (no faithful proper subset); every faithful set contains one
    for k in range(0, min(len(irr), 5) + 1):
        for S in itertools.combinations(irr, k):
            if _faithful(G, S) and not any(set(F) <= set(S) for F in faithful_sets):
                faithful_sets.append(S)
    full = max(min(sum(r.real_dim for r in S) for S in faithful_sets), 1)
    B = min(b for b in range(1, G.order + 1) if _faithful(G, [r for r in irr if r.real_dim <= b]))
    block = B * max(1, min(_bins([r.real_dim for r in S], B) for S in faithful_sets
                           if all(r.real_dim <= B for r in S)))
    exp2 = all(G.mul_word([g, g]) == 0 for g in range(G.order))
    abelian = _is_abelian(G)
    rank = max([_p_rank(G, p) for p in sympy.primefactors(G.order)] or [0]) if abelian else None
    D = max(len(G.generators), 1)
    return {
        "pdiag": (G.order == 1, 1 if G.order == 1 else None, None, None),
        "rdiag": (exp2, max(round(math.log2(G.order)), 1) if exp2 else None, None, None),
        "rot": (abelian, 2 * max(rank, 1) if abelian else None, None, None),
        "cdiag": (abelian, 2 * max(rank, 1) if abelian else None, None, None),
        "block": (True, block, B, None),
        "cp": (True, full, None, min(full * full, full * D)),
        "full": (True, full, None, None),
    }


@pytest.mark.parametrize("spec", catalogue.SMALL_GROUP_SPECS + ["Z2xZ6", "Z3xZ3", "D6", "Z2^2xS3"])
def test_level_table_against_brute_force(spec):
    G = parse_group(spec)
    expected = brute_force_table(G)
    rows = level_reports(G)
    assert tuple(r.level for r in rows) == LEVEL_NAMES      # the modern rows: test_modern_classification.py
    for r in rows[:len(CLASSICAL_LEVEL_NAMES)]:
        assert (r.tracks, r.hidden, r.block, r.rank) == expected[r.level], (spec, r.level)
        assert r.upper and r.lower


def test_block_row_needs_optimal_packing_not_least_dimension():
    """A4xZ5 at B = 3: least total dimension 5 = 3 + 2, but BLOCK(H, 3) needs H = 6 (two blocks)."""
    G = parse_group("A4xZ5")
    row = level_reports(G)[CLASSICAL_LEVEL_NAMES.index("block")]
    assert (row.hidden, row.block) == (6, 3) and sum(real_irreducibles(G)[i].real_dim for i in row.irreps) == 5


def test_refusals_name_their_theorem():
    rows = {r.level: r for r in level_reports(parse_group("S3"))}
    assert "commutation.barrier" in rows["rot"].lower and "commutation.barrier" in rows["cdiag"].lower
    assert "finite_order.diagonal" in rows["pdiag"].lower and "finite_order.diagonal" in rows["rdiag"].lower


def test_analysis_json_keeps_old_keys_and_adds_levels():
    info = analysis(parse_group("Z6"))
    for key in ("lowest_level", "lowest_level_block", "lowest_level_hidden_size", "min_block_real",
                "min_faithful_dim_real", "min_block_complex", "irreps", "real_irreps"):
        assert key in info
    assert [e["level"] for e in info["levels"]] == list(LEVEL_NAMES) and info["modern_levels"] == "computed"
    assert all({"level", "tracks", "hidden", "block", "rank", "upper", "lower"} <= set(e) for e in info["levels"])
    assert info["lowest_level"] == "rot" and alphabet_size(parse_group("Z6")) == 1


def test_vocabulary():
    assert CLASSICAL_LEVEL_NAMES == ("pdiag", "rdiag", "rot", "cdiag", "block", "cp", "full")
    assert MODERN_LEVEL_NAMES == ("house", "mono") and LEVEL_NAMES == CLASSICAL_LEVEL_NAMES + MODERN_LEVEL_NAMES
    assert all(level_class(n).name == n for n in LEVEL_NAMES) and tuple(LEVELS) == LEVEL_NAMES
    for old in ("regular", "permutation"):
        with pytest.raises(InputError, match=f"--level full --method {old}"):
            check_level_name(old)
    for old in ("positive_diagonal", "block_diagonal", "BLOCK"):
        with pytest.raises(InputError, match="expected one of pdiag, rdiag, rot, cdiag, block, cp, full"):
            check_level_name(old)
    with pytest.raises(InputError, match="divide"):
        Block(hidden=5, block=3)
    for cls in (Rot, CDiag):
        with pytest.raises(InputError, match="even"):
            cls(hidden=3)
    with pytest.raises(InputError, match="positive"):
        LEVELS["full"](hidden=0)
    with pytest.raises(InputError, match="householders: expected a positive integer"):
        House(hidden=3, householders=0)
    with pytest.raises(InputError, match="hidden"):
        LEVELS["mono"](hidden=0)


def test_containments_name_registered_theorems():
    from bilinear.constructions.theorems.registry import all_theorems
    names = {t.name for t in all_theorems()}
    for c in CONTAINMENTS:
        assert c.theorem in names, c
        if c.larger in CLASSICAL_LEVEL_NAMES and c.smaller in CLASSICAL_LEVEL_NAMES:
            assert LEVEL_NAMES.index(c.smaller) <= LEVEL_NAMES.index(c.larger) or c.larger == "cp"
    assert {c.smaller for c in CONTAINMENTS} | {c.larger for c in CONTAINMENTS} >= set(MODERN_LEVEL_NAMES)


def test_verify_model_names_come_from_the_levels():
    from bilinear.verify.models.classic import BILINEAR_LEVELS
    assert sorted(BILINEAR_LEVELS) == sorted(LEVEL_NAMES)
