"""The one theorem registry: every family, in the order ``run_all()`` and ``bilinear prove`` run them.

Each theorem family is one module exposing ``THEOREMS`` (a tuple of
:class:`~theory.theorems.base.Theorem`).  **To add a family**, write the module with
``THEOREMS = (Theorem(...), ...)`` and add its dotted module path to :data:`FAMILIES` below (one
line).  Families whose checks need constructions (FSM simulation, block-size classification) live
in ``constructions/theorems/``; they are named here by module path and imported only when the
theorems are first listed, never when :mod:`theory` is imported (docs/design.md §2).  A test ties
the list to the modules on disk and to ``bilinear prove --list``.

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
    "constructions.theorems.fsm_simulation",
    "theory.theorems.containments",
    "theory.theorems.commutation",
    "theory.theorems.finite_order_diagonal",
    "constructions.theorems.block_classification",
    "theory.theorems.scale_invariance",
    "theory.theorems.affine",
    "theory.theorems.exponential_sum",
    "theory.theorems.frozen_parity",
    "theory.theorems.modern",
)


def all_theorems() -> tuple[Theorem, ...]:
    """Every theorem of :data:`FAMILIES`, family by family; names are unique."""
    return _load(FAMILIES)


@lru_cache(maxsize=None)
def _load(families: tuple[str, ...]) -> tuple[Theorem, ...]:
    out: list[Theorem] = []
    for path in families:
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
    """Attempt every theorem (default: all of :data:`FAMILIES`; failures become ``"failed"`` results,
    callers must check ``.ok``)."""
    return [t.attempt() for t in (all_theorems() if theorems is None else theorems)]
