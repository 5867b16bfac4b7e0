"""The C interface of the compiled recurrence, declared once (docs/design.md §9).

:data:`C_API` holds the prototypes of the functions ``recurrence.c`` exports, as it writes them.
:func:`declare` makes the ctypes ``argtypes`` and ``restype`` from them, :data:`PARAMS` tells the caller
(:mod:`bilinear.verify.kernels.native`) which element type each pointer takes, and
:func:`api_differences` compares them with the C source — a small reader of recurrence.c's own style
(:func:`c_functions`) — before any build, so a library whose functions differ from the declarations
is never built or loaded.

    >>> from pathlib import Path
    >>> api_differences(Path(__file__).with_name("recurrence.c").read_text())
    []
    >>> PARAMS["in_range"]
    (('n', ''), ('x', 'int64'), ('lo', ''), ('hi', ''))
"""

from __future__ import annotations

import ctypes
import re
from typing import Any, NamedTuple

__all__ = ["C_API", "INSTANCES", "Function", "API", "PARAMS", "c_functions", "declared", "api_differences", "ctype",
           "declare", "pointer_kind"]

#: The functions recurrence.c exports, written as it declares them: ``REAL`` is ``float`` in a macro's
#: ``(float, f32)`` instance and ``double`` in its ``(double, f64)`` one, ``##SUFFIX`` the suffix
#: (:data:`INSTANCES`).  The ctypes ``argtypes`` and ``restype`` are made from these lines
#: (:func:`_declare`), calls pass their arguments by these parameter names (:func:`_call`), and the
#: source is compared with them before it is built (:func:`api_differences`).
C_API = (
    "void forward_##SUFFIX(int64_t n, int64_t L, int64_t D, int64_t nb, int64_t B, const int64_t *tok,"
    " const REAL *Tt, const REAL *shift, int norm, REAL *X, REAL *S)",
    "void logits_##SUFFIX(int64_t n, int64_t L, int64_t D, int64_t nb, int64_t B, const int64_t *tok,"
    " const REAL *Tt, const REAL *shift, int norm, const REAL *R, int64_t K, REAL *x, REAL *Z, REAL *y)",
    "void backward_##SUFFIX(int64_t n, int64_t L, int64_t D, int64_t nb, int64_t B, const int64_t *tok,"
    " const REAL *T, const REAL *X, const REAL *S, const REAL *g, const REAL *c, int norm, REAL *dY,"
    " REAL *gT, REAL *G, REAL *tmp)",
    "void forward_grouped_##SUFFIX(int64_t n, int64_t L, int64_t D, int64_t H, const int64_t *tok, const REAL *T,"
    " const REAL *shift, int norm, REAL *X, REAL *S, REAL *work, int64_t *index, const void *gemm)",
    "void logits_grouped_##SUFFIX(int64_t n, int64_t L, int64_t D, int64_t H, const int64_t *tok, const REAL *Tt,"
    " const REAL *shift, int norm, const REAL *R, int64_t K, REAL *x, REAL *Z, REAL *work, int64_t *index,"
    " const void *gemm)",
    "void backward_grouped_##SUFFIX(int64_t n, int64_t L, int64_t D, int64_t H, const int64_t *tok, const REAL *T,"
    " const REAL *X, const REAL *S, const REAL *g, const REAL *c, int norm, REAL *dY, REAL *gT, REAL *G,"
    " REAL *work, int64_t *index, const void *gemm)",
    "double xent_forward_##SUFFIX(int64_t rows, int64_t K, const REAL *lp, const int64_t *y, int64_t *count)",
    "void xent_backward_##SUFFIX(int64_t rows, int64_t K, REAL *p, const int64_t *y, double scale)",
    "double block_gains_##SUFFIX(int64_t L, int64_t N, int64_t n, int64_t nb, int64_t w, const REAL *X,"
    " const REAL *S, int norm, REAL *work, REAL *b, REAL *G, REAL *GL)",
    "void sinkhorn_##SUFFIX(int64_t D, int64_t H, int64_t steps, const REAL *logits, REAL *S, REAL *P, REAL *V,"
    " REAL *work)",
    "void sinkhorn_backward_##SUFFIX(int64_t D, int64_t H, int64_t steps, const REAL *P, const REAL *V, REAL *g,"
    " REAL *work)",
    "int hard_permutation_##SUFFIX(int64_t D, int64_t H, const REAL *scores, REAL *P, REAL *s, int64_t *index)",
    "void house_##SUFFIX(int64_t D, int64_t nh, int64_t H, const REAL *keys, const REAL *b, REAL *A, REAL *K,"
    " REAL *beta, REAL *hist, REAL *work)",
    "void house_backward_##SUFFIX(int64_t D, int64_t nh, int64_t H, const REAL *keys, const REAL *K, const REAL *beta,"
    " const REAL *hist, REAL *G, REAL *gkeys, REAL *gb, REAL *work)",
    "int in_range(int64_t n, const int64_t *x, int64_t lo, int64_t hi)",
    "int recurrence_version(void)",
)
#: The ``(REAL, SUFFIX)`` of every instance of a macro that defines ``##SUFFIX`` functions.
INSTANCES = (("float", "f32"), ("double", "f64"))
REAL_OF = dict(INSTANCES)
_CTYPES: dict[str, Any] = {"int64_t": ctypes.c_int64, "int": ctypes.c_int, "double": ctypes.c_double,
                           "float": ctypes.c_float, "void": None}


