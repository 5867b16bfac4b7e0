"""Theorems of the hierarchy as executable checks (docs/design.md §4, §5).

Each theorem is a :class:`Theorem` (name, statement in text and LaTeX, exact assumptions, proof, kind
of check) whose :meth:`Theorem.check` returns a frozen :class:`TheoremResult` with status
``"proved"`` / ``"checked"`` or raises :class:`TheoremFailure`.  :func:`all_theorems` lists them in
order; ``bilinear prove`` runs them.  See :mod:`theory.theorems.base` for the status contract and
:mod:`theory.theorems.registry` for adding a family.
"""

from .base import CHECKED, FAILED, PROVED, CheckKind, Theorem, TheoremFailure, TheoremResult
from .registry import FAMILIES, all_theorems, get_theorem, run_all, select

__all__ = ["CheckKind", "Theorem", "TheoremResult", "TheoremFailure", "PROVED", "CHECKED", "FAILED",
           "FAMILIES", "all_theorems", "get_theorem", "select", "run_all"]
