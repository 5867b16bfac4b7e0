"""Training with honest model selection (docs/design.md §9): seeds everywhere, AdamW, resumable checkpoints.

One *run* = (task, model config, seed).  For each learning rate of the run's grid the model is
trained from the same seeded initialisation on data that is a fixed function of ``(seed, step)``:
each step draws one length uniformly from the training range and a batch of that length.  Loss:
cross-entropy on every labelled prefix (``loss="token"``; ``-1`` labels ignored) or on the final
label only (``loss="final"``), plus an optional penalty on unequal per-step gains of bilinear
models (``gain_penalty``, see :class:`TrainConfig`).  A validation set at the *training lengths
only* (its own seed) scores the model every ``val_every`` steps; the best state by (validation accuracy, then lower
validation loss) is kept, training stops after ``patience`` evaluations without improvement or
once the validation loss is below ``stop_loss``, and the learning rate with the best validation
score is chosen.  Test lengths are only touched by :func:`bilinear.verify.experiments.evaluate.evaluate`, after selection.

Checkpoints are written every validation to ``checkpoint_dir`` with ``torch.save`` of plain
tensors, numbers and strings, and read by :func:`bilinear.verify.experiments.checkpoint.load_checkpoint`
(``torch.load(weights_only=True)``, no arbitrary unpickling, every field checked).  A checkpoint
stores its run's configuration; an interrupted run resumes from it and ends with exactly the
parameters of an uninterrupted one (on CPU).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from bilinear.theory.errors import InputError, check_choice, check_int, check_number, check_seed, expected
from bilinear.theory.resources import current_memory_limit, current_work_limit, memory_limit
from bilinear.theory.files import atomic_path
from bilinear.theory.version import software_versions

from bilinear.verify.kernels import block_gains, fused, native
from bilinear.verify.experiments.checkpoint import CHECKPOINT_FORMAT, check_module_state, check_optimizer_state, load_checkpoint
from bilinear.verify.device import derived_seed
from bilinear.verify.experiments.evaluate import EvalConfig, evaluate
from bilinear.verify.models.registry import ModelConfig, count_parameters, make_model
from bilinear.verify.models.base import BilinearRNN
from bilinear.verify.tasks import make_task
from bilinear.verify.tasks.base import option_flag as _flag

__all__ = ["TrainConfig", "RunSpec", "TrainOutcome", "train_model", "run_experiment", "run_sweep",
           "training_lengths", "checkpoint_path", "load_checkpoint", "training_throughput", "source_commit",
           "source_state"]

_VAL = 1            # purpose tags for derived seeds
_TRAIN = 0


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and selection settings shared by the runs of a sweep.

    ``steps`` (max), ``batch_size``, ``train_lengths`` = (min, max) inclusive, ``loss`` ("token" or
    "final"), AdamW ``weight_decay`` (not on a bilinear model's transition parameters and h0),
    ``grad_clip`` (max global norm, 0 = off), ``schedule`` ("cosine" decay to ``final_lr`` times the
    rate, or "constant", after ``warmup`` linear steps), ``val_n`` validation sequences per training length, ``val_every`` steps, ``patience`` evaluations without
    improvement (0 = never stop early), ``stop_loss`` (stop once the validation loss is below it
    and validation accuracy is 1; 0 = off), ``gain_penalty`` (λ, bilinear models only; 0 = off),
    ``block_gain_penalty`` (λ_b, bilinear models with blocks only — BLOCK, CDIAG, ROT; 0 = off).

    The gain penalty adds ``λ Var_{n,t}[log ||A(x_t) h_{t-1}|| - log ||h_{t-1}||]`` over the batch
    and time steps to the cross-entropy.  Exact tracking (docs/design.md §3) needs one common gain ``c`` in
    ``A_σ φ(q) = c φ(δ(q, σ))``; with unequal gains the small error components of a learned state
    along another state's direction grow geometrically over long words (a multiplicative random
    walk), which training lengths 2–10 do not show and normalisation hides from the loss.

    The block gain penalty adds ``λ_b Var_{n,t,j}[b_{t,j}]``, ``b_{t,j}`` the log-gain of block ``j``
    of a block-diagonal ``A(x_t)`` on its own part of the state
    (:mod:`bilinear.verify.kernels.block_gains`): normalisation is global, so a block with a larger gain
    than the blocks the readout uses owns the normalised state after some tens of steps although the
    total gain is steady (docs/results_training.md).  For ROT every block gain is 0 exactly (its blocks
    are rotations), so the penalty is skipped.

    The validation loss (selection and early stopping) is computed in float64 from the logits: in
    float32 it becomes exactly 0 once the margins pass about 17, every later state ties with the
    best and patience ends a run that is still improving (docs/results_training.md).
    """

    steps: int = 2000
    batch_size: int = 64
    train_lengths: tuple[int, int] = (2, 10)
    loss: str = "token"
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    schedule: str = "cosine"
    final_lr: float = 0.1
    warmup: int = 50
    val_n: int = 64
    val_every: int = 100
    patience: int = 0
    stop_loss: float = 0.0
    gain_penalty: float = 1.0
    block_gain_penalty: float = 1.0

    def __post_init__(self):
        for name in ("steps", "batch_size", "val_n", "val_every"):
            check_int(_flag(name), getattr(self, name), minimum=1)
        for name in ("patience", "warmup"):
            check_int(_flag(name), getattr(self, name), minimum=0)
        lo_hi = tuple(self.train_lengths)
        if len(lo_hi) != 2 or not all(isinstance(v, int) for v in lo_hi) or not 1 <= lo_hi[0] <= lo_hi[1]:
            raise expected("--train-lengths", "MIN-MAX with 1 <= MIN <= MAX", self.train_lengths)
        object.__setattr__(self, "train_lengths", lo_hi)
        check_choice("--loss", self.loss, ("token", "final"))
        check_choice("schedule", self.schedule, ("cosine", "constant"))
        check_number("--final-lr", self.final_lr, minimum=0, maximum=1)
        for name in ("weight_decay", "grad_clip", "stop_loss", "gain_penalty", "block_gain_penalty"):
            check_number(_flag(name), getattr(self, name), minimum=0)

    def lr_at(self, step: int, lr: float) -> float:
        """Learning rate of step ``step`` (0-based): linear warmup, then cosine to 10% or constant."""
        if step < self.warmup:
            return lr * (step + 1) / self.warmup
        if self.schedule == "constant":
            return lr
        frac = (step - self.warmup) / max(1, self.steps - self.warmup)
        return lr * (self.final_lr + (1 - self.final_lr) * 0.5 * (1 + math.cos(math.pi * min(1.0, frac))))


