"""``bilinear analyze GROUP [--json]``: the invariants of a finite group, its character table and
where it sits in the hierarchy, one row per level (docs/design.md §4, §11); the report is built by
:mod:`theory.analysis`."""

from __future__ import annotations

import json

from theory.group_parser import GROUP_SYNTAX, parse_group

from .common import add_group_source, add_json, group_source


def add_parser(sub):
    p = sub.add_parser("analyze", help="invariants, character table and hierarchy level of a finite group",
                       description=f"Analyse a finite group. GROUP is {GROUP_SYNTAX}.")
    add_group_source(p, automaton=False, max_degree=True)   # GROUP or --group GROUP, --max-order, --max-degree
    add_json(p, "a JSON object instead of text")
    p.set_defaults(run=run)


def run(args) -> int:
    from theory.analysis import analysis, analysis_lines  # the representation theory loads sympy:
    group = parse_group(group_source(args)[0], max_order=args.max_order, max_degree=args.max_degree)  # import it when needed
    info = analysis(group)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print("\n".join(analysis_lines(group, info)))
    return 0
