r"""Depth for automata (docs/design.md §4): the depth column of a Moore machine.

Let ``M`` be the minimal machine (reachable states, Moore-equivalent states merged).  Its transition
monoid is the syntactic monoid of the machine's output function (for a reachable reduced machine,
``δ(., u) = δ(., v)`` iff no context tells ``u`` from ``v``), so it divides the transition monoid of
every machine computing the same outputs — in particular of every exact bilinear tracker, one layer or
a cascade.

* **The monoid is a group** ``G`` (every letter permutes the states).  Then the depth of ``M`` at a
  level is the depth of ``G`` (:mod:`bilinear.theory.hierarchy.depth`): a cascade tracking ``G`` over the
  letters' permutations followed by the output lookup ``g -> λ(q_0 · g)`` tracks ``M`` (upper bound),
  and ``G`` divides any tracker's monoid, so the cited cascade theorem bounds the depth from below
  (the class of groups with a series of length ``k`` and factors in a variety is closed under
  subgroups and quotients).
* **Otherwise** the monoid has non-group (aperiodic) parts.  By Krohn–Rhodes such a monoid needs reset
  (flip-flop) components besides groups, and a reset merges states: a layer ``h -> A(x) h`` can do that
  only through a singular ``A(x)``, and the toolkit's exact trackers of resets use an affine term
  (``affine.as_bilinear``: an affine layer is a bilinear layer of size ``H + 1`` with a constant
  coordinate).  Which diagonal cascades track such a machine is not decided here: those rows say
  ``unknown`` rather than guess.  ``block``, ``cp`` and ``full`` track every machine with one layer
  (``fsm_simulation.one_hot``); ``house`` and ``mono`` are built for groups only, so they are ``unknown``
  for non-group monoids.

Example::

    >>> from bilinear.theory.automata.automaton import Automaton
    >>> from bilinear.theory.groups.parser import parse_group
    >>> rows = automaton_depths(Automaton.from_group(parse_group("S3")))
    >>> [(r.level, r.depth, r.status) for r in rows][:4]
    [('pdiag', None, 'infinite'), ('rdiag', None, 'infinite'), ('rot', 2, 'exact'), ('cdiag', 2, 'exact')]
"""

from __future__ import annotations

from dataclasses import dataclass

from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import InputError, expected, type_of
from bilinear.theory.hierarchy.depth import INFINITY, least_depth
from bilinear.theory.hierarchy.levels import LEVEL_NAMES, LEVELS, check_level_name

__all__ = ["AutomatonDepth", "automaton_depths", "automaton_depth_report", "UNKNOWN"]

#: How an undetermined depth is printed.
UNKNOWN = "?"
_STATUSES = ("exact", "infinite", "unknown")
_ONE_HOT = ("block", "cp", "full")


@dataclass(frozen=True)
class AutomatonDepth:
    """One level's depth for a machine: ``status`` ``exact`` (``depth`` is the least number of layers),
    ``infinite`` (no depth works) or ``unknown`` (not determined; ``reason`` says what is known)."""

    level: str
    depth: int | None
    status: str
    reason: str

    def __post_init__(self):
        check_level_name(self.level, "level")
        if self.status not in _STATUSES:
            raise expected("status", f"one of {', '.join(_STATUSES)}", self.status)
        if (self.depth is not None) != (self.status == "exact"):
            raise InputError(f"level {self.level}: a depth is given exactly when the status is exact")

    @property
    def cell(self) -> str:
        return str(self.depth) if self.depth is not None else INFINITY if self.status == "infinite" else UNKNOWN

    def to_json(self) -> dict:
        return {"level": self.level, "depth": self.depth, "status": self.status, "reason": self.reason}


def _transition_group(M: Automaton):
    from bilinear.theory.groups.named import permutation_group
    images = [M.delta[:, a] for a in range(M.num_symbols)]
    return permutation_group(images, name=f"transition group of {M.name}")


def automaton_depths(A: Automaton, minimize: bool = True) -> tuple[AutomatonDepth, ...]:
    """The depth of every level for the machine ``A`` (minimised unless ``minimize=False``; module
    docstring)."""
    if not isinstance(A, Automaton):
        raise expected("A", "an Automaton", type_of(A))
    M = A.minimize() if minimize else A.trim()
    monoid = M.transition_monoid()
    rows = []
    if monoid.is_group:
        G = _transition_group(M)
        for level in LEVEL_NAMES:
            d = least_depth(G, level)
            why = f"the transition monoid is a group of order {G.order}: {d.reason}"
            rows.append(AutomatonDepth(level, d.depth, "exact" if d.depth is not None else "infinite", why))
        return tuple(rows)
    for level in LEVEL_NAMES:
        if level in _ONE_HOT:
            rows.append(AutomatonDepth(level, 1, "exact", "one-hot states track every Moore machine with one layer "
                                                          "(fsm_simulation.one_hot)"))
        elif LEVELS[level].one_layer_verbal is not None:
            rows.append(AutomatonDepth(level, None, "unknown",
                                       f"the transition monoid ({monoid.size} elements) is not a group: its aperiodic "
                                       "part needs resets (Krohn–Rhodes), which a layer h -> A(x) h makes only with "
                                       "a singular A(x); exact resets here use an affine term (affine.as_bilinear); "
                                       "the depth of diagonal cascades is not determined"))
        else:
            rows.append(AutomatonDepth(level, None, "unknown", f"the transition monoid is not a group, and {level} "
                                                               "constructions are built for groups only"))
    return tuple(rows)


def automaton_depth_report(A: Automaton, minimize: bool = True) -> dict:
    """What ``bilinear analyze --automaton`` prints: the minimal machine's size, its monoid, and the
    depth of every level."""
    M = A.minimize() if minimize else A.trim()
    monoid = M.transition_monoid()
    return {"automaton": A.name, "states": M.num_states, "symbols": M.num_symbols, "minimized": minimize,
            "transition_monoid": {"size": monoid.size, "is_group": monoid.is_group,
                                  "is_aperiodic": monoid.is_aperiodic, "is_commutative": monoid.is_commutative},
            "levels": [r.to_json() for r in automaton_depths(A, minimize)]}
