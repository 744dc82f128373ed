"""Runs a story's tests and returns what happened as a value (never raises for a
failing run): exit code, per-test outcomes from storykit's pytest plugin or JUnit
XML, a bounded excerpt of the output, and the path of the full log.

The pieces, none importing this module (no cycle): ``result`` (RunResult),
``process`` (streaming process control, timeouts, the output window), ``pytest_run``
(the default pytest command and its plugin report), ``command`` (a configured
``test_command``), ``junit`` (its JUnit XML).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from storykit.runners import pytest_run
from storykit.runners.command import custom_command, split_env
from storykit.runners.junit import read_junit
from storykit.runners.process import RunAborted, _Window, clean, execute, run_command
from storykit.runners.result import RunResult

__all__ = ["RunAborted", "RunResult", "_Window", "clean", "custom_command", "run", "run_command", "split_env"]


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
    plugin: str | None = None,
    started: Callable[[], None] | None = None,
    up: threading.Event | None = None,
) -> RunResult:
    """Run the tests; stream output to ``echo`` and ``log_path``; return the result.

    Setting ``abort`` stops the run (its whole process tree) and raises RunAborted:
    storykit's own checks that go on while the tests run use it to refuse.
    ``started`` is called once the tests run (to start those checks then); ``up`` is
    set once they have started up (see ``process.execute``).

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
            plugin = plugin or pytest_run.plugin_name([str(cwd)])
            command = pytest_run.pytest_command(tests, extra, report, color, plugin, environment.get("PATH"))
            environment["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(pytest_run.plugin_dir(workdir, plugin)), environment.get("PYTHONPATH")]))
        else:
            assignments, command = split_env(custom_command(command_template, tests, extra, junit))
            environment.update(assignments, STORYKIT_JUNIT=str(junit))
        environment.setdefault("PYTHONIOENCODING", "utf-8")
        result = execute(command, cwd, environment, log_path, timeout, output_lines, echo, abort, started, up)
        throwaway = {junit: JUNIT_TOKEN, workdir: "<tmp>"}
        venv = pytest_run.environment_root(environment.get("PATH"))
        if venv is not None:
            throwaway[venv] = VENV_TOKEN
        result.excerpt = machine_independent(result.excerpt, cwd, throwaway)
        if command_template is None:
            pytest_run.read_report(report, result)
            pytest_run.require_pytest(command[0], result)
        else:
            result.runner = "junit"
            read_junit(junit, result, cwd=cwd)
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


JUNIT_TOKEN = "{junit}"
PROJECT_TOKEN = "<project>"
VENV_TOKEN = "<venv>"


def machine_independent(text: str, root: Path, throwaway: dict[Path, str]) -> str:
    """``text`` with paths that differ from machine to machine named by stable tokens:
    each ``throwaway`` path (the run's temporary {junit} file, its folder, the
    virtual environment the tests ran in) by its token and the project root by
    ``<project>`` (each also as resolved, e.g. /tmp behind a symlink), so the same runs
    give the same evidence on every clone."""
    pairs = [(p, token) for p, token in throwaway.items()] + [(root, PROJECT_TOKEN)]
    for path, token in pairs:
        for form in dict.fromkeys((str(path), str(path.resolve()))):
            if len(form) > 1:  # never the filesystem root
                text = re.sub(re.escape(form) + r"(?![\w.-])", token.replace("\\", "\\\\"), text)
    return text
