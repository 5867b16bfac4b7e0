r"""Containments of the hierarchy (docs/design.md §4) as explicit parameter maps checked as sympy identities.

Each containment ``L(H) ⊂ L'(H')`` is a :class:`ParameterMap`: a function from the parameters of a
model of the source level to the parameters of a model of the target level, and a state embedding
``E`` (an ``H' x H`` matrix with orthonormal columns; the identity when ``H' = H``).  The claim is the
intertwining identity

    A'(x) E = E A(x)            for every x in R^D (so in particular for every one-hot input),

with ``h0' = E h0`` and readout ``R' = R E^T``.  By induction ``h'_T = E h_T`` for every word, and
``R' h'_T = R E^T E h_T = R h_T``: the target model computes exactly the same scores, hence the same
outputs, at every length.  :func:`check_parameter_map` builds both matrices with symbolic
parameters and a symbolic input ``x``, applies the map, and verifies that every entry of
``A'(x) E - E A(x)`` expands to 0 (the entries are polynomials in the symbols and in ``exp``/``cos``/
``sin`` of symbols, so expansion decides the identity); it also checks ``E^T E = I``, that the mapped
parameters have exactly the shapes of the target level (so the parameter budget, e.g.
``R = min(H^2, HD)``, is part of the check) and that they are expressions in the source parameters
only.  Constraints of the source level are part of the statement and are checked too: its declared
structure (:mod:`bilinear.theory.hierarchy.structure`) on every ``A(e_k)`` — PDIAG entries ``exp(theta)``
are positive (sympy's assumptions), ROT blocks are ``[[a, -b], [b, a]]`` with ``a^2 + b^2 = 1``
(rotations, by ``trigsimp``).  That check runs on a finite grid of sizes (every ``H <= 6``, ``D <= 3``
and every block size / rank the map needs): it tests the code's assembled maps, and the test suite runs it.

**The proof for every size** is :func:`prove_containment`, what ``bilinear prove`` runs: every map here
applies a *unit map* to each unit (an entry, a 2x2 block, a B x B block, one symbol's matrix) and places
the images block by block, so the statement reduces to the unit identity (a finite symbolic computation,
:mod:`bilinear.theory.theorems.containment_units`), the lemmas on block matrices of symbolic sizes and the
induction on word length (:mod:`bilinear.theory.theorems.reduction`).  The two CP maps are proved
entrywise with symbolic sizes and indices.  Every map is proved for all sizes except
``rdiag_in_house``, whose identity covers entries in [-1, 1]; its rescaling by a positive scale per
symbol rests on ``scale_invariance.normalisation`` (checked on a finite range), so it reports
``checked``.

Example::

    >>> details = check_parameter_map(MAPS["pdiag_in_rdiag"], grid=[{"H": 2, "D": 2}])
    >>> details["cases"]
    1
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Iterable

import sympy

from bilinear.theory.errors import InputError, MathematicalError
from bilinear.theory.theorems.base import CheckKind, Theorem
from bilinear.theory.theorems.containment_units import REDUCTIONS, prove_reduction
from bilinear.theory.theorems.containment_units import WHERE as UNITS_WHERE
from bilinear.theory.theorems.reduction import LEMMAS
from bilinear.theory.theorems.reduction import WHERE as LEMMA_WHERE
from bilinear.theory.hierarchy import levels as declared
from bilinear.theory.theorems.model_classes import (LEVELS, SymbolicEntries, block_diagonal, rdiag1_entries,
                                                   symbol_vector)

__all__ = ["ParameterMap", "MAPS", "THEOREMS", "check_parameter_map", "prove_containment", "default_grid", "MAX_H",
           "MAX_D"]

MAX_H = 6
MAX_D = 3


@dataclass(frozen=True)
class ParameterMap:
    """An explicit map from source-level parameters to target-level parameters."""

    key: str
    source: str
    target: str
    containment: str          # e.g. "PDIAG(H) ⊂ RDIAG(H)"
    latex: str
    description: str          # the map in words
    argument: str             # the general proof
    target_sizes: Callable[[dict], dict]
    apply: Callable[[dict, dict], dict]
    grid: Callable[[], Iterable[dict]]
    embedding: Callable[[dict], sympy.Matrix] | None = None


# ----------------------------------------------------------------------------------------- grids
def default_grid(max_h: int = MAX_H, max_d: int = MAX_D, even: bool = False):
    return [{"H": H, "D": D} for H in range(1, max_h + 1) for D in range(1, max_d + 1)
            if not (even and H % 2)]


def _divisor_grid():
    return [{"H": H, "B": B, "D": D} for H in range(1, MAX_H + 1) for B in range(1, H + 1) if H % B == 0
            for D in range(1, MAX_D + 1)]


def _block_pair_grid():
    return [{"H": H, "B": B, "B2": B2, "D": D} for H in range(1, MAX_H + 1)
            for B in range(1, H + 1) for B2 in range(B + 1, H + 1) if H % B2 == 0 and B2 % B == 0
            for D in range(1, MAX_D + 1)]


def _unit_vector(n: int, i: int) -> sympy.Matrix:
    v = sympy.zeros(n, 1)
    v[i] = 1
    return v


# ------------------------------------------------------------------------------------ the maps
# Every map applies the unit map of its reduction (containment_units.REDUCTIONS) to each unit and
# places the images block by block: the unit map is the object the proof is about.
def _unit(key: str):
    return REDUCTIONS[key].unit_map


def _pdiag_to_rdiag(p, s):
    return {"V": p["theta"].applyfunc(_unit("pdiag_in_rdiag"))}


def _rdiag_to_block(p, s):
    H, B, D = s["H"], s["B"], s["D"]
    V, unit = p["V"], _unit("rdiag_in_block")
    return {"blocks": [[block_diagonal(unit(V[b * B + i, k]) for i in range(B)) for k in range(D)]
                       for b in range(H // B)]}


def _pairs(M: sympy.Matrix, unit) -> dict:
    images = [[unit(M[i, k]) for k in range(M.cols)] for i in range(M.rows)]
    return {"a": sympy.Matrix(M.rows, M.cols, lambda i, k: images[i][k][0]),
            "b": sympy.Matrix(M.rows, M.cols, lambda i, k: images[i][k][1])}


def _rdiag_to_cdiag(p, s):
    return _pairs(p["V"], _unit("rdiag_in_cdiag"))


def _interleave_embedding(s):
    H = s["H"]
    E = sympy.zeros(2 * H, H)
    for i in range(H):
        E[2 * i, i] = 1
    return E


def _rot_to_cdiag(p, s):
    return _pairs(p["theta"], _unit("rot_in_cdiag"))


def _cdiag_to_block(p, s):
    a, b, unit = p["a"], p["b"], _unit("cdiag_in_block2")
    return {"blocks": [[unit(a[j, k], b[j, k]) for k in range(s["D"])] for j in range(a.rows)]}


def _block_to_block(p, s):
    ratio, unit = s["B2"] // s["B"], _unit("block_in_block")
    blocks = p["blocks"]
    return {"blocks": [[block_diagonal(unit(blocks[c * ratio + t][k]) for t in range(ratio)) for k in range(s["D"])]
                       for c in range(len(blocks) // ratio)]}


def _block_to_full(p, s):
    unit = _unit("block_in_full")
    return {"W": [block_diagonal(unit(blk[k]) for blk in p["blocks"]) for k in range(s["D"])]}


def _block_to_cp(p, s):
    """The index formulas of :func:`cp_of_block` evaluated at integers, block b's term (q, r) at rank
    index b B^2 + q B + r."""
    H, B, D = s["H"], s["B"], s["D"]
    unit = _unit("block_in_cp")
    R = H * B
    U, V, Z = sympy.zeros(H, R), sympy.zeros(R, D), sympy.zeros(R, H)
    for b, blk in enumerate(p["blocks"]):
        W = lambda q, r, k, blk=blk: blk[k][q, r]  # noqa: E731
        for q, r in itertools.product(range(B), range(B)):
            t = b * B * B + q * B + r
            for i in range(B):
                U[b * B + i, t] = unit(i, q, r, 0, 0, W)[0]
                Z[t, b * B + i] = unit(0, q, r, i, 0, W)[2]
            for k in range(D):
                V[t, k] = unit(0, q, r, 0, k, W)[1]
    return {"U": U, "V": V, "Z": Z}


def _full_to_cp(p, s):
    """The index formulas of :func:`cp_of_full` evaluated at integers: if H <= D the term (i, j) at rank
    index i H + j, else the term (i, s) at i D + s."""
    H, D = s["H"], s["D"]
    W = lambda i, j, k: p["W"][k][i, j]  # noqa: E731
    unit = _unit("full_in_cp")
    small = H * H <= H * D
    R, n2 = (H * H, H) if small else (H * D, D)
    U, V, Z = sympy.zeros(H, R), sympy.zeros(R, D), sympy.zeros(R, H)
    for r1, r2 in itertools.product(range(H), range(n2)):
        t = r1 * n2 + r2
        for a in range(H):
            U[a, t] = unit(small, a, r1, r2, 0, 0, W)[0]
            Z[t, a] = unit(small, 0, r1, r2, a, 0, W)[2]
        for k in range(D):
            V[t, k] = unit(small, 0, r1, r2, 0, k, W)[1]
    return {"U": U, "V": V, "Z": Z}


def _rdiag_to_cp_identity(p, s):
    V, unit = p["V"], _unit("rdiag_eq_cp_identity")
    images = [[unit(V[i, k]) for k in range(V.cols)] for i in range(V.rows)]
    return {"U": sympy.diag(*[images[i][0][0] for i in range(V.rows)]),
            "V": sympy.Matrix(V.rows, V.cols, lambda i, k: images[i][k][1]),
            "Z": sympy.diag(*[images[i][0][2] for i in range(V.rows)])}


def _rdiag1_to_house(p, s):
    H, D = s["H"], s["D"]
    V, unit = rdiag1_entries(p), _unit("rdiag_in_house")
    return {"u": [[_unit_vector(H, i) for i in range(H)] for _k in range(D)],
            "beta": sympy.Matrix(H, D, lambda i, k: unit(V[i, k]))}


def _house_to_full(p, s):
    from bilinear.theory.theorems.model_classes import house_factors_product
    N, unit = s["N"], _unit("house_in_full")
    return {"W": [unit(house_factors_product(p["u"][k], [p["beta"][j, k] for j in range(N)])) for k in range(s["D"])]}


def _house_to_house(p, s):
    H, N, N2, D = s["H"], s["N"], s["N2"], s["D"]
    beta = sympy.zeros(N2, D)
    beta[:N, :] = p["beta"]
    for j, k in itertools.product(range(N, N2), range(D)):
        beta[j, k] = _unit("house_in_house")()
    return {"u": [list(p["u"][k]) + [_unit_vector(H, 0)] * (N2 - N) for k in range(D)], "beta": beta}


def _mono_to_full(p, s):
    unit = _unit("mono_in_full")
    return {"W": [unit(P * sympy.diag(*p["d"][:, k])) for k, P in enumerate(p["P"])]}


def _rdiag_to_mono(p, s):
    V, unit = p["V"], _unit("rdiag_in_mono")
    return {"P": [sympy.diag(*[unit(V[i, k])[0] for i in range(V.rows)]) for k in range(V.cols)],
            "d": sympy.Matrix(V.rows, V.cols, lambda i, k: unit(V[i, k])[1])}


def _house_grid():
    return [{"H": H, "N": N, "D": D} for H in range(1, 4) for N in range(1, 4) for D in range(1, 3)]


def _house_pair_grid():
    return [{"H": H, "N": N, "N2": N2, "D": D} for H in range(1, 4) for N in range(1, 3) for N2 in range(N + 1, 4)
            for D in range(1, 3)]


def _mono_grid():
    return [{"H": H, "D": D, "perms": perms} for H in range(1, 4) for D in range(1, 3)
            for perms in itertools.product(itertools.permutations(range(H)), repeat=D)]


def _identity_perms(s):
    return {"H": s["H"], "D": s["D"], "perms": tuple(tuple(range(s["H"])) for _k in range(s["D"]))}


_SAME = lambda s: dict(s)  # noqa: E731


def _maps() -> dict[str, ParameterMap]:
    m = [
        ParameterMap(
            "pdiag_in_rdiag", "PDIAG", "RDIAG", "PDIAG(H) ⊂ RDIAG(H)",
            r"\mathrm{diag}(e^{\Theta}x) = \mathrm{diag}(Vx),\ V = e^{\Theta}",
            "V_{ik} = exp(theta_{ik})",
            "A positive diagonal model is a real diagonal model whose entries happen to be positive: take "
            "V = exp(theta) entrywise; then diag(V x) = diag(exp(theta) x) for every x.",
            _SAME, _pdiag_to_rdiag, default_grid),
        ParameterMap(
            "rdiag_in_block", "RDIAG", "BLOCK", "RDIAG(H) ⊂ BLOCK(H, B) for every B | H (so BLOCK(H, 2))",
            r"\mathrm{diag}(Vx) = \mathrm{blockdiag}_b\big(\textstyle\sum_k x_k \mathrm{diag}(V_{bB:(b+1)B,k})\big)",
            "W^(b)_k = diag(V[bB:(b+1)B, k])",
            "A diagonal matrix is block diagonal for any block partition: block b of diag(Vx) is "
            "diag(V[bB:(b+1)B] x) = sum_k x_k diag(V[bB:(b+1)B, k]), a FULL(B) block.",
            _SAME, _rdiag_to_block, _divisor_grid),
        ParameterMap(
            "rdiag_in_cdiag", "RDIAG", "CDIAG", "RDIAG(H) ⊂ CDIAG(2H)",
            r"A'(x)E = E\,\mathrm{diag}(Vx),\ a = V,\ b = 0,\ E e_i = e_{2i}",
            "a = V, b = 0; states embedded by E e_i = e_{2i} (real part of complex unit i); R' = R E^T",
            "A real number v is the complex number v + 0i: with b = 0 each 2x2 block is v I_2, and the "
            "embedding E puts unit i of the real model into the first coordinate of block i; blocks act "
            "independently, so A'(x) E = E diag(Vx) and h'_T = E h_T, R' h'_T = R h_T.",
            lambda s: {"H": 2 * s["H"], "D": s["D"]}, _rdiag_to_cdiag, default_grid, _interleave_embedding),
        ParameterMap(
            "rot_in_cdiag", "ROT", "CDIAG", "ROT(H) ⊂ CDIAG(H)",
            r"a_{jk} = \cos\theta_{jk},\ b_{jk} = \sin\theta_{jk}",
            "a_{jk} = cos(theta_{jk}), b_{jk} = sin(theta_{jk})",
            "A rotation by theta is multiplication by e^{i theta} = cos theta + i sin theta, a complex "
            "diagonal entry; both classes are linear in x, so matching A(e_k) for each k matches A(x).",
            _SAME, _rot_to_cdiag, lambda: default_grid(even=True)),
        ParameterMap(
            "cdiag_in_block2", "CDIAG", "BLOCK", "CDIAG(H) ⊂ BLOCK(H, 2)",
            r"W^{(j)}_k = \begin{pmatrix} a_{jk} & -b_{jk} \\ b_{jk} & a_{jk}\end{pmatrix}",
            "W^(j)_k = [[a_jk, -b_jk], [b_jk, a_jk]]",
            "Each 2x2 block [[a.x, -b.x], [b.x, a.x]] equals sum_k x_k [[a_k, -b_k], [b_k, a_k]], a FULL(2) "
            "block with those weights.",
            lambda s: {"H": s["H"], "B": 2, "D": s["D"]}, _cdiag_to_block, lambda: default_grid(even=True)),
        ParameterMap(
            "block_in_block", "BLOCK", "BLOCK", "BLOCK(H, B) ⊂ BLOCK(H, B') for B | B' | H (so BLOCK(H,2) ⊂ BLOCK(H,B), 2 | B)",
            r"W'^{(c)}_k = \mathrm{blockdiag}(W^{(cr)}_k, \dots, W^{(cr+r-1)}_k),\ r = B'/B",
            "block c of size B' = blockdiag of the r = B'/B consecutive B-blocks cr, ..., cr+r-1",
            "Grouping r consecutive diagonal blocks of size B into one block of size rB leaves the matrix "
            "unchanged; the grouped block is linear in x with weights blockdiag(W^(.)_k).",
            lambda s: {"H": s["H"], "B": s["B2"], "D": s["D"]}, _block_to_block,
            _block_pair_grid),
        ParameterMap(
            "block_in_full", "BLOCK", "FULL", "BLOCK(H, B) ⊂ FULL(H)",
            r"W_k = \mathrm{blockdiag}_b(W^{(b)}_k)",
            "W_k = blockdiag(W^(1)_k, ..., W^(H/B)_k)",
            "A block-diagonal matrix linear in x is a matrix linear in x: W_k = blockdiag_b W^(b)_k.",
            lambda s: {"H": s["H"], "D": s["D"]}, _block_to_full, _divisor_grid),
        ParameterMap(
            "block_in_cp", "BLOCK", "CP", "BLOCK(H, B) ⊂ CP(H, H·B)",
            r"A(x) = \sum_{b,i,j} e_{bB+i}\,(W^{(b)}_{\cdot ij}\cdot x)\,e_{bB+j}^\top",
            "one rank-one term per block entry (b, i, j): U column e_{bB+i}, Z row e_{bB+j}^T, "
            "V row (W^(b)_k[i, j])_k; R = (H/B) B^2 = HB",
            "Any matrix linear in x is the sum over its non-zero pattern of e_i (w_ij . x) e_j^T; a "
            "block-diagonal pattern has (H/B) B^2 = HB entries, each a rank-one CP term.",
            lambda s: {"H": s["H"], "R": s["H"] * s["B"], "D": s["D"]}, _block_to_cp, _divisor_grid),
        ParameterMap(
            "full_in_cp", "FULL", "CP", "FULL(H) ⊂ CP(H, min(H², HD))",
            r"A(x) = \sum_{i,j} e_i (W_{ij\cdot}\cdot x) e_j^\top = \sum_{i,k} e_i\, x_k\, (W_k)_{i,:}",
            "if H <= D: one term per entry (i, j) (U e_i, Z e_j^T, V row W[i, j, :]), R = H^2; "
            "else one term per (i, k) (U e_i, V row e_k^T, Z row W_k[i, :]), R = HD",
            "sum_k x_k W_k = sum_{i,j} e_i (W[i,j,:] . x) e_j^T (H^2 rank-one terms) and also "
            "= sum_{i,k} e_i x_k W_k[i,:] (HD terms, each e_i diag-entry x_k row W_k[i,:]); use the shorter.",
            lambda s: {"H": s["H"], "R": min(s["H"] ** 2, s["H"] * s["D"]), "D": s["D"]}, _full_to_cp,
            default_grid),
        ParameterMap(
            "rdiag_eq_cp_identity", "RDIAG", "CP", "RDIAG(H) = {CP(H, H) with U = Z = I}",
            r"I\,\mathrm{diag}(Vx)\,I = \mathrm{diag}(Vx)",
            "U = Z = I_H, V = V (a bijection between RDIAG parameters and CP parameters with U = Z = I)",
            "I diag(Vx) I = diag(Vx), and V -> (I, V, I) is a bijection onto the CP models with U = Z = I, "
            "so the identity gives both inclusions.",
            lambda s: {"H": s["H"], "R": s["H"], "D": s["D"]}, _rdiag_to_cp_identity, default_grid),
        ParameterMap(
            "rdiag_in_house", "RDIAG1", "HOUSE",
            "RDIAG(H) ⊂ HOUSE(H, H) up to a positive scale per symbol (entries in [-1, 1] exactly)",
            r"\mathrm{diag}(v) = \prod_{i} (I - (1 - v_i) e_i e_i^\top),\ v_i \in [-1, 1]",
            "u_{ik} = e_i, beta_{ik} = 1 - V_{ik} (in [0, 2] exactly when V_{ik} in [-1, 1])",
            "The factors I - (1 - v_i) e_i e_i^T act on different coordinates, so they commute and their product "
            "is diag(v); beta_i = 1 - v_i lies in [0, 2] iff v_i in [-1, 1]. A general RDIAG model is first "
            "divided, symbol by symbol, by m_k = max(1, max_i |V_ik|) > 0: a positive scale per step, which "
            "changes no label at any length (scale_invariance.normalisation, docs/design.md §3). Entries outside "
            "[-1, 1] are not reachable without that scale: every factor has operator norm 1, so a product has "
            "norm at most 1. The symbolic check covers entries in (-1, 1]; v_i = -1 is the reflection beta_i = 2.",
            lambda s: {"H": s["H"], "N": s["H"], "D": s["D"]}, _rdiag1_to_house,
            lambda: default_grid(max_h=5, max_d=2)),
        ParameterMap(
            "house_in_full", "HOUSE", "FULL", "HOUSE(H, n_h) ⊂ FULL(H)",
            r"W_k = \prod_j (I - \beta_{jk} u_{jk} u_{jk}^\top)",
            "W_k = the product of the n_h factors of symbol k",
            "A product of fixed matrices is a fixed matrix; with one-hot inputs A(e_k) = W_k, and both levels "
            "extend linearly in x.",
            lambda s: {"H": s["H"], "D": s["D"]}, _house_to_full, _house_grid),
        ParameterMap(
            "house_in_house", "HOUSE", "HOUSE", "HOUSE(H, n_h) ⊂ HOUSE(H, n_h') for n_h <= n_h'",
            r"\beta_{jk} = 0 \text{ for } n_h \le j < n_h'",
            "the first n_h factors unchanged, the others I - 0 e_0 e_0^T = I (beta = 0, u = e_0)",
            "A factor with beta = 0 is the identity whatever its unit vector, so appending n_h' - n_h of them "
            "leaves every product unchanged.",
            lambda s: {"H": s["H"], "N": s["N2"], "D": s["D"]}, _house_to_house, _house_pair_grid),
        ParameterMap(
            "mono_in_full", "MONO", "FULL", "MONO(H) ⊂ FULL(H)",
            r"W_k = P_k\,\mathrm{diag}(d_{:,k})",
            "W_k = P_k diag(d_k)",
            "A monomial matrix is a matrix; both levels are linear in x.",
            lambda s: {"H": s["H"], "D": s["D"]}, _mono_to_full, _mono_grid),
        ParameterMap(
            "rdiag_in_mono", "RDIAG", "MONO", "RDIAG(H) ⊂ MONO(H)",
            r"\mathrm{diag}(Vx) = \sum_k x_k\, I\, \mathrm{diag}(V_{:,k})",
            "P_k = I, d = V",
            "A diagonal matrix is the identity permutation times itself.",
            _identity_perms, _rdiag_to_mono, default_grid),
    ]
    return {pm.key: pm for pm in m}


MAPS = _maps()


# ------------------------------------------------------------------------------------ the check
def _shape(obj):
    if isinstance(obj, sympy.MatrixBase):
        return ("matrix", obj.shape)
    if isinstance(obj, (list, tuple)):
        return ("list", tuple(_shape(o) for o in obj))
    raise MathematicalError(f"parameter value of type {type(obj).__name__} is not a matrix or a list")


def _free_symbols(obj) -> set:
    if isinstance(obj, sympy.MatrixBase):
        return set(obj.free_symbols)
    out = set()
    for o in obj:
        out |= _free_symbols(o)
    return out


def _check_source_constraints(level: str, params: dict, sizes: dict, where: str) -> None:
    """The source level's declared structure (:meth:`bilinear.theory.hierarchy.levels.Level.structure`),
    checked on every ``A(e_k)`` its parametrisation builds: e.g. PDIAG diagonal with provably positive
    entries, ROT blocks ``[[a, -b], [b, a]]`` with ``a^2 + b^2 = 1`` (rotations, by ``trigsimp``)."""
    lv, D = LEVELS[level], sizes["D"]
    declared_level = declared.LEVELS[lv.level]
    structure = declared_level.shape_of_A
    for k in range(D):
        M = lv.matrix(params, sympy.Matrix([int(j == k) for j in range(D)]), sizes)
        problem = structure.violation(SymbolicEntries(M))
        if problem is not None:
            raise MathematicalError(f"{where}: A(e_{k}) {problem}; {level} needs {declared_level.form}")


def _check_target_constraints(level: str, params: dict, where: str, source: str = "", sp: dict | None = None) -> None:
    """The constraints of a target level that its symbolic parametrisation does not carry: HOUSE unit
    vectors have u^T u = 1 and every beta lies in [0, 2] (sympy decides the signs of the mapped
    expressions; a vector or beta copied unchanged from a HOUSE source carries its constraint);
    MONO permutations are permutation matrices."""
    if level == "HOUSE":
        given_u = {tuple(u) for us in sp["u"] for u in us} if source == "HOUSE" and sp else set()
        given_b = set(sp["beta"]) | {sympy.Integer(0)} if source == "HOUSE" and sp else {sympy.Integer(0)}
        for k, us in enumerate(params["u"]):
            for j, u in enumerate(us):
                if tuple(u) not in given_u and sympy.simplify((u.T * u)[0, 0] - 1) != 0:
                    raise MathematicalError(f"{where}: u[{j}] of symbol {k} is not a unit vector")
        for beta in params["beta"]:
            if beta in given_b:
                continue
            b = sympy.together(beta)
            if b.is_nonnegative is not True or sympy.together(2 - b).is_nonnegative is not True:
                raise MathematicalError(f"{where}: beta = {beta} is not provably in [0, 2]")
    elif level == "MONO":
        for k, P in enumerate(params["P"]):
            if (any(e not in (0, 1) for e in P) or any(sum(P[i, :]) != 1 for i in range(P.rows))
                    or any(sum(P[:, j]) != 1 for j in range(P.cols))):
                raise MathematicalError(f"{where}: P_{k} is not a permutation matrix")


def _images(P: sympy.Matrix) -> tuple:
    """The images of a 0/1 matrix read as a permutation (P e_i = e_{images[i]}); invalid ones are caught
    by :func:`_check_target_constraints`."""
    return tuple(next((r for r in range(P.rows) if P[r, c] == 1), 0) for c in range(P.cols))


def check_parameter_map(pmap: ParameterMap, grid: Iterable[dict] | None = None) -> dict:
    """Verify ``A'(x) E = E A(x)`` symbolically for every size in ``grid`` (default: the map's grid).

    Raises :class:`MathematicalError` naming the sizes and the first non-zero residual entry.
    """
    src, tgt = LEVELS[pmap.source], LEVELS[pmap.target]
    cases, max_symbols, checked = 0, 0, []
    for sizes in (pmap.grid() if grid is None else grid):
        where = f"{pmap.containment} at {sizes}"
        sp = src.params(sizes)
        D = sizes["D"]
        x = symbol_vector("x", D)
        A = src.matrix(sp, x, sizes)
        _check_source_constraints(pmap.source, sp, sizes, where)
        tsizes = pmap.target_sizes(sizes)
        tp = pmap.apply(sp, sizes)
        if pmap.target == "MONO" and "P" in tp:    # the permutations are part of the target sizes
            tsizes = dict(tsizes, perms=tuple(_images(P) for P in tp["P"]))
        _check_target_constraints(pmap.target, tp, where, pmap.source, sp)
        expected = tgt.params(tsizes)
        if set(tp) != set(expected):
            raise MathematicalError(f"{where}: map gives parameters {sorted(tp)}, {pmap.target} has {sorted(expected)}")
        for key in expected:
            if _shape(tp[key]) != _shape(expected[key]):
                raise MathematicalError(f"{where}: parameter {key} has shape {_shape(tp[key])}, "
                                        f"{pmap.target}{tsizes} needs {_shape(expected[key])}")
        allowed = _free_symbols(list(sp.values()))
        stray = _free_symbols(list(tp.values())) - allowed
        if stray:
            raise MathematicalError(f"{where}: mapped parameters use symbols {sorted(map(str, stray))[:3]} "
                                    "that are not source parameters")
        At = tgt.matrix(tp, x, tsizes)
        E = pmap.embedding(sizes) if pmap.embedding is not None else None
        if E is None:
            if At.shape != A.shape:
                raise MathematicalError(f"{where}: target matrix is {At.shape}, source {A.shape}, no embedding")
            residual = At - A
        else:
            if E.shape != (At.rows, A.rows) or E.T * E != sympy.eye(A.rows):
                raise MathematicalError(f"{where}: state embedding E does not have orthonormal columns")
            residual = At * E - E * A
        for (i, j), r in zip(itertools.product(range(residual.rows), range(residual.cols)), residual):
            r = sympy.expand(r)
            if r != 0 and r.has(sympy.Pow):       # rational entries (RDIAG1): clear denominators
                r = sympy.cancel(sympy.together(r))
            if r != 0:
                raise MathematicalError(f"{where}: entry ({i}, {j}) of A'(x)E - E A(x) is {r}, not 0")
        cases += 1
        max_symbols = max(max_symbols, len(allowed))
        checked.append(",".join(f"{k}={v}" for k, v in sizes.items()))
    if cases == 0:
        raise InputError(f"{pmap.containment}: empty size grid")
    return {"cases": cases, "max_source_symbols": max_symbols, "sizes": checked}


def checked_range(pmap: ParameterMap) -> str:
    """The finite range of sizes the symbolic check of ``pmap`` covers, in words."""
    grid = list(pmap.grid())
    hs = sorted({g["H"] for g in grid})
    text = (f"H <= {hs[-1]}" if hs == list(range(1, hs[-1] + 1)) else f"H in {{{', '.join(map(str, hs))}}}")
    text += f", D <= {max(g['D'] for g in grid)}"
    if any("perms" in g for g in grid) and pmap.source == "MONO":
        text += ", every permutation per symbol"
    if any("N2" in g for g in grid):
        text += ", every n_h < n_h' <= 3"
    elif any("N" in g for g in grid):
        text += ", n_h <= 3"
    if any("B2" in g for g in grid):
        text += ", every B | B' | H"
    elif any("B" in g for g in grid):
        text += ", every block size B | H"
    return text


def prove_containment(pmap: ParameterMap, unit_map: Callable | None = None) -> dict:
    """The proof of ``pmap`` for every size: the lemmas (once) and the unit identity of its reduction
    (:func:`~bilinear.theory.theorems.containment_units.prove_reduction`); ``unit_map`` replaces the
    reduction's unit map (a broken variant must make this raise :class:`MathematicalError`).  For a
    partial reduction the part that remains checked runs too (the positive scale per symbol:
    :mod:`bilinear.theory.theorems.scale_invariance` on its finite range)."""
    red = REDUCTIONS[pmap.key]
    details = prove_reduction(red, unit_map)
    if red.remains is not None:
        from bilinear.theory.theorems.scale_invariance import check_homogeneous_step, check_readout_invariance
        details["remains_checked"] = {"homogeneous_step": check_homogeneous_step(),
                                      "readout_invariance": check_readout_invariance()}
    return details


def _steps(pmap: ParameterMap, red) -> tuple[str, ...]:
    lemmas = "; ".join(f"{n}: {LEMMAS[n].statement}" for n in red.lemmas)
    steps: tuple[str, ...] = (
        f"Lemmas (matrices of symbolic sizes, so every size; checked once by {LEMMA_WHERE}): {lemmas}.",
        f"Identity (unit: {red.unit}; unit map {UNITS_WHERE.rsplit('.', 1)[0]}.REDUCTIONS[{pmap.key!r}]"
        f".unit_map, proved by {UNITS_WHERE}): {red.identity}.",
        f"Assembly (the global map {red.code} applies the unit map to every unit): {red.assembly}",
        "Induction on the word length (word_step, readout): h'_0 = E h_0 and A'(x_t)E = EA(x_t) give "
        "h'_t = E h_t for every t, and R' = R E^T gives R'h'_t = R E^T E h_t = R h_t (E^T E = I).")
    if red.remains is not None:
        steps += (f"Remains checked, not proved: {red.remains}.",)
    return steps


def _latex_proof(pmap: ParameterMap, red) -> str:
    lemma_tex = "; ".join(f"${LEMMAS[n].latex}$" for n in red.lemmas if n not in ("word_step", "readout"))
    text = (r"\begin{proof}[" + pmap.containment + "] "
            + (f"For matrices of any sizes, {lemma_tex}. " if lemma_tex else "")
            + f"So it suffices to check one unit ({red.unit}): ${red.latex}$, a finite symbolic identity. "
            + r"Linearity in $x$ gives $A'(x)E = EA(x)$ for every $x$; from $h'_0 = Eh_0$, induction on $t$ "
            r"gives $h'_t = A'(x_t)Eh_{t-1} = EA(x_t)h_{t-1} = Eh_t$, and $R' = RE^\top$ with $E^\top E = I$ "
            r"gives $R'h'_t = Rh_t$ for every word.")
    if red.remains is not None:
        text += (r" The reduction covers entries in $[-1, 1]$; the rescaling by a positive scale per symbol is "
                 r"\texttt{scale\_invariance.normalisation}, checked on a finite range.")
    return text + r" \end{proof}"


def _theorem(pmap: ParameterMap) -> Theorem:
    red = REDUCTIONS[pmap.key]
    statement = (f"{pmap.containment}: for every model of {pmap.source} there is a model of {pmap.target} "
                 f"computing the same scores on every word, via the explicit map {pmap.description}; "
                 "the identity A'(x)E = E A(x) holds for every input x.")
    if red.remains is None:
        scope = ("a proof for every H and D: the unit identity is a finite symbolic computation and the lemmas "
                 "are identities between matrices of symbolic sizes; no size is sampled.")
        rng = None
    else:
        scope = (f"partial: proved for every H and D for the part the reduction covers; {red.remains}.")
        rng = ("the identity: every H, D (proved); the positive rescaling per symbol: "
               "scale_invariance.normalisation's homogeneity and readout checks, H <= 4, D <= 3")
    return Theorem(
        name=f"containment.{pmap.key}",
        title=pmap.containment,
        statement=statement,
        latex=pmap.latex,
        assumptions=(f"{pmap.source}: {LEVELS[pmap.source].parametrisation}",
                     f"{pmap.target}: {LEVELS[pmap.target].parametrisation}",
                     "h0' = E h0, readout R' = R E^T (E = I when the hidden sizes agree)"),
        proof=pmap.argument + " Induction on the word length then gives h'_T = E h_T and R'h'_T = R h_T.",
        kind=CheckKind.SYMBOLIC,
        checker=lambda: prove_containment(pmap),
        checked_range=rng,
        scope=scope,
        steps=_steps(pmap, red),
        latex_proof=_latex_proof(pmap, red),
    )


THEOREMS = tuple(_theorem(pm) for pm in MAPS.values())
