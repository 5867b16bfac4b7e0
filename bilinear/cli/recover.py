"""``bilinear recover FILE... [--group G] [--alphabet A] [--json] [--snap OUT.npz]``: which
representation did a model learn; ``bilinear recover FILE... --extract``: which automaton does it
compute, from its predictions alone (docs/design.md §10)."""

from __future__ import annotations

import json

from bilinear.theory.automata.learning import DEFAULT_MAX_QUERIES, DEFAULT_MAX_STATES
from bilinear.theory.errors import InputError, expected

from bilinear.cli.common import (add_group_limits, add_json, check_output_file, nonnegative_int, number, output_path,
                                 positive_int, seed)


def add_parser(sub):
    p = sub.add_parser("recover", help="recover the representation (or automaton) a trained model learned",
                       description="Reachable subspace, restricted transitions, homomorphism residual, real "
                                   "irreducible constituents, faithful/minimal, intertwiner with the exact "
                                   "construction, eigen-angles for cyclic groups; automaton tasks: clustered "
                                   "states against the minimal machine. Inputs: bilinear train checkpoints, "
                                   "bilinear construct weight files, or .npz/.pt files with A (D x H x H) and "
                                   "optionally h0, or another codebase's model (fla layers, PD-SSM, Householder factors, complex or "
                                   "affine arrays: docs/bring_your_own_model.md). The first line of each file is "
                                   "the graded verdict: exact, approximate or not a representation. Exit 0 if no "
                                   "file is 'not a representation' (automata: isomorphic), 1 if one is, 2 for bad input. With "
                                   "--extract: black-box extraction of the Moore machine the model computes (L* on its "
                                   "predictions, any model class: bilinear levels, lstm, mamba, transformer), "
                                   "compared with the task's minimal machine; exit 0 if every file's machine is "
                                   "identical, 1 if one differs, 2 for bad input.")
    p.add_argument("files", metavar="FILE", nargs="+")
    p.add_argument("--group", help="the group the symbols act as (required for foreign files), e.g. S3, Z5")
    p.add_argument("--alphabet", help="element of each symbol, separated by ';' (e.g. '(1,2);(1,2,3)'), "
                                      "or 'all' (symbol k = element k; the default)")
    p.add_argument("--automaton", metavar="FILE.json",
                   help="foreign files of an automaton model, or any file with --extract: the target machine "
                        "(docs/design.md §11 format)")
    add_json(p, "one object per file (a list)")
    add_group_limits(p)                        # --group or the files' groups: --max-order, --max-degree
    p.add_argument("--snap", type=output_path, metavar="OUT.npz", help="write the exact action in the learned basis as a weight file "
                                                     "(one input file only)")
    p.add_argument("--words", type=positive_int, default=256, help="random words for the states (default 256)")
    p.add_argument("--length", type=positive_int, default=16, help="their length (default 16)")
    p.add_argument("--seed", type=seed, default=0, help="seed of the random words (default 0)")
    p.add_argument("--rank-tol", type=number(minimum=0, maximum=1, open_min=True, open_max=True), default=None,
                   help="relative singular value below which the states count as outside V (default 0.1)")
    p.add_argument("--horizon-max", type=nonnegative_int, default=10_000,
                   help="bound of the float32 exactness-horizon search of the verdict (and of --snap, before and "
                        "after); 0 = not searched (default 10^4)")
    x = p.add_argument_group("automaton extraction (docs/design.md §10)")
    x.add_argument("--extract", action="store_true",
                   help="learn the Moore machine of the model's predictions (L*, Rivest-Schapire counterexamples; "
                        "the equivalence oracle compares every prefix of --words random words of --length symbols "
                        "per round, seeded by --seed) and compare it with the task's minimal machine (or "
                        "--automaton's): the state map, or the first distinguishing word; checkpoints of every "
                        "model class and weight files")
    x.add_argument("--max-states", type=positive_int, default=DEFAULT_MAX_STATES,
                   help=f"--extract: refuse to learn more states (default {DEFAULT_MAX_STATES})")
    x.add_argument("--max-queries", type=positive_int, default=DEFAULT_MAX_QUERIES,
                   help=f"--extract: refuse to ask more distinct words (default {DEFAULT_MAX_QUERIES})")
    g = p.add_argument_group("foreign files (docs/bring_your_own_model.md)")
    g.add_argument("--layout", choices=["D,H,H", "H,H,D"],
                   help="order of the axes of A: A[x] (D,H,H) or A[:, :, x] (H,H,D); required when D = H")
    g.add_argument("--head", type=nonnegative_int, help="the head (or layer) to read, for arrays with a leading "
                                                        "head axis and fla layers with several heads")
    g.add_argument("--row-vectors", action="store_true",
                   help="the model computes h <- h A (+ b) (torch's h @ A): read A^T; recovery also detects this")
    g.add_argument("--value-column", type=nonnegative_int, metavar="J",
                   help="fla layers: read one value column of the matrix state (K + 1 coordinates) instead of all; "
                        "fla Mamba3: read that value column exactly, write included (2N + 1 coordinates), instead "
                        "of the rotation and decay alone")
    p.set_defaults(run=run)


