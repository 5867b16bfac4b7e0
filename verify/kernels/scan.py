"""Fast evaluation of the bilinear recurrence over a whole sequence (docs/design.md §4, §9).

:meth:`bilinear.verify.models.classic.BilinearRNN.states` (and ``forward``) compute ``h_1 .. h_L`` of
``h_t = A(x_t) h_{t-1}`` (plus ``B x_t + b`` for affine models; ``h_t <- h_t / ||h_t||`` when
normalising) through :func:`states` and :func:`logits` here; the plain step loop they replace is
kept as :meth:`~bilinear.verify.models.classic.BilinearRNN.reference_states`, the reference the tests and
``bilinear bench`` compare against.  With gradients on and one-hot input (the training default)
:func:`states` hands over to :mod:`bilinear.verify.kernels.fused` (one autograd node for the whole recurrence, with a
hand-written backward); the paths below are autograd-differentiable and serve gradients for learned
embeddings.  Without gradients, with one-hot input on the CPU, every level but CP is evaluated by
the compiled recurrence (:mod:`bilinear.verify.kernels.native`; :func:`logits` with the readout inside, so no state
is held), and the paths below are its fallback.

**Log-modulus scan** (pure bilinear RDIAG, PDIAG, CDIAG, ROT; one-hot or embedded input).
``A(x_t)`` is diagonal: real entries ``w_t`` (RDIAG, PDIAG) or, for the ``2 x 2`` blocks
``[[a, -b], [b, a]]`` of CDIAG and ROT, complex numbers ``w_t = a + ib`` acting on the pairs
``h_{2i} + i h_{2i+1}``.  So ``h_t = h_0 * w_1 * ... * w_t`` entrywise, and in polar form

    log |h_t| = log |h_0| + sum_{s<=t} log |w_s|,   arg h_t = arg h_0 + sum_{s<=t} arg w_s

(for real entries the sign is the parity of the number of negative factors).  For one-hot input
these prefix sums are ``C_t @ table``: the prefix counts ``C_t`` (how often each symbol occurred
in ``x_1..x_t``) times the per-symbol table of ``log |w|`` (and ``arg w`` or the negative-entry
indicator) — one matrix product for a whole chunk of steps; for embedded input a product with
the lower-triangular ones matrix.  The state is then ``exp(log |h_t| - max_j log |h_t|_j)``
times its sign or phase: the largest entry is 1, so nothing overflows or underflows at any length
(10^5 is tested), and the normalised state and the gains follow by the usual norms.  The sequence
runs in chunks of at most 32 steps (256 in training), each restarting from the unit vector of
the previous chunk's last state (a positive rescaling — docs/design.md §3), so every prefix sum
has at most a chunk's terms and rounding grows like the step loop's.  A zero entry of ``w`` is
treated as ``1e-30`` (its component decays to nothing instead of vanishing exactly).  That is
the path with gradients for embedded input.  Without gradients (evaluation) the products themselves are
cheaper: per chunk the factors are gathered once and multiplied in place, one operation per step
and one normalisation per chunk, the chunk length chosen so that no partial product leaves
``[e^-budget, e^budget]`` (budget 30 in float32, 300 in float64; :func:`chunk_length`).

**Grouped step loop** (FULL, HOUSE, MONO, CP, BLOCK and every affine variant).  A product of ``H x H``
matrices costs ``H^3`` against ``H^2`` for a matrix-vector product, so on a CPU a parallel prefix
over the matrices (a scan by chunked matrix products) is slower than the matrix-vector products it
replaces (at H=64, 64x the arithmetic); this path keeps one step per token and makes each step
lean: the per-symbol parameters of a block of steps are gathered once (BLOCK, CP and the affine
terms); HOUSE and MONO form their ``D`` matrices once per sequence and then are FULL; and FULL with
one-hot input groups the batch by symbol, so that a step is one batched
product ``A_k h`` over the rows holding symbol ``k`` (``H^2`` per row, where the reference
computes all ``D`` products ``W[k] h``, ``D H^2`` per row).  Normalisation, gains and the affine
term are the reference's, step by step.

Agreement with the reference step loop (tests/verify/kernels/test_scan.py): normalised states and gains
within ``1e-9`` (float64) and ``1e-4`` (float32), gradients of a training loss within ``1e-8``
and ``1e-3`` relative to their largest entry.

    >>> import torch
    >>> from bilinear.verify.models.classic import RotRNN
    >>> m = RotRNN(3, 3, 4, seed=0).double()
    >>> tokens = torch.randint(0, 3, (2, 50), generator=torch.Generator().manual_seed(0))
    >>> bool(torch.allclose(states(m, tokens), m.reference_states(tokens), atol=1e-10))
    True
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from bilinear.verify.kernels import fused
from bilinear.verify.kernels.table import DENSE_LEVELS, chunk_length, symbol_groups

__all__ = ["states", "logits", "scan_kind", "chunk_length", "DIAGONAL_LEVELS", "DENSE_LEVELS"]

DIAGONAL_LEVELS = ("rdiag", "pdiag", "cdiag", "rot")
_TINY = 1e-30
_LOG_TINY = -69.0                 # log(1e-30): where a zero factor's log-modulus is clamped
_TRAIN_CHUNK = 256                # steps per chunk with gradients (training: short sequences)
_EVAL_CHUNK = 32                  # steps per chunk without (a chunk's tensors stay in cache)
_GATHER_FLOATS = 1 << 21          # per-step parameters gathered at once (floats), bounds memory


def scan_kind(model) -> str:
    """``"diagonal"`` (log-modulus scan) or ``"grouped"`` (lean step loop) for ``model``."""
    return "diagonal" if model.level in DIAGONAL_LEVELS and not model.affine else "grouped"


def _blocks(model, tokens, log_gains: bool):
    """The states in blocks of consecutive steps: ``(h (N, c, H), gains (N, c) or None)``."""
    tokens = torch.as_tensor(tokens, device=model.h0.device).long()
    if torch.is_grad_enabled() and fused.supported(model):
        states_, gains = fused.states(model, tokens)
        return [(states_, gains if log_gains else None)]
    x = model.inputs(tokens)
    if not torch.is_grad_enabled() and fused.native_usable(model):
        return _native(model, tokens, log_gains)
    if scan_kind(model) == "diagonal":
        if torch.is_grad_enabled():
            return _diagonal(model, tokens, x, log_gains)
        return _diagonal_direct(model, tokens, x, log_gains)
    return _grouped(model, tokens, x, log_gains)


def states(model, tokens: torch.Tensor, log_gains: bool = False):
    """The states ``(N, L, H)`` (and with ``log_gains`` the gains ``(N, L)``) that
    :meth:`~bilinear.verify.models.classic.BilinearRNN.reference_states` computes, by the fast path of the
    model's level (module docstring)."""
    hs, gs = zip(*_blocks(model, tokens, log_gains))
    out = _cat(hs)
    return (out, _cat(gs)) if log_gains else out


