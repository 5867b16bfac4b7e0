"""``parse_group``: the GROUP argument of the CLI (docs/design.md §11).

Grammar (whitespace ignored)::

    GROUP   := 'perm:' CYCLES (';' CYCLES)*   |   FACTOR ('x' FACTOR)*
    FACTOR  := ATOM ('^' k)?                    # power = direct product of k copies
    ATOM    := Z<n> | C<n> | D<n> | Q8 | A<n> | S<n> | GL(n,q) | SL(n,q) | AGL(1,q) | 1

``Z2xZ4``, ``A4xZ5``, ``Z2^3``, ``D5`` (order 10), ``GL(3,2)``, ``perm:(1,2,3)(4,5);(1,2)``.
"""

from __future__ import annotations

import re

from .errors import InputError
from .group import FiniteGroup
from .matrix_groups import affine_group_1d, general_linear_group, special_linear_group
from .named_groups import (alternating_group, cyclic_group, dihedral_group, direct_product,
                           group_from_generator_string, quaternion_group, symmetric_group)

__all__ = ["parse_group", "GROUP_SYNTAX"]

GROUP_SYNTAX = ("Z<n>, C<n>, D<n> (order 2n), Q8, A<n>, S<n>, GL(n,q), SL(n,q), AGL(1,q), "
                "products like A4xZ5, powers like Z2^3, or perm:(1,2,3)(4,5);(1,2)")

_ATOMS = [
    (re.compile(r"[ZC](\d+)"), lambda m, lim: cyclic_group(int(m[1]), max_order=lim)),
    (re.compile(r"D(\d+)"), lambda m, lim: dihedral_group(int(m[1]), max_order=lim)),
    (re.compile(r"Q8"), lambda m, lim: quaternion_group()),
    (re.compile(r"A(\d+)"), lambda m, lim: alternating_group(int(m[1]), max_order=lim)),
    (re.compile(r"S(\d+)"), lambda m, lim: symmetric_group(int(m[1]), max_order=lim)),
    (re.compile(r"GL\((\d+),(\d+)\)"), lambda m, lim: general_linear_group(int(m[1]), int(m[2]), max_order=lim)),
    (re.compile(r"SL\((\d+),(\d+)\)"), lambda m, lim: special_linear_group(int(m[1]), int(m[2]), max_order=lim)),
    (re.compile(r"AGL\(1,(\d+)\)"), lambda m, lim: affine_group_1d(int(m[1]), max_order=lim)),
    (re.compile(r"1"), lambda m, lim: cyclic_group(1)),
]


def _split_top_level(s: str, sep: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _atom(text: str, spec: str, max_order: int | None) -> FiniteGroup:
    for pattern, build in _ATOMS:
        m = pattern.fullmatch(text)
        if m:
            return build(m, max_order)
    raise InputError(f"GROUP: unknown group {text!r} in {spec!r}; expected {GROUP_SYNTAX}")


def parse_group(spec: str, max_order: int | None = None) -> FiniteGroup:
    """Build the group named by ``spec`` (see the module docstring); bad input raises :class:`InputError`."""
    if not isinstance(spec, str) or not spec.strip():
        raise InputError(f"GROUP: expected a group name such as S5 or A4xZ5, got {spec!r}")
    s = re.sub(r"\s+", "", spec)
    if s.startswith("perm:"):
        return group_from_generator_string(s[len("perm:"):], name=s, max_order=max_order)
    factors = []
    for piece in _split_top_level(s, "x"):
        if not piece:
            raise InputError(f"GROUP: empty factor in {spec!r}; expected factors separated by 'x'")
        base, _, power = piece.partition("^")
        if power and not re.fullmatch(r"\d+", power) or power == "0":
            raise InputError(f"GROUP: bad power {power!r} in {spec!r}; expected a positive integer")
        g = _atom(base, spec, max_order)
        factors.extend([g] * (int(power) if power else 1))
    if len(factors) == 1:
        return factors[0]
    return direct_product(*factors, name=s, max_order=max_order)
