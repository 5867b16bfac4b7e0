r"""Exponential-sum lower bounds, as refuters: PDIAG cannot give parity of ``1^n``, RDIAG cannot count
``1^n`` mod 3 -- for *any* linear readout with argmax (or a threshold), no exact-tracking assumption.

Setting: a diagonal model read on the words ``1^n`` (``n >= 1``): ``h_n = diag(a)^n h_0``; scores
``S_k(n) = (R h_n)_k + β_k`` (``β`` optional); output ``argmax_k S_k(n)``, ties to the *lowest* index
(numpy / torch).  Row ``k`` of ``R`` is class ``k``.  A threshold readout ``r . h > τ`` is the case
``R = [0; r]``, ``β = (τ, 0)``.  Weights are converted *exactly* to rationals (a float64 is a dyadic
rational), and the model is evaluated in exact integer arithmetic: the refuter's claims are about the
model with exactly these real weights; the float64 output at the returned ``n`` is reported as well.

The statements (Theorem A: PDIAG and parity, wrong for some ``n <= m + 1``; Theorem B: RDIAG and mod
3, wrong for some ``n <= 2 floor(3m/2) + 1``) and their proofs, with the sign-alternation lemma, are
:data:`LEMMA`, :data:`PROOF_A`, :data:`PROOF_B` (``bilinear prove --show
exponential_sum.pdiag_parity``).

**Checks** (certificate-producing algorithm): the refuters scan ``n = 1..bound`` exactly and return the
first wrong ``n`` (never beyond the bound, or the check fails loudly); each answer is re-verified by
independent code (state iteration in ``Fraction``); this runs on thousands of seeded random models
-- generic, entries near 1, repeated bases, degenerate readouts, readouts fit by least squares to the
first lengths, and exact interpolants that are right on ``n = 1..m`` (where the refuter must return
exactly ``m + 1``: the parity bound is tight); plus the lemma's positivity of maximal minors on
random instances, in exact rationals.

Example::

    >>> # h_n = 2^-n > 0, so r.h > 0 for every n: output 1 always, wrong at n = 2
    >>> refute_parity_threshold([Fraction(1, 2)], [1], [1], tau=0).n
    2
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass
from fractions import Fraction

import numpy as np

from bilinear.theory.errors import InputError, MathematicalError, expected, shown
from bilinear.theory.theorems.base import CheckKind, Theorem

__all__ = ["Refutation", "refute_pdiag_parity", "refute_parity_threshold", "refute_rdiag_mod3",
           "parity_bound", "mod3_bound", "exact_outputs", "generalised_vandermonde_minors_positive",
           "LEMMA", "PROOF_A", "PROOF_B", "THEOREMS"]


# ----------------------------------------------------------------------------------- input
def _exact(v, what: str) -> Fraction:
    if isinstance(v, Fraction):
        return v
    if isinstance(v, (bool, np.bool_)):
        raise expected(what, "a number", v)
    if isinstance(v, (int, np.integer)):
        return Fraction(int(v))
    if hasattr(v, "p") and hasattr(v, "q"):          # sympy Rational
        return Fraction(int(v.p), int(v.q))
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise expected(what, "a real number", v) from None
    if not math.isfinite(f):
        raise expected(what, "a finite number", f)
    return Fraction(f)


def _vector(values, what: str, length: int | None = None) -> tuple[Fraction, ...]:
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1 or (length is not None and len(arr) != length) or len(arr) == 0:
        want = f"length {length}" if length is not None else "a non-empty vector"
        raise expected(what, want, shown(f"shape {arr.shape}"))
    return tuple(_exact(v, f"{what}[{i}]") for i, v in enumerate(arr))


_Vec = tuple[Fraction, ...]


def _model(a, h0, R, bias, K: int, positive: bool) -> tuple[_Vec, _Vec, tuple[_Vec, ...], _Vec]:
    a = _vector(a, "a (diagonal of A_1)")
    H = len(a)
    if positive:
        for i, v in enumerate(a):
            if v <= 0:
                raise InputError(f"a[{i}] = {float(v)}: a PDIAG transition needs positive entries")
    h0 = _vector(h0, "h0", H)
    Rarr = np.asarray(R, dtype=object)
    if Rarr.ndim != 2 or Rarr.shape != (K, H):
        raise expected("readout R", f"shape ({K}, {H})", Rarr.shape)
    R = tuple(_vector(row, f"R[{k}]", H) for k, row in enumerate(Rarr))
    bias = (Fraction(0),) * K if bias is None else _vector(bias, "bias", K)
    return a, h0, R, bias


@dataclass(frozen=True)
class Refutation:
    """A length ``n`` at which the model's exact output differs from the label of ``1^n``."""

    task: str              # "parity" or "mod3"
    n: int
    label: int
    output: int
    bound: int             # the theorem's guarantee for this model: some wrong n <= bound
    distinct_bases: int    # m in the theorem
    float64_output: int
    float64_agrees: bool

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- exact evaluation
def _lcm_den(values) -> int:
    out = 1
    for v in values:
        out = out * v.denominator // math.gcd(out, v.denominator)
    return out


