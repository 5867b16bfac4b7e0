"""The Classification table of docs/results_modern.md, computed from the theory (no training).

    python benchmarks/modern_classification.py            # prints the markdown table
    python benchmarks/modern_classification.py --write    # replaces the section in docs/results_modern.md
    python benchmarks/modern_classification.py --timings  # CPU seconds of `bilinear analyze G --json`

The timings run the command line once per group of :data:`TIMED` (default options: house and mono up to
order 120; the elementary abelian groups of order 1024, Z997, D500 and S6 once more with the modern rows
computed) and print the CPU time of each child process with its exit code (2: refused in one line).

Per group (alphabet: every element): the least faithful real dimension, the least n_h there, the least H
at n_h = 1, 2, 4 (— when no H works), the least MONO hidden size (±1 entries), PD-SSM's complex size,
the least faithful permutation degree, and the classical rows (lowest level, BLOCK and FULL hidden sizes).
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

from bilinear.theory import parse_group
from bilinear.theory.hierarchy.analysis import level_reports

GROUPS = ["Z2", "Z3", "Z5", "Z2^3", "S3", "D4", "Q8", "A4", "S4", "A5", "S5"]
#: The groups whose `bilinear analyze` is timed: elementary abelian Z2^k both as Z2^k and as permutation
#: groups, cyclic groups of prime order, and a few non-abelian and permutation groups.
_Z2 = lambda k: "perm:" + ";".join(f"({2 * i + 1},{2 * i + 2})" for i in range(k))  # noqa: E731
TIMED = [["Z2^10"], [_Z2(10)], ["Z2^10", "--modern-max-order", "1024"], [_Z2(10), "--modern-max-order", "1024"],
         ["Z2^5"], [_Z2(5)], ["Z2^6"], [_Z2(6)], ["Z67"], ["Z113"], ["Z997"], ["Z997", "--modern-max-order", "997"],
         ["D500"], ["D500", "--modern-max-order", "1000"], ["S5"], ["S6"], ["S6", "--modern-max-order", "720"], ["A4xZ5"], ["GL(3,2)"], ["S3xZ2^3"], ["D4xZ2^3"], ["S3xZ2^4"],
         ["perm:(1,2,3,4,5,6,7,8);(1,2)"], ["perm:(1,2,3)(4,5,6);(1,4)(2,5)(3,6)"]]
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


def timings() -> str:
    """One markdown row per :data:`TIMED` entry: the arguments, the exit code and the child's CPU seconds."""
    lines = ["| analyze arguments | exit | CPU s |", "|---|---|---|"]
    for args in TIMED:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        code = subprocess.run([sys.executable, "-c", "import sys, bilinear; sys.exit(bilinear.main(sys.argv[1:]))",
                               "analyze", *args, "--json"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        lines.append(f"| `{' '.join(args)}` | {code} | {cpu:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv) -> int:
    if "--timings" in argv:
        print(timings(), end="")
        return 0
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
