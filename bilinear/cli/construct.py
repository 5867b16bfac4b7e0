"""``bilinear construct (GROUP | --automaton FILE.json) --level LEVEL [--method METHOD] --out FILE.npz``."""

from __future__ import annotations

import json

from bilinear.constructions.build import AUTOMATON_BUILDERS, GROUP_BUILDERS, LEVELS, build
from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import expected
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.groups.parser import GROUP_SYNTAX, parse_group
from bilinear.theory.hierarchy.levels import check_level_name

from bilinear.cli.common import add_group_source, add_json, check_output_file, group_source, positive_int, output_path


def add_parser(sub):
    p = sub.add_parser(
        "construct", help="exact bilinear weights for a group or automaton",
        description=f"Build closed-form weights that track a group (GROUP is {GROUP_SYNTAX}) or an automaton "
                    "exactly, at a level of the hierarchy, and write them as a weight file (.npz).")
    add_group_source(p)                        # GROUP or --group GROUP, or --automaton FILE.json; --max-order, --max-degree
    p.add_argument("--level", required=True, metavar="LEVEL",
                   help=f"one of {', '.join(LEVELS)} (weakest first; docs/design.md §4)")
    group_methods = "; ".join(f"{lv}: {', '.join(m)}" for lv, m in GROUP_BUILDERS.items() if len(m) > 1)
    p.add_argument("--method", metavar="METHOD",
                   help=f"how to build the level (default: its first method). Groups: {group_methods} "
                        "(representation = smallest faithful real representation, regular = |G|, permutation = a "
                        f"faithful action); automata: {', '.join(AUTOMATON_BUILDERS)} by one-hot states")
    p.add_argument("--block", type=positive_int, help="block size for --level block (default: the smallest that works)")
    p.add_argument("--householders", type=positive_int,
                   help="--level house: the number n_h of Householder factors per symbol (default: the least at the "
                        "least hidden size; given, the least hidden size at which n_h factors suffice)")
    p.add_argument("--modern-max-order", type=positive_int,
                   help="--level mono: raise the subgroup-enumeration limit (default order 120)")
    p.add_argument("--house-max-sets", type=positive_int,
                   help="--level house: raise the bound on the sets the faithful-set search may examine, checked "
                        "before it starts (default 500000)")
    p.add_argument("--alphabet", default="generators",
                   help="the symbols: 'generators' (the group's generators in their given order, the default), 'all' "
                        "(every element) or element names separated by ';' (e.g. '(1,2);(1,2,3)')")
    p.add_argument("--layers", type=_layers, metavar="auto|K",
                   help="a cascade of the diagonal level (pdiag, rdiag, rot, cdiag): 'auto' builds the least number of "
                        "layers (the depth column of analyze); K refuses (exit 1) a group that needs more than K. "
                        "Writes the cascade file format (docs/design.md §7)")
    p.add_argument("--keep-states", action="store_true", help="automata: do not minimise (keep the reachable part)")
    p.add_argument("--out", type=output_path, required=True, help="the weight file to write (.npz; missing folders are created)")
    add_json(p, "a summary")
    p.set_defaults(run=run)


def _layers(text: str):
    """``auto`` or a positive integer (the argument of ``--layers``)."""
    return "auto" if text == "auto" else positive_int(text)


def _run_cascade(args, target) -> int:
    """``--layers``: build, write and summarise the cascade (:mod:`bilinear.constructions.cascade`)."""
    from bilinear.constructions.cascade import cascade_construction
    from bilinear.constructions.cascade_file import save_cascade
    from bilinear.constructions.construction import GroupTarget
    for flag in ("block", "method", "householders", "modern_max_order", "house_max_sets"):
        if getattr(args, flag) is not None:
            raise expected("--layers", f"no --{flag.replace('_', '-')} (a cascade's layers are the level's "
                                       "one-layer constructions)", "--" + flag.replace("_", "-"))
    c = cascade_construction(GroupTarget.resolve(target, args.alphabet), args.level,
                             None if args.layers == "auto" else args.layers)
    save_cascade(args.out, c)
    summary = dict(out=args.out, **c.summary())
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"wrote {args.out}: cascade of {len(c.layers)} {c.level} layer(s), hidden sizes {list(c.hidden_sizes)}, "
              f"{len(c.target.alphabet)} symbols, {len(c.labels)} labels; series of orders {list(c.series.orders)} "
              f"with factors {[list(f) for f in c.series.factor_invariants]}")
    return 0


def run(args) -> int:
    check_level_name(args.level)
    group, automaton = group_source(args)
    check_output_file("--out", args.out, ".npz", inputs=(automaton,) if automaton else ())
    if automaton is not None:
        if args.alphabet != "generators":
            raise expected("--alphabet", "a GROUP (an automaton has its own alphabet)", f"--automaton {automaton}")
        target: Automaton | FiniteGroup = Automaton.from_json(automaton)
    else:
        if args.keep_states:
            raise expected("--keep-states", "--automaton FILE.json (a group has no states to keep)", group)
        assert group is not None                # group_source(required=True): a group or an automaton
        target = parse_group(group, max_order=args.max_order, max_degree=args.max_degree)
    alphabet = args.alphabet
    if isinstance(target, FiniteGroup) and alphabet not in ("generators", "all"):
        from bilinear.theory.groups.parser import parse_elements
        alphabet = list(parse_elements(target, alphabet, "--alphabet"))
    if args.layers is not None:
        if not isinstance(target, FiniteGroup):
            raise expected("--layers", "a GROUP (cascades are built for groups)", f"--automaton {automaton}")
        args.alphabet = alphabet
        return _run_cascade(args, target)
    c = build(target, args.level, block=args.block, alphabet=alphabet, minimize=not args.keep_states,
              method=args.method, householders=args.householders, modern_max_order=args.modern_max_order,
              house_max_sets=args.house_max_sets)
    c.save(args.out)
    summary = dict(out=args.out, **c.summary())
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        extra = f", block size {c.block} (blocks {[list(b) for b in c.blocks]})" if c.block is not None else ""
        if c.rank is not None:
            extra += f", CP rank {c.rank}"
        if c.house is not None:
            extra += f", {c.house.householders} Householder factor(s) per symbol"
        print(f"wrote {args.out}: level {c.level} (method {c.method}), hidden size {c.hidden_size}{extra}, "
              f"{len(c.alphabet)} symbols, {len(c.labels)} labels, "
              f"{'exact over ' + c.field_name if c.exact else 'numeric (float64)'}")
    return 0
