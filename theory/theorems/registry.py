"""All theorems, in the order ``bilinear prove`` runs them.

Each theorem family is one module of this package exposing ``THEOREMS`` (a tuple of
:class:`~theory.theorems.base.Theorem`).  **To add a family**, write ``theory/theorems/<family>.py``
with ``THEOREMS = (Theorem(...), ...)`` and add its module name to :data:`FAMILIES` below (one line).
The issue's remaining families go where the comments say.

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
    # "fsm_simulation",            (FSM simulation: certificates from the constructions issue)
    "containments",
    "commutation",
    "finite_order_diagonal",
    # "block_classification",      (block-size classification: representation-theory issue)
    "scale_invariance",
    "affine",
    "exponential_sum",
    "frozen_parity",
)


@lru_cache(maxsize=None)
def all_theorems() -> tuple[Theorem, ...]:
    """Every registered theorem, family by family in :data:`FAMILIES` order; names are unique."""
    out: list[Theorem] = []
    for family in FAMILIES:
        module = importlib.import_module(f"{__package__}.{family}")
        theorems = getattr(module, "THEOREMS", None)
        if not isinstance(theorems, tuple) or not all(isinstance(t, Theorem) for t in theorems) or not theorems:
            raise TypeError(f"theory.theorems.{family}.THEOREMS must be a non-empty tuple of Theorem")
        out.extend(theorems)
    names = [t.name for t in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise TypeError(f"duplicate theorem names: {sorted(dup)}")
    return tuple(out)


def get_theorem(name: str) -> Theorem:
    """The theorem with exactly this name."""
    for t in all_theorems():
        if t.name == name:
            return t
    raise InputError(f"unknown theorem {name!r}; `bilinear prove --list` shows the names")


def select(pattern: str | None = None) -> tuple[Theorem, ...]:
    """Theorems matching ``pattern``: an exact name, a family prefix (``containment`` matches
    ``containment.*``) or a shell glob (``*parity*``); ``None`` selects all."""
    theorems = all_theorems()
    if pattern is None:
        return theorems
    chosen = tuple(t for t in theorems if t.name == pattern or t.name.startswith(pattern + ".")
                   or fnmatch.fnmatchcase(t.name, pattern))
    if not chosen:
        raise InputError(f"no theorem matches {pattern!r}; `bilinear prove --list` shows the names")
    return chosen


def run_all(theorems=None) -> list[TheoremResult]:
    """Attempt every theorem (failures become ``"failed"`` results; callers must check ``.ok``)."""
    return [t.attempt() for t in (all_theorems() if theorems is None else theorems)]
