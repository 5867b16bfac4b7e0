"""Diagonal levels for abelian groups: CDIAG / ROT (rotation blocks), RDIAG (±1), PDIAG (trivial).

For ``A = <alphabet> ≅ Z_{d_1} x ... x Z_{d_k}`` (invariant factors, :mod:`bilinear.theory.groups.abelian`) with
coordinates ``y(g)``, the characters ``χ_i(g) = exp(2πi y_i(g) / d_i)`` form a smallest faithful set
of linear characters, so ``ρ = ⊕_i χ_i`` is faithful of complex dimension ``k``.  Its real form puts
``χ_i(g)`` in a 2x2 rotation block ``[[cos θ, -sin θ], [sin θ, cos θ]]``, ``θ = 2π y_i(g)/d_i``.
"""

from __future__ import annotations

import math

import numpy as np

from bilinear.theory.groups.abelian import abelian_decomposition
from bilinear.theory.errors import NotRealizableError
from bilinear.theory.arith.field_matrices import Columns, SparseMatrix
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.arith.number_field import RATIONALS, NumberField

from bilinear.theory.hierarchy.levels import CDiag, PDiag, RDiag, Rot

from bilinear.constructions.construction import ExactConstruction, GroupTarget

__all__ = ["rotation_construction", "rdiag_construction", "pdiag_construction"]


def _require_abelian(G: FiniteGroup, alph, level: str):
    a = np.asarray(alph, dtype=np.int64)
    comm = G.mul(a[:, None], a[None, :]) == G.mul(a[None, :], a[:, None])
    if not np.all(comm):
        i, j = np.argwhere(~comm)[0]
        raise NotRealizableError(
            f"{G.name} is not abelian: {G.names[a[i]]} and {G.names[a[j]]} do not commute, but {level} "
            "transitions commute, so the words xy and yx would reach the same state (commutation barrier)")
    return abelian_decomposition(G, alph)


def _cos_sin(F: NumberField, m: int, t: int):
    """Coefficients (times 2) of cos(2πt/m) and sin(2πt/m) in Q(ζ_m) (``m`` divisible by 4)."""
    zp, zm = F.power_coefficients(t % m), F.power_coefficients((-t) % m)
    cos2 = zp + zm
    i3 = 3 * m // 4                       # -i = ζ^{3m/4}
    sin2 = F.power_coefficients((t + i3) % m) - F.power_coefficients((-t + i3) % m)
    return cos2, sin2


