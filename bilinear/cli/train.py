"""``bilinear train``: train model classes on tasks and measure length generalisation.

    bilinear train --task modadd --m 5 --model full --hidden 64 --seed 0
    bilinear train --task modadd:m=5 --task parity --model full,rdiag --seed 0,1,2 --out DIR
    bilinear train --preset quick --sweep claims --out DIR
    bilinear train --task word --group S3 --model cdiag --layers 2 --out DIR
    bilinear train --speed
    bilinear train --task parity --model full,rdiag --seed 0-9 --out DIR --launcher submitit --jobs 10

Every combination of tasks x models x seeds is one run; ``--out DIR`` writes ``DIR/results.json``
(the list of runs) and ``DIR/results.md`` (tables), rewritten after each run, and keeps resumable
checkpoints in ``DIR/checkpoints``.  Without ``--out`` the table goes to standard output.
``--launcher submitit`` runs each run as a submitit job (SLURM, or submitit's local executor) with
the same records and resumption (:mod:`bilinear.verify.experiments.cluster`).
Progress goes to standard error.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys

from bilinear.theory.errors import InputError, check_distinct, expected
from bilinear.theory.files import write_text_atomically
from bilinear.theory.version import software_versions
from bilinear.verify.tasks.base import option_flag as _flag

from bilinear.cli.common import add_group_source, add_json, add_threads, check_output_dir, int_list, positive_int, seed, seed_list, output_path, nonnegative_int, number, number_list, parse_name_list

_MODEL_FIELDS = ("rank", "block", "householders", "embedding", "normalise", "init", "init_scale", "layers",
                 "heads")
_TRAIN_FIELDS = ("steps", "batch_size", "loss", "weight_decay", "val_every", "patience", "final_lr",
                 "gain_penalty", "block_gain_penalty")


#: which model kinds each model option applies to (None: every model); an option given for
#: chosen models none of which use it is refused, and it is passed only to the models that use it
_BASELINE_LAYERS = ("lstm", "mamba", "transformer")


def _option_kinds() -> dict:
    """The sizes of a level (rank, block, householders) apply to the models of the levels that declare
    them (:func:`bilinear.theory.hierarchy.levels.levels_taking`); the rest as listed."""
    from bilinear.theory.hierarchy.levels import levels_taking
    from bilinear.verify.models.classic import BILINEAR_LEVELS
    from bilinear.verify.models.stack import STACK_LEVELS
    bilinear = tuple(BILINEAR_LEVELS)
    sizes = {size: levels_taking(size, bilinear) for size in _MODEL_FIELDS if levels_taking(size, bilinear)}
    return {**sizes, "embedding": None, "normalise": bilinear, "init": bilinear, "init_scale": bilinear,
            "layers": _BASELINE_LAYERS + STACK_LEVELS, "heads": ("transformer",)}


def _lengths_range(text: str) -> tuple[int, int]:
    lo, sep, hi = text.partition("-")
    try:
        a, b = (int(lo), int(hi)) if sep else (int(lo), int(lo))
    except ValueError:
        raise expected("--train-lengths", "MIN-MAX such as 2-10", text) from None
    if not 1 <= a <= b:
        raise expected("--train-lengths", "MIN-MAX with 1 <= MIN <= MAX such as 2-10", text)
    return a, b


def add_parser(sub):
    p = sub.add_parser(
        "train", help="train models on tasks; accuracy per test length",
        description="Train bilinear model classes (full, cp, block, cdiag, rot, rdiag, pdiag, and the modern "
                    "house and mono, each also -affine) and baselines (lstm, mamba, transformer) on state-tracking tasks; select the "
                    "learning rate and stop early on a validation set at training lengths only; report "
                    "final-label accuracy at each test length. Explicit flags override the preset.")
    t = p.add_argument_group("what to run")
    t.add_argument("--task", action="append", metavar="SPEC",
                   help="task NAME or NAME:key=value,... (repeatable), e.g. modadd:m=5, "
                        "automaton:states=5,symbols=3")
    t.add_argument("--m", type=positive_int, help="modulus for a plain --task modadd/modarith/flipflop")
    t.add_argument("--states", type=positive_int, help="automaton states for a plain --task automaton")
    t.add_argument("--symbols", type=positive_int, help="automaton alphabet size for a plain --task automaton")
    t.add_argument("--automaton-seed", type=seed, help="random automaton seed (default 0)")
    add_group_source(t, positional=False)      # --group (word), --automaton FILE.json (automaton), --max-order, --max-degree
    t.add_argument("--model", help="model name(s), comma separated (default full)")
    t.add_argument("--seed", type=seed_list, help="seed(s): 0 or 0,1,2 or 0-2 (default 0)")
    t.add_argument("--sweep", help="a named sweep instead of --task/--model: claims")
    t.add_argument("--preset", choices=("quick", "paper"), help="protocol defaults (default quick)")
    t.add_argument("--speed", action="store_true",
                   help="measure training tokens/s of full (H=64, D=10) and lstm (H=64) side by side")
    m = p.add_argument_group("model")
    m.add_argument("--hidden", type=positive_int, help="hidden size H")
    m.add_argument("--rank", type=positive_int, help="cp rank R (default H; cp only)")
    m.add_argument("--block", type=positive_int, help="block size B (default 2; block only)")
    m.add_argument("--householders", type=positive_int,
                   help="Householder factors per symbol n_h (default 1; house only: 1 = DeltaNet, more = DeltaProduct)")
    m.add_argument("--embedding", type=positive_int, help="learned embedding dimension (default one-hot input)")
    m.add_argument("--normalise", choices=("auto", "none", "eval", "always"),
                   help="bilinear models: per-step state normalisation (auto: always for pure bilinear, none "
                        "for affine)")
    m.add_argument("--normalize", dest="normalise", choices=("auto", "none", "eval", "always"),
                   help=argparse.SUPPRESS)     # the American spelling, accepted as an alias
    m.add_argument("--init", choices=("auto", "identity", "orthogonal", "rotation", "gaussian"),
                   help="bilinear models: init (auto: rotation for block, orthogonal for the others)")
    m.add_argument("--init-scale", type=number(minimum=0), help="bilinear models: init perturbation")
    m.add_argument("--layers", type=positive_int,
                   help="lstm, mamba, transformer: layers; cdiag, rot, rdiag: K >= 2 trains a stack of K layers "
                        "with an MLP decoder between layers (1: the one-layer model)")
    m.add_argument("--heads", type=positive_int, help="transformer: heads")
    o = p.add_argument_group("training and evaluation")
    o.add_argument("--steps", type=positive_int, help="maximum optimiser steps")
    o.add_argument("--batch-size", type=positive_int)
    o.add_argument("--lr", type=number_list("--lr", minimum=0, open_min=True), help="learning rate(s), comma separated; the best on validation is kept")
    o.add_argument("--train-lengths", help="training lengths MIN-MAX (default 2-10)")
    o.add_argument("--loss", choices=("token", "final"), help="per-token (default) or final-label loss")
    o.add_argument("--weight-decay", type=number(minimum=0), help="AdamW weight decay (>= 0)")
    o.add_argument("--final-lr", type=number(minimum=0, maximum=1), help="cosine schedule ends at this fraction of the rate")
    o.add_argument("--gain-penalty", type=number(minimum=0),
                   help="weight of the penalty on unequal per-step gains of bilinear models (default 1, 0 = off)")
    o.add_argument("--block-gain-penalty", type=number(minimum=0),
                   help="weight of the penalty on unequal per-block gains of block, cdiag and rot (default 1, 0 = off)")
    o.add_argument("--val-every", type=positive_int)
    o.add_argument("--patience", type=nonnegative_int, help="validations without improvement before stopping (0 = never)")
    o.add_argument("--test-lengths", type=int_list("--test-lengths", minimum=1),
                   help="test lengths, e.g. 2-10,20,50 (default 2-10,20,50,100,200,500,1000); "
                        "lengths a task does not accept are refused (modarith: odd lengths only; its "
                        "default even lengths L are replaced by L+1)")
    o.add_argument("--test-n", type=positive_int, help="test sequences per length")
    o.add_argument("--out", type=output_path, help="directory for results.json, results.md and checkpoints/ (created if missing)")
    o.add_argument("--checkpoint-dir", type=output_path, help="checkpoints here instead of OUT/checkpoints")
    o.add_argument("--device", default="auto", help="auto (cuda if available), cpu or cuda")
    add_threads(o)
    o.add_argument("--jobs", type=positive_int, default=1,
                   help="runs at a time, each in its own process with one torch thread (default 1)")
    o.add_argument("--quiet", action="store_true", help="no progress on standard error")
    add_json(o, "the list of runs (as in results.json) instead of the table")
    c = p.add_argument_group("cluster (submitit, an optional extra: pip install 'bilinear-states[cluster]')")
    c.add_argument("--launcher", choices=("local", "submitit"), default="local",
                   help="local: --jobs processes on this machine (default); submitit: one job per run, at most "
                        "--jobs at a time, on SLURM when srun is on the PATH, else submitit's local executor; "
                        "the same records and resumption")
    c.add_argument("--cluster-dir", type=output_path, help="submitit's job files and the jobs' logs (default OUT/submitit)")
    c.add_argument("--cluster-timeout", type=positive_int,
                   help="minutes a job may run before it is killed (default 1440; run the command again to resume)")
    c.add_argument("--slurm-partition", help="SLURM partition (default: the cluster's)")
    p.set_defaults(run=run)


def _plan(args):
    """Validate everything and build (specs, train config, eval config, lrs) before any work."""
    from bilinear.verify.experiments.evaluate import EvalConfig, task_lengths
    from bilinear.verify.experiments.presets import PRESETS, format_task_spec, parse_task_spec, sweep_specs
    from bilinear.verify.tasks import check_task_size, make_task
    from bilinear.verify.models.registry import check_model_memory
    from bilinear.verify.experiments.train import RunSpec, TrainConfig, training_lengths

    preset = PRESETS[args.preset or "quick"]
    hidden = args.hidden or preset.hidden
    model_extra = {f: getattr(args, f) for f in _MODEL_FIELDS if getattr(args, f) is not None}
    seeds = args.seed or [0]
    train_kw = {f: getattr(args, f) for f in _TRAIN_FIELDS if getattr(args, f) is not None}
    if args.train_lengths:
        train_kw["train_lengths"] = _lengths_range(args.train_lengths)
    train = TrainConfig(**{**preset.train.__dict__, **train_kw})
    eval_kw = {}
    if args.test_lengths:
        eval_kw["lengths"] = tuple(args.test_lengths)
    if args.test_n:
        eval_kw["n"] = args.test_n
    evaluation = EvalConfig(**{**preset.eval.__dict__, **eval_kw})
    lrs = args.lr or list(preset.lrs)
    if args.sweep:
        if args.task or args.model:
            raise InputError("--sweep: expected a named sweep or --task/--model, got both")
        specs = sweep_specs(args.sweep, seeds, {"hidden": hidden})
        _check_model_options(model_extra, sorted({s.model.model for s in specs}))
        specs = [dataclasses.replace(s, model=_model_config(s.model.model, hidden, model_extra)) for s in specs]
    else:
        if not args.task:
            raise InputError("--task: expected at least one task (or --sweep NAME, or --speed), got none")
        plain = {"m": args.m, "states": args.states, "symbols": args.symbols,
                 "automaton_seed": args.automaton_seed, "file": args.automaton, "group": args.group,
                 "max_order": args.max_order, "max_degree": args.max_degree}
        given = {k: v for k, v in plain.items() if v is not None}
        tasks, used = [], set()
        for spec in args.task:
            name, opts = parse_task_spec(spec)
            if ":" not in spec:
                opts = {k: v for k, v in given.items() if k in _task_keys(name)}
                used |= set(opts)
            tasks.append((name, opts))
        check_distinct("--task", [format_task_spec(name, dict(sorted(opts.items()))) for name, opts in tasks])
        unused = sorted(set(given) - used)
        if unused:
            from bilinear.verify.tasks import TASK_OPTIONS
            takers = [t for t, keys in TASK_OPTIONS.items() if unused[0] in keys]
            raise expected(_flag(unused[0]), f"a plain --task that takes it ({', '.join(takers)})",
                           ",".join(args.task))
        models = parse_name_list(args.model or "full", "--model")
        _check_model_options(model_extra, models)
        configs = [_model_config(mname, hidden, model_extra) for mname in models]
        specs = [RunSpec(name, opts, cfg, seed) for name, opts in tasks for cfg in configs for seed in seeds]
    for spec in specs:          # every task must build and accept the lengths before any training
        task = make_task(spec.task, **spec.task_options)
        training_lengths(task, train.train_lengths)
        if args.test_lengths:
            task.check_lengths(evaluation.lengths, "--test-lengths")
        check_task_size(evaluation.n, max(task_lengths(task, evaluation.lengths)), what="--test-n x test length",
                        remedy="lower --test-n")
        check_model_memory(spec.model, task.vocab_size, task.num_classes)     # --hidden: before any training
    return specs, train, evaluation, lrs


def _model_config(name: str, hidden: int, extra: dict):
    """``ModelConfig`` of model ``name`` with the options of ``extra`` that apply to it."""
    from bilinear.verify.models.registry import ModelConfig, parse_model_name
    kind = parse_model_name(name)[0]
    kinds = _option_kinds()
    return ModelConfig(name, hidden=hidden,
                       **{k: v for k, v in extra.items() if kinds[k] is None or kind in kinds[k]})


def _check_model_options(extra: dict, models: list[str]) -> None:
    """Refuse a model option none of ``models`` uses (e.g. ``--model rdiag --rank 3``)."""
    from bilinear.verify.models.registry import parse_model_name
    chosen = {parse_model_name(m)[0] for m in models}      # an unknown model name is refused first
    for option, kinds in _option_kinds().items():
        if option in extra and kinds is not None and not chosen & set(kinds):
            raise expected(_flag(option), f"a --model that uses it ({', '.join(kinds)})", ",".join(models))


def _task_keys(name: str):
    from bilinear.verify.tasks import TASK_OPTIONS
    return TASK_OPTIONS[name]


def _speed(args, device) -> int:
    from bilinear.verify.models.registry import ModelConfig
    from bilinear.verify.experiments.train import RunSpec, training_throughput

    specs = [RunSpec("modadd", {"m": 10}, ModelConfig("full", hidden=64), 0),
             RunSpec("modadd", {"m": 10}, ModelConfig("lstm", hidden=64), 0)]
    tps = training_throughput(specs, batch_size=args.batch_size or 64, length=10, device=device)
    result = {"tokens_per_second": tps, "versions": software_versions(), "ratio_full_over_lstm": tps["full"] / tps["lstm"],
              "setting": "training steps (forward, backward, AdamW) at batch 64, length 10, D=10, H=64, "
                         "interleaved rounds, median", "device": str(device)}
    text = json.dumps(result, indent=1) + "\n"
    if args.out:
        write_text_atomically(os.path.join(args.out, "speed.json"), text)
    sys.stdout.write(text)
    return 0


_CLUSTER_FLAGS = ("cluster_dir", "cluster_timeout", "slurm_partition")


def _launcher(args):
    """None for the local launcher; else a :class:`bilinear.verify.experiments.cluster.SubmititLauncher`, checked
    (submitit installed, the folder writable) before any work."""
    given = [f for f in _CLUSTER_FLAGS if getattr(args, f) is not None]
    if args.launcher == "local":
        if given:
            raise expected(_flag(given[0]), "--launcher submitit", "--launcher local")
        return None
    if args.speed:
        raise expected("--launcher", "local with --speed", args.launcher)
    from bilinear.verify.experiments.cluster import SubmititLauncher, import_submitit

    import_submitit()
    folder = args.cluster_dir or (os.path.join(args.out, "submitit") if args.out else None)
    if folder is None:
        raise expected("--cluster-dir", "a folder for submitit's files (or --out)", None)
    check_output_dir("--cluster-dir", folder)
    options = {"timeout_min": args.cluster_timeout} if args.cluster_timeout else {}
    return SubmititLauncher(folder, partition=args.slurm_partition, **options)


def run(args) -> int:
    from bilinear.verify.device import resolve_device, set_threads

    device = resolve_device(args.device)
    set_threads(args.threads)
    if args.out:
        check_output_dir("--out", args.out)
        from bilinear.verify.experiments.results_file import read_results
        read_results(args.out)              # runs merge into it later: a file that is not runs is refused now
    if args.checkpoint_dir:
        check_output_dir("--checkpoint-dir", args.checkpoint_dir)
    launcher = _launcher(args)
    if args.speed:
        return _speed(args, device)
    specs, train, evaluation, lrs = _plan(args)

    from bilinear.verify.experiments.evaluate import markdown_table
    from bilinear.verify.experiments.results_file import write_results
    from bilinear.verify.experiments.train import run_sweep

    progress = None if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    ckpt = args.checkpoint_dir or (os.path.join(args.out, "checkpoints") if args.out else None)
    on_result = (lambda records: write_results(args.out, records)) if args.out else None
    records = run_sweep(specs, train, lrs, evaluation, device, ckpt, progress, on_result, jobs=args.jobs,
                        launcher=launcher)
    if args.json:
        sys.stdout.write(json.dumps(records, indent=1, sort_keys=True) + "\n")
    elif not args.out:
        sys.stdout.write(markdown_table(records))
    elif progress:
        progress(f"wrote {os.path.join(args.out, 'results.json')} and results.md")
    return 0
