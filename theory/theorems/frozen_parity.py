r"""Parity with a frozen random real-diagonal model and a trained linear readout: success 1 - 2^{-H}.

The reference paper (Ebrahimi & Memisevic 2025, arXiv 2505.21749; summarised in docs/design.md §1)
reports that a real-diagonal bilinear RNN with random *frozen* transitions and only a trained linear
readout learns parity at every length from two examples with probability ``1 - 2^{-H}``.  Its exact
setting is not available; this is a precise version that is true, in our own words.

**Setting.** Alphabet ``{0, 1}``, one-hot inputs.  Frozen transitions ``A(e_0) = α I`` and
``A(e_1) = β diag(ε)``, where ``α, β > 0`` are arbitrary (they may be random, independent of ``ε``)
and ``ε_1, ..., ε_H`` are i.i.d. uniform on ``{-1, +1}`` (Rademacher).  Start state ``h_0 = (1, ..., 1)``
(any ``h_0`` with non-zero entries works).  Linear readout without bias: predict parity 1 iff
``r . h_T > 0``.  Training set: the two words ``"0"`` (parity 0, target -1) and ``"1"`` (parity 1,
target +1); ``r`` is the minimum-norm least-squares solution of ``[h("0")^T; h("1")^T] r = (-1, 1)``.

**Theorem.** With probability exactly ``1 - 2^{-H}`` over ``ε``, the trained model outputs the parity
of every word of every length; with probability ``2^{-H}`` it is wrong on a training word.  The
failure event is ``ε = (1, ..., 1)``.

Proof: :data:`PROOF` (``bilinear prove --show frozen_parity.rademacher_diagonal``).

*Remarks.* (a) The equal magnitudes matter: with ``A(e_1) = diag(w)``, ``w_i ~ N(0, 1)``, the
readout fitted on two words is dominated at long lengths by the unit of largest ``|w_i|`` (positive
half the time), and the success probability is far from ``1 - 2^{-H}`` (see the tests).  (b) For any
distribution of ``w`` symmetric about 0 without an atom at 0 and ``A(e_0) = I``, *some* linear readout
(``e_i / h0_i`` for a unit with ``w_i < 0``) solves parity iff some ``w_i < 0``, again probability
``1 - 2^{-H}``; when all ``w_i > 0`` the model is PDIAG and no linear readout, even with a bias or
threshold, solves parity (``exponential_sum.pdiag_parity``).

**Check** (Monte-Carlo, seeded): for ``H in {1, 2, 3, 4, 6, 8}``, ``N = 3000`` frozen models each
(``α, β ~ U(1/2, 3/2)``), train ``r`` by least squares in float64, then test on one random word of each
length ``1..12, 100, 1000`` and on ``1^1000`` (:data:`TEST_LENGTHS`; states normalised by the
max-norm every 8 steps, which is exact here and changes no label by scale invariance; every score sign certified
exactly against the float error bound).  The estimate must be consistent with ``1 - 2^{-H}``: the
formula lies in the two-sided 99.9% Clopper-Pearson interval for every ``H``.  In addition every sample
must agree with the proof (success iff ``ε != 1``) and every failure is certified by the PDIAG
refuter on ``1^n`` (the first 25 failures per ``H``).

Example::

    >>> d = check_frozen_parity(hidden_sizes=(1,), samples=200, seed=1)
    >>> d["per_H"][0]["H"], d["per_H"][0]["formula"]
    (1, 0.5)
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from bilinear.theory.errors import MathematicalError, expected
from bilinear.theory.theorems.base import CheckKind, Theorem
from bilinear.theory.theorems.exponential_sum import refute_parity_threshold
from bilinear.theory.theorems.stats import clopper_pearson

__all__ = ["success_probability", "sample_models", "train_readout", "evaluate", "check_frozen_parity",
           "TEST_LENGTHS", "PROOF", "CHECKED_RANGE", "THEOREMS"]

TEST_LENGTHS = tuple(range(1, 13)) + (100, 1000)
REFUTE_PER_H = 25
HIDDEN_SIZES = (1, 2, 3, 4, 6, 8)
SAMPLES = 3000
CONFIDENCE = 0.999
_U = 2.0 ** -53


def success_probability(H: float) -> float:
    """The theorem's formula ``1 - 2^{-H}`` (for an integer ``H``; real ``H`` draws the curve through them)."""
    return 1.0 - 2.0 ** (-H)


