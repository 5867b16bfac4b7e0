"""FULL and BLOCK constructions of a group from its real irreducible representations (docs/design.md §4).

For a set ``{ρ_1, ..., ρ_r}`` of real irreducibles (orthogonal matrices, :mod:`theory.representations`)
whose kernels meet in ``{e}``, ``ρ = ρ_1 ⊕ ... ⊕ ρ_r`` is faithful and ``A(x) = ρ(x)^T`` tracks the group:
``A(x) φ(g) = ρ(g x)^T h0 = φ(g x)`` with ``φ(g) = ρ(g)^T h0``.  ``h0`` is chosen with trivial
stabiliser (a generic vector; the vectors fixed by some ``g != e`` form finitely many proper
subspaces because ``ρ`` is faithful), so ``φ`` is injective; since ``ρ`` is orthogonal every state
has the same norm and the readout rows ``R_g = φ(g)^T`` decode by argmax with a positive margin.

* ``full``: the faithful set of smallest total real dimension (``min_faithful_dim_real``).
* ``block``: real irreducibles of dimension ``<= B`` (default ``B = min_block_real``), packed into
  ``B x B`` diagonal blocks (padded with identity coordinates that stay 0).  For ``B`` below
  ``min_block_real`` the kernels of the admissible irreducibles share a non-identity element, which
  every such block-diagonal model would confuse with the identity: :class:`NotRealizableError`.

Exact when every constituent has an exact model (entries in ``Z``, ``Q``, ``Q(√5)``, multiquadratic or
cyclotomic fields); numeric (float64, with a numeric certificate) otherwise.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import sympy

from theory.automaton import Automaton
from theory.backends import PermutationBackend
from theory.errors import InputError, NotRealizableError
from theory.field_matrices import Columns, SparseMatrix
from theory.group import FiniteGroup
from theory.hierarchy_level import hierarchy_level, minimum_faithful_set
from theory.named_groups import group_from_cayley_table, permutation_group
from theory.number_field import RATIONALS, NumberField
from theory.one_step import exact_orbit
from theory.real_irreps import real_irreducibles
from theory.representations import real_irrep_matrices

from .construction import Construction, alphabet_indices, group_source

__all__ = ["faithful_construction", "block_construction", "tracked_subgroup", "block_kernel_witness"]


def tracked_subgroup(G: FiniteGroup, alph: list[int]) -> tuple[FiniteGroup, list[int]]:
    """``<alphabet>`` as a group with the same element names, and the alphabet's indices in it."""
    members = G.closure(alph)
    if len(members) == G.order:
        return G, list(alph)
    name = f"<{','.join(G.names[a] for a in alph)}> in {G.name}"
    if isinstance(G.backend, PermutationBackend):
        S = permutation_group([G.codes[a] for a in alph], name=name, backend=G.backend)
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


def _block_irreps(S: FiniteGroup, B: int | None) -> tuple[int, tuple[int, ...]]:
    L = hierarchy_level(S)
    if B is None:
        return L.min_block_real, L.min_block_real_irreps
    if B < L.min_block_real:
        g = block_kernel_witness(S, B)
        raise NotRealizableError(
            f"{S.name} needs blocks of size >= {L.min_block_real}: every real irreducible of dimension <= {B} "
            f"has {S.names[g]} in its kernel, so a block-diagonal model with blocks <= {B} (whose blocks carry "
            f"subrepresentations) cannot tell {S.names[g]} from the identity (block-size classification)")
    irr = [r for r in real_irreducibles(S) if r.real_dim <= B]
    masks = []
    for r in irr:
        m = np.zeros(S.num_classes, dtype=bool)
        m[list(r.kernel_classes)] = True
        masks.append(m)
    found = minimum_faithful_set(S, [r.real_dim for r in irr], masks)
    if found is None:
        raise NotRealizableError(f"{S.name}: the real irreducibles of dimension <= {B} are not faithful together "
                                 "(block-size classification)")
    return B, tuple(irr[i].index for i in found[1])


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


def _pack(dims: list[int], B: int) -> list[list[int]]:
    """First-fit decreasing packing of constituent positions into bins of capacity ``B``."""
    bins: list[list[int]] = []
    room: list[int] = []
    for i in sorted(range(len(dims)), key=lambda i: -dims[i]):
        for b in range(len(bins)):
            if room[b] >= dims[i]:
                bins[b].append(i)
                room[b] -= dims[i]
                break
        else:
            bins.append([i])
            room.append(B - dims[i])
    return bins


def _layout(dims: list[int], B: int | None) -> tuple[list[int], int, list[list[int]]]:
    """Offsets of each constituent in the hidden vector, the hidden size, and the blocks."""
    if B is None:
        offsets = list(np.cumsum([0] + dims[:-1]))
        return [int(o) for o in offsets], int(sum(dims)), [list(range(len(dims)))]
    bins = _pack(dims, B)
    offsets = [0] * len(dims)
    for b, members in enumerate(bins):
        pos = b * B
        for i in members:
            offsets[i] = pos
            pos += dims[i]
    return offsets, B * len(bins), bins


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
        diffs = states[:, None, :] - states[None, :, :]
        dist = np.linalg.norm(diffs, axis=2) + np.eye(len(members)) * 1e9
        if dist.min() > 1e-6:
            return v
    raise NotRealizableError("no start vector with trivial stabiliser found among 51 candidates")


