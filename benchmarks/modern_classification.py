"""The Classification table of docs/results_modern.md, computed from the theory (no training).

    python benchmarks/modern_classification.py            # prints the markdown table
    python benchmarks/modern_classification.py --write    # replaces the section in docs/results_modern.md

Per group (alphabet: every element): the least faithful real dimension, the least n_h there, the least H
at n_h = 1, 2, 4 (— when no H works), the least MONO hidden size (±1 entries), PD-SSM's complex size,
the least faithful permutation degree, and the classical rows (lowest level, BLOCK and FULL hidden sizes).
"""

from __future__ import annotations

import sys
from pathlib import Path

from bilinear.theory import parse_group
from bilinear.theory.hierarchy.analysis import level_reports

GROUPS = ["Z2", "Z3", "Z5", "Z2^3", "S3", "D4", "Q8", "A4", "S4", "A5", "S5"]
DOC = Path(__file__).resolve().parent.parent / "docs" / "results_modern.md"
START, END = "## Classification", "## Training"


def table() -> str:
    head = ("| group | order | lowest classical level | BLOCK H (B) | FULL H | HOUSE H | n_h at that H | "
            "H at n_h = 1 | H at n_h = 2 | H at n_h = 4 | MONO H | PD-SSM complex n | permutation degree |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for spec in GROUPS:
        G = parse_group(spec)
        rows = {r.level: r for r in level_reports(G)}
        lowest = next(r.level for r in rows.values() if r.tracks)
        h, m = rows["house"], rows["mono"]
        at = dict(h.extra)["hidden_at_householders"]
        cell = lambda v: "—" if v is None else str(v)  # noqa: E731
        extra = dict(m.extra)
        lines.append(f"| {spec} | {G.order} | {lowest} | {rows['block'].hidden} ({rows['block'].block}) | "
                     f"{rows['full'].hidden} | {h.hidden} | {h.householders} | {cell(at['1'])} | {cell(at['2'])} | "
                     f"{cell(at['4'])} | {m.hidden} | {extra['complex_degree']} | {extra['permutation_degree']} |")
    return "\n".join(lines) + "\n"


def section() -> str:
    return (f"{START}\n\nComputed by `python benchmarks/modern_classification.py --write` from the exact character "
            "tables and the subgroup lattices (docs/design.md §14; theorems `house.*`, `mono.characterisation`). "
            "Alphabet: every element of the group (DeltaNet/DeltaProduct and PD-SSM see each symbol as one "
            "element). HOUSE H is the least faithful real dimension (a Householder product is a matrix, so no "
            "smaller H works); n_h is the least number of factors there; '—' means no hidden size works with that "
            "many factors. MONO H counts real coordinates with ±1 diagonal entries; the PD-SSM column counts "
            "complex coordinates (any roots of unity on the diagonal).\n\n" + table() + "\n")


def main(argv) -> int:
    if "--write" not in argv:
        print(table(), end="")
        return 0
    text = DOC.read_text()
    if START in text:
        before, rest = text.split(START, 1)
        after = rest[rest.index(END):] if END in rest else ""
        text = before + section() + after
    else:
        title, _, body = text.partition("\n\n")
        text = title + "\n\n" + section() + body
    DOC.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