def _e(x) -> str:
    return "None" if x is None else format(x, ".2e")


def _verdict_line(r: dict) -> str:
    """The first line: the graded verdict (docs/design.md §10)."""
    cons = r["closest"]["constituents"]
    where = f"dim V={r['dimension']} of H={r['hidden']}"
    hz = r["horizon"]
    since = f" (from length {hz['from_length']}, after the burn-in)" if hz.get("from_length", 1) > 1 else ""
    horizon = (f"no float32 failure up to length {hz['searched']}{since}" if hz["horizon"] is None and hz["searched"]
               else f"float32 horizon {hz['horizon']}" if hz["horizon"] is not None else hz.get("reason", "horizon not measured"))
    nums = f"residual {_e(r['homomorphism_residual'])}, spread {r['projective_spread']:.2e}"
    rows = "; read with row vectors (h <- h A)" if "column_reading" in r else ""
    rows += "" if r.get("constituents_faithful", True) else "; NOT FAITHFUL (does not tell every element apart)"
    if r["grade"] == "exact":
        return f"EXACT: {r['group']} {cons}, {where}; certified after snapping; {nums}; {horizon}{rows}"
    if r["grade"] == "approximate":
        return f"APPROXIMATE: {r['group']} {cons}, {where}; {nums}; {horizon}{rows}"
    why = "; ".join(r["reasons"]) or "see below"
    return f"NOT A REPRESENTATION: {why}; closest: {cons}, {where} at residual {_e(r['homomorphism_residual'])}"


def _text(r: dict) -> str:
    head = f"{r['file']}: "
    if "automaton" in r:
        return (head + f"automaton {r['automaton']}, H={r['hidden']}, dim V={r['dimension']}: {r['clusters']} clusters "
                f"for {r['reached_target_states']} reached states of the minimal machine ({r['target_states']}), "
                f"{r['mismatches']} mismatches -> " + ("isomorphic" if r["isomorphic"] else "NOT isomorphic"))
    cons = " + ".join((f"{c['multiplicity']}x" if c["multiplicity"] > 1 else "") +
                      f"psi{c['real_irreducible']}(dim {c['real_dimension']}, {c['type']})" for c in r["constituents"])
    lines = [head + _verdict_line(r)]
    lines.append(f"  group {r['group']}, H={r['hidden']}, dim V={r['dimension']} (state rank {r['state_rank']} at {r['rank_tolerance']:g}), "
                 f"homomorphism residual {_e(r['homomorphism_residual'])}, "
                 f"projective spread {r['projective_spread']:.2e} -> "
                 + ("a representation" if r["is_representation"] else "NOT a representation"))
    for note in r["info"].get("source", []) if isinstance(r.get("info"), dict) else []:
        lines.append(f"  read: {note}")
    if isinstance(r.get("info"), dict) and r["info"].get("h0"):
        lines.append(f"  {r['info']['h0']}")
    lines.append(f"  orientation: {r['orientation']}; burn-in: states after >= {r['burn_in']} symbol(s) kept"
                 + ("" if r["burn_in_settled"] else " (transients persist: try a larger --length)"))
    if r["reasons"] and r["grade"] != "not a representation":
        lines.append(f"  not exact: {'; '.join(r['reasons'])}")
    if r["near_singular_symbols"]:
        lines.append(f"  near-singular on V: symbols {', '.join(r['near_singular_symbols'])}")
    lines.append(f"  character on classes {r['classes']}: [{', '.join(f'{x:.3f}' for x in r['character'])}]")
    err = r["multiplicity_error"]
    lines.append(f"  constituents: {cons or 'none'} (multiplicity error {_e(err)}); "
                 f"faithful {r['faithful']}, minimal {r['minimal']} (smallest faithful dim {r['min_faithful_dimension']})")
    tw = r["intertwiner"]
    if tw["residual"] is not None:
        lines.append(f"  intertwiner: residual {tw['residual']:.2e}, condition {tw['condition']:.3g}")
    if "angles" in r:
        ks = sorted(a["k"] for a in r["angles"])
        lines.append(f"  angles of {r['cyclic_generator']}: k = {ks} (x 2pi/{r['order']}), max error "
                     f"{max(a['error'] for a in r['angles']):.2e}; generate Z_{r['order']}: {r['generates']}")
    if "snap" in r:
        s = r["snap"]
        if s["file"] is None:
            lines.append(f"  not snapped: {s['reason']}")
        else:
            lines.append(f"  snapped to {s['file']}: certified {s['certified']}"
                         + (f" ({s['reason']})" if s.get("reason") else "")
                         + f"; float32 horizon before {s['horizon_before']}, after {s['horizon_after']} "
                           f"(searched to {s['horizon_searched']}; None = no failure); accuracy >= 0.95 at every "
                           f"length up to {s['accuracy_horizon_before']} before, {s['accuracy_horizon_after']} after")
    return "\n".join(lines)


