"""The fused training step: the recurrence and the training loss as one autograd node, every level
(docs/design.md §4, §9).

:func:`objective` is the training objective (cross-entropy of the readout, plus the gain penalty)
that :func:`bilinear.verify.experiments.train._objective` uses for every bilinear model with one-hot input (the
default); :func:`states` is the recurrence alone (states and gains), which
:func:`bilinear.verify.kernels.scan.states` uses whenever gradients are on and the input is one-hot.  Both compute
the forward under ``no_grad`` and have a hand-written backward, so a training step builds one
autograd node instead of several per step.  The autograd-differentiable paths of
:mod:`bilinear.verify.kernels.scan` remain for learned embeddings, and
:meth:`~bilinear.verify.models.classic.BilinearRNN.reference_states` (the plain step loop, differentiated
by autograd) is the reference the tests compare every gradient with.

Notation (the reference's, step by step): ``x_0 = h0/||h0||`` when normalising, else ``h0``;
``y_t = A_t x_{t-1} (+ c_t)`` with ``A_t = A(e_{s_t})`` and ``c_t = B e_{s_t} + b`` for affine
models; ``s_t = ||y_t||``; ``x_t = y_t / s_t`` when normalising, else ``y_t``; the gain is
``log s_t - log ||x_{t-1}||``.  Normalisation is the model's own (``normalise`` and the training
flag, :meth:`~bilinear.verify.models.classic.BilinearRNN.normalising`), differentiated exactly.  Given
the gradients ``g_t`` of the states and ``l_t`` of the gains:

* **diagonal levels, pure** (RDIAG, PDIAG, CDIAG, ROT): forward by cumulative products of the
  gathered factors (real, or complex for the ``2 x 2`` blocks), restarting from the unit vector
  whenever a partial product could leave ``[e^-budget, e^budget]``
  (:func:`bilinear.verify.kernels.scan.chunk_length`), so nothing overflows at any length.  Backward in closed
  form, no loop: with ``λ_t = log |h_t^raw|`` (entrywise, or per complex pair) and ``φ_t`` its
  phase, ``λ_t = λ_0 + C_t Λ`` and ``φ_t = φ_0 + C_t Φ`` for the prefix symbol counts ``C_t`` and
  the per-symbol tables ``Λ = log |w|``, ``Φ = arg w``.  With ``u_t`` the unit state, ``q_t =
  |u_t|^2`` per entry or pair and ``c_t = l_t - l_{t+1}`` (the gain is ``N_t - N_{t-1}``,
  ``N_t = log ||h_t^raw||``, ``dN_t/dλ_t = q_t``):
  ``dλ_t = <g_t, x_t> - q_t sum <g_t, u_t> + c_t q_t`` (the middle term only when normalising;
  ``<.,.>`` per entry or pair), ``dφ_t = <g_t, i x_t>`` per pair, ``dΛ = sum_t C_t^T dλ_t`` and
  ``dΦ`` alike (one matrix product each), ``dλ_0 = sum_t dλ_t - l_1 q_0``; the parameters follow
  by the chain rule of ``Λ, Φ`` (``1/v`` for RDIAG, ``-sigmoid(v)`` for PDIAG, the polar
  derivatives for CDIAG, ``dΦ`` itself for ROT) and ``h0`` by that of its polar form.
* **every other level and every affine variant**: one step loop under ``no_grad`` with the
  level's per-symbol parameters gathered once (FULL: each ``W[k]`` multiplies only the rows
  holding symbol ``k``, one grouped ``bmm``; BLOCK, and CDIAG, ROT as blocks of size 2: one
  ``bmm`` of the gathered ``B x B`` blocks).  Backward by the adjoint recurrence
  ``G_{t-1} = g_{t-1} + A_t^T dy_t`` with ``dy_t = (G_t - x_t(<x_t, G_t> - c_t)) / s_t`` when
  normalising (``c_t = l_t``) and ``dy_t = G_t + c_t y_t / s_t^2`` otherwise (``c_t = l_t -
  l_{t+1}``); the weight gradient ``sum_t dy_t x_{t-1}^T``, restricted to ``A``'s structure, is
  accumulated over all steps at once — FULL by one batched product over the rows grouped by
  symbol, BLOCK, CDIAG, ROT, RDIAG, PDIAG by one ``index_add`` over the symbols, CP by three
  matrix products, the affine terms by an ``index_add`` and a sum — and ``h0`` through
  ``h0/||h0||``.

The loss's backward is written out: ``softmax - onehot`` over the labelled steps, through the
readout ``R`` (the logits held transposed, ``R h^T``: for a readout of few classes that product is
several times faster than ``h R^T``); ``2 λ (gain - mean) / (n - 1)`` for the penalty.  States, gains, loss and every
gradient equal the reference's within ``1e-10`` / ``1e-9`` (float64) and ``1e-5`` / ``1e-4``
(float32) relative to the largest entry (tests/verify/kernels/test_fused.py: every level, affine or not,
every normalisation, per-step and final labels, with and without the penalty).

    >>> import torch
    >>> from bilinear.verify.models.classic import CDiagRNN
    >>> m = CDiagRNN(3, 3, 4, seed=0).double()
    >>> tok = torch.randint(0, 3, (2, 6), generator=torch.Generator().manual_seed(0))
    >>> s, g = states(m, tok)
    >>> bool(torch.allclose(s, m.reference_states(tok), atol=1e-12))
    True
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from bilinear.verify.kernels import native, paths
from bilinear.verify.kernels.table import DENSE_LEVELS, LAYOUTS, chunk_length, symbol_groups

__all__ = ["states", "objective", "supported", "native_usable", "level_table", "Recurrence", "Objective"]

_TINY = 1e-30
_LOG_TINY = -69.0                 # log(1e-30), where a zero modulus's logarithm is clamped
_DIAGONAL = ("rdiag", "pdiag", "cdiag", "rot")
_PAIRS = ("cdiag", "rot")


def supported(model) -> bool:
    """Whether the fused paths handle ``model``: a bilinear model (every level; HOUSE and MONO through
    their matrices ``transitions()``, whose own gradient autograd carries on; affine or not) with
    one-hot input."""
    return (getattr(model, "transition_params", None) is not None and model.embedding_dim is None
            and model.level in DENSE_LEVELS + ("cp", "block", "cdiag", "rot", "rdiag", "pdiag"))


def native_usable(model) -> bool:
    """Whether the compiled recurrence (:mod:`bilinear.verify.kernels.native`) runs ``model``'s recurrence: every
    level but CP, one-hot input, float32 or float64 on the CPU, and the library available."""
    return paths.plan(LAYOUTS[model.level], affine=model.affine, embedded=model.embedding_dim is not None,
                      device=model.h0.device, dtype=model.h0.dtype) == "native"


def _plan(model, tokens):
    """``(plan, tensors)``: how the recurrence runs and the tensors it differentiates,
    ``(h0, in_weight, in_bias, *transition_params)`` (``None`` for the absent affine terms)."""
    tokens = torch.as_tensor(tokens, device=model.h0.device).long()
    norm = model.normalising()
    params = tuple(getattr(model, name) for name in model.transition_params)
    shift = (model.in_weight, model.in_bias) if model.affine else (None, None)
    dense = model.level in DENSE_LEVELS     # FULL's W, or HOUSE's and MONO's matrices formed by autograd
    spec = ("full", model.vocab_size, None) if dense else (model.level, model.vocab_size, getattr(model, "block", None))
    tensors = (model.h0, *shift, model.transitions()) if dense else (model.h0, *shift, *params)
    if native_usable(model):
        return ("native", spec, norm, tokens), tensors
    if model.level in _DIAGONAL and not model.affine:
        return ("diagonal", model.level, norm, tokens), (model.h0, None, None, *params)
    return ("loop", spec, norm, tokens), tensors


def _forward(plan, h0, in_weight, in_bias, params):
    kind, spec, norm, tokens = plan
    if kind == "diagonal":
        return _diag_forward(spec, norm, tokens, h0, params[0])
    if kind == "native":
        return _native_forward(spec, norm, tokens, h0, in_weight, in_bias, params)
    return _loop_forward(spec, norm, tokens, h0, in_weight, in_bias, params)


def _backward(plan, saved, g, gl):
    """Gradients ``(h0, in_weight, in_bias, *transition_params)`` from those of the states and gains."""
    kind, spec, norm, _ = plan
    if kind == "diagonal":
        gh0, gP = _diag_backward(spec, norm, saved, g, gl)
        return gh0, None, None, gP
    if kind == "native":
        gh0, gw, gb, grads = _native_backward(norm, saved, g, gl)
        return (gh0, gw, gb, *grads)
    gh0, gw, gb, grads = _loop_backward(norm, saved, g, gl)
    return (gh0, gw, gb, *grads)


def states(model, tokens: torch.Tensor):
    """``(states (N, L, H), gains (N, L))`` of ``model`` on one-hot ``tokens`` (N, L) through one
    autograd node (module docstring); equal to ``model.reference_states(tokens, log_gains=True)``."""
    plan, tensors = _plan(model, tokens)
    return Recurrence.apply(plan, *tensors)


def objective(model, tokens, labels, final: bool, gain_penalty: float) -> torch.Tensor:
    """The training objective of :func:`bilinear.verify.experiments.train._objective` — the mean cross-entropy of the
    readout ``R h_t`` over the labelled steps (``final``: the last step only; label ``-1`` = no
    label), plus ``gain_penalty`` times the (unbiased) variance of the gains — as one autograd node
    over the recurrence and the loss: the loss's backward is written out (``softmax - onehot``
    through ``R``; ``2 (gain - mean) / (n - 1)``) and feeds the recurrence's."""
    plan, tensors = _plan(model, tokens)
    labels = torch.as_tensor(labels, device=model.h0.device).long()
    return Objective.apply(plan, labels, bool(final), float(gain_penalty), model.readout, *tensors)