def logits(model, tokens: torch.Tensor) -> torch.Tensor:
    """``states(model, tokens) @ R^T`` (N, L, K), the readout applied block by block (the states of
    a long sequence are never held at once)."""
    tokens = torch.as_tensor(tokens, device=model.h0.device).long()
    if not torch.is_grad_enabled() and fused.native_usable(model):
        return _native_logits(model, tokens)
    R = model.readout.T
    blocks = _blocks(model, tokens, False)
    if len(blocks) == 1 or not all(h.transpose(0, 1).is_contiguous() for h, _ in blocks):
        return _cat([h @ R for h, _ in blocks])
    # blocks held time-major (transposed views): read out in that layout straight into one
    # time-major buffer, so neither the states nor the logits are copied
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


def _select_seq(P: torch.Tensor, x: torch.Tensor | None, tok: torch.Tensor) -> torch.Tensor:
    """``P(x_t)`` for a block of steps: ``(*tok.shape, *P.shape[1:])``."""
    if x is None:
        return P[tok]
    return (x.reshape(-1, x.shape[-1]) @ P.reshape(P.shape[0], -1)).reshape(*tok.shape, *P.shape[1:])


# -- the log-modulus scan ------------------------------------------------------------------------

def _increments(model, x, tok):
    """Per-step log-moduli, and phases (CDIAG, ROT) or negative-entry indicators (RDIAG) or None
    (PDIAG), of the diagonal of ``A(x_t)``: shapes ``(*tok.shape, H')``."""
    level = model.level
    if level == "rdiag":
        v = _select_seq(model.V, x, tok)
        return torch.log(v.abs()).clamp_min(_LOG_TINY), (v.detach() < 0).to(v.dtype)
    if level == "pdiag":
        return -F.softplus(_select_seq(model.V, x, tok)), None
    if level == "cdiag":
        p = _select_seq(model.P, x, tok)
        a, b = p[..., 0], p[..., 1]
        return 0.5 * torch.log(a * a + b * b).clamp_min(2 * _LOG_TINY), torch.atan2(b, a)
    th = _select_seq(model.theta, x, tok)                                         # rot: unit modulus
    return None, th


