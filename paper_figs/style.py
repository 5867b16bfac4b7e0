"""The one style of every figure (docs/design.md §12): the Agg backend, sizes readable at a paper's
column width, one colour per level of the hierarchy, chance lines, and the writer of PDF + PNG.

Every figure module draws through :func:`new_figure` and writes through :func:`save`; nothing else in
the toolkit imports matplotlib.

    >>> color("rdiag") == color("rdiag") != color("full")
    True
    >>> figure_size(rows=2)[0] == COLUMN_WIDTH
    True
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")                      # no display, the same output everywhere

import matplotlib.pyplot as plt  # noqa: E402

from bilinear.theory.files import atomic_path  # noqa: E402
from bilinear.theory.hierarchy.levels import LEVEL_NAMES  # noqa: E402

if TYPE_CHECKING:                          # the names rcParams accepts (matplotlib's stubs)
    from matplotlib.typing import RcKeyType

__all__ = ["COLUMN_WIDTH", "PANEL_HEIGHT", "DPI", "RC", "color", "marker", "register", "figure_size", "new_figure",
           "chance_line", "panel_label", "save", "FORMATS", "group_label", "si", "si_axis"]

#: Width of one paper column in inches; every figure is drawn at this width (two-panel figures too).
COLUMN_WIDTH = 3.4
#: Height of one row of panels, inches.
PANEL_HEIGHT = 2.1
#: PNG resolution: 3.4 in x 150 dpi = 510 px, readable on screen and small on disk.
DPI = 150
FORMATS = ("pdf", "png")

RC: dict[RcKeyType, Any] = {
    "font.size": 7,
    "axes.titlesize": 7,
    "axes.labelsize": 7,
    "xtick.labelsize": 6,
    "ytick.labelsize": 6,
    "legend.fontsize": 6,
    "legend.frameon": False,
    "legend.handlelength": 1.6,
    "lines.linewidth": 1.0,
    "lines.markersize": 3,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "pdf.fonttype": 42,                    # TrueType in the PDF: selectable text, editable labels
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.02,
}

# One colour per level (weakest first), then the baselines; tab10 is readable in print and for the
# common colour-vision deficiencies when paired with distinct markers.
_TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
          "#bcbd22", "#17becf", "#000000", "#a6761d", "#6a3d9a"]
_MARKERS = ["o", "s", "^", "v", "D", "P", "X", "*", "<", ">", "h", "p", "8"]
_FIXED = {name: i for i, name in enumerate(LEVEL_NAMES)}
_OTHER: dict[str, int] = {}


def _index(name: str) -> int:
    base = name.split("-")[0]             # "full-affine" shares full's colour (and differs by line style)
    if base in _FIXED:
        return _FIXED[base]
    if base not in _OTHER:
        _OTHER[base] = len(_FIXED) + len(_OTHER)
    return _OTHER[base]


def register(names) -> None:
    """Give the names that are not levels (baselines) their colours in sorted order, before drawing,
    so that a figure's colours do not depend on which names other figures drew first."""
    for base in sorted({n.split("-")[0] for n in names} - set(_FIXED) - set(_OTHER)):
        _OTHER[base] = len(_FIXED) + len(_OTHER)


def color(name: str) -> str:
    """The colour of a level or model name (levels keep theirs in every figure)."""
    return _TAB10[_index(name) % len(_TAB10)]


def marker(name: str) -> str:
    """The marker of a level or model name."""
    return _MARKERS[_index(name) % len(_MARKERS)]


def figure_size(rows: int = 1, height: float | None = None) -> tuple[float, float]:
    """(width, height) in inches of a figure of ``rows`` rows of panels at column width."""
    return COLUMN_WIDTH, (PANEL_HEIGHT * rows if height is None else height)


def new_figure(rows: int = 1, cols: int = 1, height: float | None = None, **kwargs):
    """``(figure, axes)`` in the style, at column width (``axes`` as ``plt.subplots`` returns them)."""
    plt.rcParams.update(RC)               # every text object is created under the style
    fig, axes = plt.subplots(rows, cols, figsize=figure_size(rows, height), layout="constrained", **kwargs)
    return fig, axes


def chance_line(ax, chance: float, label: str | None = "chance", **kwargs) -> None:
    """A dotted grey horizontal line at the chance level (1 / number of classes)."""
    ax.axhline(chance, color="0.45", linestyle=":", linewidth=0.9, label=label, zorder=0, **kwargs)


def panel_label(ax, text: str) -> None:
    """A bold panel letter such as ``(a)`` at the top left, outside the axes."""
    ax.set_title(text, loc="left", fontweight="bold")


def save(fig, out_dir: str, name: str) -> list[str]:
    """Write ``fig`` as ``out_dir/name.pdf`` and ``out_dir/name.png`` (atomically, no time stamps in
    the files so that redrawing unchanged data gives unchanged bytes); close it; return the paths."""
    paths = []
    plt.rcParams.update(RC)
    for fmt in FORMATS:
        path = os.path.join(out_dir, f"{name}.{fmt}")
        meta = {"CreationDate": None} if fmt == "pdf" else {"Software": None}
        with atomic_path(path, suffix=f".{fmt}") as tmp:
            fig.savefig(tmp, format=fmt, dpi=DPI, metadata=meta)
        paths.append(path)
    plt.close(fig)
    return paths


_ATOM = re.compile(r"^([ZCDSAQ])(\d+)(?:\^(\d+))?$")


def group_label(spec: str) -> str:
    """A group spec as mathtext for labels: ``Z2^3`` -> ``$Z_{2}^{3}$``, ``A4xZ5`` -> ``$A_{4}{\\times}Z_{5}$``;
    matrix groups (``GL(3,2)``) are kept as written.

    >>> group_label("Z2xZ4"), group_label("GL(3,2)")
    ('$Z_{2}{\\\\times}Z_{4}$', 'GL(3,2)')
    """
    parts = spec.split("x")
    out = []
    for p in parts:
        m = _ATOM.match(p)
        if not m:
            return spec
        out.append(f"{m[1]}_{{{m[2]}}}" + (f"^{{{m[3]}}}" if m[3] else ""))
    return "$" + "{\\times}".join(out) + "$"


def si(value: float, _pos=None) -> str:
    """A tick label with a k / M suffix: ``si(250000)`` is ``'250k'``, ``si(2e6)`` is ``'2M'``.

    >>> si(250000), si(2e6), si(1.5e6), si(40)
    ('250k', '2M', '1.5M', '40')
    """
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= div:
            return f"{value / div:.3g}{suffix}"
    return f"{value:.3g}"


def si_axis(axis) -> None:
    """Label ``axis`` (``ax.xaxis`` or ``ax.yaxis``) with :func:`si`; on a log axis the minor ticks at 2
    and 5 times a power of ten are labelled too."""
    from matplotlib.ticker import FuncFormatter
    axis.set_major_formatter(FuncFormatter(si))
    axis.set_minor_formatter(FuncFormatter(lambda v, p: si(v) if f"{v:.1e}"[0] in "25" else ""))
