"""Automata: parsing and validation, running, reachability, minimisation (against brute force)."""

import itertools
import json

import networkx as nx
import numpy as np
import pytest

from tests import catalogue
from bilinear.theory import InputError, symmetric_group
from bilinear.theory.automata.automaton import Automaton, random_automaton


def all_words(k, max_len):
    for L in range(max_len + 1):
        yield from itertools.product(range(k), repeat=L)


def brute_force_classes(A, max_len):
    """States grouped by their output on every word up to max_len (an independent definition of
    Moore equivalence, exact once max_len >= |Q| - 2)."""
    def sig(q):
        out = []
        for w in all_words(A.num_symbols, max_len):
            r = q
            for a in w:
                r = A.delta[r, a]
            out.append(A.outputs[r])
        return tuple(out)
    return {q: sig(q) for q in range(A.num_states)}


def test_json_round_trip(catalogue_automaton, tmp_path):
    A = catalogue_automaton
    path = tmp_path / "a.json"
    path.write_text(json.dumps(A.to_dict()))
    B = Automaton.from_json(path)
    assert B.states == A.states and B.outputs == A.outputs and np.array_equal(B.delta, A.delta)
    assert B.start == A.start


def test_networkx_round_trip(catalogue_automaton):
    A = catalogue_automaton
    B = Automaton.from_networkx(A.to_networkx(), alphabet=A.alphabet)
    assert B.states == A.states and np.array_equal(B.delta, A.delta) and B.outputs == A.outputs


def test_networkx_digraph_with_symbol_lists():
    g = nx.DiGraph(start="e")
    g.add_node("e", output=0)
    g.add_node("o", output=1)
    g.add_edge("e", "o", symbol="1")
    g.add_edge("o", "e", symbol="1")
    g.add_edge("e", "e", symbol=["0"])
    g.add_edge("o", "o", symbol="0")
    A = Automaton.from_networkx(g)
    assert A.output_of_word([1, 0, 1, 1]) == "1"


def test_accept_gives_zero_one_outputs():
    A = catalogue.parity_dfa()
    assert A.outputs == ("0", "1")
    words = list(all_words(2, 6))
    assert all(A.output_of_word(w) == str(sum(w) % 2) for w in words)


def test_run_matches_step_by_step(catalogue_automaton):
    A = catalogue_automaton
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, A.num_symbols, size=(20, 15))
    states = A.run(tokens)
    for row, srow in zip(tokens, states):
        for t in range(15):
            assert srow[t] == A.state_of_word(row[: t + 1])


def test_reachable_against_networkx(catalogue_automaton):
    A = catalogue_automaton
    g = A.to_networkx()
    expected = {A.states.index(q) for q in nx.descendants(g, A.states[A.start])} | {A.start}
    assert set(A.reachable().tolist()) == expected
    assert catalogue.redundant().reachable().tolist() == [0, 1, 2, 3]


def test_minimize_against_brute_force(catalogue_automaton):
    A = catalogue_automaton.trim()
    M = catalogue_automaton.minimize()
    sigs = brute_force_classes(A, max_len=max(A.num_states - 1, 1))
    assert M.num_states == len(set(sigs.values()))
    for w in all_words(A.num_symbols, 6):
        assert M.output_of_word(w) == catalogue_automaton.output_of_word(w)
    assert M.minimize().num_states == M.num_states and M.is_minimal()


@pytest.mark.parametrize("seed", range(12))
def test_minimize_random_machines_with_few_outputs(seed):
    """Random machines whose outputs collapse to 2 labels have many equivalent states."""
    rng = np.random.default_rng(seed)
    m = int(rng.integers(2, 9))
    A0 = random_automaton(m, 2, seed)
    A = Automaton(A0.states, A0.alphabet, A0.delta, 0, tuple(str(int(rng.integers(0, 2))) for _ in range(m)))
    T = A.trim()
    sigs = brute_force_classes(T, max_len=T.num_states)
    M = A.minimize()
    assert M.num_states == len(set(sigs.values()))
    for w in all_words(2, 7):
        assert M.output_of_word(w) == A.output_of_word(w)


