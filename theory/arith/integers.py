"""Factorising and testing the small integers group theory meets (orders, exponents, moduli,
element orders), without importing sympy (about 0.3–0.6 s of every ``bilinear analyze`` run when
it was used for these alone; docs/design.md §2: heavy libraries load on first use).

:func:`factorint` divides by trial (``O(sqrt n)`` steps: meant for the orders and exponents of
groups the toolkit holds, at most a few million); :func:`isprime` is the Miller–Rabin test with
the first twelve primes as bases, which is deterministic below ``3.3 * 10^24`` (Sorenson and
Webster, Math. Comp. 86 (2017)), far above any int64.

    >>> factorint(360), primefactors(360), isprime(2 ** 31 - 1), isprime(1)
    ({2: 3, 3: 2, 5: 1}, [2, 3, 5], True, False)
"""

from __future__ import annotations

from bilinear.theory.errors import expected

__all__ = ["factorint", "primefactors", "isprime"]

_BASES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)


def _positive(n, argument: str = "n") -> int:
    if isinstance(n, bool) or not hasattr(n, "__index__") or int(n) < 1:
        raise expected(argument, "a positive integer", n)
    return int(n)


def factorint(n) -> dict[int, int]:
    """``{p: a}`` with ``n = prod p^a`` over the primes ``p`` in increasing order (``{}`` for 1)."""
    n = _positive(n)
    out: dict[int, int] = {}
    p = 2
    while p * p <= n:
        while n % p == 0:
            out[p] = out.get(p, 0) + 1
            n //= p
        p += 1 if p == 2 else 2
    if n > 1:
        out[n] = out.get(n, 0) + 1
    return out


def primefactors(n) -> list[int]:
    """The distinct primes dividing ``n``, increasing."""
    return list(factorint(n))


def isprime(n) -> bool:
    """Whether the integer ``n`` is prime (deterministic Miller–Rabin, see the module docstring)."""
    if isinstance(n, bool) or not hasattr(n, "__index__"):
        raise expected("n", "an integer", n)
    n = int(n)
    if n < 2:
        return False
    for p in _BASES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in _BASES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True
