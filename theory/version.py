"""The toolkit's version and the versions of the libraries a result depends on.

One source: the installed package metadata of ``bilinear-states`` (written from ``pyproject.toml``
by ``pip install``); a source tree that was never installed reads the ``version =`` line of its
``pyproject.toml`` instead.  Every ``results.json`` record and every weight file's ``meta`` carries
:func:`software_versions` (docs/design.md §11), so a result can be traced to the code and libraries
that produced it.

    >>> v = software_versions()
    >>> sorted(v) == ["bilinear_states", "numpy", "python", "torch"] and v["bilinear_states"] == __version__
    True
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import platform
import re

__all__ = ["__version__", "package_version", "software_versions", "DISTRIBUTION"]

#: The distribution name in ``pyproject.toml``.
DISTRIBUTION = "bilinear-states"


def _pyproject_version() -> str | None:
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pyproject.toml")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    m = re.search(r'(?m)^version\s*=\s*"([^"]+)"', text)
    return m.group(1) if m else None


@functools.lru_cache(maxsize=None)
def package_version() -> str:
    """The version of ``bilinear-states``: package metadata, else ``pyproject.toml``, else ``0+unknown``."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return _pyproject_version() or "0+unknown"


def _distribution_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


@functools.lru_cache(maxsize=None)
def _versions() -> tuple[tuple[str, str | None], ...]:
    import numpy
    return (("bilinear_states", package_version()), ("numpy", numpy.__version__),
            # torch's version from its metadata: theory/ and constructions/ never import torch
            ("torch", _distribution_version("torch")), ("python", platform.python_version()))


def software_versions() -> dict[str, str | None]:
    """``{"bilinear_states", "numpy", "torch", "python"}`` versions (``torch`` is None if absent)."""
    return dict(_versions())


__version__ = package_version()
