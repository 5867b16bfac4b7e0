"""Step 2 of docs/design.md §10: the reachable subspace ``V`` and ``A_σ`` restricted to it, scale removed.

``V`` is the span of the learned unit states (step 1).  Its dimension is the *numerical rank* of
the state matrix: the number of singular values ``s_i > rank_tol * s_1`` (default
:data:`RANK_TOLERANCE`, relative).  With ``U`` an orthonormal basis of ``V`` (the leading right singular
vectors), ``B_σ = U^T A_σ U`` is ``A_σ`` restricted to ``V``; ``invariance`` =
``max_σ ||A_σ U - U B_σ||_2 / ||A_σ||_2`` says how far ``V`` is from invariant (0 for an exact
model: ``A_σ`` maps states to states).  The scale is removed as ``B_σ / |det B_σ|^{1/d}`` (a
representation has ``|det| = 1`` on a finite group, since ``det ρ(g)^{|G|} = 1``); the scales
``|det B_σ|^{1/d}`` are reported (equal scales = one common gain).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["RANK_TOLERANCE", "Subspace", "state_spectra", "restrict"]

#: Relative tolerance of the numerical rank of the state matrix (a FULL H=64 model trained on S3
#: showed 5 singular values above 0.9 and a noise floor at 3e-3; exact constructions at 1e-16).
RANK_TOLERANCE = 1e-2


@dataclass(frozen=True, eq=False)
class Subspace:
    """``U`` (H, d) orthonormal basis of V, ``B`` (D, d, d) restricted and rescaled matrices,
    ``scales`` (D,) ``|det|^{1/d}`` of the restrictions, ``invariance`` (see module),
    ``singular_values`` of the state matrix (relative to the largest), ``rank_tol``."""

    U: np.ndarray
    B: np.ndarray
    scales: np.ndarray
    invariance: float
    singular_values: np.ndarray
    rank_tol: float

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


def restrict(A: np.ndarray, rel_singular: np.ndarray, vh: np.ndarray, rank_tol: float = RANK_TOLERANCE) -> Subspace:
    """The :class:`Subspace` of one model from its state spectrum (see the module docstring)."""
    d = int(np.sum(rel_singular > rank_tol))
    U = vh[:d].T
    B = np.einsum("hi,khj,jl->kil", U, A, U, optimize=True)
    na = np.linalg.svd(A, compute_uv=False)[:, 0]
    nr = np.linalg.svd(A @ U - U[None] @ B, compute_uv=False)[:, 0]
    inv = float(np.max(nr / np.where(na > 0, na, 1.0)))
    _, logdet = np.linalg.slogdet(B)
    scales = np.exp(logdet / d)
    with np.errstate(over="ignore", invalid="ignore"):
        Bn = B / np.where(scales > 0, scales, 1.0)[:, None, None]
    return Subspace(U, Bn, scales, inv, rel_singular, float(rank_tol))
