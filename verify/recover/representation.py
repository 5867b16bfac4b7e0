"""Step 3 of docs/design.md §10: the learned representation on every element, and its homomorphism residual.

A word ``g_1 ... g_t`` reaches ``B_{g_t} ... B_{g_1} h0``, so ``ρ(g) = B_g^T`` is the candidate
homomorphism (``ρ(gh) = ρ(g) ρ(h)``).  On the symbols ``ρ(a_σ) = S_σ := B_σ^T``; it is extended to
every element by a breadth-first search of the Cayley graph from the identity (``ρ(e) = I``,
``ρ(g a_σ) = ρ(g) S_σ`` at the first visit), so the alphabet must generate the group.  The
*homomorphism residual* is

    ``max_{g, σ} ||ρ(g) S_σ - ρ(g a_σ)||_F / ||ρ(g a_σ)||_F``

over every element ``g`` and symbol ``σ``, together with ``||S_σ - ρ(a_σ)||_F / ||ρ(a_σ)||_F`` for
every symbol (its own matrix against the extension).  These are the defining relations of the extension:
zero residual implies ``ρ(g w) = ρ(g) ρ(w)`` for every word ``w`` by induction, i.e. a
homomorphism.  When every element is a symbol (``--alphabet all``) the pairs are the whole
multiplication table; for large groups (``|G| * D > MAX_PAIRS``, e.g. S5 with every element a symbol) the symbols are cut to a
generating subset (the relations of those generators).  Characters alone cannot tell D4 from Q8;
this check can.
"""

from __future__ import annotations

import numpy as np
import torch

from bilinear.theory.errors import InputError

__all__ = ["extend", "homomorphism_residual", "relation_symbols", "MAX_PAIRS", "REPRESENTATION_TOLERANCE"]

#: Above this many (element, symbol) pairs the residual uses a generating subset of the symbols.
MAX_PAIRS = 5_000
#: ``is_representation`` needs a homomorphism residual at most this (relative, see module).
REPRESENTATION_TOLERANCE = 0.05


def cayley_tree(G, alphabet) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Breadth-first spanning tree of the Cayley graph from the identity: one ``(elements, parents,
    symbols)`` triple per layer, ``element = parent * alphabet[symbol]`` (first visit wins)."""
    seen = np.zeros(G.order, dtype=bool)
    seen[G.identity] = True
    frontier = np.array([G.identity])
    alph = np.asarray(alphabet, dtype=np.int64)
    layers = []
    while len(frontier):
        cand_t = G.mul(np.repeat(frontier, len(alph)), np.tile(alph, len(frontier)))
        cand_p = np.repeat(frontier, len(alph))
        cand_s = np.tile(np.arange(len(alph)), len(frontier))
        new = ~seen[cand_t]
        t, first = np.unique(cand_t[new], return_index=True)
        if not len(t):
            break
        layers.append((t, cand_p[new][first], cand_s[new][first]))
        seen[t] = True
        frontier = t
    if not np.all(seen):
        raise InputError(f"alphabet: its {len(alph)} element(s) generate a proper subgroup of {G.name} "
                         f"({int(seen.sum())} of {G.order} elements); recovery needs a generating alphabet")
    return layers


def extend(G, alphabet, S: np.ndarray, tree=None) -> np.ndarray:
    """``ρ`` on every element ``(|G|, d, d)`` along the :func:`cayley_tree` (module docstring)."""
    tree = cayley_tree(G, alphabet) if tree is None else tree
    d = S.shape[1]
    rho = np.empty((G.order, d, d))
    rho[G.identity] = np.eye(d)
    for elems, parents, syms in tree:
        rho[elems] = rho[parents] @ S[syms]
    return rho


def relation_symbols(G, alphabet, generating: bool = False) -> list[int]:
    """Symbols whose residual is checked: all when ``|G| * D <= MAX_PAIRS`` (and not
    ``generating``), else a generating subset (greedy, in symbol order)."""
    D = len(alphabet)
    if G.order * D <= MAX_PAIRS and not generating:
        return list(range(D))
    chosen, span = [], np.array([G.identity])
    for k, a in enumerate(alphabet):
        if a in set(span.tolist()):
            continue
        chosen.append(k)
        span = G.closure([alphabet[j] for j in chosen])
        if len(span) == G.order:
            break
    return chosen


@torch.no_grad()
def homomorphism_residual(G, alphabet, S: np.ndarray, rho: np.ndarray, symbols=None, device=None) -> float:
    """``max ||ρ(g) S_σ - ρ(g a_σ)||_F / ||ρ(g a_σ)||_F`` over all elements and the given symbols."""
    symbols = relation_symbols(G, alphabet) if symbols is None else symbols
    dev = device or torch.device("cpu")
    R = torch.as_tensor(rho, device=dev)
    # every symbol's own matrix against the extension (covers symbols outside the checked subset)
    own = torch.as_tensor(S, device=dev)
    target = R[torch.as_tensor(np.asarray(alphabet, dtype=np.int64), device=dev)]
    worst = float(torch.max(torch.linalg.matrix_norm(own - target) /
                            torch.linalg.matrix_norm(target).clamp_min(1e-300)))
    if not np.isfinite(worst):
        return float("inf")
    elems = np.arange(G.order)
    for k in symbols:
        prod = R @ torch.as_tensor(S[k], device=dev)
        target = R[torch.as_tensor(G.mul(elems, np.full(G.order, alphabet[k])), device=dev)]
        num = torch.linalg.matrix_norm(prod - target)
        den = torch.linalg.matrix_norm(target).clamp_min(1e-300)
        r = float(torch.max(num / den))
        if not np.isfinite(r):
            return float("inf")
        worst = max(worst, r)
    return worst
