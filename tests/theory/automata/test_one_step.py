"""The one exact one-step certificate (bilinear.theory.automata.one_step): constructions and theorem checks call the same
code, and a tampered model fails through every path."""

import dataclasses
from fractions import Fraction

import numpy as np
import pytest

import bilinear.constructions.certificate as certificate
import bilinear.theory.automata.one_step as one_step
from bilinear.constructions.automata import automaton_construction
from bilinear.constructions.certificate import certify_weights
from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import MathematicalError
from bilinear.theory.arith.field_matrices import Columns, SparseMatrix
from bilinear.theory.groups.parser import parse_group
from bilinear.theory.arith.number_field import RATIONALS
from bilinear.theory.automata.one_step import certify_exact, exact_orbit
from bilinear.theory.theorems import finite_order_diagonal
from bilinear.theory.theorems.finite_order_diagonal import certify_diagonal_group_tracker, sign_characters


def _klein_model(flip: bool = False):
    """Z2xZ2 tracked by its four sign characters (RDIAG(4)); ``flip`` makes one diagonal entry 2, so
    that ``A_s^2 != I`` although ``s^2 = e``."""
    G = parse_group("Z2xZ2")
    chars = sign_characters(G)
    diagonals = {s: [int(v) for v in chars[:, s]] for s in G.generators}
    if flip:
        s = G.generators[0]
        diagonals[s][1] = 2 * diagonals[s][1]
    return G, diagonals, [1] * len(chars)


def test_the_same_functions_serve_constructions_and_theorems():
    assert certificate.certify_exact is one_step.certify_exact
    assert finite_order_diagonal.exact_orbit is one_step.exact_orbit
    assert not hasattr(certificate, "exact_orbit")


def test_theorem_path_accepts_and_rejects():
    G, diagonals, h0 = _klein_model()
    cert = certify_diagonal_group_tracker(G, diagonals, h0)
    assert cert["states"] == 4 and cert["margin"] == "4"         # <phi(g), phi(g)> - <phi(g), phi(k)> = 4 - 0
    G, diagonals, h0 = _klein_model(flip=True)
    with pytest.raises(MathematicalError, match="one-step check fails"):
        certify_diagonal_group_tracker(G, diagonals, h0)


def test_theorem_path_calls_the_shared_orbit(monkeypatch):
    calls = []

    def spy(*args, **kwargs):
        calls.append(args[3].num_states)
        return exact_orbit(*args, **kwargs)
    monkeypatch.setattr(finite_order_diagonal, "exact_orbit", spy)
    certify_diagonal_group_tracker(*_klein_model())
    assert calls == [4]


def test_direct_call_matches_a_brute_force_run():
    """The certificate's margin against an independent word-by-word run in Fractions."""
    G, diagonals, h0 = _klein_model()
    gens = list(G.generators)
    ref = Automaton.from_group(G, gens)
    mats = [SparseMatrix.from_fractions(RATIONALS, {(i, i): [Fraction(diagonals[s][i])] for i in range(4)}, (4, 4))
            for s in gens]
    start = Columns.from_fractions(RATIONALS, [[[Fraction(1)]] * 4])
    order, store = exact_orbit(RATIONALS, mats, start, ref)
    # brute force: phi(g) for g = product of a word, by multiplying diagonals
    for k, q in enumerate(order):
        word = next(w for w in ([], [0], [1], [0, 1]) if _product(G, gens, w) == q)
        want = [np.prod([diagonals[gens[s]][i] for s in word]) for i in range(4)]
        assert [Fraction(int(store.num[0, i, k]), int(store.den[k])) for i in range(4)] == want
    R = SparseMatrix.from_dense_ints(RATIONALS, [[int(store.num[0, i, k]) for i in range(4)] for k in range(4)])
    cert = certify_exact(RATIONALS, mats, start, R, [ref.outputs[q] for q in order], ref)
    assert cert == {"num_states": 4, "margin": 4.0, "margin_exact": "4"}


def _product(G, gens, word):
    g = G.identity
    for s in word:
        g = int(G.mul(g, gens[s]))
    return g


def test_construction_path_delegates_and_rejects_a_tampered_construction(monkeypatch):
    parity = Automaton.from_dict({"alphabet": ["0", "1"], "states": ["e", "o"], "start": "e",
                                  "delta": {"e": {"0": "e", "1": "o"}, "o": {"0": "o", "1": "e"}}, "accept": ["o"]})
    c = automaton_construction(parity)
    calls = []
    real = one_step.certify_exact

    def spy(*args):
        calls.append(len(args[1]))
        return real(*args)
    monkeypatch.setattr(certificate, "certify_exact", spy)
    assert certify_weights(c.to_weight_file()).certified and calls == [2]
    T = c.transitions[1]                                   # symbol "1": swap -> identity (cols rolled)
    tampered = SparseMatrix(T.field, T.shape, T.rows, np.roll(T.cols, 1), T.num, T.den)
    bad = dataclasses.replace(c, transitions=(c.transitions[0], tampered))
    with pytest.raises(MathematicalError, match="phi is not injective"):   # phi(o) = A_1 phi(e) = phi(e)
        certify_weights(bad.to_weight_file())
    assert calls == [2, 2]
