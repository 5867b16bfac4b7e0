"""One script per paper figure (DESIGN §12); outputs go to an ignored directory."""
