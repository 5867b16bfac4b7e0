"""``bilinear export CHECKPOINT --out FILE.npz``: a training checkpoint as a weight file."""

from __future__ import annotations

import json
import os

from bilinear.theory.errors import InputError

from bilinear.cli.common import add_group_limits, add_json, check_output_file, output_path


def add_parser(sub):
    p = sub.add_parser("export", help="write a bilinear train checkpoint as a weight file",
                       description="The selected (best-validation) model of a checkpoint as a numeric weight "
                                   "file (level full) with its group or target machine as meta.source, so that "
                                   "bilinear certify and simulate can check it.")
    p.add_argument("checkpoint", metavar="CHECKPOINT.pt")
    p.add_argument("--out", type=output_path, required=True, metavar="FILE.npz", help="the weight file to write (missing folders are created)")
    add_json(p, "a summary")
    add_group_limits(p)                        # the checkpoint's group: --max-order, --max-degree
    p.set_defaults(run=run)


def run(args) -> int:
    from bilinear.constructions.source import source_kind
    from bilinear.constructions.weightfile import save_weights
    from bilinear.verify.recover.snap import learned_weight_file
    from bilinear.verify.recover.source import load_learned
    check_output_file("--out", args.out, ".npz", inputs=(args.checkpoint,))   # missing folders are created on writing
    model = load_learned(args.checkpoint)
    if model.kind != "checkpoint":
        raise InputError(f"CHECKPOINT: expected a bilinear train checkpoint (.pt), got {args.checkpoint!r}")
    wf = learned_weight_file(model, {"checkpoint": os.path.basename(args.checkpoint), **model.info})
    save_weights(args.out, wf)
    info = {"out": args.out, "hidden": wf.hidden_size, "symbols": wf.shape[2], "labels": len(wf.labels),
            "source": source_kind(wf.meta["source"])}
    print(json.dumps(info) if args.json else f"wrote {args.out} (H={wf.hidden_size}, {wf.shape[2]} symbols, "
                                             f"{info['source']} source)")
    return 0