class Recurrence(torch.autograd.Function):
    """States and gains of the whole sequence as one node: ``apply(plan, h0, in_weight, in_bias,
    *transition_params)`` -> ``(states, gains)`` (see :func:`states`)."""

    @staticmethod
    def forward(ctx, plan, h0, in_weight, in_bias, *params):
        out, gains, saved = _forward(plan, h0, in_weight, in_bias, params)
        ctx.plan, ctx.saved = plan, saved
        return out, gains

    @staticmethod
    def backward(ctx, g, gl):
        return (None, *_backward(ctx.plan, ctx.saved, g, gl))


class Objective(torch.autograd.Function):
    """The training loss as one node: ``apply(plan, labels, final, gain_penalty, readout, h0,
    in_weight, in_bias, *transition_params)`` -> scalar (see :func:`objective`)."""

    @staticmethod
    def forward(ctx, plan, labels, final, penalty, R, h0, in_weight, in_bias, *params):
        out, gains, saved = _forward(plan, h0, in_weight, in_bias, params)
        n, L, H = out.shape
        time_major = out.transpose(0, 1).is_contiguous()       # the compiled path's layout: no copy
        if final:
            h, y = out[:, -1], labels[:, -1]
        elif time_major:
            h, y = out.transpose(0, 1).reshape(L * n, H), labels.T.reshape(-1)
        else:
            h, y = out.reshape(n * L, H), labels.reshape(-1)
        # logits transposed (K, rows): R @ h^T is several times faster than h @ R^T for a narrow R
        zt = R @ h.T
        if plan[0] == "native":                # torch's log_softmax, the labelled sum in C
            y = y.contiguous()
            lp = torch.log_softmax(zt, 0)
            total, count = native.xent_forward(lp, y)
            ce = torch.tensor(total, dtype=zt.dtype) / count          # 0 / 0 = nan, as below
            p, yc, weight = lp, y, 1.0 / count if count else float("nan")
        else:
            top = zt.amax(0, keepdim=True)
            e = torch.exp(zt - top)
            se = e.sum(0, keepdim=True)
            mask = (y >= 0).to(zt.dtype)
            yc = y.clamp_min(0).unsqueeze(0)
            count = mask.sum()
            ce = ((torch.log(se) + top - zt.gather(0, yc)).squeeze(0) * mask).sum() / count
            p, weight = e / se, mask / count
        loss = ce
        if penalty:
            mean = gains.mean()
            loss = ce + penalty * ((gains - mean) ** 2).sum() / (gains.numel() - 1)
            ctx.dev = gains - mean
        ctx.plan, ctx.saved, ctx.final, ctx.penalty = plan, saved, final, penalty
        ctx.head = (h, p, yc, weight, R, (n, L, H), time_major)
        return loss

    @staticmethod
    def backward(ctx, go):
        h, p, yc, weight, R, (n, L, H), time_major = ctx.head
        if ctx.plan[0] == "native":
            dzt = native.xent_backward(torch.exp(p), yc, weight * float(go))          # p: log-probabilities
        else:
            dzt = p.scatter_add(0, yc, torch.full_like(p[:1], -1.0)).mul_(weight * go)
        gR = dzt @ h
        gh = dzt.T @ R
        if ctx.final:
            g = torch.zeros(n, L, H, dtype=gh.dtype, device=gh.device)
            g[:, -1] = gh
        elif time_major:
            g = gh.view(L, n, H).transpose(0, 1)
        else:
            g = gh.view(n, L, H)
        gl = None
        if ctx.penalty:
            gl = ctx.dev * (2.0 * ctx.penalty / (ctx.dev.numel() - 1)) * go
        return (None, None, None, None, gR, *_backward(ctx.plan, ctx.saved, g, gl))


