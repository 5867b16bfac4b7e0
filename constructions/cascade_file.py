"""The cascade weight file (docs/design.md §7, §11): a multi-layer construction as one ``.npz``, its
reader and its certificate.

**Format** ``bilinear-cascade``, version :data:`FORMAT_VERSION` (2; version 1 files, without the MLP
decoders, are read and certified as before).  Members:

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
  the factor group ``Q_i`` as a Cayley table, and ``exact``);
* version 2: the exact MLP decoders (:mod:`bilinear.constructions.lookup_mlp`, int64):
  ``layer<i>_decoder_<w1|b1|w2|b2>`` realising ``layer<i>_inputs`` on the one-hot token and labels below,
  and ``output_decoder_<w1|b1|w2|b2>`` realising ``output`` on the one-hot labels of all layers.

Running it: at each step, layer 1 reads ``layer1_inputs[token]``; each layer ``i`` steps
``h_i <- A_i(e_s) h_i`` with ``s = layer<i>_inputs[token, c_1, ..., c_{i-1}]`` and is decoded
``c_i = argmax(R_i h_i)``; the output is ``labels[output[c_1, ..., c_k]]``.  With the MLP decoders the
symbol and the output are their decisions on the one-hot inputs instead, which the certificate proves
equal to the tables' wherever the cascade goes.

**Certificate** (:func:`certify_cascade`, exact at every length by a finite check): (1) every layer's
one-layer certificate from its own arrays (:func:`~bilinear.constructions.certificate.certify_weights`:
the floats are the rounded exact values, the level's structure, the one-step check
``A_s φ(q) = φ(q s)`` for every reachable state and symbol, an injective ``φ`` and a positive margin) —
so for every word over its symbols, layer ``i`` decodes to the product of those symbols in ``Q_i``;
(2) the decoders: the lookup tables have their shapes and symbols in range, and a breadth-first search
over the pairs (group element, labels of all layers) reached from (e, starts) under every token —
each layer advanced by the symbol its table gives for the token and the *new* labels below — finds
``labels[output[...]]`` equal to the group element at every pair; in a version 2 file, at every
transition and every pair the MLP decoders' decisions (exact integer arithmetic, a unique largest output)
equal the tables' entries.  The pairs are finitely many, so every word of every length ends at a checked
pair.  A file whose floats, tables, MLPs or sources were edited fails one of the two.
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
from bilinear.theory.resources import check_work
from bilinear.theory.version import software_versions

from bilinear.constructions.cascade import CASCADE_LEVELS, Cascade
from bilinear.constructions.lookup_mlp import MLP_MEMBERS, LookupMLP, lookup_mlp
from bilinear.constructions.certificate import Certificate, certify_weights
from bilinear.constructions.source import check_source, read_source
from bilinear.constructions.weightfile import WeightFile, weight_arrays, weights_from_arrays

__all__ = ["FORMAT", "FORMAT_VERSION", "MAX_LAYERS", "CascadeFile", "CascadeCertificate", "cascade_file",
           "save_cascade", "load_cascade", "is_cascade_file", "certify_cascade", "certify_cascade_file"]

FORMAT = "bilinear-cascade"
FORMAT_VERSION = 2
#: the versions this toolkit reads (1: lookup tables only; 2: with the MLP decoders)
READ_VERSIONS = (1, 2)
#: The most layers a file may declare.
MAX_LAYERS = 64
_TOP = {"format", "level", "labels", "alphabet", "meta", "output"}


@dataclass(frozen=True, eq=False)
class CascadeFile:
    """The contents of a cascade file: ``layers`` (one :class:`WeightFile` each, bottom first),
    ``inputs`` (the lookup table of each layer), ``output``, ``labels``, ``alphabet``, ``level``, ``meta``,
    and ``decoders``: the exact MLP decoders of the layers and then of the output (``k + 1`` of them), or
    none (a version 1 file)."""

    level: str
    labels: tuple[str, ...]
    alphabet: tuple[str, ...]
    layers: tuple[WeightFile, ...]
    inputs: tuple[np.ndarray, ...]
    output: np.ndarray
    meta: dict = field(default_factory=dict)
    decoders: tuple[LookupMLP, ...] = ()

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
        if self.decoders:
            if len(self.decoders) != len(self.layers) + 1:
                raise expected("decoders", f"{len(self.layers) + 1} (one per layer and the output's)", len(self.decoders))
            shapes = [((D,) + sizes[:i], wf.shape[2]) for i, wf in enumerate(self.layers)] + [(sizes, len(self.labels))]
            for name, mlp, (blocks, outs) in zip(self.decoder_names(), self.decoders, shapes):
                if mlp.blocks != blocks or mlp.num_outputs != outs:
                    raise expected(name, f"inputs of one-hot blocks {list(blocks)} and {outs} outputs",
                                   shown(f"blocks {list(mlp.blocks)} and {mlp.num_outputs} outputs"))

    def decoder_names(self) -> list[str]:
        """The member prefixes of the decoders: ``layer<i>_decoder`` for each layer, then ``output_decoder``."""
        return [f"layer{i}_decoder" for i in range(1, len(self.layers) + 1)] + ["output_decoder"]

    @property
    def version(self) -> int:
        """The format version these contents are written as: 2 with the MLP decoders, else 1."""
        return 2 if self.decoders else 1

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
    decoders = tuple(lookup_mlp(layer.inputs, layer.construction.to_weight_file().shape[2]) for layer in c.layers)
    decoders += (lookup_mlp(np.asarray(c.output, dtype=np.int64), len(c.labels)),)
    return CascadeFile(c.level, c.labels, c.target.alphabet_names,
                       tuple(_dense_if_small(layer.construction.to_weight_file()) for layer in c.layers),
                       tuple(layer.inputs for layer in c.layers), np.asarray(c.output, dtype=np.int64), meta, decoders)


def save_cascade(path: str | os.PathLike, cf: CascadeFile | Cascade) -> str:
    """Write a cascade file atomically (``meta.versions`` added; ``meta.format_version`` is the contents'
    :attr:`CascadeFile.version`: 2 with the MLP decoders, 1 without)."""
    cf = cascade_file(cf) if isinstance(cf, Cascade) else cf
    path = os.fspath(path)
    meta = {"versions": software_versions(), **cf.meta, "format_version": cf.version}
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT), "level": np.array(cf.level), "labels": np.array(cf.labels, dtype=str),
        "alphabet": np.array(cf.alphabet, dtype=str), "output": cf.output,
        "meta": np.array(json.dumps(meta, sort_keys=True))}
    for i, (wf, table) in enumerate(zip(cf.layers, cf.inputs), start=1):
        arrays[f"layer{i}_inputs"] = table
        for name, arr in weight_arrays(wf).items():
            arrays[f"layer{i}_{name}"] = arr
    for prefix, mlp in zip(cf.decoder_names(), cf.decoders):
        for name, arr in mlp.arrays().items():
            arrays[f"{prefix}_{name}"] = arr
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
    version = meta.get("format_version")
    if isinstance(version, bool) or version not in READ_VERSIONS:
        raise expected("meta.format_version", f"one of {', '.join(map(str, READ_VERSIONS))} (the versions this toolkit "
                       "reads)", version)
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
        sub = {name[len(prefix):]: arr for name, arr in arrays.items() if name.startswith(prefix)
               and not (version > 1 and name[len(prefix):].startswith("decoder_"))}
        table = sub.pop("inputs", None)
        if table is None:
            raise InputError(f"{prefix}inputs: missing")
        inputs.append(_int_table({f"{prefix}inputs": table}, f"{prefix}inputs"))
        try:
            layers.append(weights_from_arrays(sub))
        except InputError as e:
            raise InputError(f"layer {i}: {e}") from None
        expected_names |= {prefix + name for name in sub} | {prefix + "inputs"}
    decoders = []
    if version > 1:
        for prefix in [f"layer{i}_decoder" for i in range(1, k + 1)] + ["output_decoder"]:
            members = [f"{prefix}_{m}" for m in MLP_MEMBERS]
            absent = [n for n in members if n not in arrays]
            if absent:
                raise InputError(f"{absent[0]}: missing (a version {version} file has MLP decoders)")
            decoders.append((prefix, [_int_table(arrays, n) for n in members]))
            expected_names |= set(members)
    unknown = set(arrays) - expected_names
    if unknown:
        raise InputError(f"{sorted(unknown)[0]}: unknown array (the file declares {k} layer(s), version {version})")
    sizes = tuple(len(wf.labels) for wf in layers)
    D = len(_string(arrays, "alphabet", 1))
    mlps = []
    for j, (prefix, parts) in enumerate(decoders):
        blocks = (D,) + sizes[:j] if j < k else sizes
        try:
            mlps.append(LookupMLP(blocks, *parts))
        except InputError as e:
            raise InputError(f"{prefix}: {e}") from None
    return CascadeFile(level, tuple(_string(arrays, "labels", 1).tolist()), tuple(_string(arrays, "alphabet", 1).tolist()),
                       tuple(layers), tuple(inputs), _int_table(arrays, "output"), meta, tuple(mlps))


def load_cascade(path: str | os.PathLike) -> CascadeFile:
    """Read and validate a cascade file (never unpickles); every problem is one :class:`InputError` line
    naming the file and the array."""
    return load_npz(path, "cascade file", _from_arrays)


@dataclass(frozen=True)
class CascadeCertificate:
    """A successful cascade certificate (failures raise): the level, the per-layer certificates, the
    number of (element, labels) pairs the decoder check visited and what decoded: ``"mlp"`` (a version 2
    file: the exact MLP decoders, checked equal to the tables) or ``"tables"`` (version 1)."""

    certified: bool
    level: str
    layers: int
    hidden_sizes: tuple[int, ...]
    num_symbols: int
    num_labels: int
    product_states: int
    layer_certificates: tuple[Certificate, ...]
    seconds: float
    decoders: str = "tables"

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
    if cf.decoders:            # the MLPs' decisions at the |G| pairs of an exact cascade, under every token
        per_pair = len(alph) * sum(m.decision_cost for m in cf.decoders[:-1]) + cf.decoders[-1].decision_cost
        check_work(G.order * per_pair, f"the MLP decoders' check ({G.order} pairs x {len(alph)} tokens)")
    # breadth-first search over (g, states of the layers), every layer advanced by its lookup table
    start = (0,) + (0,) * len(machines)
    seen = {start}
    queue = deque([start])

    mlps = cf.decoders

    def decided(j: int, table: np.ndarray, cell: tuple[int, ...]) -> int:
        """The table's entry at ``cell``; with the MLP decoders, their exact decision, which must equal it."""
        entry = int(table[cell])
        if mlps:
            name = cf.decoder_names()[j]
            try:
                got = mlps[j].decide(cell)
            except MathematicalError as e:
                raise MathematicalError(f"{name}: {e}") from None
            if got != entry:
                raise MathematicalError(f"{name}: the MLP decides {got} at {cell} where the lookup table holds {entry}")
        return entry

    def check(state) -> None:
        g, qs = state[0], state[1:]
        cell = tuple(int(m[2][q]) for m, q in zip(machines, qs))
        if cf.labels[decided(len(machines), cf.output, cell)] != G.names[g]:
            raise MathematicalError(f"the cascade outputs {cf.labels[int(cf.output[cell])]!r} where the group is at "
                                    f"{G.names[g]!r} (decoders or output table)")
    check(start)
    while queue:
        state = queue.popleft()
        for d, a in enumerate(alph):
            g = int(G.mul(state[0], a))
            new: list[int] = []
            cells: list[int] = []
            for j, ((Q, q_alph, q_pos), table, q) in enumerate(zip(machines, cf.inputs, state[1:])):
                s = decided(j, table, (d,) + tuple(cells))
                q2 = int(Q.mul(q, q_alph[s]))
                new.append(q2)
                cells.append(int(q_pos[q2]))
            nxt = (g,) + tuple(new)
            if nxt not in seen:
                check(nxt)
                seen.add(nxt)
                queue.append(nxt)
    return CascadeCertificate(True, level, len(cf.layers), cf.hidden_sizes, len(cf.alphabet), len(cf.labels),
                              len(seen), tuple(certs), time.perf_counter() - t0, "mlp" if mlps else "tables")


def certify_cascade_file(path: str | os.PathLike) -> CascadeCertificate:
    """:func:`certify_cascade` of the file at ``path``."""
    cf = load_cascade(path)
    try:
        return certify_cascade(cf)
    except InputError as e:
        raise type(e)(f"cascade file {path}: {e}") from None
