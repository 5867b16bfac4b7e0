"""The exact distribution of a task's final label under its own sampler, and the best constant guess.

**Chance at length L** (the reference for chance-normalised accuracy, docs/design.md §9) is the
accuracy of the best *constant* predictor at that length: ``max_y P(label of a length-L sequence =
y)``, where the sequence is drawn by the task's own sampler (:meth:`~bilinear.verify.tasks.Task.sample`).
It is computed exactly, not estimated: every task here is read by a finite Moore machine
(:func:`label_machine`), and the number of length-L sequences that end in each state is counted by
dynamic programming over positions with Python integers, ``N_{t+1}(q') = Σ_{q, a: δ(q, a) = q'}
N_t(q)`` over the tokens ``a`` the sampler may draw at position ``t``.  The probability of a label
is then ``Σ_{q with that output} N_L(q) / Π_t |tokens allowed at t|`` (the sampler draws the
allowed tokens uniformly and independently; :func:`allowed_tokens`).

* ``modadd``/``parity``: the last token is uniform over Z_m and shifts the label, so the label is
  uniform and chance is ``1/m`` exactly (not so for ``cycle_nav``, whose moves are only -1, 0, +1).
* ``automaton``: the distribution of the state after ``L`` uniform symbols, ``e_{q0} P^L`` with
  ``P = (1/k) Σ_a (transition matrix of a)``; a random automaton with an absorbing region has a
  chance far above ``1/|Q|``.
* ``modarith``: the machine state is (sum of the finished terms, current product term, pending
  operator); after ``*`` a zero term stays zero, so the label is *not* uniform.

Cost: ``L × (reachable states) × (tokens)`` big-integer additions (modadd m=50 at L=500 in about
a second).

>>> from bilinear.verify.tasks import make_task
>>> best_constant_accuracy(make_task("modadd", m=5), [1, 500])
{1: Fraction(1, 5), 500: Fraction(1, 5)}
>>> label_distribution(make_task("modarith", m=2), [3])[3]     # 0*0, 0*1, 1*0 -> 0; with + or -: uniform
(Fraction(7, 12), Fraction(5, 12))
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from bilinear.theory.errors import InputError, expected, shown

from bilinear.verify.tasks.automaton import AutomatonTask
from bilinear.verify.tasks.base import Task
from bilinear.verify.tasks.cycle_nav import CycleNavTask
from bilinear.verify.tasks.even_pairs import EvenPairsTask
from bilinear.verify.tasks.flipflop import FlipFlopTask
from bilinear.verify.tasks.modadd import ModAddTask
from bilinear.verify.tasks.modarith import ModArithTask
from bilinear.verify.tasks.parity import ParityTask
from bilinear.verify.tasks.word import WordTask

#: Largest group whose word problem gets a label machine (its table has |G|^2 entries).
_MAX_WORD_ORDER = 1000

__all__ = ["LabelMachine", "label_machine", "allowed_tokens", "label_distribution", "best_constant_accuracy",
           "window_accuracy"]

#: Most suffixes :func:`window_accuracy` enumerates.
_MAX_WINDOWS = 1_000_000


@dataclass(frozen=True, eq=False)
class LabelMachine:
    """A Moore machine that labels a task's sequences: ``delta`` (states × tokens; ``-1`` where the
    sampler never feeds that token in that state), ``start``, and ``output`` (class id per state,
    ``-1`` for states after which the prefix has no label)."""

    delta: np.ndarray
    start: int
    output: np.ndarray

    def __post_init__(self):
        delta, output = np.asarray(self.delta, dtype=np.int64), np.asarray(self.output, dtype=np.int64)
        if delta.ndim != 2 or output.shape != (delta.shape[0],) or not 0 <= self.start < delta.shape[0]:
            raise expected("label machine", "delta (S, D), output (S,) and a start in 0..S-1",
                           shown(f"{delta.shape}, {output.shape}, {self.start}"))
        if delta.min() < -1 or delta.max() >= delta.shape[0]:
            raise InputError("label machine: delta entries must be state indices or -1")
        object.__setattr__(self, "delta", delta)
        object.__setattr__(self, "output", output)


def _cyclic(m: int, shift: int) -> LabelMachine:
    q = np.arange(m)[:, None]
    a = np.arange(m)[None, :]
    return LabelMachine((q + a + shift) % m, 0, np.arange(m))


def label_machine(task: Task) -> LabelMachine:
    """The Moore machine whose output after each prefix is the task's label there (tested against
    :meth:`~bilinear.verify.tasks.Task.batch` on every sequence of small lengths)."""
    if isinstance(task, (ModAddTask, ParityTask)):
        return _cyclic(task.num_classes, 0)
    if isinstance(task, CycleNavTask):                 # token t moves t - 1 on the 5-cycle
        return LabelMachine((np.arange(5)[:, None] + np.arange(3)[None, :] - 1) % 5, 0, np.arange(5))
    if isinstance(task, FlipFlopTask):                 # 0 reads, 1 + v writes v
        m = task.num_classes
        delta = np.concatenate([np.arange(m)[:, None], np.tile(np.arange(m), (m, 1))], axis=1)
        return LabelMachine(delta, 0, np.arange(m))
    if isinstance(task, EvenPairsTask):                # state 0: nothing read; 1 + 2f + [x != f]
        delta = np.array([[1, 3], [1, 2], [1, 2], [4, 3], [4, 3]])
        return LabelMachine(delta, 0, np.array([-1, 0, 1, 0, 1]))
    if isinstance(task, AutomatonTask):
        a = task.automaton
        assert a is not None               # AutomatonTask.__post_init__ rejects a missing automaton
        return LabelMachine(a.delta, a.start, a.output_index)
    if isinstance(task, WordTask):                     # state g: the product so far (0 = identity)
        g = task.group
        assert g is not None               # WordTask.__post_init__ rejects a missing group
        if g.order > _MAX_WORD_ORDER:
            raise InputError(f"task word: the label machine has |G|^2 moves; expected |G| <= {_MAX_WORD_ORDER}, "
                             f"got {g.order}")
        q = np.repeat(np.arange(g.order), g.order)
        x = np.tile(np.arange(g.order), g.order)
        return LabelMachine(np.asarray(g.mul(q, x), dtype=np.int64).reshape(g.order, g.order), 0, np.arange(g.order))
    if isinstance(task, ModArithTask):
        return _modarith_machine(task.m)
    raise InputError(f"task: no exact label distribution for {task.name!r}")


def _modarith_machine(m: int) -> LabelMachine:
    """States: 0 = start; ``1 + total*m + term`` after a digit; ``1 + m*m + (op*m + total)*m + term``
    after operator ``op`` (0 ``+``, 1 ``-``, 2 ``*``).  The value after a digit is total + term."""
    digit = lambda total, term: 1 + total * m + term                       # noqa: E731
    pending = lambda op, total, term: 1 + m * m + (op * m + total) * m + term  # noqa: E731
    size = 1 + 4 * m * m
    delta = np.full((size, m + 3), -1, dtype=np.int64)
    output = np.full(size, -1, dtype=np.int64)
    for d in range(m):
        delta[0, d] = digit(0, d)
    for total in range(m):
        for term in range(m):
            output[digit(total, term)] = (total + term) % m
            for op in range(3):
                delta[digit(total, term), m + op] = pending(op, total, term)
                for d in range(m):
                    if op == 2:
                        nxt = digit(total, term * d % m)
                    else:
                        nxt = digit((total + term) % m, d if op == 0 else (-d) % m)
                    delta[pending(op, total, term), d] = nxt
    return LabelMachine(delta, 0, output)


def allowed_tokens(task: Task, position: int) -> np.ndarray:
    """The tokens the task's sampler draws (uniformly) at 0-based ``position``: every token, except
    for modarith (digits at even positions, operators at odd ones)."""
    if isinstance(task, ModArithTask):
        return np.arange(task.m) if position % 2 == 0 else np.arange(task.m, task.m + 3)
    return np.arange(task.vocab_size)


def _state_counts(task: Task, machine: LabelMachine, length: int) -> tuple[np.ndarray, int]:
    """(number of sampled sequences of ``length`` tokens ending in each state, number of sequences)."""
    counts = np.zeros(machine.delta.shape[0], dtype=object)
    counts[machine.start] = 1
    total = 1
    for t in range(length):
        counts, total = _step(task, machine, counts, t), total * len(allowed_tokens(task, t))
    return counts, total


def _step(task: Task, machine: LabelMachine, counts: np.ndarray, t: int) -> np.ndarray:
    live = np.nonzero(counts)[0]
    new = np.zeros(len(counts), dtype=object)
    for a in allowed_tokens(task, t):
        target = machine.delta[live, a]
        if target.min() < 0:
            raise InputError(f"task {task.name}: its label machine has no move for token {a} at position {t}")
        np.add.at(new, target, counts[live])
    return new


def window_accuracy(task: Task, length: int, window: int) -> Fraction:
    """The accuracy at ``length`` of the best predictor that sees only the last ``window`` tokens:
    ``Σ_w P(suffix = w) max_y P(label = y | suffix = w)``, exact.  ``window = 0`` is chance
    (:func:`best_constant_accuracy`); ``window = length`` is 1.  A model with fading memory can at
    most approach this for some window; it measures how far a task's label is fixed by a short
    suffix.  Enumerates the ``|tokens|^window`` suffixes (at most 10^6)."""
    length = task.check_length(length)
    if isinstance(window, bool) or not isinstance(window, int) or not 0 <= window <= length:
        raise expected("window", f"an integer in [0, {length}]", window)
    choices = [allowed_tokens(task, t) for t in range(length - window, length)]
    if np.prod([len(c) for c in choices], dtype=float) > _MAX_WINDOWS:
        raise InputError(f"window: {window} tokens give more than {_MAX_WINDOWS} suffixes")
    machine = label_machine(task)
    counts, total = _state_counts(task, machine, length - window)
    live = np.nonzero(counts)[0]
    best = 0
    for word in itertools.product(*choices):
        q = live
        for a in word:
            q = machine.delta[q, a]
        if q.min() < 0 or machine.output[q].min() < 0:
            raise InputError(f"task {task.name}: no label after {length} tokens")
        per_class = [0] * task.num_classes
        for y, c in zip(machine.output[q].tolist(), counts[live]):
            per_class[y] += int(c)
        best += max(per_class)
    return Fraction(best, total * int(np.prod([len(c) for c in choices], dtype=object)))


def label_distribution(task: Task, lengths) -> dict[int, tuple[Fraction, ...]]:
    """``{L: (P(final label = class j) for each class j)}`` under the task's sampler, exact, for
    every ``L`` of ``lengths`` (lengths the task accepts); one pass up to the longest."""
    lengths = sorted(set(task.check_lengths(lengths, "lengths")))
    machine = label_machine(task)
    counts = np.zeros(machine.delta.shape[0], dtype=object)
    counts[machine.start] = 1
    total = 1
    out = {}
    for t in range(lengths[-1]):
        counts, total = _step(task, machine, counts, t), total * len(allowed_tokens(task, t))
        if t + 1 in lengths:
            per_class = [0] * task.num_classes
            for q in np.nonzero(counts)[0]:
                y = int(machine.output[q])
                if y < 0:
                    raise InputError(f"task {task.name}: no label after {t + 1} tokens")
                per_class[y] += int(counts[q])
            out[t + 1] = tuple(Fraction(c, total) for c in per_class)
    return out


def best_constant_accuracy(task: Task, lengths) -> dict[int, Fraction]:
    """``{L: max_y P(final label = y)}``: the accuracy of the best constant predictor at length L,
    exact (:func:`label_distribution`)."""
    return {L: max(p) for L, p in label_distribution(task, lengths).items()}
