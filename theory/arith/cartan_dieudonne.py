"""Cartan–Dieudonné in exact arithmetic: an orthogonal map as a product of rank(A - I) reflections
(docs/design.md §14).

For orthogonal ``A`` (over a real number field ``F``, or in float64) the decomposition runs: while
``B != I`` take the first unit vector ``e_i`` with ``B e_i != e_i``, put ``w = B e_i - e_i`` and
replace ``B`` by ``R_w B`` with ``R_w = I - c w wᵀ``, ``c = 2 / (wᵀw)``.  Since ``|B e_i| = |e_i|`` the
reflection ``R_w`` maps ``B e_i`` to ``e_i``, and it fixes every ``x`` fixed by ``B`` (``xᵀw =
(Bᵀx)ᵀ e_i... = xᵀ B e_i - xᵀ e_i = 0`` because ``Bᵀ x = B⁻¹ x = x``), so the fixed space grows by one
at every step; a reflection changes it by at most one, so exactly ``r = rank(A - I)`` steps reach
``I``, and ``A = R_{w_1} R_{w_2} ⋯ R_{w_r}`` (each ``R`` is an involution).  No square root is needed:
the factor ``I - 2 k kᵀ`` with ``k = w/|w|`` is ``I - c w wᵀ``, rational in ``w``; only the unit vector
``k`` stored as floats is irrational.

Field elements are tuples of :class:`fractions.Fraction` coefficients over the basis of ``F`` (the
first basis element is 1).  :func:`factors_product` needs multiplications only, so a certificate can
check ``c (wᵀw) = β`` and ``∏ (I - c_j w_j w_jᵀ) = A`` without inverting anything.

Example (a 3-cycle of coordinates is two reflections)::

    >>> from bilinear.theory.arith.number_field import RATIONALS
    >>> P = dense_from_ints(RATIONALS, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    >>> fs = reflection_factors(RATIONALS, P)
    >>> len(fs), factors_product(RATIONALS, 3, fs) == P
    (2, True)
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from bilinear.theory.errors import MathematicalError
from bilinear.theory.arith.number_field import NumberField

__all__ = ["Element", "dense_from_ints", "dense_from_sparse", "reflection_factors", "factors_product",
           "mul", "add", "sub", "inverse", "is_zero", "one", "zero", "to_float", "reflection_factors_float",
           "float_factors_product"]

Element = tuple[Fraction, ...]


def zero(F: NumberField) -> Element:
    return tuple(Fraction(0) for _ in range(F.degree))


def one(F: NumberField) -> Element:
    return (Fraction(1),) + tuple(Fraction(0) for _ in range(F.degree - 1))


def is_zero(a: Element) -> bool:
    return all(c == 0 for c in a)


def add(a: Element, b: Element) -> Element:
    return tuple(x + y for x, y in zip(a, b))


def sub(a: Element, b: Element) -> Element:
    return tuple(x - y for x, y in zip(a, b))


def _ints(a: Element) -> tuple[np.ndarray, int]:
    den = 1
    for c in a:
        den = den * c.denominator // np.gcd(den, c.denominator)
    return np.array([int(c * den) for c in a], dtype=object), int(den)


def mul(F: NumberField, a: Element, b: Element) -> Element:
    if F.degree == 1:
        return (a[0] * b[0],)
    na, da = _ints(a)
    nb, db = _ints(b)
    prod = F.multiply(na, nb)
    return tuple(Fraction(int(p), da * db) for p in prod)


def inverse(F: NumberField, a: Element) -> Element:
    """``1/a``: the solution of ``a y = 1`` (a linear system over Q in the coefficients)."""
    if is_zero(a):
        raise MathematicalError("inverse of zero")
    d = F.degree
    if d == 1:
        return (1 / a[0],)
    basis = [tuple(Fraction(int(i == j)) for i in range(d)) for j in range(d)]
    if mul(F, one(F), basis[1]) != basis[1]:
        raise MathematicalError(f"field {F.name}: the first basis element is not 1")
    cols = [mul(F, a, e) for e in basis]
    M = [[cols[j][i] for j in range(d)] + [Fraction(int(i == 0))] for i in range(d)]
    for c in range(d):                                  # Gauss–Jordan over Q
        p = next(r for r in range(c, d) if M[r][c] != 0)
        M[c], M[p] = M[p], M[c]
        piv = M[c][c]
        M[c] = [x / piv for x in M[c]]
        for r in range(d):
            if r != c and M[r][c] != 0:
                f = M[r][c]
                M[r] = [x - f * y for x, y in zip(M[r], M[c])]
    return tuple(M[i][d] for i in range(d))


def to_float(F: NumberField, a: Element) -> float:
    num, den = _ints(a)
    return float(np.real(F.evaluate(num[:, None], den)[0]))


def dense_from_ints(F: NumberField, rows) -> list[list[Element]]:
    """A dense matrix of integers as field elements."""
    z = zero(F)
    return [[(Fraction(int(v)),) + z[1:] for v in row] for row in rows]


def dense_from_sparse(A) -> list[list[Element]]:
    """A :class:`bilinear.theory.arith.field_matrices.SparseMatrix` as a dense matrix of field elements."""
    F = A.field
    H = A.shape[0]
    out = [[zero(F) for _ in range(A.shape[1])] for _ in range(H)]
    for e in range(len(A.rows)):
        out[int(A.rows[e])][int(A.cols[e])] = tuple(Fraction(int(c), int(A.den)) for c in A.num[:, e])
    return out


def _identity(F: NumberField, H: int) -> list[list[Element]]:
    return [[one(F) if i == j else zero(F) for j in range(H)] for i in range(H)]


def _apply_reflection_left(F, B, w, c):
    """``(I - c w wᵀ) B``."""
    H = len(B)
    wtB = [zero(F) for _ in range(H)]
    for j in range(H):
        s = zero(F)
        for i in range(H):
            if not is_zero(w[i]) and not is_zero(B[i][j]):
                s = add(s, mul(F, w[i], B[i][j]))
        wtB[j] = s
    cw = [mul(F, c, wi) for wi in w]
    return [[sub(B[i][j], mul(F, cw[i], wtB[j])) if not is_zero(cw[i]) and not is_zero(wtB[j]) else B[i][j]
             for j in range(H)] for i in range(H)]


def reflection_factors(F: NumberField, A, limit: int | None = None) -> list[tuple[list[Element], Element]]:
    """``[(w_j, c_j)]`` with ``A = ∏_j (I - c_j w_j w_jᵀ)`` (``j = 1`` leftmost), ``c_j = 2/(w_jᵀ w_j)``,
    exactly ``rank(A - I)`` factors for orthogonal ``A`` (module docstring).  Raises
    :class:`MathematicalError` when more than ``H`` steps are needed (``A`` not orthogonal)."""
    H = len(A)
    B = [list(row) for row in A]
    I = _identity(F, H)
    out: list[tuple[list[Element], Element]] = []
    two = (Fraction(2),) + zero(F)[1:]
    while True:
        col = next((i for i in range(H) if any(B[r][i] != I[r][i] for r in range(H))), None)
        if col is None:
            return out
        if len(out) >= (H if limit is None else limit):
            raise MathematicalError("Cartan–Dieudonné: more than H reflections needed; the matrix is not orthogonal")
        w = [sub(B[r][col], I[r][col]) for r in range(H)]
        n = zero(F)
        for x in w:
            if not is_zero(x):
                n = add(n, mul(F, x, x))
        c = mul(F, two, inverse(F, n))
        B = _apply_reflection_left(F, B, w, c)
        out.append((w, c))


def factors_product(F: NumberField, H: int, factors) -> list[list[Element]]:
    """``∏_j (I - c_j w_j w_jᵀ)`` with factor 1 leftmost (multiplications only)."""
    P = _identity(F, H)
    for w, c in reversed(list(factors)):
        P = _apply_reflection_left(F, P, w, c)
    return P


def reflection_factors_float(A: np.ndarray, tol: float = 1e-9) -> list[tuple[np.ndarray, float]]:
    """The float64 version: ``[(k_j, beta_j = 2)]`` with unit ``k_j`` and ``A ≈ ∏ (I - 2 k_j k_jᵀ)``."""
    H = A.shape[0]
    B = np.array(A, dtype=np.float64)
    out: list[tuple[np.ndarray, float]] = []
    for _ in range(H + 1):
        diff = np.linalg.norm(B - np.eye(H), axis=0)
        if diff.max() <= tol:
            return out
        i = int(np.argmax(diff > tol))
        w = B[:, i] - np.eye(H)[:, i]
        k = w / np.linalg.norm(w)
        B = B - 2.0 * np.outer(k, k @ B)
        out.append((k, 2.0))
    raise MathematicalError("Cartan–Dieudonné: more than H reflections needed; the matrix is not orthogonal")


def float_factors_product(H: int, factors) -> np.ndarray:
    """``∏_j (I - beta_j k_j k_jᵀ)`` in float64, factor 1 leftmost."""
    P = np.eye(H)
    for k, beta in factors:
        P = P @ (np.eye(H) - beta * np.outer(k, k))
    return P
