"""Learning a Moore machine from queries: Angluin's L* with Rivest–Schapire counterexample
processing (docs/design.md §10, automaton extraction).  Exact and model-free: the machine under
study is seen only through two callables.

* ``query(words)`` — the **membership oracle**: the output (a string) after each word, for a list
  of words (tuples of symbol indices, the empty word included), answered in one batch;
* ``find_counterexample(hypothesis)`` — the **equivalence oracle**: a word on which the hypothesis
  and the machine under study differ, or ``None``.

The learner keeps an observation table: access words ``S`` (prefix-closed, pairwise distinct
rows), suffixes ``E`` (starting with the empty word, whose column is the state's output) and the
rows of ``S`` and ``S·Σ``; the row of ``u`` is ``(output(u e) for e in E)``.  It closes the table
(a row of ``S·Σ`` missing from ``S`` moves into ``S``, shortlex-first), builds the hypothesis
(states = ``S``, named by their access words, ``δ(u, a)`` = the state with the row of ``ua``), and
asks for a counterexample.  A counterexample ``w`` of length ``n`` is processed as Rivest and
Schapire do: with ``acc(p)`` the access word of the hypothesis state reached by ``p``,
``α(i) = output(acc(w[:i]) w[i:])`` is the machine's output of ``w`` at ``i = 0`` and the
hypothesis' at ``i = n``; a binary search finds ``i`` with ``α(i) != α(i+1)``, and the suffix
``w[i+1:]`` joins ``E`` (it tells ``acc(w[:i]) w[i]`` from ``acc(w[:i+1])``, which the hypothesis
merged), so each counterexample adds at least one state with ``log n`` queries.  Rows of ``S``
stay distinct, so the table is always consistent and every hypothesis is minimal for the
outputs it has seen; a counterexample is processed again while it still is one before the
equivalence oracle is asked anew.

The number of states and of distinct words asked are capped; going past a cap is a
:class:`~bilinear.theory.errors.ResourceLimitError` that says which cap and how far the learner
came.

>>> from bilinear.theory.automata.automaton import random_automaton
>>> from bilinear.theory.automata.compare import distinguishing_word
>>> M = random_automaton(5, 2, seed=3)
>>> learned, stats = learn_moore(M.alphabet, lambda ws: [M.output_of_word(w) for w in ws],
...                              lambda H: distinguishing_word(H, M))
>>> learned.num_states == M.minimize().num_states, distinguishing_word(learned, M) is None
(True, True)
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import InputError, ResourceLimitError, check_int, expected, shown

__all__ = ["learn_moore", "random_word_oracle", "word_name", "DEFAULT_MAX_STATES", "DEFAULT_MAX_QUERIES"]

Word = tuple[int, ...]

#: Default cap on the states of a hypothesis.
DEFAULT_MAX_STATES = 512
#: Default cap on the distinct words asked of the membership oracle.
DEFAULT_MAX_QUERIES = 1_000_000


def word_name(word: Sequence[int], alphabet: Sequence[str]) -> str:
    """A word as text: ``ε`` for the empty word, symbols joined by ``·`` (``"0·1·1"``).

    >>> word_name((), "ab"), word_name((0, 1, 1), "ab")
    ('ε', 'a·b·b')
    """
    return "·".join(alphabet[a] for a in word) if len(word) else "ε"


class _Table:
    """The observation table and its cache of answers (the learner's only state)."""

    def __init__(self, alphabet, query, max_states: int, max_queries: int):
        self.alphabet, self.k = tuple(alphabet), len(alphabet)
        self.query, self.max_states, self.max_queries = query, max_states, max_queries
        self.answers: dict[Word, str] = {}
        self.S: list[Word] = [()]
        self.E: list[Word] = [()]

    def ask(self, words) -> None:
        """Answer every word not yet answered, in one batch."""
        new = list(dict.fromkeys(w for w in words if w not in self.answers))
        if not new:
            return
        if len(self.answers) + len(new) > self.max_queries:
            raise ResourceLimitError(
                f"extraction: more than {self.max_queries} distinct membership queries (the cap; the table has "
                f"{len(self.S)} states and {len(self.E)} suffixes so far; raise it with --max-queries)")
        got = list(self.query(new))
        if len(got) != len(new):
            raise expected("query", f"one output per word ({len(new)})", len(got))
        for w, y in zip(new, got):
            if not isinstance(y, str):
                raise expected("query", "outputs as strings", shown(type(y).__name__))
            self.answers[w] = y

    def output(self, word: Word) -> str:
        self.ask([word])
        return self.answers[word]

    def fill(self) -> None:
        rows = self.S + [u + (a,) for u in self.S for a in range(self.k)]
        self.ask([u + e for u in rows for e in self.E])

    def row(self, u: Word) -> tuple[str, ...]:
        return tuple(self.answers[u + e] for e in self.E)

    def close(self) -> None:
        """Move rows of ``S·Σ`` missing from ``S`` into ``S`` (shortlex-first) until none is missing."""
        while True:
            self.fill()
            known = {self.row(u) for u in self.S}
            missing = next((u + (a,) for u in self.S for a in range(self.k) if self.row(u + (a,)) not in known), None)
            if missing is None:
                return
            if len(self.S) >= self.max_states:
                raise ResourceLimitError(
                    f"extraction: more than {self.max_states} states (the cap; {len(self.answers)} membership "
                    "queries so far; raise it with --max-states)")
            self.S.append(missing)

    def hypothesis(self) -> Automaton:
        index = {self.row(u): i for i, u in enumerate(self.S)}
        delta = np.array([[index[self.row(u + (a,))] for a in range(self.k)] for u in self.S], dtype=np.int64)
        return Automaton(tuple(word_name(u, self.alphabet) for u in self.S), self.alphabet, delta, 0,
                         tuple(self.answers[u] for u in self.S), name="learned")

    def process(self, H: Automaton, w: Word) -> bool:
        """Rivest–Schapire: add the suffix that splits a state; ``False`` if ``w`` is no counterexample."""
        n = len(w)
        states = [H.start]
        for a in w:
            states.append(int(H.delta[states[-1], a]))

        def alpha(i: int) -> str:
            return self.output(self.S[states[i]] + w[i:])

        first = alpha(0)
        if first == alpha(n):
            return False
        lo, hi = 0, n               # alpha(lo) == first != alpha(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if alpha(mid) == first:
                lo = mid
            else:
                hi = mid
        suffix = w[lo + 1:]
        if suffix in self.E:        # pragma: no cover - the hypothesis would separate these rows already
            raise AssertionError("Rivest-Schapire: the splitting suffix is already a column")
        self.E.append(suffix)
        return True


def learn_moore(alphabet: Sequence[str], query: Callable[[list[Word]], Sequence[str]],
                find_counterexample: Callable[[Automaton], Sequence[int] | None],
                max_states: int = DEFAULT_MAX_STATES, max_queries: int = DEFAULT_MAX_QUERIES) -> tuple[Automaton, dict]:
    """L* with Rivest–Schapire counterexamples (see the module docstring).  Returns the minimal
    machine of the last hypothesis (canonical order; states named by their shortlex-least access
    words) and the statistics ``{"states", "suffixes", "membership_queries", "equivalence_queries",
    "counterexamples": [length of each]}``.  A word the equivalence oracle returns on which the
    hypothesis agrees with the membership oracle is an :class:`InputError`."""
    alphabet = tuple(alphabet)
    if not alphabet or not all(isinstance(a, str) for a in alphabet):
        raise expected("alphabet", "a non-empty sequence of symbol names", alphabet)
    max_states = check_int("--max-states", max_states, minimum=1)
    max_queries = check_int("--max-queries", max_queries, minimum=1)
    T = _Table(alphabet, query, max_states, max_queries)
    equivalence_queries, lengths = 0, []
    while True:
        T.close()
        H = T.hypothesis()
        equivalence_queries += 1
        cex = find_counterexample(H)
        if cex is None:
            break
        w = tuple(int(a) for a in cex)
        if any(a < 0 or a >= len(alphabet) for a in w):
            raise expected("counterexample", f"symbols in 0..{len(alphabet) - 1}", list(w))
        lengths.append(len(w))
        if not T.process(H, w):
            raise InputError(f"counterexample: the hypothesis and the membership oracle agree on "
                             f"{word_name(w, alphabet)}; not a counterexample")
        while True:                 # reuse the counterexample while it still is one
            T.close()
            H = T.hypothesis()
            if not T.process(H, w):
                break
    stats = {"states": len(T.S), "suffixes": len(T.E), "membership_queries": len(T.answers),
             "equivalence_queries": equivalence_queries, "counterexamples": lengths}
    return H.minimize(), stats


def random_word_oracle(trace: Callable[[np.ndarray], np.ndarray], num_symbols: int, words: int, length: int,
                       seed: int) -> Callable[[Automaton], Word | None]:
    """An equivalence oracle from random words: call ``j`` (0, 1, ...) draws ``words`` words of
    ``length`` symbols, uniform and independent, from ``numpy.random.default_rng([seed, j])``, and
    ``trace(tokens)`` gives the outputs of the machine under study after every prefix (an ``(N, L)``
    array of strings for ``(N, L)`` tokens); the hypothesis is run on the same words.  The answer is
    the shortest failing prefix (the first word's among equals), or ``None`` when every prefix of
    every word agrees.  A word of length ``L`` tests its ``L`` non-empty prefixes at once.

    >>> from bilinear.theory.automata.automaton import random_automaton
    >>> M, N = random_automaton(3, 2, seed=0), random_automaton(3, 2, seed=1)
    >>> trace = lambda tokens: np.array(M.outputs)[M.run(tokens)]
    >>> oracle = random_word_oracle(trace, 2, words=8, length=6, seed=0)
    >>> oracle(M) is None, M.output_of_word(oracle(N)) != N.output_of_word(oracle(N))
    (True, True)
    """
    num_symbols = check_int("num_symbols", num_symbols, minimum=1)
    words = check_int("--words", words, minimum=1)
    length = check_int("--length", length, minimum=1)
    calls = [0]

    def find(H: Automaton) -> Word | None:
        rng = np.random.default_rng([int(seed), calls[0]])
        calls[0] += 1
        tokens = rng.integers(0, num_symbols, size=(words, length))
        got = np.asarray(trace(tokens))
        if got.shape != tokens.shape:
            raise expected("trace", f"outputs of shape {tokens.shape}", shown(f"shape {got.shape}"))
        want = np.array(H.outputs, dtype=object)[H.run(tokens)]
        bad = got != want
        if not bad.any():
            return None
        first = np.where(bad.any(axis=1), bad.argmax(axis=1), length)
        i = int(np.argmin(first))
        return tuple(int(a) for a in tokens[i, :first[i] + 1])

    return find
