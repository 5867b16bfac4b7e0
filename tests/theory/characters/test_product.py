"""Direct products: the tensor product of the factors' tables, computed two ways."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bilinear.theory import cyclic_group, direct_product, parse_group, symmetric_group
from bilinear.theory.characters.dixon_schneider import dixon_schneider_table
from bilinear.theory.characters.build import character_table
from bilinear.theory.characters.certificate import certify_character_table
from bilinear.theory.errors import MathematicalError
from bilinear.theory.characters.product import ProductCharacterTable, certify_product_table, direct_factors


@pytest.mark.parametrize("spec", ["A4xZ5", "S3xS3", "Q8xZ3", "S3xQ8", "D4xS3", "Z2^2xS3", "Q8xQ8", "S3xZ2xZ3"])
def test_product_table_agrees_with_dixon_schneider(spec):
    """The tensor product of the factors' tables equals Dixon-Schneider's table of the product
    computed from its multiplication (same rows, same order), and the literal certificate accepts it."""
    G = parse_group(spec)
    T = character_table(G)
    assert isinstance(T, ProductCharacterTable) and T.certificate.orthogonality_method == "direct product"
    modular = dixon_schneider_table(G)
    assert T.degrees == modular.degrees
    assert [E.tobytes() for E in T.eigenvalues] == [E.tobytes() for E in modular.eigenvalues]
    assert T.indicators == modular.indicators
    assert certify_character_table(T).row_orthogonality


def test_abelian_products_keep_the_abelian_table():
    assert character_table(parse_group("Z4xZ6")).method == "abelian"


def test_the_product_certificate_rejects_a_changed_row_and_a_wrong_group():
    T = character_table(parse_group("S3xS3"))
    i = T.degrees.index(4)
    eig = list(T.eigenvalues)
    E = np.array(eig[i], copy=True)
    E[1] = [0, 0, 0, 0]
    eig[i] = E
    with pytest.raises(MathematicalError, match="tensor product|power map|degree"):
        certify_product_table(dataclasses.replace(T, eigenvalues=tuple(eig)))
    assert direct_factors(symmetric_group(3)) is None              # not built by direct_product
    P = direct_product(symmetric_group(3), cyclic_group(2))
    P.__dict__["_memo"]["direct_factors"] = (cyclic_group(2), symmetric_group(3))   # factors in the wrong order
    with pytest.raises(MathematicalError, match="direct product"):
        character_table(P)
