"""Construction through the level registry: analyze's hidden sizes are construct's, for every catalogue
group and level; impossible levels are refused by construct and reported as not tracked by analyze."""

import dataclasses

import numpy as np
import pytest

import bilinear.constructions.construction as construction_module
from bilinear.constructions import build as build_module
from bilinear.constructions.build import AUTOMATON_BUILDERS, GROUP_BUILDERS, build, methods
from bilinear.constructions.construction import ExactConstruction, GroupTarget, NumericConstruction
from tests import catalogue
from bilinear.theory import InputError, parse_group
from bilinear.theory.hierarchy.analysis import level_reports
from bilinear.theory.errors import NotRealizableError
from bilinear.theory.hierarchy.levels import CLASSICAL_LEVEL_NAMES, LEVEL_NAMES, Full

#: The theorem each refusal names (in the construction's error and in analyze's ``lower``).
REFUSAL = {"pdiag": ("finite-order diagonals", "finite_order.diagonal"),
           "rdiag": ("finite-order diagonals|commutation barrier", "finite_order.diagonal"),
           "rot": ("commutation barrier", "commutation.barrier"),
           "cdiag": ("commutation barrier", "commutation.barrier")}


@pytest.mark.parametrize("level", CLASSICAL_LEVEL_NAMES)
def test_analyze_hidden_size_is_construct_hidden_size(catalogue_group, level):
    G = catalogue_group
    row = next(r for r in level_reports(G) if r.level == level)
    if not row.tracks:
        pattern, theorem = REFUSAL[level]
        with pytest.raises(NotRealizableError, match=pattern):
            build(G, level)
        assert theorem in row.lower and row.hidden is None
        return
    c = build(G, level)
    assert (c.level, c.hidden_size, c.block, c.rank) == (level, row.hidden, row.block, row.rank)
    wf = c.to_weight_file()
    assert wf.hidden_size == row.hidden and wf.meta["parameters"] == c.shape.parameters()


def test_registry_is_keyed_by_the_level_names():
    assert tuple(GROUP_BUILDERS) == LEVEL_NAMES
    assert set(AUTOMATON_BUILDERS) <= set(LEVEL_NAMES)
    assert methods("full") == ("representation", "regular", "permutation")
    assert methods("full", automaton=True) == ("one-hot",)


def test_dispatch_resolves_alphabet_and_source_once(monkeypatch):
    """build() resolves the alphabet and the source record once and hands them to the builder."""
    calls = {"alphabet": 0, "source": 0}
    real_alphabet, real_source = construction_module.alphabet_indices, construction_module.group_source

    def counting_alphabet(*a, **k):
        calls["alphabet"] += 1
        return real_alphabet(*a, **k)

    def counting_source(*a, **k):
        calls["source"] += 1
        return real_source(*a, **k)

    monkeypatch.setattr(construction_module, "alphabet_indices", counting_alphabet)
    monkeypatch.setattr(construction_module, "group_source", counting_source)
    G = parse_group("S4")
    for level, method in [("full", None), ("full", "regular"), ("full", "permutation"), ("block", None), ("cp", None)]:
        calls.update(alphabet=0, source=0)
        c = build(G, level, method=method)
        assert calls == {"alphabet": 1, "source": 1}, (level, method)
        assert c.source == real_source(G, real_alphabet(G, "generators"))

    seen = []

    def fake(target):
        seen.append(target)
        return build_module.GROUP_BUILDERS["full"]["regular"](target)

    monkeypatch.setitem(build_module.GROUP_BUILDERS, "full", {"fake": fake, **GROUP_BUILDERS["full"]})
    c = build(G, "full", alphabet="all")
    assert len(seen) == 1 and isinstance(seen[0], GroupTarget) and seen[0].alphabet == tuple(range(24))
    assert seen[0].source["alphabet"] == list(G.names) and c.shape == Full(hidden=24)


def test_method_is_recorded_and_checked():
    G = parse_group("S3")
    for method, H in [("representation", 2), ("regular", 6), ("permutation", 3)]:
        c = build(G, "full", method=method)
        assert c.method == method and c.hidden_size == H and c.to_weight_file().meta["method"] == method
    with pytest.raises(InputError, match="representation, regular, permutation"):
        build(G, "full", method="cayley")
    with pytest.raises(InputError, match="method of level full"):
        build(G, "permutation")


def test_exact_and_numeric_constructions_are_distinct_types():
    exact = build(parse_group("S3"), "full", method="regular")
    assert isinstance(exact, ExactConstruction) and exact.exact and exact.field_name == "Z"
    assert build(parse_group("S3"), "full").field_name == "Q(sqrt(3))"
    with pytest.raises(InputError, match="ExactConstruction or a NumericConstruction"):
        construction_module.Construction(shape=Full(hidden=1), method="m", theorem="t", labels=("e",),
                                         alphabet=("e",), source={})
    with pytest.raises(InputError, match="hidden size 3"):
        dataclasses.replace(exact, shape=Full(hidden=3))
    n = NumericConstruction(shape=Full(hidden=1), method="m", theorem="t", labels=("a", "b"), alphabet=("x",),
                            source={}, A=-np.ones((1, 1, 1)), h0=np.ones(1), readout=np.array([[1.0], [-1.0]]),
                            residual=0.0)
    assert not n.exact and n.field_name == "float64" and n.info_json()["residual"] == 0.0
    with pytest.raises(InputError, match="float64"):
        NumericConstruction(shape=Full(hidden=1), method="m", theorem="t", labels=("a",), alphabet=("x",),
                            source={}, A=np.ones((1, 1, 1), dtype=np.float32), h0=np.ones(1),
                            readout=np.ones((1, 1)), residual=0.0)


def test_automaton_levels_refused_or_built():
    A = catalogue.parity_dfa()
    assert build(A, "block").shape.parameters() == {"hidden": 2, "block": 2}
    with pytest.raises(InputError, match="built for groups"):
        build(A, "rdiag")
