"""Reading thousands of stories' front matter on every core (the first run after a clone).

With the front-matter cache warm, listing a project parses only the stories that
changed.  The first command in a fresh clone, a CI job or a new worktree parses
them all: above ``PARALLEL_FROM`` stories not in the cache, the files are parsed
by forked worker processes, one per core, in chunks, while the results are taken
in the order of the files, so the first bad story raises the same error as a
serial read.  Below it, or with one core, or where ``fork`` is unsafe (another
thread is running, or the platform has no fork), the caller reads serially.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from storykit.errors import StorykitError

Meta = dict[str, Any]
Loaded = tuple[tuple[int, int], Meta | None, tuple[str, str | None] | None]  # stamp, meta, (message, hint)

# Forking two workers and sending the results back costs about as much as parsing
# a few hundred stories; measured on 2 cores (docs/performance.md).
PARALLEL_FROM = 800
_CHUNK = 250

_load: Callable[[Path], Meta] | None = None  # the loader, inherited by the forked workers


def workers() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _can_fork() -> bool:
    return (sys.platform.startswith("linux") and threading.active_count() == 1
            and threading.current_thread() is threading.main_thread())


def _worker_signals() -> None:
    """A worker dies quietly when stopped (storykit's own SIGTERM handler raises
    KeyboardInterrupt) and leaves Ctrl-C to the command, which stops the pool."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _load_chunk(names: list[str]) -> list[Loaded]:
    """In a worker: each file's stamp (taken before reading it) and its front matter or error."""
    assert _load is not None
    out: list[Loaded] = []
    for name in names:
        path = Path(name)
        try:
            stat = path.stat()
            stamp = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            stamp = (-1, -1)
        try:
            out.append((stamp, _load(path), None))
        except StorykitError as exc:
            out.append((stamp, None, (exc.message, exc.hint)))
    return out


def load_many(paths: Iterable[Path], load: Callable[[Path], Meta]) -> dict[Path, Loaded] | None:
    """``load`` of every path, on every core; None when it is not worth it or not safe
    (the caller then loads each file itself)."""
    paths = list(paths)
    cores = workers()
    if len(paths) < PARALLEL_FROM or cores < 2 or not _can_fork():
        return None
    import multiprocessing

    global _load
    _load = load
    chunks = [[str(p) for p in paths[i:i + _CHUNK]] for i in range(0, len(paths), _CHUNK)]
    try:
        pool = multiprocessing.get_context("fork").Pool(cores, initializer=_worker_signals)
    except OSError:
        _load = None
        return None  # no processes to be had: read serially
    try:
        results = pool.map(_load_chunk, chunks, chunksize=1)
        pool.close()  # the workers exit when the work is done
    except BaseException:
        pool.terminate()  # Ctrl-C or a failure: stop them now
        raise
    finally:
        pool.join()
        _load = None
    return {path: result for path, result in zip(paths, (r for chunk in results for r in chunk), strict=True)}


def loader(loaded: dict[Path, Loaded] | None, load: Callable[[Path], Meta],
           stamps: dict[str, tuple[int, int]]) -> Callable[[Path], Meta]:
    """A ``load`` that takes a worker's result when the file's stamp is still the one the
    worker read it under (``stamps``: the caller's stat, taken just before), else reads it."""
    if not loaded:
        return load

    def take(path: Path) -> Meta:
        result = loaded.pop(path, None)
        if result is None or result[0] != stamps.get(path.name):
            return load(path)  # changed since the worker read it, or never read
        stamp, meta, error = result
        if error is not None:
            raise StorykitError(error[0], hint=error[1])
        assert meta is not None
        return meta

    return take
