"""Matrix groups over finite fields: GL(n, q), SL(n, q) and AGL(1, q), through galois.

Each is realised as a permutation group: ``GL(n, q)`` and ``SL(n, q)`` act on the ``q^n - 1``
non-zero row vectors by ``v -> v M`` (a right action, so the product ``M N`` applies ``M`` first, as
docs/design.md §3 asks), ``AGL(1, q)`` acts on the ``q`` field elements by ``x -> a x + b``.  Field
elements are written in galois' integer representation (for ``q = p^k`` the base-``p`` digits are the
polynomial coefficients).  Element names are the matrices, e.g. ``[[1,0],[1,1]]``, or the affine
maps, e.g. ``2x+1``.

galois compiles each field once per process (about a second), so fields are cached here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bilinear.theory.groups.backends import PermutationBackend
from bilinear.theory.errors import InputError, expected
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.groups.limits import check_order_limit
from bilinear.theory.arith.integers import factorint
from bilinear.theory.groups.named import permutation_group


__all__ = ["general_linear_group", "special_linear_group", "affine_group_1d",
           "gl_order", "sl_order", "field"]


def _prime_power(q, argument: str = "q") -> tuple[int, int]:
    if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or int(q) < 2:
        raise expected(argument, "a prime power >= 2", q)
    f = factorint(int(q))
    if len(f) != 1:
        raise InputError(f"{argument}: {q} is not a prime power; finite fields have prime-power order")
    (p, k), = f.items()
    return int(p), int(k)


@lru_cache(maxsize=None)
def field(q: int):
    """The galois field GF(q), built once per process.

    Arithmetic in pure Python (``compile="python-calculate"``): the arrays here are small (the
    ``q^n - 1`` non-zero vectors), and numba's JIT took 1-3 s per field and operation.  The prime
    subfield is built first in the same mode, because building GF(p^k) evaluates polynomials over
    GF(p) (which would otherwise be JIT-compiled)."""
    p, k = _prime_power(q)
    import galois
    prime = galois.GF(p, compile="python-calculate")
    return prime if k == 1 else galois.GF(p, k, compile="python-calculate")


def gl_order(n: int, q: int) -> int:
    """``|GL(n, q)| = prod_{i=0}^{n-1} (q^n - q^i)``."""
    return math.prod(q ** n - q ** i for i in range(n))


def sl_order(n: int, q: int) -> int:
    """``|SL(n, q)| = |GL(n, q)| / (q - 1)``."""
    return gl_order(n, q) // (q - 1)


def _digits(values: np.ndarray, base: int, width: int) -> np.ndarray:
    """Base-``base`` digits (most significant first) of non-negative integers."""
    out = np.empty(values.shape + (width,), dtype=np.int64)
    v = values.astype(np.int64).copy()
    for j in range(width - 1, -1, -1):
        out[..., j] = v % base
        v //= base
    return out


@dataclass(frozen=True)
class MatrixActionBackend(PermutationBackend):
    """Permutations of the non-zero vectors of GF(q)^dim, named by the matrix they come from."""

    dim: int = 1
    q: int = 2

    def names(self, codes):
        codes = np.asarray(codes)
        basis_points = [self.q ** (self.dim - 1 - i) - 1 for i in range(self.dim)]  # e_i -> point
        images = codes[:, basis_points] + 1                                       # rows of M, encoded
        mats = _digits(images, self.q, self.dim)
        return ["[" + ",".join("[" + ",".join(str(int(x)) for x in row) + "]" for row in m) + "]" for m in mats]


@dataclass(frozen=True)
class AffineActionBackend(PermutationBackend):
    """Permutations ``x -> a x + b`` of GF(q), named ``ax+b``."""

    p: int = 2
    k: int = 1

    def names(self, codes):
        codes = np.asarray(codes)
        b = codes[:, 0]
        a_digits = (_digits(codes[:, 1], self.p, self.k) - _digits(b, self.p, self.k)) % self.p
        a = a_digits @ (self.p ** np.arange(self.k - 1, -1, -1))
        out = []
        for ai, bi in zip(a, b):
            lead = "x" if ai == 1 else f"{ai}x"
            out.append(lead if bi == 0 else f"{lead}+{bi}")
        return out


def _nonzero_vectors(F, n: int):
    q = F.order
    ints = np.arange(1, q ** n, dtype=np.int64)
    return F(_digits(ints, q, n))


def _encode(vectors, q: int) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.int64)
    return v @ (q ** np.arange(v.shape[-1] - 1, -1, -1)) - 1


def _linear_generators(F, n: int, special: bool):
    k = F.degree
    omega = F.primitive_element
    gens = []
    for t in range(k):
        a = omega ** t
        for i in range(n):
            for j in range(n):
                if i != j:
                    m = F.Identity(n)
                    m[i, j] = a
                    gens.append(m)
    if not special and F.order > 2:
        m = F.Identity(n)
        m[0, 0] = omega
        gens.append(m)
    if not gens:
        gens.append(F.Identity(n))
    return gens


def _linear_group(n: int, q: int, special: bool, max_order: int | None) -> FiniteGroup:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or int(n) < 1:
        raise expected("n", "a matrix size >= 1", n)
    n, q = int(n), int(q)
    _prime_power(q)
    name = f"{'SL' if special else 'GL'}({n},{q})"
    check_order_limit(sl_order(n, q) if special else gl_order(n, q), max_order, name)
    F = field(q)
    vecs = _nonzero_vectors(F, n)
    gens = [_encode(vecs @ m, q) for m in _linear_generators(F, n, special)]
    return permutation_group(gens, name=name, max_order=max_order,
                             backend=MatrixActionBackend(q ** n - 1, n, q))


def general_linear_group(n: int, q: int, max_order: int | None = None) -> FiniteGroup:
    """``GL(n, q)``: invertible ``n x n`` matrices over GF(q), acting on row vectors ``v -> v M``.

    Generated by the transvections ``I + w^t E_ij`` (``i != j``, ``t < k`` for ``q = p^k``, ``w`` a
    primitive element) and ``diag(w, 1, ..., 1)``.  Example: ``general_linear_group(3, 2).order == 168``.
    """
    return _linear_group(n, q, special=False, max_order=max_order)


def special_linear_group(n: int, q: int, max_order: int | None = None) -> FiniteGroup:
    """``SL(n, q)``: the determinant-one matrices, generated by the transvections.
    Example: ``special_linear_group(2, 5).order == 120``."""
    return _linear_group(n, q, special=True, max_order=max_order)


def affine_group_1d(q: int, max_order: int | None = None) -> FiniteGroup:
    """``AGL(1, q) = {x -> a x + b : a != 0}`` acting on GF(q), order ``q (q - 1)``.

    Generated by ``x -> w x`` (``w`` primitive) and the translations ``x -> x + w^t`` (``t < k``).
    Example: ``affine_group_1d(7).order == 42``.
    """
    p, k = _prime_power(q)
    q = int(q)
    name = f"AGL(1,{q})"
    check_order_limit(q * (q - 1), max_order, name)
    F = field(q)
    x = F.elements
    omega = F.primitive_element
    gens = [np.asarray(omega * x, dtype=np.int64)]
    gens += [np.asarray(x + omega ** t, dtype=np.int64) for t in range(k)]
    return permutation_group(gens, name=name, max_order=max_order, backend=AffineActionBackend(q, p, k))
