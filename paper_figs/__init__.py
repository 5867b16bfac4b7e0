"""The figures (docs/design.md §12): one module per figure, listed in :mod:`bilinear.paper_figs.registry`, all
drawn in the style of :mod:`bilinear.paper_figs.style` (the only place matplotlib is imported) by
``bilinear figs`` into the gallery ``docs/figures/``."""
