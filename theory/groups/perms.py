"""Permutations in cycle notation (docs/design.md §3).

Points in text are 1-based; internally a permutation of degree ``d`` is the tuple/array of images
of the points ``0..d-1``.  Permutations act on the right: ``i^(g*h) = (i^g)^h``, so the product
``g*h`` applies ``g`` first.  Canonical cycle notation: each cycle starts at its smallest point,
cycles are sorted by that point, fixed points are omitted and the identity is ``()`` (GAP's
printing).
"""

from __future__ import annotations

import numpy as np

from bilinear.theory.groups.parsing import parse_cycles, parse_generators   # reading cycle notation: docs/design.md §11

__all__ = ["parse_cycles", "parse_generators", "format_cycles", "compose_images"]


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