# -- diagonal levels: closed form -----------------------------------------------------------------

def _table_grad(level: str, P: torch.Tensor, dl, dp) -> torch.Tensor:
    """The gradient of the transition parameter from those of ``Λ`` and ``Φ`` (chain rule)."""
    if level == "rdiag":
        return torch.where(P.abs() > _TINY, dl / P, torch.zeros_like(P))
    if level == "pdiag":
        return -dl * torch.sigmoid(P)
    if level == "cdiag":
        a, b = P[..., 0], P[..., 1]
        r2 = (a * a + b * b).clamp_min(_TINY)
        return torch.stack(((dl * a - dp * b) / r2, (dl * b + dp * a) / r2), dim=-1)
    return dp


def _diag_forward(level, norm, tokens, h0, P):
    """States and gains of a pure diagonal level by the products themselves (cumulative products of
    the gathered factors, real or complex), restarting from the unit vector when the partial
    products could leave ``[e^-budget, e^budget]`` (:func:`bilinear.verify.kernels.scan.chunk_length`); the
    backward needs only the unit states, so the logarithms of the closed form are never formed
    per step.  Returns ``(out, gains, saved)``."""
    n, L = tokens.shape
    H = h0.shape[0]
    pairs = level in _PAIRS
    table = _factor_table(level, P)                                        # (D, H') real or complex
    c = chunk_length(table, h0.dtype, L)
    size0 = torch.linalg.vector_norm(h0).clamp_min(_TINY)
    start = (torch.view_as_complex(h0.view(-1, 2)) if pairs else h0) / size0
    start = start.expand(n, -1)
    units, logs = [], []
    offset = torch.log(size0).expand(n, 1)                                 # log of the scale divided out
    for a in range(0, L, c):
        w = _gather(table, tokens[:, a:a + c])                             # (N, m, H')
        raw = torch.cumprod(w, dim=1).mul_(start.unsqueeze(1))
        r = torch.view_as_real(raw).reshape(n, -1, H) if pairs else raw
        size = torch.linalg.vector_norm(r, dim=-1, keepdim=True).clamp_min(_TINY)
        u = r / size
        lg = torch.log(size.squeeze(-1)) + offset
        units.append(u)
        logs.append(lg)
        last = u[:, -1]
        start = torch.view_as_complex(last.reshape(n, -1, 2)) if pairs else last
        offset = lg[:, -1:]
    u = units[0] if len(units) == 1 else torch.cat(units, dim=1)
    logs = logs[0] if len(logs) == 1 else torch.cat(logs, dim=1)          # N_t = log ||h_t^raw||
    gains = logs - torch.cat((torch.log(size0).expand(n, 1), logs[:, :-1]), dim=1)
    out = u if norm else u * torch.exp(logs).unsqueeze(-1)
    return out, gains, (h0, P, tokens, u.detach(), out.detach())     # detached: no cycle through ctx


