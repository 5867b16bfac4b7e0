"""FULL constructions of a group from permutation actions, the methods ``regular`` (the right regular
representation) and ``permutation`` (a faithful permutation action) of level ``full``
(docs/design.md §3, §4)."""

from __future__ import annotations

import numpy as np

from bilinear.theory.groups.backends import AbelianBackend, ProductBackend, TableBackend
from bilinear.theory.arith.field_matrices import Columns, SparseMatrix
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.arith.number_field import RATIONALS

from bilinear.theory.hierarchy.levels import Full

from bilinear.constructions.construction import ExactConstruction, GroupTarget

__all__ = ["regular_construction", "permutation_construction", "faithful_action"]


def _permutation_construction(target: GroupTarget, images: np.ndarray, h0_values: np.ndarray,
                              method: str, theorem: str) -> ExactConstruction:
    """``A_x e_i = e_{i^x}`` for the action ``images`` (row ``g`` = image array of ``g``), start
    ``h0``, readout rows ``R_g = φ(g)^T`` with ``φ(g) = A_g h0`` for every element ``g``."""
    G, alph = target.group, list(target.alphabet)
    d = images.shape[1]
    pts = np.arange(d)
    mats = tuple(SparseMatrix(RATIONALS, (d, d), images[a], pts, np.ones((1, d), dtype=np.int64)) for a in alph)
    phi = np.zeros((G.order, d), dtype=np.int64)
    phi[np.arange(G.order)[:, None], images] = h0_values[None, :]      # φ(g)_{i^g} = h0_i
    r, c = np.nonzero(phi)
    R = SparseMatrix(RATIONALS, (G.order, d), r, c, phi[r, c][None, :])
    h0 = Columns(RATIONALS, h0_values[None, :, None], np.ones(1, dtype=np.int64))
    return ExactConstruction(shape=Full(hidden=d), method=method, theorem=theorem, labels=tuple(G.names),
                             alphabet=target.alphabet_names, source=target.source, field=RATIONALS,
                             transitions=mats, h0=h0, readout=R)


def regular_construction(target: GroupTarget) -> ExactConstruction:
    """The right regular representation: ``A_x e_g = e_{g x}``, ``h0 = e_1``, ``φ(g) = e_g``, readout
    ``R = I`` (margin 1).  Hidden size ``|G|``.  Theorem: Cayley's theorem (the right regular
    action is faithful) with the one-step check ``A_x φ(g) = φ(g x)``.

    Example: for ``Z3`` with alphabet ``[1]``, ``A_1`` is the cyclic shift ``e_0 -> e_1 -> e_2 -> e_0``:

    >>> from bilinear.theory import parse_group
    >>> c = regular_construction(GroupTarget.resolve(parse_group("Z3"), [1]))
    >>> c.shape, c.method, c.transitions[0].dense_float().astype(int).tolist()
    (Full(hidden=3), 'regular', [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    """
    G = target.group
    images = np.ascontiguousarray(G.table.T.astype(np.int64))   # point g -> g*x, row x
    h0 = np.zeros(G.order, dtype=np.int64)
    h0[0] = 1
    return _permutation_construction(target, images, h0, "regular", "Cayley's theorem: the right regular action")


def faithful_action(G: FiniteGroup) -> np.ndarray:
    """Image arrays (one row per element) of a faithful right action: the group's own permutation
    action (for ``D_n`` the ``n`` vertices); ``Z_m`` on ``m`` points by ``i -> i + x``; a direct product on the disjoint union of
    its factors' points; otherwise (Cayley tables, Q8) the right regular action."""
    def action(backend, codes):
        own = backend.permutation_images(codes)       # permutation groups, the dihedral n-gon
        if own is not None:
            return own
        if isinstance(backend, AbelianBackend):
            blocks, off = [], 0
            for j, m in enumerate(backend.moduli):
                blocks.append(off + (np.arange(m)[None, :] + codes[:, j:j + 1]) % m)
                off += m
            return np.concatenate(blocks, axis=1)
        if isinstance(backend, ProductBackend):
            parts, off, col = [], 0, 0
            for p in backend.parts:
                img = action(p, codes[:, col:col + p.width])
                parts.append(img + off)
                off += img.shape[1]
                col += p.width
            return np.concatenate(parts, axis=1)
        if isinstance(backend, TableBackend):
            return np.ascontiguousarray(backend.table.T[codes[:, 0]])
        raise TypeError(f"no permutation action for {type(backend).__name__}")
    return np.asarray(action(G.backend, np.asarray(G.codes)), dtype=np.int64)


def permutation_construction(target: GroupTarget) -> ExactConstruction:
    """A faithful permutation action of degree ``d``: ``A_x e_i = e_{i^x}`` (so ``A_x = ρ(x)^T`` for
    the right-action representation), ``h0 = (1, 2, ..., d)`` — its stabiliser is trivial because the
    entries are distinct and the action is faithful — ``φ(g)_{i^g} = i + 1``, readout rows
    ``R_g = φ(g)^T`` (the invariant inner product is the standard one; margin ``min ‖φ(g) - φ(g')‖²/2 >= 1``).
    Hidden size ``d`` (5 for ``S5``, 7 for ``GL(3,2)``, 9 for ``A4xZ5``).

    Example: ``S3`` on 3 points: ``A_(1,2)`` swaps ``e_1, e_2``; ``φ((1,2)) = (2, 1, 3)``.

    >>> from bilinear.theory import parse_group
    >>> permutation_construction(GroupTarget.resolve(parse_group("A4xZ5"))).shape
    Full(hidden=9)
    """
    images = faithful_action(target.group)
    d = images.shape[1]
    return _permutation_construction(target, images, np.arange(1, d + 1, dtype=np.int64), "permutation",
                                     "a faithful permutation action with a start vector of trivial stabiliser")
