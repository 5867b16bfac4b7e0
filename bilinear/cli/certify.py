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
    from bilinear.constructions.cascade_file import is_cascade_file
    if not args.file.endswith(".pt") and is_cascade_file(args.file):
        return _run_cascade(args)
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


def _run_cascade(args) -> int:
    """A cascade file (:mod:`bilinear.constructions.cascade_file`): every layer's certificate and the decoders'."""
    from bilinear.constructions.cascade_file import certify_cascade_file
    try:
        cert = certify_cascade_file(args.file)
    except MathematicalError as e:
        if args.json:
            print(json.dumps({"certified": False, "reason": str(e)}))
        print(f"bilinear certify: not certified: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(cert.to_json(), indent=2))
    else:
        fields = ", ".join(c.field for c in cert.layer_certificates)
        print(f"certified (exact cascade): {cert.layers} {cert.level} layer(s), hidden sizes {list(cert.hidden_sizes)} "
              f"(fields {fields}), {cert.num_symbols} symbols, {cert.num_labels} labels, {cert.product_states} "
              f"(element, layer states) pairs checked, decoders: "
              f"{'exact ReLU MLPs (= the lookup tables)' if cert.decoders == 'mlp' else 'lookup tables'} ({cert.seconds:.2f} s)")
    return 0
