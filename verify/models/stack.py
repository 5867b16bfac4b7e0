"""Trainable stacks of diagonal bilinear layers with a small MLP between layers (docs/design.md §9, depth).

A :class:`BilinearStack` of level ``cdiag``, ``rot`` or ``rdiag`` has ``k`` layers; layer ``i`` runs
``h_t = A_i(x_t) h_{t-1}`` (normalised after every step) with ``A_i(x) = sum_s x_s A_i(e_s)`` over its own
``D_i`` input symbols, and a readout ``R_i`` whose scores give soft labels ``p_i = softmax(beta R_i h)``.
Its input ``x_t`` is the output of a decoder MLP (one ReLU hidden layer, then a softmax over the
``D_i`` symbols) of the one-hot token and the soft labels of the layers below at the same step; the
output MLP maps the soft labels of all layers to logits over the task's labels.  Transitions per
level: ``cdiag`` pairs ``(a, b)`` per symbol and 2x2 block, ``rot`` an angle (``a = cos``, ``b = sin``),
``rdiag`` a real diagonal.

:meth:`BilinearStack.from_cascade` sets every parameter from a certified cascade file
(:mod:`bilinear.constructions.cascade_file`): the layers' float weights, and as decoder / output MLPs the
file's exact MLPs (:mod:`bilinear.constructions.lookup_mlp`), which realise the lookup tables on one-hot
inputs — one hidden unit per table cell ``(token, c_1, ...)`` with weight 1 on each of its indicators and
bias ``-(number of indicators - 1)``, so the unit is 1 on its cell and 0 elsewhere — with output logits
``scale`` times the units of each symbol.  With soft labels at
``beta = 20`` the stack then reproduces the cascade (checked by a test).  ``noise`` perturbs every
parameter tensor by ``noise`` times its root mean square times a standard normal.

**Fast paths.** With a continuous input the layer recurrence is still elementwise, ``h_t = w_t * h_{t-1}``
with ``w_t = sum_s x_{t,s} w(e_s)`` a complex number per pair (``cdiag``, ``rot``) or a real number per
entry (``rdiag``), so a layer's normalised states over the whole sequence follow from the cumulative
products of the ``w_t``, with no Python loop over time.  :meth:`BilinearStack.layer_states` has three
paths: ``"polar"`` (the default; :func:`bilinear.verify.kernels.diagonal.polar_states`: one cumulative
sum of the factors' log-moduli and one of their angles over the whole sequence, in float64, the largest
entry's modulus divided out per step), ``"chunks"`` (the single-layer models' ``"diagonal"`` path with
embedded input, :func:`bilinear.verify.kernels.scan.states`: cumulative products in chunks that restart
from unit vectors) and ``"loop"`` (:meth:`BilinearStack.reference_layer_states`, the step loop,
normalised after every step as the single-layer models' reference).  The three agree in float64,
gradients included (tests/verify/models/test_stack.py); ``benchmarks/stack_speed.py`` measures the
ratios (docs/results_depth.md).

**Training** (``bilinear train --model cdiag --layers K``, :func:`bilinear.verify.models.registry.make_model`):
:meth:`BilinearStack.for_task` builds a stack of ``K`` equal layers of hidden size ``H`` (``H`` input
symbols and ``H`` readout rows per layer, decoder and output MLPs of width ``2H``) in float32;
:meth:`BilinearStack.no_decay_parameters` exempts the transitions and start states from weight decay,
as for one layer.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from bilinear.constructions.lookup_mlp import lookup_mlp
from bilinear.theory.errors import InputError, check_choice, expected
from bilinear.verify.kernels import scan
from bilinear.verify.kernels.diagonal import polar_states
from bilinear.verify.kernels.table import TINY, System, Table

__all__ = ["BilinearStack", "STACK_LEVELS", "STACK_PATHS"]

STACK_LEVELS = ("cdiag", "rot", "rdiag")
#: how a layer's recurrence runs (:meth:`BilinearStack.layer_states`)
STACK_PATHS = ("polar", "chunks", "loop")


class BilinearStack(nn.Module):
    """``k`` layers (``hidden[i]``, ``symbols[i]`` input symbols, ``labels[i]`` readout rows), decoder MLPs
    of widths ``decoder_width[i]`` and an output MLP of width ``output_width`` (see the module docstring)."""

    def __init__(self, level: str, vocab_size: int, num_classes: int, hidden, symbols, labels, decoder_width,
                 output_width: int, beta: float = 20.0, seed: int = 0):
        super().__init__()
        self.level = check_choice("level", level, STACK_LEVELS)
        self.k = len(hidden)
        if not (self.k >= 1 and len(symbols) == len(labels) == len(decoder_width) == self.k):
            raise InputError("stack: hidden, symbols, labels and decoder_width need one entry per layer")
        if level in ("cdiag", "rot") and any(h % 2 for h in hidden):
            raise InputError(f"hidden: {level} needs even hidden sizes, got {list(hidden)}")
        self.vocab_size, self.num_classes, self.beta = int(vocab_size), int(num_classes), float(beta)
        self.hidden, self.symbols, self.labels = list(hidden), list(symbols), list(labels)
        g = torch.Generator().manual_seed(int(seed))

        def rnd(*shape, std=1.0):
            return nn.Parameter(torch.randn(*shape, generator=g, dtype=torch.float64) * std)
        self.trans = nn.ParameterList()
        self.h0 = nn.ParameterList()
        self.readout = nn.ParameterList()
        self.dec1, self.dec1b, self.dec2, self.dec2b = (nn.ParameterList() for _ in range(4))
        for i, (H, D, K, M) in enumerate(zip(hidden, symbols, labels, decoder_width)):
            if level == "cdiag":
                self.trans.append(rnd(D, 2, H // 2, std=1 / math.sqrt(2)))       # a, b
            elif level == "rot":
                self.trans.append(nn.Parameter(torch.rand(D, 1, H // 2, generator=g, dtype=torch.float64) * 2 * math.pi))
            else:
                self.trans.append(rnd(D, 1, H))
            self.h0.append(rnd(H, std=1 / math.sqrt(H)))
            self.readout.append(rnd(K, H, std=1 / math.sqrt(H)))
            n_in = self.vocab_size + sum(labels[:i])
            self.dec1.append(rnd(M, n_in, std=1 / math.sqrt(n_in)))
            self.dec1b.append(rnd(M, std=0.1))
            self.dec2.append(rnd(D, M, std=1 / math.sqrt(M)))
            self.dec2b.append(rnd(D, std=0.1))
        n_in = sum(labels)
        self.out1, self.out1b = rnd(output_width, n_in, std=1 / math.sqrt(n_in)), rnd(output_width, std=0.1)
        self.out2, self.out2b = rnd(num_classes, output_width, std=1 / math.sqrt(output_width)), rnd(num_classes, std=0.1)

    @classmethod
    def for_task(cls, level: str, vocab_size: int, num_classes: int, hidden: int, layers: int,
                 seed: int = 0) -> "BilinearStack":
        """The trainable stack of ``bilinear train --model LEVEL --layers K`` (module docstring), in float32."""
        if isinstance(layers, bool) or not isinstance(layers, int) or layers < 1:
            raise expected("layers", "an integer >= 1", layers)
        h = int(hidden)
        return cls(level, vocab_size, num_classes, [h] * layers, [h] * layers, [h] * layers, [2 * h] * layers,
                   2 * h, seed=seed).float()

    def no_decay_parameters(self) -> set[str]:
        """The transitions and start states of every layer: exempt from weight decay (as for one layer,
        :meth:`bilinear.verify.models.base.BilinearRNN.no_decay_parameters`)."""
        return {name for name, _ in self.named_parameters() if name.split(".")[0] in ("trans", "h0")}

    # ------------------------------------------------------------------ forward
    def table(self, i: int) -> Table:
        """Layer ``i``'s per-symbol transitions in the kernels' layout
        (:class:`~bilinear.verify.kernels.table.Table`): ``pairs`` ``(a, b)`` for ``cdiag``, ``(cos t,
        sin t)`` for ``rot`` (mixed as pairs: ``A(x) = sum_s x_s A(e_s)``, not a rotation by the mixed
        angle), ``diagonal`` for ``rdiag``."""
        P = self.trans[i]
        if self.level == "rdiag":
            return Table("diagonal", P[:, 0, :])
        if self.level == "cdiag":
            return Table("pairs", P.transpose(1, 2))
        return Table("pairs", torch.stack((torch.cos(P[:, 0, :]), torch.sin(P[:, 0, :])), dim=-1))

    def _step(self, i: int, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        P = self.trans[i]
        if self.level == "rdiag":
            h = (x @ P[:, 0, :]) * h
        else:
            if self.level == "cdiag":
                a, b = x @ P[:, 0, :], x @ P[:, 1, :]
            else:
                a, b = x @ torch.cos(P[:, 0, :]), x @ torch.sin(P[:, 0, :])
            h0, h1 = h[:, 0::2], h[:, 1::2]
            h = torch.stack([a * h0 - b * h1, b * h0 + a * h1], dim=-1).reshape(h.shape)
        return h / torch.linalg.vector_norm(h, dim=1, keepdim=True).clamp_min(TINY)

    def layer_inputs(self, i: int, onehot: torch.Tensor, soft: list[torch.Tensor]) -> torch.Tensor:
        """Layer ``i``'s input distribution ``(B, T, D_i)`` from the tokens and the soft labels below."""
        z = torch.cat([onehot] + soft[:i], dim=-1)
        u = torch.relu(z @ self.dec1[i].T + self.dec1b[i])
        return torch.softmax(u @ self.dec2[i].T + self.dec2b[i], dim=-1)

    def layer_states(self, i: int, tokens: torch.Tensor, x: torch.Tensor, path: str = "polar") -> torch.Tensor:
        """Layer ``i``'s normalised states ``(B, T, H_i)`` for its inputs ``x`` ``(B, T, D_i)`` by ``path``
        (:data:`STACK_PATHS`): ``"polar"`` (the default) — the whole sequence at once as cumulative sums of
        the factors' log-moduli and angles (:func:`bilinear.verify.kernels.diagonal.polar_states`);
        ``"chunks"`` — the single-layer models' ``"diagonal"`` path with embedded input
        (:func:`bilinear.verify.kernels.scan.states`: cumulative products in chunks restarting from unit
        vectors); ``"loop"`` — the plain step loop (:meth:`reference_layer_states`)."""
        path = check_choice("path", path, STACK_PATHS)
        if path == "loop":
            return self.reference_layer_states(i, tokens, x)
        table = self.table(i)
        if path == "chunks":
            return scan.states(System(table, self.h0[i], normalise=True), tokens, x)
        return polar_states(table.layout, table.mixed(x), self.h0[i])

    def reference_layer_states(self, i: int, tokens: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Layer ``i``'s states by the plain step loop (one :meth:`_step` per token, normalised after every
        step): the reference the fast paths are tested and benchmarked against."""
        B, T = tokens.shape
        h = (self.h0[i] / torch.linalg.vector_norm(self.h0[i]).clamp_min(TINY)).expand(B, -1)
        hs = []
        for t in range(T):
            h = self._step(i, h, x[:, t])
            hs.append(h)
        return torch.stack(hs, dim=1)

    def forward(self, tokens: torch.Tensor, path: str = "polar") -> torch.Tensor:
        """Logits ``(B, T, num_classes)`` after every token of ``tokens`` ``(B, T)``, every layer's states by
        ``path`` (:meth:`layer_states`)."""
        tokens = torch.as_tensor(tokens, device=self.out1.device).long()
        onehot = torch.nn.functional.one_hot(tokens, self.vocab_size).to(self.out1.dtype)
        soft: list[torch.Tensor] = []
        for i in range(self.k):
            states = self.layer_states(i, tokens, self.layer_inputs(i, onehot, soft), path)    # (B, T, H_i)
            soft.append(torch.softmax(self.beta * states @ self.readout[i].T, dim=-1))
        u = torch.relu(torch.cat(soft, dim=-1) @ self.out1.T + self.out1b)
        return u @ self.out2.T + self.out2b

    # ------------------------------------------------------------------ the certified cascade
    @classmethod
    def from_cascade(cls, cf, noise: float = 0.0, seed: int = 0, beta: float = 20.0,
                     scale: float = 20.0) -> "BilinearStack":
        """The stack set to the cascade file ``cf`` (a :class:`~bilinear.constructions.cascade_file.CascadeFile`),
        every parameter tensor then perturbed by ``noise`` times its RMS times N(0, 1) (seeded).  The decoder
        and output MLPs are the file's exact MLPs (:mod:`bilinear.constructions.lookup_mlp`; built from the
        lookup tables for a version 1 file), their second layer times ``scale``."""
        level = cf.level
        sizes = [len(wf.labels) for wf in cf.layers]
        D = len(cf.alphabet)
        mlps = cf.decoders or tuple(lookup_mlp(t, wf.shape[2]) for t, wf in zip(cf.inputs, cf.layers)) + (
            lookup_mlp(cf.output, len(cf.labels)),)
        m = cls(level, D, len(cf.labels), [wf.hidden_size for wf in cf.layers], [wf.shape[2] for wf in cf.layers],
                sizes, [mlp.width for mlp in mlps[:-1]], mlps[-1].width, beta=beta, seed=seed)
        with torch.no_grad():
            for i, wf in enumerate(cf.layers):
                A = torch.as_tensor(wf.transitions(), dtype=torch.float64)           # (D_i, H, H)
                if level == "rdiag":
                    m.trans[i].copy_(torch.diagonal(A, dim1=1, dim2=2)[:, None, :])
                else:
                    a, b = A[:, 0::2, 0::2].diagonal(dim1=1, dim2=2), A[:, 1::2, 0::2].diagonal(dim1=1, dim2=2)
                    if level == "cdiag":
                        m.trans[i].copy_(torch.stack([a, b], dim=1))
                    else:
                        m.trans[i].copy_(torch.atan2(b, a)[:, None, :])
                m.h0[i].copy_(torch.as_tensor(wf.h0))
                m.readout[i].copy_(torch.as_tensor(wf.readout))
                _set_mlp((m.dec1[i], m.dec1b[i], m.dec2[i], m.dec2b[i]), mlps[i], scale)
            _set_mlp((m.out1, m.out1b, m.out2, m.out2b), mlps[-1], scale)
            if noise:
                g = torch.Generator().manual_seed(int(seed) + 1)
                for p in m.parameters():
                    rms = float(torch.sqrt(torch.mean(p ** 2))) or 1.0
                    p.add_(torch.randn(p.shape, generator=g, dtype=p.dtype) * noise * rms)
        return m


def _set_mlp(params, mlp, scale: float) -> None:
    """Copy an exact :class:`~bilinear.constructions.lookup_mlp.LookupMLP` into ``(W1, b1, W2, b2)``, the second
    layer times ``scale`` (the softmax over the outputs then puts ``1 - O(e^-scale)`` on the decision)."""
    W1, b1, W2, b2 = params
    W1.copy_(torch.as_tensor(mlp.w1))
    b1.copy_(torch.as_tensor(mlp.b1))
    W2.copy_(torch.as_tensor(mlp.w2) * scale)
    b2.copy_(torch.as_tensor(mlp.b2) * scale)
