"""Theorems whose checks build and certify constructions (FSM simulation, block-size
classification), and the one registry of every theorem family (:mod:`.registry`)."""
