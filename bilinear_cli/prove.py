"""``bilinear prove [--json] [--only NAME] [--list]``: run every theorem check (theory.theorems and
constructions.theorems, in the order of constructions.theorems.registry).

Prints one row per theorem (name, kind, status, seconds) and exits 0 when every check passes
(status ``proved`` or ``checked``), 1 when any fails (the failure messages go to stderr).  ``--json``
prints a list of objects with name, title, kind, status, seconds, message and details.
``--only`` takes an exact name, a family prefix (``containment``) or a glob (``*parity*``).
"""

from __future__ import annotations

import json
import sys
import time



def add_parser(sub):
    p = sub.add_parser("prove", help="run the theorem checks (symbolic, exhaustive, certificates, Monte Carlo)",
                       description="Run every theorem check of the hierarchy and print a table; exit 1 if any fails.")
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    p.add_argument("--only", metavar="NAME", default=None,
                   help="run only theorems matching NAME: exact name, family prefix or glob")
    p.add_argument("--list", action="store_true", help="list the theorem names and kinds without running them")
    p.set_defaults(run=run)


def run(args) -> int:
    from constructions.theorems import registry
    theorems = registry.select(args.only)
    if args.list:
        if args.json:
            print(json.dumps([t.describe() for t in theorems], indent=2))
        else:
            for t in theorems:
                print(f"{t.name:<40}  {t.kind.value:<32}  {t.title}")
        return 0
    start = time.perf_counter()
    results = []
    width = max(len(t.name) for t in theorems)
    if not args.json:
        print(f"{'theorem':<{width}}  {'kind':<32}  {'status':<7}  {'seconds':>8}")
    for t in theorems:
        r = t.attempt()
        results.append(r)
        if not args.json:
            print(f"{r.name:<{width}}  {r.kind.value:<32}  {r.status:<7}  {r.seconds:>8.2f}", flush=True)
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
    for r in failed:
        print(f"bilinear prove: {r.name} FAILED: {r.message}", file=sys.stderr)
    return 1 if failed else 0
