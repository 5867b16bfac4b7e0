"""The exact certificate of a character table (docs/design.md §6).

Exact arithmetic in ``Z[zeta_e]`` checks ``k`` rows for ``k`` classes, ``chi(1)`` dividing ``|G|``,
``sum chi(1)^2 = |G|``, consistency with the power maps (the multiset at ``g^q`` is ``q`` times the
multiset at ``g``, every prime ``q | |G|``), row orthogonality
``sum_c |C_c| chi_i(g_c) conj(chi_j(g_c)) = |G| delta_ij`` and column orthogonality
``sum_i chi_i(g_c) conj(chi_i(g_d)) = delta_cd |C_G(g_c)|``; and, when ``k^4 e`` is at most
:data:`CENTRAL_CHECK_LIMIT`, that every row yields a central character (an algebra homomorphism
of the class algebra), which with the rest proves the rows are exactly the irreducible
characters.  Any failure raises :class:`MathematicalError`.  For abelian groups above
:data:`LITERAL_ABELIAN_LIMIT` elements the two orthogonality relations are certified through the
theorem they follow from instead: every row is verified to be a homomorphism ``G -> <zeta_e>`` (on
all elements times all generators), the ``|G|`` rows are pairwise distinct and the columns pairwise
distinct; distinct homomorphisms are orthogonal, and a square matrix with orthonormal rows has
orthonormal columns.

    >>> from bilinear.theory import quaternion_group
    >>> from bilinear.theory.characters.build import character_table
    >>> certify_character_table(character_table(quaternion_group())).orthogonality_method
    'literal'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bilinear.theory.arith.cyclotomic import tensor_coordinates
from bilinear.theory.arith.integers import primefactors
from bilinear.theory.characters.class_algebra import class_matrix
from bilinear.theory.errors import MathematicalError

if TYPE_CHECKING:
    from bilinear.theory.characters.table import CharacterTable

__all__ = ["TableCertificate", "certify_character_table", "check_shape_and_degrees", "check_power_maps", "LITERAL_ABELIAN_LIMIT",
           "CENTRAL_CHECK_LIMIT"]

#: Abelian groups up to this order get the literal orthogonality check as well.
LITERAL_ABELIAN_LIMIT = 256


@dataclass(frozen=True)
class TableCertificate:
    """What :meth:`CharacterTable.certify` verified (every field True, else it raised)."""

    order: int
    num_classes: int
    degrees_divide_order: bool
    sum_of_squares: bool
    power_maps_consistent: bool
    row_orthogonality: bool
    column_orthogonality: bool
    orthogonality_method: str  # "literal" (exact sums in Z[zeta_e]) or "homomorphisms" (abelian)
    central_characters: bool   # rows checked to be algebra homomorphisms of Z(CG) (see certify)


def certify_character_table(T: CharacterTable) -> TableCertificate:
    """Exact certificate of a character table (module docstring); raises :class:`MathematicalError`."""
    G = T.group
    n = G.order
    check_shape_and_degrees(T)
    check_power_maps(T)
    if G.is_abelian and n > LITERAL_ABELIAN_LIMIT:
        _check_abelian_homomorphisms(T)
        method = "homomorphisms"
    else:
        _check_row_orthogonality(T)
        _check_column_orthogonality(T)
        method = "literal"
    central = G.is_abelian or _check_central_characters(T)
    return TableCertificate(n, G.num_classes, True, True, True, True, True, method, central)


def check_shape_and_degrees(T) -> None:
    """``k`` rows of the right shapes and range, ``chi(1)`` on the identity, ``chi(1) | |G|`` and
    ``sum chi(1)^2 = |G|``."""
    G, e = T.group, T.exponent
    k, n = G.num_classes, G.order
    name = G.name
    if T.num_characters != k or len(T.eigenvalues) != k:
        raise MathematicalError(f"{name}: {T.num_characters} characters for {k} classes")
    for d, E in zip(T.degrees, T.eigenvalues):
        if E.shape != (k, d) or np.any(E < 0) or np.any(E >= e):
            raise MathematicalError(f"{name}: eigenvalue data of a character has the wrong shape or range")
        if np.any(E[0] != 0):
            raise MathematicalError(f"{name}: a character is not its degree at the identity")
        if np.any(np.diff(E, axis=1) < 0):
            raise MathematicalError(f"{name}: eigenvalue rows must be sorted")
    if any(n % d for d in T.degrees):
        raise MathematicalError(f"{name}: a degree does not divide |G| = {n}: {T.degrees}")
    if sum(d * d for d in T.degrees) != n:
        raise MathematicalError(f"{name}: the squares of the degrees sum to {sum(d * d for d in T.degrees)}, not {n}")


#: The central-character check costs about k^4 e operations (BLAS); it is skipped above this.
CENTRAL_CHECK_LIMIT = 10 ** 9


def _check_central_characters(T: CharacterTable) -> bool:
    """Exact check that every row gives an algebra homomorphism of the class algebra:
    ``|C_j| |C_r| chi(g_j) chi(g_r) = chi(1) sum_s a_jrs |C_s| chi(g_s)`` for all classes j, r.
    Returns False (not checked) when ``k^4 e`` exceeds :data:`CENTRAL_CHECK_LIMIT`.

    With it the certificate is a proof: ``omega(C_s) = |C_s| chi(g_s) / chi(1)`` is then one of
    the k central characters of an irreducible psi, distinct rows give distinct ones, so
    ``chi = (chi(1)/psi(1)) psi`` and norm 1 with ``chi(1) > 0`` forces ``chi = psi``.
    """
    G, e = T.group, T.exponent
    k = G.num_classes
    if k ** 4 * e > CENTRAL_CHECK_LIMIT:
        return False
    sizes = G.class_sizes.astype(np.int64)
    B = np.stack([class_matrix(G, j) * sizes[None, :] for j in range(k)]).reshape(k * k, k).astype(np.float64)
    w_jr = (sizes[:, None] * sizes[None, :]).astype(np.float64)
    for i, (d, E) in enumerate(zip(T.degrees, T.eigenvalues)):
        E = E.astype(np.int64)
        sums = (E[:, None, :, None] + E[None, :, None, :]) % e              # (j, r, d, d)
        pos = (np.arange(k * k).reshape(k, k)[:, :, None, None] * e + sums).ravel()
        weights = np.broadcast_to(w_jr[:, :, None, None], sums.shape).ravel()
        lhs = np.rint(np.bincount(pos, weights=weights, minlength=k * k * e)).astype(np.int64)
        counts = np.zeros((k, e), dtype=np.int64)
        np.add.at(counts, (np.repeat(np.arange(k), d), E.ravel()), 1)
        rhs = d * np.rint(B @ counts.astype(np.float64)).astype(np.int64)     # exact: entries < 2^53
        if np.any(_reduce(lhs.reshape(k * k, e) - rhs, e)):
            raise MathematicalError(f"{G.name}: character {i} does not give a central character")
    return True


def check_power_maps(T: CharacterTable) -> None:
    """The multiset at ``g^q`` is ``q`` times the multiset at ``g`` (every prime ``q | |G|``),
    checked on the characters of one degree at a time, a few million entries per step."""
    G, e = T.group, T.exponent
    k = G.num_classes
    primes = primefactors(G.order)
    maps = [(q, G.power_map(q)) for q in primes]
    wide = np.int32 if max(primes, default=1) * e < 2 ** 31 else np.int64
    for d in sorted(set(T.degrees)):
        idx = [i for i, x in enumerate(T.degrees) if x == d]
        step = max(1, 4_000_000 // max(k * d, 1))
        for start in range(0, len(idx), step):
            E = np.stack([T.eigenvalues[i] for i in idx[start:start + step]]).astype(wide)   # (m, k, d)
            for q, pm in maps:
                Q = (q * E) % e
                if d == 2:                     # sorting pairs: min and max (np.sort is slow on tiny rows)
                    Q = np.stack([np.minimum(Q[..., 0], Q[..., 1]), np.maximum(Q[..., 0], Q[..., 1])], axis=-1)
                elif d > 2:
                    Q.sort(axis=2)
                if not np.array_equal(Q, E[:, pm]):
                    raise MathematicalError(f"{G.name}: a character is inconsistent with the {q}-th power map")


def _degree_groups(T: CharacterTable) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(character indices, stacked eigenvalues (n_d, k, d))]`` per distinct degree."""
    out = []
    for d in sorted(set(T.degrees)):
        idx = np.array([i for i, x in enumerate(T.degrees) if x == d])
        out.append((idx, np.stack([T.eigenvalues[i].astype(np.int64) for i in idx])))
    return out


