"""Argument types shared by the subcommands."""

from __future__ import annotations

import argparse

from theory.files import write_text_atomically

__all__ = ["positive_int", "nonnegative_int", "write_atomically"]


def _int(text: str, minimum: int) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if v < minimum:
        raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {v}")
    return v


def positive_int(text: str) -> int:
    return _int(text, 1)


def nonnegative_int(text: str) -> int:
    return _int(text, 0)


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a failure leaves nothing half-written)."""
    write_text_atomically(path, text)
