"""``bilinear prove [--json] [--only NAME] [--list] [--show NAME [--latex]]``: run every theorem check (the one
registry, bilinear.constructions.theorems.registry).

Prints one row per theorem (name, kind, status, seconds) and exits 0 when every check passes, 1 when
any fails (a negative mathematical verdict; the failure messages go to stderr), 2 for bad input (an
unknown name).  Status ``proved``: the check establishes the statement for all sizes; ``checked``: it
covers a finite range exactly (the range is printed after the table and is in ``details``);
``estimated``: a Monte-Carlo estimate agrees with the formula.  ``--json`` prints a list of objects
with name, title, kind, status, seconds, message and details.  ``--only`` takes an exact name, a
family prefix (``containment``) or a glob (``*parity*``).  ``--show NAME`` prints the statement,
assumptions, proof, the reduction (lemma -> identity -> induction, with where in the code each part is
checked), what the check covers and its scope (a proof for all sizes, a certificate-producing
algorithm, an estimate), without running it; ``--latex`` prints the theorem and a short proof in LaTeX.
"""

from __future__ import annotations

import json
import sys
import textwrap
import time

from bilinear.theory.errors import InputError

from bilinear.cli.common import add_json


def add_parser(sub):
    p = sub.add_parser("prove", help="run the theorem checks (symbolic, exhaustive, certificates, Monte Carlo)",
                       description="Run every theorem check of the hierarchy and print a table; exit 1 if any "
                                   "fails. 'proved' = established for all sizes, 'checked' = verified exactly "
                                   "on the stated finite range, 'estimated' = Monte Carlo.")
    add_json(p, "the results instead of a table")
    p.add_argument("--only", metavar="NAME", default=None,
                   help="run only theorems matching NAME: exact name, family prefix or glob")
    p.add_argument("--list", action="store_true", help="list the theorem names and kinds without running them")
    p.add_argument("--show", metavar="NAME", default=None,
                   help="print the statement, assumptions, proof, reduction and scope of theorem NAME (exact name) "
                        "without running it")
    p.add_argument("--latex", action="store_true",
                   help="with --show: print the theorem and a short proof in LaTeX instead")
    p.set_defaults(run=run)


def _wrap(text: str, indent: str = "  ") -> str:
    return "\n".join(textwrap.fill(par, width=100, initial_indent=indent, subsequent_indent=indent,
                                   break_on_hyphens=False, break_long_words=False)
                     for par in text.split("\n\n"))


def show_text(t) -> str:
    """The human-readable page of one theorem (what ``--show`` prints)."""
    covers = {"proved": "the check covers the whole statement.",
              "checked": f"verified exactly on {t.checked_range}; the general statement rests on the proof.",
              "estimated": f"{t.checked_range}."}[t.passing_status]
    lines = [f"{t.name}: {t.title}", "", "Statement:", _wrap(t.statement), "", "Assumptions:"]
    lines += [_wrap(a, "  - ").replace("\n  - ", "\n    ") for a in t.assumptions]
    lines += ["", "Proof:", _wrap(t.proof)]
    if t.steps:
        lines += ["", "Reduction (lemma -> identity -> induction, and where each is checked):"]
        lines += [_wrap(step, "  - ").replace("\n  - ", "\n    ") for step in t.steps]
    lines += ["", "Check:", _wrap(f"{t.kind.value}, status '{t.passing_status}': {covers}")]
    if t.scope:
        lines += ["", "Scope:", _wrap(t.scope)]
    lines += ["", "LaTeX:", f"  {t.latex}"]
    return "\n".join(lines)


def latex_text(t) -> str:
    """A theorem and its short proof in LaTeX (what ``--show NAME --latex`` prints)."""
    proof = t.latex_proof or "\\begin{proof} " + t.proof + " \\end{proof}"
    return "\n".join([f"\\begin{{theorem}}[{t.title}]", t.statement, f"\\[ {t.latex} \\]", "\\end{theorem}", proof])


def run(args) -> int:
    from bilinear.constructions.theorems import registry
    if args.show is not None:
        if args.list or args.only is not None:
            raise InputError(f"--show: expected one theorem name alone, without --list or --only, got --show {args.show} "
                             f"with {'--list' if args.list else '--only'}")
        t = registry.get_theorem(args.show)
        print(json.dumps(t.describe(), indent=2) if args.json else latex_text(t) if args.latex else show_text(t))
        return 0
    if args.latex:
        raise InputError("--latex: expected --show NAME with it, got --latex alone")
    theorems = registry.select(args.only)
    if args.list:
        if args.json:
            print(json.dumps([t.describe() for t in theorems], indent=2))
        else:
            for t in theorems:
                print(f"{t.name:<40}  {t.kind.value:<32}  {t.passing_status:<9}  {t.title}")
        return 0
    start = time.perf_counter()
    results = []
    width = max(len(t.name) for t in theorems)
    if not args.json:
        print(f"{'theorem':<{width}}  {'kind':<32}  {'status':<9}  {'seconds':>8}")
    for t in theorems:
        r = t.attempt()
        results.append(r)
        if not args.json:
            print(f"{r.name:<{width}}  {r.kind.value:<32}  {r.status:<9}  {r.seconds:>8.2f}", flush=True)
    failed = [r for r in results if not r.ok]
    total = time.perf_counter() - start
    if args.json:
        rows = []
        for t, r in zip(theorems, results):
            row = r.to_dict()
            row["title"] = t.title
            rows.append(row)
        print(json.dumps(rows, indent=2, default=str))
    else:
        print(f"{len(results) - len(failed)}/{len(results)} passed in {total:.1f} s")
        ranges = [(t.name, t.checked_range) for t, r in zip(theorems, results) if r.ok and t.checked_range]
        if ranges:
            print("checked on finite ranges (the general statements rest on the proofs, see --show NAME):")
            for name, rng in ranges:
                print(f"  {name}: {rng}")
    for r in failed:
        print(f"bilinear prove: {r.name} FAILED: {r.message}", file=sys.stderr)
    return 1 if failed else 0
