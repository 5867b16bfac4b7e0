"""Affine recurrences as bilinear ones of size H+1 (docs/design.md §3, §4: AFFINE(H) ⊂ FULL(H+1))."""

from __future__ import annotations

import numpy as np

from bilinear.theory.errors import InputError, expected

__all__ = ["affine_to_full", "run_affine", "run_bilinear"]


def affine_to_full(A: np.ndarray, B: np.ndarray, b: np.ndarray, h0: np.ndarray, readout: np.ndarray | None = None):
    """Map an affine model ``h_t = A(x_t) h_{t-1} + B x_t + b`` (one-hot ``x``) to FULL(H+1).

    Formula: on ``(h, 1)``, ``A'_k = [[A_k, B e_k + b], [0, 1]]`` and ``h0' = (h0, 1)``; since
    ``b = b 1^T x`` for one-hot ``x``, ``A'_k (h, 1) = (A_k h + B e_k + b, 1)``.  A readout ``R`` (with
    optional bias ``c`` as its last column) becomes ``[R, c]``.  Returns ``(W', h0', R')`` with ``W'``
    of shape ``(H+1, H+1, D)``.  The price: the last coordinate must stay 1, so the model is no longer
    scale invariant (normalising the state changes the affine dynamics).

    Example: ``H = 1``, ``A_k = [1]``, ``B = [[0, 1]]``, ``b = 0`` counts the 1s: ``A'_1 = [[1, 1], [0, 1]]``.
    """
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 3 or A.shape[1] != A.shape[2]:
        raise expected("A", "shape (D, H, H)", A.shape)
    D, H, _ = A.shape
    B = np.asarray(B, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    h0 = np.asarray(h0, dtype=np.float64).reshape(-1)
    if B.shape != (H, D) or b.shape != (H,) or h0.shape != (H,):
        raise InputError(f"B, b, h0: expected shapes ({H}, {D}), ({H},), ({H},)")
    W = np.zeros((H + 1, H + 1, D))
    for k in range(D):
        W[:H, :H, k] = A[k]
        W[:H, H, k] = B[:, k] + b
        W[H, H, k] = 1.0
    R = None
    if readout is not None:
        readout = np.asarray(readout, dtype=np.float64)
        if readout.ndim != 2 or readout.shape[1] not in (H, H + 1):
            raise InputError(f"readout: expected shape (K, {H}) or (K, {H + 1})")
        R = readout if readout.shape[1] == H + 1 else np.concatenate([readout, np.zeros((len(readout), 1))], axis=1)
    return W, np.r_[h0, 1.0], R


def run_affine(A, B, b, h0, tokens) -> np.ndarray:
    """States of the affine recurrence after each token (``T x H``)."""
    h, out = np.asarray(h0, dtype=np.float64), []
    for k in tokens:
        h = A[k] @ h + B[:, k] + b
        out.append(h)
    return np.array(out)


def run_bilinear(W, h0, tokens, normalize: bool = False) -> np.ndarray:
    """States of ``h_t = W[:, :, x_t] h_{t-1}`` after each token (optionally normalised)."""
    h, out = np.asarray(h0, dtype=np.float64), []
    for k in tokens:
        h = W[:, :, k] @ h
        if normalize:
            h = h / np.linalg.norm(h)
        out.append(h)
    return np.array(out)
