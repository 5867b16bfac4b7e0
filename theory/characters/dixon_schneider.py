"""Character tables by Dixon-Schneider modulo a prime (groups without a structure the other builders use).

**Method (non-abelian groups): Dixon-Schneider modulo a prime.**  Take the smallest prime
``p = 1 (mod e)`` with ``p > 2 sqrt|G|``.  The class sums ``C_j`` satisfy ``C_j C_r = sum_s a_jrs C_s``
with ``a_jrs = #{x in C_j : x^-1 z_s in C_r}`` (``z_s`` a representative of class ``s``).  The
central characters ``omega_chi(C_s) = |C_s| chi(g_s) / chi(1)`` are the common eigenvectors of the
matrices ``M_j[r, s] = a_jrs`` (``M_j omega = omega(C_j) omega``).  Since ``p`` does not divide
``|G|`` and GF(p) contains the e-th roots of unity, the class algebra over GF(p) is split semisimple
and its ``k`` characters are the reductions of the ``omega_chi`` (reduction modulo a prime ``P``
above ``p``, fixed by sending ``zeta_e`` to a chosen primitive e-th root ``w`` mod p).  So
splitting GF(p)^k by the eigenspaces of ``M_j`` for ``j = 1, 2, ...`` ends in ``k`` lines.  Then
``chi(1)^2 = |G| / sum_s omega_s omega_s* / |C_s|`` (``s*`` = class of inverses; the unique root
``<= sqrt|G|`` because ``p > 2 sqrt|G|``), ``chi(g_s) = omega_s chi(1) / |C_s|`` mod p, and the
eigenvalue multiplicities ``m_t = (1/o) sum_l chi(g^l) w_o^(-t l)`` (``o`` the order of ``g``,
``w_o = w^(e/o)``) are integers in ``0..chi(1) < p``, hence recovered exactly.  (J. D. Dixon,
Numer. Math. 10 (1967); G. J. A. Schneider, J. Symb. Comput. 9 (1990).)

Example::

    >>> from bilinear.theory import symmetric_group
    >>> T = dixon_schneider_table(symmetric_group(3))
    >>> T.degrees, T.prime, T.certificate.row_orthogonality
    ((1, 1, 2), 7, True)
"""

from __future__ import annotations

import math

import numpy as np

from bilinear.theory.arith.modular import choose_prime, column_echelon_basis, eigenspaces_mod
from bilinear.theory.characters.class_algebra import class_matrix
from bilinear.theory.characters.table import CharacterTable, sorted_table
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.errors import MathematicalError
from bilinear.theory.lazy import LazyModule

sympy = LazyModule("sympy")   # imported on first use (primitive_root)

__all__ = ["dixon_schneider_table"]


def _split_by_class_matrices(G: FiniteGroup, p: int) -> np.ndarray:
    """The ``k`` common eigenvectors (rows, normalised to 1 on the identity class) of the class
    matrices over GF(p)."""
    k = G.num_classes
    spaces = [column_echelon_basis(np.eye(k, dtype=np.int64), p)]
    order = sorted(range(1, k), key=lambda j: (int(G.class_sizes[j]), j))
    for j in order:
        if all(B.shape[1] == 1 for B, _ in spaces):
            break
        M = class_matrix(G, j) % p
        new = []
        for B, piv in spaces:
            if B.shape[1] == 1:
                new.append((B, piv))
                continue
            R = ((M @ B) % p)[piv, :]
            for _, N in eigenspaces_mod(R, p):
                new.append(column_echelon_basis((B @ N) % p, p))
        spaces = new
    if not all(B.shape[1] == 1 for B, _ in spaces) or len(spaces) != k:
        raise MathematicalError(f"{G.name}: the class matrices do not split GF({p})^{k} into lines")
    omegas = np.array([B[:, 0] for B, _ in spaces], dtype=np.int64)
    if np.any(omegas[:, 0] == 0):
        raise MathematicalError(f"{G.name}: a central character vanishes on the identity class")
    inv0 = np.array([pow(int(x), -1, p) for x in omegas[:, 0]], dtype=np.int64)
    return (omegas * inv0[:, None]) % p


