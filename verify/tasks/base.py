"""The abstract state-tracking task (docs/design.md §8) and its batch of labelled sequences.

A task maps token sequences ``(n, L)`` to per-token labels ``(n, L)``: ``labels[:, i]`` is the label
of the prefix ending at token ``i`` (:data:`IGNORE` = ``-1`` where a prefix has no label, e.g. the
operator positions of ``modarith``), and ``label = labels[:, -1]`` is the label of the whole
sequence.  Every task declares

* its **alphabet** — the token names; token id ``i`` is ``alphabet[i]`` (:meth:`Task.encode`);
* its **classes** — the label names; label id ``j`` is ``classes[j]``;
* its **valid lengths** (:meth:`Task.accepts_length`, described by :attr:`Task.length_rule`);
* its **options** (:attr:`Task.PARAMS`, read by :meth:`Task.from_options`);
* its **encodings** — the file formats it is written in (:attr:`Task.ENCODINGS`: ``jsonl`` for
  every task, one JSON object per sequence; ``illusion-csv`` for ``word``).

Sampling is deterministic in the seed and **seed invariant**: sequence ``i`` of seed ``s`` has the
same tokens whatever the number ``n`` of sequences drawn (the tokens of a batch are drawn row by
row from ``numpy.random.default_rng(seed)``).  A batch is refused before anything is allocated
when ``n × length`` exceeds :data:`DEFAULT_MAX_TOKENS` (``max_tokens=`` or ``--max-tokens`` raises
it).  This package is numpy only, so the CLI produces data without importing torch.

>>> from bilinear.verify.tasks import make_task
>>> task = make_task("parity")
>>> task.alphabet, task.classes, task.length_rule
(('0', '1'), ('even', 'odd'), 'any length >= 1')
>>> task.batch(task.encode(["1", "1", "0", "1"])).labels.tolist()
[[1, 0, 0, 1]]
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Iterator

import numpy as np

from bilinear.theory.errors import InputError, check_int, check_seed, expected, shown

__all__ = ["IGNORE", "DEFAULT_MAX_TOKENS", "TaskBatch", "Task", "check_int", "check_task_size", "write_jsonl"]

IGNORE = -1

#: Most tokens (``n × length``) one batch may hold unless raised (``max_tokens=``, ``--max-tokens``):
#: a batch holds about 40 bytes per token while it is labelled (tokens, labels and temporaries,
#: int64) and its JSON lines about 6 more; measured, ``bilinear task`` at 10^7 tokens peaks at
#: 0.4 GB resident (parity, word S5).
DEFAULT_MAX_TOKENS = 10_000_000


def option_flag(key: str) -> str:
    """The name errors give a task option ``key``: the flag that sets it in ``bilinear task`` and
    ``bilinear train`` (``automaton_seed`` -> ``--automaton-seed``, ``file`` -> ``--automaton``).

    >>> option_flag("automaton_seed"), option_flag("file"), option_flag("m")
    ('--automaton-seed', '--automaton', '--m')
    """
    return "--" + {"file": "automaton"}.get(key, key).replace("_", "-")


def check_task_size(n: int, length: int, max_tokens: int | None = None, what: str = "n x length",
                    remedy: str = "raise it with --max-tokens or max_tokens=") -> None:
    """Refuse ``n × length`` above ``max_tokens`` (default :data:`DEFAULT_MAX_TOKENS`) before any work.

    >>> check_task_size(10**4, 10**4)
    Traceback (most recent call last):
    bilinear.theory.errors.InputError: n x length: 10000 x 10000 = 100000000 tokens, above the limit 10000000 (raise it with --max-tokens or max_tokens=)
    """
    limit = DEFAULT_MAX_TOKENS if max_tokens is None else check_int("--max-tokens", max_tokens, minimum=1)
    if n * length > limit:
        raise InputError(f"{what}: {n} x {length} = {n * length} tokens, above the limit {limit} ({remedy})")


@dataclass(frozen=True, eq=False)
class TaskBatch:
    """``tokens`` (n, L), ``labels`` (n, L) with -1 where a prefix has no label, ``label`` (n,)."""

    tokens: np.ndarray
    labels: np.ndarray
    label: np.ndarray

    def records(self) -> Iterator[dict]:
        """One dict per sequence, in the JSON-lines format of ``bilinear task``."""
        for t, ls, l in zip(self.tokens.tolist(), self.labels.tolist(), self.label.tolist()):
            yield {"tokens": t, "labels": ls, "label": l}


def write_jsonl(batch: TaskBatch, stream) -> None:
    """Write one JSON object per sequence: ``{"tokens": [...], "labels": [...], "label": ...}``."""
    for rec in batch.records():
        stream.write(json.dumps(rec, separators=(",", ":")) + "\n")


@dataclass(frozen=True, eq=False)
class Task(ABC):
    """A state-tracking task.  Subclasses set :attr:`name` and :attr:`PARAMS`, implement
    :attr:`alphabet`, :attr:`classes`, :meth:`label_tokens` and :meth:`from_options`, and override
    :meth:`accepts_length` / :meth:`sample_tokens` / :meth:`check_tokens` where the task has
    structure beyond "any token at any position"."""

    #: The registry name (``make_task(name)``).
    name: ClassVar[str] = "task"
    #: Option names the task takes (``make_task(name, **options)``, CLI flags of the same names).
    PARAMS: ClassVar[tuple[str, ...]] = ()
    #: Human-readable description of :meth:`accepts_length`.
    length_rule: ClassVar[str] = "any length >= 1"
    #: Output encodings of ``bilinear task --format`` (every task has ``jsonl``, :func:`write_jsonl`).
    ENCODINGS: ClassVar[tuple[str, ...]] = ("jsonl",)

    # ------------------------------------------------------------------ declarations
    @property
    @abstractmethod
    def alphabet(self) -> tuple[str, ...]:
        """Token names: token id ``i`` is ``alphabet[i]``."""

    @property
    @abstractmethod
    def classes(self) -> tuple[str, ...]:
        """Label names: label id ``j`` is ``classes[j]``."""

    @property
    def vocab_size(self) -> int:
        return len(self.alphabet)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def options(self) -> dict:
        """The options that rebuild this task with :func:`~bilinear.verify.tasks.make_task`."""
        return {}

    @classmethod
    @abstractmethod
    def from_options(cls, **given) -> "Task":
        """Build the task from its options (only names in :attr:`PARAMS`, ``None`` already dropped)."""

    def accepts_length(self, length: int) -> bool:
        """Whether sequences of ``length`` tokens exist for this task (``length >= 1``)."""
        return length >= 1

    def chance_level(self) -> float:
        """Accuracy of a uniform guess: ``1 / classes``."""
        return 1.0 / self.num_classes

    # ------------------------------------------------------------------ lengths
    def check_length(self, length, argument: str = "length") -> int:
        """``length`` if the task accepts it, else :class:`InputError` naming ``argument`` and the rule."""
        length = check_int(argument, length, minimum=1)
        if not self.accepts_length(length):
            raise InputError(f"{argument}: {self.name} accepts {self.length_rule}, got {length}")
        return length

    def check_lengths(self, lengths, argument: str = "lengths") -> tuple[int, ...]:
        """Every length accepted, or one :class:`InputError` naming ``argument``, the rule and the rejects."""
        lengths = tuple(check_int(argument, L, minimum=1) for L in lengths)
        bad = [L for L in lengths if not self.accepts_length(L)]
        if bad:
            raise InputError(f"{argument}: {self.name} accepts {self.length_rule}, got "
                             f"{', '.join(map(str, bad))}")
        return lengths

    def valid_length_at_least(self, length: int) -> int:
        """The smallest accepted length ``>= length``."""
        L = max(1, int(length))
        while not self.accepts_length(L):
            L += 1
        return L

    # ------------------------------------------------------------------ encoding
    def encode(self, symbols) -> list[int]:
        """Token ids of a sequence of token names (``alphabet`` entries)."""
        index = {s: i for i, s in enumerate(self.alphabet)}
        out = []
        for s in symbols:
            if s not in index:
                raise InputError(f"symbols: {s!r} is not a {self.name} token; expected one of "
                                 f"{', '.join(self.alphabet[:20])}{' ...' if self.vocab_size > 20 else ''}")
            out.append(index[s])
        return out

    def check_tokens(self, tokens) -> np.ndarray:
        """``tokens`` as an int64 array (n, L) of valid ids (a 1-D sequence is one row)."""
        tokens = np.asarray(tokens)
        if tokens.ndim == 1:
            tokens = tokens[None, :]
        if tokens.ndim != 2 or not (tokens.size == 0 or np.issubdtype(tokens.dtype, np.integer)):
            raise expected("tokens", "an integer array (n, L)", shown(f"shape {tokens.shape}"))
        if tokens.size and (tokens.min() < 0 or tokens.max() >= self.vocab_size):
            raise InputError(f"tokens: {self.name} tokens must lie in 0..{self.vocab_size - 1}")
        return tokens.astype(np.int64)

    # ------------------------------------------------------------------ labelling and sampling
    @abstractmethod
    def label_tokens(self, tokens: np.ndarray) -> np.ndarray:
        """Per-prefix labels (n, L) of checked tokens (n, L)."""

    def sample_tokens(self, rng: np.random.Generator, n: int, length: int) -> np.ndarray:
        """``n`` random sequences, drawn row by row (row ``i`` does not depend on ``n``): uniform tokens."""
        return rng.integers(0, self.vocab_size, size=(n, length), dtype=np.int64)

    def batch(self, tokens) -> TaskBatch:
        """Label given token sequences."""
        tokens = self.check_tokens(tokens)
        labels = self.label_tokens(tokens)
        last = labels[:, -1].copy() if tokens.shape[1] else np.full(len(tokens), IGNORE)
        return TaskBatch(tokens, labels, last)

    def sample(self, n: int, length: int, seed: int, max_tokens: int | None = None) -> TaskBatch:
        """``n`` random sequences of ``length`` tokens, deterministic in ``seed``; sequence ``i`` is
        the same for every ``n > i``.  Refused above ``max_tokens`` tokens (:func:`check_task_size`)."""
        n = check_int("--n", n, minimum=1)
        length = self.check_length(length)
        seed = check_seed("--seed", seed)
        check_task_size(n, length, max_tokens)
        rng = np.random.default_rng(seed)
        return self.batch(self.sample_tokens(rng, n, length))
