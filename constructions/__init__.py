"""Closed-form bilinear weights for groups and automata, with exactness certificates (docs/design.md §7).
No torch here (docs/design.md §2)."""
