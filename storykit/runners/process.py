"""Running a command the way storykit runs tests: its output streamed to the terminal
as it comes (the user sees the live run), to the full log file, and through a
bounded head/tail window for the story, so a run that prints 100 MB costs no more
memory than one that prints 1 KB; in a process group of its own, its whole process
tree stopped at the timeout, on Ctrl-C, or when storykit dies.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import BinaryIO

from storykit.errors import StorykitError
from storykit.runners.result import RunResult

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MAX_LINE = 2000  # characters of one output line kept in the story
STARTUP = 0.5  # seconds: the longest work beside a run waits for the run's start-up (``execute``'s ``up``)
_UP = b"collected"  # pytest's "collected N items": its start-up and collection are done


class RunAborted(Exception):
    """The run was stopped through its ``abort`` event (the test tree is gone)."""


def clean(text: str) -> str:
    """Test output made safe for a story: no ANSI codes, no control characters."""
    text = _ANSI.sub("", text)
    # A carriage return redraws the line (progress bars): keep what was drawn last.
    text = "\n".join(line.rsplit("\r", 1)[-1] if "\r" in line else line for line in text.split("\n"))
    return _CONTROL.sub("", text)


class _Window:
    """Keeps the first and last ``half`` lines of a stream, and counts the rest."""

    def __init__(self, half: int) -> None:
        self.head: list[bytes] = []
        self.tail: deque[bytes] = deque(maxlen=half)
        self.half = half
        self.lines = 0
        self._partial = b""

    def feed(self, chunk: bytes) -> None:
        data = self._partial + chunk
        *complete, self._partial = data.split(b"\n")
        if len(self._partial) > 8 * _MAX_LINE:  # an endless line: cut it, keep memory bounded
            complete.append(self._partial[: 4 * _MAX_LINE])
            self._partial = b""
        for line in complete:
            self._add(line)

    def _add(self, line: bytes) -> None:
        self.lines += 1
        line = line[: 4 * _MAX_LINE]
        if len(self.head) < self.half:
            self.head.append(line)
        else:
            self.tail.append(line)

    def close(self) -> None:
        if self._partial:
            self._add(self._partial)
            self._partial = b""

    def excerpt(self, log_name: str | None) -> str:
        def decode(lines: list[bytes]) -> list[str]:
            out = []
            for raw in lines:
                line = clean(raw.decode("utf-8", errors="replace"))
                out.append(line if len(line) <= _MAX_LINE else line[:_MAX_LINE] + " … [line cut]")
            return out

        head = decode(self.head)
        tail = decode(list(self.tail))
        cut = self.lines - len(head) - len(tail)
        if cut > 0:
            where = f"; full log: {log_name}" if log_name else ""
            head.append(f"… [{cut} lines cut{where}] …")
        text = "\n".join(head + tail).strip("\n")
        return text + "\n" if text else ""


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from /proc (Linux; elsewhere none are found).

    A test may start a process in a session of its own, outside the run's process
    group; ``killpg`` would miss it, so the tree is walked as well.
    """
    children: dict[int, list[int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()  # the name in (...) may hold spaces
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _signal_tree(pid: int, tree: list[int], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)
    for member in tree:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(member, signum)


def _stop(process: subprocess.Popen[bytes], first: int = signal.SIGTERM, grace: float = 3.0) -> None:
    """End the test run's whole process tree: its process group and every process
    below it, ``first``, then SIGKILL after ``grace``."""
    tree = _descendants(process.pid)
    _signal_tree(process.pid, tree, first)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    # Processes started meanwhile are in the tree now; the pid list is taken before
    # the kill so a reused pid is not hit (the window is the grace period at most).
    tree = list(dict.fromkeys(tree + (_descendants(process.pid) if process.poll() is None else [])))
    _signal_tree(process.pid, tree, signal.SIGKILL)
    process.wait()


@cache
def _death_signal() -> Callable[[], None] | None:
    """What the child runs between fork and exec so it dies with storykit (Linux's
    PR_SET_PDEATHSIG), resolved here, in the parent: the child must import nothing,
    because a thread of the parent holding an import lock at the fork (run-tests
    checks the story beside the tests) would leave the child waiting for it forever."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None

    def die_with_parent() -> None:
        with contextlib.suppress(Exception):
            prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    return die_with_parent


def execute(
    command: list[str],
    cwd: Path,
    env: dict[str, str],
    log_path: Path | None,
    timeout: float | None,
    output_lines: int,
    echo: BinaryIO | None,
    abort: threading.Event | None = None,
    started: Callable[[], None] | None = None,
    up: threading.Event | None = None,
) -> RunResult:
    """Run ``command``; ``started`` is called once it runs (what goes on beside it
    starts then, not before: the command starts sooner), and ``up`` is set once it has
    started up: its output says it collected the tests (pytest's "collected N items"),
    ``STARTUP`` seconds passed, or it ended (work beside it that waits for ``up`` leaves
    the start-up of the tests, their busiest moment, the machine's cores)."""
    window = _Window(max(output_lines // 2, 5))
    log = None
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = log_path.open("wb")
    start = time.monotonic()
    try:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_death_signal(),  # noqa: PLW1509
        )
    except OSError as exc:
        if log:
            log.close()
            log_path.unlink(missing_ok=True)  # type: ignore[union-attr]
        if isinstance(exc, FileNotFoundError):
            problem, fix = "was not found", "install it"
        elif isinstance(exc, PermissionError):
            problem, fix = "is not executable", "make it executable (chmod +x)"
        else:
            problem, fix = f"could not be started ({exc.strerror})", "check it"
        raise StorykitError(f"the test command '{command[0]}' {problem}",
                            hint=f"{fix}, or fix test_command in the config") from None
    timed_out = False
    assert process.stdout is not None
    fd = process.stdout.fileno()
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    deadline = start + timeout if timeout else None
    exited_at: float | None = None
    up_by = start + STARTUP
    try:
        if started is not None:
            started()
        while True:
            if abort is not None and abort.is_set():
                raise RunAborted()
            wait = 0.2
            if deadline is not None:
                wait = min(wait, max(deadline - time.monotonic(), 0))
            if up is not None and not up.is_set():
                if time.monotonic() >= up_by:
                    up.set()
                else:
                    wait = min(wait, up_by - time.monotonic())
            if selector.select(wait):
                chunk = os.read(fd, 65536)
                if up is not None and _UP in chunk:
                    up.set()
                if not chunk:
                    break
                window.feed(chunk)
                if log:
                    log.write(chunk)
                if echo is not None:
                    try:
                        echo.write(chunk)
                        echo.flush()
                    except OSError:  # the reader went away (| head): the run goes on, unseen
                        echo = None
                continue
            if deadline is not None and time.monotonic() >= deadline:
                timed_out = True
                _stop(process)
                break
            # The runner exited but a child it left behind holds the pipe open.
            if process.poll() is not None:
                exited_at = exited_at or time.monotonic()
                if time.monotonic() - exited_at > 1.0:
                    break
        exit_code = process.wait() if not timed_out else None
    except BaseException:
        _stop(process, signal.SIGINT)
        raise
    finally:
        if up is not None:
            up.set()
        selector.close()
        process.stdout.close()
        window.close()
        if log:
            if timed_out:
                log.write(f"\n[storykit: killed after the {timeout:g} s timeout]\n".encode())
            log.close()
    duration = time.monotonic() - start
    log_name = str(log_path) if log_path else None
    return RunResult(
        command=command,
        exit_code=exit_code,
        duration=duration,
        timed_out=timed_out,
        excerpt=window.excerpt(log_name),
        total_lines=window.lines,
        log=log_path,
    )


def run_command(command: list[str], *, cwd: Path, log_path: Path | None, timeout: float | None = None,
                output_lines: int = 200, echo: BinaryIO | None = None) -> RunResult:
    """Run any command (a validation step) the way tests run: streamed to ``echo`` and
    ``log_path``, own process group, killed at ``timeout``; no test results read."""
    env = dict(os.environ)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return execute(command, cwd, env, log_path, timeout, output_lines, echo)
