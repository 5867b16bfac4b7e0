"""Exact-test binomial confidence intervals for the Monte-Carlo checks (numpy, no scipy).

The two-sided Clopper-Pearson interval at level ``1 - alpha`` is the set of ``p`` with
``P(X >= k | p) > alpha/2`` and ``P(X <= k | p) > alpha/2``, ``X ~ Bin(n, p)``; both tails are
monotone in ``p``, so each end is found by bisection.  Tails are summed from log-pmfs (``lgamma``) in
float64 (relative error ~1e-12, far below the resolution that matters here).

Example::

    >>> lo, hi = clopper_pearson(50, 100, 0.95)
    >>> round(lo, 4), round(hi, 4)
    (0.3983, 0.6017)
"""

from __future__ import annotations

import math

import numpy as np

from bilinear.theory.errors import InputError

__all__ = ["clopper_pearson", "binomial_tail"]


def _log_factorials(n: int) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1, dtype=np.float64)))])


def binomial_tail(k: int, n: int, p: float, upper: bool) -> float:
    """``P(X >= k)`` (``upper``) or ``P(X <= k)`` for ``X ~ Bin(n, p)``."""
    if p <= 0.0:
        return float(k <= 0) if upper else 1.0
    if p >= 1.0:
        return 1.0 if upper else float(k >= n)
    i = np.arange(k, n + 1) if upper else np.arange(0, k + 1)
    logfact = _log_factorials(n)
    logpmf = logfact[n] - logfact[i] - logfact[n - i] + i * math.log(p) + (n - i) * math.log1p(-p)
    top = logpmf.max()
    return float(min(1.0, math.exp(top) * np.exp(logpmf - top).sum()))


def _bisect(pred, lo: float = 0.0, hi: float = 1.0) -> float:
    """The boundary of a monotone predicate that is False at ``lo`` and True at ``hi``."""
    for _ in range(60):
        mid = (lo + hi) / 2
        if pred(mid):
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def clopper_pearson(successes: int, trials: int, confidence: float = 0.999) -> tuple[float, float]:
    """Two-sided Clopper-Pearson interval for a binomial proportion, coverage >= ``confidence``."""
    if not (isinstance(trials, int) and trials >= 1 and isinstance(successes, int) and 0 <= successes <= trials):
        raise InputError(f"clopper_pearson: need 0 <= successes <= trials, trials >= 1; got {successes}, {trials}")
    if not 0 < confidence < 1:
        raise InputError(f"clopper_pearson: confidence must lie in (0, 1), got {confidence}")
    half = (1 - confidence) / 2
    k, n = successes, trials
    lo = 0.0 if k == 0 else _bisect(lambda p: binomial_tail(k, n, p, upper=True) > half)
    hi = 1.0 if k == n else _bisect(lambda p: binomial_tail(k, n, p, upper=False) < half)
    return lo, hi
