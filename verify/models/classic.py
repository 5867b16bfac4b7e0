"""Bilinear RNNs at every level of the hierarchy (docs/design.md §4), batched in torch.

All levels share one recurrence and differ only in the structure of ``A(x)``::

    h_0 = learned vector (or a construction's h0)
    h_t = A(x_t) h_{t-1}                      (pure bilinear)
    h_t = A(x_t) h_{t-1} + B x_t + b          (affine = True, the ablation)
    h_t <- h_t / ||h_t||_2                    (when normalisation is active, after every step)
    logits_t = R h_t                          (linear readout, no bias: argmax is scale invariant)

``x_t`` is the one-hot vector ``e_{s_t}`` (``embedding=None``, so ``A(e_k) = A_k``) or a learned
embedding of the token.  Every level keeps per-symbol parameters ``P`` with a leading axis of size
``D`` (the input dimension) and forms ``P(x) = sum_k x_k P[k]`` — a gather for one-hot input — so
``A(x)`` is linear in ``x`` (PDIAG applies a positive map afterwards, see its docstring):

======= ============================================ ====================================
level   A(x)                                          per-symbol parameters
======= ============================================ ====================================
full    W(x), any H x H matrix                        ``W``  (D, H, H)
cp      U diag(V x) Z                                 ``V``  (D, R); ``U`` (H, R), ``Z`` (R, H)
block   blockdiag(W_1(x), ..., W_{H/B}(x)), B x B     ``W``  (D, H/B, B, B)
cdiag   2x2 blocks [[a, -b], [b, a]], (a, b) = P(x)   ``P``  (D, H/2, 2)
rot     2x2 rotations by angle theta(x) = Theta(x)    ``Theta`` (D, H/2)
rdiag   diag(V x), any sign                           ``V``  (D, H)
pdiag   diag(exp(-softplus(V x))), entries in (0, 1)  ``V``  (D, H)
house   sum_k x_k prod_j (I - beta_kj k_kj k_kj^T)    ``keys`` (D, n_h, H), ``b`` (D, n_h)
mono    sum_k x_k P_k diag(d_k), P_k a permutation    ``logits`` (D, H, H), ``d`` (D, H)
======= ============================================ ====================================

``house`` and ``mono`` (:mod:`bilinear.verify.models.modern`) form their per-symbol matrices once per
forward and then run FULL's recurrence.

Normalisation modes: ``"none"``; ``"eval"`` (only in ``eval()`` mode: training sees the raw
recurrence, evaluation cannot overflow; for a pure bilinear model this changes no prediction,
because ``h_t`` is then only rescaled by a positive number — docs/design.md §3); ``"always"`` (the
default: training and evaluation).  For a pure bilinear model ``"always"`` computes the same
predictions as ``"eval"`` but a different loss — the logits of the *unit* state — and that is
what made trained models length-generalise in our measurements (docs/results_training.md): with
the raw recurrence the loss can also be lowered by growing ``||h_t||`` over the training lengths.  An affine
model is not scale invariant, so ``"eval"`` would evaluate a different function than the one
trained: it is refused for affine models (use ``"none"`` or ``"always"``).  Non-finite logits (an
overflow) count as a wrong prediction in :mod:`bilinear.verify.experiments.evaluate`.

Initialisations (``init``; ``init_scale`` = size of the Gaussian perturbation):
``"identity"`` A_k = I + noise (diagonals near 1, rotations near angle 0); ``"orthogonal"`` A_k a
random orthogonal matrix (random angles / random signs for the diagonal levels); ``"rotation"``
(FULL, BLOCK, CDIAG, ROT) every block of A_k a random rotation, determinant +1 — the same draws as
``"orthogonal"`` with the reflections' first column negated; CDIAG's and ROT's blocks are rotations
under ``"orthogonal"`` already, so for them the two are the same.  BLOCK's default
(:meth:`bilinear.verify.models.registry.ModelConfig.resolved_init`): about half of the Haar-orthogonal
2 x 2 blocks are reflections, and most stay reflections through training (a reflection cannot become
a rotation continuously), which cost BLOCK mod-m tasks their exactness (docs/results_training.md);
``"gaussian"`` i.i.d. N(0, 1/fan-in) entries.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from bilinear.theory.errors import InputError
from bilinear.theory.hierarchy.levels import LEVEL_NAMES

from bilinear.verify.kernels.table import Table
from bilinear.verify.models.base import INITS, NORMALISE_MODES, BilinearRNN, _gaussian, _orthogonal
from bilinear.verify.models.modern import HouseRNN, MonoRNN

__all__ = ["BilinearRNN", "FullRNN", "CPRNN", "BlockRNN", "CDiagRNN", "RotRNN", "RDiagRNN", "PDiagRNN",
           "HouseRNN", "MonoRNN", "BILINEAR_LEVELS", "NORMALISE_MODES", "INITS"]


class FullRNN(BilinearRNN):
    """FULL(H): ``A(x) = sum_k x_k W[k]``, any ``H x H`` matrices (``H^2 D`` parameters)."""

    level = "full"
    transition_params = ("W",)
    rotation_init = True
    labels: tuple[str, ...] = ()        # the class names of a model read from a weight file (registry)

    def build(self, g: torch.Generator) -> None:
        D, H, s = self.input_dim, self.hidden, self.init_scale
        if self.init == "identity":
            W = torch.eye(H).expand(D, H, H) + _gaussian(g, D, H, H, std=s / math.sqrt(H))
        elif self.init in ("orthogonal", "rotation"):
            W = _orthogonal(g, D, H, H, proper=self.init == "rotation") + _gaussian(g, D, H, H, std=s / math.sqrt(H))
        else:
            W = _gaussian(g, D, H, H, std=1 / math.sqrt(H))
        if self.embedding_dim is not None:      # A(x) = sum_k x_k W[k] with x ~ N(0, 1): keep the scale
            W = W / math.sqrt(D)
        self.W = nn.Parameter(W.contiguous())

    def table(self) -> Table:
        return Table(self.layout, self.W)

    def act(self, h: torch.Tensor, x: torch.Tensor | None, tok: torch.Tensor) -> torch.Tensor:
        # all D products W[k] h in one matmul, then pick (one-hot) or mix (embedding) them: about 4x
        # faster on CPU than gathering an (N, H, H) stack of matrices and calling bmm
        n, D, H = h.shape[0], self.W.shape[0], self.hidden
        y = (h @ self.W.reshape(D * H, H).T).view(n, D, H)          # y[:, k] = W[k] h
        if x is None:
            return torch.gather(y, 1, tok.view(n, 1, 1).expand(n, 1, H)).squeeze(1)
        return torch.einsum("nk,nkh->nh", x, y)


class CPRNN(BilinearRNN):
    """CP(H, R): ``A(x) = U diag(V x) Z`` with ``U`` (H, R), ``V`` (R, D) stored as (D, R), ``Z``
    (R, H); ``R(2H + D)`` parameters.  The identity/orthogonal inits take ``U = Z^T`` with orthonormal
    rows (so ``U Z = I`` when ``R >= H``) and ``V x`` near 1 (identity) or random signs (orthogonal)."""

    level = "cp"
    transition_params = ("U", "V", "Z")

    def __init__(self, *args: Any, rank: int, **kwargs: Any) -> None:
        self.rank = int(rank)
        super().__init__(*args, **kwargs)

    def build(self, g: torch.Generator) -> None:
        D, H, R, s = self.input_dim, self.hidden, self.rank, self.init_scale
        if self.init == "gaussian":
            U, Z = _gaussian(g, H, R, std=1 / math.sqrt(R)), _gaussian(g, R, H, std=1 / math.sqrt(H))
            V = _gaussian(g, D, R)
        else:
            Q = _orthogonal(g, max(H, R), max(H, R))
            U = Q[:H, :R].clone()
            Z = U.T.clone()
            base = torch.ones(D, R) if self.init == "identity" else torch.sign(torch.randn(D, R, generator=g))
            V = base + _gaussian(g, D, R, std=s)
        self.U, self.V, self.Z = nn.Parameter(U), nn.Parameter(V), nn.Parameter(Z)

    def table(self) -> Table:
        return Table(self.layout, self.V, factors=(self.U, self.Z))

    def act(self, h: torch.Tensor, x: torch.Tensor | None, tok: torch.Tensor) -> torch.Tensor:
        return ((h @ self.Z.T) * self.select(self.V, x, tok)) @ self.U.T


class BlockRNN(BilinearRNN):
    """BLOCK(H, B): block-diagonal ``A(x)`` with ``H/B`` blocks, each ``sum_k x_k W[k, n]``
    (a FULL(B) map); ``H B D`` parameters."""

    level = "block"
    transition_params = ("W",)
    rotation_init = True

    def __init__(self, *args: Any, block: int, **kwargs: Any) -> None:
        self.block = int(block)
        super().__init__(*args, **kwargs)

    def build(self, g: torch.Generator) -> None:
        D, H, B, s = self.input_dim, self.hidden, self.block, self.init_scale
        if H % B:
            raise InputError(f"block: the hidden size {H} is not a multiple of the block size {B}")
        nb = H // B
        if self.init == "identity":
            W = torch.eye(B).expand(D, nb, B, B) + _gaussian(g, D, nb, B, B, std=s / math.sqrt(B))
        elif self.init in ("orthogonal", "rotation"):
            W = (_orthogonal(g, D, nb, B, B, proper=self.init == "rotation")
                 + _gaussian(g, D, nb, B, B, std=s / math.sqrt(B)))
        else:
            W = _gaussian(g, D, nb, B, B, std=1 / math.sqrt(B))
        self.W = nn.Parameter(W.contiguous())

    def table(self) -> Table:
        return Table(self.layout, self.W)

    def act(self, h: torch.Tensor, x: torch.Tensor | None, tok: torch.Tensor) -> torch.Tensor:
        n = h.shape[0]
        blocks = self.select(self.W, x, tok)                        # (N, H/B, B, B)
        hb = h.reshape(n, -1, self.block, 1)
        return torch.matmul(blocks, hb).reshape(n, self.hidden)


def _rotate_pairs(h: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Apply ``[[a, -b], [b, a]]`` to consecutive pairs ``(h_{2i}, h_{2i+1})``."""
    hp = h.reshape(h.shape[0], -1, 2)
    u, v = hp[..., 0], hp[..., 1]
    return torch.stack((a * u - b * v, b * u + a * v), dim=-1).reshape(h.shape)


