"""The FSM simulation theorem: passes, and rejects broken constructions."""

import dataclasses

import numpy as np
import pytest

from bilinear.constructions.automata import automaton_construction
from bilinear.constructions.theorems.fsm_simulation import (HAND_WRITTEN, RANDOM_MACHINES, THEOREMS, check_fsm_simulation, fsm_machines)
from bilinear.theory.errors import MathematicalError
from bilinear.theory.arith.field_matrices import SparseMatrix
from bilinear.constructions.theorems.registry import all_theorems


def test_theorem_passes():
    r = THEOREMS[0].check()
    assert r.status == "checked" and r.details["machines"] == len(fsm_machines()) >= 40
    # the range the theorem states is the range the check runs on
    assert len(HAND_WRITTEN) + RANDOM_MACHINES == len(fsm_machines())
    assert r.details["checked_range"] == THEOREMS[0].checked_range and str(RANDOM_MACHINES) in r.details["checked_range"]


def test_registered_first():
    assert all_theorems()[0].name == "fsm_simulation.one_hot"


def test_wrong_transition_rejected():
    def broken(A):
        c = automaton_construction(A)
        T = c.transitions[0]
        cols = np.roll(T.cols, 1) if len(T.cols) > 1 else T.cols
        moved = SparseMatrix(T.field, T.shape, T.rows, cols, T.num, T.den)
        return dataclasses.replace(c, transitions=(moved,) + c.transitions[1:])
    machines = [m for m in fsm_machines() if m.name == "mod3_counter"]
    with pytest.raises(MathematicalError, match=r"^decoding fails: in state .* scores at least as high as the correct"):
        check_fsm_simulation(machines, builder=broken)


def test_non_minimal_construction_rejected():
    """Keeping duplicated states gives a valid tracker, but not of size |Q_min|: the theorem's claim fails."""
    machines = [m for m in fsm_machines() if m.name == "redundant"]
    with pytest.raises(MathematicalError, match="minimal machine has 2 states"):
        check_fsm_simulation(machines, builder=lambda A: automaton_construction(A, minimize=False))
