"""Runs a story's tests and returns what happened as a value (never raises for a
failing run): exit code, per-test outcomes from storykit's pytest plugin or JUnit
XML, a bounded excerpt of the output, and the path of the full log.

The output is streamed: to the terminal as it comes (the user sees the live run),
to the full log file, and through a bounded head/tail window for the story, so a
run that prints 100 MB costs no more memory than one that prints 1 KB.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from storykit.errors import StorykitError

PLUGIN_MODULE = "storykit_pytest"
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MAX_LINE = 2000  # characters of one output line kept in the story


class RunAborted(Exception):
    """The run was stopped through its ``abort`` event (the test tree is gone)."""


@dataclass
class RunResult:
    """One test run, as data."""

    command: list[str]
    exit_code: int | None  # None when storykit killed it
    duration: float
    timed_out: bool = False
    tests: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # nodeid -> (outcome, exc)
    collect_errors: list[str] = field(default_factory=list)
    report: str = "complete"  # complete | missing | truncated | corrupt
    runner: str = "pytest"  # pytest (storykit's plugin report) | junit (a test_command's JUnit XML)
    excerpt: str = ""
    total_lines: int = 0
    log: Path | None = None

    def count(self, *outcomes: str) -> int:
        return sum(1 for outcome, _ in self.tests.values() if outcome in outcomes)

    @property
    def passed(self) -> int:
        return self.count("passed")

    @property
    def failed(self) -> int:
        return self.count("failed")

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for outcome, _ in self.tests.values():
            found[outcome] = found.get(outcome, 0) + 1
        return dict(sorted(found.items()))


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


def project_python() -> str:
    """The project's Python: ``python`` on PATH (the active environment), else ``python3``."""
    for name in ("python", "python3"):
        found = shutil.which(name)
        if found:
            return found
    raise StorykitError("no 'python' or 'python3' on PATH",
                        hint="activate the project's virtual environment, or set test_command in the config")


def pytest_command(tests: list[str], extra: list[str], report: Path, color: bool) -> list[str]:
    """The default command: the project's ``python -m pytest`` with storykit's plugin."""
    command = [project_python(), "-m", "pytest", *tests, "-p", PLUGIN_MODULE, f"--storykit-report={report}"]
    if color:
        command.append("--color=yes")
    return command + extra


def custom_command(template: str, tests: list[str], extra: list[str], junit: Path) -> list[str]:
    """A configured ``test_command``: ``{tests}`` and ``{junit}`` expanded, shell-style split.

    ``{tests}`` as a word of its own becomes one argument per test path.  Leading
    ``NAME=value`` words are environment settings, as in a shell (see ``split_env``).
    """
    try:
        words = shlex.split(template)
    except ValueError as exc:
        raise StorykitError(f"test_command is not a valid command line ({exc})",
                            hint="fix test_command in the config") from None
    command: list[str] = []
    for word in words:
        if word == "{tests}":
            command.extend(tests)
        else:
            command.append(word.replace("{junit}", str(junit)).replace("{tests}", " ".join(tests)))
    if not split_env(command)[1]:
        raise StorykitError("test_command is empty", hint="set test_command in the config, or remove it to use pytest")
    return command + extra


_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def split_env(command: list[str]) -> tuple[dict[str, str], list[str]]:
    """Leading ``NAME=value`` words (environment settings, as a shell reads them) and the rest.

    Some runners take the JUnit path only from the environment, e.g. jest-junit's
    ``JEST_JUNIT_OUTPUT_FILE={junit} npx jest ...``; no shell is involved.
    """
    env: dict[str, str] = {}
    index = 0
    while index < len(command) and _ASSIGNMENT.match(command[index]):
        name, value = command[index].split("=", 1)
        env[name] = value
        index += 1
    return env, command[index:]


