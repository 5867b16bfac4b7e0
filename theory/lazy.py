"""Imports on first use.

sympy takes about 0.3 s to import and networkx 0.15 s; commands that never touch them (certifying
an automaton file, generating a task, ``--help``) should not pay for them.  :class:`LazyModule`
stands for one module; :func:`lazy_exports` gives a package (``theory``, the ``bilinear`` façade)
names that load their module on first access (PEP 562).
"""

from __future__ import annotations

import importlib

__all__ = ["LazyModule", "lazy_exports"]


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


def lazy_exports(namespace: dict, exports: dict[str, tuple[str, ...]]):
    """``(__getattr__, __dir__)`` for the module whose globals are ``namespace``: each name in
    ``exports`` (``{module path: names}``, relative paths against that package) is imported from its
    module on first access and then cached in ``namespace``."""
    module_of = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name):
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, namespace["__name__"]), name)
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(namespace) | set(module_of))

    return __getattr__, __dir__
