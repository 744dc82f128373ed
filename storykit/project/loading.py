"""Reading thousands of stories' front matter on every core (the first run after a clone).

With the front-matter cache warm, listing a project parses only the stories that
changed.  The first command in a fresh clone, a CI job or a new worktree parses
them all: above ``PARALLEL_FROM`` stories not in the cache, the files are parsed
by forked worker processes, one per core, a group of files at a time
(``storykit.project.cache.MetaCache.read_ahead`` decides the groups and what a
worker does with them: in a fresh clone, it also writes the cache's files).  Below
it, or with one core, or where ``fork`` is unsafe (another thread is running, or
the platform has no fork), the caller reads serially.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

Task = TypeVar("Task")

# Forking two workers and sending the results back costs about as much as parsing
# a few hundred stories; measured on 2 cores (docs/performance.md).
PARALLEL_FROM = 800

_work: Callable[[Any], Any] | None = None  # the work, inherited by the forked workers


def workers() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worth_it(files: int) -> bool:
    """Whether reading ``files`` files is worth forking workers for, and safe."""
    return files >= PARALLEL_FROM and workers() >= 2 and _can_fork()


def _can_fork() -> bool:
    return (sys.platform.startswith("linux") and threading.active_count() == 1
            and threading.current_thread() is threading.main_thread())


def _worker_start() -> None:
    """A worker dies quietly when stopped (storykit's own SIGTERM handler raises
    KeyboardInterrupt) and leaves Ctrl-C to the command, which stops the pool.  It
    parses thousands of acyclic front matters and exits: no cyclic garbage collection."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()


def _run(task: Any) -> Any:
    assert _work is not None
    return _work(task)


def on_every_core(work: Callable[[Task], Any], tasks: Sequence[Task]) -> list[Any] | None:
    """``work(task)`` of every task, in forked workers, one per core; the results in
    the order of the tasks.  None when no worker could be started (the caller then
    does the work itself); ask :func:`worth_it` first."""
    import multiprocessing

    global _work
    _work = work
    try:
        pool = multiprocessing.get_context("fork").Pool(workers(), initializer=_worker_start)
    except OSError:
        _work = None
        return None  # no processes to be had
    try:
        results = pool.map(_run, tasks, chunksize=1)
        pool.close()  # the workers exit when the work is done
    except BaseException:
        pool.terminate()  # Ctrl-C or a failure: stop them now
        raise
    finally:
        pool.join()
        _work = None
    return results
