"""The complete, ordered list of theorem families (theory's and those needing constructions).

``bilinear prove`` uses this module; it only adds families to :mod:`theory.theorems.registry`, whose
functions do the work.
"""

from __future__ import annotations

from theory.theorems import registry as _theory

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
)


def all_theorems():
    return _theory.all_theorems(FAMILIES)


def get_theorem(name: str):
    return _theory.get_theorem(name, FAMILIES)


def select(pattern: str | None = None):
    return _theory.select(pattern, FAMILIES)


def run_all(theorems=None):
    return _theory.run_all(theorems, FAMILIES)
