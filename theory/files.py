"""File helpers shared by every layer (theory is the bottom of the dependency order, docs/design.md §2).

Outputs are written through a temporary file in the destination folder and renamed into place, so
a failure leaves no half-written file, and they get the mode a plainly created file would get
(``mkstemp`` alone gives owner-only ``0600``).
"""

from __future__ import annotations

import contextlib
import os
import tempfile

__all__ = ["file_mode", "atomic_path", "write_text_atomically"]


def file_mode() -> int:
    """``0666`` minus the process umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ""):
    """Yield a temporary path next to ``path``; on success give it the usual mode and rename it to
    ``path``, on any error remove it."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix or os.path.basename(path))
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text_atomically(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
