"""Train, recover and tabulate: the runs behind docs/results_recovery.md.

Each configuration ``(group, model, seed, hidden)`` is one ``bilinear train`` run (``--task word``, the
quick preset with the cuts stated in the doc) followed by ``bilinear recover CHECKPOINT --json``; the
training record and the recovery output are written together as one JSON record
``docs/results_recovery/word-GROUP-MODEL-sSEED[-hH].json`` (``-hH`` only when H is not 64).  A record
that already exists is skipped, so an interrupted run resumes.  ``table`` renders the markdown table
of the doc from the records.

    python benchmarks/recovery_runs.py run --groups S3,D4 --models full --seeds 2 --hidden 64
    python benchmarks/recovery_runs.py table > /tmp/table.md

The commands each record replays are printed as they run (and are the ones the doc gives).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECORDS = os.path.join(ROOT, "docs", "results_recovery")
#: learning rate per model, as in the doc (the rotation levels learn their angles faster at 1e-2)
LR = {"full": 3e-3, "block": 3e-3, "rot": 1e-2, "cdiag": 1e-2}


def record_name(group: str, model: str, seed: int, hidden: int) -> str:
    suffix = "" if hidden == 64 else f"-h{hidden}"
    return f"word-{group}-{model}-s{seed}{suffix}"


def _run(cmd: list[str]) -> str:
    print("$ " + " ".join(shlex.quote(c) for c in cmd), file=sys.stderr, flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode not in (0, 1):     # recover: 1 = "not a representation", a verdict
        raise SystemExit(f"command failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


def run_one(group: str, model: str, seed: int, hidden: int, steps: int) -> str:
    name = record_name(group, model, seed, hidden)
    path = os.path.join(RECORDS, name + ".json")
    if os.path.exists(path):
        return f"{name}: exists, skipped"
    start = time.process_time()
    with tempfile.TemporaryDirectory() as out:
        train = ["bilinear", "train", "--task", "word", "--group", group, "--model", model, "--preset", "quick",
                 "--steps", str(steps), "--lr", str(LR[model]), "--seed", str(seed), "--hidden", str(hidden),
                 "--test-lengths", "10,100,500", "--threads", "1", "--quiet", "--out", out]
        if model == "block":
            train += ["--block", "4"]
        _run(train)
        with open(os.path.join(out, "results.json")) as f:
            training = json.load(f)[0]
        checkpoints = sorted(glob.glob(os.path.join(out, "checkpoints", "*.pt")))
        if len(checkpoints) != 1:
            raise SystemExit(f"{name}: expected one checkpoint, found {len(checkpoints)}")
        recovery = json.loads(_run(["bilinear", "recover", checkpoints[0], "--json"]))
        if isinstance(recovery, list):
            recovery = recovery[0]
    record = {"run": name, "training": training, "recovery": recovery, "steps": steps}
    with open(path + ".part", "w") as f:
        json.dump(record, f, indent=1)
    os.replace(path + ".part", path)
    return f"{name}: written ({time.process_time() - start:.0f} s in this process)"


def _dims(c: dict) -> str:
    kind = {1: "", 0: "[c]", -1: "[q]"}.get(c.get("indicator"), "")
    m = c["multiplicity"]
    return (f"{m}×" if m != 1 else "") + f"ψ{c['real_dimension']}{kind}"


def _angles(r: dict) -> str:
    a = r.get("angles")
    if not a:
        return ""
    ks = sorted({abs(x["k"]) for x in a})
    return f"k=±{ks}, err≤{max(x['error'] for x in a):.1e}, gen={r.get('generates')}"


def table_rows(records: list[dict]) -> list[str]:
    head = ("| group | model | H | seed | acc@500 | dim V | hom. residual | spread | rep? | constituents (real dims) "
            "| mult. err | faithful | minimal (min dim) | intertwiner residual | angles |")
    rows = [head, "|---" * (head.count("|") - 1) + "|"]
    for d in records:
        t, r = d["training"], d["recovery"]
        inter = r.get("intertwiner") or {}
        res = f"{inter['residual']:.1e}" if inter.get("residual") is not None else "–"
        cons = " + ".join(_dims(c) for c in r.get("constituents", []))
        rows.append(f"| {t['task_options']['group']} | {t['model']} | {t['hidden']} | {t['seed']} | "
                    f"{t['accuracy']['500']:.3f} | {r['dimension']} | {r['homomorphism_residual']:.1e} | "
                    f"{r['projective_spread']:.1e} | {'yes' if r['is_representation'] else 'no'} | {cons} | "
                    f"{r['multiplicity_error']:.1e} | {r['faithful']} | {r['minimal']} ({r['min_faithful_dimension']}) | "
                    f"{res} | {_angles(r)} |")
    return rows


def load_records(pattern: str = "word-*.json") -> list[dict]:
    out = []
    for p in sorted(glob.glob(os.path.join(RECORDS, pattern))):
        with open(p) as f:
            out.append(json.load(f))
    order = ["S3", "D4", "Q8", "A4", "A5", "S5", "Z5", "Z10"]
    out.sort(key=lambda d: (order.index(d["training"]["task_options"]["group"])
                            if d["training"]["task_options"]["group"] in order else 99,
                            d["training"]["model"], d["training"]["hidden"], d["training"]["seed"]))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--groups", required=True, help="comma separated, e.g. S3,D4")
    r.add_argument("--models", required=True, help="comma separated: full, block, rot, cdiag")
    r.add_argument("--seeds", default="0", help="comma separated")
    r.add_argument("--hidden", default="64", help="comma separated hidden sizes")
    r.add_argument("--steps", type=int, default=5000)
    t = sub.add_parser("table")
    t.add_argument("--pattern", default="word-*.json")
    a = p.parse_args(argv)
    if a.cmd == "table":
        print("\n".join(table_rows(load_records(a.pattern))))
        return 0
    for model in a.models.split(","):
        if model not in LR:
            p.error(f"--models: expected some of {', '.join(LR)}, got {model!r}")
    for h in a.hidden.split(","):
        for seed in a.seeds.split(","):
            for group in a.groups.split(","):
                for model in a.models.split(","):
                    print(run_one(group, model, int(seed), int(h), a.steps), file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
