"""Exact orthogonal models of real irreducible representations (used by :mod:`bilinear.theory.representations.matrices`).

Each builder either returns an :class:`ExactModel` whose homomorphism property, orthogonality and
character have been verified in exact arithmetic, or ``None`` when its kind of model does not
apply.  A model that applies but fails its exact check raises :class:`MathematicalError`.

* :func:`signed_permutation_model` -- ``Ind_H^G lambda`` for a subgroup ``H`` of index ``dim`` and a
  homomorphism ``lambda: H -> {+1, -1}``: ``rho(g)[i, j] = lambda(t_i g t_j^-1)`` (zero when that
  is not in ``H``), ``t_i`` right coset representatives.  Integer signed permutation matrices:
  ±1 characters, Q_8 on the quaternions (``H = Z(Q_8)``), the cube and tetrahedron models of
  ``S_4`` and ``A_4``, most real irreducibles of 2-groups.
* :func:`rotation_model` -- every 2-dimensional real irreducible: its image is a finite subgroup of
  ``O(2)``, so ``rho(g) = F^f(g) R^t(g)`` with ``R`` the rotation by ``2 pi / e`` and
  ``F = diag(1, -1)``; the product rule ``(f, t)(f', t') = (f + f', (-1)^f' t + t')`` is checked on
  all elements times generators, and the eigenvalue multiset ``{t, -t}`` or ``{0, e/2}`` of every
  element is compared with the character table.  Entries ``cos, sin (2 pi t / e)`` lie in
  ``Q(2 cos(2 pi / L))``, ``L = lcm(4, m)``.
* :func:`deleted_permutation_model` -- when the permutation character minus 1 (times a ±1
  character) is the target: the orthonormal Helmert basis ``v_k / sqrt(k (k+1))`` of the sum-zero
  hyperplane; ``rho(g) = S^-1 M(g) S^-1`` with integer ``M(g) = V^T P_g V`` and
  ``S = diag(sqrt(k(k+1)))``, checked through ``M(g) N^-1 M(h) = M(gh)``, ``M^T N^-1 M = N``
  (``N = S^2``) in integers.  The standard representation of ``S_n`` (and of ``A_n``, ``AGL(1,p)``,
  ``GL(3,2)`` on 7 points, any 2-transitive action).
* :func:`icosahedral_model` -- the rotation group of the icosahedron (60 matrices with entries in
  ``(1/4) Z[sqrt 5]``) and the binary icosahedral group (120 unit quaternions acting on ``H = R^4``
  by left multiplication), matched to ``G / ker`` by a search for a homomorphism with the right
  traces: the two 3-dimensional representations of ``A_5`` and the 4-dimensional quaternionic ones
  of ``SL(2, 5)``.
"""

from __future__ import annotations

import functools
import itertools
import math
from fractions import Fraction
from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy

from bilinear.theory.characters.table import CharacterTable
from bilinear.theory.arith.cyclotomic import Cyclotomic
from bilinear.theory.errors import MathematicalError
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.representations.real_irreps import real_character, real_irreducibles

__all__ = ["ExactModel", "signed_permutation_model", "rotation_model", "deleted_permutation_model",
           "icosahedral_model", "EXACT_BUILDERS"]


@dataclass(frozen=True, eq=False)
class ExactModel:
    """A verified exact model: ``floats`` (|G|, d, d) and ``exact_matrix(g)`` (sympy)."""

    model: str
    field: str
    primitive_element: sympy.Expr | None
    floats: np.ndarray
    exact_matrix: Callable[[int], sympy.ImmutableMatrix]


def _rational_character(T: CharacterTable, r: int) -> np.ndarray | None:
    """The real character of ``r`` as integers per class, or None when it is not integer-valued
    (a float pre-check first, then the exact values)."""
    ir = real_irreducibles(T)[r]
    if ir.degree == 1:
        a = T.eigenvalues[ir.constituents[0]][:, 0].astype(np.int64)
        order = T.exponent // np.gcd(T.exponent, a)
        if ir.type == "real":                               # values +-1
            return np.where(order == 1, 1, -1).astype(np.int64)
        value = {1: 2, 2: -2, 3: -1, 4: 0, 6: 1}             # zeta + zeta^-1 for zeta of that order
        if not all(int(o) in value for o in order):
            return None                                     # 2 cos(2 pi / o) is irrational otherwise
        return np.array([value[int(o)] for o in order], dtype=np.int64)
    approx = T.row_complex(ir.constituents[0]).real * (1 if ir.type == "real" else 2)
    if np.abs(approx - np.rint(approx)).max() > 1e-6:
        return None
    vals = real_character(T, r)
    if not all(v.is_rational() and v.rational_value().denominator == 1 for v in vals):
        return None
    return np.array([int(v.rational_value()) for v in vals], dtype=np.int64)


