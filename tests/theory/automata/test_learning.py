"""L* with Rivest-Schapire counterexamples and the machine comparison, against brute force:
equivalence, minimal size and the shortlex-least distinguishing word by enumerating every word,
isomorphism by trying every permutation of the states."""

import itertools

import numpy as np
import pytest

from bilinear.theory import InputError
from bilinear.theory.errors import ResourceLimitError
from bilinear.theory.automata.automaton import Automaton, random_automaton
from bilinear.theory.automata.compare import compare_machines, distinguishing_word, silent_start, state_map
from bilinear.theory.automata.learning import learn_moore, random_word_oracle


def machine(n, k, labels, seed):
    """A random Moore machine with outputs drawn from ``labels`` (so states often agree)."""
    rng = np.random.default_rng(seed)
    delta = rng.integers(0, n, size=(n, k))
    outputs = tuple(str(x) for x in rng.integers(0, labels, size=n))
    return Automaton(tuple(f"q{i}" for i in range(n)), tuple("abcd"[:k]), delta, 0, outputs)


def shortlex(k, max_len):
    for L in range(max_len + 1):
        yield from itertools.product(range(k), repeat=L)


def brute_distinguishing(A, B):
    """The shortlex-least word with different outputs, by running every word of length
    ``|Q_A| + |Q_B| - 2`` (inequivalent machines differ on a word at most that long; each prefix is
    a prefix of such a word, listed in lexicographic order)."""
    if A.outputs[A.start] != B.outputs[B.start]:
        return ()
    L = A.num_states + B.num_states - 2
    if L == 0:
        return None
    words = np.array(list(itertools.product(range(A.num_symbols), repeat=L)), dtype=np.int64).reshape(-1, L)
    bad = np.array(A.outputs, dtype=object)[A.run(words)] != np.array(B.outputs, dtype=object)[B.run(words)]
    if not bad.any():
        return None
    first = np.where(bad.any(axis=1), bad.argmax(axis=1), L)
    row = int(np.argmin(first))              # the first row reaching the least failing length
    return tuple(int(a) for a in words[row, :first[row] + 1])


def brute_minimal_size(A):
    """Distinct output signatures of the reachable states over all words up to |Q| (Moore)."""
    words = list(shortlex(A.num_symbols, A.num_states))
    reach = {A.state_of_word(w) for w in words}
    sig = set()
    for q in reach:
        s = []
        for w in words:
            r = q
            for a in w:
                r = A.delta[r, a]
            s.append(A.outputs[r])
        sig.add(tuple(s))
    return len(sig)


CASES = [(n, k, labels, seed) for n in (1, 2, 4, 6) for k in (1, 2, 3) for labels in (2, 3) for seed in range(3)]


@pytest.mark.parametrize("n,k,labels,seed", CASES)
def test_learns_the_minimal_machine(n, k, labels, seed):
    M = machine(n, k, labels, seed)
    asked = []

    def query(words):
        asked.extend(words)
        return [M.output_of_word(w) for w in words]

    learned, stats = learn_moore(M.alphabet, query, lambda H: brute_distinguishing(H, M))
    assert brute_distinguishing(learned, M) is None
    assert learned.num_states == brute_minimal_size(M)
    assert stats["membership_queries"] == len(asked) == len(set(asked))      # every word asked once
    assert stats["equivalence_queries"] == len(stats["counterexamples"]) + 1
    # states are named by shortlex-least access words that reach them
    for q, name in enumerate(learned.states):
        word = () if name == "ε" else tuple(learned.alphabet.index(a) for a in name.split("·"))
        assert learned.state_of_word(word) == q


@pytest.mark.parametrize("seed", range(4))
def test_random_word_oracle_finds_a_machine(seed):
    M = random_automaton(5, 3, seed=seed)
    table = np.array(M.outputs, dtype=object)
    oracle = random_word_oracle(lambda t: table[M.run(t)], 3, words=64, length=24, seed=seed)
    learned, _ = learn_moore(M.alphabet, lambda ws: [M.output_of_word(w) for w in ws], oracle)
    assert brute_distinguishing(learned, M) is None


