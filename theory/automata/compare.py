"""Comparing two Moore machines over one alphabet: the first word on which they differ, or the
isomorphism of their minimal machines (docs/design.md §10, automaton extraction).

Two machines are *equivalent* when every word (the empty one included) gives equal outputs; their
minimal machines (:meth:`~bilinear.theory.automata.automaton.Automaton.minimize`) are then
isomorphic, and the isomorphism is unique: it maps the state a word reaches in one to the state the
same word reaches in the other.  Both are read off one breadth-first search of the product machine
from the pair of start states, symbols in alphabet order: the search meets every reachable pair
first through its shortlex-least word, so the first pair with different outputs gives the
shortlex-least distinguishing word (shorter words first, equal lengths in alphabet order).

>>> from bilinear.theory.automata.automaton import Automaton
>>> parity = Automaton.from_dict({"alphabet": ["0", "1"], "states": ["e", "o"], "start": "e",
...     "delta": {"e": {"0": "e", "1": "o"}, "o": {"0": "o", "1": "e"}}, "accept": ["o"]})
>>> ones = Automaton.from_dict({"alphabet": ["0", "1"], "states": ["n", "y"], "start": "n",
...     "delta": {"n": {"0": "n", "1": "y"}, "y": {"0": "y", "1": "y"}}, "accept": ["y"]})
>>> distinguishing_word(parity, ones)
(1, 1)
>>> distinguishing_word(parity, parity) is None
True
>>> state_map(parity, parity.minimize())
{'e': 'e', 'o': 'o'}
"""

from __future__ import annotations

from collections import deque

import numpy as np

from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import InputError, expected, shown

__all__ = ["distinguishing_word", "state_map", "compare_machines", "silent_start"]


def _check_pair(A: Automaton, B: Automaton) -> None:
    for name, M in (("first machine", A), ("second machine", B)):
        if not isinstance(M, Automaton):
            raise expected(name, "an Automaton", shown(type(M).__name__))
    if A.alphabet != B.alphabet:
        raise expected("second machine: alphabet", f"the first machine's {list(A.alphabet)}", list(B.alphabet))


def _product_search(A: Automaton, B: Automaton):
    """Breadth-first search of the product from the start pair: yields ``(pair, word)`` in the order
    the pairs are met (each with its shortlex-least word)."""
    start = (A.start, B.start)
    words: dict[tuple[int, int], tuple[int, ...]] = {start: ()}
    queue = deque([start])
    while queue:
        p = queue.popleft()
        yield p, words[p]
        for a in range(A.num_symbols):
            r = (int(A.delta[p[0], a]), int(B.delta[p[1], a]))
            if r not in words:
                words[r] = words[p] + (a,)
                queue.append(r)


def distinguishing_word(A: Automaton, B: Automaton) -> tuple[int, ...] | None:
    """The shortlex-least word (symbol indices) whose outputs in ``A`` and ``B`` differ, or ``None``
    when the machines are equivalent.  Its length is below ``|Q_A| * |Q_B|``."""
    _check_pair(A, B)
    for (p, q), word in _product_search(A, B):
        if A.outputs[p] != B.outputs[q]:
            return word
    return None


def state_map(A: Automaton, B: Automaton) -> dict[str, str] | None:
    """For equivalent machines, the map ``name of δ_A(w) -> name of δ_B(w)`` over the reachable states
    of ``A`` (a bijection onto the reachable states of ``B`` when both are minimal); ``None`` when they
    are not equivalent, or when a state of ``A`` would map to two states of ``B`` (``A`` merges
    states ``B`` keeps apart: ``A`` smaller than minimal ``B`` cannot happen for equivalent machines,
    but a non-minimal ``B`` does)."""
    _check_pair(A, B)
    out: dict[int, int] = {}
    for (p, q), _ in _product_search(A, B):
        if A.outputs[p] != B.outputs[q] or out.setdefault(p, q) != q:
            return None
    return {A.states[p]: B.states[q] for p, q in sorted(out.items())}


def compare_machines(learned: Automaton, target: Automaton) -> dict:
    """Minimise both and compare: ``{"isomorphic": True, "state_map": {learned state: target state},
    ...}`` or ``{"isomorphic": False, "word": [symbol names], "learned_output": ..., "target_output":
    ...}`` with the shortlex-least distinguishing word; both with the state counts of the two minimal
    machines."""
    _check_pair(learned, target)
    L, T = learned.minimize(), target.minimize()
    out: dict = {"learned_states": L.num_states, "target_states": T.num_states}
    word = distinguishing_word(L, T)
    if word is None:
        mapping = state_map(L, T)
        if mapping is None or len(mapping) != L.num_states or len(set(mapping.values())) != T.num_states:
            raise AssertionError("equivalent minimal machines must be isomorphic")  # pragma: no cover
        return out | {"isomorphic": True, "state_map": mapping}
    return out | {"isomorphic": False, "word": [L.alphabet[a] for a in word], "word_indices": list(word),
                  "learned_output": L.output_of_word(word), "target_output": T.output_of_word(word)}


def silent_start(M: Automaton, label: str, name: str = "(before input)") -> Automaton:
    """``M`` observed only after each symbol: a fresh start state ``name`` with output ``label`` and
    the transitions of ``M``'s start; the old start stays (reached again only if ``M`` re-enters it).
    A model that outputs something after each symbol has no output for the empty word; extraction
    gives it ``label``, and this is the machine it is compared with.

    >>> from bilinear.theory.automata.automaton import random_automaton
    >>> silent_start(random_automaton(2, 2, seed=0), "-").outputs
    ('-', '0', '1')
    """
    if label in M.outputs:
        raise InputError(f"label: {label!r} is already an output of the machine; choose another")
    if name in M.states:
        raise InputError(f"name: {name!r} is already a state of the machine; choose another")
    delta = np.concatenate([M.delta[M.start][None, :] + 1, M.delta + 1], axis=0)
    return Automaton((name,) + M.states, M.alphabet, delta, 0, (label,) + M.outputs, name=M.name)
