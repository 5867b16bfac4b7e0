"""The learnability-gap sweeps of docs/results_depth.md (verify/experiments/depth_gap.py).

    python benchmarks/depth_gap.py run [short|long]   # a sweep; appends records to docs/results_depth/records.json
    python benchmarks/depth_gap.py table              # renders the tables of docs/results_depth.md from the records

``short`` (the default): 200 steps, S3, A4, S4 at cdiag and D4 at rdiag, noise 0-0.3 and random starts.
``long``: 2000 steps (ten times as many) at the noise levels where the short sweep failed (0.03, 0.1, 0.3)
and random starts, with the rot stacks beside the cdiag ones.  Run under ``nice`` with one torch thread (the
runs set it).  Records are written after every run, so an interrupted sweep keeps what it finished; ``run``
skips runs already recorded (a run is keyed by group, level, start, noise, seed and steps).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "docs" / "results_depth" / "records.json"

CASES = [("S3", "cdiag"), ("A4", "cdiag"), ("S4", "cdiag"), ("D4", "rdiag")]
NOISES = [0.0, 0.01, 0.03, 0.1, 0.3]
SEEDS = [0, 1, 2]
#: name -> (cases, noises, steps)
SWEEPS = {"short": (CASES, NOISES, 200),
          "long": ([("S3", "cdiag"), ("S3", "rot"), ("A4", "cdiag"), ("A4", "rot"), ("S4", "cdiag"), ("S4", "rot"),
                    ("D4", "rdiag")], [0.03, 0.1, 0.3], 2000)}


def _key(r) -> tuple:
    return (r["group"], r["level"], r["init"], r["noise"], r["seed"], r["config"]["steps"])


def run(sweep: str = "short") -> None:
    from bilinear.verify.experiments.depth_gap import GapConfig, gap_run
    records = json.loads(RECORDS.read_text()) if RECORDS.exists() else []
    done = {_key(r) for r in records}
    cases, noises, steps = SWEEPS[sweep]
    config = GapConfig(steps=steps)
    for seed in SEEDS:                       # seed-major: an interrupted sweep covers every case evenly
        for group, level in cases:
            for init, noise in [("cascade", s) for s in noises] + [("random", None)]:
                if (group, level, init, noise, seed, steps) in done:
                    continue
                r = gap_run(group, level, init, noise or 0.0, seed, config)
                records.append(r)
                RECORDS.parent.mkdir(parents=True, exist_ok=True)
                tmp = RECORDS.with_suffix(".tmp")
                tmp.write_text(json.dumps(records, indent=1))
                tmp.replace(RECORDS)
                print(f"{group} {level} {init} noise={noise} seed={seed} steps={steps}: before {r['accuracy_before']:.3f}, after "
                      f"{r['accuracy_after']:.3f} (train length {r['accuracy_after_train_length']:.3f}), "
                      f"{r['seconds']} s", flush=True)


def table() -> str:
    records = json.loads(RECORDS.read_text())
    cases = list(dict.fromkeys((r["group"], r["level"], r["config"]["steps"]) for r in records))
    conds = [("cascade", s) for s in NOISES] + [("random", None)]
    head = "| group | level | layers | hidden sizes | steps | " + " | ".join(
        f"noise {s}" if i == "cascade" else "random init" for i, s in conds) + " |"
    lines = [head, "|" + "---|" * (5 + len(conds))]
    for g, lv, steps in cases:
        rs = [r for r in records if (r["group"], r["level"], r["config"]["steps"]) == (g, lv, steps)]
        cells = []
        for init, noise in conds:
            sel = [r for r in rs if r["init"] == init and r["noise"] == noise]
            if not sel:
                cells.append("—")
                continue
            ok = sum(r["success"] for r in sel)
            before = sum(r["accuracy_before"] for r in sel) / len(sel)
            after = sum(r["accuracy_after"] for r in sel) / len(sel)
            short = sum(r["accuracy_after_train_length"] for r in sel) / len(sel)
            cells.append(f"{ok}/{len(sel)} ({before:.2f} → {after:.2f}; {short:.2f} at train length)")
        lines.append(f"| {g} | {lv} | {rs[0]['layers']} | {rs[0]['hidden_sizes']} | {steps} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"] and len(sys.argv) <= 3 and (sys.argv[2:] or ["short"])[0] in SWEEPS:
        run((sys.argv[2:] or ["short"])[0])
    elif sys.argv[1:] == ["table"]:
        print(table())
    else:
        sys.exit(__doc__)
