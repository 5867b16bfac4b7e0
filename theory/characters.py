"""Exact character tables of finite groups, with a certificate.

**What is computed.**  For a :class:`~theory.group.FiniteGroup` ``G`` with ``k`` conjugacy classes
and exponent ``e``, the ``k`` irreducible complex characters.  Every value ``chi(g)`` is held as the
multiset of eigenvalues of ``rho_chi(g)``: ``eigenvalues[i][c]`` is a sorted integer row of length
``chi_i(1)`` whose entries ``a`` stand for ``zeta_e^a`` (``zeta_e = exp(2 pi i / e)``), so
``chi_i(g_c) = sum_a zeta_e^a`` -- an exact element of ``Z[zeta_e]`` (reduce it to coordinates with
:func:`theory.cyclotomic.reduce_counts`).  Kernels, indicators, conjugates and powers read off this
form directly (``g^j`` has eigenvalues ``zeta^(j a)``).

**Method (non-abelian groups): Dixon-Schneider modulo a prime.**  Take the smallest prime
``p = 1 (mod e)`` with ``p > 2 sqrt|G|``.  The class sums ``C_j`` satisfy ``C_j C_r = sum_s a_jrs C_s``
with ``a_jrs = #{x in C_j : x^-1 z_s in C_r}`` (``z_s`` a representative of class ``s``).  The
central characters ``omega_chi(C_s) = |C_s| chi(g_s) / chi(1)`` are the common eigenvectors of the
matrices ``M_j[r, s] = a_jrs`` (``M_j omega = omega(C_j) omega``).  Since ``p`` does not divide
``|G|`` and GF(p) contains the e-th roots of unity, the class algebra over GF(p) is split semisimple
and its ``k`` characters are the reductions of the ``omega_chi`` (reduction modulo a prime ``P``
above ``p``, fixed by sending ``zeta_e`` to a chosen primitive e-th root ``w`` mod p).  So
splitting GF(p)^k by the eigenspaces of ``M_j`` for ``j = 1, 2, ...`` ends in ``k`` lines.  Then
``chi(1)^2 = |G| / sum_s omega_s omega_s* / |C_s|`` (``s*`` = class of inverses; the unique root
``<= sqrt|G|`` because ``p > 2 sqrt|G|``), ``chi(g_s) = omega_s chi(1) / |C_s|`` mod p, and the
eigenvalue multiplicities ``m_t = (1/o) sum_l chi(g^l) w_o^(-t l)`` (``o`` the order of ``g``,
``w_o = w^(e/o)``) are integers in ``0..chi(1) < p``, hence recovered exactly.  (J. D. Dixon,
Numer. Math. 10 (1967); G. J. A. Schneider, J. Symb. Comput. 9 (1990).)

**Abelian groups** are built from their invariants by :mod:`theory.abelian_characters` (an
:class:`~theory.abelian_characters.AbelianCharacterTable`: dual vectors instead of a ``|G| x |G|``
array, with its own cheap proof); :func:`certify_character_table` below still applies to it, as
an independent (dense) check for small groups.

**Certificate** (:meth:`CharacterTable.certify`, run by :func:`character_table`): exact arithmetic
in ``Z[zeta_e]`` checks ``k`` rows for ``k`` classes, ``chi(1)`` dividing ``|G|``,
``sum chi(1)^2 = |G|``, consistency with the power maps (the multiset at ``g^q`` is ``q`` times the
multiset at ``g``, every prime ``q | |G|``), row orthogonality
``sum_c |C_c| chi_i(g_c) conj(chi_j(g_c)) = |G| delta_ij`` and column orthogonality
``sum_i chi_i(g_c) conj(chi_i(g_d)) = delta_cd |C_G(g_c)|``; and, when ``k^4 e`` is at most
:data:`CENTRAL_CHECK_LIMIT`, that every row yields a central character (an algebra homomorphism
of the class algebra), which with the rest proves the rows are exactly the irreducible
characters.  Any failure raises :class:`MathematicalError`.  For abelian groups above :data:`LITERAL_ABELIAN_LIMIT` elements the
two orthogonality relations are certified through the theorem they follow from instead: every row
is verified to be a homomorphism ``G -> <zeta_e>`` (on all elements times all generators), the
``|G|`` rows are pairwise distinct and the columns pairwise distinct; distinct homomorphisms are
orthogonal (sum of a non-trivial homomorphism over a group is 0), and a square matrix with
orthonormal rows has orthonormal columns.

Example::

    >>> from theory import symmetric_group
    >>> T = character_table(symmetric_group(3))
    >>> T.degrees, T.certificate.row_orthogonality
    ((1, 1, 2), True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

from .cyclotomic import Cyclotomic, reduction_matrix, tensor_coordinates
from .errors import MathematicalError, expected, type_of
from .group import FiniteGroup
from .integers import primefactors
from .lazy import LazyModule
from .modular_linear_algebra import choose_prime, column_echelon_basis, eigenspaces_mod

sympy = LazyModule("sympy")   # imported on first use (primitive_root, Dixon-Schneider only)

__all__ = ["BaseCharacterTable", "CharacterTable", "TableCertificate", "character_table", "certify_character_table",
           "LITERAL_ABELIAN_LIMIT", "CENTRAL_CHECK_LIMIT", "lexicographic_order"]

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


class _ByCharacter(Protocol):
    """Indexable by character: a ``(k, ...)`` array or rows built on demand."""

    def __len__(self) -> int: ...

    def __getitem__(self, i: Any) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


class BaseCharacterTable:
    """What every character-table type derives from its ``group``, ``exponent``, ``degrees``,
    ``eigenvalues`` (indexable by character) and ``kernel_mask`` (indexable by character)."""

    # declared for the type checker only (this base is no dataclass, so these make no fields): each
    # subclass provides them as dataclass fields or cached properties
    group: FiniteGroup
    exponent: int

    if TYPE_CHECKING:
        @property
        def degrees(self) -> tuple[int, ...]: ...

        @property
        def eigenvalues(self) -> _ByCharacter: ...

        @property
        def kernel_mask(self) -> _ByCharacter: ...

        @property
        def certificate(self) -> TableCertificate: ...

        @property
        def conjugates(self) -> tuple[int, ...]: ...

        @property
        def indicators(self) -> tuple[int, ...]: ...

    # ---------------------------------------------------------------- basics
    @property
    def num_characters(self) -> int:
        return len(self.degrees)

    @property
    def class_sizes(self) -> np.ndarray:
        return self.group.class_sizes

    def value(self, i: int, c: int) -> Cyclotomic:
        """``chi_i(g_c)`` as an exact :class:`Cyclotomic` (in ``Q(zeta_o)``, ``o`` the element order)."""
        o = int(self.group.class_orders[c])
        return Cyclotomic.from_exponents(o, self.eigenvalues[i][c] // (self.exponent // o))

    def row(self, i: int) -> list[Cyclotomic]:
        return [self.value(i, c) for c in range(self.group.num_classes)]

    def counts(self, i: int) -> np.ndarray:
        """``(num_classes, e)`` integer counts: ``chi_i(g_c) = sum_t counts[c, t] zeta_e^t``."""
        E = self.eigenvalues[i]
        k = E.shape[0]
        idx = (np.arange(k)[:, None] * self.exponent + E).ravel()
        return np.bincount(idx, minlength=k * self.exponent).reshape(k, self.exponent)

    def coordinates(self, i: int) -> np.ndarray:
        """``(num_classes, phi(e))`` integer coordinates of row ``i`` on the power basis of ``Q(zeta_e)``."""
        return self.counts(i) @ reduction_matrix(self.exponent)

    def row_complex(self, i: int) -> np.ndarray:
        """Floating-point values of character ``i`` on the classes (complex128, numerics only)."""
        roots = np.exp(2j * np.pi * np.arange(self.exponent) / self.exponent)
        return roots[self.eigenvalues[i]].sum(axis=1)

    @cached_property
    def values_complex(self) -> np.ndarray:
        """Floating-point values ``(num_characters, num_classes)`` complex128 (numerics only)."""
        return np.array([self.row_complex(i) for i in range(self.num_characters)])

    def kernel(self, i: int) -> np.ndarray:
        """Sorted element indices of ``ker chi_i = {g : chi_i(g) = chi_i(1)}``."""
        return np.flatnonzero(self.kernel_mask[i][self.group.class_of])

    def kernel_order(self, i: int) -> int:
        return int(self.class_sizes[self.kernel_mask[i]].sum())

    @property
    def kernel_orders(self) -> np.ndarray:
        """``|ker chi_i|`` for every character (int64)."""
        return np.array([self.kernel_order(i) for i in range(self.num_characters)], dtype=np.int64)

    def certify(self) -> TableCertificate:
        """Run (or return) the exact certificate; raises :class:`MathematicalError` on failure."""
        return self.certificate

    def format(self, max_classes: int = 24) -> str:
        """The table as text: one column per class (size, order), values exact (E(n) notation,
        sqrt for quadratic irrationalities)."""
        from .character_format import format_table
        return format_table(self, max_classes)


@dataclass(frozen=True, eq=False)
class CharacterTable(BaseCharacterTable):
    """The irreducible characters of ``group`` (rows) on its conjugacy classes (columns, in the
    group's class order).  Build with :func:`character_table`.

    Fields: ``group``; ``exponent`` e; ``degrees``; ``eigenvalues`` (per character an int array
    ``(num_classes, degree)`` of exponents of ``zeta_e``, each row sorted); ``prime`` (the
    Dixon-Schneider prime, 0 for the abelian construction); ``method``.
    """

    group: FiniteGroup
    exponent: int
    degrees: tuple[int, ...]
    eigenvalues: tuple[np.ndarray, ...]
    prime: int
    method: str

    @cached_property
    def kernel_mask(self) -> np.ndarray:
        """``kernel_mask[i, c]``: class ``c`` lies in ``ker chi_i`` (all eigenvalues 1): the rows
        are sorted and non-negative, so this is their last (largest) exponent being 0."""
        m = np.stack([E[:, -1] for E in self.eigenvalues]) == 0
        m.setflags(write=False)
        return m

    @cached_property
    def kernel_orders(self) -> np.ndarray:
        """``|ker chi_i|`` for every character (int64): the class sizes on the kernel mask, summed."""
        out = self.kernel_mask.astype(np.int64) @ self.class_sizes.astype(np.int64)
        out.setflags(write=False)
        return out

    @cached_property
    def conjugates(self) -> tuple[int, ...]:
        """``conjugates[i]`` = index of ``conj(chi_i)``, i.e. ``g -> chi_i(g^-1)``."""
        G = self.group
        inv_class = G.class_of[G.inverses[G.class_representatives]]
        keys = {E.tobytes(): i for i, E in enumerate(self.eigenvalues)}
        out = []
        for E in self.eigenvalues:
            k = E[inv_class].tobytes()
            if k not in keys:
                raise MathematicalError(f"{G.name}: the complex conjugate of a character is not in the table")
            out.append(keys[k])
        return tuple(out)

    @cached_property
    def indicators(self) -> tuple[int, ...]:
        """Frobenius-Schur indicators ``(1/|G|) sum_g chi(g^2)``, exactly: 0 when ``chi`` is not
        real-valued (Frobenius-Schur); otherwise ``chi(g^2)`` has eigenvalue exponents ``2a``, the
        sum is reduced in ``Z[zeta_e]`` and must be the integer ``+-|G|``."""
        G, e = self.group, self.exponent
        real = [i for i in range(self.num_characters) if self.conjugates[i] == i]   # nu = 0 iff not real-valued
        counts = np.zeros((len(real), e), dtype=np.int64)
        for row, i in enumerate(real):
            E = self.eigenvalues[i]
            w = np.repeat(self.class_sizes, E.shape[1]).astype(np.float64)
            counts[row] = np.rint(np.bincount(((2 * E.astype(np.int64)) % e).ravel(), weights=w, minlength=e))
        coords = _reduce(counts, e)
        out = [0] * self.num_characters
        for row, i in enumerate(real):
            total, rest = int(coords[row, 0]), coords[row, 1:]
            if np.any(rest != 0) or total % G.order or total // G.order not in (-1, 0, 1):
                raise MathematicalError(f"{G.name}: a Frobenius-Schur indicator is not -1, 0 or 1")
            out[i] = total // G.order
        return tuple(out)

    @cached_property
    def certificate(self) -> TableCertificate:
        """The exact certificate (computed once; raises :class:`MathematicalError` on failure):
        :func:`certify_character_table` (subclasses built from a structure prove it their way)."""
        return certify_character_table(self)



# ------------------------------------------------------------------------------------ building
def character_table(G: FiniteGroup, certify: bool = True) -> CharacterTable:
    """The certified character table of ``G`` (built once per group object).

    Abelian groups: from their invariants (:mod:`theory.abelian_characters`); direct products:
    the tensor product of the factors' tables (:mod:`theory.product_characters`); dihedral groups:
    from the presentation (:mod:`theory.dihedral_characters`); others: Dixon-Schneider modulo a
    prime (module docstring).
    Example: ``character_table(quaternion_group()).degrees == (1, 1, 1, 1, 2)``.
    """
    if not isinstance(G, FiniteGroup):
        raise expected("G", "a FiniteGroup", type_of(G))
    table = G.memo("character_table", lambda: _build_table(G))
    if certify:
        table.certify()
    return table


def _build_table(G: FiniteGroup):
    if G.is_abelian:
        from .abelian_characters import abelian_character_table
        return abelian_character_table(G)
    from .product_characters import direct_factors, product_character_table
    if direct_factors(G):
        return product_character_table(G)
    from .dihedral_characters import dihedral_character_table, dihedral_generators
    if dihedral_generators(G) is not None:
        return dihedral_character_table(G)
    return _dixon_schneider_table(G)


def lexicographic_order(rows: np.ndarray) -> np.ndarray:
    """The stable permutation sorting the rows of a non-negative integer matrix lexicographically
    (column 0 first), in one vectorised sort: each row is read as one big-endian byte string.

    >>> lexicographic_order(np.array([[1, 0], [0, 300], [0, 2]])).tolist()
    [2, 1, 0]
    """
    rows = np.asarray(rows)
    if rows.ndim != 2:
        raise expected("rows", "a 2-dimensional integer array", rows.shape)
    if rows.size and rows.min() < 0:
        raise expected("rows", "non-negative entries", int(rows.min()))
    wide = ">u2" if not rows.size or rows.max() < 2 ** 16 else ">u8"
    if rows.shape[1] == 0:
        return np.arange(len(rows))
    keys = np.ascontiguousarray(rows.astype(wide)).view(np.dtype((np.void, rows.shape[1] * np.dtype(wide).itemsize)))
    return np.argsort(keys.ravel(), kind="stable")


_T = TypeVar("_T", bound="CharacterTable")


def _sorted_table(G, e, degrees, eig, prime, method, order=None, cls: type[_T] | None = None) -> _T:
    """Order the characters by degree, then lexicographically by their eigenvalue data (the
    trivial character first); ``order`` may be given when already known.  ``cls`` is the table
    type (default :class:`CharacterTable`)."""
    if order is None:
        order = []
        for d in sorted(set(int(x) for x in degrees)):
            idx = np.array([i for i, x in enumerate(degrees) if x == d])
            flat = np.stack([np.asarray(eig[i]).ravel() for i in idx])
            order += idx[lexicographic_order(flat)].tolist()
    eig_sorted = []
    for i in order:
        a = np.ascontiguousarray(eig[i])
        a.setflags(write=False)
        eig_sorted.append(a)
    make = CharacterTable if cls is None else cls
    return make(G, e, tuple(int(degrees[i]) for i in order), tuple(eig_sorted), prime, method)  # type: ignore[return-value]


def _class_matrix(G: FiniteGroup, j: int) -> np.ndarray:
    """``M_j[r, s] = #{x in C_j : x^-1 z_s in C_r}`` (z_s the representative of class s)."""
    k = G.num_classes
    x_inv = G.inverses[G.classes[j]]
    M = np.zeros(k * k, dtype=np.int64)
    step = max(1, 400_000 // k)
    for start in range(0, len(x_inv), step):
        prod = G.mul(x_inv[start:start + step, None], G.class_representatives[None, :])
        r = G.class_of[prod]
        M += np.bincount((r * k + np.arange(k)[None, :]).ravel(), minlength=k * k)
    return M.reshape(k, k)


def _split_by_class_matrices(G: FiniteGroup, p: int) -> np.ndarray:
    """The ``k`` common eigenvectors (rows, normalised to 1 on the identity class) of the class
    matrices over GF(p)."""
    k = G.num_classes
    spaces = [column_echelon_basis(np.eye(k, dtype=np.int64), p)]
    order = sorted(range(1, k), key=lambda j: (int(G.class_sizes[j]), j))
    for j in order:
        if all(B.shape[1] == 1 for B, _ in spaces):
            break
        M = _class_matrix(G, j) % p
        new = []
        for B, piv in spaces:
            if B.shape[1] == 1:
                new.append((B, piv))
                continue
            R = ((M @ B) % p)[piv, :]
            for _, N in eigenspaces_mod(R, p):
                new.append(column_echelon_basis((B @ N) % p, p))
        spaces = new
    if not all(B.shape[1] == 1 for B, _ in spaces) or len(spaces) != k:
        raise MathematicalError(f"{G.name}: the class matrices do not split GF({p})^{k} into lines")
    omegas = np.array([B[:, 0] for B, _ in spaces], dtype=np.int64)
    if np.any(omegas[:, 0] == 0):
        raise MathematicalError(f"{G.name}: a central character vanishes on the identity class")
    inv0 = np.array([pow(int(x), -1, p) for x in omegas[:, 0]], dtype=np.int64)
    return (omegas * inv0[:, None]) % p


def _degrees_and_values(G: FiniteGroup, omegas: np.ndarray, p: int) -> tuple[list[int], np.ndarray]:
    n = G.order
    sizes = G.class_sizes
    inv_size = np.array([pow(int(s), -1, p) for s in sizes], dtype=np.int64)
    star = G.class_of[G.inverses[G.class_representatives]]
    s = ((omegas * omegas[:, star]) % p * inv_size[None, :]).sum(axis=1) % p
    cand = np.arange(1, math.isqrt(n) + 1, dtype=np.int64)
    degrees = []
    for si in s:
        if si == 0:
            raise MathematicalError(f"{G.name}: a central character has zero norm modulo {p}")
        target = (n % p) * pow(int(si), -1, p) % p
        hits = cand[(cand * cand) % p == target]
        if len(hits) != 1:
            raise MathematicalError(f"{G.name}: no unique degree d <= sqrt|G| with d^2 = {target} mod {p}")
        degrees.append(int(hits[0]))
    d = np.array(degrees, dtype=np.int64)
    values = (omegas * d[:, None]) % p * inv_size[None, :] % p
    return degrees, values


def _power_classes(G: FiniteGroup) -> np.ndarray:
    """``P[c, l]`` = class of ``g_c^l`` for ``l < max order``."""
    reps = G.class_representatives
    top = int(G.class_orders.max())
    P = np.empty((G.num_classes, top), dtype=np.int64)
    cur = np.zeros_like(reps)
    for l in range(top):
        P[:, l] = G.class_of[cur]
        cur = G.mul(cur, reps)
    return P


def _matmul_mod(A: np.ndarray, B: np.ndarray, p: int) -> np.ndarray:
    """``A @ B mod p`` for entries in ``0..p-1``: float64 BLAS when exact (< 2^53), else int64."""
    if A.shape[-1] * (p - 1) ** 2 < 2 ** 53:
        return np.rint(A.astype(np.float64) @ B.astype(np.float64)).astype(np.int64) % p
    return (A @ B) % p


def _lift_eigenvalues(G: FiniteGroup, degrees: list[int], values: np.ndarray, p: int, w: int) -> list[np.ndarray]:
    """Eigenvalue exponents per character and class from the values mod p (module docstring)."""
    e, k = G.exponent, G.num_classes
    P = _power_classes(G)
    d = np.array(degrees, dtype=np.int64)
    eig = [np.zeros((k, di), dtype=np.int64) for di in degrees]
    for o in np.unique(G.class_orders):
        o = int(o)
        cs = np.flatnonzero(G.class_orders == o)
        u = pow(w, e // o, p)
        upow = np.array([pow(u, t, p) for t in range(o)], dtype=np.int64)
        W = upow[(-np.outer(np.arange(o), np.arange(o))) % o]
        S = values[:, P[cs, :o]]                                      # (chars, n_o, o)
        m = _matmul_mod(S.reshape(-1, o), W, p).reshape(len(d), len(cs), o)
        m = (m * pow(o, -1, p)) % p
        if np.any(m > d[:, None, None]) or np.any(m.sum(axis=2) != d[:, None]):
            raise MathematicalError(f"{G.name}: eigenvalue multiplicities modulo {p} do not lift to integers")
        t_exp = np.arange(o, dtype=np.int64) * (e // o)
        for i, di in enumerate(degrees):
            eig[i][cs] = np.repeat(np.tile(t_exp, len(cs)), m[i].ravel()).reshape(len(cs), di)
    return eig


def _dixon_schneider_table(G: FiniteGroup) -> CharacterTable:
    e = G.exponent
    p = choose_prime(e, G.order)
    w = pow(int(sympy.primitive_root(p)), (p - 1) // e, p)
    omegas = _split_by_class_matrices(G, p)
    degrees, values = _degrees_and_values(G, omegas, p)
    eig = _lift_eigenvalues(G, degrees, values, p, w)
    dtype = np.int16 if e < 2 ** 15 else np.int32
    return _sorted_table(G, e, degrees, [x.astype(dtype) for x in eig], p, "dixon-schneider")


# ------------------------------------------------------------------------------------ certificate
def certify_character_table(T: CharacterTable) -> TableCertificate:
    """Exact certificate of a character table (module docstring); raises :class:`MathematicalError`."""
    G = T.group
    n = G.order
    _check_shape_and_degrees(T)
    _check_power_maps(T)
    if G.is_abelian and n > LITERAL_ABELIAN_LIMIT:
        _check_abelian_homomorphisms(T)
        method = "homomorphisms"
    else:
        _check_row_orthogonality(T)
        _check_column_orthogonality(T)
        method = "literal"
    central = G.is_abelian or _check_central_characters(T)
    return TableCertificate(n, G.num_classes, True, True, True, True, True, method, central)


def _check_shape_and_degrees(T) -> None:
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
    B = np.stack([_class_matrix(G, j) * sizes[None, :] for j in range(k)]).reshape(k * k, k).astype(np.float64)
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


def _check_power_maps(T: CharacterTable) -> None:
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
    (:func:`theory.cyclotomic.tensor_coordinates`; an integer ``c`` is ``(c, 0, ..., 0)``)."""
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
