"""flash-linear-attention layers (DeltaNet, Gated DeltaNet, Gated DeltaProduct) as per-token transitions.

The source's recurrence (``fla/ops/gated_delta_product/naive.py``; DeltaNet is ``n_h = 1``, ``g = 0``;
Gated DeltaNet is ``n_h = 1``), per head, with the matrix state ``S`` stored ``[K, V]`` (key index
first) as in fla's naive recurrences::

    S <- e^{g} S;   for j = 0 .. n_h-1:   S <- S + β_j k_j (v_j - k_j^T S)^T  =  (I - β_j k_j k_j^T) S + β_j k_j v_j^T

Every value column of ``S`` follows the same ``K x K`` transition, so with ``M(x) = (I - β_{n-1} k k^T)
... (I - β_0 k k^T) e^{g}`` and the write ``W(x) = Σ_j (∏_{i>j} (I - β_i k_i k_i^T)) β_j k_j v_j^T``, the
flattened state ``vec(S)`` (row-major, index ``k V + v``) moves by ``A(x) = M(x) ⊗ I_V`` and the additive
term ``b(x) = vec W(x)``: an affine model, read through the affine lift.  With ``column`` only one
value column is kept (``A = M``, ``b = W[:, column]``): ``K + 1`` lifted coordinates instead of
``K V + 1``.  fla's fused Gated DeltaNet layer keeps its cache as ``[V, K]``; the transitions are the
same up to that permutation of coordinates.

Per token ``x`` the layer's input is the embedding row ``E[x]`` (with a whole model's checkpoint,
``RMSNorm(E[x])`` times ``attn_norm.weight``, as the block feeds its layer), and, as in the layer's
``forward``:

* ``k = L2-normalise(act(W_k u))`` per head (``act`` = SiLU, or the layer's ``qk_activation``; the
  kernels' ``use_qk_l2norm_in_kernel``), ``v = SiLU(W_v u)``;
* ``β = σ(W_b u)``, times 2 when ``allow_neg_eigval`` (fla's default: False for DeltaNet and Gated
  DeltaNet, True for Gated DeltaProduct); DeltaNet with ``use_beta = False`` has ``β = 1``;
* ``g = -exp(A_log) softplus(W_a u + dt_bias)`` (gated layers).

Gated DeltaNet/Product with ``num_v_heads > num_heads`` repeat each key head for
``num_v_heads / num_heads`` consecutive value heads; ``head`` counts value heads.

The short convolution (``use_short_conv``, fla's default) makes ``k``, ``v`` of a token depend on the
previous ``conv_size - 1`` tokens, so there is no transition per symbol: such a layer is refused
with a message saying so (retrain with ``use_short_conv=False``, or export the transitions of
the windows yourself through the generic path).  The limits of the β parameterisation are stated
before fitting (:func:`~bilinear.verify.recover.adapters.householder.limits`).

Input dict (``.pt``): ``{"config": {...}, "state_dict": {...}, "embedding": (D, hidden)}`` with the
layer's ``state_dict`` and its constructor arguments (``"layer"``: ``DeltaNet``, ``GatedDeltaNet`` or
``GatedDeltaProduct``, ``num_heads``, ...), or a whole single-layer fla model:
``{"config": model.config.to_dict(), "state_dict": model.state_dict()}`` (``model_type`` ``delta_net``,
``gated_deltanet``, ``gated_deltaproduct``; the embedding is ``model.embeddings.weight`` and every
vocabulary entry is a symbol unless ``tokens`` lists the symbol ids).  An ``initial_state``
(``1 x heads x K x V``, fla's argument) beside them is the initial state; else the zero state.
"""

from __future__ import annotations

import numpy as np

from bilinear.theory.errors import InputError, expected, shown

from bilinear.verify.recover.adapters.householder import limits
from bilinear.verify.recover.adapters.transitions import Transitions

