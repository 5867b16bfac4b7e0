"""A module that is imported on first attribute access.

sympy takes about 0.3 s to import and networkx 0.15 s; commands that never touch them (certifying
an automaton file, generating a task, ``--help``) should not pay for them.
"""

from __future__ import annotations

import importlib

__all__ = ["LazyModule"]


class LazyModule:
    """``sympy = LazyModule("sympy")`` behaves like ``import sympy`` once an attribute is read."""

    def __init__(self, name: str):
        self._name = name
        self._module = None

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{' (loaded)' if self._module is not None else ''}>"
