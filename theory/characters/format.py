"""Readable text for exact character values and tables (used by ``bilinear analyze``).

A value is written as: an integer or fraction when rational; with ``sqrt`` when it is a real
quadratic irrationality (``-1/2+sqrt(5)/2``); otherwise as its eigenvalue multiset in GAP's
notation ``E(n)^k = exp(2 pi i k / n)`` (``E(7)+E(7)^2+E(7)^4``), which is an exact expression of
the value.  Example::

    >>> from bilinear.theory import alternating_group
    >>> from bilinear.theory.characters.build import character_table
    >>> value_string(character_table(alternating_group(5)), 1, 3)
    '1/2+sqrt(5)/2'
"""

from __future__ import annotations

import numpy as np
import sympy

from bilinear.theory.arith.cyclotomic import format_e_notation

__all__ = ["value_string", "format_table", "INDICATOR_SYMBOLS"]

#: GAP's symbols for the Frobenius-Schur indicator: real, complex, quaternionic.
INDICATOR_SYMBOLS = {1: "+", 0: "o", -1: "-"}


def value_string(T, i: int, c: int) -> str:
    """Exact text for ``chi_i(g_c)`` of a :class:`~bilinear.theory.characters.table.CharacterTable`."""
    v = T.value(i, c)
    if v.is_rational():
        return str(v.rational_value())
    if v.is_real():
        q = v._quadratic()
        if q is not None:
            return sympy.sstr(sympy.expand(q)).replace(" ", "")
    o = int(T.group.class_orders[c])
    exps = T.eigenvalues[i][c].astype(np.int64) // (T.exponent // o)
    counts = np.bincount(exps, minlength=o)
    return format_e_notation({k: int(n) for k, n in enumerate(counts) if n}, o)


def format_table(T, max_classes: int = 24) -> str:
    """The character table as aligned text (classes as columns, with size and element order; one
    row per irreducible with its Frobenius-Schur indicator).  Tables wider than ``max_classes``
    columns are summarised by degrees and indicators only."""
    G = T.group
    k = G.num_classes
    ind = T.indicators
    lines = [f"character table of {G.name}: {T.num_characters} irreducible characters "
             f"(exact; E(n) = exp(2*pi*i/n); ind: + real, o complex, - quaternionic)"]
    if k > max_classes:
        lines.append(f"({k} classes: values omitted; degrees and indicators only)")
        for i, d in enumerate(T.degrees):
            lines.append(f"X.{i + 1:<4} degree {d:>4}  ind {INDICATOR_SYMBOLS[ind[i]]}")
        return "\n".join(lines)
    cells = [[value_string(T, i, c) for c in range(k)] for i in range(T.num_characters)]
    head = [[str(c) for c in range(k)], [str(int(s)) for s in G.class_sizes], [str(int(o)) for o in G.class_orders]]
    width = [max(len(r[c]) for r in head + cells) for c in range(k)]
    labels = ["class", "size", "order"]
    for lab, row in zip(labels, head):
        lines.append(f"{lab:<7}" + "  ".join(f"{x:>{w}}" for x, w in zip(row, width)))
    for i, row in enumerate(cells):
        lines.append(f"{'X.' + str(i + 1):<7}" + "  ".join(f"{x:>{w}}" for x, w in zip(row, width))
                     + f"   {INDICATOR_SYMBOLS[ind[i]]}")
    return "\n".join(lines)
