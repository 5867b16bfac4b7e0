"""Transitions of current linear RNNs as bilinear levels (docs/design.md §9, §14): HOUSE and MONO.

With one-hot input each symbol ``σ`` selects a fixed matrix ``A_σ``; these two levels constrain its
shape as two recent architectures do, and otherwise share everything with FULL: the per-symbol
matrices are formed once per forward by :meth:`transitions` (``D x H x H``, the dense :meth:`table`) and the recurrence is
FULL's fast path (:mod:`bilinear.verify.kernels.scan`: the symbol-grouped step loop, and in training the one-node
recurrence with its hand-written backward).  :meth:`act` — the reference step loop and
:meth:`~bilinear.verify.models.classic.BilinearRNN.dense_W` use it — computes ``A_σ h`` from the factors
without forming ``A_σ``, so the fast path is checked against a second computation.

**HOUSE(H, n_h)** (DeltaNet for ``n_h = 1``, DeltaProduct for ``n_h > 1``, with one-hot input and
no additive term)::

    A_σ = F_{σ,n_h} ⋯ F_{σ,2} F_{σ,1},   F_{σ,j} = I − β_{σ,j} k_{σ,j} k_{σ,j}ᵀ,
    k_{σ,j} = key_{σ,j} / ||key_{σ,j}||,  β_{σ,j} = 2 sigmoid(b_{σ,j}) ∈ (0, 2)

(factor 1 is applied first, as DeltaProduct's micro-steps are).  Each factor fixes the hyperplane
``k⊥``, so ``rank(A_σ − I) ≤ n_h``; ``β = 2`` makes a factor an orthogonal reflection and ``β > 1``
gives the negative eigenvalue ``1 − β``.  Parameters: ``keys`` (D, n_h, H) and ``b`` (D, n_h).
Inits: ``orthogonal`` (the default) = near random reflections: uniformly random directions and
``β ≈ 1.9`` (``b = 3`` plus ``init_scale`` noise; ``β = 2`` exactly would saturate the sigmoid and stop its gradient);
``identity`` = near the identity: random directions with ``β ≈ 0.095`` (``b = −3``);
``gaussian`` = random directions with ``b ~ N(0, 1)``.

**MONO(H)** (PD-SSM-like: a permutation times a real diagonal)::

    A_σ = P_σ diag(d_σ),   P_σ e_j = e_{π_σ(j)}   (column one-hot, a true permutation),

so ``A_σ e_j = d_{σ,j} e_{π_σ(j)}``.  ``d`` (D, H) is free and real (any sign; the state is normalised, so
its scale is irrelevant).  ``P_σ`` comes from logits ``L_σ`` (H x H): ``S_σ = Sinkhorn(L_σ)`` (8
alternating row and column normalisations in log space: columns sum to 1, rows nearly) and the hard
assignment ``Π_σ`` = greedy on ``S_σ`` (take the largest remaining entry, strike its row and column, H
times: always a permutation; when the column maxima of ``S_σ`` lie in distinct rows it is they, the
maximum-weight assignment).  The forward pass uses exactly ``Π_σ``; the gradient is that of ``S_σ`` (straight-through:
``P = Π + S − S.detach()``, whose value is ``Π`` exactly).  Parameters: ``logits`` (D, H, H) and ``d`` (D, H).
:func:`sinkhorn` and :func:`hard_permutation` below are the torch code; the model runs the same computation
compiled where it can (:func:`path_sinkhorn`, :func:`path_hard_permutation`,
:mod:`bilinear.verify.kernels.sinkhorn`: one autograd node instead of about 60 operations each way).
Inits: ``orthogonal`` (the default) = a random permutation per symbol (logits N(0, 1) plus ``4 e_{π(j)} e_jᵀ``
for a random ``π``) with random signs ``±1`` plus noise; ``identity`` = ``P = I`` (``4 I`` plus N(0, 1)
logits) with ``d = 1`` plus noise; ``gaussian`` = N(0, 1) logits and ``d``.

With a learned embedding ``x`` both are ``A(x) = Σ_k x_k A_k`` — linear in ``x`` as every level is —
which is not what the architectures do with embedded inputs (their keys depend on ``x``).

    >>> import torch
    >>> m = HouseRNN(2, 2, 4, householders=2, seed=0).double()
    >>> A = m.transitions()
    >>> [int(torch.linalg.matrix_rank(A[k] - torch.eye(4))) for k in range(2)]
    [2, 2]
    >>> p = MonoRNN(3, 3, 4, seed=0).permutations()
    >>> bool(((p == 0) | (p == 1)).all() and (p.sum(-1) == 1).all() and (p.sum(-2) == 1).all())
    True
"""

from __future__ import annotations

import math
from typing import Any

import torch

from bilinear.theory.errors import expected

from bilinear.verify.kernels import house as compiled_house
from bilinear.verify.kernels import sinkhorn as compiled
from bilinear.verify.kernels.table import Table
from bilinear.verify.models.base import BilinearRNN, _gaussian

