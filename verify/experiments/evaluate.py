"""Length-generalisation evaluation (docs/design.md §9): accuracy per length, per seed, JSON and markdown.

**Accuracy at length L** (the headline number, ``accuracy``) is *final-label accuracy*: the fraction
of ``n`` random sequences of exactly ``L`` tokens whose label after the last token (the task's
``label``) is the argmax of the model's logits there.  ``accuracy_per_token`` is the fraction of all
labelled prefixes (lengths 1..L, ``-1`` labels skipped) predicted correctly — an average over all
prefix lengths up to L, so it says less about length L itself.  A prediction from
non-finite logits (an overflow) counts as wrong.  Beside them: ``chance`` = 1 / classes and
``majority`` = the frequency of the most common final label in the test set (the best a constant
guess scores; it can exceed chance, e.g. for automata with absorbing states).

**Horizon** (``horizon``): the longest length of the test grid up to which *every* length of the grid
has accuracy at least :data:`HORIZON_THRESHOLD` (0.95); 0 when the shortest already fails.  Accuracy at
one length alone misleads: a model with a small systematic phase drift is wrong at some lengths and
right again at later ones (docs/results_training.md), and the horizon does not count the later ones.

    >>> horizon({"2": 1.0, "10": 0.97, "100": 0.5, "500": 1.0})
    10

Test sequences come from a fixed test seed (:data:`TEST_SEED`), the same for every model and run,
independent of training and validation seeds.  A length the task does not accept
(:meth:`~bilinear.verify.tasks.Task.accepts_length`; ``modarith`` has odd lengths only) is replaced by the
next one it accepts (2 -> 3, ..., 500 -> 501, 1000 -> 1001); the keys and ``lengths_note`` say so.
``bilinear train --test-lengths`` refuses such lengths instead (only the default lengths are replaced).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import numpy as np
import torch

from bilinear.theory.errors import expected, shown

from bilinear.verify.device import derived_seed

__all__ = ["DEFAULT_LENGTHS", "TEST_SEED", "HORIZON_THRESHOLD", "EvalConfig", "task_lengths", "predict", "evaluate",
           "horizon", "markdown_table", "median"]

DEFAULT_LENGTHS = (2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 50, 100, 200, 500, 1000)
TEST_SEED = 20250527
HORIZON_THRESHOLD = 0.95


def horizon(accuracy, threshold: float = HORIZON_THRESHOLD) -> int:
    """The longest length ``L`` of ``accuracy`` (``{length: accuracy}``, keys ints or their strings) such
    that every length ``<= L`` in it has accuracy ``>= threshold``; 0 when the shortest fails (module
    docstring)."""
    best = 0
    for L in sorted(int(k) for k in accuracy):
        value = accuracy[str(L)] if str(L) in accuracy else accuracy[L]
        if value is None or not value >= threshold:
            break
        best = L
    return best


@dataclass(frozen=True)
class EvalConfig:
    """``lengths`` to test, ``n`` sequences per length, ``batch_size`` sequences per forward pass
    (the transformer uses fewer tokens per pass at long lengths), ``seed`` of the test data."""

    lengths: tuple[int, ...] = DEFAULT_LENGTHS
    n: int = 500
    batch_size: int = 250
    seed: int = TEST_SEED

    def __post_init__(self):
        if not self.lengths or any(isinstance(L, bool) or not isinstance(L, int) or L < 1 for L in self.lengths):
            raise expected("lengths", "positive integers", self.lengths)
        for name in ("n", "batch_size"):
            if getattr(self, name) < 1:
                raise expected(name, "an integer >= 1", shown(str(getattr(self, name))))


def task_lengths(task, lengths) -> list[int]:
    """The lengths actually used for ``task``: sorted, distinct; a length the task does not accept
    is replaced by the next one it does (modarith: even ``L`` -> ``L + 1``)."""
    out = []
    for L in lengths:
        L = task.valid_length_at_least(L)
        if L not in out:
            out.append(L)
    return sorted(out)


@torch.no_grad()
def predict(model, tokens: np.ndarray, batch_size: int, device) -> np.ndarray:
    """Per-token predicted classes (n, L) in evaluation mode; -1 where the logits are not finite."""
    was_training = model.training
    model.eval()
    try:
        out = []
        length = tokens.shape[1]
        step = batch_size
        if getattr(model, "level", "") == "transformer":      # attention memory grows as L^2
            step = max(1, min(batch_size, 4_000_000 // (length * length)))
        for i in range(0, len(tokens), step):
            logits = model(torch.as_tensor(tokens[i:i + step], device=device))
            pred = logits.argmax(-1)
            pred[~torch.isfinite(logits).all(-1)] = -1
            out.append(pred.cpu().numpy())
        return np.concatenate(out)
    finally:
        model.train(was_training)


def evaluate(model, task, config: EvalConfig = EvalConfig(), device="cpu") -> dict:
    """``{"accuracy": {L: final-label acc}, "accuracy_per_token": {...}, "majority": {...},
    "chance": 1/K, "horizon": ..., "horizon_threshold": 0.95, "lengths_note": ...}`` with string keys
    ``str(L)`` (:func:`horizon` of the final-label accuracy)."""
    acc, tok_acc, majority = {}, {}, {}
    for L in task_lengths(task, config.lengths):
        batch = task.sample(config.n, L, derived_seed(config.seed, L))
        pred = predict(model, batch.tokens, config.batch_size, device)
        mask = batch.labels >= 0
        acc[str(L)] = float(np.mean(pred[:, -1] == batch.label))
        tok_acc[str(L)] = float(np.mean(pred[mask] == batch.labels[mask]))
        majority[str(L)] = float(np.bincount(batch.label).max() / len(batch.label))
    out = {"accuracy": acc, "accuracy_per_token": tok_acc, "majority": majority,
           "chance": task.chance_level(), "horizon": horizon(acc), "horizon_threshold": HORIZON_THRESHOLD}
    replaced = [f"{L}->{task.valid_length_at_least(L)}" for L in config.lengths if not task.accepts_length(L)]
    if replaced:
        out["lengths_note"] = f"{task.name} accepts {task.length_rule}: test lengths replaced {', '.join(replaced)}"
    return out


def median(values) -> float:
    values = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(values) if values else float("nan")


def _task_label(run: dict) -> str:
    opts = ",".join(f"{k}={v}" for k, v in sorted(run.get("task_options", {}).items()))
    return f"{run['task']}({opts})" if opts else run["task"]


def markdown_table(runs: list[dict], key: str = "accuracy") -> str:
    """One row per run (task, model, hidden, seed, lr) and one median row per (task, model, hidden)
    group with several seeds; one column per length; chance and majority (at the longest length)
    beside them, and the :func:`horizon` of the final-label accuracy (the median's for a median row).
    Values are ``key`` (``accuracy`` = final label, or ``accuracy_per_token``)."""
    if not runs:
        return "(no runs)\n"
    lengths = sorted({int(L) for r in runs for L in r[key]})
    head = ["task", "model", "H", "seed", "lr"] + [str(L) for L in lengths] + ["chance", "majority", "horizon"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def cells(values):
        return ["" if v is None else f"{v:.3f}" for v in values]

    groups: dict[tuple, list[dict]] = {}
    for r in runs:
        model = r["model"] + (f" [{r['variant']}]" if r.get("variant") else "")
        groups.setdefault((_task_label(r), model, r["hidden"]), []).append(r)
    for (task, model, hidden), rs in groups.items():
        for r in sorted(rs, key=lambda r: r["seed"]):
            vals = [r[key].get(str(L)) for L in lengths]
            maj = r.get("majority", {}).get(str(max(int(L) for L in r[key])))
            lines.append("| " + " | ".join([task, model, str(hidden), str(r["seed"]), f"{r['lr']:g}"]
                                           + cells(vals) + cells([r.get("chance"), maj])
                                           + [str(horizon(r["accuracy"]))]) + " |")
        if len(rs) > 1:
            med = [median([r[key].get(str(L)) for r in rs]) for L in lengths]
            med_final = {L: median([r["accuracy"].get(L) for r in rs]) for L in rs[0]["accuracy"]}
            lines.append("| " + " | ".join([task, model, str(hidden), f"**median of {len(rs)}**", ""]
                                           + [f"**{v:.3f}**" for v in med] + cells([rs[0].get("chance"), None])
                                           + [f"**{horizon(med_final)}**"]) + " |")
    note = ("\nAccuracy = final-label accuracy at exactly that many tokens" if key == "accuracy"
            else "\nAccuracy = per-token accuracy over all labelled prefixes")
    note += ("; chance = 1/classes; majority = most frequent final label at the longest length; horizon = the "
             f"longest test length up to which every test length has final-label accuracy >= {HORIZON_THRESHOLD}.\n")
    for lengths_note in dict.fromkeys(r["lengths_note"] for r in runs if r.get("lengths_note")):
        note += lengths_note + ".\n"
    return "\n".join(lines) + "\n" + note