def exact_outputs(a, h0, R, bias, n_max: int) -> list[int]:
    """Exact outputs (argmax, ties to the lowest index) on ``1^n`` for ``n = 1..n_max``, computed in
    integers: ``S_k(n) M L^n = sum_i C_ki A_i^n + B_k L^n`` with ``a = A/L``, ``R h0 = C/M``, ``β = B/M``."""
    L = _lcm_den(a)
    A = [int(v * L) for v in a]
    coeffs = [[R[k][i] * h0[i] for i in range(len(a))] for k in range(len(R))]
    M = _lcm_den([c for row in coeffs for c in row] + list(bias))
    C = [[int(c * M) for c in row] for row in coeffs]
    Bt = [int(b * M) for b in bias]
    powers, Ln, out = [1] * len(A), 1, []
    for _ in range(n_max):
        powers = [p * x for p, x in zip(powers, A)]
        Ln *= L
        scores = [sum(c * p for c, p in zip(row, powers)) + b * Ln for row, b in zip(C, Bt)]
        best = 0
        for k, s in enumerate(scores):
            if s > scores[best]:
                best = k
        out.append(best)
    return out


def _direct_output(a, h0, R, bias, n: int) -> int:
    """Independent re-evaluation: iterate the state ``n`` times in Fractions."""
    h = list(h0)
    for _ in range(n):
        h = [x * v for x, v in zip(a, h)]
    scores = [sum((r * v for r, v in zip(row, h)), Fraction(0)) + b for row, b in zip(R, bias)]
    return max(range(len(scores)), key=lambda k: (scores[k], -k))


def _float_output(a, h0, R, bias, n: int) -> int:
    h = np.array([float(v) for v in h0])
    av = np.array([float(v) for v in a])
    for _ in range(n):
        h = av * h
    with np.errstate(all="ignore"):
        scores = np.array([[float(v) for v in row] for row in R]) @ h + np.array([float(b) for b in bias])
    return int(np.argmax(scores))


def _distinct_bases(terms) -> int:
    """Number of distinct bases with non-zero total coefficient among ``(base, coeff)`` pairs."""
    total: dict[Fraction, Fraction] = {}
    for b, c in terms:
        total[b] = total.get(b, Fraction(0)) + c
    return sum(1 for c in total.values() if c != 0)


def parity_bound(a, h0, R, bias) -> tuple[int, int]:
    """``(m, m + 1)`` for Theorem A (exact inputs as returned by ``_model``)."""
    terms = [(a[i], (R[1][i] - R[0][i]) * h0[i]) for i in range(len(a))] + [(Fraction(1), bias[1] - bias[0])]
    m = _distinct_bases(terms)
    return m, m + 1