def _degrees_and_values(G: FiniteGroup, omegas: np.ndarray, p: int) -> tuple[list[int], np.ndarray]:
    n = G.order
    sizes = G.class_sizes
    inv_size = np.array([pow(int(s), -1, p) for s in sizes], dtype=np.int64)
    star = G.class_of[G.inverses[G.class_representatives]]
    s = ((omegas * omegas[:, star]) % p * inv_size[None, :]).sum(axis=1) % p
    cand = np.arange(1, math.isqrt(n) + 1, dtype=np.int64)
    degrees = []
    for si in s:
        if si == 0:
            raise MathematicalError(f"{G.name}: a central character has zero norm modulo {p}")
        target = (n % p) * pow(int(si), -1, p) % p
        hits = cand[(cand * cand) % p == target]
        if len(hits) != 1:
            raise MathematicalError(f"{G.name}: no unique degree d <= sqrt|G| with d^2 = {target} mod {p}")
        degrees.append(int(hits[0]))
    d = np.array(degrees, dtype=np.int64)
    values = (omegas * d[:, None]) % p * inv_size[None, :] % p
    return degrees, values


def _power_classes(G: FiniteGroup) -> np.ndarray:
    """``P[c, l]`` = class of ``g_c^l`` for ``l < max order``."""
    reps = G.class_representatives
    top = int(G.class_orders.max())
    P = np.empty((G.num_classes, top), dtype=np.int64)
    cur = np.zeros_like(reps)
    for l in range(top):
        P[:, l] = G.class_of[cur]
        cur = G.mul(cur, reps)
    return P


def _matmul_mod(A: np.ndarray, B: np.ndarray, p: int) -> np.ndarray:
    """``A @ B mod p`` for entries in ``0..p-1``: float64 BLAS when exact (< 2^53), else int64."""
    if A.shape[-1] * (p - 1) ** 2 < 2 ** 53:
        return np.rint(A.astype(np.float64) @ B.astype(np.float64)).astype(np.int64) % p
    return (A @ B) % p


def _lift_eigenvalues(G: FiniteGroup, degrees: list[int], values: np.ndarray, p: int, w: int) -> list[np.ndarray]:
    """Eigenvalue exponents per character and class from the values mod p (module docstring)."""
    e, k = G.exponent, G.num_classes
    P = _power_classes(G)
    d = np.array(degrees, dtype=np.int64)
    eig = [np.zeros((k, di), dtype=np.int64) for di in degrees]
    for o in np.unique(G.class_orders):
        o = int(o)
        cs = np.flatnonzero(G.class_orders == o)
        u = pow(w, e // o, p)
        upow = np.array([pow(u, t, p) for t in range(o)], dtype=np.int64)
        W = upow[(-np.outer(np.arange(o), np.arange(o))) % o]
        S = values[:, P[cs, :o]]                                      # (chars, n_o, o)
        m = _matmul_mod(S.reshape(-1, o), W, p).reshape(len(d), len(cs), o)
        m = (m * pow(o, -1, p)) % p
        if np.any(m > d[:, None, None]) or np.any(m.sum(axis=2) != d[:, None]):
            raise MathematicalError(f"{G.name}: eigenvalue multiplicities modulo {p} do not lift to integers")
        t_exp = np.arange(o, dtype=np.int64) * (e // o)
        for i, di in enumerate(degrees):
            eig[i][cs] = np.repeat(np.tile(t_exp, len(cs)), m[i].ravel()).reshape(len(cs), di)
    return eig


def dixon_schneider_table(G: FiniteGroup) -> CharacterTable:
    e = G.exponent
    p = choose_prime(e, G.order)
    w = pow(int(sympy.primitive_root(p)), (p - 1) // e, p)
    omegas = _split_by_class_matrices(G, p)
    degrees, values = _degrees_and_values(G, omegas, p)
    eig = _lift_eigenvalues(G, degrees, values, p, w)
    dtype = np.int16 if e < 2 ** 15 else np.int32
    return sorted_table(G, e, degrees, [x.astype(dtype) for x in eig], p, "dixon-schneider")
