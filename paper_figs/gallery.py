"""The gallery page ``docs/figures/README.md``, written from the registry: per figure its title, the
PNG, the caption (what it shows), the command that redraws it and its inputs.  ``bilinear figs``
writes it next to the figures; a test checks that the committed page is this text.

    >>> "bilinear figs --only parity" in readme_text()
    True
"""

from __future__ import annotations

import os

from bilinear.theory.files import write_text_atomically

from bilinear.paper_figs.registry import RECORDED, module, names

__all__ = ["readme_text", "write_readme"]

_HEAD = """# Figures

Every figure of the toolkit, drawn by `bilinear figs` from the committed run records under `docs/`
and from computations in `theory/` (docs/design.md §12). Each is a PDF (for papers, at a column
width of 3.4 in) and a PNG (shown here). This page is written by the same command.

    bilinear figs                        # every figure from the committed records (a few minutes)
    bilinear figs --only NAME            # one figure
    bilinear figs --quick --out DIR      # small fresh computations instead of the recorded ones
    bilinear figs --update-records       # recompute docs/figures/data/*.json first (minutes)

"""


def readme_text() -> str:
    parts = [_HEAD]
    for name in names():
        m = module(name)
        redraw = f"`bilinear figs --only {name}`"
        if name in RECORDED:
            redraw += (f"; its record: `bilinear figs --only {name} --update-records`; fresh and small: "
                       f"`bilinear figs --only {name} --quick`")
        parts.append(f"## `{name}`: {m.TITLE}\n\n![{name}]({name}.png)\n\n{m.CAPTION}\n\n"
                     f"Redraw: {redraw}. [PDF]({name}.pdf). Inputs: {m.SOURCES}.\n\n")
    return "".join(parts).rstrip("\n") + "\n"


def write_readme(out_dir: str) -> str:
    """Write ``out_dir/README.md``; returns its path."""
    path = os.path.join(out_dir, "README.md")
    write_text_atomically(path, readme_text())
    return path
