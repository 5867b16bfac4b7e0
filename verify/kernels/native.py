"""The compiled recurrence: ``verify/kernels/recurrence.c`` built once per machine and called by ctypes
(docs/design.md §9).

The C file holds two loops over a whole sequence — the forward recurrence with per-step
normalisation and the adjoint backward with the weight gradient — for block-diagonal per-symbol
matrices ``A_k`` (``D, nb, B, B``), which covers every level with one-hot input but CP (FULL:
one ``H x H`` block; BLOCK; RDIAG and PDIAG: ``1 x 1``), and for complex pairs ``(a, b)``
(``D, nb, 2``: CDIAG, and ROT as ``(cos, sin)``), the blocks ``[[a, -b], [b, a]]``.  Called once
per sequence instead of a handful of tensor operations per step, it removes the fixed per-operation
cost that dominates at the sizes the toolkit trains (H = 64, batch 64, length 10).

Building, caching and loading the library: :mod:`bilinear.verify.kernels.library`.

The C interface is declared once, in :data:`bilinear.verify.kernels.c_api.C_API`: the prototypes of the exported functions as
recurrence.c writes them.  The ctypes declarations are made from it, every call passes its
arguments by their C parameter names (a tensor for each pointer, of the element type the prototype
names), and the source is compared with it before it is built: a library whose functions differ
from the declarations is never loaded (:func:`status` says how they differ).

The C code does not check its arguments.  Every public function that takes tensors first calls
one checker, :func:`_arguments`, with the table of its arguments (:data:`_ENTRIES`): type, device
(CPU), layout, dtype (float32 or float64; int64 for tokens and labels), shape, the sizes of the
arguments against each other (one ``L``, ``n``, ``H``, ``K``, ``rows`` per call), contiguity, and
the index ranges (tokens in ``[0, D)``, labels in ``[-1, K)``; scanned by the library's
``in_range`` once the library is loaded, by torch before), so no pointer reaches C before everything
it points to has been checked and the C code never reads or writes out of bounds.  The token range
is scanned on every call, ``checked=True`` or not.  A bad argument raises
:class:`bilinear.theory.errors.InputError` in one line (``native.ENTRY(ARG): expected WHAT, got
VALUE``), with or without a compiled library.

    >>> import torch
    >>> if available():
    ...     T = torch.tensor([[[[2.0]]], [[[3.0]]]]).double()     # D=2 symbols, 1x1 blocks, H=1
    ...     X, S = forward(torch.tensor([[0], [1]]), T, torch.ones(1, 1).double(), None, False)
    ...     print(X.flatten().tolist(), S.flatten().tolist())
    ... else:
    ...     print([1.0, 2.0, 6.0], [2.0, 6.0])
    [1.0, 2.0, 6.0] [2.0, 6.0]
    >>> try:
    ...     xent_backward(torch.rand(3, 4).double(), torch.tensor([0]), 1.0)
    ... except InputError as e:
    ...     print(e)
    native.xent_backward(labels): expected a (rows,) = (4,) int64 CPU tensor, got int64 tensor of shape (1,)
"""

from __future__ import annotations

import ctypes
import numbers
import operator
from typing import Any, NamedTuple, TypeGuard

import torch

from bilinear.theory.errors import InputError, expected, shown, type_of
from bilinear.verify.kernels import blas, c_api, library
from bilinear.verify.kernels.library import available, cache_dir, status

__all__ = ["available", "status", "forward", "logits", "backward", "forward_grouped", "grouped_gemm", "xent_forward",
           "xent_backward", "forward_block_gains", "block_gains", "BlockGains", "sinkhorn", "sinkhorn_backward",
           "hard_permutation", "house", "house_backward", "check_tokens", "cache_dir", "calls"]

_SUFFIX = {torch.float32: "f32", torch.float64: "f64"}

_calls = [0]


def calls() -> int:
    """How many calls of the compiled recurrence and cross-entropy this process has made (0: the torch
    paths ran)."""
    return _calls[0]


