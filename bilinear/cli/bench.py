"""``bilinear bench``: speed of the bilinear models as ratios measured side by side.

    bilinear bench --quick
    bilinear bench --json --out docs/results_speed.md

Training tokens/s of every bilinear level against ``nn.LSTM`` (same H, D, batch, threads) and
evaluation tokens/s of the scan against the step loop at T = 100, 1000, 10000 (``--quick``: fewer
rounds, T = 100, 1000); interleaved rounds, medians and spread; peak memory.  ``--out FILE``
writes the markdown report; ``--json`` prints the measurements as JSON on standard output.
Progress goes to standard error.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time

from bilinear.theory.errors import InputError
from bilinear.theory.files import write_text_atomically
from bilinear.theory.hierarchy.levels import CLASSICAL_LEVEL_NAMES, MODERN_LEVEL_NAMES

from bilinear.cli.common import (add_json, add_max_memory, add_threads, check_output_file, output_path,
                                  parse_name_list, positive_int)

# strongest classical level first, then the modern ones, from the one list of levels
LEVELS = tuple(reversed(CLASSICAL_LEVEL_NAMES)) + MODERN_LEVEL_NAMES


def add_parser(sub):
    p = sub.add_parser("bench", help="speed: training vs LSTM, scan vs step loop",
                       description="Measure training tokens/s of each bilinear level against nn.LSTM and "
                                   "evaluation tokens/s of the scan against the step loop, side by side "
                                   "(interleaved rounds, medians, spread), with peak memory.")
    p.add_argument("--quick", action="store_true", help="fewer rounds, lengths 100 and 1000 only")
    add_json(p, "the measurements")
    p.add_argument("--out", type=output_path, help="write the markdown report here (e.g. docs/results_speed.md)")
    p.add_argument("--levels", help=f"comma-separated bilinear levels (default {','.join(LEVELS)})")
    p.add_argument("--hidden", type=positive_int, default=64, help="hidden size H (default 64)")
    add_threads(p)
    add_max_memory(p)
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    p.set_defaults(run=run)


def run(args) -> int:
    levels = tuple(parse_name_list(args.levels or ",".join(LEVELS), "--levels"))
    bad = [lv for lv in levels if lv not in LEVELS]
    if bad:
        raise InputError(f"--levels: expected names among {', '.join(LEVELS)}, got {args.levels!r}")
    if args.out:
        check_output_file("--out", args.out, ".md")
    from bilinear.verify.kernels import blas, native
    from bilinear.verify.experiments.bench import (check_bench_memory, evaluation_speed, goal_report, markdown,
                                                   training_speed)
    from bilinear.verify.device import resolve_device, set_threads

    device = resolve_device(args.device)
    set_threads(args.threads)
    say = (lambda msg: print(msg, file=sys.stderr, flush=True))
    rounds = 3 if args.quick else 7
    lengths = (100, 1000) if args.quick else (100, 1000, 10000)
    check_bench_memory(levels, hidden=args.hidden, lengths=lengths)       # before any model is built
    say(f"bench: recurrence {native.status()}")
    say(f"bench: training, {len(levels)} levels and lstm, {rounds} rounds")
    train = training_speed(levels, hidden=args.hidden, rounds=rounds, steps=10 if args.quick else 20, device=device)
    say(f"bench: evaluation at T = {', '.join(map(str, lengths))}")
    evaluation = evaluation_speed(levels, lengths=lengths, hidden=args.hidden, rounds=2 if args.quick else 3,
                                  device=device)
    goals = goal_report(train, evaluation)
    meta = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load average "
                       f"{os.getloadavg()[0]:.1f} at the end", "quick": bool(args.quick),
            "recurrence": native.status(), "blas": blas.status()}
    result = {"training": train, "evaluation": evaluation, "goals": goals, "meta": meta}
    if args.out:
        write_text_atomically(args.out, markdown(train, evaluation, goals, meta))
        say(f"wrote {args.out}")
    if args.json:
        sys.stdout.write(json.dumps(result, indent=1) + "\n")
    elif not args.out:
        sys.stdout.write(markdown(train, evaluation, goals, meta))
    return 0
