"""The per-block gain penalty of the block-structured layouts (docs/design.md §9).

A block-diagonal ``A_k = blockdiag(A_k^1, ..., A_k^nb)`` maps each block of the state on its own, so
each block has its own per-step gain ``||A_k^j x^j|| / ||x^j||``.  Exact tracking needs one common
gain for every block and symbol; a block whose gain exceeds that of the blocks the readout uses
grows geometrically relative to them and owns the normalised state after some tens of steps, which
the penalty on the *total* gain (``TrainConfig.gain_penalty``) does not see.  The per-block log-gains
are read off the states the recurrence already returns, without running any block again:

    ``b_{t,j} = gain_t + r_{t,j} - r_{t-1,j}``,  ``r_{t,j} = log ||x_t^j|| - log ||x_t||``

(``gain_t = log ||y_t|| - log ||x_{t-1}||`` is the total gain; ``x_t`` is ``y_t`` up to a positive
factor, so ``r`` is the same with or without normalisation), for ``t = 2 .. L`` (the first step's
would need the start state, which the recurrence does not return).  The penalty is ``λ`` times the
unbiased variance of all ``b_{t,j}`` over the steps, the blocks and the first :data:`ROWS` sequences of
the batch.  :func:`penalty` is
it in torch (differentiable: the reference); :func:`forward` and :func:`backward` are it and its
gradient with respect to the states and the total gains, written out for
:class:`bilinear.verify.kernels.fused.Objective`.

Layouts with blocks: ``blocks`` (``B x B``, B the table's last size) and ``pairs`` (``2 x 2``); for
``dense`` (one block) the per-block gain is the total gain, for ``cp`` there are no blocks: both
have no per-block penalty (:func:`block_width` is None).

    >>> import torch
    >>> x = torch.tensor([[[1.0, 0.0, 0.0, 1.0], [2.0, 0.0, 0.0, 1.0]]])   # block 0 doubles, block 1 stays
    >>> n = x.norm(dim=-1)
    >>> gains = torch.log(n / torch.cat((torch.ones(1, 1), n[:, :-1]), 1))   # total gains, from a unit start
    >>> block_log_gains(x, gains, 2).exp().tolist()
    [[[2.0, 1.0]]]
"""

from __future__ import annotations

import torch

from bilinear.verify.kernels import native

__all__ = ["ROWS", "rows_read", "block_width", "block_log_gains", "penalty", "forward", "backward"]

#: The penalty is computed on the first ROWS sequences of a batch (an unbiased estimate of the same
#: variance: the sequences are drawn independently): on all 64 it cost about a quarter of a training
#: step, the logarithms of every block's norm at every step dominating; on 16 it is within the 10 %
#: the training speed may lose (docs/results_speed.md).
ROWS = 16


def rows_read(batch: int) -> int:
    """How many sequences of a batch of ``batch`` the penalty reads: the first :data:`ROWS`, or all."""
    return min(batch, ROWS)


def block_width(layout: str, values: torch.Tensor) -> int | None:
    """The block size of a table (``values``, or its ``source``: the same shape) with blocks
    (``blocks``: its last size; ``pairs``: 2), else None."""
    if layout == "blocks":
        return int(values.shape[-1])
    if layout == "pairs":
        return 2
    return None