def test_random_word_oracle_returns_the_shortest_failing_prefix():
    M, N = machine(4, 2, 2, 0), machine(4, 2, 2, 5)
    table = np.array(M.outputs, dtype=object)
    words = np.random.default_rng([7, 0]).integers(0, 2, size=(16, 10))
    want = min((next((i for i in range(1, 11) if M.output_of_word(w[:i]) != N.output_of_word(w[:i])), 99), j)
               for j, w in enumerate(words.tolist()))
    got = random_word_oracle(lambda t: table[M.run(t)], 2, words=16, length=10, seed=7)(N)
    assert want[0] < 99 and got == tuple(words[want[1], :want[0]])


def test_caps_and_false_counterexamples():
    M = random_automaton(6, 2, seed=1)
    query = lambda ws: [M.output_of_word(w) for w in ws]      # noqa: E731
    with pytest.raises(ResourceLimitError, match="more than 2 states"):
        learn_moore(M.alphabet, query, lambda H: brute_distinguishing(H, M), max_states=2)
    with pytest.raises(ResourceLimitError, match="more than 5 distinct membership queries"):
        learn_moore(M.alphabet, query, lambda H: brute_distinguishing(H, M), max_queries=5)
    with pytest.raises(InputError, match="not a counterexample"):
        learn_moore(M.alphabet, query, lambda H: ())


@pytest.mark.parametrize("seed", range(12))
def test_distinguishing_word_is_the_shortlex_least(seed):
    A, B = machine(3, 2, 2, seed), machine(3, 2, 2, 100 + seed)
    assert distinguishing_word(A, B) == brute_distinguishing(A, B)


@pytest.mark.parametrize("seed", range(6))
def test_state_map_is_the_isomorphism(seed):
    A = random_automaton(5, 2, seed=seed).minimize()
    perm = np.random.default_rng(seed).permutation(A.num_states)      # B's state perm[q] is A's q
    inv = np.argsort(perm)
    B = Automaton(tuple(f"s{i}" for i in range(A.num_states)), A.alphabet, perm[A.delta[inv]], int(perm[A.start]),
                  tuple(A.outputs[i] for i in inv))
    isos = [p for p in itertools.permutations(range(A.num_states))
            if p[A.start] == B.start and all(B.outputs[p[q]] == A.outputs[q] for q in range(A.num_states))
            and all(p[A.delta[q, a]] == B.delta[p[q], a] for q in range(A.num_states) for a in range(2))]
    assert len(isos) == 1
    assert state_map(A, B) == {A.states[q]: B.states[isos[0][q]] for q in range(A.num_states)}
    r = compare_machines(A, B)
    assert r["isomorphic"] and r["state_map"] == state_map(A, B)


def test_compare_reports_the_word_and_both_outputs():
    A, B = machine(4, 2, 2, 1), machine(4, 2, 2, 2)
    w = brute_distinguishing(A.minimize(), B.minimize())
    r = compare_machines(A, B)
    assert not r["isomorphic"] and tuple(r["word_indices"]) == w
    assert (r["learned_output"], r["target_output"]) == (A.output_of_word(w), B.output_of_word(w))
    assert state_map(A, B) is None
    with pytest.raises(InputError, match="alphabet: expected"):
        compare_machines(A, machine(4, 3, 2, 1))


def test_silent_start():
    M = machine(4, 2, 2, 3)
    S = silent_start(M, "-")
    for w in shortlex(2, 5):
        assert S.output_of_word(w) == ("-" if not w else M.output_of_word(w))
    Z3 = Automaton.from_dict({"alphabet": ["1"], "states": ["0", "1", "2"], "start": "0",
                              "delta": {"0": {"1": "1"}, "1": {"1": "2"}, "2": {"1": "0"}},
                              "output": {"0": "0", "1": "1", "2": "2"}})
    assert silent_start(Z3, "-").minimize().num_states == brute_minimal_size(silent_start(Z3, "-")) == 4
    with pytest.raises(InputError, match="already an output"):
        silent_start(M, M.outputs[0])
