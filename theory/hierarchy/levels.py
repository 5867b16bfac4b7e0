"""The levels of the hierarchy: one vocabulary for every part of the toolkit (docs/design.md §4).

The seven classical levels, weakest first, are named ``pdiag``, ``rdiag``, ``rot``, ``cdiag``, ``block``,
``cp``, ``full`` (:data:`CLASSICAL_LEVEL_NAMES`); the two modern ones (docs/design.md §14) are ``house``
(products of generalised Householder factors, DeltaNet / DeltaProduct) and ``mono`` (monomial
transitions, a permutation times a diagonal, PD-SSM) (:data:`MODERN_LEVEL_NAMES`);
:data:`LEVEL_NAMES` is the classical names followed by the modern ones.

This module is the one declaration of a level.  Each is a frozen dataclass whose fields are the level's
sizes (the hidden size ``H`` and, where the level has one, the block size ``B``, the CP rank ``R`` or the
Householder factors ``N``: :meth:`Level.options`), validated in ``__post_init__``; the class attributes
say what ``A(x)`` looks like (in words, and exactly: :meth:`Level.structure`, an exact predicate of
:mod:`bilinear.theory.hierarchy.structure`), which finite groups the level tracks exactly, and the
kernel layout of its parameters.  What is read from here rather than written again: the symbolic
parametrisations' sizes (:mod:`bilinear.theory.theorems.model_classes`) and the source constraints of
the containment checks (:mod:`bilinear.theory.theorems.containments`), the certificate's structure
check (:mod:`bilinear.constructions.certificate`), the size checks of the model configurations
(:mod:`bilinear.verify.models.registry`) and which ``bilinear train`` options apply to which models.
Analysis (:mod:`bilinear.theory.hierarchy.analysis`), the builders (:mod:`bilinear.constructions.build`),
the trainer's ``--model`` names and the weight file's ``level`` field all use these names.
``regular`` and ``permutation`` are not levels: they are methods of the level ``full``.

Example::

    >>> Block(hidden=6, block=3).parameters()
    {'hidden': 6, 'block': 3}
    >>> level_class("cdiag").tracks
    'exactly the abelian groups'
    >>> [c.statement for c in CONTAINMENTS if c.smaller == "pdiag"]
    ['PDIAG(H) ⊂ RDIAG(H)']
    >>> House(hidden=3, householders=2).parameters()
    {'hidden': 3, 'householders': 2}
    >>> Block.options(), Block.symbols(), Block(hidden=6, block=3).structure().description
    (('block',), {'hidden': 'H', 'block': 'B'}, 'block-diagonal, 2 blocks of size 3')
    >>> levels_taking("rank"), LEVELS["cdiag"].layout, Rot(hidden=4).transition_parameters(3)
    (('cp',), 'pairs', 6)
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import ClassVar, Literal, Mapping, get_args

from bilinear.theory.errors import InputError, check_choice, expected, shown
from bilinear.theory.hierarchy.structure import (ANY, COMPLEX_PAIRS, DIAGONAL, MONOMIAL, PERMUTATION,
                                                 POSITIVE_DIAGONAL, ROTATION_PAIRS, Structure, blocks)

__all__ = ["CLASSICAL_LEVEL_NAMES", "MODERN_LEVEL_NAMES", "LEVEL_NAMES", "LEVELS", "LAYOUTS", "Layout", "Level", "PDiag",
           "RDiag", "Rot", "CDiag", "Block", "CP", "Full", "House", "Mono", "option", "levels_taking",
           "Containment", "CONTAINMENTS", "level_class", "check_level_name"]

#: How a level's transitions are laid out for the kernels (:attr:`Level.layout`; the one vocabulary,
#: which :class:`bilinear.verify.kernels.table.Table` uses): one full matrix per symbol, CP factors
#: ``U diag(V x) Z``, square blocks on the diagonal, pairs ``[[a, -b], [b, a]]``, a diagonal.
Layout = Literal["dense", "cp", "blocks", "pairs", "diagonal"]
LAYOUTS: tuple[Layout, ...] = get_args(Layout)

#: Former level names that are now methods of ``full``.
_METHODS_OF_FULL = ("regular", "permutation")


def _positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise expected(name, "a positive integer", value)
    return value


def option(symbol: str, meaning: str):
    """A size of a level besides ``hidden`` (a dataclass field): its symbol in formulas (``B``, ``R``,
    ``N``) and its meaning.  Every consumer lists a level's options from these fields."""
    return field(metadata={"symbol": symbol, "meaning": meaning})


