"""``bilinear export CHECKPOINT --out FILE.npz``: a training checkpoint as a weight file;
``bilinear export WEIGHTS.npz --to fla --out LAYER.pt``: a HOUSE construction as one fla layer."""

from __future__ import annotations

import json
import os

from bilinear.theory.errors import InputError

from bilinear.cli.common import add_group_limits, add_json, check_output_file, output_path, number


def add_parser(sub):
    p = sub.add_parser("export", help="write a bilinear train checkpoint as a weight file",
                       description="The selected (best-validation) model of a checkpoint as a numeric weight "
                                   "file (level full) with its group or target machine as meta.source, so that "
                                   "bilinear certify and simulate can check it.")
    p.add_argument("checkpoint", metavar="CHECKPOINT.pt",
                   help="a training checkpoint; with --to fla, a weight file of level house")
    p.add_argument("--to", choices=["weights", "fla"], default="weights",
                   help="weights: a numeric weight file (default); fla: the weights of one fla GatedDeltaProduct "
                        "layer (.pt: config, state_dict, embedding, initial_state), beta = 2 - eps, its float32 "
                        "horizon measured and stated (docs/bring_your_own_model.md)")
    p.add_argument("--eps", type=number(minimum=0, maximum=1, open_min=True, open_max=True), default=1e-3, help="--to fla: beta = 2 - eps for reflections (default 1e-3)")
    p.add_argument("--out", type=output_path, required=True, metavar="FILE.npz", help="the weight file to write (missing folders are created)")
    add_json(p, "a summary")
    add_group_limits(p)                        # the checkpoint's group: --max-order, --max-degree
    p.set_defaults(run=run)


def _to_fla(args) -> int:
    import torch

    from bilinear.constructions.weightfile import load_weights
    from bilinear.verify.recover.adapters.fla_export import house_to_fla
    check_output_file("--out", args.out, ".pt", inputs=(args.checkpoint,))
    out = house_to_fla(load_weights(args.checkpoint), eps=args.eps)
    tensors = {"config": out["config"], "state_dict": {k: torch.as_tensor(v) for k, v in out["state_dict"].items()},
               "embedding": torch.as_tensor(out["embedding"]), "initial_state": torch.as_tensor(out["initial_state"]),
               "meta": {k: v for k, v in out["meta"].items() if k != "source"}}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.save(tensors, args.out)
    hz = out["meta"]["horizon"]
    said = (f"tracks to length {hz['searched']} without a float32 failure" if hz["horizon"] is None
            else f"float32 horizon {hz['horizon']}")
    print(json.dumps({"out": args.out, "eps": args.eps, **hz}) if args.json else
          f"wrote {args.out}: fla GatedDeltaProduct, H={out['config']['head_dim']}, n_h={out['config']['num_householder']}, "
          f"beta = 2 - {args.eps:g}: {said}")
    return 0


def run(args) -> int:
    if args.to == "fla":
        return _to_fla(args)
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
