"""The shared catalogue of small groups and automata that the tests run over.

Groups are built once per process (``group(spec)`` is cached); ``GROUP_SPECS`` lists every catalogue
group, sizes 1 and 2 included.  Automata are small hand-written machines plus seeded random ones.
"""

from __future__ import annotations

from functools import lru_cache

from bilinear.theory.automata.automaton import Automaton, random_automaton
from bilinear.theory.groups.parser import parse_group

GROUP_SPECS = ["Z1", "Z2", "Z3", "Z5", "Z12", "Z2^3", "Z2xZ4", "S3", "D4", "D5", "Q8", "A4", "S4", "A5",
               "S5", "GL(3,2)", "SL(2,5)", "A4xZ5", "AGL(1,7)"]

#: Groups of order <= 60, for checks that are quadratic or worse in the order.
SMALL_GROUP_SPECS = [s for s in GROUP_SPECS if s not in ("S5", "GL(3,2)", "SL(2,5)")]


@lru_cache(maxsize=None)
def group(spec: str):
    return parse_group(spec)


def parity_dfa() -> Automaton:
    return Automaton.from_dict({"alphabet": ["0", "1"], "states": ["even", "odd"], "start": "even",
                                "delta": {"even": {"0": "even", "1": "odd"}, "odd": {"0": "odd", "1": "even"}},
                                "accept": ["odd"]}, name="parity")


def mod3_counter() -> Automaton:
    return Automaton.from_dict({"alphabet": ["a", "b"], "states": ["0", "1", "2"], "start": "0",
                                "delta": {q: {"a": str((int(q) + 1) % 3), "b": q} for q in "012"},
                                "output": {q: q for q in "012"}}, name="mod3")


def flipflop() -> Automaton:
    """Reset automaton: symbol r keeps the bit, s0/s1 set it."""
    return Automaton.from_dict({"alphabet": ["r", "s0", "s1"], "states": ["0", "1"], "start": "0",
                                "delta": {"0": {"r": "0", "s0": "0", "s1": "1"}, "1": {"r": "1", "s0": "0", "s1": "1"}},
                                "output": {"0": 0, "1": 1}}, name="flipflop")


def redundant() -> Automaton:
    """Parity with duplicated and unreachable states: minimal form has 2 states."""
    return Automaton.from_dict({"alphabet": ["0", "1"], "states": ["e1", "o1", "e2", "o2", "dead"], "start": "e1",
                                "delta": {"e1": {"0": "e2", "1": "o1"}, "o1": {"0": "o2", "1": "e2"},
                                          "e2": {"0": "e1", "1": "o2"}, "o2": {"0": "o1", "1": "e1"},
                                          "dead": {"0": "dead", "1": "e1"}},
                                "output": {"e1": "E", "e2": "E", "o1": "O", "o2": "O", "dead": "E"}}, name="redundant")


def automata() -> list[Automaton]:
    return [parity_dfa(), mod3_counter(), flipflop(), redundant(),
            random_automaton(5, 3, seed=0), random_automaton(7, 2, seed=1)]