__all__ = ["HouseRNN", "MonoRNN", "sinkhorn", "hard_permutation", "greedy_permutation", "path_sinkhorn",
           "path_hard_permutation"]

_TINY = 1e-30
_SINKHORN_STEPS = 8


def _unit(v: torch.Tensor) -> torch.Tensor:
    return v / torch.linalg.vector_norm(v, dim=-1, keepdim=True).clamp_min(_TINY)


def _mix(y: torch.Tensor, x: torch.Tensor | None, tok: torch.Tensor) -> torch.Tensor:
    """From ``y`` (N, D, H) = ``A_k h`` for every k: ``A_tok h`` (one-hot) or ``Σ_k x_k A_k h``."""
    if x is None:
        n, _, H = y.shape
        return torch.gather(y, 1, tok.view(n, 1, 1).expand(n, 1, H)).squeeze(1)
    return torch.einsum("nk,nkh->nh", x, y)


class HouseRNN(BilinearRNN):
    """HOUSE(H, n_h): ``A_σ`` a product of ``n_h`` generalised Householder factors (module docstring)."""

    level = "house"
    transition_params = ("keys", "b")

    def __init__(self, *args: Any, householders: int = 1, **kwargs: Any) -> None:
        if isinstance(householders, bool) or not isinstance(householders, int) or householders < 1:
            raise expected("householders", "an integer >= 1", householders)
        self.householders = householders
        super().__init__(*args, **kwargs)

    def build(self, g: torch.Generator) -> None:
        D, H, nh, s = self.input_dim, self.hidden, self.householders, self.init_scale
        keys = _gaussian(g, D, nh, H)
        if self.init == "gaussian":
            b = _gaussian(g, D, nh)
        else:
            b = (3.0 if self.init == "orthogonal" else -3.0) + _gaussian(g, D, nh, std=s)
        self.keys, self.b = torch.nn.Parameter(keys), torch.nn.Parameter(b)

    def factors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(k, β)``: unit keys (D, n_h, H) and ``β = 2 sigmoid(b)`` (D, n_h)."""
        return _unit(self.keys), 2 * torch.sigmoid(self.b)

    def transitions(self) -> torch.Tensor:
        """``A`` (D, H, H) with ``A[σ] = F_{σ,n_h} ⋯ F_{σ,1}`` (differentiable): one compiled node where it
        applies (:func:`bilinear.verify.kernels.house.table`, the same value and gradient), else the torch
        code."""
        if compiled_house.applies(self.keys):
            return compiled_house.table(self.keys, self.b)
        k, beta = self.factors()
        D, H = k.shape[0], self.hidden
        A = torch.eye(H, dtype=k.dtype, device=k.device).expand(D, H, H)
        for j in range(self.householders):
            kj = k[:, j]                                                     # (D, H)
            A = A - (beta[:, j, None] * kj).unsqueeze(-1) * (kj.unsqueeze(1) @ A)   # F A = A − β k (kᵀ A)
        return A

    def table(self) -> Table:
        return Table(self.layout, self.transitions())

    def act(self, h: torch.Tensor, x: torch.Tensor | None, tok: torch.Tensor) -> torch.Tensor:
        # the factors one at a time on the vector (H per factor), for every symbol, then pick or mix
        k, beta = self.factors()
        y = h.unsqueeze(1).expand(h.shape[0], k.shape[0], self.hidden)          # (N, D, H)
        for j in range(self.householders):
            kj = k[:, j]
            y = y - (beta[:, j] * (y * kj).sum(-1)).unsqueeze(-1) * kj
        return _mix(y, x, tok)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", householders={self.householders}"


def sinkhorn(logits: torch.Tensor, steps: int = _SINKHORN_STEPS) -> torch.Tensor:
    """A nearly doubly stochastic matrix from ``logits`` (…, H, H): ``steps`` alternating row and column
    normalisations in log space (rows first, columns last, so the columns sum to 1 up to rounding)."""
    s = logits
    for _ in range(steps):
        s = s - torch.logsumexp(s, dim=-1, keepdim=True)
        s = s - torch.logsumexp(s, dim=-2, keepdim=True)
    return torch.exp(s)


@torch.no_grad()
def hard_permutation(scores: torch.Tensor) -> torch.Tensor:
    """Permutation matrices (D, H, H) from ``scores`` (D, H, H) by greedy assignment: H times, the
    largest remaining entry ``(i, j)`` sets ``P[i, j] = 1`` and strikes row i and column j.

    Computed in rounds rather than H picks: every remaining entry that is the largest of both its
    remaining row and its remaining column (ties broken by position, as the picks break them) is
    taken at once — no larger entry shares its row or column, so the picks take it too — and its row
    and column are struck; each round takes at least the largest remaining entry, and a nearly
    permutation-shaped matrix (what Sinkhorn gives) takes one to three rounds.  Scores that are not
    all finite go through the H picks themselves (:func:`greedy_permutation`)."""
    D, H, _ = scores.shape
    s = scores.detach()
    if not bool(torch.isfinite(s).all()):
        return greedy_permutation(s)
    s = s.clone()
    P = torch.zeros_like(s)
    free = torch.ones(D, H, dtype=torch.bool, device=s.device)          # rows not yet assigned
    rows = torch.arange(H, device=s.device)
    while bool(free.any()):
        across = s.argmax(-1)                                             # (D, H): each row's largest column
        down = s.argmax(-2)                                               # (D, H): each column's largest row
        take = free & (down.gather(1, across) == rows)                   # row i and column across[i] agree
        d, i = take.nonzero(as_tuple=True)
        j = across[d, i]
        P[d, i, j] = 1.0
        s[d, i, :] = -math.inf
        s[d, :, j] = -math.inf
        free[d, i] = False
    return P


@torch.no_grad()
def greedy_permutation(scores: torch.Tensor) -> torch.Tensor:
    """:func:`hard_permutation` by the H greedy picks alone (the definition, one pick per step)."""
    D, H, _ = scores.shape
    s = scores.detach().clone()
    P = torch.zeros_like(s)
    rows = torch.arange(D, device=s.device)
    for _ in range(H):
        flat = s.reshape(D, H * H).argmax(-1)
        i, j = flat // H, flat % H
        P[rows, i, j] = 1.0
        s[rows, i, :] = -math.inf
        s[rows, :, j] = -math.inf
    return P


def path_sinkhorn(logits: torch.Tensor) -> torch.Tensor:
    """:func:`sinkhorn` (8 steps) by the compiled kernel where it applies
    (:mod:`bilinear.verify.kernels.sinkhorn`), else by the torch code above: what :class:`MonoRNN` uses."""
    if compiled.applies(logits):
        return compiled.sinkhorn(logits, _SINKHORN_STEPS)
    return sinkhorn(logits)


def path_hard_permutation(scores: torch.Tensor) -> torch.Tensor:
    """:func:`hard_permutation` by the compiled kernel where it applies (which declines scores that are not
    all finite: then the picks one by one, :func:`greedy_permutation`, as :func:`hard_permutation` takes
    them), else by the torch code above."""
    if compiled.applies(scores):
        P = compiled.hard_permutation(scores)
        return greedy_permutation(scores.detach()) if P is None else P
    return hard_permutation(scores)


class MonoRNN(BilinearRNN):
    """MONO(H): ``A_σ = P_σ diag(d_σ)``, a hard permutation (straight-through Sinkhorn gradient)
    times a real diagonal (module docstring)."""

    level = "mono"
    transition_params = ("logits", "d")

    def build(self, g: torch.Generator) -> None:
        D, H, s = self.input_dim, self.hidden, self.init_scale
        logits = _gaussian(g, D, H, H)
        if self.init == "identity":
            logits = logits + 4.0 * torch.eye(H)
            d = torch.ones(D, H) + _gaussian(g, D, H, std=s)
        elif self.init == "orthogonal":
            perm = torch.argsort(torch.rand(D, H, generator=g), dim=-1)           # column j -> row perm[j]
            logits = logits + 4.0 * torch.zeros(D, H, H).scatter_(1, perm.unsqueeze(1), 1.0)
            d = torch.sign(torch.randn(D, H, generator=g)) + _gaussian(g, D, H, std=s)
        else:
            d = _gaussian(g, D, H)
        self.logits, self.d = torch.nn.Parameter(logits), torch.nn.Parameter(d)

    def permutations(self) -> torch.Tensor:
        """``P`` (D, H, H): exactly the hard permutations in value, the Sinkhorn gradient in backward."""
        S = path_sinkhorn(self.logits)
        return path_hard_permutation(S) + (S - S.detach())

    def transitions(self) -> torch.Tensor:
        """``A`` (D, H, H) with ``A[σ] = P_σ diag(d_σ)`` (column j of ``P_σ`` scaled by ``d_{σ,j}``): one
        compiled node where it applies (:func:`bilinear.verify.kernels.sinkhorn.mono_table`, the same value
        and gradient), else the torch code."""
        if compiled.applies(self.logits):
            return compiled.mono_table(self.logits, self.d, _SINKHORN_STEPS, greedy_permutation)
        return self.permutations() * self.d.unsqueeze(1)

    def table(self) -> Table:
        return Table(self.layout, self.transitions())

    def act(self, h: torch.Tensor, x: torch.Tensor | None, tok: torch.Tensor) -> torch.Tensor:
        # scale the coordinates, then permute them: P_k (d_k ⊙ h) for every symbol k
        y = torch.einsum("kij,nkj->nki", self.permutations(), h.unsqueeze(1) * self.d.unsqueeze(0))
        return _mix(y, x, tok)
