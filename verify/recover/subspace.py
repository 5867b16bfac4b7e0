"""Step 2 of docs/design.md §10: the reachable subspace ``V`` and ``A_σ`` restricted to it, scale removed.

``V`` is spanned by leading right singular vectors ``v_1, v_2, ...`` of the matrix of learned unit
states (step 1, the states after at least one symbol).  Singular values alone do not give its
dimension: an exact S5 representation of dimension 64 in a random basis has relative singular
values falling smoothly to 3e-3, the noise floor of a trained S3 model whose representation is
5-dimensional (both measured).  So ``dim V`` is a numerical rank judged on the transitions too:
the smallest ``k`` such that

* the states have no more than the stated tolerance outside ``V_k``: the relative singular
  value ``s_{k+1} <= RANK_TOLERANCE`` (so ``k`` is at least the numerical rank at that tolerance),
* the transitions keep the leading span ``V_k`` to the stated tolerance,
  ``leak(k) = max_σ max_{j<k} ||(I - U_k U_k^T) A_σ v_j|| / ||A_σ||_2 <= LEAK_TOLERANCE``, and
* ``A_σ`` restricted to ``V_k`` is a representation: the relation residual of step 3 is at most
  ``REPRESENTATION_TOLERANCE`` (this is what rules out, e.g., a 1-dimensional span whose
  rescaled restrictions are all ``±1``);

when no ``k < H`` qualifies, ``V`` is the whole space (and step 3 then says whether it is a
representation).  The relative singular values, the leakages and ``state_rank`` (the number of
singular values above :data:`RANK_TOLERANCE`, the plain numerical rank) are reported beside it.

The two prefilters are loose on purpose; the representation test decides.  Measured on trained
models (quick preset, 5000 steps): a FULL H=64 model on S3 has a 5-dimensional representation
with the next singular value 3e-3 and leak 3e-3; a FULL H=64 model on A5 has a 20-dimensional one
(relation residual 0.033) with the next singular value 0.083 and leak 0.125.

With ``U`` (H x d, orthonormal) ``B_σ = U^T A_σ U`` is ``A_σ`` restricted to ``V``; ``invariance``
= ``max_σ ||A_σ U - U B_σ||_2 / ||A_σ||_2`` (0 for an exact model: ``A_σ`` maps states to states).
The scale is removed as ``B_σ / |det B_σ|^{1/d}`` (a representation of a finite group has
``|det| = 1``, since ``det ρ(g)^{|G|} = 1``); the scales ``|det B_σ|^{1/d}`` are reported (equal
scales = one common gain).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["RANK_TOLERANCE", "LEAK_TOLERANCE", "Subspace", "state_spectra", "leakage", "restrict", "candidates"]

#: Relative singular values above this count towards the reported ``state_rank``; a candidate
#: ``V_k`` leaves at most this (relative singular value ``s_{k+1}``) of the states outside.
RANK_TOLERANCE = 0.1
#: A leading span ``V_k`` is a candidate for ``V`` when its leakage is at most this.
LEAK_TOLERANCE = 0.15


@dataclass(frozen=True, eq=False)
class Subspace:
    """``U`` (H, d) orthonormal basis of V, ``B`` (D, d, d) restricted and rescaled matrices,
    ``scales`` (D,) ``|det|^{1/d}`` of the restrictions, ``invariance`` (see module),
    ``singular_values`` of the state matrix (relative to the largest), ``leakage`` (per ``k``),
    ``state_rank``, ``leak_tol``."""

    U: np.ndarray
    B: np.ndarray
    scales: np.ndarray
    invariance: float
    singular_values: np.ndarray
    leakage: np.ndarray
    state_rank: int
    leak_tol: float

    @property
    def dimension(self) -> int:
        return self.U.shape[1]


@torch.no_grad()
def state_spectra(states: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Batched SVD of the state matrices ``(M, n, H)``: relative singular values ``(M, H)`` and
    right singular vectors ``(M, H, H)`` (rows)."""
    _, s, vh = torch.linalg.svd(states, full_matrices=False)
    s = s / s[:, :1].clamp_min(1e-300)
    return s.cpu().numpy(), vh.cpu().numpy()


def leakage(A: np.ndarray, vh: np.ndarray) -> np.ndarray:
    """``leak(k)`` for ``k = 1..H`` (module docstring), from ``C_σ = V^T A_σ V`` in the singular
    basis: ``max_{j<k} (sum_{i>=k} C_ij^2)^{1/2}``, by a reverse cumulative sum over rows."""
    C = np.einsum("ih,khj,lj->kil", vh, A, vh, optimize=True)          # (D, H, H)
    tail = np.cumsum((C ** 2)[:, ::-1, :], axis=1)[:, ::-1, :]           # tail[:, i0, j] = sum_{i>=i0}
    H = A.shape[1]
    norms = np.linalg.svd(A, compute_uv=False)[:, 0]
    norms = np.where(norms > 0, norms, 1.0)
    out = np.zeros(H)
    for k in range(1, H):
        out[k - 1] = float(np.max(np.sqrt(tail[:, k, :k].max(axis=1)) / norms))
    return out                                                            # out[H-1] = 0: V_H is everything


def candidates(leak: np.ndarray, rel_singular: np.ndarray, leak_tol: float = LEAK_TOLERANCE,
               rank_tol: float = RANK_TOLERANCE) -> list[int]:
    """Dimensions ``k`` (increasing) at least the numerical rank of the states (``s_{k+1} <= rank_tol``)
    whose leading span leaks at most ``leak_tol``; always ends with ``H``."""
    H = len(leak)
    return [k + 1 for k in range(H - 1) if leak[k] <= leak_tol and rel_singular[k + 1] <= rank_tol] + [H]


def restrict(A: np.ndarray, rel_singular: np.ndarray, vh: np.ndarray, d: int, leak: np.ndarray,
             leak_tol: float = LEAK_TOLERANCE, rank_tol: float = RANK_TOLERANCE) -> Subspace:
    """The :class:`Subspace` of dimension ``d`` of one model (see the module docstring)."""
    U = vh[:d].T
    B = np.einsum("hi,khj,jl->kil", U, A, U, optimize=True)
    na = np.linalg.svd(A, compute_uv=False)[:, 0]
    nr = np.linalg.svd(A @ U - U[None] @ B, compute_uv=False)[:, 0]
    inv = float(np.max(nr / np.where(na > 0, na, 1.0)))
    _, logdet = np.linalg.slogdet(B)
    scales = np.exp(logdet / d)
    with np.errstate(over="ignore", invalid="ignore"):
        Bn = B / np.where(scales > 0, scales, 1.0)[:, None, None]
    return Subspace(U, Bn, scales, inv, rel_singular, leak, int(np.sum(rel_singular > rank_tol)), float(leak_tol))
