"""Reading text arguments without guessing (docs/design.md §11): a scanner that refuses with the
position, and GAP's cycle notation.

Cycle notation is exactly what GAP prints: a permutation is ``()`` (the identity) or one or more
disjoint cycles ``(p1,p2,...,pk)`` with ``k >= 2`` written one after another, points positive
integers without leading zeros, optionally a space after each comma (``(1, 2, 3)(4, 5)``).  A
generator list is permutations separated by ``;`` (spaces allowed around ``;``); the empty list is
the empty text.  Nothing else is read: ``(1 2 3)`` is refused at the space, never taken as the point
``123``.  Every refusal is an :class:`~bilinear.theory.errors.InputError` of one line naming the argument,
the 1-based character position, what was expected there and what was found.

    >>> parse_cycles("(1,2,3)(4, 5)")
    {0: 1, 1: 2, 2: 0, 3: 4, 4: 3}
    >>> parse_cycles("(1 2 3)")
    Traceback (most recent call last):
    ...
    bilinear.theory.errors.InputError: permutation: at character 3 of '(1 2 3)': expected ',' or ')' after point 1, found ' '
"""

from __future__ import annotations

from typing import NoReturn

import numpy as np

from bilinear.theory.errors import InputError, expected, type_of
from bilinear.theory.groups.limits import check_degree_limit

__all__ = ["Scanner", "parse_cycles", "parse_generators", "read_permutation", "read_generators", "images_of",
           "MAX_DIGITS"]

#: Numbers in text arguments have at most this many digits (they must fit an int64).
MAX_DIGITS = 18
_SHOWN = 60          # characters of the argument quoted in a refusal


class Scanner:
    """Left-to-right reader of ``text``; :meth:`fail` raises the one-line refusal at the position."""

    def __init__(self, text: str, argument: str):
        if not isinstance(text, str):
            raise expected(argument, "a string", type_of(text))
        self.text, self.argument, self.pos = text, argument, 0

    # ------------------------------------------------------------------ reading
    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        """The next character, or ``""`` at the end."""
        return self.text[self.pos:self.pos + 1]

    def skip_spaces(self) -> None:
        while self.peek() in (" ", "\t"):
            self.pos += 1

    def accept(self, literal: str) -> bool:
        """Consume ``literal`` if the text continues with it."""
        if self.text.startswith(literal, self.pos):
            self.pos += len(literal)
            return True
        return False

    def expect(self, literal: str, expected: str | None = None) -> None:
        if not self.accept(literal):
            self.fail(expected or repr(literal))

    def number(self, expected: str) -> int:
        """A decimal integer ``0`` or ``[1-9][0-9]*`` of at most :data:`MAX_DIGITS` digits."""
        start = self.pos
        while self.peek().isascii() and self.peek().isdigit():
            self.pos += 1
        digits = self.text[start:self.pos]
        if not digits:
            self.fail(expected)
        if len(digits) > 1 and digits[0] == "0":
            self.fail(f"{expected} without leading zeros", at=start)
        if len(digits) > MAX_DIGITS:
            self.fail(f"{expected} of at most {MAX_DIGITS} digits", at=start)
        return int(digits)

    def end(self, expected: str) -> None:
        """Refuse anything left after optional trailing spaces."""
        self.skip_spaces()
        if not self.at_end():
            self.fail(expected)

    # ------------------------------------------------------------------ refusing
    def fail(self, expected: str, at: int | None = None) -> NoReturn:
        pos = self.pos if at is None else at
        found = repr(self.text[pos]) if pos < len(self.text) else "end of input"
        self.refuse(f"expected {expected}, found {found}", at=pos)

    def refuse(self, problem: str, at: int | None = None) -> NoReturn:
        pos = self.pos if at is None else at
        raise InputError(f"{self.argument}: at character {pos + 1} of {self._shown(pos)}: {problem}")

    def _shown(self, pos: int) -> str:
        text = self.text
        if len(text) <= _SHOWN:
            return repr(text)
        lo = max(0, min(pos - _SHOWN // 2, len(text) - _SHOWN))
        return ("..." if lo else "") + repr(text[lo:lo + _SHOWN]) + ("..." if lo + _SHOWN < len(text) else "")


# ------------------------------------------------------------------------------------ cycles
def _point(sc: Scanner, seen: dict[int, int]) -> int:
    start = sc.pos
    v = sc.number("a point (positive integer)")
    if v < 1:
        sc.refuse(f"point {v} is not positive (points are 1-based)", at=start)
    if v - 1 in seen:
        sc.refuse(f"point {v} is repeated (the cycles of a permutation are disjoint)", at=start)
    seen[v - 1] = -1
    return v - 1


def read_permutation(sc: Scanner) -> dict[int, int]:
    """Read one permutation at the scanner's position: ``()`` or disjoint cycles; return the map
    ``point -> image`` (0-based) of its moved points."""
    if sc.accept("()"):
        return {}
    if sc.peek() != "(":
        sc.fail("a permutation such as (1,2,3)(4,5) or ()")
    images: dict[int, int] = {}
    while sc.peek() == "(":
        opening = sc.pos
        sc.pos += 1
        points = [_point(sc, images)]
        while not sc.accept(")"):
            if not sc.accept(","):
                sc.fail(f"',' or ')' after point {points[-1] + 1}")
            sc.skip_spaces()
            points.append(_point(sc, images))
        if len(points) < 2:
            sc.refuse(f"the cycle ({points[0] + 1}) has one point; a cycle has at least two "
                      "(fixed points are omitted, the identity is ())", at=opening)
        for a, b in zip(points, points[1:] + points[:1]):
            images[a] = b
    return images


def parse_cycles(text: str, argument: str = "permutation") -> dict[int, int]:
    """One permutation in 1-based cycle notation as a dict ``point -> image`` (0-based).

    ``"(1,2,3)(4,5)"`` maps 0->1, 1->2, 2->0, 3->4, 4->3; ``"()"`` is the identity (``{}``).
    Anything that is not GAP's printing of a permutation raises :class:`InputError` with the position.
    """
    sc = Scanner(text, argument)
    sc.skip_spaces()
    images = read_permutation(sc)
    sc.end("the end of the permutation")
    return images


def read_generators(sc: Scanner) -> list[dict[int, int]]:
    """Permutations separated by ``;`` up to the end of the text (none for an empty rest)."""
    sc.skip_spaces()
    maps: list[dict[int, int]] = []
    if sc.at_end():
        return maps
    while True:
        maps.append(read_permutation(sc))
        sc.skip_spaces()
        if sc.at_end():
            return maps
        if not sc.accept(";"):
            sc.fail("';' between generators or the end")
        sc.skip_spaces()


def images_of(maps: list[dict[int, int]], max_degree: int | None = None, what: str = "the permutations") \
        -> list[np.ndarray]:
    """Image arrays of the maps, all of one degree: the largest point (at least 1); refused
    (:func:`bilinear.theory.groups.limits.check_degree_limit`) above ``max_degree`` before anything is allocated."""
    degree = max([max(m, default=-1) + 1 for m in maps] + [1])
    check_degree_limit(degree, max_degree, what)
    out = []
    for m in maps:
        img = np.arange(degree, dtype=np.int64)
        if m:
            img[list(m)] = list(m.values())
        out.append(img)
    return out


def parse_generators(text: str, argument: str = "generators") -> list[np.ndarray]:
    """``"(1,2,3)(4,5);(1,2)"`` as image arrays of one degree (the largest point); ``""`` is the
    empty list (GAP prints the generators of the trivial group as an empty list)."""
    sc = Scanner(text, argument)
    return images_of(read_generators(sc))
