"""Figure ``accuracy``: final-label accuracy against test length, one panel per task, one line per model
(median over seeds, the band from the worst to the best seed), with the chance line of each task.

Panels in the order of the tasks' names and then their options *as numbers* (``m=2, 3, 5, 10``, not
``10, 2, 25``); one colour per model and, for the baselines with layers (``--layers``), one line
style per layer count; chance dotted; the training lengths shaded (the records' own
``train_lengths``); and the *horizon* of every line (:func:`bilinear.verify.experiments.evaluate.horizon`
of the median: the longest test length up to which every one has accuracy >= 0.95) marked by a
downward triangle at that length on the line ``y = 1.02``, its 0.95 threshold a faint line.

Read from committed training records in the ``results.json`` format of ``bilinear train --out``
(:func:`bilinear.paper_figs.records.training_runs`): by default the paper-table records
(``docs/results_paper_tables/``) when they exist, else the claims sweep of docs/results_training.md.
Runs are grouped into a series by model, variant, hidden size and experiment (and record file, when
several files are read); the seeds of a series are its runs.

    >>> task_label({"task": "modadd", "task_options": {"m": 5}})
    'modadd m=5'
    >>> task_label({"task": "automaton", "task_options": {"automaton_seed": 0, "states": 5}})
    'automaton seed=0 states=5'
"""

from __future__ import annotations

import math
import os
import statistics
import textwrap
from typing import Any

from bilinear.paper_figs import records, style

NAME = "accuracy"
TITLE = "Accuracy against length per model and task"
CAPTION = ("Final-label accuracy on 200 test sequences of each length (log scale) after training on the shaded "
           "lengths: one panel per task, one colour per model (baselines: one line style per layer count; median "
           "over seeds, band: worst to best seed), dotted: chance (1 / number of classes); a triangle on top marks "
           "each line's horizon, the longest length up to which accuracy is >= 0.95 (faint line) at every test "
           "length. Read from committed `bilinear train` run records.")
SOURCES = ("docs/results_paper_tables/ when present, else docs/results_training/claims_quick_10k.json "
           "(`bilinear figs --training PATH` for any results.json or folder of them)")

#: Line styles of the series of one model in a panel (its variants), in order.
STYLES = ("-", "--", ":", "-.")
#: Line styles of the baselines by layer count.
LAYER_STYLES: dict[int, Any] = {1: "-", 2: "--", 4: ":"}

__all__ = ["NAME", "TITLE", "CAPTION", "SOURCES", "task_label", "task_order", "record_name", "series_key", "compute",
           "draw", "build"]


def task_label(run: dict) -> str:
    """``task k=v ...`` from a run's task and options."""
    opts = " ".join(f"{k.removeprefix(run['task'] + '_')}={v}" for k, v in sorted(run.get("task_options", {}).items()))
    return run["task"] + (" " + opts if opts else "")


def task_order(run: dict) -> tuple:
    """Sort key of a run's panel: the task's name, then its options by name with numbers compared as
    numbers (before any text value).

    >>> sorted(["m=10", "m=2", "m=25"], key=lambda t: task_order({"task": "modadd", "task_options": {"m": int(t[2:])}}))
    ['m=2', 'm=10', 'm=25']
    """
    def value(v):
        return (0, float(v), "") if isinstance(v, (int, float)) and not isinstance(v, bool) else (1, 0.0, str(v))
    return (run["task"], tuple((k, value(v)) for k, v in sorted(run.get("task_options", {}).items())))


def _layers(run: dict) -> int:
    """The layer count of a run (``model_config.layers``; 0 = the model's default: one layer for a bilinear level, a
    baseline's own default; K >= 2 for a stack of bilinear layers or a K-layer baseline)."""
    return int((run.get("model_config") or {}).get("layers") or 0)


def record_name(path: str) -> str:
    """A record file's short name: its folder for ``DIR/results.json``, else its stem.

    >>> record_name("runs/t1/results.json"), record_name("runs/claims_quick.json")
    ('t1', 'claims_quick')
    """
    base = os.path.basename(path)
    if base == "results.json":
        return os.path.basename(os.path.dirname(os.path.abspath(path)))
    return os.path.splitext(base)[0]


def series_key(run: dict, by_file: bool) -> tuple:
    """What makes runs one series (their seeds): model, variant, hidden size, experiment, file."""
    return (run["model"], run.get("variant") or "", run.get("hidden"), run.get("experiment") or "",
            run["_file"] if by_file else "")


def _label(key: tuple, varying: list[bool]) -> str:
    model, variant, hidden, experiment, file = key
    out = model + (f" [{variant}]" if variant else "")
    if varying[2]:
        out += f" H={hidden}"
    if varying[3] and experiment:
        out += f" ({experiment})"
    if varying[4]:
        out += f" ({record_name(file)})"
    return out


