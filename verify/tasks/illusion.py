"""The "Illusion of State" word-problem CSV (docs/design.md §8): header ``seed,input,target``.

One row per sequence: the seed, the element indices of the word (``input``) and of its prefix
products (``target``), space separated.  Groups: ``S<n>``, ``A<n>``, ``Z<n>`` and their direct
products (``A4xZ5``).  Element indices follow that benchmark and are the same as ours (the
``word`` task's tokens, :mod:`bilinear.verify.tasks.word`): ``S_n`` by the lexicographic order of
``(p(1), …, p(n))``, ``A_n`` the even ones in that order, ``Z_n`` its integers, ``G x H`` as
``i_G |H| + i_H``.

**Product convention.**  The benchmark composes as functions, ``op(a, b)(i) = a(b(i))``, so its
``target_t = target_{t-1} ∘ g_t`` applies ``g_t`` first.  In our convention (docs/design.md §3:
``g·h`` applies ``g`` first) that is ``target_t = g_t · g_{t-1} ⋯ g_1`` — the reverse of the
``word`` task's label ``g_1 · g_2 ⋯ g_t``.  For the same seed, ``input`` equals the ``word``
task's ``tokens`` and ``target_t`` equals the ``word`` label of the reversed prefix
``g_t, …, g_1``; the two agree wherever the prefix's elements commute (always for ``Z_n``).  The
CSV keeps the benchmark's convention so that its rows equal what the benchmark's own generator
computes for the same input.

>>> print(illusion_csv("S3", n=2, length=3, seed=0), end="")
seed,input,target
0,5 3 3,5 2 1
0,1 1 0,1 0 0
>>> from bilinear.verify.tasks import make_task
>>> next(make_task("word", group="S3").sample(2, 3, seed=0).records())    # same input, g_1 first
{'tokens': [5, 3, 3], 'labels': [5, 1, 2], 'label': 2}
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np

from bilinear.theory.errors import InputError
from bilinear.theory.groups.group import FiniteGroup

from bilinear.verify.tasks.word import WordTask

__all__ = ["illusion_targets", "illusion_csv"]

_ILLUSION = re.compile(r"[SAZ]\d+(x[SAZ]\d+)*")


def illusion_targets(group: FiniteGroup, tokens) -> np.ndarray:
    """Prefix products in the benchmark's convention, ``P_t = P_{t-1} ∘ g_t`` with
    ``(a ∘ b)(i) = a(b(i))``; in our convention ``P_t = g_t · P_{t-1}``."""
    tokens = WordTask(group).check_tokens(tokens)
    targets = np.empty_like(tokens)
    acc = np.zeros(len(tokens), dtype=np.int64)
    for t in range(tokens.shape[1]):
        acc = group.mul(tokens[:, t], acc)
        targets[:, t] = acc
    return targets


def illusion_csv(group_spec: str | None, n: int, length: int, seed: int, max_order: int | None = None,
                 max_tokens: int | None = None, max_degree: int | None = None) -> str:
    """The CSV text of ``n`` words of ``length`` elements of ``group_spec`` drawn with ``seed`` (the
    ``word`` task's sampler, so ``input`` equals its ``tokens``); a ``group_spec`` other than ``S<n>``,
    ``A<n>``, ``Z<n>`` and their products, or None (no group given), is an :class:`~bilinear.theory.errors.InputError`."""
    spec = re.sub(r"\s+", "", str(group_spec))
    if not _ILLUSION.fullmatch(spec):
        raise InputError(f"group: the illusion-csv format supports S<n>, A<n>, Z<n> and products "
                         f"like A4xZ5, got {group_spec!r}")
    task = WordTask.from_options(group=spec, max_order=max_order, max_degree=max_degree)
    batch = task.sample(n, length, seed, max_tokens=max_tokens)
    targets = illusion_targets(task.group, batch.tokens)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["seed", "input", "target"])
    for tok, tgt in zip(batch.tokens.tolist(), targets.tolist()):
        w.writerow([seed, " ".join(map(str, tok)), " ".join(map(str, tgt))])
    return buf.getvalue()