def _extract_text(r: dict) -> str:
    n, m, task = r["learned_states"], r["target_states"], r["task_machine_states"]
    eq = r["equivalence_oracle"]
    tested = (f"tested at every prefix of {eq['words']} random words of length {eq['length']} per round (seed "
              f"{eq['seed']}, {eq.get('rounds')} round(s))")
    if r["isomorphic"]:
        head = (f"{r['file']}: IDENTICAL: the model's machine has {n} states, isomorphic to the minimal machine of the "
                f"target {r['target']!r} ({task} states; {m} with the state {r['before_input']}); {tested}")
        body = ["  state map (model's state, named by its first word -> target state): "
                + ", ".join(f"{k} -> {v}" for k, v in r["state_map"].items())]
    elif n is None:
        head = (f"{r['file']}: DIFFERS: the model's machine has more than {r['max_states']} states or needs more than "
                f"{r['max_queries']} queries (the learner stopped at the cap), the minimal machine of the target "
                f"{r['target']!r} {m} (with the state {r['before_input']}; {task} without); the first of the "
                f"{r['words_answered']} words the model answered on which it differs from the target: {r['word_text']}: "
                f"the model outputs {r['model_output']}, the target {r['target_output']}")
        return head + f"\n  stopped: {r['stopped']}"
    else:
        head = (f"{r['file']}: DIFFERS: the model's machine has {n} states, the minimal machine of the target {r['target']!r} {m} (with the state "
                f"{r['before_input']}; {task} without); first distinguishing word {r['word_text']}: the model "
                f"outputs {r['model_output']} (its extracted machine {r['learned_output']}), the target "
                f"{r['target_output']}")
        body = [f"  {tested}"]
    q = r["queries"]
    body.append(f"  queries: {q['membership']} membership, {eq['rounds']} equivalence, counterexamples of length "
                f"{q['counterexample_lengths'] or 'none'}; the model ran {r['model_runs']['sequences']} words, "
                f"{r['model_runs']['tokens']} tokens; output of the empty word: {r['no_output']}")
    return "\n".join([head] + body)


def _run_extract(args) -> int:
    from bilinear.verify.recover.extract import extract, load_subject
    for flag, value in (("--snap", args.snap), ("--group", args.group), ("--alphabet", args.alphabet),
                        ("--rank-tol", args.rank_tol), ("--layout", args.layout), ("--head", args.head),
                        ("--row-vectors", args.row_vectors or None), ("--value-column", args.value_column)):
        if value is not None:
            raise expected(flag, "nothing with --extract (extraction reads the model's predictions only)", value)
    target = _target(args)
    subjects = [load_subject(f, target) for f in args.files]
    results = [extract(s, args.words, args.length, args.seed, args.max_states, args.max_queries) for s in subjects]
    return _report(results, args.json, _extract_text, "isomorphic")


def _report(results: list[dict], as_json: bool, text, passed: str) -> int:
    """Print ``results`` (JSON, or each as ``text`` renders it) and return the exit code: 0 when every
    result's ``passed`` field is true, 1 (a negative verdict) otherwise."""
    if as_json:
        print(json.dumps(results, indent=2))
    else:
        for r in results:
            print(text(r))
    return 0 if all(r[passed] for r in results) else 1


def _target(args):
    """The automaton of ``--automaton`` (None without it)."""
    if not args.automaton:
        return None
    from bilinear.theory.automata.automaton import Automaton
    return Automaton.from_json(args.automaton)


def run(args) -> int:
    if args.extract:
        return _run_extract(args)
    from bilinear.verify.recover import RecoverySettings, load_learned, recover
    if args.snap and len(args.files) != 1:
        raise InputError(f"--snap: expected one input FILE, got {len(args.files)}")
    if args.snap:
        check_output_file("--snap", args.snap, ".npz",          # missing folders are created on writing
                          inputs=tuple(args.files) + ((args.automaton,) if args.automaton else ()))
    target = _target(args)
    from bilinear.verify.recover.adapters import ForeignOptions
    foreign = ForeignOptions(layout=args.layout, head=args.head, row_vectors=args.row_vectors,
                             column=args.value_column, seed=args.seed)
    models = [load_learned(f, args.group, args.alphabet, target, foreign) for f in args.files]
    extra = {} if args.rank_tol is None else {"rank_tol": args.rank_tol}
    settings = RecoverySettings(words=args.words, length=args.length, seed=args.seed, horizon_max=args.horizon_max,
                                orientation="columns" if args.row_vectors else "auto", **extra)
    results, extras = recover(models, settings, details=True)
    if args.snap:
        from bilinear.verify.recover.snap_file import snap_to_file
        snap_to_file(models[0], results[0], extras[0], args.snap, horizon_max=args.horizon_max, seed=args.seed)
    return _report(results, args.json, _text, "verdict")