def compute(runs: list[dict]) -> dict:
    """The plotted data: per task a panel with its chance and per series the lengths, each seed's
    accuracies, the median, minimum and maximum over seeds."""
    from bilinear.verify.experiments.evaluate import horizon

    by_file = len({r["_file"] for r in runs}) > 1
    tasks: dict[str, list[dict]] = {}
    order: dict[str, tuple] = {}
    for r in runs:
        tasks.setdefault(task_label(r), []).append(r)
        order[task_label(r)] = task_order(r)
    panels = []
    for task in sorted(tasks, key=lambda t: order[t]):
        group = tasks[task]
        chances = sorted({float(r["chance"]) for r in group})
        trained = sorted({tuple((r.get("train_config") or {}).get("train_lengths") or (2, 10)) for r in group})
        series: dict[tuple, list[dict]] = {}
        for r in group:
            series.setdefault(series_key(r, by_file), []).append(r)
        keys = sorted(series, key=lambda k: tuple(str(x) for x in k))
        varying = [len({k[i] for k in keys}) > 1 for i in range(4)]
        varying.append(len({k[:4] for k in keys}) < len(keys))       # name the file only where it tells runs apart
        rows = []
        for k in keys:
            rs = sorted(series[k], key=lambda r: r["seed"])
            lengths = sorted({int(L) for r in rs for L in r["accuracy"]})
            per_seed = [[r["accuracy"].get(str(L)) for L in lengths] for r in rs]
            cols = [[v[j] for v in per_seed if v[j] is not None] for j in range(len(lengths))]
            median = [statistics.median(c) for c in cols]
            rows.append({"key": list(k), "label": _label(k, varying), "model": k[0], "layers": _layers(rs[0]),
                         "lengths": lengths, "seeds": [r["seed"] for r in rs], "per_seed": per_seed, "median": median,
                         "min": [min(c) for c in cols], "max": [max(c) for c in cols],
                         "horizon": horizon(dict(zip(lengths, median))),
                         "seed_horizons": [horizon(r["accuracy"]) for r in rs]})
        panels.append({"task": task, "chance": chances[0] if len(chances) == 1 else chances, "series": rows,
                       "train_lengths": [list(t) for t in trained]})
    return {"panels": panels}


def draw(data: dict, out_dir: str) -> list[str]:
    panels = data["panels"]
    cols = 1 if len(panels) == 1 else 2
    rows = math.ceil(len(panels) / cols)
    labels = {x["label"] for p in panels for x in p["series"]}
    layered = any(s.get("layers") for p in panels for s in p["series"])
    legend_rows = math.ceil((len(labels) + 3 + (len(LAYER_STYLES) if layered else 0)) / 3)   # lines and extras
    fig, axes = style.new_figure(rows, cols, height=1.35 * rows + 0.15 + 0.13 * legend_rows, squeeze=False)
    style.register(s["model"] for p in panels for s in p["series"])
    handles: dict[str, object] = {}
    for ax, panel in zip(axes.flat, panels):
        for s in panel["series"]:
            same_model = [t["label"] for t in panel["series"] if t["model"] == s["model"]]
            layers = s.get("layers", 0)
            if layers:
                ls = LAYER_STYLES.get(layers, "-.")
            else:
                ls = "--" if "affine" in s["model"] else STYLES[same_model.index(s["label"]) % len(STYLES)]
            colour = style.color(s["model"])
            (line,) = ax.plot(s["lengths"], s["median"], ls, color=colour,
                              marker=style.marker(s["model"]), markersize=2.2, label=s["label"])
            if len(s["per_seed"]) > 1:
                ax.fill_between(s["lengths"], s["min"], s["max"], color=colour, alpha=0.15, linewidth=0)
            if s.get("horizon"):
                ax.plot([s["horizon"]], [1.02], "v", color=colour, markersize=3.2, clip_on=False)
            handles.setdefault(s["label"], line)
        for c in (panel["chance"] if isinstance(panel["chance"], list) else [panel["chance"]]):
            style.chance_line(ax, c, label=None)
        ax.axhline(0.95, color="0.8", linewidth=0.4, zorder=-1)
        ax.set_xscale("log")
        ax.set_ylim(-0.03, 1.06)
        ax.set_title("\n".join(textwrap.wrap(panel["task"], 30)))
        for lo, hi in panel.get("train_lengths", [[2, 10]]):
            ax.axvspan(lo, hi, color="0.93", zorder=-1, linewidth=0)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for c in range(cols):
        used = [axes[r, c] for r in range(rows) if r * cols + c < len(panels)]
        for ax in used[:-1]:
            ax.tick_params(labelbottom=False)
        used[-1].set_xlabel("test length L (tokens)")
    for ax in axes[:, 0]:
        ax.set_ylabel("accuracy")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    extra = [Line2D([], [], color="0.45", linestyle=":", label="chance"),
             Patch(color="0.93", label="training lengths"),
             Line2D([], [], color="0.3", marker="v", linestyle="", markersize=3.2, label="horizon (acc. >= 0.95 up to)")]
    if layered:
        extra += [Line2D([], [], color="0.3", linestyle=ls, label=f"{n} layer{'s' if n > 1 else ''}")
                  for n, ls in LAYER_STYLES.items()]
    # below the panels, three to a row (in the empty slot of an odd number of panels even a short
    # legend is wider than the slot, and the layout squeezed every panel to make room)
    fig.legend(handles=list(handles.values()) + extra, loc="outside lower center", ncol=3)
    return style.save(fig, out_dir, NAME)


def build(out_dir: str, quick: bool = False, source=None, progress=None) -> dict:
    """Read the training records (``source``: a results.json file or a folder; default
    :func:`bilinear.paper_figs.records.default_training_source`) and draw."""
    runs, files = records.training_runs(source)
    data = compute(runs)
    return {"data": data, "files": draw(data, out_dir), "sources": files}
