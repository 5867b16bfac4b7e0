"""Numerical verification (docs/design.md §8-10): tasks, torch models, simulation, training, evaluation.

The package itself imports nothing heavy; torch is imported by the submodules that need it."""