def rotation_construction(target: GroupTarget, level: str = "rot") -> ExactConstruction:
    """CDIAG / ROT: one 2x2 rotation block per invariant factor of ``<alphabet>``.

    Formula: ``A_x = ρ(x)^T = diag_i R(-2π y_i(x)/d_i)`` with ``R(θ) = [[cos θ, -sin θ], [sin θ, cos θ]]``,
    ``h0 = (1, 0, 1, 0, ...)``, ``φ(g) = (cos θ_i(g), -sin θ_i(g))_i`` and readout rows ``R_g = φ(g)^T``
    (rotations are orthogonal; margin ``k - max_{g != g'} Σ_i cos(θ_i(g) - θ_i(g'))``).  Entries lie in
    ``Q(ζ_m)``, ``m = lcm(d_1, ..., d_k, 4)`` (in ``Z`` when every ``d_i`` divides 4).  Hidden size ``2k``.
    Theorem: characters of ``Z_d`` are ``x -> ζ_d^{ax}``; the commutation barrier rules out non-abelian groups.

    The trivial group gets one block holding the constant 1 (``H = 2``).  ``level="cdiag"`` writes
    the same matrices as CDIAG (ROT(H) ⊂ CDIAG(H)).

    Example:

    >>> from bilinear.theory import parse_group
    >>> c = rotation_construction(GroupTarget.resolve(parse_group("Z5")))
    >>> c.hidden_size, c.shape, c.field.name
    (2, Rot(hidden=2), 'Q(zeta_20)')
    """
    G, alph = target.group, list(target.alphabet)
    dec = _require_abelian(G, alph, "complex-diagonal" if level == "cdiag" else "rotation")
    k = dec.rank
    if k == 0:          # trivial subgroup: one block holding the constant 1
        dec_inv, coords = (1,), np.zeros((G.order, 1), dtype=np.int64)
    else:
        dec_inv, coords = dec.invariants, dec.coords
    k = len(dec_inv)
    m = math.lcm(*dec_inv, 4)
    integer = all(4 % d == 0 for d in dec_inv)
    F = RATIONALS if integer else NumberField.cyclotomic(m)
    H = 2 * k

    def block_entries(g_coords, sign):
        """Sparse entries (rows, cols, coefficient vectors) of diag_i R(sign * θ_i), times 2."""
        rows, cols, nums = [], [], []
        for i, d in enumerate(dec_inv):
            t = sign * int(g_coords[i]) * (m // d)
            if integer:
                c2 = round(2 * math.cos(2 * math.pi * t / m))
                s2 = round(2 * math.sin(2 * math.pi * t / m))
                cos2, sin2 = np.array([c2], dtype=object), np.array([s2], dtype=object)
            else:
                cos2, sin2 = _cos_sin(F, m, t)
            for (r, c, v) in ((0, 0, cos2), (0, 1, -sin2), (1, 0, sin2), (1, 1, cos2)):
                rows.append(2 * i + r)
                cols.append(2 * i + c)
                nums.append(v)
        return rows, cols, np.stack(nums, axis=1)

    mats = []
    for a in alph:
        r, c, num = block_entries(coords[a], -1)          # ρ(x)^T = R(-θ) per block
        mats.append(SparseMatrix(F, (H, H), r, c, num, 2))
    members = dec.elements
    R_rows, R_cols, R_num = [], [], []
    for idx, g in enumerate(members):
        r, c, num = block_entries(coords[g], -1)
        # φ(g) = first column of each block of ρ(g)^T (h0 = e_0 + e_2 + ...)
        for rr, cc, e in zip(r, c, range(num.shape[1])):
            if cc % 2 == 0:
                R_rows.append(idx)
                R_cols.append(rr)
                R_num.append(num[:, e])
    R = SparseMatrix(F, (len(members), H), np.array(R_rows, dtype=np.int64), np.array(R_cols, dtype=np.int64),
                    np.stack(R_num, axis=1), 2)
    h0 = np.zeros((F.degree, H, 1), dtype=np.int64)
    h0[0, 0::2, 0] = 1
    return ExactConstruction(
        shape=(CDiag if level == "cdiag" else Rot)(hidden=H), method="characters",
        theorem="abelian groups: a faithful sum of linear characters, one 2x2 rotation per invariant factor "
                "(commutation barrier rules out others)",
        labels=tuple(G.names[g] for g in members), alphabet=target.alphabet_names, source=target.source,
        invariants=tuple(dec.invariants), field=F, transitions=tuple(mats),
        h0=Columns(F, h0, np.ones(1, dtype=np.int64)), readout=R)


def rdiag_construction(target: GroupTarget) -> ExactConstruction:
    """RDIAG for an elementary abelian 2-group ``<alphabet> ≅ Z_2^k``: ``A_x = diag((-1)^{y_i(x)})``,
    ``h0 = (1, ..., 1)``, ``φ(g) = ((-1)^{y_i(g)})_i``, readout ``R_g = φ(g)^T`` (margin 2).  Hidden size
    ``k``.  Theorem: a real diagonal matrix of finite order has entries ±1 (finite-order diagonals), so
    exactly the groups with ``g^2 = e`` for all ``g`` are tracked at this level.

    The trivial group gets one coordinate holding 1 (``H = 1``).

    Example:

    >>> from bilinear.theory import parse_group
    >>> c = rdiag_construction(GroupTarget.resolve(parse_group("Z2^2")))
    >>> c.shape, [A.num[0].tolist() for A in c.transitions]
    (RDiag(hidden=2), [[-1, 1], [1, -1]])
    """
    G, alph = target.group, list(target.alphabet)
    dec = _require_abelian(G, alph, "real-diagonal")
    bad = [d for d in dec.invariants if d != 2]
    if bad:
        g = next(int(x) for x in dec.elements if G.element_orders[x] > 2)
        raise NotRealizableError(
            f"{G.name}: the element {G.names[g]} has order {G.element_orders[g]}, but a real diagonal matrix of "
            "finite order has entries ±1, so every tracked element would square to the identity "
            "(finite-order diagonals)")
    k = max(dec.rank, 1)
    coords = dec.coords if dec.rank else np.zeros((G.order, 1), dtype=np.int64)
    diag = lambda g: (1 - 2 * coords[g]).astype(np.int64)  # noqa: E731
    mats = tuple(SparseMatrix(RATIONALS, (k, k), np.arange(k), np.arange(k), diag(a)[None, :]) for a in alph)
    members = dec.elements
    phi = np.stack([diag(g) for g in members])
    r, c = np.nonzero(phi)
    R = SparseMatrix(RATIONALS, (len(members), k), r, c, phi[r, c][None, :])
    return ExactConstruction(
        shape=RDiag(hidden=k), method="characters", theorem="finite-order diagonals: entries are ±1",
        labels=tuple(G.names[g] for g in members), alphabet=target.alphabet_names, source=target.source,
        invariants=tuple(dec.invariants), field=RATIONALS, transitions=mats,
        h0=Columns(RATIONALS, np.ones((1, k, 1), dtype=np.int64), np.ones(1, dtype=np.int64)), readout=R)


def pdiag_construction(target: GroupTarget) -> ExactConstruction:
    """PDIAG tracks only the trivial group (a positive diagonal matrix of finite order is ``I``):
    ``H = 1``, ``A_x = [1]``, ``h0 = [1]``, readout ``[1]``.  Raises :class:`NotRealizableError`
    otherwise (theorem: finite-order diagonals).

    Example:

    >>> from bilinear.theory import parse_group
    >>> pdiag_construction(GroupTarget.resolve(parse_group("Z1"))).shape
    PDiag(hidden=1)
    """
    G, alph = target.group, list(target.alphabet)
    nontrivial = [a for a in alph if a != 0]
    if nontrivial:
        g = nontrivial[0]
        raise NotRealizableError(
            f"{G.name}: the element {G.names[g]} is not the identity, but a positive diagonal matrix of finite "
            "order is I, so only the trivial group is tracked at this level (finite-order diagonals)")
    one = np.ones((1, 1), dtype=np.int64)
    mats = tuple(SparseMatrix(RATIONALS, (1, 1), np.array([0]), np.array([0]), one) for _ in alph)
    return ExactConstruction(shape=PDiag(hidden=1), method="identity",
                             theorem="finite-order diagonals: a positive one is I",
                             labels=(G.names[0],), alphabet=target.alphabet_names, source=target.source,
                             field=RATIONALS, transitions=mats,
                             h0=Columns(RATIONALS, one[:, :, None], np.ones(1, dtype=np.int64)),
                             readout=SparseMatrix(RATIONALS, (1, 1), np.array([0]), np.array([0]), one))
