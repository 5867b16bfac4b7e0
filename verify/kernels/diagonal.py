"""The recurrence of the pure diagonal layouts (``diagonal``: real entries; ``pairs``: complex
numbers ``a + ib`` acting on the pairs ``h_{2i} + i h_{2i+1}``) in torch: :func:`forward` by the
products themselves, :func:`backward` in closed form (docs/design.md §9).

**Forward.**  ``h_t = h_0 * w_1 * ... * w_t`` entrywise: per chunk of steps the factors are
gathered once (one-hot input) or given (embedded input), multiplied by one cumulative product and
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
    >>> out, gains, _ = forward("diagonal", w, torch.tensor([[0, 0, 1]]), None, torch.ones(1).double(), False, 8)
    >>> out.flatten().tolist(), [round(v, 12) for v in gains.exp().flatten().tolist()]
    ([2.0, 4.0, 2.0], [2.0, 2.0, 0.5])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from bilinear.verify.kernels.table import chunk_length, diagonal_factors, gather

__all__ = ["forward", "backward"]

_TINY = 1e-30
Saved = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


def _complex_start(pairs: bool, h: torch.Tensor) -> torch.Tensor:
    return torch.view_as_complex(h.reshape(*h.shape[:-1], -1, 2).contiguous()) if pairs else h


def forward(layout: str, values: torch.Tensor, tokens: torch.Tensor, steps: torch.Tensor | None,
            h0: torch.Tensor, norm: bool, longest: int) -> tuple[torch.Tensor, torch.Tensor, Saved]:
    """``(states (N, L, H), gains (N, L), saved)`` for one-hot ``tokens`` (N, L) and the per-symbol
    ``values``, or for the per-step entries ``steps`` (N, L, ...) of embedded input (``values``
    unused then); chunks of at most ``longest`` steps.  ``saved`` (detached) feeds :func:`backward`."""
    n, L = tokens.shape
    H = h0.shape[0]
    pairs = layout == "pairs"
    if steps is None:
        table = diagonal_factors(layout, values)
        every = None
    else:
        table = every = diagonal_factors(layout, steps)
    c = chunk_length(table, h0.dtype, longest)
    size0 = torch.linalg.vector_norm(h0).clamp_min(_TINY)
    start = _complex_start(pairs, h0 / size0).expand(n, -1)
    units, logs = [], []
    offset = torch.log(size0).expand(n, 1)                                 # log of the scale divided out
    for a in range(0, L, c):
        w = gather(table, tokens[:, a:a + c]) if every is None else every[:, a:a + c]     # (N, m, H')
        raw = torch.cumprod(w, dim=1) * start.unsqueeze(1)
        r = torch.view_as_real(raw).reshape(n, -1, H) if pairs else raw
        size = torch.linalg.vector_norm(r, dim=-1, keepdim=True).clamp_min(_TINY)
        u = r / size
        lg = torch.log(size.squeeze(-1)) + offset
        units.append(u)
        logs.append(lg)
        start = _complex_start(pairs, u[:, -1])
        offset = lg[:, -1:]
    u = units[0] if len(units) == 1 else torch.cat(units, dim=1)
    N = logs[0] if len(logs) == 1 else torch.cat(logs, dim=1)              # N_t = log ||h_t^raw||
    gains = N - torch.cat((torch.log(size0).expand(n, 1), N[:, :-1]), dim=1)
    out = u if norm else u * torch.exp(N).unsqueeze(-1)
    return out, gains, (h0.detach(), values.detach(), tokens, u.detach(), out.detach())


def _polar_grad(pairs: bool, w: torch.Tensor, dl: torch.Tensor, dp: torch.Tensor | None) -> torch.Tensor:
    """The gradient of ``w`` (real (..., H) or pairs (..., H/2, 2)) from those of ``log |w|`` and ``arg w``."""
    if not pairs:
        return torch.where(w.abs() > _TINY, dl / w, torch.zeros_like(w))
    assert dp is not None
    a, b = w[..., 0], w[..., 1]
    r2 = (a * a + b * b).clamp_min(_TINY)
    return torch.stack(((dl * a - dp * b) / r2, (dl * b + dp * a) / r2), dim=-1)


def backward(layout: str, norm: bool, saved: Saved, g: torch.Tensor | None,
             gl: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(gradient of h0, gradient of values)`` from those of the states ``g`` and gains ``gl``."""
    h0, values, tokens, u, out = saved
    n, L, H = u.shape
    D = values.shape[0]
    pairs = layout == "pairs"
    g = torch.zeros_like(u) if g is None else g
    gl = torch.zeros(n, L, dtype=u.dtype, device=u.device) if gl is None else gl
    c = gl - F.pad(gl[:, 1:], (0, 1))                                       # c_t = l_t - l_{t+1}
    gx = g * out
    q = u * u
    dphase = None
    if pairs:
        gx, q = gx.view(n, L, -1, 2).sum(-1), q.view(n, L, -1, 2).sum(-1)
        gp, op = g.view(n, L, -1, 2), out.view(n, L, -1, 2)
        dphase = gp[..., 1] * op[..., 0] - gp[..., 0] * op[..., 1]
    dl = gx - q * gx.sum(-1, keepdim=True) if norm else gx
    dl = torch.addcmul(dl, c.unsqueeze(-1), q)
    counts = torch.zeros(n, L, D, dtype=u.dtype, device=u.device)
    counts.scatter_(2, tokens.unsqueeze(-1), 1.0)
    Ct = counts.cumsum(1).view(n * L, D).T                                  # prefix counts C_t, transposed
    dtab_p = None if dphase is None else Ct @ dphase.reshape(n * L, -1)
    gvalues = _polar_grad(pairs, values, Ct @ dl.reshape(n * L, -1), dtab_p)
    # h0: through λ_0 (every step's λ_t, and N_0 in the first gain) and φ_0
    size0 = torch.linalg.vector_norm(h0).clamp_min(_TINY)
    q0 = (h0 / size0) ** 2
    if pairs:
        q0 = q0.view(-1, 2).sum(-1)
    dl0 = dl.sum((0, 1)) - gl[:, 0].sum() * q0
    dp0 = None if dphase is None else dphase.sum((0, 1))
    gh0 = _polar_grad(pairs, h0.view(-1, 2) if pairs else h0, dl0, dp0).reshape(H)
    return gh0, gvalues
