"""The CP(H, R) form of a construction: ``A(x) = U diag(V x) Z`` (docs/design.md §4)."""

from __future__ import annotations

import dataclasses

import numpy as np

from theory.errors import InputError
from theory.field_matrices import SparseMatrix

from .construction import Construction

__all__ = ["cp_construction"]

MAX_CP_ENTRIES = 5_000_000


def _sparse_json(M: SparseMatrix) -> dict:
    return {"rows": M.rows.tolist(), "cols": M.cols.tolist(), "den": int(M.den),
            "num": M.num.T.astype(object).tolist()}


def cp_construction(base: Construction) -> Construction:
    """Rewrite an exact construction in CP form with an explicit rank ``R``.

    Two exact maps, the smaller rank is used:

    * per symbol and column: for each symbol ``k`` and each non-zero column ``j`` of ``A_k``, one
      rank-one term ``U[:, r] = A_k[:, j]``, ``Z[r, :] = e_j^T``, ``V[r, :] = e_k^T``;
      ``R = Σ_k #nonzero columns(A_k) <= H D``;
    * per entry: for each position ``(i, j)`` non-zero in some ``A_k``, ``U[:, r] = e_i``,
      ``Z[r, :] = e_j^T``, ``V[r, k] = (A_k)_{ij}``; ``R <= H^2``.

    Either way ``U diag(V e_k) Z = A_k`` (this is FULL(H) ⊂ CP(H, min(H^2, HD))).  The factors go into
    ``info["cp"]`` and the certificate re-checks the identity exactly.
    """
    if not base.exact:
        return _numeric_cp(base)
    F, H, D = base.field, base.hidden_size, len(base.alphabet)
    mats = base.transitions
    col_terms = [(k, int(j)) for k, A in enumerate(mats) for j in np.unique(A.cols)]
    entries = sorted({(int(i), int(j)) for A in mats for i, j in zip(A.rows, A.cols)})
    den = int(np.lcm.reduce([A.den for A in mats])) if mats else 1
    if len(col_terms) <= len(entries):
        R = len(col_terms)
        U_r, U_c, U_n, Z_r, Z_c, V_r, V_c = [], [], [], [], [], [], []
        for r, (k, j) in enumerate(col_terms):
            A = mats[k]
            sel = A.cols == j
            U_r += A.rows[sel].tolist()
            U_c += [r] * int(sel.sum())
            U_n += [A.num[:, e] * (den // A.den) for e in np.flatnonzero(sel)]
            Z_r.append(r), Z_c.append(j), V_r.append(r), V_c.append(k)
        one = np.zeros((F.degree, R), dtype=np.int64)
        one[0] = 1
        U = SparseMatrix(F, (H, R), U_r, U_c, np.stack(U_n, axis=1) if U_n else np.zeros((F.degree, 0)), den)
        Z = SparseMatrix(F, (R, H), Z_r, Z_c, one)
        V = SparseMatrix(F, (R, D), V_r, V_c, one)
        kind = "per symbol and column (R <= H D)"
    else:
        R = len(entries)
        pos = {e: r for r, e in enumerate(entries)}
        one = np.zeros((F.degree, R), dtype=np.int64)
        one[0] = 1
        U = SparseMatrix(F, (H, R), [i for i, _ in entries], list(range(R)), one)
        Z = SparseMatrix(F, (R, H), list(range(R)), [j for _, j in entries], one)
        V_r, V_c, V_n = [], [], []
        for k, A in enumerate(mats):
            for e, (i, j) in enumerate(zip(A.rows, A.cols)):
                V_r.append(pos[(int(i), int(j))]), V_c.append(k), V_n.append(A.num[:, e] * (den // A.den))
        V = SparseMatrix(F, (R, D), V_r, V_c, np.stack(V_n, axis=1), den)
        kind = "per entry (R <= H^2)"
    if H * R > MAX_CP_ENTRIES:
        raise InputError(f"cp: H*R = {H * R} is too large for an explicit CP certificate (limit {MAX_CP_ENTRIES})")
    info = dict(base.info)
    info["cp"] = {"rank": R, "map": kind, "base_level": base.level, "U": _sparse_json(U), "V": _sparse_json(V),
                  "Z": _sparse_json(Z)}
    return dataclasses.replace(base, level="cp", info=info)


def _numeric_cp(base: Construction) -> Construction:
    """The per-symbol-and-column map for a numeric construction (float64 factors, checked by the
    numeric certificate to a relative tolerance)."""
    A = base.numeric[0]
    D, H, _ = A.shape
    terms = [(k, j) for k in range(D) for j in range(H) if np.any(A[k][:, j] != 0)]
    R = len(terms)
    U = np.zeros((H, R))
    V = np.zeros((R, D))
    Z = np.zeros((R, H))
    for r, (k, j) in enumerate(terms):
        U[:, r], V[r, k], Z[r, j] = A[k][:, j], 1.0, 1.0
    if H * R > MAX_CP_ENTRIES:
        raise InputError(f"cp: H*R = {H * R} is too large for an explicit CP certificate (limit {MAX_CP_ENTRIES})")
    info = dict(base.info)
    info["cp"] = {"rank": R, "map": "per symbol and column (R <= H D)", "base_level": base.level,
                  "U": U.tolist(), "V": V.tolist(), "Z": Z.tolist()}
    return dataclasses.replace(base, level="cp", info=info)
