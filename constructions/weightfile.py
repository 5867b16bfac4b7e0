"""The weight file (docs/design.md §7): one construction as a ``.npz``.

Arrays: ``W`` (``H x H x D`` float64, ``A(e_k) = W[:, :, k]``), ``h0`` (``H``), ``readout`` (``K x H``),
``labels`` (``K`` strings), ``alphabet`` (``D`` strings), ``level`` (string) and ``meta`` (a JSON
string).  Decoding: ``label = labels[argmax(readout @ h)]``.  When a dense ``W`` would exceed
:data:`DENSE_LIMIT_BYTES` it is stored sparse instead: ``W_index`` (``nnz x 3`` int64, rows
``(i, j, k)``), ``W_value`` (``nnz``) and ``W_shape`` (3); :func:`load_weights` accepts both forms.

Reading (:func:`load_weights`) goes through :func:`bilinear.theory.npz.read_npz`: nothing is unpickled,
object-dtype members are refused, every ``.npy`` header is checked against the bytes the member
holds.  Then each array must have its dtype (``float64``, ``int64``, unicode strings) and number of
axes, floats must be finite, no array may be missing or unknown, and ``meta`` must be a JSON object
(``NaN``/``Infinity`` refused) holding what the certificate reads (:func:`check_meta`).  Every problem is one :class:`~bilinear.theory.errors.InputError` line
``weight file PATH: ARRAY: problem``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np

from bilinear.constructions.source import check_source
from bilinear.theory.errors import InputError, expected, shown, type_of
from bilinear.theory.files import atomic_path
from bilinear.theory.npz import load_npz
from bilinear.theory.resources import check_memory
from bilinear.theory.version import software_versions

__all__ = ["WeightFile", "save_weights", "load_weights", "weights_from_arrays", "weight_arrays", "check_meta", "transitions_of", "weights_of",
           "DENSE_LIMIT_BYTES"]

#: Dense ``W`` above this size is written in the sparse form.
DENSE_LIMIT_BYTES = 64 * 2 ** 20


def transitions_of(W) -> np.ndarray:
    """The transitions ``A`` (``D x H x H``, ``A[k] = A(e_k)``) of weights ``W`` in the file's layout
    (``H x H x D``): the one place the file's layout is read (a view, not a copy).

    >>> transitions_of(np.arange(8.0).reshape(2, 2, 2))[1].tolist()
    [[1.0, 3.0], [5.0, 7.0]]
    """
    return np.transpose(np.asarray(W), (2, 0, 1))


def weights_of(A) -> np.ndarray:
    """The weights ``W`` (``H x H x D``, a new contiguous array) of transitions ``A`` (``D x H x H``): the
    one place the file's layout is written; the inverse of :func:`transitions_of`.

    >>> A = np.arange(8.0).reshape(2, 2, 2)
    >>> bool(np.array_equal(transitions_of(weights_of(A)), A)), weights_of(A)[:, :, 1].tolist()
    (True, [[4.0, 5.0], [6.0, 7.0]])
    """
    return np.ascontiguousarray(np.transpose(np.asarray(A), (1, 2, 0)))


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
        shape = self._dims()
        if len(shape) != 3 or shape[0] != shape[1] or shape[0] < 1 or shape[2] < 1:
            raise expected("W", "shape (H, H, D) with H, D >= 1", shape)
        H, _, D = shape
        h0 = np.asarray(self.h0, dtype=np.float64)
        R = np.asarray(self.readout, dtype=np.float64)
        if h0.shape != (H,):
            raise expected("h0", f"shape ({H},)", h0.shape)
        if R.ndim != 2 or R.shape[1] != H or R.shape[0] < 1:
            raise expected("readout", f"shape (K, {H}) with K >= 1", R.shape)
        if len(self.labels) != R.shape[0]:
            raise expected("labels", f"{R.shape[0]} labels (one per readout row)", len(self.labels))
        if len(self.alphabet) != D:
            raise expected("alphabet", f"{D} symbols (W's last axis)", len(self.alphabet))
        for name, arr in (("h0", h0), ("readout", R)):
            if not np.all(np.isfinite(arr)):
                raise InputError(f"{name}: contains non-finite values")
        object.__setattr__(self, "h0", h0)
        object.__setattr__(self, "readout", R)
        object.__setattr__(self, "labels", tuple(str(s) for s in self.labels))
        object.__setattr__(self, "alphabet", tuple(str(s) for s in self.alphabet))

    def _dims(self) -> tuple[int, ...]:
        """The dimensions of ``W`` as stored (checked to be ``(H, H, D)`` in ``__post_init__``)."""
        if self.W_sparse is not None:
            return tuple(int(x) for x in self.W_sparse[2])
        if self.W is None:
            raise InputError("W: the file holds neither W nor W_index/W_value/W_shape")
        return tuple(np.asarray(self.W).shape)

    @property
    def shape(self) -> tuple[int, int, int]:
        H, H2, D = self._dims()
        return H, H2, D

    @property
    def hidden_size(self) -> int:
        return self.shape[0]

    def dense_W(self) -> np.ndarray:
        """``W`` as a dense float64 array (built from the sparse form if needed, after checking its
        size against the memory limit: :func:`bilinear.theory.resources.check_memory`)."""
        if self.W is not None:
            return np.asarray(self.W, dtype=np.float64)
        if self.W_sparse is None:
            raise InputError("W: the file holds neither W nor W_index/W_value/W_shape")
        index, value, shape = self.W_sparse
        H, _, D = shape
        check_memory(8 * H * H * D, f"the dense W of this weight file ({H} x {H} x {D} float64)")
        W = np.zeros(shape, dtype=np.float64)
        W[index[:, 0], index[:, 1], index[:, 2]] = value
        return W

    def transitions(self) -> np.ndarray:
        """The transitions ``A`` (``D x H x H``, float64): :func:`transitions_of` the dense ``W``."""
        return transitions_of(self.dense_W())

    def transition_matrices(self) -> list:
        """``A_k = W[:, :, k]`` for each symbol, as scipy-free sparse-friendly dense arrays."""
        return list(self.transitions())

    def sparse_W(self) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int]]:
        """``(index, value, shape)`` with ``index`` rows ``(i, j, k)`` of the non-zero entries."""
        if self.W_sparse is not None:
            return self.W_sparse
        W = np.asarray(self.W, dtype=np.float64)
        index = np.argwhere(W != 0).astype(np.int64)
        return index, W[W != 0], tuple(W.shape)


def save_weights(path: str | os.PathLike, wf: WeightFile, dense_limit: int = DENSE_LIMIT_BYTES) -> str:
    """Write ``wf`` to ``path`` (``.npz``) atomically; ``W`` goes sparse above ``dense_limit`` bytes.
    ``meta.versions`` records the toolkit, numpy and torch versions that wrote the file
    (:func:`bilinear.theory.version.software_versions`) unless ``wf.meta`` already has it."""
    path = os.fspath(path)
    arrays = weight_arrays(wf, dense_limit)
    with atomic_path(path, suffix=".npz") as tmp:
        # numpy's stub gives savez a keyword `allow_pickle: bool` next to `**kwds: ArrayLike`, and mypy
        # matches a `**dict` against it; the keys here are the fixed array names above, never allow_pickle
        np.savez(tmp, **arrays)  # type: ignore[arg-type]
    return path


def weight_arrays(wf: WeightFile, dense_limit: int = DENSE_LIMIT_BYTES) -> dict[str, np.ndarray]:
    """The arrays :func:`save_weights` writes, by name (``meta.versions`` added)."""
    H, _, D = wf.shape
    meta = {"versions": software_versions(), **wf.meta}
    arrays = {
        "h0": wf.h0, "readout": wf.readout,
        "labels": np.array(wf.labels, dtype=str), "alphabet": np.array(wf.alphabet, dtype=str),
        "level": np.array(wf.level), "meta": np.array(json.dumps(meta, sort_keys=True)),
    }
    if H * H * D * 8 > dense_limit or wf.W is None:
        index, value, shape = wf.sparse_W()
        arrays.update(W_index=np.asarray(index, dtype=np.int64), W_value=np.asarray(value, dtype=np.float64),
                      W_shape=np.asarray(shape, dtype=np.int64))
    else:
        arrays["W"] = np.asarray(wf.W, dtype=np.float64)
    return arrays


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
                raise expected(name, f"{what} with {ndim} axes", shown(f"{arr.dtype} of shape {arr.shape}"))
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
        raise expected("meta", "a JSON object", type_of(meta))
    return meta


def _sparse(arrays: dict) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int]]:
    index, value, shape = arrays["W_index"], arrays["W_value"], arrays["W_shape"]
    if index.shape[1:] != (3,) or value.shape != (index.shape[0],) or shape.shape != (3,):
        raise expected("W_index/W_value/W_shape", "shapes (nnz, 3), (nnz,) and (3,)",
                       shown(f"{index.shape}, {value.shape} and {shape.shape}"))
    if np.any(shape < 1) or np.any(shape > 2 ** 31):
        raise expected("W_shape", "three sizes in 1..2^31", shape.tolist())
    shape = tuple(int(x) for x in shape)
    if index.size and (index.min() < 0 or np.any(index.max(axis=0) >= np.array(shape))):
        raise InputError(f"W_index: entries outside the shape {shape}")
    if len(np.unique(index, axis=0)) != len(index):
        raise InputError("W_index: an entry (i, j, k) appears twice")
    return index, value, shape


def _int(v, where: str, minimum: int | None = 0) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or (minimum is not None and v < minimum):
        raise expected(where, "an integer" + ("" if minimum is None else f" >= {minimum}"), shown(repr(v)[:160]))
    return v


def _ints(v, where: str, below: int | None = None, minimum: int | None = 0) -> list:
    if not isinstance(v, list):
        raise InputError(f"{where}: expected a list of integers")
    for x in v:
        _int(x, where, minimum)
        if below is not None and x >= below:
            raise InputError(f"{where}: index {x} is not below {below}")
    return v


def _coefficients(v, where: str, degree: int, count: int | None = None) -> None:
    """A list of ``count`` rows of ``degree`` integer coefficients."""
    if not isinstance(v, list) or (count is not None and len(v) != count):
        raise InputError(f"{where}: expected {'' if count is None else count} rows of {degree} integers")
    for row in v:
        if not isinstance(row, list) or len(row) != degree:
            raise InputError(f"{where}: expected rows of {degree} integers")
        _ints(row, where, minimum=None)


def _sparse_exact(v, where: str, degree: int, shape: tuple[int, int]) -> None:
    """``{den, rows, cols, num}`` of an exact sparse matrix of ``shape``."""
    if not isinstance(v, dict) or not {"den", "rows", "cols", "num"} <= set(v):
        raise InputError(f"{where}: expected {{den, rows, cols, num}}")
    _int(v["den"], f"{where}.den", 1)
    rows, cols = _ints(v["rows"], f"{where}.rows", shape[0]), _ints(v["cols"], f"{where}.cols", shape[1])
    if len(rows) != len(cols):
        raise InputError(f"{where}: rows and cols differ in length")
    if len(set(zip(rows, cols))) != len(rows):
        raise InputError(f"{where}: an entry (row, col) appears twice")
    _coefficients(v["num"], f"{where}.num", degree, len(rows))


def _field_degree(field) -> int:
    if not isinstance(field, dict):
        raise InputError("meta.exact.field: expected {name, minpoly, root} or {name, primes}")
    if "primes" in field:
        primes = _ints(field["primes"], "meta.exact.field.primes", minimum=None)
        if len(primes) > 6:
            raise InputError("meta.exact.field.primes: at most 6 primes")
        return 2 ** len(primes)
    minpoly = field.get("minpoly")
    if not isinstance(minpoly, list) or not 2 <= len(minpoly) <= 65:
        raise InputError("meta.exact.field.minpoly: expected 2 to 65 integer coefficients")
    return len(minpoly) - 1


def _check_exact(ex, wf: WeightFile) -> None:
    """The exact values the certificate reads (docs/design.md §7): denominators for a rational field,
    coefficient rows otherwise."""
    if not isinstance(ex, dict) or "field" not in ex:
        raise InputError("meta.exact: expected null or an object with the field and the exact values")
    d = _field_degree(ex["field"])
    H, K = wf.hidden_size, wf.readout.shape[0]
    if d == 1:
        for k in ("den_W", "den_h0", "den_readout"):
            _int(ex.get(k), f"meta.exact.{k}", 1)
        return
    for k in ("W", "h0"):
        if not isinstance(ex.get(k), dict):
            raise InputError(f"meta.exact.{k}: expected {{den, num}}")
        _int(ex[k].get("den"), f"meta.exact.{k}.den", 1)
        _coefficients(ex[k].get("num"), f"meta.exact.{k}.num", d)
    _sparse_exact(ex.get("readout"), "meta.exact.readout", d, (K, H))


def _check_info(info, wf: WeightFile, degree: int | None) -> None:
    if info is None:
        return
    if not isinstance(info, dict):
        raise InputError("meta.info: expected an object")
    if "block" in info:
        _int(info["block"], "meta.info.block", 1)
    if "cp" in info and info["cp"] is not None:
        cp = info["cp"]
        if not isinstance(cp, dict) or not {"rank", "U", "V", "Z"} <= set(cp):
            raise InputError("meta.info.cp: expected {rank, U, V, Z}")
        R, (H, _, D) = _int(cp["rank"], "meta.info.cp.rank", 1), wf.shape
        for k, shape in (("U", (H, R)), ("V", (R, D)), ("Z", (R, H))):
            if degree is None:
                factor = np.asarray(cp[k]) if isinstance(cp[k], list) else None
                if factor is None or factor.dtype.kind not in "iuf" or factor.shape != shape:
                    raise InputError(f"meta.info.cp.{k}: expected a {shape[0]}x{shape[1]} matrix of numbers")
            else:
                _sparse_exact(cp[k], f"meta.info.cp.{k}", degree, shape)


def check_meta(wf: WeightFile) -> None:
    """``meta`` holds what :func:`bilinear.constructions.certificate.certify_weights` reads, with the types and
    sizes it expects, where present: ``source`` (absent from files not made by a builder, e.g. trained
    weights; the certificate then refuses them), ``level`` (string), ``info`` and ``exact``."""
    meta = wf.meta
    if "source" in meta:
        check_source(meta["source"])
    if "level" in meta and not isinstance(meta["level"], str):
        raise InputError("meta.level: expected a string")
    ex = meta.get("exact")
    degree = None
    if ex:
        _check_exact(ex, wf)
        degree = _field_degree(ex["field"])
    elif ex not in (None, False):
        raise InputError("meta.exact: expected null or an object")
    _check_info(meta.get("info"), wf, degree)


def load_weights(path: str | os.PathLike) -> WeightFile:
    """Read and validate a weight file (dense or sparse ``W``); never unpickles.  Every problem
    (not an archive, truncated, empty, object or wrong dtype, wrong shape, NaN/inf, missing or
    unknown arrays, meta not a JSON object) is one :class:`InputError` line naming the file."""
    return load_npz(path, "weight file", weights_from_arrays)


def weights_from_arrays(arrays: dict) -> WeightFile:
    """The checks of :func:`load_weights` on arrays already read (a cascade file's layers,
    :mod:`bilinear.constructions.cascade_file`); problems raise :class:`InputError` naming the array."""
    keys = set(arrays)
    if not _REQUIRED <= keys:
        raise InputError(f"missing array(s) {', '.join(sorted(_REQUIRED - keys))}")
    for name, arr in arrays.items():
        _check_member(name, arr)
    if "W" in keys and keys & _SPARSE or "W" not in keys and not _SPARSE <= keys:
        raise InputError("expected either W or all of W_index, W_value, W_shape")
    W = arrays.get("W")
    sparse = None if "W" in keys else _sparse(arrays)
    wf = WeightFile(W, arrays["h0"], arrays["readout"], tuple(arrays["labels"].tolist()),
                    tuple(arrays["alphabet"].tolist()), str(arrays["level"]), _meta(str(arrays["meta"])),
                    sparse)
    check_meta(wf)
    return wf
