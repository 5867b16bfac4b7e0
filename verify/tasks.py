"""State-tracking tasks (docs/design.md §8) as seeded generators of token ids and labels.

Every task maps a batch of token sequences ``(n, L)`` to per-token labels ``(n, L)`` — ``labels[:, i]``
is the label of the prefix ending at token ``i`` (``-1`` where a prefix has no label, e.g. the
operator positions of ``modarith``) — and the final label ``label = labels[:, -1]``.  Sampling is
deterministic in the seed (``numpy.random.default_rng(seed)``).  This module is numpy only, so the
CLI can produce data without importing torch.

Tasks (``make_task(name, **options)``):

========== ================================================================= ====== =======
name       definition                                                        tokens classes
========== ================================================================= ====== =======
parity     number of 1s mod 2                                                2      2
modadd     sum of the tokens mod ``m``                                       m      m
cycle_nav  token t moves t-1 on a 5-cycle from 0; label = position           3      5
even_pairs number of unequal neighbours mod 2 = [first token != this token]  2      2
flipflop   token 0 reads (keeps the bit), token 1+v writes v (v < m); start 0 m+1    m
modarith   digits 0..m-1 and + - * (tokens m, m+1, m+2), standard precedence m+3    m
automaton  random Moore machine (``--states``, ``--symbols``, ``--automaton-seed``)
           or a JSON automaton file; label = output class of the current state
word       group word problem: tokens = elements, label = prefix product     |G|    |G|
========== ================================================================= ====== =======
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field

import numpy as np

from theory.automaton import Automaton, random_automaton
from theory.errors import InputError
from theory.group import FiniteGroup
from theory.group_parser import parse_group

__all__ = ["TaskBatch", "Task", "make_task", "TASK_NAMES", "TASK_OPTIONS", "write_jsonl",
           "illusion_csv", "illusion_targets", "modarith_tokens"]

IGNORE = -1


@dataclass(frozen=True, eq=False)
class TaskBatch:
    """``tokens`` (n, L), ``labels`` (n, L) with -1 where a prefix has no label, ``label`` (n,)."""

    tokens: np.ndarray
    labels: np.ndarray
    label: np.ndarray

    def records(self):
        """One dict per sequence, in the JSON-lines format of ``bilinear task``."""
        for t, ls, l in zip(self.tokens.tolist(), self.labels.tolist(), self.label.tolist()):
            yield {"tokens": t, "labels": ls, "label": l}


def _int(value, argument: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < minimum:
        raise InputError(f"{argument}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


@dataclass(frozen=True, eq=False)
class Task:
    """Base class: subclasses set ``name``, ``vocab_size``, ``num_classes`` and implement
    :meth:`label_tokens`; :meth:`sample_tokens` defaults to uniform tokens."""

    name: str = field(init=False, default="task")

    @property
    def vocab_size(self) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def num_classes(self) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def options(self) -> dict:
        return {}

    def chance_level(self) -> float:
        """Accuracy of always guessing the most frequent class under uniform labels (1 / classes)."""
        return 1.0 / self.num_classes

    def check_length(self, length: int) -> int:
        return _int(length, "length", 1)

    def sample_tokens(self, rng: np.random.Generator, n: int, length: int) -> np.ndarray:
        return rng.integers(0, self.vocab_size, size=(n, length), dtype=np.int64)

    def label_tokens(self, tokens: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def _check_tokens(self, tokens) -> np.ndarray:
        tokens = np.asarray(tokens)
        if tokens.ndim == 1:
            tokens = tokens[None, :]
        if tokens.ndim != 2 or not np.issubdtype(tokens.dtype, np.integer):
            raise InputError(f"tokens: expected an integer array (n, L), got shape {tokens.shape}")
        if tokens.size and (tokens.min() < 0 or tokens.max() >= self.vocab_size):
            raise InputError(f"tokens: {self.name} tokens must lie in 0..{self.vocab_size - 1}")
        return tokens.astype(np.int64)

    def batch(self, tokens) -> TaskBatch:
        """Label given token sequences."""
        tokens = self._check_tokens(tokens)
        labels = self.label_tokens(tokens)
        return TaskBatch(tokens, labels, labels[:, -1].copy() if tokens.shape[1] else np.full(len(tokens), IGNORE))

    def sample(self, n: int, length: int, seed: int) -> TaskBatch:
        """``n`` random sequences of ``length`` tokens, deterministic in ``seed``."""
        n = _int(n, "n", 1)
        length = self.check_length(length)
        seed = _int(seed, "seed", 0)
        rng = np.random.default_rng(seed)
        return self.batch(self.sample_tokens(rng, n, length))


@dataclass(frozen=True, eq=False)
class ModAddTask(Task):
    """Sum of the tokens mod ``m`` (``m = 2`` is parity)."""

    m: int = 2
    task_name: str = "modadd"

    def __post_init__(self):
        object.__setattr__(self, "m", _int(self.m, "m", 2))
        object.__setattr__(self, "name", self.task_name)

    vocab_size = property(lambda self: self.m)
    num_classes = property(lambda self: self.m)
    options = property(lambda self: {} if self.name == "parity" else {"m": self.m})

    def label_tokens(self, tokens):
        return np.cumsum(tokens, axis=1) % self.m


@dataclass(frozen=True, eq=False)
class CycleNavTask(Task):
    """Token ``t`` in {0, 1, 2} moves ``t - 1`` on a 5-cycle starting at 0; label = position."""

    def __post_init__(self):
        object.__setattr__(self, "name", "cycle_nav")

    vocab_size = property(lambda self: 3)
    num_classes = property(lambda self: 5)

    def label_tokens(self, tokens):
        return np.cumsum(tokens - 1, axis=1) % 5


@dataclass(frozen=True, eq=False)
class EvenPairsTask(Task):
    """Number of positions with ``s_i != s_{i+1}`` mod 2, which equals ``[s_0 != s_last]``."""

    def __post_init__(self):
        object.__setattr__(self, "name", "even_pairs")

    vocab_size = property(lambda self: 2)
    num_classes = property(lambda self: 2)

    def label_tokens(self, tokens):
        return (tokens != tokens[:, :1]).astype(np.int64)


@dataclass(frozen=True, eq=False)
class FlipFlopTask(Task):
    """A memory of ``m`` values: token 0 reads (keeps the value), token ``1 + v`` writes ``v``;
    the value starts at 0; label = the value held after each token."""

    m: int = 2

    def __post_init__(self):
        object.__setattr__(self, "m", _int(self.m, "m", 2))
        object.__setattr__(self, "name", "flipflop")

    vocab_size = property(lambda self: self.m + 1)
    num_classes = property(lambda self: self.m)
    options = property(lambda self: {"m": self.m})

    def label_tokens(self, tokens):
        out = np.empty_like(tokens)
        value = np.zeros(len(tokens), dtype=np.int64)
        for t in range(tokens.shape[1]):
            tok = tokens[:, t]
            value = np.where(tok > 0, tok - 1, value)
            out[:, t] = value
        return out


@dataclass(frozen=True, eq=False)
class ModArithTask(Task):
    """Deletang et al.'s modular arithmetic: digits ``0..m-1`` (tokens ``0..m-1``) alternate with
    ``+``, ``-``, ``*`` (tokens ``m, m+1, m+2``), odd lengths, standard precedence (``*`` first, then
    ``+``/``-`` left to right), values mod ``m``.  Label at each digit = value of the prefix ending
    there; ``-1`` at operators.  ``1+2*3 -> 2``, ``2-3*4 -> 0`` (mod 5)."""

    m: int = 5

    def __post_init__(self):
        object.__setattr__(self, "m", _int(self.m, "m", 2))
        object.__setattr__(self, "name", "modarith")

    vocab_size = property(lambda self: self.m + 3)
    num_classes = property(lambda self: self.m)
    options = property(lambda self: {"m": self.m})

    def check_length(self, length):
        length = _int(length, "length", 1)
        if length % 2 == 0:
            raise InputError(f"length: modarith needs an odd length (digit, operator, digit, ...), got {length}")
        return length

    def sample_tokens(self, rng, n, length):
        tokens = np.empty((n, length), dtype=np.int64)
        tokens[:, 0::2] = rng.integers(0, self.m, size=(n, (length + 1) // 2))
        tokens[:, 1::2] = rng.integers(self.m, self.m + 3, size=(n, length // 2))
        return tokens

    def _check_tokens(self, tokens):
        tokens = super()._check_tokens(tokens)
        if tokens.shape[1] % 2 == 0:
            raise InputError("tokens: modarith sequences have odd length")
        if np.any(tokens[:, 0::2] >= self.m) or np.any(tokens[:, 1::2] < self.m):
            raise InputError(f"tokens: modarith alternates digits 0..{self.m - 1} and operators "
                             f"{self.m}..{self.m + 2}, starting with a digit")
        return tokens

    def label_tokens(self, tokens):
        m = self.m
        n, length = tokens.shape
        out = np.full((n, length), IGNORE, dtype=np.int64)
        total = np.zeros(n, dtype=np.int64)     # sum of the finished terms
        term = tokens[:, 0] % m                 # current product term, sign included
        out[:, 0] = term
        for t in range(1, length, 2):
            op, d = tokens[:, t] - m, tokens[:, t + 1]
            is_mul = op == 2
            total = np.where(is_mul, total, (total + term) % m)
            term = np.where(is_mul, term * d, np.where(op == 0, d, -d)) % m
            out[:, t + 1] = (total + term) % m
        return out


def modarith_tokens(expression: str, m: int = 5) -> list[int]:
    """Tokens of an expression such as ``"4*4-3*2"`` (``-`` or the sign ``−`` for minus)."""
    ops = {"+": m, "-": m + 1, "−": m + 1, "*": m + 2, "×": m + 2}
    out = []
    for ch in expression.replace(" ", ""):
        if ch.isdigit() and int(ch) < m:
            out.append(int(ch))
        elif ch in ops:
            out.append(ops[ch])
        else:
            raise InputError(f"expression: unexpected character {ch!r} in {expression!r}")
    return out


@dataclass(frozen=True, eq=False)
class AutomatonTask(Task):
    """Label = output class of the current state of a Moore machine (for a random automaton the
    output is the state itself).  The automaton is fixed by the task options, not by the sampling
    seed, so train and test data share it."""

    automaton: Automaton | None = None
    spec: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.automaton, Automaton):
            raise InputError("automaton: expected an Automaton")
        object.__setattr__(self, "name", "automaton")

    vocab_size = property(lambda self: self.automaton.num_symbols)
    num_classes = property(lambda self: len(self.automaton.output_labels))
    options = property(lambda self: dict(self.spec))

    def label_tokens(self, tokens):
        return self.automaton.output_index[self.automaton.run(tokens)]


@dataclass(frozen=True, eq=False)
class WordTask(Task):
    """Group word problem (docs/design.md §3): tokens are element indices, label = index of the prefix
    product ``g_1 * ... * g_t`` (``g_1`` applied first)."""

    group: FiniteGroup | None = None

    def __post_init__(self):
        if not isinstance(self.group, FiniteGroup):
            raise InputError("group: expected a FiniteGroup")
        object.__setattr__(self, "name", "word")

    vocab_size = property(lambda self: self.group.order)
    num_classes = property(lambda self: self.group.order)
    options = property(lambda self: {"group": self.group.name})

    def label_tokens(self, tokens):
        out = np.empty_like(tokens)
        acc = np.zeros(len(tokens), dtype=np.int64)
        for t in range(tokens.shape[1]):
            acc = self.group.mul(acc, tokens[:, t])
            out[:, t] = acc
        return out


TASK_OPTIONS = {
    "parity": (), "modadd": ("m",), "cycle_nav": (), "even_pairs": (), "flipflop": ("m",),
    "modarith": ("m",), "automaton": ("states", "symbols", "automaton_seed", "file"),
    "word": ("group", "max_order"),
}
TASK_NAMES = tuple(TASK_OPTIONS)


def make_task(name: str, **options) -> Task:
    """Build a task by name; options not used by the task raise :class:`InputError`.

    ``make_task("modadd", m=5)``, ``make_task("word", group="S5")``,
    ``make_task("automaton", states=5, symbols=3, automaton_seed=0)``.
    """
    if name not in TASK_OPTIONS:
        raise InputError(f"task: unknown task {name!r}; expected one of {', '.join(TASK_NAMES)}")
    given = {k: v for k, v in options.items() if v is not None}
    extra = sorted(set(given) - set(TASK_OPTIONS[name]))
    if extra:
        raise InputError(f"task {name}: option(s) {', '.join(extra)} do not apply "
                         f"(it takes {', '.join(TASK_OPTIONS[name]) or 'no options'})")
    if name == "parity":
        return ModAddTask(2, task_name="parity")
    if name == "modadd":
        if "m" not in given:
            raise InputError("task modadd: option m (the modulus) is required")
        return ModAddTask(given["m"])
    if name == "cycle_nav":
        return CycleNavTask()
    if name == "even_pairs":
        return EvenPairsTask()
    if name == "flipflop":
        return FlipFlopTask(given.get("m", 2))
    if name == "modarith":
        return ModArithTask(given.get("m", 5))
    if name == "automaton":
        if "file" in given:
            if {"states", "symbols", "automaton_seed"} & set(given):
                raise InputError("task automaton: give either file or states/symbols/automaton_seed")
            return AutomatonTask(Automaton.from_json(given["file"]), spec={"file": str(given["file"])})
        if "states" not in given or "symbols" not in given:
            raise InputError("task automaton: options states and symbols are required (or file)")
        seed = given.get("automaton_seed", 0)
        a = random_automaton(given["states"], given["symbols"], seed)
        return AutomatonTask(a, spec={"states": int(given["states"]), "symbols": int(given["symbols"]),
                                      "automaton_seed": int(seed)})
    if "group" not in given:
        raise InputError("task word: option group is required (e.g. S5, A4xZ5)")
    group = given["group"]
    if not isinstance(group, FiniteGroup):
        group = parse_group(group, max_order=given.get("max_order"))
    return WordTask(group)


def write_jsonl(batch: TaskBatch, stream) -> None:
    """Write one JSON object per sequence: ``{"tokens": [...], "labels": [...], "label": ...}``."""
    for rec in batch.records():
        stream.write(json.dumps(rec, separators=(",", ":")) + "\n")


def illusion_targets(group: FiniteGroup, tokens) -> np.ndarray:
    """Prefix products in the "Illusion of State" convention, ``P_t = P_{t-1} o g_t`` with
    ``(a o b)(i) = a(b(i))``: in our right-action convention ``P_t = g_t * P_{t-1}``."""
    tokens = WordTask(group)._check_tokens(tokens)
    targets = np.empty_like(tokens)
    acc = np.zeros(len(tokens), dtype=np.int64)
    for t in range(tokens.shape[1]):
        acc = group.mul(tokens[:, t], acc)
        targets[:, t] = acc
    return targets


_ILLUSION = re.compile(r"[SAZ]\d+(x[SAZ]\d+)*")


def illusion_csv(group_spec: str, n: int, length: int, seed: int, max_order: int | None = None) -> str:
    """The "Illusion of State" word-problem CSV (header ``seed,input,target``).

    Groups: ``S<n>``, ``A<n>``, ``Z<n>`` and their direct products.  Element indices follow that
    benchmark: ``S_n`` by the lexicographic order of the tuples ``(p(1), ..., p(n))``, ``A_n`` the even
    ones in that order, ``Z_n`` its integers, ``G x H`` as ``i_G |H| + i_H`` — the same indices as our
    groups.  Products compose as functions, ``op(a, b)(i) = a(b(i))``, so the target is
    ``P_t = P_{t-1} o g_t``, which in our right-action convention is ``g_t * P_{t-1}``.
    """
    spec = re.sub(r"\s+", "", str(group_spec))
    if not _ILLUSION.fullmatch(spec):
        raise InputError(f"group: the illusion-csv format supports S<n>, A<n>, Z<n> and products "
                         f"like A4xZ5, got {group_spec!r}")
    task = make_task("word", group=spec, max_order=max_order)
    batch = task.sample(n, length, seed)
    targets = illusion_targets(task.group, batch.tokens)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["seed", "input", "target"])
    for tok, tgt in zip(batch.tokens.tolist(), targets.tolist()):
        w.writerow([seed, " ".join(map(str, tok)), " ".join(map(str, tgt))])
    return buf.getvalue()
