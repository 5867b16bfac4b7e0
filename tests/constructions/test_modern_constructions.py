"""HOUSE and MONO constructions: analyze's sizes are construct's, the certificate accepts them and
re-checks the stored factors, Cartan–Dieudonné reproduces the matrices exactly, tampering is caught."""

import json

import numpy as np
import pytest

from bilinear.constructions.build import build
from bilinear.constructions.certificate import certify_weights
from bilinear.constructions.weightfile import WeightFile
from tests import catalogue
from bilinear.theory import parse_group
from bilinear.theory.hierarchy.analysis import level_reports
from bilinear.theory.arith.cartan_dieudonne import (dense_from_ints, dense_from_sparse, factors_product, reflection_factors, reflection_factors_float)
from bilinear.theory.errors import MathematicalError, NotRealizableError
from bilinear.theory.hierarchy.house import reflection_ranks
from bilinear.theory.arith.number_field import RATIONALS
from bilinear.theory.representations.matrices import real_irrep_matrices

SPECS = [s if catalogue.group(s).order <= 24 else pytest.param(s, marks=pytest.mark.slow)
         for s in catalogue.GROUP_SPECS if catalogue.group(s).order <= 60]


@pytest.mark.parametrize("spec", SPECS)
def test_analyze_sizes_are_construct_sizes_and_certified(spec):
    G = catalogue.group(spec)
    rows = {r.level: r for r in level_reports(G)}
    h = build(G, "house", alphabet="all")
    assert (h.hidden_size, h.shape.householders) == (rows["house"].hidden, rows["house"].householders)
    m = build(G, "mono")
    assert m.hidden_size == rows["mono"].hidden
    for c in (h, m):
        cert = certify_weights(c.to_weight_file())
        assert cert.certified and cert.level == c.level


def test_cartan_dieudonne_uses_exactly_rank_many_reflections():
    """Every element of S4 in its standard (Helmert, exact) and permutation models: rank(A - I) factors
    whose product is A exactly; transpositions are single reflections."""
    G = parse_group("S4")
    for r in range(len(reflection_ranks(G, [0]))):
        rim = real_irrep_matrices(G, r)
        ranks = reflection_ranks(G, range(G.num_classes))[r]
        if not rim.exact:
            continue
        from bilinear.constructions.representation import _field_of
        F, theta = _field_of([rim])
        for g in range(G.order):
            M = rim.matrices_exact[g]
            dense = [[tuple(__import__("fractions").Fraction(x) for x in F.coefficients(M[i, j], theta))
                      for j in range(rim.dim)] for i in range(rim.dim)]
            fs = reflection_factors(F, dense)
            assert len(fs) == ranks[G.class_of[g]]
            assert factors_product(F, rim.dim, fs) == dense
    P = dense_from_ints(RATIONALS, [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    assert len(reflection_factors(RATIONALS, P)) == 1


def test_not_orthogonal_is_refused():
    with pytest.raises(MathematicalError, match="not orthogonal"):
        reflection_factors(RATIONALS, dense_from_ints(RATIONALS, [[2, 0], [0, 1]]))
    with pytest.raises(MathematicalError, match="not orthogonal"):
        reflection_factors_float(np.array([[2.0, 0.0], [0.0, 1.0]]))


def test_householders_option():
    S3 = parse_group("S3")
    with pytest.raises(NotRealizableError, match="house.fixed_hyperplanes"):
        build(S3, "house", alphabet="all", householders=1)
    c = build(S3, "house", alphabet=[S3.element("(1,2)"), S3.element("(2,3)")], householders=1)
    assert c.shape.householders == 1 and certify_weights(c.to_weight_file()).certified
    c = build(S3, "house", alphabet="all", householders=3)          # padded with beta = 0
    betas = [f["beta"] for fs in c.house.to_json()["factors"] for f in fs]
    assert c.shape.householders == 3 and 0.0 in betas and certify_weights(c.to_weight_file()).certified


def _tampered(wf: WeightFile, edit) -> WeightFile:
    meta = json.loads(json.dumps(wf.meta))
    edit(meta["info"]["house"]["factors"])
    return WeightFile(wf.W, wf.h0, wf.readout, wf.labels, wf.alphabet, wf.level, meta, wf.W_sparse)


@pytest.mark.parametrize("spec", ["S3", "D4"])
def test_certificate_rechecks_the_factors(spec):
    wf = build(parse_group(spec), "house", alphabet="all").to_weight_file()
    assert certify_weights(wf).certified

    def swap(fs):      # two factors of one symbol exchanged: the product changes for non-commuting reflections
        k = next(i for i, f in enumerate(fs) if all(x["beta"] == 2.0 for x in f))
        fs[k][0], fs[k][1] = fs[k][1], fs[k][0]

    def bad_c(fs):
        f = next(x for f in fs for x in f if x["beta"] == 2.0)
        f["exact"]["c"] = ["1"] + ["0"] * (len(f["exact"]["c"]) - 1) if f["exact"]["c"] != ["1"] else ["2"]

    def long_k(fs):
        f = next(x for f in fs for x in f if x["beta"] == 2.0)
        f["k"] = [2 * v for v in f["k"]]

    def big_beta(fs):
        fs[0][0]["beta"] = 2.5
    for edit, pattern in ((swap, "product"), (bad_c, r"c \(w\^T w\)"), (long_k, "beta k k"), (big_beta, "beta")):
        with pytest.raises(MathematicalError, match=pattern):
            certify_weights(_tampered(wf, edit))


def test_numeric_path_and_mono_structure():
    wf = build(parse_group("S3"), "mono").to_weight_file()
    W = wf.dense_W().copy()
    W[0, 0, 0] = W[0, 0, 0] + 1.0 if W[0, 0, 0] == 0 else W[0, 0, 0]
    with pytest.raises(MathematicalError, match=r"^level mono: A\[0\] is not monomial"):
        certify_weights(WeightFile(W, wf.h0, wf.readout, wf.labels, wf.alphabet, wf.level,
                                   dict(wf.meta, exact=None)))


def test_stored_product_matches_transitions():
    c = build(parse_group("A5"), "house", alphabet="generators")
    for A, fs in zip(c.transitions, c.house.to_json()["factors"]):
        P = np.eye(3)
        for f in fs:
            k = np.array(f["k"])
            P = P @ (np.eye(3) - f["beta"] * np.outer(k, k))
        assert np.allclose(P, A.dense_float(), atol=1e-12)
    assert dense_from_sparse(c.transitions[0]) is not None
