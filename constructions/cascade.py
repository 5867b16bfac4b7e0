r"""Cascade constructions: ``k`` layers of a diagonal level that track a solvable group exactly
(docs/design.md §7, depth).

Let ``G = N_0 ⊵ N_1 ⊵ ... ⊵ N_k = {e}`` be the greedy series of the level
(:func:`bilinear.theory.hierarchy.depth.least_depth`: the derived series for ``rot`` / ``cdiag``, the
square series for ``rdiag``); every ``N_i`` is characteristic in ``G``, and the factors
``Q_i = N_{i-1} / N_i`` lie in the level's one-layer class.  Fix coset representatives ``t_i(c)`` of
``N_i`` in ``N_{i-1}`` (the smallest element of each coset) and write every ``g`` uniquely as

    ``g = n_i · P_i(g)``,  ``P_i(g) = t_i(c_i) t_{i-1}(c_{i-1}) ··· t_1(c_1)``,  ``n_i ∈ N_i``,

where ``c_i(g) ∈ Q_i`` is the coset of ``n_{i-1} = g P_{i-1}(g)^{-1}`` (``n_0 = g``, ``P_0 = e``).  After
a token ``a`` (``g -> g a``, the group's product convention) the lower coordinates change to those of
``g a``, and

    ``n_{i-1}(g a) = n_{i-1}(g) · y_i``,  ``y_i = P_{i-1}(g) · a · P_{i-1}(g a)^{-1} ∈ N_{i-1}``,

so ``c_i(g a) = c_i(g) · (y_i N_i)``: a *right translation* of ``Q_i`` by an element that depends only
on the token and on ``g a N_{i-1}``, i.e. on the token and the *new* states ``c_1 .. c_{i-1}`` of the
layers below (``g a N_{i-1} = P_{i-1}(g a) N_{i-1}`` determines ``g N_{i-1}``, hence ``P_{i-1}(g)``).
Layer ``i`` is therefore the level's one-layer construction of the abelian group ``Q_i``
(:mod:`bilinear.constructions.abelian`, at its smallest hidden size) over the alphabet of the
elements ``y_i N_i`` that occur, and between layers an exact decoder: the argmax of each lower layer's
readout (a label of ``Q_j``) followed by a one-hot lookup ``inputs_i[token, c_1, ..., c_{i-1}]`` (the
layer's symbol).  The output is the lookup ``output[c_1, ..., c_k]``: the element
``P_k = t_k(c_k) ··· t_1(c_1) = g``.

:func:`cascade_construction` builds it; :mod:`bilinear.constructions.cascade_file` writes, reads and
certifies the file.  Groups that no cascade of the level tracks are refused with the reason
(:class:`~bilinear.theory.errors.NotRealizableError`: A5 at every diagonal level).

Example::

    >>> from bilinear.theory import parse_group
    >>> c = cascade_construction(GroupTarget.resolve(parse_group("S3")), "cdiag")
    >>> [layer.construction.hidden_size for layer in c.layers], c.series.orders
    ([2, 2], (6, 3, 1))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from bilinear.theory.errors import InputError, MathematicalError, NotRealizableError, expected, type_of
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.groups.named import group_from_cayley_table
from bilinear.theory.groups.series import Series
from bilinear.theory.hierarchy.depth import least_depth
from bilinear.theory.hierarchy.levels import LEVELS, check_level_name

from bilinear.constructions.abelian import pdiag_construction, rdiag_construction, rotation_construction
from bilinear.constructions.construction import ExactConstruction, GroupTarget
from bilinear.constructions.source import group_source

__all__ = ["CascadeLayer", "Cascade", "cascade_construction", "CASCADE_LEVELS", "LAYER_BUILDERS"]

#: The one-layer builder of each level that has a depth above 1 for some group (the diagonal levels).
LAYER_BUILDERS: dict[str, Callable[[GroupTarget], ExactConstruction]] = {
    "pdiag": pdiag_construction,
    "rdiag": rdiag_construction,
    "rot": lambda t: rotation_construction(t, level="rot"),
    "cdiag": lambda t: rotation_construction(t, level="cdiag"),
}
#: The levels ``--layers`` applies to (every other level tracks every group with one layer).
CASCADE_LEVELS = tuple(LAYER_BUILDERS)
assert all(LEVELS[lv].one_layer_verbal is not None for lv in CASCADE_LEVELS)


@dataclass(frozen=True, eq=False)
class CascadeLayer:
    """Layer ``i``: ``construction`` (one layer tracking the factor ``Q_i`` over its own alphabet) and
    ``inputs`` (int64, shape ``(D, K_1, ..., K_{i-1})``: the layer's symbol for the token and the labels
    decoded from the layers below, as positions in their ``labels``)."""

    construction: ExactConstruction
    inputs: np.ndarray

    def __post_init__(self):
        if not isinstance(self.construction, ExactConstruction):
            raise expected("construction", "an ExactConstruction", type_of(self.construction))
        inp = np.asarray(self.inputs)
        if inp.dtype != np.int64 or inp.ndim < 1 or inp.size == 0:
            raise expected("inputs", "a non-empty int64 table", type_of(self.inputs))
        if inp.min() < 0 or inp.max() >= len(self.construction.alphabet):
            raise InputError(f"inputs: symbols must lie in 0..{len(self.construction.alphabet) - 1}")


@dataclass(frozen=True, eq=False)
class Cascade:
    """A cascade of ``level`` tracking ``target``: ``layers`` (first = bottom), ``output`` (int64, shape
    ``(K_1, ..., K_k)``: the index into ``labels`` of the tracked element) and the ``series`` it follows."""

    level: str
    target: GroupTarget
    layers: tuple[CascadeLayer, ...]
    output: np.ndarray
    series: Series

    def __post_init__(self):
        check_level_name(self.level)
        if not self.layers:
            raise InputError("layers: a cascade has at least one layer")
        sizes = tuple(len(layer.construction.labels) for layer in self.layers)
        if np.asarray(self.output).shape != sizes:
            raise expected("output", f"a table of shape {sizes}", np.asarray(self.output).shape)
        D = len(self.target.alphabet)
        for i, layer in enumerate(self.layers):
            if layer.construction.level != self.level:
                raise InputError(f"layer {i + 1}: level {layer.construction.level}, the cascade's is {self.level}")
            if layer.inputs.shape != (D,) + sizes[:i]:
                raise expected(f"layer {i + 1} inputs", f"a table of shape {(D,) + sizes[:i]}", layer.inputs.shape)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.target.group.names)

    @property
    def hidden_sizes(self) -> tuple[int, ...]:
        return tuple(layer.construction.hidden_size for layer in self.layers)

    def summary(self) -> dict:
        """What ``bilinear construct --layers --json`` prints."""
        return {"level": self.level, "layers": len(self.layers), "hidden_sizes": list(self.hidden_sizes),
                "symbols": len(self.target.alphabet), "labels": len(self.labels),
                "layer_symbols": [len(layer.construction.alphabet) for layer in self.layers],
                "fields": [layer.construction.field_name for layer in self.layers],
                "series": self.series.to_json()}


def _factor(G: FiniteGroup, N: np.ndarray, M: np.ndarray, name: str):
    """``Q = N / M``: the representatives (smallest element of each coset), the coset index of every
    element of ``G`` (``-1`` outside ``N``) and ``Q`` as a group whose element ``j`` is the coset of
    representative ``j`` (named after it)."""
    reps_of = G.mul(N[:, None], M[None, :]).min(axis=1)          # n M = M n (M is normal)
    reps = np.unique(reps_of)
    index = np.full(G.order, -1, dtype=np.int64)
    index[N] = np.searchsorted(reps, reps_of)
    table = index[G.mul(reps[:, None], reps[None, :])]
    if np.any(table < 0):
        raise MathematicalError(f"{G.name}: a product of coset representatives left the subgroup")
    names = [G.names[int(r)] for r in reps]
    Q = group_from_cayley_table(table.tolist(), names=names, name=name)
    if tuple(Q.names) != tuple(names):
        raise MathematicalError(f"{name}: the factor group does not keep the order of its cosets")
    return reps, index, Q


def cascade_construction(target: GroupTarget, level: str, layers: int | None = None) -> Cascade:
    """The least-depth cascade of ``level`` for ``target`` (module docstring).  ``layers`` is a budget:
    refused (:class:`NotRealizableError`) when the least depth exceeds it or no depth works."""
    check_level_name(level)
    if level not in LAYER_BUILDERS:
        raise InputError(f"--layers: applies to the levels {', '.join(CASCADE_LEVELS)}; level {level} tracks every "
                         "group with one layer")
    G, alph = target.group, np.asarray(target.alphabet, dtype=np.int64)
    d = least_depth(G, level)
    if d.depth is None:
        raise NotRealizableError(f"{G.name} at level {level}: no cascade of any depth tracks it: {d.reason}")
    if layers is not None and d.depth > layers:
        raise NotRealizableError(f"{G.name} at level {level}: needs {d.depth} layers, more than --layers {layers} "
                                 f"(depth lower bound, depth.lower_bound): {d.reason}")
    assert d.series is not None
    members = list(d.series.members)
    if len(members) == 1:                                    # the trivial group: one layer tracking {e}
        members.append(members[0])
    k = len(members) - 1
    every = np.arange(G.order, dtype=np.int64)
    n = every.copy()                                          # n_{i-1}(g), from n_0 = g
    P = [np.zeros(G.order, dtype=np.int64)]                   # P_i(g), from P_0 = e
    built: list[CascadeLayer] = []
    labelled: list[np.ndarray] = []                           # per layer j: g -> position of c_j(g) in its labels
    for i in range(1, k + 1):
        reps, index, Q = _factor(G, members[i - 1], members[i], f"{G.name} factor {i} of {k}")
        c = index[n]                                          # c_i(g)
        if np.any(c < 0):
            raise MathematicalError(f"{G.name}: layer {i}: n_{i - 1} left N_{i - 1}")
        # the symbol of (g, a): y_i = P_{i-1}(g) a P_{i-1}(g a)^-1, as a coset of N_i
        ga = G.mul(every[:, None], alph[None, :])                                 # (|G|, D)
        y = G.mul(G.mul(P[-1][:, None], alph[None, :]), G.inverses[P[-1][ga]])
        q = index[y]
        if np.any(q < 0):
            raise MathematicalError(f"{G.name}: layer {i}: a symbol left N_{i - 1}")
        symbols = np.unique(q)
        layer_target = GroupTarget(Q, tuple(int(s) for s in symbols), group_source(Q, [int(s) for s in symbols]))
        con = LAYER_BUILDERS[level](layer_target)
        pos_of_name = {s: j for j, s in enumerate(con.labels)}
        if set(pos_of_name) != set(Q.names):
            raise MathematicalError(f"{G.name}: layer {i} does not reach every coset of its factor")
        pos = np.array([pos_of_name[s] for s in Q.names], dtype=np.int64)        # Q element -> label position
        sizes = tuple(len(layer.construction.labels) for layer in built)
        table = np.full((len(alph),) + sizes, -1, dtype=np.int64)
        sym = np.searchsorted(symbols, q)                                          # (|G|, D) symbol positions
        for a in range(len(alph)):
            key = (np.full(G.order, a),) + tuple(lab[ga[:, a]] for lab in labelled)
            old = table[key]
            if np.any((old >= 0) & (old != sym[:, a])):
                raise MathematicalError(f"{G.name}: layer {i}: the symbol is not a function of the token and the "
                                        "states below")
            table[key] = sym[:, a]
        if np.any(table < 0):
            raise MathematicalError(f"{G.name}: layer {i}: an input of the lookup table is never reached")
        built.append(CascadeLayer(con, table))
        labelled.append(pos[c])
        n = G.mul(n, G.inverses[reps[c]])                     # n_i = n_{i-1} t_i(c_i)^-1
        P.append(G.mul(reps[c], P[-1]))                       # P_i = t_i(c_i) P_{i-1}
    if np.any(n != 0) or not np.array_equal(P[-1], every):
        raise MathematicalError(f"{G.name}: the coordinates do not rebuild the element")
    output = np.full(tuple(len(layer.construction.labels) for layer in built), -1, dtype=np.int64)
    output[tuple(labelled)] = every
    if np.any(output < 0):
        raise MathematicalError(f"{G.name}: the output table has a cell no element reaches")
    return Cascade(level, target, tuple(built), output, d.series)
