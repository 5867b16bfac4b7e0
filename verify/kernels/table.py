"""What the kernels are given: a model's transitions as a :class:`Table` in one of a few layouts, and
the whole recurrence as a :class:`System` (docs/design.md §4, §9).  The kernels import no model; each
model builds its table from its parameters by differentiable torch ops, so the kernels' gradient of
the table reaches the parameters through autograd (no per-level chain rule in the kernels).

======== ====================================== ===============================================
layout   ``values`` (per symbol k)               ``A_k``
======== ====================================== ===============================================
dense    ``(D, H, H)``                           ``values[k]``
blocks   ``(D, H/B, B, B)``                      ``blockdiag(values[k, 0], ..., values[k, H/B-1])``
pairs    ``(D, H/2, 2)``: ``(a, b)``             ``H/2`` blocks ``[[a, -b], [b, a]]``
diagonal ``(D, H)``                              ``diag(values[k])``
cp       ``V`` ``(D, R)``, ``factors (U, Z)``    ``U diag(V[k]) Z``
======== ====================================== ===============================================

``source`` holds one row per input dimension; ``values = link(source)`` (``link`` None: the
identity).  An embedded input ``x`` selects ``link(x @ source)`` (:meth:`Table.mixed`), one-hot input
the row of its symbol.

    >>> import torch
    >>> t = Table("diagonal", torch.tensor([[2.0, 3.0], [1.0, -1.0]]), link=torch.neg)
    >>> t.values.tolist(), t.width, t.mixed(torch.tensor([[1.0, 1.0]])).tolist()
    ([[-2.0, -3.0], [-1.0, 1.0]], 2, [[-3.0, -2.0]])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import numpy as np
import torch
import torch.nn.functional as F

from bilinear.theory.errors import expected
from bilinear.theory.hierarchy.levels import LAYOUTS, Layout

__all__ = ["Layout", "Table", "System", "TINY", "start_size", "start_of", "chunk_length", "symbol_groups", "gather",
           "mix", "diagonal_factors"]

#: The floor under every norm a kernel divides by (a zero state stays zero instead of becoming NaN).
TINY = 1e-30


@dataclass(frozen=True, eq=False)
class Table:
    """The per-symbol transitions of a model (module docstring)."""

    layout: Layout
    source: torch.Tensor
    link: Callable[[torch.Tensor], torch.Tensor] | None = None
    factors: tuple[torch.Tensor, ...] = ()

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise expected("layout", f"one of {', '.join(LAYOUTS)}", repr(self.layout))

    @property
    def values(self) -> torch.Tensor:
        """The per-symbol table (module docstring), differentiable in ``source``."""
        return self.source if self.link is None else self.link(self.source)

    @property
    def width(self) -> int:
        """The state dimension H."""
        if self.layout == "cp":
            return int(self.factors[0].shape[0])
        shape = self.source.shape
        return {"dense": shape[-1], "blocks": shape[1] * shape[-1], "pairs": 2 * shape[1],
                "diagonal": shape[-1]}[self.layout]

    def tensors(self) -> tuple[torch.Tensor, ...]:
        """What a kernel differentiates: ``(values,)``, or ``(U, V, Z)`` for CP."""
        if self.layout == "cp":
            U, Z = self.factors
            return U, self.values, Z
        return (self.values,)

    def mixed(self, x: torch.Tensor) -> torch.Tensor:
        """``link(x @ source)``: the table entries of embedded inputs ``x`` (..., Din)."""
        m = mix(x, self.source)
        return m if self.link is None else self.link(m)


@dataclass(frozen=True, eq=False)
class System:
    """A model's recurrence in kernel terms: ``x_0 = h0`` (``/||h0||`` when ``normalise``),
    ``y_t = A_{s_t} x_{t-1} (+ in_weight[s_t] + in_bias)``, ``x_t = y_t`` (``/||y_t||``)."""

    table: Table
    h0: torch.Tensor
    in_weight: torch.Tensor | None = None
    in_bias: torch.Tensor | None = None
    normalise: bool = True

    @property
    def affine(self) -> bool:
        return self.in_weight is not None


def start_size(h0: torch.Tensor) -> torch.Tensor:
    """``||h0||`` (at least :data:`TINY`): what the start state is divided by when normalising, and the
    size the first gain is measured from."""
    return torch.linalg.vector_norm(h0).clamp_min(TINY)


def start_of(h0: torch.Tensor, normalise: bool, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x_0 (n, H), ||h0||)``: the start state of every path, ``h0 / ||h0||`` when normalising."""
    size0 = start_size(h0)
    return (h0 / size0 if normalise else h0).expand(n, h0.shape[0]), size0


