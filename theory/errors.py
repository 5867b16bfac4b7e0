"""Error types shared by the whole toolkit.

Every error raised because of bad *input* (a malformed group, an unknown name, a wrong shape, an
order above the limit) is an :class:`InputError`.  The CLI prints such errors as one line and exits
non-zero; anything else is a bug and keeps its traceback.  Mathematical failures (a certificate or a
theorem check that does not hold) are :class:`MathematicalError`: they must never be swallowed.
"""

from __future__ import annotations

__all__ = ["BilinearError", "InputError", "OrderLimitError", "MathematicalError", "NotRealizableError"]


class BilinearError(Exception):
    """Base class of every error this toolkit raises on purpose."""


class InputError(BilinearError, ValueError):
    """The caller's input is malformed; the message names the argument and what was expected."""


class OrderLimitError(InputError):
    """A group or monoid would exceed the configured size limit; raised before allocating it."""


class MathematicalError(BilinearError, ArithmeticError):
    """A claimed mathematical fact failed its check (certificate, axiom, theorem)."""


class NotRealizableError(InputError):
    """A construction was asked for at a level of the hierarchy that cannot track the object; the
    message names the theorem and the reason (e.g. "S3 is not abelian: complex-diagonal transitions
    commute (commutation barrier)")."""