class Function(NamedTuple):
    returns: str                              # the return type, e.g. "double"
    params: tuple[tuple[str, str], ...]       # (type, name), e.g. ("const REAL *", "Tt")
    macro: str | None                         # the function-like macro whose body defines it


_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_DEFINE = re.compile(r"\s*#\s*define\s+(\w+)(\([^)]*\))?(.*)")
_HEADER = re.compile(r"(?P<returns>.*?)\b(?P<name>[A-Za-z_]\w*(?:\s*##\s*\w+)*)\s*\((?P<params>[^()]*)\)\s*", re.S)
_WORD = re.compile(r"\w+(?:\s*##\s*\w+)*|\*")
_DROPPED = frozenset(("restrict", "__restrict", "__restrict__", "extern"))


def _words(text: str, objects: dict[str, str] | None = None) -> list[str]:
    """The identifiers and ``*`` of a declaration, ``##`` joined, ``restrict`` dropped, object-like
    macros of ``objects`` expanded once."""
    out = []
    for w in _WORD.findall(text):
        w = re.sub(r"\s*##\s*", "##", w)
        if objects and w in objects:
            out.extend(_words(objects[w]))
        elif w not in _DROPPED:
            out.append(w)
    return out


def _parameters(text: str) -> tuple[tuple[str, str], ...]:
    """``((type, name), ...)`` of a parameter list (``void``: none; an unnamed parameter: name ``""``)."""
    if text.strip() in ("", "void"):
        return ()
    out = []
    for part in text.split(","):
        words = _words(part)
        named = len(words) >= 2 and words[-1] != "*"
        out.append((" ".join(words[:-1] if named else words), words[-1] if named else ""))
    return tuple(out)


def _top_level_headers(code: str) -> list[str]:
    """The text before each top-level ``{`` of ``code``: the headers of its function definitions."""
    headers, depth, start = [], 0, 0
    for i, ch in enumerate(code):
        if ch == "{":
            if depth == 0:
                headers.append(code[start:i])
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                start = i + 1
        elif ch == ";" and depth == 0:
            start = i + 1
    return headers


def c_functions(source: str) -> tuple[dict[str, Function], dict[str, list[tuple[str, ...]]]]:
    """The exported (neither ``static`` nor ``inline``) functions defined in the C ``source``, by name
    (``forward_##SUFFIX`` for one defined in a macro's body), and the arguments of every top-level
    invocation of each function-like macro.  A small reader for recurrence.c's own style: comments and
    line continuations removed, each function-like macro's body read as code of its own."""
    text = _COMMENT.sub(" ", source).replace("\\\n", " ")
    objects: dict[str, str] = {}
    units: list[tuple[str | None, str]] = []
    top = []
    for line in text.split("\n"):
        m = _DEFINE.match(line)
        if m and m.group(2):
            units.append((m.group(1), m.group(3)))
        elif m:
            objects[m.group(1)] = m.group(3).strip()
        elif not line.lstrip().startswith("#"):
            top.append(line)
    invoked: dict[str, list[tuple[str, ...]]] = {}
    code = "\n".join(top)
    if units:
        names = "|".join(re.escape(name) for name, _ in units if name)

        def record(m: re.Match) -> str:
            invoked.setdefault(m.group(1), []).append(tuple(a.strip() for a in m.group(2).split(",")))
            return ";"
        code = re.sub(rf"\b({names})\s*\(([^()]*)\)\s*;?", record, code)
    units.append((None, code))
    found = {}
    for macro, body in units:
        for header in _top_level_headers(body):
            m = _HEADER.fullmatch(header.strip())
            if m is None:
                continue
            returns = _words(m.group("returns"), objects)
            if "static" in returns or "inline" in returns:
                continue
            found[re.sub(r"\s*##\s*", "##", m.group("name"))] = Function(
                " ".join(returns), _parameters(m.group("params")), macro)
    return found, invoked


