"""The result of every builder (docs/design.md §7), and its weight file.

A construction holds the transition matrices ``A_k`` (``A(e_k) = W[:, :, k]``), the start state
``h0``, the readout ``R`` (label = ``labels[argmax(R h)]``), the alphabet, the level with its sizes
(a :class:`bilinear.theory.hierarchy.levels.Level`: ``Block(hidden=6, block=3)``, ``CP(hidden=5, rank=15)``, ...), the
method that built it (``full`` has ``representation``, ``regular``, ``permutation``, ``one-hot``),
the theorem behind it, typed level parameters (irreducibles used, blocks, invariant factors, CP
factors) and where it came from (``source``: the group and its alphabet, or the automaton).

Two types share the base :class:`Construction`: :class:`ExactConstruction` holds everything in a
:class:`~bilinear.theory.arith.number_field.NumberField`; :class:`NumericConstruction` (built from numerically
computed representations) holds float64 arrays and the residual of those representations.

The weight file written by :meth:`Construction.to_weight_file` carries, in ``meta``:

* ``source`` – enough to rebuild the reference object (a ``parse_group`` spec, or a Cayley table
  with names, or the automaton dictionary and whether it was minimised);
* ``exact`` – for exact constructions the field and, for entries outside ``Z``, their exact
  coefficients (``W``, ``h0``, ``readout``), so that :func:`bilinear.constructions.certificate.certify_weights`
  re-derives everything from the file alone; float ``W`` must be the correctly rounded exact values;
* ``level``, ``method``, ``parameters`` (the level's sizes);
* ``info`` – the level parameters as JSON (``block``, ``blocks``, ``irreps``, ``invariants``, ``cp``
  with the CP factors, ``house`` with the Householder factors, ``monomial`` with the induced
  summands, ``theorem``), written from the typed fields.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bilinear.theory.errors import InputError, expected, type_of
from bilinear.theory.arith.field_matrices import Columns, SparseMatrix
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.hierarchy.levels import CP, Block, House, Level
from bilinear.theory.arith.number_field import NumberField

from bilinear.constructions.source import group_from_source, group_source
from bilinear.constructions.weightfile import WeightFile, save_weights, weights_of

__all__ = ["Construction", "ExactConstruction", "NumericConstruction", "GroupTarget", "IrreducibleUsed",
           "CPFactors", "HouseFactors", "group_source", "group_from_source", "alphabet_indices"]


def alphabet_indices(group: FiniteGroup, alphabet) -> list[int]:
    """``"generators"`` (the group's generators in their given order; the identity for a trivial
    group), ``"all"`` (every element), or an explicit list of element indices or names."""
    if alphabet is None or alphabet == "generators":
        gens = list(group.generators)
        return gens if gens else [0]
    if alphabet == "all":
        return list(range(group.order))
    if isinstance(alphabet, str):
        raise expected("alphabet", "'generators', 'all' or a list of elements", alphabet)
    out = []
    for a in alphabet:
        if isinstance(a, str):
            out.append(group.element(a))
        elif isinstance(a, (int, np.integer)) and 0 <= int(a) < group.order:
            out.append(int(a))
        else:
            raise InputError(f"alphabet: {a!r} is not an element of {group.name}")
    if not out:
        raise InputError("alphabet: expected at least one symbol")
    return out


@dataclass(frozen=True, eq=False)
class GroupTarget:
    """A group with its alphabet resolved once, before a builder runs: the element indices of the
    symbols and the weight file's ``source`` record (:func:`group_source`)."""

    group: FiniteGroup
    alphabet: tuple[int, ...]
    source: dict

    def __post_init__(self):
        if not isinstance(self.group, FiniteGroup):
            raise expected("group", "a FiniteGroup", type_of(self.group))
        if not self.alphabet:
            raise InputError("alphabet: expected at least one symbol")

    @classmethod
    def resolve(cls, group: FiniteGroup, alphabet="generators") -> "GroupTarget":
        """Resolve ``alphabet`` (see :func:`alphabet_indices`) and the source record of ``group``."""
        alph = alphabet_indices(group, alphabet)
        return cls(group, tuple(alph), group_source(group, alph))

    @property
    def alphabet_names(self) -> tuple[str, ...]:
        return tuple(self.group.names[a] for a in self.alphabet)


