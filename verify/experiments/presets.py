"""Presets (the paper's protocol and a quick CPU one), named sweeps, and task specifications.

``paper`` is the reference paper's protocol (docs/design.md §9): hidden 256, 100k steps,
batch 64, best of three learning rates ({1e-3, 1e-4, 1e-5}, the grid of the authors' follow-up
paper — the original grid is not known), train lengths 2–10, test lengths up to 1000 (500
included) — meant for a GPU.  ``quick`` runs on a 2-core CPU: hidden 64, 10 000 steps (about 20 s to
2 min per learning rate), best of two learning rates {3e-3, 1e-2}, 200 test sequences per length.
10 000 steps because rotation and complex-diagonal models learn their angles to the precision that
length 500 needs only slowly: at 1500 steps (the first quick budget) they scored 0.000 at L=500
although validation at lengths 2-10 was already perfect (docs/results_training.md).

The ``claims`` sweep holds the runs behind the paper's qualitative claims (docs/design.md §9).
"""

from __future__ import annotations

from dataclasses import dataclass

from bilinear.theory.errors import InputError, expected

from bilinear.verify.experiments.evaluate import EvalConfig
from bilinear.verify.models.registry import ModelConfig
from bilinear.verify.tasks import TASK_NAMES
from bilinear.verify.experiments.train import RunSpec, TrainConfig

__all__ = ["Preset", "PRESETS", "SWEEPS", "parse_task_spec", "sweep_specs", "format_task_spec"]


@dataclass(frozen=True)
class Preset:
    """Defaults of a protocol: hidden size, training and evaluation settings, learning-rate grid."""

    name: str
    hidden: int
    train: TrainConfig
    eval: EvalConfig
    lrs: tuple[float, ...]
    description: str


PRESETS = {
    "quick": Preset("quick", 64, TrainConfig(steps=10_000, batch_size=64, train_lengths=(2, 10), val_every=250,
                                             patience=0, val_n=64),
                    EvalConfig(n=200), (3e-3, 1e-2), "2-core CPU: H=64, 10 000 steps, best of 2 learning rates"),
    "paper": Preset("paper", 256, TrainConfig(steps=100_000, batch_size=64, train_lengths=(2, 10), val_every=1000,
                                              patience=20, val_n=256),
                    EvalConfig(n=1000), (1e-3, 1e-4, 1e-5), "GPU: H=256, 100k steps, batch 64, best of 3 learning rates"),
}

#: Named sweeps: (task, task options, model name) triples, crossed with the seeds.
SWEEPS: dict[str, tuple[tuple[str, dict[str, int], str], ...]] = {
    "claims": (
        ("modadd", {"m": 5}, "full"),
        ("modadd", {"m": 10}, "full"),
        ("automaton", {"states": 5, "symbols": 3, "automaton_seed": 0}, "full"),
        ("parity", {}, "rdiag"),
        ("modadd", {"m": 3}, "rdiag"),
        ("modadd", {"m": 5}, "cdiag"),
        ("modadd", {"m": 5}, "rot"),
        ("parity", {}, "pdiag"),
        ("parity", {}, "mamba"),
        ("parity", {}, "full"),
        ("parity", {}, "full-affine"),
    ),
}


def _value(text: str):
    try:
        return int(text)
    except ValueError:
        return text


def parse_task_spec(spec: str) -> tuple[str, dict]:
    """``"modadd:m=5"`` -> ``("modadd", {"m": 5})``; ``"automaton:states=5,symbols=3"``; ``"parity"``."""
    name, _, rest = str(spec).partition(":")
    name = name.strip()
    if name not in TASK_NAMES:
        raise expected("--task", f"a task among {', '.join(TASK_NAMES)} (NAME or NAME:key=value,...)", spec)
    options = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip() or not value.strip():
            raise expected("--task", "NAME:key=value,... ", spec)
        key = key.strip().replace("-", "_")
        if key in options:
            raise expected("--task", f"each option once (NAME:key=value,...), {key!r} twice", spec)
        options[key] = _value(value.strip())
    return name, options


def format_task_spec(name: str, options: dict) -> str:
    return name + (":" + ",".join(f"{k}={v}" for k, v in options.items()) if options else "")


def sweep_specs(name: str, seeds, model_defaults: dict) -> list[RunSpec]:
    """The runs of a named sweep for ``seeds``; ``model_defaults`` (e.g. ``{"hidden": 64}``) go into
    every :class:`ModelConfig`."""
    if name not in SWEEPS:
        raise InputError(f"sweep: unknown sweep {name!r}; expected one of {', '.join(SWEEPS)}")
    return [RunSpec(task, dict(opts), ModelConfig(model, **model_defaults), seed)
            for task, opts, model in SWEEPS[name] for seed in seeds]
