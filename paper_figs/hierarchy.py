"""Figure ``hierarchy``: the levels of the hierarchy, their containments, and which catalogue groups each
level tracks exactly — all computed from theory/ (docs/design.md §4, §12).

* nodes: :data:`bilinear.theory.hierarchy.levels.CLASSICAL_LEVEL_NAMES` (the modern levels have no rows in
  :func:`bilinear.theory.hierarchy.analysis.level_reports` yet); arrows: :data:`bilinear.theory.hierarchy.levels.CONTAINMENTS` (smaller ⊂
  larger; the containment of a block level in a coarser block level is a note, not a loop);
* vertical position: the length of the longest containment chain below a level (a level contained
  in nothing is placed just below its lowest successor);
* inside each node: the catalogue groups (``CLASSIFICATION_GROUPS`` of the block classification
  theorem) whose weakest tracking level (first in ``CLASSICAL_LEVEL_NAMES``) is this one, from
  :func:`bilinear.theory.hierarchy.analysis.level_reports`; for ``block``, grouped by the smallest block size
  ``min_block_real``.

    >>> layers(("a", "b", "c"), [("a", "b"), ("c", "b")])
    {'a': 0, 'b': 1, 'c': 0}
"""

from __future__ import annotations

from bilinear.constructions.theorems.block_classification import CLASSIFICATION_GROUPS
from bilinear.theory.hierarchy.analysis import level_reports
from bilinear.theory.groups.parser import parse_group
from bilinear.theory.hierarchy.levels import CLASSICAL_LEVEL_NAMES, CONTAINMENTS, level_class

from bilinear.paper_figs import style

NAME = "hierarchy"
TITLE = "The hierarchy of bilinear levels and the groups each tracks"
CAPTION = ("The seven levels (weakest at the bottom) with an arrow for every containment proved by "
           "`bilinear prove` (`containment.*`); in each box, the catalogue groups for which it is the "
           "weakest level that tracks them exactly (BLOCK: by the smallest block size B). Computed from "
           "`bilinear.theory.hierarchy.levels` and `bilinear.theory.hierarchy.analysis.level_reports`.")
SOURCES = "theory/hierarchy/levels.py (CLASSICAL_LEVEL_NAMES, CONTAINMENTS), theory/hierarchy/analysis.py (level_reports) on the catalogue groups"

__all__ = ["NAME", "TITLE", "CAPTION", "SOURCES", "layers", "compute", "draw", "build"]


def layers(nodes, edges) -> dict[str, int]:
    """Layer of each node of a DAG given by ``edges`` (smaller, larger): the longest chain below it;
    a node with nothing below it sits one layer under its lowest successor (at least 0)."""
    below = {n: [a for a, b in edges if b == n and a != n] for n in nodes}
    above = {n: [b for a, b in edges if a == n and b != n] for n in nodes}
    layer: dict[str, int] = {}

    def depth(n):
        if n not in layer:
            layer[n] = 1 + max((depth(m) for m in below[n]), default=-1)
        return layer[n]

    for n in nodes:
        depth(n)
    for n in nodes:
        if not below[n] and above[n]:
            layer[n] = max(0, min(layer[m] for m in above[n]) - 1)
    return {n: layer[n] for n in nodes}


def compute(groups=CLASSIFICATION_GROUPS) -> dict:
    """The plotted data: levels, layers, containment edges, per level the groups it tracks, the
    groups new at the level, and each group's block size at level block."""
    edges = [(c.smaller, c.larger, c.statement) for c in CONTAINMENTS
             if c.smaller in CLASSICAL_LEVEL_NAMES and c.larger in CLASSICAL_LEVEL_NAMES]
    tracked: dict[str, list[str]] = {lv: [] for lv in CLASSICAL_LEVEL_NAMES}
    block: dict[str, int] = {}
    for spec in groups:
        for r in level_reports(parse_group(spec), modern_max_order=0):   # the classical rows only
            if r.tracks and r.level in tracked:
                tracked[r.level].append(spec)
                if r.level == "block":
                    assert r.block is not None         # the block row always names its block size
                    block[spec] = int(r.block)
    first = {g: next(lv for lv in CLASSICAL_LEVEL_NAMES if g in tracked[lv]) for g in groups}
    new = {lv: [g for g in groups if first[g] == lv] for lv in CLASSICAL_LEVEL_NAMES}
    return {"levels": list(CLASSICAL_LEVEL_NAMES), "layers": layers(CLASSICAL_LEVEL_NAMES, [(a, b) for a, b, _ in edges]),
            "edges": [list(e) for e in edges], "groups": list(groups), "tracked": tracked, "new": new,
            "block_size": block}