@dataclass(frozen=True)
class IrreducibleUsed:
    """A real irreducible used by a representation construction (index into ``real_irreducibles``)."""

    index: int
    real_dim: int
    type: str
    model: str
    field: str

    def to_json(self) -> dict:
        return {"index": self.index, "real_dim": self.real_dim, "type": self.type, "model": self.model,
                "field": self.field}


@dataclass(frozen=True, eq=False)
class CPFactors:
    """The CP factors ``A(e_k) = U diag(V e_k) Z`` of rank ``rank``: ``U`` (H x R), ``V`` (R x D), ``Z``
    (R x H) as JSON (sparse exact ``{rows, cols, den, num}`` or dense float lists); ``map`` names the
    rewriting and ``base_method`` the construction it rewrote."""

    rank: int
    map: str
    base_method: str
    U: object
    V: object
    Z: object

    def __post_init__(self):
        if isinstance(self.rank, bool) or not isinstance(self.rank, int) or self.rank < 1:
            raise expected("cp rank", "a positive integer", self.rank)

    def to_json(self) -> dict:
        return {"rank": self.rank, "map": self.map, "base_method": self.base_method,
                "U": self.U, "V": self.V, "Z": self.Z}


@dataclass(frozen=True, eq=False)
class HouseFactors:
    """The Householder factors of a HOUSE construction (docs/design.md §7, §14): ``factors[k][j]`` is
    factor ``j`` of symbol ``k`` (factor 0 leftmost in ``A_k = ∏_j (I - β_j k_j k_jᵀ)``) as JSON:
    ``k`` (unit vector, floats), ``beta`` (float in [0, 2]) and ``exact`` (``null`` for numeric
    constructions, else ``{"beta": "2", "c": [...], "w": [[...], ...]}`` with ``I - β k kᵀ = I - c w wᵀ``,
    ``c (wᵀw) = β``, ``k = w/|w|``, field elements as lists of rational strings over the field's basis;
    ``w`` and ``c`` are ``null`` for a padding factor with ``β = 0``)."""

    householders: int
    factors: tuple

    def __post_init__(self):
        if isinstance(self.householders, bool) or not isinstance(self.householders, int) or self.householders < 1:
            raise expected("householders", "a positive integer", self.householders)
        if any(len(f) != self.householders for f in self.factors):
            raise InputError(f"factors: expected {self.householders} factors per symbol")

    def to_json(self) -> dict:
        return {"householders": self.householders, "factors": [list(f) for f in self.factors]}


