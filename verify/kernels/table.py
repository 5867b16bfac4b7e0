"""What the kernels share: the level groups, the chunk length of the diagonal products and the
grouping of a batch by symbol."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["DENSE_LEVELS", "LAYOUTS", "chunk_length", "symbol_groups"]

#: levels whose per-symbol matrices ``model.transitions()`` (D, H, H) the grouped loop multiplies by:
#: FULL's own ``W``, and HOUSE's and MONO's products formed from their factors
DENSE_LEVELS = ("full", "house", "mono")
LAYOUTS = {"full": "dense", "house": "dense", "mono": "dense", "block": "blocks", "cdiag": "pairs",
           "rot": "pairs", "rdiag": "diagonal", "pdiag": "diagonal", "cp": "cp"}


def chunk_length(w: torch.Tensor, dtype: torch.dtype, longest: int) -> int:
    """Longest chunk whose partial products of the factors ``w`` stay in ``[e^-budget, e^budget]``
    (budget 30 for float32, 300 for float64): ``floor(budget / max |log |w||)`` over the non-zero
    factors, in ``[1, longest]``."""
    mod = w.abs()
    worst = float(torch.log(mod.masked_fill(mod == 0, 1.0)).abs().max()) if mod.numel() else 0.0
    budget = 300.0 if dtype == torch.float64 else 30.0
    return longest if worst * longest <= budget else max(1, int(budget // worst))


def symbol_groups(tok: np.ndarray, D: int):
    """For each step of ``tok`` (c, N) (time-major): the batch grouped by symbol into ``D`` padded groups of
    ``M`` rows.  ``src[t]`` (D*M,) = the batch row in each padded slot (padding: row 0, whose
    result there is never read); ``pos[t]`` (N,) = the slot of each batch row."""
    c, n = tok.shape
    counts = np.zeros((c, D), dtype=np.int64)
    for t in range(c):
        counts[t] = np.bincount(tok[t], minlength=D)
    M = int(counts.max())
    order = np.argsort(tok, axis=1, kind="stable")                  # rows sorted by symbol, per step
    sym = np.take_along_axis(tok, order, 1)
    first = np.cumsum(counts, 1) - counts                            # (c, D): first sorted row of each symbol
    slot = sym * M + np.arange(n)[None, :] - np.take_along_axis(first, sym, 1)
    steps = np.broadcast_to(np.arange(c)[:, None], (c, n))
    src = np.zeros((c, D * M), dtype=np.int64)
    pos = np.empty((c, n), dtype=np.int64)
    src[steps, slot] = order
    pos[steps, order] = slot
    return M, src, pos
