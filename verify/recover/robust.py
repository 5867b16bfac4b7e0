"""Robustness of docs/design.md §10: burn-in chosen from the data, and singular symbols.

**Burn-in.**  A trained model may carry transients: a block of the state that shrinks at every step
(e.g. ``0.7`` per step) is present in the early states of every word and absent later, so fitting
the subspace on every prefix adds its dimensions to ``V`` (measured: an S3 model with such a block
read as "not a representation, dim 9" on words of length 16).  The late states, at positions
``>= L/2``, span the subspace ``V_late`` (relative singular values above the rank tolerance); the
distance of each state from ``V_late`` is measured per position ``t``, and the burn-in is the least
``t`` from which every later position stays within ``max(BURN_IN_TOLERANCE, 2 x floor)`` (``floor``
= the largest distance among the late positions: a trained model's noise).  The states before it
are dropped from steps 1–2 (position ``t`` holds the state after ``t + 1`` symbols, so ``burn_in`` =
the first kept position + 1).  When the span of the last quarter of the positions is smaller than
that of the late half, the transients have not died out within the words: the last quarter is
used.  When the distances still fall at the end of the words (the distance at ``L/2`` more than
twice the last one, and above the tolerance) the transients have not died out: ``settled`` is false
and the pipeline doubles the length of the words (up to 8 times the given one) and says so.

**Refinement.**  The span of the kept states may still carry a trace of the transient; the span is
then refined by subspace iteration over the transitions (:func:`refine`) and the refined one is kept
when it is closer to invariant.

**Singular symbols.**  ``σ_min/σ_max`` of each symbol's restriction to ``V`` (before the scale is
removed): below :data:`SINGULAR_TOLERANCE` the symbol is *singular* on ``V`` (it forgets part of the
state: no representation of a group), below :data:`NEAR_SINGULAR_TOLERANCE` *near-singular*.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BURN_IN_TOLERANCE", "SINGULAR_TOLERANCE", "NEAR_SINGULAR_TOLERANCE", "REFINE_STEPS", "burn_in", "refine",
           "singular_symbols"]

#: States within this distance (unit states) of the late span count as settled.
BURN_IN_TOLERANCE = 0.01
#: Subspace-iteration steps of :func:`refine`.
REFINE_STEPS = 60
#: ``σ_min/σ_max`` of a symbol on ``V`` below this: singular.
SINGULAR_TOLERANCE = 1e-8
#: ... below this: near-singular (reported, not a verdict by itself).
NEAR_SINGULAR_TOLERANCE = 1e-3


def burn_in(states: np.ndarray, words: int, length: int, rank_tol: float) -> dict:
    """``{"burn_in", "settled", "distance", "floor", "late_rank"}`` for the unit states ``(1 + N L, H)``
    (``h0`` first; rows in the order of :func:`~bilinear.verify.recover.states.run_states`).
    ``burn_in`` counts symbols: the states after at least ``burn_in`` symbols are kept (``>= 1``)."""
    S = states[1:].reshape(words, length, -1)
    H = S.shape[-1]

    def span(start: int):
        late = S[:, start:].reshape(-1, H)
        _, s, vh = np.linalg.svd(late, full_matrices=False)
        rel = s / max(s[0], 1e-300)
        k = max(1, int(np.sum(rel > rank_tol)))
        return k, vh[:k].T

    start = length // 2
    k, U = span(start)
    if length >= 4:
        k_last, U_last = span(length - length // 4)
        if k_last < k:                            # the span still shrinks within the late half
            start, k, U = length - length // 4, k_last, U_last
    out = S - np.einsum("nth,hk,jk->ntj", S, U, U, optimize=True)
    dist = np.linalg.norm(out, axis=-1).max(axis=0)                     # (L,): the worst word per position
    tail = dist[length - max(1, length // 4):]
    floor = float(tail.max())
    # still decaying at the end of the words: the late distances are a transient, not a noise floor
    settled = bool(floor <= BURN_IN_TOLERANCE or dist[length // 2] <= 2 * float(dist[-1]))
    bar = max(BURN_IN_TOLERANCE, 2 * floor)
    over = np.flatnonzero(dist > bar)
    first = int(over[-1]) + 1 if len(over) else 0                        # positions 0..first-1 are dropped
    first = min(first, length - 1)
    return {"burn_in": first + 1, "settled": settled, "distance": [float(x) for x in dist],
            "floor": floor, "late_rank": k}


def refine(A: np.ndarray, U: np.ndarray, steps: int = REFINE_STEPS) -> np.ndarray:
    """Subspace iteration: ``U <- `` the leading ``d`` left singular vectors of ``[A_σ U]_σ`` (each
    block divided by its norm), ``steps`` times.  An invariant subspace that the other directions
    decay towards (a dead block) is a fixed point the iteration converges to; the caller keeps the
    refined span only when its invariance residual is smaller."""
    d = U.shape[1]
    for _ in range(steps):
        Y = np.einsum("khj,jl->khl", A, U)
        Y = Y / np.maximum(np.linalg.norm(Y, axis=(1, 2), keepdims=True), 1e-300)
        W, _, _ = np.linalg.svd(np.concatenate(list(Y), axis=1), full_matrices=False)
        moved = np.linalg.norm(W[:, :d] - U @ (U.T @ W[:, :d]))      # how far the span moved
        U = W[:, :d]
        if moved < 1e-13:
            break
    return U


def singular_symbols(B: np.ndarray, names: list[str]) -> dict:
    """``{"ratios", "singular", "near_singular"}`` of the restrictions ``B`` (D, d, d)."""
    sv = np.linalg.svd(B, compute_uv=False)
    ratio = sv[:, -1] / np.where(sv[:, 0] > 0, sv[:, 0], 1.0)
    ratio = np.where(sv[:, 0] > 0, ratio, 0.0)
    return {"ratios": [float(r) for r in ratio],
            "singular": [names[i] for i in np.flatnonzero(ratio <= SINGULAR_TOLERANCE)],
            "near_singular": [names[i] for i in np.flatnonzero((ratio > SINGULAR_TOLERANCE) &
                                                                (ratio <= NEAR_SINGULAR_TOLERANCE))]}
