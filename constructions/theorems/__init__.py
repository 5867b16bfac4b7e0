"""Theorems whose checks build and certify constructions (FSM simulation, block-size
classification); they are registered with the others in :mod:`theory.theorems.registry`."""
