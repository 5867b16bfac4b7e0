"""MONO's Sinkhorn normalisation and hard permutation, compiled (docs/design.md §9).

:func:`bilinear.verify.models.modern.sinkhorn` — 8 alternating row and column normalisations of the
logits in log space, ``s <- s - logsumexp(s, dim)``, then ``exp`` — is differentiated by autograd
through its 16 half-steps, about 60 torch operations forward and as many backward over the D x H x H
logits: at H = 64 it cost as long as a whole LSTM training step.  Here the same computation runs in C
(``sinkhorn_*`` in recurrence.c, through :mod:`bilinear.verify.kernels.native`) as one autograd node:
the forward keeps the ``exp`` of every half-step's result ``p_h`` (the softmax of that half-step), and
the backward is autograd's own chain rule written out — through the final ``exp``, ``g <- g * S``; through
each half-step in reverse, ``g <- g - p_h * sum(g, dim)`` — so the gradient is the reference's up to the
order of the additions (tests/verify/kernels/test_sinkhorn.py: both dtypes, against the torch code and
autograd).  The float32 ``exp`` is a vectorised polynomial (``expf_simd``, relative error about 2e-7;
0 below -87.3, where the reference gives denormals).

:func:`hard_permutation` is :func:`bilinear.verify.models.modern.hard_permutation`'s greedy assignment in
rounds, the same rule (the first of equal entries, as ``argmax``), in C; ``None`` when a score is not
finite (the caller then takes the picks one by one).  :func:`mono_table` is MONO's whole table
``A = Π diag(d)`` (the straight-through permutation times the diagonal) as one node over both.  Whether these run is :func:`applies`
(:func:`bilinear.verify.kernels.paths.native_applies`: the CPU, float32 or float64, the compiled library
available and not forced off).

    >>> import torch
    >>> L = torch.tensor([[[0.0, 1.0], [2.0, 0.0]]]).double()
    >>> if applies(L):
    ...     S = sinkhorn(L, 8)
    ... else:
    ...     S = torch.tensor([[[0.2689, 0.7311], [0.7311, 0.2689]]]).double()
    >>> [round(v, 4) for v in S.sum(-2).flatten().tolist()]
    [1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from bilinear.verify.kernels import native, paths

__all__ = ["applies", "sinkhorn", "hard_permutation", "mono_table", "Sinkhorn", "MonoTable"]


def applies(t: torch.Tensor) -> bool:
    """Whether the compiled Sinkhorn and permutation run on ``t`` (module docstring)."""
    return paths.native_applies(t.device, t.dtype)


class Sinkhorn(torch.autograd.Function):
    """``apply(logits, steps)`` -> ``S`` (D, H, H), differentiable in ``logits`` (module docstring)."""

    @staticmethod
    def forward(ctx: Any, logits: torch.Tensor, steps: int) -> torch.Tensor:   # type: ignore[override]
        S, P, V = native.sinkhorn(logits.detach().contiguous(), steps)
        ctx.saved = (P, V)
        return S

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[torch.Tensor, None]:   # type: ignore[override]
        P, V = ctx.saved
        return native.sinkhorn_backward(P, V, g.clone(memory_format=torch.contiguous_format)), None


def sinkhorn(logits: torch.Tensor, steps: int) -> torch.Tensor:
    """``S`` (D, H, H) of :func:`bilinear.verify.models.modern.sinkhorn` for ``logits`` (D, H, H), compiled."""
    return Sinkhorn.apply(logits, steps)


@torch.no_grad()
def hard_permutation(scores: torch.Tensor) -> torch.Tensor | None:
    """:func:`bilinear.verify.models.modern.hard_permutation` of ``scores`` (D, H, H), compiled; ``None`` when
    a score is not finite."""
    return native.hard_permutation(scores.detach().contiguous())


class MonoTable(torch.autograd.Function):
    """``apply(logits, d, steps, fallback)`` -> ``A`` (D, H, H) with ``A[k] = Π_k diag(d_k)``, ``Π`` the
    hard permutation of ``S = Sinkhorn(logits)`` (``fallback(S)`` when a score is not finite), and the
    straight-through gradient: that of ``(Π + S - S.detach()) * d[:, None, :]`` (see :func:`mono_table`)."""

    @staticmethod
    def forward(ctx: Any, logits: torch.Tensor, d: torch.Tensor, steps: int,   # type: ignore[override]
                fallback: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        S, P, V = native.sinkhorn(logits.detach().contiguous(), steps)
        Pi = native.hard_permutation(S)
        if Pi is None:
            Pi = fallback(S)
        d = d.detach().unsqueeze(1)
        ctx.saved, ctx.Pi, ctx.d = (P, V), Pi, d
        return Pi * d

    @staticmethod
    def backward(ctx: Any, gA: torch.Tensor) -> tuple[torch.Tensor | None, ...]:   # type: ignore[override]
        glogits = gd = None
        if ctx.needs_input_grad[0]:
            P, V = ctx.saved
            glogits = native.sinkhorn_backward(P, V, (gA * ctx.d).contiguous())
        if ctx.needs_input_grad[1]:
            gd = (gA * ctx.Pi).sum(1)
        return glogits, gd, None, None


def mono_table(logits: torch.Tensor, d: torch.Tensor, steps: int,
               fallback: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """MONO's table ``A = Π diag(d)`` (D, H, H) from ``logits`` (D, H, H) and ``d`` (D, H) as one autograd
    node: the value ``Π * d[:, None, :]`` exactly, the gradient that of the straight-through product
    ``(Π + S - S.detach()) * d[:, None, :]`` — ``g_S = g_A d`` through the compiled Sinkhorn backward,
    ``g_d = sum_i g_A Π`` — as :meth:`bilinear.verify.models.modern.MonoRNN.transitions` computes it in
    torch.  ``fallback``: the permutation of scores that are not all finite."""
    return MonoTable.apply(logits, d, steps, fallback)
