"""Running one benchmark command, the way storykit runs tests: in the shell from the
project root, streamed live, in a process group of its own, killed at the timeout.

The measurement is read from the whole output (not the story's head/tail window):
the command's ``NAME: VALUE UNIT`` lines, or the pytest-benchmark JSON it wrote to
the path ``{json}`` stands for.  Reading it is the caller's (storykit.core.measure).
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from storykit.runners.process import run_command

JSON_TOKEN = "{json}"
_MAX_OUTPUT = 8 * 1024 * 1024  # bytes of output read for measurements; the log keeps the rest


@dataclass
class BenchRun:
    """One run of a benchmark command."""

    command: str
    exit_code: int | None  # None: killed at the timeout
    timed_out: bool
    duration: float
    output: str  # the output, whole (up to 8 MiB), for the NAME: VALUE UNIT lines
    json_text: str | None  # what it wrote to {json}; None when the command has none or wrote nothing
    wants_json: bool = False  # the command has {json}: its measurements are in that file


def shell(command: str) -> list[str]:
    if sys.platform.startswith("win"):
        return [os.environ.get("COMSPEC", "cmd.exe"), "/c", command]
    return ["/bin/sh", "-c", command]


def run(command: str, *, cwd: Path, log_path: Path, json_path: Path, timeout: float | None,
        output_lines: int = 200, echo: BinaryIO | None = None) -> BenchRun:
    """Run ``command`` once (``{json}`` replaced by ``json_path``, quoted for the shell)."""
    wants_json = JSON_TOKEN in command
    if wants_json:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.unlink(missing_ok=True)  # a file left by an earlier run is never this run's
        command = command.replace(JSON_TOKEN, shlex.quote(str(json_path)))
    result = run_command(shell(command), cwd=cwd, log_path=log_path, timeout=timeout,
                         output_lines=output_lines, echo=echo)
    with log_path.open("rb") as log:
        output = log.read(_MAX_OUTPUT).decode("utf-8", errors="replace")
    json_text = None
    if wants_json and json_path.is_file():
        json_text = json_path.read_text(encoding="utf-8", errors="replace")
    return BenchRun(command, result.exit_code, result.timed_out, result.duration, output, json_text, wants_json)
