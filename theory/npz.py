"""Reading ``.npz`` archives without trusting them (docs/design.md §7).

:func:`read_npz` opens the zip archive itself and, for every member, checks the ``.npy`` header
before reading any data: the member is an ``.npy`` array, its dtype holds no Python objects (nothing
is ever unpickled), and the header's shape times the item size is exactly the number of bytes the
member holds (a truncated or padded member is refused before any allocation of the declared size).
Every refusal is one :class:`~bilinear.theory.errors.InputError` line naming the file, the member and the
problem; numpy's own advice to load "unsafely" never reaches the user.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npz")
    >>> np.savez(path, a=np.arange(3))
    >>> read_npz(path)["a"].tolist()
    [0, 1, 2]
    >>> _ = open(path, "wb").write(b'{"not": "an archive"}')
    >>> read_npz(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bilinear.theory.errors.InputError: weight file ...x.npz: not a .npz archive (expected a zip file as written by numpy.savez)
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from bilinear.theory.errors import InputError

__all__ = ["read_npz", "load_npz", "MAX_MEMBERS", "MAX_BYTES"]

#: An archive with more members than this is refused before reading any.
MAX_MEMBERS = 64
#: An archive whose members declare more data than this (2 GiB) in all is refused before reading any.
MAX_BYTES = 2 ** 31
T = TypeVar("T")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")     # a local file header, or the end record of an empty zip


def _one_line(e: BaseException, limit: int = 160) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= limit else text[:limit] + "..."


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    with archive.open(info) as fp:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise InputError(f"unsupported .npy format version {version[0]}.{version[1]}")
        if dtype.hasobject:
            raise InputError("holds Python objects (object dtype); pickled data is never loaded")
        declared = math.prod(shape) * dtype.itemsize
        held = info.file_size - fp.tell()
        if declared != held:
            raise InputError(f"header declares {declared} bytes of data ({dtype} {shape}), the member holds {held}")
    with archive.open(info) as fp:
        return np.lib.format.read_array(fp, allow_pickle=False)


def read_npz(path: str | os.PathLike, what: str = "weight file", names=None) -> dict[str, np.ndarray]:
    """All arrays of the ``.npz`` archive at ``path`` by name (only those in ``names`` when given: the
    other members are checked by name but not read); malformed input raises :class:`InputError`
    ``"<what> <path>: ..."``."""
    path = os.fspath(path)
    where = f"{what} {path}"
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except FileNotFoundError:
        raise InputError(f"{where}: no such file") from None
    except OSError as e:
        raise InputError(f"{where}: cannot be read ({e.strerror or _one_line(e)})") from None
    if not head:
        raise InputError(f"{where}: empty file")
    if head not in _ZIP_MAGIC:
        raise InputError(f"{where}: not a .npz archive (expected a zip file as written by numpy.savez)")
    arrays: dict[str, np.ndarray] = {}
    skipped: set[str] = set()
    member = None
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise InputError(f"{len(infos)} members, more than {MAX_MEMBERS}")
            total = sum(info.file_size for info in infos)
            if total > MAX_BYTES:
                raise InputError(f"the members declare {total} bytes, more than {MAX_BYTES}")
            for info in infos:
                member = info.filename
                if not member.endswith(".npy"):
                    raise InputError("not a .npy array")
                key = member[:-len(".npy")]
                if key in arrays or key in skipped:
                    raise InputError("appears twice")
                if names is not None and key not in names:
                    skipped.add(key)
                    continue
                arrays[key] = _read_member(archive, info)
    except InputError as e:
        raise InputError(f"{where}: {'' if member is None else f'member {member!r}: '}{e}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, OSError,
            NotImplementedError) as e:   # what zipfile and numpy's .npy reader raise on malformed bytes
        part = "" if member is None else f"member {member!r}: "
        raise InputError(f"{where}: {part}not readable ({_one_line(e)})") from None
    return arrays


def load_npz(path: str | os.PathLike, what: str, build: Callable[[dict[str, np.ndarray]], T]) -> T:
    """``build(read_npz(path, what))``, an :class:`InputError` of ``build`` prefixed ``"<what> <path>: "``:
    the reader of every file format kept as a ``.npz`` archive (weight files, cascade files)."""
    arrays = read_npz(path, what)
    try:
        return build(arrays)
    except InputError as e:
        raise InputError(f"{what} {os.fspath(path)}: {e}") from None
