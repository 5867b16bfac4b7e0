r"""Scale invariance: per-step normalisation commutes with the bilinear recurrence and with argmax.

**Theorem.** Let ``h_t = A(x_t) h_{t-1}`` (any bilinear model, FULL(H) and so every level) and let
``ĥ_0 = h_0 / n_0``, ``ĥ_t = A(x_t) ĥ_{t-1} / n_t`` with any positive normalisers ``n_t > 0`` (e.g.
``n_t = ||A(x_t) ĥ_{t-1}||`` for any norm, when non-zero).  Then ``ĥ_t = h_t / (n_0 n_1 ... n_t)``,
a positive multiple of ``h_t``, and for any linear readout ``R``,
``argmax(R ĥ_t) = argmax(R h_t)`` (ties broken by the same rule).

Proof: :data:`PROOF` (``bilinear prove --show scale_invariance.normalisation``).

**Checks** (symbolic identity): ``A(x)(c h) - c A(x) h = 0`` for FULL(H), ``H <= 4``, ``D <= 3``;
``ĥ_T n_0 ... n_T - h_T = 0`` for ``T <= 3`` steps with symbolic per-step matrices and symbolic
positive ``n_t``; ``R(c h) - c R h = 0`` with ``c`` positive (sympy assumption); plus an exact rational
run (seeded FULL(4) model, L1- and max-normalisation, 40 steps) where ``h_t / ĥ_t`` is one positive
rational per step and every argmax agrees.

Example::

    >>> check_homogeneous_step(linear_step, sizes=[(2, 1)])["cases"]
    1
"""

from __future__ import annotations

import random
from fractions import Fraction

import sympy

from bilinear.theory.errors import MathematicalError
from bilinear.theory.theorems.base import CheckKind, Theorem
from bilinear.theory.theorems.model_classes import LEVELS, symbol_matrix, symbol_vector

__all__ = ["linear_step", "linear_readout", "check_homogeneous_step", "check_normalised_trajectory",
           "check_readout_invariance", "exact_normalised_run", "argmax_first", "l1_norm", "max_norm",
           "PROOF", "CHECKED_RANGE", "THEOREMS"]

C = sympy.Symbol("c", positive=True)


def linear_step(H: int, D: int):
    """The bilinear step of a symbolic FULL(H) model: returns ``(params, step(x, h))``."""
    s = {"H": H, "D": D}
    p = LEVELS["FULL"].params(s)
    return p, lambda x, h: LEVELS["FULL"].matrix(p, x, s) * h


def linear_readout(H: int, K: int):
    """A symbolic linear readout ``h -> R h`` with ``R`` ``K x H``."""
    R = symbol_matrix("R", K, H)
    return lambda h: R * h


def _first_nonzero(M) -> sympy.Expr | None:
    for e in M:
        e = sympy.expand(e)
        if e != 0:
            return e
    return None


def check_homogeneous_step(step_factory=linear_step, sizes=None) -> dict:
    """``step(x, c h) - c step(x, h)`` expands to 0 (symbolic ``x``, ``h``, ``c > 0``)."""
    sizes = [(H, D) for H in range(1, 5) for D in range(1, 4)] if sizes is None else list(sizes)
    for H, D in sizes:
        _, step = step_factory(H, D)
        x, h = symbol_vector("x", D), symbol_vector("h", H)
        bad = _first_nonzero(step(x, C * h) - C * step(x, h))
        if bad is not None:
            raise MathematicalError(f"H={H}, D={D}: step(x, c h) - c step(x, h) = {bad}, not 0: "
                                    "the recurrence is not scale invariant")
    return {"cases": len(sizes)}


def check_normalised_trajectory(max_steps: int = 3, max_h: int = 3) -> dict:
    """With per-step matrices ``A_t`` (independent symbols) and normalisers ``n_t > 0``:
    ``ĥ_T * n_0 ... n_T = h_T`` exactly."""
    cases = 0
    for H in range(1, max_h + 1):
        for T in range(1, max_steps + 1):
            h0 = symbol_vector("h0", H)
            n = [sympy.Symbol(f"n_{t}", positive=True) for t in range(T + 1)]
            h, hn, scale = h0, h0 / n[0], n[0]
            for t in range(1, T + 1):
                A = symbol_matrix(f"A{t}", H, H)
                h, hn, scale = A * h, A * hn / n[t], scale * n[t]
            bad = _first_nonzero((hn * scale - h).applyfunc(sympy.cancel))
            if bad is not None:
                raise MathematicalError(f"H={H}, T={T}: normalised trajectory is not h_T / prod(n_t): {bad}")
            cases += 1
    return {"cases": cases, "max_steps": max_steps, "max_H": max_h}


def check_readout_invariance(readout_factory=linear_readout, sizes=None) -> dict:
    """``readout(c h) = c readout(h)`` for ``c > 0`` (so every score comparison keeps its sign)."""
    sizes = [(H, K) for H in range(1, 5) for K in range(2, 5)] if sizes is None else list(sizes)
    for H, K in sizes:
        readout = readout_factory(H, K)
        h = symbol_vector("h", H)
        scores, scaled = readout(h), readout(C * h)
        bad = _first_nonzero(scaled - C * scores)
        if bad is not None:
            raise MathematicalError(f"H={H}, K={K}: readout(c h) - c readout(h) = {bad}, not 0: the readout "
                                    "is not linear, so argmax may change under normalisation")
    if C.is_positive is not True:
        raise MathematicalError("the scale c is not known to be positive")
    return {"cases": len(sizes)}


