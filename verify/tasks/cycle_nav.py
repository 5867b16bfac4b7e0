"""``cycle_nav``: a walk on a 5-cycle (docs/design.md §8).

Definition.  Tokens ``0, 1, 2`` are the moves ``-1, 0, +1`` (token ``t`` moves ``t - 1``); the walk
starts at position 0 and the label after each token is the position, ``(Σ (x_i - 1)) mod 5``
(class id ``j`` = position ``j``).  Any length ``>= 1``; no options.

>>> from bilinear.verify.tasks import make_task
>>> task = make_task("cycle_nav")
>>> task.alphabet, task.classes
(('-1', '0', '+1'), ('0', '1', '2', '3', '4'))
>>> task.batch(task.encode(["+1", "-1", "0", "-1", "-1"])).labels.tolist()
[[1, 0, 0, 4, 3]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bilinear.verify.tasks.base import Task

__all__ = ["CycleNavTask"]


@dataclass(frozen=True, eq=False)
class CycleNavTask(Task):
    """Token ``t`` in {0, 1, 2} moves ``t - 1`` on a 5-cycle starting at 0; label = position."""

    name = "cycle_nav"

    @classmethod
    def from_options(cls, **given):
        return cls()

    @property
    def alphabet(self):
        return ("-1", "0", "+1")

    @property
    def classes(self):
        return tuple(str(p) for p in range(5))

    def label_tokens(self, tokens):
        return np.cumsum(tokens - 1, axis=1) % 5