@dataclass(frozen=True)
class Level:
    """A level with its sizes.  The one declaration of a level (docs/design.md §4): the subclass's
    fields are its sizes (:meth:`options` besides ``hidden``), validated in ``__post_init__``; the class
    attributes say what ``A(x)`` looks like (``form``, and exactly: :meth:`structure`), which finite
    groups the level tracks, and how its parameters are laid out for the kernels (``layout``, one of
    :data:`LAYOUTS`); :meth:`transition_parameters` counts a trained model's transition parameters;
    ``witness`` names the ``meta.info`` entry whose factors the certificate multiplies out (``""``: none)."""

    hidden: int = field(metadata={"symbol": "H", "meaning": "hidden size (real dimensions)"})

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""       # e.g. "BLOCK(H, B)"
    form: ClassVar[str] = ""        # what A(x) looks like
    tracks: ClassVar[str] = ""      # which finite groups the level tracks exactly
    modern: ClassVar[bool] = False  # a modern level (docs/design.md §14)
    layout: ClassVar[Layout] = "dense"
    witness: ClassVar[str] = ""
    shape_of_A: ClassVar[Structure] = ANY
    #: the verbal subgroup whose quotients one layer tracks (:mod:`bilinear.theory.hierarchy.depth`):
    #: ``commutator`` (abelian groups), ``square`` (Z_2^k), ``whole`` (only {e}); ``None``: every group
    one_layer_verbal: ClassVar[str | None] = None
    #: methods of the level whose matrices have a narrower structure than the level's
    method_structures: ClassVar[dict[str, Structure]] = {}

    def __post_init__(self):
        for f in fields(self):
            _positive(f.name, getattr(self, f.name))
        self._check_sizes()

    def _check_sizes(self) -> None:
        """Refuse sizes the level cannot have (beyond positivity)."""

    @classmethod
    def options(cls) -> tuple[str, ...]:
        """The sizes the level takes besides ``hidden``, e.g. ``("block",)``."""
        return tuple(f.name for f in fields(cls) if f.name != "hidden")

    @classmethod
    def symbols(cls) -> dict[str, str]:
        """Each size's symbol in formulas: ``{"hidden": "H", "block": "B"}``."""
        return {f.name: f.metadata["symbol"] for f in fields(cls)}

    @classmethod
    def of(cls, hidden: int, parameters: Mapping) -> "Level":
        """The level with ``hidden`` and exactly its :meth:`options` taken from ``parameters``."""
        given, wanted = set(parameters) - {"hidden"}, set(cls.options())
        if given != wanted:
            raise expected("parameters", f"the sizes of {cls.name}: {', '.join(cls.options()) or 'none'}",
                           shown(", ".join(sorted(given)) or "none"))
        return cls(hidden, **{k: parameters[k] for k in cls.options()})

    def parameters(self) -> dict:
        """The sizes as a dictionary (``hidden`` first), for JSON output and weight files."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def structure(self, method: str | None = None) -> Structure:
        """What every ``A(e_k)`` looks like, as an exact predicate (with ``method``: that method's
        narrower structure, where it has one)."""
        return self.method_structures.get(method or "", self.shape_of_A)

    def transition_parameters(self, symbols: int) -> int:
        """Real parameters of a trained model's transitions over ``symbols`` input symbols."""
        raise NotImplementedError(self.name)


def _even_hidden(level: Level) -> None:
    if level.hidden % 2:
        raise InputError(f"hidden: {level.name} needs an even hidden size, got {level.hidden}")


