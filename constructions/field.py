"""Exact arithmetic in number fields for certificates (no floats in the decisions).

A :class:`NumberField` is ``Q(θ)`` with the power basis ``1, θ, ..., θ^{d-1}`` (θ a root of a monic
integer polynomial, with a chosen complex embedding), or a multiquadratic field ``Q(√p_1, ..., √p_k)``
with the basis of square roots of products of the ``p_i``.  An element is an integer coefficient
vector over the basis divided by a positive integer denominator.  The rationals are the case
``d = 1``; ``Q(ζ_m)``, ``Q(√n)`` and ``Q(√2, √3, √5)`` have their own constructors.

Arrays of elements carry the coefficient axis first:

* :class:`SparseMatrix` – ``rows``, ``cols`` and ``num`` (``d x nnz``) over one denominator; it is
  how transition matrices and readouts are held (permutation and one-hot constructions are sparse);
* :class:`Columns` – a batch of column vectors, ``num`` (``d x H x m``) with one denominator per
  column, reduced by the gcd after every product so the numbers stay small.

Products run in int64 when a bound on the result proves they cannot overflow, otherwise in Python
integers.  Signs of real elements are decided by a float evaluation whose error is bounded, then
an exact zero test, then a 100-digit evaluation (``mpmath``) — see :meth:`NumberField.signs`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np

from theory.errors import InputError, MathematicalError
from theory.lazy import LazyModule

sympy = LazyModule("sympy")   # imported on first use

__all__ = ["NumberField", "SparseMatrix", "Columns", "RATIONALS"]

_INT64_SAFE = 2 ** 62


def _as_int_array(x) -> np.ndarray:
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
                raise InputError(f"primes: expected distinct primes, got {self.primes}")
            object.__setattr__(self, "primes", ps)
            return
        mp = tuple(int(c) for c in self.minpoly)
        if len(mp) < 2 or mp[-1] != 1:
            raise InputError(f"minpoly: expected a monic integer polynomial (lowest degree first), got {self.minpoly}")
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
        return _as_int_array(R)

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
        return _as_int_array(C)

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
            return _mul_ints(a, b)
        shape = np.broadcast_shapes(a.shape[1:], b.shape[1:])
        acc = [None] * d
        for i, j, k, c in self.structure:
            term = _mul_ints(a[i], b[j])
            if c != 1:
                term = _mul_ints(np.asarray(c), term)
            acc[k] = term if acc[k] is None else _add_ints(acc[k], term)
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
                for idx in unsure:
                    idx = tuple(idx)
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


def _mul_ints(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != object and b.dtype != object:
        small, big = (a, b) if a.size <= b.size else (b, a)
        ms = _max_abs(small)
        if ms <= 1 or ms * _max_abs(big) < _INT64_SAFE:   # |small| <= 1 cannot overflow
            return a.astype(np.int64, copy=False) * b.astype(np.int64, copy=False)
    return a.astype(object) * b.astype(object)


def _add_ints(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != object and b.dtype != object and _max_abs(a) + _max_abs(b) < _INT64_SAFE:
        return a + b
    return a.astype(object) + b.astype(object)


def _stack(parts):
    if any(np.asarray(p).dtype == object for p in parts):
        return np.stack([np.asarray(p, dtype=object) for p in parts])
    return np.stack(parts)


RATIONALS = NumberField("Q", (0, 1), 0j)


# ------------------------------------------------------------------------------------------ arrays
@dataclass(frozen=True, eq=False)
class SparseMatrix:
    """An exact ``shape`` matrix: entries ``num[:, e] / den`` at ``(rows[e], cols[e])``."""

    field: NumberField
    shape: tuple[int, int]
    rows: np.ndarray
    cols: np.ndarray
    num: np.ndarray
    den: int = 1

    def __post_init__(self):
        rows = np.asarray(self.rows, dtype=np.int64).reshape(-1)
        cols = np.asarray(self.cols, dtype=np.int64).reshape(-1)
        num = _as_int_array(np.asarray(self.num).reshape(self.field.degree, -1))
        if not (len(rows) == len(cols) == num.shape[1]):
            raise InputError("sparse matrix: rows, cols and num disagree in length")
        if int(self.den) < 1:
            raise InputError("sparse matrix: the denominator must be positive")
        keep = np.any(num != 0, axis=0)
        rows, cols, num = rows[keep], cols[keep], num[:, keep]
        if len(rows) and (rows.min() < 0 or cols.min() < 0 or rows.max() >= self.shape[0]
                          or cols.max() >= self.shape[1]):
            raise InputError(f"sparse matrix: an index lies outside the shape {self.shape}")
        den = int(self.den)
        if num.size:   # lowest terms: divide numerators and denominator by their gcd
            g = math.gcd(den, *[int(v) for v in np.unique(num)])
            if g > 1:
                num, den = _as_int_array(num.astype(object) // g), den // g
        object.__setattr__(self, "den", den)
        key = rows * self.shape[1] + cols
        order = np.argsort(key, kind="stable")
        if len(np.unique(key)) != len(key):
            raise InputError("sparse matrix: repeated (row, col) entry")
        object.__setattr__(self, "rows", rows[order])
        object.__setattr__(self, "cols", cols[order])
        object.__setattr__(self, "num", num[:, order])

    @classmethod
    def from_dense_ints(cls, F: NumberField, dense, den: int = 1) -> "SparseMatrix":
        """From a rational dense matrix of integers (``F`` any field; coefficient 0 only)."""
        dense = np.asarray(dense)
        r, c = np.nonzero(dense)
        num = np.zeros((F.degree, len(r)), dtype=object)
        num[0] = [int(v) for v in dense[r, c]]
        return cls(F, dense.shape, r, c, num, den)

    @classmethod
    def from_fractions(cls, F: NumberField, entries: dict, shape) -> "SparseMatrix":
        """From ``{(i, j): coefficient list of Fractions}`` (the common denominator is found)."""
        items = sorted(entries.items())
        den = 1
        for _, coeffs in items:
            for c in coeffs:
                den = den * Fraction(c).denominator // math.gcd(den, Fraction(c).denominator)
        num = np.zeros((F.degree, len(items)), dtype=object)
        for e, (_, coeffs) in enumerate(items):
            for j, c in enumerate(coeffs):
                num[j, e] = int(Fraction(c) * den)
        rows = [i for (i, _), _ in items]
        cols = [j for (_, j), _ in items]
        return cls(F, tuple(shape), np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), num, den)

    def dense_float(self) -> np.ndarray:
        """Correctly rounded float64 dense matrix (the values stored in a weight file)."""
        out = np.zeros(self.shape, dtype=np.float64)
        if len(self.rows):
            out[self.rows, self.cols] = self.field.rounded(self.num, self.den)
        return out

    def apply(self, x: "Columns") -> "Columns":
        """``self @ x`` exactly (columns reduced by their gcd)."""
        d = self.field.degree
        m = x.num.shape[2]
        rows, order, starts = self._row_segments
        gathered = x.num[:, self.cols[order], :]                         # d x nnz x m, sorted by row
        prod = self.field.multiply(self.num[:, order, None], gathered)   # d x nnz x m
        out = np.zeros((d, self.shape[0], m), dtype=prod.dtype)
        if len(self.rows):
            if len(starts) == len(rows):          # one entry per row (permutation-like)
                out[:, rows, :] = prod
            else:
                for j in range(d):
                    out[j, rows[starts], :] = np.add.reduceat(prod[j], starts, axis=0)
        return Columns(self.field, out, _mul_ints(np.asarray(x.den), np.asarray(self.den)))

    @cached_property
    def _row_segments(self):
        order = np.argsort(self.rows, kind="stable")
        rows = self.rows[order]
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        return rows, order, starts

    def transpose(self) -> "SparseMatrix":
        return SparseMatrix(self.field, (self.shape[1], self.shape[0]), self.cols, self.rows, self.num, self.den)

    def equals(self, other: "SparseMatrix") -> bool:
        return (self.shape == other.shape and np.array_equal(self.rows, other.rows)
                and np.array_equal(self.cols, other.cols)
                and np.array_equal(_mul_ints(self.num, np.asarray(other.den)),
                                   _mul_ints(other.num, np.asarray(self.den))))


@dataclass(frozen=True, eq=False)
class Columns:
    """A batch of exact column vectors: ``num`` (``d x H x m``), ``den`` (``m``) positive."""

    field: NumberField
    num: np.ndarray
    den: np.ndarray

    def __post_init__(self):
        num = np.asarray(self.num)
        den = np.broadcast_to(np.asarray(self.den), (num.shape[2],))
        num, den = _reduce_columns(num, den)
        object.__setattr__(self, "num", num)
        object.__setattr__(self, "den", den)

    @classmethod
    def _reduced(cls, F: NumberField, num: np.ndarray, den: np.ndarray) -> "Columns":
        """Wrap columns already in lowest terms (no gcd pass)."""
        obj = object.__new__(cls)
        object.__setattr__(obj, "field", F)
        object.__setattr__(obj, "num", num)
        object.__setattr__(obj, "den", den)
        return obj

    @classmethod
    def from_fractions(cls, F: NumberField, vectors) -> "Columns":
        """From a list of vectors whose entries are coefficient lists (Fractions/ints) of length ``d``."""
        vectors = list(vectors)
        H = len(vectors[0]) if vectors else 0
        num = np.zeros((F.degree, H, len(vectors)), dtype=object)
        den = np.ones(len(vectors), dtype=object)
        for k, v in enumerate(vectors):
            dk = 1
            for entry in v:
                for c in entry:
                    q = Fraction(c).denominator
                    dk = dk * q // math.gcd(dk, q)
            den[k] = dk
            for i, entry in enumerate(v):
                for j, c in enumerate(entry):
                    num[j, i, k] = int(Fraction(c) * dk)
        return cls(F, _as_int_array(num), _as_int_array(den))

    @property
    def size(self) -> int:
        return int(self.num.shape[2])

    def take(self, idx) -> "Columns":
        idx = np.asarray(idx, dtype=np.int64)
        return Columns._reduced(self.field, self.num[:, :, idx], self.den[idx])

    def concat(self, other: "Columns") -> "Columns":
        num = _stack_last(self.num, other.num)
        den = np.concatenate([np.asarray(self.den, dtype=object), np.asarray(other.den, dtype=object)])
        return Columns._reduced(self.field, num, _as_int_array(den))

    def column_equal(self, other: "Columns") -> np.ndarray:
        """Exact columnwise equality ``self[:, k] == other[:, k]`` (both reduced, so compare directly)."""
        return np.all(self.num == other.num, axis=(0, 1)) & (np.asarray(self.den) == np.asarray(other.den))

    def distinct(self) -> bool:
        """Whether all columns are different vectors (columns are in lowest terms, so compare keys)."""
        keys = {(self.num[:, :, k].tobytes() if self.num.dtype != object else repr(self.num[:, :, k].tolist()),
                 int(self.den[k])) for k in range(self.size)}
        return len(keys) == self.size

    def floats(self) -> np.ndarray:
        """Complex float values, ``H x m``."""
        return self.field.evaluate(self.num, self.den[None, :])


def _stack_last(a, b):
    if a.dtype == object or b.dtype == object:
        return np.concatenate([a.astype(object), b.astype(object)], axis=2)
    return np.concatenate([a, b], axis=2)


def _reduce_columns(num: np.ndarray, den: np.ndarray):
    """Divide each column and its denominator by their gcd; keep int64 where possible."""
    num = _as_int_array(num) if num.dtype == object else num.astype(np.int64)
    den = _as_int_array(den) if np.asarray(den).dtype == object else np.asarray(den, dtype=np.int64)
    if num.shape[2] == 0 or (den.dtype != object and np.all(den == 1)):
        return num, den      # integer columns over denominator 1 are already in lowest terms
    if num.dtype == object or den.dtype == object:
        num, den = num.astype(object), den.astype(object)
        g = np.array([math.gcd(int(den[k]), *[int(v) for v in num[:, :, k].reshape(-1)]) for k in range(num.shape[2])],
                     dtype=object)
        return _as_int_array(num // g[None, None, :]), _as_int_array(den // g)
    g = np.gcd(np.gcd.reduce(num.reshape(-1, num.shape[2]), axis=0), den)
    g = np.where(g == 0, 1, g)
    return num // g[None, None, :], den // g