def mod3_bound(a, h0, R, bias) -> tuple[int, int]:
    """``(m, 2 floor(3m/2) + 1)`` for Theorem B."""
    terms = [(a[i] ** 2, (R[1][i] - R[0][i]) * h0[i] * a[i]) for i in range(len(a)) if a[i] != 0]
    m = _distinct_bases(terms + [(Fraction(1), bias[1] - bias[0])])
    return m, 2 * ((3 * m) // 2) + 1


def _refute(task, modulus, model, bound) -> Refutation:
    a, h0, R, bias = model
    m, N = bound
    outputs = exact_outputs(a, h0, R, bias, N)
    for n, out in enumerate(outputs, 1):
        label = n % modulus
        if out != label:
            direct = _direct_output(a, h0, R, bias, n)
            if direct != out or direct == label:
                raise MathematicalError(f"{task} refuter: independent re-evaluation at n={n} disagrees "
                                        f"({direct} vs {out}, label {label})")
            f = _float_output(a, h0, R, bias, n)
            return Refutation(task, n, label, out, N, m, f, f == out)
    raise MathematicalError(f"{task}: the model is correct on 1^n for every n <= {N} (m = {m}), contradicting "
                            "the exponential-sum theorem")


def refute_pdiag_parity(a, h0, R, bias=None) -> Refutation:
    """Theorem A: a length ``n <= m + 1`` where the PDIAG model's argmax (2 classes) is not the parity of ``1^n``.

    ``a``: positive diagonal of ``A_1``; ``h0``: start state; ``R``: ``2 x H`` readout (row k = class k);
    ``bias``: optional length-2 vector.  Raises :class:`InputError` on bad shapes or a non-positive entry.
    """
    model = _model(a, h0, R, bias, 2, positive=True)
    return _refute("parity", 2, model, parity_bound(*model))


def refute_parity_threshold(a, h0, r, tau=0) -> Refutation:
    """Theorem A for a threshold readout: output 1 iff ``r . h > tau``."""
    r = _vector(r, "r")
    return refute_pdiag_parity(a, h0, [[0] * len(r), list(r)], [tau, 0])


def refute_rdiag_mod3(a, h0, R, bias=None) -> Refutation:
    """Theorem B: a length ``n <= 2 floor(3m/2) + 1`` where the RDIAG model's argmax (3 classes) is not ``n mod 3``."""
    model = _model(a, h0, R, bias, 3, positive=False)
    return _refute("mod3", 3, model, mod3_bound(*model))


# ------------------------------------------------------------------------------- the lemma
def _det(M) -> Fraction:
    M = [list(row) for row in M]
    n, det = len(M), Fraction(1)
    for c in range(n):
        p = next((r for r in range(c, n) if M[r][c] != 0), None)
        if p is None:
            return Fraction(0)
        if p != c:
            M[c], M[p] = M[p], M[c]
            det = -det
        det *= M[c][c]
        for r in range(c + 1, n):
            f = M[r][c] / M[c][c]
            if f:
                M[r] = [x - f * y for x, y in zip(M[r], M[c])]
    return det


def generalised_vandermonde_minors_positive(bases, points) -> bool:
    """Every maximal minor of ``[b_i^{t_l}]`` (bases sorted increasingly, points increasing) is positive."""
    b, t = sorted(bases), sorted(points)
    M = [[bi ** tl for tl in t] for bi in b]
    return all(_det([[row[l] for l in range(len(t)) if l != skip] for row in M]) > 0 for skip in range(len(t)))


def _check_lemma(seed: int, count: int) -> dict:
    rng = random.Random(seed)
    for _ in range(count):
        m = rng.randint(1, 5)
        bases: set[Fraction] = set()
        while len(bases) < m:
            bases.add(Fraction(rng.randint(1, 40), rng.randint(1, 12)))
        points = sorted(rng.sample(range(0, 16), m + 1))
        if not generalised_vandermonde_minors_positive(bases, points):
            raise MathematicalError(f"a maximal minor of [b^t] is not positive: bases {sorted(bases)}, points {points}")
    return {"instances": count, "seed": seed}


# ------------------------------------------------------------------------- random models
def _solve(M, y) -> list[Fraction]:
    n = len(M)
    A = [list(row) + [v] for row, v in zip(M, y)]
    for c in range(n):
        p = next(r for r in range(c, n) if A[r][c] != 0)
        A[c], A[p] = A[p], A[c]
        for r in range(n):
            if r != c and A[r][c] != 0:
                f = A[r][c] / A[c][c]
                A[r] = [x - f * z for x, z in zip(A[r], A[c])]
    return [A[i][n] / A[i][i] for i in range(n)]


def _interpolant_parity(rng) -> tuple:
    """A PDIAG model exactly right on n = 1..m (so the refuter must answer m + 1)."""
    m = rng.randint(1, 6)
    use_bias = rng.random() < 0.5
    distinct: set[Fraction] = set()
    while len(distinct) < m:
        near_one = rng.random() < 0.3
        b = Fraction(1000 + rng.randint(-5, 5), 1000) if near_one else Fraction(rng.randint(1, 30), rng.randint(1, 10))
        if not (use_bias and b == 1):
            distinct.add(b)
    bases = sorted(distinct)
    if use_bias:
        bases[-1] = Fraction(1)
    c = _solve([[b ** n for b in bases] for n in range(1, m + 1)], [Fraction((-1) ** (n + 1)) for n in range(1, m + 1)])
    if use_bias:
        a, h0, bias = bases[:-1] or [Fraction(1, 2)], (c[:-1] or [Fraction(0)]), [Fraction(0), c[-1]]
    else:
        a, h0, bias = bases, c, None
    H = len(a)
    return a, h0, [[0] * H, [1] * H], bias, m


def _random_parity_model(rng: np.random.Generator, family: str):
    H = int(rng.integers(1, 9))
    bias = rng.normal(size=2) if rng.random() < 0.5 else None
    if family == "generic":
        a = np.exp(rng.normal(scale=0.7, size=H))
    elif family == "near_one":
        a = 1 + 1e-3 * np.abs(rng.normal(size=H)) * rng.choice([-1, 1], size=H)
    elif family == "repeated":
        a = rng.choice(np.exp(rng.normal(size=2)), size=H)
        a[0] = 1.0
    elif family == "degenerate":
        a = np.exp(rng.normal(size=H))
        row = rng.normal(size=H)
        return a, rng.normal(size=H), np.array([row, row]), (None if bias is None else np.array([bias[0]] * 2))
    else:  # least squares: fit scores to +-1 on n = 1..K
        a = np.exp(rng.normal(scale=0.4, size=H))
        K = int(rng.integers(1, 3 * H + 2))
        n = np.arange(1, K + 1)[:, None]
        X = a[None, :] ** n
        if bias is not None:
            X = np.hstack([X, np.ones((K, 1))])
        coef = np.linalg.lstsq(X, np.where(n[:, 0] % 2 == 1, 1.0, -1.0), rcond=None)[0]
        R = np.vstack([np.zeros(H), coef[:H]])
        return a, np.ones(H), R, (None if bias is None else np.array([0.0, coef[H]]))
    return a, rng.normal(size=H), rng.normal(size=(2, H)), bias


def _interpolant_mod3(rng) -> tuple:
    """An RDIAG model whose scores equal the one-hot labels exactly on n = 1..K (K = H, or H + 1 with
    a bias), so it is right on 1..K and the refuter must answer some n in (K, bound]."""
    H = rng.randint(1, 6)
    use_bias = rng.random() < 0.5
    distinct: set[Fraction] = set()
    while len(distinct) < H:
        v = Fraction(rng.choice([-1, 1]) * rng.randint(1, 30), rng.randint(1, 10))
        if not (use_bias and v == 1):
            distinct.add(v)
    a = sorted(distinct)
    K = H + use_bias
    rows = [[v ** n for v in a] + ([Fraction(1)] if use_bias else []) for n in range(1, K + 1)]
    coef = [_solve(rows, [Fraction(int(n % 3 == k)) for n in range(1, K + 1)]) for k in range(3)]
    R = [c[:H] for c in coef]
    bias = [c[H] for c in coef] if use_bias else None
    return a, [Fraction(1)] * H, R, bias, K


def _random_mod3_model(rng: np.random.Generator, family: str):
    H = int(rng.integers(1, 9))
    bias = rng.normal(size=3) if rng.random() < 0.5 else None
    if family == "generic":
        a = rng.normal(size=H)
        a[rng.random(H) < 0.1] = 0.0
    elif family == "near_one":
        a = rng.choice([-1.0, 1.0], size=H) * (1 + 1e-3 * rng.normal(size=H))
    elif family == "signed_pairs":
        a = rng.choice([-1.0, 1.0], size=H) * rng.choice(np.abs(rng.normal(size=2)) + 0.1, size=H)
        a[0] = rng.choice([-1.0, 1.0])
    else:  # least squares fit of one-hot targets on n = 1..K
        a = rng.choice([-1.0, 1.0], size=H) * np.exp(rng.normal(scale=0.3, size=H))
        K = int(rng.integers(2, 4 * H + 3))
        n = np.arange(1, K + 1)
        X = a[None, :] ** n[:, None]
        if bias is not None:
            X = np.hstack([X, np.ones((K, 1))])
        Y = np.eye(3)[n % 3]
        coef = np.linalg.lstsq(X, Y, rcond=None)[0]
        R = coef[:H].T
        return a, np.ones(H), R, (None if bias is None else coef[H])
    return a, rng.normal(size=H), rng.normal(size=(3, H)), bias


def _summary(results: list[Refutation]) -> dict:
    return {"models": len(results), "max_n": max(r.n for r in results),
            "max_bound": max(r.bound for r in results),
            "n_at_bound": sum(r.n == r.bound for r in results),
            "float64_disagreements": sum(not r.float64_agrees for r in results)}


def _random_families(rng, families, per_family: int, make_model, refute, what: str, bound_text: str,
                     bound) -> dict:
    """Refute ``per_family`` random models of each family; raise if an answer exceeds ``bound(H)``.
    Returns the :func:`_summary` per family."""
    out = {}
    for fam in families:
        res = []
        for _ in range(per_family):
            a, h0, R, bias = make_model(rng, fam)
            r = refute(a, h0, R, bias)
            if r.n > bound(len(a)):
                raise MathematicalError(f"{what} refuter returned n={r.n} > {bound_text} = {bound(len(a))}")
            res.append(r)
        out[fam] = _summary(res)
    return out


PARITY_FAMILIES = ("generic", "near_one", "repeated", "degenerate", "least_squares")
MOD3_FAMILIES = ("generic", "near_one", "signed_pairs", "least_squares")


#: Sizes of the checks ``bilinear prove`` runs (seeded models per family, exact interpolants, lemma instances).
PARITY_PER_FAMILY, PARITY_INTERPOLANTS, LEMMA_INSTANCES = 400, 400, 150
MOD3_PER_FAMILY, MOD3_INTERPOLANTS = 500, 300


def check_parity_refuter(seed: int = 0, per_family: int = PARITY_PER_FAMILY,
                         interpolants: int = PARITY_INTERPOLANTS) -> dict:
    out = _random_families(np.random.default_rng(seed), PARITY_FAMILIES, per_family, _random_parity_model,
                           refute_pdiag_parity, "parity", "H + 2", lambda H: H + 2)
    prng, res = random.Random(seed), []
    for _ in range(interpolants):
        a, h0, R, bias, m = _interpolant_parity(prng)
        r = refute_pdiag_parity(a, h0, R, bias)
        if r.n != m + 1 or r.distinct_bases != m:
            raise MathematicalError(f"interpolant right on 1..{m}: refuter answered n={r.n} (m={r.distinct_bases}), "
                                    f"expected {m + 1}")
        res.append(r)
    out["exact_interpolants_tight"] = _summary(res)
    out["seed"] = seed
    out["lemma_minors"] = _check_lemma(seed, LEMMA_INSTANCES)
    return out


def check_mod3_refuter(seed: int = 0, per_family: int = MOD3_PER_FAMILY, interpolants: int = MOD3_INTERPOLANTS) -> dict:
    out = _random_families(np.random.default_rng(seed + 1), MOD3_FAMILIES, per_family, _random_mod3_model,
                           refute_rdiag_mod3, "mod-3", "3H + 4", lambda H: 3 * H + 4)
    prng, res = random.Random(seed), []
    for _ in range(interpolants):
        a, h0, R, bias, K = _interpolant_mod3(prng)
        if exact_outputs(*_model(a, h0, R, bias, 3, False), K) != [n % 3 for n in range(1, K + 1)]:
            raise MathematicalError("mod-3 interpolant is not right on its fitted lengths")
        r = refute_rdiag_mod3(a, h0, R, bias)
        if r.n <= K:
            raise MathematicalError(f"mod-3 refuter answered n={r.n} but the model is right on 1..{K}")
        res.append(r)
    out["exact_interpolants"] = _summary(res)
    out["seed"] = seed
    return out


LEMMA = (
    'Lemma (sign alternation). Let ``f(t) = sum_{i=1}^m c_i b_i^t`` with distinct ``b_i > 0``. If at '
    'points ``t_0 < ... < t_m`` the values weakly alternate in sign (``(-1)^l f(t_l) >= 0`` for all '
    '``l``, or ``<= 0`` for all ``l``), then ``f(t_l) = 0`` for every ``l``.'
    '\n\n'
    'Proof. A non-zero exponential sum with ``m`` distinct positive bases has at most ``m - 1`` real '
    'zeros (induction on ``m``: divide by ``b_1^t`` and differentiate; Rolle). So every maximal minor'
    ' of the ``m x (m+1)`` generalised Vandermonde matrix ``M = [b_i^{t_l}]`` is non-zero, and it is '
    'positive: deforming the exponents ``t`` linearly to ``0, 1, ..., m-1`` keeps them increasing, so'
    ' the minor never vanishes and ends at the Vandermonde determinant ``prod_{i<k}(b_k - b_i) > 0`` '
    '(bases sorted). By Cramer, ``q_l = (-1)^l det M^{(l)}`` (column ``l`` deleted) spans the kernel '
    'of ``M``, so ``sum_l q_l f(t_l) = sum_i c_i (M q)_i = 0``: a sum of terms ``det M^{(l)} (-1)^l '
    'f(t_l)`` of one weak sign with positive weights, hence each ``f(t_l) = 0``.'
)

PROOF_A = (
    'Theorem A. If all ``a_i > 0``, the model is wrong on ``1^n`` for some ``1 <= n <= m + 1 <= H + '
    '2``, where ``m`` is the number of distinct bases with non-zero coefficient in ``f(n) = S_1(n) - '
    'S_0(n) = sum_i (R_1i - R_0i) h0_i a_i^n + (β_1 - β_0) 1^n`` (``m <= H`` without bias). Proof. '
    'Correct outputs on ``n = 1..m+1`` mean ``f(n) > 0`` for odd ``n`` and ``f(n) <= 0`` for even '
    '``n``: weak alternation on ``m + 1`` points, so ``f(1) = 0`` by the lemma, but ``f(1) > 0``.'
)

PROOF_B = (
    'Theorem B. For any real ``a_i``, the model is wrong on ``1^n`` for some ``1 <= n <= 2 '
    'floor(3m/2) + 1``, where ``m`` is the number of distinct bases with non-zero coefficient in '
    '``g(j) = S_1(2j+1) - S_0(2j+1) = sum_i (R_1i - R_0i) h0_i a_i (a_i^2)^j + (β_1 - β_0)``; the '
    'bases ``a_i^2 > 0`` (``a_i != 0``), so ``m <= H + 1`` and ``n <= 3H + 4`` (``<= 3H + 1`` without'
    ' bias). Proof. Along odd ``n = 2j+1`` the labels are ``1, 0, 2, 1, 0, 2, ...`` (``j = 0, 1, 2, '
    '...``). Correct outputs need ``g(j) > 0`` when ``j = 0 mod 3`` (label 1 must beat 0 strictly, '
    'ties go to 0) and ``g(j) <= 0`` when ``j = 1 mod 3`` (label 0). The points ``j_l = 3 floor(l/2) '
    '+ (l mod 2)`` = ``0, 1, 3, 4, 6, ...`` alternate between the two cases; on ``j_0..j_m`` the '
    'lemma forces ``g(0) = 0``, contradicting ``g(0) > 0``. The last point is ``n = 2 j_m + 1 = 2 '
    'floor(3m/2) + 1``.'
)

THEOREMS = (
    Theorem(
        name="exponential_sum.pdiag_parity",
        title="PDIAG cannot give the parity of 1^n (any linear readout, argmax or threshold)",
        statement="For a diagonal model with positive A_1 = diag(a), any h0, any linear readout R (2 classes) "
                  "with optional bias (or a threshold r.h > tau), the output on 1^n is wrong for some "
                  "1 <= n <= m + 1 <= H + 2, m = number of distinct bases with non-zero coefficient in the "
                  "score difference S_1(n) - S_0(n).",
        latex=r"f(n)=\sum_{i}c_i a_i^n+\beta,\ a_i>0:\quad \exists\,n\le m+1\le H+2:\ "
              r"\mathbb{1}[f(n)>0]\ne n \bmod 2",
        assumptions=("no exact-tracking assumption; words 1^n, n >= 1",
                     "A_1 = diag(a), a_i > 0 (PDIAG); exact real weights (floats read as exact rationals)",
                     "output = argmax of R h + bias, ties to the lowest index (threshold: output 1 iff r.h > tau)"),
        proof=LEMMA + "\n\n" + PROOF_A,
        kind=CheckKind.CERTIFICATE,
        scope=('a certificate-producing algorithm for given models: every seeded model is refuted exactly (a'
               ' length at which it is wrong, re-verified in rationals); the bound for every model rests on '
               'the written proof (sign changes of exponential sums).'),
        checker=check_parity_refuter,
        checked_range=(f"seed 0: {PARITY_PER_FAMILY} random PDIAG models per family ({', '.join(PARITY_FAMILIES)}), "
                       f"{PARITY_INTERPOLANTS} exact interpolants (where the bound m + 1 is attained), the lemma's "
                       f"minors on {LEMMA_INSTANCES} random instances"),
    ),
    Theorem(
        name="exponential_sum.rdiag_mod3",
        title="RDIAG cannot count 1^n mod 3 (any linear readout with argmax)",
        statement="For a diagonal model with any real A_1 = diag(a), any h0 and any linear readout R (3 classes) "
                  "with optional bias, the argmax on 1^n differs from n mod 3 for some "
                  "1 <= n <= 2*floor(3m/2) + 1 <= 3H + 4, m = number of distinct bases a_i^2 (a_i != 0, plus 1 "
                  "for the bias) with non-zero coefficient in S_1(2j+1) - S_0(2j+1).",
        latex=r"g(j)=S_1(2j{+}1)-S_0(2j{+}1)=\sum_i c_i a_i (a_i^2)^j+\beta:\quad "
              r"\exists\,n\le 2\lfloor 3m/2\rfloor+1:\ \arg\max S(n)\ne n \bmod 3",
        assumptions=("no exact-tracking assumption; words 1^n, n >= 1",
                     "A_1 = diag(a), a_i real (RDIAG); exact real weights (floats read as exact rationals)",
                     "output = argmax of R h + bias over classes 0, 1, 2, ties to the lowest index"),
        proof=LEMMA + "\n\n" + PROOF_B,
        kind=CheckKind.CERTIFICATE,
        scope=('a certificate-producing algorithm for given models: every seeded model is refuted exactly on'
               ' 1^n mod 3; the bound for every model rests on the written proof (sign alternation of the '
               'exponential sums).'),
        checker=check_mod3_refuter,
        checked_range=(f"seed 0: {MOD3_PER_FAMILY} random RDIAG models per family ({', '.join(MOD3_FAMILIES)}), "
                       f"{MOD3_INTERPOLANTS} exact interpolants right on their first lengths"),
    ),
)
