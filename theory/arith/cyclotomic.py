"""Exact arithmetic in cyclotomic fields ``Q(zeta_n)``, ``zeta_n = exp(2 pi i / n)``.

Two layers:

* **Vectorised integer layer** (used by the character tables): a number of ``Z[zeta_n]`` is given
  by a *count vector* ``P`` of length ``n`` meaning ``sum_k P[k] zeta_n^k`` (the representation
  modulo ``x^n - 1``).  :func:`reduction_matrix` ``R_n`` (``n x phi(n)``) maps count vectors to
  the coordinates on the power basis ``1, zeta, ..., zeta^(phi(n)-1)``: row ``k`` holds the
  coefficients of ``x^k mod Phi_n(x)``.  Because ``Phi_n`` is the minimal polynomial of
  ``zeta_n``, two count vectors are the same number **iff** ``P @ R_n`` agree; the test is exact
  integer arithmetic.

* :class:`Cyclotomic`: one exact number of ``Q(zeta_n)`` with rational coordinates on the power
  basis; ``+``, ``*``, complex conjugation, Galois automorphisms, equality across fields (both
  sides are embedded into ``Q(zeta_lcm)``), conversion to ``complex`` and to sympy, and a readable
  ``str`` (rationals as fractions, quadratic irrationalities with ``sqrt``, anything else in GAP's
  ``E(n)^k`` notation).

Example::

    >>> z = Cyclotomic.root_of_unity(5)
    >>> str(z + z.conjugate())          # 2 cos(2 pi / 5)
    '-1/2 + sqrt(5)/2'
    >>> Cyclotomic.root_of_unity(3) + Cyclotomic.root_of_unity(3, 2) == Cyclotomic.rational(-1)
    True
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from bilinear.theory.errors import InputError, expected
from bilinear.theory.arith.integers import factorint
from bilinear.theory.lazy import LazyModule

if TYPE_CHECKING:
    import sympy
else:
    sympy = LazyModule("sympy")   # imported on first use (totient, mobius; exact sympy expressions)

__all__ = ["cyclotomic_polynomial", "reduction_matrix", "reduce_counts", "tensor_coordinates", "euler_phi",
           "Cyclotomic"]


def euler_phi(n: int) -> int:
    return int(sympy.totient(n))


@lru_cache(maxsize=None)
def cyclotomic_polynomial(n: int) -> tuple[int, ...]:
    """Integer coefficients of ``Phi_n(x)``, lowest degree first (``Phi_1 = x - 1``)."""
    if n < 1:
        raise expected("n", "a positive integer", n)
    # Phi_n = prod_{d | n} (x^d - 1)^mu(n/d): multiply by the factors with mu = 1, then divide
    # exactly by those with mu = -1 (P / (x^d - 1) has coefficients q_j = sum_{t >= 1} p_{j + t d}).
    divisors = [int(d) for d in sympy.divisors(n)]
    mu = {d: int(sympy.mobius(n // d)) for d in divisors}
    poly = np.array([1], dtype=object)
    for d in divisors:
        if mu[d] == 1:
            out = np.zeros(len(poly) + d, dtype=object)
            out[d:] += poly
            out[:len(poly)] -= poly
            poly = out
    for d in divisors:
        if mu[d] == -1:
            q = np.zeros(len(poly) - d, dtype=object)
            for j in range(len(q) - 1, -1, -1):
                q[j] = poly[j + d] + (q[j + d] if j + d < len(q) else 0)
            poly = q
    return tuple(int(c) for c in poly)


@lru_cache(maxsize=None)
def reduction_matrix(n: int) -> np.ndarray:
    """``R`` of shape ``(n, phi(n))``: row ``k`` = coefficients of ``x^k mod Phi_n(x)`` (int64).

    Built by ``x^(k+1) = x * x^k`` and one reduction step with the monic ``Phi_n``; the entries
    stay small (they are coefficients of ``x^k mod Phi_n`` for ``k < n``).
    """
    phi = cyclotomic_polynomial(n)
    d = len(phi) - 1
    R = np.zeros((n, d), dtype=np.int64)
    cur = np.zeros(d, dtype=np.int64)
    cur[0] = 1
    low = -np.asarray(phi[:d], dtype=np.int64)  # x^d = -(phi_0 + ... + phi_{d-1} x^{d-1})
    for k in range(n):
        R[k] = cur
        top = cur[d - 1]
        cur = np.concatenate([[0], cur[:d - 1]]) + top * low
    R.setflags(write=False)
    return R


@lru_cache(maxsize=64)
def _crt_layout(n: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """``(position, factors)``: the prime-power factors ``f_i`` of ``n`` and, for every exponent
    ``k < n``, its position in the ``f_1 x f_2 x ...`` tensor: digit ``i`` is
    ``k (n / f_i)^-1 mod f_i``, so ``zeta_n^k = prod_i omega_i^(digit_i)`` with
    ``omega_i = zeta_n^(n / f_i)`` a primitive ``f_i``-th root of unity."""
    factors = tuple(int(p) ** int(a) for p, a in sorted(factorint(n).items()))
    k = np.arange(n, dtype=np.int64)
    position = np.zeros(n, dtype=np.int64)
    for f in factors:
        position = position * f + (k * pow(n // f, -1, f)) % f
    return position, factors


def tensor_coordinates(counts: np.ndarray, n: int) -> np.ndarray:
    """Exact coordinates of ``sum_k counts[..., k] zeta_n^k`` on the tensor basis
    ``prod_i omega_i^(j_i)``, ``j_i < phi(f_i)``, of ``Z[zeta_n] = (x) Z[omega_i]`` (one factor per
    prime power ``f_i || n``, :func:`_crt_layout`): two count vectors are the same number iff
    their coordinates agree, and the number ``c`` (an integer) has coordinates ``(c, 0, ..., 0)``.
    Costs ``n sum_i phi(f_i)`` per vector instead of ``n phi(n)`` for :func:`reduce_counts`."""
    counts = np.asarray(counts, dtype=np.int64)
    if counts.shape[-1] != n:
        raise expected("counts", f"last axis of length {n}", counts.shape[-1])
    position, factors = _crt_layout(n)
    lead = counts.shape[:-1]
    t = np.empty(lead + (n,), dtype=np.int64)
    t[..., position] = counts
    t = t.reshape((-1,) + factors)
    for axis, f in enumerate(factors, start=1):
        t = _reduce_prime_power_axis(t, axis, f)
    return t.reshape(lead + (-1,))


def _reduce_prime_power_axis(t: np.ndarray, axis: int, f: int) -> np.ndarray:
    """Reduce one axis of length ``f = p^a`` modulo ``Phi_f(x) = Phi_p(x^(p^(a-1)))``: writing
    ``k = j p^(a-1) + i``, the top block ``j = p - 1`` equals minus the sum of the others, so the
    power-basis coordinates (``k < phi(f)``) are ``c[j, i] - c[p-1, i]`` (the rows of
    :func:`reduction_matrix`, in O(f))."""
    (p, _), = factorint(f).items()
    t = np.moveaxis(t, axis, -1)
    block = t.reshape(t.shape[:-1] + (p, f // p))
    out = (block[..., :p - 1, :] - block[..., p - 1:, :]).reshape(t.shape[:-1] + (f - f // p,))
    return np.moveaxis(out, -1, axis)


def reduce_counts(counts: np.ndarray, n: int) -> np.ndarray:
    """Power-basis coordinates of ``sum_k counts[..., k] zeta_n^k`` (any leading shape, int64)."""
    counts = np.asarray(counts, dtype=np.int64)
    if counts.shape[-1] != n:
        raise expected("counts", f"last axis of length {n}", counts.shape[-1])
    return counts @ reduction_matrix(n)


# ------------------------------------------------------------------------------------ one number
def _coords_from_poly(poly: dict[int, Fraction], n: int) -> tuple[Fraction, ...]:
    """Reduce ``sum c_k zeta_n^k`` (exponents taken mod n) to power-basis coordinates."""
    R = reduction_matrix(n)
    out = [Fraction(0)] * R.shape[1]
    for k, c in poly.items():
        if c:
            row = R[k % n]
            for j in np.flatnonzero(row):
                out[j] += c * int(row[j])
    return tuple(out)


@dataclass(frozen=True, eq=False)
class Cyclotomic:
    """An exact element of ``Q(zeta_n)``: ``sum_k coords[k] zeta_n^k`` on the power basis
    ``k < phi(n)``.  Build with :meth:`rational`, :meth:`root_of_unity` or :meth:`from_counts`."""

    n: int
    coords: tuple[Fraction, ...]

    def __post_init__(self):
        if self.n < 1 or len(self.coords) != euler_phi(self.n):
            raise InputError(f"coords: expected {euler_phi(self.n)} coordinates for Q(zeta_{self.n})")
        object.__setattr__(self, "coords", tuple(Fraction(c) for c in self.coords))

    # -------------------------------------------------------------- constructors
    @classmethod
    def rational(cls, q) -> "Cyclotomic":
        return cls(1, (Fraction(q),))

    @classmethod
    def root_of_unity(cls, n: int, k: int = 1) -> "Cyclotomic":
        """``zeta_n^k``."""
        return cls(n, _coords_from_poly({k % n: Fraction(1)}, n))

    @classmethod
    def from_counts(cls, n: int, counts) -> "Cyclotomic":
        """``sum_k counts[k] zeta_n^k`` for a length-``n`` vector (or a dict exponent -> coefficient)."""
        if isinstance(counts, dict):
            poly = {int(k) % n: Fraction(v) for k, v in counts.items()}
        else:
            poly = {k: Fraction(int(v)) for k, v in enumerate(np.asarray(counts).tolist()) if v}
        merged: dict[int, Fraction] = {}
        for k, v in poly.items():
            merged[k % n] = merged.get(k % n, Fraction(0)) + v
        return cls(n, _coords_from_poly(merged, n))

    @classmethod
    def from_exponents(cls, n: int, exponents) -> "Cyclotomic":
        """``sum_{a in exponents} zeta_n^a`` (a multiset of eigenvalue exponents)."""
        counts = np.bincount(np.asarray(exponents, dtype=np.int64) % n, minlength=n)
        return cls.from_counts(n, counts)

    # -------------------------------------------------------------- field changes
    def embed(self, m: int) -> "Cyclotomic":
        """The same number in ``Q(zeta_m)`` for a multiple ``m`` of ``n``."""
        if m % self.n:
            raise expected("m", f"a multiple of {self.n}", m)
        step = m // self.n
        return Cyclotomic(m, _coords_from_poly({k * step: c for k, c in enumerate(self.coords) if c}, m))

    def _as_poly(self) -> dict[int, Fraction]:
        return {k: c for k, c in enumerate(self.coords) if c}

    def galois(self, j: int) -> "Cyclotomic":
        """The automorphism ``zeta_n -> zeta_n^j`` (``gcd(j, n) = 1``)."""
        if math.gcd(j, self.n) != 1:
            raise expected("j", f"an integer coprime to {self.n}", j)
        return Cyclotomic(self.n, _coords_from_poly({k * j: c for k, c in self._as_poly().items()}, self.n))

    def conjugate(self) -> "Cyclotomic":
        return self.galois(-1 % self.n if self.n > 1 else 1)

    # -------------------------------------------------------------- arithmetic
    def _common(self, other) -> tuple["Cyclotomic", "Cyclotomic"]:
        if not isinstance(other, Cyclotomic):
            other = Cyclotomic.rational(other)
        m = math.lcm(self.n, other.n)
        return self.embed(m), other.embed(m)

    def __add__(self, other):
        a, b = self._common(other)
        return Cyclotomic(a.n, tuple(x + y for x, y in zip(a.coords, b.coords)))

    __radd__ = __add__

    def __neg__(self):
        return Cyclotomic(self.n, tuple(-x for x in self.coords))

    def __sub__(self, other):
        return self + (-other if isinstance(other, Cyclotomic) else -Fraction(other))

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        a, b = self._common(other)
        poly: dict[int, Fraction] = {}
        for i, x in a._as_poly().items():
            for j, y in b._as_poly().items():
                poly[i + j] = poly.get(i + j, Fraction(0)) + x * y
        return Cyclotomic(a.n, _coords_from_poly(poly, a.n))

    __rmul__ = __mul__

    def __pow__(self, k: int) -> "Cyclotomic":
        if not isinstance(k, int) or k < 0:
            raise expected("k", "a non-negative integer exponent", k)
        out = Cyclotomic.rational(1)
        for _ in range(k):
            out = out * self
        return out

    def __eq__(self, other):
        if not isinstance(other, (Cyclotomic, int, Fraction)):
            return NotImplemented
        a, b = self._common(other)
        return a.coords == b.coords

    __hash__ = None  # type: ignore[assignment]  # equality is across fields; key on str() or a rational value

    # -------------------------------------------------------------- properties
    def __complex__(self) -> complex:
        return complex(sum(float(c) * cmath.exp(2j * math.pi * k / self.n) for k, c in enumerate(self.coords)))

    def is_zero(self) -> bool:
        return not any(self.coords)

    def is_rational(self) -> bool:
        return all(c == 0 for c in self.coords[1:])

    def is_real(self) -> bool:
        return self == self.conjugate()

    def rational_value(self) -> Fraction:
        """The value as a Fraction (raises InputError if it is not rational)."""
        if not self.is_rational():
            raise InputError(f"{self}: not a rational number")
        return self.coords[0] if self.coords else Fraction(0)

    def galois_orbit(self) -> list["Cyclotomic"]:
        """The distinct Galois conjugates (their number is the degree of ``Q(self)`` over ``Q``)."""
        out: list[Cyclotomic] = []
        for j in range(1, self.n + 1):
            if math.gcd(j, self.n) == 1:
                c = self.galois(j % self.n if self.n > 1 else 1)
                if not any(c == o for o in out):
                    out.append(c)
        return out

    # -------------------------------------------------------------- output
    def _quadratic(self):
        """``(t + s sqrt(D))/2`` as a sympy expression when the degree over Q is 2, else None."""
        orbit = self.galois_orbit()
        if len(orbit) != 2:
            return None
        t = (orbit[0] + orbit[1]).rational_value()
        norm = (orbit[0] * orbit[1]).rational_value()
        disc = t * t - 4 * norm
        root = sympy.sqrt(sympy.Rational(disc.numerator, disc.denominator))
        half = sympy.Rational(1, 2)
        for s in (1, -1):
            cand = half * (sympy.Rational(t.numerator, t.denominator) + s * root)
            if abs(complex(cand.evalf(30)) - complex(self)) < 1e-9:
                return sympy.nsimplify(cand) if cand.is_rational else cand
        return None

    def to_sympy(self) -> sympy.Expr:
        """An exact sympy expression: rationals, ``sqrt`` forms for quadratic numbers, otherwise
        ``sum c_k exp(2 pi i k / n)``."""
        if self.is_rational():
            v = self.rational_value()
            return sympy.Rational(v.numerator, v.denominator)
        q = self._quadratic()
        if q is not None:
            return sympy.expand(q)
        return sympy.Add(*[sympy.Rational(c.numerator, c.denominator) * sympy.exp(2 * sympy.pi * sympy.I * k / self.n)
                           for k, c in enumerate(self.coords) if c])

    def __str__(self) -> str:
        if self.is_rational():
            return str(self.rational_value())
        q = self._quadratic()
        if q is not None:
            return sympy.sstr(sympy.expand(q)).replace("*I", "*i").replace("I*", "i*")
        return format_e_notation(self._as_poly(), self.n)

    def __repr__(self) -> str:
        return f"Cyclotomic({self})"


def format_e_notation(poly: Mapping[int, Any], n: int) -> str:
    """GAP-style ``2*E(7)+E(7)^3-E(7)^5`` for ``sum poly[k] zeta_n^k``; each term is written with
    the order of its root of unity (``E(7)^2`` rather than ``E(14)^4``)."""
    terms = []
    for k in sorted(poly):
        c = poly[k]
        if not c:
            continue
        g = math.gcd(k % n, n)
        m, e = n // g, (k % n) // g
        root = "1" if m == 1 else (f"E({m})" if e == 1 else f"E({m})^{e}")
        if root == "1":
            body = str(abs(c))
        elif abs(c) == 1:
            body = root
        else:
            body = f"{abs(c)}*{root}"
        terms.append(("-" if c < 0 else "+") + body)
    if not terms:
        return "0"
    s = "".join(terms)
    return s[1:] if s.startswith("+") else s
