"""The recovery pipeline of docs/design.md §10 over several models at once.

:func:`recover` runs steps 1–6 (and 7 with ``snap``) for a list of
:class:`~bilinear.verify.recover.source.LearnedModel`.  Models with the same ``(D, H)`` share one batched
torch computation for the heavy parts — the states of the random words and the SVD of the state
matrices — on CUDA when available (float64); the per-model stages after the subspace (whose
dimension differs between models) are small.  :func:`recover_one` is the same on one model; the
two agree (tested).  The result of each model is a JSON-ready dict (keys: docs/design.md §10).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from bilinear.theory.errors import expected

from bilinear.verify.recover.angles import cyclic_generator, eigen_angles
from bilinear.verify.recover.automaton import CLUSTER_RADIUS, compare_machine
from bilinear.verify.recover.decomposition import MULTIPLICITY_TOLERANCE, decompose
from bilinear.verify.recover.intertwiner import intertwine
from bilinear.verify.recover.representation import (REPRESENTATION_TOLERANCE, cayley_tree, extend, homomorphism_residual, relation_symbols)
from bilinear.verify.recover.states import prefix_elements, projective_spread, random_words, run_states
from bilinear.verify.recover.subspace import LEAK_TOLERANCE, RANK_TOLERANCE, candidates, leakage, restrict, state_spectra

__all__ = ["RecoverySettings", "recover", "recover_one", "default_device"]


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class RecoverySettings:
    """``words`` N and ``length`` L of the random words, ``seed``, ``leak_tol`` and
    ``rank_tol`` (step 2), ``radius`` (automaton clustering), ``device``."""

    def __init__(self, words: int = 256, length: int = 16, seed: int = 0, rank_tol: float = RANK_TOLERANCE,
                 radius: float = CLUSTER_RADIUS, device=None, leak_tol: float = LEAK_TOLERANCE):
        for name, v in (("words", words), ("length", length)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise expected(f"--{name}", "an integer >= 1", v)
        if not (isinstance(rank_tol, float) and 0 < rank_tol < 1):
            raise expected("rank_tol", "a number in (0, 1)", rank_tol)
        if not (isinstance(leak_tol, float) and 0 < leak_tol < 1):
            raise expected("leak_tol", "a number in (0, 1)", leak_tol)
        self.leak_tol = leak_tol
        self.words, self.length, self.seed, self.rank_tol, self.radius = words, length, int(seed), rank_tol, radius
        self.device = torch.device(device) if device is not None else default_device()


def _tokens(model, s: RecoverySettings) -> np.ndarray:
    if model.task is not None and model.automaton is not None:
        L = model.task.valid_length_at_least(s.length)      # modarith: odd lengths only
        return model.task.sample(s.words, L, s.seed).tokens
    return random_words(model.num_symbols, s.words, s.length, s.seed)


def _mean_state(states: np.ndarray, elements: np.ndarray, g: int):
    """Normalised mean of the unit states of the words reaching ``g`` (None if none does)."""
    sel = states[elements == g]
    if not len(sel):
        return None
    v = sel.sum(axis=0)
    return v / np.linalg.norm(v)


def _finite(x):
    return None if x is None or not np.isfinite(x) else float(x)


def _is_representation_on(model, vh, k: int, gens: list[int], tree) -> bool:
    """Whether the restrictions to the leading ``k``-span, rescaled, form a representation by the
    generators' relations and every symbol's own matrix (the test of step 3 with the relations of
    a generating subset: the cheap test of a candidate dimension)."""
    U = vh[:k].T
    B = np.einsum("hi,khj,jl->kil", U, model.A, U, optimize=True)
    _, logdet = np.linalg.slogdet(B)
    if not np.all(np.isfinite(logdet)):
        return False
    S = np.transpose(B / np.exp(logdet / k)[:, None, None], (0, 2, 1))
    rho = extend(model.group, model.alphabet, S, tree)
    return homomorphism_residual(model.group, model.alphabet, S, rho, gens) <= REPRESENTATION_TOLERANCE


def _choose_subspace(model, rel_s, vh, s: RecoverySettings):
    """``dim V`` = the first candidate (leak below tolerance, increasing) on which the restriction is
    a representation by its generators' relations (docs/design.md §10 step 2; see
    :mod:`.subspace`); the whole space when none is."""
    G = model.group
    leak = leakage(model.A, vh)
    gens = relation_symbols(G, model.alphabet, generating=True)
    tree = cayley_tree(G, model.alphabet)
    cands = candidates(leak, rel_s, s.leak_tol, s.rank_tol)
    d = next(k for k in cands if k == cands[-1] or _is_representation_on(model, vh, k, gens, tree))
    sub = restrict(model.A, rel_s, vh, d, leak, s.leak_tol, s.rank_tol)
    S = np.transpose(sub.B, (0, 2, 1))
    return sub, S, extend(G, model.alphabet, S, tree), tree


def _group_result(model, states: np.ndarray, tokens: np.ndarray, rel_s: np.ndarray, vh: np.ndarray,
                  s: RecoverySettings) -> tuple[dict, dict]:
    G = model.group
    elements = prefix_elements(G, model.alphabet, tokens)[1:]
    states = states[1:]                                # h0 of a trained model is a free vector (see states)
    spread = projective_spread(states, elements, G.order)
    sub, S, rho, tree = _choose_subspace(model, rel_s, vh, s)
    d = sub.dimension
    symbols = relation_symbols(G, model.alphabet)
    resid = homomorphism_residual(G, model.alphabet, S, rho, symbols, device=s.device)
    dec = decompose(G, rho)
    is_rep = bool(d >= 1 and resid <= REPRESENTATION_TOLERANCE and dec.multiplicity_error <= MULTIPLICITY_TOLERANCE
                  and np.all(dec.rounded >= 0) and dec.dimension_check == d and np.all(sub.scales > 0))
    out = {
        "file": model.path, "kind": model.kind, "group": G.name, "order": G.order,
        "alphabet": [G.names[a] for a in model.alphabet], "hidden": model.hidden, "level": model.level,
        "words": s.words, "length": s.length, "seed": s.seed,
        "leak_tolerance": s.leak_tol, "rank_tolerance": s.rank_tol, "state_rank": sub.state_rank,
        "singular_values": [float(x) for x in rel_s[:min(len(rel_s), d + 3)]],
        "leakage": [float(x) for x in sub.leakage[:min(len(rel_s), d + 2)]],
        "dimension": d, "invariance_residual": float(sub.invariance),
        "scales": [float(x) for x in sub.scales], "projective_spread": spread,
        "homomorphism_residual": _finite(resid),
        "residual_pairs": "multiplication table" if len(symbols) == model.num_symbols and
                          sorted(model.alphabet) == list(range(G.order)) else
                          f"elements x {len(symbols)} generating symbol(s)",
        "representation_tolerance": REPRESENTATION_TOLERANCE,
        "is_representation": is_rep,
        "classes": [G.names[int(r)] for r in G.class_representatives], "class_sizes": [int(x) for x in G.class_sizes],
        "character": [float(x) for x in dec.character],
        "multiplicities": [float(x) for x in dec.multiplicities],
        "constituents": dec.constituents, "multiplicity_error": _finite(dec.multiplicity_error),
        "faithful": dec.faithful if is_rep else False, "minimal": dec.minimal if is_rep else False,
        "min_faithful_dimension": dec.min_faithful_dim,
        "intertwiner": {"residual": None, "condition": None, "nullspace_gap": None},
        "info": model.info,
    }
    extra = {"sub": sub, "rho": rho, "dec": dec, "identity_state": _mean_state(states, elements, G.identity)}
    if is_rep:
        tw = intertwine(G, rho, dec.rounded, seed=s.seed)
        out["intertwiner"] = {"residual": _finite(tw.residual), "condition": _finite(tw.condition),
                              "nullspace_gap": _finite(tw.nullspace_gap)}
        extra["tw"] = tw
    gen = cyclic_generator(G)
    if gen is not None:
        angles, gens = eigen_angles(rho[gen], G.order)
        out["cyclic_generator"] = G.names[gen]
        out["angles"], out["generates"] = angles, gens
    out["verdict"] = is_rep
    return out, extra


def _automaton_result(model, states, tokens, rel_s, vh, s) -> tuple[dict, dict]:
    leak = leakage(model.A, vh)
    d = candidates(leak, rel_s, s.leak_tol, s.rank_tol)[0]
    sub = restrict(model.A, rel_s, vh, d, leak, s.leak_tol, s.rank_tol)
    cmp = compare_machine(states, tokens, model.automaton, s.radius)
    out = {"file": model.path, "kind": model.kind, "automaton": model.automaton.name, "hidden": model.hidden,
           "level": model.level, "words": s.words, "length": int(tokens.shape[1]), "seed": s.seed,
           "leak_tolerance": s.leak_tol, "rank_tolerance": s.rank_tol, "state_rank": sub.state_rank,
           "singular_values": [float(x) for x in rel_s[:min(len(rel_s), d + 3)]],
           "dimension": d, "invariance_residual": float(sub.invariance), **cmp, "info": model.info, "verdict": cmp["isomorphic"]}
    return out, {}


def recover(models, settings: RecoverySettings | None = None, details: bool = False, progress=None):
    """Recover every model (module docstring); returns the list of result dicts (and, with
    ``details``, the per-model intermediate objects: subspace, ρ, decomposition, intertwiner)."""
    s = settings or RecoverySettings()
    results: list = [None] * len(models)
    extras: list = [None] * len(models)
    groups: dict = {}
    for i, m in enumerate(models):
        groups.setdefault((m.num_symbols, m.hidden, m.automaton is not None,
                           m.task.name if m.task is not None and m.automaton is not None else None), []).append(i)
    for idx in groups.values():
        t0 = time.perf_counter()
        tokens = _tokens(models[idx[0]], s)
        A = torch.as_tensor(np.stack([models[i].A for i in idx]), dtype=torch.float64, device=s.device)
        h0 = torch.as_tensor(np.stack([models[i].h0 for i in idx]), dtype=torch.float64, device=s.device)
        states_t = run_states(A, h0, torch.as_tensor(tokens, device=s.device))
        states = states_t.cpu().numpy()
        rel, vh = state_spectra(states_t[:, 1:])       # the span of the states after >= 1 symbol
        shared = (time.perf_counter() - t0) / len(idx)
        for j, i in enumerate(idx):
            t1 = time.perf_counter()
            fn = _automaton_result if models[i].automaton is not None else _group_result
            out, extra = fn(models[i], states[j], tokens, rel[j], vh[j], s)
            out["seconds"] = shared + time.perf_counter() - t1
            results[i], extras[i] = out, extra
            if progress:
                progress(f"recovered {models[i].path} ({out['seconds']:.2f} s)")
    return (results, extras) if details else results


def recover_one(model, settings: RecoverySettings | None = None, details: bool = False):
    """:func:`recover` on a single model."""
    res, ext = recover([model], settings, details=True)
    return (res[0], ext[0]) if details else res[0]
