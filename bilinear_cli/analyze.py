"""``bilinear analyze GROUP [--json]``: the invariants of a finite group."""

from __future__ import annotations

import json

from theory.group_parser import GROUP_SYNTAX, parse_group

from .common import positive_int


def add_parser(sub):
    p = sub.add_parser("analyze", help="invariants of a finite group",
                       description=f"Analyse a finite group. GROUP is {GROUP_SYNTAX}.")
    p.add_argument("group", metavar="GROUP", help="e.g. S5, A4xZ5, GL(3,2), 'perm:(1,2,3);(1,2)'")
    p.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    p.add_argument("--max-order", type=positive_int, default=None,
                   help="refuse groups above this order (default 100000)")
    p.set_defaults(run=run)


def analysis(group) -> dict:
    """The dictionary printed by ``analyze --json``."""
    return group.summary()


def run(args) -> int:
    group = parse_group(args.group, max_order=args.max_order)
    info = analysis(group)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"group {info['group']}: order {info['order']}, {info['num_classes']} conjugacy classes, "
          f"exponent {info['exponent']}, {'abelian' if info['is_abelian'] else 'non-abelian'}")
    inv = info["abelian_invariants"]
    print(f"abelianisation G/[G,G]: {' x '.join(f'Z{d}' for d in inv) if inv else 'trivial'}")
    print(f"{'class':>5}  {'size':>6}  {'order':>5}  representative")
    for i, (s, o, r) in enumerate(zip(info["class_sizes"], info["class_orders"], info["class_representatives"])):
        print(f"{i:>5}  {s:>6}  {o:>5}  {r}")
    return 0
