"""Figure ``sizes``: the smallest block size and the smallest hidden size per group, over every group
of order <= 32 and named larger groups (docs/design.md §4, §12).

The catalogue: the SmallGroups library up to order 32, exported with permutation generators, GAP's
IdGroup and StructureDescription by the committed GAP script ``paper_figs/data/small_groups.g`` into
``paper_figs/data/small_groups.json`` and read here through the toolkit's ``perm:`` grammar
(docs/design.md §11); then :func:`named` (the catalogue groups of the block classification theorem
above order 32, and a few more).  Per group, :func:`bilinear.theory.hierarchy.placement.hierarchy_level` gives
``min_block_real``, the weakest level and its smallest hidden size, and
:func:`bilinear.theory.hierarchy.analysis.level_reports` the smallest hidden size at every level.

The classification of ~160 groups takes seconds, so the figure draws from the committed record
``docs/figures/data/sizes.json`` (written by ``bilinear figs --only sizes --update-records``);
``--quick`` recomputes it fresh instead.  A test recomputes a sample and compares, and compares
every ``min_block_real`` with GAP's own value in the export.

    >>> row = group_row("Q8", parse_group("Q8"))
    >>> row["min_block_real"], row["lowest_level"], row["hidden"]["full"]
    (4, 'block', 4)
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from bilinear.constructions.theorems.block_classification import CLASSIFICATION_GROUPS
from bilinear.theory.hierarchy.analysis import level_reports
from bilinear.theory.errors import InputError
from bilinear.theory.files import write_text_atomically
from bilinear.theory.groups.parser import parse_group
from bilinear.theory.hierarchy.placement import hierarchy_level

from bilinear.paper_figs import records, style

NAME = "sizes"
TITLE = "Smallest block size and hidden size per group"
CAPTION = ("Every group of order <= 32 (SmallGroups library, generators exported by a committed GAP script) "
           "and named larger groups: (a) the smallest block size B at which BLOCK(H, B) tracks the group "
           "(marker area: number of groups), coloured by the weakest level that tracks it; (b) the smallest "
           "hidden size at that level, against the regular representation H = |G|. Labelled: the "
           "smallest group that needs each block size.")
SOURCES = ("docs/figures/data/sizes.json (from paper_figs/data/small_groups.json, written by "
           "paper_figs/data/small_groups.g, and theory/hierarchy/placement.py)")

SMALL_GROUPS = Path(__file__).resolve().parent / "data" / "small_groups.json"
RECORD = records.DATA_DIR / "sizes.json"
RECORD_COMMAND = "bilinear figs --only sizes --update-records"

#: Named groups beyond the catalogue groups of the block classification above order 32 (:func:`named`).
MORE_NAMED = ("GL(2,3)", "A6", "S6", "A7")


def named() -> tuple[str, ...]:
    """The named groups: the block classification's catalogue groups above order 32, then :data:`MORE_NAMED`."""
    return tuple(g for g in CLASSIFICATION_GROUPS if parse_group(g).order > 32) + MORE_NAMED

__all__ = ["NAME", "TITLE", "CAPTION", "SOURCES", "SMALL_GROUPS", "RECORD", "MORE_NAMED", "named", "small_groups",
           "catalogue", "group_row", "compute_record", "compute", "draw", "build", "update_record"]


def small_groups(path=SMALL_GROUPS) -> list[dict]:
    """The GAP export: ``{"id": [n, i], "structure", "degree", "generators", "gap_min_block_real"}``."""
    data = records.read_json(path)
    if not (isinstance(data, dict) and isinstance(data.get("groups"), list)):
        raise InputError(f"record {path}: expected an object with a 'groups' list")
    return data["groups"]


def catalogue(path=SMALL_GROUPS, names=None) -> list[tuple[str, str, str]]:
    """``(name, spec, structure)`` of every group of the figure: ``SmallGroup(n,i)`` with its ``perm:``
    spec and GAP's structure description, then the named groups (spec = name = structure)."""
    out = [(f"SmallGroup({g['id'][0]},{g['id'][1]})", "perm:" + g["generators"], g["structure"])
           for g in small_groups(path)]
    return out + [(g, g, g) for g in (named() if names is None else names)]


def group_row(name: str, G, spec: str | None = None, structure: str | None = None) -> dict:
    """One group's entry of the record."""
    L = hierarchy_level(G)
    return {"name": name, "spec": spec or name, "structure": structure or name, "order": G.order,
            "abelian": bool(G.is_abelian), "min_block_real": L.min_block_real, "lowest_level": L.lowest_level,
            "lowest_level_hidden_size": L.lowest_level_hidden_size,
            "min_faithful_dim_real": L.min_faithful_dim_real,
            "hidden": {r.level: r.hidden for r in level_reports(G, modern_max_order=0)}}   # the classical levels


