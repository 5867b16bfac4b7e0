"""Figure ``decomposition``: the character decomposition of learned representations, from the
``bilinear recover`` records (docs/design.md §10 step 4; field ``constituents``: per real irreducible
ψ its index, real dimension and multiplicity).

One bar per run whose restriction is a representation within tolerance: its recovered dimension,
split into the copies of each constituent ψ (colour: the real dimension of ψ), with the
decomposition written beside it and a tick at the group's smallest faithful real dimension. Runs that
are not representations are listed under the bars.

    >>> decomposition_text([{"real_irreducible": 1, "multiplicity": 1}, {"real_irreducible": 2, "multiplicity": 2}])
    'ψ1 + 2ψ2'
"""

from __future__ import annotations

import textwrap

from bilinear.paper_figs import records, style

NAME = "decomposition"
TITLE = "Character decomposition of learned representations"
CAPTION = ("Which representation trained FULL, BLOCK, ROT and CDIAG models (H = 64 unless the row names its H) learned: one bar per run "
           "whose restriction to the recovered subspace is a representation, split into its irreducible "
           "constituents ψ_i (indices of the exact real irreducibles; colour: their real dimension), with "
           "a tick at the smallest faithful real dimension. From the committed `bilinear recover` records.")
SOURCES = "docs/results_recovery/*.json (recovery.constituents, dimension, is_representation)"

__all__ = ["NAME", "TITLE", "CAPTION", "SOURCES", "decomposition_text", "compute", "draw", "build"]


def decomposition_text(constituents) -> str:
    """``m1ψi + ...`` (multiplicity 1 written as nothing)."""
    return " + ".join(f"{'' if c['multiplicity'] == 1 else c['multiplicity']}ψ{c['real_irreducible']}"
                      for c in constituents)


def compute(recs: list[dict]) -> dict:
    """The bars (representations) and the other runs, each with group, level, seed, dimension and
    the constituents ``(index, real dimension, multiplicity, multiplicity as measured)``."""
    bars: list[dict] = []
    others: list[dict] = []
    for rec in recs:
        rv = rec["recovery"]
        if "constituents" not in rv:
            continue
        t = rec["training"]
        row = {"group": rv["group"], "order": rv.get("order"), "level": t["model"], "seed": t["seed"], "file": rec["_file"],
               "hidden": t.get("hidden"),
               "label": f"{rv['group']} {records.recovery_label(rec)}", "dimension": rv["dimension"],
               "min_faithful_dimension": rv.get("min_faithful_dimension"),
               "constituents": [{"real_irreducible": c["real_irreducible"], "real_dimension": c["real_dimension"],
                                 "multiplicity": c["multiplicity"], "multiplicity_float": c["multiplicity_float"]}
                                for c in rv["constituents"] if c["multiplicity"] > 0],
               "faithful": rv.get("faithful"), "minimal": rv.get("minimal")}
        (bars if rv.get("is_representation") else others).append(row)
    for rows in (bars, others):
        rows.sort(key=lambda r: (r["order"] or 0, r["group"], r["level"], -(r["hidden"] or 0), r["seed"]))
    return {"bars": bars, "others": others}


def draw(data: dict, out_dir: str) -> list[str]:
    from matplotlib import colormaps
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    bars = data["bars"]
    fig, ax = style.new_figure(height=0.15 * len(bars) + 1.5)
    dims = sorted({c["real_dimension"] for b in bars for c in b["constituents"]})
    cmap = colormaps["viridis"]
    shade = {d: cmap(0.12 + 0.76 * i / max(1, len(dims) - 1)) for i, d in enumerate(dims)}
    for i, b in enumerate(bars):
        left = 0
        for c in b["constituents"]:
            for _ in range(c["multiplicity"]):
                ax.barh(i, c["real_dimension"], left=left, height=0.72, color=shade[c["real_dimension"]],
                        edgecolor="white", linewidth=0.5)
                left += c["real_dimension"]
        ax.text(left + 0.3, i, decomposition_text(b["constituents"]), va="center", fontsize=5.2)
        if b["min_faithful_dimension"]:
            ax.plot([b["min_faithful_dimension"]] * 2, [i - 0.45, i + 0.45], color="black", linewidth=0.9)
    ax.set_yticks(range(len(bars)))
    ax.set_yticklabels([style.group_label(b["group"]) + b["label"][len(b["group"]):] for b in bars])
    ax.set_ylim(len(bars) - 0.4, -0.6)
    top = max(b["dimension"] for b in bars)
    ax.set_xlim(0, top * 1.75)
    xlabel = "real dimension of the learned representation"
    if data["others"]:
        names = ", ".join(o["label"] for o in data["others"])
        xlabel += "\n" + "\n".join(textwrap.wrap("not a representation within tolerance: " + names, 70))
    handles: list[Artist] = [Patch(color=shade[d], label=f"dim ψ = {d}") for d in dims]
    handles.append(Line2D([], [], color="black", linewidth=0.9, label="smallest faithful"))
    ax.set_xlabel(xlabel, fontsize=6)
    fig.legend(handles=handles, loc="outside upper center", ncol=3)
    return style.save(fig, out_dir, NAME)


def build(out_dir: str, quick: bool = False, source=None, progress=None) -> dict:
    """Read the recovery records (``source``: a folder; default docs/results_recovery) and draw."""
    recs = records.recovery_records(source)
    data = compute(recs)
    return {"data": data, "files": draw(data, out_dir),
            "sources": sorted(r["file"] for r in data["bars"] + data["others"])}
