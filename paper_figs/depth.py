"""Figure ``depth``: (a) the least number of layers per diagonal level for the catalogue groups, computed
from theory (docs/design.md §4); (b) the learnability gap: how often training a stack started at the
certified cascade plus noise ends exact, against the noise, and how often a random start does
(docs/results_depth.md, records in docs/results_depth/records.json).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bilinear.constructions.theorems.block_classification import CLASSIFICATION_GROUPS
from bilinear.theory.groups.parser import parse_group
from bilinear.theory.hierarchy.depth import depth_cell, least_depth

from bilinear.paper_figs import style

NAME = "depth"
TITLE = "Depth per level, and whether training finds the cascades"
CAPTION = ("(a) The least number of layers of each diagonal level whose cascade tracks each catalogue group "
           "(∞: none; BLOCK, CP, FULL, HOUSE, MONO need one), from `bilinear.theory.hierarchy.depth`. (b) Fraction "
           "of seeds whose stack, trained from the certified cascade plus noise (relative to each parameter's RMS), "
           "is exact (per-token accuracy >= 0.99) on words of length 256 after training on length 32 (line style: "
           "the number of training steps); the markers at the right are random initialisations of the same architecture.")
SOURCES = "theory/hierarchy/depth.py on the catalogue groups; docs/results_depth/records.json (benchmarks/depth_gap.py)"
RECORDS = Path(__file__).resolve().parents[1] / "docs" / "results_depth" / "records.json"
LEVELS = ("pdiag", "rdiag", "rot", "cdiag")
GROUPS = tuple(CLASSIFICATION_GROUPS) + ("SL(2,3)",)

__all__ = ["NAME", "TITLE", "CAPTION", "SOURCES", "compute", "draw", "build"]


def compute(records_path=None) -> dict:
    """The plotted data: ``depth[group][level]`` (None for ∞) and, per (group, level) of the records,
    the success rate at each noise and at random initialisation."""
    depth = {g: {lv: least_depth(parse_group(g), lv).depth for lv in LEVELS} for g in GROUPS}
    path = Path(records_path) if records_path is not None else RECORDS
    records = json.loads(path.read_text()) if path.exists() else []
    gap: dict[str, dict] = {}
    for r in records:
        steps = (r.get("config") or {}).get("steps")
        name = f"{r['group']} {r['level']}" + ("" if steps is None else f", {steps} steps")
        case = gap.setdefault(name, {"noise": {}, "random": [], "steps": steps})
        if r["init"] == "random":
            case["random"].append(bool(r["success"]))
        else:
            case["noise"].setdefault(str(r["noise"]), []).append(bool(r["success"]))
    rates = {c: {"noise": {k: sum(v) / len(v) for k, v in d["noise"].items()}, "steps": d["steps"],
                 "random": sum(d["random"]) / len(d["random"]) if d["random"] else None,
                 "seeds": max([len(v) for v in d["noise"].values()] + [len(d["random"])])}
             for c, d in gap.items()}
    return {"groups": list(GROUPS), "levels": list(LEVELS), "depth": depth, "gap": rates,
            "records": os.fspath(path) if records else None}


def draw(data: dict, out_dir: str) -> list[str]:
    fig, (ax, bx) = style.new_figure(1, 2, height=3.2, width_ratios=[1, 1.25])
    groups, levels = data["groups"], data["levels"]
    for i, g in enumerate(groups):
        for j, lv in enumerate(levels):
            d = data["depth"][g][lv]
            ax.text(j, i, depth_cell(d), ha="center", va="center", fontsize=6,
                    color="0.55" if d is None else "black")
    ax.set_xlim(-0.5, len(levels) - 0.5)
    ax.set_ylim(len(groups) - 0.5, -0.5)
    ax.set_xticks(range(len(levels)), list(levels), fontsize=5.5, rotation=40)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_yticks(range(len(groups)), [style.group_label(g) for g in groups], fontsize=6)
    ax.tick_params(length=0)
    style.panel_label(ax, "(a) depth")
    noises = sorted({float(k) for c in data["gap"].values() for k in c["noise"]})
    pos = {n: k for k, n in enumerate(noises)}
    budgets = sorted({c.get("steps") or 0 for c in data["gap"].values()})
    for case, c in data["gap"].items():
        level = case.split(",")[0].split()[-1]
        xs = [pos[float(k)] for k in c["noise"]]
        order = sorted(range(len(xs)), key=lambda t: xs[t])
        ys = list(c["noise"].values())
        bx.plot([xs[t] for t in order], [ys[t] for t in order], marker=style.marker(case.split()[0]),
                color=style.color(level), label=case, linewidth=1,
                linestyle=("-", "--", ":", "-.")[budgets.index(c.get("steps") or 0) % 4])
        if c["random"] is not None:
            bx.plot([len(noises) + 0.5], [c["random"]], marker=style.marker(case.split()[0]), color=style.color(level),
                    linestyle="none")
    bx.set_xticks(list(range(len(noises))) + [len(noises) + 0.5], [f"{n:g}" for n in noises] + ["random"], fontsize=6)
    bx.set_ylim(-0.05, 1.05)
    bx.set_xlabel("noise (relative) at the cascade")
    bx.set_ylabel("fraction of seeds exact")
    if data["gap"]:
        bx.legend(fontsize=5, loc="upper right")
    style.panel_label(bx, "(b) trained")
    return style.save(fig, out_dir, NAME)


def build(out_dir: str, quick: bool = False, source=None, progress=None) -> dict:
    """Compute (depths from theory, rates from the records or ``source``) and draw."""
    data = compute(source)
    return {"data": data, "files": draw(data, out_dir), "sources": [SOURCES]}