def compute_record(path=SMALL_GROUPS, names=None, progress=None) -> dict:
    """The record: every catalogue group's row, in catalogue order."""
    t0 = time.process_time()
    rows = []
    for name, spec, structure in catalogue(path, names):
        rows.append(group_row(name, parse_group(spec), spec, structure))
    if progress:
        progress(f"sizes: classified {len(rows)} groups in {time.process_time() - t0:.1f} CPU s")
    return {"command": RECORD_COMMAND, "catalogue": str(Path(path).name), "groups": rows}


def compute(record: dict) -> dict:
    """The plotted data: per group order, B, level and hidden size; the labelled groups (the smallest
    group, by order then catalogue position, attaining each block size)."""
    rows = record["groups"]
    first: dict[int, dict] = {}
    for r in rows:
        b = r["min_block_real"]
        if b not in first or r["order"] < first[b]["order"]:
            first[b] = r
    points = [{"name": r["name"], "structure": r["structure"], "order": r["order"], "B": r["min_block_real"],
               "level": r["lowest_level"], "hidden": r["lowest_level_hidden_size"],
               "full": r["hidden"]["full"]} for r in rows]
    return {"points": points, "first_with_block": {str(b): first[b]["name"] for b in sorted(first)}}


def _counts(points, key):
    out: dict[tuple, int] = {}
    for p in points:
        k = (p["order"], p[key], p["level"])
        out[k] = out.get(k, 0) + 1
    return out


def _short(point: dict) -> str:
    s = point["structure"]
    if " " not in s:
        return style.group_label(s)
    return point["name"] if len(s) > 14 else s


def draw(data: dict, out_dir: str) -> list[str]:
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator, FuncFormatter

    fig, (ax1, ax2) = style.new_figure(2, 1, height=4.0)
    pts = data["points"]
    levels = [lv for lv in ("pdiag", "rdiag", "rot", "block") if any(p["level"] == lv for p in pts)]
    for ax, key, ylabel in ((ax1, "B", "smallest block size B"),
                            (ax2, "hidden", "smallest hidden size H\nat the weakest level")):
        counts = _counts(pts, key)
        for lv in levels:
            ks = [k for k in counts if k[2] == lv]
            ax.scatter([k[0] for k in ks], [k[1] for k in ks], s=[5 + 3 * counts[k] for k in ks],
                       color=style.color(lv), marker=style.marker(lv), alpha=0.7, linewidths=0)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("group order |G|")
        ax.set_ylabel(ylabel)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax1.set_yticks(sorted({p["B"] for p in pts}))
    by_name = {p["name"]: p for p in pts}
    for b, name in data["first_with_block"].items():
        p = by_name[name]
        if int(b) >= 3:
            ax1.annotate(_short(p), (p["order"], p["B"]), xytext=(3, 2), textcoords="offset points", fontsize=5.2)
    orders = sorted({p["order"] for p in pts})
    top = max(p["hidden"] for p in pts)
    ax2.plot(orders, orders, "--", color="0.5", linewidth=0.7)
    ax2.set_yscale("log", base=2)
    ax2.set_ylim(0.8, 4 * top)
    ax2.yaxis.set_major_locator(FixedLocator([2 ** k for k in range(0, top.bit_length() + 2)]))
    ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    handles = [Line2D([], [], linestyle="", marker=style.marker(lv), color=style.color(lv), markersize=3.5,
                      label=lv.upper()) for lv in levels]
    ax1.legend(handles=handles, loc="upper left", ncol=2, title="weakest level", title_fontsize=6)
    ax2.legend(handles=[Line2D([], [], linestyle="--", color="0.5", label="H = |G| (regular representation)")],
               loc="upper left")
    style.panel_label(ax1, "(a)")
    style.panel_label(ax2, "(b)")
    return style.save(fig, out_dir, NAME)


def build(out_dir: str, quick: bool = False, source=None, progress=None) -> dict:
    """Draw from the committed record, or (``quick``) from a fresh computation; ``source`` names
    another record."""
    record, used = records.record_or_fresh(quick, source, RECORD, lambda: compute_record(progress=progress),
                                           f"computed: {SOURCES}")
    data = compute(record)
    return {"data": data, "files": draw(data, out_dir), "sources": used}


def update_record(progress=None) -> str:
    """Recompute and write the committed record (one group per line); returns its path."""
    rec = compute_record(progress=progress)
    head = {k: v for k, v in rec.items() if k != "groups"}
    text = json.dumps(head)[:-1] + ', "groups": [\n' + ",\n".join(json.dumps(r) for r in rec["groups"]) + "\n]}\n"
    write_text_atomically(RECORD, text)
    return str(RECORD)
