"""Reading thousands of stories' front matter on every core (the first run after a clone).

With the front-matter cache warm, listing a project parses only the stories that
changed.  The first command in a fresh clone, a CI job or a new worktree parses
them all: above ``PARALLEL_FROM`` stories not in the cache, the files are parsed
on every core, a group of files at a time, by this process and one forked worker
per other core (``storykit.project.cache.MetaCache.read_ahead`` decides the groups
and what is done with them: in a fresh clone, each group is a cache file, written
by whoever parsed it).  Below it, or with one core, or where ``fork`` is unsafe
(another thread is running, or the platform has no fork), the caller reads serially.

No ``multiprocessing`` pool: the command's own process would only wait for its
workers, and importing and starting a pool, its threads and its result queue cost
more than the parse of a few hundred stories.
"""

from __future__ import annotations

import contextlib
import gc
import operator
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, NoReturn, TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")

# Forking a worker and taking its results back costs about as much as parsing a few
# hundred stories; measured on 2 cores (docs/performance.md).
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
    KeyboardInterrupt) and leaves Ctrl-C to the command, which stops it.  It parses
    thousands of acyclic front matters and exits: no cyclic garbage collection."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()


_TOKEN = 4  # bytes of a task's number in the queue; a read of it from a pipe is atomic
# The tokens are written before anything reads them: at most PIPE_BUF (4 KiB) of them,
# which every pipe holds, even one the kernel gave a single page (a user with many pipes).
MAX_TASKS = 1024


def on_every_core(work: Callable[[Task], Any], tasks: Sequence[Task], *,
                  taken: Callable[[int, Any], None] | None = None,
                  send: Callable[[Any], bytes] | None = None,
                  receive: Callable[[bytes], Any] | None = None) -> list[Any] | None:
    """``work(task)`` of every task, on every core: this process and one forked worker
    per other core take the tasks in turn; the results come back in the order of the
    tasks.  None when no worker could be started, or for more than ``MAX_TASKS``
    tasks (the caller then does the work itself); ask :func:`worth_it` first.

    The queue is a pipe holding each task's number, written before the fork: each
    process reads the next number (an atomic read), so a process that is slowed down
    simply takes fewer tasks.  A worker sends each result, pickled, as soon as it is
    done.  If a worker fails, its exception is raised here; if one dies, this process
    does the tasks it had taken and not sent.  On any exception here (Ctrl-C included)
    the workers are stopped before it goes on.

    ``taken(index, result)`` is called here for each task's result as soon as this
    process has it: after each of its own tasks, for the workers' results that arrived
    meanwhile, and for the rest at the end; each once, in no set order.  The caller can
    so work on the results while the workers still work.

    ``send`` and ``receive`` carry a worker's result when pickle is not the cheapest way:
    ``send(result)`` turns it into bytes in the worker, ``receive(bytes)`` turns them back
    here, before anything else sees it (the results of this process's own tasks are
    never sent)."""
    count = min(workers(), len(tasks))
    if count < 2 or len(tasks) > MAX_TASKS:
        return None
    global _work
    queue_out, queue_in = os.pipe()
    os.write(queue_in, b"".join(i.to_bytes(_TOKEN, "little") for i in range(len(tasks))))
    os.close(queue_in)  # an empty queue reads as the end of the pipe
    _work = work
    children: dict[int, int] = {}  # pid -> the read end of its results
    try:
        for _ in range(count - 1):
            read_end, write_end = os.pipe()
            # A group of stories' results is a few hundred KB: whole in the pipe whenever this
            # process looks between its own tasks, not 64 KB of them at a time (a quarter of
            # the worker's results were left for the end).
            roomy(write_end)
            try:
                pid = os.fork()
            except OSError:
                os.close(read_end)
                os.close(write_end)
                break
            if pid == 0:  # the worker: it never returns
                os.close(read_end)
                _worker(tasks, queue_out, write_end, send)
            os.close(write_end)
            children[pid] = read_end
        if not children:
            return None  # no processes to be had
        inboxes = {pid: _Inbox(read_end, taken, receive) for pid, read_end in children.items()}

        def take_what_arrived() -> None:  # between this process's own tasks: the workers' results so far
            for inbox in inboxes.values():
                inbox.take(wait=False)

        results: dict[int, Any] = _take(tasks, queue_out, take_what_arrived, taken)
        failure: BaseException | None = None
        for pid, read_end in list(children.items()):
            inboxes[pid].take(wait=True)  # the rest, to the end of the pipe
            os.close(read_end)
            del children[pid]
            os.waitpid(pid, 0)
            results.update(inboxes[pid].done)  # a worker that died sent only part: the rest is done below
            failure = failure or inboxes[pid].error
        if failure is not None:
            raise failure
        for index in range(len(tasks)):
            if index not in results:
                results[index] = work(tasks[index])
                if taken is not None:
                    taken(index, results[index])
        return [results[index] for index in range(len(tasks))]
    finally:
        _work = None
        os.close(queue_out)
        for pid, read_end in children.items():  # an exception here: stop the workers now
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
            os.close(read_end)


