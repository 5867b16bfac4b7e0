"""Permutations in cycle notation (docs/design.md §3).

Points in text are 1-based; internally a permutation of degree ``d`` is the tuple/array of images
of the points ``0..d-1``.  Permutations act on the right: ``i^(g*h) = (i^g)^h``, so the product
``g*h`` applies ``g`` first.  Canonical cycle notation: each cycle starts at its smallest point,
cycles are sorted by that point, fixed points are omitted and the identity is ``()`` (GAP's
printing).
"""

from __future__ import annotations

import re

import numpy as np

from .errors import InputError

__all__ = ["parse_cycles", "parse_generators", "format_cycles", "compose_images"]

_CYCLE = re.compile(r"\(([^()]*)\)")


def parse_cycles(text: str, argument: str = "permutation") -> dict[int, int]:
    """Parse one permutation in 1-based cycle notation into a dict ``point -> image`` (0-based).

    ``"(1,2,3)(4,5)"`` maps 0->1, 1->2, 2->0, 3->4, 4->3.  ``"()"`` is the identity.  Raises
    :class:`InputError` for bad syntax, non-positive points, or a point repeated in the cycles.
    """
    s = text.replace(" ", "").replace("\t", "")
    if not s:
        raise InputError(f"{argument}: empty permutation; expected cycle notation like (1,2,3)(4,5) or ()")
    pos = 0
    images: dict[int, int] = {}
    for m in _CYCLE.finditer(s):
        if m.start() != pos:
            raise InputError(f"{argument}: bad cycle syntax at {s[pos:m.start()]!r} in {text!r}; "
                             "expected cycles like (1,2,3)(4,5)")
        pos = m.end()
        body = m.group(1)
        if body == "":
            continue
        parts = body.split(",")
        points = []
        for p in parts:
            if not re.fullmatch(r"[0-9]+", p):
                raise InputError(f"{argument}: bad point {p!r} in cycle ({body}) of {text!r}; "
                                 "expected positive integers separated by commas")
            v = int(p)
            if v < 1:
                raise InputError(f"{argument}: point {v} in {text!r} is not positive (points are 1-based)")
            points.append(v - 1)
        for a, b in zip(points, points[1:] + points[:1]):
            if a in images:
                raise InputError(f"{argument}: point {a + 1} is repeated in {text!r}")
            images[a] = b
    if pos != len(s):
        raise InputError(f"{argument}: bad cycle syntax at {s[pos:]!r} in {text!r}; "
                         "expected cycles like (1,2,3)(4,5)")
    return images


def parse_generators(text: str, argument: str = "generators") -> list[np.ndarray]:
    """Parse ``"(1,2,3)(4,5);(1,2)"`` into image arrays, all of the same degree (the largest point)."""
    pieces = [p for p in text.split(";")]
    if any(not p.strip() for p in pieces):
        raise InputError(f"{argument}: empty generator in {text!r}; expected cycles separated by ';'")
    maps = [parse_cycles(p, argument) for p in pieces]
    degree = max([max(m, default=-1) + 1 for m in maps] + [max(m.values(), default=-1) + 1 for m in maps] + [1])
    out = []
    for m in maps:
        img = np.arange(degree, dtype=np.int64)
        for a, b in m.items():
            img[a] = b
        out.append(img)
    return out


def format_cycles(images) -> str:
    """Canonical 1-based cycle notation of an image array (``()`` for the identity)."""
    img = [int(x) for x in images]
    seen = [False] * len(img)
    out = []
    for start in range(len(img)):
        if seen[start] or img[start] == start:
            seen[start] = True
            continue
        cyc = [start]
        seen[start] = True
        j = img[start]
        while j != start:
            cyc.append(j)
            seen[j] = True
            j = img[j]
        out.append("(" + ",".join(str(p + 1) for p in cyc) + ")")
    return "".join(out) or "()"


def compose_images(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Image array of ``a*b`` (``a`` applied first): ``(a*b)[i] = b[a[i]]``; broadcasts over leading axes."""
    a, b = np.broadcast_arrays(a, b)
    return np.take_along_axis(b, a, axis=-1)
