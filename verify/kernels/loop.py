"""One step per token, every layout (docs/design.md §9): :class:`Steps` holds the per-step operands of
a span of steps — gathered once from the table (one-hot input) or mixed from the embedded inputs —
and applies ``A_t`` (:meth:`Steps.step`) and ``A_t^T`` (:meth:`Steps.adjoint`); :func:`run` is the
forward recurrence over spans, :func:`backward` the adjoint recurrence of the fused training node.

A product of ``H x H`` matrices costs ``H^3`` against ``H^2`` for a matrix-vector product, so on a
CPU a parallel prefix over the matrices is slower than the steps it replaces; each step is made
lean instead: DENSE with one-hot input groups the batch by symbol, so that a step is one batched
product ``A_k h`` over the rows holding symbol ``k`` (``H^2`` per row, not ``D H^2``); BLOCKS and
PAIRS (as ``2 x 2`` blocks) one ``bmm`` of the gathered blocks; DIAGONAL one product; CP three.

Backward: the adjoint recurrence ``G_{t-1} = g_{t-1} + A_t^T dy_t`` with ``dy_t = (G_t - x_t(<x_t,
G_t> - c_t)) / s_t`` when normalising (``c_t = l_t``) and ``dy_t = G_t + c_t y_t / s_t^2``
otherwise (``c_t = l_t - l_{t+1}``); the table's gradient ``sum_t dy_t x_{t-1}^T``, restricted to
the layout, accumulated over all steps at once (:meth:`Steps.grads`), and ``h0`` through ``h0/||h0||``.

    >>> import torch
    >>> from bilinear.verify.kernels.table import Table
    >>> s = Steps(Table("diagonal", torch.tensor([[2.0], [3.0]])), torch.tensor([[0], [1]]), None)
    >>> s.step(torch.ones(1, 1), 1).tolist(), s.adjoint(torch.ones(1, 1), 0).tolist()
    ([[3.0]], [[2.0]])
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from bilinear.verify.kernels.table import TINY, System, Table, gather, start_of, start_size, symbol_groups

__all__ = ["Steps", "run", "backward", "gains_of", "pair_blocks", "grouped_outer"]

Saved = tuple["Steps", torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]


def pair_blocks(pairs: torch.Tensor) -> torch.Tensor:
    """The ``2 x 2`` blocks ``[[a, -b], [b, a]]`` (..., 2, 2) of pairs ``(a, b)`` (..., 2)."""
    a, b = pairs[..., 0], pairs[..., 1]
    return torch.stack((a, -b, b, a), -1).view(*a.shape, 2, 2)


class Steps:
    """The transitions of the steps of ``tt`` (c, N) (time-major tokens; ``xs`` (c, N, Din) their
    embedded inputs, or None for one-hot input) of ``table``."""

    def __init__(self, table: Table, tt: torch.Tensor, xs: torch.Tensor | None):
        self.layout, self.table, self.tt, self.xs = table.layout, table, tt, xs
        self.blocks_t: torch.Tensor | None = None
        c, n = tt.shape
        layout = self.layout
        if layout == "dense":
            W = table.values
            self.W = W
            if xs is None:
                self.D = D = W.shape[0]
                M, src, pos = symbol_groups(tt.cpu().numpy(), D)
                self.M, self.src, self.pos = M, torch.as_tensor(src, device=W.device), torch.as_tensor(pos, device=W.device)
            else:
                self.Wflat = W.reshape(-1, W.shape[-1]).T                                   # (H, D*H)
        elif layout == "cp":
            self.U, V, self.Z = table.tensors()
            self.v = gather(V, tt) if xs is None else table.mixed(xs)                 # (c, N, R)
        elif layout == "diagonal":
            self.w = gather(table.values, tt) if xs is None else table.mixed(xs)       # (c, N, H)
        else:
            per = table.values if xs is None else table.mixed(xs)
            if layout == "pairs":
                per = pair_blocks(per)                                                  # (..., H/2, 2, 2)
            self.B = B = per.shape[-1]
            self.symbol_blocks = per if xs is None else None                           # (D, nb, B, B)
            per = gather(per, tt) if xs is None else per
            self.blocks = per.reshape(c, -1, B, B)                                      # (c, N * nb, B, B)

    def step(self, h: torch.Tensor, t: int) -> torch.Tensor:
        """``A_t h`` for the states ``h`` (N, H) of step ``t``."""
        return self._apply(h, t, False)

    def adjoint(self, g: torch.Tensor, t: int) -> torch.Tensor:
        """``A_t^T g``."""
        return self._apply(g, t, True)

    def _apply(self, h: torch.Tensor, t: int, transposed: bool) -> torch.Tensor:
        n, H = h.shape
        if self.layout == "dense":
            if self.xs is not None:                                                     # sum_k x_k W[k] h
                assert not transposed, "the adjoint runs for one-hot input only"
                return torch.einsum("nk,nkh->nh", self.xs[t], (h @ self.Wflat).view(n, -1, H))
            W = self.W if transposed else self.W.transpose(1, 2)
            D, M = self.D, self.M
            y = torch.bmm(h.index_select(0, self.src[t]).view(D, M, H), W)             # rows of symbol k times W[k]^T
            return y.view(D * M, H).index_select(0, self.pos[t])
        if self.layout == "cp":
            if transposed:
                return ((h @ self.U) * self.v[t]) @ self.Z
            return ((h @ self.Z.T) * self.v[t]) @ self.U.T
        if self.layout == "diagonal":
            return h * self.w[t]
        if transposed and self.blocks_t is None:          # once, gathered from the transposed table (contiguous)
            assert self.symbol_blocks is not None, "the adjoint runs for one-hot input only"
            Tt = self.symbol_blocks.transpose(-1, -2).contiguous()
            self.blocks_t = gather(Tt, self.tt).reshape(self.blocks.shape)
        blocks = self.blocks_t[t] if transposed and self.blocks_t is not None else self.blocks[t]
        return torch.bmm(blocks, h.reshape(-1, self.B, 1)).view(n, H)

    def grads(self, dY: torch.Tensor, X: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The gradients of ``table.tensors()`` (one-hot input) from ``dY`` and ``X`` (both (L, N, H):
        ``dy_t`` and ``x_{t-1}``)."""
        L, n, H = dY.shape
        flat = self.tt.reshape(-1)
        dYf, Xf = dY.reshape(L * n, H), X.reshape(L * n, H)
        values = self.table.values
        D = values.shape[0]
        if self.layout == "dense":
            return (grouped_outer(dYf, Xf, flat, D),)
        if self.layout == "cp":
            Pf = Xf @ self.Z.T
            vf = self.v.reshape(L * n, -1)
            dQ = dYf @ self.U
            gV = torch.zeros_like(values).index_add_(0, flat, dQ * Pf)
            return dYf.T @ (Pf * vf), gV, (dQ * vf).T @ Xf
        if self.layout == "diagonal":
            return (torch.zeros_like(values).index_add_(0, flat, dYf * Xf),)
        # the diagonal blocks of the dense per-symbol sum of outer products: one grouped bmm
        # (a broadcast outer product of B x B blocks and index_add is several times slower)
        B, nb = self.B, H // self.B
        dense = grouped_outer(dYf, Xf, flat, D).view(D, nb, B, nb, B)
        gB = torch.diagonal(dense, dim1=1, dim2=3).permute(0, 3, 1, 2)                 # (D, nb, B, B)
        if self.layout == "pairs":                                                      # through [[a, -b], [b, a]]
            return (torch.stack((gB[..., 0, 0] + gB[..., 1, 1], gB[..., 1, 0] - gB[..., 0, 1]), -1),)
        return (gB,)


