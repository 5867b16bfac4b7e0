"""``modarith``: modular arithmetic with standard precedence (docs/design.md §8).

Definition (Delétang et al.'s task, with precedence).  Tokens ``0..m-1`` are the digits
``0..m-1``; tokens ``m, m+1, m+2`` are the operators ``+``, ``-``, ``*``.  A sequence alternates
digit, operator, digit, …, starting and ending with a digit, so **valid lengths are the odd
lengths** 1, 3, 5, ….  Its value is computed with the usual precedence (``*`` before ``+``/``-``,
then left to right) mod ``m``.  The label at each digit is the value of the expression ending
there (class id ``j`` = residue ``j``); operator positions have no label (``-1``).  Option
``m >= 2`` (default 5): ``m + 3`` tokens, ``m`` classes.

Sampling draws each digit uniformly from ``0..m-1`` and each operator uniformly from the three,
position by position and row by row, so sequence ``i`` of a seed does not depend on ``n``.

>>> from bilinear.verify.tasks import make_task
>>> task = make_task("modarith")
>>> task.alphabet
('0', '1', '2', '3', '4', '+', '-', '*')
>>> task.accepts_length(5), task.accepts_length(4), task.length_rule
(True, False, 'odd lengths only (1, 3, 5, ...)')
>>> task.batch(task.encode("2+3*4-1*2")).labels.tolist()      # 2, 2+3, 2+3*4, 2+3*4-1, 2+3*4-1*2
[[2, -1, 0, -1, 4, -1, 3, -1, 2]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bilinear.theory.errors import InputError, check_int

from bilinear.verify.tasks.base import IGNORE, Task

__all__ = ["ModArithTask", "modarith_tokens"]

_OPERATORS = ("+", "-", "*")
_SPELLINGS = {"−": "-", "×": "*"}


@dataclass(frozen=True, eq=False)
class ModArithTask(Task):
    """Digits ``0..m-1`` alternating with ``+ - *`` (tokens ``m, m+1, m+2``), odd lengths,
    standard precedence, values mod ``m``; label at each digit, ``-1`` at operators."""

    m: int = 5

    name = "modarith"
    PARAMS = ("m",)
    length_rule = "odd lengths only (1, 3, 5, ...)"

    def __post_init__(self):
        object.__setattr__(self, "m", check_int("--m", self.m, minimum=2))

    @classmethod
    def from_options(cls, **given):
        return cls(given.get("m", 5))

    @property
    def alphabet(self):
        return tuple(str(d) for d in range(self.m)) + _OPERATORS

    @property
    def classes(self):
        return tuple(str(r) for r in range(self.m))

    @property
    def options(self):
        return {"m": self.m}

    def accepts_length(self, length):
        return length >= 1 and length % 2 == 1

    def encode(self, symbols):
        """Token ids of an expression: a string such as ``"4*4-3*2"`` (spaces ignored, ``−`` and
        ``×`` accepted) or a sequence of token names.  Digits are single tokens (``m <= 10`` for a
        string)."""
        if isinstance(symbols, str):
            text = "".join(_SPELLINGS.get(ch, ch) for ch in symbols if not ch.isspace())
            symbols = list(text)
        return super().encode(symbols)

    def sample_tokens(self, rng, n, length):
        digit = np.arange(length) % 2 == 0
        low = np.broadcast_to(np.where(digit, 0, self.m), (n, length))
        high = np.broadcast_to(np.where(digit, self.m, self.m + 3), (n, length))
        return rng.integers(low, high, dtype=np.int64)

    def check_tokens(self, tokens):
        tokens = super().check_tokens(tokens)
        if not self.accepts_length(tokens.shape[1]):
            raise InputError(f"tokens: modarith sequences have {self.length_rule}, got length {tokens.shape[1]}")
        if np.any(tokens[:, 0::2] >= self.m) or np.any(tokens[:, 1::2] < self.m):
            raise InputError(f"tokens: modarith alternates digits 0..{self.m - 1} and operators "
                             f"{self.m}..{self.m + 2}, starting with a digit")
        return tokens

    def label_tokens(self, tokens):
        m = self.m
        n, length = tokens.shape
        out = np.full((n, length), IGNORE, dtype=np.int64)
        total = np.zeros(n, dtype=np.int64)     # sum of the finished terms
        term = tokens[:, 0] % m                 # current product term, sign included
        out[:, 0] = term
        for t in range(1, length, 2):
            op, d = tokens[:, t] - m, tokens[:, t + 1]
            is_mul = op == 2
            total = np.where(is_mul, total, (total + term) % m)
            term = np.where(is_mul, term * d, np.where(op == 0, d, -d)) % m
            out[:, t + 1] = (total + term) % m
        return out


def modarith_tokens(expression: str, m: int = 5) -> list[int]:
    """Tokens of an expression such as ``"4*4-3*2"`` (``ModArithTask(m).encode(expression)``).

    >>> modarith_tokens("4*4-3*2")
    [4, 7, 4, 6, 3, 7, 2]
    """
    return ModArithTask(m).encode(expression)
