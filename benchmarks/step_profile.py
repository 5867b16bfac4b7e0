"""Where a training step's process time goes: each function of the fused step timed exclusively.

    python benchmarks/step_profile.py full 256 [--steps 40]
    python benchmarks/step_profile.py mono 64

Training steps of ``bilinear bench`` (fused objective, backward, AdamW; batch 64, length 10, D = 10,
one thread) with the functions of :mod:`bilinear.verify.kernels.fused` and
:mod:`bilinear.verify.kernels.native` wrapped by a timer of process CPU time: each C function of the
compiled library (``C name``), the argument checks, the Python and torch code of each wrapper (its own
time, without what it calls among the wrapped ones), the model's table, AdamW; ``unaccounted`` is the
rest of the step (autograd's engine, ``zero_grad``, the objective's call).  Milliseconds per step, one
run of ``--steps`` steps after 5 of warm-up: a profile, not a comparison — the timers add their own
few microseconds per call, and the machine's load moves every figure (ratios are measured by
``benchmarks/grouped_speed.py`` in interleaved rounds).
"""

from __future__ import annotations

import argparse
import collections
import functools
import sys
import time

import torch

from bilinear.verify.experiments.bench import train_steps
from bilinear.verify.experiments.train import TrainConfig, _optimizer
from bilinear.verify.kernels import fused, loop, native
from bilinear.verify.models.registry import ModelConfig, make_model
from bilinear.verify.tasks import make_task


def profile(level: str, hidden: int, steps: int) -> dict[str, float]:
    """Milliseconds per step by part (module docstring)."""
    own: dict[str, float] = collections.defaultdict(float)
    stack: list[float] = []
    clock = time.process_time

    def timed(label: str, f):
        @functools.wraps(f)
        def g(*a, **k):
            t0 = clock()
            stack.append(0.0)
            try:
                return f(*a, **k)
            finally:
                dt = clock() - t0
                own[label] += dt - stack.pop()
                if stack:
                    stack[-1] += dt
        return g

    saved = []

    def wrap(owner, name: str, label: str | None = None) -> None:
        saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, timed(label or name, getattr(owner, name)))

    call = native._call
    saved.append((native, "_call", call))
    native._call = lambda name, dtype, **kw: timed("C " + name.replace("_##SUFFIX", ""), call)(name, dtype, **kw)
    for name in ("_arguments", "forward_grouped", "backward", "forward", "xent_forward", "xent_backward"):
        wrap(native, name, f"native.{name} (Python)" if name != "_arguments" else "argument checks")
    for name in ("_spec", "_native_forward", "_native_backward", "_cross_entropy"):
        wrap(fused, name)
    for name in ("gains_of", "adjoint_inputs", "start_grads"):
        wrap(loop, name)
    wrap(fused.Objective, "forward", "Objective.forward")
    wrap(fused.Objective, "backward", "Objective.backward")
    wrap(torch.optim.AdamW, "step", "AdamW")
    task = make_task("modadd", m=10)
    data = task.sample(64, 10, 0)
    cfg = TrainConfig()
    model = make_model(ModelConfig(level, hidden=hidden, block=4), task.vocab_size, task.num_classes, seed=0).train()
    if hasattr(type(model), "table"):
        wrap(type(model), "table", f"{level}.table")
    opt = _optimizer(model, cfg, 1e-3)
    try:
        train_steps(model, data, cfg, opt, 5)
        own.clear()
        t0 = clock()
        train_steps(model, data, cfg, opt, steps)
        total = (clock() - t0) / steps * 1e3
    finally:
        for owner, name, value in reversed(saved):
            setattr(owner, name, value)
    out = {k: v / steps * 1e3 for k, v in sorted(own.items(), key=lambda kv: -kv[1])}
    out["unaccounted"] = total - sum(out.values())
    out["step"] = total
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("level")
    p.add_argument("hidden", type=int)
    p.add_argument("--steps", type=int, default=40)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    parts = profile(args.level, args.hidden, args.steps)
    print(f"{args.level} at H = {args.hidden}: {parts.pop('step'):.3f} ms per training step")
    print("| part | ms per step |\n|---|---|")
    for k, v in parts.items():
        print(f"| {k} | {v:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
