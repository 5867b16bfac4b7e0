"""bilinear.theory.arith.integers against sympy (a second implementation), on every n up to a few thousand and
on primes, prime powers and products near the int64 range."""

import pytest
import sympy

from bilinear.theory import InputError
from bilinear.theory.arith.integers import factorint, isprime, primefactors


def test_small_integers_against_sympy():
    for n in range(1, 5000):
        assert factorint(n) == {int(p): int(a) for p, a in sympy.factorint(n).items()}, n
        assert primefactors(n) == [int(p) for p in sympy.primefactors(n)], n
    assert [n for n in range(-5, 20000) if isprime(n)] == list(sympy.primerange(0, 20000))


@pytest.mark.parametrize("n", [2 ** 31 - 1, 2 ** 61 - 1, 999_999_937, 3_215_031_751, 2_152_302_898_747,
                               3_474_749_660_383, 341_550_071_728_321, 3_825_123_056_546_413_051,
                               (2 ** 31 - 1) * (2 ** 13 - 1), 561, 41041, 825265, 2 ** 62, 5 ** 27])
def test_large_and_pseudoprime_cases(n):
    """Mersenne primes, strong pseudoprimes to the first few bases and Carmichael numbers."""
    assert isprime(n) == bool(sympy.isprime(n))
    if n < 10 ** 13 or n in (2 ** 62, 5 ** 27):
        assert factorint(n) == {int(p): int(a) for p, a in sympy.factorint(n).items()}


@pytest.mark.parametrize("bad", [0, -3, 2.0, True, "6"])
def test_factorint_refuses_what_is_not_a_positive_integer(bad):
    with pytest.raises(InputError, match="^n: expected a positive integer"):
        factorint(bad)
