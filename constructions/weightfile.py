"""The weight file (docs/design.md §7): one construction as a ``.npz``.

Arrays: ``W`` (``H x H x D`` float64, ``A(e_k) = W[:, :, k]``), ``h0`` (``H``), ``readout`` (``K x H``),
``labels`` (``K`` strings), ``alphabet`` (``D`` strings), ``level`` (string) and ``meta`` (a JSON
string).  Decoding: ``label = labels[argmax(readout @ h)]``.  When a dense ``W`` would exceed
:data:`DENSE_LIMIT_BYTES` it is stored sparse instead: ``W_index`` (``nnz x 3`` int64, rows
``(i, j, k)``), ``W_value`` (``nnz``) and ``W_shape`` (3); :func:`load_weights` accepts both forms.

Files are read with ``allow_pickle=False`` (no arbitrary unpickling) and validated: every problem is
an :class:`~theory.errors.InputError` naming the array and what was expected.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np

from theory.errors import InputError
from theory.files import atomic_path

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
        H, _, D = shape
        if len(shape) != 3 or shape[0] != shape[1] or H < 1 or D < 1:
            raise InputError(f"W: expected shape (H, H, D) with H, D >= 1, got {shape}")
        h0 = np.asarray(self.h0, dtype=np.float64)
        R = np.asarray(self.readout, dtype=np.float64)
        if h0.shape != (H,):
            raise InputError(f"h0: expected shape ({H},), got {h0.shape}")
        if R.ndim != 2 or R.shape[1] != H:
            raise InputError(f"readout: expected shape (K, {H}), got {R.shape}")
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


def _string_array(data, name: str) -> tuple[str, ...]:
    arr = data[name]
    if arr.dtype.kind not in "US":
        raise InputError(f"{name}: expected an array of strings")
    return tuple(str(s) for s in arr.reshape(-1))


def load_weights(path: str | os.PathLike) -> WeightFile:
    """Read and validate a weight file (dense or sparse ``W``); never unpickles."""
    path = os.fspath(path)
    try:
        data = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InputError(f"weight file {path}: no such file") from None
    except (ValueError, OSError) as e:
        raise InputError(f"weight file {path}: not a readable .npz ({e})") from None
    with data:
        keys = set(data.files)
        need = {"h0", "readout", "labels", "alphabet", "level", "meta"}
        if not need <= keys:
            raise InputError(f"weight file {path}: missing array(s) {', '.join(sorted(need - keys))}")
        W, sparse = None, None
        if "W" in keys:
            W = data["W"]
            if W.dtype.kind != "f" or W.ndim != 3:
                raise InputError(f"W: expected a float array of shape (H, H, D), got {W.dtype} {W.shape}")
            W = W.astype(np.float64)
            if not np.all(np.isfinite(W)):
                raise InputError("W: contains non-finite values")
        elif {"W_index", "W_value", "W_shape"} <= keys:
            index, value, shape = data["W_index"], data["W_value"], data["W_shape"]
            if index.ndim != 2 or index.shape[1] != 3 or value.shape != (index.shape[0],) or shape.shape != (3,):
                raise InputError("W_index/W_value/W_shape: expected (nnz, 3), (nnz,) and (3,)")
            shape = tuple(int(x) for x in shape)
            if index.size and (index.min() < 0 or np.any(index.max(axis=0) >= np.array(shape))):
                raise InputError(f"W_index: entries outside the shape {shape}")
            if not np.all(np.isfinite(value)):
                raise InputError("W_value: contains non-finite values")
            sparse = (index.astype(np.int64), value.astype(np.float64), shape)
        else:
            raise InputError(f"weight file {path}: neither W nor W_index/W_value/W_shape")
        try:
            meta = json.loads(str(data["meta"]))
        except json.JSONDecodeError:
            raise InputError("meta: not a JSON string") from None
        if not isinstance(meta, dict):
            raise InputError("meta: expected a JSON object")
        return WeightFile(W, data["h0"], data["readout"], _string_array(data, "labels"),
                          _string_array(data, "alphabet"), str(data["level"]), meta, sparse)
