"""Error types shared by the whole toolkit.

Every error raised because of bad *input* (a malformed group, an unknown name, a wrong shape, an
order above the limit) is an :class:`InputError`.  The CLI prints such errors as one line and exits
non-zero; anything else is a bug and keeps its traceback.  Mathematical failures (a certificate or a
theorem check that does not hold) are :class:`MathematicalError`: they must never be swallowed.

Messages about one argument follow one template, ``NAME: expected WHAT, got VALUE``
(docs/design.md §11); :func:`expected` builds it and the ``check_*`` helpers validate and return
the value:

    >>> str(expected("--hidden", "an even integer", 5))
    '--hidden: expected an even integer, got 5'
    >>> str(expected("G", "a FiniteGroup", type_of("S3")))
    'G: expected a FiniteGroup, got str'
    >>> check_int("--n", 3, minimum=1)
    3
    >>> try:
    ...     check_choice("--dtype", "float16", ("float32", "float64"))
    ... except InputError as e:
    ...     print(e)
    --dtype: expected one of float32, float64, got 'float16'
"""

from __future__ import annotations

__all__ = ["BilinearError", "InputError", "OrderLimitError", "ResourceLimitError", "MathematicalError", "NotRealizableError",
           "expected", "shown", "type_of", "check_int", "check_choice"]


class BilinearError(Exception):
    """Base class of every error this toolkit raises on purpose."""


class InputError(BilinearError, ValueError):
    """The caller's input is malformed; the message names the argument and what was expected."""


class OrderLimitError(InputError):
    """A group or monoid would exceed the configured size limit; raised before allocating it."""


class ResourceLimitError(InputError):
    """Work whose estimated memory (or size) exceeds the configured limit; raised before allocating
    it (:mod:`bilinear.theory.resources`)."""


class MathematicalError(BilinearError, ArithmeticError):
    """A claimed mathematical fact failed its check (certificate, axiom, theorem)."""


class NotRealizableError(InputError):
    """A construction was asked for at a level of the hierarchy that cannot track the object; the
    message names the theorem and the reason (e.g. "S3 is not abelian: complex-diagonal transitions
    commute (commutation barrier)")."""


def expected(name: str, what: str, got: object) -> InputError:
    """The :class:`InputError` ``NAME: expected WHAT, got VALUE`` (``VALUE`` as its ``repr``)."""
    return InputError(f"{name}: expected {what}, got {got!r}")


class _Shown:
    """A value whose ``repr`` is the given text (so :func:`expected` prints it as is)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def shown(text: str) -> object:
    """``text`` as the ``got`` of :func:`expected`, printed as is (not as a ``repr``):
    ``expected("A", "a D x H x H array", shown("shape (2, 3)"))``."""
    return _Shown(text)


def type_of(value: object) -> object:
    """The type name of ``value``, for :func:`expected` when the type is what was wrong:
    ``expected("G", "a FiniteGroup", type_of(3))`` reads ``G: expected a FiniteGroup, got int``."""
    return _Shown(type(value).__name__)


def check_int(name: str, value: object, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` if it is an ``int`` (not a bool) within ``[minimum, maximum]``, else :func:`expected`."""
    if minimum is not None and maximum is not None:
        what = f"an integer in [{minimum}, {maximum}]"
    elif minimum is not None:
        what = f"an integer >= {minimum}"
    elif maximum is not None:
        what = f"an integer <= {maximum}"
    else:
        what = "an integer"
    if isinstance(value, bool) or not isinstance(value, int):
        raise expected(name, what, value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise expected(name, what, value)
    return value


def check_choice(name: str, value: object, choices) -> str:
    """``value`` if it is one of ``choices`` (strings), else :func:`expected`."""
    choices = tuple(choices)
    if value not in choices:
        raise expected(name, "one of " + ", ".join(map(str, choices)), value)
    return str(value)
