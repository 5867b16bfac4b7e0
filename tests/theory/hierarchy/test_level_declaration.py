"""A level is declared once (theory/hierarchy/levels.py): every consumer reads its sizes, structure and
options from the declaration, so a level declared once appears everywhere it must, and each derived
check refuses what the declaration refuses."""

import dataclasses
import itertools
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from bilinear.constructions.certificate import certify_weights
from bilinear.constructions.weightfile import WeightFile
from bilinear.theory import InputError, MathematicalError, parse_group
from bilinear.theory.arith.field_matrices import SparseMatrix
from bilinear.theory.hierarchy import levels as declared
from bilinear.theory.hierarchy.levels import LAYOUTS, LEVEL_NAMES, LEVELS, Level, check_level_name, levels_taking, option
from bilinear.theory.hierarchy.structure import RationalEntries, Structure
from bilinear.theory.theorems.model_classes import LEVELS as SYMBOLIC
from tests.constructions.helpers import build_as, relabel


def _upper(A):
    return None if all(i <= j for i, j in A.support()) else "is not upper triangular"


@dataclass(frozen=True)
class Tri(Level):
    """A fake level, declared once here: upper-triangular transitions, with a band width."""

    band: int = option("W", "band width")

    name: ClassVar[str] = "tri"
    title: ClassVar[str] = "TRI(H, W)"
    shape_of_A: ClassVar[Structure] = Structure("upper triangular", (_upper,))

    def _check_sizes(self) -> None:
        if self.band > self.hidden:
            raise InputError(f"band: the band {self.band} is wider than the hidden size {self.hidden}")

    def transition_parameters(self, symbols: int) -> int:
        return self.hidden * self.band * symbols


@pytest.fixture
def tri(monkeypatch):
    monkeypatch.setitem(declared.LEVELS, "tri", Tri)
    return Tri


def _as_tri(wf, band):
    return dataclasses.replace(relabel(wf, "tri"), meta=dict(relabel(wf, "tri").meta,
                                                              parameters={"hidden": wf.hidden_size, "band": band}))


def test_a_fake_level_declared_once_is_a_level(tri):
    assert check_level_name("tri") == "tri" and declared.level_class("tri") is Tri
    assert Tri.options() == ("band",) and Tri.symbols() == {"hidden": "H", "band": "W"}
    assert levels_taking("band") == ("tri",) and levels_taking("band", ("full", "tri")) == ("tri",)
    with pytest.raises(InputError, match="band: the band 3 is wider than the hidden size 2"):
        Tri(hidden=2, band=3)
    with pytest.raises(InputError, match="parameters: expected the sizes of tri: band, got none"):
        Tri.of(2, {"hidden": 2})


def test_the_certificate_checks_a_fake_level_by_its_declaration(tri):
    diagonal = build_as(parse_group("Z2^2"), "rdiag").to_weight_file()       # diagonal: upper triangular
    assert certify_weights(_as_tri(diagonal, 1)).structure == "upper triangular"
    numeric = dataclasses.replace(diagonal, meta=dict(diagonal.meta, exact=None), W=diagonal.dense_W(),
                                  W_sparse=None)
    assert certify_weights(_as_tri(numeric, 1)).structure == "upper triangular"
    perm = build_as(parse_group("S3"), "full/permutation").to_weight_file()
    with pytest.raises(MathematicalError, match=r"level tri: A\[0\] is not upper triangular"):
        certify_weights(_as_tri(perm, 1))
    with pytest.raises(MathematicalError, match="level tri: band: the band 4 is wider than the hidden size 3"):
        certify_weights(_as_tri(perm, 4))


def test_the_train_options_follow_the_declared_sizes(tri, monkeypatch):
    from bilinear.cli import train
    from bilinear.verify.models import classic
    monkeypatch.setitem(classic.BILINEAR_LEVELS, "tri", classic.FullRNN)
    monkeypatch.setattr(train, "_MODEL_FIELDS", train._MODEL_FIELDS + ("band",))
    kinds = train._option_kinds()
    assert kinds["band"] == ("tri",) and "tri" in kinds["normalise"]
    assert kinds["rank"] == ("cp",) and kinds["block"] == ("block",) and kinds["householders"] == ("house",)


