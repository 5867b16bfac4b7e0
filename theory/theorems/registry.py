"""All theorems, in the order ``bilinear prove`` runs them.

Each theorem family is one module exposing ``THEOREMS`` (a tuple of
:class:`~theory.theorems.base.Theorem`).  **To add a family**, write ``theory/theorems/<family>.py``
with ``THEOREMS = (Theorem(...), ...)`` and add its module name to :data:`FAMILIES` below (one line).
Families whose checks need constructions (FSM simulation, block-size classification) live in
``constructions/theorems/``; the complete ordered list, used by ``bilinear prove``, is
:data:`constructions.theorems.registry.FAMILIES` (theory never imports constructions: docs/design.md §2).
A family is named by its module in this package or by a full dotted module path.

Example::

    >>> [t.name for t in select("commutation")]
    ['commutation.barrier']
"""

from __future__ import annotations

import fnmatch
import importlib
from functools import lru_cache

from ..errors import InputError
from .base import Theorem, TheoremResult

__all__ = ["FAMILIES", "all_theorems", "get_theorem", "select", "run_all"]

FAMILIES = (
    "containments",
    "commutation",
    "finite_order_diagonal",
    "scale_invariance",
    "affine",
    "exponential_sum",
    "frozen_parity",
)


@lru_cache(maxsize=None)
def all_theorems(families: tuple[str, ...] | None = None) -> tuple[Theorem, ...]:
    """Every theorem of ``families`` (default: this package's :data:`FAMILIES`), family by family;
    names are unique."""
    out: list[Theorem] = []
    for family in (FAMILIES if families is None else families):
        path = family if "." in family else f"{__package__}.{family}"
        module = importlib.import_module(path)
        theorems = getattr(module, "THEOREMS", None)
        if not isinstance(theorems, tuple) or not all(isinstance(t, Theorem) for t in theorems) or not theorems:
            raise TypeError(f"{path}.THEOREMS must be a non-empty tuple of Theorem")
        out.extend(theorems)
    names = [t.name for t in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise TypeError(f"duplicate theorem names: {sorted(dup)}")
    return tuple(out)


def get_theorem(name: str, families: tuple[str, ...] | None = None) -> Theorem:
    """The theorem with exactly this name."""
    for t in all_theorems(families):
        if t.name == name:
            return t
    raise InputError(f"unknown theorem {name!r}; `bilinear prove --list` shows the names")


def select(pattern: str | None = None, families: tuple[str, ...] | None = None) -> tuple[Theorem, ...]:
    """Theorems matching ``pattern``: an exact name, a family prefix (``containment`` matches
    ``containment.*``) or a shell glob (``*parity*``); ``None`` selects all."""
    theorems = all_theorems(families)
    if pattern is None:
        return theorems
    chosen = tuple(t for t in theorems if t.name == pattern or t.name.startswith(pattern + ".")
                   or fnmatch.fnmatchcase(t.name, pattern))
    if not chosen:
        raise InputError(f"no theorem matches {pattern!r}; `bilinear prove --list` shows the names")
    return chosen


def run_all(theorems=None, families: tuple[str, ...] | None = None) -> list[TheoremResult]:
    """Attempt every theorem (failures become ``"failed"`` results; callers must check ``.ok``)."""
    return [t.attempt() for t in (all_theorems(families) if theorems is None else theorems)]