def _factor_table(level, P):
    """The diagonal of ``A_k`` per symbol: real (D, H) or complex (D, H/2)."""
    if level == "rdiag":
        return P
    if level == "pdiag":
        return torch.exp(-F.softplus(P))
    if level == "cdiag":
        return torch.view_as_complex(P.contiguous())
    return torch.polar(torch.ones_like(P), P)                              # rot


def _gather(table, tok):
    """``table[tok]`` by ``F.embedding`` (much faster than advanced indexing for small tables);
    complex tables through their real view."""
    if table.is_complex():
        D, Hc = table.shape
        flat = torch.view_as_real(table).reshape(D, 2 * Hc)
        return torch.view_as_complex(F.embedding(tok, flat).view(*tok.shape, Hc, 2))
    return F.embedding(tok, table)


def _diag_backward(level, norm, saved, g, gl):
    h0, P, tokens, u, out = saved
    n, L, H = u.shape
    D = P.shape[0]
    pairs = level in _PAIRS
    g = torch.zeros_like(u) if g is None else g
    gl = torch.zeros(n, L, dtype=u.dtype, device=u.device) if gl is None else gl
    c = gl - F.pad(gl[:, 1:], (0, 1))                                       # c_t = l_t - l_{t+1}
    gx = g * out
    q = u * u
    if pairs:
        gx, q = gx.view(n, L, -1, 2).sum(-1), q.view(n, L, -1, 2).sum(-1)
        gp, op = g.view(n, L, -1, 2), out.view(n, L, -1, 2)
        dphase = gp[..., 1] * op[..., 0] - gp[..., 0] * op[..., 1]
    dl = gx - q * gx.sum(-1, keepdim=True) if norm else gx
    dl = torch.addcmul(dl, c.unsqueeze(-1), q)
    counts = torch.zeros(n, L, D, dtype=u.dtype, device=u.device)
    counts.scatter_(2, tokens.unsqueeze(-1), 1.0)
    Ct = counts.cumsum(1).view(n * L, D).T                                  # prefix counts C_t, transposed
    dtab_l = None if level == "rot" else Ct @ dl.reshape(n * L, -1)
    dtab_p = Ct @ dphase.reshape(n * L, -1) if pairs else None
    gP = _table_grad(level, P, dtab_l, dtab_p)
    # h0: through λ_0 (every step's λ_t, and N_0 in the first gain) and φ_0
    size0 = torch.linalg.vector_norm(h0).clamp_min(_TINY)
    q0 = (h0 / size0) ** 2
    if pairs:
        q0 = q0.view(-1, 2).sum(-1)
    dl0 = dl.sum((0, 1)) - gl[:, 0].sum() * q0
    if pairs:
        p = h0.view(-1, 2)
        r2 = (p * p).sum(-1).clamp_min(_TINY)
        dp0 = dphase.sum((0, 1))
        gh0 = torch.stack(((dl0 * p[:, 0] - dp0 * p[:, 1]) / r2, (dl0 * p[:, 1] + dp0 * p[:, 0]) / r2), -1).view(H)
    else:
        gh0 = torch.where(h0.abs() > _TINY, dl0 / h0, torch.zeros_like(h0))
    return gh0, gP