def _call(name: str, dtype: torch.dtype, **args: Any) -> Any:
    """The C function ``name`` of :data:`~bilinear.verify.kernels.c_api.C_API` for ``dtype``, called with ``args`` by parameter name:
    every parameter given once, a tensor (or ``None``) for each pointer, of the element type the
    prototype names (``REAL``: ``dtype``), or a ``ctypes.c_int64`` for an ``int64_t *``.  Only checked
    arguments come here (:func:`_arguments`); a mismatch is a bug of this module, a ``TypeError``
    before the call."""
    state = library._state                    # the loaded library and these plans, forgotten together
    plan = state.get(("call", name, dtype))
    if plan is None:                          # the function and the element type of each parameter
        elements = {"": None, "int64": torch.int64, "REAL": dtype, "address": None}
        plan = state[("call", name, dtype)] = (getattr(library.loaded(), name.replace("##SUFFIX", _SUFFIX[dtype])),
                                                 tuple((p, elements[kind]) for p, kind in c_api.PARAMS[name]))
    function, params = plan
    values = []
    try:
        if len(args) != len(params):
            raise KeyError(len(args))
        for param, element in params:
            value = args[param]
            if element is None or value is None:
                values.append(value)
            elif getattr(value, "dtype", None) is element:
                values.append(value.data_ptr())   # CPU and contiguous: checked by _arguments or made here
            elif element is torch.int64 and isinstance(value, ctypes.c_int64):   # one int64 written by C
                values.append(ctypes.byref(value))
            else:
                raise TypeError(f"{name}: {param} ({element} *) given {type(value).__name__} "
                                f"{getattr(value, 'dtype', '')}")
    except KeyError:
        raise TypeError(f"{name} takes {', '.join(p for p, _ in params)}; given {', '.join(args)}") from None
    _calls[0] += 1
    return function(*values)


# -- the arguments, checked in one place ------------------------------------------------------------

#: The arguments of each public function, checked in this order by :func:`_arguments`: a name and
#: its kind.  ``table``: ``(D, nb, B, B)`` blocks or ``(D, nb, 2)`` pairs, float32 or float64 (the
#: call's dtype); ``tokens``: ``(L, n)`` int64 in ``[0, D)``; ``labels``: ``(rows,)`` int64 in
#: ``[-1, K)``; ``size``: an integer >= 0 (that size of the call); ``real``: a real number; else the
#: shape of a float tensor of the call's dtype in the sizes of the call (``?``: may be ``None``).
_ENTRIES: dict[str, tuple[tuple[str, str], ...]] = {
    "check_tokens": (("D", "size"), ("tokens", "tokens")),
    "forward_grouped": (("T", "table"), ("tokens", "tokens"), ("x0", "n H"), ("shift", "L n H ?")),
    "forward": (("Tt", "table"), ("tokens", "tokens"), ("x0", "n H"), ("shift", "L n H ?")),
    "logits": (("Tt", "table"), ("tokens", "tokens"), ("x", "n H"), ("shift", "L n H ?"), ("R", "K H")),
    "backward": (("T", "table"), ("tokens", "tokens"), ("X", "L+1 n H"), ("S", "L n"), ("g", "L n H"),
                 ("c", "L n")),
    "xent_forward": (("lp", "K rows"), ("labels", "labels")),
    "xent_backward": (("p", "K rows"), ("labels", "labels"), ("scale", "real")),
    "forward_block_gains": (("Tt", "table"), ("tokens", "tokens"), ("x0", "n H"), ("shift", "L n H ?"),
                            ("w", "size"), ("rows", "size")),
    "block_gains": (("X", "L N H"), ("S", "L N"), ("w", "size"), ("rows", "size")),
    "sinkhorn": (("logits", "D H H"), ("steps", "size")),
    "sinkhorn_backward": (("P", "D halves H H"), ("V", "D halves H"), ("g", "D H H")),
    "hard_permutation": (("scores", "D H H"),),
    "house": (("keys", "D nh H"), ("b", "D nh")),
    "house_backward": (("keys", "D nh H"), ("K", "D nh H"), ("beta", "D nh"), ("hist", "D m H H"), ("G", "D H H")),
}


class _Checked(NamedTuple):
    size: dict[str, int]                      # L, n, D, nb, B, H, K, rows: those of the call
    dtype: torch.dtype                        # the call's float dtype
    tokens: torch.Tensor | None               # contiguous int64 (L, n) in [0, D)
    labels: torch.Tensor | None               # contiguous int64 (rows,) in [-1, K)


def _name(t: torch.dtype) -> str:
    return str(t).removeprefix("torch.")


