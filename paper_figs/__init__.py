"""The figures (docs/design.md §12): one module per figure, listed in :mod:`paper_figs.registry`, all
drawn in the style of :mod:`paper_figs.style` (the only place matplotlib is imported) by
``bilinear figs`` into the gallery ``docs/figures/``."""
