"""The FSM simulation theorem: passes, and rejects broken constructions."""

import dataclasses

import numpy as np
import pytest

from constructions.automata import automaton_construction
from constructions.field import SparseMatrix
from constructions.theorems.fsm_simulation import THEOREMS, check_fsm_simulation, fsm_machines
from constructions.theorems.registry import all_theorems
from theory.errors import MathematicalError


def test_theorem_passes():
    r = THEOREMS[0].check()
    assert r.status == "proved" and r.details["machines"] == len(fsm_machines()) >= 40


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
    with pytest.raises(MathematicalError):
        check_fsm_simulation(machines, builder=broken)


def test_non_minimal_construction_rejected():
    """Keeping duplicated states gives a valid tracker, but not of size |Q_min|: the theorem's claim fails."""
    machines = [m for m in fsm_machines() if m.name == "redundant"]
    with pytest.raises(MathematicalError, match="minimal machine has 2 states"):
        check_fsm_simulation(machines, builder=lambda A: automaton_construction(A, minimize=False))
