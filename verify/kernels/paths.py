"""The one choice of how a recurrence runs (docs/design.md §9): :func:`plan`, used by training
(:mod:`bilinear.verify.kernels.fused`) and evaluation (:mod:`bilinear.verify.kernels.scan`) alike.

Three paths:

* ``"native"`` — the compiled recurrence (:mod:`bilinear.verify.kernels.native`): every layout but CP's,
  one-hot input, float32 or float64 on the CPU, the library available and not turned off by
  ``BILINEAR_NATIVE=0``;
* ``"diagonal"`` — the products of the diagonal factors (real or complex pairs) in torch: the pure
  (not affine) diagonal layouts;
* ``"loop"`` — one step per token in torch: everything else.

:func:`forced_path` overrides the choice inside a ``with`` block (tests run every case through
``"native"`` and through ``"torch"`` this way):

    >>> import torch
    >>> with forced_path("torch"):
    ...     plan("dense", affine=False, embedded=False, device=torch.device("cpu"), dtype=torch.float64)
    'loop'
    >>> plan("pairs", affine=False, embedded=True, device=torch.device("cpu"), dtype=torch.float64)
    'diagonal'
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

import torch

from bilinear.theory.errors import expected
from bilinear.verify.kernels import native

__all__ = ["Path", "plan", "forced_path", "native_allowed"]

Path = Literal["native", "diagonal", "loop"]
Force = Literal["native", "torch"]
_FORCED: ContextVar[Force | None] = ContextVar("bilinear_forced_path", default=None)
_DIAGONAL_LAYOUTS = ("diagonal", "pairs")
_NATIVE_DTYPES = (torch.float32, torch.float64)


@contextmanager
def forced_path(path: Force) -> Iterator[None]:
    """Inside the block, :func:`plan` takes ``"torch"`` paths only, or the compiled one wherever it
    applies (``"native"``: an error if the library is unavailable)."""
    if path not in ("native", "torch"):
        raise expected("path", "'native' or 'torch'", path)
    if path == "native" and not native.available():
        raise RuntimeError(f"forced_path('native'): the compiled recurrence is unavailable ({native.status()})")
    token = _FORCED.set(path)
    try:
        yield
    finally:
        _FORCED.reset(token)


def native_allowed() -> bool:
    """Whether the compiled recurrence may be used at all: not forced off, not turned off by
    ``BILINEAR_NATIVE=0``, and the library built and loaded."""
    if _FORCED.get() == "torch" or os.environ.get("BILINEAR_NATIVE", "1") == "0":
        return False
    return native.available()


def plan(layout: str, *, affine: bool, embedded: bool, device: torch.device, dtype: torch.dtype) -> Path:
    """The path of a recurrence whose transition table has ``layout`` (module docstring)."""
    if (layout != "cp" and not embedded and device.type == "cpu" and dtype in _NATIVE_DTYPES
            and native_allowed()):
        return "native"
    if layout in _DIAGONAL_LAYOUTS and not affine:
        return "diagonal"
    return "loop"
