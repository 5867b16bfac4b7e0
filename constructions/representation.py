"""FULL and BLOCK constructions of a group from its real irreducible representations (docs/design.md §4).

For a set ``{ρ_1, ..., ρ_r}`` of real irreducibles (orthogonal matrices, :mod:`bilinear.theory.representations.matrices`)
whose kernels meet in ``{e}``, ``ρ = ρ_1 ⊕ ... ⊕ ρ_r`` is faithful and ``A(x) = ρ(x)^T`` tracks the group:
``A(x) φ(g) = ρ(g x)^T h0 = φ(g x)`` with ``φ(g) = ρ(g)^T h0``.  ``h0`` is chosen with trivial
stabiliser (a generic vector; the vectors fixed by some ``g != e`` form finitely many proper
subspaces because ``ρ`` is faithful), so ``φ`` is injective; since ``ρ`` is orthogonal every state
has the same norm and the readout rows ``R_g = φ(g)^T`` decode by argmax with a positive margin.

* ``full``: the faithful set of smallest total real dimension (``min_faithful_dim_real``).
* ``block``: real irreducibles of dimension ``<= B`` (default ``B = min_block_real``), packed into
  the least number of ``B x B`` diagonal blocks (:func:`bilinear.theory.hierarchy.placement.block_packing`; padded
  with identity coordinates that stay 0).  For ``B`` below
  ``min_block_real`` the kernels of the admissible irreducibles share a non-identity element, which
  every such block-diagonal model would confuse with the identity: :class:`NotRealizableError`.

Exact when every constituent has an exact model (entries in ``Z``, ``Q``, ``Q(√5)``, multiquadratic or
cyclotomic fields); numeric (float64, with a numeric certificate) otherwise.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TypedDict

import numpy as np
import sympy

from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.groups.backends import PermutationBackend
from bilinear.theory.resources import check_work
from bilinear.theory.errors import MathematicalError, NotRealizableError, expected
from bilinear.theory.arith.field_matrices import Columns, SparseMatrix
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.hierarchy.placement import block_packing, hierarchy_level
from bilinear.theory.hierarchy.levels import Block, Full, Level
from bilinear.theory.groups.named import group_from_cayley_table, permutation_group
from bilinear.theory.arith.number_field import RATIONALS, NumberField
from bilinear.theory.automata.one_step import exact_orbit
from bilinear.theory.representations.real_irreps import real_irreducibles
from bilinear.theory.representations.matrices import real_irrep_matrices

from bilinear.constructions.construction import ExactConstruction, GroupTarget, IrreducibleUsed, NumericConstruction

__all__ = ["faithful_construction", "block_construction", "tracked_subgroup", "block_kernel_witness",
           "exact_readout"]


def tracked_subgroup(G: FiniteGroup, alph: list[int]) -> tuple[FiniteGroup, list[int]]:
    """``<alphabet>`` as a group with the same element names, and the alphabet's indices in it."""
    members = G.closure(alph)
    if len(members) == G.order:
        return G, list(alph)
    name = f"<{','.join(G.names[a] for a in alph)}> in {G.name}"
    if isinstance(G.backend, PermutationBackend):
        S = permutation_group([G.codes[a] for a in alph], name=name, backend=G.backend)
    elif (images := G.backend.permutation_images(G.codes[alph])) is not None:   # a dihedral group: its n-gon
        S = permutation_group(list(images), name=name)
    else:
        pos = {int(m): i for i, m in enumerate(members)}
        table = [[pos[int(G.mul(a, b))] for b in members] for a in members]
        S = group_from_cayley_table(table, names=[G.names[m] for m in members], name=name)
    return S, [S.element(G.names[a]) for a in alph]


def block_kernel_witness(S: FiniteGroup, B: int, irreducibles=None) -> int | None:
    """A non-identity element in every kernel of the real irreducibles of dimension ``<= B`` (``None``
    when those kernels meet in ``{e}``); ``irreducibles`` defaults to ``real_irreducibles(S)``."""
    common = np.ones(S.order, dtype=bool)
    for r in (real_irreducibles(S) if irreducibles is None else irreducibles):
        if r.real_dim <= B:
            mask = np.zeros(S.order, dtype=bool)
            mask[r.kernel] = True
            common &= mask
    common[0] = False
    nz = np.flatnonzero(common)
    return int(nz[0]) if len(nz) else None