# -- every other level: one step loop, adjoint backward --------------------------------------------

def _symbol_slots(tok: np.ndarray, D: int):
    """Rows of each step of ``tok`` (c, N) grouped by symbol into ``D`` padded groups of ``M``:
    ``src[t]`` (D*M,) = the row in each slot (padding: row 0), ``pos[t]`` (N,) = each row's slot."""
    return symbol_groups(tok, D)


class _Ops:
    """The transition of one level on a sequence: ``step`` (``A_t h``), ``adjoint`` (``A_t^T g``)
    and ``grads`` (the parameters' gradients from all ``dy_t`` and ``x_{t-1}``), with the per-symbol
    parameters of the sequence gathered once.  ``tt``: time-major tokens (L, N)."""

    def __init__(self, spec, tt: torch.Tensor, params):
        level, D, block = spec
        self.level, self.D, self.tt, self.params = level, D, tt, params
        L, n = tt.shape
        if level == "full":
            (W,) = params
            M, src, pos = _symbol_slots(tt.cpu().numpy(), D)
            self.M = M
            self.src, self.pos = torch.as_tensor(src, device=W.device), torch.as_tensor(pos, device=W.device)
            self.Wt = W.transpose(1, 2)
        elif level == "cp":
            U, V, Z = params
            self.v = F.embedding(tt, V)                                    # (L, N, R)
        elif level in ("block", "cdiag", "rot"):
            table = level_table(level, params)                             # (D, H/B, B, B)
            D, nb, B = table.shape[:3]
            self.B = B
            self.blocks = F.embedding(tt, table.reshape(D, -1)).view(L, n * nb, B, B)
            self.blocks_t = F.embedding(tt, table.transpose(-1, -2).reshape(D, -1)).view(L, n * nb, B, B)
        elif level == "rdiag":
            self.w = F.embedding(tt, params[0])
        else:                                                              # pdiag
            self.w = F.embedding(tt, torch.exp(-F.softplus(params[0])))

    def step(self, h, t):
        level, n = self.level, h.shape[0]
        if level == "full":
            D, M, H = self.D, self.M, h.shape[1]
            y = torch.bmm(h.index_select(0, self.src[t]).view(D, M, H), self.Wt)
            return y.view(D * M, H).index_select(0, self.pos[t])
        if level == "cp":
            U, _, Z = self.params
            return ((h @ Z.T) * self.v[t]) @ U.T
        if level in ("block", "cdiag", "rot"):
            return torch.bmm(self.blocks[t], h.reshape(-1, self.B, 1)).view(n, -1)
        return h * self.w[t]

    def adjoint(self, g, t):
        level, n = self.level, g.shape[0]
        if level == "full":
            D, M, H = self.D, self.M, g.shape[1]
            y = torch.bmm(g.index_select(0, self.src[t]).view(D, M, H), self.params[0])
            return y.view(D * M, H).index_select(0, self.pos[t])
        if level == "cp":
            U, _, Z = self.params
            return ((g @ U) * self.v[t]) @ Z
        if level in ("block", "cdiag", "rot"):
            return torch.bmm(self.blocks_t[t], g.reshape(-1, self.B, 1)).view(n, -1)
        return g * self.w[t]

    def grads(self, dY, X):
        """Gradients of the transition parameters from ``dY`` and ``X`` (both (L, N, H): ``dy_t``
        and ``x_{t-1}``)."""
        level, D = self.level, self.D
        L, n, H = dY.shape
        flat = self.tt.reshape(-1)
        dYf, Xf = dY.reshape(L * n, H), X.reshape(L * n, H)
        if level == "full":
            return (_grouped_outer(dYf, Xf, flat, D),)
        if level == "cp":
            U, V, Z = self.params
            Pf = Xf @ Z.T
            vf = self.v.reshape(L * n, -1)
            dQ = dYf @ U
            dP = dQ * vf
            gV = torch.zeros_like(V).index_add_(0, flat, dQ * Pf)
            return dYf.T @ (Pf * vf), gV, dP.T @ Xf
        if level in ("block", "cdiag", "rot"):
            # the diagonal blocks of the dense per-symbol sum of outer products: one grouped bmm
            # (a broadcast outer product of B x B blocks and index_add is several times slower)
            B, nb = self.B, H // self.B
            dense = _grouped_outer(dYf, Xf, flat, D).view(D, nb, B, nb, B)
            gB = torch.diagonal(dense, dim1=1, dim2=3).permute(0, 3, 1, 2)          # (D, H/B, B, B)
            return table_grads(level, self.params, gB)
        gw = torch.zeros(D, H, dtype=dY.dtype, device=dY.device).index_add_(0, flat, dYf * Xf)
        return table_grads(level, self.params, gw.view(D, H, 1, 1))


