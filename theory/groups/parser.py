"""``parse_group``: the GROUP argument of the CLI (docs/design.md §11).

Grammar (``_`` = optional spaces; no other whitespace is read)::

    GROUP   := _ ( 'perm:' _ GENS | FACTOR (_ 'x' _ FACTOR)* ) _
    GENS    := ''  |  PERM (_ ';' _ PERM)*          # '' = no generators: the trivial group
    PERM    := '()'  |  ('(' p (',' ' '* p)+ ')')+   # GAP's printing, e.g. (1,2,3)(4,5)
    FACTOR  := ATOM (_ '^' _ k)?                    # power = direct product of k copies
    ATOM    := Z<n> | C<n> | D<n> | Q8 | A<n> | S<n> | GL(n,_q) | SL(n,_q) | AGL(1,_q) | 1

Numbers are decimal without leading zeros (at most 18 digits); at most :data:`MAX_FACTORS`
factors in all.  ``Z2xZ4``, ``A4xZ5``, ``Z2^3``, ``D5`` (order 10), ``GL(3,2)``,
``perm:(1,2,3)(4,5);(1,2)``, ``perm:`` (the trivial group).  Anything else is refused with the
position and what was expected there:

    >>> parse_group("S3 x Z2").order
    12
    >>> parse_group("perm:(1 2 3);(1 2)")
    Traceback (most recent call last):
    ...
    bilinear.theory.errors.InputError: GROUP: at character 8 of 'perm:(1 2 3);(1 2)': expected ',' or ')' after point 1, found ' '
"""

from __future__ import annotations

import numpy as np

from bilinear.theory.errors import InputError, expected
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.groups.matrix import affine_group_1d, general_linear_group, special_linear_group
from bilinear.theory.groups.named import (alternating_group, cyclic_group, dihedral_group, direct_product, permutation_group, quaternion_group, symmetric_group)
from bilinear.theory.groups.parsing import Scanner, images_of, read_generators

__all__ = ["parse_group", "parse_elements", "GROUP_SYNTAX", "MAX_FACTORS"]

GROUP_SYNTAX = ("Z<n>, C<n>, D<n> (order 2n), Q8, A<n>, S<n>, GL(n,q), SL(n,q), AGL(1,q), "
                "products like A4xZ5, powers like Z2^3, or perm:(1,2,3)(4,5);(1,2)")

#: Largest number of direct factors (counting powers) in one GROUP.
MAX_FACTORS = 64

_ONE_NUMBER = [("Z", cyclic_group), ("C", cyclic_group), ("D", dihedral_group),
               ("A", alternating_group), ("S", symmetric_group)]
_MATRIX = [("AGL(", None), ("GL(", general_linear_group), ("SL(", special_linear_group)]


def _matrix_atom(sc: Scanner, prefix: str, build, max_order: int | None) -> FiniteGroup:
    start = sc.pos - len(prefix)
    n = sc.number("the matrix size n")
    sc.expect(",", f"',' after the matrix size in {prefix}n,q)")
    sc.skip_spaces()
    q = sc.number("the field size q")
    sc.expect(")", f"')' closing {prefix}{n},q)")
    if build is None:
        if n != 1:
            sc.refuse(f"AGL(n,q) is available for n = 1 only, got AGL({n},{q})", at=start)
        return affine_group_1d(q, max_order=max_order)
    return build(n, q, max_order=max_order)


def _atom(sc: Scanner, max_order: int | None) -> FiniteGroup:
    for prefix, build in _MATRIX:
        if sc.accept(prefix):
            return _matrix_atom(sc, prefix, build, max_order)
    if sc.accept("Q8"):
        return quaternion_group()
    for letter, make in _ONE_NUMBER:
        if sc.accept(letter):
            at = sc.pos
            n = sc.number(f"the number n of {letter}<n>")
            if n < 1:
                sc.refuse(f"expected n >= 1 in {letter}<n>, found 0", at=at)
            return make(n, max_order=max_order)
    if sc.peek() == "1" and not sc.text[sc.pos + 1:sc.pos + 2].isdigit():
        sc.pos += 1
        return cyclic_group(1)
    sc.fail(f"a group ({GROUP_SYNTAX})")


def _factors(sc: Scanner, max_order: int | None) -> list[FiniteGroup]:
    factors: list[FiniteGroup] = []
    while True:
        start = sc.pos
        g = _atom(sc, max_order)
        sc.skip_spaces()
        k = 1
        if sc.accept("^"):
            sc.skip_spaces()
            at = sc.pos
            k = sc.number("a power k >= 1")
            if k < 1:
                sc.refuse("expected a power k >= 1, found 0", at=at)
            sc.skip_spaces()
        if len(factors) + k > MAX_FACTORS:
            sc.refuse(f"more than {MAX_FACTORS} direct factors", at=start)
        factors.extend([g] * k)
        if not sc.accept("x"):
            sc.end("'x' between factors, '^' or the end")
            return factors
        sc.skip_spaces()


def parse_group(spec: str, max_order: int | None = None, max_degree: int | None = None) -> FiniteGroup:
    """Build the group named by ``spec`` (see the module docstring); bad input raises
    :class:`~bilinear.theory.errors.InputError` naming the position, a group above ``max_order`` or
    permutations above ``max_degree`` points :class:`~bilinear.theory.errors.OrderLimitError`."""
    sc = Scanner(spec, "GROUP")
    sc.skip_spaces()
    if sc.at_end():
        sc.fail(f"a group name such as S5 or A4xZ5 ({GROUP_SYNTAX})")
    name = "".join(spec.split())          # spaces are only read where removing them joins no tokens
    if sc.accept("perm:"):
        gens = images_of(read_generators(sc), max_degree, name) or [np.zeros(1, dtype=np.int64)]
        return permutation_group(gens, name=name, max_order=max_order)
    factors = _factors(sc, max_order)
    if len(factors) == 1:
        return factors[0]
    return direct_product(*factors, name=name, max_order=max_order)


def parse_elements(G: FiniteGroup, text: str, argument: str = "--alphabet") -> tuple[int, ...]:
    """The element indices named by ``text``: names separated by ``;`` as ``G`` prints them (cycle
    notation for permutation groups, integers for ``Z_n``), ``all`` (every element, in index order) or
    ``generators`` (the group's generators; the identity for the trivial group).  The one parser of
    element lists (``analyze``/``construct --alphabet``, ``recover --alphabet``).

    >>> G = parse_group("S3")
    >>> [G.names[g] for g in parse_elements(G, "(1,2); (1,2,3)")]
    ['(1,2)', '(1,2,3)']
    """
    if not isinstance(text, str):
        raise expected(argument, "element names separated by ';', 'all' or 'generators'", text)
    if text.strip() == "all":
        return tuple(range(G.order))
    if text.strip() == "generators":
        return tuple(G.generators) or (0,)
    names = [s.strip() for s in text.split(";")]
    if not names or any(not s for s in names):
        raise expected(argument, "element names separated by ';', 'all' or 'generators'", text)
    out = []
    for s in names:
        try:
            out.append(G.element(s))
        except (InputError, KeyError, ValueError):
            raise InputError(f"{argument}: {s!r} is not an element of {G.name} "
                             f"(elements look like {', '.join(G.names[:3])})") from None
    return tuple(out)