def _reduce(counts: np.ndarray, e: int) -> np.ndarray:
    """Exact coordinates of count vectors in ``Z[zeta_e]`` on the tensor basis
    (:func:`bilinear.theory.arith.cyclotomic.tensor_coordinates`; an integer ``c`` is ``(c, 0, ..., 0)``)."""
    return tensor_coordinates(counts, e)


def _check_row_orthogonality(T: CharacterTable) -> None:
    G, e = T.group, T.exponent
    n = G.order
    groups = _degree_groups(T)
    for i, Ei in enumerate(T.eigenvalues):
        Ei = Ei.astype(np.int64)
        for idx, Ej in groups:
            diff = (Ei[None, :, :, None] - Ej[:, :, None, :]) % e              # (n_d, k, d_i, d_j)
            w = np.broadcast_to(G.class_sizes[None, :, None, None], diff.shape).astype(np.float64)
            pos = np.arange(len(idx))[:, None, None, None] * e + diff
            counts = np.rint(np.bincount(pos.ravel(), weights=w.ravel(), minlength=len(idx) * e))
            coords = _reduce(counts.astype(np.int64).reshape(len(idx), e), e)
            expected = np.zeros_like(coords)
            expected[idx == i, 0] = n
            if not np.array_equal(coords, expected):
                raise MathematicalError(f"{G.name}: row orthogonality fails for character {i}")