def level_table(level: str, params, transposed: bool = False) -> torch.Tensor:
    """The blocks of every ``A_k`` (D, nb, B, B) of a block-diagonal level (all but CP) from its
    transition parameters: FULL's ``W`` as one block; BLOCK's own; CDIAG's ``[[a, -b], [b, a]]``
    and ROT's rotations as ``2 x 2``; RDIAG's ``V`` and PDIAG's ``exp(-softplus(V))`` as ``1 x 1``.
    ``transposed``: each block transposed (contiguous), as the compiled forward reads them."""
    (P,) = params
    D = P.shape[0]
    if level in ("full", "block"):
        T = P.view(D, 1, *P.shape[1:]) if level == "full" else P
        return T.transpose(-1, -2).contiguous() if transposed else T
    if level in ("rdiag", "pdiag"):
        w = P if level == "rdiag" else torch.exp(-F.softplus(P))
        return w.view(D, -1, 1, 1)
    a, b = (P[..., 0], P[..., 1]) if level == "cdiag" else (torch.cos(P), torch.sin(P))
    entries = (a, b, -b, a) if transposed else (a, -b, b, a)
    return torch.stack(entries, -1).view(*a.shape, 2, 2)                                 # (D, H/2, 2, 2)


def table_grads(level: str, params, gB: torch.Tensor) -> tuple:
    """The gradients of the transition parameters from that of :func:`level_table` (the chain rule)."""
    (P,) = params
    D = P.shape[0]
    if level == "full":
        return (gB.view(P.shape),)
    if level == "block":
        return (gB,)
    if level in ("rdiag", "pdiag"):
        gw = gB.reshape(D, -1)
        return (gw,) if level == "rdiag" else (-gw * torch.exp(-F.softplus(P)) * torch.sigmoid(P),)
    da, db = gB[..., 0, 0] + gB[..., 1, 1], gB[..., 1, 0] - gB[..., 0, 1]
    if level == "cdiag":
        return (torch.stack((da, db), -1),)
    return (db * torch.cos(P) - da * torch.sin(P),)                                    # rot


