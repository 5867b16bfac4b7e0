"""Text output on streams that cannot encode it (docs/design.md §11): ``PYTHONIOENCODING=ascii``, a
``C`` locale, a log file opened as Latin-1.  The command's text is written unchanged where the stream
can encode it; each character it cannot encode is spelled in ASCII instead of ending the command with
a ``UnicodeEncodeError``:

- mathematical signs by their usual ASCII spelling (``⊂`` -> ``<``, ``×`` -> ``x``, ``√`` ->
  ``sqrt``, ``≤`` -> ``<=``, ``−`` -> ``-``, ``…`` -> ``...``);
- Greek letters by their names (``ψ`` -> ``psi``, ``Σ`` -> ``Sigma``);
- anything else by its compatibility decomposition without accents (``é`` -> ``e``, ``²`` -> ``^2``),
  and as ``\\N{NAME}`` (Python's escape, so nothing is lost) when that leaves nothing ASCII.

    >>> ascii_text("ρ ⊂ ψ0 ⊕ ψ1, |G|² ≤ 60 — café")
    'rho < psi0 (+) psi1, |G|^2 <= 60 -- cafe'
    >>> ascii_text("\u2603")
    '\\\\N{SNOWMAN}'
"""

from __future__ import annotations

import codecs
import io
import sys
import unicodedata

__all__ = ["ascii_text", "ERRORS", "degrade_streams"]

#: the name of the codec error handler that spells characters in ASCII (registered on import)
ERRORS = "bilinear-ascii"

_SIGNS = {
    "⊂": "<", "⊆": "<=", "⊄": "not<", "≤": "<=", "≥": ">=", "≠": "!=", "≈": "~", "≅": "~=",
    "×": "x", "·": "*", "∘": "o", "⊗": "(x)", "⊕": "(+)", "⊙": "(.)", "±": "+-", "−": "-",
    "–": "-", "—": "--", "…": "...", "⋯": "...", "√": "sqrt", "∈": " in ", "∩": "&", "⋂": "&",
    "∪": "|", "⊥": "_|_", "‖": "||", "∏": "prod", "∑": "sum", "∞": "inf", "→": "->", "←": "<-",
    "↦": "|->", "ᵀ": "^T", "⁻": "^-", "§": "S", "ℓ": "l", "ĥ": "h^", "Ĝ": "G^", "“": '"', "”": '"',
    "‘": "'", "’": "'", "✓": "yes", "✗": "no",
}


def _spelled(ch: str) -> str:
    if ch in _SIGNS:
        return _SIGNS[ch]
    name = unicodedata.name(ch, "")
    if name.startswith("GREEK SMALL LETTER ") and " " not in name[19:]:
        return name[19:].lower()
    if name.startswith("GREEK CAPITAL LETTER ") and " " not in name[21:]:
        return name[21:].capitalize()
    decomposed = unicodedata.normalize("NFKD", ch)
    plain = "".join(c for c in decomposed if ord(c) < 128)
    if plain:
        return ("^" + plain) if name.startswith("SUPERSCRIPT") else ("_" + plain) if name.startswith("SUBSCRIPT") else plain
    return f"\\N{{{name}}}" if name else f"\\u{ord(ch):04x}"


def _handler(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start:error.end]
    return "".join(_spelled(c) for c in text), error.end


codecs.register_error(ERRORS, _handler)


def ascii_text(text: str) -> str:
    """``text`` with every non-ASCII character spelled in ASCII (module docstring)."""
    return text.encode("ascii", errors=ERRORS).decode("ascii")


def degrade_streams() -> None:
    """Make standard output and standard error spell in ASCII what their encoding cannot encode
    (the encoding itself is kept: a UTF-8 terminal still gets ``⊂``)."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors=ERRORS)
