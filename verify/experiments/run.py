"""A trained run read back from its checkpoint: the one owner of turning a ``bilinear train``
checkpoint into its model, task, configuration and alphabet (docs/design.md §9, §10).

:meth:`TrainedRun.load` reads the checkpoint without trusting it
(:func:`~bilinear.verify.experiments.checkpoint.load_checkpoint`), rebuilds the task and the model from
the configuration stored in it and loads the *selected* (best-validation) parameters, in float64 and
eval mode.  What the tokens stand for is :meth:`TrainedRun.target` (:func:`task_target`): a group and
the element of each token, or the target Moore machine of an automaton task.  ``bilinear recover``,
``export``, ``certify`` and ``simulate`` read checkpoints only through here
(:mod:`bilinear.verify.recover.source`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import torch

from bilinear.theory.errors import InputError, expected
from bilinear.theory.groups.parser import parse_group

from bilinear.verify.experiments.checkpoint import load_checkpoint
from bilinear.verify.models.registry import ModelConfig, class_names, make_model, parameter_floor
from bilinear.verify.tasks import make_task

__all__ = ["TrainedRun", "task_target"]


def task_target(task):
    """``(group, alphabet)`` or ``(None, automaton)``: what a task's tokens do.  ``word``: every element,
    token ``k`` = element ``k``; ``modadd``/``parity``: ``Z_m``, token ``k`` = ``k``; ``cycle_nav``:
    ``Z_5`` with tokens ``-1, 0, +1``; automaton tasks (``automaton``, ``flipflop``, ``modarith``): the
    target machine."""
    from bilinear.verify.recover.automaton import flipflop_machine, modarith_machine
    name = task.name
    if name == "word":
        return task.group, tuple(range(task.group.order))
    if name in ("modadd", "parity"):
        m = task.vocab_size
        return parse_group(f"Z{m}"), tuple(range(m))
    if name == "cycle_nav":
        return parse_group("Z5"), (4, 0, 1)
    if name == "automaton":
        return None, task.automaton
    if name == "flipflop":
        return None, flipflop_machine(task.m)
    if name == "modarith":
        return None, modarith_machine(task.m)
    raise InputError(f"task {name}: no group or target machine is known for it")  # pragma: no cover


def _check_declared_size(path: str, config: ModelConfig, task, stored: dict) -> None:
    """The stored configuration may not declare a model larger than the parameters the file holds
    (checked before the model of that configuration is allocated)."""
    held = sum(int(t.numel()) for t in stored.values())
    floor = parameter_floor(config, task.vocab_size, task.num_classes)
    if floor > held:
        raise expected(f"checkpoint {path}: identity.model.hidden",
                       f"a hidden size whose model has the {held} parameters the file holds "
                       f"(hidden size {config.hidden} needs at least {floor})", config.hidden)


@dataclass(frozen=True, eq=False)
class TrainedRun:
    """One trained run: ``path`` (the checkpoint), ``config`` (the model's configuration), ``task``,
    ``model`` (the selected parameters, float64, eval mode) and ``identity`` (the run's identity as
    stored: task, task options, model configuration, seed, learning rate, ...)."""

    path: str
    config: ModelConfig
    task: object
    model: torch.nn.Module
    identity: dict

    @classmethod
    def load(cls, path) -> "TrainedRun":
        """Read the checkpoint at ``path``; an inconsistent one is an :class:`InputError` naming it."""
        path = os.fspath(path)
        state = load_checkpoint(path)
        try:
            identity = json.loads(state["identity"])
            config = ModelConfig.from_dict(identity["model"])
            task = make_task(identity["task"], **identity["task_options"])
            stored = state["best_model"] if state.get("best_model") is not None else state["model"]
            _check_declared_size(path, config, task, stored)
            model = make_model(config, task.vocab_size, task.num_classes, seed=int(identity["seed"]))
            model.load_state_dict(state["best_model"] if state.get("best_model") is not None else state["model"])
        except InputError:              # already one line naming the checkpoint or the limit
            raise
        except (KeyError, TypeError, ValueError, RuntimeError, json.JSONDecodeError) as e:
            raise InputError(f"checkpoint {path}: inconsistent contents ({type(e).__name__}: {str(e)[:80]})") from None
        with torch.no_grad():
            model = model.double().eval()
        return cls(path, config, task, model, identity)

    @property
    def labels(self) -> tuple[str, ...]:
        """The names of the task's classes, in class-id order (the rows of the model's readout)."""
        return tuple(class_names(self.task))

    def target(self):
        """``(group, alphabet)`` or ``(None, automaton)``: what the tokens stand for (:func:`task_target`)."""
        return task_target(self.task)

    def summary(self) -> dict:
        """Task, task options, model name, hidden size, seed and learning rate (for reports and ``meta.info``)."""
        ident = self.identity
        return {"task": ident["task"], "task_options": ident["task_options"], "model": ident["model"]["model"],
                "hidden": ident["model"]["hidden"], "seed": ident["seed"], "lr": ident["lr"]}