def _grouped_outer(dY: torch.Tensor, X: torch.Tensor, flat: torch.Tensor, D: int) -> torch.Tensor:
    """``G[k] = sum over rows r with flat[r] == k of dY[r] X[r]^T`` (D, H, H): one batched product
    over the rows grouped by symbol (padding slots read an appended zero row)."""
    rows, H = dY.shape
    f = flat.cpu().numpy()
    M, src, _ = _symbol_slots(f.reshape(1, -1), D)
    counts = np.bincount(f, minlength=D)
    real = (np.arange(M)[None, :] < counts[:, None]).reshape(-1)
    idx = torch.as_tensor(np.where(real, src[0], rows), device=dY.device)
    zero = dY.new_zeros(1, H)
    dYp = torch.cat((dY, zero)).index_select(0, idx).view(D, M, H)
    Xp = torch.cat((X, zero)).index_select(0, idx).view(D, M, H)
    return torch.bmm(dYp.transpose(1, 2), Xp)


def _loop_forward(spec, norm, tokens, h0, in_weight, in_bias, params):
    tt = tokens.T.contiguous()
    L, n = tt.shape
    H = h0.shape[0]
    ops = _Ops(spec, tt, params)
    shift = None if in_weight is None else F.embedding(tt, in_weight) + in_bias     # (L, N, H)
    size0 = torch.linalg.vector_norm(h0).clamp_min(_TINY)
    x = (h0 / size0 if norm else h0).expand(n, H)
    xs = [x]
    sizes = []
    for t in range(L):
        y = ops.step(x, t)
        if shift is not None:
            y = y + shift[t]
        s = torch.linalg.vector_norm(y, dim=-1, keepdim=True).clamp_min(_TINY)
        x = y / s if norm else y
        xs.append(x)
        sizes.append(s)
    X = torch.stack(xs)                                                         # (L+1, N, H): x_0 .. x_L
    S = torch.cat(sizes, dim=1)                                                 # (N, L)
    return X[1:].transpose(0, 1), _gains(S, size0, norm), (ops, (h0, X, S, in_weight))


def _gains(S, size0, norm):
    """The gains (N, L) from the sizes ``s_t`` (N, L)."""
    logs = torch.log(S)
    return logs if norm else logs - torch.cat((torch.log(size0).expand(S.shape[0], 1), logs[:, :-1]), dim=1)


def _native_table(level, params, transposed):
    """The table :mod:`bilinear.verify.kernels.native` multiplies by: :func:`level_table`, except for CDIAG and ROT,
    whose blocks go as complex pairs ``(a, b)`` (D, H/2, 2) for either direction."""
    (P,) = params
    if level == "cdiag":
        return P.detach().contiguous()
    if level == "rot":
        return torch.stack((torch.cos(P), torch.sin(P)), -1).detach()
    return level_table(level, params, transposed).detach().contiguous()


def native_table_of(model, transposed: bool) -> torch.Tensor:
    """:func:`_native_table` of ``model``'s own parameters (the dense levels through their matrices
    ``transitions()``, as FULL), for evaluation without gradients."""
    if model.level in DENSE_LEVELS:
        return _native_table("full", (model.transitions(),), transposed)
    return _native_table(model.level, tuple(getattr(model, n) for n in model.transition_params), transposed)


