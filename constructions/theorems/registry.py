"""The one theorem registry: every family, in the order ``run_all()`` and ``bilinear prove`` run them.

Each theorem family is one module exposing ``THEOREMS`` (a tuple of
:class:`~bilinear.theory.theorems.base.Theorem`).  **To add a family**, write the module with
``THEOREMS = (Theorem(...), ...)``, import it here and add it to :data:`FAMILY_MODULES` (one line).
The registry sits in the constructions layer because two families' checks build constructions (FSM
simulation, block-size classification): it is the lowest layer that can import every family
directly, so no family is named by a string (docs/design.md §2).  The family modules only define
their theorems; the checks run when called.  A test ties the list to the modules on disk and to
``bilinear prove --list``.

Example::

    >>> [t.name for t in select("commutation")]
    ['commutation.barrier']
"""

from __future__ import annotations

import fnmatch
from functools import lru_cache
from types import ModuleType

from bilinear.constructions.theorems import block_classification, depth, fsm_simulation
from bilinear.theory.theorems import (affine, commutation, containments, exponential_sum, finite_order_diagonal,
                                      frozen_parity, modern, scale_invariance)

from bilinear.theory.errors import InputError
from bilinear.theory.theorems.base import Theorem, TheoremResult

__all__ = ["FAMILIES", "all_theorems", "get_theorem", "select", "run_all"]

#: The family modules, in run order.
FAMILY_MODULES: tuple[ModuleType, ...] = (
    fsm_simulation,
    containments,
    commutation,
    finite_order_diagonal,
    block_classification,
    scale_invariance,
    affine,
    exponential_sum,
    frozen_parity,
    modern,
    depth,
)

#: Their dotted names (what ``bilinear prove --json`` and the tests compare).
FAMILIES: tuple[str, ...] = tuple(m.__name__ for m in FAMILY_MODULES)


def all_theorems() -> tuple[Theorem, ...]:
    """Every theorem of :data:`FAMILIES`, family by family; names are unique."""
    return _load(FAMILY_MODULES)


@lru_cache(maxsize=None)
def _load(families: tuple[ModuleType, ...]) -> tuple[Theorem, ...]:
    out: list[Theorem] = []
    for module in families:
        theorems = getattr(module, "THEOREMS", None)
        if not isinstance(theorems, tuple) or not all(isinstance(t, Theorem) for t in theorems) or not theorems:
            raise TypeError(f"{module.__name__}.THEOREMS must be a non-empty tuple of Theorem")
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
