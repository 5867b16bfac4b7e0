"""Moore machines (docs/design.md §3): ``(Q, Σ, δ, q0, Y, λ)`` with a total transition function.

An :class:`Automaton` keeps its states and symbols as strings (their labels), ``delta`` as an
``|Q| x |Σ|`` array of state indices, the start index, and one output label (a string) per state.
A DFA is the case of outputs ``"1"`` (accepting) and ``"0"``.

Sources: the JSON format of docs/design.md §11 (:meth:`Automaton.from_json`), a plain dict
(:meth:`Automaton.from_dict`), a networkx graph (:meth:`Automaton.from_networkx`), a group with an
alphabet (:meth:`Automaton.from_group`) and :func:`random_automaton`.

Example::

    >>> A = Automaton.from_dict({"alphabet": ["0", "1"], "states": ["e", "o"], "start": "e",
    ...     "delta": {"e": {"0": "e", "1": "o"}, "o": {"0": "o", "1": "e"}}, "accept": ["o"]})
    >>> A.output_of_word([1, 1, 1])
    '1'
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import networkx as nx

from bilinear.theory.errors import InputError, ResourceLimitError, expected, shown, type_of
from bilinear.theory.resources import check_memory, current_memory_limit, format_bytes

__all__ = ["Automaton", "random_automaton", "JSON_BYTES_PER_CHARACTER"]

#: Decoded JSON takes up to about this many bytes of Python objects per character of text (a list
#: of integers: an 8-byte slot and a 28-byte int object per number of a few characters), so an
#: automaton file is read up to the memory limit divided by this.
JSON_BYTES_PER_CHARACTER = 16
#: Bytes of Python objects per state of an automaton beyond its transition table (its name, a
#: ``str`` of about 60 bytes, in a tuple; its output label likewise), for the memory estimates.
STATE_NAME_BYTES = 128


def _label(x, argument: str) -> str:
    if isinstance(x, bool) or x is None or not isinstance(x, (str, int, float, np.integer)):
        raise expected(argument, "a string or number", x)
    return str(x)


def _unique_labels(items, argument: str) -> tuple[str, ...]:
    if not isinstance(items, (list, tuple)) or len(items) == 0:
        raise InputError(f"{argument}: expected a non-empty list")
    labels = tuple(_label(x, argument) for x in items)
    seen = set()
    for s in labels:
        if s in seen:
            raise InputError(f"{argument}: {s!r} appears twice")
        seen.add(s)
    return labels


def _refuse_constant(constant: str):
    raise InputError(f"{constant} is not a JSON number")


def _object_once(pairs: list) -> dict:
    """A JSON object whose keys are distinct (a repeated key would silently drop a value)."""
    out = {}
    for k, v in pairs:
        if k in out:
            raise InputError(f"key {k!r} appears twice in one object")
        out[k] = v
    return out


@dataclass(frozen=True, eq=False)
class Automaton:
    """A Moore machine over the alphabet ``0..|Σ|-1`` (symbol labels in ``alphabet``)."""

    states: tuple[str, ...]
    alphabet: tuple[str, ...]
    delta: np.ndarray
    start: int
    outputs: tuple[str, ...]
    name: str = "automaton"

    def __post_init__(self):
        states = _unique_labels(list(self.states), "states")
        alphabet = _unique_labels(list(self.alphabet), "alphabet")
        delta = np.asarray(self.delta)
        if delta.shape != (len(states), len(alphabet)) or not np.issubdtype(delta.dtype, np.integer):
            raise expected("delta", f"an integer array of shape ({len(states)}, {len(alphabet)})",
                           shown(f"shape {delta.shape}"))
        if np.any(delta < 0) or np.any(delta >= len(states)):
            raise InputError(f"delta: state indices must lie in 0..{len(states) - 1}")
        if isinstance(self.start, bool) or not isinstance(self.start, (int, np.integer)) \
                or not 0 <= int(self.start) < len(states):
            raise expected("start", f"a state index in 0..{len(states) - 1}", self.start)
        outputs = tuple(_label(y, "outputs") for y in self.outputs)
        if len(outputs) != len(states):
            raise expected("outputs", f"one output per state ({len(states)})", len(outputs))
        delta = delta.astype(np.int64, copy=True)
        delta.setflags(write=False)
        for k, v in (("states", states), ("alphabet", alphabet), ("delta", delta),
                     ("start", int(self.start)), ("outputs", outputs)):
            object.__setattr__(self, k, v)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dict(cls, data: dict, name: str = "automaton") -> "Automaton":
        """From the docs/design.md §11 dictionary: ``alphabet``, ``states``, ``start``, ``delta``
        (``{state: {symbol: state}}``) and exactly one of ``output`` (``{state: label}``) or
        ``accept`` (list of accepting states)."""
        if not isinstance(data, dict):
            raise expected("automaton", "a JSON object", type_of(data))
        missing = [k for k in ("alphabet", "states", "start", "delta") if k not in data]
        if missing:
            raise InputError(f"automaton: missing field(s) {', '.join(missing)}")
        unknown = set(data) - {"alphabet", "states", "start", "delta", "output", "accept", "name"}
        if unknown:
            raise InputError(f"automaton: unknown field(s) {', '.join(sorted(unknown))}")
        states = _unique_labels(data["states"], "states")
        alphabet = _unique_labels(data["alphabet"], "alphabet")
        s_index = {s: i for i, s in enumerate(states)}
        a_index = {a: i for i, a in enumerate(alphabet)}
        start = _label(data["start"], "start")
        if start not in s_index:
            raise InputError(f"start: {start!r} is not a state")
        table = data["delta"]
        if not isinstance(table, dict):
            raise InputError("delta: expected an object {state: {symbol: state}}")
        delta = np.full((len(states), len(alphabet)), -1, dtype=np.int64)
        for q, row in table.items():
            if q not in s_index:
                raise InputError(f"delta: unknown state {q!r}")
            if not isinstance(row, dict):
                raise InputError(f"delta[{q!r}]: expected an object {{symbol: state}}")
            for a, r in row.items():
                if a not in a_index:
                    raise InputError(f"delta[{q!r}]: unknown symbol {a!r}")
                r = _label(r, f"delta[{q!r}][{a!r}]")
                if r not in s_index:
                    raise InputError(f"delta[{q!r}][{a!r}]: unknown state {r!r}")
                delta[s_index[q], a_index[a]] = s_index[r]
        holes = np.argwhere(delta < 0)
        if len(holes):
            q, a = holes[0]
            raise InputError(f"delta: not total: no transition from state {states[q]!r} on symbol {alphabet[a]!r}")
        has_out, has_acc = "output" in data, "accept" in data
        if has_out == has_acc:
            raise InputError("automaton: give exactly one of 'output' ({state: label}) or 'accept' (list of states)")
        if has_out:
            out = data["output"]
            if not isinstance(out, dict):
                raise InputError("output: expected an object {state: label}")
            for q in out:
                if q not in s_index:
                    raise InputError(f"output: unknown state {q!r}")
            lacking = [q for q in states if q not in out]
            if lacking:
                raise InputError(f"output: no label for state {lacking[0]!r}")
            outputs = tuple(_label(out[q], f"output[{q!r}]") for q in states)
        else:
            acc = data["accept"]
            if not isinstance(acc, list):
                raise InputError("accept: expected a list of states")
            acc = {_label(q, "accept") for q in acc}
            bad = acc - set(states)
            if bad:
                raise InputError(f"accept: unknown state {sorted(bad)[0]!r}")
            outputs = tuple("1" if q in acc else "0" for q in states)
        name = data.get("name", name)
        if not isinstance(name, str):
            raise expected("name", "a string", name)
        return cls(states, alphabet, delta, s_index[start], outputs, name=name)

    @classmethod
    def from_json(cls, source: str | os.PathLike) -> "Automaton":
        """From a JSON file path (or a JSON string starting with ``{``): UTF-8, one JSON object in
        the format of :meth:`from_dict`; no ``NaN``/``Infinity``, no key twice in one object.  A
        file is read up to the memory limit over :data:`JSON_BYTES_PER_CHARACTER` bytes (128 MiB by
        default; :func:`bilinear.theory.resources.memory_limit`, ``--max-memory``), and refused above it.  Every
        problem is one :class:`InputError` line ``automaton file PATH: ...``."""
        text = str(source)
        where = f"automaton file {source!s}"
        if text.lstrip().startswith("{"):
            name, where = "automaton", "automaton"
        else:
            name = os.path.splitext(os.path.basename(text))[0]
            cap = current_memory_limit() // JSON_BYTES_PER_CHARACTER
            try:
                with open(text, "rb") as f:
                    raw = f.read(cap + 1)          # a size cap: /dev/zero or a huge file is not read whole
            except OSError as e:
                raise InputError(f"{where}: {e.strerror or e}") from None
            if len(raw) > cap:
                raise ResourceLimitError(f"{where}: more than {format_bytes(cap)} of JSON, the most read under the "
                                         f"memory limit {format_bytes(current_memory_limit())} (raise it with "
                                         "--max-memory or memory_limit())")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise InputError(f"{where}: not UTF-8 text (byte {raw[e.start]:#04x} at offset {e.start})") from None
        try:
            data = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_object_once)
        except json.JSONDecodeError as e:
            raise InputError(f"{where}: invalid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
        except RecursionError:
            raise InputError(f"{where}: invalid JSON (nested too deeply)") from None
        except InputError as e:
            raise InputError(f"{where}: invalid JSON ({e})") from None
        try:
            return cls.from_dict(data, name=name)
        except InputError as e:
            raise InputError(f"{where}: {e}") from None

    @classmethod
    def from_networkx(cls, graph: nx.DiGraph, start=None, alphabet=None, name: str = "automaton") -> "Automaton":
        """From a (Multi)DiGraph: nodes are states with attribute ``output``; each edge ``q -> r``
        has attribute ``symbol`` (one symbol or a list of symbols).  ``start`` defaults to the graph
        attribute ``start``; ``alphabet`` to the symbols in order of first appearance."""
        import networkx as nx    # imported on first use: slow to import, needed only here
        if not isinstance(graph, nx.DiGraph):
            raise expected("graph", "a networkx DiGraph or MultiDiGraph", type_of(graph))
        start = graph.graph.get("start") if start is None else start
        if start is None:
            raise InputError("start: no start state (pass start= or set graph.graph['start'])")
        symbols = []
        delta: dict = {}
        for q, r, attrs in graph.edges(data=True):
            if "symbol" not in attrs:
                raise InputError(f"graph: edge {q!r} -> {r!r} has no 'symbol' attribute")
            syms = attrs["symbol"] if isinstance(attrs["symbol"], (list, tuple, set, frozenset)) else [attrs["symbol"]]
            for a in syms:
                a = _label(a, "symbol")
                if a not in symbols:
                    symbols.append(a)
                row = delta.setdefault(_label(q, "state"), {})
                if a in row and row[a] != _label(r, "state"):
                    raise InputError(f"graph: state {q!r} has two transitions on symbol {a!r}")
                row[a] = _label(r, "state")
        output = {}
        for q, attrs in graph.nodes(data=True):
            if "output" not in attrs:
                raise InputError(f"graph: state {q!r} has no 'output' attribute")
            output[_label(q, "state")] = attrs["output"]
        data = {"states": [_label(q, "state") for q in graph.nodes], "alphabet": list(alphabet or symbols),
                "start": start, "delta": delta, "output": output}
        return cls.from_dict(data, name=name)

    @classmethod
    def from_group(cls, group, alphabet=None) -> "Automaton":
        """The Cayley machine of a group: states = elements (start at the identity),
        ``δ(g, a) = g*a`` for ``a`` in ``alphabet`` (element indices; default: the generators),
        output = the element's name."""
        alph = np.asarray(list(group.generators if alphabet is None else alphabet) or [0], dtype=np.int64)
        if np.any(alph < 0) or np.any(alph >= group.order):
            raise InputError(f"alphabet: element indices must lie in 0..{group.order - 1}")
        elements = np.arange(group.order, dtype=np.int64)
        delta = group.mul(elements[:, None], alph[None, :])
        names = group.names
        return cls(names, tuple(names[a] for a in alph), delta, 0, names, name=group.name)

    def to_dict(self) -> dict:
        """The docs/design.md §11 dictionary (with ``output``)."""
        return {
            "alphabet": list(self.alphabet), "states": list(self.states), "start": self.states[self.start],
            "delta": {q: {a: self.states[self.delta[i, j]] for j, a in enumerate(self.alphabet)}
                      for i, q in enumerate(self.states)},
            "output": {q: y for q, y in zip(self.states, self.outputs)},
        }

    def to_networkx(self) -> nx.MultiDiGraph:
        import networkx as nx
        g = nx.MultiDiGraph(start=self.states[self.start])
        for q, y in zip(self.states, self.outputs):
            g.add_node(q, output=y)
        for i, q in enumerate(self.states):
            for j, a in enumerate(self.alphabet):
                g.add_edge(q, self.states[self.delta[i, j]], symbol=a)
        return g

    # ------------------------------------------------------------------ running
    @property
    def num_states(self) -> int:
        return len(self.states)

    @property
    def num_symbols(self) -> int:
        return len(self.alphabet)

    @cached_property
    def output_labels(self) -> tuple[str, ...]:
        """Distinct outputs in order of first appearance over the states."""
        return tuple(dict.fromkeys(self.outputs))

    @cached_property
    def output_index(self) -> np.ndarray:
        """Class id (index into :attr:`output_labels`) of each state's output."""
        pos = {y: i for i, y in enumerate(self.output_labels)}
        return np.array([pos[y] for y in self.outputs], dtype=np.int64)

    def run(self, tokens) -> np.ndarray:
        """States after each prefix: ``tokens`` has shape ``(..., T)``; returns the same shape."""
        tokens = np.asarray(tokens, dtype=np.int64)
        if tokens.size and (tokens.min() < 0 or tokens.max() >= self.num_symbols):
            raise InputError(f"tokens: symbols must lie in 0..{self.num_symbols - 1}")
        out = np.empty(tokens.shape, dtype=np.int64)
        q = np.full(tokens.shape[:-1], self.start, dtype=np.int64)
        for t in range(tokens.shape[-1]):
            q = self.delta[q, tokens[..., t]]
            out[..., t] = q
        return out

    def state_of_word(self, word) -> int:
        q = self.start
        for a in word:
            q = int(self.delta[q, a])
        return q

    def output_of_word(self, word) -> str:
        return self.outputs[self.state_of_word(word)]

    # ------------------------------------------------------------------ structure
    def reachable(self) -> np.ndarray:
        """Sorted indices of the states reachable from the start (breadth-first, vectorised)."""
        seen = np.zeros(self.num_states, dtype=bool)
        seen[self.start] = True
        frontier = np.array([self.start])
        while frontier.size:
            nxt = np.unique(self.delta[frontier].ravel())
            frontier = nxt[~seen[nxt]]
            seen[frontier] = True
        return np.flatnonzero(seen)

    def restrict(self, keep) -> "Automaton":
        """The sub-machine on the states ``keep`` (which must be closed under δ and contain the start)."""
        keep = np.asarray(keep, dtype=np.int64)
        pos = np.full(self.num_states, -1, dtype=np.int64)
        pos[keep] = np.arange(len(keep))
        delta = pos[self.delta[keep]]
        if np.any(delta < 0) or pos[self.start] < 0:
            raise InputError("keep: the states are not closed under the transitions or miss the start")
        return Automaton(tuple(self.states[i] for i in keep), self.alphabet, delta, int(pos[self.start]),
                         tuple(self.outputs[i] for i in keep), name=self.name)

    def trim(self) -> "Automaton":
        """The reachable part."""
        return self.restrict(self.reachable())

    def equivalence_classes(self) -> np.ndarray:
        """Moore's partition refinement: ``cls[q] == cls[r]`` iff every word gives equal outputs from q and r."""
        cls = self.output_index.copy()
        while True:
            sig = np.concatenate([cls[:, None], cls[self.delta]], axis=1)
            _, new = np.unique(sig, axis=0, return_inverse=True)
            new = new.reshape(-1).astype(np.int64)
            if len(np.unique(new)) == len(np.unique(cls)):
                return new
            cls = new

    def canonical(self) -> "Automaton":
        """Renumber the (reachable) states in breadth-first order from the start, symbols in order."""
        order, seen = [self.start], {self.start}
        i = 0
        while i < len(order):
            for r in self.delta[order[i]]:
                r = int(r)
                if r not in seen:
                    seen.add(r)
                    order.append(r)
            i += 1
        return self.restrict(order)

    def minimize(self) -> "Automaton":
        """The minimal equivalent Moore machine: reachable part, then Moore-equivalent states merged
        (each class named after its first state in breadth-first order), in canonical order."""
        m = self.trim().canonical()
        cls = m.equivalence_classes()
        first: dict[int, int] = {}
        for q in range(m.num_states):  # states are already in BFS order
            first.setdefault(int(cls[q]), q)
        reps = sorted(first.values())
        position = {q: i for i, q in enumerate(reps)}          # reps.index(q) in O(1): 10^5 states stay fast
        rep_of_cls = {c: position[q] for c, q in first.items()}
        to = np.array([rep_of_cls[int(c)] for c in cls], dtype=np.int64)
        delta = to[m.delta[reps]]
        return Automaton(tuple(m.states[q] for q in reps), m.alphabet, delta, int(to[m.start]),
                         tuple(m.outputs[q] for q in reps), name=m.name).canonical()

    def is_minimal(self) -> bool:
        return self.minimize().num_states == self.num_states

    def transition_monoid(self, max_size: int | None = None):
        """The transition monoid (see :mod:`bilinear.theory.automata.monoid`)."""
        from bilinear.theory.automata.monoid import TransitionMonoid
        return TransitionMonoid.of(self, max_size=max_size)


def random_automaton(num_states: int, num_symbols: int, seed: int) -> Automaton:
    """A random Moore machine: ``δ(q, a)`` uniform over the states, independently; start ``0``;
    output = the state itself (labels ``"0".."m-1"``).  Deterministic in ``seed``."""
    for arg, v in (("num_states", num_states), ("num_symbols", num_symbols)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise expected(arg, "an integer >= 1", v)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise expected("seed", "a non-negative integer", seed)
    check_memory(8 * num_states * num_symbols + STATE_NAME_BYTES * num_states,
                 f"a random automaton of {num_states} states and {num_symbols} symbols")
    rng = np.random.default_rng([int(seed), int(num_states), int(num_symbols)])
    delta = rng.integers(0, num_states, size=(num_states, num_symbols))
    states = tuple(str(i) for i in range(num_states))
    return Automaton(states, tuple(str(a) for a in range(num_symbols)), delta, 0, states,
                     name=f"random(m={num_states},k={num_symbols},seed={seed})")
