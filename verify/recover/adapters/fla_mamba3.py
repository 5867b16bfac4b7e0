"""flash-linear-attention's ``Mamba3`` layer (SISO and MIMO) as per-token transitions.

fla's ``fla.layers.mamba3.Mamba3`` (a port of ``mamba_ssm.modules.mamba3.Mamba3``) runs only with
mamba_ssm's CUDA kernels; the recurrence they compute is written out in pure torch by mamba_ssm's
reference ``mamba3_siso_step_ref`` (its SISO kernel tests).  Per token, from the layer's input ``u``
(``in_proj`` split as ``[z, x, B, C, dd_dt, dd_A, trap, angles]``), for head ``h`` with ``P = head_dim``
value coordinates and ``N = state_size`` key coordinates:

* ``DT = softplus(dd_dt + dt_bias)`` and ``A = min(-softplus(dd_A), -A_floor)`` per head (both data
  dependent: not ``-exp(A_log)``), ``α = e^{A DT}``;
* ``trap = sigmoid(trap)``, ``β = (1 - trap) DT α``, ``γ = trap DT`` (the trapezoidal mixing of two
  consecutive tokens' writes);
* ``φ = π tanh(angles)``, one angle per rotated pair, shared by every head; the angle state
  ``Θ_t = Θ_{t-1} + DT_t φ_t`` (mod 2π) rotates ``B`` and ``C`` pairwise, ``R(Θ)`` acting on
  coordinates ``(2j, 2j+1)`` for the first ``num_rope_angles`` pairs (``rope_fraction`` 0.5: half of
  ``N``; 1.0: all of it); the other coordinates are not rotated;
* ``k = RMSNorm(B) * B_norm.weight + B_bias[h]`` (B of the head's group, ``n_groups`` groups over the
  heads), ``k̃_t = R(Θ_t) k_t``, ``v = x`` of the head (no activation, no convolution);
* the state ``S`` (``[P, N]``, value first, float32 in the kernels) moves by
  ``S_t = α_t S_{t-1} + β_t v_{t-1} k̃_{t-1}^T + γ_t v_t k̃_t^T`` and the output reads
  ``S_t R(Θ_t) q_t`` (``q`` from ``C`` the same way).

The rotation is carried by ``B`` and ``C``, not by ``S``: in the un-rotated frame
``h'_t = R(Θ_t)^T S_t^T`` (``[N, P]``; the frame in which the output is ``h'^T q_t`` with ``q_t`` of
the token alone) the recurrence is, with ``R_t = R(-DT_t φ_t)``,

    h'_t = α_t R_t h'_{t-1} + β_t R_t k_{t-1} v_{t-1}^T + γ_t k_t v_t^T

so every value column moves by the per-token bilinear transition ``M(x) = α(x) R(-DT(x) φ(x))``
(``N x N``): a rotation of each pair by ``-DT φ`` and a decay, the same for every value column.
This is what the adapter returns by default, for the head chosen by ``head``: the rotation-and-decay
transition, which is what tracks a group.  It has no write and no initial state of its own, so
``h0`` is a seeded random unit vector (as the generic path's linear models).

With ``column`` (a value coordinate ``c``) it returns instead the exact affine model of that column,
the previous token's write carried in the state: on ``(h'[:, c], w)`` with ``w_t = k_t v_t[c]``, the
per-token map ``[[α R, β R], [0, 0]]`` with the additive term ``[γ k v[c]; k v[c]]``, read through
the affine lift ``[[α R, β R, γ b], [0, 0, b], [0, 0, 1]]`` on ``(h', w, 1)`` (``b = k v[c]``), from
the layer's zero state (``2N + 1`` lifted coordinates).

Before fitting, the adapter says what the parameterisation can never do: ``A DT < 0`` strictly, so
every transition shrinks the state by ``e^{A DT} <= e^{-A_floor DT} < 1`` (a finite horizon in
finite precision: the state falls below float32's smallest normal after the number of tokens stated);
the angles are real and every head's transitions are rotations of fixed coordinate pairs times a
scale, so they commute (complex diagonal): no non-abelian group, only abelian ones; coordinates
beyond the rotated pairs only decay.

MIMO layers (``is_mimo``, rank ``r = mimo_rank``; mamba_ssm's ``mamba3_MIMO_step_ref`` for the
recurrence) differ in two ways.  The write is a sum of ``r`` outer products,
``Σ_ρ v_ρ k̃_ρ^T`` with ``v_ρ = x ⊙ mimo_x[h, ρ]`` and ``k_ρ`` from rank ``ρ`` of ``B`` (plus
``B_bias[h, ρ]``), so with a value column the additive term is ``Σ_ρ k_ρ v_ρ[c]``.  And the rotated
pairs are ``(j, j + N/2)`` for ``j < num_rope_angles`` (the kernel-aligned convention of mamba_ssm's
``mamba3_MIMO_chunk_ref``, ``rotate_pairwise=False``, and of fla's decoding step, which passes
``rotate_pairwise = not is_mimo``; ``mamba3_MIMO_step_ref`` itself rotates ``(2j, 2j+1)``, a
permutation of the coordinates that changes no recovered representation).  Input dict (``.pt``):
``{"config": {"layer": "Mamba3", ...constructor arguments}, "state_dict": layer.state_dict(),
"embedding": (D, hidden)}``, or a whole single-layer fla model ``{"config": model.config.to_dict(),
"state_dict": model.state_dict()}`` (``model_type`` ``mamba3``; the layer's input is
``RMSNorm(embedding) * layers.0.norm.weight``, the block's pre-norm; ``tokens`` may list the symbol
ids).

>>> import numpy as np
>>> M = rope_rotations(np.array([[np.pi / 2]]), 4)      # one rotated pair of N = 4: (0, 1)
>>> np.round(M[0], 12)
array([[ 0., -1.,  0.,  0.],
       [ 1.,  0.,  0.,  0.],
       [ 0.,  0.,  1.,  0.],
       [ 0.,  0.,  0.,  1.]])
>>> np.round(rope_rotations(np.array([[np.pi / 2]]), 4, half=True)[0], 12)      # MIMO: the pair (0, 2)
array([[ 0.,  0., -1.,  0.],
       [ 0.,  1.,  0.,  0.],
       [ 1.,  0.,  0.,  0.],
       [ 0.,  0.,  0.,  1.]])
"""