def _native_grads(level, params, gT):
    """:func:`table_grads` for the table of :func:`_native_table`."""
    if level == "cdiag":
        return (gT,)
    if level == "rot":
        (P,) = params
        return (gT[..., 1] * torch.cos(P) - gT[..., 0] * torch.sin(P),)
    return table_grads(level, params, gT)


def _native_forward(spec, norm, tokens, h0, in_weight, in_bias, params):
    """:func:`_loop_forward` by the compiled recurrence (:mod:`bilinear.verify.kernels.native`)."""
    level, D, _ = spec
    tt = native.check_tokens(tokens.T, D)
    L, n = tt.shape
    H = h0.shape[0]
    with torch.no_grad():
        table = _native_table(level, params, False)
        Tt = table if level in _PAIRS else _native_table(level, params, True)
    shift = None if in_weight is None else (F.embedding(tt, in_weight) + in_bias).contiguous()
    size0 = torch.linalg.vector_norm(h0).clamp_min(_TINY)
    x0 = (h0 / size0 if norm else h0).detach().expand(n, H).contiguous()
    X, S = native.forward(tt, Tt, x0, shift, norm, checked=True)
    St = S.T
    return X[1:].transpose(0, 1), _gains(St, size0, norm), ((level, tt, table, params), (h0, X, St, in_weight))


def _adjoint_inputs(norm, g, gl, n, L, X):
    """Time-major state gradients (L, N, H) and gain coefficients ``c_t`` (L, N) of the adjoint."""
    H = X.shape[-1]
    g = torch.zeros(n, L, H, dtype=X.dtype, device=X.device) if g is None else g
    gl = torch.zeros(n, L, dtype=X.dtype, device=X.device) if gl is None else gl
    c = gl if norm else gl - F.pad(gl[:, 1:], (0, 1))
    return g.transpose(0, 1), c.T, gl


def _start_grads(norm, h0, gu, gl, in_weight, dY, flat):
    """Gradients of ``h0`` (from that of the start state, summed over the batch) and of the affine terms."""
    size0 = torch.linalg.vector_norm(h0).clamp_min(_TINY)
    if norm:
        u0 = h0 / size0
        gh0 = (gu - u0 * (u0 * gu).sum()) / size0
    else:
        gh0 = gu - gl[:, 0].sum() * h0 / (size0 * size0)
    if in_weight is None:
        return gh0, None, None
    dYf = dY.reshape(-1, dY.shape[-1])
    return gh0, torch.zeros_like(in_weight).index_add_(0, flat, dYf), dYf.sum(0)


def _native_backward(norm, saved, g, gl):
    (level, tt, table, params), (h0, X, S, in_weight) = saved
    L, n = tt.shape
    gt, ct, gl = _adjoint_inputs(norm, g, gl, n, L, X)
    dY, gT, G = native.backward(tt, table, X, S.T.contiguous(), gt.contiguous(), ct.contiguous(), norm,
                                checked=True)
    gh0, gw, gb = _start_grads(norm, h0, G.sum(0), gl, in_weight, dY, tt.reshape(-1))
    return gh0, gw, gb, _native_grads(level, params, gT)


def _loop_backward(norm, saved, g, gl):
    ops, (h0, X, S, in_weight) = saved
    L1, n, H = X.shape
    L = L1 - 1
    gt, ct, gl = _adjoint_inputs(norm, g, gl, n, L, X)                         # (L, N, H), (L, N)
    ct = ct.unsqueeze(-1)                                                       # (L, N, 1)
    inv = (1.0 / S).T.unsqueeze(-1)                                             # (L, N, 1)
    dys = [None] * L
    G = torch.zeros(n, H, dtype=X.dtype, device=X.device)
    for t in range(L - 1, -1, -1):
        G = G + gt[t]
        x = X[t + 1]
        if norm:
            coef = torch.linalg.vecdot(x, G).unsqueeze(-1) - ct[t]
            dy = torch.addcmul(G, x, coef, value=-1.0).mul_(inv[t])
        else:
            dy = torch.addcmul(G, x, ct[t] * inv[t] * inv[t])
        dys[t] = dy
        G = ops.adjoint(dy, t)
    dY = torch.stack(dys)                                                       # (L, N, H)
    grads = ops.grads(dY, X[:-1])
    gh0, gw, gb = _start_grads(norm, h0, G.sum(0), gl, in_weight, dY, ops.tt.reshape(-1))
    return gh0, gw, gb, grads


