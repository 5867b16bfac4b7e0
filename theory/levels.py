"""The levels of the hierarchy: one vocabulary for every part of the toolkit (docs/design.md §4).

The seven levels, weakest first, are named ``pdiag``, ``rdiag``, ``rot``, ``cdiag``, ``block``, ``cp``,
``full`` (:data:`LEVEL_NAMES`).  Each is a frozen dataclass whose fields are the level's sizes (the
hidden size ``H`` and, where the level has one, the block size ``B`` or the CP rank ``R``), validated
in ``__post_init__``; the class attributes say what ``A(x)`` looks like and which finite groups the
level tracks exactly.  Analysis (:mod:`theory.analysis`), the builders (:mod:`constructions.build`),
the certificate, the trainer's ``--model`` names and the weight file's ``level`` field all use these
names.  ``regular`` and ``permutation`` are not levels: they are methods of the level ``full``.

Example::

    >>> Block(hidden=6, block=3).parameters()
    {'hidden': 6, 'block': 3}
    >>> level_class("cdiag").tracks
    'exactly the abelian groups'
    >>> [c.statement for c in CONTAINMENTS if c.smaller == "pdiag"]
    ['PDIAG(H) ⊂ RDIAG(H)']
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

from .errors import InputError, check_choice

__all__ = ["LEVEL_NAMES", "LEVELS", "Level", "PDiag", "RDiag", "Rot", "CDiag", "Block", "CP", "Full",
           "Containment", "CONTAINMENTS", "level_class", "check_level_name"]

#: The level names, weakest first.
LEVEL_NAMES = ("pdiag", "rdiag", "rot", "cdiag", "block", "cp", "full")

#: Former level names that are now methods of ``full``.
_METHODS_OF_FULL = ("regular", "permutation")


def _positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{name}: expected a positive integer, got {value!r}")
    return value


@dataclass(frozen=True)
class Level:
    """A level with its sizes; subclasses add ``block`` or ``rank`` and their own checks."""

    hidden: int

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""       # e.g. "BLOCK(H, B)"
    form: ClassVar[str] = ""        # what A(x) looks like
    tracks: ClassVar[str] = ""      # which finite groups the level tracks exactly

    def __post_init__(self):
        _positive("hidden", self.hidden)

    def parameters(self) -> dict:
        """The sizes as a dictionary (``hidden`` first), for JSON output and weight files."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class PDiag(Level):
    name: ClassVar[str] = "pdiag"
    title: ClassVar[str] = "PDIAG(H)"
    form: ClassVar[str] = "A(x) = diag(exp(theta) x): positive diagonal entries"
    tracks: ClassVar[str] = "only the trivial group"


@dataclass(frozen=True)
class RDiag(Level):
    name: ClassVar[str] = "rdiag"
    title: ClassVar[str] = "RDIAG(H)"
    form: ClassVar[str] = "A(x) = diag(V x): real diagonal entries"
    tracks: ClassVar[str] = "exactly the elementary abelian 2-groups Z_2^k (k >= 0)"


@dataclass(frozen=True)
class Rot(Level):
    name: ClassVar[str] = "rot"
    title: ClassVar[str] = "ROT(H), H even"
    form: ClassVar[str] = "A(e_k) = blockdiag of 2x2 rotations"
    tracks: ClassVar[str] = "exactly the abelian groups"

    def __post_init__(self):
        super().__post_init__()
        if self.hidden % 2:
            raise InputError(f"hidden: {self.name} is made of 2x2 blocks, so the hidden size must be even, "
                             f"got {self.hidden}")


@dataclass(frozen=True)
class CDiag(Rot):
    name: ClassVar[str] = "cdiag"
    title: ClassVar[str] = "CDIAG(H), H even"
    form: ClassVar[str] = "A(x) = blockdiag of 2x2 rotation-scalings [[a.x, -b.x], [b.x, a.x]] (complex diagonal)"
    tracks: ClassVar[str] = "exactly the abelian groups"


@dataclass(frozen=True)
class Block(Level):
    block: int

    name: ClassVar[str] = "block"
    title: ClassVar[str] = "BLOCK(H, B), B | H"
    form: ClassVar[str] = "A(x) = blockdiag of H/B full B x B blocks, each linear in x"
    tracks: ClassVar[str] = "every finite group G, exactly when B >= min_block_real(G)"

    def __post_init__(self):
        super().__post_init__()
        _positive("block", self.block)
        if self.hidden % self.block:
            raise InputError(f"block: the block size {self.block} must divide the hidden size {self.hidden}")


@dataclass(frozen=True)
class CP(Level):
    rank: int

    name: ClassVar[str] = "cp"
    title: ClassVar[str] = "CP(H, R)"
    form: ClassVar[str] = "A(x) = U diag(V x) Z, U in R^{HxR}, V in R^{RxD}, Z in R^{RxH}"
    tracks: ClassVar[str] = "every finite group (CP(H, R) ⊂ FULL(H) ⊂ CP(H, min(H^2, HD)))"

    def __post_init__(self):
        super().__post_init__()
        _positive("rank", self.rank)


@dataclass(frozen=True)
class Full(Level):
    name: ClassVar[str] = "full"
    title: ClassVar[str] = "FULL(H)"
    form: ClassVar[str] = "A(x) = sum_k x_k W_k, any W_k in R^{HxH}"
    tracks: ClassVar[str] = "every finite group, and every Moore machine with FULL(|Q|)"


#: Level name -> level class, weakest first.
LEVELS: dict[str, type[Level]] = {c.name: c for c in (PDiag, RDiag, Rot, CDiag, Block, CP, Full)}
assert tuple(LEVELS) == LEVEL_NAMES


def check_level_name(name, argument: str = "--level") -> str:
    """``name`` if it is a level, else :class:`InputError` in one line naming ``argument`` (pointing
    former level names ``regular`` / ``permutation`` at the method of ``full``)."""
    if name in _METHODS_OF_FULL:
        raise InputError(f"{argument}: {name!r} is a method of level full, not a level "
                         f"(use --level full --method {name})")
    return check_choice(argument, name, LEVEL_NAMES)


def level_class(name: str) -> type[Level]:
    """The level class called ``name`` (see :func:`check_level_name` for the refusal)."""
    return LEVELS[check_level_name(name)]


@dataclass(frozen=True)
class Containment:
    """``smaller ⊂ larger`` as sets of models; ``theorem`` is its name in the theorem registry
    (``bilinear prove``), where it is proved symbolically."""

    smaller: str
    larger: str
    statement: str
    theorem: str

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
)