def _described(t: torch.Tensor) -> object:
    """A tensor as the ``got`` of an error: dtype, shape and whatever else is unusual."""
    extra = "" if t.device.type == "cpu" else f" on {t.device}"
    if t.layout != torch.strided:
        extra += f", layout {t.layout}"
    elif not t.is_contiguous():
        extra += ", not contiguous"
    if t.is_neg():
        extra += ", a lazily negated view"
    return shown(f"{_name(t.dtype)} tensor of shape {tuple(t.shape)}{extra}")


def _usable(value: object) -> TypeGuard[torch.Tensor]:
    """Whether ``value`` is a CPU tensor, strided, not a lazily negated view (such as the ``imag`` of a
    conjugated complex tensor; a conjugated view is complex, refused by its dtype)."""
    return (isinstance(value, torch.Tensor) and value.is_cpu and value.layout == torch.strided
            and not value.is_neg())


def _got(value: object) -> object:
    """``value`` as the ``got`` of an error: a tensor described, else its type."""
    return _described(value) if isinstance(value, torch.Tensor) else type_of(value)


def _ints(label: str, value: object, shape: str, dims: int | tuple[int, ...], lo: int, hi: int) -> torch.Tensor:
    """``value`` as a contiguous int64 tensor of ``dims`` dimensions (or of the shape ``dims``) whose
    every entry lies in ``[lo, hi)``."""
    if (not _usable(value) or value.dtype != torch.int64
            or (value.dim() != dims if isinstance(dims, int) else value.shape != dims)):
        sizes = "" if isinstance(dims, int) else f" = ({', '.join(map(str, dims))}{',' if len(dims) == 1 else ''})"
        raise expected(label, f"a {shape}{sizes} int64 CPU tensor", _got(value))
    t = value if value.is_contiguous() else value.contiguous()
    if t.numel() and not _in_range(t, lo, hi):
        bounds = torch.aminmax(t)
        raise expected(label, f"entries in [{lo}, {hi})", shown(f"entries in [{int(bounds.min)}, {int(bounds.max)}]"))
    return t


def _in_range(t: torch.Tensor, lo: int, hi: int) -> bool:
    """Whether every entry of the contiguous int64 CPU tensor ``t`` lies in ``[lo, hi)``: by the library's
    ``in_range`` once it is loaded (one call instead of three torch operations), else by torch."""
    lib = library._state.get("lib")
    if lib is not None:                       # declared by C_API; t checked by _ints just before
        return bool(lib.in_range(t.numel(), t.data_ptr(), lo, hi))
    bounds = torch.aminmax(t)
    return lo <= int(bounds.min) and int(bounds.max) < hi


def _dims(kind: str) -> tuple[tuple[tuple[str, int], ...], bool]:
    """The dimensions ``((size, added), ...)`` of a shape of :data:`_ENTRIES` (``L+1``: ``("L", 1)``) and
    whether the argument may be ``None``."""
    words = kind.split()
    optional = words[-1] == "?"
    return tuple((w.removesuffix("+1"), int(w.endswith("+1"))) for w in words if w != "?"), optional


_KINDS = ("size", "real", "tokens", "labels", "table")
#: :data:`_ENTRIES` read once: ``(name, kind, dims or None, optional)`` for every argument.
_PLANS = {entry: tuple((name, kind, *((None, False) if kind in _KINDS else _dims(kind))) for name, kind in spec)
          for entry, spec in _ENTRIES.items()}
_TABLE = "a contiguous CPU float32 or float64 tensor of (D, nb, B, B) blocks or (D, nb, 2) pairs"


def _names(dims: tuple[tuple[str, int], ...]) -> str:
    return ", ".join(d + ("+1" if k else "") for d, k in dims)


def _wrong_floats(label: str, t: torch.Tensor, dims: tuple[tuple[str, int], ...], size: dict[str, int],
                  dtype: torch.dtype) -> InputError:
    """The error for a float tensor ``t`` that is not a contiguous ``dtype`` tensor of shape ``dims``:
    the sizes the call does not know yet are ``t``'s when it has as many dimensions (``size`` is
    completed in place)."""
    if len(t.shape) == len(dims):
        for (d, k), s in zip(dims, t.shape):
            size.setdefault(d, s - k)
    names = _names(dims)
    values = ", ".join(str(size[d] + k) if d in size else d for d, k in dims) + ("," if len(dims) == 1 else "")
    return expected(label, f"a contiguous CPU {_name(dtype)} tensor of shape ({names}) = ({values})", _described(t))


