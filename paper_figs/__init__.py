"""One script per paper figure (docs/design.md §12); outputs go to an ignored directory."""
