"""Safe file writes: atomic replace, kept file mode, nothing written when nothing changed,
and one project-wide lock so two storykit processes never interleave their writes."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
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
def _signals_held() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM while storykit saves (milliseconds, or a commit's
    hooks), so a signal never stops it between the story and the tracker, or between
    writing the story and committing it.  A signal that comes then is too late to
    undo anything: the save finishes and the command ends as it would have.  (A hook
    run by the commit still gets the terminal's Ctrl-C itself; storykit then restores
    the files.)"""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread can handle signals
        return
    wanted = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in wanted}
    for sig in wanted:
        # A no-op handler, not SIG_IGN: an ignored signal would stay ignored in the
        # processes started meanwhile (git and its hooks); a handler resets on exec.
        signal.signal(sig, lambda signum, frame: None)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


@contextlib.contextmanager
def project_lock(state_dir: Path, timeout: float = 30.0) -> Iterator[None]:
    """Hold the project's write lock, with SIGINT/SIGTERM held back while it is held.

    An OS-level lock (flock), so a lock left by a killed process is released by
    the kernel and never blocks the next run.
    """
    from storykit.errors import Refused

    require_private_dir(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    release = _flock(state_dir / "lock", timeout)
    if release is None:
        raise Refused(
            f"another storykit process has held {state_dir.name}/lock for {timeout:.0f} s",
            hint="wait for it to finish and run again",
        )
    try:
        with _signals_held():
            yield
    finally:
        release()


_POLL = 0.05  # seconds between two tries of a held lock (filelock's own interval)


def _flock(path: Path, timeout: float) -> Callable[[], None] | None:
    """Take the lock on ``path``; returns what releases it, or None after ``timeout``.

    Where the system has flock, it is taken here: the very lock filelock takes on POSIX
    (``flock(LOCK_EX | LOCK_NB)`` on the same file, tried every 50 ms), so storykit
    versions that take it through filelock and this one exclude each other, without
    importing filelock (its asyncio support costs a test run 50 ms of CPU).  Elsewhere
    (Windows), or where the file system has no flock, filelock takes it."""
    try:
        import fcntl
    except ImportError:
        return _filelock(path, timeout)
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError:
        return _filelock(path, timeout)  # filelock meets it (and says what is wrong)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            time.sleep(_POLL)
        except OSError:  # no flock on this file system (ENOSYS, EOPNOTSUPP, ENOLCK)
            os.close(fd)
            return _filelock(path, timeout)
        except BaseException:
            os.close(fd)
            raise

    def release() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    return release


def _filelock(path: Path, timeout: float) -> Callable[[], None] | None:
    from filelock import FileLock, Timeout

    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        return None
    return lock.release


def require_writable(rel: str, path: Path) -> None:
    """Refuse, before anything runs, to work on a file storykit could not then save.

    By its mode bits, not ``os.access``: root may write a read-only file, but a file
    made read-only says its owner does not want it rewritten."""
    from storykit.errors import Refused

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if not mode & 0o222:
        raise Refused(f"{rel} is read-only, so the run could not be recorded",
                      hint=f"make it writable (chmod u+w {rel}) and run again")


def require_private_dir(state_dir: Path) -> None:
    """Refuse a ``.storykit`` that is a symlink (a repository can commit one pointing
    anywhere): the lock, logs and cache must stay inside the project."""
    from storykit.errors import StorykitError

    if state_dir.is_symlink():
        raise StorykitError(f"{state_dir.name} is a symbolic link (to {os.readlink(state_dir)}); storykit keeps its "
                            "lock, logs and cache there, inside the project",
                            hint=f"remove the link (rm {state_dir.name}) and run again")