def _arguments(entry: str, **args: Any) -> _Checked:
    """Every check of the arguments of the public function ``entry`` (:data:`_ENTRIES`), before any
    pointer reaches C; raises :class:`InputError` ``native.ENTRY(ARG): expected WHAT, got VALUE``."""
    size: dict[str, int] = {}
    dtype: torch.dtype | None = None
    tokens = labels = None
    for name, kind, dims, optional in _PLANS[entry]:
        value = args[name]
        if dims is not None:                      # a float tensor of the shape dims
            if value is None and optional:
                continue
            if not _usable(value):
                raise expected(f"native.{entry}({name})", f"a CPU tensor of shape ({_names(dims)})", _got(value))
            if dtype is None:                     # the first float tensor gives the call's dtype
                if value.dtype not in _SUFFIX:
                    raise expected(f"native.{entry}({name})", f"a float32 or float64 tensor of shape ({_names(dims)})",
                                   _described(value))
                dtype = value.dtype
            shape = value.shape
            fits = value.dtype is dtype and len(shape) == len(dims) and value.is_contiguous()
            if fits:                              # sizes not yet known are this tensor's; the others its
                for (d, k), s in zip(dims, shape):
                    known = size.get(d)
                    if known is None:
                        size[d] = s - k
                    elif known + k != s:
                        fits = False
                        break
            if not fits:
                raise _wrong_floats(f"native.{entry}({name})", value, dims, size, dtype)
        elif kind == "tokens":
            tokens = _ints(f"native.{entry}({name})", value, "(L, n)", 2, 0, size["D"])
            size["L"], size["n"] = tokens.shape
        elif kind == "labels":
            labels = _ints(f"native.{entry}({name})", value, "(rows,)", (size["rows"],), -1, size["K"])
        elif kind == "table":
            if not (_usable(value) and value.dtype in _SUFFIX and value.is_contiguous()):
                raise expected(f"native.{entry}({name})", _TABLE, _got(value))
            shape = value.shape
            if len(shape) == 4 and shape[2] == shape[3] and shape[2] > 0:
                size.update(D=shape[0], nb=shape[1], B=shape[2], H=shape[1] * shape[2])
            elif len(shape) == 3 and shape[2] == 2:
                size.update(D=shape[0], nb=shape[1], B=0, H=2 * shape[1])
            else:
                raise expected(f"native.{entry}({name})", _TABLE, _got(value))
            dtype = value.dtype
        elif kind == "size":
            if type(value) is not int and (isinstance(value, bool) or not isinstance(value, numbers.Integral)) \
                    or int(value) < 0:
                raise expected(f"native.{entry}({name})", "an integer >= 0", value)
            size[name] = operator.index(value)
        elif kind == "real":
            if isinstance(value, bool) or not isinstance(value, (int, float, numbers.Real)):
                raise expected(f"native.{entry}({name})", "a real number", type_of(value))
    assert dtype is not None or entry == "check_tokens"
    return _Checked(size, dtype or torch.float64, tokens, labels)


# -- the public functions ---------------------------------------------------------------------------

def check_tokens(tok: torch.Tensor, D: int) -> torch.Tensor:
    """``tok`` as a contiguous (L, n) int64 CPU tensor, refused unless every token lies in ``[0, D)``."""
    tokens = _arguments("check_tokens", tokens=tok, D=D).tokens
    assert tokens is not None
    return tokens


def _recurrence(a: _Checked) -> dict[str, Any]:
    """The size arguments shared by the recurrence's C functions."""
    return {k: a.size[k] for k in ("n", "L", "D", "nb", "B")}