def _plugin_dir(workdir: Path) -> Path:
    """A folder holding a copy of the plugin, for a project Python without storykit."""
    target = workdir / "plugin"
    target.mkdir()
    shutil.copyfile(Path(__file__).with_name("pytest_plugin.py"), target / f"{PLUGIN_MODULE}.py")
    return target


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


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def run(
    command_template: str | None,
    tests: list[str],
    extra: list[str],
    *,
    cwd: Path,
    log_path: Path | None,
    timeout: float | None = None,
    output_lines: int = 200,
    echo: BinaryIO | None = None,
    env: dict[str, str] | None = None,
    abort: threading.Event | None = None,
) -> RunResult:
    """Run the tests; stream output to ``echo`` and ``log_path``; return the result.

    Setting ``abort`` stops the run (its whole process tree) and raises RunAborted:
    storykit's own checks that go on while the tests run use it to refuse.

    ``command_template`` None means the default pytest command; otherwise it is a
    ``test_command`` whose results are read from the JUnit XML it writes to
    ``{junit}`` (also given to it as $STORYKIT_JUNIT).  ``env`` adds to the
    environment the tests run in.
    """
    workdir = Path(tempfile.mkdtemp(prefix="storykit-run-"))
    try:
        report = workdir / "report.jsonl"
        junit = workdir / "junit.xml"
        environment = {**os.environ, **(env or {})}
        color = bool(echo is not None and hasattr(echo, "isatty") and echo.isatty())
        if command_template is None:
            command = pytest_command(tests, extra, report, color)
            environment["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(_plugin_dir(workdir)), environment.get("PYTHONPATH")]))
        else:
            assignments, command = split_env(custom_command(command_template, tests, extra, junit))
            environment.update(assignments, STORYKIT_JUNIT=str(junit))
        environment.setdefault("PYTHONIOENCODING", "utf-8")
        result = _execute(command, cwd, environment, log_path, timeout, output_lines, echo, abort)
        result.excerpt = machine_independent(result.excerpt, cwd, {junit: JUNIT_TOKEN, workdir: "<tmp>"})
        if command_template is None:
            _read_plugin_report(report, result)
            _require_pytest(command[0], result)
        else:
            from storykit.runners.junit import read_junit

            result.runner = "junit"
            read_junit(junit, result, cwd=cwd)
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


JUNIT_TOKEN = "{junit}"
PROJECT_TOKEN = "<project>"


def machine_independent(text: str, root: Path, throwaway: dict[Path, str]) -> str:
    """``text`` with paths that differ from machine to machine named by stable tokens:
    each ``throwaway`` path (the run's temporary {junit} file, its folder) by its
    token and the project root by ``<project>`` (each also as resolved, e.g. /tmp
    behind a symlink), so the same runs give the same evidence on every clone."""
    pairs = [(p, token) for p, token in throwaway.items()] + [(root, PROJECT_TOKEN)]
    for path, token in pairs:
        for form in dict.fromkeys((str(path), str(path.resolve()))):
            if len(form) > 1:  # never the filesystem root
                text = re.sub(re.escape(form) + r"(?![\w.-])", token.replace("\\", "\\\\"), text)
    return text


def _require_pytest(python: str, result: RunResult) -> None:
    """Raise when the project's Python turned out to have no pytest.

    Told from the run itself (exit 1, no report, Python's own message), not from a
    probe before it: a probe would cost a second interpreter start on every run.
    """
    if result.exit_code == 1 and result.report == "missing" and "No module named pytest" in result.excerpt:
        raise StorykitError(
            f"the project's Python ({python}) has no pytest",
            hint=f"install it there ('{python} -m pip install pytest'), or activate the environment that has it",
        )


def _execute(
    command: list[str],
    cwd: Path,
    env: dict[str, str],
    log_path: Path | None,
    timeout: float | None,
    output_lines: int,
    echo: BinaryIO | None,
    abort: threading.Event | None = None,
) -> RunResult:
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
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,  # noqa: PLW1509
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
    try:
        while True:
            if abort is not None and abort.is_set():
                raise RunAborted()
            wait = 0.2
            if deadline is not None:
                wait = min(wait, max(deadline - time.monotonic(), 0))
            if selector.select(wait):
                chunk = os.read(fd, 65536)
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


def _read_plugin_report(path: Path, result: RunResult) -> None:
    import json

    if not path.exists():
        result.report = "missing"
        return
    finished = False
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                record = json.loads(line)
                event = record.get("event")
                if event == "test":
                    result.tests[record["nodeid"]] = (record["outcome"], record.get("exc"))
                elif event == "collect_error":
                    result.collect_errors.append(record.get("nodeid") or "<session>")
                elif event == "finish":
                    finished = True
    except (ValueError, KeyError, UnicodeDecodeError):
        result.report = "corrupt"
        return
    if not finished:
        result.report = "truncated"


def run_command(command: list[str], *, cwd: Path, log_path: Path | None, timeout: float | None = None,
                output_lines: int = 200, echo: BinaryIO | None = None) -> RunResult:
    """Run any command (a validation step) the way tests run: streamed to ``echo`` and
    ``log_path``, own process group, killed at ``timeout``; no test results read."""
    env = dict(os.environ)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return _execute(command, cwd, env, log_path, timeout, output_lines, echo)