from __future__ import annotations

import numpy as np

from bilinear.theory.errors import expected, shown

from bilinear.verify.recover.adapters.fla import array, chosen_head, layer_input, model_layer_input, need
from bilinear.verify.recover.adapters.generic import random_h0
from bilinear.verify.recover.adapters.mamba3 import rope_rotations
from bilinear.verify.recover.adapters.transitions import Transitions

__all__ = ["is_fla_mamba3_dict", "fla_mamba3_from_file_dict", "fla_mamba3_transitions", "rope_rotations",
           "mamba3_limits", "FLOAT32_TINY_LOG"]

#: ``log`` of float32's smallest normal number (1.18e-38): a state shrunk by more is lost.
FLOAT32_TINY_LOG = float(np.log(np.finfo(np.float32).tiny))

_DEFAULTS = {"state_size": 128, "expand": 2, "head_dim": 64, "n_groups": 1, "rope_fraction": 0.5,
             "A_floor": 1e-4, "is_mimo": False, "mimo_rank": 4, "use_bias": False, "norm_eps": 1e-5}


def _softplus(x):
    return np.logaddexp(0.0, x)


def is_fla_mamba3_dict(data) -> bool:
    """Whether a loaded ``.pt`` dict is an fla ``Mamba3`` layer or single-layer model (module docstring)."""
    return isinstance(data, dict) and isinstance(data.get("config"), dict) and isinstance(data.get("state_dict"), dict) \
        and (data["config"].get("layer") == "Mamba3" or data["config"].get("model_type") == "mamba3")


