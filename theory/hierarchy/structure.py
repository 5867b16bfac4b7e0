"""What a transition matrix ``A(e_k)`` of a level looks like, as an exact predicate (docs/design.md §4).

A :class:`Structure` is a description (``"diagonal"``, ``"block-diagonal, 2 blocks of size 3"``)
and the checks that decide it on one square matrix, each returning ``None`` when the matrix passes
and otherwise what is wrong with it (``"is not diagonal"``).  The levels of
:mod:`bilinear.theory.hierarchy.levels` declare their structure from the checks here; the certificate
(:mod:`bilinear.constructions.certificate`) runs them on the matrices of a weight file.

A check reads the matrix through :class:`Entries`: its size, the positions of its non-zero entries and
each entry as an element of an ordered field — anything with ``+``, ``-``, ``*``, ``==`` and ``> 0``
against elements and the integers ``0`` and ``1``.  :class:`RationalEntries` is the plain exact reader
(``Fraction`` entries); the certificate has readers for number-field entries and for float64 entries
(whose ``==`` is a closeness test, declared by ``exact = False``).

Example::

    >>> from fractions import Fraction
    >>> A = RationalEntries([[Fraction(1, 2), 0], [0, 3]])
    >>> POSITIVE_DIAGONAL.violation(A) is None
    True
    >>> DIAGONAL.violation(RationalEntries([[1, 1], [0, 1]]))
    'is not diagonal'
    >>> ROTATION_PAIRS.violation(RationalEntries([[0, -1], [1, 0]])) is None
    True
    >>> ROTATION_PAIRS.violation(RationalEntries([[0, -2], [2, 0]]))
    'does not have the form [[a,-b],[b,a]] with a^2+b^2=1 exactly'
    >>> blocks(2).description
    'block-diagonal, blocks of size 2'
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Protocol, Sequence

__all__ = ["Entries", "RationalEntries", "Structure", "ANY", "DIAGONAL", "POSITIVE_DIAGONAL", "COMPLEX_PAIRS",
           "ROTATION_PAIRS", "MONOMIAL", "PERMUTATION", "blocks"]


class Entries(Protocol):
    """One square matrix, read exactly (or, with ``exact = False``, to a stated float tolerance)."""

    size: int
    exact: bool

    def support(self) -> Sequence[tuple[int, int]]:
        """The positions ``(row, column)`` of the non-zero entries."""
        ...

    def entry(self, i: int, j: int) -> Any:
        """The entry at ``(i, j)``: an ordered-field element (zero outside the support)."""
        ...


class RationalEntries:
    """:class:`Entries` of a matrix given as rows of integers or ``Fraction`` values."""

    exact = True

    def __init__(self, rows):
        self._rows = [[Fraction(x) for x in row] for row in rows]
        self.size = len(self._rows)

    def support(self) -> list[tuple[int, int]]:
        return [(i, j) for i, row in enumerate(self._rows) for j, x in enumerate(row) if x != 0]

    def entry(self, i: int, j: int) -> Fraction:
        return self._rows[i][j]


Check = Callable[[Entries], "str | None"]


@dataclass(frozen=True)
class Structure:
    """A description and the checks that decide it; :meth:`violation` is the first failure, or None."""

    description: str
    checks: tuple[Check, ...] = ()

    def violation(self, A: Entries) -> str | None:
        for check in self.checks:
            problem = check(A)
            if problem is not None:
                return problem
        return None


# ------------------------------------------------------------------------------------ checks
def _diagonal(A: Entries) -> str | None:
    return None if all(i == j for i, j in A.support()) else "is not diagonal"


def _positive_diagonal(A: Entries) -> str | None:
    ok = all(A.entry(i, i) > 0 for i in range(A.size))
    return None if ok else "has a non-positive diagonal entry"


def _within_blocks(size: int) -> Check:
    def check(A: Entries) -> str | None:
        if all(i // size == j // size for i, j in A.support()):
            return None
        return f"has an entry outside its {size}x{size} diagonal blocks"
    return check


def _pairs(unit: bool) -> Check:
    """2x2 diagonal blocks ``[[a, -b], [b, a]]`` (with ``a^2 + b^2 = 1`` when ``unit``)."""
    def check(A: Entries) -> str | None:
        if any(i // 2 != j // 2 for i, j in A.support()):
            return "is not 2x2 block-diagonal"
        for j in range(0, A.size, 2):
            a, b = A.entry(j, j), A.entry(j + 1, j)
            ok = A.entry(j + 1, j + 1) == a and A.entry(j, j + 1) == -b
            if ok and unit:
                ok = a * a + b * b == 1
            if not ok:
                return ("does not have the form [[a,-b],[b,a]]"
                        + (" with a^2+b^2=1" + (" exactly" if A.exact else "") if unit else ""))
        return None
    return check


def _one_per_line(A: Entries) -> bool:
    support = A.support()
    rows, cols = [i for i, _ in support], [j for _, j in support]
    return len(support) == A.size and len(set(rows)) == A.size and len(set(cols)) == A.size


def _monomial(A: Entries) -> str | None:
    return None if _one_per_line(A) else "is not monomial (one non-zero per row and column)"


def _permutation(A: Entries) -> str | None:
    ok = _one_per_line(A) and all(A.entry(i, j) == 1 for i, j in A.support())
    return None if ok else "is not a permutation matrix"


# ------------------------------------------------------------------------------------ structures
#: Any matrix.
ANY = Structure("any matrices")
#: Diagonal matrices.
DIAGONAL = Structure("diagonal", (_diagonal,))
#: Diagonal matrices with positive diagonal entries.
POSITIVE_DIAGONAL = Structure("diagonal with positive entries", (_diagonal, _positive_diagonal))
#: 2x2 blocks ``[[a, -b], [b, a]]``: a complex diagonal in real form.
COMPLEX_PAIRS = Structure("2x2 blocks [[a,-b],[b,a]]", (_pairs(unit=False),))
#: 2x2 rotation blocks: ``[[a, -b], [b, a]]`` with ``a^2 + b^2 = 1``.
ROTATION_PAIRS = Structure("2x2 blocks [[a,-b],[b,a]] with a^2+b^2=1", (_pairs(unit=True),))
#: One non-zero entry per row and column: a permutation times a diagonal.
MONOMIAL = Structure("monomial: a permutation times a diagonal", (_monomial,))
#: Permutation matrices.
PERMUTATION = Structure("permutation matrices", (_permutation,))


def blocks(size: int, count: int | None = None) -> Structure:
    """Block-diagonal matrices with ``size x size`` diagonal blocks (``count`` of them, when known)."""
    many = "blocks" if count is None else f"{count} blocks"
    return Structure(f"block-diagonal, {many} of size {size}", (_within_blocks(size),))
