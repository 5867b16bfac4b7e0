"""``bilinear task NAME [options] --n N --length L --seed S``: task data as JSON lines (or CSV)."""

from __future__ import annotations

import argparse
import io
import sys

from bilinear.theory.errors import expected
from bilinear.theory.files import write_text_atomically
from bilinear.verify.tasks import (TASK_NAMES, TASKS, check_task_size, illusion_csv, make_task, task_class, write_jsonl)

from bilinear.cli.common import add_group_source, add_max_tokens, check_output_file, group_source, positive_int, seed, output_path


def add_parser(sub):
    p = sub.add_parser(
        "task", help="generate task data (JSON lines)",
        description="Generate a seeded batch of a state-tracking task. Each output line is "
                    '{"tokens": [...], "labels": [...], "label": ...}; labels[i] is the label of the prefix '
                    "ending at token i (-1 where it has none), label that of the whole sequence. "
                    "Sequence i of a seed is the same whatever --n. Definitions and token encodings: "
                    "the docstrings of verify/tasks/<NAME>.py.")
    p.add_argument("name", metavar="NAME", choices=TASK_NAMES, help=f"one of {', '.join(TASK_NAMES)}")
    p.add_argument("--n", type=positive_int, required=True, help="number of sequences")
    p.add_argument("--length", type=positive_int, required=True,
                   help="tokens per sequence (modarith: odd lengths only)")
    p.add_argument("--seed", type=seed, required=True, help="sampling seed (an integer >= 0)")
    p.add_argument("--m", type=positive_int, help="modulus (modadd, modarith) or number of values (flipflop)")
    p.add_argument("--states", type=positive_int, help="automaton: number of states")
    p.add_argument("--symbols", type=positive_int, help="automaton: alphabet size")
    p.add_argument("--automaton-seed", type=seed,
                   help="automaton: seed of the random automaton (default 0; fixed apart from --seed so "
                        "train and test data share the automaton)")
    add_group_source(p, positional=False)      # --group (word), --automaton FILE.json, --max-order, --max-degree
    p.add_argument("--file", dest="automaton", help=argparse.SUPPRESS)  # older spelling of --automaton
    add_max_tokens(p)
    p.add_argument("--format", choices=("jsonl", "illusion-csv"), default="jsonl",
                   help="illusion-csv: the 'Illusion of State' word-problem CSV (word task with S_n, A_n, Z_n "
                        "and products). Its input column equals the jsonl tokens of the same seed and its "
                        "element indices are the same, but its target composes as functions, as that "
                        "benchmark does: target_t = g_t*...*g_1 in our convention (g*h applies g first), "
                        "while the jsonl label is g_1*...*g_t")
    p.add_argument("--out", type=output_path, help="write to this file instead of standard output")
    p.set_defaults(run=run)


def run(args) -> int:
    group, automaton = group_source(args, required=False)
    if args.out:
        check_output_file("--out", args.out, inputs=(automaton,) if automaton else ())
    check_task_size(args.n, args.length, args.max_tokens)
    if args.format != "jsonl":
        if args.format not in task_class(args.name).ENCODINGS:
            users = [name for name, cls in TASKS.items() if args.format in cls.ENCODINGS]
            raise expected("--format", f"jsonl for the {args.name} task ({args.format} is for the "
                                       f"{', '.join(users)} task only)", args.format)
        text = illusion_csv(group, args.n, args.length, args.seed, max_order=args.max_order,
                            max_tokens=args.max_tokens, max_degree=args.max_degree)
    else:
        task = make_task(args.name, m=args.m, states=args.states, symbols=args.symbols,
                         automaton_seed=args.automaton_seed, file=automaton, group=group,
                         max_order=args.max_order, max_degree=args.max_degree)
        length = task.check_length(args.length, "--length")
        buf = io.StringIO()
        write_jsonl(task.sample(args.n, length, args.seed, max_tokens=args.max_tokens), buf)
        text = buf.getvalue()
    if args.out:
        write_text_atomically(args.out, text)
    else:
        sys.stdout.write(text)
    return 0