__all__ = ["fla_transitions", "fla_from_file_dict", "is_fla_dict", "LAYERS"]

LAYERS = {"DeltaNet": "DeltaNet", "delta_net": "DeltaNet", "GatedDeltaNet": "GatedDeltaNet",
          "gated_deltanet": "GatedDeltaNet", "GatedDeltaProduct": "GatedDeltaProduct",
          "gated_deltaproduct": "GatedDeltaProduct"}
_DEFAULT_NEG = {"DeltaNet": False, "GatedDeltaNet": False, "GatedDeltaProduct": True}


def _silu(x):
    return x / (1.0 + np.exp(-x))


def _act(name: str, x):
    if name == "silu":
        return _silu(x)
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "elu":                     # fla's elu_p1
        return np.where(x > 0, x, np.expm1(x)) + 1.0
    if name == "identity":
        return x
    raise expected("config.qk_activation", "silu, relu, elu or identity", name)


def array(x) -> np.ndarray:
    """A tensor or array as a float64 numpy array."""
    return np.asarray(x.detach().cpu().double().numpy() if hasattr(x, "detach") else x, dtype=np.float64)


def is_fla_dict(data) -> bool:
    """Whether a loaded ``.pt`` dict is an fla layer or model (module docstring)."""
    return isinstance(data, dict) and isinstance(data.get("config"), dict) and isinstance(data.get("state_dict"), dict) \
        and (data["config"].get("layer") in LAYERS or data["config"].get("model_type") in LAYERS)


def fla_from_file_dict(data: dict, where: str, head: int | None = None, column: int | None = None) -> Transitions:
    """:func:`fla_transitions` of a file's dict (module docstring: a layer or a whole model)."""
    cfg = dict(data["config"])
    sd = {k: array(v) for k, v in data["state_dict"].items()}
    if "model_type" in cfg and "layer" not in cfg:
        cfg["layer"] = LAYERS[cfg["model_type"]]
        if cfg.get("attn") is not None:
            raise InputError(f"{where}: config.attn: a hybrid model with attention layers has no per-token transition")
        u, layer_sd, note = model_layer_input(data, sd, cfg, where, "model.embeddings.weight",
                                              "model.layers.0.attn_norm.weight", "model.layers.0.attn.", 1e-6)
    else:
        u, layer_sd, note = layer_input(data, sd, where)
    t = fla_transitions(layer_sd, u, cfg, head=head, column=column, where=where)
    t.notes.insert(0, note)
    if data.get("initial_state") is not None:                # [B=1, heads, K, V], fla's initial_state
        S0 = array(data["initial_state"])
        h = 0 if head is None else head
        if S0.ndim != 4 or S0.shape[0] != 1 or h >= S0.shape[1]:
            raise expected(f"{where}: initial_state", "shape (1, heads, K, V)", shown(f"shape {S0.shape}"))
        S = S0[0, h]
        h0 = S.reshape(-1) if column is None else S[:, column]
        size = t.A.shape[1]
        if h0.shape != (size,):
            raise expected(f"{where}: initial_state", f"a state of {size} entries for head {h}",
                           shown(f"shape {S0.shape}"))
        t = Transitions(A=t.A, b=t.b, h0=h0, h0_note="h0: the file's initial_state", notes=t.notes, where=where)
    return t


