"""``bilinear export CHECKPOINT --out FILE.npz``: a training checkpoint as a weight file."""

from __future__ import annotations

import json
import os

from theory.errors import InputError


def add_parser(sub):
    p = sub.add_parser("export", help="write a bilinear train checkpoint as a weight file",
                       description="The selected (best-validation) model of a checkpoint as a numeric weight "
                                   "file (level full) with its group or target machine as meta.source, so that "
                                   "bilinear certify and simulate can check it.")
    p.add_argument("checkpoint", metavar="CHECKPOINT.pt")
    p.add_argument("--out", required=True, metavar="FILE.npz")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run)


def run(args) -> int:
    from constructions.weightfile import save_weights
    from verify.recover.snap import learned_weight_file
    from verify.recover.source import load_learned
    if not args.out.endswith(".npz"):
        raise InputError(f"--out: expected a path ending in .npz, got {args.out!r}")
    parent = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(parent):
        raise InputError(f"--out: directory {parent} does not exist")
    model = load_learned(args.checkpoint)
    if model.kind != "checkpoint":
        raise InputError(f"{args.checkpoint}: expected a bilinear train checkpoint (.pt)")
    wf = learned_weight_file(model, {"checkpoint": os.path.basename(args.checkpoint), **model.info})
    save_weights(args.out, wf)
    info = {"out": args.out, "hidden": wf.hidden_size, "symbols": wf.shape[2], "labels": len(wf.labels),
            "source": wf.meta["source"]["kind"]}
    print(json.dumps(info) if args.json else f"wrote {args.out} (H={wf.hidden_size}, {wf.shape[2]} symbols, "
                                             f"{info['source']} source)")
    return 0
