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
(rotations, by ``trigsimp``).

Sizes: every ``H <= 6``, ``D <= 3`` and every block size / rank the map needs (see each map); the
identity is stated for every size, so ``bilinear prove`` reports these theorems ``checked`` on that
range (the general case is the written argument of each map).

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
from bilinear.theory.hierarchy import levels as declared
from bilinear.theory.theorems.model_classes import (LEVELS, SymbolicEntries, block_diagonal, rdiag1_entries,
                                                   symbol_vector)

__all__ = ["ParameterMap", "MAPS", "THEOREMS", "check_parameter_map", "default_grid", "MAX_H", "MAX_D"]

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


def _unit(n: int, i: int) -> sympy.Matrix:
    v = sympy.zeros(n, 1)
    v[i] = 1
    return v


# ------------------------------------------------------------------------------------ the maps
def _pdiag_to_rdiag(p, s):
    return {"V": p["theta"].applyfunc(sympy.exp)}


def _rdiag_to_block(p, s):
    H, B, D = s["H"], s["B"], s["D"]
    V = p["V"]
    return {"blocks": [[sympy.diag(*[V[b * B + i, k] for i in range(B)]) for k in range(D)]
                       for b in range(H // B)]}


def _rdiag_to_cdiag(p, s):
    return {"a": p["V"], "b": sympy.zeros(s["H"], s["D"])}


def _interleave_embedding(s):
    H = s["H"]
    E = sympy.zeros(2 * H, H)
    for i in range(H):
        E[2 * i, i] = 1
    return E


def _rot_to_cdiag(p, s):
    return {"a": p["theta"].applyfunc(sympy.cos), "b": p["theta"].applyfunc(sympy.sin)}


def _cdiag_to_block(p, s):
    a, b = p["a"], p["b"]
    return {"blocks": [[sympy.Matrix([[a[j, k], -b[j, k]], [b[j, k], a[j, k]]]) for k in range(s["D"])]
                       for j in range(a.rows)]}


def _block_to_block(p, s):
    ratio = s["B2"] // s["B"]
    blocks = p["blocks"]
    return {"blocks": [[block_diagonal(blocks[c * ratio + t][k] for t in range(ratio)) for k in range(s["D"])]
                       for c in range(len(blocks) // ratio)]}


def _block_to_full(p, s):
    return {"W": [block_diagonal(blk[k] for blk in p["blocks"]) for k in range(s["D"])]}


def _block_to_cp(p, s):
    H, B, D = s["H"], s["B"], s["D"]
    R = H * B
    U, V, Z = sympy.zeros(H, R), sympy.zeros(R, D), sympy.zeros(R, H)
    r = 0
    for b, blk in enumerate(p["blocks"]):
        for i in range(B):
            for j in range(B):
                U[b * B + i, r] = 1
                Z[r, b * B + j] = 1
                for k in range(D):
                    V[r, k] = blk[k][i, j]
                r += 1
    return {"U": U, "V": V, "Z": Z}


def _full_to_cp(p, s):
    H, D = s["H"], s["D"]
    W = p["W"]
    R = min(H * H, H * D)
    U, V, Z = sympy.zeros(H, R), sympy.zeros(R, D), sympy.zeros(R, H)
    if H * H <= H * D:      # one rank-one term e_i e_j^T per entry, weights W_k[i, j] on symbol k
        for r, (i, j) in enumerate(itertools.product(range(H), range(H))):
            U[i, r], Z[r, j] = 1, 1
            for k in range(D):
                V[r, k] = W[k][i, j]
    else:                   # one term per (row i, symbol k): e_i (x_k) W_k[i, :]
        for r, (i, k) in enumerate(itertools.product(range(H), range(D))):
            U[i, r], V[r, k] = 1, 1
            Z[r, :] = W[k][i, :]
    return {"U": U, "V": V, "Z": Z}


def _rdiag_to_cp_identity(p, s):
    H = s["H"]
    return {"U": sympy.eye(H), "V": p["V"], "Z": sympy.eye(H)}


def _rdiag1_to_house(p, s):
    H, D = s["H"], s["D"]
    V = rdiag1_entries(p)
    return {"u": [[_unit(H, i) for i in range(H)] for _k in range(D)],
            "beta": sympy.Matrix(H, D, lambda i, k: sympy.together(1 - V[i, k]))}


def _house_to_full(p, s):
    from bilinear.theory.theorems.model_classes import house_factors_product
    N = s["N"]
    return {"W": [house_factors_product(p["u"][k], [p["beta"][j, k] for j in range(N)]) for k in range(s["D"])]}


def _house_to_house(p, s):
    H, N, N2, D = s["H"], s["N"], s["N2"], s["D"]
    beta = sympy.zeros(N2, D)
    beta[:N, :] = p["beta"]
    return {"u": [list(p["u"][k]) + [_unit(H, 0)] * (N2 - N) for k in range(D)], "beta": beta}


def _mono_to_full(p, s):
    return {"W": [P * sympy.diag(*p["d"][:, k]) for k, P in enumerate(p["P"])]}


def _rdiag_to_mono(p, s):
    return {"P": [sympy.eye(s["H"]) for _k in range(s["D"])], "d": p["V"]}


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


def _theorem(pmap: ParameterMap) -> Theorem:
    statement = (f"{pmap.containment}: for every model of {pmap.source} there is a model of {pmap.target} "
                 f"computing the same scores on every word, via the explicit map {pmap.description}; "
                 "the identity A'(x)E = E A(x) holds for every input x.")
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
        checker=lambda: check_parameter_map(pmap),
        checked_range=checked_range(pmap),
    )


THEOREMS = tuple(_theorem(pm) for pm in MAPS.values())
