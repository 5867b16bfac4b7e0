"""The one choice of how a recurrence runs (docs/design.md §9): :func:`plan`, used by training
(:mod:`bilinear.verify.kernels.fused`) and evaluation (:mod:`bilinear.verify.kernels.scan`) alike.

Four paths:

* ``"grouped"`` — the compiled recurrence with the rows of each step grouped by symbol and one BLAS
  product per symbol (:func:`bilinear.verify.kernels.native.forward` with ``grouped=True``): the dense
  layout (FULL, HOUSE, MONO) of width ``H >= GROUPED_MIN_WIDTH`` where ``"native"`` applies and
  numpy's OpenBLAS was found (:mod:`bilinear.verify.kernels.blas`).  Measured against the one-row
  kernel (a training step's forward and backward, batch 64, length 10, D = 10, float32, one thread;
  ``benchmarks/grouped_speed.py --kernel``): 0.74x at H = 4, 1.1-1.3x at H = 8 to 32, 1.6x at 64,
  1.9x at 128, 2.3x at 256 (docs/results_speed.md);
* ``"native"`` — the compiled recurrence (:mod:`bilinear.verify.kernels.native`), one row at a time:
  every other layout but CP's, one-hot input, float32 or float64 on the CPU, the library available and
  not turned off by ``BILINEAR_NATIVE=0``;
* ``"diagonal"`` — the products of the diagonal factors (real or complex pairs) in torch: the pure
  (not affine) diagonal layouts;
* ``"loop"`` — one step per token in torch: everything else.

MONO's Sinkhorn normalisation and hard permutation run compiled wherever :func:`native_applies`
(:mod:`bilinear.verify.kernels.sinkhorn`), in torch otherwise.

:func:`forced_path` overrides the choice inside a ``with`` block (tests run every case through
``"grouped"``, ``"native"`` and ``"torch"`` this way): ``"native"`` takes the one-row kernel for every
layout, ``"grouped"`` the grouped one wherever the layout is dense (any width).

    >>> import torch
    >>> with forced_path("torch"):
    ...     plan("dense", affine=False, embedded=False, device=torch.device("cpu"), dtype=torch.float64, width=64)
    'loop'
    >>> plan("pairs", affine=False, embedded=True, device=torch.device("cpu"), dtype=torch.float64, width=64)
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
from bilinear.verify.kernels import blas, native

__all__ = ["Path", "plan", "forced_path", "native_allowed", "native_applies", "compiled", "GROUPED_MIN_WIDTH"]

Path = Literal["grouped", "native", "diagonal", "loop"]
Force = Literal["grouped", "native", "torch"]
#: The smallest width at which the dense layout takes the grouped path (module docstring).
GROUPED_MIN_WIDTH = 16
_FORCED: ContextVar[Force | None] = ContextVar("bilinear_forced_path", default=None)
_DIAGONAL_LAYOUTS = ("diagonal", "pairs")
_NATIVE_DTYPES = (torch.float32, torch.float64)


@contextmanager
def forced_path(path: Force) -> Iterator[None]:
    """Inside the block, :func:`plan` takes ``"torch"`` paths only, or the one-row compiled kernel
    wherever it applies (``"native"``), or the grouped one for every dense layout and the one-row kernel
    for the others (``"grouped"``); an error if what is forced is unavailable."""
    if path not in ("grouped", "native", "torch"):
        raise expected("path", "'grouped', 'native' or 'torch'", path)
    if path != "torch" and not native.available():
        raise RuntimeError(f"forced_path({path!r}): the compiled recurrence is unavailable ({native.status()})")
    if path == "grouped" and not blas.gemm(torch.float64):
        raise RuntimeError(f"forced_path('grouped'): no BLAS for the grouped recurrence ({blas.status()})")
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


def compiled(path: Path) -> bool:
    """Whether ``path`` runs the compiled recurrence (``"grouped"`` or ``"native"``)."""
    return path in ("grouped", "native")


def native_applies(device: torch.device, dtype: torch.dtype) -> bool:
    """Whether compiled code may run on tensors of ``device`` and ``dtype``: the CPU, float32 or float64,
    and :func:`native_allowed` — for the recurrence (:func:`plan`) and for MONO's Sinkhorn normalisation
    and hard permutation (:mod:`bilinear.verify.kernels.sinkhorn`) alike."""
    return device.type == "cpu" and dtype in _NATIVE_DTYPES and native_allowed()


def plan(layout: str, *, affine: bool, embedded: bool, device: torch.device, dtype: torch.dtype,
         width: int) -> Path:
    """The path of a recurrence of width ``width`` whose transition table has ``layout`` (module docstring)."""
    if layout != "cp" and not embedded and native_applies(device, dtype):
        forced = _FORCED.get()
        if (layout == "dense" and forced != "native" and (width >= GROUPED_MIN_WIDTH or forced == "grouped")
                and blas.gemm(dtype)):
            return "grouped"
        return "native"
    if layout in _DIAGONAL_LAYOUTS and not affine:
        return "diagonal"
    return "loop"
