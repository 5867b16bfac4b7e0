"""The class algebra's structure constants, which the Dixon-Schneider computation splits and the
certificate's central-character check multiplies by (one implementation for both)."""

from __future__ import annotations

import numpy as np

from bilinear.theory.groups.group import FiniteGroup

__all__ = ["class_matrix"]


def class_matrix(G: FiniteGroup, j: int) -> np.ndarray:
    """``M_j[r, s] = #{x in C_j : x^-1 z_s in C_r}`` (z_s the representative of class s)."""
    k = G.num_classes
    x_inv = G.inverses[G.classes[j]]
    M = np.zeros(k * k, dtype=np.int64)
    step = max(1, 400_000 // k)
    for start in range(0, len(x_inv), step):
        prod = G.mul(x_inv[start:start + step, None], G.class_representatives[None, :])
        r = G.class_of[prod]
        M += np.bincount((r * k + np.arange(k)[None, :]).ravel(), minlength=k * k)
    return M.reshape(k, k)