@dataclass(frozen=True)
class RunSpec:
    """What a run is: a task (name and options), a model configuration and a seed."""

    task: str
    task_options: dict = field(default_factory=dict)
    model: ModelConfig = ModelConfig()
    seed: int = 0

    def __post_init__(self):
        check_seed("--seed", self.seed)

    def make_task(self):
        return make_task(self.task, **self.task_options)


@dataclass
class TrainOutcome:
    """The best model of one learning rate and how it was found."""

    model: torch.nn.Module
    lr: float
    val_accuracy: float
    val_loss: float
    best_step: int
    steps_run: int
    seconds: float
    history: list = field(default_factory=list)
    cpu_seconds: float | None = 0.0     # process CPU time of the training, over every session; None: not recorded


def training_lengths(task, lo_hi: tuple[int, int]) -> list[int]:
    """The lengths in ``[lo, hi]`` the task accepts (:meth:`~bilinear.verify.tasks.Task.accepts_length`;
    modarith: odd lengths only)."""
    lo, hi = lo_hi
    out = [L for L in range(lo, hi + 1) if task.accepts_length(L)]
    if not out:
        raise InputError(f"train-lengths: no length in {lo}-{hi} is valid for {task.name} "
                         f"(it accepts {task.length_rule})")
    return out


def _optimizer(model, cfg: TrainConfig, lr: float) -> torch.optim.AdamW:
    """AdamW (torch's fused kernel where available); weight decay on every parameter except a
    bilinear model's transition parameters and ``h0``
    (:meth:`~bilinear.verify.models.classic.BilinearRNN.no_decay_parameters`)."""
    exempt = model.no_decay_parameters() if hasattr(model, "no_decay_parameters") else set()
    decay = [p for n, p in model.named_parameters() if n not in exempt]
    keep = [p for n, p in model.named_parameters() if n in exempt]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}]
    if keep:
        groups.append({"params": keep, "weight_decay": 0.0})
    return torch.optim.AdamW(groups, lr=lr, **_FUSED_ADAMW)