def mamba3_limits(adt: np.ndarray, A_floor: float, rotated: int, N: int, half: bool = False) -> list[str]:
    """What the parameterisation can never do (module docstring), with the numbers of this head:
    ``adt`` (D,) the log-decays ``A DT`` of the symbols, ``rotated`` pairs of ``N`` coordinates."""
    slowest = float(np.max(adt))                      # closest to 0: the slowest decay
    steps = int(np.ceil(FLOAT32_TINY_LOG / slowest))
    notes = [f"A DT < 0 strictly (A <= -A_floor = -{A_floor:g}, DT = softplus > 0): every transition shrinks the "
             f"state by e^(A DT), at most e^({slowest:.4g}) per token, so the layer cannot track forever: a state "
             f"of norm 1 falls below float32's smallest normal after at most {steps} tokens (finite horizon)",
             f"the angles are real and each transition is a rotation of the same {rotated} coordinate pair(s) times "
             "a scale: the transitions commute (complex diagonal), so no non-abelian group can be tracked, "
             "only abelian ones"]
    if 2 * rotated < N:
        plain = f"{rotated}..{N // 2 - 1} and {N // 2 + rotated}..{N - 1}" if half else f"{2 * rotated}..{N - 1}"
        notes.append(f"coordinates {plain} are not rotated (rope_fraction < 1): they only decay")
    if float(np.ptp(adt)) > 1e-12 * max(1.0, abs(slowest)):
        notes.append(f"the decay A DT differs between symbols (from {float(np.min(adt)):.4g} to {slowest:.4g}): "
                     "not a representation of a finite group exactly (a decay common to every symbol is a scale)")
    return notes


def fla_mamba3_from_file_dict(data: dict, where: str, head: int | None = None, column: int | None = None,
                              seed: int = 0) -> Transitions:
    """:func:`fla_mamba3_transitions` of a file's dict (module docstring: a layer or a whole model)."""
    cfg = dict(data["config"])
    sd = {k: array(v) for k, v in data["state_dict"].items()}
    if cfg.get("model_type") == "mamba3" and cfg.get("layer") is None:
        u, layer_sd, note = model_layer_input(data, sd, cfg, where, "backbone.embeddings.weight",
                                              "backbone.layers.0.norm.weight", "backbone.layers.0.mixer.",
                                              _DEFAULTS["norm_eps"])
    else:
        u, layer_sd, note = layer_input(data, sd, where)
    t = fla_mamba3_transitions(layer_sd, u, cfg, head=head, column=column, where=where, seed=seed)
    t.notes.insert(0, note)
    return t


