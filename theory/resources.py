"""The memory limit every large allocation is checked against before it is made (docs/design.md §11).

A leaf module, like :mod:`bilinear.theory.groups.limits` for group orders: the code that is about
to allocate something whose size follows from declared sizes (a character table from the number of
classes, a dense weight tensor from ``H`` and ``D``, a model from its configuration, a batch of
words from ``n x length``) estimates the bytes first and calls :func:`check_memory`, which refuses
with one :class:`~bilinear.theory.errors.ResourceLimitError` line naming the option that raises the
limit.  :func:`memory_limit` sets, for a block, what a limit left at ``None`` means (the CLI wraps
each subcommand in it with ``--max-memory``).

The estimates count the large arrays of the work, not the interpreter and its libraries (about
0.1 GB, 0.4 GB with torch), so the default :data:`DEFAULT_MAX_MEMORY` (2 GiB) keeps a refused-or-run
decision inside the memory of a laptop.

    >>> check_memory(10 ** 6, "a small array")
    >>> with memory_limit(2 ** 20):
    ...     check_memory(10 ** 7, "a dense W of shape (1000, 1000, 10)")
    Traceback (most recent call last):
    ...
    bilinear.theory.errors.ResourceLimitError: a dense W of shape (1000, 1000, 10) needs about 9.54 MiB, above the memory limit 1 MiB (raise it with --max-memory or memory_limit())
    >>> parse_memory("2G"), parse_memory("512MiB"), parse_memory("1000")
    (2147483648, 536870912, 1000)
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterator

from bilinear.theory.errors import ResourceLimitError, expected

__all__ = ["DEFAULT_MAX_MEMORY", "DEFAULT_MAX_WORK", "memory_limit", "current_memory_limit", "check_memory",
           "check_work", "current_work_limit", "format_bytes", "parse_memory", "MEMORY_SYNTAX"]

#: Work whose estimated memory exceeds this is refused before it starts (``max_memory=``, ``--max-memory``).
DEFAULT_MAX_MEMORY = 2 * 2 ** 30

#: Exact computations estimated above this many coefficient operations are refused before they start
#: (``max_work=``, ``--max-work``): about 10^8 run per second here (``construct S6 --alphabet all``,
#: 8 x 10^8, takes 10 s), so the default stops at a few minutes.
DEFAULT_MAX_WORK = 10 ** 10

MEMORY_SYNTAX = "a size in bytes like 2G, 512M, 1.5GiB or 100000000"
_UNITS = {"": 1, "b": 1, "k": 2 ** 10, "m": 2 ** 20, "g": 2 ** 30, "t": 2 ** 40}
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?(?:e[0-9]+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.I)

_LIMIT: contextvars.ContextVar[int | None] = contextvars.ContextVar("memory_limit", default=None)
_WORK: contextvars.ContextVar[int | None] = contextvars.ContextVar("work_limit", default=None)


def parse_memory(text: str, name: str = "--max-memory") -> int:
    """``"2G"`` / ``"2GiB"`` / ``"2gb"`` -> ``2 * 2**30`` bytes (units are powers of 1024); a plain
    number is bytes.  Anything else, or less than one byte, is an :class:`InputError` naming ``name``."""
    m = _SIZE.match(str(text))
    if not m:
        raise expected(name, MEMORY_SYNTAX, text)
    value = float(m[1]) * _UNITS[m[2].lower()]
    if not value >= 1 or value == float("inf"):
        raise expected(name, MEMORY_SYNTAX + " (at least 1 byte)", text)
    return int(value)


def format_bytes(n: float) -> str:
    """``1536 * 2**20`` -> ``'1.5 GiB'``."""
    for unit, size in (("TiB", 2 ** 40), ("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


@contextlib.contextmanager
def memory_limit(max_memory: int | None = None, max_work: int | None = None) -> Iterator[None]:
    """Within the block, a limit left at ``None`` by a caller means ``max_memory`` bytes instead of
    :data:`DEFAULT_MAX_MEMORY`, and ``max_work`` operations instead of :data:`DEFAULT_MAX_WORK` (the
    CLI wraps each subcommand in it with ``--max-memory`` and ``--max-work``)."""
    token, work = _LIMIT.set(max_memory), _WORK.set(max_work)
    try:
        yield
    finally:
        _LIMIT.reset(token)
        _WORK.reset(work)


def current_memory_limit(max_memory: int | None = None) -> int:
    """``max_memory``, else the :func:`memory_limit` in force, else :data:`DEFAULT_MAX_MEMORY`."""
    if max_memory is None:
        max_memory = _LIMIT.get()
    return DEFAULT_MAX_MEMORY if max_memory is None else int(max_memory)


def check_memory(nbytes: float, what: str, max_memory: int | None = None, bound: str = "about") -> None:
    """Raise :class:`ResourceLimitError` if ``what`` (estimated at ``nbytes``; ``bound="at least"``
    for a lower bound) exceeds the memory limit (:func:`current_memory_limit`), before anything of
    that size is allocated."""
    limit = current_memory_limit(max_memory)
    if nbytes > limit:
        raise ResourceLimitError(f"{what} needs {bound} {format_bytes(nbytes)}, above the memory limit "
                                 f"{format_bytes(limit)} (raise it with --max-memory or memory_limit())")


def current_work_limit(max_work: int | None = None) -> int:
    """``max_work``, else the :func:`memory_limit` in force, else :data:`DEFAULT_MAX_WORK`."""
    if max_work is None:
        max_work = _WORK.get()
    return DEFAULT_MAX_WORK if max_work is None else int(max_work)


def check_work(operations: int, what: str, max_work: int | None = None) -> None:
    """Raise :class:`ResourceLimitError` if ``what`` (estimated at ``operations`` exact coefficient
    operations) exceeds ``max_work``, else the :func:`memory_limit` in force, else
    :data:`DEFAULT_MAX_WORK`, before it starts.

    >>> check_work(10 ** 12, "the one-step check of 5040 states x 5040 symbols")
    Traceback (most recent call last):
    ...
    bilinear.theory.errors.ResourceLimitError: the one-step check of 5040 states x 5040 symbols needs about 1e+12 exact operations, above the limit 1e+10 (raise it with --max-work or memory_limit(max_work=))
    """
    limit = current_work_limit(max_work)
    if operations > limit:
        raise ResourceLimitError(f"{what} needs about {operations:.3g} exact operations, above the limit {limit:.3g} "
                                 "(raise it with --max-work or memory_limit(max_work=))")
