"""Real irreducible representations as orthogonal matrices, ready for ``A(sigma) = rho(sigma)^T``.

:func:`real_irrep_matrices` ``(G, r)`` returns a :class:`RealIrrepMatrices` for the real
irreducible ``r`` (an index into :func:`bilinear.theory.representations.real_irreps.real_irreducibles`) with
``rho(G.mul(g, h)) = rho(g) @ rho(h)`` and ``rho(g)^T rho(g) = I``:

* **exact** when one of the models of :mod:`bilinear.theory.representations.exact_models` applies (tried in this order):
  integer signed-permutation matrices (induced from a ±1 character of a subgroup), rotations and
  reflections for every 2-dimensional real irreducible (entries ``cos, sin(2 pi t/m)``), the
  orthonormal Helmert model of the standard (deleted permutation) representation of a 2-transitive
  permutation group (and its product with a ±1 character), the icosahedral and binary icosahedral
  models in ``Q(sqrt 5)``.  These were verified in exact arithmetic: homomorphism on all elements
  times generators, orthogonality, and character (or eigenvalues) equal to the character table.
* **numeric** (float64) otherwise, by the commutant method: take a permutation module
  ``R[G/H]`` containing ``psi`` (the smallest index among cyclic subgroups and centralisers of
  class representatives, else ``H = 1``), project onto the ``psi``-isotypic component with the
  central idempotent ``(chi(1)/|G|) sum_g rho~(g) P_g`` (``rho~`` = the sum of the distinct complex
  constituents, a real class function), pick a random symmetric element of the commutant (the
  centraliser algebra of ``R[G/H]`` is spanned by the orbital matrices), restrict it to the
  component and take the eigenspace of its smallest eigenvalue: by Schur's lemma its eigenspaces are
  irreducible copies of ``psi`` (End = R, C or H gives real, Hermitian or quaternion-Hermitian
  commutant, whose eigenspaces are single copies).  ``rho(g) = U^T P_g U`` for an orthonormal basis
  ``U`` of that eigenspace.  The character is compared with the table to 1e-9 (else
  :class:`MathematicalError`) and the homomorphism residual is reported.

Example::

    >>> from bilinear.theory import alternating_group
    >>> R = real_irrep_matrices(alternating_group(5), 1)
    >>> R.dim, R.exact, R.field
    (3, True, 'Q(sqrt(5))')
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable

import numpy as np
import sympy

from bilinear.theory.characters.table import CharacterTable

from bilinear.theory.characters.build import character_table
from bilinear.theory.errors import InputError, MathematicalError, expected, type_of
from bilinear.theory.representations.exact_models import EXACT_BUILDERS, _right_transversal
from bilinear.theory.groups.group import FiniteGroup, _orbit_labels
from bilinear.theory.representations.real_irreps import real_irreducibles

__all__ = ["RealIrrepMatrices", "real_irrep_matrices", "all_real_irrep_matrices", "CHARACTER_TOLERANCE"]

#: Numeric models must reproduce the character table to this absolute tolerance.
CHARACTER_TOLERANCE = 1e-9


@dataclass(frozen=True, eq=False)
class RealIrrepMatrices:
    """An orthogonal real irreducible representation of a group, one matrix per element index.

    ``real_irrep`` (index into ``real_irreducibles(G)``), ``dim``, ``type`` ("real", "complex",
    "quaternionic"), ``exact``, ``model`` (how it was built), ``field`` ("Z", "Q", "Q(sqrt(5))",
    "Q(sqrt(2), sqrt(3))", "Q(2*cos(2*pi/7))", ...; "R (numeric float64)" for numeric ones),
    ``primitive_element`` (sympy ``theta`` with every entry in ``Q(theta)``; None for Z and Q and
    for numeric models), ``matrices`` (float64 ``(|G|, dim, dim)``, read-only), ``residual``
    (max Frobenius norm of ``rho(g) rho(h) - rho(gh)`` over the checked pairs of the float64
    matrices), ``orthogonality_error`` (max ``||rho(g)^T rho(g) - I||_F``), ``character_error``
    (max ``|tr rho(g) - psi(g)|``, float64), ``checked_pairs`` ("all" or "all x generators+32").
    ``matrices_exact``: tuple of sympy ``ImmutableMatrix`` (one per element) when ``exact``, else
    None; :meth:`exact_matrix` gives one of them.
    """

    group_name: str
    real_irrep: int
    dim: int
    type: str
    exact: bool
    model: str
    field: str
    primitive_element: sympy.Expr | None
    matrices: np.ndarray
    residual: float
    orthogonality_error: float
    character_error: float
    checked_pairs: str
    _exact_matrix: Callable[[int], sympy.ImmutableMatrix] | None = dataclasses.field(default=None, repr=False)

    def exact_matrix(self, g: int) -> sympy.ImmutableMatrix:
        """The exact matrix of element ``g`` (raises InputError for numeric models)."""
        if self._exact_matrix is None:
            raise InputError(f"real irreducible {self.real_irrep}: the model is numeric, no exact matrices")
        if not 0 <= int(g) < len(self.matrices):
            raise expected("g", f"an element index in 0..{len(self.matrices) - 1}", g)
        return self._exact_matrix(int(g))

    @cached_property
    def matrices_exact(self) -> tuple[sympy.ImmutableMatrix, ...] | None:
        if self._exact_matrix is None:
            return None
        return tuple(self._exact_matrix(g) for g in range(len(self.matrices)))


# ------------------------------------------------------------------------------------ numeric model
def _candidate_subgroups(G: FiniteGroup):
    """Cyclic subgroups and centralisers of class representatives, by increasing index."""
    everything = np.arange(G.order)
    out: dict = {}
    for g in G.class_representatives:
        for H in (G.closure([int(g)]), np.flatnonzero(G.mul(everything, g) == G.mul(g, everything))):
            out.setdefault(H.tobytes(), H)
    return sorted(out.values(), key=lambda H: (-len(H), H.tolist()[:4]))


def _permutation_module(G: FiniteGroup, T: CharacterTable, chi: int, max_degree: int = 3000) -> np.ndarray:
    """``perm[g, i]`` = coset of ``t_i g`` for the smallest-index subgroup whose permutation module
    contains ``chi`` (multiplicity ``<1_H, chi|_H> > 0``, computed from the table)."""
    values = T.row_complex(chi)
    for H in _candidate_subgroups(G) + [np.array([0])]:
        if G.order // len(H) > max_degree and len(H) > 1:
            continue
        if len(H) > 1 and values[G.class_of[H]].real.mean() < 0.5:
            continue
        reps, label = _right_transversal(G, H)
        return label[G.mul(reps[None, :], np.arange(G.order)[:, None])]
    raise MathematicalError(f"{G.name}: no permutation module of degree <= {max_degree} contains the character")


def _orbital_labels(G: FiniteGroup, perm: np.ndarray) -> np.ndarray:
    """Orbit label of every pair ``(i, j)`` (flattened ``i n + j``) under the generators."""
    n = perm.shape[1]
    maps = [(perm[s][:, None] * n + perm[s][None, :]).ravel() for s in G.generators]
    return _orbit_labels(n * n, maps) if maps else np.arange(n * n)


def _numeric_basis(G: FiniteGroup, T: CharacterTable, r: int, perm: np.ndarray, seed: int) -> np.ndarray:
    ir = real_irreducibles(T)[r]
    n, D = perm.shape[1], ir.real_dim
    chi = ir.constituents[0]
    tilde = T.row_complex(chi).real * (2.0 if ir.type == "complex" else 1.0)
    w = (T.degrees[chi] / G.order) * tilde[G.class_of]
    P = np.bincount((np.arange(n)[None, :] * n + perm).ravel(), weights=np.repeat(w, n), minlength=n * n).reshape(n, n)
    vals, vecs = np.linalg.eigh((P + P.T) / 2)
    Q = vecs[:, vals > 0.5]
    if Q.shape[1] == 0 or Q.shape[1] % D:
        raise MathematicalError(f"{G.name}: the isotypic component has dimension {Q.shape[1]}, not a multiple of {D}")
    if Q.shape[1] == D:
        return Q
    labels = np.unique(_orbital_labels(G, perm), return_inverse=True)[1]
    rng = np.random.default_rng(seed)
    for _ in range(8):
        A = rng.standard_normal(labels.max() + 1)[labels].reshape(n, n)
        C = Q.T @ (A + A.T) @ Q
        ev, W = np.linalg.eigh((C + C.T) / 2)
        scale = 1.0 + np.abs(ev).max()
        if ev[D] - ev[D - 1] > 1e-6 * scale and ev[D - 1] - ev[0] < 1e-8 * scale:
            return Q @ W[:, :D]
    raise MathematicalError(f"{G.name}: no random commutant element split the isotypic component")


def _numeric_matrices(G: FiniteGroup, U: np.ndarray, perm: np.ndarray) -> np.ndarray:
    D = U.shape[1]
    out = np.empty((G.order, D, D))
    step = max(1, 2_000_000 // (U.shape[0] * D))
    for start in range(0, G.order, step):
        out[start:start + step] = np.einsum("id,gie->gde", U, U[perm[start:start + step]])
    return out


# ------------------------------------------------------------------------------------ checks
def _float_checks(G: FiniteGroup, T: CharacterTable, r: int, rho: np.ndarray) -> tuple[float, float, float, str]:
    ir = real_irreducibles(T)[r]
    n = G.order
    if n * n <= 40_000:
        hs, scope = np.arange(n), "all"
    else:
        extra = np.random.default_rng(0).integers(0, n, 32)
        hs, scope = np.unique(np.concatenate([np.asarray(G.generators, dtype=np.int64), extra])), "all x generators+32"
    residual = 0.0
    everything = np.arange(n)
    for h in hs:
        diff = rho @ rho[h] - rho[G.mul(everything, h)]
        residual = max(residual, float(np.sqrt((diff ** 2).sum(axis=(1, 2))).max()))
    eye = np.eye(ir.real_dim)
    ortho = float(np.sqrt(((np.transpose(rho, (0, 2, 1)) @ rho - eye) ** 2).sum(axis=(1, 2))).max())
    chi = ir.constituents[0]
    psi = T.row_complex(chi).real * (1.0 if ir.type == "real" else 2.0)
    char_err = float(np.abs(np.trace(rho, axis1=1, axis2=2) - psi[G.class_of]).max())
    return residual, ortho, char_err, scope


def real_irrep_matrices(G: FiniteGroup, r: int, seed: int = 0) -> RealIrrepMatrices:
    """Orthogonal matrices of the real irreducible ``r`` of ``G`` (module docstring); built once
    per (group, r, seed).  Example: ``real_irrep_matrices(quaternion_group(), 4).field == "Z"`` (the
    4x4 signed permutation model of Q_8 acting on the quaternions)."""
    if not isinstance(G, FiniteGroup):
        raise expected("G", "a FiniteGroup", type_of(G))
    T = character_table(G)
    irr = real_irreducibles(T)
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or not 0 <= int(r) < len(irr):
        raise expected("r", f"a real irreducible index in 0..{len(irr) - 1}", r)
    r = int(r)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise expected("seed", "an integer", seed)
    return G.memo(("real_irrep_matrices", r, int(seed)), lambda: _build_real_irrep_matrices(G, T, r, int(seed)))


def _build_real_irrep_matrices(G: FiniteGroup, T: CharacterTable, r: int, seed: int) -> RealIrrepMatrices:
    irr = real_irreducibles(T)
    ir = irr[r]
    model = None
    for build in EXACT_BUILDERS:
        model = build(G, T, r)
        if model is not None:
            break
    desc: tuple[str, str, Any, Any]
    if model is not None:
        rho = np.ascontiguousarray(model.floats, dtype=np.float64)
        desc = (model.model, model.field, model.primitive_element, model.exact_matrix)
    else:
        perm = _permutation_module(G, T, ir.constituents[0])
        rho = _numeric_matrices(G, _numeric_basis(G, T, r, perm, seed), perm)
        desc = (f"numeric commutant eigenspace in a permutation module of degree {perm.shape[1]}",
                "R (numeric float64)", None, None)
    residual, ortho, char_err, scope = _float_checks(G, T, r, rho)
    if char_err > CHARACTER_TOLERANCE or ortho > 1e-8:
        raise MathematicalError(f"{G.name}: real irreducible {r}: character error {char_err:.2e}, "
                                f"orthogonality error {ortho:.2e}")
    rho.setflags(write=False)
    return RealIrrepMatrices(G.name, r, ir.real_dim, ir.type, model is not None, desc[0], desc[1], desc[2], rho,
                             residual, ortho, char_err, scope, desc[3])


def all_real_irrep_matrices(G: FiniteGroup) -> tuple[RealIrrepMatrices, ...]:
    """:func:`real_irrep_matrices` for every real irreducible of ``G``, in order."""
    return tuple(real_irrep_matrices(G, r) for r in range(len(real_irreducibles(G))))
