"""File helpers shared by every layer (theory is the bottom of the dependency order, docs/design.md §2).

Outputs are written through a temporary file in the destination folder and renamed into place, so
a failure leaves no half-written file, and they get the mode a plainly created file would get
(``mkstemp`` alone gives owner-only ``0600``).  Missing parent folders are created (and removed
again if the write fails); an error names the destination, never the temporary file.

This is the toolkit's only atomic writer: weight files, checkpoints, results and task data all go
through :func:`atomic_path`.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     target = os.path.join(d, "runs", "a", "notes.txt")
    ...     write_text_atomically(target, "hello")
    ...     print(open(target).read(), sorted(os.listdir(os.path.join(d, "runs", "a"))))
    hello ['notes.txt']
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

__all__ = ["file_mode", "atomic_path", "write_text_atomically"]


def file_mode() -> int:
    """``0666`` minus the process umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _make_parents(folder: str) -> list[str]:
    """Create ``folder`` and its missing ancestors; return the created ones, deepest first."""
    missing = []
    while not os.path.isdir(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for d in reversed(missing):
        os.mkdir(d)
    return missing


def _remove_created(folders: list[str]) -> None:
    for d in folders:          # deepest first; a folder something else wrote into stays
        try:
            os.rmdir(d)
        except OSError:
            break


def _naming_target(e: OSError, path: str) -> OSError:
    """The same error, naming ``path`` instead of the temporary file or folder it was about."""
    return type(e)(e.errno, e.strerror or str(e), path) if e.errno is not None else OSError(f"{path}: {e}")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[str]:
    """Yield a temporary path next to ``path``; on success give it the usual mode and rename it to
    ``path``, on any error remove it (and the parent folders this call created).  An ``OSError``
    (no space, no permission, a parent that is a file, ...) is re-raised naming ``path``.

    A ``path`` that is a symbolic link is written through: the link's resolved target is replaced
    and the link stays a link (so it never points at stale contents)."""
    path = os.fspath(path)
    shown_path = path
    path = os.path.realpath(path)
    folder = os.path.dirname(path)
    created: list[str] = []
    tmp = None
    try:
        created = _make_parents(folder)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix or os.path.basename(path))
        os.close(fd)
        yield tmp
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException as e:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        _remove_created(created)
        if isinstance(e, OSError) and e.filename != shown_path:
            raise _naming_target(e, shown_path) from None
        raise


def write_text_atomically(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
