"""Evaluation of the bilinear recurrence over a whole sequence (docs/design.md §4, §9).

:meth:`bilinear.verify.models.base.BilinearRNN.states` (and ``forward``) compute ``h_1 .. h_L`` of
``h_t = A(x_t) h_{t-1}`` (plus ``B x_t + b`` for affine models; ``h_t <- h_t / ||h_t||`` when
normalising) through :func:`states` and :func:`logits` here, given the model's
:class:`~bilinear.verify.kernels.table.System`; the plain step loop they replace is kept as
:meth:`~bilinear.verify.models.base.BilinearRNN.reference_states`, the reference the tests and
``bilinear bench`` compare against.  With gradients on and one-hot input (the training default)
:func:`states` hands over to :mod:`bilinear.verify.kernels.fused` (one autograd node for the whole
recurrence, with a hand-written backward).  Otherwise the path is
:func:`bilinear.verify.kernels.paths.plan`'s:

* ``"native"`` and ``"grouped"`` (no gradients, one-hot input, CPU, every layout but CP): the compiled
  recurrence (:mod:`bilinear.verify.kernels.native`; :func:`logits` with the readout inside, so no state
  is held), over spans of steps whose states fit in ``_GATHER_FLOATS`` floats; ``"grouped"`` (the dense
  layout) with the rows of each step grouped by symbol, one BLAS product per symbol;
* ``"diagonal"`` (pure diagonal layouts): the products of the factors in chunks that restart from the
  unit vector (:func:`bilinear.verify.kernels.diagonal.chunks`: nothing overflows at any length,
  ``10^5`` is tested), differentiated by autograd for embedded input;
* ``"loop"`` (everything else): one lean step per token (:mod:`bilinear.verify.kernels.loop`) over
  spans whose gathered per-step operands fit in ``_GATHER_FLOATS`` floats, differentiated by autograd
  for embedded input.

Agreement with the reference step loop (tests/verify/kernels/test_scan.py): normalised states and gains
within ``1e-9`` (float64) and ``1e-4`` (float32), gradients of a training loss within ``1e-8``
and ``1e-3`` relative to their largest entry.

    >>> import torch
    >>> from bilinear.verify.models.classic import RotRNN
    >>> m = RotRNN(3, 3, 4, seed=0).double()
    >>> tokens = torch.randint(0, 3, (2, 50), generator=torch.Generator().manual_seed(0))
    >>> bool(torch.allclose(states(m.system(), tokens), m.reference_states(tokens), atol=1e-10))
    True
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from bilinear.verify.kernels import diagonal, fused, loop, native, paths
from bilinear.verify.kernels.table import System, start_of, start_size

__all__ = ["states", "logits", "path_of"]

_TRAIN_CHUNK = 256                # diagonal products per chunk with gradients (embedded input)
_EVAL_CHUNK = 32                  # without (a chunk's tensors stay in cache)
_GATHER_FLOATS = 1 << 21          # per-step operands or states held at once (floats), bounds memory
Blocks = list[tuple[torch.Tensor, "torch.Tensor | None"]]


def path_of(system: System, embedded: bool) -> paths.Path:
    """The path :func:`states` takes without gradients (:func:`bilinear.verify.kernels.paths.plan`)."""
    h0 = system.h0
    return paths.plan(system.table.layout, affine=system.affine, embedded=embedded, device=h0.device,
                      dtype=h0.dtype, width=system.table.width)


def _blocks(system: System, tokens: torch.Tensor, x: torch.Tensor | None, log_gains: bool) -> Blocks:
    """The states in blocks of consecutive steps: ``(h (N, c, H), gains (N, c) or None)``."""
    if torch.is_grad_enabled() and x is None:
        states_, gains = fused.states(system, tokens)
        return [(states_, gains if log_gains else None)]
    path = path_of(system, x is not None)
    if paths.compiled(path):                        # one-hot input without gradients
        return _native(system, tokens, log_gains, path == "grouped")
    if path == "diagonal":
        return _diagonal(system, tokens, x, log_gains)
    return _loop(system, tokens, x, log_gains)


def states(system: System, tokens: torch.Tensor, x: torch.Tensor | None = None, log_gains: bool = False):
    """The states ``(N, L, H)`` (and with ``log_gains`` the gains ``(N, L)``) that the model's
    ``reference_states`` computes, for token ids ``tokens`` (N, L) and their embedded inputs ``x``
    (N, L, Din) or None (one-hot), by the path of the module docstring."""
    tokens = torch.as_tensor(tokens, device=system.h0.device).long()
    hs, gs = zip(*_blocks(system, tokens, x, log_gains))
    out = _cat(hs)
    return (out, _cat(gs)) if log_gains else out


def logits(system: System, readout: torch.Tensor, tokens: torch.Tensor,
           x: torch.Tensor | None = None) -> torch.Tensor:
    """``states(system, tokens, x) @ readout^T`` (N, L, K), the readout applied block by block (the
    states of a long sequence are never held at once)."""
    tokens = torch.as_tensor(tokens, device=system.h0.device).long()
    path = path_of(system, x is not None) if not torch.is_grad_enabled() else None
    if path is not None and paths.compiled(path):
        return _native_logits(system, readout, tokens, path == "grouped")
    R = readout.T
    blocks = _blocks(system, tokens, x, False)
    if len(blocks) == 1 or torch.is_grad_enabled() or not all(h.transpose(0, 1).is_contiguous() for h, _ in blocks):
        return _cat([h @ R for h, _ in blocks])
    # blocks held time-major (transposed views), no gradients: read out in that layout straight into
    # one time-major buffer, so neither the states nor the logits are copied
    n, length = tokens.shape
    out = torch.empty(length, n, R.shape[1], dtype=R.dtype, device=R.device)
    a = 0
    for h, _ in blocks:
        m = h.shape[1]
        torch.matmul(h.transpose(0, 1), R, out=out[a:a + m])
        a += m
    return out.transpose(0, 1)


def _cat(parts):
    return parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)


def _span(system: System, n: int, length: int) -> int:
    """Steps per span: the per-step operands (blocks, pairs as ``2 x 2`` blocks) fit in ``_GATHER_FLOATS``."""
    table = system.table
    H = table.width
    per_step = {"blocks": H * int(table.source.shape[-1]), "pairs": 2 * H}.get(table.layout, H)
    return max(1, min(length, _GATHER_FLOATS // (n * per_step)))


def _diagonal(system: System, tokens: torch.Tensor, x: torch.Tensor | None, log_gains: bool) -> Blocks:
    """The products of the diagonal factors (:func:`bilinear.verify.kernels.diagonal.chunks`), chunk by chunk."""
    table = system.table
    steps = None if x is None else table.mixed(x.transpose(0, 1))               # (L, N, ...)
    longest = _TRAIN_CHUNK if torch.is_grad_enabled() else _EVAL_CHUNK
    prev = torch.log(start_size(system.h0)).expand(tokens.shape[0])
    out: Blocks = []
    for u, logs in diagonal.chunks(table.layout, table.values, tokens.T, steps, system.h0, longest):
        h = u if system.normalise else u * torch.exp(logs).unsqueeze(-1)
        gains = (logs - torch.cat((prev.unsqueeze(0), logs[:-1]))).T if log_gains else None
        prev = logs[-1]
        out.append((h.transpose(0, 1), gains))
    return out


def _loop(system: System, tokens: torch.Tensor, x: torch.Tensor | None, log_gains: bool) -> Blocks:
    tt = tokens.T                                                                # time-major steps
    xt = None if x is None else x.transpose(0, 1)
    n, length = tokens.shape
    prev = torch.log(start_size(system.h0)).expand(n, 1)                         # log ||h_{t-1}||
    out: Blocks = []
    for X, S, _ in loop.run(system, tt, xt, _span(system, n, length), log_gains):
        gains = None
        if log_gains:
            assert S is not None
            gains, prev = loop.gains_of(S, prev, system.normalise)
        out.append((X.transpose(0, 1), gains))
    return out


# -- the compiled recurrence ----------------------------------------------------------------------

Shift = Callable[[int, int], torch.Tensor]


def _native_setup(system: System, tokens: torch.Tensor,
                  transposed: bool = True) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, Shift | None]:
    """``(tt, Tt, x, shift)`` for the compiled recurrence: time-major checked tokens, the transposed
    table (the table itself when not ``transposed``), the start states (N, H) and ``shift(a, b)``, the
    affine terms of steps ``a..b-1`` (b - a, N, H), or None."""
    Tt = fused.native_table(system.table.layout, system.table.values, transposed=transposed)
    tt = native.check_tokens(tokens.T.contiguous(), Tt.shape[0])
    w, b = system.in_weight, system.in_bias
    shift = None
    if w is not None and b is not None:
        def shift(a: int, c: int) -> torch.Tensor:
            return (F.embedding(tt[a:c], w) + b).contiguous()
    x, _ = start_of(system.h0, system.normalise, tt.shape[1])
    # a copy always: the compiled recurrence writes the last states into x, and for one sequence
    # without normalisation x is h0 itself (a contiguous expand of it), so h0 would be overwritten
    return tt, Tt, x.clone(memory_format=torch.contiguous_format), shift


def _native_logits(system: System, readout: torch.Tensor, tokens: torch.Tensor, grouped: bool) -> torch.Tensor:
    """:func:`logits` by the compiled recurrence with the readout inside (no states held; the affine
    terms, when there are any, in spans of ``_GATHER_FLOATS``); ``grouped``: rows grouped by symbol."""
    tt, Tt, x, shift = _native_setup(system, tokens)
    length, n = tt.shape
    R, norm = readout.contiguous(), system.normalise
    if shift is None:
        return native.logits(tt, Tt, x, None, norm, R, checked=True, grouped=grouped).transpose(0, 1)
    span = max(1, min(length, _GATHER_FLOATS // (n * x.shape[1])))
    parts = [native.logits(tt[a:a + span], Tt, x, shift(a, a + span), norm, R, checked=True, grouped=grouped)
             for a in range(0, length, span)]
    return torch.cat(parts).transpose(0, 1)


def _native(system: System, tokens: torch.Tensor, log_gains: bool, grouped: bool) -> Blocks:
    """Without gradients, one-hot input, on the CPU: the compiled recurrence over spans of steps whose
    states fit in ``_GATHER_FLOATS`` floats, each span starting from the previous one's last state
    (the step loop itself, so the reference's numbers up to rounding); ``grouped``: rows grouped by symbol."""
    tt, table, x, shift = _native_setup(system, tokens, transposed=not grouped)   # grouped: the blocks themselves
    length, n = tt.shape
    H, norm = x.shape[1], system.normalise
    forward = native.forward_grouped if grouped else native.forward
    prev = torch.log(start_size(system.h0)).expand(n, 1)                         # log ||h_{t-1}||
    span = max(1, min(length, _GATHER_FLOATS // (n * H)))
    out: Blocks = []
    for a in range(0, length, span):
        part = None if shift is None else shift(a, a + span)
        X, S = forward(tt[a:a + span], table, x, part, norm, checked=True)
        x = X[-1]
        gains = None
        if log_gains:
            gains, prev = loop.gains_of(S.T, prev, norm)
        out.append((X[1:].transpose(0, 1), gains))
    return out