#: torch's single-kernel AdamW (the same update, one call for all parameters; CPU support from
#: torch 2.4): a few times faster than the per-parameter loop on the small models trained here
_FUSED_ADAMW: dict[str, Any] = {"fused": True} if tuple(int(v) for v in torch.__version__.split(".")[:2]) >= (2, 4) else {}


def _loss(logits: torch.Tensor, labels: torch.Tensor, final: bool) -> torch.Tensor:
    """Mean cross-entropy over the labelled steps (``final``: the last step only), in the logits' dtype."""
    if final:
        return F.cross_entropy(logits[:, -1], labels[:, -1])
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-1)


def _objective(model, batch, cfg: TrainConfig, final: bool, device) -> torch.Tensor:
    """Cross-entropy, plus ``gain_penalty * Var(log gains)`` for bilinear models and
    ``block_gain_penalty * Var(per-block log gains)`` for those with blocks; with gradients on,
    a bilinear model with one-hot input computes it as one fused node (:func:`bilinear.verify.kernels.fused.objective`,
    equal to this function's plain autograd form within float tolerance)."""
    tokens = torch.as_tensor(batch.tokens, device=device)
    labels = torch.as_tensor(batch.labels, device=device)
    if torch.is_grad_enabled() and isinstance(model, BilinearRNN) and model.embedding_dim is None:
        return fused.objective(model.system(), model.readout, tokens, labels, final, cfg.gain_penalty,
                               0.0 if model.unit_blocks else cfg.block_gain_penalty)
    if isinstance(model, BilinearRNN) and (cfg.gain_penalty or cfg.block_gain_penalty):
        states, gains = model.states(tokens, log_gains=True)
        loss = _loss(states @ model.readout.T, labels, final) + cfg.gain_penalty * gains.var()
        width = (block_gains.block_width(model.layout, model.table().source)
                 if cfg.block_gain_penalty and model.layout in ("blocks", "pairs") and not model.unit_blocks else None)
        if width:
            loss = loss + block_gains.penalty(states, gains, width, cfg.block_gain_penalty)
        return loss
    return _loss(model(tokens), labels, final)


def _train_batch(task, cfg: TrainConfig, lengths: list[int], seed: int, step: int):
    """The batch of step ``step``: a fixed function of ``(seed, step)``."""
    rng = np.random.default_rng(derived_seed(seed, step, _TRAIN))
    L = int(lengths[rng.integers(len(lengths))])
    return task.sample(cfg.batch_size, L, int(rng.integers(2 ** 62)))


def _validation_set(task, cfg: TrainConfig, lengths: list[int], seed: int):
    return [task.sample(cfg.val_n, L, derived_seed(seed, L, _VAL)) for L in lengths]