@dataclass(frozen=True, eq=False, kw_only=True)
class Construction:
    """Bilinear weights for one object at one level (the fields shared by both kinds).

    ``shape`` is the level with its sizes; ``blocks`` (dimensions of the irreducibles in each block,
    BLOCK), ``irreducibles`` (representation methods), ``invariants`` (abelian builders) and ``cp``
    (CP factors, exactly when the level is ``cp``) are the level parameters.
    """

    shape: Level
    method: str
    theorem: str
    labels: tuple[str, ...]
    alphabet: tuple[str, ...]
    source: dict
    irreducibles: tuple[IrreducibleUsed, ...] = ()
    blocks: tuple[tuple[int, ...], ...] = ()
    invariants: tuple[int, ...] = ()
    cp: CPFactors | None = None
    house: HouseFactors | None = None
    monomial: tuple = ()

    def __post_init__(self):
        if type(self) is Construction:
            raise InputError("construction: build an ExactConstruction or a NumericConstruction")
        if not isinstance(self.shape, Level):
            raise expected("shape", "a bilinear.theory.hierarchy.levels.Level", type_of(self.shape))
        if not isinstance(self.method, str) or not self.method:
            raise InputError("method: expected a non-empty string")
        if len(set(self.labels)) != len(self.labels):
            raise InputError("labels: must be distinct")
        if (self.cp is not None) != isinstance(self.shape, CP):
            raise InputError("cp: CP factors are given exactly for level cp")
        if self.cp is not None and self.cp.rank != self.shape.rank:
            raise InputError(f"cp: the factors have rank {self.cp.rank}, the level says {self.shape.rank}")
        if (self.house is not None) != isinstance(self.shape, House):
            raise InputError("house: Householder factors are given exactly for level house")
        if self.house is not None and (self.house.householders != self.shape.householders
                                       or len(self.house.factors) != len(self.alphabet)):
            raise InputError("house: the factors do not match the level's householders and the alphabet")
        if self.blocks and not isinstance(self.shape, Block):
            raise InputError("blocks: only a block construction has blocks")
        if isinstance(self.shape, Block) and any(sum(b) > self.shape.block for b in self.blocks):
            raise InputError(f"blocks: a block holds more than {self.shape.block} dimensions")
        if self._array_hidden_size() != self.shape.hidden:
            raise InputError(f"shape: hidden size {self.shape.hidden}, but the matrices are "
                             f"{self._array_hidden_size()}x{self._array_hidden_size()}")
        self._check_arrays()

    def _array_hidden_size(self) -> int:   # pragma: no cover - interface
        raise NotImplementedError

    def _check_arrays(self) -> None:       # pragma: no cover - interface
        raise NotImplementedError

    @property
    def level(self) -> str:
        return self.shape.name

    @property
    def hidden_size(self) -> int:
        return self.shape.hidden

    @property
    def block(self) -> int | None:
        return self.shape.block if isinstance(self.shape, Block) else None

    @property
    def rank(self) -> int | None:
        return self.shape.rank if isinstance(self.shape, CP) else None

    @property
    def exact(self) -> bool:
        return isinstance(self, ExactConstruction)

    @property
    def field_name(self) -> str:   # pragma: no cover - interface
        raise NotImplementedError

    def float_parts(self):         # pragma: no cover - interface
        """``(index, value, shape)`` of the non-zero entries of ``W`` (rows ``(i, j, k)``), ``h0``, ``R``."""
        raise NotImplementedError

    def _exact_meta(self, index: np.ndarray) -> dict | None:
        return None

    def info_json(self) -> dict:
        """The level parameters as written to the weight file's ``meta.info``."""
        out: dict = {"theorem": self.theorem, "method": self.method}
        if self.irreducibles:
            out["irreps"] = [r.to_json() for r in self.irreducibles]
        if isinstance(self.shape, Block):
            out.update(block=self.shape.block, blocks=[list(b) for b in self.blocks])
        if self.invariants:
            out["invariants"] = list(self.invariants)
        if self.cp is not None:
            out["cp"] = self.cp.to_json()
        if self.house is not None:
            out["house"] = self.house.to_json()
        if self.monomial:
            out["monomial"] = [dict(m) for m in self.monomial]
        return out

    def summary(self) -> dict:
        """What ``bilinear construct --json`` prints (no matrices, no CP factors)."""
        info = {k: v for k, v in self.info_json().items() if k not in ("cp", "house")}
        return {"level": self.level, "method": self.method, "hidden_size": self.hidden_size,
                "parameters": self.shape.parameters(), "symbols": len(self.alphabet), "labels": len(self.labels),
                "exact": self.exact, "field": self.field_name, "info": info}

    def to_weight_file(self) -> WeightFile:
        (index, value, shape), h0, R = self.float_parts()
        meta = {"level": self.level, "method": self.method, "parameters": self.shape.parameters(),
                "hidden_size": self.hidden_size, "source": self.source, "info": self.info_json(),
                "exact": self._exact_meta(index)}
        return WeightFile(None, h0, R, self.labels, self.alphabet, self.level, meta,
                          W_sparse=(index, value, shape))

    def save(self, path) -> str:
        """Write the weight file (dense ``W`` up to 64 MB, sparse above)."""
        wf = self.to_weight_file()
        H, _, D = wf.shape
        if H * H * D * 8 <= 64 * 2 ** 20:
            wf = WeightFile(wf.dense_W(), wf.h0, wf.readout, wf.labels, wf.alphabet, wf.level, wf.meta)
        return save_weights(path, wf)


