"""Every builder over the catalogue: agreement with the reference on all short words, certificate
accepted, impossible levels refused with the named reason."""

import re

import numpy as np
import pytest

from bilinear.constructions.certificate import certify_weights
from bilinear.constructions.construction import ExactConstruction
from tests import catalogue
from tests.constructions.helpers import decode, group_reference, words_up_to, build_as
from bilinear.theory import InputError, parse_group
from bilinear.theory.errors import NotRealizableError

GROUP_LEVELS = ["full/regular", "full/permutation", "rot", "cdiag", "rdiag", "pdiag", "full", "block", "cp"]

#: Smallest faithful real dimension (docs/design.md §4; values by hand from the groups' smallest faithful representations): the hidden size of "full".
FULL_SIZE = {"Z1": 1, "Z2": 1, "Z3": 2, "Z5": 2, "Z12": 2, "Z2^3": 3, "Z2xZ4": 3, "S3": 2, "D4": 2, "D5": 2,
             "Q8": 4, "A4": 3, "S4": 3, "A5": 3, "S5": 4, "GL(3,2)": 6, "SL(2,5)": 4, "A4xZ5": 5, "AGL(1,7)": 6}


def applicable(G, level):
    if level in ("rot", "cdiag"):
        return G.is_abelian
    if level == "rdiag":
        return G.is_abelian and G.exponent <= 2
    if level == "pdiag":
        return G.order == 1
    return True


#: The transitions each abelian-only level names when it refuses a non-abelian group.
_COMMUTING = {"rot": "rotation", "cdiag": "complex-diagonal", "rdiag": "real-diagonal"}


def refusal(G, level) -> str:
    """The pattern of the reason a level gives for a group it cannot track (``not applicable``)."""
    if level == "pdiag":
        return (rf"^{re.escape(G.name)}: the element \S+ is not the identity, but a positive diagonal matrix of "
                r"finite order is I, .*\(finite-order diagonals\)$")
    if not G.is_abelian:
        return (rf"^{re.escape(G.name)} is not abelian: .* do not commute, but {_COMMUTING[level]} transitions "
                r"commute, .*\(commutation barrier\)$")
    return (rf"^{re.escape(G.name)}: the element \S+ has order \d+, but a real diagonal matrix of finite order "
            r"has entries ±1, .*\(finite-order diagonals\)$")


@pytest.mark.parametrize("level", GROUP_LEVELS)
def test_group_builders_against_reference(catalogue_group, level):
    G = catalogue_group
    if not applicable(G, level):
        with pytest.raises(NotRealizableError, match=refusal(G, level)):
            build_as(G, level)
        return
    c = build_as(G, level)
    wf = c.to_weight_file()
    ref = group_reference(G, wf)
    for w in words_up_to(len(wf.alphabet), 6):
        assert decode(wf, w) == ref(w)
    cert = certify_weights(wf)
    assert cert.certified and cert.margin > 0 and (cert.exact or level in ("full", "block", "cp"))
    assert cert.exact == c.exact == isinstance(c, ExactConstruction)
    assert cert.num_states == len(G.closure([G.element(a) for a in wf.alphabet]))
    if level in ("full", "cp"):
        assert cert.hidden_size == FULL_SIZE[G.name]
    assert c.level == wf.level == level.partition("/")[0] and wf.meta["method"] == c.method


@pytest.mark.parametrize("spec", ["S3", "Q8", "Z5", "Z2^3", "A4"])
def test_all_elements_alphabet(spec):
    G = parse_group(spec)
    for level in ("full/regular", "full/permutation") + (("rot",) if G.is_abelian else ()):
        c = build_as(G, level, alphabet="all")
        wf = c.to_weight_file()
        assert len(wf.alphabet) == G.order
        ref = group_reference(G, wf)
        for w in words_up_to(G.order, 4, cap=300):
            assert decode(wf, w) == ref(w)
        assert certify_weights(wf).num_states == G.order


