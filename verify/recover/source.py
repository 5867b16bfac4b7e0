"""What ``bilinear recover`` reads (docs/design.md §10): a learned model as transition matrices.

A :class:`LearnedModel` holds ``A`` (``D x H x H``, float64, ``h_t = A[x_t] h_{t-1}``), ``h0``, and
what the model is supposed to track: a group with the element each symbol stands for, or a target
Moore machine (automaton tasks).  :func:`load_learned` reads

* a ``bilinear train`` checkpoint (``.pt``), read by :class:`~bilinear.verify.experiments.run.TrainedRun`:
  the model is rebuilt from the configuration stored in the checkpoint and the *selected*
  (best-validation) state; the group and alphabet come from the task (``word``: every element, token ``k`` = element ``k``;
  ``modadd``/``parity``: ``Z_m``, token ``k`` = ``k``; ``cycle_nav``: ``Z_5`` with tokens ``-1, 0,
  +1``; automaton tasks: the target machine);
* a weight file of ``bilinear construct`` (``meta.source`` names the group and alphabet, or the
  automaton);
* a foreign file, read by its adapter (:mod:`bilinear.verify.recover.adapters`): arrays (``A``
  real or complex, in either layout, or Householder factors ``k``, ``beta``; an additive term ``b``;
  ``h0``), an fla layer or single-layer model (DeltaNet, Gated DeltaNet, Gated DeltaProduct, Mamba3), a
  PD-SSM block, Mamba-3 rotations and decay; ``--group`` and ``--alphabet`` then say
  what the symbols are.  A missing ``h0`` is the source's own initial state when it has one (fla:
  zero; PD-SSM: its code's), else the zero state of an affine model or a seeded random vector,
  never silently a basis vector; ``info["h0"]`` says which.

Every problem is an :class:`~bilinear.theory.errors.InputError` naming the file and what was expected.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bilinear.constructions.weightfile import transitions_of
from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import InputError, expected, shown
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.groups.parser import parse_elements, parse_group

__all__ = ["LearnedModel", "load_learned", "parse_alphabet"]


@dataclass(frozen=True, eq=False)
class LearnedModel:
    """Transition matrices of one model and what they should track.

    ``A`` (D, H, H) float64, ``h0`` (H,), ``readout`` (K, H) or None, ``labels`` (K names) or None,
    ``group`` and ``alphabet`` (element index of each symbol) for group tasks, ``automaton`` (the
    target Moore machine, alphabet = the symbols) for automaton tasks, ``kind`` ("checkpoint",
    "weights", "foreign"), ``level`` (the model's hierarchy level, "full" when unknown), ``task``
    (the task object of a checkpoint, else None), ``info`` (configuration, for the report).
    """

    path: str
    A: np.ndarray
    h0: np.ndarray
    kind: str
    readout: np.ndarray | None = None
    labels: tuple[str, ...] | None = None
    group: FiniteGroup | None = None
    alphabet: tuple[int, ...] | None = None
    automaton: Automaton | None = None
    level: str = "full"
    task: object = None
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        A = np.asarray(self.A, dtype=np.float64)
        if A.ndim != 3 or A.shape[1] != A.shape[2] or A.shape[0] < 1 or A.shape[1] < 1:
            raise expected(f"{self.path}: A", "shape (D, H, H) with D, H >= 1", A.shape)
        if not np.all(np.isfinite(A)):
            raise InputError(f"{self.path}: A: contains non-finite values")
        h0 = np.asarray(self.h0, dtype=np.float64).reshape(-1)
        if h0.shape != (A.shape[1],) or not np.all(np.isfinite(h0)) or not np.any(h0):
            raise expected(f"{self.path}: h0", f"a finite non-zero vector of length {A.shape[1]}",
                           shown(f"shape {h0.shape}"))
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "h0", h0)
        if self.group is not None:
            alph = tuple(int(a) for a in self.alphabet)
            if len(alph) != A.shape[0]:
                raise InputError(f"{self.path}: the alphabet names {len(alph)} elements but the model has "
                                 f"{A.shape[0]} symbols")
            object.__setattr__(self, "alphabet", alph)
        if self.automaton is not None and self.automaton.num_symbols != A.shape[0]:
            raise InputError(f"{self.path}: the target machine has {self.automaton.num_symbols} symbols, "
                             f"the model {A.shape[0]}")

    @property
    def hidden(self) -> int:
        return self.A.shape[1]

    @property
    def num_symbols(self) -> int:
        return self.A.shape[0]


def parse_alphabet(text: str | None, G: FiniteGroup, num_symbols: int, where: str) -> tuple[int, ...]:
    """``None``/``"all"`` (symbol k = element of canonical index k; needs D = |G|) or element names
    separated by ``;`` (cycle notation for permutation groups, integers for Z_n)."""
    if text is None or text.strip() == "all":
        if num_symbols != G.order:
            raise InputError(f"--alphabet: {where} has {num_symbols} symbols but {G.name} has {G.order} "
                             "elements; name the element of each symbol, separated by ';'")
        return tuple(range(G.order))
    if text.strip() == "generators":
        raise expected("--alphabet", "element names separated by ';' or 'all'", text)
    out = parse_elements(G, text, "--alphabet")          # the one parser of element lists
    if len(out) != num_symbols:
        raise InputError(f"--alphabet: {len(out)} elements named, but {where} has {num_symbols} symbols")
    return tuple(out)


def _group(spec: str) -> FiniteGroup:
    return parse_group(spec)


# ------------------------------------------------------------------------------------ readers
def _from_checkpoint(path: str) -> LearnedModel:
    """A checkpoint read by :class:`~bilinear.verify.experiments.run.TrainedRun`, as transition matrices;
    recovery needs a pure bilinear model with one-hot input."""
    from bilinear.verify.experiments.run import TrainedRun
    run = TrainedRun.load(path)
    cfg = run.config
    if not cfg.is_bilinear or cfg.affine or cfg.embedding is not None:
        raise InputError(f"checkpoint {path}: recovery needs a pure one-layer bilinear model with one-hot input "
                         f"(h_t = A(x_t) h_(t-1)); this one is {cfg.model}"
                         + (f" with {cfg.layers} layers" if cfg.is_stack else "")
                         + (f" with embedding {cfg.embedding}" if cfg.embedding is not None else ""))
    model: Any = run.model                         # a bilinear model (checked above): dense_W, h0, readout
    group, target = run.target()
    return LearnedModel(path=path, A=transitions_of(model.dense_W()), h0=model.h0.detach().cpu().numpy(),
                        kind="checkpoint", readout=model.readout.detach().cpu().numpy(), labels=run.labels,
                        group=group, alphabet=None if group is None else target,
                        automaton=target if group is None else None,
                        level=model.level, task=run.task, info=run.summary())


def _from_weight_file(path: str) -> LearnedModel:
    from bilinear.constructions.source import read_source
    from bilinear.constructions.weightfile import load_weights
    wf = load_weights(path)
    try:
        target = read_source(wf.meta.get("source"))
    except InputError as e:
        raise InputError(f"weight file {path}: {e}") from None
    return LearnedModel(path=path, A=wf.transitions(), h0=wf.h0, kind="weights", readout=wf.readout,
                        labels=wf.labels, group=target.group, alphabet=target.alphabet, automaton=target.automaton,
                        level=wf.level, info={"level": wf.level})


def _foreign(path: str, data: dict, group: str | None, alphabet: str | None, automaton=None,
             foreign=None) -> LearnedModel:
    """A foreign file through its adapter (:mod:`bilinear.verify.recover.adapters`): the real linear
    model (realified, affine-lifted) and the notes of the reading, kept in ``info["source"]``."""
    from bilinear.verify.recover.adapters import read_foreign
    t = read_foreign(data, path, foreign)
    lm = t.linear()
    info = {"source": lm.notes, "h0": t.h0_note, "lifted": lm.lifted}
    A, h0 = lm.A, lm.h0
    if h0 is None or not np.any(h0):
        raise expected(f"{path}: h0", "a non-zero initial state (the model never leaves the zero state)", "zero")
    if automaton is not None:
        if group is not None or alphabet is not None:
            raise InputError("--automaton: give either --automaton or --group/--alphabet")
        return LearnedModel(path=path, A=A, h0=h0, kind="foreign", automaton=automaton, info=info)
    if group is None:
        raise InputError(f"--group: {path} is a foreign file; name the group its symbols act as (e.g. --group S3)")
    G = _group(group)
    return LearnedModel(path=path, A=A, h0=h0, kind="foreign", group=G,
                        alphabet=parse_alphabet(alphabet, G, A.shape[0], path), info=info)


def _is_foreign(data) -> bool:
    from bilinear.verify.recover.adapters.fla import is_fla_dict
    from bilinear.verify.recover.adapters.fla_mamba3 import is_fla_mamba3_dict
    from bilinear.verify.recover.adapters.mamba3 import is_mamba3_dict
    from bilinear.verify.recover.adapters.pdssm import is_pdssm_dict
    return isinstance(data, dict) and ("A" in data or ("k" in data and "beta" in data) or is_fla_dict(data)
                                       or is_fla_mamba3_dict(data)
                                       or is_pdssm_dict(data) is not None or is_mamba3_dict(data))


def load_learned(path: str, group: str | None = None, alphabet: str | None = None,
                 automaton: Automaton | None = None, foreign=None) -> LearnedModel:
    """Read any input of ``bilinear recover`` (module docstring).  ``group``/``alphabet`` override the
    file's own (checkpoints and weight files) or are required (foreign files); a foreign file may
    instead name its target machine (``automaton``, symbols in the machine's alphabet order).
    ``foreign`` (:class:`~bilinear.verify.recover.adapters.ForeignOptions`) says how to read a
    foreign file (layout, head, row vectors, value column)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    if path.endswith(".pt"):
        from bilinear.verify.experiments.checkpoint import read_torch_file
        data = read_torch_file(path, ".pt file")
        if isinstance(data, dict) and "identity" in data and "format" in data:
            m = _from_checkpoint(path)
        elif isinstance(data, dict) and _is_foreign(data):
            return _foreign(path, data, group, alphabet, automaton, foreign)
        else:
            raise InputError(f"{path}: expected a bilinear train checkpoint, a dict with tensor 'A' (D x H x H) or "
                             "Householder factors 'k', 'beta', an fla layer or model (config, state_dict; "
                             "Mamba3 too) or a PD-SSM block")
    elif path.endswith(".npz"):
        from bilinear.theory.npz import read_npz       # no unpickling; truncated, empty, object members refused
        data = read_npz(path, "file")
        keys = set(data)
        if "meta" in keys and ("W" in keys or "W_index" in keys):
            m = _from_weight_file(path)
        elif _is_foreign(data):
            return _foreign(path, dict(data), group, alphabet, automaton, foreign)
        else:
            raise InputError(f"{path}: expected a weight file (W, h0, meta, ...), an array 'A' (D x H x H), "
                             "Householder factors 'k', 'beta', or a PD-SSM layer's arrays")
    else:
        raise InputError(f"{path}: expected a .pt checkpoint or tensors, or an .npz weight file or arrays")
    if foreign is not None and foreign.used():
        raise InputError(f"{foreign.used()[0]}: applies to foreign files; {path} is a {m.kind} file")
    if automaton is not None:
        raise InputError(f"--automaton: applies to foreign files; {path} names its own target")
    if group is not None:
        if m.automaton is not None:
            raise InputError(f"--group: {path} is an automaton model; --group applies to group models")
        G = _group(group)
        alph = parse_alphabet(alphabet, G, m.num_symbols, path)
        if m.group is not None and m.alphabet is not None:     # the file names its own group: they must agree
            from bilinear.theory.groups.homomorphism import mismatch
            why = mismatch(m.group, m.alphabet, G, alph, symbols=[f"s{i}" for i in range(m.num_symbols)])
            if why is not None:
                raise expected("--group", f"a group whose symbols act as in {path}'s own group {m.group.name} "
                                          "(an isomorphism of the generated groups)",
                               shown(f"{G.name}: {why}"))
        from dataclasses import replace
        m = replace(m, group=G, alphabet=alph)
    elif alphabet is not None:
        raise InputError("--alphabet: give it together with --group")
    return m
