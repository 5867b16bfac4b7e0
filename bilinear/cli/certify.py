"""``bilinear certify FILE.npz [--json]``: re-derive and check a construction from its file alone."""

from __future__ import annotations

import json
import math
import sys

from bilinear.constructions.certificate import certify_file, certify_weights
from bilinear.theory.errors import MathematicalError

from bilinear.cli.common import add_group_limits, add_json, positive_int


def add_parser(sub):
    p = sub.add_parser("certify", help="check a weight file's exactness certificate",
                       description="Rebuild the reference object from the file, check that the stored floats are "
                                   "the exact weights, check the level's structure and run the one-step "
                                   "certificate. Exit 0 only if certified (1 if the certificate fails).")
    p.add_argument("file", metavar="FILE", help="a weight file (.npz) or a bilinear train checkpoint (.pt)")
    add_json(p, "the certificate")
    add_group_limits(p)                        # the file's group: --max-order, --max-degree
    p.add_argument("--min-length", type=positive_int, default=10 ** 6,
                   help="numeric constructions: the decoding guarantee required (default 10^6 steps)")
    p.set_defaults(run=run)


def _clean(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in d.items()}


def run(args) -> int:
    try:
        if args.file.endswith(".pt"):       # a training checkpoint: certify the learned weights
            from bilinear.verify.recover.snap import weights_input
            cert = certify_weights(weights_input(args.file), min_length=args.min_length)
        else:
            cert = certify_file(args.file, min_length=args.min_length)
    except MathematicalError as e:
        if args.json:
            print(json.dumps({"certified": False, "reason": str(e)}))
        print(f"bilinear certify: not certified: {e}", file=sys.stderr)
        return 1
    info = _clean(cert.to_json())
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        extra = "" if cert.exact else f", residual {cert.residual:.2e}, guaranteed up to length {cert.guaranteed_length}"
        margin = "none needed (one label)" if info["margin"] is None else (cert.margin_exact or f"{cert.margin:.6g}")
        print(f"certified ({cert.method}, field {cert.field}): level {cert.level} [{cert.structure}], "
              f"hidden size {cert.hidden_size}, {cert.num_symbols} symbols, {cert.num_states} reachable states, "
              f"margin {margin}{extra} ({cert.seconds:.2f} s)")
    return 0