@dataclass(frozen=True, eq=False, kw_only=True)
class ExactConstruction(Construction):
    """Exact weights: ``transitions`` (one ``H x H`` :class:`SparseMatrix` per symbol), ``h0``
    (:class:`Columns` with one column) and ``readout`` (``K x H`` :class:`SparseMatrix`), all over
    ``field``; the certificate re-derives everything from the weight file exactly."""

    field: NumberField
    transitions: tuple[SparseMatrix, ...]
    h0: Columns
    readout: SparseMatrix

    def _array_hidden_size(self) -> int:
        return int(self.h0.num.shape[1])

    def _check_arrays(self) -> None:
        H = self.hidden_size
        if not isinstance(self.field, NumberField):
            raise expected("field", "a NumberField", type_of(self.field))
        if len(self.transitions) != len(self.alphabet):
            raise InputError("transitions: one matrix per alphabet symbol expected")
        for A in self.transitions:
            if A.shape != (H, H):
                raise expected("transitions", f"{H}x{H} matrices", A.shape)
        if self.readout.shape != (len(self.labels), H) or self.h0.num.shape[1:] != (H, 1):
            raise InputError("readout/h0: shapes do not match the hidden size and labels")

    @property
    def field_name(self) -> str:
        """``Z`` when every entry is an integer, else the field's name."""
        integer = self.field.degree == 1 and all(A.den == 1 for A in self.transitions) and \
            self.readout.den == 1 and int(self.h0.den[0]) == 1
        return "Z" if integer else self.field.name

    def float_parts(self):
        H, D = self.hidden_size, len(self.alphabet)
        parts = []
        for k, A in enumerate(self.transitions):
            vals = A.field.rounded(A.num, A.den) if len(A.rows) else np.zeros(0)
            parts.append((np.stack([A.rows, A.cols, np.full(len(A.rows), k)], axis=1), vals))
        idx = np.concatenate([p[0] for p in parts]).astype(np.int64)
        val = np.concatenate([p[1] for p in parts])
        order = np.lexsort((idx[:, 2], idx[:, 1], idx[:, 0]))
        h0 = self.field.rounded(self.h0.num[:, :, 0], self.h0.den[0])
        return (idx[order], val[order], (H, H, D)), h0, self.readout.dense_float()

    def _exact_meta(self, index: np.ndarray) -> dict:
        """Exact values: for fields of degree 1 only a common denominator per array (entries are
        recovered as ``round(x * den) / den``); otherwise the coefficient lists of every non-zero entry
        of ``W`` (in the order of ``index``), of ``h0`` and of ``readout``."""
        F = self.field
        out: dict[str, object] = {"field": F.to_json()}
        den_W = math.lcm(*[A.den for A in self.transitions]) if self.transitions else 1
        if F.degree == 1:
            out.update(den_W=int(den_W), den_h0=int(self.h0.den[0]), den_readout=int(self.readout.den))
            return out
        lookup: dict[tuple[int, ...], list[int]] = {}
        for k, A in enumerate(self.transitions):
            for e in range(len(A.rows)):
                lookup[(int(A.rows[e]), int(A.cols[e]), k)] = [int(c) * (den_W // A.den) for c in A.num[:, e]]
        out["W"] = {"den": int(den_W), "num": [lookup[tuple(int(x) for x in row)] for row in index]}
        out["h0"] = {"den": int(self.h0.den[0]), "num": self.h0.num[:, :, 0].T.astype(object).tolist()}
        R = self.readout
        out["readout"] = {"den": int(R.den), "rows": R.rows.tolist(), "cols": R.cols.tolist(),
                          "num": R.num.T.astype(object).tolist()}
        return _jsonable(out)


@dataclass(frozen=True, eq=False, kw_only=True)
class NumericConstruction(Construction):
    """Float64 weights from numerically computed representations: ``A`` (``D x H x H``), ``h0``
    (``H``), ``readout`` (``K x H``), and ``residual``, the largest defect of those representations
    (the numeric certificate bounds the length up to which the weights stay exact)."""

    A: np.ndarray
    h0: np.ndarray
    readout: np.ndarray
    residual: float

    def _array_hidden_size(self) -> int:
        return int(np.shape(self.h0)[0])

    def _check_arrays(self) -> None:
        H = self.hidden_size
        for name in ("A", "h0", "readout"):
            if not isinstance(getattr(self, name), np.ndarray) or getattr(self, name).dtype != np.float64:
                raise InputError(f"{name}: expected a float64 array")
        if self.A.shape != (len(self.alphabet), H, H) or self.h0.shape != (H,) or \
                self.readout.shape != (len(self.labels), H):
            raise InputError("numeric: expected A (D, H, H), h0 (H,), readout (K, H)")
        if not (isinstance(self.residual, float) and self.residual >= 0):
            raise expected("residual", "a non-negative float", self.residual)

    @property
    def field_name(self) -> str:
        return "float64"

    def float_parts(self):
        H, D = self.hidden_size, len(self.alphabet)
        W = weights_of(self.A)
        idx = np.argwhere(W != 0)
        return (idx, W[W != 0], (H, H, D)), self.h0.astype(np.float64), self.readout.astype(np.float64)

    def info_json(self) -> dict:
        return dict(super().info_json(), residual=self.residual)


def _jsonable(x):
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.integer):
        return int(x)
    return x
