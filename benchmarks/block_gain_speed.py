"""Training speed with and without the per-block gain penalty, side by side (docs/results_speed.md).

The training objective of the levels with blocks (BLOCK, CDIAG) carries the per-block gain penalty
(:mod:`bilinear.verify.kernels.block_gains`) by default; everything else of a training step is the
same with ``block_gain_penalty=0``, so the two configurations in one process measure its cost.  Each
round times ``steps`` optimiser steps (the training's fused objective, backward, AdamW) of every
contender in turn — each level with the penalty off and on back to back (which one first alternating
by round, the levels in a seeded random order, so that neither always follows another model's step
and its cold caches), and ``nn.LSTM`` — in CPU time of this process; reported: tokens/s (median over rounds) and per level the ratio of the time with the penalty
to the time without it per round (median, min, max), and each one's ratio to the LSTM's.

    python benchmarks/block_gain_speed.py [--rounds 9] [--steps 30] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from bilinear.theory.files import write_text_atomically  # noqa: E402
from bilinear.verify.experiments.bench import train_steps  # noqa: E402
from bilinear.verify.experiments.train import TrainConfig, _optimizer  # noqa: E402
from bilinear.verify.models.registry import ModelConfig, make_model  # noqa: E402
from bilinear.verify.tasks import make_task  # noqa: E402

#: (label, model config) of the contenders; BLOCK at B = 2 (the tables') and B = 4 (``bilinear bench``'s)
LEVELS = (("block B=2", ModelConfig("block", hidden=64, block=2)), ("block B=4", ModelConfig("block", hidden=64, block=4)),
          ("cdiag", ModelConfig("cdiag", hidden=64)), ("rot", ModelConfig("rot", hidden=64)))


def measure(rounds: int, steps: int, batch: int = 64, length: int = 10) -> dict:
    torch.set_num_threads(1)
    task = make_task("modadd", m=10)
    data = task.sample(batch, length, 0)
    setups = [("lstm", 0.0, ModelConfig("lstm", hidden=64))]
    setups += [(label, pen, cfg) for label, cfg in LEVELS for pen in (0.0, 1.0)]
    built = []
    for label, pen, cfg in setups:
        train = TrainConfig(block_gain_penalty=pen)
        model = make_model(cfg, task.vocab_size, task.num_classes, seed=0).train()
        built.append((label, pen, train, model, _optimizer(model, train, 1e-3)))
    times: dict[tuple, list[float]] = {(label, pen): [] for label, pen, *_ in built}
    order = random.Random(0)
    for r in range(rounds + 1):                      # round 0 warms up
        # each level's two configurations back to back, which one first alternating by round, and the
        # levels in a seeded random order: neither configuration always follows another model's step
        pairs = [built[:1]] + [built[i:i + 2] if r % 2 else built[i:i + 2][::-1] for i in range(1, len(built), 2)]
        order.shuffle(pairs)
        for label, pen, train, model, opt in (c for pair in pairs for c in pair):
            t0 = time.process_time()
            train_steps(model, data, train, opt, steps)
            if r:
                times[(label, pen)].append(time.process_time() - t0)
    tokens = batch * length * steps
    return {"times": times, "tokens": tokens, "rounds": rounds, "steps": steps}


def markdown(result: dict) -> str:
    times, tokens = result["times"], result["tokens"]
    lstm = times[("lstm", 0.0)]
    lines = [f"Training steps (fused objective, backward, AdamW) at H = 64, batch 64, length 10, D = 10, one thread; "
             f"{result['rounds']} interleaved rounds of {result['steps']} steps (off and on back to back, alternating which first), "
             f"CPU time; medians (min–max) over rounds.", "",
             "| level | tokens/s, penalty off | tokens/s, penalty on | time on / off | ratio to LSTM, off | ratio to LSTM, on |",
             "|---|---|---|---|---|---|"]
    for label, _ in LEVELS:
        off, on = times[(label, 0.0)], times[(label, 1.0)]
        ratio = [b / a for a, b in zip(off, on)]
        to_lstm_off = [x / y for x, y in zip(lstm, off)]
        to_lstm_on = [x / y for x, y in zip(lstm, on)]
        lines.append(f"| {label} | {tokens / statistics.median(off):,.0f} | {tokens / statistics.median(on):,.0f} | "
                     f"{statistics.median(ratio):.3f} ({min(ratio):.3f}–{max(ratio):.3f}) | "
                     f"{statistics.median(to_lstm_off):.2f} | {statistics.median(to_lstm_on):.2f} |")
    lines.append(f"\nLSTM: {tokens / statistics.median(lstm):,.0f} tokens/s.")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=9)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--out", help="write the markdown table here")
    args = p.parse_args(argv)
    text = markdown(measure(args.rounds, args.steps))
    if args.out:
        write_text_atomically(args.out, text)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