class Beside(Generic[Result]):
    """``job()`` in one forked worker while this process goes on: a rule that reads
    what the command already holds and changes nothing (a cold check's tracker, rendered
    while the command takes the stories' results).  Used as a ``with`` block:

        with Beside(job) as later:
            ...                      # this process's own work
            found = later.result()   # job()'s result, waiting for it

    The worker is forked where :func:`on_every_core` would fork (one thread, Linux,
    two cores or more); otherwise nothing runs until :meth:`result` does the job here.
    The worker's exception is raised by :meth:`result`; if it died, the job is done
    here.  A job whose result was not asked for (a cache answered instead), or any
    exception in the block (Ctrl-C included), stops the worker when the block ends."""

    def __init__(self, job: Callable[[], Result]) -> None:
        self._job = job
        self._pid = 0
        self._inbox: _Inbox | None = None
        self._answer: tuple[Result] | None = None
        self._error: BaseException | None = None  # the worker's, raised at every ask

    @property
    def started(self) -> bool:
        """Whether a worker was forked for the job."""
        return self._pid != 0

    def __enter__(self) -> Beside[Result]:
        if workers() >= 2 and _can_fork():
            self._start()
        return self

    def _start(self) -> None:
        global _work
        queue_out, queue_in = os.pipe()
        os.write(queue_in, (0).to_bytes(_TOKEN, "little"))  # one task: the job
        os.close(queue_in)
        read_end, write_end = os.pipe()
        _work = operator.call  # (the worker's copy; this process's is reset below)
        try:
            pid = os.fork()
        except OSError:
            pid = -1
        if pid == 0:  # the worker: it never returns
            os.close(read_end)
            _worker([self._job], queue_out, write_end)
        _work = None
        os.close(write_end)
        os.close(queue_out)
        if pid < 0:  # no process to be had: the job is done here when asked
            os.close(read_end)
            return
        self._pid, self._inbox = pid, _Inbox(read_end)

    def result(self) -> Result:
        """The job's result: the worker's (waiting for it), or the job done here."""
        inbox = self._inbox
        if inbox is not None:  # the worker's answer, taken once
            inbox.take(wait=True)
            self._end(kill=False)
            self._inbox = None
            self._error = inbox.error
            if self._error is None and 0 in inbox.done:
                self._answer = (inbox.done[0],)
        if self._error is not None:
            raise self._error
        if self._answer is None:  # no worker, or it died: the job here
            self._answer = (self._job(),)
        return self._answer[0]

    def _end(self, *, kill: bool) -> None:
        if self._pid:
            if kill:
                with contextlib.suppress(OSError):
                    os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self._pid, 0)
            self._pid = 0
        if self._inbox is not None and self._inbox.fd >= 0:
            os.close(self._inbox.fd)
            self._inbox.fd = -1

    def __exit__(self, *exc: object) -> None:
        self._end(kill=True)  # the job not asked for, or the block failed: stop it now