@torch.no_grad()
def _validate(model, val_set, final: bool, device) -> tuple[float, float]:
    """(final-label accuracy, mean loss) on the validation set, with the training-mode forward
    (the function being optimised; for pure bilinear models the argmax equals evaluation mode's);
    the loss in float64 from the logits, so it is not 0 while a margin is below about 700."""
    correct = total = 0
    losses = []
    for b in val_set:
        tokens = torch.as_tensor(b.tokens, device=device)
        labels = torch.as_tensor(b.labels, device=device)
        logits = model(tokens)
        loss = _loss(logits.double(), labels, final)
        losses.append(float(loss) if torch.isfinite(loss) else float("inf"))
        last = logits[:, -1]
        pred = torch.where(torch.isfinite(last).all(-1), last.argmax(-1), torch.full_like(labels[:, -1], -1))
        correct += int((pred == labels[:, -1]).sum())
        total += len(tokens)
    return correct / total, float(np.mean(losses))


def checkpoint_path(directory: str, spec: RunSpec, cfg: TrainConfig, lr: float) -> str:
    """File name of a run's checkpoint: readable prefix plus a hash of the full configuration."""
    ident = _identity(spec, cfg, lr)
    digest = hashlib.sha1(ident.encode()).hexdigest()[:12]
    return os.path.join(directory, f"{spec.task}-{spec.model.model}-H{spec.model.hidden}-s{spec.seed}-lr{lr:g}-{digest}.pt")


def _identity(spec: RunSpec, cfg: TrainConfig, lr: float) -> str:
    return json.dumps({"task": spec.task, "task_options": spec.task_options, "model": spec.model.to_dict(),
                       "seed": spec.seed, "train": asdict(cfg), "lr": lr}, sort_keys=True, default=list)


