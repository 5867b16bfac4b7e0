"""HOUSE and MONO constructions of a group (docs/design.md §14).

* ``house``: the faithful set of real irreducibles chosen by :func:`bilinear.theory.hierarchy.house.house_table`
  (at the least hidden size, or the least hidden size allowing ``householders`` factors), assembled
  exactly as the full construction does (``A_σ = ρ(σ)ᵀ``, orthogonal), then every ``A_σ`` written as a
  product of ``rank(A_σ - I)`` reflections by Cartan–Dieudonné (:mod:`bilinear.theory.arith.cartan_dieudonne`) and
  padded with ``β = 0`` factors to ``householders``.  Exact wherever the irreducibles have exact
  orthogonal models (the decomposition itself needs no square root: a reflection ``I - 2 k kᵀ`` is
  ``I - c w wᵀ`` with ``c = 2/(wᵀw)``); numeric (float64) otherwise.
* ``mono``: ``⊕ Ind_K^G λ`` over the summands of :func:`bilinear.theory.hierarchy.mono.monomial_degree`, signed
  permutation matrices with integer entries, ``A_σ = ρ(σ)ᵀ``, ``h0 = (1, 2, ..., H)`` (a signed
  permutation is determined by its image of a vector with distinct non-zero absolute values, so the
  states of a faithful ρ are distinct), readout rows ``R_g = φ(g)ᵀ``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from bilinear.theory.arith.cartan_dieudonne import (dense_from_sparse, float_factors_product, reflection_factors, reflection_factors_float, to_float)
from bilinear.theory.errors import MathematicalError, NotRealizableError, expected
from bilinear.theory.arith.field_matrices import Columns, SparseMatrix
from bilinear.theory.hierarchy.house import house_table
from bilinear.theory.hierarchy.levels import House, Mono
from bilinear.theory.hierarchy.mono import induced_monomial_matrices, monomial_degree
from bilinear.theory.arith.number_field import RATIONALS

from bilinear.constructions.construction import ExactConstruction, GroupTarget, HouseFactors
from bilinear.constructions.representation import _build, exact_readout, tracked_subgroup

__all__ = ["house_construction", "mono_construction"]

_HOUSE_THEOREM = ("house.cartan_dieudonne: each orthogonal A_σ = ρ(σ)^T is a product of rank(A_σ - I) reflections "
                  "(β = 2), padded with β = 0 factors")


def _fraction_list(a) -> list[str]:
    return [str(c) for c in a]


def _exact_factor(F, w, c, H: int) -> dict:
    wf = np.array([to_float(F, x) for x in w])
    return {"k": (wf / np.linalg.norm(wf)).tolist(), "beta": 2.0,
            "exact": {"beta": "2", "c": _fraction_list(c), "w": [_fraction_list(x) for x in w]}}


def _padding(H: int, exact: bool) -> dict:
    k = [1.0] + [0.0] * (H - 1)
    return {"k": k, "beta": 0.0, "exact": {"beta": "0", "c": None, "w": None} if exact else None}


def house_construction(target: GroupTarget, householders: int | None = None, max_sets: int | None = None):
    """HOUSE(H, n_h): the full construction on the chosen faithful set, factored into reflections.

    Formula: ``A_σ = ∏_{j < n_h} (I - β_j k_j k_jᵀ)`` with the first ``rank(ρ(σ) - I)`` factors the
    Cartan–Dieudonné reflections of ``ρ(σ)ᵀ`` and the rest ``β = 0``.  Hidden size: the least
    faithful real dimension when ``householders`` is not given (with the least n_h there), else the
    least H at which ``householders`` factors suffice.  ``max_sets`` bounds the faithful-set search
    (:func:`~bilinear.theory.hierarchy.house.house_table`, ``--house-max-sets``).  Theorems: ``house.cartan_dieudonne`` (upper),
    ``house.fixed_hyperplanes`` (lower; refusal when no H works).

    >>> from bilinear.theory import parse_group
    >>> c = house_construction(GroupTarget.resolve(parse_group("S3"), "all"))
    >>> c.shape, c.field_name
    (House(hidden=2, householders=2), 'Q(sqrt(3))')
    """
    if householders is not None and (isinstance(householders, bool) or not isinstance(householders, int)
                                     or householders < 1):
        raise expected("--householders", "a positive integer", householders)
    G = target.group
    S, alph_S = tracked_subgroup(G, list(target.alphabet))
    table = house_table(S, alph_S, max_sets)
    option = table.options[0] if householders is None else table.option_at_householders(householders)
    if option is None:
        raise NotRealizableError(
            f"{S.name} over this alphabet: no hidden size tracks it with {householders} Householder factor(s): every "
            f"faithful real representation has a symbol with rank(ρ(σ) - I) > {householders} (the least possible is "
            f"{table.min_householders}) and a product of n_h factors fixes a subspace of codimension <= n_h "
            "(house.fixed_hyperplanes)")
    n = option.householders if householders is None else householders
    base = _build(target, "full", None, irreps=option.irreps)
    H = base.hidden_size
    if H != option.hidden:
        raise MathematicalError(f"house: the representation has dimension {H}, the classification says {option.hidden}")
    factors = []
    if isinstance(base, ExactConstruction):
        F = base.field
        for A in base.transitions:
            fs = reflection_factors(F, dense_from_sparse(A), limit=n)
            factors.append(tuple(_exact_factor(F, w, c, H) for w, c in fs) + (_padding(H, True),) * (n - len(fs)))
    else:
        for A in base.A:
            nfs = reflection_factors_float(A)
            if len(nfs) > n:
                raise MathematicalError(f"house: a transition needs {len(nfs)} > {n} reflections")
            if np.max(np.abs(float_factors_product(H, nfs) - A)) > 1e-9:
                raise MathematicalError("house: the numeric reflections do not reproduce the transition")
            factors.append(tuple({"k": k.tolist(), "beta": b, "exact": None} for k, b in nfs)
                           + (_padding(H, False),) * (n - len(nfs)))
    return replace(base, shape=House(hidden=H, householders=n), method="reflections", theorem=_HOUSE_THEOREM,
                   house=HouseFactors(n, tuple(factors)))


def mono_construction(target: GroupTarget, max_order: int | None = None) -> ExactConstruction:
    """MONO(H): signed permutation matrices of a faithful monomial representation of least degree.

    Formula: ``A_σ = ρ(σ)ᵀ`` with ``ρ = ⊕ Ind_{K_i}^G λ_i`` (±1 characters λ_i whose kernels have cores
    meeting in {e}), ``h0 = (1, ..., H)``, readout rows ``R_g = φ(g)ᵀ``.  Hidden size: the least degree
    of a faithful ±1-monomial representation (``mono.characterisation``).  Refused above the
    subgroup-enumeration limit (``max_order``, ``--modern-max-order``).

    >>> from bilinear.theory import parse_group
    >>> c = mono_construction(GroupTarget.resolve(parse_group("Q8")))
    >>> c.shape, c.field_name
    (Mono(hidden=4), 'Z')
    """
    G = target.group
    S, alph_S = tracked_subgroup(G, list(target.alphabet))
    d = monomial_degree(S, max_order)
    H = d.degree
    if S.order == 1:
        mats = [np.eye(1, dtype=np.int64) for _ in alph_S]
    else:
        mats = [M.T for M in induced_monomial_matrices(S, d.summands, alph_S)]
    transitions = tuple(SparseMatrix.from_dense_ints(RATIONALS, M) for M in mats)
    h0 = np.zeros((1, H, 1), dtype=np.int64)
    h0[0, :, 0] = np.arange(1, H + 1)
    start = Columns(RATIONALS, h0, np.ones(1, dtype=np.int64))
    labels = tuple(S.names)
    R = exact_readout(RATIONALS, G, transitions, start, labels, target.alphabet_names)
    summands = tuple((("degree", s.degree), ("character_order", s.character_order),
                      ("K_order", bin(s.K).count("1")), ("kernel_order", bin(s.kernel).count("1")))
                     for s in d.summands)
    return ExactConstruction(shape=Mono(hidden=H), method="induced",
                             theorem="mono.characterisation: a faithful sum of representations induced from ±1 "
                                     "characters, signed permutation matrices",
                             labels=labels, alphabet=target.alphabet_names, source=target.source,
                             monomial=summands, field=RATIONALS, transitions=transitions, h0=start, readout=R)
