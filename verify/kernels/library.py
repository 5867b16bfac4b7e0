"""The compiled library of ``verify/kernels/recurrence.c``: built once per machine, cached, checked and
loaded (docs/design.md §9); its functions are called through :mod:`bilinear.verify.kernels.native`.

Building: the system C compiler (``$CC``, else ``cc``/``gcc``) with ``-O3 -march=native`` (then
``-O3`` alone if that fails; with ``-fopenmp-simd``), no Python or torch headers, so a build takes
a second or two.  The library is cached in ``$BILINEAR_CACHE_DIR`` (default
``$XDG_CACHE_HOME/bilinear`` or ``~/.cache/bilinear``; a per-user folder of the temporary
directory when that cannot be written) under a name derived from the source, the flags and the
CPU's feature flags: a cached build is used without a compiler, and a cache shared by machines of
different CPUs never loads code built for another.  The file is written under a temporary name and
renamed, so concurrent processes never see half a library; its size and SHA-256 are recorded beside it
at build time (``NAME.so.sha256``) and checked before every load, so a damaged cache (truncated,
overwritten, left by an older toolkit) is removed and rebuilt — or, without a compiler, the torch
paths run with one warning — instead of being loaded (a truncated shared object kills the process
with SIGBUS).  ``BILINEAR_NATIVE=0`` turns the
compiled path off; without a compiler (or when the build fails) :func:`available` is ``False``,
:func:`status` says why, one warning is issued, and the torch paths of :mod:`bilinear.verify.kernels.fused` and
:mod:`bilinear.verify.kernels.scan` run instead — the same numbers within the tolerances of their tests.

The interface version (:data:`_VERSION`) must equal the library's ``recurrence_version()``, and the
source must declare exactly :data:`bilinear.verify.kernels.c_api.C_API`; otherwise nothing is loaded
and :func:`status` says why.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

from bilinear.theory.files import atomic_path, write_text_atomically
from bilinear.verify.kernels import c_api

__all__ = ["available", "status", "cache_dir", "loaded"]

_SOURCE = Path(__file__).with_name("recurrence.c")
_VERSION = 11                                 # must equal recurrence_version() in the C file
_FLAG_SETS = (("-O3", "-march=native"), ("-O3",))
_COMMON = ("-shared", "-fPIC", "-std=c99", "-fopenmp-simd")
#: the loaded library ("lib", "why", "built") and native's call plans of its functions
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


def _checksum(path: Path) -> str:
    """``"<size> <sha256>"`` of the file at ``path``."""
    data = path.read_bytes()
    return f"{len(data)} {hashlib.sha256(data).hexdigest()}"


def _sidecar(path: Path) -> Path:
    """Where the checksum of the library ``path`` is recorded when it is built."""
    return path.with_name(path.name + ".sha256")


def _damage(path: Path) -> str | None:
    """Why the cached library ``path`` must not be loaded (its recorded checksum is missing or differs
    from the file: truncated, overwritten, from an older toolkit), or ``None``.  Loading a damaged
    shared object can kill the process (a truncated one with SIGBUS), so nothing is loaded unchecked."""
    try:
        recorded = _sidecar(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return f"{path} has no recorded checksum"
    try:
        actual = _checksum(path)
    except OSError as e:
        return f"{path} cannot be read ({e.strerror or e})"
    return None if actual == recorded else f"{path} differs from the checksum recorded when it was built"


def _discard(path: Path) -> None:
    for p in (path, _sidecar(path)):
        with contextlib.suppress(OSError):
            p.unlink()


def _build(cc: str | None) -> tuple[Path | None, str]:
    """The cached library for this source and CPU (built if absent or damaged and ``cc`` given) and
    ``"cached"`` or ``"built"``, or ``(None, why)``.  A cached library is used only when its checksum
    matches the one recorded at build time (:func:`_damage`); a damaged one is removed and rebuilt."""
    damaged = ""
    for folder in _folders():
        for flags in _FLAG_SETS:
            if (path := folder / _library_name(flags)).exists():
                why = _damage(path)
                if why is None:
                    return path, "cached"
                damaged = f"; the cached build was damaged ({why})"
                _discard(path)
    if cc is None:
        return None, "no C compiler found (set CC or install cc)" + damaged
    why = "no flags tried"
    for folder in _folders():
        for flags in _FLAG_SETS:
            path = folder / _library_name(flags)
            try:
                with atomic_path(path, suffix=".so") as tmp:    # renamed into place only when built
                    _compile(cc, flags, tmp)
                    write_text_atomically(_sidecar(path), _checksum(Path(tmp)) + "\n")
                return path, "built"
            except _BuildFailed as e:
                why = str(e) + damaged
            except OSError as e:
                why = f"cache folder {folder} is not writable ({e.strerror or e})" + damaged
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
    lib, why, built = None, "", False
    if os.environ.get("BILINEAR_NATIVE", "1") == "0":
        why = "turned off by BILINEAR_NATIVE=0"
    else:
        try:
            differences = c_api.api_differences(_SOURCE.read_text(encoding="utf-8"))
        except OSError as e:
            differences = [f"{_SOURCE} cannot be read ({e.strerror or e})"]
        if differences:
            why = "recurrence.c differs from c_api.C_API: " + "; ".join(differences)
        else:
            path, why = _build(_compiler())
            built = why == "built"
            if path is not None:
                try:
                    lib = ctypes.CDLL(str(path))
                except OSError as e:
                    lib, why = None, f"{path} cannot be loaded ({' '.join(str(e).split())})"
                if lib is not None and lib.recurrence_version() != _VERSION:
                    lib, why = None, f"{path} has interface version {lib.recurrence_version()}, expected {_VERSION}"
    if lib is not None:
        c_api.declare(lib)
        why = f"compiled: {path}"
    elif why != "turned off by BILINEAR_NATIVE=0":
        warnings.warn(f"bilinear.verify.kernels.native: the compiled recurrence is unavailable ({why}); using the torch paths",
                      RuntimeWarning, stacklevel=3)
    _state["lib"], _state["why"], _state["built"] = lib, why, built
    return lib


def available() -> bool:
    """Whether the compiled recurrence can be used (built and loaded on first call)."""
    return _load() is not None


def status(load: bool = True) -> str:
    """``"compiled: <library path>"`` or why the compiled recurrence is not used; with ``load=False``
    nothing is built or loaded, and it is ``"not loaded"`` until something has asked for the library."""
    if load:
        _load()
    return _state.get("why", "not loaded")


def loaded():
    """The loaded library (built first if need be); RuntimeError when it is unavailable (callers check
    :func:`available` first)."""
    lib = _load()
    if lib is None:
        raise RuntimeError(f"bilinear.verify.kernels.native: the compiled recurrence is unavailable ({_state['why']})")
    return lib
