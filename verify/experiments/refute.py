"""Thin adapter: run the exponential-sum refuters of :mod:`bilinear.theory.theorems.exponential_sum` on a
trained model or on torch/numpy weights.

The model is read on the words ``1^n`` of symbol ``symbol`` (default 1): its transition
``A(e_symbol)`` must be diagonal (exactly: off-diagonal entries 0), the readout has one row per class
in label order (parity: classes 0, 1; mod 3: classes 0, 1, 2).  Weights are taken as exact float64
values (float32 parameters are exactly representable); the returned :class:`Refutation` is about the
model with exactly those real weights, and also reports what float64 evaluation gives.

Example::

    >>> import numpy as np
    >>> W = np.zeros((1, 1, 2)); W[0, 0, 1] = 0.5            # PDIAG, A_1 = [0.5]
    >>> refute_weights(W, h0=[1.0], readout=[[0.0], [1.0]], task="parity").n
    2
"""

from __future__ import annotations

import numpy as np

from bilinear.theory.errors import InputError, expected, shown
from bilinear.theory.theorems.exponential_sum import Refutation, refute_pdiag_parity, refute_rdiag_mod3

__all__ = ["to_numpy", "diagonal_of", "refute_weights", "refute_model", "TASKS"]

TASKS = ("parity", "mod3")


def to_numpy(x) -> np.ndarray:
    """A float64 numpy copy of a torch tensor (detached, on CPU) or an array-like."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().double().numpy()
    return np.array(x, dtype=np.float64)


def diagonal_of(W, symbol: int) -> np.ndarray:
    """The diagonal of ``A(e_symbol) = W[:, :, symbol]``; InputError if it is not exactly diagonal."""
    W = to_numpy(W)
    if W.ndim != 3 or W.shape[0] != W.shape[1]:
        raise expected("W", "shape (H, H, D)", W.shape)
    if not 0 <= symbol < W.shape[2]:
        raise expected("symbol", f"0..{W.shape[2] - 1}", shown(str(symbol)))
    A = W[:, :, symbol]
    off = A - np.diag(np.diag(A))
    if np.any(off != 0):
        i, j = np.argwhere(off != 0)[0]
        raise InputError(f"A(e_{symbol}) is not diagonal (entry ({i}, {j}) = {A[i, j]:g}): "
                         "the refuters apply to PDIAG / RDIAG models")
    return np.diag(A).copy()


def refute_weights(W, h0, readout, task: str, bias=None, symbol: int = 1) -> Refutation:
    """Refute ``task`` (``"parity"``: PDIAG, needs positive ``A(e_symbol)``; ``"mod3"``: RDIAG)."""
    if task not in TASKS:
        raise expected("task", f"one of {', '.join(TASKS)}", task)
    a = diagonal_of(W, symbol)
    h0, R = to_numpy(h0), to_numpy(readout)
    b = None if bias is None else to_numpy(bias)
    if task == "parity":
        return refute_pdiag_parity(a, h0, R, b)
    return refute_rdiag_mod3(a, h0, R, b)


def refute_model(model, task: str, symbol: int = 1) -> Refutation:
    """Refute a trained one-hot model exposing ``dense_W()``, ``h0`` and ``readout`` (K x H, no bias),
    e.g. :class:`bilinear.verify.models.classic.PDiagRNN` / ``RDiagRNN``.  Affine models are refused."""
    if getattr(model, "affine", False):
        raise InputError("model: affine models are not bilinear; the exponential-sum refuters do not apply")
    for attr in ("dense_W", "h0", "readout"):
        if not hasattr(model, attr):
            raise InputError(f"model: expected an attribute {attr!r} (a one-hot bilinear model)")
    return refute_weights(model.dense_W(), model.h0, model.readout, task, None, symbol)
