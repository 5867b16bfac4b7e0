"""The recurrence of the pure diagonal layouts (``diagonal``: real entries; ``pairs``: complex
numbers ``a + ib`` acting on the pairs ``h_{2i} + i h_{2i+1}``) in torch: :func:`chunks` by the
products themselves (evaluation reads them chunk by chunk, :func:`forward` whole for the fused
training node), :func:`backward` in closed form (docs/design.md §9).

**Forward** (:func:`chunks`).  ``h_t = h_0 * w_1 * ... * w_t`` entrywise: per chunk of steps the
factors are gathered once, time-major (one-hot input), or given (embedded input), multiplied in
place, one product per step (by one cumulative product when autograd differentiates them), and
normalised once; the next chunk restarts from the unit vector of the chunk's last state (a positive
rescaling — docs/design.md §3).  The chunk length keeps every partial product in
``[e^-budget, e^budget]`` (:func:`bilinear.verify.kernels.table.chunk_length`), so nothing overflows at
any length.  Written in differentiable torch ops, so with embedded input autograd differentiates it.

**Backward** (one-hot input, the fused training node): with ``λ_t = log |h_t^raw|`` (entrywise, or
per complex pair) and ``φ_t`` its phase, ``λ_t = λ_0 + C_t Λ`` and ``φ_t = φ_0 + C_t Φ`` for the
prefix symbol counts ``C_t`` and the per-symbol ``Λ = log |w|``, ``Φ = arg w``.  With ``u_t`` the
unit state, ``q_t = |u_t|^2`` per entry or pair and ``c_t = l_t - l_{t+1}`` (``l_t`` the gains'
gradient): ``dλ_t = <g_t, x_t> - q_t sum <g_t, u_t> + c_t q_t`` (the middle term only when
normalising), ``dφ_t = <g_t, i x_t>`` per pair, ``dΛ = sum_t C_t^T dλ_t`` and ``dΦ`` alike (one
matrix product each); the table's gradient is that of the polar form, ``dΛ / w`` (real) or
``((dΛ a - dΦ b), (dΛ b + dΦ a)) / |w|^2`` (pairs), and ``h0``'s alike with ``dλ_0 = sum_t dλ_t - l_1 q_0``.

    >>> import torch
    >>> w = torch.tensor([[2.0], [0.5]]).double()
    >>> out, gains, _ = forward("diagonal", w, torch.tensor([[0, 0, 1]]), torch.ones(1).double(), False)
    >>> out.flatten().tolist(), [round(v, 12) for v in gains.exp().flatten().tolist()]
    ([2.0, 4.0, 2.0], [2.0, 2.0, 0.5])
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F

from bilinear.verify.kernels.table import TINY, chunk_length, diagonal_factors, gather, start_size

__all__ = ["chunks", "forward", "backward", "polar_states"]

Saved = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


def _complex_start(pairs: bool, h: torch.Tensor) -> torch.Tensor:
    return torch.view_as_complex(h.reshape(*h.shape[:-1], -1, 2).contiguous()) if pairs else h


def _products(w: torch.Tensor, start: torch.Tensor) -> torch.Tensor:
    """``start * w[0] * ... * w[j]`` for every ``j`` (time-major ``w`` (m, N, H')): in place on ``w``, one
    product per step, unless autograd needs ``w`` (then one cumulative product)."""
    if torch.is_grad_enabled() and (w.requires_grad or start.requires_grad):
        return torch.cumprod(w, 0) * start
    prev = start
    for j in range(w.shape[0]):
        prev = torch.mul(prev, w[j], out=w[j])
    return w


def chunks(layout: str, values: torch.Tensor, tt: torch.Tensor, steps: torch.Tensor | None, h0: torch.Tensor,
           longest: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Per chunk of steps, time-major: ``(u (m, N, H), log ||h_t^raw|| (m, N))``, the unit states and
    the log-norms of the states of the raw recurrence, for one-hot tokens ``tt`` (L, N) and the
    per-symbol ``values``, or for the per-step entries ``steps`` (L, N, ...) of embedded input (a
    fresh tensor: overwritten without gradients); chunks of at most ``longest`` steps (fewer when the
    factors are far from modulus 1)."""
    L, n = tt.shape
    H = h0.shape[0]
    pairs = layout == "pairs"
    table = diagonal_factors(layout, values if steps is None else steps)
    c = chunk_length(table, h0.dtype, longest)
    size0 = start_size(h0)
    start = _complex_start(pairs, h0 / size0).expand(n, -1)
    offset = torch.log(size0).expand(n)                                    # log of the scale divided out
    for a in range(0, L, c):
        w = gather(table, tt[a:a + c]) if steps is None else table[a:a + c]            # (m, N, H')
        raw = _products(w, start)
        r = torch.view_as_real(raw).reshape(raw.shape[0], n, H) if pairs else raw
        size = torch.linalg.vector_norm(r, dim=-1, keepdim=True).clamp_min(TINY)
        u = r / size
        lg = torch.log(size.squeeze(-1)) + offset
        yield u, lg
        start = _complex_start(pairs, u[-1])
        offset = lg[-1]


def forward(layout: str, values: torch.Tensor, tokens: torch.Tensor, h0: torch.Tensor,
            norm: bool) -> tuple[torch.Tensor, torch.Tensor, Saved]:
    """``(states (N, L, H), gains (N, L), saved)`` of one-hot ``tokens`` (N, L) in one autograd-free pass
    (the fused node's forward; the states time-major underneath).  ``saved`` feeds :func:`backward`."""
    tt = tokens.T.contiguous()
    parts = list(chunks(layout, values, tt, None, h0, tt.shape[0]))
    u = torch.cat([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
    N = torch.cat([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]     # (L, N): N_t = log ||h_t^raw||
    size0 = start_size(h0)
    gains = N - torch.cat((torch.log(size0).expand(1, N.shape[1]), N[:-1]))
    out = u if norm else u * torch.exp(N).unsqueeze(-1)
    return out.transpose(0, 1), gains.T, (h0.detach(), values.detach(), tt, u.detach(), out.detach())


def _polar_grad(pairs: bool, w: torch.Tensor, dl: torch.Tensor, dp: torch.Tensor | None) -> torch.Tensor:
    """The gradient of ``w`` (real (..., H) or pairs (..., H/2, 2)) from those of ``log |w|`` and ``arg w``."""
    if not pairs:
        return torch.where(w.abs() > TINY, dl / w, torch.zeros_like(w))
    assert dp is not None
    a, b = w[..., 0], w[..., 1]
    r2 = (a * a + b * b).clamp_min(TINY)
    return torch.stack(((dl * a - dp * b) / r2, (dl * b + dp * a) / r2), dim=-1)


def backward(layout: str, norm: bool, saved: Saved, g: torch.Tensor | None,
             gl: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(gradient of h0, gradient of values)`` from those of the states ``g`` (N, L, H) and gains ``gl`` (N, L)."""
    h0, values, tt, u, out = saved                                          # time-major (L, N, ...)
    L, n, H = u.shape
    D = values.shape[0]
    pairs = layout == "pairs"
    gt = torch.zeros_like(u) if g is None else g.transpose(0, 1)
    glt = torch.zeros(L, n, dtype=u.dtype, device=u.device) if gl is None else gl.T
    c = glt - F.pad(glt[1:], (0, 0, 0, 1))                                  # c_t = l_t - l_{t+1}
    gx = gt * out
    q = u * u
    dphase = None
    if pairs:
        gx, q = gx.reshape(L, n, -1, 2).sum(-1), q.view(L, n, -1, 2).sum(-1)
        gp, op = gt.reshape(L, n, -1, 2), out.view(L, n, -1, 2)
        dphase = gp[..., 1] * op[..., 0] - gp[..., 0] * op[..., 1]
    dl = gx - q * gx.sum(-1, keepdim=True) if norm else gx
    dl = torch.addcmul(dl, c.unsqueeze(-1), q)
    counts = torch.zeros(L, n, D, dtype=u.dtype, device=u.device)
    counts.scatter_(2, tt.unsqueeze(-1), 1.0)
    Ct = counts.cumsum(0).view(L * n, D).T                                  # prefix counts C_t, transposed
    dtab_p = None if dphase is None else Ct @ dphase.reshape(L * n, -1)
    gvalues = _polar_grad(pairs, values, Ct @ dl.reshape(L * n, -1), dtab_p)
    # h0: through λ_0 (every step's λ_t, and N_0 in the first gain) and φ_0
    size0 = start_size(h0)
    q0 = (h0 / size0) ** 2
    if pairs:
        q0 = q0.view(-1, 2).sum(-1)
    dl0 = dl.sum((0, 1)) - glt[0].sum() * q0
    dp0 = None if dphase is None else dphase.sum((0, 1))
    gh0 = _polar_grad(pairs, h0.view(-1, 2) if pairs else h0, dl0, dp0).reshape(H)
    return gh0, gvalues


def polar_states(layout: str, w: torch.Tensor, h0: torch.Tensor) -> torch.Tensor:
    """The normalised states ``(N, L, H)`` of ``h_t = w_t * h_{t-1}`` (entrywise; ``h_0 = h0 / ||h0||``) for
    per-step factors ``w`` ``(N, L, H)`` (``diagonal``: real) or ``(N, L, H/2, 2)`` (``pairs``: complex
    ``a + ib``), all steps at once in polar form: ``log |h_t| = log |h0| + cumsum(log |w|)`` and, per pair,
    ``arg h_t = arg h0 + cumsum(arg w)`` (real factors: the sign by a cumulative product of signs), so
    one cumulative sum over time and no loop over steps or chunks.  Before exponentiating, the largest
    entry's log-modulus is subtracted per step (a positive rescaling, detached: normalisation is scale
    invariant), so nothing overflows or underflows at any length (an entry below ``e^-80`` of the largest is
    held there: far below rounding, and no denormal numbers).  The sums run in float64 (a float32 sum
    of angles over ``L`` steps would drift by about ``L`` ulps of ``L * pi``); the states come back in
    ``w``'s dtype.  Differentiable by autograd (the gradient of ``log |w|`` and ``arg w`` is that of the
    polar form, as in :func:`backward`; a factor exactly 0 is floored at :data:`TINY`)."""
    dtype = w.dtype
    x = w.double()
    pairs = layout == "pairs"
    if pairs:
        a, b = x[..., 0], x[..., 1]
        lw = 0.5 * torch.log((a * a + b * b).clamp_min(TINY * TINY))
        start = h0.double().view(-1, 2)
        s_mod = torch.linalg.vector_norm(start, dim=-1)
    else:
        lw = torch.log(x.abs().clamp_min(TINY))
        s_mod = h0.double().abs()
    log_mod = torch.cumsum(lw, dim=1)                                              # (N, L, H')
    with torch.no_grad():
        shift = (log_mod + torch.log(s_mod.clamp_min(TINY))).amax(dim=-1, keepdim=True)
    # the largest entry is 1; entries below e^-80 of it are held at e^-80 (far below the rounding of either
    # dtype, and a normal float32 number: no denormal arithmetic downstream)
    mod = s_mod * torch.exp((log_mod - shift).clamp_min(-80.0))
    if pairs:
        angle = torch.cumsum(torch.atan2(b, a), dim=1) + torch.atan2(start[:, 1], start[:, 0])
        out = torch.stack((mod * torch.cos(angle), mod * torch.sin(angle)), dim=-1).flatten(-2)
    else:                       # the signs: a cumulative product of +-1 (exact), times h0's
        out = mod * torch.cumprod(torch.sign(x.detach()), dim=1) * torch.sign(h0.detach().double())
    out = out / torch.linalg.vector_norm(out, dim=-1, keepdim=True).clamp_min(TINY)
    return out.to(dtype)
