"""Figure ``angles``: the eigen-angles of the learned generator of Z_m against 2πk/m, from the
``bilinear recover`` records of cyclic groups (docs/design.md §10 step 6; field ``angles``:
``angle`` θ in (-π, π], nearest ``k``, ``error`` = |θ - 2πk/m|).

Left: θ in units of 2π/m, one row per run, so the exact angles 2πk/m are the integers (grey lines);
filled markers where the run's restriction is a representation (``is_representation``), hollow
where it is not. Right: the largest and median angle error per run (log scale).

    >>> run_label({"training": {"model": "rot", "seed": 1}})
    'ROT s1'
"""

from __future__ import annotations

import math
import statistics

from bilinear.paper_figs import records, style

NAME = "angles"
TITLE = "Learned rotation angles against 2πk/m"
CAPTION = ("Eigen-angles θ of the learned generator of Z_m (the restriction of a trained ROT or CDIAG model, H = 64 unless the row names its H, "
           "to its recovered subspace), in units of 2π/m: the exact angles 2πk/m are the integers (grey). "
           "Filled: the restriction is a representation within tolerance; hollow: it is not. Right: largest "
           "and median |θ − 2πk/m| per run. From the committed `bilinear recover` records.")
SOURCES = "docs/results_recovery/*.json (recovery.angles)"

__all__ = ["NAME", "TITLE", "CAPTION", "SOURCES", "run_label", "compute", "draw", "build"]


def run_label(rec: dict) -> str:
    """The row label: level, hidden size when not 64, seed (:func:`records.recovery_label`)."""
    return records.recovery_label(rec)


def compute(recs: list[dict]) -> dict:
    """Per cyclic group (order m) the runs: label, level, representation or not, the angles in units
    of 2π/m, their ks and errors."""
    groups: dict[str, dict] = {}
    for rec in recs:
        rv = rec["recovery"]
        if not rv.get("angles"):
            continue
        m = int(rv["order"])
        g = groups.setdefault(rv["group"], {"group": rv["group"], "m": m, "runs": []})
        g["runs"].append({"label": run_label(rec), "level": rec["training"]["model"],
                          "seed": rec["training"]["seed"],
                          "hidden": rec["training"].get("hidden"), "file": rec["_file"],
                          "representation": bool(rv.get("is_representation")),
                          "units": [a["angle"] * m / (2 * math.pi) for a in rv["angles"]],
                          "k": [a["k"] for a in rv["angles"]], "error": [a["error"] for a in rv["angles"]]})
    out = sorted(groups.values(), key=lambda g: g["m"])
    for g in out:
        g["runs"].sort(key=lambda r: (r["level"], -(r["hidden"] or 0), r["seed"]))
    return {"groups": out}


def draw(data: dict, out_dir: str) -> list[str]:
    groups = data["groups"]
    heights = [len(g["runs"]) + 1.2 for g in groups]
    fig, axes = style.new_figure(len(groups), 2, height=0.32 * sum(heights) + 0.6, squeeze=False,
                                 gridspec_kw={"width_ratios": [3, 1.25], "height_ratios": heights})
    for (ax, axe), g in zip(axes, groups):
        m = g["m"]
        for k in range(-(m // 2), m // 2 + 1):
            ax.axvline(k, color="0.8", linewidth=0.6, zorder=0)
        for i, r in enumerate(g["runs"]):
            c = style.color(r["level"])
            face = c if r["representation"] else "none"
            ax.scatter(r["units"], [i] * len(r["units"]), s=9, marker=style.marker(r["level"]), facecolors=face,
                       edgecolors=c, linewidths=0.6, alpha=0.8)
            errs = r["error"]
            axe.scatter([max(errs)], [i], marker="|", color=c, s=20)
            axe.scatter([statistics.median(errs)], [i], marker="o", facecolors=face, edgecolors=c, s=8,
                        linewidths=0.6)
        for a in (ax, axe):
            a.set_yticks(range(len(g["runs"])))
            a.set_ylim(len(g["runs"]) - 0.4, -0.6)
        ax.set_yticklabels([r["label"] for r in g["runs"]])
        axe.set_yticklabels([])
        ax.set_xlim(-m / 2 - 0.3, m / 2 + 0.3)
        ax.set_xticks(range(-(m // 2), m // 2 + 1))
        ax.set_title(f"{style.group_label(g['group'])} (m = {m})", loc="left")
        axe.set_xscale("log")
        axe.set_title("|θ − 2πk/m|", loc="left")
    axes[-1, 0].set_xlabel("θ · m / 2π   (integers: θ = 2πk/m)")
    axes[-1, 1].set_xlabel("error (rad)\n| largest, o median")
    return style.save(fig, out_dir, NAME)


def build(out_dir: str, quick: bool = False, source=None, progress=None) -> dict:
    """Read the recovery records (``source``: a folder; default docs/results_recovery) and draw."""
    recs = records.recovery_records(source)
    data = compute(recs)
    return {"data": data, "files": draw(data, out_dir), "sources": sorted(r["file"] for g in data["groups"]
                                                                         for r in g["runs"])}
