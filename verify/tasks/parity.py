"""``parity``: the number of 1s mod 2 (docs/design.md §8).

Definition.  Tokens ``0`` and ``1`` (token id = the bit); the label after ``x_1 … x_t`` is
``(x_1 + … + x_t) mod 2``, class 0 = ``even``, class 1 = ``odd``.  Any length ``>= 1``; no options.
The same sequences and labels as ``modadd`` with ``m = 2``.

>>> from bilinear.verify.tasks import make_task
>>> task = make_task("parity")
>>> task.classes
('even', 'odd')
>>> task.batch([1, 0, 1, 0, 1, 0, 0]).labels.tolist()
[[1, 1, 0, 0, 1, 1, 1]]
"""

from __future__ import annotations

from dataclasses import dataclass

from bilinear.theory.errors import InputError

from bilinear.verify.tasks.modadd import ModAddTask

__all__ = ["ParityTask"]


@dataclass(frozen=True, eq=False)
class ParityTask(ModAddTask):
    """``modadd`` with ``m = 2``, without options."""

    m: int = 2

    name = "parity"
    PARAMS = ()

    def __post_init__(self):
        super().__post_init__()
        if self.m != 2:
            raise InputError(f"--m: parity has m = 2, got {self.m}")

    @classmethod
    def from_options(cls, **given):
        return cls()

    @property
    def classes(self):
        return ("even", "odd")

    @property
    def options(self):
        return {}
