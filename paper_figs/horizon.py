"""Figure ``horizon``: decoding error against length in float32 and float64, for a constructed model
and a trained one of the same group (docs/design.md §7, §12).

Both models track the word problem of :data:`GROUP` (every element a symbol).  *Constructed*: the
exact level-``full`` construction (the smallest faithful real representation), rounded to floats.
*Trained*: a FULL model trained by :func:`bilinear.verify.experiments.train.train_model` on lengths 2–10, exported as a
weight file as ``bilinear export`` does.  Each is run in torch by :func:`bilinear.verify.experiments.simulate.decoding_errors`
on the same random words (per-step normalisation), and the fraction of words decoded wrongly is
read at log-spaced lengths; the first length with an error is the exactness horizon of
:func:`bilinear.verify.experiments.simulate.exactness_horizon`.

Training and long simulation take minutes, so the figure draws from the committed record
``docs/figures/data/horizon.json`` (``bilinear figs --only horizon --update-records``); ``--quick``
recomputes a small version (fewer training steps, shorter words).
"""

from __future__ import annotations

import tempfile
import time

import numpy as np

from bilinear.paper_figs import records, style

NAME = "horizon"
TITLE = "Exactness horizon: decoding error against length"
CAPTION = ("Fraction of 256 random words of S3 decoded wrongly after L steps, in float32 and float64: "
           "the exact construction (H = 2, rounded to floats) is right at every length measured, so float "
           "rounding alone does not limit it; a trained FULL model (H = 16, lengths 2-10) drifts at the same "
           "length in both precisions, so its error is the model's, not the arithmetic's. "
           "Record: docs/figures/data/horizon.json.")
SOURCES = "docs/figures/data/horizon.json (verify/experiments/simulate.py decoding_errors, verify/experiments/train.py train_model)"

RECORD = records.DATA_DIR / "horizon.json"
RECORD_COMMAND = "bilinear figs --only horizon --update-records"
GROUP = "S3"
FULL = {"steps": 3000, "hidden": 16, "lr": 1e-2, "seed": 0, "length": 100_000, "batch": 256, "points": 60}
QUICK = {"steps": 200, "hidden": 16, "lr": 1e-2, "seed": 0, "length": 2_000, "batch": 32, "points": 30}
DTYPES = ("float32", "float64")

__all__ = ["NAME", "TITLE", "CAPTION", "SOURCES", "RECORD", "GROUP", "FULL", "QUICK", "sample_lengths",
           "constructed_weights", "trained_weights", "compute_record", "compute", "draw", "build",
           "update_record"]


def sample_lengths(length: int, points: int) -> list[int]:
    """About ``points`` log-spaced lengths in ``[1, length]``, distinct, ``length`` included.

    >>> sample_lengths(100, 5)
    [1, 3, 10, 32, 100]
    """
    return sorted({int(round(v)) for v in np.logspace(0, np.log10(length), points)})


def constructed_weights(group: str = GROUP):
    """The exact level-full construction of ``group`` over all its elements, as a weight file."""
    from bilinear.constructions.build import build as build_construction
    from bilinear.theory.groups.parser import parse_group
    return build_construction(parse_group(group), "full", alphabet="all").to_weight_file()