# ------------------------------------------------------------------------------ exact numerics
def argmax_first(scores) -> int:
    """Index of the largest score, the smallest index among ties (numpy / torch convention)."""
    best = 0
    for i, v in enumerate(scores):
        if v > scores[best]:
            best = i
    return best


def l1_norm(h) -> Fraction:
    return sum((abs(v) for v in h), Fraction(0))


def max_norm(h) -> Fraction:
    return max(abs(v) for v in h)


def _matvec(A, h):
    return [sum((a * v for a, v in zip(row, h)), Fraction(0)) for row in A]


def exact_normalised_run(mats, word, h0, R, norm=l1_norm) -> dict:
    """Run the model with and without normalisation in exact rationals; check that each normalised
    state is a positive multiple of the plain one and that argmax(R h) agrees at every step."""
    h = [Fraction(v) for v in h0]
    hn = [v / norm(h) for v in h]
    ratios = []
    for t, s in enumerate(word, 1):
        h = _matvec(mats[s], h)
        nxt = _matvec(mats[s], hn)
        n = norm(nxt)
        if n == 0:
            raise MathematicalError(f"step {t}: the state is 0, normalisation undefined")
        hn = [v / n for v in nxt]
        ks = {hv / nv for hv, nv in zip(h, hn) if nv != 0}
        zeros_agree = all((hv == 0) == (nv == 0) for hv, nv in zip(h, hn))
        if len(ks) != 1 or not zeros_agree or next(iter(ks)) <= 0:
            raise MathematicalError(f"step {t}: normalised state is not a positive multiple of h_t")
        ratios.append(next(iter(ks)))
        if argmax_first(_matvec(R, h)) != argmax_first(_matvec(R, hn)):
            raise MathematicalError(f"step {t}: argmax changed under normalisation")
    return {"steps": len(word), "labels_agree": len(word), "last_ratio": float(ratios[-1]) if ratios else None}


def _random_run(seed: int = 0, H: int = 4, D: int = 3, K: int = 3, T: int = 40) -> dict:
    rng = random.Random(seed)
    q = lambda: Fraction(rng.randint(-9, 9), rng.randint(1, 5))  # noqa: E731
    mats = [[[q() for _ in range(H)] for _ in range(H)] for _ in range(D)]
    h0 = [q() for _ in range(H)]
    R = [[q() for _ in range(H)] for _ in range(K)]
    word = [rng.randrange(D) for _ in range(T)]
    return {"l1": exact_normalised_run(mats, word, h0, R, l1_norm),
            "max": exact_normalised_run(mats, word, h0, R, max_norm), "seed": seed, "H": H, "D": D, "T": T}


def _check() -> dict:
    return {"homogeneous_step": check_homogeneous_step(), "normalised_trajectory": check_normalised_trajectory(),
            "readout": check_readout_invariance(), "exact_run": _random_run()}


PROOF = (
    '``A(x)(c h) = c A(x) h`` (linearity in ``h``); induction on ``t`` gives the first claim. For ``c'
    ' > 0``, ``(R c h)_i - (R c h)_j = c((R h)_i - (R h)_j)`` has the sign of ``(Rh)_i - (Rh)_j``, so'
    ' every comparison, hence the argmax and its ties, is unchanged. (This fails for a readout with a'
    ' bias, ``argmax(Rh + β)``, and for an affine recurrence ``A h + B x + b``: see ``affine``.)'
)

CHECKED_RANGE = ("A(x)(c h) = c A(x) h for FULL(H), H <= 4, D <= 3; normalised trajectories for H <= 3, T <= 3 steps; "
                 "linear readouts H <= 4, K <= 4 classes; one seeded exact FULL(4) run of 40 steps (L1 and max norm)")

THEOREMS = (
    Theorem(
        name="scale_invariance.normalisation",
        title="Per-step normalisation commutes with the recurrence and with argmax",
        statement="For a bilinear model h_t = A(x_t) h_{t-1} and any positive per-step normalisers n_t, the "
                  "normalised states are h_t / (n_0 ... n_t), positive multiples of the plain states, and "
                  "argmax(R h) of a linear readout is the same for both at every step.",
        latex=r"\hat h_t = \frac{A(x_t)\hat h_{t-1}}{n_t} = \frac{h_t}{n_0\cdots n_t},\quad "
              r"\arg\max R\hat h_t = \arg\max R h_t \quad (n_t>0)",
        assumptions=("bilinear recurrence without additive term (any level of docs/design.md §4)",
                     "normalisers n_t > 0 (any norm of a non-zero state)",
                     "linear readout R followed by argmax with a fixed tie rule"),
        proof=PROOF,
        kind=CheckKind.SYMBOLIC,
        scope=('checked on a finite range (FULL(H), H <= 4, D <= 3, and seeded runs); the statement for '
               'every H rests on the written proof (A(x)(ch) = cA(x)h is linearity, argmax(cs) = argmax(s) '
               'for c > 0).'),
        checker=_check,
        checked_range=CHECKED_RANGE,
    ),
)