def sample_models(rng: np.random.Generator, N: int, H: int, distribution: str = "rademacher"):
    """``N`` frozen models: ``(alpha (N,), beta (N,), w (N, H))`` with ``A(e_0) = alpha I``,
    ``A(e_1) = beta diag(w)``.  ``distribution``: ``"rademacher"`` (the theorem: ``w = ε``) or
    ``"gaussian"`` (``w ~ N(0,1)``, remark (a): not covered by the theorem)."""
    alpha = rng.uniform(0.5, 1.5, size=N)
    beta = rng.uniform(0.5, 1.5, size=N)
    if distribution == "rademacher":
        w = rng.choice([-1.0, 1.0], size=(N, H))
    elif distribution == "gaussian":
        w = rng.normal(size=(N, H))
    else:
        raise expected("distribution", "'rademacher' or 'gaussian'", distribution)
    return alpha, beta, w


def train_readout(alpha, beta, w) -> np.ndarray:
    """Minimum-norm least squares on the words "0" (target -1) and "1" (target +1), ``h0 = 1``."""
    N, H = w.shape
    X = np.stack([alpha[:, None] * np.ones((N, H)), beta[:, None] * w], axis=1)     # (N, 2, H)
    return np.linalg.pinv(X) @ np.array([-1.0, 1.0])                                 # (N, H)


def _certified_positive(r, states) -> np.ndarray:
    """sign(r . h) > 0 per row, certified: floats where the error bound allows, exact Fractions otherwise."""
    scores = np.einsum("nh,nh->n", r, states)
    bound = 2 * r.shape[1] * _U * np.einsum("nh,nh->n", np.abs(r), np.abs(states))
    out = scores > 0
    for s in np.flatnonzero(np.abs(scores) <= bound):
        exact = sum((Fraction(float(a)) * Fraction(float(b)) for a, b in zip(r[s], states[s])), Fraction(0))
        out[s] = exact > 0
    return out


def evaluate(rng: np.random.Generator, alpha, beta, w, r, lengths=TEST_LENGTHS) -> np.ndarray:
    """Boolean (N,): the readout gets the parity right on one random word of each length and on the
    all-ones word of the largest length.  States are normalised by the max-norm every 8 steps and at
    the end (scale invariance: no label changes; with equal magnitudes the entries become exactly ±1)."""
    N, H = w.shape
    ok = np.ones(N, dtype=bool)
    words = [rng.integers(0, 2, size=(N, L)) for L in lengths]
    words.append(np.ones((N, max(lengths)), dtype=np.int64))
    one, zero = beta[:, None] * w, np.broadcast_to(alpha[:, None], (N, H))
    for word in words:
        h = np.ones((N, H))
        for t in range(word.shape[1]):
            h *= np.where(word[:, t][:, None] == 1, one, zero)
            if t % 8 == 7 or t == word.shape[1] - 1:
                h /= np.max(np.abs(h), axis=1, keepdims=True)
        parity = word.sum(axis=1) % 2 == 1
        ok &= _certified_positive(r, h) == parity
    return ok


def check_frozen_parity(hidden_sizes=HIDDEN_SIZES, samples: int = SAMPLES, seed: int = 0,
                        formula=success_probability, distribution: str = "rademacher",
                        confidence: float = CONFIDENCE) -> dict:
    """The Monte-Carlo check; raises :class:`MathematicalError` if ``formula(H)`` is outside the
    Clopper-Pearson interval for some ``H``, or (Rademacher) a sample contradicts the proof."""
    rng = np.random.default_rng(seed)
    rows = []
    for H in hidden_sizes:
        alpha, beta, w = sample_models(rng, samples, H, distribution)
        r = train_readout(alpha, beta, w)
        ok = evaluate(rng, alpha, beta, w, r)
        k = int(ok.sum())
        lo, hi = clopper_pearson(k, samples, confidence)
        p = float(formula(H))
        row = {"H": H, "samples": samples, "successes": k, "estimate": k / samples, "formula": p,
               "interval": [lo, hi]}
        if not lo <= p <= hi:
            raise MathematicalError(f"H={H}: estimate {k}/{samples} = {k / samples:.4f}, {confidence:.1%} "
                                    f"Clopper-Pearson interval [{lo:.4f}, {hi:.4f}] excludes the formula {p:.4f}")
        if distribution == "rademacher":
            predicted = np.any(w < 0, axis=1)
            if not np.array_equal(ok, predicted):
                s = int(np.flatnonzero(ok != predicted)[0])
                raise MathematicalError(f"H={H}, sample {s}: success={bool(ok[s])} but the proof says "
                                        f"{bool(predicted[s])} (eps = {w[s].tolist()})")
            refuted = 0
            for s in np.flatnonzero(~ok)[:REFUTE_PER_H]:   # eps = 1 is PDIAG: certify the failure exactly
                ref = refute_parity_threshold([beta[s]] * H, [1] * H, r[s], 0)
                refuted += ref.n <= ref.bound
            row["failures"] = samples - k
            row["failures_refuted_exactly"] = refuted
        rows.append(row)
    return {"seed": seed, "confidence": confidence, "distribution": distribution, "test_lengths": list(TEST_LENGTHS),
            "per_H": rows}


