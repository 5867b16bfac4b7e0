"""The CP(H, R) form of a construction: ``A(x) = U diag(V x) Z`` (docs/design.md §4)."""

from __future__ import annotations

import dataclasses

import numpy as np

from bilinear.theory.errors import InputError, expected, type_of
from bilinear.theory.arith.field_matrices import SparseMatrix
from bilinear.theory.hierarchy.levels import CP

from bilinear.constructions.construction import Construction, CPFactors, ExactConstruction, NumericConstruction

__all__ = ["cp_construction", "cp_rank"]

MAX_CP_ENTRIES = 5_000_000


def cp_rank(H: int, D: int) -> int:
    """The rank of :func:`cp_construction` for hidden size ``H`` and ``D`` symbols: ``min(H², HD)``."""
    return min(H * H, H * D)


def _sparse_json(M: SparseMatrix) -> dict:
    return {"rows": M.rows.tolist(), "cols": M.cols.tolist(), "den": int(M.den),
            "num": M.num.T.astype(object).tolist()}


def cp_construction(base: Construction) -> Construction:
    """Rewrite a construction in CP form of rank ``R = min(H², HD)`` (FULL(H) ⊂ CP(H, min(H², HD))).

    Formula, two exact maps, the one of smaller rank is used:

    * per symbol and row (``HD <= H²``): for each symbol ``k`` and row ``i``, one rank-one term
      ``U[:, r] = e_i``, ``Z[r, :] = (A_k)[i, :]``, ``V[r, :] = e_k^T``;
    * per entry (``H² < HD``): for each position ``(i, j)``, ``U[:, r] = e_i``, ``Z[r, :] = e_j^T``,
      ``V[r, k] = (A_k)_{ij}``.

    Either way ``U diag(V e_k) Z = A_k``; the certificate re-checks the identity exactly.  Hidden size
    that of ``base``, rank ``min(H², HD)`` (what ``bilinear analyze`` reports for level cp).
    Theorem: containment full_in_cp.

    Example:

    >>> from bilinear.theory import parse_group
    >>> from bilinear.constructions.construction import GroupTarget
    >>> from bilinear.constructions.representation import faithful_construction
    >>> c = cp_construction(faithful_construction(GroupTarget.resolve(parse_group("S3"))))
    >>> c.shape, c.cp.map
    (CP(hidden=2, rank=4), 'per symbol and row (R = H D)')
    """
    H, D = base.hidden_size, len(base.alphabet)
    R = cp_rank(H, D)
    if H * R > MAX_CP_ENTRIES:
        raise InputError(f"cp: H*R = {H * R} is too large for an explicit CP certificate (limit {MAX_CP_ENTRIES})")
    if isinstance(base, NumericConstruction):
        factors = _numeric_factors(base.A, R)
    elif isinstance(base, ExactConstruction):
        factors = _exact_factors(base, R)
    else:
        raise expected("base", "an exact or numeric construction", type_of(base))
    U, V, Z, kind = factors
    cp = CPFactors(rank=R, map=kind, base_method=base.method, U=U, V=V, Z=Z)
    return dataclasses.replace(base, shape=CP(hidden=H, rank=R), cp=cp, blocks=(),
                               theorem=base.theorem + "; FULL(H) ⊂ CP(H, min(H², HD))")


def _exact_factors(base: ExactConstruction, R: int):
    F, H, D = base.field, base.hidden_size, len(base.alphabet)
    mats = base.transitions
    den = int(np.lcm.reduce([A.den for A in mats])) if mats else 1
    one = np.zeros((F.degree, R), dtype=np.int64)
    one[0] = 1
    if R == H * D:                               # per symbol and row
        Z_r: list[int] = []
        Z_c: list[int] = []
        Z_n: list[np.ndarray] = []
        for k, A in enumerate(mats):
            for e in range(len(A.rows)):
                Z_r.append(k * H + int(A.rows[e]))
                Z_c.append(int(A.cols[e]))
                Z_n.append(A.num[:, e] * (den // A.den))
        U = SparseMatrix(F, (H, R), np.arange(R) % H, np.arange(R), one)
        Z_num = np.stack(Z_n, axis=1) if Z_n else np.zeros((F.degree, 0))
        Z = SparseMatrix(F, (R, H), np.array(Z_r, dtype=np.int64), np.array(Z_c, dtype=np.int64), Z_num, den)
        V = SparseMatrix(F, (R, D), np.arange(R), np.arange(R) // H, one)
        kind = "per symbol and row (R = H D)"
    else:                                        # per entry
        U = SparseMatrix(F, (H, R), np.arange(R) // H, np.arange(R), one)
        Z = SparseMatrix(F, (R, H), np.arange(R), np.arange(R) % H, one)
        V_r: list[int] = []
        V_c: list[int] = []
        V_n: list[np.ndarray] = []
        for k, A in enumerate(mats):
            for e in range(len(A.rows)):
                V_r.append(int(A.rows[e]) * H + int(A.cols[e]))
                V_c.append(k)
                V_n.append(A.num[:, e] * (den // A.den))
        V_num = np.stack(V_n, axis=1) if V_n else np.zeros((F.degree, 0))
        V = SparseMatrix(F, (R, D), np.array(V_r, dtype=np.int64), np.array(V_c, dtype=np.int64), V_num, den)
        kind = "per entry (R = H^2)"
    return _sparse_json(U), _sparse_json(V), _sparse_json(Z), kind


def _numeric_factors(A: np.ndarray, R: int):
    """The same maps in float64 (checked by the numeric certificate to a relative tolerance)."""
    D, H, _ = A.shape
    U, V, Z = np.zeros((H, R)), np.zeros((R, D)), np.zeros((R, H))
    if R == H * D:
        for k in range(D):
            for i in range(H):
                r = k * H + i
                U[i, r], V[r, k], Z[r] = 1.0, 1.0, A[k][i]
        kind = "per symbol and row (R = H D)"
    else:
        for i in range(H):
            for j in range(H):
                r = i * H + j
                U[i, r], Z[r, j], V[r] = 1.0, 1.0, A[:, i, j]
        kind = "per entry (R = H^2)"
    return U.tolist(), V.tolist(), Z.tolist(), kind
