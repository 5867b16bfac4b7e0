"""``word``: the word problem of a finite group (docs/design.md §3, §8).

Definition.  Token id ``i`` is the group element ``i`` (its name is ``group.names[i]``; for
``S_n`` the ``i``-th permutation in lexicographic order of ``(p(1), …, p(n))``, for ``A_n`` the
``i``-th even one, for ``Z_n`` the integer ``i``, for ``G x H`` the pair ``(i // |H|, i % |H|)``).
Words are read left to right, and the label after ``g_1 … g_t`` is the index of the product
``g_1 · g_2 ⋯ g_t`` in the product convention of docs/design.md §3: ``g·h`` applies ``g`` first
(permutations act on the right, as in GAP and sympy).  Any length ``>= 1``.  Options: ``group`` (a
group spec such as ``S5``, ``A4xZ5``, ``perm:(1,2,3);(1,2)``, or a ``FiniteGroup``), ``max_order``,
``max_degree`` (the limits of :func:`bilinear.theory.groups.parser.parse_group`).
Tokens and classes are both the ``|G|`` elements.

The "Illusion of State" CSV (``bilinear task word --format illusion-csv``,
:mod:`bilinear.verify.tasks.illusion`) has the same element indices and, for the same seed, the same
``input`` as these ``tokens``, but its ``target`` composes as functions: ``target_t`` is
``g_t · g_{t-1} ⋯ g_1`` in this convention (the label of the reversed prefix).

>>> from bilinear.verify.tasks import make_task
>>> task = make_task("word", group="S3")
>>> task.alphabet
('()', '(2,3)', '(1,2)', '(1,2,3)', '(1,3,2)', '(1,3)')
>>> task.batch(task.encode(["(1,2)", "(2,3)"])).labels.tolist()    # (1,2) first, then (2,3)
[[2, 4]]
>>> task.classes[4]                                               # 1 -> 2 -> 3, 2 -> 1, 3 -> 2
'(1,3,2)'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bilinear.theory.errors import InputError
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.groups.parser import parse_group

from bilinear.verify.tasks.base import Task

__all__ = ["WordTask"]


@dataclass(frozen=True, eq=False)
class WordTask(Task):
    """Group word problem: tokens are element indices, label = index of ``g_1 · … · g_t``
    (``g_1`` applied first)."""

    group: FiniteGroup | None = None

    name = "word"
    PARAMS = ("group", "max_order", "max_degree")
    ENCODINGS = ("jsonl", "illusion-csv")

    def __post_init__(self):
        if not isinstance(self.group, FiniteGroup):
            raise InputError("group: expected a FiniteGroup")

    @classmethod
    def from_options(cls, **given):
        if "group" not in given:
            raise InputError("task word: option --group is required (e.g. S5, A4xZ5)")
        group = given["group"]
        if not isinstance(group, FiniteGroup):
            group = parse_group(group, max_order=given.get("max_order"), max_degree=given.get("max_degree"))
        return cls(group)

    @property
    def alphabet(self):
        return self.group.names

    @property
    def classes(self):
        return self.group.names

    @property
    def vocab_size(self):
        return self.group.order

    @property
    def num_classes(self):
        return self.group.order

    @property
    def options(self):
        return {"group": self.group.name}

    def label_tokens(self, tokens):
        out = np.empty_like(tokens)
        acc = np.zeros(len(tokens), dtype=np.int64)
        for t in range(tokens.shape[1]):
            acc = self.group.mul(acc, tokens[:, t])
            out[:, t] = acc
        return out