def grouped_outer(dY: torch.Tensor, X: torch.Tensor, flat: torch.Tensor, D: int) -> torch.Tensor:
    """``G[k] = sum over rows r with flat[r] == k of dY[r] X[r]^T`` (D, H, H): one batched product
    over the rows grouped by symbol (padding slots read an appended zero row)."""
    rows, H = dY.shape
    f = flat.cpu().numpy()
    M, src, _ = symbol_groups(f.reshape(1, -1), D)
    counts = np.bincount(f, minlength=D)
    real = (np.arange(M)[None, :] < counts[:, None]).reshape(-1)
    idx = torch.as_tensor(np.where(real, src[0], rows), device=dY.device)
    zero = dY.new_zeros(1, H)
    dYp = torch.cat((dY, zero)).index_select(0, idx).view(D, M, H)
    Xp = torch.cat((X, zero)).index_select(0, idx).view(D, M, H)
    return torch.bmm(dYp.transpose(1, 2), Xp)


def shift_of(system: System, tt: torch.Tensor, xs: torch.Tensor | None) -> torch.Tensor | None:
    """The affine terms ``B x_t + b`` (c, N, H) of the steps of ``tt``, or None."""
    if system.in_weight is None or system.in_bias is None:
        return None
    B = gather(system.in_weight, tt) if xs is None else xs @ system.in_weight
    return B + system.in_bias