@dataclass(frozen=True)
class PDiag(Level):
    name: ClassVar[str] = "pdiag"
    title: ClassVar[str] = "PDIAG(H)"
    form: ClassVar[str] = "A(x) = diag(exp(theta) x): positive diagonal entries"
    tracks: ClassVar[str] = "only the trivial group"
    one_layer_verbal: ClassVar[str | None] = "whole"
    layout: ClassVar[Layout] = "diagonal"
    shape_of_A: ClassVar[Structure] = POSITIVE_DIAGONAL

    def transition_parameters(self, symbols: int) -> int:
        return self.hidden * symbols


@dataclass(frozen=True)
class RDiag(Level):
    name: ClassVar[str] = "rdiag"
    title: ClassVar[str] = "RDIAG(H)"
    form: ClassVar[str] = "A(x) = diag(V x): real diagonal entries"
    tracks: ClassVar[str] = "exactly the elementary abelian 2-groups Z_2^k (k >= 0)"
    one_layer_verbal: ClassVar[str | None] = "square"
    layout: ClassVar[Layout] = "diagonal"
    shape_of_A: ClassVar[Structure] = DIAGONAL

    def transition_parameters(self, symbols: int) -> int:
        return self.hidden * symbols


@dataclass(frozen=True)
class Rot(Level):
    name: ClassVar[str] = "rot"
    title: ClassVar[str] = "ROT(H), H even"
    form: ClassVar[str] = "A(e_k) = blockdiag of 2x2 rotations"
    tracks: ClassVar[str] = "exactly the abelian groups"
    one_layer_verbal: ClassVar[str | None] = "commutator"
    layout: ClassVar[Layout] = "pairs"
    shape_of_A: ClassVar[Structure] = ROTATION_PAIRS

    def _check_sizes(self) -> None:
        _even_hidden(self)

    def transition_parameters(self, symbols: int) -> int:
        return self.hidden // 2 * symbols              # one angle per pair


@dataclass(frozen=True)
class CDiag(Rot):
    name: ClassVar[str] = "cdiag"
    title: ClassVar[str] = "CDIAG(H), H even"
    form: ClassVar[str] = "A(x) = blockdiag of 2x2 rotation-scalings [[a.x, -b.x], [b.x, a.x]] (complex diagonal)"
    tracks: ClassVar[str] = "exactly the abelian groups"
    shape_of_A: ClassVar[Structure] = COMPLEX_PAIRS

    def transition_parameters(self, symbols: int) -> int:
        return self.hidden * symbols                   # a and b per pair


