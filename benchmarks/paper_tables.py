"""The reference paper's experiment tables from our run records, beside the values it reports.

Reads the record directories of ``benchmarks/paper_tables_sweep.sh`` (each with the
``results.json`` that ``bilinear train --out`` writes) and writes, between the markers
``<!-- tables:begin -->`` and ``<!-- tables:end -->`` of the output page (the text around them is
kept; a missing page is created with the markers only):

* per task family (modular addition, random automata, modular arithmetic) the accuracy at the
  paper's test length (500; modarith: 501, it has odd lengths only) of every model: chance-normalised
  beside the value the paper reports, then raw and normalised as the median over seeds with each
  seed's value;
* the *horizon* of every run (the longest test length up to which every test length has accuracy
  >= 0.95, :func:`bilinear.verify.experiments.evaluate.horizon`): per cell the median over seeds and
  each seed's, beside ours / reported, with the verdict *agrees* / *differs* and, for a difference,
  its measured reason where one has been measured (:data:`REASONS`);
* per task the median accuracy at every test length (length generalisation);
* compute per record directory: runs, training wall and CPU seconds from the records, and the
  ``time`` totals (real, user + sys) of each step when ``--time-log`` gives the sweep's log.

**Chance** at length L is the accuracy of the best constant predictor, ``max_y P(label = y)``
for sequences drawn by the task's own sampler, computed exactly
(:func:`bilinear.verify.tasks.label_distribution.best_constant_accuracy`).  **Chance-normalised** accuracy
is ``(acc - chance) / (1 - chance)``: 0 at chance, 1 when perfect, negative below chance; it is
undefined (shown ``n/a``) when chance is 1.  Being an increasing affine map, it commutes with the
median.

    python benchmarks/paper_tables.py RUNS/tables_* --out PAGE.md \
        --time-log RUNS/sweep.log --summary SUMMARY.json

``--summary`` also writes every number of the tables as JSON (for the figures); ``--figure DIR``
draws the accuracy figure (:mod:`bilinear.paper_figs.accuracy`) of the same records into DIR.

**Structure.**  Where a record directory holds ``extraction/*.json`` (one small file per run,
written by ``benchmarks/extract_automata.py`` from the run's checkpoint: the Moore machine extracted
from the model's predictions, ``bilinear recover --extract``), each family gains a table of the
extracted machine against the task's minimal machine per seed: ``≅`` identical, ``≠ n`` differs
(``n`` states extracted), ``≠ > cap`` differs with more states than the extraction's cap, ``> cap``
stopped at the cap without a word that differs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bilinear.theory.errors import InputError  # noqa: E402
from bilinear.theory.files import write_text_atomically  # noqa: E402
from bilinear.verify.experiments.evaluate import horizon  # noqa: E402
from bilinear.verify.tasks import make_task  # noqa: E402
from bilinear.verify.tasks.label_distribution import best_constant_accuracy, window_accuracy  # noqa: E402

BEGIN, END = "<!-- tables:begin -->", "<!-- tables:end -->"

#: The paper's test length; a task that does not accept it is read at the next length it accepts.
TEST_LENGTH = 500

#: Our models in table order; baselines with layers are ``mamba-L1`` etc.
MODEL_ORDER = ("full", "cp", "block", "rot", "cdiag", "rdiag", "pdiag", "lstm",
               "mamba-L1", "mamba-L2", "mamba-L4", "transformer-L1", "transformer-L2", "transformer-L4")

#: The task families of the paper's tables: (title, task name, option name, values).
FAMILIES = (
    ("Modular addition", "modadd", "m", (2, 3, 5, 10, 25, 50)),
    ("Random automata (3 symbols, automaton seed 0)", "automaton", "states", (2, 5, 10, 25)),
    ("Modular arithmetic (standard precedence)", "modarith", "m", (5,)),
)

#: Values reported at length 500, from a summary of the paper (its full text was not available);
#: ``None`` = not reported.  Keys: (task, option value) -> {paper's model row: value}.
REPORTED_ROWS = {
    "modadd": ("Bilinear (full)", "Block-diag size 1 (real diagonal)", "Block-diag size 2",
               "R2 block-diag (rotation / complex diagonal)", "LSTM", "Mamba (1/2/4 layers, merged)",
               "Transformer (1/2/4 layers, merged)"),
    "automaton": ("Bilinear (full)", "Factored bilinear (CP)", "Block-diag size 2", "LSTM", "Mamba (4 layers)"),
}
REPORTED = {
    "modadd": {
        "Bilinear (full)": (1.00, 1.00, 1.00, 1.00, 1.00, 1.00),
        "Block-diag size 1 (real diagonal)": (1.00, 0.00, 0.00, 0.10, 0.00, 0.02),
        "Block-diag size 2": (1.00, 1.00, 1.00, 1.00, 1.00, 1.00),
        "R2 block-diag (rotation / complex diagonal)": (1.00, 0.00, 1.00, 0.66, 0.37, 0.00),
        "LSTM": (1.00, 1.00, 0.98, 1.00, 0.00, 0.02),
        "Mamba (1/2/4 layers, merged)": (0.00, 0.01, 0.01, 0.00, 0.00, 0.00),
        "Transformer (1/2/4 layers, merged)": (0.03, 0.01, 0.00, 0.00, 0.00, 0.00),
    },
    "automaton": {
        "Bilinear (full)": (1.00, 1.00, 1.00, 1.00),
        "Factored bilinear (CP)": (1.00, 1.00, 1.00, 0.50),
        "Block-diag size 2": (1.00, 0.00, 0.00, 0.00),
        "LSTM": (1.00, 1.00, 0.00, 0.00),
        "Mamba (4 layers)": (0.00, 0.00, 0.00, 0.00),
    },
}
#: Which of our models each reported row is compared with.
REPORTED_MODELS = {
    "Bilinear (full)": ("full",),
    "Factored bilinear (CP)": ("cp",),
    "Block-diag size 1 (real diagonal)": ("rdiag",),
    "Block-diag size 2": ("block",),
    "R2 block-diag (rotation / complex diagonal)": ("rot", "cdiag"),
    "LSTM": ("lstm",),
    "Mamba (1/2/4 layers, merged)": ("mamba-L1", "mamba-L2", "mamba-L4"),
    "Mamba (4 layers)": ("mamba-L4",),
    "Transformer (1/2/4 layers, merged)": ("transformer-L1", "transformer-L2", "transformer-L4"),
}
#: The measured reason of a difference from the reported value: (task label, our model, training
#: steps) -> text.  Only reasons measured (a run that changes one thing and shows the effect, or the
#: records themselves), never a guess; a difference without an entry says "reason not measured yet".
REASONS: dict[tuple[str, str, int], str] = {
    ("modadd(m=3)", "block", 10_000): (
        "a systematic phase drift of seed 0 (exact to length 300, wrong at 500-1000, right again at 2000; its best "
        "validated state is the last, step 10 000, at both learning rates); seeds 1 and 2 of the same configuration "
        "are exact at 500 (docs/results_training.md, 'Defaults that reach the theory')"),
    ("modadd(m=5)", "cdiag", 10_000): (
        "a phase drift of seed 0 (0.81 at 500, horizon 300); seeds 1 and 2 of the same configuration are exact at "
        "500 with horizons 2000 and 1000 (docs/results_training.md, 'Defaults that reach the theory')"),
    ("modadd(m=2)", "cdiag", 10_000): (
        "a phase drift of seeds 1 and 2 (exact to 200, 0.00 at 500 and 700, 1.00 at 1500): on their checkpoints "
        "`bilinear recover` finds symbol 1 turning the complex pairs the states use by pi - 0.006, pi - 0.051 and "
        "pi - 0.271 (seed 1) and by pi - 0.012, pi - 0.244 and pi (seed 2), moduli 1 +- 0.001, so a "
        "representation of Z2 only approximately (residuals 0.32 and 0.31); seed 0 is exact at 500, horizon 700 "
        "(docs/results_paper_tables_10k/measured/cdiag_modadd2_seed{1,2}_recover.json)"),
    ("modadd(m=10)", "lstm", 10_000): (
        "budget or width: seed 0 with one change, 10 000 -> 30 000 steps, is 0.985 at 500 with horizon 1000, and with "
        "the other, H = 64 -> 256 (the paper's), 0.97 with horizon 700 (from 0.775, horizon 100; "
        "docs/results_paper_tables_10k/measured/lstm_modadd10_seed0_{steps30k,hidden256}.json)"),
    ("modadd(m=3)", "rot", 10_000): (
        "every seed of ours is exact at 500 (horizons 2000, 700, 500); the reported R2 row (1.00, 0.00, 1.00 for "
        "m = 2, 3, 5) is not monotone in m"),
    ("modadd(m=3)", "cdiag", 10_000): (
        "seeds 0 and 1 of ours are exact to 1000 and 700; seed 2 is exact to 300 and 0.00 at 500, a phase drift: "
        "`bilinear recover` finds symbol 1 turning its four complex pairs by 2pi/3 within 0.008-0.099 (moduli "
        "1 +- 0.003; residual 0.13) and predicts a float32 horizon of 294 "
        "(docs/results_paper_tables_10k/measured/cdiag_modadd3_seed2_recover.json); the reported R2 row (1.00, "
        "0.00, 1.00 for m = 2, 3, 5) is not monotone in m"),
}

#: For the automata: the best accuracy from the last k symbols only (bilinear.verify.tasks.label_distribution.window_accuracy),
#: the most a model with a memory of k symbols can reach.
WINDOWS = (4, 8)
WINDOW_TASKS = ("automaton",)

#: Ours and reported "disagree" when the chance-normalised medians differ by more than this, ours
#: clipped at 0 first (below-chance accuracy is negative here; the reported values never are).
DISAGREE = 0.1


def model_key(record: dict) -> str:
    """``full``, ``lstm``, ``mamba-L2`` (baselines with an explicit layer count carry it as ``-L``;
    other non-default options stay in brackets, as the records' ``variant`` spells them)."""
    layers = record.get("model_config", {}).get("layers", 0)
    with_layers = record["model"] in ("mamba", "transformer") and layers
    variant = [v for v in (record.get("variant") or "").split(",") if v and not (with_layers and v == f"layers={layers}")]
    return record["model"] + (f"[{','.join(variant)}]" if variant else "") + (f"-L{layers}" if with_layers else "")


def task_key(record: dict) -> tuple:
    return (record["task"], tuple(sorted(record.get("task_options", {}).items())))


def task_label(key: tuple) -> str:
    name, opts = key
    return name + ("(" + ",".join(f"{k}={v}" for k, v in opts) + ")" if opts else "")


def read_records(directories) -> list[dict]:
    """Every record of ``DIR/results.json`` for each directory, tagged with ``_dir`` (its name);
    a (task, model, hidden, seed) found twice is refused."""
    out, seen = [], {}
    for d in directories:
        path = Path(d) / "results.json"
        if not path.is_file():
            raise InputError(f"{d}: expected a record directory with results.json")
        for r in json.loads(path.read_text(encoding="utf-8")):
            key = (task_key(r), model_key(r), r["hidden"], r["seed"])
            if key in seen:
                raise InputError(f"{d}: run {task_label(key[0])} {key[1]} seed {key[3]} is also in {seen[key]}")
            seen[key] = Path(d).name
            out.append({**r, "_dir": Path(d).name})
    return out


def read_extractions(directories) -> dict:
    """``{(task key, model key, hidden, seed): extraction record}`` from ``DIR/extraction/*.json`` of each
    directory that has one (written by ``benchmarks/extract_automata.py``); a run found twice is refused."""
    out: dict = {}
    for d in directories:
        for path in sorted((Path(d) / "extraction").glob("*.json")):
            r = json.loads(path.read_text(encoding="utf-8"))
            key = (task_key(r), model_key(r), r["hidden"], r["seed"])
            if key in out:
                raise InputError(f"{path}: run {task_label(key[0])} {key[1]} seed {key[3]} is extracted twice")
            out[key] = r
    return out


def structure_cell(extraction: dict) -> str:
    """``≅`` (identical), ``≠ n`` (differs, ``n`` states extracted), ``≠ > cap`` (differs on a word the
    model answered, the learner stopped at the state cap) or ``> cap`` (stopped at the cap, no such word)."""
    e = extraction["extraction"]
    if e["verdict"] == "identical":
        return "≅"
    if e["verdict"] == "differs":
        return f"≠ {e['learned_states']}" if e.get("learned_states") is not None else f"≠ > {e['max_states']}"
    return f"> {e['max_states']}"


def group_runs(records) -> dict:
    """``{task key: {model key: [records sorted by seed]}}``."""
    groups: dict = {}
    for r in records:
        groups.setdefault(task_key(r), {}).setdefault(model_key(r), []).append(r)
    for models in groups.values():
        for rs in models.values():
            rs.sort(key=lambda r: r["seed"])
    return groups


def chance_levels(key: tuple, lengths) -> dict[int, float]:
    """Exact best-constant accuracy of the task at each length (as floats)."""
    name, opts = key
    task = make_task(name, **dict(opts))
    return {L: float(p) for L, p in best_constant_accuracy(task, lengths).items()}


def normalise(acc: float | None, chance: float) -> float | None:
    if acc is None or chance >= 1:
        return None
    return (acc - chance) / (1 - chance)


def test_length(key: tuple) -> int:
    name, opts = key
    return make_task(name, **dict(opts)).valid_length_at_least(TEST_LENGTH)


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _fmt(v, digits=3) -> str:
    return "—" if v is None else ("n/a" if isinstance(v, float) and math.isnan(v) else f"{v:.{digits}f}")


def _records_reason(model: dict, length: int | str, ours: float, reported: float) -> str | None:
    """The reason the records themselves measure for a cell where ours is above the reported value:
    every seed is >= 0.95 at every test length up to ``length`` (its horizon reaches it), so the model
    learns the task under this protocol; None otherwise (then only a measured entry of
    :data:`REASONS` explains it).

    >>> _records_reason({"horizons": [2000, 700, 1000], "seeds": [0, 1, 2]}, 500, 1.0, 0.37)
    'every seed (0, 1, 2) is >= 0.95 at every test length up to 500 (horizons 2000, 700, 1000): this model learns the task under this protocol; the reported runs are not available to measure why they fall short'
    >>> _records_reason({"horizons": [2000, 300], "seeds": [0, 1]}, 500, 1.0, 0.37) is None
    True
    """
    horizons, length = model.get("horizons") or [], int(length)
    if ours <= reported or not horizons or min(horizons) < length:
        return None
    return (f"every seed ({', '.join(map(str, model['seeds']))}) is >= 0.95 at every test length up to {length} "
            f"(horizons {', '.join(f'{h:g}' for h in horizons)}): this model learns the task under this protocol; "
            "the reported runs are not available to measure why they fall short")


def _window_reason(entry: dict, model: dict, length: int | str, ours: float, reported: float) -> str | None:
    """The reason the records and the task measure for an automaton cell where ours is above the
    reported value without tracking: every seed's accuracy at ``length`` is at most the best accuracy
    of a predictor that sees only the last ``max(WINDOWS)`` symbols (exact, ``entry["window"]``) and
    every horizon is below ``length``, so the model has a short memory of the input, not the state;
    None otherwise.

    >>> entry = {"window": {"4": 0.427, "8": 0.5643}}
    >>> _window_reason(entry, {"accuracy": {"500": [0.527]}, "horizons": [10]}, 500, 0.37, 0.0)
    'its accuracy at 500 (0.527) is at most that of the best predictor from the last 8 symbols alone (0.564), with horizon 10: it does not track the automaton; what it has above chance, a memory of the last 8 symbols gives'
    >>> _window_reason(entry, {"accuracy": {"500": [0.6]}, "horizons": [10]}, 500, 0.5, 0.0) is None
    True
    """
    k = max(WINDOWS)
    bound = (entry.get("window") or {}).get(str(k))
    accuracy, horizons = model.get("accuracy", {}).get(str(length)) or [], model.get("horizons") or []
    if (bound is None or ours <= reported or not accuracy or None in accuracy or max(accuracy) > bound
            or not horizons or max(horizons) >= int(length)):
        return None
    subject = "its accuracy" if len(accuracy) == 1 else "every seed's accuracy"
    return (f"{subject} at {length} "
            f"({', '.join(f'{a:.3f}' for a in accuracy)}) is at most that of the best predictor from the last {k} "
            f"symbols alone ({bound:.3f}), with horizon{'' if len(horizons) == 1 else 's'} "
            f"{', '.join(f'{h:g}' for h in horizons)}: it does not track the automaton; what it has above chance, a "
            f"memory of the last {k} symbols gives")


def summarise(records, extractions: dict | None = None) -> dict:
    """Every number the tables show: per task, chance per length, and per model the seeds, each
    seed's accuracy per length, the median and the chance-normalised values, and (with
    ``extractions``, :func:`read_extractions`) each seed's extracted structure (None: not extracted)."""
    extractions = extractions or {}
    out = {}
    for key, models in group_runs(records).items():
        lengths = sorted({int(L) for rs in models.values() for r in rs for L in r["accuracy"]})
        chance = chance_levels(key, lengths)
        entry = {"task": key[0], "task_options": dict(key[1]), "test_length": test_length(key),
                 "lengths": lengths, "chance": {str(L): chance[L] for L in lengths},
                 "uniform_guess": 1.0 / make_task(key[0], **dict(key[1])).num_classes, "models": {}}
        if key[0] in WINDOW_TASKS:
            entry["window"] = {str(k): float(window_accuracy(make_task(key[0], **dict(key[1])), entry["test_length"], k))
                               for k in WINDOWS}
        for m, rs in models.items():
            acc = {str(L): [r["accuracy"].get(str(L)) for r in rs] for L in lengths}
            med = {L: _median(v) for L, v in acc.items()}
            entry["models"][m] = {
                "seeds": [r["seed"] for r in rs], "dirs": sorted({r["_dir"] for r in rs}),
                "hidden": rs[0]["hidden"], "lr": sorted({r["lr"] for r in rs}),
                "steps": sorted({r["train_config"]["steps"] for r in rs}),
                "accuracy": acc, "median": med,
                "horizons": [horizon(r["accuracy"]) for r in rs],
                "horizon_median": _median([horizon(r["accuracy"]) for r in rs]),
                "normalised": {L: [normalise(a, chance[int(L)]) for a in v] for L, v in acc.items()},
                "normalised_median": {L: normalise(v, chance[int(L)]) for L, v in med.items()},
            }
            found = [extractions.get((key, m, r["hidden"], r["seed"])) for r in rs]
            if any(found):
                entry["models"][m]["structure"] = [None if e is None else e["extraction"] | {"cell": structure_cell(e)}
                                                   for e in found]
        out[task_label(key)] = entry
    return out


def _family_tasks(summary, name, option, values):
    return [(v, next((lab for lab, e in summary.items() if e["task"] == name and e["task_options"].get(option) == v),
                     None)) for v in values]


#: The seeds of a complete bilinear/LSTM cell (the cell names its seeds when it has others).
SEEDS = [0, 1, 2]


def _rerun_reason(rerun: tuple[str, dict], lab: str, m: str, length: str, reported: float) -> str | None:
    """The reason a later re-run of the same cell measures for a difference on this page: what the
    re-run's records give there (its budget and defaults, the page ``rerun[0]``), whether that agrees
    with the reported value, and the re-run's horizon; None when the re-run has no such cell.

    >>> cell = {"models": {"full": {"normalised_median": {"500": 1.0}, "horizon_median": 2000, "steps": [10000]}}}
    >>> _rerun_reason(("rerun.md", {"modadd(m=50)": cell}), "modadd(m=50)", "full", "500", 1.0)
    "the re-run at 10000 steps with the current defaults (rerun.md) gives 1.00 (horizon 2000), which agrees with the reported value: the difference is this page's budget and defaults"
    """
    model = rerun[1].get(lab, {}).get("models", {}).get(m)
    value = None if model is None else model.get("normalised_median", {}).get(str(length))
    if value is None:
        return None
    agrees = abs(max(value, 0.0) - reported) <= DISAGREE
    steps = "/".join(str(s) for s in model.get("steps", ())) or "?"
    horizon = model.get("horizon_median")
    return (f"the re-run at {steps} steps with the current defaults ({rerun[0]}) gives {value:.2f}"
            + ("" if horizon is None else f" (horizon {horizon:g})")
            + (", which agrees with the reported value: the difference is this page's budget and defaults" if agrees
               else "; it still differs there, and that page gives the measured reason"))


def _seed_cell(model: dict, L: str, field_median: str, field_seeds: str, digits: int) -> str:
    values = model[field_seeds][L]
    med = model[field_median][L]
    if len(values) == 1:
        return _fmt(med, digits) + ("" if model["seeds"] == [0] else f" (seed {model['seeds'][0]})")
    cell = f"{_fmt(med, digits)} ({', '.join(_fmt(v, digits) for v in values)}"
    return cell + (")" if model["seeds"] == SEEDS else f"; seeds {', '.join(map(str, model['seeds']))})")


def family_tables(summary, title, name, option, values, rerun: tuple[str, dict] | None = None) -> str:
    tasks = _family_tasks(summary, name, option, values)
    present = [(v, lab) for v, lab in tasks if lab]
    if not present:
        return f"### {title}\n\nNo records.\n"
    models = [m for m in MODEL_ORDER if any(m in summary[lab]["models"] for _, lab in present)]
    models += sorted({m for _, lab in present for m in summary[lab]["models"]} - set(models))
    head = [f"{option}={v}" for v, _ in tasks]
    Ls = [str(summary[lab]["test_length"]) if lab else "" for _, lab in tasks]
    lines = [f"### {title}, length {sorted(set(L for L in Ls if L))[0] if any(Ls) else TEST_LENGTH}", ""]
    lines += ["Chance (best constant guess, exact) and 1/classes" + (
              "; and the best accuracy of a predictor that sees only the last k symbols (exact)" if name in WINDOW_TASKS
              else "") + ":", "",
              "| | " + " | ".join(head) + " |", "|---|" + "---|" * len(head),
              "| chance | " + " | ".join(_fmt(summary[lab]["chance"][L], 4) if lab else "—"
                                       for (_, lab), L in zip(tasks, Ls)) + " |",
              "| 1/classes | " + " | ".join(_fmt(summary[lab]["uniform_guess"], 4) if lab else "—"
                                          for (_, lab), L in zip(tasks, Ls)) + " |"]
    if name in WINDOW_TASKS:
        lines += [f"| best from the last {k} symbols | " + " | ".join(_fmt(summary[lab]["window"][str(k)], 4) if lab
                                                                    else "—" for _, lab in tasks) + " |"
                  for k in WINDOWS]
    lines.append("")
    rows = REPORTED_ROWS.get(name)
    if rows:
        lines += ["Chance-normalised median over seeds, **ours / reported** (reported: from a summary of the "
                  f"paper); **≠** where they differ by more than {DISAGREE} once ours is clipped at 0 (the "
                  "reported values have no negative entries); h = our horizon, the median over seeds of the longest "
                  "test length up to which every test length has accuracy >= 0.95:", "",
                  "| reported row | our model | " + " | ".join(head) + " |", "|---|---|" + "---|" * len(head)]
        differences = []
        for row in rows:
            for m in REPORTED_MODELS[row]:
                cells = []
                for i, ((v, lab), L) in enumerate(zip(tasks, Ls)):
                    rep = REPORTED[name][row][i]
                    model = summary[lab]["models"].get(m, {}) if lab else {}
                    ours = model.get("normalised_median", {}).get(L)
                    differs = ours is not None and rep is not None and abs(max(ours, 0.0) - rep) > DISAGREE
                    h = model.get("horizon_median")
                    cells.append(f"{_fmt(ours, 2)} / {_fmt(rep, 2)}{' **≠**' if differs else ''}"
                                 + ("" if h is None else f" (h {h:g})"))
                    if differs:
                        differences.append((lab, m, ours, rep, tuple(model.get("steps", ())),
                                            _records_reason(model, L, ours, rep)
                                            or _window_reason(summary[lab], model, L, ours, rep)
                                            or (rerun and _rerun_reason(rerun, lab, m, L, rep))))
                lines.append(f"| {row} | {m} | " + " | ".join(cells) + " |")
        lines.append("")
        if differences:
            lines += ["Differences and their measured reasons:", ""]
            lines += [f"- {lab}, {m}: ours {_fmt(o, 2)}, reported {_fmt(r, 2)} — "
                      + ((REASONS.get((lab, m, steps[0])) if len(steps) == 1 else None)
                         or fallback or "reason not measured yet")
                      for lab, m, o, r, steps, fallback in differences]
            lines.append("")
    for label, med, seeds, digits in (("Raw accuracy", "median", "accuracy", 3),
                                      ("Chance-normalised accuracy", "normalised_median", "normalised", 3)):
        lines += [f"{label}: median over seeds (seed 0, 1, 2; a cell with other seeds names them); one value "
                  "where there is one seed (0):", "",
                  "| model | " + " | ".join(head) + " |", "|---|" + "---|" * len(head)]
        for m in models:
            cells = [_seed_cell(summary[lab]["models"][m], L, med, seeds, digits)
                     if lab and m in summary[lab]["models"] else "—" for (_, lab), L in zip(tasks, Ls)]
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["Horizon: the longest test length up to which every test length has accuracy >= 0.95 (0: the "
              "shortest fails), median over seeds (each seed's):", "",
              "| model | " + " | ".join(head) + " |", "|---|" + "---|" * len(head)]
    for m in models:
        cells = []
        for (_, lab) in tasks:
            model = summary[lab]["models"].get(m) if lab else None
            if model is None:
                cells.append("—")
            elif len(model["horizons"]) == 1:
                cells.append(f"{model['horizons'][0]}")
            else:
                cells.append(f"{model['horizon_median']:g} ({', '.join(map(str, model['horizons']))})")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    lines.append("")
    if any("structure" in summary[lab]["models"].get(m, {}) for _, lab in present for m in models):
        lines += ["Structure: the Moore machine extracted from each model's predictions (L*, `bilinear recover "
                  "--extract`, benchmarks/extract_automata.py) against the task's minimal machine, per seed: ≅ "
                  "identical, ≠ n differs (n states extracted, the state before input included), ≠ > cap differs "
                  "with more states than the cap, > cap stopped at the cap without a differing word; — not "
                  "extracted:", "",
                  "| model | " + " | ".join(head) + " |", "|---|" + "---|" * len(head)]
        for m in models:
            cells = []
            for _, lab in tasks:
                model = summary[lab]["models"].get(m) if lab else None
                if model is None or "structure" not in model:
                    cells.append("—")
                else:
                    cells.append(" ".join("—" if e is None else e["cell"] for e in model["structure"]))
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def length_tables(summary) -> str:
    lines = []
    for lab, e in summary.items():
        Ls = [str(L) for L in e["lengths"]]
        lines += [f"#### {lab}", "", "| model | " + " | ".join(Ls) + " |", "|---|" + "---|" * len(Ls)]
        lines[-2] = lines[-2][:-1] + " horizon |"
        lines[-1] += "---|"
        lines.append("| chance | " + " | ".join(_fmt(e["chance"][L], 3) for L in Ls) + " | |")
        for m in [m for m in MODEL_ORDER if m in e["models"]] + sorted(set(e["models"]) - set(MODEL_ORDER)):
            lines.append(f"| {m} | " + " | ".join(_fmt(e["models"][m]["median"][L]) for L in Ls)
                         + f" | {_fmt(e['models'][m]['horizon_median'], 0)} |")
        lines.append("")
    return "\n".join(lines)


_TIME = re.compile(r"^(real|user|sys)\s+(?:(\d+)m)?([\d.]+)s\s*$")


def parse_time_log(text: str) -> dict[str, dict[str, float]]:
    """``{out dir: {"real": s, "user": s, "sys": s}}`` from a bash log with ``set -x`` traces
    (``+ bilinear train ... --out DIR ...``) and the ``time`` keyword's report after each command."""
    out: dict[str, dict[str, float]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("+") and " bilinear train " in f" {line} ":
            m = re.search(r"--out\s+(\S+)", line)
            current = Path(m[1]).name if m else None
            continue
        m = _TIME.match(line.strip())
        if m and current:
            out.setdefault(current, {})[m[1]] = int(m[2] or 0) * 60 + float(m[3])
    return out


def compute_table(records, times: dict | None) -> str:
    by_dir: dict[str, list[dict]] = {}
    for r in records:
        by_dir.setdefault(r["_dir"], []).append(r)
    lines = ["| record dir | runs | training wall min (records) | training CPU min (records) | runs without CPU "
             "time | whole step: wall min | whole step: CPU min (user + sys) |", "|---|---|---|---|---|---|---|"]
    for d, rs in sorted(by_dir.items()):
        wall = sum(o["seconds"] for r in rs for o in r["lr_search"]) / 60
        cpu = sum(o.get("cpu_seconds") or 0 for r in rs for o in r["lr_search"]) / 60
        no_cpu = sum(1 for r in rs if not all(o.get("cpu_seconds") for o in r["lr_search"]))
        t = (times or {}).get(d)
        real = _fmt(t["real"] / 60, 1) if t and "real" in t else "—"
        usr = _fmt((t["user"] + t["sys"]) / 60, 1) if t and "user" in t and "sys" in t else "—"
        lines.append(f"| {d} | {len(rs)} | {wall:.1f} | {cpu:.1f} | {no_cpu} | {real} | {usr} |")
    return "\n".join(lines) + "\n"


def render(records, times: dict | None = None, extractions: dict | None = None,
           rerun: tuple[str, dict] | None = None) -> tuple[str, dict]:
    """The tables (between the page's markers) and the summary of ``records``; ``rerun``: ``(page, its
    summary)`` of a later re-run of the same cells, which explains a difference no measured reason
    covers (:func:`_rerun_reason`; the page named as it is in the same folder)."""
    summary = summarise(records, extractions)
    parts = [BEGIN, "", "## Accuracy at the test length", ""]
    for title, name, option, values in FAMILIES:
        parts.append(family_tables(summary, title, name, option, values, rerun))
    parts += ["## Length generalisation (median raw accuracy over seeds)", "", length_tables(summary),
              "## Compute", "", compute_table(records, times), END]
    return "\n".join(parts) + "\n", summary


def splice(page: str | None, tables: str) -> str:
    """``page`` with the text between the markers replaced by ``tables`` (which carries them)."""
    if page is None:
        return "# The paper's experiment tables\n\n" + tables
    if page.count(BEGIN) != 1 or page.count(END) != 1 or page.index(BEGIN) > page.index(END):
        raise InputError(f"--out: expected the page to hold {BEGIN} and then {END} once each")
    return page[:page.index(BEGIN)] + tables.rstrip("\n") + page[page.index(END) + len(END):]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dirs", nargs="+", help="record directories (each with results.json)")
    p.add_argument("--out", required=True, help="the page to write (tables spliced between the markers)")
    p.add_argument("--time-log", action="append", help="a log of the sweep with `time` reports per step (repeatable)")
    p.add_argument("--summary", help="also write every number as JSON here")
    p.add_argument("--figure", help="also draw the accuracy figure of these records into this folder")
    p.add_argument("--rerun", help="the page of a later re-run of the same cells (its summary.json in the folder "
                                   "of the same name): the reason for a difference no measured reason covers")
    args = p.parse_args(argv)
    try:
        records = read_records(args.dirs)
        times = {}
        for log in args.time_log or ():
            times.update(parse_time_log(Path(log).read_text(encoding="utf-8")))
        rerun = None
        if args.rerun:
            folder = Path(args.rerun).with_suffix("")
            rerun = (Path(args.rerun).name, json.loads((folder / "summary.json").read_text(encoding="utf-8")))
        tables, summary = render(records, times, read_extractions(args.dirs), rerun)
        page = Path(args.out).read_text(encoding="utf-8") if os.path.exists(args.out) else None
        text = splice(page, tables)
    except (InputError, OSError) as e:
        print(f"paper_tables: error: {e}", file=sys.stderr)
        return 2
    write_text_atomically(args.out, text)
    if args.figure:
        from bilinear.paper_figs import accuracy
        runs = [{k: v for k, v in r.items() if k != "_dir"} | {"_file": "records"} for r in records]
        accuracy.draw(accuracy.compute(runs), args.figure)
    if args.summary:
        write_text_atomically(args.summary, json.dumps(summary, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