def test_automata_builders_against_reference(catalogue_automaton):
    A = catalogue_automaton
    for level in ("full", "cp", "block"):
        for minimize in (True, False):
            c = build_as(A, level, minimize=minimize)
            wf = c.to_weight_file()
            for w in words_up_to(A.num_symbols, 6):
                assert decode(wf, w) == A.output_of_word(w)
            cert = certify_weights(wf)
            expected = A.minimize().num_states if minimize else len(A.reachable())
            assert cert.hidden_size == expected and cert.num_states == expected


@pytest.mark.parametrize("spec, level, theorem", [
    ("S3", "rot", "commutation barrier"), ("S3", "cdiag", "commutation barrier"), ("Q8", "rdiag", "commutation barrier"),
    ("Z3", "rdiag", "finite-order diagonals"), ("Z2xZ4", "rdiag", "finite-order diagonals"),
    ("Z2", "pdiag", "finite-order diagonals"), ("A5", "cdiag", "not abelian"),
])
def test_impossible_levels_name_the_theorem(spec, level, theorem):
    with pytest.raises(NotRealizableError, match=theorem) as e:
        build_as(parse_group(spec), level)
    assert "\n" not in str(e.value)


def test_reset_automaton_not_diagonal():
    for level in ("rdiag", "cdiag", "rot", "pdiag"):
        with pytest.raises(NotRealizableError, match="commutation barrier"):
            build_as(catalogue.flipflop(), level)
    with pytest.raises(InputError, match="one-hot"):
        build_as(catalogue.flipflop(), "full/regular")
    with pytest.raises(InputError, match="method of level full"):
        build_as(catalogue.flipflop(), "regular")


def test_alphabet_generating_a_subgroup():
    """S3 with the single letter (1,2): the tracked subgroup Z2 is realisable at rdiag."""
    G = parse_group("S3")
    c = build_as(G, "rdiag", alphabet=["(1,2)"])
    cert = certify_weights(c.to_weight_file())
    assert cert.num_states == 2 and cert.hidden_size == 1


def test_rotation_angles_and_sizes():
    c = build_as(parse_group("Z5"), "rot")
    A = c.to_weight_file().dense_W()[:, :, 0]
    assert np.allclose(A, [[np.cos(2 * np.pi / 5), np.sin(2 * np.pi / 5)],
                           [-np.sin(2 * np.pi / 5), np.cos(2 * np.pi / 5)]])
    assert build_as(parse_group("Z2xZ6"), "rot").hidden_size == 4      # invariants (2, 6)
    assert build_as(parse_group("Z2xZ3"), "rot").hidden_size == 2      # Z6: one character suffices
    assert build_as(parse_group("Z2^3"), "rdiag").hidden_size == 3
    assert build_as(parse_group("A4xZ5"), "full/permutation").hidden_size == 9


def test_cp_rank_and_identity():
    c = build_as(catalogue.mod3_counter(), "cp")
    assert c.rank == c.cp.rank == min(3 * 3, 3 * 2)      # FULL(H) ⊂ CP(H, min(H², HD)), H = 3, D = 2
    cert = certify_weights(c.to_weight_file())
    assert cert.structure.startswith("CP factors of rank")


@pytest.mark.parametrize("spec, B, H", [("S3", 2, 2), ("S3", 3, 3), ("S3", 5, 5), ("A4xZ5", 3, 6), ("A4xZ5", 5, 5),
                                        ("Q8", 4, 4), ("S5", 4, 4), ("A5", 3, 3), ("Z2xZ4", 2, 4)])
def test_block_sizes(spec, B, H):
    c = build_as(parse_group(spec), "block", block=B)
    cert = certify_weights(c.to_weight_file())
    assert cert.hidden_size == H and cert.structure == f"block-diagonal, {H // B} blocks of size {B}"


@pytest.mark.parametrize("spec, B, element", [("S5", 3, "(3,4,5)"), ("Q8", 2, "-1"), ("A4", 2, "(1,2)(3,4)"),
                                              ("S3", 1, "(1,2,3)")])
def test_block_below_minimum_refused_with_witness(spec, B, element):
    with pytest.raises(NotRealizableError, match="block-size classification") as e:
        build_as(parse_group(spec), "block", block=B)
    assert element in str(e.value)
