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
unbiased variance of all ``b_{t,j}`` over the batch, the steps and the blocks.  :func:`penalty` is
it in torch (differentiable: the reference); :func:`forward` and :func:`backward` are it and its
gradient with respect to the states and the total gains, written out for
:class:`bilinear.verify.kernels.fused.Objective`.

Layouts with blocks: ``blocks`` (``B x B``, B the table's last size) and ``pairs`` (``2 x 2``); for
``dense`` (one block) the per-block gain is the total gain, for ``cp`` there are no blocks: both
have no per-block penalty (:func:`block_width` is None).

    >>> import torch
    >>> x = torch.tensor([[[1.0, 0.0, 0.0, 1.0], [2.0, 0.0, 0.0, 1.0]]])   # block 0 doubles, block 1 stays
    >>> gains = torch.log(x.norm(dim=-1))                                 # the total gains from norm 1
    >>> block_log_gains(x, gains, 2).exp().tolist()
    [[[2.0, 1.0]]]
"""

from __future__ import annotations

import torch

__all__ = ["block_width", "block_log_gains", "penalty", "forward", "backward"]


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
    """``weight`` times the unbiased variance of :func:`block_log_gains` (0 for sequences of one step)."""
    b = block_log_gains(states, gains, width)
    if b.numel() < 2:
        return states.new_zeros(())
    return weight * b.var()


def forward(states: torch.Tensor, gains: torch.Tensor, width: int, weight: float,
            normalised: bool) -> tuple[torch.Tensor, tuple]:
    """``(penalty, saved)`` for :class:`bilinear.verify.kernels.fused.Objective`: :func:`penalty` with
    as few torch calls as the fused step allows (it runs every training step, beside a compiled
    recurrence of about a millisecond), on the time-major states when the recurrence produced them.
    ``normalised``: every state has norm 1, so ``log ||x_t||`` is dropped from ``r`` (and its
    gradient, which is radial, is removed by the normalisation's backward anyway)."""
    n, L, H = states.shape
    tm = states.transpose(0, 1)
    tm = tm if tm.is_contiguous() else tm.contiguous()
    nb = H // width
    q2 = (tm * tm).view(L, n, nb, width).sum(-1).clamp_min_(torch.finfo(tm.dtype).tiny)
    lq = torch.log(q2)
    if not normalised:
        lq = lq - torch.log(q2.sum(-1, keepdim=True))
    b = torch.sub(lq[1:], lq[:-1]).mul_(0.5).add_(gains.T[1:].unsqueeze(-1))
    m = b.numel()
    if m < 2:
        return tm.new_zeros(()), (None,)
    dev = b.sub_(b.mean()).view(-1)
    value = torch.dot(dev, dev) * (weight / (m - 1))
    return value, (tm, q2, dev.view(L - 1, n, nb), weight, normalised)


def backward(saved: tuple, go: torch.Tensor | float) -> tuple[torch.Tensor, torch.Tensor] | None:
    """``(d/d states, time-major (L, n, H); d/d gains (n, L))`` of ``go * penalty`` from
    :func:`forward`'s ``saved`` (None when the penalty had fewer than two terms)."""
    if saved[0] is None:
        return None
    tm, q2, dev, weight, normalised = saved
    L, n, H = tm.shape
    nb = q2.shape[-1]
    d = dev * (2.0 * weight / (dev.numel() - 1) * float(go))
    gg = torch.zeros(n, L, dtype=tm.dtype, device=tm.device)
    gg[:, 1:] = d.sum(-1).T
    w = torch.empty_like(q2)
    w[0] = -d[0]
    w[-1] = d[-1]
    torch.sub(d[:-1], d[1:], out=w[1:-1])
    w.div_(q2)
    gx = (w.unsqueeze(-1) * tm.view(L, n, nb, -1)).view(L, n, H)
    if not normalised:
        gx = gx - (w * q2).sum(-1, keepdim=True) / q2.sum(-1, keepdim=True) * tm
    return gx, gg
