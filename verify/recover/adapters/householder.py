"""Householder factors ``(k, β)`` given directly, and what a parameterisation of β can never do.

The transition of DeltaNet (``n_h = 1``), DeltaProduct (``n_h >= 1``) and their gated variants
(docs/design.md §14), with column vectors and the factors applied in order ``j = 0, 1, ...``::

    A(x) = e^{g(x)} (I - β_{n_h-1} k̂_{n_h-1} k̂_{n_h-1}^T) ... (I - β_0 k̂_0 k̂_0^T),   k̂_j = k_j / ||k_j||

(``g = 0`` without a gate).  Inputs: ``k`` (D, n_h, H) or (D, H) for one factor, ``beta`` (D, n_h) or
(D,), ``g`` (D,) optional (a log-decay, ``e^g`` multiplies the state).

:func:`limits` says, before any fitting, what the β values make impossible: with every ``β <= 1`` (a
sigmoid without the factor 2) and ``n_h <= 2`` every factor is symmetric positive semi-definite, so
``A`` is similar to a positive semi-definite matrix (``P^{1/2} Q P^{1/2}``) times ``e^g > 0``: every
eigenvalue is real and ``>= 0``.  A finite group element ``ρ(σ)`` times a positive scale with such
eigenvalues is the identity, so no parity and no nontrivial group is tracked exactly.  With
``n_h >= 3`` and ``β <= 1`` the eigenvalues may be complex, but ``det A = e^{Hg} ∏ (1 - β_j) >= 0``:
no symbol reverses orientation.

>>> import numpy as np
>>> A = householder_transitions(np.array([[1.0, 0.0]]), np.array([2.0]))
>>> A[0]
array([[-1.,  0.],
       [ 0.,  1.]])
>>> limits(np.array([[0.9]]))[0][:52]
'every beta <= 1 (at most 0.9) with n_h = 1 <= 2: eve'
"""

from __future__ import annotations

import numpy as np

from bilinear.theory.errors import InputError, expected, shown

__all__ = ["householder_transitions", "limits"]


def _shapes(k, beta, g, where: str):
    k = np.asarray(k, dtype=np.float64)
    beta = np.asarray(beta, dtype=np.float64)
    if k.ndim == 2:
        k = k[:, None, :]
    if beta.ndim == 1:
        beta = beta[:, None]
    if k.ndim != 3 or beta.shape != k.shape[:2]:
        raise expected(f"{where}: k, beta", "k of shape (D, n_h, H) (or (D, H)) and beta of shape (D, n_h) (or (D,))",
                       shown(f"k {k.shape}, beta {beta.shape}"))
    if g is not None:
        g = np.asarray(g, dtype=np.float64).reshape(-1)
        if g.shape != (k.shape[0],):
            raise expected(f"{where}: g", f"one log-decay per symbol, shape ({k.shape[0]},)", shown(f"shape {g.shape}"))
    norms = np.linalg.norm(k, axis=-1)
    if not (np.all(np.isfinite(k)) and np.all(np.isfinite(beta)) and (g is None or np.all(np.isfinite(g)))):
        raise InputError(f"{where}: k, beta or g contains non-finite values (NaN or inf)")
    if np.any(norms == 0):
        d, j = np.argwhere(norms == 0)[0]
        raise expected(f"{where}: k", "non-zero key vectors (they are L2-normalised)", shown(f"k[{d}, {j}] = 0"))
    return k / norms[..., None], beta, g


def householder_transitions(k, beta, g=None, where: str = "householder") -> np.ndarray:
    """``A`` (D, H, H) of the module docstring (factor 0 applied first)."""
    kh, beta, g = _shapes(k, beta, g, where)
    D, n, H = kh.shape
    A = np.broadcast_to(np.eye(H), (D, H, H)).copy()
    for j in range(n):
        F = np.eye(H)[None] - beta[:, j, None, None] * np.einsum("di,dj->dij", kh[:, j], kh[:, j])
        A = F @ A
    if g is not None:
        A = A * np.exp(g)[:, None, None]
    return A


def limits(beta, num_factors: int | None = None) -> list[str]:
    """What the β values rule out, in words (empty when nothing is ruled out); module docstring."""
    beta = np.asarray(beta, dtype=np.float64)
    beta = beta[:, None] if beta.ndim == 1 else beta
    n = beta.shape[1] if num_factors is None else num_factors
    out = []
    top = float(np.max(beta)) if beta.size else 0.0
    if top <= 1.0:
        if n <= 2:
            out.append(f"every beta <= 1 (at most {top:.3g}) with n_h = {n} <= 2: every eigenvalue of every transition "
                       "is real and >= 0, so no parity and no nontrivial group can be tracked exactly "
                       "(negative eigenvalues need beta up to 2, e.g. beta = 2 sigmoid)")
        else:
            out.append(f"every beta <= 1 (at most {top:.3g}): det A >= 0 for every symbol, so no symbol reverses "
                       "orientation (no odd permutation as a reflection)")
    if float(np.min(beta)) < 0 or top > 2:
        out.append(f"beta outside [0, 2] (range [{float(np.min(beta)):.3g}, {top:.3g}]): factors with |1 - beta| > 1 "
                   "expand the state")
    return out
