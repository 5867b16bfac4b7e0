"""The compiled recurrence: ``verify/kernels/recurrence.c`` built once per machine and called by ctypes
(docs/design.md §9).

The C file holds two loops over a whole sequence — the forward recurrence with per-step
normalisation and the adjoint backward with the weight gradient — for block-diagonal per-symbol
matrices ``A_k`` (``D, nb, B, B``), which covers every level with one-hot input but CP (FULL:
one ``H x H`` block; BLOCK; RDIAG and PDIAG: ``1 x 1``), and for complex pairs ``(a, b)``
(``D, nb, 2``: CDIAG, and ROT as ``(cos, sin)``), the blocks ``[[a, -b], [b, a]]``.  Called once
per sequence instead of a handful of tensor operations per step, it removes the fixed per-operation
cost that dominates at the sizes the toolkit trains (H = 64, batch 64, length 10).

Building: the system C compiler (``$CC``, else ``cc``/``gcc``) with ``-O3 -march=native`` (then
``-O3`` alone if that fails; with ``-fopenmp-simd``), no Python or torch headers, so a build takes
a second or two.  The library is cached in ``$BILINEAR_CACHE_DIR`` (default
``$XDG_CACHE_HOME/bilinear`` or ``~/.cache/bilinear``; a per-user folder of the temporary
directory when that cannot be written) under a name derived from the source, the flags and the
CPU's feature flags: a cached build is used without a compiler, and a cache shared by machines of
different CPUs never loads code built for another.  The file is written under a temporary name and
renamed, so concurrent processes never see half a library.  ``BILINEAR_NATIVE=0`` turns the
compiled path off; without a compiler (or when the build fails) :func:`available` is ``False``,
:func:`status` says why, one warning is issued, and the torch paths of :mod:`bilinear.verify.kernels.fused` and
:mod:`bilinear.verify.kernels.scan` run instead — the same numbers within the tolerances of their tests.

Every call checks the token range (``0 <= token < D``; labels in ``[-1, K)`` in C), shapes, dtype
(float32 or float64), device (CPU) and contiguity before any pointer is used: the C code never
reads out of bounds.

    >>> import torch
    >>> if available():
    ...     T = torch.tensor([[[[2.0]]], [[[3.0]]]]).double()     # D=2 symbols, 1x1 blocks, H=1
    ...     X, S = forward(torch.tensor([[0], [1]]), T, torch.ones(1, 1).double(), None, False)
    ...     print(X.flatten().tolist(), S.flatten().tolist())
    ... else:
    ...     print([1.0, 2.0, 6.0], [2.0, 6.0])
    [1.0, 2.0, 6.0] [2.0, 6.0]
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import torch

from bilinear.theory.files import atomic_path

__all__ = ["available", "status", "forward", "logits", "backward", "xent_forward", "xent_backward", "check_tokens",
           "cache_dir"]

_SOURCE = Path(__file__).with_name("recurrence.c")
_VERSION = 4                                  # must equal recurrence_version() in the C file
_FLAG_SETS = (("-O3", "-march=native"), ("-O3",))
_COMMON = ("-shared", "-fPIC", "-std=c99", "-fopenmp-simd")
_state: dict = {}


def cache_dir() -> Path:
    """Where built libraries are kept (module docstring)."""
    if os.environ.get("BILINEAR_CACHE_DIR"):
        return Path(os.environ["BILINEAR_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "bilinear"


def _cpu_features() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return line
    except OSError:
        pass
    return platform.processor()


def _compiler() -> str | None:
    return os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")


def _folders() -> list[Path]:
    """Where a build may be kept: the cache folder, then a per-user folder in the temporary directory
    (for a home that cannot be written)."""
    return [cache_dir(), Path(tempfile.gettempdir()) / f"bilinear-{os.getuid() if hasattr(os, 'getuid') else 0}"]


def _library_name(flags: tuple) -> str:
    """The file name of the build with ``flags`` of this source for this CPU."""
    key = hashlib.sha256(b"\0".join([_SOURCE.read_bytes(), " ".join(flags + _COMMON).encode(),
                                     _cpu_features().encode(), platform.machine().encode()])).hexdigest()
    return f"recurrence-{key[:20]}.so"


def _build(cc: str | None) -> tuple[Path | None, str]:
    """The cached library for this source and CPU (built if absent and ``cc`` given), or ``(None, why)``."""
    for folder in _folders():
        for flags in _FLAG_SETS:
            if (path := folder / _library_name(flags)).exists():
                return path, ""
    if cc is None:
        return None, "no C compiler found (set CC or install cc)"
    why = "no flags tried"
    for folder in _folders():
        for flags in _FLAG_SETS:
            path = folder / _library_name(flags)
            try:
                with atomic_path(path, suffix=".so") as tmp:    # renamed into place only when built
                    _compile(cc, flags, tmp)
                return path, ""
            except _BuildFailed as e:
                why = str(e)
            except OSError as e:
                why = f"cache folder {folder} is not writable ({e.strerror or e})"
                break                                           # the next folder
        else:
            return None, why                                    # the compiler failed: no other folder helps
    return None, why


class _BuildFailed(Exception):
    pass


def _compile(cc: str, flags: tuple, out: str) -> None:
    try:
        run = subprocess.run([cc, *flags, *_COMMON, "-o", out, str(_SOURCE), "-lm"],
                             capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        raise _BuildFailed(f"{cc} could not run ({e})") from None
    if run.returncode != 0:
        raise _BuildFailed(f"{cc} {' '.join(flags)} failed: " + (run.stderr.strip().splitlines() or ["no message"])[0])


def _load():
    if "lib" in _state:
        return _state["lib"]
    lib, why = None, ""
    if os.environ.get("BILINEAR_NATIVE", "1") == "0":
        why = "turned off by BILINEAR_NATIVE=0"
    else:
        path, why = _build(_compiler())
        if path is not None:
            lib = ctypes.CDLL(str(path))
            if lib.recurrence_version() != _VERSION:
                lib, why = None, f"{path} has interface version {lib.recurrence_version()}, expected {_VERSION}"
    if lib is not None:
        _declare(lib)
        why = f"compiled: {path}"
    elif why != "turned off by BILINEAR_NATIVE=0":
        warnings.warn(f"bilinear.verify.kernels.native: the compiled recurrence is unavailable ({why}); using the torch paths",
                      RuntimeWarning, stacklevel=3)
    _state["lib"], _state["why"] = lib, why
    return lib


def _declare(lib) -> None:
    i64, ptr = ctypes.c_int64, ctypes.c_void_p
    for sfx in ("f32", "f64"):
        f = getattr(lib, f"forward_{sfx}")
        f.argtypes = [i64] * 5 + [ptr, ptr, ptr, ctypes.c_int, ptr, ptr]
        f.restype = None
        b = getattr(lib, f"backward_{sfx}")
        b.argtypes = [i64] * 5 + [ptr] * 6 + [ctypes.c_int] + [ptr] * 4
        b.restype = None
        z = getattr(lib, f"logits_{sfx}")
        z.argtypes = [i64] * 5 + [ptr, ptr, ptr, ctypes.c_int, ptr, i64, ptr, ptr, ptr]
        z.restype = None
        x = getattr(lib, f"xent_forward_{sfx}")
        x.argtypes = [i64, i64, ptr, ptr, ptr]
        x.restype = ctypes.c_double
        xb = getattr(lib, f"xent_backward_{sfx}")
        xb.argtypes = [i64, i64, ptr, ptr, ctypes.c_double]
        xb.restype = None


def available() -> bool:
    """Whether the compiled recurrence can be used (built and loaded on first call)."""
    return _load() is not None


def status() -> str:
    """``"compiled: <library path>"`` or why the compiled recurrence is not used."""
    _load()
    return _state["why"]


_SUFFIX = {torch.float32: "f32", torch.float64: "f64"}


def _check(name: str, t: torch.Tensor, shape: tuple, dtype) -> None:
    if t.device.type != "cpu" or t.dtype != dtype or tuple(t.shape) != tuple(shape) or not t.is_contiguous():
        raise ValueError(f"bilinear.verify.kernels.native: {name} must be a contiguous CPU {dtype} tensor of shape {tuple(shape)}, "
                         f"got {t.dtype} {tuple(t.shape)} on {t.device}"
                         f"{'' if t.is_contiguous() else ' (not contiguous)'}")


def check_tokens(tok: torch.Tensor, D: int) -> torch.Tensor:
    """``tok`` as a contiguous (L, n) int64 CPU tensor, refused unless every token lies in ``[0, D)``."""
    tok = tok.contiguous()
    if tok.dtype != torch.int64 or tok.dim() != 2 or tok.device.type != "cpu":
        raise ValueError(f"bilinear.verify.kernels.native: tokens must be a (L, n) int64 CPU tensor, got {tok.dtype} "
                         f"{tuple(tok.shape)} on {tok.device}")
    if tok.numel() and (int(tok.min()) < 0 or int(tok.max()) >= D):
        raise ValueError(f"bilinear.verify.kernels.native: tokens must lie in [0, {D}), got [{int(tok.min())}, {int(tok.max())}]")
    return tok


def _layout(T: torch.Tensor) -> tuple[int, int, int, int]:
    """``(D, nb, B, H)`` of a table: blocks (D, nb, B, B), or complex pairs (D, nb, 2) with ``B = 0``."""
    if T.dtype not in _SUFFIX:
        raise ValueError(f"bilinear.verify.kernels.native: the table must be float32 or float64, got {T.dtype}")
    if T.dim() == 4 and T.shape[2] == T.shape[3] and T.shape[2] > 0:
        return T.shape[0], T.shape[1], T.shape[2], T.shape[1] * T.shape[2]
    if T.dim() == 3 and T.shape[2] == 2:
        return T.shape[0], T.shape[1], 0, 2 * T.shape[1]
    raise ValueError(f"bilinear.verify.kernels.native: the table must be (D, nb, B, B) blocks or (D, nb, 2) pairs, got {tuple(T.shape)}")


def _ptr(t: torch.Tensor | None):
    return None if t is None else t.data_ptr()


def _library():
    lib = _load()
    if lib is None:
        raise RuntimeError(f"bilinear.verify.kernels.native: the compiled recurrence is unavailable ({_state['why']})")
    return lib


def forward(tokens: torch.Tensor, Tt: torch.Tensor, x0: torch.Tensor, shift: torch.Tensor | None,
            norm: bool, checked: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """``(X (L+1, n, H), S (L, n))`` of the recurrence (recurrence.c) for time-major ``tokens`` (L, n),
    the transposed blocks ``Tt`` (D, nb, B, B) of the ``A_k`` (or their complex pairs (D, nb, 2)), start states ``x0`` (n, H) and the
    affine terms ``shift`` (L, n, H) or None.  ``checked``: ``tokens`` came from
    :func:`check_tokens` with the same ``D`` (its range is not checked again)."""
    lib = _library()
    D, nb, B, H = _layout(Tt)
    tok = tokens if checked else check_tokens(tokens, D)
    L, n = tok.shape
    dtype = Tt.dtype
    _check("Tt", Tt, tuple(Tt.shape), dtype)
    _check("x0", x0, (n, H), dtype)
    if shift is not None:
        _check("shift", shift, (L, n, H), dtype)
    X = torch.empty(L + 1, n, H, dtype=dtype)
    X[0] = x0
    S = torch.empty(L, n, dtype=dtype)
    getattr(lib, f"forward_{_SUFFIX[dtype]}")(n, L, D, nb, B, tok.data_ptr(), Tt.data_ptr(), _ptr(shift),
                                              int(bool(norm)), X.data_ptr(), S.data_ptr())
    return X, S


def logits(tokens: torch.Tensor, Tt: torch.Tensor, x: torch.Tensor, shift: torch.Tensor | None, norm: bool,
           R: torch.Tensor, checked: bool = False) -> torch.Tensor:
    """The readout ``R x_t`` (L, n, K) of every step of the recurrence of :func:`forward`, without holding
    the states; ``x`` (n, H, contiguous) holds the start states and receives the last ones (in place)."""
    lib = _library()
    D, nb, B, H = _layout(Tt)
    tok = tokens if checked else check_tokens(tokens, D)
    L, n = tok.shape
    dtype = Tt.dtype
    K = R.shape[0]
    _check("Tt", Tt, tuple(Tt.shape), dtype)
    _check("x", x, (n, H), dtype)
    _check("R", R, (K, H), dtype)
    if shift is not None:
        _check("shift", shift, (L, n, H), dtype)
    Z = torch.empty(L, n, K, dtype=dtype)
    y = torch.empty(H, dtype=dtype)
    getattr(lib, f"logits_{_SUFFIX[dtype]}")(n, L, D, nb, B, tok.data_ptr(), Tt.data_ptr(), _ptr(shift),
                                             int(bool(norm)), R.data_ptr(), K, x.data_ptr(), Z.data_ptr(),
                                             y.data_ptr())
    return Z


def backward(tokens: torch.Tensor, T: torch.Tensor, X: torch.Tensor, S: torch.Tensor, g: torch.Tensor,
             c: torch.Tensor, norm: bool, checked: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(dY (L, n, H), gT (D, nb, B, B), G0 (n, H))`` of the adjoint recurrence (recurrence.c) from the
    forward's ``X`` and ``S``, the state gradients ``g`` (L, n, H) and the gain coefficients ``c`` (L, n);
    ``checked`` as for :func:`forward`."""
    lib = _library()
    D, nb, B, H = _layout(T)
    tok = tokens if checked else check_tokens(tokens, D)
    L, n = tok.shape
    dtype = T.dtype
    for name, t, shape in (("T", T, tuple(T.shape)), ("X", X, (L + 1, n, H)), ("S", S, (L, n)),
                           ("g", g, (L, n, H)), ("c", c, (L, n))):
        _check(name, t, shape, dtype)
    dY = torch.empty(L, n, H, dtype=dtype)
    gT = torch.zeros_like(T)
    G = torch.zeros(n, H, dtype=dtype)
    tmp = torch.empty(H, dtype=dtype)
    getattr(lib, f"backward_{_SUFFIX[dtype]}")(n, L, D, nb, B, tok.data_ptr(), T.data_ptr(), X.data_ptr(),
                                               S.data_ptr(), g.data_ptr(), c.data_ptr(), int(bool(norm)),
                                               dY.data_ptr(), gT.data_ptr(), G.data_ptr(), tmp.data_ptr())
    return dY, gT, G