def test_redundant_minimises_to_parity():
    M = catalogue.redundant().minimize()
    assert M.num_states == 2 and M.outputs == ("E", "O")


def test_random_automaton_is_seeded():
    a, b, c = random_automaton(6, 3, 5), random_automaton(6, 3, 5), random_automaton(6, 3, 6)
    assert np.array_equal(a.delta, b.delta) and not np.array_equal(a.delta, c.delta)
    assert a.outputs == tuple(str(i) for i in range(6)) and a.start == 0


def test_from_group_is_cayley_machine():
    S3 = symmetric_group(3)
    A = Automaton.from_group(S3)
    assert A.num_states == 6 and A.num_symbols == len(S3.generators)
    w = [0, 1, 1, 0, 1]
    assert A.output_of_word(w) == S3.names[S3.mul_word([S3.generators[a] for a in w])]


GOOD = {"alphabet": ["a"], "states": ["p", "q"], "start": "p",
        "delta": {"p": {"a": "q"}, "q": {"a": "p"}}, "output": {"p": 0, "q": 1}}


def variant(**changes):
    d = json.loads(json.dumps(GOOD))
    for k, v in changes.items():
        if v is None:
            d.pop(k)
        else:
            d[k] = v
    return d


@pytest.mark.parametrize("data, message", [
    (variant(start="z"), "start: 'z' is not a state"),
    (variant(start=None), "missing field"),
    (variant(delta={"p": {"a": "q"}}), "not total"),
    (variant(delta={"p": {"a": "q"}, "q": {"b": "p"}}), "unknown symbol 'b'"),
    (variant(delta={"p": {"a": "q"}, "q": {"a": "r"}}), "unknown state 'r'"),
    (variant(delta={"p": {"a": "q"}, "q": {"a": "p"}, "r": {"a": "p"}}), "unknown state 'r'"),
    (variant(states=["p", "p"]), "appears twice"),
    (variant(alphabet=[]), "non-empty list"),
    (variant(output={"p": 0}), "no label for state 'q'"),
    (variant(output=None), "exactly one of"),
    (variant(accept=["p"]), "exactly one of"),
    (variant(extra=1), "unknown field"),
    ([1, 2], "expected a JSON object"),
])
def test_automaton_validation_errors(data, message):
    with pytest.raises(InputError, match=message):
        Automaton.from_dict(data)


def test_accept_unknown_state():
    with pytest.raises(InputError, match="accept: unknown state"):
        Automaton.from_dict(variant(output=None, accept=["x"]))


def test_bad_files(tmp_path):
    with pytest.raises(InputError, match="No such file"):
        Automaton.from_json(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="invalid JSON"):
        Automaton.from_json(bad)


def test_direct_construction_errors():
    with pytest.raises(InputError, match="delta"):
        Automaton(("a", "b"), ("x",), np.array([[0], [2]]), 0, ("0", "1"))
    with pytest.raises(InputError, match="start"):
        Automaton(("a", "b"), ("x",), np.array([[0], [1]]), 5, ("0", "1"))
    with pytest.raises(InputError, match="shape"):
        Automaton(("a", "b"), ("x",), np.array([0, 1]), 0, ("0", "1"))
    with pytest.raises(InputError, match="num_states"):
        random_automaton(0, 2, 0)


def test_networkx_errors():
    g = nx.DiGraph()
    g.add_node("a", output=0)
    g.add_edge("a", "a")
    with pytest.raises(InputError, match="no start state"):
        Automaton.from_networkx(g)
    with pytest.raises(InputError, match="no 'symbol'"):
        Automaton.from_networkx(g, start="a")
    h = nx.MultiDiGraph(start="a")
    h.add_node("a", output=0)
    h.add_node("b", output=1)
    h.add_edge("a", "a", symbol="x")
    h.add_edge("a", "b", symbol="x")
    with pytest.raises(InputError, match="two transitions"):
        Automaton.from_networkx(h)