def _save_checkpoint(path: str, state: dict) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with atomic_path(path, suffix=".pt") as tmp:
        torch.save(state, tmp)


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def train_model(spec: RunSpec, cfg: TrainConfig, lr: float, device="cpu", checkpoint_dir: str | None = None,
                progress=_stderr, interrupt_after: int | None = None) -> TrainOutcome:
    """Train ``spec``'s model with learning rate ``lr``; return the best-validation state.

    With ``checkpoint_dir``, resume from this configuration's checkpoint when one exists (a finished
    one is just loaded).  ``interrupt_after`` stops after that many steps of this call, as a crash
    would (for tests of resumption); the returned outcome is then the state reached so far.
    """
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise expected("lr", "a positive number", lr)
    task = spec.make_task()
    lengths = training_lengths(task, cfg.train_lengths)
    model = make_model(spec.model, task.vocab_size, task.num_classes, seed=spec.seed).to(device)
    opt = _optimizer(model, cfg, lr)
    val_set = _validation_set(task, cfg, lengths, spec.seed)
    final = cfg.loss == "final"
    ident = _identity(spec, cfg, lr)
    path = checkpoint_path(checkpoint_dir, spec, cfg, lr) if checkpoint_dir else None
    step, best_key, best_state, best_step, bad, seconds, history, finished = 0, None, None, 0, 0, 0.0, [], False
    cpu_before: float | None = 0.0      # CPU seconds of earlier sessions (None: not recorded)
    if path and os.path.exists(path):
        state = load_checkpoint(path)
        if state["identity"] != ident:
            raise InputError(f"checkpoint {path}: belongs to a different configuration")
        check_module_state(model, state["model"], f"checkpoint {path}: model")
        check_module_state(model, state["best_model"], f"checkpoint {path}: best_model")
        check_optimizer_state(opt, state["optimizer"], f"checkpoint {path}: optimizer")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step, best_step, bad, seconds = state["step"], state["best_step"], state["bad_evals"], state["seconds"]
        best_key, best_state = tuple(state["best_key"]), state["best_model"]
        history, finished = [list(h) for h in state["history"]], state["finished"]
        cpu_before = state["cpu_seconds"] if "cpu_seconds" in state else (None if step else 0.0)   # format 1: unknown
        if progress and not finished:
            progress(f"[{_short(spec, lr)}] resuming at step {step}")
    t0, c0 = time.perf_counter() - seconds, time.process_time()

    def cpu_total() -> float | None:    # this process's CPU time since c0, plus the earlier sessions'
        return None if cpu_before is None else cpu_before + time.process_time() - c0
    t_here = time.perf_counter()
    done_here = 0
    tag = _short(spec, lr)
    model.train()
    running = []
    while not finished and step < cfg.steps:
        batch = _train_batch(task, cfg, lengths, spec.seed, step)
        for group in opt.param_groups:
            group["lr"] = cfg.lr_at(step, lr)
        loss = _objective(model, batch, cfg, final, device)
        opt.zero_grad(set_to_none=True)
        if torch.isfinite(loss):
            loss.backward()
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
        running.append(float(loss.detach()))
        step += 1
        done_here += 1
        if step % cfg.val_every == 0 or step == cfg.steps:
            acc, vloss = _validate(model, val_set, final, device)
            key = (acc, -vloss)
            if best_key is None or key > best_key:
                best_key, best_state, best_step, bad = key, copy.deepcopy(model.state_dict()), step, 0
            else:
                bad += 1
            history.append([step, float(np.mean(running)), acc, vloss])
            running = []
            stop = (cfg.patience and bad >= cfg.patience) or (cfg.stop_loss and acc == 1.0 and vloss < cfg.stop_loss)
            finished = bool(stop) or step == cfg.steps
            if progress:
                rate = done_here / max(1e-9, time.perf_counter() - t_here)
                progress(f"[{tag}] step {step}/{cfg.steps} train loss {history[-1][1]:.4f} "
                         f"val acc {acc:.3f} val loss {vloss:.4f} ({time.perf_counter() - t0:.0f}s, "
                         f"{rate:.0f} steps/s, {_eta(0 if finished else (cfg.steps - step) / rate)} left)"
                         + (" stop" if stop else ""))
            if path:
                _save_checkpoint(path, {
                    "format": CHECKPOINT_FORMAT, "identity": ident, "step": step, "model": model.state_dict(),
                    "optimizer": opt.state_dict(), "best_model": best_state, "best_key": list(best_key),
                    "best_step": best_step, "bad_evals": bad, "seconds": time.perf_counter() - t0,
                    "cpu_seconds": cpu_total(),
                    "history": history, "finished": finished})
        if interrupt_after is not None and done_here >= interrupt_after:
            break
    if best_state is None:      # interrupted before the first validation
        acc, vloss = _validate(model, val_set, final, device)
        best_key, best_state, best_step = (acc, -vloss), copy.deepcopy(model.state_dict()), step
    model.load_state_dict(best_state)
    assert best_key is not None                 # set together with best_state
    return TrainOutcome(model, lr, best_key[0], -best_key[1], best_step, step, time.perf_counter() - t0, history,
                        cpu_total())