def forward(tokens: torch.Tensor, Tt: torch.Tensor, x0: torch.Tensor, shift: torch.Tensor | None,
            norm: bool, checked: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """``(X (L+1, n, H), S (L, n))`` of the recurrence (recurrence.c) for time-major ``tokens`` (L, n),
    the transposed blocks ``Tt`` (D, nb, B, B) of the ``A_k`` (or their complex pairs (D, nb, 2)), start states ``x0`` (n, H) and the
    affine terms ``shift`` (L, n, H) or None.  ``checked`` (tokens from :func:`check_tokens`) is kept
    for the callers: the token range is checked on every call all the same (about a microsecond)."""
    return _forward(_arguments("forward", tokens=tokens, Tt=Tt, x0=x0, shift=shift), Tt, x0, shift, norm)


def forward_block_gains(tokens: torch.Tensor, Tt: torch.Tensor, x0: torch.Tensor, shift: torch.Tensor | None,
                        norm: bool, w: int, rows: int) -> tuple[torch.Tensor, torch.Tensor, BlockGains]:
    """``(X, S, block gains)``: :func:`forward`, and :func:`block_gains` of the states and sizes it
    produced (``X[1:]``, ``S``) — the training step's per-block penalty with the recurrence, its
    arguments checked once."""
    a = _arguments("forward_block_gains", tokens=tokens, Tt=Tt, x0=x0, shift=shift, w=w, rows=rows)
    nb = _block_sizes("forward_block_gains", "tokens", a.size["H"], a.size["n"], a.size["L"], w, rows)
    X, S = _forward(a, Tt, x0, shift, norm)
    return X, S, _block_gains(X[1:], S, nb, w, norm, rows)


def _forward(a: _Checked, Tt: torch.Tensor, x0: torch.Tensor, shift: torch.Tensor | None,
             norm: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """The C forward of :func:`forward` on checked arguments."""
    L, n, H = a.size["L"], a.size["n"], a.size["H"]
    X = torch.empty(L + 1, n, H, dtype=a.dtype)
    X[0] = x0
    S = torch.empty(L, n, dtype=a.dtype)
    _call("forward_##SUFFIX", a.dtype, **_recurrence(a), tok=a.tokens, Tt=Tt, shift=shift, norm=int(bool(norm)),
          X=X, S=S)
    return X, S


def forward_grouped(tokens: torch.Tensor, T: torch.Tensor, x0: torch.Tensor, shift: torch.Tensor | None,
                    norm: bool, checked: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`forward` with the rows of each step grouped by symbol, one BLAS product per symbol, from
    the blocks ``T`` (D, 1, H, H) themselves (not transposed: one ``H x H`` block per symbol only,
    :func:`grouped_gemm`)."""
    a = _arguments("forward_grouped", tokens=tokens, T=T, x0=x0, shift=shift)
    L, n, H = a.size["L"], a.size["n"], a.size["H"]
    gemm = grouped_gemm("forward_grouped", a)
    X = torch.empty(L + 1, n, H, dtype=a.dtype)
    X[0] = x0
    S = torch.empty(L, n, dtype=a.dtype)
    with blas.one_thread():
        _call("forward_grouped_##SUFFIX", a.dtype, n=n, L=L, D=a.size["D"], H=H, tok=a.tokens, T=T, shift=shift,
              norm=int(bool(norm)), X=X, S=S, work=torch.empty(2, n, H, dtype=a.dtype),
              index=torch.empty(n + a.size["D"] + 1, dtype=torch.int64), gemm=gemm)
    return X, S


def grouped_gemm(entry: str, a: _Checked) -> int:
    """The BLAS ``?gemm`` address for a grouped call of ``entry`` (:mod:`bilinear.verify.kernels.blas`),
    refused unless the table is one ``H x H`` block per symbol and the BLAS was found."""
    if a.size["nb"] != 1 or a.size["B"] != a.size["H"]:
        raise expected(f"native.{entry}(grouped)", "a table of one H x H block per symbol (D, 1, H, H)",
                       shown(f"{a.size['nb']} blocks of {a.size['B'] or 'complex pairs'}"))
    address = blas.gemm(a.dtype)
    if not address:
        raise RuntimeError(f"native.{entry}(grouped): no BLAS for the grouped recurrence ({blas.status()})")
    return address


def logits(tokens: torch.Tensor, Tt: torch.Tensor, x: torch.Tensor, shift: torch.Tensor | None, norm: bool,
           R: torch.Tensor, checked: bool = False, grouped: bool = False) -> torch.Tensor:
    """The readout ``R x_t`` (L, n, K) of every step of the recurrence of :func:`forward`, without holding
    the states; ``x`` (n, H, contiguous) holds the start states and receives the last ones (in place);
    the readout ``R`` is (K, H); ``checked`` as for :func:`forward`; ``grouped``: the rows of each step
    grouped by symbol, one BLAS product per symbol (from ``Tt``, one ``H x H`` block per symbol only)."""
    a = _arguments("logits", tokens=tokens, Tt=Tt, x=x, shift=shift, R=R)
    L, n, H, K = a.size["L"], a.size["n"], a.size["H"], a.size["K"]
    Z = torch.empty(L, n, K, dtype=a.dtype)
    if grouped:
        gemm = grouped_gemm("logits", a)
        with blas.one_thread():
            _call("logits_grouped_##SUFFIX", a.dtype, n=n, L=L, D=a.size["D"], H=H, tok=a.tokens, Tt=Tt, shift=shift,
                  norm=int(bool(norm)), R=R, K=K, x=x, Z=Z, work=torch.empty(2, n, H, dtype=a.dtype),
                  index=torch.empty(n + a.size["D"] + 1, dtype=torch.int64), gemm=gemm)
        return Z
    _call("logits_##SUFFIX", a.dtype, **_recurrence(a), tok=a.tokens, Tt=Tt, shift=shift, norm=int(bool(norm)),
          R=R, K=K, x=x, Z=Z, y=torch.empty(H, dtype=a.dtype))
    return Z


def backward(tokens: torch.Tensor, T: torch.Tensor, X: torch.Tensor, S: torch.Tensor, g: torch.Tensor,
             c: torch.Tensor, norm: bool, checked: bool = False,
             grouped: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(dY (L, n, H), gT (D, nb, B, B), G0 (n, H))`` of the adjoint recurrence (recurrence.c) from the
    forward's ``X`` and ``S``, the state gradients ``g`` (L, n, H) and the gain coefficients ``c`` (L, n);
    ``checked`` as for :func:`forward`; ``grouped`` as the forward of :func:`forward_grouped`."""
    a = _arguments("backward", tokens=tokens, T=T, X=X, S=S, g=g, c=c)
    L, n, H = a.size["L"], a.size["n"], a.size["H"]
    dY = torch.empty(L, n, H, dtype=a.dtype)
    gT = torch.empty_like(T) if grouped else torch.zeros_like(T)      # the grouped kernel writes every entry
    G = torch.zeros(n, H, dtype=a.dtype)
    if grouped:
        gemm = grouped_gemm("backward", a)
        with blas.one_thread():
            _call("backward_grouped_##SUFFIX", a.dtype, n=n, L=L, D=a.size["D"], H=H, tok=a.tokens, T=T, X=X, S=S,
                  g=g, c=c, norm=int(bool(norm)), dY=dY, gT=gT, G=G,
                  work=torch.empty(2, max(L, 1), n, H, dtype=a.dtype),
                  index=torch.empty(max(L, 1) * n + a.size["D"] + 1, dtype=torch.int64), gemm=gemm)
        return dY, gT, G
    _call("backward_##SUFFIX", a.dtype, **_recurrence(a), tok=a.tokens, T=T, X=X, S=S, g=g, c=c,
          norm=int(bool(norm)), dY=dY, gT=gT, G=G, tmp=torch.empty(H, dtype=a.dtype))
    return dY, gT, G


def xent_forward(lp: torch.Tensor, labels: torch.Tensor) -> tuple[float, int]:
    """The summed cross-entropy ``-sum lp[label_r, r]`` over the columns of the log-probabilities ``lp``
    (K, rows) whose label (``labels`` (rows,) int64) is ``>= 0``, and their number; a label outside
    ``[-1, K)`` is refused."""
    a = _arguments("xent_forward", lp=lp, labels=labels)
    count = ctypes.c_int64(0)
    total = _call("xent_forward_##SUFFIX", a.dtype, rows=a.size["rows"], K=a.size["K"], lp=lp, y=a.labels,
                  count=count)
    if count.value < 0 and a.labels is not None:  # the C code's own range check (unreachable after _arguments)
        raise expected("native.xent_forward(labels)", f"entries in [-1, {a.size['K']})", int(a.labels[-1 - count.value]))
    return total, count.value


def xent_backward(p: torch.Tensor, labels: torch.Tensor, scale: float) -> torch.Tensor:
    """In place on the probabilities ``p`` (K, rows) (``exp`` of :func:`xent_forward`'s input) with the same labels:
    ``(p - onehot(label)) * scale``, zero in the unlabelled columns; returns ``p``."""
    a = _arguments("xent_backward", p=p, labels=labels, scale=scale)
    _call("xent_backward_##SUFFIX", a.dtype, rows=a.size["rows"], K=a.size["K"], p=p, y=a.labels, scale=float(scale))
    return p


def _block_sizes(entry: str, steps: str, H: int, N: int, L: int, w: int, rows: int) -> int:
    """The number of blocks ``nb = H / w`` of a call of the per-block gains, refused unless ``w`` is a
    block width that divides ``H``, ``1 <= rows <= N`` and the sequences (the argument ``steps``)
    have at least two steps."""
    if w < 1 or H % w:
        raise expected(f"native.{entry}(w)", f"a block width >= 1 dividing H = {H}", w)
    if not 1 <= rows <= N:
        raise expected(f"native.{entry}(rows)", f"a number of sequences in [1, {N}]", rows)
    if L < 2:
        raise expected(f"native.{entry}({steps})", "states of at least 2 steps", L)
    return H // w


class BlockGains(NamedTuple):
    """What :func:`block_gains` computes: the sum of squared deviations ``ss``, the deviations ``b``
    (L-1, rows, nb) and the gradients ``G`` (L, rows, H) and ``GL`` (L, N) of ``ss / 2``."""
    ss: float
    b: torch.Tensor
    G: torch.Tensor
    GL: torch.Tensor


def block_gains(X: torch.Tensor, S: torch.Tensor, w: int, norm: bool, rows: int) -> BlockGains:
    """``(sum of squared deviations, b (L-1, rows, nb), G (L, rows, H), GL (L, N))`` of the
    per-block log-gains of blocks of ``w`` dimensions (:mod:`bilinear.verify.kernels.block_gains`) of
    the first ``rows`` sequences, from the time-major states ``X`` (L, N, H) and their sizes ``S``
    (L, N) as :func:`forward` returns them (``X[1:]`` and ``S``; the total log-gains are ``log s_t``,
    minus ``log s_{t-1}`` when not normalising): ``b`` the deviations from their mean, ``G`` and
    ``GL`` the gradient of ``sum b^2 / 2`` with respect to those sequences' states and total
    log-gains (``GL`` zero for the other sequences, so that it adds to the whole batch's) — computed
    here, in the same call, so that a training step's backward only scales them (recurrence.c)."""
    a = _arguments("block_gains", X=X, S=S, w=w, rows=rows)
    nb = _block_sizes("block_gains", "X", a.size["H"], a.size["N"], a.size["L"], w, rows)
    return _block_gains(X, S, nb, w, norm, rows)


def _block_gains(X: torch.Tensor, S: torch.Tensor, nb: int, w: int, norm: bool, rows: int) -> BlockGains:
    """The C call of :func:`block_gains` on checked arguments."""
    L, N, H = X.shape
    dtype = X.dtype
    b = torch.empty(L - 1, rows, nb, dtype=dtype)
    G = torch.empty(L, rows, H, dtype=dtype)
    GL = torch.empty(L, N, dtype=dtype)
    ss = _call("block_gains_##SUFFIX", dtype, L=L, N=N, n=rows, nb=nb, w=w, X=X, S=S, norm=int(bool(norm)),
               work=torch.empty(2, L, rows, nb, dtype=dtype), b=b, G=G, GL=GL)
    return BlockGains(ss, b, G, GL)


def sinkhorn(logits: torch.Tensor, steps: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(S (D, H, H), P (D, 2 steps, H, H), V (D, 2 steps, H))``: ``S`` the exp of ``steps`` alternating
    row and column normalisations of ``logits`` (D, H, H) in log space, rows first (the computation of
    :func:`bilinear.verify.models.modern.sinkhorn`), and in ``P`` and ``V`` the exp of every half-step's
    result, what :func:`sinkhorn_backward` needs: stored, or as the first one and the reciprocal sums
    that scale it into the others (recurrence.c says which and when); ``steps >= 1``."""
    a = _arguments("sinkhorn", logits=logits, steps=steps)
    if a.size["steps"] < 1:
        raise expected("native.sinkhorn(steps)", "an integer >= 1", steps)
    D, H, steps = a.size["D"], a.size["H"], a.size["steps"]
    S = torch.empty(D, H, H, dtype=a.dtype)
    P = torch.empty(D, 2 * steps, H, H, dtype=a.dtype)
    V = torch.empty(D, 2 * steps, H, dtype=a.dtype)
    _call("sinkhorn_##SUFFIX", a.dtype, D=D, H=H, steps=steps, logits=logits, S=S, P=P, V=V,
          work=torch.empty(2 * H, dtype=a.dtype))
    return S, P, V


def sinkhorn_backward(P: torch.Tensor, V: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """The gradient of the logits of :func:`sinkhorn` from that of ``S``, ``g`` (D, H, H), and the
    forward's ``P`` and ``V``; ``g`` is overwritten and returned."""
    a = _arguments("sinkhorn_backward", P=P, V=V, g=g)
    halves = a.size["halves"]
    if halves < 2 or halves % 2:
        raise expected("native.sinkhorn_backward(P)", "an even number >= 2 of half-steps in dimension 1", halves)
    _call("sinkhorn_backward_##SUFFIX", a.dtype, D=a.size["D"], H=a.size["H"], steps=halves // 2, P=P, V=V, g=g,
          work=torch.empty(2 * halves + 1, a.size["H"], dtype=a.dtype))
    return g


def hard_permutation(scores: torch.Tensor) -> torch.Tensor | None:
    """The permutation matrices (D, H, H) of the greedy assignment of ``scores`` (D, H, H) computed in
    rounds (that of :func:`bilinear.verify.models.modern.hard_permutation`), or ``None`` when a score is
    not finite (the caller takes the picks one by one)."""
    a = _arguments("hard_permutation", scores=scores)
    D, H = a.size["D"], a.size["H"]
    P = torch.empty(D, H, H, dtype=a.dtype)
    done = _call("hard_permutation_##SUFFIX", a.dtype, D=D, H=H, scores=scores, P=P,
                 s=torch.empty(H + 1, H, dtype=a.dtype), index=torch.empty(4 * H, dtype=torch.int64))
    return P if done else None


def house(keys: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(A (D, H, H), K (D, nh, H), beta (D, nh), hist (D, nh - 1, H, H))``: HOUSE's table from ``keys``
    (D, nh, H) and ``b`` (D, nh) — ``A = F_nh ... F_1``, ``F_j = I - beta_j k_j k_j^T`` with the unit keys
    ``k`` = ``K`` and ``beta = 2 sigmoid(b)`` (the computation of
    :meth:`bilinear.verify.models.modern.HouseRNN.transitions`) — and the products before the factors
    2 .. nh, what :func:`house_backward` needs (recurrence.c)."""
    a = _arguments("house", keys=keys, b=b)
    D, nh, H = a.size["D"], a.size["nh"], a.size["H"]
    A = torch.empty(D, H, H, dtype=a.dtype)
    K = torch.empty(D, nh, H, dtype=a.dtype)
    beta = torch.empty(D, nh, dtype=a.dtype)
    hist = torch.empty(D, max(nh - 1, 0), H, H, dtype=a.dtype)
    _call("house_##SUFFIX", a.dtype, D=D, nh=nh, H=H, keys=keys, b=b, A=A, K=K, beta=beta, hist=hist,
          work=torch.empty(H, dtype=a.dtype))
    return A, K, beta, hist


def house_backward(keys: torch.Tensor, K: torch.Tensor, beta: torch.Tensor, hist: torch.Tensor,
                   G: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The gradients ``(keys (D, nh, H), b (D, nh))`` of :func:`house` from that of ``A``, ``G`` (D, H, H;
    overwritten), and the forward's ``K``, ``beta`` and ``hist``."""
    a = _arguments("house_backward", keys=keys, K=K, beta=beta, hist=hist, G=G)
    D, nh, H = a.size["D"], a.size["nh"], a.size["H"]
    if a.size["m"] != max(nh - 1, 0):
        raise expected("native.house_backward(hist)", f"{max(nh - 1, 0)} products in dimension 1", a.size["m"])
    gkeys = torch.empty(D, nh, H, dtype=a.dtype)
    gb = torch.empty(D, nh, dtype=a.dtype)
    _call("house_backward_##SUFFIX", a.dtype, D=D, nh=nh, H=H, keys=keys, K=K, beta=beta, hist=hist, G=G,
          gkeys=gkeys, gb=gb, work=torch.empty(3 * H, dtype=a.dtype))
    return gkeys, gb
