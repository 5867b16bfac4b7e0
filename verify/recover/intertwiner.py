"""Step 5 of docs/design.md §10: an intertwiner between the learned representation and the construction.

The construction built from the recovered constituents is ``ρ' = ⊕_ψ ψ^{⊕ m_ψ}`` with the
orthogonal matrices of ``bilinear.theory.representations.matrices.real_irrep_matrices``.  ``T`` with
``T ρ(g) = ρ'(g) T`` is solved block row by block row: the rows ``X`` (``dim ψ x d``) belonging to
``ψ`` satisfy ``X ρ(s) - ψ(s) X = 0`` for the generators ``s``; with ``x`` = ``X`` flattened by
rows this is the stacked Sylvester system ``[I ⊗ ρ(s)^T - ψ(s) ⊗ I]_s x = 0``, whose nullspace has
dimension ``m_ψ · dim End(ψ)`` (``1, 2, 4`` for real, complex, quaternionic type).  The nullspace
is read off the smallest right singular vectors (orthonormal); for real type they are the ``m_ψ``
copies themselves, for complex and quaternionic type the copies take seeded random combinations
of them (generically independent over ``End(ψ)``); the blocks stacked give ``T`` (``d x d``).  Reported:
``residual = max_g ||T ρ(g) T^{-1} - ρ'(g)||_F`` over every element, ``condition = cond_2(T)``
and ``nullspace_gap`` (the largest singular value accepted into the nullspace, relative to the
largest one; small = a clean nullspace).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bilinear.theory.representations.real_irreps import real_irreducibles
from bilinear.theory.representations.matrices import real_irrep_matrices

__all__ = ["Intertwiner", "intertwine", "reference_representation"]

_END_DIM = {"real": 1, "complex": 2, "quaternionic": 4}


@dataclass(frozen=True, eq=False)
class Intertwiner:
    """``T`` (d, d), ``reference`` ρ' (|G|, d, d), ``residual``, ``condition``, ``nullspace_gap``."""

    T: np.ndarray
    reference: np.ndarray
    residual: float
    condition: float
    nullspace_gap: float


def reference_representation(G, rounded) -> np.ndarray:
    """``⊕_ψ ψ^{⊕ m_ψ}`` as ``(|G|, d, d)`` (blocks in the order of the real irreducibles)."""
    blocks = [real_irrep_matrices(G, r).matrices for r, m in enumerate(rounded) for _ in range(int(m))]
    d = sum(b.shape[1] for b in blocks)
    out = np.zeros((G.order, d, d))
    i = 0
    for b in blocks:
        k = b.shape[1]
        out[:, i:i + k, i:i + k] = b
        i += k
    return out


def _generators(G) -> list[int]:
    gens = list(G.generators)
    return gens if gens else [G.identity]


def intertwine(G, rho: np.ndarray, rounded, seed: int = 0) -> Intertwiner:
    """Solve ``T ρ(g) = ρ'(g) T`` (module docstring) for multiplicities ``rounded``."""
    d = rho.shape[1]
    irr = real_irreducibles(G)
    gens = _generators(G)
    rng = np.random.default_rng(seed)
    rows: list[np.ndarray] = []
    gap = 0.0
    for r, m in enumerate(rounded):
        if m <= 0:
            continue
        psi = real_irrep_matrices(G, r).matrices
        k = psi.shape[1]
        system = np.concatenate([np.kron(np.eye(k), rho[s].T) - np.kron(psi[s], np.eye(d)) for s in gens])
        _, sv, vh = np.linalg.svd(system)
        null = int(m) * _END_DIM[irr[r].type]
        null = min(null, vh.shape[0])
        basis = vh[-null:]                                   # (null, k*d)
        full = np.concatenate([sv, np.zeros(vh.shape[0] - len(sv))])
        gap = max(gap, float(full[-null] / max(full[0], 1e-300)))
        if irr[r].type == "real":            # End = R: any basis of the nullspace is independent
            rows.extend(b.reshape(k, d) for b in basis)
        else:                                # End = C or H: combinations independent over End
            for _ in range(int(m)):
                rows.append((rng.standard_normal(null) @ basis).reshape(k, d))
    T = np.concatenate(rows) if rows else np.zeros((0, d))
    ref = reference_representation(G, rounded)
    if T.shape != (d, d):
        return Intertwiner(T, ref, float("inf"), float("inf"), gap)
    cond = float(np.linalg.cond(T))
    if not np.isfinite(cond) or cond > 1e14:
        return Intertwiner(T, ref, float("inf"), cond, gap)
    Tinv = np.linalg.inv(T)
    conj = T @ rho @ Tinv
    residual = float(np.max(np.linalg.norm(conj - ref, axis=(1, 2))))
    return Intertwiner(T, ref, residual, cond, gap)