def fla_mamba3_transitions(sd: dict, u: np.ndarray, cfg: dict, head: int | None = None, column: int | None = None,
                           where: str = "fla Mamba3", seed: int = 0) -> Transitions:
    """Per-symbol transitions of one head of an fla ``Mamba3`` layer (module docstring); ``u`` (D, hidden)
    is the layer's input for each symbol, ``sd`` its state_dict (arrays), ``cfg`` its arguments."""
    c = {**_DEFAULTS, **{k: v for k, v in cfg.items() if v is not None}}
    mimo = bool(c["is_mimo"])
    r = int(c["mimo_rank"]) if mimo else 1
    if r < 1:
        raise expected(f"{where}: config.mimo_rank", "an integer >= 1", r)
    W = need(sd, "in_proj.weight", where)
    u = np.asarray(u, dtype=np.float64)
    if u.ndim != 2 or u.shape[1] != W.shape[1]:
        raise expected(f"{where}: embedding", f"shape (D, {W.shape[1]}) (one row of the layer's hidden size per symbol)",
                       shown(f"shape {u.shape}"))
    N, P, G = int(c["state_size"]), int(c["head_dim"]), int(c["n_groups"])
    inner = int(c["expand"] * W.shape[1])
    if c["rope_fraction"] not in (0.5, 1.0):
        raise expected(f"{where}: config.rope_fraction", "0.5 or 1.0 (fla's choices)", c["rope_fraction"])
    if P < 1 or inner % P:
        raise expected(f"{where}: config.head_dim", f"a divisor of expand x hidden_size = {inner}", P)
    H = inner // P
    if G < 1 or H % G:
        raise expected(f"{where}: config.n_groups", f"a divisor of the number of heads {H}", G)
    split = int(N * c["rope_fraction"])
    split -= split % 2
    R = split // 2                                     # rotated pairs: fla's num_rope_angles
    sizes = [inner, inner, N * G * r, N * G * r, H, H, H, R]
    if W.shape[0] != sum(sizes):
        raise expected(f"{where}: in_proj.weight", f"{sum(sizes)} rows ([z, x, B, C, dd_dt, dd_A, trap, angles] for "
                                                   f"hidden {W.shape[1]}, state_size {N}, {H} heads, n_groups {G}"
                                                   + (f", mimo_rank {r})" if mimo else ")"),
                       shown(f"{W.shape[0]}"))
    h = chosen_head(head, H)
    bias = sd.get("in_proj.bias")
    if (bias is not None) != bool(c["use_bias"]):
        raise expected(f"{where}: in_proj.bias", f"present exactly when config.use_bias (= {bool(c['use_bias'])})",
                       shown("present" if bias is not None else "absent"))
    proj = u @ W.T + (0.0 if bias is None else bias[None])
    _, x, B, _, dd_dt, dd_A, trap, angles = np.split(proj, np.cumsum(sizes)[:-1], axis=1)
    g = h // (H // G)                                  # the group of B this head reads
    Bg = B.reshape(-1, r, G, N)[:, :, g]                # (D, r, N): B is laid out (r g n)
    eps = float(c["norm_eps"])
    k = Bg / np.sqrt(np.mean(Bg ** 2, axis=2, keepdims=True) + eps) * need(sd, "B_norm.weight", where)[None, None] \
        + need(sd, "B_bias", where).reshape(H, r, N)[h][None]
    v = np.repeat(x[:, None, h * P:(h + 1) * P], r, axis=1)                  # (D, r, P)
    if mimo:
        v = v * need(sd, "mimo_x", where).reshape(H, r, P)[h][None]
    DT = _softplus(dd_dt[:, h] + need(sd, "dt_bias", where)[h])
    A_floor = float(c["A_floor"])
    A = np.minimum(-_softplus(dd_A[:, h]), -A_floor)
    adt = A * DT
    alpha = np.exp(adt)
    tr = 0.5 * (1.0 + np.tanh(0.5 * trap[:, h]))        # sigmoid, without overflow
    beta, gamma = (1.0 - tr) * DT * alpha, tr * DT
    phi = np.pi * np.tanh(angles)                      # (D, R), shared by the heads
    rot = rope_rotations(-DT[:, None] * phi, N, half=mimo)
    M = alpha[:, None, None] * rot
    kind, pairs = (f"MIMO rank {r}", "(j, j + N/2)") if mimo else ("SISO", "(2j, 2j+1)")
    notes = [f"fla Mamba3 ({kind}), head {h} of {H} (group {g} of B), N = {N}, head_dim = {P}, {R} rotated pair(s) "
             f"{pairs} (rope_fraction {c['rope_fraction']}); un-rotated frame h' = R(Theta)^T S^T: "
             "M(x) = exp(A DT) R(-DT pi tanh(angles)) per token"]
    notes.extend(mamba3_limits(adt, A_floor, R, N, half=mimo))
    if column is None:
        notes.append("the rotation and decay only (the write is not read; --value-column reads one value column "
                     "exactly, with the trapezoidal write)")
        return Transitions(A=M, h0=random_h0(N, seed), notes=notes, where=where,
                           h0_note="h0: a seeded random unit vector (the rotation and decay alone start nowhere: "
                                   "fla's state starts at zero and moves by the writes)")
    if not 0 <= column < P:
        raise expected("--value-column", f"an integer in [0, {P - 1}]", column)
    D = u.shape[0]
    b = np.einsum("drn,dr->dn", k, v[:, :, column])   # (D, N): the write sum_rho k_rho v_rho[c] of each symbol
    L = np.zeros((D, 2 * N, 2 * N))
    L[:, :N, :N] = M
    L[:, :N, N:] = beta[:, None, None] * rot
    notes.append(f"value column {column}: the exact affine model on (h'[:, {column}], w) with w the previous token's "
                 "write k v[c]" + (" (summed over the ranks)" if mimo else "") + ": [[a R, b R], [0, 0]] plus "
                 "[g k v[c]; k v[c]] (a = exp(A DT), b = (1 - trap) DT a, g = trap DT)")
    return Transitions(A=L, b=np.concatenate([gamma[:, None] * b, b], axis=1), h0=np.zeros(2 * N), notes=notes,
                       where=where, h0_note="h0: the zero state (fla's state, and no previous write)")