def declared(api: tuple[str, ...] = C_API) -> dict[str, Function]:
    """The prototypes of ``api`` by name."""
    out = {}
    for line in api:
        m = _HEADER.fullmatch(line.strip())
        if m is None:
            raise ValueError(f"not a C prototype: {line!r}")
        out[re.sub(r"\s*##\s*", "##", m.group("name"))] = Function(" ".join(_words(m.group("returns"))),
                                                                     _parameters(m.group("params")), None)
    return out


def api_differences(source: str, api: tuple[str, ...] = C_API) -> list[str]:
    """How the exported functions of the C ``source`` differ from the declarations ``api``: names,
    return types, number, types and names of the parameters, and the instances of the macros that
    define the ``##SUFFIX`` functions (empty: they agree)."""
    ours, (defined, invoked) = declared(api), c_functions(source)
    out = [f"{name}: declared in c_api.py, not defined in recurrence.c" for name in ours if name not in defined]
    out += [f"{name}: defined in recurrence.c, not declared in c_api.py" for name in defined if name not in ours]
    for name in (n for n in ours if n in defined):
        d, c = ours[name], defined[name]
        if d.returns != c.returns:
            out.append(f"{name}: returns {d.returns} in c_api.py, {c.returns} in recurrence.c")
        if len(d.params) != len(c.params):
            out.append(f"{name}: {len(d.params)} parameters in c_api.py, {len(c.params)} in recurrence.c")
        for i, (a, b) in enumerate(zip(d.params, c.params)):
            if a != b:
                out.append(f"{name}: parameter {i + 1} is '{' '.join(a)}' in c_api.py, '{' '.join(b)}' in recurrence.c")
        if "##SUFFIX" in name:
            made = sorted(invoked.get(c.macro or "", []))
            if made != sorted(INSTANCES):
                out.append(f"{name}: instances {made} of {c.macro} in recurrence.c, {sorted(INSTANCES)} in c_api.py")
    return out


#: The declared prototypes by name.
API = declared()


def ctype(c_type: str, real: str) -> Any:
    """The ctypes type of a C type of :data:`C_API` (every pointer a ``c_void_p``)."""
    words = [w for w in c_type.replace("REAL", real).split() if w != "const"]
    return ctypes.c_void_p if "*" in words else _CTYPES[" ".join(words)]


def declare(lib) -> None:
    """``argtypes`` and ``restype`` of every function of :data:`C_API`, from its prototype."""
    for name, fn in API.items():
        for real, suffix in INSTANCES if "##SUFFIX" in name else (("", ""),):
            f = getattr(lib, name.replace("##SUFFIX", suffix))
            f.argtypes = [ctype(t, real) for t, _ in fn.params]
            f.restype = ctype(fn.returns, real)


def pointer_kind(c_type: str) -> str:
    """``""`` for a value parameter, else the element a pointer parameter takes: ``"int64"`` or ``"REAL"``,
    or ``"address"`` for a ``void *`` (a function's address, passed as an integer)."""
    if "*" not in c_type:
        return ""
    words = c_type.split()
    return "int64" if "int64_t" in words else "REAL" if "REAL" in words else "address" if "void" in words else c_type


#: ``(parameter name, pointer kind)`` of every declared function, in order.
PARAMS = {name: tuple((p, pointer_kind(t)) for t, p in fn.params) for name, fn in API.items()}
