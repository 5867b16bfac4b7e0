"""FULL(|Q|) for any Moore machine: one-hot states (FSM simulation, docs/design.md §4)."""

from __future__ import annotations

import numpy as np

from theory.automaton import Automaton
from theory.errors import InputError
from theory.field_matrices import Columns, SparseMatrix
from theory.number_field import RATIONALS

from .construction import Construction

__all__ = ["automaton_construction"]


def automaton_construction(automaton: Automaton, minimize: bool = True) -> Construction:
    """One-hot simulation of a Moore machine (minimised first unless ``minimize=False``).

    Formula: states ``φ(q) = e_q``; ``(A_σ)_{δ(q,σ), q} = 1`` (column ``q`` of ``A_σ`` is
    ``e_{δ(q,σ)}``), so ``A_σ φ(q) = φ(δ(q, σ))``; ``h0 = e_{q0}``; readout rows ``R_y = Σ_{λ(q)=y} e_q^T``
    for each output label ``y`` (margin 1).  Hidden size ``|Q|`` of the minimal machine (of the
    reachable part when not minimising).  Theorem: FSM simulation — every Moore machine is tracked
    exactly by FULL(|Q|).

    Example: the parity DFA gives ``H = 2``, ``A_1 = [[0, 1], [1, 0]]``, ``A_0 = I``.
    """
    if not isinstance(automaton, Automaton):
        raise InputError(f"automaton: expected an Automaton, got {type(automaton).__name__}")
    M = automaton.minimize() if minimize else automaton.trim().canonical()
    n = M.num_states
    q = np.arange(n)
    mats = tuple(SparseMatrix(RATIONALS, (n, n), M.delta[:, k], q, np.ones((1, n), dtype=np.int64))
                 for k in range(M.num_symbols))
    h0 = np.zeros((1, n, 1), dtype=np.int64)
    h0[0, M.start, 0] = 1
    R = SparseMatrix(RATIONALS, (len(M.output_labels), n), M.output_index, q, np.ones((1, n), dtype=np.int64))
    return Construction(
        level="full", labels=tuple(M.output_labels), alphabet=tuple(M.alphabet),
        source={"kind": "automaton", "automaton": automaton.to_dict(), "minimize": bool(minimize)},
        field=RATIONALS, transitions=mats, h0=Columns(RATIONALS, h0, np.ones(1, dtype=np.int64)), readout=R,
        info={"states": n, "original_states": automaton.num_states, "minimized": bool(minimize),
              "theorem": "FSM simulation"})
