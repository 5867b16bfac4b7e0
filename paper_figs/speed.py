"""Figure ``speed``: tokens per second of the bilinear levels, from the ``bilinear bench --json`` record
(:mod:`bilinear.verify.experiments.bench`; docs/design.md §9, docs/results_speed.md).

(a) evaluation: tokens/s against sequence length T for the scan (``model(tokens)``, solid) and the
reference step loop (dashed), per level, medians over interleaved rounds with the min–max spread;
(b) training: tokens/s per level beside ``nn.LSTM`` at the same H, D, batch and threads (the bench
times the LSTM in training only).  Process CPU time, one thread; the machine and its load average
are in the record's ``meta``.
"""

from __future__ import annotations

from bilinear.paper_figs import records, style

NAME = "speed"
TITLE = "Speed: tokens/s against length, scan against step loop, against nn.LSTM"
CAPTION = ("(a) Evaluation tokens/s (process CPU time, one thread, H = 64, D = 10) against sequence length for "
           "every level: the scan used by the models (solid) and the reference step loop (dashed); medians "
           "over interleaved rounds, bars min-max. (b) Training tokens/s (length 10, batch 64) beside nn.LSTM "
           "(dashed line). From the committed `bilinear bench --json` record; the load average is in its title.")
SOURCES = "docs/results_speed/bench.json (bilinear bench --json)"

__all__ = ["NAME", "TITLE", "CAPTION", "SOURCES", "compute", "draw", "build"]


def compute(bench: dict) -> dict:
    """The plotted data: per level the lengths with scan and loop tokens/s (median, min, max), the
    training tokens/s per model (LSTM included), and the record's settings and machine."""
    ev = []
    for level, rows in bench["evaluation"]["levels"].items():
        Ts = sorted(rows, key=int)
        ev.append({"level": level, "T": [int(T) for T in Ts],
                   **{f"{path}_{stat}": [rows[T][f"{path}_tokens_per_second"][stat] for T in Ts]
                      for path in ("scan", "loop") for stat in ("median", "min", "max")}})
    tps = bench["training"]["tokens_per_second"]
    train = [{"model": m, "median": v["median"], "min": v["min"], "max": v["max"]} for m, v in tps.items()]
    return {"evaluation": ev, "training": train, "evaluation_setting": bench["evaluation"]["setting"],
            "training_setting": bench["training"]["setting"], "meta": bench.get("meta", {})}


def draw(data: dict, out_dir: str) -> list[str]:
    from matplotlib.lines import Line2D

    fig, (ax, axt) = style.new_figure(2, 1, height=4.3, gridspec_kw={"height_ratios": [1.35, 1]})
    for row in data["evaluation"]:
        c = style.color(row["level"])
        for path, ls in (("scan", "-"), ("loop", "--")):
            med, lo, hi = row[f"{path}_median"], row[f"{path}_min"], row[f"{path}_max"]
            ax.errorbar(row["T"], med, yerr=[[m - v for m, v in zip(med, lo)], [v - m for m, v in zip(med, hi)]],
                        fmt=ls, color=c, marker=style.marker(row["level"]), markersize=2.2, elinewidth=0.5,
                        capsize=1, linewidth=0.9)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("sequence length T (tokens)")
    ax.set_ylabel("evaluation tokens/s")
    style.si_axis(ax.yaxis)
    handles = [Line2D([], [], color=style.color(r["level"]), marker=style.marker(r["level"]), markersize=2.5,
                      label=r["level"].upper()) for r in data["evaluation"]]
    handles += [Line2D([], [], color="0.3", linestyle="-", label="scan"),
                Line2D([], [], color="0.3", linestyle="--", label="step loop")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), ncol=1)
    es = data["evaluation_setting"]
    ax.set_title(f"(a) evaluation, H = {es['hidden']}, batch {es['batch']} ({es['long_batch']} at T ≥ 10⁴)",
                 loc="left")
    rows = [r for r in data["training"] if r["model"] != "lstm"]
    lstm = next((r for r in data["training"] if r["model"] == "lstm"), None)
    y = list(range(len(rows)))
    axt.barh(y, [r["median"] for r in rows], color=[style.color(r["model"]) for r in rows], height=0.65,
             xerr=[[r["median"] - r["min"] for r in rows], [r["max"] - r["median"] for r in rows]],
             error_kw={"elinewidth": 0.6, "capsize": 1.2})
    axt.set_yticks(y)
    axt.set_yticklabels([r["model"].upper() for r in rows])
    axt.invert_yaxis()
    if lstm:
        axt.axvline(lstm["median"], color="black", linestyle="--", linewidth=0.8, label="nn.LSTM")
        axt.axvspan(lstm["min"], lstm["max"], color="0.85", zorder=0, linewidth=0)
        axt.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axt.set_xlabel("training tokens/s")
    style.si_axis(axt.xaxis)
    ts = data["training_setting"]
    axt.set_title(f"(b) training, length {ts['length']}, batch {ts['batch']}", loc="left")
    machine = data["meta"].get("machine", "")
    if machine:
        fig.suptitle(machine + (", " + data["meta"]["when"] if data["meta"].get("when") else ""), fontsize=5.5,
                     color="0.35")
    return style.save(fig, out_dir, NAME)


def build(out_dir: str, quick: bool = False, source=None, progress=None) -> dict:
    """Read the bench record (``source``; default docs/results_speed/bench.json) and draw."""
    path = source or records.BENCH_RECORD
    data = compute(records.read_json(path))
    return {"data": data, "files": draw(data, out_dir), "sources": [str(path)]}
