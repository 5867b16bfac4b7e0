"""The automaton each run of a record directory computes, for the structure table of
``benchmarks/paper_tables.py``: one small JSON per run in ``DIR/extraction/``.

For every record of ``DIR/results.json`` (a ``bilinear train --out DIR`` directory) the checkpoint
of its selected learning rate is found in ``DIR/checkpoints/`` (by the identity stored in each
checkpoint: task, task options, model configuration, seed, learning rate), the Moore machine of the
model's predictions is extracted and compared with the task's minimal machine
(:func:`bilinear.verify.recover.extract.extract`, as ``bilinear recover CHECKPOINT --extract``), and
``DIR/extraction/<checkpoint name>.json`` gets the run's identity fields (as the records spell them)
and the extraction's verdict, state counts, distinguishing word, settings and wall seconds.  A run whose
extraction goes past ``--max-states`` is recorded as such (verdict ``over the cap``).  Tasks without
a machine extraction can ask about (``modarith``) are skipped and named.  An existing file is kept
unless ``--force``.

    python benchmarks/extract_automata.py RUNS/tables_A1 [--words 256 --length 16 --seed 0 --max-states 512]

Each extraction runs the model on a few thousand short words (seconds for the bilinear levels and
the LSTM; a model that computes no small machine asks far more before the cap): run it on the
directories you mean to tabulate, not on a whole sweep at once.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bilinear.theory.errors import InputError, ResourceLimitError  # noqa: E402
from bilinear.theory.files import write_text_atomically  # noqa: E402


def _key(task, options, model_config, seed, lr) -> str:
    """One run, as records and checkpoints both spell it (task options and model configuration
    completed with their defaults: a record has ``automaton_seed`` where the command line left it out)."""
    from bilinear.verify.models.registry import ModelConfig
    from bilinear.verify.tasks import make_task
    return json.dumps([task, make_task(task, **options).options, ModelConfig.from_dict(model_config).to_dict(), seed,
                       lr], sort_keys=True)


def extract_directory(d: Path, words: int, length: int, seed: int, max_states: int, force: bool, log=print) -> int:
    """Write ``d/extraction/*.json`` for the records of ``d``; the number of files written."""
    import torch

    from bilinear.verify.experiments.checkpoint import load_checkpoint
    from bilinear.verify.recover.extract import extract, load_subject
    from bilinear.verify.tasks import make_task
    torch.set_num_threads(1)
    results = d / "results.json"
    if not results.is_file():
        raise InputError(f"{d}: expected a record directory with results.json")
    wanted = {}
    for r in json.loads(results.read_text(encoding="utf-8")):
        wanted[_key(r["task"], r["task_options"], r["model_config"], r["seed"], r["lr"])] = r
    written = 0
    for ckpt in sorted((d / "checkpoints").glob("*.pt")):
        ident = json.loads(load_checkpoint(ckpt)["identity"])
        r = wanted.get(_key(ident["task"], ident["task_options"], ident["model"], ident["seed"], ident["lr"]))
        if r is None:
            continue                     # a learning rate the search did not select
        out = d / "extraction" / (ckpt.stem + ".json")
        if out.exists() and not force:
            continue
        task = make_task(r["task"], **r["task_options"])
        if not all(task.accepts_length(n) for n in (1, 2, 3)):        # as task_machine refuses it
            log(f"{ckpt.name}: skipped ({task.name} takes {task.length_rule}; extraction asks about every word)")
            continue
        fields = {k: r[k] for k in ("task", "task_options", "model", "model_config", "variant", "hidden", "seed", "lr")
                  if k in r}
        start = time.perf_counter()
        try:
            e = extract(load_subject(str(ckpt)), words, length, seed, max_states)
            e.pop("learned", None)
            e.pop("file")
        except ResourceLimitError as err:
            e = {"verdict": "over the cap", "reason": str(err), "max_states": max_states,
                 "equivalence_oracle": {"words": words, "length": length, "seed": seed}}
        e["seconds"] = round(time.perf_counter() - start, 2)
        out.parent.mkdir(exist_ok=True)
        write_text_atomically(out, json.dumps(fields | {"checkpoint": ckpt.name, "extraction": e}, indent=1,
                                              sort_keys=True) + "\n")
        log(f"{ckpt.name}: {e['verdict']}")
        written += 1
    return written


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dirs", nargs="+", help="record directories (results.json and checkpoints/)")
    p.add_argument("--words", type=int, default=256, help="random words per equivalence round (default 256)")
    p.add_argument("--length", type=int, default=16, help="their length (default 16)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random words (default 0)")
    p.add_argument("--max-states", type=int, default=512, help="state cap of the extraction (default 512)")
    p.add_argument("--force", action="store_true", help="extract again where a file exists")
    args = p.parse_args(argv)
    try:
        for d in args.dirs:
            n = extract_directory(Path(d), args.words, args.length, args.seed, args.max_states, args.force)
            print(f"{d}: {n} extraction file(s) written")
    except (InputError, OSError) as e:
        print(f"extract_automata: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
