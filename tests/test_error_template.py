"""One message template for bad arguments: ``NAME: expected WHAT, got VALUE`` is built by
``bilinear.theory.errors.expected`` everywhere outside the CLI, never written out by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bilinear.theory.errors import InputError, expected, shown, type_of

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "constructions", "verify", "paper_figs")

#: An ``InputError`` whose literal message spells the template itself (adjacent string literals
#: are joined first, so a message split over lines is found too).
TEMPLATE = re.compile(r'InputError\(\s*f?"[^"\n]*: expected [^"\n]*, got')
ADJACENT = re.compile(r'"\s*\n\s*f?"')


def hand_written(text: str) -> list[str]:
    """The template-spelling messages in ``text`` (the joined literal, for the report)."""
    return [m.group(0) for m in TEMPLATE.finditer(ADJACENT.sub("", text))]


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path != ROOT / "theory" / "errors.py":
                yield path


def test_no_hand_written_expected_messages():
    found = [f"{p.relative_to(ROOT)}: {m}" for p in _sources() for m in hand_written(p.read_text())]
    assert not found, "use bilinear.theory.errors.expected(...) for: " + ", ".join(found)


def test_the_pattern_finds_a_hand_written_message():
    """The scan above can fail: it recognises the template on one line and split over two."""
    assert hand_written('raise InputError(f"n: expected an integer, got {n!r}")')
    assert hand_written('raise InputError(f"W: expected shape (H, H, D), "\n    f"got {s}")')
    assert not hand_written('raise expected("n", "an integer", n)')


@pytest.mark.parametrize("got, text", [(5, "5"), ("S3", "'S3'"), (type_of("S3"), "str"), (shown("shape (2, 3)"), "shape (2, 3)")])
def test_the_template(got, text):
    e = expected("A", "a D x H x H array", got)
    assert isinstance(e, InputError) and str(e) == f"A: expected a D x H x H array, got {text}"
