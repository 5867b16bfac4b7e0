"""One entry point for the CLI: build the construction of an object at a level (docs/design.md §7, §11).

Construction dispatches through registries keyed by the level names of :mod:`bilinear.theory.hierarchy.levels`: for a
group, ``GROUP_BUILDERS[level]`` maps each method of the level to its builder (the first method is
the default); the group's alphabet and source record are resolved once (:class:`GroupTarget`) before
dispatch and handed to the builder.  Automata have their own registry (``full``, ``block``, ``cp`` by
one-hot states); diagonal levels are refused for them.

Example::

    >>> from bilinear.theory import parse_group
    >>> [build(parse_group("S5"), "full", method=m).hidden_size for m in methods("full")]
    [4, 120, 5]
    >>> build(parse_group("A4xZ5"), "block").shape
    Block(hidden=6, block=3)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import InputError, NotRealizableError, expected, type_of
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.hierarchy.levels import LEVEL_NAMES, check_level_name

from bilinear.constructions.abelian import pdiag_construction, rdiag_construction, rotation_construction
from bilinear.constructions.automata import automaton_construction
from bilinear.constructions.construction import Construction, GroupTarget
from bilinear.constructions.cp import cp_construction
from bilinear.constructions.regular import permutation_construction, regular_construction

__all__ = ["build", "methods", "LEVELS", "GROUP_BUILDERS", "AUTOMATON_BUILDERS"]

#: The level names (from :mod:`bilinear.theory.hierarchy.levels`), re-exported for the CLI.
LEVELS = LEVEL_NAMES

Builder = Callable[..., Construction]


def faithful_construction(target: GroupTarget) -> Construction:
    """:func:`bilinear.constructions.representation.faithful_construction` (imported when used: it loads sympy)."""
    from bilinear.constructions.representation import faithful_construction as build_full
    return build_full(target)


def house_construction(target: GroupTarget, householders: int | None = None,
                       max_sets: int | None = None) -> Construction:
    """:func:`bilinear.constructions.modern.house_construction` (imported when used: it loads sympy)."""
    from bilinear.constructions.modern import house_construction as build_house
    return build_house(target, householders, max_sets)


def mono_construction(target: GroupTarget, max_order: int | None = None) -> Construction:
    """:func:`bilinear.constructions.modern.mono_construction` (imported when used)."""
    from bilinear.constructions.modern import mono_construction as build_mono
    return build_mono(target, max_order)


def block_construction(target: GroupTarget, block: int | None = None) -> Construction:
    """:func:`bilinear.constructions.representation.block_construction` (imported when used: it loads sympy)."""
    from bilinear.constructions.representation import block_construction as build_block
    return build_block(target, block)


#: level -> {method: builder(target: GroupTarget, **params)}; the first method is the default.
GROUP_BUILDERS: dict[str, dict[str, Builder]] = {
    "pdiag": {"identity": pdiag_construction},
    "rdiag": {"characters": rdiag_construction},
    "rot": {"characters": lambda t: rotation_construction(t, level="rot")},
    "cdiag": {"characters": lambda t: rotation_construction(t, level="cdiag")},
    "block": {"representation": lambda t, block=None: block_construction(t, block)},
    "cp": {"representation": lambda t: cp_construction(faithful_construction(t))},
    "full": {"representation": faithful_construction, "regular": regular_construction,
             "permutation": permutation_construction},
    "house": {"reflections": lambda t, householders=None, max_sets=None: house_construction(t, householders,
                                                                                           max_sets)},
    "mono": {"induced": lambda t, max_order=None: mono_construction(t, max_order)},
}
assert tuple(GROUP_BUILDERS) == LEVELS


@dataclass(frozen=True)
class _Machine:
    automaton: Automaton
    minimize: bool


def _automaton_block(m: _Machine, block=None) -> Construction:
    c = automaton_construction(m.automaton, minimize=m.minimize, as_block=True)
    if block is not None and block != c.hidden_size:
        raise InputError(f"--block: an automaton construction is one block of size |Q| = {c.hidden_size} "
                         f"(of the {'minimal' if m.minimize else 'reachable'} machine); got {block}")
    return c


#: level -> {method: builder(machine, **params)} for automata.
AUTOMATON_BUILDERS: dict[str, dict[str, Builder]] = {
    "block": {"one-hot": _automaton_block},
    "cp": {"one-hot": lambda m: cp_construction(automaton_construction(m.automaton, minimize=m.minimize))},
    "full": {"one-hot": lambda m: automaton_construction(m.automaton, minimize=m.minimize)},
}


def methods(level: str, automaton: bool = False) -> tuple[str, ...]:
    """The methods of ``level`` (the first is the default)."""
    table = AUTOMATON_BUILDERS if automaton else GROUP_BUILDERS
    return tuple(table.get(check_level_name(level, "level"), ()))


def _pick(table: dict, level: str, method: str | None, what: str) -> Builder:
    options = table[level]
    if method is None:
        return next(iter(options.values()))
    if method not in options:
        raise InputError(f"--method: level {level} for {what} has the method(s) {', '.join(options)}; got {method!r}")
    return options[method]


def _refuse_diagonal_automaton(A: Automaton, level: str, minimize: bool) -> None:
    M = (A.minimize() if minimize else A.trim())
    if not M.transition_monoid().is_commutative:
        raise NotRealizableError(
            f"automaton {A.name}: two letters act non-commutingly on the states, but {level} transitions "
            "commute, so the words ab and ba would reach the same hidden state while the machine "
            "distinguishes them (commutation barrier)")
    raise InputError(f"level {level}: diagonal constructions are built for groups; for automata use "
                     f"{', '.join(AUTOMATON_BUILDERS)}")


def build(target, level: str, block: int | None = None, alphabet="generators", minimize: bool = True,
          method: str | None = None, householders: int | None = None,
          modern_max_order: int | None = None, house_max_sets: int | None = None) -> Construction:
    """The construction of ``target`` (a :class:`FiniteGroup` or :class:`Automaton`) at ``level``.

    Groups: ``pdiag`` (trivial), ``rdiag`` (Z_2^k), ``rot``/``cdiag`` (abelian), ``block`` (real
    irreducibles of dimension <= B, default the smallest B that works), ``cp`` (CP form of ``full``),
    ``full`` with method ``representation`` (smallest faithful real representation, the default),
    ``regular`` (|G|) or ``permutation`` (a faithful action); ``house`` (Cartan–Dieudonné reflections of
    a faithful orthogonal representation; ``householders`` factors, default the least at the least
    hidden size; ``house_max_sets`` raises the bound on the faithful-set search) and ``mono`` (induced
    ±1 characters; ``modern_max_order`` raises the subgroup-enumeration limit).  Automata: ``full`` (one-hot,
    minimised unless ``minimize=False``), ``cp``, ``block`` (one block).  Impossible levels raise
    :class:`NotRealizableError` naming the theorem.
    """
    check_level_name(level, "level")
    if block is not None and level != "block":
        raise InputError("--block applies to --level block only")
    if householders is not None and level != "house":
        raise InputError("--householders applies to --level house only")
    if modern_max_order is not None and level != "mono":
        raise InputError("--modern-max-order applies to --level mono only (for construct)")
    if house_max_sets is not None and level != "house":
        raise InputError("--house-max-sets applies to --level house only")
    params: dict = {} if block is None else {"block": block}
    if householders is not None:
        params["householders"] = householders
    if modern_max_order is not None:
        params["max_order"] = modern_max_order
    if house_max_sets is not None:
        params["max_sets"] = house_max_sets
    if isinstance(target, Automaton):
        if level in ("house", "mono"):
            raise InputError(f"--level: {level} constructions are built for groups; for automata use "
                             f"{', '.join(AUTOMATON_BUILDERS)}")
        if level not in AUTOMATON_BUILDERS:
            _refuse_diagonal_automaton(target, level, minimize)
        if alphabet not in (None, "generators"):
            raise InputError("--alphabet applies to groups only")
        return _pick(AUTOMATON_BUILDERS, level, method, "automata")(_Machine(target, minimize), **params)
    if not isinstance(target, FiniteGroup):
        raise expected("target", "a group or an automaton", type_of(target))
    builder = _pick(GROUP_BUILDERS, level, method, "groups")
    return builder(GroupTarget.resolve(target, alphabet), **params)
