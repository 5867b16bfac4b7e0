"""Exact arithmetic in number fields (no floats in the decisions).

A :class:`NumberField` is ``Q(θ)`` with the power basis ``1, θ, ..., θ^{d-1}`` (θ a root of a monic
integer polynomial, with a chosen complex embedding), or a multiquadratic field ``Q(√p_1, ..., √p_k)``
with the basis of square roots of products of the ``p_i``.  An element is an integer coefficient
vector over the basis divided by a positive integer denominator.  The rationals are the case
``d = 1``; ``Q(ζ_m)``, ``Q(√n)`` and ``Q(√2, √3, √5)`` have their own constructors.  Exact
matrices and batches of column vectors over a field are in :mod:`bilinear.theory.arith.field_matrices`; the
cyclotomic numbers of character tables are :mod:`bilinear.theory.arith.cyclotomic`.

Products run in int64 when a bound on the result proves they cannot overflow, otherwise in Python
integers (:func:`mul_ints`, :func:`add_ints`).  Signs of real elements are decided by a float
evaluation whose error is bounded, then an exact zero test, then a 100-digit evaluation
(``mpmath``) — see :meth:`NumberField.signs`.

Example::

    >>> import numpy as np
    >>> F = NumberField.quadratic(5)                  # Q(√5), basis 1, √5
    >>> F.multiply(np.array([0, 1]), np.array([0, 1])).tolist()   # √5 · √5 = 5
    [5, 0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np

from bilinear.theory.errors import InputError, MathematicalError, expected
from bilinear.theory.lazy import LazyModule

sympy = LazyModule("sympy")   # imported on first use

__all__ = ["NumberField", "RATIONALS", "as_int_array", "mul_ints", "add_ints"]

_INT64_SAFE = 2 ** 62


def as_int_array(x) -> np.ndarray:
    """int64 if every entry fits, else an object array of Python ints."""
    arr = np.asarray(x, dtype=object)
    flat = arr.reshape(-1)
    if flat.size == 0 or max(abs(int(v)) for v in flat) < _INT64_SAFE:
        return arr.astype(np.int64)
    return np.vectorize(int, otypes=[object])(arr) if arr.size else arr


def _max_abs(a: np.ndarray) -> int:
    if a.size == 0:
        return 0
    return int(np.max(np.abs(a))) if a.dtype != object else max(abs(int(v)) for v in a.reshape(-1))


@dataclass(frozen=True)
class NumberField:
    """A number field with an integral basis-like ``Q``-basis and a chosen complex embedding.

    Two kinds: the power basis ``1, θ, ..., θ^{d-1}`` of ``Q(θ)`` (``minpoly`` monic integer
    coefficients of θ's minimal polynomial, lowest degree first; ``root`` θ's complex value), and the
    multiquadratic field ``Q(√p_1, ..., √p_k)`` (``primes``; basis ``√(Π_{i ∈ S} p_i)`` for subsets
    ``S``, indexed by bit masks; degree ``2^k``).  Products of basis elements are integer
    combinations of basis elements (the structure constants), so integer coefficient vectors over a
    common denominator are closed under multiplication.
    """

    name: str
    minpoly: tuple[int, ...] = ()
    root: complex = 0j
    cyclotomic_order: int | None = None
    primes: tuple[int, ...] = ()

    def __post_init__(self):
        if self.primes:
            ps = tuple(int(p) for p in self.primes)
            if len(set(ps)) != len(ps) or any(not sympy.isprime(p) for p in ps):
                raise expected("primes", "distinct primes", self.primes)
            object.__setattr__(self, "primes", ps)
            return
        mp = tuple(int(c) for c in self.minpoly)
        if len(mp) < 2 or mp[-1] != 1:
            raise expected("minpoly", "a monic integer polynomial (lowest degree first)", self.minpoly)
        object.__setattr__(self, "minpoly", mp)
        value = sum(c * complex(self.root) ** i for i, c in enumerate(mp))
        if abs(value) > 1e-8 * max(1.0, sum(abs(c) * abs(complex(self.root)) ** i for i, c in enumerate(mp))):
            raise InputError(f"root: {self.root} is not a root of the minimal polynomial of {self.name}")

    # -------------------------------------------------------------- constructors
    @classmethod
    def rationals(cls) -> "NumberField":
        return RATIONALS

    @classmethod
    def cyclotomic(cls, m: int) -> "NumberField":
        """``Q(ζ_m)``, ``ζ_m = exp(2πi/m)``; minimal polynomial the ``m``-th cyclotomic polynomial."""
        if m <= 2:
            return RATIONALS
        x = sympy.Symbol("x")
        coeffs = sympy.Poly(sympy.cyclotomic_poly(m, x), x).all_coeffs()[::-1]
        return cls(f"Q(zeta_{m})", tuple(int(c) for c in coeffs), complex(np.exp(2j * np.pi / m)), m)

    @classmethod
    def quadratic(cls, n: int) -> "NumberField":
        """``Q(√n)`` with the positive square root (``n`` a non-square integer)."""
        return cls(f"Q(sqrt({n}))", (-n, 0, 1), complex(math.sqrt(n)) if n > 0 else complex(0, math.sqrt(-n)))

    @classmethod
    def multiquadratic(cls, primes) -> "NumberField":
        """``Q(√p_1, ..., √p_k)`` (real square roots) with the basis of square roots of products."""
        ps = tuple(sorted(int(p) for p in primes))
        if not ps:
            return RATIONALS
        return cls("Q(" + ", ".join(f"sqrt({p})" for p in ps) + ")", primes=ps)

    @classmethod
    def from_sympy(cls, theta) -> "NumberField":
        """The field ``Q(θ)`` of a sympy algebraic number: multiquadratic when θ is a sum of square
        roots of integers, otherwise the power basis of θ (which must then be an algebraic integer, so
        that its minimal polynomial is monic over Z); the embedding is θ's numeric value."""
        if theta is None:
            return RATIONALS
        theta = sympy.sympify(theta)
        primes = _radicand_primes(theta)
        if primes is not None:
            return cls.multiquadratic(primes)
        x = sympy.Symbol("x")
        poly = sympy.Poly(sympy.minimal_polynomial(theta, x), x)
        coeffs = poly.all_coeffs()
        if coeffs[0] != 1 or any(not c.is_integer for c in coeffs):
            raise InputError(f"theta: {theta} is not an algebraic integer (minimal polynomial {poly.as_expr()})")
        return cls(f"Q({theta})", tuple(int(c) for c in coeffs[::-1]), complex(sympy.N(theta, 30)))

    def coefficients(self, expr, theta=None) -> list:
        """Coordinates (Fractions) of a sympy number of this field in its basis (``theta``: the
        primitive element, needed for power-basis fields built by :meth:`from_sympy`)."""
        expr = sympy.nsimplify(expr) if isinstance(expr, float) else sympy.sympify(expr)
        if self.degree == 1:
            q = sympy.Rational(expr)
            return [Fraction(int(q.p), int(q.q))]
        if self.primes:
            out = [Fraction(0)] * self.degree
            for term in sympy.Add.make_args(sympy.expand(expr)):
                c, rest = term.as_coeff_Mul()
                sq = sympy.Integer(sympy.expand(rest ** 2)) if rest != 1 else sympy.Integer(1)
                mask, left = 0, int(sq)
                for i, p in enumerate(self.primes):
                    if left % p == 0:
                        left //= p
                        mask |= 1 << i
                if left != 1 or sympy.sqrt(sq) != rest or not c.is_Rational:
                    raise InputError(f"{expr} is not an element of {self.name}")
                out[mask] += Fraction(int(c.p), int(c.q))
            return out
        from sympy.polys.numberfields.subfield import to_number_field
        if theta is None:
            raise InputError(f"{self.name}: the primitive element is needed to convert {expr}")
        coeffs = [Fraction(int(sympy.Rational(c).p), int(sympy.Rational(c).q))
                  for c in to_number_field(expr, theta).coeffs()[::-1]]
        return coeffs + [Fraction(0)] * (self.degree - len(coeffs))

    def to_json(self) -> dict:
        if self.primes:
            return {"name": self.name, "primes": list(self.primes)}
        return {"name": self.name, "minpoly": list(self.minpoly), "root": [self.root.real, self.root.imag],
                "cyclotomic_order": self.cyclotomic_order}

    @classmethod
    def from_json(cls, data: dict) -> "NumberField":
        try:
            if "primes" in data:
                return cls.multiquadratic(data["primes"])
            return cls(str(data["name"]), tuple(int(c) for c in data["minpoly"]),
                       complex(float(data["root"][0]), float(data["root"][1])), data.get("cyclotomic_order"))
        except (KeyError, TypeError, ValueError, IndexError):
            raise InputError("meta.exact.field: expected {name, minpoly, root: [re, im]} or {name, primes}") from None

    # -------------------------------------------------------------- structure
    @property
    def degree(self) -> int:
        return 2 ** len(self.primes) if self.primes else len(self.minpoly) - 1

    @property
    def is_rational(self) -> bool:
        return self.degree == 1

    @cached_property
    def reduction(self) -> np.ndarray:
        """Power basis: ``R[t, j]`` with ``θ^t = Σ_j R[t, j] θ^j`` for ``t < 2d - 1`` (integers)."""
        d = self.degree
        R = np.zeros((max(2 * d - 1, 1), d), dtype=object)
        cur = [0] * d
        cur[0] = 1
        for t in range(max(2 * d - 1, 1)):
            R[t] = cur
            top = cur[-1]                      # multiply by θ: shift, replace θ^d by -Σ minpoly[j] θ^j
            cur = [0] + cur[:-1]
            cur = [c - top * self.minpoly[j] for j, c in enumerate(cur)]
        return as_int_array(R)

    @cached_property
    def structure(self) -> tuple[tuple[int, int, int, int], ...]:
        """Non-zero structure constants ``(i, j, k, c)``: ``b_i b_j = Σ c b_k``."""
        d = self.degree
        out = []
        if self.primes:
            for i in range(d):
                for j in range(d):
                    c = math.prod(p for t, p in enumerate(self.primes) if (i & j) >> t & 1)
                    out.append((i, j, i ^ j, c))
            return tuple(out)
        R = self.reduction
        for i in range(d):
            for j in range(d):
                for k in range(d):
                    if R[i + j, k] != 0:
                        out.append((i, j, k, int(R[i + j, k])))
        return tuple(out)

    @cached_property
    def powers(self) -> np.ndarray:
        """Complex values of the basis elements (``θ^j``, or the square roots of products)."""
        if self.primes:
            return np.array([math.sqrt(math.prod(p for t, p in enumerate(self.primes) if j >> t & 1))
                             for j in range(self.degree)], dtype=complex)
        return np.array([complex(self.root) ** j for j in range(self.degree)], dtype=complex)

    def _basis_mp(self):
        """The basis values at the current mpmath precision."""
        import mpmath
        if self.primes:
            return [mpmath.sqrt(math.prod(p for t, p in enumerate(self.primes) if j >> t & 1))
                    for j in range(self.degree)]
        theta = _exact_real_root(self) if self.conjugation is None else \
            mpmath.exp(2j * mpmath.pi / self.cyclotomic_order)
        return [theta ** j for j in range(self.degree)]

    @cached_property
    def conjugation(self) -> np.ndarray | None:
        """Matrix ``C`` with ``conj(Σ c_j b_j) = Σ_j (C c)_j b_j`` for cyclotomic fields (``θ -> θ^{-1}``);
        ``None`` when the embedding is real (every element is then real)."""
        if self.primes or abs(complex(self.root).imag) < 1e-300:
            return None
        m = self.cyclotomic_order
        if m is None:
            raise MathematicalError(f"{self.name}: complex conjugation is only implemented for cyclotomic fields")
        d = self.degree
        C = np.zeros((d, d), dtype=object)
        for j in range(d):
            C[:, j] = self.power_coefficients((m - j) % m)
        return as_int_array(C)

    def power_coefficients(self, t: int) -> np.ndarray:
        """Power basis: coefficients of ``θ^t`` (``t >= 0``)."""
        if self.primes:
            raise InputError(f"{self.name}: not a power-basis field")
        d = self.degree
        cur = [0] * d
        cur[0] = 1
        for _ in range(t):
            top = cur[-1]
            cur = [0] + cur[:-1]
            cur = [c - top * self.minpoly[j] for j, c in enumerate(cur)]
        return np.array(cur, dtype=object)

    # -------------------------------------------------------------- elements
    def multiply(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Field product of broadcastable arrays with the coefficient axis first (structure constants)."""
        d = self.degree
        if d == 1:
            return mul_ints(a, b)
        shape = np.broadcast_shapes(a.shape[1:], b.shape[1:])
        acc = [None] * d
        for i, j, k, c in self.structure:
            term = mul_ints(a[i], b[j])
            if c != 1:
                term = mul_ints(np.asarray(c), term)
            acc[k] = term if acc[k] is None else add_ints(acc[k], term)
        return _stack([np.zeros(shape, dtype=np.int64) if x is None else np.broadcast_to(x, shape) for x in acc])

    def evaluate(self, num: np.ndarray, den) -> np.ndarray:
        """Complex float values of ``num / den`` (coefficient axis first)."""
        num = np.asarray(num)
        vals = np.tensordot(self.powers, num.astype(float), axes=(0, 0))
        return vals / np.asarray(den, dtype=float)

    def rounded(self, num: np.ndarray, den) -> np.ndarray:
        """Correctly rounded float64 values of real elements (exact rational arithmetic for Q, a 50-digit
        evaluation otherwise): the values a weight file stores."""
        num = np.asarray(num)
        den = np.broadcast_to(np.asarray(den, dtype=object), num.shape[1:])
        out = np.empty(num.shape[1:], dtype=np.float64)
        if self.degree == 1:
            for idx in np.ndindex(out.shape):
                out[idx] = float(Fraction(int(num[(0,) + idx]), int(den[idx])))
            return out
        import mpmath
        with mpmath.workdps(50):
            pw = self._basis_mp()
            for idx in np.ndindex(out.shape):
                v = sum(int(num[(j,) + idx]) * pw[j] for j in range(self.degree)) / int(den[idx])
                out[idx] = float(mpmath.re(v))
        return out

    def is_real(self, num: np.ndarray) -> np.ndarray:
        """Exact test that elements are real (conj(x) == x)."""
        C = self.conjugation
        if C is None:
            return np.ones(num.shape[1:], dtype=bool)
        conj = np.tensordot(C, num, axes=(1, 0))
        return np.all(conj == num, axis=0)

    def signs(self, num: np.ndarray, den) -> np.ndarray:
        """Exact signs (-1, 0, 1) of real elements ``num / den`` (``den > 0``).

        Rationals compare exactly.  Otherwise the float value is trusted where it exceeds a bound on
        its rounding error (``8 u Σ_j |c_j| |b_j|``); elsewhere an exact zero test, then 100 digits.
        """
        num = np.asarray(num)
        if self.degree == 1:
            return np.sign(num[0]).astype(np.int64) if num.dtype != object else \
                np.vectorize(lambda v: (v > 0) - (v < 0), otypes=[np.int64])(num[0])
        if not np.all(self.is_real(num)):
            raise MathematicalError("sign of a non-real number requested")
        approx = np.real(self.evaluate(num, 1))
        mag = np.tensordot(np.abs(self.powers), np.abs(num.astype(float)), axes=(0, 0))
        bound = 8 * np.finfo(float).eps * (mag + 1)
        out = np.where(approx > bound, 1, np.where(approx < -bound, -1, 0)).astype(np.int64)
        unsure = np.argwhere(out == 0)
        if len(unsure):
            import mpmath
            with mpmath.workdps(100):
                pw = self._basis_mp()
                for row in unsure:
                    idx = tuple(int(i) for i in row)
                    c = [int(num[(j,) + idx]) for j in range(self.degree)]
                    if all(v == 0 for v in c):
                        continue
                    v = mpmath.re(sum(cj * pw[j] for j, cj in enumerate(c)))
                    if abs(v) < mpmath.mpf(10) ** -80:
                        raise MathematicalError(f"{self.name}: cannot decide the sign of a non-zero element "
                                                f"{c} (|value| < 1e-80)")
                    out[idx] = 1 if v > 0 else -1
        return out


def _radicand_primes(theta):
    """The primes under the square roots when ``theta`` is a sum of rational multiples of square roots
    of integers (e.g. ``sqrt(2) + sqrt(3) + sqrt(5)``), else ``None``."""
    primes = set()
    for term in sympy.Add.make_args(sympy.expand(theta)):
        c, rest = term.as_coeff_Mul()
        if not c.is_Rational:
            return None
        if rest == 1:
            continue
        sq = sympy.expand(rest ** 2)
        if not sq.is_Integer or sympy.sqrt(sq) != rest:
            return None
        primes |= set(sympy.factorint(int(sq)))
    return sorted(primes)


def _exact_real_root(F: NumberField):
    """θ to the working precision: the real root of the minimal polynomial nearest ``F.root``."""
    import mpmath
    coeffs = list(F.minpoly[::-1])
    roots = mpmath.polyroots(coeffs, maxsteps=200, extraprec=200)
    real = [r for r in roots if abs(mpmath.im(r)) < mpmath.mpf(10) ** -30]
    best = min(real, key=lambda r: abs(mpmath.re(r) - F.root.real))
    return mpmath.re(best)


def mul_ints(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != object and b.dtype != object:
        small, big = (a, b) if a.size <= b.size else (b, a)
        ms = _max_abs(small)
        if ms <= 1 or ms * _max_abs(big) < _INT64_SAFE:   # |small| <= 1 cannot overflow
            return a.astype(np.int64, copy=False) * b.astype(np.int64, copy=False)
    return a.astype(object) * b.astype(object)


def add_ints(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != object and b.dtype != object and _max_abs(a) + _max_abs(b) < _INT64_SAFE:
        return a + b
    return a.astype(object) + b.astype(object)


def _stack(parts):
    if any(np.asarray(p).dtype == object for p in parts):
        return np.stack([np.asarray(p, dtype=object) for p in parts])
    return np.stack(parts)


RATIONALS = NumberField("Q", (0, 1), 0j)