def model_layer_input(data: dict, sd: dict, cfg: dict, where: str, embedding: str, norm: str, prefix: str,
                      eps: float) -> tuple[np.ndarray, dict, str]:
    """``(u, layer state_dict, note)`` of a whole single-layer fla model's checkpoint: the layer's input
    for each symbol is RMSNorm(embedding row) times the block's pre-norm weight (keys ``embedding`` and
    ``norm``; ``config.norm_eps``, default ``eps``), the layer's parameters those under ``prefix``; the
    rows of ``data['tokens']`` when given.  Refused unless the model has one layer and both keys."""
    if int(cfg.get("num_hidden_layers", 1)) != 1:
        raise expected(f"{where}: config.num_hidden_layers", "1 (recovery reads single-layer models)",
                       cfg.get("num_hidden_layers"))
    emb, weight = sd.get(embedding), sd.get(norm)
    if emb is None or weight is None:
        raise InputError(f"{where}: expected {embedding} and {norm} in the state_dict of a whole fla model")
    tokens = data.get("tokens")
    if tokens is not None:
        emb = emb[np.asarray(tokens, dtype=np.int64)]
    e = float(cfg.get("norm_eps", eps))
    u = emb / np.sqrt(np.mean(emb ** 2, axis=1, keepdims=True) + e) * weight[None]
    layer_sd = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
    return u, layer_sd, f"input of the layer: RMSNorm(embedding) * {norm.split('.')[-2]}.weight (the block's pre-norm)"


def layer_input(data: dict, sd: dict, where: str) -> tuple[np.ndarray, dict, str]:
    """``(u, state_dict, note)`` of a layer's file: its ``embedding`` rows are the layer's input."""
    if "embedding" not in data:
        raise InputError(f"{where}: expected 'embedding' (D x hidden: one row per symbol) beside the layer's "
                         "state_dict and config")
    return array(data["embedding"]), sd, "input of the layer: the embedding rows"


def chosen_head(head: int | None, heads: int) -> int:
    """The head ``--head`` names (0 when the layer has one and none is named), refused outside
    ``[0, heads)`` or when a layer of several heads is given none."""
    h = 0 if head is None and heads == 1 else head
    if h is None:
        raise expected("--head", f"the head to read (the layer has {heads})", shown("nothing"))
    if not 0 <= h < heads:
        raise expected("--head", f"an integer in [0, {heads - 1}]", h)
    return h


def need(sd: dict, key: str, where: str, what: str = "the layer's") -> np.ndarray:
    """``sd[key]``, refused in one line when the state_dict lacks it."""
    if key not in sd:
        raise expected(f"{where}: state_dict", f"{what} {key}", shown(f"keys {sorted(sd)[:8]}"))
    return sd[key]


