"""The fused training step: the recurrence and the training loss as one autograd node, every layout
(docs/design.md §4, §9).

:func:`objective` is the training objective (cross-entropy of the readout, plus the gain penalty)
that :func:`bilinear.verify.experiments.train._objective` uses for every bilinear model with one-hot input (the
default); :func:`states` is the recurrence alone (states and gains), which
:func:`bilinear.verify.kernels.scan.states` uses whenever gradients are on and the input is one-hot.  Both take
a model's :class:`~bilinear.verify.kernels.table.System` — its transition :class:`~bilinear.verify.kernels.table.Table`,
``h0`` and affine terms — compute the forward under ``no_grad`` and have a hand-written backward
with respect to ``h0``, the affine terms and the table's tensors, so a training step builds one
autograd node instead of several per step; autograd carries the table's gradient on to the model's
parameters (the table is formed from them by differentiable torch ops).
:meth:`~bilinear.verify.models.base.BilinearRNN.reference_states` (the plain step loop, differentiated
by autograd) is the reference the tests compare every gradient with.

The path is :func:`bilinear.verify.kernels.paths.plan`'s: the compiled recurrence
(:mod:`bilinear.verify.kernels.native`), or in torch the closed form of the pure diagonal layouts
(:mod:`bilinear.verify.kernels.diagonal`) or the step loop with the adjoint backward
(:mod:`bilinear.verify.kernels.loop`).  Notation (the reference's, step by step): ``x_0 = h0/||h0||``
when normalising, else ``h0``; ``y_t = A_t x_{t-1} (+ c_t)``; ``s_t = ||y_t||``; ``x_t = y_t / s_t``
when normalising, else ``y_t``; the gain is ``log s_t - log ||x_{t-1}||``.

The loss's backward is written out: ``softmax - onehot`` over the labelled steps, through the
readout ``R`` (the logits held transposed, ``R h^T``: for a readout of few classes that product is
several times faster than ``h R^T``); ``2 λ (gain - mean) / (n - 1)`` for the penalty.  States, gains, loss and every
gradient equal the reference's within ``1e-10`` / ``1e-9`` (float64) and ``1e-5`` / ``1e-4``
(float32) relative to the largest entry (tests/verify/kernels/test_fused.py: every level, affine or not,
every normalisation, per-step and final labels, with and without the penalty).

    >>> import torch
    >>> from bilinear.verify.kernels.table import Table
    >>> h0 = torch.tensor([1.0, 0.0]).double()
    >>> system = System(Table("pairs", torch.tensor([[[0.0, 2.0]]]).double()), h0, normalise=False)
    >>> s, g = states(system, torch.tensor([[0, 0]]))
    >>> s.tolist(), g.exp().tolist()
    ([[[0.0, 2.0], [-4.0, 0.0]]], [[2.0, 2.0]])
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from bilinear.verify.kernels import block_gains, diagonal, loop, native, paths
from bilinear.verify.kernels.table import Layout, System, Table, start_of, start_size

__all__ = ["states", "objective", "native_table", "Recurrence", "Objective", "Spec"]

#: how a recurrence runs: ``(path, layout, normalise, tokens (N, L))``
Spec = tuple[paths.Path, Layout, bool, torch.Tensor]
Grads = tuple[torch.Tensor | None, ...]


def _spec(system: System, tokens: torch.Tensor) -> tuple[Spec, tuple[torch.Tensor | None, ...]]:
    """``(spec, tensors)``: how the recurrence runs and the tensors it differentiates,
    ``(h0, in_weight, in_bias, *table.tensors())`` (``None`` for the absent affine terms)."""
    h0, table = system.h0, system.table
    tokens = torch.as_tensor(tokens, device=h0.device).long()
    path = paths.plan(table.layout, affine=system.affine, embedded=False, device=h0.device, dtype=h0.dtype,
                      width=table.width)
    return (path, table.layout, system.normalise, tokens), (h0, system.in_weight, system.in_bias, *table.tensors())


def _table(layout: Layout, params: tuple[torch.Tensor, ...]) -> Table:
    """The table of the tensors ``params`` (``table.tensors()``)."""
    if layout == "cp":
        U, V, Z = params
        return Table("cp", V, factors=(U, Z))
    return Table(layout, params[0])


def _forward(spec: Spec, h0: torch.Tensor, in_weight: torch.Tensor | None, in_bias: torch.Tensor | None,
             params: tuple[torch.Tensor, ...],
             blocks: tuple[int, int] | None = None) -> tuple[torch.Tensor, torch.Tensor, Any, native.BlockGains | None]:
    """``(states, gains, saved, block gains)``: the block gains (:func:`bilinear.verify.kernels.native.block_gains`
    of ``blocks = (width, rows)``) computed by the compiled recurrence's call when it runs (else None)."""
    path, layout, norm, tokens = spec
    if path == "diagonal":
        return (*diagonal.forward(layout, params[0], tokens, h0, norm), None)
    if paths.compiled(path):
        return _native_forward(layout, norm, tokens, h0, in_weight, in_bias, params[0], path == "grouped", blocks)
    system = System(_table(layout, params), h0, in_weight, in_bias, norm)
    tt = tokens.T.contiguous()
    X, S, ops = next(loop.run(system, tt, None, max(1, tt.shape[0]), True, start=True))   # x_0 .. x_L
    assert S is not None
    gains, _ = loop.gains_of(S, torch.log(start_size(h0)).expand(S.shape[0], 1), norm)
    return X[1:].transpose(0, 1), gains, (ops, h0, X, S, in_weight), None


