"""``bilinear analyze GROUP [--json]``: the invariants of a finite group, its character table and
where it sits in the hierarchy, one row per level (docs/design.md §4, §11); the report is built by
:mod:`bilinear.theory.hierarchy.analysis`."""

from __future__ import annotations

from bilinear.theory.groups.parser import GROUP_SYNTAX, parse_group

from bilinear.theory.errors import expected
from bilinear.theory.groups.subgroups import DEFAULT_MAX_ORDER as MODERN_MAX_ORDER, HOUSE_MAX_SETS

from bilinear.cli.common import add_group_source, add_json, group_source, json_text, positive_int


def add_parser(sub):
    p = sub.add_parser("analyze", help="invariants, character table and hierarchy level of a finite group",
                       description=f"Analyse a finite group. GROUP is {GROUP_SYNTAX}.")
    add_group_source(p)                        # GROUP or --group GROUP or --automaton FILE.json; --max-order, --max-degree
    p.add_argument("--alphabet", default="all",
                   help="the symbols of the house row: 'all' (every element, the default), 'generators', or element "
                        "names separated by ';' (e.g. '(1,2);(1,2,3)'); they must generate the group")
    p.add_argument("--modern-max-order", type=positive_int, default=None,
                   help=f"compute the house and mono rows up to this order (default {MODERN_MAX_ORDER}; mono "
                        "enumerates every subgroup)")
    p.add_argument("--house-max-sets", type=positive_int, default=None,
                   help=f"the most candidate sets the house row's faithful-set search may examine (default "
                        f"{HOUSE_MAX_SETS}); a search whose bound, known before it starts, is larger is refused")
    add_json(p, "a JSON object instead of text")
    p.set_defaults(run=run)


def run(args) -> int:
    from bilinear.theory.hierarchy.analysis import analysis, analysis_lines  # the representation theory loads sympy:
    spec, automaton = group_source(args)                                     # import it when needed
    if automaton is not None:
        return _run_automaton(args, automaton)
    assert spec is not None                     # required: a group or an automaton
    group = parse_group(spec, max_order=args.max_order, max_degree=args.max_degree)
    from bilinear.theory.groups.parser import parse_elements
    alphabet = parse_elements(group, args.alphabet, "--alphabet")
    if len(group.closure(alphabet)) != group.order:
        raise expected("--alphabet", f"elements that generate {group.name}", args.alphabet)
    info = analysis(group, alphabet, args.modern_max_order, args.house_max_sets)
    if args.json:
        print(json_text(info))                 # long lists by the C encoder (10^5 characters)
        return 0
    print("\n".join(analysis_lines(group, info)))
    return 0


def _run_automaton(args, path: str) -> int:
    """``--automaton``: the depth of every level (theory/hierarchy/automaton_depth.py); the character table
    and hidden sizes are for groups."""
    from bilinear.theory.automata.automaton import Automaton
    from bilinear.theory.hierarchy.automaton_depth import automaton_depth_report, automaton_depths
    if args.alphabet != "all" or args.modern_max_order is not None or args.house_max_sets is not None:
        raise expected("--automaton", "no --alphabet, --modern-max-order or --house-max-sets (group options)", path)
    A = Automaton.from_json(path)
    info = automaton_depth_report(A)
    if args.json:
        print(json_text(info))
        return 0
    m = info["transition_monoid"]
    print(f"automaton {info['automaton']}: {info['states']} states (minimal machine), {info['symbols']} symbols; "
          f"transition monoid of {m['size']} elements ({'a group' if m['is_group'] else 'not a group'}"
          f"{', aperiodic' if m['is_aperiodic'] else ''}{', commutative' if m['is_commutative'] else ''})")
    print("levels (depth = the least number of layers whose cascade tracks the machine; ∞ none; ? not determined):")
    for r in automaton_depths(A):
        print(f"{r.level:<6} {r.cell:>5}  {r.reason}")
    return 0
