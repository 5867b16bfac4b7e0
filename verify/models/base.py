"""The base class of the bilinear models, ``h_t = A(x_t) h_{t-1}`` (docs/design.md §4, §9).

:class:`BilinearRNN` holds what every level shares — ``h0``, the readout, the affine term, the
normalisation, the input (one-hot or embedded), the reference step loop and the fast paths of
:mod:`bilinear.verify.kernels.scan`, which are given the model's :meth:`~BilinearRNN.system` (its
transition :class:`~bilinear.verify.kernels.table.Table`, ``h0`` and affine terms) — and the levels subclass it: the classical ones in :mod:`bilinear.verify.models.classic`
(which describes the recurrence, the normalisation modes and the initialisations), HOUSE and MONO in
:mod:`bilinear.verify.models.modern`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from bilinear.theory.errors import InputError, expected
from bilinear.verify.kernels import scan
from bilinear.theory.hierarchy.levels import LEVELS, Layout
from bilinear.verify.kernels.table import System, Table

__all__ = ["BilinearRNN", "NORMALISE_MODES", "INITS"]

NORMALISE_MODES = ("none", "eval", "always")
INITS = ("identity", "orthogonal", "rotation", "gaussian")
_TINY = 1e-30


def _orthogonal(g: torch.Generator, *shape: int, proper: bool = False) -> torch.Tensor:
    """Haar-random orthogonal matrices of shape ``(*batch, n, n)`` (QR with sign fix); with
    ``proper``, Haar-random rotations (determinant +1): the same draws, with the first column of
    every matrix of determinant -1 negated (a bijection of the two cosets, so still Haar on SO(n))."""
    q, r = torch.linalg.qr(torch.randn(*shape, generator=g))
    q = q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).unsqueeze(-2)
    if proper:
        flip = torch.ones(shape[-1])
        q = torch.where((torch.linalg.det(q) < 0)[..., None, None], q * torch.cat((-flip[:1], flip[1:])), q)
    return q


def _gaussian(g: torch.Generator, *shape: int, std: float = 1.0) -> torch.Tensor:
    return torch.randn(*shape, generator=g) * std


class BilinearRNN(nn.Module):
    """Base class of the hierarchy levels; subclasses define the per-symbol parameters and
    :meth:`act` (``A(x) h`` without forming ``A(x)``) and :meth:`table`.

    Arguments: ``vocab_size`` D, ``num_classes`` K, ``hidden`` H, ``embedding`` (None = one-hot,
    or the dimension of a learned token embedding), ``affine``, ``normalise``, ``init``,
    ``init_scale``, ``seed`` (initialisation only; a ``torch.Generator`` is used, so the global
    torch RNG is untouched).
    """

    level = "bilinear"
    transition_params: tuple[str, ...] = ()     # names of the parameters that define A(x)
    rotation_init = False                       # whether init="rotation" (det +1 transitions) is defined
    unit_blocks = False                         # every block of A(x) a rotation: all per-block gains 0

    def __init__(self, vocab_size: int, num_classes: int, hidden: int, *, embedding: int | None = None,
                 affine: bool = False, normalise: str = "always", init: str = "orthogonal",
                 init_scale: float = 0.01, seed: int = 0):
        super().__init__()
        if normalise not in NORMALISE_MODES:
            raise expected("normalise", f"one of {', '.join(NORMALISE_MODES)}", normalise)
        if affine and normalise == "eval":
            raise InputError("normalise: 'eval' would change the function of an affine model (it is not "
                             "scale invariant); use 'none' or 'always'")
        if init not in INITS:
            raise expected("init", f"one of {', '.join(INITS)}", init)
        if init == "rotation" and not self.rotation_init:
            raise InputError(f"init: 'rotation' (transitions of determinant +1) is for the levels full, block, "
                             f"cdiag and rot, got {self.level}")
        self.vocab_size, self.num_classes, self.hidden = int(vocab_size), int(num_classes), int(hidden)
        self.affine, self.normalise, self.init, self.init_scale = bool(affine), normalise, init, float(init_scale)
        self.embedding_dim = embedding
        g = torch.Generator().manual_seed(int(seed))
        self.input_dim = self.vocab_size if embedding is None else int(embedding)
        if embedding is not None:
            self.embed = nn.Parameter(_gaussian(g, self.vocab_size, self.input_dim))
        self.build(g)
        H = self.hidden
        self.h0 = nn.Parameter(_gaussian(g, H, std=1 / math.sqrt(H)))
        self.readout = nn.Parameter(_gaussian(g, self.num_classes, H, std=1 / math.sqrt(H)))
        if self.affine:
            self.in_weight = nn.Parameter(_gaussian(g, self.input_dim, H, std=1 / math.sqrt(H)))
            self.in_bias = nn.Parameter(torch.zeros(H))

    # -- per-level hooks ---------------------------------------------------------------------
    def build(self, g: torch.Generator) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def act(self, h: torch.Tensor, x: torch.Tensor | None, tok: torch.Tensor) -> torch.Tensor:
        """``A(x) h`` for a batch: ``h`` (N, H), ``x`` (N, Din) or None for one-hot ``tok`` (N,)."""
        raise NotImplementedError  # pragma: no cover - interface

    @property
    def layout(self) -> Layout:
        """How this level's transitions are laid out for the kernels: the level's declaration
        (:attr:`bilinear.theory.hierarchy.levels.Level.layout`), not written again here."""
        return LEVELS[self.level].layout

    def table(self) -> Table:
        """The per-symbol transitions in the kernels' layout, formed from the parameters by
        differentiable torch ops (the kernels' gradient of the table reaches the parameters by autograd)."""
        raise NotImplementedError  # pragma: no cover - interface

    def system(self) -> System:
        """The recurrence in kernel terms: the :meth:`table`, ``h0``, the affine terms and whether
        normalisation is active now (:meth:`normalising`)."""
        if self.affine:
            return System(self.table(), self.h0, self.in_weight, self.in_bias, self.normalising())
        return System(self.table(), self.h0, normalise=self.normalising())

    # -- shared machinery --------------------------------------------------------------------
    def select(self, P: torch.Tensor, x: torch.Tensor | None, tok: torch.Tensor) -> torch.Tensor:
        """``P(x) = sum_k x_k P[k]``: ``P[tok]`` for one-hot input, a matmul for embeddings."""
        if x is None:
            return P[tok]
        return (x @ P.reshape(P.shape[0], -1)).reshape(x.shape[0], *P.shape[1:])

    def normalising(self) -> bool:
        return self.normalise == "always" or (self.normalise == "eval" and not self.training)

    def inputs(self, tokens: torch.Tensor) -> torch.Tensor | None:
        """Embedded inputs (N, L, Din), or None for one-hot input (the tokens are used directly)."""
        return None if self.embedding_dim is None else self.embed[tokens]

    def update(self, h: torch.Tensor, x: torch.Tensor | None, tok: torch.Tensor) -> torch.Tensor:
        """The un-normalised new state ``A(x) h`` (plus ``B x + b`` for affine models)."""
        h = self.act(h, x, tok)
        if self.affine:
            h = h + self.select(self.in_weight, x, tok) + self.in_bias
        return h

    def states(self, tokens: torch.Tensor, log_gains: bool = False) -> Any:
        """States ``h_1 .. h_L`` (N, L, H) for token ids (N, L); with ``log_gains`` also the per-step
        gains ``log ||h_t^raw|| - log ||h_{t-1}||`` (N, L), ``h^raw`` being the state before
        normalisation — the same numbers with or without normalisation, by scale invariance.
        Computed by the fast paths of :mod:`bilinear.verify.kernels.scan` (the compiled recurrence, the
        products of the diagonal factors, or a lean step loop), equal to :meth:`reference_states`
        within float tolerance."""
        tokens = torch.as_tensor(tokens, device=self.h0.device).long()
        return scan.states(self.system(), tokens, self.inputs(tokens), log_gains)

    def reference_states(self, tokens: torch.Tensor, log_gains: bool = False) -> Any:
        """:meth:`states` by the plain step loop (one :meth:`update` per token): the reference the
        fast paths are tested and benchmarked against."""
        tokens = torch.as_tensor(tokens, device=self.h0.device).long()
        n, length = tokens.shape
        x = self.inputs(tokens)
        norm = self.normalising()
        h = self.h0.expand(n, -1)
        size = h.norm(dim=-1, keepdim=True).clamp_min(_TINY)
        if norm:
            h, size = h / size, torch.ones_like(size)
        out, gains = [], []
        for t in range(length):
            raw = self.update(h, None if x is None else x[:, t], tokens[:, t])
            new_size = raw.norm(dim=-1, keepdim=True).clamp_min(_TINY)
            if log_gains:
                gains.append((torch.log(new_size) - torch.log(size)).squeeze(-1))
            h, size = (raw / new_size, torch.ones_like(new_size)) if norm else (raw, new_size)
            out.append(h)
        states = torch.stack(out, dim=1)
        return (states, torch.stack(gains, dim=1)) if log_gains else states

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Per-token logits (N, L, K): ``logits[:, t] = R h_{t+1}``."""
        tokens = torch.as_tensor(tokens, device=self.h0.device).long()
        return scan.logits(self.system(), self.readout, tokens, self.inputs(tokens))

    def forward_with_gains(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(logits, log_gains)``; see :meth:`states` (used by the training's gain penalty)."""
        states, gains = self.states(tokens, log_gains=True)
        return states @ self.readout.T, gains

    @torch.no_grad()
    def dense_W(self) -> np.ndarray:
        """``W`` (H, H, D) with ``A(e_k) = W[:, :, k]`` (one-hot models), computed by applying the
        level's own :meth:`act` to the basis vectors — an independent check of the formula."""
        if self.embedding_dim is not None:
            raise InputError("model: dense_W needs one-hot input (embedding=None)")
        H, D = self.hidden, self.vocab_size
        eye = torch.eye(H, dtype=self.h0.dtype, device=self.h0.device)
        W = np.empty((H, H, D))
        for k in range(D):
            tok = torch.full((H,), k, dtype=torch.long, device=eye.device)
            W[:, :, k] = self.act(eye, None, tok).T.cpu().double().numpy()   # column j = A_k e_j
        return W

    def no_decay_parameters(self) -> set[str]:
        """Parameters exempt from weight decay: those of ``A(x)`` and ``h0`` (decay would bias the
        transition towards 0 or shrink rotation angles towards 0, not regularise the solution)."""
        return set(self.transition_params) | {"h0"}

    def extra_repr(self) -> str:
        return (f"level={self.level}, D={self.vocab_size}, K={self.num_classes}, H={self.hidden}, "
                f"affine={self.affine}, normalise={self.normalise}, init={self.init}")
