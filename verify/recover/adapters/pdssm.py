"""PD-SSM (IBM, "expressive sparse state-space model") as per-token complex transitions.

The source's transition is a one-hot matrix ``P(x)`` times a complex diagonal ``D(x)`` plus an input
term; its two official codebases use *transposed* conventions, both read here:

* **PyTorch** (``state_tracking_PyTorch/models/pdssm.py``, ``PD_Block``): ``M = Σ_k softmax(S u)_k
  A_dict[:, :, k]``, ``P[m, n] = 1`` for ``n = argmax_n M[m, n]`` (a row-wise one-hot: softmax over
  the last axis), ``D = sigmoid(MLP_mag(u)) · exp(2πi sigmoid(MLP_phase(u)))`` (each MLP: Linear,
  GELU, Linear, Sigmoid), and ``h_t = diag(D) P h_{t-1} + B u`` with ``B = B_re + i B_im``, so
  ``h_t[m] = D[m] h_{t-1}[π(m)] + (B u)[m]``; the first state is ``h_0 = e_0`` (the code's
  ``hidden_state[:, 0] = 1``).
* **JAX** (``time_series_JAX/models/PDSSM.py``, ``PDSSMLayer``): ``M = Σ_k softmax(P_selector u)_k
  P_dict[k]``, the *column-wise* softmax and ``p[n] = argmax_m M[m, n]`` (a column one-hot),
  ``D = sigmoid(W1_mag u + b1_mag) · exp(2πi sigmoid(W1_pha u + b1_pha))`` (``W2_*``, ``b2_*`` are
  unused by ``__call__``), and the associative scan computes ``h_t = P diag(D) h_{t-1} + B u``,
  ``h_t[p[n]] += D[n] h_{t-1}[n]``, from ``h_{-1} = 0`` (the zero state).

The argmax of a row-wise (PyTorch) one-hot need not be a permutation: two rows may pick the same
column, and ``P`` is then singular (recovery names such symbols).  The transitions are complex
(``N`` complex coordinates, realified to ``2N``) and affine (lifted).  Inputs per symbol: the
embedding row ``u = E[x]`` (``embedding`` in the file, or ``embedding.weight`` of a whole ``PD``
model with one block).

>>> import numpy as np
>>> P = one_hot_rows(np.array([[[0.0, 2.0], [3.0, 1.0]]]))
>>> P[0]
array([[0., 1.],
       [1., 0.]])
"""

from __future__ import annotations

import math

import numpy as np
import torch

from bilinear.theory.errors import InputError, expected, shown

from bilinear.verify.recover.adapters.transitions import Transitions

__all__ = ["pdssm_transitions", "is_pdssm_dict", "one_hot_rows", "CONVENTIONS"]

CONVENTIONS = ("pytorch", "jax")
_TORCH_KEYS = ("A_dict", "S.weight", "B_re", "B_im")
_JAX_KEYS = ("P_dict", "P_selector", "W1_mag", "b1_mag", "W1_pha", "b1_pha", "B_re", "B_im")


def _array(x) -> np.ndarray:
    return np.asarray(x.detach().cpu().double().numpy() if hasattr(x, "detach") else x, dtype=np.float64)


def _strip(data: dict) -> tuple[dict, str]:
    """The block's own keys: a whole ``PD`` model (``blocks.0.``) or the block itself."""
    keys = set(data)
    if any(k.startswith("blocks.1.") for k in keys):
        raise InputError("PD-SSM: the model has more than one block (blocks.1.*): recovery reads single-layer models")
    if any(k.startswith("blocks.0.") for k in keys):
        return {k[len("blocks.0."):]: v for k, v in data.items() if k.startswith("blocks.0.")}, "whole PD model, block 0"
    return data, "PD-SSM block"


def is_pdssm_dict(data) -> str | None:
    """``"pytorch"``, ``"jax"`` or None: which PD-SSM convention a file's dict holds."""
    if not isinstance(data, dict):
        return None
    block, _ = _strip(data)
    if all(k in block for k in _TORCH_KEYS):
        return "pytorch"
    if all(k in block for k in _JAX_KEYS):
        return "jax"
    return None