def _check_column_orthogonality(T: CharacterTable) -> None:
    G, e = T.group, T.exponent
    k, n = G.num_classes, G.order
    groups = _degree_groups(T)
    for c in range(k):
        counts = np.zeros(k * e, dtype=np.int64)
        for _, Ed in groups:
            diff = (Ed[:, c, :, None][:, None, :, :] - Ed[:, :, None, :]) % e   # (n_d, k, d, d)
            pos = np.arange(k)[None, :, None, None] * e + diff
            counts += np.bincount(pos.ravel(), minlength=k * e)
        coords = _reduce(counts.reshape(k, e), e)
        expected = np.zeros_like(coords)
        expected[c, 0] = n // int(G.class_sizes[c])
        if not np.array_equal(coords, expected):
            raise MathematicalError(f"{G.name}: column orthogonality fails for class {c}")


def _check_abelian_homomorphisms(T: CharacterTable) -> None:
    G, e = T.group, T.exponent
    dtype = np.uint16 if e < 2 ** 15 else np.int64                     # sums of two exponents < 2e
    XT = np.empty((G.order, len(T.eigenvalues)), dtype=dtype)           # (elements, chars)
    for i, E in enumerate(T.eigenvalues):
        XT[:, i] = E[:, 0]
    everything = np.arange(G.order)
    for s in G.generators:
        shifted = XT + XT[s]
        shifted[shifted >= e] -= e
        if not np.array_equal(XT[G.mul(everything, s)], shifted):
            raise MathematicalError(f"{G.name}: a linear character is not a homomorphism")
    if len({XT[:, i].tobytes() for i in range(XT.shape[1])}) != G.order:
        raise MathematicalError(f"{G.name}: the linear characters are not pairwise distinct")
    if len({col.tobytes() for col in XT}) != G.order:
        raise MathematicalError(f"{G.name}: the linear characters do not separate the elements")
