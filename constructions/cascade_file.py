"""The cascade weight file (docs/design.md §7, §11): a multi-layer construction as one ``.npz``, its
reader and its certificate.

**Format** ``bilinear-cascade``, version :data:`FORMAT_VERSION` (1).  Members:

* ``format`` (string ``"bilinear-cascade"``), ``level`` (string, one of the diagonal levels),
  ``labels`` (``K`` strings: the tracked group's elements), ``alphabet`` (``D`` strings), ``meta``
  (JSON object: ``format_version``, ``level``, ``layers`` = ``k``, ``hidden_sizes``, ``source`` — the
  group and the element of each symbol, as in a weight file — ``series`` and ``versions``);
* ``output`` (int64, shape ``(K_1, ..., K_k)``): the index into ``labels`` of the tracked element for
  the labels decoded from the ``k`` layers;
* for each layer ``i = 1..k``: ``layer<i>_inputs`` (int64, shape ``(D, K_1, ..., K_{i-1})``: the layer's
  symbol for the token and the labels decoded below) and ``layer<i>_<member>`` for every member of a
  one-layer weight file (:mod:`bilinear.constructions.weightfile`: ``W`` or ``W_index/W_value/W_shape``,
  ``h0``, ``readout``, ``labels`` (``K_i``), ``alphabet``, ``level``, ``meta`` with its own ``source``:
  the factor group ``Q_i`` as a Cayley table, and ``exact``).

Running it: at each step, layer 1 reads ``layer1_inputs[token]``; each layer ``i`` steps
``h_i <- A_i(e_s) h_i`` with ``s = layer<i>_inputs[token, c_1, ..., c_{i-1}]`` and is decoded
``c_i = argmax(R_i h_i)``; the output is ``labels[output[c_1, ..., c_k]]``.

**Certificate** (:func:`certify_cascade`, exact at every length by a finite check): (1) every layer's
one-layer certificate from its own arrays (:func:`~bilinear.constructions.certificate.certify_weights`:
the floats are the rounded exact values, the level's structure, the one-step check
``A_s φ(q) = φ(q s)`` for every reachable state and symbol, an injective ``φ`` and a positive margin) —
so for every word over its symbols, layer ``i`` decodes to the product of those symbols in ``Q_i``;
(2) the decoders: the lookup tables have their shapes and symbols in range, and a breadth-first search
over the pairs (group element, labels of all layers) reached from (e, starts) under every token —
each layer advanced by the symbol its table gives for the token and the *new* labels below — finds
``labels[output[...]]`` equal to the group element at every pair.  The pairs are finitely many, so
every word of every length ends at a checked pair.  A file whose floats, tables or sources were edited
fails one of the two.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from dataclasses import asdict, dataclass, field

import numpy as np

from bilinear.theory.errors import InputError, MathematicalError, expected, shown
from bilinear.theory.files import atomic_path
from bilinear.theory.hierarchy.levels import check_level_name
from bilinear.theory.npz import load_npz, read_npz
from bilinear.theory.version import software_versions

from bilinear.constructions.cascade import CASCADE_LEVELS, Cascade
from bilinear.constructions.certificate import Certificate, certify_weights
from bilinear.constructions.source import check_source, read_source
from bilinear.constructions.weightfile import WeightFile, weight_arrays, weights_from_arrays

__all__ = ["FORMAT", "FORMAT_VERSION", "MAX_LAYERS", "CascadeFile", "CascadeCertificate", "cascade_file",
           "save_cascade", "load_cascade", "is_cascade_file", "certify_cascade", "certify_cascade_file"]

FORMAT = "bilinear-cascade"
FORMAT_VERSION = 1
#: The most layers a file may declare.
MAX_LAYERS = 64
_TOP = {"format", "level", "labels", "alphabet", "meta", "output"}


@dataclass(frozen=True, eq=False)
class CascadeFile:
    """The contents of a cascade file: ``layers`` (one :class:`WeightFile` each, bottom first),
    ``inputs`` (the lookup table of each layer), ``output``, ``labels``, ``alphabet``, ``level``, ``meta``."""

    level: str
    labels: tuple[str, ...]
    alphabet: tuple[str, ...]
    layers: tuple[WeightFile, ...]
    inputs: tuple[np.ndarray, ...]
    output: np.ndarray
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.layers or len(self.layers) != len(self.inputs) or len(self.layers) > MAX_LAYERS:
            raise InputError(f"layers: expected 1 to {MAX_LAYERS} layers, each with its inputs table")
        sizes = tuple(len(wf.labels) for wf in self.layers)
        D = len(self.alphabet)
        for i, (wf, table) in enumerate(zip(self.layers, self.inputs)):
            if table.dtype != np.int64 or table.shape != (D,) + sizes[:i]:
                raise expected(f"layer{i + 1}_inputs", f"int64 of shape {(D,) + sizes[:i]}",
                               shown(f"{table.dtype} of shape {table.shape}"))
            if table.size and (table.min() < 0 or table.max() >= wf.shape[2]):
                raise InputError(f"layer{i + 1}_inputs: symbols must lie in 0..{wf.shape[2] - 1}")
        if self.output.dtype != np.int64 or self.output.shape != sizes:
            raise expected("output", f"int64 of shape {sizes}", shown(f"{self.output.dtype} of shape {self.output.shape}"))
        if self.output.min() < 0 or self.output.max() >= len(self.labels):
            raise InputError(f"output: label indices must lie in 0..{len(self.labels) - 1}")

    @property
    def hidden_sizes(self) -> tuple[int, ...]:
        return tuple(wf.hidden_size for wf in self.layers)


def _dense_if_small(wf: WeightFile) -> WeightFile:
    H, _, D = wf.shape
    if H * H * D * 8 <= 64 * 2 ** 20:
        return WeightFile(wf.dense_W(), wf.h0, wf.readout, wf.labels, wf.alphabet, wf.level, wf.meta)
    return wf


def cascade_file(c: Cascade) -> CascadeFile:
    """The file contents of a :class:`Cascade`."""
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "level": c.level, "layers": len(c.layers),
            "hidden_sizes": list(c.hidden_sizes), "source": c.target.source, "series": c.series.to_json(),
            "theorem": "depth.cascade_construction"}
    return CascadeFile(c.level, c.labels, c.target.alphabet_names,
                       tuple(_dense_if_small(layer.construction.to_weight_file()) for layer in c.layers),
                       tuple(layer.inputs for layer in c.layers), np.asarray(c.output, dtype=np.int64), meta)


def save_cascade(path: str | os.PathLike, cf: CascadeFile | Cascade) -> str:
    """Write a cascade file atomically (``meta.versions`` added)."""
    cf = cascade_file(cf) if isinstance(cf, Cascade) else cf
    path = os.fspath(path)
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT), "level": np.array(cf.level), "labels": np.array(cf.labels, dtype=str),
        "alphabet": np.array(cf.alphabet, dtype=str), "output": cf.output,
        "meta": np.array(json.dumps({"versions": software_versions(), **cf.meta}, sort_keys=True))}
    for i, (wf, table) in enumerate(zip(cf.layers, cf.inputs), start=1):
        arrays[f"layer{i}_inputs"] = table
        for name, arr in weight_arrays(wf).items():
            arrays[f"layer{i}_{name}"] = arr
    with atomic_path(path, suffix=".npz") as tmp:
        # the keys are fixed array names, never allow_pickle (see save_weights for mypy's reading of savez)
        np.savez(tmp, **arrays)  # type: ignore[arg-type]
    return path


def is_cascade_file(path: str | os.PathLike) -> bool:
    """Whether the ``.npz`` at ``path`` declares the cascade format (an unreadable file is not one: the
    one-layer reader then says what is wrong with it)."""
    try:
        arrays = read_npz(path, "weight file", names=("format",))     # the other members are not read
    except InputError:
        return False
    fmt = arrays.get("format")
    return fmt is not None and fmt.dtype.kind == "U" and fmt.ndim == 0 and str(fmt) == FORMAT


def _string(arrays: dict, name: str, ndim: int) -> np.ndarray:
    arr = arrays[name]
    if arr.dtype.kind != "U" or arr.ndim != ndim:
        raise expected(name, f"unicode strings with {ndim} axes", shown(f"{arr.dtype} of shape {arr.shape}"))
    return arr


def _int_table(arrays: dict, name: str) -> np.ndarray:
    arr = arrays.get(name)
    if arr is None:
        raise InputError(f"{name}: missing")
    if arr.dtype != np.int64 or arr.ndim < 1:
        raise expected(name, "an int64 table", shown(f"{arr.dtype} of shape {arr.shape}"))
    return arr


def _refuse_constant(name: str):
    raise InputError(f"meta: {name} is not a JSON number")


def _from_arrays(arrays: dict) -> CascadeFile:
    missing = _TOP - set(arrays)
    if missing:
        raise InputError(f"missing array(s) {', '.join(sorted(missing))}")
    if str(_string(arrays, "format", 0)) != FORMAT:
        raise expected("format", repr(FORMAT), str(arrays["format"]))
    try:
        meta = json.loads(str(_string(arrays, "meta", 0)), parse_constant=_refuse_constant)
    except json.JSONDecodeError as e:
        raise InputError(f"meta: not JSON ({e.msg} at character {e.pos + 1})") from None
    if not isinstance(meta, dict):
        raise expected("meta", "a JSON object", shown(type(meta).__name__))
    if meta.get("format_version") != FORMAT_VERSION:
        raise expected("meta.format_version", f"{FORMAT_VERSION} (this toolkit reads version {FORMAT_VERSION})",
                       meta.get("format_version"))
    k = meta.get("layers")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_LAYERS:
        raise expected("meta.layers", f"an integer in 1..{MAX_LAYERS}", k)
    check_source(meta.get("source"))
    level = str(_string(arrays, "level", 0))
    check_level_name(level, "level")
    expected_names = set(_TOP)
    layers, inputs = [], []
    for i in range(1, k + 1):
        prefix = f"layer{i}_"
        sub = {name[len(prefix):]: arr for name, arr in arrays.items() if name.startswith(prefix)}
        table = sub.pop("inputs", None)
        if table is None:
            raise InputError(f"{prefix}inputs: missing")
        inputs.append(_int_table({f"{prefix}inputs": table}, f"{prefix}inputs"))
        try:
            layers.append(weights_from_arrays(sub))
        except InputError as e:
            raise InputError(f"layer {i}: {e}") from None
        expected_names |= {prefix + name for name in sub} | {prefix + "inputs"}
    unknown = set(arrays) - expected_names
    if unknown:
        raise InputError(f"{sorted(unknown)[0]}: unknown array (the file declares {k} layer(s))")
    return CascadeFile(level, tuple(_string(arrays, "labels", 1).tolist()), tuple(_string(arrays, "alphabet", 1).tolist()),
                       tuple(layers), tuple(inputs), _int_table(arrays, "output"), meta)


def load_cascade(path: str | os.PathLike) -> CascadeFile:
    """Read and validate a cascade file (never unpickles); every problem is one :class:`InputError` line
    naming the file and the array."""
    return load_npz(path, "cascade file", _from_arrays)


@dataclass(frozen=True)
class CascadeCertificate:
    """A successful cascade certificate (failures raise): the level, the per-layer certificates and the
    number of (element, labels) pairs the decoder check visited."""

    certified: bool
    level: str
    layers: int
    hidden_sizes: tuple[int, ...]
    num_symbols: int
    num_labels: int
    product_states: int
    layer_certificates: tuple[Certificate, ...]
    seconds: float

    def to_json(self) -> dict:
        out = asdict(self)
        out["hidden_sizes"] = list(self.hidden_sizes)
        out["layer_certificates"] = [c.to_json() for c in self.layer_certificates]
        return out


def certify_cascade(cf: CascadeFile) -> CascadeCertificate:
    """Certify a cascade file from its contents alone (module docstring); raises
    :class:`MathematicalError` naming what fails."""
    t0 = time.perf_counter()
    level = cf.level
    if level not in CASCADE_LEVELS:
        raise MathematicalError(f"level {level}: cascades are built at {', '.join(CASCADE_LEVELS)}")
    if cf.meta.get("level", level) != level:
        raise MathematicalError("level: the file's level differs from meta.level")
    certs = []
    machines = []
    for i, wf in enumerate(cf.layers, start=1):
        if wf.level != level:
            raise MathematicalError(f"layer {i}: level {wf.level}, the cascade's is {level}")
        try:
            cert = certify_weights(wf)
        except MathematicalError as e:
            raise MathematicalError(f"layer {i}: {e}") from None
        if not cert.exact:
            raise MathematicalError(f"layer {i}: not exact (a cascade is certified from exact layers only)")
        certs.append(cert)
        src = read_source(wf.meta.get("source"))
        assert src.group is not None and src.alphabet is not None      # certify_weights read a group source
        Q = src.group
        pos = {s: j for j, s in enumerate(wf.labels)}
        if any(name not in pos for name in Q.names):
            raise MathematicalError(f"layer {i}: an element of its factor has no readout row")
        machines.append((Q, np.asarray(src.alphabet, dtype=np.int64),
                         np.array([pos[s] for s in Q.names], dtype=np.int64)))
    target = read_source(cf.meta.get("source"))
    if target.group is None or target.alphabet is None:
        raise MathematicalError("meta.source: a cascade tracks a group")
    G, alph = target.group, target.alphabet
    if tuple(G.names[a] for a in alph) != tuple(cf.alphabet):
        raise MathematicalError("alphabet: the file's alphabet is not the source's")
    # breadth-first search over (g, states of the layers), every layer advanced by its lookup table
    start = (0,) + (0,) * len(machines)
    seen = {start}
    queue = deque([start])

    def check(state) -> None:
        g, qs = state[0], state[1:]
        cell = tuple(int(m[2][q]) for m, q in zip(machines, qs))
        if cf.labels[int(cf.output[cell])] != G.names[g]:
            raise MathematicalError(f"the cascade outputs {cf.labels[int(cf.output[cell])]!r} where the group is at "
                                    f"{G.names[g]!r} (decoders or output table)")
    check(start)
    while queue:
        state = queue.popleft()
        for d, a in enumerate(alph):
            g = int(G.mul(state[0], a))
            new: list[int] = []
            cells: list[int] = []
            for (Q, q_alph, q_pos), table, q in zip(machines, cf.inputs, state[1:]):
                s = int(table[(d,) + tuple(cells)])
                q2 = int(Q.mul(q, q_alph[s]))
                new.append(q2)
                cells.append(int(q_pos[q2]))
            nxt = (g,) + tuple(new)
            if nxt not in seen:
                check(nxt)
                seen.add(nxt)
                queue.append(nxt)
    return CascadeCertificate(True, level, len(cf.layers), cf.hidden_sizes, len(cf.alphabet), len(cf.labels),
                              len(seen), tuple(certs), time.perf_counter() - t0)


def certify_cascade_file(path: str | os.PathLike) -> CascadeCertificate:
    """:func:`certify_cascade` of the file at ``path``."""
    cf = load_cascade(path)
    try:
        return certify_cascade(cf)
    except InputError as e:
        raise type(e)(f"cascade file {path}: {e}") from None
