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

import numbers

__all__ = ["BilinearError", "InputError", "OrderLimitError", "ResourceLimitError", "MathematicalError",
           "NotRealizableError", "expected", "shown", "type_of", "check_int", "check_number", "check_seed",
           "check_distinct", "check_choice", "MAX_SEED"]

#: the largest seed anything accepts (a signed 64-bit integer: what torch, numpy and the derived
#: seeds of the toolkit all take)
MAX_SEED = 2**63 - 1


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


class NotRealizableError(MathematicalError):
    """A construction was asked for at a level of the hierarchy that cannot track the object; the
    message names the theorem and the reason (e.g. "S3 is not abelian: complex-diagonal transitions
    commute (commutation barrier)").  A negative mathematical verdict about well-formed input, so a
    :class:`MathematicalError` (the command line exits 1, docs/design.md §11), not an
    :class:`InputError`."""


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
    """``value`` as an ``int`` if it is an integer (a Python or numpy integer, not a bool) within
    ``[minimum, maximum]``, else :func:`expected`."""
    if minimum is not None and maximum is not None:
        what = f"an integer in [{minimum}, {maximum}]"
    elif minimum is not None:
        what = f"an integer >= {minimum}"
    elif maximum is not None:
        what = f"an integer <= {maximum}"
    else:
        what = "an integer"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise expected(name, what, value)
    v = int(value)
    if (minimum is not None and v < minimum) or (maximum is not None and v > maximum):
        raise expected(name, what, value)
    return v


def _interval(minimum: float | None, maximum: float | None, open_min: bool, open_max: bool = False) -> str:
    lo = "" if minimum is None else f"{'>' if open_min else '>='} {minimum:g}"
    hi = "" if maximum is None else f"{'<' if open_max else '<='} {maximum:g}"
    if lo and hi:
        return f"a finite number {lo} and {hi}"
    return f"a finite number {lo or hi}".rstrip()


def check_number(name: str, value: object, minimum: float | None = None, maximum: float | None = None,
                 open_min: bool = False, open_max: bool = False) -> float:
    """``value`` as a ``float`` if it is a finite real number (an ``int`` or ``float``, not a bool,
    NaN or infinity) within ``[minimum, maximum]`` (an end excluded with ``open_min`` / ``open_max``), else
    :func:`expected`.  The one rule for every number a user gives (learning rates, weight decay,
    scales, tolerances), in the command line and the API alike.

    >>> check_number("--lr", 3e-3, minimum=0, open_min=True)
    0.003
    >>> try:
    ...     check_number("--lr", float("inf"), minimum=0, open_min=True)
    ... except InputError as e:
    ...     print(e)
    --lr: expected a finite number > 0, got inf
    """
    what = _interval(minimum, maximum, open_min, open_max)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise expected(name, what, value)
    v = float(value)
    if v != v or v in (float("inf"), float("-inf")):
        raise expected(name, what, value)
    if minimum is not None and (v < minimum or (open_min and v == minimum)):
        raise expected(name, what, value)
    if maximum is not None and (v > maximum or (open_max and v == maximum)):
        raise expected(name, what, value)
    return v


def check_seed(name: str, value: object) -> int:
    """``value`` if it is an integer seed in ``[0, MAX_SEED]``, else :func:`expected`."""
    return check_int(name, value, minimum=0, maximum=MAX_SEED)


def check_distinct(name: str, values) -> list:
    """``values`` as a list if no value repeats, else :func:`expected` naming the first repeat
    (``--model rdiag,rdiag`` would run the same run twice and count it twice in a median).

    >>> check_distinct("--seed", [0, 1, 2])
    [0, 1, 2]
    """
    seen: list = []
    for v in values:
        if v in seen:
            raise expected(name, "distinct values (each at most once)", shown(f"{v!r} twice"))
        seen.append(v)
    return seen


def check_choice(name: str, value: object, choices) -> str:
    """``value`` if it is one of ``choices`` (strings), else :func:`expected`."""
    choices = tuple(choices)
    if value not in choices:
        raise expected(name, "one of " + ", ".join(map(str, choices)), value)
    return str(value)
