"""Two records of the same sweep side by side: per run the chosen learning rate, the accuracy at the
long test lengths and the CPU seconds of training (summed over the learning-rate search), so a speed-up
can be read together with "the same verdicts".

    python benchmarks/claims_cpu.py BEFORE.json AFTER.json [--lengths 500 1000] [--markdown]

Runs are matched by (task, task options, model, variant, seed).  Exit 1 when a matched run's chosen
learning rate or accuracy at a listed length differs (the verdicts changed), 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import sys


def _key(run: dict) -> tuple:
    return (run["task"], json.dumps(run.get("task_options", {}), sort_keys=True), run["model"],
            run.get("variant", ""), run["seed"])


def _label(run: dict) -> str:
    opts = ", ".join(f"{k}={v}" for k, v in sorted(run.get("task_options", {}).items()))
    name = run["model"] + (f"-{run['variant']}" if run.get("variant") else "")
    return f"{run['task']}{f' ({opts})' if opts else ''}", name


def _cpu(run: dict) -> float | None:
    times = [r.get("cpu_seconds") for r in run.get("lr_search", [])]
    return None if not times or any(t is None for t in times) else float(sum(times))


class _BadInput(Exception):
    pass


def _load(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            runs = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _BadInput(f"claims_cpu: {path}: expected a readable results.json, got {type(e).__name__}: {e}")
    if not isinstance(runs, list) or not all(isinstance(r, dict) and "task" in r and "model" in r for r in runs):
        raise _BadInput(f"claims_cpu: {path}: expected a list of run records")
    return {_key(r): r for r in runs}


def compare(before: dict, after: dict, lengths: list[str]) -> tuple[list[dict], bool]:
    rows, same = [], True
    for key in before:
        if key not in after:
            continue
        b, a = before[key], after[key]
        task, model = _label(b)
        acc = {L: (b["accuracy"].get(L), a["accuracy"].get(L)) for L in lengths}
        agree = b["lr"] == a["lr"] and all(x == y for x, y in acc.values())
        same &= agree
        rows.append({"task": task, "model": model, "lr": (b["lr"], a["lr"]), "accuracy": acc,
                     "cpu_seconds": (_cpu(b), _cpu(a)), "same": agree})
    return rows, same


def markdown(rows: list[dict], lengths: list[str]) -> str:
    head = ["task", "model", "lr before / after"] + [f"acc@{L} before / after" for L in lengths] + \
        ["CPU s before", "CPU s after", "ratio"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    tb = ta = 0.0
    for r in rows:
        b, a = r["cpu_seconds"]
        tb, ta = tb + (b or 0), ta + (a or 0)
        ratio = f"{b / a:.1f}" if b and a else "—"
        accs = [f"{x:.3f} / {y:.3f}" if x is not None and y is not None else "—" for x, y in r["accuracy"].values()]
        out.append("| " + " | ".join([r["task"], r["model"], f"{r['lr'][0]:g} / {r['lr'][1]:g}", *accs,
                                      f"{b:.0f}" if b else "—", f"{a:.0f}" if a else "—", ratio]) + " |")
    out.append("| **total** | | | " + " | " * len(lengths) + f"**{tb / 60:.1f} CPU-min** | **{ta / 60:.1f} CPU-min** | "
               f"{tb / ta:.1f} |" if ta else "")
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--lengths", nargs="+", default=["500", "1000"])
    p.add_argument("--markdown", action="store_true", help="print a markdown table instead of JSON")
    args = p.parse_args(argv)
    try:
        rows, same = compare(_load(args.before), _load(args.after), args.lengths)
    except _BadInput as e:
        print(e, file=sys.stderr)
        return 2
    if not rows:
        print("claims_cpu: the two records share no run", file=sys.stderr)
        return 2
    print(markdown(rows, args.lengths) if args.markdown else json.dumps({"rows": rows, "same_verdicts": same}, indent=1))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