def _prefix(table_or_steps, counts, tri):
    """Prefix sums over a chunk: ``counts @ table`` (one-hot) or ``tri @ steps`` (embedded)."""
    if table_or_steps is None:
        return None
    return counts @ table_or_steps if tri is None else tri @ table_or_steps


def _diagonal(model, tokens, x, log_gains):
    n, length = tokens.shape
    H = model.hidden
    pairs = model.level in ("cdiag", "rot")
    norm = model.normalising()
    dtype, dev = model.h0.dtype, model.h0.device
    h0 = model.h0.view(H // 2, 2) if pairs else model.h0
    if pairs:                                                   # polar form of the start
        mod0 = torch.linalg.vector_norm(h0, dim=-1)
        start_log, start_arg = torch.log(mod0).clamp_min(_LOG_TINY), torch.atan2(h0[:, 1], h0[:, 0])
    else:
        start_log, start_arg = torch.log(h0.abs()).clamp_min(_LOG_TINY), (h0.detach() < 0).to(dtype)
    size0 = torch.linalg.vector_norm(model.h0).clamp_min(_TINY)
    start_log = (start_log - torch.log(size0)).expand(n, 1, -1)                  # the unit vector h0/||h0||
    start_arg = start_arg.expand(n, 1, -1)
    log_scale = torch.log(size0).expand(n, 1)                                    # log of the scale divided out
    one_hot = x is None
    if one_hot:
        lg_tab, ph_tab = _increments(model, None, torch.arange(model.vocab_size, device=dev))
    else:
        lg_all, ph_all = _increments(model, x, tokens)
    c = _TRAIN_CHUNK if torch.is_grad_enabled() else _EVAL_CHUNK
    out = []
    for a in range(0, length, c):
        tok = tokens[:, a:a + c]
        m = tok.shape[1]
        if one_hot:
            counts = torch.zeros(n, m, model.vocab_size, dtype=dtype, device=dev)
            counts.scatter_(2, tok.unsqueeze(-1), 1.0)
            counts = counts.cumsum(1)
            lg, ph, tri = lg_tab, ph_tab, None
        else:
            counts, tri = None, torch.ones(m, m, dtype=dtype, device=dev).tril()
            lg, ph = (None if lg_all is None else lg_all[:, a:a + m]), ph_all[:, a:a + m] if ph_all is not None else None
        lmod = _prefix(lg, counts, tri)
        lmod = start_log if lmod is None else lmod + start_log                  # (N, m, H')
        phase = _prefix(ph, counts, tri)
        phase = start_arg if phase is None else phase + start_arg
        top = lmod.detach().amax(-1, keepdim=True)                              # (N, m, 1)
        mag = torch.exp(lmod - top) if lmod.shape[1] == m else torch.exp(lmod - top).expand(n, m, -1)
        if pairs:
            u = torch.stack((mag * torch.cos(phase), mag * torch.sin(phase)), dim=-1).reshape(n, m, H)
        else:
            with torch.no_grad():
                sign = 1.0 - 2.0 * torch.remainder(phase, 2.0)
            u = mag * sign
        size = torch.linalg.vector_norm(u, dim=-1, keepdim=True).clamp_min(_TINY)   # (N, m, 1)
        unit = u / size
        logsize = (torch.log(size) + top).squeeze(-1)                           # log ||h_t|| - log_scale
        gains = None
        if log_gains:                                                           # the chunk starts from a unit vector
            gains = torch.cat((logsize[:, :1], logsize[:, 1:] - logsize[:, :-1]), dim=1)
        out.append((unit if norm else unit * torch.exp(logsize + log_scale).unsqueeze(-1), gains))
        last = unit[:, -1:]                                                     # the next chunk's start
        if pairs:
            pl = last.reshape(n, 1, H // 2, 2)
            start_log = torch.log(torch.linalg.vector_norm(pl, dim=-1)).clamp_min(_LOG_TINY)
            start_arg = torch.atan2(pl[..., 1], pl[..., 0])
        else:
            start_log = torch.log(last.abs()).clamp_min(_LOG_TINY)
            start_arg = (last.detach() < 0).to(dtype)
        log_scale = log_scale + logsize[:, -1:]
    return out


def _factors(model, x, tok) -> torch.Tensor:
    """The diagonal of ``A(x_t)`` itself: real ``(*tok.shape, H)`` or complex ``(*tok.shape, H/2)``."""
    level = model.level
    if level == "rdiag":
        return _select_seq(model.V, x, tok)
    if level == "pdiag":
        return torch.exp(-F.softplus(_select_seq(model.V, x, tok)))
    if level == "cdiag":
        return torch.view_as_complex(_select_seq(model.P, x, tok).contiguous())
    th = _select_seq(model.theta, x, tok)                                         # rot
    return torch.polar(torch.ones_like(th), th)


def _diagonal_direct(model, tokens, x, log_gains):
    """Without gradients (evaluation): the products themselves, one in-place multiplication per
    step on the gathered factors of a chunk, and one normalisation per chunk; the chunk length
    keeps every partial product in ``[e^-budget, e^budget]`` (:func:`chunk_length`), so the
    unit-vector restart at each chunk prevents overflow at any length.  A zero factor stays an
    exact zero here."""
    n, length = tokens.shape
    H = model.hidden
    pairs = model.level in ("cdiag", "rot")
    norm = model.normalising()
    h0 = torch.view_as_complex(model.h0.view(H // 2, 2)) if pairs else model.h0
    size0 = torch.linalg.vector_norm(model.h0).clamp_min(_TINY)
    start = (h0 / size0).expand(n, -1)
    log_scale = torch.log(size0).expand(n, 1)
    tt = tokens.T
    if x is None:
        table = _factors(model, None, torch.arange(model.vocab_size, device=tokens.device))
        c = chunk_length(table, model.h0.dtype, _EVAL_CHUNK)
        w_all = None
    else:
        w_all = _factors(model, x, tokens).transpose(0, 1).contiguous()          # (L, N, H')
        c = chunk_length(w_all, model.h0.dtype, _EVAL_CHUNK)
    out = []
    for a in range(0, length, c):
        w = fused._gather(table, tt[a:a + c]) if w_all is None else w_all[a:a + c]     # (m, N, H'), time-major
        prev = start
        for j in range(w.shape[0]):
            prev = torch.mul(prev, w[j], out=w[j])
        r = torch.view_as_real(w).reshape(w.shape[0], n, H) if pairs else w
        size = torch.linalg.vector_norm(r, dim=-1, keepdim=True).clamp_min(_TINY)   # (m, N, 1)
        gains = None
        if log_gains:                                   # the chunk starts from a unit vector
            logs = torch.log(size.squeeze(-1))
            gains = torch.cat((logs[:1], logs[1:] - logs[:-1])).T
        h = r / size if norm else r * torch.exp(log_scale).unsqueeze(0)
        out.append((h.transpose(0, 1), gains))
        start = w[-1] / size[-1]
        log_scale = log_scale + torch.log(size[-1])
    return out


# -- the compiled recurrence ----------------------------------------------------------------------

def _native_setup(model, tokens):
    """``(tt, Tt, x, shift)`` for the compiled recurrence: time-major checked tokens, the transposed
    table, the start states (N, H) and ``shift(a, b)``, the affine terms of steps ``a..b-1``
    (b - a, N, H), or None."""
    tt = tokens.T.contiguous()
    n, H = tt.shape[1], model.hidden
    Tt = fused.native_table_of(model, transposed=True)
    tt = fused.native.check_tokens(tt, Tt.shape[0])
    shift = None
    if model.affine:
        def shift(a, b):
            return (F.embedding(tt[a:b], model.in_weight) + model.in_bias).contiguous()
    size0 = torch.linalg.vector_norm(model.h0).clamp_min(_TINY)
    x = (model.h0 / size0 if model.normalising() else model.h0).expand(n, H).contiguous()
    return tt, Tt, x, shift


def _native_logits(model, tokens):
    """:func:`logits` by the compiled recurrence with the readout inside (no states held; the affine
    terms, when there are any, in spans of ``_GATHER_FLOATS``)."""
    tt, Tt, x, shift = _native_setup(model, tokens)
    length, n = tt.shape
    R, norm = model.readout.contiguous(), model.normalising()
    if shift is None:
        return fused.native.logits(tt, Tt, x, None, norm, R, checked=True).transpose(0, 1)
    span = max(1, min(length, _GATHER_FLOATS // (n * model.hidden)))
    parts = [fused.native.logits(tt[a:a + span], Tt, x, shift(a, a + span), norm, R, checked=True)
             for a in range(0, length, span)]
    return torch.cat(parts).transpose(0, 1)


def _native(model, tokens, log_gains):
    """Without gradients, one-hot input, on the CPU: the compiled recurrence (:mod:`bilinear.verify.kernels.native`)
    over spans of steps whose states fit in ``_GATHER_FLOATS`` floats, each span starting from the
    previous one's last state (the step loop itself, so the reference's numbers up to rounding)."""
    tt, Tt, x, shift = _native_setup(model, tokens)
    length, n = tt.shape
    H, norm = model.hidden, model.normalising()
    prev = torch.log(torch.linalg.vector_norm(model.h0).clamp_min(_TINY)).expand(n)   # log ||h_{t-1}||
    span = max(1, min(length, _GATHER_FLOATS // (n * H)))
    out = []
    for a in range(0, length, span):
        part = None if shift is None else shift(a, a + span)
        X, S = fused.native.forward(tt[a:a + span], Tt, x, part, norm, checked=True)
        x = X[-1]
        gains = None
        if log_gains:
            logs = torch.log(S.T)                                                # (N, c): log ||A h_{t-1}||
            if not norm:
                logs, prev = logs - torch.cat((prev.unsqueeze(1), logs[:, :-1]), dim=1), logs[:, -1]
            gains = logs
        out.append((X[1:].transpose(0, 1), gains))
    return out


# -- the grouped step loop ------------------------------------------------------------------------

def _stepper(model, tok, xs, W=None):
    """``step(h, j)`` = ``A(x_j) h`` (+ the affine term) for the steps of ``tok`` (c, N) (time-major;
    ``xs`` (c, N, Din) or None), with the per-symbol parameters of these steps gathered once.  ``W``
    (D, H, H): the matrices of a dense level (:data:`DENSE_LEVELS`), formed once per sequence."""
    n, H, level = tok.shape[1], model.hidden, model.level
    if W is not None and xs is None:
        D = model.vocab_size
        M, src, pos = symbol_groups(tok.cpu().numpy(), D)
        src, pos = torch.as_tensor(src, device=tok.device), torch.as_tensor(pos, device=tok.device)
        Wt = W.transpose(1, 2)

        def linear(h, j):
            y = torch.bmm(h.index_select(0, src[j]).view(D, M, H), Wt)       # y[k] = rows of symbol k times W[k]^T
            return y.view(D * M, H).index_select(0, pos[j])
    elif W is not None:
        Wflat = W.reshape(-1, H).T                                              # (H, D*H)

        def linear(h, j):                                                       # sum_k x_k W[k] h
            return torch.einsum("nk,nkh->nh", xs[j], (h @ Wflat).view(n, -1, H))
    elif level == "block":
        B = model.block
        blocks = _select_seq(model.W, xs, tok)                                  # (c, N, H/B, B, B)

        def linear(h, j):
            return torch.matmul(blocks[j], h.view(n, -1, B, 1)).view(n, H)
    elif level == "cp":
        v = _select_seq(model.V, xs, tok)                                       # (c, N, R)
        Zt, Ut = model.Z.T, model.U.T

        def linear(h, j):
            return ((h @ Zt) * v[j]) @ Ut
    else:
        def linear(h, j):
            return model.apply(h, None if xs is None else xs[j], tok[j])
    if not model.affine:
        return linear
    shift = _select_seq(model.in_weight, xs, tok) + model.in_bias                  # (c, N, H)
    return lambda h, j: linear(h, j) + shift[j]


def _grouped(model, tokens, x, log_gains):
    tt = tokens.T                                                                # time-major steps
    xt = None if x is None else x.transpose(0, 1)
    length, n = tt.shape
    norm = model.normalising()
    W = model.transitions() if model.level in DENSE_LEVELS else None            # once per sequence
    h = model.h0.expand(n, -1)
    size0 = torch.linalg.vector_norm(h, dim=-1, keepdim=True).clamp_min(_TINY)
    if norm:
        h = h / size0
    prev = torch.log(size0).squeeze(-1)                                          # log ||h_{t-1}|| (raw model)
    per_step = model.hidden * model.block if model.level == "block" else model.hidden
    span = max(1, min(length, _GATHER_FLOATS // (n * per_step)))
    out = []
    for a in range(0, length, span):
        step = _stepper(model, tt[a:a + span], None if xt is None else xt[a:a + span], W)
        hs, sizes = [], []
        for j in range(min(span, length - a)):
            raw = step(h, j)
            if norm or log_gains:
                size = torch.linalg.vector_norm(raw, dim=-1, keepdim=True).clamp_min(_TINY)
                sizes.append(size)
                h = raw / size if norm else raw
            else:
                h = raw
            hs.append(h)
        gains = None
        if log_gains:
            logs = torch.log(torch.cat(sizes, dim=1))                           # (N, c): log ||A h_{t-1}||
            if not norm:                                                         # h_{t-1} is not a unit vector
                logs, prev = logs - torch.cat((prev.unsqueeze(1), logs[:, :-1]), dim=1), logs[:, -1]
            gains = logs
        out.append((torch.stack(hs, dim=1), gains))
    return out
