"""The figures, by name (docs/design.md §12): one module per figure, each with ``NAME``, ``TITLE``,
``CAPTION``, ``SOURCES`` and ``build(out_dir, quick=False, source=None, progress=None)``, which writes
``out_dir/NAME.pdf`` and ``out_dir/NAME.png`` and returns ``{"data", "files", "sources"}`` — ``data``
is exactly what the figure plots, so that tests can compare it with its source.  Figures whose
inputs are computed by the toolkit (``RECORDED``) also have ``update_record(progress)``, which
recomputes their committed record under docs/figures/data/.

    >>> names()[:2]
    ('hierarchy', 'accuracy')
"""

from __future__ import annotations

import importlib
import sys
import time

from bilinear.theory.errors import expected, shown

__all__ = ["FIGURES", "RECORDED", "names", "module", "draw", "update_records", "check_names"]

#: Figure name -> module (imported on first use: matplotlib and torch are slow to import).
FIGURES = {
    "hierarchy": "bilinear.paper_figs.hierarchy",
    "accuracy": "bilinear.paper_figs.accuracy",
    "sizes": "bilinear.paper_figs.sizes",
    "angles": "bilinear.paper_figs.angles",
    "decomposition": "bilinear.paper_figs.decomposition",
    "parity": "bilinear.paper_figs.parity",
    "horizon": "bilinear.paper_figs.horizon",
    "speed": "bilinear.paper_figs.speed",
    "depth": "bilinear.paper_figs.depth",
}

#: Figures drawn from a record that the toolkit computes (``update_record``).
RECORDED = ("sizes", "horizon")


def names() -> tuple[str, ...]:
    return tuple(FIGURES)


def check_names(selected, argument: str = "--only") -> list[str]:
    """``selected`` (names, or None for all) if every name is a figure, else one :class:`InputError`."""
    if selected is None:
        return list(FIGURES)
    bad = [n for n in selected if n not in FIGURES]
    if bad or not selected:
        raise expected(argument, f"figure names among {', '.join(FIGURES)}",
                       shown(','.join(selected) if selected else repr('')))
    return list(dict.fromkeys(selected))


def module(name: str):
    return importlib.import_module(FIGURES[check_names([name])[0]])


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def draw(out_dir: str, selected=None, quick: bool = False, sources: dict | None = None,
         progress=_stderr) -> list[dict]:
    """Draw the ``selected`` figures (default all) into ``out_dir``; ``sources`` maps a figure name to
    another input (a record file or folder).  Returns one entry per figure: ``name``, ``files``,
    ``sources``, ``seconds`` (wall) and ``data``."""
    out = []
    chosen = check_names(selected)
    for i, name in enumerate(chosen, 1):
        if progress:
            progress(f"figs: [{i}/{len(chosen)}] {name}{' (quick)' if quick else ''} ...")
        t0 = time.perf_counter()
        res = module(name).build(out_dir, quick=quick, source=(sources or {}).get(name), progress=progress)
        dt = time.perf_counter() - t0
        if progress:
            progress(f"figs: [{i}/{len(chosen)}] {name}: wrote {', '.join(res['files'])} ({dt:.1f} s)")
        out.append({"name": name, "files": res["files"], "sources": res["sources"], "seconds": round(dt, 2),
                    "data": res["data"]})
    return out


def update_records(selected=None, progress=_stderr) -> list[str]:
    """Recompute the committed records of the selected figures that have one (:data:`RECORDED`)."""
    paths = []
    for name in check_names(selected):
        if name in RECORDED:
            if progress:
                progress(f"figs: recomputing the record of {name} ...")
            paths.append(module(name).update_record(progress=progress))
            if progress:
                progress(f"figs: wrote {paths[-1]}")
    return paths