def _unit_pairs(theta: torch.Tensor) -> torch.Tensor:
    """``(cos t, sin t)`` (..., 2) of the angles ``t`` (...): ROT's rotations as complex pairs."""
    return torch.stack((torch.cos(theta), torch.sin(theta)), -1)


def _decay(v: torch.Tensor) -> torch.Tensor:
    """PDIAG's diagonal ``exp(-softplus(v))``, in (0, 1)."""
    return torch.exp(-F.softplus(v))


class CDiagRNN(BilinearRNN):
    """CDIAG(H): ``H/2`` blocks ``[[a, -b], [b, a]]`` with ``(a, b) = P(x)`` linear in ``x`` — the real
    form of a complex diagonal ``diag(a + ib)``; ``H D`` parameters.  Orthogonal init: ``a + ib =
    exp(i theta)`` with ``theta`` uniform on the circle; identity init: ``a = 1, b = 0`` plus noise."""

    level = "cdiag"
    transition_params = ("P",)
    rotation_init = True

    def build(self, g: torch.Generator) -> None:
        D, H, s = self.input_dim, self.hidden, self.init_scale
        if H % 2:
            raise InputError(f"hidden: cdiag needs an even hidden size, got {H}")
        if self.init == "identity":
            P = torch.stack((torch.ones(D, H // 2), torch.zeros(D, H // 2)), -1) + _gaussian(g, D, H // 2, 2, std=s)
        elif self.init in ("orthogonal", "rotation"):
            th = (torch.rand(D, H // 2, generator=g) * 2 - 1) * math.pi
            P = torch.stack((th.cos(), th.sin()), -1) + _gaussian(g, D, H // 2, 2, std=s)
        else:
            P = _gaussian(g, D, H // 2, 2, std=math.sqrt(0.5))
        self.P = nn.Parameter(P)

    def table(self) -> Table:
        return Table(self.layout, self.P)

    def act(self, h: torch.Tensor, x: torch.Tensor | None, tok: torch.Tensor) -> torch.Tensor:
        p = self.select(self.P, x, tok)
        return _rotate_pairs(h, p[..., 0], p[..., 1])


class RotRNN(BilinearRNN):
    """ROT(H): ``H/2`` unit-modulus rotations ``[[cos t, -sin t], [sin t, cos t]]`` with angles
    ``t = Theta(x)`` (per symbol for one-hot input).  A subset of CDIAG(H) (``a = cos t, b = sin t``);
    not bilinear in an embedded ``x`` (the angle is linear in it).  Identity init: angles near 0;
    orthogonal/gaussian: uniform angles."""

    level = "rot"
    transition_params = ("theta",)
    rotation_init = True
    unit_blocks = True          # the per-block gain penalty is 0 (up to rounding): training skips it

    def build(self, g: torch.Generator) -> None:
        D, H, s = self.input_dim, self.hidden, self.init_scale
        if H % 2:
            raise InputError(f"hidden: rot needs an even hidden size, got {H}")
        if self.init == "identity":
            th = _gaussian(g, D, H // 2, std=s)
        else:
            th = (torch.rand(D, H // 2, generator=g) * 2 - 1) * math.pi
        self.theta = nn.Parameter(th)

    def table(self) -> Table:
        return Table(self.layout, self.theta, link=_unit_pairs)

    def act(self, h: torch.Tensor, x: torch.Tensor | None, tok: torch.Tensor) -> torch.Tensor:
        th = self.select(self.theta, x, tok)
        return _rotate_pairs(h, th.cos(), th.sin())


class RDiagRNN(BilinearRNN):
    """RDIAG(H): ``A(x) = diag(V x)``, entries of any sign; ``H D`` parameters.  Identity init:
    entries near 1; orthogonal init: random signs ``+-1`` plus noise; gaussian: N(0, 1)."""

    level = "rdiag"
    transition_params = ("V",)

    def build(self, g: torch.Generator) -> None:
        D, H, s = self.input_dim, self.hidden, self.init_scale
        if self.init == "identity":
            V = torch.ones(D, H) + _gaussian(g, D, H, std=s)
        elif self.init == "orthogonal":
            V = torch.sign(torch.randn(D, H, generator=g)) + _gaussian(g, D, H, std=s)
        else:
            V = _gaussian(g, D, H)
        self.V = nn.Parameter(V)

    def table(self) -> Table:
        return Table(self.layout, self.V)

    def act(self, h: torch.Tensor, x: torch.Tensor | None, tok: torch.Tensor) -> torch.Tensor:
        return h * self.select(self.V, x, tok)


class PDiagRNN(BilinearRNN):
    """PDIAG(H), Mamba-like: ``A(x) = diag(exp(-softplus(V x)))``, every entry in (0, 1).  For one-hot
    input this is an arbitrary positive diagonal per symbol up to a positive factor per symbol, which
    normalisation removes, so nothing of the level is lost.  Inits: identity = decays uniform in
    [0.9, 0.999] (Mamba's slow decays); orthogonal/gaussian = uniform in [0.1, 0.999]."""

    level = "pdiag"
    transition_params = ("V",)

    def build(self, g: torch.Generator) -> None:
        D, H = self.input_dim, self.hidden
        lo = 0.9 if self.init == "identity" else 0.1
        p = lo + (0.999 - lo) * torch.rand(D, H, generator=g)
        self.V = nn.Parameter(torch.log(1 / p - 1))          # softplus(V) = -log p

    def decay(self, x: torch.Tensor | None, tok: torch.Tensor) -> torch.Tensor:
        return _decay(self.select(self.V, x, tok))

    def table(self) -> Table:
        return Table(self.layout, self.V, link=_decay)

    def act(self, h: torch.Tensor, x: torch.Tensor | None, tok: torch.Tensor) -> torch.Tensor:
        return h * self.decay(x, tok)


#: Level name (:data:`bilinear.theory.hierarchy.levels.LEVEL_NAMES`: the classical levels, then house and mono) -> model class.
BILINEAR_LEVELS = {cls.level: cls for cls in (FullRNN, CPRNN, BlockRNN, CDiagRNN, RotRNN, RDiagRNN, PDiagRNN,
                                              HouseRNN, MonoRNN)}
assert sorted(BILINEAR_LEVELS) == sorted(LEVEL_NAMES)