def trained_weights(settings: dict, group: str = GROUP, progress=None):
    """``(weight file, summary)`` of a FULL model trained on the word problem of ``group``."""
    from bilinear.verify.models.registry import ModelConfig
    from bilinear.verify.recover.snap import weights_input
    from bilinear.verify.experiments.train import RunSpec, TrainConfig, checkpoint_path, train_model

    spec = RunSpec("word", {"group": group}, ModelConfig("full", hidden=settings["hidden"]), seed=settings["seed"])
    cfg = TrainConfig(steps=settings["steps"], val_every=max(1, settings["steps"] // 10))
    with tempfile.TemporaryDirectory() as d:
        out = train_model(spec, cfg, settings["lr"], checkpoint_dir=d, progress=progress)
        wf = weights_input(checkpoint_path(d, spec, cfg, settings["lr"]))
    return wf, {"val_accuracy": out.val_accuracy, "best_step": out.best_step, "steps": out.steps_run,
                "cpu_seconds": None if out.cpu_seconds is None else round(out.cpu_seconds, 1)}


def compute_record(settings: dict = FULL, progress=None) -> dict:
    """Train, construct, simulate; the record with one series per (model, dtype)."""
    import torch

    from bilinear.verify.experiments.simulate import decoding_errors

    say = progress or (lambda msg: None)
    lengths = sample_lengths(settings["length"], settings["points"])
    say(f"horizon: training FULL H={settings['hidden']} on {GROUP}, {settings['steps']} steps")
    trained, summary = trained_weights(settings, progress=None)
    models = {"constructed": constructed_weights(), "trained": trained}
    series = []
    for model, wf in models.items():
        for dtype in DTYPES:
            t0 = time.process_time()
            err = decoding_errors(wf, getattr(torch, dtype), length=settings["length"], batch=settings["batch"],
                                  seed=settings["seed"])
            nz = np.flatnonzero(err)
            series.append({"model": model, "dtype": dtype, "hidden": wf.hidden_size, "lengths": lengths,
                           "error": [float(err[L - 1]) for L in lengths],
                           "horizon": int(nz[0]) + 1 if len(nz) else None,
                           "max_error": float(err.max()), "cpu_seconds": round(time.process_time() - t0, 1)})
            say(f"horizon: {model} {dtype}: first error at "
                f"{series[-1]['horizon'] or 'none up to ' + str(settings['length'])}")
    return {"command": RECORD_COMMAND, "group": GROUP, "settings": dict(settings), "training": summary,
            "series": series}


def compute(record: dict) -> dict:
    """The plotted data: the record's series (lengths, error at each, horizon)."""
    return {"group": record["group"], "settings": record["settings"],
            "series": [{k: s[k] for k in ("model", "dtype", "hidden", "lengths", "error", "horizon")}
                       for s in record["series"]]}


def draw(data: dict, out_dir: str) -> list[str]:
    fig, ax = style.new_figure(height=2.3)
    colors = {"constructed": "black", "trained": style.color("full")}
    for s in data["series"]:
        f64 = s["dtype"] == "float64"
        ax.plot(s["lengths"], s["error"], "-" if f64 else "--", color=colors[s["model"]], marker="o" if f64 else "x",
                markersize=2.0 if f64 else 3.0, markeredgewidth=0.6, linewidth=0.9 if f64 else 0.8,
                label=f"{s['model']} (H = {s['hidden']}), {s['dtype']}")
        if s["horizon"]:
            ax.axvline(s["horizon"], color=colors[s["model"]], linewidth=0.5, linestyle=":")
    ax.set_xscale("log")
    ax.set_xlabel("length L (steps)")
    ax.set_ylabel("fraction of words decoded wrongly")
    ax.set_yscale("symlog", linthresh=1 / data["settings"]["batch"], linscale=0.6)
    ax.set_ylim(0, 1.05)
    if data["group"]:
        from bilinear.theory.groups.parser import parse_group
        n_classes = parse_group(data["group"]).order
        style.chance_line(ax, 1 - 1 / n_classes, label="error of chance (1 − 1/|G|)")
    ax.legend(loc="upper left")
    ax.set_title(f"{style.group_label(data['group'])}: {data['settings']['batch']} random words; "
                 "dotted vertical: first error", loc="left")
    return style.save(fig, out_dir, NAME)


def build(out_dir: str, quick: bool = False, source=None, progress=None) -> dict:
    """Draw from the committed record, or (``quick``) from a small fresh computation."""
    record, used = records.record_or_fresh(quick, source, RECORD, lambda: compute_record(QUICK, progress),
                                           "computed (quick): " + SOURCES)
    data = compute(record)
    return {"data": data, "files": draw(data, out_dir), "sources": used}


def update_record(progress=None) -> str:
    """Recompute and write the committed record; returns its path."""
    records.write_json(RECORD, compute_record(FULL, progress))
    return str(RECORD)
