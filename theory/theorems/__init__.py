"""Theorems of the hierarchy as executable checks (docs/design.md §4, §5).

Each theorem is a :class:`Theorem` (name, statement in text and LaTeX, exact assumptions, proof, kind
of check, the range the check covers) whose :meth:`Theorem.check` returns a frozen
:class:`TheoremResult` with status ``"proved"`` / ``"checked"`` / ``"estimated"`` or raises
:class:`TheoremFailure`.  The one registry of every family, these and those whose checks need
constructions, is :mod:`bilinear.constructions.theorems.registry` (the lowest layer that sees them
all, so it imports each family directly); :func:`~bilinear.constructions.theorems.registry.run_all`
and ``bilinear prove`` run that one list.  See :mod:`bilinear.theory.theorems.base` for the status
contract.
"""

from bilinear.theory.theorems.base import CHECKED, ESTIMATED, FAILED, PROVED, CheckKind, Theorem, TheoremFailure, TheoremResult

__all__ = ["CheckKind", "Theorem", "TheoremResult", "TheoremFailure", "PROVED", "CHECKED", "ESTIMATED",
           "FAILED"]