@functools.lru_cache(maxsize=None)
def source_state(path: str = __file__) -> tuple[str, bool | None]:
    """``(commit, dirty)``: the git commit checked out in the work tree that holds ``path`` (this
    module: the toolkit's source) as a tracked file, and whether tracked files there differ from it;
    ``("unknown", None)`` when ``path`` is not tracked by a git checkout (an installed copy, an
    exported tree) or git is missing or fails: never an error."""
    folder, name = os.path.split(os.path.abspath(path))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}   # this tree, not $GIT_DIR's

    def git(*args: str) -> str | None:
        try:
            run = subprocess.run(["git", "-C", folder, *args], capture_output=True, text=True, timeout=30, env=env,
                                 stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            return None
        return run.stdout.strip() if run.returncode == 0 else None

    head = git("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if git("ls-files", "--error-unmatch", "--", name) is None or head is None or not re.fullmatch(r"[0-9a-f]{40,64}", head):
        return "unknown", None
    changed = git("status", "--porcelain", "--untracked-files=no")
    return head, None if changed is None else bool(changed)


def source_commit(path: str = __file__) -> str:
    """The commit of :func:`source_state`: a hexadecimal git commit id, or ``"unknown"``."""
    return source_state(path)[0]


def _short(spec: RunSpec, lr: float | None = None) -> str:
    opts = ",".join(f"{k}={v}" for k, v in sorted(spec.task_options.items()))
    variant = spec.model.variant()
    return (f"{spec.task}{'(' + opts + ')' if opts else ''} {spec.model.model}{'[' + variant + ']' if variant else ''} "
            f"H={spec.model.hidden} seed={spec.seed}" + (f" lr={lr:g}" if lr is not None else ""))


def run_experiment(spec: RunSpec, cfg: TrainConfig, lrs, eval_cfg: EvalConfig = EvalConfig(), device="cpu",
                   checkpoint_dir: str | None = None, progress=_stderr) -> dict:
    """Train with every learning rate of ``lrs``, keep the one with the best validation score (ties:
    the earlier in ``lrs``), evaluate it at the test lengths; return the run's record for
    ``results.json``: besides the results and configurations, ``versions``, the source's git
    ``commit`` and whether its tracked files had changes, ``commit_dirty`` (:func:`source_state`;
    ``"unknown"`` and ``None`` outside a git checkout), and the ``recurrence`` that ran, ``"native"`` when this run
    (its training or its evaluation) called the compiled recurrence (:mod:`bilinear.verify.kernels.native`),
    else ``"torch"``."""
    native_calls = native.calls()
    outcomes = [train_model(spec, cfg, lr, device, checkpoint_dir, progress) for lr in lrs]
    best = max(outcomes, key=lambda o: (o.val_accuracy, -o.val_loss))    # max keeps the first: ties -> earlier lr
    task = spec.make_task()
    c0 = time.process_time()
    result = evaluate(best.model, task, eval_cfg, device)
    eval_cpu = time.process_time() - c0
    train_cpu = [o.cpu_seconds for o in outcomes]
    record = {
        "task": spec.task, "task_options": dict(task.options), "model": spec.model.model,
        "hidden": spec.model.hidden, "seed": spec.seed, "lr": best.lr, "variant": spec.model.variant(), **result,
        "val_accuracy": best.val_accuracy, "val_loss": best.val_loss, "best_step": best.best_step,
        "lr_search": [{"lr": o.lr, "val_accuracy": o.val_accuracy, "val_loss": o.val_loss,
                       "best_step": o.best_step, "steps_run": o.steps_run, "seconds": round(o.seconds, 2),
                       "cpu_seconds": None if o.cpu_seconds is None else round(o.cpu_seconds, 2)}
                      for o in outcomes],
        "eval_cpu_seconds": round(eval_cpu, 2),
        "cpu_seconds": None if None in train_cpu else round(sum(c for c in train_cpu if c is not None) + eval_cpu, 2),
        "model_config": spec.model.to_dict(), "train_config": asdict(cfg),
        "eval_config": {"n": eval_cfg.n, "seed": eval_cfg.seed}, "parameters": count_parameters(best.model),
        "device": str(device), "versions": software_versions(), "commit": source_state()[0],
        "commit_dirty": source_state()[1],
        "recurrence": "native" if native.calls() > native_calls else "torch",
    }
    if progress:
        acc = result["accuracy"]
        longest = max(acc, key=int)
        progress(f"[{_short(spec, best.lr)}] chosen by validation; test acc at {longest}: {acc[longest]:.3f}")
    return record


def _eta(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


def _sweep_worker(args):
    """One run of a parallel sweep, in its own process with one torch thread."""
    index, spec, cfg, lrs, eval_cfg, device, checkpoint_dir, quiet, limits = args
    torch.set_num_threads(1)
    with memory_limit(*limits):               # the parent's --max-memory / --max-work (a context variable)
        return index, run_experiment(spec, cfg, lrs, eval_cfg, device, checkpoint_dir, None if quiet else _stderr)


def run_sweep(specs: list[RunSpec], cfg: TrainConfig, lrs, eval_cfg: EvalConfig = EvalConfig(), device="cpu",
              checkpoint_dir: str | None = None, progress=_stderr, on_result=None, jobs: int = 1,
              launcher=None) -> list[dict]:
    """Run every spec; return their records in the order of ``specs``; ``on_result(records)``
    after each run (the finished ones, in spec order — e.g. to write results).

    ``jobs > 1`` runs that many runs at a time in separate processes with one torch thread each
    (their progress goes to standard error directly).  Every run is a fixed function of its spec
    and seed, so the records equal those of ``jobs=1`` at one thread (apart from timings); with
    ``checkpoint_dir`` an interrupted sweep resumes from the runs' checkpoints either way.

    ``launcher`` (a :class:`bilinear.verify.experiments.cluster.SubmititLauncher`) runs each run as a submitit job
    instead (SLURM, or submitit's local executor), at most ``jobs`` at a time, through the same
    worker, so with the same records and the same resumption."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise expected("jobs", "an integer >= 1", jobs)
    t0 = time.perf_counter()
    done: dict[int, dict] = {}

    def finished(i, record):
        done[i] = record
        if progress:
            elapsed = time.perf_counter() - t0
            left = elapsed / len(done) * (len(specs) - len(done))
            progress(f"== {len(done)}/{len(specs)} runs done ({_eta(elapsed)} elapsed, about {_eta(left)} left)")
        if on_result:
            on_result([done[k] for k in sorted(done)])

    limits = (current_memory_limit(), current_work_limit())
    work = [(i, spec, cfg, list(lrs), eval_cfg, str(device), checkpoint_dir, progress is None, limits)
            for i, spec in enumerate(specs)]
    if launcher is not None:
        for i, record in launcher.map(_sweep_worker, work, jobs, progress):
            finished(i, record)
    elif jobs == 1 or len(specs) <= 1:
        for i, spec in enumerate(specs):
            if progress:
                progress(f"== run {i + 1}/{len(specs)}: {_short(spec)}")
            finished(i, run_experiment(spec, cfg, lrs, eval_cfg, device, checkpoint_dir, progress))
    else:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(min(jobs, len(specs))) as pool:
            for i, record in pool.imap_unordered(_sweep_worker, work):
                finished(i, record)
    return [done[i] for i in range(len(specs))]


def training_throughput(specs: list[RunSpec], batch_size: int = 64, length: int = 10, steps: int = 30,
                        rounds: int = 3, device="cpu") -> dict:
    """Training tokens per second of each spec's model (the default training objective, so the
    bilinear models include the gain penalty), measured side by side: ``rounds`` rounds, each
    timing ``steps`` optimiser steps of every model in turn (interleaved, so machine load hits
    them alike); the median round counts.  Returns ``{model name: tokens/s}``."""
    setups = []
    for spec in specs:
        task = spec.make_task()
        model = make_model(spec.model, task.vocab_size, task.num_classes, seed=spec.seed).to(device).train()
        opt = _optimizer(model, TrainConfig(), 1e-3)
        setups.append((spec.model.model, model, opt, task.sample(batch_size, length, 0)))
    cfg = TrainConfig()
    times: dict[str, list[float]] = {name: [] for name, *_ in setups}
    for r in range(rounds + 1):                      # round 0 warms up
        for name, model, opt, batch in setups:
            t0 = time.perf_counter()
            for _ in range(steps):
                loss = _objective(model, batch, cfg, False, device)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            if device != "cpu" and torch.cuda.is_available():  # pragma: no cover - no GPU here
                torch.cuda.synchronize()
            if r:
                times[name].append(time.perf_counter() - t0)
    return {name: batch_size * length * steps / float(np.median(ts)) for name, ts in times.items()}