def _build(G: FiniteGroup, alphabet, level: str, B: int | None) -> Construction:
    alph = alphabet_indices(G, alphabet)
    S, alph_S = tracked_subgroup(G, alph)
    if S.order == 1:
        one = np.ones((1, 1), dtype=np.int64)
        mats = tuple(SparseMatrix(RATIONALS, (1, 1), [0], [0], one) for _ in alph)
        return Construction(level=level, labels=(G.names[0],), alphabet=tuple(G.names[a] for a in alph),
                            source=group_source(G, alph), field=RATIONALS, transitions=mats,
                            h0=Columns(RATIONALS, one[:, :, None], np.ones(1, dtype=np.int64)),
                            readout=SparseMatrix(RATIONALS, (1, 1), [0], [0], one),
                            info={"irreps": [], "block": 1, "theorem": "trivial group"})
    if level == "full":
        idx = hierarchy_level(S).min_faithful_real_irreps
        block = None
    else:
        block, idx = _block_irreps(S, B)
    rims = [real_irrep_matrices(S, i) for i in idx]
    dims = [r.dim for r in rims]
    offsets, H, bins = _layout(dims, block)
    members = np.arange(S.order)
    h0 = _generic_h0(rims, offsets, H, members)
    info = {"irreps": [{"index": r.real_irrep, "real_dim": r.dim, "type": r.type, "model": r.model,
                        "field": r.field} for r in rims],
            "subgroup_order": S.order,
            "theorem": "faithful sum of real irreducibles, A(x) = rho(x)^T"}
    if block is not None:
        info.update(block=block, blocks=[[dims[i] for i in b] for b in bins])
    labels = tuple(S.names)
    alphabet_names = tuple(G.names[a] for a in alph)
    if all(r.exact for r in rims):
        return _exact(G, alph, alph_S, S, rims, offsets, H, h0, level, labels, alphabet_names, info)
    A = np.zeros((len(alph), H, H))
    for k, a in enumerate(alph_S):
        A[k] = np.eye(H)
        for r, o in zip(rims, offsets):
            A[k, o:o + r.dim, o:o + r.dim] = r.matrices[a].T
    used = np.zeros(H, dtype=bool)
    for r, o in zip(rims, offsets):
        used[o:o + r.dim] = True
    h0f = h0.astype(float) / np.linalg.norm(h0)
    phi = np.zeros((S.order, H))
    for r, o in zip(rims, offsets):
        phi[:, o:o + r.dim] = np.einsum("gji,j->gi", r.matrices, h0f[o:o + r.dim])
    info["residual"] = max(r.residual for r in rims)
    return Construction(level=level, labels=labels, alphabet=alphabet_names, source=group_source(G, alph),
                        numeric=(A, h0f, phi), info=info)


def _exact(G, alph, alph_S, S, rims, offsets, H, h0, level, labels, alphabet_names, info) -> Construction:
    F, theta = _field_of(rims)
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
            M = r.matrices_exact[a].T
            for i in range(r.dim):
                for j in range(r.dim):
                    if M[i, j] != 0:
                        entries[(o + i, o + j)] = coeffs(M[i, j])
        mats.append(SparseMatrix.from_fractions(F, entries, (H, H)))
    h0_num = np.zeros((F.degree, H, 1), dtype=np.int64)
    h0_num[0, :, 0] = h0
    start = Columns(F, h0_num, np.ones(1, dtype=np.int64))
    ref = Automaton.from_group(G, alph)
    order, store = exact_orbit(F, mats, start, ref)
    label_of = {G.names[q]: k for k, q in enumerate(order)}
    den = math.lcm(*[int(x) for x in store.den])
    rows, cols, nums = [], [], []
    for lab_idx, name in enumerate(labels):
        k = label_of[name]
        scale = den // int(store.den[k])
        for i in range(H):
            c = store.num[:, i, k]
            if np.any(c != 0):
                rows.append(lab_idx)
                cols.append(i)
                nums.append(np.asarray(c, dtype=object) * scale)
    R = SparseMatrix(F, (len(labels), H), rows, cols, np.stack(nums, axis=1), den)
    return Construction(level=level, labels=labels, alphabet=alphabet_names, source=group_source(G, alph),
                        field=F, transitions=tuple(mats), h0=start, readout=R, info=info)


def faithful_construction(G: FiniteGroup, alphabet="generators") -> Construction:
    """FULL(H) at the smallest faithful real dimension ``H = min_faithful_dim_real`` of ``<alphabet>``.

    Formula: ``A(x) = ⊕_i ρ_i(x)^T`` over a faithful set of real irreducibles of least total dimension,
    ``h0`` an integer vector with trivial stabiliser, readout rows ``R_g = φ(g)^T``.  Theorem: a faithful
    orthogonal representation tracks the group (docs/design.md §3); minimality from the faithful-set search.

    Example: ``S5`` gives ``H = 4`` (the standard representation), ``Q8`` gives ``H = 4`` (the quaternions).
    """
    return _build(G, alphabet, "full", None)


def block_construction(G: FiniteGroup, alphabet="generators", block: int | None = None) -> Construction:
    """BLOCK(H, B): real irreducibles of dimension ``<= B`` in ``B x B`` diagonal blocks.

    ``B`` defaults to ``min_block_real`` (S3, D4 -> 2; A4, S4, A5 -> 3; S5, Q8 -> 4); below it the
    construction is refused with the block-size classification's witness.  Hidden size ``B`` times
    the number of blocks (first-fit packing of a least-dimension faithful set).

    Example: ``A4xZ5`` at ``B = 3``: the 3-dimensional irreducible of ``A4`` and a rotation block of
    ``Z5`` packed into two blocks, ``H = 6``.
    """
    if block is not None and (isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block < 1):
        raise InputError(f"block: expected a positive integer, got {block!r}")
    return _build(G, alphabet, "block", None if block is None else int(block))
