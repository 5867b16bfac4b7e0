"""``bilinear construct (GROUP | --automaton FILE.json) --level LEVEL --out FILE.npz``."""

from __future__ import annotations

import json

from constructions.build import LEVELS, build
from theory.automaton import Automaton
from theory.errors import InputError
from theory.group_parser import GROUP_SYNTAX, parse_group

from .common import add_group_source, add_json, check_output_file, group_source, positive_int


def add_parser(sub):
    p = sub.add_parser(
        "construct", help="exact bilinear weights for a group or automaton",
        description=f"Build closed-form weights that track a group (GROUP is {GROUP_SYNTAX}) or an automaton "
                    "exactly, at a level of the hierarchy, and write them as a weight file (.npz).")
    add_group_source(p)                        # GROUP or --group GROUP, or --automaton FILE.json; --max-order
    p.add_argument("--level", required=True, choices=LEVELS,
                   help="full = smallest faithful real representation (groups) or one-hot minimised states "
                        "(automata); regular; permutation; block; cdiag; rot; rdiag; pdiag; cp")
    p.add_argument("--block", type=positive_int, help="block size for --level block (default: the smallest that works)")
    p.add_argument("--alphabet", default="generators", choices=("generators", "all"),
                   help="the symbols: the group's generators in their given order (default) or all elements")
    p.add_argument("--keep-states", action="store_true", help="automata: do not minimise (keep the reachable part)")
    p.add_argument("--out", required=True, help="the weight file to write (.npz; missing folders are created)")
    add_json(p, "a summary")
    p.set_defaults(run=run)


def run(args) -> int:
    group, automaton = group_source(args)
    check_output_file("--out", args.out, ".npz")
    if automaton is not None:
        if args.alphabet != "generators":
            raise InputError("--alphabet applies to groups only")
        target = Automaton.from_json(automaton)
    else:
        if args.keep_states:
            raise InputError("--keep-states applies to automata only")
        target = parse_group(group, max_order=args.max_order)
    c = build(target, args.level, block=args.block, alphabet=args.alphabet, minimize=not args.keep_states)
    c.save(args.out)
    summary = {"out": args.out, "level": c.level, "hidden_size": c.hidden_size, "symbols": len(c.alphabet),
               "labels": len(c.labels), "exact": c.exact, "field": c.field_name,
               "info": {k: v for k, v in c.info.items() if k != "cp"}}
    if "cp" in c.info:
        summary["info"]["cp_rank"] = c.info["cp"]["rank"]
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        extra = f", block size {c.info['block']} (blocks {c.info['blocks']})" if c.level == "block" and "blocks" in c.info else ""
        if "cp" in c.info:
            extra += f", CP rank {c.info['cp']['rank']}"
        print(f"wrote {args.out}: level {c.level}, hidden size {c.hidden_size}{extra}, {len(c.alphabet)} symbols, "
              f"{len(c.labels)} labels, {'exact over ' + summary['field'] if c.exact else 'numeric (float64)'}")
    return 0