def mix(x: torch.Tensor, P: torch.Tensor) -> torch.Tensor:
    """``sum_k x_k P[k]`` for inputs ``x`` (..., D): shape ``(..., *P.shape[1:])``."""
    return (x.reshape(-1, x.shape[-1]) @ P.reshape(P.shape[0], -1)).reshape(*x.shape[:-1], *P.shape[1:])


def gather(table: torch.Tensor, tok: torch.Tensor) -> torch.Tensor:
    """``table[tok]`` by ``F.embedding`` (much faster than advanced indexing for small tables), any
    trailing shape; complex tables through their real view."""
    if table.is_complex():
        return torch.view_as_complex(gather(torch.view_as_real(table), tok))
    D = table.shape[0]
    return F.embedding(tok, table.reshape(D, -1)).view(*tok.shape, *table.shape[1:])


def diagonal_factors(layout: str, values: torch.Tensor) -> torch.Tensor:
    """The diagonal of ``A``: real ``values`` (diagonal) or complex ``a + ib`` (pairs, ``(..., H/2)``)."""
    return torch.view_as_complex(values.contiguous()) if layout == "pairs" else values


def chunk_length(w: torch.Tensor, dtype: torch.dtype, longest: int) -> int:
    """Longest chunk whose partial products of the factors ``w`` stay in ``[e^-budget, e^budget]``
    (budget 30 for float32, 60 for float64): ``floor(budget / max |log |w||)`` over the non-zero
    factors, in ``[1, longest]``.  The float64 budget is bounded by :data:`TINY`, not by the range of
    float64: a chunk's raw state has norm at least ``e^-budget / sqrt(H)`` (its largest start entry is
    at least ``1 / sqrt(H)``), which must stay above ``TINY = 1e-30`` (about ``e^-69``), the floor every
    normalisation divides by — with a budget of 300, strongly contracting factors (a stack's mixed
    inputs) sank a chunk's norm below the floor and the states were no longer unit vectors."""
    mod = w.detach().abs()
    worst = float(torch.log(mod.masked_fill(mod == 0, 1.0)).abs().max()) if mod.numel() else 0.0
    budget = 60.0 if dtype == torch.float64 else 30.0
    return longest if worst * longest <= budget else max(1, int(budget // worst))


def symbol_groups(tok: np.ndarray, D: int) -> tuple[int, np.ndarray, np.ndarray]:
    """For each step of ``tok`` (c, N) (time-major): the batch grouped by symbol into ``D`` padded groups of
    ``M`` rows.  ``src[t]`` (D*M,) = the batch row in each padded slot (padding: row 0, whose
    result there is never read); ``pos[t]`` (N,) = the slot of each batch row."""
    c, n = tok.shape
    counts = np.zeros((c, D), dtype=np.int64)
    for t in range(c):
        counts[t] = np.bincount(tok[t], minlength=D)
    M = int(counts.max())
    order = np.argsort(tok, axis=1, kind="stable")                  # rows sorted by symbol, per step
    sym = np.take_along_axis(tok, order, 1)
    first = np.cumsum(counts, 1) - counts                            # (c, D): first sorted row of each symbol
    slot = sym * M + np.arange(n)[None, :] - np.take_along_axis(first, sym, 1)
    steps = np.broadcast_to(np.arange(c)[:, None], (c, n))
    src = np.zeros((c, D * M), dtype=np.int64)
    pos = np.empty((c, n), dtype=np.int64)
    src[steps, slot] = order
    pos[steps, order] = slot
    return M, src, pos
