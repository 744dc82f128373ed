"""A misconfigured hook command never blocks the agent (issue 13): every supported
tool reads exit 2 from a hook as "block", so storykit hook's own usage errors are
exit 1 whatever their shape, and only -h/--help go to the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Project

# storykit in a subprocess runs the code next to these tests, also under 'storykit verify'.
SOURCE = {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
USAGE = ("storykit hook: usage: storykit hook TOOL EVENT (TOOL: claude, codex, cursor, gemini; EVENT: session-start, "
         "pre-edit, stop); 'storykit setup TOOL' installs the hooks\n")


def hook(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "storykit", "hook", *args], input="{}", text=True,
                          capture_output=True, cwd=project.root, env={**os.environ, **SOURCE}, timeout=60)


@pytest.mark.parametrize("args", [(), ("claude",), ("claude", "pre-edit", "extra"), ("claude", "--event", "stop"),
                                  ("claude", "pre_edit")])
def test_a_misconfigured_hook_is_exit_1_never_2(project: Project, args: tuple[str, ...]) -> None:
    result = hook(project, *args)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", USAGE)


def test_help_still_shows_the_help(project: Project) -> None:
    result = hook(project, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: storykit hook [OPTIONS] TOOL EVENT")
