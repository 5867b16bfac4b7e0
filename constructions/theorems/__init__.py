"""Theorems whose checks build and certify constructions (FSM simulation, block-size
classification), and the complete theorem registry that ``bilinear prove`` runs."""
