"""The matrix product the grouped compiled recurrence calls: numpy's own OpenBLAS (docs/design.md §9).

numpy >= 2 wheels ship OpenBLAS with every symbol prefixed (``scipy_cblas_sgemm64_``: the row-major
CBLAS ``sgemm`` with 64-bit integers).  This module finds that library beside the installed numpy,
takes the addresses of its ``sgemm`` and ``dgemm`` and hands them to the C kernel
(:mod:`bilinear.verify.kernels.native`), which calls them through a function pointer: no link-time
dependency, and without such a library (another numpy build, another platform) :func:`gemm` is ``0``
and the plan (:mod:`bilinear.verify.kernels.paths`) never takes the grouped path.
``BILINEAR_BLAS=0`` turns it off.

OpenBLAS would run a product on several threads of its own; :func:`one_thread` holds it to the
calling thread for the duration of a call (its thread-local setting, restored afterwards), as the
rest of a training step runs on the threads torch is given and these products are small.

    >>> address = gemm(torch.float32)
    >>> isinstance(address, int) and (address > 0) == (status() == "found")
    True
"""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch

__all__ = ["gemm", "status", "one_thread"]

_SYMBOLS = {torch.float32: "scipy_cblas_sgemm64_", torch.float64: "scipy_cblas_dgemm64_"}
_state: dict = {}


def _library() -> ctypes.CDLL | None:
    """numpy's bundled OpenBLAS with the prefixed ILP64 interface, or ``None`` (``_state["why"]`` says why)."""
    if "lib" in _state:
        return _state["lib"]
    lib, why = None, "not found"
    if os.environ.get("BILINEAR_BLAS", "1") == "0":
        why = "turned off by BILINEAR_BLAS=0"
    else:
        import numpy

        root = os.path.dirname(os.path.dirname(numpy.__file__))
        for path in sorted(glob.glob(os.path.join(root, "numpy.libs", "libscipy_openblas64_*"))
                           + glob.glob(os.path.join(root, "numpy", ".dylibs", "libscipy_openblas64_*"))):
            try:
                candidate = ctypes.CDLL(path)
            except OSError:
                continue
            if all(hasattr(candidate, s) for s in _SYMBOLS.values()):
                lib, why = candidate, "found"
                break
    _state["lib"], _state["why"] = lib, why
    return lib


def status() -> str:
    """``"found"``, or why no BLAS is used by the grouped recurrence."""
    _library()
    return _state["why"]


def gemm(dtype: torch.dtype) -> int:
    """The address of the row-major ILP64 CBLAS ``?gemm`` for ``dtype`` (float32, float64), or 0."""
    lib = _library()
    if lib is None or dtype not in _SYMBOLS:
        return 0
    return ctypes.cast(getattr(lib, _SYMBOLS[dtype]), ctypes.c_void_p).value or 0


@contextmanager
def one_thread() -> Iterator[None]:
    """Inside the block, OpenBLAS runs the calling thread's products on that thread alone."""
    lib = _library()
    setter = getattr(lib, "openblas_set_num_threads_local", None) if lib is not None else None
    if setter is None:
        yield
        return
    before = setter(1)
    try:
        yield
    finally:
        setter(before)
