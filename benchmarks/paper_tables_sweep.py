"""The sweeps behind the paper's experiment tables, resumable step by step (docs/results_paper_tables.md).

Two protocols, each a list of *steps*; a step is one ``bilinear train`` command writing
``OUT/<step>/results.json`` (and ``results.md``, ``checkpoints/``):

* ``cpu`` (the re-run of the tables on a 2-core CPU): the quick preset (H = 64) with 10 000 steps
  (30 000 for the random automata), learning rates {1e-2, 3e-3} chosen on validation at the training
  lengths, seeds 0-2, every bilinear level and the LSTM; the Mamba-like SSM and the Transformer with
  1, 2 and 4 layers at 10 000 steps, seed 0.  Test lengths up to 2000 (odd ones for modarith).  The
  steps go seed by seed (every table complete for seed 0 first), then the baselines, then seeds 1, 2.
* ``paper`` (the reference paper's protocol, for a GPU or a cluster): the paper preset (H = 256,
  100 000 steps, learning rates {1e-3, 1e-4, 1e-5}, seeds 0-2), every cell of the tables, through the
  submitit launcher when ``--launcher submitit`` is passed on; ``--estimate`` prints its cost per
  cell from tokens/s measured here instead of running it.

Running it again resumes: a step whose ``results.json`` holds all its runs is skipped (so even a lost
``checkpoints/`` folder costs nothing for finished steps), an unfinished one resumes its runs from
their checkpoints (:func:`bilinear.verify.experiments.train.train_model`).  Each finished step appends
its wall and CPU time (of the ``bilinear train`` child) to ``OUT/sweep_times.jsonl``.

    nice -n 15 python benchmarks/paper_tables_sweep.py OUT                 # the cpu protocol
    python benchmarks/paper_tables_sweep.py OUT --list                     # the steps and their state
    python benchmarks/paper_tables_sweep.py OUT --print                    # their commands
    python benchmarks/paper_tables_sweep.py OUT --copy-records DEST        # finished steps' records, no checkpoints
    python benchmarks/paper_tables_sweep.py OUT --protocol paper --estimate
    python benchmarks/paper_tables_sweep.py OUT --protocol paper -- --launcher submitit --jobs 50

Everything after ``--`` is passed to every ``bilinear train`` command.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

MODADD = ["modadd:m=2", "modadd:m=3", "modadd:m=5", "modadd:m=10", "modadd:m=25", "modadd:m=50"]
AUTOMATA = [f"automaton:states={s},symbols=3" for s in (2, 5, 10, 25)]
MODARITH = ["modarith:m=5"]
LENGTHS = "2-10,20,50,100,150,200,300,500,700,1000,1500,2000"
ODD_LENGTHS = "3,5,7,9,21,51,101,151,201,301,501,701,1001,1501,2001"
LEVELS = ["full", "cp", "block", "rot", "cdiag", "rdiag", "pdiag", "lstm"]
BASELINES = ["mamba", "transformer"]
LAYERS = (1, 2, 4)

#: (family, tasks, test lengths, steps of the cpu protocol)
FAMILIES = (("modadd", MODADD, LENGTHS, 10_000), ("automaton", AUTOMATA, LENGTHS, 30_000),
            ("modarith", MODARITH, ODD_LENGTHS, 10_000))


def _task_args(tasks: list[str]) -> list[str]:
    return [a for t in tasks for a in ("--task", t)]


def steps(protocol: str) -> list[dict]:
    """The steps of ``protocol`` in running order: ``{"name", "args", "runs"}`` (``runs``: how many
    records a finished step holds)."""
    out = []
    if protocol == "cpu":
        common = ["--preset", "quick", "--lr", "1e-2,3e-3", "--test-n", "200"]
        for seed in (0, 1, 2):
            for family, tasks, lengths, n_steps in FAMILIES:
                out.append({"name": f"{family}_s{seed}", "runs": len(tasks) * len(LEVELS),
                            "args": common + _task_args(tasks) + ["--model", ",".join(LEVELS), "--seed", str(seed),
                                                                  "--steps", str(n_steps), "--test-lengths", lengths]})
            if seed == 0:
                for layers in LAYERS:
                    for family, tasks, lengths, _ in FAMILIES:
                        out.append({"name": f"{family}_base_L{layers}", "runs": len(tasks) * len(BASELINES),
                                    "args": common + _task_args(tasks) + [
                                        "--model", ",".join(BASELINES), "--layers", str(layers), "--seed", "0",
                                        "--steps", "10000", "--test-lengths", lengths]})
        return out
    if protocol == "paper":
        common = ["--preset", "paper"]
        for family, tasks, lengths, _ in FAMILIES:
            out.append({"name": f"paper_{family}", "runs": len(tasks) * len(LEVELS) * 3,
                        "args": common + _task_args(tasks) + ["--model", ",".join(LEVELS), "--seed", "0-2",
                                                              "--test-lengths", lengths]})
            for layers in LAYERS:
                out.append({"name": f"paper_{family}_base_L{layers}", "runs": len(tasks) * len(BASELINES) * 3,
                            "args": common + _task_args(tasks) + ["--model", ",".join(BASELINES), "--layers",
                                                                  str(layers), "--seed", "0-2",
                                                                  "--test-lengths", lengths]})
        return out
    raise SystemExit(f"paper_tables_sweep: --protocol: expected cpu or paper, got {protocol!r}")


def finished_runs(folder: Path) -> int:
    """How many records ``folder/results.json`` holds (0 when it is missing or unreadable)."""
    try:
        return len(json.loads((folder / "results.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return 0


def copy_records(out: Path, dest: Path, plan: list[dict]) -> list[str]:
    """Copy what a finished step of ``plan`` recorded — ``results.json``, ``results.md`` and
    ``extraction/*.json`` (not ``checkpoints/``) — from ``out/<step>/`` to ``dest/<step>/``, and
    ``out/sweep_times.jsonl`` to ``dest``; return a line per step saying what was done.  A step whose
    ``results.json`` does not hold all its runs yet is left out: while ``bilinear train`` resumes a step
    it rewrites that file from the runs of the current invocation alone, so copying it could replace
    records already copied by fewer."""
    lines = []
    for s in plan:
        src, done = out / s["name"], finished_runs(out / s["name"])
        if done < s["runs"]:
            lines.append(f"{s['name']}: {done}/{s['runs']} runs, not finished: not copied")
            continue
        (dest / s["name"]).mkdir(parents=True, exist_ok=True)
        for name in ("results.json", "results.md"):
            if (src / name).is_file():
                shutil.copyfile(src / name, dest / s["name"] / name)
        extracted = sorted((src / "extraction").glob("*.json"))
        if extracted:
            (dest / s["name"] / "extraction").mkdir(exist_ok=True)
            for f in extracted:
                shutil.copyfile(f, dest / s["name"] / "extraction" / f.name)
        note = f", {len(extracted)} extractions" if extracted else ""
        if not extracted and s["name"].startswith("automaton"):     # the structure table needs them
            note = f", no extractions yet: python benchmarks/extract_automata.py {src} --max-states 64, then again"
        lines.append(f"{s['name']}: {done} runs copied{note}")
    if (out / "sweep_times.jsonl").is_file():
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / "sweep_times.jsonl", dest / "sweep_times.jsonl")
    return lines


def estimate(protocol: str, rounds: int = 3) -> str:
    """A markdown table: per model, training tokens/s measured here (H and batch of the protocol,
    length 6 = the mean training length, interleaved rounds), and the cost of one cell (one task, one
    model, every seed and learning rate, the preset's full step budget) in CPU hours."""
    import torch

    from bilinear.verify.experiments.presets import PRESETS
    from bilinear.verify.experiments.train import RunSpec, training_throughput
    from bilinear.verify.models.registry import ModelConfig

    torch.set_num_threads(1)
    preset = PRESETS["quick" if protocol == "cpu" else "paper"]
    models = LEVELS + [f"{b}:{L}" for b in BASELINES for L in LAYERS]
    specs = []
    for m in models:
        name, _, layers = m.partition(":")
        specs.append(RunSpec("modadd", {"m": 10}, ModelConfig(name, hidden=preset.hidden,
                                                                 layers=int(layers) if layers else 0), 0))
    length = sum(preset.train.train_lengths) / 2
    batch = preset.train.batch_size
    rates: dict[str, list[float]] = {m: [] for m in models}
    for _ in range(rounds):                          # every model once per round: machine load hits them alike
        for spec, m in zip(specs, models):
            rates[m].append(training_throughput([spec], batch_size=batch, length=int(length), steps=5,
                                                rounds=1)[spec.model.model])
    seeds, lrs, n_steps = 3, len(preset.lrs), preset.train.steps
    lines = [f"Protocol {protocol}: H = {preset.hidden}, batch {batch}, {n_steps} steps, {lrs} learning rates, "
             f"{seeds} seeds; tokens per step {batch} x {length:g} (mean training length).", "",
             "| model | training tokens/s (median of rounds, one thread) | CPU hours per cell (all seeds and rates) |",
             "|---|---|---|"]
    total = 0.0
    for m in models:
        rate = sorted(rates[m])[len(rates[m]) // 2]
        hours = seeds * lrs * n_steps * batch * length / rate / 3600
        total += hours
        lines.append(f"| {m.replace(':', ' L')} | {rate:,.0f} | {hours:.2f} |")
    cells = sum(len(t) for _, t, _, _ in FAMILIES)
    lines += ["", f"One task with every model above: {total:.1f} CPU hours; the {cells} tasks of the tables: "
              f"{total * cells:.0f} CPU hours (training only, before early stopping; evaluation adds little)."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", help="folder of the step folders (created)")
    p.add_argument("--protocol", default="cpu", choices=("cpu", "paper"))
    p.add_argument("--list", action="store_true", help="list the steps and how many runs each has finished")
    p.add_argument("--print", action="store_true", help="print the command of every step instead of running it")
    p.add_argument("--only", help="comma-separated step names to run (default: all, in order)")
    p.add_argument("--estimate", action="store_true", help="print the cost per cell from measured tokens/s")
    p.add_argument("--copy-records", metavar="DEST",
                   help="copy the results.json and results.md of every finished step, its extraction/*.json when "
                        "there is one (not its checkpoints), into DEST/<step>/, and sweep_times.jsonl into DEST, "
                        "then stop; unfinished steps are left out (their results.json holds only the runs of the "
                        "invocation that is still going)")
    args = p.parse_args(argv)
    if args.estimate:
        sys.stdout.write(estimate(args.protocol))
        return 0
    out = Path(args.out)
    plan = steps(args.protocol)
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {s["name"] for s in plan}
        if unknown:
            raise SystemExit(f"paper_tables_sweep: --only: unknown step(s) {', '.join(sorted(unknown))}")
        plan = [s for s in plan if s["name"] in wanted]
    if args.copy_records:
        for line in copy_records(out, Path(args.copy_records), plan):
            print(line)
        return 0
    if args.list:
        for s in plan:
            print(f"{s['name']}: {finished_runs(out / s['name'])}/{s['runs']} runs")
        return 0
    if not args.print:
        out.mkdir(parents=True, exist_ok=True)
    for s in plan:
        folder = out / s["name"]
        command = ["bilinear", "train", *s["args"], "--jobs", "1", "--out", str(folder), "--quiet", *extra]
        if args.print:
            print(" ".join(command))
            continue
        if finished_runs(folder) >= s["runs"]:
            continue
        print(f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] {s['name']}: {' '.join(command)}", flush=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.time()
        code = subprocess.call(command)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        entry = {"step": s["name"], "exit": code, "wall_seconds": round(time.time() - t0, 1),
                 "cpu_seconds": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
                 "runs": finished_runs(folder), "finished": time.strftime("%Y-%m-%d %H:%M:%S")}
        with open(out / "sweep_times.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
        if code != 0:
            print(f"paper_tables_sweep: {s['name']} failed (exit {code})", file=sys.stderr)
            return code
    if not args.print:
        print("ALLDONE", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
