"""The size limits every group constructor checks before it allocates (docs/design.md §11).

A leaf module: the group type, the parsers and the named constructors all read their limits here,
so none of them needs another to know how large is too large.  ``group_limits`` sets, for a block,
what a limit left at ``None`` means (the CLI wraps each subcommand in it).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from bilinear.theory.errors import OrderLimitError

__all__ = ["DEFAULT_MAX_ORDER", "DEFAULT_MAX_DEGREE", "MAX_TABLE_ORDER", "MAX_PERMUTATION_ENTRIES",
           "group_limits", "check_order_limit", "check_degree_limit"]

#: Groups above this order are refused before anything of their size is allocated.
DEFAULT_MAX_ORDER = 100_000
#: The dense Cayley table is only built up to this order (n^2 int32 entries).
MAX_TABLE_ORDER = 10_000


#: Permutations of more points than this are refused before their image arrays are allocated
#: (a permutation is stored as the images of all points up to the largest one, and the
#: Schreier-Sims order computation keeps transversals of up to degree x degree entries).
DEFAULT_MAX_DEGREE = 2_000
#: Permutation groups whose element rows (order x degree entries) exceed this are refused.
MAX_PERMUTATION_ENTRIES = 100_000_000


_LIMITS: contextvars.ContextVar[tuple[int | None, int | None]] = contextvars.ContextVar("group_limits",
                                                                                     default=(None, None))


@contextlib.contextmanager
def group_limits(max_order: int | None = None, max_degree: int | None = None) -> Iterator[None]:
    """Within the block, a limit left at ``None`` by a caller means ``max_order`` / ``max_degree``
    here instead of the defaults: the CLI wraps each subcommand in it, so ``--max-order`` and
    ``--max-degree`` reach every group parsed on the way (a weight file's group included).

    >>> from bilinear.theory import parse_group
    >>> with group_limits(max_degree=3000):
    ...     parse_group("perm:(1,3000)").order
    2
    """
    token = _LIMITS.set((max_order, max_degree))
    try:
        yield
    finally:
        _LIMITS.reset(token)


def check_degree_limit(degree: int, max_degree: int | None, what: str) -> None:
    """Raise :class:`OrderLimitError` if permutations of ``degree`` points exceed ``max_degree``
    (default: the :func:`group_limits` in force, else :data:`DEFAULT_MAX_DEGREE`)."""
    if max_degree is None:
        max_degree = _LIMITS.get()[1]
    limit = DEFAULT_MAX_DEGREE if max_degree is None else max_degree
    if degree > limit:
        raise OrderLimitError(f"{what} acts on {degree} points (its largest point), above the degree limit "
                              f"{limit} (raise it with max_degree= or --max-degree)")


def check_order_limit(order: int, max_order: int | None, what: str) -> None:
    """Raise :class:`OrderLimitError` if ``order`` exceeds ``max_order`` (default: the
    :func:`group_limits` in force, else :data:`DEFAULT_MAX_ORDER`)."""
    if max_order is None:
        max_order = _LIMITS.get()[0]
    limit = DEFAULT_MAX_ORDER if max_order is None else max_order
    if order > limit:
        raise OrderLimitError(f"{what} has order {order}, above the limit {limit} "
                              "(raise it with max_order= or --max-order)")
