"""Step 7 of docs/design.md §10: snap the learned model to the exact action, as a weight file.

With the intertwiner ``T`` (step 5), ``ρ_snap(g) = T^{-1} ρ'(g) T`` is the exact construction's
action written in the learned coordinates of ``V`` (it does not depend on which intertwiner was
chosen: another is ``C T`` with ``C`` commuting with ``ρ'``).  It is made orthogonal by the
invariant metric ``M = (1/|G|) Σ_g ρ_snap(g)^T ρ_snap(g)``: with ``W = M^{1/2}`` (symmetric
positive), ``ρ_o(g) = W ρ_snap(g) W^{-1}`` is orthogonal, and ``W = c I`` exactly when the learned
coordinates were already orthonormal for the representation — then the snapped basis *is* the
learned one.  The snapped file keeps the hidden size ``H`` and the learned coordinates:
``A'_σ = U ρ_o(a_σ)^T U^T`` (``ρ_o^T = W^{-1} ρ_snap^T W``: states in the coordinates
``W^{-1} U^T h``), ``h0' = U W^{-1} U^T h0``, readout ``R U W U^T`` (the learned readout;
for foreign files without one, the rows are the snapped unit states of the elements).  Being
orthogonal on ``V``, its numeric certificate (``bilinear certify``) holds for very long words, and
the float exactness horizon (:func:`bilinear.verify.experiments.simulate.exactness_horizon`) is measured before
(the learned weights) and after.
"""

from __future__ import annotations

import numpy as np

from bilinear.constructions.weightfile import WeightFile, weights_of

__all__ = ["snapped_matrices", "learned_weight_file", "snapped_weight_file", "source_of", "weights_input"]


def source_of(model) -> dict:
    """``meta.source`` for the group or target machine of a :class:`~bilinear.verify.recover.source.LearnedModel`."""
    from bilinear.constructions.source import automaton_source, group_source
    if model.automaton is not None:
        return automaton_source(model.automaton, minimize=True)
    return group_source(model.group, list(model.alphabet))


def _alphabet_names(model) -> tuple[str, ...]:
    if model.automaton is not None:
        return tuple(model.automaton.alphabet)
    return tuple(model.group.names[a] for a in model.alphabet)


def _state_readout(model, A: np.ndarray, h0: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """Rows = unit state of each element (reached by breadth-first search of the symbols)."""
    G = model.group
    phi = {G.identity: h0 / np.linalg.norm(h0)}
    frontier = [G.identity]
    while frontier:
        fresh = []
        for g in frontier:
            for k, a in enumerate(model.alphabet):
                t = int(G.mul(g, a))
                if t not in phi:
                    v = A[k] @ phi[g]
                    phi[t] = v / np.linalg.norm(v)
                    fresh.append(t)
        frontier = fresh
    order = sorted(phi)
    return np.array([phi[g] for g in order]), tuple(G.names[g] for g in order)


def learned_weight_file(model, meta_extra: dict | None = None) -> WeightFile:
    """The learned model as a (numeric, level ``full``) weight file with its group or target machine
    as ``meta.source`` — what ``bilinear export`` writes and ``certify``/``simulate`` check."""
    A = model.A
    if model.readout is not None:
        R, labels = model.readout, model.labels
    else:
        R, labels = _state_readout(model, A, model.h0)
    meta = {"source": source_of(model), "level": "full", "exact": None,
            "info": {"trained_level": model.level, **(meta_extra or {})}}
    return WeightFile(weights_of(A), model.h0, R, labels, _alphabet_names(model), "full", meta)


def snapped_matrices(T: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(ρ_o, W)``: the orthogonal snapped representation and the metric root (module docstring)."""
    Tinv = np.linalg.inv(T)
    snap = Tinv @ reference @ T
    M = np.einsum("gji,gjk->ik", snap, snap) / len(snap)
    M = (M + M.T) / 2
    w, Q = np.linalg.eigh(M)
    W = (Q * np.sqrt(w)) @ Q.T
    Winv = (Q / np.sqrt(w)) @ Q.T
    return W @ snap @ Winv, W


def snapped_weight_file(model, sub, rho_o: np.ndarray, W: np.ndarray, meta_extra: dict | None = None) -> WeightFile:
    """The snapped weight file (module docstring); ``sub`` is the model's :class:`~bilinear.verify.recover.subspace.Subspace`."""
    U = sub.U
    S = np.array([rho_o[a].T for a in model.alphabet])                 # (D, d, d), acting on states
    A = np.einsum("hi,kij,lj->khl", U, S, U, optimize=True)
    h0 = U @ np.linalg.solve(W, U.T @ model.h0)
    if model.readout is not None:
        R = model.readout @ U @ W @ U.T
        labels = model.labels
    else:
        R, labels = _state_readout(model, A, h0)
    meta = {"source": source_of(model), "level": "full", "exact": None,
            "info": {"snapped_from": model.path, "dimension": int(U.shape[1]),
                     "metric_condition": float(np.linalg.cond(W)), **(meta_extra or {})}}
    return WeightFile(weights_of(A), h0, R, labels, _alphabet_names(model), "full", meta)


def weights_input(path: str):
    """A path for ``bilinear certify``/``simulate``: a ``.pt`` training checkpoint becomes its
    :func:`learned_weight_file`; anything else is returned as is (a weight file path)."""
    if str(path).endswith(".pt"):
        from bilinear.verify.recover.source import load_learned
        model = load_learned(path)
        if model.kind != "checkpoint":
            from bilinear.theory.errors import InputError
            raise InputError(f"{path}: expected a bilinear train checkpoint or a weight file (.npz)")
        return learned_weight_file(model, {"checkpoint": str(path)})
    return path
