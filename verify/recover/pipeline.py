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
from dataclasses import replace

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
from bilinear.verify.recover.robust import burn_in, refine, singular_symbols
from bilinear.verify.recover.verdict import APPROXIMATE_TOLERANCE, grade_result

__all__ = ["RecoverySettings", "recover", "recover_one", "default_device"]


#: Relative singular values of the states at or below this are directions no state visits.
ZERO_TOLERANCE = 1e-9
#: At most this many candidate dimensions within the visited span are examined (the smallest ones),
#: and half as many beyond it, plus the whole space: each costs a residual over the group.
MAX_CANDIDATES = 16


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class RecoverySettings:
    """``words`` N and ``length`` L of the random words, ``seed``, ``leak_tol`` and
    ``rank_tol`` (step 2), ``radius`` (automaton clustering), ``device``, ``horizon_max`` (the
    float32 exactness-horizon search of the verdict, :mod:`.verdict`; 0 = not searched),
    ``orientation`` (``"auto"``: also test the transposed model when the first reading is not exact;
    ``"columns"``: only the model as given)."""

    def __init__(self, words: int = 256, length: int = 16, seed: int = 0, rank_tol: float = RANK_TOLERANCE,
                 radius: float = CLUSTER_RADIUS, device=None, leak_tol: float = LEAK_TOLERANCE,
                 horizon_max: int = 2000, orientation: str = "auto"):
        if isinstance(horizon_max, bool) or not isinstance(horizon_max, int) or horizon_max < 0:
            raise expected("--horizon-max", "an integer >= 0", horizon_max)
        if orientation not in ("auto", "columns"):
            raise expected("orientation", "auto or columns", orientation)
        self.horizon_max, self.orientation = horizon_max, orientation
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


def _candidate_residual(model, vh, k: int, gens: list[int], tree) -> float:
    """The relation residual of the restrictions to the leading ``k``-span, rescaled, by the
    generators' relations and every symbol's own matrix (the test of step 3 with the relations of
    a generating subset: the cheap test of a candidate dimension); inf when a restriction is singular."""
    U = vh[:k].T
    B = np.einsum("hi,khj,jl->kil", U, model.A, U, optimize=True)
    _, logdet = np.linalg.slogdet(B)
    if not np.all(np.isfinite(logdet)):
        return float("inf")
    S = np.transpose(B / np.exp(logdet / k)[:, None, None], (0, 2, 1))
    rho = extend(model.group, model.alphabet, S, tree)
    return homomorphism_residual(model.group, model.alphabet, S, rho, gens)