def _box_text(level: str, data: dict) -> str:
    title = level_class(level).title.replace(", H even", "").replace(", B | H", "")
    new = data["new"][level]
    if level == "block":
        by_b: dict[int, list[str]] = {}
        for g in new:
            by_b.setdefault(data["block_size"][g], []).append(g)
        rows = [f"B={b}: " + " ".join(style.group_label(g) for g in gs) for b, gs in sorted(by_b.items())]
    elif new:
        rows = [" ".join(style.group_label(g) for g in new)]
    elif len(data["tracked"][level]) == len(data["groups"]):
        rows = ["every group"]
    else:
        same = [m for m in data["levels"] if m != level and data["tracked"][m] == data["tracked"][level]]
        rows = [f"the groups of {same[0].upper()}" if same else "no group beyond those below"]
    if level == "full":
        rows[-1] += "; every automaton (H = |Q|)"
    return title + "\n" + "\n".join(rows)


def draw(data: dict, out_dir: str) -> list[str]:
    lay = data["layers"]
    n_layers = max(lay.values()) + 1
    fig, ax = style.new_figure(height=4.3)
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, n_layers - 0.4)
    per_layer: dict[int, list[str]] = {}
    for lv in data["levels"]:
        per_layer.setdefault(lay[lv], []).append(lv)
    boxes = {}
    for k, names in per_layer.items():
        for i, lv in enumerate(names):
            x = (i + 1) / (len(names) + 1) if len(names) > 1 else 0.5
            boxes[lv] = ax.text(x, k, _box_text(lv, data), ha="center", va="center", fontsize=5.6,
                                linespacing=1.25,
                                bbox=dict(boxstyle="round,pad=0.35", facecolor="white",
                                          edgecolor=style.color(lv), linewidth=1.1))
    fig.canvas.draw()                                   # box sizes are known only after a draw
    notes = []
    for a, b, statement in data["edges"]:
        if a == b:
            notes.append(statement)
            continue
        if lay[b] - lay[a] > 1:         # past the layers between: leave and enter the boxes on a side
            left = boxes[a].get_position()[0] < 0.5
            side, rad = (0.0, -0.35) if left else (1.0, 0.35)
            rad *= 1 + 0.35 * (lay[b] - lay[a] - 2)
            ends = dict(xy=(side, 0.5), xytext=(side, 0.5))
        else:
            rad, ends = 0.0, dict(xy=(0.5, 0.0), xytext=(0.5, 1.0))
        ax.annotate("", xycoords=boxes[b], textcoords=boxes[a], **ends,
                    arrowprops=dict(arrowstyle="-|>", color="0.35", linewidth=0.7, shrinkA=1, shrinkB=1,
                                    mutation_scale=6, connectionstyle=f"arc3,rad={rad}"))
    ax.text(0.0, -0.55, "arrow: A ⊂ B (containment theorems); also " + "; ".join(notes), fontsize=5,
            color="0.3", ha="left", va="bottom")
    return style.save(fig, out_dir, NAME)


def build(out_dir: str, quick: bool = False, source=None, progress=None) -> dict:
    """Compute from theory and draw; returns ``{"data", "files", "sources"}``."""
    data = compute()
    return {"data": data, "files": draw(data, out_dir), "sources": [SOURCES]}