def _sign_linear_characters(T: CharacterTable) -> list[np.ndarray]:
    """The ±1-valued linear characters as integer arrays over the classes (trivial first)."""
    out = []
    for d, E in zip(T.degrees, T.eigenvalues):
        if d == 1 and np.all((2 * E.astype(np.int64)) % T.exponent == 0):
            out.append(np.where(E[:, 0] == 0, 1, -1).astype(np.int64))
    return out


# ------------------------------------------------------------------------------------ signed permutations
def _candidate_subgroups(G: FiniteGroup, index: int):
    """Subgroups of the given index among: G, centralisers and normalisers of class
    representatives, cyclic subgroups, the centre, point stabilisers of a permutation action."""
    n = G.order
    if n % index:
        return
    seen = set()
    everything = np.arange(n)

    def emit(H):
        key = H.tobytes()
        if len(H) * index == n and key not in seen:
            seen.add(key)
            return True
        return False

    if index == 1 and emit(everything):
        yield everything
    if len(G.center) * index == n and emit(G.center):
        yield G.center
    for c, g in enumerate(G.class_representatives):
        if int(G.class_sizes[c]) == index:
            H = np.flatnonzero(G.mul(everything, g) == G.mul(g, everything))
            if emit(H):
                yield H
        if n // int(G.class_orders[c]) == index:
            H = G.closure([int(g)])
            if emit(H):
                yield H
    for g in G.class_representatives:
        cyc = np.zeros(n, dtype=bool)
        cyc[G.closure([int(g)])] = True
        H = np.flatnonzero(cyc[G.conjugate(np.full(n, g), everything)])
        if emit(H):
            yield H


def _sign_homomorphisms(G: FiniteGroup, H: np.ndarray, limit: int = 64):
    """Homomorphisms ``H -> {±1}`` as arrays over G (0 outside H), by assigning signs to a greedy
    generating set and propagating along the Cayley graph (assignments that clash are dropped)."""
    gens: list[int] = []
    inside = np.zeros(G.order, dtype=bool)
    inside[0] = True
    for x in H:
        if not inside[x]:
            gens.append(int(x))
            inside[:] = False
            inside[G.closure(gens)] = True
    for count, signs in enumerate(itertools.product((1, -1), repeat=len(gens))):
        if count >= limit:
            return
        lam = _extend_along_generators(G, gens, signs, lambda a, sign: a * sign, identity=1, unset=0)
        if lam is not None:
            yield lam


def _extend_along_generators(G: FiniteGroup, gens, images, mul, identity: int, unset: int) -> np.ndarray | None:
    """The map ``img`` on the subgroup generated by ``gens`` with ``img(e) = identity`` and
    ``img(g s) = mul(img(g), image of s)``, propagated breadth-first along the Cayley graph; ``unset``
    outside that subgroup.  None when two paths to an element disagree (no such homomorphism)."""
    img = np.full(G.order, unset, dtype=np.int64)
    img[0], frontier = identity, np.array([0])
    while frontier.size:
        new = []
        for s, x in zip(gens, images):
            y, v = G.mul(frontier, s), mul(img[frontier], x)
            known = img[y] != unset
            if np.any(img[y[known]] != v[known]):
                return None
            img[y[~known]] = v[~known]
            new.append(y[~known])
        frontier = np.unique(np.concatenate(new)) if new else np.array([], dtype=np.int64)
    return img


