"""HOUSE's table, compiled (docs/design.md §9).

:meth:`bilinear.verify.models.modern.HouseRNN.transitions` forms ``A_σ = F_{σ,n_h} ⋯ F_{σ,1}``,
``F = I − β k kᵀ`` (``k`` the unit key, ``β = 2 sigmoid(b)``), from its parameters in torch: about a
dozen operations per factor forward and as many backward, which at H = 64 cost HOUSE about a quarter
of a training step on top of FULL's.  :func:`table` runs the same computation in C (``house_*`` in
recurrence.c, through :mod:`bilinear.verify.kernels.native`) as one autograd node: each factor a rank-1
update ``A −= β k (kᵀ A)``, and the backward written out — with ``a`` the product before a factor and
``G`` the gradient after it, ``u = aᵀ k``, ``v = Gᵀ k``: ``dβ = −u·v``, ``dk = −β (G u + a v)``, ``G ← F G``
— then through the unit norm and the sigmoid.  Values and gradients equal the torch code's up to
rounding (tests/verify/kernels/test_house.py: both dtypes, n_h = 1 to 3, against autograd).  Whether
it runs is :func:`applies` (:func:`bilinear.verify.kernels.paths.native_applies`).

    >>> import torch
    >>> keys, b = torch.tensor([[[1.0, 0.0]]]).double(), torch.tensor([[40.0]]).double()
    >>> A = table(keys, b) if applies(keys) else torch.tensor([[[-1.0, 0.0], [0.0, 1.0]]]).double()
    >>> A.tolist()                      # beta = 2: the reflection across the line orthogonal to e_1
    [[[-1.0, 0.0], [0.0, 1.0]]]
"""

from __future__ import annotations

from typing import Any

import torch

from bilinear.verify.kernels import native, paths

__all__ = ["applies", "table", "HouseTable"]


def applies(t: torch.Tensor) -> bool:
    """Whether the compiled table runs on ``t`` (module docstring)."""
    return paths.native_applies(t.device, t.dtype)


class HouseTable(torch.autograd.Function):
    """``apply(keys, b)`` -> ``A`` (D, H, H), differentiable in ``keys`` (D, n_h, H) and ``b`` (D, n_h)."""

    @staticmethod
    def forward(ctx: Any, keys: torch.Tensor, b: torch.Tensor) -> torch.Tensor:   # type: ignore[override]
        keys = keys.detach().contiguous()
        A, K, beta, hist = native.house(keys, b.detach().contiguous())
        ctx.saved = (keys, K, beta, hist)
        return A

    @staticmethod
    def backward(ctx: Any, gA: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:   # type: ignore[override]
        keys, K, beta, hist = ctx.saved
        return native.house_backward(keys, K, beta, hist, gA.clone(memory_format=torch.contiguous_format))


def table(keys: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """HOUSE's ``A`` (D, H, H) from ``keys`` (D, n_h, H) and ``b`` (D, n_h), compiled (module docstring)."""
    return HouseTable.apply(keys, b)