def gains_of(S: torch.Tensor, prev: torch.Tensor, norm: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """``(gains (N, c), log ||x_last||)`` from the sizes ``s_t`` (N, c) of a span and ``prev`` (N, 1),
    the log-norm of the state before it."""
    logs = torch.log(S)
    if norm:
        return logs, prev
    return logs - torch.cat((prev, logs[:, :-1]), dim=1), logs[:, -1:]


def run(system: System, tt: torch.Tensor, xs: torch.Tensor | None, span: int, sizes: bool,
        start: bool = False) -> Iterator[tuple[torch.Tensor, torch.Tensor | None, Steps]]:
    """The forward recurrence over spans of at most ``span`` steps of the time-major tokens ``tt``
    (L, N): per span ``(states (c, N, H) time-major, sizes s_t (N, c) or None, its Steps)``; the sizes
    are computed when normalising or asked for (``sizes``); with ``start`` the first span's states
    begin with the start state ``x_0`` (c + 1 of them)."""
    L, n = tt.shape
    norm = system.normalise
    x, _ = start_of(system.h0, norm, n)
    for a in range(0, L, span):
        ops = Steps(system.table, tt[a:a + span], None if xs is None else xs[a:a + span])
        shift = shift_of(system, tt[a:a + span], None if xs is None else xs[a:a + span])
        out, ss = ([x] if start and a == 0 else []), []
        for t in range(ops.tt.shape[0]):
            y = ops.step(x, t)
            if shift is not None:
                y = y + shift[t]
            if norm or sizes:
                s = torch.linalg.vector_norm(y, dim=-1, keepdim=True).clamp_min(TINY)
                ss.append(s)
                x = y / s if norm else y
            else:
                x = y
            out.append(x)
        yield torch.stack(out), (torch.cat(ss, dim=1) if ss else None), ops


def adjoint_inputs(norm: bool, g: torch.Tensor | None, gl: torch.Tensor | None, n: int, L: int,
                   X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Time-major state gradients (L, N, H), gain coefficients ``c_t`` (L, N) and the gains' gradient (N, L)."""
    H = X.shape[-1]
    g = torch.zeros(n, L, H, dtype=X.dtype, device=X.device) if g is None else g
    gl = torch.zeros(n, L, dtype=X.dtype, device=X.device) if gl is None else gl
    c = gl if norm else gl - F.pad(gl[:, 1:], (0, 1))
    return g.transpose(0, 1), c.T, gl


def start_grads(norm: bool, h0: torch.Tensor, gu: torch.Tensor, gl: torch.Tensor, affine: bool,
                dY: torch.Tensor, flat: torch.Tensor,
                D: int) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
    """Gradients of ``h0`` (from that of the start state, summed over the batch) and of the affine terms."""
    size0 = start_size(h0)
    if norm:
        u0 = h0 / size0
        gh0 = (gu - u0 * (u0 * gu).sum()) / size0
    else:
        gh0 = gu - gl[:, 0].sum() * h0 / (size0 * size0)
    if not affine:
        return gh0, None, None
    dYf = dY.reshape(-1, dY.shape[-1])
    return gh0, dYf.new_zeros(D, dYf.shape[1]).index_add_(0, flat, dYf), dYf.sum(0)


def backward(norm: bool, saved: Saved, g: torch.Tensor | None,
             gl: torch.Tensor | None) -> tuple[torch.Tensor | None, ...]:
    """Gradients ``(h0, in_weight, in_bias, *table.tensors())`` by the adjoint recurrence."""
    ops, h0, X, S, in_weight = saved
    L1, n, H = X.shape
    L = L1 - 1
    gt, ct, gl = adjoint_inputs(norm, g, gl, n, L, X)                          # (L, N, H), (L, N)
    c3 = ct.unsqueeze(-1)                                                       # (L, N, 1)
    inv = (1.0 / S).T.unsqueeze(-1)                                             # (L, N, 1)
    dys: list[torch.Tensor] = []
    G = torch.zeros(n, H, dtype=X.dtype, device=X.device)
    for t in range(L - 1, -1, -1):
        G = G + gt[t]
        x = X[t + 1]
        if norm:
            coef = torch.linalg.vecdot(x, G).unsqueeze(-1) - c3[t]
            dy = torch.addcmul(G, x, coef, value=-1.0).mul_(inv[t])
        else:
            dy = torch.addcmul(G, x, c3[t] * inv[t] * inv[t])
        dys.append(dy)
        G = ops.adjoint(dy, t)
    dY = torch.stack(dys[::-1])                                                 # (L, N, H)
    grads = ops.grads(dY, X[:-1])
    D = 0 if in_weight is None else in_weight.shape[0]
    gh0, gw, gb = start_grads(norm, h0, G.sum(0), gl, in_weight is not None, dY, ops.tt.reshape(-1), D)
    return (gh0, gw, gb, *grads)
