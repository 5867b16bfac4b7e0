"""The result of every builder: a :class:`Construction` (docs/design.md §7), and its weight file.

A construction holds the transition matrices ``A_k`` (``A(e_k) = W[:, :, k]``), the start state
``h0``, the readout ``R`` (label = ``labels[argmax(R h)]``), the alphabet, the level of the hierarchy,
and where it came from (``source``: the group and its alphabet, or the automaton).  Exact
constructions hold everything in a :class:`~theory.number_field.NumberField`; numeric ones (built
from numerically computed representations) hold float64 arrays.

The weight file written by :meth:`Construction.to_weight_file` carries, in ``meta``:

* ``source`` – enough to rebuild the reference object (a ``parse_group`` spec, or a Cayley table
  with names, or the automaton dictionary and whether it was minimised);
* ``exact`` – for exact constructions the field and, for entries outside ``Z``, their exact
  coefficients (``W``, ``h0``, ``readout``), so that :func:`constructions.certificate.certify_weights`
  re-derives everything from the file alone; float ``W`` must be the correctly rounded exact values;
* ``info`` – level parameters (block size, blocks and irreducibles used, CP rank, ...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field as dc_field

import numpy as np

from theory.errors import InputError
from theory.field_matrices import Columns, SparseMatrix
from theory.group import FiniteGroup
from theory.group_parser import parse_group
from theory.named_groups import group_from_cayley_table
from theory.number_field import NumberField

from .weightfile import WeightFile, save_weights

__all__ = ["Construction", "LEVELS", "group_source", "group_from_source", "alphabet_indices"]

LEVELS = ("full", "regular", "permutation", "block", "cdiag", "rot", "rdiag", "pdiag", "cp")


def group_source(group: FiniteGroup, alphabet: list[int]) -> dict:
    """A JSON description from which :func:`group_from_source` rebuilds ``group`` with the same
    element names: its ``parse_group`` spec when that round-trips, else its Cayley table."""
    alph = [group.names[a] for a in alphabet]
    try:
        again = parse_group(group.name)
        if again.order == group.order and again.names == group.names:
            return {"kind": "group", "group": group.name, "alphabet": alph}
    except InputError:
        pass
    if group.order > 2000:
        raise InputError(f"group {group.name}: cannot be written to a weight file (no parse_group spec "
                         "rebuilds it and its Cayley table is too large)")
    return {"kind": "group", "group": group.name, "cayley_table": group.table.tolist(),
            "names": list(group.names), "alphabet": alph}


def group_from_source(source: dict) -> FiniteGroup:
    if "cayley_table" in source:
        return group_from_cayley_table(source["cayley_table"], names=source["names"], name=source.get("group", "G"))
    return parse_group(source["group"])


def alphabet_indices(group: FiniteGroup, alphabet) -> list[int]:
    """``"generators"`` (the group's generators in their given order; the identity for a trivial
    group), ``"all"`` (every element), or an explicit list of element indices or names."""
    if alphabet is None or alphabet == "generators":
        gens = list(group.generators)
        return gens if gens else [0]
    if alphabet == "all":
        return list(range(group.order))
    if isinstance(alphabet, str):
        raise InputError(f"alphabet: expected 'generators', 'all' or a list of elements, got {alphabet!r}")
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
class Construction:
    """Bilinear weights for one object at one level.

    Exact: ``field`` set, ``transitions`` (one :class:`SparseMatrix` per symbol), ``h0``
    (:class:`Columns` with one column) and ``readout`` (``K x H`` :class:`SparseMatrix`).
    Numeric: ``field`` is ``None`` and ``numeric = (A, h0, R)`` float64 arrays (``A`` is ``D x H x H``).
    """

    level: str
    labels: tuple[str, ...]
    alphabet: tuple[str, ...]
    source: dict
    field: NumberField | None = None
    transitions: tuple[SparseMatrix, ...] | None = None
    h0: Columns | None = None
    readout: SparseMatrix | None = None
    numeric: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    info: dict = dc_field(default_factory=dict)

    def __post_init__(self):
        if self.level not in LEVELS:
            raise InputError(f"level: expected one of {', '.join(LEVELS)}, got {self.level!r}")
        if len(set(self.labels)) != len(self.labels):
            raise InputError("labels: must be distinct")
        if (self.field is None) == (self.numeric is None):
            raise InputError("construction: give either an exact field with matrices or numeric arrays")
        H = self.hidden_size
        if self.field is not None:
            if len(self.transitions) != len(self.alphabet):
                raise InputError("transitions: one matrix per alphabet symbol expected")
            for A in self.transitions:
                if A.shape != (H, H):
                    raise InputError(f"transitions: expected {H}x{H} matrices, got {A.shape}")
            if self.readout.shape != (len(self.labels), H) or self.h0.num.shape[1:] != (H, 1):
                raise InputError("readout/h0: shapes do not match the hidden size and labels")
        else:
            A, h0, R = self.numeric
            if A.shape != (len(self.alphabet), H, H) or h0.shape != (H,) or R.shape != (len(self.labels), H):
                raise InputError("numeric: expected A (D, H, H), h0 (H,), R (K, H)")

    @property
    def exact(self) -> bool:
        return self.field is not None

    @property
    def field_name(self) -> str:
        """``Z`` when every exact entry is an integer, else the field's name; ``float64`` if numeric."""
        if self.field is None:
            return "float64"
        integer = self.field.degree == 1 and all(A.den == 1 for A in self.transitions) and \
            self.readout.den == 1 and int(self.h0.den[0]) == 1
        return "Z" if integer else self.field.name

    @property
    def hidden_size(self) -> int:
        if self.field is not None:
            return int(self.h0.num.shape[1])
        return int(self.numeric[1].shape[0])

    def float_parts(self):
        """``(index, value, shape)`` of the non-zero entries of ``W`` (rows ``(i, j, k)``), ``h0``, ``R``."""
        H, D = self.hidden_size, len(self.alphabet)
        if self.field is None:
            A, h0, R = self.numeric
            W = np.transpose(A, (1, 2, 0))
            idx = np.argwhere(W != 0)
            return (idx, W[W != 0], (H, H, D)), h0.astype(np.float64), R.astype(np.float64)
        parts = []
        for k, A in enumerate(self.transitions):
            vals = A.field.rounded(A.num, A.den) if len(A.rows) else np.zeros(0)
            parts.append((np.stack([A.rows, A.cols, np.full(len(A.rows), k)], axis=1), vals))
        idx = np.concatenate([p[0] for p in parts]).astype(np.int64)
        val = np.concatenate([p[1] for p in parts])
        order = np.lexsort((idx[:, 2], idx[:, 1], idx[:, 0]))
        h0 = self.field.rounded(self.h0.num[:, :, 0], self.h0.den[0])
        return (idx[order], val[order], (H, H, D)), h0, self.readout.dense_float()

    def to_weight_file(self) -> WeightFile:
        (index, value, shape), h0, R = self.float_parts()
        meta = {"level": self.level, "hidden_size": self.hidden_size, "source": self.source,
                "info": self.info, "exact": self._exact_meta(index) if self.exact else None}
        return WeightFile(None, h0, R, self.labels, self.alphabet, self.level, meta,
                          W_sparse=(index, value, shape))

    def save(self, path) -> str:
        """Write the weight file (dense ``W`` up to 64 MB, sparse above)."""
        wf = self.to_weight_file()
        H, _, D = wf.shape
        if H * H * D * 8 <= 64 * 2 ** 20:
            wf = WeightFile(wf.dense_W(), wf.h0, wf.readout, wf.labels, wf.alphabet, wf.level, wf.meta)
        return save_weights(path, wf)

    def _exact_meta(self, index: np.ndarray) -> dict:
        """Exact values: for fields of degree 1 only a common denominator per array (entries are
        recovered as ``round(x * den) / den``); otherwise the coefficient lists of every non-zero entry
        of ``W`` (in the order of ``index``), of ``h0`` and of ``readout``."""
        F = self.field
        out = {"field": F.to_json()}
        den_W = math.lcm(*[A.den for A in self.transitions]) if self.transitions else 1
        if F.degree == 1:
            out.update(den_W=int(den_W), den_h0=int(self.h0.den[0]), den_readout=int(self.readout.den))
            return out
        lookup = {}
        for k, A in enumerate(self.transitions):
            for e in range(len(A.rows)):
                lookup[(int(A.rows[e]), int(A.cols[e]), k)] = [int(c) * (den_W // A.den) for c in A.num[:, e]]
        out["W"] = {"den": int(den_W), "num": [lookup[tuple(int(x) for x in row)] for row in index]}
        out["h0"] = {"den": int(self.h0.den[0]), "num": self.h0.num[:, :, 0].T.astype(object).tolist()}
        R = self.readout
        out["readout"] = {"den": int(R.den), "rows": R.rows.tolist(), "cols": R.cols.tolist(),
                          "num": R.num.T.astype(object).tolist()}
        return _jsonable(out)


def _jsonable(x):
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.integer):
        return int(x)
    return x