def xent_forward(lp: torch.Tensor, labels: torch.Tensor) -> tuple[float, int]:
    """The summed cross-entropy ``-sum lp[label_r, r]`` over the columns of the log-probabilities ``lp``
    (K, rows) whose label (``labels`` (rows,) int64) is ``>= 0``, and their number; a label outside
    ``[-1, K)`` is refused."""
    lib = _library()
    K, rows = lp.shape
    if lp.dtype not in _SUFFIX:
        raise ValueError(f"bilinear.verify.kernels.native: log-probabilities must be float32 or float64, got {lp.dtype}")
    _check("lp", lp, (K, rows), lp.dtype)
    if labels.dtype != torch.int64 or tuple(labels.shape) != (rows,) or not labels.is_contiguous() \
            or labels.device.type != "cpu":
        raise ValueError(f"bilinear.verify.kernels.native: labels must be a contiguous ({rows},) int64 CPU tensor, "
                         f"got {labels.dtype} {tuple(labels.shape)}")
    count = ctypes.c_int64(0)
    total = getattr(lib, f"xent_forward_{_SUFFIX[lp.dtype]}")(rows, K, lp.data_ptr(), labels.data_ptr(),
                                                               ctypes.byref(count))
    if count.value < 0:
        bad = int(labels[-1 - count.value])
        raise ValueError(f"bilinear.verify.kernels.native: labels must lie in [-1, {K}), got {bad}")
    return total, count.value


def xent_backward(p: torch.Tensor, labels: torch.Tensor, scale: float) -> torch.Tensor:
    """In place on the probabilities ``p`` (K, rows) (``exp`` of :func:`xent_forward`'s input) with the same labels:
    ``(p - onehot(label)) * scale``, zero in the unlabelled columns; returns ``p``."""
    lib = _library()
    K, rows = p.shape
    _check("p", p, (K, rows), p.dtype)
    getattr(lib, f"xent_backward_{_SUFFIX[p.dtype]}")(rows, K, p.data_ptr(), labels.data_ptr(), float(scale))
    return p
