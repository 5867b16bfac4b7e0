"""Stacks of layers: the paths of a layer's recurrence side by side (docs/results_depth.md).

:class:`~bilinear.verify.models.stack.BilinearStack` runs every layer by ``path`` (``forward(tokens, path)``):
``polar`` (cumulative sums of log-moduli and angles, the default), ``chunks`` (the single-layer models'
chunked cumulative products) or ``loop`` (the step loop); the rest of a step (decoder and output MLPs, loss,
backward, Adam) is the same.  Each round times ``steps`` training steps (forward, cross-entropy, backward,
Adam) of each contender in turn — the three paths of 2-layer stacks of ``cdiag``, ``rot`` and ``rdiag`` at
hidden size H, from the same initialisation and data; each round starting at another contender, with
garbage collected before each — in CPU time of this process; reported per level and
sequence length: the ratios of the step loop's time to each fast path's per round (median, min, max) and
the tokens/s of each.

    python benchmarks/stack_speed.py [--rounds 7] [--steps 5] [--lengths 32,256] [--hidden 8] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from bilinear.theory.files import write_text_atomically  # noqa: E402
from bilinear.verify.models.registry import ModelConfig, make_model  # noqa: E402
from bilinear.verify.tasks import make_task  # noqa: E402

LEVELS = ("cdiag", "rot", "rdiag")
PATHS = ("polar", "chunks", "loop")


def measure(rounds: int, steps: int, lengths: list[int], hidden: int, batch: int = 32) -> dict:
    torch.set_num_threads(1)
    task = make_task("word", group="S3")
    built = []
    for level in LEVELS:
        for L in lengths:
            data = task.sample(batch, L, 0)
            tokens, labels = torch.as_tensor(data.tokens), torch.as_tensor(data.labels)
            for path in PATHS:
                model = make_model(ModelConfig(level, hidden=hidden, layers=2), task.vocab_size, task.num_classes,
                                   seed=0).train()
                built.append((level, L, path, model, torch.optim.Adam(model.parameters(), lr=1e-3), tokens, labels))
    times: dict[tuple, list[float]] = {(level, L, ref): [] for level, L, ref, *_ in built}
    for r in range(rounds + 1):                      # round 0 warms up
        # each round starts at another contender, and the garbage of the one before is collected outside the
        # timing: measured without either, the contender right after a 1024-step loop ran up to 3x slower
        for level, L, path, model, opt, tokens, labels in built[r % len(built):] + built[:r % len(built)]:
            gc.collect()
            t0 = time.process_time()
            for _ in range(steps):
                logits = model(tokens, path=path)
                loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            if r:
                times[(level, L, path)].append(time.process_time() - t0)
    return {"times": times, "rounds": rounds, "steps": steps, "lengths": lengths, "hidden": hidden, "batch": batch}


def markdown(result: dict) -> str:
    times = result["times"]
    lines = [f"Training steps (forward, cross-entropy at every step, backward, Adam) of 2-layer stacks at H = "
             f"{result['hidden']} (float32, decoders of width 2H), batch {result['batch']}, S3 word problem, one thread; "
             f"{result['rounds']} interleaved rounds of {result['steps']} steps, CPU time; medians (min–max) over rounds.",
             "", "| level | length | loop / polar | loop / chunks | polar, tokens/s | chunks, tokens/s | loop, tokens/s |",
             "|---|---|---|---|---|---|---|"]
    for level in LEVELS:
        for L in result["lengths"]:
            t = {p: times[(level, L, p)] for p in PATHS}
            tokens = result["batch"] * L * result["steps"]
            cells = []
            for p in ("polar", "chunks"):
                ratio = [b / a for a, b in zip(t[p], t["loop"])]
                cells.append(f"{statistics.median(ratio):.1f} ({min(ratio):.1f}–{max(ratio):.1f})")
            cells += [f"{tokens / statistics.median(t[p]):,.0f}" for p in PATHS]
            lines.append(f"| {level} | {L} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--lengths", default="32,256")
    p.add_argument("--hidden", type=int, default=8)
    p.add_argument("--out", help="write the markdown table here")
    args = p.parse_args(argv)
    text = markdown(measure(args.rounds, args.steps, [int(v) for v in args.lengths.split(",")], args.hidden))
    if args.out:
        write_text_atomically(args.out, text)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
