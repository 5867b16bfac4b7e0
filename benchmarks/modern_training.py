"""Train HOUSE and MONO on group words and cyclic tasks: the runs behind docs/results_modern.md "Training".

``run`` replays the ``bilinear train`` sweeps of the doc (one per number of Householder factors, plus the
cyclic tasks and MONO), each with ``--out WORK/NAME`` (checkpoints stay there; a sweep resumes from
them), and copies each sweep's ``results.json`` and ``results.md`` to ``docs/results_modern/NAME/``.
``recover`` runs ``bilinear recover --json`` on the named checkpoints of a sweep and writes the output
to ``docs/results_modern/recover/``.  ``table`` renders the doc's tables from the committed records.

    nice -n 10 python benchmarks/modern_training.py run --work /tmp/modern --jobs 2
    python benchmarks/modern_training.py recover --work /tmp/modern --sweep words-house2 --match 'word-house-*s0*'
    python benchmarks/modern_training.py table
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECORDS = os.path.join(ROOT, "docs", "results_modern")
WORDS = ["--task", "word:group=S3", "--task", "word:group=A4", "--task", "word:group=A5", "--task", "word:group=S5"]
#: sweep name -> its tasks and model options
SWEEPS = {
    "cyclic-house1": ["--task", "parity", "--task", "modadd:m=3", "--model", "house", "--householders", "1"],
    "words-house1": WORDS + ["--model", "house", "--householders", "1"],
    "words-house2": WORDS + ["--model", "house", "--householders", "2"],
    "words-house4": WORDS + ["--model", "house", "--householders", "4"],
    "mono": ["--task", "word:group=Z5", "--task", "word:group=S5", "--model", "mono"],
    # the follow-up: is length 500 limited by the number of steps?
    "long-house2": ["--task", "word:group=S3", "--task", "word:group=A4", "--task", "word:group=A5", "--model", "house",
                    "--householders", "2", "--steps", "6000", "--seed", "0"],
}
#: the protocol: the quick preset cut to 2000 steps and seeds 0-2 (unless a sweep says otherwise), one
#: learning rate, H = 16, test lengths up to 500
COMMON = ["--hidden", "16", "--lr", "1e-2", "--test-lengths", "2-10,20,50,100,200,500", "--test-n", "200",
          "--threads", "1", "--quiet"]
DEFAULTS = {"--steps": "2000", "--seed": "0-2"}
SHOWN = ("10", "100", "500")


def _run(cmd: list[str], ok=(0,)) -> str:
    print("$ " + " ".join(shlex.quote(c) for c in cmd), file=sys.stderr, flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode not in ok:
        raise SystemExit(f"command failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


def run(work: str, jobs: int, names) -> None:
    for name in names:
        out = os.path.join(work, name)
        args = SWEEPS[name] + [x for k, v in DEFAULTS.items() if k not in SWEEPS[name] for x in (k, v)]
        _run(["bilinear", "train", *args, *COMMON, "--jobs", str(jobs), "--out", out])
        os.makedirs(os.path.join(RECORDS, name), exist_ok=True)
        for f in ("results.json", "results.md"):
            shutil.copy(os.path.join(out, f), os.path.join(RECORDS, name, f))


def recover(work: str, sweep: str, pattern: str) -> None:
    os.makedirs(os.path.join(RECORDS, "recover"), exist_ok=True)
    for path in sorted(glob.glob(os.path.join(work, sweep, "checkpoints", "*.pt"))):
        base = os.path.basename(path)
        if not fnmatch.fnmatch(base, pattern):
            continue
        text = _run(["bilinear", "recover", path, "--json"], ok=(0, 1))     # 1: "not a representation"
        group = json.loads(text)[0]["group"]
        name = f"{sweep}-{group}-{base.rsplit('-', 1)[0]}.json"
        with open(os.path.join(RECORDS, "recover", name), "w") as f:
            f.write(text)


def _task(r: dict) -> str:
    opts = r["task_options"]
    return r["task"] if not opts else f"{r['task']}({','.join(f'{k}={v}' for k, v in opts.items())})"


def table() -> str:
    rows = []
    for name in SWEEPS:
        path = os.path.join(RECORDS, name, "results.json")
        if os.path.exists(path):
            with open(path) as f:
                rows += json.load(f)
    groups: dict = {}
    for r in rows:
        nh = r["model_config"].get("householders", "") if r["model"] == "house" else ""
        groups.setdefault((_task(r), r["model"], nh, r["train_config"]["steps"]), []).append(r)
    head = ("| task | model | n_h | steps | seeds | " + " | ".join(f"acc@{L} per seed (median)" for L in SHOWN)
            + " | CPU s per run |")
    out = [head, "|" + "---|" * (6 + len(SHOWN))]
    for (task, model, nh, steps), rs in groups.items():
        rs = sorted(rs, key=lambda r: r["seed"])
        cells = []
        for L in SHOWN:
            accs = [r["accuracy"][L] for r in rs]
            cells.append(" ".join(f"{a:.3f}" for a in accs) + f" (**{statistics.median(accs):.3f}**)")
        cpu = [sum(s["cpu_seconds"] for s in r["lr_search"]) for r in rs]
        out.append(f"| {task} | {model} | {nh} | {steps} | {len(rs)} | " + " | ".join(cells)
                   + f" | {statistics.median(cpu):.0f} |")
    return "\n".join(out) + "\n"


def recovery_table() -> str:
    out = ["| record | group | acc@500 | dim V | hom. residual | spread | rep? | constituents (real dims) | minimal |",
           "|---|---|---|---|---|---|---|---|---|"]
    for path in sorted(glob.glob(os.path.join(RECORDS, "recover", "*.json"))):
        with open(path) as f:
            r = json.load(f)[0]
        sweep = next(n for n in sorted(SWEEPS, key=len, reverse=True) if os.path.basename(path).startswith(n + "-"))
        with open(os.path.join(RECORDS, sweep, "results.json")) as f:
            runs = [x for x in json.load(f) if x["seed"] == r["info"]["seed"] and x["task"] == r["info"]["task"]
                    and x["task_options"] == r["info"]["task_options"]]
        r["accuracy_500"] = f"{runs[0]['accuracy']['500']:.3f}"
        cons = r.get("constituents") or []
        text = " + ".join((f"{c['multiplicity']}×" if c.get("multiplicity", 1) != 1 else "") + f"ψ{c['real_dimension']}"
                          for c in cons) if cons and isinstance(cons[0], dict) else str(cons)
        out.append(f"| {os.path.basename(path)[:-5]} | {r['group']} | {r.get('accuracy_500', '')} | {r['dimension']} | "
                   f"{r['homomorphism_residual']:.1e} | {r['projective_spread']:.1e} | "
                   f"{'yes' if r.get('is_representation') else 'no'} | {text} | {r.get('minimal')} |")
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--work", required=True)
    r.add_argument("--jobs", type=int, default=1)
    r.add_argument("--sweeps", default=",".join(SWEEPS))
    c = sub.add_parser("recover")
    c.add_argument("--work", required=True)
    c.add_argument("--sweep", required=True, choices=list(SWEEPS))
    c.add_argument("--match", default="*.pt")
    sub.add_parser("table")
    sub.add_parser("recovery-table")
    args = p.parse_args(argv)
    if args.cmd == "run":
        run(args.work, args.jobs, [s for s in args.sweeps.split(",") if s])
    elif args.cmd == "recover":
        recover(args.work, args.sweep, args.match)
    elif args.cmd == "table":
        sys.stdout.write(table())
    else:
        sys.stdout.write(recovery_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
