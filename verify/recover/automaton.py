"""Automaton version of docs/design.md §10: cluster the learned states, read off the transitions,
compare with the minimal target machine.

The learned unit states of random task words (step 1) are clustered greedily: a state joins the
first cluster whose leader is within ``radius`` (Euclidean, unit vectors), else it leads a new
cluster.  The transitions are read off consecutive prefixes, ``cluster(h_{t-1}) --x_t-->
cluster(h_t)``.  Every prefix also has its state in the minimal target machine (the machine run on
the same word).  The learned machine is isomorphic to the target on the observed words when the
clusters correspond one to one with the reached target states and every observed transition agrees:
``mismatches`` counts the prefixes whose cluster's majority target state differs from their own
target state (a cluster mixing target states, or a target state split over clusters), plus the
observed ``(cluster, symbol)`` pairs with more than one successor cluster.

Target machines: the automaton of an ``automaton`` task or weight file; :func:`flipflop_machine`
and :func:`modarith_machine` for the flip-flop and modular-arithmetic tasks.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from bilinear.theory.automata.automaton import Automaton

__all__ = ["flipflop_machine", "modarith_machine", "cluster", "compare_machine", "CLUSTER_RADIUS"]

#: Unit states closer than this (Euclidean) fall in one cluster.
CLUSTER_RADIUS = 0.1


def flipflop_machine(m: int) -> Automaton:
    """``m`` values; symbol 0 reads (keeps), symbol ``1 + v`` writes ``v``; starts at 0, outputs the value.

    >>> flipflop_machine(2).num_states
    2
    """
    delta = np.array([[q] + list(range(m)) for q in range(m)], dtype=np.int64)
    return Automaton(tuple(str(v) for v in range(m)), ("read",) + tuple(f"write{v}" for v in range(m)), delta, 0,
                     tuple(str(v) for v in range(m)), name=f"flipflop{m}")


def modarith_machine(m: int) -> Automaton:
    """The Moore machine of ``ModArithTask(m)`` (digits ``0..m-1``, operators ``+ - *``, standard
    precedence): states ``start``, ``(total, term)`` after a digit (output ``total + term mod m``),
    ``(total, term, op)`` after an operator (output ``-``), and a sink for malformed words; minimised.

    >>> modarith_machine(2).num_states > 2
    True
    """
    states: list[tuple] = []
    index: dict[tuple, int] = {}

    def sid(key):
        if key not in index:
            index[key] = len(states)
            states.append(key)
        return index[key]

    start, sink = sid(("start",)), sid(("sink",))
    for t in range(m):
        for u in range(m):
            sid(("d", t, u))
            for op in "+-*":
                sid(("o", t, u, op))
    D = m + 3
    delta = np.full((len(states), D), sink, dtype=np.int64)
    for key, q in index.items():
        if key[0] == "start":
            for d in range(m):
                delta[q, d] = sid(("d", 0, d))
        elif key[0] == "d":
            _, t, u = key
            for j, op in enumerate("+-*"):
                delta[q, m + j] = sid(("o", t, u, op))
        elif key[0] == "o":
            _, t, u, op = key
            for d in range(m):
                if op == "*":
                    delta[q, d] = sid(("d", t, (u * d) % m))
                else:
                    nt = (t + u) % m
                    delta[q, d] = sid(("d", nt, d % m if op == "+" else (-d) % m))
    names = tuple("_".join(str(x) for x in k) for k in states)
    outputs = tuple(str((k[1] + k[2]) % m) if k[0] == "d" else "-" for k in states)
    alphabet = tuple(str(d) for d in range(m)) + ("+", "-", "*")
    return Automaton(names, alphabet, delta, start, outputs, name=f"modarith{m}").minimize()


def cluster(states: np.ndarray, radius: float = CLUSTER_RADIUS) -> np.ndarray:
    """Greedy leader clustering of the rows of ``states`` (see the module docstring)."""
    leaders: list[np.ndarray] = []
    labels = np.empty(len(states), dtype=np.int64)
    L = np.zeros((0, states.shape[1]))
    for i, u in enumerate(states):
        if len(leaders):
            dist = np.linalg.norm(L - u, axis=1)
            j = int(np.argmin(dist))
            if dist[j] <= radius:
                labels[i] = j
                continue
        leaders.append(u)
        L = np.array(leaders)
        labels[i] = len(leaders) - 1
    return labels


def compare_machine(states: np.ndarray, tokens: np.ndarray, target: Automaton, radius: float = CLUSTER_RADIUS) -> dict:
    """Cluster ``states`` (rows in the order of :func:`bilinear.verify.recover.states.run_states`), read off
    transitions and compare with ``target`` (minimised here) on ``tokens``."""
    M = target.minimize()
    N, L = tokens.shape
    q = np.concatenate([[M.start], M.run(tokens).reshape(-1)])
    labels = cluster(states, radius)
    k = int(labels.max()) + 1
    majority = {}
    for c in range(k):
        majority[c] = Counter(q[labels == c].tolist()).most_common(1)[0][0]
    assigned = np.array([majority[c] for c in labels])
    state_mismatch = int(np.sum(assigned != q))
    prev = np.concatenate([np.zeros((N, 1), dtype=np.int64), 1 + np.arange(N * L).reshape(N, L)[:, :-1]], axis=1)
    prev[:, 0] = 0
    src, dst = labels[prev.reshape(-1)], labels[1 + np.arange(N * L)]
    sym = tokens.reshape(-1)
    succ: dict = {}
    for s, x, t in zip(src.tolist(), sym.tolist(), dst.tolist()):
        succ.setdefault((s, x), set()).add(t)
    ambiguous = sum(1 for v in succ.values() if len(v) > 1)
    reached = sorted(set(q.tolist()))
    images = sorted(set(majority.values()))
    iso = k == len(reached) and images == reached and state_mismatch == 0 and ambiguous == 0
    return {"clusters": k, "target_states": int(M.num_states), "reached_target_states": len(reached),
            "mismatches": state_mismatch + ambiguous, "state_mismatches": state_mismatch,
            "ambiguous_transitions": ambiguous, "transitions_observed": len(succ),
            "map": {str(c): M.states[majority[c]] for c in range(k)}, "isomorphic": bool(iso),
            "cluster_radius": radius}