def _right_transversal(G: FiniteGroup, H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    label = np.full(G.order, -1, dtype=np.int64)
    reps: list[int] = []
    for x in range(G.order):
        if label[x] < 0:
            label[G.mul(H, x)] = len(reps)
            reps.append(x)
    return np.array(reps, dtype=np.int64), label


def _induced_signed(G: FiniteGroup, lam: np.ndarray, reps: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Signed permutation matrices ``rho(g)[i, j] = lam(t_i g t_j^-1)`` for every g (int8)."""
    d, n = len(reps), G.order
    Y = G.mul(reps[:, None], np.arange(n)[None, :])             # t_i g
    J = label[Y]
    vals = lam[G.mul(Y, G.inverses[reps[J]])]
    rho = np.zeros((n, d, d), dtype=np.int8)
    gi = np.broadcast_to(np.arange(n)[None, :], (d, n))
    ii = np.broadcast_to(np.arange(d)[:, None], (d, n))
    rho[gi, ii, J] = vals
    return rho


def _check_integer_rep(G: FiniteGroup, rho: np.ndarray, psi_classes: np.ndarray, what: str) -> None:
    """Exact checks of integer matrices: homomorphism on all elements x generators, orthogonality,
    trace equal to the target character."""
    everything = np.arange(G.order)
    R = rho.astype(np.int64)
    for s in G.generators:
        if not np.array_equal(R @ R[s], R[G.mul(everything, s)]):
            raise MathematicalError(f"{G.name}: the {what} model is not a homomorphism")
    d = R.shape[1]
    if not np.array_equal(np.transpose(R, (0, 2, 1)) @ R, np.broadcast_to(np.eye(d, dtype=np.int64), R.shape)):
        raise MathematicalError(f"{G.name}: the {what} model is not orthogonal")
    if not np.array_equal(np.trace(R, axis1=1, axis2=2), psi_classes[G.class_of]):
        raise MathematicalError(f"{G.name}: the {what} model has the wrong character")


def signed_permutation_model(G: FiniteGroup, T: CharacterTable, r: int) -> ExactModel | None:
    """Integer signed-permutation model ``Ind_H^G lambda`` (module docstring), or None."""
    d = real_irreducibles(T)[r].real_dim
    psi = _rational_character(T, r)
    if psi is None:
        return None
    for H in _candidate_subgroups(G, d):
        reps, label = _right_transversal(G, H)
        conj = G.mul(G.mul(reps[:, None], G.class_representatives[None, :]), G.inverses[reps][:, None])  # t_i g t_i^-1
        for lam in _sign_homomorphisms(G, H):
            induced = lam[conj].sum(axis=0)                      # lam is 0 outside H
            if not np.array_equal(induced, psi):
                continue
            rho = _induced_signed(G, lam, reps, label)
            _check_integer_rep(G, rho, psi, "signed-permutation")
            return ExactModel("signed permutation", "Z", None, rho.astype(np.float64),
                              functools.partial(_integer_matrix, rho))
    return None


# ------------------------------------------------------------------------------------ O(2)
def _rotation_data(G: FiniteGroup, T: CharacterTable, r: int):
    """``(f, t)`` per element with ``rho(g) = F^f R^t``, R the rotation by ``2 pi / e``."""
    ir = real_irreducibles(T)[r]
    e = T.exponent
    E = T.eigenvalues[ir.constituents[0]].astype(np.int64)[G.class_of]    # (|G|, degree)
    if ir.type == "complex":
        return np.zeros(G.order, dtype=np.int64), E[:, 0] % e
    det = E.sum(axis=1) % e
    if not np.all((det == 0) | (2 * det == e)):
        raise MathematicalError(f"{G.name}: a 2-dimensional real representation has determinant other than ±1")
    rot = np.flatnonzero(det == 0)
    kernel = np.flatnonzero(np.all(E == 0, axis=1))
    m = len(rot) // len(kernel)
    orders = e // np.gcd(e, E[rot, 0])
    r0 = int(rot[np.flatnonzero(orders == m)[0]])
    a0 = int(E[r0, 0])
    t = np.full(G.order, -1, dtype=np.int64)
    power = 0
    for j in range(m):
        t[G.mul(kernel, power)] = (j * a0) % e
        power = int(G.mul(power, r0))
    f = (det != 0).astype(np.int64)
    if f.any():
        s = int(np.flatnonzero(f)[0])
        refl = np.flatnonzero(f)
        t[refl] = t[G.mul(G.inverses[s], refl)]
    return f, t


def rotation_model(G: FiniteGroup, T: CharacterTable, r: int) -> ExactModel | None:
    """Rotations and reflections of the plane for a 2-dimensional real irreducible (module docstring)."""
    ir = real_irreducibles(T)[r]
    if ir.real_dim != 2:
        return None
    e = T.exponent
    f, t = _rotation_data(G, T, r)
    everything = np.arange(G.order)
    for s in G.generators:
        gs = G.mul(everything, s)
        if not (np.array_equal((f + f[s]) % 2, f[gs]) and
                np.array_equal((np.where(f[s] == 1, -t, t) + t[s]) % e, t[gs])):
            raise MathematicalError(f"{G.name}: the rotation-reflection model is not a homomorphism")
    E = T.eigenvalues[ir.constituents[0]].astype(np.int64)
    table_pairs = np.sort(np.stack([E[:, 0], (-E[:, 0]) % e], axis=1) if ir.type == "complex" else E, axis=1)
    model_pairs = np.sort(np.where(f[:, None] == 1, np.array([0, e // 2])[None, :],
                                   np.stack([t, (-t) % e], axis=1)), axis=1)
    if not np.array_equal(model_pairs, table_pairs[G.class_of]):
        raise MathematicalError(f"{G.name}: the rotation-reflection model has the wrong eigenvalues")
    m = e // math.gcd(e, *[int(x) for x in np.unique(t)])
    tm = (t * m) // e
    L = math.lcm(4, m)
    theta = None if L == 4 else 2 * sympy.cos(2 * sympy.pi / L)
    short = sympy.sstr(theta) if theta is not None and len(sympy.sstr(theta)) <= 10 else f"2*cos(2*pi/{L})"
    field = "Z" if L == 4 else f"Q({short})"
    ang = 2 * np.pi * tm / m
    c, sn = np.cos(ang), np.sin(ang)
    sign = np.where(f == 1, -1.0, 1.0)
    floats = np.stack([np.stack([c, -sn], axis=1), np.stack([sign * sn, sign * c], axis=1)], axis=1)

    def exact(g: int) -> sympy.ImmutableMatrix:
        a = 2 * sympy.pi * sympy.Rational(int(tm[g]), m)
        cs, si = sympy.cos(a), sympy.sin(a)
        sg = -1 if f[g] else 1
        return sympy.ImmutableMatrix([[cs, -si], [sg * si, sg * cs]])

    return ExactModel("rotation-reflection", field, theta, floats, exact)


# ------------------------------------------------------------------------------------ Helmert
def _squarefree(n: int) -> int:
    out = 1
    for p, k in sympy.factorint(n).items():
        if k % 2:
            out *= p
    return out


def _multiquadratic_basis(numbers) -> list[int]:
    """Squarefree integers whose square roots generate ``Q(sqrt(n) : n in numbers)``: a reduced
    F_2-basis of the square classes (products of primes), e.g. ``[2, 6, 3, 42] -> [2, 3, 7]``."""
    primes = sorted({p for n in numbers for p in sympy.primefactors(n)}, reverse=True)
    rows = []
    for n in numbers:
        sf = _squarefree(n)
        rows.append(sum(1 << i for i, p in enumerate(primes) if sf % p == 0))
    basis: list[int] = []                      # reduced echelon form, pivot = highest bit
    for v in rows:
        for b in basis:
            if v ^ b < v:
                v ^= b
        if v:
            basis = [b ^ v if b ^ v < b else b for b in basis] + [v]
            basis.sort(reverse=True)
    return sorted(math.prod(p for i, p in enumerate(primes) if v >> i & 1) for v in basis)


def deleted_permutation_model(G: FiniteGroup, T: CharacterTable, r: int) -> ExactModel | None:
    """Orthonormal (Helmert) model of ``epsilon (pi - 1)`` for the group's permutation action."""
    gen_images = G.backend.permutation_images(G.codes[list(G.generators)])   # the group's own action, if any
    if gen_images is None:
        return None
    d = real_irreducibles(T)[r].real_dim
    gen_images = np.asarray(gen_images).reshape(-1, gen_images.shape[-1])
    moved = np.flatnonzero(np.any(gen_images != np.arange(gen_images.shape[1])[None, :], axis=0))
    if len(moved) != d + 1:                  # (the group moves exactly the points its generators move)
        return None
    images = np.asarray(G.backend.permutation_images(G.codes))
    pos = np.full(images.shape[1], -1)
    pos[moved] = np.arange(len(moved))
    rows = pos[images[:, moved]]                                   # action on the moved points
    n = d + 1
    psi = _rational_character(T, r)
    if psi is None:
        return None
    fix = (rows[G.class_representatives] == np.arange(n)[None, :]).sum(axis=1)
    eps = next((x for x in _sign_linear_characters(T) if np.array_equal(x * (fix - 1), psi)), None)
    if eps is None:
        return None
    V = np.zeros((n, d), dtype=np.int64)
    for k in range(1, n):
        V[:k, k - 1] = 1
        V[k, k - 1] = -k
    norms = np.array([k * (k + 1) for k in range(1, n)], dtype=np.int64)
    M = np.einsum("ik,gil->gkl", V, V[rows]) * eps[G.class_of][:, None, None]      # V^T P_g V, signed
    lcm = math.lcm(*[int(x) for x in norms])
    W = lcm // norms
    everything = np.arange(G.order)
    for s in G.generators:
        if not np.array_equal((M * W[None, None, :]) @ M[s], lcm * M[G.mul(everything, s)]):
            raise MathematicalError(f"{G.name}: the deleted permutation model is not a homomorphism")
    if not np.array_equal(np.transpose(M, (0, 2, 1)) @ (M * W[None, :, None]),
                          np.broadcast_to(lcm * np.diag(norms), M.shape)):
        raise MathematicalError(f"{G.name}: the deleted permutation model is not orthogonal")
    trace_num = (np.diagonal(M, axis1=1, axis2=2) * W[None, :]).sum(axis=1)      # lcm * trace
    if not np.array_equal(trace_num, lcm * psi[G.class_of]):
        raise MathematicalError(f"{G.name}: the deleted permutation model has the wrong character")
    basis = _multiquadratic_basis(norms)
    theta = sympy.Add(*[sympy.sqrt(b) for b in basis]) if basis else None
    field = "Q" if not basis else "Q(" + ", ".join(f"sqrt({b})" for b in basis) + ")"
    root = np.sqrt(norms.astype(np.float64))
    floats = M / root[None, :, None] / root[None, None, :]

    def exact(g: int) -> sympy.ImmutableMatrix:
        return sympy.ImmutableMatrix(d, d, lambda i, j: sympy.Integer(int(M[g, i, j])) / sympy.sqrt(int(norms[i] * norms[j])))

    return ExactModel("deleted permutation (Helmert basis)", field, theta, floats, exact)


# ------------------------------------------------------------------------------------ icosahedral
_SQRT5 = (Cyclotomic.root_of_unity(5) - Cyclotomic.root_of_unity(5, 2) - Cyclotomic.root_of_unity(5, 3)
          + Cyclotomic.root_of_unity(5, 4))                         # the Gauss sum = sqrt(5)


def _q5(a: int, b: int) -> np.ndarray:
    """``(a + b sqrt 5) / 4`` as the integer pair (a, b)."""
    return np.array([a, b], dtype=np.int64)


def _ico_generators() -> list[np.ndarray]:
    """Generators of the icosahedral rotation group, entries (a, b) = (a + b sqrt5)/4:
    the coordinate 3-cycle, diag(-1,-1,1), and the 5-fold rotation
    (1/2)[[1, phi, 1/phi], [phi, -1/phi, -1], [-1/phi, 1, -phi]]."""
    z, one, m1 = _q5(0, 0), _q5(4, 0), _q5(-4, 0)
    h, ph, iph = _q5(2, 0), _q5(1, 1), _q5(-1, 1)                   # 1/2, phi/2, 1/(2 phi)
    cyc = np.array([[z, z, one], [one, z, z], [z, one, z]])
    flip = np.array([[m1, z, z], [z, m1, z], [z, z, one]])
    five = np.array([[h, ph, iph], [ph, -iph, -h], [-iph, h, -ph]])
    return [cyc, flip, five]


def _quaternion_left(q: np.ndarray) -> np.ndarray:
    """4x4 matrix of x -> q x for q = (a, b, c, d) = a + b i + c j + d k (entries as pairs)."""
    a, b, c, d = q
    return np.array([[a, -b, -c, -d], [b, a, -d, c], [c, d, a, -b], [d, -c, b, a]])


def _binary_ico_generators() -> list[np.ndarray]:
    """Generators of the binary icosahedral group (icosians) acting on H = R^4 by left
    multiplication: (1 + i + j + k)/2 and (phi + i/phi + j)/2."""
    h = _q5(2, 0)
    q1 = np.array([h, h, h, h])
    q2 = np.array([_q5(1, 1), _q5(-1, 1), h, _q5(0, 0)])           # (phi, 1/phi, 1, 0)/2
    return [_quaternion_left(q1), _quaternion_left(q2)]


def _q5_matmul(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Product of matrices over (1/4) Z[sqrt5] (pairs on the last axis), batched on leading axes."""
    ar, ai, br, bi = A[..., 0], A[..., 1], B[..., 0], B[..., 1]
    re = ar @ br + 5 * (ai @ bi)
    im = ar @ bi + ai @ br
    out = np.stack([re, im], axis=-1)
    if np.any(out % 4):
        raise MathematicalError("an icosahedral product left (1/4) Z[sqrt 5]")
    return out // 4


@dataclass(frozen=True, eq=False)
class _MatrixGroup:
    name: str
    elements: np.ndarray          # (n, d, d, 2)
    table: np.ndarray             # (n, n) product indices
    traces: tuple                 # Cyclotomic per element


def _close(name: str, gens: list[np.ndarray]) -> _MatrixGroup:
    d = gens[0].shape[0]
    ident = np.zeros((d, d, 2), dtype=np.int64)
    ident[np.arange(d), np.arange(d), 0] = 4
    elements, index = [ident], {ident.tobytes(): 0}
    frontier = [ident]
    while frontier:
        new = []
        for x in frontier:
            for g in gens:
                y = _q5_matmul(x, g)
                if y.tobytes() not in index:
                    index[y.tobytes()] = len(elements)
                    elements.append(y)
                    new.append(y)
        frontier = new
    E = np.stack(elements)
    prods = _q5_matmul(E[:, None], E[None, :])
    table = np.array([[index[prods[i, j].tobytes()] for j in range(len(E))] for i in range(len(E))])
    gram = _q5_matmul(np.swapaxes(E, 1, 2), E)
    if not np.array_equal(gram, np.broadcast_to(ident, gram.shape)):
        raise MathematicalError(f"the {name} matrices are not orthogonal")
    tr = E[:, np.arange(d), np.arange(d), :].sum(axis=1)
    traces = tuple(Cyclotomic.rational(Fraction(int(a), 4)) + Fraction(int(b), 4) * _SQRT5 for a, b in tr)
    return _MatrixGroup(name, E, table, traces)


_MODELS: dict[str, _MatrixGroup] = {}


def _model(name: str) -> _MatrixGroup:
    if name not in _MODELS:
        gens = _ico_generators() if name == "icosahedral rotation group" else _binary_ico_generators()
        _MODELS[name] = _close(name, gens)
    return _MODELS[name]


def _find_homomorphism(G: FiniteGroup, M: _MatrixGroup, psi: list, limit: int = 200_000) -> np.ndarray | None:
    """``img`` (element of M per element of G) of a homomorphism with ``trace img(g) = psi(g)``."""
    cands = [[x for x in range(len(M.elements)) if M.traces[x] == psi[G.class_of[s]]] for s in G.generators]
    for count, choice in enumerate(itertools.product(*cands)):
        if count >= limit:
            return None
        img = _extend_along_generators(G, G.generators, choice, lambda a, x: M.table[a, x], identity=0, unset=-1)
        if img is not None and all(M.traces[img[int(g)]] == psi[c] for c, g in enumerate(G.class_representatives)):
            return img
    return None


def icosahedral_model(G: FiniteGroup, T: CharacterTable, r: int) -> ExactModel | None:
    """The icosahedral (3-dim) or binary icosahedral (4-dim) model when ``G / ker`` is that group."""
    ir = real_irreducibles(T)[r]
    name = {3: "icosahedral rotation group", 4: "binary icosahedral group"}.get(ir.real_dim)
    if name is None or G.order // ir.kernel_order != (60 if ir.real_dim == 3 else 120):
        return None
    psi = real_character(T, r)
    M = _model(name)
    img = _find_homomorphism(G, M, psi)
    if img is None:
        return None
    everything = np.arange(G.order)
    for s in G.generators:
        if not np.array_equal(M.table[img, img[s]], img[G.mul(everything, s)]):
            raise MathematicalError(f"{G.name}: the {name} model is not a homomorphism")
    if not all(M.traces[img[g]] == psi[G.class_of[g]] for g in np.unique(img, return_index=True)[1]):
        raise MathematicalError(f"{G.name}: the {name} model has the wrong character")
    floats = (M.elements[..., 0] + np.sqrt(5.0) * M.elements[..., 1]) / 4.0
    d = ir.real_dim

    def exact(g: int) -> sympy.ImmutableMatrix:
        X = M.elements[img[g]]
        return sympy.ImmutableMatrix(d, d, lambda i, j: sympy.Rational(int(X[i, j, 0]), 4)
                                     + sympy.Rational(int(X[i, j, 1]), 4) * sympy.sqrt(5))

    return ExactModel(name, "Q(sqrt(5))", sympy.sqrt(5), floats[img], exact)


#: In order of preference: integer models first.
EXACT_BUILDERS = (signed_permutation_model, rotation_model, deleted_permutation_model, icosahedral_model)


def _integer_matrix(rho: np.ndarray, g: int):
    """The exact (sympy) matrix of element ``g`` of an integer representation ``rho``."""
    return sympy.ImmutableMatrix(rho[g].astype(int).tolist())