def test_every_declared_size_is_a_model_field_and_a_train_flag():
    from bilinear.cli.train import _MODEL_FIELDS
    from bilinear.verify.models.registry import ModelConfig
    sizes = {s for cls in LEVELS.values() for s in cls.options()}
    assert sizes == {"block", "rank", "householders"}
    assert sizes <= {f.name for f in dataclasses.fields(ModelConfig)} and sizes <= set(_MODEL_FIELDS)


def test_every_level_has_a_layout_a_structure_and_a_symbolic_parametrisation():
    assert {lv.level for lv in SYMBOLIC.values()} == set(LEVEL_NAMES)
    for name, cls in LEVELS.items():
        assert cls.layout in LAYOUTS
        assert SYMBOLIC[name.upper()].size_keys == tuple(cls.symbols().values()) + ("D",)
    assert {n: c.layout for n, c in LEVELS.items()} == {
        "pdiag": "diagonal", "rdiag": "diagonal", "rot": "pairs", "cdiag": "pairs",
        "block": "blocks", "cp": "cp", "full": "dense", "house": "dense", "mono": "dense"}


def test_symbolic_sizes_are_checked_by_the_declaration():
    with pytest.raises(InputError, match="hidden: rot needs an even hidden size, got 3"):
        SYMBOLIC["ROT"].params({"H": 3, "D": 1})
    with pytest.raises(InputError, match="hidden: cdiag needs an even hidden size, got 5"):
        SYMBOLIC["CDIAG"].params({"H": 5, "D": 1})
    with pytest.raises(InputError, match="block: the block size 4 must divide the hidden size 6"):
        SYMBOLIC["BLOCK"].params({"H": 6, "B": 4, "D": 1})
    with pytest.raises(InputError, match="size N: expected a positive integer"):
        SYMBOLIC["HOUSE"].params({"H": 2, "D": 1})
    assert len(SYMBOLIC["BLOCK"].params({"H": 6, "B": 3, "D": 1})["blocks"]) == 2


# ------------------------------------------------------------------------------------ registry
def _refusal(f):
    try:
        f()
    except InputError as e:
        return str(e)
    return None


@pytest.mark.parametrize("level", LEVEL_NAMES)
def test_model_config_refuses_exactly_what_the_declaration_refuses(level):
    from bilinear.verify.models.registry import ModelConfig
    cls = LEVELS[level]
    for hidden, block in itertools.product(range(1, 7), range(1, 5)):
        sizes = {"block": block, "rank": hidden, "householders": 1}
        by_level = _refusal(lambda: cls.of(hidden, {k: sizes[k] for k in cls.options()}))
        by_config = _refusal(lambda: ModelConfig(level, hidden=hidden, block=block))
        assert by_level == by_config, (level, hidden, block)
    with pytest.raises(InputError, match="model: expected a bilinear model"):
        ModelConfig("lstm").shape()


@pytest.mark.parametrize("level", LEVEL_NAMES)
def test_models_take_the_declared_sizes_and_count(level):
    from bilinear.verify.models.registry import ModelConfig, make_model
    config = ModelConfig(level, hidden=4, rank=3, block=2, householders=2)
    model = make_model(config, vocab_size=3, num_classes=2)
    shape = config.shape()
    assert {k: getattr(model, k) for k in shape.options()} == {k: v for k, v in shape.parameters().items()
                                                               if k != "hidden"}
    count = sum(getattr(model, p).numel() for p in model.transition_params)
    assert shape.transition_parameters(3) == count


# ------------------------------------------------------------------------------------ certificate
def _scaled(c, factor):
    """The construction with every transition multiplied by ``factor`` (exactly)."""
    mats = tuple(SparseMatrix(A.field, A.shape, A.rows, A.cols, A.num * factor, A.den) for A in c.transitions)
    return dataclasses.replace(c, transitions=mats)


