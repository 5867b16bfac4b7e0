"""The exact final-label distribution (chance = best constant guess) against independent counts.

Two independent sources: brute force — every sequence the sampler can draw at a small length,
labelled by the task's own ``batch`` — and Monte Carlo with the task's own ``sample`` at the long
lengths the report uses.
"""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from bilinear.theory import InputError
from bilinear.verify.tasks import make_task
from bilinear.verify.tasks.label_distribution import (allowed_tokens, best_constant_accuracy, label_distribution, label_machine, window_accuracy)

TASKS = [("parity", {}), ("modadd", {"m": 3}), ("modadd", {"m": 5}), ("cycle_nav", {}), ("even_pairs", {}),
         ("flipflop", {"m": 3}), ("modarith", {"m": 2}), ("modarith", {"m": 5}),
         ("automaton", {"states": 5, "symbols": 3, "automaton_seed": 0}),
         ("automaton", {"states": 4, "symbols": 2, "automaton_seed": 7}), ("word", {"group": "S3"})]


def brute_force(task, length):
    """Label frequencies over every sequence the sampler can draw (all equally likely)."""
    choices = [allowed_tokens(task, t) for t in range(length)]
    words = np.array(list(itertools.product(*choices)), dtype=np.int64)
    labels = task.batch(words).label
    counts = np.bincount(labels, minlength=task.num_classes)
    return tuple(Fraction(int(c), len(words)) for c in counts)


@pytest.mark.parametrize("name, options", TASKS)
def test_exact_distribution_equals_brute_force(name, options):
    task = make_task(name, **options)
    lengths = [L for L in range(1, 8) if task.accepts_length(L)
               and math.prod(len(allowed_tokens(task, t)) for t in range(L)) <= 20_000]
    assert len(lengths) >= 2
    exact = label_distribution(task, lengths)
    for L in lengths:
        assert exact[L] == brute_force(task, L), (name, L)
        assert best_constant_accuracy(task, [L])[L] == max(brute_force(task, L))


def test_the_allowed_tokens_are_the_samplers():
    """What the count assumes about the sampler: at each position it draws exactly these tokens."""
    for name, options in TASKS:
        task = make_task(name, **options)
        L = 9 if name == "modarith" else 8
        tokens = task.sample(3000, L, 1).tokens
        for t in range(L):
            assert set(np.unique(tokens[:, t])) == set(allowed_tokens(task, t).tolist()), (name, t)


@pytest.mark.parametrize("options, length", [({"states": 5, "symbols": 3, "automaton_seed": 0}, 500),
                                             ({"states": 10, "symbols": 3, "automaton_seed": 0}, 200)])
def test_automaton_chance_agrees_with_monte_carlo(options, length):
    """Frequencies of 20000 sampled sequences lie within 5 standard errors of the exact values."""
    task = make_task("automaton", **options)
    exact = label_distribution(task, [length])[length]
    n = 20_000
    freq = np.bincount(task.sample(n, length, 123).label, minlength=task.num_classes) / n
    for p, f in zip(exact, freq):
        p = float(p)
        assert abs(f - p) <= 5 * math.sqrt(max(p * (1 - p), 1e-12) / n) + 1e-12


def test_known_values():
    """Values with a closed form: uniform labels for cyclic tasks; a machine whose long-run state is
    certain (absorbing) has chance 1."""
    assert best_constant_accuracy(make_task("modadd", m=50), [1, 500]) == {1: Fraction(1, 50), 500: Fraction(1, 50)}
    # modarith m=2, length 3: a*b is 0 unless a = b = 1 (3/4 zero), a+b and a-b are uniform
    assert label_distribution(make_task("modarith", m=2), [3])[3] == (Fraction(2, 3) * Fraction(1, 2)
                                                                       + Fraction(1, 3) * Fraction(3, 4),
                                                                       Fraction(2, 3) * Fraction(1, 2)
                                                                       + Fraction(1, 3) * Fraction(1, 4))
    # flip-flop m=2 after L tokens: the value is 0 unless the last write wrote 1
    p1 = sum(Fraction(1, 3) * Fraction(1, 3) ** k for k in range(4))     # last write at position 4 - k
    assert label_distribution(make_task("flipflop", m=2), [4])[4] == (1 - p1, p1)


def test_refusals():
    with pytest.raises(InputError, match="lengths"):
        label_distribution(make_task("modarith"), [4])
    with pytest.raises(InputError, match="word"):
        label_machine(make_task("word", group="S7"))


@pytest.mark.parametrize("name, options", TASKS)
def test_label_machine_labels_like_the_task(name, options):
    """The machine's output after every prefix of sampled sequences is the task's label there."""
    task = make_task(name, **options)
    machine = label_machine(task)
    batch = task.sample(200, 11, 5)
    q = np.full(len(batch.tokens), machine.start)
    for t in range(batch.tokens.shape[1]):
        q = machine.delta[q, batch.tokens[:, t]]
        assert (q >= 0).all()
        assert np.array_equal(machine.output[q], batch.labels[:, t]), (name, t)


@pytest.mark.parametrize("name, options", [("automaton", {"states": 5, "symbols": 3, "automaton_seed": 0}),
                                           ("automaton", {"states": 4, "symbols": 2, "automaton_seed": 7}),
                                           ("modarith", {"m": 2}), ("flipflop", {"m": 3}), ("even_pairs", {})])
def test_window_accuracy_equals_brute_force(name, options):
    """Best accuracy from the last k tokens = Σ over suffixes of the largest label count among the
    sequences with that suffix, by enumerating every sequence; k = 0 is chance, k = L is 1."""
    task = make_task(name, **options)
    L = 7
    choices = [allowed_tokens(task, t) for t in range(L)]
    words = np.array(list(itertools.product(*choices)), dtype=np.int64)
    labels = task.batch(words).label
    for k in range(L + 1):
        groups = {}
        for w, y in zip(map(tuple, words[:, L - k:]), labels):
            groups.setdefault(w, []).append(int(y))
        expected = Fraction(sum(max(np.bincount(ys)) for ys in groups.values()), len(words))
        assert window_accuracy(task, L, k) == expected, (name, k)
    assert window_accuracy(task, L, 0) == best_constant_accuracy(task, [L])[L]
    assert window_accuracy(task, L, L) == 1
    with pytest.raises(InputError, match="window"):
        window_accuracy(task, L, L + 1)
