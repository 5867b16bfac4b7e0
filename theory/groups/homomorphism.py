"""Whether an assignment of generators extends to an isomorphism (exact, by walking the Cayley graph).

Two groups given with the same number of symbols, ``a[i]`` in ``G`` and ``b[i]`` in ``K``, describe
the same state-tracking problem exactly when ``a[i] -> b[i]`` extends to an isomorphism
``<a> -> <b>``: then every word's value in one group determines its value in the other.  The walk
from the identity along the symbols defines ``phi(x a[i]) = phi(x) b[i]``; the assignment extends to
a homomorphism iff this is consistent on every edge (a relation of ``<a>`` holds in ``<b>``), and to
an isomorphism iff ``phi`` is also injective.  Work ``O(|<a>| * symbols)`` multiplications.

    >>> from bilinear.theory.groups.parser import parse_group
    >>> Z6, S3 = parse_group("Z6"), parse_group("S3")
    >>> mismatch(Z6, [Z6.element("1")], parse_group("Z2xZ3"), [parse_group("Z2xZ3").element("(1,1)")]) is None
    True
    >>> mismatch(Z6, [Z6.element("1"), Z6.element("2")], S3, [S3.element("(1,2)"), S3.element("(1,2,3)")],
    ...          symbols=["a", "b"])
    'the words a*a and b are equal in Z6 but not in S3'
"""

from __future__ import annotations

from collections import deque

from bilinear.theory.errors import expected, shown
from bilinear.theory.groups.group import FiniteGroup

__all__ = ["mismatch"]


def _word(path: dict[int, tuple[int, int] | None], x: int, names: list[str]) -> str:
    letters = []
    while path[x] is not None:
        x, i = path[x]                   # type: ignore[misc]
        letters.append(names[i])
    return "*".join(reversed(letters)) or "e"


def mismatch(G: FiniteGroup, a, K: FiniteGroup, b, symbols: list[str] | None = None) -> str | None:
    """``None`` if ``a[i] -> b[i]`` extends to an isomorphism of ``<a>`` onto ``<b>``, else one
    sentence naming two words that tell the groups apart (equal in one, not in the other)."""
    a, b = [int(x) for x in a], [int(x) for x in b]
    if len(a) != len(b):
        raise expected("symbols", f"{len(a)} elements of {K.name}, one per symbol", shown(str(len(b))))
    names = symbols or [G.names[x] for x in a]
    phi: dict[int, int] = {G.identity: K.identity}
    back: dict[int, int] = {K.identity: G.identity}
    path: dict[int, tuple[int, int] | None] = {G.identity: None}
    queue = deque([G.identity])
    while queue:
        x = queue.popleft()
        for i, (ai, bi) in enumerate(zip(a, b)):
            y, ky = int(G.mul(x, ai)), int(K.mul(phi[x], bi))
            if y in phi:
                if phi[y] != ky:
                    return (f"the words {_word(path, x, names)}*{names[i]} and {_word(path, y, names)} are equal "
                            f"in {G.name} but not in {K.name}")
                continue
            if ky in back:
                return (f"the words {_word(path, x, names)}*{names[i]} and {_word(path, back[ky], names)} are "
                        f"equal in {K.name} but not in {G.name}")
            phi[y], back[ky], path[y] = ky, y, (x, i)
            queue.append(y)
    return None
