"""The weight file (docs/design.md §7): one construction as a ``.npz``.

Arrays: ``W`` (``H x H x D`` float64, ``A(e_k) = W[:, :, k]``), ``h0`` (``H``), ``readout`` (``K x H``),
``labels`` (``K`` strings), ``alphabet`` (``D`` strings), ``level`` (string) and ``meta`` (a JSON
string).  Decoding: ``label = labels[argmax(readout @ h)]``.  When a dense ``W`` would exceed
:data:`DENSE_LIMIT_BYTES` it is stored sparse instead: ``W_index`` (``nnz x 3`` int64, rows
``(i, j, k)``), ``W_value`` (``nnz``) and ``W_shape`` (3); :func:`load_weights` accepts both forms.

Reading (:func:`load_weights`) goes through :func:`theory.npz.read_npz`: nothing is unpickled,
object-dtype members are refused, every ``.npy`` header is checked against the bytes the member
holds.  Then each array must have its dtype (``float64``, ``int64``, unicode strings) and number of
axes, floats must be finite, no array may be missing or unknown, and ``meta`` must be a JSON object
(``NaN``/``Infinity`` refused).  Every problem is one :class:`~theory.errors.InputError` line
``weight file PATH: ARRAY: problem``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np

from theory.errors import InputError
from theory.files import atomic_path
from theory.npz import read_npz

__all__ = ["WeightFile", "save_weights", "load_weights", "DENSE_LIMIT_BYTES"]

#: Dense ``W`` above this size is written in the sparse form.
DENSE_LIMIT_BYTES = 64 * 2 ** 20


@dataclass(frozen=True, eq=False)
class WeightFile:
    """The contents of a weight file.  ``W`` is dense unless ``W_sparse`` holds ``(index, value, shape)``."""

    W: np.ndarray | None
    h0: np.ndarray
    readout: np.ndarray
    labels: tuple[str, ...]
    alphabet: tuple[str, ...]
    level: str
    meta: dict = field(default_factory=dict)
    W_sparse: tuple[np.ndarray, np.ndarray, tuple[int, int, int]] | None = None

    def __post_init__(self):
        shape = self.shape
        if len(shape) != 3 or shape[0] != shape[1] or shape[0] < 1 or shape[2] < 1:
            raise InputError(f"W: expected shape (H, H, D) with H, D >= 1, got {shape}")
        H, _, D = shape
        h0 = np.asarray(self.h0, dtype=np.float64)
        R = np.asarray(self.readout, dtype=np.float64)
        if h0.shape != (H,):
            raise InputError(f"h0: expected shape ({H},), got {h0.shape}")
        if R.ndim != 2 or R.shape[1] != H or R.shape[0] < 1:
            raise InputError(f"readout: expected shape (K, {H}) with K >= 1, got {R.shape}")
        if len(self.labels) != R.shape[0]:
            raise InputError(f"labels: expected {R.shape[0]} labels (one per readout row), got {len(self.labels)}")
        if len(self.alphabet) != D:
            raise InputError(f"alphabet: expected {D} symbols (W's last axis), got {len(self.alphabet)}")
        for name, arr in (("h0", h0), ("readout", R)):
            if not np.all(np.isfinite(arr)):
                raise InputError(f"{name}: contains non-finite values")
        object.__setattr__(self, "h0", h0)
        object.__setattr__(self, "readout", R)
        object.__setattr__(self, "labels", tuple(str(s) for s in self.labels))
        object.__setattr__(self, "alphabet", tuple(str(s) for s in self.alphabet))

    @property
    def shape(self) -> tuple[int, int, int]:
        if self.W_sparse is not None:
            return tuple(int(x) for x in self.W_sparse[2])
        if self.W is None:
            raise InputError("W: the file holds neither W nor W_index/W_value/W_shape")
        return tuple(np.asarray(self.W).shape)

    @property
    def hidden_size(self) -> int:
        return self.shape[0]

    def dense_W(self) -> np.ndarray:
        """``W`` as a dense float64 array (built from the sparse form if needed)."""
        if self.W is not None:
            return np.asarray(self.W, dtype=np.float64)
        index, value, shape = self.W_sparse
        W = np.zeros(shape, dtype=np.float64)
        W[index[:, 0], index[:, 1], index[:, 2]] = value
        return W

    def transition_matrices(self) -> list:
        """``A_k = W[:, :, k]`` for each symbol, as scipy-free sparse-friendly dense arrays."""
        W = self.dense_W()
        return [W[:, :, k] for k in range(W.shape[2])]

    def sparse_W(self) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int]]:
        """``(index, value, shape)`` with ``index`` rows ``(i, j, k)`` of the non-zero entries."""
        if self.W_sparse is not None:
            return self.W_sparse
        W = np.asarray(self.W, dtype=np.float64)
        index = np.argwhere(W != 0).astype(np.int64)
        return index, W[W != 0], tuple(W.shape)


def save_weights(path: str | os.PathLike, wf: WeightFile, dense_limit: int = DENSE_LIMIT_BYTES) -> str:
    """Write ``wf`` to ``path`` (``.npz``) atomically; ``W`` goes sparse above ``dense_limit`` bytes."""
    path = os.fspath(path)
    H, _, D = wf.shape
    arrays = {
        "h0": wf.h0, "readout": wf.readout,
        "labels": np.array(wf.labels, dtype=str), "alphabet": np.array(wf.alphabet, dtype=str),
        "level": np.array(wf.level), "meta": np.array(json.dumps(wf.meta, sort_keys=True)),
    }
    if H * H * D * 8 > dense_limit or wf.W is None:
        index, value, shape = wf.sparse_W()
        arrays.update(W_index=np.asarray(index, dtype=np.int64), W_value=np.asarray(value, dtype=np.float64),
                      W_shape=np.asarray(shape, dtype=np.int64))
    else:
        arrays["W"] = np.asarray(wf.W, dtype=np.float64)
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, **arrays)
    return path


_FLOAT_MEMBERS = {"W": 3, "h0": 1, "readout": 2, "W_value": 1}
_INT_MEMBERS = {"W_index": 2, "W_shape": 1}
_STRING_MEMBERS = {"labels": 1, "alphabet": 1, "level": 0, "meta": 0}
_DENSE, _SPARSE = {"W"}, {"W_index", "W_value", "W_shape"}
_REQUIRED = {"h0", "readout", "labels", "alphabet", "level", "meta"}


def _check_member(name: str, arr: np.ndarray) -> None:
    """dtype and number of axes of one member; float members finite."""
    for members, kinds, what in ((_FLOAT_MEMBERS, "f", "float64"), (_INT_MEMBERS, "i", "int64"),
                                 (_STRING_MEMBERS, "U", "unicode strings")):
        if name in members:
            ndim = members[name]
            if arr.dtype.kind != kinds or (kinds != "U" and arr.dtype.itemsize != 8) or arr.ndim != ndim:
                raise InputError(f"{name}: expected {what} with {ndim} axes, got {arr.dtype} of shape {arr.shape}")
            if kinds == "f" and not np.all(np.isfinite(arr)):
                raise InputError(f"{name}: contains non-finite values (NaN or inf)")
            return
    raise InputError(f"{name}: unknown array (expected {', '.join(sorted(_REQUIRED | _DENSE | _SPARSE))})")


def _refuse_constant(name: str):
    raise InputError(f"meta: {name} is not a JSON number")


def _meta(text: str) -> dict:
    try:
        meta = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as e:
        raise InputError(f"meta: not JSON ({e.msg} at character {e.pos + 1})") from None
    except RecursionError:
        raise InputError("meta: JSON nested too deeply") from None
    if not isinstance(meta, dict):
        raise InputError(f"meta: expected a JSON object, got {type(meta).__name__}")
    return meta


def _sparse(arrays: dict) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int]]:
    index, value, shape = arrays["W_index"], arrays["W_value"], arrays["W_shape"]
    if index.shape[1:] != (3,) or value.shape != (index.shape[0],) or shape.shape != (3,):
        raise InputError(f"W_index/W_value/W_shape: expected shapes (nnz, 3), (nnz,) and (3,), got "
                         f"{index.shape}, {value.shape} and {shape.shape}")
    if np.any(shape < 1) or np.any(shape > 2 ** 31):
        raise InputError(f"W_shape: expected three sizes in 1..2^31, got {shape.tolist()}")
    shape = tuple(int(x) for x in shape)
    if index.size and (index.min() < 0 or np.any(index.max(axis=0) >= np.array(shape))):
        raise InputError(f"W_index: entries outside the shape {shape}")
    if len(np.unique(index, axis=0)) != len(index):
        raise InputError("W_index: an entry (i, j, k) appears twice")
    return index, value, shape


def load_weights(path: str | os.PathLike) -> WeightFile:
    """Read and validate a weight file (dense or sparse ``W``); never unpickles.  Every problem
    (not an archive, truncated, empty, object or wrong dtype, wrong shape, NaN/inf, missing or
    unknown arrays, meta not a JSON object) is one :class:`InputError` line naming the file."""
    path = os.fspath(path)
    arrays = read_npz(path, "weight file")
    try:
        keys = set(arrays)
        if not _REQUIRED <= keys:
            raise InputError(f"missing array(s) {', '.join(sorted(_REQUIRED - keys))}")
        for name, arr in arrays.items():
            _check_member(name, arr)
        if "W" in keys and keys & _SPARSE or "W" not in keys and not _SPARSE <= keys:
            raise InputError("expected either W or all of W_index, W_value, W_shape")
        W = arrays.get("W")
        sparse = None if "W" in keys else _sparse(arrays)
        return WeightFile(W, arrays["h0"], arrays["readout"], tuple(arrays["labels"].tolist()),
                          tuple(arrays["alphabet"].tolist()), str(arrays["level"]), _meta(str(arrays["meta"])),
                          sparse)
    except InputError as e:
        raise InputError(f"weight file {path}: {e}") from None
