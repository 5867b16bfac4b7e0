"""Reading training checkpoints without trusting them (docs/design.md §9).

A checkpoint is a ``torch.save`` of one dict with exactly the fields of :data:`FIELDS`: ``format``
(:data:`CHECKPOINT_FORMAT`), ``identity`` (the run's configuration as JSON), ``step``, ``model`` and
``best_model`` (state dicts: name -> tensor), ``optimizer`` (an optimizer state dict), ``best_key``
(validation accuracy, minus validation loss), ``best_step``, ``bad_evals``, ``seconds`` (wall
time of the training so far), ``cpu_seconds`` (its process CPU time, summed over the sessions that
trained it; ``None`` when an earlier session did not record it), ``history`` (rows ``[step, train
loss, val acc, val loss]``) and ``finished``.  Format 1, written before ``cpu_seconds`` existed,
is still read: it has every field but that one.

:func:`load_checkpoint` reads it with ``torch.load(weights_only=True)`` (tensors and plain data
only: nothing else is unpickled) and checks every field's type, that parameters are finite and that
counters are non-negative; :func:`check_module_state` and :func:`check_optimizer_state` check a
state against the model and optimizer it is about to be loaded into (names, shapes, dtypes), so a
checkpoint of another architecture is refused before ``load_state_dict``.  Every problem is one
:class:`~bilinear.theory.errors.InputError` line ``checkpoint PATH: ...``.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import TypeGuard

import torch

from bilinear.theory.errors import InputError, expected, shown

__all__ = ["CHECKPOINT_FORMAT", "FIELDS", "read_torch_file", "load_checkpoint", "check_module_state", "check_optimizer_state"]

CHECKPOINT_FORMAT = 2
FIELDS = ("format", "identity", "step", "model", "optimizer", "best_model", "best_key", "best_step",
          "bad_evals", "seconds", "cpu_seconds", "history", "finished")
#: The fields of each format this module reads.
_FORMAT_FIELDS = {1: tuple(f for f in FIELDS if f != "cpu_seconds"), 2: FIELDS}


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def _count(state: dict, key: str) -> None:
    v = state[key]
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise expected(key, "a non-negative integer", v)


def _number(v, key: str, allow_inf: bool = False) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v) or (math.isinf(v) and not allow_inf):
        raise expected(key, f"a {'' if allow_inf else 'finite '}number", v)


def _tensors(state, key: str) -> None:
    if not isinstance(state, dict) or not state:
        raise InputError(f"{key}: expected a state dict (parameter name -> tensor)")
    for name, t in state.items():
        if not isinstance(name, str) or not isinstance(t, torch.Tensor):
            raise InputError(f"{key}: entry {name!r} is not a named tensor")
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise InputError(f"{key}.{name}: contains non-finite values (NaN or inf)")


def _check_fields(state) -> TypeGuard[dict]:
    """True, or an :class:`InputError` saying what is wrong with the checkpoint's fields."""
    if not isinstance(state, dict):
        raise InputError(f"expected a dict of the checkpoint fields, got {type(state).__name__}")
    fmt = state.get("format")
    if isinstance(fmt, bool) or fmt not in _FORMAT_FIELDS:
        raise InputError(f"unknown format {fmt!r} (expected {' or '.join(map(str, _FORMAT_FIELDS))})")
    fields = _FORMAT_FIELDS[fmt]
    missing, unknown = [k for k in fields if k not in state], sorted(map(str, set(state) - set(fields)))
    if missing:
        raise InputError(f"missing field(s) {missing}")
    if unknown:
        raise InputError(f"unknown field(s) {unknown}")
    if not isinstance(state["identity"], str):
        raise InputError("identity: expected the configuration as a JSON string")
    for key in ("step", "best_step", "bad_evals"):
        _count(state, key)
    _number(state["seconds"], "seconds")
    if state.get("cpu_seconds") is not None:
        _number(state["cpu_seconds"], "cpu_seconds")
        if state["cpu_seconds"] < 0:
            raise expected("cpu_seconds", "a number >= 0 or None", state['cpu_seconds'])
    if not isinstance(state["finished"], bool):
        raise expected("finished", "true or false", state['finished'])
    key = state["best_key"]
    if not isinstance(key, (list, tuple)) or len(key) != 2:
        raise expected("best_key", "[validation accuracy, -validation loss]", key)
    _number(key[0], "best_key[0]")
    _number(key[1], "best_key[1]", allow_inf=True)        # an infinite validation loss is recorded as such
    history = state["history"]
    if not isinstance(history, list) or not all(isinstance(h, (list, tuple)) and len(h) == 4 for h in history):
        raise InputError("history: expected rows [step, train loss, val acc, val loss]")
    for h in history:
        if isinstance(h[0], bool) or not isinstance(h[0], int) or not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) for x in h[1:]):
            raise InputError(f"history: row {list(h)!r} is not [step, train loss, val acc, val loss]")
    _tensors(state["model"], "model")
    _tensors(state["best_model"], "best_model")
    opt = state["optimizer"]
    if not isinstance(opt, dict) or not isinstance(opt.get("state"), dict) or not isinstance(opt.get("param_groups"), list):
        raise InputError("optimizer: expected an optimizer state dict {state, param_groups}")
    return True