def roomy(fd: int) -> None:
    """Let the pipe ``fd`` hold 1 MiB (what Linux allows without privileges) where the
    system lets it; else leave it as it is (not Linux, a lower limit, the user's quota of
    pipe pages used up): only the speed of what goes through it changes."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):  # not Linux, or above the system's limit: the pipe as it is
        pass


def _take(tasks: Sequence[Any], queue: int, between: Callable[[], None] | None = None,
          taken: Callable[[int, Any], None] | None = None) -> dict[int, Any]:
    """Take tasks from the queue and do them, until it is empty (``taken``: each
    result, as it is done; ``between``: after each)."""
    assert _work is not None
    done = {}
    while token := os.read(queue, _TOKEN):
        index = int.from_bytes(token, "little")
        done[index] = _work(tasks[index])
        if taken is not None:
            taken(index, done[index])
        if between is not None:
            between()
    return done


_LENGTH = 8  # bytes of a frame's length, before its pickle


def _worker(tasks: Sequence[Any], queue: int, out: int, send: Callable[[Any], bytes] | None = None) -> NoReturn:
    """A forked worker's life: take tasks until the queue is empty, send back each
    result as it is done (one frame each: its length, then the pickle of (task, result), or
    of (task, ``send(result)``)),
    then a last frame with the exception that stopped it, or None; exit without running
    anything of the command's (no atexit, no flush of buffers copied from it).

    The frames are pickled while the other processes still work, and written as far as
    the pipe takes them without waiting: what a worker finished before it died reaches
    the command; the rest is written, waiting, once the queue is empty."""
    code = 0
    try:
        _worker_start()
        assert _work is not None
        os.set_blocking(out, False)
        pending = bytearray()
        error: BaseException | None = None
        try:
            while token := os.read(queue, _TOKEN):
                index = int.from_bytes(token, "little")
                result = _work(tasks[index])
                if send is not None:
                    result = send(result)
                try:
                    frame = pickle.dumps((index, result), protocol=pickle.HIGHEST_PROTOCOL)
                except Exception as exc:  # a result pickle cannot carry
                    raise RuntimeError(f"a worker's result could not be sent back: {exc!r}") from None
                pending += len(frame).to_bytes(_LENGTH, "little")
                pending += frame
                _send(out, pending)
        except Exception as exc:
            error = exc
        try:
            last = pickle.dumps((-1, error), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an exception pickle cannot carry
            last = pickle.dumps((-1, RuntimeError(f"a worker's error could not be sent back: {exc!r}")))
        pending += len(last).to_bytes(_LENGTH, "little")
        pending += last
        os.set_blocking(out, True)
        _send(out, pending)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _send(fd: int, pending: bytearray) -> None:
    """Write ``pending`` to ``fd`` and take what was written off it: all of it, or (a
    pipe set not to block, and full) as much as the pipe takes now."""
    view = memoryview(pending)
    sent = 0
    try:
        while sent < len(view):
            sent += os.write(fd, view[sent:])
    except BlockingIOError:
        pass
    finally:
        view.release()
    del pending[:sent]


class _Inbox:
    """What one worker sent: its frames (see ``_worker``), taken as they arrive, so the
    command unpickles the results while the workers still parse; a frame cut short or
    unreadable (the worker died writing it) ends what is taken from it."""

    def __init__(self, fd: int, taken: Callable[[int, Any], None] | None = None,
                 receive: Callable[[bytes], Any] | None = None) -> None:
        self.fd = fd
        self.taken = taken  # called with each result as it is taken
        self.receive = receive  # what the worker's ``send`` made, back into its result
        self.data = bytearray()  # received, not yet a whole frame
        self.done: dict[int, Any] = {}
        self.error: BaseException | None = None
        self.ended = False  # the last frame, or a broken one, was taken

    def take(self, *, wait: bool) -> None:
        """Take the frames sent so far (``wait``: all of them, to the end of the pipe)."""
        os.set_blocking(self.fd, wait)
        try:
            while chunk := os.read(self.fd, 1 << 20):
                self.data += chunk
                self._frames()
        except BlockingIOError:  # nothing more for now
            pass

    def _frames(self) -> None:
        data, at = self.data, 0
        while not self.ended and at + _LENGTH <= len(data):
            size = int.from_bytes(data[at:at + _LENGTH], "little")
            if at + _LENGTH + size > len(data):
                break  # the rest of this frame is still on its way
            try:
                index, value = pickle.loads(data[at + _LENGTH:at + _LENGTH + size])
            except Exception:
                self.ended = True
                break
            at += _LENGTH + size
            if index < 0:
                self.error, self.ended = value, True
            else:
                if self.receive is not None:
                    value = self.receive(value)
                self.done[index] = value
                if self.taken is not None:
                    self.taken(index, value)
        del data[:at]
