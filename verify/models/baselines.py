"""Baselines (docs/design.md §9): an LSTM, a Mamba-like selective SSM and a small causal Transformer.

Every model maps token ids (N, L) to per-token logits (N, L, K), like the bilinear models.  Inputs
are one-hot (``embedding=None``) or a learned embedding.  Parameters are initialised from the
global torch RNG; :func:`bilinear.verify.models.registry.make_model` seeds it (inside ``torch.random.fork_rng``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["LSTMModel", "MambaLike", "SelectiveSSMBlock", "CausalTransformer", "BASELINES"]


class _Inputs(nn.Module):
    """One-hot (``embedding=None``) or learned embedding of the tokens."""

    def __init__(self, vocab_size: int, embedding: int | None):
        super().__init__()
        self.vocab_size = vocab_size
        self.dim = vocab_size if embedding is None else int(embedding)
        self.embed = None if embedding is None else nn.Embedding(vocab_size, self.dim)

    def forward(self, tokens: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """One-hot vectors in ``dtype`` (the model's parameter dtype: a model read back in float64 gets
        float64 inputs), or the embedding."""
        if self.embed is None:
            return F.one_hot(tokens, self.vocab_size).to(dtype)
        return self.embed(tokens)


class LSTMModel(nn.Module):
    """``torch.nn.LSTM`` (``layers`` layers, hidden size H) and a linear readout."""

    level = "lstm"

    def __init__(self, vocab_size: int, num_classes: int, hidden: int, *, embedding: int | None = None,
                 layers: int = 1):
        super().__init__()
        self.inp = _Inputs(vocab_size, embedding)
        self.lstm = nn.LSTM(self.inp.dim, hidden, num_layers=layers, batch_first=True)
        self.readout = nn.Linear(hidden, num_classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.inp(tokens.long(), self.readout.weight.dtype))
        return self.readout(out)


class SelectiveSSMBlock(nn.Module):
    """One Mamba-like block (pre-norm residual): ``in_proj -> (u, z)``; a causal depthwise
    convolution (kernel 4) and SiLU on ``u``; the selective scan; gating by ``SiLU(z)``; ``out_proj``.

    Selective scan (Mamba's S6, diagonal, real), per channel ``c`` and state index ``n``::

        delta_t = softplus(dt_proj(u_t))                   input-dependent step size > 0
        a_t     = exp(-delta_t * exp(A_log))               decay in (0, 1), input dependent
        s_t     = a_t * s_{t-1} + delta_t * B(u_t) * u_t   additive input term
        y_t     = <C(u_t), s_t> + D * u_t
    """

    def __init__(self, d_model: int, d_state: int = 16, expand: int = 2, conv: int = 4):
        super().__init__()
        d_inner = expand * d_model
        self.d_inner, self.d_state = d_inner, d_state
        self.norm = nn.LayerNorm(d_model)
        self.in_proj = nn.Linear(d_model, 2 * d_inner)
        self.conv = nn.Conv1d(d_inner, d_inner, conv, groups=d_inner, padding=conv - 1)
        self.x_proj = nn.Linear(d_inner, 2 * d_state)
        self.dt_proj = nn.Linear(d_inner, d_inner)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, d_state + 1, dtype=torch.float32)).repeat(d_inner, 1))
        self.D = nn.Parameter(torch.ones(d_inner))
        self.out_proj = nn.Linear(d_inner, d_model)
        with torch.no_grad():           # Mamba's dt init: softplus(bias) in [1e-3, 1e-1]
            dt = torch.exp(torch.rand(d_inner) * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3))
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, length, _ = x.shape
        u, z = self.in_proj(self.norm(x)).chunk(2, dim=-1)
        u = F.silu(self.conv(u.transpose(1, 2))[..., :length].transpose(1, 2))
        Bc, Cc = self.x_proj(u).chunk(2, dim=-1)                         # (N, L, S) each
        delta = F.softplus(self.dt_proj(u))                              # (N, L, C)
        A = self.A_log.exp()                                             # (C, S), positive
        s = x.new_zeros(n, self.d_inner, self.d_state)
        ys = []
        for t in range(length):     # per step, so memory stays O(N C S) at long test lengths
            decay = torch.exp(-delta[:, t].unsqueeze(-1) * A)            # (N, C, S) in (0, 1)
            s = decay * s + (delta[:, t] * u[:, t]).unsqueeze(-1) * Bc[:, t].unsqueeze(1)
            ys.append((s * Cc[:, t].unsqueeze(1)).sum(-1))
        y = torch.stack(ys, dim=1) + self.D * u
        return x + self.out_proj(y * F.silu(z))


class MambaLike(nn.Module):
    """A Mamba-like positive-diagonal selective SSM in plain torch (not the official kernels).

    What it keeps from Mamba (Gu & Dao 2023): the diagonal state transition is input dependent and
    positive, every entry ``exp(-delta(x) exp(A_log))`` in (0, 1); the input enters additively
    (``delta B(x) u``); the output is read by an input-dependent ``C(x)`` plus a skip ``D u`` and gated
    by ``SiLU(z)``; a short causal depthwise convolution before the scan; pre-norm residual blocks.
    What it drops: the hardware-aware parallel scan (a sequential loop here), complex A, weight
    tying details.  ``layers`` blocks of width ``hidden`` (inner width ``expand * hidden``), a final
    LayerNorm and a linear readout.
    """

    level = "mamba"

    def __init__(self, vocab_size: int, num_classes: int, hidden: int, *, embedding: int | None = None,
                 layers: int = 1, d_state: int = 16, expand: int = 2):
        super().__init__()
        self.inp = _Inputs(vocab_size, embedding)
        self.proj = nn.Linear(self.inp.dim, hidden)
        self.blocks = nn.ModuleList(SelectiveSSMBlock(hidden, d_state, expand) for _ in range(layers))
        self.norm = nn.LayerNorm(hidden)
        self.readout = nn.Linear(hidden, num_classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.proj(self.inp(tokens.long(), self.proj.weight.dtype))
        for block in self.blocks:
            x = block(x)
        return self.readout(self.norm(x))


def sinusoidal_positions(length: int, dim: int, device=None) -> torch.Tensor:
    """The fixed sin/cos position code of Vaswani et al., defined for any length."""
    pos = torch.arange(length, device=device, dtype=torch.float32).unsqueeze(1)
    freq = torch.exp(torch.arange(0, dim, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / dim))
    pe = torch.zeros(length, dim, device=device)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq[: dim // 2])
    return pe


class _Block(nn.Module):
    def __init__(self, d: int, heads: int):
        super().__init__()
        self.heads = heads
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, length, d = x.shape
        q, k, v = self.qkv(self.n1(x)).reshape(n, length, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.o(a.transpose(1, 2).reshape(n, length, d))
        return x + self.mlp(self.n2(x))


class CausalTransformer(nn.Module):
    """A small pre-norm causal Transformer: ``layers`` blocks of ``heads``-head causal self-attention
    and a 4x MLP, width ``hidden``, sinusoidal positions (so any test length can be fed), a final
    LayerNorm and a linear readout."""

    level = "transformer"

    def __init__(self, vocab_size: int, num_classes: int, hidden: int, *, embedding: int | None = None,
                 layers: int = 2, heads: int = 4):
        super().__init__()
        self.inp = _Inputs(vocab_size, embedding)
        self.proj = nn.Linear(self.inp.dim, hidden)
        self.hidden = hidden
        self.blocks = nn.ModuleList(_Block(hidden, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(hidden)
        self.readout = nn.Linear(hidden, num_classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        tokens = tokens.long()
        x = self.proj(self.inp(tokens, self.proj.weight.dtype)) + sinusoidal_positions(tokens.shape[1], self.hidden, tokens.device)
        for block in self.blocks:
            x = block(x)
        return self.readout(self.norm(x))


BASELINES = {"lstm": LSTMModel, "mamba": MambaLike, "transformer": CausalTransformer}