def read_torch_file(path: str | os.PathLike, what: str = "checkpoint") -> object:
    """The contents of the ``.pt`` file ``path`` read with ``torch.load(weights_only=True)`` (tensors
    and plain data only, never arbitrary pickled objects), torch's own warnings silenced: a refused or
    corrupt file is one :class:`InputError` line ``WHAT PATH: ...``.  The toolkit's one reader of
    ``.pt`` files."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise InputError(f"{what} {path}: no such file")
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise InputError(f"{what} {path}: empty file")
    try:
        with warnings.catch_warnings():      # a refused file must end in one line, not torch's warnings
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except OSError as e:
        raise InputError(f"{what} {path}: cannot be read ({e.strerror or _one_line(e)})") from None
    except Exception as e:  # noqa: BLE001 - torch.load raises many types on refused or corrupt input
        raise InputError(f"{what} {path}: not a readable {what} ({type(e).__name__}; only tensors and plain "
                         "data are read, never pickled objects)") from None


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read and check a checkpoint (see the module docstring); never unpickles anything but tensors
    and plain data."""
    path = os.fspath(path)
    state = read_torch_file(path)
    try:
        if _check_fields(state):
            return state
    except InputError as e:
        raise InputError(f"checkpoint {path}: {e}") from None
    raise AssertionError("unreachable: _check_fields returns True or raises")


def check_module_state(module: torch.nn.Module, state: dict, where: str) -> None:
    """``state`` has exactly ``module``'s parameter and buffer names, shapes and dtypes."""
    wanted = module.state_dict()
    if set(wanted) != set(state):
        extra, lacking = sorted(set(state) - set(wanted)), sorted(set(wanted) - set(state))
        raise InputError(f"{where}: not this model's parameters (unexpected {extra[:3]}, missing {lacking[:3]})")
    for name, t in wanted.items():
        s = state[name]
        if s.shape != t.shape or s.dtype != t.dtype:
            raise expected(f"{where}.{name}", f"{t.dtype} of shape {tuple(t.shape)}",
                           shown(f"{s.dtype} of shape {tuple(s.shape)}"))


def check_optimizer_state(optimizer: torch.optim.Optimizer, state: dict, where: str) -> None:
    """``state`` has ``optimizer``'s parameter groups and, per parameter, tensors of its shape (or scalars)."""
    groups = optimizer.param_groups
    saved = state["param_groups"]
    if len(saved) != len(groups) or any(not isinstance(s, dict) or not isinstance(s.get("params"), list)
                                        or len(s["params"]) != len(g["params"]) for s, g in zip(saved, groups)):
        raise InputError(f"{where}: parameter groups differ from this model's")
    shapes = {}
    for s, g in zip(saved, groups):
        for i, p in zip(s["params"], g["params"]):
            shapes[i] = p.shape
    for i, entry in state["state"].items():
        if i not in shapes or not isinstance(entry, dict):
            raise InputError(f"{where}: state for an unknown parameter {i!r}")
        for k, v in entry.items():
            if isinstance(v, torch.Tensor) and v.dim() and v.shape != shapes[i]:
                raise InputError(f"{where}: state {k!r} of parameter {i} has shape {tuple(v.shape)}, "
                                 f"expected {tuple(shapes[i])}")
