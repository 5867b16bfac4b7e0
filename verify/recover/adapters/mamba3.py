"""Mamba-3's rotations and decay as per-token transitions.

Mamba-3 moves each pair of state coordinates by a decay and a data-dependent rotation (in the frame
where the rotation that its layers apply to B and C as rotary embeddings is taken off the state)::

    h_t = e^{Δ(x) a} R(Δ(x) θ_j(x)) h_{t-1}    on pair j,    R(φ) = [[cos φ, -sin φ], [sin φ, cos φ]]

with ``Δ(x) > 0`` (a softplus), ``a < 0`` and the angles ``θ_j(x)``; coordinates beyond the rotated
pairs (``rope_fraction`` 0.5) only decay.  This module reads these quantities given directly, per
symbol.  fla's ``Mamba3`` layer itself (where ``a`` is data dependent, ``min(-softplus(dd_A),
-A_floor)``, not ``-exp(A_log)``, and the angle is ``-π tanh(angles)``) is read from its state_dict by
:mod:`.fla_mamba3`.
As complex coordinates this is the diagonal ``exp(Δ a + i Δ θ_j)``.  Input (keys of an ``.npz``):
``dt`` (D,), ``theta`` (D, m), ``a`` (a scalar, or one per pair, ``<= 0``), optional ``plain`` (the
number of decay-only coordinates, default 0) and ``h0``.  The input term of Mamba-3 (and its
trapezoidal mixing of two consecutive tokens' inputs) is not read: a per-token transition exists for
the state's rotation and decay, which is what tracks a group; export ``b`` through the generic path
when the input term matters (fla's layer: :mod:`.fla_mamba3` with a value column).

Before fitting: with ``a < 0`` and ``Δ > 0`` every transition shrinks the state by ``e^{Δ a} < 1``; a
common decay is a scale recovery removes, but a decay that differs between symbols is not a
representation of a finite group, and a model that decays cannot decode forever (finite horizon).

>>> import numpy as np
>>> t = mamba3_transitions(np.array([1.0]), np.array([[np.pi / 2]]), 0.0)
>>> np.round(t.A[0], 12)
array([[0.+1.j]])
"""

from __future__ import annotations

import numpy as np

from bilinear.theory.errors import expected, shown

from bilinear.verify.recover.adapters.transitions import Transitions

__all__ = ["mamba3_transitions", "is_mamba3_dict", "rotation_blocks", "rope_rotations"]


def is_mamba3_dict(data) -> bool:
    return isinstance(data, dict) and "dt" in data and "theta" in data and "A" not in data


def rope_rotations(phi: np.ndarray, N: int, half: bool = False) -> np.ndarray:
    """``(D, N, N)``: ``R(φ_j)`` on coordinates ``(2j, 2j+1)`` (``half``: ``(j, j + N/2)``, MIMO) for
    each of the ``m`` angles ``phi[:, j]`` (``phi`` of shape ``(D, m)``, ``2m <= N``), the identity on
    the other coordinates."""
    phi = np.asarray(phi, dtype=np.float64)
    D, m = phi.shape
    out = np.broadcast_to(np.eye(N), (D, N, N)).copy()
    c, s = np.cos(phi), np.sin(phi)
    for j in range(m):
        a, b = (j, j + N // 2) if half else (2 * j, 2 * j + 1)
        out[:, a, a], out[:, a, b] = c[:, j], -s[:, j]
        out[:, b, a], out[:, b, b] = s[:, j], c[:, j]
    return out


def rotation_blocks(dt: np.ndarray, theta: np.ndarray, a) -> np.ndarray:
    """The real form, ``(D, 2m, 2m)``: block ``j`` is ``e^{Δ a_j} R(Δ θ_j)`` on coordinates ``(2j, 2j+1)``."""
    D, m = theta.shape
    a = np.broadcast_to(np.asarray(a, dtype=np.float64), (m,))
    decay = np.repeat(np.exp(dt[:, None] * a[None]), 2, axis=1)          # (D, 2m): each pair's rows
    return rope_rotations(dt[:, None] * theta, 2 * m) * decay[:, :, None]


def mamba3_transitions(dt, theta, a, plain: int = 0, h0=None, where: str = "Mamba-3") -> Transitions:
    """Complex diagonal transitions ``exp(Δ a + i Δ θ)`` (module docstring), plus ``plain``
    decay-only coordinates ``exp(Δ a_0)``."""
    dt = np.asarray(dt, dtype=np.float64).reshape(-1)
    theta = np.asarray(theta, dtype=np.float64)
    if theta.ndim == 1:
        theta = theta[:, None]
    if theta.shape[0] != dt.shape[0]:
        raise expected(f"{where}: theta", f"one row of angles per symbol ({dt.shape[0]} rows, as dt)",
                       shown(f"shape {theta.shape}"))
    if np.any(dt <= 0):
        raise expected(f"{where}: dt", "positive step sizes (a softplus)", shown(f"min {float(dt.min()):.3g}"))
    m = theta.shape[1]
    av = np.broadcast_to(np.asarray(a, dtype=np.float64), (m,))
    if np.any(av > 0):
        raise expected(f"{where}: a", "values <= 0 (a decay)", shown(f"max {float(av.max()):.3g}"))
    diag = np.exp(dt[:, None] * av[None] + 1j * dt[:, None] * theta)
    if plain:
        diag = np.concatenate([diag, np.repeat(np.exp(dt * av[0])[:, None], int(plain), axis=1) + 0j], axis=1)
    A = np.einsum("dn,nm->dnm", diag, np.eye(diag.shape[1]))
    notes = [f"Mamba-3 rotations and decay: A = diag(exp(dt a + i dt theta)), {m} rotated pair(s)"
             + (f" and {plain} decay-only coordinate(s)" if plain else "")]
    if np.ptp(av) > 0:
        notes.append(f"the pairs decay at different rates (a in [{float(av.min()):.3g}, {float(av.max()):.3g}]): the "
                     "slower pairs dominate over time, so the transitions are not a representation exactly")
    scales = np.exp(dt * av[0])
    if np.ptp(scales) > 1e-12 * max(1.0, float(scales.max())):
        notes.append("the decay e^(dt a) differs between symbols: not a representation of a finite group exactly "
                     "(a common decay would be a scale)")
    elif float(scales.max()) < 1:
        notes.append(f"every symbol decays the state by {float(scales.max()):.4g}: a scale recovery removes, "
                     "but decoding in finite precision has a finite horizon")
    if h0 is None:
        h0, note = np.ones(A.shape[1], dtype=np.complex128) / np.sqrt(A.shape[1]), \
            "h0 not in the file: the all-ones vector, normalised (every rotated pair reached)"
    else:
        note = "h0 from the file"
    return Transitions(A=A, h0=np.asarray(h0), h0_note=note, notes=notes, where=where)