def _block_layout(S: FiniteGroup, B: int | None) -> tuple[int, tuple[int, ...], tuple[tuple[int, ...], ...]]:
    """The block size, the irreducibles and their blocks (positions) of the least BLOCK layout."""
    L = hierarchy_level(S)
    if B is None:
        B = max(L.min_block_real, 1)
    if B < L.min_block_real:
        g = block_kernel_witness(S, B)
        if g is None:
            raise MathematicalError(
                f"{S.name}: blocks of size {B} < {L.min_block_real} were refused, but the kernels of the real "
                f"irreducibles of dimension <= {B} meet in the identity (block-size classification)")
        raise NotRealizableError(
            f"{S.name} needs blocks of size >= {L.min_block_real}: every real irreducible of dimension <= {B} "
            f"has {S.names[g]} in its kernel, so a block-diagonal model with blocks <= {B} (whose blocks carry "
            f"subrepresentations) cannot tell {S.names[g]} from the identity (block-size classification)")
    packing = block_packing(S, B)
    return B, packing.irreps, packing.blocks


def _field_of(rims) -> tuple[NumberField, object]:
    """A common exact field for the constituents and the primitive element to convert with."""
    thetas = list(dict.fromkeys(r.primitive_element for r in rims if r.primitive_element is not None))
    if not thetas:
        return RATIONALS, None
    fields = [NumberField.from_sympy(t) for t in thetas]
    if all(F.primes for F in fields):
        return NumberField.multiquadratic(sorted({p for F in fields for p in F.primes})), None
    if len(thetas) == 1:
        return fields[0], thetas[0]
    from sympy.polys.numberfields import primitive_element
    x = sympy.Symbol("x")
    poly, coeffs = primitive_element(thetas, x)
    theta = sum(c * t for c, t in zip(coeffs, thetas))
    return NumberField.from_sympy(theta), theta


def _offsets(dims: list[int], B: int | None, blocks) -> tuple[list[int], int]:
    """Offsets of each constituent in the hidden vector and the hidden size: consecutive for
    ``full``, block ``b`` starting at ``b * B`` for ``block``."""
    if B is None:
        offsets = [int(o) for o in np.cumsum([0] + dims[:-1])]
        return offsets, int(sum(dims))
    offsets = [0] * len(dims)
    for b, members in enumerate(blocks):
        pos = b * B
        for i in members:
            offsets[i] = pos
            pos += dims[i]
    return offsets, B * len(blocks)


