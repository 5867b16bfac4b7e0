"""FULL(|Q|) for any Moore machine: one-hot states (FSM simulation, docs/design.md §4)."""

from __future__ import annotations

import numpy as np

from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import expected, type_of
from bilinear.theory.resources import check_memory
from bilinear.theory.arith.field_matrices import Columns, SparseMatrix
from bilinear.theory.arith.number_field import RATIONALS

from bilinear.theory.hierarchy.levels import Block, Full

from bilinear.constructions.construction import ExactConstruction
from bilinear.constructions.source import automaton_source

__all__ = ["automaton_construction"]


def automaton_construction(automaton: Automaton, minimize: bool = True, as_block: bool = False) -> ExactConstruction:
    """One-hot simulation of a Moore machine (minimised first unless ``minimize=False``).

    Formula: states ``φ(q) = e_q``; ``(A_σ)_{δ(q,σ), q} = 1`` (column ``q`` of ``A_σ`` is
    ``e_{δ(q,σ)}``), so ``A_σ φ(q) = φ(δ(q, σ))``; ``h0 = e_{q0}``; readout rows ``R_y = Σ_{λ(q)=y} e_q^T``
    for each output label ``y`` (margin 1).  Hidden size ``|Q|`` of the minimal machine (of the
    reachable part when not minimising).  Theorem: FSM simulation — every Moore machine is tracked
    exactly by FULL(|Q|).  ``as_block=True`` labels the same matrices as one block, BLOCK(|Q|, |Q|).

    Example: the parity DFA gives ``H = 2``, ``A_1 = [[0, 1], [1, 0]]``, ``A_0 = I``:

    >>> from bilinear.theory.automata.automaton import Automaton
    >>> parity = Automaton.from_dict({"alphabet": ["0", "1"], "states": ["e", "o"], "start": "e",
    ...     "delta": {"e": {"0": "e", "1": "o"}, "o": {"0": "o", "1": "e"}}, "accept": ["o"]})
    >>> c = automaton_construction(parity)
    >>> c.shape, c.method, c.transitions[1].dense_float().astype(int).tolist()
    (Full(hidden=2), 'one-hot', [[0, 1], [1, 0]])
    """
    if not isinstance(automaton, Automaton):
        raise expected("automaton", "an Automaton", type_of(automaton))
    M = automaton.minimize() if minimize else automaton.trim().canonical()
    n = M.num_states
    # the weight file holds the readout dense (K x H float64): refused here, before the matrices are built
    check_memory(8 * len(M.output_labels) * n, f"the dense readout of {M.name} ({len(M.output_labels)} labels x "
                                              f"{n} states, float64)")
    q = np.arange(n)
    mats = tuple(SparseMatrix(RATIONALS, (n, n), M.delta[:, k], q, np.ones((1, n), dtype=np.int64))
                 for k in range(M.num_symbols))
    h0 = np.zeros((1, n, 1), dtype=np.int64)
    h0[0, M.start, 0] = 1
    R = SparseMatrix(RATIONALS, (len(M.output_labels), n), M.output_index, q, np.ones((1, n), dtype=np.int64))
    return ExactConstruction(
        shape=Block(hidden=n, block=n) if as_block else Full(hidden=n), method="one-hot",
        theorem="FSM simulation", labels=tuple(M.output_labels), alphabet=tuple(M.alphabet),
        source=automaton_source(automaton, minimize),
        blocks=((n,),) if as_block else (),
        field=RATIONALS, transitions=mats, h0=Columns(RATIONALS, h0, np.ones(1, dtype=np.int64)), readout=R)
