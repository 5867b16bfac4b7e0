"""Step 1 of docs/design.md §10: the learned states and their projective consistency.

``N`` random words of length ``L`` (seeded) are run through every model of a batch at once
(``h <- A[x] h / ||A[x] h||``, the models' own normalisation), on CUDA when available; the states
after every prefix, and ``h0``, are kept as unit vectors.  For a group model the prefix's element
is known, and the *projective spread* is ``max ||u - mean_g||`` over the states ``u`` of words
reaching ``g`` (``mean_g`` the normalised mean of those unit states): 0 when the state is a
function of the element alone, as exact tracking requires (docs/design.md §3); a model whose state
depends on the word beyond its element spreads.

The subspace (step 2) and the spread use the states after at least one symbol, not ``h0``: a
trained model's ``h0`` is a free parameter that need not lie in the subspace its transitions keep
(measured: a FULL H=64 model on S3 whose states after one symbol span 5 dimensions, ``h0``
adding a sixth).  For an exact construction nothing is lost: ``h0 = φ(e)`` is reached again by
any word of product ``e``.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["random_words", "run_states", "prefix_elements", "projective_spread"]


def random_words(num_symbols: int, n: int, length: int, seed: int) -> np.ndarray:
    """``(n, length)`` symbol ids, uniform, from ``numpy.random.default_rng(seed)``."""
    return np.random.default_rng(seed).integers(0, num_symbols, size=(n, length))


@torch.no_grad()
def run_states(A: torch.Tensor, h0: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """Unit states of a batch of ``M`` models on the same words.

    ``A`` (M, D, H, H), ``h0`` (M, H), ``tokens`` (N, L) -> ``(M, 1 + N*L, H)``: ``h0`` first, then
    the state after token ``t`` of word ``n`` at row ``1 + n*L + t``."""
    M, D, H, _ = A.shape
    N, L = tokens.shape
    h = (h0 / torch.linalg.vector_norm(h0, dim=-1, keepdim=True)).unsqueeze(1).expand(M, N, H).contiguous()
    out = torch.empty((M, N, L, H), dtype=A.dtype, device=A.device)
    for t in range(L):
        mats = A[:, tokens[:, t]]                                    # (M, N, H, H)
        h = torch.einsum("mnij,mnj->mni", mats, h)
        h = h / torch.linalg.vector_norm(h, dim=-1, keepdim=True).clamp_min(1e-300)
        out[:, :, t] = h
    first = (h0 / torch.linalg.vector_norm(h0, dim=-1, keepdim=True)).unsqueeze(1)
    return torch.cat([first, out.reshape(M, N * L, H)], dim=1)


def prefix_elements(G, alphabet, tokens: np.ndarray) -> np.ndarray:
    """Element of every prefix, in the row order of :func:`run_states` (identity first)."""
    elem = np.asarray(alphabet, dtype=np.int64)[tokens]
    acc = np.full(len(tokens), G.identity, dtype=np.int64)
    out = np.empty(tokens.shape, dtype=np.int64)
    for t in range(tokens.shape[1]):
        acc = G.mul(acc, elem[:, t])
        out[:, t] = acc
    return np.concatenate([[G.identity], out.reshape(-1)])


def projective_spread(states: np.ndarray, elements: np.ndarray, order: int) -> float:
    """``max ||u - mean_g||`` over unit states ``u`` (rows) of words reaching element ``g``."""
    sums = np.zeros((order, states.shape[1]))
    np.add.at(sums, elements, states)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    means = sums / np.where(norms > 0, norms, 1.0)
    return float(np.max(np.linalg.norm(states - means[elements], axis=1)))
