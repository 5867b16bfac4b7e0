"""One entry point for the CLI: build the construction of an object at a level (docs/design.md §7, §11)."""

from __future__ import annotations


from theory.automaton import Automaton
from theory.errors import InputError, NotRealizableError
from theory.group import FiniteGroup

from .abelian import pdiag_construction, rdiag_construction, rotation_construction
from .automata import automaton_construction
from .construction import LEVELS, Construction
from .cp import cp_construction
from .regular import permutation_construction, regular_construction

__all__ = ["build", "LEVELS"]

_DIAGONAL = ("cdiag", "rot", "rdiag", "pdiag")


def _automaton(A: Automaton, level: str, block: int | None, minimize: bool) -> Construction:
    if level in ("full", "cp", "block"):
        c = automaton_construction(A, minimize=minimize)
        if level == "cp":
            return cp_construction(c)
        if level == "block":
            H = c.hidden_size
            if block is not None and block != H:
                raise InputError(f"--block: an automaton construction is one block of size |Q| = {H} "
                                 f"(of the {'minimal' if minimize else 'reachable'} machine); got {block}")
            import dataclasses
            return dataclasses.replace(c, level="block", info=dict(c.info, block=H))
        return c
    if level in _DIAGONAL:
        M = (A.minimize() if minimize else A.trim())
        mon = M.transition_monoid()
        if not mon.is_commutative:
            raise NotRealizableError(
                f"automaton {A.name}: two letters act non-commutingly on the states, but {level} transitions "
                "commute, so the words ab and ba would reach the same hidden state while the machine "
                "distinguishes them (commutation barrier)")
        raise InputError(f"level {level}: diagonal constructions are built for groups; for automata use full, "
                         "cp or block")
    raise InputError(f"level {level}: built for groups; for automata use full, cp or block")


def build(target, level: str, block: int | None = None, alphabet="generators", minimize: bool = True) -> Construction:
    """The construction of ``target`` (a :class:`FiniteGroup` or :class:`Automaton`) at ``level``.

    Groups: ``regular`` (|G|), ``permutation`` (a faithful action), ``cdiag``/``rot`` (abelian),
    ``rdiag`` (Z_2^k), ``pdiag`` (trivial), ``full`` (smallest faithful real representation),
    ``block`` (real irreducibles of dimension <= B, default the smallest B that works), ``cp`` (CP
    form of ``full``).  Automata: ``full`` (one-hot, minimised unless ``minimize=False``), ``cp``,
    ``block`` (one block).  Impossible levels raise :class:`NotRealizableError`.
    """
    if level not in LEVELS:
        raise InputError(f"level: expected one of {', '.join(LEVELS)}, got {level!r}")
    if isinstance(target, Automaton):
        return _automaton(target, level, block, minimize)
    if not isinstance(target, FiniteGroup):
        raise InputError(f"target: expected a group or an automaton, got {type(target).__name__}")
    if block is not None and level != "block":
        raise InputError("--block applies to --level block only")
    G = target
    if level == "regular":
        return regular_construction(G, alphabet)
    if level == "permutation":
        return permutation_construction(G, alphabet)
    if level in ("cdiag", "rot"):
        return rotation_construction(G, alphabet, level=level)
    if level == "rdiag":
        return rdiag_construction(G, alphabet)
    if level == "pdiag":
        return pdiag_construction(G, alphabet)
    from .representation import block_construction, faithful_construction
    if level == "full":
        return faithful_construction(G, alphabet)
    if level == "cp":
        return cp_construction(faithful_construction(G, alphabet))
    return block_construction(G, alphabet, block)