def _backward(spec: Spec, saved: Any, g: torch.Tensor | None, gl: torch.Tensor | None) -> Grads:
    """Gradients ``(h0, in_weight, in_bias, *table.tensors())`` from those of the states and gains."""
    path, layout, norm, _ = spec
    if path == "diagonal":
        gh0, gvalues = diagonal.backward(layout, norm, saved, g, gl)
        return gh0, None, None, gvalues
    if paths.compiled(path):
        return _native_backward(norm, saved, g, gl)
    return loop.backward(norm, saved, g, gl)


def states(system: System, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(states (N, L, H), gains (N, L))`` of ``system`` on one-hot ``tokens`` (N, L) through one
    autograd node (module docstring); equal to the model's ``reference_states(tokens, log_gains=True)``."""
    spec, tensors = _spec(system, tokens)
    return Recurrence.apply(spec, *tensors)


def objective(system: System, readout: torch.Tensor, tokens: torch.Tensor, labels: torch.Tensor,
              final: bool, gain_penalty: float, block_penalty: float = 0.0) -> torch.Tensor:
    """The training objective of :func:`bilinear.verify.experiments.train._objective` — the mean cross-entropy of the
    readout ``R h_t`` over the labelled steps (``final``: the last step only; label ``-1`` = no
    label), plus ``gain_penalty`` times the (unbiased) variance of the gains — as one autograd node
    over the recurrence and the loss: the loss's backward is written out (``softmax - onehot``
    through ``R``; ``2 (gain - mean) / (n - 1)``) and feeds the recurrence's.  ``block_penalty``
    adds :func:`bilinear.verify.kernels.block_gains.penalty` for the layouts with blocks (computed from
    the states and gains the recurrence returns; its gradient written out as well)."""
    spec, tensors = _spec(system, tokens)
    labels = torch.as_tensor(labels, device=system.h0.device).long()
    width = block_gains.block_width(system.table.layout, system.table.source) if block_penalty else None
    return Objective.apply(spec, labels, bool(final), (float(gain_penalty), float(block_penalty), width),
                           readout, *tensors)


class Recurrence(torch.autograd.Function):
    """States and gains of the whole sequence as one node: ``apply(spec, h0, in_weight, in_bias,
    *table.tensors())`` -> ``(states, gains)`` (see :func:`states`)."""

    @staticmethod
    def forward(ctx: Any, spec: Spec, h0: torch.Tensor, in_weight: torch.Tensor | None,   # type: ignore[override]
                in_bias: torch.Tensor | None, *params: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out, gains, saved, _ = _forward(spec, h0, in_weight, in_bias, params)
        ctx.spec, ctx.saved = spec, saved
        return out, gains

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor, gl: torch.Tensor) -> Grads:   # type: ignore[override]
        return (None, *_backward(ctx.spec, ctx.saved, g, gl))


class Objective(torch.autograd.Function):
    """The training loss as one node: ``apply(spec, labels, final, (gain_penalty, block_penalty,
    block width or None), readout, h0, in_weight, in_bias, *table.tensors())`` -> scalar (see
    :func:`objective`)."""

    @staticmethod
    def forward(ctx: Any, spec: Spec, labels: torch.Tensor, final: bool,   # type: ignore[override]
                penalties: tuple[float, float, int | None],
                R: torch.Tensor, h0: torch.Tensor, in_weight: torch.Tensor | None, in_bias: torch.Tensor | None,
                *params: torch.Tensor) -> torch.Tensor:
        penalty, block_penalty, width = penalties
        blocks = (width, block_gains.rows_read(labels.shape[0])) if block_penalty and width else None
        out, gains, saved, kernel = _forward(spec, h0, in_weight, in_bias, params, blocks)
        n, L, H = out.shape
        time_major = out.transpose(0, 1).is_contiguous()       # the compiled path's layout: no copy
        if final:
            h, y = out[:, -1], labels[:, -1]
        elif time_major:
            h, y = out.transpose(0, 1).reshape(L * n, H), labels.T.reshape(-1)
        else:
            h, y = out.reshape(n * L, H), labels.reshape(-1)
        # logits transposed (K, rows): R @ h^T is several times faster than h @ R^T for a narrow R
        zt = R @ h.T
        ce, p, yc, weight = _cross_entropy(paths.compiled(spec[0]), zt, y)
        loss = ce
        if penalty:
            n_gains = gains.numel()                             # unbiased: sum (g - mean)^2 / (n - 1)
            spread = gains.var() if n_gains > 1 else ((gains - gains.mean()) ** 2).sum() / (n_gains - 1)
            loss = ce + penalty * spread
            ctx.gains = gains
        ctx.blocks = None
        if blocks is not None:
            value, ctx.blocks = block_gains.forward(out, gains, blocks[0], block_penalty, spec[2], kernel)
            loss = loss + value
        ctx.spec, ctx.saved, ctx.final, ctx.penalty = spec, saved, final, penalty
        ctx.head = (h, p, yc, weight, R, (n, L, H), time_major)
        return loss

    @staticmethod
    def backward(ctx: Any, go: torch.Tensor) -> Grads:   # type: ignore[override]
        h, p, yc, weight, R, (n, L, H), time_major = ctx.head
        if paths.compiled(ctx.spec[0]):
            dzt = native.xent_backward(torch.exp(p), yc, weight * float(go))          # p: log-probabilities
        else:
            dzt = p.scatter_add(0, yc, torch.full_like(p[:1], -1.0)).mul_(weight * go)
        gR = dzt @ h
        gh = dzt.T @ R
        if ctx.final:
            g = torch.zeros(L, n, H, dtype=gh.dtype, device=gh.device)      # time-major, as the adjoint reads it
            g[-1] = gh
        elif time_major:
            g = gh.view(L, n, H)
        else:
            g = gh.view(n, L, H).transpose(0, 1).contiguous()
        gl = None
        if ctx.penalty:
            gains = ctx.gains
            gl = (gains - gains.mean()).mul_(2.0 * ctx.penalty / (gains.numel() - 1) * go)
        if ctx.blocks is not None:
            gl = block_gains.backward(ctx.blocks, go, g, gl)
        g = g.transpose(0, 1)
        return (None, None, None, None, gR, *_backward(ctx.spec, ctx.saved, g, gl))


def _cross_entropy(compiled: bool, zt: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, Any]:
    """``(mean cross-entropy, p, labels, weight)`` of the transposed logits ``zt`` (K, rows): ``p`` the
    probabilities (log-probabilities when ``compiled``: torch's log_softmax, the labelled sum in C)."""
    if compiled:
        y = y.contiguous()
        lp = torch.log_softmax(zt, 0)
        total, count = native.xent_forward(lp, y)
        ce = torch.tensor(total / count if count else float("nan"), dtype=zt.dtype)   # 0 / 0 = nan, as below
        return ce, lp, y, 1.0 / count if count else float("nan")
    top = zt.amax(0, keepdim=True)
    e = torch.exp(zt - top)
    se = e.sum(0, keepdim=True)
    mask = (y >= 0).to(zt.dtype)
    yc = y.clamp_min(0).unsqueeze(0)
    labelled = mask.sum()
    ce = ((torch.log(se) + top - zt.gather(0, yc)).squeeze(0) * mask).sum() / labelled
    return ce, e / se, yc, mask / labelled


# -- the compiled recurrence ----------------------------------------------------------------------

def native_table(layout: Layout, values: torch.Tensor, transposed: bool) -> torch.Tensor:
    """The table :mod:`bilinear.verify.kernels.native` multiplies by (detached, contiguous): blocks
    (D, nb, B, B) — DENSE as one block, DIAGONAL as ``1 x 1`` — each transposed when ``transposed``
    (as the compiled forward reads them), or PAIRS as themselves (D, H/2, 2) either way."""
    values = values.detach()
    D = values.shape[0]
    if layout == "pairs":
        return values.contiguous()
    if layout == "diagonal":
        return values.reshape(D, -1, 1, 1).contiguous()
    blocks = values.view(D, 1, *values.shape[1:]) if layout == "dense" else values
    return (blocks.transpose(-1, -2) if transposed else blocks).contiguous()


def _native_forward(layout: Layout, norm: bool, tokens: torch.Tensor, h0: torch.Tensor,
                    in_weight: torch.Tensor | None, in_bias: torch.Tensor | None, values: torch.Tensor,
                    grouped: bool, blocks: tuple[int, int] | None) -> tuple[torch.Tensor, torch.Tensor, Any,
                                                                          native.BlockGains | None]:
    """The step loop by the compiled recurrence (:mod:`bilinear.verify.kernels.native`; ``grouped``: the
    rows of each step grouped by symbol), with the block gains of ``blocks = (width, rows)`` in the same
    call when given and the sequences have two steps or more (not grouped: grouping is for one dense
    block, which has no per-block gains)."""
    T = native_table(layout, values, False)
    Tt = T if layout == "pairs" or grouped else native_table(layout, values, True)   # grouped: T itself
    tt = native.check_tokens(tokens.T, T.shape[0])
    L, n = tt.shape
    shift = None
    if in_weight is not None and in_bias is not None:
        shift = (F.embedding(tt, in_weight) + in_bias).detach().contiguous()
    x0, size0 = start_of(h0.detach(), norm, n)
    kernel = None
    if blocks is not None and not grouped and L >= 2:
        X, S, kernel = native.forward_block_gains(tt, Tt, x0.contiguous(), shift, norm, *blocks)
    else:
        forward = native.forward_grouped if grouped else native.forward
        X, S = forward(tt, Tt, x0.contiguous(), shift, norm, checked=True)
    St = S.T
    gains, _ = loop.gains_of(St, torch.log(size0).expand(n, 1), norm)
    return X[1:].transpose(0, 1), gains, (tt, T, values.shape, h0, X, St, in_weight, grouped), kernel


def _native_backward(norm: bool, saved: Any, g: torch.Tensor | None, gl: torch.Tensor | None) -> Grads:
    tt, T, shape, h0, X, S, in_weight, grouped = saved
    L, n = tt.shape
    gt, ct, gl = loop.adjoint_inputs(norm, g, gl, n, L, X)
    dY, gT, G = native.backward(tt, T, X, S.T.contiguous(), gt.contiguous(), ct.contiguous(), norm,
                                checked=True, grouped=grouped)
    D = 0 if in_weight is None else in_weight.shape[0]
    gh0, gw, gb = loop.start_grads(norm, h0, G.sum(0), gl, in_weight is not None, dY, tt.reshape(-1), D)
    return gh0, gw, gb, gT.view(shape)