def one_hot_rows(M: np.ndarray) -> np.ndarray:
    """``P[.., m, argmax_n M[.., m, n]] = 1`` (the PyTorch code's row-wise one-hot)."""
    idx = np.argmax(M, axis=-1)
    return (np.arange(M.shape[-1]) == idx[..., None]).astype(np.float64)


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _mlp(block: dict, name: str, u: np.ndarray) -> np.ndarray:
    t = torch.as_tensor(u @ block[f"{name}.0.weight"].T + block[f"{name}.0.bias"])
    hid = torch.nn.functional.gelu(t).numpy()                   # nn.GELU(): the exact (erf) form
    return _sigmoid(hid @ block[f"{name}.2.weight"].T + block[f"{name}.2.bias"])


def pdssm_transitions(data: dict, where: str = "PD-SSM", convention: str | None = None) -> Transitions:
    """Per-symbol transitions of a PD-SSM layer (module docstring) from a file's dict of arrays."""
    found = is_pdssm_dict(data)
    convention = convention or found
    if convention not in CONVENTIONS:
        raise expected(f"{where}: PD-SSM convention", f"the keys of the PyTorch block {_TORCH_KEYS} or of the JAX "
                                                      f"layer {_JAX_KEYS}", shown(f"keys {sorted(data)[:10]}"))
    block, what = _strip(data)
    block = {k: _array(v) for k, v in block.items()}
    emb = data.get("embedding", data.get("embedding.weight"))
    if emb is None:
        raise InputError(f"{where}: expected 'embedding' (D x embed: one row per symbol) beside the PD-SSM weights")
    u = _array(emb)
    B = block["B_re"] + 1j * block["B_im"]
    if u.ndim != 2 or u.shape[1] != B.shape[1]:
        raise expected(f"{where}: embedding", f"shape (D, {B.shape[1]})", shown(f"shape {u.shape}"))
    N = B.shape[0]
    if convention == "pytorch":
        sel = _softmax(u @ block["S.weight"].T, axis=1)                          # (D, K)
        M = np.einsum("mnk,dk->dmn", block["A_dict"], sel)
        P = one_hot_rows(M)
        mag, phase = _mlp(block, "D_magnitude_generator", u), _mlp(block, "D_phase_generator", u)
        Dg = mag * np.exp(2j * math.pi * phase)
        A = Dg[:, :, None] * P                                                   # diag(D) P
        h0, h0_note = np.eye(N, dtype=np.complex128)[0], "h0 = e_0 (the PyTorch code's own initial state)"
        conv = "PyTorch convention: A = diag(D) P, P one-hot per row (argmax over columns); h_t = A h_(t-1) + B u"
    else:
        sel = _softmax(u @ block["P_selector"].T, axis=1)
        M = np.einsum("kmn,dk->dmn", block["P_dict"], sel)
        idx = np.argmax(M, axis=-2)                                              # (D, N): row of each column
        P = (np.arange(N)[None, :, None] == idx[:, None, :]).astype(np.float64)
        mag = _sigmoid(u @ block["W1_mag"].T + block["b1_mag"])
        phase = _sigmoid(u @ block["W1_pha"].T + block["b1_pha"])
        Dg = mag * np.exp(2j * math.pi * phase)
        A = P * Dg[:, None, :]                                                   # P diag(D)
        h0, h0_note = np.zeros(N, dtype=np.complex128), "h0: the zero state (the JAX scan starts from 0)"
        conv = "JAX convention: A = P diag(D), P one-hot per column (argmax over rows); h_t = A h_(t-1) + B u"
    b = u @ B.T
    notes = [f"{what}: {conv}; N = {N} complex coordinates, dictionary of {sel.shape[1]} matrices",
             f"magnitudes are sigmoids (here in [{float(mag.min()):.4g}, {float(mag.max()):.4g}]): every transition "
             "is a contraction; exact tracking needs them at 1 (below 1 the state decays: a finite horizon)"]
    return Transitions(A=A, b=b, h0=h0, h0_note=h0_note, notes=notes, where=where)
