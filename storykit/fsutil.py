"""Safe file writes: atomic replace, kept file mode, nothing written when nothing changed,
and one project-wide lock so two storykit processes never interleave their writes."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def write_atomic(path: Path, data: bytes, *, dry_run: bool = False) -> bool:
    """Write ``data`` to ``path`` through a temp file and ``os.replace``.

    Returns False (and touches nothing) when the file already holds exactly
    ``data``.  A crash at any point leaves either the old file or the new one,
    never a half-written mix; the temp file is removed on every failure.
    """
    try:
        if path.read_bytes() == data:
            return False
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    if dry_run:
        return True
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return True


def write_text_atomic(path: Path, text: str, *, dry_run: bool = False) -> bool:
    """``write_atomic`` for text, always UTF-8 whatever the locale; newlines as given."""
    return write_atomic(path, text.encode("utf-8"), dry_run=dry_run)


@contextlib.contextmanager
def project_lock(state_dir: Path, timeout: float = 30.0) -> Iterator[None]:
    """Hold the project's write lock.

    An OS-level lock (flock), so a lock left by a killed process is released by
    the kernel and never blocks the next run.
    """
    from filelock import FileLock, Timeout

    from storykit.errors import Refused

    state_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(state_dir / "lock"))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise Refused(
            f"another storykit process has held {state_dir / 'lock'} for {timeout:.0f} s",
            hint="wait for it to finish and run again",
        ) from None
    try:
        yield
    finally:
        lock.release()
