"""Closed-form bilinear weights for groups and automata, with exactness certificates (DESIGN §7).
No torch here (DESIGN §2)."""
