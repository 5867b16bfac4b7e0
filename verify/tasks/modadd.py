"""``modadd``: the running sum of the tokens mod ``m`` (docs/design.md §8).

Definition.  Tokens are the digits ``0..m-1`` (token id ``d`` is the digit ``d``); the label after
``x_1 … x_t`` is ``(x_1 + … + x_t) mod m`` (class id ``j`` = residue ``j``).  Any length ``>= 1``.
Option ``m >= 2`` (required).  ``parity`` is the case ``m = 2`` under its own name.

>>> from bilinear.verify.tasks import make_task
>>> task = make_task("modadd", m=5)
>>> task.alphabet, task.classes
(('0', '1', '2', '3', '4'), ('0', '1', '2', '3', '4'))
>>> task.batch([4, 4, 4]).labels.tolist()
[[4, 3, 2]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from bilinear.theory.errors import InputError, check_int

from bilinear.verify.tasks.base import Task

__all__ = ["ModAddTask"]


@dataclass(frozen=True, eq=False)
class ModAddTask(Task):
    """Sum of the tokens mod ``m``."""

    m: int = 2

    name = "modadd"
    PARAMS: ClassVar[tuple[str, ...]] = ("m",)

    def __post_init__(self):
        object.__setattr__(self, "m", check_int("--m", self.m, minimum=2))

    @classmethod
    def from_options(cls, **given):
        if "m" not in given:
            raise InputError(f"task {cls.name}: option --m (the modulus) is required")
        return cls(given["m"])

    @property
    def alphabet(self):
        return tuple(str(d) for d in range(self.m))

    @property
    def classes(self):
        return tuple(str(r) for r in range(self.m))

    @property
    def vocab_size(self):
        return self.m

    @property
    def num_classes(self):
        return self.m

    @property
    def options(self):
        return {"m": self.m}

    def label_tokens(self, tokens):
        return np.cumsum(tokens, axis=1) % self.m