def test_certificate_refusals_read_from_the_declaration():
    rdiag = build_as(parse_group("Z2^2"), "rdiag").to_weight_file()
    with pytest.raises(MathematicalError, match=r"level pdiag: A\[0\] has a non-positive diagonal entry"):
        certify_weights(relabel(rdiag, "pdiag"))
    numeric = WeightFile(rdiag.dense_W(), rdiag.h0, rdiag.readout, rdiag.labels, rdiag.alphabet, "pdiag",
                         dict(rdiag.meta, level="pdiag", exact=None))
    with pytest.raises(MathematicalError, match=r"level pdiag: A\[0\] has a non-positive diagonal entry"):
        certify_weights(numeric)
    perm = build_as(parse_group("S3"), "full/permutation").to_weight_file()
    as_block = dataclasses.replace(relabel(perm, "block"), meta=dict(relabel(perm, "block").meta,
                                                                      parameters={"hidden": 3, "block": 1}))
    with pytest.raises(MathematicalError, match=r"level block: A\[0\] has an entry outside its 1x1 diagonal blocks"):
        certify_weights(as_block)
    with pytest.raises(MathematicalError, match="level block: parameters: expected the sizes of block: block"):
        certify_weights(relabel(perm, "block"))
    rep = build_as(parse_group("S3"), "full").to_weight_file()              # a rotation: not monomial
    with pytest.raises(MathematicalError, match=r"level mono: A\[\d\] is not monomial"):
        certify_weights(relabel(rep, "mono"))
    rot = build_as(parse_group("Z4"), "rot")
    with pytest.raises(MathematicalError, match=r"level rot: A\[0\] does not have the form \[\[a,-b\],\[b,a\]\] "
                                                r"with a\^2\+b\^2=1 exactly"):
        certify_weights(_scaled(rot, 2).to_weight_file())
    assert certify_weights(relabel(_scaled(rot, 1).to_weight_file(), "cdiag")).structure == "2x2 blocks [[a,-b],[b,a]]"
    with pytest.raises(MathematicalError, match="level 'warp': unknown"):
        certify_weights(relabel(rot.to_weight_file(), "warp"))


@pytest.mark.parametrize("level", ["full/regular", "rdiag", "rot", "cdiag", "block", "cp", "mono", "house"])
def test_certified_structure_is_the_declared_description(level):
    spec = {"rdiag": "Z2^2", "rot": "Z5", "cdiag": "Z6", "house": "Z3", "mono": "Z4"}.get(level, "S3")
    c = build_as(parse_group(spec), level)
    cert = certify_weights(c.to_weight_file())
    assert cert.structure == c.shape.structure(c.method).description


def test_structure_predicates_on_rationals():
    from bilinear.theory.hierarchy.structure import MONOMIAL, PERMUTATION, POSITIVE_DIAGONAL, blocks
    assert POSITIVE_DIAGONAL.violation(RationalEntries([[1, 0], [0, 0]])) == "has a non-positive diagonal entry"
    assert PERMUTATION.violation(RationalEntries([[0, 2], [1, 0]])) == "is not a permutation matrix"
    assert PERMUTATION.violation(RationalEntries([[0, 1], [1, 0]])) is None
    assert MONOMIAL.violation(RationalEntries([[0, 2], [1, 1]])) == "is not monomial (one non-zero per row and column)"
    assert blocks(2).violation(RationalEntries(np.eye(4, k=2, dtype=int).tolist())) == \
        "has an entry outside its 2x2 diagonal blocks"


def test_exact_entries_decide_signs_and_pairs_in_a_number_field():
    """The certificate's reading of an exact matrix over Q(sqrt 3): 2 - sqrt 3 > 0 > sqrt 3 - 2, and
    a rotation by 30 degrees, (sqrt 3 / 2, 1 / 2), has a^2 + b^2 = 1 exactly."""
    from bilinear.constructions.certificate import _ExactEntries
    from bilinear.theory.arith.number_field import NumberField
    from bilinear.theory.hierarchy.structure import POSITIVE_DIAGONAL, ROTATION_PAIRS
    F = NumberField.quadratic(3)

    def matrix(rows, cols, num, den=1):
        return _ExactEntries(SparseMatrix(F, (2, 2), rows, cols, np.array(num, dtype=object).T, den), F)
    assert POSITIVE_DIAGONAL.violation(matrix([0, 1], [0, 1], [[2, -1], [1, 0]])) is None
    assert POSITIVE_DIAGONAL.violation(matrix([0, 1], [0, 1], [[-2, 1], [1, 0]])) == \
        "has a non-positive diagonal entry"
    rotation = matrix([0, 0, 1, 1], [0, 1, 0, 1], [[0, 1], [-1, 0], [1, 0], [0, 1]], den=2)
    assert ROTATION_PAIRS.violation(rotation) is None
    scaled = matrix([0, 0, 1, 1], [0, 1, 0, 1], [[0, 1], [-1, 0], [1, 0], [0, 1]], den=1)
    assert ROTATION_PAIRS.violation(scaled) == "does not have the form [[a,-b],[b,a]] with a^2+b^2=1 exactly"