def _choose_subspace(model, rel_s, vh, s: RecoverySettings):
    """``dim V`` (docs/design.md §10 step 2; see :mod:`.subspace`): among the candidates (leak below
    tolerance, increasing) no larger than the span the states visit at all (relative singular
    values above :data:`ZERO_TOLERANCE`), the first on which the restriction is a representation by
    its generators' relations, else the first within the approximate tolerance (:mod:`.verdict`);
    then the same among the larger candidates; else the candidate of least residual (the closest).
    At most :data:`MAX_CANDIDATES` candidates are examined within the visited span.  Returns the subspace, ρ on the symbols and every
    element, the tree, and the residual of every candidate examined."""
    G = model.group
    leak = leakage(model.A, vh)
    gens = relation_symbols(G, model.alphabet, generating=True)
    tree = cayley_tree(G, model.alphabet)
    cands = candidates(leak, rel_s, s.leak_tol, s.rank_tol)
    tried: dict[int, float] = {}

    def residual(k: int) -> float:
        if k not in tried:
            tried[k] = _candidate_residual(model, vh, k, gens, tree)
        return tried[k]

    # directions no state visits (relative singular value ~ 0) are examined last: the identity on
    # them dilutes a relative residual without saying anything about what the model learned
    visited = int(np.sum(rel_s > ZERO_TOLERANCE))
    inside = [k for k in cands if k <= visited][:MAX_CANDIDATES]
    outside = [k for k in cands if k > visited]
    outside = outside[:MAX_CANDIDATES // 2] + ([cands[-1]] if cands[-1] not in outside[:MAX_CANDIDATES // 2] else [])
    cands = sorted(set(inside) | set(outside))
    d = None
    for group in (inside, outside):
        for tol in (REPRESENTATION_TOLERANCE, APPROXIMATE_TOLERANCE):
            d = next((k for k in group if residual(k) <= tol), None)
            if d is not None:
                break
        if d is not None:
            break
    if d is None:
        d = min(cands, key=lambda k: (residual(k), k))
    sub = restrict(model.A, rel_s, vh, d, leak, s.leak_tol, s.rank_tol)
    if sub.invariance > 1e-12 and d < model.hidden:
        U = refine(model.A, sub.U)
        vr = np.concatenate([U.T, vh[d:]])                    # the refined span first (restrict reads vh[:d])
        better = restrict(model.A, rel_s, vr, d, leak, s.leak_tol, s.rank_tol)
        if better.invariance < 0.5 * sub.invariance:
            sub = better
    S = np.transpose(sub.B, (0, 2, 1))
    return sub, S, extend(G, model.alphabet, S, tree), tree, tried


def _symbol_names(model) -> list[str]:
    return [f"{i} ({model.group.names[a]})" for i, a in enumerate(model.alphabet)]


def _group_result(model, states: np.ndarray, tokens: np.ndarray, s: RecoverySettings) -> tuple[dict, dict]:
    G = model.group
    N, L = tokens.shape
    elements = prefix_elements(G, model.alphabet, tokens)
    bi = burn_in(states, N, L, s.rank_tol)
    keep = np.zeros(len(states), dtype=bool)                 # h0 of a trained model is a free vector (see states)
    keep[1:] = (np.arange(N * L) % L) >= bi["burn_in"] - 1
    states, elements = states[keep], elements[keep]
    spread = projective_spread(states, elements, G.order)
    rel_s, vh = state_spectra(torch.as_tensor(states[None]))
    rel_s, vh = rel_s[0], vh[0]
    sub, S, rho, tree, tried = _choose_subspace(model, rel_s, vh, s)
    d = sub.dimension
    names = _symbol_names(model)
    sing = singular_symbols(np.einsum("hi,khj,jl->kil", sub.U, model.A, sub.U, optimize=True), names)
    symbols = relation_symbols(G, model.alphabet)
    resid = homomorphism_residual(G, model.alphabet, S, rho, symbols, device=s.device)
    dec = decompose(G, rho)
    is_rep = bool(d >= 1 and resid <= REPRESENTATION_TOLERANCE and dec.multiplicity_error <= MULTIPLICITY_TOLERANCE
                  and np.all(dec.rounded >= 0) and dec.dimension_check == d and np.all(sub.scales > 0)
                  and not sing["singular"])
    out = {
        "file": model.path, "kind": model.kind, "group": G.name, "order": G.order,
        "alphabet": [G.names[a] for a in model.alphabet], "hidden": model.hidden, "level": model.level,
        "words": s.words, "length": int(L), "seed": s.seed,
        "burn_in": bi["burn_in"], "burn_in_settled": bi["settled"], "burn_in_distance": bi["distance"],
        "burn_in_floor": bi["floor"],
        "leak_tolerance": s.leak_tol, "rank_tolerance": s.rank_tol, "state_rank": sub.state_rank,
        "singular_values": [float(x) for x in rel_s[:min(len(rel_s), d + 3)]],
        "leakage": [float(x) for x in sub.leakage[:min(len(rel_s), d + 2)]],
        "candidates": {str(k): _finite(v) for k, v in tried.items()},
        "dimension": d, "invariance_residual": float(sub.invariance),
        "scales": [float(x) for x in sub.scales], "projective_spread": spread,
        "symbol_conditioning": sing["ratios"], "singular_symbols": sing["singular"],
        "near_singular_symbols": sing["near_singular"],
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
    extra = {"sub": sub, "rho": rho, "dec": dec, "identity_state": _mean_state(states, elements, G.identity),
             "element_states": [_mean_state(states, elements, g) for g in range(G.order)]}
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
    grade_result(model, out, extra, s)
    return out, extra


def _transposed(model):
    """The model read with row vectors: ``A^T`` (for an affine lift, the linear block only)."""
    A = np.swapaxes(model.A, 1, 2).copy()
    if model.info.get("lifted"):
        H = model.hidden - 1
        A = model.A.copy()
        A[:, :H, :H] = np.swapaxes(model.A[:, :H, :H], 1, 2)
    info = dict(model.info, orientation="row vectors (detected: the transposed model fits better)")
    return replace(model, A=A, info=info)


def _states_of(model, tokens: np.ndarray, s: RecoverySettings) -> np.ndarray:
    return run_states(torch.as_tensor(model.A[None], device=s.device), torch.as_tensor(model.h0[None], device=s.device),
                      torch.as_tensor(tokens, device=s.device))[0].cpu().numpy()


def _analyse_group(model, states: np.ndarray, tokens: np.ndarray, s: RecoverySettings):
    """Steps 1-6 and the verdict; with ``orientation = "auto"`` a model that is not exact is also read
    with row vectors (the anti-homomorphism), and that reading is kept when its verdict is better."""
    out, extra = _group_result(model, states, tokens, s)
    length = tokens.shape[1]
    while not out["burn_in_settled"] and length < 8 * s.length:   # transients outlive the words: longer ones
        length *= 2
        tokens = random_words(model.num_symbols, s.words, length, s.seed)
        states = _states_of(model, tokens, s)
        out, extra = _group_result(model, states, tokens, s)
        out["length_extended"] = f"transients outlived length {s.length}: words of length {length} used"
    out["orientation"] = "column vectors (h <- A h)"
    if s.orientation != "auto" or out["grade"] == "exact" or model.group.is_abelian:
        return out, extra
    mt = _transposed(model)
    st = _states_of(mt, tokens, s)
    out_t, extra_t = _group_result(mt, st, tokens, s)
    rank = {"exact": 0, "approximate": 1, "not a representation": 2}
    better = rank[out_t["grade"]] < rank[out["grade"]] or (
        out_t["grade"] == out["grade"] == "approximate" and
        (out_t["homomorphism_residual"] or np.inf) < 0.5 * (out["homomorphism_residual"] or np.inf))
    out["transposed"] = {"grade": out_t["grade"], "homomorphism_residual": out_t["homomorphism_residual"]}
    if not better:
        return out, extra
    out_t["orientation"] = "row vectors (h <- h A): your model acts on the right; read as A^T"
    out_t["column_reading"] = {"grade": out["grade"], "homomorphism_residual": out["homomorphism_residual"]}
    extra_t["model"] = mt
    return out_t, extra_t


def _automaton_result(model, states, tokens, rel_s, vh, s) -> tuple[dict, dict]:
    leak = leakage(model.A, vh)
    d = candidates(leak, rel_s, s.leak_tol, s.rank_tol)[0]
    sub = restrict(model.A, rel_s, vh, d, leak, s.leak_tol, s.rank_tol)
    cmp = compare_machine(states, tokens, model.automaton, s.radius)
    out = {"file": model.path, "kind": model.kind, "automaton": model.automaton.name, "hidden": model.hidden,
           "level": model.level, "words": s.words, "length": int(tokens.shape[1]), "seed": s.seed,
           "leak_tolerance": s.leak_tol, "rank_tolerance": s.rank_tol, "state_rank": sub.state_rank,
           "singular_values": [float(x) for x in rel_s[:min(len(rel_s), d + 3)]],
           "dimension": d, "invariance_residual": float(sub.invariance), **cmp, "info": model.info, "verdict": cmp["isomorphic"],
           "grade": "isomorphic" if cmp["isomorphic"] else "not isomorphic"}
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
        shared = (time.perf_counter() - t0) / len(idx)
        for j, i in enumerate(idx):
            t1 = time.perf_counter()
            if models[i].automaton is not None:
                rel, vh = state_spectra(states_t[j:j + 1, 1:])
                out, extra = _automaton_result(models[i], states[j], tokens, rel[0], vh[0], s)
            else:
                out, extra = _analyse_group(models[i], states[j], tokens, s)
            out["seconds"] = shared + time.perf_counter() - t1
            results[i], extras[i] = out, extra
            if progress:
                progress(f"recovered {models[i].path} ({out['seconds']:.2f} s)")
    return (results, extras) if details else results


def recover_one(model, settings: RecoverySettings | None = None, details: bool = False):
    """:func:`recover` on a single model."""
    res, ext = recover([model], settings, details=True)
    return (res[0], ext[0]) if details else res[0]
