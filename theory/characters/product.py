"""Character tables of direct products from the tables of their factors (tensor products).

**Theorem** (J.-P. Serre, *Linear Representations of Finite Groups*, §3.2, Theorem 10).  The
irreducible characters of ``G_1 x ... x G_m`` are exactly the products
``chi(g_1, ..., g_m) = chi_1(g_1) ... chi_m(g_m)`` of irreducible characters of the factors, each
once.  The classes of the product are the products of classes, so the table is the tensor
(Kronecker) product of the factors' tables.

**Construction.**  The element ``(g_1, ..., g_m)`` of :func:`bilinear.theory.groups.named.direct_product`
has index ``((i_1 |G_2| + i_2) |G_3| + ...)`` and the class ``(c_1, ..., c_m)`` has index
``((c_1 k_2 + c_2) k_3 + ...)`` (classes are numbered by their smallest element, and the smallest
element of a product of classes is the tuple of the smallest elements).  An eigenvalue of
``rho_1(g_1) (x) ... (x) rho_m(g_m)`` is a product of eigenvalues of the factors, so in units of
``zeta_e`` (``e = lcm e_j``, the product's exponent) the eigenvalue data of the product character
at a class is the sorted multiset of sums ``sum_j a_j e / e_j`` over the factors' data.  Nothing
is recomputed from the product's multiplication: the cost is that of the factors' tables plus
``O(k^2 d)`` for ``k`` classes of the product.  The characters are then ordered as every table
is (degree, then eigenvalue data lexicographically).

**Certificate (a proof).**  :func:`certify_product_table` certifies each factor's table, checks
that the index map ``G -> G_1 x ... x G_m`` is a homomorphism (``x(g s) = x(g) x(s)`` for every
element ``g`` and generator ``s``; it is a bijection by construction of the indices), that the
product's classes are the products of the factors' classes, rebuilds the tensor product and
requires it to equal the given table, and runs the cheap general checks (shapes, degrees, power
maps).  With the theorem, orthogonality and the central characters hold
(``orthogonality_method = "direct product"``).

Example::

    >>> from bilinear.theory import parse_group
    >>> from bilinear.theory.characters.build import character_table
    >>> G = parse_group("S3xS3")
    >>> T = product_character_table(G, tuple(character_table(F) for F in direct_factors(G)))
    >>> T.degrees, T.certificate.orthogonality_method
    ((1, 1, 1, 1, 2, 2, 2, 2, 4), 'direct product')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bilinear.theory.characters.certificate import check_power_maps, check_shape_and_degrees
from bilinear.theory.characters.certificate import TableCertificate
from bilinear.theory.characters.table import CharacterTable, sorted_table
from bilinear.theory.errors import MathematicalError
from bilinear.theory.groups.group import FiniteGroup

__all__ = ["ProductCharacterTable", "product_character_table", "certify_product_table", "direct_factors"]


def direct_factors(G: FiniteGroup) -> tuple[FiniteGroup, ...] | None:
    """The factors ``G`` was built from by :func:`bilinear.theory.groups.named.direct_product` (``None`` for
    any other group)."""
    return G.__dict__.get("_memo", {}).get("direct_factors")


def _mixed(parts: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    out = np.zeros_like(parts[0])
    for p, n in zip(parts, sizes):
        out = out * n + p
    return out


def _split(index: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    out = []
    for n in reversed(sizes):
        out.append(index % n)
        index = index // n
    return out[::-1]


def _product_rows(G: FiniteGroup, tables: tuple[CharacterTable, ...]) -> tuple[int, list[int], list[np.ndarray]]:
    """``(e, degrees, eigenvalue rows)`` of the tensor product of the factors' certified tables, in
    the product's class order (unsorted characters: the factors' characters in mixed radix)."""
    e = math.lcm(*[T.exponent for T in tables])
    if e != G.exponent:
        raise MathematicalError(f"{G.name}: the exponent is not the lcm of the factors' exponents")
    rows: list[np.ndarray] = [np.zeros((1, 1), dtype=np.int64)]        # (classes so far, degree) per character
    degrees = [1]
    for T in tables:
        scale = e // T.exponent
        new_rows, new_degrees = [], []
        factor_rows = [np.asarray(T.eigenvalues[i], dtype=np.int64) * scale for i in range(T.num_characters)]
        for A, da in zip(rows, degrees):
            for B, db in zip(factor_rows, T.degrees):
                # classes (c, c') in mixed radix; eigenvalues a + b over all pairs
                S = (A[:, None, :, None] + B[None, :, None, :]) % e
                new_rows.append(np.sort(S.reshape(A.shape[0] * B.shape[0], da * db), axis=1))
                new_degrees.append(da * int(db))
        rows, degrees = new_rows, new_degrees
    return e, degrees, rows


def _check_structure(G: FiniteGroup, factors: tuple[FiniteGroup, ...]) -> None:
    """The index map is a homomorphism onto the product and the classes are products of classes."""
    sizes = [F.order for F in factors]
    if math.prod(sizes) != G.order:
        raise MathematicalError(f"{G.name}: the factors' orders do not multiply to |G| = {G.order}")
    everything = np.arange(G.order, dtype=np.int64)
    coords = _split(everything, sizes)
    for s in G.generators:
        parts = _split(np.array([s]), sizes)
        image = _mixed([F.mul(x, int(p[0])) for F, x, p in zip(factors, coords, parts)], sizes)
        if not np.array_equal(G.mul(everything, s), image):
            raise MathematicalError(f"{G.name}: the element indices are not the direct product of the factors")
    classes = _mixed([F.class_of[x] for F, x in zip(factors, coords)], [F.num_classes for F in factors])
    if not np.array_equal(G.class_of, classes):
        raise MathematicalError(f"{G.name}: the classes are not the products of the factors' classes")


@dataclass(frozen=True, eq=False)
class ProductCharacterTable(CharacterTable):
    """The table of a direct product as the tensor product of its factors' tables
    (:func:`product_character_table`), which it keeps (``factor_tables``, in the order of the
    factors); certificate :func:`certify_product_table`."""

    factor_tables: tuple[CharacterTable, ...] = ()

    @cached_property
    def certificate(self) -> TableCertificate:
        return certify_product_table(self)


def product_character_table(G: FiniteGroup, factor_tables: tuple[CharacterTable, ...]) -> ProductCharacterTable:
    """The (uncertified) table of a direct product built by
    :func:`~bilinear.theory.groups.named.direct_product` (raises if ``G`` was not), from the
    tables of its factors (:func:`~bilinear.theory.characters.build.character_table` passes them)."""
    factors = direct_factors(G)
    if not factors:
        raise MathematicalError(f"{G.name}: not built as a direct product")
    _check_factor_tables(G, factors, factor_tables)
    _check_structure(G, factors)
    e, degrees, rows = _product_rows(G, factor_tables)
    dtype = np.int16 if e < 2 ** 15 else np.int32
    return sorted_table(G, e, degrees, [x.astype(dtype) for x in rows], 0, "direct product",
                        cls=ProductCharacterTable, factor_tables=tuple(factor_tables))


def _check_factor_tables(G: FiniteGroup, factors: tuple[FiniteGroup, ...], tables: tuple[CharacterTable, ...]) -> None:
    if len(tables) != len(factors) or any(T.group is not F for T, F in zip(tables, factors)):
        raise MathematicalError(f"{G.name}: the factor tables are not the tables of its direct factors")


def certify_product_table(T) -> TableCertificate:
    """The proof of the module docstring; raises :class:`MathematicalError` when a step fails."""
    G = T.group
    factors = direct_factors(G)
    if not factors:
        raise MathematicalError(f"{G.name}: the table claims a direct product, but the group has no factors")
    _check_factor_tables(G, factors, T.factor_tables)
    for F in T.factor_tables:
        F.certify()
    _check_structure(G, factors)
    check_shape_and_degrees(T)
    check_power_maps(T)
    rebuilt = sorted_table(G, *_product_rows(G, T.factor_tables), 0, "direct product", cls=CharacterTable)
    if rebuilt.degrees != T.degrees or rebuilt.exponent != T.exponent or \
            any(not np.array_equal(x, y) for x, y in zip(rebuilt.eigenvalues, T.eigenvalues)):
        raise MathematicalError(f"{G.name}: the table is not the tensor product of the factors' tables")
    return TableCertificate(G.order, G.num_classes, True, True, True, True, True, "direct product", True)
