"""The façade's documented examples run (doctest), and every exported name exists."""

import doctest

import bilinear


def test_facade_doctest():
    result = doctest.testmod(bilinear)
    assert result.attempted >= 4 and result.failed == 0


def test_exports_exist():
    missing = [name for name in bilinear.__all__ if not hasattr(bilinear, name)]
    assert missing == []
