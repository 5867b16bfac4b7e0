"""Linear algebra over the prime field GF(p) with plain int64 numpy (p < 2^31).

Used by the Dixon-Schneider character-table algorithm (:mod:`bilinear.theory.characters.table`).  Entries are
kept in ``0..p-1``; a product of two entries is below ``p^2 < 2^62``, so every row operation is
exact in int64.  (galois would do the same, but compiles a new field per prime; a test checks
these routines against galois.)

Example::

    >>> import numpy as np
    >>> rref_mod(np.array([[2, 4], [1, 3]]), 7)[1]
    [0, 1]
"""

from __future__ import annotations

import numpy as np

from bilinear.theory.errors import MathematicalError, expected, shown
from bilinear.theory.arith.integers import isprime

__all__ = ["choose_prime", "rref_mod", "nullspace_mod", "column_echelon_basis", "charpoly_mod", "roots_mod",
           "eigenspaces_mod"]


def choose_prime(e: int, order: int) -> int:
    """The smallest prime ``p = 1 + t e`` with ``p > 2 sqrt(order)`` (and ``p > 2``).

    ``p = 1 mod e`` makes GF(p) contain the e-th roots of unity; ``p`` does not divide ``|G|``
    (every prime divisor of ``|G|`` divides ``e``), so the class algebra mod p is split semisimple.
    """
    if e < 1 or order < 1:
        raise expected("e, order", "positive integers", shown(f"{e}, {order}"))
    t = 1
    while True:
        p = 1 + t * e
        if p * p > 4 * order and p > 2 and isprime(p):
            return p
        t += 1


def rref_mod(A: np.ndarray, p: int) -> tuple[np.ndarray, list[int]]:
    """Reduced row echelon form of ``A`` over GF(p): ``(R, pivots)`` with ``R`` the non-zero rows."""
    A = np.array(A, dtype=np.int64) % p
    rows, cols = A.shape
    pivots: list[int] = []
    r = 0
    for c in range(cols):
        if r == rows:
            break
        nz = np.flatnonzero(A[r:, c])
        if nz.size == 0:
            continue
        i = r + int(nz[0])
        if i != r:
            A[[r, i]] = A[[i, r]]
        A[r] = (A[r] * pow(int(A[r, c]), -1, p)) % p
        col = A[:, c].copy()
        col[r] = 0
        hit = np.flatnonzero(col)
        if hit.size:
            A[hit] = (A[hit] - np.outer(col[hit], A[r])) % p
        pivots.append(c)
        r += 1
    return A[:r], pivots


def nullspace_mod(A: np.ndarray, p: int) -> np.ndarray:
    """A basis of ``{v : A v = 0}`` over GF(p), as the columns of a ``(cols x dim)`` matrix."""
    A = np.asarray(A, dtype=np.int64)
    R, piv = rref_mod(A, p)
    n = A.shape[1]
    free = [c for c in range(n) if c not in set(piv)]
    N = np.zeros((n, len(free)), dtype=np.int64)
    for j, f in enumerate(free):
        N[f, j] = 1
        for i, pc in enumerate(piv):
            N[pc, j] = (-R[i, f]) % p
    return N


def column_echelon_basis(V: np.ndarray, p: int) -> tuple[np.ndarray, list[int]]:
    """A basis ``B`` of the column space of ``V`` with ``B[pivots, :] = I`` (so the restriction of an
    invariant map ``M`` is ``(M B)[pivots, :]``)."""
    R, piv = rref_mod(np.asarray(V, dtype=np.int64).T, p)
    return np.ascontiguousarray(R.T), piv


def charpoly_mod(A: np.ndarray, p: int) -> np.ndarray:
    """Characteristic polynomial ``det(x I - A)`` over GF(p), coefficients lowest degree first.

    Reduction to upper Hessenberg form by similarity, then the standard three-term recurrence
    (H. Cohen, *A Course in Computational Algebraic Number Theory*, Alg. 2.2.9): O(n^3).
    """
    H = np.array(A, dtype=np.int64) % p
    n = H.shape[0]
    for m in range(1, n - 1):
        nz = np.flatnonzero(H[m:, m - 1])
        if nz.size == 0:
            continue
        i = m + int(nz[0])
        if i != m:
            H[[i, m]] = H[[m, i]]
            H[:, [i, m]] = H[:, [m, i]]
        inv = pow(int(H[m, m - 1]), -1, p)
        for i in range(m + 1, n):
            u = (int(H[i, m - 1]) * inv) % p
            if u:
                H[i] = (H[i] - u * H[m]) % p
                H[:, m] = (H[:, m] + u * H[:, i]) % p
    polys = [np.array([1], dtype=np.int64)]
    for m in range(1, n + 1):
        prev = polys[m - 1]
        cur = np.zeros(m + 1, dtype=np.int64)
        cur[1:] = prev
        cur[:m] = (cur[:m] - int(H[m - 1, m - 1]) * prev) % p
        t = 1
        for i in range(1, m):
            t = (t * int(H[m - i, m - i - 1])) % p
            coef = (t * int(H[m - i - 1, m - 1])) % p
            if coef:
                q = polys[m - i - 1]
                cur[:len(q)] = (cur[:len(q)] - coef * q) % p
        polys.append(cur)
    return polys[n]


def roots_mod(poly: np.ndarray, p: int) -> np.ndarray:
    """All roots in GF(p) of a polynomial (lowest degree first), by evaluation at every element."""
    x = np.arange(p, dtype=np.int64)
    val = np.full(p, int(poly[-1]) % p, dtype=np.int64)
    for c in poly[-2::-1]:
        val = (val * x + int(c)) % p
    return np.flatnonzero(val == 0)


def eigenspaces_mod(A: np.ndarray, p: int) -> list[tuple[int, np.ndarray]]:
    """``[(lambda, basis columns)]`` for a matrix over GF(p) that must be diagonalisable over GF(p).

    Raises :class:`MathematicalError` if the eigenspaces do not fill the space (the matrix is not
    diagonalisable over GF(p)), which cannot happen for a class matrix modulo a good prime.
    """
    A = np.asarray(A, dtype=np.int64) % p
    n = A.shape[0]
    out = []
    for lam in roots_mod(charpoly_mod(A, p), p):
        N = nullspace_mod((A - int(lam) * np.eye(n, dtype=np.int64)) % p, p)
        out.append((int(lam), N))
    if sum(N.shape[1] for _, N in out) != n:
        raise MathematicalError(f"a {n}x{n} matrix over GF({p}) is not diagonalisable over GF({p})")
    return out
