"""``flipflop``: a memory of ``m`` values (docs/design.md §8).

Definition.  Token 0 is ``read`` (keep the value); token ``1 + v`` is ``write v`` (``0 <= v < m``).
The value starts at 0; the label after each token is the value held (class id ``v`` = value
``v``).  Any length ``>= 1``.  Option ``m >= 2`` (default 2): ``m + 1`` tokens, ``m`` classes.
With ``m = 2`` it is the reset automaton with symbols ``r, s0, s1``.

>>> from bilinear.verify.tasks import make_task
>>> task = make_task("flipflop")
>>> task.alphabet, task.classes
(('read', 'write 0', 'write 1'), ('0', '1'))
>>> task.batch([0, 2, 0, 0, 1, 0, 2]).labels.tolist()
[[0, 1, 1, 1, 0, 0, 1]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bilinear.theory.errors import check_int
from bilinear.verify.tasks.base import Task

__all__ = ["FlipFlopTask"]


@dataclass(frozen=True, eq=False)
class FlipFlopTask(Task):
    """Token 0 reads (keeps the value), token ``1 + v`` writes ``v``; the value starts at 0."""

    m: int = 2

    name = "flipflop"
    PARAMS = ("m",)

    def __post_init__(self):
        object.__setattr__(self, "m", check_int("--m", self.m, minimum=2))

    @classmethod
    def from_options(cls, **given):
        return cls(given.get("m", 2))

    @property
    def alphabet(self):
        return ("read",) + tuple(f"write {v}" for v in range(self.m))

    @property
    def classes(self):
        return tuple(str(v) for v in range(self.m))

    @property
    def options(self):
        return {"m": self.m}

    def label_tokens(self, tokens):
        out = np.empty_like(tokens)
        value = np.zeros(len(tokens), dtype=np.int64)
        for t in range(tokens.shape[1]):
            tok = tokens[:, t]
            value = np.where(tok > 0, tok - 1, value)
            out[:, t] = value
        return out