def fla_transitions(sd: dict, u: np.ndarray, cfg: dict, head: int | None = None, column: int | None = None,
                    where: str = "fla") -> Transitions:
    """Per-symbol transitions of one head of an fla layer (module docstring); ``u`` (D, hidden) is the
    layer's input for each symbol, ``sd`` the layer's state_dict (arrays), ``cfg`` its arguments."""
    layer = LAYERS.get(str(cfg.get("layer")))
    if layer is None:
        raise expected(f"{where}: config.layer", "DeltaNet, GatedDeltaNet or GatedDeltaProduct", cfg.get("layer"))
    if cfg.get("use_short_conv", True) or any("conv1d" in k for k in sd):
        raise InputError(f"{where}: the layer uses a short convolution (use_short_conv): k and v of a token depend on "
                         f"the previous {int(cfg.get('conv_size', 4)) - 1} tokens, so there is no transition per symbol; "
                         "recovery needs use_short_conv=False (or export the transitions per window as A)")
    u = np.asarray(u, dtype=np.float64)
    if u.ndim != 2:
        raise expected(f"{where}: embedding", "shape (D, hidden)", shown(f"shape {u.shape}"))
    Wk, Wv, Wb = need(sd, "k_proj.weight", where), need(sd, "v_proj.weight", where), sd.get("b_proj.weight")
    if Wk.shape[1] != u.shape[1]:
        raise expected(f"{where}: embedding", f"rows of length {Wk.shape[1]} (the layer's hidden size)",
                       shown(f"shape {u.shape}"))
    n = int(cfg.get("num_householder", 2)) if layer == "GatedDeltaProduct" else 1
    heads = int(cfg.get("num_heads", 0)) or None
    if heads is None:
        raise InputError(f"{where}: expected config.num_heads")
    v_heads = int(cfg.get("num_v_heads") or heads) if layer != "DeltaNet" else heads
    K = Wk.shape[0] // (n * heads)
    V = Wv.shape[0] // (n * v_heads)
    if K * n * heads != Wk.shape[0] or V * n * v_heads != Wv.shape[0]:
        raise expected(f"{where}: k_proj/v_proj", f"rows divisible by num_householder x heads = {n} x {heads}/{v_heads}",
                       shown(f"{Wk.shape[0]}, {Wv.shape[0]}"))
    h = chosen_head(head, v_heads)
    hk = h // (v_heads // heads)                        # the key head repeated for value head h
    D = u.shape[0]
    act = cfg.get("qk_activation", "silu") if layer == "DeltaNet" else "silu"
    if layer == "DeltaNet" and cfg.get("qk_norm", "l2") != "l2":
        raise expected(f"{where}: config.qk_norm", "l2 (unit keys; 'sum' is not read)", cfg.get("qk_norm"))
    kk = _act(act, u @ Wk.T).reshape(D, n, heads, K)[:, :, hk]              # (D, n, K)
    norms = np.sqrt((kk ** 2).sum(-1, keepdims=True) + 1e-6)              # fla's in-kernel l2norm (eps 1e-6)
    kh = kk / norms
    vv = _silu(u @ Wv.T).reshape(D, n, v_heads, V)[:, :, h]                 # (D, n, V)
    neg = bool(cfg.get("allow_neg_eigval", _DEFAULT_NEG[layer]))
    if layer == "DeltaNet" and not cfg.get("use_beta", True):
        beta = np.ones((D, n))
    else:
        if Wb is None:
            raise InputError(f"{where}: expected b_proj.weight in the layer's state_dict")
        beta = 1.0 / (1.0 + np.exp(-(u @ Wb.T))).reshape(D, n, v_heads)[:, :, h]
    beta = beta * (2.0 if neg else 1.0)
    gated = layer == "GatedDeltaNet" or (layer == "GatedDeltaProduct" and cfg.get("use_forget_gate", True))
    g = np.zeros(D)
    if gated:
        a = u @ need(sd, "a_proj.weight", where).T                         # (D, v_heads)
        A_log, dt_bias = need(sd, "A_log", where), need(sd, "dt_bias", where)
        g = -np.exp(A_log[h]) * np.logaddexp(0.0, a[:, h] + dt_bias[h])
    M = np.broadcast_to(np.eye(K), (D, K, K)) * np.exp(g)[:, None, None]
    W = np.zeros((D, K, V))
    for j in range(n):
        F = np.eye(K)[None] - beta[:, j, None, None] * np.einsum("di,dj->dij", kh[:, j], kh[:, j])
        M = F @ M
        W = F @ W + beta[:, j, None, None] * np.einsum("di,dv->div", kh[:, j], vv[:, j])
    notes = [f"fla {layer}, head {h} of {v_heads} (key head {hk}), K = {K}, V = {V}, n_h = {n}, "
             f"allow_neg_eigval = {neg} (beta = {'2 ' if neg else ''}sigmoid), gate {'on' if gated else 'off'}"]
    notes.extend(limits(beta, n))
    if column is None:
        A = np.einsum("dij,vw->divjw", M, np.eye(V)).reshape(D, K * V, K * V)
        b = W.reshape(D, K * V)
        notes.append("state S [K, V] flattened row-major (index k*V + v): A = M kron I_V, b = vec(beta k v^T)")
    else:
        if not 0 <= column < V:
            raise expected("--value-column", f"an integer in [0, {V - 1}]", column)
        A, b = M, W[:, :, column]
        notes.append(f"value column {column} of S only: A = M (K x K), b = beta k v[{column}]")
    return Transitions(A=A, b=b, h0=np.zeros(A.shape[1]), h0_note="h0: the zero state (fla's default initial_state)",
                       notes=notes, where=where)