def _log_fractions(states: torch.Tensor, width: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(r (n, L, nb), block norms^2 (n, L, nb), norms^2 (n, L, 1))`` of the states (n, L, H)."""
    n, L, H = states.shape
    floor = torch.finfo(states.dtype).tiny          # squared norms: TINY ** 2 underflows in float32
    sq = (states * states).reshape(n, L, H // width, width).sum(-1).clamp_min(floor)
    total = sq.sum(-1, keepdim=True).clamp_min(floor)
    return 0.5 * (torch.log(sq) - torch.log(total)), sq, total


def block_log_gains(states: torch.Tensor, gains: torch.Tensor, width: int) -> torch.Tensor:
    """``b`` (n, L-1, nb): the log-gain of every block at steps 2..L (module docstring), from the
    states (n, L, H) and total gains (n, L) of a recurrence whose blocks have ``width`` dimensions."""
    r, _, _ = _log_fractions(states, width)
    return gains[:, 1:, None] + r[:, 1:] - r[:, :-1]


def penalty(states: torch.Tensor, gains: torch.Tensor, width: int, weight: float) -> torch.Tensor:
    """``weight`` times the unbiased variance of :func:`block_log_gains` over the first :data:`ROWS`
    sequences (0 when that is fewer than two terms)."""
    b = block_log_gains(states[:ROWS], gains[:ROWS], width)
    if b.numel() < 2:
        return states.new_zeros(())
    return weight * b.var()


def forward(states: torch.Tensor, gains: torch.Tensor, width: int, weight: float, normalised: bool,
            kernel: native.BlockGains | None = None) -> tuple[torch.Tensor | float, tuple]:
    """``(penalty, saved)`` for :class:`bilinear.verify.kernels.fused.Objective`: :func:`penalty` of the
    states (N, L, H) and total log-gains (N, L), from ``kernel`` when the compiled recurrence computed
    it in its own call (:func:`bilinear.verify.kernels.native.forward_block_gains`: the first
    :data:`ROWS` sequences, and the penalty's gradient, so that :func:`backward` only scales it; the
    penalty then is a float), else by a few torch calls (a tensor).  ``normalised``: every state has
    norm 1, so ``log ||x_t||`` is dropped from ``r`` (its gradient is radial, which the normalisation's
    backward removes anyway)."""
    N, L, H = states.shape
    n, nb = rows_read(N), H // width
    m = (L - 1) * n * nb
    if m < 2:
        return states.new_zeros(()), (None, None, None)
    if kernel is not None:
        return kernel.ss * weight / (m - 1), (None, (kernel.G, kernel.GL), kernel.b, weight, normalised, True)
    tm = states[:n].transpose(0, 1)
    tiny = torch.finfo(tm.dtype).tiny
    q2 = (tm * tm).reshape(L, n, nb, width).sum(-1).clamp_min_(tiny)
    lq = torch.log(q2)
    if not normalised:
        lq = lq - torch.log(q2.sum(-1, keepdim=True))
    inv = torch.where(q2 > tiny, 1.0 / q2, 0.0)        # no gradient through the floor (as clamp_min)
    b = torch.sub(lq[1:], lq[:-1]).mul_(0.5).add_(gains[:n].T[1:].unsqueeze(-1))
    dev = b.sub_(b.mean())
    flat = dev.reshape(-1)
    return torch.dot(flat, flat) * (weight / (m - 1)), (tm, (inv, q2), dev, weight, normalised, False)


def backward(saved: tuple, go: torch.Tensor | float, g: torch.Tensor,
             gl: torch.Tensor | None = None) -> torch.Tensor | None:
    """Add the gradient of ``go * penalty`` with respect to the states to ``g`` (time-major (L, N, H),
    contiguous, in place) and that with respect to the gains to ``gl`` (N, L; in place, a new one
    when None), from :func:`forward`'s ``saved``, and return ``gl``; ``g`` and ``gl`` untouched when
    the penalty had fewer than two terms."""
    if saved[2] is None:
        return gl
    tm, q, dev, weight, normalised, compiled = saved
    L, N, H = g.shape
    n, nb = dev.shape[1], dev.shape[-1]
    scale = 2.0 * weight / (dev.numel() - 1) * float(go)
    if compiled:                         # the kernel's gradient of sum b^2 / 2, scaled
        grad, grad_gains = q             # grad_gains (L, N): zero beyond the first n sequences
        g[:, :n].add_(grad, alpha=scale)
        if gl is None:                   # (N, L) as a view of time-major memory, as the adjoint reads it
            return (grad_gains * scale).T
        return gl.add_(grad_gains.T, alpha=scale)
    gg = g.new_zeros(N, L) if gl is None else gl
    d = dev * scale
    gg[:n, 1:] += d.sum(-1).T
    w = torch.empty(L, n, nb, dtype=g.dtype, device=g.device)
    w[0] = -d[0]
    w[-1] = d[-1]
    torch.sub(d[:-1], d[1:], out=w[1:-1])
    inv, q2 = q
    gx = ((w * inv).unsqueeze(-1) * tm.reshape(L, n, nb, -1)).reshape(L, n, H)
    if not normalised:
        gx = gx - w.sum(-1, keepdim=True) / q2.sum(-1, keepdim=True) * tm
    g[:, :n] += gx
    return gg
