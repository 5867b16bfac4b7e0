"""``meta.source`` of a weight file: what its matrices claim to track (docs/design.md §7), written and
read here only.

Writers: :func:`group_source` (a group and the element of each symbol: the group's ``parse_group`` spec
when that rebuilds it with the same element names, else its Cayley table) and
:func:`automaton_source` (a Moore machine, and whether its reference is the minimised machine).
Readers: :func:`source_kind` (group or automaton), :func:`check_source` (the record's shape, when a file is loaded) and :func:`read_source`
(the group with the element index of each symbol, or the reference machine — minimised or trimmed as
the record says).  The builders, ``bilinear export`` / ``recover`` (:mod:`bilinear.verify.recover.snap`),
the certificate and recovery's reader all go through these.

Example::

    >>> from bilinear.theory.groups.parser import parse_group
    >>> src = group_source(parse_group("Z3"), [1])
    >>> src
    {'kind': 'group', 'group': 'Z3', 'alphabet': ['1']}
    >>> target = read_source(src)
    >>> target.group.name, target.alphabet, target.automaton
    ('Z3', (1,), None)
"""

from __future__ import annotations

from dataclasses import dataclass

from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import InputError
from bilinear.theory.groups.group import FiniteGroup

__all__ = ["MAX_SOURCE_TABLE_ORDER", "SourceTarget", "group_source", "automaton_source", "group_from_source",
           "source_kind", "check_source", "read_source"]

#: Largest Cayley table written to (and read from) ``meta.source`` (its check is cubic in the order;
#: the dense tables a group builds for itself are limited by :data:`bilinear.theory.groups.limits.MAX_TABLE_ORDER`).
MAX_SOURCE_TABLE_ORDER = 2000


def group_source(group: FiniteGroup, alphabet: list[int]) -> dict:
    """A JSON description from which :func:`group_from_source` rebuilds ``group`` with the same
    element names: its ``parse_group`` spec when that round-trips, else its Cayley table."""
    from bilinear.theory.groups.parser import parse_group
    alph = [group.names[a] for a in alphabet]
    try:
        again = parse_group(group.name)
        if again.order == group.order and again.names == group.names:
            return {"kind": "group", "group": group.name, "alphabet": alph}
    except InputError:
        pass
    if group.order > MAX_SOURCE_TABLE_ORDER:
        raise InputError(f"group {group.name}: cannot be written to a weight file (no parse_group spec "
                         "rebuilds it and its Cayley table is too large)")
    return {"kind": "group", "group": group.name, "cayley_table": group.table.tolist(),
            "names": list(group.names), "alphabet": alph}


def automaton_source(automaton: Automaton, minimize: bool = True) -> dict:
    """The record of a Moore machine; the reference is its minimised machine when ``minimize``, else its
    trimmed one."""
    return {"kind": "automaton", "automaton": automaton.to_dict(), "minimize": bool(minimize)}


def group_from_source(source: dict) -> FiniteGroup:
    """The group of a group record (by its spec, or its Cayley table and names)."""
    from bilinear.theory.groups.named import group_from_cayley_table
    from bilinear.theory.groups.parser import parse_group
    if "cayley_table" in source:
        return group_from_cayley_table(source["cayley_table"], names=source["names"], name=source.get("group", "G"))
    return parse_group(source["group"])


def source_kind(src) -> str:
    """``"group"`` or ``"automaton"``: what kind of object the record names."""
    if not isinstance(src, dict) or src.get("kind") not in ("group", "automaton"):
        raise InputError("meta.source: expected {kind: group|automaton, ...}")
    return src["kind"]


def check_source(src) -> None:
    """The record's shape (what :func:`read_source` reads), as one :class:`InputError` naming the field."""
    if source_kind(src) == "automaton":
        if not isinstance(src.get("automaton"), dict) or not isinstance(src.get("minimize", True), bool):
            raise InputError("meta.source: expected {kind: automaton, automaton: {...}, minimize: true|false}")
        return
    alphabet = src.get("alphabet")
    if not isinstance(alphabet, list) or not all(isinstance(a, (str, int)) and not isinstance(a, bool)
                                                 for a in alphabet):
        raise InputError("meta.source.alphabet: expected a list of element names")
    if "cayley_table" in src:
        if not isinstance(src["cayley_table"], list) or not isinstance(src.get("names"), list):
            raise InputError("meta.source: expected cayley_table and names as lists")
        if len(src["cayley_table"]) > MAX_SOURCE_TABLE_ORDER:      # its check is cubic in the order
            raise InputError(f"meta.source.cayley_table: {len(src['cayley_table'])} rows, more than "
                             f"{MAX_SOURCE_TABLE_ORDER} (groups that large are written by their spec)")
    elif not isinstance(src.get("group"), str):
        raise InputError("meta.source.group: expected a group spec (docs/design.md §11)")


@dataclass(frozen=True, eq=False)
class SourceTarget:
    """What a record names: ``group`` and ``alphabet`` (the element index of each symbol), or
    ``automaton`` (the reference machine)."""

    group: FiniteGroup | None = None
    alphabet: tuple[int, ...] | None = None
    automaton: Automaton | None = None


def read_source(src) -> SourceTarget:
    """The group and alphabet, or the reference machine, of a ``meta.source`` record."""
    if source_kind(src) == "automaton":
        machine = Automaton.from_dict(src["automaton"])
        return SourceTarget(automaton=machine.minimize() if src.get("minimize", True) else machine.trim())
    G = group_from_source(src)
    return SourceTarget(group=G, alphabet=tuple(G.element(a) for a in src["alphabet"]))
