"""Theorems of the hierarchy as executable checks (docs/design.md §4, §5).

Each theorem is a :class:`Theorem` (name, statement in text and LaTeX, exact assumptions, proof, kind
of check, the range the check covers) whose :meth:`Theorem.check` returns a frozen
:class:`TheoremResult` with status ``"proved"`` / ``"checked"`` / ``"estimated"`` or raises
:class:`TheoremFailure`.  :func:`all_theorems` lists every family (those of
``constructions/theorems/`` too, imported on first use) in order; :func:`run_all` and
``bilinear prove`` run that one list.  See :mod:`theory.theorems.base` for the status contract and
:mod:`theory.theorems.registry` for adding a family.
"""

from .base import CHECKED, ESTIMATED, FAILED, PROVED, CheckKind, Theorem, TheoremFailure, TheoremResult
from .registry import FAMILIES, all_theorems, get_theorem, run_all, select

__all__ = ["CheckKind", "Theorem", "TheoremResult", "TheoremFailure", "PROVED", "CHECKED", "ESTIMATED",
           "FAILED", "FAMILIES", "all_theorems", "get_theorem", "select", "run_all"]
