"""``even_pairs``: whether the number of unequal neighbours is odd (docs/design.md §8).

Definition.  Tokens ``0`` and ``1`` (token id = the bit); the label after ``x_1 … x_t`` is the number
of ``i < t`` with ``x_i != x_{i+1}``, mod 2, which equals ``[x_1 != x_t]``: class 0 = ``even``
(first and current token equal), class 1 = ``odd``.  Any length ``>= 1``; no options.

>>> from bilinear.verify.tasks import make_task
>>> task = make_task("even_pairs")
>>> task.batch([0, 0, 1, 1, 1, 0]).labels.tolist()
[[0, 0, 1, 1, 1, 0]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bilinear.verify.tasks.base import Task

__all__ = ["EvenPairsTask"]


@dataclass(frozen=True, eq=False)
class EvenPairsTask(Task):
    """Number of positions with ``x_i != x_{i+1}`` mod 2, which equals ``[x_1 != x_t]``."""

    name = "even_pairs"

    @classmethod
    def from_options(cls, **given):
        return cls()

    @property
    def alphabet(self):
        return ("0", "1")

    @property
    def classes(self):
        return ("even", "odd")

    def label_tokens(self, tokens):
        return (tokens != tokens[:, :1]).astype(np.int64)
