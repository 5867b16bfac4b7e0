"""``bilinear analyze GROUP [--json]``: the invariants of a finite group, its character table and
where it sits in the hierarchy (docs/design.md §4, §11)."""

from __future__ import annotations

import json

from theory.group_parser import GROUP_SYNTAX, parse_group

from .common import add_group_source, add_json, group_source


def add_parser(sub):
    p = sub.add_parser("analyze", help="invariants, character table and hierarchy level of a finite group",
                       description=f"Analyse a finite group. GROUP is {GROUP_SYNTAX}.")
    add_group_source(p, automaton=False)       # GROUP or --group GROUP, --max-order
    add_json(p, "a JSON object instead of text")
    p.set_defaults(run=run)


def analysis(group) -> dict:
    """The dictionary printed by ``analyze --json``: ``group.summary()`` plus

    ``irreps``: one entry per complex irreducible character, in the table's order:
    ``{degree, indicator, real_dim, faithful, kernel_order}`` where ``real_dim`` is the dimension
    of the real irreducible it belongs to (``degree`` for real type, ``2 degree`` otherwise);
    ``real_irreps``: ``{real_dim, type, constituents, kernel_order, faithful}`` per real irreducible;
    ``min_block_real``, ``min_block_complex``, ``min_faithful_dim_real``,
    ``min_faithful_dim_complex`` (with the attaining sets as indices into ``real_irreps`` /
    ``irreps``), ``lowest_level``, ``lowest_level_block`` (null unless ``block_diagonal``),
    ``lowest_level_hidden_size``, ``character_table_certificate`` (how the exact certificate
    checked orthogonality, and whether the rows were checked to be central characters).
    """
    from theory.characters import character_table      # the representation theory loads sympy:
    from theory.hierarchy_level import hierarchy_level  # import it when a command needs it
    from theory.real_irreps import real_irreducibles
    info = group.summary()
    T = character_table(group)
    irr = real_irreducibles(T)
    real_dim_of = {i: r.real_dim for r in irr for i in r.constituents}
    L = hierarchy_level(T)
    info["irreps"] = [{"degree": int(d), "indicator": int(T.indicators[i]), "real_dim": int(real_dim_of[i]),
                       "faithful": bool(T.kernel_order(i) == 1), "kernel_order": int(T.kernel_order(i))}
                      for i, d in enumerate(T.degrees)]
    info["real_irreps"] = [{"real_dim": r.real_dim, "type": r.type, "constituents": list(r.constituents),
                            "kernel_order": r.kernel_order, "faithful": r.faithful} for r in irr]
    info.update({
        "min_block_real": L.min_block_real, "min_block_real_irreps": list(L.min_block_real_irreps),
        "min_block_complex": L.min_block_complex,
        "min_block_complex_characters": list(L.min_block_complex_characters),
        "min_faithful_dim_real": L.min_faithful_dim_real,
        "min_faithful_real_irreps": list(L.min_faithful_real_irreps),
        "min_faithful_dim_complex": L.min_faithful_dim_complex,
        "min_faithful_complex_characters": list(L.min_faithful_complex_characters),
        "lowest_level": L.lowest_level, "lowest_level_block": L.lowest_level_block,
        "lowest_level_hidden_size": L.lowest_level_hidden_size,
        "lowest_level_irreps": list(L.lowest_level_irreps),
        "character_table_certificate": {"orthogonality": T.certificate.orthogonality_method,
                                        "central_characters": T.certificate.central_characters},
    })
    return info


def _classification_lines(info: dict) -> list[str]:
    irr = info["real_irreps"]

    def dims(idx):
        return " + ".join(str(irr[i]["real_dim"]) for i in idx) or "0"

    level = info["lowest_level"]
    if level == "block_diagonal":
        level = f"block_diagonal with blocks of size {info['lowest_level_block']}"
    return [
        f"min block size: real {info['min_block_real']}, complex {info['min_block_complex']}",
        f"min faithful dimension: real {info['min_faithful_dim_real']} "
        f"(real irreducibles {info['min_faithful_real_irreps']}, dims {dims(info['min_faithful_real_irreps'])}), "
        f"complex {info['min_faithful_dim_complex']}",
        f"lowest level: {level}; smallest hidden size there: {info['lowest_level_hidden_size']} "
        f"(real irreducibles {info['lowest_level_irreps']})",
    ]


def run(args) -> int:
    group = parse_group(group_source(args)[0], max_order=args.max_order)
    info = analysis(group)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"group {info['group']}: order {info['order']}, {info['num_classes']} conjugacy classes, "
          f"exponent {info['exponent']}, {'abelian' if info['is_abelian'] else 'non-abelian'}")
    inv = info["abelian_invariants"]
    print(f"abelianisation G/[G,G]: {' x '.join(f'Z{d}' for d in inv) if inv else 'trivial'}")
    if info["num_classes"] <= 60:
        print(f"{'class':>5}  {'size':>6}  {'order':>5}  representative")
        for i, (s, o, r) in enumerate(zip(info["class_sizes"], info["class_orders"], info["class_representatives"])):
            print(f"{i:>5}  {s:>6}  {o:>5}  {r}")
    from theory.character_format import INDICATOR_SYMBOLS
    from theory.characters import character_table
    print()
    print(character_table(group).format())
    print()
    print("real irreducibles:")
    for i, r in enumerate(info["real_irreps"]):
        chars = "+".join(f"X.{c + 1}" for c in r["constituents"])
        ind = INDICATOR_SYMBOLS[{"real": 1, "complex": 0, "quaternionic": -1}[r["type"]]]
        print(f"  R.{i:<3} dim {r['real_dim']:>3}  {r['type']:<12} ({ind}) from {chars:<12} kernel order "
              f"{r['kernel_order']}{'  faithful' if r['faithful'] else ''}")
        if i >= 59:
            print(f"  ... {len(info['real_irreps']) - 60} more")
            break
    print()
    for line in _classification_lines(info):
        print(line)
    return 0