@dataclass(frozen=True)
class Block(Level):
    block: int = option("B", "block size")

    name: ClassVar[str] = "block"
    title: ClassVar[str] = "BLOCK(H, B), B | H"
    form: ClassVar[str] = "A(x) = blockdiag of H/B full B x B blocks, each linear in x"
    tracks: ClassVar[str] = "every finite group G, exactly when B >= min_block_real(G)"
    layout: ClassVar[Layout] = "blocks"

    def _check_sizes(self) -> None:
        if self.hidden % self.block:
            raise InputError(f"block: the block size {self.block} must divide the hidden size {self.hidden}")

    def structure(self, method: str | None = None) -> Structure:
        return blocks(self.block, self.hidden // self.block)

    def transition_parameters(self, symbols: int) -> int:
        return self.hidden * self.block * symbols


@dataclass(frozen=True)
class CP(Level):
    rank: int = option("R", "CP rank")

    name: ClassVar[str] = "cp"
    title: ClassVar[str] = "CP(H, R)"
    form: ClassVar[str] = "A(x) = U diag(V x) Z, U in R^{HxR}, V in R^{RxD}, Z in R^{RxH}"
    tracks: ClassVar[str] = "every finite group (CP(H, R) ⊂ FULL(H) ⊂ CP(H, min(H^2, HD)))"
    layout: ClassVar[Layout] = "cp"
    witness: ClassVar[str] = "cp"

    def structure(self, method: str | None = None) -> Structure:
        return Structure(f"CP factors of rank {self.rank}")       # the factors are the witness

    def transition_parameters(self, symbols: int) -> int:
        return self.rank * (2 * self.hidden + symbols)


@dataclass(frozen=True)
class Full(Level):
    name: ClassVar[str] = "full"
    title: ClassVar[str] = "FULL(H)"
    form: ClassVar[str] = "A(x) = sum_k x_k W_k, any W_k in R^{HxH}"
    tracks: ClassVar[str] = "every finite group, and every Moore machine with FULL(|Q|)"
    method_structures: ClassVar[dict[str, Structure]] = {m: PERMUTATION for m in _METHODS_OF_FULL}

    def transition_parameters(self, symbols: int) -> int:
        return self.hidden * self.hidden * symbols


@dataclass(frozen=True)
class House(Level):
    """HOUSE(H, n_h): each A(e_k) is a product of ``householders`` = n_h generalised Householder
    factors ``I - beta k k^T`` with ``|k| = 1`` and ``beta in [0, 2]`` (DeltaNet: n_h = 1,
    DeltaProduct: n_h >= 1).  ``hidden`` counts real dimensions."""

    householders: int = option("N", "Householder factors per symbol")

    name: ClassVar[str] = "house"
    title: ClassVar[str] = "HOUSE(H, n_h)"
    form: ClassVar[str] = "A(e_k) = prod_{j <= n_h} (I - beta_jk u_jk u_jk^T), |u_jk| = 1, beta_jk in [0, 2]"
    tracks: ClassVar[str] = ("G, exactly when some faithful real representation of dimension <= H has "
                             "rank(rho(sigma) - I) <= n_h for every symbol sigma")
    modern: ClassVar[bool] = True
    witness: ClassVar[str] = "house"
    shape_of_A: ClassVar[Structure] = Structure(
        "products of generalised Householder factors I - beta k k^T (checked against meta.info.house)")

    def transition_parameters(self, symbols: int) -> int:
        return self.householders * (self.hidden + 1) * symbols     # a key and a beta per factor


@dataclass(frozen=True)
class Mono(Level):
    """MONO(H): each A(e_k) is monomial, P_k D_k with P_k a permutation matrix and D_k a *real*
    diagonal, on ``hidden`` = H real coordinates (PD-SSM's complex diagonal of size n is the complex
    variant; docs/design.md §14 reports its least n beside)."""

    name: ClassVar[str] = "mono"
    title: ClassVar[str] = "MONO(H)"
    form: ClassVar[str] = "A(e_k) = P_k D_k: a permutation matrix times a real diagonal"
    tracks: ClassVar[str] = ("G, exactly when G has a faithful monomial representation with ±1 entries of "
                             "degree <= H (a sum of representations induced from ±1 characters of subgroups)")
    modern: ClassVar[bool] = True
    shape_of_A: ClassVar[Structure] = MONOMIAL

    def transition_parameters(self, symbols: int) -> int:
        return (self.hidden + 1) * self.hidden * symbols           # permutation logits and a diagonal


#: Level name -> level class: the classical levels weakest first, then the modern ones.  Every other
#: table of levels in the toolkit is read from this one.
LEVELS: dict[str, type[Level]] = {c.name: c for c in (PDiag, RDiag, Rot, CDiag, Block, CP, Full, House, Mono)}
#: The classical levels of the hierarchy, weakest first (docs/design.md §4).
CLASSICAL_LEVEL_NAMES = tuple(name for name, c in LEVELS.items() if not c.modern)
#: The modern levels (docs/design.md §14): Householder products and monomial transitions.
MODERN_LEVEL_NAMES = tuple(name for name, c in LEVELS.items() if c.modern)
#: Every level name: the classical ones, weakest first, then the modern ones.
LEVEL_NAMES = CLASSICAL_LEVEL_NAMES + MODERN_LEVEL_NAMES
assert tuple(LEVELS) == LEVEL_NAMES and all(c.layout in LAYOUTS for c in LEVELS.values())


def check_level_name(name, argument: str = "--level") -> str:
    """``name`` if it is a level, else :class:`InputError` in one line naming ``argument`` (pointing
    former level names ``regular`` / ``permutation`` at the method of ``full``)."""
    if name in _METHODS_OF_FULL:
        raise InputError(f"{argument}: {name!r} is a method of level full, not a level "
                         f"(use --level full --method {name})")
    return check_choice(argument, name, LEVELS)


def level_class(name: str) -> type[Level]:
    """The level class called ``name`` (see :func:`check_level_name` for the refusal)."""
    return LEVELS[check_level_name(name)]


def levels_taking(size: str, names=None) -> tuple[str, ...]:
    """The levels among ``names`` (default: every level, in order) that take the size ``size``."""
    return tuple(n for n in (LEVELS if names is None else names) if n in LEVELS and size in LEVELS[n].options())


@dataclass(frozen=True)
class Containment:
    """``smaller ⊂ larger`` as sets of models; ``theorem`` is its name in the theorem registry
    (``bilinear prove``), where it is proved symbolically.  ``strict`` is empty, or a group that the
    larger level tracks at the stated sizes and the smaller one does not (checked by the theorem
    ``modern.strict_containments`` for the modern levels)."""

    smaller: str
    larger: str
    statement: str
    theorem: str
    strict: str = ""

    def __post_init__(self):
        check_level_name(self.smaller)
        check_level_name(self.larger)


#: The containments between the levels (docs/design.md §4).
CONTAINMENTS = (
    Containment("pdiag", "rdiag", "PDIAG(H) ⊂ RDIAG(H)", "containment.pdiag_in_rdiag"),
    Containment("rdiag", "cdiag", "RDIAG(H) ⊂ CDIAG(2H)", "containment.rdiag_in_cdiag"),
    Containment("rdiag", "block", "RDIAG(H) ⊂ BLOCK(H, B) for every B | H", "containment.rdiag_in_block"),
    Containment("rdiag", "cp", "RDIAG(H) = CP(H, H) with U = Z = I", "containment.rdiag_eq_cp_identity"),
    Containment("rot", "cdiag", "ROT(H) ⊂ CDIAG(H)", "containment.rot_in_cdiag"),
    Containment("cdiag", "block", "CDIAG(H) ⊂ BLOCK(H, 2)", "containment.cdiag_in_block2"),
    Containment("block", "block", "BLOCK(H, B) ⊂ BLOCK(H, B') for B | B' | H", "containment.block_in_block"),
    Containment("block", "full", "BLOCK(H, B) ⊂ FULL(H)", "containment.block_in_full"),
    Containment("block", "cp", "BLOCK(H, B) ⊂ CP(H, H·B)", "containment.block_in_cp"),
    Containment("full", "cp", "FULL(H) ⊂ CP(H, min(H², HD))", "containment.full_in_cp"),
    Containment("rdiag", "house", "RDIAG(H) ⊂ HOUSE(H, H) up to a positive scale per symbol",
                "containment.rdiag_in_house",
                strict="S3 (all elements): HOUSE(2, 2) tracks it, no diagonal level does (commutation.barrier)"),
    Containment("house", "house", "HOUSE(H, n_h) ⊂ HOUSE(H, n_h') for n_h <= n_h'", "containment.house_in_house",
                strict="Z3: HOUSE(2, 2) tracks it, HOUSE(H, 1) does not at any H (house.single_factor_order)"),
    Containment("house", "full", "HOUSE(H, n_h) ⊂ FULL(H)", "containment.house_in_full",
                strict="Z3 (all elements): FULL(2) tracks it, HOUSE(2, 1) does not"),
    Containment("rdiag", "mono", "RDIAG(H) ⊂ MONO(H)", "containment.rdiag_in_mono",
                strict="Z4: MONO(2) tracks it, RDIAG does not (exponent 4, finite_order.diagonal)"),
    Containment("mono", "full", "MONO(H) ⊂ FULL(H)", "containment.mono_in_full",
                strict="Z3: FULL(2) tracks it, MONO(2) does not (least faithful monomial degree 3)"),
)