PROOF = (
    'Since ``ε_i^2 = 1``, a word with ``z`` zeros and ``k`` ones reaches ``h = α^z β^k ε^k ⊙ h_0``: a'
    ' positive multiple of ``u = α h_0`` (``k`` even) or of ``v = β ε ⊙ h_0`` (``k`` odd), the two '
    'training states. A linear readout without bias has the sign of ``r . u`` on the first kind and '
    'of ``r . v`` on the second, so it is right on every word iff it is right on the two training '
    'words. If ``ε`` has a ``-1``: either ``u, v`` are linearly independent and least squares fits '
    '``r . u = -1``, ``r . v = 1`` exactly, or ``ε = -1`` and ``v = -ρ u`` (``ρ = β/α``), where least'
    ' squares gives ``r . u = t = -(1+ρ)/(1+ρ^2) < 0`` and ``r . v = -ρ t > 0``: both right. If ``ε ='
    ' 1``: ``u`` and ``v`` are positive multiples of ``h_0``, so ``r . u`` and ``r . v`` have the '
    'same sign (or vanish) and one training word is wrong. ``P(ε = 1) = 2^{-H}``.'
)

CHECKED_RANGE = (f"Monte Carlo, seed 0: {SAMPLES} samples per H in {{{', '.join(map(str, HIDDEN_SIZES))}}}, "
                 f"{CONFIDENCE:.1%} Clopper-Pearson interval; one random test word of each length "
                 f"{', '.join(map(str, TEST_LENGTHS))} and the all-ones word of length {max(TEST_LENGTHS)}")

THEOREMS = (
    Theorem(
        name="frozen_parity.rademacher_diagonal",
        title="Frozen random real-diagonal model + trained linear readout solves parity w.p. 1 - 2^-H",
        statement="With A(e_0) = alpha I, A(e_1) = beta diag(eps), alpha, beta > 0, eps_i i.i.d. uniform on "
                  "{-1, +1}, h0 = 1, and a bias-free linear readout r fitted by least squares to the two words "
                  "'0' (-1) and '1' (+1), predicting parity 1 iff r.h > 0: with probability exactly 1 - 2^-H the "
                  "model gives the parity of every word of every length; it fails iff eps = (1, ..., 1).",
        latex=r"A_0=\alpha I,\ A_1=\beta\,\mathrm{diag}(\varepsilon),\ \varepsilon_i\sim U\{\pm1\}:\quad "
              r"\Pr\big[\forall w:\ \mathbb{1}[r^\top h_w>0]=|w|_1 \bmod 2\big] = 1-2^{-H}",
        assumptions=("one-hot inputs over {0, 1}; eps_i i.i.d. Rademacher, independent of alpha, beta > 0",
                     "h0 = (1, ..., 1); readout r.h without bias, threshold 0",
                     "r = minimum-norm least squares on the words '0' -> -1 and '1' -> +1"),
        proof=PROOF,
        kind=CheckKind.MONTE_CARLO,
        scope=('an estimate: a seeded Monte-Carlo frequency lies in the 99.9 % interval around the formula 1'
               ' - 2^-H; nothing is proved by the check.'),
        checker=check_frozen_parity,
        checked_range=CHECKED_RANGE,
    ),
)