def _min_distance(states: np.ndarray, chunk_bytes: int = 2 ** 25) -> float:
    """The least Euclidean distance between two rows of ``states`` (``n x H``), computed a block of
    rows at a time so that the ``n x n x H`` differences are never held at once (``chunk_bytes``
    per block: 32 MiB, where the whole array of S_7 was 1.2 GB).

    >>> _min_distance(np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]), chunk_bytes=1)
    1.0
    """
    n, H = states.shape
    step = max(1, chunk_bytes // (8 * n * max(H, 1)))
    best = np.inf
    for start in range(0, n, step):
        block = states[start:start + step]
        dist = np.linalg.norm(block[:, None, :] - states[None, :, :], axis=2)
        dist[np.arange(len(block)), np.arange(start, start + len(block))] = np.inf
        best = min(best, float(dist.min()))
    return best


def _generic_h0(rims, offsets, H, members) -> np.ndarray:
    """An integer start vector with trivial stabiliser (distinct float states for all members)."""
    rng = np.random.default_rng(0)
    used = np.zeros(H, dtype=bool)
    for r, o in zip(rims, offsets):
        used[o:o + r.dim] = True
    candidates = [np.arange(1, H + 1)] + [rng.integers(1, 10, size=H) for _ in range(50)]
    for v in candidates:
        v = np.where(used, v, 0).astype(np.int64)
        states = np.zeros((len(members), H))
        for r, o in zip(rims, offsets):
            states[:, o:o + r.dim] = np.einsum("gji,j->gi", r.matrices[members], v[o:o + r.dim])
        if _min_distance(states) > 1e-6:
            return v
    raise NotRealizableError("no start vector with trivial stabiliser found among 51 candidates")



class _Common(TypedDict):
    """The fields an exact and a numeric representation construction share (passed as keywords)."""

    shape: Level
    method: str
    theorem: str
    labels: tuple[str, ...]
    alphabet: tuple[str, ...]
    source: dict
    irreducibles: tuple[IrreducibleUsed, ...]
    blocks: tuple[tuple[int, ...], ...]


def _build(target: GroupTarget, level: str, B: int | None, irreps: tuple[int, ...] | None = None):
    G, alph = target.group, list(target.alphabet)
    S, alph_S = tracked_subgroup(G, alph)
    theorem = "faithful sum of real irreducibles, A(x) = rho(x)^T" + \
        (" (block-size classification)" if level == "block" else "")
    if S.order == 1:
        one = np.ones((1, 1), dtype=np.int64)
        mats = tuple(SparseMatrix(RATIONALS, (1, 1), np.array([0]), np.array([0]), one) for _ in alph)
        shape = Full(hidden=1) if level == "full" else Block(hidden=B or 1, block=B or 1)
        if shape.hidden != 1:
            one_block = np.zeros((1, shape.hidden, 1), dtype=np.int64)
            one_block[0, 0, 0] = 1
            mats = tuple(SparseMatrix(RATIONALS, (shape.hidden, shape.hidden), np.arange(shape.hidden),
                                      np.arange(shape.hidden), np.ones((1, shape.hidden), dtype=np.int64))
                         for _ in alph)
            start = Columns(RATIONALS, one_block, np.ones(1, dtype=np.int64))
            R = SparseMatrix(RATIONALS, (1, shape.hidden), np.array([0]), np.array([0]), one)
        else:
            start = Columns(RATIONALS, one[:, :, None], np.ones(1, dtype=np.int64))
            R = SparseMatrix(RATIONALS, (1, 1), np.array([0]), np.array([0]), one)
        return ExactConstruction(shape=shape, method="representation", theorem="trivial group",
                                 labels=(G.names[0],), alphabet=target.alphabet_names, source=target.source,
                                 blocks=((),) * (shape.hidden // (B or 1)) if level == "block" else (),
                                 field=RATIONALS, transitions=mats, h0=start, readout=R)
    block: int | None
    blocks: tuple[tuple[int, ...], ...]
    if level == "full":
        idx = hierarchy_level(S).min_faithful_real_irreps if irreps is None else tuple(irreps)
        block, blocks = None, ()
    else:
        block, idx, blocks = _block_layout(S, B)
    rims = [real_irrep_matrices(S, i) for i in idx]
    dims = [r.dim for r in rims]
    offsets, H = _offsets(dims, block, blocks)
    shape = Full(hidden=H) if block is None else Block(hidden=H, block=block)
    members = np.arange(S.order)
    h0 = _generic_h0(rims, offsets, H, members)
    common = _Common(shape=shape, method="representation", theorem=theorem, labels=tuple(S.names),
                     alphabet=target.alphabet_names, source=target.source,
                     irreducibles=tuple(IrreducibleUsed(r.real_irrep, r.dim, r.type, r.model, r.field)
                                        for r in rims),
                     blocks=tuple(tuple(dims[i] for i in b) for b in blocks))
    if all(r.exact for r in rims):
        return _exact(G, alph_S, rims, offsets, H, h0, common)
    A = np.zeros((len(alph), H, H))
    for k, a in enumerate(alph_S):
        A[k] = np.eye(H)
        for r, o in zip(rims, offsets):
            A[k, o:o + r.dim, o:o + r.dim] = r.matrices[a].T
    h0f = h0.astype(float) / np.linalg.norm(h0)
    phi = np.zeros((S.order, H))
    for r, o in zip(rims, offsets):
        phi[:, o:o + r.dim] = np.einsum("gji,j->gi", r.matrices, h0f[o:o + r.dim])
    return NumericConstruction(A=A, h0=h0f, readout=phi, residual=float(max(r.residual for r in rims)), **common)


def exact_readout(F: NumberField, G: FiniteGroup, mats, start: Columns, labels, alphabet) -> SparseMatrix:
    """The readout with rows ``R_g = φ(g)^T`` (one per label, in ``labels`` order), ``φ`` from the exact
    orbit of ``start`` under ``mats`` over ``alphabet`` (element names); checks the one-step identity
    on the way (:func:`bilinear.theory.automata.one_step.exact_orbit`)."""
    H = int(start.num.shape[1])
    common = {"labels": labels, "alphabet": alphabet}
    ref = Automaton.from_group(G, [G.element(a) for a in common["alphabet"]])
    order, store = exact_orbit(F, mats, start, ref)
    label_of = {G.names[q]: k for k, q in enumerate(order)}
    den = math.lcm(*[int(x) for x in store.den])
    rows, cols, nums = [], [], []
    for lab_idx, name in enumerate(common["labels"]):
        k = label_of[name]
        scale = den // int(store.den[k])
        for i in range(H):
            c = store.num[:, i, k]
            if np.any(c != 0):
                rows.append(lab_idx)
                cols.append(i)
                nums.append(np.asarray(c, dtype=object) * scale)
    R = SparseMatrix(F, (len(common["labels"]), H), np.array(rows, dtype=np.int64),
                     np.array(cols, dtype=np.int64), np.stack(nums, axis=1), den)
    return R


def _exact(G, alph_S, rims, offsets, H, h0, common: _Common) -> ExactConstruction:
    F, theta = _field_of(rims)
    # the readout's exact orbit checks every element against every symbol: refused up front when too long
    check_work(G.order * len(alph_S) * H * H * F.degree ** 2,
               f"the exact one-step check of {G.order} states x {len(alph_S)} symbols (hidden size {H}, "
               f"field degree {F.degree})")
    cache: dict = {}

    def coeffs(e):
        if e not in cache:
            cache[e] = F.coefficients(e, theta)
        return cache[e]

    used = np.zeros(H, dtype=bool)
    for r, o in zip(rims, offsets):
        used[o:o + r.dim] = True
    mats = []
    for a in alph_S:
        entries = {(i, i): [Fraction(1)] + [Fraction(0)] * (F.degree - 1) for i in np.flatnonzero(~used)}
        for r, o in zip(rims, offsets):
            M = r.exact_matrix(a).T          # the alphabet's matrices only, not all |G| of them
            for i in range(r.dim):
                for j in range(r.dim):
                    if M[i, j] != 0:
                        entries[(o + i, o + j)] = coeffs(M[i, j])
        mats.append(SparseMatrix.from_fractions(F, entries, (H, H)))
    h0_num = np.zeros((F.degree, H, 1), dtype=np.int64)
    h0_num[0, :, 0] = h0
    start = Columns(F, h0_num, np.ones(1, dtype=np.int64))
    R = exact_readout(F, G, mats, start, common["labels"], common["alphabet"])
    return ExactConstruction(field=F, transitions=tuple(mats), h0=start, readout=R, **common)


def faithful_construction(target: GroupTarget) -> ExactConstruction | NumericConstruction:
    """FULL(H) at the smallest faithful real dimension ``H = min_faithful_dim_real`` of ``<alphabet>``.

    Formula: ``A(x) = ⊕_i ρ_i(x)^T`` over a faithful set of real irreducibles of least total dimension,
    ``h0`` an integer vector with trivial stabiliser, readout rows ``R_g = φ(g)^T``.  Theorem: a faithful
    orthogonal representation tracks the group (docs/design.md §3); minimality from the faithful-set search.

    Example: ``S5`` gives ``H = 4`` (the standard representation), ``Q8`` gives ``H = 4`` (the quaternions).

    >>> from bilinear.theory import parse_group
    >>> faithful_construction(GroupTarget.resolve(parse_group("Q8"))).shape
    Full(hidden=4)
    """
    return _build(target, "full", None)


def block_construction(target: GroupTarget, block: int | None = None) -> ExactConstruction | NumericConstruction:
    """BLOCK(H, B): real irreducibles of dimension ``<= B`` in ``B x B`` diagonal blocks.

    Formula: ``A(x) = blockdiag_b(⊕_{i in block b} ρ_i(x)^T ⊕ I)``, ``h0`` an integer vector with
    trivial stabiliser (zero on the padding), readout rows ``R_g = φ(g)^T``.  ``B`` defaults to
    ``min_block_real`` (S3, D4 -> 2; A4, S4, A5 -> 3; S5, Q8 -> 4); below it the construction is refused
    with the block-size classification's witness.  Hidden size ``B`` times the least number of blocks
    that hold a faithful set of real irreducibles of dimension ``<= B``
    (:func:`bilinear.theory.hierarchy.placement.block_packing`, the size ``bilinear analyze`` reports).  Theorem:
    block-size classification.

    Example: ``A4xZ5`` at ``B = 3``: the 3-dimensional irreducible of ``A4`` and a rotation block of
    ``Z5`` need two blocks, ``H = 6``:

    >>> from bilinear.theory import parse_group
    >>> c = block_construction(GroupTarget.resolve(parse_group("A4xZ5")))
    >>> c.shape, c.blocks
    (Block(hidden=6, block=3), ((2,), (3,)))
    """
    if block is not None and (isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block < 1):
        raise expected("block", "a positive integer", block)
    return _build(target, "block", None if block is None else int(block))
