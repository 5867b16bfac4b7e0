"""``bilinear simulate FILE.npz``: run a construction in torch against its reference object."""

from __future__ import annotations

import argparse
import json
import sys

from bilinear.cli.common import add_group_limits, add_json, add_max_tokens, positive_int, seed

DTYPES = ("float32", "float64")


def add_parser(sub):
    p = sub.add_parser("simulate", help="simulate a weight file in torch and compare with its reference",
                       description="Accuracy on random words, and optionally the exactness horizon: the first "
                                   "length at which float decoding fails (searched up to --max-length).")
    p.add_argument("file", metavar="FILE", help="a weight file (.npz) or a bilinear train checkpoint (.pt)")
    p.add_argument("--n", type=positive_int, default=1000, help="random words (default 1000)")
    p.add_argument("--length", type=positive_int, default=1000, help="word length (default 1000)")
    p.add_argument("--seed", type=seed, default=0, help="seed of the random words (default 0)")
    p.add_argument("--dtype", choices=DTYPES, default="float64")
    p.add_argument("--no-normalise", action="store_true", help="do not renormalise the state after each step")
    p.add_argument("--no-normalize", dest="no_normalise", action="store_true", help=argparse.SUPPRESS)  # alias
    p.add_argument("--horizon", action="store_true", help="also search the exactness horizon")
    p.add_argument("--max-length", type=positive_int, default=10 ** 6, help="horizon search bound (default 10^6)")
    add_max_tokens(p)
    add_json(p, "the accuracy (and horizon)")
    add_group_limits(p)                        # the file's group: --max-order, --max-degree
    p.set_defaults(run=run)


def run(args) -> int:
    import torch  # imported here: torch is slow to import and only this command needs it

    from bilinear.verify.recover.snap import weights_input
    from bilinear.verify.experiments.simulate import check_simulation_size, exactness_horizon, simulate_accuracy
    from bilinear.constructions.cascade_file import is_cascade_file
    check_simulation_size(args.n, args.length, args.max_tokens)      # before a checkpoint is read
    dtype = getattr(torch, args.dtype)
    if isinstance(args.file, str) and args.file.endswith(".npz") and is_cascade_file(args.file):
        return _run_cascade(args, dtype)
    args.file = weights_input(args.file)      # a training checkpoint (.pt) becomes its weight file

    def steps(t, total):
        print(f"  simulate: step {t} of {total}", file=sys.stderr, flush=True)
    res = {"accuracy": simulate_accuracy(args.file, n=args.n, length=args.length, seed=args.seed, dtype=dtype,
                                         normalize=not args.no_normalise, max_tokens=args.max_tokens,
                                         progress=steps)}
    if args.horizon:
        def progress(done):
            print(f"  horizon search: {done} steps without error", file=sys.stderr)
        res["horizon"] = exactness_horizon(args.file, dtype=dtype, max_length=args.max_length, seed=args.seed,
                                           normalize=not args.no_normalise, progress=progress)
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        a = res["accuracy"]
        print(f"{a['n']} words of length {a['length']} ({a['dtype']}): per-token accuracy {a['per_token']:.6f}, "
              f"final-label accuracy {a['final']:.6f}")
        if args.horizon:
            h = res["horizon"]
            print(f"exactness horizon ({h['dtype']}): " +
                  (f"first failure at length {h['horizon']}" if h["horizon"] else f"no failure up to {h['searched']}"))
    return 0


def _run_cascade(args, dtype) -> int:
    """A cascade file: every layer in torch, decoded between layers (:mod:`bilinear.verify.experiments.cascade`)."""
    from bilinear.theory.errors import expected
    from bilinear.verify.experiments.cascade import simulate_cascade
    if args.horizon:
        raise expected("--horizon", "a one-layer weight file (not searched for cascades)", args.file)
    a = simulate_cascade(args.file, n=args.n, length=args.length, seed=args.seed, dtype=dtype,
                         normalize=not args.no_normalise)
    if args.json:
        print(json.dumps({"accuracy": a}, indent=2))
    else:
        print(f"{a['n']} words of length {a['length']} ({a['dtype']}, cascade of {a['layers']} layers): per-token "
              f"accuracy {a['per_token']:.6f}, final-label accuracy {a['final']:.6f}")
    return 0
